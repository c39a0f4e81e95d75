#include "http/router.h"

#include <gtest/gtest.h>

namespace kechan::http {
namespace {

Handler Named(const std::string& name) {
  return [name](Request&) -> base::Result<Response> { return Response::Json(name); };
}

std::string Call(const Router::Match& m) {
  Request req;
  return m.route->handler(req)->body;
}

Router MakeRouter() {
  Router r;
  r.Add(Method::kGet, "/", {}, Named("root"));
  r.Add(Method::kGet, "/api/v1/orgs", {}, Named("list"));
  r.Add(Method::kPost, "/api/v1/orgs", {}, Named("create"));
  r.Add(Method::kGet, "/api/v1/orgs/{id}", {}, Named("get"));
  r.Add(Method::kDelete, "/api/v1/orgs/{id}", {}, Named("delete"));
  r.Add(Method::kGet, "/api/v1/orgs/me", {}, Named("me"));
  r.Add(Method::kGet, "/api/v1/orgs/{org_id}/users/{user_id}", {}, Named("user"));
  r.Add(Method::kPost, "/api/v1/orgs/mine/users/new", {}, Named("literal-post"));
  return r;
}

TEST(RouterTest, FindsLiteralRoutes) {
  Router r = MakeRouter();
  std::map<std::string, std::string> params;
  auto m = r.Find(Method::kGet, "/api/v1/orgs", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "list");
  m = r.Find(Method::kPost, "/api/v1/orgs", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "create");
  m = r.Find(Method::kGet, "/", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "root");
  EXPECT_TRUE(params.empty());
}

TEST(RouterTest, FillsParams) {
  Router r = MakeRouter();
  std::map<std::string, std::string> params;
  auto m = r.Find(Method::kGet, "/api/v1/orgs/7/users/9", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "user");
  EXPECT_EQ(m.route->pattern, "/api/v1/orgs/{org_id}/users/{user_id}");
  EXPECT_EQ(params.at("org_id"), "7");
  EXPECT_EQ(params.at("user_id"), "9");
}

TEST(RouterTest, LiteralSegmentWinsOverParam) {
  Router r = MakeRouter();
  std::map<std::string, std::string> params;
  auto m = r.Find(Method::kGet, "/api/v1/orgs/me", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "me");
  m = r.Find(Method::kGet, "/api/v1/orgs/12", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "get");
  EXPECT_EQ(params.at("id"), "12");
}

TEST(RouterTest, BacktracksFromALiteralDeadEnd) {
  Router r = MakeRouter();
  std::map<std::string, std::string> params;
  // "mine" matches the literal branch first, which has no GET users/{user_id}; the param branch
  // does.
  auto m = r.Find(Method::kGet, "/api/v1/orgs/mine/users/3", params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Call(m), "user");
  EXPECT_EQ(params.at("org_id"), "mine");
}

TEST(RouterTest, KnownPathWithOtherMethodIs405Material) {
  Router r = MakeRouter();
  std::map<std::string, std::string> params;
  auto m = r.Find(Method::kPut, "/api/v1/orgs/5", params);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::kGet, Method::kDelete}));
  // The literal "/orgs/me" has only GET, but "/orgs/{id}" also offers DELETE.
  m = r.Find(Method::kPatch, "/api/v1/orgs/me", params);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::kGet, Method::kDelete}));
}

TEST(RouterTest, UnknownPathsAreNotKnown) {
  Router r = MakeRouter();
  std::map<std::string, std::string> params;
  for (const char* path : {"/api/v1/orgs/", "/api/v1/nothing", "/api/v1/orgs/1/users",
                           "/api/v1/orgs//users/2", "relative", ""}) {
    auto m = r.Find(Method::kGet, path, params);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
  }
}

TEST(RouterTest, RoutesKeepsInsertionOrderAndCopies) {
  Router r = MakeRouter();
  const Router& copy = r;
  ASSERT_EQ(copy.routes().size(), 8u);
  EXPECT_EQ(copy.routes()[3].pattern, "/api/v1/orgs/{id}");
  std::map<std::string, std::string> params;
  EXPECT_NE(copy.Find(Method::kDelete, "/api/v1/orgs/3", params).route, nullptr);
}

TEST(RouterTest, InvokeFillsParamsAndAppliesTheAccessRule) {
  Router r;
  r.Add(Method::kGet, "/api/v1/things/{id}",
        {.access = Access::kRoles, .roles = {auth::Role::kOperator}},
        [](Request& req) -> base::Result<Response> {
          return Response::Json("{\"id\":\"" + req.path_params.at("id") + "\"}");
        });
  Request req;
  req.method = Method::kGet;
  req.path = "/api/v1/things/42";
  // Signed out: 401 before the handler runs.
  EXPECT_EQ(r.Invoke(req).status().code(), base::Code::kUnauthenticated);
  // Signed in without the role: 403.
  req.principal.user = base::UserId{7};
  req.principal.method = auth::AuthMethod::kSession;
  req.principal.memberships = {{base::OrgId{1}, auth::Role::kOfficer}};
  EXPECT_EQ(r.Invoke(req).status().reason(), "auth.role_required");
  req.principal.memberships.push_back({base::OrgId{1}, auth::Role::kOperator});
  auto ok = r.Invoke(req);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->body, "{\"id\":\"42\"}");
  req.path = "/api/v1/nothing";
  EXPECT_EQ(r.Invoke(req).status().reason(), "http.no_route");
}

}  // namespace
}  // namespace kechan::http
