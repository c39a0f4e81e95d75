// The chain repository's writes: every column an insert or an update sets is the one its read
// gives back (each table's column list is written once in repo.cc and its INSERT, UPDATE and
// SELECT are made from it), the single-row and the bulk inserts of enterprises and links store
// the same rows, and the import's page cache setting is raised and put back. On SQLite and, when
// KECHAN_TEST_PG names a server, on PostgreSQL.
#include "chain/repo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "chain/migrations.h"
#include "store/migrations.h"
#include "store/test_schema.h"

namespace kechan::chain {
namespace {

base::Date D(std::string_view text) { return base::Date::Parse(text).value(); }

std::string U(const char* body) { return auth::MakeUscc('9', '1', "510100", body).value(); }

void ExpectSameProvenance(const Provenance& a, const Validity& av, const Provenance& b,
                          const Validity& bv) {
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.source_date, b.source_date);
  EXPECT_EQ(av.valid_from, bv.valid_from);
  EXPECT_EQ(av.valid_to, bv.valid_to);
}

void ExpectSameEnterprise(const Enterprise& a, const Enterprise& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.org_id, b.org_id);
  EXPECT_EQ(a.uscc, b.uscc);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.name_en, b.name_en);
  EXPECT_EQ(a.district, b.district);
  EXPECT_EQ(a.park_id, b.park_id);
  EXPECT_EQ(a.above_size, b.above_size);
  EXPECT_EQ(a.green_factory, b.green_factory);
  EXPECT_EQ(a.revenue, b.revenue);
  EXPECT_EQ(a.rd_spend, b.rd_spend);
  EXPECT_EQ(a.digital_level, b.digital_level);
  ASSERT_EQ(a.tiers.size(), b.tiers.size());
  for (size_t i = 0; i < a.tiers.size(); ++i) {
    EXPECT_EQ(a.tiers[i].tier, b.tiers[i].tier);
    EXPECT_EQ(a.tiers[i].from, b.tiers[i].from);
    EXPECT_EQ(a.tiers[i].to, b.tiers[i].to);
  }
  ExpectSameProvenance(a.provenance, a.validity, b.provenance, b.validity);
}

// The link's stored columns (not its id).
void ExpectSameLink(const Link& a, const Link& b) {
  EXPECT_EQ(a.enterprise_id, b.enterprise_id);
  EXPECT_EQ(a.node_id, b.node_id);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.products, b.products);
  EXPECT_DOUBLE_EQ(a.capacity, b.capacity);
  EXPECT_EQ(a.revenue.fen(), b.revenue.fen());
  EXPECT_EQ(a.locality, b.locality);
  ExpectSameProvenance(a.provenance, a.validity, b.provenance, b.validity);
}

class RepoTest : public ::testing::TestWithParam<store::TestBackend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(GetParam(), "kechan_chain_repo_test",
                                         {auth::Migrations(), Migrations()});
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    test_db_ = std::move(*t);
    auto tx = test_db_.db().Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    tx_ = std::move(*tx);
  }
  void TearDown() override {
    tx_.reset();
    EXPECT_TRUE(test_db_.Close().ok());
  }

  // A cluster, a chain and two nodes to hang enterprises and links on.
  void MakeTaxonomy() {
    Cluster cl;
    cl.code = "T-CL";
    cl.name = "集群";
    auto cid = repo::InsertCluster(*tx_, cl, 1);
    ASSERT_TRUE(cid.ok()) << cid.status();
    Chain ch;
    ch.cluster_id = *cid;
    ch.code = "T-CH";
    ch.name = "链";
    auto chid = repo::InsertChain(*tx_, ch, 1);
    ASSERT_TRUE(chid.ok()) << chid.status();
    chain_ = *chid;
    for (const char* code : {"N1", "N2"}) {
      Node n;
      n.chain_id = chain_;
      n.code = code;
      n.name = code;
      auto id = repo::InsertNode(*tx_, n, 1);
      ASSERT_TRUE(id.ok()) << id.status();
      nodes_.push_back(*id);
    }
  }

  store::TestDatabase test_db_;
  std::unique_ptr<store::Tx> tx_;
  ChainId chain_;
  std::vector<NodeId> nodes_;
};

