#include "notify/service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <deque>
#include <mutex>

#include "auth/migrations.h"
#include "notify/migrations.h"
#include "notify/routes.h"
#include "store/event_log.h"
#include "store/test_schema.h"

namespace kechan::notify {
namespace {

namespace json = boost::json;

// A transport that records every message and answers from a script (default: success).
class ScriptedTransport final : public Transport {
 public:
  std::vector<SendOutcome> SendAll(const std::vector<OutgoingMessage>& messages,
                                   const SendOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<SendOutcome> out;
    for (const auto& m : messages) {
      sent.push_back(m);
      SendOutcome o{.transport_ok = true, .code = m.kind == MessageKind::kSmtp ? 250 : 200};
      if (!script.empty()) {
        o = script.front();
        script.pop_front();
      }
      out.push_back(o);
    }
    return out;
  }
  std::deque<SendOutcome> script;
  std::vector<OutgoingMessage> sent;

 private:
  std::mutex mu_;
};

constexpr base::Micros kStart = 1800000000LL * 1000000;

using Backend = store::TestBackend;

// Runs on SQLite in memory (label unit) and, when KECHAN_TEST_PG names a server
// (scripts/pg-test-env), on PostgreSQL in a throwaway schema (label postgres; skipped without it
// unless KECHAN_REQUIRE_PG=1).
class NotifyServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(GetParam(), "kechan_notify_test",
                                         {auth::Migrations(), Migrations()}, kStart);
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    test_db_ = std::move(*t);
    auth_ = std::make_unique<auth::AuthService>(
        db(), clock(), auth::AuthOptions{.password_cost = auth::PasswordCost::Minimum()});
    gov_ = MakeOrg("高新区投资促进局（示例）");
    other_gov_ = MakeOrg("成华区经信局（示例）");
    officer_ = MakeUser("officer1", "officer1@gov.example", gov_, auth::Role::kOfficer);
    officer_no_mail_ = MakeUser("officer2", "", gov_, auth::Role::kOfficer);
    director_ =
        MakeUser("director1", "director@gov.example", other_gov_, auth::Role::kDutyDirector);
    OpenService();
  }

  void TearDown() override {
    service_.reset();
    auth_.reset();
    base::Status closed = test_db_.Close();
    EXPECT_TRUE(closed.ok()) << closed;
  }

  store::Database& db() { return test_db_.db(); }
  base::FakeClock& clock() { return test_db_.clock(); }

  void OpenService(NotifyOptions options = Options()) {
    auto transport = std::make_unique<ScriptedTransport>();
    transport_ = transport.get();
    service_ =
        std::make_unique<NotifyService>(db(), clock(), std::make_unique<AuthDirectory>(*auth_),
                                        std::move(transport), std::move(options));
  }

  static NotifyOptions Options() {
    NotifyOptions o;
    o.smtp_url = "smtp://127.0.0.1:2525";
    o.mail_from = "kechan@gov.example";
    o.public_url = "https://kechan.example";
    o.retry = RetryPolicy{.base_delay = 1000000, .max_delay = 8000000, .max_attempts = 3};
    return o;
  }

  base::OrgId MakeOrg(const std::string& name) {
    auto org =
        auth_->CreateOrgAsSystem(auth::NewOrg{.kind = auth::OrgKind::kGovernment, .name = name});
    EXPECT_TRUE(org.ok()) << org.status();
    return org.ok() ? org->id : base::OrgId{};
  }

  base::UserId MakeUser(const std::string& name, const std::string& email, base::OrgId org,
                        auth::Role role) {
    auto u = auth_->AddUserWithRole(auth::AddUserRequest{
        .username = name, .password = "password-123", .email = email, .org = org, .role = role});
    EXPECT_TRUE(u.ok()) << u.status();
    return u.ok() ? u->id : base::UserId{};
  }

