// notify end to end over real sockets: events with "notify" blocks are followed by NotifyService
// with the libcurl transport, which talks to a local HTTP receiver (standing in for the WeCom and
// DingTalk robot endpoints) and a local SMTP receiver. Checks exactly what arrives, retries with
// backoff, that a slow receiver does not hold up the others, and that a restart never resends.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/auth_service.h"
#include "auth/migrations.h"
#include "notify/migrations.h"
#include "notify/service.h"
#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::notify {
namespace {

namespace json = boost::json;

// A TCP listener on 127.0.0.1:0 that hands each connection to `serve` on its own thread.
class Listener {
 public:
  explicit Listener(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
    for (auto& t : workers_) {
      t.join();
    }
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, 50) <= 0) {
        continue;
      }
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) {
        continue;
      }
      workers_.emplace_back([this, c] {
        serve_(c);
        close(c);
      });
    }
  }
  std::function<void(int)> serve_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

// Reads from `fd` into `buf` until `done(buf)` or the peer closes / 5 s of silence.
bool ReadUntil(int fd, std::string& buf, const std::function<bool(const std::string&)>& done) {
  char chunk[4096];
  while (!done(buf)) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 5000) <= 0) {
      return false;
    }
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) {
      return false;
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) {
      return;
    }
    off += static_cast<size_t>(n);
  }
}

struct HttpRequestSeen {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int answered = 0;
};

struct HttpAnswer {
  int status = 200;
  std::string body = R"({"errcode":0,"errmsg":"ok"})";
  bool hang = false;  // never answer (a slow receiver)
};

// A minimal HTTP/1.1 receiver: one request per connection, answers from a per-path script.
class HttpReceiver {
 public:
  HttpReceiver() : listener_([this](int fd) { Serve(fd); }) {}
  ~HttpReceiver() { release_ = true; }
  int port() const { return listener_.port(); }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  void Script(const std::string& path, std::vector<HttpAnswer> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_[path] = std::deque<HttpAnswer>(answers.begin(), answers.end());
  }
  std::vector<HttpRequestSeen> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  std::vector<HttpRequestSeen> SeenAt(const std::string& path) {
    std::vector<HttpRequestSeen> out;
    for (auto& r : Seen()) {
      if (r.target.substr(0, r.target.find('?')) == path) {
        out.push_back(r);
      }
    }
    return out;
  }

 private:
  void Serve(int fd) {
    std::string buf;
    if (!ReadUntil(fd, buf,
                   [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; })) {
      return;
    }
    const size_t head_end = buf.find("\r\n\r\n");
    HttpRequestSeen req;
    std::string head = buf.substr(0, head_end);
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.rfind(' ');
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) {
        e = head.size();
      }
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[name] = value;
      }
      pos = e + 2;
    }
    size_t length = std::stoul(req.headers.count("content-length") ? req.headers["content-length"]
                                                                   : std::string("0"));
    std::string body = buf.substr(head_end + 4);
    ReadUntil(fd, body, [&](const std::string& b) { return b.size() >= length; });
    req.body = body;
    HttpAnswer answer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& q = script_[req.target.substr(0, req.target.find('?'))];
      if (!q.empty()) {
        answer = q.front();
        q.pop_front();
      }
      req.answered = answer.hang ? 0 : answer.status;
      seen_.push_back(req);
    }
    if (answer.hang) {
      while (!release_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return;
    }
    WriteAll(fd,
             "HTTP/1.1 " + std::to_string(answer.status) +
                 " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                 std::to_string(answer.body.size()) + "\r\n\r\n" + answer.body);
  }

  std::mutex mu_;
  std::map<std::string, std::deque<HttpAnswer>> script_;
  std::vector<HttpRequestSeen> seen_;
  std::atomic<bool> release_{false};
  Listener listener_;  // last: its threads stop before the members above go
};

struct MailSeen {
  std::string from;
  std::vector<std::string> rcpt;
  std::string data;
};

