// The policy toolkit (惠企政策工具包, issue 4 §6): policies, their dated versions, eligibility
// rules as predicates over enterprise facts with three-valued evaluation (yes / no / unknown) and a
// reason per clause, applications and their workflows. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/calendar.h"
#include "base/ids.h"
#include "base/money.h"
#include "base/result.h"
#include "base/status.h"
#include "chain/model.h"
#include "flow/machine.h"

namespace kechan::policy {

// All types below are value types (thread-compatible); all functions are pure and thread-safe.

using PolicyId = base::Id<struct PolicyTag>;
using VersionId = base::Id<struct VersionTag>;
using ApplicationId = base::Id<struct ApplicationTag>;

// ---- Enumerations: Name() is the stable wire name, NameZh() the label, Parse...() takes the wire
// name and fails with InvalidArgument naming `field`, reason "<enum>.unknown".

// The four tools of the toolkit (拓市场 / 降成本 / 给场景 / 建平台).
enum class Category { kExpandMarkets, kCutCosts, kScenarios, kPlatforms };
const char* CategoryName(Category c);  // "expand_markets" "cut_costs" "scenarios" "platforms"
const char* CategoryNameZh(Category c);
base::Result<Category> ParseCategory(std::string_view text, std::string_view field = "category");

// How an eligible enterprise gets the benefit: 免申即享 (no application: a pending benefit is
// created for every eligible firm when the policy is published), 一键申报 (one-click: the
// application is prefilled from facts), 全流程申报 (full application with fields).
enum class Mode { kNoApplication, kOneClick, kFullApplication };
const char* ModeName(Mode m);  // "no_application" "one_click" "full_application"
const char* ModeNameZh(Mode m);
base::Result<Mode> ParseMode(std::string_view text, std::string_view field = "mode");

enum class PolicyStatus { kDraft, kPublished, kWithdrawn };
const char* PolicyStatusName(PolicyStatus s);  // "draft" "published" "withdrawn"
base::Result<PolicyStatus> ParsePolicyStatus(std::string_view text,
                                             std::string_view field = "status");

// Three-valued truth (Kleene): unknown when a fact the answer depends on is missing.
enum class Tri { kNo, kUnknown, kYes };
const char* TriName(Tri t);  // "no" "unknown" "yes"
const char* TriNameZh(Tri t);

// ---- Enterprise facts ------------------------------------------------------------------------

// A chain link of the enterprise with its validity (both ends inclusive).
struct LinkFact {
  int64_t node_id = 0;
  int64_t chain_id = 0;
  base::Date from;
  std::optional<base::Date> to;
};

// What the rules can ask about one enterprise. Chain records supply most of it (district, park,
// revenue, R&D, digital level, green factory, tiers, links); the policy module keeps the facts
// the chain does not hold (founding date, main-business share, employees). A missing value means
// "unknown", never zero. Years are calendar years.
struct EnterpriseFacts {
  int64_t enterprise_id = 0;
  std::string name;
  std::optional<int64_t> org_id;
  std::string district;  // empty = unknown
  std::optional<int64_t> park_id;
  bool has_park_fact = false;  // whether park_id is known (a firm outside any park is known)
  std::optional<bool> above_size;
  std::optional<bool> green_factory;
  std::map<int, base::Money> revenue;   // year -> 营业收入
  std::map<int, base::Money> rd_spend;  // year -> 研发投入
  std::map<int, int> digital_level;     // year -> 1..4
  bool tiers_known = false;             // the tier history is on record (possibly empty)
  std::vector<chain::GradientTierRecord> tiers;
  bool links_known = false;
  std::vector<LinkFact> links;
  std::optional<base::Date> founded_on;       // 成立日期
  std::map<int, double> main_business_share;  // year -> 主营业务收入占比, percent 0..100
  std::map<int, int64_t> employees;           // year -> 从业人员
};

// The supplementary facts the policy module stores itself (what officers ask enterprises for).
// Names: "founded_on" (value "YYYY-MM-DD", no year), "main_business_share" (percent, per year),
// "employees" (integer, per year).
struct SuppliedFact {
  std::string fact;
  int year = 0;  // 0 for facts without a year
  std::string value;
};
// Returns whether `fact` is a name above.
bool IsSuppliedFactName(std::string_view fact);
// Checks one supplied fact: unknown name -> "fact" ("policy.fact.unknown"); year missing or
// present wrongly -> "year" ("policy.fact.year"); unparseable or out-of-range value -> "value"
// ("policy.fact.value").
base::Status ValidateSuppliedFact(const SuppliedFact& f);
// Copies supplied facts into `facts` (later entries win). Invalid entries are skipped.
void ApplySuppliedFacts(const std::vector<SuppliedFact>& supplied, EnterpriseFacts* facts);

// ---- Rules -----------------------------------------------------------------------------------

// The facts a leaf clause may test (wire names in quotes).
enum class Fact {
  kRevenue,             // "revenue": money, yearly (sum over the window)
  kRdSpend,             // "rd_spend": money, yearly (sum over the window)
  kRdShare,             // "rd_share": percent, sum(rd_spend) / sum(revenue) over the window
  kRevenueGrowth,       // "revenue_growth": percent, average yearly growth over the window
  kDigitalLevel,        // "digital_level": number 1..4 of the year
  kMainBusinessShare,   // "main_business_share": percent of the year
  kEmployees,           // "employees": number of the year
  kYearsSinceFounding,  // "years_since_founding": whole years from founded_on to the date
  kGradientTier,        // "gradient_tier": tier valid on the date in a set ("none" = no tier)
  kDistrict,            // "district": in a set of district names
  kPark,                // "park": in a set of park ids
  kChainNode,           // "chain_node": linked to one of these node ids (valid on the date)
  kChain,               // "chain": linked to a node of one of these chain ids
  kGreenFactory,        // "green_factory": equals `is`
  kAboveSize,           // "above_size": equals `is`
};
const char* FactName(Fact f);
const char* FactNameZh(Fact f);
base::Result<Fact> ParseFact(std::string_view text, std::string_view field = "fact");

// The fact catalogue the rule editor offers: per fact its value kind ("money" in yuan,
// "percent", "number", "texts", "ids", "bool") and which dated parameters it takes (yearly:
// year / year_offset; window: years; dated: on).
struct FactInfo {
  Fact fact = Fact::kRevenue;
  const char* kind = "";
  bool yearly = false;
  bool window = false;
  bool dated = false;
};
// Returns every fact in declaration order.
std::vector<FactInfo> FactCatalogue();

enum class Op { kGte, kGt, kLte, kLt, kEq };
const char* OpName(Op o);  // "gte" "gt" "lte" "lt" "eq"

// A rule tree: all / any / not over leaf clauses. Leaves of yearly facts read the window of
// `years` years ending at year `year` (absolute) or at (evaluation year + year_offset) (default
// -1: the previous year, "Y-1"). Threshold: `amount` for money facts, `number` otherwise.
// Set facts use `texts` (district, gradient_tier) or `ids` (park, chain_node, chain). Tier and
// link facts are judged on `on` when given, else on the evaluation date.
struct Rule {
  enum class Kind { kAll, kAny, kNot, kLeaf };
  Kind kind = Kind::kLeaf;
  std::string id;  // optional label, e.g. "zjtx.rd_share"
  std::string label_zh;
  std::string label_en;
  std::vector<Rule> children;  // kAll/kAny: >= 1; kNot: exactly 1
  Fact fact = Fact::kRevenue;
  Op op = Op::kGte;
  double number = 0;
  base::Money amount;
  std::optional<int> year;
  int year_offset = -1;
  int years = 1;  // 1..10
  std::vector<std::string> texts;
  std::vector<int64_t> ids;
  bool is = true;
  std::optional<base::Date> on;

