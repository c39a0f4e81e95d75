#include "appeals/sla_rules.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "appeals/migrations.h"
#include "appeals/routes.h"
#include "appeals/service.h"
#include "auth/migrations.h"
#include "base/calendar.h"
#include "flow/appeal_spec.h"
#include "flow/scheduler.h"
#include "http/router.h"
#include "store/migrations.h"
#include "store/test_schema.h"

namespace kechan::appeals {
namespace {

using auth::Role;
using Backend = store::TestBackend;
namespace json = boost::json;

auth::Principal P(int64_t user, int64_t org, Role role) {
  auth::Principal p;
  p.user = base::UserId{user};
  p.username = "u" + std::to_string(user);
  p.display_name = "用户" + std::to_string(user);
  p.memberships = {{base::OrgId{org}, role}};
  p.method = auth::AuthMethod::kSession;
  return p;
}

base::Micros At(int month, int day, int hour, int minute = 0) {
  return base::LocalInstant(base::Date::FromYmd(2026, month, day).value(), hour * 60 + minute);
}

SlaRuleChange Set(std::string type, std::string clock, int amount, double warn = 0.8,
                  flow::GoalUnit unit = flow::GoalUnit::kWorkingDays) {
  return SlaRuleChange{.type = std::move(type),
                       .clock = std::move(clock),
                       .goal = flow::Goal{.unit = unit, .amount = amount},
                       .warn_share = warn};
}

// The service and routes on SQLite in memory (label unit) and, with KECHAN_TEST_PG, on
// PostgreSQL (label postgres).
class AppealSlaRulesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(GetParam(), "kechan_appeals_sla_rules_test",
                                         {auth::Migrations(), flow::Migrations(), Migrations()},
                                         At(3, 2, 9));  // Monday 2026-03-02 09:00 Asia/Shanghai
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    test_db_ = std::move(*t);
    db_ = &test_db_.db();
    calendar_ = std::make_shared<base::BusinessCalendar>(base::BusinessCalendar::Shipped());
    scheduler_ = std::make_unique<flow::Scheduler>(*db_, clock());
    service_ = std::make_unique<AppealService>(
        *db_, clock(), [this] { return calendar_; }, scheduler_.get(), ServiceOptions{});
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (1, 'operator', '平台', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (2, 'government', '经信局', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (10, 'enterprise', '甲公司', 0)");
    for (int u : {1, 2, 4}) {
      Sql("INSERT INTO users (id, username, display_name, password_hash, created_at, "
          "password_changed_at) VALUES (" +
          std::to_string(u) + ", 'u" + std::to_string(u) + "', '用户" + std::to_string(u) +
          "', 'x', 0, 0)");
    }
    op_ = Caller::Of(P(1, 1, Role::kOperator));
    officer_ = Caller::Of(P(2, 2, Role::kOfficer));
    firm_ = Caller::Of(P(4, 10, Role::kEnterprise));
    RegisterRoutes(router_, *service_);
  }
  void TearDown() override {
    service_.reset();
    scheduler_.reset();
    base::Status closed = test_db_.Close();
    EXPECT_TRUE(closed.ok()) << closed;
  }

  void Sql(const std::string& sql) {
    auto s = store::WithWriteTx(*db_, [&](store::Tx& tx) { return tx.Exec(sql).status(); });
    ASSERT_TRUE(s.ok()) << s << " " << sql;
  }
  int64_t Count(const std::string& sql) {
    auto tx = db_->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows->empty() || rows->rows[0].IsNull(0) ? -1 : rows->rows[0].Int(0);
  }
  // Everything a failed change must leave alone.
  std::string Snapshot() {
    auto tx = db_->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query(
        "SELECT type, clock, unit, amount, warn_share FROM appeal_sla_rules ORDER BY type, clock");
    std::string out;
    for (const auto& r : rows->rows) {
      out += r.Text(0) + "/" + r.Text(1) + "/" + r.Text(2) + "/" + std::to_string(r.Int(3)) + "/" +
             std::to_string(r.Real(4)) + ";";
    }
    out += "events=" + std::to_string(Count("SELECT COUNT(*) FROM events WHERE kind = "
                                            "'appeal.sla_rules_changed'"));
    out += " version=" + std::to_string(Count("SELECT COUNT(*) FROM appeal_settings WHERE name = "
                                              "'sla_rules.version'"));
    return out;
  }

  // Files a "utilities" appeal and dispatches it to org 2; returns its id.
  int64_t Dispatched() {
    auto d = service_->Create(
        firm_, {.title = "用电增容申请迟迟未批", .body = "需要增容 800kVA。", .type = "utilities"});
    EXPECT_TRUE(d.ok()) << d.status();
    const int64_t id = d.ok() ? d->appeal.id : 0;
    auto r = service_->Act(op_, id, "dispatch", {{"lead_unit", "2"}});
    EXPECT_TRUE(r.ok()) << r.status();
    return id;
  }
  static const ClockView* ClockOf(const AppealDetail& d, const std::string& name) {
    for (const auto& c : d.clocks) {
      if (c.spec.name == name) {
        return &c;
      }
    }
    return nullptr;
  }
  int64_t StoredDue(int64_t id) {
    return Count("SELECT due_at FROM appeals WHERE id = " + std::to_string(id));
  }
  int64_t TimerDue(int64_t id, const std::string& suffix) {
    return Count("SELECT due_at FROM flow_timers WHERE fired_at IS NULL AND timer_key = 'appeal:" +
                 std::to_string(id) + ":" + suffix + "'");
  }

  base::Result<http::Response> Call(http::Method method, const std::string& path, const Caller& who,
                                    std::string body = {},
                                    std::map<std::string, std::string> query = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.body = std::move(body);
    req.principal = who.principal;
    return router_.Invoke(std::move(req));
  }
  // PUTs `body` as the operator, expects a 400 naming `field`, and that nothing changed.
  void ExpectRefused(const std::string& body, const std::string& field, const std::string& reason) {
    const std::string before = Snapshot();
    auto r = Call(http::Method::kPut, "/api/v1/appeals/sla-rules", op_, body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << body;
    EXPECT_EQ(r.status().field(), field) << body;
    EXPECT_EQ(r.status().reason(), reason) << body;
    EXPECT_FALSE(r.status().message_en().empty());
    EXPECT_FALSE(r.status().message_zh().empty());
    EXPECT_NE(r.status().message_zh(), r.status().message_en());
    EXPECT_EQ(Snapshot(), before) << body;
  }

  base::FakeClock& clock() { return test_db_.clock(); }

  store::TestDatabase test_db_;    // PostgreSQL: a throwaway schema, dropped in TearDown
  store::Database* db_ = nullptr;  // test_db_.db()
  std::shared_ptr<const base::BusinessCalendar> calendar_;
  std::unique_ptr<flow::Scheduler> scheduler_;
  std::unique_ptr<AppealService> service_;
  http::Router router_;
  Caller op_, officer_, firm_;
};

TEST_P(AppealSlaRulesTest, MigrationSeedsTheTypeGoalsTheCodeHad) {
  auto rules = service_->SlaRules(officer_);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->version(), 0);
  auto land = rules->Resolve("land_space");
  ASSERT_EQ(land.size(), 3u);
  EXPECT_EQ(land[2].spec.name, "resolution");
  EXPECT_EQ(land[2].spec.goal.amount, 15);
  EXPECT_EQ(land[2].source, "type");
  auto fin = rules->Resolve("financing");
  EXPECT_EQ(fin[2].spec.goal.amount, 7);
  EXPECT_EQ(fin[2].source, "builtin");
  EXPECT_EQ(fin[0].spec.goal.amount, 1);
  // The event lists stay those of the spec.
  EXPECT_EQ(fin[2].spec.pause_on, flow::DefaultAppealClocks()[2].pause_on);
  // Enterprises may not read the rules.
  EXPECT_EQ(service_->SlaRules(firm_).status().code(), base::Code::kPermissionDenied);
}

TEST_P(AppealSlaRulesTest, NewAppealsUseTheRulesInForce) {
  auto diffs = service_->PutSlaRules(
      op_, {Set("*", "resolution", 10, 0.5),
            Set("utilities", "sign_for", 4, 0.25, flow::GoalUnit::kWorkingHours)});
  ASSERT_TRUE(diffs.ok()) << diffs.status();
  ASSERT_EQ(diffs->size(), 2u);
  EXPECT_TRUE((*diffs)[0].before_inherited);
  EXPECT_EQ((*diffs)[0].before->goal.amount, 7);  // the code's default it replaced
  EXPECT_FALSE((*diffs)[0].after_inherited);
  const int64_t id = Dispatched();
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  const ClockView* res = ClockOf(*d, "resolution");
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->spec.goal.amount, 10);
  EXPECT_EQ(res->spec.warn_share, 0.5);
  // Dispatched Mon 03-02 09:00: 10 working days → Mon 03-16 end of office hours.
  EXPECT_EQ(res->state.due_at, At(3, 16, 17, 30));
  const ClockView* sign = ClockOf(*d, "sign_for");
  ASSERT_NE(sign, nullptr);
  EXPECT_EQ(sign->spec.goal.unit, flow::GoalUnit::kWorkingHours);
  // 4 working hours from 09:00 (office 09:00-12:00, 13:30-17:30) → 14:30; warning at 25 %.
  EXPECT_EQ(sign->state.due_at, At(3, 2, 14, 30));
  EXPECT_EQ(sign->state.warn_at, At(3, 2, 10));
  EXPECT_EQ(d->appeal.due_at, At(3, 2, 14, 30));
  EXPECT_EQ(TimerDue(id, "sign_for:1:breach"), At(3, 2, 14, 30));
  EXPECT_EQ(TimerDue(id, "sign_for:1:warn"), At(3, 2, 10));
  // Another type keeps the default sign-for goal.
  auto rules = service_->SlaRules(op_);
  EXPECT_EQ(rules->ClocksFor("financing")[0].goal.unit, flow::GoalUnit::kWorkingDays);
  EXPECT_EQ(rules->ClocksFor("financing")[2].goal.amount, 10);
  EXPECT_EQ(rules->ClocksFor("land_space")[2].goal.amount, 15);  // its own rule wins
}

TEST_P(AppealSlaRulesTest, RecomputeMovesDueTimesAndPendingTimersAndAgreesWithLive) {
  const int64_t old_id = Dispatched();  // resolution 7 working days: due Wed 03-11 17:30
  ASSERT_EQ(TimerDue(old_id, "resolution:1:breach"), At(3, 11, 17, 30));
  const int64_t old_warn = TimerDue(old_id, "resolution:1:warn");
  ASSERT_GT(old_warn, 0);
  ASSERT_TRUE(service_->PutSlaRules(op_, {Set("utilities", "resolution", 3, 0.5)}).ok());
  // Before the recomputation the stored due time and timer are unchanged; the detail already
  // computes with the new rule.
  EXPECT_EQ(TimerDue(old_id, "resolution:1:breach"), At(3, 11, 17, 30));
  // A new appeal dispatched at the same instant gets the new rule at once (live path).
  const int64_t new_id = Dispatched();
  auto started = service_->StartClockRecompute(op_);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->state, "running");
  ClockRecomputeStatus done = service_->WaitClockRecompute();
  ASSERT_EQ(done.state, "done") << done.error;
  EXPECT_EQ(done.total, 2);
  EXPECT_EQ(done.processed, 2);
  EXPECT_GE(done.changed, 0);
  EXPECT_EQ(service_->ClockRecompute().id, started->id);
  // 3 working days from Mon 09:00 → Thu 03-05 17:30; the pending timers moved there.
  EXPECT_EQ(TimerDue(old_id, "resolution:1:breach"), At(3, 5, 17, 30));
  EXPECT_NE(TimerDue(old_id, "resolution:1:warn"), old_warn);
  // Replay agrees with the live computation: same timers and stored values as the appeal
  // that was dispatched under the new rules, and the same as the detail computes.
  for (const char* key :
       {"resolution:1:breach", "resolution:1:warn", "sign_for:1:breach", "response:1:breach"}) {
    EXPECT_EQ(TimerDue(old_id, key), TimerDue(new_id, key)) << key;
  }
  EXPECT_EQ(StoredDue(old_id), StoredDue(new_id));
  auto a = service_->Get(op_, old_id);
  auto b = service_->Get(op_, new_id);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < a->clocks.size(); ++i) {
    EXPECT_EQ(a->clocks[i].state, b->clocks[i].state) << a->clocks[i].spec.name;
  }
  EXPECT_EQ(ClockOf(*a, "resolution")->state.due_at, At(3, 5, 17, 30));
  EXPECT_EQ(a->appeal.sla, b->appeal.sla);
  // `kechan sla replay` (the same code) changes nothing more.
  auto again = service_->ReplayClocks();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->changed, 0);
  // The audit log records who recomputed.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla.replayed' AND actor = "
                  "'user:1'"),
            1);
}

