#include "base/calendar.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace kechan::base {
namespace {

constexpr Micros kHour = 60 * kMicrosPerMinute;

Date D(std::string_view text) {
  auto d = Date::Parse(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status();
  return d.ok() ? *d : Date();
}

// A UTC instant given as local Asia/Shanghai wall time "YYYY-MM-DD HH:MM".
Micros Local(std::string_view text) {
  const Date d = D(text.substr(0, 10));
  const int h = std::stoi(std::string(text.substr(11, 2)));
  const int m = std::stoi(std::string(text.substr(14, 2)));
  return LocalInstant(d, h * 60 + m);
}

// ---- Date ------------------------------------------------------------------------------------

TEST(DateTest, ParsesAndFormatsIsoDates) {
  auto d = Date::Parse("2026-02-14");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->year(), 2026);
  EXPECT_EQ(d->month(), 2);
  EXPECT_EQ(d->day(), 14);
  EXPECT_EQ(d->ToString(), "2026-02-14");
  EXPECT_EQ(D("0001-01-01").ToString(), "0001-01-01");
  EXPECT_TRUE(Date::Parse("2024-02-29").ok());
  EXPECT_TRUE(Date::Parse("2000-02-29").ok());
}

TEST(DateTest, RejectsMalformedDatesNamingTheFieldAndThePart) {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "date.format"},
      {"2026-2-3", "date.format"},
      {"2026/02/03", "date.format"},
      {" 2026-02-03", "date.format"},
      {"2026-02-03 ", "date.format"},
      {"2026-02-3x", "date.format"},
      {"20260203", "date.format"},
      {"2026-02-30", "date.day"},
      {"2025-02-29", "date.day"},
      {"1900-02-29", "date.day"},
      {"2026-04-31", "date.day"},
      {"2026-01-00", "date.day"},
      {"2026-13-01", "date.month"},
      {"2026-00-10", "date.month"},
      {"0000-01-01", "date.year"},
  };
  for (const auto& c : cases) {
    auto r = Date::Parse(c.text, "from");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.text;
    EXPECT_EQ(r.status().field(), "from") << c.text;
    EXPECT_EQ(r.status().reason(), c.reason) << c.text;
    EXPECT_FALSE(r.status().message_zh().empty());
    EXPECT_NE(r.status().message_zh(), r.status().message_en());
  }
  EXPECT_NE(Date::Parse("2026-02-30").status().message_en().find("day 30"), std::string::npos);
}

TEST(DateTest, DayNumbersFollowTheCivilCalendar) {
  EXPECT_EQ(D("1970-01-01").ToDays(), 0);
  EXPECT_EQ(D("2000-03-01").ToDays(), 11017);
  EXPECT_EQ(D("1969-12-31").ToDays(), -1);
  EXPECT_EQ(Date::FromDays(11017), D("2000-03-01"));
  // Round trip over 1900..2100 and consecutive days are one apart.
  Date prev = Date::FromDays(D("1900-01-01").ToDays() - 1);
  for (int64_t n = D("1900-01-01").ToDays(); n <= D("2100-12-31").ToDays(); ++n) {
    const Date d = Date::FromDays(n);
    ASSERT_EQ(d.ToDays(), n);
    ASSERT_LT(prev, d);
    ASSERT_TRUE(Date::FromYmd(d.year(), d.month(), d.day()).ok());
    prev = d;
  }
  EXPECT_EQ(D("2024-12-31").AddDays(1), D("2025-01-01"));
  EXPECT_EQ(D("2024-03-01").AddDays(-1), D("2024-02-29"));
}

TEST(DateTest, ComputesIsoWeekdays) {
  EXPECT_EQ(D("1970-01-01").weekday(), Weekday::kThursday);
  EXPECT_EQ(D("2026-02-14").weekday(), Weekday::kSaturday);
  EXPECT_EQ(D("2026-02-16").weekday(), Weekday::kMonday);
  EXPECT_EQ(D("2026-01-04").weekday(), Weekday::kSunday);
  EXPECT_EQ(D("1969-12-29").weekday(), Weekday::kMonday);
  EXPECT_TRUE(D("2026-02-15").IsWeekend());
  EXPECT_FALSE(D("2026-02-13").IsWeekend());
}

// ---- Wall clock ------------------------------------------------------------------------------

