// The chain model (建圈强链, issue 3): clusters, chains, nodes, enterprises, links, parks and
// occupancy as plain values, their validation rules, and the pure analytics a chain chief works
// from (coverage, gaps, concentration, local sourcing, key firms, candidates, occupancy, diffs). No
// I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/calendar.h"
#include "base/ids.h"
#include "base/money.h"
#include "base/result.h"
#include "base/status.h"

namespace kechan::chain {

// All types below are value types; thread-compatible. All functions are pure and thread-safe.

using ClusterId = base::Id<struct ClusterTag>;
using ChainId = base::Id<struct ChainTag>;
using NodeId = base::Id<struct NodeTag>;
using EnterpriseId = base::Id<struct EnterpriseTag>;
using ParkId = base::Id<struct ParkTag>;
using LinkId = base::Id<struct LinkTag>;
using SupplyLinkId = base::Id<struct SupplyLinkTag>;
using ObservationId = base::Id<struct ObservationTag>;
using BuildingId = base::Id<struct BuildingTag>;
using UnitId = base::Id<struct UnitTag>;
using UnitObservationId = base::Id<struct UnitObservationTag>;

// ---- Enumerations and their stable names ----------------------------------------------------
// Each enum has Name() (stable lower_snake English, used in storage, JSON and CSV), NameZh() (the
// Chinese label) and Parse...() accepting either form; Parse errors are InvalidArgument naming
// `field` with reason "<enum>.unknown" (e.g. "segment.unknown").

enum class Tier { kTrillion, kHundredBillion, kFuture };  // 万亿级 / 千亿级 / 未来产业
const char* TierName(Tier t);                             // "trillion" "hundred_billion" "future"
const char* TierNameZh(Tier t);                           // "万亿级" "千亿级" "未来产业"
base::Result<Tier> ParseTier(std::string_view text, std::string_view field = "tier");

enum class Segment { kUpstream, kMidstream, kDownstream };  // 上游 / 中游 / 下游
const char* SegmentName(Segment s);                         // "upstream" "midstream" "downstream"
const char* SegmentNameZh(Segment s);
base::Result<Segment> ParseSegment(std::string_view text, std::string_view field = "segment");

enum class LinkRole { kChainMaster, kSupplier, kUser, kService };  // 链主 / 配套 / 用户 / 服务
const char* LinkRoleName(LinkRole r);  // "chain_master" "supplier" "user" "service"
const char* LinkRoleNameZh(LinkRole r);
base::Result<LinkRole> ParseLinkRole(std::string_view text, std::string_view field = "role");
// A "producer" role supplies the node's product or service (chain master, supplier, service);
// kUser firms consume it. Only producers count as firms of a node in the analytics.
bool IsProducer(LinkRole r);

enum class Locality { kLocal, kExternal };  // 本地 / 外地
const char* LocalityName(Locality l);       // "local" "external"
const char* LocalityNameZh(Locality l);
base::Result<Locality> ParseLocality(std::string_view text, std::string_view field = "locality");

// SME gradient tiers, ascending: 创新型中小企业 < 专精特新 < 专精特新"小巨人" < 制造业单项冠军.
enum class GradientTier { kInnovativeSme, kSpecialized, kLittleGiant, kSingleChampion };
// "innovative_sme" "specialized" "little_giant" "single_champion"
const char* GradientTierName(GradientTier t);
const char* GradientTierNameZh(GradientTier t);
base::Result<GradientTier> ParseGradientTier(std::string_view text,
                                             std::string_view field = "gradient_tier");

enum class UnitUse { kProduction, kOffice, kLab, kWarehouse };  // 生产 / 办公 / 研发 / 仓储
const char* UnitUseName(UnitUse u);  // "production" "office" "lab" "warehouse"
const char* UnitUseNameZh(UnitUse u);
base::Result<UnitUse> ParseUnitUse(std::string_view text, std::string_view field = "use");

// ---- Provenance and validity -----------------------------------------------------------------

// Where a record came from.
struct Provenance {
  std::string source;  // "市经信局 2025 年报", "import:enterprises.csv", "demo"
  std::optional<base::Date> source_date;  // date of the source document
};

// When a record is in force: valid_from <= d and (no valid_to or d <= valid_to). Both ends are
// inclusive: valid_to is the last day the record holds.
struct Validity {
  base::Date valid_from;               // default 1970-01-01 (always)
  std::optional<base::Date> valid_to;  // none = open-ended
};

// Returns whether `v` holds on day `d` (see Validity).
bool IsValidOn(const Validity& v, base::Date d);

// ---- Records ---------------------------------------------------------------------------------

struct Cluster {  // 产业集群 / 产业建圈
  ClusterId id;
  std::string code;  // "CD-EI"
  std::string name;
  std::string name_en;
  Tier tier = Tier::kHundredBillion;
  Provenance provenance;
  Validity validity;
};

struct Chain {  // 产业链; a chain of a kFuture cluster is a future-industry chain
  ChainId id;
  std::string code;  // "CD-AI": upper-case letters, digits and '-', 2..32 characters
  ClusterId cluster_id;
  std::string name;
  std::string name_en;
  std::string chief;                        // 链长 (text)
  std::string lead_department;              // 牵头部门 (text)
  std::vector<std::string> host_districts;  // 主承载区
  std::vector<std::string> co_districts;    // 协同发展区
  std::vector<std::string> partners;        // 跨区域共建: "成渝", "成都都市圈"
  Provenance provenance;
  Validity validity;
};

// A node of a chain: nodes form a tree under their chain (parent_id none = top level); a node's
// parent must be in the same chain.
struct Node {
  NodeId id;
  ChainId chain_id;
  std::optional<NodeId> parent_id;
  Segment segment = Segment::kMidstream;
  std::string code;  // unique within the chain, e.g. "AI-CHIP"
  std::string name;
  std::string name_en;
  int criticality = 3;       // 1 (low) .. 5 (critical)
  bool choke_point = false;  // 卡脖子
  Provenance provenance;
  Validity validity;
};

// One dated SME gradient tier; `to` is its expiry (inclusive), none = current.
struct GradientTierRecord {
  GradientTier tier = GradientTier::kInnovativeSme;
  base::Date from;
  std::optional<base::Date> to;
};

struct Enterprise {
  EnterpriseId id;
  std::optional<base::OrgId> org_id;  // the auth organisation, when the firm has accounts
  std::string uscc;                   // normalised by NormalizeEnterprise
  std::string name;
  std::string name_en;
  std::string district;
  std::optional<ParkId> park_id;
  bool above_size = false;                // 规上
  std::map<int, base::Money> revenue;     // year -> 营业收入
  std::map<int, base::Money> rd_spend;    // year -> 研发投入
  std::map<int, int> digital_level;       // year -> 数字化转型等级 1..4
  bool green_factory = false;             // 绿色工厂
  std::vector<GradientTierRecord> tiers;  // in date order, non-overlapping
  Provenance provenance;
  Validity validity;
};

// Returns the gradient tier in force on `d` (the highest one when several hold), or none.
std::optional<GradientTier> TierOn(const Enterprise& e, base::Date d);

// Enterprise <-> node.
struct Link {
  LinkId id;
  EnterpriseId enterprise_id;
  NodeId node_id;
  LinkRole role = LinkRole::kSupplier;
  std::vector<std::string> products;
  double capacity = 0;  // units/year, >= 0
  base::Money revenue;  // revenue from this node's product, >= 0
  Locality locality = Locality::kLocal;
  Provenance provenance;
  Validity validity;
};

// A purchase relation: `buyer` buys the product of `node_id` from `supplier`.
struct SupplyLink {
  SupplyLinkId id;
  EnterpriseId buyer_id;
  EnterpriseId supplier_id;
  NodeId node_id;
  base::Money value;                     // yearly purchase value, >= 0
  Locality locality = Locality::kLocal;  // whether the supplier is local to the city
  Provenance provenance;
  Validity validity;
};

// Parks: level 1 = park (园区), 2 = park-in-park (园中园), 3 = a park inside that. parent_id is
// required for levels 2..3 and absent for level 1.
struct Park {
  ParkId id;
  std::string name;
  std::string name_en;
  int level = 1;
  std::optional<ParkId> parent_id;
  std::string district;
  std::string main_industry;
  Provenance provenance;
  Validity validity;
};

// One observation of a park's occupancy. Areas in square metres; units are buildings/units.
struct OccupancyObservation {
  ObservationId id;
  ParkId park_id;
  base::Date date;
  double land_used = 0;
  double land_total = 0;
  double floor_used = 0;
  double floor_total = 0;
  int64_t producing_units = 0;
  int64_t total_units = 0;
  Provenance provenance;
};

// A building (楼栋) of a park. floors >= 1; floor_area_m2 > 0 (gross floor area).
struct Building {
  BuildingId id;
  ParkId park_id;
  std::string name;
  int floors = 1;
  double floor_area_m2 = 0;
  Provenance provenance;
  Validity validity;
};

// A unit (单元) of a building: a rentable space on one floor (1..the building's floors).
struct Unit {
  UnitId id;
  BuildingId building_id;
  std::string code;  // unique within the building, e.g. "3F-01"
  int floor = 1;
  double area_m2 = 0;
  UnitUse use = UnitUse::kProduction;
};

// One dated observation of a unit: occupied, by which enterprise (optional), producing.
struct UnitObservation {
  UnitObservationId id;
  UnitId unit_id;
  base::Date date;
  bool occupied = false;
  std::optional<EnterpriseId> enterprise_id;
  bool producing = false;  // implies occupied
};

// ---- Validation ------------------------------------------------------------------------------
// Every function returns Ok or InvalidArgument naming the offending field, with zh and en messages.

// valid_to < valid_from -> field `field` (default "valid_to"), reason "validity.order".
base::Status ValidateValidity(const Validity& v, std::string_view field = "valid_to");
// code empty / badly formed -> "code" ("cluster.code"); name empty -> "name" ("cluster.name").
base::Status ValidateCluster(const Cluster& c);
// code: 2..32 of A-Z 0-9 '-' -> "code" ("chain.code"); name empty -> "name" ("chain.name").
base::Status ValidateChain(const Chain& c);
// name empty -> "name" ("node.name"); code empty -> "code" ("node.code"); criticality outside
// 1..5 -> "criticality" ("node.criticality"); parent_id == id -> "parent_id" ("node.cycle");
// validity.
base::Status ValidateNode(const Node& n);
// Checks the parent structure of a set of nodes (may span chains): a parent_id not among `nodes`
// -> "node.orphan"; a parent in another chain -> "node.wrong_chain"; a cycle -> "node.cycle"; a
// code used twice in one chain -> "node.duplicate_code". Field "parent_id" (or "code"); the
// message names the node's code. Nodes are checked in the given order; the first error wins.
base::Status ValidateNodeTree(const std::vector<Node>& nodes);
// USCC via auth::NormalizeUscc -> "uscc" (its reasons); name empty -> "name"
// ("enterprise.name"); negative revenue -> "revenue" ("enterprise.revenue_negative"); negative
// R&D -> "rd_spend" ("enterprise.rd_negative"); digital level outside 1..4 -> "digital_level"
// ("enterprise.digital_level"); gradient history with to < from, or a record starting before
// the previous one ends -> "tiers" ("enterprise.tier_order"); validity.
base::Status ValidateEnterprise(const Enterprise& e);
// Normalises the USCC (and trims names) in place, then validates as ValidateEnterprise.
base::Status NormalizeEnterprise(Enterprise* e);
// capacity < 0 -> "capacity" ("link.capacity_negative"); revenue < 0 -> "revenue"
// ("link.revenue_negative"); missing ids -> "enterprise_id"/"node_id"; validity.
base::Status ValidateLink(const Link& l);
// buyer == supplier -> "supplier_id" ("supply.self"); value < 0 -> "value"
// ("supply.value_negative"); missing ids; validity.
base::Status ValidateSupplyLink(const SupplyLink& s);
// name empty -> "name"; level outside 1..3 -> "level" ("park.level"); parent missing for level
// > 1 or present for level 1 -> "parent_id" ("park.parent"); validity.
base::Status ValidatePark(const Park& p);
// Negative figures -> that field ("occupancy.negative"); used > total (above 100%) -> the used
// field, e.g. "land_used" ("occupancy.above_total"); producing_units > total_units ->
// "producing_units".
base::Status ValidateOccupancy(const OccupancyObservation& o);
// name empty -> "name" ("building.name"); floors < 1 -> "floors" ("building.floors");
// floor_area_m2 <= 0 -> "floor_area_m2" ("building.area"); validity.
base::Status ValidateBuilding(const Building& b);
// code empty -> "code" ("unit.code"); area_m2 <= 0 -> "area_m2" ("unit.area"); floor outside
// 1..building.floors -> "floor" ("unit.floor").
base::Status ValidateUnit(const Unit& u, const Building& building);
// producing without occupied -> "producing" ("unit.producing_unoccupied"); an enterprise on an
// unoccupied unit -> "enterprise_id" ("unit.enterprise_unoccupied").
base::Status ValidateUnitObservation(const UnitObservation& o);

// ---- Analytics -------------------------------------------------------------------------------

// Everything about one chain the analytics need. `enterprises` holds the firms linked to the
// chain's nodes (by links or supply links); records not valid on the analysis date are ignored.
struct ChainSnapshot {
  Chain chain;
  std::vector<Node> nodes;
  std::vector<Enterprise> enterprises;
  std::vector<Link> links;
  std::vector<SupplyLink> supply_links;
};

// Returns a copy holding only the records valid on `as_of` (links and supply links of nodes or
// enterprises not valid then are dropped too). Every analytic below applies this itself.
ChainSnapshot SnapshotAsOf(const ChainSnapshot& s, base::Date as_of);

// Per-node figures. "Firms" of a node are the distinct enterprises linked to it in a producer
// role (IsProducer); the suppliers of concentration are the same set.
struct NodeStats {
  NodeId node_id;
  std::string code;
  std::string name;
  std::string name_en;
  Segment segment = Segment::kMidstream;
  int criticality = 3;
  bool choke_point = false;
  int local_firms = 0;     // firms with a local link
  int external_firms = 0;  // firms with only external links
  int suppliers = 0;       // local_firms + external_firms
  // Herfindahl–Hirschman index on the 0..10000 scale (sum of squared percentage shares): 10000 =
  // one supplier, 3800 = shares 50/30/20, 0 = no suppliers. Shares are by capacity; when every
  // capacity is 0, by link revenue; when that is 0 too, equal shares.
  double hhi = 0;
  std::string hhi_basis = "none";  // "capacity", "revenue", "count" or "none"
  bool single_source = false;      // exactly one supplier
  double top_share = 0;            // largest share, 0..1
  std::optional<EnterpriseId> top_supplier;
};

// Herfindahl–Hirschman index (0..10000) of non-negative amounts; 0 when they sum to 0.
double Hhi(const std::vector<double>& amounts);

// Nodes with >= 1 local firm ÷ nodes, on `as_of`; 0 when the chain has no nodes.
double NodeCoverage(const ChainSnapshot& s, base::Date as_of);
// Stats of every node valid on `as_of`, in node code order.
std::vector<NodeStats> ComputeNodeStats(const ChainSnapshot& s, base::Date as_of);
// Nodes with no local firm: choke points first, then criticality descending, then code.
std::vector<NodeId> GapList(const ChainSnapshot& s, base::Date as_of);

// How much a chain master buys locally.
struct MasterSourcing {
  EnterpriseId enterprise_id;
  std::string name;
  base::Money local_value;
  base::Money total_value;
  std::optional<double> rate;  // local_value / total_value, 0..1; none when it buys nothing
};
// One entry per enterprise holding a kChainMaster link on `as_of`, by enterprise id; counts the
// supply links it is the buyer of.
std::vector<MasterSourcing> ChainMasterSourcing(const ChainSnapshot& s, base::Date as_of);

// Brandes' betweenness centrality of an undirected unweighted graph with vertices 0..n-1, not
// normalised (each unordered pair counted once: the middle of a 3-vertex path scores 1).
// Duplicate edges and self-loops are ignored.
std::vector<double> Betweenness(int n, const std::vector<std::pair<int, int>>& edges);

// A firm ranked by its place in the supply graph (vertices: the snapshot's enterprises; an
// undirected edge between buyer and supplier of any valid supply link).
//   degree_norm      = degree / (n - 1)                           (0 when n < 2)
//   betweenness_norm = betweenness / ((n - 1)(n - 2) / 2)          (0 when n < 3)
//   tier_score       = none 0, 创新型中小企业 0.25, 专精特新 0.5, 小巨人 0.75, 单项冠军 1
//   score = 0.35 degree_norm + 0.35 betweenness_norm + 0.2 tier_score + 0.1 (chain master ? 1 : 0)
// so the score is in 0..1.
struct KeyFirm {
  EnterpriseId enterprise_id;
  std::string name;
  int degree = 0;
  double degree_norm = 0;
  double betweenness = 0;  // raw (Betweenness)
  double betweenness_norm = 0;
  std::optional<GradientTier> tier;
  bool chain_master = false;
  double score = 0;
};
// The top `limit` firms by score (ties: higher degree, then lower id). Betweenness is computed
// only when the graph has at most `max_betweenness_vertices` vertices (else 0 for everyone).
std::vector<KeyFirm> RankKeyFirms(const ChainSnapshot& s, base::Date as_of, size_t limit = 10,
                                  size_t max_betweenness_vertices = 20000);

// An external firm that could fill a gap (招商 target).
struct Candidate {
  EnterpriseId enterprise_id;
  std::string name;
  NodeId via_node;         // the node its external link is on
  bool same_node = false;  // linked to the gap node itself (else a same-segment sibling)
  double capacity = 0;
  base::Money revenue;
  std::string reason_en;  // "external supplier of AI-CHIP, capacity 1200/yr"
  std::string reason_zh;
};
// External producer firms linked to `gap` itself, then to other nodes of the same segment in the
// chain; each firm once (its best link); ranked same-node first, then capacity desc, revenue
// desc, id. Firms that also hold a local link anywhere in the chain are left out.
std::vector<Candidate> CandidatesForGap(const ChainSnapshot& s, base::Date as_of, NodeId gap,
                                        size_t limit = 10);

// Occupancy rates of one observation, each used/total in 0..1, none when total is 0.
struct OccupancyRates {
  ParkId park_id;
  base::Date date;
  std::optional<double> land;
  std::optional<double> floor;
  std::optional<double> production;  // producing_units / total_units
};
OccupancyRates RatesOf(const OccupancyObservation& o);
// The latest observation of `park` dated on or before `as_of`, or none.
std::optional<OccupancyRates> LatestOccupancy(const std::vector<OccupancyObservation>& obs,
                                              ParkId park, base::Date as_of);
// The observations of `park` with from <= date <= to, by date ascending.
std::vector<OccupancyRates> OccupancySeries(const std::vector<OccupancyObservation>& obs,
                                            ParkId park, base::Date from, base::Date to);

// Unit-based rates of a park as of a date, from the latest observation (date <= as_of; ties by
// id) of each unit of a building valid on that date. Units never observed count as vacant.
struct UnitRates {
  base::Date as_of;
  int64_t units = 0;
  int64_t occupied_units = 0;
  int64_t producing_units = 0;
  double total_area_m2 = 0;
  double occupied_area_m2 = 0;
  double producing_area_m2 = 0;
  std::optional<double> floor_occupancy;  // occupied area / total area; none when no area
  std::optional<double> production_rate;  // producing area / occupied area; none when none occupied
};
// Each unit's latest observation dated on or before `as_of` (ties: the higher id), in one pass.
// The pointers point into `obs`.
std::map<UnitId, const UnitObservation*> LatestUnitObservations(
    const std::vector<UnitObservation>& obs, base::Date as_of);
UnitRates UnitRatesOf(const std::vector<Building>& buildings, const std::vector<Unit>& units,
                      const std::vector<UnitObservation>& obs, base::Date as_of);

// What changed in a chain between two dates.
struct NodeFirmChange {
  NodeId node_id;
  std::string code;
  std::vector<EnterpriseId> added;    // producer firms at the node on `to` but not on `from`
  std::vector<EnterpriseId> removed;  // on `from` but not on `to`
};
struct ChainDiff {
  base::Date from;
  base::Date to;
  std::vector<NodeId> nodes_added;
  std::vector<NodeId> nodes_removed;
  double coverage_from = 0;
  double coverage_to = 0;
  double coverage_change = 0;       // coverage_to - coverage_from
  std::vector<NodeId> gaps_opened;  // gaps on `to` that were not gaps (or not nodes) on `from`
  std::vector<NodeId> gaps_closed;  // gaps on `from` that are not gaps on `to`
  std::vector<NodeFirmChange> firm_changes;  // only nodes with changes, by node id
};
// Compares snapshot `a` as of `from` with snapshot `b` as of `to` (ids ascending in every list).
ChainDiff DiffSnapshots(const ChainSnapshot& a, base::Date from, const ChainSnapshot& b,
                        base::Date to);
// Same snapshot at two dates.
ChainDiff DiffChain(const ChainSnapshot& s, base::Date from, base::Date to);

// ---- Aggregates (the service's fast path at city scale) ---------------------------------------

// One firm's producer figures at one node: whether it holds a local link, and its capacity and
// revenue summed over its links there (as StatsOf/ComputeNodeStats sum them). `present` = the firm
// has at least one producer link counted.
struct FirmAmount {
  bool present = false;
  bool local = false;
  double capacity = 0;
  double revenue = 0;  // fen
};
// Adds link `l` to `f` (capacity and revenue clamped at 0, as the analytics do).
void AddLinkTo(FirmAmount* f, const Link& l);

// What ComputeNodeStats needs of one node, kept as sums so it can be maintained as links are
// written: the producer firms of the node's "open" links (links without valid_to whose
// enterprise has no valid_to). The row equals a recomputation on day d when HoldsOn(d):
// d >= open_from (every counted link and enterprise has started) and d > dated_until (no
// producer link with an end date — or of an enterprise with one — can still be valid).
struct NodeAggregate {
  int64_t local_firms = 0;
  int64_t external_firms = 0;
  double cap_sum = 0;
  double cap_sq = 0;  // sum of the squares of the firms' capacities
  double rev_sum = 0;
  double rev_sq = 0;
  EnterpriseId top_cap_id;  // largest capacity, ties: lowest id (invalid: no firm)
  double top_cap = 0;
  EnterpriseId top_rev_id;  // largest revenue, ties: lowest id
  double top_rev = 0;
  EnterpriseId min_firm;                  // lowest firm id (the top supplier when shares are equal)
  base::Date open_from;                   // latest valid_from of a counted link or its enterprise
  std::optional<base::Date> dated_until;  // latest possible day of an uncounted dated link

