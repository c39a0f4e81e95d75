// Command-line plumbing shared by the subcommands: flag parsing with known flags only, exit codes,
// bilingual error printing, and opening the database a command names (--data DIR or --db URL).
#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/result.h"
#include "store/database.h"

namespace kechan::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // --name value / --name=value
  std::set<std::string> switches;            // --name (no value)
  bool help = false;                         // --help / -h
};

// Parses `args` (after the subcommand words). `value_flags` take a value, `switches` do not; any
// other "--x" is InvalidArgument naming it.
base::Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                   const std::set<std::string>& value_flags,
                                   const std::set<std::string>& switches = {});

// Prints "error: <en>\n错误：<zh>\n" to `err` and returns the exit code for the status
// (kExitUsage for invalid argument / not found / already exists, kExitFailure otherwise).
int ReportError(const base::Status& status, std::ostream& err);

// The settings every command that touches the database shares; see docs/configuration.md.
std::vector<base::ConfigKey> CommonConfigKeys();
std::vector<base::ConfigKey> ServeConfigKeys();

// Builds a Config from defaults, --config FILE, KECHAN_* environment and the parsed flags.
base::Result<base::Config> LoadConfig(std::vector<base::ConfigKey> keys, const ParsedArgs& args);

enum class CreateDataDir { kNo, kYes };
// Opens the database the config names: `db` (a URL) if set, else SQLite at `data`/kechan.db.
// Errors: InvalidArgument naming --data when neither is given or the directory is missing.
base::Result<std::unique_ptr<store::Database>> OpenDatabase(const base::Config& config,
                                                            CreateDataDir create);

}  // namespace kechan::app
