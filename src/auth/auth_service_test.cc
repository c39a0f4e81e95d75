#include "auth/auth_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::auth {
namespace {

using base::Code;
using base::OrgId;
using base::UserId;

constexpr base::Micros kMinute = 60LL * 1000 * 1000;
constexpr base::Micros kHour = 60 * kMinute;
constexpr char kOperatorPassword[] = "operator-pass-1";

enum class Backend { kSqlite, kPostgres };

// Runs on SQLite in a temporary directory (label unit) and, when KECHAN_TEST_PG names a server
// (scripts/pg-test-env), on PostgreSQL in a throwaway schema (label postgres).
class AuthServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == Backend::kSqlite) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "kechan-auth-XXXXXX").string();
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      url = "sqlite:" + dir_ + "/kechan.db";
    } else {
      const char* pg = std::getenv("KECHAN_TEST_PG");
      if (pg == nullptr || *pg == '\0') {
        const char* require = std::getenv("KECHAN_REQUIRE_PG");
        if (require != nullptr && std::string(require) == "1") {
          FAIL() << "KECHAN_REQUIRE_PG=1 but KECHAN_TEST_PG is not set";
        }
        GTEST_SKIP() << "KECHAN_TEST_PG is not set";
      }
      auto admin = store::Open({.url = pg});
      ASSERT_TRUE(admin.ok()) << admin.status();
      admin_ = std::move(admin).value();
      schema_ = "kechan_auth_test_" + RandomToken(6);
      for (char& c : schema_) {
        c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
      }
      ASSERT_TRUE(store::WithWriteTx(*admin_, [&](store::Tx& tx) {
                    return tx.Exec("CREATE SCHEMA " + schema_).status();
                  }).ok());
      url = std::string(pg) + (std::string(pg).find('?') == std::string::npos ? "?" : "&") +
            "options=-csearch_path%3D" + schema_;
    }
    auto db = store::Open({.url = url});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(db).value();
    auto report = store::Migrate(*db_, Migrations());
    ASSERT_TRUE(report.ok()) << report.status();
    service_ = MakeService(Options());
    auto boot = service_->BootstrapOperator({.username = "admin",
                                             .password = kOperatorPassword,
                                             .display_name = "平台管理员",
                                             .email = ""});
    ASSERT_TRUE(boot.ok()) << boot.status();
    operator_org_ = boot->org.id;
    auto signed_in = service_->SignIn("admin", kOperatorPassword, "10.0.0.1");
    ASSERT_TRUE(signed_in.ok()) << signed_in.status();
    op_ = signed_in->principal;
  }

  void TearDown() override {
    service_.reset();
    db_.reset();
    if (admin_) {
      base::Status s = store::WithWriteTx(*admin_, [&](store::Tx& tx) {
        return tx.Exec("DROP SCHEMA " + schema_ + " CASCADE").status();
      });
      EXPECT_TRUE(s.ok()) << s;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  AuthOptions Options() {
    AuthOptions o;
    o.password_cost = PasswordCost::Minimum();
    o.on_signin_failure = [this](const SignInFailure& f) { failures_.push_back(f); };
    return o;
  }

  std::unique_ptr<AuthService> MakeService(AuthOptions options) {
    return std::make_unique<AuthService>(*db_, clock_, std::move(options));
  }

  int64_t Count(const std::string& table) {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM " + table);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows->rows.at(0).Int(0);
  }

  std::vector<store::Event> AllEvents() {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto events = store::ReadEvents(**tx, 0, 100000);
    EXPECT_TRUE(events.ok()) << events.status();
    return *events;
  }

  Org MakeEnterprise(const std::string& name, const std::string& body8) {
    auto uscc = MakeUscc('9', '1', "510100", body8);
    EXPECT_TRUE(uscc.ok());
    auto org = service_->CreateOrg(
        op_, {.kind = OrgKind::kEnterprise, .name = name, .name_en = "", .uscc = *uscc});
    EXPECT_TRUE(org.ok()) << org.status();
    return *org;
  }

  // Creates a user with one membership and signs them in.
  Principal MakeMember(const std::string& username, OrgId org, Role role) {
    auto user = service_->CreateUser(op_, {.username = username,
                                           .display_name = username,
                                           .email = "",
                                           .password = "member-pass-1",
                                           .memberships = {{.org = org, .role = role}}});
    EXPECT_TRUE(user.ok()) << user.status();
    auto s = service_->SignIn(username, "member-pass-1", "10.0.0.2");
    EXPECT_TRUE(s.ok()) << s.status();
    return s->principal;
  }

  std::string dir_;
  std::unique_ptr<store::Database> admin_;
  std::string schema_;
  base::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<AuthService> service_;
  std::vector<SignInFailure> failures_;
  OrgId operator_org_;
  Principal op_;
};

TEST_P(AuthServiceTest, BootstrapCreatesOperatorOrgUserAndMembership) {
  EXPECT_TRUE(op_.signed_in());
  EXPECT_EQ(op_.method, AuthMethod::kSession);
  EXPECT_TRUE(op_.HasIn(operator_org_, Role::kOperator));
  auto org = service_->GetOrg(op_, operator_org_);
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(org->name, kDefaultOperatorOrgName);
  EXPECT_EQ(org->kind, OrgKind::kOperator);
  // A second operator joins the existing operator organisation instead of making another.
  auto again = service_->BootstrapOperator(
      {.username = "admin2", .password = "another-pass", .display_name = "", .email = ""});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->org_created);
  EXPECT_EQ(again->org.id, operator_org_);
  EXPECT_EQ(Count("orgs"), 1);
  // The same username again is refused, naming the field.
  auto dup = service_->BootstrapOperator(
      {.username = "ADMIN", .password = "another-pass", .display_name = "", .email = ""});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(dup.status().field(), "username");
}

