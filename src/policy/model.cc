#include "policy/model.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <set>
#include <utility>

namespace kechan::policy {
namespace {

namespace json = boost::json;
using base::Date;
using base::Money;
using base::Result;
using base::Status;

Status Invalid(std::string field, std::string reason, std::string en, std::string zh) {
  return base::InvalidArgument(std::move(field), std::move(reason), std::move(en), std::move(zh));
}

template <typename E, size_t N>
Result<E> ParseEnum(std::string_view text, std::string_view field, const char* what,
                    const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      return static_cast<E>(i);
    }
  }
  std::string allowed;
  for (size_t i = 0; i < N; ++i) {
    allowed += (i ? ", " : "") + std::string(names[i]);
  }
  return Invalid(
      std::string(field), std::string(what) + ".unknown",
      "unknown " + std::string(what) + " \"" + std::string(text) + "\" (one of " + allowed + ")",
      "未知的取值“" + std::string(text) + "”（可选：" + allowed + "）");
}

constexpr const char* kCategoryNames[] = {"expand_markets", "cut_costs", "scenarios", "platforms"};
constexpr const char* kCategoryZh[] = {"拓市场", "降成本", "给场景", "建平台"};
constexpr const char* kModeNames[] = {"no_application", "one_click", "full_application"};
constexpr const char* kModeZh[] = {"免申即享", "一键申报", "全流程申报"};
constexpr const char* kStatusNames[] = {"draft", "published", "withdrawn"};
constexpr const char* kTriNames[] = {"no", "unknown", "yes"};
constexpr const char* kTriZh[] = {"不符合", "待核实", "符合"};
constexpr const char* kFactNames[] = {"revenue",       "rd_spend",
                                      "rd_share",      "revenue_growth",
                                      "digital_level", "main_business_share",
                                      "employees",     "years_since_founding",
                                      "gradient_tier", "district",
                                      "park",          "chain_node",
                                      "chain",         "green_factory",
                                      "above_size"};
constexpr const char* kFactZh[] = {"营业收入",           "研发投入",       "研发投入占营业收入比重",
                                   "营业收入平均增长率", "数字化转型等级", "主营业务收入占比",
                                   "从业人员",           "成立年限",       "梯度培育层级",
                                   "所在区县",           "所在园区",       "所属产业链节点",
                                   "所属产业链",         "绿色工厂",       "规上企业"};
constexpr const char* kOpNames[] = {"gte", "gt", "lte", "lt", "eq"};
constexpr const char* kOpSymbols[] = {"≥", ">", "≤", "<", "="};
constexpr const char* kKindNames[] = {"one_click", "full", "auto"};

bool IsMoneyFact(Fact f) { return f == Fact::kRevenue || f == Fact::kRdSpend; }
bool IsWindowFact(Fact f) {
  return f == Fact::kRevenue || f == Fact::kRdSpend || f == Fact::kRdShare ||
         f == Fact::kRevenueGrowth;
}
bool IsYearlyFact(Fact f) {
  return IsWindowFact(f) || f == Fact::kDigitalLevel || f == Fact::kMainBusinessShare ||
         f == Fact::kEmployees;
}
bool IsNumericFact(Fact f) { return IsYearlyFact(f) || f == Fact::kYearsSinceFounding; }
bool IsTextSetFact(Fact f) { return f == Fact::kGradientTier || f == Fact::kDistrict; }
bool IsIdSetFact(Fact f) { return f == Fact::kPark || f == Fact::kChainNode || f == Fact::kChain; }
bool IsBoolFact(Fact f) { return f == Fact::kGreenFactory || f == Fact::kAboveSize; }
bool IsDatedSetFact(Fact f) {
  return f == Fact::kGradientTier || f == Fact::kChainNode || f == Fact::kChain;
}
bool IsPercentFact(Fact f) {
  return f == Fact::kRdShare || f == Fact::kRevenueGrowth || f == Fact::kMainBusinessShare;
}

std::string Num(double v) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  }
  return buf;
}

bool Compare(double lhs, Op op, double rhs) {
  switch (op) {
    case Op::kGte:
      return lhs >= rhs;
    case Op::kGt:
      return lhs > rhs;
    case Op::kLte:
      return lhs <= rhs;
    case Op::kLt:
      return lhs < rhs;
    case Op::kEq:
      return lhs == rhs;
  }
  return false;
}

// ---- JSON rule parsing ----------------------------------------------------------------------

constexpr int kMaxDepth = 16;

