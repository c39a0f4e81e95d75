#include "appeals/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "appeals/migrations.h"
#include "appeals/routes.h"
#include "auth/migrations.h"
#include "base/calendar.h"
#include "flow/scheduler.h"
#include "http/router.h"
#include "store/event_log.h"
#include "store/migrations.h"
#include "store/test_schema.h"
#include "table/table.h"

namespace kechan::appeals {
namespace {

using auth::Role;
constexpr base::Micros kHour = 3'600'000'000LL;

auth::Principal P(int64_t user, int64_t org, Role role) {
  auth::Principal p;
  p.user = base::UserId{user};
  p.username = "u" + std::to_string(user);
  p.display_name = "用户" + std::to_string(user);
  p.memberships = {{base::OrgId{org}, role}};
  p.method = auth::AuthMethod::kSession;
  return p;
}

using Backend = store::TestBackend;

// Runs on SQLite in memory (label unit) and, when KECHAN_TEST_PG names a server
// (scripts/pg-test-env), on PostgreSQL in a throwaway schema (label postgres).
class AppealServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(
        GetParam(), "kechan_appeals_test", {auth::Migrations(), flow::Migrations(), Migrations()},
        // Monday 2026-03-02 09:00 Asia/Shanghai.
        base::LocalInstant(base::Date::FromYmd(2026, 3, 2).value(), 9 * 60));
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    test_db_ = std::move(*t);
    db_ = &test_db_.db();
    calendar_ = std::make_shared<base::BusinessCalendar>(base::BusinessCalendar::Shipped());
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string leaf = std::string("kechan-appeals-") + std::to_string(::getpid()) + "-" +
                       info->test_suite_name() + "-" + info->name();
    for (char& c : leaf) {
      c = (c == '/') ? '_' : c;
    }
    data_dir_ = (std::filesystem::temp_directory_path() / leaf).string();
    scheduler_ = std::make_unique<flow::Scheduler>(*db_, clock());
    service_ = std::make_unique<AppealService>(
        *db_, clock(), [this] { return calendar_; }, scheduler_.get(),
        ServiceOptions{.data_dir = data_dir_,
                       .max_attachment_bytes = 1000,
                       .wecom_secret = "wecom-secret",
                       .dingtalk_secret = "ding-secret"});
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (1, 'operator', '平台', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (2, 'government', '经信局', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (3, 'government', '科技局', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (10, 'enterprise', '甲公司', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (11, 'enterprise', '乙公司', 0)");
    for (int u : {1, 2, 3, 4, 5, 6}) {
      Sql("INSERT INTO users (id, username, display_name, password_hash, created_at, "
          "password_changed_at) VALUES (" +
          std::to_string(u) + ", 'u" + std::to_string(u) + "', '用户" + std::to_string(u) +
          "', 'x', 0, 0)");
    }
    op_ = Caller::Of(P(1, 1, Role::kOperator));
    officer_ = Caller::Of(P(2, 2, Role::kOfficer));
    other_officer_ = Caller::Of(P(3, 3, Role::kOfficer));
    firm_ = Caller::Of(P(4, 10, Role::kEnterprise));
    other_firm_ = Caller::Of(P(5, 11, Role::kEnterprise));
    director_ = Caller::Of(P(6, 2, Role::kDutyDirector));
  }
  void TearDown() override {
    service_.reset();
    scheduler_.reset();
    base::Status closed = test_db_.Close();
    EXPECT_TRUE(closed.ok()) << closed;
    if (!data_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(data_dir_, ec);
    }
  }

  void Sql(const std::string& sql) {
    auto s = store::WithWriteTx(*db_, [&](store::Tx& tx) { return tx.Exec(sql).status(); });
    ASSERT_TRUE(s.ok()) << s << " " << sql;
  }
  int64_t Count(const std::string& sql) {
    auto tx = db_->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows->rows[0].Int(0);
  }

  int64_t File(const std::string& title = "用电增容申请迟迟未批") {
    auto d = service_->Create(firm_, {.title = title,
                                      .body = "厂房扩产需要增容 800kVA。",
                                      .type = "utilities",
                                      .district = "高新区"});
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? d->appeal.id : 0;
  }
  base::Result<AppealDetail> Do(const Caller& c, int64_t id, const std::string& action,
                                const flow::Fields& f = {}) {
    return service_->Act(c, id, action, f);
  }
  // Files and dispatches to org 2.
  int64_t Dispatched() {
    int64_t id = File();
    auto d = Do(op_, id, "dispatch", {{"lead_unit", "2"}, {"assisting_units", "3"}});
    EXPECT_TRUE(d.ok()) << d.status();
    return id;
  }
  // Brings a dispatched appeal to in_progress.
  int64_t InProgress() {
    int64_t id = Dispatched();
    EXPECT_TRUE(Do(officer_, id, "sign_for").ok());
    EXPECT_TRUE(Do(officer_, id, "contact", {{"note", "已电话联系"}}).ok());
    return id;
  }
  std::string State(int64_t id) {
    auto tx = db_->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query("SELECT state FROM appeals WHERE id = ?", {id});
    return rows->rows[0].Text(0);
  }
  int64_t HistoryCount(int64_t id) {
    return Count("SELECT COUNT(*) FROM appeal_history WHERE appeal_id = " + std::to_string(id));
  }

  base::FakeClock& clock() { return test_db_.clock(); }

  store::TestDatabase test_db_;    // PostgreSQL: a throwaway schema, dropped in TearDown
  store::Database* db_ = nullptr;  // test_db_.db()
  std::shared_ptr<const base::BusinessCalendar> calendar_;
  std::string data_dir_;
  std::unique_ptr<flow::Scheduler> scheduler_;
  std::unique_ptr<AppealService> service_;
  Caller op_, officer_, other_officer_, firm_, other_firm_, director_;
};

TEST_P(AppealServiceTest, FullLifecycleEndsArchivedWithVisitRecorded) {
  int64_t id = InProgress();
  ASSERT_TRUE(Do(officer_, id, "wait_for_enterprise",
                 {{"reason", "待补材料"}, {"expected_date", "2026-03-05"}})
                  .ok());
  EXPECT_EQ(State(id), "waiting_for_enterprise");
  ASSERT_TRUE(Do(firm_, id, "resume").ok());
  ASSERT_TRUE(Do(officer_, id, "reply", {{"reply", "已协调供电公司完成增容"}}).ok());
  ASSERT_TRUE(Do(op_, id, "begin_check").ok());
  ASSERT_TRUE(Do(op_, id, "pass_check").ok());
  auto d = Do(op_, id, "archive", {{"resolved", "yes"}, {"satisfaction", "satisfied"}});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->appeal.state, "archived");
  EXPECT_EQ(d->appeal.sla, "done");
  ASSERT_EQ(d->requesters.size(), 1u);
  EXPECT_TRUE(d->requesters[0].visited);
  EXPECT_EQ(d->requesters[0].satisfaction, "satisfied");
  EXPECT_TRUE(d->appeal.response_on_time.value_or(false));
  // The dispatch event carries the notify block for the lead and assisting units.
  auto tx = db_->Begin(store::TxKind::kRead);
  auto rows = (*tx)->Query("SELECT payload FROM events WHERE kind = 'appeal.dispatched'");
  ASSERT_EQ(rows->size(), 1u);
  auto payload = boost::json::parse(rows->rows[0].Text(0)).as_object();
  ASSERT_TRUE(payload.contains("notify"));
  EXPECT_EQ(payload["notify"].as_object()["orgs"].as_array().size(), 2u);
  EXPECT_EQ(payload["notify"].as_object()["link"].as_string(), "/appeals/" + std::to_string(id));
  // No pending timers remain for a closed appeal.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM flow_timers WHERE fired_at IS NULL"), 0);
}

TEST_P(AppealServiceTest, TransitionNotAllowedFromStateIsRefusedAndChangesNothing) {
  int64_t id = File();
  const int64_t before = HistoryCount(id);
  auto r = Do(officer_, id, "sign_for");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "flow.transition_not_allowed");
  EXPECT_EQ(r.status().field(), "action");
  EXPECT_EQ(State(id), "received");
  EXPECT_EQ(HistoryCount(id), before);
}

TEST_P(AppealServiceTest, RoleNotAllowedIsRefusedAndChangesNothing) {
  int64_t id = File();
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  auto r = Do(firm_, id, "dispatch", {{"lead_unit", "2"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(r.status().field(), "role");
  EXPECT_EQ(State(id), "received");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events);
}

TEST_P(AppealServiceTest, PauseWithoutReasonOrDateIsRefusedAndChangesNothing) {
  int64_t id = InProgress();
  const int64_t before = HistoryCount(id);
  auto r = Do(officer_, id, "wait_for_enterprise", {{"expected_date", "2026-03-05"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "reason");
  r = Do(officer_, id, "wait_for_enterprise", {{"reason", "待补材料"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "expected_date");
  r = Do(officer_, id, "wait_for_enterprise", {{"reason", "待补材料"}, {"expected_date", "3/5"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "expected_date");
  EXPECT_EQ(State(id), "in_progress");
  EXPECT_EQ(HistoryCount(id), before);
}

TEST_P(AppealServiceTest, DispatchToUnknownUnitIsRefused) {
  int64_t id = File();
  auto r = Do(op_, id, "dispatch", {{"lead_unit", "10"}});  // an enterprise, not a department
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "lead_unit");
  EXPECT_EQ(State(id), "received");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_units"), 0);
}

TEST_P(AppealServiceTest, EnterpriseCannotReadOrTouchAnotherEnterprisesAppeal) {
  int64_t id = Dispatched();
  auto g = service_->Get(other_firm_, id);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), base::Code::kNotFound);
  auto a = Do(other_firm_, id, "urge");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), base::Code::kNotFound);
  auto list = service_->List(other_firm_, {});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->total, 0);
  // An officer of an unrelated department does not see a dispatched appeal either.
  EXPECT_EQ(service_->Get(Caller::Of(P(9, 99, Role::kOfficer)), id).status().code(),
            base::Code::kNotFound);
  EXPECT_TRUE(service_->Get(firm_, id).ok());
  EXPECT_TRUE(service_->Get(other_officer_, id).ok());  // assisting unit
  EXPECT_EQ(Count("SELECT urge_count FROM appeals"), 0);
}

TEST_P(AppealServiceTest, BookingAFullSlotIsRefusedAndChangesNothing) {
  int64_t a = Dispatched();
  int64_t b = Dispatched();
  auto r = service_->CreateReception(op_, {.kind = "duty",
                                           .date = "2026-03-04",
                                           .start = "09:00",
                                           .end = "11:00",
                                           .host_user_id = 6,
                                           .capacity = 1});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(service_->Book(firm_, r->id, a, "").ok());
  auto full = service_->Book(firm_, r->id, b, "");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(full.status().reason(), "reception.full");
  EXPECT_EQ(full.status().field(), "reception_id");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_bookings"), 1);
  EXPECT_EQ(Count("SELECT booked FROM appeal_receptions"), 1);
  // Another enterprise cannot book this firm's appeal.
  EXPECT_EQ(service_->Book(other_firm_, r->id, b, "").status().code(), base::Code::kNotFound);
  // The outcome flows back into the appeal.
  auto got = service_->GetReception(op_, r->id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->second.size(), 1u);
  ASSERT_TRUE(service_->RecordOutcome(director_, r->id, got->second[0].id, "现场协调解决").ok());
  auto d = service_->Get(op_, a);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->history.back().kind, "appeal.reception_recorded");
  EXPECT_EQ(d->bookings[0].outcome, "现场协调解决");
}

TEST_P(AppealServiceTest, PausedClockDoesNotCountWaitingDays) {
  int64_t id = InProgress();
  ASSERT_TRUE(Do(officer_, id, "wait_for_enterprise",
                 {{"reason", "待补材料"}, {"expected_date", "2026-03-20"}})
                  .ok());
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->appeal.sla, "paused");
  // Ten working days later nothing has breached the resolution clock (it is paused).
  clock().Advance(kHour * 24 * 14);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 0);
  d = service_->Get(op_, id);
  for (const auto& c : d->clocks) {
    if (c.spec.name == "resolution") {
      EXPECT_EQ(c.state.status, flow::ClockStatus::kPaused);
      EXPECT_FALSE(c.state.breached);
    }
  }
}

TEST_P(AppealServiceTest, BreachFiresOnceAndEscalatesIntoAReception) {
  auto r = service_->CreateReception(op_, {.kind = "duty",
                                           .date = "2026-03-30",
                                           .start = "09:00",
                                           .end = "11:00",
                                           .host_user_id = 6,
                                           .capacity = 5});
  ASSERT_TRUE(r.ok());
  int64_t id = Dispatched();
  // Three working days: sign-for (1 day) and response (2 days) breach; resolution does not.
  clock().Advance(kHour * 24 * 3);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 2);
  EXPECT_EQ(service_->Get(op_, id)->appeal.sla, "red");
  // A restart of the scheduler does not fire them again.
  scheduler_ = std::make_unique<flow::Scheduler>(*db_, clock());
  service_->RegisterTimers(*scheduler_);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 2);
  // Two more weeks: the resolution clock breaches; the appeal is supervised and booked.
  clock().Advance(kHour * 24 * 14);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 3);
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->appeal.supervised);
  ASSERT_EQ(d->bookings.size(), 1u);
  EXPECT_TRUE(d->bookings[0].automatic);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.reception_booked'"), 1);
}