TEST_P(AuthServiceTest, BadUsccIsRejectedAndNothingIsWritten) {
  const int64_t orgs = Count("orgs");
  const int64_t events = Count("events");
  auto org = service_->CreateOrg(op_, {.kind = OrgKind::kEnterprise,
                                       .name = "示例制造有限公司（合成数据）",
                                       .name_en = "",
                                       .uscc = "91350100M000100Y44"});
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(org.status().field(), "uscc");
  EXPECT_EQ(org.status().reason(), "uscc.check_char");
  EXPECT_EQ(Count("orgs"), orgs);
  EXPECT_EQ(Count("events"), events);
}

TEST_P(AuthServiceTest, DuplicateUsccIsAlreadyExists) {
  auto first = service_->CreateOrg(op_, {.kind = OrgKind::kEnterprise,
                                         .name = "甲公司（合成）",
                                         .name_en = "",
                                         .uscc = "91350100M000100Y43"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->uscc, "91350100M000100Y43");
  const int64_t events = Count("events");
  // Lower case normalises to the same code.
  auto second = service_->CreateOrg(op_, {.kind = OrgKind::kEnterprise,
                                          .name = "乙公司（合成）",
                                          .name_en = "",
                                          .uscc = "91350100m000100y43"});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(second.status().field(), "uscc");
  EXPECT_EQ(Count("orgs"), 2);
  EXPECT_EQ(Count("events"), events);
}

TEST_P(AuthServiceTest, OnlyOperatorsCreateOrgs) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  Principal alice = MakeMember("alice", a.id, Role::kEnterprise);
  auto org = service_->CreateOrg(
      alice, {.kind = OrgKind::kGovernment, .name = "某局（合成）", .name_en = "", .uscc = ""});
  ASSERT_FALSE(org.ok());
  EXPECT_EQ(org.status().code(), Code::kPermissionDenied);
  auto anon = service_->CreateOrg(
      Principal{},
      {.kind = OrgKind::kGovernment, .name = "某局（合成）", .name_en = "", .uscc = ""});
  EXPECT_EQ(anon.status().code(), Code::kUnauthenticated);
}

