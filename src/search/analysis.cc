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

// Calls emit(term, kind, begin, end) for every bigram of the Han run normalized[begin, end)
// (code points, not tokens).
template <typename Emit>
void Bigrams(const std::string& normalized, size_t begin, size_t end, Emit& emit) {
  size_t a = begin;  // start of the previous character
  size_t b = begin;  // start of the current character
  if (b < end) {
    base::DecodeUtf8(normalized, &b);
  }
  while (b < end) {
    size_t c = b;
    base::DecodeUtf8(normalized, &c);
    std::string term;
    term.reserve(kBigramPrefix.size() + (c - a));
    term.append(kBigramPrefix);
    term.append(normalized, a, c - a);
    emit(std::move(term), TermKind::kBigram, a, c);
    a = b;
    b = c;
  }
}

// The one term generator behind Analyze and CountTerms: words (stop words dropped, English
// stemmed, over-long terms dropped), numbers, and after each Han run its bigrams.
template <typename Emit>
void GenerateTerms(const std::string& normalized, const std::vector<text::Token>& tokens,
                   Emit&& emit) {
  size_t run_begin = 0;
  size_t run_end = 0;
  bool in_run = false;
  auto flush_run = [&] {
    if (in_run) {
      Bigrams(normalized, run_begin, run_end, emit);
      in_run = false;
    }
  };
  for (const text::Token& tok : tokens) {
    size_t end = tok.begin + tok.text.size();
    std::string term;
    TermKind kind = TermKind::kWord;
    switch (tok.kind) {
      case text::TokenKind::kHan:
        if (in_run && tok.begin < run_end) {
          // A word inside the previous token (CutForSearch): a word term only.
          term = tok.text;
          break;
        }
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
        term = tok.text;
        break;
      case text::TokenKind::kWord:
        flush_run();
        if (text::IsEnglishStopWord(tok.text)) {
          continue;
        }
        term = text::StemEnglish(tok.text);
        break;
      case text::TokenKind::kNumber:
        flush_run();
        term = tok.text;
        kind = TermKind::kNumber;
        break;
    }
    // Xapian terms are at most 245 bytes; longer runs of letters are noise.
    if (term.size() > 120) {
      continue;
    }
    emit(std::move(term), kind, tok.begin, end);
  }
  flush_run();
}

}  // namespace

bool IsChineseStopChar(std::string_view word) { return IsStop(word); }

base::Result<Analyzed> TextAnalysis::Analyze(std::string_view text, std::string_view field) const {
  Analyzed out;
  KECHAN_ASSIGN_OR_RETURN(out.normalized, analyzer_.normalizer().Normalize(text, field));
  std::vector<text::Token> tokens = analyzer_.segmenter().CutForSearch(out.normalized);
  out.terms.reserve(tokens.size() * 2);
  GenerateTerms(out.normalized, tokens,
                [&](std::string&& term, TermKind kind, size_t begin, size_t end) {
                  Term t;
                  t.term = std::move(term);
                  t.surface = out.normalized.substr(begin, end - begin);
                  t.kind = kind;
                  t.begin = static_cast<uint32_t>(begin);
                  t.end = static_cast<uint32_t>(end);
                  out.terms.push_back(std::move(t));
                });
  // Keep text order: bigrams were appended after their run's words.
  std::stable_sort(out.terms.begin(), out.terms.end(),
                   [](const Term& a, const Term& b) { return a.begin < b.begin; });
  return out;
}

base::Status TextAnalysis::CountTerms(std::string_view text, std::string_view field, double weight,
                                      TermCounts& counts) const {
  KECHAN_ASSIGN_OR_RETURN(std::string normalized, analyzer_.normalizer().Normalize(text, field));
  std::vector<text::Token> tokens = analyzer_.segmenter().CutForSearch(normalized);
  GenerateTerms(normalized, tokens, [&](std::string&& term, TermKind, size_t, size_t) {
    counts.try_emplace(std::move(term), 0.0).first->second += weight;
  });
  return base::Status::Ok();
}

base::Status TextAnalysis::CollectTerms(std::string_view text, std::string_view field,
                                        double weight, TermOccurrences& out) const {
  KECHAN_ASSIGN_OR_RETURN(std::string normalized, analyzer_.normalizer().Normalize(text, field));
  std::vector<text::Token> tokens = analyzer_.segmenter().CutForSearch(normalized);
  GenerateTerms(normalized, tokens, [&](std::string&& term, TermKind, size_t, size_t) {
    out.emplace_back(std::move(term), weight);
  });
  return base::Status::Ok();
}

}  // namespace kechan::search