TEST_P(RepoTest, ClusterChainAndNodeUpdatesWriteEveryColumn) {
  Cluster cl;
  cl.code = "T-A";
  cl.name = "甲";
  cl.name_en = "A";
  cl.tier = Tier::kTrillion;
  cl.provenance = {.source = "s1", .source_date = D("2024-01-02")};
  cl.validity = {.valid_from = D("2024-01-01"), .valid_to = std::nullopt};
  auto cid = repo::InsertCluster(*tx_, cl, 1);
  ASSERT_TRUE(cid.ok()) << cid.status();
  Cluster other = cl;
  other.code = "T-B";
  auto other_id = repo::InsertCluster(*tx_, other, 1);
  ASSERT_TRUE(other_id.ok()) << other_id.status();
  cl.id = *cid;
  cl.code = "T-A2";
  cl.name = "甲二";
  cl.name_en = "A2";
  cl.tier = Tier::kFuture;
  cl.provenance = {.source = "s2", .source_date = std::nullopt};
  cl.validity = {.valid_from = D("2023-05-06"), .valid_to = D("2030-01-01")};
  ASSERT_TRUE(repo::UpdateCluster(*tx_, cl, 2).ok());
  auto found = repo::FindCluster(*tx_, cl.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->code, "T-A2");
  EXPECT_EQ((*found)->name, "甲二");
  EXPECT_EQ((*found)->name_en, "A2");
  EXPECT_EQ((*found)->tier, Tier::kFuture);
  ExpectSameProvenance((*found)->provenance, (*found)->validity, cl.provenance, cl.validity);
  // The other cluster is untouched (the WHERE id = ? comes last).
  auto untouched = repo::FindCluster(*tx_, *other_id);
  ASSERT_TRUE(untouched.ok() && untouched->has_value());
  EXPECT_EQ((*untouched)->code, "T-B");
  EXPECT_EQ((*untouched)->name, "甲");

  Chain ch;
  ch.cluster_id = cl.id;
  ch.code = "T-CH";
  ch.name = "链";
  ch.host_districts = {"高新区"};
  auto chid = repo::InsertChain(*tx_, ch, 1);
  ASSERT_TRUE(chid.ok()) << chid.status();
  ch.id = *chid;
  ch.cluster_id = *other_id;
  ch.code = "T-CH2";
  ch.name = "链二";
  ch.name_en = "Chain 2";
  ch.chief = "链长";
  ch.lead_department = "经信局";
  ch.host_districts = {"双流区", "郫都区"};
  ch.co_districts = {"新津区"};
  ch.partners = {"成渝", "成都都市圈"};
  ch.provenance = {.source = "s3", .source_date = D("2025-03-04")};
  ch.validity = {.valid_from = D("2024-02-02"), .valid_to = D("2029-12-31")};
  ASSERT_TRUE(repo::UpdateChain(*tx_, ch, 2).ok());
  auto chain = repo::FindChain(*tx_, ch.id);
  ASSERT_TRUE(chain.ok() && chain->has_value());
  EXPECT_EQ((*chain)->cluster_id, *other_id);
  EXPECT_EQ((*chain)->code, "T-CH2");
  EXPECT_EQ((*chain)->name, "链二");
  EXPECT_EQ((*chain)->name_en, "Chain 2");
  EXPECT_EQ((*chain)->chief, "链长");
  EXPECT_EQ((*chain)->lead_department, "经信局");
  EXPECT_EQ((*chain)->host_districts, ch.host_districts);
  EXPECT_EQ((*chain)->co_districts, ch.co_districts);
  EXPECT_EQ((*chain)->partners, ch.partners);
  ExpectSameProvenance((*chain)->provenance, (*chain)->validity, ch.provenance, ch.validity);

  Node top;
  top.chain_id = ch.id;
  top.code = "TOP";
  top.name = "顶";
  auto top_id = repo::InsertNode(*tx_, top, 1);
  ASSERT_TRUE(top_id.ok()) << top_id.status();
  Node n = top;
  n.code = "N";
  auto nid = repo::InsertNode(*tx_, n, 1);
  ASSERT_TRUE(nid.ok()) << nid.status();
  n.id = *nid;
  n.parent_id = *top_id;
  n.segment = Segment::kDownstream;
  n.code = "N2";
  n.name = "节点二";
  n.name_en = "Node 2";
  n.criticality = 5;
  n.choke_point = true;
  n.provenance = {.source = "s4", .source_date = D("2025-06-07")};
  n.validity = {.valid_from = D("2024-03-03"), .valid_to = D("2028-08-08")};
  ASSERT_TRUE(repo::UpdateNode(*tx_, n, 2).ok());
  auto node = repo::FindNode(*tx_, n.id);
  ASSERT_TRUE(node.ok() && node->has_value());
  EXPECT_EQ((*node)->chain_id, ch.id);
  EXPECT_EQ((*node)->parent_id, *top_id);
  EXPECT_EQ((*node)->segment, Segment::kDownstream);
  EXPECT_EQ((*node)->code, "N2");
  EXPECT_EQ((*node)->name, "节点二");
  EXPECT_EQ((*node)->name_en, "Node 2");
  EXPECT_EQ((*node)->criticality, 5);
  EXPECT_TRUE((*node)->choke_point);
  ExpectSameProvenance((*node)->provenance, (*node)->validity, n.provenance, n.validity);
}

