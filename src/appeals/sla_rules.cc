#include "appeals/sla_rules.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <utility>

#include "appeals/model.h"
#include "appeals/service.h"
#include "base/log.h"
#include "flow/appeal_spec.h"
#include "store/event_log.h"

namespace kechan::appeals {

namespace json = boost::json;
using base::Micros;
using base::Result;
using base::Status;
using store::Tx;

namespace {

constexpr char kVersionSetting[] = "sla_rules.version";
constexpr size_t kMaxChanges = 200;

std::optional<flow::GoalUnit> ParseUnit(std::string_view s) {
  if (s == "working_days") {
    return flow::GoalUnit::kWorkingDays;
  }
  if (s == "working_hours") {
    return flow::GoalUnit::kWorkingHours;
  }
  return std::nullopt;
}

bool IsAppealClock(std::string_view name) {
  for (const auto& c : flow::DefaultAppealClocks()) {
    if (c.name == name) {
      return true;
    }
  }
  return false;
}

json::value RuleJson(const std::optional<SlaRule>& r, bool inherited) {
  if (!r) {
    return nullptr;
  }
  return json::object{{"unit", flow::GoalUnitName(r->goal.unit)},
                      {"amount", r->goal.amount},
                      {"warn_share", r->warn_share},
                      {"inherited", inherited}};
}

bool InheritedIn(const json::value& v) {
  if (!v.is_object()) {
    return false;
  }
  const auto* i = v.as_object().if_contains("inherited");
  return i && i->is_bool() && i->as_bool();
}

// The value in effect for (type, clock) under `rules`, as a rule.
SlaRule EffectiveRule(const SlaRuleSet& rules, const std::string& type, const std::string& clock) {
  SlaRule r{.type = type, .clock = clock};
  for (const auto& e : rules.Resolve(type)) {
    if (e.spec.name == clock) {
      r.goal = e.spec.goal;
      r.warn_share = e.spec.warn_share;
    }
  }
  return r;
}

std::optional<SlaRule> RuleFromJson(const json::value& v, const std::string& type,
                                    const std::string& clock) {
  if (!v.is_object()) {
    return std::nullopt;
  }
  const auto& o = v.as_object();
  SlaRule r{.type = type, .clock = clock};
  if (const auto* u = o.if_contains("unit"); u && u->is_string()) {
    r.goal.unit = ParseUnit(u->as_string()).value_or(flow::GoalUnit::kWorkingDays);
  }
  if (const auto* a = o.if_contains("amount"); a && a->is_int64()) {
    r.goal.amount = static_cast<int>(a->as_int64());
  }
  if (const auto* w = o.if_contains("warn_share"); w && w->is_number()) {
    r.warn_share = w->to_number<double>();
  }
  return r;
}

std::optional<int64_t> ActorUser(std::string_view actor) {
  if (actor.substr(0, 5) != "user:") {
    return std::nullopt;
  }
  auto ids = SplitIds(actor.substr(5));
  if (!ids || ids->size() != 1) {
    return std::nullopt;
  }
  return (*ids)[0];
}

}  // namespace

// ---- SlaRuleSet
// ----------------------------------------------------------------------------------

SlaRuleSet::SlaRuleSet(int64_t version, std::vector<SlaRule> rules)
    : version_(version), rules_(std::move(rules)) {}

const SlaRule* SlaRuleSet::Find(std::string_view type, std::string_view clock) const {
  for (const auto& r : rules_) {
    if (r.type == type && r.clock == clock) {
      return &r;
    }
  }
  return nullptr;
}

std::vector<EffectiveClock> SlaRuleSet::Resolve(std::string_view type) const {
  std::vector<EffectiveClock> out;
  for (auto& spec : flow::DefaultAppealClocks()) {
    EffectiveClock e{.spec = std::move(spec), .source = "builtin"};
    const SlaRule* r = type == kAnyAppealType ? nullptr : Find(type, e.spec.name);
    if (r) {
      e.source = "type";
    } else {
      r = Find(kAnyAppealType, e.spec.name);
      if (r) {
        e.source = "default";
      }
    }
    if (r) {
      e.spec.goal = r->goal;
      e.spec.warn_share = r->warn_share;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<flow::ClockSpec> SlaRuleSet::ClocksFor(std::string_view type) const {
  std::vector<flow::ClockSpec> out;
  for (auto& e : Resolve(type)) {
    out.push_back(std::move(e.spec));
  }
  return out;
}

// ---- validation
// ----------------------------------------------------------------------------------

Status ValidateSlaRuleChanges(const std::vector<SlaRuleChange>& changes) {
  if (changes.empty() || changes.size() > kMaxChanges) {
    return base::InvalidArgument("rules", "sla_rules.count", "Give 1 to 200 rules to change",
                                 "须提交 1 至 200 条待修改的规则");
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < changes.size(); ++i) {
    const SlaRuleChange& c = changes[i];
    const std::string at = "rules[" + std::to_string(i) + "]";
    if (c.type != kAnyAppealType && !FindAppealType(c.type)) {
      return base::InvalidArgument(at + ".type", "sla_rules.type",
                                   "Unknown appeal type '" + c.type + "' (use a type id or *)",
                                   "未知的诉求类型“" + c.type + "”（请使用类型编号或 *）");
    }
    if (!IsAppealClock(c.clock)) {
      return base::InvalidArgument(
          at + ".clock", "sla_rules.clock",
          "Unknown clock '" + c.clock + "' (sign_for, response or resolution)",
          "未知的时限“" + c.clock +
              "”（应为 sign_for、response 或 "
              "resolution）");
    }
    if (!seen.emplace(c.type, c.clock).second) {
      return base::InvalidArgument(at, "sla_rules.duplicate",
                                   "The rule " + c.type + " / " + c.clock + " is listed twice",
                                   "规则 " + c.type + " / " + c.clock + " 重复提交");
    }
    if (c.inherit) {
      continue;
    }
    if (!c.goal) {
      return base::InvalidArgument(at + ".goal", "flow.required", "goal is required",
                                   "须填写时限目标 goal");
    }
    if (c.goal->amount < 1 || c.goal->amount > 10000) {
      return base::InvalidArgument(at + ".goal.amount", "sla.spec.goal",
                                   "The goal must be a whole number from 1 to 10000",
                                   "时限目标须为 1 到 10000 之间的整数");
    }
    if (!c.warn_share) {
      return base::InvalidArgument(at + ".warn_share", "flow.required", "warn_share is required",
                                   "须填写预警比例 warn_share");
    }
    if (!std::isfinite(*c.warn_share) || *c.warn_share < 0.0 || *c.warn_share >= 1.0) {
      return base::InvalidArgument(at + ".warn_share", "sla_rules.warn_share",
                                   "warn_share must be at least 0 and below 1 (0 = no warning)",
                                   "预警比例须大于等于 0 且小于 1（0 表示不预警）");
    }
    // The resulting clock must pass the workflow engine's own check too.
    for (auto spec : flow::DefaultAppealClocks()) {
      if (spec.name != c.clock) {
        continue;
      }
      spec.goal = *c.goal;
      spec.warn_share = *c.warn_share;
      if (Status s = flow::ValidateClockSpec(spec); !s.ok()) {
        return s.WithField(at + "." + s.field());
      }
    }
  }
  return Status::Ok();
}

// ---- storage ------------------------------------------------------------------------------------

Result<int64_t> LoadSlaRulesVersion(Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT value FROM appeal_settings WHERE name = ?",
                                              {std::string(kVersionSetting)}));
  if (rows.empty()) {
    return int64_t{0};
  }
  auto ids = SplitIds(rows.rows[0].Text(0));
  return ids && ids->size() == 1 ? (*ids)[0] : int64_t{0};
}

Result<SlaRuleSet> LoadSlaRules(Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(int64_t version, LoadSlaRulesVersion(tx));
  KECHAN_ASSIGN_OR_RETURN(auto rows,
                          tx.Query("SELECT type, clock, unit, amount, warn_share, updated_at, "
                                   "updated_by FROM appeal_sla_rules ORDER BY type, clock"));
  std::vector<SlaRule> rules;
  for (const auto& r : rows.rows) {
    SlaRule rule{.type = r.Text(0), .clock = r.Text(1)};
    rule.goal.unit = ParseUnit(r.Text(2)).value_or(flow::GoalUnit::kWorkingDays);
    rule.goal.amount = static_cast<int>(r.Int(3));
    rule.warn_share = r.Real(4);
    rule.updated_at = r.Int(5);
    rule.updated_by = r.Text(6);
    rules.push_back(std::move(rule));
  }
  return SlaRuleSet(version, std::move(rules));
}

Result<std::vector<SlaRuleDiff>> ApplySlaRuleChanges(Tx& tx,
                                                     const std::vector<SlaRuleChange>& changes,
                                                     const std::string& actor,
                                                     const base::Clock& clock) {
  KECHAN_RETURN_IF_ERROR(ValidateSlaRuleChanges(changes));
  KECHAN_ASSIGN_OR_RETURN(SlaRuleSet current, LoadSlaRules(tx));
  const Micros now = clock.NowMicros();
  std::vector<SlaRuleDiff> diffs;
  for (const auto& c : changes) {
    SlaRuleDiff d{.type = c.type, .clock = c.clock};
    if (const SlaRule* r = current.Find(c.type, c.clock)) {
      d.before = *r;
    }
    const bool had_rule = d.before.has_value();
    if (!c.inherit) {
      d.after = SlaRule{.type = c.type,
                        .clock = c.clock,
                        .goal = *c.goal,
                        .warn_share = *c.warn_share,
                        .updated_at = now,
                        .updated_by = actor};
    }
    const bool same = (!d.before && !d.after) ||
                      (d.before && d.after && d.before->goal.unit == d.after->goal.unit &&
                       d.before->goal.amount == d.after->goal.amount &&
                       d.before->warn_share == d.after->warn_share);
    if (same) {
      continue;
    }
    if (!had_rule) {
      d.before = EffectiveRule(current, c.type, c.clock);
      d.before_inherited = true;
    }
    if (d.after) {
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("DELETE FROM appeal_sla_rules WHERE type = ? AND clock = ?", {c.type, c.clock})
              .status());
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO appeal_sla_rules (type, clock, unit, amount, warn_share, "
                  "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  {c.type, c.clock, std::string(flow::GoalUnitName(d.after->goal.unit)),
                   int64_t{d.after->goal.amount}, d.after->warn_share, now, actor})
              .status());
    } else {
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("DELETE FROM appeal_sla_rules WHERE type = ? AND clock = ?", {c.type, c.clock})
              .status());
    }
    diffs.push_back(std::move(d));
  }
  if (diffs.empty()) {
    return diffs;
  }
  // A removed rule's row now inherits: record the value it inherits (after every change).
  KECHAN_ASSIGN_OR_RETURN(SlaRuleSet updated, LoadSlaRules(tx));
  for (auto& d : diffs) {
    if (!d.after) {
      d.after = EffectiveRule(updated, d.type, d.clock);
      d.after_inherited = true;
    }
  }
  json::array list;
  for (const auto& d : diffs) {
    list.push_back(json::object{{"type", d.type},
                                {"clock", d.clock},
                                {"before", RuleJson(d.before, d.before_inherited)},
                                {"after", RuleJson(d.after, d.after_inherited)}});
  }
  json::object payload{{"changes", std::move(list)}};
  KECHAN_ASSIGN_OR_RETURN(int64_t seq, store::AppendEvent(tx,
                                                          {.kind = kSlaRulesChangedEvent,
                                                           .entity = "appeal_sla_rules",
                                                           .entity_id = "appeal",
                                                           .actor = actor,
                                                           .payload = json::serialize(payload)},
                                                          clock));
  KECHAN_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM appeal_settings WHERE name = ?", {std::string(kVersionSetting)})
          .status());
  KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO appeal_settings (name, value, updated_at, "
                                 "updated_by) VALUES (?, ?, ?, ?)",
                                 {std::string(kVersionSetting), std::to_string(seq), now, actor})
                             .status());
  return diffs;
}

