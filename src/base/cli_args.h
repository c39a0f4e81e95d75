// Command-line plumbing every CLI subcommand shares: flag parsing against known flags, exit codes
// (0 ok, 2 bad usage or input, 1 other failure) and bilingual error printing. Std only.
#pragma once

#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace kechan::base {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // --name value / --name=value
  std::set<std::string> switches;            // --name (no value)
  std::vector<std::string> passthrough;      // unknown "--name value" pairs (kPassThrough)
  bool help = false;                         // --help / -h
};

enum class UnknownFlags {
  kReject,       // InvalidArgument naming the flag
  kPassThrough,  // collected in `passthrough` for another parser (e.g. the database flags)
};

// Parses `args` (after the subcommand words). `value_flags` take a value, `switches` do not.
// Errors: InvalidArgument naming the flag for an unknown flag (kReject), a missing value or a
// value given to a switch.
Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             const std::set<std::string>& value_flags,
                             const std::set<std::string>& switches = {},
                             UnknownFlags unknown = UnknownFlags::kReject);

// Prints "error: <en> (<field>)\n错误：<zh>\n" to `err` and returns the exit code for the status
// (kExitUsage for invalid argument / not found / already exists, kExitFailure otherwise).
int ReportError(const Status& status, std::ostream& err);

}  // namespace kechan::base
