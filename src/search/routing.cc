#include "search/routing.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <set>

#include "search/fasttext/fasttext_router.h"

namespace kechan::search {
namespace json = boost::json;

bool IsRoutingModelKind(std::string_view kind) {
  return kind == kRoutingKnn || kind == kRoutingFastText || kind == kRoutingEnsemble;
}

std::string RoutingModelPath(std::string_view data_dir, std::string_view label) {
  return std::string(data_dir) + "/routing/" + std::string(label) + ".fasttext";
}

base::Result<RoutingSuggestion> RoutingModel::Suggest(std::string_view text,
                                                      const CatalogueFallback& fallback) const {
  KECHAN_ASSIGN_OR_RETURN(RoutingScores scores, Score(text));
  RoutingSuggestion out;
  out.scores = std::move(scores.shares);
  if (!out.scores.empty()) {
    out.label = out.scores[0].first;
    out.confidence = std::clamp(scores.confidence, 0.0, 1.0);
    out.source = std::string(kind());
  }
  out.unsure = out.scores.empty() || out.confidence < min_confidence();
  if (out.unsure && fallback) {
    if (auto c = fallback(text)) {
      out.label = *c;
      out.source = "catalogue";
      return out;
    }
  }
  if (out.scores.empty()) {
    out.source = "none";
  }
  return out;
}

base::Result<std::unordered_map<std::string, double>> RoutingClassifier::Vector(
    std::string_view text, std::string_view field, bool count_df) {
  KECHAN_ASSIGN_OR_RETURN(Analyzed a, analysis_.Analyze(text, field));
  std::unordered_map<std::string, double> tf;
  for (const Term& t : a.terms) {
    tf[t.term] += t.kind == TermKind::kBigram ? 0.5 : 1.0;
  }
  if (count_df) {
    for (const auto& [term, f] : tf) {
      idf_[term] += 1;
    }
  }
  return tf;
}

base::Result<std::unique_ptr<RoutingClassifier>> RoutingClassifier::Train(
    const TextAnalysis& analysis, const std::vector<RoutingExample>& examples,
    const RoutingOptions& options) {
  if (examples.empty()) {
    return base::InvalidArgument("examples", "routing.no_examples", "no training examples",
                                 "没有训练样本");
  }
  std::unique_ptr<RoutingClassifier> c(new RoutingClassifier(analysis, options));
  std::vector<std::unordered_map<std::string, double>> vectors;
  for (size_t i = 0; i < examples.size(); ++i) {
    const RoutingExample& e = examples[i];
    std::string field = "examples[" + std::to_string(i) + "]";
    if (e.label.empty()) {
      return base::InvalidArgument(field + ".label", "routing.no_label", "example has no label",
                                   "样本缺少标签");
    }
    KECHAN_ASSIGN_OR_RETURN(auto v, c->Vector(e.text, field + ".text", true));
    vectors.push_back(std::move(v));
    c->labels_.push_back(e.label);
  }
  double n = static_cast<double>(examples.size());
  for (auto& [term, df] : c->idf_) {
    df = std::log((n + 1) / (df + 0.5));
  }
  for (uint32_t i = 0; i < vectors.size(); ++i) {
    double norm = 0;
    for (auto& [term, f] : vectors[i]) {
      f = (1 + std::log(f)) * c->idf_[term];
      norm += f * f;
    }
    norm = std::sqrt(norm);
    if (norm == 0) {
      continue;
    }
    for (const auto& [term, f] : vectors[i]) {
      c->postings_[term].emplace_back(i, f / norm);
    }
  }
  return c;
}

std::vector<std::string> RoutingClassifier::Labels() const {
  std::set<std::string> s(labels_.begin(), labels_.end());
  return {s.begin(), s.end()};
}

base::Result<RoutingScores> RoutingClassifier::Score(std::string_view text) const {
  KECHAN_ASSIGN_OR_RETURN(Analyzed a, analysis_.Analyze(text, "text"));
  std::unordered_map<std::string, double> tf;
  for (const Term& t : a.terms) {
    tf[t.term] += t.kind == TermKind::kBigram ? 0.5 : 1.0;
  }
  double norm = 0;
  std::vector<std::pair<const std::vector<std::pair<uint32_t, double>>*, double>> q;
  for (auto& [term, f] : tf) {
    auto idf = idf_.find(term);
    auto post = postings_.find(term);
    if (idf == idf_.end() || post == postings_.end()) {
      continue;
    }
    double w = (1 + std::log(f)) * idf->second;
    norm += w * w;
    q.emplace_back(&post->second, w);
  }
  std::unordered_map<uint32_t, double> sim;
  for (const auto& [post, w] : q) {
    for (const auto& [doc, dw] : *post) {
      sim[doc] += w * dw;
    }
  }
  std::vector<std::pair<double, uint32_t>> ranked;
  ranked.reserve(sim.size());
  for (const auto& [doc, s] : sim) {
    ranked.emplace_back(s, doc);
  }
  size_t k = std::min(ranked.size(), static_cast<size_t>(std::max(1, options_.k)));
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k), ranked.end(),
                    [](const auto& x, const auto& y) {
                      return x.first != y.first ? x.first > y.first : x.second < y.second;
                    });
  std::map<std::string, double> votes;
  double total = 0;
  for (size_t i = 0; i < k; ++i) {
    votes[labels_[ranked[i].second]] += ranked[i].first;
    total += ranked[i].first;
  }
  RoutingScores out;
  for (const auto& [label, v] : votes) {
    out.shares.emplace_back(label, total > 0 ? v / total : 0);
  }
  std::sort(out.shares.begin(), out.shares.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  if (!out.shares.empty()) {
    // Confidence: the winner's vote share, damped when even the nearest example is far.
    double nearest = k > 0 && norm > 0 ? ranked[0].first / std::sqrt(norm) : 0;
    out.confidence = out.shares[0].second * std::min(1.0, 0.5 + nearest);
  }
  return out;
}