Result<std::vector<SlaRuleHistoryEntry>> LoadSlaRuleHistory(Tx& tx, int limit) {
  // entity/entity_id is indexed (events_entity), so this stays cheap on a long log.
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT seq, at_us, actor, payload FROM events WHERE entity = ? AND "
                          "entity_id = ? AND kind = ? ORDER BY seq DESC LIMIT ?",
                          {std::string("appeal_sla_rules"), std::string("appeal"),
                           std::string(kSlaRulesChangedEvent), int64_t{limit}}));
  std::vector<SlaRuleHistoryEntry> out;
  for (const auto& r : rows.rows) {
    SlaRuleHistoryEntry e{.seq = r.Int(0), .at = r.Int(1), .actor = r.Text(2)};
    boost::system::error_code ec;
    json::value v = json::parse(r.Text(3), ec);
    if (!ec && v.is_object()) {
      if (const auto* list = v.as_object().if_contains("changes"); list && list->is_array()) {
        for (const auto& c : list->as_array()) {
          if (!c.is_object()) {
            continue;
          }
          const auto& o = c.as_object();
          SlaRuleDiff d;
          if (const auto* t = o.if_contains("type"); t && t->is_string()) {
            d.type = std::string(t->as_string());
          }
          if (const auto* k = o.if_contains("clock"); k && k->is_string()) {
            d.clock = std::string(k->as_string());
          }
          if (const auto* b = o.if_contains("before")) {
            d.before = RuleFromJson(*b, d.type, d.clock);
            d.before_inherited = !d.before || InheritedIn(*b);
          }
          if (const auto* a = o.if_contains("after")) {
            d.after = RuleFromJson(*a, d.type, d.clock);
            d.after_inherited = !d.after || InheritedIn(*a);
          }
          e.diffs.push_back(std::move(d));
        }
      }
    }
    if (auto uid = ActorUser(e.actor)) {
      KECHAN_ASSIGN_OR_RETURN(auto u, tx.Query("SELECT display_name, username FROM users WHERE "
                                               "id = ?",
                                               {*uid}));
      if (!u.empty()) {
        e.actor_name = u.rows[0].Text(0).empty() ? u.rows[0].Text(1) : u.rows[0].Text(0);
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

// ---- SlaRuleCache
// ---------------------------------------------------------------------------------

Result<std::shared_ptr<const SlaRuleSet>> SlaRuleCache::Get(Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(int64_t version, LoadSlaRulesVersion(tx));
  {
    std::lock_guard lock(mu_);
    if (rules_ && rules_->version() == version) {
      return rules_;
    }
  }
  KECHAN_ASSIGN_OR_RETURN(SlaRuleSet loaded, LoadSlaRules(tx));
  auto p = std::make_shared<const SlaRuleSet>(std::move(loaded));
  std::lock_guard lock(mu_);
  // Keep the newer of two concurrent loads.
  if (!rules_ || rules_->version() <= p->version()) {
    rules_ = p;
  }
  return p;
}

std::shared_ptr<const SlaRuleSet> SlaRuleCache::Last() const {
  std::lock_guard lock(mu_);
  return rules_;
}

void SlaRuleCache::Set(std::shared_ptr<const SlaRuleSet> rules) {
  std::lock_guard lock(mu_);
  rules_ = std::move(rules);
}

// ---- ClockRecomputeRunner
// -------------------------------------------------------------------------

namespace {

constexpr char kJobCols[] =
    "id, state, started_by, instance, started_at, finished_at, processed, total, changed, "
    "timers, seconds, error_reason, error_field, error_en, error_zh, updated_at, node, "
    "heartbeat_at";

Status Interrupted(int64_t processed, int64_t total) {
  const std::string done = std::to_string(processed) + " / " + std::to_string(total);
  return base::Unavailable(
      "sla.recompute_interrupted",
      "The server stopped while this recomputation was running (" + done +
          " open appeals done); start it again",
      "重算进行中服务器已停止（已完成 " + done + " 件在办诉求），请重新发起重算");
}

// "<host name>/<pid>": which server owns a job, for people reading the status.
std::string DefaultNode() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "unknown");
  }
  return std::string(host) + "/" + std::to_string(::getpid());
}

}  // namespace