  int64_t Append(const std::string& payload, const std::string& kind = "appeals.appeal.created") {
    int64_t seq = 0;
    auto s = store::WithWriteTx(db(), [&](store::Tx& tx) -> base::Status {
      KECHAN_ASSIGN_OR_RETURN(seq, store::AppendEvent(tx,
                                                      store::EventDraft{.kind = kind,
                                                                        .entity = "appeal",
                                                                        .entity_id = "1",
                                                                        .actor = "system",
                                                                        .payload = payload},
                                                      clock()));
      return base::Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s;
    return seq;
  }

  int64_t Count(const std::string& sql) {
    auto tx = db().Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? rows->rows.at(0).Int(0) : -1;
  }

  auth::Principal Who(base::UserId id, auth::Role role = auth::Role::kOfficer) {
    auth::Principal p;
    p.user = id;
    p.method = auth::AuthMethod::kSession;
    p.memberships = {{gov_, role}};
    return p;
  }

  TickReport Tick() {
    TickReport r;
    EXPECT_TRUE(service_->Tick(&r).ok());
    return r;
  }

  store::TestDatabase test_db_;  // PostgreSQL: a throwaway schema, dropped in TearDown
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<NotifyService> service_;
  ScriptedTransport* transport_ = nullptr;
  base::OrgId gov_, other_gov_;
  base::UserId officer_, officer_no_mail_, director_;
};

TEST_P(NotifyServiceTest, ResolvesUsersOrgRolesAndRolesAnywhere) {
  // orgs + roles: officers of gov_; roles alone: every duty director.
  Append(R"({"notify":{"orgs":[)" + gov_.ToString() +
         R"(],"roles":["officer"],"title":{"zh":"新诉求"}}})");
  Append(R"({"notify":{"roles":["duty_director"],"title":{"zh":"超时升级"}}})");
  Append(R"({"notify":{"users":[)" + director_.ToString() + R"(,999],"title":{"zh":"点名"}}})");
  TickReport r = Tick();
  EXPECT_EQ(r.notifications, 3);
  EXPECT_EQ(r.inbox_rows, 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_inbox WHERE user_id = " + officer_.ToString()), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_inbox WHERE user_id = " + director_.ToString()), 2);
}

TEST_P(NotifyServiceTest, FollowsEachEventExactlyOnceAcrossRestarts) {
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"一"}}})");
  Tick();
  Tick();
  OpenService();  // a restart: a new service over the same database
  Tick();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_inbox"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_deliveries"), 1);
  EXPECT_EQ(transport_->sent.size(), 0u);  // the new transport sent nothing again
}

TEST_P(NotifyServiceTest, MailsOnlyUsersWithAnAddress) {
  Append(
      R"({"notify":{"users":[)" + officer_.ToString() + "," + officer_no_mail_.ToString() +
      R"(],"title":{"zh":"新诉求","en":"New appeal"},"body":{"zh":"内容"},"link":"/appeals/1"}})");
  TickReport r = Tick();
  EXPECT_EQ(r.inbox_rows, 2);
  EXPECT_EQ(r.deliveries_created, 1);
  ASSERT_EQ(transport_->sent.size(), 1u);
  const OutgoingMessage& m = transport_->sent[0];
  EXPECT_EQ(m.kind, MessageKind::kSmtp);
  EXPECT_EQ(m.url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(m.mail_rcpt, std::vector<std::string>{"officer1@gov.example"});
  EXPECT_EQ(m.mail_from, "kechan@gov.example");
  EXPECT_NE(m.body.find("To: officer1@gov.example\r\n"), std::string::npos);
}

TEST_P(NotifyServiceTest, NoEmailWhenSmtpIsOff) {
  NotifyOptions o = Options();
  o.smtp_url.clear();
  OpenService(o);
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"一"}}})");
  TickReport r = Tick();
  EXPECT_EQ(r.inbox_rows, 1);
  EXPECT_EQ(r.deliveries_created, 0);
}

TEST_P(NotifyServiceTest, RetriesWithBackoffAndNeverResendsAfterSuccess) {
  transport_->script = {SendOutcome{.transport_ok = false, .code = 451, .error = "busy"},
                        SendOutcome{.transport_ok = false, .code = 0, .error = "timeout"}};
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"一"}}})");
  EXPECT_EQ(Tick().failed_attempts, 1);
  EXPECT_EQ(Tick().failed_attempts, 0);  // not due yet: base delay 1 s
  EXPECT_EQ(transport_->sent.size(), 1u);
  clock().Advance(1000000);
  EXPECT_EQ(Tick().failed_attempts, 1);
  clock().Advance(1000000);
  EXPECT_EQ(Tick().sent, 0);  // second wait is 2 s
  clock().Advance(1000000);
  EXPECT_EQ(Tick().sent, 1);
  clock().Advance(3600LL * 1000000);
  Tick();
  EXPECT_EQ(transport_->sent.size(), 3u);
  auto d = service_->GetDelivery(Who(officer_, auth::Role::kOperator), 1);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->delivery.status, DeliveryStatus::kSent);
  ASSERT_EQ(d->attempts.size(), 3u);
  EXPECT_FALSE(d->attempts[0].ok);
  EXPECT_EQ(d->attempts[0].code, 451);
  EXPECT_EQ(d->attempts[0].error, "busy");
  EXPECT_EQ(d->attempts[1].error, "timeout");
  EXPECT_TRUE(d->attempts[2].ok);
  EXPECT_EQ(d->attempts[2].number, 3);
  // A sent delivery cannot be retried.
  auto again = service_->RetryDelivery(Who(officer_, auth::Role::kOperator), 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().reason(), "notify.already_sent");
}

