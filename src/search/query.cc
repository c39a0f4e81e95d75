#include "search/query.h"

#include <cmath>
#include <unordered_map>
#include <utility>

#include "base/utf8.h"
#include "search/document.h"

namespace kechan::search {
namespace {

base::Status Bad(std::string field, std::string reason, std::string en, std::string zh) {
  return base::InvalidArgument(std::move(field), std::move(reason), std::move(en), std::move(zh));
}

double KindWeight(TermKind kind, const PlanWeights& w) {
  switch (kind) {
    case TermKind::kWord:
      return w.word;
    case TermKind::kBigram:
      return w.bigram;
    case TermKind::kNumber:
      return w.number;
  }
  return w.word;
}

void AddTerm(QueryPlan& plan, const Term& t, double weight, bool synonym) {
  for (PlanTerm& p : plan.terms) {
    if (p.term == t.term) {
      p.weight += weight;
      return;
    }
  }
  if (plan.terms.size() >= kMaxQueryTerms) {
    return;
  }
  plan.terms.push_back(PlanTerm{t.term, t.surface, weight, synonym});
}

}  // namespace

std::shared_ptr<const Thesaurus::Table> Thesaurus::Snapshot() const {
  std::lock_guard lock(mu_);
  return table_;
}

void Thesaurus::Replace(Table table) {
  auto next = std::make_shared<const Table>(std::move(table));
  std::lock_guard lock(mu_);
  table_ = std::move(next);
}

base::Status AddTextTerms(const TextAnalysis& analysis, std::string_view text,
                          std::string_view field, double scale, const Thesaurus::Table* thesaurus,
                          const PlanWeights& weights, QueryPlan& plan) {
  KECHAN_ASSIGN_OR_RETURN(Analyzed a, analysis.Analyze(text, field));
  for (const Term& t : a.terms) {
    AddTerm(plan, t, scale * KindWeight(t.kind, weights), false);
    if (thesaurus == nullptr || t.kind != TermKind::kWord) {
      continue;
    }
    auto it = thesaurus->find(t.surface);
    if (it == thesaurus->end()) {
      continue;
    }
    for (const std::string& syn : it->second) {
      auto sa = analysis.Analyze(syn, field);
      if (!sa.ok()) {
        continue;  // the table is checked when edited; never fail a query on it
      }
      for (const Term& s : sa->terms) {
        AddTerm(plan, s, scale * weights.synonym * KindWeight(s.kind, weights), true);
      }
    }
  }
  return base::Status::Ok();
}

base::Result<QueryPlan> BuildPlan(const TextAnalysis& analysis, const SearchRequest& req,
                                  const Thesaurus::Table* thesaurus, const PlanWeights& weights) {
  QueryPlan plan;
  if (req.page < 1 || req.page > kMaxPage) {
    return Bad("page", "search.page", "page must be 1-500", "page 须为 1 至 500");
  }
  if (req.page_size < 1 || req.page_size > kMaxPageSize) {
    return Bad("page_size", "search.page", "page_size must be 1-100", "page_size 须为 1 至 100");
  }
  for (const std::string& t : req.types) {
    if (!IsDocumentType(t)) {
      return Bad("type", "search.unknown_type", "unknown type '" + t + "'",
                 "未知的类型“" + t + "”");
    }
    plan.types.push_back(t);
  }
  for (const auto& [facet, values] : req.filters) {
    if (!IsFacetName(facet) || facet == "type") {
      return Bad(facet, "search.unknown_filter", "unknown filter '" + facet + "'",
                 "未知的筛选条件“" + facet + "”");
    }
    for (const std::string& v : values) {
      if (v.empty() || v.size() > 200 || !base::IsValidUtf8(v)) {
        return Bad(facet, "search.bad_filter",
                   "filter '" + facet + "' needs a value of 1-200 bytes of UTF-8",
                   "筛选条件“" + facet + "”的值须为 1 至 200 字节的 UTF-8 文本");
      }
    }
    plan.filters[facet] = values;
  }
  for (const auto& [name, range] : req.ranges) {
    if (!IsNumberName(name)) {
      return Bad(name, "search.unknown_filter", "unknown range '" + name + "'",
                 "未知的范围条件“" + name + "”");
    }
    bool finite =
        (!range.min || std::isfinite(*range.min)) && (!range.max || std::isfinite(*range.max));
    if (!finite || (range.min && range.max && *range.min > *range.max)) {
      return Bad(name, "search.bad_range", "range '" + name + "' is empty or not a number",
                 "范围条件“" + name + "”为空或不是数字");
    }
    plan.ranges[name] = range;
  }
  if (req.q.size() > kMaxQueryBytes) {
    return Bad("q", "search.query_too_long",
               "the query is too long: " + std::to_string(req.q.size()) + " bytes, at most 1000",
               "查询过长：" + std::to_string(req.q.size()) + " 字节，最多 1000 字节");
  }
  bool blank = req.q.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) {
    if (plan.filters.empty() && plan.ranges.empty() && plan.types.empty()) {
      return Bad("q", "search.empty_query", "enter something to search for", "请输入查询内容");
    }
    return plan;
  }
  KECHAN_RETURN_IF_ERROR(AddTextTerms(analysis, req.q, "q", 1.0, thesaurus, weights, plan));
  if (plan.terms.empty()) {
    return Bad("q", "search.no_terms",
               "the query has no searchable words (only punctuation, symbols or stop words)",
               "查询中没有可检索的词（只有标点、符号或停用词）");
  }
  return plan;
}

}  // namespace kechan::search
