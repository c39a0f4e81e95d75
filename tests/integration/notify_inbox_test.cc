// The inbox over real HTTP: the real http::Server (port 0) with the auth and notify routes, two
// signed-in users, notifications derived from events by NotifyService::Tick. A user cannot read or
// mark another's items (404, nothing changed); CSRF and sign-in are enforced by the server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/auth_routes.h"
#include "auth/auth_service.h"
#include "auth/migrations.h"
#include "http/server.h"
#include "notify/migrations.h"
#include "notify/routes.h"
#include "notify/service.h"
#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::notify {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string set_cookie;
  std::string body;
  json::object Obj() const { return json::parse(body).as_object(); }
};

Reply Call(uint16_t port, bhttp::verb verb, const std::string& target, const std::string& body,
           const std::vector<std::pair<std::string, std::string>>& headers) {
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req(verb, target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  Reply out;
  out.status = static_cast<int>(res.result_int());
  if (auto it = res.find(bhttp::field::set_cookie); it != res.end()) {
    out.set_cookie = std::string(it->value());
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

struct Browser {
  uint16_t port = 0;
  std::string cookie;
  std::string csrf;
  int SignIn(const std::string& user, const std::string& password) {
    Reply r = Call(port, bhttp::verb::post, "/api/v1/session",
                   json::serialize(json::object{{"username", user}, {"password", password}}), {});
    if (r.status == 200) {
      cookie = r.set_cookie.substr(0, r.set_cookie.find(';'));
      csrf = std::string(r.Obj().at("csrf_token").as_string());
    }
    return r.status;
  }
  Reply Do(bhttp::verb verb, const std::string& target, bool with_csrf = true) const {
    std::vector<std::pair<std::string, std::string>> h = {{"Cookie", cookie}};
    if (with_csrf && verb != bhttp::verb::get) {
      h.emplace_back("X-CSRF-Token", csrf);
    }
    return Call(port, verb, target, {}, h);
  }
};

class NotifyInboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kechan-inbox-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto db = store::Open({.url = "sqlite:" + dir_ + "/kechan.db"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    ASSERT_TRUE(store::Migrate(*db_, all).ok());
    auth::AuthOptions options;
    options.password_cost = auth::PasswordCost::Minimum();
    options.on_signin_failure = [](const auth::SignInFailure&) {};
    auth_ = std::make_unique<auth::AuthService>(*db_, base::SystemClock::Get(), options);
    auto org = auth_->CreateOrgAsSystem(
        {.kind = auth::OrgKind::kGovernment, .name = "经信局（示例）"}, "test");
    ASSERT_TRUE(org.ok()) << org.status();
    for (const char* name : {"alice", "bob"}) {
      auto u = auth_->AddUserWithRole({.username = name,
                                       .password = "member-pass-123",
                                       .org = org->id,
                                       .role = auth::Role::kOfficer},
                                      "test");
      ASSERT_TRUE(u.ok()) << u.status();
      users_.push_back(u->id);
    }
    service_ = NotifyService::Make(*db_, base::SystemClock::Get(), *auth_, {});
    http::Router router;
    app::RegisterAuthRoutes(router, *auth_);
    RegisterRoutes(router, *service_);
    auto server = http::Server::Open({.listen = "127.0.0.1:0", .threads = 2}, std::move(router),
                                     app::MakeAuthenticator(*auth_));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    // Two notifications for alice, none for bob.
    for (int i = 1; i <= 2; ++i) {
      auto s = store::WithWriteTx(*db_, [&](store::Tx& tx) {
        return store::AppendEvent(
                   tx,
                   {.kind = "appeals.appeal.assigned",
                    .entity = "appeal",
                    .entity_id = std::to_string(i),
                    .actor = "system",
                    .payload = R"({"notify":{"users":[)" + users_[0].ToString() +
                               R"(],"title":{"zh":"新分派的诉求","en":"Appeal assigned"}}})"},
                   base::SystemClock::Get())
            .status();
      });
      ASSERT_TRUE(s.ok()) << s;
    }
    ASSERT_TRUE(service_->Tick().ok());
  }

  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
    server_.reset();
    service_.reset();
    auth_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Browser SignedIn(const std::string& user) {
    Browser b{.port = port_};
    EXPECT_EQ(b.SignIn(user, "member-pass-123"), 200);
    return b;
  }

  int64_t Unread() {
    auto tx = db_->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM notify_inbox WHERE read_at IS NULL");
    return rows.ok() ? rows->rows.at(0).Int(0) : -1;
  }

  std::string dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<NotifyService> service_;
  std::unique_ptr<http::Server> server_;
  uint16_t port_ = 0;
  std::vector<base::UserId> users_;
};

TEST_F(NotifyInboxTest, OwnerReadsAndMarksTheirItems) {
  Browser alice = SignedIn("alice");
  Reply list = alice.Do(bhttp::verb::get, "/api/v1/inbox?unread=true");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.Obj().at("items").as_array().size(), 2u);
  const int64_t id = list.Obj().at("items").as_array()[0].at("id").as_int64();
  Reply count = alice.Do(bhttp::verb::get, "/api/v1/inbox/unread-count");
  EXPECT_EQ(count.Obj().at("unread").as_int64(), 2);
  Reply read = alice.Do(bhttp::verb::post, "/api/v1/inbox/" + std::to_string(id) + "/read");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(read.Obj().at("read").as_bool());
  EXPECT_EQ(Unread(), 1);
}

TEST_F(NotifyInboxTest, AnotherUserGets404AndNothingChanges) {
  Browser alice = SignedIn("alice");
  const int64_t id = alice.Do(bhttp::verb::get, "/api/v1/inbox")
                         .Obj()
                         .at("items")
                         .as_array()[0]
                         .at("id")
                         .as_int64();
  Browser bob = SignedIn("bob");
  Reply r = bob.Do(bhttp::verb::post, "/api/v1/inbox/" + std::to_string(id) + "/read");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.Obj().at("field").as_string(), "id");
  EXPECT_EQ(r.Obj().at("reason").as_string(), "inbox.not_found");
  Reply list = bob.Do(bhttp::verb::get, "/api/v1/inbox");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Obj().at("total").as_int64(), 0);
  Reply all = bob.Do(bhttp::verb::post, "/api/v1/inbox/read-all");
  EXPECT_EQ(all.Obj().at("marked").as_int64(), 0);
  EXPECT_EQ(Unread(), 2);
}

TEST_F(NotifyInboxTest, NeedsSignInAndCsrf) {
  Browser anonymous{.port = port_};
  EXPECT_EQ(anonymous.Do(bhttp::verb::get, "/api/v1/inbox").status, 401);
  Browser alice = SignedIn("alice");
  Reply no_csrf = alice.Do(bhttp::verb::post, "/api/v1/inbox/read-all", /*with_csrf=*/false);
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_EQ(Unread(), 2);
  // The delivery log is for operators only.
  EXPECT_EQ(alice.Do(bhttp::verb::get, "/api/v1/notify/deliveries").status, 403);
}

TEST_F(NotifyInboxTest, BadPageSizeIs400NamingTheField) {
  Browser alice = SignedIn("alice");
  Reply r = alice.Do(bhttp::verb::get, "/api/v1/inbox?page_size=1000");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Obj().at("field").as_string(), "page_size");
}

}  // namespace
}  // namespace kechan::notify
