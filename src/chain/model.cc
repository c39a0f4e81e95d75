#include "chain/model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "auth/uscc.h"

namespace kechan::chain {
namespace {

using base::Date;
using base::InvalidArgument;
using base::Result;
using base::Status;

// One enum's names: English (stable) and Chinese.
struct EnumName {
  const char* en;
  const char* zh;
};

template <typename E, size_t N>
Result<E> ParseEnum(const EnumName (&names)[N], std::string_view text, std::string_view field,
                    const char* reason, const char* what_en, const char* what_zh) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i].en || text == names[i].zh) {
      return static_cast<E>(i);
    }
  }
  std::string allowed;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) {
      allowed += ", ";
    }
    allowed += names[i].en;
  }
  return InvalidArgument(
      std::string(field), reason,
      std::string("unknown ") + what_en + " \"" + std::string(text) + "\"; expected one of " +
          allowed,
      std::string("未知的") + what_zh + "“" + std::string(text) + "”，应为 " + allowed + " 之一");
}

constexpr EnumName kTierNames[] = {
    {"trillion", "万亿级"}, {"hundred_billion", "千亿级"}, {"future", "未来产业"}};
constexpr EnumName kSegmentNames[] = {
    {"upstream", "上游"}, {"midstream", "中游"}, {"downstream", "下游"}};
constexpr EnumName kRoleNames[] = {
    {"chain_master", "链主"}, {"supplier", "配套"}, {"user", "用户"}, {"service", "服务"}};
constexpr EnumName kLocalityNames[] = {{"local", "本地"}, {"external", "外地"}};
constexpr EnumName kUnitUseNames[] = {
    {"production", "生产"}, {"office", "办公"}, {"lab", "研发"}, {"warehouse", "仓储"}};
constexpr EnumName kGradientNames[] = {{"innovative_sme", "创新型中小企业"},
                                       {"specialized", "专精特新"},
                                       {"little_giant", "小巨人"},
                                       {"single_champion", "单项冠军"}};

Status Invalid(std::string_view field, std::string_view reason, std::string en, std::string zh) {
  return InvalidArgument(std::string(field), std::string(reason), std::move(en), std::move(zh));
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string Trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) {
    return {};
  }
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool IsCode(std::string_view s) {
  if (s.size() < 2 || s.size() > 32) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string Fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Valid producer links of `s` grouped by node.
std::unordered_map<NodeId, std::vector<const Link*>> ProducerLinksByNode(const ChainSnapshot& s) {
  std::unordered_map<NodeId, std::vector<const Link*>> out;
  for (const Link& l : s.links) {
    if (IsProducer(l.role)) {
      out[l.node_id].push_back(&l);
    }
  }
  return out;
}

std::unordered_map<EnterpriseId, const Enterprise*> EnterpriseIndex(const ChainSnapshot& s) {
  std::unordered_map<EnterpriseId, const Enterprise*> out;
  for (const Enterprise& e : s.enterprises) {
    out.emplace(e.id, &e);
  }
  return out;
}

std::string NameOf(const std::unordered_map<EnterpriseId, const Enterprise*>& index,
                   EnterpriseId id) {
  auto it = index.find(id);
  return it == index.end() ? std::string() : it->second->name;
}

// Stats of the nodes of an already filtered snapshot.
std::vector<NodeStats> StatsOf(const ChainSnapshot& s) {
  auto by_node = ProducerLinksByNode(s);
  std::vector<NodeStats> out;
  out.reserve(s.nodes.size());
  for (const Node& n : s.nodes) {
    NodeStats st;
    st.node_id = n.id;
    st.code = n.code;
    st.name = n.name;
    st.name_en = n.name_en;
    st.segment = n.segment;
    st.criticality = n.criticality;
    st.choke_point = n.choke_point;
    // Per firm: local?, capacity, revenue (summed over its links at the node).
    struct Firm {
      bool local = false;
      double capacity = 0;
      double revenue = 0;
    };
    std::map<EnterpriseId, Firm> firms;
    if (auto it = by_node.find(n.id); it != by_node.end()) {
      for (const Link* l : it->second) {
        Firm& f = firms[l->enterprise_id];
        f.local = f.local || l->locality == Locality::kLocal;
        f.capacity += std::max(0.0, l->capacity);
        f.revenue += static_cast<double>(std::max<int64_t>(0, l->revenue.fen()));
      }
    }
    double cap_total = 0;
    double rev_total = 0;
    for (const auto& [id, f] : firms) {
      (f.local ? st.local_firms : st.external_firms) += 1;
      cap_total += f.capacity;
      rev_total += f.revenue;
    }
    st.suppliers = static_cast<int>(firms.size());
    st.single_source = firms.size() == 1;
    if (!firms.empty()) {
      std::vector<double> amounts;
      std::vector<EnterpriseId> ids;
      for (const auto& [id, f] : firms) {
        ids.push_back(id);
        if (cap_total > 0) {
          amounts.push_back(f.capacity);
        } else if (rev_total > 0) {
          amounts.push_back(f.revenue);
        } else {
          amounts.push_back(1);
        }
      }
      st.hhi_basis = cap_total > 0 ? "capacity" : rev_total > 0 ? "revenue" : "count";
      st.hhi = Hhi(amounts);
      double total = 0;
      for (double a : amounts) {
        total += a;
      }
      size_t best = 0;
      for (size_t i = 1; i < amounts.size(); ++i) {
        if (amounts[i] > amounts[best]) {
          best = i;
        }
      }
      st.top_share = amounts[best] / total;
      st.top_supplier = ids[best];
    }
    out.push_back(std::move(st));
  }
  std::sort(out.begin(), out.end(), [](const NodeStats& a, const NodeStats& b) {
    return a.code != b.code ? a.code < b.code : a.node_id < b.node_id;
  });
  return out;
}

double CoverageOf(const std::vector<NodeStats>& stats) {
  if (stats.empty()) {
    return 0;
  }
  size_t covered = std::count_if(stats.begin(), stats.end(),
                                 [](const NodeStats& st) { return st.local_firms > 0; });
  return static_cast<double>(covered) / static_cast<double>(stats.size());
}

std::vector<NodeId> GapsOf(const std::vector<NodeStats>& stats) {
  std::vector<const NodeStats*> gaps;
  for (const NodeStats& st : stats) {
    if (st.local_firms == 0) {
      gaps.push_back(&st);
    }
  }
  std::sort(gaps.begin(), gaps.end(), [](const NodeStats* a, const NodeStats* b) {
    if (a->choke_point != b->choke_point) {
      return a->choke_point;
    }
    if (a->criticality != b->criticality) {
      return a->criticality > b->criticality;
    }
    if (a->code != b->code) {
      return a->code < b->code;
    }
    return a->node_id < b->node_id;
  });
  std::vector<NodeId> out;
  out.reserve(gaps.size());
  for (const NodeStats* g : gaps) {
    out.push_back(g->node_id);
  }
  return out;
}

double TierScore(std::optional<GradientTier> t) {
  if (!t) {
    return 0;
  }
  switch (*t) {
    case GradientTier::kInnovativeSme:
      return 0.25;
    case GradientTier::kSpecialized:
      return 0.5;
    case GradientTier::kLittleGiant:
      return 0.75;
    case GradientTier::kSingleChampion:
      return 1;
  }
  return 0;
}

}  // namespace