// A minimal SMTP receiver (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no STARTTLS offered).
class SmtpReceiver {
 public:
  SmtpReceiver() : listener_([this](int fd) { Serve(fd); }) {}
  int port() const { return listener_.port(); }
  std::vector<MailSeen> Mails() {
    std::lock_guard<std::mutex> lock(mu_);
    return mails_;
  }

 private:
  void Serve(int fd) {
    WriteAll(fd, "220 receiver.test ESMTP\r\n");
    std::string buf;
    MailSeen mail;
    while (true) {
      if (!ReadUntil(fd, buf,
                     [](const std::string& b) { return b.find("\r\n") != std::string::npos; })) {
        return;
      }
      size_t e = buf.find("\r\n");
      std::string line = buf.substr(0, e);
      buf.erase(0, e + 2);
      std::string verb = line.substr(0, 4);
      for (char& c : verb) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (verb == "EHLO" || verb == "HELO") {
        WriteAll(fd, "250-receiver.test\r\n250 8BITMIME\r\n");
      } else if (verb == "MAIL") {
        mail = MailSeen{};
        mail.from = line.substr(line.find(':') + 1);
        WriteAll(fd, "250 OK\r\n");
      } else if (verb == "RCPT") {
        mail.rcpt.push_back(line.substr(line.find(':') + 1));
        WriteAll(fd, "250 OK\r\n");
      } else if (verb == "DATA") {
        WriteAll(fd, "354 go ahead\r\n");
        if (!ReadUntil(fd, buf, [](const std::string& b) {
              return b.find("\r\n.\r\n") != std::string::npos;
            })) {
          return;
        }
        size_t end = buf.find("\r\n.\r\n");
        std::string data = buf.substr(0, end + 2);
        buf.erase(0, end + 5);
        // Undo dot-stuffing.
        std::string clean;
        size_t pos = 0;
        while (pos < data.size()) {
          size_t le = data.find("\r\n", pos);
          std::string l = data.substr(pos, le - pos);
          if (!l.empty() && l[0] == '.') {
            l.erase(0, 1);
          }
          clean += l + "\r\n";
          pos = le + 2;
        }
        mail.data = clean;
        {
          std::lock_guard<std::mutex> lock(mu_);
          mails_.push_back(mail);
        }
        WriteAll(fd, "250 OK queued\r\n");
      } else if (verb == "QUIT") {
        WriteAll(fd, "221 bye\r\n");
        return;
      } else {
        WriteAll(fd, "250 OK\r\n");
      }
    }
  }

  std::mutex mu_;
  std::vector<MailSeen> mails_;
  Listener listener_;
};

std::string DecodeBase64(const std::string& b64) {
  std::string out(b64.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), "\r\n", &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return {};
  }
  out.resize(len);
  return out;
}

// Returns the decoded Subject of a message: its RFC 2047 encoded words (one per folded line)
// joined, or the plain text.
std::string DecodedSubject(const std::string& message) {
  const size_t start = message.find("\r\nSubject: ");
  if (start == std::string::npos) {
    return {};
  }
  size_t pos = start + 11;
  std::string out;
  while (true) {
    const size_t end = message.find("\r\n", pos);
    std::string word = message.substr(pos, end - pos);
    word.erase(0, word.find_first_not_of(' '));
    if (word.rfind("=?UTF-8?B?", 0) == 0 && word.size() > 12) {
      out += DecodeBase64(word.substr(10, word.size() - 12));
    } else {
      out += word;
    }
    if (end + 2 >= message.size() || message[end + 2] != ' ') {
      break;
    }
    pos = end + 3;
  }
  return out;
}

// Returns the value of header `name` ("To") of a message, or "".
std::string Header(const std::string& message, const std::string& name) {
  const size_t start = message.find("\r\n" + name + ": ");
  if (start == std::string::npos) {
    return {};
  }
  const size_t from = start + 4 + name.size();
  return message.substr(from, message.find("\r\n", from) - from);
}

