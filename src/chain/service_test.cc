#include "chain/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "chain/cli.h"
#include "chain/import_jobs.h"
#include "chain/migrations.h"
#include "chain/routes.h"
#include "store/event_log.h"
#include "store/migrations.h"
#include "table/table.h"

namespace kechan::chain {
namespace {

base::Date D(std::string_view text) { return base::Date::Parse(text).value(); }

// A valid synthetic USCC numbered n (test data, not a real organisation).
std::string U(int n) {
  std::string digits = std::to_string(100000 + n).substr(0, 6);
  return auth::MakeUscc('9', '1', "510100", "MA" + digits).value();
}

class ChainServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    auto migrated = store::Migrate(*db_, all);
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    service_ = std::make_unique<ChainService>(*db_, clock_);

    Cluster cl;
    cl.code = "CD-EI";
    cl.name = "电子信息";
    cl.tier = Tier::kTrillion;
    auto c = service_->CreateCluster(sys_, cl);
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = c->id;
    chain_a_ = MakeChain("CD-AI", "人工智能");
    chain_b_ = MakeChain("CD-AERO", "航空航天");
  }

  ChainId MakeChain(const std::string& code, const std::string& name) {
    Chain ch;
    ch.code = code;
    ch.name = name;
    ch.cluster_id = cluster_;
    auto r = service_->CreateChain(sys_, ch);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->id : ChainId{};
  }

  Node MakeNode(ChainId chain, const std::string& code, std::optional<NodeId> parent = {},
                int criticality = 3, bool choke = false) {
    Node n;
    n.chain_id = chain;
    n.code = code;
    n.name = code + " 节点";
    n.parent_id = parent;
    n.criticality = criticality;
    n.choke_point = choke;
    auto r = service_->CreateNode(sys_, n);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Node{};
  }

  Enterprise NewEnterprise(int n, const std::string& name) {
    Enterprise e;
    e.uscc = U(n);
    e.name = name;
    e.district = "高新区";
    return e;
  }

  EnterpriseId MakeEnterprise(int n, const std::string& name, std::string district = "高新区",
                              bool above = false, std::optional<base::OrgId> org = {}) {
    Enterprise e = NewEnterprise(n, name);
    e.district = std::move(district);
    e.above_size = above;
    e.org_id = org;
    auto r = service_->CreateEnterprise(sys_, e);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->id : EnterpriseId{};
  }

  void MakeLink(EnterpriseId e, NodeId n, double capacity, Locality loc = Locality::kLocal,
                LinkRole role = LinkRole::kSupplier, base::Date from = base::Date()) {
    Link l;
    l.enterprise_id = e;
    l.node_id = n;
    l.capacity = capacity;
    l.locality = loc;
    l.role = role;
    l.validity.valid_from = from;
    auto r = service_->LinkEnterprise(sys_, l);
    EXPECT_TRUE(r.ok()) << r.status();
  }

  base::OrgId MakeOrg(const std::string& name) {
    auto tx = db_->Begin(store::TxKind::kWrite);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->Query(
        "INSERT INTO orgs (kind, name, created_at) VALUES ('enterprise', ?, 0) RETURNING id",
        {name});
    EXPECT_TRUE(rows.ok()) << rows.status();
    EXPECT_TRUE((*tx)->Commit().ok());
    return base::OrgId{rows->rows.at(0).Int(0)};
  }

  // Rows of every chain table plus the number of events: a fingerprint that changes on any
  // write.
  std::vector<int64_t> Fingerprint() {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    std::vector<int64_t> out;
    for (const char* t : {"chain_clusters", "chain_chains", "chain_nodes", "chain_parks",
                          "chain_enterprises", "chain_enterprise_years", "chain_links",
                          "chain_supply_links", "chain_occupancy", "chain_projects",
                          "chain_buildings", "chain_units", "chain_unit_observations", "events"}) {
      auto n = repo::Count(**tx, t);
      EXPECT_TRUE(n.ok()) << n.status();
      out.push_back(n.ok() ? *n : -1);
    }
    return out;
  }

  std::vector<store::Event> Events() {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto events = store::ReadEvents(**tx, 0, 100000);
    EXPECT_TRUE(events.ok()) << events.status();
    return *events;
  }

  static void ExpectInvalid(const base::Status& s, const std::string& field,
                            const std::string& reason = {}) {
    EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << s;
    EXPECT_EQ(s.field(), field) << s;
    if (!reason.empty()) {
      EXPECT_EQ(s.reason(), reason) << s;
    }
    EXPECT_FALSE(s.message_en().empty());
    EXPECT_NE(s.message_zh(), s.message_en()) << "needs a Chinese message: " << s;
  }

  base::FakeClock clock_{1'790'000'000'000'000};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ChainService> service_;
  Caller sys_ = Caller::System("test");
  ClusterId cluster_;
  ChainId chain_a_;
  ChainId chain_b_;
};

TEST_F(ChainServiceTest, CreatesNodesWithOneEventEach) {
  const size_t before = Events().size();
  Node root = MakeNode(chain_a_, "AI-CHIP");
  Node child = MakeNode(chain_a_, "AI-NPU", root.id);
  EXPECT_TRUE(child.id.valid());
  const auto events = Events();
  ASSERT_EQ(events.size(), before + 2);
  EXPECT_EQ(events.back().kind, "chain.node.created");
  EXPECT_EQ(events.back().entity_id, child.id.ToString());
  EXPECT_EQ(events.back().actor, "test");
  auto detail = service_->GetChain(Caller::Of({}), chain_a_);
  ASSERT_TRUE(detail.ok()) << detail.status();
  ASSERT_EQ(detail->nodes.size(), 2u);
  EXPECT_EQ(detail->nodes[1].parent_id, root.id);
  EXPECT_EQ(detail->cluster.code, "CD-EI");
}

TEST_F(ChainServiceTest, CycleIsRejectedAndNothingChanges) {
  Node a = MakeNode(chain_a_, "A");
  Node b = MakeNode(chain_a_, "B", a.id);
  Node c = MakeNode(chain_a_, "C", b.id);
  const auto before = Fingerprint();
  a.parent_id = c.id;  // A -> C -> B -> A
  auto r = service_->UpdateNode(sys_, a);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "parent_id", "node.cycle");
  a.parent_id = a.id;
  r = service_->UpdateNode(sys_, a);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "parent_id", "node.cycle");
  EXPECT_EQ(Fingerprint(), before);
  auto detail = service_->GetChain(sys_, chain_a_);
  ASSERT_TRUE(detail.ok());
  EXPECT_FALSE(detail->nodes[0].parent_id.has_value());
}

TEST_F(ChainServiceTest, OrphanNodeIsRejectedAndNothingChanges) {
  const auto before = Fingerprint();
  Node n;
  n.chain_id = chain_a_;
  n.code = "LOST";
  n.name = "无上级";
  n.parent_id = NodeId{9999};
  auto r = service_->CreateNode(sys_, n);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "parent_id", "node.orphan");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainServiceTest, NodeUnderTheWrongChainIsRejectedAndNothingChanges) {
  Node aero = MakeNode(chain_b_, "AERO-ENGINE");
  const auto before = Fingerprint();
  Node n;
  n.chain_id = chain_a_;
  n.code = "AI-X";
  n.name = "错链";
  n.parent_id = aero.id;
  auto r = service_->CreateNode(sys_, n);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "parent_id", "node.wrong_chain");
  // A node of an unknown chain names chain_id.
  n.parent_id.reset();
  n.chain_id = ChainId{777};
  r = service_->CreateNode(sys_, n);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kNotFound);
  EXPECT_EQ(r.status().field(), "chain_id");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainServiceTest, DuplicateNodeCodeInAChainIsRejected) {
  MakeNode(chain_a_, "AI-CHIP");
  MakeNode(chain_b_, "AI-CHIP");  // other chains may reuse a code
  const auto before = Fingerprint();
  Node n;
  n.chain_id = chain_a_;
  n.code = "AI-CHIP";
  n.name = "重复";
  auto r = service_->CreateNode(sys_, n);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "code");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainServiceTest, DuplicateUsccIsRejectedNamingUscc) {
  MakeEnterprise(1, "甲公司（示例）");
  const auto before = Fingerprint();
  Enterprise e = NewEnterprise(1, "乙公司（示例）");
  e.uscc = " " + e.uscc + " ";  // normalised before the check
  auto r = service_->CreateEnterprise(sys_, e);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kAlreadyExists) << r.status();
  EXPECT_EQ(r.status().field(), "uscc");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainServiceTest, InvalidUsccIsRejectedNamingUscc) {
  const auto before = Fingerprint();
  Enterprise e = NewEnterprise(2, "丙公司（示例）");
  e.uscc[17] = e.uscc[17] == '0' ? '1' : '0';
  auto r = service_->CreateEnterprise(sys_, e);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "uscc");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainServiceTest, NegativeRevenueIsRejectedNamingRevenue) {
  const auto before = Fingerprint();
  Enterprise e = NewEnterprise(3, "丁公司（示例）");
  e.revenue[2025] = base::Money::FromYuan(-1);
  auto r = service_->CreateEnterprise(sys_, e);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "revenue", "enterprise.revenue_negative");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainServiceTest, DatesOutOfOrderAreRejectedNamingValidTo) {
  const auto before = Fingerprint();
  Enterprise e = NewEnterprise(4, "戊公司（示例）");
  e.validity.valid_from = D("2025-06-01");
  e.validity.valid_to = D("2025-01-01");
  auto r = service_->CreateEnterprise(sys_, e);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "valid_to", "validity.order");
  Node n;
  n.chain_id = chain_a_;
  n.code = "LATE";
  n.name = "日期颠倒";
  n.validity = e.validity;
  auto rn = service_->CreateNode(sys_, n);
  ASSERT_FALSE(rn.ok());
  ExpectInvalid(rn.status(), "valid_to", "validity.order");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainServiceTest, OccupancyAboveHundredPercentIsRejected) {
  Park p;
  p.name = "未来翼谷";
  p.level = 1;
  auto park = service_->CreatePark(sys_, p);
  ASSERT_TRUE(park.ok()) << park.status();
  const auto before = Fingerprint();
  OccupancyObservation o;
  o.park_id = park->id;
  o.date = D("2025-06-30");
  o.land_total = 100;
  o.land_used = 101;
  o.floor_total = 10;
  o.floor_used = 5;
  auto r = service_->AddObservation(sys_, o);
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "land_used", "occupancy.above_total");
  EXPECT_EQ(Fingerprint(), before);

  o.land_used = 80;
  ASSERT_TRUE(service_->AddObservation(sys_, o).ok());
  auto series = service_->Occupancy(Caller::Of({}), park->id, D("2025-01-01"), D("2025-12-31"));
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_EQ(series->size(), 1u);
  EXPECT_DOUBLE_EQ(*(*series)[0].land, 0.8);
  EXPECT_DOUBLE_EQ(*(*series)[0].floor, 0.5);
}

