#include "policy/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <map>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "chain/migrations.h"
#include "policy/migrations.h"
#include "policy/routes.h"
#include "policy/zjtx.h"
#include "store/test_schema.h"
#include "table/table.h"

namespace kechan::policy {
namespace {

namespace json = boost::json;
using base::Date;
using base::Money;

Date D(const char* s) { return Date::Parse(s).value(); }

std::string U(int n) {
  std::string digits = std::to_string(100000 + n).substr(0, 6);
  return auth::MakeUscc('9', '1', "510100", "MA" + digits).value();
}

auth::Principal Who(int64_t user, int64_t org, auth::Role role) {
  auth::Principal p;
  p.user = base::UserId{user};
  p.method = auth::AuthMethod::kSession;
  p.memberships = {{base::OrgId{org}, role}};
  return p;
}

using Backend = store::TestBackend;

// Runs on SQLite in memory (label unit) and, when KECHAN_TEST_PG names a server
// (scripts/pg-test-env), on PostgreSQL in a throwaway schema (label postgres; skipped without it
// unless KECHAN_REQUIRE_PG=1).
class PolicyServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(
        GetParam(), "kechan_policy_test", {auth::Migrations(), chain::Migrations(), Migrations()},
        base::LocalMidnight(D("2026-06-01")) + 10 * 3600LL * 1000000);
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    test_db_ = std::move(*t);
    chain_ = std::make_unique<chain::ChainService>(db(), clock());
    service_ = std::make_unique<PolicyService>(db(), *chain_, clock());
    const chain::Caller sys = chain::Caller::System("test");

    chain::Cluster cl{.code = "CD-EI", .name = "电子信息", .tier = chain::Tier::kTrillion};
    auto c = chain_->CreateCluster(sys, cl);
    ASSERT_TRUE(c.ok()) << c.status();
    chain::Chain ch;
    ch.code = "CD-AI";
    ch.name = "人工智能";
    ch.cluster_id = c->id;
    auto made = chain_->CreateChain(sys, ch);
    ASSERT_TRUE(made.ok()) << made.status();
    chain_id_ = made->id;
    chain::Node n;
    n.chain_id = chain_id_;
    n.code = "AI-CHIP";
    n.name = "芯片";
    auto node = chain_->CreateNode(sys, n);
    ASSERT_TRUE(node.ok()) << node.status();

    good_ = MakeFirm(1, "优质科技", "高新区", Money::FromYuan(25'000'000), 1);
    other_ = MakeFirm(2, "另一家公司", "高新区", Money::FromYuan(5'000'000), 2);
    gap_ = MakeFirm(3, "缺数据公司", "", Money::FromYuan(30'000'000), 0);
    chain::Link l;
    l.enterprise_id = good_;
    l.node_id = node->id;
    ASSERT_TRUE(chain_->LinkEnterprise(sys, l).ok());
    ASSERT_TRUE(
        service_
            ->SupplyFacts(sys, good_,
                          {{"founded_on", 0, "2018-05-01"}, {"main_business_share", 2025, "85"}})
            .ok());
  }

  chain::EnterpriseId MakeFirm(int n, const std::string& name, const std::string& district,
                               Money revenue_2025, int64_t org) {
    if (org > 0) {
      auto tx = db().Begin(store::TxKind::kWrite);
      EXPECT_TRUE(tx.ok());
      auto rows = (*tx)->Query(
          "INSERT INTO orgs (kind, name, created_at) VALUES ('enterprise', ?, 0) RETURNING id",
          {name});
      EXPECT_TRUE(rows.ok()) << rows.status();
      EXPECT_EQ(rows->rows.at(0).Int(0), org);
      EXPECT_TRUE((*tx)->Commit().ok());
    }
    chain::Enterprise e;
    e.uscc = U(n);
    e.name = name;
    e.district = district;
    e.above_size = true;
    if (org > 0) {
      e.org_id = base::OrgId{org};
    }
    e.revenue = {{2023, revenue_2025.MulBasisPoints(8000)},
                 {2024, revenue_2025.MulBasisPoints(9000)},
                 {2025, revenue_2025}};
    e.rd_spend = {{2025, revenue_2025.MulBasisPoints(600)}};
    e.tiers = {{.tier = chain::GradientTier::kInnovativeSme, .from = D("2024-01-01"), .to = {}}};
    auto r = chain_->CreateEnterprise(chain::Caller::System("test"), e);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->id : chain::EnterpriseId{};
  }