// Returns the decoded text/plain body (base64) of a message.
std::string DecodedBody(const std::string& message) {
  const size_t split = message.find("\r\n\r\n");
  return split == std::string::npos ? std::string() : DecodeBase64(message.substr(split + 4));
}

std::string QueryParam(const std::string& target, const std::string& name) {
  size_t q = target.find('?');
  while (q != std::string::npos) {
    size_t start = q + 1;
    size_t end = target.find('&', start);
    std::string pair =
        target.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (pair.rfind(name + "=", 0) == 0) {
      return pair.substr(name.size() + 1);
    }
    q = end;
  }
  return {};
}

std::string UrlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

constexpr base::Micros kStart = 1800000000LL * 1000000;
constexpr char kSecret[] = "SEC9f8e7d6c5b4a3921";

class NotifyDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kechan-notify-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    OpenAll();
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    ASSERT_TRUE(store::Migrate(*db_, all).ok());
    auto org = auth_->CreateOrgAsSystem(
        auth::NewOrg{.kind = auth::OrgKind::kGovernment, .name = "高新区投资促进局（示例）"});
    ASSERT_TRUE(org.ok()) << org.status();
    org_ = org->id;
    auto user = auth_->AddUserWithRole({.username = "wang.officer",
                                        .password = "password-123",
                                        .display_name = "王科员",
                                        .email = "wang@gov.example",
                                        .org = org_,
                                        .role = auth::Role::kOfficer});
    ASSERT_TRUE(user.ok()) << user.status();
    user_ = user->id;
    const auth::Principal op = Operator();
    auto wecom = service_->CreateTarget(op, Target{.name = "投促局企业微信群",
                                                   .channel = Channel::kWeCom,
                                                   .url = http_.Url("/wecom?key=k1"),
                                                   .scope = ScopeKind::kOrg,
                                                   .scope_value = org_.ToString()});
    ASSERT_TRUE(wecom.ok()) << wecom.status();
    auto ding = service_->CreateTarget(op, Target{.name = "投促局钉钉群",
                                                  .channel = Channel::kDingTalk,
                                                  .url = http_.Url("/ding?access_token=t1"),
                                                  .secret = kSecret,
                                                  .scope = ScopeKind::kOrg,
                                                  .scope_value = org_.ToString()});
    ASSERT_TRUE(ding.ok()) << ding.status();
  }

  void TearDown() override {
    CloseAll();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Opens the database and the services, as a process does at start-up.
  void OpenAll() {
    auto db = store::Open({.url = "sqlite:" + dir_ + "/kechan.db"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auth_ = std::make_unique<auth::AuthService>(
        *db_, clock_, auth::AuthOptions{.password_cost = auth::PasswordCost::Minimum()});
    NotifyOptions o;
    o.smtp_url = "smtp://127.0.0.1:" + std::to_string(smtp_.port());
    o.smtp_tls = SmtpTls::kNone;
    o.mail_from = "kechan@gov.example";
    o.public_url = "https://kechan.example";
    o.retry = RetryPolicy{.base_delay = 1000000, .max_delay = 60000000, .max_attempts = 5};
    o.send.timeout_ms = 1500;
    o.send.connect_timeout_ms = 1000;
    service_ = NotifyService::Make(*db_, clock_, *auth_, o);
  }
  void CloseAll() {
    service_.reset();
    auth_.reset();
    db_.reset();
  }

  auth::Principal Operator() const {
    auth::Principal p;
    p.user = base::UserId{1000};
    p.method = auth::AuthMethod::kSession;
    p.memberships = {{base::OrgId{1000}, auth::Role::kOperator}};
    return p;
  }

  void AppendNotification() {
    const std::string payload =
        R"({"appeal_id":42,"notify":{"users":[)" + user_.ToString() + R"(],"orgs":[)" +
        org_.ToString() +
        R"(],"roles":["officer"],"title":{"zh":"诉求即将超时：园区用电","en":"Appeal nearly overdue"},)"
        R"("body":{"zh":"请于今日 17:30 前答复企业。","en":"Reply to the firm by 17:30 today."},)"
        R"("link":"/appeals/42","urgency":"high"}})";
    auto s = store::WithWriteTx(*db_, [&](store::Tx& tx) {
      return store::AppendEvent(tx,
                                {.kind = "appeals.sla.warning",
                                 .entity = "appeal",
                                 .entity_id = "42",
                                 .actor = "system",
                                 .payload = payload},
                                clock_)
          .status();
    });
    ASSERT_TRUE(s.ok()) << s;
  }

  TickReport Tick() {
    TickReport r;
    auto s = service_->Tick(&r);
    EXPECT_TRUE(s.ok()) << s;
    return r;
  }

  std::string dir_;
  base::FakeClock clock_{kStart};
  HttpReceiver http_;
  SmtpReceiver smtp_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<NotifyService> service_;
  base::OrgId org_;
  base::UserId user_;
};

TEST_F(NotifyDeliveryTest, WhatArrivesAtEachReceiver) {
  AppendNotification();
  TickReport r = Tick();
  EXPECT_EQ(r.inbox_rows, 1);
  EXPECT_EQ(r.deliveries_created, 3);
  EXPECT_EQ(r.sent, 3);

  // WeCom: the markdown body.
  auto wecom = http_.SeenAt("/wecom");
  ASSERT_EQ(wecom.size(), 1u);
  EXPECT_EQ(wecom[0].target, "/wecom?key=k1");
  EXPECT_EQ(wecom[0].headers["content-type"], "application/json; charset=utf-8");
  json::value w = json::parse(wecom[0].body);
  EXPECT_EQ(w.at("msgtype").as_string(), "markdown");
  const std::string content(w.at("markdown").at("content").as_string());
  EXPECT_NE(content.find("**诉求即将超时：园区用电**"), std::string::npos) << content;
  EXPECT_NE(content.find("请于今日 17:30 前答复企业。"), std::string::npos);
  EXPECT_NE(content.find("(https://kechan.example/appeals/42)"), std::string::npos);

  // DingTalk: markdown, and a sign that verifies against the secret and the timestamp sent.
  auto ding = http_.SeenAt("/ding");
  ASSERT_EQ(ding.size(), 1u);
  EXPECT_EQ(QueryParam(ding[0].target, "access_token"), "t1");
  const std::string ts = QueryParam(ding[0].target, "timestamp");
  EXPECT_EQ(ts, std::to_string(kStart / 1000));
  const std::string to_sign = ts + "\n" + kSecret;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(kSecret),
                              std::strlen(kSecret));
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(to_sign.data()),
                                to_sign.size());
  crypto_auth_hmacsha256_final(&st, mac);
  EXPECT_EQ(DecodeBase64(UrlDecode(QueryParam(ding[0].target, "sign"))),
            std::string(reinterpret_cast<const char*>(mac), sizeof mac));
  json::value d = json::parse(ding[0].body);
  EXPECT_EQ(d.at("msgtype").as_string(), "markdown");
  EXPECT_EQ(d.at("markdown").at("title").as_string(), "诉求即将超时：园区用电");

  // E-mail: envelope, UTF-8 headers and body.
  auto mails = smtp_.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].from, "<kechan@gov.example>");
  EXPECT_EQ(mails[0].rcpt, std::vector<std::string>{"<wang@gov.example>"});
  const std::string& m = mails[0].data;
  const size_t split = m.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  const std::string headers = m.substr(0, split + 2);
  EXPECT_NE(headers.find("To: wang@gov.example\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
  const size_t subj = headers.find("Subject: =?UTF-8?B?");
  ASSERT_NE(subj, std::string::npos) << headers;
  std::string words = headers.substr(subj + 9, headers.find("\r\n", subj) - subj - 9);
  // One encoded word per line here; decode the first and check it starts the subject.
  const std::string first = words.substr(10, words.find("?=") - 10);
  EXPECT_EQ(DecodeBase64(first).rfind("【紧急】诉求即将超时", 0), 0u) << DecodeBase64(first);
  const std::string body = DecodeBase64(m.substr(split + 4));
  EXPECT_NE(body.find("请于今日 17:30 前答复企业。"), std::string::npos) << body;
  EXPECT_NE(body.find("Reply to the firm by 17:30 today."), std::string::npos);
  EXPECT_NE(body.find("https://kechan.example/appeals/42"), std::string::npos);
}

TEST_F(NotifyDeliveryTest, FailingTwiceThenSucceedingDeliversExactlyOnce) {
  http_.Script("/wecom",
               {HttpAnswer{.status = 500, .body = "down"},
                HttpAnswer{.status = 200, .body = R"({"errcode":45009,"errmsg":"limit"})"}});
  AppendNotification();
  EXPECT_EQ(Tick().failed_attempts, 1);
  EXPECT_EQ(http_.SeenAt("/wecom").size(), 1u);
  Tick();  // not due yet
  EXPECT_EQ(http_.SeenAt("/wecom").size(), 1u);
  clock_.Advance(1000000);
  EXPECT_EQ(Tick().failed_attempts, 1);
  clock_.Advance(2000000);
  EXPECT_EQ(Tick().sent, 1);
  clock_.Advance(3600LL * 1000000);
  Tick();
  auto seen = http_.SeenAt("/wecom");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].answered, 500);
  EXPECT_EQ(seen[2].answered, 200);
  EXPECT_EQ(seen[0].body, seen[2].body);  // the same message each time
  auto log = service_->ListDeliveries(Operator(), DeliveryFilter{.channel = Channel::kWeCom});
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->items.size(), 1u);
  EXPECT_EQ(log->items[0].status, DeliveryStatus::kSent);
  EXPECT_EQ(log->items[0].attempts, 3);
  auto detail = service_->GetDelivery(Operator(), log->items[0].id);
  ASSERT_TRUE(detail.ok());
  ASSERT_EQ(detail->attempts.size(), 3u);
  EXPECT_EQ(detail->attempts[0].code, 500);
  EXPECT_NE(detail->attempts[1].error.find("45009"), std::string::npos);
  EXPECT_TRUE(detail->attempts[2].ok);
}