TEST_P(AuthServiceTest, SignInSuccessOpensSessionThatAuthenticates) {
  auto s = service_->SignIn("Admin", kOperatorPassword, "10.0.0.9");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->session_token.empty());
  EXPECT_FALSE(s->csrf_token.empty());
  EXPECT_NE(s->session_token, s->csrf_token);
  EXPECT_EQ(s->expires_at, clock_.NowMicros() + service_->options().session_ttl);
  auto p = service_->Authenticate(s->session_token, std::nullopt);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->method, AuthMethod::kSession);
  EXPECT_EQ(p->username, "admin");
  EXPECT_EQ(p->csrf_token, s->csrf_token);
  EXPECT_TRUE(p->Has(Role::kOperator));
  // The token itself is not stored: only its SHA-256.
  auto tx = db_->Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->Query("SELECT COUNT(*) FROM sessions WHERE id = ?", {s->session_token});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0].Int(0), 0);
  auto hashed =
      (*tx)->Query("SELECT COUNT(*) FROM sessions WHERE id = ?", {Sha256Hex(s->session_token)});
  ASSERT_TRUE(hashed.ok());
  EXPECT_EQ(hashed->rows[0].Int(0), 1);
}

TEST_P(AuthServiceTest, NoCredentialsIsAnonymousAndBadOnesAreUnauthenticated) {
  auto anon = service_->Authenticate(std::nullopt, std::nullopt);
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->method, AuthMethod::kNone);
  EXPECT_FALSE(anon->signed_in());
  auto bad = service_->Authenticate("not-a-session", std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(bad.status().reason(), "session.invalid");
  auto bad_token = service_->Authenticate(std::nullopt, "kt_nope");
  EXPECT_EQ(bad_token.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(service_->Authenticate(std::nullopt, "Basic abc").status().reason(), "token.invalid");
}

TEST_P(AuthServiceTest, WrongPasswordAndUnknownUserGiveTheSameError) {
  auto wrong = service_->SignIn("admin", "wrong-password", "10.0.0.3");
  auto unknown = service_->SignIn("nobody", "wrong-password", "10.0.0.4");
  auto malformed = service_->SignIn("x", "wrong-password", "10.0.0.5");
  for (const auto* r : {&wrong, &unknown, &malformed}) {
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->status().code(), Code::kUnauthenticated);
    EXPECT_EQ(r->status().reason(), "signin.failed");
    EXPECT_EQ(r->status().message_en(), wrong.status().message_en());
    EXPECT_EQ(r->status().message_zh(), wrong.status().message_zh());
  }
  ASSERT_EQ(failures_.size(), 3u);
  EXPECT_EQ(failures_[0].reason, "signin.failed");
  EXPECT_EQ(service_->stats().failed, 3);
}

