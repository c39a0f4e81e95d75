#include "flow/scheduler.h"

#include <algorithm>
#include <utility>

#include "base/log.h"

namespace kechan::flow {

using base::Micros;
using base::Result;
using base::Status;
using store::Value;

std::vector<store::Migration> Migrations() {
  return {store::Migration{.module = "flow", .version = 1, .name = "timers", .sql = R"sql(
CREATE TABLE flow_timers (
  id {{id}},
  timer_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  entity TEXT NOT NULL DEFAULT '',
  entity_id TEXT NOT NULL DEFAULT '',
  due_at BIGINT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  fired_at BIGINT
);
CREATE UNIQUE INDEX flow_timers_key ON flow_timers (timer_key);
CREATE INDEX flow_timers_pending ON flow_timers (due_at) WHERE fired_at IS NULL;
CREATE INDEX flow_timers_entity ON flow_timers (entity, entity_id);
)sql"}};
}

namespace {

constexpr char kTimerColumns[] =
    "id, timer_key, kind, entity, entity_id, due_at, payload, attempts, fired_at";

Timer ReadTimer(const store::Row& r) {
  Timer t;
  t.id = r.Int(0);
  t.key = r.Text(1);
  t.kind = r.Text(2);
  t.entity = r.Text(3);
  t.entity_id = r.Text(4);
  t.due_at = r.Int(5);
  t.payload = r.Text(6);
  t.attempts = static_cast<int>(r.Int(7));
  if (!r.IsNull(8)) {
    t.fired_at = r.Int(8);
  }
  return t;
}

}  // namespace

Result<bool> ArmTimer(store::Tx& tx, const TimerDraft& d, Micros now) {
  if (d.key.empty()) {
    return base::InvalidArgument("key", "timer.key_empty", "A timer needs a key", "定时器须有键");
  }
  if (d.kind.empty()) {
    return base::InvalidArgument("kind", "timer.kind_empty", "A timer needs a kind",
                                 "定时器须有类型");
  }
  const std::string payload = d.payload.empty() ? "{}" : d.payload;
  KECHAN_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT id, fired_at, due_at, payload FROM flow_timers WHERE timer_key = ?",
               {d.key}));
  if (rows.empty()) {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO flow_timers (timer_key, kind, entity, entity_id, due_at, payload, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                {d.key, d.kind, d.entity, d.entity_id, d.due_at, payload, now})
            .status());
    return true;
  }
  const store::Row& r = rows.rows[0];
  if (!r.IsNull(1)) {
    return false;  // fired keys are never armed again
  }
  if (r.Int(2) != d.due_at || r.Text(3) != payload) {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("UPDATE flow_timers SET due_at = ?, payload = ?, attempts = 0 WHERE id = ? AND "
                "fired_at IS NULL",
                {d.due_at, payload, r.Int(0)})
            .status());
  }
  return true;
}

Result<int64_t> DisarmTimers(store::Tx& tx, std::string_view entity, std::string_view entity_id,
                             std::string_view key_prefix) {
  if (key_prefix.empty()) {
    return tx.Exec(
        "DELETE FROM flow_timers WHERE entity = ? AND entity_id = ? AND fired_at IS NULL",
        {std::string(entity), std::string(entity_id)});
  }
  return tx.Exec(
      "DELETE FROM flow_timers WHERE entity = ? AND entity_id = ? AND fired_at IS NULL AND "
      "substr(timer_key, 1, ?) = ?",
      {std::string(entity), std::string(entity_id), static_cast<int64_t>(key_prefix.size()),
       std::string(key_prefix)});
}

Result<std::vector<Timer>> TimersOf(store::Tx& tx, std::string_view entity,
                                    std::string_view entity_id) {
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx.Query(std::string("SELECT ") + kTimerColumns +
                              " FROM flow_timers WHERE entity = ? AND entity_id = ? ORDER BY "
                              "due_at, id",
                          {std::string(entity), std::string(entity_id)}));
  std::vector<Timer> out;
  out.reserve(rows.size());
  for (const auto& r : rows.rows) {
    out.push_back(ReadTimer(r));
  }
  return out;
}

