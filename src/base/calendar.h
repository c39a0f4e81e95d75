// Business calendar of the city: civil dates, the Asia/Shanghai wall clock, Chinese public holidays
// and make-up working days (调休) from the State Council's yearly notices, working days and working
// time within office hours (for SLA deadlines). Data format and operations: docs/calendar.md.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace kechan::base {

// ISO weekday numbers: Monday = 1 ... Sunday = 7.
enum class Weekday { kMonday = 1, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

// A proleptic Gregorian civil date (no time, no zone), years 1..9999. Value type;
// thread-compatible.
class Date {
 public:
  // 1970-01-01.
  constexpr Date() = default;

  // Builds a date from its parts. Errors: InvalidArgument naming `field` (reason "date.year",
  // "date.month" or "date.day") when a part is out of range, e.g. 2026-02-30.
  static Result<Date> FromYmd(int year, int month, int day, std::string_view field = "date");
  // Parses exactly "YYYY-MM-DD" (four, two and two ASCII digits). Errors: InvalidArgument naming
  // `field` with reason "date.format" ("", "2026-2-3", "2026/02/03", trailing text) or the part
  // that is out of range as in FromYmd.
  static Result<Date> Parse(std::string_view text, std::string_view field = "date");
  // Returns the date `days` days after 1970-01-01 (negative: before). Hinnant's civil_from_days.
  static Date FromDays(int64_t days);

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }
  // Returns the number of days since 1970-01-01 (Hinnant's days_from_civil).
  int64_t ToDays() const;
  Weekday weekday() const;
  bool IsWeekend() const { return weekday() >= Weekday::kSaturday; }
  // Returns the date `n` days later (earlier when n < 0).
  Date AddDays(int64_t n) const { return FromDays(ToDays() + n); }
  // Formats as "YYYY-MM-DD".
  std::string ToString() const;

  auto operator<=>(const Date&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads =default

 private:
  constexpr Date(int y, int m, int d) : year_(y), month_(m), day_(d) {}
  int year_ = 1970;
  int month_ = 1;
  int day_ = 1;
};

// Returns the number of days in `month` of `year` (28..31); month must be 1..12.
int DaysInMonth(int year, int month);

// ---- The city's wall clock -------------------------------------------------------------------
// The city keeps Asia/Shanghai time, which is UTC+8 all year: China has observed no daylight saving
// time since 1991, so a fixed offset is exact for every instant this system deals with. These four
// functions are the only place in the code base where UTC instants and local wall-clock time meet.
inline constexpr Micros kMicrosPerMinute = 60'000'000;
inline constexpr Micros kMicrosPerDay = kMicrosPerMinute * 60 * 24;
inline constexpr Micros kCityUtcOffset = kMicrosPerMinute * 60 * 8;  // Asia/Shanghai, no DST
inline constexpr const char* kCityTimeZone = "Asia/Shanghai";

// Returns the local (Asia/Shanghai) date of a UTC instant.
Date LocalDateOf(Micros utc);
// Returns the microseconds elapsed since local midnight at a UTC instant (0 .. kMicrosPerDay-1).
Micros LocalTimeOfDay(Micros utc);
// Returns the UTC instant of local midnight starting `date`.
Micros LocalMidnight(Date date);
// Returns the UTC instant of local `date` at `minute_of_day` (0..1440) minutes after midnight.
inline Micros LocalInstant(Date date, int minute_of_day) {
  return LocalMidnight(date) + minute_of_day * kMicrosPerMinute;
}

// ---- Office hours ----------------------------------------------------------------------------
// One span of office time on a working day, in local minutes after midnight: [start, end).
struct OfficeInterval {
  int start_minute = 0;
  int end_minute = 0;
  auto operator<=>(const OfficeInterval&) const = default;
};

// The office hours of every working day. Value type; thread-compatible.
struct OfficeHours {
  // Default: 09:00–12:00 and 13:30–17:30 local time (7 hours a day).
  std::vector<OfficeInterval> intervals = {{9 * 60, 12 * 60}, {13 * 60 + 30, 17 * 60 + 30}};

  // Parses "09:00-12:00,13:30-17:30" (HH:MM-HH:MM, comma separated, 24:00 allowed as an end).
  // Errors: InvalidArgument naming `field` for bad syntax or intervals failing Validate().
  static Result<OfficeHours> Parse(std::string_view text, std::string_view field = "office_hours");
  // Checks there is at least one interval, each within 00:00..24:00 with start < end, in ascending
  // order without overlap. Errors: InvalidArgument naming `field`.
  Status Validate(std::string_view field = "office_hours") const;
  // Returns the office time of one working day.
  Micros DailyTotal() const;
  // Formats as Parse accepts.
  std::string ToString() const;
};

// ---- Holiday data ----------------------------------------------------------------------------
enum class DayKind {
  kWeekday,        // Monday..Friday without a notice entry: working
  kWeekend,        // Saturday/Sunday without a notice entry: off
  kHoliday,        // a day off listed by a notice (放假)
  kMakeUpWorkday,  // a working day listed by a notice (调休上班), usually a weekend day
};
// Returns "weekday", "weekend", "holiday" or "makeup_workday".
const char* DayKindName(DayKind kind);

// Where a covered year's data came from.
enum class YearSource { kShipped, kImported };
// Returns "shipped" or "imported".
const char* YearSourceName(YearSource source);

// One listed day of a notice.
struct NoticeDay {
  DayKind kind = DayKind::kHoliday;  // kHoliday or kMakeUpWorkday
  std::string name_zh;               // "春节", "春节调休"
  std::string name_en;               // may be empty
};

// One year of one notice, as parsed from the data format. Value type.
struct HolidayYear {
  int year = 0;
  std::string notice;              // "国办发明电〔2025〕7号"
  std::map<Date, NoticeDay> days;  // every listed day of the year
  std::string source_text;         // the lines of this year's section, as given
  int first_line = 0;              // line number of the "year" line in the parsed text
  YearSource source = YearSource::kShipped;

