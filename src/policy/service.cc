#include "policy/service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <set>
#include <utility>

#include "base/calendar.h"
#include "store/event_log.h"

namespace kechan::policy {

namespace json = boost::json;
using base::Date;
using base::Result;
using base::Status;

struct PolicyService::Universe {
  std::vector<EnterpriseFacts> firms;  // by enterprise id
};

namespace {

Status Denied() {
  return base::PermissionDenied("policy.permission", "you may not do this",
                                "您没有执行此操作的权限");
}

bool IsStaff(const Caller& c) { return c.CanSeeDetails(); }
bool IsOperator(const Caller& c) { return c.CanEditTaxonomy(); }

Status NotFoundField(const std::string& field, const std::string& what_en,
                     const std::string& what_zh, int64_t id) {
  return base::NotFound("policy.not_found", what_en + " " + std::to_string(id) + " not found",
                        what_zh + " " + std::to_string(id) + " 不存在", field);
}

Status CheckPage(const PageRequest& p) {
  if (p.page < 1) {
    return base::InvalidArgument("page", "page.range", "page must be >= 1", "page 须不小于 1");
  }
  if (p.page_size < 1 || p.page_size > 200) {
    return base::InvalidArgument("page_size", "page.range", "page_size must be 1-200",
                                 "page_size 须为 1-200");
  }
  return Status::Ok();
}

Result<int64_t> Append(store::Tx& tx, const base::Clock& clock, const std::string& kind,
                       const std::string& entity, int64_t id, const Caller& caller,
                       const json::object& payload) {
  return store::AppendEvent(tx,
                            store::EventDraft{.kind = kind,
                                              .entity = entity,
                                              .entity_id = std::to_string(id),
                                              .actor = caller.actor,
                                              .payload = json::serialize(payload)},
                            clock);
}

Status Ok(const Result<int64_t>& r) { return r.ok() ? Status::Ok() : r.status(); }

flow::Machine MustCreate(flow::MachineSpec spec) {
  auto m = flow::Machine::Create(std::move(spec), PolicyGuards());
  assert(m.ok());  // the specs are fixed and covered by model_test
  return std::move(m).value();
}

EnterpriseFacts FactsFromChain(const chain::Enterprise& e) {
  EnterpriseFacts f;
  f.enterprise_id = e.id.value;
  f.name = e.name;
  if (e.org_id) {
    f.org_id = e.org_id->value;
  }
  f.district = e.district;
  f.has_park_fact = true;
  if (e.park_id) {
    f.park_id = e.park_id->value;
  }
  f.above_size = e.above_size;
  f.green_factory = e.green_factory;
  f.revenue = e.revenue;
  f.rd_spend = e.rd_spend;
  f.digital_level = e.digital_level;
  f.tiers_known = true;
  f.tiers = e.tiers;
  f.links_known = true;
  return f;
}

LinkFact LinkFactOf(const chain::Link& l, const std::map<int64_t, int64_t>& node_chain) {
  auto it = node_chain.find(l.node_id.value);
  return LinkFact{.node_id = l.node_id.value,
                  .chain_id = it == node_chain.end() ? 0 : it->second,
                  .from = l.validity.valid_from,
                  .to = l.validity.valid_to};
}

// One-click prefill: the facts an officer needs to see on the application.
flow::Fields Prefill(const EnterpriseFacts& f, Date today) {
  flow::Fields out;
  const int y = today.year() - 1;
  out["enterprise_name"] = f.name;
  if (!f.district.empty()) {
    out["district"] = f.district;
  }
  if (f.revenue.contains(y)) {
    out["revenue_" + std::to_string(y)] = f.revenue.at(y).ToYuanString();
  }
  if (f.rd_spend.contains(y)) {
    out["rd_spend_" + std::to_string(y)] = f.rd_spend.at(y).ToYuanString();
  }
  if (f.founded_on) {
    out["founded_on"] = f.founded_on->ToString();
  }
  return out;
}

json::object HistoryEntry(int64_t at, const Caller& caller, const std::string& action,
                          const std::string& from, const std::string& to,
                          const flow::Fields& input) {
  json::object in;
  for (const auto& [k, v] : input) {
    in[k] = v;
  }
  return json::object{{"at", at}, {"actor", caller.actor}, {"action", action}, {"from", from},
                      {"to", to}, {"input", std::move(in)}};
}

std::string AppendHistory(const std::string& history, json::object entry) {
  boost::system::error_code ec;
  json::value v = json::parse(history, ec);
  json::array arr = (!ec && v.is_array()) ? v.as_array() : json::array();
  arr.push_back(std::move(entry));
  return json::serialize(arr);
}

int Rank(Tri t) { return t == Tri::kYes ? 0 : (t == Tri::kUnknown ? 1 : 2); }

}  // namespace

PolicyService::PolicyService(store::Database& db, chain::ChainService& chain,
                             const base::Clock& clock)
    : db_(db),
      chain_(chain),
      clock_(clock),
      application_machine_(MustCreate(ApplicationSpec())),
      benefit_machine_(MustCreate(AutoBenefitSpec())) {}

int64_t PolicyService::Now() const { return clock_.NowMicros(); }
Date PolicyService::Today() const { return base::LocalDateOf(clock_.NowMicros()); }

const flow::Machine& PolicyService::MachineFor(ApplicationKind k) const {
  return k == ApplicationKind::kAuto ? benefit_machine_ : application_machine_;
}

std::vector<auth::Role> PolicyService::RolesOf(const Caller& caller) const {
  if (caller.system) {
    return auth::AllRoles();
  }
  std::vector<auth::Role> out;
  for (const auto& m : caller.principal.memberships) {
    if (std::find(out.begin(), out.end(), m.role) == out.end()) {
      out.push_back(m.role);
    }
  }
  return out;
}

// ---- policies and versions --------------------------------------------------------------------

Result<Policy> PolicyService::CreatePolicy(const Caller& caller, Policy p) {
  if (!IsOperator(caller)) {
    return Denied();
  }
  p.id = PolicyId{};
  p.status = PolicyStatus::kDraft;
  KECHAN_RETURN_IF_ERROR(ValidatePolicy(p));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    auto id = repo::InsertPolicy(tx, p, Now());
    if (!id.ok()) {
      if (id.status().code() == base::Code::kAlreadyExists) {
        return base::AlreadyExists("policy.code_taken", "policy code " + p.code + " is in use",
                                   "政策编码 " + p.code + " 已被使用", "code");
      }
      return id.status();
    }
    p.id = *id;
    return Ok(Append(
        tx, clock_, "policy.created", "policy", p.id.value, caller,
        {{"code", p.code}, {"category", CategoryName(p.category)}, {"mode", ModeName(p.mode)}}));
  }));
  return p;
}

