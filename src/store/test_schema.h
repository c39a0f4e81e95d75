// Throwaway databases for tests: SQLite in memory, or a fresh schema on the PostgreSQL server
// that KECHAN_TEST_PG names (scripts/pg-test-env). Used by the module test suites that run on
// both backends.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/database.h"

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

}  // namespace kechan::store
