// The analyses' read models (migration 5: chain_node_agg, chain_chain_firms): the aggregates
// kept as links and enterprises are written must give the same analysis as recomputing from the
// whole snapshot, on randomized data, on any date, after imports, enterprise updates and with
// end-dated links.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "chain/migrations.h"
#include "chain/repo.h"
#include "chain/service.h"
#include "store/migrations.h"
#include "store/test_schema.h"

namespace kechan::chain {
namespace {

base::Date D(std::string_view text) { return base::Date::Parse(text).value(); }

std::string U(int n) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string body(8, '0');
  int v = n;
  for (int i = 7; i >= 0; --i) {
    body[static_cast<size_t>(i)] = kAlphabet[v % 31];
    v /= 31;
  }
  return auth::MakeUscc('9', '1', "510100", body).value();
}

void ExpectSameStats(const std::vector<NodeStats>& fast, const std::vector<NodeStats>& slow,
                     const std::string& where) {
  ASSERT_EQ(fast.size(), slow.size()) << where;
  for (size_t i = 0; i < fast.size(); ++i) {
    const NodeStats& a = fast[i];
    const NodeStats& b = slow[i];
    SCOPED_TRACE(where + " node " + b.code);
    EXPECT_EQ(a.node_id, b.node_id);
    EXPECT_EQ(a.local_firms, b.local_firms);
    EXPECT_EQ(a.external_firms, b.external_firms);
    EXPECT_EQ(a.suppliers, b.suppliers);
    EXPECT_EQ(a.single_source, b.single_source);
    EXPECT_EQ(a.hhi_basis, b.hhi_basis);
    EXPECT_NEAR(a.hhi, b.hhi, 1e-6 * std::max(1.0, b.hhi));
    EXPECT_NEAR(a.top_share, b.top_share, 1e-9);
    EXPECT_EQ(a.top_supplier, b.top_supplier);
  }
}

void ExpectSameAnalysis(const ChainAnalysis& a, const ChainAnalysis& b, const std::string& where) {
  EXPECT_EQ(a.node_count, b.node_count) << where;
  EXPECT_EQ(a.covered_nodes, b.covered_nodes) << where;
  EXPECT_DOUBLE_EQ(a.coverage, b.coverage) << where;
  EXPECT_EQ(a.gaps, b.gaps) << where;
  ExpectSameStats(a.nodes, b.nodes, where);
  ASSERT_EQ(a.masters.size(), b.masters.size()) << where;
  for (size_t i = 0; i < a.masters.size(); ++i) {
    EXPECT_EQ(a.masters[i].enterprise_id, b.masters[i].enterprise_id) << where;
    EXPECT_EQ(a.masters[i].name, b.masters[i].name) << where;
    EXPECT_EQ(a.masters[i].local_value, b.masters[i].local_value) << where;
    EXPECT_EQ(a.masters[i].total_value, b.masters[i].total_value) << where;
    EXPECT_EQ(a.masters[i].rate, b.masters[i].rate) << where;
  }
  ASSERT_EQ(a.key_firms.size(), b.key_firms.size()) << where;
  for (size_t i = 0; i < a.key_firms.size(); ++i) {
    SCOPED_TRACE(where + " key firm " + std::to_string(i));
    EXPECT_EQ(a.key_firms[i].enterprise_id, b.key_firms[i].enterprise_id);
    EXPECT_EQ(a.key_firms[i].degree, b.key_firms[i].degree);
    EXPECT_DOUBLE_EQ(a.key_firms[i].degree_norm, b.key_firms[i].degree_norm);
    EXPECT_DOUBLE_EQ(a.key_firms[i].betweenness, b.key_firms[i].betweenness);
    EXPECT_DOUBLE_EQ(a.key_firms[i].score, b.key_firms[i].score);
    EXPECT_EQ(a.key_firms[i].tier, b.key_firms[i].tier);
    EXPECT_EQ(a.key_firms[i].chain_master, b.key_firms[i].chain_master);
  }
  ASSERT_EQ(a.candidates.size(), b.candidates.size()) << where;
  for (size_t g = 0; g < a.candidates.size(); ++g) {
    EXPECT_EQ(a.candidates[g].node_id, b.candidates[g].node_id) << where;
    ASSERT_EQ(a.candidates[g].candidates.size(), b.candidates[g].candidates.size()) << where;
    for (size_t i = 0; i < a.candidates[g].candidates.size(); ++i) {
      const Candidate& x = a.candidates[g].candidates[i];
      const Candidate& y = b.candidates[g].candidates[i];
      EXPECT_EQ(x.enterprise_id, y.enterprise_id) << where;
      EXPECT_EQ(x.via_node, y.via_node) << where;
      EXPECT_EQ(x.same_node, y.same_node) << where;
      EXPECT_EQ(x.capacity, y.capacity) << where;
      EXPECT_EQ(x.reason_en, y.reason_en) << where;
    }
  }
}

// ---- pure: aggregates maintained link by link equal ComputeNodeStats ----------------------------

TEST(NodeAggregateTest, IncrementalAggregateEqualsComputedStatsOnRandomLinks) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    ChainSnapshot s;
    Node n;
    n.id = NodeId{1};
    n.code = "N1";
    s.nodes.push_back(n);
    std::map<EnterpriseId, Validity> firms;
    const int firm_count = 1 + static_cast<int>(rng() % 8);
    for (int f = 1; f <= firm_count; ++f) {
      Enterprise e;
      e.id = EnterpriseId{f};
      e.validity.valid_from = D("2020-01-01").AddDays(static_cast<int64_t>(rng() % 1000));
      if (rng() % 5 == 0) {
        e.validity.valid_to = e.validity.valid_from.AddDays(static_cast<int64_t>(rng() % 900));
      }
      firms[e.id] = e.validity;
      s.enterprises.push_back(e);
    }
    const int link_count = static_cast<int>(rng() % 12);
    int64_t next_id = 1;
    for (int k = 0; k < link_count; ++k) {
      Link l;
      l.id = LinkId{next_id++};
      l.node_id = n.id;
      l.enterprise_id = EnterpriseId{1 + static_cast<int64_t>(rng() % firm_count)};
      l.role = static_cast<LinkRole>(rng() % 4);
      l.locality = rng() % 3 == 0 ? Locality::kExternal : Locality::kLocal;
      // Zero capacities and revenues often, so every basis (capacity, revenue, count) occurs.
      l.capacity = rng() % 3 == 0 ? 0 : static_cast<double>(rng() % 1000) / 7.0;
      l.revenue = base::Money::FromFen(rng() % 2 == 0 ? 0 : static_cast<int64_t>(rng() % 90000));
      if (round % 2 == 0) {
        l.capacity = 0;  // half the rounds: only revenue or counts
      }
      l.validity.valid_from = D("2020-06-01").AddDays(static_cast<int64_t>(rng() % 700));
      if (rng() % 4 == 0) {
        l.validity.valid_to = l.validity.valid_from.AddDays(static_cast<int64_t>(rng() % 400));
      }
      s.links.push_back(l);
    }
    // Link by link in a shuffled order (as writes arrive), and all at once.
    std::vector<Link> order = s.links;
    std::shuffle(order.begin(), order.end(), rng);
    NodeAggregate incremental;
    std::map<EnterpriseId, FirmAmount> amounts;
    for (const Link& l : order) {
      AddLinkToAggregate(&incremental, l, firms[l.enterprise_id], &amounts[l.enterprise_id]);
    }
    const NodeAggregate whole = AggregateOfLinks(s.links, firms);
    EXPECT_EQ(incremental.local_firms, whole.local_firms);
    EXPECT_EQ(incremental.external_firms, whole.external_firms);
    EXPECT_EQ(incremental.top_cap_id, whole.top_cap_id);
    EXPECT_EQ(incremental.min_firm, whole.min_firm);
    EXPECT_EQ(incremental.open_from, whole.open_from);
    EXPECT_EQ(incremental.dated_until, whole.dated_until);
    int held = 0;
    for (base::Date d = D("2019-01-01"); d < D("2026-01-01"); d = d.AddDays(97)) {
      if (!incremental.HoldsOn(d)) {
        continue;
      }
      ++held;
      ExpectSameStats({StatsFromAggregate(n, incremental)}, ComputeNodeStats(s, d),
                      "round " + std::to_string(round) + " on " + d.ToString());
    }
    if (link_count == 0) {
      EXPECT_GT(held, 0) << "an empty node's aggregate holds every day";
    }
  }
}

