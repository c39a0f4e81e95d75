#include "chain/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "chain/cli.h"
#include "chain/migrations.h"
#include "chain/routes.h"
#include "store/event_log.h"
#include "store/migrations.h"

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
                          "chain_supply_links", "chain_occupancy", "events"}) {
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
  auto list = [&](EnterpriseFilter f, int64_t page = 1, int64_t size = 20) {
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
    std::map<std::string, std::string> params;
    const http::Route* route = router_.Find(method, path, params).route;
    EXPECT_NE(route, nullptr) << path;
    if (route == nullptr) {
      return base::NotFound("test.route", path, path);
    }
    http::Request req;
    req.method = method;
    req.path = path;
    req.path_params = std::move(params);
    req.query = std::move(query);
    req.body = std::move(body);
    req.principal = who;
    return route->handler(req);
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

class ChainCliTest : public ChainImportTest {
 protected:
  int Run(bool import, std::vector<std::string> args) {
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
        std::filesystem::temp_directory_path() /
        ("kechan_chain_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
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

}  // namespace
}  // namespace kechan::chain
