// text/segmenter: Chinese word segmentation with jieba's data (dict.txt and the HMM tables from
// Debian's python3-jieba) and our own algorithm: prefix dictionary → DAG → maximum-probability
// path, then an HMM (Viterbi over B/M/E/S) on runs of unknown single characters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace kechan::text {

// Where Debian's python3-jieba installs its data.
inline constexpr std::string_view kDebianJiebaDir = "/usr/lib/python3/dist-packages/jieba";

// The jieba data files. FromDir(dir) uses dir/dict.txt, dir/analyse/idf.txt and
// dir/finalseg/prob_{start,trans,emit}.py.
struct JiebaPaths {
  std::string dict_txt;
  std::string idf_txt;
  std::string prob_start;
  std::string prob_trans;
  std::string prob_emit;

  static JiebaPaths FromDir(std::string_view dir);
  static JiebaPaths Debian() { return FromDir(kDebianJiebaDir); }
};

enum class TokenKind {
  kHan,     // contains a CJK ideograph ("清华大学", "b超")
  kWord,    // letters, or letters mixed with digits ("ai", "5g", "café")
  kNumber,  // digits, optionally with a decimal point ("2026", "3.5")
};

struct Token {
  std::string text;
  size_t begin = 0;  // byte offset in the text that was segmented
  TokenKind kind = TokenKind::kHan;

  bool operator==(const Token&) const = default;
};

// Segments normalised text (see text/normalize.h: lower-case, simplified, half-width).
// Thread-safe: Cut may run concurrently with AddWord. The jieba dictionary is immutable; the user
// dictionary is copy-on-write — AddWord copies the (small) user table, adds the word and swaps a
// shared_ptr under a mutex, so a Cut in progress keeps the snapshot it started with.
class Segmenter {
 public:
  // Loads dict.txt and the three HMM tables (~350k entries; load once per process). Returns
  // FailedPrecondition naming the missing file and the package python3-jieba, InvalidArgument
  // naming file:line for a malformed line.
  static base::Result<std::unique_ptr<Segmenter>> Load(const JiebaPaths& paths);
  ~Segmenter();
  Segmenter(const Segmenter&) = delete;
  Segmenter& operator=(const Segmenter&) = delete;

  // Splits `text` into tokens in order. Han runs go through the dictionary and HMM; runs of other
  // letters/digits (ASCII or not) stay whole tokens (English is only lower-cased by the
  // normaliser; Snowball stemming arrives with the Xapian adapter, issue 5). Whitespace,
  // punctuation, symbols and emoji separate tokens and are dropped. Never fails: ill-formed
  // UTF-8 bytes are treated as separators.
  std::vector<Token> Cut(std::string_view text) const;

  // jieba's search-engine mode: Cut, and after each Han token of more than two characters the
  // dictionary words of two and three characters inside it ("动力电池" → 动力电池, 动力, 电池), so
  // a search for a part of a compound finds it. The extra tokens overlap their parent (their
  // `begin` lies inside it); every other token starts at or after the end of the one before.
  std::vector<Token> CutForSearch(std::string_view text) const;

  // The same as Cut with the original dictionary lookup (a binary search of the sorted word table
  // per DAG fragment) instead of the code point trie: slower, kept so tests can check that the
  // trie gives exactly the same tokens.
  std::vector<Token> CutReference(std::string_view text) const;

  // Adds a domain term ("揭榜挂帅") to the user dictionary, or raises its frequency. `word` must be
  // normalised already. freq 0 picks the smallest frequency that keeps the word whole (jieba's
  // suggest_freq). Returns InvalidArgument (field "word") for empty, over-long (> 32 code points)
  // or ill-formed words and words containing separators.
  base::Status AddWord(std::string_view word, uint64_t freq = 0);

  // Returns the frequency of `word` (user dictionary first), 0 when unknown.
  uint64_t Frequency(std::string_view word) const;

  size_t dictionary_size() const;
  size_t user_dictionary_size() const;
  // Returns the approximate heap bytes of the loaded tables.
  size_t MemoryBytes() const;

 private:
  struct Impl;
  explicit Segmenter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kechan::text