std::optional<base::Micros> ResolutionDue(const AppealDetail& d) {
  for (const auto& c : d.clocks) {
    if (c.spec.name == "resolution") {
      return c.state.due_at;
    }
  }
  return std::nullopt;
}

TEST_P(AppealServiceTest, ApprovedExtensionMovesTheResolutionBreach) {
  const auto at = [](int m, int d, int hh, int mm) {
    return base::LocalInstant(base::Date::FromYmd(2026, m, d).value(), hh * 60 + mm);
  };
  int64_t id = InProgress();  // dispatched Mon 03-02 09:00: resolution due Wed 03-11 17:30
  EXPECT_EQ(ResolutionDue(*service_->Get(op_, id)), at(3, 11, 17, 30));
  ASSERT_TRUE(
      Do(officer_, id, "request_extension", {{"reason", "需省级部门会签"}, {"extra_days", "3"}})
          .ok());
  auto d = Do(director_, id, "approve_extension");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->appeal.state, "in_progress");
  EXPECT_EQ(ResolutionDue(*d), at(3, 16, 17, 30));
  EXPECT_EQ(d->appeal.due_at, at(3, 16, 17, 30));
  // The approval keeps the days granted in its history entry.
  EXPECT_NE(d->history.back().fields.find("\"extra_days\":\"3\""), std::string::npos);
  // Thu 03-12: past the old due time, no breach.
  clock().Set(at(3, 12, 9, 0));
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 0);
  EXPECT_EQ(service_->Get(op_, id)->appeal.sla, "green");
  // `kechan sla replay` recomputes the same due time from the history.
  Sql("UPDATE appeals SET due_at = 0, sla = 'red' WHERE id = " + std::to_string(id));
  auto r = service_->ReplayClocks();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->changed, 1);
  EXPECT_EQ(Count("SELECT due_at FROM appeals WHERE id = " + std::to_string(id)),
            at(3, 16, 17, 30));
  EXPECT_EQ(service_->Get(op_, id)->appeal.sla, "green");
  // Tue 03-17: the breach fires once, at the new due time.
  clock().Set(at(3, 17, 9, 0));
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 1);
  d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->appeal.sla, "red");
  for (const auto& c : d->clocks) {
    if (c.spec.name == "resolution") {
      EXPECT_EQ(c.state.breached_at, at(3, 16, 17, 30));
    }
  }
}