TEST_F(ChainServiceTest, OnlyOperatorsEditTaxonomies) {
  auth::Principal officer;
  officer.user = base::UserId{5};
  officer.method = auth::AuthMethod::kSession;
  officer.memberships = {{base::OrgId{1}, auth::Role::kOfficer}};
  const auto before = Fingerprint();
  Node n;
  n.chain_id = chain_a_;
  n.code = "X1";
  n.name = "x";
  auto r = service_->CreateNode(Caller::Of(officer), n);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Fingerprint(), before);
  officer.memberships.push_back({base::OrgId{1}, auth::Role::kOperator});
  EXPECT_TRUE(service_->CreateNode(Caller::Of(officer), n).ok());
}

// A chain with three nodes, by hand:
//   CHIP (criticality 4): local firms E1 (capacity 60) and E2 (capacity 40) -> covered,
//        HHI = 60² + 40² = 5200, not single source.
//   EDGE (criticality 3): only external firm E3 -> gap, single source, HHI 10000.
//   ALGO (criticality 5, choke point): no firm as of 2025-06-30 -> gap; E4 links on 2026-01-01.
// Coverage 1/3; gaps ALGO (choke point) then EDGE. As of 2026-06-30 ALGO is covered: 2/3.
TEST_F(ChainServiceTest, AnalysisAsOfADateMatchesHandComputedValues) {
  Node chip = MakeNode(chain_a_, "CHIP", {}, 4);
  Node edge = MakeNode(chain_a_, "EDGE", chip.id, 3);
  Node algo = MakeNode(chain_a_, "ALGO", {}, 5, true);
  EnterpriseId e1 = MakeEnterprise(11, "芯一（示例）");
  EnterpriseId e2 = MakeEnterprise(12, "芯二（示例）");
  EnterpriseId e3 = MakeEnterprise(13, "外地边缘（示例）");
  EnterpriseId e4 = MakeEnterprise(14, "算法（示例）");
  MakeLink(e1, chip.id, 60);
  MakeLink(e2, chip.id, 40);
  MakeLink(e3, edge.id, 10, Locality::kExternal);
  MakeLink(e4, algo.id, 5, Locality::kLocal, LinkRole::kSupplier, D("2026-01-01"));

  auto a = service_->Analyze(sys_, chain_a_, D("2025-06-30"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->node_count, 3);
  EXPECT_EQ(a->covered_nodes, 1);
  EXPECT_NEAR(a->coverage, 1.0 / 3.0, 1e-9);
  ASSERT_EQ(a->gaps.size(), 2u);
  EXPECT_EQ(a->gaps[0], algo.id);
  EXPECT_EQ(a->gaps[1], edge.id);
  ASSERT_EQ(a->nodes.size(), 3u);
  for (const auto& n : a->nodes) {
    if (n.node_id == chip.id) {
      EXPECT_EQ(n.local_firms, 2);
      EXPECT_NEAR(n.hhi, 5200, 1e-6);
      EXPECT_FALSE(n.single_source);
    } else if (n.node_id == edge.id) {
      EXPECT_EQ(n.local_firms, 0);
      EXPECT_EQ(n.external_firms, 1);
      EXPECT_NEAR(n.hhi, 10000, 1e-6);
      EXPECT_TRUE(n.single_source);
    } else {
      EXPECT_EQ(n.local_firms, 0);
      EXPECT_EQ(n.hhi, 0);
    }
  }
  auto later = service_->Analyze(sys_, chain_a_, D("2026-06-30"));
  ASSERT_TRUE(later.ok());
  EXPECT_NEAR(later->coverage, 2.0 / 3.0, 1e-9);
  ASSERT_EQ(later->gaps.size(), 1u);
  EXPECT_EQ(later->gaps[0], edge.id);

  // The public gets the aggregates, not the firm lists.
  auto pub = service_->Analyze(Caller::Of({}), chain_a_, D("2025-06-30"));
  ASSERT_TRUE(pub.ok());
  EXPECT_NEAR(pub->coverage, 1.0 / 3.0, 1e-9);
  EXPECT_TRUE(pub->key_firms.empty());
  EXPECT_FALSE(a->key_firms.empty());
  for (const auto& n : pub->nodes) {
    EXPECT_FALSE(n.top_supplier.has_value());
  }

  auto chains = service_->ListChains(Caller::Of({}));
  ASSERT_TRUE(chains.ok());
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_EQ((*chains)[0].chain.code, "CD-AI");
  EXPECT_EQ((*chains)[0].nodes, 3);
  EXPECT_EQ((*chains)[0].firms, 4);
}

TEST_F(ChainServiceTest, EnterpriseListFiltersAndPages) {
  Node chip = MakeNode(chain_a_, "CHIP");
  Node engine = MakeNode(chain_b_, "ENGINE");
  Park p;
  p.name = "微波射频科学城";
  auto park = service_->CreatePark(sys_, p);
  ASSERT_TRUE(park.ok());
  for (int i = 1; i <= 25; ++i) {
    Enterprise e = NewEnterprise(100 + i, "企业" + std::to_string(i) + "（示例）");
    e.district = i % 2 ? "高新区" : "双流区";
    e.above_size = i % 5 == 0;
    if (i <= 10) {
      e.park_id = park->id;
    }
    auto r = service_->CreateEnterprise(sys_, e);
    ASSERT_TRUE(r.ok()) << r.status();
    MakeLink(r->id, i % 3 ? chip.id : engine.id, 1);
  }
  auto list = [&](const EnterpriseFilter& f, int64_t page = 1, int64_t size = 20) {
    auto r = service_->ListEnterprises(sys_, f, {page, size});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : EnterprisePage{};
  };
  EXPECT_EQ(list({}).total, 25);
  EXPECT_EQ(list({}).items.size(), 20u);
  EXPECT_EQ(list({}, 2).items.size(), 5u);
  EXPECT_EQ(list({}, 2).items[0].name, "企业21（示例）");
  EXPECT_EQ(list({.district = "高新区"}).total, 13);
  EXPECT_EQ(list({.park_id = park->id}).total, 10);
  EXPECT_EQ(list({.above_size = true}).total, 5);
  EXPECT_EQ(list({.chain_id = chain_b_}).total, 8);  // i = 3, 6, ..., 24
  EXPECT_EQ(list({.node_id = chip.id}).total, 17);
  EXPECT_EQ(list({.name_contains = "企业2"}).total, 7);  // 2, 20..25
  auto three = list({.district = "双流区", .park_id = park->id, .chain_id = chain_a_});
  EXPECT_EQ(three.total, 4);  // i = 2, 4, 8, 10
  auto bad = service_->ListEnterprises(sys_, {}, {1, 500});
  ASSERT_FALSE(bad.ok());
  ExpectInvalid(bad.status(), "page_size");
  auto anon = service_->ListEnterprises(Caller::Of({}), {}, {});
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.status().code(), base::Code::kUnauthenticated);
}

TEST_F(ChainServiceTest, AnEnterpriseUserEditsOnlyItsOwnRecord) {
  base::OrgId own_org = MakeOrg("甲公司（示例）");
  base::OrgId other_org = MakeOrg("乙公司（示例）");
  EnterpriseId own = MakeEnterprise(201, "甲公司（示例）", "高新区", false, own_org);
  EnterpriseId other = MakeEnterprise(202, "乙公司（示例）", "高新区", false, other_org);
  auth::Principal user;
  user.user = base::UserId{42};
  user.method = auth::AuthMethod::kSession;
  user.memberships = {{own_org, auth::Role::kEnterprise}};
  const Caller caller = Caller::Of(user);

  auto theirs = service_->GetEnterprise(sys_, other);
  ASSERT_TRUE(theirs.ok());
  const auto before = Fingerprint();
  Enterprise edit = theirs->enterprise;
  edit.name = "被改名（示例）";
  auto r = service_->UpdateEnterprise(caller, edit);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Fingerprint(), before);
  EXPECT_FALSE(service_->GetEnterprise(caller, other).ok());

  auto mine = service_->GetEnterprise(caller, own);
  ASSERT_TRUE(mine.ok()) << mine.status();
  Enterprise e = mine->enterprise;
  e.name_en = "Jia Co. (example)";
  e.revenue[2025] = base::Money::FromYuan(5'000'000);
  auto ok = service_->UpdateEnterprise(caller, e);
  ASSERT_TRUE(ok.ok()) << ok.status();
  auto reread = service_->GetEnterprise(sys_, own);
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(reread->enterprise.name_en, "Jia Co. (example)");
  EXPECT_EQ(reread->enterprise.revenue.at(2025), base::Money::FromYuan(5'000'000));
  EXPECT_EQ(Events().back().kind, "chain.enterprise.updated");
  EXPECT_EQ(Events().back().actor, "user:42");

  auto own_list = service_->MyEnterprises(caller);
  ASSERT_TRUE(own_list.ok());
  ASSERT_EQ(own_list->size(), 1u);
  EXPECT_EQ((*own_list)[0].id, own);
  EXPECT_TRUE(service_->MyEnterprises(sys_)->empty());
  // Moving the record to another organisation is an operator's job.
  e.org_id = other_org;
  auto moved = service_->UpdateEnterprise(caller, e);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().code(), base::Code::kPermissionDenied);
}

class ChainImportTest : public ChainServiceTest {
 protected:
  void SetUp() override {
    ChainServiceTest::SetUp();
    chip_ = MakeNode(chain_a_, "AI-CHIP");
    edge_ = MakeNode(chain_a_, "AI-EDGE");
    MakeEnterprise(900, "已有企业（示例）");
  }
  std::string Csv() {
    std::string bad_uscc = U(3);
    bad_uscc[17] = bad_uscc[17] == '0' ? '1' : '0';
    return "uscc,name,district,chain,nodes,capacity,year,revenue\n" +                    // row 1
           U(1) + ",好企业一（示例）,高新区,CD-AI,AI-CHIP;AI-EDGE,100,2025,1000.50\n" +  // row 2
           bad_uscc + ",坏代码（示例）,高新区,,,,,\n" +                                  // row 3
           U(4) + ",错节点（示例）,高新区,CD-AI,AI-NOPE,,,\n" +                          // row 4
           U(900) + ",重复（示例）,高新区,,,,,\n" +                                      // row 5
           U(6) + ",坏数字（示例）,高新区,CD-AI,AI-CHIP,12x,,\n" +                       // row 6
           U(7) + ",\"好企业二, 逗号（示例）\",双流区,,,,2025,-5\n" +  // row 7: negative
           U(8) + ",好企业三（示例）,双流区,CD-AI,AI-EDGE,,,\n" +      // row 8
           U(1) + ",文件内重复（示例）,高新区,,,,,\n";                 // row 9
  }
  Node chip_;
  Node edge_;
};