  // Creates and (optionally) publishes a policy with one version.
  Policy MakePolicy(const std::string& code, Mode mode, const std::string& rule, bool publish,
                    std::vector<FieldSpec> fields = {}) {
    Policy p{.code = code, .title = code + " 政策", .department = "市经信局", .mode = mode};
    auto created = service_->CreatePolicy(sys_, p);
    EXPECT_TRUE(created.ok()) << created.status();
    PolicyVersion v;
    v.policy_id = created->id;
    v.effective_from = D("2026-01-01");
    v.effective_to = D("2026-12-31");
    v.rule = ParseRule(rule).value();
    v.benefit_zh = "补贴";
    v.fields = std::move(fields);
    auto version = service_->AddVersion(sys_, v);
    EXPECT_TRUE(version.ok()) << version.status();
    version_ = version->id;
    if (publish) {
      auto r = service_->Publish(sys_, created->id, version->id);
      EXPECT_TRUE(r.ok()) << r.status();
      created->status = PolicyStatus::kPublished;
    }
    return *created;
  }

  int64_t Count(const std::string& sql) {
    auto tx = db().Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows->rows.at(0).Int(0);
  }

  void TearDown() override {
    service_.reset();
    chain_.reset();
    base::Status closed = test_db_.Close();
    EXPECT_TRUE(closed.ok()) << closed;
  }

  store::Database& db() { return test_db_.db(); }
  base::FakeClock& clock() { return test_db_.clock(); }

  std::vector<int64_t> Fingerprint() {
    return {Count("SELECT COUNT(*) FROM events"), Count("SELECT COUNT(*) FROM policy_policies"),
            Count("SELECT COUNT(*) FROM policy_versions"),
            Count("SELECT COUNT(*) FROM policy_applications"),
            Count("SELECT COUNT(*) FROM policy_enterprise_facts")};
  }

  store::TestDatabase test_db_;  // PostgreSQL: a throwaway schema, dropped in TearDown
  std::unique_ptr<chain::ChainService> chain_;
  std::unique_ptr<PolicyService> service_;
  Caller sys_ = Caller::System("test");
  chain::ChainId chain_id_;
  chain::EnterpriseId good_;
  chain::EnterpriseId other_;
  chain::EnterpriseId gap_;
  VersionId version_;
  auth::Principal officer_ = Who(50, 90, auth::Role::kOfficer);
  auth::Principal firm_ = Who(51, 1, auth::Role::kEnterprise);
  auth::Principal other_firm_ = Who(52, 2, auth::Role::kEnterprise);
};

TEST_P(PolicyServiceTest, PoliciesForOwnEnterpriseGiveAReasonPerClause) {
  MakePolicy("ZJTX", Mode::kFullApplication, ZjtxRuleJson(), true);
  auto fits = service_->PoliciesFor(Caller::Of(firm_), good_, D("2026-06-01"));
  ASSERT_TRUE(fits.ok()) << fits.status();
  ASSERT_EQ(fits->size(), 1u);
  EXPECT_EQ((*fits)[0].evaluation.result, Tri::kYes);
  EXPECT_EQ((*fits)[0].evaluation.root.children.size(), 6u);
  EXPECT_FALSE((*fits)[0].evaluation.root.children[1].reason_zh.empty());
  // Another enterprise's member may not look.
  auto denied = service_->PoliciesFor(Caller::Of(other_firm_), good_, D("2026-06-01"));
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
}