TEST_P(AppealServiceTest, ApprovingMoreDaysThanRequestedIsRefusedAndChangesNothing) {
  int64_t id = InProgress();
  ASSERT_TRUE(
      Do(officer_, id, "request_extension", {{"reason", "需会签"}, {"extra_days", "2"}}).ok());
  const int64_t before = HistoryCount(id);
  for (const std::string bad : {"5", "0", "x"}) {
    auto r = Do(director_, id, "approve_extension", {{"extra_days", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), "extra_days");
  }
  EXPECT_EQ(State(id), "extension_requested");
  EXPECT_EQ(HistoryCount(id), before);
  // Granting fewer days than requested is fine.
  auto d = Do(director_, id, "approve_extension", {{"extra_days", "1"}});
  ASSERT_TRUE(d.ok()) << d.status();
  const auto due = ResolutionDue(*d);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, base::LocalInstant(base::Date::FromYmd(2026, 3, 12).value(), 17 * 60 + 30));
}

TEST_P(AppealServiceTest, DeniedExtensionLeavesTheClockAlone) {
  int64_t id = InProgress();
  ASSERT_TRUE(
      Do(officer_, id, "request_extension", {{"reason", "需会签"}, {"extra_days", "4"}}).ok());
  auto d = Do(director_, id, "deny_extension", {{"reason", "时限内可办结"}});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(ResolutionDue(*d),
            base::LocalInstant(base::Date::FromYmd(2026, 3, 11).value(), 17 * 60 + 30));
}

TEST_P(AppealServiceTest, RepeatedUrgingMakesTheAppealSupervised) {
  int64_t id = Dispatched();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Do(firm_, id, "urge").ok());
  }
  EXPECT_FALSE(service_->Get(op_, id)->appeal.supervised);
  ASSERT_TRUE(Do(firm_, id, "urge").ok());
  auto d = service_->Get(op_, id);
  EXPECT_TRUE(d->appeal.supervised);
  EXPECT_EQ(d->appeal.urge_count, 3);
}

TEST_P(AppealServiceTest, MergedRequestersMustAllBeVisitedBeforeArchive) {
  int64_t master = InProgress();
  auto other =
      service_->Create(Caller::Of(P(5, 11, Role::kEnterprise)),
                       {.title = "同一问题", .body = "同样的增容问题", .type = "utilities"});
  ASSERT_TRUE(other.ok());
  auto m = Do(op_, other->appeal.id, "merge", {{"master_id", std::to_string(master)}});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->appeal.state, "merged");
  ASSERT_TRUE(Do(officer_, master, "reply", {{"reply", "已办理"}}).ok());
  ASSERT_TRUE(Do(op_, master, "begin_check").ok());
  ASSERT_TRUE(Do(op_, master, "pass_check").ok());
  auto early = Do(op_, master, "archive",
                  {{"requester", "4"}, {"resolved", "yes"}, {"satisfaction", "basically"}});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().reason(), "flow.guard.all_requesters_visited");
  EXPECT_EQ(State(master), "follow_up");
  ASSERT_TRUE(Do(op_, master, "record_visit",
                 {{"requester", "4"}, {"resolved", "yes"}, {"satisfaction", "basically"}})
                  .ok());
  auto done =
      Do(op_, master, "archive", {{"requester", "5"}, {"resolved", "no"}, {"satisfaction", "not"}});
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->appeal.state, "archived");
}

TEST_P(AppealServiceTest, MetricsComputeTheThreeRatesByDepartment) {
  int64_t id = InProgress();
  ASSERT_TRUE(Do(officer_, id, "reply", {{"reply", "已办理"}}).ok());
  ASSERT_TRUE(Do(op_, id, "begin_check").ok());
  ASSERT_TRUE(Do(op_, id, "pass_check").ok());
  ASSERT_TRUE(Do(op_, id, "archive", {{"resolved", "yes"}, {"satisfaction", "not"}}).ok());
  Dispatched();  // dispatched, never contacted
  auto m = service_->Metrics(op_, {.from = base::Date::FromYmd(2026, 3, 1).value(),
                                   .to = base::Date::FromYmd(2026, 3, 31).value(),
                                   .by = "department"});
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->rows.size(), 1u);
  const MetricRow& r = m->rows[0];
  EXPECT_EQ(r.key, "2");
  EXPECT_EQ(r.label, "经信局");
  EXPECT_EQ(r.appeals, 2);
  EXPECT_DOUBLE_EQ(*r.response_rate(), 0.5);
  EXPECT_DOUBLE_EQ(*r.resolution_rate(), 1.0);
  EXPECT_DOUBLE_EQ(*r.satisfaction_rate(), 0.0);
  EXPECT_NEAR(*r.composite({}), 0.3 * 0.5 + 0.35 * 1.0, 1e-9);
  EXPECT_FALSE(service_->Metrics(firm_, m->query).ok());
  auto bad = service_->Metrics(op_, {.from = m->query.from, .to = m->query.to, .by = "color"});
  EXPECT_EQ(bad.status().field(), "by");
}

TEST_P(AppealServiceTest, ForgedOrReplayedWecomWebhookChangesNothing) {
  ASSERT_TRUE(
      service_->AddSender(op_, {.platform = "wecom", .sender = "zhang", .org_id = 10}).ok());
  const std::string body =
      R"({"msgtype":"text","text":{"content":"园区道路施工影响物流，请协调"},"from":{"userid":"zhang"},"msgid":"m1"})";
  const std::string ts = std::to_string(clock().NowMicros() / 1'000'000);
  std::map<std::string, std::string> q{{"timestamp", ts}, {"nonce", "n1"}};
  q["signature"] = WecomSignature("wrong-secret", ts, "n1", body);
  auto forged = service_->IntakeWecom(q, body);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().code(), base::Code::kUnauthenticated);
  EXPECT_EQ(forged.status().reason(), "webhook.signature");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);

  const std::string old_ts = std::to_string(clock().NowMicros() / 1'000'000 - 3600);
  std::map<std::string, std::string> stale{{"timestamp", old_ts}, {"nonce", "n1"}};
  stale["signature"] = WecomSignature("wecom-secret", old_ts, "n1", body);
  auto replayed = service_->IntakeWecom(stale, body);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.status().reason(), "webhook.stale");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);

  q["signature"] = WecomSignature("wecom-secret", ts, "n1", body);
  auto ok = service_->IntakeWecom(q, body);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_FALSE(ok->appended);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals WHERE channel = 'group' AND org_id = 10"), 1);
  // The same message id again: a duplicate, nothing new.
  auto again = service_->IntakeWecom(q, body);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_history WHERE kind = 'appeal.message_appended'"), 0);
  // The same text in a new message (punctuation differs) appends to the open appeal.
  const std::string body2 =
      R"({"msgtype":"text","text":{"content":"园区道路施工影响物流 请协调！"},"from":{"userid":"zhang"},"msgid":"m2"})";
  q["signature"] = WecomSignature("wecom-secret", ts, "n1", body2);
  auto dup = service_->IntakeWecom(q, body2);
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_TRUE(dup->appended);
  EXPECT_EQ(dup->appeal_id, ok->appeal_id);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 1);
}

