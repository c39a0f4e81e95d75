// The storage contract: every behaviour the rest of kechan relies on, run against each adapter.
// Sqlite/* always runs; Postgres/* needs KECHAN_TEST_PG (a libpq URL, e.g. from
// `scripts/pg-test-env start DIR`) and skips without it unless KECHAN_REQUIRE_PG=1.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "gtest/gtest.h"
#include "store/database.h"
#include "store/event_follower.h"
#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::store {
namespace {

using base::Code;

enum class Backend { kSqlite, kPostgres };

void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqlite ? "sqlite" : "postgres");
}

std::string RandomSuffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 1000000);
}

std::vector<Migration> DemoMigrations(int up_to) {
  std::vector<Migration> out;
  Migration v1;
  v1.module = "demo";
  v1.version = 1;
  v1.name = "widgets";
  v1.sql =
      "CREATE TABLE widgets (\n"
      "  id {{id}},\n"
      "  name TEXT NOT NULL UNIQUE,\n"
      "  -- a comment; with a semicolon\n"
      "  note TEXT DEFAULT 'a;b'\n"
      ");\n"
      "CREATE INDEX widgets_note ON widgets (note);\n";
  out.push_back(v1);
  if (up_to >= 2) {
    Migration v2;
    v2.module = "demo";
    v2.version = 2;
    v2.name = "widget blobs";
    v2.sql = "ALTER TABLE widgets ADD COLUMN data {{blob}};\n";
    out.push_back(v2);
  }
  return out;
}

// Events appended by the store's own migrations (one schema.migrated event each).
const int64_t kStoreEvents = static_cast<int64_t>(StoreMigrations().size());

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() / ("kechan-store-test-" + RandomSuffix());
      std::filesystem::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "sub" / "test.db").string();
    } else {
      const char* pg = std::getenv("KECHAN_TEST_PG");
      if (pg == nullptr || *pg == '\0') {
        const char* require = std::getenv("KECHAN_REQUIRE_PG");
        if (require != nullptr && std::string(require) == "1") {
          FAIL() << "KECHAN_REQUIRE_PG=1 but KECHAN_TEST_PG is not set "
                    "(start a cluster with scripts/pg-test-env start DIR)";
        }
        GTEST_SKIP() << "KECHAN_TEST_PG is not set";
      }
      auto admin = Open({.url = pg});
      ASSERT_TRUE(admin.ok()) << admin.status();
      admin_ = std::move(*admin);
      schema_ = "kechan_test_" + RandomSuffix();
      ASSERT_TRUE(WithWriteTx(*admin_, [&](Tx& tx) {
                    return tx.Exec("CREATE SCHEMA " + schema_).status();
                  }).ok());
      url_ = std::string(pg) + (std::string(pg).find('?') == std::string::npos ? "?" : "&") +
             "options=-csearch_path%3D" + schema_;
    }
    db_ = OpenDb();
    ASSERT_NE(db_, nullptr);
  }

  void TearDown() override {
    db_.reset();
    if (admin_) {
      Status s = WithWriteTx(
          *admin_, [&](Tx& tx) { return tx.Exec("DROP SCHEMA " + schema_ + " CASCADE").status(); });
      EXPECT_TRUE(s.ok()) << s;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  std::unique_ptr<Database> OpenDb() {
    OpenOptions opts;
    opts.url = url_;
    opts.busy_timeout_ms = 30000;  // generous: sanitizer builds on a busy 2-core machine
    auto db = Open(opts);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  void MigrateStore() {
    auto r = Migrate(*db_, StoreMigrations());
    ASSERT_TRUE(r.ok()) << r.status();
  }

  int64_t CountRows(const std::string& table) {
    auto tx = db_->Begin(TxKind::kRead);
    EXPECT_TRUE(tx.ok()) << tx.status();
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() && !rows->empty() ? rows->rows[0].Int(0) : -1;
  }

  std::vector<Event> AllEvents() {
    auto tx = db_->Begin(TxKind::kRead);
    EXPECT_TRUE(tx.ok()) << tx.status();
    auto events = ReadEvents(**tx, 0, 100000);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<Event>{};
  }

  // Appends `n` events, one per transaction.
  void AppendMany(int n, base::FakeClock& clock) {
    for (int i = 0; i < n; ++i) {
      Status s = WithWriteTx(*db_, [&](Tx& tx) -> Status {
        EventDraft d{"test.thing.created", "thing", std::to_string(i), "user:1",
                     "{\"i\":" + std::to_string(i) + "}"};
        auto seq = AppendEvent(tx, d, clock);
        return seq.ok() ? Status::Ok() : seq.status();
      });
      ASSERT_TRUE(s.ok()) << s;
      clock.Advance(1000);
    }
  }

  std::filesystem::path dir_;
  std::string url_;
  std::string schema_;
  std::unique_ptr<Database> admin_;
  std::unique_ptr<Database> db_;
};

TEST_P(StoreContractTest, RoundTripsEveryValueTypeVerbatim) {
  const std::string chinese = "科产融合：成都建圈强链，“满园、满楼、满产”";
  const std::string sql_like = "x'); DROP TABLE vals; -- ? $1 :name";
  Status s = WithWriteTx(*db_, [&](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(tx.Exec("CREATE TABLE vals (k INTEGER PRIMARY KEY, i BIGINT, "
                                   "r DOUBLE PRECISION, t TEXT, n TEXT)")
                               .status());
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO vals (k, i, r, t, n) VALUES (?, ?, ?, ?, ?)",
                {int64_t{1}, int64_t{9223372036854775807LL}, 3.25, chinese, nullptr})
            .status());
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO vals (k, i, r, t, n) VALUES (?, ?, ?, ?, ?)",
                {int64_t{2}, int64_t{-9223372036854775807LL - 1}, 0.1, sql_like, std::string()})
            .status());
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s;

  auto tx = db_->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok()) << tx.status();
  auto rows = (*tx)->Query("SELECT k, i, r, t, n FROM vals WHERE k >= ? ORDER BY k", {int64_t{1}});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"k", "i", "r", "t", "n"}));

  const Row& a = rows->rows[0];
  ASSERT_TRUE(std::holds_alternative<int64_t>(a.At(1)));
  EXPECT_EQ(std::get<int64_t>(a.At(1)), 9223372036854775807LL);
  ASSERT_TRUE(std::holds_alternative<double>(a.At(2)));
  EXPECT_EQ(std::get<double>(a.At(2)), 3.25);
  ASSERT_TRUE(std::holds_alternative<std::string>(a.At(3)));
  EXPECT_EQ(a.Text(3), chinese);
  EXPECT_TRUE(a.IsNull(4));
  EXPECT_EQ(a.Text(4), "");
  EXPECT_EQ(a.Int(4), 0);

  const Row& b = rows->rows[1];
  EXPECT_EQ(b.Int(1), -9223372036854775807LL - 1);
  EXPECT_EQ(b.Real(2), 0.1);  // exact round trip of a non-representable decimal
  EXPECT_EQ(b.Text(3), sql_like);
  EXPECT_FALSE(b.IsNull(4));  // empty text is not NULL
  EXPECT_EQ(b.Text(4), "");

  // A '?' inside a string literal is not a placeholder.
  auto lit = (*tx)->Query("SELECT t FROM vals WHERE t <> 'what?' AND k = ?", {int64_t{1}});
  ASSERT_TRUE(lit.ok()) << lit.status();
  ASSERT_EQ(lit->size(), 1u);
  EXPECT_EQ(lit->rows[0].Text(0), chinese);
  // The table survived the SQL-looking text.
  EXPECT_EQ(CountRows("vals"), 2);
}