TEST_F(ChainImportTest, BadRowsAbortTheWholeImportByDefault) {
  const auto before = Fingerprint();
  auto r = service_->ImportEnterprisesCsv(sys_, Csv(), {.source = "import:test.csv"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  EXPECT_EQ(r->rows, 8);
  EXPECT_EQ(r->imported, 0);
  ASSERT_EQ(r->errors.size(), 6u);
  struct Want {
    int64_t row;
    const char* column;
    const char* reason;
  };
  const Want want[] = {{3, "uscc", "invalid_uscc"}, {4, "nodes", "unknown_node"},
                       {5, "uscc", "duplicate"},    {6, "capacity", "bad_number"},
                       {7, "revenue", "negative"},  {9, "uscc", "duplicate"}};
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(r->errors[i].row, want[i].row) << i;
    EXPECT_EQ(r->errors[i].column, want[i].column) << i;
    EXPECT_EQ(r->errors[i].reason, want[i].reason) << i;
  }
  EXPECT_NE(r->errors[0].ToJson().find("\"row\":3,\"column\":\"uscc\""), std::string::npos)
      << r->errors[0].ToJson();
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainImportTest, SkipBadImportsTheRestInOneEvent) {
  const size_t events_before = Events().size();
  auto r =
      service_->ImportEnterprisesCsv(sys_, Csv(), {.skip_bad = true, .source = "import:test.csv"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->imported, 2);  // rows 2 and 8
  EXPECT_EQ(r->links, 3);
  EXPECT_EQ(r->errors.size(), 6u);
  const auto events = Events();
  ASSERT_EQ(events.size(), events_before + 1);
  EXPECT_EQ(events.back().kind, "chain.enterprises.imported");
  EXPECT_EQ(events.back().seq, r->event_seq);
  EXPECT_NE(events.back().payload.find("\"count\":2"), std::string::npos) << events.back().payload;

  auto page = service_->ListEnterprises(sys_, {.node_id = edge_.id}, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 2);
  auto first = service_->GetEnterprise(sys_, page->items[0].id);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->enterprise.name, "好企业一（示例）");
  EXPECT_EQ(first->enterprise.revenue.at(2025).fen(), 100050);
  EXPECT_EQ(first->enterprise.provenance.source, "import:test.csv");
  ASSERT_EQ(first->links.size(), 2u);
  EXPECT_DOUBLE_EQ(first->links[0].capacity, 100);
}

TEST_F(ChainImportTest, HeaderProblemsNameTheColumn) {
  auto r = service_->ImportEnterprisesCsv(sys_, "uscc,name,colour\n", {});
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "colour", "csv.unknown_column");
  r = service_->ImportEnterprisesCsv(sys_, "name,district\n", {});
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "uscc", "csv.missing_column");
}

TEST_F(ChainImportTest, TheTemplateImportsCleanly) {
  const std::string tpl = ImportTemplate();
  EXPECT_EQ(tpl.rfind("uscc,name,", 0), 0u);
  // The template's example refers to the park 未来翼谷 and node AI-CHIP/AI-EDGE of CD-AI.
  Park p;
  p.name = "未来翼谷";
  ASSERT_TRUE(service_->CreatePark(sys_, p).ok());
  auto r = service_->ImportEnterprisesCsv(sys_, tpl, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->errors.empty()) << r->errors[0].ToJson();
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->imported, 1);
  EXPECT_EQ(r->links, 2);
}

TEST_F(ChainImportTest, YearListsGiveSeveralYearsOfFacts) {
  const std::string csv = "uscc,name,year,revenue,rd_spend,digital_level\n" + U(11) +
                          ",多年企业（示例）,2023;2024;2025,100.00;;300.50,1;2;3,2;;3\n" + U(12) +
                          ",一年企业（示例）,2025,88.00,,\n";
  auto r = service_->ImportEnterprisesCsv(sys_, csv, {.source = "import:years.csv"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->committed) << (r->errors.empty() ? "" : r->errors[0].ToJson());
  auto page = service_->ListEnterprises(sys_, {.name_contains = "多年企业"}, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->total, 1);
  auto d = service_->GetEnterprise(sys_, page->items[0].id);
  ASSERT_TRUE(d.ok()) << d.status();
  const Enterprise& e = d->enterprise;
  // An empty item: not known for that year.
  EXPECT_EQ(e.revenue, (std::map<int, base::Money>{{2023, base::Money::FromFen(10000)},
                                                   {2025, base::Money::FromFen(30050)}}));
  EXPECT_EQ(e.rd_spend.size(), 3u);
  EXPECT_EQ(e.rd_spend.at(2024), base::Money::FromYuan(2));
  EXPECT_EQ(e.digital_level, (std::map<int, int>{{2023, 2}, {2025, 3}}));
}

TEST_F(ChainImportTest, AYearListAndAFactListOfOtherLengthsIsABadValue) {
  const auto before = Fingerprint();
  const std::string csv = "uscc,name,year,revenue\n" + U(11) + ",甲（示例）,2024;2025,1;2;3\n";
  auto r = service_->ImportEnterprisesCsv(sys_, csv, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].row, 2);
  EXPECT_EQ(r->errors[0].column, "revenue");
  EXPECT_EQ(r->errors[0].reason, "bad_value");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainImportTest, AYearListedTwiceIsADuplicate) {
  const auto before = Fingerprint();
  const std::string csv = "uscc,name,year,revenue\n" + U(11) + ",甲（示例）,2025;2025,1;2\n";
  auto r = service_->ImportEnterprisesCsv(sys_, csv, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].column, "year");
  EXPECT_EQ(r->errors[0].reason, "duplicate");
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ChainImportTest, ABadYearInAListIsABadNumber) {
  const auto before = Fingerprint();
  const std::string csv = "uscc,name,year,revenue\n" + U(11) + ",甲（示例）,2024;二〇二五,1;2\n";
  auto r = service_->ImportEnterprisesCsv(sys_, csv, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].column, "year");
  EXPECT_EQ(r->errors[0].reason, "bad_number");
  EXPECT_EQ(Fingerprint(), before);
}

// ---- imports of chains/nodes and links (issue 3 §3) ------------------------------------------

struct WantError {
  int64_t row;
  const char* column;
  const char* reason;
};

void ExpectErrors(const ImportReport& r, std::initializer_list<WantError> want) {
  ASSERT_EQ(r.errors.size(), want.size()) << ImportReportJson(ImportKind::kChains, r);
  size_t i = 0;
  for (const auto& w : want) {
    EXPECT_EQ(r.errors[i].row, w.row) << i << " " << r.errors[i].ToJson();
    EXPECT_EQ(r.errors[i].column, w.column) << i << " " << r.errors[i].ToJson();
    EXPECT_EQ(r.errors[i].reason, w.reason) << i << " " << r.errors[i].ToJson();
    EXPECT_FALSE(r.errors[i].message_zh.empty());
    ++i;
  }
}

class ChainsImportTest : public ChainImportTest {
 protected:
  std::optional<Node> FindNode(const std::string& chain, const std::string& code) {
    auto c = service_->FindChainByCode(chain);
    if (!c.ok() || !*c) {
      return std::nullopt;
    }
    auto d = service_->GetChain(sys_, (*c)->id);
    for (const auto& n : d->nodes) {
      if (n.code == code) {
        return n;
      }
    }
    return std::nullopt;
  }
};

TEST_F(ChainsImportTest, CreatesChainsAndNodesParentsFirstInOneEvent) {
  const size_t events_before = Events().size();
  // The child comes before its parent in the file; nodes are added to a stored chain too.
  const std::string csv =
      "chain,cluster,chain_name,partners,node,parent,name,segment,criticality,choke_point\n"
      "CD-NEW,CD-EI,新产业链（示例）,成渝;成都都市圈,,,,,,\n"
      "CD-NEW,,,,N-CHILD,N-ROOT,子节点,midstream,5,是\n"
      "CD-NEW,,,,N-ROOT,,根节点,upstream,2,0\n"
      "CD-AI,,,,AI-SUB,AI-CHIP,芯片设计,upstream,4,\n";
  auto r = service_->Import(sys_, ImportKind::kChains, csv, {.source = "import:chains.csv"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->errors.empty()) << ImportReportJson(ImportKind::kChains, *r);
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->chains, 1);
  EXPECT_EQ(r->nodes, 3);
  auto chain = service_->FindChainByCode("CD-NEW");
  ASSERT_TRUE(chain.ok() && *chain);
  EXPECT_EQ((*chain)->partners, (std::vector<std::string>{"成渝", "成都都市圈"}));
  auto root = FindNode("CD-NEW", "N-ROOT");
  auto child = FindNode("CD-NEW", "N-CHILD");
  ASSERT_TRUE(root && child);
  EXPECT_EQ(child->parent_id, root->id);
  EXPECT_TRUE(child->choke_point);
  EXPECT_EQ(child->criticality, 5);
  EXPECT_EQ(root->segment, Segment::kUpstream);
  auto sub = FindNode("CD-AI", "AI-SUB");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->parent_id, chip_.id);
  const auto events = Events();
  ASSERT_EQ(events.size(), events_before + 1);
  EXPECT_EQ(events.back().kind, "chain.chains.imported");
  EXPECT_NE(events.back().payload.find("\"nodes\":3"), std::string::npos) << events.back().payload;
}

TEST_F(ChainsImportTest, BadRowsAreReportedWithRowColumnReasonAndNothingChanges) {
  const std::string csv =
      "chain,cluster,chain_name,node,parent,name,criticality\n"  // row 1
      "CD-X,CD-NOPE,坏集群,,,,\n"                                // 2 unknown cluster
      "CD-AI,CD-EI,重复产业链,,,,\n"                             // 3 duplicate chain
      "CD-X,,,X-1,,节点,\n"                                      // 4 chain CD-X rejected
      "CD-AI,,,AI-CHIP,,重复节点,\n"                             // 5 duplicate stored node
      "CD-AI,,,C-1,C-2,环一,\n"                                  // 6 cycle
      "CD-AI,,,C-2,C-1,环二,\n"                                  // 7 cycle
      "CD-AI,,,O-1,NOPE,孤儿,\n"                                 // 8 orphan
      "CD-AERO,,,W-1,AI-CHIP,错链,\n"                            // 9 parent in another chain
      "CD-AI,,,B-1,,坏数字,high\n"                               // 10 bad number
      "CD-AI,,,B-2,,超范围,9\n"                                  // 11 out of range
      "CD-AI,,,K-1,O-1,孤儿之子,\n"                              // 12 parent row rejected
      "CD-AI,,,G-1,AI-EDGE,好节点,3\n"                           // 13 good
      "CD-AI,,,G-1,,文件内重复,\n";                              // 14 duplicate in file
  const auto before = Fingerprint();
  auto r = service_->Import(sys_, ImportKind::kChains, csv, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  ExpectErrors(*r, {{2, "cluster", "unknown_cluster"},
                    {3, "chain", "duplicate"},
                    {4, "chain", "unknown_chain"},
                    {5, "node", "duplicate"},
                    {6, "parent", "cycle"},
                    {7, "parent", "cycle"},
                    {8, "parent", "orphan"},
                    {9, "parent", "wrong_chain"},
                    {10, "criticality", "bad_number"},
                    {11, "criticality", "out_of_range"},
                    {12, "parent", "orphan"},
                    {14, "node", "duplicate"}});
  EXPECT_EQ(Fingerprint(), before);

  auto skipped = service_->Import(sys_, ImportKind::kChains, csv, {.skip_bad = true});
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_TRUE(skipped->committed);
  EXPECT_EQ(skipped->nodes, 1);
  EXPECT_EQ(skipped->errors.size(), 12u);
  auto good = FindNode("CD-AI", "G-1");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->parent_id, edge_.id);
  EXPECT_FALSE(FindNode("CD-AI", "C-1"));
}