TEST(CityClockTest, ShanghaiIsUtcPlusEightAllYear) {
  const Micros new_year_utc = 1767225600LL * 1'000'000;  // 2026-01-01T00:00:00Z
  EXPECT_EQ(LocalDateOf(new_year_utc), D("2026-01-01"));
  EXPECT_EQ(LocalTimeOfDay(new_year_utc), 8 * kHour);
  EXPECT_EQ(LocalMidnight(D("2026-01-01")), new_year_utc - 8 * kHour);
  EXPECT_EQ(LocalDateOf(new_year_utc - 8 * kHour), D("2026-01-01"));
  EXPECT_EQ(LocalDateOf(new_year_utc - 8 * kHour - 1), D("2025-12-31"));
  EXPECT_EQ(LocalTimeOfDay(new_year_utc - 8 * kHour - 1), kMicrosPerDay - 1);
  // No DST: midsummer midnight is also 16:00 UTC of the day before.
  EXPECT_EQ(LocalMidnight(D("2026-07-01")) + 8 * kHour, D("2026-07-01").ToDays() * kMicrosPerDay);
  // Before 1970 (negative instants) floors correctly.
  EXPECT_EQ(LocalDateOf(LocalMidnight(D("1969-12-31")) + 1), D("1969-12-31"));
  EXPECT_EQ(LocalDateOf(LocalMidnight(D("1969-12-31")) - 1), D("1969-12-30"));
}

// ---- Office hours ----------------------------------------------------------------------------

TEST(OfficeHoursTest, ParsesTheDefaultAndRejectsBadIntervals) {
  auto h = OfficeHours::Parse("09:00-12:00,13:30-17:30");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->intervals, OfficeHours{}.intervals);
  EXPECT_EQ(h->DailyTotal(), 7 * kHour);
  EXPECT_EQ(h->ToString(), "09:00-12:00,13:30-17:30");
  EXPECT_TRUE(OfficeHours::Parse("00:00-24:00").ok());
  EXPECT_TRUE(OfficeHours::Parse(" 08:30-12:00 , 14:00-18:00 ").ok());
  for (const char* bad :
       {"", "9:00-12:00", "12:00-09:00", "09:00-12:00,11:00-13:00", "13:00-14:00,09:00-12:00",
        "09:00-24:30", "09:60-10:00", "09:00", "09:00-12:00,"}) {
    auto r = OfficeHours::Parse(bad, "office_hours");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().field(), "office_hours") << bad;
  }
}

// ---- The shipped data ------------------------------------------------------------------------

struct Span {
  const char* from;
  const char* to;
  const char* name_zh;
};

// The State Council notices, typed in independently of data/calendar/cn-holidays.txt.
const std::vector<Span>& OfficialHolidays() {
  static const std::vector<Span> kSpans = {
      // 2024, 国办发明电〔2023〕7号
      {"2024-01-01", "2024-01-01", "元旦"},
      {"2024-02-10", "2024-02-17", "春节"},
      {"2024-04-04", "2024-04-06", "清明节"},
      {"2024-05-01", "2024-05-05", "劳动节"},
      {"2024-06-10", "2024-06-10", "端午节"},
      {"2024-09-15", "2024-09-17", "中秋节"},
      {"2024-10-01", "2024-10-07", "国庆节"},
      // 2025, 国办发明电〔2024〕12号
      {"2025-01-01", "2025-01-01", "元旦"},
      {"2025-01-28", "2025-02-04", "春节"},
      {"2025-04-04", "2025-04-06", "清明节"},
      {"2025-05-01", "2025-05-05", "劳动节"},
      {"2025-05-31", "2025-06-02", "端午节"},
      {"2025-10-01", "2025-10-08", "国庆节、中秋节"},
      // 2026, 国办发明电〔2025〕7号
      {"2026-01-01", "2026-01-03", "元旦"},
      {"2026-02-15", "2026-02-23", "春节"},
      {"2026-04-04", "2026-04-06", "清明节"},
      {"2026-05-01", "2026-05-05", "劳动节"},
      {"2026-06-19", "2026-06-21", "端午节"},
      {"2026-09-25", "2026-09-27", "中秋节"},
      {"2026-10-01", "2026-10-07", "国庆节"},
  };
  return kSpans;
}

const std::vector<const char*>& OfficialMakeUpDays() {
  static const std::vector<const char*> kDays = {
      "2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
      "2024-09-29", "2024-10-12",                                                          // 2024
      "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",                // 2025
      "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",  // 2026
  };
  return kDays;
}

TEST(ShippedCalendarTest, EmbeddedTextIsTheDataFileByteForByte) {
  std::ifstream in("data/calendar/cn-holidays.txt", std::ios::binary);
  ASSERT_TRUE(in) << "run from the source root (ctest does)";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ShippedHolidayText(), ss.str());
}

