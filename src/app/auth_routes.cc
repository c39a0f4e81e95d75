#include "app/auth_routes.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "base/log.h"
#include "http/json_body.h"

namespace kechan::app {
namespace {

namespace json = boost::json;
using auth::AuthService;
using auth::Principal;
using base::Result;
using base::Status;
using http::Access;
using http::Method;
using http::Request;
using http::Response;
using http::RouteSpec;

constexpr char kSessionPath[] = "/api/v1/session";

json::value Time(base::Micros t) { return json::value(base::FormatRfc3339(t)); }
json::value OptTime(const std::optional<base::Micros>& t) {
  return t ? Time(*t) : json::value(nullptr);
}

json::object OrgJson(const auth::Org& o) {
  return json::object{{"id", o.id.value},
                      {"kind", auth::OrgKindName(o.kind)},
                      {"name", o.name},
                      {"name_en", o.name_en},
                      {"uscc", o.uscc ? json::value(*o.uscc) : json::value(nullptr)},
                      {"created_at", Time(o.created_at)}};
}

json::array MembershipsJson(const std::vector<auth::Membership>& ms) {
  json::array out;
  for (const auto& m : ms) {
    out.push_back(json::object{{"org_id", m.org.value}, {"role", auth::RoleName(m.role)}});
  }
  return out;
}

json::object UserJson(const auth::User& u) {
  return json::object{{"id", u.id.value},
                      {"username", u.username},
                      {"display_name", u.display_name},
                      {"email", u.email},
                      {"disabled", u.disabled},
                      {"created_at", Time(u.created_at)},
                      {"memberships", MembershipsJson(u.memberships)}};
}

json::object TokenJson(const auth::ApiToken& t) {
  return json::object{{"id", t.id},
                      {"name", t.name},
                      {"prefix", t.prefix},
                      {"created_at", Time(t.created_at)},
                      {"last_used_at", OptTime(t.last_used_at)},
                      {"revoked_at", OptTime(t.revoked_at)}};
}

template <typename T, typename F>
json::object PageJson(const auth::Page<T>& page, F&& item) {
  json::array items;
  for (const auto& x : page.items) {
    items.push_back(item(x));
  }
  return json::object{{"items", std::move(items)},
                      {"total", page.total},
                      {"page", page.page},
                      {"page_size", page.page_size}};
}

Response JsonResponse(const json::value& v, int status = 200) {
  return Response::Json(http::ToJson(v), status);
}

// Reads an optional integer query parameter; errors name it.
Result<std::optional<int64_t>> QueryInt(const Request& req, const std::string& name, int64_t min,
                                        int64_t max) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return std::optional<int64_t>();
  }
  int64_t v = 0;
  const std::string& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) {
    return base::InvalidArgument(name, "query.invalid_int",
                                 "Query parameter \"" + name + "\" must be an integer between " +
                                     std::to_string(min) + " and " + std::to_string(max) + ".",
                                 "查询参数“" + name + "”必须是 " + std::to_string(min) + " 到 " +
                                     std::to_string(max) + " 之间的整数。");
  }
  return std::optional<int64_t>(v);
}

Result<auth::PageRequest> QueryPage(const Request& req) {
  auth::PageRequest page;
  KECHAN_ASSIGN_OR_RETURN(auto p, QueryInt(req, "page", 1, 1000000));
  KECHAN_ASSIGN_OR_RETURN(auto size, QueryInt(req, "page_size", 1, auth::kMaxPageSize));
  page.page = static_cast<int>(p.value_or(1));
  page.page_size = static_cast<int>(size.value_or(20));
  return page;
}

Result<auth::Role> ParseRoleField(const std::string& text, const std::string& field) {
  if (auto role = auth::ParseRole(text)) {
    return *role;
  }
  std::string names;
  for (auth::Role r : auth::AllRoles()) {
    names += names.empty() ? "" : ", ";
    names += auth::RoleName(r);
  }
  return base::InvalidArgument(field, "role.unknown",
                               "Unknown role \"" + text + "\"; use one of: " + names + ".",
                               "未知角色“" + text + "”，可选：" + names + "。");
}

