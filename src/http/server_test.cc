// Integration tests: the real server on port 0, spoken to over real sockets with a small blocking
// client (POSIX sockets + Beast's response parser).
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "http/json_body.h"
#include "http/metrics.h"

namespace kechan::http {
namespace {

namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  boost::json::object Json() const { return boost::json::parse(body).as_object(); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One client connection with a receive timeout so a broken server fails the test, not hangs it.
class Conn {
 public:
  explicit Conn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Conn() { ::close(fd_); }
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response; nullopt when the connection ends (or times out) first.
  std::optional<Reply> Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.skip(head);
    parser.body_limit(64 << 20);
    boost::beast::error_code ec;
    while (true) {
      if (!buf_.empty()) {
        size_t used = parser.put(boost::asio::buffer(buf_), ec);
        buf_.erase(0, used);
        if (ec && ec != bhttp::error::need_more) {
          return std::nullopt;
        }
        if (parser.is_done()) {
          break;
        }
        if (used > 0 && !buf_.empty()) {
          continue;
        }
      }
      char chunk[16384];
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        if (n == 0 && parser.is_header_done()) {
          parser.put_eof(ec);
          if (!ec && parser.is_done()) {
            break;
          }
        }
        return std::nullopt;
      }
      buf_.append(chunk, static_cast<size_t>(n));
    }
    Reply r;
    const auto& msg = parser.get();
    r.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      r.headers[name] = std::string(f.value());
    }
    r.body = msg.body();
    return r;
  }

