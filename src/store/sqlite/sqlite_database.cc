#include "store/sqlite/sqlite_database.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/errors.h"

namespace kechan::store::sqlite {
namespace {

constexpr size_t kMaxCachedStatements = 512;
constexpr char kMemoryPath[] = ":memory:";

// Returns the column named in an SQLite constraint message ("UNIQUE constraint failed: t.col").
std::string ConstraintField(std::string_view msg) {
  size_t colon = msg.find(": ");
  if (colon == std::string_view::npos) {
    return {};
  }
  std::string_view rest = msg.substr(colon + 2);
  rest = rest.substr(0, rest.find(','));
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos) {
    return {};
  }
  return std::string(rest.substr(dot + 1));
}

// Maps an SQLite (extended) result code and message onto the port's codes.
Status MapError(int code, std::string_view msg) {
  const int primary = code & 0xff;
  std::string detail = std::string(msg) + " [sqlite " + std::to_string(code) + "]";
  if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return internal::UniqueViolation(ConstraintField(msg), detail);
  }
  if (primary == SQLITE_CONSTRAINT) {
    std::string field = code == SQLITE_CONSTRAINT_NOTNULL ? ConstraintField(msg) : std::string();
    return internal::ConstraintViolation(std::move(field), detail);
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return internal::Busy(detail);
  }
  return internal::DriverError(detail);
}

Status ErrorOf(sqlite3* db, int code) { return MapError(code, sqlite3_errmsg(db)); }

// One sqlite3 connection and its statement cache. Thread-compatible: used by one transaction (so
// one thread) at a time.
class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() {
    ClearCache();
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // Runs SQL without parameters and without caching (BEGIN, COMMIT, PRAGMA ...).
  Status ExecDirect(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return MapError(sqlite3_extended_errcode(db_), msg);
    }
    return Status::Ok();
  }

  // Runs a PRAGMA that returns one value and returns it as text.
  Result<std::string> PragmaValue(const char* sql) {
    std::string value;
    char* err = nullptr;
    auto cb = [](void* out, int n, char** vals, char**) -> int {
      if (n > 0 && vals[0] != nullptr) {
        *static_cast<std::string*>(out) = vals[0];
      }
      return 0;
    };
    int rc = sqlite3_exec(db_, sql, cb, &value, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return MapError(sqlite3_extended_errcode(db_), msg);
    }
    return value;
  }

  // Runs one statement with `params`; appends result rows to `rows` when it is not null.
  Status Run(std::string_view sql, std::span<const Value> params, Rows* rows) {
    KECHAN_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    // Leave the cached statement reset and without bindings whatever happens below, so the
    // text pointers bound with SQLITE_STATIC never outlive `params`.
    struct Resetter {
      sqlite3_stmt* s;
      ~Resetter() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } resetter{stmt};

    const int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return base::Internal("store.param_count",
                            "The statement expects " + std::to_string(expected) +
                                " parameters but got " + std::to_string(params.size()) + ": " +
                                std::string(sql));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, idx);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, idx, v);
            } else {
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) {
        return ErrorOf(db_, rc);
      }
    }

    const int ncols = sqlite3_column_count(stmt);
    if (rows != nullptr && rows->columns.empty()) {
      for (int c = 0; c < ncols; ++c) {
        const char* name = sqlite3_column_name(stmt, c);
        rows->columns.emplace_back(name != nullptr ? name : "");
      }
    }
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) {
        return Status::Ok();
      }
      if (rc != SQLITE_ROW) {
        return MapError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
      }
      if (rows == nullptr) {
        continue;
      }
      std::vector<Value> cols;
      cols.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            cols.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            cols.emplace_back(sqlite3_column_double(stmt, c));
            break;
          case SQLITE_TEXT: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            const int n = sqlite3_column_bytes(stmt, c);
            cols.emplace_back(std::string(p != nullptr ? p : "", static_cast<size_t>(n)));
            break;
          }
          case SQLITE_BLOB: {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
            const int n = sqlite3_column_bytes(stmt, c);
            cols.emplace_back(p != nullptr ? std::string(p, static_cast<size_t>(n))
                                           : std::string());
            break;
          }
          default:
            cols.emplace_back(nullptr);
            break;
        }
      }
      rows->rows.emplace_back(std::move(cols));
    }
  }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) {
      return ErrorOf(db_, rc);
    }
    if (stmt == nullptr) {
      return base::Internal("store.empty_sql", "The SQL text holds no statement");
    }
    for (const char* p = tail; p != nullptr && p < sql.data() + sql.size(); ++p) {
      if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';') {
        sqlite3_finalize(stmt);
        return base::Internal("store.multiple_statements",
                              "Exec/Query take one statement at a time: " + std::string(sql));
      }
    }
    if (cache_.size() >= kMaxCachedStatements) {
      ClearCache();
    }
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

  void ClearCache() {
    for (auto& [sql, stmt] : cache_) {
      sqlite3_finalize(stmt);
    }
    cache_.clear();
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Result<std::unique_ptr<Connection>> OpenConnection(const std::string& path, int flags,
                                                   int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return base::Unavailable("store.open_failed",
                             "Cannot open SQLite database " + path + ": " + msg,
                             "无法打开 SQLite 数据库：" + path);
  }
  auto conn = std::make_unique<Connection>(raw);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  KECHAN_RETURN_IF_ERROR(conn->ExecDirect("PRAGMA foreign_keys=ON"));
  return conn;
}

