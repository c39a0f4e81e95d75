#include "appeals/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "appeals/migrations.h"
#include "appeals/routes.h"
#include "auth/migrations.h"
#include "base/calendar.h"
#include "flow/scheduler.h"
#include "http/router.h"
#include "store/event_log.h"
#include "store/migrations.h"

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

class AppealServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), flow::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    ASSERT_TRUE(store::Migrate(*db_, all).ok());
    // Monday 2026-03-02 09:00 Asia/Shanghai.
    clock_.Set(base::LocalInstant(base::Date::FromYmd(2026, 3, 2).value(), 9 * 60));
    calendar_ = std::make_shared<base::BusinessCalendar>(base::BusinessCalendar::Shipped());
    data_dir_ = (std::filesystem::temp_directory_path() /
                 ("kechan-appeals-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                    .string();
    scheduler_ = std::make_unique<flow::Scheduler>(*db_, clock_);
    service_ = std::make_unique<AppealService>(
        *db_, clock_, [this] { return calendar_; }, scheduler_.get(),
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
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
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
                                flow::Fields f = {}) {
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

  std::unique_ptr<store::Database> db_;
  base::FakeClock clock_;
  std::shared_ptr<const base::BusinessCalendar> calendar_;
  std::string data_dir_;
  std::unique_ptr<flow::Scheduler> scheduler_;
  std::unique_ptr<AppealService> service_;
  Caller op_, officer_, other_officer_, firm_, other_firm_, director_;
};

TEST_F(AppealServiceTest, FullLifecycleEndsArchivedWithVisitRecorded) {
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

TEST_F(AppealServiceTest, TransitionNotAllowedFromStateIsRefusedAndChangesNothing) {
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

TEST_F(AppealServiceTest, RoleNotAllowedIsRefusedAndChangesNothing) {
  int64_t id = File();
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  auto r = Do(firm_, id, "dispatch", {{"lead_unit", "2"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(r.status().field(), "role");
  EXPECT_EQ(State(id), "received");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events);
}

TEST_F(AppealServiceTest, PauseWithoutReasonOrDateIsRefusedAndChangesNothing) {
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

TEST_F(AppealServiceTest, DispatchToUnknownUnitIsRefused) {
  int64_t id = File();
  auto r = Do(op_, id, "dispatch", {{"lead_unit", "10"}});  // an enterprise, not a department
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "lead_unit");
  EXPECT_EQ(State(id), "received");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_units"), 0);
}

TEST_F(AppealServiceTest, EnterpriseCannotReadOrTouchAnotherEnterprisesAppeal) {
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

TEST_F(AppealServiceTest, BookingAFullSlotIsRefusedAndChangesNothing) {
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

TEST_F(AppealServiceTest, PausedClockDoesNotCountWaitingDays) {
  int64_t id = InProgress();
  ASSERT_TRUE(Do(officer_, id, "wait_for_enterprise",
                 {{"reason", "待补材料"}, {"expected_date", "2026-03-20"}})
                  .ok());
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->appeal.sla, "paused");
  // Ten working days later nothing has breached the resolution clock (it is paused).
  clock_.Advance(14 * 24 * kHour);
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

TEST_F(AppealServiceTest, BreachFiresOnceAndEscalatesIntoAReception) {
  auto r = service_->CreateReception(op_, {.kind = "duty",
                                           .date = "2026-03-30",
                                           .start = "09:00",
                                           .end = "11:00",
                                           .host_user_id = 6,
                                           .capacity = 5});
  ASSERT_TRUE(r.ok());
  int64_t id = Dispatched();
  // Three working days: sign-for (1 day) and response (2 days) breach; resolution does not.
  clock_.Advance(3 * 24 * kHour);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 2);
  EXPECT_EQ(service_->Get(op_, id)->appeal.sla, "red");
  // A restart of the scheduler does not fire them again.
  scheduler_ = std::make_unique<flow::Scheduler>(*db_, clock_);
  service_->RegisterTimers(*scheduler_);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 2);
  // Two more weeks: the resolution clock breaches; the appeal is supervised and booked.
  clock_.Advance(14 * 24 * kHour);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.sla_breached'"), 3);
  auto d = service_->Get(op_, id);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->appeal.supervised);
  ASSERT_EQ(d->bookings.size(), 1u);
  EXPECT_TRUE(d->bookings[0].automatic);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'appeal.reception_booked'"), 1);
}

TEST_F(AppealServiceTest, RepeatedUrgingMakesTheAppealSupervised) {
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

TEST_F(AppealServiceTest, MergedRequestersMustAllBeVisitedBeforeArchive) {
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

TEST_F(AppealServiceTest, MetricsComputeTheThreeRatesByDepartment) {
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

TEST_F(AppealServiceTest, ForgedOrReplayedWecomWebhookChangesNothing) {
  ASSERT_TRUE(
      service_->AddSender(op_, {.platform = "wecom", .sender = "zhang", .org_id = 10}).ok());
  const std::string body =
      R"({"msgtype":"text","text":{"content":"园区道路施工影响物流，请协调"},"from":{"userid":"zhang"},"msgid":"m1"})";
  const std::string ts = std::to_string(clock_.NowMicros() / 1'000'000);
  std::map<std::string, std::string> q{{"timestamp", ts}, {"nonce", "n1"}};
  q["signature"] = WecomSignature("wrong-secret", ts, "n1", body);
  auto forged = service_->IntakeWecom(q, body);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().code(), base::Code::kUnauthenticated);
  EXPECT_EQ(forged.status().reason(), "webhook.signature");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);

  const std::string old_ts = std::to_string(clock_.NowMicros() / 1'000'000 - 3600);
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

TEST_F(AppealServiceTest, ForgedDingtalkWebhookIsRefusedAndUnknownSenderIsKept) {
  const std::string body =
      R"({"msgtype":"text","text":{"content":"招工难"},"senderStaffId":"li","msgId":"d1"})";
  const std::string ts = std::to_string(clock_.NowMicros() / 1000);
  auto forged = service_->IntakeDingtalk(ts, DingtalkSignature("nope", ts), body);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().reason(), "webhook.signature");
  auto unmapped = service_->IntakeDingtalk(ts, DingtalkSignature("ding-secret", ts), body);
  ASSERT_TRUE(unmapped.ok()) << unmapped.status();
  EXPECT_TRUE(unmapped->unmapped);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_webhook_messages WHERE status = 'unmapped'"), 1);
}

TEST_F(AppealServiceTest, AttachmentsAreStoredByHashWithASizeLimit) {
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

TEST_F(AppealServiceTest, MissingRequiredFieldsOnCreateAreNamed) {
  auto r = service_->Create(firm_, {.title = "", .body = "x", .type = "utilities"});
  EXPECT_EQ(r.status().field(), "title");
  r = service_->Create(firm_, {.title = "t", .body = "x", .type = "nope"});
  EXPECT_EQ(r.status().field(), "type");
  r = service_->Create(officer_, {.title = "t", .body = "x", .type = "utilities"});
  EXPECT_EQ(r.status().field(), "org_id");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeals"), 0);
}

TEST_F(AppealServiceTest, CatalogueResolvesTheMostSpecificEntry) {
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

TEST_F(AppealServiceTest, ReplayRecomputesOpenClocks) {
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

TEST_F(AppealRoutesTest, FileActAndReadThroughTheRoutes) {
  auto created = Call(http::Method::kPost, "/api/v1/appeals", firm_,
                      R"({"title":"招工难","body":"急需技工","type":"talent"})");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status, 201);
  auto o = boost::json::parse(created->body).as_object();
  const int64_t id = o.at("id").as_int64();
  EXPECT_EQ(o.at("state").as_string(), "received");
  EXPECT_EQ(o.at("channel").as_string(), "web");
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

TEST_F(AppealRoutesTest, ForgedWebhookThroughTheRouteIsUnauthenticated) {
  auto r = Call(http::Method::kPost, "/api/v1/appeals/webhooks/wecom", Caller{},
                R"({"msgtype":"text","text":{"content":"x"},"from":{"userid":"a"},"msgid":"1"})",
                {{"timestamp", std::to_string(clock_.NowMicros() / 1'000'000)},
                 {"nonce", "n"},
                 {"signature", "00"}});
  EXPECT_EQ(r.status().code(), base::Code::kUnauthenticated);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_webhook_messages"), 0);
}

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