TEST_P(StoreContractTest, ExecReportsChangedRows) {
  Status s = WithWriteTx(*db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(int64_t ddl, tx.Exec("CREATE TABLE c (k INTEGER PRIMARY KEY, v TEXT)"));
    EXPECT_EQ(ddl, 0);
    for (int64_t k = 1; k <= 3; ++k) {
      KECHAN_ASSIGN_OR_RETURN(int64_t one, tx.Exec("INSERT INTO c (k, v) VALUES (?, 'x')", {k}));
      EXPECT_EQ(one, 1);
    }
    KECHAN_ASSIGN_OR_RETURN(
        int64_t two, tx.Exec("UPDATE c SET v = ? WHERE k > ?", {std::string("y"), int64_t{1}}));
    EXPECT_EQ(two, 2);
    KECHAN_ASSIGN_OR_RETURN(int64_t none, tx.Exec("DELETE FROM c WHERE k > 100"));
    EXPECT_EQ(none, 0);
    KECHAN_ASSIGN_OR_RETURN(int64_t selected, tx.Exec("SELECT k FROM c"));
    EXPECT_EQ(selected, 0);  // a query changes nothing
    // RETURNING hands back generated values on both backends.
    KECHAN_ASSIGN_OR_RETURN(Rows returned,
                            tx.Query("INSERT INTO c (k, v) VALUES (?, ?) RETURNING k, v",
                                     {int64_t{9}, std::string("z")}));
    EXPECT_EQ(returned.size(), 1u);
    EXPECT_EQ(returned.rows.at(0).Int(0), 9);
    EXPECT_EQ(returned.rows.at(0).Text(1), "z");
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s;
}

TEST_P(StoreContractTest, DestroyingTransactionWithoutCommitRollsBack) {
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) {
                return tx.Exec("CREATE TABLE r (k INTEGER PRIMARY KEY)").status();
              }).ok());
  {
    auto tx = db_->Begin(TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    ASSERT_TRUE((*tx)->Exec("INSERT INTO r (k) VALUES (1)").ok());
    auto inside = (*tx)->Query("SELECT COUNT(*) FROM r");
    ASSERT_TRUE(inside.ok());
    EXPECT_EQ(inside->rows[0].Int(0), 1);
  }
  EXPECT_EQ(CountRows("r"), 0);
  // A failing callback rolls back too.
  Status s = WithWriteTx(*db_, [](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO r (k) VALUES (2)").status());
    return base::NotFound("test.nope", "nope", "没有");
  });
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(CountRows("r"), 0);
  // The writer is free again afterwards.
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) {
                return tx.Exec("INSERT INTO r (k) VALUES (3)").status();
              }).ok());
  EXPECT_EQ(CountRows("r"), 1);
}