class RuleParser {
 public:
  Result<Rule> Parse(const json::value& v, const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      return Invalid(path, "policy.rule.depth", "rules nest at most 16 levels deep",
                     "规则嵌套不能超过 16 层");
    }
    if (!v.is_object()) {
      return Invalid(path, "policy.rule.shape", path + " must be a JSON object",
                     path + " 须为 JSON 对象");
    }
    const json::object& o = v.as_object();
    Rule r;
    int kinds = 0;
    for (const char* k : {"all", "any", "not", "fact"}) {
      kinds += o.contains(k) ? 1 : 0;
    }
    if (kinds != 1) {
      return Invalid(path, "policy.rule.shape",
                     path + " needs exactly one of \"all\", \"any\", \"not\" or \"fact\"",
                     path + " 须且仅须包含 all、any、not、fact 之一");
    }
    std::set<std::string> allowed = {"id", "label_zh", "label_en"};
    KECHAN_RETURN_IF_ERROR(OptText(o, "id", path, 80, &r.id));
    KECHAN_RETURN_IF_ERROR(OptText(o, "label_zh", path, 200, &r.label_zh));
    KECHAN_RETURN_IF_ERROR(OptText(o, "label_en", path, 300, &r.label_en));
    if (o.contains("all") || o.contains("any")) {
      const char* key = o.contains("all") ? "all" : "any";
      r.kind = o.contains("all") ? Rule::Kind::kAll : Rule::Kind::kAny;
      allowed.insert(key);
      const std::string p = path + "." + key;
      const json::value& list = o.at(key);
      if (!list.is_array()) {
        return Invalid(p, "policy.rule.shape", p + " must be an array of clauses",
                       p + " 须为条件数组");
      }
      if (list.as_array().empty()) {
        return Invalid(p, "policy.rule.empty", p + " must hold at least one clause",
                       p + " 至少须包含一项条件");
      }
      size_t i = 0;
      for (const json::value& c : list.as_array()) {
        KECHAN_ASSIGN_OR_RETURN(Rule child,
                                Parse(c, p + "[" + std::to_string(i++) + "]", depth + 1));
        r.children.push_back(std::move(child));
      }
    } else if (o.contains("not")) {
      r.kind = Rule::Kind::kNot;
      allowed.insert("not");
      KECHAN_ASSIGN_OR_RETURN(Rule child, Parse(o.at("not"), path + ".not", depth + 1));
      r.children.push_back(std::move(child));
    } else {
      r.kind = Rule::Kind::kLeaf;
      KECHAN_RETURN_IF_ERROR(ParseLeaf(o, path, &r, &allowed));
    }
    for (const auto& [key, val] : o) {
      if (!allowed.contains(std::string(key))) {
        const std::string p = path + "." + std::string(key);
        return Invalid(p, "policy.rule.unknown_key",
                       "unknown key \"" + std::string(key) + "\" in " + path,
                       path + " 中有未知字段“" + std::string(key) + "”");
      }
    }
    return r;
  }

 private:
  static Status OptText(const json::object& o, const char* key, const std::string& path, size_t max,
                        std::string* out) {
    auto it = o.find(key);
    if (it == o.end()) {
      return Status::Ok();
    }
    const std::string p = path + "." + key;
    if (!it->value().is_string() || it->value().as_string().size() > max * 4) {
      return Invalid(p, "policy.rule.value", p + " must be a short string",
                     p + " 须为字符串（不超长）");
    }
    *out = std::string(it->value().as_string());
    return Status::Ok();
  }

  static Result<int64_t> IntAt(const json::object& o, const char* key, const std::string& path,
                               int64_t min, int64_t max) {
    const std::string p = path + "." + key;
    const json::value& v = o.at(key);
    int64_t n = 0;
    if (v.is_int64()) {
      n = v.as_int64();
    } else if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      n = static_cast<int64_t>(v.as_uint64());
    } else {
      return Invalid(p, "policy.rule.value", p + " must be an integer", p + " 须为整数");
    }
    if (n < min || n > max) {
      return Invalid(p, "policy.rule.value",
                     p + " must be between " + std::to_string(min) + " and " + std::to_string(max),
                     p + " 须在 " + std::to_string(min) + " 到 " + std::to_string(max) + " 之间");
    }
    return n;
  }

  static Status ParseLeaf(const json::object& o, const std::string& path, Rule* r,
                          std::set<std::string>* allowed) {
    allowed->insert("fact");
    const json::value& fv = o.at("fact");
    const std::string fp = path + ".fact";
    if (!fv.is_string()) {
      return Invalid(fp, "policy.rule.unknown_fact", fp + " must name a fact",
                     fp + " 须为事实名称");
    }
    auto fact = ParseFact(fv.as_string(), fp);
    if (!fact.ok()) {
      return Invalid(fp, "policy.rule.unknown_fact",
                     "unknown fact \"" + std::string(fv.as_string()) + "\" at " + fp,
                     fp + " 处的事实“" + std::string(fv.as_string()) + "”不存在");
    }
    r->fact = *fact;
    const Fact f = r->fact;
    if (IsNumericFact(f)) {
      allowed->insert("op");
      allowed->insert("value");
      if (!o.contains("op")) {
        return Invalid(path + ".op", "policy.rule.op", path + ".op is required",
                       path + ".op 为必填项");
      }
      const json::value& ov = o.at("op");
      bool found = false;
      for (int i = 0; i < 5 && ov.is_string(); ++i) {
        if (ov.as_string() == kOpNames[i]) {
          r->op = static_cast<Op>(i);
          found = true;
        }
      }
      if (!found) {
        return Invalid(path + ".op", "policy.rule.op",
                       path + ".op must be one of gte, gt, lte, lt, eq",
                       path + ".op 须为 gte、gt、lte、lt、eq 之一");
      }
      const std::string vp = path + ".value";
      if (!o.contains("value")) {
        return Invalid(vp, "policy.rule.value", vp + " is required", vp + " 为必填项");
      }
      const json::value& v = o.at("value");
      if (IsMoneyFact(f)) {
        std::string text;
        if (v.is_string()) {
          text = std::string(v.as_string());
        } else if (v.is_int64()) {
          text = std::to_string(v.as_int64());
        } else {
          return Invalid(vp, "policy.rule.value", vp + " must be an amount in yuan (\"1000000\")",
                         vp + " 须为以元计的金额（如 \"1000000\"）");
        }
        auto m = Money::ParseYuan(text, vp);
        if (!m.ok() || m->fen() < 0) {
          return Invalid(vp, "policy.rule.value", vp + " must be a non-negative amount in yuan",
                         vp + " 须为非负的以元计金额");
        }
        r->amount = *m;
      } else {
        if (!v.is_number()) {
          return Invalid(vp, "policy.rule.value", vp + " must be a number", vp + " 须为数字");
        }
        double n = v.to_number<double>();
        double lo = IsPercentFact(f) ? -1000 : 0;
        double hi = f == Fact::kDigitalLevel ? 4 : (IsPercentFact(f) ? 1000 : 1e12);
        if (!std::isfinite(n) || n < lo || n > hi) {
          return Invalid(vp, "policy.rule.value",
                         vp + " must be between " + Num(lo) + " and " + Num(hi),
                         vp + " 须在 " + Num(lo) + " 到 " + Num(hi) + " 之间");
        }
        r->number = n;
      }
      if (IsYearlyFact(f)) {
        allowed->insert("year");
        allowed->insert("year_offset");
        if (o.contains("year") && o.contains("year_offset")) {
          return Invalid(path + ".year", "policy.rule.shape",
                         path + " may give \"year\" or \"year_offset\", not both",
                         path + " 只能给出 year 或 year_offset 之一");
        }
        if (o.contains("year")) {
          KECHAN_ASSIGN_OR_RETURN(int64_t y, IntAt(o, "year", path, 1900, 9999));
          r->year = static_cast<int>(y);
        }
        if (o.contains("year_offset")) {
          KECHAN_ASSIGN_OR_RETURN(int64_t y, IntAt(o, "year_offset", path, -50, 0));
          r->year_offset = static_cast<int>(y);
        }
      }
      if (IsWindowFact(f)) {
        allowed->insert("years");
        if (o.contains("years")) {
          KECHAN_ASSIGN_OR_RETURN(int64_t y, IntAt(o, "years", path, 1, 10));
          r->years = static_cast<int>(y);
        }
      }
    } else if (IsTextSetFact(f) || IsIdSetFact(f)) {
      allowed->insert("in");
      const std::string ip = path + ".in";
      if (!o.contains("in") || !o.at("in").is_array() || o.at("in").as_array().empty()) {
        return Invalid(ip, "policy.rule.value", ip + " must be a non-empty array",
                       ip + " 须为非空数组");
      }
      size_t i = 0;
      for (const json::value& item : o.at("in").as_array()) {
        const std::string p = ip + "[" + std::to_string(i++) + "]";
        if (IsTextSetFact(f)) {
          if (!item.is_string() || item.as_string().empty()) {
            return Invalid(p, "policy.rule.value", p + " must be a non-empty string",
                           p + " 须为非空字符串");
          }
          std::string text(item.as_string());
          if (f == Fact::kGradientTier && text != "none" &&
              !chain::ParseGradientTier(text, p).ok()) {
            return Invalid(p, "policy.rule.value",
                           p + " must be none, innovative_sme, specialized, little_giant or "
                               "single_champion",
                           p + " 须为 none、innovative_sme、specialized、little_giant、"
                               "single_champion 之一");
          }
          r->texts.push_back(std::move(text));
        } else {
          if (!item.is_int64() || item.as_int64() <= 0) {
            return Invalid(p, "policy.rule.value", p + " must be a positive id",
                           p + " 须为正整数编号");
          }
          r->ids.push_back(item.as_int64());
        }
      }
      if (IsDatedSetFact(f)) {
        allowed->insert("on");
        if (o.contains("on")) {
          const json::value& d = o.at("on");
          if (!d.is_string()) {
            return Invalid(path + ".on", "policy.rule.value", path + ".on must be YYYY-MM-DD",
                           path + ".on 须为 YYYY-MM-DD 格式日期");
          }
          auto date = Date::Parse(d.as_string(), path + ".on");
          if (!date.ok()) {
            return date.status();
          }
          r->on = *date;
        }
      }
    } else if (IsBoolFact(f)) {
      allowed->insert("is");
      if (!o.contains("is") || !o.at("is").is_bool()) {
        return Invalid(path + ".is", "policy.rule.value", path + ".is must be true or false",
                       path + ".is 须为 true 或 false");
      }
      r->is = o.at("is").as_bool();
    }
    return Status::Ok();
  }
};

