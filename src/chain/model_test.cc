#include "chain/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace kechan::chain {
namespace {

using base::Date;
using base::Money;
using base::Status;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Date D(const char* text) { return *Date::Parse(text); }

NodeId N(int64_t v) { return NodeId{v}; }
EnterpriseId E(int64_t v) { return EnterpriseId{v}; }

const NodeStats& StatsFor(const std::vector<NodeStats>& stats, NodeId id) {
  auto it =
      std::find_if(stats.begin(), stats.end(), [&](const NodeStats& s) { return s.node_id == id; });
  EXPECT_NE(it, stats.end());
  return *it;
}

// A chain with five nodes, six firms and three supply links. Expected values on 2025-06-30:
//   N1 A-CHIP  upstream   crit 5 choke: E2 external (cap 100)                -> gap
//   N2 B-BOARD midstream  crit 3: E1 local 50, E2 external 30, E3 local 20    -> HHI 3800
//   N3 C-APP   downstream crit 4: E4 chain master local (revenue only), E5 user
//   N4 D-MAT   upstream   crit 2: E6 external (cap 500)                       -> gap
//   N5 E-TEST  midstream  crit 5 (from 2025-01-01): nothing                   -> gap
// Coverage 2/5. Gaps: N1 (choke), N5 (crit 5), N4 (crit 2).
// Before 2025 (e.g. 2024-06-30): no N5, no E3 link at N2, no E4 link at N3.
ChainSnapshot Fixture() {
  ChainSnapshot s;
  s.chain.id = ChainId{1};
  s.chain.code = "CD-AI";
  s.chain.name = "人工智能";
  auto node = [&](int64_t id, const char* code, Segment seg, int crit, bool choke) {
    Node n;
    n.id = N(id);
    n.chain_id = s.chain.id;
    n.code = code;
    n.name = code;
    n.segment = seg;
    n.criticality = crit;
    n.choke_point = choke;
    s.nodes.push_back(n);
  };
  node(1, "A-CHIP", Segment::kUpstream, 5, true);
  node(2, "B-BOARD", Segment::kMidstream, 3, false);
  node(3, "C-APP", Segment::kDownstream, 4, false);
  node(4, "D-MAT", Segment::kUpstream, 2, false);
  node(5, "E-TEST", Segment::kMidstream, 5, false);
  s.nodes.back().validity.valid_from = D("2025-01-01");
  for (int64_t i = 1; i <= 6; ++i) {
    Enterprise e;
    e.id = E(i);
    e.name = "企业" + std::to_string(i);
    s.enterprises.push_back(e);
  }
  // E1 is a 小巨人 until the end of 2025.
  s.enterprises[0].tiers.push_back({GradientTier::kSpecialized, D("2022-01-01"), D("2023-12-31")});
  s.enterprises[0].tiers.push_back({GradientTier::kLittleGiant, D("2024-01-01"), D("2025-12-31")});
  auto link = [&](int64_t e, int64_t n, LinkRole role, double cap, int64_t yuan, Locality loc) {
    Link l;
    l.id = LinkId{static_cast<int64_t>(s.links.size()) + 1};
    l.enterprise_id = E(e);
    l.node_id = N(n);
    l.role = role;
    l.capacity = cap;
    l.revenue = Money::FromYuan(yuan);
    l.locality = loc;
    s.links.push_back(l);
    return &s.links.back();
  };
  link(2, 1, LinkRole::kSupplier, 100, 0, Locality::kExternal);
  link(1, 2, LinkRole::kSupplier, 50, 0, Locality::kLocal);
  link(2, 2, LinkRole::kSupplier, 30, 0, Locality::kExternal);
  link(3, 2, LinkRole::kSupplier, 20, 0, Locality::kLocal)->validity.valid_from = D("2025-01-01");
  link(4, 3, LinkRole::kChainMaster, 0, 100, Locality::kLocal)->validity.valid_from =
      D("2025-01-01");
  link(5, 3, LinkRole::kUser, 0, 0, Locality::kLocal);
  link(6, 4, LinkRole::kSupplier, 500, 0, Locality::kExternal);
  auto supply = [&](int64_t buyer, int64_t supplier, int64_t node, int64_t yuan, Locality loc) {
    SupplyLink sl;
    sl.id = SupplyLinkId{static_cast<int64_t>(s.supply_links.size()) + 1};
    sl.buyer_id = E(buyer);
    sl.supplier_id = E(supplier);
    sl.node_id = N(node);
    sl.value = Money::FromYuan(yuan);
    sl.locality = loc;
    s.supply_links.push_back(sl);
  };
  supply(4, 1, 2, 600, Locality::kLocal);
  supply(4, 2, 2, 400, Locality::kExternal);
  supply(1, 3, 2, 100, Locality::kLocal);
  return s;
}

const Date kAsOf = D("2025-06-30");
const Date kBefore = D("2024-06-30");

// ---- Enumerations ----------------------------------------------------------------------------

TEST(ChainEnumTest, NamesRoundTripAndChineseLabelsParse) {
  EXPECT_EQ(*ParseSegment(SegmentName(Segment::kDownstream)), Segment::kDownstream);
  EXPECT_EQ(*ParseLinkRole("链主"), LinkRole::kChainMaster);
  EXPECT_EQ(*ParseTier("future"), Tier::kFuture);
  EXPECT_STREQ(TierNameZh(Tier::kTrillion), "万亿级");
  EXPECT_EQ(*ParseGradientTier("little_giant"), GradientTier::kLittleGiant);
  EXPECT_EQ(*ParseLocality("external"), Locality::kExternal);
  auto bad = ParseSegment("sideways", "nodes[2].segment");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "segment.unknown");
  EXPECT_EQ(bad.status().field(), "nodes[2].segment");
  EXPECT_FALSE(IsProducer(LinkRole::kUser));
  EXPECT_TRUE(IsProducer(LinkRole::kService));
}