TEST_P(StoreContractTest, ConstraintViolationsMapToCodesAndPoisonTheTransaction) {
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) {
                return tx
                    .Exec(
                        "CREATE TABLE users (id INTEGER PRIMARY KEY, "
                        "email TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0))")
                    .status();
              }).ok());
  ASSERT_TRUE(
      WithWriteTx(*db_, [](Tx& tx) {
        return tx.Exec("INSERT INTO users (id, email) VALUES (1, ?)", {std::string("a@example.cn")})
            .status();
      }).ok());

  auto tx = db_->Begin(TxKind::kWrite);
  ASSERT_TRUE(tx.ok());
  auto dup =
      (*tx)->Exec("INSERT INTO users (id, email) VALUES (2, ?)", {std::string("a@example.cn")});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists) << dup.status();
  EXPECT_EQ(dup.status().field(), "email");
  EXPECT_FALSE(dup.status().message_zh().empty());
  // After a failed statement the transaction can only be rolled back, on every backend.
  auto after = (*tx)->Query("SELECT COUNT(*) FROM users");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), Code::kFailedPrecondition);
  EXPECT_FALSE((*tx)->Commit().ok());
  tx->reset();

  auto pk = WithWriteTx(*db_, [](Tx& tx) {
    return tx.Exec("INSERT INTO users (id, email) VALUES (1, 'b@example.cn')").status();
  });
  EXPECT_EQ(pk.code(), Code::kAlreadyExists) << pk;

  auto null = WithWriteTx(*db_, [](Tx& tx) {
    return tx.Exec("INSERT INTO users (id, email) VALUES (3, ?)", {nullptr}).status();
  });
  EXPECT_EQ(null.code(), Code::kInvalidArgument) << null;
  EXPECT_EQ(null.field(), "email");

  auto check = WithWriteTx(*db_, [](Tx& tx) {
    return tx.Exec("INSERT INTO users (id, email, age) VALUES (4, 'c@example.cn', -1)").status();
  });
  EXPECT_EQ(check.code(), Code::kInvalidArgument) << check;

  auto syntax = WithWriteTx(*db_, [](Tx& tx) { return tx.Exec("SELEC nonsense").status(); });
  EXPECT_EQ(syntax.code(), Code::kInternal) << syntax;

  EXPECT_EQ(CountRows("users"), 1);
}

