// The appeals module's use-cases (issue 4 §2-§4): intake, the lifecycle on flow's appeal machine,
// SLA clocks with persisted timers (warnings, breaches, escalation), the dispatch catalogue, the
// duty rota and receptions, metrics, hot spots and group-webhook intake. Every write is one write
// transaction that changes rows, appends appeal_history rows and one event per event kind
// ("appeal.*"), and re-arms the appeal's timers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appeals/model.h"
#include "appeals/sla_rules.h"
#include "auth/principal.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/result.h"
#include "flow/machine.h"
#include "flow/scheduler.h"
#include "flow/sla.h"
#include "store/database.h"
#include "table/table.h"

namespace kechan::appeals {

// Who is asking. Value type. See routes.h for the visibility rules.
struct Caller {
  bool system = false;  // CLI, demo, timers: every right
  auth::Principal principal;
  std::string actor;  // "user:12", "cli", "system"

  static Caller System(std::string actor = "system");
  static Caller Of(const auth::Principal& p);

  bool IsLeader() const;   // operator, duty director or chain chief (or system)
  bool IsOfficer() const;  // holds the officer role
  bool IsOperator() const;
  std::vector<auth::Role> Roles() const;  // system: every role
  std::vector<int64_t> OrgsWith(auth::Role role) const;
};

struct NewAppeal {
  std::string title;
  std::string body;
  std::string type;
  std::string channel;  // empty: "web" for enterprises, "duty_desk" otherwise
  std::optional<int64_t> org_id;
  std::optional<int64_t> enterprise_id;
  std::optional<int64_t> chain_id;
  std::string district;
  std::string requester_name;  // shown for a requester without an account
};

struct ClockView {
  flow::ClockSpec spec;
  flow::ClockState state;
};

// An organisation's display names (orgs.name, orgs.name_en; en "" when none). Value type.
struct OrgNames {
  std::string zh;
  std::string en;
};

struct AppealDetail {
  Appeal appeal;
  std::string org_name;
  std::string lead_unit_name;
  std::string org_name_en;        // "" when the organisation has no English name
  std::string lead_unit_name_en;  // likewise
  std::vector<HistoryEntry> history;
  std::vector<Requester> requesters;
  std::vector<Attachment> attachments;
  std::vector<Booking> bookings;
  std::vector<ClockView> clocks;
  std::vector<flow::ActionInfo> actions;    // for the caller
  std::optional<CatalogueEntry> suggested;  // catalogue match while "received"
  // The route suggester's answer (staff only, state "received" or "dispatch_review"): when the
  // catalogue has no match, or always when asked for (Get with suggest = true). nullopt when no
  // suggester is set or it had nothing to say.
  std::optional<RouteSuggestion> route_suggestion;
};

// Suggests a lead department (and type) from an appeal's text ("title\nbody"). Must be
// thread-safe; returns nullopt when it has no suggestion.
using RouteSuggester = std::function<std::optional<RouteSuggestion>(std::string_view text)>;

// The appeal type suggested for a text about to be filed (the search module's type model, wired
// in src/app). Value type.
struct TypeSuggestion {
  std::string type;       // an appeal type id (model.h AppealTypes); "" when none
  double confidence = 0;  // the model's belief in `type`, 0..1
  bool unsure = true;     // below the model's threshold or no answer: pick from the catalogue
  std::string source;     // the suggester's ("fasttext", "knn", "catalogue", ...) or "none"
};

// Suggests an appeal type from "title\nbody". Must be thread-safe; nullopt when it cannot answer.
using TypeSuggester = std::function<std::optional<TypeSuggestion>(std::string_view text)>;

struct ListFilter {
  std::vector<std::string> states;  // "open" expands to every non-terminal state
  std::string type;
  std::string district;
  std::optional<int64_t> chain_id;
  std::optional<int64_t> unit;
  std::optional<int64_t> org_id;
  std::string channel;
  std::string sla;
  std::optional<bool> supervised;
  std::string q;
  std::string sort = "due";  // "due", "-created", "-updated"
  int64_t page = 1;
  int64_t page_size = 20;
};

struct AppealPage {
  std::vector<Appeal> items;
  int64_t total = 0;
  int64_t page = 1;
  int64_t page_size = 20;
  std::map<std::string, int64_t> counts;  // by sla colour
  // The names of the page's enterprises (org_id) and lead units, read for the page's rows only
  // (one primary-key lookup per distinct organisation).
  std::map<int64_t, OrgNames> org_names;
};

struct MetricsQuery {
  base::Date from;
  base::Date to;
  std::string by = "department";  // department, chain, district, type, period, none
  std::string period = "month";   // month, week (for by=period)
  Weights weights;
  // Fill MetricRow::hours_to_* (the samples of the quantiles: one read of every facts row of the
  // period). false: counters and rates only, from the per-day sums (appeal_fact_sums).
  bool hours = true;
};

struct MetricsResult {
  MetricsQuery query;
  std::vector<MetricRow> rows;  // ranked by composite, descending (undefined last)
  MetricRow total;
};

struct Hotspot {
  std::string type;
  std::optional<int64_t> chain_id;
  std::string district;
  int64_t appeals = 0;
  int64_t enterprises = 0;
  std::vector<int64_t> sample_ids;
  // Text clusters (HotspotFinder): the words the members share; "fields" = exact-field grouping.
  std::string source = "fields";  // "text" or "fields"
  std::string label;              // top shared keywords joined by "·" ("" for fields)
  std::vector<std::string> keywords;
};

// Finds hot spots by the similarity of appeal text (the search module's clustering, wired in
// src/app) for appeals created in [from, to] with at least `min_count` members. nullopt when it
// cannot answer (search off, index empty or failing): Hotspots then groups by exact fields. Must
// be thread-safe.
using HotspotFinder = std::function<std::optional<std::vector<Hotspot>>(
    base::Date from, base::Date to, int64_t min_count)>;

struct ReplayReport {
  int64_t appeals = 0;
  int64_t changed = 0;  // appeals whose sla colour or due time changed
  int64_t timers = 0;   // timers armed
  double seconds = 0;
};

struct RotaDay {
  std::string date;
  bool working_day = true;
  std::optional<int64_t> user_id;
  std::string name;
};

struct WebhookResult {
  int status = 200;  // 200, 202
  bool duplicate = false;
  bool unmapped = false;
  bool appended = false;
  int64_t appeal_id = 0;
};

struct GroupSender {
  int64_t id = 0;
  std::string platform;
  std::string sender;
  int64_t org_id = 0;
  std::string org_name;
};

// One problem found in an imported catalogue file (row as the user sees it; 0 for the file).
struct ImportError {
  int64_t row = 0;
  std::string column;
  std::string reason;  // "required", "unknown_type", "unknown_chain", "unknown_unit", ...
  std::string message_en;
  std::string message_zh;
};

struct CatalogueImportReport {
  int64_t rows = 0;        // data rows read
  int64_t inserted = 0;    // entries added
  int64_t updated = 0;     // entries whose units changed
  int64_t deleted = 0;     // entries removed (replace mode)
  bool committed = false;  // false: nothing was written (errors, or a dry run)
  std::vector<ImportError> errors;
};

struct WebhookSecretInfo {
  std::string platform;     // "wecom", "dingtalk"
  bool configured = false;  // a secret is set (webhooks are refused otherwise)
  std::string source;       // "rotated" (appeal_settings), "startup" (config/app settings), ""
  std::optional<base::Micros> rotated_at;
  std::string fingerprint;  // first 8 hex digits of sha256(secret); "" when not configured
};

struct ServiceOptions {
  std::string data_dir;  // attachments go to <data_dir>/attachments
  int64_t max_attachment_bytes = 10LL * 1024 * 1024;
  int urges_to_supervise = 3;
  int duplicate_days = 7;
  int64_t webhook_window_seconds = 300;
  std::string wecom_secret;
  std::string dingtalk_secret;
};

using CalendarProvider = std::function<std::shared_ptr<const base::BusinessCalendar>()>;

// Thread-safe: every method may be called from any thread; each opens its own transaction.
class AppealService {
 public:
  // `scheduler` may be null (no timers armed); when given, RegisterTimers is called on it.
  AppealService(store::Database& db, const base::Clock& clock, CalendarProvider calendar,
                flow::Scheduler* scheduler, ServiceOptions options);