// ---- Validation ------------------------------------------------------------------------------

Node GoodNode() {
  Node n;
  n.id = N(1);
  n.chain_id = ChainId{1};
  n.code = "AI-CHIP";
  n.name = "智能芯片";
  n.criticality = 4;
  return n;
}

TEST(ChainValidationTest, NodeErrorsNameTheirField) {
  EXPECT_TRUE(ValidateNode(GoodNode()).ok());
  Node n = GoodNode();
  n.criticality = 6;
  Status s = ValidateNode(n);
  EXPECT_EQ(s.field(), "criticality");
  EXPECT_EQ(s.reason(), "node.criticality");
  EXPECT_NE(s.message_zh(), s.message_en());
  n.criticality = 0;
  EXPECT_EQ(ValidateNode(n).field(), "criticality");
  n = GoodNode();
  n.name = "  ";
  EXPECT_EQ(ValidateNode(n).field(), "name");
  n = GoodNode();
  n.validity.valid_from = D("2025-02-01");
  n.validity.valid_to = D("2025-01-31");
  s = ValidateNode(n);
  EXPECT_EQ(s.field(), "valid_to");
  EXPECT_EQ(s.reason(), "validity.order");
}

TEST(ChainValidationTest, ValidityAllowsSingleDayAndRejectsReversedDates) {
  Validity v{D("2025-01-01"), D("2025-01-01")};
  EXPECT_TRUE(ValidateValidity(v).ok());
  EXPECT_TRUE(IsValidOn(v, D("2025-01-01")));
  EXPECT_FALSE(IsValidOn(v, D("2025-01-02")));
  EXPECT_FALSE(IsValidOn(v, D("2024-12-31")));
  v.valid_to = D("2024-12-31");
  EXPECT_EQ(ValidateValidity(v, "links[0].valid_to").field(), "links[0].valid_to");
  EXPECT_TRUE(IsValidOn(Validity{}, D("2099-01-01")));
}

TEST(ChainValidationTest, NodeTreeDetectsOrphanWrongChainAndCycle) {
  std::vector<Node> nodes(3, GoodNode());
  nodes[0].id = N(1);
  nodes[0].code = "A";
  nodes[1].id = N(2);
  nodes[1].code = "B";
  nodes[1].parent_id = N(1);
  nodes[2].id = N(3);
  nodes[2].code = "C";
  nodes[2].parent_id = N(2);
  EXPECT_TRUE(ValidateNodeTree(nodes).ok());

  auto orphan = nodes;
  orphan[2].parent_id = N(99);
  Status s = ValidateNodeTree(orphan);
  EXPECT_EQ(s.reason(), "node.orphan");
  EXPECT_EQ(s.field(), "parent_id");
  EXPECT_NE(s.message_en().find('C'), std::string::npos);

  auto wrong = nodes;
  wrong[0].chain_id = ChainId{2};  // B's parent A is now in chain 2
  EXPECT_EQ(ValidateNodeTree(wrong).reason(), "node.wrong_chain");

  auto cycle = nodes;
  cycle[0].parent_id = N(3);  // A -> C -> B -> A
  s = ValidateNodeTree(cycle);
  EXPECT_EQ(s.reason(), "node.cycle");
  EXPECT_EQ(s.field(), "parent_id");

  auto self = nodes;
  self[0].parent_id = N(1);
  EXPECT_EQ(ValidateNodeTree(self).reason(), "node.cycle");
  EXPECT_EQ(ValidateNode(self[0]).reason(), "node.cycle");

  auto dup = nodes;
  dup[2].code = "A";
  EXPECT_EQ(ValidateNodeTree(dup).reason(), "node.duplicate_code");
  dup[2].chain_id = ChainId{2};
  dup[2].parent_id.reset();
  EXPECT_TRUE(ValidateNodeTree(dup).ok());  // same code in another chain is fine
}