TEST_P(PolicyServiceTest, EnterprisesForCountsYesNoUnknownAndFactsToAsk) {
  Policy p = MakePolicy("ZJTX", Mode::kFullApplication, ZjtxRuleJson(), true);
  auto r = service_->EnterprisesFor(Caller::Of(officer_), p.id, D("2026-06-01"), {}, {1, 20});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tally.yes, 1);      // good_
  EXPECT_EQ(r->tally.no, 1);       // other_: revenue 5M
  EXPECT_EQ(r->tally.unknown, 1);  // gap_: no founding date, no main-business share
  EXPECT_EQ(r->tally.ask["founded_on"], 1);
  EXPECT_EQ(r->tally.ask["main_business_share:2025"], 1);
  EXPECT_EQ(r->items.front().enterprise_id, good_.value);
  auto only_unknown = service_->EnterprisesFor(Caller::Of(officer_), p.id, D("2026-06-01"),
                                               {.result = Tri::kUnknown}, {1, 20});
  ASSERT_TRUE(only_unknown.ok());
  ASSERT_EQ(only_unknown->items.size(), 1u);
  EXPECT_EQ(only_unknown->items[0].enterprise_id, gap_.value);
  EXPECT_EQ(service_->EnterprisesFor(Caller::Of(firm_), p.id, D("2026-06-01"), {}, {1, 20})
                .status()
                .code(),
            base::Code::kPermissionDenied);
  // Answering the facts settles the unknown.
  ASSERT_TRUE(
      service_
          ->SupplyFacts(Caller::Of(officer_), gap_,
                        {{"founded_on", 0, "2015-01-01"}, {"main_business_share", 2025, "90"}})
          .ok());
  auto after = service_->EnterprisesFor(Caller::Of(officer_), p.id, D("2026-06-01"), {}, {1, 20});
  EXPECT_EQ(after->tally.unknown, 0);
}

// Matching counts on verdicts only and renders reasons for the page's firms: every count, every
// item's result and facts to ask about, and the page's reasons equal a full evaluation's.
TEST_P(PolicyServiceTest, MatchAndPreviewCountAsTheFullEvaluationAndPagesKeepReasons) {
  Policy p = MakePolicy("ZJTX", Mode::kFullApplication, ZjtxRuleJson(), true);
  const Rule rule = ParseRule(ZjtxRuleJson()).value();
  const Date on = D("2026-06-01");
  auto facts = service_->AllFacts();
  ASSERT_TRUE(facts.ok()) << facts.status();
  ASSERT_EQ(facts->size(), 3u);
  MatchTally expected;
  std::map<int64_t, Evaluation> full;
  for (const auto& f : *facts) {
    full[f.enterprise_id] = Evaluate(rule, f, on, Detail::kFull);
    AddToTally(full[f.enterprise_id], &expected);
  }
  size_t seen = 0;
  for (int64_t page = 1; page <= 2; ++page) {
    auto r = service_->EnterprisesFor(Caller::Of(officer_), p.id, on, {}, {page, 2});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->total, 3);
    EXPECT_EQ(r->tally.yes, expected.yes);
    EXPECT_EQ(r->tally.no, expected.no);
    EXPECT_EQ(r->tally.unknown, expected.unknown);
    EXPECT_EQ(r->tally.ask, expected.ask);
    for (const auto& item : r->items) {
      const Evaluation& e = full.at(item.enterprise_id);
      EXPECT_EQ(item.result, e.result);
      EXPECT_EQ(item.missing, e.missing);
      EXPECT_FALSE(item.reason_en.empty());
      EXPECT_EQ(item.reason_en, e.root.reason_en);
      EXPECT_EQ(item.reason_zh, e.root.reason_zh);
      ++seen;
    }
  }
  EXPECT_EQ(seen, 3u);
  auto preview = service_->PreviewRule(Caller::Of(officer_), rule, on);
  ASSERT_TRUE(preview.ok()) << preview.status();
  EXPECT_EQ(preview->tally.yes, expected.yes);
  EXPECT_EQ(preview->tally.no, expected.no);
  EXPECT_EQ(preview->tally.unknown, expected.unknown);
  EXPECT_EQ(preview->tally.ask, expected.ask);
  EXPECT_EQ(expected.yes + expected.no + expected.unknown, 3);
  EXPECT_EQ(expected.unknown, 1);
}

