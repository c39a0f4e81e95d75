#include "search/analysis.h"

#include <algorithm>
#include <string>

#include "base/utf8.h"
#include "text/english.h"

namespace kechan::search {
namespace {

// Single-character function words (linear search: the list is short).
constexpr std::string_view kStopChars[] = {
    "为", "也", "了", "于", "从", "以", "但", "其", "可", "和", "在", "对", "就", "并", "把",
    "是", "或", "按", "等", "而", "被", "及", "与", "的", "之", "着", "都", "由", "向", "将"};

bool IsStop(std::string_view w) {
  for (std::string_view s : kStopChars) {
    if (s == w) {
      return true;
    }
  }
  return false;
}

// Appends the bigrams of the Han run normalized[begin, end) (code points, not tokens).
void AddBigrams(const std::string& normalized, size_t begin, size_t end, std::vector<Term>& out) {
  std::vector<size_t> starts;
  size_t pos = begin;
  while (pos < end) {
    starts.push_back(pos);
    base::DecodeUtf8(normalized, &pos);
  }
  starts.push_back(end);
  for (size_t i = 0; i + 2 < starts.size(); ++i) {
    std::string_view bi(normalized.data() + starts[i], starts[i + 2] - starts[i]);
    Term t;
    // append, not operator+: GCC 12's -O3 -Wrestrict has a false positive on the latter.
    t.term.reserve(kBigramPrefix.size() + bi.size());
    t.term.append(kBigramPrefix);
    t.term.append(bi);
    t.surface = std::string(bi);
    t.kind = TermKind::kBigram;
    t.begin = static_cast<uint32_t>(starts[i]);
    t.end = static_cast<uint32_t>(starts[i + 2]);
    out.push_back(std::move(t));
  }
}

}  // namespace

bool IsChineseStopChar(std::string_view word) { return IsStop(word); }

base::Result<Analyzed> TextAnalysis::Analyze(std::string_view text, std::string_view field) const {
  Analyzed out;
  KECHAN_ASSIGN_OR_RETURN(out.normalized, analyzer_.normalizer().Normalize(text, field));
  std::vector<text::Token> tokens = analyzer_.segmenter().Cut(out.normalized);
  out.terms.reserve(tokens.size() * 2);
  size_t run_begin = 0;
  size_t run_end = 0;
  bool in_run = false;
  auto flush_run = [&] {
    if (in_run) {
      AddBigrams(out.normalized, run_begin, run_end, out.terms);
      in_run = false;
    }
  };
  for (const text::Token& tok : tokens) {
    size_t end = tok.begin + tok.text.size();
    Term t;
    t.surface = tok.text;
    t.begin = static_cast<uint32_t>(tok.begin);
    t.end = static_cast<uint32_t>(end);
    switch (tok.kind) {
      case text::TokenKind::kHan:
        if (in_run && run_end == tok.begin) {
          run_end = end;
        } else {
          flush_run();
          in_run = true;
          run_begin = tok.begin;
          run_end = end;
        }
        if (IsStop(tok.text)) {
          continue;
        }
        t.term = tok.text;
        t.kind = TermKind::kWord;
        break;
      case text::TokenKind::kWord:
        flush_run();
        if (text::IsEnglishStopWord(tok.text)) {
          continue;
        }
        t.term = text::StemEnglish(tok.text);
        t.kind = TermKind::kWord;
        break;
      case text::TokenKind::kNumber:
        flush_run();
        t.term = tok.text;
        t.kind = TermKind::kNumber;
        break;
    }
    // Xapian terms are at most 245 bytes; longer runs of letters are noise.
    if (t.term.size() > 120) {
      continue;
    }
    out.terms.push_back(std::move(t));
  }
  flush_run();
  // Keep text order: bigrams were appended after their run's words.
  std::stable_sort(out.terms.begin(), out.terms.end(),
                   [](const Term& a, const Term& b) { return a.begin < b.begin; });
  return out;
}

}  // namespace kechan::search