  // Returns true when the server closes the connection (EOF or reset) before the receive timeout;
  // any bytes that arrive first (e.g. a 408 response) are appended to `got`.
  bool WaitClosed(std::string* got = nullptr) {
    char chunk[4096];
    while (true) {
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n == 0) {
        return true;
      }
      if (n < 0) {
        return errno == ECONNRESET;
      }
      if (got != nullptr) {
        got->append(chunk, static_cast<size_t>(n));
      }
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string RawRequest(std::string_view method, std::string_view target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       std::string_view body = {}, bool close = true) {
  std::string out = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n";
  for (const auto& [k, v] : headers) {
    out.append(k).append(": ").append(v).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (close) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

// A fake authenticator: bearer tokens "op" (operator), "ent" (enterprise), "bad" (rejected);
// cookie kechan_session=s1 is a browser session with CSRF token "tok123".
base::Result<auth::Principal> FakeAuth(const Request& req) {
  auth::Principal p;
  auto authz = req.Header("authorization");
  if (authz == "Bearer op") {
    p.user = base::UserId{1};
    p.method = auth::AuthMethod::kToken;
    p.memberships = {{base::OrgId{1}, auth::Role::kOperator}};
  } else if (authz == "Bearer ent") {
    p.user = base::UserId{2};
    p.method = auth::AuthMethod::kToken;
    p.memberships = {{base::OrgId{2}, auth::Role::kEnterprise}};
  } else if (authz.has_value()) {
    return base::Unauthenticated("auth.bad_token", "Invalid token", "令牌无效");
  } else if (req.Cookie("kechan_session") == "s1") {
    p.user = base::UserId{3};
    p.method = auth::AuthMethod::kSession;
    p.csrf_token = "tok123";
    p.memberships = {{base::OrgId{2}, auth::Role::kEnterprise}};
  }
  return p;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {}
  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      server_.reset();
    }
    if (!static_root_.empty()) {
      fs::remove_all(static_root_);
    }
  }

  Router MakeRouter() {
    Router r;
    r.Add(Method::kGet, "/api/v1/items/{id}", {.summary = "Get item", .tag = "items"},
          [](Request& req) -> base::Result<Response> {
            KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
            return Response::Json(ToJson({{"id", id}, {"lang", req.lang}}));
          });
    r.Add(Method::kPost, "/api/v1/items",
          {.summary = "Create item",
           .tag = "items",
           .access = Access::kSignedIn,
           .request_schema = R"({"type":"object"})",
           .success_status = 201},
          [](Request& req) -> base::Result<Response> {
            KECHAN_ASSIGN_OR_RETURN(boost::json::object obj, ParseJsonObject(req));
            ObjectReader reader(obj);
            std::string name = reader.String("name", {.min_len = 1, .max_len = 10});
            std::optional<int64_t> count = reader.OptionalInt("count", 0, 100);
            KECHAN_RETURN_IF_ERROR(reader.Finish());
            return Response::Json(ToJson({{"name", name}, {"count", count.value_or(0)}}), 201);
          });
    r.Add(Method::kGet, "/api/v1/admin",
          {.summary = "Operators only", .access = Access::kRoles, .roles = {auth::Role::kOperator}},
          [](Request& req) -> base::Result<Response> {
            return Response::Json(ToJson({{"user", req.principal.user.value}}));
          });
    r.Add(Method::kGet, "/api/v1/boom", {.summary = "Throws"},
          [](Request&) -> base::Result<Response> { throw std::runtime_error("secret detail 42"); });
    r.Add(Method::kGet, "/api/v1/headers", {.summary = "Sets headers"},
          [](Request&) -> base::Result<Response> {
            Response resp = Response::Json("{}");
            resp.headers.emplace_back("Set-Cookie", "a=1; HttpOnly");
            resp.headers.emplace_back("Set-Cookie", "b=2; HttpOnly");
            resp.headers.emplace_back("Cache-Control", "private, max-age=5");
            resp.headers.emplace_back("X-Evil", "x\r\nSet-Cookie: evil=1");
            resp.headers.emplace_back("X-Bad Name", "x");
            return resp;
          });
    r.Add(Method::kGet, "/api/v1/slow", {.summary = "Slow"},
          [this](Request&) -> base::Result<Response> {
            slow_started_.set_value();
            std::this_thread::sleep_for(std::chrono::milliseconds(800));
            return Response::Json(R"({"slow":true})");
          });
    return r;
  }

  void Start(ServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    options.metrics = &metrics_;
    if (options.body_limit == (1 << 20)) {
      options.body_limit = 1024;
    }
    if (options.header_limit == (16 << 10)) {
      options.header_limit = 4096;
    }
    auto server = Server::Open(options, MakeRouter(), &FakeAuth);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  std::optional<Reply> Do(const std::string& raw, bool head = false) {
    Conn c(port_);
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(raw));
    return c.Read(head);
  }
  Reply Get(const std::string& target,
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    auto r = Do(RawRequest("GET", target, headers));
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(Reply{});
  }
  Reply Post(const std::string& target, const std::string& body,
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    auto r = Do(RawRequest("POST", target, headers, body));
    EXPECT_TRUE(r.has_value()) << target;
    return r.value_or(Reply{});
  }

  // Checks the problem+json shape and returns the body.
  static boost::json::object Problem(const Reply& r, int status, std::string_view reason,
                                     std::optional<std::string_view> field = std::nullopt) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
    auto body = boost::json::parse(r.body).as_object();
    EXPECT_EQ(body.at("status"), status);
    EXPECT_EQ(boost::json::serialize(body.at("reason")), "\"" + std::string(reason) + "\"")
        << r.body;
    if (field.has_value()) {
      EXPECT_EQ(boost::json::serialize(body.at("field")), "\"" + std::string(*field) + "\"")
          << r.body;
    }
    EXPECT_TRUE(body.at("message").as_object().contains("zh-CN"));
    EXPECT_TRUE(body.at("message").as_object().contains("en"));
    EXPECT_EQ(boost::json::value_to<std::string>(body.at("request_id")), r.Header("x-request-id"));
    return body;
  }

  Metrics metrics_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  std::promise<void> slow_started_;
  fs::path static_root_;
};

TEST_F(ServerTest, HealthzAnswersOkWithSecurityHeaders) {
  Start();
  Reply r = Get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.Header("x-frame-options"), "DENY");
  EXPECT_FALSE(r.Header("referrer-policy").empty());
  EXPECT_EQ(r.Header("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.Header("x-request-id").size(), 32u);
  EXPECT_EQ(Get("/healthz", {{"X-Request-Id", "abc-123"}}).Header("x-request-id"), "abc-123");
  // An unusable request id is replaced, not echoed.
  EXPECT_NE(Get("/healthz", {{"X-Request-Id", "a b\"<>"}}).Header("x-request-id"), "a b\"<>");
}

TEST_F(ServerTest, RoutesWithParamsAndLanguage) {
  Start();
  Reply r = Get("/api/v1/items/42", {{"Accept-Language", "en-US,en;q=0.9"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json().at("id"), 42);
  EXPECT_EQ(r.Json().at("lang"), "en");
  EXPECT_EQ(Get("/api/v1/items/7").Json().at("lang"), "zh-CN");
}

TEST_F(ServerTest, BadIdIs400NamingTheParam) {
  Start();
  for (const char* id : {"abc", "0", "99999999999999999999"}) {
    Problem(Get(std::string("/api/v1/items/") + id), 400, "path.invalid_id", "id");
  }
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Start();
  Problem(Get("/api/v1/nothing"), 404, "http.not_found", "path");
  Reply r = *Do(RawRequest("DELETE", "/api/v1/items/1"));
  Problem(r, 405, "http.method_not_allowed");
  EXPECT_EQ(r.Header("allow"), "GET, HEAD, OPTIONS");
  auto trace =
      Problem(*Do(RawRequest("TRACE", "/healthz")), 501, "http.method_not_implemented", "method");
  EXPECT_EQ(trace.at("message").at("en"), "The method is not supported");
  Reply options = *Do(RawRequest("OPTIONS", "/api/v1/items"));
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.Header("allow"), "POST, OPTIONS");
}

TEST_F(ServerTest, HeadAnswersGetRoutesWithoutBody) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(c.Send(RawRequest("HEAD", "/healthz", {}, {}, /*close=*/false)));
  auto head = c.Read(/*head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), "15");
  EXPECT_TRUE(head->body.empty());
  // The connection is still in sync: the next response parses.
  ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz")));
  auto get = c.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->body, R"({"status":"ok"})");
}

TEST_F(ServerTest, KeepAliveServesSeveralAndPipelinedRequests) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(c.Send(RawRequest("GET", "/api/v1/items/1", {}, {}, false) +
                     RawRequest("GET", "/api/v1/items/2", {}, {}, false)));
  auto a = c.Read();
  auto b = c.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->Json().at("id"), 1);
  EXPECT_EQ(b->Json().at("id"), 2);
  ASSERT_TRUE(c.Send(RawRequest("GET", "/api/v1/items/3")));
  auto d = c.Read();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->Json().at("id"), 3);
  EXPECT_TRUE(c.WaitClosed());  // "Connection: close" was honoured
}

TEST_F(ServerTest, JsonBodyErrorsAreProblems) {
  Start();
  std::vector<std::pair<std::string, std::string>> op = {{"Authorization", "Bearer op"}};
  EXPECT_EQ(Post("/api/v1/items", R"({"name":"ok","count":3})", op).status, 201);
  Problem(Post("/api/v1/items", R"({"name":)", op), 400, "json.malformed", "body");
  Problem(Post("/api/v1/items", R"({"name":12})", op), 400, "json.type", "name");
  Problem(Post("/api/v1/items", R"({"count":1})", op), 400, "json.required", "name");
  Problem(Post("/api/v1/items", R"({"name":"a","admin":true})", op), 400, "json.unknown_field",
          "admin");
  Problem(Post("/api/v1/items", R"({"name":"12345678901"})", op), 400, "json.too_long", "name");
  Problem(Post("/api/v1/items", std::string("{\"name\":\"\xff\xfe\"}"), op), 400, "json.malformed",
          "body");
  Problem(Post("/api/v1/items", R"([1])", op), 400, "json.not_object", "body");
  auto body = Problem(Post("/api/v1/items", R"({"name":12})",
                           {{"Authorization", "Bearer op"}, {"Accept-Language", "en"}}),
                      400, "json.type", "name");
  EXPECT_EQ(body.at("detail"), body.at("message").at("en"));
}

TEST_F(ServerTest, HandlerHeadersAreKeptButCannotSplitTheResponse) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(c.Send(RawRequest("GET", "/api/v1/headers")));
  std::string raw;
  EXPECT_TRUE(c.WaitClosed(&raw));
  EXPECT_NE(raw.find("\r\nSet-Cookie: a=1; HttpOnly\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nSet-Cookie: b=2; HttpOnly\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nCache-Control: private, max-age=5\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("no-store"), std::string::npos) << raw;  // the handler's choice wins
  EXPECT_EQ(raw.find("evil"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("X-Bad"), std::string::npos) << raw;
}

TEST_F(ServerTest, BodyArrivingInPiecesIsRead) {
  Start();
  Conn c(port_);
  std::string body = R"({"name":"pieces"})";
  ASSERT_TRUE(c.Send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer op\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // not asserted: splits the reads
  ASSERT_TRUE(c.Send("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(c.Send(body.substr(0, 5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(c.Send(body.substr(5)));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->Json().at("name"), "pieces");
}

TEST_F(ServerTest, ExpectContinueGets100BeforeTheBody) {
  Start();
  Conn c(port_);
  std::string body = R"({"name":"later"})";
  ASSERT_TRUE(
      c.Send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer op\r\n"
             "Expect: 100-continue\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = c.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send(body));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->Json().at("name"), "later");
}

TEST_F(ServerTest, OversizeBodyIs413) {
  Start();
  Conn c(port_);
  std::string head =
      "POST /api/v1/items HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer op\r\n"
      "Content-Length: 4096\r\n\r\n";
  ASSERT_TRUE(c.Send(head + std::string(512, 'x')));  // the rest never comes
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  Problem(*r, 413, "http.body_too_large", "body");
  EXPECT_EQ(r->Header("connection"), "close");
}

TEST_F(ServerTest, OversizeChunkedBodyIs413) {
  Start();
  Conn c(port_);
  std::string chunk = std::string(2000, 'x');
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", chunk.size());
  std::string req =
      "POST /api/v1/items HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer op\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      std::string(size) + "\r\n" + chunk + "\r\n0\r\n\r\n";
  ASSERT_TRUE(c.Send(req));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  Problem(*r, 413, "http.body_too_large");
}

TEST_F(ServerTest, OversizeHeaderIs431) {
  Start();
  Conn c(port_);
  ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz", {{"X-Big", std::string(8000, 'a')}})));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  Problem(*r, 431, "http.header_too_large");
}

TEST_F(ServerTest, BadPercentEncodingNamesPathOrQuery) {
  Start();
  Problem(Get("/api/v1/items/%zz"), 400, "url.bad_path", "path");
  Problem(Get("/api/v1/items/1?q=%zz"), 400, "url.bad_query", "query");
}

TEST_F(ServerTest, RolesGive401And403) {
  Start();
  Problem(Get("/api/v1/admin"), 401, "auth.required");
  Problem(Get("/api/v1/admin", {{"Authorization", "Bearer ent"}}), 403, "auth.role_required");
  Problem(Get("/api/v1/admin", {{"Authorization", "Bearer bad"}}), 401, "auth.bad_token");
  Reply ok = Get("/api/v1/admin", {{"Authorization", "Bearer op"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Json().at("user"), 1);
  Problem(Post("/api/v1/items", R"({"name":"x"})"), 401, "auth.required");
}

TEST_F(ServerTest, CsrfIsRequiredForSessionWrites) {
  Start();
  std::pair<std::string, std::string> cookie = {"Cookie", "kechan_session=s1"};
  Problem(Post("/api/v1/items", R"({"name":"x"})", {cookie}), 403, "csrf.missing");
  Problem(Post("/api/v1/items", R"({"name":"x"})", {cookie, {"X-CSRF-Token", "tok12"}}), 403,
          "csrf.mismatch");
  Problem(Post("/api/v1/items", R"({"name":"x"})", {cookie, {"X-CSRF-Token", "tok1234"}}), 403,
          "csrf.mismatch");
  EXPECT_EQ(Post("/api/v1/items", R"({"name":"x"})", {cookie, {"X-CSRF-Token", "tok123"}}).status,
            201);
  // Reads need no token; bearer tokens are not subject to CSRF.
  EXPECT_EQ(Get("/api/v1/items/1", {cookie}).status, 200);
  EXPECT_EQ(Post("/api/v1/items", R"({"name":"x"})", {{"Authorization", "Bearer ent"}}).status,
            201);
}

TEST_F(ServerTest, HandlerExceptionIs500WithoutDetails) {
  Start();
  Reply r = Get("/api/v1/boom");
  auto body = Problem(r, 500, "internal");
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
  EXPECT_EQ(body.at("code"), "internal");
  // The server keeps serving.
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, MetricsCountRequestsByRoutePattern) {
  Start();
  Get("/healthz");
  Get("/healthz");
  Get("/api/v1/items/5");
  Get("/api/v1/items/6");
  Get("/api/v1/nothing/here");
  Reply m = Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& t = m.body;
  EXPECT_NE(t.find("http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("http_requests_total{method=\"GET\",route=\"/api/v1/items/{id}\","
                   "status=\"200\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("route=\"unmatched\",status=\"404\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/items/"
                   "{id}\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_EQ(t.find("/api/v1/items/5"), std::string::npos);  // no raw paths as labels
  EXPECT_NE(t.find("# TYPE http_in_flight_requests gauge\nhttp_in_flight_requests 1\n"),
            std::string::npos)
      << t;  // the /metrics request itself; the others were counted before their responses
  EXPECT_NE(t.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(t.find("\nprocess_start_time_seconds "), std::string::npos);
}

TEST_F(ServerTest, OpenApiListsExactlyTheRoutes) {
  Start();
  Reply r = Get("/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  auto doc = r.Json();
  std::set<std::pair<std::string, std::string>> in_doc;
  for (const auto& path : doc.at("paths").as_object()) {
    for (const auto& op : path.value().as_object()) {
      in_doc.emplace(std::string(path.key()), std::string(op.key()));
    }
  }
  std::set<std::pair<std::string, std::string>> expected;
  Router router = MakeRouter();
  for (const Route& route : router.routes()) {
    std::string m = MethodName(route.method);
    for (char& c : m) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    expected.emplace(route.pattern, m);
  }
  expected.emplace("/healthz", "get");
  expected.emplace("/metrics", "get");
  expected.emplace("/api/v1/openapi.json", "get");
  EXPECT_EQ(in_doc, expected);
}

class StaticServerTest : public ServerTest {
 protected:
  void StartWithStatic() {
    static_root_ = fs::temp_directory_path() / ("kechan_http_static_" + std::to_string(getpid()));
    fs::remove_all(static_root_);
    fs::create_directories(static_root_ / "dist" / "assets");
    std::ofstream(static_root_ / "dist" / "index.html") << "<!doctype html>SPA";
    std::ofstream(static_root_ / "dist" / "assets" / "app-1.js") << "let a=1";
    std::ofstream(static_root_ / "secret.txt") << "top secret";
    ServerOptions options;
    options.static_dir = (static_root_ / "dist").string();
    Start(options);
  }
};

TEST_F(StaticServerTest, ServesFilesSpaFallbackAndRejectsTraversal) {
  StartWithStatic();
  Reply index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html>SPA");
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.Header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_NE(index.Header("content-security-policy").find("frame-ancestors 'none'"),
            std::string::npos);
  Reply js = Get("/assets/app-1.js");
  EXPECT_EQ(js.body, "let a=1");
  EXPECT_EQ(js.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js.Header("cache-control").find("immutable"), std::string::npos);
  EXPECT_EQ(Get("/assets/app-1.js", {{"If-None-Match", js.Header("etag")}}).status, 304);
  EXPECT_EQ(Get("/chains/3/appeals").body, "<!doctype html>SPA");
  // API paths never fall back to the SPA.
  Problem(Get("/api/v1/nothing"), 404, "http.not_found");
  for (const char* attack : {"/%2e%2e/secret.txt", "/assets/%2E%2E/%2e%2e/secret.txt",
                             "/..%2fsecret.txt", "/../secret.txt"}) {
    Reply r = Get(attack);
    EXPECT_EQ(r.status, 400) << attack;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << attack;
  }
  Reply post = Post("/index.html", "x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("allow"), "GET, HEAD");
}

TEST_F(ServerTest, SlowClientIsDisconnectedAfterReadTimeout) {
  ServerOptions options;
  options.read_timeout_ms = 300;
  Start(options);
  Conn c(port_);
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: t\r\n"));  // half a header, then silence
  std::string got;
  EXPECT_TRUE(c.WaitClosed(&got));
  EXPECT_TRUE(got.empty() || got.starts_with("HTTP/1.1 408")) << got;
  // A client that connects and sends nothing is dropped as well.
  Conn silent(port_);
  EXPECT_TRUE(silent.WaitClosed());
}

TEST_F(ServerTest, IdleKeepAliveIsClosed) {
  ServerOptions options;
  options.idle_timeout_ms = 300;
  Start(options);
  Conn c(port_);
  ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz", {}, {}, /*close=*/false)));
  ASSERT_TRUE(c.Read().has_value());
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, GracefulShutdownLetsInFlightRequestFinish) {
  Start();
  auto client = std::async(std::launch::async, [this] {
    return Do(RawRequest("GET", "/api/v1/slow", {}, {}, /*close=*/false));
  });
  slow_started_.get_future().wait();
  server_->Shutdown();
  auto r = client.get();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"slow":true})");
  EXPECT_EQ(r->Header("connection"), "close");
  server_->Wait();  // already done: returns
  Conn after(port_);
  EXPECT_FALSE(after.connected());
}