  const ServiceOptions& options() const { return options_; }
  void SetWebhookSecrets(std::string wecom, std::string dingtalk);
  // Installs (or, with an empty function, removes) the route suggester consulted by Create/Get/
  // Act for appeals awaiting dispatch that the catalogue does not cover. Thread-safe.
  void SetRouteSuggester(RouteSuggester suggester);
  // Installs (or, with an empty function, removes) the type suggester SuggestType consults.
  // Thread-safe.
  void SetTypeSuggester(TypeSuggester suggester);
  // Installs (or, with an empty function, removes) the text hot-spot finder. Thread-safe.
  void SetHotspotFinder(HotspotFinder finder);
  const flow::Machine& machine() const { return *machine_; }

  // ---- appeals ------------------------------------------------------------------------------
  // Errors: InvalidArgument naming "title", "body", "type", "channel", "org_id"; NotFound
  // "org_id"; PermissionDenied for callers that may not file.
  base::Result<AppealDetail> Create(const Caller& caller, const NewAppeal& a);
  // The type suggestion for an appeal about to be filed (intake pages), for callers who may
  // file (enterprises, officers, leaders). A label that is not an appeal type id (nor a type's
  // zh/en label) is dropped; without a suggester or an answer: type "", unsure, source "none".
  // Errors: PermissionDenied; InvalidArgument naming "title" when title and body are both
  // empty.
  base::Result<TypeSuggestion> SuggestType(const Caller& caller, std::string_view title,
                                           std::string_view body) const;
  // NotFound (also when not visible to the caller). `suggest`: consult the route suggester even
  // when the catalogue has a match (staff only; ignored for enterprises).
  base::Result<AppealDetail> Get(const Caller& caller, int64_t id, bool suggest = false);
  // InvalidArgument naming "page" / "page_size" / "state" / "sort".
  base::Result<AppealPage> List(const Caller& caller, const ListFilter& f);
  // Takes `action` on appeal `id`. Errors: NotFound; flow's (transition_not_allowed, role,
  // required, guard.*); InvalidArgument for bad values (lead_unit, extra_days, master_id, ...);
  // FailedPrecondition "reception.full" (409) when booking a full slot.
  base::Result<AppealDetail> Act(const Caller& caller, int64_t id, std::string_view action,
                                 const flow::Fields& fields);
  // Stores the bytes under <data_dir>/attachments/<sha256>. Errors: NotFound; InvalidArgument
  // "body" (empty) / "name"; ResourceExhausted "appeal.attachment_too_large".
  base::Result<Attachment> AddAttachment(const Caller& caller, int64_t id, std::string name,
                                         const std::string& content_type, std::string_view bytes);
  // Returns the attachment and its bytes.
  base::Result<std::pair<Attachment, std::string>> ReadAttachment(const Caller& caller, int64_t id,
                                                                  int64_t att);

