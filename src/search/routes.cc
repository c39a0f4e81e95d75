#include "search/routes.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <set>

#include "base/calendar.h"
#include "http/json_body.h"
#include "http/problem.h"
#include "search/hotspots.h"

namespace kechan::search {
namespace {

namespace json = boost::json;
using base::Result;

double Round(double x) { return std::round(x * 10000) / 10000; }

json::object FacetsObj(const Document& d) {
  json::object o;
  for (const auto& [name, values] : d.facets) {
    json::array a;
    for (const auto& v : values) {
      a.emplace_back(v);
    }
    o[name] = std::move(a);
  }
  return o;
}

json::object NumbersObj(const Document& d) {
  json::object o;
  for (const auto& [name, v] : d.numbers) {
    o[name] = v;
  }
  return o;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) {
    a.emplace_back(s);
  }
  return a;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) {
      end = s.size();
    }
    if (end > start) {
      out.push_back(s.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

Result<int64_t> IntParam(const http::Request& req, const std::string& name, int64_t def) {
  auto it = req.query.find(name);
  if (it == req.query.end()) {
    return def;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || p != it->second.data() + it->second.size()) {
    return base::InvalidArgument(name, "search.bad_number", name + " must be a whole number",
                                 name + " 须为整数");
  }
  return v;
}

Result<double> NumberParam(const std::string& name, const std::string& text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) {
    return base::InvalidArgument(name, "search.bad_number", name + " must be a number",
                                 name + " 须为数字");
  }
  return v;
}

Result<SearchRequest> ParseSearch(const http::Request& req) {
  SearchRequest r;
  for (const auto& [name, value] : req.query) {
    if (name == "q") {
      r.q = value;
    } else if (name == "type") {
      r.types = SplitComma(value);
    } else if (name == "page" || name == "page_size") {
      continue;
    } else if (name == "facets") {
      if (value != "0" && value != "1") {
        return base::InvalidArgument("facets", "search.bad_flag", "facets must be 0 or 1",
                                     "facets 须为 0 或 1");
      }
      r.facets = value == "1";
    } else if (IsFacetName(name) && name != "type") {
      r.filters[name] = SplitComma(value);
      if (r.filters[name].empty()) {
        return base::InvalidArgument(name, "search.bad_filter", name + " needs a value",
                                     name + " 需要取值");
      }
    } else if (name.size() > 4 && (name.ends_with("_min") || name.ends_with("_max")) &&
               IsNumberName(name.substr(0, name.size() - 4))) {
      KECHAN_ASSIGN_OR_RETURN(double v, NumberParam(name, value));
      Range& range = r.ranges[name.substr(0, name.size() - 4)];
      (name.ends_with("_min") ? range.min : range.max) = v;
    } else {
      return base::InvalidArgument(name, "search.unknown_parameter",
                                   "unknown parameter '" + name + "'", "未知参数“" + name + "”");
    }
  }
  KECHAN_ASSIGN_OR_RETURN(r.page, IntParam(req, "page", 1));
  KECHAN_ASSIGN_OR_RETURN(r.page_size, IntParam(req, "page_size", 10));
  return r;
}

std::string Actor(const http::Request& req) {
  return req.principal.signed_in() ? "user:" + std::to_string(req.principal.user.value)
                                   : "anonymous";
}

Result<http::Response> SearchRoute(SearchService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(SearchRequest r, ParseSearch(req));
  KECHAN_ASSIGN_OR_RETURN(SearchResponse out, s.Search(r));
  return http::Response::Json(SearchResponseJson(out));
}

Result<http::Response> MatchRoute(SearchService& s, const http::Request& req) {
  static const std::set<std::string> kKnown = {"type", "id", "target", "k"};
  for (const auto& [name, value] : req.query) {
    if (!kKnown.count(name)) {
      return base::InvalidArgument(name, "search.unknown_parameter",
                                   "unknown parameter '" + name + "'", "未知参数“" + name + "”");
    }
  }
  MatchRequest m;
  auto get = [&](const char* n) {
    auto it = req.query.find(n);
    return it == req.query.end() ? std::string() : it->second;
  };
  m.type = get("type");
  m.id = get("id");
  m.target_type = get("target");
  if (m.target_type.empty()) {
    return base::InvalidArgument("target", "search.missing_target", "target is required",
                                 "缺少 target（目标类型）");
  }
  KECHAN_ASSIGN_OR_RETURN(m.k, IntParam(req, "k", 20));
  auto out = s.Match(m);
  if (!out.ok()) {
    // The service names "target_type"; the API parameter is "target".
    return out.status().field() == "target_type" ? out.status().WithField("target") : out.status();
  }
  return http::Response::Json(MatchJson(m, *out));
}

Result<http::Response> DeclineRoute(SearchService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  Decline d;
  d.source_type = r.String("source_type", {.min_len = 1, .max_len = 64});
  d.source_id = r.String("source_id", {.min_len = 1, .max_len = 128});
  d.target_type = r.String("target_type", {.min_len = 1, .max_len = 64});
  d.target_id = r.String("target_id", {.min_len = 1, .max_len = 128});
  d.reason = r.String("reason", {.min_len = 1, .max_len = 64});
  d.note = r.OptionalString("note", {.max_len = 1000}).value_or("");
  KECHAN_RETURN_IF_ERROR(r.Finish());
  d.actor = Actor(req);
  KECHAN_RETURN_IF_ERROR(s.DeclineMatch(d));
  http::Response resp;
  resp.status = 204;
  resp.body.clear();
  return resp;
}

Result<http::Response> ListSynonymsRoute(SearchService& s, const http::Request& /*req*/) {
  KECHAN_ASSIGN_OR_RETURN(Thesaurus::Table t, s.ListSynonyms());
  json::array items;
  for (const auto& [word, syns] : t) {
    items.push_back(json::object{{"word", word}, {"synonyms", Strings(syns)}});
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)}}));
}

