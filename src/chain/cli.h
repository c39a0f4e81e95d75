// `kechan chain ...` and `kechan import enterprises ...`: the chain module's command-line
// subcommands. The caller (app/) owns the database flags: everything this module does not know
// (--data DIR, --db URL, --config FILE, ...) is handed to `open` untouched, which opens the app
// and returns its ChainService. Output: JSON on stdout; errors in English and Chinese on stderr.
// Exit status: 0 ok, 2 bad usage or bad input, 1 other failures.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/result.h"
#include "chain/service.h"

namespace kechan::chain {

// Opens the service from the database flags (e.g. {"--data", "/srv/kechan"}). The service must
// stay valid until RunChainCommand / RunImportCommand returns. Called at most once, and only when
// the command needs the database (not for --help or --template).
using ServiceOpener =
    std::function<base::Result<ChainService*>(const std::vector<std::string>& db_args)>;

// `args` are the words after "chain":
//   list [--json]                                   chains with codes (JSON: ChainListJson)
//   analyze CHAIN [--as-of DATE] [--json | --csv]   CHAIN is a code (CD-AI) or numeric id;
//                                                   DATE defaults to today (Asia/Shanghai);
//                                                   --json: one object (AnalysisJson); --csv:
//                                                   the per-node table (AnalysisCsv)
//   --help
int RunChainCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                    const ServiceOpener& open);

// `args` are the words after "import":
//   enterprises FILE [--skip-bad] [--source TEXT]   CSV import (docs/chain.md); prints one JSON
//                                                   summary {"rows","imported","links",
//                                                   "committed","event_seq","errors":[{"row",
//                                                   "column","reason","message",..}]}; each bad
//                                                   row also goes to stderr. Exit 2 when rows
//                                                   were bad and nothing was imported (no
//                                                   --skip-bad), 0 when committed.
//   enterprises --template                          header line + one example row
//   --help
int RunImportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     const ServiceOpener& open);

}  // namespace kechan::chain
