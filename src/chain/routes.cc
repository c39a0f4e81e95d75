#include "chain/routes.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "base/calendar.h"
#include "base/clock.h"
#include "http/json_body.h"

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
    if (auto v = r.OptionalString("uscc", {.min_len = 1, .max_len = 40})) e->uscc = *v;
    if (auto v = r.OptionalString("name", {.min_len = 1, .max_len = 200})) e->name = *v;
  }
  if (auto v = r.OptionalString("name_en", {.max_len = 300})) e->name_en = *v;
  if (auto v = r.OptionalString("district", {.max_len = 100})) e->district = *v;
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
  if (auto v = r.OptionalInt("org_id", 1)) e->org_id = base::OrgId{*v};
  if (auto v = r.OptionalBool("above_size")) e->above_size = *v;
  if (auto v = r.OptionalBool("green_factory")) e->green_factory = *v;
  if (auto v = r.OptionalString("source", {.max_len = 500})) e->provenance.source = *v;
  KECHAN_ASSIGN_OR_RETURN(auto source_date, OptDate(r, "source_date"));
  if (source_date) e->provenance.source_date = source_date;
  KECHAN_ASSIGN_OR_RETURN(auto from, OptDate(r, "valid_from"));
  if (from) e->validity.valid_from = *from;
  KECHAN_ASSIGN_OR_RETURN(auto to, OptDate(r, "valid_to"));
  if (to) e->validity.valid_to = to;
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

// ---- handlers -----------------------------------------------------------------------------
Result<http::Response> ListChains(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto chains, s.ListChains(Caller::Of(req.principal)));
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
  KECHAN_ASSIGN_OR_RETURN(ChainAnalysis a,
                          s.Analyze(Caller::Of(req.principal), ChainId{id}, as_of));
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
  if (auto v = r.OptionalString("name_en", {.max_len = 300})) n.name_en = *v;
  if (auto v = r.OptionalString("segment", {.max_len = 20})) {
    KECHAN_ASSIGN_OR_RETURN(n.segment, ParseSegment(*v, "segment"));
  }
  if (auto v = r.OptionalInt("criticality")) n.criticality = static_cast<int>(*v);
  if (auto v = r.OptionalBool("choke_point")) n.choke_point = *v;
  if (auto v = r.OptionalInt("parent_id", 1)) n.parent_id = NodeId{*v};
  if (auto v = r.OptionalString("source", {.max_len = 500})) n.provenance.source = *v;
  KECHAN_ASSIGN_OR_RETURN(n.provenance.source_date, OptDate(r, "source_date"));
  KECHAN_ASSIGN_OR_RETURN(auto from, OptDate(r, "valid_from"));
  if (from) n.validity.valid_from = *from;
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
  if (park > 0) f.park_id = ParkId{park};
  KECHAN_ASSIGN_OR_RETURN(int64_t node, QueryInt(req, "node", 0));
  if (node > 0) f.node_id = NodeId{node};
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

Result<http::Response> ListParks(ChainService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto parks, s.ListParks(Caller::Of(req.principal)));
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
  KECHAN_ASSIGN_OR_RETURN(base::Date from, QueryDate(req, "from", to.AddDays(-3 * 366)));
  KECHAN_ASSIGN_OR_RETURN(auto series,
                          s.Occupancy(Caller::Of(req.principal), ParkId{id}, from, to));
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

std::string AnalysisCsv(const ChainAnalysis& a) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
      return s;
    }
    std::string out = "\"";
    for (char c : s) {
      out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
  };
  std::set<NodeId> gaps(a.gaps.begin(), a.gaps.end());
  std::string out =
      "id,code,name,segment,criticality,choke_point,local_firms,external_firms,hhi,"
      "single_source,gap\n";
  for (const auto& n : a.nodes) {
    char hhi[32];
    std::snprintf(hhi, sizeof hhi, "%.1f", n.hhi);
    out += std::to_string(n.node_id.value) + "," + field(n.code) + "," + field(n.name) + "," +
           SegmentName(n.segment) + "," + std::to_string(n.criticality) + "," +
           (n.choke_point ? "1" : "0") + "," + std::to_string(n.local_firms) + "," +
           std::to_string(n.external_firms) + "," + hhi + "," + (n.single_source ? "1" : "0") +
           "," + (gaps.count(n.node_id) ? "1" : "0") + "\n";
  }
  return out;
}

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
}

}  // namespace kechan::chain
