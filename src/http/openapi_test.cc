#include "http/openapi.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

namespace kechan::http {
namespace {

Handler Ok() {
  return [](Request&) -> base::Result<Response> { return Response::NoContent(); };
}

Router MakeRouter() {
  Router r;
  r.Add(Method::kGet, "/healthz", {.summary = "Liveness", .tag = "system"}, Ok());
  r.Add(Method::kPost, "/api/v1/orgs",
        {.summary = "Create an organisation",
         .summary_zh = "创建机构",
         .tag = "orgs",
         .access = Access::kRoles,
         .roles = {auth::Role::kOperator, auth::Role::kOfficer},
         .request_schema = R"({"type":"object","properties":{"name":{"type":"string"}}})",
         .response_schema = R"({"type":"object"})",
         .success_status = 201},
        Ok());
  r.Add(Method::kGet, "/api/v1/orgs/{id}", {.summary = "Get", .tag = "orgs"}, Ok());
  r.Add(Method::kDelete, "/api/v1/orgs/{id}",
        {.summary = "Delete", .tag = "orgs", .access = Access::kSignedIn}, Ok());
  r.Add(Method::kGet, "/api/v1/orgs/{org}/files/{name}", {.summary = "File"}, Ok());
  return r;
}

TEST(OpenApiTest, ListsExactlyTheRoutes) {
  Router r = MakeRouter();
  auto text = OpenApiDocument(r, {.title = "t", .version = "9"});
  ASSERT_TRUE(text.ok()) << text.status();
  auto doc = boost::json::parse(*text).as_object();
  EXPECT_EQ(doc.at("openapi"), "3.0.3");
  EXPECT_EQ(doc.at("info").at("version"), "9");
  std::set<std::pair<std::string, std::string>> in_doc;
  for (const auto& path : doc.at("paths").as_object()) {
    for (const auto& op : path.value().as_object()) {
      in_doc.emplace(std::string(path.key()), std::string(op.key()));
    }
  }
  std::set<std::pair<std::string, std::string>> in_router = {
      {"/healthz", "get"},
      {"/api/v1/orgs", "post"},
      {"/api/v1/orgs/{id}", "get"},
      {"/api/v1/orgs/{id}", "delete"},
      {"/api/v1/orgs/{org}/files/{name}", "get"}};
  EXPECT_EQ(in_doc, in_router);
}

TEST(OpenApiTest, DescribesSecurityParamsAndSchemas) {
  Router r = MakeRouter();
  auto doc = boost::json::parse(*OpenApiDocument(r, {})).as_object();
  const auto& paths = doc.at("paths").as_object();

  const auto& health = paths.at("/healthz").at("get").as_object();
  EXPECT_TRUE(health.at("security").as_array().empty());  // public
  EXPECT_EQ(health.at("tags").as_array().at(0), "system");

  const auto& create = paths.at("/api/v1/orgs").at("post").as_object();
  EXPECT_EQ(create.at("summary"), "Create an organisation");
  EXPECT_EQ(create.at("description"), "创建机构");
  EXPECT_EQ(create.at("x-roles"), (boost::json::array{"operator", "officer"}));
  EXPECT_EQ(create.at("security").as_array().size(), 2u);
  EXPECT_EQ(create.at("requestBody")
                .at("content")
                .at("application/json")
                .at("schema")
                .at("properties")
                .at("name")
                .at("type"),
            "string");
  EXPECT_TRUE(create.at("responses").as_object().contains("201"));
  EXPECT_TRUE(create.at("responses").as_object().contains("403"));
  EXPECT_EQ(create.at("responses")
                .at("default")
                .at("content")
                .at("application/problem+json")
                .at("schema")
                .at("$ref"),
            "#/components/schemas/Problem");

  const auto& get = paths.at("/api/v1/orgs/{id}").at("get").as_object();
  const auto& param = get.at("parameters").as_array().at(0).as_object();
  EXPECT_EQ(param.at("name"), "id");
  EXPECT_EQ(param.at("in"), "path");
  EXPECT_EQ(param.at("schema").at("type"), "integer");
  const auto& file = paths.at("/api/v1/orgs/{org}/files/{name}").at("get").as_object();
  EXPECT_EQ(file.at("parameters").as_array().size(), 2u);
  EXPECT_EQ(file.at("parameters").as_array().at(1).at("name"), "name");

  const auto& problem = doc.at("components").at("schemas").at("Problem").as_object();
  EXPECT_TRUE(problem.at("properties").as_object().contains("reason"));
  EXPECT_EQ(doc.at("components").at("securitySchemes").at("cookieAuth").at("name"),
            "kechan_session");
  EXPECT_EQ(doc.at("tags").as_array().size(), 2u);
}

TEST(OpenApiTest, RejectsABadSchema) {
  Router r;
  r.Add(Method::kPost, "/x", {.request_schema = "{not json"}, Ok());
  auto text = OpenApiDocument(r, {});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().reason(), "openapi.bad_schema");
  EXPECT_EQ(text.status().field(), "POST /x");
}

}  // namespace
}  // namespace kechan::http
