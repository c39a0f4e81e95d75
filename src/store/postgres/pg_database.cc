#include "store/postgres/pg_database.h"

#include <libpq-fe.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/errors.h"
#include "store/sql_text.h"

namespace kechan::store::postgres {
namespace {

// Type OIDs from pg_type.h (stable across PostgreSQL versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr size_t kMaxCachedStatements = 256;

// Owns a PGresult.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string TrimMessage(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

// Returns the first column named in a detail like "Key (email)=(a@b) already exists."
std::string KeyField(const char* detail) {
  if (detail == nullptr) {
    return {};
  }
  std::string_view d(detail);
  size_t open = d.find("Key (");
  if (open == std::string_view::npos) {
    return {};
  }
  d = d.substr(open + 5);
  size_t end = d.find_first_of(",)");
  if (end == std::string_view::npos) {
    return {};
  }
  std::string field(d.substr(0, end));
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
    field = field.substr(1, field.size() - 2);
  }
  return field;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Maps a failed result (or a missing one) onto the port's codes by SQLSTATE.
Status MapError(PGconn* conn, const PGresult* res) {
  if (res == nullptr) {
    return internal::Busy(TrimMessage(PQerrorMessage(conn)));
  }
  const char* state_c = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  std::string msg = TrimMessage(PQresultErrorMessage(res));
  if (msg.empty()) {
    msg = TrimMessage(PQerrorMessage(conn));
  }
  if (state_c == nullptr) {
    // libpq's own errors (lost connection, protocol trouble) carry no SQLSTATE.
    if (PQstatus(conn) == CONNECTION_BAD) {
      return internal::Busy(msg);
    }
    return internal::DriverError(msg);
  }
  const std::string state = state_c;
  const std::string detail = msg + " [SQLSTATE " + state + "]";
  const char* pg_detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
  if (state == "23505") {
    return internal::UniqueViolation(KeyField(pg_detail), detail);
  }
  if (StartsWith(state, "23")) {
    const char* column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    std::string field = column != nullptr ? std::string(column) : KeyField(pg_detail);
    return internal::ConstraintViolation(std::move(field), detail);
  }
  if (StartsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" ||
      state == "40001" || state == "40P01" || state == "53300" || state == "55P03") {
    return internal::Busy(detail);
  }
  return internal::DriverError(detail);
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "Infinity" : "-Infinity";
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d);  // shortest text that reads back exactly
  return std::string(buf, res.ptr);
}

double ParseDouble(const char* v, int len) {
  std::string_view s(v, static_cast<size_t>(len));
  if (s == "NaN") {
    return std::nan("");
  }
  if (s == "Infinity") {
    return HUGE_VAL;
  }
  if (s == "-Infinity") {
    return -HUGE_VAL;
  }
  double out = 0.0;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return out;
}

Value ToValue(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col) != 0) {
    return nullptr;
  }
  const char* v = PQgetvalue(res, row, col);
  const int len = PQgetlength(res, row, col);
  switch (PQftype(res, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t out = 0;
      std::from_chars(v, v + len, out);
      return out;
    }
    case kBoolOid:
      return static_cast<int64_t>(len > 0 && v[0] == 't' ? 1 : 0);
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      return ParseDouble(v, len);
    case kByteaOid: {
      size_t n = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &n);
      if (raw == nullptr) {
        return std::string(v, static_cast<size_t>(len));
      }
      std::string out(reinterpret_cast<const char*>(raw), n);
      PQfreemem(raw);
      return out;
    }
    default:
      return std::string(v, static_cast<size_t>(len));
  }
}

struct Prepared {
  std::string name;
  std::vector<Oid> param_types;
};

// One libpq connection and its prepared statements. Thread-compatible: used by one transaction
// (so one thread) at a time.
class Connection {
 public:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* raw() const { return conn_; }

  bool Healthy() const {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

  // Runs parameterless SQL with the simple protocol (BEGIN, COMMIT, SET ...); returns the
  // command tag.
  Result<std::string> ExecSimple(const char* sql) {
    PgResult res(PQexec(conn_, sql));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return MapError(conn_, res.get());
    }
    return std::string(PQcmdStatus(res.get()));
  }