  // ---- catalogue -----------------------------------------------------------------------------
  base::Result<std::vector<CatalogueEntry>> ListCatalogue(const Caller& caller);
  // Operators. InvalidArgument naming "type" / "lead_unit" / "assisting_units"; AlreadyExists
  // "catalogue.duplicate".
  base::Result<CatalogueEntry> PutCatalogue(const Caller& caller, CatalogueEntry e);
  base::Status DeleteCatalogue(const Caller& caller, int64_t id);
  // Imports a catalogue table (CSV or .xlsx, read by table/), all or nothing. Columns (header
  // names, case-insensitive; Chinese aliases in docs): "type" (id or label) and "lead_unit"
  // (government org id or name) required; "chain_id"/"chain_code" (id or code; empty = any),
  // "district" (empty = any), "assisting_units" (ids or names split by ';' ',' '、') optional;
  // "*_name" columns (what ExportCatalogue adds) are ignored. A row's key is type × chain ×
  // district: an existing entry is updated, a new one inserted; `replace` also deletes the
  // entries the file does not list. Row problems come back in the report (committed false).
  // Errors: PermissionDenied (operators only); InvalidArgument field "file" reason
  // "import.empty", or naming a column with "import.unknown_column" / "import.missing_column".
  base::Result<CatalogueImportReport> ImportCatalogue(const Caller& caller,
                                                      const table::Table& table, bool replace,
                                                      bool dry_run);
  // The catalogue as a table in the import's columns, plus lead_unit_name and
  // assisting_unit_names (staff only).
  base::Result<table::Table> ExportCatalogue(const Caller& caller);
  // Most specific match: type+chain+district, type+chain, type+district, type.
  base::Result<std::optional<CatalogueEntry>> Resolve(std::string_view type,
                                                      std::optional<int64_t> chain_id,
                                                      std::string_view district);