  bool operator==(const Rule&) const = default;
};

// Parses a rule from JSON text (schema in docs/policy.md), strictly: malformed JSON ->
// field "rule" reason "policy.rule.json"; every other error names the JSON path of the bad spot,
// e.g. "rule.all[2].fact" ("policy.rule.unknown_fact"), "rule.all[0].value"
// ("policy.rule.value"), "rule.any" ("policy.rule.empty"), "rule.x" ("policy.rule.unknown_key"),
// "rule.all[1].op" ("policy.rule.op"), "rule.not" ("policy.rule.shape"); nesting deeper than 16
// -> "policy.rule.depth". `field` is the root of the paths.
base::Result<Rule> ParseRule(std::string_view json, std::string_view field = "rule");
// Renders a rule as canonical JSON (ParseRule(RuleToJson(r)) == r).
std::string RuleToJson(const Rule& rule);

// The result of one clause (a node of the rule tree).
struct ClauseResult {
  std::string path;  // "rule", "rule.all[1]", ...
  std::string id;
  Rule::Kind kind = Rule::Kind::kLeaf;
  Tri result = Tri::kUnknown;
  std::string reason_en;  // "revenue 2025 is 12000000.00 ≥ 10000000.00: met"
  std::string reason_zh;
  std::vector<std::string> missing;  // facts to ask about: "revenue:2025", "founded_on", ...
  std::vector<ClauseResult> children;
};

struct Evaluation {
  Tri result = Tri::kUnknown;
  ClauseResult root;
  std::vector<std::string> missing;  // all missing facts of the tree, sorted, unique
};

// How much an evaluation renders. kFull: the whole clause tree with every clause's path, id,
// reasons and children (for people: one enterprise's page, a page of matches, refusals).
// kVerdict: only `result` and `missing` (for counting: previews, tallies, eligibility scans over
// every enterprise); root.kind, root.result and root.missing are set, nothing else, and all / any
// stop at the first child that decides them. result and missing are identical either way.
enum class Detail { kFull, kVerdict };

// Evaluates `rule` for `facts` on `date` (Kleene logic: all = no if any no, else unknown if any
// unknown; any = yes if any yes, else unknown if any unknown; not swaps yes and no).
Evaluation Evaluate(const Rule& rule, const EnterpriseFacts& facts, base::Date date,
                    Detail detail = Detail::kFull);

// ---- Policies and versions -------------------------------------------------------------------

// A field a full application asks for.
struct FieldSpec {
  std::string key;  // [a-z0-9_]{1,40}
  std::string label_zh;
  std::string label_en;
  bool required = true;
};

struct Policy {
  PolicyId id;
  std::string code;  // "CD-ZJTX-2026"; [A-Za-z0-9-]{2,40}
  std::string title;
  std::string title_en;
  Category category = Category::kCutCosts;
  std::string department;  // 发文 / 受理部门
  std::string summary;
  Mode mode = Mode::kOneClick;
  PolicyStatus status = PolicyStatus::kDraft;
};

// One version: the rule and benefit in force from effective_from to effective_to (inclusive;
// none = open-ended). A published version is frozen.
struct PolicyVersion {
  VersionId id;
  PolicyId policy_id;
  int number = 0;  // 1, 2, ... within the policy
  base::Date effective_from;
  std::optional<base::Date> effective_to;
  Rule rule;
  std::string benefit_zh;  // 享受内容
  std::string benefit_en;
  std::optional<base::Money> amount;  // a fixed sum when the benefit is one, else none
  std::vector<FieldSpec> fields;      // for full applications
  bool published = false;
  std::optional<int64_t> published_at;  // UTC micros
};

// code/title/department empty or malformed -> that field ("policy.code", "policy.title",
// "policy.department").
base::Status ValidatePolicy(const Policy& p);
// effective_to before effective_from -> "effective_to" ("policy.date_order"); benefit_zh empty ->
// "benefit_zh"; negative amount -> "amount"; a field key malformed or used twice ->
// "fields[i].key" ("policy.field_key" / "policy.field_duplicate").
base::Status ValidateVersion(const PolicyVersion& v);
// Returns whether `v` is in force on `d`.
bool InForce(const PolicyVersion& v, base::Date d);
// Returns the published version in force on `d`, or nullptr.
const PolicyVersion* VersionOn(const std::vector<PolicyVersion>& versions, base::Date d);
// Checks that publishing `v` keeps the policy's published versions free of overlaps: an overlap
// -> FailedPrecondition "effective_from" ("policy.version_overlap") naming the other version.
base::Status CheckNoOverlap(const std::vector<PolicyVersion>& published, const PolicyVersion& v);

// Parses/renders the field list of a version: [{"key","label_zh","label_en","required"}].
base::Result<std::vector<FieldSpec>> ParseFieldSpecs(std::string_view json,
                                                     std::string_view field = "fields");
std::string FieldSpecsToJson(const std::vector<FieldSpec>& fields);

// Checks a full application's fields against the version: a required field missing or blank ->
// "fields.<key>" ("policy.application.required"); a key not in the spec -> "fields.<key>"
// ("policy.application.unknown_field").
base::Status CheckApplicationFields(const std::vector<FieldSpec>& spec, const flow::Fields& given);

// ---- Applications and their workflows ---------------------------------------------------------

enum class ApplicationKind { kOneClick, kFull, kAuto };
const char* ApplicationKindName(ApplicationKind k);  // "one_click" "full" "auto"
base::Result<ApplicationKind> ParseApplicationKind(std::string_view text,
                                                   std::string_view field = "kind");

// The application workflow (申报): submitted → reviewing → approved / rejected → disbursed, plus
// the enterprise withdrawing while submitted. Roles and required fields are in the spec.
flow::MachineSpec ApplicationSpec();
// The 免申即享 benefit workflow: pending → confirmed (officer) → disbursed, or dismissed.
flow::MachineSpec AutoBenefitSpec();
// The guards both specs name: "amount_yuan" (input "amount" parses as a non-negative yuan
// amount; InvalidArgument naming "amount").
flow::GuardTable PolicyGuards();
// The workflow name ("application" / "auto_benefit") of a kind.
const char* WorkflowOf(ApplicationKind k);
// Whether a state ends an application for good so that the enterprise may apply again
// ("rejected", "withdrawn", "dismissed").
bool IsClosedState(std::string_view state);

// One application (申报) or 免申即享 benefit of an enterprise for a policy version.
struct Application {
  ApplicationId id;
  PolicyId policy_id;
  VersionId version_id;
  int64_t enterprise_id = 0;
  std::optional<int64_t> org_id;  // the enterprise's auth organisation, for ownership checks
  std::string enterprise_name;
  ApplicationKind kind = ApplicationKind::kOneClick;
  std::string state;               // a state of the kind's workflow
  flow::Fields fields;             // one-click: the prefilled facts; full: the enterprise's answers
  Tri evaluation = Tri::kUnknown;  // eligibility when filed
  std::vector<std::string> missing;
  std::string history_json = "[]";  // [{"at","actor","action","from","to","input"}]
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// How the firms stand against one policy: counts and, for unknowns, the facts to ask about.
struct MatchTally {
  int64_t yes = 0;
  int64_t no = 0;
  int64_t unknown = 0;
  std::map<std::string, int64_t> ask;  // missing fact -> number of firms it would settle
};
void AddToTally(const Evaluation& e, MatchTally* tally);

}  // namespace kechan::policy
