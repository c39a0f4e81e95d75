#include "appeals/routes.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <string>

#include "appeals/service.h"
#include "appeals/sla_rules_routes.h"
#include "base/calendar.h"
#include "http/json_body.h"
#include "table/table.h"

namespace kechan::appeals {
namespace {

namespace json = boost::json;
using base::Result;
using http::Access;
using http::Method;
using http::Request;
using http::Response;
using http::RouteSpec;

json::value Opt(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value OptD(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::array Ids(const std::vector<int64_t>& ids) {
  json::array a;
  for (auto x : ids) {
    a.emplace_back(x);
  }
  return a;
}

std::string Q(const Request& req, const char* name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

Result<std::optional<int64_t>> QInt(const Request& req, const char* name, int64_t min = 1,
                                    int64_t max = INT64_MAX) {
  std::string v = Q(req, name);
  if (v.empty()) {
    return std::optional<int64_t>();
  }
  int64_t x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < min || x > max) {
    return base::InvalidArgument(name, "query.integer",
                                 std::string(name) + " must be an integer in range",
                                 std::string(name) + " 须为范围内的整数");
  }
  return std::optional<int64_t>(x);
}

Result<base::Date> QDate(const Request& req, const char* name, base::Date fallback) {
  std::string v = Q(req, name);
  if (v.empty()) {
    return fallback;
  }
  return base::Date::Parse(v, name);
}

base::Date Today() { return base::LocalDateOf(base::SystemClock::Get().NowMicros()); }

json::object ClockObj(const ClockView& c) {
  const auto& s = c.state;
  return json::object{{"name", c.spec.name},
                      {"status", flow::ClockStatusName(s.status)},
                      {"goal", json::object{{"unit", flow::GoalUnitName(c.spec.goal.unit)},
                                            {"amount", c.spec.goal.amount}}},
                      {"due_at", Opt(s.due_at)},
                      {"warn_at", Opt(s.warn_at)},
                      {"remaining_hours", static_cast<double>(s.remaining) / 3.6e9},
                      {"elapsed_hours", static_cast<double>(s.elapsed) / 3.6e9},
                      {"warned", s.warned},
                      {"breached", s.breached},
                      {"cycle", s.cycle}};
}

json::object StateLabel(const flow::Machine& m, const std::string& state) {
  const flow::StateSpec* st = m.FindState(state);
  return json::object{{"zh", st ? st->label_zh : state}, {"en", st ? st->label_en : state}};
}

json::object AppealObj(const flow::Machine& m, const Appeal& a) {
  return json::object{{"id", a.id},
                      {"title", a.title},
                      {"body", a.body},
                      {"type", a.type},
                      {"channel", a.channel},
                      {"state", a.state},
                      {"state_label", StateLabel(m, a.state)},
                      {"org_id", a.org_id},
                      {"enterprise_id", Opt(a.enterprise_id)},
                      {"chain_id", Opt(a.chain_id)},
                      {"district", a.district},
                      {"lead_unit", Opt(a.lead_unit)},
                      {"assisting_units", Ids(a.assisting_units)},
                      {"master_id", Opt(a.master_id)},
                      {"rework_count", a.rework_count},
                      {"urge_count", a.urge_count},
                      {"supervised", a.supervised},
                      {"reply", a.reply},
                      {"created_by", a.created_by},
                      {"created_at", a.created_at},
                      {"updated_at", a.updated_at},
                      {"closed_at", Opt(a.closed_at)},
                      {"sla", a.sla},
                      {"due_at", Opt(a.due_at)}};
}

json::object AttachmentObj(const Attachment& t) {
  return json::object{{"id", t.id},
                      {"name", t.name},
                      {"size", t.size},
                      {"sha256", t.sha256},
                      {"content_type", t.content_type},
                      {"created_at", t.created_at},
                      {"url", "/api/v1/appeals/" + std::to_string(t.appeal_id) + "/attachments/" +
                                  std::to_string(t.id)}};
}

json::object BookingObj(const Booking& b) {
  return json::object{{"id", b.id},
                      {"reception_id", b.reception_id},
                      {"appeal_id", b.appeal_id},
                      {"org_id", b.org_id},
                      {"auto", b.automatic},
                      {"status", b.status},
                      {"outcome", b.outcome},
                      {"note", b.note},
                      {"created_at", b.created_at}};
}

std::string DetailJson(const flow::Machine& m, const AppealDetail& d) {
  json::object o = AppealObj(m, d.appeal);
  o["org_name"] = d.org_name;
  o["org_name_en"] = d.org_name_en;
  o["lead_unit_name"] = d.lead_unit_name;
  o["lead_unit_name_en"] = d.lead_unit_name_en;
  json::array clocks, req, att, bk, tl, acts;
  for (const auto& c : d.clocks) {
    clocks.push_back(ClockObj(c));
  }
  for (const auto& r : d.requesters) {
    req.push_back(json::object{{"user_id", r.user_id},
                               {"name", r.name},
                               {"visited", r.visited},
                               {"resolved", r.resolved},
                               {"satisfaction", r.satisfaction},
                               {"comment", r.comment},
                               {"visit_channel", r.visit_channel}});
  }
  for (const auto& t : d.attachments) {
    att.push_back(AttachmentObj(t));
  }
  for (const auto& b : d.bookings) {
    bk.push_back(BookingObj(b));
  }
  for (const auto& h : d.history) {
    boost::system::error_code ec;
    json::value f = json::parse(h.fields, ec);
    tl.push_back(json::object{{"seq", h.seq},
                              {"at", h.at},
                              {"kind", h.kind},
                              {"actor", h.actor},
                              {"actor_name", h.actor_name},
                              {"actor_org", h.actor_org},
                              {"action", h.action},
                              {"state", h.state},
                              {"fields", ec ? json::value(json::object{}) : f}});
  }
  for (const auto& a : d.actions) {
    json::array required;
    for (const auto& r : a.required) {
      required.emplace_back(r);
    }
    acts.push_back(json::object{{"action", a.action},
                                {"to_state", a.to_state},
                                {"label_zh", a.label_zh},
                                {"label_en", a.label_en},
                                {"required", std::move(required)}});
  }
  o["clocks"] = std::move(clocks);
  o["requesters"] = std::move(req);
  o["attachments"] = std::move(att);
  o["bookings"] = std::move(bk);
  o["timeline"] = std::move(tl);
  o["actions"] = std::move(acts);
  if (d.suggested) {
    o["suggested_dispatch"] = json::object{{"lead_unit", d.suggested->lead_unit},
                                           {"assisting_units", Ids(d.suggested->assisting_units)},
                                           {"entry_id", d.suggested->id}};
  }
  if (d.route_suggestion) {
    const RouteSuggestion& r = *d.route_suggestion;
    o["route_suggestion"] = json::object{{"org_id", Opt(r.org_id)},
                                         {"org_name", r.org_name},
                                         {"type", r.type},
                                         {"confidence", r.confidence},
                                         {"explanation", r.explanation}};
  } else {
    o["route_suggestion"] = nullptr;
  }
  return http::ToJson(o);
}

json::object CatalogueObj(const CatalogueEntry& e, const std::string& lead_name) {
  return json::object{{"id", e.id},
                      {"type", e.type},
                      {"chain_id", Opt(e.chain_id)},
                      {"district", e.district},
                      {"lead_unit", e.lead_unit},
                      {"lead_unit_name", lead_name},
                      {"assisting_units", Ids(e.assisting_units)},
                      {"updated_at", e.updated_at}};
}

json::object ReceptionObj(const Reception& r) {
  return json::object{{"id", r.id},
                      {"kind", r.kind},
                      {"chain_id", Opt(r.chain_id)},
                      {"date", r.date},
                      {"start", r.start},
                      {"end", r.end},
                      {"host_user_id", r.host_user_id},
                      {"capacity", r.capacity},
                      {"booked", r.booked},
                      {"available", r.capacity - r.booked},
                      {"location", r.location}};
}

// ---- handlers ------------------------------------------------------------------------------

Result<Response> Meta(AppealService& s, const Request&) {
  const flow::MachineSpec& spec = s.machine().spec();
  json::array states, actions, types, channels, reasons;
  for (const auto& st : spec.states) {
    states.push_back(json::object{{"id", st.id},
                                  {"label_zh", st.label_zh},
                                  {"label_en", st.label_en},
                                  {"terminal", st.terminal}});
  }
  for (const auto& t : spec.transitions) {
    json::array from, roles, req;
    for (const auto& f : t.from) {
      from.emplace_back(f);
    }
    for (auto r : t.roles) {
      roles.emplace_back(auth::RoleName(r));
    }
    for (const auto& r : t.required) {
      req.emplace_back(r);
    }
    actions.push_back(json::object{{"action", t.action},
                                   {"from", std::move(from)},
                                   {"to", t.to},
                                   {"roles", std::move(roles)},
                                   {"required", std::move(req)},
                                   {"label_zh", t.label_zh},
                                   {"label_en", t.label_en}});
  }
  for (const auto& t : AppealTypes()) {
    int resolution_days = t.resolution_days;  // the SLA rules in force (sla_rules.h) when in days
    for (const auto& c : s.ClocksFor(t.id)) {
      if (c.name == "resolution" && c.goal.unit == flow::GoalUnit::kWorkingDays) {
        resolution_days = c.goal.amount;
      }
    }
    types.push_back(json::object{{"id", t.id},
                                 {"label_zh", t.label_zh},
                                 {"label_en", t.label_en},
                                 {"resolution_days", resolution_days}});
  }
  for (const auto& c : Channels()) {
    channels.emplace_back(c);
  }
  for (const auto& r : RejectReasons()) {
    reasons.push_back(
        json::object{{"code", r.code}, {"label_zh", r.label_zh}, {"label_en", r.label_en}});
  }
  json::object o{{"states", std::move(states)},
                 {"actions", std::move(actions)},
                 {"types", std::move(types)},
                 {"channels", std::move(channels)},
                 {"reject_reasons", std::move(reasons)},
                 {"satisfaction", json::array{"satisfied", "basically", "not"}}};
  return Response::Json(http::ToJson(o));
}

Result<Response> CreateAppeal(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  NewAppeal a;
  a.title = r.String("title", {.min_len = 1, .max_len = 200});
  a.body = r.String("body", {.min_len = 1, .max_len = 5000});
  a.type = r.String("type", {.min_len = 1, .max_len = 40});
  a.channel = r.OptionalString("channel", {.max_len = 20}).value_or("");
  a.org_id = r.OptionalInt("org_id", 1);
  a.enterprise_id = r.OptionalInt("enterprise_id", 1);
  a.chain_id = r.OptionalInt("chain_id", 1);
  a.district = r.OptionalString("district", {.max_len = 40}).value_or("");
  a.requester_name = r.OptionalString("requester_name", {.max_len = 100}).value_or("");
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(AppealDetail d, s.Create(Caller::Of(req.principal), a));
  return Response::Json(DetailJson(s.machine(), d), 201);
}

Result<Response> SuggestType(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  std::string title = r.OptionalString("title", {.max_len = 200}).value_or("");
  std::string body = r.OptionalString("body", {.max_len = 5000}).value_or("");
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(TypeSuggestion t, s.SuggestType(Caller::Of(req.principal), title, body));
  const AppealType* type = FindAppealType(t.type);
  const bool fallback = t.unsure || !type;
  return Response::Json(
      http::ToJson(json::object{{"type", type ? json::value(type->id) : nullptr},
                                {"label_zh", type ? type->label_zh : ""},
                                {"label_en", type ? type->label_en : ""},
                                {"confidence", type ? t.confidence : 0.0},
                                {"unsure", fallback},
                                {"source", t.source},
                                {"fallback", fallback ? json::value("catalogue") : nullptr}}));
}

Result<ListFilter> ReadFilter(const Request& req) {
  ListFilter f;
  std::string states = Q(req, "state");
  size_t pos = 0;
  while (!states.empty() && pos <= states.size()) {
    size_t c = states.find(',', pos);
    if (c == std::string::npos) {
      c = states.size();
    }
    if (c > pos) {
      f.states.push_back(states.substr(pos, c - pos));
    }
    pos = c + 1;
  }
  f.type = Q(req, "type");
  f.district = Q(req, "district");
  f.channel = Q(req, "channel");
  f.sla = Q(req, "sla");
  f.q = Q(req, "q");
  if (std::string sort = Q(req, "sort"); !sort.empty()) {
    f.sort = sort;
  }
  KECHAN_ASSIGN_OR_RETURN(f.chain_id, QInt(req, "chain"));
  KECHAN_ASSIGN_OR_RETURN(f.unit, QInt(req, "unit"));
  KECHAN_ASSIGN_OR_RETURN(f.org_id, QInt(req, "org"));
  if (std::string sup = Q(req, "supervised"); !sup.empty()) {
    if (sup != "true" && sup != "false") {
      return base::InvalidArgument("supervised", "query.boolean",
                                   "supervised must be true or false",
                                   "supervised 须为 true 或 false");
    }
    f.supervised = sup == "true";
  }
  KECHAN_ASSIGN_OR_RETURN(auto page, QInt(req, "page", INT64_MIN));
  KECHAN_ASSIGN_OR_RETURN(auto size, QInt(req, "page_size", INT64_MIN));
  f.page = page.value_or(1);
  f.page_size = size.value_or(20);
  return f;
}

// The names AppealService::List read for the page's organisation `id` ({} when none).
OrgNames NamesIn(const AppealPage& p, std::optional<int64_t> id) {
  if (!id) {
    return {};
  }
  auto it = p.org_names.find(*id);
  return it == p.org_names.end() ? OrgNames{} : it->second;
}

Result<Response> ListAppeals(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(ListFilter f, ReadFilter(req));
  KECHAN_ASSIGN_OR_RETURN(AppealPage p, s.List(Caller::Of(req.principal), f));
  json::array items;
  for (const auto& a : p.items) {
    json::object o = AppealObj(s.machine(), a);
    const OrgNames org = NamesIn(p, a.org_id);
    const OrgNames lead = NamesIn(p, a.lead_unit);
    o["org_name"] = org.zh;
    o["org_name_en"] = org.en;
    o["lead_unit_name"] = lead.zh;
    o["lead_unit_name_en"] = lead.en;
    items.push_back(std::move(o));
  }
  json::object counts{{"red", 0}, {"yellow", 0}, {"green", 0}, {"paused", 0}};
  for (const auto& [k, v] : p.counts) {
    counts[k] = v;
  }
  return Response::Json(http::ToJson(json::object{{"items", std::move(items)},
                                                  {"total", p.total},
                                                  {"page", p.page},
                                                  {"page_size", p.page_size},
                                                  {"counts", std::move(counts)}}));
}

Result<Response> Xlsx(const table::Table& t, const std::string& name) {
  KECHAN_ASSIGN_OR_RETURN(std::string bytes, table::WriteXlsx(t, name));
  Response r;
  r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  r.body = std::move(bytes);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".xlsx\"");
  return r;
}

Result<Response> ExportAppeals(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(ListFilter f, ReadFilter(req));
  f.page = 1;
  f.page_size = 200;
  table::Table t;
  t.header = {"编号 id",
              "标题 title",
              "类型 type",
              "渠道 channel",
              "状态 state",
              "企业 org_id",
              "企业名称 org_name",
              "区县 district",
              "主办单位 lead_unit",
              "主办单位名称 lead_unit_name",
              "时限 sla",
              "督办 supervised"};
  for (;;) {
    KECHAN_ASSIGN_OR_RETURN(AppealPage p, s.List(Caller::Of(req.principal), f));
    for (const auto& a : p.items) {
      t.rows.push_back({std::to_string(a.id), a.title, a.type, a.channel, a.state,
                        std::to_string(a.org_id), NamesIn(p, a.org_id).zh, a.district,
                        a.lead_unit ? std::to_string(*a.lead_unit) : "", NamesIn(p, a.lead_unit).zh,
                        a.sla, a.supervised ? "yes" : "no"});
    }
    if (p.items.size() < static_cast<size_t>(f.page_size) || f.page >= 500) {
      break;
    }
    ++f.page;
  }
  return Xlsx(t, "appeals");
}

Result<Response> GetAppeal(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  const std::string suggest = Q(req, "suggest");
  KECHAN_ASSIGN_OR_RETURN(
      AppealDetail d, s.Get(Caller::Of(req.principal), id, suggest == "1" || suggest == "true"));
  return Response::Json(DetailJson(s.machine(), d));
}

Result<Response> ActOnAppeal(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  auto it = req.path_params.find("action");
  const std::string action = it == req.path_params.end() ? "" : it->second;
  flow::Fields fields;
  if (!req.body.empty()) {
    KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
    for (const auto& kv : obj) {
      const json::value& v = kv.value();
      std::string key(kv.key());
      if (v.is_string()) {
        fields[key] = std::string(v.as_string());
      } else if (v.is_int64()) {
        fields[key] = std::to_string(v.as_int64());
      } else if (v.is_uint64()) {
        fields[key] = std::to_string(v.as_uint64());
      } else if (v.is_array()) {
        std::string joined;
        for (const auto& x : v.as_array()) {
          if (!x.is_int64()) {
            return base::InvalidArgument(key, "json.type", key + " must hold integers",
                                         key + " 须为整数数组");
          }
          joined += (joined.empty() ? "" : ",") + std::to_string(x.as_int64());
        }
        fields[key] = joined;
      } else if (v.is_null()) {
        continue;
      } else {
        return base::InvalidArgument(key, "json.type", key + " must be a string or a number",
                                     key + " 须为字符串或数字");
      }
      if (fields[key].size() > 10000) {
        return base::InvalidArgument(key, "json.too_long", key + " is too long", key + " 过长");
      }
    }
  }
  KECHAN_ASSIGN_OR_RETURN(AppealDetail d, s.Act(Caller::Of(req.principal), id, action, fields));
  return Response::Json(DetailJson(s.machine(), d));
}

Result<Response> AddAttachment(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  std::string ct(req.Header("content-type").value_or("application/octet-stream"));
  KECHAN_ASSIGN_OR_RETURN(
      Attachment a, s.AddAttachment(Caller::Of(req.principal), id, Q(req, "name"), ct, req.body));
  return Response::Json(http::ToJson(AttachmentObj(a)), 201);
}

Result<Response> ReadAttachment(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(int64_t att, req.PathId("att"));
  KECHAN_ASSIGN_OR_RETURN(auto f, s.ReadAttachment(Caller::Of(req.principal), id, att));
  Response r;
  r.content_type = f.first.content_type;
  r.body = std::move(f.second);
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"attachment-" + std::to_string(att) + "\"");
  return r;
}

Result<Response> ListCatalogue(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto items, s.ListCatalogue(Caller::Of(req.principal)));
  json::array a;
  for (const auto& e : items) {
    a.push_back(CatalogueObj(e, s.GroupLabel("department", std::to_string(e.lead_unit))));
  }
  return Response::Json(http::ToJson(json::object{{"items", std::move(a)}}));
}

Result<CatalogueEntry> ReadCatalogue(const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  CatalogueEntry e;
  e.type = r.String("type", {.min_len = 1, .max_len = 40});
  e.chain_id = r.OptionalInt("chain_id", 1);
  e.district = r.OptionalString("district", {.max_len = 40}).value_or("");
  e.lead_unit = r.Int("lead_unit", 1);
  if (const json::value* v = r.Value("assisting_units", false); v && !v->is_null()) {
    if (!v->is_array()) {
      return base::InvalidArgument("assisting_units", "json.type",
                                   "assisting_units must be an array of ids",
                                   "assisting_units 须为编号数组");
    }
    for (const auto& x : v->as_array()) {
      if (!x.is_int64() || x.as_int64() < 1) {
        return base::InvalidArgument("assisting_units", "json.type",
                                     "assisting_units must be an array of ids",
                                     "assisting_units 须为编号数组");
      }
      e.assisting_units.push_back(x.as_int64());
    }
  }
  KECHAN_RETURN_IF_ERROR(r.Finish());
  return e;
}

Result<Response> PostCatalogue(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(CatalogueEntry e, ReadCatalogue(req));
  KECHAN_ASSIGN_OR_RETURN(e, s.PutCatalogue(Caller::Of(req.principal), e));
  return Response::Json(http::ToJson(CatalogueObj(e, "")), 201);
}

Result<Response> PutCatalogue(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(CatalogueEntry e, ReadCatalogue(req));
  e.id = id;
  KECHAN_ASSIGN_OR_RETURN(e, s.PutCatalogue(Caller::Of(req.principal), e));
  return Response::Json(http::ToJson(CatalogueObj(e, "")));
}

Result<Response> DeleteCatalogue(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_RETURN_IF_ERROR(s.DeleteCatalogue(Caller::Of(req.principal), id));
  return Response::NoContent();
}

Result<Response> ResolveCatalogue(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto chain, QInt(req, "chain"));
  KECHAN_ASSIGN_OR_RETURN(auto m, s.Resolve(Q(req, "type"), chain, Q(req, "district")));
  json::object o{{"lead_unit", nullptr}, {"assisting_units", json::array{}}, {"entry_id", nullptr}};
  if (m) {
    o = json::object{{"lead_unit", m->lead_unit},
                     {"assisting_units", Ids(m->assisting_units)},
                     {"entry_id", m->id}};
  }
  return Response::Json(http::ToJson(o));
}