  // ---- duty rota and receptions ----------------------------------------------------------------
  base::Result<std::vector<RotaDay>> ListRota(base::Date from, base::Date to);
  // Operators. InvalidArgument "date" (not a working day), NotFound "user_id".
  base::Result<RotaDay> SetRota(const Caller& caller, base::Date date, int64_t user_id);
  base::Result<Reception> CreateReception(const Caller& caller, Reception r);
  base::Result<std::vector<Reception>> ListReceptions(base::Date from, base::Date to,
                                                      std::string_view kind,
                                                      std::optional<int64_t> chain_id);
  base::Result<std::pair<Reception, std::vector<Booking>>> GetReception(const Caller& caller,
                                                                        int64_t id);
  // Enterprises (own appeal) or leaders. FailedPrecondition "reception.full" field
  // "reception_id"; AlreadyExists "reception.duplicate"; NotFound "appeal_id"/"reception_id".
  base::Result<Booking> Book(const Caller& caller, int64_t reception_id, int64_t appeal_id,
                             std::string note);
  // The host or an operator. Records "appeal.reception_recorded" on the appeal.
  base::Result<Booking> RecordOutcome(const Caller& caller, int64_t reception_id,
                                      int64_t booking_id, std::string outcome);

  // ---- metrics -------------------------------------------------------------------------------
  // Officers see their units only. InvalidArgument naming "by" / "period" / "from".
  base::Result<MetricsResult> Metrics(const Caller& caller, const MetricsQuery& q);
  base::Result<std::vector<Hotspot>> Hotspots(const Caller& caller, base::Date from, base::Date to,
                                              int64_t min_count);
  // Label of a grouping key (department → org name, chain → id, ...).
  std::string GroupLabel(std::string_view by, std::string_view key);

  // ---- SLA
  // ---------------------------------------------------------------------------------------
  // Recomputes every open appeal's clocks from its history with the calendar and rules in force,
  // updates sla/due_at and re-arms its timers (`kechan sla replay`).
  base::Result<ReplayReport> ReplayClocks();
  // The same, calling `progress(done, total)` after each batch; `actor` goes on the
  // "appeal.sla.replayed" event.
  base::Result<ReplayReport> ReplayClocks(
      const std::function<void(int64_t done, int64_t total)>& progress, const std::string& actor);
  // Registers the "appeal.sla" timer handler on `scheduler`.
  void RegisterTimers(flow::Scheduler& scheduler);

  // ---- group webhooks ------------------------------------------------------------------------
  // `query` holds timestamp, nonce, signature; `body` the raw body. Errors: Unauthenticated
  // "webhook.stale" / "webhook.signature"; InvalidArgument "body".
  base::Result<WebhookResult> IntakeWecom(const std::map<std::string, std::string>& query,
                                          std::string_view body);
  // `timestamp` (ms) and `sign` from the headers.
  base::Result<WebhookResult> IntakeDingtalk(std::string_view timestamp, std::string_view sign,
                                             std::string_view body);
  // The webhook secrets in force, without the secrets themselves (operators).
  base::Result<std::vector<WebhookSecretInfo>> WebhookSecrets(const Caller& caller);
  // Operators: replaces the secret of `platform` ("wecom" or "dingtalk") at once, without a
  // restart: persisted in appeal_settings (which then takes precedence over the start-up
  // setting) with event "appeal.webhook_secret_rotated" (fingerprint only). An empty `secret`
  // generates a random one. Returns the new secret (shown once). Errors: PermissionDenied;
  // InvalidArgument "platform" / "secret" (16-256 printable ASCII characters, no spaces).
  base::Result<std::string> RotateWebhookSecret(const Caller& caller, std::string_view platform,
                                                std::string secret);
  base::Result<std::vector<GroupSender>> ListSenders(const Caller& caller);
  base::Result<GroupSender> AddSender(const Caller& caller, GroupSender s);
  base::Status DeleteSender(const Caller& caller, int64_t id);