TEST_P(NotifyServiceTest, GivesUpAfterMaxAttemptsAndOperatorRetries) {
  const SendOutcome fail{.transport_ok = false, .code = 550, .error = "mailbox unavailable"};
  transport_->script = {fail, fail, fail};
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"一"}}})");
  for (int i = 0; i < 5; ++i) {
    Tick();
    clock().Advance(10LL * 1000000);
  }
  EXPECT_EQ(transport_->sent.size(), 3u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_deliveries WHERE status = 'failed'"), 1);
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto denied = service_->RetryDelivery(Who(officer_), 1);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
  auto retried = service_->RetryDelivery(op, 1);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->status, DeliveryStatus::kPending);
  EXPECT_EQ(retried->max_attempts, 6);
  Tick();
  EXPECT_EQ(transport_->sent.size(), 4u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_deliveries WHERE status = 'sent'"), 1);
  auto list = service_->ListDeliveries(op, DeliveryFilter{.status = DeliveryStatus::kSent});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->total, 1);
}

TEST_P(NotifyServiceTest, RobotTargetsGetSignedMessages) {
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto ding = service_->CreateTarget(op, Target{.name = "高新区诉求群",
                                                .channel = Channel::kDingTalk,
                                                .url = "https://oapi.dingtalk.example/robot/send"
                                                       "?access_token=abc",
                                                .secret = "SECsecret",
                                                .scope = ScopeKind::kOrg,
                                                .scope_value = gov_.ToString()});
  ASSERT_TRUE(ding.ok()) << ding.status();
  auto wecom = service_->CreateTarget(op, Target{.name = "AI 链群",
                                                 .channel = Channel::kWeCom,
                                                 .url = "https://qyapi.weixin.example/send?key=k",
                                                 .scope = ScopeKind::kChain,
                                                 .scope_value = "CD-AI"});
  ASSERT_TRUE(wecom.ok()) << wecom.status();
  Append(R"({"notify":{"orgs":[)" + gov_.ToString() +
         R"(],"chains":["CD-AI"],"title":{"zh":"新诉求"}}})");
  TickReport r = Tick();
  EXPECT_EQ(r.sent, 3);  // one e-mail (officer1), two robots
  std::vector<std::string> urls;
  for (const auto& m : transport_->sent) {
    urls.push_back(m.url);
  }
  EXPECT_NE(std::find(urls.begin(), urls.end(),
                      "https://oapi.dingtalk.example/robot/send?access_token=abc&" +
                          DingTalkSignQuery("SECsecret", kStart / 1000)),
            urls.end());
  EXPECT_NE(std::find(urls.begin(), urls.end(), "https://qyapi.weixin.example/send?key=k"),
            urls.end());
  // The secret never appears in the event log.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE payload LIKE '%SECsecret%'"), 0);
}

TEST_P(NotifyServiceTest, RobotErrcodeCountsAsFailure) {
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  ASSERT_TRUE(service_
                  ->CreateTarget(op, Target{.name = "群",
                                            .channel = Channel::kWeCom,
                                            .url = "https://qyapi.weixin.example/send?key=k",
                                            .scope = ScopeKind::kRole,
                                            .scope_value = "officer"})
                  .ok());
  transport_->script = {SendOutcome{.transport_ok = true,
                                    .code = 200,
                                    .response = R"({"errcode":93000,"errmsg":"invalid key"})"}};
  Append(R"({"notify":{"roles":["officer"],"orgs":[99999],"title":{"zh":"x"}}})");
  TickReport r = Tick();
  EXPECT_EQ(r.failed_attempts, 1);
  auto d = service_->ListDeliveries(op, DeliveryFilter{.channel = Channel::kWeCom});
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->items.size(), 1u);
  EXPECT_EQ(d->items[0].status, DeliveryStatus::kPending);
  EXPECT_NE(d->items[0].last_error.find("93000"), std::string::npos);
}

TEST_P(NotifyServiceTest, BadBlocksAreSkippedAndTheFollowerMovesOn) {
  Append(R"({"notify":{"users":[1],"title":{"zh":"x"},"colour":"red"}})");
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"好"}}})");
  TickReport r = Tick();
  EXPECT_EQ(r.bad_blocks, 1);
  EXPECT_EQ(r.inbox_rows, 1);
}