TEST(ShippedCalendarTest, EveryOfficialHolidayIsADayOff) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  for (const auto& span : OfficialHolidays()) {
    for (Date d = D(span.from); d <= D(span.to); d = d.AddDays(1)) {
      EXPECT_FALSE(cal.IsWorkingDay(d)) << d.ToString();
      const DayInfo info = cal.Describe(d);
      EXPECT_EQ(info.kind, DayKind::kHoliday) << d.ToString();
      EXPECT_EQ(info.name_zh, span.name_zh) << d.ToString();
      EXPECT_FALSE(info.name_en.empty()) << d.ToString();
      EXPECT_TRUE(info.covered);
    }
  }
}

TEST(ShippedCalendarTest, EveryOfficialMakeUpDayIsWorking) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  for (const char* text : OfficialMakeUpDays()) {
    const Date d = D(text);
    EXPECT_TRUE(cal.IsWorkingDay(d)) << text;
    EXPECT_TRUE(d.IsWeekend()) << text << " (every make-up day of 2024-2026 is a weekend day)";
    EXPECT_EQ(cal.Describe(d).kind, DayKind::kMakeUpWorkday) << text;
  }
}

TEST(ShippedCalendarTest, ListsNothingBeyondTheNotices) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  std::set<Date> holidays;
  for (const auto& span : OfficialHolidays()) {
    for (Date d = D(span.from); d <= D(span.to); d = d.AddDays(1)) {
      holidays.insert(d);
    }
  }
  std::set<Date> workdays;
  for (const char* text : OfficialMakeUpDays()) {
    workdays.insert(D(text));
  }
  // Every other day of 2024..2026 follows the weekends-only rule.
  for (Date d = D("2024-01-01"); d <= D("2026-12-31"); d = d.AddDays(1)) {
    if (holidays.contains(d) || workdays.contains(d)) {
      continue;
    }
    EXPECT_EQ(cal.IsWorkingDay(d), !d.IsWeekend()) << d.ToString();
  }
  const auto years = cal.CoveredYears();
  ASSERT_EQ(years.size(), 3u);
  EXPECT_EQ(years[0].year, 2024);
  EXPECT_EQ(years[0].notice, "国办发明电〔2023〕7号");
  EXPECT_EQ(years[1].year, 2025);
  EXPECT_EQ(years[1].notice, "国办发明电〔2024〕12号");
  EXPECT_EQ(years[2].year, 2026);
  EXPECT_EQ(years[2].notice, "国办发明电〔2025〕7号");
  EXPECT_EQ(years[2].source, YearSource::kShipped);
  EXPECT_EQ(cal.Year(2024)->holiday_count(), 28);
  EXPECT_EQ(cal.Year(2024)->workday_count(), 8);
  EXPECT_EQ(cal.Year(2025)->holiday_count(), 28);
  EXPECT_EQ(cal.Year(2025)->workday_count(), 5);
  EXPECT_EQ(cal.Year(2026)->holiday_count(), 33);
  EXPECT_EQ(cal.Year(2026)->workday_count(), 6);
  EXPECT_NE(cal.Year(2026)->source_text.find("year 2026"), std::string::npos);
}

TEST(ShippedCalendarTest, AnswersTheIssueExamples) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  EXPECT_TRUE(cal.IsWorkingDay(D("2026-02-14")));   // Saturday, make-up day
  EXPECT_FALSE(cal.IsWorkingDay(D("2026-02-16")));  // Monday, Spring Festival
  EXPECT_EQ(cal.AddWorkingDays(D("2026-02-13"), 1), D("2026-02-14"));
  EXPECT_EQ(cal.AddWorkingDays(D("2026-02-13"), 2), D("2026-02-24"));
  EXPECT_EQ(cal.AddWorkingDays(D("2026-02-14"), 1), D("2026-02-24"));
  EXPECT_EQ(cal.AddWorkingDays(D("2026-02-15"), 0), D("2026-02-15"));  // n = 0: unchanged
  EXPECT_EQ(cal.AddWorkingDays(D("2025-09-30"), 1), D("2025-10-09"));
  EXPECT_EQ(cal.AddWorkingDays(D("2025-10-09"), 2), D("2025-10-11"));  // Saturday make-up day
  // February 2026: 20 weekdays, 6 of them off (16..20, 23), plus Saturdays 14 and 28.
  EXPECT_EQ(cal.WorkingDaysBetween(D("2026-02-01"), D("2026-02-28")), 16);
  EXPECT_EQ(cal.WorkingDaysBetween(D("2026-02-14"), D("2026-02-14")), 1);
  EXPECT_EQ(cal.WorkingDaysBetween(D("2026-02-16"), D("2026-02-16")), 0);
  EXPECT_EQ(cal.WorkingDaysBetween(D("2026-02-28"), D("2026-02-01")), 0);  // to < from
  // Whole years: 2026 has 261 weekdays, 19 of its 33 holidays fall on weekdays, 6 make-up days.
  EXPECT_EQ(cal.WorkingDaysBetween(D("2026-01-01"), D("2026-12-31")), 261 - 19 + 6);
}

