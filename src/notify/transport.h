// The outgoing side of notify: a Transport sends a batch of HTTP POSTs (robot webhooks) and SMTP
// submissions concurrently, each bounded by a timeout, and reports one outcome per message. The
// libcurl implementation lives in curl_transport.cc; no libcurl type appears here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kechan::notify {

enum class MessageKind { kHttpPost, kSmtp };

// How an SMTP connection is secured: none, STARTTLS when offered, STARTTLS required. smtps://
// URLs use implicit TLS whatever this says.
enum class SmtpTls { kNone, kTry, kRequire };

// One message to send. Value type.
struct OutgoingMessage {
  MessageKind kind = MessageKind::kHttpPost;
  std::string url;   // http(s)://… for robots, smtp(s)://host:port for mail
  std::string body;  // the JSON body, or the whole RFC 5322 message
  std::string content_type = "application/json; charset=utf-8";
  std::string mail_from;               // SMTP envelope sender
  std::vector<std::string> mail_rcpt;  // SMTP envelope recipients
  std::string username;                // SMTP AUTH (empty = none)
  std::string password;
  SmtpTls tls = SmtpTls::kNone;
};

struct SendOutcome {
  bool transport_ok = false;  // the exchange completed (an HTTP answer / SMTP accepted the mail)
  int code = 0;               // HTTP status or last SMTP reply code (0 = none)
  std::string response;       // the HTTP answer body (first 4 KiB)
  std::string error;          // why it failed (empty when transport_ok)
  int64_t duration_ms = 0;
};

struct SendOptions {
  int64_t timeout_ms = 10000;  // per message, connection included
  int64_t connect_timeout_ms = 5000;
  int max_parallel = 8;
};

// Thread-safe implementations: SendAll may be called from several threads.
class Transport {
 public:
  virtual ~Transport() = default;
  // Sends every message (at most max_parallel at a time) and returns their outcomes in order.
  // One slow receiver costs at most timeout_ms and does not hold up the others.
  virtual std::vector<SendOutcome> SendAll(const std::vector<OutgoingMessage>& messages,
                                           const SendOptions& options) = 0;
};

// Returns the libcurl transport (HTTP/HTTPS/SMTP/SMTPS only, no redirects, no proxy from the
// environment).
std::unique_ptr<Transport> MakeCurlTransport();

}  // namespace kechan::notify