TEST(NodeAggregateTest, EndDatedLinkKeepsAggregateFromHoldingUntilItEnds) {
  NodeAggregate agg;
  FirmAmount amount;
  Link l;
  l.enterprise_id = EnterpriseId{3};
  l.node_id = NodeId{1};
  l.capacity = 10;
  l.validity.valid_from = D("2024-01-01");
  l.validity.valid_to = D("2025-06-30");
  AddLinkToAggregate(&agg, l, Validity{}, &amount);
  EXPECT_EQ(agg.local_firms, 0) << "a dated link is not counted";
  EXPECT_FALSE(agg.HoldsOn(D("2025-06-30")));
  EXPECT_TRUE(agg.HoldsOn(D("2025-07-01")));
  Link open = l;
  open.validity.valid_to.reset();
  open.enterprise_id = EnterpriseId{4};
  FirmAmount other;
  AddLinkToAggregate(&agg, open, Validity{}, &other);
  EXPECT_EQ(agg.local_firms, 1);
  EXPECT_FALSE(agg.HoldsOn(D("2023-12-31"))) << "before the open link started";
}

// ---- service: the fast analysis equals the snapshot analysis ------------------------------------

// On SQLite and, when KECHAN_TEST_PG names a server, on PostgreSQL.
// `got`, links of `node` read by the many-node reader, equals `want` field by field, in order.
void ExpectSameLinksRead(const std::vector<Link>& got, const std::vector<Link>& want, NodeId node) {
  ASSERT_EQ(got.size(), want.size()) << node.value;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_EQ(got[i].enterprise_id, want[i].enterprise_id);
    EXPECT_EQ(got[i].node_id, node);
    EXPECT_EQ(got[i].role, want[i].role);
    EXPECT_EQ(got[i].locality, want[i].locality);
    EXPECT_EQ(got[i].capacity, want[i].capacity);
    EXPECT_EQ(got[i].revenue, want[i].revenue);
    EXPECT_EQ(got[i].validity.valid_from, want[i].validity.valid_from);
    EXPECT_EQ(got[i].validity.valid_to, want[i].validity.valid_to);
  }
}

