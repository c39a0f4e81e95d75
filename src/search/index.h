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

// Where one search spent its time (for the evaluation harness and benches; not shown to users).
struct SearchTrace {
  int passes = 0;       // matcher passes: 1, or 2 when the first could not prove the page
  size_t depth = 0;     // BM25 matches reranked by coordination in the last pass
  double match_ms = 0;  // Xapian's matcher (slowest shard per pass, passes added up)
  double cover_ms = 0;  // coverage from the posting lists (slowest shard per pass, added up)
  double fetch_ms = 0;  // reading the hits' records (or their ids)
  double facet_ms = 0;  // the facet sample's own matcher pass (slowest shard)
  // Common terms (SearchOptions::common_term_share) left out of the matcher's OR; whether the
  // page was proven to be the one of the whole OR; whether the whole OR had to run after all.
  int common_terms = 0;
  // Of those, terms left out because they lie inside a query word the matcher keeps
  // (SearchOptions::defer_inner_terms): bigrams, and with level 2 also shorter words.
  int inner_terms = 0;
  bool common_proven = false;
  bool common_fallback = false;
  // kechan's MaxScore matcher (SearchOptions::xapian_matcher off) skipped documents of some
  // shard that could not reach the depth.
  bool matcher_pruned = false;
};

struct RawResults {
  int64_t total = 0;  // estimated number of matches
  std::vector<RawHit> hits;
  // Most frequent first. Counted over a sample of the matches (at least
  // SearchOptions::check_at_least, default kFacetSample, looked at in document order), so they
  // are estimates when the query matches more documents than that: see facets_exact.
  std::map<std::string, std::vector<FacetCount>> facets;
  // True when every match was counted (facet counts and total are then exact).
  bool facets_exact = false;
  SearchTrace trace;
};

// Matches looked at for facet counts when SearchOptions::check_at_least is 0.
inline constexpr size_t kFacetSample = 1000;
// Defaults of SearchOptions::common_term_share / common_term_min_docs (bench/README.md,
// "Latency pass 3").
inline constexpr double kCommonTermShare = 0.05;
inline constexpr int64_t kCommonTermMinDocs = 10000;
// Default of SearchOptions::defer_inner_terms (bench/README.md, "Latency pass 4").
inline constexpr int kDeferInnerTerms = 2;

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
  // The previous default path (for same-run comparisons): one pass reranking the kRerankDepth
  // best BM25 matches by coordination, whatever first_pass_depth and the experiments below say.
  bool full_depth = false;
  // Two-pass top-k with the same ranking: pass 1 ranks this many best BM25 matches, pass 2 runs
  // only when a match pass 1 left out could still reach the page. 0 = one pass over
  // kRerankDepth (the default: faster on the synthetic corpora, bench/README.md).
  size_t first_pass_depth = 0;
  // EXPERIMENT, changes the ranking (the service never sets it; `eval retrieval --bonus`): no
  // coordination rerank; each matched term adds bonus × its weight × idf to BM25 instead, so
  // Xapian's matcher ranks the page itself. < 0 = off.
  double coverage_bonus = -1;
  // EXPERIMENT with coverage_bonus (`--merge-bigrams`): bigram terms equal to a word term of the
  // plan folded into it (weights added).
  bool merge_bigrams = false;
  // Common terms: a query term found in more than this share of the documents and in more than
  // common_term_min_docs documents is left out of the matcher's OR (its posting list is what
  // made a query slow at 1,000,000 documents); its BM25 part and coverage are added for the
  // matches from its posting list afterwards. The matches reranked are then the best by the
  // other terms' BM25 — the same as the whole OR's unless a common term's part reorders the
  // border of the rerank depth (SearchTrace::common_proven says when that is excluded). Not
  // used with full_depth, first_pass_depth or coverage_bonus. 0 = off.
  double common_term_share = kCommonTermShare;
  int64_t common_term_min_docs = kCommonTermMinDocs;
  // With common terms left out: run the whole OR whenever the page is not proven the same
  // (exact ranking, slower).
  bool common_terms_exact = false;
  // Terms inside a query word, left out of the matcher's OR like the common terms (scored and
  // covered afterwards from their posting lists): 1 = a bigram whose two characters lie inside
  // a word term of the query that the matcher keeps ("B机场" beside "机场"; every document with
  // the word also has the bigram); 2 = also a word inside a longer word of the query ("通量"
  // beside "高通量"). Only terms in more than defer_inner_min_docs documents (their posting lists
  // are what costs). Same conditions as common_term_share. 0 = off. At 1M: the matcher's mean
  // 25 -> 15 ms, nDCG@10 0.6941 -> 0.6951 (level 1: 17 ms, 0.6947); leaving out every bigram
  // over the minimum instead (words only in the OR) fell to 0.668.
  int defer_inner_terms = kDeferInnerTerms;
  int64_t defer_inner_min_docs = kCommonTermMinDocs;
  // EXPERIMENT, changes the ranking: matches reranked by coordination (0 = kRerankDepth, 100).
  size_t rerank_depth = 0;
  // The ranking's matcher is Xapian's Enquire instead of kechan's MaxScore over the same posting
  // lists (same documents, scores and order; for same-run comparisons, `eval retrieval
  // --xapian-matcher`). Xapian's is always used with value ranges and the experiments above.
  bool xapian_matcher = false;
  // Hits carry only their type and id (the document records are not read): for callers that
  // show nothing but need the ranking (the evaluation harness's top-100 pass).
  bool ids_only = false;
};

// Implementations are thread-safe (the adapter serialises access internally).
class Index {
 public:
  virtual ~Index() = default;
  // Adds or replaces the document with the same type and id.
  virtual base::Status Replace(const IndexedDocument& doc) = 0;
  // The same, taking the document over: the adapter queues it without copying its terms and
  // text (the indexing paths hand over documents they no longer need).
  virtual base::Status Replace(IndexedDocument&& doc) {
    return Replace(static_cast<const IndexedDocument&>(doc));
  }
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