TEST_P(RepoTest, EnterpriseInsertsAndUpdateWriteEveryColumnAndTheFacts) {
  Park pk;
  pk.name = "园区";
  pk.name_en = "Park";
  pk.level = 2;
  pk.district = "双流区";
  pk.main_industry = "电子";
  pk.provenance = {.source = "p", .source_date = D("2024-04-04")};
  pk.validity = {.valid_from = D("2020-01-01"), .valid_to = D("2040-01-01")};
  auto park = repo::InsertPark(*tx_, pk, 1);
  ASSERT_TRUE(park.ok()) << park.status();
  auto park_row = repo::FindPark(*tx_, *park);
  ASSERT_TRUE(park_row.ok() && park_row->has_value());
  EXPECT_EQ((*park_row)->name_en, "Park");
  EXPECT_EQ((*park_row)->level, 2);
  EXPECT_EQ((*park_row)->district, "双流区");
  EXPECT_EQ((*park_row)->main_industry, "电子");
  ExpectSameProvenance((*park_row)->provenance, (*park_row)->validity, pk.provenance, pk.validity);

  Enterprise e;
  e.uscc = U("MA6CX001");
  e.name = "甲企业";
  e.name_en = "A Co";
  e.district = "武侯区";
  e.park_id = *park;
  e.above_size = true;
  e.green_factory = true;
  e.revenue = {{2023, base::Money::FromFen(100)}, {2024, base::Money::FromFen(200)}};
  e.rd_spend = {{2024, base::Money::FromFen(30)}};
  e.digital_level = {{2023, 2}};
  e.tiers = {{.tier = GradientTier::kSpecialized, .from = D("2023-01-01"), .to = D("2025-12-31")}};
  e.provenance = {.source = "e", .source_date = D("2024-05-05")};
  e.validity = {.valid_from = D("2010-01-01"), .valid_to = std::nullopt};
  auto id = repo::InsertEnterprise(*tx_, e, 1);
  ASSERT_TRUE(id.ok()) << id.status();
  e.id = *id;
  auto found = repo::FindEnterprise(*tx_, e.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  ExpectSameEnterprise(**found, e);

  // The bulk insert of the import stores the same row, facts and tiers.
  Enterprise bulk = e;
  bulk.id = EnterpriseId{};
  bulk.uscc = U("MA6CX002");
  ASSERT_TRUE(repo::InsertEnterprises(*tx_, {&bulk}, 1).ok());
  ASSERT_TRUE(bulk.id.valid());
  EXPECT_NE(bulk.id, e.id);
  auto bulk_row = repo::FindEnterprise(*tx_, bulk.id);
  ASSERT_TRUE(bulk_row.ok() && bulk_row->has_value());
  ExpectSameEnterprise(**bulk_row, bulk);

  e.uscc = U("MA6CX003");
  e.name = "甲企业二";
  e.name_en = "A Co 2";
  e.district = "成华区";
  e.park_id = std::nullopt;
  e.above_size = false;
  e.green_factory = false;
  e.revenue = {{2025, base::Money::FromFen(500)}};
  e.rd_spend = {};
  e.digital_level = {{2025, 4}};
  e.tiers = {{.tier = GradientTier::kLittleGiant, .from = D("2024-06-01"), .to = std::nullopt}};
  e.provenance = {.source = "e2", .source_date = std::nullopt};
  e.validity = {.valid_from = D("2011-01-01"), .valid_to = D("2026-01-01")};
  ASSERT_TRUE(repo::UpdateEnterprise(*tx_, e, 2).ok());
  found = repo::FindEnterprise(*tx_, e.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  ExpectSameEnterprise(**found, e);
  // The bulk-inserted one is untouched.
  bulk_row = repo::FindEnterprise(*tx_, bulk.id);
  ASSERT_TRUE(bulk_row.ok() && bulk_row->has_value());
  ExpectSameEnterprise(**bulk_row, bulk);
}

TEST_P(RepoTest, SingleAndBulkLinkInsertsStoreTheSameColumns) {
  MakeTaxonomy();
  Enterprise e;
  e.uscc = U("MA6CX011");
  e.name = "乙企业";
  auto eid = repo::InsertEnterprise(*tx_, e, 1);
  ASSERT_TRUE(eid.ok()) << eid.status();
  Link l;
  l.enterprise_id = *eid;
  l.node_id = nodes_[0];
  l.role = LinkRole::kChainMaster;
  l.products = {"芯片", "模组"};
  l.capacity = 1234.5;
  l.revenue = base::Money::FromFen(987654);
  l.locality = Locality::kExternal;
  l.provenance = {.source = "import:links.csv", .source_date = D("2025-01-31")};
  l.validity = {.valid_from = D("2024-07-01"), .valid_to = D("2027-06-30")};
  auto single = repo::InsertLink(*tx_, l, 5);
  ASSERT_TRUE(single.ok()) << single.status();
  Link bulk = l;
  bulk.node_id = nodes_[1];
  std::vector<int64_t> ids;
  ASSERT_TRUE(repo::InsertLinks(*tx_, {&bulk}, 5, &ids).ok());
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_NE(ids[0], single->value);
  auto stored = repo::ListLinksOfEnterprise(*tx_, *eid);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].id, *single);
  EXPECT_EQ((*stored)[1].id.value, ids[0]);
  ExpectSameLink((*stored)[0], l);
  ExpectSameLink((*stored)[1], bulk);
}

