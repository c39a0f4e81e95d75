// Our search engine alone: analyser throughput, indexing docs/s (analysis on N threads, the
// index's writer thread per shard), query latency p50/p99 for top-10, index size and peak RSS, on
// synthetic documents of about 300 Chinese characters built from the retrieval fixture's sentences.
//   bench_search_ours [--docs 100000] [--queries 500] [--threads 2] [--shards 0] [--dir /tmp/x]
//                     [--fixture tests/fixtures/search/retrieval/corpus.jsonl] [--reuse 1]
// --shards 0 = the index's default (one per core). --reuse 1 keeps the index in --dir and, when
// one with exactly --docs documents is already there, skips indexing (the documents are the same
// for the same --docs: fixed seed); query latency is then given for the default path and, query
// by query in the same run, for the previous rerank (legacy_*).
//   bench_search_ours eval retrieval ... --index DIR --reuse --compare-legacy
// does the same for the BEIR-style files (bench/search/gen_corpus.py).
//   bench_search_ours eval retrieval --corpus ... (the arguments of `kechan eval retrieval`)
// runs exactly `kechan eval retrieval` (search/cli.h), so bench/search/run.sh can measure "ours"
// with KECHAN_BIN=bench_search_ours from a build that has only the search library.
// Prints one JSON object. Run the Release build (docs/search.md has the figures).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "search/analysis.h"
#include "search/cli.h"
#include "search/index.h"
#include "search/query.h"
#include "search/xapian/xapian_index.h"
#include "text/analyzer.h"