TEST_F(NotifyDeliveryTest, ARestartDoesNotResend) {
  AppendNotification();
  EXPECT_EQ(Tick().sent, 3);
  CloseAll();
  OpenAll();  // a new process over the same database
  clock_.Advance(24LL * 3600 * 1000000);
  TickReport r = Tick();
  EXPECT_EQ(r.events, 0);
  EXPECT_EQ(r.sent, 0);
  EXPECT_EQ(http_.Seen().size(), 2u);
  EXPECT_EQ(smtp_.Mails().size(), 1u);
}

TEST_F(NotifyDeliveryTest, ASlowReceiverDoesNotHoldUpTheOthers) {
  http_.Script("/ding", {HttpAnswer{.hang = true}});
  AppendNotification();
  TickReport r = Tick();
  EXPECT_EQ(r.sent, 2);             // WeCom and e-mail went through
  EXPECT_EQ(r.failed_attempts, 1);  // DingTalk timed out
  auto log = service_->ListDeliveries(Operator(), DeliveryFilter{.channel = Channel::kDingTalk});
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->items.size(), 1u);
  EXPECT_EQ(log->items[0].status, DeliveryStatus::kPending);
  EXPECT_NE(log->items[0].last_error.find("imeout"), std::string::npos) << log->items[0].last_error;
  clock_.Advance(1000000);
  EXPECT_EQ(Tick().sent, 1);  // the retry goes through
  EXPECT_EQ(http_.SeenAt("/ding").size(), 2u);
}

