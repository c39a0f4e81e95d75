// The chain module through the real binary (issue 3): imports of chains/nodes by CLI and by the
// HTTP job API (upload, poll), export as .xlsx, chain chiefs scoped to their chain and the demo
// enterprise account editing its own firm — on demo data in a fresh data directory.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

namespace json = boost::json;

int64_t NodeCount(const std::string& data, const std::string& code) {
  auto list = RunCli({"chain", "list", "--data", data, "--json"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  const json::value parsed = json::parse(list.out);
  for (const auto& c : parsed.at("chains").as_array()) {
    if (c.at("code").as_string() == code) {
      return c.at("nodes").as_int64();
    }
  }
  return -1;
}

TEST(ChainImportIntegrationTest, ImportsByCliAndHttpJobExportsAndScopesChiefs) {
  TempDir data;
  auto demo = RunCli({"demo", "--data", data.path(), "--scale", "1"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  const int64_t nodes_before = NodeCount(data.path(), "CD-AI");
  ASSERT_GT(nodes_before, 0);

  // CLI: a bad file changes nothing (exit 2, the row named); a good one adds a node.
  const std::string bad = data.path() + "/bad.csv";
  std::ofstream(bad) << "chain,node,parent,name\nCD-AI,IT-1,NO-SUCH,孤儿\n";
  auto rejected = RunCli({"import", "chains", bad, "--data", data.path()});
  EXPECT_EQ(rejected.exit_code, 2) << rejected.out << rejected.err;
  auto report = json::parse(rejected.out).as_object();
  EXPECT_EQ(report.at("errors").as_array().at(0).at("row").as_int64(), 2);
  EXPECT_EQ(report.at("errors").as_array().at(0).at("reason").as_string(), "orphan");
  EXPECT_EQ(NodeCount(data.path(), "CD-AI"), nodes_before);
  const std::string good = data.path() + "/good.csv";
  std::ofstream(good) << "chain,node,name,criticality\nCD-AI,IT-1,集成测试节点,4\n";
  auto imported = RunCli({"import", "chains", good, "--data", data.path()});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_EQ(NodeCount(data.path(), "CD-AI"), nodes_before + 1);

  ServerProcess server({"--data", data.path()});
  ASSERT_TRUE(server.started()) << server.Stderr();
  Session op(server.port());
  ASSERT_EQ(op.SignIn("demo-operator", "kechan-demo"), 200);
  auto t = op.Call("POST", "/api/v1/tokens", R"({"name":"chain-import"})");
  ASSERT_EQ(t.status, 201) << t.body;
  const std::string bearer = "Bearer " + std::string(json::parse(t.body).at("token").as_string());

  // HTTP: upload a CSV as a job and poll it to the end.
  auto started = HttpCall(server.port(), "POST", "/api/v1/imports?kind=chains&filename=n.csv",
                          "chain,node,parent,name\nCD-AI,IT-2,IT-1,上传节点\n",
                          {{"Authorization", bearer}, {"Content-Type", "text/csv"}});
  ASSERT_EQ(started.status, 202) << started.body;
  const int64_t id = json::parse(started.body).at("id").as_int64();
  json::object job;
  for (int i = 0; i < 300; ++i) {
    auto polled = HttpCall(server.port(), "GET", "/api/v1/imports/" + std::to_string(id), {},
                           {{"Authorization", bearer}});
    ASSERT_EQ(polled.status, 200) << polled.body;
    job = json::parse(polled.body).as_object();
    if (job.at("state").as_string() != "running") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(job.at("state").as_string(), "done") << json::serialize(job);
  EXPECT_EQ(job.at("report").at("nodes").as_int64(), 1);
  // A JSON body is refused with 400 naming content-type.
  auto wrong = HttpCall(server.port(), "POST", "/api/v1/imports?kind=chains", "{}",
                        {{"Authorization", bearer}, {"Content-Type", "application/json"}});
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_NE(wrong.body.find("content-type"), std::string::npos) << wrong.body;

  // Export: the enterprise list as .xlsx with a UTF-8 file name.
  auto xlsx = HttpCall(server.port(), "GET", "/api/v1/enterprises?above_size=true&format=xlsx", {},
                       {{"Authorization", bearer}});
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_NE(xlsx.headers["content-type"].find("spreadsheetml"), std::string::npos);
  EXPECT_NE(xlsx.headers["content-disposition"].find("filename*=UTF-8''"), std::string::npos);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");

  // The demo chief is the chief of CD-AI only.
  auto chains = json::parse(op.Call("GET", "/api/v1/chains").body).at("chains").as_array();
  int64_t ai = 0;
  int64_t other = 0;
  for (const auto& c : chains) {
    (c.at("code").as_string() == "CD-AI" ? ai : other) = c.at("id").as_int64();
  }
  Session chief(server.port());
  ASSERT_EQ(chief.SignIn("demo-chief", "kechan-demo"), 200);
  auto mine = json::parse(chief.Call("GET", "/api/v1/chains/mine").body).as_object();
  EXPECT_FALSE(mine.at("all").as_bool());
  ASSERT_EQ(mine.at("chains").as_array().size(), 1u);
  EXPECT_EQ(mine.at("chains").as_array()[0].as_int64(), ai);
  EXPECT_EQ(chief.Call("GET", "/api/v1/enterprises?chain=" + std::to_string(ai)).status, 200);
  EXPECT_EQ(chief.Call("GET", "/api/v1/enterprises?chain=" + std::to_string(other)).status, 403);

  // The demo enterprise account edits its own firm (the first firm of CD-AI).
  auto firms = json::parse(
      op.Call("GET", "/api/v1/enterprises?page_size=1&chain=" + std::to_string(ai)).body);
  const int64_t firm = firms.at("items").as_array().at(0).at("id").as_int64();
  Session member(server.port());
  ASSERT_EQ(member.SignIn("demo-enterprise", "kechan-demo"), 200);
  const std::string path = "/api/v1/enterprises/" + std::to_string(firm);
  EXPECT_EQ(member.Call("GET", path).status, 200);
  auto patched = member.Call("PATCH", path, R"({"name_en":"Own profile edited"})");
  EXPECT_EQ(patched.status, 200) << patched.body;
}

}  // namespace
}  // namespace kechan::testing