TEST(ShippedCalendarTest, YearsWithoutDataUseWeekendsOnly) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  EXPECT_FALSE(cal.IsCovered(2030));
  EXPECT_TRUE(cal.IsCovered(2026));
  EXPECT_TRUE(cal.IsWorkingDay(D("2030-01-01")));   // a Tuesday; no notice known
  EXPECT_FALSE(cal.IsWorkingDay(D("2030-01-05")));  // Saturday
  const DayInfo info = cal.Describe(D("2030-01-01"));
  EXPECT_FALSE(info.covered);
  EXPECT_EQ(info.kind, DayKind::kWeekday);
}

// ---- Loading and parsing -------------------------------------------------------------------

TEST(BusinessCalendarTest, LoadingAYearReplacesItsEntries) {
  BusinessCalendar cal = BusinessCalendar::Shipped();
  auto years = ParseHolidayText(
      "# test data, not a real notice\n"
      "year 2026 TEST-REVISED\n"
      "holiday 2026-03-02 测试假日 Test holiday\n");
  ASSERT_TRUE(years.ok()) << years.status();
  ASSERT_EQ(years->size(), 1u);
  const BusinessCalendar before = cal;
  cal.LoadYear((*years)[0]);
  EXPECT_TRUE(cal.IsWorkingDay(D("2026-02-16")));   // the old Spring Festival entry is gone
  EXPECT_FALSE(cal.IsWorkingDay(D("2026-02-14")));  // so is the make-up Saturday
  EXPECT_FALSE(cal.IsWorkingDay(D("2026-03-02")));  // the new entry applies
  EXPECT_FALSE(cal.IsWorkingDay(D("2025-01-28")));  // other years are untouched
  EXPECT_EQ(cal.Year(2026)->notice, "TEST-REVISED");
  // The copy taken before is unaffected (copy, modify, publish).
  EXPECT_FALSE(before.IsWorkingDay(D("2026-02-16")));
}

TEST(HolidayTextTest, ParsesRangesNamesAndComments) {
  auto years = ParseHolidayText(
      "  # comment\r\n"
      "\n"
      "year 2027 TEST 测试文号 1\r\n"
      "holiday\t2027-01-01  2027-01-03\t元旦  New Year's   Day  \n"
      "workday 2027-01-09 元旦调休\n"
      "holiday 2027-02-01 测试\n"
      "year 2028 TEST-2\n"
      "holiday 2028-01-01 元旦\n");
  ASSERT_TRUE(years.ok()) << years.status();
  ASSERT_EQ(years->size(), 2u);
  const HolidayYear& y = (*years)[0];
  EXPECT_EQ(y.year, 2027);
  EXPECT_EQ(y.notice, "TEST 测试文号 1");
  EXPECT_EQ(y.first_line, 3);
  EXPECT_EQ(y.holiday_count(), 4);
  EXPECT_EQ(y.workday_count(), 1);
  EXPECT_EQ(y.days.at(D("2027-01-02")).name_zh, "元旦");
  EXPECT_EQ(y.days.at(D("2027-01-02")).name_en, "New Year's   Day");
  EXPECT_EQ(y.days.at(D("2027-01-09")).name_en, "");
  EXPECT_EQ(y.source_text.find("year 2027"), 0u);
  EXPECT_EQ(y.source_text.find("2028"), std::string::npos);
}

