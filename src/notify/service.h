// NotifyService: notifications derived from events. Tick() follows the event log (cursor
// "notify"), turns every event's "notify" block into inbox rows and outbox deliveries (e-mail over
// SMTP, WeCom / DingTalk group robots) in the same transaction that advances the cursor, then
// sends the due deliveries with retries and exponential backoff, logging every attempt. Users read
// and mark their own inbox; operators manage robot targets and see and retry deliveries.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_service.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/result.h"
#include "notify/directory.h"
#include "notify/model.h"
#include "notify/transport.h"
#include "store/database.h"
#include "store/event_log.h"

namespace kechan::notify {

struct NotifyOptions {
  // SMTP server for e-mail, "smtp://host:587" or "smtps://host:465"; empty = no e-mail.
  std::string smtp_url;
  std::string smtp_user;
  std::string smtp_password;
  SmtpTls smtp_tls = SmtpTls::kTry;
  std::string mail_from = "kechan@localhost";
  // Prefix for links in e-mail and robot messages ("https://kechan.example.gov.cn").
  std::string public_url;
  RetryPolicy retry;
  SendOptions send;
  int ingest_batch = 200;  // events per follower step
  int ingest_steps = 20;   // follower steps per Tick at most
  int send_batch = 50;     // deliveries sent per Tick at most
};

// The configuration keys of notify (docs/configuration.md, section notify) for `kechan serve`.
std::vector<base::ConfigKey> ConfigKeys();
// Reads NotifyOptions from `config` (which must know ConfigKeys()). Errors: InvalidArgument
// naming the "--notify_..." flag that is out of range or malformed.
base::Result<NotifyOptions> OptionsFromConfig(const base::Config& config);

struct TickReport {
  int events = 0;         // events read from the log
  int notifications = 0;  // events that carried a valid notify block
  int inbox_rows = 0;
  int deliveries_created = 0;
  int sent = 0;
  int failed_attempts = 0;
  int gave_up = 0;    // deliveries that reached max_attempts
  int recovered = 0;  // claims of a crashed sender put back in the queue
  int bad_blocks = 0;
};

struct InboxItem {
  int64_t id = 0;
  int64_t event_seq = 0;
  std::string event_kind;
  BiText title;
  BiText body;
  std::string link;
  Urgency urgency = Urgency::kNormal;
  base::Micros created_at = 0;
  std::optional<base::Micros> read_at;
};

struct InboxQuery {
  bool unread_only = false;
  int64_t page = 1;        // from 1
  int64_t page_size = 20;  // 1..100
};

struct InboxPage {
  std::vector<InboxItem> items;
  int64_t total = 0;   // matching the query
  int64_t unread = 0;  // all unread of the user
  int64_t page = 1;
  int64_t page_size = 20;
};

struct DeliveryFilter {
  std::optional<DeliveryStatus> status;
  std::optional<Channel> channel;
  std::optional<int64_t> event_seq;
  std::optional<int64_t> target_id;
  int64_t page = 1;
  int64_t page_size = 50;  // 1..200
};

struct DeliveryPage {
  std::vector<Delivery> items;
  int64_t total = 0;
  int64_t page = 1;
  int64_t page_size = 50;
};

struct DeliveryDetail {
  Delivery delivery;
  std::vector<Attempt> attempts;
};

// Fields of a target an update may change (unset = keep).
struct TargetPatch {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<std::string> secret;                  // "" removes it
  std::optional<std::vector<std::string>> addresses;  // e-mail targets
  std::optional<ScopeKind> scope;
  std::optional<std::string> scope_value;
  std::optional<bool> enabled;
};

// The SMTP server in use and where it comes from: "operator" (set in the web app, stored in
// notify_smtp), "config" (notify_smtp_url) or "none" (e-mail off). Credentials are never stored:
// `username` and whether a password is set come from the configuration / environment.
struct SmtpView {
  std::string source = "none";
  std::optional<SmtpSettings> settings;  // unset when source is "none"
  std::string username;
  bool has_password = false;
  std::optional<base::Micros> updated_at;  // operator settings only
  std::string updated_by;
};

// What "send a test message" to a target did (sent at once, one attempt, logged as a delivery).
struct TestOutcome {
  int64_t delivery_id = 0;
  bool ok = false;
  int code = 0;  // HTTP status or SMTP reply code
  std::string error;
  int64_t duration_ms = 0;
  std::string recipient;  // the addresses or the robot's name
};

// Thread-safe: every method opens its own transactions; Tick() calls are serialised within the
// process, and several processes may tick the same database (the cursor step and the delivery
// claims are transactional). The Database and Clock must outlive the service.
class NotifyService {
 public:
  NotifyService(store::Database& db, const base::Clock& clock, std::unique_ptr<Directory> directory,
                std::unique_ptr<Transport> transport, NotifyOptions options);
  // The production wiring: AuthDirectory over `auth` (which must outlive the service) and the
  // libcurl transport.
  static std::unique_ptr<NotifyService> Make(store::Database& db, const base::Clock& clock,
                                             auth::AuthService& auth, NotifyOptions options);