ClockRecomputeRunner::ClockRecomputeRunner(store::Database& db, const base::Clock& clock,
                                           std::string node)
    : db_(db), clock_(clock), node_(node.empty() ? DefaultNode() : std::move(node)) {
  std::random_device rd;
  instance_ =
      std::to_string(clock.NowMicros()) + "-" + std::to_string(rd()) + "-" + std::to_string(rd());
}

ClockRecomputeRunner::~ClockRecomputeRunner() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    t = std::move(thread_);
  }
  if (t.joinable()) {
    t.join();
  }
}

Status ClockRecomputeRunner::Save(const ClockRecomputeStatus& st, bool insert,
                                  bool only_running) const {
  const bool failed = st.state == "failed";
  const Micros now = clock_.NowMicros();
  Status result;
  for (int attempt = 0; attempt < kSaveAttempts; ++attempt) {
    result = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
      if (insert) {
        return tx
            .Exec(
                "INSERT INTO appeal_recompute_jobs (id, state, started_by, instance, node, "
                "started_at, updated_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {st.id, st.state, st.started_by, instance_, node_, st.started_at, now, now})
            .status();
      }
      return tx
          .Exec(std::string("UPDATE appeal_recompute_jobs SET state = ?, finished_at = ?, "
                            "processed = ?, total = ?, changed = ?, timers = ?, seconds = ?, "
                            "error_reason = ?, error_field = ?, error_en = ?, error_zh = ?, "
                            "updated_at = ?, heartbeat_at = ? WHERE id = ? AND instance = ?") +
                    (only_running ? " AND state = 'running'" : ""),
                {st.state, st.finished_at, st.processed, st.total, st.changed, st.timers,
                 st.seconds, failed ? st.error.reason() : std::string(),
                 failed ? st.error.field() : std::string(),
                 failed ? st.error.message_en() : std::string(),
                 failed ? st.error.message_zh() : std::string(), now, now, st.id, instance_})
          .status();
    });
    if (result.ok() || result.code() != base::Code::kUnavailable) {
      break;
    }
  }
  return result;
}

