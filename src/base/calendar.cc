#include "base/calendar.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "base/utf8.h"

namespace kechan::base {
namespace {

constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;
constexpr int kMaxRangeDays = 31;  // a longer holiday range is taken for a typo

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

std::string Pad(int64_t v, int width) {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < width) {
    s.insert(s.begin(), '0');
  }
  return v < 0 ? "-" + s : s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `n` ASCII digits.
bool ParseDigits(std::string_view s, int& out) {
  if (s.empty()) {
    return false;
  }
  int v = 0;
  for (char c : s) {
    if (!IsDigit(c)) {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Returns whether `s` has the shape of a date (DDDD-DD-DD), whatever the values.
bool LooksLikeDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
    return false;
  }
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!IsDigit(s[i])) {
      return false;
    }
  }
  return true;
}

// Quotes short inputs for error messages; long ones are left out.
std::string Quoted(std::string_view text) {
  if (text.size() > 32) {
    return {};
  }
  return " \"" + std::string(text) + "\"";
}

// Weekdays (Mon..Fri) among the days [1969-12-29 (a Monday), x) (negative for x before it).
int64_t WeekdaysBefore(int64_t x) {
  const int64_t k = x + 3;  // 1970-01-01 (day 0) was a Thursday, so day -3 was a Monday
  const int64_t full = FloorDiv(k, 7);
  const int64_t rem = k - 7 * full;
  return 5 * full + std::min<int64_t>(rem, 5);
}

// Returns whether `line` is valid UTF-8 without control characters other than tab.
bool IsCleanText(std::string_view line) {
  for (size_t i = 0; i < line.size();) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      return false;
    }
    const size_t n = Utf8SequenceLength(line, i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

struct Token {
  std::string_view text;
  size_t offset = 0;  // within the line
};

std::vector<Token> Tokenize(std::string_view line) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    if (i >= line.size()) {
      break;
    }
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    out.push_back({line.substr(start, i - start), start});
  }
  return out;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Returns the rest of `line` from token `i` on, or "" when there is no such token.
std::string_view RestFrom(std::string_view line, const std::vector<Token>& tokens, size_t i) {
  if (i >= tokens.size()) {
    return {};
  }
  return TrimRight(line.substr(tokens[i].offset));
}

Status LineError(int line, std::string_view reason, const std::string& en, const std::string& zh) {
  return InvalidArgument("line " + std::to_string(line), std::string(reason),
                         "line " + std::to_string(line) + ": " + en,
                         "第 " + std::to_string(line) + " 行：" + zh);
}

}  // namespace

// ---- Date ----------------------------------------------------------------------------------

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  assert(month >= 1 && month <= 12);
  if (month == 2 && IsLeap(year)) {
    return 29;
  }
  return kDays[month - 1];
}

Result<Date> Date::FromYmd(int year, int month, int day, std::string_view field) {
  const std::string f(field);
  if (year < kMinYear || year > kMaxYear) {
    return InvalidArgument(f, "date.year",
                           "year " + std::to_string(year) + " is out of range (0001..9999)",
                           "年份 " + std::to_string(year) + " 超出范围（0001..9999）");
  }
  if (month < 1 || month > 12) {
    return InvalidArgument(f, "date.month",
                           "month " + std::to_string(month) + " is out of range (01..12)",
                           "月份 " + std::to_string(month) + " 超出范围（01..12）");
  }
  const int dim = DaysInMonth(year, month);
  if (day < 1 || day > dim) {
    const std::string ym = Pad(year, 4) + "-" + Pad(month, 2);
    return InvalidArgument(
        f, "date.day",
        "day " + std::to_string(day) + " is out of range for " + ym + " (01.." +
            std::to_string(dim) + ")",
        ym + " 没有 " + std::to_string(day) + " 日（01.." + std::to_string(dim) + "）");
  }
  return Date(year, month, day);
}

Result<Date> Date::Parse(std::string_view text, std::string_view field) {
  if (!LooksLikeDate(text)) {
    return InvalidArgument(std::string(field), "date.format",
                           "date" + Quoted(text) + " must be written YYYY-MM-DD, e.g. 2026-02-14",
                           "日期" + Quoted(text) + " 须为 YYYY-MM-DD 格式，例如 2026-02-14");
  }
  int y = 0;
  int m = 0;
  int d = 0;
  ParseDigits(text.substr(0, 4), y);
  ParseDigits(text.substr(5, 2), m);
  ParseDigits(text.substr(8, 2), d);
  return FromYmd(y, m, d, field);
}