TEST_P(AppealServiceTest, ForgedDingtalkWebhookIsRefusedAndUnknownSenderIsKept) {
  const std::string body =
      R"({"msgtype":"text","text":{"content":"招工难"},"senderStaffId":"li","msgId":"d1"})";
  const std::string ts = std::to_string(clock().NowMicros() / 1000);
  auto forged = service_->IntakeDingtalk(ts, DingtalkSignature("nope", ts), body);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().reason(), "webhook.signature");
  auto unmapped = service_->IntakeDingtalk(ts, DingtalkSignature("ding-secret", ts), body);
  ASSERT_TRUE(unmapped.ok()) << unmapped.status();
  EXPECT_TRUE(unmapped->unmapped);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_webhook_messages WHERE status = 'unmapped'"), 1);
}

TEST_P(AppealServiceTest, AttachmentsAreStoredByHashWithASizeLimit) {
  int64_t id = File();
  auto big = service_->AddAttachment(firm_, id, "a.bin", "", std::string(1001, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().reason(), "appeal.attachment_too_large");
  auto other = service_->AddAttachment(other_firm_, id, "a.txt", "text/plain", "hi");
  EXPECT_EQ(other.status().code(), base::Code::kNotFound);
  auto att = service_->AddAttachment(firm_, id, "a.txt", "text/plain", "hello");
  ASSERT_TRUE(att.ok()) << att.status();
  EXPECT_TRUE(
      std::filesystem::exists(std::filesystem::path(data_dir_) / "attachments" / att->sha256));
  auto back = service_->ReadAttachment(firm_, id, att->id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->second, "hello");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_attachments"), 1);
}

TEST_P(AppealServiceTest, MissingRequiredFieldsOnCreateAreNamed) {
  auto r = service_->Create(firm_, {.title = "", .body = "x", .type = "utilities"});
  EXPECT_EQ(r.status().field(), "title");
  r = service_->Create(firm_, {.title = "t", .body = "x", .type = "nope"});
  EXPECT_EQ(r.status().field(), "type");
  r = service_->Create(officer_, {.title = "t", .body = "x", .type = "utilities"});
  EXPECT_EQ(r.status().field(), "org_id");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);
}

TEST_P(AppealServiceTest, CatalogueResolvesTheMostSpecificEntry) {
  ASSERT_TRUE(service_->PutCatalogue(op_, {.type = "utilities", .lead_unit = 2}).ok());
  ASSERT_TRUE(
      service_
          ->PutCatalogue(
              op_,
              {.type = "utilities", .district = "高新区", .lead_unit = 3, .assisting_units = {2}})
          .ok());
  auto dup = service_->PutCatalogue(op_, {.type = "utilities", .lead_unit = 3});
  EXPECT_EQ(dup.status().code(), base::Code::kAlreadyExists);
  auto m = service_->Resolve("utilities", std::nullopt, "高新区");
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->lead_unit, 3);
  m = service_->Resolve("utilities", std::nullopt, "锦江区");
  EXPECT_EQ((*m)->lead_unit, 2);
  EXPECT_FALSE(service_->PutCatalogue(officer_, {.type = "talent", .lead_unit = 2}).ok());
  int64_t id = File();
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d->suggested.has_value());
  EXPECT_EQ(d->suggested->lead_unit, 3);
}

TEST_P(AppealServiceTest, ReplayRecomputesOpenClocks) {
  Dispatched();
  InProgress();
  auto r = service_->ReplayClocks();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->appeals, 2);
  EXPECT_GE(r->timers, 2);
}

class AppealRoutesTest : public AppealServiceTest {
 protected:
  void SetUp() override {
    AppealServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    RegisterRoutes(router_, *service_);
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
  http::Router router_;
};

TEST_P(AppealRoutesTest, FileActAndReadThroughTheRoutes) {
  auto created = Call(http::Method::kPost, "/api/v1/appeals", firm_,
                      R"({"title":"招工难","body":"急需技工","type":"talent"})");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status, 201);
  auto o = boost::json::parse(created->body).as_object();
  const int64_t id = o.at("id").as_int64();
  EXPECT_EQ(o.at("state").as_string(), "received");
  EXPECT_EQ(o.at("channel").as_string(), "web");
  EXPECT_TRUE(o.at("route_suggestion").is_null());
  const std::string base = "/api/v1/appeals/" + std::to_string(id);
  // Unknown body field: 400 naming it, nothing created.
  auto bad = Call(http::Method::kPost, "/api/v1/appeals", firm_,
                  R"({"title":"t","body":"b","type":"talent","colour":"red"})");
  EXPECT_EQ(bad.status().field(), "colour");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 1);
  // Dispatch with a JSON array of assisting units, then a state the action is not allowed from.
  auto d = Call(http::Method::kPost, base + "/actions/dispatch", op_,
                R"({"lead_unit":2,"assisting_units":[3]})");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(boost::json::parse(d->body).at("state").as_string(), "dispatched");
  auto again = Call(http::Method::kPost, base + "/actions/dispatch", op_, R"({"lead_unit":2})");
  EXPECT_EQ(again.status().code(), base::Code::kFailedPrecondition);
  auto unknown = Call(http::Method::kPost, base + "/actions/teleport", op_, "{}");
  EXPECT_EQ(unknown.status().code(), base::Code::kNotFound);
  // Another enterprise: 404 on read.
  EXPECT_EQ(Call(http::Method::kGet, base, other_firm_).status().code(), base::Code::kNotFound);
  // The officer's queue lists it with its colour counts.
  auto q = Call(http::Method::kGet, "/api/v1/appeals", officer_, "", {{"state", "open"}});
  ASSERT_TRUE(q.ok()) << q.status();
  auto qo = boost::json::parse(q->body).as_object();
  EXPECT_EQ(qo.at("total").as_int64(), 1);
  EXPECT_EQ(qo.at("counts").as_object().at("green").as_int64(), 1);
  auto badpage = Call(http::Method::kGet, "/api/v1/appeals", officer_, "", {{"page_size", "500"}});
  EXPECT_EQ(badpage.status().field(), "page_size");
  // Metrics carry the definitions and weights.
  auto m = Call(http::Method::kGet, "/api/v1/appeals/metrics", op_, "",
                {{"from", "2026-03-01"}, {"to", "2026-03-31"}, {"by", "type"}});
  ASSERT_TRUE(m.ok()) << m.status();
  auto mo = boost::json::parse(m->body).as_object();
  EXPECT_TRUE(mo.at("definitions").as_object().contains("composite"));
  EXPECT_DOUBLE_EQ(mo.at("weights").as_object().at("response").as_double(), 0.3);
  ASSERT_EQ(mo.at("rows").as_array().size(), 1u);
  EXPECT_EQ(mo.at("rows").as_array()[0].as_object().at("key").as_string(), "talent");
  auto x = Call(http::Method::kGet, "/api/v1/appeals/metrics.xlsx", op_, "",
                {{"from", "2026-03-01"}, {"to", "2026-03-31"}});
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->body.substr(0, 2), "PK");
}