Result<Policy> PolicyService::UpdatePolicy(const Caller& caller, Policy p) {
  if (!IsOperator(caller)) {
    return Denied();
  }
  KECHAN_RETURN_IF_ERROR(ValidatePolicy(p));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto old, repo::FindPolicy(tx, p.id));
    if (!old) return NotFoundField("id", "policy", "政策", p.id.value);
    p.status = old->status;
    Status s = repo::UpdatePolicy(tx, p, Now());
    if (s.code() == base::Code::kAlreadyExists) {
      return base::AlreadyExists("policy.code_taken", "policy code " + p.code + " is in use",
                                 "政策编码 " + p.code + " 已被使用", "code");
    }
    KECHAN_RETURN_IF_ERROR(s);
    return Ok(
        Append(tx, clock_, "policy.updated", "policy", p.id.value, caller, {{"code", p.code}}));
  }));
  return p;
}

Result<PolicyDetail> PolicyService::GetPolicy(const Caller& caller, PolicyId id) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto p, repo::FindPolicy(*tx, id));
  if (!p || (!IsStaff(caller) && p->status != PolicyStatus::kPublished)) {
    return NotFoundField("id", "policy", "政策", id.value);
  }
  PolicyDetail d{.policy = *p, .versions = {}};
  KECHAN_ASSIGN_OR_RETURN(d.versions, repo::ListVersions(*tx, id));
  if (!IsStaff(caller)) {
    std::erase_if(d.versions, [](const PolicyVersion& v) { return !v.published; });
  }
  return d;
}