Date Date::FromDays(int64_t z) {
  // civil_from_days, after Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;                                       // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;                             // [1, 31]
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return Date(static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
}

int64_t Date::ToDays() const {
  // days_from_civil, after Howard Hinnant.
  const int64_t y = year_ - (month_ <= 2 ? 1 : 0);
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;                                                // [0, 399]
  const int64_t doy = (153 * (month_ + (month_ > 2 ? -3 : 9)) + 2) / 5 + day_ - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                        // [0, 146096]
  return era * 146097 + doe - 719468;
}

Weekday Date::weekday() const {
  const int64_t days = ToDays();
  // Day 0 (1970-01-01) was a Thursday (ISO 4).
  const int64_t iso = (days % 7 + 7 + 3) % 7 + 1;
  return static_cast<Weekday>(iso);
}

std::string Date::ToString() const {
  return Pad(year_, 4) + "-" + Pad(month_, 2) + "-" + Pad(day_, 2);
}

// ---- Wall clock (the only UTC <-> Asia/Shanghai conversion) --------------------------------

Date LocalDateOf(Micros utc) {
  return Date::FromDays(FloorDiv(utc + kCityUtcOffset, kMicrosPerDay));
}

Micros LocalTimeOfDay(Micros utc) {
  const Micros local = utc + kCityUtcOffset;
  return local - FloorDiv(local, kMicrosPerDay) * kMicrosPerDay;
}

Micros LocalMidnight(Date date) { return date.ToDays() * kMicrosPerDay - kCityUtcOffset; }

// ---- Office hours --------------------------------------------------------------------------

Status OfficeHours::Validate(std::string_view field) const {
  const std::string f(field);
  if (intervals.empty()) {
    return InvalidArgument(f, "office_hours.empty", "office hours need at least one interval",
                           "办公时间至少需要一个时段");
  }
  int prev_end = 0;
  for (const auto& iv : intervals) {
    if (iv.start_minute < 0 || iv.end_minute > 24 * 60 || iv.start_minute >= iv.end_minute) {
      return InvalidArgument(f, "office_hours.interval",
                             "each office interval must lie within 00:00..24:00 and start before "
                             "it ends",
                             "每个办公时段须在 00:00..24:00 之内，且开始早于结束");
    }
    if (iv.start_minute < prev_end) {
      return InvalidArgument(f, "office_hours.order",
                             "office intervals must be in ascending order and must not overlap",
                             "办公时段须按时间先后排列且不得重叠");
    }
    prev_end = iv.end_minute;
  }
  return Status::Ok();
}

Result<OfficeHours> OfficeHours::Parse(std::string_view text, std::string_view field) {
  auto bad = [&]() {
    return InvalidArgument(std::string(field), "office_hours.format",
                           "office hours must be written like 09:00-12:00,13:30-17:30",
                           "办公时间格式须如 09:00-12:00,13:30-17:30");
  };
  auto parse_hhmm = [](std::string_view s, int& minute) {
    int h = 0;
    int m = 0;
    if (s.size() != 5 || s[2] != ':' || !ParseDigits(s.substr(0, 2), h) ||
        !ParseDigits(s.substr(3, 2), m) || m > 59 || h > 24 || (h == 24 && m != 0)) {
      return false;
    }
    minute = h * 60 + m;
    return true;
  };
  OfficeHours out;
  out.intervals.clear();
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) {
      comma = text.size();
    }
    std::string_view part = text.substr(pos, comma - pos);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    part = TrimRight(part);
    const size_t dash = part.find('-');
    OfficeInterval iv;
    if (dash == std::string_view::npos || !parse_hhmm(part.substr(0, dash), iv.start_minute) ||
        !parse_hhmm(part.substr(dash + 1), iv.end_minute)) {
      return bad();
    }
    out.intervals.push_back(iv);
    pos = comma + 1;
  }
  KECHAN_RETURN_IF_ERROR(out.Validate(field));
  return out;
}

Micros OfficeHours::DailyTotal() const {
  Micros total = 0;
  for (const auto& iv : intervals) {
    total += (iv.end_minute - iv.start_minute) * kMicrosPerMinute;
  }
  return total;
}

std::string OfficeHours::ToString() const {
  std::string out;
  for (const auto& iv : intervals) {
    if (!out.empty()) {
      out += ",";
    }
    out += Pad(iv.start_minute / 60, 2) + ":" + Pad(iv.start_minute % 60, 2) + "-" +
           Pad(iv.end_minute / 60, 2) + ":" + Pad(iv.end_minute % 60, 2);
  }
  return out;
}