TEST_P(AppealRoutesTest, VisitAnswerThroughTheRoute) {
  int64_t id = InProgress();
  ASSERT_TRUE(Do(officer_, id, "reply", {{"reply", "已协调完成"}}).ok());
  ASSERT_TRUE(Do(op_, id, "begin_check").ok());
  ASSERT_TRUE(Do(op_, id, "pass_check").ok());
  const std::string path = "/api/v1/appeals/" + std::to_string(id) + "/actions/record_visit";
  const std::string body =
      R"({"requester":4,"resolved":"yes","satisfaction":"satisfied","comment":"满意"})";
  auto other = Call(http::Method::kPost, path, other_firm_, body);
  EXPECT_EQ(other.status().code(), base::Code::kNotFound);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_requesters WHERE visited = 1"), 0);
  auto ok = Call(http::Method::kPost, path, firm_, body);
  ASSERT_TRUE(ok.ok()) << ok.status();
  auto o = boost::json::parse(ok->body).as_object();
  auto r = o.at("requesters").as_array()[0].as_object();
  EXPECT_EQ(r.at("comment").as_string(), "满意");
  EXPECT_EQ(r.at("visit_channel").as_string(), "enterprise");
}

TEST_P(AppealRoutesTest, CatalogueXlsxExportImportsBackAndRowErrorsAre422) {
  ASSERT_TRUE(service_->PutCatalogue(op_, {.type = "talent", .lead_unit = 3}).ok());
  auto x = Call(http::Method::kGet, "/api/v1/appeal-catalogue/export.xlsx", officer_);
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->body.substr(0, 2), "PK");
  auto back = Call(http::Method::kPost, "/api/v1/appeal-catalogue/import", op_, x->body,
                   {{"mode", "replace"}});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->status, 200);
  auto o = boost::json::parse(back->body).as_object();
  EXPECT_TRUE(o.at("committed").as_bool());
  EXPECT_EQ(o.at("deleted").as_int64(), 0);
  auto csv = Call(http::Method::kGet, "/api/v1/appeal-catalogue/export.csv", officer_);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_NE(csv->body.find("talent"), std::string::npos);
  // A bad row: 422 with the row, column and reason; nothing written.
  auto bad = Call(http::Method::kPost, "/api/v1/appeal-catalogue/import", op_,
                  "type,lead_unit\nutilities,2\nutilities,nobody\n");
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(bad->status, 422);
  auto bo = boost::json::parse(bad->body).as_object();
  EXPECT_FALSE(bo.at("committed").as_bool());
  auto e = bo.at("errors").as_array()[0].as_object();
  EXPECT_EQ(e.at("row").as_int64(), 3);
  EXPECT_EQ(e.at("column").as_string(), "lead_unit");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_catalogue"), 1);
  // Officers may export but not import; a bad mode is named.
  auto denied = Call(http::Method::kPost, "/api/v1/appeal-catalogue/import", officer_,
                     "type,lead_unit\nutilities,2\n");
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
  auto mode = Call(http::Method::kPost, "/api/v1/appeal-catalogue/import", op_,
                   "type,lead_unit\nutilities,2\n", {{"mode", "wipe"}});
  EXPECT_EQ(mode.status().field(), "mode");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_catalogue"), 1);
}

TEST_P(AppealRoutesTest, ForgedWebhookThroughTheRouteIsUnauthenticated) {
  auto r = Call(http::Method::kPost, "/api/v1/appeals/webhooks/wecom", Caller{},
                R"({"msgtype":"text","text":{"content":"x"},"from":{"userid":"a"},"msgid":"1"})",
                {{"timestamp", std::to_string(clock().NowMicros() / 1'000'000)},
                 {"nonce", "n"},
                 {"signature", "00"}});
  EXPECT_EQ(r.status().code(), base::Code::kUnauthenticated);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_webhook_messages"), 0);
}

// ---- follow-up visit answered by the enterprise ----------------------------------------------

TEST_P(AppealServiceTest, EnterpriseAnswersTheFollowUpVisitItself) {
  int64_t id = InProgress();
  ASSERT_TRUE(Do(officer_, id, "reply", {{"reply", "已协调完成"}}).ok());
  // Not yet in the visit state: the enterprise cannot answer.
  auto early = Do(firm_, id, "record_visit",
                  {{"requester", "4"}, {"resolved", "yes"}, {"satisfaction", "satisfied"}});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().reason(), "flow.transition_not_allowed");
  ASSERT_TRUE(Do(op_, id, "begin_check").ok());
  ASSERT_TRUE(Do(op_, id, "pass_check").ok());
  auto mine = service_->Get(firm_, id);
  ASSERT_TRUE(mine.ok());
  bool offered = false;
  for (const auto& a : mine->actions) {
    offered |= a.action == "record_visit";
  }
  EXPECT_TRUE(offered);
  auto d = Do(firm_, id, "record_visit",
              {{"requester", "4"},
               {"resolved", "yes"},
               {"satisfaction", "basically"},
               {"comment", "办得快，但沟通可以更及时"}});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->appeal.state, "follow_up");
  ASSERT_EQ(d->requesters.size(), 1u);
  EXPECT_TRUE(d->requesters[0].visited);
  EXPECT_EQ(d->requesters[0].resolved, "yes");
  EXPECT_EQ(d->requesters[0].satisfaction, "basically");
  EXPECT_EQ(d->requesters[0].comment, "办得快，但沟通可以更及时");
  EXPECT_EQ(d->requesters[0].visit_channel, "enterprise");
  EXPECT_EQ(d->history.back().actor, "user:4");
  // Answering twice is refused; the officer archives.
  auto again = Do(firm_, id, "record_visit",
                  {{"requester", "4"}, {"resolved", "no"}, {"satisfaction", "not"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().reason(), "appeal.already_visited");
  EXPECT_EQ(service_->Get(op_, id)->requesters[0].satisfaction, "basically");
  auto archived = Do(officer_, id, "archive");
  ASSERT_TRUE(archived.ok()) << archived.status();
  EXPECT_EQ(archived->appeal.state, "archived");
}

TEST_P(AppealServiceTest, OtherEnterpriseOrColleagueCannotAnswerTheVisit) {
  int64_t id = InProgress();
  ASSERT_TRUE(Do(officer_, id, "reply", {{"reply", "已协调完成"}}).ok());
  ASSERT_TRUE(Do(op_, id, "begin_check").ok());
  ASSERT_TRUE(Do(op_, id, "pass_check").ok());
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  const flow::Fields answer = {{"requester", "4"}, {"resolved", "no"}, {"satisfaction", "not"}};
  auto other = Do(other_firm_, id, "record_visit", answer);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), base::Code::kNotFound);
  const Caller colleague = Caller::Of(P(7, 10, Role::kEnterprise));
  auto forged = Do(colleague, id, "record_visit", answer);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(forged.status().field(), "requester");
  // A comment that is too long.
  auto longc = Do(firm_, id, "record_visit",
                  {{"requester", "4"},
                   {"resolved", "yes"},
                   {"satisfaction", "satisfied"},
                   {"comment", std::string(2001, 'x')}});
  EXPECT_EQ(longc.status().field(), "comment");
  // Nothing changed.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_requesters WHERE visited = 1"), 0);
  // Staff still record phone visits.
  auto phone = Do(officer_, id, "record_visit", answer);
  ASSERT_TRUE(phone.ok()) << phone.status();
  EXPECT_EQ(phone->requesters[0].visit_channel, "phone");
}