Enterprise GoodEnterprise() {
  Enterprise e;
  e.id = E(1);
  e.uscc = "91350100M000100Y43";
  e.name = "成都某芯片有限公司";
  e.revenue[2024] = Money::FromYuan(1000);
  e.rd_spend[2024] = Money::FromYuan(100);
  e.digital_level[2024] = 3;
  e.tiers = {{GradientTier::kInnovativeSme, D("2021-01-01"), D("2022-12-31")},
             {GradientTier::kSpecialized, D("2023-01-01"), std::nullopt}};
  return e;
}

TEST(ChainValidationTest, EnterpriseErrorsNameTheirField) {
  EXPECT_TRUE(ValidateEnterprise(GoodEnterprise()).ok());

  Enterprise e = GoodEnterprise();
  e.uscc = "91350100M000100Y44";
  Status s = ValidateEnterprise(e);
  EXPECT_EQ(s.field(), "uscc");
  EXPECT_EQ(s.reason(), "uscc.check_char");

  e = GoodEnterprise();
  e.revenue[2023] = Money::FromFen(-1);
  s = ValidateEnterprise(e);
  EXPECT_EQ(s.field(), "revenue");
  EXPECT_EQ(s.reason(), "enterprise.revenue_negative");

  e = GoodEnterprise();
  e.rd_spend[2023] = Money::FromFen(-5);
  EXPECT_EQ(ValidateEnterprise(e).field(), "rd_spend");

  e = GoodEnterprise();
  e.digital_level[2025] = 5;
  EXPECT_EQ(ValidateEnterprise(e).field(), "digital_level");

  e = GoodEnterprise();
  e.tiers[0].to = D("2020-12-31");  // ends before it starts
  s = ValidateEnterprise(e);
  EXPECT_EQ(s.field(), "tiers");
  EXPECT_EQ(s.reason(), "enterprise.tier_order");

  e = GoodEnterprise();
  e.tiers[1].from = D("2022-06-01");  // overlaps the first record
  EXPECT_EQ(ValidateEnterprise(e).reason(), "enterprise.tier_order");

  e = GoodEnterprise();
  e.name = "";
  EXPECT_EQ(ValidateEnterprise(e).field(), "name");
}

TEST(ChainValidationTest, NormalizeEnterpriseFoldsUsccAndTrims) {
  Enterprise e = GoodEnterprise();
  e.uscc = " 91350100m000100y43 ";
  e.name = "  成都某芯片有限公司 ";
  ASSERT_TRUE(NormalizeEnterprise(&e).ok());
  EXPECT_EQ(e.uscc, "91350100M000100Y43");
  EXPECT_EQ(e.name, "成都某芯片有限公司");
}

TEST(ChainValidationTest, TierOnPicksTheRecordInForce) {
  Enterprise e = GoodEnterprise();
  EXPECT_EQ(TierOn(e, D("2020-06-01")), std::nullopt);
  EXPECT_EQ(TierOn(e, D("2022-12-31")), GradientTier::kInnovativeSme);
  EXPECT_EQ(TierOn(e, D("2030-01-01")), GradientTier::kSpecialized);
}

TEST(ChainValidationTest, OccupancyAboveHundredPercentOrNegativeIsRejected) {
  OccupancyObservation o;
  o.park_id = ParkId{1};
  o.land_used = 80;
  o.land_total = 100;
  o.floor_used = 100;
  o.floor_total = 100;
  o.producing_units = 3;
  o.total_units = 4;
  EXPECT_TRUE(ValidateOccupancy(o).ok());
  o.floor_used = 100.5;
  Status s = ValidateOccupancy(o);
  EXPECT_EQ(s.field(), "floor_used");
  EXPECT_EQ(s.reason(), "occupancy.above_total");
  o.floor_used = 10;
  o.land_total = -1;
  s = ValidateOccupancy(o);
  EXPECT_EQ(s.field(), "land_total");
  EXPECT_EQ(s.reason(), "occupancy.negative");
  o.land_total = 100;
  o.producing_units = 5;
  EXPECT_EQ(ValidateOccupancy(o).field(), "producing_units");
}

