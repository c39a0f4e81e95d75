// The notify model: the "notify" block any event may carry, robot targets, deliveries and the
// pure rules over them (parsing and validating a block, matching targets, retry backoff, rendering
// WeCom / DingTalk robot bodies and RFC 5322 e-mail, the DingTalk signature). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"

namespace kechan::notify {

// Value types below are thread-compatible.

enum class Urgency { kNormal, kHigh };
const char* UrgencyName(Urgency u);
std::optional<Urgency> ParseUrgency(std::string_view name);

// A text in both languages; either may be empty but not both (see ParseNotifyBlock).
struct BiText {
  std::string zh;
  std::string en;
  // Returns the text in `lang` ("en" or anything else = Chinese), falling back to the other.
  const std::string& In(std::string_view lang) const;
};

// The block an event's JSON payload carries under "notify" to ask for a notification:
//   "notify":{"users":[ids],"orgs":[ids],"roles":["duty_director"],"chains":["CD-AI"],
//             "title":{"zh":"…","en":"…"},"body":{"zh":"…","en":"…"},"link":"/appeals/123",
//             "urgency":"normal"|"high"}
// Recipients: every user in `users`, plus the members of `orgs` holding one of `roles` (all
// members when `roles` is empty), plus every holder of `roles` anywhere when `orgs` is empty.
// Robot targets: those scoped to one of `orgs`, `roles` or `chains`.
struct NotifyBlock {
  std::vector<base::UserId> users;
  std::vector<base::OrgId> orgs;
  std::vector<auth::Role> roles;
  std::vector<std::string> chains;  // chain codes, for robot targets scoped to a chain
  BiText title;
  BiText body;
  std::string link;  // a path inside the web app ("/appeals/123") or empty
  Urgency urgency = Urgency::kNormal;
};

inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxBodyChars = 4000;
inline constexpr size_t kMaxRecipientIds = 1000;

// Extracts and validates the "notify" block of an event payload. Returns nullopt when the payload
// has none (or is not a JSON object). Errors (InvalidArgument naming "notify.<field>"): a block
// that is not an object, an unknown field, a non-positive id, an unknown role or urgency, a title
// missing in both languages, texts over kMaxTitleChars / kMaxBodyChars, a link not starting with
// a single "/", more than kMaxRecipientIds ids.
base::Result<std::optional<NotifyBlock>> ParseNotifyBlock(std::string_view payload);

// Renders `block` as the JSON object an event payload carries under "notify" (the inverse of
// ParseNotifyBlock), for modules that build blocks as values.
std::string NotifyBlockJson(const NotifyBlock& block);

enum class Channel { kEmail, kWeCom, kDingTalk };
const char* ChannelName(Channel c);
std::optional<Channel> ParseChannel(std::string_view name);

// What a robot target is attached to.
enum class ScopeKind { kOrg, kChain, kRole, kAll };
const char* ScopeKindName(ScopeKind k);
std::optional<ScopeKind> ParseScopeKind(std::string_view name);

// A target an operator configured: an outgoing group robot (企业微信 / 钉钉群机器人) or a list of
// e-mail addresses (a department's or a role's mailbox), each scoped like the other.
struct Target {
  int64_t id = 0;
  std::string name;
  Channel channel = Channel::kWeCom;   // kWeCom, kDingTalk or kEmail
  std::string url;                     // robots: the webhook URL (http or https); e-mail: empty
  std::string secret;                  // DingTalk "加签" secret; empty = none. Never rendered.
  std::vector<std::string> addresses;  // e-mail: 1..kMaxTargetAddresses addresses; robots: none
  ScopeKind scope = ScopeKind::kOrg;
  std::string scope_value;  // org id, chain code or role name; empty for kAll
  bool enabled = true;
  base::Micros created_at = 0;
  base::Micros updated_at = 0;
};

inline constexpr size_t kMaxTargetAddresses = 50;

// Validates a target before it is stored (name 1-100 characters; robots: URL http(s) without
// spaces, ≤2000 bytes, secret ≤200 bytes, no addresses; e-mail: 1..kMaxTargetAddresses distinct
// addresses that LooksLikeEmail, no URL and no secret; scope value fits the scope: a positive org
// id, a chain code, a known role name, empty for kAll). Errors name "name", "url", "secret",
// "addresses" or "scope_value".
base::Status ValidateTarget(const Target& t);

// Joins / splits the addresses of an e-mail target as stored and as the "To:" header shows them
// ("a@x.cn, b@y.cn").
std::string JoinAddresses(const std::vector<std::string>& addresses);
std::vector<std::string> SplitAddresses(std::string_view joined);

// How the SMTP connection is secured: plain, STARTTLS when offered, STARTTLS required, or TLS
// from the first byte (smtps, usually port 465).
enum class SmtpTlsMode { kNone, kTry, kRequire, kImplicit };
const char* SmtpTlsModeName(SmtpTlsMode m);
std::optional<SmtpTlsMode> ParseSmtpTlsMode(std::string_view name);

// The SMTP server as operators set it in the web app. Credentials are never part of it: the AUTH
// user and password come only from the server's configuration or environment.
struct SmtpSettings {
  std::string host;  // name or IPv4 address
  int64_t port = 587;
  SmtpTlsMode tls = SmtpTlsMode::kTry;
  std::string mail_from;  // envelope and From: address
};

// Validates operator SMTP settings. Errors name "host" (1-253 characters of letters, digits, '.',
// '-', '_'), "port" (1..65535) or "mail_from" (an address; user@host without a dot is accepted).
base::Status ValidateSmtpSettings(const SmtpSettings& s);
// Returns "smtp://host:port" or, for kImplicit, "smtps://host:port".
std::string SmtpUrl(const SmtpSettings& s);
// Reads host and port back from a notify_smtp_url ("smtp://host:587", "smtps://host"); nullopt
// when it is not one. Implicit TLS for smtps; `tls` otherwise.
std::optional<SmtpSettings> SettingsFromUrl(std::string_view url, SmtpTlsMode tls,
                                            std::string_view mail_from);
// Returns whether `a` is acceptable as a sender: LooksLikeEmail, or user@host without a dot.
bool LooksLikeSender(std::string_view a);

// The block a "send a test message" sends to one target: a bilingual title naming the target and
// a body saying who asked and when (`at`, UTC microseconds, shown in China time).
NotifyBlock TestBlock(const Target& t, std::string_view requested_by, base::Micros at);

// Returns whether `target` should receive a notification with this block (enabled and in scope;
// kAll targets receive only high-urgency notifications).
bool TargetMatches(const Target& target, const NotifyBlock& block);

enum class DeliveryStatus { kPending, kSending, kSent, kFailed };
const char* DeliveryStatusName(DeliveryStatus s);
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name);