TEST_P(NotifyServiceTest, RecoversAClaimLeftByACrashedSender) {
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"一"}}})");
  ASSERT_TRUE(service_->Ingest().ok());
  // Simulate a sender that claimed the delivery and died.
  ASSERT_TRUE(store::WithWriteTx(db(), [&](store::Tx& tx) {
                return tx
                    .Exec(
                        "UPDATE notify_deliveries SET status = 'sending', attempts = 1, "
                        "lease_until = ?",
                        {kStart + 1})
                    .status();
              }).ok());
  EXPECT_EQ(Tick().recovered, 0);  // lease still running
  clock().Advance(2);
  TickReport r = Tick();
  EXPECT_EQ(r.recovered, 1);
  clock().Advance(2000000);
  EXPECT_EQ(Tick().sent, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_attempts"), 2);
}

TEST_P(NotifyServiceTest, InboxIsPrivateToItsOwner) {
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"一"}}})");
  Tick();
  auto other = service_->MarkRead(Who(director_), 1);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), base::Code::kNotFound);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_inbox WHERE read_at IS NOT NULL"), 0);
  auto mine = service_->MarkRead(Who(officer_), 1);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_TRUE(mine->read_at.has_value());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'notify.inbox.read'"), 1);
  // Marking again changes nothing and appends nothing.
  ASSERT_TRUE(service_->MarkRead(Who(officer_), 1).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'notify.inbox.read'"), 1);
  auto anon = service_->UnreadCount(auth::Principal{});
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.status().code(), base::Code::kUnauthenticated);
}

TEST_P(NotifyServiceTest, EmailTargetsGetOneMessageToEveryAddress) {
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto mail =
      service_->CreateTarget(op, Target{.name = "坐班局长邮箱",
                                        .channel = Channel::kEmail,
                                        .addresses = {"duty@gov.example", "ban@gov.example"},
                                        .scope = ScopeKind::kRole,
                                        .scope_value = "duty_director"});
  ASSERT_TRUE(mail.ok()) << mail.status();
  Append(
      R"({"notify":{"roles":["duty_director"],"orgs":[99999],)"
      R"("title":{"zh":"诉求超时","en":"Appeal overdue"},"body":{"zh":"请督办","en":"Please follow up"}}})");
  TickReport r = Tick();
  EXPECT_EQ(r.sent, 1);
  ASSERT_EQ(transport_->sent.size(), 1u);
  const OutgoingMessage& m = transport_->sent[0];
  EXPECT_EQ(m.kind, MessageKind::kSmtp);
  EXPECT_EQ(m.url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(m.mail_from, "kechan@gov.example");
  EXPECT_EQ(m.mail_rcpt, (std::vector<std::string>{"duty@gov.example", "ban@gov.example"}));
  EXPECT_NE(m.body.find("To: duty@gov.example, ban@gov.example\r\n"), std::string::npos) << m.body;
  auto log = service_->ListDeliveries(op, DeliveryFilter{.target_id = mail->id});
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->items.size(), 1u);
  EXPECT_EQ(log->items[0].channel, Channel::kEmail);
  EXPECT_EQ(log->items[0].recipient, "duty@gov.example, ban@gov.example");
  EXPECT_EQ(log->items[0].status, DeliveryStatus::kSent);
  // A disabled e-mail target gets nothing more.
  ASSERT_TRUE(service_->UpdateTarget(op, mail->id, TargetPatch{.enabled = false}).ok());
  Append(R"({"notify":{"roles":["duty_director"],"orgs":[99999],"title":{"zh":"二"}}})");
  Tick();
  EXPECT_EQ(transport_->sent.size(), 1u);
}