TEST(ChainValidationTest, LinkSupplyParkChainErrorsNameTheirField) {
  Link l;
  l.enterprise_id = E(1);
  l.node_id = N(1);
  EXPECT_TRUE(ValidateLink(l).ok());
  l.capacity = -1;
  EXPECT_EQ(ValidateLink(l).field(), "capacity");
  l.capacity = 1;
  l.revenue = Money::FromFen(-1);
  EXPECT_EQ(ValidateLink(l).field(), "revenue");

  SupplyLink sl;
  sl.buyer_id = E(1);
  sl.supplier_id = E(1);
  sl.node_id = N(1);
  EXPECT_EQ(ValidateSupplyLink(sl).reason(), "supply.self");
  sl.supplier_id = E(2);
  EXPECT_TRUE(ValidateSupplyLink(sl).ok());
  sl.value = Money::FromFen(-1);
  EXPECT_EQ(ValidateSupplyLink(sl).field(), "value");

  Park p;
  p.name = "微波射频科学城";
  EXPECT_TRUE(ValidatePark(p).ok());
  p.level = 2;
  EXPECT_EQ(ValidatePark(p).field(), "parent_id");
  p.parent_id = ParkId{7};
  EXPECT_TRUE(ValidatePark(p).ok());
  p.level = 4;
  EXPECT_EQ(ValidatePark(p).field(), "level");

  Chain c;
  c.code = "cd-ai";
  c.name = "人工智能";
  EXPECT_EQ(ValidateChain(c).field(), "code");
  c.code = "CD-AI";
  EXPECT_TRUE(ValidateChain(c).ok());
  c.name = "";
  EXPECT_EQ(ValidateChain(c).field(), "name");

  Cluster cl;
  cl.code = "CD-EI";
  EXPECT_EQ(ValidateCluster(cl).field(), "name");
}

// ---- Analytics -------------------------------------------------------------------------------

TEST(ChainAnalyticsTest, HhiOfFiftyThirtyTwentyIs3800) {
  EXPECT_DOUBLE_EQ(Hhi({50, 30, 20}), 3800);
  EXPECT_DOUBLE_EQ(Hhi({5, 3, 2}), 3800);  // scale-free
  EXPECT_DOUBLE_EQ(Hhi({7}), 10000);
  EXPECT_DOUBLE_EQ(Hhi({1, 1, 1, 1}), 2500);
  EXPECT_DOUBLE_EQ(Hhi({}), 0);
  EXPECT_DOUBLE_EQ(Hhi({0, 0}), 0);
}

TEST(ChainAnalyticsTest, NodeStatsCountLocalFirmsAndConcentration) {
  auto stats = ComputeNodeStats(Fixture(), kAsOf);
  ASSERT_EQ(stats.size(), 5u);
  EXPECT_EQ(stats[0].code, "A-CHIP");  // code order

  const NodeStats& board = StatsFor(stats, N(2));
  EXPECT_EQ(board.local_firms, 2);
  EXPECT_EQ(board.external_firms, 1);
  EXPECT_EQ(board.suppliers, 3);
  EXPECT_DOUBLE_EQ(board.hhi, 3800);
  EXPECT_EQ(board.hhi_basis, "capacity");
  EXPECT_FALSE(board.single_source);
  EXPECT_DOUBLE_EQ(board.top_share, 0.5);
  EXPECT_EQ(board.top_supplier, E(1));

  const NodeStats& app = StatsFor(stats, N(3));  // chain master (revenue only) + a user
  EXPECT_EQ(app.local_firms, 1);
  EXPECT_TRUE(app.single_source);
  EXPECT_DOUBLE_EQ(app.hhi, 10000);
  EXPECT_EQ(app.hhi_basis, "revenue");

  const NodeStats& chip = StatsFor(stats, N(1));
  EXPECT_EQ(chip.local_firms, 0);
  EXPECT_EQ(chip.external_firms, 1);
  EXPECT_TRUE(chip.choke_point);

  const NodeStats& test = StatsFor(stats, N(5));
  EXPECT_EQ(test.suppliers, 0);
  EXPECT_DOUBLE_EQ(test.hhi, 0);
  EXPECT_EQ(test.hhi_basis, "none");
  EXPECT_FALSE(test.single_source);
}

TEST(ChainAnalyticsTest, EqualSharesWhenNoCapacityOrRevenue) {
  ChainSnapshot s = Fixture();
  for (Link& l : s.links) {
    l.capacity = 0;
    l.revenue = Money();
  }
  auto stats = ComputeNodeStats(s, kAsOf);
  const NodeStats& board = StatsFor(stats, N(2));
  EXPECT_EQ(board.hhi_basis, "count");
  EXPECT_NEAR(board.hhi, 10000.0 / 3, 1e-9);
}