  // Runs one statement; fills `rows` when not null and returns the number of rows affected.
  Result<int64_t> Run(std::string_view sql, std::span<const Value> params, Rows* rows) {
    internal::RewrittenSql rewritten = internal::RewritePlaceholders(sql);
    if (rewritten.params != static_cast<int>(params.size())) {
      return base::Internal("store.param_count",
                            "The statement has " + std::to_string(rewritten.params) +
                                " placeholders but got " + std::to_string(params.size()) +
                                " parameters: " + std::string(sql));
    }
    const std::string kw = internal::FirstKeyword(sql);
    const bool cacheable = kw == "SELECT" || kw == "INSERT" || kw == "UPDATE" || kw == "DELETE" ||
                           kw == "WITH" || kw == "VALUES";
    const Prepared* prepared = nullptr;
    std::string cache_key;
    if (cacheable) {
      cache_key = std::string(sql);
      KECHAN_ASSIGN_OR_RETURN(prepared, Prepare(cache_key, rewritten));
    }

    const size_t n = params.size();
    std::vector<std::string> text(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const Value& p = params[i];
      if (std::holds_alternative<std::nullptr_t>(p)) {
        continue;
      }
      if (const auto* iv = std::get_if<int64_t>(&p)) {
        text[i] = std::to_string(*iv);
      } else if (const auto* dv = std::get_if<double>(&p)) {
        text[i] = FormatDouble(*dv);
      } else {
        const std::string& s = std::get<std::string>(p);
        if (prepared != nullptr && i < prepared->param_types.size() &&
            prepared->param_types[i] == kByteaOid) {
          values[i] = s.data();  // raw bytes in binary format
          lengths[i] = static_cast<int>(s.size());
          formats[i] = 1;
          continue;
        }
        if (s.find('\0') != std::string::npos) {
          return base::InvalidArgument("", "store.nul_in_text",
                                       "Text values cannot contain a NUL character",
                                       "文本中不能包含 NUL 字符");
        }
        values[i] = s.c_str();
        continue;
      }
      values[i] = text[i].c_str();
    }

    PgResult res;
    if (prepared != nullptr) {
      res.reset(PQexecPrepared(conn_, prepared->name.c_str(), static_cast<int>(n), values.data(),
                               lengths.data(), formats.data(), 0));
    } else {
      res.reset(PQexecParams(conn_, rewritten.sql.c_str(), static_cast<int>(n), nullptr,
                             values.data(), lengths.data(), formats.data(), 0));
    }
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
      if (prepared != nullptr && state != nullptr && std::string_view(state) == "0A000") {
        cache_.erase(cache_key);  // "cached plan must not change result type": prepare anew
      }
      return MapError(conn_, res.get());
    }
    if (rows != nullptr) {
      const int ncols = PQnfields(res.get());
      const int nrows = PQntuples(res.get());
      if (rows->columns.empty()) {
        for (int c = 0; c < ncols; ++c) {
          rows->columns.emplace_back(PQfname(res.get(), c));
        }
      }
      rows->rows.reserve(rows->rows.size() + static_cast<size_t>(nrows));
      for (int r = 0; r < nrows; ++r) {
        std::vector<Value> cols;
        cols.reserve(static_cast<size_t>(ncols));
        for (int c = 0; c < ncols; ++c) {
          cols.push_back(ToValue(res.get(), r, c));
        }
        rows->rows.emplace_back(std::move(cols));
      }
    }
    if (StartsWith(PQcmdStatus(res.get()), "SELECT")) {
      return int64_t{0};  // rows returned, not changed (as on SQLite)
    }
    const char* tuples = PQcmdTuples(res.get());
    return static_cast<int64_t>(tuples != nullptr && *tuples != '\0' ? std::atoll(tuples) : 0);
  }

  // COPY `table` (`columns`) FROM STDIN in text format; returns the number of rows copied. The
  // shape was checked by the caller (internal::AppendRowCount).
  Result<int64_t> Copy(std::string_view table, std::span<const std::string> columns,
                       std::span<const Value> values) {
    std::string target = std::string(table) + " (";
    for (size_t c = 0; c < columns.size(); ++c) {
      target += (c ? ", " : "") + columns[c];
    }
    target += ")";
    KECHAN_ASSIGN_OR_RETURN(const std::vector<Oid>* types, ColumnTypes(table, target));
    if (types->size() != columns.size()) {
      return base::Internal("store.copy_columns", "COPY " + target + ": column types not known");
    }
    const std::string copy = "COPY " + target + " FROM STDIN";
    PgResult start(PQexec(conn_, copy.c_str()));
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) {
      return MapError(conn_, start.get());
    }
    start.reset();
    constexpr size_t kFlushBytes = 1 << 18;
    const size_t width = columns.size();
    std::string buf;
    buf.reserve(kFlushBytes + 4096);
    Status encode_error = Status::Ok();
    bool send_failed = false;
    for (size_t i = 0; i < values.size() && encode_error.ok(); ++i) {
      const size_t col = i % width;
      if (col > 0) {
        buf += '\t';
      }
      encode_error = AppendCopyValue(values[i], (*types)[col], &buf);
      if (col + 1 == width) {
        buf += '\n';
        if (buf.size() >= kFlushBytes) {
          if (PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) != 1) {
            send_failed = true;
            break;
          }
          buf.clear();
        }
      }
    }
    if (!send_failed && encode_error.ok() && !buf.empty() &&
        PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) != 1) {
      send_failed = true;
    }
    if (PQputCopyEnd(conn_, encode_error.ok() ? nullptr : "a value could not be encoded") != 1) {
      send_failed = true;
    }
    // Drain every result: the COPY's own (its row count or the server's error), then the end.
    Result<int64_t> out = int64_t{0};
    bool have = false;
    while (PGresult* raw = PQgetResult(conn_)) {
      PgResult res(raw);
      if (have) {
        continue;
      }
      have = true;
      if (PQresultStatus(res.get()) == PGRES_COMMAND_OK) {
        const char* tuples = PQcmdTuples(res.get());
        out = static_cast<int64_t>(tuples != nullptr && *tuples != '\0' ? std::atoll(tuples) : 0);
      } else {
        out = MapError(conn_, res.get());
      }
      if (PQstatus(conn_) == CONNECTION_BAD) {
        break;
      }
    }
    if (!encode_error.ok()) {
      return encode_error;
    }
    if (!have || (send_failed && out.ok())) {
      return internal::Busy("COPY " + std::string(table) + ": " +
                            TrimMessage(PQerrorMessage(conn_)));
    }
    return out;
  }

 private:
  // The server's type of each column of `target` ("table (a, b)"), learned once per connection
  // from an empty query.
  Result<const std::vector<Oid>*> ColumnTypes(std::string_view table, const std::string& target) {
    auto it = column_types_.find(target);
    if (it != column_types_.end()) {
      return &it->second;
    }
    const size_t open = target.find('(');
    const std::string sql = "SELECT " + target.substr(open + 1, target.size() - open - 2) +
                            " FROM " + std::string(table) + " WHERE false";
    PgResult res(PQexec(conn_, sql.c_str()));
    if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
      return MapError(conn_, res.get());
    }
    std::vector<Oid> types;
    types.reserve(static_cast<size_t>(PQnfields(res.get())));
    for (int c = 0; c < PQnfields(res.get()); ++c) {
      types.push_back(PQftype(res.get(), c));
    }
    return &column_types_.emplace(target, std::move(types)).first->second;
  }

  // Appends one value in COPY text format: \N for NULL, backslash escapes for text, bytea as
  // escaped hex.
  static Status AppendCopyValue(const Value& v, Oid type, std::string* out) {
    if (std::holds_alternative<std::nullptr_t>(v)) {
      *out += "\\N";
      return Status::Ok();
    }
    if (const auto* iv = std::get_if<int64_t>(&v)) {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), *iv);
      out->append(buf, res.ptr);
      return Status::Ok();
    }
    if (const auto* dv = std::get_if<double>(&v)) {
      *out += FormatDouble(*dv);
      return Status::Ok();
    }
    const std::string& s = std::get<std::string>(v);
    if (type == kByteaOid) {
      static constexpr char kHex[] = "0123456789abcdef";
      *out += "\\\\x";  // the bytea hex prefix \x, its backslash escaped for COPY
      for (unsigned char c : s) {
        *out += kHex[c >> 4];
        *out += kHex[c & 15];
      }
      return Status::Ok();
    }
    for (char c : s) {
      switch (c) {
        case '\0':
          return base::InvalidArgument("", "store.nul_in_text",
                                       "Text values cannot contain a NUL character",
                                       "文本中不能包含 NUL 字符");
        case '\\':
          *out += "\\\\";
          break;
        case '\n':
          *out += "\\n";
          break;
        case '\r':
          *out += "\\r";
          break;
        case '\t':
          *out += "\\t";
          break;
        default:
          *out += c;
      }
    }
    return Status::Ok();
  }

  // Returns the prepared statement for `key`, preparing it (and learning the parameter types the
  // server inferred) on first use.
  Result<const Prepared*> Prepare(const std::string& key, const internal::RewrittenSql& rewritten) {
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      return &it->second;
    }
    if (cache_.size() >= kMaxCachedStatements) {
      KECHAN_ASSIGN_OR_RETURN(std::string tag, ExecSimple("DEALLOCATE ALL"));
      (void)tag;
      cache_.clear();
    }
    Prepared p;
    p.name = "kechan_" + std::to_string(next_id_++);
    PgResult res(
        PQprepare(conn_, p.name.c_str(), rewritten.sql.c_str(), rewritten.params, nullptr));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return MapError(conn_, res.get());
    }
    PgResult desc(PQdescribePrepared(conn_, p.name.c_str()));
    if (!desc || PQresultStatus(desc.get()) != PGRES_COMMAND_OK) {
      return MapError(conn_, desc.get());
    }
    const int np = PQnparams(desc.get());
    for (int i = 0; i < np; ++i) {
      p.param_types.push_back(PQparamtype(desc.get(), i));
    }
    auto [ins, inserted] = cache_.emplace(key, std::move(p));
    return &ins->second;
  }

  PGconn* conn_;
  std::unordered_map<std::string, Prepared> cache_;
  std::unordered_map<std::string, std::vector<Oid>> column_types_;  // Copy's target -> types
  uint64_t next_id_ = 0;
};

