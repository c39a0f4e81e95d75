#include "text/analyzer.h"

#include <utility>

namespace kechan::text {

base::Result<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& options) {
  KECHAN_ASSIGN_OR_RETURN(std::unique_ptr<Normalizer> n, Normalizer::Create(options.normalizer));
  KECHAN_ASSIGN_OR_RETURN(std::unique_ptr<Segmenter> s, Segmenter::Load(options.jieba));
  return std::unique_ptr<Analyzer>(new Analyzer(std::move(n), std::move(s)));
}

base::Result<std::vector<Token>> Analyzer::Analyze(std::string_view text,
                                                   std::string_view field) const {
  KECHAN_ASSIGN_OR_RETURN(std::string normal, normalizer_->Normalize(text, field));
  return segmenter_->Cut(normal);
}

base::Status Analyzer::AddUserWord(std::string_view word, uint64_t freq) {
  auto normal = normalizer_->Normalize(word, "word");
  if (!normal.ok()) {
    return normal.status();
  }
  return segmenter_->AddWord(*normal, freq);
}

}  // namespace kechan::text
