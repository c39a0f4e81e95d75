// The OpenAPI 3.0.3 document, generated from the Router's routes and their RouteSpecs so the
// document cannot drift from what the server answers.
#pragma once

#include <string>

#include "base/result.h"
#include "http/router.h"

namespace kechan::http {

struct OpenApiInfo {
  std::string title = "kechan API";
  std::string version = "0.1.0";
  std::string session_cookie = "kechan_session";  // the cookie a browser session travels in
};

// Returns the document as JSON text: one path per route pattern, one operation per method, the
// tag and summaries, security by Access (x-roles lists the role names for Access::kRoles), the
// request/response schemas when the RouteSpec gives them and the problem+json schema for errors.
// Errors: InvalidArgument "openapi.bad_schema" (field "<METHOD> <pattern>") when a RouteSpec
// schema is not a JSON object.
base::Result<std::string> OpenApiDocument(const Router& router, const OpenApiInfo& info);

}  // namespace kechan::http