TEST_F(NotifyDeliveryTest, AnUnreachableSmtpServerIsRetried) {
  CloseAll();
  // Point e-mail at a port nobody listens on: connection refused, retried, logged.
  auto db = store::Open({.url = "sqlite:" + dir_ + "/kechan.db"});
  ASSERT_TRUE(db.ok());
  db_ = std::move(*db);
  auth_ = std::make_unique<auth::AuthService>(
      *db_, clock_, auth::AuthOptions{.password_cost = auth::PasswordCost::Minimum()});
  int dead_port = 0;
  {
    Listener probe([](int) {});
    dead_port = probe.port();
  }
  NotifyOptions o;
  o.smtp_url = "smtp://127.0.0.1:" + std::to_string(dead_port);
  o.smtp_tls = SmtpTls::kNone;
  o.send.timeout_ms = 1500;
  o.retry = RetryPolicy{.base_delay = 1000000, .max_delay = 60000000, .max_attempts = 2};
  service_ = NotifyService::Make(*db_, clock_, *auth_, o);
  AppendNotification();
  TickReport r = Tick();
  EXPECT_EQ(r.sent, 2);
  EXPECT_EQ(r.failed_attempts, 1);
  clock_.Advance(1000000);
  r = Tick();
  EXPECT_EQ(r.gave_up, 1);
  auto log =
      service_->ListDeliveries(Operator(), DeliveryFilter{.status = DeliveryStatus::kFailed});
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->items.size(), 1u);
  EXPECT_EQ(log->items[0].channel, Channel::kEmail);
  EXPECT_FALSE(log->items[0].last_error.empty());
}