class PgDatabase;

// A transaction on one pooled connection. Not thread-safe.
class PgTx final : public Tx {
 public:
  PgTx(PgDatabase* owner, std::unique_ptr<Connection> conn)
      : owner_(owner), conn_(std::move(conn)) {}
  ~PgTx() override { Finish(); }

  Result<int64_t> Exec(std::string_view sql, std::span<const Value> params) override {
    KECHAN_RETURN_IF_ERROR(Usable());
    auto r = conn_->Run(sql, params, nullptr);
    if (!r.ok()) {
      aborted_ = r.status();
    }
    return r;
  }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    KECHAN_RETURN_IF_ERROR(Usable());
    Rows rows;
    auto r = conn_->Run(sql, params, &rows);
    if (!r.ok()) {
      aborted_ = r.status();
      return r.status();
    }
    return rows;
  }

  Result<int64_t> AppendRows(std::string_view table, std::span<const std::string> columns,
                             std::span<const Value> values) override {
    KECHAN_ASSIGN_OR_RETURN(size_t rows, internal::AppendRowCount(table, columns, values.size()));
    KECHAN_RETURN_IF_ERROR(Usable());
    if (rows == 0) {
      return int64_t{0};
    }
    auto r = conn_->Copy(table, columns, values);
    if (!r.ok()) {
      aborted_ = r.status();
    }
    return r;
  }

  Status Commit() override {
    KECHAN_RETURN_IF_ERROR(Usable());
    auto tag = conn_->ExecSimple("COMMIT");
    Status s = tag.ok() ? Status::Ok() : tag.status();
    if (tag.ok() && *tag != "COMMIT") {
      s = base::Internal("store.commit_rolled_back",
                         "The server rolled the transaction back instead of committing it");
    }
    done_ = s.ok();
    Finish();
    return s;
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

 private:
  Status Usable() const {
    if (done_ || !conn_) {
      return internal::TxFinished();
    }
    if (aborted_.has_value()) {
      return internal::TxAborted(*aborted_);
    }
    return Status::Ok();
  }

  void Finish();

  PgDatabase* owner_;
  std::unique_ptr<Connection> conn_;
  bool done_ = false;
  std::optional<Status> aborted_;
};