class ReadModelTest : public ::testing::TestWithParam<store::TestBackend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(GetParam(), "kechan_chain_read_model_test",
                                         {auth::Migrations(), Migrations()}, 1'790'000'000'000'000);
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    test_db_ = std::move(*t);
    db_ = &test_db_.db();
    service_ = std::make_unique<ChainService>(*db_, test_db_.clock());
    Cluster cl;
    cl.code = "CD-EI";
    cl.name = "电子信息";
    auto c = service_->CreateCluster(sys_, cl);
    ASSERT_TRUE(c.ok()) << c.status();
    for (const char* code : {"CD-AI", "CD-AERO"}) {
      Chain ch;
      ch.code = code;
      ch.name = std::string(code) + " 链";
      ch.cluster_id = c->id;
      auto made = service_->CreateChain(sys_, ch);
      ASSERT_TRUE(made.ok()) << made.status();
      chains_.push_back(*made);
    }
    // 10 nodes per chain over three segments; two end-dated, one starting late.
    for (const Chain& ch : chains_) {
      for (int i = 0; i < 10; ++i) {
        Node n;
        n.chain_id = ch.id;
        n.code = "N" + std::to_string(i);
        n.name = "节点" + std::to_string(i);
        n.segment = static_cast<Segment>(i % 3);
        n.criticality = 1 + i % 5;
        n.choke_point = i % 4 == 0;
        if (i == 7) {
          n.validity.valid_to = D("2024-12-31");
        }
        if (i == 8) {
          n.validity.valid_from = D("2023-03-01");
        }
        auto made = service_->CreateNode(sys_, n);
        ASSERT_TRUE(made.ok()) << made.status();
        nodes_.push_back(*made);
      }
    }
  }

  Enterprise RandomEnterprise(int n) {
    Enterprise e;
    e.uscc = U(n);
    e.name = "企业" + std::to_string(n);
    e.district = rng_() % 2 ? "高新区" : "双流区";
    e.above_size = rng_() % 2 == 0;
    e.validity.valid_from = D("2019-01-01").AddDays(static_cast<int64_t>(rng_() % 1500));
    if (rng_() % 6 == 0) {
      e.validity.valid_to = e.validity.valid_from.AddDays(static_cast<int64_t>(rng_() % 1200));
    }
    if (rng_() % 4 == 0) {
      GradientTierRecord t;
      t.tier = static_cast<GradientTier>(rng_() % 4);
      t.from = D("2021-01-01").AddDays(static_cast<int64_t>(rng_() % 800));
      e.tiers.push_back(t);
    }
    return e;
  }

  Link RandomLink(EnterpriseId e, const Node& n) {
    Link l;
    l.enterprise_id = e;
    l.node_id = n.id;
    const uint64_t r = rng_() % 10;
    l.role = r == 0  ? LinkRole::kChainMaster
             : r < 7 ? LinkRole::kSupplier
             : r < 9 ? LinkRole::kUser
                     : LinkRole::kService;
    l.locality = rng_() % 3 == 0 ? Locality::kExternal : Locality::kLocal;
    l.capacity = rng_() % 4 == 0 ? 0 : static_cast<double>(rng_() % 5000) / 3.0;
    l.revenue = base::Money::FromFen(static_cast<int64_t>(rng_() % 1000000));
    l.validity.valid_from = D("2020-01-01").AddDays(static_cast<int64_t>(rng_() % 1400));
    if (rng_() % 5 == 0) {
      l.validity.valid_to = l.validity.valid_from.AddDays(static_cast<int64_t>(rng_() % 700));
    }
    return l;
  }

  // Creates `count` enterprises through the service with 1-4 random links each, and a few
  // supply links.
  void AddRandomFirms(int count) {
    for (int i = 0; i < count; ++i) {
      auto e = service_->CreateEnterprise(sys_, RandomEnterprise(next_firm_++));
      ASSERT_TRUE(e.ok()) << e.status();
      firms_.push_back(*e);
      const Chain& ch = chains_[rng_() % chains_.size()];
      std::set<std::pair<int64_t, LinkRole>> used;
      const int links = 1 + static_cast<int>(rng_() % 4);
      for (int k = 0; k < links; ++k) {
        const Node& n = NodeOf(ch.id, static_cast<int>(rng_() % 10));
        Link l = RandomLink(e->id, n);
        if (!used.emplace(n.id.value, l.role).second) {
          continue;
        }
        auto made = service_->LinkEnterprise(sys_, l);
        ASSERT_TRUE(made.ok()) << made.status();
      }
    }
    for (int i = 0; i < count / 3; ++i) {
      const Enterprise& a = firms_[rng_() % firms_.size()];
      const Enterprise& b = firms_[rng_() % firms_.size()];
      if (a.id == b.id) {
        continue;
      }
      SupplyLink s;
      s.buyer_id = a.id;
      s.supplier_id = b.id;
      s.node_id = nodes_[rng_() % nodes_.size()].id;
      s.value = base::Money::FromFen(static_cast<int64_t>(1 + rng_() % 100000));
      s.locality = rng_() % 2 ? Locality::kLocal : Locality::kExternal;
      auto made = service_->AddSupplyLink(sys_, s);
      ASSERT_TRUE(made.ok()) << made.status();
    }
  }

  const Node& NodeOf(ChainId chain, int i) {
    for (const Node& n : nodes_) {
      if (n.chain_id == chain && n.code == "N" + std::to_string(i)) {
        return n;
      }
    }
    return nodes_.front();
  }

  // Compares Analyze (aggregates) with AnalyzeChain on the whole snapshot, for every chain, on
  // dates from before any record to after every end date, and the city-wide coverage.
  void ExpectFastEqualsSnapshot(const std::string& when) {
    for (const char* day : {"1970-01-01", "2020-03-01", "2021-07-15", "2023-03-01", "2024-12-31",
                            "2025-01-01", "2026-06-01", "2031-01-01"}) {
      const base::Date d = D(day);
      auto coverage = service_->CoverageByChain(d);
      ASSERT_TRUE(coverage.ok()) << coverage.status();
      ASSERT_EQ(coverage->size(), chains_.size());
      for (size_t c = 0; c < chains_.size(); ++c) {
        const Chain& ch = chains_[c];
        auto snap = service_->LoadSnapshot(ch.id);
        ASSERT_TRUE(snap.ok()) << snap.status();
        const AnalyzeOptions options{.key_firms = 5, .candidates_per_gap = 3};
        ChainAnalysis slow = AnalyzeChain(*snap, d, options);
        auto fast = service_->Analyze(sys_, ch.id, d, options);
        ASSERT_TRUE(fast.ok()) << fast.status();
        ExpectSameAnalysis(*fast, slow, when + " " + ch.code + " on " + day);
        EXPECT_EQ((*coverage)[c].chain_id, ch.id);
        EXPECT_DOUBLE_EQ((*coverage)[c].coverage, NodeCoverage(*snap, d)) << when << " " << day;
      }
    }
  }

  // Compares Diff (aggregates, links of the nodes whose aggregate does not hold) with model.h
  // DiffChain on the whole snapshot for every chain and every pair of days from..to (from <= to)
  // of a list running from before any record to after every end date, names included. Returns
  // how many firm changes and node changes were compared (so a test can check it saw some).
  std::pair<size_t, size_t> ExpectDiffEqualsSnapshot(const std::string& when) {
    const std::vector<base::Date> days = {D("1970-01-01"), D("2020-03-01"), D("2021-07-15"),
                                          D("2023-03-01"), D("2024-12-31"), D("2025-01-01"),
                                          D("2026-06-01"), D("2031-01-01")};
    size_t firm_changes = 0;
    size_t node_changes = 0;
    for (const Chain& ch : chains_) {
      auto snap = service_->LoadSnapshot(ch.id);
      EXPECT_TRUE(snap.ok()) << snap.status();
      if (!snap.ok()) {
        return {};
      }
      std::map<EnterpriseId, std::string> names;
      for (const Enterprise& e : snap->enterprises) {
        names[e.id] = e.name;
      }
      for (size_t i = 0; i < days.size(); ++i) {
        for (size_t j = i; j < days.size(); ++j) {
          const std::string where =
              when + " " + ch.code + " " + days[i].ToString() + ".." + days[j].ToString();
          SCOPED_TRACE(where);
          const ChainDiff want = DiffChain(*snap, days[i], days[j]);
          // The default groups (on this data, when 8 nodes or more are read: two nodes, then the
          // rest) and groups of about 5 links (a node or two each): the diff reads its nodes a
          // group at a time.
          for (size_t links_per_read : {ChainService::kDefaultDiffLinksPerRead, size_t{5}}) {
            SCOPED_TRACE("links per read " + std::to_string(links_per_read));
            service_->SetDiffLinksPerRead(links_per_read);
            auto got = service_->Diff(sys_, ch.id, days[i], days[j]);
            EXPECT_TRUE(got.ok()) << got.status();
            if (!got.ok()) {
              continue;
            }
            const ChainDiff& d = got->diff;
            EXPECT_EQ(d.from, want.from);
            EXPECT_EQ(d.to, want.to);
            EXPECT_EQ(d.nodes_added, want.nodes_added);
            EXPECT_EQ(d.nodes_removed, want.nodes_removed);
            EXPECT_DOUBLE_EQ(d.coverage_from, want.coverage_from);
            EXPECT_DOUBLE_EQ(d.coverage_to, want.coverage_to);
            EXPECT_DOUBLE_EQ(d.coverage_change, want.coverage_change);
            EXPECT_EQ(d.gaps_opened, want.gaps_opened);
            EXPECT_EQ(d.gaps_closed, want.gaps_closed);
            EXPECT_EQ(got->code, ch.code);
            EXPECT_EQ(got->node_codes.size(), snap->nodes.size());
            EXPECT_EQ(d.firm_changes.size(), want.firm_changes.size());
            std::map<EnterpriseId, std::string> want_names;
            for (size_t k = 0; k < std::min(d.firm_changes.size(), want.firm_changes.size()); ++k) {
              EXPECT_EQ(d.firm_changes[k].node_id, want.firm_changes[k].node_id);
              EXPECT_EQ(d.firm_changes[k].code, want.firm_changes[k].code);
              EXPECT_EQ(d.firm_changes[k].added, want.firm_changes[k].added);
              EXPECT_EQ(d.firm_changes[k].removed, want.firm_changes[k].removed);
              for (const auto* list :
                   {&want.firm_changes[k].added, &want.firm_changes[k].removed}) {
                for (EnterpriseId id : *list) {
                  want_names[id] = names[id];
                }
              }
              if (links_per_read == ChainService::kDefaultDiffLinksPerRead) {
                firm_changes +=
                    want.firm_changes[k].added.size() + want.firm_changes[k].removed.size();
              }
            }
            EXPECT_EQ(got->firm_names, want_names);
          }
          node_changes += want.nodes_added.size() + want.nodes_removed.size();
        }
      }
    }
    return {firm_changes, node_changes};
  }

  // 20 random firms, then 30 enterprises with links (some end-dated) through the CSV importer
  // and links of 15 existing firms (some already linked at the node in another role) through
  // the links importer.
  void ImportFirmsAndLinks() {
    AddRandomFirms(20);
    const size_t base = firms_.size() - 20;  // the links below go to these new firms
    // Enterprises with links, one of them end-dated, through the CSV importer.
    std::string csv =
        "uscc,name,district,above_size,chain,nodes,role,locality,capacity,valid_from,"
        "valid_to\n";
    for (int i = 0; i < 30; ++i) {
      csv += U(next_firm_++) + ",导入企业" + std::to_string(i) + "," +
             (i % 2 ? "高新区" : "双流区") + "," + (i % 3 ? "1" : "0") + "," +
             (i % 2 ? "CD-AI" : "CD-AERO") + ",N" + std::to_string(i % 10) + ";N" +
             std::to_string((i + 3) % 10) + "," + (i % 5 ? "supplier" : "chain_master") + "," +
             (i % 4 ? "local" : "external") + "," + std::to_string(i * 37 % 500) + ",2021-0" +
             std::to_string(1 + i % 9) + "-01," + (i % 7 == 0 ? "2025-03-31" : "") + "\n";
    }
    auto imported = service_->Import(sys_, ImportKind::kEnterprises, csv, {.source = "test"});
    ASSERT_TRUE(imported.ok()) << imported.status();
    ASSERT_TRUE(imported->committed)
        << (imported->errors.empty() ? "" : imported->errors[0].ToJson());
    EXPECT_EQ(imported->imported, 30);
    // Links of existing firms (some already linked at the node in another role) through the links
    // importer.
    std::string links = "uscc,chain,node,role,locality,capacity,revenue,valid_from,valid_to\n";
    for (int i = 0; i < 15; ++i) {
      links += firms_[base + static_cast<size_t>(i)].uscc + ",CD-AI,N" + std::to_string(i % 10) +
               "," + (i % 2 ? "service" : "user") + "," + (i % 3 ? "local" : "external") + "," +
               std::to_string(100 + i) + ",12.50,2022-01-01," + (i % 4 == 0 ? "2026-01-01" : "") +
               "\n";
    }
    // skip_bad: a random firm may already hold that role at that node.
    auto linked =
        service_->Import(sys_, ImportKind::kLinks, links, {.skip_bad = true, .source = "test"});
    ASSERT_TRUE(linked.ok()) << linked.status();
    ASSERT_TRUE(linked->committed);
    EXPECT_GT(linked->links, 5);
  }

  // Every stored aggregate equals one recomputed from the node's links.
  void ExpectStoredAggregatesEqualRecomputed() {
    auto tx = db_->Begin(store::TxKind::kRead);
    ASSERT_TRUE(tx.ok());
    auto stored = repo::LoadAllNodeAggregates(**tx);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->size(), nodes_.size()) << "every node has its aggregate";
    for (const auto& [node, agg] : *stored) {
      std::vector<Link> links;
      std::map<EnterpriseId, Validity> firms;
      ASSERT_TRUE(repo::ListLinksOfNode(**tx, node, &links, &firms).ok());
      const NodeAggregate want = AggregateOfLinks(links, firms);
      EXPECT_EQ(agg.local_firms, want.local_firms) << node.value;
      EXPECT_EQ(agg.external_firms, want.external_firms) << node.value;
      EXPECT_NEAR(agg.cap_sum, want.cap_sum, 1e-6 * std::max(1.0, want.cap_sum));
      EXPECT_NEAR(agg.cap_sq, want.cap_sq, 1e-6 * std::max(1.0, want.cap_sq));
      EXPECT_NEAR(agg.rev_sum, want.rev_sum, 1e-6 * std::max(1.0, want.rev_sum));
      EXPECT_EQ(agg.top_cap_id, want.top_cap_id) << node.value;
      EXPECT_EQ(agg.top_rev_id, want.top_rev_id) << node.value;
      EXPECT_EQ(agg.min_firm, want.min_firm) << node.value;
      EXPECT_EQ(agg.open_from, want.open_from) << node.value;
      EXPECT_EQ(agg.dated_until, want.dated_until) << node.value;
    }
    // The many-node read (one statement on PostgreSQL) gives every node what the one-node read
    // gives, links in the same order, and the same validity for every firm.
    std::vector<NodeId> all;
    for (const Node& n : nodes_) {
      all.push_back(n.id);
    }
    std::map<NodeId, std::vector<Link>> bulk;
    std::map<EnterpriseId, Validity> bulk_firms;
    ASSERT_TRUE(repo::ListLinksOfNodes(**tx, all, &bulk, &bulk_firms).ok());
    EXPECT_EQ(bulk.size(), all.size());
    size_t compared = 0;
    for (NodeId node : all) {
      std::vector<Link> links;
      std::map<EnterpriseId, Validity> firms;
      ASSERT_TRUE(repo::ListLinksOfNode(**tx, node, &links, &firms).ok());
      ExpectSameLinksRead(bulk[node], links, node);
      for (const auto& [firm, v] : firms) {
        ASSERT_TRUE(bulk_firms.contains(firm)) << firm.value;
        EXPECT_EQ(bulk_firms[firm].valid_from, v.valid_from);
        EXPECT_EQ(bulk_firms[firm].valid_to, v.valid_to);
      }
      compared += links.size();
    }
    EXPECT_GT(compared, 0u);
    // Read three nodes at a time with the firms kept across the reads (as the diff reads them):
    // the same links, and every firm of a link in the shared map with its validity.
    std::map<EnterpriseId, Validity> shared_firms;
    size_t grouped = 0;
    for (size_t first = 0; first < all.size(); first += 3) {
      const std::vector<NodeId> group(
          all.begin() + static_cast<std::ptrdiff_t>(first),
          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), first + 3)));
      std::map<NodeId, std::vector<Link>> part;
      ASSERT_TRUE(repo::ListLinksOfNodes(**tx, group, &part, &shared_firms).ok());
      EXPECT_EQ(part.size(), group.size());
      for (NodeId node : group) {
        const std::vector<Link>& got = part[node];
        ExpectSameLinksRead(got, bulk[node], node);
        for (const Link& l : got) {
          ASSERT_TRUE(shared_firms.contains(l.enterprise_id)) << l.enterprise_id.value;
          EXPECT_EQ(shared_firms[l.enterprise_id].valid_from,
                    bulk_firms[l.enterprise_id].valid_from);
          EXPECT_EQ(shared_firms[l.enterprise_id].valid_to, bulk_firms[l.enterprise_id].valid_to);
        }
        grouped += got.size();
      }
    }
    EXPECT_EQ(grouped, compared);
  }

  // The list with chain + district + above-size filters equals filtering the snapshots' firms.
  void ExpectListMatchesBruteForce();

  void TearDown() override {
    service_.reset();
    EXPECT_TRUE(test_db_.Close().ok());
  }

  store::TestDatabase test_db_;
  store::Database* db_ = nullptr;
  std::unique_ptr<ChainService> service_;
  Caller sys_ = Caller::System("test");
  std::vector<Chain> chains_;
  std::vector<Node> nodes_;
  std::vector<Enterprise> firms_;
  std::mt19937_64 rng_{20260101};
  int next_firm_ = 1;
};