  int holiday_count() const;
  int workday_count() const;
};

// Parses text in the data format (docs/calendar.md; data/calendar/cn-holidays.txt is an example).
// Errors: InvalidArgument with field "line N" naming the first bad line (unknown statement, bad
// date, date outside its year's section, range ending before it starts, a day listed twice or as
// both holiday and workday, a year given twice, a statement before any "year" line, a year without
// a holiday line, a missing name or notice), or field "text" when the text holds no year at all.
Result<std::vector<HolidayYear>> ParseHolidayText(std::string_view text);

// Returns the text of data/calendar/cn-holidays.txt as embedded at build time.
std::string_view ShippedHolidayText();

// What the calendar says about one date.
struct DayInfo {
  Date date;
  DayKind kind = DayKind::kWeekday;
  bool working = true;
  bool covered = false;  // the date's year has notice data
  std::string name_zh;   // for kHoliday / kMakeUpWorkday
  std::string name_en;
};

// A covered year and where its data came from.
struct CoveredYear {
  int year = 0;
  std::string notice;
  YearSource source = YearSource::kShipped;
};

// The business calendar: which dates are working days, and how much office time lies between
// instants. A year with notice data follows it; any other year uses the weekends-only rule (callers
// check CoveredYears()/IsCovered() to warn about it).
//
// Thread-compatible and immutable in use: all const methods may run concurrently from any number of
// threads. LoadYear() mutates and must not overlap any other call; to change a calendar that is
// shared, copy it, call LoadYear() on the copy and publish the copy (e.g. as a new
// shared_ptr<const BusinessCalendar>, as calendar::CalendarService does).
class BusinessCalendar {
 public:
  // A calendar without notice data (weekends-only everywhere) and default office hours.
  BusinessCalendar() = default;
  // Same with the given office hours, which must pass OfficeHours::Validate() (asserted).
  explicit BusinessCalendar(OfficeHours hours);

  // Returns a calendar loaded with the shipped data (ShippedHolidayText(), parsed once per
  // process). calendar_test checks that text, so a parse failure is a build defect: it aborts
  // rather than run with a calendar that would silently misplace deadlines.
  static BusinessCalendar Shipped(OfficeHours hours = {});
  // Returns a calendar loaded with every year of `text` (ParseHolidayText errors).
  static Result<BusinessCalendar> FromText(std::string_view text, OfficeHours hours = {});

  // Loads one year, replacing every entry of that year (a newer notice supersedes an older one).
  // Not thread-safe; see the class comment.
  void LoadYear(HolidayYear year);

  // Returns whether `date` is a working day: a Monday..Friday that no notice lists as a holiday,
  // or a day a notice lists as a make-up working day.
  bool IsWorkingDay(Date date) const;
  // Returns the full description of `date`.
  DayInfo Describe(Date date) const;
  // Returns the date of the n-th working day after `date`, `date` itself not counted; n = 0
  // returns `date` unchanged (even when it is not a working day). Requires n >= 0 (asserted).
  // Takes O(n + days off skipped) steps.
  Date AddWorkingDays(Date date, int n) const;
  // Returns the number of working days d with from <= d <= to; 0 when to < from.
  int64_t WorkingDaysBetween(Date from, Date to) const;

  // Returns the office time (microseconds) within [from, to) that falls on working days inside
  // the office hours; 0 when to <= from.
  Micros WorkingTimeBetween(Micros from, Micros to) const;
  // Returns the earliest instant t >= `start` with WorkingTimeBetween(start, t) == `duration`, so
  // a deadline that ends exactly at an interval's end (12:00) is that end, not the next start.
  // duration <= 0 returns `start` unchanged.
  Micros AddWorkingTime(Micros start, Micros duration) const;

  const OfficeHours& office_hours() const { return office_hours_; }
  // Returns the years with notice data, ascending.
  std::vector<CoveredYear> CoveredYears() const;
  bool IsCovered(int year) const { return years_.contains(year); }
  // Returns the loaded year (its notice days and source text), or nullptr.
  const HolidayYear* Year(int year) const;

 private:
  OfficeHours office_hours_;
  std::map<int, HolidayYear> years_;  // by year; a date is looked up in its own year's days
};

}  // namespace kechan::base
