#include "app/demo.h"

#include <boost/json.hpp>
#include <cstdint>

#include "appeals/demo.h"
#include "auth/auth_service.h"
#include "auth/uscc.h"
#include "base/strcat.h"
#include "chain/demo.h"
#include "notify/demo.h"
#include "policy/demo.h"

namespace kechan::app {
namespace {

// splitmix64: a small deterministic generator, so the same scale always gives the same data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Pick(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

struct District {
  const char* name;
  const char* code;  // administrative division code
};
// Chengdu's districts (public geography) used to place synthetic firms.
constexpr District kDistricts[] = {
    {"锦江区", "510104"}, {"青羊区", "510105"},   {"金牛区", "510106"},   {"武侯区", "510107"},
    {"成华区", "510108"}, {"龙泉驿区", "510112"}, {"青白江区", "510113"}, {"新都区", "510114"},
    {"温江区", "510115"}, {"双流区", "510116"},   {"郫都区", "510117"},   {"新津区", "510118"},
};

// Invented trade-name syllables and lines of business.
constexpr const char* kSyllables[] = {"蓉", "锦", "芯", "川", "睿", "航", "智", "链", "拓", "研",
                                      "晟", "科", "衡", "澜", "创", "微", "光", "瑞", "启", "远"};
constexpr const char* kBusinesses[] = {"电子科技", "精密制造", "智能装备", "信息技术",
                                       "生物医药", "新材料",   "软件",     "航空部件",
                                       "光电",     "微电子",   "能源科技", "检测技术"};
constexpr const char* kBusinessesEn[] = {"Electronics",
                                         "Precision Manufacturing",
                                         "Intelligent Equipment",
                                         "Information Technology",
                                         "Biomedicine",
                                         "New Materials",
                                         "Software",
                                         "Aero Components",
                                         "Optoelectronics",
                                         "Microelectronics",
                                         "Energy Technology",
                                         "Testing Technology"};

constexpr const char* kDepartments[][2] = {
    {"市经济和信息化局（示例）", "Municipal Economy and Information Bureau (example)"},
    {"市科学技术局（示例）", "Municipal Science and Technology Bureau (example)"},
    {"市投资促进局（示例）", "Municipal Investment Promotion Bureau (example)"},
    {"市市场监督管理局（示例）", "Municipal Market Regulation Bureau (example)"},
    {"市人力资源和社会保障局（示例）", "Municipal Human Resources Bureau (example)"},
    {"市政府领导（示例）", "Municipal Government Leadership (example)"},
};

std::string OrgBody(uint64_t serial) {
  // 8 characters of digits and letters allowed in organisation codes, derived from the serial.
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string body(8, '0');
  for (int i = 7; i >= 0; --i) {
    body[static_cast<size_t>(i)] = kAlphabet[serial % 31];
    serial /= 31;
  }
  return body;
}

}  // namespace

std::string DemoReport::ToJson() const {
  boost::json::object o;
  o["already_loaded"] = already_loaded;
  o["scale"] = scale;
  o["orgs"] = orgs;
  o["users"] = users;
  o["password"] = kDemoPassword;
  o["synthetic"] = true;
  boost::json::array a;
  for (const auto& acc : accounts) {
    a.push_back(
        boost::json::object{{"username", acc.username}, {"role", acc.role}, {"org", acc.org_name}});
  }
  o["accounts"] = std::move(a);
  if (!chain_json.empty()) {
    o["chain"] = boost::json::parse(chain_json);
  }
  return boost::json::serialize(o);
}

base::Result<DemoReport> LoadDemo(App& app, const DemoOptions& options, const base::Clock&) {
  DemoReport report;
  report.scale = options.scale;
  KECHAN_ASSIGN_OR_RETURN(auto existing, app.settings->Get("demo.scale"));
  if (existing) {
    report.already_loaded = true;
    report.scale = std::stoi(*existing);
    return report;
  }
  auth::AuthService& auth = *app.auth;
  Rng rng(20260101ULL);

  // The platform operator and its demo account.
  KECHAN_ASSIGN_OR_RETURN(auto boot, auth.BootstrapOperator({.username = "demo-operator",
                                                             .password = kDemoPassword,
                                                             .display_name = "演示运营管理员"}));
  report.orgs += boot.org_created ? 1 : 0;
  report.users += 1;
  report.accounts.push_back({"demo-operator", "operator", boot.org.name});

  // Government departments (synthetic names) and their officers.
  std::vector<auth::Org> departments;
  for (const auto& d : kDepartments) {
    KECHAN_ASSIGN_OR_RETURN(
        auto org, auth.CreateOrgAsSystem(
                      {.kind = auth::OrgKind::kGovernment, .name = d[0], .name_en = d[1]}, "demo"));
    departments.push_back(org);
    ++report.orgs;
  }

  // Research institutions (synthetic).
  std::vector<auth::Org> institutions;
  for (int i = 0; i < 20 * options.scale; ++i) {
    std::string n = std::to_string(i + 1);
    KECHAN_ASSIGN_OR_RETURN(
        auto org, auth.CreateOrgAsSystem({.kind = auth::OrgKind::kInstitution,
                                          .name = "西部示例科技大学第" + n + "研究院（示例）",
                                          .name_en = "Example Western University Institute " + n,
                                          .uscc = ""},
                                         "demo"));
    institutions.push_back(org);
    ++report.orgs;
  }

  // Enterprises with valid synthetic unified social credit codes.
  std::vector<auth::Org> enterprises;
  const int firms = 973 * options.scale;
  for (int i = 0; i < firms; ++i) {
    const District& d = kDistricts[rng.Pick(std::size(kDistricts))];
    size_t biz = rng.Pick(std::size(kBusinesses));
    std::string trade = std::string(kSyllables[rng.Pick(std::size(kSyllables))]) +
                        kSyllables[rng.Pick(std::size(kSyllables))];
    KECHAN_ASSIGN_OR_RETURN(
        std::string uscc,
        auth::MakeUscc('9', '1', d.code, OrgBody(1000003ULL + static_cast<uint64_t>(i) * 7919ULL)));
    std::string n = std::to_string(i + 1);
    KECHAN_ASSIGN_OR_RETURN(
        auto org,
        auth.CreateOrgAsSystem(
            {.kind = auth::OrgKind::kEnterprise,
             .name = base::StrCat("成都", trade, kBusinesses[biz], "有限公司", n, "（示例）"),
             .name_en = base::StrCat("Chengdu Example ", kBusinessesEn[biz], " Co., Ltd. No. ", n),
             .uscc = uscc},
            "demo"));
    enterprises.push_back(org);
    ++report.orgs;
  }

  // One demo account for every role.
  struct Seat {
    const char* username;
    const char* display;
    auth::Role role;
    const auth::Org* org;
  };
  const Seat seats[] = {
      {"demo-officer", "演示部门工作人员", auth::Role::kOfficer, &departments[0]},
      {"demo-director", "演示坐班局长", auth::Role::kDutyDirector, &departments[0]},
      {"demo-chief", "演示产业链长", auth::Role::kChainChief, &departments[5]},
      {"demo-enterprise", "演示企业用户", auth::Role::kEnterprise, &enterprises[0]},
      {"demo-researcher", "演示科研人员", auth::Role::kResearcher, &institutions[0]},
      {"demo-broker", "演示技术经理人", auth::Role::kTechManager, &institutions[0]},
  };
  for (const auto& s : seats) {
    KECHAN_RETURN_IF_ERROR(auth.AddUserWithRole({.username = s.username,
                                                 .password = kDemoPassword,
                                                 .display_name = s.display,
                                                 .org = s.org->id,
                                                 .role = s.role},
                                                "demo")
                               .status());
    ++report.users;
    report.accounts.push_back({s.username, auth::RoleName(s.role), s.org->name});
  }
  // More staff per scale step: officers in every department, staff in some enterprises.
  for (int k = 0; k < 10 * options.scale; ++k) {
    const auth::Org& dept = departments[static_cast<size_t>(k) % 5];
    const auth::Org& firm = enterprises[static_cast<size_t>(k * 37) % enterprises.size()];
    std::string n = std::to_string(k + 1);
    KECHAN_RETURN_IF_ERROR(auth.AddUserWithRole({.username = "officer-" + n,
                                                 .password = kDemoPassword,
                                                 .display_name = "示例工作人员" + n,
                                                 .org = dept.id,
                                                 .role = auth::Role::kOfficer},
                                                "demo")
                               .status());
    KECHAN_RETURN_IF_ERROR(auth.AddUserWithRole({.username = "firm-staff-" + n,
                                                 .password = kDemoPassword,
                                                 .display_name = "示例企业联系人" + n,
                                                 .org = firm.id,
                                                 .role = auth::Role::kEnterprise},
                                                "demo")
                               .status());
    report.users += 2;
  }
  KECHAN_ASSIGN_OR_RETURN(auto chain_report, chain::LoadChainDemo(*app.chain, options.scale));
  report.chain_json = chain_report.ToJson();
  // demo-chief becomes the chief of CD-AI; demo-enterprise's organisation owns a demo firm.
  KECHAN_RETURN_IF_ERROR(
      chain::AssignDemoAccounts(*app.chain, {.enterprise_org = enterprises[0].id}));
  KECHAN_RETURN_IF_ERROR(
      policy::LoadPolicyDemo(*app.policy, *app.chain, enterprises[0].id).status());
  KECHAN_RETURN_IF_ERROR(notify::LoadNotifyDemo(*app.notify).status());
  {
    // Appeals over the last months in every state, catalogue, duty rota and receptions.
    std::vector<int64_t> chain_ids;
    KECHAN_ASSIGN_OR_RETURN(auto chains, app.chain->ListChains(chain::Caller::System("demo")));
    chain_ids.reserve(chains.size());
    for (const auto& c : chains) {
      chain_ids.push_back(c.chain.id.value);
    }
    calendar::CalendarService* cal = app.calendar.get();
    KECHAN_RETURN_IF_ERROR(appeals::LoadAppealsDemo(*app.db, [cal] { return cal->Current(); },
                                                    {.scale = options.scale,
                                                     .chain_ids = chain_ids,
                                                     .now = base::SystemClock::Get().NowMicros()})
                               .status());
  }
  KECHAN_RETURN_IF_ERROR(app.settings->Set("demo.scale", std::to_string(options.scale), "demo"));
  return report;
}

}  // namespace kechan::app