TEST_P(NotifyServiceTest, OperatorSmtpReplacesTheConfigAndNeverHoldsCredentials) {
  NotifyOptions o = Options();
  o.smtp_user = "kechan-relay";
  o.smtp_password = "pw-Zq81-never-logged";
  OpenService(o);
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto before = service_->GetSmtp(op);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->source, "config");
  ASSERT_TRUE(before->settings.has_value());
  EXPECT_EQ(before->settings->port, 2525);
  EXPECT_TRUE(before->has_password);
  auto set = service_->SetSmtp(op, SmtpSettings{.host = "mail.gov.example",
                                                .port = 465,
                                                .tls = SmtpTlsMode::kImplicit,
                                                .mail_from = "notice@gov.example"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->source, "operator");
  EXPECT_EQ(set->username, "kechan-relay");
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"新诉求"}}})");
  Tick();
  ASSERT_EQ(transport_->sent.size(), 1u);
  EXPECT_EQ(transport_->sent[0].url, "smtps://mail.gov.example:465");
  EXPECT_EQ(transport_->sent[0].mail_from, "notice@gov.example");
  EXPECT_EQ(transport_->sent[0].username, "kechan-relay");
  EXPECT_EQ(transport_->sent[0].password, "pw-Zq81-never-logged");
  EXPECT_NE(transport_->sent[0].body.find("From: notice@gov.example\r\n"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'notify.smtp.updated'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE payload LIKE '%pw-Zq81%'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE payload LIKE '%kechan-relay%'"), 0);
  auto reset = service_->ResetSmtp(op);
  ASSERT_TRUE(reset.ok()) << reset.status();
  EXPECT_EQ(reset->source, "config");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_smtp"), 0);
  auto denied = service_->SetSmtp(Who(officer_),
                                  SmtpSettings{.host = "x.example", .mail_from = "a@b.example"});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_smtp"), 0);
}

TEST_P(NotifyServiceTest, OperatorSmtpTurnsEmailOnWithoutConfig) {
  NotifyOptions o = Options();
  o.smtp_url.clear();
  OpenService(o);
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto view = service_->GetSmtp(op);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->source, "none");
  ASSERT_TRUE(service_
                  ->SetSmtp(op, SmtpSettings{.host = "127.0.0.1",
                                             .port = 2526,
                                             .tls = SmtpTlsMode::kNone,
                                             .mail_from = "kechan@localhost"})
                  .ok());
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"新诉求"}}})");
  EXPECT_EQ(Tick().sent, 1);
  ASSERT_EQ(transport_->sent.size(), 1u);
  EXPECT_EQ(transport_->sent[0].url, "smtp://127.0.0.1:2526");
  EXPECT_EQ(transport_->sent[0].tls, SmtpTls::kNone);
}

TEST_P(NotifyServiceTest, TestMessagesGoOutAtOnceAndAreLogged) {
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto robot = service_->CreateTarget(op, Target{.name = "AI 链群",
                                                 .channel = Channel::kWeCom,
                                                 .url = "https://qyapi.weixin.example/send?key=k",
                                                 .scope = ScopeKind::kChain,
                                                 .scope_value = "CD-AI"});
  ASSERT_TRUE(robot.ok());
  auto mail = service_->CreateTarget(op, Target{.name = "投促局公共邮箱",
                                                .channel = Channel::kEmail,
                                                .addresses = {"tzj@gov.example"},
                                                .scope = ScopeKind::kOrg,
                                                .scope_value = gov_.ToString()});
  ASSERT_TRUE(mail.ok());
  auto ok = service_->TestTarget(op, robot->id);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->code, 200);
  ASSERT_EQ(transport_->sent.size(), 1u);
  EXPECT_EQ(transport_->sent[0].url, "https://qyapi.weixin.example/send?key=k");
  EXPECT_NE(transport_->sent[0].body.find("测试消息：AI 链群"), std::string::npos);

  transport_->script = {SendOutcome{.transport_ok = false, .code = 550, .error = "550 no mailbox"}};
  auto failed = service_->TestTarget(op, mail->id);
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_FALSE(failed->ok);
  EXPECT_EQ(failed->code, 550);
  EXPECT_EQ(failed->recipient, "tzj@gov.example");
  ASSERT_EQ(transport_->sent.size(), 2u);
  EXPECT_EQ(transport_->sent[1].mail_rcpt, std::vector<std::string>{"tzj@gov.example"});

  auto detail = service_->GetDelivery(op, failed->delivery_id);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->delivery.status, DeliveryStatus::kFailed);  // tests are not retried
  ASSERT_EQ(detail->attempts.size(), 1u);
  EXPECT_EQ(detail->attempts[0].code, 550);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE kind = 'notify.target.tested'"), 2);
  // Nothing is queued behind them: a tick sends nothing more.
  clock().Advance(3600LL * 1000000);
  Tick();
  EXPECT_EQ(transport_->sent.size(), 2u);

  auto missing = service_->TestTarget(op, 987654);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), base::Code::kNotFound);
  EXPECT_EQ(service_->TestTarget(Who(officer_), robot->id).status().code(),
            base::Code::kPermissionDenied);
}