TEST_P(AppealSlaRulesTest, SchedulerFiresTheBreachAtTheRecomputedTimeOnce) {
  const int64_t id = Dispatched();
  // Sign and contact so only the resolution clock runs.
  ASSERT_TRUE(service_->Act(officer_, id, "sign_for", {}).ok());
  ASSERT_TRUE(service_->Act(officer_, id, "contact", {{"note", "已联系"}}).ok());
  ASSERT_TRUE(service_->PutSlaRules(op_, {Set("*", "resolution", 2, 0)}).ok());
  ASSERT_TRUE(service_->StartClockRecompute(op_).ok());
  ASSERT_EQ(service_->WaitClockRecompute().state, "done");
  // warn_share 0: no warning timer; the breach is due Wed 03-04 17:30.
  EXPECT_EQ(TimerDue(id, "resolution:1:warn"), -1);
  EXPECT_EQ(TimerDue(id, "resolution:1:breach"), At(3, 4, 17, 30));
  clock().Set(At(3, 4, 17, 0));
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 0);
  clock().Set(At(3, 5, 9, 0));
  ASSERT_TRUE(scheduler_->Tick().ok());
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 1);
  EXPECT_EQ(service_->Get(op_, id)->appeal.sla, "red");
}

TEST_P(AppealSlaRulesTest, InheritRemovesTheTypeRule) {
  ASSERT_TRUE(service_->PutSlaRules(op_, {Set("*", "resolution", 9)}).ok());
  auto diffs = service_->PutSlaRules(
      op_, {SlaRuleChange{.type = "land_space", .clock = "resolution", .inherit = true}});
  ASSERT_TRUE(diffs.ok()) << diffs.status();
  ASSERT_EQ(diffs->size(), 1u);
  EXPECT_EQ(diffs->at(0).before->goal.amount, 15);
  EXPECT_FALSE(diffs->at(0).before_inherited);
  EXPECT_TRUE(diffs->at(0).after_inherited);
  EXPECT_EQ(diffs->at(0).after->goal.amount, 9);  // now inherits the default
  auto rules = service_->SlaRules(op_);
  auto land = rules->Resolve("land_space");
  EXPECT_EQ(land[2].spec.goal.amount, 9);
  EXPECT_EQ(land[2].source, "default");
  // Setting the same value again changes nothing and writes no event.
  const std::string before = Snapshot();
  auto same = service_->PutSlaRules(op_, {Set("*", "resolution", 9)});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->empty());
  EXPECT_EQ(Snapshot(), before);
}

