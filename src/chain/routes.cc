#include "chain/routes.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "base/calendar.h"
#include "base/clock.h"
#include "chain/buildings.h"
#include "chain/export.h"
#include "chain/import_jobs.h"
#include "http/json_body.h"
#include "table/table.h"

namespace kechan::chain {
namespace {

namespace json = boost::json;
using base::Result;

json::value DateJson(const std::optional<base::Date>& d) {
  return d ? json::value(d->ToString()) : json::value(nullptr);
}

json::object ProvJson(const Provenance& p, const Validity& v) {
  return json::object{{"source", p.source},
                      {"source_date", DateJson(p.source_date)},
                      {"valid_from", v.valid_from.ToString()},
                      {"valid_to", DateJson(v.valid_to)}};
}

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) {
    out.emplace_back(s);
  }
  return out;
}

json::object ClusterObj(const Cluster& c) {
  return json::object{{"id", c.id.value},         {"code", c.code},
                      {"name", c.name},           {"name_en", c.name_en},
                      {"tier", TierName(c.tier)}, {"tier_zh", TierNameZh(c.tier)}};
}

json::object ChainObj(const Chain& c) {
  json::object o{{"id", c.id.value},
                 {"code", c.code},
                 {"cluster_id", c.cluster_id.value},
                 {"name", c.name},
                 {"name_en", c.name_en},
                 {"chief", c.chief},
                 {"lead_department", c.lead_department},
                 {"host_districts", Strings(c.host_districts)},
                 {"co_districts", Strings(c.co_districts)},
                 {"partners", Strings(c.partners)}};
  o["provenance"] = ProvJson(c.provenance, c.validity);
  return o;
}

json::object NodeObj(const Node& n) {
  json::object o{{"id", n.id.value},
                 {"chain_id", n.chain_id.value},
                 {"parent_id", n.parent_id ? json::value(n.parent_id->value) : nullptr},
                 {"code", n.code},
                 {"name", n.name},
                 {"name_en", n.name_en},
                 {"segment", SegmentName(n.segment)},
                 {"criticality", n.criticality},
                 {"choke_point", n.choke_point}};
  o["provenance"] = ProvJson(n.provenance, n.validity);
  return o;
}

json::object MoneyByYear(const std::map<int, base::Money>& m) {
  json::object o;
  for (const auto& [y, v] : m) {
    o[std::to_string(y)] = v.ToYuanString();
  }
  return o;
}

json::object LinkObj(const Link& l) {
  json::object o{{"id", l.id.value},
                 {"enterprise_id", l.enterprise_id.value},
                 {"node_id", l.node_id.value},
                 {"role", LinkRoleName(l.role)},
                 {"products", Strings(l.products)},
                 {"capacity", l.capacity},
                 {"revenue", l.revenue.ToYuanString()},
                 {"locality", LocalityName(l.locality)}};
  o["provenance"] = ProvJson(l.provenance, l.validity);
  return o;
}

json::object EnterpriseObj(const Enterprise& e, const std::vector<Link>* links) {
  json::object digital;
  for (const auto& [y, lvl] : e.digital_level) {
    digital[std::to_string(y)] = lvl;
  }
  json::array tiers;
  for (const auto& t : e.tiers) {
    tiers.push_back(json::object{
        {"tier", GradientTierName(t.tier)}, {"from", t.from.ToString()}, {"to", DateJson(t.to)}});
  }
  json::object o{{"id", e.id.value},
                 {"org_id", e.org_id ? json::value(e.org_id->value) : nullptr},
                 {"uscc", e.uscc},
                 {"name", e.name},
                 {"name_en", e.name_en},
                 {"district", e.district},
                 {"park_id", e.park_id ? json::value(e.park_id->value) : nullptr},
                 {"above_size", e.above_size},
                 {"green_factory", e.green_factory},
                 {"revenue", MoneyByYear(e.revenue)},
                 {"rd_spend", MoneyByYear(e.rd_spend)},
                 {"digital_level", std::move(digital)},
                 {"tiers", std::move(tiers)}};
  o["provenance"] = ProvJson(e.provenance, e.validity);
  if (links != nullptr) {
    json::array arr;
    for (const auto& l : *links) {
      arr.push_back(LinkObj(l));
    }
    o["links"] = std::move(arr);
  }
  return o;
}

json::object ParkObj(const Park& p) {
  json::object o{{"id", p.id.value},
                 {"name", p.name},
                 {"name_en", p.name_en},
                 {"level", p.level},
                 {"parent_id", p.parent_id ? json::value(p.parent_id->value) : nullptr},
                 {"district", p.district},
                 {"main_industry", p.main_industry}};
  o["provenance"] = ProvJson(p.provenance, p.validity);
  return o;
}

json::value OptReal(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object AnalysisObj(const ChainAnalysis& a) {
  json::array nodes;
  std::map<NodeId, std::string> codes;
  for (const auto& n : a.nodes) {
    codes[n.node_id] = n.code;
    nodes.push_back(json::object{
        {"id", n.node_id.value},
        {"code", n.code},
        {"name", n.name},
        {"name_en", n.name_en},
        {"segment", SegmentName(n.segment)},
        {"criticality", n.criticality},
        {"choke_point", n.choke_point},
        {"local_firms", n.local_firms},
        {"external_firms", n.external_firms},
        {"suppliers", n.suppliers},
        {"hhi", n.hhi},
        {"hhi_basis", n.hhi_basis},
        {"single_source", n.single_source},
        {"top_share", n.top_share},
        {"top_supplier", n.top_supplier ? json::value(n.top_supplier->value) : nullptr}});
  }
  json::array gaps;
  json::array gap_codes;
  for (NodeId id : a.gaps) {
    gaps.push_back(id.value);
    gap_codes.emplace_back(codes[id]);
  }
  json::array masters;
  for (const auto& m : a.masters) {
    masters.push_back(json::object{{"enterprise_id", m.enterprise_id.value},
                                   {"name", m.name},
                                   {"local_value", m.local_value.ToYuanString()},
                                   {"total_value", m.total_value.ToYuanString()},
                                   {"rate", OptReal(m.rate)}});
  }
  json::array key_firms;
  for (const auto& k : a.key_firms) {
    key_firms.push_back(
        json::object{{"enterprise_id", k.enterprise_id.value},
                     {"name", k.name},
                     {"degree", k.degree},
                     {"betweenness", k.betweenness},
                     {"tier", k.tier ? json::value(GradientTierName(*k.tier)) : nullptr},
                     {"chain_master", k.chain_master},
                     {"score", k.score}});
  }
  json::array candidates;
  for (const auto& g : a.candidates) {
    json::array list;
    for (const auto& c : g.candidates) {
      list.push_back(json::object{{"enterprise_id", c.enterprise_id.value},
                                  {"name", c.name},
                                  {"via_node", c.via_node.value},
                                  {"same_node", c.same_node},
                                  {"capacity", c.capacity},
                                  {"reason", c.reason_en},
                                  {"reason_zh", c.reason_zh}});
    }
    candidates.push_back(json::object{{"node_id", g.node_id.value}, {"firms", std::move(list)}});
  }
  return json::object{{"chain_id", a.chain_id.value},
                      {"code", a.code},
                      {"name", a.name},
                      {"name_en", a.name_en},
                      {"as_of", a.as_of.ToString()},
                      {"node_count", a.node_count},
                      {"covered_nodes", a.covered_nodes},
                      {"coverage", a.coverage},
                      {"nodes", std::move(nodes)},
                      {"gaps", std::move(gaps)},
                      {"gap_codes", std::move(gap_codes)},
                      {"masters", std::move(masters)},
                      {"key_firms", std::move(key_firms)},
                      {"candidates", std::move(candidates)}};
}

// ---- request parsing ----------------------------------------------------------------------
Result<std::optional<base::Date>> OptDate(http::ObjectReader& r, const char* field) {
  auto text = r.OptionalString(field, {.max_len = 10});
  if (!text || text->empty()) {
    return std::optional<base::Date>();
  }
  KECHAN_ASSIGN_OR_RETURN(base::Date d, base::Date::Parse(*text, field));
  return std::optional<base::Date>(d);
}

base::Status ReadMoneyByYear(http::ObjectReader& r, const char* field,
                             std::map<int, base::Money>* out) {
  const json::value* v = r.Value(field, false);
  if (v == nullptr || v->is_null()) {
    return base::Status::Ok();
  }
  if (!v->is_object()) {
    return base::InvalidArgument(field, "json.type",
                                 std::string(field) + " must be an object {\"2025\": \"123.45\"}",
                                 std::string(field) + " 须为对象，如 {\"2025\": \"123.45\"}");
  }
  out->clear();
  for (const auto& [key, val] : v->as_object()) {
    const std::string path = std::string(field) + "." + std::string(key);
    int year = 0;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), year);
    if (ec != std::errc() || ptr != key.data() + key.size() || year < 1900 || year > 9999) {
      return base::InvalidArgument(path, "chain.year", "\"" + std::string(key) + "\" is not a year",
                                   "“" + std::string(key) + "”不是有效年份");
    }
    std::string text;
    if (val.is_string()) {
      text = std::string(val.as_string());
    } else if (val.is_int64()) {
      text = std::to_string(val.as_int64());
    } else {
      return base::InvalidArgument(path, "json.type", path + " must be an amount in yuan",
                                   path + " 须为以元计的金额");
    }
    KECHAN_ASSIGN_OR_RETURN(base::Money m, base::Money::ParseYuan(text, field));
    (*out)[year] = m;
  }
  return base::Status::Ok();
}