TEST_P(StoreContractTest, AppendRowsWritesEveryValueTypeVerbatim) {
  const bool pg = db_->dialect() == Dialect::kPostgres;
  // Characters the PostgreSQL adapter's COPY text format must escape, and SQL-looking text.
  const std::string tricky = "tab\there\nnew line\r\\N back\\slash \\. x'); DROP TABLE ap; -- ?";
  const std::string chinese = "成都建圈强链，“满园、满楼、满产”";
  const std::string bytes("\x00\x01\xff\\\t\n binary\x00", 14);
  const std::vector<std::string> cols{"k", "i", "r", "t", "n", "b", "flag"};
  std::vector<Value> values;
  constexpr int64_t kRows = 450;  // more than one multi-row INSERT of the default (200 rows)
  for (int64_t k = 1; k <= kRows; ++k) {
    for (Value v : {Value(k), Value(k == 1 ? int64_t{-9223372036854775807LL - 1} : k * 1000),
                    Value(k == 1 ? 0.1 : 2.5 * static_cast<double>(k)),
                    Value(k == 1   ? tricky
                          : k == 2 ? chinese
                                   : "row " + std::to_string(k)),
                    k == 1 ? Value(nullptr) : Value(std::string()),
                    k == 1 ? Value(bytes) : Value(nullptr), Value(int64_t{k % 2})}) {
      values.push_back(std::move(v));
    }
  }
  Status s = WithWriteTx(*db_, [&](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec(std::string("CREATE TABLE ap (k INTEGER PRIMARY KEY, i BIGINT NOT NULL, ") +
                "r DOUBLE PRECISION, t TEXT NOT NULL, n TEXT, b " + (pg ? "BYTEA" : "BLOB") +
                ", flag INTEGER NOT NULL DEFAULT 0, d TEXT NOT NULL DEFAULT 'dflt')")
            .status());
    KECHAN_ASSIGN_OR_RETURN(int64_t written, tx.AppendRows("ap", cols, values));
    EXPECT_EQ(written, kRows);
    KECHAN_ASSIGN_OR_RETURN(int64_t none, tx.AppendRows("ap", cols, {}));
    EXPECT_EQ(none, 0);
    // Visible to the same transaction at once.
    KECHAN_ASSIGN_OR_RETURN(Rows inside, tx.Query("SELECT COUNT(*) FROM ap"));
    EXPECT_EQ(inside.rows.at(0).Int(0), kRows);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s;

  auto tx = db_->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok()) << tx.status();
  auto rows = (*tx)->Query("SELECT k, i, r, t, n, b, flag, d FROM ap ORDER BY k");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), static_cast<size_t>(kRows));
  const Row& a = rows->rows[0];
  EXPECT_EQ(a.Int(1), -9223372036854775807LL - 1);
  EXPECT_EQ(a.Real(2), 0.1);  // exact round trip
  EXPECT_EQ(a.Text(3), tricky);
  EXPECT_TRUE(a.IsNull(4));
  EXPECT_EQ(a.Text(5), bytes);
  EXPECT_EQ(a.Int(6), 1);
  EXPECT_EQ(a.Text(7), "dflt");  // a column not named takes its default
  const Row& b = rows->rows[1];
  EXPECT_EQ(b.Text(3), chinese);
  EXPECT_FALSE(b.IsNull(4));  // empty text is not NULL
  EXPECT_EQ(b.Text(4), "");
  EXPECT_TRUE(b.IsNull(5));
  const Row& last = rows->rows[kRows - 1];
  EXPECT_EQ(last.Int(0), kRows);
  EXPECT_EQ(last.Int(1), kRows * 1000);
  EXPECT_EQ(last.Real(2), 2.5 * kRows);
  EXPECT_EQ(last.Text(3), "row " + std::to_string(kRows));
  EXPECT_EQ(last.Int(6), kRows % 2);
}

TEST_P(StoreContractTest, AppendRowsViolationsMapToCodesAbortAndWriteNothing) {
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) -> Status {
                KECHAN_RETURN_IF_ERROR(
                    tx.Exec("CREATE TABLE parents (id INTEGER PRIMARY KEY)").status());
                KECHAN_RETURN_IF_ERROR(
                    tx.Exec("CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER NOT "
                            "NULL REFERENCES parents (id), age INTEGER CHECK (age >= 0))")
                        .status());
                return tx.Exec("INSERT INTO parents (id) VALUES (1)").status();
              }).ok());
  const std::vector<std::string> cols{"id", "parent_id", "age"};
  struct Case {
    std::string name;
    std::vector<Value> values;  // the second row is the bad one
    Code code;
  };
  const std::vector<Case> cases = {
      {"unknown parent",
       {int64_t{1}, int64_t{1}, int64_t{5}, int64_t{2}, int64_t{99}, int64_t{5}},
       Code::kInvalidArgument},
      {"check",
       {int64_t{1}, int64_t{1}, int64_t{5}, int64_t{2}, int64_t{1}, int64_t{-1}},
       Code::kInvalidArgument},
      {"not null",
       {int64_t{1}, int64_t{1}, int64_t{5}, int64_t{2}, nullptr, int64_t{1}},
       Code::kInvalidArgument},
      {"duplicate key",
       {int64_t{1}, int64_t{1}, int64_t{5}, int64_t{1}, int64_t{1}, int64_t{6}},
       Code::kAlreadyExists},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto tx = db_->Begin(TxKind::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status();
    ASSERT_TRUE((*tx)->Exec("INSERT INTO kids (id, parent_id) VALUES (10, 1)").ok());
    auto r = (*tx)->AppendRows("kids", cols, c.values);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status();
    // The transaction is aborted, as after any failed statement.
    auto after = (*tx)->Query("SELECT COUNT(*) FROM kids");
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.status().code(), Code::kFailedPrecondition);
    EXPECT_FALSE((*tx)->Commit().ok());
    tx->reset();
    EXPECT_EQ(CountRows("kids"), 0);  // nothing written, not even the good row or the Exec
  }
}

TEST_P(StoreContractTest, AppendRowsRejectsMalformedCallsWithoutAborting) {
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) {
                return tx.Exec("CREATE TABLE shapes (a INTEGER, b TEXT)").status();
              }).ok());
  auto tx = db_->Begin(TxKind::kWrite);
  ASSERT_TRUE(tx.ok()) << tx.status();
  const std::vector<std::string> ab{"a", "b"};
  const std::vector<Value> three{int64_t{1}, std::string("x"), int64_t{2}};
  auto uneven = (*tx)->AppendRows("shapes", ab, three);
  EXPECT_EQ(uneven.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(uneven.status().reason(), "store.append_rows");
  const std::vector<Value> two{int64_t{1}, std::string("x")};
  auto no_columns = (*tx)->AppendRows("shapes", std::vector<std::string>{}, two);
  EXPECT_EQ(no_columns.status().code(), Code::kInvalidArgument);
  auto bad_table = (*tx)->AppendRows("shapes; DROP TABLE shapes", ab, two);
  EXPECT_EQ(bad_table.status().code(), Code::kInvalidArgument);
  auto bad_column = (*tx)->AppendRows("shapes", std::vector<std::string>{"a", "b) --"}, two);
  EXPECT_EQ(bad_column.status().code(), Code::kInvalidArgument);
  // Nothing was sent: the transaction goes on and commits.
  auto ok = (*tx)->AppendRows("shapes", ab, two);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, 1);
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_EQ(CountRows("shapes"), 1);
}