Result<http::Response> PutSynonymsRoute(SearchService& s, const http::Request& req) {
  auto it = req.path_params.find("word");
  std::string word = it == req.path_params.end() ? "" : it->second;
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  const json::value* v = obj.if_contains("synonyms");
  if (v == nullptr || !v->is_array() || obj.size() != 1) {
    return base::InvalidArgument("synonyms", "search.bad_synonyms",
                                 "the body must be {\"synonyms\": [strings]}",
                                 "请求体须为 {\"synonyms\": [字符串]}");
  }
  std::vector<std::string> syns;
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    const json::value& x = v->as_array()[i];
    if (!x.is_string()) {
      return base::InvalidArgument("synonyms[" + std::to_string(i) + "]", "search.bad_synonym",
                                   "synonyms must be strings", "同义词须为字符串");
    }
    syns.emplace_back(x.as_string());
  }
  KECHAN_RETURN_IF_ERROR(s.SetSynonyms(word, syns, Actor(req)));
  return ListSynonymsRoute(s, req);
}

Result<http::Response> RouteAppealRoute(SearchService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  std::string text = r.String("text", {.min_len = 1, .max_len = 5000});
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(RoutingSuggestion sug, s.SuggestDepartment(text));
  json::array scores;
  for (const auto& [label, share] : sug.scores) {
    scores.push_back(json::object{{"label", label}, {"share", Round(share)}});
  }
  json::object out{{"label", sug.label},
                   {"confidence", Round(sug.confidence)},
                   {"unsure", sug.unsure},
                   {"source", sug.source},
                   {"scores", std::move(scores)}};
  if (s.HasTypeModel()) {
    KECHAN_ASSIGN_OR_RETURN(RoutingSuggestion type, s.SuggestType(text));
    out["type"] = json::object{{"label", type.label},
                               {"confidence", Round(type.confidence)},
                               {"unsure", type.unsure},
                               {"source", type.source}};
  }
  return http::Response::Json(http::ToJson(out));
}

Result<http::Response> ReloadRoutingRoute(SearchService& s, const http::Request& req) {
  if (!req.body.empty()) {
    KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
    http::ObjectReader r(obj);
    KECHAN_RETURN_IF_ERROR(r.Finish());
  }
  json::array models;
  for (const RoutingModelReload& m : s.ReloadRoutingModels(true)) {
    json::object o{{"label", m.label}, {"file", m.file}, {"state", m.state}};
    if (!m.error_en.empty()) {
      o["error"] = m.error_en;
    }
    models.push_back(std::move(o));
  }
  return http::Response::Json(http::ToJson(json::object{{"models", std::move(models)}}));
}

Result<int64_t> DayParam(const http::Request& req, const std::string& name) {
  KECHAN_ASSIGN_OR_RETURN(base::Date d, base::Date::Parse(req.query.at(name), name));
  return d.ToDays();
}