std::string ImportReportJson(const CatalogueImportReport& r) {
  json::array errors;
  for (const auto& e : r.errors) {
    errors.push_back(json::object{{"row", e.row},
                                  {"column", e.column},
                                  {"reason", e.reason},
                                  {"message", e.message_en},
                                  {"message_zh", e.message_zh}});
  }
  return http::ToJson(json::object{{"rows", r.rows},
                                   {"imported", r.inserted + r.updated},
                                   {"inserted", r.inserted},
                                   {"updated", r.updated},
                                   {"deleted", r.deleted},
                                   {"committed", r.committed},
                                   {"errors", std::move(errors)}});
}

Result<Response> ImportCatalogue(AppealService& s, const Request& req) {
  const std::string mode = Q(req, "mode");
  if (!mode.empty() && mode != "merge" && mode != "replace") {
    return base::InvalidArgument("mode", "import.mode", "mode must be merge or replace",
                                 "mode 须为 merge 或 replace");
  }
  const std::string dry = Q(req, "dry_run");
  if (req.body.empty()) {
    return base::InvalidArgument("file", "import.empty", "The file is empty", "文件为空");
  }
  base::Result<table::Table> t =
      table::LooksLikeXlsx(req.body) ? table::ReadXlsx(req.body) : table::ReadCsv(req.body);
  KECHAN_RETURN_IF_ERROR(t.status());
  KECHAN_ASSIGN_OR_RETURN(CatalogueImportReport r,
                          s.ImportCatalogue(Caller::Of(req.principal), *t, mode == "replace",
                                            dry == "1" || dry == "true"));
  // All or nothing: row problems → 422 with the report (nothing written).
  return Response::Json(ImportReportJson(r), r.errors.empty() ? 200 : 422);
}