TEST_P(StoreContractTest, ReadTransactionsRejectWrites) {
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) {
                return tx.Exec("CREATE TABLE ro (k INTEGER PRIMARY KEY)").status();
              }).ok());
  auto tx = db_->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  EXPECT_FALSE((*tx)->Exec("INSERT INTO ro (k) VALUES (1)").ok());
  tx->reset();
  EXPECT_EQ(CountRows("ro"), 0);
}

TEST_P(StoreContractTest, ReaderSeesCommittedDataWhileWriterIsOpen) {
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) -> Status {
                KECHAN_RETURN_IF_ERROR(
                    tx.Exec("CREATE TABLE rw (k INTEGER PRIMARY KEY, v TEXT)").status());
                return tx.Exec("INSERT INTO rw (k, v) VALUES (1, 'committed')").status();
              }).ok());

  auto writer = db_->Begin(TxKind::kWrite);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Exec("INSERT INTO rw (k, v) VALUES (2, 'pending')").ok());

  // Opening and using a reader does not wait for the writer.
  auto reader = db_->Begin(TxKind::kRead);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto seen = (*reader)->Query("SELECT v FROM rw ORDER BY k");
  ASSERT_TRUE(seen.ok()) << seen.status();
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(seen->rows[0].Text(0), "committed");
  reader->reset();

  ASSERT_TRUE((*writer)->Commit().ok());
  EXPECT_EQ(CountRows("rw"), 2);
}

TEST_P(StoreContractTest, MigrationsApplyOnceAndAreIdempotent) {
  std::vector<Migration> all = StoreMigrations();
  for (const Migration& m : DemoMigrations(2)) {
    all.push_back(m);
  }
  auto first = Migrate(*db_, all);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied, kStoreEvents + 2);
  EXPECT_EQ(first->already, 0);

  auto second = Migrate(*db_, all);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->applied, 0);
  EXPECT_EQ(second->already, kStoreEvents + 2);
  EXPECT_EQ(CountRows("schema_migrations"), kStoreEvents + 2);

  // Each migration appended one schema.migrated event, and the chain verifies.
  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), static_cast<size_t>(kStoreEvents) + 2);
  EXPECT_EQ(events[0].kind, "schema.migrated");
  EXPECT_EQ(events[0].entity_id, "store:1");
  EXPECT_EQ(events[0].prev_hash, std::string(64, '0'));
  EXPECT_EQ(events[kStoreEvents + 1].entity_id, "demo:2");
  auto report = VerifyLog(*db_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->checked, kStoreEvents + 2);

  // The migrated table works: {{id}} auto-increments and {{blob}} keeps arbitrary bytes.
  const std::string bytes("\x00\x01\xff binary\x00", 11);
  Status s = WithWriteTx(*db_, [&](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO widgets (name, data) VALUES (?, ?)", {std::string("w1"), bytes})
            .status());
    return tx.Exec("INSERT INTO widgets (name) VALUES (?)", {std::string("w2")}).status();
  });
  ASSERT_TRUE(s.ok()) << s;
  auto tx = db_->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->Query("SELECT id, name, note, data FROM widgets ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_GT(rows->rows[0].Int(0), 0);
  EXPECT_GT(rows->rows[1].Int(0), rows->rows[0].Int(0));
  EXPECT_EQ(rows->rows[0].Text(2), "a;b");
  EXPECT_EQ(rows->rows[0].Text(3), bytes);
  EXPECT_TRUE(rows->rows[1].IsNull(3));
}

TEST_P(StoreContractTest, MigrateAddsStoreMigrationsAndAppliesNewVersionsLater) {
  auto first = Migrate(*db_, DemoMigrations(1));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied, kStoreEvents + 1);  // the store migrations were added in front
  auto second = Migrate(*db_, DemoMigrations(2));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->applied, 1);
  EXPECT_EQ(second->already, kStoreEvents + 1);
}

