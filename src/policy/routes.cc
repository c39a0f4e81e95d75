#include "policy/routes.h"

#include <boost/json.hpp>
#include <charconv>

#include "http/json_body.h"
#include "table/table.h"

namespace kechan::policy {
namespace {

namespace json = boost::json;
using base::Date;
using base::Result;
using base::Status;

json::value DateJson(const std::optional<Date>& d) {
  return d ? json::value(d->ToString()) : json::value(nullptr);
}

json::object PolicyObj(const Policy& p) {
  return json::object{{"id", p.id.value},
                      {"code", p.code},
                      {"title", p.title},
                      {"title_en", p.title_en},
                      {"category", CategoryName(p.category)},
                      {"category_zh", CategoryNameZh(p.category)},
                      {"department", p.department},
                      {"summary", p.summary},
                      {"mode", ModeName(p.mode)},
                      {"mode_zh", ModeNameZh(p.mode)},
                      {"status", PolicyStatusName(p.status)}};
}

json::object VersionObj(const PolicyVersion& v) {
  json::value fields = json::parse(FieldSpecsToJson(v.fields));
  return json::object{
      {"id", v.id.value},
      {"policy_id", v.policy_id.value},
      {"number", v.number},
      {"effective_from", v.effective_from.ToString()},
      {"effective_to", DateJson(v.effective_to)},
      {"rule", json::parse(RuleToJson(v.rule))},
      {"benefit_zh", v.benefit_zh},
      {"benefit_en", v.benefit_en},
      {"amount", v.amount ? json::value(v.amount->ToYuanString()) : json::value(nullptr)},
      {"fields", std::move(fields)},
      {"published", v.published},
      {"published_at", v.published_at ? json::value(*v.published_at) : json::value(nullptr)}};
}

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) {
    out.emplace_back(s);
  }
  return out;
}

json::object ClauseObj(const ClauseResult& c) {
  json::array children;
  for (const auto& ch : c.children) {
    children.push_back(ClauseObj(ch));
  }
  return json::object{{"path", c.path},
                      {"id", c.id},
                      {"result", TriName(c.result)},
                      {"reason", c.reason_en},
                      {"reason_zh", c.reason_zh},
                      {"missing", Strings(c.missing)},
                      {"children", std::move(children)}};
}

json::object ApplicationObj(const Application& a) {
  json::object fields;
  for (const auto& [k, v] : a.fields) {
    fields[k] = v;
  }
  boost::system::error_code ec;
  json::value history = json::parse(a.history_json, ec);
  return json::object{{"id", a.id.value},
                      {"policy_id", a.policy_id.value},
                      {"version_id", a.version_id.value},
                      {"enterprise_id", a.enterprise_id},
                      {"enterprise_name", a.enterprise_name},
                      {"kind", ApplicationKindName(a.kind)},
                      {"workflow", WorkflowOf(a.kind)},
                      {"state", a.state},
                      {"fields", std::move(fields)},
                      {"evaluation", TriName(a.evaluation)},
                      {"missing", Strings(a.missing)},
                      {"history", ec ? json::value(json::array()) : history},
                      {"created_at", a.created_at},
                      {"updated_at", a.updated_at}};
}

json::object FitObj(const PolicyFit& f) {
  return json::object{
      {"policy", PolicyObj(f.policy)},
      {"version", VersionObj(f.version)},
      {"result", TriName(f.evaluation.result)},
      {"result_zh", TriNameZh(f.evaluation.result)},
      {"missing", Strings(f.evaluation.missing)},
      {"clauses", ClauseObj(f.evaluation.root)},
      {"application", f.application ? json::value(ApplicationObj(*f.application)) : nullptr}};
}

// ---- request parsing ----------------------------------------------------------------------

std::string QueryText(const http::Request& req, const char* name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

Result<int64_t> QueryInt(const http::Request& req, const std::string& name, int64_t def) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return def;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || ptr != it->second.data() + it->second.size()) {
    return base::InvalidArgument(name, "query.integer",
                                 "query parameter \"" + name + "\" must be an integer",
                                 "查询参数“" + name + "”须为整数");
  }
  return v;
}

Result<Date> QueryDate(const http::Request& req, const std::string& name, Date def) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return def;
  }
  return Date::Parse(it->second, name);
}