json::object RuleObj(const Rule& r) {
  json::object o;
  if (!r.id.empty()) {
    o["id"] = r.id;
  }
  if (!r.label_zh.empty()) {
    o["label_zh"] = r.label_zh;
  }
  if (!r.label_en.empty()) {
    o["label_en"] = r.label_en;
  }
  if (r.kind == Rule::Kind::kAll || r.kind == Rule::Kind::kAny) {
    json::array arr;
    for (const Rule& c : r.children) {
      arr.push_back(RuleObj(c));
    }
    o[r.kind == Rule::Kind::kAll ? "all" : "any"] = std::move(arr);
    return o;
  }
  if (r.kind == Rule::Kind::kNot) {
    o["not"] = r.children.empty() ? json::object() : RuleObj(r.children[0]);
    return o;
  }
  o["fact"] = FactName(r.fact);
  const Fact f = r.fact;
  if (IsNumericFact(f)) {
    o["op"] = OpName(r.op);
    if (IsMoneyFact(f)) {
      o["value"] = r.amount.ToYuanString();
    } else {
      o["value"] = r.number;
    }
    if (IsYearlyFact(f)) {
      if (r.year) {
        o["year"] = *r.year;
      } else {
        o["year_offset"] = r.year_offset;
      }
    }
    if (IsWindowFact(f)) {
      o["years"] = r.years;
    }
  } else if (IsTextSetFact(f) || IsIdSetFact(f)) {
    json::array arr;
    for (const auto& t : r.texts) {
      arr.emplace_back(t);
    }
    for (int64_t id : r.ids) {
      arr.emplace_back(id);
    }
    o["in"] = std::move(arr);
    if (r.on) {
      o["on"] = r.on->ToString();
    }
  } else {
    o["is"] = r.is;
  }
  return o;
}

// ---- Evaluation -----------------------------------------------------------------------------

struct Window {
  int first = 0;
  int last = 0;
  std::string en() const {
    return first == last ? std::to_string(last)
                         : std::to_string(first) + "–" + std::to_string(last);
  }
  std::string zh() const {
    return first == last ? std::to_string(last) + "年"
                         : std::to_string(first) + "—" + std::to_string(last) + "年";
  }
};

Window WindowOf(const Rule& r, Date d) {
  int last = r.year ? *r.year : d.year() + r.year_offset;
  return {last - r.years + 1, last};
}

std::string Label(const Rule& r, bool zh) {
  if (zh && !r.label_zh.empty()) {
    return r.label_zh;
  }
  if (!zh && !r.label_en.empty()) {
    return r.label_en;
  }
  return zh ? FactNameZh(r.fact) : FactName(r.fact);
}

// The reason texts are rendered only when `texts` is set (Detail::kFull); `en` and `zh` are
// callables returning the clause's description, so a verdict-only evaluation builds no strings.
template <typename En, typename Zh>
void SetMet(ClauseResult* c, bool texts, bool met, En&& en, Zh&& zh) {
  c->result = met ? Tri::kYes : Tri::kNo;
  if (texts) {
    c->reason_en = en() + (met ? ": met" : ": not met");
    c->reason_zh = zh() + (met ? "：满足" : "：不满足");
  }
}

template <typename En, typename Zh>
void SetNotMet(ClauseResult* c, bool texts, En&& en, Zh&& zh) {
  c->result = Tri::kNo;
  if (texts) {
    c->reason_en = en();
    c->reason_zh = zh();
  }
}

template <typename En, typename Zh>
void SetUnknown(ClauseResult* c, bool texts, std::vector<std::string> missing, En&& en, Zh&& zh) {
  c->result = Tri::kUnknown;
  c->missing = std::move(missing);
  if (texts) {
    c->reason_en = en() + " is not on record";
    c->reason_zh = "缺少" + zh() + "数据，待核实";
  }
}

template <typename T>
std::vector<std::string> MissingYears(const std::map<int, T>& m, const char* name, int first,
                                      int last) {
  std::vector<std::string> out;
  for (int y = first; y <= last; ++y) {
    if (!m.contains(y)) {
      out.push_back(std::string(name) + ":" + std::to_string(y));
    }
  }
  return out;
}

std::optional<chain::GradientTier> TierAt(const EnterpriseFacts& f, Date d) {
  std::optional<chain::GradientTier> best;
  for (const auto& r : f.tiers) {
    if (r.from <= d && (!r.to || d <= *r.to) && (!best || r.tier > *best)) {
      best = r.tier;
    }
  }
  return best;
}

