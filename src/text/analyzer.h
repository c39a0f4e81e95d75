// text/analyzer: the one entry point the index and the query builder call: normalise, then
// segment. Owns a Normalizer and a Segmenter loaded from the Debian data files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "text/normalize.h"
#include "text/segmenter.h"

namespace kechan::text {

struct AnalyzerOptions {
  JiebaPaths jieba = JiebaPaths::Debian();
  NormalizerOptions normalizer;
};

// Thread-safe (see Normalizer and Segmenter). Load once per process.
class Analyzer {
 public:
  // Loads both parts; returns the first load error (they name the file and the package).
  static base::Result<std::unique_ptr<Analyzer>> Create(const AnalyzerOptions& options = {});

  // Returns the tokens of `text` after normalisation; offsets refer to the normalised text.
  // Returns InvalidArgument naming `field` for ill-formed UTF-8 or over-long input.
  base::Result<std::vector<Token>> Analyze(std::string_view text, std::string_view field) const;

  // Normalises `word` and adds it to the user dictionary. Returns InvalidArgument (field "word").
  base::Status AddUserWord(std::string_view word, uint64_t freq = 0);

  const Normalizer& normalizer() const { return *normalizer_; }
  const Segmenter& segmenter() const { return *segmenter_; }

 private:
  Analyzer(std::unique_ptr<Normalizer> n, std::unique_ptr<Segmenter> s)
      : normalizer_(std::move(n)), segmenter_(std::move(s)) {}
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<Segmenter> segmenter_;
};

}  // namespace kechan::text
