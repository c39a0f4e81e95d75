#include "calendar/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::calendar {
namespace {

using base::Date;

Date D(std::string_view text) { return base::Date::Parse(text).value(); }

// A synthetic notice for 2027, clearly test data (no real 2027 notice is implied).
constexpr const char* kTest2027 =
    "# TEST DATA - not a real State Council notice\n"
    "year 2027 测试通知-TEST-2027\n"
    "holiday 2027-01-01 2027-01-03 元旦 New Year's Day (test)\n"
    "workday 2027-01-09 元旦调休 make-up day (test)\n";

class CalendarServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto& m : Migrations()) {
      all.push_back(m);
    }
    auto migrated = store::Migrate(*db_, all);
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    auto service = CalendarService::Open(*db_, clock_);
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
  }

  int64_t CountRows() {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM calendar_years");
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows->rows.at(0).Int(0);
  }

  std::vector<store::Event> Events() {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto events = store::ReadEvents(**tx, 0, 10000);
    EXPECT_TRUE(events.ok()) << events.status();
    return *events;
  }

  // 2026-11-15 10:00 Asia/Shanghai: the 2027 notice may be loaded.
  base::FakeClock clock_{base::LocalInstant(D("2026-11-15"), 10 * 60)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<CalendarService> service_;
};

TEST_F(CalendarServiceTest, StartsWithTheShippedYears) {
  const auto years = service_->Years();
  ASSERT_EQ(years.size(), 3u);
  EXPECT_EQ(years[0].year, 2024);
  EXPECT_EQ(years[2].year, 2026);
  EXPECT_EQ(years[2].notice, "国办发明电〔2025〕7号");
  EXPECT_EQ(years[2].source, base::YearSource::kShipped);
  EXPECT_FALSE(years[2].loaded_at.has_value());
  EXPECT_TRUE(service_->Current()->IsWorkingDay(D("2026-02-14")));
  EXPECT_FALSE(service_->Current()->IsWorkingDay(D("2026-02-16")));
  EXPECT_EQ(CountRows(), 0);
}

TEST_F(CalendarServiceTest, ImportsANoticeInOneTransactionAndAppliesIt) {
  const auto before = service_->Current();
  EXPECT_FALSE(before->IsCovered(2027));
  EXPECT_TRUE(before->IsWorkingDay(D("2027-01-01")));   // Friday, weekends-only rule
  EXPECT_FALSE(before->IsWorkingDay(D("2027-01-09")));  // Saturday
  const size_t events_before = Events().size();

  auto r = service_->ImportYear("user:7", kTest2027);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->year, 2027);
  EXPECT_EQ(r->notice, "测试通知-TEST-2027");
  EXPECT_EQ(r->holidays, 3);
  EXPECT_EQ(r->workdays, 1);
  EXPECT_EQ(r->replaced, ImportResult::Replaced::kNone);

  const auto after = service_->Current();
  EXPECT_TRUE(after->IsCovered(2027));
  EXPECT_FALSE(after->IsWorkingDay(D("2027-01-01")));
  EXPECT_TRUE(after->IsWorkingDay(D("2027-01-09")));
  EXPECT_EQ(after->AddWorkingDays(D("2026-12-31"), 1), D("2027-01-04"));
  EXPECT_FALSE(after->IsWorkingDay(D("2026-02-16")));  // shipped years stay
  // A snapshot taken before the import is unchanged.
  EXPECT_TRUE(before->IsWorkingDay(D("2027-01-01")));

  EXPECT_EQ(CountRows(), 1);
  const auto events = Events();
  ASSERT_EQ(events.size(), events_before + 1);
  const store::Event& e = events.back();
  EXPECT_EQ(e.seq, r->event_seq);
  EXPECT_EQ(e.kind, "calendar.year.loaded");
  EXPECT_EQ(e.entity, "calendar_year");
  EXPECT_EQ(e.entity_id, "2027");
  EXPECT_EQ(e.actor, "user:7");
  EXPECT_NE(e.payload.find("\"year\":2027"), std::string::npos) << e.payload;
  EXPECT_NE(e.payload.find("\"replaced\":\"none\""), std::string::npos) << e.payload;

  const auto years = service_->Years();
  ASSERT_EQ(years.size(), 4u);
  EXPECT_EQ(years[3].year, 2027);
  EXPECT_EQ(years[3].source, base::YearSource::kImported);
  EXPECT_EQ(years[3].loaded_by, "user:7");
  EXPECT_EQ(years[3].loaded_at, clock_.NowMicros());

  // A fresh service on the same database rebuilds the same calendar.
  auto reopened = CalendarService::Open(*db_, clock_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_FALSE((*reopened)->Current()->IsWorkingDay(D("2027-01-01")));
  EXPECT_TRUE((*reopened)->Current()->IsWorkingDay(D("2027-01-09")));
  EXPECT_EQ((*reopened)->Current()->Year(2027)->source_text, kTest2027);
}