std::string JoinTexts(const std::vector<std::string>& t) {
  std::string out;
  for (const auto& s : t) {
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}
std::string JoinIds(const std::vector<int64_t>& t) {
  std::string out;
  for (int64_t s : t) {
    out += (out.empty() ? "" : ", ") + std::to_string(s);
  }
  return out;
}

void EvalLeaf(const Rule& r, const EnterpriseFacts& f, Date d, bool texts, ClauseResult* c) {
  // Labels and the operator symbol are rendered inside the text callables only.
  auto name_en = [&] { return Label(r, false); };
  auto name_zh = [&] { return Label(r, true); };
  auto sym = [&] { return std::string(kOpSymbols[static_cast<int>(r.op)]); };
  const Window w = WindowOf(r, d);
  switch (r.fact) {
    case Fact::kRevenue:
    case Fact::kRdSpend: {
      const auto& m = r.fact == Fact::kRevenue ? f.revenue : f.rd_spend;
      auto missing = MissingYears(m, FactName(r.fact), w.first, w.last);
      if (!missing.empty()) {
        SetUnknown(
            c, texts, std::move(missing), [&] { return name_en() + " " + w.en(); },
            [&] { return w.zh() + name_zh(); });
        return;
      }
      Money sum;
      for (int y = w.first; y <= w.last; ++y) {
        sum = sum + m.at(y);
      }
      SetMet(
          c, texts,
          Compare(static_cast<double>(sum.fen()), r.op, static_cast<double>(r.amount.fen())),
          [&] {
            const std::string total_en = w.first == w.last ? "" : " (total)";
            return name_en() + " " + w.en() + total_en + " " + sum.ToYuanString() +
                   " yuan, required " + sym() + " " + r.amount.ToYuanString();
          },
          [&] {
            const std::string total_zh = w.first == w.last ? "" : "合计";
            return w.zh() + name_zh() + total_zh + " " + sum.ToYuanString() + " 元，要求 " + sym() +
                   " " + r.amount.ToYuanString() + " 元";
          });
      return;
    }
    case Fact::kRdShare: {
      auto missing = MissingYears(f.revenue, "revenue", w.first, w.last);
      auto more = MissingYears(f.rd_spend, "rd_spend", w.first, w.last);
      missing.insert(missing.end(), more.begin(), more.end());
      if (!missing.empty()) {
        SetUnknown(
            c, texts, std::move(missing), [&] { return name_en() + " " + w.en(); },
            [&] { return w.zh() + name_zh(); });
        return;
      }
      int64_t rev = 0;
      int64_t rd = 0;
      for (int y = w.first; y <= w.last; ++y) {
        rev += f.revenue.at(y).fen();
        rd += f.rd_spend.at(y).fen();
      }
      if (rev <= 0) {
        SetNotMet(
            c, texts,
            [&] {
              return name_en() + " " + w.en() + ": revenue is zero, share undefined: not met";
            },
            [&] { return w.zh() + "营业收入为零，无法计算" + name_zh() + "：不满足"; });
        return;
      }
      double share = 100.0 * static_cast<double>(rd) / static_cast<double>(rev);
      SetMet(
          c, texts, Compare(share, r.op, r.number),
          [&] {
            return name_en() + " " + w.en() + " " + Num(share) + "%, required " + sym() + " " +
                   Num(r.number) + "%";
          },
          [&] {
            return w.zh() + name_zh() + " " + Num(share) + "%，要求 " + sym() + " " +
                   Num(r.number) + "%";
          });
      return;
    }
    case Fact::kRevenueGrowth: {
      auto missing = MissingYears(f.revenue, "revenue", w.first - 1, w.last);
      if (!missing.empty()) {
        SetUnknown(
            c, texts, std::move(missing), [&] { return name_en() + " " + w.en(); },
            [&] { return w.zh() + name_zh(); });
        return;
      }
      double total = 0;
      for (int y = w.first; y <= w.last; ++y) {
        int64_t prev = f.revenue.at(y - 1).fen();
        if (prev <= 0) {
          SetNotMet(
              c, texts,
              [&] {
                return name_en() + ": revenue " + std::to_string(y - 1) + " is zero: not met";
              },
              [&] { return std::to_string(y - 1) + "年营业收入为零，无法计算增长率：不满足"; });
          return;
        }
        total +=
            100.0 * static_cast<double>(f.revenue.at(y).fen() - prev) / static_cast<double>(prev);
      }
      double avg = total / r.years;
      SetMet(
          c, texts, Compare(avg, r.op, r.number),
          [&] {
            return name_en() + " " + w.en() + " " + Num(avg) + "%, required " + sym() + " " +
                   Num(r.number) + "%";
          },
          [&] {
            return w.zh() + name_zh() + " " + Num(avg) + "%，要求 " + sym() + " " + Num(r.number) +
                   "%";
          });
      return;
    }
    case Fact::kDigitalLevel:
    case Fact::kMainBusinessShare:
    case Fact::kEmployees: {
      std::optional<double> value;
      if (r.fact == Fact::kDigitalLevel && f.digital_level.contains(w.last)) {
        value = f.digital_level.at(w.last);
      } else if (r.fact == Fact::kMainBusinessShare && f.main_business_share.contains(w.last)) {
        value = f.main_business_share.at(w.last);
      } else if (r.fact == Fact::kEmployees && f.employees.contains(w.last)) {
        value = static_cast<double>(f.employees.at(w.last));
      }
      if (!value) {
        SetUnknown(
            c, texts, {std::string(FactName(r.fact)) + ":" + std::to_string(w.last)},
            [&] { return name_en() + " " + w.en(); }, [&] { return w.zh() + name_zh(); });
        return;
      }
      const char* unit = r.fact == Fact::kMainBusinessShare ? "%" : "";
      SetMet(
          c, texts, Compare(*value, r.op, r.number),
          [&] {
            return name_en() + " " + w.en() + " " + Num(*value) + unit + ", required " + sym() +
                   " " + Num(r.number) + unit;
          },
          [&] {
            return w.zh() + name_zh() + " " + Num(*value) + unit + "，要求 " + sym() + " " +
                   Num(r.number) + unit;
          });
      return;
    }
    case Fact::kYearsSinceFounding: {
      if (!f.founded_on) {
        SetUnknown(
            c, texts, {"founded_on"}, [] { return std::string("founding date"); },
            [] { return std::string("成立日期"); });
        return;
      }
      const Date fo = *f.founded_on;
      int years =
          d.year() - fo.year() -
          ((d.month() < fo.month() || (d.month() == fo.month() && d.day() < fo.day())) ? 1 : 0);
      SetMet(
          c, texts, Compare(years, r.op, r.number),
          [&] {
            return "founded " + fo.ToString() + ", " + std::to_string(years) + " years by " +
                   d.ToString() + ", required " + sym() + " " + Num(r.number);
          },
          [&] {
            return "成立于 " + fo.ToString() + "，截至 " + d.ToString() + " 已满 " +
                   std::to_string(years) + " 年，要求 " + sym() + " " + Num(r.number) + " 年";
          });
      return;
    }
    case Fact::kGradientTier: {
      if (!f.tiers_known) {
        SetUnknown(
            c, texts, {"gradient_tier"}, [] { return std::string("gradient tier history"); },
            [] { return std::string("梯度培育认定记录"); });
        return;
      }
      const Date on = r.on.value_or(d);
      auto tier = TierAt(f, on);
      const char* name = tier ? chain::GradientTierName(*tier) : "none";
      bool met = std::find(r.texts.begin(), r.texts.end(), name) != r.texts.end();
      SetMet(
          c, texts, met,
          [&] {
            return "gradient tier on " + on.ToString() + " is " + name + ", required one of " +
                   JoinTexts(r.texts);
          },
          [&] {
            const std::string tier_zh = tier ? chain::GradientTierNameZh(*tier) : "无";
            return on.ToString() + " 有效的梯度培育层级为“" + tier_zh + "”，要求属于 " +
                   JoinTexts(r.texts);
          });
      return;
    }
    case Fact::kDistrict: {
      if (f.district.empty()) {
        SetUnknown(
            c, texts, {"district"}, [] { return std::string("district"); },
            [] { return std::string("所在区县"); });
        return;
      }
      bool met = std::find(r.texts.begin(), r.texts.end(), f.district) != r.texts.end();
      SetMet(
          c, texts, met,
          [&] { return "district " + f.district + ", required one of " + JoinTexts(r.texts); },
          [&] { return "所在区县为" + f.district + "，要求属于 " + JoinTexts(r.texts); });
      return;
    }
    case Fact::kPark: {
      if (!f.has_park_fact) {
        SetUnknown(
            c, texts, {"park"}, [] { return std::string("park"); },
            [] { return std::string("所在园区"); });
        return;
      }
      bool met = f.park_id && std::find(r.ids.begin(), r.ids.end(), *f.park_id) != r.ids.end();
      auto p = [&] { return f.park_id ? std::to_string(*f.park_id) : std::string("none"); };
      SetMet(
          c, texts, met, [&] { return "park " + p() + ", required one of " + JoinIds(r.ids); },
          [&] { return "所在园区编号 " + p() + "，要求属于 " + JoinIds(r.ids); });
      return;
    }
    case Fact::kChainNode:
    case Fact::kChain: {
      if (!f.links_known) {
        SetUnknown(
            c, texts, {"chain_links"}, [] { return std::string("chain links"); },
            [] { return std::string("产业链节点关联"); });
        return;
      }
      const Date on = r.on.value_or(d);
      bool met = false;
      for (const LinkFact& l : f.links) {
        if (l.from <= on && (!l.to || on <= *l.to)) {
          int64_t key = r.fact == Fact::kChainNode ? l.node_id : l.chain_id;
          met = met || std::find(r.ids.begin(), r.ids.end(), key) != r.ids.end();
        }
      }
      const bool node = r.fact == Fact::kChainNode;
      SetMet(
          c, texts, met,
          [&] {
            return std::string(met ? "linked" : "not linked") + " on " + on.ToString() + " to " +
                   (node ? "chain node" : "chain") + " " + JoinIds(r.ids);
          },
          [&] {
            return on.ToString() + (met ? " 已关联" : " 未关联") +
                   (node ? "产业链节点 " : "产业链 ") + JoinIds(r.ids);
          });
      return;
    }
    case Fact::kGreenFactory:
    case Fact::kAboveSize: {
      const auto& v = r.fact == Fact::kGreenFactory ? f.green_factory : f.above_size;
      if (!v) {
        SetUnknown(c, texts, {FactName(r.fact)}, name_en, name_zh);
        return;
      }
      SetMet(
          c, texts, *v == r.is,
          [&] { return name_en() + (*v ? " yes" : " no") + ", required " + (r.is ? "yes" : "no"); },
          [&] { return name_zh() + (*v ? "：是" : "：否") + "，要求" + (r.is ? "是" : "否"); });
      return;
    }
  }
}

// Evaluates `r` into `c`. texts (Detail::kFull): every clause gets its path, reasons and
// children. Otherwise (Detail::kVerdict) only result and missing are set, children are not kept
// (an unknown node takes over its unknown children's missing facts, which is what
// CollectMissing would gather from them) and all / any stop at the first deciding child.
void EvalNode(const Rule& r, const EnterpriseFacts& f, Date d, bool texts, const std::string& path,
              ClauseResult* c) {
  if (texts) {
    c->path = path;
    c->id = r.id;
  }
  c->kind = r.kind;
  if (r.kind == Rule::Kind::kLeaf) {
    EvalLeaf(r, f, d, texts, c);
    return;
  }
  const char* key =
      r.kind == Rule::Kind::kAll ? "all" : (r.kind == Rule::Kind::kAny ? "any" : "not");
  int yes = 0;
  int no = 0;
  int unknown = 0;
  if (!texts) {
    ClauseResult child;
    for (const Rule& sub : r.children) {
      child = ClauseResult{};
      EvalNode(sub, f, d, false, path, &child);
      if (child.result == Tri::kUnknown) {
        ++unknown;
        c->missing.insert(c->missing.end(), std::make_move_iterator(child.missing.begin()),
                          std::make_move_iterator(child.missing.end()));
      } else if (child.result == Tri::kYes) {
        ++yes;
        if (r.kind == Rule::Kind::kAny) {
          break;  // decided: yes
        }
      } else {
        ++no;
        if (r.kind == Rule::Kind::kAll) {
          break;  // decided: no
        }
      }
    }
  } else {
    for (size_t i = 0; i < r.children.size(); ++i) {
      std::string p = path + "." + key;
      if (r.kind != Rule::Kind::kNot) {
        p += "[" + std::to_string(i) + "]";
      }
      ClauseResult child;
      EvalNode(r.children[i], f, d, true, p, &child);
      yes += child.result == Tri::kYes;
      no += child.result == Tri::kNo;
      unknown += child.result == Tri::kUnknown;
      c->children.push_back(std::move(child));
    }
  }
  if (r.kind == Rule::Kind::kAll) {
    c->result = no > 0 ? Tri::kNo : (unknown > 0 ? Tri::kUnknown : Tri::kYes);
  } else if (r.kind == Rule::Kind::kAny) {
    c->result = yes > 0 ? Tri::kYes : (unknown > 0 ? Tri::kUnknown : Tri::kNo);
  } else {
    c->result = yes > 0 ? Tri::kNo : (no > 0 ? Tri::kYes : Tri::kUnknown);
  }
  if (!texts) {
    if (c->result != Tri::kUnknown) {
      c->missing.clear();  // a decided subtree needs nothing more
    }
    return;
  }
  const std::string counts_en = std::to_string(yes) + " met, " + std::to_string(no) + " not met, " +
                                std::to_string(unknown) + " unknown";
  const std::string counts_zh = "满足 " + std::to_string(yes) + " 项，不满足 " +
                                std::to_string(no) + " 项，待核实 " + std::to_string(unknown) +
                                " 项";
  const std::string lbl_en = r.label_en.empty() ? "" : r.label_en + ": ";
  const std::string lbl_zh = r.label_zh.empty() ? "" : r.label_zh + "：";
  const std::string n = std::to_string(r.children.size());
  if (r.kind == Rule::Kind::kAll) {
    c->reason_en = lbl_en + "all of " + n + " conditions required; " + counts_en;
    c->reason_zh = lbl_zh + "须同时满足 " + n + " 项条件；" + counts_zh;
  } else if (r.kind == Rule::Kind::kAny) {
    c->reason_en = lbl_en + "any of " + n + " conditions suffices; " + counts_en;
    c->reason_zh = lbl_zh + "满足 " + n + " 项条件之一即可；" + counts_zh;
  } else {
    c->reason_en = lbl_en + "must not hold: " + c->children[0].reason_en;
    c->reason_zh = lbl_zh + "须不满足：" + c->children[0].reason_zh;
  }
}

void CollectMissing(const ClauseResult& c, std::set<std::string>* out) {
  if (c.result != Tri::kUnknown) {
    return;  // a decided subtree needs nothing more
  }
  out->insert(c.missing.begin(), c.missing.end());
  for (const auto& child : c.children) {
    CollectMissing(child, out);
  }
}

bool ValidKey(std::string_view k) {
  if (k.empty() || k.size() > 40) {
    return false;
  }
  return std::all_of(k.begin(), k.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

bool Blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; });
}

}  // namespace

