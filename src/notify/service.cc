#include "notify/service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "base/log.h"
#include "base/strcat.h"
#include "store/event_follower.h"
#include "store/event_log.h"

namespace kechan::notify {
namespace {

using base::Micros;
using base::Result;
using base::Status;
using store::Row;
using store::Rows;
using store::Tx;
using store::TxKind;
using store::Value;

constexpr char kConsumer[] = "notify";

bool IsOperator(const auth::Principal& p) { return p.signed_in() && p.Has(auth::Role::kOperator); }

Status RequireSignedIn(const auth::Principal& p) {
  if (!p.signed_in()) {
    return base::Unauthenticated("auth.required", "Please sign in first.", "请先登录。");
  }
  return Status::Ok();
}

Status RequireOperator(const auth::Principal& p) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(p));
  if (!IsOperator(p)) {
    return base::PermissionDenied("notify.operators_only",
                                  "Only platform operators can manage notification delivery.",
                                  "只有平台运营人员可以管理消息投递。");
  }
  return Status::Ok();
}

Status CheckPage(int64_t page, int64_t page_size, int64_t max) {
  if (page < 1 || page > 1000000) {
    return base::InvalidArgument("page", "page.range", "page must be 1 or more", "page 须不小于 1");
  }
  if (page_size < 1 || page_size > max) {
    return base::InvalidArgument("page_size", "page.range",
                                 "page_size must be 1 to " + std::to_string(max),
                                 "page_size 须在 1 到 " + std::to_string(max) + " 之间");
  }
  return Status::Ok();
}

std::string Actor(const auth::Principal& p) { return "user:" + p.user.ToString(); }

constexpr char kInboxCols[] =
    "id, event_seq, event_kind, title_zh, title_en, body_zh, body_en, link, urgency, created_at, "
    "read_at";

InboxItem InboxFromRow(const Row& r) {
  InboxItem i;
  i.id = r.Int(0);
  i.event_seq = r.Int(1);
  i.event_kind = r.Text(2);
  i.title = BiText{.zh = r.Text(3), .en = r.Text(4)};
  i.body = BiText{.zh = r.Text(5), .en = r.Text(6)};
  i.link = r.Text(7);
  i.urgency = ParseUrgency(r.Text(8)).value_or(Urgency::kNormal);
  i.created_at = r.Int(9);
  if (!r.IsNull(10)) {
    i.read_at = r.Int(10);
  }
  return i;
}

constexpr char kDeliveryCols[] =
    "id, event_seq, channel, target_id, user_id, recipient, subject, payload, status, attempts, "
    "max_attempts, next_at, created_at, sent_at, last_code, last_error";

Delivery DeliveryFromRow(const Row& r) {
  Delivery d;
  d.id = r.Int(0);
  d.event_seq = r.Int(1);
  d.channel = ParseChannel(r.Text(2)).value_or(Channel::kEmail);
  if (!r.IsNull(3)) {
    d.target_id = r.Int(3);
  }
  if (!r.IsNull(4)) {
    d.user = base::UserId{r.Int(4)};
  }
  d.recipient = r.Text(5);
  d.subject = r.Text(6);
  d.payload = r.Text(7);
  d.status = ParseDeliveryStatus(r.Text(8)).value_or(DeliveryStatus::kPending);
  d.attempts = static_cast<int>(r.Int(9));
  d.max_attempts = static_cast<int>(r.Int(10));
  d.next_at = r.Int(11);
  d.created_at = r.Int(12);
  if (!r.IsNull(13)) {
    d.sent_at = r.Int(13);
  }
  d.last_code = static_cast<int>(r.Int(14));
  d.last_error = r.Text(15);
  return d;
}

constexpr char kTargetCols[] =
    "id, name, channel, url, secret, scope, scope_value, enabled, created_at, updated_at, "
    "addresses";

Target TargetFromRow(const Row& r) {
  Target t;
  t.id = r.Int(0);
  t.name = r.Text(1);
  t.channel = ParseChannel(r.Text(2)).value_or(Channel::kWeCom);
  t.url = r.Text(3);
  t.secret = r.Text(4);
  t.scope = ParseScopeKind(r.Text(5)).value_or(ScopeKind::kOrg);
  t.scope_value = r.Text(6);
  t.enabled = r.Int(7) != 0;
  t.created_at = r.Int(8);
  t.updated_at = r.Int(9);
  t.addresses = SplitAddresses(r.Text(10));
  return t;
}

Result<std::vector<Target>> LoadTargets(Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(Rows rows,
                          tx.Query(std::string("SELECT ") + kTargetCols +
                                   " FROM notify_targets WHERE deleted = 0 ORDER BY id"));
  std::vector<Target> out;
  for (const auto& r : rows.rows) {
    out.push_back(TargetFromRow(r));
  }
  return out;
}

Result<std::optional<Target>> FindTarget(Tx& tx, int64_t id) {
  KECHAN_ASSIGN_OR_RETURN(Rows rows,
                          tx.Query(std::string("SELECT ") + kTargetCols +
                                       " FROM notify_targets WHERE id = ? AND deleted = 0",
                                   {id}));
  if (rows.empty()) {
    return std::optional<Target>();
  }
  return std::optional<Target>(TargetFromRow(rows.rows[0]));
}

// The event payload of a target: everything but the secret.
std::string TargetEventJson(const Target& t) {
  std::string addresses;
  for (const auto& a : t.addresses) {
    addresses += (addresses.empty() ? "" : ",") + base::JsonQuoted(a);
  }
  return "{\"id\":" + std::to_string(t.id) + ",\"name\":" + base::JsonQuoted(t.name) +
         ",\"channel\":\"" + ChannelName(t.channel) + "\",\"scope\":\"" + ScopeKindName(t.scope) +
         "\",\"scope_value\":" + base::JsonQuoted(t.scope_value) +
         ",\"enabled\":" + (t.enabled ? "true" : "false") +
         ",\"has_secret\":" + (t.secret.empty() ? "false" : "true") + ",\"addresses\":[" +
         addresses + "]}";
}

SmtpTls TransportTls(SmtpTlsMode m) {
  switch (m) {
    case SmtpTlsMode::kNone:
    case SmtpTlsMode::kImplicit:  // smtps:// is TLS from the start
      return SmtpTls::kNone;
    case SmtpTlsMode::kTry:
      return SmtpTls::kTry;
    case SmtpTlsMode::kRequire:
      return SmtpTls::kRequire;
  }
  return SmtpTls::kTry;
}

