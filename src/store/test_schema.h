// Throwaway databases for tests: SQLite in memory, or a fresh schema on the PostgreSQL server
// that KECHAN_TEST_PG names (scripts/pg-test-env). Used by the module test suites that run on
// both backends; TestDatabase is their whole set-up (schema, connection, migrations, fake clock).
#pragma once

#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"
#include "store/migrations.h"

namespace kechan::store {

enum class TestBackend { kSqlite, kPostgres };

// "sqlite" / "postgres"; also names the parameter in test listings.
std::string_view TestBackendName(TestBackend b);
inline void PrintTo(TestBackend b, std::ostream* os) { *os << TestBackendName(b); }

// One test's database location. For PostgreSQL it creates a schema named `prefix` + pid + a
// counter and drops it (CASCADE) in Drop() or the destructor — release every connection to it
// first. Movable, not copyable; not thread-safe.
class TestSchema {
 public:
  TestSchema() = default;
  TestSchema(TestSchema&&) noexcept = default;
  TestSchema& operator=(TestSchema&& other) noexcept;
  TestSchema(const TestSchema&) = delete;
  TestSchema& operator=(const TestSchema&) = delete;
  ~TestSchema();

  // SQLite: url "sqlite::memory:". PostgreSQL: when KECHAN_TEST_PG is unset, a schema with a
  // non-empty skip_reason() — or an error when KECHAN_REQUIRE_PG=1; otherwise the server's URL
  // with search_path set to the new schema. Errors: the server's, when it cannot be reached.
  static base::Result<TestSchema> Create(TestBackend backend, std::string_view prefix);

  const std::string& url() const { return url_; }
  // Non-empty: the test should be skipped with this reason.
  const std::string& skip_reason() const { return skip_reason_; }
  // Drops the PostgreSQL schema (no-op for SQLite or when already dropped).
  base::Status Drop();

 private:
  std::unique_ptr<Database> admin_;
  std::string schema_;
  std::string url_;
  std::string skip_reason_;
};

// The set-up a module's service tests share: a TestSchema, one open connection to it, the store's
// migrations followed by the modules' given, and a FakeClock. db() and clock() keep their
// addresses when the object is moved, so services built on them stay valid. Movable, not
// copyable; not thread-safe (db() itself is, as every Database).
//
//   auto t = store::TestDatabase::Create(GetParam(), "kechan_x_test",
//                                        {auth::Migrations(), x::Migrations()}, start);
//   ASSERT_TRUE(t.ok()) << t.status();
//   if (t->skipped()) GTEST_SKIP() << t->skip_reason();
//   test_db_ = std::move(*t);
//   ...
//   void TearDown() override { service_.reset(); EXPECT_TRUE(test_db_.Close().ok()); }
class TestDatabase {
 public:
  TestDatabase() = default;
  TestDatabase(TestDatabase&&) noexcept = default;
  TestDatabase& operator=(TestDatabase&& other) noexcept;
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  // Closes the connection, then drops the schema (errors ignored; call Close() to see them).
  ~TestDatabase();

  // Creates the schema (`prefix` as in TestSchema::Create), opens it, applies StoreMigrations()
  // and then each list of `modules` in order, and starts the clock at `clock_start` (UTC micros).
  // When PostgreSQL is asked for but KECHAN_TEST_PG is unset, returns an object with skipped()
  // true and nothing opened. Errors: TestSchema::Create's, Open's, Migrate's.
  static base::Result<TestDatabase> Create(TestBackend backend, std::string_view prefix,
                                           std::initializer_list<std::vector<Migration>> modules,
                                           base::Micros clock_start = 0);

  bool skipped() const { return !schema_.skip_reason().empty(); }
  const std::string& skip_reason() const { return schema_.skip_reason(); }
  const std::string& url() const { return schema_.url(); }
  // Valid between a successful, not skipped Create and Close.
  Database& db() const { return *db_; }
  base::FakeClock& clock() const { return *clock_; }

  // Closes the connection and drops the PostgreSQL schema. Destroy everything that uses db()
  // first. No-op when already closed.
  base::Status Close();

 private:
  TestSchema schema_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<base::FakeClock> clock_ = std::make_unique<base::FakeClock>();
};

}  // namespace kechan::store