TEST_P(StoreContractTest, MigrateRefusesDatabaseNewerThanBinary) {
  ASSERT_TRUE(Migrate(*db_, DemoMigrations(2)).ok());
  auto older = Migrate(*db_, DemoMigrations(1));
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.status().code(), Code::kFailedPrecondition) << older.status();
  EXPECT_EQ(older.status().reason(), "migration.db_newer");
  // A binary that does not know the module at all is not refused.
  auto unrelated = Migrate(*db_, StoreMigrations());
  ASSERT_TRUE(unrelated.ok()) << unrelated.status();
  EXPECT_EQ(unrelated->applied, 0);
}

TEST_P(StoreContractTest, FailedMigrationLeavesNoTrace) {
  MigrateStore();
  Migration bad;
  bad.module = "broken";
  bad.version = 1;
  bad.name = "half";
  bad.sql = "CREATE TABLE half (k INTEGER);\nTHIS IS NOT SQL;\n";
  auto r = Migrate(*db_, {bad});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message_en().find("broken v1"), std::string::npos) << r.status();
  EXPECT_EQ(CountRows("schema_migrations"), kStoreEvents);
  EXPECT_EQ(AllEvents().size(), static_cast<size_t>(kStoreEvents));
  // The first statement was rolled back with the rest, so the fixed migration can create it.
  bad.sql = "CREATE TABLE half (k INTEGER);\n";
  auto fixed = Migrate(*db_, {bad});
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->applied, 1);
}

TEST_P(StoreContractTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  std::vector<Migration> all = StoreMigrations();
  for (const Migration& m : DemoMigrations(2)) {
    all.push_back(m);
  }
  // Two Database handles behave like two processes starting at once.
  std::unique_ptr<Database> other = OpenDb();
  ASSERT_NE(other, nullptr);
  Status results[2];
  std::thread t1([&] {
    auto r = Migrate(*db_, all);
    results[0] = r.ok() ? Status::Ok() : r.status();
  });
  std::thread t2([&] {
    auto r = Migrate(*other, all);
    results[1] = r.ok() ? Status::Ok() : r.status();
  });
  t1.join();
  t2.join();
  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_TRUE(results[1].ok()) << results[1];
  EXPECT_EQ(CountRows("schema_migrations"), kStoreEvents + 2);
  EXPECT_EQ(AllEvents().size(), static_cast<size_t>(kStoreEvents) + 2);
  auto report = VerifyLog(*db_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->reason;
}

TEST_P(StoreContractTest, AppendEventValidatesAndChainsEvents) {
  MigrateStore();
  base::FakeClock clock(1'700'000'000'000'000);
  {
    auto tx = db_->Begin(TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    auto no_kind = AppendEvent(**tx, {"", "user", "1", "system", "{}"}, clock);
    EXPECT_EQ(no_kind.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(no_kind.status().field(), "kind");
    auto no_payload = AppendEvent(**tx, {"user.created", "user", "1", "system", ""}, clock);
    EXPECT_EQ(no_payload.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(no_payload.status().field(), "payload");
  }
  AppendMany(30, clock);
  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), 30u + kStoreEvents);  // plus the store migrations' events
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(events[i].hash, HashEvent(events[i]));
    if (i > 0) {
      EXPECT_EQ(events[i].prev_hash, events[i - 1].hash);
    }
  }
  EXPECT_EQ(events[kStoreEvents].at_us, 1'700'000'000'000'000);
  EXPECT_EQ(events[kStoreEvents].payload, "{\"i\":0}");
  EXPECT_EQ(events[kStoreEvents].actor, "user:1");

  // ReadEvents pages after a seq.
  auto tx = db_->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto page = ReadEvents(**tx, 10, 5);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 5u);
  EXPECT_EQ((*page)[0].seq, 11);
  EXPECT_EQ((*page)[4].seq, 15);
  tx->reset();

  auto report = VerifyLog(*db_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->checked, 30 + kStoreEvents);
  EXPECT_FALSE(report->first_bad_seq.has_value());
}

TEST_P(StoreContractTest, RolledBackAppendLeavesNoGap) {
  MigrateStore();
  base::FakeClock clock(5);
  {
    auto tx = db_->Begin(TxKind::kWrite);
    ASSERT_TRUE(tx.ok());
    auto seq = AppendEvent(**tx, {"x.y", "x", "1", "system", "{}"}, clock);
    ASSERT_TRUE(seq.ok()) << seq.status();
    EXPECT_EQ(*seq, kStoreEvents + 1);
  }  // rolled back
  AppendMany(1, clock);
  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), static_cast<size_t>(kStoreEvents) + 1);
  EXPECT_EQ(events[kStoreEvents].seq, kStoreEvents + 1);
  EXPECT_EQ(events[kStoreEvents].kind, "test.thing.created");
}