struct Delivery {
  int64_t id = 0;
  int64_t event_seq = 0;
  Channel channel = Channel::kEmail;
  std::optional<int64_t> target_id;  // robots
  std::optional<base::UserId> user;  // e-mail
  std::string recipient;             // e-mail address or target name
  std::string subject;
  std::string payload;  // e-mail: the RFC 5322 message; robots: the JSON body
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  int max_attempts = 0;
  base::Micros next_at = 0;
  base::Micros created_at = 0;
  std::optional<base::Micros> sent_at;
  int last_code = 0;  // HTTP status or SMTP reply code of the last attempt (0 = none)
  std::string last_error;
};

struct Attempt {
  int64_t id = 0;
  int64_t delivery_id = 0;
  int number = 0;  // 1-based
  base::Micros at = 0;
  bool ok = false;
  int code = 0;
  std::string error;
  int64_t duration_ms = 0;
};

struct RetryPolicy {
  base::Micros base_delay = 30LL * 1000 * 1000;   // after the first failure
  base::Micros max_delay = 3600LL * 1000 * 1000;  // cap
  int max_attempts = 6;                           // then the delivery is kFailed
};

// Returns the wait after failed attempt number `attempt` (1-based): base * 2^(attempt-1), capped.
base::Micros BackoffDelay(const RetryPolicy& policy, int attempt);

// Renders the WeCom group-robot body {"msgtype":"markdown","markdown":{"content":…}} (content cut
// at a character boundary to 4096 bytes). `link_base` ("https://kechan.example") prefixes links.
std::string RenderWeCom(const NotifyBlock& block, std::string_view link_base);
// Renders the DingTalk group-robot body {"msgtype":"markdown","markdown":{"title":…,"text":…}}.
std::string RenderDingTalk(const NotifyBlock& block, std::string_view link_base);

// Returns the query to append to a DingTalk webhook URL when a secret is set:
// "timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256(secret, "<ms>\n<secret>")>".
std::string DingTalkSignQuery(std::string_view secret, int64_t timestamp_ms);
// Returns `url` with `query` appended after "?" or "&".
std::string AppendQuery(std::string_view url, std::string_view query);

struct EmailHeaders {
  std::string from;  // "kechan@example.org"
  std::string to;
  std::string message_id;  // without angle brackets
  base::Micros date = 0;
};
// Renders a UTF-8 text/plain RFC 5322 message: RFC 2047 encoded Subject, base64 body with the
// Chinese text, then the English, then the absolute link. Lines end in CRLF.
std::string RenderEmail(const NotifyBlock& block, const EmailHeaders& headers,
                        std::string_view link_base);
// Returns the subject line (Chinese title, else English) the e-mail and the log show.
std::string EmailSubject(const NotifyBlock& block);

// Returns whether a robot's HTTP answer means success: 2xx and, when the body is JSON with an
// "errcode", errcode 0 (WeCom and DingTalk answer 200 with errcode≠0 on errors).
bool RobotAccepted(int http_status, std::string_view body);

// Returns a plausible e-mail address check (one '@', no spaces, a dot in the domain).
bool LooksLikeEmail(std::string_view address);

}  // namespace kechan::notify