Status ClockRecomputeRunner::Beat(int64_t id, Micros at) const {
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    return tx
        .Exec(
            "UPDATE appeal_recompute_jobs SET heartbeat_at = ? WHERE id = ? AND instance = ? "
            "AND state = 'running'",
            {at, id, instance_})
        .status();
  });
}

Status ClockRecomputeRunner::MarkInterrupted(const ClockRecomputeStatus& st, Micros seen) const {
  // Compare-and-set on the heartbeat: an owner that beat in the meantime keeps its job.
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    return tx
        .Exec(
            "UPDATE appeal_recompute_jobs SET state = 'failed', finished_at = ?, "
            "error_reason = ?, error_field = ?, error_en = ?, error_zh = ?, updated_at = ? "
            "WHERE id = ? AND state = 'running' AND heartbeat_at = ?",
            {st.finished_at, st.error.reason(), st.error.field(), st.error.message_en(),
             st.error.message_zh(), clock_.NowMicros(), st.id, seen})
        .status();
  });
}

Result<std::optional<ClockRecomputeStatus>> ClockRecomputeRunner::LoadNewest() const {
  std::optional<ClockRecomputeStatus> out;
  bool interrupted = false;
  Micros seen = 0;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto rows, tx->Query(std::string("SELECT ") + kJobCols +
                                                 " FROM appeal_recompute_jobs ORDER BY id DESC "
                                                 "LIMIT 1"));
    if (rows.empty()) {
      return out;
    }
    const auto& r = rows.rows[0];
    ClockRecomputeStatus st{.id = r.Int(0),
                            .state = r.Text(1),
                            .started_by = r.Text(2),
                            .started_at = r.Int(4),
                            .finished_at = r.Int(5),
                            .processed = r.Int(6),
                            .total = r.Int(7),
                            .changed = r.Int(8),
                            .timers = r.Int(9),
                            .seconds = r.Real(10),
                            .node = r.Text(16),
                            .heartbeat_at = r.Int(17)};
    if (st.state == "failed") {
      st.error = Status(base::Code::kInternal, r.Text(11), r.Text(13), r.Text(14), r.Text(12));
    }
    seen = st.heartbeat_at;
    // Another server's job is alive while its heartbeat is younger than the lease; this
    // runner's own running job is alive by definition (its thread holds it).
    interrupted = st.state == "running" && r.Text(3) != instance_ &&
                  clock_.NowMicros() - st.heartbeat_at > kLease;
    if (interrupted) {
      st.state = "failed";
      st.finished_at = st.heartbeat_at;  // the last sign of life
      st.error = Interrupted(st.processed, st.total);
    }
    out = std::move(st);
  }
  if (interrupted) {
    // Best effort: record it, so the row reads the same from now on.
    (void)MarkInterrupted(*out, seen);
  }
  return out;
}