TEST_F(ChainsImportTest, ReadsXlsxLikeCsv) {
  table::Table t;
  t.header = {"chain", "node", "parent", "name", "criticality"};
  t.rows = {{"CD-AI", "XL-1", "AI-CHIP", "表格节点", "4"}, {"CD-AI", "XL-2", "NOPE", "孤儿", "3"}};
  auto bytes = table::WriteXlsx(t, "nodes");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const auto before = Fingerprint();
  auto r = service_->Import(sys_, ImportKind::kChains, *bytes, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectErrors(*r, {{3, "parent", "orphan"}});
  EXPECT_EQ(Fingerprint(), before);
  r = service_->Import(sys_, ImportKind::kChains, *bytes, {.skip_bad = true});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->nodes, 1);
  EXPECT_TRUE(FindNode("CD-AI", "XL-1"));
}

TEST_F(ChainsImportTest, HeaderProblemsNameTheColumn) {
  auto r = service_->Import(sys_, ImportKind::kChains, "chain,colour\n", {});
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "colour", "csv.unknown_column");
  r = service_->Import(sys_, ImportKind::kLinks, "uscc,chain\n", {});
  ASSERT_FALSE(r.ok());
  ExpectInvalid(r.status(), "node", "csv.missing_column");
}

TEST_F(ChainsImportTest, TemplatesImportCleanly) {
  auto chains =
      service_->Import(sys_, ImportKind::kChains, ImportTemplate(ImportKind::kChains), {});
  ASSERT_TRUE(chains.ok()) << chains.status();
  EXPECT_TRUE(chains->errors.empty()) << ImportReportJson(ImportKind::kChains, *chains);
  EXPECT_EQ(chains->chains, 1);
  EXPECT_EQ(chains->nodes, 2);
  // The links template names the enterprise of the enterprises template.
  Park p;
  p.name = "未来翼谷";
  ASSERT_TRUE(service_->CreatePark(sys_, p).ok());
  auto ents = service_->Import(sys_, ImportKind::kEnterprises, ImportTemplate(), {});
  ASSERT_TRUE(ents.ok() && ents->committed);
  auto links = service_->Import(sys_, ImportKind::kLinks, ImportTemplate(ImportKind::kLinks), {});
  ASSERT_TRUE(links.ok()) << links.status();
  // The enterprise template already linked it as supplier of AI-CHIP: a duplicate.
  ExpectErrors(*links, {{2, "node", "duplicate"}});
}

class LinksImportTest : public ChainImportTest {
 protected:
  void SetUp() override {
    ChainImportTest::SetUp();
    aero_ = MakeNode(chain_b_, "AERO-ENG");
    firm_ = MakeEnterprise(10, "链接企业（示例）");
    MakeLink(firm_, edge_.id, 10);  // a stored supplier link
  }
  Node aero_;
  EnterpriseId firm_;
};

TEST_F(LinksImportTest, BadRowsAreReportedWithRowColumnReasonAndNothingChanges) {
  std::string bad_uscc = U(10);
  bad_uscc[17] = bad_uscc[17] == '0' ? '1' : '0';
  const std::string csv = "uscc,chain,node,role,capacity,revenue,locality,valid_from,valid_to\n" +
                          U(10) + ",CD-AI,AI-CHIP,chain_master,100,2000.00,local,,\n" +  // 2 good
                          U(77) + ",CD-AI,AI-CHIP,,,,,,\n" +          // 3 unknown firm
                          bad_uscc + ",CD-AI,AI-CHIP,,,,,,\n" +       // 4 invalid uscc
                          U(10) + ",CD-AI,AI-NOPE,,,,,,\n" +          // 5 unknown node
                          U(10) + ",CD-AI,AERO-ENG,,,,,,\n" +         // 6 wrong chain
                          U(10) + ",CD-AI,AI-EDGE,supplier,,,,,\n" +  // 7 stored dup
                          U(10) + ",CD-AI,AI-CHIP,链主,,,,,\n" +      // 8 dup of row 2
                          U(10) + ",CD-AERO,AERO-ENG,,12x,,,,\n" +    // 9 bad number
                          U(10) + ",CD-AERO,AERO-ENG,,,-3,,,\n" +     // 10 negative
                          U(10) + ",CD-AERO,AERO-ENG,,,,mars,,\n" +   // 11 bad value
                          U(10) + ",CD-AERO,AERO-ENG,,,,,2025-05-01,2025-01-01\n" +  // 12 dates
                          U(10) + ",CD-NOPE,AERO-ENG,,,,,,\n" +              // 13 unknown chain
                          U(10) + ",CD-AERO,AERO-ENG,user,5,,external,,\n";  // 14 good
  const auto before = Fingerprint();
  auto r = service_->Import(sys_, ImportKind::kLinks, csv, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  ExpectErrors(*r, {{3, "uscc", "unknown_enterprise"},
                    {4, "uscc", "invalid_uscc"},
                    {5, "node", "unknown_node"},
                    {6, "node", "wrong_chain"},
                    {7, "node", "duplicate"},
                    {8, "node", "duplicate"},
                    {9, "capacity", "bad_number"},
                    {10, "revenue", "negative"},
                    {11, "locality", "bad_value"},
                    {12, "valid_to", "dates_out_of_order"},
                    {13, "chain", "unknown_chain"}});
  EXPECT_EQ(Fingerprint(), before);

  const size_t events_before = Events().size();
  auto ok = service_->Import(sys_, ImportKind::kLinks, csv, {.skip_bad = true, .source = "s"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->committed);
  EXPECT_EQ(ok->links, 2);
  ASSERT_EQ(Events().size(), events_before + 1);
  EXPECT_EQ(Events().back().kind, "chain.links.imported");
  auto d = service_->GetEnterprise(sys_, firm_);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->links.size(), 3u);
  EXPECT_EQ(d->links[1].role, LinkRole::kChainMaster);
  EXPECT_EQ(d->links[1].revenue.fen(), 200000);
  EXPECT_EQ(d->links[2].locality, Locality::kExternal);
}

TEST_F(LinksImportTest, OnlyOperatorsImport) {
  auth::Principal officer;
  officer.user = base::UserId{9};
  officer.method = auth::AuthMethod::kSession;
  officer.memberships = {{base::OrgId{1}, auth::Role::kOfficer}};
  auto r = service_->Import(Caller::Of(officer), ImportKind::kLinks, "uscc,chain,node\n", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kPermissionDenied);
  auto job = service_->jobs().Start(Caller::Of(officer), ImportKind::kLinks, "x", {});
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().code(), base::Code::kPermissionDenied);
}

// ---- chain chiefs per chain, diffs --------------------------------------------------------------

class ChainChiefTest : public ChainServiceTest {
 protected:
  void SetUp() override {
    ChainServiceTest::SetUp();
    node_a_ = MakeNode(chain_a_, "AI-CHIP");
    node_b_ = MakeNode(chain_b_, "AERO-ENG");
    firm_a_ = MakeEnterprise(21, "甲链企业（示例）");
    firm_b_ = MakeEnterprise(22, "乙链企业（示例）");
    MakeLink(firm_a_, node_a_.id, 10);
    MakeLink(firm_b_, node_b_.id, 10);
    org_ = MakeOrg("示例政府（示例）");
    chief_id_ = MakeUser("chief-a", "chain_chief");
    plain_id_ = MakeUser("officer-a", "officer");
    chief_.user = chief_id_;
    chief_.method = auth::AuthMethod::kSession;
    chief_.memberships = {{org_, auth::Role::kChainChief}};
  }
  base::UserId MakeUser(const std::string& name, const std::string& role) {
    auto tx = db_->Begin(store::TxKind::kWrite);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->Query(
        "INSERT INTO users (username, display_name, password_hash, created_at, "
        "password_changed_at) VALUES (?, ?, 'x', 0, 0) RETURNING id",
        {name, name + " 显示名"});
    EXPECT_TRUE(rows.ok()) << rows.status();
    const int64_t id = rows->rows.at(0).Int(0);
    auto m = (*tx)->Exec(
        "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, ?, 0)",
        {id, org_.value, role});
    EXPECT_TRUE(m.ok()) << m.status();
    EXPECT_TRUE((*tx)->Commit().ok());
    return base::UserId{id};
  }
  int64_t Chiefs() {
    auto tx = db_->Begin(store::TxKind::kRead);
    return repo::Count(**tx, "chain_chiefs").value();
  }
  Node node_a_;
  Node node_b_;
  EnterpriseId firm_a_;
  EnterpriseId firm_b_;
  base::OrgId org_;
  base::UserId chief_id_;
  base::UserId plain_id_;
  auth::Principal chief_;
};

TEST_F(ChainChiefTest, AChiefSeesTheDetailsOfItsOwnChainsOnly) {
  const size_t events_before = Events().size();
  auto set = service_->SetChainChiefs(sys_, chain_a_, {chief_id_});
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->size(), 1u);
  EXPECT_EQ((*set)[0].username, "chief-a");
  ASSERT_EQ(Events().size(), events_before + 1);
  EXPECT_EQ(Events().back().kind, "chain.chiefs.assigned");
  const Caller chief = Caller::Of(chief_);
  const base::Date day = D("2026-01-01");

  auto own = service_->Analyze(chief, chain_a_, day);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->nodes.size(), 1u);
  EXPECT_EQ(own->nodes[0].top_supplier, firm_a_);
  auto other = service_->Analyze(chief, chain_b_, day);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->nodes.size(), 1u);
  EXPECT_FALSE(other->nodes[0].top_supplier.has_value());  // aggregates only
  EXPECT_EQ(other->nodes[0].local_firms, 1);

  auto list = service_->ListEnterprises(chief, {}, {});
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->total, 1);
  EXPECT_EQ(list->items[0].id, firm_a_);
  auto wrong = service_->ListEnterprises(chief, {.chain_id = chain_b_}, {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(wrong.status().field(), "chain");
  auto wrong_node = service_->ListEnterprises(chief, {.node_id = node_b_.id}, {});
  ASSERT_FALSE(wrong_node.ok());
  EXPECT_EQ(wrong_node.status().field(), "node");
  EXPECT_TRUE(service_->GetEnterprise(chief, firm_a_).ok());
  auto hidden = service_->GetEnterprise(chief, firm_b_);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.status().code(), base::Code::kPermissionDenied);
  auto exported = service_->ExportEnterprises(chief, {});
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(exported->size(), 1u);

  // An officer still sees every chain.
  auth::Principal officer = chief_;
  officer.memberships = {{org_, auth::Role::kOfficer}};
  auto all = service_->ListEnterprises(Caller::Of(officer), {}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total, 2);
  // A chief of no chain sees no firm.
  ASSERT_TRUE(service_->SetChainChiefs(sys_, chain_a_, {}).ok());
  auto none = service_->ListEnterprises(chief, {}, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->total, 0);
}