Result<PolicyPage> PolicyService::ListPolicies(const Caller& caller, PolicyFilter f,
                                               PageRequest page) {
  KECHAN_RETURN_IF_ERROR(CheckPage(page));
  if (!IsStaff(caller)) {
    f.status = PolicyStatus::kPublished;
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  PolicyPage out{.items = {}, .total = 0, .page = page.page, .page_size = page.page_size};
  KECHAN_ASSIGN_OR_RETURN(out.items, repo::ListPolicies(*tx, f, (page.page - 1) * page.page_size,
                                                        page.page_size, &out.total));
  return out;
}

Result<PolicyVersion> PolicyService::AddVersion(const Caller& caller, PolicyVersion v) {
  if (!IsOperator(caller)) {
    return Denied();
  }
  v.id = VersionId{};
  v.published = false;
  v.published_at.reset();
  KECHAN_RETURN_IF_ERROR(ValidateVersion(v));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto p, repo::FindPolicy(tx, v.policy_id));
    if (!p) return NotFoundField("policy_id", "policy", "政策", v.policy_id.value);
    KECHAN_ASSIGN_OR_RETURN(v.number, repo::NextVersionNumber(tx, v.policy_id));
    KECHAN_ASSIGN_OR_RETURN(v.id, repo::InsertVersion(tx, v, Now()));
    return Ok(Append(tx, clock_, "policy.version.created", "policy_version", v.id.value, caller,
                     {{"policy_id", v.policy_id.value},
                      {"number", v.number},
                      {"effective_from", v.effective_from.ToString()}}));
  }));
  return v;
}

Result<PolicyVersion> PolicyService::UpdateVersion(const Caller& caller, PolicyVersion v) {
  if (!IsOperator(caller)) {
    return Denied();
  }
  KECHAN_RETURN_IF_ERROR(ValidateVersion(v));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto versions, repo::ListVersions(tx, v.policy_id));
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const PolicyVersion& o) { return o.id == v.id; });
    if (it == versions.end()) return NotFoundField("version_id", "version", "版本", v.id.value);
    if (it->published) {
      return base::FailedPrecondition("policy.version_published",
                                      "a published version cannot be changed; add a new version",
                                      "已发布的版本不能修改，请新增版本", "version_id");
    }
    v.number = it->number;
    v.published = false;
    v.published_at.reset();
    KECHAN_RETURN_IF_ERROR(repo::UpdateVersion(tx, v, Now()));
    return Ok(Append(tx, clock_, "policy.version.updated", "policy_version", v.id.value, caller,
                     {{"policy_id", v.policy_id.value}, {"number", v.number}}));
  }));
  return v;
}

Result<PublishReport> PolicyService::Publish(const Caller& caller, PolicyId policy,
                                             VersionId version) {
  if (!IsOperator(caller)) {
    return Denied();
  }
  Policy p;
  PolicyVersion v;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto found, repo::FindPolicy(*tx, policy));
    if (!found) {
      return NotFoundField("policy_id", "policy", "政策", policy.value);
    }
    p = *found;
    KECHAN_ASSIGN_OR_RETURN(auto versions, repo::ListVersions(*tx, policy));
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const PolicyVersion& o) { return o.id == version; });
    if (it == versions.end()) {
      return NotFoundField("version_id", "version", "版本", version.value);
    }
    if (it->published) {
      return base::FailedPrecondition("policy.version_published", "this version is published",
                                      "该版本已发布", "version_id");
    }
    KECHAN_RETURN_IF_ERROR(CheckNoOverlap(versions, *it));
    v = *it;
  }
  // 免申即享: who fits on the first day the version can apply.
  std::vector<EnterpriseFacts> eligible;
  if (p.mode == Mode::kNoApplication) {
    const Date on = std::max(Today(), v.effective_from);
    KECHAN_ASSIGN_OR_RETURN(Universe u, LoadUniverse());
    for (auto& f : u.firms) {
      if (Evaluate(v.rule, f, on, Detail::kVerdict).result == Tri::kYes) {
        eligible.push_back(std::move(f));
      }
    }
  }
  PublishReport report;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    const int64_t now = Now();
    // Re-check inside the writer: nobody published it (or an overlapping one) meanwhile.
    KECHAN_ASSIGN_OR_RETURN(auto versions, repo::ListVersions(tx, policy));
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const PolicyVersion& o) { return o.id == version; });
    if (it == versions.end() || it->published) {
      return base::FailedPrecondition("policy.version_published", "this version is published",
                                      "该版本已发布", "version_id");
    }
    KECHAN_RETURN_IF_ERROR(CheckNoOverlap(versions, *it));
    v = *it;
    v.published = true;
    v.published_at = now;
    KECHAN_RETURN_IF_ERROR(repo::UpdateVersion(tx, v, now));
    p.status = PolicyStatus::kPublished;
    KECHAN_RETURN_IF_ERROR(repo::UpdatePolicy(tx, p, now));
    KECHAN_RETURN_IF_ERROR(
        Ok(Append(tx, clock_, "policy.version.published", "policy_version", v.id.value, caller,
                  {{"policy_id", p.id.value},
                   {"number", v.number},
                   {"eligible", static_cast<int64_t>(eligible.size())}})));
    for (const auto& f : eligible) {
      KECHAN_ASSIGN_OR_RETURN(auto open, repo::FindOpenApplication(tx, p.id, f.enterprise_id));
      if (open) continue;
      Application a;
      a.policy_id = p.id;
      a.version_id = v.id;
      a.enterprise_id = f.enterprise_id;
      a.org_id = f.org_id;
      a.enterprise_name = f.name;
      a.kind = ApplicationKind::kAuto;
      a.state = benefit_machine_.initial_state();
      a.fields = Prefill(f, Today());
      a.evaluation = Tri::kYes;
      a.history_json = AppendHistory("[]", HistoryEntry(now, caller, "create", "", a.state, {}));
      KECHAN_ASSIGN_OR_RETURN(a.id, repo::InsertApplication(tx, a, now));
      KECHAN_RETURN_IF_ERROR(
          Ok(Append(tx, clock_, "policy.benefit.created", "policy_application", a.id.value, caller,
                    {{"policy_id", p.id.value},
                     {"version_id", v.id.value},
                     {"enterprise_id", f.enterprise_id}})));
      ++report.benefits_created;
    }
    return Status::Ok();
  }));
  report.version = v;
  return report;
}

