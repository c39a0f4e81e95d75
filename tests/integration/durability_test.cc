// Durability: SIGKILL the server while clients write; after a restart every acknowledged write is
// present and the event log's hash chain verifies.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

TEST(DurabilityTest, AcknowledgedWritesSurviveKillMinus9) {
  TempDir data;
  auto add = RunCli({"user", "add", "--data", data.path(), "--username", "root-op",
                     "--password-stdin", "--role", "operator"},
                    "durable-password-1\n");
  ASSERT_EQ(add.exit_code, 0) << add.err;

  std::string token;
  std::vector<std::pair<int64_t, std::string>> acknowledged;
  {
    ServerProcess server({"--data", data.path()});
    ASSERT_TRUE(server.started()) << server.Stderr();
    Session op(server.port());
    ASSERT_EQ(op.SignIn("root-op", "durable-password-1"), 200);
    auto t = op.Call("POST", "/api/v1/tokens", R"({"name":"durability"})");
    ASSERT_EQ(t.status, 201) << t.body;
    token = std::string(boost::json::parse(t.body).at("token").as_string());

    std::mutex mu;
    std::atomic<bool> stop{false};
    std::atomic<int> acked{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; !stop.load(); ++i) {
          std::string name = "耐久测试部门 w" + std::to_string(w) + " #" + std::to_string(i);
          boost::json::object body{{"kind", "government"}, {"name", name}};
          auto r = HttpCall(server.port(), "POST", "/api/v1/orgs", boost::json::serialize(body),
                            {{"Authorization", "Bearer " + token}}, 5000);
          if (r.status == 0) {
            return;  // the server is gone
          }
          if (r.status == 201) {
            int64_t id = boost::json::parse(r.body).at("id").as_int64();
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.emplace_back(id, name);
            acked.fetch_add(1);
          }
        }
      });
    }
    // Kill once a good number of writes were acknowledged, while the writers are still busy.
    for (int i = 0; i < 3000 && acked.load() < 150; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    int status = server.Stop(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
    stop.store(true);
    for (auto& t : writers) {
      t.join();
    }
  }
  ASSERT_GE(acknowledged.size(), 20u) << "too few writes were acknowledged before the kill";

  ServerProcess again({"--data", data.path()});
  ASSERT_TRUE(again.started()) << again.Stderr();
  for (const auto& [id, name] : acknowledged) {
    auto r = HttpCall(again.port(), "GET", "/api/v1/orgs/" + std::to_string(id), {},
                      {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(r.status, 200) << "acknowledged org " << id << " lost: " << r.body;
    EXPECT_EQ(boost::json::parse(r.body).at("name").as_string(), name);
  }
  int status = again.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << again.Stderr();

  auto verify = RunCli({"verify-log", "--data", data.path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("\"ok\":true"), std::string::npos) << verify.out;
}

}  // namespace
}  // namespace kechan::testing