  // The clock specs for an appeal type under the SLA rules in force (as last loaded by this
  // process; the transactional paths check the stored version first).
  std::vector<flow::ClockSpec> ClocksFor(std::string_view type) const;

  // ---- SLA rules (sla_rules.h; defined in sla_rules.cc) ---------------------------------------
  // The rules in force. Officers and leaders; PermissionDenied otherwise.
  base::Result<SlaRuleSet> SlaRules(const Caller& caller);
  // Operators. Applies `changes` in one write transaction with an "appeal.sla_rules_changed"
  // event (ValidateSlaRuleChanges errors; nothing changes on error). Clock computations use the
  // new rules at once; stored colours, due times and pending timers of existing appeals follow
  // with the next recomputation (StartClockRecompute / `kechan sla replay`). Returns the diffs.
  base::Result<std::vector<SlaRuleDiff>> PutSlaRules(const Caller& caller,
                                                     const std::vector<SlaRuleChange>& changes);
  // The last `limit` (1..500) changes, newest first. Officers and leaders.
  base::Result<std::vector<SlaRuleHistoryEntry>> SlaRuleHistory(const Caller& caller, int limit);
  // Operators: runs ReplayClocks on a background thread; the job is kept in
  // appeal_recompute_jobs (ClockRecomputeRunner). FailedPrecondition "sla.recompute_running"
  // while one runs here or, with a live heartbeat, on another server sharing the database.
  base::Result<ClockRecomputeStatus> StartClockRecompute(const Caller& caller);
  // The newest recomputation (this process's, else the newest stored one: a restart keeps it;
  // a "running" one whose owner's heartbeat is older than ClockRecomputeRunner::kLease reads
  // "failed", reason "sla.recompute_interrupted"; a live one of another server stays
  // "running"), with started_by_name filled from auth's users.
  ClockRecomputeStatus ClockRecompute() const;
  // Blocks until no recomputation runs (tests, CLI).
  ClockRecomputeStatus WaitClockRecompute() const;

 private:
  struct Impl;
  store::Database& db_;
  const base::Clock& clock_;
  CalendarProvider calendar_;
  ServiceOptions options_;
  std::unique_ptr<flow::Machine> machine_;
  // The secret of `platform` in force: the rotated one in appeal_settings, else the start-up one.
  base::Result<std::string> CurrentWebhookSecret(std::string_view platform);

  mutable std::mutex secrets_mu_;
  mutable std::mutex suggester_mu_;
  std::shared_ptr<const RouteSuggester> suggester_;  // guarded by suggester_mu_
  // The SLA rules in force inside `tx` (the code's when they cannot be read).
  std::shared_ptr<const SlaRuleSet> SlaRulesIn(store::Tx& tx) const;
  // The finder's answer, or nullopt (no finder, or it could not answer).
  std::optional<std::vector<Hotspot>> TextHotspots(base::Date from, base::Date to,
                                                   int64_t min_count) const;
  std::shared_ptr<const HotspotFinder> hotspot_finder_;  // guarded by suggester_mu_
  std::shared_ptr<const TypeSuggester> type_suggester_;  // guarded by suggester_mu_
  mutable SlaRuleCache sla_rules_;
  // Declared last so it is destroyed first: its destructor waits for a running recomputation,
  // which uses the members above.
  ClockRecomputeRunner recompute_;
};

// Signatures the webhooks check (exposed for tests and senders).
// WeCom: lower-case hex sha256(secret + timestamp + nonce + body).
std::string WecomSignature(std::string_view secret, std::string_view timestamp,
                           std::string_view nonce, std::string_view body);
// DingTalk: base64(hmac_sha256(key = secret, message = timestamp + "\n" + secret)).
std::string DingtalkSignature(std::string_view secret, std::string_view timestamp);

}  // namespace kechan::appeals
