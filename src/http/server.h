// The HTTP server: Boost.Beast on C++20 coroutines, a thread pool, limits on body/header size and
// slow clients, problem+json errors, request logging, /healthz, /metrics, the OpenAPI document,
// static files for the web app and graceful shutdown. No Beast type leaves this folder.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/request.h"
#include "http/router.h"

namespace kechan::http {

// Resolves the caller from the request (session cookie or bearer token). Returns a Principal with
// method kNone for anonymous callers, or kUnauthenticated for a bad/expired credential.
using Authenticator = std::function<base::Result<auth::Principal>(const Request&)>;

class Metrics;

enum class AccessLog {
  kStderr,  // one JSON line per request on stderr
  kOff,
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // "ADDR:PORT"; port 0 picks a free port
  int threads = 4;
  size_t body_limit = 1 << 20;     // bytes; larger bodies get 413 problem+json
  size_t header_limit = 16 << 10;  // bytes; larger headers get 431
  int read_timeout_ms = 10000;     // whole request must arrive within this (slow clients)
  int idle_timeout_ms = 30000;     // keep-alive idle limit
  int shutdown_grace_ms = 10000;   // in-flight requests get this long after SIGTERM
  int write_timeout_ms = 30000;    // a response must be taken by the client within this
  std::string static_dir;          // web/dist; empty disables static serving
  std::string api_title = "kechan API";
  std::string version = "0.1.0";
  std::string session_cookie = "kechan_session";  // named in the OpenAPI security scheme
  Metrics* metrics = nullptr;  // registry served at /metrics; nullptr: Metrics::Default()
  // Whether GET /metrics answers anyone; false: only operators (e.g. Prometheus with an API token).
  bool metrics_public = true;
  AccessLog access_log = AccessLog::kStderr;
};

// Thread-safe after Start().
//
// Per request: X-Request-Id (echoed, generated when absent), Accept-Language -> Request::lang,
// target parsing (400 naming "path"/"query"), routing (404; 405 with Allow), the authenticator
// (its error becomes the problem, e.g. 401), the RouteSpec access check (401 anonymous, 403 no
// role), CSRF for session principals on unsafe methods (403 "csrf.missing"/"csrf.mismatch"), then
// the handler (a Status error becomes problem+json; an exception becomes a logged 500). HEAD is
// answered for GET routes; OPTIONS answers 204 with Allow. Every response carries security
// headers; API responses default to Cache-Control: no-store. GET/HEAD of a non-/api path no route
// matches is served from static_dir (see StaticFiles). Built-in routes, added by Open():
// GET /healthz, GET /metrics, GET /api/v1/openapi.json.
class Server {
 public:
  // Errors: InvalidArgument naming "listen", "threads" or "static_dir" for bad options, or
  // "openapi.bad_schema" for a RouteSpec schema that is not JSON. Adding a route a built-in
  // already has is a programmer error (asserts).
  static base::Result<std::unique_ptr<Server>> Open(ServerOptions options, Router router,
                                                    Authenticator authenticator);
  virtual ~Server() = default;
  // Binds and starts the worker threads; returns once listening.
  virtual base::Status Start() = 0;
  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, closes idle keep-alive connections, lets in-flight requests finish within
  // shutdown_grace_ms, then stops the worker threads and returns. Idempotent. Called on a worker
  // thread (e.g. from a handler) it only starts the shutdown; Wait() then blocks until done.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
  // Makes SIGINT and SIGTERM start Shutdown() (then Wait() returns). Call once, from the thread
  // that owns the server, before or after Start().
  virtual void ShutdownOnSignals() = 0;
};

}  // namespace kechan::http
