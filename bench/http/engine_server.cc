// kechan_bench_http_engine: the kechan HTTP engine (src/http) alone, without a database, for
// bench/http/run.sh when the full binary is not at hand or to separate engine cost from handler
// cost. Routes: the built-ins (/healthz, /metrics, /api/v1/openapi.json) and GET /api/v1/session
// (signed in; a fake authenticator accepts "Authorization: Bearer bench").
//
//   kechan_bench_http_engine [--listen 127.0.0.1:18082] [--threads 4] [--access-log on|off]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/json_body.h"
#include "http/server.h"

int main(int argc, char** argv) {
  using namespace kechan;
  http::ServerOptions options;
  options.listen = "127.0.0.1:18082";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--listen") {
      options.listen = argv[i + 1];
    } else if (flag == "--threads") {
      options.threads = std::atoi(argv[i + 1]);
    } else if (flag == "--access-log") {
      options.access_log =
          std::string_view(argv[i + 1]) == "off" ? http::AccessLog::kOff : http::AccessLog::kStderr;
    } else {
      std::fprintf(stderr, "usage: %s [--listen ADDR:PORT] [--threads N] [--access-log on|off]\n",
                   argv[0]);
      return 2;
    }
  }
  http::Router router;
  router.Add(http::Method::kGet, "/api/v1/session",
             {.summary = "Who am I", .tag = "auth", .access = http::Access::kSignedIn},
             [](http::Request& req) -> base::Result<http::Response> {
               boost::json::object o;
               o["user_id"] = req.principal.user.value;
               o["username"] = req.principal.username;
               o["display_name"] = req.principal.display_name;
               return http::Response::Json(http::ToJson(o));
             });
  auto authenticator = [](const http::Request& req) -> base::Result<auth::Principal> {
    auth::Principal p;
    auto authz = req.Header("authorization");
    if (!authz) {
      return p;
    }
    if (*authz != "Bearer bench") {
      return base::Unauthenticated("auth.bad_token", "Invalid token", "令牌无效");
    }
    p.user = base::UserId{1};
    p.username = "bench";
    p.display_name = "压测用户";
    p.method = auth::AuthMethod::kToken;
    return p;
  };
  auto server = http::Server::Open(options, std::move(router), authenticator);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  if (base::Status st = (*server)->Start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  (*server)->ShutdownOnSignals();
  (*server)->Wait();
  return 0;
}
