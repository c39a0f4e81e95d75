// flow scheduler: persisted timers (table flow_timers, migration module "flow") fired exactly once
// even across restarts and across server nodes, without cron. A timer has a unique key (one per
// clock cycle and kind, e.g. "appeal:12:resolution:1:breach"); firing is ONE write transaction
// that marks the timer fired and runs the kind's handler (which appends its events in that same
// transaction). The server calls Tick() from a background thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/status.h"
#include "store/database.h"
#include "store/migrations.h"

namespace kechan::flow {

// Returns the flow module's migrations (flow_timers).
std::vector<store::Migration> Migrations();

// A timer to arm. Value type.
struct TimerDraft {
  std::string key;        // unique forever: a fired key is never armed again
  std::string kind;       // selects the handler, e.g. "appeal.sla"
  std::string entity;     // "appeal"
  std::string entity_id;  // "12"
  base::Micros due_at = 0;
  std::string payload;  // JSON object text handed to the handler
};

// A stored timer. Value type.
struct Timer {
  int64_t id = 0;
  std::string key;
  std::string kind;
  std::string entity;
  std::string entity_id;
  base::Micros due_at = 0;
  std::string payload;
  int attempts = 0;
  std::optional<base::Micros> fired_at;
};

// Arms `draft` inside `tx` (a write transaction). A pending timer with the same key moves to the
// new due_at/payload; a fired one is left alone (returns false). Returns true when armed.
// Errors: InvalidArgument naming "key"/"kind" when empty; the database's.
base::Result<bool> ArmTimer(store::Tx& tx, const TimerDraft& draft, base::Micros now);
// Removes the pending (unfired) timers of `entity`/`entity_id` whose key starts with `key_prefix`
// (empty prefix: all of them). Returns how many.
base::Result<int64_t> DisarmTimers(store::Tx& tx, std::string_view entity,
                                   std::string_view entity_id, std::string_view key_prefix = "");
// Reads the timers of one entity (fired or not), by due_at.
base::Result<std::vector<Timer>> TimersOf(store::Tx& tx, std::string_view entity,
                                          std::string_view entity_id);

// What a handler decided.
struct FireDecision {
  // nullopt: the timer fired (stays marked fired). A value: it is not due after all (e.g. the
  // clock was paused or the calendar changed); re-arm it at that instant, unfired.
  std::optional<base::Micros> rearm_at;
};

// Runs inside the firing write transaction. Errors roll the transaction back; the timer stays
// pending and is retried with backoff (attempts + 1, due_at + attempts minutes).
using TimerHandler =
    std::function<base::Result<FireDecision>(store::Tx& tx, const Timer& timer, base::Micros now)>;

struct SchedulerStats {
  int64_t fired = 0;
  int64_t rearmed = 0;
  int64_t failed = 0;
  int64_t lost_races = 0;    // another node or thread fired it first
  base::Micros max_lag = 0;  // largest now - due_at seen at firing
};

// Thread-safe: handlers are registered before the first Tick; Tick/FireDue may run on any
// thread (concurrent calls are serialized per Scheduler; several nodes may run their own).
class Scheduler {
 public:
  Scheduler(store::Database& db, const base::Clock& clock) : db_(db), clock_(clock) {}

  // Registers the handler of `kind` (replaces an earlier one).
  void Handle(std::string kind, TimerHandler handler);

  // Fires up to `limit` due timers (due_at <= now), each in its own write transaction, oldest
  // first; returns how many fired. Timers of a kind without handler are skipped (logged).
  base::Result<int> FireDue(int limit);
  // Fires every due timer (FireDue in batches of 500 until a batch is short).
  base::Status Tick();

  // Number of pending timers and the earliest due_at among them.
  struct Pending {
    int64_t count = 0;
    std::optional<base::Micros> next_due;
  };
  base::Result<Pending> PendingTimers();

  SchedulerStats stats() const;

 private:
  store::Database& db_;
  const base::Clock& clock_;
  mutable std::mutex mu_;  // guards handlers_ and stats_
  std::mutex fire_mu_;     // serializes FireDue in this process
  std::map<std::string, TimerHandler, std::less<>> handlers_;
  SchedulerStats stats_;
};

}  // namespace kechan::flow