TEST_P(ReadModelTest, AnalysisFromAggregatesEqualsSnapshotOnRandomLinks) {
  ExpectFastEqualsSnapshot("empty");
  AddRandomFirms(60);
  ExpectStoredAggregatesEqualRecomputed();
  ExpectFastEqualsSnapshot("after links");
}

TEST_P(ReadModelTest, AnalysisEqualsSnapshotAfterImports) {
  ImportFirmsAndLinks();
  ExpectStoredAggregatesEqualRecomputed();
  ExpectFastEqualsSnapshot("after imports");
}

// The imports' other ways of writing on SQLite — one row per statement (ids from
// last_insert_rowid(), chain firms counted from each insert's change count) and short multi-row
// statements (the last one of a chunk partial) — write the same rows and read models.
TEST_P(ReadModelTest, AnalysisEqualsSnapshotAfterOneRowAndShortMultiRowImports) {
  struct Restore {
    ~Restore() { repo::SetSqliteRowsPerInsert(200); }
  } restore;
  repo::SetSqliteRowsPerInsert(1);
  ImportFirmsAndLinks();
  repo::SetSqliteRowsPerInsert(7);
  ImportFirmsAndLinks();
  ExpectStoredAggregatesEqualRecomputed();
  ExpectFastEqualsSnapshot("after one-row and 7-row imports");
  auto tx = db_->Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  for (const Chain& ch : chains_) {
    auto fast = repo::CountChainFirmsOn(**tx, ch.id, D("2031-01-01"));
    auto slow = repo::RecountChainFirmsOn(**tx, ch.id, D("2031-01-01"));
    ASSERT_TRUE(fast.ok() && slow.ok());
    EXPECT_EQ(*fast, *slow) << ch.code;
  }
}

