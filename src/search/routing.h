// search/routing: suggests the lead department (or the appeal type) for a new appeal text from
// past dispatched appeals, with a confidence, falling back to the dispatch catalogue (a seam the
// appeals module fills) when unsure. Three interchangeable models behind RoutingModel: k nearest
// neighbours by cosine similarity of TF-IDF vectors over our analysis (words + CJK bigrams), a
// fastText classifier over the same terms (adapter in search/fasttext/), and their ensemble.
#pragma once

#include <cstdint>
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
  double confidence = 0;  // the model's calibrated belief in its best label, 0..1
  bool unsure = false;    // confidence below the model's threshold
  std::string source;     // "knn", "fasttext", "ensemble", "catalogue" or "none"
  std::vector<std::pair<std::string, double>> scores;  // label -> share, best first
};

// A model's raw answer before the threshold and the fallback.
struct RoutingScores {
  std::vector<std::pair<std::string, double>> shares;  // label -> share (sum <= 1), best first
  double confidence = 0;                               // belief in shares[0], 0..1
};

// The dispatch catalogue's answer for a text (appeals module), or nullopt.
using CatalogueFallback = std::function<std::optional<std::string>(std::string_view text)>;

// Model kinds: "knn", "fasttext", "ensemble" (the mean of the two).
inline constexpr std::string_view kRoutingKnn = "knn";
inline constexpr std::string_view kRoutingFastText = "fasttext";
inline constexpr std::string_view kRoutingEnsemble = "ensemble";
// What the server and `kechan eval routing` use unless told otherwise (the best on the
// fixtures, docs/search.md).
inline constexpr std::string_view kDefaultRoutingModel = kRoutingEnsemble;
bool IsRoutingModelKind(std::string_view kind);
// DATA/routing/<label>.fasttext ("department" or "type"): the model `kechan train-routing`
// writes and the server loads at start.
std::string RoutingModelPath(std::string_view data_dir, std::string_view label);

// Thresholds: per model, the lowest at which the answers it is sure about were at least 85 %
// right on both labelled fixtures (docs/search.md, "Routing models"); fastText's softmax is
// overconfident, hence its high one.
struct RoutingOptions {
  int k = 10;                    // kNN neighbours
  double min_confidence = 0.45;  // kNN threshold
  // fastText (search/fasttext/): fixed seed and one thread, so training is deterministic.
  int ft_dim = 50;
  int ft_epoch = 60;
  double ft_lr = 0.5;
  int ft_word_ngrams = 1;
  int ft_seed = 7;
  double ft_min_confidence = 0.8;
  double ensemble_min_confidence = 0.5;
};

// A trained router. Implementations are immutable after training/loading and thread-safe.
class RoutingModel {
 public:
  virtual ~RoutingModel() = default;
  virtual std::string_view kind() const = 0;
  // Errors: the text's analysis errors naming "text".
  virtual base::Result<RoutingScores> Score(std::string_view text) const = 0;
  virtual std::vector<std::string> Labels() const = 0;
  virtual double min_confidence() const = 0;

  // Score, then the threshold: below it the suggestion is `unsure` and the catalogue's answer
  // (when it has one) replaces the label with source "catalogue".
  base::Result<RoutingSuggestion> Suggest(std::string_view text,
                                          const CatalogueFallback& fallback = {}) const;
};

// kNN over TF-IDF vectors. Immutable after Train; thread-safe.
class RoutingClassifier : public RoutingModel {
 public:
  // Errors: InvalidArgument naming "examples[i].text"/".label" (empty, bad UTF-8) or "examples"
  // when there are none.
  static base::Result<std::unique_ptr<RoutingClassifier>> Train(
      const TextAnalysis& analysis, const std::vector<RoutingExample>& examples,
      const RoutingOptions& options = {});

  std::string_view kind() const override { return kRoutingKnn; }
  // Shares: the neighbours' similarity votes; confidence: the winner's share, damped when even
  // the nearest example is far.
  base::Result<RoutingScores> Score(std::string_view text) const override;
  std::vector<std::string> Labels() const override;
  double min_confidence() const override { return options_.min_confidence; }

  size_t size() const { return labels_.size(); }

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

// The mean of two models' shares; confidence is the mean of each model's confidence scaled by
// how much of its own best share it gives the ensemble's winner. Thread-safe.
class EnsembleRouter : public RoutingModel {
 public:
  EnsembleRouter(std::shared_ptr<const RoutingModel> a, std::shared_ptr<const RoutingModel> b,
                 double min_confidence = RoutingOptions{}.ensemble_min_confidence)
      : a_(std::move(a)), b_(std::move(b)), min_confidence_(min_confidence) {}
  std::string_view kind() const override { return kRoutingEnsemble; }
  base::Result<RoutingScores> Score(std::string_view text) const override;
  std::vector<std::string> Labels() const override;
  double min_confidence() const override { return min_confidence_; }

 private:
  std::shared_ptr<const RoutingModel> a_;
  std::shared_ptr<const RoutingModel> b_;
  double min_confidence_;
};

// Trains a model of `kind` (IsRoutingModelKind). Errors: as RoutingClassifier::Train and
// FastTextRouter::Train; InvalidArgument naming "model" for an unknown kind.
base::Result<std::shared_ptr<const RoutingModel>> TrainRoutingModel(
    std::string_view kind, const TextAnalysis& analysis,
    const std::vector<RoutingExample>& examples, const RoutingOptions& options = {});

// Reads JSON lines {"_id","text","label"} (label optional when `need_label` is false).
// InvalidArgument naming "<file>:<line>".
base::Result<std::vector<RoutingExample>> ReadRoutingJsonl(std::string_view content,
                                                           std::string_view file_name,
                                                           bool need_label = true);

struct RoutingEval {
  std::string model;  // the kind evaluated
  int64_t examples = 0;
  int64_t queries = 0;
  double accuracy = 0;
  double macro_f1 = 0;
  double unsure_rate = 0;
  // Accuracy over the queries the model was sure about, and over the unsure ones (the
  // calibration check: the first should be clearly higher).
  double sure_accuracy = 0;
  double unsure_accuracy = 0;
  std::vector<std::pair<std::string, double>> f1_by_label;
};

// Predicts every query with `model` (no fallback) and scores against its label.
RoutingEval EvaluateRoutingModel(const RoutingModel& model,
                                 const std::vector<RoutingExample>& queries);

// Trains a kNN model on `examples`, predicts every query and scores against its label.
base::Result<RoutingEval> EvaluateRouting(const TextAnalysis& analysis,
                                          const std::vector<RoutingExample>& examples,
                                          const std::vector<RoutingExample>& queries,
                                          const RoutingOptions& options = {});

}  // namespace kechan::search
