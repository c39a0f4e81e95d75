// A named consumer of the event log that remembers the last event it applied (table
// event_cursors), so everything derived from events (search index, notifications, SLA timers)
// catches up after a crash or restart and never applies an event twice to the database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "store/event_log.h"

namespace kechan::store {

// Thread-compatible: one follower per consumer per process; Step() is safe across processes
// (the cursor row is locked for the transaction on PostgreSQL; SQLite has a single writer).
class EventFollower {
 public:
  // `consumer` names the cursor, e.g. "notify", "search", "flow.timers" (1–64 chars).
  EventFollower(Database& db, std::string consumer) : db_(db), consumer_(std::move(consumer)) {}

  const std::string& consumer() const { return consumer_; }

  // The seq of the last applied event (0 when the consumer never ran).
  Result<int64_t> Cursor();

  // For consumers whose effects live in the database (inbox rows, timers): reads up to `batch`
  // events after the cursor and calls `apply(tx, events)` inside one write transaction that also
  // advances the cursor, so effects and cursor commit together — exactly once. When `apply`
  // fails nothing is committed and the error is returned (the same batch is retried next time).
  // Returns the number of events applied (0 when caught up).
  using ApplyFn = std::function<base::Status(Tx& tx, const std::vector<Event>& events)>;
  Result<int> Step(const ApplyFn& apply, int batch = 500);

  // For consumers whose effects live outside the database (a Xapian index): reads the next
  // batch after the cursor in a read transaction; the caller applies it durably, then calls
  // Advance(last seq). After a crash in between the batch is read again, so the external apply
  // must be idempotent (e.g. replace-by-id).
  Result<std::vector<Event>> Next(int batch = 500);
  base::Status Advance(int64_t seq);

  // Moves the cursor back to 0 (a full rebuild follows).
  base::Status Reset();

  // The seq of the newest event in the log (for progress: Cursor() / Head()).
  Result<int64_t> Head();

 private:
  Database& db_;
  std::string consumer_;
};

}  // namespace kechan::store