TEST_P(AppealSlaRulesTest, HistoryShowsWhoWhenOldAndNew) {
  ASSERT_TRUE(service_->PutSlaRules(op_, {Set("technology", "resolution", 20, 0.75)}).ok());
  clock().Advance(3'600'000'000LL);
  ASSERT_TRUE(service_->PutSlaRules(op_, {Set("technology", "resolution", 12, 0.75)}).ok());
  auto h = service_->SlaRuleHistory(officer_, 10);
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->size(), 2u);
  const auto& last = h->at(0);
  EXPECT_EQ(last.actor, "user:1");
  EXPECT_EQ(last.actor_name, "用户1");
  EXPECT_EQ(last.at, clock().NowMicros());
  ASSERT_EQ(last.diffs.size(), 1u);
  EXPECT_EQ(last.diffs[0].type, "technology");
  EXPECT_EQ(last.diffs[0].before->goal.amount, 20);
  EXPECT_EQ(last.diffs[0].after->goal.amount, 12);
  EXPECT_EQ(last.diffs[0].after->warn_share, 0.75);
  EXPECT_EQ(h->at(1).diffs[0].before->goal.amount, 15);  // the seeded rule
  // Through the route, as JSON.
  auto r = Call(http::Method::kGet, "/api/v1/appeals/sla-rules/history", officer_);
  ASSERT_TRUE(r.ok()) << r.status();
  auto items = json::parse(r->body).as_object().at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  auto change = items[0].as_object().at("changes").as_array()[0].as_object();
  EXPECT_EQ(change.at("before").as_object().at("amount").as_int64(), 20);
  EXPECT_EQ(change.at("after").as_object().at("amount").as_int64(), 12);
  EXPECT_FALSE(change.at("before").as_object().at("inherited").as_bool());
  // The API gives the actor's display name (from auth's users), not only "user:1".
  EXPECT_EQ(items[0].as_object().at("actor").as_string(), "user:1");
  EXPECT_EQ(items[0].as_object().at("actor_name").as_string(), "用户1");
}

