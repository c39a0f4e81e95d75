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
#include "search/service.h"
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
    pool.reserve(static_cast<size_t>(out.threads));
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
      KECHAN_RETURN_IF_ERROR(index.Replace(std::move(*analysed[i])));
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
  // Every query goes through two timed paths, each in the default way and (with
  // compare_legacy) the previous ways, in an order that rotates query by query so that no path
  // always meets a warm cache:
  //  - the API's top-10 path, exactly what SearchService::Search does for GET /api/v1/search
  //    with its defaults (page 1, page_size 10, facets): BuildPlan, Index::Search with
  //    SearchOptionsFor, ToSearchResponse (matched words and snippets read from the 10 records);
  //  - the top-100 path for Recall@100 and nDCG: plan + search of 100 hits, ids only.
  enum Path { kTop10, kTop10Legacy, kTop10FullDepth, kTop100, kTop100Legacy, kPaths };
  struct PathStats {
    std::vector<double> latency;
    double ndcg = 0;
    double match_ms = 0, cover_ms = 0, fetch_ms = 0, rest_ms = 0, facet_ms = 0;
    double plan_ms = 0, response_ms = 0;
    int64_t second_passes = 0, common = 0, common_proven = 0, common_fallback = 0, inner = 0;
    int64_t pruned = 0;
  };
  std::vector<PathStats> paths(kPaths);
  auto run_path = [&](const RoutingExample& q, Path path,
                      std::vector<std::string>& ranking) -> base::Status {
    const bool top10 = path == kTop10 || path == kTop10Legacy || path == kTop10FullDepth;
    auto q0 = std::chrono::steady_clock::now();
    SearchRequest req;
    req.q = q.text;
    req.page_size = top10 ? 10 : 100;
    req.facets = top10;
    SearchTrace trace;
    auto plan = BuildPlan(analysis, req);
    double plan_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - q0).count();
    double response_ms = 0;
    if (plan.ok()) {
      SearchOptions opt = SearchOptionsFor(req);
      opt.legacy_rerank = path == kTop10Legacy || path == kTop100Legacy;
      opt.full_depth = path == kTop10FullDepth;
      opt.ids_only = !top10;
      if (path == kTop10 || path == kTop100) {
        opt.first_pass_depth = options.first_pass_depth;
        opt.coverage_bonus = options.coverage_bonus;
        opt.merge_bigrams = options.merge_bigrams;
        if (options.common_term_share >= 0) {
          opt.common_term_share = options.common_term_share;
        }
        if (options.common_term_min_docs >= 0) {
          opt.common_term_min_docs = options.common_term_min_docs;
        }
        opt.common_terms_exact = options.common_terms_exact;
        opt.xapian_matcher = options.xapian_matcher;
        opt.rerank_depth = options.rerank_depth;
        if (options.defer_inner_terms >= 0) {
          opt.defer_inner_terms = options.defer_inner_terms;
        }
        if (options.defer_inner_min_docs >= 0) {
          opt.defer_inner_min_docs = options.defer_inner_min_docs;
        }
        if (top10) {
          opt.check_at_least = options.facet_sample;
        }
      }
      opt.matched_terms = top10;
      KECHAN_ASSIGN_OR_RETURN(RawResults r, index->Search(*plan, opt));
      trace = r.trace;
      if (top10) {
        auto r0 = std::chrono::steady_clock::now();
        SearchResponse resp = ToSearchResponse(analysis, *plan, req, std::move(r));
        response_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r0)
                .count();
        for (const SearchHit& h : resp.hits) {
          ranking.push_back(h.doc.id);
        }
      } else {
        for (const RawHit& h : r.hits) {
          ranking.push_back(h.doc.id);
        }
      }
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - q0).count();
    PathStats& st = paths[path];
    st.latency.push_back(ms);
    st.match_ms += trace.match_ms;
    st.cover_ms += trace.cover_ms;
    st.fetch_ms += trace.fetch_ms;
    st.facet_ms += trace.facet_ms;
    st.plan_ms += plan_ms;
    st.response_ms += response_ms;
    st.rest_ms += ms - trace.match_ms - trace.cover_ms - trace.fetch_ms - trace.facet_ms;
    st.second_passes += trace.passes > 1 && !trace.common_fallback ? 1 : 0;
    st.common += trace.common_terms > 0 ? 1 : 0;
    st.common_proven += trace.common_proven ? 1 : 0;
    st.common_fallback += trace.common_fallback ? 1 : 0;
    st.inner += trace.inner_terms > 0 ? 1 : 0;
    st.pruned += trace.matcher_pruned ? 1 : 0;
    return base::Status::Ok();
  };
  std::vector<Path> order = {kTop10, kTop100};
  if (options.compare_legacy) {
    order = {kTop10, kTop10Legacy, kTop10FullDepth, kTop100, kTop100Legacy};
  }
  double mrr = 0, r1 = 0, r10 = 0, r100 = 0;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const RoutingExample& q = queries[qi];
    auto judged = qrels.find(q.id);
    std::vector<std::vector<std::string>> rankings(kPaths);
    for (size_t j = 0; j < order.size(); ++j) {
      Path p = order[(qi + j) % order.size()];
      KECHAN_RETURN_IF_ERROR(run_path(q, p, rankings[p]));
    }
    const std::vector<std::string>& ranking = rankings[kTop100];
    const std::vector<std::string> top10(rankings[kTop10].begin(), rankings[kTop10].end());
    // The top-10 path must give the first 10 of the top-100 path (same ranking).
    const size_t shown = std::min<size_t>(10, ranking.size());
    if (top10.size() != shown || !std::equal(top10.begin(), top10.end(), ranking.begin())) {
      ++out.top10_mismatches;
    }
    if (options.compare_legacy) {
      for (Path p : {kTop10Legacy, kTop10FullDepth}) {
        if (rankings[p] != top10) {
          ++out.top10_mismatches;
        }
      }
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
    for (Path p : order) {
      paths[p].ndcg += NdcgAt(rankings[p], judged->second, 10);
    }
    mrr += MrrAt(ranking, judged->second, 10);
    r1 += RecallAt(ranking, judged->second, 1);
    r10 += RecallAt(ranking, judged->second, 10);
    r100 += RecallAt(ranking, judged->second, 100);
  }
  index.reset();
  if (!options.keep_index) {
    std::filesystem::remove_all(options.index_dir, ec);
  }
  auto fill = [&](Path p, PathLatency& l) {
    const PathStats& st = paths[p];
    const double qn = static_cast<double>(std::max<size_t>(1, st.latency.size()));
    l.p50_ms = Percentile(st.latency, 0.5);
    l.p99_ms = Percentile(st.latency, 0.99);
    l.ndcg10 = out.queries > 0 ? st.ndcg / static_cast<double>(out.queries) : 0;
    l.match_ms = st.match_ms / qn;
    l.cover_ms = st.cover_ms / qn;
    l.fetch_ms = st.fetch_ms / qn;
    l.rest_ms = st.rest_ms / qn;
    l.second_pass_share = static_cast<double>(st.second_passes) / qn;
    l.facet_ms = st.facet_ms / qn;
    l.plan_ms = st.plan_ms / qn;
    l.response_ms = st.response_ms / qn;
    l.common_share = static_cast<double>(st.common) / qn;
    l.common_proven_share = static_cast<double>(st.common_proven) / qn;
    l.common_fallback_share = static_cast<double>(st.common_fallback) / qn;
    l.inner_share = static_cast<double>(st.inner) / qn;
    l.pruned_share = static_cast<double>(st.pruned) / qn;
  };
  fill(kTop10, out.top10);
  fill(kTop100, out.top100);
  if (out.queries > 0) {
    double n = static_cast<double>(out.queries);
    out.ndcg10 = out.top100.ndcg10;
    out.mrr10 = mrr / n;
    out.recall1 = r1 / n;
    out.recall10 = r10 / n;
    out.recall100 = r100 / n;
  }
  if (options.compare_legacy) {
    out.compared = true;
    fill(kTop10Legacy, out.top10_legacy);
    fill(kTop10FullDepth, out.top10_full_depth);
    fill(kTop100Legacy, out.top100_legacy);
    out.legacy_ndcg10 = out.top100_legacy.ndcg10;
    out.legacy_latency_p50_ms = out.top10_legacy.p50_ms;
    out.legacy_latency_p99_ms = out.top10_legacy.p99_ms;
  }
  out.latency_p50_ms = out.top10.p50_ms;
  out.latency_p99_ms = out.top10.p99_ms;
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
  if (e.compared) {
    o += "," + Key("legacy_ndcg@10") + Fixed(e.legacy_ndcg10, 4);
    o += "," + Key("legacy_latency_p50_ms") + Fixed(e.legacy_latency_p50_ms, 3);
    o += "," + Key("legacy_latency_p99_ms") + Fixed(e.legacy_latency_p99_ms, 3);
  }
  // latency_* above is the API's top-10 path; the paths in detail (mean ms per phase).
  auto path = [&](std::string_view name, const PathLatency& l) {
    o += "," + Key(name) + "{" + Key("p50_ms") + Fixed(l.p50_ms, 3) + "," + Key("p99_ms") +
         Fixed(l.p99_ms, 3) + "," + Key("ndcg@10") + Fixed(l.ndcg10, 4) + "," + Key("match_ms") +
         Fixed(l.match_ms, 3) + "," + Key("cover_ms") + Fixed(l.cover_ms, 3) + "," +
         Key("fetch_ms") + Fixed(l.fetch_ms, 3) + "," + Key("rest_ms") + Fixed(l.rest_ms, 3) + "," +
         Key("second_pass_share") + Fixed(l.second_pass_share, 3) + "," + Key("facet_ms") +
         Fixed(l.facet_ms, 3) + "," + Key("common_share") + Fixed(l.common_share, 3) + "," +
         Key("common_proven_share") + Fixed(l.common_proven_share, 3) + "," +
         Key("common_fallback_share") + Fixed(l.common_fallback_share, 3) + "," +
         Key("inner_share") + Fixed(l.inner_share, 3) + "," + Key("pruned_share") +
         Fixed(l.pruned_share, 3) + "," + Key("plan_ms") + Fixed(l.plan_ms, 3) + "," +
         Key("response_ms") + Fixed(l.response_ms, 3) + "}";
  };
  o += "," + Key("latency_path") + "\"api top-10 (page_size 10, facets, snippets)\"";
  o += "," + Key("top10_mismatches") + std::to_string(e.top10_mismatches);
  path("top10", e.top10);
  path("top100", e.top100);
  if (e.compared) {
    path("top10_legacy", e.top10_legacy);
    path("top10_full_depth", e.top10_full_depth);
    path("top100_legacy", e.top100_legacy);
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
