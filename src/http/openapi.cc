#include "http/openapi.h"

#include <boost/json.hpp>
#include <cctype>
#include <set>

namespace kechan::http {
namespace {

namespace json = boost::json;

std::string LowerMethod(Method m) {
  std::string s = MethodName(m);
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

std::string OperationId(const Route& route) {
  std::string id = LowerMethod(route.method);
  for (char c : route.pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += c;
    } else if (c == '/' || c == '_' || c == '-' || c == '.') {
      if (id.back() != '_') {
        id += '_';
      }
    }
  }
  while (id.back() == '_') {
    id.pop_back();
  }
  return id;
}

const char* StatusDescription(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    default:
      return "Success";
  }
}

json::object ProblemSchema() {
  json::object s;
  s["type"] = "object";
  s["description"] =
      "RFC 9457 problem details; `reason` is the machine code, `field` the offending input.";
  s["required"] = {"type",  "title",   "status", "code",      "reason",
                   "field", "message", "detail", "request_id"};
  json::object props;
  props["type"] = {{"type", "string"}};
  props["title"] = {{"type", "string"}, {"description", "English message"}};
  props["status"] = {{"type", "integer"}};
  props["code"] = {
      {"type", "string"},
      {"enum",
       {"invalid_argument", "not_found", "already_exists", "failed_precondition",
        "permission_denied", "unauthenticated", "resource_exhausted", "unavailable", "internal"}}};
  props["reason"] = {{"type", "string"}, {"example", "json.required"}};
  props["field"] = {{"type", "string"}, {"nullable", true}};
  props["message"] = {
      {"type", "object"},
      {"required", {"zh-CN", "en"}},
      {"properties", {{"zh-CN", {{"type", "string"}}}, {"en", {{"type", "string"}}}}}};
  props["detail"] = {{"type", "string"},
                     {"description", "The message in the request's language (Accept-Language)"}};
  props["request_id"] = {{"type", "string"}};
  s["properties"] = std::move(props);
  return s;
}

json::object ProblemRef(const char* description) {
  return {
      {"description", description},
      {"content",
       {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

base::Result<json::value> ParseSchema(const std::string& text, const Route& route) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    std::string field = std::string(MethodName(route.method)) + " " + route.pattern;
    return base::InvalidArgument(field, "openapi.bad_schema",
                                 "The schema of route " + field + " is not a JSON object",
                                 "路由 " + field + " 的 schema 不是 JSON 对象");
  }
  return v;
}

}  // namespace

base::Result<std::string> OpenApiDocument(const Router& router, const OpenApiInfo& info) {
  json::object doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", info.title},
                 {"version", info.version},
                 {"description",
                  "Generated from the server's routes. Errors are application/problem+json with "
                  "messages in zh-CN and en."}};
  json::object paths;
  std::set<std::string> tags;
  for (const Route& route : router.routes()) {
    json::object op;
    op["operationId"] = OperationId(route);
    op["summary"] = route.spec.summary;
    if (!route.spec.summary_zh.empty()) {
      op["description"] = route.spec.summary_zh;
    }
    if (!route.spec.tag.empty()) {
      op["tags"] = {route.spec.tag};
      tags.insert(route.spec.tag);
    }

    // Path parameters from "{name}" segments; ids are positive 64-bit integers.
    json::array params;
    size_t pos = 0;
    while ((pos = route.pattern.find('{', pos)) != std::string::npos) {
      size_t end = route.pattern.find('}', pos);
      std::string name = route.pattern.substr(pos + 1, end - pos - 1);
      pos = end;
      json::object schema = {{"type", "string"}};
      if (name == "id" || (name.size() > 3 && name.ends_with("_id"))) {
        schema = {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}};
      }
      params.push_back(json::object{
          {"name", name}, {"in", "path"}, {"required", true}, {"schema", std::move(schema)}});
    }
    if (!params.empty()) {
      op["parameters"] = std::move(params);
    }

    if (route.spec.access == Access::kPublic) {
      op["security"] = json::array();
    } else {
      op["security"] = {{{"cookieAuth", json::array()}}, {{"bearerAuth", json::array()}}};
    }
    if (route.spec.access == Access::kRoles) {
      json::array roles;
      for (auth::Role role : route.spec.roles) {
        roles.push_back(json::string(auth::RoleName(role)));
      }
      op["x-roles"] = std::move(roles);
    }

    if (!route.spec.request_schema.empty()) {
      KECHAN_ASSIGN_OR_RETURN(json::value schema, ParseSchema(route.spec.request_schema, route));
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
    }

    json::object responses;
    json::object ok;
    ok["description"] = StatusDescription(route.spec.success_status);
    if (!route.spec.response_schema.empty()) {
      KECHAN_ASSIGN_OR_RETURN(json::value schema, ParseSchema(route.spec.response_schema, route));
      ok["content"] = {{"application/json", {{"schema", std::move(schema)}}}};
    }
    responses[std::to_string(route.spec.success_status)] = std::move(ok);
    if (route.spec.access != Access::kPublic) {
      responses["401"] = ProblemRef("Not signed in, or the credential is invalid or expired");
      responses["403"] = ProblemRef("Missing role, or CSRF token missing/mismatched");
    }
    responses["default"] = ProblemRef("Error (problem+json)");
    op["responses"] = std::move(responses);

    json::value& item = paths[route.pattern];
    if (!item.is_object()) {
      item = json::object();
    }
    item.as_object()[LowerMethod(route.method)] = std::move(op);
  }
  doc["paths"] = std::move(paths);

  json::array tag_list;
  for (const auto& t : tags) {
    tag_list.push_back(json::object{{"name", t}});
  }
  doc["tags"] = std::move(tag_list);
  doc["components"] = {
      {"schemas", {{"Problem", ProblemSchema()}}},
      {"securitySchemes",
       {{"cookieAuth",
         {{"type", "apiKey"},
          {"in", "cookie"},
          {"name", info.session_cookie},
          {"description",
           "Browser session; unsafe methods must send the X-CSRF-Token header as well."}}},
        {"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}}}}};
  return json::serialize(doc);
}

}  // namespace kechan::http
