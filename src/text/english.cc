#include "text/english.h"

#include <xapian.h>

#include <algorithm>
#include <iterator>
#include <string>

namespace kechan::text {
namespace {

// Keep sorted: IsEnglishStopWord binary-searches it (EnglishTest checks both ends and the middle).
constexpr std::string_view kEnglishStop[] = {
    "a",       "about", "above", "after", "again",  "against", "all",   "also",   "am",    "an",
    "and",     "any",   "are",   "as",    "at",     "be",      "been",  "before", "being", "below",
    "both",    "but",   "by",    "can",   "could",  "did",     "do",    "does",   "doing", "down",
    "during",  "each",  "few",   "for",   "from",   "further", "had",   "has",    "have",  "having",
    "he",      "her",   "here",  "hers",  "him",    "his",     "how",   "i",      "if",    "in",
    "into",    "is",    "it",    "its",   "itself", "me",      "more",  "most",   "my",    "no",
    "nor",     "not",   "of",    "off",   "on",     "once",    "only",  "or",     "other", "our",
    "out",     "over",  "own",   "same",  "she",    "should",  "so",    "some",   "such",  "than",
    "that",    "the",   "their", "them",  "then",   "there",   "these", "they",   "this",  "those",
    "through", "to",    "too",   "under", "until",  "up",      "very",  "was",    "we",    "were",
    "what",    "when",  "where", "which", "while",  "who",     "whom",  "why",    "will",  "with",
    "would",   "you",   "your"};

bool AsciiLetters(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

}  // namespace

std::string StemEnglish(std::string_view word) {
  if (!AsciiLetters(word) || word.size() < 3) {
    return std::string(word);
  }
  // Xapian::Stem keeps Snowball state; one per thread.
  thread_local Xapian::Stem stemmer("english");
  return stemmer(std::string(word));
}

bool IsEnglishStopWord(std::string_view word) {
  return std::binary_search(std::begin(kEnglishStop), std::end(kEnglishStop), word);
}

}  // namespace kechan::text
