// The policy toolkit through the real binary on demo data: `kechan policy list|eval|match` and the
// HTTP path — which policies fit an enterprise, which enterprises fit a policy (with counts of
// unknowns), a draft rule previewed, one-click and full applications through their workflow, a
// 免申即享 benefit created on publishing and granted, and bad input answered 4xx naming the field
// with nothing changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <utility>

#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

namespace json = boost::json;

constexpr char kPassword[] = "kechan-demo";

json::object Obj(const std::string& text) { return json::parse(text).as_object(); }

// ---- CLI --------------------------------------------------------------------------------------

class PolicyCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = RunCli({"demo", "--data", dir_->path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  // Returns the id of the policy with `code` from `kechan policy list --json`.
  static int64_t PolicyId(const std::string& code) {
    auto r = RunCli({"policy", "list", "--data", dir_->path(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const json::object listed = Obj(r.out);
    for (const auto& p : listed.at("policies").as_array()) {
      if (p.at("code").as_string() == code) return p.at("id").as_int64();
    }
    ADD_FAILURE() << "no policy " << code << " in " << r.out;
    return 0;
  }
  static TempDir* dir_;
};
TempDir* PolicyCliTest::dir_ = nullptr;

TEST_F(PolicyCliTest, ListShowsTheDemoPoliciesWithStatusModeAndCategory) {
  auto r = RunCli({"policy", "list", "--data", dir_->path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object o = Obj(r.out);
  EXPECT_EQ(o.at("total").as_int64(), 5);
  std::map<std::string, json::object> by_code;
  for (const auto& p : o.at("policies").as_array()) {
    by_code[std::string(p.at("code").as_string())] = p.as_object();
  }
  ASSERT_TRUE(by_code.contains("CD-ZJTX-2026"));
  EXPECT_EQ(by_code["CD-ZJTX-2026"].at("status").as_string(), "published");
  EXPECT_EQ(by_code["CD-ZJTX-2026"].at("mode").as_string(), "full_application");
  EXPECT_EQ(by_code["CD-STAB-2026"].at("mode").as_string(), "no_application");
  EXPECT_EQ(by_code["CD-SCENE-2026"].at("category").as_string(), "scenarios");
  EXPECT_EQ(by_code["CD-PILOT-2027"].at("status").as_string(), "draft");
}

// The demo's policies and facts are dated relative to the day it is generated (policy/demo.h), so
// these tests evaluate on that day (the commands' default) and pass the "as_of" the first answer
// reports to the later ones: nothing here depends on the calendar date the tests run on.
TEST_F(PolicyCliTest, MatchCountsEveryEnterpriseAndTheFactsToAskAbout) {
  const int64_t zjtx = PolicyId("CD-ZJTX-2026");
  auto r = RunCli(
      {"policy", "match", "--policy", std::to_string(zjtx), "--data", dir_->path(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object o = Obj(r.out);
  const json::object& counts = o.at("counts").as_object();
  const int64_t yes = counts.at("yes").as_int64();
  const int64_t no = counts.at("no").as_int64();
  const int64_t unknown = counts.at("unknown").as_int64();
  EXPECT_GE(yes, 1);      // the demo enterprise is given facts that fit 专精特新
  EXPECT_GE(unknown, 1);  // most demo firms lack founding date / main-business share
  EXPECT_EQ(yes + no + unknown, o.at("total").as_int64());
  EXPECT_EQ(static_cast<int64_t>(o.at("items").as_array().size()), o.at("total").as_int64());
  ASSERT_FALSE(o.at("ask").as_array().empty());
  const json::object& first_ask = o.at("ask").as_array()[0].as_object();
  EXPECT_GE(first_ask.at("firms").as_int64(), 1);
  EXPECT_LE(first_ask.at("firms").as_int64(), unknown);
  // Filtering by result keeps the tally over every firm but lists only that result.
  const std::string as_of(o.at("as_of").as_string());
  auto only = RunCli({"policy", "match", "--policy", std::to_string(zjtx), "--data", dir_->path(),
                      "--as-of", as_of, "--result", "yes", "--json"});
  ASSERT_EQ(only.exit_code, 0) << only.err;
  json::object f = Obj(only.out);
  EXPECT_EQ(f.at("total").as_int64(), yes);
  for (const auto& item : f.at("items").as_array()) {
    EXPECT_EQ(item.at("result").as_string(), "yes");
  }
}

TEST_F(PolicyCliTest, EvalGivesAReasonPerClauseForAFittingEnterprise) {
  const int64_t zjtx = PolicyId("CD-ZJTX-2026");
  auto m = RunCli({"policy", "match", "--policy", std::to_string(zjtx), "--data", dir_->path(),
                   "--result", "yes", "--json"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const json::object matched = Obj(m.out);
  const std::string as_of(matched.at("as_of").as_string());
  const json::array& fits = matched.at("items").as_array();
  ASSERT_FALSE(fits.empty());
  const int64_t firm = fits[0].at("enterprise_id").as_int64();
  auto r = RunCli({"policy", "eval", "--enterprise", std::to_string(firm), "--data", dir_->path(),
                   "--as-of", as_of, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object o = Obj(r.out);
  EXPECT_EQ(o.at("enterprise_id").as_int64(), firm);
  bool found = false;
  for (const auto& p : o.at("policies").as_array()) {
    if (p.at("policy").at("code").as_string() != "CD-ZJTX-2026") continue;
    found = true;
    EXPECT_EQ(p.at("result").as_string(), "yes");
    const json::array& clauses = p.at("clauses").at("children").as_array();
    EXPECT_GE(clauses.size(), 3u);
    for (const auto& c : clauses) {
      EXPECT_FALSE(c.at("reason_zh").as_string().empty());
      EXPECT_EQ(c.at("result").as_string(), "yes");
    }
  }
  EXPECT_TRUE(found) << r.out;
  // The plain output has one line per policy in force (4 published, all in force on the date).
  auto plain = RunCli({"policy", "eval", "--enterprise", std::to_string(firm), "--data",
                       dir_->path(), "--as-of", as_of});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(std::count(plain.out.begin(), plain.out.end(), '\n'), 4) << plain.out;
}

TEST_F(PolicyCliTest, BadInputExitsTwoNamingTheFlag) {
  auto r = RunCli({"policy", "match", "--policy", "abc", "--data", dir_->path()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--policy"), std::string::npos) << r.err;
  r = RunCli({"policy", "match", "--policy", "1", "--data", dir_->path(), "--result", "maybe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--result"), std::string::npos) << r.err;
  r = RunCli(
      {"policy", "eval", "--enterprise", "1", "--data", dir_->path(), "--as-of", "2026-13-45"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--as-of"), std::string::npos) << r.err;
  r = RunCli({"policy", "eval", "--data", dir_->path()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--enterprise"), std::string::npos) << r.err;
  r = RunCli({"policy", "match", "--policy", "999999", "--data", dir_->path()});
  EXPECT_EQ(r.exit_code, 2);  // not found
  EXPECT_NE(r.err.find("policy_id"), std::string::npos) << r.err;
  r = RunCli({"policy", "frobnicate", "--data", dir_->path()});
  EXPECT_EQ(r.exit_code, 2);
  // Nothing changed: the list is as before.
  auto list = RunCli({"policy", "list", "--data", dir_->path(), "--json"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(Obj(list.out).at("total").as_int64(), 5);
}

// ---- HTTP -------------------------------------------------------------------------------------

class PolicyHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir();
    auto demo = RunCli({"demo", "--data", data_->path()});
    ASSERT_EQ(demo.exit_code, 0) << demo.err;
    server_ = new ServerProcess({"--data", data_->path()});
    ASSERT_TRUE(server_->started()) << server_->Stderr();
    op_ = new Session(server_->port());
    ASSERT_EQ(op_->SignIn("demo-operator", kPassword), 200);
    officer_ = new Session(server_->port());
    ASSERT_EQ(officer_->SignIn("demo-officer", kPassword), 200);
    firm_ = new Session(server_->port());
    ASSERT_EQ(firm_->SignIn("demo-enterprise", kPassword), 200);
  }
  static void TearDownTestSuite() {
    delete firm_;
    delete officer_;
    delete op_;
    delete server_;
    delete data_;
  }

  // The demo enterprise user's firm: {"id","name","district"}.
  static json::object MyFirm() {
    auto r = firm_->Call("GET", "/api/v1/policy/my-enterprises");
    EXPECT_EQ(r.status, 200) << r.body;
    const json::object body = Obj(r.body);
    const json::array& items = body.at("items").as_array();
    EXPECT_FALSE(items.empty());
    return items.empty() ? json::object() : items[0].as_object();
  }

  // Creates and publishes (as the operator) a policy whose rule is "district in [district]",
  // open-ended from 2026-01-01 so it is in force whenever the test runs. Returns
  // {"id", "benefits_created"}.
  static std::pair<int64_t, int64_t> MakePolicy(const std::string& code, const std::string& mode,
                                                const std::string& district,
                                                const std::string& fields = "[]") {
    auto c = op_->Call("POST", "/api/v1/policies",
                       R"({"code":")" + code + R"(","title":")" + code +
                           R"( 测试政策","department":"市经信局","category":"cut_costs","mode":")" +
                           mode + R"("})");
    EXPECT_EQ(c.status, 201) << c.body;
    const int64_t id = Obj(c.body).at("id").as_int64();
    auto v =
        op_->Call("POST", "/api/v1/policies/" + std::to_string(id) + "/versions",
                  R"({"effective_from":"2026-01-01","rule":{"all":[{"fact":"district","in":[")" +
                      district + R"("]}]},"benefit_zh":"补贴 1 万元","amount":"10000",)" +
                      R"("fields":)" + fields + "}");
    EXPECT_EQ(v.status, 201) << v.body;
    const int64_t version = Obj(v.body).at("id").as_int64();
    auto p = op_->Call("POST", "/api/v1/policies/" + std::to_string(id) + "/versions/" +
                                   std::to_string(version) + "/publish");
    EXPECT_EQ(p.status, 200) << p.body;
    return {id, Obj(p.body).at("benefits_created").as_int64()};
  }

  static HttpResponse Act(Session* who, int64_t app, const std::string& action,
                          const std::string& body = "{}") {
    return who->Call(
        "POST", "/api/v1/policy-applications/" + std::to_string(app) + "/actions/" + action, body);
  }

  static int64_t Total(Session* who, const std::string& target) {
    auto r = who->Call("GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.status == 200 ? Obj(r.body).at("total").as_int64() : -1;
  }

  static void ExpectProblem(const HttpResponse& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    ASSERT_FALSE(r.body.empty());
    json::object o = Obj(r.body);
    ASSERT_TRUE(o.contains("field")) << r.body;
    EXPECT_EQ(o.at("field").as_string(), field) << r.body;
  }

  static TempDir* data_;
  static ServerProcess* server_;
  static Session* op_;
  static Session* officer_;
  static Session* firm_;
};
TempDir* PolicyHttpTest::data_ = nullptr;
ServerProcess* PolicyHttpTest::server_ = nullptr;
Session* PolicyHttpTest::op_ = nullptr;
Session* PolicyHttpTest::officer_ = nullptr;
Session* PolicyHttpTest::firm_ = nullptr;

TEST_F(PolicyHttpTest, PoliciesForMyEnterpriseCarryAResultAndReasons) {
  const json::object me = MyFirm();
  const int64_t id = me.at("id").as_int64();
  // On the server's today: the demo is dated relative to the day it was generated.
  auto r =
      firm_->Call("GET", "/api/v1/enterprises/" + std::to_string(id) + "/policies?include_no=true");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = Obj(r.body);
  const json::array& policies = o.at("policies").as_array();
  ASSERT_GE(policies.size(), 4u);
  std::map<std::string, std::string> result;
  for (const auto& p : policies) {
    result[std::string(p.at("policy").at("code").as_string())] =
        std::string(p.at("result").as_string());
    EXPECT_FALSE(p.at("clauses").at("reason_zh").as_string().empty());
  }
  // The demo enterprise is given facts that fit 专精特新 (docs: policy/demo.h).
  EXPECT_EQ(result["CD-ZJTX-2026"], "yes");
  // Yes and unknown come before no.
  bool seen_no = false;
  for (const auto& p : policies) {
    if (p.at("result").as_string() == "no") {
      seen_no = true;
    }
    if (seen_no) {
      EXPECT_EQ(p.at("result").as_string(), "no");
    }
  }
  // Another enterprise's policies are not the enterprise user's to read.
  auto other =
      firm_->Call("GET", "/api/v1/enterprises/" + std::to_string(id == 1 ? 2 : 1) + "/policies");
  EXPECT_EQ(other.status, 403) << other.body;
}

TEST_F(PolicyHttpTest, EnterprisesForAPolicyCountUnknownsAndPreviewMatchesIt) {
  auto list = officer_->Call("GET", "/api/v1/policies?q=CD-ZJTX-2026");
  ASSERT_EQ(list.status, 200) << list.body;
  const int64_t zjtx = Obj(list.body).at("items").as_array()[0].at("id").as_int64();
  auto r = officer_->Call("GET",
                          "/api/v1/policies/" + std::to_string(zjtx) + "/enterprises?page_size=5");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = Obj(r.body);
  const std::string as_of(o.at("as_of").as_string());
  const json::object& counts = o.at("counts").as_object();
  const int64_t yes = counts.at("yes").as_int64();
  const int64_t unknown = counts.at("unknown").as_int64();
  EXPECT_GE(yes, 1);
  EXPECT_GE(unknown, 1);
  EXPECT_LE(o.at("items").as_array().size(), 5u);
  EXPECT_FALSE(o.at("ask").as_array().empty());
  // The same rule previewed as a draft gives the same counts, and stores nothing.
  auto detail = officer_->Call("GET", "/api/v1/policies/" + std::to_string(zjtx));
  ASSERT_EQ(detail.status, 200);
  const json::value rule = Obj(detail.body).at("versions").as_array()[0].at("rule");
  const int64_t policies_before = Total(op_, "/api/v1/policies");
  auto preview =
      officer_->Call("POST", "/api/v1/policy-rules/preview",
                     R"({"as_of":")" + as_of + R"(","rule":)" + json::serialize(rule) + "}");
  ASSERT_EQ(preview.status, 200) << preview.body;
  json::object p = Obj(preview.body);
  EXPECT_EQ(p.at("counts").at("yes").as_int64(), yes);
  EXPECT_EQ(p.at("counts").at("unknown").as_int64(), unknown);
  EXPECT_EQ(p.at("counts").at("no").as_int64(), counts.at("no").as_int64());
  EXPECT_EQ(Total(op_, "/api/v1/policies"), policies_before);
  // Enterprises may not ask who else fits.
  auto denied = firm_->Call("GET", "/api/v1/policies/" + std::to_string(zjtx) + "/enterprises");
  EXPECT_EQ(denied.status, 403);
}

TEST_F(PolicyHttpTest, OneClickApplicationRunsTheWorkflowToDisbursed) {
  const json::object me = MyFirm();
  const int64_t firm = me.at("id").as_int64();
  auto [policy, benefits] =
      MakePolicy("IT-ONE", "one_click", std::string(me.at("district").as_string()));
  EXPECT_EQ(benefits, 0);
  auto a = firm_->Call("POST", "/api/v1/policies/" + std::to_string(policy) + "/applications",
                       R"({"enterprise_id":)" + std::to_string(firm) + R"(,"kind":"one_click"})");
  ASSERT_EQ(a.status, 201) << a.body;
  json::object app = Obj(a.body);
  EXPECT_EQ(app.at("state").as_string(), "submitted");
  EXPECT_EQ(app.at("evaluation").as_string(), "yes");
  EXPECT_EQ(app.at("fields").at("enterprise_name").as_string(), me.at("name").as_string());
  const int64_t id = app.at("id").as_int64();
  // Applying twice is a conflict naming policy_id.
  auto again =
      firm_->Call("POST", "/api/v1/policies/" + std::to_string(policy) + "/applications",
                  R"({"enterprise_id":)" + std::to_string(firm) + R"(,"kind":"one_click"})");
  ExpectProblem(again, 409, "policy_id");
  // The enterprise may not approve its own application.
  EXPECT_EQ(Act(firm_, id, "accept").status, 403);
  ASSERT_EQ(Act(officer_, id, "accept").status, 200);
  ExpectProblem(Act(officer_, id, "approve"), 400, "opinion");
  ASSERT_EQ(Act(officer_, id, "approve", R"({"opinion":"符合条件"})").status, 200);
  ExpectProblem(Act(officer_, id, "disburse", R"({"amount":"-5"})"), 400, "amount");
  auto done = Act(officer_, id, "disburse", R"({"amount":"10000"})");
  ASSERT_EQ(done.status, 200) << done.body;
  json::object final_app = Obj(done.body);
  EXPECT_EQ(final_app.at("state").as_string(), "disbursed");
  EXPECT_EQ(final_app.at("history").as_array().size(), 4u);  // submit, accept, approve, disburse
  // The enterprise sees it among its applications.
  auto mine = firm_->Call("GET", "/api/v1/policy-applications?policy=" + std::to_string(policy));
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(Obj(mine.body).at("total").as_int64(), 1);
}

TEST_F(PolicyHttpTest, FullApplicationChecksItsFieldsAndCanBeWithdrawn) {
  const json::object me = MyFirm();
  const int64_t firm = me.at("id").as_int64();
  auto [policy, benefits] =
      MakePolicy("IT-FULL", "full_application", std::string(me.at("district").as_string()),
                 R"([{"key":"contact","label_zh":"联系人","required":true},)"
                 R"({"key":"note","label_zh":"说明","required":false}])");
  const std::string path = "/api/v1/policies/" + std::to_string(policy) + "/applications";
  const std::string apps = "/api/v1/policy-applications?policy=" + std::to_string(policy);
  const std::string head = R"({"enterprise_id":)" + std::to_string(firm) + R"(,"kind":"full",)";
  ExpectProblem(firm_->Call("POST", path, head + R"("fields":{"note":"x"}})"), 400,
                "fields.contact");
  ExpectProblem(firm_->Call("POST", path, head + R"("fields":{"contact":"王","colour":"red"}})"),
                400, "fields.colour");
  ExpectProblem(
      firm_->Call("POST", path,
                  R"({"enterprise_id":)" + std::to_string(firm) + R"(,"kind":"one_click"})"),
      400, "kind");
  EXPECT_EQ(Total(officer_, apps), 0);  // nothing filed by the bad requests
  auto a = firm_->Call("POST", path, head + R"("fields":{"contact":"王经理"}})");
  ASSERT_EQ(a.status, 201) << a.body;
  json::object app = Obj(a.body);
  EXPECT_EQ(app.at("fields").at("contact").as_string(), "王经理");
  auto w = Act(firm_, app.at("id").as_int64(), "withdraw");
  ASSERT_EQ(w.status, 200) << w.body;
  EXPECT_EQ(Obj(w.body).at("state").as_string(), "withdrawn");
  // A withdrawn application does not block a new one.
  auto b = firm_->Call("POST", path, head + R"("fields":{"contact":"李经理"}})");
  EXPECT_EQ(b.status, 201) << b.body;
  EXPECT_EQ(Total(officer_, apps), 2);
}

TEST_F(PolicyHttpTest, NoApplicationPolicyGrantsABenefitWithoutApplying) {
  const json::object me = MyFirm();
  const int64_t firm = me.at("id").as_int64();
  auto [policy, benefits] =
      MakePolicy("IT-AUTO", "no_application", std::string(me.at("district").as_string()));
  EXPECT_GE(benefits, 1);  // at least the demo enterprise (every firm of its district)
  // The enterprise finds a pending benefit it never applied for.
  auto mine = firm_->Call("GET", "/api/v1/policy-applications?policy=" + std::to_string(policy));
  ASSERT_EQ(mine.status, 200) << mine.body;
  const json::object listed = Obj(mine.body);
  const json::array& items = listed.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("kind").as_string(), "auto");
  EXPECT_EQ(items[0].at("state").as_string(), "pending");
  EXPECT_EQ(items[0].at("enterprise_id").as_int64(), firm);
  const int64_t id = items[0].at("id").as_int64();
  // Applying is refused: the benefit needs no application.
  auto apply =
      firm_->Call("POST", "/api/v1/policies/" + std::to_string(policy) + "/applications",
                  R"({"enterprise_id":)" + std::to_string(firm) + R"(,"kind":"one_click"})");
  ExpectProblem(apply, 409, "policy_id");
  ASSERT_EQ(Act(officer_, id, "confirm").status, 200);
  auto paid = Act(officer_, id, "disburse", R"({"amount":"10000"})");
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(Obj(paid.body).at("state").as_string(), "disbursed");
  // Every firm of the district got one, all officers see them.
  EXPECT_EQ(
      Total(officer_, "/api/v1/policy-applications?kind=auto&policy=" + std::to_string(policy)),
      benefits);
}

TEST_F(PolicyHttpTest, BadVersionInputNamesTheFieldAndChangesNothing) {
  auto c = op_->Call("POST", "/api/v1/policies",
                     R"({"code":"IT-BAD","title":"坏输入测试","department":"市经信局",)"
                     R"("category":"platforms","mode":"one_click"})");
  ASSERT_EQ(c.status, 201) << c.body;
  const int64_t id = Obj(c.body).at("id").as_int64();
  const std::string versions = "/api/v1/policies/" + std::to_string(id) + "/versions";
  auto count_versions = [&] {
    auto d = op_->Call("GET", "/api/v1/policies/" + std::to_string(id));
    return Obj(d.body).at("versions").as_array().size();
  };
  const int64_t policies = Total(op_, "/api/v1/policies");
  ExpectProblem(op_->Call("POST", versions,
                          R"({"effective_from":"2026-01-01","benefit_zh":"x",)"
                          R"("rule":{"all":[{"fact":"revenue","op":"gte","value":"1"},)"
                          R"({"fact":"wealth","op":"gte","value":1}]}})"),
                400, "rule.all[1].fact");
  ExpectProblem(op_->Call("POST", versions,
                          R"({"effective_from":"2026-01-01","benefit_zh":"x",)"
                          R"("rule":{"fact":"revenue","op":"about","value":"1"}})"),
                400, "rule.op");
  ExpectProblem(op_->Call("POST", versions,
                          R"({"effective_from":"2026-06-01","effective_to":"2026-01-01",)"
                          R"("benefit_zh":"x","rule":{"fact":"above_size","is":true}})"),
                400, "effective_to");
  ExpectProblem(op_->Call("POST", versions,
                          R"({"effective_from":"2026-01-01","benefit_zh":"",)"
                          R"("rule":{"fact":"above_size","is":true}})"),
                400, "benefit_zh");
  ExpectProblem(op_->Call("POST", versions,
                          R"({"effective_from":"2026-01-01","benefit_zh":"x","colour":"red",)"
                          R"("rule":{"fact":"above_size","is":true}})"),
                400, "colour");
  ExpectProblem(op_->Call("POST", "/api/v1/policies",
                          R"({"code":"IT-BAD","title":"重复","department":"市经信局"})"),
                409, "code");
  ExpectProblem(officer_->Call("POST", "/api/v1/policy-rules/preview", R"({"rule":{"any":[]}})"),
                400, "rule.any");
  EXPECT_EQ(count_versions(), 0u);
  EXPECT_EQ(Total(op_, "/api/v1/policies"), policies);
  // Officers may not edit policies.
  EXPECT_EQ(officer_
                ->Call("POST", versions,
                       R"({"effective_from":"2026-01-01","benefit_zh":"x",)"
                       R"("rule":{"fact":"above_size","is":true}})")
                .status,
            403);
  EXPECT_EQ(count_versions(), 0u);
}

}  // namespace
}  // namespace kechan::testing