SmtpTlsMode ModeOf(SmtpTls t) {
  switch (t) {
    case SmtpTls::kNone:
      return SmtpTlsMode::kNone;
    case SmtpTls::kTry:
      return SmtpTlsMode::kTry;
    case SmtpTls::kRequire:
      return SmtpTlsMode::kRequire;
  }
  return SmtpTlsMode::kTry;
}

struct StoredSmtp {
  SmtpSettings settings;
  Micros updated_at = 0;
  std::string updated_by;
};

Result<std::optional<StoredSmtp>> LoadStoredSmtp(Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT host, port, tls, mail_from, updated_at, "
                                              "updated_by FROM notify_smtp WHERE id = 1"));
  if (rows.empty()) {
    return std::optional<StoredSmtp>();
  }
  const Row& r = rows.rows[0];
  StoredSmtp s;
  s.settings.host = r.Text(0);
  s.settings.port = r.Int(1);
  s.settings.tls = ParseSmtpTlsMode(r.Text(2)).value_or(SmtpTlsMode::kTry);
  s.settings.mail_from = r.Text(3);
  s.updated_at = r.Int(4);
  s.updated_by = r.Text(5);
  return std::optional<StoredSmtp>(std::move(s));
}

std::string SmtpEventJson(const SmtpSettings& s) {
  return "{\"host\":" + base::JsonQuoted(s.host) + ",\"port\":" + std::to_string(s.port) +
         ",\"tls\":\"" + SmtpTlsModeName(s.tls) +
         "\",\"mail_from\":" + base::JsonQuoted(s.mail_from) + "}";
}

Status TargetNotFound() {
  return base::NotFound("notify.target_not_found", "The robot target does not exist.",
                        "该群机器人不存在。", "id");
}

std::string Host(const std::string& mail_from) {
  size_t at = mail_from.find('@');
  return at == std::string::npos ? std::string("kechan") : mail_from.substr(at + 1);
}

}  // namespace

// ---- configuration ---------------------------------------------------------------------------
std::vector<base::ConfigKey> ConfigKeys() {
  return {
      {"notify_smtp_url", "",
       "SMTP server for e-mail (smtp://host:587, smtps://host:465); empty = off"},
      {"notify_smtp_user", "", "SMTP AUTH user name (empty = no AUTH)"},
      {"notify_smtp_password", "", "SMTP AUTH password"},
      {"notify_smtp_tls", "try", "STARTTLS: none, try or require (smtps:// is always TLS)"},
      {"notify_mail_from", "kechan@localhost", "sender address of notification e-mail"},
      {"notify_public_url", "", "the site's public address, prefixed to links in messages"},
      {"notify_retry_base_ms", "30000", "wait after a delivery's first failure; doubles each time"},
      {"notify_retry_max_ms", "3600000", "longest wait between two attempts"},
      {"notify_max_attempts", "6", "attempts before a delivery is marked failed"},
      {"notify_send_timeout_ms", "10000", "time one e-mail or webhook may take"},
      {"notify_tick_ms", "2000", "how often the server's background thread ticks notify"},
  };
}

Result<NotifyOptions> OptionsFromConfig(const base::Config& config) {
  NotifyOptions o;
  o.smtp_url = config.Get("notify_smtp_url");
  if (!o.smtp_url.empty() && o.smtp_url.rfind("smtp://", 0) != 0 &&
      o.smtp_url.rfind("smtps://", 0) != 0) {
    return base::InvalidArgument("--notify_smtp_url", "config.smtp_url",
                                 "notify_smtp_url must start with smtp:// or smtps://",
                                 "notify_smtp_url 须以 smtp:// 或 smtps:// 开头");
  }
  o.smtp_user = config.Get("notify_smtp_user");
  o.smtp_password = config.Get("notify_smtp_password");
  const std::string& tls = config.Get("notify_smtp_tls");
  if (tls == "none") {
    o.smtp_tls = SmtpTls::kNone;
  } else if (tls == "try") {
    o.smtp_tls = SmtpTls::kTry;
  } else if (tls == "require") {
    o.smtp_tls = SmtpTls::kRequire;
  } else {
    return base::InvalidArgument("--notify_smtp_tls", "config.smtp_tls",
                                 "notify_smtp_tls must be none, try or require",
                                 "notify_smtp_tls 须为 none、try 或 require");
  }
  o.mail_from = config.Get("notify_mail_from");
  if (!LooksLikeEmail(o.mail_from)) {
    // "kechan@localhost" has no dot; accept user@host as well.
    if (o.mail_from.find('@') == std::string::npos || o.mail_from.find(' ') != std::string::npos) {
      return base::InvalidArgument("--notify_mail_from", "config.mail_from",
                                   "notify_mail_from must be an e-mail address",
                                   "notify_mail_from 须为电子邮件地址");
    }
  }
  o.public_url = config.Get("notify_public_url");
  struct IntKey {
    const char* name;
    int64_t min;
    int64_t max;
    int64_t* out;
  };
  int64_t base_ms = 0;
  int64_t max_ms = 0;
  int64_t attempts = 0;
  int64_t timeout = 0;
  const IntKey keys[] = {{"notify_retry_base_ms", 1, 86400000, &base_ms},
                         {"notify_retry_max_ms", 1, 7 * 86400000LL, &max_ms},
                         {"notify_max_attempts", 1, 100, &attempts},
                         {"notify_send_timeout_ms", 100, 600000, &timeout}};
  for (const auto& k : keys) {
    KECHAN_ASSIGN_OR_RETURN(int64_t v, config.GetInt(k.name));
    if (v < k.min || v > k.max) {
      std::string flag = std::string("--") + k.name;
      std::string range = std::to_string(k.min) + ".." + std::to_string(k.max);
      return base::InvalidArgument(flag, "cli.range", base::StrCat(flag, " must be in ", range),
                                   base::StrCat(flag, " 须在 ", range, " 之间"));
    }
    *k.out = v;
  }
  o.retry.base_delay = base_ms * 1000;
  o.retry.max_delay = std::max(base_ms, max_ms) * 1000;
  o.retry.max_attempts = static_cast<int>(attempts);
  o.send.timeout_ms = timeout;
  o.send.connect_timeout_ms = std::min<int64_t>(timeout, 5000);
  return o;
}

