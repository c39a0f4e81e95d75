// `kechan reindex`, `kechan match`, `kechan eval retrieval|routing` and `kechan train-routing`:
// the search module's command-line subcommands. Database flags (--data, --db, --config) are
// handed to `open` untouched, as in chain/cli.h. Output: JSON on stdout; progress and errors on
// stderr. Exit status: 0 ok, 2 bad usage or bad input, 1 other failures.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/service.h"

namespace kechan::search {

// Opens the app's SearchService from the database flags; valid until the command returns.
using SearchOpener =
    std::function<base::Result<SearchService*>(const std::vector<std::string>& db_args)>;

// reindex [--quiet]: clears the index and replays the event log, with a progress bar on stderr;
// prints {"documents","last_seq","head"}.
int RunReindexCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                      const SearchOpener& open);
// match --type T --id ID --target T2 [--k 20] [--json]: explained candidates (MatchJson).
int RunMatchCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                    const SearchOpener& open);
// eval retrieval --corpus F --queries F --qrels F [--threads N] [--json]
// eval routing --examples F --queries F [--k N] [--json]
// No database: builds its own analyser and a temporary index.
int RunEvalCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// train-routing --examples F --out MODEL: checks and stores the labelled examples the kNN router
// uses (one JSON line each) and prints a leave-one-out-free summary {"examples","labels"}.
int RunTrainRoutingCommand(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err);

}  // namespace kechan::search