Result<Policy> PolicyService::Withdraw(const Caller& caller, PolicyId policy) {
  if (!IsOperator(caller)) {
    return Denied();
  }
  Policy p;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto found, repo::FindPolicy(tx, policy));
    if (!found) return NotFoundField("policy_id", "policy", "政策", policy.value);
    p = *found;
    p.status = PolicyStatus::kWithdrawn;
    KECHAN_RETURN_IF_ERROR(repo::UpdatePolicy(tx, p, Now()));
    return Ok(Append(tx, clock_, "policy.withdrawn", "policy", p.id.value, caller, {}));
  }));
  return p;
}

// ---- facts --------------------------------------------------------------------------------------

Result<std::map<int64_t, int64_t>> PolicyService::NodeChains() {
  const Caller sys = Caller::System("policy");
  std::map<int64_t, int64_t> out;
  KECHAN_ASSIGN_OR_RETURN(auto chains, chain_.ListChains(sys));
  for (const auto& c : chains) {
    KECHAN_ASSIGN_OR_RETURN(auto detail, chain_.GetChain(sys, c.chain.id));
    for (const auto& n : detail.nodes) {
      out[n.id.value] = c.chain.id.value;
    }
  }
  return out;
}

Result<EnterpriseFacts> PolicyService::FactsOf(const Caller& caller, chain::EnterpriseId id) {
  // The chain service checks the caller may see this enterprise (details or its own members).
  KECHAN_ASSIGN_OR_RETURN(chain::EnterpriseDetail d, chain_.GetEnterprise(caller, id));
  EnterpriseFacts f = FactsFromChain(d.enterprise);
  KECHAN_ASSIGN_OR_RETURN(auto node_chain, NodeChains());
  for (const auto& l : d.links) {
    f.links.push_back(LinkFactOf(l, node_chain));
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto supplied, repo::ListFacts(*tx, id.value));
  ApplySuppliedFacts(supplied, &f);
  return f;
}

Result<PolicyService::Universe> PolicyService::LoadUniverse() {
  Universe u;
  KECHAN_ASSIGN_OR_RETURN(u.firms, AllFacts(FactsLoad::kBulk));
  return u;
}

