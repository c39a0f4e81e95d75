#include "search/index.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace kechan::search {

base::Result<IndexedDocument> AnalyzeDocument(const TextAnalysis& analysis, Document doc) {
  KECHAN_RETURN_IF_ERROR(ValidateDocument(doc));
  // Every occurrence in text order, then sorted by (term, position) and summed per term: the
  // same sums in the same order as a map of counts (so the same rounded frequencies), without a
  // hash node per term and a second copy of every term.
  TermOccurrences occ;
  occ.reserve(512);
  for (const Field& f : doc.fields) {
    if (f.text.empty()) {
      continue;
    }
    KECHAN_RETURN_IF_ERROR(
        analysis.CollectTerms(f.text, "fields." + f.name, std::clamp(f.weight, 0.1, 20.0), occ));
  }
  std::vector<uint32_t> order(occ.size());
  for (uint32_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    int c = occ[a].first.compare(occ[b].first);
    return c != 0 ? c < 0 : a < b;
  });
  IndexedDocument out;
  out.terms.reserve(order.size());
  for (size_t i = 0; i < order.size();) {
    std::string& term = occ[order[i]].first;
    double f = 0;
    size_t j = i;
    for (; j < order.size() && occ[order[j]].first == term; ++j) {
      f += occ[order[j]].second;
    }
    out.terms.emplace_back(std::move(term), static_cast<uint32_t>(std::max(1.0, std::round(f))));
    i = j;
  }
  out.doc = std::move(doc);
  return out;
}

}  // namespace kechan::search