// ---- construction ----------------------------------------------------------------------------
NotifyService::NotifyService(store::Database& db, const base::Clock& clock,
                             std::unique_ptr<Directory> directory,
                             std::unique_ptr<Transport> transport, NotifyOptions options)
    : db_(db),
      clock_(clock),
      directory_(std::move(directory)),
      transport_(std::move(transport)),
      options_(std::move(options)) {}

std::unique_ptr<NotifyService> NotifyService::Make(store::Database& db, const base::Clock& clock,
                                                   auth::AuthService& auth, NotifyOptions options) {
  return std::make_unique<NotifyService>(db, clock, std::make_unique<AuthDirectory>(auth),
                                         MakeCurlTransport(), std::move(options));
}

// ---- following the event log -----------------------------------------------------------------
struct NotifyService::Prepared {
  bool bad = false;  // the block is malformed (logged, skipped)
  std::optional<NotifyBlock> block;
  std::vector<Recipient> recipients;
};

Status NotifyService::Tick(TickReport* report) {
  TickReport local;
  TickReport& r = report != nullptr ? *report : local;
  std::lock_guard<std::mutex> lock(tick_mu_);
  Status ingest;
  for (int i = 0; i < std::max(1, options_.ingest_steps); ++i) {
    Result<int> n = IngestStep(r);
    if (!n.ok()) {
      ingest = n.status();
      break;
    }
    if (*n == 0) {
      break;
    }
  }
  // Sending goes on even when following failed, so an event the directory cannot resolve right
  // now does not stop the deliveries already queued.
  Status send = RecoverExpired(r);
  if (send.ok()) {
    send = SendDue(&r);
  }
  if (!ingest.ok()) {
    return ingest;
  }
  return send;
}

Status NotifyService::Ingest(TickReport* report) {
  TickReport local;
  TickReport& r = report != nullptr ? *report : local;
  for (int i = 0; i < std::max(1, options_.ingest_steps); ++i) {
    KECHAN_ASSIGN_OR_RETURN(int n, IngestStep(r));
    if (n == 0) {
      break;
    }
  }
  return Status::Ok();
}

Result<int> NotifyService::IngestStep(TickReport& report) {
  store::EventFollower follower(db_, kConsumer);
  // Parse blocks and resolve recipients outside the write transaction, so it stays short and
  // does not hold the writer while the directory reads.
  KECHAN_ASSIGN_OR_RETURN(std::vector<store::Event> peek, follower.Next(options_.ingest_batch));
  if (peek.empty()) {
    return 0;
  }
  std::map<int64_t, Prepared> prepared;
  // Many events of a batch address the same audience (every duty director, one department's
  // officers): resolve each audience once per step.
  std::map<std::string, std::vector<Recipient>> resolved;
  auto resolve = [&](const NotifyBlock& b) -> Result<std::vector<Recipient>> {
    std::string key;
    for (auto u : b.users) {
      key += "u" + u.ToString() + ",";
    }
    for (auto o : b.orgs) {
      key += "o" + o.ToString() + ",";
    }
    for (auto r : b.roles) {
      key += std::string("r") + auth::RoleName(r) + ",";
    }
    auto it = resolved.find(key);
    if (it != resolved.end()) {
      return it->second;
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Recipient> r, directory_->Resolve(b));
    resolved.emplace(key, r);
    return r;
  };
  auto prepare = [&](const store::Event& e) -> Status {
    Prepared p;
    Result<std::optional<NotifyBlock>> block = ParseNotifyBlock(e.payload);
    if (!block.ok()) {
      p.bad = true;
      base::Log(base::LogLevel::kWarn, "notify.bad_block",
                {{"seq", e.seq},
                 {"kind", e.kind},
                 {"field", block.status().field()},
                 {"error", block.status().message_en()}});
    } else if (*block) {
      KECHAN_ASSIGN_OR_RETURN(p.recipients, resolve(**block));
      p.block = std::move(*block);
    }
    prepared.emplace(e.seq, std::move(p));
    return Status::Ok();
  };
  for (const auto& e : peek) {
    KECHAN_RETURN_IF_ERROR(prepare(e));
  }
  TickReport step;
  Result<int> applied = follower.Step(
      [&](Tx& tx, const std::vector<store::Event>& events) -> Status {
        step = TickReport{};
        KECHAN_ASSIGN_OR_RETURN(std::vector<Target> targets, LoadTargets(tx));
        KECHAN_ASSIGN_OR_RETURN(std::optional<SmtpRoute> smtp, ResolveSmtp(tx));
        for (const auto& e : events) {
          if (prepared.find(e.seq) == prepared.end()) {
            // Another process moved the cursor between the peek and this step.
            KECHAN_RETURN_IF_ERROR(prepare(e));
          }
          KECHAN_RETURN_IF_ERROR(ApplyEvent(tx, e, prepared.at(e.seq), targets, smtp, step));
        }
        step.events = static_cast<int>(events.size());
        return Status::Ok();
      },
      options_.ingest_batch);
  if (!applied.ok()) {
    return applied.status();
  }
  report.events += step.events;
  report.notifications += step.notifications;
  report.inbox_rows += step.inbox_rows;
  report.deliveries_created += step.deliveries_created;
  report.bad_blocks += step.bad_blocks;
  return *applied;
}

