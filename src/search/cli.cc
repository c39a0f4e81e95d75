#include "search/cli.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "base/cli_args.h"
#include "http/json_body.h"
#include "search/eval.h"
#include "search/fasttext/fasttext_router.h"
#include "search/routes.h"
#include "search/routing.h"

namespace kechan::search {
namespace {

namespace json = boost::json;
using base::ParseArgs;
using base::ReportError;

const char* kReindexHelp =
    "usage: kechan reindex [--quiet] [--data DIR | --db URL] [--config FILE]\n"
    "Rebuilds the search index from the event log (progress on stderr).\n"
    "从事件日志重建检索索引（进度输出到标准错误）。\n";
const char* kMatchHelp =
    "usage: kechan match --type TYPE --id ID --target TYPE [--k 20] [--json] [--data DIR]\n"
    "Ranks candidates of the target type for one indexed entity, with explanations.\n"
    "为一个已索引实体匹配目标类型的候选，并给出匹配理由。\n";
const char* kEvalHelp =
    "usage: kechan eval retrieval --corpus corpus.jsonl --queries queries.jsonl --qrels qrels.tsv\n"
    "                             [--threads 2] [--run run.tsv] [--json]\n"
    "                             [--index DIR [--reuse]] [--compare-legacy]\n"
    "                             [--first-pass N] [--bonus TENTHS [--merge-bigrams]]\n"
    "                             [--common-share PERCENT] [--common-min-docs N]\n"
    "                             [--common-exact] [--rerank-depth N] [--facet-sample N]\n"
    "                             [--defer-inner LEVEL] [--defer-min-docs N]\n"
    "                             [--xapian-matcher]\n"
    "       kechan eval routing --examples ex.jsonl --queries q.jsonl\n"
    "                           [--model knn|fasttext|ensemble|all] [--k 10] [--json]\n"
    "corpus lines {\"_id\",\"title\",\"text\"}; queries {\"_id\",\"text\"}; qrels TSV with header\n"
    "query-id corpus-id score; routing lines {\"_id\",\"text\",\"label\"}. Prints JSON.\n"
    "--run writes the ranking (query-id TAB corpus-id TAB rank, top 100) for outside scoring.\n"
    "--index keeps the index in DIR; --reuse uses the one there when it holds as many documents\n"
    "as the corpus; --compare-legacy also times the previous rerank in the same run.\n"
    "--first-pass N: two-pass top-k (same ranking). --bonus TENTHS (experiment, changes the\n"
    "ranking): a coverage bonus of TENTHS/10 per matched term instead of the coordination rerank.\n"
    "--common-share PERCENT / --common-min-docs N: terms in more than PERCENT% and N of the\n"
    "documents stay out of the matcher (0 = off; defaults 5% and 10000); --common-exact runs\n"
    "the whole query when the page is not proven the same. --rerank-depth N (experiment).\n"
    "--facet-sample N: matches counted for the top-10 path's facets (default 1000).\n"
    "--defer-inner LEVEL: terms inside a query word stay out of the matcher (1 = bigrams,\n"
    "2 = also shorter words, the default; 0 = off) when in more than --defer-min-docs N\n"
    "documents (default 10000). --xapian-matcher: Xapian's Enquire ranks instead of kechan's\n"
    "MaxScore matcher (same ranking; for comparisons).\n"
    "检索评测输出 nDCG@10、MRR@10、Recall@1/10/100、延迟；分派评测输出准确率与宏 F1。\n";
const char* kTrainHelp =
    "usage: kechan train-routing (--data DIR | --db URL) [--label department|type]\n"
    "                            [--model fasttext|knn] [--out FILE]\n"
    "       kechan train-routing --examples ex.jsonl --out FILE [--model fasttext|knn]\n"
    "Trains the appeal router on past dispatched appeals (the appeals store: text -> lead\n"
    "department, or -> appeal type) or on labelled lines {\"_id\",\"text\",\"label\"}. fastText\n"
    "(default) writes DATA/routing/<label>.fasttext, which the server loads at start; knn writes\n"
    "the checked examples as JSON lines. Deterministic (fixed seed, one thread).\n"
    "用已分派诉求（或标注样本）训练分派模型；服务启动时载入 DATA/routing/<label>.fasttext。\n";

base::Result<std::string> ReadFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return base::InvalidArgument(flag, "cli.file_not_found", "cannot read " + path,
                                 "无法读取文件 " + path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

base::Result<std::string> Required(const base::ParsedArgs& p, const std::string& flag) {
  auto it = p.flags.find(flag);
  if (it == p.flags.end() || it->second.empty()) {
    return base::InvalidArgument("--" + flag, "cli.missing_flag", "--" + flag + " is required",
                                 "缺少 --" + flag);
  }
  return it->second;
}

base::Result<int64_t> IntFlag(const base::ParsedArgs& p, const std::string& flag, int64_t def,
                              int64_t lo, int64_t hi) {
  auto it = p.flags.find(flag);
  if (it == p.flags.end()) {
    return def;
  }
  try {
    size_t used = 0;
    int64_t v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= lo && v <= hi) {
      return v;
    }
  } catch (...) {
  }
  return base::InvalidArgument(
      "--" + flag, "cli.bad_number",
      "--" + flag + " must be a whole number " + std::to_string(lo) + "-" + std::to_string(hi),
      "--" + flag + " 须为 " + std::to_string(lo) + " 至 " + std::to_string(hi) + " 的整数");
}

base::Result<std::unique_ptr<text::Analyzer>> LoadAnalyzer() { return text::Analyzer::Create(); }

std::string TempIndexDir() {
  return (std::filesystem::temp_directory_path() / ("kechan-eval-" + std::to_string(::getpid())))
      .string();
}

int EvalRetrieval(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto p = ParseArgs(
      args,
      {"corpus", "queries", "qrels", "threads", "run", "index", "first-pass", "bonus",
       "common-share", "common-min-docs", "rerank-depth", "facet-sample", "defer-inner",
       "defer-min-docs"},
      {"json", "reuse", "compare-legacy", "merge-bigrams", "common-exact", "xapian-matcher"});
  if (!p.ok()) {
    return ReportError(p.status(), err);
  }
  if (p->help) {
    out << kEvalHelp;
    return base::kExitOk;
  }
  auto run = [&]() -> base::Result<std::string> {
    KECHAN_ASSIGN_OR_RETURN(std::string corpus_path, Required(*p, "corpus"));
    KECHAN_ASSIGN_OR_RETURN(std::string queries_path, Required(*p, "queries"));
    KECHAN_ASSIGN_OR_RETURN(std::string qrels_path, Required(*p, "qrels"));
    KECHAN_ASSIGN_OR_RETURN(int64_t threads, IntFlag(*p, "threads", 2, 1, 64));
    KECHAN_ASSIGN_OR_RETURN(int64_t first_pass, IntFlag(*p, "first-pass", 0, 0, 100));
    KECHAN_ASSIGN_OR_RETURN(int64_t bonus_tenths, IntFlag(*p, "bonus", -1, -1, 100));
    KECHAN_ASSIGN_OR_RETURN(int64_t common_percent, IntFlag(*p, "common-share", -1, 0, 100));
    KECHAN_ASSIGN_OR_RETURN(int64_t common_min_docs,
                            IntFlag(*p, "common-min-docs", -1, 0, 1000000000));
    KECHAN_ASSIGN_OR_RETURN(int64_t rerank_depth, IntFlag(*p, "rerank-depth", 0, 1, 1000));
    KECHAN_ASSIGN_OR_RETURN(int64_t facet_sample, IntFlag(*p, "facet-sample", 0, 1, 100000));
    KECHAN_ASSIGN_OR_RETURN(int64_t defer_inner, IntFlag(*p, "defer-inner", -1, 0, 2));
    KECHAN_ASSIGN_OR_RETURN(int64_t defer_min_docs,
                            IntFlag(*p, "defer-min-docs", -1, 0, 1000000000));
    KECHAN_ASSIGN_OR_RETURN(std::string corpus_text, ReadFile(corpus_path, "--corpus"));
    KECHAN_ASSIGN_OR_RETURN(std::string queries_text, ReadFile(queries_path, "--queries"));
    KECHAN_ASSIGN_OR_RETURN(std::string qrels_text, ReadFile(qrels_path, "--qrels"));
    KECHAN_ASSIGN_OR_RETURN(auto corpus, ReadCorpusJsonl(corpus_text, corpus_path));
    KECHAN_ASSIGN_OR_RETURN(auto queries, ReadRoutingJsonl(queries_text, queries_path, false));
    KECHAN_ASSIGN_OR_RETURN(auto qrels, ReadQrelsTsv(qrels_text, qrels_path));
    KECHAN_ASSIGN_OR_RETURN(auto analyzer, LoadAnalyzer());
    TextAnalysis analysis(*analyzer);
    KECHAN_ASSIGN_OR_RETURN(
        RetrievalEval e,
        EvaluateRetrieval(
            analysis, corpus, queries, qrels,
            {.index_dir = p->flags.count("index") ? p->flags.at("index") : TempIndexDir(),
             .keep_index = p->flags.count("index") > 0,
             .reuse_index = p->switches.count("reuse") > 0,
             .compare_legacy = p->switches.count("compare-legacy") > 0,
             .first_pass_depth = static_cast<size_t>(first_pass),
             .coverage_bonus = bonus_tenths < 0 ? -1.0 : static_cast<double>(bonus_tenths) / 10,
             .merge_bigrams = p->switches.count("merge-bigrams") > 0,
             .common_term_share =
                 common_percent < 0 ? -1.0 : static_cast<double>(common_percent) / 100,
             .common_term_min_docs = common_min_docs,
             .common_terms_exact = p->switches.count("common-exact") > 0,
             .rerank_depth = static_cast<size_t>(rerank_depth),
             .xapian_matcher = p->switches.count("xapian-matcher") > 0,
             .defer_inner_terms = static_cast<int>(defer_inner),
             .defer_inner_min_docs = defer_min_docs,
             .facet_sample = static_cast<size_t>(facet_sample),
             .threads = static_cast<int>(threads),
             .run_path = p->flags.count("run") ? p->flags.at("run") : ""}));
    return RetrievalEvalJson(e);
  };
  auto r = run();
  if (!r.ok()) {
    return ReportError(r.status(), err);
  }
  out << *r << "\n";
  return base::kExitOk;
}

int EvalRouting(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto p = ParseArgs(args, {"examples", "queries", "k", "model"}, {"json"});
  if (!p.ok()) {
    return ReportError(p.status(), err);
  }
  if (p->help) {
    out << kEvalHelp;
    return base::kExitOk;
  }
  auto run = [&]() -> base::Result<std::string> {
    KECHAN_ASSIGN_OR_RETURN(std::string ex_path, Required(*p, "examples"));
    KECHAN_ASSIGN_OR_RETURN(std::string q_path, Required(*p, "queries"));
    KECHAN_ASSIGN_OR_RETURN(int64_t k, IntFlag(*p, "k", 10, 1, 200));
    std::string model =
        p->flags.count("model") ? p->flags.at("model") : std::string(kDefaultRoutingModel);
    if (model != "all" && !IsRoutingModelKind(model)) {
      return base::InvalidArgument("--model", "routing.unknown_model",
                                   "--model must be knn, fasttext, ensemble or all",
                                   "--model 须为 knn、fasttext、ensemble 或 all");
    }
    KECHAN_ASSIGN_OR_RETURN(std::string ex_text, ReadFile(ex_path, "--examples"));
    KECHAN_ASSIGN_OR_RETURN(std::string q_text, ReadFile(q_path, "--queries"));
    KECHAN_ASSIGN_OR_RETURN(auto examples, ReadRoutingJsonl(ex_text, ex_path, true));
    KECHAN_ASSIGN_OR_RETURN(auto queries, ReadRoutingJsonl(q_text, q_path, true));
    KECHAN_ASSIGN_OR_RETURN(auto analyzer, LoadAnalyzer());
    TextAnalysis analysis(*analyzer);
    RoutingOptions options{.k = static_cast<int>(k)};
    if (model != "all") {
      KECHAN_ASSIGN_OR_RETURN(auto m, TrainRoutingModel(model, analysis, examples, options));
      RoutingEval e = EvaluateRoutingModel(*m, queries);
      e.examples = static_cast<int64_t>(examples.size());
      return RoutingEvalJson(e);
    }
    // All three from one training of each base model.
    KECHAN_ASSIGN_OR_RETURN(auto knn, TrainRoutingModel(kRoutingKnn, analysis, examples, options));
    KECHAN_ASSIGN_OR_RETURN(auto ft,
                            TrainRoutingModel(kRoutingFastText, analysis, examples, options));
    EnsembleRouter ensemble(knn, ft, options.ensemble_min_confidence);
    std::string o = "{\"examples\":" + std::to_string(examples.size()) +
                    ",\"queries\":" + std::to_string(queries.size()) + ",\"models\":[";
    const RoutingModel* models[] = {knn.get(), ft.get(), &ensemble};
    for (size_t i = 0; i < 3; ++i) {
      RoutingEval e = EvaluateRoutingModel(*models[i], queries);
      e.examples = static_cast<int64_t>(examples.size());
      o += (i ? "," : "") + RoutingEvalJson(e);
    }
    return o + "]}";
  };
  auto r = run();
  if (!r.ok()) {
    return ReportError(r.status(), err);
  }
  out << *r << "\n";
  return base::kExitOk;
}

void ProgressBar(std::ostream& err, int64_t done, int64_t total) {
  constexpr int kWidth = 30;
  double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  frac = std::min(1.0, std::max(0.0, frac));
  int filled = static_cast<int>(frac * kWidth);
  err << "\r[" << std::string(static_cast<size_t>(filled), '#')
      << std::string(static_cast<size_t>(kWidth - filled), ' ') << "] "
      << static_cast<int>(frac * 100) << "% " << done << "/" << total << " events" << std::flush;
}

}  // namespace

int RunReindexCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                      const SearchOpener& open) {
  auto p = ParseArgs(args, {}, {"quiet"}, base::UnknownFlags::kPassThrough);
  if (!p.ok()) {
    return ReportError(p.status(), err);
  }
  if (p->help) {
    out << kReindexHelp;
    return base::kExitOk;
  }
  if (!p->positional.empty()) {
    err << kReindexHelp;
    return base::kExitUsage;
  }
  auto service = open(p->passthrough);
  if (!service.ok()) {
    return ReportError(service.status(), err);
  }
  bool quiet = p->switches.count("quiet") > 0;
  base::Status s = (*service)->Rebuild([&](int64_t done, int64_t head) {
    if (!quiet) {
      ProgressBar(err, done, head);
    }
  });
  if (!quiet) {
    err << "\n";
  }
  if (!s.ok()) {
    return ReportError(s, err);
  }
  auto st = (*service)->State();
  if (!st.ok()) {
    return ReportError(st.status(), err);
  }
  out << http::ToJson(json::object{
             {"documents", st->documents}, {"last_seq", st->last_seq}, {"head", st->head}})
      << "\n";
  return base::kExitOk;
}

int RunMatchCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                    const SearchOpener& open) {
  auto p =
      ParseArgs(args, {"type", "id", "target", "k"}, {"json"}, base::UnknownFlags::kPassThrough);
  if (!p.ok()) {
    return ReportError(p.status(), err);
  }
  if (p->help) {
    out << kMatchHelp;
    return base::kExitOk;
  }
  MatchRequest m;
  auto prepare = [&]() -> base::Status {
    KECHAN_ASSIGN_OR_RETURN(m.type, Required(*p, "type"));
    KECHAN_ASSIGN_OR_RETURN(m.id, Required(*p, "id"));
    KECHAN_ASSIGN_OR_RETURN(m.target_type, Required(*p, "target"));
    KECHAN_ASSIGN_OR_RETURN(m.k, IntFlag(*p, "k", 20, 1, 100));
    if (!IsDocumentType(m.type)) {
      return base::InvalidArgument("--type", "search.unknown_type", "unknown type " + m.type,
                                   "未知类型 " + m.type);
    }
    if (!IsDocumentType(m.target_type)) {
      return base::InvalidArgument("--target", "search.unknown_type",
                                   "unknown type " + m.target_type, "未知类型 " + m.target_type);
    }
    return base::Status::Ok();
  };
  if (base::Status s = prepare(); !s.ok()) {
    return ReportError(s, err);
  }
  auto service = open(p->passthrough);
  if (!service.ok()) {
    return ReportError(service.status(), err);
  }
  auto r = (*service)->Match(m);
  if (!r.ok()) {
    return ReportError(r.status(), err);
  }
  if (p->switches.count("json")) {
    out << MatchJson(m, *r) << "\n";
    return base::kExitOk;
  }
  for (const MatchCandidate& c : *r) {
    out << c.doc.type << ":" << c.doc.id << "\t" << c.score << "\t" << c.doc.title << "\n";
    for (const ScorePart& part : c.parts) {
      out << "    " << part.name << " " << part.value << "  " << part.reason_en << "\n";
    }
  }
  return base::kExitOk;
}

int RunEvalCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << kEvalHelp;
    return args.empty() ? base::kExitUsage : base::kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "retrieval") {
    return EvalRetrieval(rest, out, err);
  }
  if (args[0] == "routing") {
    return EvalRouting(rest, out, err);
  }
  err << "error: unknown eval '" << args[0] << "'\n错误：未知的评测 '" << args[0] << "'\n\n"
      << kEvalHelp;
  return base::kExitUsage;
}

int RunTrainRoutingCommand(const std::vector<std::string>& args, std::ostream& out,
                           std::ostream& err, const RoutingExamplesOpener& open) {
  auto p =
      ParseArgs(args, {"examples", "out", "model", "label"}, {}, base::UnknownFlags::kPassThrough);
  if (!p.ok()) {
    return ReportError(p.status(), err);
  }
  if (p->help) {
    out << kTrainHelp;
    return base::kExitOk;
  }
  if (!p->positional.empty()) {
    err << kTrainHelp;
    return base::kExitUsage;
  }
  auto run = [&]() -> base::Result<std::string> {
    std::string model = p->flags.count("model") ? p->flags.at("model") : "fasttext";
    if (model != kRoutingFastText && model != kRoutingKnn) {
      return base::InvalidArgument("--model", "routing.unknown_model",
                                   "--model must be fasttext or knn",
                                   "--model 须为 fasttext 或 knn");
    }
    std::string label = p->flags.count("label") ? p->flags.at("label") : "department";
    if (label != "department" && label != "type") {
      return base::InvalidArgument("--label", "routing.unknown_label",
                                   "--label must be department or type",
                                   "--label 须为 department 或 type");
    }
    std::vector<RoutingExample> examples;
    std::string out_path = p->flags.count("out") ? p->flags.at("out") : "";
    std::string source;
    if (p->flags.count("examples")) {
      if (!p->passthrough.empty()) {
        return base::InvalidArgument(p->passthrough[0], "cli.conflicting_flags",
                                     "--examples cannot be combined with database flags",
                                     "--examples 不能与数据库参数同时使用");
      }
      KECHAN_ASSIGN_OR_RETURN(std::string ex_path, Required(*p, "examples"));
      KECHAN_ASSIGN_OR_RETURN(out_path, Required(*p, "out"));
      KECHAN_ASSIGN_OR_RETURN(std::string ex_text, ReadFile(ex_path, "--examples"));
      KECHAN_ASSIGN_OR_RETURN(examples, ReadRoutingJsonl(ex_text, ex_path, true));
      source = ex_path;
    } else {
      if (!open || p->passthrough.empty()) {
        return base::InvalidArgument("--data", "cli.missing_flag",
                                     "give --data DIR (or --db URL) or --examples FILE",
                                     "请指定 --data DIR（或 --db URL）或 --examples 文件");
      }
      KECHAN_ASSIGN_OR_RETURN(RoutingTrainingSet set, open(p->passthrough));
      examples = label == "type" ? std::move(set.type) : std::move(set.department);
      if (out_path.empty()) {
        if (set.data_dir.empty()) {
          return base::InvalidArgument("--out", "cli.missing_flag",
                                       "--out is required without a data directory",
                                       "没有数据目录时须指定 --out");
        }
        if (model == kRoutingKnn) {
          return base::InvalidArgument("--out", "cli.missing_flag",
                                       "--out is required for --model knn",
                                       "--model knn 须指定 --out");
        }
        std::error_code ec;
        std::filesystem::create_directories(set.data_dir + "/routing", ec);
        out_path = RoutingModelPath(set.data_dir, label);
      }
      source = "appeals";
      if (examples.empty()) {
        return base::FailedPrecondition("routing.no_examples",
                                        "no dispatched appeals with a " + label + " to learn from",
                                        "没有可供学习的已分派诉求", "--data");
      }
    }
    KECHAN_ASSIGN_OR_RETURN(auto analyzer, LoadAnalyzer());
    TextAnalysis analysis(*analyzer);
    std::vector<std::string> labels;
    if (model == kRoutingFastText) {
      KECHAN_ASSIGN_OR_RETURN(auto ft, FastTextRouter::Train(analysis, examples));
      KECHAN_RETURN_IF_ERROR(ft->Save(out_path));
      labels = ft->Labels();
    } else {
      KECHAN_ASSIGN_OR_RETURN(auto clf, RoutingClassifier::Train(analysis, examples));
      std::ofstream f(out_path, std::ios::binary | std::ios::trunc);
      for (const RoutingExample& e : examples) {
        f << json::serialize(json::object{{"_id", e.id}, {"text", e.text}, {"label", e.label}})
          << "\n";
      }
      f.close();
      if (!f) {
        return base::InvalidArgument("--out", "cli.write_failed", "cannot write " + out_path,
                                     "无法写入 " + out_path);
      }
      labels = clf->Labels();
    }
    json::array label_array;
    for (const auto& l : labels) {
      label_array.emplace_back(l);
    }
    return http::ToJson(json::object{{"model", model},
                                     {"label", label},
                                     {"source", source},
                                     {"examples", static_cast<int64_t>(examples.size())},
                                     {"labels", std::move(label_array)},
                                     {"out", out_path}});
  };
  auto r = run();
  if (!r.ok()) {
    return ReportError(r.status(), err);
  }
  out << *r << "\n";
  return base::kExitOk;
}

}  // namespace kechan::search
