// What the search benches (bench_search_ours, bench_glass_floor) share: their synthetic
// documents (about 300 Chinese characters of the retrieval fixture's sentences drawn with a
// seeded generator, and a title of up to 30 bytes of one sentence, cut at a character boundary),
// wall and CPU clocks, and the size of an index directory.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "search/document.h"

namespace kechan::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU seconds (user + system) of the process (RUSAGE_SELF) or the calling thread (RUSAGE_THREAD).
inline double CpuSeconds(int who) {
  struct rusage ru {};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Bytes in the regular files under `dir`.
inline uintmax_t DirBytes(const std::string& dir) {
  uintmax_t bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      bytes += e.file_size();
    }
  }
  return bytes;
}

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
