// The calendar module's use-cases: the current business calendar (the data shipped in the binary
// overlaid by the years an operator imported into the database) and importing a new year's
// State Council notice. docs/calendar.md describes the data format and the operator's steps.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/calendar.h"
#include "base/clock.h"
#include "calendar/migrations.h"
#include "store/database.h"

namespace kechan::calendar {

struct CalendarOptions {
  base::OfficeHours office_hours;  // default 09:00-12:00, 13:30-17:30 (Asia/Shanghai)
  size_t max_import_bytes = size_t{64} * 1024;
};

// One covered year as the API shows it. Value type.
struct YearSummary {
  int year = 0;
  std::string notice;
  base::YearSource source = base::YearSource::kShipped;
  int holidays = 0;                  // listed days off
  int workdays = 0;                  // listed make-up working days
  std::optional<int64_t> loaded_at;  // imported years: UTC microseconds
  std::string loaded_by;             // imported years: the actor
};

// What ImportYear did. Value type.
struct ImportResult {
  int year = 0;
  std::string notice;
  int holidays = 0;
  int workdays = 0;
  // What the import superseded: nothing, the shipped data or an earlier import of that year.
  enum class Replaced { kNone, kShipped, kImported } replaced = Replaced::kNone;
  int64_t event_seq = 0;
};
// Returns "none", "shipped" or "imported".
const char* ReplacedName(ImportResult::Replaced r);

// Thread-safe: Current(), Years() and ImportYear() may be called from any thread. Imports are
// serialized; readers never wait for an import's transaction, they keep the calendar they got.
//
// Several server processes (PostgreSQL scale-out) each hold their own copy: a process sees another
// one's import after Reload() (or a restart); the "calendar.year.loaded" event is the signal.
class CalendarService {
 public:
  // Builds the calendar from the shipped data and the calendar_years rows. Errors: the database's,
  // kInvalidArgument naming "office_hours" for invalid office hours, kInternal
  // ("calendar.stored_year_invalid") when a stored row no longer parses.
  static base::Result<std::unique_ptr<CalendarService>> Open(store::Database& db,
                                                             const base::Clock& clock,
                                                             CalendarOptions options = {});

  // Returns the calendar in force; the snapshot stays valid and unchanged for as long as it is
  // held, even across imports.
  std::shared_ptr<const base::BusinessCalendar> Current() const;

  // Returns every covered year, ascending, with its source.
  std::vector<YearSummary> Years() const;

  // Validates `text` (the format of docs/calendar.md holding exactly one year), then in one write
  // transaction upserts the calendar_years row and appends the event "calendar.year.loaded", then
  // swaps the in-memory calendar. `actor` is recorded as loaded_by and on the event ("user:12").
  // Errors (nothing changes): InvalidArgument with field "line N" for a bad line (see
  // base::ParseHolidayText) or a year outside 2000..next year (by the clock, Asia/Shanghai), field
  // "text" for empty/oversized text or text holding several years; the database's errors.
  base::Result<ImportResult> ImportYear(std::string_view actor, std::string_view text);

  // Rebuilds the calendar from the shipped data and the database (errors as Open()).
  base::Status Reload();

 private:
  struct ImportMeta {
    int64_t loaded_at = 0;
    std::string loaded_by;
  };
  struct Snapshot {
    std::shared_ptr<const base::BusinessCalendar> calendar;
    std::map<int, ImportMeta> imported;
  };

  CalendarService(store::Database& db, const base::Clock& clock, CalendarOptions options);
  base::Result<Snapshot> Load() const;
  Snapshot Get() const;

  store::Database& db_;
  const base::Clock& clock_;
  const CalendarOptions options_;
  std::mutex import_mu_;   // serializes ImportYear/Reload (held across the transaction)
  mutable std::mutex mu_;  // guards snapshot_ (held only to copy or swap it)
  Snapshot snapshot_;
};

}  // namespace kechan::calendar