void Scheduler::Handle(std::string kind, TimerHandler handler) {
  std::lock_guard lock(mu_);
  handlers_[std::move(kind)] = std::move(handler);
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Result<Scheduler::Pending> Scheduler::PendingTimers() {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT COUNT(*), MIN(due_at) FROM flow_timers WHERE fired_at IS NULL"));
  Pending p;
  if (!rows.empty()) {
    p.count = rows.rows[0].Int(0);
    if (!rows.rows[0].IsNull(1)) {
      p.next_due = rows.rows[0].Int(1);
    }
  }
  return p;
}

Result<int> Scheduler::FireDue(int limit) {
  std::lock_guard fire_lock(fire_mu_);
  const Micros now = clock_.NowMicros();
  std::vector<Timer> due;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        auto rows, tx->Query(std::string("SELECT ") + kTimerColumns +
                                 " FROM flow_timers WHERE fired_at IS NULL AND due_at <= ? "
                                 "ORDER BY due_at, id LIMIT ?",
                             {now, static_cast<int64_t>(std::max(limit, 0))}));
    for (const auto& r : rows.rows) {
      due.push_back(ReadTimer(r));
    }
  }
  int fired = 0;
  for (const Timer& t : due) {
    TimerHandler handler;
    {
      std::lock_guard lock(mu_);
      auto it = handlers_.find(t.kind);
      if (it != handlers_.end()) {
        handler = it->second;
      }
    }
    if (!handler) {
      base::Log(base::LogLevel::kWarn, "flow.timer.no_handler", {{"kind", t.kind}, {"key", t.key}});
      continue;
    }
    const Micros fire_now = clock_.NowMicros();
    bool lost = false;
    std::optional<Micros> rearm;
    Status s = store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
      // The claim: only the transaction that flips fired_at from NULL proceeds.
      KECHAN_ASSIGN_OR_RETURN(
          int64_t n, tx.Exec("UPDATE flow_timers SET fired_at = ? WHERE id = ? AND fired_at IS "
                             "NULL",
                             {fire_now, t.id}));
      if (n == 0) {
        lost = true;
        return Status();
      }
      KECHAN_ASSIGN_OR_RETURN(FireDecision d, handler(tx, t, fire_now));
      if (d.rearm_at) {
        rearm = d.rearm_at;
        KECHAN_RETURN_IF_ERROR(
            tx.Exec("UPDATE flow_timers SET fired_at = NULL, due_at = ? WHERE id = ?",
                    {*d.rearm_at, t.id})
                .status());
      }
      return Status();
    });
    std::lock_guard lock(mu_);
    if (!s.ok()) {
      ++stats_.failed;
      base::Log(base::LogLevel::kWarn, "flow.timer.failed",
                {{"key", t.key}, {"error", s.ToString()}});
      const int64_t attempts = t.attempts + 1;
      Status b = store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
        return tx
            .Exec(
                "UPDATE flow_timers SET attempts = ?, due_at = ? WHERE id = ? AND fired_at IS "
                "NULL",
                {attempts, fire_now + std::min<int64_t>(attempts, 60) * 60'000'000LL, t.id})
            .status();
      });
      (void)b;  // best effort; the timer stays pending either way
      continue;
    }
    if (lost) {
      ++stats_.lost_races;
    } else if (rearm) {
      ++stats_.rearmed;
    } else {
      ++stats_.fired;
      ++fired;
      stats_.max_lag = std::max(stats_.max_lag, fire_now - t.due_at);
    }
  }
  return fired;
}

Status Scheduler::Tick() {
  constexpr int kBatch = 500;
  // A short batch means nothing more is due (or the rest failed and waits for its backoff).
  for (int round = 0; round < 1000; ++round) {
    KECHAN_ASSIGN_OR_RETURN(int n, FireDue(kBatch));
    if (n < kBatch) {
      break;
    }
  }
  return Status();
}

}  // namespace kechan::flow