TEST_P(AuthServiceTest, FiveFailuresRateLimitTheUsernameEvenWithTheRightPassword) {
  for (int i = 0; i < 5; ++i) {
    auto r = service_->SignIn("admin", "wrong-password", "10.1.0." + std::to_string(i));
    EXPECT_EQ(r.status().reason(), "signin.failed");
    clock_.Advance(kMinute);
  }
  auto blocked = service_->SignIn("admin", kOperatorPassword, "10.2.0.1");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(blocked.status().reason(), "signin.rate_limited");
  // The first failure leaves the 15-minute window 10 minutes from now.
  EXPECT_NE(blocked.status().message_en().find("10 minute"), std::string::npos)
      << blocked.status().message_en();
  EXPECT_NE(blocked.status().message_zh().find("10 分钟"), std::string::npos);
  EXPECT_EQ(service_->stats().rate_limited, 1);
  clock_.Advance(10 * kMinute);
  auto ok = service_->SignIn("admin", kOperatorPassword, "10.2.0.1");
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST_P(AuthServiceTest, FiveFailuresFromOneAddressLimitThatAddress) {
  for (int i = 0; i < 5; ++i) {
    (void)service_->SignIn("guess" + std::to_string(i), "wrong-password", "203.0.113.7");
  }
  auto blocked = service_->SignIn("admin", kOperatorPassword, "203.0.113.7");
  EXPECT_EQ(blocked.status().reason(), "signin.rate_limited");
  auto other_address = service_->SignIn("admin", kOperatorPassword, "203.0.113.8");
  EXPECT_TRUE(other_address.ok()) << other_address.status();
}

TEST_P(AuthServiceTest, SuccessResetsTheUsernameCounter) {
  for (int i = 0; i < 4; ++i) {
    (void)service_->SignIn("admin", "wrong-password", "10.3.0." + std::to_string(i));
  }
  ASSERT_TRUE(service_->SignIn("admin", kOperatorPassword, "10.3.1.1").ok());
  for (int i = 0; i < 4; ++i) {
    (void)service_->SignIn("admin", "wrong-password", "10.3.2." + std::to_string(i));
  }
  auto ok = service_->SignIn("admin", kOperatorPassword, "10.3.3.1");
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST_P(AuthServiceTest, FixedSessionExpires) {
  AuthOptions o = Options();
  o.session_expiry = SessionExpiry::kFixed;
  o.session_ttl = 2 * kHour;
  auto service = MakeService(o);
  auto s = service->SignIn("admin", kOperatorPassword, "10.0.0.1");
  ASSERT_TRUE(s.ok());
  clock_.Advance(2 * kHour - 1);
  EXPECT_TRUE(service->Authenticate(s->session_token, std::nullopt).ok());
  clock_.Advance(1);
  auto expired = service->Authenticate(s->session_token, std::nullopt);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(expired.status().reason(), "session.expired");
  auto purged = service->PurgeExpiredSessions();
  ASSERT_TRUE(purged.ok());
  EXPECT_GE(*purged, 1);
  EXPECT_EQ(service->Authenticate(s->session_token, std::nullopt).status().reason(),
            "session.invalid");
}

TEST_P(AuthServiceTest, SlidingSessionIsExtendedByUseUpToTheMaximumLifetime) {
  AuthOptions o = Options();
  o.session_expiry = SessionExpiry::kSliding;
  o.session_ttl = 2 * kHour;
  o.session_max_lifetime = 5 * kHour;
  auto service = MakeService(o);
  auto s = service->SignIn("admin", kOperatorPassword, "10.0.0.1");
  ASSERT_TRUE(s.ok());
  // Used every 90 minutes: each use pushes the end 2 hours out.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(90 * kMinute);
    auto p = service->Authenticate(s->session_token, std::nullopt);
    ASSERT_TRUE(p.ok()) << "use " << i << ": " << p.status();
  }
  // Now 4.5 h after sign-in; the 5 h cap ends it although the last use was recent.
  clock_.Advance(31 * kMinute);
  EXPECT_EQ(service->Authenticate(s->session_token, std::nullopt).status().reason(),
            "session.expired");
}

TEST_P(AuthServiceTest, SignOutInvalidatesTheSession) {
  auto s = service_->SignIn("admin", kOperatorPassword, "10.0.0.1");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(service_->SignOut(s->session_token).ok());
  auto p = service_->Authenticate(s->session_token, std::nullopt);
  EXPECT_EQ(p.status().code(), Code::kUnauthenticated);
  // Signing out twice is fine.
  EXPECT_TRUE(service_->SignOut(s->session_token).ok());
  // Other sessions of the user are untouched.
  auto other = service_->SignIn("admin", kOperatorPassword, "10.0.0.1");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(service_->SignOut(s->session_token).ok());
  EXPECT_TRUE(service_->Authenticate(other->session_token, std::nullopt).ok());
}

TEST_P(AuthServiceTest, ApiTokenAuthenticatesUntilRevoked) {
  auto created = service_->CreateApiToken(op_, "ERP 对接");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->plain.rfind("kt_", 0), 0u);
  EXPECT_EQ(created->token.prefix, created->plain.substr(0, 11));
  auto p = service_->Authenticate(std::nullopt, created->plain);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->method, AuthMethod::kToken);
  EXPECT_EQ(p->user, op_.user);
  EXPECT_TRUE(p->csrf_token.empty());
  // A bearer token wins over a bad cookie.
  EXPECT_TRUE(service_->Authenticate("stale-cookie", created->plain).ok());

  auto listed = service_->ListApiTokens(op_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "ERP 对接");
  EXPECT_TRUE((*listed)[0].last_used_at.has_value());

  // A token cannot mint tokens.
  auto minted = service_->CreateApiToken(*p, "more");
  EXPECT_EQ(minted.status().code(), Code::kPermissionDenied);

  ASSERT_TRUE(service_->RevokeApiToken(op_, created->token.id).ok());
  auto revoked = service_->Authenticate(std::nullopt, created->plain);
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.status().reason(), "token.revoked");
  EXPECT_EQ(service_->RevokeApiToken(op_, 999).code(), Code::kNotFound);
}