Result<PageRequest> QueryPage(const http::Request& req) {
  PageRequest p;
  KECHAN_ASSIGN_OR_RETURN(p.page, QueryInt(req, "page", 1));
  KECHAN_ASSIGN_OR_RETURN(p.page_size, QueryInt(req, "page_size", 20));
  return p;
}

Result<std::optional<Date>> OptDate(http::ObjectReader& r, const char* field) {
  const json::value* v = r.Value(field, false);
  if (v == nullptr || v->is_null()) {
    return std::optional<Date>();
  }
  if (!v->is_string()) {
    return base::InvalidArgument(field, "date.format", std::string(field) + " must be YYYY-MM-DD",
                                 std::string(field) + " 须为 YYYY-MM-DD 格式日期");
  }
  KECHAN_ASSIGN_OR_RETURN(Date d, Date::Parse(v->as_string(), field));
  return std::optional<Date>(d);
}

// Reads the policy fields present in `obj` onto `p` (create: the required ones must be there).
Status ReadPolicy(const json::object& obj, Policy* p, bool create) {
  http::ObjectReader r(obj);
  if (create) {
    p->code = r.String("code", {.min_len = 2, .max_len = 40});
    p->title = r.String("title", {.min_len = 1, .max_len = 200});
    p->department = r.String("department", {.min_len = 1, .max_len = 100});
  } else {
    if (auto v = r.OptionalString("code", {.min_len = 2, .max_len = 40})) {
      p->code = *v;
    }
    if (auto v = r.OptionalString("title", {.min_len = 1, .max_len = 200})) {
      p->title = *v;
    }
    if (auto v = r.OptionalString("department", {.min_len = 1, .max_len = 100})) {
      p->department = *v;
    }
  }
  if (auto v = r.OptionalString("title_en", {.max_len = 300})) {
    p->title_en = *v;
  }
  if (auto v = r.OptionalString("summary", {.max_len = 4000})) {
    p->summary = *v;
  }
  auto category = r.OptionalString("category", {.max_len = 40});
  auto mode = r.OptionalString("mode", {.max_len = 40});
  KECHAN_RETURN_IF_ERROR(r.Finish());
  if (category) {
    KECHAN_ASSIGN_OR_RETURN(p->category, ParseCategory(*category, "category"));
  }
  if (mode) {
    KECHAN_ASSIGN_OR_RETURN(p->mode, ParseMode(*mode, "mode"));
  }
  return Status::Ok();
}

Status ReadVersion(const json::object& obj, PolicyVersion* v, bool create) {
  http::ObjectReader r(obj);
  KECHAN_ASSIGN_OR_RETURN(auto from, OptDate(r, "effective_from"));
  if (create && !from) {
    return base::InvalidArgument("effective_from", "json.required", "effective_from is required",
                                 "生效日期为必填项");
  }
  if (from) {
    v->effective_from = *from;
  }
  if (const json::value* to = r.Value("effective_to", false)) {
    KECHAN_ASSIGN_OR_RETURN(v->effective_to, OptDate(r, "effective_to"));
    (void)to;
  }
  if (const json::value* rule = r.Value("rule", create)) {
    KECHAN_ASSIGN_OR_RETURN(v->rule, ParseRule(json::serialize(*rule), "rule"));
  }
  if (create) {
    v->benefit_zh = r.String("benefit_zh", {.min_len = 1, .max_len = 4000});
  } else if (auto b = r.OptionalString("benefit_zh", {.min_len = 1, .max_len = 4000})) {
    v->benefit_zh = *b;
  }
  if (auto b = r.OptionalString("benefit_en", {.max_len = 4000})) {
    v->benefit_en = *b;
  }
  if (const json::value* a = r.Value("amount", false)) {
    if (a->is_null()) {
      v->amount.reset();
    } else if (a->is_string()) {
      KECHAN_ASSIGN_OR_RETURN(v->amount, base::Money::ParseYuan(a->as_string(), "amount"));
    } else if (a->is_int64()) {
      v->amount = base::Money::FromYuan(a->as_int64());
    } else {
      return base::InvalidArgument("amount", "json.type", "amount is a sum in yuan (\"50000\")",
                                   "金额须为以元计的数额（如 \"50000\"）");
    }
  }
  if (const json::value* f = r.Value("fields", false)) {
    KECHAN_ASSIGN_OR_RETURN(v->fields, ParseFieldSpecs(json::serialize(*f), "fields"));
  }
  return r.Finish();
}