TEST_P(ReadModelTest, EndDatingAnEnterpriseRecomputesItsNodes) {
  AddRandomFirms(40);
  // End-date some firms, move others' start, change districts: aggregates and list copies follow.
  for (size_t i = 0; i < firms_.size(); i += 3) {
    Enterprise e = firms_[i];
    e.validity.valid_to = D("2024-06-30");
    if (e.validity.valid_from > *e.validity.valid_to) {
      e.validity.valid_from = D("2020-01-01");
    }
    e.district = "锦江区";
    auto updated = service_->UpdateEnterprise(sys_, e);
    ASSERT_TRUE(updated.ok()) << updated.status();
    firms_[i] = *updated;
  }
  for (size_t i = 1; i < firms_.size(); i += 5) {
    Enterprise e = firms_[i];
    e.validity.valid_to.reset();
    e.validity.valid_from = D("2022-02-02");
    auto updated = service_->UpdateEnterprise(sys_, e);
    ASSERT_TRUE(updated.ok()) << updated.status();
    firms_[i] = *updated;
  }
  ExpectStoredAggregatesEqualRecomputed();
  ExpectFastEqualsSnapshot("after updates");
}

TEST_P(ReadModelTest, NodesWithoutAggregateRowsAreComputedAndHealOnTheNextLink) {
  AddRandomFirms(30);
  {
    // A database from before migration 5 had no rows.
    auto tx = db_->Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Exec("DELETE FROM chain_node_agg", {}).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ExpectFastEqualsSnapshot("without rows");
  // One more link per node recreates each node's row from all its links.
  for (const Node& n : nodes_) {
    auto e = service_->CreateEnterprise(sys_, RandomEnterprise(next_firm_++));
    ASSERT_TRUE(e.ok()) << e.status();
    Link l = RandomLink(e->id, n);
    l.role = LinkRole::kSupplier;  // a producer link: it touches the node's aggregate
    auto made = service_->LinkEnterprise(sys_, l);
    ASSERT_TRUE(made.ok()) << made.status();
  }
  ExpectStoredAggregatesEqualRecomputed();
  ExpectFastEqualsSnapshot("healed");
}

TEST_P(ReadModelTest, ListWithChainDistrictAndSizeMatchesBruteForce) {
  AddRandomFirms(50);
  // Move a few firms to another district after they were linked: the list must follow.
  for (size_t i = 0; i < firms_.size(); i += 4) {
    Enterprise e = firms_[i];
    e.district = "锦江区";
    e.above_size = !e.above_size;
    auto updated = service_->UpdateEnterprise(sys_, e);
    ASSERT_TRUE(updated.ok()) << updated.status();
    firms_[i] = *updated;
  }
  ExpectListMatchesBruteForce();
}

TEST_P(ReadModelTest, RefusedNodeMoveLeavesTheChainFirmListsAlone) {
  AddRandomFirms(40);
  Node moved = NodeOf(chains_[0].id, 2);
  moved.chain_id = chains_[1].id;
  auto updated = service_->UpdateNode(sys_, moved);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.status().field(), "chain_id");
  ExpectListMatchesBruteForce();
  ExpectFastEqualsSnapshot("after the refused move");
}

