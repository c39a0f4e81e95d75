// text/english: English words for the index — Snowball "english" stemming (Xapian's stemmer,
// linked privately by kechan_text; no Xapian type leaves english.cc) and the English stop words
// the index and the query builder drop.
#pragma once

#include <string>
#include <string_view>

namespace kechan::text {

// Returns the Snowball English stem of a normalised (lower-case) word: "networks" → "network",
// "manufacturing" → "manufactur". Words that are not only ASCII letters (digits, "5g", "café")
// are returned unchanged. Thread-safe (one stemmer per thread).
std::string StemEnglish(std::string_view word);

// Returns true for an English function word ("the", "of", "and", "is", "with", ...) that the
// index does not keep. Expects lower-case input. Thread-safe.
bool IsEnglishStopWord(std::string_view word);

}  // namespace kechan::text