Status NotifyService::ApplyEvent(Tx& tx, const store::Event& e, const Prepared& p,
                                 const std::vector<Target>& targets,
                                 const std::optional<SmtpRoute>& smtp, TickReport& report) {
  if (p.bad) {
    ++report.bad_blocks;
    return Status::Ok();
  }
  if (!p.block) {
    return Status::Ok();
  }
  const NotifyBlock& b = *p.block;
  ++report.notifications;
  const Micros now = Now();
  for (const Recipient& r : p.recipients) {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO notify_inbox (user_id, event_seq, event_kind, title_zh, title_en, "
                "body_zh, body_en, link, urgency, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                {r.user.value, e.seq, e.kind, b.title.zh, b.title.en, b.body.zh, b.body.en, b.link,
                 std::string(UrgencyName(b.urgency)), now})
            .status());
    ++report.inbox_rows;
  }
  auto add_delivery = [&](Channel channel, Value target_id, Value user_id, std::string key,
                          std::string recipient, std::string subject,
                          std::string payload) -> Status {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO notify_deliveries (event_seq, channel, target_id, user_id, "
                "recipient_key, recipient, subject, payload, status, attempts, max_attempts, "
                "next_at, created_at) VALUES (?,?,?,?,?,?,?,?,'pending',0,?,?,?)",
                {e.seq, std::string(ChannelName(channel)), std::move(target_id), std::move(user_id),
                 std::move(key), std::move(recipient), std::move(subject), std::move(payload),
                 int64_t{options_.retry.max_attempts}, now, now})
            .status());
    ++report.deliveries_created;
    return Status::Ok();
  };
  for (const Recipient& r : p.recipients) {
    if (!smtp) {
      break;
    }
    if (!LooksLikeEmail(r.email)) {
      base::Log(base::LogLevel::kInfo, "notify.email_skipped",
                {{"seq", e.seq},
                 {"user", r.user.value},
                 {"reason", r.email.empty() ? "no_email" : "bad_email"}});
      continue;
    }
    const std::string message =
        RenderEmail(b,
                    EmailHeaders{.from = smtp->mail_from,
                                 .to = r.email,
                                 .message_id = "notify-" + std::to_string(e.seq) + "-" +
                                               r.user.ToString() + "@" + Host(smtp->mail_from),
                                 .date = now},
                    options_.public_url);
    KECHAN_RETURN_IF_ERROR(add_delivery(Channel::kEmail, nullptr, r.user.value,
                                        "user:" + r.user.ToString(), r.email, EmailSubject(b),
                                        message));
  }
  for (const Target& t : targets) {
    if (!TargetMatches(t, b)) {
      continue;
    }
    if (t.channel == Channel::kEmail) {
      if (!smtp) {
        base::Log(base::LogLevel::kInfo, "notify.email_skipped",
                  {{"seq", e.seq}, {"target", t.id}, {"reason", "smtp_off"}});
        continue;
      }
      const std::string to = JoinAddresses(t.addresses);
      std::string message =
          RenderEmail(b,
                      EmailHeaders{.from = smtp->mail_from,
                                   .to = to,
                                   .message_id = "notify-" + std::to_string(e.seq) + "-t" +
                                                 std::to_string(t.id) + "@" + Host(smtp->mail_from),
                                   .date = now},
                      options_.public_url);
      KECHAN_RETURN_IF_ERROR(add_delivery(Channel::kEmail, t.id, nullptr,
                                          "target:" + std::to_string(t.id), to, EmailSubject(b),
                                          std::move(message)));
      continue;
    }
    std::string body = t.channel == Channel::kDingTalk ? RenderDingTalk(b, options_.public_url)
                                                       : RenderWeCom(b, options_.public_url);
    KECHAN_RETURN_IF_ERROR(add_delivery(t.channel, t.id, nullptr, "target:" + std::to_string(t.id),
                                        t.name, b.title.In("zh"), std::move(body)));
  }
  return Status::Ok();
}

// ---- sending ---------------------------------------------------------------------------------
Status NotifyService::RecoverExpired(TickReport& report) {
  const Micros now = Now();
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows, tx.Query("SELECT id, attempts, max_attempts FROM notify_deliveries WHERE "
                            "status = 'sending' AND lease_until < ?",
                            {now}));
    for (const auto& r : rows.rows) {
      const int64_t id = r.Int(0);
      const int attempts = static_cast<int>(r.Int(1));
      const bool give_up = attempts >= r.Int(2);
      const std::string error = "interrupted: the sender stopped before recording a result";
      KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO notify_attempts (delivery_id, number, at, ok, "
                                     "code, error) VALUES (?,?,?,0,0,?)",
                                     {id, int64_t{attempts}, now, error})
                                 .status());
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("UPDATE notify_deliveries SET status = ?, next_at = ?, last_error = ? WHERE "
                  "id = ? AND status = 'sending'",
                  {std::string(give_up ? "failed" : "pending"),
                   now + BackoffDelay(options_.retry, attempts), error, id})
              .status());
      ++report.recovered;
      base::Log(base::LogLevel::kWarn, "notify.delivery_recovered", {{"delivery", id}});
    }
    return Status::Ok();
  });
}