// Migration 7: the per-chain count of open firms. After links, imports and validity changes the
// row's open count is exact, its bounds cover every firm, and the count it gives (or the recount
// it falls back to) equals counting the chain's firms on every date.
TEST_P(ReadModelTest, ChainFirmCountEqualsRecountAfterLinksImportsAndUpdates) {
  AddRandomFirms(40);
  std::string csv = "uscc,name,district,chain,nodes,role,valid_from,valid_to\n";
  for (int i = 0; i < 12; ++i) {
    csv += U(next_firm_++) + ",计数企业" + std::to_string(i) + ",高新区," +
           (i % 2 ? "CD-AI" : "CD-AERO") + ",N" + std::to_string(i % 10) + ",supplier,2022-0" +
           std::to_string(1 + i % 9) + "-01," + (i % 3 == 0 ? "2027-06-30" : "") + "\n";
  }
  auto imported = service_->Import(sys_, ImportKind::kEnterprises, csv, {.source = "test"});
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_TRUE(imported->committed);
  // Open -> end-dated, end-dated -> open, and a later start of an open firm.
  for (size_t i = 0; i < firms_.size(); i += 4) {
    Enterprise e = firms_[i];
    if (e.validity.valid_to) {
      e.validity.valid_to.reset();
      e.validity.valid_from = D("2024-04-04");
    } else {
      e.validity.valid_to = e.validity.valid_from.AddDays(400);
    }
    auto updated = service_->UpdateEnterprise(sys_, e);
    ASSERT_TRUE(updated.ok()) << updated.status();
    firms_[i] = *updated;
  }
  auto tx = db_->Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  for (const Chain& ch : chains_) {
    auto row = repo::FindChainCount(**tx, ch.id);
    ASSERT_TRUE(row.ok()) << row.status();
    ASSERT_TRUE(row->has_value()) << ch.code;
    auto open = (*tx)->Query(
        "SELECT COUNT(*), MAX(valid_from) FROM chain_chain_firms WHERE chain_id = ? AND "
        "valid_to IS NULL",
        {ch.id.value});
    ASSERT_TRUE(open.ok());
    EXPECT_EQ((*row)->open_firms, open->rows[0].Int(0)) << ch.code;
    EXPECT_GE((*row)->open_from.ToString(), open->rows[0].Text(1)) << ch.code;
    // Far enough ahead every end date has passed: the row answers, no recount needed.
    EXPECT_TRUE((*row)->HoldsOn(D("2040-01-01"))) << ch.code;
    EXPECT_FALSE((*row)->HoldsOn(D("2018-01-01"))) << ch.code;
    for (const char* day : {"1970-01-01", "2019-06-01", "2021-07-15", "2023-03-01", "2024-04-04",
                            "2025-01-01", "2027-06-30", "2027-07-01", "2040-01-01"}) {
      auto fast = repo::CountChainFirmsOn(**tx, ch.id, D(day));
      auto slow = repo::RecountChainFirmsOn(**tx, ch.id, D(day));
      ASSERT_TRUE(fast.ok() && slow.ok());
      EXPECT_EQ(*fast, *slow) << ch.code << " on " << day;
    }
  }
  tx->reset();
  ExpectFastEqualsSnapshot("after count changes");
}

