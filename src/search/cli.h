// `kechan reindex`, `kechan match`, `kechan eval retrieval|routing` and `kechan train-routing`:
// the search module's command-line subcommands. Database flags (--data, --db, --config) are
// handed to `open` untouched, as in chain/cli.h. Output: JSON on stdout; progress and errors on
// stderr. Exit status: 0 ok, 2 bad usage or bad input, 1 other failures.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "search/routing.h"
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
// eval routing --examples F --queries F [--model knn|fasttext|ensemble|all] [--k N] [--json]
// No database: builds its own analyser and a temporary index.
int RunEvalCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// Past dispatched appeals for training the router, from the app's database.
struct RoutingTrainingSet {
  std::string data_dir;                    // where DATA/routing/ goes; "" without --data
  std::vector<RoutingExample> department;  // "title\nbody" -> lead department name
  std::vector<RoutingExample> type;        // "title\nbody" -> appeal type id
};
using RoutingExamplesOpener =
    std::function<base::Result<RoutingTrainingSet>(const std::vector<std::string>& db_args)>;

// train-routing (--data DIR | --db URL) [--label department|type] [--model fasttext|knn]
//   [--out FILE], or --examples F --out FILE: trains fastText (default; the checked model file)
// or checks the kNN examples (JSON lines), prints {"model","label","source","examples","labels",
// "out"}. Without `open` only --examples works.
int RunTrainRoutingCommand(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err, const RoutingExamplesOpener& open = {});

}  // namespace kechan::search