// A link to a node or an enterprise that does not exist is refused with kInvalidArgument and the
// transaction writes nothing, whether or not the ids are read back: SQLite by its foreign keys at
// the commit (deferred, chain migration 8), PostgreSQL by the writer's own check before the COPY
// (no foreign keys there since chain migration 9), which names the field and the missing id.
TEST_P(RepoTest, BulkLinkInsertOfAnUnknownNodeOrEnterpriseIsRefusedAndWritesNothing) {
  MakeTaxonomy();
  Enterprise e;
  e.uscc = U("MA6CX021");
  e.name = "丙企业";
  auto eid = repo::InsertEnterprise(*tx_, e, 1);
  ASSERT_TRUE(eid.ok()) << eid.status();
  ASSERT_TRUE(tx_->Commit().ok());
  tx_.reset();

  Link good;
  good.enterprise_id = *eid;
  good.node_id = nodes_[0];
  Link bad_node = good;
  bad_node.node_id = NodeId{nodes_[1].value + 1000};
  Link bad_firm = good;
  bad_firm.node_id = nodes_[1];
  bad_firm.enterprise_id = EnterpriseId{eid->value + 1000};
  for (const Link* bad : {&bad_node, &bad_firm}) {
    for (bool read_ids : {false, true}) {
      SCOPED_TRACE(std::string(bad == &bad_node ? "unknown node" : "unknown enterprise") +
                   (read_ids ? ", ids read back" : ""));
      auto tx = test_db_.db().Begin(store::TxKind::kWrite);
      ASSERT_TRUE(tx.ok()) << tx.status();
      std::vector<int64_t> ids;
      base::Status s = repo::InsertLinks(**tx, {&good, bad}, 5, read_ids ? &ids : nullptr);
      if (GetParam() == store::TestBackend::kSqlite) {
        // SQLite checks the links' keys at the commit (deferred, chain migration 8).
        ASSERT_TRUE(s.ok()) << s;
        s = (*tx)->Commit();
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << s;
      } else {
        ASSERT_FALSE(s.ok());
        EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << s;
        EXPECT_EQ(s.reason(), "link.unknown_target") << s;
        const int64_t missing =
            bad == &bad_node ? bad_node.node_id.value : bad_firm.enterprise_id.value;
        EXPECT_EQ(s.field(), bad == &bad_node ? "node_id" : "enterprise_id") << s;
        EXPECT_NE(s.message_en().find(std::to_string(missing)), std::string::npos) << s;
        EXPECT_NE(s.message_zh().find("不存在"), std::string::npos) << s;
        // Refused before anything was written: even a commit leaves no link.
        ASSERT_TRUE((*tx)->Commit().ok());
      }
    }
  }
  auto tx = test_db_.db().Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok()) << tx.status();
  auto links = repo::Count(**tx, "chain_links");
  ASSERT_TRUE(links.ok()) << links.status();
  EXPECT_EQ(*links, 0);
}

