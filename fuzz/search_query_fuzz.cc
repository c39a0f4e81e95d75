// Fuzzes search/'s analysis and query builder: any bytes as the query text (and, split at the
// first NUL, a filter value) never crash; a plan is built or an InvalidArgument naming "q" or the
// filter comes back; every plan term is non-empty valid UTF-8 and the snippet of the text with its
// own terms is valid UTF-8.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "search/analysis.h"
#include "search/query.h"
#include "search/snippet.h"
#include "text/analyzer.h"

namespace {

const kechan::search::TextAnalysis& Get() {
  static auto* analysis = [] {
    auto a = kechan::text::Analyzer::Create();
    if (!a.ok()) {
      std::abort();  // the data is missing: apt-get install python3-jieba libopencc-data
    }
    return new kechan::search::TextAnalysis(*std::move(a).value().release());
  }();
  return *analysis;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& analysis = Get();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  kechan::search::SearchRequest req;
  req.q = std::string(input.substr(0, nul));
  if (nul != std::string_view::npos) {
    req.filters["district"] = {std::string(input.substr(nul + 1))};
  }
  auto plan = kechan::search::BuildPlan(analysis, req);
  if (!plan.ok()) {
    const auto& s = plan.status();
    if (s.code() != kechan::base::Code::kInvalidArgument ||
        (s.field() != "q" && s.field() != "district")) {
      std::abort();
    }
    return 0;
  }
  std::set<std::string> terms;
  for (const auto& t : plan->terms) {
    if (t.term.empty() || !kechan::base::IsValidUtf8(t.term) || t.weight <= 0) {
      std::abort();
    }
    terms.insert(t.term);
  }
  if (plan->terms.size() > kechan::search::kMaxQueryTerms) {
    std::abort();
  }
  std::string snippet = kechan::search::Snippet(analysis, req.q, terms);
  if (!kechan::base::IsValidUtf8(snippet)) {
    std::abort();
  }
  return 0;
}