// Applies the fields present in `obj` onto `e` (POST: all of them; PATCH: those given).
base::Status ReadEnterprise(const json::object& obj, Enterprise* e, bool create) {
  http::ObjectReader r(obj);
  if (create) {
    e->uscc = r.String("uscc", {.min_len = 1, .max_len = 40});
    e->name = r.String("name", {.min_len = 1, .max_len = 200});
  } else {
    if (auto v = r.OptionalString("uscc", {.min_len = 1, .max_len = 40})) {
      e->uscc = *v;
    }
    if (auto v = r.OptionalString("name", {.min_len = 1, .max_len = 200})) {
      e->name = *v;
    }
  }
  if (auto v = r.OptionalString("name_en", {.max_len = 300})) {
    e->name_en = *v;
  }
  if (auto v = r.OptionalString("district", {.max_len = 100})) {
    e->district = *v;
  }
  if (const json::value* v = r.Value("park_id", false)) {
    if (v->is_null()) {
      e->park_id.reset();
    } else if (v->is_int64() && v->as_int64() > 0) {
      e->park_id = ParkId{v->as_int64()};
    } else {
      return base::InvalidArgument("park_id", "json.type", "park_id must be a park id or null",
                                   "park_id 须为园区编号或 null");
    }
  }
  if (auto v = r.OptionalInt("org_id", 1)) {
    e->org_id = base::OrgId{*v};
  }
  if (auto v = r.OptionalBool("above_size")) {
    e->above_size = *v;
  }
  if (auto v = r.OptionalBool("green_factory")) {
    e->green_factory = *v;
  }
  if (auto v = r.OptionalString("source", {.max_len = 500})) {
    e->provenance.source = *v;
  }
  KECHAN_ASSIGN_OR_RETURN(auto source_date, OptDate(r, "source_date"));
  if (source_date) {
    e->provenance.source_date = source_date;
  }
  KECHAN_ASSIGN_OR_RETURN(auto from, OptDate(r, "valid_from"));
  if (from) {
    e->validity.valid_from = *from;
  }
  KECHAN_ASSIGN_OR_RETURN(auto to, OptDate(r, "valid_to"));
  if (to) {
    e->validity.valid_to = to;
  }
  KECHAN_RETURN_IF_ERROR(ReadMoneyByYear(r, "revenue", &e->revenue));
  KECHAN_RETURN_IF_ERROR(ReadMoneyByYear(r, "rd_spend", &e->rd_spend));
  if (const json::value* v = r.Value("digital_level", false); v != nullptr && !v->is_null()) {
    if (!v->is_object()) {
      return base::InvalidArgument("digital_level", "json.type",
                                   "digital_level maps a year to a level 1-4",
                                   "digital_level 须为“年份: 等级(1-4)”");
    }
    e->digital_level.clear();
    for (const auto& [key, val] : v->as_object()) {
      int year = 0;
      auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), year);
      if (ec != std::errc() || !val.is_int64()) {
        return base::InvalidArgument("digital_level." + std::string(key), "json.type",
                                     "digital_level maps a year to a level 1-4",
                                     "digital_level 须为“年份: 等级(1-4)”");
      }
      e->digital_level[year] = static_cast<int>(val.as_int64());
    }
  }
  return r.Finish();
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

Result<base::Date> QueryDate(const http::Request& req, const std::string& name, base::Date def) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return def;
  }
  return base::Date::Parse(it->second, name);
}

base::Date Today() { return base::LocalDateOf(base::SystemClock::Get().NowMicros()); }

// The ?format= of a list or analysis: none (JSON), csv or xlsx.
Result<std::optional<ExportFormat>> FormatOf(const http::Request& req) {
  auto it = req.query.find("format");
  if (it == req.query.end() || it->second.empty() || it->second == "json") {
    return std::optional<ExportFormat>();
  }
  KECHAN_ASSIGN_OR_RETURN(ExportFormat f, ParseExportFormat(it->second, "format"));
  return std::optional<ExportFormat>(f);
}

Result<http::Response> FileResponse(const table::Table& t, ExportFormat format,
                                    std::string_view ascii_name, std::string_view utf8_name,
                                    std::string_view sheet) {
  KECHAN_ASSIGN_OR_RETURN(ExportFile f, RenderExport(t, format, ascii_name, utf8_name, sheet));
  http::Response r;
  r.content_type = std::move(f.content_type);
  r.body = std::move(f.body);
  r.headers.emplace_back("Content-Disposition", std::move(f.disposition));
  return r;
}

// ---- handlers -----------------------------------------------------------------------------
Result<http::Response> ListChains(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto format, FormatOf(req));
  KECHAN_ASSIGN_OR_RETURN(auto chains, s.ListChains(Caller::Of(req.principal)));
  if (format) {
    return FileResponse(ChainsTable(chains), *format, "chains", "产业链列表", "chains");
  }
  return http::Response::Json(ChainListJson(chains));
}

Result<http::Response> GetChain(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(ChainDetail d, s.GetChain(Caller::Of(req.principal), ChainId{id}));
  json::array nodes;
  for (const auto& n : d.nodes) {
    nodes.push_back(NodeObj(n));
  }
  json::object body{{"chain", ChainObj(d.chain)},
                    {"cluster", ClusterObj(d.cluster)},
                    {"nodes", std::move(nodes)}};
  return http::Response::Json(http::ToJson(body));
}

Result<http::Response> Analyze(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(base::Date as_of, QueryDate(req, "as_of", Today()));
  KECHAN_ASSIGN_OR_RETURN(auto format, FormatOf(req));
  KECHAN_ASSIGN_OR_RETURN(ChainAnalysis a,
                          s.Analyze(Caller::Of(req.principal), ChainId{id}, as_of));
  if (format) {
    return FileResponse(AnalysisTable(a), *format,
                        "chain-" + a.code + "-analysis-" + as_of.ToString(),
                        a.name + "-产业链分析-" + as_of.ToString(), a.code);
  }
  return http::Response::Json(AnalysisJson(a));
}