// An import's new firms: each gets its own id, in order, their rows, facts and links are stored,
// and the read models count each firm once per chain (PostgreSQL copies these rows).
TEST_P(RepoTest, BulkImportOfNewFirmsStoresThemAndCountsEachOncePerChain) {
  MakeTaxonomy();
  std::vector<Enterprise> firms(3);
  std::vector<Enterprise*> ptrs;
  for (size_t i = 0; i < firms.size(); ++i) {
    firms[i].uscc = U(("MA6CX03" + std::to_string(i)).c_str());
    firms[i].name = "新企业" + std::to_string(i);
    firms[i].district = i == 0 ? "武侯区" : "高新区";
    firms[i].above_size = i != 1;
    firms[i].revenue = {{2024, base::Money::FromFen(100 + static_cast<int64_t>(i))}};
    firms[i].validity = {.valid_from = D("2020-01-01"),
                         .valid_to = i == 2 ? std::optional(D("2030-01-01")) : std::nullopt};
    ptrs.push_back(&firms[i]);
  }
  ASSERT_TRUE(repo::InsertEnterprises(*tx_, ptrs, 1).ok());
  for (size_t i = 0; i < firms.size(); ++i) {
    ASSERT_TRUE(firms[i].id.valid());
    if (i > 0) {
      EXPECT_GT(firms[i].id.value, firms[i - 1].id.value);
    }
    auto row = repo::FindEnterprise(*tx_, firms[i].id);
    ASSERT_TRUE(row.ok() && row->has_value());
    ExpectSameEnterprise(**row, firms[i]);
  }
  // Two links per firm, at both nodes of the one chain: one chain_chain_firms row per firm.
  std::vector<Link> links;
  for (const Enterprise& f : firms) {
    for (NodeId n : nodes_) {
      Link l;
      l.enterprise_id = f.id;
      l.node_id = n;
      l.capacity = 2;
      links.push_back(l);
    }
  }
  repo::ReadModelWriter models(*tx_, 1);
  std::vector<const Link*> link_ptrs;
  for (size_t i = 0; i < links.size(); ++i) {
    ASSERT_TRUE(models.Added(links[i], chain_, firms[i / 2], /*new_firm=*/true).ok());
    link_ptrs.push_back(&links[i]);
  }
  ASSERT_TRUE(repo::InsertLinks(*tx_, link_ptrs, 1, nullptr).ok());
  ASSERT_TRUE(models.Flush().ok());
  auto count = repo::Count(*tx_, "chain_links");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 6);
  auto members = repo::Count(*tx_, "chain_chain_firms");
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, 3);
  auto chain_count = repo::FindChainCount(*tx_, chain_);
  ASSERT_TRUE(chain_count.ok() && chain_count->has_value()) << chain_count.status();
  EXPECT_EQ((*chain_count)->open_firms, 2);  // the third is end-dated
  EXPECT_EQ((*chain_count)->dated_until, D("2030-01-01"));
  auto on = repo::CountChainFirmsOn(*tx_, chain_, D("2025-06-01"));
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_EQ(*on, 3);
  auto agg = repo::FindNodeAggregate(*tx_, nodes_[0]);
  ASSERT_TRUE(agg.ok() && agg->has_value());
  EXPECT_EQ((*agg)->local_firms, 2);  // the open firms: the end-dated one is not summed
  EXPECT_DOUBLE_EQ((*agg)->cap_sum, 4);
}

