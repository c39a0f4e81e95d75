// The synthetic documents of the search benches (bench_search_ours, bench_glass_floor): about
// 300 Chinese characters of the retrieval fixture's sentences drawn with a seeded generator, and
// a title of up to 30 bytes of one sentence, cut at a character boundary.
#pragma once

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "search/document.h"

namespace kechan::bench {

// The fixture's sentences (split after "。", at least 7 bytes each).
inline std::vector<std::string> Sentences(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    size_t t = line.find("\"text\": \"");
    if (t == std::string::npos) {
      continue;
    }
    std::string text = line.substr(t + 9, line.rfind('"') - t - 9);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find("。", start);
      end = end == std::string::npos ? text.size() : end + 3;
      if (end > start + 6) {
        out.push_back(text.substr(start, end - start));
      }
      start = end;
    }
  }
  return out;
}

// At most `bytes` bytes of `s`, never ending inside a UTF-8 sequence.
inline std::string Utf8Prefix(const std::string& s, size_t bytes) {
  if (s.size() <= bytes) {
    return s;
  }
  while (bytes > 0 && (static_cast<unsigned char>(s[bytes]) & 0xc0) == 0x80) {
    --bytes;
  }
  return s.substr(0, bytes);
}

// Document `i` of a corpus: the draws of `rng` in a fixed order, so a seed gives the same corpus.
inline search::Document SyntheticDocument(size_t i, const std::vector<std::string>& sentences,
                                          std::mt19937& rng) {
  search::Document d;
  d.type = "doc";
  d.id = std::to_string(i);
  std::string body;
  while (body.size() < 900) {  // ~300 Chinese characters (3 bytes each)
    body += sentences[rng() % sentences.size()];
  }
  d.title = Utf8Prefix(sentences[rng() % sentences.size()], 30);
  d.fields = {{"title", d.title, 2}, {"text", std::move(body), 1}};
  return d;
}

}  // namespace kechan::bench