Result<http::Response> AddNode(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t chain_id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  Node n;
  n.chain_id = ChainId{chain_id};
  n.code = r.String("code", {.min_len = 1, .max_len = 64});
  n.name = r.String("name", {.min_len = 1, .max_len = 200});
  if (auto v = r.OptionalString("name_en", {.max_len = 300})) {
    n.name_en = *v;
  }
  if (auto v = r.OptionalString("segment", {.max_len = 20})) {
    KECHAN_ASSIGN_OR_RETURN(n.segment, ParseSegment(*v, "segment"));
  }
  if (auto v = r.OptionalInt("criticality")) {
    n.criticality = static_cast<int>(*v);
  }
  if (auto v = r.OptionalBool("choke_point")) {
    n.choke_point = *v;
  }
  if (auto v = r.OptionalInt("parent_id", 1)) {
    n.parent_id = NodeId{*v};
  }
  if (auto v = r.OptionalString("source", {.max_len = 500})) {
    n.provenance.source = *v;
  }
  KECHAN_ASSIGN_OR_RETURN(n.provenance.source_date, OptDate(r, "source_date"));
  KECHAN_ASSIGN_OR_RETURN(auto from, OptDate(r, "valid_from"));
  if (from) {
    n.validity.valid_from = *from;
  }
  KECHAN_ASSIGN_OR_RETURN(n.validity.valid_to, OptDate(r, "valid_to"));
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Node created, s.CreateNode(Caller::Of(req.principal), n));
  return http::Response::Json(http::ToJson(NodeObj(created)), 201);
}

Result<http::Response> ListEnterprises(ChainService& s, const http::Request& req) {
  EnterpriseFilter f;
  auto text = [&](const char* name) {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string() : it->second;
  };
  f.district = text("district");
  f.name_contains = text("q");
  KECHAN_ASSIGN_OR_RETURN(int64_t park, QueryInt(req, "park", 0));
  if (park > 0) {
    f.park_id = ParkId{park};
  }
  KECHAN_ASSIGN_OR_RETURN(int64_t node, QueryInt(req, "node", 0));
  if (node > 0) {
    f.node_id = NodeId{node};
  }
  if (std::string chain = text("chain"); !chain.empty()) {
    KECHAN_ASSIGN_OR_RETURN(int64_t chain_id, QueryInt(req, "chain", 0));
    f.chain_id = ChainId{chain_id};
  }
  if (std::string above = text("above_size"); !above.empty()) {
    if (above != "true" && above != "false" && above != "1" && above != "0") {
      return base::InvalidArgument("above_size", "query.boolean",
                                   "above_size must be true or false",
                                   "above_size 须为 true 或 false");
    }
    f.above_size = above == "true" || above == "1";
  }
  KECHAN_ASSIGN_OR_RETURN(auto format, FormatOf(req));
  if (format) {
    const Caller caller = Caller::Of(req.principal);
    KECHAN_ASSIGN_OR_RETURN(auto all, s.ExportEnterprises(caller, f));
    KECHAN_ASSIGN_OR_RETURN(auto parks, s.ListParks(caller));
    std::map<ParkId, std::string> names;
    for (const auto& p : parks) {
      names[p.id] = p.name;
    }
    return FileResponse(EnterprisesTable(all, names), *format, "enterprises", "企业列表",
                        "enterprises");
  }
  PageRequest page;
  KECHAN_ASSIGN_OR_RETURN(page.page, QueryInt(req, "page", 1));
  KECHAN_ASSIGN_OR_RETURN(page.page_size, QueryInt(req, "page_size", 20));
  KECHAN_ASSIGN_OR_RETURN(EnterprisePage p, s.ListEnterprises(Caller::Of(req.principal), f, page));
  json::array items;
  for (const auto& e : p.items) {
    items.push_back(EnterpriseObj(e, nullptr));
  }
  json::object body{{"items", std::move(items)},
                    {"total", p.total},
                    {"page", p.page},
                    {"page_size", p.page_size}};
  return http::Response::Json(http::ToJson(body));
}

Result<http::Response> GetEnterprise(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(EnterpriseDetail d,
                          s.GetEnterprise(Caller::Of(req.principal), EnterpriseId{id}));
  return http::Response::Json(EnterpriseJson(d.enterprise, &d.links));
}

Result<http::Response> CreateEnterprise(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  Enterprise e;
  KECHAN_RETURN_IF_ERROR(ReadEnterprise(obj, &e, /*create=*/true));
  KECHAN_ASSIGN_OR_RETURN(Enterprise created,
                          s.CreateEnterprise(Caller::Of(req.principal), std::move(e)));
  return http::Response::Json(EnterpriseJson(created), 201);
}

Result<http::Response> PatchEnterprise(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(EnterpriseDetail d, s.GetEnterprise(caller, EnterpriseId{id}));
  Enterprise e = std::move(d.enterprise);
  KECHAN_RETURN_IF_ERROR(ReadEnterprise(obj, &e, /*create=*/false));
  KECHAN_ASSIGN_OR_RETURN(Enterprise updated, s.UpdateEnterprise(caller, std::move(e)));
  return http::Response::Json(EnterpriseJson(updated));
}

// ---- buildings and units ---------------------------------------------------------------------
json::value OptRate(const std::optional<double>& r) { return r ? json::value(*r) : nullptr; }

// A required (or, when !required and absent, `def`) JSON number.
Result<double> ReadNumber(http::ObjectReader& r, const char* field, bool required, double def) {
  const json::value* v = r.Value(field, required);
  if (v == nullptr) {
    if (!r.ok()) {
      return r.status();
    }
    return def;
  }
  if (!v->is_number()) {
    return base::InvalidArgument(field, "json.type", std::string(field) + " must be a number",
                                 std::string(field) + " 须为数字");
  }
  return v->to_number<double>();
}

json::object BuildingObj(const Building& b) {
  json::object o{{"id", b.id.value},
                 {"park_id", b.park_id.value},
                 {"name", b.name},
                 {"floors", b.floors},
                 {"floor_area_m2", b.floor_area_m2}};
  o["provenance"] = ProvJson(b.provenance, b.validity);
  return o;
}

json::object UnitObj(const Unit& u) {
  return json::object{{"id", u.id.value},
                      {"building_id", u.building_id.value},
                      {"code", u.code},
                      {"floor", u.floor},
                      {"area_m2", u.area_m2},
                      {"use", UnitUseName(u.use)},
                      {"use_zh", UnitUseNameZh(u.use)}};
}

// `with_enterprise`: include enterprise_id (callers who see details).
json::object UnitObservationObj(const UnitObservation& o, bool with_enterprise) {
  json::object out{{"id", o.id.value},
                   {"unit_id", o.unit_id.value},
                   {"date", o.date.ToString()},
                   {"occupied", o.occupied},
                   {"producing", o.producing}};
  if (with_enterprise) {
    out["enterprise_id"] = o.enterprise_id ? json::value(o.enterprise_id->value) : nullptr;
  }
  return out;
}

json::object UnitRatesObj(const UnitRates& r) {
  return json::object{{"as_of", r.as_of.ToString()},
                      {"units", r.units},
                      {"occupied_units", r.occupied_units},
                      {"producing_units", r.producing_units},
                      {"total_area_m2", r.total_area_m2},
                      {"occupied_area_m2", r.occupied_area_m2},
                      {"producing_area_m2", r.producing_area_m2},
                      {"floor_occupancy", OptRate(r.floor_occupancy)},
                      {"production_rate", OptRate(r.production_rate)}};
}

Result<http::Response> CreateBuildingRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t park_id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  Building b;
  b.park_id = ParkId{park_id};
  b.name = r.String("name", {.min_len = 1, .max_len = 200});
  b.floors = static_cast<int>(r.Int("floors", INT32_MIN, INT32_MAX));
  KECHAN_RETURN_IF_ERROR(r.status());
  KECHAN_ASSIGN_OR_RETURN(b.floor_area_m2, ReadNumber(r, "floor_area_m2", true, 0));
  if (auto v = r.OptionalString("source", {.max_len = 500})) {
    b.provenance.source = *v;
  }
  KECHAN_ASSIGN_OR_RETURN(b.provenance.source_date, OptDate(r, "source_date"));
  KECHAN_ASSIGN_OR_RETURN(auto from, OptDate(r, "valid_from"));
  if (from) {
    b.validity.valid_from = *from;
  }
  KECHAN_ASSIGN_OR_RETURN(b.validity.valid_to, OptDate(r, "valid_to"));
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Building created, s.CreateBuilding(Caller::Of(req.principal), b));
  return http::Response::Json(http::ToJson(BuildingObj(created)), 201);
}

