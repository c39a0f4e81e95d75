// search/routing: suggests the lead department (or the appeal type) for a new appeal text from
// past dispatched appeals — k nearest neighbours by cosine similarity of TF-IDF vectors over our
// analysis (words + CJK bigrams) — with a confidence, falling back to the dispatch catalogue
// (a seam the appeals module fills) when unsure.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"
#include "search/analysis.h"

namespace kechan::search {

struct RoutingExample {
  std::string id;
  std::string text;
  std::string label;  // a department code ("市住建局") or an appeal type
};

struct RoutingSuggestion {
  std::string label;      // empty when unsure and the catalogue had nothing
  double confidence = 0;  // share of the neighbours' similarity voting for `label`, 0..1
  bool unsure = false;    // confidence below the threshold
  std::string source;     // "knn", "catalogue" or "none"
  std::vector<std::pair<std::string, double>> scores;  // label -> vote share, best first
};

// The dispatch catalogue's answer for a text (appeals module), or nullopt.
using CatalogueFallback = std::function<std::optional<std::string>(std::string_view text)>;

struct RoutingOptions {
  int k = 10;
  double min_confidence = 0.45;
};

// Immutable after Train/Load; thread-safe.
class RoutingClassifier {
 public:
  // Errors: InvalidArgument naming "examples[i].text"/".label" (empty, bad UTF-8) or "examples"
  // when there are none.
  static base::Result<std::unique_ptr<RoutingClassifier>> Train(
      const TextAnalysis& analysis, const std::vector<RoutingExample>& examples,
      const RoutingOptions& options = {});

  // Errors: the text's analysis errors naming "text".
  base::Result<RoutingSuggestion> Suggest(std::string_view text,
                                          const CatalogueFallback& fallback = {}) const;

  size_t size() const { return labels_.size(); }
  std::vector<std::string> Labels() const;

 private:
  RoutingClassifier(const TextAnalysis& analysis, RoutingOptions options)
      : analysis_(analysis), options_(options) {}
  base::Result<std::unordered_map<std::string, double>> Vector(std::string_view text,
                                                               std::string_view field,
                                                               bool count_df);

  const TextAnalysis& analysis_;
  RoutingOptions options_;
  std::vector<std::string> labels_;  // per example
  std::unordered_map<std::string, std::vector<std::pair<uint32_t, double>>> postings_;
  std::unordered_map<std::string, double> idf_;
};

// Reads JSON lines {"_id","text","label"} (label optional when `need_label` is false).
// InvalidArgument naming "<file>:<line>".
base::Result<std::vector<RoutingExample>> ReadRoutingJsonl(std::string_view content,
                                                           std::string_view file_name,
                                                           bool need_label = true);

struct RoutingEval {
  int64_t examples = 0;
  int64_t queries = 0;
  double accuracy = 0;
  double macro_f1 = 0;
  double unsure_rate = 0;
  std::vector<std::pair<std::string, double>> f1_by_label;
};

// Trains on `examples`, predicts every query and scores against its label.
base::Result<RoutingEval> EvaluateRouting(const TextAnalysis& analysis,
                                          const std::vector<RoutingExample>& examples,
                                          const std::vector<RoutingExample>& queries,
                                          const RoutingOptions& options = {});

}  // namespace kechan::search