Result<flow::Fields> ReadStringMap(const json::value* v, const std::string& field) {
  flow::Fields out;
  if (v == nullptr || v->is_null()) {
    return out;
  }
  if (!v->is_object()) {
    return base::InvalidArgument(field, "json.type", field + " must be an object of strings",
                                 field + " 须为字符串键值对象");
  }
  for (const auto& [k, val] : v->as_object()) {
    if (!val.is_string()) {
      return base::InvalidArgument(field + "." + std::string(k), "json.type",
                                   field + "." + std::string(k) + " must be a string",
                                   field + "." + std::string(k) + " 须为字符串");
    }
    out[std::string(k)] = std::string(val.as_string());
  }
  return out;
}

Result<std::optional<Tri>> ParseTri(const std::string& text) {
  if (text.empty()) {
    return std::optional<Tri>();
  }
  if (text == "yes") {
    return std::optional<Tri>(Tri::kYes);
  }
  if (text == "no") {
    return std::optional<Tri>(Tri::kNo);
  }
  if (text == "unknown") {
    return std::optional<Tri>(Tri::kUnknown);
  }
  return base::InvalidArgument("result", "query.result", "result must be yes, no or unknown",
                               "result 须为 yes、no 或 unknown");
}

// ---- handlers -----------------------------------------------------------------------------

Result<http::Response> ListPolicies(PolicyService& s, const http::Request& req) {
  PolicyFilter f;
  if (auto c = QueryText(req, "category"); !c.empty()) {
    KECHAN_ASSIGN_OR_RETURN(f.category, ParseCategory(c, "category"));
  }
  if (auto c = QueryText(req, "status"); !c.empty()) {
    KECHAN_ASSIGN_OR_RETURN(f.status, ParsePolicyStatus(c, "status"));
  }
  if (auto c = QueryText(req, "mode"); !c.empty()) {
    KECHAN_ASSIGN_OR_RETURN(f.mode, ParseMode(c, "mode"));
  }
  f.department = QueryText(req, "department");
  f.q = QueryText(req, "q");
  KECHAN_ASSIGN_OR_RETURN(PageRequest page, QueryPage(req));
  KECHAN_ASSIGN_OR_RETURN(PolicyPage p, s.ListPolicies(Caller::Of(req.principal), f, page));
  json::array items;
  for (const auto& x : p.items) {
    items.push_back(PolicyObj(x));
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)},
                                                        {"total", p.total},
                                                        {"page", p.page},
                                                        {"page_size", p.page_size}}));
}

Result<http::Response> PolicyDetailResponse(const PolicyDetail& d, int status = 200) {
  json::array versions;
  for (const auto& v : d.versions) {
    versions.push_back(VersionObj(v));
  }
  json::object o = PolicyObj(d.policy);
  o["versions"] = std::move(versions);
  return http::Response::Json(http::ToJson(o), status);
}

Result<http::Response> CreatePolicy(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  Policy p;
  KECHAN_RETURN_IF_ERROR(ReadPolicy(obj, &p, /*create=*/true));
  KECHAN_ASSIGN_OR_RETURN(Policy created, s.CreatePolicy(Caller::Of(req.principal), p));
  return PolicyDetailResponse({.policy = created, .versions = {}}, 201);
}

Result<http::Response> GetPolicy(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(PolicyDetail d, s.GetPolicy(Caller::Of(req.principal), PolicyId{id}));
  return PolicyDetailResponse(d);
}

Result<http::Response> PatchPolicy(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(PolicyDetail d, s.GetPolicy(caller, PolicyId{id}));
  KECHAN_RETURN_IF_ERROR(ReadPolicy(obj, &d.policy, /*create=*/false));
  KECHAN_ASSIGN_OR_RETURN(d.policy, s.UpdatePolicy(caller, d.policy));
  return PolicyDetailResponse(d);
}

Result<http::Response> WithdrawPolicy(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(Policy p, s.Withdraw(Caller::Of(req.principal), PolicyId{id}));
  return http::Response::Json(http::ToJson(PolicyObj(p)));
}

Result<http::Response> AddVersion(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  PolicyVersion v;
  v.policy_id = PolicyId{id};
  KECHAN_RETURN_IF_ERROR(ReadVersion(obj, &v, /*create=*/true));
  KECHAN_ASSIGN_OR_RETURN(PolicyVersion created, s.AddVersion(Caller::Of(req.principal), v));
  return http::Response::Json(http::ToJson(VersionObj(created)), 201);
}