TEST_P(AppealSlaRulesTest, RoutesReadWriteAndRecompute) {
  auto g = Call(http::Method::kGet, "/api/v1/appeals/sla-rules", officer_);
  ASSERT_TRUE(g.ok()) << g.status();
  auto body = json::parse(g->body).as_object();
  auto types = body.at("types").as_array();
  ASSERT_EQ(types.size(), AppealTypes().size() + 1);
  EXPECT_EQ(types[0].as_object().at("type").as_string(), "*");
  EXPECT_EQ(body.at("recompute").as_object().at("state").as_string(), "idle");
  const std::string put =
      R"({"rules":[{"type":"financing","clock":"response","goal":{"unit":"working_hours",)"
      R"("amount":6},"warn_share":0.5}],"recompute":true})";
  // Officers read but may not write.
  const std::string before = Snapshot();
  EXPECT_EQ(Call(http::Method::kPut, "/api/v1/appeals/sla-rules", officer_, put).status().code(),
            base::Code::kPermissionDenied);
  EXPECT_EQ(Snapshot(), before);
  auto p = Call(http::Method::kPut, "/api/v1/appeals/sla-rules", op_, put);
  ASSERT_TRUE(p.ok()) << p.status();
  auto out = json::parse(p->body).as_object();
  EXPECT_EQ(out.at("changes").as_array().size(), 1u);
  ASSERT_EQ(service_->WaitClockRecompute().state, "done");
  auto fin = out.at("rules").as_object().at("types").as_array()[1].as_object();
  EXPECT_EQ(fin.at("type").as_string(), "financing");
  auto resp = fin.at("clocks").as_array()[1].as_object();
  EXPECT_EQ(resp.at("goal").as_object().at("amount").as_int64(), 6);
  EXPECT_EQ(resp.at("source").as_string(), "type");
  EXPECT_TRUE(resp.at("stored").as_bool());
  auto st = Call(http::Method::kPost, "/api/v1/appeals/sla-rules/recompute", op_);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->status, 202);
  ASSERT_EQ(service_->WaitClockRecompute().state, "done");
  auto poll = Call(http::Method::kGet, "/api/v1/appeals/sla-rules/recompute", officer_);
  ASSERT_TRUE(poll.ok());
  auto polled = json::parse(poll->body).as_object();
  EXPECT_EQ(polled.at("state").as_string(), "done");
  EXPECT_EQ(polled.at("started_by").as_string(), "user:1");
  EXPECT_EQ(polled.at("started_by_name").as_string(), "用户1");
  EXPECT_EQ(
      Call(http::Method::kPost, "/api/v1/appeals/sla-rules/recompute", officer_).status().code(),
      base::Code::kPermissionDenied);
}