TEST_P(StoreContractTest, ConcurrentWritersProduceGaplessValidChain) {
  MigrateStore();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  base::FakeClock clock(1000);
  std::vector<std::vector<int64_t>> seqs(kThreads);
  std::vector<Status> failures(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int64_t got = 0;
        Status s = WithWriteTx(*db_, [&](Tx& tx) -> Status {
          EventDraft d{"test.concurrent", "thread", std::to_string(t), "system",
                       "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}"};
          KECHAN_ASSIGN_OR_RETURN(got, AppendEvent(tx, d, clock));
          return Status::Ok();
        });
        if (!s.ok()) {
          failures[t] = s;
          return;
        }
        seqs[t].push_back(got);
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::set<int64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(failures[t].ok()) << "thread " << t << ": " << failures[t];
    all.insert(seqs[t].begin(), seqs[t].end());
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));  // no seq handed out twice
  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), static_cast<size_t>(int64_t{kThreads} * kPerThread + kStoreEvents));
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].seq, static_cast<int64_t>(i) + 1);
  }
  auto report = VerifyLog(*db_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->checked, int64_t{kThreads} * kPerThread + kStoreEvents);
}

TEST_P(StoreContractTest, VerifyLogNamesTheTamperedEvent) {
  MigrateStore();
  base::FakeClock clock(42);
  AppendMany(12, clock);
  auto raw = [&](const std::string& sql, std::initializer_list<Value> params) {
    Status s = WithWriteTx(*db_, [&](Tx& tx) { return tx.Exec(sql, params).status(); });
    ASSERT_TRUE(s.ok()) << s;
  };
  auto verify = [&]() {
    auto r = VerifyLog(*db_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : VerifyReport{};
  };
  std::vector<Event> original = AllEvents();
  ASSERT_EQ(original.size(), 12u + kStoreEvents);

  // 1. A changed payload.
  raw("UPDATE events SET payload = ? WHERE seq = ?", {std::string("{\"i\":999}"), int64_t{7}});
  VerifyReport r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 7);
  EXPECT_EQ(r.checked, 6);
  EXPECT_NE(r.reason.find('7'), std::string::npos) << r.reason;
  raw("UPDATE events SET payload = ? WHERE seq = ?", {original[6].payload, int64_t{7}});
  EXPECT_TRUE(verify().ok);

  // 2. A changed hash.
  raw("UPDATE events SET hash = ? WHERE seq = ?", {std::string(64, 'a'), int64_t{4}});
  r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
  raw("UPDATE events SET hash = ? WHERE seq = ?", {original[3].hash, int64_t{4}});

  // 3. A payload changed and re-hashed: the next event's link breaks.
  Event forged = original[9];
  forged.payload = "{\"forged\":true}";
  raw("UPDATE events SET payload = ?, hash = ? WHERE seq = ?",
      {forged.payload, HashEvent(forged), int64_t{10}});
  r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 11);
  raw("UPDATE events SET payload = ?, hash = ? WHERE seq = ?",
      {original[9].payload, original[9].hash, int64_t{10}});

  // 4. A deleted event leaves a gap.
  raw("DELETE FROM events WHERE seq = ?", {int64_t{5}});
  r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 5);
  const Event& e5 = original[4];
  raw("INSERT INTO events (seq, at_us, kind, entity, entity_id, actor, payload, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {e5.seq, e5.at_us, e5.kind, e5.entity, e5.entity_id, e5.actor, e5.payload, e5.prev_hash,
       e5.hash});
  EXPECT_TRUE(verify().ok);

  // 5. The newest event removed along with nothing else: the head no longer matches.
  raw("DELETE FROM events WHERE seq = ?", {int64_t{13}});
  r = verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 13);
}

TEST_P(StoreContractTest, BackupWritesAnOpenableCopy) {
  MigrateStore();
  base::FakeClock clock(7);
  AppendMany(20, clock);
  if (GetParam() == Backend::kPostgres) {
    Status s = db_->Backup("/tmp/never-written.db");
    EXPECT_EQ(s.code(), Code::kFailedPrecondition);
    EXPECT_NE(s.message_en().find("pg_dump"), std::string::npos);
    return;
  }
  // A writer left open during the backup is not part of the copy.
  auto writer = db_->Begin(TxKind::kWrite);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(AppendEvent(**writer, {"x.pending", "x", "1", "system", "{}"}, clock).ok());

  const std::string dest = (dir_ / "backups" / "copy.db").string();
  Status s = db_->Backup(dest);
  ASSERT_TRUE(s.ok()) << s;
  writer->reset();

  auto copy = Open({.url = "sqlite:" + dest});
  ASSERT_TRUE(copy.ok()) << copy.status();
  auto report = VerifyLog(**copy);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->checked, 20 + kStoreEvents);
  auto tx = (*copy)->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto copied = ReadEvents(**tx, 0, 1000);
  ASSERT_TRUE(copied.ok());
  std::vector<Event> source = AllEvents();
  ASSERT_EQ(copied->size(), source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    EXPECT_EQ((*copied)[i].hash, source[i].hash);
  }
}

