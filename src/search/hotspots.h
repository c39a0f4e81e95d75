// search/hotspots: groups similar documents of one type over a period (appeals from different
// enterprises about the same matter) by their significant words, through the index: documents
// are read with a type + date filter, weighted by TF-IDF within the period, linked when their
// keyword vectors are close (cosine) and grouped into connected clusters labelled by the words
// the members share.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/analysis.h"
#include "search/index.h"

namespace kechan::search {

// Value type.
struct HotspotRequest {
  std::string type = "appeal";
  std::optional<int64_t> from_day;  // days since 1970-01-01, inclusive (the "date" number)
  std::optional<int64_t> to_day;    // inclusive
  int64_t limit = 10;               // clusters returned, 1..50
  int64_t min_size = 2;             // documents in a cluster, 2..100
  double min_similarity = 0.15;     // cosine of keyword vectors to link two documents
};

struct HotspotMember {
  std::string id;
  std::string title;
  std::string org;  // the "org" facet (enterprise), "" when unknown
  std::optional<int64_t> day;
};

struct Hotspot {
  std::string label;                  // the top shared keywords joined by "·"
  std::vector<std::string> keywords;  // best first
  int64_t count = 0;                  // documents
  int64_t enterprises = 0;            // distinct "org" facet values (documents without one count 1)
  std::map<std::string, int64_t> departments;  // "department" facet -> documents
  std::map<std::string, int64_t> types;        // "appeal_type" facet -> documents
  std::optional<int64_t> first_day;
  std::optional<int64_t> last_day;
  std::vector<HotspotMember> members;  // up to 20, newest first
};

struct HotspotResult {
  int64_t documents = 0;          // documents of the period looked at
  bool truncated = false;         // more than kMaxHotspotDocuments matched; the newest were used
  std::vector<Hotspot> hotspots;  // most enterprises first, then most documents
};

inline constexpr size_t kMaxHotspotDocuments = 5000;

// Errors: InvalidArgument naming "type" (unknown), "from" (after "to"), "limit", "min_size".
base::Result<HotspotResult> FindHotspots(const TextAnalysis& analysis, Index& index,
                                         const HotspotRequest& req);

}  // namespace kechan::search