Result<ClockRecomputeStatus> ClockRecomputeRunner::Start(std::string actor, Micros now, Work work) {
  std::thread old;
  ClockRecomputeStatus started;
  std::unique_lock lock(mu_);
  if (status_.state == "running") {
    return base::FailedPrecondition("sla.recompute_running",
                                    "A recomputation of the clocks is already running",
                                    "时限重算正在进行中", "recompute");
  }
  // The id continues after the stored jobs (a stale "running" row of a dead server is marked
  // failed on the way); a live one of another server sharing the database blocks.
  KECHAN_ASSIGN_OR_RETURN(auto newest, LoadNewest());
  if (newest && newest->state == "running") {
    return base::FailedPrecondition(
        "sla.recompute_running",
        "A recomputation of the clocks is already running on " + newest->node,
        "时限重算正在另一台服务器（" + newest->node + "）上进行", "recompute");
  }
  started = ClockRecomputeStatus{.id = std::max(status_.id, newest ? newest->id : 0) + 1,
                                 .state = "running",
                                 .started_by = std::move(actor),
                                 .started_at = now,
                                 .node = node_,
                                 .heartbeat_at = clock_.NowMicros()};
  KECHAN_RETURN_IF_ERROR(Save(started, /*insert=*/true));
  status_ = started;
  old = std::move(thread_);
  if (old.joinable()) {
    // Finished already (its state is not "running"), but it may still be joining its heartbeat
    // thread, which needs mu_ to see that: join without holding mu_ (holding it deadlocked when
    // a job was started right after the previous one ended). status_ reads "running" meanwhile,
    // so no other Start gets in.
    lock.unlock();
    old.join();
    lock.lock();
  }
  const int64_t id = started.id;
  thread_ = std::thread([this, id, work = std::move(work)] {
    // The heartbeat thread: beats every kHeartbeatInterval of real time until the job ends
    // (covers a long batch between two progress calls).
    std::thread beater([this, id] {
      const auto interval = std::chrono::microseconds(kHeartbeatInterval);
      std::unique_lock l(mu_);
      while (!cv_.wait_for(l, interval,
                           [&] { return status_.id != id || status_.state != "running"; })) {
        l.unlock();
        const Micros at = clock_.NowMicros();
        Status s = Beat(id, at);
        if (!s.ok()) {
          base::Log(base::LogLevel::kWarn, "appeals.recompute_heartbeat_not_saved",
                    {{"id", id}, {"reason", s.reason()}});
        }
        l.lock();
        if (s.ok() && status_.id == id) {
          status_.heartbeat_at = std::max(status_.heartbeat_at, at);
        }
      }
    });
    auto last_save = std::chrono::steady_clock::now();
    Micros last_beat = clock_.NowMicros();
    auto progress = [this, id, &last_save, &last_beat](int64_t done, int64_t total) {
      ClockRecomputeStatus snapshot;
      {
        std::lock_guard l(mu_);
        if (status_.id != id) {
          return;
        }
        status_.processed = done;
        status_.total = total;
        snapshot = status_;
      }
      const auto t = std::chrono::steady_clock::now();
      const Micros now = clock_.NowMicros();
      if (t - last_save >= kProgressInterval || now - last_beat >= kHeartbeatInterval) {
        last_save = t;
        last_beat = now;
        Status s = Save(snapshot, /*insert=*/false, /*only_running=*/true);
        if (!s.ok()) {
          base::Log(base::LogLevel::kWarn, "appeals.recompute_progress_not_saved",
                    {{"id", id}, {"reason", s.reason()}});
        } else {
          std::lock_guard l(mu_);
          if (status_.id == id) {
            status_.heartbeat_at = std::max(status_.heartbeat_at, now);
          }
        }
      }
    };
    Result<ClockRecomputeStatus> r = work(progress);
    ClockRecomputeStatus end;
    {
      std::lock_guard l(mu_);
      end = status_;
    }
    if (r.ok()) {
      end.state = "done";
      end.processed = r->processed;
      end.total = r->total;
      end.changed = r->changed;
      end.timers = r->timers;
      end.seconds = r->seconds;
      end.finished_at = r->finished_at;
    } else {
      end.state = "failed";
      end.finished_at = clock_.NowMicros();
      end.error = r.status();
    }
    end.heartbeat_at = clock_.NowMicros();
    // Stored before Wait() returns, so a restart reads what this process saw.
    Status s = Save(end, /*insert=*/false);
    if (!s.ok()) {
      base::Log(base::LogLevel::kError, "appeals.recompute_not_saved",
                {{"id", id}, {"reason", s.reason()}});
    }
    {
      std::lock_guard l(mu_);
      status_ = end;
      cv_.notify_all();
    }
    beater.join();
  });
  return started;
}