// ---- enums ----------------------------------------------------------------------------------

const char* CategoryName(Category c) { return kCategoryNames[static_cast<int>(c)]; }
const char* CategoryNameZh(Category c) { return kCategoryZh[static_cast<int>(c)]; }
Result<Category> ParseCategory(std::string_view text, std::string_view field) {
  return ParseEnum<Category>(text, field, "category", kCategoryNames);
}
const char* ModeName(Mode m) { return kModeNames[static_cast<int>(m)]; }
const char* ModeNameZh(Mode m) { return kModeZh[static_cast<int>(m)]; }
Result<Mode> ParseMode(std::string_view text, std::string_view field) {
  return ParseEnum<Mode>(text, field, "mode", kModeNames);
}
const char* PolicyStatusName(PolicyStatus s) { return kStatusNames[static_cast<int>(s)]; }
Result<PolicyStatus> ParsePolicyStatus(std::string_view text, std::string_view field) {
  return ParseEnum<PolicyStatus>(text, field, "status", kStatusNames);
}
const char* TriName(Tri t) { return kTriNames[static_cast<int>(t)]; }
const char* TriNameZh(Tri t) { return kTriZh[static_cast<int>(t)]; }
const char* FactName(Fact f) { return kFactNames[static_cast<int>(f)]; }
const char* FactNameZh(Fact f) { return kFactZh[static_cast<int>(f)]; }
Result<Fact> ParseFact(std::string_view text, std::string_view field) {
  return ParseEnum<Fact>(text, field, "fact", kFactNames);
}
std::vector<FactInfo> FactCatalogue() {
  std::vector<FactInfo> out;
  for (int i = 0; i <= static_cast<int>(Fact::kAboveSize); ++i) {
    const Fact f = static_cast<Fact>(i);
    const char* kind = IsMoneyFact(f)     ? "money"
                       : IsPercentFact(f) ? "percent"
                       : IsNumericFact(f) ? "number"
                       : IsTextSetFact(f) ? "texts"
                       : IsIdSetFact(f)   ? "ids"
                                          : "bool";
    out.push_back(FactInfo{.fact = f,
                           .kind = kind,
                           .yearly = IsYearlyFact(f),
                           .window = IsWindowFact(f),
                           .dated = IsDatedSetFact(f)});
  }
  return out;
}
const char* OpName(Op o) { return kOpNames[static_cast<int>(o)]; }
const char* ApplicationKindName(ApplicationKind k) { return kKindNames[static_cast<int>(k)]; }
Result<ApplicationKind> ParseApplicationKind(std::string_view text, std::string_view field) {
  return ParseEnum<ApplicationKind>(text, field, "kind", kKindNames);
}

