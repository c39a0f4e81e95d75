#include "http/problem.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace kechan::http {
namespace {

TEST(ProblemTest, MapsEveryCodeToOneHttpStatus) {
  EXPECT_EQ(HttpStatusFor(base::Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(base::Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(base::Code::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(base::Code::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(base::Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(base::Code::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(base::Code::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(base::Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(base::Code::kInternal), 500);
}

TEST(ProblemTest, RendersTheDocumentedShape) {
  Request req;
  req.request_id = "rid-1";
  req.lang = "en";
  Response r = ProblemResponse(
      base::InvalidArgument("org.name", "json.required", "Field \"org.name\" is required",
                            "缺少必填字段 \"org.name\""),
      &req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type"), "https://kechan.dev/problems/json.required");
  EXPECT_EQ(body.at("title"), "Field \"org.name\" is required");
  EXPECT_EQ(body.at("status"), 400);
  EXPECT_EQ(body.at("code"), "invalid_argument");
  EXPECT_EQ(body.at("reason"), "json.required");
  EXPECT_EQ(body.at("field"), "org.name");
  EXPECT_EQ(body.at("message").at("zh-CN"), "缺少必填字段 \"org.name\"");
  EXPECT_EQ(body.at("message").at("en"), "Field \"org.name\" is required");
  EXPECT_EQ(body.at("detail"), "Field \"org.name\" is required");
  EXPECT_EQ(body.at("request_id"), "rid-1");
}

TEST(ProblemTest, DetailFollowsLanguageAndFieldIsNullWhenAbsent) {
  Request req;  // lang defaults to zh-CN
  Response r = ProblemResponse(base::NotFound("org.not_found", "No such org", "机构不存在"), &req);
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body.at("detail"), "机构不存在");
  EXPECT_TRUE(body.at("field").is_null());
}

TEST(ProblemTest, InternalErrorsDoNotLeakDetails) {
  Response r = ProblemResponse(base::Internal("db.crash", "password=hunter2 at /var/lib/x"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(r.body.find("db.crash"), std::string::npos);
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("code"), "internal");
  EXPECT_EQ(body.at("reason"), "internal");
}

TEST(ProblemTest, UnavailableKeepsReasonButNotDriverText) {
  Response r = ProblemResponse(base::Unavailable("store.busy", "sqlite: database is locked (5)"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("sqlite"), std::string::npos);
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("reason"), "store.busy");
}

TEST(ProblemTest, ExplicitHttpStatus) {
  Response r = ProblemResponseWithHttpStatus(
      413, base::Status(base::Code::kResourceExhausted, "http.body_too_large", "too big", "太大"));
  EXPECT_EQ(r.status, 413);
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("status"), 413);
  EXPECT_EQ(body.at("code"), "resource_exhausted");
}

}  // namespace
}  // namespace kechan::http