Result<auth::OrgKind> ParseKindField(const std::string& text, const std::string& field) {
  if (auto kind = auth::ParseOrgKind(text)) {
    return *kind;
  }
  return base::InvalidArgument(
      field, "org.kind_unknown",
      "Unknown organisation kind \"" + text +
          "\"; use enterprise, institution, government or operator.",
      "未知机构类型“" + text + "”，可选：enterprise、institution、government、operator。");
}

class CookieWriter {
 public:
  explicit CookieWriter(const AuthRouteOptions& o) : options_(o) {}
  std::string Set(const std::string& token, int64_t max_age_seconds) const {
    return options_.cookie_name + "=" + token +
           "; Path=/; Max-Age=" + std::to_string(max_age_seconds) + Flags();
  }
  std::string Clear() const { return options_.cookie_name + "=; Path=/; Max-Age=0" + Flags(); }

 private:
  std::string Flags() const {
    return std::string("; HttpOnly; SameSite=Strict") + (options_.secure_cookies ? "; Secure" : "");
  }
  const AuthRouteOptions& options_;
};

// The body of POST/GET /api/v1/session for a signed-in principal.
Result<json::object> SessionJson(AuthService& service, const Principal& p) {
  KECHAN_ASSIGN_OR_RETURN(auto views, service.MembershipViews(p, p.user));
  json::array roles;
  for (const auto& v : views) {
    roles.push_back(json::object{{"org_id", v.org.value},
                                 {"org_name", v.org_name},
                                 {"org_name_en", v.org_name_en},
                                 {"org_kind", auth::OrgKindName(v.org_kind)},
                                 {"role", auth::RoleName(v.role)}});
  }
  json::object body{{"signed_in", true},
                    {"user", json::object{{"id", p.user.value},
                                          {"username", p.username},
                                          {"display_name", p.display_name}}},
                    {"roles", std::move(roles)},
                    {"method", p.method == auth::AuthMethod::kToken ? "token" : "session"}};
  if (p.method == auth::AuthMethod::kSession) {
    body["csrf_token"] = p.csrf_token;
  }
  return body;
}

Status RequireJsonContentType(const Request& req) {
  std::string type(req.Header("content-type").value_or(""));
  for (char& c : type) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::string_view want = "application/json";
  if (type.compare(0, want.size(), want) != 0 ||
      (type.size() > want.size() && type[want.size()] != ';' && type[want.size()] != ' ')) {
    return base::InvalidArgument("content-type", "http.content_type",
                                 "Send the body as JSON with \"Content-Type: application/json\".",
                                 "请求体须为 JSON，并带 “Content-Type: application/json” 请求头。");
  }
  return Status::Ok();
}

void NoStore(Response& r) { r.headers.emplace_back("Cache-Control", "no-store"); }

const char* kSignInSchema = R"({"type":"object","required":["username","password"],
"additionalProperties":false,"properties":{"username":{"type":"string","minLength":1,
"maxLength":128},"password":{"type":"string","minLength":1,"maxLength":1024}}})";
const char* kOrgSchema = R"({"type":"object","required":["kind","name"],
"additionalProperties":false,"properties":{"kind":{"type":"string","enum":["enterprise",
"institution","government","operator"]},"name":{"type":"string","minLength":1,"maxLength":200},
"name_en":{"type":"string","maxLength":200},"uscc":{"type":"string",
"description":"unified social credit code (GB 32100-2015); required for enterprises"}}})";
const char* kUserSchema = R"({"type":"object","required":["username","password"],
"additionalProperties":false,"properties":{"username":{"type":"string"},"password":{"type":
"string","minLength":8},"display_name":{"type":"string","maxLength":100},"email":{"type":
"string"},"memberships":{"type":"array","items":{"type":"object","required":["org_id","role"],
"properties":{"org_id":{"type":"integer"},"role":{"type":"string"}}}}}})";
const char* kMembershipSchema = R"({"type":"object","required":["org_id","role"],
"additionalProperties":false,"properties":{"org_id":{"type":"integer","minimum":1},
"role":{"type":"string"}}})";
const char* kTokenSchema = R"({"type":"object","required":["name"],"additionalProperties":false,
"properties":{"name":{"type":"string","minLength":1,"maxLength":100}}})";
const char* kPasswordSchema = R"({"type":"object","required":["password"],
"additionalProperties":false,"properties":{"password":{"type":"string","minLength":8},
"current_password":{"type":"string"}}})";
const char* kUserPatchSchema = R"({"type":"object","required":["disabled"],
"additionalProperties":false,"properties":{"disabled":{"type":"boolean"}}})";

