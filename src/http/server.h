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

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // "ADDR:PORT"; port 0 picks a free port
  int threads = 4;
  size_t body_limit = 1 << 20;     // bytes; larger bodies get 413 problem+json
  size_t header_limit = 16 << 10;  // bytes; larger headers get 431
  int read_timeout_ms = 10000;     // whole request must arrive within this (slow clients)
  int idle_timeout_ms = 30000;     // keep-alive idle limit
  int shutdown_grace_ms = 10000;   // in-flight requests get this long after SIGTERM
  std::string static_dir;          // web/dist; empty disables static serving
  std::string api_title = "kechan API";
  std::string version = "0.1.0";
};

// Thread-safe after Start().
class Server {
 public:
  static base::Result<std::unique_ptr<Server>> Open(ServerOptions options, Router router,
                                                    Authenticator authenticator);
  virtual ~Server() = default;
  // Binds and starts the worker threads; returns once listening.
  virtual base::Status Start() = 0;
  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, lets in-flight requests finish within the grace period, then returns.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
};

}  // namespace kechan::http