Result<PolicyVersion> FindVersion(PolicyService& s, const Caller& caller, int64_t policy,
                                  int64_t version) {
  KECHAN_ASSIGN_OR_RETURN(PolicyDetail d, s.GetPolicy(caller, PolicyId{policy}));
  for (const auto& v : d.versions) {
    if (v.id.value == version) {
      return v;
    }
  }
  return base::NotFound("policy.not_found", "version " + std::to_string(version) + " not found",
                        "版本 " + std::to_string(version) + " 不存在", "version");
}

Result<http::Response> PatchVersion(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(int64_t vid, req.PathId("version"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(PolicyVersion v, FindVersion(s, caller, id, vid));
  KECHAN_RETURN_IF_ERROR(ReadVersion(obj, &v, /*create=*/false));
  KECHAN_ASSIGN_OR_RETURN(v, s.UpdateVersion(caller, v));
  return http::Response::Json(http::ToJson(VersionObj(v)));
}

Result<http::Response> Publish(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(int64_t vid, req.PathId("version"));
  KECHAN_ASSIGN_OR_RETURN(PublishReport r,
                          s.Publish(Caller::Of(req.principal), PolicyId{id}, VersionId{vid}));
  return http::Response::Json(http::ToJson(
      json::object{{"version", VersionObj(r.version)}, {"benefits_created", r.benefits_created}}));
}

Result<http::Response> CheckRule(const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  const json::value* rule = r.Value("rule", true);
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Rule parsed, ParseRule(json::serialize(*rule), "rule"));
  return http::Response::Json(
      http::ToJson(json::object{{"ok", true}, {"rule", json::parse(RuleToJson(parsed))}}));
}

json::object AskAndCounts(const MatchTally& t) {
  std::vector<std::pair<std::string, int64_t>> sorted(t.ask.begin(), t.ask.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  json::array ask;
  for (const auto& [fact, n] : sorted) {
    ask.push_back(json::object{{"fact", fact}, {"firms", n}});
  }
  return json::object{
      {"counts", json::object{{"yes", t.yes}, {"no", t.no}, {"unknown", t.unknown}}},
      {"ask", std::move(ask)}};
}

Result<http::Response> PreviewRule(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  const json::value* rule = r.Value("rule", true);
  std::optional<std::string> as_of_text = r.OptionalString("as_of", {.max_len = 10});
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Rule parsed, ParseRule(json::serialize(*rule), "rule"));
  Date as_of = s.Today();
  if (as_of_text && !as_of_text->empty()) {
    KECHAN_ASSIGN_OR_RETURN(as_of, Date::Parse(*as_of_text, "as_of"));
  }
  KECHAN_ASSIGN_OR_RETURN(RulePreview p, s.PreviewRule(Caller::Of(req.principal), parsed, as_of));
  json::object out = AskAndCounts(p.tally);
  out["as_of"] = p.as_of.ToString();
  out["total"] = p.tally.yes + p.tally.no + p.tally.unknown;
  return http::Response::Json(http::ToJson(out));
}

Result<http::Response> FactCatalogueRoute(const http::Request&) {
  json::array items;
  for (const FactInfo& f : FactCatalogue()) {
    items.push_back(json::object{{"fact", FactName(f.fact)},
                                 {"label_zh", FactNameZh(f.fact)},
                                 {"kind", f.kind},
                                 {"yearly", f.yearly},
                                 {"window", f.window},
                                 {"dated", f.dated}});
  }
  json::array ops;
  for (Op o : {Op::kGte, Op::kGt, Op::kLte, Op::kLt, Op::kEq}) {
    ops.emplace_back(OpName(o));
  }
  return http::Response::Json(
      http::ToJson(json::object{{"facts", std::move(items)}, {"ops", std::move(ops)}}));
}

Result<http::Response> Fits(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(Date as_of, QueryDate(req, "as_of", s.Today()));
  FitsFilter f;
  if (auto c = QueryText(req, "category"); !c.empty()) {
    KECHAN_ASSIGN_OR_RETURN(f.category, ParseCategory(c, "category"));
  }
  f.include_no = QueryText(req, "include_no") == "true" || QueryText(req, "include_no") == "1";
  KECHAN_ASSIGN_OR_RETURN(
      auto fits, s.PoliciesFor(Caller::Of(req.principal), chain::EnterpriseId{id}, as_of, f));
  return http::Response::Json(FitsJson(id, as_of, fits));
}

Result<http::Response> Match(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(Date as_of, QueryDate(req, "as_of", s.Today()));
  MatchFilter f;
  KECHAN_ASSIGN_OR_RETURN(f.result, ParseTri(QueryText(req, "result")));
  f.district = QueryText(req, "district");
  f.q = QueryText(req, "q");
  const std::string format = QueryText(req, "format");
  if (!format.empty() && format != "json" && format != "csv" && format != "xlsx") {
    return base::InvalidArgument("format", "query.format", "format must be json, csv or xlsx",
                                 "format 须为 json、csv 或 xlsx");
  }
  PageRequest page;
  if (format == "csv" || format == "xlsx") {
    page = {.page = 1, .page_size = 200};
  } else {
    KECHAN_ASSIGN_OR_RETURN(page, QueryPage(req));
  }
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(MatchReport r, s.EnterprisesFor(caller, PolicyId{id}, as_of, f, page));
  if (format != "csv" && format != "xlsx") {
    return http::Response::Json(MatchJson(r));
  }
  // Exports hold every matching row: fetch the remaining pages.
  table::Table t;
  t.header = {"enterprise_id", "name", "district", "result", "missing", "reason_zh"};
  auto add = [&t](const MatchReport& m) {
    for (const auto& e : m.items) {
      std::string missing;
      for (const auto& x : e.missing) {
        missing += (missing.empty() ? "" : ";") + x;
      }
      t.rows.push_back({std::to_string(e.enterprise_id), e.name, e.district, TriName(e.result),
                        missing, e.reason_zh});
    }
  };
  add(r);
  for (int64_t p = 2; (p - 1) * 200 < r.total; ++p) {
    KECHAN_ASSIGN_OR_RETURN(MatchReport more, s.EnterprisesFor(caller, PolicyId{id}, as_of, f,
                                                               {.page = p, .page_size = 200}));
    add(more);
  }
  http::Response resp;
  const std::string name = "policy-" + std::to_string(id) + "-enterprises";
  if (format == "csv") {
    resp.content_type = "text/csv; charset=utf-8";
    resp.body = table::WriteCsv(t, {.bom = table::Bom::kUtf8, .line_end = table::LineEnd::kCrlf});
    resp.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
  } else {
    KECHAN_ASSIGN_OR_RETURN(resp.body, table::WriteXlsx(t, "enterprises"));
    resp.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    resp.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".xlsx\"");
  }
  return resp;
}