// ---- Enumerations ----------------------------------------------------------------------------

const char* TierName(Tier t) { return kTierNames[static_cast<int>(t)].en; }
const char* TierNameZh(Tier t) { return kTierNames[static_cast<int>(t)].zh; }
Result<Tier> ParseTier(std::string_view text, std::string_view field) {
  return ParseEnum<Tier>(kTierNames, text, field, "tier.unknown", "tier", "产业集群层级");
}

const char* SegmentName(Segment s) { return kSegmentNames[static_cast<int>(s)].en; }
const char* SegmentNameZh(Segment s) { return kSegmentNames[static_cast<int>(s)].zh; }
Result<Segment> ParseSegment(std::string_view text, std::string_view field) {
  return ParseEnum<Segment>(kSegmentNames, text, field, "segment.unknown", "segment", "产业链环节");
}

const char* LinkRoleName(LinkRole r) { return kRoleNames[static_cast<int>(r)].en; }
const char* LinkRoleNameZh(LinkRole r) { return kRoleNames[static_cast<int>(r)].zh; }
Result<LinkRole> ParseLinkRole(std::string_view text, std::string_view field) {
  return ParseEnum<LinkRole>(kRoleNames, text, field, "role.unknown", "role", "企业角色");
}
bool IsProducer(LinkRole r) { return r != LinkRole::kUser; }

const char* LocalityName(Locality l) { return kLocalityNames[static_cast<int>(l)].en; }
const char* LocalityNameZh(Locality l) { return kLocalityNames[static_cast<int>(l)].zh; }
Result<Locality> ParseLocality(std::string_view text, std::string_view field) {
  return ParseEnum<Locality>(kLocalityNames, text, field, "locality.unknown", "locality",
                             "本地/外地标记");
}

const char* UnitUseName(UnitUse u) { return kUnitUseNames[static_cast<int>(u)].en; }
const char* UnitUseNameZh(UnitUse u) { return kUnitUseNames[static_cast<int>(u)].zh; }
Result<UnitUse> ParseUnitUse(std::string_view text, std::string_view field) {
  return ParseEnum<UnitUse>(kUnitUseNames, text, field, "use.unknown", "use", "单元用途");
}

const char* GradientTierName(GradientTier t) { return kGradientNames[static_cast<int>(t)].en; }
const char* GradientTierNameZh(GradientTier t) { return kGradientNames[static_cast<int>(t)].zh; }
Result<GradientTier> ParseGradientTier(std::string_view text, std::string_view field) {
  return ParseEnum<GradientTier>(kGradientNames, text, field, "gradient_tier.unknown",
                                 "gradient tier", "梯度培育层级");
}

// ---- Validity --------------------------------------------------------------------------------

bool IsValidOn(const Validity& v, Date d) {
  return v.valid_from <= d && (!v.valid_to || d <= *v.valid_to);
}

std::optional<GradientTier> TierOn(const Enterprise& e, Date d) {
  std::optional<GradientTier> best;
  for (const GradientTierRecord& r : e.tiers) {
    if (r.from <= d && (!r.to || d <= *r.to) && (!best || r.tier > *best)) {
      best = r.tier;
    }
  }
  return best;
}

// ---- Validation ------------------------------------------------------------------------------

Status ValidateValidity(const Validity& v, std::string_view field) {
  if (v.valid_to && *v.valid_to < v.valid_from) {
    return Invalid(
        field, "validity.order",
        "valid_to " + v.valid_to->ToString() + " is before valid_from " + v.valid_from.ToString(),
        "有效期截止日 " + v.valid_to->ToString() + " 早于起始日 " + v.valid_from.ToString());
  }
  return Status::Ok();
}

Status ValidateCluster(const Cluster& c) {
  if (!IsCode(c.code)) {
    return Invalid("code", "cluster.code",
                   "cluster code must be 2-32 characters of A-Z, 0-9, '-' or '_'",
                   "产业集群编码须为 2-32 位大写字母、数字、“-”或“_”");
  }
  if (IsBlank(c.name)) {
    return Invalid("name", "cluster.name", "cluster name is required", "产业集群名称不能为空");
  }
  return ValidateValidity(c.validity);
}

Status ValidateChain(const Chain& c) {
  if (!IsCode(c.code)) {
    return Invalid("code", "chain.code",
                   "chain code must be 2-32 characters of A-Z, 0-9, '-' or '_' (e.g. CD-AI)",
                   "产业链编码须为 2-32 位大写字母、数字、“-”或“_”（如 CD-AI）");
  }
  if (IsBlank(c.name)) {
    return Invalid("name", "chain.name", "chain name is required", "产业链名称不能为空");
  }
  return ValidateValidity(c.validity);
}

Status ValidateNode(const Node& n) {
  if (IsBlank(n.code)) {
    return Invalid("code", "node.code", "node code is required", "节点编码不能为空");
  }
  if (IsBlank(n.name)) {
    return Invalid("name", "node.name", "node " + n.code + ": name is required",
                   "节点 " + n.code + "：名称不能为空");
  }
  if (n.criticality < 1 || n.criticality > 5) {
    return Invalid(
        "criticality", "node.criticality",
        "node " + n.code + ": criticality must be 1-5, got " + std::to_string(n.criticality),
        "节点 " + n.code + "：关键程度须为 1-5，实际为 " + std::to_string(n.criticality));
  }
  if (n.parent_id && n.id.valid() && *n.parent_id == n.id) {
    return Invalid("parent_id", "node.cycle", "node " + n.code + " is its own parent",
                   "节点 " + n.code + " 不能以自身为上级节点");
  }
  return ValidateValidity(n.validity);
}