namespace {

using kechan::bench::Clock;
using kechan::bench::CpuSeconds;
using kechan::bench::Seconds;
using kechan::search::Document;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "eval") {
    return kechan::search::RunEvalCommand(std::vector<std::string>(argv + 2, argv + argc),
                                          std::cout, std::cerr);
  }
  size_t docs = 100000;
  size_t queries = 500;
  int threads = 2;
  int shards = 0;
  std::string dir = "/tmp/kechan-search-bench";
  std::string fixture = "tests/fixtures/search/retrieval/corpus.jsonl";
  bool reuse = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i];
    std::string v = argv[i + 1];
    if (f == "--docs") {
      docs = std::stoul(v);
    } else if (f == "--queries") {
      queries = std::stoul(v);
    } else if (f == "--threads") {
      threads = std::stoi(v);
    } else if (f == "--shards") {
      shards = std::stoi(v);
    } else if (f == "--dir") {
      dir = v;
    } else if (f == "--fixture") {
      fixture = v;
    } else if (f == "--reuse") {
      reuse = v == "1";
    }
  }
  auto t_load = Clock::now();
  auto analyzer = kechan::text::Analyzer::Create();
  if (!analyzer.ok()) {
    std::cerr << analyzer.status() << "\n";
    return 1;
  }
  double load_s = Seconds(t_load);
  kechan::search::TextAnalysis analysis(**analyzer);
  std::vector<std::string> sentences = kechan::bench::Sentences(fixture);
  if (sentences.empty()) {
    std::cerr << "no sentences in " << fixture << "\n";
    return 1;
  }
  std::mt19937 rng(42);
  std::vector<Document> corpus(docs);
  size_t chars = 0;
  for (size_t i = 0; i < docs; ++i) {
    corpus[i] = kechan::bench::SyntheticDocument(i, sentences, rng);
    chars += corpus[i].fields[1].text.size() / 3;
  }
  // 1. Analyser alone, one thread.
  size_t sample = std::min<size_t>(docs, 5000);
  auto t_an = Clock::now();
  double cpu_an = CpuSeconds(RUSAGE_THREAD);
  size_t terms = 0;
  for (size_t i = 0; i < sample; ++i) {
    auto a = analysis.Analyze(corpus[i].fields[1].text, "text");
    terms += a.ok() ? a->terms.size() : 0;
  }
  double analyse_per_s = static_cast<double>(sample) / Seconds(t_an);
  double analyse_cpu_ms = (CpuSeconds(RUSAGE_THREAD) - cpu_an) * 1000 / static_cast<double>(sample);
  // 2. Indexing: analysis on `threads` threads, one writer.
  bool reused = false;
  if (reuse && std::filesystem::exists(dir)) {
    auto existing = kechan::search::OpenXapianIndex(dir, {.shards = shards});
    if (existing.ok()) {
      auto n = (*existing)->DocCount();
      reused = n.ok() && *n == static_cast<int64_t>(docs);
    }
  }
  if (!reused) {
    std::filesystem::remove_all(dir);
  }
  auto index = kechan::search::OpenXapianIndex(dir, {.shards = shards});
  if (!index.ok()) {
    std::cerr << index.status() << "\n";
    return 1;
  }
  auto t_ix = Clock::now();
  double cpu_ix = CpuSeconds(RUSAGE_SELF);
  // A pipeline: `threads` threads analyse batch b+1 while this thread writes batch b. The
  // analysis threads add up their own CPU time (getrusage per thread), so the split between
  // analysis (AnalyzeDocument: normalise, segment, count terms) and the rest (queueing, the
  // shards' Xapian writers, the commit) is measured rather than inferred.
  constexpr size_t kBatch = 1000;
  std::atomic<int64_t> analysis_cpu_us{0};
  std::atomic<size_t> unique_terms{0};
  using Batch = std::vector<kechan::search::IndexedDocument>;
  auto analyse = [&](size_t start) {
    size_t end = std::min(docs, start + kBatch);
    Batch done(end - start);
    std::atomic<size_t> next{start};
    auto work = [&] {
      double cpu0 = CpuSeconds(RUSAGE_THREAD);
      size_t unique = 0;
      for (size_t i = next++; i < end; i = next++) {
        auto r = kechan::search::AnalyzeDocument(analysis, corpus[i]);
        if (!r.ok()) {  // a bench that skipped documents would overstate docs/s
          std::cerr << "document " << i << ": " << r.status() << "\n";
          std::abort();
        }
        unique += r->terms.size();
        done[i - start] = std::move(*r);
      }
      analysis_cpu_us += static_cast<int64_t>((CpuSeconds(RUSAGE_THREAD) - cpu0) * 1e6);
      unique_terms += unique;
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(threads));
    for (int w = 0; w < threads; ++w) {
      pool.emplace_back(work);
    }
    for (auto& t : pool) {
      t.join();
    }
    return done;
  };
  std::future<Batch> pending;
  if (!reused) {
    pending = std::async(std::launch::async, analyse, size_t{0});
  }
  for (size_t start = 0; !reused && start < docs; start += kBatch) {
    Batch done = pending.get();
    if (start + kBatch < docs) {
      pending = std::async(std::launch::async, analyse, start + kBatch);
    }
    for (auto& d : done) {
      (void)(*index)->Replace(std::move(d));
    }
  }
  (void)(*index)->Commit();
  double index_s = Seconds(t_ix);
  double index_cpu_ms = (CpuSeconds(RUSAGE_SELF) - cpu_ix) * 1000 / static_cast<double>(docs);
  // 3. Queries: two or three words taken from document titles, top 10; with --reuse also the
  // previous rerank, alternating which goes first.
  std::vector<double> lat;
  std::vector<double> legacy_lat;
  for (size_t q = 0; q < queries; ++q) {
    const Document& d = corpus[rng() % docs];
    auto a = analysis.Analyze(d.title, "q");
    std::string text;
    if (a.ok()) {
      int taken = 0;
      for (const auto& t : a->terms) {
        if (t.kind == kechan::search::TermKind::kWord && taken < 3) {
          text += t.surface + " ";
          ++taken;
        }
      }
    }
    if (text.empty()) {
      continue;
    }
    auto timed = [&](bool legacy, std::vector<double>& out) {
      auto t0 = Clock::now();
      kechan::search::SearchRequest req;
      req.q = text;
      auto plan = kechan::search::BuildPlan(analysis, req);
      if (plan.ok()) {
        (void)(*index)->Search(*plan, {.limit = 10, .legacy_rerank = legacy});
      }
      out.push_back(Seconds(t0) * 1000);
    };
    if (reuse && q % 2 == 1) {
      timed(true, legacy_lat);
    }
    timed(false, lat);
    if (reuse && q % 2 == 0) {
      timed(true, legacy_lat);
    }
  }
  index->reset();
  uintmax_t bytes = kechan::bench::DirBytes(dir);
  if (!reuse) {
    std::filesystem::remove_all(dir);
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "{\"docs\":%zu,\"avg_chars\":%zu,\"threads\":%d,\"shards\":%d,\"analyser_load_s\":%.2f,"
      "\"analyse_docs_per_s_1thread\":%.0f,\"analyse_cpu_ms_per_doc\":%.3f,\"avg_terms\":%zu,"
      "\"index_docs_per_s\":%.0f,"
      "\"index_seconds\":%.2f,\"index_cpu_ms_per_doc\":%.3f,\"index_analysis_cpu_ms_per_doc\":%.3f,"
      "\"index_unique_terms_per_doc\":%.1f,\"index_mib\":%.1f,\"queries\":%zu,"
      "\"latency_p50_ms\":%.3f,"
      "\"latency_p99_ms\":%.3f,\"legacy_latency_p50_ms\":%.3f,\"legacy_latency_p99_ms\":%.3f,"
      "\"reused_index\":%s,\"peak_rss_mib\":%.0f}\n",
      docs, docs ? chars / docs : 0, threads, shards, load_s, analyse_per_s, analyse_cpu_ms,
      sample ? terms / sample : 0, static_cast<double>(docs) / index_s, index_s, index_cpu_ms,
      reused ? 0.0 : static_cast<double>(analysis_cpu_us.load()) / 1000 / static_cast<double>(docs),
      reused ? 0.0 : static_cast<double>(unique_terms.load()) / static_cast<double>(docs),
      static_cast<double>(bytes) / (1 << 20), lat.size(), Percentile(lat, 0.5),
      Percentile(lat, 0.99), legacy_lat.empty() ? -1.0 : Percentile(legacy_lat, 0.5),
      legacy_lat.empty() ? -1.0 : Percentile(legacy_lat, 0.99), reused ? "true" : "false",
      static_cast<double>(ru.ru_maxrss) / 1024);
  return 0;
}
