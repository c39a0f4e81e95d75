// Command-line plumbing shared by the subcommands: flag parsing with known flags only, exit codes,
// bilingual error printing, and opening the database a command names (--data DIR or --db URL).
#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/cli_args.h"
#include "base/config.h"
#include "base/result.h"
#include "store/database.h"

namespace kechan::app {

// The shared CLI plumbing lives in base/cli_args.h so modules' commands use it too.
using base::kExitFailure;
using base::kExitOk;
using base::kExitUsage;
using base::ParseArgs;
using base::ParsedArgs;
using base::ReportError;

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
