#include "policy/model.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "policy/zjtx.h"

namespace kechan::policy {
namespace {

using base::Date;
using base::Money;

Date D(const char* s) { return *Date::Parse(s); }

// A firm that meets the illustrative 专精特新 criteria on 2026-06-01.
EnterpriseFacts GoodFirm() {
  EnterpriseFacts f;
  f.enterprise_id = 7;
  f.name = "示例精密";
  f.district = "高新区";
  f.has_park_fact = true;
  f.park_id = 3;
  f.above_size = true;
  f.green_factory = false;
  f.revenue = {{2023, Money::FromYuan(20'000'000)},
               {2024, Money::FromYuan(22'000'000)},
               {2025, Money::FromYuan(25'000'000)}};
  f.rd_spend = {{2025, Money::FromYuan(1'500'000)}};
  f.tiers_known = true;
  f.tiers = {{.tier = chain::GradientTier::kInnovativeSme, .from = D("2024-01-01"), .to = {}}};
  f.links_known = true;
  f.links = {{.node_id = 11, .chain_id = 2, .from = D("2020-01-01"), .to = {}}};
  f.founded_on = D("2019-03-15");
  f.main_business_share = {{2025, 82}};
  return f;
}

Rule R(const char* json) {
  auto r = ParseRule(json);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Rule{};
}

TEST(PolicyRuleTest, ZjtxRuleSetParsesAndRoundTrips) {
  auto r = ParseRule(ZjtxRuleJson());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, Rule::Kind::kAll);
  EXPECT_EQ(r->children.size(), 6u);
  auto again = ParseRule(RuleToJson(*r));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *r);
}

TEST(PolicyRuleTest, ZjtxEligibleFirmIsYesWithReasonPerClause) {
  Rule r = *ParseRule(ZjtxRuleJson());
  Evaluation e = Evaluate(r, GoodFirm(), D("2026-06-01"));
  EXPECT_EQ(e.result, Tri::kYes);
  EXPECT_TRUE(e.missing.empty());
  ASSERT_EQ(e.root.children.size(), 6u);
  for (const auto& c : e.root.children) {
    EXPECT_EQ(c.result, Tri::kYes) << c.path << " " << c.reason_en;
    EXPECT_FALSE(c.reason_en.empty());
    EXPECT_FALSE(c.reason_zh.empty());
  }
  // R&D share 1.5M / 25M = 6%.
  EXPECT_NE(e.root.children[2].children[1].reason_en.find("6%"), std::string::npos)
      << e.root.children[2].children[1].reason_en;
  EXPECT_EQ(e.root.children[2].children[1].path, "rule.all[2].all[1]");
}

TEST(PolicyRuleTest, MissingFactGivesUnknownAndNamesTheFactToAsk) {
  EnterpriseFacts f = GoodFirm();
  f.main_business_share.clear();
  f.founded_on.reset();
  Evaluation e = Evaluate(*ParseRule(ZjtxRuleJson()), f, D("2026-06-01"));
  EXPECT_EQ(e.result, Tri::kUnknown);
  EXPECT_EQ(e.missing, (std::vector<std::string>{"founded_on", "main_business_share:2025"}));
  EXPECT_NE(e.root.children[4].reason_zh.find("待核实"), std::string::npos);
}

TEST(PolicyRuleTest, NoBeatsUnknownInAllAndMissingFactsOfDecidedTreesAreNotAsked) {
  EnterpriseFacts f = GoodFirm();
  f.main_business_share.clear();
  f.revenue[2025] = Money::FromYuan(5'000'000);  // revenue below 10M: no
  Evaluation e = Evaluate(*ParseRule(ZjtxRuleJson()), f, D("2026-06-01"));
  EXPECT_EQ(e.result, Tri::kNo);
  EXPECT_TRUE(e.missing.empty());
}

TEST(PolicyRuleTest, AnyIsYesWhenOneHoldsEvenWithUnknowns) {
  Rule r = R(R"({"any":[{"fact":"green_factory","is":true},{"fact":"district","in":["高新区"]}]})");
  EnterpriseFacts f = GoodFirm();
  f.green_factory.reset();
  EXPECT_EQ(Evaluate(r, f, D("2026-01-01")).result, Tri::kYes);
  f.district = "锦江区";
  EXPECT_EQ(Evaluate(r, f, D("2026-01-01")).result, Tri::kUnknown);
  f.green_factory = false;
  EXPECT_EQ(Evaluate(r, f, D("2026-01-01")).result, Tri::kNo);
}