Status NotifyService::SendDue(TickReport* report) {
  TickReport local;
  TickReport& rep = report != nullptr ? *report : local;
  const Micros now = Now();
  const Micros lease = (options_.send.timeout_ms * 2 + 60000) * 1000;
  struct Claimed {
    Delivery delivery;
    std::optional<Target> target;
  };
  std::vector<Claimed> claimed;
  std::optional<SmtpRoute> smtp;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    claimed.clear();
    KECHAN_ASSIGN_OR_RETURN(smtp, ResolveSmtp(tx));
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows, tx.Query(std::string("SELECT ") + kDeliveryCols +
                                " FROM notify_deliveries WHERE status = 'pending' AND next_at <= "
                                "? ORDER BY next_at, id LIMIT ?",
                            {now, int64_t{options_.send_batch}}));
    for (const auto& r : rows.rows) {
      Delivery d = DeliveryFromRow(r);
      KECHAN_ASSIGN_OR_RETURN(
          int64_t changed,
          tx.Exec("UPDATE notify_deliveries SET status = 'sending', attempts = attempts + 1, "
                  "lease_until = ? WHERE id = ? AND status = 'pending'",
                  {now + lease, d.id}));
      if (changed != 1) {
        continue;  // another process claimed it
      }
      d.attempts += 1;
      d.status = DeliveryStatus::kSending;
      Claimed c{.delivery = std::move(d), .target = std::nullopt};
      if (c.delivery.target_id) {
        KECHAN_ASSIGN_OR_RETURN(c.target, FindTarget(tx, *c.delivery.target_id));
      }
      claimed.push_back(std::move(c));
    }
    return Status::Ok();
  }));
  if (claimed.empty()) {
    return Status::Ok();
  }

  // Build the messages; deliveries that cannot be sent at all fail without a network exchange.
  std::vector<OutgoingMessage> messages;
  std::vector<size_t> message_of(claimed.size(), SIZE_MAX);
  std::vector<std::string> precheck(claimed.size());
  for (size_t i = 0; i < claimed.size(); ++i) {
    const Delivery& d = claimed[i].delivery;
    OutgoingMessage m;
    const std::optional<Target>& t = claimed[i].target;
    if (d.target_id && !t) {
      precheck[i] = "the target was deleted";
      continue;
    }
    if (t && !t->enabled) {
      precheck[i] = "the target is disabled";
      continue;
    }
    if (d.channel == Channel::kEmail) {
      if (!smtp) {
        precheck[i] = "e-mail is not configured (no SMTP server)";
        continue;
      }
      // The envelope goes to the addresses the message was rendered for ("To:").
      m = MailMessage(*smtp, d.payload, SplitAddresses(d.recipient));
    } else {
      if (!t) {
        precheck[i] = "the robot target is missing";
        continue;
      }
      m.kind = MessageKind::kHttpPost;
      m.url = t->url;
      if (t->channel == Channel::kDingTalk && !t->secret.empty()) {
        m.url = AppendQuery(t->url, DingTalkSignQuery(t->secret, Now() / 1000));
      }
      m.body = d.payload;
    }
    message_of[i] = messages.size();
    messages.push_back(std::move(m));
  }
  std::vector<SendOutcome> outcomes = transport_->SendAll(messages, options_.send);

  const Micros done = Now();
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    for (size_t i = 0; i < claimed.size(); ++i) {
      const Delivery& d = claimed[i].delivery;
      SendOutcome o;
      bool ok = false;
      if (message_of[i] == SIZE_MAX) {
        o.error = precheck[i];
      } else {
        o = outcomes.at(message_of[i]);
        if (d.channel == Channel::kEmail) {
          ok = o.transport_ok;
        } else {
          ok = o.transport_ok && RobotAccepted(o.code, o.response);
          if (o.transport_ok && !ok) {
            o.error = "HTTP " + std::to_string(o.code) + ": " + o.response.substr(0, 300);
          }
        }
      }
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO notify_attempts (delivery_id, number, at, ok, code, error, "
                  "duration_ms) VALUES (?,?,?,?,?,?,?)",
                  {d.id, int64_t{d.attempts}, done, int64_t{ok ? 1 : 0}, int64_t{o.code}, o.error,
                   o.duration_ms})
              .status());
      if (ok) {
        KECHAN_RETURN_IF_ERROR(
            tx.Exec("UPDATE notify_deliveries SET status = 'sent', sent_at = ?, last_code = ?, "
                    "last_error = '' WHERE id = ?",
                    {done, int64_t{o.code}, d.id})
                .status());
        ++rep.sent;
        continue;
      }
      const bool give_up = d.attempts >= d.max_attempts || message_of[i] == SIZE_MAX;
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("UPDATE notify_deliveries SET status = ?, next_at = ?, last_code = ?, "
                  "last_error = ? WHERE id = ?",
                  {std::string(give_up ? "failed" : "pending"),
                   done + BackoffDelay(options_.retry, d.attempts), int64_t{o.code}, o.error, d.id})
              .status());
      ++rep.failed_attempts;
      rep.gave_up += give_up ? 1 : 0;
      base::Log(give_up ? base::LogLevel::kError : base::LogLevel::kWarn, "notify.delivery_failed",
                {{"delivery", d.id},
                 {"channel", ChannelName(d.channel)},
                 {"attempt", d.attempts},
                 {"code", o.code},
                 {"error", o.error},
                 {"gave_up", give_up}});
    }
    return Status::Ok();
  });
}

// ---- inbox -----------------------------------------------------------------------------------
Result<InboxPage> NotifyService::ListInbox(const auth::Principal& who, const InboxQuery& q) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(who));
  KECHAN_RETURN_IF_ERROR(CheckPage(q.page, q.page_size, 100));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  const std::string where = std::string(" FROM notify_inbox WHERE user_id = ?") +
                            (q.unread_only ? " AND read_at IS NULL" : "");
  InboxPage out{.items = {}, .total = 0, .unread = 0, .page = q.page, .page_size = q.page_size};
  KECHAN_ASSIGN_OR_RETURN(Rows count, tx->Query("SELECT COUNT(*)" + where, {who.user.value}));
  out.total = count.rows.at(0).Int(0);
  KECHAN_ASSIGN_OR_RETURN(
      Rows unread, tx->Query("SELECT COUNT(*) FROM notify_inbox WHERE user_id = ? AND read_at IS "
                             "NULL",
                             {who.user.value}));
  out.unread = unread.rows.at(0).Int(0);
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows,
      tx->Query(std::string("SELECT ") + kInboxCols + where + " ORDER BY id DESC LIMIT ? OFFSET ?",
                {who.user.value, q.page_size, (q.page - 1) * q.page_size}));
  for (const auto& r : rows.rows) {
    out.items.push_back(InboxFromRow(r));
  }
  return out;
}

Result<int64_t> NotifyService::UnreadCount(const auth::Principal& who) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(who));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows, tx->Query("SELECT COUNT(*) FROM notify_inbox WHERE user_id = ? AND read_at IS "
                           "NULL",
                           {who.user.value}));
  return rows.rows.at(0).Int(0);
}

Result<InboxItem> NotifyService::MarkRead(const auth::Principal& who, int64_t id) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(who));
  InboxItem item;
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(Rows rows,
                            tx.Query(std::string("SELECT ") + kInboxCols +
                                         " FROM notify_inbox WHERE id = ? AND user_id = ?",
                                     {id, who.user.value}));
    if (rows.empty()) {
      // Someone else's item answers exactly like a missing one, so ids cannot be probed.
      return base::NotFound("inbox.not_found", "The notification does not exist.", "该消息不存在。",
                            "id");
    }
    item = InboxFromRow(rows.rows[0]);
    if (item.read_at) {
      return Status::Ok();
    }
    const Micros now = Now();
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("UPDATE notify_inbox SET read_at = ? WHERE id = ?", {now, id}).status());
    item.read_at = now;
    return store::AppendEvent(
               tx,
               store::EventDraft{.kind = "notify.inbox.read",
                                 .entity = "inbox",
                                 .entity_id = std::to_string(id),
                                 .actor = Actor(who),
                                 .payload = "{\"user_id\":" + who.user.ToString() + ",\"ids\":[" +
                                            std::to_string(id) + "]}"},
               clock_)
        .status();
  });
  if (!s.ok()) {
    return s;
  }
  return item;
}

