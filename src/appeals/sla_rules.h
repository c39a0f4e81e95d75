// appeals SLA rules (issue 4 §1, §7): the goals and warning shares of the appeal clocks as data
// operators edit — a default per clock plus per-type overrides, stored in appeal_sla_rules
// (appeals migration 5), each change one write transaction with an "appeal.sla_rules_changed"
// event.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "flow/sla.h"
#include "store/database.h"

namespace kechan::appeals {

// The `type` of a rule that applies to every appeal type (the default row).
inline constexpr char kAnyAppealType[] = "*";
// The event every change of the rules appends (entity "appeal_sla_rules").
inline constexpr char kSlaRulesChangedEvent[] = "appeal.sla_rules_changed";

// One stored rule: the goal and warning share of `clock` for `type` ("*" = every type). Value
// type.
struct SlaRule {
  std::string type;
  std::string clock;  // "sign_for", "response", "resolution"
  flow::Goal goal;
  double warn_share = 0.8;
  base::Micros updated_at = 0;
  std::string updated_by;
};

// Where an effective value comes from: the clock spec in code ("builtin"), the stored default
// rule ("default") or the stored rule of the type ("type").
struct EffectiveClock {
  flow::ClockSpec spec;
  std::string source;
};

// A snapshot of the rules in force. Value type (immutable once built; share it freely).
class SlaRuleSet {
 public:
  SlaRuleSet() = default;
  SlaRuleSet(int64_t version, std::vector<SlaRule> rules);

  // The seq of the last change event (0: never changed since the migration seeded the table).
  int64_t version() const { return version_; }
  const std::vector<SlaRule>& rules() const { return rules_; }
  // The stored rule of (type, clock), if any.
  const SlaRule* Find(std::string_view type, std::string_view clock) const;

  // The clocks of an appeal of `type`: flow::DefaultAppealClocks() (the event lists), with goal
  // and warn_share from the stored rule of the type, else the stored default, else the code.
  // `type` "*" (or an unknown type) gives the defaults.
  std::vector<flow::ClockSpec> ClocksFor(std::string_view type) const;
  // The same with the source of every value.
  std::vector<EffectiveClock> Resolve(std::string_view type) const;

 private:
  int64_t version_ = 0;
  std::vector<SlaRule> rules_;
};

// One requested change of a rule. `inherit` removes the stored rule (the type falls back to the
// default, the default to the code); otherwise `goal` and `warn_share` are both required.
struct SlaRuleChange {
  std::string type;  // an appeal type id or "*"
  std::string clock;
  bool inherit = false;
  std::optional<flow::Goal> goal;
  std::optional<double> warn_share;
};

// Checks `changes` (at least one, at most 200, no (type, clock) twice). Errors: InvalidArgument
// naming "rules" (empty/too many), "rules[i].type" (sla_rules.type — not "*" nor an appeal
// type), "rules[i].clock" (sla_rules.clock — not an appeal clock), "rules[i].goal" (missing),
// "rules[i].goal.amount" (sla.spec.goal: outside 1..10000), "rules[i].warn_share"
// (sla_rules.warn_share: outside [0, 1), or missing), "rules[i]" (sla_rules.duplicate), each with
// zh and en messages. The clock each change yields is also checked with flow::ValidateClockSpec.
base::Status ValidateSlaRuleChanges(const std::vector<SlaRuleChange>& changes);

// Reads the rules in force inside `tx`.
base::Result<SlaRuleSet> LoadSlaRules(store::Tx& tx);
// The version of the rules in force (cheap: one row).
base::Result<int64_t> LoadSlaRulesVersion(store::Tx& tx);

// One changed value in the history: old → new.
// Both sides are the values in effect for (type, clock); `*_inherited` says the row had no rule
// of its own on that side (the value came from the default or the code).
struct SlaRuleDiff {
  std::string type;
  std::string clock;
  std::optional<SlaRule> before;
  std::optional<SlaRule> after;
  bool before_inherited = false;
  bool after_inherited = false;
};

// Validates and applies `changes` inside `tx` (a write transaction): upserts/deletes the rows,
// appends one kSlaRulesChangedEvent event listing every diff and stores its seq as the new
// version. A change that alters nothing is left out; when nothing changes no event is written and
// the returned diff list is empty. Errors: ValidateSlaRuleChanges's; the database's.
base::Result<std::vector<SlaRuleDiff>> ApplySlaRuleChanges(
    store::Tx& tx, const std::vector<SlaRuleChange>& changes, const std::string& actor,
    const base::Clock& clock);

// One change as the history shows it (from the event log). Value type.
struct SlaRuleHistoryEntry {
  int64_t seq = 0;
  base::Micros at = 0;
  std::string actor;       // "user:12", "cli"
  std::string actor_name;  // display name of a "user:N" actor, else ""
  std::vector<SlaRuleDiff> diffs;
};

// The last `limit` changes, newest first.
base::Result<std::vector<SlaRuleHistoryEntry>> LoadSlaRuleHistory(store::Tx& tx, int limit);

// The rules in force as last loaded, refreshed whenever a transaction shows a newer version, so
// every node follows a change made on another one at its next clock computation.
// Thread-safe.
class SlaRuleCache {
 public:
  // The rules in force as seen by `tx` (reloads when the stored version differs from the cached).
  base::Result<std::shared_ptr<const SlaRuleSet>> Get(store::Tx& tx);
  // The last loaded snapshot; nullptr before the first load.
  std::shared_ptr<const SlaRuleSet> Last() const;
  // Replaces the snapshot (after a change committed by this process).
  void Set(std::shared_ptr<const SlaRuleSet> rules);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const SlaRuleSet> rules_;  // guarded by mu_
};

// Progress of the background recomputation of every open appeal's clocks. Value type.
struct ClockRecomputeStatus {
  int64_t id = 0;               // 0: none ever started
  std::string state = "idle";   // "idle", "running", "done", "failed"
  std::string started_by;       // actor ("user:12")
  std::string started_by_name;  // display name of a "user:N" actor (filled by the service)
  base::Micros started_at = 0;
  base::Micros finished_at = 0;  // 0 while running
  int64_t processed = 0;         // open appeals recomputed so far
  int64_t total = 0;             // open appeals to recompute
  int64_t changed = 0;           // when done: appeals whose colour or due time moved
  int64_t timers = 0;            // when done: pending SLA timers
  double seconds = 0;            // when done
  base::Status error;            // when failed
  // The owner: the server that runs the job ("host/pid"), and the last time (by the runner's
  // Clock) it said it was alive. A "running" job whose heartbeat is older than
  // ClockRecomputeRunner::kLease reads as failed ("sla.recompute_interrupted").
  std::string node;
  base::Micros heartbeat_at = 0;
};

// Runs one recomputation at a time on a thread of its own and keeps every job in
// appeal_recompute_jobs (appeals migrations 6 and 7): a row is written when the job starts, its
// progress about every kProgressInterval between batches (the replay's write transactions are
// short, so this never waits behind the job itself), and its final counts or error when it
// ends. Every job has an owner (this runner's instance token, plus node "host/pid" for people)
// and a heartbeat (heartbeat_at, by the injected Clock) that the owner refreshes at least every
// kHeartbeatInterval while the job runs: with each progress save once the Clock has moved that
// far, and from a heartbeat thread between batches. Whichever server reads the newest job (the
// owner or another one sharing the database), a "running" row counts as interrupted only when
// its heartbeat is older than kLease (= 3 x kHeartbeatInterval): it then reads as "failed" with
// reason "sla.recompute_interrupted" (recorded on the row when read, unless the owner's
// heartbeat moved in the meantime), keeping the progress last saved. A live job of another
// server blocks Start ("sla.recompute_running"). Thread-safe; the destructor waits for a running
// recomputation.
class ClockRecomputeRunner {
 public:
  using Progress = std::function<void(int64_t done, int64_t total)>;
  // Does the work, calling `progress` as it goes; returns the final counts (processed, total,
  // changed, timers, seconds, finished_at).
  using Work = std::function<base::Result<ClockRecomputeStatus>(const Progress& progress)>;
  static constexpr std::chrono::milliseconds kProgressInterval{1000};
  // How often the owner refreshes heartbeat_at of a running job, and how old the heartbeat may
  // get before any server takes the job for interrupted.
  static constexpr base::Micros kHeartbeatInterval = 10'000'000;  // 10 s
  static constexpr base::Micros kLease = 3 * kHeartbeatInterval;  // 30 s

