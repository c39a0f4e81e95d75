#include "search/index.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>

namespace kechan::search {

base::Result<IndexedDocument> AnalyzeDocument(const TextAnalysis& analysis, Document doc) {
  KECHAN_RETURN_IF_ERROR(ValidateDocument(doc));
  std::unordered_map<std::string, double> freq;
  for (const Field& f : doc.fields) {
    if (f.text.empty()) {
      continue;
    }
    KECHAN_ASSIGN_OR_RETURN(Analyzed a, analysis.Analyze(f.text, "fields." + f.name));
    double w = std::clamp(f.weight, 0.1, 20.0);
    for (const Term& t : a.terms) {
      freq[t.term] += w;
    }
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