// Response schemas (OpenAPI), kept beside the renderers above.
const char* kOrgObj = R"({"type":"object","properties":{"id":{"type":"integer"},
"kind":{"type":"string","enum":["enterprise","institution","government","operator"]},
"name":{"type":"string"},"name_en":{"type":"string"},"uscc":{"type":"string","nullable":true},
"created_at":{"type":"string","format":"date-time"},
"members":{"type":"array","description":"GET /api/v1/orgs/{id} only","items":{"type":"object",
"properties":{"user_id":{"type":"integer"},"username":{"type":"string"},
"display_name":{"type":"string"},"role":{"type":"string"}}}}}})";
const char* kUserObj = R"({"type":"object","properties":{"id":{"type":"integer"},
"username":{"type":"string"},"display_name":{"type":"string"},"email":{"type":"string"},
"disabled":{"type":"boolean"},"created_at":{"type":"string","format":"date-time"},
"memberships":{"type":"array","items":{"type":"object","properties":{
"org_id":{"type":"integer"},"role":{"type":"string"}}}}}})";
const char* kTokenObj = R"({"type":"object","properties":{"id":{"type":"integer"},
"name":{"type":"string"},"prefix":{"type":"string"},
"created_at":{"type":"string","format":"date-time"},
"last_used_at":{"type":"string","format":"date-time","nullable":true},
"revoked_at":{"type":"string","format":"date-time","nullable":true},
"token":{"type":"string","description":"the secret; only in the response to POST"}}})";
const char* kSessionObj = R"({"type":"object","required":["signed_in"],"properties":{
"signed_in":{"type":"boolean"},"method":{"type":"string","enum":["session","token"]},
"csrf_token":{"type":"string"},"expires_at":{"type":"string","format":"date-time"},
"user":{"type":"object","properties":{"id":{"type":"integer"},"username":{"type":"string"},
"display_name":{"type":"string"}}},"roles":{"type":"array","items":{"type":"object",
"properties":{"org_id":{"type":"integer"},"org_name":{"type":"string"},
"org_name_en":{"type":"string"},"org_kind":{"type":"string"},"role":{"type":"string"}}}}}})";

std::string ListOf(const char* item, bool paged) {
  return std::string(R"({"type":"object","properties":{"items":{"type":"array","items":)") + item +
         "}" +
         (paged ? R"(,"total":{"type":"integer"},"page":{"type":"integer"},)"
                  R"("page_size":{"type":"integer"})"
                : "") +
         "}}";
}

RouteSpec Spec(std::string summary, std::string summary_zh, Access access,
               std::vector<auth::Role> roles = {}, std::string request_schema = {},
               int success_status = 200, std::string response_schema = {}) {
  RouteSpec s;
  s.summary = std::move(summary);
  s.summary_zh = std::move(summary_zh);
  s.tag = "auth";
  s.access = access;
  s.roles = std::move(roles);
  s.request_schema = std::move(request_schema);
  s.success_status = success_status;
  s.response_schema = std::move(response_schema);
  return s;
}

}  // namespace

