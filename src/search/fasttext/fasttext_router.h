// search/fasttext: the fastText adapter — a RoutingModel backed by Debian's libfasttext (0.9.2),
// trained on our analysis terms (jieba words, CJK bigrams, stems), never on raw text, and saved
// in a checked file. fastText's own types stay inside fasttext_router.cc.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "search/analysis.h"
#include "search/routing.h"

namespace kechan::search {

// Immutable after Train/Load; thread-safe (prediction keeps its state on the stack).
class FastTextRouter : public RoutingModel {
 public:
  ~FastTextRouter() override;

  // Supervised fastText (softmax, RoutingOptions' ft_* settings, one thread, fixed seed: the same
  // examples give the same model bytes). Errors: InvalidArgument naming "examples" (none, or no
  // example with a term), "examples[i].label" (empty) or "examples[i].text" (bad UTF-8);
  // Internal when fastText fails.
  static base::Result<std::unique_ptr<FastTextRouter>> Train(
      const TextAnalysis& analysis, const std::vector<RoutingExample>& examples,
      const RoutingOptions& options = {});

  // The model file: a header ("KECHAN-ROUTING-FASTTEXT 1", payload size, FNV-1a 64 checksum)
  // then fastText's own model bytes. Written to a temporary file and renamed into place.
  // Errors: FailedPrecondition "routing.write_failed" naming the path.
  base::Status Save(const std::string& path) const;

  // Errors: NotFound "routing.model_missing"; FailedPrecondition "routing.model_corrupt" naming
  // the file (bad header, size or checksum, or fastText refuses the bytes).
  static base::Result<std::unique_ptr<FastTextRouter>> Load(const TextAnalysis& analysis,
                                                            const std::string& path,
                                                            const RoutingOptions& options = {});
  // Load's checks without an analyser (for server start-up).
  static base::Status Check(const std::string& path);

  std::string_view kind() const override { return kRoutingFastText; }
  // Shares: fastText's softmax probabilities; confidence: the best probability, damped when
  // few of the text's terms are in the model's vocabulary.
  base::Result<RoutingScores> Score(std::string_view text) const override;
  std::vector<std::string> Labels() const override;
  double min_confidence() const override { return min_confidence_; }

 private:
  struct Impl;
  FastTextRouter(const TextAnalysis& analysis, std::unique_ptr<Impl> impl, double min_confidence);

  const TextAnalysis& analysis_;
  std::unique_ptr<Impl> impl_;
  double min_confidence_;
};

}  // namespace kechan::search