// ---- Holiday data --------------------------------------------------------------------------

const char* DayKindName(DayKind kind) {
  switch (kind) {
    case DayKind::kWeekday:
      return "weekday";
    case DayKind::kWeekend:
      return "weekend";
    case DayKind::kHoliday:
      return "holiday";
    case DayKind::kMakeUpWorkday:
      return "makeup_workday";
  }
  return "weekday";
}

const char* YearSourceName(YearSource source) {
  switch (source) {
    case YearSource::kShipped:
      return "shipped";
    case YearSource::kImported:
      return "imported";
  }
  return "shipped";
}

int HolidayYear::holiday_count() const {
  return static_cast<int>(std::count_if(days.begin(), days.end(), [](const auto& kv) {
    return kv.second.kind == DayKind::kHoliday;
  }));
}

int HolidayYear::workday_count() const { return static_cast<int>(days.size()) - holiday_count(); }

Result<std::vector<HolidayYear>> ParseHolidayText(std::string_view text) {
  std::vector<HolidayYear> years;
  HolidayYear* current = nullptr;
  size_t section_start = 0;  // byte offset of the current section's "year" line
  size_t section_end = 0;    // byte offset just past its last non-blank line

  auto close_section = [&]() -> Status {
    if (current == nullptr) {
      return Status::Ok();
    }
    current->source_text = std::string(text.substr(section_start, section_end - section_start));
    if (current->holiday_count() == 0) {
      return LineError(current->first_line, "calendar.no_holiday",
                       "year " + std::to_string(current->year) + " has no holiday line",
                       std::to_string(current->year) + " 年没有任何放假（holiday）行");
    }
    return Status::Ok();
  };

  auto parse_date = [&](int line_no, std::string_view token, Date& out) -> Status {
    auto d = Date::Parse(token, "date");
    if (!d.ok()) {
      return LineError(line_no, d.status().reason(), d.status().message_en(),
                       d.status().message_zh());
    }
    if (d->year() != current->year) {
      return LineError(
          line_no, "calendar.date_outside_year",
          "date " + d->ToString() + " is not in year " + std::to_string(current->year) +
              " of this section",
          "日期 " + d->ToString() + " 不在本段的 " + std::to_string(current->year) + " 年内");
    }
    out = *d;
    return Status::Ok();
  };

  auto add_day = [&](int line_no, Date d, NoticeDay day) -> Status {
    auto [it, inserted] = current->days.emplace(d, day);
    if (!inserted) {
      if (it->second.kind != day.kind) {
        return LineError(line_no, "calendar.holiday_and_workday",
                         d.ToString() + " is listed both as a holiday and as a working day",
                         d.ToString() + " 同时被列为放假日和上班日");
      }
      return LineError(line_no, "calendar.duplicate_day", d.ToString() + " is listed twice",
                       d.ToString() + " 被重复列出");
    }
    return Status::Ok();
  };

  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const size_t line_start = pos;
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!IsCleanText(line)) {
      return LineError(line_no, "calendar.encoding",
                       "the line is not valid UTF-8 or holds control characters",
                       "该行不是有效的 UTF-8 文本或含有控制字符");
    }
    const std::vector<Token> tokens = Tokenize(line);
    if (tokens.empty() || tokens[0].text.front() == '#') {
      continue;
    }
    const std::string_view word = tokens[0].text;

    if (word == "year") {
      KECHAN_RETURN_IF_ERROR(close_section());
      int year = 0;
      if (tokens.size() < 2 || tokens[1].text.size() != 4 || !ParseDigits(tokens[1].text, year) ||
          year < 1000) {
        return LineError(line_no, "calendar.year_format",
                         "expected \"year YYYY NOTICE\", e.g. year 2026 国办发明电〔2025〕7号",
                         "应为“year YYYY 文号”，例如 year 2026 国办发明电〔2025〕7号");
      }
      const std::string_view notice = RestFrom(line, tokens, 2);
      if (notice.empty()) {
        return LineError(line_no, "calendar.notice_missing",
                         "the year line must name the notice (its document number)",
                         "year 行须写明通知文号");
      }
      for (const auto& y : years) {
        if (y.year == year) {
          return LineError(line_no, "calendar.year_twice",
                           "year " + std::to_string(year) + " is given twice",
                           std::to_string(year) + " 年重复出现");
        }
      }
      HolidayYear y;
      y.year = year;
      y.notice = std::string(notice);
      y.first_line = line_no;
      years.push_back(std::move(y));
      current = &years.back();
      section_start = line_start;
      section_end = line_start + line.size();
      continue;
    }

    if (word != "holiday" && word != "workday") {
      return LineError(
          line_no, "calendar.unknown_statement",
          "unknown statement \"" + std::string(word.substr(0, 40)) +
              "\"; expected year, holiday or workday",
          "无法识别的语句“" + std::string(word.substr(0, 40)) + "”，应为 year、holiday 或 workday");
    }
    if (current == nullptr) {
      return LineError(line_no, "calendar.no_year", "a \"year\" line must come first",
                       "须先有 year 行");
    }
    section_end = line_start + line.size();
    if (tokens.size() < 2) {
      return LineError(line_no, "calendar.date_missing", "a date is missing", "缺少日期");
    }
    Date from;
    KECHAN_RETURN_IF_ERROR(parse_date(line_no, tokens[1].text, from));
    Date to = from;
    size_t name_index = 2;
    if (word == "holiday" && tokens.size() > 2 && LooksLikeDate(tokens[2].text)) {
      KECHAN_RETURN_IF_ERROR(parse_date(line_no, tokens[2].text, to));
      name_index = 3;
      if (to < from) {
        return LineError(
            line_no, "calendar.range_order",
            "the range ends (" + to.ToString() + ") before it starts (" + from.ToString() + ")",
            "结束日期 " + to.ToString() + " 早于开始日期 " + from.ToString());
      }
      if (to.ToDays() - from.ToDays() + 1 > kMaxRangeDays) {
        return LineError(line_no, "calendar.range_too_long",
                         "a holiday range may span at most 31 days", "一段放假日期最多 31 天");
      }
    }
    if (tokens.size() <= name_index) {
      return LineError(line_no, "calendar.name_missing",
                       "a name is missing (Chinese name first, then an optional English name)",
                       "缺少名称（先写中文名称，可再写英文名称）");
    }
    NoticeDay day;
    day.kind = word == "holiday" ? DayKind::kHoliday : DayKind::kMakeUpWorkday;
    day.name_zh = std::string(tokens[name_index].text);
    day.name_en = std::string(RestFrom(line, tokens, name_index + 1));
    for (Date d = from; d <= to; d = d.AddDays(1)) {
      KECHAN_RETURN_IF_ERROR(add_day(line_no, d, day));
    }
  }
  KECHAN_RETURN_IF_ERROR(close_section());
  if (years.empty()) {
    return InvalidArgument("text", "calendar.empty",
                           "the text holds no year (expected a line \"year YYYY NOTICE\")",
                           "文本中没有任何年份（应有“year YYYY 文号”行）");
  }
  return years;
}

