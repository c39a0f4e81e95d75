#include "http/problem.h"

#include <boost/json.hpp>

#include "base/log.h"

namespace kechan::http {

// kInvalidArgument maps to 400 rather than 422: one status for every input error (malformed JSON,
// wrong type, failed validation) keeps clients simple; the "reason" tells them apart.
int HttpStatusFor(base::Code code) {
  switch (code) {
    case base::Code::kOk:
      return 200;
    case base::Code::kInvalidArgument:
      return 400;
    case base::Code::kNotFound:
      return 404;
    case base::Code::kAlreadyExists:
    case base::Code::kFailedPrecondition:
      return 409;
    case base::Code::kPermissionDenied:
      return 403;
    case base::Code::kUnauthenticated:
      return 401;
    case base::Code::kResourceExhausted:
      return 429;
    case base::Code::kUnavailable:
      return 503;
    case base::Code::kInternal:
      return 500;
  }
  return 500;
}

Response ProblemResponse(const base::Status& status, const Request* req) {
  return ProblemResponseWithHttpStatus(HttpStatusFor(status.code()), status, req);
}

Response ProblemResponseWithHttpStatus(int http_status, const base::Status& status,
                                       const Request* req) {
  std::string request_id = req != nullptr ? req->request_id : std::string();
  std::string_view lang = req != nullptr ? std::string_view{req->lang} : "zh-CN";

  base::Code code = status.code();
  std::string reason = status.reason();
  std::string field = status.field();
  std::string en = status.message_en();
  std::string zh = status.message_zh();
  const bool internal = code == base::Code::kInternal || code == base::Code::kOk;
  if (internal || code == base::Code::kUnavailable) {
    // Server-side failures: the details go to the log, never to the client.
    base::Log(base::LogLevel::kError, "http.server_error",
              {{"request_id", request_id}, {"status", http_status}, {"error", status.ToString()}});
    if (internal) {
      code = base::Code::kInternal;
      reason = "internal";
      en = "Internal server error";
      zh = "服务器内部错误";
    } else {
      en = "Service temporarily unavailable, please retry later";
      zh = "服务暂不可用，请稍后重试";
    }
    field.clear();
  }

  boost::json::object body;
  body["type"] =
      reason.empty() ? std::string("about:blank") : "https://kechan.dev/problems/" + reason;
  body["title"] = en;
  body["status"] = http_status;
  body["code"] = base::CodeName(code);
  body["reason"] = reason;
  if (field.empty()) {
    body["field"] = nullptr;
  } else {
    body["field"] = field;
  }
  body["message"] = {{"zh-CN", zh}, {"en", en}};
  body["detail"] = lang == "en" ? en : zh;
  body["request_id"] = request_id;

  Response r;
  r.status = http_status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace kechan::http
