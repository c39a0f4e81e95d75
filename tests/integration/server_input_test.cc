// Bad input over real HTTP: each case gets a 4xx application/problem+json body that names the
// field and carries zh-CN and en messages, and changes nothing (rows and events counted).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "store/database.h"
#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

class ServerInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir();
    auto add = RunCli({"user", "add", "--data", data_->path(), "--username", "input-op",
                       "--password-stdin", "--role", "operator"},
                      "input-password-1\n");
    ASSERT_EQ(add.exit_code, 0) << add.err;
    server_ = new ServerProcess({"--data", data_->path(), "--body_limit", "65536"});
    ASSERT_TRUE(server_->started()) << server_->Stderr();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete data_;
  }
  void SetUp() override {
    session_ = std::make_unique<Session>(server_->port());
    ASSERT_EQ(session_->SignIn("input-op", "input-password-1"), 200);
  }

  // Counts events and orgs straight from the database file the server writes.
  std::pair<int64_t, int64_t> Counts() {
    auto db = store::Open({.url = "sqlite:" + data_->path() + "/kechan.db"});
    EXPECT_TRUE(db.ok()) << db.status();
    auto tx = (*db)->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto e = (*tx)->Query("SELECT COUNT(*) FROM events");
    auto o = (*tx)->Query("SELECT COUNT(*) FROM orgs");
    return {e->rows[0].Int(0), o->rows[0].Int(0)};
  }

  // Asserts `r` is a problem body with `status` naming `field`.
  static void ExpectProblem(const HttpResponse& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.headers.at("content-type").find("application/problem+json"), std::string::npos);
    auto v = boost::json::parse(r.body).as_object();
    EXPECT_EQ(v.at("status").as_int64(), status);
    if (!field.empty()) {
      ASSERT_TRUE(v.at("field").is_string()) << r.body;
      EXPECT_EQ(v.at("field").as_string(), field) << r.body;
    }
    auto& msg = v.at("message").as_object();
    EXPECT_FALSE(msg.at("zh-CN").as_string().empty());
    EXPECT_FALSE(msg.at("en").as_string().empty());
    EXPECT_FALSE(v.at("code").as_string().empty());
  }

  void ExpectRejectedAndUnchanged(const std::string& method, const std::string& target,
                                  const std::string& body, int status, const std::string& field) {
    auto before = Counts();
    auto r = session_->Call(method, target, body);
    ExpectProblem(r, status, field);
    EXPECT_EQ(Counts(), before) << "a rejected request changed the database";
  }

  static TempDir* data_;
  static ServerProcess* server_;
  std::unique_ptr<Session> session_;
};

TempDir* ServerInputTest::data_ = nullptr;
ServerProcess* ServerInputTest::server_ = nullptr;

TEST_F(ServerInputTest, MalformedJsonIsRejected) {
  ExpectRejectedAndUnchanged("POST", "/api/v1/orgs", R"({"kind":"government","name":)", 400,
                             "body");
}

TEST_F(ServerInputTest, WrongTypeNamesTheField) {
  ExpectRejectedAndUnchanged("POST", "/api/v1/orgs", R"({"kind":"government","name":42})", 400,
                             "name");
}

TEST_F(ServerInputTest, MissingFieldNamesTheField) {
  ExpectRejectedAndUnchanged("POST", "/api/v1/orgs", R"({"kind":"government"})", 400, "name");
}

TEST_F(ServerInputTest, UnknownFieldNamesTheField) {
  ExpectRejectedAndUnchanged("POST", "/api/v1/orgs",
                             R"({"kind":"government","name":"某部门","colour":"red"})", 400,
                             "colour");
}

TEST_F(ServerInputTest, InvalidUtf8IsRejected) {
  ExpectRejectedAndUnchanged(
      "POST", "/api/v1/orgs",
      std::string(R"({"kind":"government","name":"bad )") + "\xff\xfe" + R"("})", 400, "");
}

TEST_F(ServerInputTest, OversizeBodyGets413) {
  std::string big = R"({"kind":"government","name":")" + std::string(100000, 'x') + R"("})";
  ExpectRejectedAndUnchanged("POST", "/api/v1/orgs", big, 413, "");
}

TEST_F(ServerInputTest, BadIdsNameThePathParameter) {
  ExpectProblem(session_->Call("GET", "/api/v1/orgs/abc"), 400, "id");
  ExpectProblem(session_->Call("GET", "/api/v1/orgs/0"), 400, "id");
  ExpectProblem(session_->Call("GET", "/api/v1/orgs/99999999999999999999"), 400, "id");
  ExpectProblem(session_->Call("GET", "/api/v1/orgs/987654"), 404, "");
}

TEST_F(ServerInputTest, BadUsccCheckCharacterIsRejected) {
  // 91350100M000100Y43 is valid; changing its last character breaks the check character.
  ExpectRejectedAndUnchanged(
      "POST", "/api/v1/orgs",
      R"({"kind":"enterprise","name":"示例企业（合成）","uscc":"91350100M000100Y44"})", 400,
      "uscc");
}

TEST_F(ServerInputTest, SqlAndHtmlInTextAreStoredVerbatimAndServedAsJson) {
  const std::string name = "Robert'); DROP TABLE orgs;-- <script>alert('x')</script> 部门";
  boost::json::object body{{"kind", "government"}, {"name", name}};
  auto created = session_->Call("POST", "/api/v1/orgs", boost::json::serialize(body));
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = boost::json::parse(created.body).at("id").as_int64();
  auto got = session_->Call("GET", "/api/v1/orgs/" + std::to_string(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(boost::json::parse(got.body).at("name").as_string(), name);
  EXPECT_NE(got.headers.at("content-type").find("application/json"), std::string::npos);
  EXPECT_EQ(got.headers.at("x-content-type-options"), "nosniff");
  EXPECT_GT(Counts().second, 0);  // the orgs table survived
}

TEST_F(ServerInputTest, CsrfTokenIsRequiredForCookieWrites) {
  auto before = Counts();
  auto r = HttpCall(server_->port(), "POST", "/api/v1/orgs",
                    R"({"kind":"government","name":"无令牌"})", {{"Cookie", "kechan_session=x"}});
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);
  EXPECT_EQ(Counts(), before);
}

TEST_F(ServerInputTest, AnonymousCannotCreateOrgs) {
  auto r =
      HttpCall(server_->port(), "POST", "/api/v1/orgs", R"({"kind":"government","name":"匿名"})");
  ExpectProblem(r, 401, "");
}

TEST_F(ServerInputTest, HealthzMetricsAndOpenApiAnswer) {
  auto h = HttpCall(server_->port(), "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  // /metrics is for operators unless --metrics_public true.
  auto anonymous = HttpCall(server_->port(), "GET", "/metrics");
  EXPECT_EQ(anonymous.status, 401);
  auto m = session_->Call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("http_requests_total"), std::string::npos);
  ServerProcess open_metrics({"--data", data_->path(), "--metrics_public", "true"});
  ASSERT_TRUE(open_metrics.started()) << open_metrics.Stderr();
  EXPECT_EQ(HttpCall(open_metrics.port(), "GET", "/metrics").status, 200);
  auto o = HttpCall(server_->port(), "GET", "/api/v1/openapi.json");
  ASSERT_EQ(o.status, 200);
  auto doc = boost::json::parse(o.body).as_object();
  EXPECT_TRUE(doc.at("paths").as_object().contains("/api/v1/orgs/{id}"));
  EXPECT_TRUE(doc.at("paths").as_object().contains("/api/v1/calendar/days"));
}

}  // namespace
}  // namespace kechan::testing
