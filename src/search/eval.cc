#include "search/eval.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "search/index.h"
#include "search/query.h"
#include "search/xapian/xapian_index.h"

namespace kechan::search {
namespace json = boost::json;

namespace {

std::vector<std::string_view> Lines(std::string_view content) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) {
      end = content.size();
    }
    std::string_view line = content.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

base::Result<std::vector<CorpusDoc>> ReadCorpusJsonl(std::string_view content,
                                                     std::string_view file_name) {
  std::vector<CorpusDoc> out;
  int n = 0;
  for (std::string_view line : Lines(content)) {
    ++n;
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    std::string where = std::string(file_name) + ":" + std::to_string(n);
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    const json::object* o = (!ec && v.is_object()) ? &v.as_object() : nullptr;
    const json::value* id = o ? o->if_contains("_id") : nullptr;
    if (id == nullptr) {
      return base::InvalidArgument(where, "eval.bad_json",
                                   where + ": needs a JSON object with \"_id\"",
                                   where + "：须为含 _id 的 JSON 对象");
    }
    CorpusDoc d;
    d.id = id->is_string() ? std::string(id->as_string()) : json::serialize(*id);
    if (const json::value* t = o->if_contains("title"); t && t->is_string()) {
      d.title = std::string(t->as_string());
    }
    if (const json::value* t = o->if_contains("text"); t && t->is_string()) {
      d.text = std::string(t->as_string());
    }
    out.push_back(std::move(d));
  }
  return out;
}

base::Result<Qrels> ReadQrelsTsv(std::string_view content, std::string_view file_name) {
  Qrels out;
  int n = 0;
  for (std::string_view line : Lines(content)) {
    ++n;
    if (line.empty()) {
      continue;
    }
    std::vector<std::string> cols;
    size_t start = 0;
    while (true) {
      size_t tab = line.find('\t', start);
      cols.emplace_back(
          line.substr(start, tab == std::string_view::npos ? line.npos : tab - start));
      if (tab == std::string_view::npos) {
        break;
      }
      start = tab + 1;
    }
    std::string where = std::string(file_name) + ":" + std::to_string(n);
    if (n == 1) {
      if (cols.size() < 3 || cols[0] != "query-id" || cols[1] != "corpus-id" ||
          cols[2] != "score") {
        return base::InvalidArgument(
            where, "eval.qrels_header",
            where + ": the header must be query-id<TAB>corpus-id<TAB>score",
            where + "：表头须为 query-id、corpus-id、score（制表符分隔）");
      }
      continue;
    }
    if (cols.size() < 3) {
      return base::InvalidArgument(where, "eval.qrels_line", where + ": needs 3 columns",
                                   where + "：须有 3 列");
    }
    try {
      out[cols[0]][cols[1]] = std::stoi(cols[2]);
    } catch (...) {
      return base::InvalidArgument(where, "eval.qrels_score", where + ": score is not a number",
                                   where + "：score 不是数字");
    }
  }
  return out;
}

double NdcgAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& rel,
              size_t k) {
  double dcg = 0;
  for (size_t i = 0; i < std::min(k, ranking.size()); ++i) {
    auto it = rel.find(ranking[i]);
    if (it != rel.end() && it->second > 0) {
      dcg += it->second / std::log2(static_cast<double>(i) + 2);
    }
  }
  std::vector<int> ideal;
  for (const auto& [id, r] : rel) {
    if (r > 0) {
      ideal.push_back(r);
    }
  }
  std::sort(ideal.rbegin(), ideal.rend());
  double idcg = 0;
  for (size_t i = 0; i < std::min(k, ideal.size()); ++i) {
    idcg += ideal[i] / std::log2(static_cast<double>(i) + 2);
  }
  return idcg > 0 ? dcg / idcg : 0;
}

double MrrAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& rel,
             size_t k) {
  for (size_t i = 0; i < std::min(k, ranking.size()); ++i) {
    auto it = rel.find(ranking[i]);
    if (it != rel.end() && it->second > 0) {
      return 1.0 / static_cast<double>(i + 1);
    }
  }
  return 0;
}

double RecallAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& rel,
                size_t k) {
  size_t relevant = 0;
  for (const auto& [id, r] : rel) {
    relevant += r > 0 ? 1 : 0;
  }
  if (relevant == 0) {
    return 0;
  }
  size_t found = 0;
  for (size_t i = 0; i < std::min(k, ranking.size()); ++i) {
    auto it = rel.find(ranking[i]);
    found += (it != rel.end() && it->second > 0) ? 1 : 0;
  }
  return static_cast<double>(found) / static_cast<double>(relevant);
}