Result<http::Response> GetFacts(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(EnterpriseFacts f,
                          s.FactsOf(Caller::Of(req.principal), chain::EnterpriseId{id}));
  json::object share;
  for (const auto& [y, v] : f.main_business_share) {
    share[std::to_string(y)] = v;
  }
  json::object employees;
  for (const auto& [y, v] : f.employees) {
    employees[std::to_string(y)] = v;
  }
  return http::Response::Json(http::ToJson(json::object{{"enterprise_id", id},
                                                        {"founded_on", DateJson(f.founded_on)},
                                                        {"main_business_share", std::move(share)},
                                                        {"employees", std::move(employees)}}));
}

Result<http::Response> PutFacts(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  const json::value* list = r.Value("facts", true);
  KECHAN_RETURN_IF_ERROR(r.Finish());
  if (!list->is_array()) {
    return base::InvalidArgument("facts", "json.type",
                                 "facts must be an array of {fact, year, value}",
                                 "facts 须为 {fact, year, value} 数组");
  }
  std::vector<SuppliedFact> facts;
  size_t i = 0;
  for (const json::value& item : list->as_array()) {
    const std::string prefix = "facts[" + std::to_string(i++) + "]";
    if (!item.is_object()) {
      return base::InvalidArgument(prefix, "json.type", prefix + " must be an object",
                                   prefix + " 须为对象");
    }
    http::ObjectReader fr(item.as_object(), prefix);
    SuppliedFact f;
    f.fact = fr.String("fact", {.min_len = 1, .max_len = 40});
    f.year = static_cast<int>(fr.OptionalInt("year", 0, 9999).value_or(0));
    f.value = fr.String("value", {.min_len = 1, .max_len = 40});
    KECHAN_RETURN_IF_ERROR(fr.Finish());
    facts.push_back(std::move(f));
  }
  KECHAN_RETURN_IF_ERROR(s.SupplyFacts(Caller::Of(req.principal), chain::EnterpriseId{id}, facts));
  return GetFacts(s, req);
}