// A job started right after the previous one ended: Start used to join the old job's thread while
// holding the runner's lock, which the old job's heartbeat thread needed to end — a deadlock when
// the heartbeat thread had not woken yet (seen as a 600 s timeout of the route test above).
TEST_P(AppealSlaRulesTest, BackToBackRecomputationsDoNotDeadlock) {
  Dispatched();
  for (int i = 0; i < 200; ++i) {
    auto started = service_->StartClockRecompute(op_);
    ASSERT_TRUE(started.ok()) << started.status();
    ASSERT_EQ(service_->WaitClockRecompute().state, "done") << i;
  }
}

// The recomputation job is kept in appeal_recompute_jobs: a restarted server (a new service on
// the same database) reads the finished job; a job another server left "running" reads as failed
// with reason sla.recompute_interrupted (also through the route, and recorded on the row), and
// the next job is numbered after it.
TEST_P(AppealSlaRulesTest, RecomputeJobOutlivesARestartAndADeadServersJobReadsFailed) {
  Dispatched();
  auto started = service_->StartClockRecompute(op_);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->started_by_name, "用户1");
  // The row is written before Start returns.
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM appeal_recompute_jobs WHERE id = " + std::to_string(started->id)),
      1);
  ASSERT_EQ(service_->WaitClockRecompute().state, "done");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_recompute_jobs WHERE state = 'done' AND "
                  "processed = 1 AND total = 1 AND started_by = 'user:1'"),
            1);

  auto restarted = std::make_unique<AppealService>(
      *db_, clock(), [this] { return calendar_; }, nullptr, ServiceOptions{});
  ClockRecomputeStatus after = restarted->ClockRecompute();
  EXPECT_EQ(after.id, started->id);
  EXPECT_EQ(after.state, "done");
  EXPECT_EQ(after.processed, 1);
  EXPECT_EQ(after.total, 1);
  EXPECT_EQ(after.started_by, "user:1");
  EXPECT_EQ(after.started_by_name, "用户1");
  EXPECT_EQ(after.started_at, started->started_at);

  // A job left running by a server that died at 40 of 100.
  const int64_t dead = started->id + 1;
  Sql("INSERT INTO appeal_recompute_jobs (id, state, started_by, instance, started_at, "
      "processed, total, updated_at) VALUES (" +
      std::to_string(dead) + ", 'running', 'user:1', 'a-server-that-died', 5, 40, 100, 7)");
  http::Router router;
  RegisterRoutes(router, *restarted);
  http::Request req;
  req.method = http::Method::kGet;
  req.path = "/api/v1/appeals/sla-rules/recompute";
  req.principal = officer_.principal;
  auto poll = router.Invoke(std::move(req));
  ASSERT_TRUE(poll.ok()) << poll.status();
  auto o = json::parse(poll->body).as_object();
  EXPECT_EQ(o.at("id").as_int64(), dead);
  EXPECT_EQ(o.at("state").as_string(), "failed");
  EXPECT_EQ(o.at("processed").as_int64(), 40);
  EXPECT_EQ(o.at("total").as_int64(), 100);
  EXPECT_EQ(o.at("started_by_name").as_string(), "用户1");
  ASSERT_TRUE(o.at("error").is_object());
  EXPECT_EQ(o.at("error").as_object().at("reason").as_string(), "sla.recompute_interrupted");
  EXPECT_NE(o.at("error").as_object().at("message_zh").as_string(), "");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_recompute_jobs WHERE id = " + std::to_string(dead) +
                  " AND state = 'failed' AND error_reason = 'sla.recompute_interrupted'"),
            1);
  // The first service (still alive) reads the newer stored job the same way.
  EXPECT_EQ(service_->ClockRecompute().state, "failed");

  auto next = restarted->StartClockRecompute(op_);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->id, dead + 1);
  EXPECT_EQ(restarted->WaitClockRecompute().state, "done");
  EXPECT_EQ(restarted->ClockRecompute().id, dead + 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_recompute_jobs WHERE state = 'running'"), 0);
}