class SqliteDatabase;

// A transaction on the writer or on a pooled reader. Not thread-safe.
class SqliteTx final : public Tx {
 public:
  SqliteTx(SqliteDatabase* owner, TxKind kind, Connection* conn, std::unique_ptr<Connection> reader)
      : owner_(owner), kind_(kind), conn_(conn), reader_(std::move(reader)) {}
  ~SqliteTx() override;

  Result<int64_t> Exec(std::string_view sql, std::span<const Value> params) override {
    KECHAN_RETURN_IF_ERROR(Usable());
    sqlite3* db = conn_->db();
    const int64_t before = sqlite3_total_changes64(db);
    Status s = conn_->Run(sql, params, nullptr);
    if (!s.ok()) {
      aborted_ = s;
      return s;
    }
    // changes() keeps the count of the last INSERT/UPDATE/DELETE, so DDL would report stale
    // numbers; only trust it when this statement changed something.
    return sqlite3_total_changes64(db) != before ? sqlite3_changes64(db) : 0;
  }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    KECHAN_RETURN_IF_ERROR(Usable());
    Rows rows;
    Status s = conn_->Run(sql, params, &rows);
    if (!s.ok()) {
      aborted_ = s;
      return s;
    }
    return rows;
  }

  Status Commit() override {
    KECHAN_RETURN_IF_ERROR(Usable());
    Status s = conn_->ExecDirect("COMMIT");
    if (!s.ok()) {
      Finish();  // rolls back
      return s;
    }
    done_ = true;
    Finish();
    return Status::Ok();
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

 private:
  Status Usable() const {
    if (done_ || conn_ == nullptr) {
      return internal::TxFinished();
    }
    if (aborted_.has_value()) {
      return internal::TxAborted(*aborted_);
    }
    return Status::Ok();
  }

  // Rolls back unless committed and hands the connection back.
  void Finish();

  SqliteDatabase* owner_;
  TxKind kind_;
  Connection* conn_;
  std::unique_ptr<Connection> reader_;  // set for read transactions
  bool done_ = false;
  std::optional<Status> aborted_;
};

