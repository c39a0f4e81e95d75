// Router: method + path pattern ("/api/v1/orgs/{id}") → handler, with the metadata that drives
// role checks and the OpenAPI document (so the document cannot drift from the routes).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "base/result.h"
#include "http/request.h"

namespace kechan::http {

using Handler = std::function<base::Result<Response>(Request&)>;

enum class Access {
  kPublic,    // anyone, signed in or not
  kSignedIn,  // any signed-in user
  kRoles,     // signed in and holding one of RouteSpec::roles
};

struct RouteSpec {
  std::string summary;     // one line, English (OpenAPI summary)
  std::string summary_zh;  // 中文说明
  std::string tag;         // OpenAPI tag: "auth", "calendar", "system", ...
  Access access = Access::kPublic;
  std::vector<auth::Role> roles;  // for Access::kRoles
  std::string request_schema;     // optional JSON Schema (as JSON text) of the body
  std::string response_schema;    // optional JSON Schema of the 2xx body
  int success_status = 200;
};

struct Route {
  Method method = Method::kGet;
  std::string pattern;
  RouteSpec spec;
  Handler handler;
};

// Whether `principal` may call a route with `spec`: kUnauthenticated "auth.required" when the
// route needs a signed-in user, kPermissionDenied "auth.role_required" when it lacks every listed
// role. The server adds its CSRF check on top.
base::Status CheckRouteAccess(const RouteSpec& spec, const auth::Principal& principal);

// Not thread-safe while routes are added; read-only and thread-safe once the server runs.
class Router {
 public:
  // Adds a route. Patterns are literal segments and "{name}" parameters; adding the same method and
  // pattern twice is a programmer error (asserts).
  void Add(Method method, std::string pattern, RouteSpec spec, Handler handler);

  struct Match {
    const Route* route = nullptr;
    bool path_known = false;      // some route has this path (for 405 vs 404)
    std::vector<Method> allowed;  // when path_known and route == nullptr: the methods it has
  };
  // Finds the route for `method` and `path`, filling `params` from "{name}" segments. A literal
  // segment wins over a "{name}" segment at the same position ("/orgs/me" before "/orgs/{id}").
  // `path` is the decoded path; a trailing slash is significant.
  Match Find(Method method, std::string_view path,
             std::map<std::string, std::string>& params) const;

  // Dispatches `req` in-process (tests, internal callers): finds the route for req.method and
  // req.path, fills req.path_params, applies the spec's access rule to req.principal like the
  // server does (401 signed out, 403 without a listed role; no CSRF: there is no browser) and
  // calls the handler. An unknown route is kNotFound "http.no_route".
  base::Result<Response> Invoke(Request req) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  static constexpr size_t kMethodCount = 5;
  // A segment trie; nodes_[0] is the root. Indices keep the Router copyable.
  struct Node {
    std::vector<std::pair<std::string, int>> literals;        // segment -> child node
    int param = -1;                                           // child for "{name}" segments
    std::array<int, kMethodCount> route{-1, -1, -1, -1, -1};  // index into routes_
  };
  bool Walk(int node, const std::vector<std::string_view>& segments, size_t depth, Method method,
            std::vector<int>& leaves, int& found) const;
  std::vector<Route> routes_;
  std::vector<Node> nodes_ = std::vector<Node>(1);
};

}  // namespace kechan::http