// ---- supplied facts -------------------------------------------------------------------------

bool IsSuppliedFactName(std::string_view fact) {
  return fact == "founded_on" || fact == "main_business_share" || fact == "employees";
}

Status ValidateSuppliedFact(const SuppliedFact& f) {
  if (!IsSuppliedFactName(f.fact)) {
    return Invalid(
        "fact", "policy.fact.unknown",
        "unknown fact \"" + f.fact + "\" (one of founded_on, main_business_share, employees)",
        "未知的事实“" + f.fact + "”（可选：founded_on、main_business_share、employees）");
  }
  const bool yearly = f.fact != "founded_on";
  if (yearly != (f.year != 0) || (yearly && (f.year < 1900 || f.year > 9999))) {
    return Invalid("year", "policy.fact.year",
                   yearly ? f.fact + " needs a year (1900-9999)" : "founded_on takes no year",
                   yearly ? f.fact + " 须给出年份（1900-9999）" : "founded_on 不带年份");
  }
  if (f.fact == "founded_on") {
    if (!Date::Parse(f.value, "value").ok()) {
      return Invalid("value", "policy.fact.value", "founded_on must be YYYY-MM-DD",
                     "成立日期须为 YYYY-MM-DD 格式");
    }
    return Status::Ok();
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(f.value.data(), f.value.data() + f.value.size(), v);
  bool ok = ec == std::errc() && ptr == f.value.data() + f.value.size() && std::isfinite(v);
  if (f.fact == "main_business_share") {
    ok = ok && v >= 0 && v <= 100;
  } else {
    ok = ok && v >= 0 && v == std::floor(v) && v < 1e9;
  }
  if (!ok) {
    return Invalid(
        "value", "policy.fact.value",
        f.fact == "employees" ? "employees must be a whole number ≥ 0"
                              : "main_business_share must be a percent 0-100",
        f.fact == "employees" ? "从业人员须为非负整数" : "主营业务收入占比须为 0-100 的百分数");
  }
  return Status::Ok();
}

void ApplySuppliedFacts(const std::vector<SuppliedFact>& supplied, EnterpriseFacts* facts) {
  for (const SuppliedFact& s : supplied) {
    if (!ValidateSuppliedFact(s).ok()) {
      continue;
    }
    if (s.fact == "founded_on") {
      facts->founded_on = *Date::Parse(s.value);
    } else if (s.fact == "main_business_share") {
      facts->main_business_share[s.year] = std::stod(s.value);
    } else {
      facts->employees[s.year] = static_cast<int64_t>(std::stod(s.value));
    }
  }
}

// ---- rules ----------------------------------------------------------------------------------

Result<Rule> ParseRule(std::string_view text, std::string_view field) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return Invalid(std::string(field), "policy.rule.json",
                   "the rule is not valid JSON: " + ec.message(), "规则不是合法的 JSON");
  }
  RuleParser parser;
  return parser.Parse(v, std::string(field), 0);
}