namespace {

// Indexes `corpus` into `index` (analysis of batch b+1 on `out.threads` threads while batch b is
// written) and records the time taken in `out`.
base::Status IndexCorpus(const TextAnalysis& analysis, const std::vector<CorpusDoc>& corpus,
                         Index& index, RetrievalEval& out, double title_weight) {
  auto t0 = std::chrono::steady_clock::now();
  // A pipeline: `threads` threads analyse batch b+1 while this thread writes batch b into the
  // index (the writer is single-threaded in Xapian).
  constexpr size_t kBatch = 1000;
  using Batch = std::vector<base::Result<IndexedDocument>>;
  auto analyse_batch = [&](size_t start) {
    size_t end = std::min(corpus.size(), start + kBatch);
    Batch analysed(end - start, base::Internal("eval.unset", "unset"));
    std::atomic<size_t> next{start};
    auto work = [&] {
      for (size_t i = next++; i < end; i = next++) {
        Document d;
        d.type = "doc";
        d.id = corpus[i].id;
        d.title = corpus[i].title;
        d.fields = {{"title", corpus[i].title, title_weight}, {"text", corpus[i].text, 1}};
        analysed[i - start] = AnalyzeDocument(analysis, std::move(d));
      }
    };
    std::vector<std::thread> pool;
    for (int w = 0; w < out.threads; ++w) {
      pool.emplace_back(work);
    }
    for (auto& t : pool) {
      t.join();
    }
    return analysed;
  };
  std::future<Batch> pending;
  if (!corpus.empty()) {
    pending = std::async(std::launch::async, analyse_batch, size_t{0});
  }
  for (size_t start = 0; start < corpus.size(); start += kBatch) {
    Batch analysed = pending.get();
    if (start + kBatch < corpus.size()) {
      pending = std::async(std::launch::async, analyse_batch, start + kBatch);
    }
    for (size_t i = 0; i < analysed.size(); ++i) {
      if (!analysed[i].ok()) {
        if (pending.valid()) {
          pending.wait();
        }
        return analysed[i].status().WithField("corpus[" + corpus[start + i].id + "]");
      }
      KECHAN_RETURN_IF_ERROR(index.Replace(*analysed[i]));
    }
  }
  KECHAN_RETURN_IF_ERROR(index.Commit());
  out.index_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.docs_per_second =
      out.index_seconds > 0 ? static_cast<double>(corpus.size()) / out.index_seconds : 0;
  return base::Status::Ok();
}

}  // namespace

base::Result<RetrievalEval> EvaluateRetrieval(const TextAnalysis& analysis,
                                              const std::vector<CorpusDoc>& corpus,
                                              const std::vector<RoutingExample>& queries,
                                              const Qrels& qrels, const RetrievalOptions& options) {
  RetrievalEval out;
  out.docs = static_cast<int64_t>(corpus.size());
  out.threads = std::max(1, options.threads);
  std::error_code ec;
  std::unique_ptr<Index> index;
  if (options.reuse_index && std::filesystem::exists(options.index_dir)) {
    KECHAN_ASSIGN_OR_RETURN(index, OpenXapianIndex(options.index_dir));
    KECHAN_ASSIGN_OR_RETURN(int64_t have, index->DocCount());
    out.reused_index = have == static_cast<int64_t>(corpus.size());
    if (!out.reused_index) {
      index.reset();
    }
  }
  if (!out.reused_index) {
    std::filesystem::remove_all(options.index_dir, ec);
    KECHAN_ASSIGN_OR_RETURN(index, OpenXapianIndex(options.index_dir));
    KECHAN_RETURN_IF_ERROR(IndexCorpus(analysis, corpus, *index, out, options.title_weight));
  }

  std::ofstream run;
  if (!options.run_path.empty()) {
    run.open(options.run_path, std::ios::binary | std::ios::trunc);
    if (!run) {
      return base::InvalidArgument("--run", "eval.run_file", "cannot write " + options.run_path,
                                   "无法写入 " + options.run_path);
    }
  }
  // One query through plan + search (top 100); the ranking and the time taken.
  auto run_query = [&](const RoutingExample& q, bool legacy, std::vector<std::string>& ranking,
                       std::vector<double>& lat) -> base::Status {
    auto q0 = std::chrono::steady_clock::now();
    SearchRequest req;
    req.q = q.text;
    req.page_size = 100;
    req.facets = false;
    auto plan = BuildPlan(analysis, req);
    if (plan.ok()) {
      KECHAN_ASSIGN_OR_RETURN(RawResults r,
                              index->Search(*plan, {.limit = 100, .legacy_rerank = legacy}));
      for (const RawHit& h : r.hits) {
        ranking.push_back(h.doc.id);
      }
    }
    lat.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - q0).count());
    return base::Status::Ok();
  };
  std::vector<double> latencies;
  std::vector<double> legacy_latencies;
  double ndcg = 0, mrr = 0, r1 = 0, r10 = 0, r100 = 0, legacy_ndcg = 0;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const RoutingExample& q = queries[qi];
    auto judged = qrels.find(q.id);
    std::vector<std::string> ranking;
    std::vector<std::string> legacy_ranking;
    // Alternate which path goes first, so neither always meets a warm cache.
    if (options.compare_legacy && qi % 2 == 1) {
      KECHAN_RETURN_IF_ERROR(run_query(q, true, legacy_ranking, legacy_latencies));
    }
    KECHAN_RETURN_IF_ERROR(run_query(q, false, ranking, latencies));
    if (options.compare_legacy && qi % 2 == 0) {
      KECHAN_RETURN_IF_ERROR(run_query(q, true, legacy_ranking, legacy_latencies));
    }
    if (run.is_open()) {
      for (size_t i = 0; i < ranking.size(); ++i) {
        run << q.id << '\t' << ranking[i] << '\t' << (i + 1) << '\n';
      }
    }
    if (judged == qrels.end()) {
      continue;
    }
    bool any = std::any_of(judged->second.begin(), judged->second.end(),
                           [](const auto& kv) { return kv.second > 0; });
    if (!any) {
      continue;
    }
    ++out.queries;
    ndcg += NdcgAt(ranking, judged->second, 10);
    legacy_ndcg += NdcgAt(legacy_ranking, judged->second, 10);
    mrr += MrrAt(ranking, judged->second, 10);
    r1 += RecallAt(ranking, judged->second, 1);
    r10 += RecallAt(ranking, judged->second, 10);
    r100 += RecallAt(ranking, judged->second, 100);
  }
  index.reset();
  if (!options.keep_index) {
    std::filesystem::remove_all(options.index_dir, ec);
  }
  if (out.queries > 0) {
    double n = static_cast<double>(out.queries);
    out.ndcg10 = ndcg / n;
    out.mrr10 = mrr / n;
    out.recall1 = r1 / n;
    out.recall10 = r10 / n;
    out.recall100 = r100 / n;
    if (options.compare_legacy) {
      out.legacy_ndcg10 = legacy_ndcg / n;
    }
  }
  if (options.compare_legacy) {
    out.legacy_latency_p50_ms = Percentile(legacy_latencies, 0.5);
    out.legacy_latency_p99_ms = Percentile(legacy_latencies, 0.99);
  }
  out.latency_p50_ms = Percentile(latencies, 0.5);
  out.latency_p99_ms = Percentile(latencies, 0.99);
  return out;
}

