// Request and Response as handlers see them: plain structs, no Beast types.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "base/result.h"

namespace kechan::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete };
const char* MethodName(Method m);

// Thread-compatible; owned by one request.
struct Request {
  Method method = Method::kGet;
  std::string target;                              // raw target, e.g. "/api/v1/orgs?page=2"
  std::string path;                                // decoded path without query
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> path_params;  // from "{name}" segments of the route
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_addr;     // "127.0.0.1"
  std::string request_id;      // echoed as X-Request-Id, logged
  std::string lang = "zh-CN";  // from Accept-Language: "zh-CN" or "en"
  auth::Principal principal;   // filled by the authenticator before the handler runs

  // Returns the first header with this lower-case name.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
  // Returns the value of cookie `name` from the Cookie header.
  std::optional<std::string> Cookie(std::string_view name) const;
  // Returns the path parameter as a positive 64-bit id or InvalidArgument naming it.
  base::Result<int64_t> PathId(const std::string& name) const;
};

// Thread-compatible.
struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(std::string body, int status = 200) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Response NoContent() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
};

// Returns "en" when the Accept-Language header prefers English to Chinese (by q-value, then by
// order), else "zh-CN" (also for an empty header or one naming neither).
std::string LanguageFromAcceptLanguage(std::string_view accept_language);

// Fills req.target, req.path (percent-decoded) and req.query (decoded, "+" as space; the first of
// repeated keys wins) from a raw origin-form target such as "/api/v1/orgs?page=2".
// Errors: InvalidArgument with field "path" (reason "url.bad_path") or "query" ("url.bad_query")
// for malformed percent-encoding, invalid UTF-8 or a NUL byte after decoding.
base::Status ParseTarget(std::string_view target, Request& req);

}  // namespace kechan::http