// Two servers share one database. A "running" job of another server whose heartbeat is fresh
// is alive: a starting server neither fails it nor starts a second one, and the route shows its
// owner and heartbeat. Once the heartbeat is older than the lease, any server reads it as
// interrupted (recorded on the row) and may start the next job.
TEST_P(AppealSlaRulesTest, LiveJobOfAnotherServerIsNotFailedButAStaleOneIs) {
  constexpr base::Micros kSecond = 1'000'000;
  const base::Micros hb = clock().NowMicros() - 5 * kSecond;
  Sql("INSERT INTO appeal_recompute_jobs (id, state, started_by, instance, node, started_at, "
      "processed, total, updated_at, heartbeat_at) VALUES (1, 'running', 'user:1', "
      "'token-of-server-b', 'server-b/42', " +
      std::to_string(hb - 60 * kSecond) + ", 10, 100, " + std::to_string(hb) + ", " +
      std::to_string(hb) + ")");
  // A server starting now (a new service on the same database).
  auto starting = std::make_unique<AppealService>(
      *db_, clock(), [this] { return calendar_; }, nullptr, ServiceOptions{});
  http::Router router;
  RegisterRoutes(router, *starting);
  auto poll = [&] {
    http::Request req;
    req.method = http::Method::kGet;
    req.path = "/api/v1/appeals/sla-rules/recompute";
    req.principal = officer_.principal;
    auto r = router.Invoke(std::move(req));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? json::parse(r->body).as_object() : json::object{};
  };
  ClockRecomputeStatus live = starting->ClockRecompute();
  EXPECT_EQ(live.id, 1);
  EXPECT_EQ(live.state, "running");
  EXPECT_EQ(live.node, "server-b/42");
  EXPECT_TRUE(live.error.ok());
  auto o = poll();
  EXPECT_EQ(o.at("state").as_string(), "running");
  EXPECT_EQ(o.at("node").as_string(), "server-b/42");
  EXPECT_EQ(o.at("heartbeat_at").as_int64(), hb);
  EXPECT_EQ(o.at("lease_seconds").as_int64(), ClockRecomputeRunner::kLease / kSecond);
  EXPECT_TRUE(o.at("error").is_null());
  // Nor may this server start a second job beside it.
  auto second = starting->StartClockRecompute(op_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().reason(), "sla.recompute_running");
  EXPECT_EQ(second.status().field(), "recompute");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_recompute_jobs"), 1);
  // At exactly the lease the job is still alive.
  clock().Set(hb + ClockRecomputeRunner::kLease);
  EXPECT_EQ(starting->ClockRecompute().state, "running");
  EXPECT_EQ(service_->ClockRecompute().state, "running");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_recompute_jobs WHERE state = 'running'"), 1);
  // One second later it is stale, whichever server looks.
  clock().Advance(kSecond);
  o = poll();
  EXPECT_EQ(o.at("state").as_string(), "failed");
  EXPECT_EQ(o.at("node").as_string(), "server-b/42");
  EXPECT_EQ(o.at("finished_at").as_int64(), hb);  // the last sign of life
  EXPECT_EQ(o.at("processed").as_int64(), 10);
  ASSERT_TRUE(o.at("error").is_object());
  EXPECT_EQ(o.at("error").as_object().at("reason").as_string(), "sla.recompute_interrupted");
  EXPECT_EQ(service_->ClockRecompute().state, "failed");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_recompute_jobs WHERE id = 1 AND state = 'failed' "
                  "AND error_reason = 'sla.recompute_interrupted'"),
            1);
  auto next = starting->StartClockRecompute(op_);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->id, 2);
  EXPECT_EQ(starting->WaitClockRecompute().state, "done");
  starting.reset();
}