TEST_F(CalendarServiceTest, ANewerNoticeSupersedesTheYear) {
  ASSERT_TRUE(service_->ImportYear("user:7", kTest2027).ok());
  auto r = service_->ImportYear("cli",
                                "year 2027 测试通知-TEST-2027-修订\n"
                                "holiday 2027-01-01 元旦\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->replaced, ImportResult::Replaced::kImported);
  const auto cal = service_->Current();
  EXPECT_TRUE(cal->IsWorkingDay(D("2027-01-04")));
  EXPECT_FALSE(cal->IsWorkingDay(D("2027-01-09")));  // the old make-up day is gone
  EXPECT_EQ(cal->Year(2027)->notice, "测试通知-TEST-2027-修订");
  EXPECT_EQ(CountRows(), 1);

  // Re-importing a shipped year replaces the shipped data.
  auto shipped =
      service_->ImportYear("cli", "year 2026 TEST-REPLACEMENT\nholiday 2026-03-02 测试\n");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->replaced, ImportResult::Replaced::kShipped);
  EXPECT_TRUE(service_->Current()->IsWorkingDay(D("2026-02-16")));
  EXPECT_FALSE(service_->Current()->IsWorkingDay(D("2026-03-02")));
  EXPECT_EQ(CountRows(), 2);
}

TEST_F(CalendarServiceTest, ABadLineIsRejectedByNumberAndNothingChanges) {
  const auto before = service_->Current();
  const size_t events_before = Events().size();
  auto r = service_->ImportYear("user:7",
                                "year 2027 TEST\n"
                                "holiday 2027-01-01 元旦\n"
                                "workday 2027-02-30 坏日期\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "line 3");
  EXPECT_NE(r.status().message_en().find("line 3"), std::string::npos);
  EXPECT_NE(r.status().message_zh().find("第 3 行"), std::string::npos);
  EXPECT_EQ(CountRows(), 0);
  EXPECT_EQ(Events().size(), events_before);
  EXPECT_EQ(service_->Current(), before);
  EXPECT_FALSE(service_->Current()->IsCovered(2027));
}

TEST_F(CalendarServiceTest, RejectsTextsThatAreNotOneYearOfThisEra) {
  struct Case {
    std::string text;
    std::string field;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"", "text", "calendar.empty"},
      {"# nothing here\n", "text", "calendar.empty"},
      {std::string(kTest2027) + "year 2026 TEST\nholiday 2026-03-02 测试\n", "text",
       "calendar.one_year_per_import"},
      {"\nyear 2028 TEST\nholiday 2028-01-01 元旦\n", "line 2", "calendar.year_out_of_range"},
      {"year 1999 TEST\nholiday 1999-01-01 元旦\n", "line 1", "calendar.year_out_of_range"},
      {"year 2027 TEST\nworkday 2027-01-09 调休\n", "line 1", "calendar.no_holiday"},
      {"year 2027 TEST\nholiday 2027-01-01 元旦\nworkday 2027-01-01 冲突\n", "line 3",
       "calendar.holiday_and_workday"},
      {"year 2027 TEST\nholiday 2026-12-31 元旦\n", "line 2", "calendar.date_outside_year"},
      {"year 2027 TEST\n" + std::string(size_t{70} * 1024, '#') + "\n", "text",
       "calendar.text_too_large"},
  };
  const size_t events_before = Events().size();
  for (const auto& c : cases) {
    auto r = service_->ImportYear("user:7", c.text);
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 80);
    EXPECT_EQ(r.status().field(), c.field) << c.text.substr(0, 80);
    EXPECT_EQ(r.status().reason(), c.reason) << c.text.substr(0, 80);
  }
  EXPECT_EQ(CountRows(), 0);
  EXPECT_EQ(Events().size(), events_before);
}

TEST_F(CalendarServiceTest, ReadersKeepConsistentSnapshotsDuringImports) {
  std::atomic<bool> stop{false};
  std::atomic<int> inconsistent{0};
  std::vector<std::thread> readers;
  readers.reserve(3);
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto cal = service_->Current();
        // Within one snapshot, 2027-01-01 and 2027-01-02 are either both off (imported) or both
        // follow the weekends-only rule (Friday working, Saturday off).
        const bool fri = cal->IsWorkingDay(D("2027-01-01"));
        const bool sat = cal->IsWorkingDay(D("2027-01-02"));
        if (fri && sat) {
          inconsistent.fetch_add(1);
        }
        if (!cal->IsCovered(2027) && !fri) {
          inconsistent.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(service_->ImportYear("user:7", kTest2027).ok());
  }
  stop.store(true);
  for (auto& t : readers) {
    t.join();
  }
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_EQ(CountRows(), 1);
}

TEST_F(CalendarServiceTest, UsesConfiguredOfficeHoursAndRejectsInvalidOnes) {
  CalendarOptions options;
  options.office_hours = base::OfficeHours::Parse("08:00-12:00,14:00-18:00").value();
  auto service = CalendarService::Open(*db_, clock_, options);
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ((*service)->Current()->office_hours().DailyTotal(), base::kMicrosPerMinute * 60 * 8);

  CalendarOptions bad;
  bad.office_hours.intervals.clear();
  auto refused = CalendarService::Open(*db_, clock_, bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "office_hours");
}

}  // namespace
}  // namespace kechan::calendar
