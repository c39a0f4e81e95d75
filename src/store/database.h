// The Database port: connections, transactions and prepared statements behind one interface that
// the SQLite and PostgreSQL adapters implement. SQL is written once with `?` placeholders; the
// PostgreSQL adapter rewrites them to $1..$n. No adapter type appears in this header.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace kechan::store {

using base::Result;
using base::Status;

// A bound parameter or a column value. Text is UTF-8; integers are 64-bit.
using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;

// One result row. Accessors assert the column exists; a NULL reads as 0 / "" / 0.0.
// Thread-compatible.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> cols) : cols_(std::move(cols)) {}
  size_t size() const { return cols_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(cols_.at(i)); }
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  std::string Text(size_t i) const;
  const Value& At(size_t i) const { return cols_.at(i); }

 private:
  std::vector<Value> cols_;
};

struct Rows {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
};

enum class Dialect { kSqlite, kPostgres };

enum class TxKind {
  kRead,   // a read-only snapshot; may run concurrently with other reads and the writer
  kWrite,  // the single serialized writer (SQLite) / a read-write transaction (PostgreSQL)
};

// A transaction on one connection. Not thread-safe: use from one thread. Destroying it without
// Commit() rolls it back. It must not outlive its Database. After any failed statement the
// transaction is aborted on both backends (PostgreSQL semantics, enforced on SQLite too): later
// Exec/Query/Commit return kFailedPrecondition ("store.tx_aborted") and it can only be rolled back.
// PostgreSQL infers each `?`'s type from the SQL (a bare "SELECT ?" is text): cast where the
// context does not say, e.g. CAST(? AS BIGINT). Text cannot hold NUL bytes on PostgreSQL; a
// {{blob}} column takes any bytes on both.
class Tx {
 public:
  virtual ~Tx() = default;
  // Executes a statement; returns the number of rows changed. Errors: kAlreadyExists on a unique
  // violation, kInvalidArgument on a check/foreign-key violation, kUnavailable when the database
  // is busy or gone, kInternal otherwise.
  virtual Result<int64_t> Exec(std::string_view sql, std::span<const Value> params) = 0;
  // Runs a query and returns all rows (same error mapping as Exec).
  virtual Result<Rows> Query(std::string_view sql, std::span<const Value> params) = 0;
  // Appends rows to `table`: `values` holds columns.size() values per row, in `columns` order
  // (a row count of values.size() / columns.size(); kInvalidArgument when that does not divide).
  // Returns the number of rows written. The rows meet the same defaults, constraints, foreign
  // keys and triggers as INSERT, with the same error mapping as Exec; an error aborts the
  // transaction (all or nothing with it). Nothing is returned per row: use INSERT ... RETURNING
  // when generated ids are needed. `table` and `columns` are SQL identifiers from the caller's
  // code, never user input. PostgreSQL streams the rows with COPY ... FROM STDIN (one round trip,
  // no statement to parse or plan, batched heap writes); the default runs multi-row INSERTs of up
  // to 200 rows (SQLite). Bound like Exec's parameters: a {{blob}} column takes any bytes, text no
  // NUL (PostgreSQL).
  virtual Result<int64_t> AppendRows(std::string_view table, std::span<const std::string> columns,
                                     std::span<const Value> values);
  // Commits. After a failed commit the transaction is rolled back.
  virtual Status Commit() = 0;
  virtual Dialect dialect() const = 0;

  Result<int64_t> Exec(std::string_view sql, std::initializer_list<Value> params = {}) {
    return Exec(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result<Rows> Query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return Query(sql, std::span<const Value>(params.begin(), params.size()));
  }
};

// A database. Thread-safe: Begin() may be called from any thread.
class Database {
 public:
  virtual ~Database() = default;
  // Starts a transaction. Write transactions are serialized (SQLite: one writer connection guarded
  // by a mutex; PostgreSQL: the event-log head row lock serializes appenders). Errors:
  // kUnavailable when the SQLite writer or a PostgreSQL pool connection does not come free within
  // busy_timeout_ms, or the server cannot be reached.
  virtual Result<std::unique_ptr<Tx>> Begin(TxKind kind) = 0;
  virtual Dialect dialect() const = 0;
  // Writes a consistent copy of the database to `dest` while it stays online (SQLite online
  // backup API). PostgreSQL returns kFailedPrecondition pointing at pg_dump (docs/operations.md).
  virtual Status Backup(const std::string& dest) = 0;
  // Returns a human description without secrets ("sqlite:/data/kechan.db").
  virtual std::string Describe() const = 0;
};

struct OpenOptions {
  // "sqlite:PATH", a plain file path (SQLite), or "postgresql://..." / "postgres://...".
  // ":memory:" is a private SQLite database in a temporary file removed on close (for tests).
  std::string url;
  int read_connections = 4;      // SQLite reader pool / PostgreSQL pool size
  int busy_timeout_ms = 5000;    // SQLite busy timeout; also Begin()'s wait for the writer / pool
  bool synchronous_full = true;  // SQLite PRAGMA synchronous=FULL (durable on power loss too)
};

// Opens the adapter that `options.url` names. Errors: kInvalidArgument for an unknown scheme,
// kUnavailable when the database cannot be reached.
Result<std::unique_ptr<Database>> Open(const OpenOptions& options);

// Runs `fn(tx)` in a write transaction and commits when it returns ok; rolls back otherwise.
template <typename Fn>
Status WithWriteTx(Database& db, Fn&& fn) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db.Begin(TxKind::kWrite));
  KECHAN_RETURN_IF_ERROR(fn(*tx));
  return tx->Commit();
}

}  // namespace kechan::store