TEST(PolicyRuleTest, NotSwapsYesAndNoButKeepsUnknown) {
  Rule r = R(R"({"not":{"fact":"above_size","is":true}})");
  EnterpriseFacts f = GoodFirm();
  EXPECT_EQ(Evaluate(r, f, D("2026-01-01")).result, Tri::kNo);
  f.above_size = false;
  EXPECT_EQ(Evaluate(r, f, D("2026-01-01")).result, Tri::kYes);
  f.above_size.reset();
  EXPECT_EQ(Evaluate(r, f, D("2026-01-01")).result, Tri::kUnknown);
}

TEST(PolicyRuleTest, YearOffsetIsRelativeToTheEvaluationDate) {
  Rule r = R(R"({"fact":"revenue","op":"gte","value":"21000000","year_offset":-1})");
  EnterpriseFacts f = GoodFirm();
  EXPECT_EQ(Evaluate(r, f, D("2026-03-01")).result, Tri::kYes);  // 2025: 25M
  EXPECT_EQ(Evaluate(r, f, D("2024-03-01")).result, Tri::kNo);   // 2023: 20M
  Evaluation e = Evaluate(r, f, D("2028-03-01"));                // 2027: missing
  EXPECT_EQ(e.result, Tri::kUnknown);
  EXPECT_EQ(e.missing, std::vector<std::string>{"revenue:2027"});
}

TEST(PolicyRuleTest, AbsoluteYearAndWindowSum) {
  Rule r = R(R"({"fact":"revenue","op":"gte","value":"47000000","year":2025,"years":2})");
  EXPECT_EQ(Evaluate(r, GoodFirm(), D("2030-01-01")).result, Tri::kYes);  // 22M + 25M
}

TEST(PolicyRuleTest, TierIsJudgedOnTheGivenDate) {
  Rule r = R(R"({"fact":"gradient_tier","in":["innovative_sme"],"on":"2023-06-01"})");
  EXPECT_EQ(Evaluate(r, GoodFirm(), D("2026-01-01")).result, Tri::kNo);  // recognised 2024
  Rule none = R(R"({"fact":"gradient_tier","in":["none"]})");
  EXPECT_EQ(Evaluate(none, GoodFirm(), D("2023-01-01")).result, Tri::kYes);
  EnterpriseFacts f = GoodFirm();
  f.tiers_known = false;
  EXPECT_EQ(Evaluate(none, f, D("2023-01-01")).result, Tri::kUnknown);
}

TEST(PolicyRuleTest, ChainLinksHonourValidity) {
  Rule r = R(R"({"fact":"chain","in":[2]})");
  EnterpriseFacts f = GoodFirm();
  f.links[0].to = D("2025-12-31");
  EXPECT_EQ(Evaluate(r, f, D("2025-06-01")).result, Tri::kYes);
  EXPECT_EQ(Evaluate(r, f, D("2026-06-01")).result, Tri::kNo);
  Rule node = R(R"({"fact":"chain_node","in":[11]})");
  EXPECT_EQ(Evaluate(node, f, D("2025-06-01")).result, Tri::kYes);
}

TEST(PolicyRuleTest, YearsSinceFoundingCountsWholeYears) {
  Rule r = R(R"({"fact":"years_since_founding","op":"gte","value":7})");
  EXPECT_EQ(Evaluate(r, GoodFirm(), D("2026-03-14")).result, Tri::kNo);
  EXPECT_EQ(Evaluate(r, GoodFirm(), D("2026-03-15")).result, Tri::kYes);
}

TEST(PolicyRuleTest, RevenueGrowthAveragesYearlyRates) {
  // 2024: +10%, 2025: +13.64% -> 11.82%
  Rule r = R(R"({"fact":"revenue_growth","op":"gte","value":11.8,"year":2025,"years":2})");
  EXPECT_EQ(Evaluate(r, GoodFirm(), D("2026-01-01")).result, Tri::kYes);
  Rule high = R(R"({"fact":"revenue_growth","op":"gte","value":12,"year":2025,"years":2})");
  EXPECT_EQ(Evaluate(high, GoodFirm(), D("2026-01-01")).result, Tri::kNo);
}

struct BadRule {
  const char* json;
  const char* field;
  const char* reason;
};