Result<http::Response> MyEnterprises(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto list, s.MyEnterprises(Caller::Of(req.principal)));
  json::array items;
  for (const auto& e : list) {
    items.push_back(json::object{{"id", e.id.value}, {"name", e.name}, {"district", e.district}});
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)}}));
}

Result<http::Response> ApplyFor(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  const int64_t enterprise = r.Int("enterprise_id", 1);
  const std::string kind_text = r.String("kind", {.min_len = 1, .max_len = 20});
  const json::value* fields_v = r.Value("fields", false);
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(ApplicationKind kind, ParseApplicationKind(kind_text, "kind"));
  KECHAN_ASSIGN_OR_RETURN(flow::Fields fields, ReadStringMap(fields_v, "fields"));
  KECHAN_ASSIGN_OR_RETURN(Application a, s.Apply(Caller::Of(req.principal), PolicyId{id},
                                                 chain::EnterpriseId{enterprise}, kind, fields));
  return http::Response::Json(http::ToJson(ApplicationObj(a)), 201);
}

Result<http::Response> ListApplications(PolicyService& s, const http::Request& req) {
  ApplicationFilter f;
  KECHAN_ASSIGN_OR_RETURN(int64_t policy, QueryInt(req, "policy", 0));
  if (policy > 0) {
    f.policy_id = PolicyId{policy};
  }
  KECHAN_ASSIGN_OR_RETURN(int64_t enterprise, QueryInt(req, "enterprise", 0));
  if (enterprise > 0) {
    f.enterprise_id = enterprise;
  }
  f.state = QueryText(req, "state");
  if (auto k = QueryText(req, "kind"); !k.empty()) {
    KECHAN_ASSIGN_OR_RETURN(f.kind, ParseApplicationKind(k, "kind"));
  }
  KECHAN_ASSIGN_OR_RETURN(PageRequest page, QueryPage(req));
  KECHAN_ASSIGN_OR_RETURN(ApplicationPage p,
                          s.ListApplications(Caller::Of(req.principal), f, page));
  json::array items;
  for (const auto& a : p.items) {
    items.push_back(ApplicationObj(a));
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)},
                                                        {"total", p.total},
                                                        {"page", p.page},
                                                        {"page_size", p.page_size}}));
}

Result<http::Response> ApplicationResponse(PolicyService& s, const Caller& caller,
                                           const Application& a) {
  json::object o = ApplicationObj(a);
  json::array actions;
  for (const auto& x : s.ActionsFor(caller, a)) {
    actions.push_back(json::object{{"action", x.action},
                                   {"to", x.to_state},
                                   {"label_zh", x.label_zh},
                                   {"label_en", x.label_en},
                                   {"required", Strings(x.required)}});
  }
  o["actions"] = std::move(actions);
  return http::Response::Json(http::ToJson(o));
}

Result<http::Response> GetApplication(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(Application a, s.GetApplication(caller, ApplicationId{id}));
  return ApplicationResponse(s, caller, a);
}

Result<http::Response> Act(PolicyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  auto it = req.path_params.find("action");
  const std::string action = it == req.path_params.end() ? std::string() : it->second;
  flow::Fields input;
  if (!req.body.empty()) {
    KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
    json::value v(std::move(obj));
    KECHAN_ASSIGN_OR_RETURN(input, ReadStringMap(&v, "body"));
  }
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(Application a, s.Act(caller, ApplicationId{id}, action, input));
  return ApplicationResponse(s, caller, a);
}

constexpr const char* kPolicySchema = R"json({
  "type": "object", "additionalProperties": false,
  "required": ["code", "title", "department"],
  "properties": {
    "code": {"type": "string"}, "title": {"type": "string"}, "title_en": {"type": "string"},
    "category": {"type": "string", "enum": ["expand_markets", "cut_costs", "scenarios", "platforms"]},
    "department": {"type": "string"}, "summary": {"type": "string"},
    "mode": {"type": "string", "enum": ["no_application", "one_click", "full_application"]}}
})json";

constexpr const char* kVersionSchema = R"json({
  "type": "object", "additionalProperties": false,
  "required": ["effective_from", "rule", "benefit_zh"],
  "properties": {
    "effective_from": {"type": "string", "format": "date"},
    "effective_to": {"type": "string", "format": "date", "nullable": true},
    "rule": {"type": "object", "description": "all/any/not over fact clauses (docs/policy.md)"},
    "benefit_zh": {"type": "string"}, "benefit_en": {"type": "string"},
    "amount": {"type": "string", "nullable": true},
    "fields": {"type": "array", "items": {"type": "object",
      "properties": {"key": {"type": "string"}, "label_zh": {"type": "string"},
                     "label_en": {"type": "string"}, "required": {"type": "boolean"}}}}}
})json";