Result<std::vector<EnterpriseFacts>> PolicyService::AllFacts(FactsLoad how) {
  const Caller sys = Caller::System("policy");
  Universe u;
  KECHAN_ASSIGN_OR_RETURN(auto node_chain, NodeChains());
  if (how == FactsLoad::kBulk) {
    // Batches by id: four queries per kFactsBatch firms (rows, years, tiers, links).
    chain::EnterpriseId after{0};
    for (;;) {
      KECHAN_ASSIGN_OR_RETURN(auto batch, chain_.EnterpriseDetailsAfter(sys, after, kFactsBatch));
      for (const auto& d : batch) {
        EnterpriseFacts f = FactsFromChain(d.enterprise);
        for (const auto& l : d.links) {
          f.links.push_back(LinkFactOf(l, node_chain));
        }
        u.firms.push_back(std::move(f));
      }
      if (static_cast<int64_t>(batch.size()) < kFactsBatch) {
        break;
      }
      after = batch.back().enterprise.id;
    }
  }
  // The former path: the chain's list carries no yearly figures or tiers, so every firm's full
  // record is read through GetEnterprise (one read per firm).
  for (int64_t page = 1; how == FactsLoad::kPerEnterprise; ++page) {
    KECHAN_ASSIGN_OR_RETURN(chain::EnterprisePage p,
                            chain_.ListEnterprises(sys, {}, {.page = page, .page_size = 200}));
    for (const auto& listed : p.items) {
      KECHAN_ASSIGN_OR_RETURN(chain::EnterpriseDetail d, chain_.GetEnterprise(sys, listed.id));
      EnterpriseFacts f = FactsFromChain(d.enterprise);
      for (const auto& l : d.links) {
        f.links.push_back(LinkFactOf(l, node_chain));
      }
      u.firms.push_back(std::move(f));
    }
    if (p.items.empty() || page * 200 >= p.total) {
      break;
    }
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto supplied, repo::ListAllFacts(*tx));
  for (auto& f : u.firms) {
    auto it = supplied.find(f.enterprise_id);
    if (it != supplied.end()) {
      ApplySuppliedFacts(it->second, &f);
    }
  }
  return std::move(u.firms);
}

Result<RulePreview> PolicyService::PreviewRule(const Caller& caller, const Rule& rule, Date date) {
  if (!IsStaff(caller)) {
    return Denied();
  }
  KECHAN_ASSIGN_OR_RETURN(Universe u, LoadUniverse());
  RulePreview out{.as_of = date, .tally = {}};
  for (const auto& firm : u.firms) {
    AddToTally(Evaluate(rule, firm, date, Detail::kVerdict), &out.tally);
  }
  return out;
}

Result<std::vector<chain::Enterprise>> PolicyService::MyEnterprises(const Caller& caller) {
  std::set<int64_t> orgs;
  for (const auto& m : caller.principal.memberships) {
    if (m.role == auth::Role::kEnterprise) {
      orgs.insert(m.org.value);
    }
  }
  std::vector<chain::Enterprise> out;
  if (orgs.empty() || !caller.principal.signed_in()) {
    return out;
  }
  const Caller sys = Caller::System("policy");
  for (int64_t page = 1;; ++page) {
    KECHAN_ASSIGN_OR_RETURN(chain::EnterprisePage p,
                            chain_.ListEnterprises(sys, {}, {.page = page, .page_size = 200}));
    for (auto& e : p.items) {
      if (e.org_id && orgs.contains(e.org_id->value)) {
        out.push_back(std::move(e));
      }
    }
    if (p.items.empty() || page * 200 >= p.total) {
      break;
    }
  }
  return out;
}

Status PolicyService::SupplyFacts(const Caller& caller, chain::EnterpriseId id,
                                  const std::vector<SuppliedFact>& facts) {
  KECHAN_ASSIGN_OR_RETURN(chain::EnterpriseDetail d, chain_.GetEnterprise(caller, id));
  if (!IsStaff(caller) && !caller.Owns(d.enterprise.org_id)) {
    return Denied();
  }
  for (size_t i = 0; i < facts.size(); ++i) {
    Status s = ValidateSuppliedFact(facts[i]);
    if (!s.ok()) {
      return s.WithField("facts[" + std::to_string(i) + "]." + s.field());
    }
  }
  return store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    json::array names;
    for (const auto& f : facts) {
      KECHAN_RETURN_IF_ERROR(repo::UpsertFact(tx, id.value, f, caller.actor, Now()));
      names.emplace_back(f.fact + (f.year ? ":" + std::to_string(f.year) : ""));
    }
    return Ok(Append(tx, clock_, "policy.facts.updated", "enterprise", id.value, caller,
                     {{"facts", std::move(names)}}));
  });
}

// ---- matching -----------------------------------------------------------------------------------