ClockRecomputeStatus ClockRecomputeRunner::Current() const {
  auto newest = LoadNewest();
  std::lock_guard lock(mu_);
  if (newest.ok() && *newest && (*newest)->id > status_.id) {
    return **newest;
  }
  return status_;  // this runner's job (live progress), or "idle" when none is stored
}

ClockRecomputeStatus ClockRecomputeRunner::Wait() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return status_.state != "running"; });
  return status_;
}

// ---- AppealService: SLA rules ------------------------------------------------------------------

namespace {

Status MayReadRules(const Caller& c) {
  if (c.system || c.IsLeader() || c.IsOfficer()) {
    return Status::Ok();
  }
  return base::PermissionDenied("sla_rules.forbidden",
                                "Only government staff can read the SLA rules",
                                "只有政府工作人员可以查看时限规则");
}

// Fills started_by_name from auth's users (display name, else username) for a "user:N" actor.
ClockRecomputeStatus WithStartedByName(store::Database& db, ClockRecomputeStatus st) {
  if (auto uid = ActorUser(st.started_by)) {
    auto tx = db.Begin(store::TxKind::kRead);
    if (tx.ok()) {
      auto u = (*tx)->Query("SELECT display_name, username FROM users WHERE id = ?", {*uid});
      if (u.ok() && !u->empty()) {
        st.started_by_name = u->rows[0].Text(0).empty() ? u->rows[0].Text(1) : u->rows[0].Text(0);
      }
    }
  }
  return st;
}

Status MayWriteRules(const Caller& c) {
  if (c.IsOperator()) {
    return Status::Ok();
  }
  return base::PermissionDenied("sla_rules.forbidden", "Only operators can change the SLA rules",
                                "只有平台运营可以修改时限规则");
}

}  // namespace