TEST_P(PolicyServiceTest, PublishingNoApplicationPolicyCreatesOnePendingBenefitPerEligibleFirm) {
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  Policy p =
      MakePolicy("STAB", Mode::kNoApplication,
                 R"({"fact":"revenue","op":"gte","value":"20000000","year_offset":-1})", true);
  // good_ (25M) and gap_ (30M) fit; other_ (5M) does not.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM policy_applications WHERE kind = 'auto' AND state = "
                  "'pending'"),
            2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'policy.benefit.created'"), 2);
  EXPECT_GT(Count("SELECT COUNT(*) FROM events"), events + 2);
  // Officers confirm, then disburse.
  auto list = service_->ListApplications(Caller::Of(officer_), {.policy_id = p.id}, {1, 20});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 2u);
  auto confirmed = service_->Act(Caller::Of(officer_), list->items[0].id, "confirm", {});
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(confirmed->state, "confirmed");
  auto paid =
      service_->Act(Caller::Of(officer_), list->items[0].id, "disburse", {{"amount", "12000"}});
  ASSERT_TRUE(paid.ok()) << paid.status();
  EXPECT_EQ(paid->state, "disbursed");
  // An enterprise cannot apply for a 免申即享 policy.
  auto apply =
      service_->Apply(Caller::Of(other_firm_), p.id, other_, ApplicationKind::kOneClick, {});
  EXPECT_EQ(apply.status().reason(), "policy.mode");
}