TEST(ChainAnalyticsTest, CoverageAndGapsOrderedChokeThenCriticalityThenCode) {
  ChainSnapshot s = Fixture();
  EXPECT_DOUBLE_EQ(NodeCoverage(s, kAsOf), 0.4);
  EXPECT_THAT(GapList(s, kAsOf), ElementsAre(N(1), N(5), N(4)));
  ChainSnapshot empty;
  EXPECT_DOUBLE_EQ(NodeCoverage(empty, kAsOf), 0);
  EXPECT_THAT(GapList(empty, kAsOf), IsEmpty());
}

TEST(ChainAnalyticsTest, AsOfFiltersByValidity) {
  ChainSnapshot s = Fixture();
  // 2024: N5 does not exist yet, E3 is not at N2 and E4 is not at N3.
  auto stats = ComputeNodeStats(s, kBefore);
  ASSERT_EQ(stats.size(), 4u);
  EXPECT_EQ(StatsFor(stats, N(2)).local_firms, 1);
  EXPECT_DOUBLE_EQ(StatsFor(stats, N(2)).hhi, 100.0 * 100 * (0.625 * 0.625 + 0.375 * 0.375));
  EXPECT_EQ(StatsFor(stats, N(3)).local_firms, 0);
  EXPECT_DOUBLE_EQ(NodeCoverage(s, kBefore), 0.25);
  // A link ending the day before as_of no longer counts; one ending on as_of still does.
  s.links[1].validity.valid_to = kAsOf.AddDays(-1);
  EXPECT_EQ(StatsFor(ComputeNodeStats(s, kAsOf), N(2)).local_firms, 1);
  s.links[1].validity.valid_to = kAsOf;
  EXPECT_EQ(StatsFor(ComputeNodeStats(s, kAsOf), N(2)).local_firms, 2);
  // An enterprise no longer valid drops its links.
  s.enterprises[0].validity.valid_to = D("2025-03-01");
  ChainSnapshot snap = SnapshotAsOf(s, kAsOf);
  EXPECT_EQ(snap.enterprises.size(), 5u);
  EXPECT_TRUE(std::none_of(snap.links.begin(), snap.links.end(),
                           [](const Link& l) { return l.enterprise_id == E(1); }));
  EXPECT_TRUE(std::none_of(
      snap.supply_links.begin(), snap.supply_links.end(),
      [](const SupplyLink& l) { return l.buyer_id == E(1) || l.supplier_id == E(1); }));
}

TEST(ChainAnalyticsTest, ChainMasterLocalSourcingRate) {
  ChainSnapshot s = Fixture();
  auto masters = ChainMasterSourcing(s, kAsOf);
  ASSERT_EQ(masters.size(), 1u);
  EXPECT_EQ(masters[0].enterprise_id, E(4));
  EXPECT_EQ(masters[0].local_value, Money::FromYuan(600));
  EXPECT_EQ(masters[0].total_value, Money::FromYuan(1000));
  ASSERT_TRUE(masters[0].rate.has_value());
  EXPECT_DOUBLE_EQ(*masters[0].rate, 0.6);
  // A master that buys nothing has no rate.
  s.supply_links.clear();
  masters = ChainMasterSourcing(s, kAsOf);
  ASSERT_EQ(masters.size(), 1u);
  EXPECT_FALSE(masters[0].rate.has_value());
  // Before 2025 E4 is not a chain master of this chain.
  EXPECT_THAT(ChainMasterSourcing(Fixture(), kBefore), IsEmpty());
}

TEST(ChainAnalyticsTest, BetweennessOnPathPeaksInTheMiddle) {
  // 0 - 1 - 2 - 3 - 4
  auto b = Betweenness(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}});
  EXPECT_THAT(b, ElementsAre(0, 3, 4, 3, 0));
  // Duplicate edges and self-loops are ignored.
  EXPECT_THAT(Betweenness(3, {{0, 1}, {1, 0}, {1, 2}, {2, 2}}), ElementsAre(0, 1, 0));
}

TEST(ChainAnalyticsTest, BetweennessSplitsBetweenEqualShortestPaths) {
  // A 4-cycle: each opposite pair has two shortest paths, so each vertex gets 1/2.
  auto b = Betweenness(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}});
  EXPECT_THAT(b, ElementsAre(0.5, 0.5, 0.5, 0.5));
  // A star with 4 leaves: the centre lies on all C(4,2) = 6 leaf pairs.
  b = Betweenness(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}});
  EXPECT_DOUBLE_EQ(b[0], 6);
  EXPECT_DOUBLE_EQ(b[1], 0);
}