Result<http::Response> HotspotsRoute(SearchService& s, const http::Request& req) {
  HotspotRequest h;
  for (const auto& [name, value] : req.query) {
    if (name == "type") {
      h.type = value;
    } else if (name == "from") {
      KECHAN_ASSIGN_OR_RETURN(int64_t d, DayParam(req, name));
      h.from_day = d;
    } else if (name == "to") {
      KECHAN_ASSIGN_OR_RETURN(int64_t d, DayParam(req, name));
      h.to_day = d;
    } else if (name == "min_similarity") {
      KECHAN_ASSIGN_OR_RETURN(double v, NumberParam(name, value));
      if (v <= 0 || v > 1) {
        return base::InvalidArgument(name, "search.bad_number", "min_similarity must be in (0, 1]",
                                     "min_similarity 须在 (0, 1] 之间");
      }
      h.min_similarity = v;
    } else if (name != "limit" && name != "min_size") {
      return base::InvalidArgument(name, "search.unknown_parameter",
                                   "unknown parameter '" + name + "'", "未知参数“" + name + "”");
    }
  }
  KECHAN_ASSIGN_OR_RETURN(h.limit, IntParam(req, "limit", 10));
  KECHAN_ASSIGN_OR_RETURN(h.min_size, IntParam(req, "min_size", 2));
  KECHAN_ASSIGN_OR_RETURN(HotspotResult r, FindHotspots(s.analysis(), s.index(), h));
  auto day = [](const std::optional<int64_t>& d) -> json::value {
    if (!d) {
      return nullptr;
    }
    return json::value(base::Date::FromDays(*d).ToString());
  };
  auto counts = [](const std::map<std::string, int64_t>& m) {
    json::array a;
    for (const auto& [k, v] : m) {
      a.push_back(json::object{{"value", k}, {"count", v}});
    }
    return a;
  };
  json::array items;
  for (const Hotspot& x : r.hotspots) {
    json::array members;
    for (const HotspotMember& m : x.members) {
      members.push_back(
          json::object{{"id", m.id}, {"title", m.title}, {"org", m.org}, {"date", day(m.day)}});
    }
    items.push_back(json::object{{"label", x.label},
                                 {"keywords", Strings(x.keywords)},
                                 {"count", x.count},
                                 {"enterprises", x.enterprises},
                                 {"departments", counts(x.departments)},
                                 {"types", counts(x.types)},
                                 {"first_date", day(x.first_day)},
                                 {"last_date", day(x.last_day)},
                                 {"members", std::move(members)}});
  }
  return http::Response::Json(http::ToJson(json::object{{"type", h.type},
                                                        {"from", day(h.from_day)},
                                                        {"to", day(h.to_day)},
                                                        {"documents", r.documents},
                                                        {"truncated", r.truncated},
                                                        {"hotspots", std::move(items)}}));
}

Result<http::Response> StatusRoute(SearchService& s, const http::Request& /*req*/) {
  KECHAN_ASSIGN_OR_RETURN(IndexerState st, s.State());
  return http::Response::Json(http::ToJson(json::object{{"last_seq", st.last_seq},
                                                        {"head", st.head},
                                                        {"documents", st.documents},
                                                        {"lag", st.head - st.last_seq}}));
}

using RouteFn = Result<http::Response> (*)(SearchService&, const http::Request&);

Result<http::Response> With(SearchModule& module, const http::Request& req, RouteFn fn) {
  KECHAN_ASSIGN_OR_RETURN(SearchService * s, module.Get());
  return fn(*s, req);
}

}  // namespace

std::string SearchResponseJson(const SearchResponse& r) {
  json::array hits;
  for (const SearchHit& h : r.hits) {
    hits.push_back(json::object{{"type", h.doc.type},
                                {"id", h.doc.id},
                                {"title", h.doc.title},
                                {"score", Round(h.score)},
                                {"snippet", h.snippet},
                                {"matched", Strings(h.matched)},
                                {"facets", FacetsObj(h.doc)},
                                {"numbers", NumbersObj(h.doc)}});
  }
  json::object facets;
  for (const auto& [name, counts] : r.facets) {
    json::array a;
    for (const FacetCount& c : counts) {
      a.push_back(json::object{{"value", c.value}, {"count", c.count}});
    }
    facets[name] = std::move(a);
  }
  return http::ToJson(json::object{{"total", r.total},
                                   {"page", r.page},
                                   {"page_size", r.page_size},
                                   {"hits", std::move(hits)},
                                   {"facets", std::move(facets)},
                                   {"facets_exact", r.facets_exact}});
}

