// `kechan calendar ...`: working-day questions answered by the business calendar (is-workday,
// add-workdays, between) and the import of a State Council holiday notice file. One JSON object
// per line on stdout; errors and warnings on stderr in English and Chinese.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "base/calendar.h"
#include "calendar/service.h"

namespace kechan::app {

// Runs `kechan calendar SUBCOMMAND ...`; `args` are the words after "calendar":
//   is-workday DATE          -> {"date":"2026-02-14","working":true}
//   add-workdays DATE N      -> {"date":"2026-02-14"}   (N-th working day after DATE; 0 <= N <=
//   3660) between FROM TO          -> {"working_days":16}     (working days with FROM <= d <= TO)
//   --help, or SUBCOMMAND --help
// Answers from the calendar shipped in the binary. A year without holiday data gets a warning on
// stderr (weekends-only rule). `import` needs the database, so the caller handles it (see
// RunCalendarImport); passed here it is a usage error. Returns 0 ok, 2 bad usage or input (the
// message names the argument: DATE, N, FROM, TO), 1 other failures.
int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The same, answering from `calendar` (e.g. CalendarService::Current() when a data directory is
// open, so imported years count too).
int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                       const base::BusinessCalendar& calendar);

// Reads the notice file at `path` (docs/calendar.md format, one year) and imports it through
// `service` as actor "cli"; prints {"year":2027,"notice":"…","holidays":N,"workdays":M,
// "replaced":"none|shipped|imported","event_seq":S}. Returns 2 when the file cannot be read or is
// invalid (the message names the file and the line), 1 for database failures.
int RunCalendarImport(calendar::CalendarService& service, const std::string& path,
                      std::ostream& out, std::ostream& err);

}  // namespace kechan::app