Result<http::Response> CreateUnitRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t building_id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  Unit u;
  u.building_id = BuildingId{building_id};
  u.code = r.String("code", {.min_len = 1, .max_len = 64});
  u.floor = static_cast<int>(r.Int("floor", INT32_MIN, INT32_MAX));
  KECHAN_RETURN_IF_ERROR(r.status());
  KECHAN_ASSIGN_OR_RETURN(u.area_m2, ReadNumber(r, "area_m2", true, 0));
  if (auto v = r.OptionalString("use", {.max_len = 20})) {
    KECHAN_ASSIGN_OR_RETURN(u.use, ParseUnitUse(*v, "use"));
  }
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Unit created, s.CreateUnit(Caller::Of(req.principal), u));
  return http::Response::Json(http::ToJson(UnitObj(created)), 201);
}

Result<http::Response> ObserveUnitRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t unit_id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  UnitObservation o;
  o.unit_id = UnitId{unit_id};
  const std::string date = r.String("date", {.min_len = 1, .max_len = 10});
  o.occupied = r.Bool("occupied");
  if (auto v = r.OptionalBool("producing")) {
    o.producing = *v;
  }
  if (auto v = r.OptionalInt("enterprise_id", 1)) {
    o.enterprise_id = EnterpriseId{*v};
  }
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(o.date, base::Date::Parse(date, "date"));
  KECHAN_ASSIGN_OR_RETURN(UnitObservation created, s.ObserveUnit(Caller::Of(req.principal), o));
  return http::Response::Json(http::ToJson(UnitObservationObj(created, true)), 201);
}

Result<http::Response> ListBuildingsRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(base::Date as_of, QueryDate(req, "as_of", Today()));
  KECHAN_ASSIGN_OR_RETURN(auto format, FormatOf(req));
  const Caller caller = Caller::Of(req.principal);
  if (format) {
    // The whole register (every observation) in the import's columns: it re-imports unchanged.
    KECHAN_ASSIGN_OR_RETURN(ParkRegister reg, LoadParkRegister(s, caller, ParkId{id}));
    return FileResponse(BuildingsTable(reg), *format, "park-" + std::to_string(id) + "-buildings",
                        reg.park.name + "-楼栋单元", "buildings");
  }
  KECHAN_ASSIGN_OR_RETURN(ParkBuildings pb, s.ListBuildings(caller, ParkId{id}, as_of));
  const bool details = caller.CanSeeDetails();
  json::array buildings;
  for (const BuildingView& bv : pb.buildings) {
    json::object b = BuildingObj(bv.building);
    json::array units;
    for (const UnitView& uv : bv.units) {
      json::object u = UnitObj(uv.unit);
      u["latest"] = uv.latest ? json::value(UnitObservationObj(*uv.latest, details)) : nullptr;
      units.push_back(std::move(u));
    }
    b["units"] = std::move(units);
    buildings.push_back(std::move(b));
  }
  return http::Response::Json(http::ToJson(json::object{{"park_id", id},
                                                        {"as_of", as_of.ToString()},
                                                        {"buildings", std::move(buildings)},
                                                        {"rates", UnitRatesObj(pb.rates)}}));
}

json::object SeriesPoint(const Month& month, const UnitRates& r) {
  json::object o = UnitRatesObj(r);
  o.erase("as_of");
  o["month"] = month.ToString();
  o["date"] = r.as_of.ToString();
  return o;
}

// GET /api/v1/parks/{id}/occupancy/series?from=YYYY-MM&to=YYYY-MM: every month end's rates of
// the park and of each building, from one read.
Result<http::Response> OccupancySeriesRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  auto text = [&](const char* name) {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string() : it->second;
  };
  KECHAN_ASSIGN_OR_RETURN(MonthRange range, ParseMonthRange(text("from"), text("to"), Today()));
  KECHAN_ASSIGN_OR_RETURN(ParkSeries ps,
                          OccupancySeriesOf(s, Caller::Of(req.principal), ParkId{id}, range));
  json::array months;
  json::array park;
  for (size_t i = 0; i < ps.dates.size(); ++i) {
    const Month m = range.from.Plus(static_cast<int64_t>(i));
    months.emplace_back(m.ToString());
    json::object p = SeriesPoint(m, ps.park[i]);
    p["land"] = OptRate(ps.land[i]);
    park.push_back(std::move(p));
  }
  json::array buildings;
  for (const BuildingSeries& b : ps.buildings) {
    json::array series;
    for (size_t i = 0; i < b.rates.size(); ++i) {
      series.push_back(SeriesPoint(range.from.Plus(static_cast<int64_t>(i)), b.rates[i]));
    }
    buildings.push_back(json::object{
        {"id", b.building.id.value}, {"name", b.building.name}, {"series", std::move(series)}});
  }
  return http::Response::Json(http::ToJson(json::object{{"park_id", id},
                                                        {"from", range.from.ToString()},
                                                        {"to", range.to.ToString()},
                                                        {"months", std::move(months)},
                                                        {"park", std::move(park)},
                                                        {"buildings", std::move(buildings)}}));
}

Result<http::Response> ListParks(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto format, FormatOf(req));
  KECHAN_ASSIGN_OR_RETURN(auto parks, s.ListParks(Caller::Of(req.principal)));
  if (format) {
    return FileResponse(ParksTable(parks), *format, "parks", "园区列表", "parks");
  }
  json::array items;
  for (const auto& p : parks) {
    items.push_back(ParkObj(p));
  }
  return http::Response::Json(http::ToJson(json::object{{"parks", std::move(items)}}));
}

Result<http::Response> Occupancy(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  const base::Date today = Today();
  KECHAN_ASSIGN_OR_RETURN(base::Date to, QueryDate(req, "to", today));
  KECHAN_ASSIGN_OR_RETURN(base::Date from, QueryDate(req, "from", to.AddDays(int64_t{-3} * 366)));
  KECHAN_ASSIGN_OR_RETURN(auto format, FormatOf(req));
  KECHAN_ASSIGN_OR_RETURN(auto series,
                          s.Occupancy(Caller::Of(req.principal), ParkId{id}, from, to));
  if (format) {
    std::string name = "park-" + std::to_string(id);
    KECHAN_ASSIGN_OR_RETURN(auto parks, s.ListParks(Caller::Of(req.principal)));
    for (const auto& p : parks) {
      if (p.id.value == id) {
        name = p.name;
      }
    }
    return FileResponse(OccupancyTable(series), *format,
                        "park-" + std::to_string(id) + "-occupancy", name + "-载体使用率",
                        "occupancy");
  }
  json::array items;
  for (const auto& r : series) {
    items.push_back(json::object{{"date", r.date.ToString()},
                                 {"land", OptReal(r.land)},
                                 {"floor", OptReal(r.floor)},
                                 {"production", OptReal(r.production)}});
  }
  json::object body{{"park_id", id},
                    {"from", from.ToString()},
                    {"to", to.ToString()},
                    {"series", std::move(items)}};
  return http::Response::Json(http::ToJson(body));
}

Result<bool> QueryBool(const http::Request& req, const std::string& name, bool def) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return def;
  }
  if (it->second == "true" || it->second == "1") {
    return true;
  }
  if (it->second == "false" || it->second == "0") {
    return false;
  }
  return base::InvalidArgument(name, "query.boolean", name + " must be true or false",
                               name + " 须为 true 或 false");
}