std::string RuleToJson(const Rule& rule) { return json::serialize(RuleObj(rule)); }

Evaluation Evaluate(const Rule& rule, const EnterpriseFacts& facts, Date date, Detail detail) {
  Evaluation e;
  EvalNode(rule, facts, date, detail == Detail::kFull, "rule", &e.root);
  e.result = e.root.result;
  std::set<std::string> missing;
  CollectMissing(e.root, &missing);
  e.missing.assign(missing.begin(), missing.end());
  return e;
}

// ---- policies and versions ------------------------------------------------------------------

Status ValidatePolicy(const Policy& p) {
  const bool code_ok = p.code.size() >= 2 && p.code.size() <= 40 &&
                       std::all_of(p.code.begin(), p.code.end(), [](char ch) {
                         return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                                (ch >= '0' && ch <= '9') || ch == '-';
                       });
  if (!code_ok) {
    return Invalid("code", "policy.code", "code must be 2-40 letters, digits or '-'",
                   "政策编码须为 2-40 位字母、数字或“-”");
  }
  if (Blank(p.title)) {
    return Invalid("title", "policy.title", "title is required", "政策名称为必填项");
  }
  if (Blank(p.department)) {
    return Invalid("department", "policy.department", "the issuing department is required",
                   "发文部门为必填项");
  }
  return Status::Ok();
}

Status ValidateVersion(const PolicyVersion& v) {
  if (v.effective_to && *v.effective_to < v.effective_from) {
    return Invalid(
        "effective_to", "policy.date_order",
        "effective_to " + v.effective_to->ToString() + " is before effective_from " +
            v.effective_from.ToString(),
        "失效日期 " + v.effective_to->ToString() + " 早于生效日期 " + v.effective_from.ToString());
  }
  if (Blank(v.benefit_zh)) {
    return Invalid("benefit_zh", "policy.benefit", "the benefit description is required",
                   "享受内容为必填项");
  }
  if (v.amount && v.amount->fen() < 0) {
    return Invalid("amount", "policy.amount", "amount must not be negative", "金额不能为负");
  }
  std::set<std::string> keys;
  for (size_t i = 0; i < v.fields.size(); ++i) {
    const std::string p = "fields[" + std::to_string(i) + "].key";
    if (!ValidKey(v.fields[i].key)) {
      return Invalid(p, "policy.field_key", "a field key is 1-40 of a-z, 0-9, _",
                     "字段键须为 1-40 位小写字母、数字或下划线");
    }
    if (!keys.insert(v.fields[i].key).second) {
      return Invalid(p, "policy.field_duplicate", "field key " + v.fields[i].key + " is used twice",
                     "字段键 " + v.fields[i].key + " 重复");
    }
  }
  return Status::Ok();
}

bool InForce(const PolicyVersion& v, Date d) {
  return v.effective_from <= d && (!v.effective_to || d <= *v.effective_to);
}

const PolicyVersion* VersionOn(const std::vector<PolicyVersion>& versions, Date d) {
  const PolicyVersion* best = nullptr;
  for (const auto& v : versions) {
    if (v.published && InForce(v, d) && (!best || v.number > best->number)) {
      best = &v;
    }
  }
  return best;
}

Status CheckNoOverlap(const std::vector<PolicyVersion>& published, const PolicyVersion& v) {
  for (const auto& o : published) {
    if (o.id == v.id || !o.published) {
      continue;
    }
    const bool before = v.effective_to && *v.effective_to < o.effective_from;
    const bool after = o.effective_to && *o.effective_to < v.effective_from;
    if (!before && !after) {
      return base::FailedPrecondition(
          "policy.version_overlap",
          "the dates overlap published version " + std::to_string(o.number) + " (" +
              o.effective_from.ToString() + " – " +
              (o.effective_to ? o.effective_to->ToString() : "open") + ")",
          "生效期与已发布的第 " + std::to_string(o.number) + " 版重叠", "effective_from");
    }
  }
  return Status::Ok();
}

