// The one error shape: application/problem+json (RFC 9457) with a machine code, the offending
// field and messages in zh-CN and en; and the one mapping from base::Code to HTTP status.
#pragma once

#include "base/status.h"
#include "http/request.h"

namespace kechan::http {

// Maps a code to its HTTP status (the only place this mapping exists). kInvalidArgument is 400
// for every input error, validation included (not 422): the "reason" tells them apart.
int HttpStatusFor(base::Code code);

// Renders `status` as a problem+json response:
// {"type":"https://kechan.dev/problems/<reason>","title":<en>,"status":N,"code":<code name>,
//  "reason":<reason>,"field":<field or null>,"message":{"zh-CN":..,"en":..},
//  "detail":<message in the request's language>,"request_id":..}
// kInternal (and a misused ok Status) become a generic 500 body; kUnavailable keeps its reason but
// gets a generic message; both are logged with the request id. Other codes are shown as given.
Response ProblemResponse(const base::Status& status, const Request* req = nullptr);

// Like ProblemResponse but with an explicit HTTP status (413, 431, 405, 408, 501).
Response ProblemResponseWithHttpStatus(int http_status, const base::Status& status,
                                       const Request* req = nullptr);

}  // namespace kechan::http