Result<Response> ExportCatalogueCsv(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(table::Table t, s.ExportCatalogue(Caller::Of(req.principal)));
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = table::WriteCsv(t, {.bom = table::Bom::kUtf8, .line_end = table::LineEnd::kCrlf});
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"appeal-catalogue.csv\"");
  return r;
}

Result<Response> ExportCatalogueXlsx(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(table::Table t, s.ExportCatalogue(Caller::Of(req.principal)));
  return Xlsx(t, "appeal-catalogue");
}

json::object SecretInfoObj(const WebhookSecretInfo& i) {
  return json::object{{"platform", i.platform},
                      {"configured", i.configured},
                      {"source", i.source},
                      {"rotated_at", Opt(i.rotated_at)},
                      {"fingerprint", i.fingerprint}};
}

Result<Response> ListWebhookSecrets(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto items, s.WebhookSecrets(Caller::Of(req.principal)));
  json::array a;
  for (const auto& i : items) {
    a.push_back(SecretInfoObj(i));
  }
  return Response::Json(http::ToJson(json::object{{"items", std::move(a)}}));
}

Result<Response> RotateWebhookSecret(AppealService& s, const Request& req) {
  auto it = req.path_params.find("platform");
  const std::string platform = it == req.path_params.end() ? "" : it->second;
  std::string secret;
  if (!req.body.empty()) {
    KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
    http::ObjectReader r(obj);
    secret = r.OptionalString("secret", {.max_len = 256}).value_or("");
    KECHAN_RETURN_IF_ERROR(r.Finish());
  }
  KECHAN_ASSIGN_OR_RETURN(std::string fresh,
                          s.RotateWebhookSecret(Caller::Of(req.principal), platform, secret));
  KECHAN_ASSIGN_OR_RETURN(auto items, s.WebhookSecrets(Caller::Of(req.principal)));
  json::object o{{"platform", platform}, {"secret", fresh}};
  for (const auto& i : items) {
    if (i.platform == platform) {
      o["rotated_at"] = Opt(i.rotated_at);
      o["fingerprint"] = i.fingerprint;
    }
  }
  return Response::Json(http::ToJson(o));
}