// The owner refreshes the heartbeat as its Clock moves, so another server keeps reading the job
// as running even after more than the lease has passed since it started.
TEST_P(AppealSlaRulesTest, OwnerHeartbeatKeepsItsJobAliveForOtherServers) {
  ClockRecomputeRunner owner(*db_, clock(), "server-a/1");
  ClockRecomputeRunner other(*db_, clock(), "server-b/2");
  std::vector<ClockRecomputeStatus> seen;
  std::vector<int64_t> beats;
  std::vector<int64_t> own;  // the owner's own status shows the refreshed heartbeat
  auto started = owner.Start(
      "cli", clock().NowMicros(),
      [&](const ClockRecomputeRunner::Progress& progress) -> base::Result<ClockRecomputeStatus> {
        for (int i = 1; i <= 4; ++i) {  // 4 heartbeat intervals > the lease
          clock().Advance(ClockRecomputeRunner::kHeartbeatInterval);
          progress(i, 4);
          beats.push_back(Count("SELECT heartbeat_at FROM appeal_recompute_jobs WHERE id = 1") ==
                          clock().NowMicros());
          seen.push_back(other.Current());
          own.push_back(owner.Current().heartbeat_at == clock().NowMicros());
        }
        return ClockRecomputeStatus{.finished_at = clock().NowMicros(), .processed = 4, .total = 4};
      });
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->node, "server-a/1");
  ClockRecomputeStatus end = owner.Wait();
  EXPECT_EQ(end.state, "done");
  ASSERT_EQ(seen.size(), 4u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(beats[i]) << "heartbeat not refreshed at step " << i;
    EXPECT_TRUE(own[i]) << "the owner's status misses the heartbeat at step " << i;
    EXPECT_EQ(seen[i].state, "running") << i;
    EXPECT_EQ(seen[i].node, "server-a/1") << i;
    EXPECT_EQ(seen[i].processed, static_cast<int64_t>(i) + 1) << i;
  }
  EXPECT_EQ(other.Current().state, "done");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_recompute_jobs WHERE state = 'done' AND node = "
                  "'server-a/1'"),
            1);
}

TEST_P(AppealSlaRulesTest, BadGoalIsRefusedNamingTheField) {
  ExpectRefused(R"({"rules":[{"type":"*","clock":"resolution","goal":{"unit":"working_days",)"
                R"("amount":0},"warn_share":0.8}]})",
                "rules[0].goal.amount", "sla.spec.goal");
  ExpectRefused(R"({"rules":[{"type":"*","clock":"resolution","goal":{"unit":"days",)"
                R"("amount":3},"warn_share":0.8}]})",
                "rules[0].goal.unit", "sla_rules.unit");
  ExpectRefused(R"({"rules":[{"type":"*","clock":"resolution","warn_share":0.8}]})",
                "rules[0].goal", "flow.required");
}

TEST_P(AppealSlaRulesTest, WarnShareOutsideZeroToOneIsRefused) {
  for (const char* share : {"1", "1.5", "-0.1"}) {
    ExpectRefused(std::string(R"({"rules":[{"type":"*","clock":"response","goal":{"unit":)") +
                      R"("working_days","amount":2},"warn_share":)" + share + "}]}",
                  "rules[0].warn_share", "sla_rules.warn_share");
  }
}

TEST_P(AppealSlaRulesTest, UnknownTypeIsRefused) {
  ExpectRefused(R"({"rules":[{"type":"*","clock":"response","goal":{"unit":"working_days",)"
                R"("amount":2},"warn_share":0.8},{"type":"teleport","clock":"response",)"
                R"("goal":{"unit":"working_days","amount":2},"warn_share":0.8}]})",
                "rules[1].type", "sla_rules.type");
}

TEST_P(AppealSlaRulesTest, UnknownClockIsRefused) {
  ExpectRefused(R"({"rules":[{"type":"*","clock":"lunch","goal":{"unit":"working_days",)"
                R"("amount":2},"warn_share":0.8}]})",
                "rules[0].clock", "sla_rules.clock");
}

TEST_P(AppealSlaRulesTest, DuplicateAndEmptyListsAreRefused) {
  ExpectRefused(R"({"rules":[]})", "rules", "sla_rules.count");
  ExpectRefused(R"({"rules":[{"type":"*","clock":"response","inherit":true},)"
                R"({"type":"*","clock":"response","inherit":true}]})",
                "rules[1]", "sla_rules.duplicate");
}