// ---- timeline actors -----------------------------------------------------------------------

TEST_P(AppealServiceTest, TimelineNamesTheActorsAndTheirOrganisations) {
  Sql("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (2, 2, 'officer', 0)");
  Sql("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (4, 10, 'enterprise', "
      "0)");
  Sql("UPDATE users SET display_name = '王科长' WHERE id = 2");
  int64_t id = InProgress();
  auto d = service_->Get(firm_, id);
  ASSERT_TRUE(d.ok()) << d.status();
  bool saw_officer = false, saw_firm = false;
  for (const auto& h : d->history) {
    if (h.actor == "user:2") {
      saw_officer = true;
      EXPECT_EQ(h.actor_name, "王科长");
      EXPECT_EQ(h.actor_org, "经信局");
    } else if (h.actor == "user:4") {
      saw_firm = true;
      EXPECT_EQ(h.actor_name, "用户4");
      EXPECT_EQ(h.actor_org, "甲公司");
    } else if (h.actor == "user:1") {
      EXPECT_EQ(h.actor_name, "用户1");  // no membership row: no organisation
      EXPECT_EQ(h.actor_org, "");
    }
  }
  EXPECT_TRUE(saw_officer);
  EXPECT_TRUE(saw_firm);
}

// ---- catalogue import / export ----------------------------------------------------------------

table::Table Csv(const std::string& text) {
  auto t = table::ReadCsv(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : table::Table{};
}

TEST_P(AppealServiceTest, CatalogueImportIsAllOrNothingWithRowErrors) {
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  auto r = service_->ImportCatalogue(op_,
                                     Csv("type,district,lead_unit,assisting_units\n"
                                         "utilities,,经信局,科技局\n"
                                         "utilities,高新区,财政局,\n"
                                         "teleport,,2,\n"
                                         "financing,,2,3;99\n"
                                         "utilities,,3,\n"),
                                     /*replace=*/false, /*dry_run=*/false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  EXPECT_EQ(r->rows, 5);
  ASSERT_EQ(r->errors.size(), 4u);
  EXPECT_EQ(r->errors[0].row, 3);
  EXPECT_EQ(r->errors[0].column, "lead_unit");
  EXPECT_EQ(r->errors[0].reason, "unknown_unit");
  EXPECT_EQ(r->errors[1].row, 4);
  EXPECT_EQ(r->errors[1].column, "type");
  EXPECT_EQ(r->errors[1].reason, "unknown_type");
  EXPECT_EQ(r->errors[2].row, 5);
  EXPECT_EQ(r->errors[2].column, "assisting_units");
  EXPECT_EQ(r->errors[3].row, 6);
  EXPECT_EQ(r->errors[3].reason, "duplicate");
  // Nothing written.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_catalogue"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events);
}

TEST_P(AppealServiceTest, CatalogueImportMergesReplacesAndRoundTripsTheExport) {
  ASSERT_TRUE(service_->PutCatalogue(op_, {.type = "talent", .lead_unit = 3}).ok());
  auto r = service_->ImportCatalogue(op_,
                                     Csv("类型,区县,主办单位,协办单位\n"
                                         "水电气与基础设施,,经信局,科技局\n"
                                         "utilities,高新区,3,2\n"),
                                     false, false);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->errors.empty()) << r->errors[0].message_en;
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->inserted, 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_catalogue"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.catalogue.imported'"), 1);
  auto m = service_->Resolve("utilities", std::nullopt, "高新区");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->lead_unit, 3);
  EXPECT_EQ((*m)->assisting_units, std::vector<int64_t>{2});
  // A dry run reports without writing.
  auto dry = service_->ImportCatalogue(op_, Csv("type,lead_unit\npermits,2\n"), true, true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_FALSE(dry->committed);
  EXPECT_EQ(dry->inserted, 1);
  EXPECT_EQ(dry->deleted, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_catalogue"), 3);
  // The export re-imports to no change; replace with it drops nothing.
  auto exported = service_->ExportCatalogue(op_);
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->rows.size(), 3u);
  auto again = service_->ImportCatalogue(op_, Csv(table::WriteCsv(*exported)), true, false);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(again->errors.empty()) << again->errors[0].message_en;
  EXPECT_EQ(again->inserted + again->updated + again->deleted, 0);
  // Replace with one row keeps only it.
  auto only = service_->ImportCatalogue(op_, Csv("type,lead_unit\npermits,科技局\n"), true, false);
  ASSERT_TRUE(only.ok()) << only.status();
  EXPECT_EQ(only->deleted, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_catalogue"), 1);
}

TEST_P(AppealServiceTest, CatalogueImportRefusesBadFilesAndNonOperators) {
  auto unknown =
      service_->ImportCatalogue(op_, Csv("type,lead_unit,colour\nutilities,2,red\n"), false, false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().field(), "colour");
  EXPECT_EQ(unknown.status().reason(), "import.unknown_column");
  auto missing = service_->ImportCatalogue(op_, Csv("type,district\nutilities,x\n"), false, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().field(), "lead_unit");
  auto empty = service_->ImportCatalogue(op_, Csv("type,lead_unit\n"), false, false);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().field(), "file");
  auto officer =
      service_->ImportCatalogue(officer_, Csv("type,lead_unit\nutilities,2\n"), false, false);
  ASSERT_FALSE(officer.ok());
  EXPECT_EQ(officer.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_catalogue"), 0);
}

// ---- webhook secret rotation ------------------------------------------------------------------

TEST_P(AppealServiceTest, RotatedWebhookSecretReplacesTheOldOneWithoutRestart) {
  ASSERT_TRUE(
      service_->AddSender(op_, {.platform = "wecom", .sender = "zhang", .org_id = 10}).ok());
  const std::string ts = std::to_string(clock().NowMicros() / 1'000'000);
  auto message = [&](const std::string& id) {
    return R"({"msgtype":"text","text":{"content":"停电影响生产)" + id +
           R"("},"from":{"userid":"zhang"},"msgid":")" + id + R"("})";
  };
  auto send = [&](const std::string& secret, const std::string& body) {
    std::map<std::string, std::string> q{{"timestamp", ts}, {"nonce", "n"}};
    q["signature"] = WecomSignature(secret, ts, "n", body);
    return service_->IntakeWecom(q, body);
  };
  ASSERT_TRUE(send("wecom-secret", message("a")).ok());
  auto info = service_->WebhookSecrets(op_);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)[0].source, "startup");
  const std::string old_fp = (*info)[0].fingerprint;

  auto fresh = service_->RotateWebhookSecret(op_, "wecom", "");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_GE(fresh->size(), 16u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.webhook_secret_rotated'"), 1);
  // The old secret stops working at once; the new one works; DingTalk is untouched.
  auto old = send("wecom-secret", message("b"));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().reason(), "webhook.signature");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_webhook_messages WHERE msg_id = 'b'"), 0);
  ASSERT_TRUE(send(*fresh, message("c")).ok());
  info = service_->WebhookSecrets(op_);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)[0].source, "rotated");
  EXPECT_NE((*info)[0].fingerprint, old_fp);
  EXPECT_EQ((*info)[1].source, "startup");
  // A second service on the same database (a restart) keeps the rotated secret.
  AppealService restarted(
      *db_, clock(), [this] { return calendar_; }, nullptr,
      ServiceOptions{.data_dir = data_dir_, .wecom_secret = "wecom-secret"});
  std::map<std::string, std::string> q{{"timestamp", ts}, {"nonce", "n"}};
  q["signature"] = WecomSignature("wecom-secret", ts, "n", message("d"));
  EXPECT_EQ(restarted.IntakeWecom(q, message("d")).status().reason(), "webhook.signature");
  // A chosen secret works too.
  ASSERT_TRUE(service_->RotateWebhookSecret(op_, "wecom", "chosen-secret-0123456789").ok());
  EXPECT_TRUE(send("chosen-secret-0123456789", message("e")).ok());
  EXPECT_FALSE(send(*fresh, message("f")).ok());
}

