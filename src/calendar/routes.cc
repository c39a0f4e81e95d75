#include "calendar/routes.h"

#include <boost/json.hpp>
#include <string>

#include "base/log.h"
#include "http/json_body.h"

namespace kechan::calendar {
namespace {

namespace json = boost::json;

json::value NameOf(const std::string& zh, const std::string& en) {
  if (zh.empty()) {
    return nullptr;
  }
  return json::object{{"zh-CN", zh}, {"en", en.empty() ? zh : en}};
}

base::Result<base::Date> QueryDate(const http::Request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return base::InvalidArgument(name, "calendar.query_missing",
                                 "query parameter \"" + name + "\" (YYYY-MM-DD) is required",
                                 "缺少查询参数“" + name + "”（YYYY-MM-DD）");
  }
  return base::Date::Parse(it->second, name);
}

base::Result<http::Response> ListYears(CalendarService& service) {
  json::array years;
  for (const auto& y : service.Years()) {
    json::object o{{"year", y.year},
                   {"notice", y.notice},
                   {"source", base::YearSourceName(y.source)},
                   {"holidays", y.holidays},
                   {"workdays", y.workdays}};
    o["loaded_at"] = y.loaded_at ? json::value(base::FormatRfc3339(*y.loaded_at)) : nullptr;
    o["loaded_by"] = y.loaded_at ? json::value(y.loaded_by) : nullptr;
    years.push_back(std::move(o));
  }
  auto cal = service.Current();
  json::object body{{"years", std::move(years)},
                    {"time_zone", base::kCityTimeZone},
                    {"office_hours", cal->office_hours().ToString()}};
  return http::Response::Json(http::ToJson(body));
}

base::Result<http::Response> ListDays(CalendarService& service, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(base::Date from, QueryDate(req, "from"));
  KECHAN_ASSIGN_OR_RETURN(base::Date to, QueryDate(req, "to"));
  if (to < from) {
    return base::InvalidArgument(
        "to", "calendar.range_order",
        "\"to\" (" + to.ToString() + ") is before \"from\" (" + from.ToString() + ")",
        "“to”（" + to.ToString() + "）早于“from”（" + from.ToString() + "）");
  }
  if (to.ToDays() - from.ToDays() + 1 > kMaxDaysPerQuery) {
    return base::InvalidArgument(
        "to", "calendar.range_too_long",
        "at most " + std::to_string(kMaxDaysPerQuery) + " days can be asked at once",
        "一次最多查询 " + std::to_string(kMaxDaysPerQuery) + " 天");
  }
  auto cal = service.Current();
  json::array days;
  json::array uncovered;
  int64_t working = 0;
  for (base::Date d = from; d <= to; d = d.AddDays(1)) {
    const base::DayInfo info = cal->Describe(d);
    working += info.working ? 1 : 0;
    days.push_back(json::object{{"date", d.ToString()},
                                {"weekday", static_cast<int>(d.weekday())},
                                {"working", info.working},
                                {"kind", base::DayKindName(info.kind)},
                                {"name", NameOf(info.name_zh, info.name_en)}});
  }
  for (int y = from.year(); y <= to.year(); ++y) {
    if (!cal->IsCovered(y)) {
      uncovered.push_back(y);
    }
  }
  json::object body{{"from", from.ToString()},
                    {"to", to.ToString()},
                    {"working_days", working},
                    {"uncovered_years", std::move(uncovered)},
                    {"days", std::move(days)}};
  return http::Response::Json(http::ToJson(body));
}

base::Result<http::Response> ImportYear(CalendarService& service, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader reader(obj);
  std::string text = reader.String("text", {.min_len = 1, .max_len = size_t{64} * 1024});
  KECHAN_RETURN_IF_ERROR(reader.Finish());
  const std::string actor = "user:" + req.principal.user.ToString();
  KECHAN_ASSIGN_OR_RETURN(ImportResult r, service.ImportYear(actor, text));
  json::object body{{"year", r.year},          {"notice", r.notice},
                    {"source", "imported"},    {"holidays", r.holidays},
                    {"workdays", r.workdays},  {"replaced", ReplacedName(r.replaced)},
                    {"event_seq", r.event_seq}};
  return http::Response::Json(http::ToJson(body), 201);
}

constexpr const char* kYearsSchema = R"({
  "type": "object",
  "required": ["years", "time_zone", "office_hours"],
  "properties": {
    "years": {"type": "array", "items": {"type": "object",
      "required": ["year", "notice", "source", "holidays", "workdays"],
      "properties": {
        "year": {"type": "integer"}, "notice": {"type": "string"},
        "source": {"type": "string", "enum": ["shipped", "imported"]},
        "holidays": {"type": "integer"}, "workdays": {"type": "integer"},
        "loaded_at": {"type": "string", "format": "date-time", "nullable": true},
        "loaded_by": {"type": "string", "nullable": true}}}},
    "time_zone": {"type": "string"},
    "office_hours": {"type": "string", "example": "09:00-12:00,13:30-17:30"}}
})";

