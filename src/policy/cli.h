// `kechan policy ...`: the policy toolkit's command-line subcommands. The caller (app/) owns the
// database flags: every flag this module does not know (--data DIR, --db URL, --config FILE, ...)
// is handed to `open`, which opens the app and returns its PolicyService. Output: JSON (--json)
// or plain lines on stdout; errors in English and Chinese on stderr. Exit status: 0 ok, 2 bad
// usage or bad input (unknown enterprise/policy), 1 other failures.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/result.h"
#include "policy/service.h"

namespace kechan::policy {

// Opens the service from the database flags; called at most once, only when needed.
using ServiceOpener =
    std::function<base::Result<PolicyService*>(const std::vector<std::string>& db_args)>;

// `args` are the words after "policy":
//   eval --enterprise ID [--as-of DATE] [--json]     every policy in force and how the
//                                                    enterprise fits it (FitsJson, "no" too)
//   match --policy ID [--as-of DATE] [--result yes|no|unknown] [--json]
//                                                    every enterprise against the policy
//                                                    (MatchJson with all items on one page)
//   list [--json]                                    policies (all statuses)
//   --help
int RunPolicyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     const ServiceOpener& open);

}  // namespace kechan::policy