TEST(ChainAnalyticsTest, KeyFirmsCombineCentralityTierAndChainMaster) {
  // Supply graph E2 - E4 - E1 - E3 plus isolated E5, E6 (n = 6, 10 pairs).
  // E1: degree 2/5, betweenness 2/10, 小巨人 0.75, not master: .14 + .07 + .15 = .36
  // E4: degree 2/5, betweenness 2/10, no tier, master:          .14 + .07 + .10 = .31
  auto firms = RankKeyFirms(Fixture(), kAsOf, 3);
  ASSERT_EQ(firms.size(), 3u);
  EXPECT_EQ(firms[0].enterprise_id, E(1));
  EXPECT_EQ(firms[0].degree, 2);
  EXPECT_DOUBLE_EQ(firms[0].betweenness, 2);
  EXPECT_DOUBLE_EQ(firms[0].betweenness_norm, 0.2);
  EXPECT_EQ(firms[0].tier, GradientTier::kLittleGiant);
  EXPECT_NEAR(firms[0].score, 0.36, 1e-12);
  EXPECT_EQ(firms[1].enterprise_id, E(4));
  EXPECT_TRUE(firms[1].chain_master);
  EXPECT_NEAR(firms[1].score, 0.31, 1e-12);
  // In 2026 E1's 小巨人 status has expired: E4 leads.
  firms = RankKeyFirms(Fixture(), D("2026-01-01"), 1);
  ASSERT_EQ(firms.size(), 1u);
  EXPECT_EQ(firms[0].enterprise_id, E(4));
  // Above the vertex limit betweenness is skipped.
  firms = RankKeyFirms(Fixture(), kAsOf, 10, 5);
  EXPECT_DOUBLE_EQ(firms[0].betweenness, 0);
}

TEST(ChainAnalyticsTest, CandidatesForGapSameNodeFirstThenSiblingsByCapacity) {
  ChainSnapshot s = Fixture();
  auto c = CandidatesForGap(s, kAsOf, N(1));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].enterprise_id, E(2));  // on A-CHIP itself, capacity 100
  EXPECT_TRUE(c[0].same_node);
  EXPECT_NE(c[0].reason_en.find("A-CHIP"), std::string::npos);
  EXPECT_FALSE(c[0].reason_zh.empty());
  EXPECT_EQ(c[1].enterprise_id, E(6));  // on sibling D-MAT (upstream), capacity 500
  EXPECT_FALSE(c[1].same_node);
  EXPECT_EQ(c[1].via_node, N(4));
  // E-TEST (midstream): E2 via B-BOARD; local E1 and E3 are not candidates.
  c = CandidatesForGap(s, kAsOf, N(5));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].enterprise_id, E(2));
  EXPECT_EQ(c[0].via_node, N(2));
  EXPECT_EQ(CandidatesForGap(s, kAsOf, N(1), 1).size(), 1u);
  EXPECT_THAT(CandidatesForGap(s, kAsOf, N(99)), IsEmpty());
}

TEST(ChainAnalyticsTest, ParkOccupancyLatestAndSeries) {
  auto obs = [](int64_t id, int64_t park, const char* date, double land_used, int64_t producing) {
    OccupancyObservation o;
    o.id = ObservationId{id};
    o.park_id = ParkId{park};
    o.date = D(date);
    o.land_used = land_used;
    o.land_total = 200;
    o.floor_used = 30;
    o.floor_total = 0;  // unknown
    o.producing_units = producing;
    o.total_units = 8;
    return o;
  };
  std::vector<OccupancyObservation> all = {
      obs(1, 1, "2025-03-31", 100, 4), obs(2, 1, "2024-12-31", 50, 2),
      obs(3, 2, "2025-06-30", 200, 8), obs(4, 1, "2025-09-30", 150, 6)};
  auto latest = LatestOccupancy(all, ParkId{1}, D("2025-06-30"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->date, D("2025-03-31"));
  EXPECT_DOUBLE_EQ(*latest->land, 0.5);
  EXPECT_FALSE(latest->floor.has_value());
  EXPECT_DOUBLE_EQ(*latest->production, 0.5);
  EXPECT_FALSE(LatestOccupancy(all, ParkId{1}, D("2024-01-01")).has_value());

  auto series = OccupancySeries(all, ParkId{1}, D("2024-01-01"), D("2025-06-30"));
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].date, D("2024-12-31"));
  EXPECT_DOUBLE_EQ(*series[0].land, 0.25);
  EXPECT_EQ(series[1].date, D("2025-03-31"));
}

