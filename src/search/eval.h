// search/eval: the retrieval evaluation harness (BEIR-style files: corpus.jsonl, queries.jsonl,
// qrels.tsv). It indexes the corpus into a temporary Xapian index with our analysis, runs every
// query through our query builder and scores nDCG@10, MRR@10, Recall@1/10/100, query latency
// and indexing throughput.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "search/analysis.h"
#include "search/routing.h"

namespace kechan::search {

struct CorpusDoc {
  std::string id;
  std::string title;
  std::string text;
};

// query id -> (doc id -> graded relevance; 0 = judged not relevant)
using Qrels = std::map<std::string, std::map<std::string, int>>;

// Parsers; InvalidArgument naming "<file>:<line>".
base::Result<std::vector<CorpusDoc>> ReadCorpusJsonl(std::string_view content,
                                                     std::string_view file_name);
base::Result<Qrels> ReadQrelsTsv(std::string_view content, std::string_view file_name);

// Latency and quality of one timed query path over all queries.
struct PathLatency {
  double p50_ms = 0;
  double p99_ms = 0;
  double ndcg10 = 0;
  // Mean milliseconds per query by phase (Index::Search's SearchTrace): Xapian's matcher,
  // coverage from posting lists, reading the hits, and the rest (plan, merge, response).
  double match_ms = 0;
  double cover_ms = 0;
  double fetch_ms = 0;
  double rest_ms = 0;
  double second_pass_share = 0;  // queries whose search needed the second matcher pass
  double facet_ms = 0;           // the facet sample's pass (mean ms per query)
  // Parts of rest_ms: BuildPlan, and ToSearchResponse (matched words, snippets; top-10 only).
  double plan_ms = 0;
  double response_ms = 0;
  // Queries whose matcher left common terms out (SearchOptions::common_term_share); of all
  // queries, those where the page was proven the whole OR's, and those that ran it after all.
  double common_share = 0;
  double common_proven_share = 0;
  double common_fallback_share = 0;
  // Queries whose matcher left terms inside a query word out (SearchOptions::defer_inner_terms).
  double inner_share = 0;
  // Queries where kechan's MaxScore matcher skipped documents (SearchTrace::matcher_pruned).
  double pruned_share = 0;
};

struct RetrievalEval {
  int64_t docs = 0;
  int64_t queries = 0;  // queries with at least one relevant document
  // Metrics of the top-100 ranking.
  double ndcg10 = 0;
  double mrr10 = 0;
  double recall1 = 0;
  double recall10 = 0;
  double recall100 = 0;
  // The API's top-10 path (SearchService::Search with its defaults: page_size 10, facets,
  // matched words, snippets); the latency goal is about this one.
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  PathLatency top10;
  PathLatency top100;  // plan + search of 100 hits, ids only (the ranking scored above)
  // Queries whose top-10 path did not give the first 10 of the top-100 path (or, compared, of
  // the previous paths): 0 when the paths rank alike.
  int64_t top10_mismatches = 0;
  double index_seconds = 0;
  double docs_per_second = 0;
  int threads = 1;
  bool reused_index = false;  // the index in RetrievalOptions::index_dir was used as it was
  // With RetrievalOptions::compare_legacy: the same queries, in the same run, through the
  // previous paths (SearchOptions::legacy_rerank: one Enquire, coordination from term lists;
  // SearchOptions::full_depth: parallel shards reranking all 100 in one pass).
  bool compared = false;
  PathLatency top10_legacy;
  PathLatency top10_full_depth;
  PathLatency top100_legacy;          // as `kechan eval retrieval` timed it before (records read)
  double legacy_ndcg10 = -1;          // top100_legacy's
  double legacy_latency_p50_ms = -1;  // top10_legacy's
  double legacy_latency_p99_ms = -1;
};

struct RetrievalOptions {
  std::string index_dir;  // where the index goes (removed afterwards unless keep_index)
  bool keep_index = false;
  // Use the index already in index_dir when it holds exactly as many documents as the corpus
  // (skips indexing: a 1,000,000-document latency run need not re-index); else build it.
  bool reuse_index = false;
  // Also run every query through the legacy rerank (SearchOptions::legacy_rerank), alternating
  // with the default path query by query, and report both (RetrievalEval::legacy_*).
  bool compare_legacy = false;
  // Passed to the default paths' SearchOptions (not to the compared previous ones): the
  // two-pass top-k and the ranking experiments (`--first-pass`, `--bonus`, `--merge-bigrams`).
  size_t first_pass_depth = 0;
  double coverage_bonus = -1;
  bool merge_bigrams = false;
  // Passed to the default paths' SearchOptions when ≥ 0 (`--common-share PERCENT`,
  // `--common-min-docs N`, `--common-exact`, `--rerank-depth N`); < 0 = the index's defaults.
  double common_term_share = -1;
  int64_t common_term_min_docs = -1;
  bool common_terms_exact = false;
  size_t rerank_depth = 0;
  // `--xapian-matcher`: SearchOptions::xapian_matcher (Xapian's Enquire ranks, for comparisons).
  bool xapian_matcher = false;
  // `--defer-inner LEVEL`, `--defer-min-docs N`: SearchOptions::defer_inner_terms /
  // defer_inner_min_docs when ≥ 0; < 0 = the index's defaults.
  int defer_inner_terms = -1;
  int64_t defer_inner_min_docs = -1;
  // `--facet-sample N`: the default top-10 path's SearchOptions::check_at_least (0 = default).
  size_t facet_sample = 0;
  int threads = 2;  // analysis threads while indexing
  double title_weight = 2;
  // When set, the ranking is written there: query-id<TAB>corpus-id<TAB>rank (1-based, top 100).
  std::string run_path;
};

// Scores one ranking against one query's judgements (exposed for tests).
double NdcgAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& rel,
              size_t k);
double MrrAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& rel,
             size_t k);
double RecallAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& rel,
                size_t k);

base::Result<RetrievalEval> EvaluateRetrieval(const TextAnalysis& analysis,
                                              const std::vector<CorpusDoc>& corpus,
                                              const std::vector<RoutingExample>& queries,
                                              const Qrels& qrels, const RetrievalOptions& options);

std::string RetrievalEvalJson(const RetrievalEval& e);
std::string RoutingEvalJson(const RoutingEval& e);

}  // namespace kechan::search
