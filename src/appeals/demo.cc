#include "appeals/demo.h"

#include <algorithm>
#include <string>

#include "base/calendar.h"

namespace kechan::appeals {
namespace {

constexpr base::Micros kHour = 3'600'000'000LL;
constexpr base::Micros kDay = 24 * kHour;

// SplitMix64: a small deterministic generator.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Pick(size_t n) { return static_cast<size_t>(Next() % n); }
  bool Chance(int percent) { return static_cast<int>(Next() % 100) < percent; }

 private:
  uint64_t s_;
};

const char* const kDistricts[] = {"高新区", "天府新区", "锦江区", "武侯区",   "成华区",
                                  "双流区", "郫都区",   "新都区", "龙泉驿区", "青白江区"};

struct Topic {
  const char* type;
  const char* title;
  const char* body;
};
const Topic kTopics[] = {
    {"financing", "流动资金贷款续贷困难（示例）",
     "企业订单增长，原有流动资金贷款到期续贷受阻，希望协调银行。"},
    {"land_space", "扩产用地指标落实（示例）",
     "二期厂房建设需新增工业用地约 30 亩，希望了解供地计划。"},
    {"permits", "环评审批进度咨询（示例）", "新建产线环评报告已提交两周，希望加快审批。"},
    {"talent", "高技能人才招聘困难（示例）", "急需数控及电气维修技师 20 名，希望对接职业院校。"},
    {"policy", "研发费用补贴兑现（示例）", "去年申报的研发费用后补助尚未到账，希望了解进度。"},
    {"market", "首台套产品应用场景对接（示例）", "自研设备已完成验证，希望对接本地应用场景。"},
    {"technology", "关键工艺联合攻关（示例）", "希望与高校院所合作攻关高纯材料制备工艺。"},
    {"utilities", "用电增容申请（示例）", "新增产线需增容 800kVA，申请已提交一个月。"},
    {"logistics", "园区道路施工影响物流（示例）", "园区主干道施工导致货车绕行，影响交付。"},
    {"other", "企业开办事项咨询（示例）", "新设分公司涉及多项登记事项，希望一次办好。"},
};

}  // namespace

std::string DemoReport::ToJson() const {
  return "{\"appeals\":" + std::to_string(appeals) + ",\"archived\":" + std::to_string(archived) +
         ",\"open\":" + std::to_string(open) + ",\"receptions\":" + std::to_string(receptions) +
         ",\"rota_days\":" + std::to_string(rota_days) + "}";
}