TEST_P(StoreContractTest, RecoversFromDroppedServerConnections) {
  if (GetParam() != Backend::kPostgres) {
    GTEST_SKIP() << "SQLite has no server connection to lose";
  }
  auto backend_pid = [&](Tx& tx) {
    auto rows = tx.Query("SELECT pg_backend_pid()");
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? rows->rows[0].Int(0) : int64_t{0};
  };
  auto kill = [&](int64_t pid) {
    Status s = WithWriteTx(*admin_, [&](Tx& tx) {
      return tx.Query("SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000)", {pid}).status();
    });
    ASSERT_TRUE(s.ok()) << s;
  };
  // A connection killed while in use fails its statement as kUnavailable. (The two-argument
  // pg_terminate_backend waits until the backend has exited.)
  {
    auto tx = db_->Begin(TxKind::kRead);
    ASSERT_TRUE(tx.ok());
    kill(backend_pid(**tx));
    auto lost = (*tx)->Query("SELECT 1");
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.status().code(), Code::kUnavailable) << lost.status();
  }
  // A pooled connection killed while idle is replaced transparently.
  int64_t pid = 0;
  {
    auto tx = db_->Begin(TxKind::kRead);
    ASSERT_TRUE(tx.ok());
    pid = backend_pid(**tx);
  }
  kill(pid);
  auto tx = db_->Begin(TxKind::kRead);
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_NE(backend_pid(**tx), pid);
}

TEST_P(StoreContractTest, DescribeHidesSecrets) {
  std::string d = db_->Describe();
  EXPECT_EQ(d.find("password"), std::string::npos);
  EXPECT_EQ(d.rfind(GetParam() == Backend::kSqlite ? "sqlite:" : "postgresql://", 0), 0u) << d;
  EXPECT_EQ(db_->dialect(), GetParam() == Backend::kSqlite ? Dialect::kSqlite : Dialect::kPostgres);
}

TEST_P(StoreContractTest, FollowerStepAppliesEachEventOnceWithItsEffects) {
  MigrateStore();
  ASSERT_TRUE(WithWriteTx(*db_, [](Tx& tx) {
                return tx.Exec("CREATE TABLE seen (seq BIGINT PRIMARY KEY)").status();
              }).ok());
  base::FakeClock clock(9);
  AppendMany(7, clock);
  EventFollower follower(*db_, "test.seen");
  auto record = [](Tx& tx, const std::vector<Event>& events) -> Status {
    for (const Event& e : events) {
      KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO seen (seq) VALUES (?)", {e.seq}).status());
    }
    return Status::Ok();
  };
  // A failing apply commits nothing: neither effects nor the cursor.
  auto failed = follower.Step(
      [&](Tx& tx, const std::vector<Event>& events) -> Status {
        KECHAN_RETURN_IF_ERROR(record(tx, events));
        return base::FailedPrecondition("test.boom", "boom", "失败");
      },
      3);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(CountRows("seen"), 0);
  EXPECT_EQ(*follower.Cursor(), 0);

  int64_t total = 0;
  for (int i = 0; i < 10; ++i) {
    auto n = follower.Step(record, 3);
    ASSERT_TRUE(n.ok()) << n.status();
    if (*n == 0) {
      break;
    }
    total += *n;
  }
  EXPECT_EQ(total, 7 + kStoreEvents);
  EXPECT_EQ(CountRows("seen"), 7 + kStoreEvents);
  EXPECT_EQ(*follower.Cursor(), *follower.Head());

  // A second follower object for the same consumer (a restart) continues where it stopped.
  AppendMany(2, clock);
  EventFollower again(*db_, "test.seen");
  auto n = again.Step(record, 100);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(CountRows("seen"), 9 + kStoreEvents);
  // Another consumer has its own cursor.
  EventFollower other(*db_, "test.other");
  EXPECT_EQ(*other.Cursor(), 0);
}

TEST_P(StoreContractTest, FollowerNextAdvanceAndReset) {
  MigrateStore();
  base::FakeClock clock(9);
  AppendMany(5, clock);
  EventFollower follower(*db_, "test.index");
  auto batch = follower.Next(2);
  ASSERT_TRUE(batch.ok()) << batch.status();
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].seq, 1);
  // Not advanced: the same batch comes again (at-least-once for external effects).
  EXPECT_EQ((*follower.Next(2))[0].seq, 1);
  ASSERT_TRUE(follower.Advance(batch->back().seq).ok());
  EXPECT_EQ((*follower.Next(2))[0].seq, 3);
  // Advance never moves backwards; Reset does.
  ASSERT_TRUE(follower.Advance(1).ok());
  EXPECT_EQ(*follower.Cursor(), 2);
  ASSERT_TRUE(follower.Reset().ok());
  EXPECT_EQ(*follower.Cursor(), 0);
  EXPECT_EQ(EventFollower(*db_, "").Cursor().status().field(), "consumer");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ::testing::Values(Backend::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest, ::testing::Values(Backend::kPostgres),
                         [](const auto&) { return std::string("postgres"); });

}  // namespace
}  // namespace kechan::store
