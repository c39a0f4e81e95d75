// How fast can Xapian glass take documents at all? The floor under issue 5's indexing goal
// (≥10,000 documents/s on 2 cores).
//
// The documents are those of bench_search_ours (about 300 Chinese characters built from the
// retrieval fixture's sentences, fixed seed), analysed once before any clock starts, so every
// line below times writing only. Each mode writes all documents into fresh shard directories,
// one writer thread per shard (documents dealt round-robin), flushing every 500 documents per
// shard like the index does, then commits. The modes run one after the other, in turn, for
// --rounds rounds, so every figure has its baseline ("ours") in the same run:
//   ours         kechan's own index (OpenXapianIndex, Index::Replace, Commit): what the indexer
//   does glass-doc    raw Xapian, the same document shape (terms with wdf, id and type terms, the
//   type
//                and key values, a record of the document's JSON size), replace_document(id term)
//   glass-unsafe glass-doc opened with DB_DANGEROUS | DB_NO_SYNC (blocks updated in place, no
//                fsync: not crash-safe, so not a design either; shows what copy-on-write and
//                syncing cost)
//   glass-terms  raw Xapian, the terms with wdf only, add_document (no record, values or id lookup)
//   glass-nolist glass-terms with DB_NO_TERMLIST (no term list table: such an index cannot replace
//                or delete a document, so it cannot follow the event log; a floor, not a design)
//   glass-words  glass-terms without the CJK bigram terms (the segmenter's words only)
//   invert       no Xapian: an in-memory inverter (hash map of posting vectors per shard), then
//                every shard's terms sorted and their delta-coded postings written to one file
//                (what a minimal segment format of our own would at least cost; no B-tree, no
//                term lists, no records)
// For each mode and round: wall seconds, documents/s (wall), CPU ms per document (getrusage of
// the whole process: both writers). The goal needs analysis + writing ≤ 0.2 CPU ms per document
// (2 cores × 1,000 ms / 10,000 documents); analysis alone is printed as analysis_cpu_ms_per_doc.
//   bench_glass_floor [--docs 50000] [--rounds 3] [--shards 2] [--dir /tmp/kechan-glass-floor]
//                     [--fixture tests/fixtures/search/retrieval/corpus.jsonl] [--modes a,b,...]
// Prints one JSON object. Run the Release build; bench/README.md has the figures.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/cli_args.h"
#include "bench_support.h"
#include "search/analysis.h"
#include "search/index.h"
#include "search/xapian/xapian_index.h"
#include "text/analyzer.h"