// Thread-safe.
class PgDatabase final : public Database {
 public:
  PgDatabase(OpenOptions options, std::string description)
      : options_(std::move(options)),
        description_(std::move(description)),
        max_open_(std::max(options_.read_connections, 1)) {}

  ~PgDatabase() override {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.clear();
  }

  Result<std::unique_ptr<Tx>> Begin(TxKind kind) override {
    const char* begin = kind == TxKind::kRead ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                              : "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE";
    for (int attempt = 0;; ++attempt) {
      KECHAN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Acquire());
      auto tag = conn->ExecSimple(begin);
      if (tag.ok()) {
        return std::unique_ptr<Tx>(new PgTx(this, std::move(conn)));
      }
      const bool broken = PQstatus(conn->raw()) == CONNECTION_BAD;
      Release(std::move(conn));
      if (!broken || attempt > 0) {
        return tag.status();
      }
      // The server restarted or dropped us: the other idle connections are likely stale too.
      DropIdle();
    }
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Backup(const std::string& /*dest*/) override {
    return base::FailedPrecondition(
        "store.backup_unsupported",
        "Online backup is not available for PostgreSQL: back it up with pg_dump (see "
        "docs/operations.md)",
        "PostgreSQL 不支持在线备份接口，请使用 pg_dump 备份（见 docs/operations.md）");
  }

