#include "search/index.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>

namespace kechan::search {

base::Result<IndexedDocument> AnalyzeDocument(const TextAnalysis& analysis, Document doc) {
  KECHAN_RETURN_IF_ERROR(ValidateDocument(doc));
  TermCounts freq;
  freq.reserve(512);
  for (const Field& f : doc.fields) {
    if (f.text.empty()) {
      continue;
    }
    KECHAN_RETURN_IF_ERROR(
        analysis.CountTerms(f.text, "fields." + f.name, std::clamp(f.weight, 0.1, 20.0), freq));
  }
  IndexedDocument out;
  out.terms.reserve(freq.size());
  for (auto& [term, f] : freq) {
    out.terms.emplace_back(term, static_cast<uint32_t>(std::max(1.0, std::round(f))));
  }
  std::sort(out.terms.begin(), out.terms.end());
  out.doc = std::move(doc);
  return out;
}

}  // namespace kechan::search