namespace {

using kechan::bench::Clock;
using kechan::bench::CpuSeconds;
using kechan::bench::Seconds;
using kechan::search::Document;
using kechan::search::IndexedDocument;

bool IsBigram(const std::string& term) {
  return term.compare(0, kechan::search::kBigramPrefix.size(), kechan::search::kBigramPrefix) == 0;
}

// Runs write(shard, first, step) on one thread per shard and waits.
template <typename F>
void PerShard(size_t shards, F write) {
  std::vector<std::thread> pool;
  for (size_t k = 0; k < shards; ++k) {
    pool.emplace_back([&, k] { write(k); });
  }
  for (auto& t : pool) {
    t.join();
  }
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

struct Line {
  std::string mode;
  int round = 0;
  double seconds = 0;
  double cpu_ms_per_doc = 0;
  uintmax_t bytes = 0;
};

}  // namespace

int main(int argc, char** argv) {
  auto args = kechan::base::ParseArgs(std::vector<std::string>(argv + 1, argv + argc),
                                      {"docs", "rounds", "shards", "dir", "fixture", "modes"});
  if (!args.ok()) {
    return kechan::base::ReportError(args.status(), std::cerr);
  }
  auto flag = [&](const std::string& name, const std::string& fallback) {
    auto it = args->flags.find(name);
    return it == args->flags.end() ? fallback : it->second;
  };
  const size_t docs = std::stoul(flag("docs", "50000"));
  const int rounds = std::stoi(flag("rounds", "3"));
  const size_t shards = std::stoul(flag("shards", "2"));
  const std::string dir = flag("dir", "/tmp/kechan-glass-floor");
  const std::string fixture = flag("fixture", "tests/fixtures/search/retrieval/corpus.jsonl");
  const std::string modes_arg =
      flag("modes", "ours,glass-doc,glass-unsafe,glass-terms,glass-nolist,glass-words,invert");
  std::vector<std::string> modes;
  {
    std::stringstream ss(modes_arg);
    std::string m;
    while (std::getline(ss, m, ',')) {
      modes.push_back(m);
    }
  }
  // The same flush as the index (kFlushThreshold in search/xapian), for the raw modes too.
  ::setenv("XAPIAN_FLUSH_THRESHOLD", "500", 0);
  auto analyzer = kechan::text::Analyzer::Create();
  if (!analyzer.ok()) {
    std::cerr << analyzer.status() << "\n";
    return 1;
  }
  kechan::search::TextAnalysis analysis(**analyzer);
  std::vector<std::string> sentences = kechan::bench::Sentences(fixture);
  if (sentences.empty()) {
    std::cerr << "no sentences in " << fixture << "\n";
    return 1;
  }
  // The documents of bench_search_ours (the same seed and draws).
  std::mt19937 rng(42);
  std::vector<IndexedDocument> analysed(docs);
  double cpu_an = CpuSeconds(RUSAGE_THREAD);
  size_t occurrences = 0;
  size_t unique = 0;
  size_t words = 0;
  for (size_t i = 0; i < docs; ++i) {
    Document d = kechan::bench::SyntheticDocument(i, sentences, rng);
    auto r = kechan::search::AnalyzeDocument(analysis, std::move(d));
    if (!r.ok()) {
      std::cerr << r.status() << "\n";
      return 1;
    }
    for (const auto& [term, wdf] : r->terms) {
      occurrences += wdf;
      words += IsBigram(term) ? 0 : 1;
    }
    unique += r->terms.size();
    analysed[i] = std::move(*r);
  }
  double analysis_cpu_ms = (CpuSeconds(RUSAGE_THREAD) - cpu_an) * 1000 / static_cast<double>(docs);

  std::vector<IndexedDocument> copy;  // what "ours" hands over (Replace takes the documents)
  auto run = [&](const std::string& mode, const std::string& at) -> bool {
    if (mode == "ours") {
      auto index = kechan::search::OpenXapianIndex(at, {.shards = static_cast<int>(shards)});
      if (!index.ok()) {
        std::cerr << index.status() << "\n";
        return false;
      }
      for (auto& d : copy) {
        (void)(*index)->Replace(std::move(d));
      }
      return (*index)->Commit().ok();
    }
    if (mode == "invert") {
      std::filesystem::create_directories(at);
      PerShard(shards, [&](size_t k) {
        std::unordered_map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> postings;
        for (size_t i = k; i < docs; i += shards) {
          for (const auto& [term, wdf] : analysed[i].terms) {
            postings[term].emplace_back(static_cast<uint32_t>(i), wdf);
          }
        }
        std::vector<const std::pair<const std::string, std::vector<std::pair<uint32_t, uint32_t>>>*>
            sorted;
        sorted.reserve(postings.size());
        for (const auto& p : postings) {
          sorted.push_back(&p);
        }
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto* a, const auto* b) { return a->first < b->first; });
        std::string out;
        for (const auto* p : sorted) {
          PutVarint(out, p->first.size());
          out += p->first;
          PutVarint(out, p->second.size());
          uint32_t last = 0;
          for (const auto& [docid, wdf] : p->second) {
            PutVarint(out, docid - last);
            PutVarint(out, wdf);
            last = docid;
          }
        }
        // Written and synced like a commit.
        std::string path = at + "/segment-" + std::to_string(k);
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size()) ||
            ::fsync(fd) != 0) {
          std::cerr << "cannot write " << path << "\n";
        }
        if (fd >= 0) {
          ::close(fd);
        }
      });
      return true;
    }
    bool doc = mode == "glass-doc" || mode == "glass-unsafe";
    bool only_words = mode == "glass-words";
    int flags = Xapian::DB_CREATE_OR_OVERWRITE;
    if (mode == "glass-nolist") {
      flags |= Xapian::DB_NO_TERMLIST;
    } else if (mode == "glass-unsafe") {
      flags |= Xapian::DB_DANGEROUS | Xapian::DB_NO_SYNC;
    } else if (mode != "glass-doc" && mode != "glass-terms" && mode != "glass-words") {
      std::cerr << "unknown mode " << mode << "\n";
      return false;
    }
    std::filesystem::create_directories(at);
    bool ok = true;
    PerShard(shards, [&](size_t k) {
      try {
        Xapian::WritableDatabase db(at + "/shard" + std::to_string(k), flags);
        for (size_t i = k; i < docs; i += shards) {
          const IndexedDocument& in = analysed[i];
          Xapian::Document d;
          for (const auto& [term, wdf] : in.terms) {
            if (!only_words || !IsBigram(term)) {
              d.add_term(term, wdf);
            }
          }
          if (doc) {
            std::string id_term = "Qdoc:" + in.doc.id;
            d.add_boolean_term(id_term);
            d.add_boolean_term("XTYPEdoc");
            d.add_value(0, in.doc.type);
            d.add_value(1, in.doc.type + "\x1f" + in.doc.id);
            // A record of the same size as the index's (the document's JSON: title and text).
            d.set_data("{\"type\":\"doc\",\"id\":\"" + in.doc.id + "\",\"title\":\"" +
                       in.doc.title + "\",\"fields\":[{\"name\":\"text\",\"text\":\"" +
                       in.doc.fields[1].text + "\"}]}");
            db.replace_document(id_term, d);
          } else {
            db.add_document(d);
          }
        }
        db.commit();
      } catch (const Xapian::Error& e) {
        std::cerr << e.get_description() << "\n";
        ok = false;
      }
    });
    return ok;
  };

  std::vector<Line> lines;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& mode : modes) {
      const std::string at = (std::filesystem::path(dir) / mode).string();
      std::filesystem::remove_all(at);
      if (mode == "ours") {
        copy = analysed;  // before the clock
      }
      auto t0 = Clock::now();
      double cpu0 = CpuSeconds(RUSAGE_SELF);
      if (!run(mode, at)) {
        return 1;
      }
      Line l;
      l.mode = mode;
      l.round = r + 1;
      l.seconds = Seconds(t0);
      l.cpu_ms_per_doc = (CpuSeconds(RUSAGE_SELF) - cpu0) * 1000 / static_cast<double>(docs);
      l.bytes = kechan::bench::DirBytes(at);
      std::filesystem::remove_all(at);
      copy.clear();
      copy.shrink_to_fit();
      lines.push_back(l);
      std::cerr << mode << " round " << l.round << ": " << l.seconds << " s, " << l.cpu_ms_per_doc
                << " CPU ms/doc\n";
    }
  }
  std::filesystem::remove_all(dir);
  std::printf(
      "{\"docs\":%zu,\"shards\":%zu,\"unique_terms_per_doc\":%.1f,\"word_terms_per_doc\":%.1f,"
      "\"occurrences_per_doc\":%.1f,\"analysis_cpu_ms_per_doc\":%.3f,\"lines\":[",
      docs, shards, static_cast<double>(unique) / static_cast<double>(docs),
      static_cast<double>(words) / static_cast<double>(docs),
      static_cast<double>(occurrences) / static_cast<double>(docs), analysis_cpu_ms);
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    std::printf(
        "%s{\"mode\":\"%s\",\"round\":%d,\"seconds\":%.2f,\"docs_per_s\":%.0f,"
        "\"cpu_ms_per_doc\":%.3f,\"mib\":%.1f}",
        i ? "," : "", l.mode.c_str(), l.round, l.seconds, static_cast<double>(docs) / l.seconds,
        l.cpu_ms_per_doc, static_cast<double>(l.bytes) / (1 << 20));
  }
  std::printf("]}\n");
  return 0;
}