TEST_F(ServerTest, ShutdownClosesIdleKeepAliveConnections) {
  ServerOptions options;
  options.shutdown_grace_ms = 60000;  // would hang the test if idle connections were waited for
  Start(options);
  Conn idle(port_);
  ASSERT_TRUE(idle.Send(RawRequest("GET", "/healthz", {}, {}, /*close=*/false)));
  ASSERT_TRUE(idle.Read().has_value());
  Conn never_sent(port_);
  ASSERT_TRUE(never_sent.connected());
  auto done = std::async(std::launch::async, [this] { server_->Shutdown(); });
  EXPECT_TRUE(idle.WaitClosed());
  EXPECT_TRUE(never_sent.WaitClosed());
  EXPECT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
}

TEST_F(ServerTest, SigtermShutsDownFromAWorkerThread) {
  Start();
  EXPECT_EQ(Get("/healthz").status, 200);
  // The signal handler runs on a worker thread; Shutdown() there hands off to a thread of its own
  // (a worker cannot join itself) and Wait() returns once it is done.
  server_->ShutdownOnSignals();
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  server_->Wait();
  Conn after(port_);
  EXPECT_FALSE(after.connected());
}

TEST(ServerOpenTest, RejectsBadOptions) {
  auto bad_threads = Server::Open({.threads = 0}, Router(), nullptr);
  ASSERT_FALSE(bad_threads.ok());
  EXPECT_EQ(bad_threads.status().field(), "threads");
  auto bad_static = Server::Open({.static_dir = "/nonexistent/kechan"}, Router(), nullptr);
  ASSERT_FALSE(bad_static.ok());
  EXPECT_EQ(bad_static.status().field(), "static_dir");
  Metrics m;
  auto bad_listen = Server::Open({.listen = "nohost:abc", .metrics = &m}, Router(), nullptr);
  ASSERT_TRUE(bad_listen.ok());
  base::Status st = (*bad_listen)->Start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.field(), "listen");
}

}  // namespace
}  // namespace kechan::http
