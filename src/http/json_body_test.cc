#include "http/json_body.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kechan::http {
namespace {

Request WithBody(std::string body) {
  Request req;
  req.method = Method::kPost;
  req.body = std::move(body);
  return req;
}

void ExpectError(const base::Status& st, std::string_view reason, std::string_view field) {
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(st.reason(), reason);
  EXPECT_EQ(st.field(), field);
  EXPECT_FALSE(st.message_en().empty());
  EXPECT_NE(st.message_zh(), st.message_en());
}

TEST(ParseJsonObjectTest, ParsesAnObject) {
  auto obj = ParseJsonObject(WithBody(R"({"name":"成都","n":3,"nested":{"a":[1,2]}})"));
  ASSERT_TRUE(obj.ok()) << obj.status();
  EXPECT_EQ(obj->at("name"), "成都");
  EXPECT_EQ(obj->at("nested").at("a").as_array().size(), 2u);
}

TEST(ParseJsonObjectTest, RejectsMalformedBodies) {
  for (const char* body : {"", "{", "{\"a\":}", "{\"a\":1} trailing", "{'a':1}", "{\"a\":1,}",
                           "// c\n{}", "{\"a\":NaN}"}) {
    auto obj = ParseJsonObject(WithBody(body));
    ASSERT_FALSE(obj.ok()) << body;
    ExpectError(obj.status(), "json.malformed", "body");
  }
}

TEST(ParseJsonObjectTest, RejectsInvalidUtf8) {
  // Boost.JSON validates UTF-8 by default: a lone 0xFF, an overlong '/', a truncated sequence and
  // an encoded surrogate are all rejected, in values and in keys.
  for (const std::string& body :
       {std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":\"\xc0\xaf\"}"),
        std::string("{\"a\":\"\xe6\x88\"}"), std::string("{\"a\":\"\xed\xa0\x80\"}"),
        std::string("{\"\xff\":1}")}) {
    auto obj = ParseJsonObject(WithBody(body));
    ASSERT_FALSE(obj.ok());
    ExpectError(obj.status(), "json.malformed", "body");
  }
}

TEST(ParseJsonObjectTest, RejectsOtherTopLevelTypes) {
  for (const char* body : {"[]", "1", "\"s\"", "null", "true"}) {
    auto obj = ParseJsonObject(WithBody(body));
    ASSERT_FALSE(obj.ok()) << body;
    ExpectError(obj.status(), "json.not_object", "body");
  }
}

TEST(ParseJsonObjectTest, RejectsDuplicateKeysAtAnyDepth) {
  auto obj = ParseJsonObject(WithBody(R"({"role":"enterprise","role":"operator"})"));
  ASSERT_FALSE(obj.ok());
  ExpectError(obj.status(), "json.duplicate_key", "role");
  obj = ParseJsonObject(WithBody(R"({"org":{"id":1,"id":2}})"));
  ASSERT_FALSE(obj.ok());
  EXPECT_EQ(obj.status().reason(), "json.duplicate_key");
  // The same key in sibling objects is fine.
  EXPECT_TRUE(
      ParseJsonObject(WithBody(R"({"a":{"id":1},"b":{"id":2},"c":[{"id":1},{"id":1}]})")).ok());
}

TEST(ParseJsonObjectTest, DeepNestingFailsWithoutCrashing) {
  std::string deep(100000, '[');
  auto obj = ParseJsonObject(WithBody("{\"a\":" + deep));
  ASSERT_FALSE(obj.ok());
  EXPECT_EQ(obj.status().reason(), "json.malformed");
}

boost::json::object Obj(const char* text) { return boost::json::parse(text).as_object(); }

TEST(ObjectReaderTest, ReadsTypedFields) {
  auto obj = Obj(R"({"name":"链长","age":41,"active":true,"note":null})");
  ObjectReader r(obj);
  EXPECT_EQ(r.String("name", {.min_len = 1, .max_len = 2}), "链长");  // 2 code points, 6 bytes
  EXPECT_EQ(r.Int("age", 0, 200), 41);
  EXPECT_TRUE(r.Bool("active"));
  EXPECT_FALSE(r.OptionalString("note").has_value());  // null counts as absent
  EXPECT_FALSE(r.OptionalInt("missing").has_value());
  EXPECT_FALSE(r.OptionalBool("missing2").has_value());
  EXPECT_TRUE(r.Finish().ok());
}