Result<Response> GetRota(AppealService& s, const Request& req) {
  const base::Date today = Today();
  KECHAN_ASSIGN_OR_RETURN(base::Date from, QDate(req, "from", today));
  KECHAN_ASSIGN_OR_RETURN(base::Date to, QDate(req, "to", from.AddDays(27)));
  KECHAN_ASSIGN_OR_RETURN(auto days, s.ListRota(from, to));
  json::array a;
  for (const auto& d : days) {
    a.push_back(json::object{{"date", d.date},
                             {"user_id", Opt(d.user_id)},
                             {"name", d.name},
                             {"working_day", d.working_day}});
  }
  return Response::Json(http::ToJson(json::object{{"days", std::move(a)}}));
}

Result<Response> PutRota(AppealService& s, const Request& req) {
  auto it = req.path_params.find("date");
  KECHAN_ASSIGN_OR_RETURN(base::Date date,
                          base::Date::Parse(it == req.path_params.end() ? "" : it->second, "date"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  int64_t user = r.Int("user_id", 1);
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(RotaDay d, s.SetRota(Caller::Of(req.principal), date, user));
  return Response::Json(http::ToJson(json::object{
      {"date", d.date}, {"user_id", Opt(d.user_id)}, {"name", d.name}, {"working_day", true}}));
}

Result<Response> ListReceptions(AppealService& s, const Request& req) {
  const base::Date today = Today();
  KECHAN_ASSIGN_OR_RETURN(base::Date from, QDate(req, "from", today));
  KECHAN_ASSIGN_OR_RETURN(base::Date to, QDate(req, "to", from.AddDays(27)));
  KECHAN_ASSIGN_OR_RETURN(auto chain, QInt(req, "chain"));
  std::string kind = Q(req, "kind");
  if (!kind.empty() && kind != "duty" && kind != "chain") {
    return base::InvalidArgument("kind", "reception.kind", "kind must be duty or chain",
                                 "kind 须为 duty 或 chain");
  }
  KECHAN_ASSIGN_OR_RETURN(auto items, s.ListReceptions(from, to, kind, chain));
  json::array a;
  for (const auto& r : items) {
    json::object o = ReceptionObj(r);
    o["host_name"] = s.GroupLabel("user", std::to_string(r.host_user_id));
    a.push_back(std::move(o));
  }
  return Response::Json(http::ToJson(json::object{{"items", std::move(a)}}));
}

Result<Response> CreateReception(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  Reception x;
  x.kind = r.String("kind", {.min_len = 1, .max_len = 10});
  x.date = r.String("date", {.min_len = 10, .max_len = 10});
  x.start = r.String("start", {.min_len = 5, .max_len = 5});
  x.end = r.String("end", {.min_len = 5, .max_len = 5});
  x.host_user_id = r.Int("host_user_id", 1);
  x.capacity = r.Int("capacity", 1, 100);
  x.chain_id = r.OptionalInt("chain_id", 1);
  x.location = r.OptionalString("location", {.max_len = 200}).value_or("");
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(x, s.CreateReception(Caller::Of(req.principal), x));
  return Response::Json(http::ToJson(ReceptionObj(x)), 201);
}

Result<Response> GetReception(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(auto rb, s.GetReception(Caller::Of(req.principal), id));
  json::object o = ReceptionObj(rb.first);
  json::array b;
  for (const auto& x : rb.second) {
    json::object bo = BookingObj(x);
    bo["appeal_title"] = x.appeal_title;
    bo["org_name"] = x.org_name;
    bo["org_name_en"] = x.org_name_en;
    b.push_back(std::move(bo));
  }
  o["bookings"] = std::move(b);
  return Response::Json(http::ToJson(o));
}

Result<Response> Book(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  int64_t appeal = r.Int("appeal_id", 1);
  std::string note = r.OptionalString("note", {.max_len = 1000}).value_or("");
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Booking b, s.Book(Caller::Of(req.principal), id, appeal, note));
  return Response::Json(http::ToJson(BookingObj(b)), 201);
}

Result<Response> Outcome(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(int64_t bid, req.PathId("bid"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  std::string outcome = r.String("outcome", {.min_len = 1, .max_len = 5000});
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Booking b, s.RecordOutcome(Caller::Of(req.principal), id, bid, outcome));
  return Response::Json(http::ToJson(BookingObj(b)));
}

Result<MetricsQuery> ReadMetricsQuery(const Request& req) {
  MetricsQuery q;
  const base::Date today = Today();
  KECHAN_ASSIGN_OR_RETURN(q.to, QDate(req, "to", today));
  KECHAN_ASSIGN_OR_RETURN(q.from, QDate(req, "from", q.to.AddDays(-365)));
  if (std::string by = Q(req, "by"); !by.empty()) {
    q.by = by;
  }
  if (std::string p = Q(req, "period"); !p.empty()) {
    q.period = p;
  }
  // hours=0: rates and counts only, from the per-day sums (no medians/p90 of working hours).
  if (std::string h = Q(req, "hours"); !h.empty()) {
    if (h != "0" && h != "1" && h != "true" && h != "false") {
      return base::InvalidArgument("hours", "metrics.hours", "hours must be 0 or 1",
                                   "hours 须为 0 或 1");
    }
    q.hours = h == "1" || h == "true";
  }
  if (std::string w = Q(req, "weights"); !w.empty()) {
    auto parsed = ParseWeights(w);
    if (!parsed) {
      return base::InvalidArgument("weights", "metrics.weights",
                                   "weights must be three non-negative numbers like 30,35,35",
                                   "weights 须为三个非负数，如 30,35,35");
    }
    q.weights = *parsed;
  }
  return q;
}

Result<Response> GetMetrics(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(MetricsQuery q, ReadMetricsQuery(req));
  KECHAN_ASSIGN_OR_RETURN(MetricsResult m, s.Metrics(Caller::Of(req.principal), q));
  return Response::Json(MetricsJson(m, /*full=*/true));
}

Result<Response> GetMetricsXlsx(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(MetricsQuery q, ReadMetricsQuery(req));
  KECHAN_ASSIGN_OR_RETURN(MetricsResult m, s.Metrics(Caller::Of(req.principal), q));
  return Xlsx(MetricsTable(m), "appeal-metrics");
}

Result<Response> GetHotspots(AppealService& s, const Request& req) {
  const base::Date today = Today();
  KECHAN_ASSIGN_OR_RETURN(base::Date to, QDate(req, "to", today));
  KECHAN_ASSIGN_OR_RETURN(base::Date from, QDate(req, "from", to.AddDays(-90)));
  KECHAN_ASSIGN_OR_RETURN(auto min, QInt(req, "min", 1, 100000));
  KECHAN_ASSIGN_OR_RETURN(auto items,
                          s.Hotspots(Caller::Of(req.principal), from, to, min.value_or(3)));
  json::array a;
  for (const auto& h : items) {
    a.push_back(json::object{{"type", h.type},
                             {"chain_id", Opt(h.chain_id)},
                             {"district", h.district},
                             {"appeals", h.appeals},
                             {"enterprises", h.enterprises},
                             {"sample_ids", Ids(h.sample_ids)},
                             {"source", h.source},
                             {"label", h.label},
                             {"keywords", json::array(h.keywords.begin(), h.keywords.end())}});
  }
  return Response::Json(http::ToJson(json::object{{"items", std::move(a)}}));
}

Response WebhookJson(const WebhookResult& w) {
  json::object o;
  if (w.duplicate) {
    o["duplicate"] = true;
  }
  if (w.unmapped) {
    o["unmapped"] = true;
  } else {
    o["appeal_id"] = w.appeal_id;
    o["appended"] = w.appended;
  }
  return Response::Json(http::ToJson(o), w.status);
}

Result<Response> Wecom(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(WebhookResult w, s.IntakeWecom(std::map<std::string, std::string>(
                                                             req.query.begin(), req.query.end()),
                                                         req.body));
  return WebhookJson(w);
}

Result<Response> Dingtalk(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(WebhookResult w,
                          s.IntakeDingtalk(req.Header("timestamp").value_or(""),
                                           req.Header("sign").value_or(""), req.body));
  return WebhookJson(w);
}

json::object SenderObj(const GroupSender& g) {
  return json::object{{"id", g.id},
                      {"platform", g.platform},
                      {"sender", g.sender},
                      {"org_id", g.org_id},
                      {"org_name", g.org_name}};
}

Result<Response> ListSenders(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto items, s.ListSenders(Caller::Of(req.principal)));
  json::array a;
  for (const auto& g : items) {
    a.push_back(SenderObj(g));
  }
  return Response::Json(http::ToJson(json::object{{"items", std::move(a)}}));
}

Result<Response> AddSender(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  GroupSender g;
  g.platform = r.String("platform", {.min_len = 1, .max_len = 20});
  g.sender = r.String("sender", {.min_len = 1, .max_len = 200});
  g.org_id = r.Int("org_id", 1);
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(g, s.AddSender(Caller::Of(req.principal), g));
  return Response::Json(http::ToJson(SenderObj(g)), 201);
}

Result<Response> DeleteSender(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_RETURN_IF_ERROR(s.DeleteSender(Caller::Of(req.principal), id));
  return Response::NoContent();
}

}  // namespace