  // Follows the event log into inbox rows and deliveries, then sends the due deliveries (each
  // bounded by options.send.timeout_ms, concurrently). Meant for the server's background thread.
  // Errors: storage errors (the next Tick carries on where this one stopped).
  base::Status Tick(TickReport* report = nullptr);
  // The two halves of Tick, for tests and tools.
  base::Status Ingest(TickReport* report = nullptr);
  base::Status SendDue(TickReport* report = nullptr);

  // ---- inbox (the signed-in user's own items; others' are kNotFound) --------------------------
  // Errors: kUnauthenticated; InvalidArgument naming "page" / "page_size".
  base::Result<InboxPage> ListInbox(const auth::Principal& who, const InboxQuery& query);
  base::Result<int64_t> UnreadCount(const auth::Principal& who);
  // Marks one item read (idempotent; appends "notify.inbox.read" when it changes). Errors:
  // kNotFound naming "id" when the item does not exist or is someone else's; kUnauthenticated.
  base::Result<InboxItem> MarkRead(const auth::Principal& who, int64_t id);
  // Marks all of the user's items read; returns how many changed ("notify.inbox.read_all").
  base::Result<int64_t> MarkAllRead(const auth::Principal& who);

  // ---- operators -----------------------------------------------------------------------------
  // Sends an announcement (通知公告): appends "notify.announcement" carrying `block`, which the
  // next Tick turns into inbox rows and deliveries like any other event's block. Returns the
  // event's seq. Errors: kUnauthenticated; kPermissionDenied for non-operators; InvalidArgument
  // with ParseNotifyBlock's rules, or naming "notify.users" when nobody is addressed.
  base::Result<int64_t> Announce(const auth::Principal& who, const NotifyBlock& block);
  // The same for the CLI and the demo loader (no principal); `actor` is recorded on the event.
  base::Result<int64_t> AnnounceAsSystem(const NotifyBlock& block, const std::string& actor);
  // Errors for all: kUnauthenticated; kPermissionDenied for non-operators.
  base::Result<DeliveryPage> ListDeliveries(const auth::Principal& who, const DeliveryFilter& f);
  // Errors also: kNotFound naming "id".
  base::Result<DeliveryDetail> GetDelivery(const auth::Principal& who, int64_t id);
  // Puts a failed delivery back in the queue with a fresh round of attempts
  // ("notify.delivery.retried"). Errors also: kNotFound; kFailedPrecondition
  // "notify.already_sent" for a sent one, "notify.not_failed" for one still being tried.
  base::Result<Delivery> RetryDelivery(const auth::Principal& who, int64_t id);
  base::Result<std::vector<Target>> ListTargets(const auth::Principal& who);
  // Errors also: ValidateTarget's.
  base::Result<Target> CreateTarget(const auth::Principal& who, Target target);
  // Errors also: kNotFound naming "id"; ValidateTarget's.
  base::Result<Target> UpdateTarget(const auth::Principal& who, int64_t id,
                                    const TargetPatch& patch);
  base::Status DeleteTarget(const auth::Principal& who, int64_t id);
  // Sends a test message (TestBlock) to the target now, bypassing scopes and the queue, and
  // returns the outcome; the attempt is logged as a delivery of a "notify.target.tested" event
  // (one attempt, no retries). Errors also: kNotFound naming "id"; kFailedPrecondition
  // "notify.smtp_off" naming "smtp" for an e-mail target while no SMTP server is set.
  base::Result<TestOutcome> TestTarget(const auth::Principal& who, int64_t id);

  // ---- SMTP settings (operators) ------------------------------------------------------------
  base::Result<SmtpView> GetSmtp(const auth::Principal& who);
  // Stores the operator's SMTP server ("notify.smtp.updated"; the event holds host, port, TLS
  // and sender, never credentials). It replaces notify_smtp_url until ResetSmtp. Errors also:
  // ValidateSmtpSettings's.
  base::Result<SmtpView> SetSmtp(const auth::Principal& who, const SmtpSettings& settings);
  // Forgets the operator's SMTP server, so the configuration applies again
  // ("notify.smtp.reset"; idempotent).
  base::Result<SmtpView> ResetSmtp(const auth::Principal& who);

  const NotifyOptions& options() const { return options_; }

 private:
  struct Prepared;
  base::Result<int> IngestStep(TickReport& report);
  struct SmtpRoute;
  base::Status ApplyEvent(store::Tx& tx, const store::Event& event, const Prepared& prepared,
                          const std::vector<Target>& targets, const std::optional<SmtpRoute>& smtp,
                          TickReport& report);
  base::Status RecoverExpired(TickReport& report);
  base::Result<int64_t> AppendAnnouncement(const NotifyBlock& block, const std::string& actor);
  // The SMTP server to use now (operator settings, else the configuration), with credentials.
  struct SmtpRoute {
    std::string url;
    SmtpTls tls = SmtpTls::kNone;
    std::string mail_from;
  };
  base::Result<std::optional<SmtpRoute>> ResolveSmtp(store::Tx& tx) const;
  base::Result<SmtpView> ViewSmtp(store::Tx& tx) const;
  OutgoingMessage MailMessage(const SmtpRoute& route, std::string body,
                              std::vector<std::string> rcpt) const;
  base::Micros Now() const { return clock_.NowMicros(); }

  store::Database& db_;
  const base::Clock& clock_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Transport> transport_;
  const NotifyOptions options_;
  std::mutex tick_mu_;  // one Tick at a time per process
};

}  // namespace kechan::notify