// ---- major projects -------------------------------------------------------------------------
json::value OptDays(const std::optional<int>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object ProjectObj(const Project& p, const ProjectProgress& g) {
  json::object milestones;
  json::object slip;
  for (int i = 0; i < kMilestoneCount; ++i) {
    const auto m = static_cast<Milestone>(i);
    const auto& d = p.milestones[static_cast<size_t>(i)];
    milestones[MilestoneName(m)] =
        json::object{{"planned", DateJson(d.planned)}, {"actual", DateJson(d.actual)}};
    slip[MilestoneName(m)] = OptDays(g.milestone_slippage[static_cast<size_t>(i)]);
  }
  json::object o{{"id", p.id.value},
                 {"name", p.name},
                 {"name_en", p.name_en},
                 {"kind", ProjectKindName(p.kind)},
                 {"kind_zh", ProjectKindNameZh(p.kind)},
                 {"investment", p.investment.ToYuanString()},
                 {"chain_id", p.chain_id ? json::value(p.chain_id->value) : nullptr},
                 {"park_id", p.park_id ? json::value(p.park_id->value) : nullptr},
                 {"department", p.department},
                 {"milestones", std::move(milestones)}};
  o["progress"] = json::object{{"stage", g.stage ? json::value(MilestoneName(*g.stage)) : nullptr},
                               {"next", g.next ? json::value(MilestoneName(*g.next)) : nullptr},
                               {"slippage_days", OptDays(g.slippage_days)},
                               {"overdue", g.overdue},
                               {"milestone_slippage", std::move(slip)}};
  o["provenance"] = ProvJson(p.provenance, p.validity);
  return o;
}

base::Status ReadProject(const json::object& obj, Project* p, bool create) {
  http::ObjectReader r(obj);
  if (create) {
    p->name = r.String("name", {.min_len = 1, .max_len = 200});
  } else if (auto v = r.OptionalString("name", {.min_len = 1, .max_len = 200})) {
    p->name = *v;
  }
  if (auto v = r.OptionalString("name_en", {.max_len = 300})) {
    p->name_en = *v;
  }
  if (auto v = r.OptionalString("kind", {.max_len = 20})) {
    KECHAN_ASSIGN_OR_RETURN(p->kind, ParseProjectKind(*v, "kind"));
  }
  if (auto v = r.OptionalString("investment", {.max_len = 30})) {
    KECHAN_ASSIGN_OR_RETURN(p->investment, base::Money::ParseYuan(*v, "investment"));
  }
  for (const char* field : {"chain_id", "park_id"}) {
    if (const json::value* v = r.Value(field, false)) {
      if (v->is_null()) {
        field == std::string("chain_id") ? p->chain_id.reset() : p->park_id.reset();
      } else if (v->is_int64() && v->as_int64() > 0) {
        if (field == std::string("chain_id")) {
          p->chain_id = ChainId{v->as_int64()};
        } else {
          p->park_id = ParkId{v->as_int64()};
        }
      } else {
        return base::InvalidArgument(field, "json.type",
                                     std::string(field) + " must be an id or null",
                                     std::string(field) + " 须为编号或 null");
      }
    }
  }
  if (auto v = r.OptionalString("department", {.max_len = 200})) {
    p->department = *v;
  }
  if (auto v = r.OptionalString("source", {.max_len = 500})) {
    p->provenance.source = *v;
  }
  KECHAN_ASSIGN_OR_RETURN(auto from, OptDate(r, "valid_from"));
  if (from) {
    p->validity.valid_from = *from;
  }
  KECHAN_ASSIGN_OR_RETURN(auto to, OptDate(r, "valid_to"));
  if (to) {
    p->validity.valid_to = to;
  }
  if (const json::value* v = r.Value("milestones", false); v != nullptr && !v->is_null()) {
    if (!v->is_object()) {
      return base::InvalidArgument(
          "milestones", "json.type",
          "milestones must be an object {\"signed\": {\"planned\", \"actual\"}}",
          "milestones 须为对象");
    }
    for (const auto& [key, val] : v->as_object()) {
      const std::string path = "milestones." + std::string(key);
      KECHAN_ASSIGN_OR_RETURN(Milestone m, ParseMilestone(key, path));
      if (!val.is_object()) {
        return base::InvalidArgument(path, "json.type", path + " must be {\"planned\", \"actual\"}",
                                     path + " 须为 {\"planned\", \"actual\"}");
      }
      auto& d = p->milestones[static_cast<size_t>(m)];
      for (const auto& [k2, date] : val.as_object()) {
        const std::string sub = path + "." + std::string(k2);
        std::optional<base::Date>* target = k2 == "planned"  ? &d.planned
                                            : k2 == "actual" ? &d.actual
                                                             : nullptr;
        if (target == nullptr) {
          return base::InvalidArgument(sub, "json.unknown_field", "unknown field " + sub,
                                       "未知字段 " + sub);
        }
        if (date.is_null()) {
          target->reset();
        } else if (date.is_string()) {
          KECHAN_ASSIGN_OR_RETURN(base::Date parsed,
                                  base::Date::Parse(std::string_view(date.as_string()), sub));
          *target = parsed;
        } else {
          return base::InvalidArgument(sub, "json.type", sub + " must be YYYY-MM-DD or null",
                                       sub + " 须为 YYYY-MM-DD 或 null");
        }
      }
    }
  }
  return r.Finish();
}

Result<ProjectFilter> ProjectFilterOf(const http::Request& req) {
  ProjectFilter f;
  KECHAN_ASSIGN_OR_RETURN(int64_t chain, QueryInt(req, "chain", 0));
  if (chain > 0) {
    f.chain_id = ChainId{chain};
  }
  KECHAN_ASSIGN_OR_RETURN(int64_t park, QueryInt(req, "park", 0));
  if (park > 0) {
    f.park_id = ParkId{park};
  }
  if (auto it = req.query.find("department"); it != req.query.end()) {
    f.department = it->second;
  }
  if (auto it = req.query.find("kind"); it != req.query.end() && !it->second.empty()) {
    KECHAN_ASSIGN_OR_RETURN(auto k, ParseProjectKind(it->second, "kind"));
    f.kind = k;
  }
  if (auto it = req.query.find("stage"); it != req.query.end() && !it->second.empty()) {
    KECHAN_ASSIGN_OR_RETURN(auto m, ParseMilestone(it->second, "stage"));
    f.stage = m;
  }
  KECHAN_ASSIGN_OR_RETURN(f.overdue_only, QueryBool(req, "overdue", false));
  return f;
}

table::Table ProjectsTable(const std::vector<ProjectRow>& rows) {
  table::Table t;
  t.header = {"id", "name", "kind", "investment", "chain_id", "park_id", "department"};
  for (int i = 0; i < kMilestoneCount; ++i) {
    const std::string m = MilestoneName(static_cast<Milestone>(i));
    t.header.push_back(m + "_planned");
    t.header.push_back(m + "_actual");
  }
  for (const char* c : {"stage", "slippage_days", "overdue"}) {
    t.header.emplace_back(c);
  }
  for (const auto& r : rows) {
    const Project& p = r.project;
    std::vector<std::string> row{p.id.ToString(),
                                 p.name,
                                 ProjectKindName(p.kind),
                                 p.investment.ToYuanString(),
                                 p.chain_id ? p.chain_id->ToString() : "",
                                 p.park_id ? p.park_id->ToString() : "",
                                 p.department};
    for (const auto& m : p.milestones) {
      row.push_back(m.planned ? m.planned->ToString() : "");
      row.push_back(m.actual ? m.actual->ToString() : "");
    }
    row.emplace_back(r.progress.stage ? MilestoneName(*r.progress.stage) : "");
    row.push_back(r.progress.slippage_days ? std::to_string(*r.progress.slippage_days) : "");
    row.emplace_back(r.progress.overdue ? "1" : "0");
    t.rows.push_back(std::move(row));
  }
  return t;
}

Result<http::Response> ListProjectsRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(ProjectFilter f, ProjectFilterOf(req));
  KECHAN_ASSIGN_OR_RETURN(base::Date as_of, QueryDate(req, "as_of", Today()));
  KECHAN_ASSIGN_OR_RETURN(auto format, FormatOf(req));
  KECHAN_ASSIGN_OR_RETURN(auto rows, s.ListProjects(Caller::Of(req.principal), f, as_of));
  if (format) {
    return FileResponse(ProjectsTable(rows), *format, "projects-" + as_of.ToString(),
                        "重大项目-" + as_of.ToString(), "projects");
  }
  json::array items;
  for (const auto& r : rows) {
    items.push_back(ProjectObj(r.project, r.progress));
  }
  return http::Response::Json(
      http::ToJson(json::object{{"as_of", as_of.ToString()}, {"items", std::move(items)}}));
}