// Thread-safe.
class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(OpenOptions options, std::string path, bool temporary,
                 std::unique_ptr<Connection> writer)
      : options_(std::move(options)),
        path_(std::move(path)),
        temporary_(temporary),
        writer_(std::move(writer)) {}

  ~SqliteDatabase() override {
    {
      std::lock_guard<std::mutex> lock(readers_mu_);
      idle_readers_.clear();
    }
    writer_.reset();
    if (temporary_) {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path_ + suffix, ec);
      }
    }
  }

  Result<std::unique_ptr<Tx>> Begin(TxKind kind) override {
    if (kind == TxKind::kWrite) {
      KECHAN_RETURN_IF_ERROR(AcquireWriter());
      Status s = writer_->ExecDirect("BEGIN IMMEDIATE");
      if (!s.ok()) {
        ReleaseWriter();
        return s;
      }
      return std::unique_ptr<Tx>(new SqliteTx(this, kind, writer_.get(), nullptr));
    }
    KECHAN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, AcquireReader());
    KECHAN_RETURN_IF_ERROR(reader->ExecDirect("BEGIN DEFERRED"));
    Connection* conn = reader.get();
    return std::unique_ptr<Tx>(new SqliteTx(this, kind, conn, std::move(reader)));
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Backup(const std::string& dest) override;

  std::string Describe() const override {
    return temporary_ ? std::string("sqlite::memory:") : "sqlite:" + path_;
  }

  // Called by SqliteTx when it is done with the writer.
  void ReleaseWriter() {
    if (sqlite3_get_autocommit(writer_->db()) == 0) {
      // A transaction is still open (a failed ROLLBACK): try once more so the next writer starts
      // clean.
      (void)writer_->ExecDirect("ROLLBACK");
    }
    {
      std::lock_guard<std::mutex> lock(writer_mu_);
      ++serving_;
      while (abandoned_.erase(serving_) > 0) {
        ++serving_;
      }
    }
    writer_cv_.notify_all();
  }

  // Called by SqliteTx when it is done with a reader.
  void ReleaseReader(std::unique_ptr<Connection> conn) {
    if (sqlite3_get_autocommit(conn->db()) == 0) {
      return;  // still inside a transaction: drop it rather than reuse it
    }
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (static_cast<int>(idle_readers_.size()) < std::max(options_.read_connections, 1)) {
      idle_readers_.push_back(std::move(conn));
    }
  }

 private:
  // Waits for the writer in arrival order (a ticket lock, so no writer starves) for at most the
  // busy timeout.
  Status AcquireWriter() {
    std::unique_lock<std::mutex> lock(writer_mu_);
    const uint64_t ticket = next_ticket_++;
    auto mine = [&] { return serving_ == ticket; };
    if (options_.busy_timeout_ms <= 0) {
      writer_cv_.wait(lock, mine);
      return Status::Ok();
    }
    if (writer_cv_.wait_for(lock, std::chrono::milliseconds(options_.busy_timeout_ms), mine)) {
      return Status::Ok();
    }
    abandoned_.insert(ticket);
    return internal::Busy("timed out waiting " + std::to_string(options_.busy_timeout_ms) +
                          " ms for the SQLite writer");
  }

  Result<std::unique_ptr<Connection>> AcquireReader() {
    {
      std::lock_guard<std::mutex> lock(readers_mu_);
      if (!idle_readers_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return conn;
      }
    }
    // No idle reader: open another one rather than wait, so a thread holding a read
    // transaction can never deadlock on the pool. At most read_connections stay idle.
    return OpenConnection(path_, SQLITE_OPEN_READONLY, options_.busy_timeout_ms);
  }

  const OpenOptions options_;
  const std::string path_;
  const bool temporary_;

  std::unique_ptr<Connection> writer_;
  std::mutex writer_mu_;
  std::condition_variable writer_cv_;
  uint64_t next_ticket_ = 0;      // guarded by writer_mu_
  uint64_t serving_ = 0;          // guarded by writer_mu_
  std::set<uint64_t> abandoned_;  // tickets whose waiter timed out; guarded by writer_mu_

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
};

SqliteTx::~SqliteTx() { Finish(); }

void SqliteTx::Finish() {
  if (conn_ == nullptr) {
    return;
  }
  if (!done_ && sqlite3_get_autocommit(conn_->db()) == 0) {
    (void)conn_->ExecDirect("ROLLBACK");
  }
  done_ = true;
  conn_ = nullptr;
  if (kind_ == TxKind::kWrite) {
    owner_->ReleaseWriter();
  } else {
    owner_->ReleaseReader(std::move(reader_));
  }
}