Result<int64_t> NotifyService::MarkAllRead(const auth::Principal& who) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(who));
  int64_t changed = 0;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    const Micros now = Now();
    KECHAN_ASSIGN_OR_RETURN(changed, tx.Exec("UPDATE notify_inbox SET read_at = ? WHERE user_id = "
                                             "? AND read_at IS NULL",
                                             {now, who.user.value}));
    if (changed == 0) {
      return Status::Ok();
    }
    return store::AppendEvent(
               tx,
               store::EventDraft{.kind = "notify.inbox.read_all",
                                 .entity = "user",
                                 .entity_id = who.user.ToString(),
                                 .actor = Actor(who),
                                 .payload = "{\"user_id\":" + who.user.ToString() +
                                            ",\"count\":" + std::to_string(changed) + "}"},
               clock_)
        .status();
  }));
  return changed;
}

// ---- announcements -----------------------------------------------------------------------------
Result<int64_t> NotifyService::Announce(const auth::Principal& who, const NotifyBlock& block) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  return AppendAnnouncement(block, Actor(who));
}

Result<int64_t> NotifyService::AnnounceAsSystem(const NotifyBlock& block,
                                                const std::string& actor) {
  return AppendAnnouncement(block, actor);
}

Result<int64_t> NotifyService::AppendAnnouncement(const NotifyBlock& block,
                                                  const std::string& actor) {
  const std::string payload = "{\"notify\":" + NotifyBlockJson(block) + "}";
  // One set of rules: the block must read back as the follower will read it.
  KECHAN_RETURN_IF_ERROR(ParseNotifyBlock(payload).status());
  if (block.users.empty() && block.orgs.empty() && block.roles.empty() && block.chains.empty()) {
    return base::InvalidArgument("notify.users", "notify.no_audience",
                                 "name at least one user, organisation, role or chain",
                                 "请至少指定一个用户、机构、角色或产业链");
  }
  int64_t seq = 0;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(seq, store::AppendEvent(tx,
                                                    store::EventDraft{.kind = "notify.announcement",
                                                                      .entity = "announcement",
                                                                      .entity_id = "",
                                                                      .actor = actor,
                                                                      .payload = payload},
                                                    clock_));
    return Status::Ok();
  }));
  return seq;
}

// ---- deliveries --------------------------------------------------------------------------------
Result<DeliveryPage> NotifyService::ListDeliveries(const auth::Principal& who,
                                                   const DeliveryFilter& f) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  KECHAN_RETURN_IF_ERROR(CheckPage(f.page, f.page_size, 200));
  std::string where = " FROM notify_deliveries WHERE 1 = 1";
  std::vector<Value> params;
  if (f.status) {
    where += " AND status = ?";
    params.emplace_back(std::string(DeliveryStatusName(*f.status)));
  }
  if (f.channel) {
    where += " AND channel = ?";
    params.emplace_back(std::string(ChannelName(*f.channel)));
  }
  if (f.event_seq) {
    where += " AND event_seq = ?";
    params.emplace_back(*f.event_seq);
  }
  if (f.target_id) {
    where += " AND target_id = ?";
    params.emplace_back(*f.target_id);
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(Rows count, tx->Query("SELECT COUNT(*)" + where, params));
  DeliveryPage out{
      .items = {}, .total = count.rows.at(0).Int(0), .page = f.page, .page_size = f.page_size};
  params.emplace_back(f.page_size);
  params.emplace_back((f.page - 1) * f.page_size);
  KECHAN_ASSIGN_OR_RETURN(Rows rows, tx->Query(std::string("SELECT ") + kDeliveryCols + where +
                                                   " ORDER BY id DESC LIMIT ? OFFSET ?",
                                               params));
  for (const auto& r : rows.rows) {
    out.items.push_back(DeliveryFromRow(r));
  }
  return out;
}

Result<DeliveryDetail> NotifyService::GetDelivery(const auth::Principal& who, int64_t id) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(Rows rows, tx->Query(std::string("SELECT ") + kDeliveryCols +
                                                   " FROM notify_deliveries WHERE id = ?",
                                               {id}));
  if (rows.empty()) {
    return base::NotFound("notify.delivery_not_found", "The delivery does not exist.",
                          "该投递记录不存在。", "id");
  }
  DeliveryDetail out;
  out.delivery = DeliveryFromRow(rows.rows[0]);
  KECHAN_ASSIGN_OR_RETURN(
      Rows attempts, tx->Query("SELECT id, delivery_id, number, at, ok, code, error, duration_ms "
                               "FROM notify_attempts WHERE delivery_id = ? ORDER BY number, id",
                               {id}));
  for (const auto& r : attempts.rows) {
    out.attempts.push_back(Attempt{.id = r.Int(0),
                                   .delivery_id = r.Int(1),
                                   .number = static_cast<int>(r.Int(2)),
                                   .at = r.Int(3),
                                   .ok = r.Int(4) != 0,
                                   .code = static_cast<int>(r.Int(5)),
                                   .error = r.Text(6),
                                   .duration_ms = r.Int(7)});
  }
  return out;
}

Result<Delivery> NotifyService::RetryDelivery(const auth::Principal& who, int64_t id) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  Delivery d;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(Rows rows, tx.Query(std::string("SELECT ") + kDeliveryCols +
                                                    " FROM notify_deliveries WHERE id = ?",
                                                {id}));
    if (rows.empty()) {
      return base::NotFound("notify.delivery_not_found", "The delivery does not exist.",
                            "该投递记录不存在。", "id");
    }
    d = DeliveryFromRow(rows.rows[0]);
    if (d.status == DeliveryStatus::kSent) {
      return base::FailedPrecondition("notify.already_sent",
                                      "The delivery was sent already; it is never sent twice.",
                                      "该消息已成功送达，不会重复发送。");
    }
    if (d.status != DeliveryStatus::kFailed) {
      return base::FailedPrecondition("notify.not_failed",
                                      "The delivery is still being tried; retry a failed one.",
                                      "该消息仍在重试中，只能对已失败的投递手动重试。");
    }
    const Micros now = Now();
    d.status = DeliveryStatus::kPending;
    d.next_at = now;
    d.max_attempts = d.attempts + options_.retry.max_attempts;
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("UPDATE notify_deliveries SET status = 'pending', next_at = ?, max_attempts = ? "
                "WHERE id = ? AND status = 'failed'",
                {now, int64_t{d.max_attempts}, id})
            .status());
    return store::AppendEvent(
               tx,
               store::EventDraft{.kind = "notify.delivery.retried",
                                 .entity = "delivery",
                                 .entity_id = std::to_string(id),
                                 .actor = Actor(who),
                                 .payload = "{\"delivery_id\":" + std::to_string(id) +
                                            ",\"attempts\":" + std::to_string(d.attempts) + "}"},
               clock_)
        .status();
  }));
  return d;
}

