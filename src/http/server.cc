#include "http/server.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/log.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "http/problem.h"
#include "http/static_files.h"

namespace kechan::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using BeastRequest = bhttp::request<bhttp::string_body>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Content-Security-Policy for the Vite-built SPA (static files, index.html): scripts and styles
// come from our own origin (Vite emits files, no inline script); Element Plus sets inline style
// attributes, ECharts draws on canvas and may use data:/blob: images; nothing may frame us.
constexpr const char* kSpaCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' "
    "blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
// API responses are never documents: allow nothing (the OWASP REST recommendation).
constexpr const char* kApiCsp = "default-src 'none'; frame-ancestors 'none'";

std::string GenerateRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng();
  uint64_t b = rng();
  std::string id(32, '0');
  for (size_t i = 0; i < 16; ++i) {
    id[i] = kHex[(a >> (i * 4)) & 0xF];
    id[16 + i] = kHex[(b >> (i * 4)) & 0xF];
  }
  return id;
}

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::optional<Method> MethodFromVerb(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
    case bhttp::verb::head:  // routed like GET, answered without a body
      return Method::kGet;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    default:
      return std::nullopt;
  }
}

std::string AllowHeader(const std::vector<Method>& methods) {
  std::string allow;
  bool get = false;
  for (Method m : methods) {
    if (!allow.empty()) {
      allow += ", ";
    }
    allow += MethodName(m);
    get = get || m == Method::kGet;
  }
  if (get) {
    allow += ", HEAD";
  }
  allow += allow.empty() ? "OPTIONS" : ", OPTIONS";
  return allow;
}