Status ValidateNodeTree(const std::vector<Node>& nodes) {
  std::unordered_map<NodeId, const Node*> by_id;
  for (const Node& n : nodes) {
    by_id.emplace(n.id, &n);
  }
  std::set<std::pair<int64_t, std::string>> codes;
  for (const Node& n : nodes) {
    if (!codes.emplace(n.chain_id.value, n.code).second) {
      return Invalid("code", "node.duplicate_code", "node code " + n.code + " is used twice",
                     "节点编码 " + n.code + " 在同一产业链中重复");
    }
  }
  for (const Node& n : nodes) {
    if (!n.parent_id) {
      continue;
    }
    auto it = by_id.find(*n.parent_id);
    if (it == by_id.end()) {
      return Invalid(
          "parent_id", "node.orphan",
          "node " + n.code + ": parent node " + n.parent_id->ToString() + " does not exist",
          "节点 " + n.code + "：上级节点 " + n.parent_id->ToString() + " 不存在");
    }
    if (it->second->chain_id != n.chain_id) {
      return Invalid(
          "parent_id", "node.wrong_chain",
          "node " + n.code + ": parent node " + it->second->code + " belongs to another chain",
          "节点 " + n.code + "：上级节点 " + it->second->code + " 属于其他产业链");
    }
  }
  // Cycles: follow parents from each node; a walk longer than the node count, or returning to a
  // node seen in this walk, is a cycle. States: 0 unvisited, 1 on the current walk, 2 done.
  std::unordered_map<NodeId, int> state;
  for (const Node& start : nodes) {
    std::vector<NodeId> walk;
    const Node* cur = &start;
    while (cur != nullptr) {
      int& st = state[cur->id];
      if (st == 2) {
        break;
      }
      if (st == 1) {
        return Invalid("parent_id", "node.cycle",
                       "node " + cur->code + " is its own ancestor (cycle)",
                       "节点 " + cur->code + " 的上级关系构成循环");
      }
      st = 1;
      walk.push_back(cur->id);
      cur = cur->parent_id ? by_id.at(*cur->parent_id) : nullptr;
    }
    for (NodeId id : walk) {
      state[id] = 2;
    }
  }
  return Status::Ok();
}

Status ValidateEnterprise(const Enterprise& e) {
  if (auto u = auth::NormalizeUscc(e.uscc, "uscc"); !u.ok()) {
    return u.status();
  }
  if (IsBlank(e.name)) {
    return Invalid("name", "enterprise.name", "enterprise name is required", "企业名称不能为空");
  }
  for (const auto& [year, m] : e.revenue) {
    if (m.fen() < 0) {
      return Invalid("revenue", "enterprise.revenue_negative",
                     "revenue of " + std::to_string(year) + " is negative",
                     std::to_string(year) + " 年营业收入不能为负数");
    }
  }
  for (const auto& [year, m] : e.rd_spend) {
    if (m.fen() < 0) {
      return Invalid("rd_spend", "enterprise.rd_negative",
                     "R&D spend of " + std::to_string(year) + " is negative",
                     std::to_string(year) + " 年研发投入不能为负数");
    }
  }
  for (const auto& [year, level] : e.digital_level) {
    if (level < 1 || level > 4) {
      return Invalid(
          "digital_level", "enterprise.digital_level",
          "digital transformation level of " + std::to_string(year) + " must be 1-4, got " +
              std::to_string(level),
          std::to_string(year) + " 年数字化转型等级须为 1-4，实际为 " + std::to_string(level));
    }
  }
  for (size_t i = 0; i < e.tiers.size(); ++i) {
    const GradientTierRecord& r = e.tiers[i];
    bool bad = r.to && *r.to < r.from;
    if (i > 0) {
      const GradientTierRecord& prev = e.tiers[i - 1];
      bad = bad || r.from < prev.from || !prev.to || r.from <= *prev.to;
    }
    if (bad) {
      return Invalid(
          "tiers", "enterprise.tier_order",
          "gradient tier history entry " + std::to_string(i + 1) + " (" + GradientTierName(r.tier) +
              " from " + r.from.ToString() + ") is out of date order or overlaps the previous one",
          "梯度培育记录第 " + std::to_string(i + 1) + " 条（" + GradientTierNameZh(r.tier) +
              "，自 " + r.from.ToString() + "）日期顺序错误或与上一条重叠");
    }
  }
  return ValidateValidity(e.validity);
}

Status NormalizeEnterprise(Enterprise* e) {
  KECHAN_ASSIGN_OR_RETURN(std::string uscc, auth::NormalizeUscc(e->uscc, "uscc"));
  e->uscc = std::move(uscc);
  e->name = Trimmed(e->name);
  e->name_en = Trimmed(e->name_en);
  e->district = Trimmed(e->district);
  return ValidateEnterprise(*e);
}

Status ValidateLink(const Link& l) {
  if (!l.enterprise_id.valid()) {
    return Invalid("enterprise_id", "link.enterprise", "enterprise is required", "必须指定企业");
  }
  if (!l.node_id.valid()) {
    return Invalid("node_id", "link.node", "node is required", "必须指定产业链节点");
  }
  if (!(l.capacity >= 0) || !std::isfinite(l.capacity)) {
    return Invalid("capacity", "link.capacity_negative",
                   "capacity must be a non-negative number, got " + Fmt(l.capacity),
                   "产能须为非负数，实际为 " + Fmt(l.capacity));
  }
  if (l.revenue.fen() < 0) {
    return Invalid("revenue", "link.revenue_negative", "revenue must not be negative",
                   "营业收入不能为负数");
  }
  return ValidateValidity(l.validity);
}

