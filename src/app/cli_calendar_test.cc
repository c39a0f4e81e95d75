#include "app/cli_calendar.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::app {
namespace {

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome RunCli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  Outcome o;
  o.code = RunCalendarCommand(args, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

TEST(CalendarCliTest, AnswersWorkingDayQuestionsAsJsonLines) {
  Outcome o = RunCli({"is-workday", "2026-02-14"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, "{\"date\":\"2026-02-14\",\"working\":true}\n");
  EXPECT_EQ(o.err, "");

  o = RunCli({"is-workday", "2026-02-16"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, "{\"date\":\"2026-02-16\",\"working\":false}\n");

  o = RunCli({"add-workdays", "2026-02-13", "1"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, "{\"date\":\"2026-02-14\"}\n");
  EXPECT_EQ(RunCli({"add-workdays", "2026-02-13", "2"}).out, "{\"date\":\"2026-02-24\"}\n");
  EXPECT_EQ(RunCli({"add-workdays", "2026-02-15", "0"}).out, "{\"date\":\"2026-02-15\"}\n");

  o = RunCli({"between", "2026-02-01", "2026-02-28"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, "{\"working_days\":16}\n");
  EXPECT_EQ(RunCli({"between", "2026-02-28", "2026-02-01"}).out, "{\"working_days\":0}\n");
}

TEST(CalendarCliTest, WarnsAboutYearsWithoutHolidayData) {
  Outcome o = RunCli({"is-workday", "2030-01-01"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, "{\"date\":\"2030-01-01\",\"working\":true}\n");
  EXPECT_NE(o.err.find("warning: no holiday data for 2030"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("警告：2030 年没有节假日数据"), std::string::npos) << o.err;

  o = RunCli({"between", "2026-12-01", "2029-01-31"});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.err.find("2027-2029"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("2026"), std::string::npos) << o.err;
}

TEST(CalendarCliTest, BadInputExitsTwoNamingTheArgumentInBothLanguages) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"is-workday", "2026-02-30"}, "DATE"},
      {{"is-workday", "2026-2-3"}, "DATE"},
      {{"is-workday", ""}, "DATE"},
      {{"add-workdays", "2026-02-13", "-1"}, "N"},
      {{"add-workdays", "2026-02-13", "x"}, "N"},
      {{"add-workdays", "2026-02-13", "99999"}, "N"},
      {{"add-workdays", "2026/02/13", "1"}, "DATE"},
      {{"between", "2026-02-01", "2026-13-01"}, "TO"},
      {{"between", "20260201", "2026-03-01"}, "FROM"},
      {{"is-workday", "2026-02-14", "--office"}, "--office"},
  };
  for (const auto& c : cases) {
    Outcome o = RunCli(c.args);
    EXPECT_EQ(o.code, 2) << c.args[1];
    EXPECT_EQ(o.out, "") << c.args[1];
    EXPECT_NE(o.err.find("error: "), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("错误："), std::string::npos) << o.err;
    EXPECT_NE(o.err.find(c.names), std::string::npos) << o.err;
  }
  for (const auto& args : std::vector<std::vector<std::string>>{{},
                                                                {"is-workday"},
                                                                {"add-workdays", "2026-02-13"},
                                                                {"between", "2026-02-01"},
                                                                {"frobnicate"},
                                                                {"import", "notice.txt"}}) {
    Outcome o = RunCli(args);
    EXPECT_EQ(o.code, 2);
    EXPECT_EQ(o.out, "");
    EXPECT_NE(o.err.find("usage: kechan calendar"), std::string::npos) << o.err;
  }
}

TEST(CalendarCliTest, EverySubcommandAnswersHelp) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"is-workday", "--help"}, {"add-workdays", "-h"}, {"between", "--help"}}) {
    Outcome o = RunCli(args);
    EXPECT_EQ(o.code, 0) << args[0];
    EXPECT_NE(o.out.find("usage: kechan calendar"), std::string::npos) << o.out;
    EXPECT_EQ(o.err, "");
  }
  EXPECT_NE(RunCli({"between", "--help"}).out.find("between FROM TO"), std::string::npos);
}

class CalendarImportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto& m : calendar::Migrations()) {
      all.push_back(m);
    }
    ASSERT_TRUE(store::Migrate(*db_, all).ok());
    auto service = calendar::CalendarService::Open(*db_, clock_);
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
    dir_ = std::filesystem::temp_directory_path() /
           ("kechan_cli_calendar_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  base::FakeClock clock_{base::LocalInstant(base::Date::Parse("2026-11-15").value(), 600)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<calendar::CalendarService> service_;
  std::filesystem::path dir_;
};

TEST_F(CalendarImportCliTest, ImportsANoticeFile) {
  const std::string path = Write("2027.txt",
                                 "# TEST DATA - not a real notice\n"
                                 "year 2027 测试通知-TEST\n"
                                 "holiday 2027-01-01 2027-01-03 元旦 New Year's Day (test)\n"
                                 "workday 2027-01-09 元旦调休\n");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunCalendarImport(*service_, path, out, err), 0) << err.str();
  EXPECT_EQ(out.str().rfind("{\"year\":2027,\"notice\":\"测试通知-TEST\",\"holidays\":3,"
                            "\"workdays\":1,\"replaced\":\"none\",\"event_seq\":",
                            0),
            0u)
      << out.str();
  EXPECT_TRUE(service_->Current()->IsWorkingDay(base::Date::Parse("2027-01-09").value()));

  // The imported calendar answers the pure commands when handed over.
  std::ostringstream out2;
  std::ostringstream err2;
  EXPECT_EQ(RunCalendarCommand({"is-workday", "2027-01-01"}, out2, err2, *service_->Current()), 0);
  EXPECT_EQ(out2.str(), "{\"date\":\"2027-01-01\",\"working\":false}\n");
  EXPECT_EQ(err2.str(), "");  // 2027 is covered now: no warning
}

TEST_F(CalendarImportCliTest, RejectsBadFilesNamingTheFileAndLine) {
  const std::string bad = Write("bad.txt", "year 2027 TEST\nholiday 2027-01-01 元旦\nholiday x\n");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunCalendarImport(*service_, bad, out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find(bad + ": line 3: "), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("第 3 行"), std::string::npos) << err.str();
  EXPECT_FALSE(service_->Current()->IsCovered(2027));

  std::ostringstream out2;
  std::ostringstream err2;
  EXPECT_EQ(RunCalendarImport(*service_, (dir_ / "missing.txt").string(), out2, err2), 2);
  EXPECT_NE(err2.str().find("FILE"), std::string::npos) << err2.str();
}

}  // namespace
}  // namespace kechan::app