// ---- targets ---------------------------------------------------------------------------------
Result<std::vector<Target>> NotifyService::ListTargets(const auth::Principal& who) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  return LoadTargets(*tx);
}

Result<Target> NotifyService::CreateTarget(const auth::Principal& who, Target t) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  KECHAN_RETURN_IF_ERROR(ValidateTarget(t));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    const Micros now = Now();
    t.created_at = now;
    t.updated_at = now;
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query("INSERT INTO notify_targets (name, channel, url, secret, addresses, scope, "
                 "scope_value, enabled, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
                 "RETURNING id",
                 {t.name, std::string(ChannelName(t.channel)), t.url, t.secret,
                  JoinAddresses(t.addresses), std::string(ScopeKindName(t.scope)), t.scope_value,
                  int64_t{t.enabled ? 1 : 0}, now, now}));
    t.id = rows.rows.at(0).Int(0);
    return store::AppendEvent(tx,
                              store::EventDraft{.kind = "notify.target.created",
                                                .entity = "notify_target",
                                                .entity_id = std::to_string(t.id),
                                                .actor = Actor(who),
                                                .payload = TargetEventJson(t)},
                              clock_)
        .status();
  }));
  return t;
}

Result<Target> NotifyService::UpdateTarget(const auth::Principal& who, int64_t id,
                                           const TargetPatch& patch) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  Target t;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(std::optional<Target> found, FindTarget(tx, id));
    if (!found) {
      return TargetNotFound();
    }
    t = std::move(*found);
    if (patch.name) t.name = *patch.name;
    if (patch.url) t.url = *patch.url;
    if (patch.secret) t.secret = *patch.secret;
    if (patch.addresses) t.addresses = *patch.addresses;
    if (patch.scope) t.scope = *patch.scope;
    if (patch.scope_value) t.scope_value = *patch.scope_value;
    if (patch.enabled) t.enabled = *patch.enabled;
    KECHAN_RETURN_IF_ERROR(ValidateTarget(t));
    t.updated_at = Now();
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("UPDATE notify_targets SET name = ?, url = ?, secret = ?, addresses = ?, "
                "scope = ?, scope_value = ?, enabled = ?, updated_at = ? WHERE id = ?",
                {t.name, t.url, t.secret, JoinAddresses(t.addresses),
                 std::string(ScopeKindName(t.scope)), t.scope_value, int64_t{t.enabled ? 1 : 0},
                 t.updated_at, id})
            .status());
    return store::AppendEvent(tx,
                              store::EventDraft{.kind = "notify.target.updated",
                                                .entity = "notify_target",
                                                .entity_id = std::to_string(id),
                                                .actor = Actor(who),
                                                .payload = TargetEventJson(t)},
                              clock_)
        .status();
  }));
  return t;
}

Status NotifyService::DeleteTarget(const auth::Principal& who, int64_t id) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(std::optional<Target> found, FindTarget(tx, id));
    if (!found) {
      return TargetNotFound();
    }
    KECHAN_RETURN_IF_ERROR(tx.Exec("UPDATE notify_targets SET deleted = 1, updated_at = ? WHERE "
                                   "id = ?",
                                   {Now(), id})
                               .status());
    return store::AppendEvent(tx,
                              store::EventDraft{.kind = "notify.target.deleted",
                                                .entity = "notify_target",
                                                .entity_id = std::to_string(id),
                                                .actor = Actor(who),
                                                .payload = TargetEventJson(*found)},
                              clock_)
        .status();
  });
}

Result<TestOutcome> NotifyService::TestTarget(const auth::Principal& who, int64_t id) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  // 1. Log the request and a delivery being sent, in one transaction.
  Target t;
  Delivery d;
  OutgoingMessage m;
  const Micros now = Now();
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(std::optional<Target> found, FindTarget(tx, id));
    if (!found) {
      return TargetNotFound();
    }
    t = std::move(*found);
    KECHAN_ASSIGN_OR_RETURN(std::optional<SmtpRoute> smtp, ResolveSmtp(tx));
    if (t.channel == Channel::kEmail && !smtp) {
      return base::FailedPrecondition("notify.smtp_off",
                                      "No SMTP server is set, so e-mail cannot be sent.",
                                      "尚未设置 SMTP 邮件服务器，无法发送邮件。", "smtp");
    }
    KECHAN_ASSIGN_OR_RETURN(
        int64_t seq,
        store::AppendEvent(
            tx,
            store::EventDraft{.kind = "notify.target.tested",
                              .entity = "notify_target",
                              .entity_id = std::to_string(id),
                              .actor = Actor(who),
                              .payload = "{\"target_id\":" + std::to_string(id) +
                                         ",\"channel\":\"" + ChannelName(t.channel) + "\"}"},
            clock_));
    const NotifyBlock b = TestBlock(t, Actor(who), now);
    d.event_seq = seq;
    d.channel = t.channel;
    d.target_id = t.id;
    if (t.channel == Channel::kEmail) {
      d.recipient = JoinAddresses(t.addresses);
      d.subject = EmailSubject(b);
      d.payload =
          RenderEmail(b,
                      EmailHeaders{.from = smtp->mail_from,
                                   .to = d.recipient,
                                   .message_id = "notify-test-" + std::to_string(seq) + "-t" +
                                                 std::to_string(id) + "@" + Host(smtp->mail_from),
                                   .date = now},
                      options_.public_url);
      m = MailMessage(*smtp, d.payload, t.addresses);
    } else {
      d.recipient = t.name;
      d.subject = b.title.In("zh");
      d.payload = t.channel == Channel::kDingTalk ? RenderDingTalk(b, options_.public_url)
                                                  : RenderWeCom(b, options_.public_url);
      m.kind = MessageKind::kHttpPost;
      m.url = t.url;
      if (t.channel == Channel::kDingTalk && !t.secret.empty()) {
        m.url = AppendQuery(t.url, DingTalkSignQuery(t.secret, now / 1000));
      }
      m.body = d.payload;
    }
    const Micros lease = (options_.send.timeout_ms * 2 + 60000) * 1000;
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query(
            "INSERT INTO notify_deliveries (event_seq, channel, target_id, user_id, "
            "recipient_key, recipient, subject, payload, status, attempts, max_attempts, "
            "next_at, lease_until, created_at) VALUES (?,?,?,NULL,?,?,?,?,'sending',1,1,?,?,?) "
            "RETURNING id",
            {seq, std::string(ChannelName(t.channel)), t.id, "test:" + std::to_string(id),
             d.recipient, d.subject, d.payload, now, now + lease, now}));
    d.id = rows.rows.at(0).Int(0);
    return Status::Ok();
  }));
  // 2. Send now, outside any transaction.
  std::vector<SendOutcome> outcomes = transport_->SendAll({m}, options_.send);
  SendOutcome o = outcomes.empty() ? SendOutcome{} : outcomes[0];
  bool ok = o.transport_ok;
  if (t.channel != Channel::kEmail) {
    ok = o.transport_ok && RobotAccepted(o.code, o.response);
    if (o.transport_ok && !ok) {
      o.error = "HTTP " + std::to_string(o.code) + ": " + o.response.substr(0, 300);
    }
  }
  // 3. Record the attempt like any other.
  const Micros done = Now();
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO notify_attempts (delivery_id, number, at, ok, code, error, "
                "duration_ms) VALUES (?,1,?,?,?,?,?)",
                {d.id, done, int64_t{ok ? 1 : 0}, int64_t{o.code}, o.error, o.duration_ms})
            .status());
    return tx
        .Exec(
            "UPDATE notify_deliveries SET status = ?, sent_at = ?, last_code = ?, "
            "last_error = ? WHERE id = ? AND status = 'sending'",
            {std::string(ok ? "sent" : "failed"), ok ? Value(done) : Value(nullptr),
             int64_t{o.code}, o.error, d.id})
        .status();
  }));
  base::Log(ok ? base::LogLevel::kInfo : base::LogLevel::kWarn, "notify.target_tested",
            {{"target", id},
             {"channel", ChannelName(t.channel)},
             {"delivery", d.id},
             {"ok", ok},
             {"code", o.code},
             {"error", o.error}});
  return TestOutcome{.delivery_id = d.id,
                     .ok = ok,
                     .code = o.code,
                     .error = o.error,
                     .duration_ms = o.duration_ms,
                     .recipient = d.recipient};
}

