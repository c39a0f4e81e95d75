// Router: method + path pattern ("/api/v1/orgs/{id}") → handler, with the metadata that drives
// role checks and the OpenAPI document (so the document cannot drift from the routes).
#pragma once

#include <functional>
#include <string>
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
  std::string summary;       // one line, English (OpenAPI summary)
  std::string summary_zh;    // 中文说明
  std::string tag;           // OpenAPI tag: "auth", "calendar", "system", ...
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

// Not thread-safe while routes are added; read-only and thread-safe once the server runs.
class Router {
 public:
  // Adds a route. Patterns are literal segments and "{name}" parameters; adding the same method and
  // pattern twice is a programmer error (asserts).
  void Add(Method method, std::string pattern, RouteSpec spec, Handler handler);

  struct Match {
    const Route* route = nullptr;
    bool path_known = false;  // some route has this path (for 405 vs 404)
  };
  // Finds the route for `method` and `path`, filling `params` from "{name}" segments.
  Match Find(Method method, std::string_view path,
             std::map<std::string, std::string>& params) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace kechan::http
