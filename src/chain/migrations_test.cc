// Chain migrations 8 (SQLite: chain_links rebuilt with DEFERRABLE INITIALLY DEFERRED foreign keys,
// PostgreSQL: nothing) and 9 (PostgreSQL: chain_links' keys dropped, enterprises and nodes kept by
// triggers, the writer checks what links refer to; SQLite: nothing) on a database that holds links
// at version 7, and what a dangling link id does afterwards: on SQLite the INSERT passes and COMMIT
// fails with a constraint Status, nothing stays and the writer is usable again; on PostgreSQL the
// INSERT fails as before.
#include "chain/migrations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "chain/repo.h"
#include "store/migrations.h"
#include "store/test_schema.h"

namespace kechan::chain {
namespace {

using store::Value;

std::string U(const char* body) { return auth::MakeUscc('9', '1', "510100", body).value(); }

// The chain migrations up to `version`.
std::vector<store::Migration> ChainUpTo(int version) {
  std::vector<store::Migration> out;
  for (store::Migration& m : Migrations()) {
    if (m.version <= version) {
      out.push_back(std::move(m));
    }
  }
  return out;
}

std::vector<store::Migration> AllOf() {
  std::vector<store::Migration> out = auth::Migrations();
  for (store::Migration& m : Migrations()) {
    out.push_back(std::move(m));
  }
  return out;
}

// `sql` with every run of blanks as one space (sqlite_master keeps a CREATE as written).
std::string Squeezed(const std::string& sql) {
  std::string out;
  for (char c : sql) {
    const bool blank = c == ' ' || c == '\n' || c == '\t';
    if (blank) {
      if (!out.empty() && out.back() != ' ') {
        out += ' ';
      }
    } else {
      out += c;
    }
  }
  return out;
}

// Every row of `sql` as one line of text (NULL as "<null>"), in the query's order.
std::vector<std::string> Lines(store::Tx& tx, const std::string& sql) {
  auto rows = tx.Query(sql);
  EXPECT_TRUE(rows.ok()) << rows.status();
  std::vector<std::string> out;
  if (!rows.ok()) {
    return out;
  }
  for (const auto& r : rows->rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += (i ? "|" : "") + (r.IsNull(i) ? std::string("<null>") : r.Text(i));
    }
    out.push_back(line);
  }
  return out;
}

int64_t Count(store::Database& db, const std::string& sql) {
  auto tx = db.Begin(store::TxKind::kRead);
  EXPECT_TRUE(tx.ok()) << tx.status();
  auto rows = (*tx)->Query(sql);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? rows->rows.at(0).Int(0) : -1;
}

// A cluster, a chain, two nodes and three enterprises; returns the node and enterprise ids.
struct Taxonomy {
  std::vector<NodeId> nodes;
  std::vector<EnterpriseId> firms;
};

Taxonomy MakeTaxonomy(store::Tx& tx) {
  Taxonomy t;
  Cluster cl;
  cl.code = "M-CL";
  cl.name = "集群";
  auto cid = repo::InsertCluster(tx, cl, 1);
  EXPECT_TRUE(cid.ok()) << cid.status();
  Chain ch;
  ch.cluster_id = cid.ok() ? *cid : ClusterId{};
  ch.code = "M-CH";
  ch.name = "链";
  auto chid = repo::InsertChain(tx, ch, 1);
  EXPECT_TRUE(chid.ok()) << chid.status();
  for (const char* code : {"N1", "N2"}) {
    Node n;
    n.chain_id = chid.ok() ? *chid : ChainId{};
    n.code = code;
    n.name = code;
    auto id = repo::InsertNode(tx, n, 1);
    EXPECT_TRUE(id.ok()) << id.status();
    t.nodes.push_back(id.ok() ? *id : NodeId{});
  }
  for (const char* body : {"MA8DF001", "MA8DF002", "MA8DF003"}) {
    Enterprise e;
    e.uscc = U(body);
    e.name = std::string("企业") + body;
    e.district = "高新区";
    auto id = repo::InsertEnterprise(tx, e, 1);
    EXPECT_TRUE(id.ok()) << id.status();
    t.firms.push_back(id.ok() ? *id : EnterpriseId{});
  }
  return t;
}

Link MakeLink(EnterpriseId firm, NodeId node, LinkRole role) {
  Link l;
  l.enterprise_id = firm;
  l.node_id = node;
  l.role = role;
  l.products = {"射频芯片", "模组"};
  l.capacity = 12.5;
  l.revenue = base::Money::FromFen(123456);
  l.locality = Locality::kLocal;
  l.provenance = {.source = "test", .source_date = base::Date::Parse("2025-03-01").value()};
  return l;
}

constexpr char kLinkIndexes[] =
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'chain_links' "
    "ORDER BY name";

TEST(ChainMigrationTest, LinksRebuiltWithDeferredKeysKeepRowsIndexesAndCounter) {
  auto t = store::TestDatabase::Create(store::TestBackend::kSqlite, "kechan_chain_migrations_test",
                                       {auth::Migrations(), ChainUpTo(7)});
  ASSERT_TRUE(t.ok()) << t.status();
  store::Database& db = t->db();
  Taxonomy tax;
  std::vector<std::string> links_before;
  std::vector<std::string> indexes_before;
  std::vector<std::string> columns_before;
  {
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    tax = MakeTaxonomy(**tx);
    Link master = MakeLink(tax.firms[0], tax.nodes[0], LinkRole::kChainMaster);
    Link ended = MakeLink(tax.firms[1], tax.nodes[0], LinkRole::kSupplier);
    ended.locality = Locality::kExternal;
    ended.validity = {.valid_from = base::Date::Parse("2020-01-01").value(),
                      .valid_to = base::Date::Parse("2024-12-31").value()};
    Link user = MakeLink(tax.firms[2], tax.nodes[1], LinkRole::kUser);
    user.provenance.source_date = std::nullopt;
    Link last = MakeLink(tax.firms[2], tax.nodes[0], LinkRole::kService);
    for (const Link* l : {&master, &ended, &user, &last}) {
      auto id = repo::InsertLink(**tx, *l, 5);
      ASSERT_TRUE(id.ok()) << id.status();
    }
    // The newest link deleted: the AUTOINCREMENT counter is above the largest id left.
    ASSERT_TRUE(
        (*tx)->Exec("DELETE FROM chain_links WHERE id = (SELECT MAX(id) FROM chain_links)").ok());
    links_before = Lines(**tx, "SELECT * FROM chain_links ORDER BY id");
    indexes_before = Lines(**tx, kLinkIndexes);
    columns_before = Lines(**tx, "SELECT * FROM pragma_table_info('chain_links') ORDER BY cid");
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  ASSERT_EQ(links_before.size(), 3u);
  ASSERT_EQ(indexes_before.size(), 3u);  // key, masters, node_role

  auto report = store::Migrate(db, AllOf());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->applied, 2);  // 8, and 9 (nothing to do on SQLite)

  {
    auto tx = db.Begin(store::TxKind::kRead);
    ASSERT_TRUE(tx.ok()) << tx.status();
    EXPECT_EQ(Lines(**tx, "SELECT * FROM chain_links ORDER BY id"), links_before);
    EXPECT_EQ(Lines(**tx, "SELECT * FROM pragma_table_info('chain_links') ORDER BY cid"),
              columns_before);
    std::vector<std::string> indexes = Lines(**tx, kLinkIndexes);
    ASSERT_EQ(indexes.size(), indexes_before.size());
    for (size_t i = 0; i < indexes.size(); ++i) {
      EXPECT_EQ(Squeezed(indexes[i]), Squeezed(indexes_before[i]));
    }
    EXPECT_EQ(Lines(**tx, "SELECT seq FROM sqlite_sequence WHERE name = 'chain_links'"),
              std::vector<std::string>{"4"});
    EXPECT_TRUE(Lines(**tx, "SELECT name FROM sqlite_master WHERE name LIKE '%_v8'").empty());
    std::vector<std::string> table =
        Lines(**tx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'chain_links'");
    ASSERT_EQ(table.size(), 1u);
    size_t deferred = 0;
    for (size_t p = table[0].find("DEFERRABLE INITIALLY DEFERRED"); p != std::string::npos;
         p = table[0].find("DEFERRABLE INITIALLY DEFERRED", p + 1)) {
      ++deferred;
    }
    EXPECT_EQ(deferred, 2u);  // enterprise_id and node_id
    EXPECT_EQ(
        Lines(**tx, "SELECT \"table\" FROM pragma_foreign_key_list('chain_links') ORDER BY 1"),
        (std::vector<std::string>{"chain_enterprises", "chain_nodes"}));
    EXPECT_TRUE(Lines(**tx, "PRAGMA foreign_key_check").empty());
    EXPECT_EQ(Lines(**tx, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  }

  // A new link continues after the deleted one's id.
  {
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    auto id = repo::InsertLink(**tx, MakeLink(tax.firms[1], tax.nodes[1], LinkRole::kSupplier), 6);
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(id->value, 5);
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  // The keys still hold, at COMMIT: a link to a missing node goes in, the commit fails, nothing
  // of the transaction stays and the writer works again.
  {
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    auto ok = repo::InsertLink(**tx, MakeLink(tax.firms[0], tax.nodes[1], LinkRole::kUser), 7);
    ASSERT_TRUE(ok.ok()) << ok.status();
    auto dangling =
        repo::InsertLink(**tx, MakeLink(tax.firms[0], NodeId{999999}, LinkRole::kSupplier), 7);
    ASSERT_TRUE(dangling.ok()) << dangling.status();  // deferred: no error yet
    base::Status committed = (*tx)->Commit();
    EXPECT_FALSE(committed.ok());
    EXPECT_EQ(committed.code(), base::Code::kInvalidArgument) << committed;
    EXPECT_EQ(committed.reason(), "store.constraint_violation") << committed;
    EXPECT_NE(committed.message_en().find("FOREIGN KEY"), std::string::npos) << committed;
  }
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM chain_links"), 4);
  {
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    auto id = repo::InsertLink(**tx, MakeLink(tax.firms[0], tax.nodes[1], LinkRole::kUser), 8);
    ASSERT_TRUE(id.ok()) << id.status();
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM chain_links"), 5);
  EXPECT_TRUE(t->Close().ok());
}

// A database with every migration, and the taxonomy of MakeTaxonomy committed.
class ChainMigrationBackendTest : public ::testing::TestWithParam<store::TestBackend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(GetParam(), "kechan_chain_migrations_test",
                                         {auth::Migrations(), Migrations()});
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    t_.emplace(std::move(*t));
    auto tx = t_->db().Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    tax_ = MakeTaxonomy(**tx);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  void TearDown() override {
    if (t_) {
      EXPECT_TRUE(t_->Close().ok());
    }
  }

  std::optional<store::TestDatabase> t_;
  Taxonomy tax_;
};

// The import's bulk insert with a link to a missing enterprise: SQLite's deferred keys report it at
// COMMIT (a constraint Status), PostgreSQL's writer check (no keys on chain_links since migration
// 9) at the insert, naming the field; either way none of the batch's links stay.
TEST_P(ChainMigrationBackendTest, DanglingBulkLinkFailsAndNothingStays) {
  store::Database& db = t_->db();
  const Taxonomy& tax = tax_;
  const bool sqlite = GetParam() == store::TestBackend::kSqlite;
  if (!sqlite) {
    // PostgreSQL: no keys on chain_links (migration 9).
    EXPECT_EQ(Count(db,
                    "SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'chain_links'::regclass "
                    "AND contype = 'f'"),
              0);
  }
  EXPECT_EQ(Count(db,
                  "SELECT COUNT(*) FROM schema_migrations WHERE module = 'chain' AND "
                  "version IN (8, 9)"),
            2);
  {
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    // Every (enterprise, node, role) once: 3 firms x 2 nodes x 4 roles, then the dangling one.
    std::vector<Link> links;
    links.reserve(25);
    for (size_t i = 0; i < 24; ++i) {
      links.push_back(
          MakeLink(tax.firms[i % 3], tax.nodes[i / 3 % 2], static_cast<LinkRole>(i / 6)));
    }
    links.push_back(MakeLink(EnterpriseId{999999}, tax.nodes[0], LinkRole::kSupplier));
    std::vector<const Link*> ptrs;
    ptrs.reserve(links.size());
    for (const Link& l : links) {
      ptrs.push_back(&l);
    }
    std::vector<int64_t> ids;
    base::Status inserted = repo::InsertLinks(**tx, ptrs, 9, &ids, nullptr);
    base::Status failed = inserted;
    if (sqlite) {
      EXPECT_TRUE(inserted.ok()) << inserted;  // deferred: reported at COMMIT
      failed = (*tx)->Commit();
    } else {
      EXPECT_FALSE(inserted.ok());  // the writer's check, before the COPY
    }
    EXPECT_FALSE(failed.ok());
    EXPECT_EQ(failed.code(), base::Code::kInvalidArgument) << failed;
    if (sqlite) {
      EXPECT_EQ(failed.reason(), "store.constraint_violation") << failed;
    } else {
      EXPECT_EQ(failed.reason(), "link.unknown_target") << failed;
      EXPECT_EQ(failed.field(), "enterprise_id") << failed;
      EXPECT_NE(failed.message_en().find("999999"), std::string::npos) << failed;
    }
  }
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM chain_links"), 0);
}

// What the links' keys guarded against on PostgreSQL is kept another way (migration 9): an
// enterprise or a node is never removed or renumbered — DELETE (even of an unlinked row),
// TRUNCATE and an UPDATE of id are refused, other updates pass. SQLite keeps the keys: removing a
// linked enterprise fails at the commit, as before.
TEST_P(ChainMigrationBackendTest, LinkedEnterprisesAndNodesCannotBeRemovedOrRenumbered) {
  store::Database& db = t_->db();
  const Taxonomy& tax = tax_;
  {
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    auto id = repo::InsertLink(**tx, MakeLink(tax.firms[0], tax.nodes[0], LinkRole::kSupplier), 3);
    ASSERT_TRUE(id.ok()) << id.status();
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  const std::string firm = std::to_string(tax.firms[0].value);
  const std::string node = std::to_string(tax.nodes[0].value);
  // Each statement in its own transaction; every one must fail (at the statement or the commit).
  auto refused = [&](const std::string& sql) {
    SCOPED_TRACE(sql);
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    base::Status s = (*tx)->Exec(sql).status();
    if (s.ok()) {
      s = (*tx)->Commit();
    }
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << s;
    if (GetParam() == store::TestBackend::kPostgres) {  // the trigger, not another table's key
      EXPECT_NE(s.message_en().find("never removed or renumbered"), std::string::npos) << s;
    }
  };
  refused("DELETE FROM chain_enterprises WHERE id = " + firm);
  refused("DELETE FROM chain_nodes WHERE id = " + node);
  if (GetParam() == store::TestBackend::kPostgres) {
    refused("DELETE FROM chain_enterprises WHERE id = " + std::to_string(tax.firms[2].value));
    refused("DELETE FROM chain_nodes WHERE id = " + std::to_string(tax.nodes[1].value));
    refused("TRUNCATE chain_enterprises CASCADE");
    refused("TRUNCATE chain_nodes CASCADE");
    refused("UPDATE chain_enterprises SET id = id + 1000 WHERE id = " + firm);
    refused("UPDATE chain_nodes SET id = id + 1000 WHERE id = " + node);
  }
  {
    auto tx = db.Begin(store::TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    ASSERT_TRUE(
        (*tx)
            ->Exec("UPDATE chain_enterprises SET name = 'renamed', id = id WHERE id = " + firm)
            .ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM chain_enterprises"), 3);
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM chain_nodes"), 2);
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM chain_links"), 1);
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM chain_enterprises WHERE name = 'renamed'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ChainMigrationBackendTest,
                         ::testing::Values(store::TestBackend::kSqlite,
                                           store::TestBackend::kPostgres),
                         [](const auto& info) { return std::string(TestBackendName(info.param)); });

}  // namespace
}  // namespace kechan::chain
