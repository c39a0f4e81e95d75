// `kechan appeals ...` and `kechan sla ...`: the appeals module's command-line subcommands. The
// caller (app/) owns the database flags (--data DIR, --db URL, ...) and hands them to `open`.
// Output: JSON on stdout; errors in English and Chinese on stderr. Exit 0 / 2 / 1.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "appeals/service.h"
#include "base/result.h"

namespace kechan::appeals {

// Opens the service from the database flags. The service must stay valid until the command
// returns.
using ServiceOpener =
    std::function<base::Result<AppealService*>(const std::vector<std::string>& db_args)>;

// `args` are the words after "appeals":
//   metrics --from DATE --to DATE [--by department|chain|district|type|period|none]
//           [--weights 30,35,35] [--json] [--xlsx FILE]
//       prints {"rows":[{"key","label","appeals","response_rate","resolution_rate",
//       "satisfaction_rate","composite",...}],"total":{...},...}; rates in [0,1] or null.
//   --help
int RunAppealsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                      const ServiceOpener& open);

// `args` are the words after "sla":
//   replay   recomputes every open appeal's clocks (after a calendar or rule change) and prints
//            {"appeals":N,"changed":N,"timers":N,"seconds":S,"rate_per_second":R}
//   --help
int RunSlaCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                  const ServiceOpener& open);

}  // namespace kechan::appeals