Status ValidateSupplyLink(const SupplyLink& s) {
  if (!s.buyer_id.valid()) {
    return Invalid("buyer_id", "supply.buyer", "buyer is required", "必须指定采购方企业");
  }
  if (!s.supplier_id.valid()) {
    return Invalid("supplier_id", "supply.supplier", "supplier is required", "必须指定供应方企业");
  }
  if (s.buyer_id == s.supplier_id) {
    return Invalid("supplier_id", "supply.self", "a firm cannot supply itself",
                   "供应方与采购方不能是同一企业");
  }
  if (!s.node_id.valid()) {
    return Invalid("node_id", "supply.node", "node is required", "必须指定产业链节点");
  }
  if (s.value.fen() < 0) {
    return Invalid("value", "supply.value_negative", "supply value must not be negative",
                   "采购金额不能为负数");
  }
  return ValidateValidity(s.validity);
}

Status ValidatePark(const Park& p) {
  if (IsBlank(p.name)) {
    return Invalid("name", "park.name", "park name is required", "园区名称不能为空");
  }
  if (p.level < 1 || p.level > 3) {
    return Invalid("level", "park.level", "park level must be 1-3, got " + std::to_string(p.level),
                   "园区层级须为 1-3，实际为 " + std::to_string(p.level));
  }
  if (p.level == 1 && p.parent_id) {
    return Invalid("parent_id", "park.parent", "a level-1 park has no parent park",
                   "一级园区不能有上级园区");
  }
  if (p.level > 1 && !p.parent_id) {
    return Invalid("parent_id", "park.parent", "a park-in-park needs its parent park",
                   "园中园必须指定所属园区");
  }
  if (p.parent_id && p.id.valid() && *p.parent_id == p.id) {
    return Invalid("parent_id", "park.parent", "a park cannot contain itself",
                   "园区不能以自身为上级园区");
  }
  return ValidateValidity(p.validity);
}

Status ValidateOccupancy(const OccupancyObservation& o) {
  struct Pair {
    const char* used_field;
    const char* total_field;
    const char* zh;
    double used;
    double total;
  };
  const Pair pairs[] = {
      {"land_used", "land_total", "土地", o.land_used, o.land_total},
      {"floor_used", "floor_total", "建筑面积", o.floor_used, o.floor_total},
      {"producing_units", "total_units", "投产单元", static_cast<double>(o.producing_units),
       static_cast<double>(o.total_units)},
  };
  for (const Pair& p : pairs) {
    for (auto [field, v] : {std::pair{p.used_field, p.used}, std::pair{p.total_field, p.total}}) {
      if (!(v >= 0) || !std::isfinite(v)) {
        return Invalid(field, "occupancy.negative",
                       std::string(field) + " must be a non-negative number, got " + Fmt(v),
                       std::string(p.zh) + "数据（" + field + "）须为非负数，实际为 " + Fmt(v));
      }
    }
    if (p.used > p.total) {
      return Invalid(p.used_field, "occupancy.above_total",
                     std::string(p.used_field) + " " + Fmt(p.used) + " exceeds " + p.total_field +
                         " " + Fmt(p.total) + " (occupancy above 100%)",
                     std::string(p.zh) + "已用量 " + Fmt(p.used) + " 超过总量 " + Fmt(p.total) +
                         "（占用率超过 100%）");
    }
  }
  return Status::Ok();
}

Status ValidateBuilding(const Building& b) {
  if (IsBlank(b.name)) {
    return Invalid("name", "building.name", "building name is required", "楼栋名称不能为空");
  }
  if (b.floors < 1) {
    return Invalid("floors", "building.floors",
                   "a building has at least 1 floor, got " + std::to_string(b.floors),
                   "楼栋层数至少为 1，实际为 " + std::to_string(b.floors));
  }
  if (!(b.floor_area_m2 > 0) || !std::isfinite(b.floor_area_m2)) {
    return Invalid("floor_area_m2", "building.area",
                   "floor_area_m2 must be above 0, got " + Fmt(b.floor_area_m2),
                   "建筑面积须大于 0，实际为 " + Fmt(b.floor_area_m2));
  }
  return ValidateValidity(b.validity);
}

Status ValidateUnit(const Unit& u, const Building& building) {
  if (IsBlank(u.code)) {
    return Invalid("code", "unit.code", "unit code is required", "单元编号不能为空");
  }
  if (!(u.area_m2 > 0) || !std::isfinite(u.area_m2)) {
    return Invalid("area_m2", "unit.area", "area_m2 must be above 0, got " + Fmt(u.area_m2),
                   "单元面积须大于 0，实际为 " + Fmt(u.area_m2));
  }
  if (u.floor < 1 || u.floor > building.floors) {
    return Invalid("floor", "unit.floor",
                   "floor must be 1-" + std::to_string(building.floors) + " (the building's " +
                       "floors), got " + std::to_string(u.floor),
                   "楼层须在 1-" + std::to_string(building.floors) + "（楼栋层数）之间，实际为 " +
                       std::to_string(u.floor));
  }
  return Status::Ok();
}

Status ValidateUnitObservation(const UnitObservation& o) {
  if (o.producing && !o.occupied) {
    return Invalid("producing", "unit.producing_unoccupied",
                   "a unit cannot be producing without being occupied",
                   "未入驻的单元不能标记为投产");
  }
  if (o.enterprise_id && !o.occupied) {
    return Invalid("enterprise_id", "unit.enterprise_unoccupied",
                   "an unoccupied unit has no enterprise", "未入驻的单元不能填写入驻企业");
  }
  return Status::Ok();
}

// ---- Analytics -------------------------------------------------------------------------------

ChainSnapshot SnapshotAsOf(const ChainSnapshot& s, Date as_of) {
  ChainSnapshot out;
  out.chain = s.chain;
  std::unordered_set<NodeId> nodes;
  for (const Node& n : s.nodes) {
    if (IsValidOn(n.validity, as_of)) {
      out.nodes.push_back(n);
      nodes.insert(n.id);
    }
  }
  std::unordered_set<EnterpriseId> firms;
  for (const Enterprise& e : s.enterprises) {
    if (IsValidOn(e.validity, as_of)) {
      out.enterprises.push_back(e);
      firms.insert(e.id);
    }
  }
  for (const Link& l : s.links) {
    if (IsValidOn(l.validity, as_of) && nodes.contains(l.node_id) &&
        firms.contains(l.enterprise_id)) {
      out.links.push_back(l);
    }
  }
  for (const SupplyLink& sl : s.supply_links) {
    if (IsValidOn(sl.validity, as_of) && firms.contains(sl.buyer_id) &&
        firms.contains(sl.supplier_id) && (!sl.node_id.valid() || nodes.contains(sl.node_id))) {
      out.supply_links.push_back(sl);
    }
  }
  return out;
}

