#include "http/request.h"

#include <gtest/gtest.h>

namespace kechan::http {
namespace {

TEST(RequestTest, HeaderReturnsFirstMatch) {
  Request req;
  req.headers = {{"x-a", "1"}, {"x-b", "2"}, {"x-a", "3"}};
  EXPECT_EQ(req.Header("x-a"), "1");
  EXPECT_EQ(req.Header("x-b"), "2");
  EXPECT_FALSE(req.Header("x-c").has_value());
}

TEST(RequestTest, CookieParsesPairsQuotesAndSpaces) {
  Request req;
  req.headers = {{"cookie", "a=1; kechan_session=abc.def ;  b=\"quoted\""}};
  EXPECT_EQ(req.Cookie("kechan_session"), "abc.def");
  EXPECT_EQ(req.Cookie("b"), "quoted");
  EXPECT_EQ(req.Cookie("a"), "1");
  EXPECT_FALSE(req.Cookie("kechan").has_value());
  EXPECT_FALSE(req.Cookie("session").has_value());
}

TEST(RequestTest, PathIdAcceptsPositiveIds) {
  Request req;
  req.path_params = {{"id", "42"}, {"max", "9223372036854775807"}};
  ASSERT_TRUE(req.PathId("id").ok());
  EXPECT_EQ(*req.PathId("id"), 42);
  EXPECT_EQ(*req.PathId("max"), INT64_MAX);
}

TEST(RequestTest, PathIdRejectsNonIdsNamingTheParam) {
  for (const char* bad :
       {"abc", "0", "99999999999999999999", "9223372036854775808", "-1", "+1", "1a", "", " 1"}) {
    Request req;
    req.path_params = {{"org_id", bad}};
    auto id = req.PathId("org_id");
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.status().code(), base::Code::kInvalidArgument);
    EXPECT_EQ(id.status().field(), "org_id");
    EXPECT_EQ(id.status().reason(), "path.invalid_id");
  }
  Request req;
  EXPECT_FALSE(req.PathId("id").ok());
}

TEST(RequestTest, LanguagePrefersEnglishOnlyWhenAskedFor) {
  EXPECT_EQ(LanguageFromAcceptLanguage(""), "zh-CN");
  EXPECT_EQ(LanguageFromAcceptLanguage("en-US,en;q=0.9"), "en");
  EXPECT_EQ(LanguageFromAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8"), "zh-CN");
  EXPECT_EQ(LanguageFromAcceptLanguage("en;q=0.5, zh;q=0.8"), "zh-CN");
  EXPECT_EQ(LanguageFromAcceptLanguage("zh;q=0.3, EN-gb;q=0.7"), "en");
  EXPECT_EQ(LanguageFromAcceptLanguage("en, zh"), "en");
  EXPECT_EQ(LanguageFromAcceptLanguage("zh, en"), "zh-CN");
  EXPECT_EQ(LanguageFromAcceptLanguage("fr-FR,fr;q=0.9"), "zh-CN");
  EXPECT_EQ(LanguageFromAcceptLanguage("fr, en;q=0.1"), "en");
  EXPECT_EQ(LanguageFromAcceptLanguage("en;q=0"), "zh-CN");
  EXPECT_EQ(LanguageFromAcceptLanguage("en;q=bogus"), "zh-CN");
}

TEST(RequestTest, ParseTargetDecodesPathAndQuery) {
  Request req;
  ASSERT_TRUE(ParseTarget("/api/v1/orgs/%E6%88%90%E9%83%BD?q=a+b&page=2&q=second&x=%2F", req).ok());
  EXPECT_EQ(req.path, "/api/v1/orgs/成都");
  EXPECT_EQ(req.target, "/api/v1/orgs/%E6%88%90%E9%83%BD?q=a+b&page=2&q=second&x=%2F");
  EXPECT_EQ(req.query.at("q"), "a b");  // first of repeated keys wins
  EXPECT_EQ(req.query.at("page"), "2");
  EXPECT_EQ(req.query.at("x"), "/");
}

TEST(RequestTest, ParseTargetNamesThePartThatIsMalformed) {
  struct Case {
    const char* target;
    const char* field;
  };
  for (const Case& c :
       {Case{"/api/%zz", "path"}, Case{"/api/%E6%88", "path"}, Case{"/api/%00x", "path"},
        Case{"http://evil/api", "path"}, Case{"/api?q=%zz", "query"}, Case{"/api?q=%ff", "query"},
        Case{"/api?a=%00", "query"}}) {
    Request req;
    base::Status st = ParseTarget(c.target, req);
    ASSERT_FALSE(st.ok()) << c.target;
    EXPECT_EQ(st.field(), c.field) << c.target;
    EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  }
}

TEST(RequestTest, MethodNames) {
  EXPECT_STREQ(MethodName(Method::kGet), "GET");
  EXPECT_STREQ(MethodName(Method::kPatch), "PATCH");
  EXPECT_STREQ(MethodName(Method::kDelete), "DELETE");
}

}  // namespace
}  // namespace kechan::http
