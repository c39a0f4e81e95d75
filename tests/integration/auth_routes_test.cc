// The auth routes on the real http::Server (port 0) over real HTTP (a Boost.Beast client), backed
// by AuthService on a SQLite database in a temporary directory.
#include "app/auth_routes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "auth/auth_service.h"
#include "auth/migrations.h"
#include "auth/uscc.h"
#include "http/openapi.h"
#include "http/server.h"
#include "store/migrations.h"

namespace kechan::app {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

constexpr char kAdminPassword[] = "admin-pass-123";
constexpr char kMemberPassword[] = "member-pass-123";

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeated values joined by \n
  std::string body;
  json::value Json() const { return json::parse(body); }
  std::string Str(const char* key) const {
    auto v = Json();
    const json::value* f = v.as_object().if_contains(key);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Reply Call(uint16_t port, bhttp::verb verb, const std::string& target, const std::string& body = {},
           const Headers& headers = {}) {
  Reply out;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req(verb, target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req.set(k, v);
    has_type = has_type || beast::iequals(k, "content-type");
  }
  if (!body.empty()) {
    if (!has_type) {
      req.set(bhttp::field::content_type, "application/json");
    }
    req.body() = body;
  }
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto& slot = out.headers[name];
    slot += (slot.empty() ? "" : "\n") + std::string(f.value());
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

// The cookie pair ("kechan_session=...") from a Set-Cookie header.
std::string CookiePair(const Reply& r) {
  auto it = r.headers.find("set-cookie");
  if (it == r.headers.end()) {
    return {};
  }
  return it->second.substr(0, it->second.find(';'));
}

// A browser-like client: keeps the cookie and the CSRF token.
struct Browser {
  uint16_t port = 0;
  std::string cookie;
  std::string csrf;

  int SignIn(const std::string& username, const std::string& password) {
    json::object o{{"username", username}, {"password", password}};
    Reply r = Call(port, bhttp::verb::post, "/api/v1/session", json::serialize(o));
    if (r.status == 200) {
      cookie = CookiePair(r);
      csrf = r.Str("csrf_token");
    }
    return r.status;
  }
  Reply Do(bhttp::verb verb, const std::string& target, const std::string& body = {},
           bool with_csrf = true) const {
    Headers h = {{"Cookie", cookie}};
    if (with_csrf && verb != bhttp::verb::get) {
      h.emplace_back("X-CSRF-Token", csrf);
    }
    return Call(port, verb, target, body, h);
  }
};

class AuthRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kechan-authr-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto db = store::Open({.url = "sqlite:" + dir_ + "/kechan.db"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(db).value();
    ASSERT_TRUE(store::Migrate(*db_, auth::Migrations()).ok());
    auth::AuthOptions options;
    options.password_cost = auth::PasswordCost::Minimum();
    options.on_signin_failure = [](const auth::SignInFailure&) {};
    service_ = std::make_unique<auth::AuthService>(*db_, clock_, options);

    auto boot = service_->BootstrapOperator(
        {.username = "admin", .password = kAdminPassword, .display_name = "管理员"});
    ASSERT_TRUE(boot.ok()) << boot.status();
    for (auto [name, body, user] : {std::tuple{"甲公司（合成）", "DM000001", "alice"},
                                    std::tuple{"乙公司（合成）", "DM000002", "bob"}}) {
      auto org = service_->CreateOrgAsSystem({.kind = auth::OrgKind::kEnterprise,
                                              .name = name,
                                              .name_en = "",
                                              .uscc = *auth::MakeUscc('9', '1', "510100", body)},
                                             "test");
      ASSERT_TRUE(org.ok()) << org.status();
      orgs_.push_back(org->id);
      auto u = service_->AddUserWithRole({.username = user,
                                          .password = kMemberPassword,
                                          .display_name = user,
                                          .org = org->id,
                                          .role = auth::Role::kEnterprise},
                                         "test");
      ASSERT_TRUE(u.ok()) << u.status();
    }
    port_ = StartServer({});
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    for (auto& s : servers_) {
      s->Shutdown();
    }
    servers_.clear();
    service_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  uint16_t StartServer(const AuthRouteOptions& route_options) {
    http::Router router;
    RegisterAuthRoutes(router, *service_, route_options);
    auto server = http::Server::Open({.listen = "127.0.0.1:0", .threads = 2}, std::move(router),
                                     MakeAuthenticator(*service_, route_options));
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) {
      return 0;
    }
    auto started = (*server)->Start();
    EXPECT_TRUE(started.ok()) << started;
    uint16_t port = (*server)->port();
    servers_.push_back(std::move(server).value());
    return port;
  }

  Browser SignedIn(const std::string& user, const std::string& password) {
    Browser b{.port = port_};
    EXPECT_EQ(b.SignIn(user, password), 200) << user;
    return b;
  }

  static void ExpectProblem(const Reply& r, int status, const std::string& field,
                            const std::string& reason = {}) {
    EXPECT_EQ(r.status, status) << r.body;
    auto it = r.headers.find("content-type");
    ASSERT_NE(it, r.headers.end());
    EXPECT_NE(it->second.find("application/problem+json"), std::string::npos);
    json::value v = json::parse(r.body);
    if (!field.empty()) {
      ASSERT_TRUE(v.at("field").is_string()) << r.body;
      EXPECT_EQ(v.at("field").as_string(), field) << r.body;
    }
    if (!reason.empty()) {
      EXPECT_EQ(v.at("reason").as_string(), reason) << r.body;
    }
  }

  std::string dir_;
  base::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<auth::AuthService> service_;
  std::vector<std::unique_ptr<http::Server>> servers_;
  std::vector<base::OrgId> orgs_;
  uint16_t port_ = 0;
};

TEST_F(AuthRoutesTest, SignInSetsHttpOnlyStrictCookieAndReturnsCsrfToken) {
  json::object o{{"username", "admin"}, {"password", kAdminPassword}};
  Reply r = Call(port_, bhttp::verb::post, "/api/v1/session", json::serialize(o));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string& cookie = r.headers["set-cookie"];
  EXPECT_EQ(cookie.rfind("kechan_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Max-Age="), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;
  EXPECT_EQ(r.headers["cache-control"], "no-store");
  json::value body = r.Json();
  EXPECT_EQ(body.at("user").at("username").as_string(), "admin");
  EXPECT_EQ(body.at("user").at("display_name").as_string(), "管理员");
  ASSERT_EQ(body.at("roles").as_array().size(), 1u);
  EXPECT_EQ(body.at("roles").at(0).at("role").as_string(), "operator");
  EXPECT_EQ(body.at("roles").at(0).at("org_name").as_string(), auth::kDefaultOperatorOrgName);
  EXPECT_GT(body.at("csrf_token").as_string().size(), 20u);
  // The session token travels only in the cookie.
  const std::string token = CookiePair(r).substr(std::string("kechan_session=").size());
  EXPECT_GT(token.size(), 20u);
  EXPECT_EQ(r.body.find(token), std::string::npos);
}

TEST_F(AuthRoutesTest, SignInRefusesNonJsonContentTypes) {
  // What a cross-site HTML form could send (login CSRF): refused before any password check.
  json::object o{{"username", "admin"}, {"password", kAdminPassword}};
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "application/jsonx"}) {
    Reply r = Call(port_, bhttp::verb::post, "/api/v1/session", json::serialize(o),
                   {{"Content-Type", type}});
    ExpectProblem(r, 400, "content-type", "http.content_type");
    EXPECT_EQ(r.headers.count("set-cookie"), 0u) << type;
  }
  Reply ok = Call(port_, bhttp::verb::post, "/api/v1/session", json::serialize(o),
                  {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(AuthRoutesTest, SecureCookieWhenTheSiteIsHttps) {
  uint16_t port = StartServer({.secure_cookies = true});
  Browser b{.port = port};
  json::object o{{"username", "admin"}, {"password", kAdminPassword}};
  Reply r = Call(port, bhttp::verb::post, "/api/v1/session", json::serialize(o));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers["set-cookie"].find("; Secure"), std::string::npos);
}

TEST_F(AuthRoutesTest, WhoAmIAnswersAnonymousAndSignedIn) {
  Reply anon = Call(port_, bhttp::verb::get, "/api/v1/session");
  ASSERT_EQ(anon.status, 200);
  EXPECT_EQ(anon.Json().at("signed_in").as_bool(), false);
  Browser b = SignedIn("alice", kMemberPassword);
  Reply me = b.Do(bhttp::verb::get, "/api/v1/session");
  ASSERT_EQ(me.status, 200) << me.body;
  json::value v = me.Json();
  EXPECT_TRUE(v.at("signed_in").as_bool());
  EXPECT_EQ(v.at("user").at("username").as_string(), "alice");
  EXPECT_EQ(v.at("csrf_token").as_string(), b.csrf);
  EXPECT_EQ(v.at("roles").at(0).at("role").as_string(), "enterprise");
  EXPECT_EQ(v.at("roles").at(0).at("org_id").as_int64(), orgs_[0].value);
}

TEST_F(AuthRoutesTest, SignOutWithTheCookieNeedsTheCsrfToken) {
  Browser b = SignedIn("admin", kAdminPassword);
  Reply missing = b.Do(bhttp::verb::delete_, "/api/v1/session", {}, /*with_csrf=*/false);
  ExpectProblem(missing, 403, "", "csrf.missing");
  Reply wrong = Call(port_, bhttp::verb::delete_, "/api/v1/session", {},
                     {{"Cookie", b.cookie}, {"X-CSRF-Token", "forged"}});
  ExpectProblem(wrong, 403, "", "csrf.mismatch");
  // Still signed in after both refusals.
  EXPECT_TRUE(b.Do(bhttp::verb::get, "/api/v1/session").Json().at("signed_in").as_bool());

  Reply ok = b.Do(bhttp::verb::delete_, "/api/v1/session");
  EXPECT_EQ(ok.status, 204);
  EXPECT_NE(ok.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  Reply after = b.Do(bhttp::verb::get, "/api/v1/session");
  ASSERT_EQ(after.status, 200);
  EXPECT_FALSE(after.Json().at("signed_in").as_bool());
  // The dead cookie is cleared, and it does not block a new sign-in.
  EXPECT_NE(after.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  ExpectProblem(b.Do(bhttp::verb::get, "/api/v1/orgs"), 401, "", "auth.required");
  EXPECT_EQ(b.SignIn("admin", kAdminPassword), 200);
}

TEST_F(AuthRoutesTest, UnsafeRequestsWithTheCookieNeedCsrf) {
  Browser b = SignedIn("admin", kAdminPassword);
  json::object org{{"kind", "government"}, {"name", "示例局（合成）"}};
  Reply no_csrf = b.Do(bhttp::verb::post, "/api/v1/orgs", json::serialize(org), false);
  ExpectProblem(no_csrf, 403, "", "csrf.missing");
  Reply ok = b.Do(bhttp::verb::post, "/api/v1/orgs", json::serialize(org));
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(AuthRoutesTest, BearerTokenWorksWithoutCsrfUntilRevoked) {
  Browser b = SignedIn("admin", kAdminPassword);
  Reply created = b.Do(bhttp::verb::post, "/api/v1/tokens", R"({"name":"ERP"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string token = created.Str("token");
  ASSERT_EQ(token.rfind("kt_", 0), 0u);
  const int64_t token_id = created.Json().at("id").as_int64();
  const Headers bearer = {{"Authorization", "Bearer " + token}};

  json::object org{{"kind", "institution"}, {"name", "示例研究院（合成）"}};
  Reply via_token = Call(port_, bhttp::verb::post, "/api/v1/orgs", json::serialize(org), bearer);
  EXPECT_EQ(via_token.status, 201) << via_token.body;
  Reply me = Call(port_, bhttp::verb::get, "/api/v1/session", {}, bearer);
  EXPECT_EQ(me.Json().at("method").as_string(), "token");
  EXPECT_EQ(me.Json().as_object().if_contains("csrf_token"), nullptr);
  // A token cannot mint more tokens.
  ExpectProblem(Call(port_, bhttp::verb::post, "/api/v1/tokens", R"({"name":"x"})", bearer), 403,
                "", "token.requires_session");

  Reply listed = b.Do(bhttp::verb::get, "/api/v1/tokens");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(token), std::string::npos);
  EXPECT_EQ(listed.Json().at("items").at(0).at("prefix").as_string(), token.substr(0, 11));

  Reply revoked = b.Do(bhttp::verb::delete_, "/api/v1/tokens/" + std::to_string(token_id));
  EXPECT_EQ(revoked.status, 204);
  ExpectProblem(Call(port_, bhttp::verb::get, "/api/v1/orgs", {}, bearer), 401, "",
                "token.revoked");
}

TEST_F(AuthRoutesTest, UnauthenticatedAndForbiddenCases) {
  ExpectProblem(Call(port_, bhttp::verb::get, "/api/v1/orgs"), 401, "", "auth.required");
  ExpectProblem(Call(port_, bhttp::verb::get, "/api/v1/orgs", {},
                     {{"Authorization", "Bearer kt_not-a-real-token"}}),
                401, "", "token.invalid");
  ExpectProblem(
      Call(port_, bhttp::verb::get, "/api/v1/orgs", {}, {{"Authorization", "Basic YWRtaW46eA=="}}),
      401, "", "auth.scheme");
  Browser alice = SignedIn("alice", kMemberPassword);
  json::object org{{"kind", "government"}, {"name", "示例局（合成）"}};
  ExpectProblem(alice.Do(bhttp::verb::post, "/api/v1/orgs", json::serialize(org)), 403, "",
                "auth.role_required");
  ExpectProblem(alice.Do(bhttp::verb::get, "/api/v1/orgs/" + orgs_[1].ToString()), 403, "",
                "org.not_member");
  Reply own = alice.Do(bhttp::verb::get, "/api/v1/orgs/" + orgs_[0].ToString());
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.Json().at("members").at(0).at("username").as_string(), "alice");
  Reply list = alice.Do(bhttp::verb::get, "/api/v1/orgs");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json().at("total").as_int64(), 1);
  ExpectProblem(alice.Do(bhttp::verb::patch, "/api/v1/users/1", R"({"disabled":true})"), 403, "",
                "auth.role_required");
}

TEST_F(AuthRoutesTest, BadBodiesAndParametersNameTheField) {
  ExpectProblem(Call(port_, bhttp::verb::post, "/api/v1/session", "{"), 400, "body");
  ExpectProblem(Call(port_, bhttp::verb::post, "/api/v1/session", R"({"username":"admin"})"), 400,
                "password", "json.required");
  ExpectProblem(Call(port_, bhttp::verb::post, "/api/v1/session",
                     R"({"username":"admin","password":"x","remember":true})"),
                400, "remember", "json.unknown_field");
  ExpectProblem(
      Call(port_, bhttp::verb::post, "/api/v1/session", R"({"username":7,"password":"x"})"), 400,
      "username", "json.type");

  Browser b = SignedIn("admin", kAdminPassword);
  ExpectProblem(
      b.Do(bhttp::verb::post, "/api/v1/orgs",
           R"({"kind":"enterprise","name":"坏代码公司（合成）","uscc":"91350100M000100Y44"})"),
      400, "uscc", "uscc.check_char");
  ExpectProblem(b.Do(bhttp::verb::post, "/api/v1/orgs", R"({"kind":"company","name":"x"})"), 400,
                "kind", "org.kind_unknown");
  ExpectProblem(b.Do(bhttp::verb::post, "/api/v1/users",
                     R"({"username":"carol","password":"carol-pass-1",)"
                     R"("memberships":[{"org_id":1,"role":"boss"}]})"),
                400, "memberships[0].role", "role.unknown");
  ExpectProblem(b.Do(bhttp::verb::post, "/api/v1/users",
                     R"({"username":"carol","password":"carol-pass-1",)"
                     R"("memberships":[{"org_id":1,"role":"operator","x":1}]})"),
                400, "memberships[0].x", "json.unknown_field");
  ExpectProblem(
      b.Do(bhttp::verb::post, "/api/v1/users", R"({"username":"carol","password":"short"})"), 400,
      "password", "password.too_short");
  ExpectProblem(b.Do(bhttp::verb::get, "/api/v1/orgs?page=0"), 400, "page");
  ExpectProblem(b.Do(bhttp::verb::get, "/api/v1/orgs?kind=company"), 400, "kind");
  ExpectProblem(b.Do(bhttp::verb::get, "/api/v1/users/abc"), 400, "id");
  // Nothing was created by the refused requests.
  Reply users = b.Do(bhttp::verb::get, "/api/v1/users");
  EXPECT_EQ(users.Json().at("total").as_int64(), 3);
}

TEST_F(AuthRoutesTest, WrongPasswordIs401ThenRateLimitedIs429) {
  json::object wrong{{"username", "bob"}, {"password", "not-the-password"}};
  for (int i = 0; i < 5; ++i) {
    Reply r = Call(port_, bhttp::verb::post, "/api/v1/session", json::serialize(wrong));
    ExpectProblem(r, 401, "", "signin.failed");
    EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  }
  json::object right{{"username", "bob"}, {"password", kMemberPassword}};
  Reply limited = Call(port_, bhttp::verb::post, "/api/v1/session", json::serialize(right));
  ExpectProblem(limited, 429, "", "signin.rate_limited");
  EXPECT_NE(limited.Json().at("message").at("zh-CN").as_string().find("分钟后重试"),
            std::string::npos);
}

TEST_F(AuthRoutesTest, OperatorManagesUsersAndMemberships) {
  Browser b = SignedIn("admin", kAdminPassword);
  Reply created = b.Do(bhttp::verb::post, "/api/v1/users",
                       R"({"username":"Carol","password":"carol-pass-1","display_name":"卡罗尔",)"
                       R"("memberships":[{"org_id":)" +
                           orgs_[0].ToString() + R"(,"role":"enterprise"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  json::value user = created.Json();
  EXPECT_EQ(user.at("username").as_string(), "carol");
  EXPECT_EQ(user.as_object().if_contains("password"), nullptr);
  EXPECT_EQ(created.body.find("argon2"), std::string::npos);
  const std::string id = std::to_string(user.at("id").as_int64());

  Reply added = b.Do(bhttp::verb::post, "/api/v1/users/" + id + "/memberships",
                     R"({"org_id":)" + orgs_[0].ToString() + R"(,"role":"tech_manager"})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.Json().at("memberships").as_array().size(), 2u);
  Reply removed = b.Do(bhttp::verb::delete_, "/api/v1/users/" + id + "/memberships/" +
                                                 orgs_[0].ToString() + "/tech_manager");
  EXPECT_EQ(removed.status, 204) << removed.body;

  Reply disabled = b.Do(bhttp::verb::patch, "/api/v1/users/" + id, R"({"disabled":true})");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_TRUE(disabled.Json().at("disabled").as_bool());
  Browser carol{.port = port_};
  EXPECT_EQ(carol.SignIn("carol", "carol-pass-1"), 403);

  // Carol's colleague alice can see her; bob (another firm) cannot.
  Browser alice = SignedIn("alice", kMemberPassword);
  EXPECT_EQ(alice.Do(bhttp::verb::get, "/api/v1/users/" + id).status, 200);
  Browser bob = SignedIn("bob", kMemberPassword);
  ExpectProblem(bob.Do(bhttp::verb::get, "/api/v1/users/" + id), 403, "", "user.not_visible");
}

TEST_F(AuthRoutesTest, ChangingOwnPasswordNeedsTheCurrentOne) {
  Browser alice = SignedIn("alice", kMemberPassword);
  Reply me = alice.Do(bhttp::verb::get, "/api/v1/session");
  const std::string id = std::to_string(me.Json().at("user").at("id").as_int64());
  ExpectProblem(alice.Do(bhttp::verb::post, "/api/v1/users/" + id + "/password",
                         R"({"password":"new-pass-456"})"),
                400, "current_password", "password.current_required");
  Reply ok = alice.Do(bhttp::verb::post, "/api/v1/users/" + id + "/password",
                      R"({"password":"new-pass-456","current_password":"member-pass-123"})");
  EXPECT_EQ(ok.status, 204) << ok.body;
  // This session survives; the new password works.
  EXPECT_TRUE(alice.Do(bhttp::verb::get, "/api/v1/session").Json().at("signed_in").as_bool());
  Browser again{.port = port_};
  EXPECT_EQ(again.SignIn("alice", "new-pass-456"), 200);
}

TEST_F(AuthRoutesTest, OpenApiDocumentDescribesEveryAuthRoute) {
  http::Router router;
  RegisterAuthRoutes(router, *service_, {});
  auto doc = http::OpenApiDocument(router, {});
  ASSERT_TRUE(doc.ok()) << doc.status();
  json::value v = json::parse(*doc);
  const json::object& paths = v.at("paths").as_object();
  for (const auto& route : router.routes()) {
    EXPECT_TRUE(paths.contains(route.pattern)) << route.pattern;
    for (const std::string& schema : {route.spec.request_schema, route.spec.response_schema}) {
      if (!schema.empty()) {
        EXPECT_TRUE(json::parse(schema).is_object()) << route.pattern;
      }
    }
  }
  EXPECT_EQ(router.routes().size(), 16u);
}

}  // namespace
}  // namespace kechan::app