std::string MatchJson(const MatchRequest& req, const std::vector<MatchCandidate>& candidates) {
  json::array items;
  for (const MatchCandidate& c : candidates) {
    json::array parts;
    for (const ScorePart& p : c.parts) {
      parts.push_back(json::object{{"name", p.name},
                                   {"value", Round(p.value)},
                                   {"reason", p.reason_en},
                                   {"reason_zh", p.reason_zh}});
    }
    items.push_back(json::object{{"type", c.doc.type},
                                 {"id", c.doc.id},
                                 {"title", c.doc.title},
                                 {"score", Round(c.score)},
                                 {"matched_terms", Strings(c.matched_terms)},
                                 {"parts", std::move(parts)},
                                 {"facets", FacetsObj(c.doc)},
                                 {"numbers", NumbersObj(c.doc)}});
  }
  return http::ToJson(json::object{{"type", req.type},
                                   {"id", req.id},
                                   {"target", req.target_type},
                                   {"candidates", std::move(items)}});
}

void RegisterRoutes(http::Router& router, SearchModule& module) {
  using http::Access;
  using http::Method;
  const std::vector<auth::Role> readers = {auth::Role::kOfficer, auth::Role::kDutyDirector,
                                           auth::Role::kChainChief, auth::Role::kOperator};
  const std::vector<auth::Role> operators = {auth::Role::kOperator};
  router.Add(Method::kGet, "/api/v1/search",
             http::RouteSpec{.summary = "Full-text search with filters, facets and snippets",
                             .summary_zh = "全文检索（筛选、分面统计、高亮摘要）",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = readers},
             [&module](http::Request& req) { return With(module, req, SearchRoute); });
  router.Add(Method::kGet, "/api/v1/match",
             http::RouteSpec{.summary = "Explained match candidates of a target type",
                             .summary_zh = "智能匹配：目标类型的候选及匹配理由",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = readers},
             [&module](http::Request& req) { return With(module, req, MatchRoute); });
  router.Add(Method::kPost, "/api/v1/match/decline",
             http::RouteSpec{.summary = "Decline a match candidate, with a reason",
                             .summary_zh = "拒绝匹配候选并记录原因",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = readers,
                             .success_status = 204},
             [&module](http::Request& req) { return With(module, req, DeclineRoute); });
  router.Add(Method::kGet, "/api/v1/search/synonyms",
             http::RouteSpec{.summary = "The search thesaurus (synonyms, domain terms)",
                             .summary_zh = "检索同义词表（领域词）",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = readers},
             [&module](http::Request& req) { return With(module, req, ListSynonymsRoute); });
  router.Add(Method::kPut, "/api/v1/search/synonyms/{word}",
             http::RouteSpec{.summary = "Set the synonyms of a word (empty list deletes)",
                             .summary_zh = "设置词语的同义词（空列表即删除）",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = operators},
             [&module](http::Request& req) { return With(module, req, PutSynonymsRoute); });
  router.Add(Method::kPost, "/api/v1/search/route-appeal",
             http::RouteSpec{.summary = "Suggest the lead department for an appeal text",
                             .summary_zh = "根据诉求内容推荐牵头部门（含置信度）",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = readers},
             [&module](http::Request& req) { return With(module, req, RouteAppealRoute); });
  router.Add(Method::kPost, "/api/v1/search/routing/reload",
             http::RouteSpec{.summary = "Reload the routing models trained by kechan train-routing",
                             .summary_zh = "重新载入分派模型（kechan train-routing 训练的模型）",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = operators},
             [&module](http::Request& req) { return With(module, req, ReloadRoutingRoute); });
  router.Add(Method::kGet, "/api/v1/search/hotspots",
             http::RouteSpec{.summary = "Hot spots: clusters of similar documents over a period",
                             .summary_zh = "热点：一段时间内相似诉求的聚类（跨企业）",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = readers},
             [&module](http::Request& req) { return With(module, req, HotspotsRoute); });
  router.Add(Method::kGet, "/api/v1/search/status",
             http::RouteSpec{.summary = "Search indexer state (last applied event, lag)",
                             .summary_zh = "检索索引状态（已应用事件、滞后）",
                             .tag = "search",
                             .access = Access::kRoles,
                             .roles = operators},
             [&module](http::Request& req) { return With(module, req, StatusRoute); });
}

}  // namespace kechan::search
