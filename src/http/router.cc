#include "http/router.h"

#include <cassert>
#include <cstdlib>

namespace kechan::http {
namespace {

// Splits "/a/b" into {"a", "b"}; "/" into {}; "/a/" into {"a", ""}. False when not absolute.
bool SplitPath(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (path.empty() || path.front() != '/') {
    return false;
  }
  if (path.size() == 1) {
    return true;
  }
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      return true;
    }
    path.remove_prefix(slash + 1);
  }
}

bool IsParam(std::string_view segment) {
  return segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
}

bool ValidParamName(std::string_view name) {
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return !name.empty();
}

}  // namespace

void Router::Add(Method method, std::string pattern, RouteSpec spec, Handler handler) {
  std::vector<std::string_view> segments;
  bool ok = SplitPath(pattern, segments);
  assert(ok && "route pattern must start with '/'");
  if (!ok) {
    std::abort();
  }
  int node = 0;
  for (std::string_view seg : segments) {
    if (seg.empty() || (seg.front() == '{') != IsParam(seg) ||
        (IsParam(seg) && !ValidParamName(seg.substr(1, seg.size() - 2)))) {
      assert(false && "route pattern has an empty or malformed segment");
      std::abort();
    }
    if (IsParam(seg)) {
      if (nodes_[node].param < 0) {
        nodes_.emplace_back();
        nodes_[node].param = static_cast<int>(nodes_.size() - 1);
      }
      node = nodes_[node].param;
      continue;
    }
    int next = -1;
    for (const auto& [lit, child] : nodes_[node].literals) {
      if (lit == seg) {
        next = child;
        break;
      }
    }
    if (next < 0) {
      nodes_.emplace_back();
      next = static_cast<int>(nodes_.size() - 1);
      nodes_[node].literals.emplace_back(std::string(seg), next);
    }
    node = next;
  }
  int& slot = nodes_[node].route[static_cast<size_t>(method)];
  assert(slot < 0 && "the same method and pattern were added twice");
  if (slot >= 0) {
    std::abort();
  }
  slot = static_cast<int>(routes_.size());
  routes_.push_back(Route{.method = method,
                          .pattern = std::move(pattern),
                          .spec = std::move(spec),
                          .handler = std::move(handler)});
}

bool Router::Walk(int node, const std::vector<std::string_view>& segments, size_t depth,
                  Method method, std::vector<int>& leaves, int& found) const {
  const Node& n = nodes_[node];
  if (depth == segments.size()) {
    int r = n.route[static_cast<size_t>(method)];
    if (r >= 0) {
      found = r;
      return true;
    }
    leaves.push_back(node);
    return false;
  }
  std::string_view seg = segments[depth];
  for (const auto& [lit, child] : n.literals) {
    if (lit == seg) {
      if (Walk(child, segments, depth + 1, method, leaves, found)) {
        return true;
      }
      break;
    }
  }
  if (n.param >= 0 && !seg.empty()) {
    return Walk(n.param, segments, depth + 1, method, leaves, found);
  }
  return false;
}

Router::Match Router::Find(Method method, std::string_view path,
                           std::map<std::string, std::string>& params) const {
  Match match;
  std::vector<std::string_view> segments;
  if (!SplitPath(path, segments)) {
    return match;
  }
  std::vector<int> leaves;
  int found = -1;
  if (Walk(0, segments, 0, method, leaves, found)) {
    const Route& route = routes_[static_cast<size_t>(found)];
    match.route = &route;
    match.path_known = true;
    std::vector<std::string_view> pattern;
    SplitPath(route.pattern, pattern);
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (IsParam(pattern[i])) {
        params[std::string(pattern[i].substr(1, pattern[i].size() - 2))] = std::string(segments[i]);
      }
    }
    return match;
  }
  for (size_t m = 0; m < kMethodCount; ++m) {
    for (int leaf : leaves) {
      if (nodes_[static_cast<size_t>(leaf)].route[m] >= 0) {
        match.allowed.push_back(static_cast<Method>(m));
        break;
      }
    }
  }
  match.path_known = !match.allowed.empty();
  return match;
}

base::Status CheckRouteAccess(const RouteSpec& spec, const auth::Principal& p) {
  if (spec.access != Access::kPublic && !p.signed_in()) {
    return base::Unauthenticated("auth.required", "Please sign in first", "请先登录");
  }
  if (spec.access == Access::kRoles) {
    bool has = false;
    for (auth::Role role : spec.roles) {
      has = has || p.Has(role);
    }
    if (!has) {
      return base::PermissionDenied("auth.role_required", "Your role does not allow this operation",
                                    "您的角色无权执行此操作");
    }
  }
  return base::Status::Ok();
}

base::Result<Response> Router::Invoke(Request req) const {
  std::map<std::string, std::string> params;
  const Route* route = Find(req.method, req.path, params).route;
  if (route == nullptr) {
    return base::NotFound("http.no_route", "No such route: " + req.path, "没有该接口：" + req.path,
                          "path");
  }
  req.path_params = std::move(params);
  KECHAN_RETURN_IF_ERROR(CheckRouteAccess(route->spec, req.principal));
  return route->handler(req);
}

}  // namespace kechan::http