  std::string Describe() const override { return description_; }

  // Returns a connection to the pool, or closes it when broken or still inside a transaction.
  void Release(std::unique_ptr<Connection> conn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (conn && conn->Healthy() && static_cast<int>(idle_.size()) < max_open_) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
    conn.reset();  // closes outside the lock when not pooled
  }

  // Opens a new connection (also used by Open() to check the server is reachable).
  Result<std::unique_ptr<Connection>> Connect() {
    // Defaults come before dbname so that the URL's own settings override them.
    const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                          nullptr};
    const char* vals[] = {"10", "kechan", "UTF8", options_.url.c_str(), nullptr};
    PGconn* raw = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
    if (raw == nullptr) {
      return internal::Busy("out of memory creating a PostgreSQL connection");
    }
    auto conn = std::make_unique<Connection>(raw);
    if (PQstatus(raw) != CONNECTION_OK) {
      return base::Unavailable(
          "store.connect_failed",
          "Cannot connect to " + description_ + ": " + TrimMessage(PQerrorMessage(raw)),
          "无法连接 PostgreSQL 数据库：" + description_);
    }
    PQsetNoticeProcessor(
        raw, [](void*, const char*) {}, nullptr);  // e.g. "already exists"
    KECHAN_ASSIGN_OR_RETURN(std::string tag, conn->ExecSimple("SET TIME ZONE 'UTC'"));
    (void)tag;
    return conn;
  }

  void AddPooled(std::unique_ptr<Connection> conn) {
    std::lock_guard<std::mutex> lock(mu_);
    ++open_;
    idle_.push_back(std::move(conn));
  }

 private:
  Result<std::unique_ptr<Connection>> Acquire() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto available = [&] { return !idle_.empty() || open_ < max_open_; };
      if (options_.busy_timeout_ms <= 0) {
        cv_.wait(lock, available);
      } else if (!cv_.wait_for(lock, std::chrono::milliseconds(options_.busy_timeout_ms),
                               available)) {
        return internal::Busy("all " + std::to_string(max_open_) +
                              " PostgreSQL connections stayed busy for " +
                              std::to_string(options_.busy_timeout_ms) + " ms");
      }
      if (!idle_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      ++open_;  // reserve the slot, connect outside the lock
    }
    auto conn = Connect();
    if (!conn.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        --open_;
      }
      cv_.notify_one();
    }
    return conn;
  }

  void DropIdle() {
    std::vector<std::unique_ptr<Connection>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dropped.swap(idle_);
      open_ -= static_cast<int>(dropped.size());
    }
    cv_.notify_all();
  }

  const OpenOptions options_;
  const std::string description_;
  const int max_open_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;  // idle plus checked-out connections; guarded by mu_
};

void PgTx::Finish() {
  if (!conn_) {
    return;
  }
  if (!done_ && PQstatus(conn_->raw()) == CONNECTION_OK &&
      PQtransactionStatus(conn_->raw()) != PQTRANS_IDLE) {
    (void)conn_->ExecSimple("ROLLBACK");
  }
  done_ = true;
  owner_->Release(std::move(conn_));
}

// Returns "postgresql://user@host:port/dbname" without the password or other options.
std::string DescribeUrl(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    PQfreemem(err);
    return "postgresql://(unparsable url)";
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) {
      continue;
    }
    std::string_view k = o->keyword;
    if (k == "user") {
      user = o->val;
    } else if (k == "host") {
      host = o->val;
    } else if (k == "port") {
      port = o->val;
    } else if (k == "dbname") {
      dbname = o->val;
    }
  }
  PQconninfoFree(opts);
  std::string out = "postgresql://";
  if (!user.empty()) {
    out += user + "@";
  }
  out += host;
  if (!port.empty()) {
    out += ":" + port;
  }
  out += "/" + dbname;
  return out;
}

}  // namespace

Result<std::unique_ptr<Database>> Open(const OpenOptions& options) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &err);
  if (parsed == nullptr) {
    std::string msg = TrimMessage(err);
    PQfreemem(err);
    return base::InvalidArgument("database.url", "store.url_invalid",
                                 "The PostgreSQL URL is invalid: " + msg,
                                 "PostgreSQL 数据库地址 (database.url) 无效");
  }
  PQconninfoFree(parsed);
  auto db = std::make_unique<PgDatabase>(options, DescribeUrl(options.url));
  KECHAN_ASSIGN_OR_RETURN(std::unique_ptr<Connection> first, db->Connect());
  db->AddPooled(std::move(first));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace kechan::store::postgres