TEST_P(AuthServiceTest, OtherNodesSeeRevocationOnceTheirCacheEntryAges) {
  // Two services on one database stand for two server nodes.
  auto other_node = MakeService(Options());
  auto created = service_->CreateApiToken(op_, "集成");
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(other_node->Authenticate(std::nullopt, created->plain).ok());
  ASSERT_TRUE(service_->RevokeApiToken(op_, created->token.id).ok());
  // This node clears its own cache at once.
  EXPECT_EQ(service_->Authenticate(std::nullopt, created->plain).status().reason(),
            "token.revoked");
  // The other node may answer from its cache until the entry is older than the TTL...
  clock_.Advance(Options().principal_cache_ttl);
  // ...and then asks the database again.
  EXPECT_EQ(other_node->Authenticate(std::nullopt, created->plain).status().reason(),
            "token.revoked");
}

TEST_P(AuthServiceTest, CachedSessionStillEndsAtItsExpiry) {
  AuthOptions o = Options();
  o.session_expiry = SessionExpiry::kFixed;
  o.session_ttl = 1'000'000;           // one second
  o.principal_cache_ttl = 60'000'000;  // longer than the session
  auto svc = MakeService(o);
  auto s = svc->SignIn("admin", kOperatorPassword, "10.0.0.9");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(svc->Authenticate(s->session_token, std::nullopt).ok());
  clock_.Advance(1'000'001);
  auto after = svc->Authenticate(s->session_token, std::nullopt);
  EXPECT_FALSE(after.ok() && after->signed_in());
}

TEST_P(AuthServiceTest, UsersCannotRevokeOthersTokens) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  Principal alice = MakeMember("alice", a.id, Role::kEnterprise);
  auto created = service_->CreateApiToken(op_, "ops");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(service_->RevokeApiToken(alice, created->token.id).code(), Code::kNotFound);
  EXPECT_TRUE(service_->Authenticate(std::nullopt, created->plain).ok());
}

TEST_P(AuthServiceTest, EnterpriseUserSeesOnlyOwnOrgAndItsMembers) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  Org b = MakeEnterprise("乙公司（合成）", "DM000002");
  Principal alice = MakeMember("alice", a.id, Role::kEnterprise);
  Principal amy = MakeMember("amy", a.id, Role::kEnterprise);
  Principal bob = MakeMember("bob", b.id, Role::kEnterprise);

  EXPECT_TRUE(service_->GetOrg(alice, a.id).ok());
  auto other = service_->GetOrg(alice, b.id);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Code::kPermissionDenied);
  // A missing org looks the same as someone else's to a non-operator.
  EXPECT_EQ(service_->GetOrg(alice, OrgId{9999}).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(service_->GetOrg(op_, OrgId{9999}).status().code(), Code::kNotFound);

  auto orgs = service_->ListOrgs(alice, {}, {});
  ASSERT_TRUE(orgs.ok());
  ASSERT_EQ(orgs->total, 1);
  EXPECT_EQ(orgs->items[0].id, a.id);

  EXPECT_TRUE(service_->GetUser(alice, amy.user).ok());
  EXPECT_TRUE(service_->GetUser(alice, alice.user).ok());
  EXPECT_EQ(service_->GetUser(alice, bob.user).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(service_->GetUser(alice, op_.user).status().code(), Code::kPermissionDenied);

  auto users = service_->ListUsers(alice, {}, {});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->total, 2);
  for (const auto& u : users->items) {
    EXPECT_TRUE(u.username == "alice" || u.username == "amy") << u.username;
  }
  EXPECT_EQ(service_->ListUsers(alice, {.org = b.id}, {}).status().code(), Code::kPermissionDenied);
  auto members = service_->ListOrgMembers(alice, a.id);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 2u);
  EXPECT_EQ(service_->ListOrgMembers(alice, b.id).status().code(), Code::kPermissionDenied);

  // Operators see everything.
  auto all = service_->ListOrgs(op_, {}, {.page = 1, .page_size = 2});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total, 3);
  EXPECT_EQ(all->items.size(), 2u);
  auto filtered =
      service_->ListOrgs(op_, {.kind = OrgKind::kEnterprise, .name_contains = "乙"}, {});
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->total, 1);
  EXPECT_EQ(filtered->items[0].id, b.id);
  auto all_users = service_->ListUsers(op_, {.org = a.id}, {});
  ASSERT_TRUE(all_users.ok());
  EXPECT_EQ(all_users->total, 2);
}

