#include "store/event_follower.h"

#include <utility>

namespace kechan::store {
namespace {

Result<int64_t> ReadCursor(Tx& tx, const std::string& consumer, bool lock) {
  std::string sql = "SELECT seq FROM event_cursors WHERE consumer = ?";
  if (lock && tx.dialect() == Dialect::kPostgres) {
    sql += " FOR UPDATE";
  }
  KECHAN_ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, {consumer}));
  return rows.empty() ? int64_t{0} : rows.rows[0].Int(0);
}

base::Status WriteCursor(Tx& tx, const std::string& consumer, int64_t seq) {
  KECHAN_ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Exec("UPDATE event_cursors SET seq = ? WHERE consumer = ?", {seq, consumer}));
  if (changed == 0) {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO event_cursors (consumer, seq) VALUES (?, ?)", {consumer, seq})
            .status());
  }
  return base::Status::Ok();
}

base::Status CheckConsumer(const std::string& consumer) {
  if (consumer.empty() || consumer.size() > 64) {
    return base::InvalidArgument("consumer", "store.bad_consumer",
                                 "event consumer name must be 1-64 characters",
                                 "事件消费者名称须为 1 至 64 个字符");
  }
  return base::Status::Ok();
}

}  // namespace

Result<int64_t> EventFollower::Cursor() {
  KECHAN_RETURN_IF_ERROR(CheckConsumer(consumer_));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  return ReadCursor(*tx, consumer_, false);
}

Result<int64_t> EventFollower::Head() {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(Rows rows, tx->Query("SELECT seq FROM event_head WHERE id = 1"));
  return rows.empty() ? int64_t{0} : rows.rows[0].Int(0);
}

Result<int> EventFollower::Step(const ApplyFn& apply, int batch) {
  KECHAN_RETURN_IF_ERROR(CheckConsumer(consumer_));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kWrite));
  KECHAN_ASSIGN_OR_RETURN(int64_t cursor, ReadCursor(*tx, consumer_, true));
  KECHAN_ASSIGN_OR_RETURN(std::vector<Event> events, ReadEvents(*tx, cursor, batch));
  if (events.empty()) {
    return 0;  // nothing to do; the transaction rolls back
  }
  KECHAN_RETURN_IF_ERROR(apply(*tx, events));
  KECHAN_RETURN_IF_ERROR(WriteCursor(*tx, consumer_, events.back().seq));
  KECHAN_RETURN_IF_ERROR(tx->Commit());
  return static_cast<int>(events.size());
}

Result<std::vector<Event>> EventFollower::Next(int batch) {
  KECHAN_RETURN_IF_ERROR(CheckConsumer(consumer_));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(int64_t cursor, ReadCursor(*tx, consumer_, false));
  return ReadEvents(*tx, cursor, batch);
}

base::Status EventFollower::Advance(int64_t seq) {
  KECHAN_RETURN_IF_ERROR(CheckConsumer(consumer_));
  return WithWriteTx(db_, [&](Tx& tx) -> base::Status {
    KECHAN_ASSIGN_OR_RETURN(int64_t cursor, ReadCursor(tx, consumer_, true));
    if (seq < cursor) {
      return base::Status::Ok();  // never move backwards by accident; Reset() does that
    }
    return WriteCursor(tx, consumer_, seq);
  });
}

base::Status EventFollower::Reset() {
  KECHAN_RETURN_IF_ERROR(CheckConsumer(consumer_));
  return WithWriteTx(db_, [&](Tx& tx) { return WriteCursor(tx, consumer_, 0); });
}

}  // namespace kechan::store