static json::object MetricRowObj(const MetricRow& r, const Weights& w, bool full) {
  auto q = [](const std::vector<double>& v) {
    Quantiles x = ComputeQuantiles(v);
    return json::object{{"median", OptD(x.median)}, {"p90", OptD(x.p90)}};
  };
  json::object o{{"key", r.key},
                 {"label", r.label},
                 {"appeals", r.appeals},
                 {"response_rate", OptD(r.response_rate())},
                 {"resolution_rate", OptD(r.resolution_rate())},
                 {"satisfaction_rate", OptD(r.satisfaction_rate())},
                 {"composite", OptD(r.composite(w))},
                 {"on_time_closure_rate", OptD(r.on_time_closure_rate())},
                 {"rework_rate", OptD(r.rework_rate())},
                 {"urging_rate", OptD(r.urging_rate())},
                 {"dispatched", r.dispatched},
                 {"closed", r.closed},
                 {"visited", r.visits}};
  if (full) {
    o["hours_to_sign_for"] = q(r.hours_to_sign_for);
    o["hours_to_contact"] = q(r.hours_to_contact);
    o["hours_to_resolution"] = q(r.hours_to_resolution);
  }
  return o;
}

std::string MetricsJson(const MetricsResult& m, bool full) {
  json::array rows;
  int rank = 0;
  for (const auto& r : m.rows) {
    json::object o = MetricRowObj(r, m.query.weights, full);
    o["rank"] = ++rank;
    rows.push_back(std::move(o));
  }
  json::object defs;
  for (const auto& d : MetricDefinitions()) {
    defs[d.name] = json::object{{"zh", d.zh}, {"en", d.en}};
  }
  json::object out{{"from", m.query.from.ToString()},
                   {"to", m.query.to.ToString()},
                   {"by", m.query.by},
                   {"weights", json::object{{"response", m.query.weights.response},
                                            {"resolution", m.query.weights.resolution},
                                            {"satisfaction", m.query.weights.satisfaction}}},
                   {"definitions", std::move(defs)},
                   {"rows", std::move(rows)},
                   {"total", MetricRowObj(m.total, m.query.weights, full)}};
  return http::ToJson(out);
}