TEST_P(NotifyServiceTest, TestingAnEmailTargetWithoutSmtpIsRefused) {
  NotifyOptions o = Options();
  o.smtp_url.clear();
  OpenService(o);
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto mail = service_->CreateTarget(op, Target{.name = "邮箱",
                                                .channel = Channel::kEmail,
                                                .addresses = {"tzj@gov.example"},
                                                .scope = ScopeKind::kAll});
  ASSERT_TRUE(mail.ok()) << mail.status();
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  auto r = service_->TestTarget(op, mail->id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().field(), "smtp");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_deliveries"), 0);
  EXPECT_TRUE(transport_->sent.empty());
}

// ---- routes ------------------------------------------------------------------------------------

class NotifyRoutesTest : public NotifyServiceTest {
 protected:
  void SetUp() override {
    NotifyServiceTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    RegisterRoutes(router_, *service_);
  }

  base::Result<http::Response> Call(http::Method method, const std::string& path,
                                    const auth::Principal& who,
                                    std::map<std::string, std::string> query = {},
                                    std::string body = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.body = std::move(body);
    req.principal = who;
    return router_.Invoke(std::move(req));
  }

  static json::object Body(const http::Response& r) { return json::parse(r.body).as_object(); }

  http::Router router_;
};

TEST_P(NotifyRoutesTest, DeclaresAccessAndValidSchemas) {
  for (const auto& r : router_.routes()) {
    EXPECT_FALSE(r.spec.summary.empty()) << r.pattern;
    EXPECT_FALSE(r.spec.summary_zh.empty()) << r.pattern;
    if (r.pattern.rfind("/api/v1/inbox", 0) == 0) {
      EXPECT_EQ(r.spec.access, http::Access::kSignedIn) << r.pattern;
    } else {
      EXPECT_EQ(r.spec.access, http::Access::kRoles) << r.pattern;
      EXPECT_EQ(r.spec.roles, std::vector<auth::Role>{auth::Role::kOperator}) << r.pattern;
    }
    for (const std::string& schema : {r.spec.request_schema, r.spec.response_schema}) {
      if (!schema.empty()) {
        EXPECT_NO_THROW(json::parse(schema)) << r.pattern;
      }
    }
  }
}

TEST_P(NotifyRoutesTest, ListsPagesFiltersAndMarksRead) {
  for (int i = 0; i < 3; ++i) {
    Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"第)" +
           std::to_string(i) + R"(条","en":"No. )" + std::to_string(i) + R"("}}})");
  }
  Tick();
  const auth::Principal me = Who(officer_);
  auto page = Call(http::Method::kGet, "/api/v1/inbox", me, {{"page_size", "2"}});
  ASSERT_TRUE(page.ok()) << page.status();
  json::object body = Body(*page);
  EXPECT_EQ(body.at("total").as_int64(), 3);
  EXPECT_EQ(body.at("unread").as_int64(), 3);
  ASSERT_EQ(body.at("items").as_array().size(), 2u);
  EXPECT_EQ(body.at("items").as_array()[0].at("title").as_string(), "第2条");
  const int64_t newest = body.at("items").as_array()[0].at("id").as_int64();

  auto read = Call(http::Method::kPost, "/api/v1/inbox/" + std::to_string(newest) + "/read", me);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(Body(*read).at("read").as_bool());
  auto unread = Call(http::Method::kGet, "/api/v1/inbox", me, {{"unread", "true"}});
  ASSERT_TRUE(unread.ok());
  EXPECT_EQ(Body(*unread).at("total").as_int64(), 2);
  auto count = Call(http::Method::kGet, "/api/v1/inbox/unread-count", me);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(Body(*count).at("unread").as_int64(), 2);
  auto all = Call(http::Method::kPost, "/api/v1/inbox/read-all", me);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Body(*all).at("marked").as_int64(), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_inbox WHERE read_at IS NULL"), 0);
}

TEST_P(NotifyRoutesTest, AnotherUsersItemIsNotFoundAndUnchanged) {
  Append(R"({"notify":{"users":[)" + officer_.ToString() + R"(],"title":{"zh":"一"}}})");
  Tick();
  auto r = Call(http::Method::kPost, "/api/v1/inbox/1/read", Who(director_));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kNotFound);
  EXPECT_EQ(r.status().field(), "id");
  auto none = Call(http::Method::kGet, "/api/v1/inbox", Who(director_));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(Body(*none).at("total").as_int64(), 0);
  auto all = Call(http::Method::kPost, "/api/v1/inbox/read-all", Who(director_));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Body(*all).at("marked").as_int64(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_inbox WHERE read_at IS NULL"), 1);
}