void RegisterAuthRoutes(http::Router& router, AuthService& service,
                        const AuthRouteOptions& options) {
  // Copies, so the routes do not depend on the caller's options object staying alive.
  auto opts = std::make_shared<AuthRouteOptions>(options);
  AuthService* svc = &service;

  // ---- session ----
  router.Add(Method::kPost, kSessionPath,
             Spec("Sign in with username and password", "用户名密码登录", Access::kPublic, {},
                  kSignInSchema, 200, kSessionObj),
             [svc, opts](Request& req) -> Result<Response> {
               // Sign-in is the one unsafe request without a CSRF token. Requiring a JSON content
               // type stops login CSRF: a cross-site HTML form can only send form or text/plain
               // bodies.
               KECHAN_RETURN_IF_ERROR(RequireJsonContentType(req));
               KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
               http::ObjectReader r(obj);
               std::string username = r.String("username", {.min_len = 1, .max_len = 128});
               std::string password = r.String("password", {.min_len = 1, .max_len = 1024});
               KECHAN_RETURN_IF_ERROR(r.Finish());
               KECHAN_ASSIGN_OR_RETURN(auth::SignInResult s,
                                       svc->SignIn(username, password, req.remote_addr));
               KECHAN_ASSIGN_OR_RETURN(json::object body, SessionJson(*svc, s.principal));
               body["expires_at"] = Time(s.expires_at);
               const auth::AuthOptions& ao = svc->options();
               const base::Micros cookie_life = ao.session_expiry == auth::SessionExpiry::kSliding
                                                    ? ao.session_max_lifetime
                                                    : ao.session_ttl;
               Response res = JsonResponse(body);
               res.headers.emplace_back(
                   "Set-Cookie", CookieWriter(*opts).Set(s.session_token, cookie_life / 1000000));
               NoStore(res);
               return res;
             });

  router.Add(Method::kGet, kSessionPath,
             Spec("Who am I: the signed-in user, roles and CSRF token",
                  "当前登录用户、角色与 CSRF 令牌", Access::kPublic, {}, {}, 200, kSessionObj),
             [svc, opts](Request& req) -> Result<Response> {
               Response res;
               if (!req.principal.signed_in()) {
                 res = JsonResponse(json::object{{"signed_in", false}});
                 if (req.Cookie(opts->cookie_name)) {
                   // The browser holds a dead session cookie: drop it.
                   res.headers.emplace_back("Set-Cookie", CookieWriter(*opts).Clear());
                 }
               } else {
                 KECHAN_ASSIGN_OR_RETURN(json::object body, SessionJson(*svc, req.principal));
                 res = JsonResponse(body);
               }
               NoStore(res);
               return res;
             });

  router.Add(Method::kDelete, kSessionPath,
             Spec("Sign out (ends the cookie's session)", "退出登录", Access::kPublic, {}, {}, 204),
             [svc, opts](Request& req) -> Result<Response> {
               if (req.principal.method == auth::AuthMethod::kSession) {
                 if (auto cookie = req.Cookie(opts->cookie_name)) {
                   KECHAN_RETURN_IF_ERROR(svc->SignOut(*cookie));
                 }
               }
               Response res = Response::NoContent();
               res.headers.emplace_back("Set-Cookie", CookieWriter(*opts).Clear());
               NoStore(res);
               return res;
             });

  // ---- organisations ----
  router.Add(Method::kGet, "/api/v1/orgs",
             Spec("List organisations (operators: all; others: their own)",
                  "机构列表（运营人员可见全部，其他用户仅本人所属机构）", Access::kSignedIn, {}, {},
                  200, ListOf(kOrgObj, true)),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(auth::PageRequest page, QueryPage(req));
               auth::OrgFilter filter;
               if (auto it = req.query.find("kind"); it != req.query.end() && !it->second.empty()) {
                 KECHAN_ASSIGN_OR_RETURN(filter.kind, ParseKindField(it->second, "kind"));
               }
               if (auto it = req.query.find("q"); it != req.query.end()) {
                 filter.name_contains = it->second;
               }
               KECHAN_ASSIGN_OR_RETURN(auto orgs, svc->ListOrgs(req.principal, filter, page));
               return JsonResponse(PageJson(orgs, OrgJson));
             });

  router.Add(Method::kPost, "/api/v1/orgs",
             Spec("Create an organisation", "创建机构", Access::kRoles, {auth::Role::kOperator},
                  kOrgSchema, 201, kOrgObj),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
               http::ObjectReader r(obj);
               std::string kind = r.String("kind", {.min_len = 1, .max_len = 32});
               std::string name = r.String("name", {.min_len = 1, .max_len = 200});
               auto name_en = r.OptionalString("name_en", {.min_len = 0, .max_len = 200});
               auto uscc = r.OptionalString("uscc", {.min_len = 0, .max_len = 64});
               KECHAN_RETURN_IF_ERROR(r.Finish());
               KECHAN_ASSIGN_OR_RETURN(auth::OrgKind k, ParseKindField(kind, "kind"));
               KECHAN_ASSIGN_OR_RETURN(
                   auth::Org org, svc->CreateOrg(req.principal, {.kind = k,
                                                                 .name = name,
                                                                 .name_en = name_en.value_or(""),
                                                                 .uscc = uscc.value_or("")}));
               return JsonResponse(OrgJson(org), 201);
             });

  router.Add(Method::kGet, "/api/v1/orgs/{id}",
             Spec("An organisation with its members", "机构详情及成员", Access::kSignedIn, {}, {},
                  200, kOrgObj),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
               KECHAN_ASSIGN_OR_RETURN(auth::Org org, svc->GetOrg(req.principal, base::OrgId{id}));
               KECHAN_ASSIGN_OR_RETURN(auto members,
                                       svc->ListOrgMembers(req.principal, base::OrgId{id}));
               json::object body = OrgJson(org);
               json::array ms;
               for (const auto& m : members) {
                 ms.push_back(json::object{{"user_id", m.user.value},
                                           {"username", m.username},
                                           {"display_name", m.display_name},
                                           {"role", auth::RoleName(m.role)}});
               }
               body["members"] = std::move(ms);
               return JsonResponse(body);
             });

  // ---- users ----
  router.Add(Method::kGet, "/api/v1/users",
             Spec("List users (operators: all; others: fellow members)",
                  "用户列表（运营人员可见全部，其他用户仅同机构成员）", Access::kSignedIn, {}, {},
                  200, ListOf(kUserObj, true)),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(auth::PageRequest page, QueryPage(req));
               KECHAN_ASSIGN_OR_RETURN(auto org, QueryInt(req, "org_id", 1, INT64_MAX));
               auth::UserFilter filter;
               if (org) {
                 filter.org = base::OrgId{*org};
               }
               KECHAN_ASSIGN_OR_RETURN(auto users, svc->ListUsers(req.principal, filter, page));
               return JsonResponse(PageJson(users, UserJson));
             });

  router.Add(Method::kPost, "/api/v1/users",
             Spec("Create a user with memberships", "创建用户并分配机构角色", Access::kSignedIn, {},
                  kUserSchema, 201, kUserObj),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
               http::ObjectReader r(obj);
               auth::NewUser user;
               user.username = r.String("username", {.min_len = 1, .max_len = 64});
               user.password = r.String("password", {.min_len = 1, .max_len = 1024});
               user.display_name = r.OptionalString("display_name", {.max_len = 100}).value_or("");
               user.email = r.OptionalString("email", {.max_len = 254}).value_or("");
               const json::value* ms = r.Value("memberships", false);
               KECHAN_RETURN_IF_ERROR(r.status());
               if (ms != nullptr) {
                 if (!ms->is_array()) {
                   return base::InvalidArgument("memberships", "json.type",
                                                "Field \"memberships\" must be an array",
                                                "字段 \"memberships\" 必须是数组");
                 }
                 size_t i = 0;
                 for (const json::value& item : ms->get_array()) {
                   const std::string path = "memberships[" + std::to_string(i++) + "]";
                   if (!item.is_object()) {
                     return base::InvalidArgument(path, "json.type",
                                                  "Field \"" + path + "\" must be an object",
                                                  "字段 \"" + path + "\" 必须是对象");
                   }
                   http::ObjectReader mr(item.get_object(), path);
                   int64_t org_id = mr.Int("org_id", 1, INT64_MAX);
                   std::string role = mr.String("role", {.min_len = 1, .max_len = 32});
                   KECHAN_RETURN_IF_ERROR(mr.Finish());
                   KECHAN_ASSIGN_OR_RETURN(auth::Role parsed, ParseRoleField(role, path + ".role"));
                   user.memberships.push_back({.org = base::OrgId{org_id}, .role = parsed});
                 }
               }
               KECHAN_RETURN_IF_ERROR(r.Finish());
               KECHAN_ASSIGN_OR_RETURN(auth::User created, svc->CreateUser(req.principal, user));
               return JsonResponse(UserJson(created), 201);
             });

  router.Add(Method::kGet, "/api/v1/users/{id}",
             Spec("A user with memberships", "用户详情", Access::kSignedIn, {}, {}, 200, kUserObj),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
               KECHAN_ASSIGN_OR_RETURN(auth::User user,
                                       svc->GetUser(req.principal, base::UserId{id}));
               return JsonResponse(UserJson(user));
             });

  router.Add(Method::kPatch, "/api/v1/users/{id}",
             Spec("Disable or enable an account", "停用或启用账号", Access::kRoles,
                  {auth::Role::kOperator}, kUserPatchSchema, 200, kUserObj),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
               KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
               http::ObjectReader r(obj);
               bool disabled = r.Bool("disabled");
               KECHAN_RETURN_IF_ERROR(r.Finish());
               KECHAN_RETURN_IF_ERROR(svc->SetAccountState(
                   req.principal, base::UserId{id},
                   disabled ? auth::AccountState::kDisabled : auth::AccountState::kActive));
               KECHAN_ASSIGN_OR_RETURN(auth::User user,
                                       svc->GetUser(req.principal, base::UserId{id}));
               return JsonResponse(UserJson(user));
             });

  router.Add(
      Method::kPost, "/api/v1/users/{id}/password",
      Spec("Change a password (own: needs the current one; operators: reset)",
           "修改密码（本人需提供当前密码；运营人员可重置）", Access::kSignedIn, {}, kPasswordSchema,
           204),
      [svc](Request& req) -> Result<Response> {
        KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
        KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
        http::ObjectReader r(obj);
        std::string password = r.String("password", {.min_len = 1, .max_len = 1024});
        auto current = r.OptionalString("current_password", {.max_len = 1024});
        KECHAN_RETURN_IF_ERROR(r.Finish());
        std::optional<std::string_view> cur;
        if (current) {
          cur = *current;
        }
        KECHAN_RETURN_IF_ERROR(svc->SetPassword(req.principal, base::UserId{id}, password, cur));
        return Response::NoContent();
      });

  router.Add(Method::kPost, "/api/v1/users/{id}/memberships",
             Spec("Give a user a role in an organisation", "为用户分配机构角色", Access::kSignedIn,
                  {}, kMembershipSchema, 201, kUserObj),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
               KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
               http::ObjectReader r(obj);
               int64_t org_id = r.Int("org_id", 1, INT64_MAX);
               std::string role = r.String("role", {.min_len = 1, .max_len = 32});
               KECHAN_RETURN_IF_ERROR(r.Finish());
               KECHAN_ASSIGN_OR_RETURN(auth::Role parsed, ParseRoleField(role, "role"));
               KECHAN_RETURN_IF_ERROR(svc->AddMembership(
                   req.principal, base::UserId{id}, {.org = base::OrgId{org_id}, .role = parsed}));
               KECHAN_ASSIGN_OR_RETURN(auth::User user,
                                       svc->GetUser(req.principal, base::UserId{id}));
               return JsonResponse(UserJson(user), 201);
             });

  router.Add(Method::kDelete, "/api/v1/users/{id}/memberships/{org_id}/{role}",
             Spec("Take a role in an organisation away from a user", "移除用户的机构角色",
                  Access::kSignedIn, {}, {}, 204),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
               KECHAN_ASSIGN_OR_RETURN(int64_t org_id, req.PathId("org_id"));
               KECHAN_ASSIGN_OR_RETURN(auth::Role role,
                                       ParseRoleField(req.path_params["role"], "role"));
               KECHAN_RETURN_IF_ERROR(svc->RemoveMembership(
                   req.principal, base::UserId{id}, {.org = base::OrgId{org_id}, .role = role}));
               return Response::NoContent();
             });

  // ---- API tokens ----
  router.Add(Method::kGet, "/api/v1/tokens",
             Spec("My API tokens (never the secret)", "我的 API 令牌（不含令牌本身）",
                  Access::kSignedIn, {}, {}, 200, ListOf(kTokenObj, false)),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(auto tokens, svc->ListApiTokens(req.principal));
               json::array items;
               for (const auto& t : tokens) {
                 items.push_back(TokenJson(t));
               }
               return JsonResponse(json::object{{"items", std::move(items)}});
             });

  router.Add(Method::kPost, "/api/v1/tokens",
             Spec("Create an API token; the token is shown only in this response",
                  "创建 API 令牌（令牌只在本次响应中显示）", Access::kSignedIn, {}, kTokenSchema,
                  201, kTokenObj),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
               http::ObjectReader r(obj);
               std::string name = r.String("name", {.min_len = 1, .max_len = 100});
               KECHAN_RETURN_IF_ERROR(r.Finish());
               KECHAN_ASSIGN_OR_RETURN(auth::CreatedApiToken created,
                                       svc->CreateApiToken(req.principal, name));
               json::object body = TokenJson(created.token);
               body["token"] = created.plain;
               Response res = JsonResponse(body, 201);
               NoStore(res);
               return res;
             });

  router.Add(Method::kDelete, "/api/v1/tokens/{id}",
             Spec("Revoke an API token", "吊销 API 令牌", Access::kSignedIn, {}, {}, 204),
             [svc](Request& req) -> Result<Response> {
               KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
               KECHAN_RETURN_IF_ERROR(svc->RevokeApiToken(req.principal, id));
               return Response::NoContent();
             });
}

