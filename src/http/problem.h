// The one error shape: application/problem+json (RFC 9457) with a machine code, the offending
// field and messages in zh-CN and en; and the one mapping from base::Code to HTTP status.
#pragma once

#include "base/status.h"
#include "http/request.h"

namespace kechan::http {

// Maps a code to its HTTP status (the only place this mapping exists).
int HttpStatusFor(base::Code code);

// Renders `status` as a problem+json response:
// {"type":"https://kechan.dev/problems/<reason>","title":<en>,"status":N,"code":<code name>,
//  "reason":<reason>,"field":<field or null>,"message":{"zh-CN":..,"en":..},
//  "detail":<message in the request's language>,"request_id":..}
Response ProblemResponse(const base::Status& status, const Request* req = nullptr);

// Like ProblemResponse but with an explicit HTTP status (413, 431, 405, 408).
Response ProblemResponseWithHttpStatus(int http_status, const base::Status& status,
                                       const Request* req = nullptr);

}  // namespace kechan::http