std::shared_ptr<const SlaRuleSet> AppealService::SlaRulesIn(Tx& tx) const {
  auto r = sla_rules_.Get(tx);
  if (r.ok()) {
    return *r;
  }
  // A database without migration 5 (or a failing read): the last rules seen, else the code's.
  if (auto last = sla_rules_.Last()) {
    return last;
  }
  static const auto kBuiltin = std::make_shared<const SlaRuleSet>();
  return kBuiltin;
}

std::vector<flow::ClockSpec> AppealService::ClocksFor(std::string_view type) const {
  auto rules = sla_rules_.Last();
  if (!rules) {
    auto tx = db_.Begin(store::TxKind::kRead);
    if (tx.ok()) {
      rules = SlaRulesIn(**tx);
    }
  }
  if (!rules) {
    return SlaRuleSet().ClocksFor(type);
  }
  return rules->ClocksFor(type);
}

Result<SlaRuleSet> AppealService::SlaRules(const Caller& caller) {
  KECHAN_RETURN_IF_ERROR(MayReadRules(caller));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto rules, sla_rules_.Get(*tx));
  return *rules;
}

Result<std::vector<SlaRuleDiff>> AppealService::PutSlaRules(
    const Caller& caller, const std::vector<SlaRuleChange>& changes) {
  KECHAN_RETURN_IF_ERROR(MayWriteRules(caller));
  std::vector<SlaRuleDiff> diffs;
  std::shared_ptr<const SlaRuleSet> after;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(diffs, ApplySlaRuleChanges(tx, changes, caller.actor, clock_));
    KECHAN_ASSIGN_OR_RETURN(SlaRuleSet loaded, LoadSlaRules(tx));
    after = std::make_shared<const SlaRuleSet>(std::move(loaded));
    return Status::Ok();
  }));
  sla_rules_.Set(std::move(after));
  if (!diffs.empty()) {
    base::Log(base::LogLevel::kInfo, "appeals.sla_rules_changed",
              {{"actor", caller.actor}, {"changes", static_cast<int64_t>(diffs.size())}});
  }
  return diffs;
}

