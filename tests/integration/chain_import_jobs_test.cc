// Import jobs survive a restart of the real server (issue 3): a finished job's state and row
// errors are served by GET /api/v1/imports/{id} after the server is stopped and started again,
// and a job left running by a server that died reads as failed with reason "import.interrupted".
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "store/database.h"
#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

namespace json = boost::json;

json::object Poll(int port, const std::string& bearer, int64_t id) {
  json::object job;
  for (int i = 0; i < 300; ++i) {
    auto polled = HttpCall(port, "GET", "/api/v1/imports/" + std::to_string(id), {},
                           {{"Authorization", bearer}});
    EXPECT_EQ(polled.status, 200) << polled.body;
    if (polled.status != 200) {
      break;
    }
    job = json::parse(polled.body).as_object();
    if (job.at("state").as_string() != "running") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return job;
}

std::string Bearer(int port) {
  Session op(port);
  EXPECT_EQ(op.SignIn("jobs-op", "jobs-password-1"), 200);
  auto t = op.Call("POST", "/api/v1/tokens", R"({"name":"import-jobs"})");
  EXPECT_EQ(t.status, 201) << t.body;
  if (t.status != 201) {
    return {};
  }
  return "Bearer " + std::string(json::parse(t.body).at("token").as_string());
}

TEST(ChainImportJobsIntegrationTest, JobsReadTheSameAfterARestartAndInterruptedOnesFail) {
  TempDir data;
  auto add =
      RunCli({"user", "add", "--data", data.path(), "--username", "jobs-op", "--password-stdin"},
             "jobs-password-1\n");
  ASSERT_EQ(add.exit_code, 0) << add.err;

  int64_t id = 0;
  {
    ServerProcess server({"--data", data.path()});
    ASSERT_TRUE(server.started()) << server.Stderr();
    const std::string bearer = Bearer(server.port());
    ASSERT_FALSE(bearer.empty());
    // A file with bad rows (no such chain): the job ends "rejected" with its row errors.
    auto started = HttpCall(server.port(), "POST", "/api/v1/imports?kind=chains&filename=x.csv",
                            "chain,node,name\nNO-SUCH,N-1,节点\n",
                            {{"Authorization", bearer}, {"Content-Type", "text/csv"}});
    ASSERT_EQ(started.status, 202) << started.body;
    id = json::parse(started.body).at("id").as_int64();
    json::object job = Poll(server.port(), bearer, id);
    ASSERT_EQ(job.at("state").as_string(), "rejected") << json::serialize(job);
    EXPECT_EQ(server.Stop(SIGTERM), 0);
  }

  // What a server killed in the middle of an import leaves: its job row still "running".
  {
    auto db = store::Open({.url = "sqlite:" + data.path() + "/kechan.db"});
    ASSERT_TRUE(db.ok()) << db.status();
    auto tx = (*db)->Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    auto n = (*tx)->Exec(
        "INSERT INTO chain_import_jobs (id, kind, owner, instance, state, phase, processed, "
        "total, created_at, updated_at) SELECT id + 1, 'enterprises', owner, 'killed-server', "
        "'running', 'writing', 1000, 50000, 1, 1 FROM chain_import_jobs WHERE id = ?",
        std::vector<store::Value>{id});
    ASSERT_TRUE(n.ok()) << n.status();
    ASSERT_EQ(*n, 1);
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  ServerProcess again({"--data", data.path()});
  ASSERT_TRUE(again.started()) << again.Stderr();
  const std::string bearer = Bearer(again.port());
  ASSERT_FALSE(bearer.empty());
  auto polled = HttpCall(again.port(), "GET", "/api/v1/imports/" + std::to_string(id), {},
                         {{"Authorization", bearer}});
  ASSERT_EQ(polled.status, 200) << polled.body;
  json::object job = json::parse(polled.body).as_object();
  EXPECT_EQ(job.at("state").as_string(), "rejected");
  EXPECT_EQ(job.at("kind").as_string(), "chains");
  const auto& errors = job.at("report").at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u) << polled.body;
  EXPECT_EQ(errors[0].at("row").as_int64(), 2);
  EXPECT_EQ(errors[0].at("column").as_string(), "chain");

  auto interrupted = HttpCall(again.port(), "GET", "/api/v1/imports/" + std::to_string(id + 1), {},
                              {{"Authorization", bearer}});
  ASSERT_EQ(interrupted.status, 200) << interrupted.body;
  json::object dead = json::parse(interrupted.body).as_object();
  EXPECT_EQ(dead.at("state").as_string(), "failed");
  EXPECT_EQ(dead.at("error").at("reason").as_string(), "import.interrupted");
  EXPECT_FALSE(dead.at("error").at("message_zh").as_string().empty());

  // A new job after the restart gets a fresh id.
  auto next = HttpCall(again.port(), "POST", "/api/v1/imports?kind=chains&filename=y.csv",
                       "chain,node,name\nNO-SUCH,N-2,节点\n",
                       {{"Authorization", bearer}, {"Content-Type", "text/csv"}});
  ASSERT_EQ(next.status, 202) << next.body;
  EXPECT_GT(json::parse(next.body).at("id").as_int64(), id + 1);
  EXPECT_EQ(Poll(again.port(), bearer, json::parse(next.body).at("id").as_int64())
                .at("state")
                .as_string(),
            "rejected");
}

}  // namespace
}  // namespace kechan::testing
