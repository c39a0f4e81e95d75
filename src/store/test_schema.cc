#include "store/test_schema.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace kechan::store {

std::string_view TestBackendName(TestBackend b) {
  return b == TestBackend::kSqlite ? "sqlite" : "postgres";
}

TestSchema& TestSchema::operator=(TestSchema&& other) noexcept {
  if (this != &other) {
    (void)Drop();
    admin_ = std::move(other.admin_);
    schema_ = std::move(other.schema_);
    url_ = std::move(other.url_);
    skip_reason_ = std::move(other.skip_reason_);
  }
  return *this;
}

TestSchema::~TestSchema() { (void)Drop(); }

base::Result<TestSchema> TestSchema::Create(TestBackend backend, std::string_view prefix) {
  TestSchema out;
  if (backend == TestBackend::kSqlite) {
    out.url_ = "sqlite::memory:";
    return out;
  }
  const char* pg = std::getenv("KECHAN_TEST_PG");
  if (pg == nullptr || *pg == '\0') {
    const char* require = std::getenv("KECHAN_REQUIRE_PG");
    if (require != nullptr && std::string_view(require) == "1") {
      return base::Status(base::Code::kFailedPrecondition, "test.pg_required",
                          "KECHAN_REQUIRE_PG=1 but KECHAN_TEST_PG is not set",
                          "要求 PostgreSQL（KECHAN_REQUIRE_PG=1）但未设置 KECHAN_TEST_PG",
                          "KECHAN_TEST_PG");
    }
    out.skip_reason_ = "KECHAN_TEST_PG is not set";
    return out;
  }
  KECHAN_ASSIGN_OR_RETURN(out.admin_, Open({.url = pg}));
  static std::atomic<int> counter{0};
  out.schema_ =
      std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  KECHAN_RETURN_IF_ERROR(WithWriteTx(
      *out.admin_, [&](Tx& tx) { return tx.Exec("CREATE SCHEMA " + out.schema_).status(); }));
  std::string url(pg);
  out.url_ = url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
             out.schema_;
  return out;
}

base::Status TestSchema::Drop() {
  if (!admin_ || schema_.empty()) {
    return base::Status::Ok();
  }
  std::string schema = std::move(schema_);
  schema_.clear();
  return WithWriteTx(
      *admin_, [&](Tx& tx) { return tx.Exec("DROP SCHEMA " + schema + " CASCADE").status(); });
}

TestDatabase& TestDatabase::operator=(TestDatabase&& other) noexcept {
  if (this != &other) {
    (void)Close();
    schema_ = std::move(other.schema_);
    db_ = std::move(other.db_);
    clock_ = std::move(other.clock_);
  }
  return *this;
}

TestDatabase::~TestDatabase() { (void)Close(); }

base::Result<TestDatabase> TestDatabase::Create(
    TestBackend backend, std::string_view prefix,
    std::initializer_list<std::vector<Migration>> modules, base::Micros clock_start) {
  TestDatabase out;
  out.clock_->Set(clock_start);
  KECHAN_ASSIGN_OR_RETURN(out.schema_, TestSchema::Create(backend, prefix));
  if (out.skipped()) {
    return out;
  }
  KECHAN_ASSIGN_OR_RETURN(out.db_, Open({.url = out.schema_.url()}));
  std::vector<Migration> all = StoreMigrations();
  for (const auto& part : modules) {
    all.insert(all.end(), part.begin(), part.end());
  }
  KECHAN_RETURN_IF_ERROR(Migrate(*out.db_, all).status());
  return out;
}

base::Status TestDatabase::Close() {
  db_.reset();  // PostgreSQL: the schema cannot be dropped while this connection uses it
  return schema_.Drop();
}

}  // namespace kechan::store