Result<http::Response> CreateProjectRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  Project p;
  KECHAN_RETURN_IF_ERROR(ReadProject(obj, &p, /*create=*/true));
  KECHAN_ASSIGN_OR_RETURN(Project created, s.CreateProject(Caller::Of(req.principal), p));
  return http::Response::Json(http::ToJson(ProjectObj(created, ProgressOf(created, Today()))), 201);
}

Result<http::Response> GetProjectRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(Project p, s.GetProject(Caller::Of(req.principal), ProjectId{id}));
  return http::Response::Json(http::ToJson(ProjectObj(p, ProgressOf(p, Today()))));
}

Result<http::Response> PatchProjectRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(Project p, s.GetProject(caller, ProjectId{id}));
  KECHAN_RETURN_IF_ERROR(ReadProject(obj, &p, /*create=*/false));
  KECHAN_ASSIGN_OR_RETURN(Project updated, s.UpdateProject(caller, p));
  return http::Response::Json(http::ToJson(ProjectObj(updated, ProgressOf(updated, Today()))));
}

Result<http::Response> MyEnterprisesRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto mine, s.MyEnterprises(Caller::Of(req.principal)));
  json::array items;
  for (const auto& e : mine) {
    items.push_back(EnterpriseObj(e, nullptr));
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)}}));
}

// ---- diff ---------------------------------------------------------------------------------------
Result<http::Response> DiffRoute(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(base::Date to, QueryDate(req, "to", Today()));
  KECHAN_ASSIGN_OR_RETURN(base::Date from, QueryDate(req, "from", to.AddDays(-365)));
  KECHAN_ASSIGN_OR_RETURN(auto r, s.Diff(Caller::Of(req.principal), ChainId{id}, from, to));
  auto nodes = [&](const std::vector<NodeId>& ids) {
    json::array arr;
    for (NodeId n : ids) {
      auto it = r.node_codes.find(n);
      arr.push_back(
          json::object{{"id", n.value}, {"code", it == r.node_codes.end() ? "" : it->second}});
    }
    return arr;
  };
  auto firms = [&](const std::vector<EnterpriseId>& ids) {
    json::array arr;
    for (EnterpriseId e : ids) {
      auto it = r.firm_names.find(e);
      arr.push_back(
          json::object{{"id", e.value}, {"name", it == r.firm_names.end() ? "" : it->second}});
    }
    return arr;
  };
  json::array changes;
  for (const auto& c : r.diff.firm_changes) {
    changes.push_back(json::object{{"node_id", c.node_id.value},
                                   {"code", c.code},
                                   {"added", firms(c.added)},
                                   {"removed", firms(c.removed)}});
  }
  json::object body{{"chain_id", id},
                    {"code", r.code},
                    {"from", from.ToString()},
                    {"to", to.ToString()},
                    {"coverage_from", r.diff.coverage_from},
                    {"coverage_to", r.diff.coverage_to},
                    {"coverage_change", r.diff.coverage_change},
                    {"nodes_added", nodes(r.diff.nodes_added)},
                    {"nodes_removed", nodes(r.diff.nodes_removed)},
                    {"gaps_opened", nodes(r.diff.gaps_opened)},
                    {"gaps_closed", nodes(r.diff.gaps_closed)},
                    {"firm_changes", std::move(changes)}};
  return http::Response::Json(http::ToJson(body));
}

// ---- chain chiefs ----------------------------------------------------------------------------
std::string ChiefsJson(const std::vector<ChainChief>& chiefs) {
  json::array arr;
  for (const auto& c : chiefs) {
    arr.push_back(json::object{
        {"user_id", c.user_id.value}, {"username", c.username}, {"display_name", c.display_name}});
  }
  return http::ToJson(json::object{{"chiefs", std::move(arr)}});
}

Result<http::Response> GetChiefs(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(auto chiefs, s.ListChainChiefs(Caller::Of(req.principal), ChainId{id}));
  return http::Response::Json(ChiefsJson(chiefs));
}

Result<http::Response> PutChiefs(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  const json::value* v = obj.if_contains("user_ids");
  if (v == nullptr || !v->is_array()) {
    return base::InvalidArgument("user_ids", "json.type", "user_ids must be an array of user ids",
                                 "user_ids 须为用户编号数组");
  }
  if (obj.size() != 1) {
    for (const auto& [key, val] : obj) {
      if (key != "user_ids") {
        return base::InvalidArgument(std::string(key), "json.unknown_field",
                                     "unknown field " + std::string(key),
                                     "未知字段 " + std::string(key));
      }
    }
  }
  std::vector<base::UserId> users;
  for (const auto& u : v->as_array()) {
    if (!u.is_int64() || u.as_int64() <= 0) {
      return base::InvalidArgument("user_ids", "json.type", "user_ids must be positive integers",
                                   "user_ids 须为正整数");
    }
    users.push_back(base::UserId{u.as_int64()});
  }
  if (users.size() > 50) {
    return base::InvalidArgument("user_ids", "chain.chief_count", "at most 50 chiefs per chain",
                                 "每条产业链最多 50 位链长");
  }
  KECHAN_ASSIGN_OR_RETURN(auto chiefs,
                          s.SetChainChiefs(Caller::Of(req.principal), ChainId{id}, users));
  return http::Response::Json(ChiefsJson(chiefs));
}

Result<http::Response> ChiefCandidates(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto chiefs, s.ListChiefCandidates(Caller::Of(req.principal)));
  return http::Response::Json(ChiefsJson(chiefs));
}

Result<http::Response> MyChains(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto scope, s.DetailScope(Caller::Of(req.principal)));
  json::value chains = nullptr;
  if (scope) {
    json::array arr;
    for (ChainId c : *scope) {
      arr.push_back(c.value);
    }
    chains = std::move(arr);
  }
  return http::Response::Json(
      http::ToJson(json::object{{"all", !scope.has_value()}, {"chains", std::move(chains)}}));
}

// ---- imports ----------------------------------------------------------------------------------
constexpr std::string_view kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

Result<ImportKind> KindOf(const http::Request& req) {
  auto it = req.query.find("kind");
  if (it == req.query.end() || it->second.empty()) {
    return base::InvalidArgument("kind", "import.kind",
                                 "kind is required: enterprises, chains, links or buildings",
                                 "须指定导入类型 kind：enterprises、chains、links 或 buildings");
  }
  return ParseImportKind(it->second, "kind");
}

Result<http::Response> StartImport(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(ImportKind kind, KindOf(req));
  KECHAN_ASSIGN_OR_RETURN(bool skip_bad, QueryBool(req, "skip_bad", false));
  std::string type(req.Header("content-type").value_or(""));
  if (auto semi = type.find(';'); semi != std::string::npos) {
    type.resize(semi);
  }
  for (char& ch : type) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  const bool xlsx_type = type == kXlsxType;
  if (!xlsx_type && type != "text/csv" && type != "application/octet-stream") {
    return base::InvalidArgument(
        "content-type", "import.content_type",
        "upload the file as text/csv or " + std::string(kXlsxType) + " (got \"" + type + "\")",
        "请以 text/csv 或 .xlsx 类型上传文件（收到“" + type + "”）");
  }
  if (xlsx_type && !req.body.empty() && !table::LooksLikeXlsx(req.body)) {
    return base::InvalidArgument("body", "xlsx.not_zip",
                                 "the body is not an .xlsx workbook (not a zip archive)",
                                 "上传内容不是 .xlsx 工作簿");
  }
  ImportOptions options;
  options.skip_bad = skip_bad;
  std::string name = "upload";
  if (auto it = req.query.find("filename"); it != req.query.end() && !it->second.empty()) {
    name = it->second.substr(0, 200);
  }
  options.source = "import:" + name;
  KECHAN_ASSIGN_OR_RETURN(ImportJobState job, s.jobs().Start(Caller::Of(req.principal), kind,
                                                             req.body, std::move(options)));
  return http::Response::Json(ImportJobJson(job), 202);
}