TEST_P(AuthServiceTest, MembersAddColleaguesOnlyWithTheirOwnRole) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  Org b = MakeEnterprise("乙公司（合成）", "DM000002");
  Principal alice = MakeMember("alice", a.id, Role::kEnterprise);
  auto colleague =
      service_->CreateUser(alice, {.username = "carol",
                                   .display_name = "",
                                   .email = "",
                                   .password = "carol-pass-1",
                                   .memberships = {{.org = a.id, .role = Role::kEnterprise}}});
  ASSERT_TRUE(colleague.ok()) << colleague.status();
  auto elsewhere =
      service_->CreateUser(alice, {.username = "dave",
                                   .display_name = "",
                                   .email = "",
                                   .password = "dave-pass-1",
                                   .memberships = {{.org = b.id, .role = Role::kEnterprise}}});
  EXPECT_EQ(elsewhere.status().code(), Code::kPermissionDenied);
  auto escalate = service_->AddMembership(alice, colleague->id,
                                          {.org = operator_org_, .role = Role::kOperator});
  EXPECT_EQ(escalate.code(), Code::kPermissionDenied);
  // The operator gets a precise error for a role that does not fit the org kind.
  auto mismatch =
      service_->AddMembership(op_, colleague->id, {.org = a.id, .role = Role::kOfficer});
  EXPECT_EQ(mismatch.code(), Code::kInvalidArgument);
  EXPECT_EQ(mismatch.field(), "role");
  auto dup = service_->AddMembership(op_, colleague->id, {.org = a.id, .role = Role::kEnterprise});
  EXPECT_EQ(dup.code(), Code::kAlreadyExists);
  auto missing_org =
      service_->AddMembership(op_, colleague->id, {.org = OrgId{777}, .role = Role::kEnterprise});
  EXPECT_EQ(missing_org.code(), Code::kNotFound);
  EXPECT_EQ(missing_org.field(), "org_id");
}

