// The policy module's use-cases (惠企政策工具包, issue 4 §6): policies and versions (operators),
// publishing (with 免申即享 pending benefits), "which policies fit this enterprise", "which
// enterprises fit this policy", applications and their workflows, and the supplementary facts
// officers ask enterprises for. Enterprise facts come from chain::ChainService (never its repo).
// Every write is one write transaction that changes rows and appends its event(s) ("policy.*").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "chain/service.h"
#include "flow/machine.h"
#include "policy/model.h"
#include "policy/repo.h"
#include "store/database.h"

namespace kechan::policy {

// Who is asking: the chain module's Caller (system / principal / actor). Permissions:
//   operators (and the system caller): create and edit policies and versions, publish, withdraw;
//   officers, duty directors, chain chiefs, operators ("staff"): read every policy, evaluate any
//     enterprise, match enterprises to a policy, see and act on every application, record facts;
//   an enterprise member: published policies, its own enterprise's evaluation, applications and
//     facts; applies and withdraws for its own enterprise;
//   anyone signed in: the list of published policies.
using Caller = chain::Caller;

struct PageRequest {
  int64_t page = 1;        // 1-based
  int64_t page_size = 20;  // 1..200
};

struct PolicyPage {
  std::vector<Policy> items;
  int64_t total = 0;
  int64_t page = 1;
  int64_t page_size = 20;
};

struct PolicyDetail {
  Policy policy;
  std::vector<PolicyVersion> versions;
};

// One policy as it stands for one enterprise.
struct PolicyFit {
  Policy policy;
  PolicyVersion version;  // the published version in force on the date
  Evaluation evaluation;
  std::optional<Application> application;  // the enterprise's open application, if any
};

struct FitsFilter {
  std::optional<Category> category;
  bool include_no = false;  // also list policies the enterprise does not fit
};

// One enterprise as it stands against one policy.
struct EnterpriseFit {
  int64_t enterprise_id = 0;
  std::string name;
  std::string district;
  Tri result = Tri::kUnknown;
  std::vector<std::string> missing;
  std::string reason_en;  // the root clause's reason
  std::string reason_zh;
};

struct MatchFilter {
  std::optional<Tri> result;  // only this result
  std::string district;
  std::string q;  // substring of the name
};

struct MatchReport {
  PolicyId policy_id;
  VersionId version_id;
  base::Date as_of;
  MatchTally tally;                  // over every enterprise (before filters)
  std::vector<EnterpriseFit> items;  // the page, after filters
  int64_t total = 0;                 // after filters
  int64_t page = 1;
  int64_t page_size = 20;
};

// How the facts of every enterprise are loaded for matching: kBulk reads them in batches of
// kFactsBatch (four queries per batch through ChainService::EnterpriseDetailsAfter);
// kPerEnterprise is the former path (one GetEnterprise per firm), kept to measure against.
enum class FactsLoad { kBulk, kPerEnterprise };
inline constexpr int64_t kFactsBatch = 5000;

// A draft rule tried against every enterprise before it is saved.
struct RulePreview {
  base::Date as_of;
  MatchTally tally;
};

struct PublishReport {
  PolicyVersion version;
  int64_t benefits_created = 0;  // 免申即享: pending benefits created
};

struct ApplicationPage {
  std::vector<Application> items;
  int64_t total = 0;
  int64_t page = 1;
  int64_t page_size = 20;
};

// Thread-safe: every method may be called from any thread; each opens its own transaction(s).
class PolicyService {
 public:
  // `chain` and `db` must outlive the service.
  PolicyService(store::Database& db, chain::ChainService& chain, const base::Clock& clock);

  // ---- policies and versions ------------------------------------------------------------------
  // Operators. Errors: PermissionDenied; InvalidArgument from ValidatePolicy; AlreadyExists
  // naming "code".
  base::Result<Policy> CreatePolicy(const Caller& caller, Policy p);
  // Operators. Status is not changed here (Publish / Withdraw). NotFound "id".
  base::Result<Policy> UpdatePolicy(const Caller& caller, Policy p);
  // Staff see every policy; others only published ones (NotFound otherwise).
  base::Result<PolicyDetail> GetPolicy(const Caller& caller, PolicyId id);
  // Staff see every policy; others only published ones (the status filter is forced).
  // InvalidArgument naming "page" / "page_size".
  base::Result<PolicyPage> ListPolicies(const Caller& caller, PolicyFilter f, PageRequest page);
  // Operators. Adds a draft version (number = next). Errors: ValidateVersion's; NotFound
  // "policy_id".
  base::Result<PolicyVersion> AddVersion(const Caller& caller, PolicyVersion v);
  // Operators. Edits a draft version. FailedPrecondition "policy.version_published" naming
  // "version_id" when it is published.
  base::Result<PolicyVersion> UpdateVersion(const Caller& caller, PolicyVersion v);
  // Operators. Publishes a draft version (and the policy). FailedPrecondition
  // "policy.version_overlap" (field effective_from) when its dates overlap another published
  // version. For a 免申即享 policy, creates a pending benefit (one event each) for every
  // enterprise that fits ("yes") on max(today, effective_from) and has no open application.
  base::Result<PublishReport> Publish(const Caller& caller, PolicyId policy, VersionId version);
  // Operators. Marks the policy withdrawn (no new applications; open ones continue).
  base::Result<Policy> Withdraw(const Caller& caller, PolicyId policy);