double Hhi(const std::vector<double>& amounts) {
  double total = 0;
  for (double a : amounts) {
    total += std::max(0.0, a);
  }
  if (total <= 0) {
    return 0;
  }
  double hhi = 0;
  for (double a : amounts) {
    double pct = 100.0 * std::max(0.0, a) / total;
    hhi += pct * pct;
  }
  return hhi;
}

double NodeCoverage(const ChainSnapshot& s, Date as_of) {
  return CoverageOf(StatsOf(SnapshotAsOf(s, as_of)));
}

std::vector<NodeStats> ComputeNodeStats(const ChainSnapshot& s, Date as_of) {
  return StatsOf(SnapshotAsOf(s, as_of));
}

std::vector<NodeId> GapList(const ChainSnapshot& s, Date as_of) {
  return GapsOf(StatsOf(SnapshotAsOf(s, as_of)));
}

namespace {

std::vector<MasterSourcing> SourcingOf(const ChainSnapshot& s) {
  auto index = EnterpriseIndex(s);
  std::map<EnterpriseId, MasterSourcing> masters;
  for (const Link& l : s.links) {
    if (l.role == LinkRole::kChainMaster) {
      MasterSourcing& m = masters[l.enterprise_id];
      m.enterprise_id = l.enterprise_id;
      m.name = NameOf(index, l.enterprise_id);
    }
  }
  for (const SupplyLink& sl : s.supply_links) {
    auto it = masters.find(sl.buyer_id);
    if (it == masters.end()) {
      continue;
    }
    it->second.total_value = it->second.total_value + sl.value;
    if (sl.locality == Locality::kLocal) {
      it->second.local_value = it->second.local_value + sl.value;
    }
  }
  std::vector<MasterSourcing> out;
  for (auto& [id, m] : masters) {
    if (m.total_value.fen() > 0) {
      m.rate = static_cast<double>(m.local_value.fen()) / static_cast<double>(m.total_value.fen());
    }
    out.push_back(std::move(m));
  }
  return out;
}

// `vertex_count`: the number of vertices of the whole graph when `s` holds only a part of it
// (the other vertices are isolated and score 0); 0 = the snapshot's enterprises.
std::vector<KeyFirm> KeyFirmsOf(const ChainSnapshot& s, Date as_of, size_t limit,
                                size_t max_betweenness_vertices, size_t vertex_count = 0) {
  // Vertices: the snapshot's enterprises, by id.
  std::vector<EnterpriseId> ids;
  ids.reserve(s.enterprises.size());
  for (const Enterprise& e : s.enterprises) {
    ids.push_back(e.id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::unordered_map<EnterpriseId, int> vertex;
  for (size_t i = 0; i < ids.size(); ++i) {
    vertex.emplace(ids[i], static_cast<int>(i));
  }
  std::set<std::pair<int, int>> edge_set;
  for (const SupplyLink& sl : s.supply_links) {
    auto a = vertex.find(sl.buyer_id);
    auto b = vertex.find(sl.supplier_id);
    if (a == vertex.end() || b == vertex.end() || a->second == b->second) {
      continue;
    }
    edge_set.emplace(std::min(a->second, b->second), std::max(a->second, b->second));
  }
  std::vector<std::pair<int, int>> edges(edge_set.begin(), edge_set.end());
  const int local_n = static_cast<int>(ids.size());
  // Isolated vertices outside the part change neither degrees nor betweenness, only n.
  const int n = vertex_count > 0 ? static_cast<int>(std::max(vertex_count, ids.size())) : local_n;
  std::vector<int> degree(local_n, 0);
  for (auto [a, b] : edges) {
    ++degree[a];
    ++degree[b];
  }
  std::vector<double> between(local_n, 0);
  if (static_cast<size_t>(n) <= max_betweenness_vertices) {
    between = Betweenness(local_n, edges);
  }
  std::unordered_set<EnterpriseId> masters;
  for (const Link& l : s.links) {
    if (l.role == LinkRole::kChainMaster) {
      masters.insert(l.enterprise_id);
    }
  }
  auto index = EnterpriseIndex(s);
  std::vector<KeyFirm> firms;
  firms.reserve(local_n);
  const double pairs = n >= 3 ? (n - 1.0) * (n - 2.0) / 2.0 : 0;
  for (int i = 0; i < local_n; ++i) {
    KeyFirm k;
    k.enterprise_id = ids[i];
    const Enterprise* e = index.at(ids[i]);
    k.name = e->name;
    k.degree = degree[i];
    k.degree_norm = n >= 2 ? degree[i] / (n - 1.0) : 0;
    k.betweenness = between[i];
    k.betweenness_norm = pairs > 0 ? between[i] / pairs : 0;
    k.tier = TierOn(*e, as_of);
    k.chain_master = masters.contains(ids[i]);
    k.score = 0.35 * k.degree_norm + 0.35 * k.betweenness_norm + 0.2 * TierScore(k.tier) +
              0.1 * (k.chain_master ? 1.0 : 0.0);
    firms.push_back(std::move(k));
  }
  std::sort(firms.begin(), firms.end(), [](const KeyFirm& a, const KeyFirm& b) {
    if (a.score != b.score) {
      return a.score > b.score;
    }
    if (a.degree != b.degree) {
      return a.degree > b.degree;
    }
    return a.enterprise_id < b.enterprise_id;
  });
  if (firms.size() > limit) {
    firms.resize(limit);
  }
  return firms;
}

std::vector<Candidate> CandidatesOf(const ChainSnapshot& s, NodeId gap, size_t limit) {
  const Node* gap_node = nullptr;
  std::unordered_map<NodeId, const Node*> nodes;
  for (const Node& n : s.nodes) {
    nodes.emplace(n.id, &n);
    if (n.id == gap) {
      gap_node = &n;
    }
  }
  if (gap_node == nullptr || limit == 0) {
    return {};
  }
  std::unordered_set<EnterpriseId> local_somewhere;
  for (const Link& l : s.links) {
    if (l.locality == Locality::kLocal) {
      local_somewhere.insert(l.enterprise_id);
    }
  }
  auto index = EnterpriseIndex(s);
  auto better = [](const Candidate& a, const Candidate& b) {
    if (a.same_node != b.same_node) {
      return a.same_node;
    }
    if (a.capacity != b.capacity) {
      return a.capacity > b.capacity;
    }
    if (a.revenue != b.revenue) {
      return a.revenue > b.revenue;
    }
    return a.enterprise_id < b.enterprise_id;
  };
  std::map<EnterpriseId, Candidate> best;
  for (const Link& l : s.links) {
    if (l.locality != Locality::kExternal || !IsProducer(l.role) ||
        local_somewhere.contains(l.enterprise_id)) {
      continue;
    }
    auto nit = nodes.find(l.node_id);
    if (nit == nodes.end()) {
      continue;
    }
    const Node& via = *nit->second;
    bool same = via.id == gap;
    if (!same && via.segment != gap_node->segment) {
      continue;
    }
    Candidate c;
    c.enterprise_id = l.enterprise_id;
    c.name = NameOf(index, l.enterprise_id);
    c.via_node = via.id;
    c.same_node = same;
    c.capacity = l.capacity;
    c.revenue = l.revenue;
    if (same) {
      c.reason_en = "external " + std::string(LinkRoleName(l.role)) + " of " + via.code +
                    ", capacity " + Fmt(l.capacity) + "/yr, revenue " + l.revenue.ToYuanString() +
                    " yuan";
      c.reason_zh = "外地" + std::string(LinkRoleNameZh(l.role)) + "企业，产品属于节点 " +
                    via.code + "（" + via.name + "），产能 " + Fmt(l.capacity) + "/年，营收 " +
                    l.revenue.ToYuanString() + " 元";
    } else {
      c.reason_en = "external " + std::string(LinkRoleName(l.role)) + " of sibling node " +
                    via.code + " in the " + SegmentName(via.segment) + " segment, capacity " +
                    Fmt(l.capacity) + "/yr";
      c.reason_zh = "外地" + std::string(LinkRoleNameZh(l.role)) + "企业，属同一" +
                    SegmentNameZh(via.segment) + "环节的相邻节点 " + via.code + "（" + via.name +
                    "），产能 " + Fmt(l.capacity) + "/年";
    }
    auto [it, inserted] = best.emplace(c.enterprise_id, c);
    if (!inserted && better(c, it->second)) {
      it->second = std::move(c);
    }
  }
  std::vector<Candidate> out;
  out.reserve(best.size());
  for (auto& [id, c] : best) {
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), better);
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

// Producer firms per node of a filtered snapshot.
std::map<NodeId, std::set<EnterpriseId>> FirmsPerNode(const ChainSnapshot& s) {
  std::map<NodeId, std::set<EnterpriseId>> out;
  for (const Link& l : s.links) {
    if (IsProducer(l.role)) {
      out[l.node_id].insert(l.enterprise_id);
    }
  }
  return out;
}

}  // namespace

std::vector<MasterSourcing> ChainMasterSourcing(const ChainSnapshot& s, Date as_of) {
  return SourcingOf(SnapshotAsOf(s, as_of));
}

std::vector<double> Betweenness(int n, const std::vector<std::pair<int, int>>& edges) {
  std::vector<double> cb(std::max(n, 0), 0.0);
  if (n <= 2) {
    return cb;
  }
  std::vector<std::vector<int>> adj(n);
  {
    std::set<std::pair<int, int>> seen;
    for (auto [a, b] : edges) {
      if (a == b || a < 0 || b < 0 || a >= n || b >= n) {
        continue;
      }
      if (seen.emplace(std::min(a, b), std::max(a, b)).second) {
        adj[a].push_back(b);
        adj[b].push_back(a);
      }
    }
  }
  // Brandes (2001): one BFS per source, then dependencies accumulated in reverse BFS order.
  std::vector<int> order;
  std::vector<std::vector<int>> pred(n);
  std::vector<double> sigma(n);
  std::vector<int> dist(n);
  std::vector<double> delta(n);
  std::deque<int> queue;
  for (int src = 0; src < n; ++src) {
    order.clear();
    for (int v = 0; v < n; ++v) {
      pred[v].clear();
      sigma[v] = 0;
      dist[v] = -1;
      delta[v] = 0;
    }
    sigma[src] = 1;
    dist[src] = 0;
    queue.push_back(src);
    while (!queue.empty()) {
      int v = queue.front();
      queue.pop_front();
      order.push_back(v);
      for (int w : adj[v]) {
        if (dist[w] < 0) {
          dist[w] = dist[v] + 1;
          queue.push_back(w);
        }
        if (dist[w] == dist[v] + 1) {
          sigma[w] += sigma[v];
          pred[w].push_back(v);
        }
      }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      int w = *it;
      for (int v : pred[w]) {
        delta[v] += sigma[v] / sigma[w] * (1 + delta[w]);
      }
      if (w != src) {
        cb[w] += delta[w];
      }
    }
  }
  // Undirected: every pair was counted from both ends.
  for (double& c : cb) {
    c /= 2;
  }
  return cb;
}

std::vector<KeyFirm> RankKeyFirms(const ChainSnapshot& s, Date as_of, size_t limit,
                                  size_t max_betweenness_vertices) {
  return KeyFirmsOf(SnapshotAsOf(s, as_of), as_of, limit, max_betweenness_vertices);
}

std::vector<Candidate> CandidatesForGap(const ChainSnapshot& s, Date as_of, NodeId gap,
                                        size_t limit) {
  return CandidatesOf(SnapshotAsOf(s, as_of), gap, limit);
}

OccupancyRates RatesOf(const OccupancyObservation& o) {
  OccupancyRates r;
  r.park_id = o.park_id;
  r.date = o.date;
  if (o.land_total > 0) {
    r.land = o.land_used / o.land_total;
  }
  if (o.floor_total > 0) {
    r.floor = o.floor_used / o.floor_total;
  }
  if (o.total_units > 0) {
    r.production = static_cast<double>(o.producing_units) / static_cast<double>(o.total_units);
  }
  return r;
}

std::optional<OccupancyRates> LatestOccupancy(const std::vector<OccupancyObservation>& obs,
                                              ParkId park, Date as_of) {
  const OccupancyObservation* latest = nullptr;
  for (const OccupancyObservation& o : obs) {
    if (o.park_id == park && o.date <= as_of &&
        (latest == nullptr || o.date > latest->date ||
         (o.date == latest->date && o.id > latest->id))) {
      latest = &o;
    }
  }
  if (latest == nullptr) {
    return std::nullopt;
  }
  return RatesOf(*latest);
}

std::vector<OccupancyRates> OccupancySeries(const std::vector<OccupancyObservation>& obs,
                                            ParkId park, Date from, Date to) {
  std::vector<const OccupancyObservation*> picked;
  for (const OccupancyObservation& o : obs) {
    if (o.park_id == park && from <= o.date && o.date <= to) {
      picked.push_back(&o);
    }
  }
  std::stable_sort(picked.begin(), picked.end(),
                   [](const OccupancyObservation* a, const OccupancyObservation* b) {
                     return a->date != b->date ? a->date < b->date : a->id < b->id;
                   });
  std::vector<OccupancyRates> out;
  out.reserve(picked.size());
  for (const OccupancyObservation* o : picked) {
    out.push_back(RatesOf(*o));
  }
  return out;
}

std::map<UnitId, const UnitObservation*> LatestUnitObservations(
    const std::vector<UnitObservation>& obs, Date as_of) {
  std::map<UnitId, const UnitObservation*> latest;
  for (const UnitObservation& o : obs) {
    if (o.date > as_of) {
      continue;
    }
    const UnitObservation*& cur = latest[o.unit_id];
    if (cur == nullptr || o.date > cur->date || (o.date == cur->date && o.id > cur->id)) {
      cur = &o;
    }
  }
  return latest;
}

UnitRates UnitRatesOf(const std::vector<Building>& buildings, const std::vector<Unit>& units,
                      const std::vector<UnitObservation>& obs, Date as_of) {
  UnitRates r;
  r.as_of = as_of;
  const auto latest = LatestUnitObservations(obs, as_of);
  std::unordered_set<BuildingId> valid;
  for (const Building& b : buildings) {
    if (IsValidOn(b.validity, as_of)) {
      valid.insert(b.id);
    }
  }
  for (const Unit& u : units) {
    if (!valid.count(u.building_id)) {
      continue;
    }
    ++r.units;
    r.total_area_m2 += u.area_m2;
    auto it = latest.find(u.id);
    const UnitObservation* o = it == latest.end() ? nullptr : it->second;
    if (o != nullptr && o->occupied) {
      ++r.occupied_units;
      r.occupied_area_m2 += u.area_m2;
      if (o->producing) {
        ++r.producing_units;
        r.producing_area_m2 += u.area_m2;
      }
    }
  }
  if (r.total_area_m2 > 0) {
    r.floor_occupancy = r.occupied_area_m2 / r.total_area_m2;
  }
  if (r.occupied_area_m2 > 0) {
    r.production_rate = r.producing_area_m2 / r.occupied_area_m2;
  }
  return r;
}

ChainDiff DiffSnapshots(const ChainSnapshot& a, Date from, const ChainSnapshot& b, Date to) {
  ChainSnapshot sa = SnapshotAsOf(a, from);
  ChainSnapshot sb = SnapshotAsOf(b, to);
  std::vector<NodeStats> stats_a = StatsOf(sa);
  std::vector<NodeStats> stats_b = StatsOf(sb);
  ChainDiff d;
  d.from = from;
  d.to = to;
  d.coverage_from = CoverageOf(stats_a);
  d.coverage_to = CoverageOf(stats_b);
  d.coverage_change = d.coverage_to - d.coverage_from;

  std::map<NodeId, const Node*> nodes_a;
  std::map<NodeId, const Node*> nodes_b;
  for (const Node& n : sa.nodes) {
    nodes_a.emplace(n.id, &n);
  }
  for (const Node& n : sb.nodes) {
    nodes_b.emplace(n.id, &n);
  }
  for (const auto& [id, n] : nodes_b) {
    if (!nodes_a.contains(id)) {
      d.nodes_added.push_back(id);
    }
  }
  for (const auto& [id, n] : nodes_a) {
    if (!nodes_b.contains(id)) {
      d.nodes_removed.push_back(id);
    }
  }

  std::vector<NodeId> gaps_a = GapsOf(stats_a);
  std::vector<NodeId> gaps_b = GapsOf(stats_b);
  std::set<NodeId> ga(gaps_a.begin(), gaps_a.end());
  std::set<NodeId> gb(gaps_b.begin(), gaps_b.end());
  for (NodeId id : gb) {
    if (!ga.contains(id)) {
      d.gaps_opened.push_back(id);
    }
  }
  for (NodeId id : ga) {
    if (!gb.contains(id)) {
      d.gaps_closed.push_back(id);
    }
  }

  auto firms_a = FirmsPerNode(sa);
  auto firms_b = FirmsPerNode(sb);
  std::set<NodeId> all;
  for (const auto& [id, n] : nodes_a) {
    all.insert(id);
  }
  for (const auto& [id, n] : nodes_b) {
    all.insert(id);
  }
  static const std::set<EnterpriseId> kNone;
  for (NodeId id : all) {
    auto ia = firms_a.find(id);
    auto ib = firms_b.find(id);
    const std::set<EnterpriseId>& fa = ia == firms_a.end() ? kNone : ia->second;
    const std::set<EnterpriseId>& fb = ib == firms_b.end() ? kNone : ib->second;
    NodeFirmChange c;
    c.node_id = id;
    auto nb = nodes_b.find(id);
    c.code = nb != nodes_b.end() ? nb->second->code : nodes_a.at(id)->code;
    std::set_difference(fb.begin(), fb.end(), fa.begin(), fa.end(), std::back_inserter(c.added));
    std::set_difference(fa.begin(), fa.end(), fb.begin(), fb.end(), std::back_inserter(c.removed));
    if (!c.added.empty() || !c.removed.empty()) {
      d.firm_changes.push_back(std::move(c));
    }
  }
  return d;
}

ChainDiff DiffChain(const ChainSnapshot& s, Date from, Date to) {
  return DiffSnapshots(s, from, s, to);
}

// ---- aggregates ------------------------------------------------------------------------------

void AddLinkTo(FirmAmount* f, const Link& l) {
  f->present = true;
  f->local = f->local || l.locality == Locality::kLocal;
  f->capacity += std::max(0.0, l.capacity);
  f->revenue += static_cast<double>(std::max<int64_t>(0, l.revenue.fen()));
}

bool NodeAggregate::HoldsOn(Date d) const {
  return d >= open_from && (!dated_until || d > *dated_until);
}

void ApplyFirmChange(NodeAggregate* agg, EnterpriseId id, const FirmAmount& before,
                     const FirmAmount& after) {
  if (!after.present) {
    return;
  }
  if (!before.present) {
    (after.local ? agg->local_firms : agg->external_firms) += 1;
    if (!agg->min_firm.valid() || id < agg->min_firm) {
      agg->min_firm = id;
    }
  } else if (!before.local && after.local) {
    agg->external_firms -= 1;
    agg->local_firms += 1;
  }
  agg->cap_sum += after.capacity - before.capacity;
  agg->cap_sq += after.capacity * after.capacity - before.capacity * before.capacity;
  agg->rev_sum += after.revenue - before.revenue;
  agg->rev_sq += after.revenue * after.revenue - before.revenue * before.revenue;
  if (!agg->top_cap_id.valid() || after.capacity > agg->top_cap ||
      (after.capacity == agg->top_cap && id < agg->top_cap_id)) {
    agg->top_cap_id = id;
    agg->top_cap = after.capacity;
  }
  if (!agg->top_rev_id.valid() || after.revenue > agg->top_rev ||
      (after.revenue == agg->top_rev && id < agg->top_rev_id)) {
    agg->top_rev_id = id;
    agg->top_rev = after.revenue;
  }
}

void AddLinkToAggregate(NodeAggregate* agg, const Link& l, const Validity& firm,
                        FirmAmount* firm_amount) {
  if (!IsProducer(l.role)) {
    return;
  }
  if (!l.validity.valid_to && !firm.valid_to) {
    FirmAmount after = *firm_amount;
    AddLinkTo(&after, l);
    ApplyFirmChange(agg, l.enterprise_id, *firm_amount, after);
    *firm_amount = after;
    agg->open_from = std::max({agg->open_from, l.validity.valid_from, firm.valid_from});
    return;
  }
  Date last = l.validity.valid_to && firm.valid_to
                  ? std::min(*l.validity.valid_to, *firm.valid_to)
                  : (l.validity.valid_to ? *l.validity.valid_to : *firm.valid_to);
  if (!agg->dated_until || last > *agg->dated_until) {
    agg->dated_until = last;
  }
}

NodeAggregate AggregateOfLinks(const std::vector<Link>& links,
                               const std::map<EnterpriseId, Validity>& firms) {
  // Firms in id order, so the result does not depend on the order of `links`.
  std::map<EnterpriseId, std::vector<const Link*>> by_firm;
  for (const Link& l : links) {
    if (IsProducer(l.role) && firms.contains(l.enterprise_id)) {
      by_firm[l.enterprise_id].push_back(&l);
    }
  }
  NodeAggregate agg;
  for (const auto& [id, ls] : by_firm) {
    FirmAmount amount;
    for (const Link* l : ls) {
      AddLinkToAggregate(&agg, *l, firms.at(id), &amount);
    }
  }
  return agg;
}

NodeStats StatsFromAggregate(const Node& n, const NodeAggregate& agg) {
  NodeStats st;
  st.node_id = n.id;
  st.code = n.code;
  st.name = n.name;
  st.name_en = n.name_en;
  st.segment = n.segment;
  st.criticality = n.criticality;
  st.choke_point = n.choke_point;
  st.local_firms = static_cast<int>(agg.local_firms);
  st.external_firms = static_cast<int>(agg.external_firms);
  const int64_t firms = agg.local_firms + agg.external_firms;
  st.suppliers = static_cast<int>(firms);
  st.single_source = firms == 1;
  if (firms == 0) {
    return st;
  }
  if (agg.cap_sum > 0) {
    st.hhi_basis = "capacity";
    st.hhi = 10000.0 * agg.cap_sq / (agg.cap_sum * agg.cap_sum);
    st.top_share = agg.top_cap / agg.cap_sum;
    st.top_supplier = agg.top_cap_id;
  } else if (agg.rev_sum > 0) {
    st.hhi_basis = "revenue";
    st.hhi = 10000.0 * agg.rev_sq / (agg.rev_sum * agg.rev_sum);
    st.top_share = agg.top_rev / agg.rev_sum;
    st.top_supplier = agg.top_rev_id;
  } else {
    st.hhi_basis = "count";
    st.hhi = 10000.0 / static_cast<double>(firms);
    st.top_share = 1.0 / static_cast<double>(firms);
    st.top_supplier = agg.min_firm;
  }
  return st;
}

double CoverageOfStats(const std::vector<NodeStats>& stats) { return CoverageOf(stats); }
std::vector<NodeId> GapsOfStats(const std::vector<NodeStats>& stats) { return GapsOf(stats); }

std::vector<KeyFirm> RankKeyFirmsOfPart(const ChainSnapshot& s, Date as_of, size_t limit,
                                        size_t max_betweenness_vertices, size_t vertex_count) {
  return KeyFirmsOf(SnapshotAsOf(s, as_of), as_of, limit, max_betweenness_vertices,
                    std::max<size_t>(vertex_count, 1));
}

ChainAnalysis AnalyzeChain(const ChainSnapshot& s, Date as_of, const AnalyzeOptions& options) {
  ChainSnapshot snap = SnapshotAsOf(s, as_of);
  ChainAnalysis a;
  a.chain_id = s.chain.id;
  a.code = s.chain.code;
  a.name = s.chain.name;
  a.name_en = s.chain.name_en;
  a.as_of = as_of;
  a.nodes = StatsOf(snap);
  a.node_count = static_cast<int>(a.nodes.size());
  a.covered_nodes = static_cast<int>(std::count_if(
      a.nodes.begin(), a.nodes.end(), [](const NodeStats& st) { return st.local_firms > 0; }));
  a.coverage = CoverageOf(a.nodes);
  a.gaps = GapsOf(a.nodes);
  a.masters = SourcingOf(snap);
  a.key_firms = KeyFirmsOf(snap, as_of, options.key_firms, options.max_betweenness_vertices);
  if (options.candidates_per_gap > 0) {
    for (NodeId gap : a.gaps) {
      GapCandidates g;
      g.node_id = gap;
      g.candidates = CandidatesOf(snap, gap, options.candidates_per_gap);
      a.candidates.push_back(std::move(g));
    }
  }
  return a;
}

}  // namespace kechan::chain