http::Authenticator MakeAuthenticator(AuthService& service, const AuthRouteOptions& options) {
  return
      [svc = &service, cookie_name = options.cookie_name](const Request& req) -> Result<Principal> {
        // Signing in needs no identity; a stale cookie (or a live one without its CSRF token) must
        // not stand in the way of signing in again.
        if (req.method == Method::kPost && req.path == kSessionPath) {
          return Principal{};
        }
        if (auto header = req.Header("authorization")) {
          std::string_view h = *header;
          constexpr std::string_view kScheme = "bearer ";
          bool bearer = h.size() > kScheme.size();
          for (size_t i = 0; bearer && i < kScheme.size(); ++i) {
            bearer = std::tolower(static_cast<unsigned char>(h[i])) == kScheme[i];
          }
          if (!bearer) {
            return base::Unauthenticated("auth.scheme",
                                         "Use \"Authorization: Bearer kt_...\" with an API token.",
                                         "请使用 “Authorization: Bearer kt_...” 携带 API 令牌。");
          }
          std::string_view token = h.substr(kScheme.size());
          while (!token.empty() && token.front() == ' ') {
            token.remove_prefix(1);
          }
          return svc->Authenticate(std::nullopt, token);
        }
        std::optional<std::string> cookie = req.Cookie(cookie_name);
        if (!cookie) {
          return Principal{};
        }
        Result<Principal> p = svc->Authenticate(*cookie, std::nullopt);
        if (!p.ok() && p.status().code() == base::Code::kUnauthenticated) {
          return Principal{};  // a dead cookie: treat as anonymous (see the header)
        }
        return p;
      };
}

}  // namespace kechan::app