TEST_F(ChainChiefTest, BadAssignmentsAreRejectedAndNothingChanges) {
  ASSERT_TRUE(service_->SetChainChiefs(sys_, chain_a_, {chief_id_}).ok());
  const auto before = Fingerprint();
  auto unknown = service_->SetChainChiefs(sys_, chain_a_, {base::UserId{9999}});
  ASSERT_FALSE(unknown.ok());
  ExpectInvalid(unknown.status(), "user_ids", "chain.chief_unknown");
  auto no_role = service_->SetChainChiefs(sys_, chain_a_, {plain_id_});
  ASSERT_FALSE(no_role.ok());
  ExpectInvalid(no_role.status(), "user_ids", "chain.chief_role");
  auto no_chain = service_->SetChainChiefs(sys_, ChainId{999}, {chief_id_});
  ASSERT_FALSE(no_chain.ok());
  EXPECT_EQ(no_chain.status().code(), base::Code::kNotFound);
  auto denied = service_->SetChainChiefs(Caller::Of(chief_), chain_a_, {});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Fingerprint(), before);
  EXPECT_EQ(Chiefs(), 1);
}

TEST_F(ChainServiceTest, DiffBetweenTwoDatesShowsNewNodesGapsAndFirms) {
  Node n;
  n.chain_id = chain_a_;
  n.code = "NEW";
  n.name = "新节点";
  n.validity.valid_from = D("2025-03-01");
  auto node = service_->CreateNode(sys_, n);
  ASSERT_TRUE(node.ok());
  Node old = MakeNode(chain_a_, "OLD");
  EnterpriseId firm = MakeEnterprise(31, "新进企业（示例）");
  MakeLink(firm, old.id, 5, Locality::kLocal, LinkRole::kSupplier, D("2025-06-01"));
  auto r = service_->Diff(sys_, chain_a_, D("2025-01-01"), D("2025-12-31"));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->diff.nodes_added.size(), 1u);
  EXPECT_EQ(r->diff.nodes_added[0], node->id);
  EXPECT_DOUBLE_EQ(r->diff.coverage_from, 0.0);
  EXPECT_DOUBLE_EQ(r->diff.coverage_to, 0.5);
  ASSERT_EQ(r->diff.gaps_closed.size(), 1u);
  EXPECT_EQ(r->diff.gaps_closed[0], old.id);
  ASSERT_EQ(r->diff.firm_changes.size(), 1u);
  EXPECT_EQ(r->diff.firm_changes[0].added, std::vector<EnterpriseId>{firm});
  EXPECT_EQ(r->firm_names.at(firm), "新进企业（示例）");
  // Anonymous callers get the aggregates only.
  auto anon =
      service_->Diff(Caller::Of(auth::Principal{}), chain_a_, D("2025-01-01"), D("2025-12-31"));
  ASSERT_TRUE(anon.ok());
  EXPECT_TRUE(anon->diff.firm_changes.empty());
  EXPECT_DOUBLE_EQ(anon->diff.coverage_to, 0.5);
  // Dates out of order: 400 naming "to".
  auto bad = service_->Diff(sys_, chain_a_, D("2025-12-31"), D("2025-01-01"));
  ASSERT_FALSE(bad.ok());
  ExpectInvalid(bad.status(), "to", "chain.range_order");
}

// ---- routes ------------------------------------------------------------------------------------

namespace json = boost::json;

class ChainRoutesTest : public ChainServiceTest {
 protected:
  void SetUp() override {
    ChainServiceTest::SetUp();
    RegisterRoutes(router_, *service_);
    operator_.user = base::UserId{5};
    operator_.method = auth::AuthMethod::kSession;
    operator_.memberships = {{base::OrgId{1}, auth::Role::kOperator}};
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

  static json::object Body(const http::Response& r) { return json::parse(r.body).as_object(); }

  http::Router router_;
  auth::Principal operator_;
  auth::Principal anonymous_;
};

TEST_F(ChainRoutesTest, DeclaresAccessAndValidSchemas) {
  struct Want {
    http::Method method;
    const char* path;
    http::Access access;
  };
  const Want want[] = {
      {http::Method::kGet, "/api/v1/chains", http::Access::kPublic},
      {http::Method::kGet, "/api/v1/chains/1", http::Access::kPublic},
      {http::Method::kGet, "/api/v1/chains/1/analysis", http::Access::kPublic},
      {http::Method::kPost, "/api/v1/chains/1/nodes", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/enterprises", http::Access::kSignedIn},
      {http::Method::kGet, "/api/v1/enterprises/1", http::Access::kSignedIn},
      {http::Method::kPost, "/api/v1/enterprises", http::Access::kRoles},
      {http::Method::kPatch, "/api/v1/enterprises/1", http::Access::kSignedIn},
      {http::Method::kGet, "/api/v1/parks", http::Access::kPublic},
      {http::Method::kGet, "/api/v1/parks/1/occupancy", http::Access::kPublic},
      {http::Method::kPost, "/api/v1/imports", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/imports/1", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/imports/template", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/chains/1/diff", http::Access::kPublic},
      {http::Method::kGet, "/api/v1/chains/1/chiefs", http::Access::kSignedIn},
      {http::Method::kPut, "/api/v1/chains/1/chiefs", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/chain-chiefs", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/chains/mine", http::Access::kSignedIn},
      {http::Method::kGet, "/api/v1/enterprises/mine", http::Access::kSignedIn},
      {http::Method::kGet, "/api/v1/projects", http::Access::kSignedIn},
      {http::Method::kPost, "/api/v1/projects", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/projects/1", http::Access::kSignedIn},
      {http::Method::kPatch, "/api/v1/projects/1", http::Access::kRoles},
      {http::Method::kPost, "/api/v1/parks/1/buildings", http::Access::kRoles},
      {http::Method::kGet, "/api/v1/parks/1/buildings", http::Access::kPublic},
      {http::Method::kPost, "/api/v1/buildings/1/units", http::Access::kRoles},
      {http::Method::kPost, "/api/v1/units/1/observations", http::Access::kRoles},
  };
  for (const auto& w : want) {
    std::map<std::string, std::string> params;
    const http::Route* r = router_.Find(w.method, w.path, params).route;
    ASSERT_NE(r, nullptr) << w.path;
    EXPECT_EQ(r->spec.access, w.access) << w.path;
    EXPECT_FALSE(r->spec.summary.empty());
    EXPECT_FALSE(r->spec.summary_zh.empty());
    if (w.access == http::Access::kRoles) {
      EXPECT_EQ(r->spec.roles, std::vector<auth::Role>{auth::Role::kOperator}) << w.path;
    }
    for (const std::string& schema : {r->spec.request_schema, r->spec.response_schema}) {
      if (!schema.empty()) {
        EXPECT_NO_THROW(json::parse(schema)) << w.path;
      }
    }
  }
}

TEST_F(ChainRoutesTest, CreatesReadsAndPatchesEnterprises) {
  base::OrgId org = MakeOrg("路由测试企业（示例）");
  const std::string body = "{\"uscc\":\"" + U(301) + "\",\"name\":\"路由测试企业（示例）\"," +
                           "\"org_id\":" + org.ToString() + ",\"revenue\":{\"2025\":\"1000.25\"}}";
  auto created = Call(http::Method::kPost, "/api/v1/enterprises", operator_, {}, body);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status, 201);
  const int64_t id = Body(*created).at("id").as_int64();
  EXPECT_EQ(Body(*created).at("revenue").at("2025").as_string(), "1000.25");

  // Bad input names the field; nothing is written.
  const auto before = Fingerprint();
  auto negative =
      Call(http::Method::kPost, "/api/v1/enterprises", operator_, {},
           "{\"uscc\":\"" + U(302) + "\",\"name\":\"负数\",\"revenue\":{\"2025\":\"-1\"}}");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().field(), "revenue");
  auto unknown = Call(http::Method::kPost, "/api/v1/enterprises", operator_, {},
                      "{\"uscc\":\"" + U(303) + "\",\"name\":\"x\",\"colour\":\"red\"}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().field(), "colour");
  auto dup = Call(http::Method::kPost, "/api/v1/enterprises", operator_, {},
                  "{\"uscc\":\"" + U(301) + "\",\"name\":\"重复\"}");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), base::Code::kAlreadyExists);
  EXPECT_EQ(dup.status().field(), "uscc");
  EXPECT_EQ(Fingerprint(), before);

  // The enterprise's own member patches it; the public cannot read it.
  auth::Principal member;
  member.user = base::UserId{77};
  member.method = auth::AuthMethod::kSession;
  member.memberships = {{org, auth::Role::kEnterprise}};
  const std::string path = "/api/v1/enterprises/" + std::to_string(id);
  auto patched = Call(http::Method::kPatch, path, member, {}, "{\"name_en\":\"Route Co.\"}");
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(Body(*patched).at("name_en").as_string(), "Route Co.");
  EXPECT_EQ(Body(*patched).at("revenue").at("2025").as_string(), "1000.25");
  auto anon = Call(http::Method::kGet, path, anonymous_);
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.status().code(), base::Code::kUnauthenticated);
  auto list = Call(http::Method::kGet, "/api/v1/enterprises", operator_,
                   {{"q", "路由"}, {"page_size", "5"}});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(Body(*list).at("total").as_int64(), 1);
  auto bad_page = Call(http::Method::kGet, "/api/v1/enterprises", operator_, {{"page", "x"}});
  ASSERT_FALSE(bad_page.ok());
  EXPECT_EQ(bad_page.status().field(), "page");
}

// Creates park -> building -> units and observes them through the routes; returns the unit ids.
class ChainBuildingsTest : public ChainRoutesTest {
 protected:
  void SetUp() override {
    ChainRoutesTest::SetUp();
    Park p;
    p.name = "测试园区（示例）";
    auto park = service_->CreatePark(sys_, p);
    ASSERT_TRUE(park.ok()) << park.status();
    park_ = park->id;
    firm_ = MakeEnterprise(401, "入驻企业（示例）");
  }

  std::string ParkPath() const { return "/api/v1/parks/" + park_.ToString() + "/buildings"; }