base::Result<RoutingScores> EnsembleRouter::Score(std::string_view text) const {
  KECHAN_ASSIGN_OR_RETURN(RoutingScores a, a_->Score(text));
  KECHAN_ASSIGN_OR_RETURN(RoutingScores b, b_->Score(text));
  std::map<std::string, double> mean;
  for (const RoutingScores* s : {&a, &b}) {
    for (const auto& [label, share] : s->shares) {
      mean[label] += share / 2;
    }
  }
  RoutingScores out;
  out.shares.assign(mean.begin(), mean.end());
  std::sort(out.shares.begin(), out.shares.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  if (out.shares.empty()) {
    return out;
  }
  const std::string& winner = out.shares[0].first;
  // Each model's confidence, scaled by the share of its own best that it gives the winner.
  auto part = [&winner](const RoutingScores& s) {
    if (s.shares.empty() || s.shares[0].second <= 0) {
      return 0.0;
    }
    for (const auto& [label, share] : s.shares) {
      if (label == winner) {
        return s.confidence * share / s.shares[0].second;
      }
    }
    return 0.0;
  };
  out.confidence = (part(a) + part(b)) / 2;
  return out;
}

std::vector<std::string> EnsembleRouter::Labels() const {
  std::set<std::string> s;
  for (const auto* m : {a_.get(), b_.get()}) {
    for (auto& l : m->Labels()) {
      s.insert(std::move(l));
    }
  }
  return {s.begin(), s.end()};
}

base::Result<std::shared_ptr<const RoutingModel>> TrainRoutingModel(
    std::string_view kind, const TextAnalysis& analysis,
    const std::vector<RoutingExample>& examples, const RoutingOptions& options) {
  if (kind == kRoutingKnn) {
    KECHAN_ASSIGN_OR_RETURN(auto m, RoutingClassifier::Train(analysis, examples, options));
    return std::shared_ptr<const RoutingModel>(std::move(m));
  }
  if (kind == kRoutingFastText) {
    KECHAN_ASSIGN_OR_RETURN(auto m, FastTextRouter::Train(analysis, examples, options));
    return std::shared_ptr<const RoutingModel>(std::move(m));
  }
  if (kind == kRoutingEnsemble) {
    KECHAN_ASSIGN_OR_RETURN(auto knn, RoutingClassifier::Train(analysis, examples, options));
    KECHAN_ASSIGN_OR_RETURN(auto ft, FastTextRouter::Train(analysis, examples, options));
    return std::shared_ptr<const RoutingModel>(std::make_shared<EnsembleRouter>(
        std::move(knn), std::move(ft), options.ensemble_min_confidence));
  }
  return base::InvalidArgument(
      "model", "routing.unknown_model",
      "unknown routing model " + std::string(kind) + " (knn, fasttext or ensemble)",
      "未知的分派模型 " + std::string(kind) + "（knn、fasttext 或 ensemble）");
}

base::Result<std::vector<RoutingExample>> ReadRoutingJsonl(std::string_view content,
                                                           std::string_view file_name,
                                                           bool need_label) {
  std::vector<RoutingExample> out;
  size_t start = 0;
  int line_no = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) {
      end = content.size();
    }
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    std::string where = std::string(file_name) + ":" + std::to_string(line_no);
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) {
      return base::InvalidArgument(where, "eval.bad_json", where + ": not a JSON object",
                                   where + "：不是 JSON 对象");
    }
    const json::object& o = v.as_object();
    RoutingExample e;
    const json::value* id = o.if_contains("_id");
    const json::value* text = o.if_contains("text");
    const json::value* label = o.if_contains("label");
    if (id == nullptr || text == nullptr || !text->is_string() ||
        (need_label && (label == nullptr || !label->is_string()))) {
      return base::InvalidArgument(
          where, "eval.missing_field",
          where + ": needs \"_id\", \"text\"" + (need_label ? " and \"label\"" : ""),
          where + "：缺少 _id、text 或 label");
    }
    e.id = id->is_string() ? std::string(id->as_string()) : json::serialize(*id);
    e.text = std::string(text->as_string());
    if (label != nullptr && label->is_string()) {
      e.label = std::string(label->as_string());
    }
    out.push_back(std::move(e));
  }
  return out;
}