Result<std::vector<PolicyFit>> PolicyService::PoliciesFor(const Caller& caller,
                                                          chain::EnterpriseId id, Date date,
                                                          const FitsFilter& filter) {
  KECHAN_ASSIGN_OR_RETURN(EnterpriseFacts facts, FactsOf(caller, id));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  PolicyFilter pf{.category = filter.category, .status = PolicyStatus::kPublished};
  int64_t total = 0;
  KECHAN_ASSIGN_OR_RETURN(auto policies, repo::ListPolicies(*tx, pf, 0, 100000, &total));
  std::vector<PolicyFit> out;
  for (const auto& p : policies) {
    KECHAN_ASSIGN_OR_RETURN(auto versions, repo::ListVersions(*tx, p.id));
    const PolicyVersion* v = VersionOn(versions, date);
    if (v == nullptr) {
      continue;
    }
    PolicyFit fit{.policy = p,
                  .version = *v,
                  .evaluation = Evaluate(v->rule, facts, date),
                  .application = std::nullopt};
    if (fit.evaluation.result == Tri::kNo && !filter.include_no) {
      continue;
    }
    KECHAN_ASSIGN_OR_RETURN(fit.application, repo::FindOpenApplication(*tx, p.id, id.value));
    out.push_back(std::move(fit));
  }
  std::stable_sort(out.begin(), out.end(), [](const PolicyFit& a, const PolicyFit& b) {
    return Rank(a.evaluation.result) < Rank(b.evaluation.result);
  });
  return out;
}

Result<MatchReport> PolicyService::EnterprisesFor(const Caller& caller, PolicyId policy, Date date,
                                                  const MatchFilter& f, PageRequest page) {
  if (!IsStaff(caller)) {
    return Denied();
  }
  KECHAN_RETURN_IF_ERROR(CheckPage(page));
  PolicyVersion version;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto p, repo::FindPolicy(*tx, policy));
    if (!p) {
      return NotFoundField("policy_id", "policy", "政策", policy.value);
    }
    KECHAN_ASSIGN_OR_RETURN(auto versions, repo::ListVersions(*tx, policy));
    const PolicyVersion* v = VersionOn(versions, date);
    if (v == nullptr) {
      // Preview: the latest draft version that covers the date, else the latest version.
      for (auto it = versions.rbegin(); it != versions.rend() && v == nullptr; ++it) {
        if (!it->published && InForce(*it, date)) {
          v = &*it;
        }
      }
    }
    if (v == nullptr) {
      return base::FailedPrecondition("policy.no_version",
                                      "no version of this policy applies on " + date.ToString(),
                                      "该政策在 " + date.ToString() + " 没有适用的版本", "as_of");
    }
    version = *v;
  }
  KECHAN_ASSIGN_OR_RETURN(Universe u, LoadUniverse());
  MatchReport r{.policy_id = policy,
                .version_id = version.id,
                .as_of = date,
                .tally = {},
                .items = {},
                .total = 0,
                .page = page.page,
                .page_size = page.page_size};
  // Verdicts for every firm (no reason texts: the tally and the order need none); the texts are
  // rendered for the page's firms only.
  struct Hit {
    size_t firm = 0;
    Tri result = Tri::kUnknown;
    std::vector<std::string> missing;
  };
  std::vector<Hit> all;
  for (size_t i = 0; i < u.firms.size(); ++i) {
    const EnterpriseFacts& firm = u.firms[i];
    Evaluation e = Evaluate(version.rule, firm, date, Detail::kVerdict);
    AddToTally(e, &r.tally);
    if (f.result && e.result != *f.result) {
      continue;
    }
    if (!f.district.empty() && firm.district != f.district) {
      continue;
    }
    if (!f.q.empty() && firm.name.find(f.q) == std::string::npos) {
      continue;
    }
    all.push_back(Hit{.firm = i, .result = e.result, .missing = std::move(e.missing)});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Hit& a, const Hit& b) { return Rank(a.result) < Rank(b.result); });
  r.total = static_cast<int64_t>(all.size());
  const int64_t first = (page.page - 1) * page.page_size;
  for (int64_t i = first; i < r.total && i < first + page.page_size; ++i) {
    Hit& hit = all[static_cast<size_t>(i)];
    const EnterpriseFacts& firm = u.firms[hit.firm];
    Evaluation e = Evaluate(version.rule, firm, date, Detail::kFull);
    r.items.push_back(EnterpriseFit{.enterprise_id = firm.enterprise_id,
                                    .name = firm.name,
                                    .district = firm.district,
                                    .result = hit.result,
                                    .missing = std::move(hit.missing),
                                    .reason_en = std::move(e.root.reason_en),
                                    .reason_zh = std::move(e.root.reason_zh)});
  }
  return r;
}