bool IsApiPath(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

// Outcome of one request, for the response and the log line.
struct Outcome {
  Response response;
  std::string request_id;
  std::string lang = "zh-CN";
  std::string path;
  std::string route = "unmatched";  // route pattern, "static" or "unmatched" (metrics label)
  int64_t user = 0;
  bool head = false;
  bool is_static = false;
  size_t bytes = 0;  // body bytes sent
};

// One accepted connection; shared by its session coroutine and Shutdown (which closes idle ones
// on the connection's strand).
struct Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  bool idle = true;  // waiting for the first byte of a request; only touched on the strand
  uint64_t id = 0;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, Authenticator authenticator)
      : options_(std::move(options)),
        authenticator_(std::move(authenticator)),
        metrics_(options_.metrics != nullptr ? options_.metrics : &Metrics::Default()),
        ioc_(options_.threads),
        acceptor_(asio::make_strand(ioc_)),
        signals_(asio::make_strand(ioc_)) {}

  ~ServerImpl() override {
    Shutdown();
    std::lock_guard lock(shutdown_mu_);
    if (shutdown_thread_.joinable()) {
      shutdown_thread_.join();
    }
  }

  base::Status Init(Router router) {
    router_ = std::move(router);
    if (!options_.static_dir.empty()) {
      auto files = StaticFiles::Open(options_.static_dir);
      if (!files.ok()) {
        return files.status();
      }
      static_.emplace(std::move(files).value());
    }
    in_flight_ = &metrics_->GetGauge("http_in_flight_requests", "HTTP requests being served.");
    RegisterProcessMetrics(*metrics_);
    AddBuiltinRoutes();
    auto doc = OpenApiDocument(router_, OpenApiInfo{.title = options_.api_title,
                                                    .version = options_.version,
                                                    .session_cookie = options_.session_cookie});
    if (!doc.ok()) {
      return doc.status();
    }
    openapi_ = std::move(doc).value();
    return base::Status::Ok();
  }

  base::Status Start() override {
    auto bad_listen = [this](const std::string& why) {
      return base::InvalidArgument("listen", "http.bad_listen",
                                   "Cannot listen on \"" + options_.listen + "\": " + why,
                                   "无法监听 \"" + options_.listen + "\"：" + why);
    };
    size_t colon = options_.listen.rfind(':');
    if (colon == std::string::npos) {
      return bad_listen("expected ADDR:PORT");
    }
    std::string host = options_.listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    int port = 0;
    try {
      size_t used = 0;
      port = std::stoi(options_.listen.substr(colon + 1), &used);
      if (used != options_.listen.size() - colon - 1 || port < 0 || port > 65535) {
        return bad_listen("bad port");
      }
    } catch (const std::exception&) {
      return bad_listen("bad port");
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      return bad_listen("bad address");
    }
    tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return bad_listen(ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), [](const std::exception_ptr& e) {
      if (e) {
        LogException("http.accept_loop_failed", "", e);
      }
    });
    {
      std::lock_guard lock(shutdown_mu_);
      started_ = true;
    }
    for (int i = 0; i < options_.threads; ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    base::Log(base::LogLevel::kInfo, "http.listening",
              {{"address", address.to_string()}, {"port", static_cast<int>(port_)}});
    return base::Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void Shutdown() override {
    const bool worker = ioc_.get_executor().running_in_this_thread();
    bool run_here = false;
    {
      std::lock_guard lock(shutdown_mu_);
      if (!shutdown_started_) {
        shutdown_started_ = true;
        if (worker) {
          // A worker cannot wait for itself: hand the shutdown to a thread of its own.
          shutdown_thread_ = std::thread([this] { DoShutdown(); });
          return;
        }
        run_here = true;
      } else if (worker) {
        return;
      }
    }
    if (run_here) {
      DoShutdown();
    }
    Wait();
  }

  void Wait() override {
    std::unique_lock lock(shutdown_mu_);
    if (!started_ && !shutdown_started_) {
      return;
    }
    shutdown_cv_.wait(lock, [this] { return shutdown_done_; });
  }

  void ShutdownOnSignals() override {
    beast::error_code ec;
    signals_.add(SIGINT, ec);
    signals_.add(SIGTERM, ec);
    signals_.async_wait([this](const beast::error_code& wait_ec, int signal) {
      if (!wait_ec) {
        base::Log(base::LogLevel::kInfo, "http.signal", {{"signal", signal}});
        Shutdown();
      }
    });
  }

 private:
  void DoShutdown() {
    stopping_ = true;
    auto deadline = Clock::now() + std::chrono::milliseconds(options_.shutdown_grace_ms);
    // Stop accepting first (on the acceptor's strand), and wait for that to happen.
    auto closed = std::make_shared<std::promise<void>>();
    std::future<void> acceptor_closed = closed->get_future();
    asio::post(acceptor_.get_executor(), [this, closed] {
      beast::error_code ec;
      acceptor_.close(ec);
      closed->set_value();
    });
    if (!threads_.empty()) {
      acceptor_closed.wait_until(deadline);
    }
    asio::post(signals_.get_executor(), [this] {
      beast::error_code ec;
      signals_.cancel(ec);
    });
    {
      std::unique_lock lock(conn_mu_);
      for (auto& [id, conn] : conns_) {
        asio::post(conn->stream.get_executor(), [conn = conn] {
          if (conn->idle) {
            beast::error_code ec;
            conn->stream.socket().close(ec);
          }
        });
      }
      conn_cv_.wait_until(lock, deadline, [this] { return conns_.empty(); });
      if (!conns_.empty()) {
        base::Log(base::LogLevel::kWarn, "http.shutdown_grace_expired",
                  {{"open_connections", static_cast<uint64_t>(conns_.size())}});
      }
    }
    ioc_.stop();
    for (auto& t : threads_) {
      t.join();
    }
    threads_.clear();
    {
      // No worker runs any more: close what is left from this thread.
      beast::error_code ec;
      acceptor_.close(ec);
      std::lock_guard lock(conn_mu_);
      for (auto& [id, conn] : conns_) {
        conn->stream.socket().close(ec);
      }
    }
    base::Log(base::LogLevel::kInfo, "http.stopped");
    std::lock_guard lock(shutdown_mu_);
    shutdown_done_ = true;
    shutdown_cv_.notify_all();
  }

  static void LogException(std::string_view event, std::string_view request_id,
                           std::exception_ptr e) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(std::move(e));
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    base::Log(base::LogLevel::kError, event, {{"request_id", request_id}, {"error", what}});
  }

  void AddBuiltinRoutes() {
    router_.Add(
        Method::kGet, "/healthz",
        RouteSpec{.summary = "Liveness check",
                  .summary_zh = "存活检查",
                  .tag = "system",
                  .response_schema = R"({"type":"object","required":["status"],)"
                                     R"("properties":{"status":{"type":"string",)"
                                     R"("enum":["ok"]}}})"},
        [](Request&) -> base::Result<Response> { return Response::Json(R"({"status":"ok"})"); });
    router_.Add(Method::kGet, "/metrics",
                RouteSpec{.summary = "Prometheus metrics (text exposition 0.0.4)",
                          .summary_zh = "Prometheus 监控指标",
                          .tag = "system",
                          .access = options_.metrics_public ? Access::kPublic : Access::kRoles,
                          .roles = {auth::Role::kOperator}},
                [this](Request&) -> base::Result<Response> {
                  Response r;
                  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                  r.body = metrics_->Render();
                  return r;
                });
    router_.Add(Method::kGet, "/api/v1/openapi.json",
                RouteSpec{.summary = "This API's OpenAPI 3.0.3 document",
                          .summary_zh = "本接口的 OpenAPI 3.0.3 文档",
                          .tag = "system",
                          .response_schema = R"({"type":"object"})"},
                [this](Request&) -> base::Result<Response> { return Response::Json(openapi_); });
  }

  asio::awaitable<void> AcceptLoop() {
    while (true) {
      tcp::socket socket(asio::make_strand(ioc_));
      auto [ec] = co_await acceptor_.async_accept(socket, kTuple);
      if (ec) {
        if (stopping_ || !acceptor_.is_open() || ec == asio::error::operation_aborted) {
          co_return;
        }
        // EMFILE and friends: back off instead of spinning.
        asio::steady_timer timer(acceptor_.get_executor(), std::chrono::milliseconds(50));
        co_await timer.async_wait(kTuple);
        continue;
      }
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto conn = std::make_shared<Connection>(std::move(socket));
      {
        std::lock_guard lock(conn_mu_);
        if (stopping_) {
          conn->stream.socket().close(ignored);
          continue;
        }
        conn->id = ++next_conn_id_;
        conns_.emplace(conn->id, conn);
      }
      asio::co_spawn(conn->stream.get_executor(), Session(conn),
                     [this, conn](const std::exception_ptr& e) {
                       if (e) {
                         LogException("http.session_failed", "", e);
                       }
                       std::lock_guard lock(conn_mu_);
                       conns_.erase(conn->id);
                       conn_cv_.notify_all();
                     });
    }
  }

  // Reads what the client still sends (for a short while) after an error response, so closing
  // does not reset the connection before the client has read the response.
  static asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> discard;
    size_t total = 0;
    while (total < (8u << 20)) {
      auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(discard), kTuple);
      if (read_ec) {
        break;
      }
      total += n;
    }
    stream.socket().close(ec);
  }

  asio::awaitable<void> Session(std::shared_ptr<Connection> conn) {
    beast::tcp_stream& stream = conn->stream;
    beast::flat_buffer buffer;
    std::string remote;
    {
      beast::error_code ec;
      auto ep = stream.socket().remote_endpoint(ec);
      if (!ec) {
        remote = ep.address().to_string();
      }
    }
    const auto read_timeout = std::chrono::milliseconds(options_.read_timeout_ms);
    const auto accepted_at = Clock::now();
    bool first = true;
    while (true) {
      // Wait for the first byte of the next request: the idle phase Shutdown may cut short.
      if (buffer.size() == 0) {
        conn->idle = true;
        if (stopping_) {
          break;
        }
        stream.expires_after(first ? read_timeout
                                   : std::chrono::milliseconds(options_.idle_timeout_ms));
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(8192), kTuple);
        if (ec) {
          break;  // closed, idle/slow timeout or shut down: nothing to answer
        }
        buffer.commit(n);
      }
      conn->idle = false;
      const auto read_deadline = first ? accepted_at + read_timeout : Clock::now() + read_timeout;
      first = false;

      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(
          std::min<size_t>(options_.header_limit, std::numeric_limits<uint32_t>::max())));
      parser.body_limit(options_.body_limit);
      // Fast path: most requests arrive whole in the first read; parse them without another
      // asynchronous operation.
      beast::error_code ec;
      while (buffer.size() > 0 && !parser.is_done()) {
        size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == bhttp::error::need_more) {
          ec = {};
          break;
        }
        if (ec || used == 0) {
          break;
        }
      }
      if (!ec && !parser.is_done()) {
        stream.expires_at(read_deadline);  // the rest must arrive by then
      }
      if (!ec && !parser.is_header_done()) {
        std::tie(ec, std::ignore) =
            co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
      }
      if (!ec && !parser.is_done()) {
        if (buffer.size() == 0 &&
            beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          std::tie(ec, std::ignore) =
              co_await asio::async_write(stream, asio::buffer(kContinue), kTuple);
        }
        if (!ec) {
          std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buffer, parser, kTuple);
        }
      }
      if (ec) {
        co_await ReadFailed(conn, parser, ec, remote);
        co_return;
      }

      const auto start = Clock::now();
      in_flight_->Add(1);
      BeastRequest breq = parser.release();
      Outcome out = Handle(breq, remote);
      bool keep_alive = breq.keep_alive() && !stopping_;
      std::string head = WireHead(out, breq.version(), keep_alive);
      // Counted before the write, so a client holding a response also sees it in /metrics.
      in_flight_->Add(-1);
      Record(std::string(breq.method_string()), out, start, remote);
      stream.expires_after(std::chrono::milliseconds(options_.write_timeout_ms));
      beast::error_code write_ec = co_await WriteResponse(stream, head, out);
      if (write_ec) {
        co_return;
      }
      if (!keep_alive) {
        break;
      }
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
  }

  // Answers a request that could not be read (too large, malformed, too slow) and closes.
  asio::awaitable<void> ReadFailed(std::shared_ptr<Connection> conn,
                                   bhttp::request_parser<bhttp::string_body>& parser,
                                   beast::error_code ec, const std::string& remote) {
    beast::tcp_stream& stream = conn->stream;
    int status = 0;
    base::Status problem;
    if (ec == bhttp::error::header_limit) {
      status = 431;
      problem = base::Status(base::Code::kResourceExhausted, "http.header_too_large",
                             "The request headers are too large", "请求头过大", "headers");
    } else if (ec == bhttp::error::body_limit) {
      status = 413;
      problem = base::Status(
          base::Code::kResourceExhausted, "http.body_too_large",
          "The request body is larger than " + std::to_string(options_.body_limit) + " bytes",
          "请求体超过 " + std::to_string(options_.body_limit) + " 字节", "body");
    } else if (ec == beast::error::timeout) {
      status = 408;
      problem = base::Status(base::Code::kResourceExhausted, "http.request_timeout",
                             "The request did not arrive in time", "请求超时", "");
    } else if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
               ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
               ec == bhttp::error::partial_message) {
      beast::error_code ignored;
      stream.socket().close(ignored);
      co_return;
    } else {
      status = 400;
      problem = base::Status(base::Code::kInvalidArgument, "http.bad_request",
                             "The request is not valid HTTP/1.1", "请求不是有效的 HTTP/1.1", "");
    }
    Outcome out;
    out.request_id = GenerateRequestId();
    std::string method = "-";
    if (parser.is_header_done()) {
      const auto& h = parser.get();
      if (auto id = h["X-Request-Id"]; ValidRequestId(id)) {
        out.request_id = std::string(id);
      }
      out.lang = LanguageFromAcceptLanguage(h[bhttp::field::accept_language]);
      method = std::string(h.method_string());
      std::string_view target = h.target();
      out.path = std::string(target.substr(0, target.find('?')));
    }
    Request req;
    req.request_id = out.request_id;
    req.lang = out.lang;
    out.response = ProblemResponseWithHttpStatus(status, problem, &req);
    std::string head = WireHead(out, 11, /*keep_alive=*/false);
    Record(method, out, Clock::now(), remote);
    stream.expires_after(std::chrono::seconds(2));
    co_await WriteResponse(stream, head, out);
    co_await LingeringClose(stream);
  }

  Outcome Handle(BeastRequest& breq, const std::string& remote) {
    Outcome out;
    Request req;
    req.remote_addr = remote;
    req.headers.reserve(16);
    for (const auto& field : breq) {
      std::string name(field.name_string());
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    auto id = req.Header("x-request-id");
    req.request_id = id && ValidRequestId(*id) ? std::string(*id) : GenerateRequestId();
    req.lang = LanguageFromAcceptLanguage(req.Header("accept-language").value_or(""));
    out.request_id = req.request_id;
    out.lang = req.lang;
    out.head = breq.method() == bhttp::verb::head;

    std::string_view target = breq.target();
    out.path = std::string(target.substr(0, target.find('?')));
    if (base::Status st = ParseTarget(target, req); !st.ok()) {
      out.response = ProblemResponse(st, &req);
      return out;
    }
    out.path = req.path;

    std::optional<Method> method = MethodFromVerb(breq.method());
    const bool options = breq.method() == bhttp::verb::options;
    if (!method && !options) {
      out.response = ProblemResponseWithHttpStatus(
          501,
          base::Status(base::Code::kInvalidArgument, "http.method_not_implemented",
                       "The method is not supported", "不支持该请求方法", "method"),
          &req);
      return out;
    }
    req.method = method.value_or(Method::kGet);
    req.body = std::move(breq.body());

    Router::Match match = router_.Find(req.method, req.path, req.path_params);
    if (options) {
      Router::Match any = router_.Find(Method::kGet, req.path, req.path_params);
      if (any.route != nullptr || any.path_known) {
        std::vector<Method> allowed = any.allowed;
        if (any.route != nullptr) {
          for (size_t m = 0; m < 5; ++m) {
            std::map<std::string, std::string> ignored;
            auto found = router_.Find(static_cast<Method>(m), req.path, ignored);
            if (found.route != nullptr) {
              allowed.push_back(static_cast<Method>(m));
            }
          }
        }
        out.response = Response::NoContent();
        out.response.headers.emplace_back("Allow", AllowHeader(allowed));
        out.route = any.route != nullptr ? any.route->pattern : "unmatched";
        return out;
      }
      out.response = NotFound(req);
      return out;
    }
    if (match.route == nullptr) {
      if (match.path_known) {
        out.response = ProblemResponseWithHttpStatus(
            405,
            base::Status(base::Code::kInvalidArgument, "http.method_not_allowed",
                         std::string("Method ") + MethodName(req.method) + " is not allowed here",
                         std::string("此路径不支持 ") + MethodName(req.method) + " 方法", "method"),
            &req);
        out.response.headers.emplace_back("Allow", AllowHeader(match.allowed));
      } else if (static_ && !IsApiPath(req.path)) {
        out.route = "static";
        out.is_static = true;
        if (req.method == Method::kGet) {
          out.response = static_->Serve(req);
        } else {
          out.response = ProblemResponseWithHttpStatus(
              405,
              base::Status(base::Code::kInvalidArgument, "http.method_not_allowed",
                           "Only GET and HEAD are allowed for static files",
                           "静态文件只支持 GET 和 HEAD 方法", "method"),
              &req);
          out.response.headers.emplace_back("Allow", "GET, HEAD");
        }
      } else {
        out.response = NotFound(req);
      }
      return out;
    }

    const Route& route = *match.route;
    out.route = route.pattern;
    try {
      if (authenticator_) {
        base::Result<auth::Principal> principal = authenticator_(req);
        if (!principal.ok()) {
          out.response = ProblemResponse(principal.status(), &req);
          return out;
        }
        req.principal = std::move(principal).value();
      }
      out.user = req.principal.signed_in() ? req.principal.user.value : 0;
      if (base::Status st = CheckAccess(route.spec, req); !st.ok()) {
        out.response = ProblemResponse(st, &req);
        return out;
      }
      base::Result<Response> result = route.handler(req);
      out.response =
          result.ok() ? std::move(result).value() : ProblemResponse(result.status(), &req);
    } catch (const std::exception& e) {
      out.response =
          ProblemResponse(base::Internal("http.handler_exception",
                                         std::string("exception in ") + MethodName(route.method) +
                                             " " + route.pattern + ": " + e.what()),
                          &req);
    } catch (...) {
      out.response =
          ProblemResponse(base::Internal("http.handler_exception",
                                         std::string("unknown exception in ") +
                                             MethodName(route.method) + " " + route.pattern),
                          &req);
    }
    return out;
  }

  static Response NotFound(const Request& req) {
    return ProblemResponse(base::NotFound("http.not_found", "No such resource: " + req.path,
                                          "资源不存在：" + req.path, "path"),
                           &req);
  }

  static base::Status CheckAccess(const RouteSpec& spec, const Request& req) {
    const auth::Principal& p = req.principal;
    KECHAN_RETURN_IF_ERROR(CheckRouteAccess(spec, p));
    if (p.method == auth::AuthMethod::kSession && req.method != Method::kGet) {
      auto token = req.Header("x-csrf-token");
      if (!token || token->empty()) {
        return base::PermissionDenied("csrf.missing",
                                      "The X-CSRF-Token header is missing; reload the page",
                                      "缺少 X-CSRF-Token 请求头，请刷新页面后重试");
      }
      if (p.csrf_token.empty() || !ConstantTimeEquals(*token, p.csrf_token)) {
        return base::PermissionDenied("csrf.mismatch",
                                      "The X-CSRF-Token header does not match the session; "
                                      "reload the page",
                                      "X-CSRF-Token 与会话不符，请刷新页面后重试");
      }
    }
    return base::Status::Ok();
  }

  // Serializes the response head by hand (one buffer; Beast's serializer walks one buffer per
  // field, which showed up in profiles). The body stays in out.response.body.
  static std::string WireHead(Outcome& out, unsigned version, bool keep_alive) {
    const Response& r = out.response;
    std::string head;
    head.reserve(512 + r.content_type.size());
    head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(r.status);
    head += ' ';
    std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    head += reason.empty() ? "Unknown" : reason;
    head += "\r\n";
    auto field = [&head](std::string_view name, std::string_view value) {
      head += name;
      head += ": ";
      head += value;
      head += "\r\n";
    };
    if (!r.content_type.empty()) {
      field("Content-Type", r.content_type);
    }
    bool has_cache_control = false;
    for (const auto& [name, value] : r.headers) {
      if (!SafeHeader(name, value)) {
        base::Log(base::LogLevel::kError, "http.bad_response_header",
                  {{"request_id", out.request_id}, {"name", name}});
        continue;  // never let a CR/LF split the response
      }
      has_cache_control = has_cache_control || beast::iequals(name, "cache-control");
      field(name, value);
    }
    if (!has_cache_control && !out.is_static) {
      field("Cache-Control", "no-store");
    }
    field("X-Request-Id", out.request_id);
    field("X-Content-Type-Options", "nosniff");
    field("X-Frame-Options", "DENY");
    field("Referrer-Policy", "strict-origin-when-cross-origin");
    field("Content-Security-Policy", out.is_static ? kSpaCsp : kApiCsp);
    if (!keep_alive) {
      field("Connection", "close");
    } else if (version == 10) {
      field("Connection", "keep-alive");
    }
    const bool no_body = (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
    if (!no_body) {
      field("Content-Length", std::to_string(r.body.size()));
    }
    head += "\r\n";
    out.bytes = out.head || no_body ? 0 : r.body.size();
    return head;
  }

  static bool SafeHeader(std::string_view name, std::string_view value) {
    if (name.empty()) {
      return false;
    }
    for (char c : name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
        return false;
      }
    }
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
  }

  // Writes head and body (no body for HEAD or bodiless statuses).
  static asio::awaitable<beast::error_code> WriteResponse(beast::tcp_stream& stream,
                                                          const std::string& head,
                                                          const Outcome& out) {
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(head),
                                                 asio::buffer(out.response.body.data(), out.bytes)};
    auto [ec, n] = co_await asio::async_write(stream, buffers, kTuple);
    co_return ec;
  }

  void Record(const std::string& method, const Outcome& out, Clock::time_point start,
              const std::string& remote) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    const std::string status = std::to_string(out.response.status);
    metrics_
        ->GetCounter("http_requests_total", "HTTP requests by method, route pattern and status.",
                     {{"method", method}, {"route", out.route}, {"status", status}})
        .Inc();
    metrics_
        ->GetHistogram("http_request_duration_seconds",
                       "Time from a fully read request to its response, by route pattern.",
                       {{"method", method}, {"route", out.route}})
        .Observe(static_cast<double>(micros) / 1e6);
    if (options_.access_log == AccessLog::kOff) {
      return;
    }
    // One structured line per request; "user" is 0 for anonymous callers.
    base::Log(base::LogLevel::kInfo, "http.request",
              {{"request_id", out.request_id},
               {"method", method},
               {"path", out.path},
               {"route", out.route},
               {"status", out.response.status},
               {"duration_us", static_cast<int64_t>(micros)},
               {"bytes", static_cast<uint64_t>(out.bytes)},
               {"remote", remote},
               {"user", out.user}});
  }

  ServerOptions options_;
  Router router_;
  Authenticator authenticator_;
  Metrics* metrics_;
  Gauge* in_flight_ = nullptr;
  std::optional<StaticFiles> static_;
  std::string openapi_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};

  std::mutex conn_mu_;
  std::condition_variable conn_cv_;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> conns_;
  uint64_t next_conn_id_ = 0;

  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  bool started_ = false;
  bool shutdown_started_ = false;
  bool shutdown_done_ = false;
  std::thread shutdown_thread_;

  // Destroyed first (reverse order): pending coroutines die with ioc_ while the members above,
  // which their destructors touch, still exist.
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  std::vector<std::thread> threads_;
};

}  // namespace

base::Result<std::unique_ptr<Server>> Server::Open(ServerOptions options, Router router,
                                                   Authenticator authenticator) {
  if (options.threads < 1 || options.threads > 256) {
    return base::InvalidArgument("threads", "http.bad_threads", "threads must be between 1 and 256",
                                 "线程数必须在 1 到 256 之间");
  }
  auto server = std::make_unique<ServerImpl>(std::move(options), std::move(authenticator));
  KECHAN_RETURN_IF_ERROR(server->Init(std::move(router)));
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace kechan::http