RoutingEval EvaluateRoutingModel(const RoutingModel& model,
                                 const std::vector<RoutingExample>& queries) {
  RoutingEval out;
  out.model = std::string(model.kind());
  out.queries = static_cast<int64_t>(queries.size());
  std::map<std::string, int64_t> tp, fp, fn;
  std::set<std::string> labels;
  int64_t correct = 0;
  int64_t unsure = 0;
  int64_t unsure_correct = 0;
  for (const RoutingExample& q : queries) {
    auto s = model.Suggest(q.text);
    std::string predicted = s.ok() ? s->label : "";
    bool is_unsure = !s.ok() || s->unsure;
    unsure += is_unsure ? 1 : 0;
    labels.insert(q.label);
    if (!predicted.empty()) {
      labels.insert(predicted);
    }
    if (predicted == q.label) {
      ++correct;
      unsure_correct += is_unsure ? 1 : 0;
      ++tp[q.label];
    } else {
      ++fn[q.label];
      if (!predicted.empty()) {
        ++fp[predicted];
      }
    }
  }
  double f1_sum = 0;
  for (const auto& l : labels) {
    double p =
        tp[l] + fp[l] > 0 ? static_cast<double>(tp[l]) / static_cast<double>(tp[l] + fp[l]) : 0;
    double r =
        tp[l] + fn[l] > 0 ? static_cast<double>(tp[l]) / static_cast<double>(tp[l] + fn[l]) : 0;
    double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
    out.f1_by_label.emplace_back(l, f1);
    f1_sum += f1;
  }
  if (!queries.empty()) {
    auto n = static_cast<double>(queries.size());
    out.accuracy = static_cast<double>(correct) / n;
    out.unsure_rate = static_cast<double>(unsure) / n;
    int64_t sure = out.queries - unsure;
    out.sure_accuracy =
        sure > 0 ? static_cast<double>(correct - unsure_correct) / static_cast<double>(sure) : 0;
    out.unsure_accuracy =
        unsure > 0 ? static_cast<double>(unsure_correct) / static_cast<double>(unsure) : 0;
  }
  out.macro_f1 = labels.empty() ? 0 : f1_sum / static_cast<double>(labels.size());
  return out;
}

base::Result<RoutingEval> EvaluateRouting(const TextAnalysis& analysis,
                                          const std::vector<RoutingExample>& examples,
                                          const std::vector<RoutingExample>& queries,
                                          const RoutingOptions& options) {
  KECHAN_ASSIGN_OR_RETURN(auto clf, RoutingClassifier::Train(analysis, examples, options));
  RoutingEval out = EvaluateRoutingModel(*clf, queries);
  out.examples = static_cast<int64_t>(examples.size());
  return out;
}

}  // namespace kechan::search