base::Result<DemoReport> LoadAppealsDemo(store::Database& db, const CalendarProvider& calendar,
                                         const DemoOptions& options) {
  DemoReport report;
  std::vector<int64_t> departments, firms;
  int64_t director = 0, chief = 0;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto d, tx->Query("SELECT id FROM orgs WHERE kind = 'government' "
                                              "ORDER BY id"));
    for (const auto& r : d.rows) {
      departments.push_back(r.Int(0));
    }
    KECHAN_ASSIGN_OR_RETURN(auto f, tx->Query("SELECT id FROM orgs WHERE kind = 'enterprise' "
                                              "ORDER BY id LIMIT 300"));
    for (const auto& r : f.rows) {
      firms.push_back(r.Int(0));
    }
    KECHAN_ASSIGN_OR_RETURN(auto u, tx->Query("SELECT user_id, role FROM memberships WHERE role "
                                              "IN ('duty_director', 'chain_chief') ORDER BY id"));
    for (const auto& r : u.rows) {
      if (r.Text(1) == "duty_director" && director == 0) {
        director = r.Int(0);
      }
      if (r.Text(1) == "chain_chief" && chief == 0) {
        chief = r.Int(0);
      }
    }
  }
  if (departments.empty() || firms.empty()) {
    return report;  // nothing to attach appeals to
  }
  auto cal = calendar();
  base::FakeClock clock(options.now);
  AppealService svc(db, clock, calendar, nullptr, {});
  const Caller sys = Caller::System("demo");
  Rng rng(20260402ULL);

  // Catalogue: one entry per type, a few district-specific ones.
  for (size_t i = 0; i < std::size(kTopics); ++i) {
    CatalogueEntry e{.type = kTopics[i].type,
                     .lead_unit = departments[i % departments.size()],
                     .assisting_units = {departments[(i + 1) % departments.size()]}};
    KECHAN_RETURN_IF_ERROR(svc.PutCatalogue(sys, e).status());
  }
  // Duty rota for the next 20 working days and receptions: a duty reception each working day,
  // a weekly chain-chief reception per chain (next 4 weeks).
  const base::Date today = base::LocalDateOf(options.now);
  if (director > 0) {
    int days = 0;
    for (base::Date d = today; days < 20; d = d.AddDays(1)) {
      if (!cal->IsWorkingDay(d)) {
        continue;
      }
      ++days;
      KECHAN_RETURN_IF_ERROR(svc.SetRota(sys, d, director).status());
      ++report.rota_days;
      KECHAN_RETURN_IF_ERROR(
          svc.CreateReception(sys, {.kind = "duty",
                                    .date = d.ToString(),
                                    .start = "14:30",
                                    .end = "17:00",
                                    .host_user_id = director,
                                    .capacity = 4,
                                    .location = "市政务服务中心 3 楼坐班室（示例）"})
              .status());
      ++report.receptions;
    }
  }
  if (chief > 0) {
    for (int64_t chain : options.chain_ids) {
      for (int w = 0; w < 4; ++w) {
        base::Date d = today.AddDays(7 * w + 3);
        while (!cal->IsWorkingDay(d)) {
          d = d.AddDays(1);
        }
        KECHAN_RETURN_IF_ERROR(svc.CreateReception(sys, {.kind = "chain",
                                                         .chain_id = chain,
                                                         .date = d.ToString(),
                                                         .start = "09:30",
                                                         .end = "11:30",
                                                         .host_user_id = chief,
                                                         .capacity = 6,
                                                         .location = "产业链长接待室（示例）"})
                                   .status());
        ++report.receptions;
      }
    }
  }

  const int n = 300 * std::max(options.scale, 1);
  const char* const channels[] = {"web", "web", "web", "duty_desk", "reception", "visit", "group"};
  for (int i = 0; i < n; ++i) {
    const Topic& t = kTopics[rng.Pick(std::size(kTopics))];
    // Stage reached: 0 received, 1 rejected, 2 answered+closed, 3 dispatched, 4 signed,
    // 5 in progress, 6 waiting, 7 replied, 8 follow-up, 9 archived.
    const int roll = static_cast<int>(rng.Pick(100));
    int stage = roll < 4    ? 0
                : roll < 7  ? 1
                : roll < 12 ? 2
                : roll < 17 ? 3
                : roll < 21 ? 4
                : roll < 28 ? 5
                : roll < 32 ? 6
                : roll < 36 ? 7
                : roll < 40 ? 8
                            : 9;
    const int max_age_days = stage == 9 || stage <= 2 ? 170 : 25;
    base::Micros at = options.now - static_cast<base::Micros>(rng.Pick(max_age_days) + 15) * kDay;
    at = cal->AddWorkingTime(at, static_cast<base::Micros>(rng.Pick(7) + 1) * kHour);
    auto step = [&](int max_hours) {
      at = cal->AddWorkingTime(at, static_cast<base::Micros>(rng.Pick(max_hours) + 1) * kHour / 2);
      clock.Set(std::min(at, options.now - kHour));
    };
    clock.Set(at);
    NewAppeal a{.title = t.title,
                .body = t.body,
                .type = t.type,
                .channel = channels[rng.Pick(std::size(channels))],
                .org_id = firms[rng.Pick(firms.size())],
                .district = kDistricts[rng.Pick(std::size(kDistricts))]};
    if (!options.chain_ids.empty() && rng.Chance(70)) {
      a.chain_id = options.chain_ids[rng.Pick(options.chain_ids.size())];
    }
    KECHAN_ASSIGN_OR_RETURN(AppealDetail d, svc.Create(sys, a));
    const int64_t id = d.appeal.id;
    ++report.appeals;
    auto act = [&](const char* action, const flow::Fields& f) -> base::Status {
      return svc.Act(sys, id, action, f).status();
    };
    if (stage == 1) {
      step(8);
      KECHAN_RETURN_IF_ERROR(act("reject", {{"reason_code", "out_of_scope"}}));
      continue;
    }
    if (stage == 2) {
      step(8);
      KECHAN_RETURN_IF_ERROR(act("answer_directly", {{"answer", "已按政策口径直接答复（示例）"}}));
      step(8);
      KECHAN_RETURN_IF_ERROR(act("close", {}));
      continue;
    }
    if (stage == 0) {
      ++report.open;
      continue;
    }
    const int64_t lead = departments[rng.Pick(departments.size())];
    const int64_t assist = departments[rng.Pick(departments.size())];
    step(4);
    KECHAN_RETURN_IF_ERROR(act("dispatch", {{"lead_unit", std::to_string(lead)},
                                            {"assisting_units", std::to_string(assist)}}));
    // Slow units sometimes miss the sign-for and response goals.
    const bool slow = rng.Chance(15);
    if (stage >= 4) {
      step(slow ? 30 : 10);
      KECHAN_RETURN_IF_ERROR(act("sign_for", {}));
    }
    if (stage >= 5) {
      step(slow ? 40 : 14);
      KECHAN_RETURN_IF_ERROR(act("contact", {{"note", "已电话联系企业负责人（示例）"}}));
      if (rng.Chance(30)) {
        step(10);
        KECHAN_RETURN_IF_ERROR(act("add_progress", {{"note", "已组织现场踏勘（示例）"}}));
      }
      if (rng.Chance(10)) {
        step(6);
        KECHAN_RETURN_IF_ERROR(act("urge", {}));
      }
    }
    if (stage == 6) {
      step(10);
      KECHAN_RETURN_IF_ERROR(
          act("wait_for_enterprise",
              {{"reason", "等待企业补充材料（示例）"},
               {"expected_date", base::LocalDateOf(options.now).AddDays(5).ToString()}}));
    }
    if (stage >= 7) {
      step(slow ? 120 : 40);
      KECHAN_RETURN_IF_ERROR(act("reply", {{"reply", "已协调相关单位办理并答复企业（示例）"}}));
    }
    if (stage >= 8) {
      step(6);
      KECHAN_RETURN_IF_ERROR(act("begin_check", {}));
      step(6);
      KECHAN_RETURN_IF_ERROR(act("pass_check", {}));
    }
    if (stage == 9) {
      step(16);
      const int s = static_cast<int>(rng.Pick(100));
      const char* satisfaction = s < 70 ? "satisfied" : s < 90 ? "basically" : "not";
      const char* resolved = s < 85 ? "yes" : "no";
      KECHAN_RETURN_IF_ERROR(
          act("archive", {{"resolved", resolved}, {"satisfaction", satisfaction}}));
      ++report.archived;
    } else {
      ++report.open;
    }
  }
  return report;
}

}  // namespace kechan::appeals