// ---- BusinessCalendar ----------------------------------------------------------------------

BusinessCalendar::BusinessCalendar(OfficeHours hours) : office_hours_(std::move(hours)) {
  const Status s = office_hours_.Validate();
  assert(s.ok() && "BusinessCalendar built with invalid office hours");
  if (!s.ok()) {
    office_hours_ = OfficeHours{};  // release builds: never loop over an empty day
  }
}

BusinessCalendar BusinessCalendar::Shipped(OfficeHours hours) {
  static const std::vector<HolidayYear>* const kParsed = [] {
    auto r = ParseHolidayText(ShippedHolidayText());
    if (!r.ok()) {
      std::fprintf(stderr, "kechan: the embedded holiday data does not parse: %s\n",
                   r.status().ToString().c_str());
      std::abort();
    }
    return new std::vector<HolidayYear>(std::move(r).value());
  }();
  BusinessCalendar cal(std::move(hours));
  for (const auto& y : *kParsed) {
    cal.LoadYear(y);
  }
  return cal;
}

Result<BusinessCalendar> BusinessCalendar::FromText(std::string_view text, OfficeHours hours) {
  KECHAN_ASSIGN_OR_RETURN(auto years, ParseHolidayText(text));
  BusinessCalendar cal(std::move(hours));
  for (auto& y : years) {
    cal.LoadYear(std::move(y));
  }
  return cal;
}

void BusinessCalendar::LoadYear(HolidayYear year) {
  const int y = year.year;
  years_[y] = std::move(year);
}

const HolidayYear* BusinessCalendar::Year(int year) const {
  auto it = years_.find(year);
  return it == years_.end() ? nullptr : &it->second;
}