Result<std::vector<SlaRuleHistoryEntry>> AppealService::SlaRuleHistory(const Caller& caller,
                                                                       int limit) {
  KECHAN_RETURN_IF_ERROR(MayReadRules(caller));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  return LoadSlaRuleHistory(*tx, std::clamp(limit, 1, 500));
}

Result<ClockRecomputeStatus> AppealService::StartClockRecompute(const Caller& caller) {
  KECHAN_RETURN_IF_ERROR(MayWriteRules(caller));
  const std::string actor = caller.actor;
  KECHAN_ASSIGN_OR_RETURN(
      ClockRecomputeStatus started,
      recompute_.Start(actor, clock_.NowMicros(),
                       [this, actor](const std::function<void(int64_t, int64_t)>& progress)
                           -> Result<ClockRecomputeStatus> {
                         KECHAN_ASSIGN_OR_RETURN(ReplayReport rep, ReplayClocks(progress, actor));
                         return ClockRecomputeStatus{.finished_at = clock_.NowMicros(),
                                                     .processed = rep.appeals,
                                                     .total = rep.appeals,
                                                     .changed = rep.changed,
                                                     .timers = rep.timers,
                                                     .seconds = rep.seconds};
                       }));
  return WithStartedByName(db_, std::move(started));
}

ClockRecomputeStatus AppealService::ClockRecompute() const {
  return WithStartedByName(db_, recompute_.Current());
}

ClockRecomputeStatus AppealService::WaitClockRecompute() const {
  return WithStartedByName(db_, recompute_.Wait());
}

}  // namespace kechan::appeals