constexpr const char* kApplySchema = R"json({
  "type": "object", "additionalProperties": false, "required": ["enterprise_id", "kind"],
  "properties": {"enterprise_id": {"type": "integer"},
    "kind": {"type": "string", "enum": ["one_click", "full"]},
    "fields": {"type": "object", "additionalProperties": {"type": "string"}}}
})json";

}  // namespace

std::string ClauseJson(const ClauseResult& c) { return http::ToJson(ClauseObj(c)); }

std::string FitsJson(int64_t enterprise_id, Date as_of, const std::vector<PolicyFit>& fits) {
  json::array arr;
  for (const auto& f : fits) {
    arr.push_back(FitObj(f));
  }
  return http::ToJson(json::object{
      {"enterprise_id", enterprise_id}, {"as_of", as_of.ToString()}, {"policies", std::move(arr)}});
}

std::string MatchJson(const MatchReport& r) {
  json::array ask;
  std::vector<std::pair<std::string, int64_t>> sorted(r.tally.ask.begin(), r.tally.ask.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [fact, n] : sorted) {
    ask.push_back(json::object{{"fact", fact}, {"firms", n}});
  }
  json::array items;
  for (const auto& e : r.items) {
    items.push_back(json::object{{"enterprise_id", e.enterprise_id},
                                 {"name", e.name},
                                 {"district", e.district},
                                 {"result", TriName(e.result)},
                                 {"missing", Strings(e.missing)},
                                 {"reason", e.reason_en},
                                 {"reason_zh", e.reason_zh}});
  }
  return http::ToJson(json::object{
      {"policy_id", r.policy_id.value},
      {"version_id", r.version_id.value},
      {"as_of", r.as_of.ToString()},
      {"counts",
       json::object{{"yes", r.tally.yes}, {"no", r.tally.no}, {"unknown", r.tally.unknown}}},
      {"ask", std::move(ask)},
      {"items", std::move(items)},
      {"total", r.total},
      {"page", r.page},
      {"page_size", r.page_size}});
}