// Hot spots: the text finder's clusters when it answers, exact-field grouping otherwise (the
// same fixture: a database with appeals and the routes).
class AppealHotspotsTest : public AppealSlaRulesTest {};

TEST_P(AppealHotspotsTest, TextClustersWhenTheFinderAnswersElseExactFields) {
  for (int i = 0; i < 3; ++i) {
    Dispatched();
  }
  auto get = [&] {
    auto r = Call(http::Method::kGet, "/api/v1/appeals/hotspots", officer_, "",
                  {{"from", "2026-02-01"}, {"to", "2026-03-31"}});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? json::parse(r->body).as_object().at("items").as_array() : json::array{};
  };
  // No finder: exact-field grouping (3 utilities appeals, same chain and district).
  auto items = get();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object().at("source").as_string(), "fields");
  EXPECT_EQ(items[0].as_object().at("appeals").as_int64(), 3);
  // A finder that answers: its clusters, as given.
  base::Date asked_from, asked_to;
  int64_t asked_min = 0;
  service_->SetHotspotFinder([&](base::Date from, base::Date to, int64_t min_count) {
    asked_from = from;
    asked_to = to;
    asked_min = min_count;
    return std::optional<std::vector<Hotspot>>(
        std::vector<Hotspot>{{.type = "utilities",
                              .appeals = 3,
                              .enterprises = 1,
                              .sample_ids = {1, 2, 3},
                              .source = "text",
                              .label = "增容·用电",
                              .keywords = {"增容", "用电"}}});
  });
  items = get();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object().at("source").as_string(), "text");
  EXPECT_EQ(items[0].as_object().at("label").as_string(), "增容·用电");
  EXPECT_EQ(items[0].as_object().at("keywords").as_array().size(), 2u);
  EXPECT_EQ(asked_min, 3);  // the route's default min
  EXPECT_EQ(asked_from.ToString(), "2026-02-01");
  EXPECT_EQ(asked_to.ToString(), "2026-03-31");
  // A finder that cannot answer (search off or failing): back to exact fields.
  service_->SetHotspotFinder(
      [](base::Date, base::Date, int64_t) { return std::optional<std::vector<Hotspot>>(); });
  items = get();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object().at("source").as_string(), "fields");
  // Enterprises may not read hot spots either way.
  EXPECT_EQ(Call(http::Method::kGet, "/api/v1/appeals/hotspots", firm_).status().code(),
            base::Code::kPermissionDenied);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AppealHotspotsTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Sqlite, AppealSlaRulesTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, AppealSlaRulesTest, ::testing::Values(Backend::kPostgres));

// ---- pure rule resolution and validation (no database) -----------------------------------------

TEST(AppealSlaRuleSetTest, TypeRuleBeatsDefaultBeatsCode) {
  SlaRuleSet rules(7, {{.type = "*", .clock = "sign_for", .goal = {.amount = 2}, .warn_share = 0.5},
                       {.type = "talent",
                        .clock = "sign_for",
                        .goal = {.unit = flow::GoalUnit::kWorkingHours, .amount = 6},
                        .warn_share = 0}});
  EXPECT_EQ(rules.ClocksFor("talent")[0].goal.amount, 6);
  EXPECT_EQ(rules.ClocksFor("talent")[0].warn_share, 0);
  EXPECT_EQ(rules.ClocksFor("market")[0].goal.amount, 2);
  EXPECT_EQ(rules.Resolve("market")[0].source, "default");
  EXPECT_EQ(rules.Resolve("market")[1].source, "builtin");
  EXPECT_EQ(rules.ClocksFor("*")[0].goal.amount, 2);  // "*" never takes a type rule
  EXPECT_EQ(SlaRuleSet().ClocksFor("market")[2].goal.amount, 7);
}

TEST(AppealSlaRuleSetTest, ValidationNamesTheIndexedField) {
  auto s = ValidateSlaRuleChanges({Set("*", "resolution", 3), Set("*", "sign_for", 10001)});
  EXPECT_EQ(s.field(), "rules[1].goal.amount");
  s = ValidateSlaRuleChanges(
      {SlaRuleChange{.type = "*", .clock = "resolution", .goal = flow::Goal{.amount = 3}}});
  EXPECT_EQ(s.field(), "rules[0].warn_share");
  EXPECT_TRUE(ValidateSlaRuleChanges({Set("talent", "response", 3, 0)}).ok());
}

}  // namespace
}  // namespace kechan::appeals