TEST(HolidayTextTest, ReportsTheFirstBadLineByNumber) {
  struct Case {
    std::string text;
    std::string field;
    std::string reason;
  };
  const std::string head = "year 2027 TEST\nholiday 2027-01-01 元旦\n";
  const std::vector<Case> cases = {
      {head + "holiday 2027-02-30 坏日期\n", "line 3", "date.day"},
      {head + "holiday 2027-2-3 坏日期\n", "line 3", "date.format"},
      {head + "holiday 2028-01-01 别的年\n", "line 3", "calendar.date_outside_year"},
      {head + "holiday 2027-02-05 2027-02-01 倒序\n", "line 3", "calendar.range_order"},
      {head + "holiday 2027-02-01 2027-04-01 太长\n", "line 3", "calendar.range_too_long"},
      {head + "workday 2027-01-01 冲突\n", "line 3", "calendar.holiday_and_workday"},
      {head + "holiday 2027-01-01 重复\n", "line 3", "calendar.duplicate_day"},
      {head + "holiday 2027-03-01\n", "line 3", "calendar.name_missing"},
      {head + "workday\n", "line 3", "calendar.date_missing"},
      {head + "vacation 2027-03-01 未知\n", "line 3", "calendar.unknown_statement"},
      {head + "holiday 2027-03-01 \xff\xfe\n", "line 3", "calendar.encoding"},
      {head + "year 2027 AGAIN\nholiday 2027-05-01 劳动节\n", "line 3", "calendar.year_twice"},
      {"holiday 2027-01-01 元旦\n", "line 1", "calendar.no_year"},
      {"year 27 TEST\n", "line 1", "calendar.year_format"},
      {"year 2027\n", "line 1", "calendar.notice_missing"},
      {"# nothing\nyear 2027 TEST\nworkday 2027-01-09 调休\n", "line 2", "calendar.no_holiday"},
      {"", "text", "calendar.empty"},
      {"# only a comment\n", "text", "calendar.empty"},
  };
  for (const auto& c : cases) {
    auto r = ParseHolidayText(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.text;
    EXPECT_EQ(r.status().field(), c.field) << c.text;
    EXPECT_EQ(r.status().reason(), c.reason) << c.text;
    if (c.field != "text") {
      EXPECT_EQ(r.status().message_en().rfind(c.field + ":", 0), 0u) << r.status();
      EXPECT_EQ(r.status().message_zh().rfind("第 ", 0), 0u) << r.status();
    }
  }
}

// ---- Working time ----------------------------------------------------------------------------

TEST(WorkingTimeTest, CountsOfficeHoursAcrossLunchNightsWeekendsAndHolidays) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  // Within one morning.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-05 09:30"), Local("2026-03-05 11:00")),
            90 * kMicrosPerMinute);
  // Across lunch: 11:00-12:00 and 13:30-14:00.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-05 11:00"), Local("2026-03-05 14:00")),
            90 * kMicrosPerMinute);
  // Inside lunch and at night: nothing.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-05 12:10"), Local("2026-03-05 13:20")), 0);
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-05 18:00"), Local("2026-03-06 08:59")), 0);
  // Overnight: Thursday 17:00-17:30, Friday 09:00-10:00.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-05 17:00"), Local("2026-03-06 10:00")),
            90 * kMicrosPerMinute);
  // A weekend: Friday 16:00-17:30, Monday 09:00-10:00.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-06 16:00"), Local("2026-03-09 10:00")),
            150 * kMicrosPerMinute);
  // Spring Festival: Friday 13 16:30-17:30 (1h), make-up Saturday 14 (7h), 15..23 off,
  // Tuesday 24 09:00-10:00 (1h).
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-02-13 16:30"), Local("2026-02-24 10:00")),
            9 * kHour);
  // The make-up Saturday alone is a full office day.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-02-14 00:00"), Local("2026-02-15 00:00")),
            7 * kHour);
  // A holiday Monday counts nothing.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-02-16 00:00"), Local("2026-02-17 00:00")), 0);
  // Reversed or empty intervals.
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-05 11:00"), Local("2026-03-05 10:00")), 0);
  EXPECT_EQ(cal.WorkingTimeBetween(Local("2026-03-05 11:00"), Local("2026-03-05 11:00")), 0);
}

