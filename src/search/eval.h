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

struct RetrievalEval {
  int64_t docs = 0;
  int64_t queries = 0;  // queries with at least one relevant document
  double ndcg10 = 0;
  double mrr10 = 0;
  double recall1 = 0;
  double recall10 = 0;
  double recall100 = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  double index_seconds = 0;
  double docs_per_second = 0;
  int threads = 1;
  bool reused_index = false;  // the index in RetrievalOptions::index_dir was used as it was
  // With RetrievalOptions::compare_legacy: the same queries, in the same run, ranked by the
  // previous rerank (the documents' term lists read per match); -1 when not measured.
  double legacy_ndcg10 = -1;
  double legacy_latency_p50_ms = -1;
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
