// The real binary on PostgreSQL: migrate, create the first operator, serve, write and read over
// HTTP, load the demo data and analyse a chain, and verify the event log — the path a city takes
// when it outgrows one machine. Runs when KECHAN_TEST_PG names a server (scripts/test starts one).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

class PostgresServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* pg = std::getenv("KECHAN_TEST_PG");
    if (pg == nullptr || *pg == '\0') {
      if (const char* req = std::getenv("KECHAN_REQUIRE_PG"); req != nullptr && *req == '1') {
        FAIL() << "KECHAN_REQUIRE_PG=1 but KECHAN_TEST_PG is not set";
      }
      GTEST_SKIP() << "KECHAN_TEST_PG is not set";
    }
    admin_url_ = pg;
    // A database of its own, so the binary sees an empty installation.
    db_name_ = "kechan_it_" + std::to_string(::getpid());
    Exec("DROP DATABASE IF EXISTS " + db_name_);
    Exec("CREATE DATABASE " + db_name_);
    auto slash = admin_url_.rfind('/');
    auto query = admin_url_.find('?', slash);
    url_ = admin_url_.substr(0, slash + 1) + db_name_ +
           (query == std::string::npos ? "" : admin_url_.substr(query));
  }

  void TearDown() override {
    if (!db_name_.empty()) {
      Exec("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)");
    }
  }

  // CREATE/DROP DATABASE cannot run inside a transaction block and the store port only runs
  // statements in transactions, so the test uses psql (postgresql-client-15) for these two.
  void Exec(const std::string& sql) {
    std::string cmd = "psql -q -X -v ON_ERROR_STOP=1 -d '" + admin_url_ + "' -c '" + sql + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  std::string admin_url_;
  std::string db_name_;
  std::string url_;
};

TEST_F(PostgresServerTest, ServesWritesAndVerifiesOnPostgres) {
  auto migrate = RunCli({"migrate", "--db", url_});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  auto add = RunCli({"user", "add", "--db", url_, "--username", "pg-op", "--password-stdin"},
                    "pg-password-123\n");
  ASSERT_EQ(add.exit_code, 0) << add.err;

  int64_t org_id = 0;
  {
    ServerProcess server({"--db", url_});
    ASSERT_TRUE(server.started()) << server.Stderr();
    Session op(server.port());
    ASSERT_EQ(op.SignIn("pg-op", "pg-password-123"), 200);
    auto created = op.Call("POST", "/api/v1/orgs",
                           R"({"kind":"enterprise","name":"示例企业（合成）",)"
                           R"("uscc":"91350100M000100Y43"})");
    ASSERT_EQ(created.status, 201) << created.body;
    org_id = boost::json::parse(created.body).at("id").as_int64();
    auto dup =
        op.Call("POST", "/api/v1/orgs",
                R"({"kind":"enterprise","name":"重复（合成）","uscc":"91350100M000100Y43"})");
    EXPECT_EQ(dup.status, 409) << dup.body;
    auto got = op.Call("GET", "/api/v1/orgs/" + std::to_string(org_id));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(boost::json::parse(got.body).at("name").as_string(), "示例企业（合成）");
    int status = server.Stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.Stderr();
  }

  auto demo = RunCli({"demo", "--db", url_});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  auto analyze =
      RunCli({"chain", "analyze", "CD-AI", "--db", url_, "--as-of", "2026-11-29", "--json"});
  ASSERT_EQ(analyze.exit_code, 0) << analyze.err;
  auto a = boost::json::parse(analyze.out).as_object();
  double coverage = a.at("coverage").to_number<double>();
  EXPECT_GE(coverage, 0.0);
  EXPECT_LE(coverage, 1.0);
  EXPECT_FALSE(a.at("nodes").as_array().empty());

  auto verify = RunCli({"verify-log", "--db", url_});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("\"ok\":true"), std::string::npos);
}

}  // namespace
}  // namespace kechan::testing