TEST_P(NotifyRoutesTest, BadPagingNamesTheField) {
  auto r = Call(http::Method::kGet, "/api/v1/inbox", Who(officer_), {{"page_size", "0"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "page_size");
  auto u = Call(http::Method::kGet, "/api/v1/inbox", Who(officer_), {{"unread", "maybe"}});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().field(), "unread");
  auto s = Call(http::Method::kGet, "/api/v1/notify/deliveries",
                Who(officer_, auth::Role::kOperator), {{"status", "lost"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().field(), "status");
}

TEST_P(NotifyRoutesTest, TargetsHideTheSecretAndRejectBadInput) {
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto created = Call(http::Method::kPost, "/api/v1/notify/targets", op, {},
                      R"({"name":"诉求群","channel":"dingtalk",)"
                      R"("url":"https://oapi.dingtalk.example/robot/send?access_token=x",)"
                      R"("secret":"SECabc","scope":"role","scope_value":"duty_director"})");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(created->body.find("SECabc"), std::string::npos);
  EXPECT_TRUE(Body(*created).at("has_secret").as_bool());

  const int64_t before = Count("SELECT COUNT(*) FROM notify_targets");
  struct Case {
    std::string body;
    std::string field;
  };
  const Case cases[] = {
      {R"({"name":"x","channel":"dingtalk","url":"ftp://a.example/x","scope":"all"})", "url"},
      {R"({"name":"x","channel":"email","url":"https://a.example/x","scope":"all"})", "url"},
      {R"({"name":"x","channel":"fax","url":"https://a.example/x","scope":"all"})", "channel"},
      {R"({"name":"x","channel":"wecom","url":"https://a.example/x","scope":"planet"})", "scope"},
      {R"({"name":"x","channel":"wecom","url":"https://a.example/x","scope":"org",)"
       R"("scope_value":"abc"})",
       "scope_value"},
      {R"({"name":"x","channel":"wecom","url":"https://a.example/x","colour":"red"})", "colour"},
  };
  for (const auto& c : cases) {
    auto r = Call(http::Method::kPost, "/api/v1/notify/targets", op, {}, c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << c.body;
    EXPECT_EQ(r.status().field(), c.field) << c.body;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_targets"), before);

  const std::string path =
      "/api/v1/notify/targets/" + std::to_string(Body(*created).at("id").as_int64());
  auto patched = Call(http::Method::kPatch, path, op, {}, R"({"enabled":false})");
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_FALSE(Body(*patched).at("enabled").as_bool());
  auto denied = service_->ListTargets(Who(officer_));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
  auto deleted = Call(http::Method::kDelete, path, op);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->status, 204);
  auto list = Call(http::Method::kGet, "/api/v1/notify/targets", op);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(Body(*list).at("items").as_array().size(), 0u);
}

TEST_P(NotifyRoutesTest, AnnouncementsReachEveryHolderOfTheRoles) {
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  const int64_t events_before = Count("SELECT COUNT(*) FROM events");
  struct Case {
    std::string body;
    std::string field;
  };
  const Case cases[] = {
      {R"({"roles":["officer"]})", "title"},
      {R"({"title":{"zh":"无收件人"}})", "users"},
      {R"({"roles":["king"],"title":{"zh":"x"}})", "roles"},
      {R"({"roles":["officer"],"title":{"zh":"x"},"link":"https://evil.example"})", "link"},
      {R"([1])", "body"},
  };
  for (const auto& c : cases) {
    auto r = Call(http::Method::kPost, "/api/v1/notify/announcements", op, {}, c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << c.body;
    EXPECT_EQ(r.status().field(), c.field) << c.body;
  }
  auto denied = Call(http::Method::kPost, "/api/v1/notify/announcements", Who(officer_), {},
                     R"({"roles":["officer"],"title":{"zh":"x"}})");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events_before);

  auto ok = Call(http::Method::kPost, "/api/v1/notify/announcements", op, {},
                 R"({"roles":["officer"],"title":{"zh":"系统维护通知","en":"Maintenance"}})");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 202);
  EXPECT_EQ(Tick().inbox_rows, 2);  // both officers, not the duty director
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_inbox WHERE user_id = " + director_.ToString()), 0);
}

TEST_P(NotifyRoutesTest, EmailTargetsAndSmtpRejectBadInputNamingTheField) {
  const auth::Principal op = Who(officer_, auth::Role::kOperator);
  auto created = Call(http::Method::kPost, "/api/v1/notify/targets", op, {},
                      R"({"name":"投促局公共邮箱","channel":"email",)"
                      R"("addresses":["tzj@gov.example","duty@gov.example"],)"
                      R"("scope":"org","scope_value":")" +
                          gov_.ToString() + R"("})");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(Body(*created).at("addresses").as_array().size(), 2u);
  EXPECT_EQ(Body(*created).at("channel").as_string(), "email");

  struct Case {
    http::Method method;
    std::string path;
    std::string body;
    std::string field;
  };
  const std::string target_path =
      "/api/v1/notify/targets/" + std::to_string(Body(*created).at("id").as_int64());
  const Case cases[] = {
      {http::Method::kPost, "/api/v1/notify/targets",
       R"({"name":"x","channel":"email","addresses":["tzj@gov"],"scope":"all"})", "addresses"},
      {http::Method::kPost, "/api/v1/notify/targets",
       R"({"name":"x","channel":"email","addresses":[],"scope":"all"})", "addresses"},
      {http::Method::kPost, "/api/v1/notify/targets",
       R"({"name":"x","channel":"email","addresses":"a@b.example","scope":"all"})", "addresses"},
      {http::Method::kPost, "/api/v1/notify/targets",
       R"({"name":"x","channel":"email","addresses":[7],"scope":"all"})", "addresses"},
      {http::Method::kPatch, target_path, R"({"addresses":["ok@gov.example","bad address"]})",
       "addresses"},
      {http::Method::kPut, "/api/v1/notify/smtp",
       R"({"host":"smtp.gov.example","port":70000,"tls":"try","mail_from":"a@gov.example"})",
       "port"},
      {http::Method::kPut, "/api/v1/notify/smtp",
       R"({"host":"smtp.gov.example","port":0,"tls":"try","mail_from":"a@gov.example"})", "port"},
      {http::Method::kPut, "/api/v1/notify/smtp",
       R"({"host":"smtp.gov.example","port":"25","tls":"try","mail_from":"a@gov.example"})",
       "port"},
      {http::Method::kPut, "/api/v1/notify/smtp",
       R"({"host":"smtp gov","port":25,"tls":"try","mail_from":"a@gov.example"})", "host"},
      {http::Method::kPut, "/api/v1/notify/smtp",
       R"({"host":"smtp.gov.example","port":25,"tls":"ssl","mail_from":"a@gov.example"})", "tls"},
      {http::Method::kPut, "/api/v1/notify/smtp",
       R"({"host":"smtp.gov.example","port":25,"tls":"try","mail_from":"nobody"})", "mail_from"},
      {http::Method::kPut, "/api/v1/notify/smtp",
       R"({"host":"smtp.gov.example","port":25,"tls":"try","mail_from":"a@gov.example",)"
       R"("password":"x"})",
       "password"},
  };
  const int64_t events = Count("SELECT COUNT(*) FROM events");
  for (const auto& c : cases) {
    auto r = Call(c.method, c.path, op, {}, c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << c.body;
    EXPECT_EQ(r.status().field(), c.field) << c.body;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), events);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_targets"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notify_smtp"), 0);
  auto unchanged = Call(http::Method::kGet, "/api/v1/notify/targets", op);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(json::serialize(Body(*unchanged).at("items").as_array()[0].at("addresses")),
            R"(["tzj@gov.example","duty@gov.example"])");

  auto put = Call(http::Method::kPut, "/api/v1/notify/smtp", op, {},
                  R"({"host":"smtp.gov.example","port":587,"tls":"require",)"
                  R"("mail_from":"kechan@gov.example"})");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(Body(*put).at("source").as_string(), "operator");
  EXPECT_EQ(Body(*put).at("port").as_int64(), 587);
  auto get = Call(http::Method::kGet, "/api/v1/notify/smtp", op);
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(Body(*get).at("tls").as_string(), "require");
  auto test = Call(http::Method::kPost, target_path + "/test", op);
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_TRUE(Body(*test).at("ok").as_bool());
  EXPECT_EQ(Body(*test).at("recipient").as_string(), "tzj@gov.example, duty@gov.example");
  ASSERT_FALSE(transport_->sent.empty());
  EXPECT_EQ(transport_->sent.back().url, "smtp://smtp.gov.example:587");
  EXPECT_EQ(transport_->sent.back().tls, SmtpTls::kRequire);
  auto reset = Call(http::Method::kDelete, "/api/v1/notify/smtp", op);
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(Body(*reset).at("source").as_string(), "config");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, NotifyServiceTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, NotifyServiceTest, ::testing::Values(Backend::kPostgres));
INSTANTIATE_TEST_SUITE_P(Sqlite, NotifyRoutesTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, NotifyRoutesTest, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace kechan::notify