std::vector<CoveredYear> BusinessCalendar::CoveredYears() const {
  std::vector<CoveredYear> out;
  out.reserve(years_.size());
  for (const auto& [y, data] : years_) {
    out.push_back({y, data.notice, data.source});
  }
  return out;
}

DayInfo BusinessCalendar::Describe(Date date) const {
  DayInfo info;
  info.date = date;
  auto y = years_.find(date.year());
  if (y != years_.end()) {
    info.covered = true;
    auto d = y->second.days.find(date);
    if (d != y->second.days.end()) {
      info.kind = d->second.kind;
      info.working = d->second.kind == DayKind::kMakeUpWorkday;
      info.name_zh = d->second.name_zh;
      info.name_en = d->second.name_en;
      return info;
    }
  }
  info.kind = date.IsWeekend() ? DayKind::kWeekend : DayKind::kWeekday;
  info.working = !date.IsWeekend();
  return info;
}

bool BusinessCalendar::IsWorkingDay(Date date) const {
  auto y = years_.find(date.year());
  if (y != years_.end()) {
    auto d = y->second.days.find(date);
    if (d != y->second.days.end()) {
      return d->second.kind == DayKind::kMakeUpWorkday;
    }
  }
  return !date.IsWeekend();
}

Date BusinessCalendar::AddWorkingDays(Date date, int n) const {
  assert(n >= 0);
  Date d = date;
  while (n > 0) {
    d = d.AddDays(1);
    if (IsWorkingDay(d)) {
      --n;
    }
  }
  return d;
}

int64_t BusinessCalendar::WorkingDaysBetween(Date from, Date to) const {
  if (to < from) {
    return 0;
  }
  int64_t count = WeekdaysBefore(to.ToDays() + 1) - WeekdaysBefore(from.ToDays());
  // Correct for the notice days in range that differ from the weekends-only rule.
  for (auto y = years_.lower_bound(from.year()); y != years_.end() && y->first <= to.year(); ++y) {
    const auto& days = y->second.days;
    for (auto d = days.lower_bound(from); d != days.end() && d->first <= to; ++d) {
      const bool weekend = d->first.IsWeekend();
      if (d->second.kind == DayKind::kHoliday && !weekend) {
        --count;
      } else if (d->second.kind == DayKind::kMakeUpWorkday && weekend) {
        ++count;
      }
    }
  }
  return count;
}

Micros BusinessCalendar::WorkingTimeBetween(Micros from, Micros to) const {
  if (to <= from) {
    return 0;
  }
  // Office time of local day `d` that lies within [from, to).
  auto overlap = [&](Date d) -> Micros {
    if (!IsWorkingDay(d)) {
      return 0;
    }
    const Micros midnight = LocalMidnight(d);
    Micros sum = 0;
    for (const auto& iv : office_hours_.intervals) {
      const Micros lo = std::max(from, midnight + iv.start_minute * kMicrosPerMinute);
      const Micros hi = std::min(to, midnight + iv.end_minute * kMicrosPerMinute);
      if (hi > lo) {
        sum += hi - lo;
      }
    }
    return sum;
  };
  const Date first = LocalDateOf(from);
  const Date last = LocalDateOf(to);
  if (first == last) {
    return overlap(first);
  }
  Micros total = overlap(first) + overlap(last);
  if (last.ToDays() - first.ToDays() > 1) {
    total += WorkingDaysBetween(first.AddDays(1), last.AddDays(-1)) * office_hours_.DailyTotal();
  }
  return total;
}

Micros BusinessCalendar::AddWorkingTime(Micros start, Micros duration) const {
  if (duration <= 0) {
    return start;
  }
  Micros remaining = duration;
  const Micros daily = office_hours_.DailyTotal();
  for (Date d = LocalDateOf(start);; d = d.AddDays(1)) {
    if (!IsWorkingDay(d)) {
      continue;
    }
    const Micros midnight = LocalMidnight(d);
    // Whole working days after the first can be skipped without walking their intervals.
    if (midnight > start && remaining > daily) {
      remaining -= daily;
      continue;
    }
    for (const auto& iv : office_hours_.intervals) {
      const Micros lo = std::max(start, midnight + iv.start_minute * kMicrosPerMinute);
      const Micros hi = midnight + iv.end_minute * kMicrosPerMinute;
      if (hi <= lo) {
        continue;
      }
      if (remaining <= hi - lo) {
        return lo + remaining;
      }
      remaining -= hi - lo;
    }
  }
}

}  // namespace kechan::base
