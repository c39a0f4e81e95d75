// SQL for the calendar module's one table, calendar_years (the imported holiday notices). Internal
// to calendar/; callers use CalendarService.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace kechan::calendar {

// One imported year. Value type.
struct YearRow {
  int year = 0;
  std::string notice;
  std::string source_text;
  int64_t loaded_at = 0;  // UTC microseconds
  std::string loaded_by;  // the actor, e.g. "user:12" or "cli"
};

// Stateless functions over a transaction; thread-safety is the transaction's.
namespace repo {

// Returns every imported year, ascending. Errors: the transaction's.
base::Result<std::vector<YearRow>> ListYears(store::Tx& tx);
// Returns the imported row of `year`, or nullopt.
base::Result<std::optional<YearRow>> FindYear(store::Tx& tx, int year);
// Inserts the row or replaces the row of the same year. Errors: the transaction's.
base::Status UpsertYear(store::Tx& tx, const YearRow& row);

}  // namespace repo
}  // namespace kechan::calendar