TEST(WorkingTimeTest, AddsWorkingTimeToDeadlines) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  // Ends exactly at noon: the deadline is 12:00, not 13:30.
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-03-05 09:00"), 3 * kHour), Local("2026-03-05 12:00"));
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-03-05 11:00"), 90 * kMicrosPerMinute),
            Local("2026-03-05 14:00"));
  // Started at night: the clock starts at 09:00.
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-03-05 22:00"), kHour), Local("2026-03-06 10:00"));
  // Friday before the Spring Festival: half an hour on Friday, then the make-up Saturday.
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-02-13 17:00"), kHour), Local("2026-02-14 09:30"));
  // From the make-up Saturday evening, over the whole festival.
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-02-14 17:00"), kHour), Local("2026-02-24 09:30"));
  // One working day (7 h) from a morning start ends that evening; two end the next working day.
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-02-13 09:00"), 7 * kHour), Local("2026-02-13 17:30"));
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-02-13 09:00"), 14 * kHour), Local("2026-02-14 17:30"));
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-02-13 09:00"), 21 * kHour), Local("2026-02-24 17:30"));
  // Zero or negative durations return the start itself.
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-02-15 03:00"), 0), Local("2026-02-15 03:00"));
  EXPECT_EQ(cal.AddWorkingTime(Local("2026-02-15 03:00"), -5), Local("2026-02-15 03:00"));
}

TEST(WorkingTimeTest, UsesConfiguredOfficeHours) {
  auto hours = OfficeHours::Parse("08:00-12:00,14:00-18:00");
  ASSERT_TRUE(hours.ok());
  auto cal = BusinessCalendar::FromText(ShippedHolidayText(), *hours);
  ASSERT_TRUE(cal.ok());
  EXPECT_EQ(cal->WorkingTimeBetween(Local("2026-03-05 00:00"), Local("2026-03-06 00:00")),
            8 * kHour);
  EXPECT_EQ(cal->AddWorkingTime(Local("2026-03-05 11:00"), 2 * kHour), Local("2026-03-05 15:00"));
  EXPECT_FALSE(cal->IsWorkingDay(D("2026-02-16")));
}

// ---- Properties ------------------------------------------------------------------------------

TEST(CalendarPropertyTest, AddWorkingDaysLandsOnAWorkingDayNDaysLater) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  std::mt19937 rng(20260214);
  std::uniform_int_distribution<int64_t> day(D("2023-10-01").ToDays(), D("2027-03-31").ToDays());
  std::uniform_int_distribution<int> count(0, 40);
  for (int i = 0; i < 3000; ++i) {
    const Date d = Date::FromDays(day(rng));
    const int n = count(rng);
    const Date r = cal.AddWorkingDays(d, n);
    SCOPED_TRACE(d.ToString() + " + " + std::to_string(n) + " = " + r.ToString());
    if (n > 0) {
      ASSERT_TRUE(cal.IsWorkingDay(r));
      ASSERT_LT(d, r);
    } else {
      ASSERT_EQ(r, d);
    }
    ASSERT_EQ(cal.WorkingDaysBetween(d.AddDays(1), r), n);
  }
}

TEST(CalendarPropertyTest, WorkingDaysBetweenMatchesCountingDayByDay) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> day(D("2023-06-01").ToDays(), D("2027-06-30").ToDays());
  std::uniform_int_distribution<int> span(-3, 500);
  for (int i = 0; i < 500; ++i) {
    const Date from = Date::FromDays(day(rng));
    const Date to = from.AddDays(span(rng));
    int64_t expected = 0;
    for (Date d = from; d <= to; d = d.AddDays(1)) {
      expected += cal.IsWorkingDay(d) ? 1 : 0;
    }
    ASSERT_EQ(cal.WorkingDaysBetween(from, to), expected)
        << from.ToString() << ".." << to.ToString();
  }
}

TEST(CalendarPropertyTest, AddWorkingTimeInvertsWorkingTimeBetween) {
  const BusinessCalendar cal = BusinessCalendar::Shipped();
  std::mt19937 rng(42);
  std::uniform_int_distribution<Micros> instant(LocalMidnight(D("2023-12-01")),
                                                LocalMidnight(D("2027-01-31")));
  std::uniform_int_distribution<Micros> minutes(0, Micros{15} * 7 * 60);
  for (int i = 0; i < 2000; ++i) {
    const Micros start = instant(rng);
    const Micros duration = minutes(rng) * kMicrosPerMinute + (i % 3 == 0 ? 1 : 0);
    const Micros end = cal.AddWorkingTime(start, duration);
    ASSERT_GE(end, start);
    ASSERT_EQ(cal.WorkingTimeBetween(start, end), duration) << start << " + " << duration;
    // Earliest: one microsecond less is not enough.
    if (duration > 0) {
      ASSERT_LT(cal.WorkingTimeBetween(start, end - 1), duration);
    }
    // Additivity over a midpoint.
    const Micros mid = start + (end - start) / 3;
    ASSERT_EQ(cal.WorkingTimeBetween(start, mid) + cal.WorkingTimeBetween(mid, end), duration);
  }
}

}  // namespace
}  // namespace kechan::base