namespace {

// Fixed-point numbers ("0.8453", not Boost.JSON's "8.453E-1"), for people and scripts alike.
std::string Fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string Key(std::string_view k) { return json::serialize(json::string(k)) + ":"; }

}  // namespace

std::string RetrievalEvalJson(const RetrievalEval& e) {
  std::string o = "{";
  o += Key("engine") + "\"kechan\",";
  o += Key("docs") + std::to_string(e.docs) + ",";
  o += Key("queries") + std::to_string(e.queries) + ",";
  o += Key("ndcg@10") + Fixed(e.ndcg10, 4) + ",";
  o += Key("mrr@10") + Fixed(e.mrr10, 4) + ",";
  o += Key("recall@1") + Fixed(e.recall1, 4) + ",";
  o += Key("recall@10") + Fixed(e.recall10, 4) + ",";
  o += Key("recall@100") + Fixed(e.recall100, 4) + ",";
  o += Key("latency_p50_ms") + Fixed(e.latency_p50_ms, 3) + ",";
  o += Key("latency_p99_ms") + Fixed(e.latency_p99_ms, 3) + ",";
  o += Key("index_seconds") + Fixed(e.index_seconds, 3) + ",";
  o += Key("docs_indexed_per_s") + Fixed(e.docs_per_second, 1) + ",";
  o += Key("threads") + std::to_string(e.threads);
  if (e.reused_index) {
    o += "," + Key("reused_index") + "true";
  }
  if (e.legacy_latency_p50_ms >= 0) {
    o += "," + Key("legacy_ndcg@10") + Fixed(e.legacy_ndcg10, 4);
    o += "," + Key("legacy_latency_p50_ms") + Fixed(e.legacy_latency_p50_ms, 3);
    o += "," + Key("legacy_latency_p99_ms") + Fixed(e.legacy_latency_p99_ms, 3);
  }
  return o + "}";
}

std::string RoutingEvalJson(const RoutingEval& e) {
  std::string o = "{";
  if (!e.model.empty()) {
    o += Key("model") + "\"" + e.model + "\",";
  }
  o += Key("examples") + std::to_string(e.examples) + ",";
  o += Key("queries") + std::to_string(e.queries) + ",";
  o += Key("accuracy") + Fixed(e.accuracy, 4) + ",";
  o += Key("macro_f1") + Fixed(e.macro_f1, 4) + ",";
  o += Key("unsure_rate") + Fixed(e.unsure_rate, 4) + ",";
  o += Key("sure_accuracy") + Fixed(e.sure_accuracy, 4) + ",";
  o += Key("unsure_accuracy") + Fixed(e.unsure_accuracy, 4) + ",";
  o += Key("f1_by_label") + "{";
  for (size_t i = 0; i < e.f1_by_label.size(); ++i) {
    o += (i ? "," : "") + Key(e.f1_by_label[i].first) + Fixed(e.f1_by_label[i].second, 4);
  }
  return o + "}}";
}

}  // namespace kechan::search