  // ---- facts and matching ---------------------------------------------------------------------
  // The facts of one enterprise (chain record + links + supplied facts). Staff, or the
  // enterprise's own members. NotFound / PermissionDenied from the chain service.
  base::Result<EnterpriseFacts> FactsOf(const Caller& caller, chain::EnterpriseId id);
  // Records supplied facts (all or none). Staff or the enterprise's own members. Errors:
  // ValidateSuppliedFact's with the field prefixed "facts[i]."; one event "policy.facts.updated".
  base::Status SupplyFacts(const Caller& caller, chain::EnterpriseId id,
                           const std::vector<SuppliedFact>& facts);
  // Published policies in force on `date` and how the enterprise fits each (yes and unknown first;
  // "no" only with include_no).
  base::Result<std::vector<PolicyFit>> PoliciesFor(const Caller& caller, chain::EnterpriseId id,
                                                   base::Date date, const FitsFilter& f = {});
  // Staff. Every enterprise evaluated against the policy's version in force on `date` (the
  // latest version when none is in force and the policy is a draft, for previewing). NotFound
  // "policy_id"; FailedPrecondition "policy.no_version" naming "as_of" when no version applies.
  base::Result<MatchReport> EnterprisesFor(const Caller& caller, PolicyId policy, base::Date date,
                                           const MatchFilter& f, PageRequest page);

  // Staff. Evaluates a draft rule for every enterprise on `date` and counts yes / no / unknown
  // (with the facts to ask about), without storing anything.
  base::Result<RulePreview> PreviewRule(const Caller& caller, const Rule& rule, base::Date date);
  // The facts of every enterprise, by id (chain records + links + supplied facts). For matching
  // and benchmarks; no permission check (callers check).
  base::Result<std::vector<EnterpriseFacts>> AllFacts(FactsLoad how = FactsLoad::kBulk);

  // ---- applications ---------------------------------------------------------------------------
  // The enterprise's member (or system) applies for a published policy in force today.
  // kOneClick: fields are prefilled from facts; the enterprise must not be "no". kFull: fields
  // checked against the version (CheckApplicationFields). Errors: PermissionDenied (not its own
  // enterprise); NotFound "policy_id"; FailedPrecondition "policy.not_published" / "policy.mode"
  // / "policy.not_eligible" (field "policy_id"); AlreadyExists "policy.already_applied" naming
  // "policy_id"; InvalidArgument "kind" (auto) or "fields.<key>".
  base::Result<Application> Apply(const Caller& caller, PolicyId policy,
                                  chain::EnterpriseId enterprise, ApplicationKind kind,
                                  const flow::Fields& fields);
  // Staff see all; an enterprise member only its own enterprises' (PermissionDenied when
  // asking for another enterprise's).
  base::Result<ApplicationPage> ListApplications(const Caller& caller, ApplicationFilter f,
                                                 PageRequest page);
  base::Result<Application> GetApplication(const Caller& caller, ApplicationId id);
  // Takes a workflow action (flow::Machine::Apply errors). An enterprise acts only on its own.
  base::Result<Application> Act(const Caller& caller, ApplicationId id, const std::string& action,
                                const flow::Fields& input);
  // The actions the caller may offer on an application.
  std::vector<flow::ActionInfo> ActionsFor(const Caller& caller, const Application& a) const;

  // The enterprises whose organisation the caller is an enterprise member of (for the web's
  // "my enterprise"); every enterprise for the system caller is not offered (empty). Scans the
  // chain's enterprise list.
  base::Result<std::vector<chain::Enterprise>> MyEnterprises(const Caller& caller);

  base::Date Today() const;

 private:
  struct Universe;  // every enterprise's facts, loaded once per matching call
  base::Result<Universe> LoadUniverse();
  base::Result<std::map<int64_t, int64_t>> NodeChains();  // node id -> chain id
  std::vector<auth::Role> RolesOf(const Caller& caller) const;
  const flow::Machine& MachineFor(ApplicationKind k) const;
  int64_t Now() const;

  store::Database& db_;
  chain::ChainService& chain_;
  const base::Clock& clock_;
  flow::Machine application_machine_;
  flow::Machine benefit_machine_;
};

}  // namespace kechan::policy