// ---- applications -------------------------------------------------------------------------------

Result<Application> PolicyService::Apply(const Caller& caller, PolicyId policy,
                                         chain::EnterpriseId enterprise, ApplicationKind kind,
                                         const flow::Fields& fields) {
  if (kind == ApplicationKind::kAuto) {
    return base::InvalidArgument("kind", "policy.kind",
                                 "kind must be one_click or full (auto benefits are created on "
                                 "publishing)",
                                 "申报方式须为 one_click 或 full（免申即享由系统生成）");
  }
  KECHAN_ASSIGN_OR_RETURN(EnterpriseFacts facts, FactsOf(caller, enterprise));
  if (!caller.system) {
    std::optional<base::OrgId> org;
    if (facts.org_id) {
      org = base::OrgId{*facts.org_id};
    }
    if (!caller.Owns(org)) {
      return base::PermissionDenied("policy.not_own_enterprise",
                                    "only the enterprise's own members may apply for it",
                                    "只有本企业用户可以为本企业申报");
    }
  }
  const Date today = Today();
  Policy p;
  PolicyVersion v;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto found, repo::FindPolicy(*tx, policy));
    if (!found) {
      return NotFoundField("policy_id", "policy", "政策", policy.value);
    }
    p = *found;
    if (p.status != PolicyStatus::kPublished) {
      return base::FailedPrecondition("policy.not_published",
                                      "policy " + p.code + " is not published",
                                      "政策 " + p.code + " 未发布，不能申报", "policy_id");
    }
    KECHAN_ASSIGN_OR_RETURN(auto versions, repo::ListVersions(*tx, policy));
    const PolicyVersion* in_force = VersionOn(versions, today);
    if (in_force == nullptr) {
      return base::FailedPrecondition("policy.not_in_force",
                                      "policy " + p.code + " is not in force today",
                                      "政策 " + p.code + " 当前不在有效期内", "policy_id");
    }
    v = *in_force;
  }
  if (p.mode == Mode::kNoApplication) {
    return base::FailedPrecondition("policy.mode",
                                    "this policy needs no application (免申即享): eligible "
                                    "enterprises receive it automatically",
                                    "本政策免申即享，无需申报，符合条件的企业自动享受",
                                    "policy_id");
  }
  const ApplicationKind wanted =
      p.mode == Mode::kOneClick ? ApplicationKind::kOneClick : ApplicationKind::kFull;
  if (kind != wanted) {
    return base::InvalidArgument(
        "kind", "policy.kind_mode",
        std::string("this policy takes ") + ApplicationKindName(wanted) + " applications",
        std::string("本政策的申报方式为 ") + ApplicationKindName(wanted));
  }
  Evaluation e = Evaluate(v.rule, facts, today);
  if (e.result == Tri::kNo) {
    return base::FailedPrecondition(
        "policy.not_eligible", "the enterprise does not meet the conditions: " + e.root.reason_en,
        "企业不符合申报条件：" + e.root.reason_zh, "policy_id");
  }
  Application a;
  a.policy_id = p.id;
  a.version_id = v.id;
  a.enterprise_id = enterprise.value;
  a.org_id = facts.org_id;
  a.enterprise_name = facts.name;
  a.kind = kind;
  a.state = application_machine_.initial_state();
  a.evaluation = e.result;
  a.missing = e.missing;
  if (kind == ApplicationKind::kOneClick) {
    if (!fields.empty()) {
      return base::InvalidArgument("fields", "policy.one_click_fields",
                                   "a one-click application takes no fields: they come from the "
                                   "enterprise's facts",
                                   "一键申报无需填写字段，信息取自企业档案");
    }
    a.fields = Prefill(facts, today);
  } else {
    KECHAN_RETURN_IF_ERROR(CheckApplicationFields(v.fields, fields));
    a.fields = fields;
  }
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto open, repo::FindOpenApplication(tx, p.id, enterprise.value));
    if (open) {
      return base::AlreadyExists("policy.already_applied",
                                 "the enterprise already has application " +
                                     std::to_string(open->id.value) + " for this policy (" +
                                     open->state + ")",
                                 "企业已有该政策的申报（编号 " + std::to_string(open->id.value) +
                                     "，状态 " + open->state + "）",
                                 "policy_id");
    }
    const int64_t now = Now();
    a.history_json = AppendHistory("[]", HistoryEntry(now, caller, "submit", "", a.state, {}));
    KECHAN_ASSIGN_OR_RETURN(a.id, repo::InsertApplication(tx, a, now));
    a.created_at = a.updated_at = now;
    return Ok(Append(tx, clock_, "policy.application.submitted", "policy_application", a.id.value,
                     caller,
                     {{"policy_id", p.id.value},
                      {"version_id", v.id.value},
                      {"enterprise_id", enterprise.value},
                      {"kind", ApplicationKindName(kind)},
                      {"evaluation", TriName(e.result)}}));
  }));
  return a;
}