TEST_F(NotifyDeliveryTest, EmailTargetsReceiveOneUtf8MessageForEveryAddress) {
  auto mailbox = service_->CreateTarget(
      Operator(), Target{.name = "投促局公共邮箱",
                         .channel = Channel::kEmail,
                         .addresses = {"tzj@gov.example", "duty-room@gov.example"},
                         .scope = ScopeKind::kOrg,
                         .scope_value = org_.ToString()});
  ASSERT_TRUE(mailbox.ok()) << mailbox.status();
  AppendNotification();
  TickReport r = Tick();
  EXPECT_EQ(r.deliveries_created, 4);  // the officer, the mailbox, two robots
  EXPECT_EQ(r.sent, 4);
  auto mails = smtp_.Mails();
  ASSERT_EQ(mails.size(), 2u);
  const MailSeen* to_list = nullptr;
  for (const auto& m : mails) {
    if (m.rcpt.size() == 2) to_list = &m;
  }
  ASSERT_NE(to_list, nullptr);
  EXPECT_EQ(to_list->from, "<kechan@gov.example>");
  EXPECT_EQ(to_list->rcpt,
            (std::vector<std::string>{"<tzj@gov.example>", "<duty-room@gov.example>"}));
  EXPECT_EQ(Header(to_list->data, "To"), "tzj@gov.example, duty-room@gov.example");
  EXPECT_EQ(Header(to_list->data, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(DecodedSubject(to_list->data), "【紧急】诉求即将超时：园区用电");
  const std::string body = DecodedBody(to_list->data);
  EXPECT_NE(body.find("诉求即将超时：园区用电\r\n\r\n请于今日 17:30 前答复企业。"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("Appeal nearly overdue\r\n\r\nReply to the firm by 17:30 today."),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("https://kechan.example/appeals/42"), std::string::npos);
  auto log = service_->ListDeliveries(Operator(), DeliveryFilter{.target_id = mailbox->id});
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->items.size(), 1u);
  EXPECT_EQ(log->items[0].status, DeliveryStatus::kSent);
  EXPECT_EQ(log->items[0].last_code, 250);
}

TEST_F(NotifyDeliveryTest, TestMessagesArriveAtOnceThroughTheOperatorsSmtpServer) {
  // The configuration points at a dead port; the operator's settings point at the receiver.
  CloseAll();
  int dead_port = 0;
  {
    Listener probe([](int) {});
    dead_port = probe.port();
  }
  auto db = store::Open({.url = "sqlite:" + dir_ + "/kechan.db"});
  ASSERT_TRUE(db.ok());
  db_ = std::move(*db);
  auth_ = std::make_unique<auth::AuthService>(
      *db_, clock_, auth::AuthOptions{.password_cost = auth::PasswordCost::Minimum()});
  NotifyOptions o;
  o.smtp_url = "smtp://127.0.0.1:" + std::to_string(dead_port);
  o.smtp_tls = SmtpTls::kNone;
  o.send.timeout_ms = 1500;
  o.send.connect_timeout_ms = 1000;
  service_ = NotifyService::Make(*db_, clock_, *auth_, o);
  auto set = service_->SetSmtp(Operator(), SmtpSettings{.host = "127.0.0.1",
                                                        .port = smtp_.port(),
                                                        .tls = SmtpTlsMode::kNone,
                                                        .mail_from = "notice@gov.example"});
  ASSERT_TRUE(set.ok()) << set.status();
  auto mailbox = service_->CreateTarget(Operator(), Target{.name = "坐班局长邮箱",
                                                           .channel = Channel::kEmail,
                                                           .addresses = {"director@gov.example"},
                                                           .scope = ScopeKind::kRole,
                                                           .scope_value = "duty_director"});
  ASSERT_TRUE(mailbox.ok()) << mailbox.status();
  auto sent = service_->TestTarget(Operator(), mailbox->id);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_TRUE(sent->ok) << sent->error;
  EXPECT_EQ(sent->code, 250);
  auto mails = smtp_.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].from, "<notice@gov.example>");
  EXPECT_EQ(mails[0].rcpt, std::vector<std::string>{"<director@gov.example>"});
  EXPECT_EQ(DecodedSubject(mails[0].data), "测试消息：坐班局长邮箱");
  const std::string body = DecodedBody(mails[0].data);
  EXPECT_NE(body.find("能收到平台通知"), std::string::npos) << body;
  EXPECT_NE(body.find("Test message: 坐班局长邮箱"), std::string::npos) << body;

  // A robot's test goes to its webhook at once.
  auto robots = service_->ListTargets(Operator());
  ASSERT_TRUE(robots.ok());
  const Target& wecom = robots->at(0);
  ASSERT_EQ(wecom.channel, Channel::kWeCom);
  auto robot = service_->TestTarget(Operator(), wecom.id);
  ASSERT_TRUE(robot.ok()) << robot.status();
  EXPECT_TRUE(robot->ok);
  auto seen = http_.SeenAt("/wecom");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(json::parse(seen[0].body).at("markdown").at("content").as_string().find("测试消息"),
            std::string::npos);

  // Pointed at a port nobody listens on, the test reports the failure and logs it.
  ASSERT_TRUE(service_
                  ->SetSmtp(Operator(), SmtpSettings{.host = "127.0.0.1",
                                                     .port = dead_port,
                                                     .tls = SmtpTlsMode::kNone,
                                                     .mail_from = "notice@gov.example"})
                  .ok());
  auto refused = service_->TestTarget(Operator(), mailbox->id);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_FALSE(refused->ok);
  EXPECT_FALSE(refused->error.empty());
  auto detail = service_->GetDelivery(Operator(), refused->delivery_id);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->delivery.status, DeliveryStatus::kFailed);
  ASSERT_EQ(detail->attempts.size(), 1u);
  EXPECT_FALSE(detail->attempts[0].ok);
  EXPECT_EQ(smtp_.Mails().size(), 1u);
}

}  // namespace
}  // namespace kechan::notify