table::Table MetricsTable(const MetricsResult& m) {
  table::Table t;
  t.header = {"排名 rank",           "键 key",          "名称 label",
              "诉求数 appeals",      "响应率 response", "解决率 resolution",
              "满意率 satisfaction", "综合 composite",  "按时办结 on-time",
              "重办率 rework",       "催办率 urging"};
  auto f = [](std::optional<double> v) {
    if (!v) {
      return std::string();
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", *v);
    return std::string(buf);
  };
  int rank = 0;
  for (const auto& r : m.rows) {
    t.rows.push_back({std::to_string(++rank), r.key, r.label, std::to_string(r.appeals),
                      f(r.response_rate()), f(r.resolution_rate()), f(r.satisfaction_rate()),
                      f(r.composite(m.query.weights)), f(r.on_time_closure_rate()),
                      f(r.rework_rate()), f(r.urging_rate())});
  }
  return t;
}

void RegisterRoutes(http::Router& router, AppealService& service) {
  using auth::Role;
  const std::vector<Role> staff = {Role::kOfficer, Role::kOperator, Role::kDutyDirector,
                                   Role::kChainChief};
  const std::vector<Role> ops = {Role::kOperator};
  auto add = [&](Method m, const char* path, const char* en, const char* zh, Access access,
                 std::vector<Role> roles, int status,
                 Result<Response> (*fn)(AppealService&, const Request&)) {
    router.Add(m, path,
               RouteSpec{.summary = en,
                         .summary_zh = zh,
                         .tag = "appeals",
                         .access = access,
                         .roles = std::move(roles),
                         .success_status = status},
               [&service, fn](Request& req) { return fn(service, req); });
  };
  add(Method::kGet, "/api/v1/appeals/meta", "Appeal states, actions, types and channels",
      "诉求状态、操作、类型与渠道", Access::kSignedIn, {}, 200, Meta);
  add(Method::kPost, "/api/v1/appeals", "File an appeal", "提交诉求", Access::kSignedIn, {}, 201,
      CreateAppeal);
  add(Method::kPost, "/api/v1/appeals/suggest-type", "Suggest the type of an appeal being filed",
      "根据诉求内容推荐诉求类型（含置信度）", Access::kSignedIn, {}, 200, SuggestType);
  add(Method::kGet, "/api/v1/appeals", "Appeal queue with filters and paging",
      "诉求队列（筛选、分页）", Access::kSignedIn, {}, 200, ListAppeals);
  add(Method::kGet, "/api/v1/appeals/export.xlsx", "Export the appeal queue as .xlsx",
      "导出诉求队列（.xlsx）", Access::kRoles, staff, 200, ExportAppeals);
  add(Method::kGet, "/api/v1/appeals/metrics", "Response, resolution and satisfaction rates",
      "诉求三率及综合得分", Access::kRoles, staff, 200, GetMetrics);
  add(Method::kGet, "/api/v1/appeals/metrics.xlsx", "Appeal metrics as .xlsx",
      "导出诉求三率（.xlsx）", Access::kRoles, staff, 200, GetMetricsXlsx);
  add(Method::kGet, "/api/v1/appeals/hotspots", "Clusters of similar appeals",
      "诉求热点（相似诉求聚类）", Access::kRoles, staff, 200, GetHotspots);
  add(Method::kGet, "/api/v1/appeals/{id}", "One appeal with timeline, clocks and actions",
      "诉求详情（时间线、时限、可用操作）", Access::kSignedIn, {}, 200, GetAppeal);
  add(Method::kPost, "/api/v1/appeals/{id}/actions/{action}", "Take an action on an appeal",
      "对诉求执行操作", Access::kSignedIn, {}, 200, ActOnAppeal);
  add(Method::kPost, "/api/v1/appeals/{id}/attachments", "Attach a file to an appeal",
      "上传诉求附件", Access::kSignedIn, {}, 201, AddAttachment);
  add(Method::kGet, "/api/v1/appeals/{id}/attachments/{att}", "Download an attachment",
      "下载诉求附件", Access::kSignedIn, {}, 200, ReadAttachment);
  add(Method::kGet, "/api/v1/appeal-catalogue", "Dispatch catalogue", "派单目录", Access::kRoles,
      staff, 200, ListCatalogue);
  add(Method::kPost, "/api/v1/appeal-catalogue", "Add a dispatch catalogue entry", "新增派单目录项",
      Access::kRoles, ops, 201, PostCatalogue);
  add(Method::kGet, "/api/v1/appeal-catalogue/resolve", "Which units an appeal goes to",
      "按类型、产业链、区县匹配承办单位", Access::kRoles, staff, 200, ResolveCatalogue);
  add(Method::kPost, "/api/v1/appeal-catalogue/import",
      "Import the dispatch catalogue (CSV or .xlsx, all or nothing)", "导入派单目录（CSV/.xlsx）",
      Access::kRoles, ops, 200, ImportCatalogue);
  add(Method::kGet, "/api/v1/appeal-catalogue/export.csv", "Export the dispatch catalogue as CSV",
      "导出派单目录（CSV）", Access::kRoles, staff, 200, ExportCatalogueCsv);
  add(Method::kGet, "/api/v1/appeal-catalogue/export.xlsx",
      "Export the dispatch catalogue as .xlsx", "导出派单目录（.xlsx）", Access::kRoles, staff, 200,
      ExportCatalogueXlsx);
  add(Method::kPut, "/api/v1/appeal-catalogue/{id}", "Change a dispatch catalogue entry",
      "修改派单目录项", Access::kRoles, ops, 200, PutCatalogue);
  add(Method::kDelete, "/api/v1/appeal-catalogue/{id}", "Delete a dispatch catalogue entry",
      "删除派单目录项", Access::kRoles, ops, 204, DeleteCatalogue);
  add(Method::kGet, "/api/v1/duty-rota", "Duty directors by working day", "坐班局长排班",
      Access::kSignedIn, {}, 200, GetRota);
  add(Method::kPut, "/api/v1/duty-rota/{date}", "Set the duty director of a day",
      "设置某日坐班局长", Access::kRoles, ops, 200, PutRota);
  add(Method::kGet, "/api/v1/receptions", "Reception slots", "接待时段", Access::kSignedIn, {}, 200,
      ListReceptions);
  add(Method::kPost, "/api/v1/receptions", "Create a reception slot", "新增接待时段",
      Access::kRoles, ops, 201, CreateReception);
  add(Method::kGet, "/api/v1/receptions/{id}", "A reception slot and its bookings",
      "接待时段及预约", Access::kSignedIn, {}, 200, GetReception);
  add(Method::kPost, "/api/v1/receptions/{id}/bookings", "Book an appeal into a reception",
      "预约接待", Access::kSignedIn, {}, 201, Book);
  add(Method::kPost, "/api/v1/receptions/{id}/bookings/{bid}/outcome",
      "Record a reception's outcome", "记录接待结果", Access::kSignedIn, {}, 200, Outcome);
  add(Method::kPost, "/api/v1/appeals/webhooks/wecom", "WeCom group message intake (signed)",
      "企业微信群消息接入（签名校验）", Access::kPublic, {}, 200, Wecom);
  add(Method::kPost, "/api/v1/appeals/webhooks/dingtalk", "DingTalk group message intake (signed)",
      "钉钉群消息接入（签名校验）", Access::kPublic, {}, 200, Dingtalk);
  add(Method::kGet, "/api/v1/appeals/webhook-secrets", "Group webhook secrets in force",
      "群消息接入密钥状态", Access::kRoles, ops, 200, ListWebhookSecrets);
  add(Method::kPost, "/api/v1/appeals/webhook-secrets/{platform}/rotate",
      "Rotate a group webhook secret (no restart)", "轮换群消息接入密钥（无需重启）",
      Access::kRoles, ops, 200, RotateWebhookSecret);
  add(Method::kGet, "/api/v1/appeals/group-senders", "Group senders mapped to enterprises",
      "群消息发送人与企业对应表", Access::kRoles, ops, 200, ListSenders);
  add(Method::kPost, "/api/v1/appeals/group-senders", "Map a group sender to an enterprise",
      "新增发送人与企业对应", Access::kRoles, ops, 201, AddSender);
  add(Method::kDelete, "/api/v1/appeals/group-senders/{id}", "Remove a sender mapping",
      "删除发送人对应", Access::kRoles, ops, 204, DeleteSender);
  RegisterSlaRuleRoutes(router, service);  // /api/v1/appeals/sla-rules (sla_rules_routes.h)
}

}  // namespace kechan::appeals