Status SqliteDatabase::Backup(const std::string& dest) {
  auto fail = [&](const std::string& what) {
    return base::Status(base::Code::kInternal, "store.backup_failed",
                        "Backup to " + dest + " failed: " + what, "数据库备份失败：" + dest,
                        "dest");
  };
  if (dest.empty() || dest == kMemoryPath || dest == path_) {
    return base::InvalidArgument("dest", "store.backup_dest",
                                 "The backup destination must be a new file path",
                                 "备份目标 (dest) 必须是另一个文件路径");
  }
  std::error_code ec;
  std::filesystem::path dest_path(dest);
  if (dest_path.has_parent_path()) {
    std::filesystem::create_directories(dest_path.parent_path(), ec);
  }
  // Copy into a temporary file beside `dest` and rename it, so `dest` is never half-written.
  const std::string tmp = dest + ".tmp-" + std::to_string(::getpid());
  std::filesystem::remove(tmp, ec);

  KECHAN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> src, AcquireReader());
  sqlite3* out = nullptr;
  int rc = sqlite3_open_v2(
      tmp.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = out != nullptr ? sqlite3_errmsg(out) : sqlite3_errstr(rc);
    sqlite3_close_v2(out);
    return fail(msg);
  }
  sqlite3_backup* backup = sqlite3_backup_init(out, "main", src->db(), "main");
  if (backup == nullptr) {
    std::string msg = sqlite3_errmsg(out);
    sqlite3_close_v2(out);
    std::filesystem::remove(tmp, ec);
    return fail(msg);
  }
  // One step copies every page inside a single read transaction on the source, so the copy is
  // a consistent snapshot; in WAL mode that does not block the writer.
  int attempts = 0;
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++attempts < 1000);
  sqlite3_backup_finish(backup);
  Status result = Status::Ok();
  if (rc != SQLITE_DONE) {
    result = fail(std::string(sqlite3_errstr(rc)));
  } else {
    // Make the copy a self-contained rollback-journal database (no -wal file needed).
    char* err = nullptr;
    rc = sqlite3_exec(out, "PRAGMA journal_mode=DELETE", nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      result = fail(err != nullptr ? err : sqlite3_errstr(rc));
    }
    sqlite3_free(err);
  }
  sqlite3_close_v2(out);
  ReleaseReader(std::move(src));
  if (!result.ok()) {
    std::filesystem::remove(tmp, ec);
    return result;
  }
  std::filesystem::rename(tmp, dest, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return fail("rename: " + ec.message());
  }
  return Status::Ok();
}

// Creates a unique empty file for a ":memory:" database.
Result<std::string> MakeTemporaryPath() {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/kechan-memory-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  int fd = ::mkstemp(buf.data());
  if (fd < 0) {
    return base::Unavailable("store.open_failed",
                             "Cannot create a temporary file for an in-memory SQLite database",
                             "无法为内存数据库创建临时文件");
  }
  ::close(fd);
  return std::string(buf.data());
}

}  // namespace

Result<std::unique_ptr<Database>> Open(const OpenOptions& options, std::string path) {
  if (path.empty()) {
    return base::InvalidArgument("database.url", "store.url_empty",
                                 "The SQLite database path is empty",
                                 "SQLite 数据库路径 (database.url) 不能为空");
  }
  bool temporary = false;
  if (path == kMemoryPath) {
    KECHAN_ASSIGN_OR_RETURN(path, MakeTemporaryPath());
    temporary = true;
  } else {
    std::filesystem::path p(path);
    std::error_code ec;
    if (p.has_parent_path()) {
      std::filesystem::create_directories(p.parent_path(), ec);
      if (ec) {
        return base::Unavailable("store.open_failed",
                                 "Cannot create the directory of " + path + ": " + ec.message(),
                                 "无法创建数据库所在目录：" + path);
      }
    }
  }
  auto cleanup = [&] {
    if (temporary) {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path + suffix, ec);
      }
    }
  };

  auto writer =
      OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options.busy_timeout_ms);
  if (!writer.ok()) {
    cleanup();
    return writer.status();
  }
  Connection& w = **writer;
  auto mode = w.PragmaValue("PRAGMA journal_mode=WAL");
  if (!mode.ok() || *mode != "wal") {
    cleanup();
    return base::Unavailable(
        "store.open_failed",
        "Cannot switch " + path + " to WAL mode: " + (mode.ok() ? *mode : mode.status().ToString()),
        "无法将数据库切换到 WAL 模式：" + path);
  }
  Status s = w.ExecDirect(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                   : "PRAGMA synchronous=NORMAL");
  // Statement journals (kept by every multi-row INSERT, only to undo that one statement) and
  // temporary sort tables in memory instead of files under /var/tmp: an import batch wrote 1 GB
  // of statement journal for 66 MB of WAL (bench/README.md, chain import). Durability is the
  // WAL's and is unchanged.
  if (s.ok()) {
    s = w.ExecDirect("PRAGMA temp_store=MEMORY");
  }
  if (!s.ok()) {
    cleanup();
    return s;
  }
  return std::unique_ptr<Database>(
      new SqliteDatabase(options, std::move(path), temporary, std::move(*writer)));
}

}  // namespace kechan::store::sqlite
