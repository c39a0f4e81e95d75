#include "policy/demo.h"

#include <boost/json.hpp>

#include "chain/demo.h"
#include "policy/zjtx.h"

namespace kechan::policy {
namespace {

using base::Date;
using base::Money;
using base::Result;

Date D(const char* s) { return Date::Parse(s).value(); }
Date Jan1(int year) { return Date::FromYmd(year, 1, 1).value(); }
Date Dec31(int year) { return Date::FromYmd(year, 12, 31).value(); }

// Returns the revenue of the latest year `e` has, or `fallback`.
Money LatestRevenue(const chain::Enterprise& e, Money fallback) {
  return e.revenue.empty() ? fallback : e.revenue.rbegin()->second;
}

struct DemoPolicy {
  const char* code;
  const char* title;
  const char* title_en;
  Category category;
  const char* department;
  const char* summary;
  Mode mode;
  std::string rule;
  const char* benefit_zh;
  const char* benefit_en;
  std::optional<Money> amount;
  std::vector<FieldSpec> fields;
  bool publish;
};

}  // namespace

std::string PolicyDemoReport::ToJson() const {
  return boost::json::serialize(boost::json::object{{"already_loaded", already_loaded},
                                                    {"policies", policies},
                                                    {"published", published},
                                                    {"benefits_created", benefits_created},
                                                    {"enriched", enriched}});
}

Result<PolicyDemoReport> LoadPolicyDemo(PolicyService& service, chain::ChainService& chain,
                                        std::optional<base::OrgId> enterprise_org) {
  const Caller sys = Caller::System("demo");
  PolicyDemoReport report;
  // Every date and year below is relative to the day the demo is generated, so the demo shows
  // the same picture whenever it is loaded: facts for the last three years and this one, and the
  // published versions in force from 1 January this year to 31 December next year.
  const int y = service.Today().year();
  KECHAN_ASSIGN_OR_RETURN(PolicyPage existing,
                          service.ListPolicies(sys, {.q = "CD-ZJTX-2026"}, {1, 1}));
  if (existing.total > 0) {
    report.already_loaded = true;
    return report;
  }
  if (enterprise_org) {
    // Links the demo enterprise account to a firm (no-op when the app demo already did).
    KECHAN_RETURN_IF_ERROR(chain::AssignDemoAccounts(chain, {.enterprise_org = enterprise_org}));
  }

  // Supplementary facts and a revenue history for the first firms, so the rules have something
  // to decide (synthetic).
  KECHAN_ASSIGN_OR_RETURN(chain::EnterprisePage firms,
                          chain.ListEnterprises(sys, {}, {.page = 1, .page_size = 60}));
  std::vector<chain::Enterprise> list = firms.items;
  if (enterprise_org) {
    for (int64_t page = 1;; ++page) {
      KECHAN_ASSIGN_OR_RETURN(chain::EnterprisePage p,
                              chain.ListEnterprises(sys, {}, {.page = page, .page_size = 200}));
      for (const auto& e : p.items) {
        if (e.org_id == enterprise_org) {
          list.insert(list.begin(), e);
        }
      }
      if (p.items.empty() || page * 200 >= p.total) {
        break;
      }
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    KECHAN_ASSIGN_OR_RETURN(chain::EnterpriseDetail d, chain.GetEnterprise(sys, list[i].id));
    chain::Enterprise e = d.enterprise;
    const bool own = enterprise_org && e.org_id == enterprise_org;
    if (own) {
      // The demo account's firm fits the 专精特新 and scenario policies.
      const Money last =
          std::max(LatestRevenue(e, Money::FromYuan(0)), Money::FromYuan(60'000'000));
      e.revenue[y - 1] = last;
      e.tiers = {{.tier = chain::GradientTier::kInnovativeSme, .from = D("2024-01-01"), .to = {}}};
    }
    if (i < 40 || own) {
      // A growing revenue history Y-3 .. Y around last year's figure, R&D and digital level for
      // the same years (the chain demo's own figures are for one fixed year).
      const Money last = e.revenue.contains(y - 1) ? e.revenue[y - 1]
                                                   : LatestRevenue(e, Money::FromYuan(20'000'000));
      const Money rd = e.rd_spend.empty() ? last.MulBasisPoints(400) : e.rd_spend.rbegin()->second;
      const int digital = e.digital_level.empty() ? 2 : e.digital_level.rbegin()->second;
      e.revenue[y - 3] = last.MulBasisPoints(8000);
      e.revenue[y - 2] = last.MulBasisPoints(9000);
      e.revenue[y - 1] = last;
      e.revenue[y] = last.MulBasisPoints(11000);
      for (int year = y - 3; year <= y; ++year) {
        e.rd_spend[year] = own ? e.revenue[year].MulBasisPoints(500) : rd;
        e.digital_level[year] = digital;
      }
    } else if (e.tiers.empty()) {
      e.tiers = {{.tier = chain::GradientTier::kInnovativeSme, .from = D("2024-01-01"), .to = {}}};
    }
    KECHAN_RETURN_IF_ERROR(chain.UpdateEnterprise(sys, e).status());
    const std::string share = std::to_string(own ? 88 : 55 + static_cast<int>(i * 7 % 45));
    const std::string staff = std::to_string(20 + static_cast<int>(i * 13 % 300));
    std::vector<SuppliedFact> facts = {
        {"founded_on", 0, std::to_string(y - 16 + static_cast<int>(i % 15)) + "-03-01"},
        {"main_business_share", y - 1, share},
        {"main_business_share", y, share},
        {"employees", y - 1, staff},
        {"employees", y, staff}};
    if (i % 4 == 3 && !own) {
      facts.resize(3);  // some firms leave gaps: "unknown"
    }
    if (i % 5 == 4 && !own) {
      facts.erase(facts.begin());
    }
    KECHAN_RETURN_IF_ERROR(service.SupplyFacts(sys, e.id, facts));
    ++report.enriched;
  }

  KECHAN_ASSIGN_OR_RETURN(auto ai, chain.FindChainByCode("CD-AI"));
  const std::string ai_id = ai ? std::to_string(ai->id.value) : "1";
  const std::vector<FieldSpec> contact = {
      {.key = "contact", .label_zh = "联系人", .label_en = "Contact person", .required = true},
      {.key = "phone", .label_zh = "联系电话", .label_en = "Phone", .required = true},
      {.key = "niche",
       .label_zh = "细分市场及主导产品",
       .label_en = "Niche market and product",
       .required = true},
      {.key = "note", .label_zh = "补充说明", .label_en = "Notes", .required = false}};
  const DemoPolicy policies[] = {
      {"CD-ZJTX-2026", "专精特新中小企业认定奖励（示例）",
       "Reward for recognised specialised SMEs (example)", Category::kCutCosts, "市经济和信息化局",
       "按优质中小企业梯度培育条件认定专精特新中小企业并给予奖励。示例数据。",
       Mode::kFullApplication, ZjtxRuleJson(),
       "认定为专精特新中小企业的，给予一次性奖励 20 万元（示例）",
       "A one-off reward of 200,000 yuan on recognition (example)", Money::FromYuan(200'000),
       contact, true},
      {"CD-SCENE-2026",
       "人工智能应用场景揭榜挂帅（示例）",
       "AI application scenarios open call (example)",
       Category::kScenarios,
       "市新经济委",
       "向人工智能产业链企业开放城市应用场景。示例数据。",
       Mode::kOneClick,
       R"({"all":[{"id":"scene.chain","label_zh":"属于人工智能产业链","label_en":"On the AI chain",
           "fact":"chain","in":[)" +
           ai_id + R"(]},
          {"id":"scene.rd","label_zh":"上年度研发投入占比","label_en":"R&D share",
           "fact":"rd_share","op":"gte","value":3,"year_offset":-1}]})",
       "优先开放应用场景并给予首单奖励 10 万元（示例）",
       "Priority access to scenarios and a 100,000 yuan first-order reward (example)",
       Money::FromYuan(100'000),
       {},
       true},
      {"CD-STAB-2026",
       "规上工业企业降本稳岗补贴（示例）",
       "Cost relief for above-size firms keeping jobs (example)",
       Category::kCutCosts,
       "市人力资源和社会保障局",
       "符合条件的规上企业免申即享。示例数据。",
       Mode::kNoApplication,
       R"({"all":[{"fact":"above_size","is":true,"label_zh":"规上企业","label_en":"Above-size firm"},
          {"fact":"revenue","op":"gte","value":"20000000","year_offset":-1,
           "label_zh":"上年度营业收入","label_en":"Revenue"},
          {"fact":"district","in":["高新区","天府新区","双流区"],
           "label_zh":"所在区县","label_en":"District"}]})",
       "按上年度社保缴费额的 30% 返还（示例）",
       "30% of last year's social insurance contributions refunded (example)",
       std::nullopt,
       {},
       true},
      {"CD-EXPO-2026",
       "企业参展拓市场补助（示例）",
       "Trade-fair subsidy (example)",
       Category::kExpandMarkets,
       "市商务局",
       "支持企业参加国内外重点展会。示例数据。",
       Mode::kOneClick,
       R"({"any":[{"fact":"green_factory","is":true,"label_zh":"绿色工厂","label_en":"Green factory"},
          {"fact":"digital_level","op":"gte","value":3,"year_offset":-1,
           "label_zh":"数字化转型等级","label_en":"Digital level"}]})",
       "展位费补助 50%，最高 3 万元（示例）",
       "50% of booth fees, up to 30,000 yuan (example)",
       Money::FromYuan(30'000),
       {},
       true},
      {"CD-PILOT-2027", "中试平台建设支持（示例）", "Pilot-plant platform support (example)",
       Category::kPlatforms, "市科学技术局", "支持龙头企业建设中试平台。草稿，尚未发布。示例数据。",
       Mode::kFullApplication,
       R"({"all":[{"fact":"gradient_tier","in":["little_giant","single_champion"],
           "label_zh":"小巨人或单项冠军","label_en":"Little giant or single champion"},
          {"fact":"employees","op":"gte","value":50,"year_offset":-1,
           "label_zh":"从业人员","label_en":"Employees"}]})",
       "按平台投入的 20% 给予补助，最高 500 万元（示例）",
       "20% of the platform investment, up to 5 million yuan (example)", std::nullopt, contact,
       false},
  };
  for (const auto& dp : policies) {
    Policy p{.id = {},
             .code = dp.code,
             .title = dp.title,
             .title_en = dp.title_en,
             .category = dp.category,
             .department = dp.department,
             .summary = dp.summary,
             .mode = dp.mode,
             .status = PolicyStatus::kDraft};
    KECHAN_ASSIGN_OR_RETURN(p, service.CreatePolicy(sys, p));
    ++report.policies;
    KECHAN_ASSIGN_OR_RETURN(Rule rule, ParseRule(dp.rule));
    PolicyVersion v;
    v.policy_id = p.id;
    // Published: in force from 1 January this year to 31 December next year; the draft platform
    // policy: next year only.
    v.effective_from = Jan1(dp.publish ? y : y + 1);
    v.effective_to = Dec31(y + 1);
    v.rule = std::move(rule);
    v.benefit_zh = dp.benefit_zh;
    v.benefit_en = dp.benefit_en;
    v.amount = dp.amount;
    v.fields = dp.fields;
    KECHAN_ASSIGN_OR_RETURN(v, service.AddVersion(sys, v));
    if (dp.publish) {
      KECHAN_ASSIGN_OR_RETURN(PublishReport r, service.Publish(sys, p.id, v.id));
      ++report.published;
      report.benefits_created += r.benefits_created;
      // A second, draft version after it (versions are dated).
      v.effective_from = Jan1(y + 2);
      v.effective_to.reset();
      KECHAN_RETURN_IF_ERROR(service.AddVersion(sys, v).status());
    }
  }
  return report;
}

}  // namespace kechan::policy