  base::Result<http::Response> Post(const std::string& path, const std::string& body,
                                    const auth::Principal& who) {
    return Call(http::Method::kPost, path, who, {}, body);
  }

  // Expects a 4xx naming `field` and no change to any table or the event log.
  void ExpectRejected(const std::string& path, const std::string& body, base::Code code,
                      const std::string& field, const auth::Principal& who) {
    const auto before = Fingerprint();
    auto r = Post(path, body, who);
    ASSERT_FALSE(r.ok()) << path << " " << body;
    EXPECT_EQ(r.status().code(), code) << r.status();
    if (!field.empty()) {
      EXPECT_EQ(r.status().field(), field) << r.status();
    }
    EXPECT_FALSE(r.status().message_en().empty());
    EXPECT_NE(r.status().message_zh(), r.status().message_en()) << r.status();
    EXPECT_EQ(Fingerprint(), before);
  }

  ParkId park_;
  EnterpriseId firm_;
};

TEST_F(ChainBuildingsTest, BuildingsUnitsAndObservationsGiveUnitBasedRates) {
  const size_t events_before = Events().size();
  auto b = Post(ParkPath(),
                R"({"name":"A1 栋","floors":3,"floor_area_m2":1200.5,)"
                R"("source":"园区台账（示例）"})",
                operator_);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->status, 201);
  const std::string building = std::to_string(Body(*b).at("id").as_int64());
  std::vector<std::string> units;
  for (const char* body : {R"({"code":"1F-01","floor":1,"area_m2":100})",
                           R"({"code":"2F-01","floor":2,"area_m2":300,"use":"office"})",
                           R"({"code":"3F-01","floor":3,"area_m2":600,"use":"lab"})"}) {
    auto u = Post("/api/v1/buildings/" + building + "/units", body, operator_);
    ASSERT_TRUE(u.ok()) << u.status();
    EXPECT_EQ(u->status, 201);
    units.push_back(std::to_string(Body(*u).at("id").as_int64()));
  }
  auto observe = [&](const std::string& unit, const std::string& body) {
    auto o = Post("/api/v1/units/" + unit + "/observations", body, operator_);
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(o->status, 201);
  };
  observe(units[0], R"({"date":"2025-01-10","occupied":true,"producing":true,"enterprise_id":)" +
                        firm_.ToString() + "}");
  observe(units[1], R"({"date":"2025-01-10","occupied":true,"producing":true})");
  observe(units[1], R"({"date":"2025-05-01","occupied":true,"producing":false})");
  observe(units[2], R"({"date":"2025-01-10","occupied":false})");
  observe(units[2], R"({"date":"2025-08-01","occupied":true,"producing":true})");

  // One event per write, of the right kinds.
  const auto events = Events();
  ASSERT_EQ(events.size(), events_before + 1 + 3 + 5);
  EXPECT_EQ(events[events_before].kind, "chain.building.created");
  EXPECT_EQ(events[events_before + 1].kind, "chain.unit.created");
  EXPECT_EQ(events.back().kind, "chain.unit.observed");
  EXPECT_EQ(events.back().entity_id, units[2]);

  // As of 2025-06-30: units 1 and 2 occupied (400 of 1000 m2), unit 1 producing (100 of 400).
  auto list = Call(http::Method::kGet, ParkPath(), anonymous_, {{"as_of", "2025-06-30"}});
  ASSERT_TRUE(list.ok()) << list.status();
  json::object body = Body(*list);
  const json::object& rates = body.at("rates").as_object();
  EXPECT_EQ(rates.at("units").as_int64(), 3);
  EXPECT_EQ(rates.at("occupied_units").as_int64(), 2);
  EXPECT_DOUBLE_EQ(rates.at("floor_occupancy").as_double(), 0.4);
  EXPECT_DOUBLE_EQ(rates.at("production_rate").as_double(), 0.25);
  const json::array& bs = body.at("buildings").as_array();
  ASSERT_EQ(bs.size(), 1u);
  const json::array& us = bs[0].at("units").as_array();
  ASSERT_EQ(us.size(), 3u);
  const json::object& first = us[0].at("latest").as_object();
  EXPECT_TRUE(first.at("occupied").as_bool());
  EXPECT_TRUE(first.at("producing").as_bool());
  EXPECT_FALSE(first.contains("enterprise_id")) << "the public sees no enterprise ids";
  EXPECT_FALSE(us[1].at("latest").at("producing").as_bool());

  // Operators see which enterprise occupies the unit.
  auto detailed = Call(http::Method::kGet, ParkPath(), operator_, {{"as_of", "2025-06-30"}});
  ASSERT_TRUE(detailed.ok()) << detailed.status();
  EXPECT_EQ(
      Body(*detailed).at("buildings").at(0).at("units").at(0).at("latest").at("enterprise_id"),
      json::value(firm_.value));

  // Later: unit 3 joined and produces; the service gives the same rates.
  auto later = service_->UnitRatesOfPark(Caller::Of(anonymous_), park_, D("2025-12-31"));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_DOUBLE_EQ(*later->floor_occupancy, 1.0);
  EXPECT_DOUBLE_EQ(*later->production_rate, 0.7);
}

TEST_F(ChainBuildingsTest, BadInputIsRejectedNamingTheFieldAndNothingChanges) {
  auto b = Post(ParkPath(), R"({"name":"B1 栋","floors":2,"floor_area_m2":800})", operator_);
  ASSERT_TRUE(b.ok()) << b.status();
  const std::string units =
      "/api/v1/buildings/" + std::to_string(Body(*b).at("id").as_int64()) + "/units";
  auto u = Post(units, R"({"code":"1F-01","floor":1,"area_m2":100})", operator_);
  ASSERT_TRUE(u.ok()) << u.status();
  const std::string obs =
      "/api/v1/units/" + std::to_string(Body(*u).at("id").as_int64()) + "/observations";
  using base::Code;

  ExpectRejected(ParkPath(), R"({"name":"C","floors":2,"floor_area_m2":0})", Code::kInvalidArgument,
                 "floor_area_m2", operator_);
  ExpectRejected(units, R"({"code":"1F-02","floor":1,"area_m2":0})", Code::kInvalidArgument,
                 "area_m2", operator_);
  ExpectRejected(units, R"({"code":"1F-03","floor":1,"area_m2":-5})", Code::kInvalidArgument,
                 "area_m2", operator_);
  ExpectRejected(units, R"({"code":"3F-01","floor":3,"area_m2":50})", Code::kInvalidArgument,
                 "floor", operator_);
  ExpectRejected(obs, R"({"date":"2025-01-01","occupied":false,"producing":true})",
                 Code::kInvalidArgument, "producing", operator_);
  ExpectRejected(obs, R"({"date":"2025-13-01","occupied":true})", Code::kInvalidArgument, "date",
                 operator_);
  ExpectRejected(obs, R"({"date":"2025-01-01","occupied":true,"enterprise_id":99999})",
                 Code::kNotFound, "enterprise_id", operator_);
  // Unknown parents: 404.
  ExpectRejected("/api/v1/parks/99999/buildings", R"({"name":"X","floors":1,"floor_area_m2":1})",
                 Code::kNotFound, "park_id", operator_);
  ExpectRejected("/api/v1/buildings/99999/units", R"({"code":"X","floor":1,"area_m2":1})",
                 Code::kNotFound, "building_id", operator_);
  ExpectRejected("/api/v1/units/99999/observations", R"({"date":"2025-01-01","occupied":true})",
                 Code::kNotFound, "unit_id", operator_);
  auto unknown_park = Call(http::Method::kGet, "/api/v1/parks/99999/buildings", anonymous_);
  ASSERT_FALSE(unknown_park.ok());
  EXPECT_EQ(unknown_park.status().code(), Code::kNotFound);
  EXPECT_EQ(unknown_park.status().field(), "id");

  // Non-operators may not write.
  auth::Principal officer;
  officer.user = base::UserId{6};
  officer.method = auth::AuthMethod::kSession;
  officer.memberships = {{base::OrgId{1}, auth::Role::kOfficer}};
  ExpectRejected(ParkPath(), R"({"name":"D","floors":1,"floor_area_m2":10})",
                 Code::kPermissionDenied, "", officer);
  ExpectRejected(units, R"({"code":"1F-09","floor":1,"area_m2":10})", Code::kPermissionDenied, "",
                 officer);
  ExpectRejected(obs, R"({"date":"2025-01-01","occupied":true})", Code::kPermissionDenied, "",
                 officer);
}

TEST_F(ChainRoutesTest, NodesAndAnalysis) {
  const std::string nodes = "/api/v1/chains/" + chain_a_.ToString() + "/nodes";
  auto root = Call(http::Method::kPost, nodes, operator_, {},
                   "{\"code\":\"AI-CHIP\",\"name\":\"芯片\",\"criticality\":5,"
                   "\"choke_point\":true,\"segment\":\"upstream\"}");
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->status, 201);
  Node aero = MakeNode(chain_b_, "AERO-X");
  auto wrong = Call(http::Method::kPost, nodes, operator_, {},
                    "{\"code\":\"AI-Y\",\"name\":\"y\",\"parent_id\":" + aero.id.ToString() + "}");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().field(), "parent_id");
  EXPECT_EQ(wrong.status().reason(), "node.wrong_chain");

  auto analysis = Call(http::Method::kGet, "/api/v1/chains/" + chain_a_.ToString() + "/analysis",
                       anonymous_, {{"as_of", "2026-01-01"}});
  ASSERT_TRUE(analysis.ok()) << analysis.status();
  json::object a = Body(*analysis);
  EXPECT_EQ(a.at("as_of").as_string(), "2026-01-01");
  EXPECT_EQ(a.at("coverage").to_number<double>(), 0.0);
  ASSERT_EQ(a.at("nodes").as_array().size(), 1u);
  EXPECT_EQ(a.at("gaps").as_array().at(0).as_int64(), Body(*root).at("id").as_int64());
  auto bad_date = Call(http::Method::kGet, "/api/v1/chains/" + chain_a_.ToString() + "/analysis",
                       anonymous_, {{"as_of", "2026-13-01"}});
  ASSERT_FALSE(bad_date.ok());
  EXPECT_EQ(bad_date.status().field(), "as_of");
  auto list = Call(http::Method::kGet, "/api/v1/chains", anonymous_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(Body(*list).at("chains").as_array().at(0).at("code").as_string(), "CD-AI");
}

// ---- CLI ---------------------------------------------------------------------------------------

