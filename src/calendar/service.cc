#include "calendar/service.h"

#include <cstdio>
#include <utility>

#include "base/log.h"
#include "calendar/repo.h"
#include "store/event_log.h"

namespace kechan::calendar {
namespace {

constexpr int kFirstImportYear = 2000;

// Parses a stored row back into its year.
base::Result<base::HolidayYear> ParseStored(const YearRow& row) {
  auto years = base::ParseHolidayText(row.source_text);
  if (!years.ok() || years->size() != 1 || (*years)[0].year != row.year) {
    const std::string why =
        years.ok() ? "it does not hold exactly that year" : years.status().message_en();
    return base::Internal(
        "calendar.stored_year_invalid",
        "the stored holiday data of year " + std::to_string(row.year) + " no longer parses: " + why,
        "数据库中 " + std::to_string(row.year) + " 年的节假日数据无法解析");
  }
  base::HolidayYear y = std::move((*years)[0]);
  y.source = base::YearSource::kImported;
  y.source_text = row.source_text;
  return y;
}

}  // namespace

const char* ReplacedName(ImportResult::Replaced r) {
  switch (r) {
    case ImportResult::Replaced::kNone:
      return "none";
    case ImportResult::Replaced::kShipped:
      return "shipped";
    case ImportResult::Replaced::kImported:
      return "imported";
  }
  return "none";
}

CalendarService::CalendarService(store::Database& db, const base::Clock& clock,
                                 CalendarOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

base::Result<std::unique_ptr<CalendarService>> CalendarService::Open(store::Database& db,
                                                                     const base::Clock& clock,
                                                                     CalendarOptions options) {
  KECHAN_RETURN_IF_ERROR(options.office_hours.Validate("office_hours"));
  std::unique_ptr<CalendarService> service(new CalendarService(db, clock, std::move(options)));
  KECHAN_RETURN_IF_ERROR(service->Reload());
  return service;
}

base::Result<CalendarService::Snapshot> CalendarService::Load() const {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(std::vector<YearRow> rows, repo::ListYears(*tx));
  auto calendar = std::make_shared<base::BusinessCalendar>(
      base::BusinessCalendar::Shipped(options_.office_hours));
  Snapshot snap;
  for (const auto& row : rows) {
    KECHAN_ASSIGN_OR_RETURN(base::HolidayYear y, ParseStored(row));
    calendar->LoadYear(std::move(y));
    snap.imported[row.year] = ImportMeta{row.loaded_at, row.loaded_by};
  }
  snap.calendar = std::move(calendar);
  return snap;
}

base::Status CalendarService::Reload() {
  std::lock_guard import_lock(import_mu_);
  KECHAN_ASSIGN_OR_RETURN(Snapshot snap, Load());
  std::lock_guard lock(mu_);
  snapshot_ = std::move(snap);
  return base::Status::Ok();
}

CalendarService::Snapshot CalendarService::Get() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

std::shared_ptr<const base::BusinessCalendar> CalendarService::Current() const {
  std::lock_guard lock(mu_);
  return snapshot_.calendar;
}

std::vector<YearSummary> CalendarService::Years() const {
  const Snapshot snap = Get();
  std::vector<YearSummary> out;
  for (const auto& covered : snap.calendar->CoveredYears()) {
    const base::HolidayYear* y = snap.calendar->Year(covered.year);
    YearSummary s;
    s.year = covered.year;
    s.notice = covered.notice;
    s.source = covered.source;
    s.holidays = y->holiday_count();
    s.workdays = y->workday_count();
    if (auto it = snap.imported.find(covered.year); it != snap.imported.end()) {
      s.loaded_at = it->second.loaded_at;
      s.loaded_by = it->second.loaded_by;
    }
    out.push_back(std::move(s));
  }
  return out;
}

base::Result<ImportResult> CalendarService::ImportYear(std::string_view actor,
                                                       std::string_view text) {
  if (text.size() > options_.max_import_bytes) {
    return base::InvalidArgument(
        "text", "calendar.text_too_large",
        "the text is larger than " + std::to_string(options_.max_import_bytes) + " bytes",
        "文本超过 " + std::to_string(options_.max_import_bytes) + " 字节");
  }
  KECHAN_ASSIGN_OR_RETURN(std::vector<base::HolidayYear> years, base::ParseHolidayText(text));
  if (years.size() != 1) {
    return base::InvalidArgument(
        "text", "calendar.one_year_per_import",
        "import one year at a time; the text holds " + std::to_string(years.size()) +
            " years (second one on line " + std::to_string(years[1].first_line) + ")",
        "每次只能导入一年；文本中有 " + std::to_string(years.size()) + " 个年份（第二个在第 " +
            std::to_string(years[1].first_line) + " 行）");
  }
  base::HolidayYear year = std::move(years[0]);
  const int this_year = base::LocalDateOf(clock_.NowMicros()).year();
  if (year.year < kFirstImportYear || year.year > this_year + 1) {
    const std::string line = "line " + std::to_string(year.first_line);
    const std::string range =
        std::to_string(kFirstImportYear) + ".." + std::to_string(this_year + 1);
    return base::InvalidArgument(line, "calendar.year_out_of_range",
                                 line + ": year " + std::to_string(year.year) + " is outside " +
                                     range + " (a notice is published late in the year before)",
                                 "第 " + std::to_string(year.first_line) + " 行：年份 " +
                                     std::to_string(year.year) + " 不在 " + range +
                                     " 之内（通知于上一年年底发布）");
  }
  year.source = base::YearSource::kImported;
  year.source_text = std::string(text);

  std::lock_guard import_lock(import_mu_);
  const Snapshot before = Get();
  ImportResult result;
  result.year = year.year;
  result.notice = year.notice;
  result.holidays = year.holiday_count();
  result.workdays = year.workday_count();

  const YearRow row{.year = year.year,
                    .notice = year.notice,
                    .source_text = year.source_text,
                    .loaded_at = clock_.NowMicros(),
                    .loaded_by = std::string(actor)};
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> base::Status {
    KECHAN_ASSIGN_OR_RETURN(std::optional<YearRow> existing, repo::FindYear(tx, year.year));
    if (existing.has_value()) {
      result.replaced = ImportResult::Replaced::kImported;
    } else if (before.calendar->IsCovered(year.year)) {
      result.replaced = ImportResult::Replaced::kShipped;
    }
    KECHAN_RETURN_IF_ERROR(repo::UpsertYear(tx, row));
    store::EventDraft event;
    event.kind = "calendar.year.loaded";
    event.entity = "calendar_year";
    event.entity_id = std::to_string(year.year);
    event.actor = std::string(actor);
    event.payload = "{\"year\":" + std::to_string(year.year) +
                    ",\"notice\":" + base::JsonQuoted(year.notice) +
                    ",\"holidays\":" + std::to_string(result.holidays) +
                    ",\"workdays\":" + std::to_string(result.workdays) + ",\"replaced\":\"" +
                    ReplacedName(result.replaced) + "\"}";
    KECHAN_ASSIGN_OR_RETURN(result.event_seq, store::AppendEvent(tx, event, clock_));
    return base::Status::Ok();
  }));

  // Committed: publish a new calendar; holders of the old one keep theirs.
  auto next = std::make_shared<base::BusinessCalendar>(*before.calendar);
  next->LoadYear(std::move(year));
  Snapshot after;
  after.calendar = std::move(next);
  after.imported = before.imported;
  after.imported[row.year] = ImportMeta{row.loaded_at, row.loaded_by};
  std::lock_guard lock(mu_);
  snapshot_ = std::move(after);
  return result;
}

}  // namespace kechan::calendar