Result<http::Response> GetImport(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(ImportJobState job, s.jobs().Get(Caller::Of(req.principal), id));
  return http::Response::Json(ImportJobJson(job));
}

Result<http::Response> ImportTemplateRoute(const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(ImportKind kind, KindOf(req));
  http::Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = "\xEF\xBB\xBF" + ImportTemplate(kind);
  r.headers.emplace_back(
      "Content-Disposition",
      "attachment; filename=\"" + std::string(ImportKindName(kind)) + "-template.csv\"");
  return r;
}

constexpr const char* kAnalysisSchema = R"({
  "type": "object",
  "required": ["chain_id", "code", "as_of", "coverage", "nodes", "gaps"],
  "properties": {
    "chain_id": {"type": "integer"}, "code": {"type": "string"},
    "as_of": {"type": "string", "format": "date"},
    "coverage": {"type": "number", "minimum": 0, "maximum": 1},
    "nodes": {"type": "array", "items": {"type": "object",
      "required": ["id", "code", "local_firms", "hhi", "single_source"],
      "properties": {"id": {"type": "integer"}, "code": {"type": "string"},
        "local_firms": {"type": "integer"}, "hhi": {"type": "number"},
        "single_source": {"type": "boolean"}}}},
    "gaps": {"type": "array", "items": {"type": "integer"}},
    "key_firms": {"type": "array", "description": "empty for callers without details"}}
})";

constexpr const char* kEnterpriseRequestSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "uscc": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
    "district": {"type": "string"}, "park_id": {"type": "integer", "nullable": true},
    "org_id": {"type": "integer"}, "above_size": {"type": "boolean"},
    "green_factory": {"type": "boolean"},
    "revenue": {"type": "object", "additionalProperties": {"type": "string"},
                "example": {"2025": "123456.78"}},
    "rd_spend": {"type": "object", "additionalProperties": {"type": "string"}},
    "digital_level": {"type": "object", "additionalProperties": {"type": "integer"}},
    "source": {"type": "string"}, "source_date": {"type": "string", "format": "date"},
    "valid_from": {"type": "string", "format": "date"},
    "valid_to": {"type": "string", "format": "date"}}
})";

constexpr const char* kBuildingRequestSchema = R"({
  "type": "object",
  "required": ["name", "floors", "floor_area_m2"],
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string"}, "floors": {"type": "integer", "minimum": 1},
    "floor_area_m2": {"type": "number", "exclusiveMinimum": 0},
    "source": {"type": "string"}, "source_date": {"type": "string", "format": "date"},
    "valid_from": {"type": "string", "format": "date"},
    "valid_to": {"type": "string", "format": "date"}}
})";

constexpr const char* kUnitRequestSchema = R"({
  "type": "object",
  "required": ["code", "floor", "area_m2"],
  "additionalProperties": false,
  "properties": {
    "code": {"type": "string"}, "floor": {"type": "integer", "minimum": 1},
    "area_m2": {"type": "number", "exclusiveMinimum": 0},
    "use": {"type": "string", "enum": ["production", "office", "lab", "warehouse"]}}
})";

constexpr const char* kUnitObservationRequestSchema = R"({
  "type": "object",
  "required": ["date", "occupied"],
  "additionalProperties": false,
  "properties": {
    "date": {"type": "string", "format": "date"}, "occupied": {"type": "boolean"},
    "producing": {"type": "boolean", "description": "implies occupied"},
    "enterprise_id": {"type": "integer"}}
})";

constexpr const char* kNodeRequestSchema = R"({
  "type": "object",
  "required": ["code", "name"],
  "additionalProperties": false,
  "properties": {
    "code": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
    "segment": {"type": "string", "enum": ["upstream", "midstream", "downstream"]},
    "criticality": {"type": "integer", "minimum": 1, "maximum": 5},
    "choke_point": {"type": "boolean"}, "parent_id": {"type": "integer"},
    "source": {"type": "string"}, "source_date": {"type": "string", "format": "date"},
    "valid_from": {"type": "string", "format": "date"},
    "valid_to": {"type": "string", "format": "date"}}
})";

}  // namespace

std::string ChainListJson(const std::vector<ChainSummary>& chains) {
  json::array arr;
  for (const auto& c : chains) {
    json::object o = ChainObj(c.chain);
    o["cluster"] = ClusterObj(c.cluster);
    o["nodes"] = c.nodes;
    o["firms"] = c.firms;
    arr.push_back(std::move(o));
  }
  return http::ToJson(json::object{{"chains", std::move(arr)}});
}

std::string AnalysisJson(const ChainAnalysis& a) { return http::ToJson(AnalysisObj(a)); }

std::string AnalysisCsv(const ChainAnalysis& a) { return table::WriteCsv(AnalysisTable(a)); }

std::string EnterpriseJson(const Enterprise& e, const std::vector<Link>* links) {
  return http::ToJson(EnterpriseObj(e, links));
}