TEST(PolicyRuleTest, BadRulesNameTheJsonPath) {
  const BadRule cases[] = {
      {R"({"all":[)", "rule", "policy.rule.json"},
      {R"({"all":[{"fact":"revenue","op":"gte","value":"1"},{"fact":"profit","op":"gte","value":1}]})",
       "rule.all[1].fact", "policy.rule.unknown_fact"},
      {R"({"all":[]})", "rule.all", "policy.rule.empty"},
      {R"({"any":[{"fact":"rd_share","op":"gte","value":"x"}]})", "rule.any[0].value",
       "policy.rule.value"},
      {R"({"fact":"revenue","op":"about","value":"1"})", "rule.op", "policy.rule.op"},
      {R"({"fact":"district","in":["高新区"],"colour":"red"})", "rule.colour",
       "policy.rule.unknown_key"},
      {R"({"fact":"green_factory","is":true,"all":[]})", "rule", "policy.rule.shape"},
      {R"({"fact":"gradient_tier","in":["giant"]})", "rule.in[0]", "policy.rule.value"},
      {R"({"fact":"revenue","op":"gte","value":"1","years":11})", "rule.years",
       "policy.rule.value"},
      {R"({"fact":"district","in":["a"],"years":2})", "rule.years", "policy.rule.unknown_key"},
      {R"({"not":[]})", "rule.not", "policy.rule.shape"},
      {R"({"fact":"chain","in":[1],"on":"2026-13-01"})", "rule.on", "date.month"},
      {R"([1])", "rule", "policy.rule.shape"},
  };
  for (const auto& c : cases) {
    auto r = ParseRule(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().field(), c.field) << c.json << " " << r.status();
    EXPECT_EQ(r.status().reason(), c.reason) << c.json << " " << r.status();
    EXPECT_FALSE(r.status().message_zh().empty());
  }
}

TEST(PolicyRuleTest, DeepNestingIsRefused) {
  std::string json;
  for (int i = 0; i < 20; ++i) {
    json += R"({"not":)";
  }
  json += R"({"fact":"above_size","is":true})";
  for (int i = 0; i < 20; ++i) {
    json += "}";
  }
  auto r = ParseRule(json);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "policy.rule.depth");
}

TEST(PolicyVersionTest, DatesOutOfOrderNameEffectiveTo) {
  PolicyVersion v;
  v.benefit_zh = "补贴";
  v.effective_from = D("2026-06-01");
  v.effective_to = D("2026-01-01");
  base::Status s = ValidateVersion(v);
  EXPECT_EQ(s.field(), "effective_to");
  EXPECT_EQ(s.reason(), "policy.date_order");
}

TEST(PolicyVersionTest, VersionOnPicksThePublishedVersionInForce) {
  PolicyVersion a{.id = VersionId{1},
                  .number = 1,
                  .effective_from = D("2025-01-01"),
                  .effective_to = D("2025-12-31"),
                  .published = true};
  PolicyVersion b{
      .id = VersionId{2}, .number = 2, .effective_from = D("2026-01-01"), .published = true};
  PolicyVersion c{.id = VersionId{3}, .number = 3, .effective_from = D("2026-01-01")};
  std::vector<PolicyVersion> all = {a, b, c};
  EXPECT_EQ(VersionOn(all, D("2025-05-01"))->number, 1);
  EXPECT_EQ(VersionOn(all, D("2026-05-01"))->number, 2);
  EXPECT_EQ(VersionOn(all, D("2024-05-01")), nullptr);
  base::Status s = CheckNoOverlap({a, b}, c);
  EXPECT_EQ(s.reason(), "policy.version_overlap");
  EXPECT_EQ(s.field(), "effective_from");
  c.effective_to = D("2024-12-31");
  c.effective_from = D("2024-01-01");
  EXPECT_TRUE(CheckNoOverlap({a, b}, c).ok());
}

TEST(PolicyVersionTest, ApplicationFieldsRequiredAndUnknown) {
  std::vector<FieldSpec> spec = {{.key = "contact", .label_zh = "联系人", .label_en = "Contact"},
                                 {.key = "note", .required = false}};
  EXPECT_TRUE(CheckApplicationFields(spec, {{"contact", "张三"}}).ok());
  EXPECT_EQ(CheckApplicationFields(spec, {{"contact", "  "}}).field(), "fields.contact");
  EXPECT_EQ(CheckApplicationFields(spec, {{"contact", "a"}, {"x", "1"}}).field(), "fields.x");
  auto parsed = ParseFieldSpecs(FieldSpecsToJson(spec));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_FALSE((*parsed)[1].required);
}