  bool HoldsOn(base::Date d) const;
};
// Replaces firm `id`'s contribution `before` by `after`. Amounts may only grow (links are only
// added; anything else recomputes the node): after.capacity >= before.capacity, same for revenue,
// and local never turns false.
void ApplyFirmChange(NodeAggregate* agg, EnterpriseId id, const FirmAmount& before,
                     const FirmAmount& after);
// Counts producer link `l` of an enterprise with validity `firm` in `agg` — its contribution to
// the firm's amount when open (then `firm_amount` is updated), else only the date bounds.
// Non-producer links are ignored. `firm_amount` is the firm's amount at the node so far.
void AddLinkToAggregate(NodeAggregate* agg, const Link& l, const Validity& firm,
                        FirmAmount* firm_amount);
// Builds the aggregate of a node from all its links (any role, any date) and the validity of
// their enterprises (a link whose enterprise is missing from `firms` is ignored).
NodeAggregate AggregateOfLinks(const std::vector<Link>& links,
                               const std::map<EnterpriseId, Validity>& firms);
// The node's stats from its aggregate: equal to ComputeNodeStats on any day the aggregate
// HoldsOn (doubles up to rounding: the sums are kept in another order).
NodeStats StatsFromAggregate(const Node& n, const NodeAggregate& agg);
// Coverage (covered ÷ nodes) and gaps of a chain from its nodes' stats, as AnalyzeChain does.
double CoverageOfStats(const std::vector<NodeStats>& stats);
std::vector<NodeId> GapsOfStats(const std::vector<NodeStats>& stats);
// RankKeyFirms on a partial snapshot: `s` holds every firm that can score above 0 on `as_of`
// (masters, supply-graph firms, firms with a tier) plus the `limit` lowest-id valid firms, and
// `vertex_count` is the number of the whole chain's firms valid on `as_of` (the normalisation and
// the betweenness limit use it). Equal to RankKeyFirms on the whole snapshot.
std::vector<KeyFirm> RankKeyFirmsOfPart(const ChainSnapshot& s, base::Date as_of, size_t limit,
                                        size_t max_betweenness_vertices, size_t vertex_count);

// Candidates for one gap, for the analysis.
struct GapCandidates {
  NodeId node_id;
  std::vector<Candidate> candidates;
};

struct AnalyzeOptions {
  size_t key_firms = 10;          // top N of RankKeyFirms
  size_t candidates_per_gap = 3;  // 0 = no candidates
  size_t max_betweenness_vertices = 20000;
};

// The full analysis of one chain on one date. Plain data, ready to render as JSON (routes/CLI):
// coverage 0..1, nodes with their stats, gaps (highest criticality first), chain-master sourcing,
// key firms, candidates for the gaps.
struct ChainAnalysis {
  ChainId chain_id;
  std::string code;
  std::string name;
  std::string name_en;
  base::Date as_of;
  int node_count = 0;
  int covered_nodes = 0;
  double coverage = 0;
  std::vector<NodeStats> nodes;
  std::vector<NodeId> gaps;
  std::vector<MasterSourcing> masters;
  std::vector<KeyFirm> key_firms;
  std::vector<GapCandidates> candidates;
};
ChainAnalysis AnalyzeChain(const ChainSnapshot& s, base::Date as_of,
                           const AnalyzeOptions& options = {});

}  // namespace kechan::chain