TEST_P(PolicyServiceTest, OneClickApplicationRunsTheWorkflow) {
  Policy p = MakePolicy("SCENE", Mode::kOneClick,
                        R"({"fact":"chain","in":[)" + chain_id_.ToString() + "]}", true);
  auto a = service_->Apply(Caller::Of(firm_), p.id, good_, ApplicationKind::kOneClick, {});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->state, "submitted");
  EXPECT_EQ(a->fields.at("revenue_2025"), "25000000.00");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'policy.application.submitted'"), 1);
  // The enterprise cannot accept its own application.
  EXPECT_EQ(service_->Act(Caller::Of(firm_), a->id, "accept", {}).status().code(),
            base::Code::kPermissionDenied);
  ASSERT_TRUE(service_->Act(Caller::Of(officer_), a->id, "accept", {}).ok());
  auto missing = service_->Act(Caller::Of(officer_), a->id, "approve", {});
  EXPECT_EQ(missing.status().field(), "opinion");
  ASSERT_TRUE(service_->Act(Caller::Of(officer_), a->id, "approve", {{"opinion", "同意"}}).ok());
  auto done = service_->Act(Caller::Of(officer_), a->id, "disburse", {{"amount", "100000"}});
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, "disbursed");
  EXPECT_NE(done->history_json.find("approve"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'policy.application.disbursed'"), 1);
  // other_ is not on the chain: "no" -> not eligible.
  auto no = service_->Apply(Caller::Of(other_firm_), p.id, other_, ApplicationKind::kOneClick, {});
  EXPECT_EQ(no.status().reason(), "policy.not_eligible");
}

TEST_P(PolicyServiceTest, FullApplicationChecksFieldsAndOnlyOwnEnterpriseApplies) {
  Policy p = MakePolicy("FULL", Mode::kFullApplication, R"({"fact":"above_size","is":true})", true,
                        {{.key = "contact", .label_zh = "联系人", .label_en = "Contact"}});
  auto missing = service_->Apply(Caller::Of(firm_), p.id, good_, ApplicationKind::kFull, {});
  EXPECT_EQ(missing.status().field(), "fields.contact");
  auto foreign = service_->Apply(Caller::Of(other_firm_), p.id, good_, ApplicationKind::kFull,
                                 {{"contact", "李四"}});
  EXPECT_EQ(foreign.status().code(), base::Code::kPermissionDenied);
  auto ok = service_->Apply(Caller::Of(firm_), p.id, good_, ApplicationKind::kFull,
                            {{"contact", "张三"}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  // After a withdrawal the enterprise may apply again.
  ASSERT_TRUE(service_->Act(Caller::Of(firm_), ok->id, "withdraw", {}).ok());
  EXPECT_TRUE(
      service_->Apply(Caller::Of(firm_), p.id, good_, ApplicationKind::kFull, {{"contact", "张三"}})
          .ok());
}

TEST_P(PolicyServiceTest, PublishedVersionsAreFrozenAndMayNotOverlap) {
  Policy p = MakePolicy("VER", Mode::kOneClick, R"({"fact":"above_size","is":true})", true);
  PolicyVersion v;
  v.id = version_;
  v.policy_id = p.id;
  v.effective_from = D("2026-01-01");
  v.rule = ParseRule(R"({"fact":"above_size","is":false})").value();
  v.benefit_zh = "x";
  EXPECT_EQ(service_->UpdateVersion(sys_, v).status().reason(), "policy.version_published");
  v.effective_from = D("2026-06-01");
  auto second = service_->AddVersion(sys_, v);
  ASSERT_TRUE(second.ok());
  const auto before = Fingerprint();
  auto overlap = service_->Publish(sys_, p.id, second->id);
  EXPECT_EQ(overlap.status().field(), "effective_from");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyServiceTest, BulkFactsLoadTheSameFactsAsThePerEnterprisePath) {
  auto bulk = service_->AllFacts(FactsLoad::kBulk);
  auto each = service_->AllFacts(FactsLoad::kPerEnterprise);
  ASSERT_TRUE(bulk.ok()) << bulk.status();
  ASSERT_TRUE(each.ok()) << each.status();
  ASSERT_EQ(bulk->size(), 3u);
  ASSERT_EQ(bulk->size(), each->size());
  for (size_t i = 0; i < bulk->size(); ++i) {
    const EnterpriseFacts& a = (*bulk)[i];
    const EnterpriseFacts& b = (*each)[i];
    EXPECT_EQ(a.enterprise_id, b.enterprise_id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.district, b.district);
    EXPECT_EQ(a.org_id, b.org_id);
    EXPECT_EQ(a.revenue, b.revenue);
    EXPECT_EQ(a.rd_spend, b.rd_spend);
    EXPECT_EQ(a.tiers.size(), b.tiers.size());
    ASSERT_EQ(a.links.size(), b.links.size());
    for (size_t j = 0; j < a.links.size(); ++j) {
      EXPECT_EQ(a.links[j].node_id, b.links[j].node_id);
      EXPECT_EQ(a.links[j].chain_id, b.links[j].chain_id);
    }
    EXPECT_EQ(a.founded_on, b.founded_on);
    EXPECT_EQ(a.main_business_share, b.main_business_share);
  }
  const EnterpriseFacts& good = (*bulk)[0];
  EXPECT_EQ(good.enterprise_id, good_.value);
  ASSERT_EQ(good.links.size(), 1u);
  EXPECT_EQ(good.links[0].chain_id, chain_id_.value);
  EXPECT_EQ(good.revenue.at(2025), Money::FromYuan(25'000'000));
  ASSERT_EQ(good.tiers.size(), 1u);
  ASSERT_TRUE(good.founded_on.has_value());
  EXPECT_TRUE((*bulk)[1].links.empty());
}

TEST_P(PolicyServiceTest, ChainBatchesByIdKeepEachFirmsLinksAndYears) {
  const chain::Caller sys = chain::Caller::System("test");
  std::vector<int64_t> seen;
  chain::EnterpriseId after{0};
  for (int round = 0; round < 10; ++round) {
    auto batch = chain_->EnterpriseDetailsAfter(sys, after, 1);
    ASSERT_TRUE(batch.ok()) << batch.status();
    if (batch->empty()) {
      break;
    }
    ASSERT_EQ(batch->size(), 1u);
    const chain::EnterpriseDetail& d = batch->front();
    seen.push_back(d.enterprise.id.value);
    EXPECT_EQ(d.links.size(), d.enterprise.id == good_ ? 1u : 0u);
    EXPECT_EQ(d.enterprise.revenue.size(), 3u);
    after = d.enterprise.id;
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{good_.value, other_.value, gap_.value}));
  EXPECT_EQ(chain_->EnterpriseDetailsAfter(sys, {}, 0).status().field(), "limit");
  EXPECT_EQ(chain_->EnterpriseDetailsAfter(chain::Caller::Of(firm_), {}, 10).status().code(),
            base::Code::kPermissionDenied);
}

TEST_P(PolicyServiceTest, PreviewCountsADraftRuleWithoutStoringAnything) {
  const auto before = Fingerprint();
  auto rule = ParseRule(ZjtxRuleJson());
  ASSERT_TRUE(rule.ok());
  auto p = service_->PreviewRule(Caller::Of(officer_), *rule, D("2026-06-01"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tally.yes, 1);
  EXPECT_EQ(p->tally.no, 1);
  EXPECT_EQ(p->tally.unknown, 1);
  EXPECT_EQ(p->tally.ask["founded_on"], 1);
  EXPECT_EQ(Fingerprint(), before);
  EXPECT_EQ(service_->PreviewRule(Caller::Of(firm_), *rule, D("2026-06-01")).status().code(),
            base::Code::kPermissionDenied);
}

// ---- routes -------------------------------------------------------------------------------

class PolicyRoutesTest : public PolicyServiceTest {
 protected:
  void SetUp() override {
    PolicyServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    RegisterRoutes(router_, *service_);
    operator_ = Who(60, 91, auth::Role::kOperator);
  }

  base::Result<http::Response> Call(http::Method method, const std::string& path,
                                    const auth::Principal& who,
                                    std::map<std::string, std::string> query = {},
                                    std::string body = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.body = std::move(body);
    req.principal = who;
    return router_.Invoke(std::move(req));
  }

  int64_t CreateDraftPolicy() {
    auto r = Call(http::Method::kPost, "/api/v1/policies", operator_, {},
                  R"({"code":"R-1","title":"路由政策","department":"市经信局",)"
                  R"("category":"expand_markets","mode":"one_click"})");
    EXPECT_TRUE(r.ok()) << r.status();
    return json::parse(r->body).at("id").as_int64();
  }

  http::Router router_;
  auth::Principal operator_;
};

TEST_P(PolicyRoutesTest, MalformedRuleJsonNamesTheFieldAndChangesNothing) {
  const int64_t id = CreateDraftPolicy();
  const std::string path = "/api/v1/policies/" + std::to_string(id) + "/versions";
  const auto before = Fingerprint();
  auto bad = Call(
      http::Method::kPost, path, operator_, {},
      R"({"effective_from":"2026-01-01","benefit_zh":"x","rule":{"all":[{"fact":"revenue","op":"gte"}]}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "rule.all[0].value");
  auto not_object = Call(http::Method::kPost, path, operator_, {},
                         R"({"effective_from":"2026-01-01","benefit_zh":"x","rule":[1]})");
  EXPECT_EQ(not_object.status().field(), "rule");
  auto body = Call(http::Method::kPost, path, operator_, {}, R"({"rule": )");
  EXPECT_EQ(body.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(body.status().field(), "body");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyRoutesTest, UnknownFactNamesThePath) {
  const int64_t id = CreateDraftPolicy();
  const auto before = Fingerprint();
  auto bad = Call(
      http::Method::kPost, "/api/v1/policies/" + std::to_string(id) + "/versions", operator_, {},
      R"({"effective_from":"2026-01-01","benefit_zh":"x",)"
      R"("rule":{"any":[{"fact":"district","in":["高新区"]},{"fact":"profit","op":"gte","value":1}]}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "rule.any[1].fact");
  EXPECT_EQ(bad.status().reason(), "policy.rule.unknown_fact");
  auto check = Call(http::Method::kPost, "/api/v1/policy-rules/check", operator_, {},
                    R"({"rule":{"fact":"profit"}})");
  EXPECT_EQ(check.status().field(), "rule.fact");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyRoutesTest, DatesOutOfOrderNameEffectiveTo) {
  const int64_t id = CreateDraftPolicy();
  const auto before = Fingerprint();
  auto bad = Call(http::Method::kPost, "/api/v1/policies/" + std::to_string(id) + "/versions",
                  operator_, {},
                  R"({"effective_from":"2026-06-01","effective_to":"2026-01-31","benefit_zh":"x",)"
                  R"("rule":{"fact":"above_size","is":true}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "effective_to");
  EXPECT_EQ(bad.status().reason(), "policy.date_order");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyRoutesTest, ApplyingTwiceIsAConflictNamingPolicyId) {
  Policy p = MakePolicy("TWICE", Mode::kOneClick, R"({"fact":"above_size","is":true})", true);
  const std::string path = "/api/v1/policies/" + p.id.ToString() + "/applications";
  const std::string body = R"({"enterprise_id":)" + good_.ToString() + R"(,"kind":"one_click"})";
  auto first = Call(http::Method::kPost, path, firm_, {}, body);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 201);
  const auto before = Fingerprint();
  auto again = Call(http::Method::kPost, path, firm_, {}, body);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(again.status().field(), "policy_id");
  EXPECT_EQ(again.status().reason(), "policy.already_applied");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyRoutesTest, ApplyingToAnUnpublishedPolicyIsRefused) {
  Policy p = MakePolicy("DRAFT", Mode::kOneClick, R"({"fact":"above_size","is":true})", false);
  const auto before = Fingerprint();
  auto r = Call(http::Method::kPost, "/api/v1/policies/" + p.id.ToString() + "/applications", firm_,
                {}, R"({"enterprise_id":)" + good_.ToString() + R"(,"kind":"one_click"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().field(), "policy_id");
  EXPECT_EQ(r.status().reason(), "policy.not_published");
  auto bad_kind = Call(http::Method::kPost, "/api/v1/policies/" + p.id.ToString() + "/applications",
                       firm_, {}, R"({"enterprise_id":)" + good_.ToString() + R"(,"kind":"auto"})");
  EXPECT_EQ(bad_kind.status().field(), "kind");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyRoutesTest, EnterpriseCannotReadAnothersApplications) {
  Policy p = MakePolicy("PRIV", Mode::kOneClick, R"({"fact":"above_size","is":true})", true);
  auto a = service_->Apply(Caller::Of(firm_), p.id, good_, ApplicationKind::kOneClick, {});
  ASSERT_TRUE(a.ok());
  const auto before = Fingerprint();
  auto one =
      Call(http::Method::kGet, "/api/v1/policy-applications/" + a->id.ToString(), other_firm_);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.status().code(), base::Code::kPermissionDenied);
  auto list = Call(http::Method::kGet, "/api/v1/policy-applications", other_firm_,
                   {{"enterprise", good_.ToString()}});
  EXPECT_EQ(list.status().code(), base::Code::kPermissionDenied);
  auto mine = Call(http::Method::kGet, "/api/v1/policy-applications", other_firm_);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(json::parse(mine->body).at("total").as_int64(), 0);
  auto act =
      Call(http::Method::kPost,
           "/api/v1/policy-applications/" + a->id.ToString() + "/actions/withdraw", other_firm_);
  EXPECT_EQ(act.status().code(), base::Code::kPermissionDenied);
  auto own = Call(http::Method::kGet, "/api/v1/policy-applications", firm_);
  EXPECT_EQ(json::parse(own->body).at("total").as_int64(), 1);
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyRoutesTest, MatchExportsCsvAndXlsx) {
  Policy p = MakePolicy("EXP", Mode::kOneClick, ZjtxRuleJson(), true);
  const std::string path = "/api/v1/policies/" + p.id.ToString() + "/enterprises";
  auto j = Call(http::Method::kGet, path, officer_, {{"as_of", "2026-06-01"}});
  ASSERT_TRUE(j.ok()) << j.status();
  json::value body = json::parse(j->body);
  EXPECT_EQ(body.at("counts").at("yes").as_int64(), 1);
  EXPECT_EQ(body.at("counts").at("unknown").as_int64(), 1);
  EXPECT_EQ(body.at("ask").as_array().size(), 2u);
  auto csv = Call(http::Method::kGet, path, officer_, {{"as_of", "2026-06-01"}, {"format", "csv"}});
  ASSERT_TRUE(csv.ok());
  auto table = table::ReadCsv(csv->body);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->rows.size(), 3u);
  EXPECT_EQ(table->rows[0][3], "yes");
  auto xlsx = Call(http::Method::kGet, path, officer_, {{"format", "xlsx"}});
  ASSERT_TRUE(xlsx.ok());
  auto sheet = table::ReadXlsx(xlsx->body);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  EXPECT_EQ(sheet->rows.size(), 3u);
  auto bad = Call(http::Method::kGet, path, officer_, {{"result", "maybe"}});
  EXPECT_EQ(bad.status().field(), "result");
}

TEST_P(PolicyRoutesTest, PreviewRouteCountsAndNamesTheBadClause) {
  const auto before = Fingerprint();
  auto ok = Call(http::Method::kPost, "/api/v1/policy-rules/preview", officer_, {},
                 R"({"rule":{"all":[{"fact":"revenue","op":"gte","value":"10000000"}]},)"
                 R"("as_of":"2026-06-01"})");
  ASSERT_TRUE(ok.ok()) << ok.status();
  json::value body = json::parse(ok->body);
  EXPECT_EQ(body.at("counts").at("yes").as_int64(), 2);  // good_ 25M, gap_ 30M
  EXPECT_EQ(body.at("counts").at("no").as_int64(), 1);   // other_ 5M
  EXPECT_EQ(body.at("total").as_int64(), 3);
  auto bad = Call(http::Method::kPost, "/api/v1/policy-rules/preview", officer_, {},
                  R"({"rule":{"all":[{"fact":"revenue","op":"gte","value":"1"},)"
                  R"({"fact":"wealth","op":"gte","value":1}]}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "rule.all[1].fact");
  auto bad_date = Call(http::Method::kPost, "/api/v1/policy-rules/preview", officer_, {},
                       R"({"rule":{"fact":"above_size","is":true},"as_of":"2026-13-01"})");
  EXPECT_EQ(bad_date.status().field(), "as_of");
  auto firm = Call(http::Method::kPost, "/api/v1/policy-rules/preview", firm_, {},
                   R"({"rule":{"fact":"above_size","is":true}})");
  EXPECT_EQ(firm.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(PolicyRoutesTest, FactCatalogueListsEveryFactWithItsKind) {
  auto r = Call(http::Method::kGet, "/api/v1/policy-rules/facts", firm_);
  ASSERT_TRUE(r.ok()) << r.status();
  json::value body = json::parse(r->body);
  const json::array& facts = body.at("facts").as_array();
  ASSERT_EQ(facts.size(), 15u);
  EXPECT_EQ(facts[0].at("fact").as_string(), "revenue");
  EXPECT_EQ(facts[0].at("kind").as_string(), "money");
  EXPECT_TRUE(facts[0].at("window").as_bool());
  EXPECT_EQ(facts[8].at("fact").as_string(), "gradient_tier");
  EXPECT_TRUE(facts[8].at("dated").as_bool());
  EXPECT_EQ(body.at("ops").as_array().size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, PolicyServiceTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, PolicyServiceTest, ::testing::Values(Backend::kPostgres));
INSTANTIATE_TEST_SUITE_P(Sqlite, PolicyRoutesTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, PolicyRoutesTest, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace kechan::policy