TEST_P(AuthServiceTest, CreateUserValidationNamesTheField) {
  const int64_t users = Count("users");
  auto short_pw = service_->CreateUser(op_, {.username = "erin",
                                             .display_name = "",
                                             .email = "",
                                             .password = "short",
                                             .memberships = {}});
  EXPECT_EQ(short_pw.status().field(), "password");
  auto bad_org =
      service_->CreateUser(op_, {.username = "erin",
                                 .display_name = "",
                                 .email = "",
                                 .password = "long-enough",
                                 .memberships = {{.org = operator_org_, .role = Role::kOperator},
                                                 {.org = OrgId{555}, .role = Role::kEnterprise}}});
  EXPECT_EQ(bad_org.status().field(), "memberships[1].org_id");
  EXPECT_EQ(Count("users"), users);  // the whole transaction rolled back
  auto taken = service_->CreateUser(op_, {.username = "ADMIN",
                                          .display_name = "",
                                          .email = "",
                                          .password = "long-enough",
                                          .memberships = {}});
  EXPECT_EQ(taken.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(taken.status().field(), "username");
}

TEST_P(AuthServiceTest, ChangingOwnPasswordNeedsTheCurrentOneAndEndsOtherSessions) {
  auto other = service_->SignIn("admin", kOperatorPassword, "10.9.9.9");
  ASSERT_TRUE(other.ok());
  auto missing = service_->SetPassword(op_, op_.user, "new-password-1", std::nullopt);
  EXPECT_EQ(missing.field(), "current_password");
  auto wrong = service_->SetPassword(op_, op_.user, "new-password-1", "not-it-at-all");
  EXPECT_EQ(wrong.field(), "current_password");
  EXPECT_EQ(wrong.reason(), "password.current_wrong");
  ASSERT_TRUE(service_->SetPassword(op_, op_.user, "new-password-1", kOperatorPassword).ok());
  EXPECT_EQ(service_->Authenticate(other->session_token, std::nullopt).status().code(),
            Code::kUnauthenticated);
  EXPECT_EQ(service_->SignIn("admin", kOperatorPassword, "10.0.0.1").status().reason(),
            "signin.failed");
  EXPECT_TRUE(service_->SignIn("admin", "new-password-1", "10.0.0.1").ok());
}

TEST_P(AuthServiceTest, SignInRehashesAWeakerHash) {
  auto hash_of = [&] {
    auto tx = db_->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query("SELECT password_hash FROM users WHERE username = 'admin'");
    return rows->rows.at(0).Text(0);
  };
  const std::string before = hash_of();
  AuthOptions stronger = Options();
  stronger.password_cost = {.opslimit = 2, .memlimit = size_t{16} * 1024};
  auto service = MakeService(stronger);
  ASSERT_TRUE(service->SignIn("admin", kOperatorPassword, "10.0.0.1").ok());
  const std::string after = hash_of();
  EXPECT_NE(before, after);
  EXPECT_FALSE(PasswordNeedsRehash(after, stronger.password_cost));
  EXPECT_TRUE(VerifyPassword(kOperatorPassword, after));
}

TEST_P(AuthServiceTest, DisabledAccountCannotSignInOrUseItsSessions) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  Principal alice = MakeMember("alice", a.id, Role::kEnterprise);
  auto s = service_->SignIn("alice", "member-pass-1", "10.0.0.2");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(service_->SetAccountState(alice, alice.user, AccountState::kDisabled).code(),
            Code::kPermissionDenied);
  ASSERT_TRUE(service_->SetAccountState(op_, alice.user, AccountState::kDisabled).ok());
  EXPECT_EQ(service_->Authenticate(s->session_token, std::nullopt).status().code(),
            Code::kUnauthenticated);
  EXPECT_EQ(service_->SignIn("alice", "member-pass-1", "10.0.0.2").status().reason(),
            "signin.disabled");
  EXPECT_EQ(service_->SignIn("alice", "wrong-password", "10.0.0.2").status().reason(),
            "signin.failed");
  ASSERT_TRUE(service_->SetAccountState(op_, alice.user, AccountState::kActive).ok());
  EXPECT_TRUE(service_->SignIn("alice", "member-pass-1", "10.0.0.2").ok());
}

TEST_P(AuthServiceTest, TheLastOperatorCannotBeRemovedOrDisabled) {
  auto removed =
      service_->RemoveMembership(op_, op_.user, {.org = operator_org_, .role = Role::kOperator});
  EXPECT_EQ(removed.code(), Code::kFailedPrecondition);
  EXPECT_EQ(service_->SetAccountState(op_, op_.user, AccountState::kDisabled).code(),
            Code::kFailedPrecondition);
  auto second = service_->BootstrapOperator(
      {.username = "admin2", .password = "another-pass", .display_name = "", .email = ""});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(
      service_
          ->RemoveMembership(op_, second->user.id, {.org = operator_org_, .role = Role::kOperator})
          .ok());
}