TEST_P(AppealServiceTest, BadWebhookSecretRotationIsRefusedAndChangesNothing) {
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  auto who = service_->RotateWebhookSecret(officer_, "wecom", "");
  EXPECT_EQ(who.status().code(), base::Code::kPermissionDenied);
  auto platform = service_->RotateWebhookSecret(op_, "slack", "");
  EXPECT_EQ(platform.status().field(), "platform");
  for (const std::string& bad :
       std::vector<std::string>{"short", "has a space in it 0123456789", std::string(300, 'x')}) {
    auto r = service_->RotateWebhookSecret(op_, "dingtalk", bad);
    EXPECT_EQ(r.status().field(), "secret") << bad;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_settings"), 0);
}

// ---- route suggester ---------------------------------------------------------------------------

TEST_P(AppealServiceTest, RouteSuggestionIsNullWithoutASuggester) {
  int64_t id = File();
  auto d = service_->Get(op_, id, /*suggest=*/true);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->route_suggestion.has_value());
  // Setting and clearing the hook is null-safe.
  service_->SetRouteSuggester(nullptr);
  d = service_->Get(officer_, id);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->route_suggestion.has_value());
}

TEST_P(AppealServiceTest, RouteSuggesterIsConsultedWhenTheCatalogueHasNoEntry) {
  std::string seen;
  int calls = 0;
  service_->SetRouteSuggester([&](std::string_view text) -> std::optional<RouteSuggestion> {
    seen = std::string(text);
    ++calls;
    return RouteSuggestion{.org_id = 3,
                           .type = "technology",
                           .confidence = 0.82,
                           .explanation = "相似诉求多由科技局牵头"};
  });
  int64_t id = File("研发费用加计扣除咨询");
  auto d = service_->Get(officer_, id);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(d->route_suggestion.has_value());
  EXPECT_EQ(d->route_suggestion->org_id, 3);
  EXPECT_EQ(d->route_suggestion->org_name, "科技局");  // filled from the id
  EXPECT_DOUBLE_EQ(d->route_suggestion->confidence, 0.82);
  EXPECT_EQ(d->route_suggestion->explanation, "相似诉求多由科技局牵头");
  EXPECT_NE(seen.find("研发费用加计扣除咨询"), std::string::npos);
  EXPECT_NE(seen.find("增容"), std::string::npos);  // the body too
  // Enterprises never see routing suggestions.
  auto mine = service_->Get(firm_, id);
  ASSERT_TRUE(mine.ok());
  EXPECT_FALSE(mine->route_suggestion.has_value());
  // Once dispatched, no suggestion.
  ASSERT_TRUE(Do(op_, id, "dispatch", {{"lead_unit", "2"}}).ok());
  calls = 0;
  d = service_->Get(officer_, id);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->route_suggestion.has_value());
  EXPECT_EQ(calls, 0);
}

TEST_P(AppealServiceTest, CatalogueMatchWinsUnlessTheOfficerAsksForASuggestion) {
  ASSERT_TRUE(service_->PutCatalogue(op_, {.type = "utilities", .lead_unit = 2}).ok());
  service_->SetRouteSuggester([](std::string_view) -> std::optional<RouteSuggestion> {
    return RouteSuggestion{.org_name = "科技局", .confidence = 1.7, .explanation = "x"};
  });
  int64_t id = File();
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->suggested.has_value());
  EXPECT_FALSE(d->route_suggestion.has_value());
  d = service_->Get(op_, id, /*suggest=*/true);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->route_suggestion.has_value());
  EXPECT_EQ(d->route_suggestion->org_id, 3);               // resolved from the name
  EXPECT_DOUBLE_EQ(d->route_suggestion->confidence, 1.0);  // clamped
}

TEST_P(AppealServiceTest, RouteSuggestionOfANonGovernmentOrgDropsTheId) {
  service_->SetRouteSuggester([](std::string_view) -> std::optional<RouteSuggestion> {
    return RouteSuggestion{.org_id = 10, .type = "no-such-type", .confidence = 0.5};
  });
  int64_t id = File();
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->route_suggestion.has_value());
  EXPECT_FALSE(d->route_suggestion->org_id.has_value());
  EXPECT_EQ(d->route_suggestion->type, "");
}

// The queue rows carry the enterprise's and the lead unit's names (zh, and en when the org has
// one), read for the page's rows only; the detail carries both names too.
TEST_P(AppealRoutesTest, QueueRowsNameTheEnterpriseAndLeadUnit) {
  Sql("UPDATE orgs SET name_en = 'Jia Co.' WHERE id = 10");
  Sql("UPDATE orgs SET name_en = 'Bureau of Industry' WHERE id = 2");
  const int64_t dispatched = Dispatched();  // firm 10, lead unit 2
  auto other =
      service_->Create(other_firm_, {.title = "融资难", .body = "需要贷款", .type = "financing"});
  ASSERT_TRUE(other.ok()) << other.status();
  auto q = Call(http::Method::kGet, "/api/v1/appeals", op_, "", {{"sort", "-created"}});
  ASSERT_TRUE(q.ok()) << q.status();
  auto items = boost::json::parse(q->body).at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  std::map<int64_t, boost::json::object> by_id;
  for (const auto& it : items) {
    by_id[it.at("id").as_int64()] = it.as_object();
  }
  const auto& mine = by_id.at(dispatched);
  EXPECT_EQ(mine.at("org_name").as_string(), "甲公司");
  EXPECT_EQ(mine.at("org_name_en").as_string(), "Jia Co.");
  EXPECT_EQ(mine.at("lead_unit_name").as_string(), "经信局");
  EXPECT_EQ(mine.at("lead_unit_name_en").as_string(), "Bureau of Industry");
  const auto& theirs = by_id.at(other->appeal.id);
  EXPECT_EQ(theirs.at("org_name").as_string(), "乙公司");
  EXPECT_EQ(theirs.at("org_name_en").as_string(), "");     // no English name
  EXPECT_EQ(theirs.at("lead_unit_name").as_string(), "");  // not dispatched yet
  // Only the page's organisations are read: a page of the newest row names firm 11 alone.
  auto page = service_->List(op_, {.sort = "-created", .page = 1, .page_size = 1});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, other->appeal.id);
  ASSERT_EQ(page->org_names.size(), 1u);
  EXPECT_EQ(page->org_names.at(11).zh, "乙公司");
  // The enterprise's own list names it as well.
  auto own = Call(http::Method::kGet, "/api/v1/appeals", firm_);
  ASSERT_TRUE(own.ok()) << own.status();
  auto own_items = boost::json::parse(own->body).at("items").as_array();
  ASSERT_EQ(own_items.size(), 1u);
  EXPECT_EQ(own_items[0].at("org_name").as_string(), "甲公司");
  // The detail: both names of both organisations.
  auto d = Call(http::Method::kGet, "/api/v1/appeals/" + std::to_string(dispatched), officer_);
  ASSERT_TRUE(d.ok()) << d.status();
  auto o = boost::json::parse(d->body).as_object();
  EXPECT_EQ(o.at("org_name").as_string(), "甲公司");
  EXPECT_EQ(o.at("org_name_en").as_string(), "Jia Co.");
  EXPECT_EQ(o.at("lead_unit_name_en").as_string(), "Bureau of Industry");
}