TEST(PolicyWorkflowTest, SpecsValidateAndEnforceRolesAndFields) {
  auto m = flow::Machine::Create(ApplicationSpec(), PolicyGuards());
  ASSERT_TRUE(m.ok()) << m.status();
  auto b = flow::Machine::Create(AutoBenefitSpec(), PolicyGuards());
  ASSERT_TRUE(b.ok()) << b.status();
  using auth::Role;
  EXPECT_EQ(m->Apply("submitted", "accept", {Role::kEnterprise}, {}).status().code(),
            base::Code::kPermissionDenied);
  EXPECT_EQ(m->Apply("reviewing", "approve", {Role::kOfficer}, {}).status().field(), "opinion");
  auto bad = m->Apply("approved", "disburse", {Role::kOfficer}, {{"amount", "lots"}});
  EXPECT_EQ(bad.status().field(), "amount");
  auto ok = m->Apply("approved", "disburse", {Role::kOfficer}, {{"amount", "50000"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->to_state, "disbursed");
  EXPECT_EQ(b->Apply("pending", "confirm", {Role::kOfficer}, {})->to_state, "confirmed");
}

TEST(PolicySuppliedFactTest, ValidatesNameYearAndValue) {
  EXPECT_TRUE(ValidateSuppliedFact({"founded_on", 0, "2019-03-15"}).ok());
  EXPECT_EQ(ValidateSuppliedFact({"profit", 2025, "1"}).field(), "fact");
  EXPECT_EQ(ValidateSuppliedFact({"employees", 0, "12"}).field(), "year");
  EXPECT_EQ(ValidateSuppliedFact({"main_business_share", 2025, "120"}).field(), "value");
  EnterpriseFacts f;
  ApplySuppliedFacts({{"main_business_share", 2025, "75.5"}, {"employees", 2025, "40"}}, &f);
  EXPECT_DOUBLE_EQ(f.main_business_share[2025], 75.5);
  EXPECT_EQ(f.employees[2025], 40);
}

TEST(PolicyTallyTest, CountsAndFactsToAsk) {
  Rule r = *ParseRule(ZjtxRuleJson());
  MatchTally t;
  EnterpriseFacts a = GoodFirm();
  EnterpriseFacts b = GoodFirm();
  b.main_business_share.clear();
  EnterpriseFacts c = GoodFirm();
  c.revenue[2025] = Money::FromYuan(1);
  for (const auto* f : {&a, &b, &c}) {
    AddToTally(Evaluate(r, *f, D("2026-06-01")), &t);
  }
  EXPECT_EQ(t.yes, 1);
  EXPECT_EQ(t.no, 1);
  EXPECT_EQ(t.unknown, 1);
  EXPECT_EQ(t.ask["main_business_share:2025"], 1);
}

// ---- verdict-only evaluation (Detail::kVerdict) ---------------------------------------------

// GoodFirm with facts removed or changed by the 12 bits of `bits`, so that every clause kind
// comes out yes, no and unknown across the variants.
EnterpriseFacts Variant(unsigned bits) {
  EnterpriseFacts f = GoodFirm();
  f.revenue[2022] = Money::FromYuan(18'000'000);  // growth over 2023-2024 is known
  f.rd_spend[2023] = Money::FromYuan(1'000'000);
  f.rd_spend[2024] = Money::FromYuan(1'400'000);
  f.main_business_share[2024] = 80;
  if (bits & 1u) {
    f.revenue.erase(2024);
  }
  if (bits & 2u) {
    f.revenue[2025] = Money::FromYuan(0);
  }
  if (bits & 4u) {
    f.rd_spend.clear();
  }
  if (bits & 8u) {
    f.district = (bits & 16u) ? "" : "武侯区";
  }
  if (bits & 16u) {
    f.tiers_known = false;
  }
  if (bits & 32u) {
    f.links_known = (bits & 64u) == 0;
  }
  if (bits & 32u) {
    f.links.clear();
  }
  if (bits & 64u) {
    f.founded_on.reset();
  }
  if (bits & 128u) {
    f.main_business_share.clear();
  }
  if (bits & 256u) {
    f.above_size = (bits & 512u) ? std::optional<bool>() : false;
  }
  if (bits & 512u) {
    f.green_factory = true;
  }
  if (bits & 1024u) {
    f.revenue[2023] = Money::FromYuan(0);
  }
  if (bits & 2048u) {
    f.has_park_fact = false;
  }
  if (bits & 2048u) {
    f.digital_level = {{2024, 3}, {2025, 3}};
  }
  if (bits & 2048u) {
    f.employees = {{2024, 150}, {2025, 150}};
  }
  return f;
}

std::vector<Rule> VerdictRules() {
  return {
      R(ZjtxRuleJson().c_str()),
      R(R"({"any":[{"fact":"rd_share","op":"gte","value":7,"years":2},)"
        R"({"not":{"fact":"green_factory","is":true}},{"fact":"employees","op":"lt","value":100}]})"),
      R(R"({"all":[{"fact":"revenue_growth","op":"gte","value":10,"years":2},)"
        R"({"any":[{"fact":"gradient_tier","in":["innovative_sme","none"]},)"
        R"({"fact":"park","in":[3,4]}]},)"
        R"({"not":{"all":[{"fact":"chain","in":[2]},)"
        R"({"fact":"digital_level","op":"gte","value":3}]}}]})"),
      R(R"({"any":[{"fact":"years_since_founding","op":"gte","value":8},)"
        R"({"fact":"main_business_share","op":"gt","value":90},)"
        R"({"fact":"chain_node","in":[11]}]})"),
      R(R"({"all":[{"fact":"above_size","is":true},)"
        R"({"fact":"rd_spend","op":"gte","value":"1000000"},)"
        R"({"fact":"district","in":["高新区"]}]})"),
  };
}

TEST(PolicyVerdictTest, VerdictsMissingFactsAndTalliesEqualTheFullEvaluation) {
  const std::vector<Rule> rules = VerdictRules();
  int compared = 0;
  for (size_t ri = 0; ri < rules.size(); ++ri) {
    for (const Date date : {D("2026-06-01"), D("2025-03-01")}) {
      MatchTally full_tally;
      MatchTally verdict_tally;
      // Every 13th of the 4,096 variants: a spread of combinations, quick under sanitizers.
      for (unsigned bits = 0; bits < 4096; bits += 13) {
        const EnterpriseFacts f = Variant(bits);
        const Evaluation full = Evaluate(rules[ri], f, date, Detail::kFull);
        const Evaluation verdict = Evaluate(rules[ri], f, date, Detail::kVerdict);
        ASSERT_EQ(verdict.result, full.result) << "rule " << ri << " variant " << bits;
        ASSERT_EQ(verdict.missing, full.missing) << "rule " << ri << " variant " << bits;
        AddToTally(full, &full_tally);
        AddToTally(verdict, &verdict_tally);
        ++compared;
      }
      EXPECT_EQ(verdict_tally.yes, full_tally.yes) << "rule " << ri;
      EXPECT_EQ(verdict_tally.no, full_tally.no) << "rule " << ri;
      EXPECT_EQ(verdict_tally.unknown, full_tally.unknown) << "rule " << ri;
      EXPECT_EQ(verdict_tally.ask, full_tally.ask) << "rule " << ri;
      // The variants reach all three outcomes for every rule, so the comparison means something.
      EXPECT_GT(full_tally.yes, 0) << "rule " << ri;
      EXPECT_GT(full_tally.no, 0) << "rule " << ri;
      EXPECT_GT(full_tally.unknown, 0) << "rule " << ri;
    }
  }
  EXPECT_EQ(compared, 5 * 2 * 316);
}

TEST(PolicyVerdictTest, VerdictRendersNoTextsAndFullDoes) {
  const Rule r = *ParseRule(ZjtxRuleJson());
  EnterpriseFacts f = GoodFirm();
  f.main_business_share.clear();  // unknown: every clause but one decided
  const Evaluation verdict = Evaluate(r, f, D("2026-06-01"), Detail::kVerdict);
  EXPECT_EQ(verdict.result, Tri::kUnknown);
  EXPECT_EQ(verdict.missing, std::vector<std::string>{"main_business_share:2025"});
  EXPECT_TRUE(verdict.root.reason_en.empty());
  EXPECT_TRUE(verdict.root.reason_zh.empty());
  EXPECT_TRUE(verdict.root.path.empty());
  EXPECT_TRUE(verdict.root.children.empty());
  const Evaluation full = Evaluate(r, f, D("2026-06-01"));  // the default is kFull
  EXPECT_EQ(full.root.path, "rule");
  EXPECT_FALSE(full.root.reason_en.empty());
  EXPECT_FALSE(full.root.reason_zh.empty());
  ASSERT_EQ(full.root.children.size(), 6u);
  EXPECT_EQ(full.root.children[4].result, Tri::kUnknown);
  EXPECT_NE(full.root.children[4].reason_en.find("not on record"), std::string::npos);
}

}  // namespace
}  // namespace kechan::policy