TEST_P(AuthServiceTest, AddUserWithRoleFindsTheOrgByUscc) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  auto user = service_->AddUserWithRole({.username = "frank",
                                         .password = "frank-pass-1",
                                         .display_name = "Frank",
                                         .email = "frank@example.com",
                                         .org = {},
                                         .org_uscc = *a.uscc,
                                         .role = Role::kEnterprise});
  ASSERT_TRUE(user.ok()) << user.status();
  ASSERT_EQ(user->memberships.size(), 1u);
  EXPECT_EQ(user->memberships[0].org, a.id);
  auto again = service_->AddUserWithRole({.username = "frank",
                                          .password = "",
                                          .display_name = "",
                                          .email = "",
                                          .org = operator_org_,
                                          .org_uscc = "",
                                          .role = Role::kTechManager,
                                          .if_exists = IfUserExists::kAddMembership});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->memberships.size(), 2u);
  auto no_org = service_->AddUserWithRole({.username = "gina",
                                           .password = "gina-pass-1",
                                           .display_name = "",
                                           .email = "",
                                           .org = {},
                                           .org_uscc = "91350100M000100Y43",
                                           .role = Role::kEnterprise});
  EXPECT_EQ(no_org.status().code(), Code::kNotFound);
  EXPECT_EQ(no_org.status().field(), "org");
}

TEST_P(AuthServiceTest, EveryWriteAppendsAnEventWithoutSecrets) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  Principal alice = MakeMember("alice", a.id, Role::kEnterprise);
  auto s = service_->SignIn("alice", "member-pass-1", "10.0.0.2");
  ASSERT_TRUE(s.ok());
  auto token = service_->CreateApiToken(op_, "integration");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(service_->RevokeApiToken(op_, token->token.id).ok());
  ASSERT_TRUE(service_->SignOut(s->session_token).ok());
  ASSERT_TRUE(service_->SetPassword(op_, alice.user, "brand-new-pass", std::nullopt).ok());

  std::vector<std::string> secrets = {kOperatorPassword, "member-pass-1", "brand-new-pass",
                                      s->session_token,  s->csrf_token,   token->plain,
                                      op_.csrf_token,    "$argon2id$"};
  std::set<std::string> kinds;
  for (const auto& e : AllEvents()) {
    kinds.insert(e.kind);
    for (const auto& secret : secrets) {
      EXPECT_EQ(e.payload.find(secret), std::string::npos) << e.kind << ": " << e.payload;
    }
  }
  for (const char* kind : {"auth.org.created", "auth.user.created", "auth.membership.added",
                           "auth.session.created", "auth.session.ended", "auth.token.created",
                           "auth.token.revoked", "auth.user.password_changed"}) {
    EXPECT_TRUE(kinds.count(kind)) << kind;
  }
  // Failed sign-ins are logged through the hook, not appended.
  const int64_t before = Count("events");
  (void)service_->SignIn("alice", "wrong-password", "10.0.0.2");
  EXPECT_EQ(Count("events"), before);
  EXPECT_FALSE(failures_.empty());
  auto verify = store::VerifyLog(*db_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->reason;
}

TEST_P(AuthServiceTest, ConcurrentSignInsAndAuthenticationsAreSafe) {
  Org a = MakeEnterprise("甲公司（合成）", "DM000001");
  for (int i = 0; i < 4; ++i) {
    (void)MakeMember("worker" + std::to_string(i), a.id, Role::kEnterprise);
  }
  const int64_t events_before = Count("events");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k) {
        auto s = service_->SignIn("worker" + std::to_string(i), "member-pass-1",
                                  "10.8." + std::to_string(i) + "." + std::to_string(k));
        if (s.ok() && service_->Authenticate(s->session_token, std::nullopt).ok()) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(Count("events"), events_before + 20);
  auto verify = store::VerifyLog(*db_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->reason;
}

TEST_P(AuthServiceTest, MigrationsAreIdempotent) {
  auto again = store::Migrate(*db_, Migrations());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->applied, 0);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AuthServiceTest, ::testing::Values(Backend::kSqlite),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Postgres, AuthServiceTest, ::testing::Values(Backend::kPostgres),
                         [](const auto&) { return std::string("postgres"); });

}  // namespace
}  // namespace kechan::auth
