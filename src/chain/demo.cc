#include "chain/demo.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/uscc.h"
#include "base/clock.h"
#include "chain/import_buildings.h"

namespace kechan::chain {
namespace {

// splitmix64: a tiny portable generator, so the dataset is the same on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }

 private:
  uint64_t s_;
};

constexpr uint64_t kSeed = 20260101;
constexpr int kDemoYears = 4;  // years of revenue, R&D and digital level per firm
constexpr const char* kNamedSource = "demo: named in the public report; nodes are synthetic";
constexpr const char* kExampleSource =
    "demo: typical Chengdu chain given as an EXAMPLE (not from the report); nodes synthetic";

struct NodeSpec {
  const char* code;
  const char* name;
  const char* name_en;
  Segment segment;
  int criticality;
  bool choke;
  int parent;      // index in the chain's spec list, -1 = top level
  bool local_gap;  // the demo gives this node external firms only (a gap to find)
};

struct ChainSpec {
  const char* cluster;
  const char* code;
  const char* name;
  const char* name_en;
  bool named;  // named in the report (else an example)
  const char* industry_word;
  std::vector<NodeSpec> nodes;
};

using S = Segment;
const std::vector<ChainSpec>& Chains() {
  static const std::vector<ChainSpec> kChains = {
      {"CD-EI",
       "CD-AI",
       "人工智能",
       "Artificial intelligence",
       true,
       "智能",
       {{"AI-CHIP", "智能芯片", "AI chips", S::kUpstream, 5, true, -1, false},
        {"AI-SENSOR", "智能传感器", "Smart sensors", S::kUpstream, 3, false, -1, false},
        {"AI-DATA", "数据标注与服务", "Data services", S::kUpstream, 2, false, -1, false},
        {"AI-FRAME", "算法框架", "Algorithm frameworks", S::kMidstream, 5, true, -1, true},
        {"AI-MODEL", "大模型", "Foundation models", S::kMidstream, 4, false, 3, false},
        {"AI-EDGE", "边缘计算", "Edge computing", S::kMidstream, 3, false, 0, false},
        {"AI-ROBOT", "智能机器人", "Intelligent robots", S::kDownstream, 3, false, -1, false},
        {"AI-APP", "行业应用", "Industry applications", S::kDownstream, 2, false, -1, false}}},
      {"CD-EI",
       "CD-IC",
       "集成电路",
       "Integrated circuits",
       false,
       "芯",
       {{"IC-EDA", "EDA 工具", "EDA tools", S::kUpstream, 5, true, -1, true},
        {"IC-MAT", "电子材料", "Electronic materials", S::kUpstream, 4, false, -1, false},
        {"IC-DESIGN", "芯片设计", "Chip design", S::kMidstream, 4, false, -1, false},
        {"IC-RF", "射频芯片", "RF chips", S::kMidstream, 4, false, 2, false},
        {"IC-PKG", "封装测试", "Packaging and test", S::kMidstream, 3, false, -1, false},
        {"IC-TERM", "终端整机", "Devices", S::kDownstream, 2, false, -1, false}}},
      {"CD-EM",
       "CD-AERO",
       "航空航天",
       "Aerospace",
       true,
       "航",
       {{"AERO-MAT", "航空材料", "Aerospace materials", S::kUpstream, 4, false, -1, false},
        {"AERO-ENGINE", "航空发动机", "Aero engines", S::kMidstream, 5, true, -1, true},
        {"AERO-AVIONICS", "航电系统", "Avionics", S::kMidstream, 4, false, -1, false},
        {"AERO-PARTS", "机体结构件", "Airframe parts", S::kMidstream, 3, false, -1, false},
        {"AERO-UAV", "无人机整机", "UAV systems", S::kDownstream, 3, false, -1, false},
        {"AERO-MRO", "维修保障", "MRO services", S::kDownstream, 2, false, 4, false}}},
      {"CD-EM",
       "CD-RAIL",
       "轨道交通",
       "Rail transit",
       false,
       "轨",
       {{"RAIL-STEEL", "轨道材料", "Rail materials", S::kUpstream, 3, false, -1, false},
        {"RAIL-TRACTION", "牵引系统", "Traction systems", S::kMidstream, 5, true, -1, false},
        {"RAIL-SIGNAL", "信号控制", "Signalling", S::kMidstream, 4, false, -1, true},
        {"RAIL-VEHICLE", "整车制造", "Rolling stock", S::kDownstream, 4, false, -1, false},
        {"RAIL-OPS", "运维服务", "Operations", S::kDownstream, 2, false, 3, false}}},
      {"CD-FUTURE",
       "CD-FUSION",
       "核聚变能",
       "Fusion energy",
       true,
       "聚能",
       {{"FUS-SC", "超导磁体", "Superconducting magnets", S::kUpstream, 5, true, -1, true},
        {"FUS-MAT", "第一壁材料", "First-wall materials", S::kUpstream, 5, true, -1, false},
        {"FUS-DEV", "聚变装置部件", "Device components", S::kMidstream, 4, false, -1, false},
        {"FUS-DIAG", "等离子体诊断", "Plasma diagnostics", S::kMidstream, 3, false, 2, false}}},
      {"CD-FUTURE",
       "CD-QUANTUM",
       "量子科技",
       "Quantum technology",
       true,
       "量子",
       {{"QT-DEVICE", "量子器件", "Quantum devices", S::kUpstream, 5, true, -1, true},
        {"QT-MEASURE", "量子测量", "Quantum metrology", S::kMidstream, 4, false, -1, false},
        {"QT-COMM", "量子通信", "Quantum communication", S::kMidstream, 4, false, -1, false},
        {"QT-APP", "量子应用", "Quantum applications", S::kDownstream, 2, false, 2, false}}},
  };
  return kChains;
}

const char* kDistricts[] = {"高新区", "天府新区", "双流区",   "郫都区",
                            "新津区", "龙泉驿区", "青白江区", "温江区"};
const char* kPrefixes[] = {"蓉",   "锦",   "天府", "青城", "峨眉", "岷江", "芙蓉", "金沙",
                           "玉垒", "都江", "西岭", "浣花", "望江", "银杏", "熊猫", "巴蜀"};
const char* kSuffixes[] = {"科技有限公司", "技术股份有限公司", "电子有限公司",
                           "智造有限公司", "创新科技有限公司", "精密工业有限公司"};

// Base-31 over the USCC charset without I, O, S, V, Z.
constexpr char kUsccDigits[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

std::string DemoUscc(int64_t n) {
  std::string body = "MD";
  std::string tail(6, '0');
  for (int i = 5; i >= 0; --i) {
    tail[i] = kUsccDigits[n % 31];
    n /= 31;
  }
  return auth::MakeUscc('9', '1', "510100", body + tail).value();
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

// The enterprise import's year, revenue, rd_spend and digital_level cells for the four years
// before `this_year`: "Y-4;Y-3;Y-2;Y-1", revenue 70/80/90/100 % of `last_revenue` (yuan), R&D
// `rd_percent` % of each year's revenue, digital level one below `last_level` (at least 1) for the
// two older years.
std::string YearFacts(int this_year, int64_t last_revenue, int64_t rd_percent, int last_level) {
  std::string years;
  std::string revenue;
  std::string rd;
  std::string digital;
  for (int k = 0; k < kDemoYears; ++k) {
    const int64_t r =
        k == kDemoYears - 1 ? last_revenue : last_revenue / 100 * (100 - 10 * (kDemoYears - 1 - k));
    const char* sep = k ? ";" : "";
    years += sep + std::to_string(this_year - kDemoYears + k);
    revenue += sep + std::to_string(r);
    rd += sep + std::to_string(r / 100 * rd_percent);
    digital += sep + std::to_string(std::max(1, last_level - (kDemoYears - 1 - k) / 2));
  }
  return years + "," + revenue + "," + rd + "," + digital;
}

// The last day of the month `delta` months after year/month.
base::Date MonthEnd(int year, int month, int delta) {
  int m0 = year * 12 + (month - 1) + delta;
  const int y = m0 / 12;
  const int m = m0 % 12 + 1;
  return base::Date::FromYmd(y, m, base::DaysInMonth(y, m)).value();
}

// Buildings (楼栋), units (单元) and one observation per unit at the end of each of the 24 months
// before `today`'s month. Every unit gets a move-in month (some before the window, some never), a
// lag to production and, for a few, a move-out: occupancy rises over the two years with some churn.
// Written as one file through ImportBuildings: one transaction and one event, whatever the count.
base::Status LoadBuildingDemo(ChainService& service, const std::vector<Park>& parks,
                              base::Date today, ChainDemoReport* report) {
  const Caller sys = Caller::System("demo");
  Rng rng(kSeed + 4);  // its own stream: the enterprise data does not change
  constexpr int kMonths = 24;
  constexpr int kUnitsPerBuilding = 8;
  const UnitUse uses[] = {UnitUse::kProduction, UnitUse::kProduction, UnitUse::kProduction,
                          UnitUse::kLab,        UnitUse::kOffice,     UnitUse::kWarehouse};
  const char* letters[] = {"A", "B", "C"};
  std::string csv =
      "park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,uscc\n";
  for (size_t pi = 0; pi < parks.size(); ++pi) {
    const Park& park = parks[pi];
    // Firms of the park, to name the occupants of some units.
    EnterpriseFilter f;
    f.park_id = park.id;
    KECHAN_ASSIGN_OR_RETURN(EnterprisePage firms,
                            service.ListEnterprises(sys, f, {.page = 1, .page_size = 60}));
    size_t next_firm = 0;
    const int buildings = park.level == 1 ? 3 : 2;
    for (int bi = 0; bi < buildings; ++bi) {
      const std::string name = std::string(letters[bi]) + std::to_string(pi + 1) + " 栋（示例）";
      const int64_t floors = 4 + rng.Below(9);
      struct UnitSpec {
        std::string code;
        int64_t floor;
        int64_t area;
        UnitUse use;
      };
      std::vector<UnitSpec> units;
      int64_t area = 0;
      for (int ui = 0; ui < kUnitsPerBuilding; ++ui) {
        UnitSpec u;
        u.floor = 1 + ui % floors;
        u.code = std::to_string(u.floor) + "F-0" + std::to_string(ui + 1);
        u.area = 300 + rng.Below(13) * 100;
        u.use = uses[rng.Below(std::size(uses))];
        area += u.area;
        units.push_back(u);
      }
      const int64_t floor_area = area + rng.Below(10) * 100;  // plus common areas
      const std::string building = CsvField(park.name) + "," + CsvField(name) + "," +
                                   std::to_string(floors) + "," + std::to_string(floor_area);
      for (const UnitSpec& u : units) {
        const std::string unit = building + "," + u.code + "," + std::to_string(u.floor) + "," +
                                 std::to_string(u.area) + "," + UnitUseName(u.use);
        // Month indexes 0..kMonths-1 in the window; move-in may precede it (< 0) or never come.
        const int64_t move_in = rng.Chance(12) ? kMonths : rng.Below(kMonths + 12) - 12;
        const int64_t lag = 1 + rng.Below(6);
        const bool never_produces = rng.Chance(15);
        const int64_t move_out = rng.Chance(10) ? move_in + 6 + rng.Below(12) : kMonths;
        std::string firm;
        if (next_firm < firms.items.size() && rng.Chance(60)) {
          firm = firms.items[next_firm++].uscc;
        }
        for (int m = 0; m < kMonths; ++m) {
          const bool occupied = m >= move_in && m < move_out;
          const bool producing = occupied && !never_produces && m >= move_in + lag;
          csv += unit + "," + MonthEnd(today.year(), today.month(), m - kMonths).ToString() + "," +
                 (occupied ? "1" : "0") + "," + (producing ? "1" : "0") + "," +
                 (occupied ? firm : std::string()) + "\n";
        }
      }
    }
  }
  KECHAN_ASSIGN_OR_RETURN(BuildingImportReport r,
                          ImportBuildings(service, sys, csv, {.source = "demo: synthetic"}));
  if (!r.committed) {
    return base::Internal("demo.buildings",
                          "demo buildings import failed: " +
                              (r.errors.empty() ? std::string("no rows") : r.errors[0].ToJson()));
  }
  report->buildings += r.buildings;
  report->units += r.units;
  report->unit_observations += r.observations;
  return base::Status::Ok();
}

// Major projects (重大项目) and industrial landmarks (产业地标), all synthetic, with milestones
// planned around `today`; a third slip by one to four months.
base::Status LoadProjectDemo(ChainService& service, const std::vector<ChainId>& chains,
                             const std::vector<Park>& parks, base::Date today,
                             ChainDemoReport* report) {
  const Caller sys = Caller::System("demo");
  Rng rng(kSeed + 5);
  struct ProjectSpec {
    const char* name;
    const char* name_en;
    ProjectKind kind;
  };
  const ProjectSpec specs[] = {
      {"智能算力中心项目（示例）", "AI computing centre (example)", ProjectKind::kMajor},
      {"射频芯片封测基地（示例）", "RF chip packaging base (example)", ProjectKind::kMajor},
      {"航空发动机部件产业园（示例）", "Aero-engine parts park (example)", ProjectKind::kLandmark},
      {"无人机整机制造项目（示例）", "UAV assembly plant (example)", ProjectKind::kMajor},
      {"轨道交通牵引系统项目（示例）", "Rail traction systems plant (example)",
       ProjectKind::kMajor},
      {"聚变装置关键部件基地（示例）", "Fusion components base (example)", ProjectKind::kLandmark},
      {"量子器件中试平台（示例）", "Quantum device pilot line (example)", ProjectKind::kMajor},
      {"大模型创新中心（示例）", "Foundation model centre (example)", ProjectKind::kLandmark},
      {"电子材料产业化项目（示例）", "Electronic materials plant (example)", ProjectKind::kMajor},
      {"智能机器人产业基地（示例）", "Intelligent robot base (example)", ProjectKind::kMajor},
  };
  const char* departments[] = {"市经信局（示例）", "市发改委（示例）", "市投促局（示例）",
                               "高新区管委会（示例）"};
  const int chain_of[] = {0, 1, 2, 2, 3, 4, 5, 0, 1, 0};  // index into `chains`
  for (size_t i = 0; i < std::size(specs); ++i) {
    Project p;
    p.name = specs[i].name;
    p.name_en = specs[i].name_en;
    p.kind = specs[i].kind;
    p.investment = base::Money::FromYuan((5 + rng.Below(195)) * 100'000'000);
    const size_t ci = static_cast<size_t>(chain_of[i]);
    if (ci < chains.size()) {
      p.chain_id = chains[ci];
    }
    p.park_id = parks[i % parks.size()].id;
    p.department = departments[rng.Below(std::size(departments))];
    // Signed 3..33 months ago; then start +3 months, completion +15, production +20.
    const base::Date signed_planned = today.AddDays(-(90 + rng.Below(900)));
    const int64_t offsets[kMilestoneCount] = {0, 90, 450, 600};
    const bool slipping = i % 3 == 1;
    const int64_t slip = slipping ? 30 + rng.Below(90) : -rng.Below(15);
    bool reached = true;
    for (int m = 0; m < kMilestoneCount; ++m) {
      MilestoneDates& d = p.milestones[static_cast<size_t>(m)];
      d.planned = signed_planned.AddDays(offsets[m]);
      const base::Date actual = d.planned->AddDays(m == 0 ? 0 : slip + rng.Below(10));
      if (reached && actual <= today) {
        d.actual = actual;
      } else {
        reached = false;
      }
    }
    p.provenance.source = "demo: synthetic project";
    KECHAN_RETURN_IF_ERROR(service.CreateProject(sys, p).status());
    ++report->projects;
  }
  return base::Status::Ok();
}

}  // namespace

std::string ChainDemoReport::ToJson() const {
  return std::string("{\"already_loaded\":") + (already_loaded ? "true" : "false") +
         ",\"clusters\":" + std::to_string(clusters) + ",\"chains\":" + std::to_string(chains) +
         ",\"nodes\":" + std::to_string(nodes) + ",\"parks\":" + std::to_string(parks) +
         ",\"enterprises\":" + std::to_string(enterprises) + ",\"links\":" + std::to_string(links) +
         ",\"supply_links\":" + std::to_string(supply_links) +
         ",\"observations\":" + std::to_string(observations) +
         ",\"buildings\":" + std::to_string(buildings) + ",\"units\":" + std::to_string(units) +
         ",\"unit_observations\":" + std::to_string(unit_observations) +
         ",\"projects\":" + std::to_string(projects) + "}";
}

base::Result<ChainDemoReport> LoadChainDemo(ChainService& service, int scale) {
  return LoadChainDemo(service, scale, base::LocalDateOf(base::SystemClock::Get().NowMicros()));
}

base::Result<ChainDemoReport> LoadChainDemo(ChainService& service, int scale, base::Date today) {
  if (scale < 1 || scale > 4000) {
    return base::InvalidArgument("scale", "demo.scale", "scale must be 1-4000",
                                 "scale 须为 1-4000");
  }
  ChainDemoReport report;
  KECHAN_ASSIGN_OR_RETURN(auto existing, service.FindChainByCode("CD-AI"));
  if (existing) {
    report.already_loaded = true;
    return report;
  }
  const Caller sys = Caller::System("demo");
  Rng rng(kSeed);
  const base::Date start = base::Date::Parse("2020-01-01").value();

  // Clusters.
  struct ClusterSpec {
    const char* code;
    const char* name;
    const char* name_en;
    Tier tier;
  };
  const ClusterSpec clusters[] = {
      {"CD-EI", "电子信息", "Electronic information", Tier::kTrillion},
      {"CD-EM", "装备制造", "Equipment manufacturing", Tier::kTrillion},
      {"CD-FUTURE", "未来产业", "Future industries", Tier::kFuture},
  };
  std::map<std::string, ClusterId> cluster_ids;
  for (const auto& c : clusters) {
    Cluster cl;
    cl.code = c.code;
    cl.name = c.name;
    cl.name_en = c.name_en;
    cl.tier = c.tier;
    cl.provenance.source = "demo: named in the public report";
    KECHAN_ASSIGN_OR_RETURN(Cluster created, service.CreateCluster(sys, cl));
    cluster_ids[c.code] = created.id;
    ++report.clusters;
  }

  // Parks: the three the report names, and one synthetic park-in-park.
  struct ParkSpec {
    const char* name;
    const char* name_en;
    const char* industry;
  };
  const ParkSpec parks[] = {
      {"微波射频科学城", "Microwave & RF Science City", "电子信息"},
      {"未来翼谷", "Future Wing Valley", "航空航天"},
      {"西部脑谷", "Western Brain Valley", "人工智能"},
  };
  std::vector<Park> park_list;
  for (const auto& p : parks) {
    Park pk;
    pk.name = p.name;
    pk.name_en = p.name_en;
    pk.level = 1;
    pk.main_industry = p.industry;
    pk.provenance.source = "demo: park named in the public report; figures synthetic";
    KECHAN_ASSIGN_OR_RETURN(Park created, service.CreatePark(sys, pk));
    park_list.push_back(created);
    ++report.parks;
  }
  {
    Park sub;
    sub.name = "无人机产业园（示例）";
    sub.name_en = "UAV park (example)";
    sub.level = 2;
    sub.parent_id = park_list[1].id;
    sub.main_industry = "航空航天";
    sub.provenance.source = "demo: synthetic park-in-park";
    KECHAN_ASSIGN_OR_RETURN(Park created, service.CreatePark(sys, sub));
    park_list.push_back(created);
    ++report.parks;
  }

  // Occupancy: quarterly, the 12 quarters before `today`'s quarter, rising towards full.
  const int first_quarter = today.year() * 4 + (today.month() - 1) / 3 - 12;
  for (const Park& p : park_list) {
    const double land_total = 200000 + static_cast<double>(rng.Below(800000));
    const double floor_total = land_total * 1.5;
    const int64_t units = 40 + rng.Below(160);
    for (int q = 0; q < 12; ++q) {
      const int year = (first_quarter + q) / 4;
      const int month = ((first_quarter + q) % 4) * 3 + 3;
      OccupancyObservation o;
      o.park_id = p.id;
      o.date = base::Date::FromYmd(year, month, base::DaysInMonth(year, month)).value();
      const double fill = 0.45 + 0.04 * q + 0.01 * static_cast<double>(rng.Below(5));
      o.land_total = land_total;
      o.land_used = land_total * std::min(fill, 1.0);
      o.floor_total = floor_total;
      o.floor_used = floor_total * std::min(fill * 0.95, 1.0);
      o.total_units = units;
      o.producing_units =
          std::min<int64_t>(units, static_cast<int64_t>(static_cast<double>(units) * fill * 0.9));
      o.provenance.source = "demo: synthetic";
      KECHAN_RETURN_IF_ERROR(service.AddObservation(sys, o).status());
      ++report.observations;
    }
  }

  // Chains and nodes.
  struct Built {
    const ChainSpec* spec;
    ChainId id;
    std::vector<Node> nodes;
  };
  std::vector<Built> built;
  for (const auto& spec : Chains()) {
    Chain ch;
    ch.code = spec.code;
    ch.name = spec.name;
    ch.name_en = spec.name_en;
    ch.cluster_id = cluster_ids.at(spec.cluster);
    ch.chief = "示例链长（示例）";
    ch.lead_department = "示例牵头部门（示例）";
    ch.host_districts = {kDistricts[rng.Below(std::size(kDistricts))]};
    ch.partners = {"成渝", "成都都市圈"};
    ch.provenance.source = spec.named ? kNamedSource : kExampleSource;
    ch.validity.valid_from = start;
    KECHAN_ASSIGN_OR_RETURN(Chain created, service.CreateChain(sys, ch));
    ++report.chains;
    Built b{&spec, created.id, {}};
    for (const auto& ns : spec.nodes) {
      Node n;
      n.chain_id = created.id;
      n.code = ns.code;
      n.name = std::string(ns.name) + "（示例）";
      n.name_en = std::string(ns.name_en) + " (example)";
      n.segment = ns.segment;
      n.criticality = ns.criticality;
      n.choke_point = ns.choke;
      if (ns.parent >= 0) {
        n.parent_id = b.nodes.at(ns.parent).id;
      }
      n.provenance.source = "demo: synthetic node";
      n.validity.valid_from = start;
      KECHAN_ASSIGN_OR_RETURN(Node made, service.CreateNode(sys, n));
      b.nodes.push_back(made);
      ++report.nodes;
    }
    built.push_back(std::move(b));
  }

  // Enterprises through the CSV import, in batches.
  const int64_t total = 300LL * scale;
  const int64_t kBatch = 50000;
  const std::string header =
      "uscc,name,name_en,district,park,above_size,green_factory,year,revenue,rd_spend,"
      "digital_level,chain,nodes,role,locality,capacity,products,valid_from\n";
  std::string csv = header;
  int64_t in_batch = 0;
  auto flush = [&]() -> base::Status {
    if (in_batch == 0) {
      return base::Status::Ok();
    }
    KECHAN_ASSIGN_OR_RETURN(ImportReport r,
                            service.ImportEnterprisesCsv(sys, csv, {.source = "demo: synthetic"}));
    if (!r.committed) {
      return base::Internal("demo.import",
                            "demo import failed: " +
                                (r.errors.empty() ? std::string("no rows") : r.errors[0].ToJson()));
    }
    report.enterprises += r.imported;
    report.links += r.links;
    csv = header;
    in_batch = 0;
    return base::Status::Ok();
  };
  for (int64_t i = 0; i < total; ++i) {
    const Built& b = built[static_cast<size_t>(i % static_cast<int64_t>(built.size()))];
    const bool master = i < static_cast<int64_t>(built.size());  // the first firm of each chain
    const size_t n = b.nodes.size();
    const size_t first = static_cast<size_t>(rng.Below(static_cast<int64_t>(n)));
    std::string node_codes = b.nodes[first].code;
    if (rng.Chance(30)) {
      const size_t second = static_cast<size_t>(rng.Below(static_cast<int64_t>(n)));
      if (second != first && !b.spec->nodes[second].local_gap) {
        node_codes += ";" + b.nodes[second].code;
      }
    }
    bool gap_node = b.spec->nodes[first].local_gap;
    const bool local = master || (!gap_node && rng.Chance(85));
    const std::string name = std::string(kPrefixes[rng.Below(std::size(kPrefixes))]) +
                             b.spec->industry_word + std::to_string(i + 1) +
                             kSuffixes[rng.Below(std::size(kSuffixes))] + "（示例）";
    const char* district = kDistricts[rng.Below(std::size(kDistricts))];
    std::string park;
    if (local && rng.Chance(40)) {
      park = park_list[static_cast<size_t>(rng.Below(static_cast<int64_t>(park_list.size())))].name;
    }
    // Last year's revenue, R&D share and digital level; the three years before grow towards
    // them (no further draws: the rest of the dataset stays as it was).
    const int64_t revenue = 5'000'000 + rng.Below(master ? 5'000'000'000 : 800'000'000);
    const int64_t rd_percent = 2 + rng.Below(8);
    csv += DemoUscc(i + 1) + "," + CsvField(name) + ",Example firm " + std::to_string(i + 1) +
           " (example)," + (local ? district : "") + "," + CsvField(park) + "," +
           (master || rng.Chance(30) ? "1" : "0") + "," + (rng.Chance(10) ? "1" : "0") + "," +
           YearFacts(today.year(), revenue, rd_percent, static_cast<int>(1 + rng.Below(4))) + "," +
           b.spec->code + "," + node_codes + "," + (master ? "chain_master" : "supplier") + "," +
           (local ? "local" : "external") + "," + std::to_string(10 + rng.Below(990)) +
           ",示例产品,2020-01-01\n";
    if (++in_batch == kBatch) {
      KECHAN_RETURN_IF_ERROR(flush());
    }
  }
  KECHAN_RETURN_IF_ERROR(flush());

  // Supply links: each chain master buys from up to 12 firms of its chain.
  for (const Built& b : built) {
    KECHAN_ASSIGN_OR_RETURN(ChainSnapshot snap, service.LoadSnapshot(b.id));
    std::optional<EnterpriseId> master;
    for (const Link& l : snap.links) {
      if (l.role == LinkRole::kChainMaster) {
        master = l.enterprise_id;
        break;
      }
    }
    if (!master) {
      continue;
    }
    int added = 0;
    std::set<int64_t> seen;
    for (const Link& l : snap.links) {
      if (added >= 12 || l.enterprise_id == *master || !seen.insert(l.enterprise_id.value).second) {
        continue;
      }
      SupplyLink s;
      s.buyer_id = *master;
      s.supplier_id = l.enterprise_id;
      s.node_id = l.node_id;
      s.value = base::Money::FromYuan(100'000 + rng.Below(50'000'000));
      s.locality = l.locality;
      s.provenance.source = "demo: synthetic";
      s.validity.valid_from = start;
      KECHAN_RETURN_IF_ERROR(service.AddSupplyLink(sys, s).status());
      ++added;
      ++report.supply_links;
    }
  }

  // A few gradient tiers (dated history) on the first firms, for the key-firm ranking.
  KECHAN_ASSIGN_OR_RETURN(EnterprisePage page, service.ListEnterprises(sys, {}, {1, 40}));
  for (size_t i = 0; i < page.items.size(); i += 3) {
    KECHAN_ASSIGN_OR_RETURN(EnterpriseDetail d, service.GetEnterprise(sys, page.items[i].id));
    Enterprise e = d.enterprise;
    // Innovative SME four and three years ago, promoted two years ago (still in force).
    const int y = today.year();
    e.tiers = {{GradientTier::kInnovativeSme, base::Date::FromYmd(y - 4, 1, 1).value(),
                base::Date::FromYmd(y - 3, 12, 31).value()},
               {i % 2 ? GradientTier::kSpecialized : GradientTier::kLittleGiant,
                base::Date::FromYmd(y - 2, 1, 1).value(), std::nullopt}};
    KECHAN_RETURN_IF_ERROR(service.UpdateEnterprise(sys, e).status());
  }

  KECHAN_RETURN_IF_ERROR(LoadBuildingDemo(service, park_list, today, &report));
  std::vector<ChainId> chain_ids;
  chain_ids.reserve(built.size());
  for (const Built& b : built) {
    chain_ids.push_back(b.id);
  }
  KECHAN_RETURN_IF_ERROR(LoadProjectDemo(service, chain_ids, park_list, today, &report));
  return report;
}

base::Status AssignDemoAccounts(ChainService& service, const DemoAccounts& accounts) {
  const Caller sys = Caller::System("demo");
  KECHAN_ASSIGN_OR_RETURN(auto chain, service.FindChainByCode(accounts.chief_chain));
  if (!chain) {
    return base::NotFound("chain.demo_chain", "no chain " + accounts.chief_chain,
                          "不存在产业链 " + accounts.chief_chain, "chief_chain");
  }
  KECHAN_ASSIGN_OR_RETURN(auto candidates, service.ListChiefCandidates(sys));
  std::optional<base::UserId> chief;
  for (const auto& c : candidates) {
    if (c.username == accounts.chief_username) {
      chief = c.user_id;
    }
  }
  if (!chief) {
    return base::NotFound("chain.demo_chief", "no chain chief " + accounts.chief_username,
                          "不存在产业链长账号 " + accounts.chief_username, "chief_username");
  }
  KECHAN_RETURN_IF_ERROR(service.SetChainChiefs(sys, chain->id, {*chief}).status());
  if (accounts.enterprise_org) {
    EnterpriseFilter f;
    f.chain_id = chain->id;
    KECHAN_ASSIGN_OR_RETURN(auto page,
                            service.ListEnterprises(sys, f, {.page = 1, .page_size = 1}));
    if (!page.items.empty()) {
      KECHAN_ASSIGN_OR_RETURN(auto detail, service.GetEnterprise(sys, page.items[0].id));
      if (detail.enterprise.org_id != accounts.enterprise_org) {
        detail.enterprise.org_id = accounts.enterprise_org;
        KECHAN_RETURN_IF_ERROR(service.UpdateEnterprise(sys, detail.enterprise).status());
      }
    }
  }
  return base::Status::Ok();
}

}  // namespace kechan::chain
