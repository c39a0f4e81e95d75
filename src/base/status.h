// Status: the value every expected failure travels as, with a machine reason, the offending
// field and a message in zh-CN and en. One code set; http/ maps it to HTTP status in one place.
#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace kechan::base {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // 400/422: the caller's input is wrong
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kFailedPrecondition,  // 409: state does not allow it
  kPermissionDenied,    // 403
  kUnauthenticated,     // 401
  kResourceExhausted,   // 429 / 413: rate limits, size limits
  kUnavailable,         // 503
  kInternal,            // 500
};

// Returns the stable lower_snake name of a code ("invalid_argument").
const char* CodeName(Code code);

// Status is a value type; thread-compatible.
class [[nodiscard]] Status {
 public:
  Status() = default;
  // Builds a failure. `reason` is a machine code such as "uscc.check_char"; `field` names the
  // offending input field (JSON path, CLI flag or CSV column) or is empty.
  Status(Code code, std::string reason, std::string message_en, std::string message_zh = {},
         std::string field = {})
      : code_(code),
        reason_(std::move(reason)),
        field_(std::move(field)),
        en_(std::move(message_en)),
        zh_(std::move(message_zh)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& field() const { return field_; }
  const std::string& message_en() const { return en_; }
  // Returns the Chinese message, falling back to English when none was given.
  const std::string& message_zh() const { return zh_.empty() ? en_ : zh_; }

  // Returns a copy naming `field` (used when a lower layer did not know the field name).
  Status WithField(std::string field) const {
    Status s = *this;
    s.field_ = std::move(field);
    return s;
  }

  // Renders "code reason [field]: en" for logs and CLI stderr.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string reason_;
  std::string field_;
  std::string en_;
  std::string zh_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

// Convenience constructors.
inline Status InvalidArgument(std::string field, std::string reason, std::string en,
                              std::string zh) {
  return Status(Code::kInvalidArgument, std::move(reason), std::move(en), std::move(zh),
                std::move(field));
}
inline Status NotFound(std::string reason, std::string en, std::string zh, std::string field = {}) {
  return Status(Code::kNotFound, std::move(reason), std::move(en), std::move(zh), std::move(field));
}
inline Status AlreadyExists(std::string reason, std::string en, std::string zh,
                            std::string field = {}) {
  return Status(Code::kAlreadyExists, std::move(reason), std::move(en), std::move(zh),
                std::move(field));
}
inline Status FailedPrecondition(std::string reason, std::string en, std::string zh,
                                 std::string field = {}) {
  return Status(Code::kFailedPrecondition, std::move(reason), std::move(en), std::move(zh),
                std::move(field));
}
inline Status PermissionDenied(std::string reason, std::string en, std::string zh) {
  return Status(Code::kPermissionDenied, std::move(reason), std::move(en), std::move(zh));
}
inline Status Unauthenticated(std::string reason, std::string en, std::string zh) {
  return Status(Code::kUnauthenticated, std::move(reason), std::move(en), std::move(zh));
}
inline Status Internal(std::string reason, std::string en, std::string zh = "服务器内部错误") {
  return Status(Code::kInternal, std::move(reason), std::move(en), std::move(zh));
}
inline Status Unavailable(std::string reason, std::string en, std::string zh = "服务暂不可用") {
  return Status(Code::kUnavailable, std::move(reason), std::move(en), std::move(zh));
}

}  // namespace kechan::base

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define KECHAN_RETURN_IF_ERROR(expr)                \
  do {                                              \
    ::kechan::base::Status kechan_status_ = (expr); \
    if (!kechan_status_.ok()) {                     \
      return kechan_status_;                        \
    }                                               \
  } while (false)

#define KECHAN_CONCAT_INNER(a, b) a##b
#define KECHAN_CONCAT(a, b) KECHAN_CONCAT_INNER(a, b)
// Declares `lhs` from a Result<T> expression or returns its Status. `lhs` is a declaration
// ("auto x", "Foo y"), so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define KECHAN_ASSIGN_OR_RETURN(lhs, expr) \
  KECHAN_ASSIGN_OR_RETURN_IMPL(KECHAN_CONCAT(kechan_result_, __LINE__), lhs, expr)
#define KECHAN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) {                                   \
    return tmp.status();                             \
  }                                                  \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