// ---- SMTP ------------------------------------------------------------------------------------
Result<std::optional<NotifyService::SmtpRoute>> NotifyService::ResolveSmtp(Tx& tx) const {
  KECHAN_ASSIGN_OR_RETURN(std::optional<StoredSmtp> stored, LoadStoredSmtp(tx));
  if (stored) {
    return std::optional<SmtpRoute>(SmtpRoute{.url = SmtpUrl(stored->settings),
                                              .tls = TransportTls(stored->settings.tls),
                                              .mail_from = stored->settings.mail_from});
  }
  if (options_.smtp_url.empty()) {
    return std::optional<SmtpRoute>();
  }
  return std::optional<SmtpRoute>(SmtpRoute{
      .url = options_.smtp_url, .tls = options_.smtp_tls, .mail_from = options_.mail_from});
}

OutgoingMessage NotifyService::MailMessage(const SmtpRoute& route, std::string body,
                                           std::vector<std::string> rcpt) const {
  OutgoingMessage m;
  m.kind = MessageKind::kSmtp;
  m.url = route.url;
  m.body = std::move(body);
  m.mail_from = route.mail_from;
  m.mail_rcpt = std::move(rcpt);
  m.username = options_.smtp_user;
  m.password = options_.smtp_password;
  m.tls = route.tls;
  return m;
}

Result<SmtpView> NotifyService::ViewSmtp(Tx& tx) const {
  SmtpView v;
  v.username = options_.smtp_user;
  v.has_password = !options_.smtp_password.empty();
  KECHAN_ASSIGN_OR_RETURN(std::optional<StoredSmtp> stored, LoadStoredSmtp(tx));
  if (stored) {
    v.source = "operator";
    v.settings = stored->settings;
    v.updated_at = stored->updated_at;
    v.updated_by = stored->updated_by;
  } else if (!options_.smtp_url.empty()) {
    v.source = "config";
    v.settings = SettingsFromUrl(options_.smtp_url, ModeOf(options_.smtp_tls), options_.mail_from);
  }
  return v;
}

Result<SmtpView> NotifyService::GetSmtp(const auth::Principal& who) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  return ViewSmtp(*tx);
}

Result<SmtpView> NotifyService::SetSmtp(const auth::Principal& who, const SmtpSettings& settings) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  KECHAN_RETURN_IF_ERROR(ValidateSmtpSettings(settings));
  SmtpView view;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    const Micros now = Now();
    KECHAN_RETURN_IF_ERROR(tx.Exec("DELETE FROM notify_smtp WHERE id = 1").status());
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO notify_smtp (id, host, port, tls, mail_from, updated_at, "
                "updated_by) VALUES (1,?,?,?,?,?,?)",
                {settings.host, settings.port, std::string(SmtpTlsModeName(settings.tls)),
                 settings.mail_from, now, Actor(who)})
            .status());
    KECHAN_RETURN_IF_ERROR(store::AppendEvent(tx,
                                              store::EventDraft{.kind = "notify.smtp.updated",
                                                                .entity = "notify_smtp",
                                                                .entity_id = "1",
                                                                .actor = Actor(who),
                                                                .payload = SmtpEventJson(settings)},
                                              clock_)
                               .status());
    KECHAN_ASSIGN_OR_RETURN(view, ViewSmtp(tx));
    return Status::Ok();
  }));
  return view;
}

Result<SmtpView> NotifyService::ResetSmtp(const auth::Principal& who) {
  KECHAN_RETURN_IF_ERROR(RequireOperator(who));
  SmtpView view;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(int64_t removed, tx.Exec("DELETE FROM notify_smtp WHERE id = 1"));
    if (removed > 0) {
      KECHAN_RETURN_IF_ERROR(store::AppendEvent(tx,
                                                store::EventDraft{.kind = "notify.smtp.reset",
                                                                  .entity = "notify_smtp",
                                                                  .entity_id = "1",
                                                                  .actor = Actor(who),
                                                                  .payload = "{}"},
                                                clock_)
                                 .status());
    }
    KECHAN_ASSIGN_OR_RETURN(view, ViewSmtp(tx));
    return Status::Ok();
  }));
  return view;
}

}  // namespace kechan::notify
