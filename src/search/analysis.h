// search/analysis: turns text into index terms with one analysis for documents and queries:
// text/'s normal form and jieba words in search-engine mode (the 2-3 character dictionary words
// inside longer words as well), Snowball-stemmed English without stop words, numbers,
// and CJK character bigrams over every run of Han characters (so a query still matches when the
// segmenter cut a phrase differently in the document). Offsets let snippets highlight matches.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"
#include "text/analyzer.h"

namespace kechan::search {

enum class TermKind {
  kWord,    // a jieba word ("芯片") or a stemmed English word ("network")
  kBigram,  // "B" + two adjacent Han characters ("B电池")
  kNumber,  // "2026", "3.5", "5g" stays a word
};

inline constexpr std::string_view kBigramPrefix = "B";

struct Term {
  std::string term;     // the index term
  std::string surface;  // the normalised text it came from ("networks", "电池")
  TermKind kind = TermKind::kWord;
  uint32_t begin = 0;  // byte offsets in Analyzed::normalized
  uint32_t end = 0;
};

struct Analyzed {
  std::string normalized;
  std::vector<Term> terms;  // in text order (a bigram follows the word it starts in)
};

// Index term -> summed weight of its occurrences.
using TermCounts = std::unordered_map<std::string, double>;
// Every occurrence of an index term with its weight, in text order (CollectTerms).
using TermOccurrences = std::vector<std::pair<std::string, double>>;

// Thread-safe (text::Analyzer is); holds a reference to the analyser, which must outlive it.
class TextAnalysis {
 public:
  explicit TextAnalysis(const text::Analyzer& analyzer) : analyzer_(analyzer) {}

  // Analyses `text`. Errors: text::Normalizer's (InvalidArgument naming `field` for ill-formed
  // UTF-8 or text over 1 MiB).
  base::Result<Analyzed> Analyze(std::string_view text, std::string_view field) const;

  // The indexing path: adds `weight` to counts[term] for every term Analyze would give (same
  // terms, same multiplicity) without building surfaces and offsets. Same errors as Analyze.
  base::Status CountTerms(std::string_view text, std::string_view field, double weight,
                          TermCounts& counts) const;
  // The same terms appended to `out` one occurrence at a time, (term, weight), in the order
  // CountTerms adds them: AnalyzeDocument sorts and sums them, which costs less than a hash map
  // per document. Same errors as Analyze.
  base::Status CollectTerms(std::string_view text, std::string_view field, double weight,
                            TermOccurrences& out) const;

  const text::Analyzer& analyzer() const { return analyzer_; }

 private:
  const text::Analyzer& analyzer_;
};

// True for the Chinese single-character function words the index drops (的, 了, 和, ...).
bool IsChineseStopChar(std::string_view word);

}  // namespace kechan::search