TEST_P(ReadModelTest, ChainsWithoutCountRowsAreCountedAndGetAnExactOneBack) {
  AddRandomFirms(30);
  {
    // A database whose rows were lost (or a chain whose firms predate its row).
    auto tx = db_->Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Exec("DELETE FROM chain_chain_count", {}).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ExpectFastEqualsSnapshot("without count rows");
  // A rebuild (node moved between chains; here called directly) writes the exact row again.
  {
    auto tx = db_->Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(repo::RebuildChainFirms(**tx, chains_[0].id).ok());
    auto row = repo::FindChainCount(**tx, chains_[0].id);
    ASSERT_TRUE(row.ok() && row->has_value());
    auto recount = repo::RecountChainFirmsOn(**tx, chains_[0].id, D("2040-01-01"));
    ASSERT_TRUE(recount.ok());
    EXPECT_EQ((*row)->open_firms, *recount);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ExpectFastEqualsSnapshot("after the rebuild");
  // The other chain: its next new firm writes the whole count, not just that firm.
  auto e = service_->CreateEnterprise(sys_, RandomEnterprise(next_firm_++));
  ASSERT_TRUE(e.ok()) << e.status();
  e->validity.valid_to.reset();
  ASSERT_TRUE(service_->UpdateEnterprise(sys_, *e).ok());
  Link l = RandomLink(e->id, NodeOf(chains_[1].id, 1));
  ASSERT_TRUE(service_->LinkEnterprise(sys_, l).ok());
  {
    auto tx = db_->Begin(store::TxKind::kRead);
    ASSERT_TRUE(tx.ok());
    auto row = repo::FindChainCount(**tx, chains_[1].id);
    ASSERT_TRUE(row.ok() && row->has_value());
    auto open = (*tx)->Query(
        "SELECT COUNT(*) FROM chain_chain_firms WHERE chain_id = ? AND valid_to IS NULL",
        {chains_[1].id.value});
    ASSERT_TRUE(open.ok());
    EXPECT_EQ((*row)->open_firms, open->rows[0].Int(0));
    EXPECT_GT((*row)->open_firms, 1);
  }
  ExpectFastEqualsSnapshot("after the next link");
}

TEST_P(ReadModelTest, DiffFromAggregatesEqualsSnapshotOnRandomLinks) {
  ExpectDiffEqualsSnapshot("empty");
  AddRandomFirms(60);
  // End-date some firms and move others' start, so firms leave and join nodes between the days.
  for (size_t i = 0; i < firms_.size(); i += 4) {
    Enterprise e = firms_[i];
    e.validity.valid_to = D("2024-06-30");
    if (e.validity.valid_from > *e.validity.valid_to) {
      e.validity.valid_from = D("2020-01-01");
    }
    auto updated = service_->UpdateEnterprise(sys_, e);
    ASSERT_TRUE(updated.ok()) << updated.status();
    firms_[i] = *updated;
  }
  const auto [firm_changes, node_changes] = ExpectDiffEqualsSnapshot("after links");
  EXPECT_GT(firm_changes, 50u) << "the random data moves firms between the days";
  EXPECT_GT(node_changes, 0u) << "a node starts and one ends between the days";
}

TEST_P(ReadModelTest, DiffEqualsSnapshotAfterImportsAndWithoutAggregateRows) {
  AddRandomFirms(20);
  std::string csv =
      "uscc,name,district,above_size,chain,nodes,role,locality,capacity,valid_from,valid_to\n";
  for (int i = 0; i < 30; ++i) {
    csv += U(next_firm_++) + ",导入企业" + std::to_string(i) + ",高新区,1," +
           (i % 2 ? "CD-AI" : "CD-AERO") + ",N" + std::to_string(i % 10) + ";N" +
           std::to_string((i + 4) % 10) + "," + (i % 5 ? "supplier" : "user") + "," +
           (i % 3 ? "local" : "external") + "," + std::to_string(i * 11 % 300) + ",2022-0" +
           std::to_string(1 + i % 9) + "-15," + (i % 6 == 0 ? "2025-06-30" : "") + "\n";
  }
  auto imported = service_->Import(sys_, ImportKind::kEnterprises, csv, {.source = "test"});
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_TRUE(imported->committed);
  EXPECT_GT(ExpectDiffEqualsSnapshot("after imports").first, 0u);
  {
    // A database from before migration 5: every node's firms are read from its links.
    auto tx = db_->Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Exec("DELETE FROM chain_node_agg", {}).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_GT(ExpectDiffEqualsSnapshot("without aggregate rows").first, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReadModelTest,
                         ::testing::Values(store::TestBackend::kSqlite,
                                           store::TestBackend::kPostgres),
                         [](const ::testing::TestParamInfo<store::TestBackend>& info) {
                           return std::string(store::TestBackendName(info.param));
                         });

void ReadModelTest::ExpectListMatchesBruteForce() {
  for (const Chain& ch : chains_) {
    auto snap = service_->LoadSnapshot(ch.id);
    ASSERT_TRUE(snap.ok());
    std::set<EnterpriseId> linked;
    for (const Link& l : snap->links) {
      linked.insert(l.enterprise_id);
    }
    for (const char* district : {"高新区", "双流区", "锦江区"}) {
      for (bool above : {true, false}) {
        std::vector<EnterpriseId> want;
        for (const Enterprise& e : firms_) {
          if (linked.contains(e.id) && e.district == district && e.above_size == above) {
            want.push_back(e.id);
          }
        }
        std::sort(want.begin(), want.end());
        EnterpriseFilter f;
        f.chain_id = ch.id;
        f.district = district;
        f.above_size = above;
        auto page = service_->ListEnterprises(sys_, f, {.page = 1, .page_size = 200});
        ASSERT_TRUE(page.ok()) << page.status();
        EXPECT_EQ(page->total, static_cast<int64_t>(want.size())) << ch.code << district;
        std::vector<EnterpriseId> got;
        for (const Enterprise& e : page->items) {
          got.push_back(e.id);
        }
        EXPECT_EQ(got, want) << ch.code << " " << district << " " << above;
      }
    }
  }
}

}  // namespace
}  // namespace kechan::chain