TEST(ChainAnalyticsTest, DiffBetweenTwoDates) {
  ChainDiff d = DiffChain(Fixture(), kBefore, kAsOf);
  EXPECT_THAT(d.nodes_added, ElementsAre(N(5)));
  EXPECT_THAT(d.nodes_removed, IsEmpty());
  EXPECT_DOUBLE_EQ(d.coverage_from, 0.25);
  EXPECT_DOUBLE_EQ(d.coverage_to, 0.4);
  EXPECT_NEAR(d.coverage_change, 0.15, 1e-12);
  EXPECT_THAT(d.gaps_opened, ElementsAre(N(5)));
  EXPECT_THAT(d.gaps_closed, ElementsAre(N(3)));
  ASSERT_EQ(d.firm_changes.size(), 2u);
  EXPECT_EQ(d.firm_changes[0].node_id, N(2));
  EXPECT_EQ(d.firm_changes[0].code, "B-BOARD");
  EXPECT_THAT(d.firm_changes[0].added, ElementsAre(E(3)));
  EXPECT_THAT(d.firm_changes[0].removed, IsEmpty());
  EXPECT_EQ(d.firm_changes[1].node_id, N(3));
  EXPECT_THAT(d.firm_changes[1].added, ElementsAre(E(4)));

  // Reversed, everything flips; two different snapshots can be compared too.
  ChainDiff r = DiffChain(Fixture(), kAsOf, kBefore);
  EXPECT_THAT(r.nodes_removed, ElementsAre(N(5)));
  EXPECT_THAT(r.gaps_opened, ElementsAre(N(3)));
  EXPECT_THAT(r.firm_changes[0].removed, ElementsAre(E(3)));
  ChainSnapshot later = Fixture();
  later.nodes.erase(later.nodes.begin() + 3);  // D-MAT deleted
  ChainDiff x = DiffSnapshots(Fixture(), kAsOf, later, kAsOf);
  EXPECT_THAT(x.nodes_removed, ElementsAre(N(4)));
  EXPECT_THAT(x.gaps_closed, ElementsAre(N(4)));
  ASSERT_EQ(x.firm_changes.size(), 1u);  // E6's link went with the node
  EXPECT_EQ(x.firm_changes[0].code, "D-MAT");
  EXPECT_THAT(x.firm_changes[0].removed, ElementsAre(E(6)));
}

TEST(ChainAnalyticsTest, AnalyzeChainGathersEverything) {
  ChainAnalysis a = AnalyzeChain(Fixture(), kAsOf, {.key_firms = 2, .candidates_per_gap = 1});
  EXPECT_EQ(a.code, "CD-AI");
  EXPECT_EQ(a.as_of, kAsOf);
  EXPECT_EQ(a.node_count, 5);
  EXPECT_EQ(a.covered_nodes, 2);
  EXPECT_DOUBLE_EQ(a.coverage, 0.4);
  EXPECT_THAT(a.gaps, ElementsAre(N(1), N(5), N(4)));
  ASSERT_EQ(a.nodes.size(), 5u);
  EXPECT_DOUBLE_EQ(StatsFor(a.nodes, N(2)).hhi, 3800);
  ASSERT_EQ(a.masters.size(), 1u);
  EXPECT_DOUBLE_EQ(*a.masters[0].rate, 0.6);
  ASSERT_EQ(a.key_firms.size(), 2u);
  EXPECT_EQ(a.key_firms[0].enterprise_id, E(1));
  ASSERT_EQ(a.candidates.size(), 3u);
  EXPECT_EQ(a.candidates[0].node_id, N(1));
  ASSERT_EQ(a.candidates[0].candidates.size(), 1u);
  EXPECT_EQ(a.candidates[0].candidates[0].enterprise_id, E(2));
  // candidates_per_gap = 0 leaves them out.
  EXPECT_THAT(AnalyzeChain(Fixture(), kAsOf, {.candidates_per_gap = 0}).candidates, IsEmpty());
}

