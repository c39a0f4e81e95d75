#include "store/event_log.h"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace kechan::store {
namespace {

constexpr int kVerifyBatch = 1000;
const std::string kZeroHash(64, '0');

// libsodium must be initialised once before use; sodium_init() is itself idempotent and
// thread-safe, the static only avoids calling it on every hash.
void EnsureSodium() {
  static const bool initialised = [] { return sodium_init() >= 0; }();
  (void)initialised;
}

void PutU64(crypto_hash_sha256_state& st, uint64_t v) {
  std::array<unsigned char, 8> b;
  for (int i = 7; i >= 0; --i) {
    b[static_cast<size_t>(i)] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
  crypto_hash_sha256_update(&st, b.data(), b.size());
}

void PutString(crypto_hash_sha256_state& st, std::string_view s) {
  PutU64(st, s.size());
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

Event EventFromRow(const Row& r) {
  Event e;
  e.seq = r.Int(0);
  e.at_us = r.Int(1);
  e.kind = r.Text(2);
  e.entity = r.Text(3);
  e.entity_id = r.Text(4);
  e.actor = r.Text(5);
  e.payload = r.Text(6);
  e.prev_hash = r.Text(7);
  e.hash = r.Text(8);
  return e;
}

constexpr std::string_view kSelectEvents =
    "SELECT seq, at_us, kind, entity, entity_id, actor, payload, prev_hash, hash FROM events "
    "WHERE seq > ? ORDER BY seq LIMIT ?";

VerifyReport Bad(int64_t checked, int64_t seq, std::string reason) {
  VerifyReport r;
  r.ok = false;
  r.checked = checked;
  r.first_bad_seq = seq;
  r.reason = std::move(reason);
  return r;
}

}  // namespace

// The hash is the lowercase hex SHA-256 of this byte string (all integers unsigned 64-bit
// big-endian; every text is its byte length as such an integer followed by its UTF-8 bytes):
//
//   text("kechan.event.v1") u64(seq) u64(at_us as two's complement)
//   text(kind) text(entity) text(entity_id) text(actor) text(payload) text(prev_hash)
//
// Length prefixes make the encoding unambiguous (no choice of field contents can make two
// different events encode alike); the leading tag versions the format.
std::string HashEvent(const Event& e) {
  EnsureSodium();
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  PutString(st, "kechan.event.v1");
  PutU64(st, static_cast<uint64_t>(e.seq));
  PutU64(st, static_cast<uint64_t>(e.at_us));
  PutString(st, e.kind);
  PutString(st, e.entity);
  PutString(st, e.entity_id);
  PutString(st, e.actor);
  PutString(st, e.payload);
  PutString(st, e.prev_hash);
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256_final(&st, digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

Result<int64_t> AppendEvent(Tx& tx, const EventDraft& draft, const base::Clock& clock) {
  if (draft.kind.empty()) {
    return base::InvalidArgument("kind", "event.kind_empty", "The event kind must not be empty",
                                 "事件类型 (kind) 不能为空");
  }
  if (draft.payload.empty()) {
    return base::InvalidArgument("payload", "event.payload_empty",
                                 "The event payload must not be empty (use \"{}\")",
                                 "事件内容 (payload) 不能为空（可使用 \"{}\"）");
  }
  // On PostgreSQL the row lock serializes appenders until commit, so seq stays gapless; on SQLite
  // the single writer connection already does.
  const std::string_view head_sql = tx.dialect() == Dialect::kPostgres
                                        ? "SELECT seq, hash FROM event_head WHERE id = 1 FOR UPDATE"
                                        : "SELECT seq, hash FROM event_head WHERE id = 1";
  KECHAN_ASSIGN_OR_RETURN(Rows head, tx.Query(head_sql));
  if (head.empty()) {
    return base::FailedPrecondition("event.head_missing",
                                    "The event log has no head row: run the migrations first",
                                    "事件日志未初始化，请先执行数据库迁移");
  }
  Event e;
  e.seq = head.rows[0].Int(0) + 1;
  e.prev_hash = head.rows[0].Text(1);
  e.at_us = clock.NowMicros();
  e.kind = draft.kind;
  e.entity = draft.entity;
  e.entity_id = draft.entity_id;
  e.actor = draft.actor;
  e.payload = draft.payload;
  e.hash = HashEvent(e);
  KECHAN_ASSIGN_OR_RETURN(
      int64_t inserted,
      tx.Exec("INSERT INTO events (seq, at_us, kind, entity, entity_id, actor, payload, prev_hash, "
              "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {e.seq, e.at_us, e.kind, e.entity, e.entity_id, e.actor, e.payload, e.prev_hash,
               e.hash}));
  (void)inserted;
  KECHAN_ASSIGN_OR_RETURN(
      int64_t updated,
      tx.Exec("UPDATE event_head SET seq = ?, hash = ? WHERE id = 1", {e.seq, e.hash}));
  if (updated != 1) {
    return base::Internal("event.head_update", "Updating the event log head changed " +
                                                   std::to_string(updated) + " rows");
  }
  return e.seq;
}

Result<std::vector<Event>> ReadEvents(Tx& tx, int64_t after_seq, int limit) {
  if (limit <= 0) {
    return base::InvalidArgument("limit", "event.limit", "The limit must be positive",
                                 "数量上限 (limit) 必须为正数");
  }
  KECHAN_ASSIGN_OR_RETURN(Rows rows,
                          tx.Query(kSelectEvents, {after_seq, static_cast<int64_t>(limit)}));
  std::vector<Event> out;
  out.reserve(rows.size());
  for (const Row& r : rows.rows) {
    out.push_back(EventFromRow(r));
  }
  return out;
}

Result<VerifyReport> VerifyLog(Database& db) {
  // One read transaction: a consistent snapshot of the head and every event.
  KECHAN_ASSIGN_OR_RETURN(auto tx, db.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(Rows head_rows,
                          tx->Query("SELECT seq, hash FROM event_head WHERE id = 1"));
  if (head_rows.empty()) {
    return base::FailedPrecondition("event.head_missing",
                                    "The event log has no head row: run the migrations first",
                                    "事件日志未初始化，请先执行数据库迁移");
  }
  const int64_t head_seq = head_rows.rows[0].Int(0);
  const std::string head_hash = head_rows.rows[0].Text(1);

  int64_t last_seq = 0;
  std::string last_hash = kZeroHash;
  int64_t checked = 0;
  while (true) {
    KECHAN_ASSIGN_OR_RETURN(std::vector<Event> batch, ReadEvents(*tx, last_seq, kVerifyBatch));
    for (const Event& e : batch) {
      if (e.seq != last_seq + 1) {
        return Bad(checked, last_seq + 1,
                   "event " + std::to_string(last_seq + 1) + " is missing (the next one is " +
                       std::to_string(e.seq) + ")");
      }
      if (HashEvent(e) != e.hash) {
        return Bad(checked, e.seq,
                   "event " + std::to_string(e.seq) + " does not match its hash (altered)");
      }
      if (e.prev_hash != last_hash) {
        return Bad(checked, e.seq,
                   "event " + std::to_string(e.seq) +
                       " does not link to the previous event's hash (chain broken)");
      }
      last_seq = e.seq;
      last_hash = e.hash;
      ++checked;
    }
    if (static_cast<int>(batch.size()) < kVerifyBatch) {
      break;
    }
  }
  if (head_seq != last_seq) {
    const int64_t bad = std::min(head_seq, last_seq) + 1;
    return Bad(checked, bad,
               "the log head says seq " + std::to_string(head_seq) + " but the last event is " +
                   std::to_string(last_seq));
  }
  if (head_hash != last_hash) {
    return Bad(checked, head_seq,
               "the log head's hash differs from event " + std::to_string(head_seq) + "'s hash");
  }
  VerifyReport ok;
  ok.checked = checked;
  return ok;
}

}  // namespace kechan::store
