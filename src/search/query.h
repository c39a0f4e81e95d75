// search/query: what a caller asks (SearchRequest, checked for bad input) and the query plan the
// index runs: weighted terms from our own analysis of the query text (words, CJK bigrams,
// thesaurus expansions), type and facet filters, number ranges. Raw user text never reaches
// Xapian's QueryParser.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "search/analysis.h"

namespace kechan::search {

inline constexpr size_t kMaxQueryBytes = 1000;
inline constexpr size_t kMaxQueryTerms = 64;
inline constexpr int64_t kMaxPage = 500;
inline constexpr int64_t kMaxPageSize = 100;

struct Range {
  std::optional<double> min;  // inclusive
  std::optional<double> max;  // inclusive
};

// Value type.
struct SearchRequest {
  std::string q;
  std::vector<std::string> types;                           // any of; empty = all
  std::map<std::string, std::vector<std::string>> filters;  // facet -> any of; AND across
  std::map<std::string, Range> ranges;                      // number name -> range
  int64_t page = 1;                                         // 1-based
  int64_t page_size = 10;
  bool facets = true;
};

struct PlanTerm {
  std::string term;     // index term
  std::string surface;  // what the user typed (normalised), or the synonym
  double weight = 1;
  bool synonym = false;
};

// Value type.
struct QueryPlan {
  std::vector<PlanTerm> terms;  // OR'ed, each scaled by its weight; empty = filters only
  std::vector<std::string> types;
  std::map<std::string, std::vector<std::string>> filters;
  std::map<std::string, Range> ranges;
  std::vector<std::string> exclude_keys;  // "type:id" left out (matching excludes the entity)
};

// Operator-editable synonyms and domain terms: word → equivalent words/phrases (both
// normalised). Thread-safe: readers take a snapshot; Replace swaps the whole table.
class Thesaurus {
 public:
  using Table = std::map<std::string, std::vector<std::string>>;
  Thesaurus() : table_(std::make_shared<Table>()) {}
  std::shared_ptr<const Table> Snapshot() const;
  void Replace(Table table);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Table> table_;
};

// Weights of the query terms by kind; synonyms get `synonym` times their kind's weight.
struct PlanWeights {
  double word = 1.0;
  double bigram = 0.35;
  double number = 0.6;
  double synonym = 0.6;
};

// Checks `req` and builds its plan. Errors (InvalidArgument, field named):
//   "q"          search.empty_query (no q and no filters), search.query_too_long (> 1000 bytes),
//                search.no_terms (only punctuation, emoji, stop words), text.invalid_utf8
//   "type"       search.unknown_type
//   "<facet>"    search.unknown_filter / search.bad_filter (empty or over-long value)
//   "<number>"   search.bad_range (min > max, not finite)
//   "page" / "page_size"  search.page
base::Result<QueryPlan> BuildPlan(const TextAnalysis& analysis, const SearchRequest& req,
                                  const Thesaurus::Table* thesaurus = nullptr,
                                  const PlanWeights& weights = {});

// Adds the terms of `text` to `plan` (deduplicated; a repeated term adds its weight), expanding
// words found in `thesaurus`. Used by BuildPlan and by matching (entity text as the query).
base::Status AddTextTerms(const TextAnalysis& analysis, std::string_view text,
                          std::string_view field, double scale, const Thesaurus::Table* thesaurus,
                          const PlanWeights& weights, QueryPlan& plan);

}  // namespace kechan::search