void RegisterRoutes(http::Router& router, PolicyService& service) {
  using http::Access;
  using http::Method;
  const std::vector<auth::Role> operators = {auth::Role::kOperator};
  const std::vector<auth::Role> staff = {auth::Role::kOfficer, auth::Role::kDutyDirector,
                                         auth::Role::kChainChief, auth::Role::kOperator};
  auto spec = [](const char* en, const char* zh, Access access, std::vector<auth::Role> roles = {},
                 const char* request_schema = "", int status = 200) {
    return http::RouteSpec{.summary = en,
                           .summary_zh = zh,
                           .tag = "policy",
                           .access = access,
                           .roles = std::move(roles),
                           .request_schema = request_schema,
                           .success_status = status};
  };
  PolicyService* s = &service;
  router.Add(Method::kGet, "/api/v1/policies",
             spec("List policies with filters and paging",
                  "政策列表（按类别、状态、方式筛选，分页）", Access::kSignedIn),
             [s](http::Request& r) { return ListPolicies(*s, r); });
  router.Add(Method::kPost, "/api/v1/policies",
             spec("Create a policy (draft)", "新建政策（草稿）", Access::kRoles, operators,
                  kPolicySchema, 201),
             [s](http::Request& r) { return CreatePolicy(*s, r); });
  router.Add(Method::kGet, "/api/v1/policies/{id}",
             spec("One policy with its versions", "政策详情及各版本", Access::kSignedIn),
             [s](http::Request& r) { return GetPolicy(*s, r); });
  router.Add(Method::kPatch, "/api/v1/policies/{id}",
             spec("Edit a policy", "修改政策", Access::kRoles, operators),
             [s](http::Request& r) { return PatchPolicy(*s, r); });
  router.Add(Method::kPost, "/api/v1/policies/{id}/withdraw",
             spec("Withdraw a policy", "撤回政策", Access::kRoles, operators),
             [s](http::Request& r) { return WithdrawPolicy(*s, r); });
  router.Add(
      Method::kPost, "/api/v1/policies/{id}/versions",
      spec("Add a draft version (rule, benefit, dates)", "新增政策版本（规则、享受内容、有效期）",
           Access::kRoles, operators, kVersionSchema, 201),
      [s](http::Request& r) { return AddVersion(*s, r); });
  router.Add(Method::kPatch, "/api/v1/policies/{id}/versions/{version}",
             spec("Edit a draft version", "修改未发布的政策版本", Access::kRoles, operators),
             [s](http::Request& r) { return PatchVersion(*s, r); });
  router.Add(Method::kPost, "/api/v1/policies/{id}/versions/{version}/publish",
             spec("Publish a version (免申即享: creates pending benefits)",
                  "发布政策版本（免申即享政策自动生成待确认兑现）", Access::kRoles, operators),
             [s](http::Request& r) { return Publish(*s, r); });
  router.Add(Method::kPost, "/api/v1/policy-rules/check",
             spec("Validate a rule; errors name the JSON path", "校验政策规则（错误指明字段路径）",
                  Access::kRoles, operators),
             [](http::Request& r) { return CheckRule(r); });
  router.Add(
      Method::kPost, "/api/v1/policy-rules/preview",
      spec("Try a draft rule on every enterprise: counts of fit / unknown / not and the "
           "facts to ask about (nothing is stored)",
           "试算规则：符合/待核实/不符合企业数及需补充的信息（不保存）", Access::kRoles, staff),
      [s](http::Request& r) { return PreviewRule(*s, r); });
  router.Add(Method::kGet, "/api/v1/policy-rules/facts",
             spec("The fact catalogue rules may test (kinds and dated parameters)",
                  "规则可用的企业事实目录（类型与日期参数）", Access::kSignedIn),
             [](http::Request& r) { return FactCatalogueRoute(r); });
  router.Add(
      Method::kGet, "/api/v1/policies/{id}/enterprises",
      spec("Which enterprises fit this policy (counts, facts to ask, CSV/xlsx export)",
           "政策匹配企业（符合/不符合/待核实数量、待补充信息，可导出）", Access::kRoles, staff),
      [s](http::Request& r) { return Match(*s, r); });
  router.Add(Method::kGet, "/api/v1/enterprises/{id}/policies",
             spec("Which policies fit this enterprise, with a reason per clause",
                  "企业可享政策（逐条给出判断理由）", Access::kSignedIn),
             [s](http::Request& r) { return Fits(*s, r); });
  router.Add(
      Method::kGet, "/api/v1/enterprises/{id}/policy-facts",
      spec("Supplementary facts for policy rules", "政策匹配所需的补充信息", Access::kSignedIn),
      [s](http::Request& r) { return GetFacts(*s, r); });
  router.Add(Method::kPut, "/api/v1/enterprises/{id}/policy-facts",
             spec("Record supplementary facts (founding date, main-business share, employees)",
                  "补充企业信息（成立日期、主营业务占比、从业人员）", Access::kSignedIn),
             [s](http::Request& r) { return PutFacts(*s, r); });
  router.Add(Method::kGet, "/api/v1/policy/my-enterprises",
             spec("The caller's own enterprises", "当前用户所属企业", Access::kSignedIn),
             [s](http::Request& r) { return MyEnterprises(*s, r); });
  router.Add(Method::kPost, "/api/v1/policies/{id}/applications",
             spec("Apply for a policy (one-click or full)", "申报政策（一键申报或全流程申报）",
                  Access::kSignedIn, {}, kApplySchema, 201),
             [s](http::Request& r) { return ApplyFor(*s, r); });
  router.Add(Method::kGet, "/api/v1/policy-applications",
             spec("Applications and benefits (enterprises: their own)",
                  "申报与兑现列表（企业仅见本企业）", Access::kSignedIn),
             [s](http::Request& r) { return ListApplications(*s, r); });
  router.Add(Method::kGet, "/api/v1/policy-applications/{id}",
             spec("One application with its history and available actions",
                  "申报详情（流转记录与可执行操作）", Access::kSignedIn),
             [s](http::Request& r) { return GetApplication(*s, r); });
  router.Add(
      Method::kPost, "/api/v1/policy-applications/{id}/actions/{action}",
      spec("Take a workflow action (accept, approve, reject, disburse, withdraw, confirm, "
           "dismiss)",
           "执行申报流程操作（受理、通过、驳回、兑现、撤回、确认、不予兑现）", Access::kSignedIn),
      [s](http::Request& r) { return Act(*s, r); });
}

}  // namespace kechan::policy