Result<std::vector<FieldSpec>> ParseFieldSpecs(std::string_view text, std::string_view field) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const std::string f(field);
  if (ec || !v.is_array()) {
    return Invalid(f, "policy.fields", f + " must be an array of {key,label_zh,label_en,required}",
                   f + " 须为字段数组");
  }
  std::vector<FieldSpec> out;
  size_t i = 0;
  for (const json::value& item : v.as_array()) {
    const std::string p = f + "[" + std::to_string(i++) + "]";
    if (!item.is_object()) {
      return Invalid(p, "policy.fields", p + " must be an object", p + " 须为对象");
    }
    FieldSpec s;
    for (const auto& [key, val] : item.as_object()) {
      const std::string kp = p + "." + std::string(key);
      if (key == "required") {
        if (!val.is_bool()) {
          return Invalid(kp, "policy.fields", kp + " must be a boolean", kp + " 须为布尔值");
        }
        s.required = val.as_bool();
      } else if (key == "key" || key == "label_zh" || key == "label_en") {
        if (!val.is_string()) {
          return Invalid(kp, "policy.fields", kp + " must be a string", kp + " 须为字符串");
        }
        std::string t(val.as_string());
        (key == "key" ? s.key : key == "label_zh" ? s.label_zh : s.label_en) = std::move(t);
      } else {
        return Invalid(kp, "policy.fields", "unknown key " + kp, "未知字段 " + kp);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string FieldSpecsToJson(const std::vector<FieldSpec>& fields) {
  json::array arr;
  for (const auto& s : fields) {
    arr.push_back(json::object{{"key", s.key},
                               {"label_zh", s.label_zh},
                               {"label_en", s.label_en},
                               {"required", s.required}});
  }
  return json::serialize(arr);
}

Status CheckApplicationFields(const std::vector<FieldSpec>& spec, const flow::Fields& given) {
  for (const auto& field : given) {
    const std::string& key = field.first;
    bool known =
        std::any_of(spec.begin(), spec.end(), [&](const FieldSpec& s) { return s.key == key; });
    if (!known) {
      return Invalid("fields." + key, "policy.application.unknown_field",
                     "this policy asks for no field \"" + key + "\"",
                     "本政策申报不需要字段“" + key + "”");
    }
  }
  for (const FieldSpec& s : spec) {
    auto it = given.find(s.key);
    if (s.required && (it == given.end() || Blank(it->second))) {
      return Invalid("fields." + s.key, "policy.application.required",
                     (s.label_en.empty() ? s.key : s.label_en) + " is required",
                     (s.label_zh.empty() ? s.key : s.label_zh) + "为必填项");
    }
  }
  return Status::Ok();
}

// ---- workflows ------------------------------------------------------------------------------

flow::MachineSpec ApplicationSpec() {
  using auth::Role;
  const std::vector<Role> staff = {Role::kOfficer, Role::kOperator};
  return flow::MachineSpec{
      .name = "policy_application",
      .initial = "submitted",
      .states =
          {{.id = "submitted", .label_zh = "已提交", .label_en = "Submitted"},
           {.id = "reviewing", .label_zh = "审核中", .label_en = "Under review"},
           {.id = "approved", .label_zh = "已通过", .label_en = "Approved"},
           {.id = "rejected", .label_zh = "未通过", .label_en = "Rejected", .terminal = true},
           {.id = "disbursed", .label_zh = "已兑现", .label_en = "Disbursed", .terminal = true},
           {.id = "withdrawn", .label_zh = "已撤回", .label_en = "Withdrawn", .terminal = true}},
      .transitions = {
          {.action = "accept",
           .from = {"submitted"},
           .to = "reviewing",
           .roles = staff,
           .events = {"policy.application.accepted"},
           .label_zh = "受理",
           .label_en = "Accept"},
          {.action = "approve",
           .from = {"reviewing"},
           .to = "approved",
           .roles = staff,
           .required = {"opinion"},
           .events = {"policy.application.approved"},
           .label_zh = "审核通过",
           .label_en = "Approve"},
          {.action = "reject",
           .from = {"submitted", "reviewing"},
           .to = "rejected",
           .roles = staff,
           .required = {"reason"},
           .events = {"policy.application.rejected"},
           .label_zh = "不予通过",
           .label_en = "Reject"},
          {.action = "disburse",
           .from = {"approved"},
           .to = "disbursed",
           .roles = staff,
           .guards = {"amount_yuan"},
           .required = {"amount"},
           .events = {"policy.application.disbursed"},
           .label_zh = "兑现",
           .label_en = "Disburse"},
          {.action = "withdraw",
           .from = {"submitted"},
           .to = "withdrawn",
           .roles = {Role::kEnterprise},
           .events = {"policy.application.withdrawn"},
           .label_zh = "撤回",
           .label_en = "Withdraw"},
      }};
}

flow::MachineSpec AutoBenefitSpec() {
  using auth::Role;
  const std::vector<Role> staff = {Role::kOfficer, Role::kOperator};
  return flow::MachineSpec{
      .name = "policy_auto_benefit",
      .initial = "pending",
      .states =
          {{.id = "pending", .label_zh = "待确认", .label_en = "Pending confirmation"},
           {.id = "confirmed", .label_zh = "已确认", .label_en = "Confirmed"},
           {.id = "disbursed", .label_zh = "已兑现", .label_en = "Disbursed", .terminal = true},
           {.id = "dismissed", .label_zh = "不予兑现", .label_en = "Dismissed", .terminal = true}},
      .transitions = {
          {.action = "confirm",
           .from = {"pending"},
           .to = "confirmed",
           .roles = staff,
           .events = {"policy.benefit.confirmed"},
           .label_zh = "确认",
           .label_en = "Confirm"},
          {.action = "dismiss",
           .from = {"pending", "confirmed"},
           .to = "dismissed",
           .roles = staff,
           .required = {"reason"},
           .events = {"policy.benefit.dismissed"},
           .label_zh = "不予兑现",
           .label_en = "Dismiss"},
          {.action = "disburse",
           .from = {"confirmed"},
           .to = "disbursed",
           .roles = staff,
           .guards = {"amount_yuan"},
           .required = {"amount"},
           .events = {"policy.benefit.disbursed"},
           .label_zh = "兑现",
           .label_en = "Disburse"},
      }};
}

flow::GuardTable PolicyGuards() {
  flow::GuardTable t;
  Status s =
      t.Add(flow::Guard{.name = "amount_yuan",
                        .check =
                            [](const flow::GuardInput& in) {
                              auto it = in.input.find("amount");
                              if (it == in.input.end()) {
                                return false;
                              }
                              auto m = Money::ParseYuan(it->second, "amount");
                              return m.ok() && m->fen() >= 0;
                            },
                        .message_en = "amount must be a non-negative sum in yuan, e.g. 50000.00",
                        .message_zh = "金额须为以元计的非负数，如 50000.00",
                        .field = "amount",
                        .code = base::Code::kInvalidArgument});
  (void)s;  // the name is fixed and unique
  return t;
}

const char* WorkflowOf(ApplicationKind k) {
  return k == ApplicationKind::kAuto ? "auto_benefit" : "application";
}

bool IsClosedState(std::string_view state) {
  return state == "rejected" || state == "withdrawn" || state == "dismissed";
}

void AddToTally(const Evaluation& e, MatchTally* tally) {
  switch (e.result) {
    case Tri::kYes:
      ++tally->yes;
      break;
    case Tri::kNo:
      ++tally->no;
      break;
    case Tri::kUnknown:
      ++tally->unknown;
      for (const auto& m : e.missing) {
        ++tally->ask[m];
      }
      break;
  }
}

}  // namespace kechan::policy