  // `clock` stamps updated_at and heartbeat_at of the rows and judges the lease. `node` names
  // this server in the rows ("" = "<host name>/<pid>").
  ClockRecomputeRunner(store::Database& db, const base::Clock& clock, std::string node = "");
  ~ClockRecomputeRunner();
  ClockRecomputeRunner(const ClockRecomputeRunner&) = delete;
  ClockRecomputeRunner& operator=(const ClockRecomputeRunner&) = delete;

  // Starts `work`; returns the status as started. FailedPrecondition "sla.recompute_running"
  // (field "recompute") while one runs; the database's error when the job row cannot be written
  // (nothing started).
  base::Result<ClockRecomputeStatus> Start(std::string actor, base::Micros now, Work work);
  // The newest job: this runner's own (with its live progress) or the newest stored row.
  ClockRecomputeStatus Current() const;
  // Blocks until no recomputation of this runner runs; returns the last status (tests, CLI).
  // When it returns, the final state is stored.
  ClockRecomputeStatus Wait() const;

 private:
  static constexpr int kSaveAttempts = 5;  // each waits up to the store's busy timeout
  // Writes this runner's job row (insert, or full update with a fresh heartbeat) in a write
  // transaction of its own. `only_running`: leave a row another server already declared
  // interrupted alone (progress saves). Never called with mu_ held by the job thread.
  base::Status Save(const ClockRecomputeStatus& st, bool insert, bool only_running = false) const;
  // Sets heartbeat_at of this runner's running job `id` to `at`.
  base::Status Beat(int64_t id, base::Micros at) const;
  // Records that job `st` (last heartbeat `seen`) was interrupted, unless its heartbeat moved.
  base::Status MarkInterrupted(const ClockRecomputeStatus& st, base::Micros seen) const;
  // The newest stored job; a running one of another instance whose heartbeat is older than
  // kLease reads (and is recorded) as failed.
  base::Result<std::optional<ClockRecomputeStatus>> LoadNewest() const;

  store::Database& db_;
  const base::Clock& clock_;
  std::string instance_;
  std::string node_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  ClockRecomputeStatus status_;  // guarded by mu_; this runner's newest job
  std::thread thread_;           // guarded by mu_
};

}  // namespace kechan::appeals
