// store::TestDatabase, the shared set-up of the modules' service tests: Sqlite/* always runs;
// Postgres/* needs KECHAN_TEST_PG (scripts/pg-test-env) and skips without it unless
// KECHAN_REQUIRE_PG=1.
#include "store/test_schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kechan::store {
namespace {

using Backend = TestBackend;

std::vector<Migration> ItemMigrations() {
  Migration m;
  m.module = "ttest";
  m.version = 1;
  m.name = "items";
  m.sql = "CREATE TABLE ttest_items (\n  id {{id}},\n  name TEXT NOT NULL\n);\n";
  return {m};
}

std::vector<Migration> NoteMigrations() {
  Migration m;
  m.module = "ttest_notes";
  m.version = 1;
  m.name = "notes";
  m.sql = "CREATE TABLE ttest_notes (\n  id {{id}},\n  item_id BIGINT NOT NULL\n);\n";
  return {m};
}

int64_t Count(Database& db, const std::string& sql) {
  auto tx = db.Begin(TxKind::kRead);
  EXPECT_TRUE(tx.ok()) << tx.status();
  if (!tx.ok()) {
    return -1;
  }
  auto rows = (*tx)->Query(sql);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? rows->rows.at(0).Int(0) : -1;
}

// Sets an environment variable for one scope and restores it afterwards.
class EnvOverride {
 public:
  EnvOverride(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      old_ = old;
    }
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~EnvOverride() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  EnvOverride(const EnvOverride&) = delete;
  EnvOverride& operator=(const EnvOverride&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class TestDatabaseTest : public ::testing::TestWithParam<Backend> {};

TEST_P(TestDatabaseTest, AppliesStoreThenModuleMigrationsAndStartsTheClock) {
  auto t = TestDatabase::Create(GetParam(), "kechan_testdb_test",
                                {ItemMigrations(), NoteMigrations()}, 1'800'000'000'000'000);
  ASSERT_TRUE(t.ok()) << t.status();
  if (t->skipped()) {
    GTEST_SKIP() << t->skip_reason();
  }
  EXPECT_EQ(t->clock().NowMicros(), 1'800'000'000'000'000);
  t->clock().Advance(5);
  EXPECT_EQ(t->clock().NowMicros(), 1'800'000'000'000'005);
  // The store's own tables exist and both modules' migrations are recorded, in order.
  const int64_t store_steps = static_cast<int64_t>(StoreMigrations().size());
  EXPECT_EQ(Count(t->db(), "SELECT COUNT(*) FROM schema_migrations"), store_steps + 2);
  EXPECT_EQ(Count(t->db(), "SELECT COUNT(*) FROM events WHERE kind = 'schema.migrated'"),
            store_steps + 2);
  ASSERT_TRUE(WithWriteTx(t->db(), [](Tx& tx) {
                return tx.Exec("INSERT INTO ttest_items (name) VALUES ('a')").status();
              }).ok());
  EXPECT_EQ(Count(t->db(), "SELECT COUNT(*) FROM ttest_items"), 1);
  EXPECT_EQ(Count(t->db(), "SELECT COUNT(*) FROM ttest_notes"), 0);
  EXPECT_TRUE(t->Close().ok());
}

TEST_P(TestDatabaseTest, DatabaseAndClockKeepTheirAddressesWhenMoved) {
  auto t = TestDatabase::Create(GetParam(), "kechan_testdb_test", {ItemMigrations()});
  ASSERT_TRUE(t.ok()) << t.status();
  if (t->skipped()) {
    GTEST_SKIP() << t->skip_reason();
  }
  Database* db = &t->db();
  base::FakeClock* clock = &t->clock();
  TestDatabase moved = std::move(*t);
  EXPECT_EQ(&moved.db(), db);
  EXPECT_EQ(&moved.clock(), clock);
  TestDatabase assigned;
  assigned = std::move(moved);
  EXPECT_EQ(&assigned.db(), db);
  EXPECT_EQ(Count(assigned.db(), "SELECT COUNT(*) FROM ttest_items"), 0);
  EXPECT_TRUE(assigned.Close().ok());
  EXPECT_TRUE(assigned.Close().ok());  // twice: a no-op
}

TEST_P(TestDatabaseTest, CloseDropsThePostgresSchema) {
  auto t = TestDatabase::Create(GetParam(), "kechan_testdb_test", {ItemMigrations()});
  ASSERT_TRUE(t.ok()) << t.status();
  if (t->skipped()) {
    GTEST_SKIP() << t->skip_reason();
  }
  const std::string url = t->url();
  ASSERT_TRUE(t->Close().ok());
  if (GetParam() == Backend::kSqlite) {
    return;  // in memory: nothing outlives the connection
  }
  // The schema is gone: a new connection with the same search_path sees no table.
  auto db = Open({.url = url});
  ASSERT_TRUE(db.ok()) << db.status();
  auto tx = (*db)->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_FALSE((*tx)->Query("SELECT COUNT(*) FROM ttest_items").ok());
}

TEST_P(TestDatabaseTest, ReportsAFailingMigration) {
  Migration bad;
  bad.module = "ttest_bad";
  bad.version = 1;
  bad.name = "broken";
  bad.sql = "CREATE TABLE (\n";
  auto t = TestDatabase::Create(GetParam(), "kechan_testdb_test", {ItemMigrations(), {bad}});
  if (t.ok() && t->skipped()) {
    GTEST_SKIP() << t->skip_reason();
  }
  EXPECT_FALSE(t.ok());
}

TEST(TestDatabaseSkipTest, PostgresWithoutServerIsSkippedNotOpened) {
  EnvOverride pg("KECHAN_TEST_PG", nullptr);
  EnvOverride require("KECHAN_REQUIRE_PG", nullptr);
  auto t = TestDatabase::Create(Backend::kPostgres, "kechan_testdb_test", {ItemMigrations()});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->skipped());
  EXPECT_EQ(t->skip_reason(), "KECHAN_TEST_PG is not set");
  EXPECT_TRUE(t->Close().ok());
}

TEST(TestDatabaseSkipTest, PostgresRequiredWithoutServerFails) {
  EnvOverride pg("KECHAN_TEST_PG", nullptr);
  EnvOverride require("KECHAN_REQUIRE_PG", "1");
  auto t = TestDatabase::Create(Backend::kPostgres, "kechan_testdb_test", {ItemMigrations()});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().field(), "KECHAN_TEST_PG");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, TestDatabaseTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, TestDatabaseTest, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace kechan::store