TEST_P(RepoTest, SavingANodeAggregateTwiceKeepsTheSecond) {
  MakeTaxonomy();
  NodeAggregate a;
  a.local_firms = 3;
  a.external_firms = 1;
  a.cap_sum = 10;
  a.cap_sq = 40;
  a.rev_sum = 7;
  a.rev_sq = 25;
  a.top_cap_id = EnterpriseId{11};
  a.top_cap = 6;
  a.top_rev_id = EnterpriseId{12};
  a.top_rev = 4;
  a.min_firm = EnterpriseId{9};
  a.open_from = D("2024-01-01");
  a.dated_until = D("2025-01-01");
  ASSERT_TRUE(repo::SaveNodeAggregate(*tx_, nodes_[0], a, 1).ok());
  NodeAggregate b;
  b.local_firms = 5;
  b.external_firms = 2;
  b.cap_sum = 11;
  b.cap_sq = 41;
  b.rev_sum = 8;
  b.rev_sq = 26;
  b.top_cap_id = EnterpriseId{21};
  b.top_cap = 7;
  b.top_rev_id = EnterpriseId{22};
  b.top_rev = 5;
  b.min_firm = EnterpriseId{19};
  b.open_from = D("2024-02-02");
  b.dated_until = std::nullopt;
  ASSERT_TRUE(repo::SaveNodeAggregate(*tx_, nodes_[0], b, 2).ok());
  ASSERT_TRUE(repo::SaveNodeAggregate(*tx_, nodes_[1], a, 2).ok());
  auto got = repo::FindNodeAggregate(*tx_, nodes_[0]);
  ASSERT_TRUE(got.ok() && got->has_value());
  const NodeAggregate& g = **got;
  EXPECT_EQ(g.local_firms, 5);
  EXPECT_EQ(g.external_firms, 2);
  EXPECT_DOUBLE_EQ(g.cap_sum, 11);
  EXPECT_DOUBLE_EQ(g.cap_sq, 41);
  EXPECT_DOUBLE_EQ(g.rev_sum, 8);
  EXPECT_DOUBLE_EQ(g.rev_sq, 26);
  EXPECT_EQ(g.top_cap_id, EnterpriseId{21});
  EXPECT_DOUBLE_EQ(g.top_cap, 7);
  EXPECT_EQ(g.top_rev_id, EnterpriseId{22});
  EXPECT_DOUBLE_EQ(g.top_rev, 5);
  EXPECT_EQ(g.min_firm, EnterpriseId{19});
  EXPECT_EQ(g.open_from, D("2024-02-02"));
  EXPECT_EQ(g.dated_until, std::nullopt);
  auto other = repo::FindNodeAggregate(*tx_, nodes_[1]);
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_EQ((*other)->local_firms, 3);
  EXPECT_EQ((*other)->dated_until, D("2025-01-01"));
}

TEST_P(RepoTest, BuildingInsertWritesEveryColumn) {
  Park pk;
  pk.name = "园区乙";
  auto park = repo::InsertPark(*tx_, pk, 1);
  ASSERT_TRUE(park.ok()) << park.status();
  Building b;
  b.park_id = *park;
  b.name = "一号楼";
  b.floors = 12;
  b.floor_area_m2 = 3456.5;
  b.provenance = {.source = "b", .source_date = D("2024-08-08")};
  b.validity = {.valid_from = D("2019-01-01"), .valid_to = D("2049-01-01")};
  auto id = repo::InsertBuilding(*tx_, b, 1);
  ASSERT_TRUE(id.ok()) << id.status();
  auto found = repo::FindBuilding(*tx_, *id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->park_id, *park);
  EXPECT_EQ((*found)->name, "一号楼");
  EXPECT_EQ((*found)->floors, 12);
  EXPECT_DOUBLE_EQ((*found)->floor_area_m2, 3456.5);
  ExpectSameProvenance((*found)->provenance, (*found)->validity, b.provenance, b.validity);
}

INSTANTIATE_TEST_SUITE_P(Backends, RepoTest,
                         ::testing::Values(store::TestBackend::kSqlite,
                                           store::TestBackend::kPostgres),
                         [](const auto& info) { return std::string(TestBackendName(info.param)); });

}  // namespace
}  // namespace kechan::chain