// A reception's bookings name the appeal and the enterprise (the page showed "#id" only).
TEST_P(AppealRoutesTest, ReceptionBookingsNameTheAppealAndEnterprise) {
  Sql("UPDATE orgs SET name_en = 'Jia Co.' WHERE id = 10");
  const int64_t id = Dispatched();
  auto r = service_->CreateReception(op_, {.kind = "duty",
                                           .date = "2026-03-04",
                                           .start = "09:00",
                                           .end = "11:00",
                                           .host_user_id = 6,
                                           .capacity = 2});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(service_->Book(firm_, r->id, id, "").ok());
  auto g = Call(http::Method::kGet, "/api/v1/receptions/" + std::to_string(r->id), op_);
  ASSERT_TRUE(g.ok()) << g.status();
  auto bookings = boost::json::parse(g->body).at("bookings").as_array();
  ASSERT_EQ(bookings.size(), 1u);
  const auto& b = bookings[0].as_object();
  EXPECT_EQ(b.at("appeal_id").as_int64(), id);
  EXPECT_EQ(b.at("appeal_title").as_string(), "用电增容申请迟迟未批");
  EXPECT_EQ(b.at("org_name").as_string(), "甲公司");
  EXPECT_EQ(b.at("org_name_en").as_string(), "Jia Co.");
}

// Intake's type suggestion: the installed suggester's answer with its confidence, labels checked
// against the appeal types; the catalogue as the fallback when it is unsure, has no answer or no
// suggester is installed.
TEST_P(AppealRoutesTest, SuggestTypeGivesTheModelsTypeOrFallsBackToTheCatalogue) {
  auto ask = [&](const Caller& who, const std::string& body) {
    auto r = Call(http::Method::kPost, "/api/v1/appeals/suggest-type", who, body);
    EXPECT_TRUE(r.ok()) << r.status() << " " << body;
    return r.ok() ? boost::json::parse(r->body).as_object() : boost::json::object{};
  };
  const std::string text = R"({"title":"贷款难","body":"银行抽贷，急需过桥资金"})";
  // No suggester: the catalogue.
  auto none = ask(firm_, text);
  EXPECT_TRUE(none.at("type").is_null());
  EXPECT_TRUE(none.at("unsure").as_bool());
  EXPECT_EQ(none.at("source").as_string(), "none");
  EXPECT_EQ(none.at("fallback").as_string(), "catalogue");

  std::string seen;
  TypeSuggestion answer{
      .type = "financing", .confidence = 0.82, .unsure = false, .source = "fasttext"};
  service_->SetTypeSuggester([&](std::string_view t) -> std::optional<TypeSuggestion> {
    seen = std::string(t);
    return answer;
  });
  auto sure = ask(firm_, text);  // enterprises may ask (they file through the web form)
  EXPECT_EQ(seen, "贷款难\n银行抽贷，急需过桥资金");
  EXPECT_EQ(sure.at("type").as_string(), "financing");
  EXPECT_EQ(sure.at("label_zh").as_string(), "融资需求");
  EXPECT_EQ(sure.at("label_en").as_string(), "Financing");
  EXPECT_DOUBLE_EQ(sure.at("confidence").as_double(), 0.82);
  EXPECT_FALSE(sure.at("unsure").as_bool());
  EXPECT_EQ(sure.at("source").as_string(), "fasttext");
  EXPECT_TRUE(sure.at("fallback").is_null());
  // The model may answer with the type's label: mapped to the id.
  answer.type = "融资需求";
  EXPECT_EQ(ask(officer_, text).at("type").as_string(), "financing");
  // Unsure: the type is offered, the catalogue decides.
  answer = TypeSuggestion{.type = "financing", .confidence = 0.31, .unsure = true, .source = "knn"};
  auto unsure = ask(officer_, text);
  EXPECT_EQ(unsure.at("type").as_string(), "financing");
  EXPECT_TRUE(unsure.at("unsure").as_bool());
  EXPECT_EQ(unsure.at("fallback").as_string(), "catalogue");
  // A label that is no appeal type: no suggestion.
  answer =
      TypeSuggestion{.type = "市住建局", .confidence = 0.9, .unsure = false, .source = "fasttext"};
  auto unknown = ask(officer_, text);
  EXPECT_TRUE(unknown.at("type").is_null());
  EXPECT_EQ(unknown.at("fallback").as_string(), "catalogue");
  // Bad input: empty text and unknown fields are refused naming the field; nothing is filed.
  auto empty =
      Call(http::Method::kPost, "/api/v1/appeals/suggest-type", firm_, R"({"title":"","body":""})");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(empty.status().field(), "title");
  auto extra = Call(http::Method::kPost, "/api/v1/appeals/suggest-type", firm_,
                    R"({"title":"贷款难","type":"financing"})");
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().field(), "type");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AppealServiceTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, AppealServiceTest, ::testing::Values(Backend::kPostgres));
INSTANTIATE_TEST_SUITE_P(Sqlite, AppealRoutesTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, AppealRoutesTest, ::testing::Values(Backend::kPostgres));

TEST(AppealModelTest, WeightsAndQuantiles) {
  auto w = ParseWeights("30,35,35");
  ASSERT_TRUE(w);
  EXPECT_NEAR(w->response, 0.30, 1e-12);
  EXPECT_FALSE(ParseWeights("1,2"));
  EXPECT_FALSE(ParseWeights("0,0,0"));
  EXPECT_FALSE(ParseWeights("a,1,1"));
  Quantiles q = ComputeQuantiles({5, 1, 3, 2, 4, 6, 7, 8, 9, 10});
  EXPECT_EQ(*q.median, 5);
  EXPECT_EQ(*q.p90, 9);
  EXPECT_EQ(NormalizeForDuplicates("请协调，A B！"), NormalizeForDuplicates("请协调 ab"));
}

}  // namespace
}  // namespace kechan::appeals
