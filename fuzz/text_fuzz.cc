// Fuzzes the text analyser (normalise + segment) and keyword extraction: never crashes; invalid
// input is rejected naming the field; every token is non-empty, valid UTF-8 and found at its
// offset in the normalised text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "text/analyzer.h"
#include "text/keywords.h"

namespace {

struct Loaded {
  std::unique_ptr<kechan::text::Analyzer> analyzer;
  std::unique_ptr<kechan::text::KeywordExtractor> keywords;
};

const Loaded& Get() {
  static Loaded* loaded = [] {
    auto a = kechan::text::Analyzer::Create();
    auto k = kechan::text::KeywordExtractor::Load(kechan::text::JiebaPaths::Debian().idf_txt);
    if (!a.ok() || !k.ok()) {
      std::abort();  // the data is missing: apt-get install python3-jieba libopencc-data
    }
    return new Loaded{std::move(a).value(), std::move(k).value()};
  }();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Loaded& l = Get();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto normal = l.analyzer->normalizer().Normalize(text, "q");
  auto tokens = l.analyzer->Analyze(text, "q");
  if (normal.ok() != tokens.ok()) {
    std::abort();
  }
  if (!tokens.ok()) {
    if (tokens.status().field() != "q") {
      std::abort();
    }
    return 0;
  }
  for (const auto& t : *tokens) {
    if (t.text.empty() || normal->compare(t.begin, t.text.size(), t.text) != 0) {
      std::abort();
    }
  }
  auto top = l.keywords->Extract(*tokens, 10);
  if (top.size() > 10) {
    std::abort();
  }
  return 0;
}