TEST(ObjectReaderTest, WrongTypeNamesTheField) {
  auto obj = Obj(R"({"name":5})");
  ObjectReader r(obj);
  r.String("name");
  ExpectError(r.Finish(), "json.type", "name");
  auto obj2 = Obj(R"({"n":"5","b":1,"d":1.5})");
  ObjectReader r2(obj2);
  r2.Int("n");
  ExpectError(r2.status(), "json.type", "n");
  ObjectReader r3(obj2);
  r3.Bool("b");
  ExpectError(r3.status(), "json.type", "b");
  ObjectReader r4(obj2);
  r4.OptionalInt("d");
  ExpectError(r4.status(), "json.type", "d");
}

TEST(ObjectReaderTest, MissingRequiredField) {
  auto obj = Obj(R"({"other":1,"nul":null})");
  ObjectReader r(obj);
  r.Int("other");
  r.String("name");
  r.Int("later");  // the first error is kept
  ExpectError(r.Finish(), "json.required", "name");
  ObjectReader r2(obj);
  r2.Int("other");
  r2.String("nul");
  ExpectError(r2.Finish(), "json.required", "nul");
}

TEST(ObjectReaderTest, LengthRulesCountCodePoints) {
  auto obj = Obj(R"({"a":"四川省成都市","b":""})");
  ObjectReader r(obj);
  r.String("a", {.max_len = 5});
  ExpectError(r.status(), "json.too_long", "a");
  ObjectReader r2(obj);
  EXPECT_EQ(r2.String("a", {.max_len = 6}), "四川省成都市");
  r2.String("b", {.min_len = 1});
  ExpectError(r2.Finish(), "json.too_short", "b");
}

TEST(ObjectReaderTest, IntRange) {
  auto obj = Obj(R"({"n":-1,"big":18446744073709551615})");
  ObjectReader r(obj);
  r.Int("n", 0, 10);
  ExpectError(r.status(), "json.out_of_range", "n");
  ObjectReader r2(obj);
  r2.Int("n");
  r2.Int("big");
  ExpectError(r2.status(), "json.out_of_range", "big");
}

TEST(ObjectReaderTest, UnknownFieldIsReportedByFinish) {
  auto obj = Obj(R"({"name":"x","is_admin":true})");
  ObjectReader r(obj);
  EXPECT_EQ(r.String("name"), "x");
  EXPECT_TRUE(r.ok());
  ExpectError(r.Finish(), "json.unknown_field", "is_admin");
}

TEST(ObjectReaderTest, NestedReadersPrefixFieldNames) {
  auto obj = Obj(R"({"org":{"name":7,"x":1}})");
  ObjectReader outer(obj);
  const boost::json::value* org = outer.Value("org", true);
  ASSERT_NE(org, nullptr);
  ObjectReader inner(org->as_object(), "org");
  inner.String("name");
  ExpectError(inner.status(), "json.type", "org.name");
  ObjectReader inner2(org->as_object(), "org");
  inner2.Int("name");
  ExpectError(inner2.Finish(), "json.unknown_field", "org.x");
  EXPECT_TRUE(outer.Finish().ok());
  ObjectReader missing(obj);
  EXPECT_EQ(missing.Value("nope", true), nullptr);
  ExpectError(missing.status(), "json.required", "nope");
}

TEST(ToJsonTest, Serializes) { EXPECT_EQ(ToJson(boost::json::value{{"a", 1}}), R"({"a":1})"); }

TEST(ToJsonTest, DoublesInShortestFormAndNonFiniteAsNull) {
  boost::json::value v{{"r", 0.5},        {"p", 5.4206},
                       {"big", 1e21},     {"bad", std::nan("")},
                       {"s", "\"引号\""}, {"list", {1, 2.25, nullptr, true}}};
  std::string text = ToJson(v);
  EXPECT_EQ(
      text,
      R"({"r":0.5,"p":5.4206,"big":1e+21,"bad":null,"s":"\"引号\"","list":[1,2.25,null,true]})");
  // The text parses back to the same numbers.
  auto back = boost::json::parse(text).as_object();
  EXPECT_DOUBLE_EQ(back.at("p").as_double(), 5.4206);
}

}  // namespace
}  // namespace kechan::http