TEST_F(ChainRoutesTest, ImportJobReportsProgressAndResult) {
  MakeNode(chain_a_, "AI-CHIP");
  const std::string csv = "chain,node,parent,name\nCD-AI,R-1,AI-CHIP,上传节点\n";
  auto call = [&](std::map<std::string, std::string> query, std::string type, std::string body) {
    std::map<std::string, std::string> params;
    const http::Route* route = router_.Find(http::Method::kPost, "/api/v1/imports", params).route;
    EXPECT_NE(route, nullptr);
    http::Request req;
    req.method = http::Method::kPost;
    req.path = "/api/v1/imports";
    req.query = std::move(query);
    req.headers = {{"content-type", std::move(type)}};
    req.body = std::move(body);
    req.principal = operator_;
    return route->handler(req);
  };
  const auto before = Fingerprint();
  auto bad_type = call({{"kind", "chains"}}, "application/json", csv);
  ASSERT_FALSE(bad_type.ok());
  ExpectInvalid(bad_type.status(), "content-type", "import.content_type");
  auto bad_kind = call({{"kind", "widgets"}}, "text/csv", csv);
  ASSERT_FALSE(bad_kind.ok());
  ExpectInvalid(bad_kind.status(), "kind", "import.kind");
  auto bad_skip = call({{"kind", "chains"}, {"skip_bad", "maybe"}}, "text/csv", csv);
  ASSERT_FALSE(bad_skip.ok());
  ExpectInvalid(bad_skip.status(), "skip_bad", "query.boolean");
  auto not_xlsx =
      call({{"kind", "chains"}},
           std::string("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), csv);
  ASSERT_FALSE(not_xlsx.ok());
  ExpectInvalid(not_xlsx.status(), "body", "xlsx.not_zip");
  EXPECT_EQ(Fingerprint(), before);

  // A file with a bad row: the job ends "rejected" and nothing changes.
  auto rejected =
      call({{"kind", "chains"}}, "text/csv; charset=utf-8", csv + "CD-AI,R-2,NOPE,孤儿\n");
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(rejected->status, 202);
  const int64_t rejected_id = Body(*rejected).at("id").as_int64();
  auto done = service_->jobs().Wait(Caller::Of(operator_), rejected_id);
  ASSERT_TRUE(done.ok());
  auto polled =
      Call(http::Method::kGet, "/api/v1/imports/" + std::to_string(rejected_id), operator_);
  ASSERT_TRUE(polled.ok()) << polled.status();
  json::object job = Body(*polled);
  EXPECT_EQ(job.at("state").as_string(), "rejected");
  EXPECT_EQ(job.at("processed").as_int64(), job.at("total").as_int64());
  const auto& errors = job.at("report").at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("row").as_int64(), 3);
  EXPECT_EQ(errors[0].at("column").as_string(), "parent");
  EXPECT_EQ(errors[0].at("reason").as_string(), "orphan");
  EXPECT_EQ(Fingerprint(), before);

  // The same with skip_bad: done, one node imported.
  auto started = call({{"kind", "chains"}, {"skip_bad", "true"}, {"filename", "n.csv"}}, "text/csv",
                      csv + "CD-AI,R-2,NOPE,孤儿\n");
  ASSERT_TRUE(started.ok()) << started.status();
  const int64_t id = Body(*started).at("id").as_int64();
  ASSERT_TRUE(service_->jobs().Wait(Caller::Of(operator_), id).ok());
  polled = Call(http::Method::kGet, "/api/v1/imports/" + std::to_string(id), operator_);
  ASSERT_TRUE(polled.ok());
  job = Body(*polled);
  EXPECT_EQ(job.at("state").as_string(), "done");
  EXPECT_EQ(job.at("report").at("nodes").as_int64(), 1);
  EXPECT_EQ(job.at("total").as_int64(), 1);

  // Another operator does not see this job.
  auth::Principal other = operator_;
  other.user = base::UserId{6};
  auto hidden = Call(http::Method::kGet, "/api/v1/imports/" + std::to_string(id), other);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.status().code(), base::Code::kNotFound);
  auto tpl = Call(http::Method::kGet, "/api/v1/imports/template", operator_, {{"kind", "links"}});
  ASSERT_TRUE(tpl.ok());
  EXPECT_NE(tpl->body.find("uscc,chain,node,"), std::string::npos);
}

TEST_F(ChainRoutesTest, ExportsListsAndAnalysisAsCsvAndXlsx) {
  Node chip = MakeNode(chain_a_, "AI-CHIP");
  MakeEnterprise(1, "导出企业一（示例）", "高新区", true);
  EnterpriseId two = MakeEnterprise(2, "导出企业二（示例）", "双流区", true);
  MakeEnterprise(3, "导出企业三（示例）", "高新区", false);
  MakeLink(two, chip.id, 5);
  auto header = [](const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) {
        return v;
      }
    }
    return std::string();
  };
  // Enterprise list with its filters, CSV.
  auto csv = Call(http::Method::kGet, "/api/v1/enterprises", operator_,
                  {{"above_size", "true"}, {"district", "双流区"}, {"format", "csv"}});
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(header(*csv, "Content-Disposition"),
            "attachment; filename=\"enterprises.csv\"; "
            "filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%88%97%E8%A1%A8.csv");
  auto table = table::ReadCsv(csv->body);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->header.at(1), "uscc");
  ASSERT_EQ(table->rows.size(), 1u);
  EXPECT_EQ(table->rows[0].at(2), "导出企业二（示例）");
  // The same as .xlsx reads back to the same cells.
  auto xlsx = Call(http::Method::kGet, "/api/v1/enterprises", operator_,
                   {{"above_size", "true"}, {"format", "xlsx"}});
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(xlsx->content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  auto sheet = table::ReadXlsx(xlsx->body);
  ASSERT_TRUE(sheet.ok()) << sheet.status();
  EXPECT_EQ(sheet->rows.size(), 2u);
  EXPECT_EQ(sheet->rows[0].at(1), U(1));
  // Export keeps the list's permissions.
  auto anon = Call(http::Method::kGet, "/api/v1/enterprises", anonymous_, {{"format", "csv"}});
  ASSERT_FALSE(anon.ok());
  // Chain list, analysis, parks and occupancy.
  auto chains = Call(http::Method::kGet, "/api/v1/chains", anonymous_, {{"format", "xlsx"}});
  ASSERT_TRUE(chains.ok());
  auto chains_sheet = table::ReadXlsx(chains->body);
  ASSERT_TRUE(chains_sheet.ok());
  EXPECT_EQ(chains_sheet->rows.size(), 2u);
  auto analysis = Call(http::Method::kGet, "/api/v1/chains/" + chain_a_.ToString() + "/analysis",
                       anonymous_, {{"as_of", "2026-01-01"}, {"format", "csv"}});
  ASSERT_TRUE(analysis.ok());
  EXPECT_NE(header(*analysis, "Content-Disposition")
                .find("filename=\"chain-CD-AI-analysis-2026-01-01.csv\""),
            std::string::npos);
  auto nodes = table::ReadCsv(analysis->body);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->rows.size(), 1u);
  EXPECT_EQ(nodes->rows[0].at(1), "AI-CHIP");
  EXPECT_EQ(nodes->rows[0].at(6), "1");  // local firms
  Park p;
  p.name = "导出园区";
  auto park = service_->CreatePark(sys_, p);
  ASSERT_TRUE(park.ok());
  OccupancyObservation o;
  o.park_id = park->id;
  o.date = D("2025-06-30");
  o.land_used = 50;
  o.land_total = 100;
  ASSERT_TRUE(service_->AddObservation(sys_, o).ok());
  auto occ = Call(http::Method::kGet, "/api/v1/parks/" + park->id.ToString() + "/occupancy",
                  anonymous_, {{"from", "2025-01-01"}, {"to", "2025-12-31"}, {"format", "csv"}});
  ASSERT_TRUE(occ.ok()) << occ.status();
  auto occ_table = table::ReadCsv(occ->body);
  ASSERT_TRUE(occ_table.ok());
  ASSERT_EQ(occ_table->rows.size(), 1u);
  EXPECT_EQ(occ_table->rows[0].at(1), "0.5000");
  auto parks = Call(http::Method::kGet, "/api/v1/parks", anonymous_, {{"format", "csv"}});
  ASSERT_TRUE(parks.ok());
  EXPECT_NE(parks->body.find("导出园区"), std::string::npos);
  // A bad format is a 400 naming "format".
  auto bad = Call(http::Method::kGet, "/api/v1/chains", anonymous_, {{"format", "pdf"}});
  ASSERT_FALSE(bad.ok());
  ExpectInvalid(bad.status(), "format", "export.format");
}