void RegisterRoutes(http::Router& router, ChainService& service) {
  using http::Access;
  using http::Method;
  const std::vector<auth::Role> operators = {auth::Role::kOperator};
  router.Add(Method::kGet, "/api/v1/chains",
             http::RouteSpec{.summary = "List industrial chains with codes and counts",
                             .summary_zh = "列出产业链（编码、节点数、企业数）",
                             .tag = "chain",
                             .access = Access::kPublic},
             [&service](http::Request& req) { return ListChains(service, req); });
  router.Add(Method::kGet, "/api/v1/chains/{id}",
             http::RouteSpec{.summary = "One chain map: cluster and nodes",
                             .summary_zh = "产业链图谱：所属集群与节点",
                             .tag = "chain",
                             .access = Access::kPublic},
             [&service](http::Request& req) { return GetChain(service, req); });
  router.Add(
      Method::kGet, "/api/v1/chains/{id}/analysis",
      http::RouteSpec{.summary = "Coverage, gaps and concentration of a chain as of a date",
                      .summary_zh = "产业链分析：节点覆盖率、缺链环节、供应集中度（可指定日期）",
                      .tag = "chain",
                      .access = Access::kPublic,
                      .response_schema = kAnalysisSchema},
      [&service](http::Request& req) { return Analyze(service, req); });
  router.Add(Method::kPost, "/api/v1/chains/{id}/nodes",
             http::RouteSpec{.summary = "Add a node to a chain",
                             .summary_zh = "为产业链新增节点",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators,
                             .request_schema = kNodeRequestSchema,
                             .success_status = 201},
             [&service](http::Request& req) { return AddNode(service, req); });
  router.Add(Method::kGet, "/api/v1/enterprises",
             http::RouteSpec{.summary = "List enterprises with filters and paging",
                             .summary_zh = "企业列表（按区县、园区、产业链、节点、规上筛选，分页）",
                             .tag = "chain",
                             .access = Access::kSignedIn},
             [&service](http::Request& req) { return ListEnterprises(service, req); });
  router.Add(Method::kGet, "/api/v1/enterprises/{id}",
             http::RouteSpec{.summary = "One enterprise's profile with its chain links",
                             .summary_zh = "企业档案及其产业链节点",
                             .tag = "chain",
                             .access = Access::kSignedIn},
             [&service](http::Request& req) { return GetEnterprise(service, req); });
  router.Add(Method::kPost, "/api/v1/enterprises",
             http::RouteSpec{.summary = "Create an enterprise record",
                             .summary_zh = "新增企业",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators,
                             .request_schema = kEnterpriseRequestSchema,
                             .success_status = 201},
             [&service](http::Request& req) { return CreateEnterprise(service, req); });
  router.Add(Method::kPatch, "/api/v1/enterprises/{id}",
             http::RouteSpec{.summary = "Update an enterprise (operators or its own members)",
                             .summary_zh = "修改企业信息（平台运营或本企业用户）",
                             .tag = "chain",
                             .access = Access::kSignedIn,
                             .request_schema = kEnterpriseRequestSchema},
             [&service](http::Request& req) { return PatchEnterprise(service, req); });
  router.Add(Method::kGet, "/api/v1/parks",
             http::RouteSpec{.summary = "List parks",
                             .summary_zh = "园区列表",
                             .tag = "chain",
                             .access = Access::kPublic},
             [&service](http::Request& req) { return ListParks(service, req); });
  router.Add(Method::kGet, "/api/v1/parks/{id}/occupancy",
             http::RouteSpec{.summary = "A park's occupancy rates over time (from..to)",
                             .summary_zh = "园区载体使用率时间序列",
                             .tag = "chain",
                             .access = Access::kPublic},
             [&service](http::Request& req) { return Occupancy(service, req); });
  router.Add(Method::kGet, "/api/v1/parks/{id}/occupancy/series",
             http::RouteSpec{.summary = "Monthly unit-based occupancy and production rates of a "
                                        "park and each of its buildings, and the park's land "
                                        "rate (?from=YYYY-MM&to=YYYY-MM, at most 120 months)",
                             .summary_zh = "园区及各楼栋逐月楼宇使用率、投产率与土地使用率",
                             .tag = "chain",
                             .access = Access::kPublic},
             [&service](http::Request& req) { return OccupancySeriesRoute(service, req); });
  router.Add(Method::kPost, "/api/v1/parks/{id}/buildings",
             http::RouteSpec{.summary = "Add a building to a park",
                             .summary_zh = "为园区新增楼栋",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators,
                             .request_schema = kBuildingRequestSchema,
                             .success_status = 201},
             [&service](http::Request& req) { return CreateBuildingRoute(service, req); });
  router.Add(Method::kGet, "/api/v1/parks/{id}/buildings",
             http::RouteSpec{.summary = "A park's buildings, units, latest unit observations and "
                                        "unit-based rates as of a date (?as_of=)",
                             .summary_zh = "园区楼栋、单元及其最新入驻投产情况与单元口径使用率",
                             .tag = "chain",
                             .access = Access::kPublic},
             [&service](http::Request& req) { return ListBuildingsRoute(service, req); });
  router.Add(Method::kPost, "/api/v1/buildings/{id}/units",
             http::RouteSpec{.summary = "Add a unit to a building",
                             .summary_zh = "为楼栋新增单元",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators,
                             .request_schema = kUnitRequestSchema,
                             .success_status = 201},
             [&service](http::Request& req) { return CreateUnitRoute(service, req); });
  router.Add(Method::kPost, "/api/v1/units/{id}/observations",
             http::RouteSpec{.summary = "Record a unit's occupancy on a date",
                             .summary_zh = "登记单元入驻与投产情况",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators,
                             .request_schema = kUnitObservationRequestSchema,
                             .success_status = 201},
             [&service](http::Request& req) { return ObserveUnitRoute(service, req); });
  router.Add(Method::kGet, "/api/v1/projects",
             http::RouteSpec{.summary = "Major projects with milestones and slippage "
                                        "(?chain=&park=&department=&kind=&stage=&overdue=&as_of=)",
                             .summary_zh = "重大项目与产业地标（里程碑、滞后天数）",
                             .tag = "chain",
                             .access = Access::kSignedIn},
             [&service](http::Request& req) { return ListProjectsRoute(service, req); });
  router.Add(Method::kPost, "/api/v1/projects",
             http::RouteSpec{.summary = "Create a major project",
                             .summary_zh = "新增重大项目",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators,
                             .success_status = 201},
             [&service](http::Request& req) { return CreateProjectRoute(service, req); });
  router.Add(Method::kGet, "/api/v1/projects/{id}",
             http::RouteSpec{.summary = "One major project",
                             .summary_zh = "重大项目详情",
                             .tag = "chain",
                             .access = Access::kSignedIn},
             [&service](http::Request& req) { return GetProjectRoute(service, req); });
  router.Add(Method::kPatch, "/api/v1/projects/{id}",
             http::RouteSpec{.summary = "Update a major project (milestone dates, ...)",
                             .summary_zh = "修改重大项目（里程碑日期等）",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators},
             [&service](http::Request& req) { return PatchProjectRoute(service, req); });
  router.Add(Method::kGet, "/api/v1/enterprises/mine",
             http::RouteSpec{.summary = "The caller's own enterprises (enterprise members)",
                             .summary_zh = "本企业信息（企业用户）",
                             .tag = "chain",
                             .access = Access::kSignedIn},
             [&service](http::Request& req) { return MyEnterprisesRoute(service, req); });
  router.Add(Method::kGet, "/api/v1/chains/{id}/diff",
             http::RouteSpec{.summary = "What changed in a chain between two dates (?from=&to=)",
                             .summary_zh = "产业链两个日期之间的变化（覆盖率、缺链环节、企业）",
                             .tag = "chain",
                             .access = Access::kPublic},
             [&service](http::Request& req) { return DiffRoute(service, req); });
  router.Add(Method::kGet, "/api/v1/chains/{id}/chiefs",
             http::RouteSpec{.summary = "The chain's chiefs (users)",
                             .summary_zh = "产业链链长（用户）",
                             .tag = "chain",
                             .access = Access::kSignedIn},
             [&service](http::Request& req) { return GetChiefs(service, req); });
  router.Add(Method::kPut, "/api/v1/chains/{id}/chiefs",
             http::RouteSpec{.summary = "Assign the chain's chiefs ({\"user_ids\": [..]})",
                             .summary_zh = "设置产业链链长",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators,
                             .request_schema = R"({"type":"object","required":["user_ids"],
                               "additionalProperties":false,"properties":{"user_ids":{
                               "type":"array","items":{"type":"integer"}}}})"},
             [&service](http::Request& req) { return PutChiefs(service, req); });
  router.Add(Method::kGet, "/api/v1/chain-chiefs",
             http::RouteSpec{.summary = "Users holding the chain_chief role (to assign)",
                             .summary_zh = "具有产业链长角色的用户",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators},
             [&service](http::Request& req) { return ChiefCandidates(service, req); });
  router.Add(Method::kGet, "/api/v1/chains/mine",
             http::RouteSpec{.summary = "Which chains' details the caller sees ({all, chains})",
                             .summary_zh = "当前用户可查看详情的产业链",
                             .tag = "chain",
                             .access = Access::kSignedIn},
             [&service](http::Request& req) { return MyChains(service, req); });
  router.Add(Method::kPost, "/api/v1/imports",
             http::RouteSpec{
                 .summary = "Upload a CSV/.xlsx file to import "
                            "(?kind=enterprises|chains|links|buildings&skip_bad=); starts a job",
                 .summary_zh = "上传 CSV/.xlsx 文件导入企业、产业链节点、企业节点关联或园区楼栋单元"
                               "（后台任务）",
                 .tag = "chain",
                 .access = Access::kRoles,
                 .roles = operators,
                 .success_status = 202},
             [&service](http::Request& req) { return StartImport(service, req); });
  router.Add(Method::kGet, "/api/v1/imports/template",
             http::RouteSpec{.summary = "The CSV template of an import kind (?kind=)",
                             .summary_zh = "导入模板（CSV）",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators},
             [](http::Request& req) { return ImportTemplateRoute(req); });
  router.Add(Method::kGet, "/api/v1/imports/{id}",
             http::RouteSpec{.summary = "An import job's progress and report",
                             .summary_zh = "导入任务进度与结果",
                             .tag = "chain",
                             .access = Access::kRoles,
                             .roles = operators},
             [&service](http::Request& req) { return GetImport(service, req); });
}

}  // namespace kechan::chain