Result<ApplicationPage> PolicyService::ListApplications(const Caller& caller, ApplicationFilter f,
                                                        PageRequest page) {
  KECHAN_RETURN_IF_ERROR(CheckPage(page));
  if (!IsStaff(caller)) {
    if (!caller.principal.signed_in()) {
      return Denied();
    }
    if (f.enterprise_id) {
      KECHAN_ASSIGN_OR_RETURN(chain::EnterpriseDetail d,
                              chain_.GetEnterprise(caller, chain::EnterpriseId{*f.enterprise_id}));
      if (!caller.Owns(d.enterprise.org_id)) {
        return Denied();
      }
    }
    std::vector<int64_t> orgs;
    for (const auto& m : caller.principal.memberships) {
      if (m.role == auth::Role::kEnterprise) {
        orgs.push_back(m.org.value);
      }
    }
    f.org_ids = orgs;
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  ApplicationPage out{.items = {}, .total = 0, .page = page.page, .page_size = page.page_size};
  KECHAN_ASSIGN_OR_RETURN(
      out.items,
      repo::ListApplications(*tx, f, (page.page - 1) * page.page_size, page.page_size, &out.total));
  return out;
}

Result<Application> PolicyService::GetApplication(const Caller& caller, ApplicationId id) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto a, repo::FindApplication(*tx, id));
  if (!a) {
    return NotFoundField("id", "application", "申报", id.value);
  }
  if (!IsStaff(caller)) {
    std::optional<base::OrgId> org;
    if (a->org_id) {
      org = base::OrgId{*a->org_id};
    }
    if (!caller.Owns(org)) {
      return base::PermissionDenied("policy.not_own_application",
                                    "this application belongs to another enterprise",
                                    "该申报属于其他企业，无权查看");
    }
  }
  return *a;
}

std::vector<flow::ActionInfo> PolicyService::ActionsFor(const Caller& caller,
                                                        const Application& a) const {
  return MachineFor(a.kind).AvailableActions(a.state, RolesOf(caller));
}

Result<Application> PolicyService::Act(const Caller& caller, ApplicationId id,
                                       const std::string& action, const flow::Fields& input) {
  KECHAN_ASSIGN_OR_RETURN(Application a, GetApplication(caller, id));
  std::vector<auth::Role> roles = RolesOf(caller);
  if (!caller.system && !IsStaff(caller)) {
    roles = {auth::Role::kEnterprise};  // acting on its own application, as the enterprise
  }
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto fresh, repo::FindApplication(tx, id));
    if (!fresh) return NotFoundField("id", "application", "申报", id.value);
    a = *fresh;
    KECHAN_ASSIGN_OR_RETURN(flow::Outcome o,
                            MachineFor(a.kind).Apply(a.state, action, roles, input));
    const int64_t now = Now();
    a.history_json = AppendHistory(
        a.history_json, HistoryEntry(now, caller, action, o.from_state, o.to_state, input));
    a.state = o.to_state;
    a.updated_at = now;
    KECHAN_RETURN_IF_ERROR(repo::UpdateApplication(tx, a, now));
    json::object in;
    for (const auto& [k, val] : input) {
      in[k] = val;
    }
    for (const auto& kind : o.events) {
      KECHAN_RETURN_IF_ERROR(Ok(
          Append(tx, clock_, kind, "policy_application", a.id.value, caller,
                 {{"action", action}, {"from", o.from_state}, {"to", o.to_state}, {"input", in}})));
    }
    return Status::Ok();
  }));
  return a;
}

}  // namespace kechan::policy