TEST(ChainValidationTest, BuildingsUnitsAndUnitObservationsNameTheBadField) {
  Building b;
  b.park_id = ParkId{1};
  b.name = "A1 栋";
  b.floors = 5;
  b.floor_area_m2 = 5000;
  EXPECT_TRUE(ValidateBuilding(b).ok());
  Building bad = b;
  bad.floor_area_m2 = 0;
  EXPECT_EQ(ValidateBuilding(bad).field(), "floor_area_m2");
  bad = b;
  bad.floors = 0;
  EXPECT_EQ(ValidateBuilding(bad).field(), "floors");
  bad = b;
  bad.validity.valid_from = D("2025-01-02");
  bad.validity.valid_to = D("2025-01-01");
  EXPECT_EQ(ValidateBuilding(bad).field(), "valid_to");

  Unit u;
  u.building_id = BuildingId{1};
  u.code = "5F-01";
  u.floor = 5;
  u.area_m2 = 300;
  EXPECT_TRUE(ValidateUnit(u, b).ok());
  u.floor = 6;
  Status s = ValidateUnit(u, b);
  EXPECT_EQ(s.field(), "floor");
  EXPECT_EQ(s.reason(), "unit.floor");
  u.floor = 1;
  u.area_m2 = -1;
  EXPECT_EQ(ValidateUnit(u, b).field(), "area_m2");

  UnitObservation o;
  o.unit_id = UnitId{1};
  o.date = D("2025-06-30");
  o.producing = true;
  s = ValidateUnitObservation(o);
  EXPECT_EQ(s.field(), "producing");
  EXPECT_EQ(s.reason(), "unit.producing_unoccupied");
  o.occupied = true;
  EXPECT_TRUE(ValidateUnitObservation(o).ok());
}

TEST(ChainAnalyticsTest, UnitRatesUseTheLatestObservationPerUnitAsOfADate) {
  Building a{.id = BuildingId{1},
             .park_id = ParkId{1},
             .name = "A",
             .floors = 3,
             .floor_area_m2 = 1000,
             .provenance = {},
             .validity = {}};
  Building gone = a;
  gone.id = BuildingId{2};
  gone.validity.valid_to = D("2024-12-31");  // demolished: its units do not count in 2025
  auto unit = [](int64_t id, BuildingId b, double area) {
    Unit u;
    u.id = UnitId{id};
    u.building_id = b;
    u.code = "U" + std::to_string(id);
    u.area_m2 = area;
    return u;
  };
  std::vector<Unit> units = {unit(1, a.id, 100), unit(2, a.id, 200), unit(3, a.id, 300),
                             unit(4, a.id, 400), unit(5, gone.id, 1000)};
  auto obs = [](int64_t id, int64_t unit, const char* date, bool occupied, bool producing) {
    UnitObservation o;
    o.id = UnitObservationId{id};
    o.unit_id = UnitId{unit};
    o.date = D(date);
    o.occupied = occupied;
    o.producing = producing;
    return o;
  };
  std::vector<UnitObservation> all = {
      obs(1, 1, "2025-01-01", true, true),    // unit 1: occupied, producing
      obs(2, 2, "2025-01-01", true, true),    // unit 2: producing, then only occupied
      obs(3, 2, "2025-03-01", true, false),   //
      obs(4, 3, "2025-01-01", false, false),  // unit 3: vacant, then occupied after as_of
      obs(5, 3, "2025-09-01", true, true),    //
      obs(6, 5, "2025-01-01", true, true),    // unit 5: in the demolished building
  };                                          // unit 4: never observed = vacant
  UnitRates r = UnitRatesOf({a, gone}, units, all, D("2025-06-30"));
  EXPECT_EQ(r.units, 4);
  EXPECT_EQ(r.occupied_units, 2);
  EXPECT_EQ(r.producing_units, 1);
  EXPECT_DOUBLE_EQ(r.total_area_m2, 1000);
  EXPECT_DOUBLE_EQ(r.occupied_area_m2, 300);
  ASSERT_TRUE(r.floor_occupancy.has_value());
  EXPECT_DOUBLE_EQ(*r.floor_occupancy, 0.3);
  ASSERT_TRUE(r.production_rate.has_value());
  EXPECT_DOUBLE_EQ(*r.production_rate, 100.0 / 300.0);

  // Earlier: unit 2 was still producing.
  r = UnitRatesOf({a, gone}, units, all, D("2025-02-01"));
  EXPECT_DOUBLE_EQ(*r.production_rate, 1.0);
  // Later: unit 3 joined, producing.
  r = UnitRatesOf({a, gone}, units, all, D("2025-12-31"));
  EXPECT_DOUBLE_EQ(*r.floor_occupancy, 0.6);
  EXPECT_DOUBLE_EQ(*r.production_rate, 400.0 / 600.0);
  // Before any observation: nothing occupied, no production rate.
  r = UnitRatesOf({a, gone}, units, all, D("2024-06-30"));
  EXPECT_EQ(r.units, 5);
  EXPECT_DOUBLE_EQ(*r.floor_occupancy, 0);
  EXPECT_FALSE(r.production_rate.has_value());
}

}  // namespace
}  // namespace kechan::chain