constexpr const char* kDaysSchema = R"({
  "type": "object",
  "required": ["from", "to", "working_days", "uncovered_years", "days"],
  "properties": {
    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
    "working_days": {"type": "integer"},
    "uncovered_years": {"type": "array", "items": {"type": "integer"}},
    "days": {"type": "array", "items": {"type": "object",
      "required": ["date", "weekday", "working", "kind", "name"],
      "properties": {
        "date": {"type": "string", "format": "date"},
        "weekday": {"type": "integer", "minimum": 1, "maximum": 7},
        "working": {"type": "boolean"},
        "kind": {"type": "string", "enum": ["weekday", "weekend", "holiday", "makeup_workday"]},
        "name": {"type": "object", "nullable": true,
          "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}}}}}}}
})";

constexpr const char* kImportRequestSchema = R"({
  "type": "object",
  "required": ["text"],
  "additionalProperties": false,
  "properties": {
    "text": {"type": "string", "minLength": 1, "maxLength": 65536,
             "description": "One year in the format of docs/calendar.md"}}
})";

constexpr const char* kImportResponseSchema = R"({
  "type": "object",
  "required": ["year", "notice", "source", "holidays", "workdays", "replaced", "event_seq"],
  "properties": {
    "year": {"type": "integer"}, "notice": {"type": "string"},
    "source": {"type": "string", "enum": ["imported"]},
    "holidays": {"type": "integer"}, "workdays": {"type": "integer"},
    "replaced": {"type": "string", "enum": ["none", "shipped", "imported"]},
    "event_seq": {"type": "integer"}}
})";

}  // namespace

void RegisterRoutes(http::Router& router, CalendarService& service) {
  router.Add(http::Method::kGet, "/api/v1/calendar/years",
             http::RouteSpec{.summary = "List the years with holiday data and their notices",
                             .summary_zh = "列出已有节假日数据的年份及通知文号",
                             .tag = "calendar",
                             .access = http::Access::kSignedIn,
                             .response_schema = kYearsSchema},
             [&service](http::Request&) { return ListYears(service); });
  router.Add(http::Method::kGet, "/api/v1/calendar/days",
             http::RouteSpec{.summary = "Working-day status of each date from..to (max 400 days)",
                             .summary_zh = "查询 from..to 每天是否为工作日（最多 400 天）",
                             .tag = "calendar",
                             .access = http::Access::kSignedIn,
                             .response_schema = kDaysSchema},
             [&service](http::Request& req) { return ListDays(service, req); });
  router.Add(http::Method::kPost, "/api/v1/calendar/years",
             http::RouteSpec{.summary = "Import one year's State Council holiday notice",
                             .summary_zh = "导入一年的国务院节假日安排",
                             .tag = "calendar",
                             .access = http::Access::kRoles,
                             .roles = {auth::Role::kOperator},
                             .request_schema = kImportRequestSchema,
                             .response_schema = kImportResponseSchema,
                             .success_status = 201},
             [&service](http::Request& req) { return ImportYear(service, req); });
}

}  // namespace kechan::calendar
