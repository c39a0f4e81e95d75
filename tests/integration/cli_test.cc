// The kechan CLI as an operator uses it: exit codes (0 ok, 2 bad usage/input, 1 other), one JSON
// object per answer, --help everywhere, and the log verifier catching tampering.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "store/database.h"
#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

boost::json::object Json(const std::string& out) { return boost::json::parse(out).as_object(); }

TEST(CliTest, EveryCommandAnswersHelp) {
  for (auto cmd : std::vector<std::vector<std::string>>{{"serve"},
                                                        {"demo"},
                                                        {"migrate"},
                                                        {"user", "add"},
                                                        {"verify-log"},
                                                        {"backup"},
                                                        {"calendar", "is-workday"},
                                                        {"calendar", "import"}}) {
    cmd.push_back("--help");
    auto r = RunCli(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd[0] << ": " << r.err;
    EXPECT_NE(r.out.find("usage"), std::string::npos) << cmd[0];
  }
}

TEST(CliTest, BadUsageExitsTwoWithMessageOnStderr) {
  auto r = RunCli({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command"), std::string::npos);
  r = RunCli({"migrate", "--no-such-flag", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos);
  r = RunCli({"verify-log"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--data"), std::string::npos);
  r = RunCli({"demo", "--data", "/tmp/unused", "--scale", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--scale"), std::string::npos);
}

TEST(CliTest, CalendarCommandsPrintOneJsonObject) {
  auto r = RunCli({"calendar", "is-workday", "2026-02-14"});  // make-up Saturday (春节调休)
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json(r.out).at("working").as_bool(), true);
  EXPECT_EQ(Json(r.out).at("date").as_string(), "2026-02-14");
  r = RunCli({"calendar", "is-workday", "2026-02-16"});  // Spring Festival holiday, a Monday
  EXPECT_EQ(Json(r.out).at("working").as_bool(), false);
  r = RunCli({"calendar", "add-workdays", "2026-02-13", "2"});  // 02-14 works, then 02-24
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json(r.out).at("date").as_string(), "2026-02-24");
  r = RunCli({"calendar", "between", "2026-10-01", "2026-10-11"});  // 10-08, 10-09, 10-10
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json(r.out).at("working_days").as_int64(), 3);
  r = RunCli({"calendar", "is-workday", "2026-02-30"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(CliTest, MigrateIsIdempotentAndVerifyLogCatchesTampering) {
  TempDir data;
  auto first = RunCli({"migrate", "--data", data.path()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_GT(Json(first.out).at("applied").as_int64(), 0);
  auto second = RunCli({"migrate", "--data", data.path()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(Json(second.out).at("applied").as_int64(), 0);

  auto add =
      RunCli({"user", "add", "--data", data.path(), "--username", "cli-op", "--password-stdin"},
             "cli-password-1\n");
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(Json(add.out).at("role").as_string(), "operator");
  auto dup =
      RunCli({"user", "add", "--data", data.path(), "--username", "cli-op", "--password-stdin"},
             "cli-password-1\n");
  EXPECT_EQ(dup.exit_code, 2) << dup.err;
  auto weak = RunCli(
      {"user", "add", "--data", data.path(), "--username", "weak", "--password-stdin"}, "short\n");
  EXPECT_EQ(weak.exit_code, 2);
  EXPECT_NE(weak.err.find("password"), std::string::npos);

  auto ok = RunCli({"verify-log", "--data", data.path()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  int64_t checked = Json(ok.out).at("checked").as_int64();
  EXPECT_GT(checked, 2);

  // Change one payload behind the log's back: the verifier must name that event.
  {
    auto db = store::Open({.url = "sqlite:" + data.path() + "/kechan.db"});
    ASSERT_TRUE(db.ok()) << db.status();
    auto tx = (*db)->Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Exec("UPDATE events SET payload = '{\"forged\":true}' WHERE seq = 2").ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto bad = RunCli({"verify-log", "--data", data.path()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(Json(bad.out).at("ok").as_bool(), false);
  EXPECT_EQ(Json(bad.out).at("first_bad_seq").as_int64(), 2);
}

TEST(CliTest, BackupWritesAnOpenableCopyAndRefusesToOverwrite) {
  TempDir data;
  ASSERT_EQ(RunCli({"user", "add", "--data", data.path(), "--username", "b-op", "--password-stdin"},
                   "backup-password-1\n")
                .exit_code,
            0);
  std::string dest = data.path() + "/copy.db";
  auto r = RunCli({"backup", "--data", data.path(), "--to", dest});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(std::filesystem::exists(dest));
  std::filesystem::create_directory(data.path() + "/restored");
  std::filesystem::copy_file(dest, data.path() + "/restored/kechan.db");
  auto verify = RunCli({"verify-log", "--data", data.path() + "/restored"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  auto again = RunCli({"backup", "--data", data.path(), "--to", dest});
  EXPECT_EQ(again.exit_code, 2);
}

}  // namespace
}  // namespace kechan::testing