TEST_F(ChainRoutesTest, ChiefAndDiffRoutes) {
  auto diff = Call(http::Method::kGet, "/api/v1/chains/" + chain_a_.ToString() + "/diff",
                   anonymous_, {{"from", "2025-01-01"}, {"to", "2025-12-31"}});
  ASSERT_TRUE(diff.ok()) << diff.status();
  json::object d = Body(*diff);
  EXPECT_EQ(d.at("from").as_string(), "2025-01-01");
  EXPECT_TRUE(d.at("firm_changes").as_array().empty());
  auto bad = Call(http::Method::kGet, "/api/v1/chains/" + chain_a_.ToString() + "/diff", anonymous_,
                  {{"from", "2025-12-31"}, {"to", "2025-01-01"}});
  ASSERT_FALSE(bad.ok());
  ExpectInvalid(bad.status(), "to", "chain.range_order");
  auto bad_date = Call(http::Method::kGet, "/api/v1/chains/" + chain_a_.ToString() + "/diff",
                       anonymous_, {{"from", "2025-13-01"}});
  ASSERT_FALSE(bad_date.ok());
  EXPECT_EQ(bad_date.status().field(), "from");

  const std::string chiefs = "/api/v1/chains/" + chain_a_.ToString() + "/chiefs";
  const auto before = Fingerprint();
  for (const char* body : {R"({"user_ids":"x"})", R"({"user_ids":[0]})",
                           R"({"user_ids":[1],"x":1})", R"({"user_ids":[4242]})"}) {
    auto r = Call(http::Method::kPut, chiefs, operator_, {}, body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << body;
  }
  EXPECT_EQ(Fingerprint(), before);
  auto empty = Call(http::Method::kPut, chiefs, operator_, {}, R"({"user_ids":[]})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  auto listed = Call(http::Method::kGet, chiefs, operator_);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(Body(*listed).at("chiefs").as_array().empty());
  auto mine = Call(http::Method::kGet, "/api/v1/chains/mine", operator_);
  ASSERT_TRUE(mine.ok());
  EXPECT_TRUE(Body(*mine).at("all").as_bool());
}

TEST_F(ChainRoutesTest, MajorProjectsWithMilestonesSlippageFiltersAndExport) {
  Park park;
  park.name = "项目园区";
  auto pk = service_->CreatePark(sys_, park);
  ASSERT_TRUE(pk.ok());
  const std::string good =
      R"({"name":"示例芯片产线（示例）","kind":"major","investment":"1200000000.00","chain_id":)" +
      chain_a_.ToString() + R"(,"park_id":)" + pk->id.ToString() +
      R"(,"department":"市经信局","milestones":{"signed":{"planned":"2025-01-10","actual":"2025-01-15"},"started":{"planned":"2025-03-01"},"completed":{"planned":"2025-12-01"}}})";
  const size_t events_before = Events().size();
  auto created = Call(http::Method::kPost, "/api/v1/projects", operator_, {}, good);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status, 201);
  const int64_t id = Body(*created).at("id").as_int64();
  EXPECT_EQ(Events().size(), events_before + 1);
  EXPECT_EQ(Events().back().kind, "chain.project.created");
  auto other = Call(http::Method::kPost, "/api/v1/projects", operator_, {},
                    R"({"name":"地标（示例）","kind":"landmark","investment":"5.00"})");
  ASSERT_TRUE(other.ok()) << other.status();

  // As of 2025-04-01 the start is 31 days overdue.
  auto list = Call(http::Method::kGet, "/api/v1/projects", operator_,
                   {{"as_of", "2025-04-01"}, {"overdue", "true"}});
  ASSERT_TRUE(list.ok()) << list.status();
  auto items = Body(*list).at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  const auto& progress = items[0].at("progress").as_object();
  EXPECT_EQ(progress.at("stage").as_string(), "signed");
  EXPECT_EQ(progress.at("next").as_string(), "started");
  EXPECT_EQ(progress.at("slippage_days").as_int64(), 31);
  EXPECT_EQ(progress.at("milestone_slippage").at("signed").as_int64(), 5);
  auto by_chain = Call(http::Method::kGet, "/api/v1/projects", operator_,
                       {{"chain", chain_a_.ToString()},
                        {"kind", "major"},
                        {"stage", "signed"},
                        {"as_of", "2025-04-01"}});
  ASSERT_TRUE(by_chain.ok());
  EXPECT_EQ(Body(*by_chain).at("items").as_array().size(), 1u);
  auto landmarks = Call(http::Method::kGet, "/api/v1/projects", operator_, {{"kind", "landmark"}});
  ASSERT_TRUE(landmarks.ok());
  EXPECT_EQ(Body(*landmarks).at("items").as_array().size(), 1u);
  auto csv = Call(http::Method::kGet, "/api/v1/projects", operator_,
                  {{"as_of", "2025-04-01"}, {"format", "csv"}});
  ASSERT_TRUE(csv.ok());
  auto t = table::ReadCsv(csv->body);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].back(), "1");  // overdue
  EXPECT_EQ(t->rows[0].at(t->rows[0].size() - 2), "31");

  // PATCH the start date in: slippage follows.
  const std::string path = "/api/v1/projects/" + std::to_string(id);
  auto patched = Call(http::Method::kPatch, path, operator_, {},
                      R"({"milestones":{"started":{"actual":"2025-03-11"}}})");
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(Body(*patched).at("progress").at("milestone_slippage").at("started").as_int64(), 10);

  // Bad input: 400 naming the field, nothing changed.
  const auto before = Fingerprint();
  struct Bad {
    http::Method method;
    std::string path;
    std::string body;
    const char* field;
  };
  const Bad bad[] = {
      {http::Method::kPost, "/api/v1/projects", R"({"name":"x","investment":"-1.00"})",
       "investment"},
      {http::Method::kPost, "/api/v1/projects", R"({"name":"x","kind":"palace"})", "kind"},
      {http::Method::kPost, "/api/v1/projects", R"({"name":"x","colour":"red"})", "colour"},
      {http::Method::kPost, "/api/v1/projects",
       R"({"name":"x","milestones":{"started":{"actual":"2025-01-01"}}})",
       "milestones.started.actual"},
      {http::Method::kPost, "/api/v1/projects",
       R"({"name":"x","milestones":{"signed":{"planned":"2025-05-01"},"started":{"planned":"2025-01-01"}}})",
       "milestones.started.planned"},
      {http::Method::kPatch, path, R"({"milestones":{"signed":{"planned":"2025-02-30"}}})",
       "milestones.signed.planned"},
      {http::Method::kPatch, path, R"({"milestones":{"opening":{"planned":"2025-02-01"}}})",
       "milestones.opening"},
  };
  for (const auto& b : bad) {
    auto r = Call(b.method, b.path, operator_, {}, b.body);
    ASSERT_FALSE(r.ok()) << b.body;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << b.body << " " << r.status();
    EXPECT_EQ(r.status().field(), b.field) << b.body << " " << r.status();
  }
  auto unknown_chain = Call(http::Method::kPost, "/api/v1/projects", operator_, {},
                            R"({"name":"x","chain_id":999})");
  ASSERT_FALSE(unknown_chain.ok());
  EXPECT_EQ(unknown_chain.status().code(), base::Code::kNotFound);
  EXPECT_EQ(unknown_chain.status().field(), "chain_id");
  auto anon = Call(http::Method::kGet, "/api/v1/projects", anonymous_);
  ASSERT_FALSE(anon.ok());
  auto bad_stage = Call(http::Method::kGet, "/api/v1/projects", operator_, {{"stage", "x"}});
  ASSERT_FALSE(bad_stage.ok());
  EXPECT_EQ(bad_stage.status().field(), "stage");
  EXPECT_EQ(Fingerprint(), before);
}

class ChainCliTest : public ChainImportTest {
 protected:
  int Run(bool import, const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    ServiceOpener open =
        [this](const std::vector<std::string>& db_args) -> base::Result<ChainService*> {
      db_args_ = db_args;
      return service_.get();
    };
    return import ? RunImportCommand(args, out_, err_, open)
                  : RunChainCommand(args, out_, err_, open);
  }
  std::string WriteFile(const std::string& text) {
    auto path =
        std::filesystem::temp_directory_path() / ("kechan_chain_cli_" + std::to_string(::getpid()) +
                                                  "_" + std::to_string(++files_) + ".csv");
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path.string();
  }
  void TearDown() override {
    for (const auto& p : paths_) {
      std::filesystem::remove(p);
    }
  }
  std::ostringstream out_;
  std::ostringstream err_;
  std::vector<std::string> db_args_;
  std::vector<std::filesystem::path> paths_;
  int files_ = 0;
};

TEST_F(ChainCliTest, ListAndAnalyzePrintJson) {
  EXPECT_EQ(Run(false, {"list", "--data", "/srv/x", "--json"}), 0) << err_.str();
  EXPECT_EQ(db_args_, (std::vector<std::string>{"--data", "/srv/x"}));
  json::object list = json::parse(out_.str()).as_object();
  EXPECT_EQ(list.at("chains").as_array().at(0).at("code").as_string(), "CD-AI");

  EXPECT_EQ(Run(false, {"analyze", "CD-AI", "--as-of", "2026-01-01", "--json"}), 0) << err_.str();
  json::object a = json::parse(out_.str()).as_object();
  EXPECT_EQ(a.at("coverage").to_number<double>(), 0.0);
  ASSERT_EQ(a.at("nodes").as_array().size(), 2u);
  for (const auto& n : a.at("nodes").as_array()) {
    for (const char* key : {"id", "local_firms", "hhi", "single_source"}) {
      EXPECT_TRUE(n.as_object().contains(key)) << key;
    }
  }
  EXPECT_EQ(a.at("gaps").as_array().size(), 2u);

  EXPECT_EQ(Run(false, {"analyze", "CD-AI", "--as-of", "2026-01-01", "--csv"}), 0);
  EXPECT_EQ(out_.str().rfind("id,code,name,", 0), 0u) << out_.str();

  EXPECT_EQ(Run(false, {"analyze", "NOPE", "--json"}), 2);
  EXPECT_NE(err_.str().find("错误"), std::string::npos);
  EXPECT_EQ(Run(false, {"analyze", "CD-AI", "--as-of", "2026-02-30"}), 2);
  EXPECT_NE(err_.str().find("--as-of"), std::string::npos) << err_.str();
  EXPECT_EQ(Run(false, {"frobnicate"}), 2);
}

TEST_F(ChainCliTest, ImportIsAllOrNothingUnlessSkipBad) {
  const std::string file = WriteFile(Csv());
  const auto before = Fingerprint();
  EXPECT_EQ(Run(true, {"enterprises", file, "--data", "/x"}), 2);
  json::object r = json::parse(out_.str()).as_object();
  EXPECT_FALSE(r.at("committed").as_bool());
  ASSERT_EQ(r.at("errors").as_array().size(), 6u);
  EXPECT_EQ(r.at("errors").as_array()[0].at("row").as_int64(), 3);
  EXPECT_EQ(r.at("errors").as_array()[0].at("column").as_string(), "uscc");
  EXPECT_EQ(r.at("errors").as_array()[0].at("reason").as_string(), "invalid_uscc");
  EXPECT_EQ(Fingerprint(), before);

  EXPECT_EQ(Run(true, {"enterprises", file, "--data", "/x", "--skip-bad"}), 0) << err_.str();
  r = json::parse(out_.str()).as_object();
  EXPECT_TRUE(r.at("committed").as_bool());
  EXPECT_EQ(r.at("imported").as_int64(), 2);

  EXPECT_EQ(Run(true, {"enterprises", "/nonexistent/file.csv", "--data", "/x"}), 2);
  EXPECT_EQ(Run(true, {"enterprises", "--template"}), 0);
  const std::string tpl = out_.str();
  EXPECT_EQ(std::count(tpl.begin(), tpl.end(), '\n'), 2);
  EXPECT_EQ(tpl, ImportTemplate());
}

TEST_F(ChainCliTest, ImportsChainsAndLinksWithTemplates) {
  EXPECT_EQ(Run(true, {"chains", "--template"}), 0);
  EXPECT_EQ(out_.str(), ImportTemplate(ImportKind::kChains));
  EXPECT_EQ(Run(true, {"links", "--template"}), 0);
  EXPECT_EQ(out_.str().rfind("uscc,chain,node,", 0), 0u);
  const std::string bad = WriteFile("chain,node,parent,name\nCD-AI,Z-1,NOPE,孤儿\n");
  const auto before = Fingerprint();
  EXPECT_EQ(Run(true, {"chains", bad, "--data", "/x"}), 2);
  json::object r = json::parse(out_.str()).as_object();
  EXPECT_EQ(r.at("kind").as_string(), "chains");
  EXPECT_EQ(r.at("errors").as_array().at(0).at("reason").as_string(), "orphan");
  EXPECT_EQ(Fingerprint(), before);
  const std::string good = WriteFile("chain,node,parent,name\nCD-AI,Z-1,AI-CHIP,新节点\n");
  EXPECT_EQ(Run(true, {"chains", good, "--data", "/x"}), 0) << err_.str();
  r = json::parse(out_.str()).as_object();
  EXPECT_EQ(r.at("nodes").as_int64(), 1);
  const std::string links = WriteFile("uscc,chain,node\n" + U(900) + ",CD-AI,Z-1\n");
  EXPECT_EQ(Run(true, {"links", links, "--data", "/x"}), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str()).as_object().at("links").as_int64(), 1);
  EXPECT_EQ(Run(true, {"widgets", links, "--data", "/x"}), 2);
}

}  // namespace
}  // namespace kechan::chain
