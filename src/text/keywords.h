// text/keywords: TF-IDF keyword extraction over segmented tokens, with jieba's idf.txt (Debian
// python3-jieba) and a small built-in Chinese + English stop-word list.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "text/segmenter.h"

namespace kechan::text {

struct Keyword {
  std::string word;
  double score = 0;  // tf * idf, tf = occurrences / counted tokens
};

struct KeywordOptions {
  // Added to the built-in stop words (which are listed in keywords.cc and
  // docs/decisions/0005-text.md); must be normalised.
  std::vector<std::string> extra_stop_words;
};

// Immutable after Load; thread-safe.
class KeywordExtractor {
 public:
  // Loads `idf_txt` ("word idf" per line). Returns FailedPrecondition naming the file and the
  // package python3-jieba when it is missing, InvalidArgument naming file:line when malformed.
  static base::Result<std::unique_ptr<KeywordExtractor>> Load(const std::string& idf_txt,
                                                              const KeywordOptions& options = {});
  ~KeywordExtractor();

  // Returns up to `k` keywords, best first (ties by word). Tokens that are stop words, a single
  // character or a plain number are not candidates; unknown words get the median IDF.
  std::vector<Keyword> Extract(const std::vector<Token>& tokens, size_t k) const;

  // Returns the IDF of `word`, the median IDF when unknown.
  double Idf(std::string_view word) const;
  double median_idf() const;
  bool IsStopWord(std::string_view word) const;

 private:
  struct Impl;
  explicit KeywordExtractor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kechan::text
