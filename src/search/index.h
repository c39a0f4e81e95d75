// search/index: the port of the full-text index (one index of typed documents). The adapter is
// search/xapian/ (OpenXapianIndex); nothing else includes Xapian.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "search/analysis.h"
#include "search/document.h"
#include "search/query.h"

namespace kechan::search {

// A document with its analysed terms, ready to store.
struct IndexedDocument {
  Document doc;
  // term -> within-document frequency already multiplied by field weight (at least 1).
  std::vector<std::pair<std::string, uint32_t>> terms;
};

// Analyses every field of `doc` and sums the field-weighted frequencies of its terms.
// Errors: InvalidArgument from ValidateDocument or naming "fields.<name>" for bad text.
base::Result<IndexedDocument> AnalyzeDocument(const TextAnalysis& analysis, Document doc);

struct RawHit {
  Document doc;
  double score = 0;
  std::vector<std::string> matched_terms;  // index terms of the plan found in the document
};

struct FacetCount {
  std::string value;
  int64_t count = 0;
};

struct RawResults {
  int64_t total = 0;  // estimated number of matches
  std::vector<RawHit> hits;
  std::map<std::string, std::vector<FacetCount>> facets;  // most frequent first
};

struct SearchOptions {
  size_t offset = 0;
  size_t limit = 10;
  bool facets = false;
  bool matched_terms = false;
  // How many matches to look at at least (for facet counts); 0 = the index's default.
  size_t check_at_least = 0;
  // The previous ranking path (kept for same-run comparisons in bench/search): coordination read
  // from each match's term list. Same ranking as the default path, slower.
  bool legacy_rerank = false;
};

// Implementations are thread-safe (the adapter serialises access internally).
class Index {
 public:
  virtual ~Index() = default;
  // Adds or replaces the document with the same type and id.
  virtual base::Status Replace(const IndexedDocument& doc) = 0;
  // Removes the document; no error when absent.
  virtual base::Status Delete(std::string_view type, std::string_view id) = 0;
  // Makes changes durable (and visible to other processes).
  virtual base::Status Commit() = 0;
  virtual base::Result<RawResults> Search(const QueryPlan& plan, const SearchOptions& options) = 0;
  virtual base::Result<std::optional<Document>> Get(std::string_view type, std::string_view id) = 0;
  // Metadata stored with the index (committed with it): "last_seq", ...
  virtual base::Result<std::string> GetMeta(std::string_view key) = 0;
  virtual base::Status SetMeta(std::string_view key, std::string_view value) = 0;
  virtual base::Result<int64_t> DocCount() = 0;
  // Removes every document and the metadata (a rebuild follows).
  virtual base::Status Clear() = 0;
};

}  // namespace kechan::search
