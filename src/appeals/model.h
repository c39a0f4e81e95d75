// appeals model: the value types of the enterprise-service closed loop (政企服务诉求闭环) and the
// pure rules over them (types, channels, SLA colour, metric arithmetic). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace kechan::appeals {

// An appeal type (its SLA goals may differ). Value type.
struct AppealType {
  const char* id;
  const char* label_zh;
  const char* label_en;
  int resolution_days;  // working days of the resolution clock (7, or 15 for complex types)
};
// The built-in types, in display order.
const std::vector<AppealType>& AppealTypes();
const AppealType* FindAppealType(std::string_view id);

// Intake channels: "web", "duty_desk", "reception", "visit", "group".
const std::vector<std::string>& Channels();
bool IsChannel(std::string_view c);

// Reject reason codes (out of scope): {code, zh, en}.
struct ReasonCode {
  const char* code;
  const char* label_zh;
  const char* label_en;
};
const std::vector<ReasonCode>& RejectReasons();

// One appeal row. Value type.
struct Appeal {
  int64_t id = 0;
  std::string title;
  std::string body;
  std::string type;
  std::string channel;
  std::string state;
  int64_t org_id = 0;  // the enterprise's auth organisation
  std::optional<int64_t> enterprise_id;
  std::optional<int64_t> chain_id;
  std::string district;
  std::optional<int64_t> lead_unit;
  std::vector<int64_t> assisting_units;
  std::optional<int64_t> master_id;
  int64_t rework_count = 0;
  int64_t urge_count = 0;
  bool supervised = false;
  std::string reply;
  int64_t created_by = 0;
  base::Micros created_at = 0;
  base::Micros updated_at = 0;
  std::optional<base::Micros> dispatched_at;
  std::optional<base::Micros> signed_at;
  std::optional<base::Micros> contacted_at;
  std::optional<base::Micros> replied_at;
  std::optional<base::Micros> closed_at;
  std::string sla;  // "green", "yellow", "red", "paused", "done", "none"
  std::optional<base::Micros> due_at;
  std::optional<bool> response_on_time;    // set when contacted
  std::optional<bool> resolution_on_time;  // set when replied
};

// One history entry (mirrors the appeal's events, with the appeal's own clock time).
struct HistoryEntry {
  int64_t seq = 0;  // event-log sequence number
  base::Micros at = 0;
  std::string kind;
  std::string action;
  std::string actor;
  std::string actor_name;  // display name of a "user:N" actor (filled by the service), else ""
  std::string actor_org;   // the organisation that user acted for, else ""
  std::string state;       // state after the entry
  std::string fields;      // JSON object text
};

struct Requester {
  int64_t user_id = 0;
  std::string name;
  bool visited = false;
  std::string resolved;       // "yes", "no", ""
  std::string satisfaction;   // "satisfied", "basically", "not", ""
  std::string comment;        // the requester's words at the visit
  std::string visit_channel;  // "enterprise" (answered on the appeal page), "phone" (staff), ""
};

struct Attachment {
  int64_t id = 0;
  int64_t appeal_id = 0;
  std::string name;
  int64_t size = 0;
  std::string sha256;
  std::string content_type;
  base::Micros created_at = 0;
};

struct CatalogueEntry {
  int64_t id = 0;
  std::string type;
  std::optional<int64_t> chain_id;  // nullopt: any chain
  std::string district;             // empty: any district
  int64_t lead_unit = 0;
  std::vector<int64_t> assisting_units;
  base::Micros updated_at = 0;
};

// A routing suggestion for an appeal the dispatch catalogue does not cover (from the search
// module's classifier, wired in src/app). Value type.
struct RouteSuggestion {
  std::optional<int64_t> org_id;  // the suggested lead department (government org), if known
  std::string org_name;           // its name (filled from org_id when empty, and vice versa)
  std::string type;               // suggested appeal type id ("" when not suggested)
  double confidence = 0;          // in [0, 1]
  std::string explanation;        // why, for the officer
};

struct Reception {
  int64_t id = 0;
  std::string kind;  // "duty" or "chain"
  std::optional<int64_t> chain_id;
  std::string date;   // YYYY-MM-DD
  std::string start;  // HH:MM
  std::string end;
  int64_t host_user_id = 0;
  int64_t capacity = 0;
  int64_t booked = 0;
  std::string location;
};

struct Booking {
  int64_t id = 0;
  int64_t reception_id = 0;
  int64_t appeal_id = 0;
  int64_t org_id = 0;
  bool automatic = false;
  std::string status;  // "booked", "done"
  std::string outcome;
  std::string note;
  base::Micros created_at = 0;
  // Filled by AppealService::GetReception only ("" elsewhere): the appeal's title and the
  // enterprise's names.
  std::string appeal_title;
  std::string org_name;
  std::string org_name_en;
};

// ---- metrics ----------------------------------------------------------------------------------

struct Weights {
  double response = 0.30;
  double resolution = 0.35;
  double satisfaction = 0.35;
};

// Median and 90th percentile of a sample (nullopt when empty); nearest-rank on sorted values.
struct Quantiles {
  std::optional<double> median;
  std::optional<double> p90;
};
Quantiles ComputeQuantiles(std::vector<double> values);

// Per-group accumulator of the metrics. Value type.
struct MetricRow {
  std::string key;
  std::string label;
  int64_t appeals = 0;
  int64_t dispatched = 0;
  int64_t responded_on_time = 0;
  int64_t replied = 0;
  int64_t replied_on_time = 0;
  int64_t visits = 0;
  int64_t resolved_yes = 0;
  int64_t satisfied = 0;  // satisfied or basically
  int64_t reworked = 0;
  int64_t urged = 0;
  int64_t closed = 0;
  std::vector<double> hours_to_sign_for;
  std::vector<double> hours_to_contact;
  std::vector<double> hours_to_resolution;

  std::optional<double> response_rate() const;      // responded_on_time / dispatched
  std::optional<double> resolution_rate() const;    // resolved_yes / visits
  std::optional<double> satisfaction_rate() const;  // satisfied / visits
  std::optional<double> on_time_closure_rate() const;
  std::optional<double> rework_rate() const;
  std::optional<double> urging_rate() const;
  // Weighted sum of the defined rates, renormalised over the weights of those defined.
  std::optional<double> composite(const Weights& w) const;
  void Merge(const MetricRow& other);
};

// Parses "30,35,35" (any non-negative numbers, not all zero) into weights summing to 1.
// nullopt when malformed.
std::optional<Weights> ParseWeights(std::string_view text);

// Definitions of the rates, {name, zh, en}, as the docs and the API state them.
struct Definition {
  const char* name;
  const char* zh;
  const char* en;
};
const std::vector<Definition>& MetricDefinitions();

// Normalises appeal text for duplicate detection: drops whitespace and ASCII/CJK punctuation,
// lower-cases ASCII.
std::string NormalizeForDuplicates(std::string_view text);

// Joins / splits id lists "6,8".
std::string JoinIds(const std::vector<int64_t>& ids);
std::optional<std::vector<int64_t>> SplitIds(std::string_view text);

}  // namespace kechan::appeals
