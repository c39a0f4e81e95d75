#include "chain/service.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>

#include "auth/uscc.h"
#include "base/log.h"
#include "base/strcat.h"
#include "chain/import_fields.h"
#include "chain/import_jobs.h"
#include "store/event_log.h"
#include "table/table.h"

namespace kechan::chain {
namespace {

using base::Result;
using base::Status;
using namespace internal;  // NOLINT: the module's own helpers

Status Denied() {
  return base::PermissionDenied("chain.forbidden", "you are not allowed to do this",
                                "您无权执行此操作");
}

Status NeedDetails(const Caller& c) {
  if (!c.system && !c.principal.signed_in()) {
    return base::Unauthenticated("chain.sign_in", "sign in to see enterprise details",
                                 "请登录后查看企业详情");
  }
  return base::PermissionDenied("chain.details_forbidden",
                                "only officers, chain chiefs and operators see enterprise details",
                                "仅部门工作人员、产业链长和平台运营人员可查看企业详情");
}

Status NotFoundField(std::string_view field, std::string_view what_en, std::string_view what_zh,
                     int64_t id) {
  return base::NotFound(
      "chain.not_found", std::string(what_en) + " " + std::to_string(id) + " does not exist",
      std::string(what_zh) + " " + std::to_string(id) + " 不存在", std::string(field));
}

// Re-labels a unique violation from the store with the field it concerns.
Status OnDuplicate(Status s, std::string_view field, std::string_view en, std::string_view zh) {
  if (s.code() == base::Code::kAlreadyExists) {
    return base::AlreadyExists("chain.duplicate", std::string(en), std::string(zh),
                               std::string(field));
  }
  return s;
}

template <typename T>
Result<T> OrDuplicate(Result<T> r, std::string_view field, std::string_view en,
                      std::string_view zh) {
  if (!r.ok()) {
    return OnDuplicate(r.status(), field, en, zh);
  }
  return r;
}

Result<int64_t> Append(store::Tx& tx, const base::Clock& clock, std::string kind,
                       std::string entity, int64_t id, const Caller& caller, std::string payload) {
  return store::AppendEvent(tx,
                            store::EventDraft{.kind = std::move(kind),
                                              .entity = std::move(entity),
                                              .entity_id = std::to_string(id),
                                              .actor = caller.actor,
                                              .payload = std::move(payload)},
                            clock);
}

}  // namespace

// ---- Caller ---------------------------------------------------------------------------------
Caller Caller::System(std::string actor) {
  Caller c;
  c.system = true;
  c.actor = std::move(actor);
  return c;
}

Caller Caller::Of(const auth::Principal& p) {
  Caller c;
  c.principal = p;
  c.actor = p.signed_in() ? "user:" + p.user.ToString() : "anonymous";
  return c;
}

bool Caller::CanSeeDetails() const {
  if (system) {
    return true;
  }
  if (!principal.signed_in()) {
    return false;
  }
  return principal.Has(auth::Role::kOfficer) || principal.Has(auth::Role::kDutyDirector) ||
         principal.Has(auth::Role::kChainChief) || principal.Has(auth::Role::kOperator);
}

bool Caller::SeesAllChains() const {
  if (system) {
    return true;
  }
  if (!principal.signed_in()) {
    return false;
  }
  return principal.Has(auth::Role::kOfficer) || principal.Has(auth::Role::kDutyDirector) ||
         principal.Has(auth::Role::kOperator);
}

bool Caller::CanEditTaxonomy() const {
  return system || (principal.signed_in() && principal.Has(auth::Role::kOperator));
}

bool Caller::Owns(const std::optional<base::OrgId>& org) const {
  return org && principal.signed_in() && principal.HasIn(*org, auth::Role::kEnterprise);
}

ChainService::ChainService(store::Database& db, const base::Clock& clock)
    : db_(db), clock_(clock), jobs_(std::make_unique<ImportJobs>(*this)) {}

ChainService::~ChainService() = default;

int64_t ChainService::Now() const { return clock_.NowMicros(); }

// ---- taxonomy -------------------------------------------------------------------------------
Result<Cluster> ChainService::CreateCluster(const Caller& caller, Cluster c) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  c.id = ClusterId{};
  KECHAN_RETURN_IF_ERROR(ValidateCluster(c));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(c.id, OrDuplicate(repo::InsertCluster(tx, c, Now()), "code",
                                              "cluster code " + c.code + " is already used",
                                              "产业集群编码 " + c.code + " 已被使用"));
    auto seq = Append(tx, clock_, "chain.cluster.created", "cluster", c.id.value, caller,
                      Payload().Str("code", c.code).Str("name", c.name).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return c;
}

Result<Cluster> ChainService::UpdateCluster(const Caller& caller, Cluster c) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  KECHAN_RETURN_IF_ERROR(ValidateCluster(c));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto old, repo::FindCluster(tx, c.id));
    if (!old) {
      return NotFoundField("id", "cluster", "产业集群", c.id.value);
    }
    KECHAN_RETURN_IF_ERROR(OnDuplicate(repo::UpdateCluster(tx, c, Now()), "code",
                                       "cluster code " + c.code + " is already used",
                                       "产业集群编码 " + c.code + " 已被使用"));
    auto seq = Append(tx, clock_, "chain.cluster.updated", "cluster", c.id.value, caller,
                      Payload().Str("code", c.code).Str("name", c.name).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return c;
}

Result<std::vector<Cluster>> ChainService::ListClusters(const Caller&) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  return repo::ListClusters(*tx);
}

Result<Chain> ChainService::CreateChain(const Caller& caller, Chain c) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  c.id = ChainId{};
  KECHAN_RETURN_IF_ERROR(ValidateChain(c));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto cluster, repo::FindCluster(tx, c.cluster_id));
    if (!cluster) {
      return NotFoundField("cluster_id", "cluster", "产业集群", c.cluster_id.value);
    }
    KECHAN_ASSIGN_OR_RETURN(c.id, OrDuplicate(repo::InsertChain(tx, c, Now()), "code",
                                              "chain code " + c.code + " is already used",
                                              "产业链编码 " + c.code + " 已被使用"));
    auto seq = Append(tx, clock_, "chain.chain.created", "chain", c.id.value, caller,
                      Payload()
                          .Str("code", c.code)
                          .Str("name", c.name)
                          .Int("cluster_id", c.cluster_id.value)
                          .Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return c;
}

Result<Chain> ChainService::UpdateChain(const Caller& caller, Chain c) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  KECHAN_RETURN_IF_ERROR(ValidateChain(c));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto old, repo::FindChain(tx, c.id));
    if (!old) {
      return NotFoundField("id", "chain", "产业链", c.id.value);
    }
    KECHAN_ASSIGN_OR_RETURN(auto cluster, repo::FindCluster(tx, c.cluster_id));
    if (!cluster) {
      return NotFoundField("cluster_id", "cluster", "产业集群", c.cluster_id.value);
    }
    KECHAN_RETURN_IF_ERROR(OnDuplicate(repo::UpdateChain(tx, c, Now()), "code",
                                       "chain code " + c.code + " is already used",
                                       "产业链编码 " + c.code + " 已被使用"));
    auto seq = Append(tx, clock_, "chain.chain.updated", "chain", c.id.value, caller,
                      Payload().Str("code", c.code).Str("name", c.name).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return c;
}

Status ChainService::CheckNodeTree(store::Tx& tx, const Node& n, bool is_new) {
  KECHAN_ASSIGN_OR_RETURN(auto chain, repo::FindChain(tx, n.chain_id));
  if (!chain) {
    return NotFoundField("chain_id", "chain", "产业链", n.chain_id.value);
  }
  KECHAN_ASSIGN_OR_RETURN(std::vector<Node> nodes, repo::ListNodes(tx, n.chain_id));
  if (!is_new) {
    KECHAN_ASSIGN_OR_RETURN(auto old, repo::FindNode(tx, n.id));
    if (!old) {
      return NotFoundField("id", "node", "节点", n.id.value);
    }
    if (old->chain_id != n.chain_id) {
      return base::InvalidArgument("chain_id", "node.move_chain",
                                   "a node cannot move to another chain",
                                   "节点不能移动到其他产业链");
    }
  }
  if (n.parent_id) {
    KECHAN_ASSIGN_OR_RETURN(auto parent, repo::FindNode(tx, *n.parent_id));
    if (!parent) {
      return base::InvalidArgument(
          "parent_id", "node.orphan",
          "node " + n.code + ": parent node " + n.parent_id->ToString() + " does not exist",
          "节点 " + n.code + "：上级节点 " + n.parent_id->ToString() + " 不存在");
    }
    if (parent->chain_id != n.chain_id) {
      return base::InvalidArgument(
          "parent_id", "node.wrong_chain",
          "node " + n.code + ": parent node " + parent->code + " belongs to another chain",
          "节点 " + n.code + "：上级节点 " + parent->code + " 属于其他产业链");
    }
  }
  // The new node is checked first so the first error reported is about it.
  std::vector<Node> tree;
  tree.reserve(nodes.size() + 1);
  Node probe = n;
  if (is_new) {
    probe.id = NodeId{-1};  // not an existing id; ValidateNodeTree keys nodes by id
  }
  tree.push_back(probe);
  for (const Node& other : nodes) {
    if (other.id != n.id) {
      tree.push_back(other);
    }
  }
  return ValidateNodeTree(tree);
}

Result<Node> ChainService::CreateNode(const Caller& caller, Node n) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  n.id = NodeId{};
  KECHAN_RETURN_IF_ERROR(ValidateNode(n));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(CheckNodeTree(tx, n, /*is_new=*/true));
    KECHAN_ASSIGN_OR_RETURN(n.id, OrDuplicate(repo::InsertNode(tx, n, Now()), "code",
                                              "node code " + n.code + " is already used",
                                              "节点编码 " + n.code + " 已被使用"));
    KECHAN_RETURN_IF_ERROR(repo::SaveNodeAggregate(tx, n.id, NodeAggregate{}, Now()));
    auto seq = Append(
        tx, clock_, "chain.node.created", "node", n.id.value, caller,
        Payload().Int("chain_id", n.chain_id.value).Str("code", n.code).Str("name", n.name).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return n;
}

Result<Node> ChainService::UpdateNode(const Caller& caller, Node n) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  KECHAN_RETURN_IF_ERROR(ValidateNode(n));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(CheckNodeTree(tx, n, /*is_new=*/false));
    KECHAN_ASSIGN_OR_RETURN(auto old, repo::FindNode(tx, n.id));
    KECHAN_RETURN_IF_ERROR(OnDuplicate(repo::UpdateNode(tx, n, Now()), "code",
                                       "node code " + n.code + " is already used",
                                       "节点编码 " + n.code + " 已被使用"));
    if (old && old->chain_id != n.chain_id) {
      // The node's firms move with it: rebuild both chains' firm lists. (Defensive:
      // CheckNodeTree refuses moves between chains today.)
      KECHAN_RETURN_IF_ERROR(repo::RebuildChainFirms(tx, old->chain_id));
      KECHAN_RETURN_IF_ERROR(repo::RebuildChainFirms(tx, n.chain_id));
    }
    auto seq = Append(
        tx, clock_, "chain.node.updated", "node", n.id.value, caller,
        Payload().Int("chain_id", n.chain_id.value).Str("code", n.code).Str("name", n.name).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return n;
}

// ---- reading chains -------------------------------------------------------------------------
Result<std::vector<ChainSummary>> ChainService::ListChains(const Caller&) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(std::vector<Chain> chains, repo::ListChains(*tx));
  KECHAN_ASSIGN_OR_RETURN(std::vector<Cluster> clusters, repo::ListClusters(*tx));
  std::unordered_map<ClusterId, Cluster> by_id;
  for (auto& c : clusters) {
    by_id[c.id] = c;
  }
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows node_counts,
      tx->Query("SELECT chain_id, COUNT(*) FROM chain_nodes GROUP BY chain_id"));
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows firm_counts,
      tx->Query("SELECT chain_id, COUNT(*) FROM chain_chain_firms GROUP BY chain_id"));
  std::map<int64_t, int64_t> nodes;
  std::map<int64_t, int64_t> firms;
  for (const auto& r : node_counts.rows) {
    nodes[r.Int(0)] = r.Int(1);
  }
  for (const auto& r : firm_counts.rows) {
    firms[r.Int(0)] = r.Int(1);
  }
  std::vector<ChainSummary> out;
  out.reserve(chains.size());
  for (auto& c : chains) {
    ChainSummary s;
    s.cluster = by_id[c.cluster_id];
    s.nodes = nodes[c.id.value];
    s.firms = firms[c.id.value];
    s.chain = std::move(c);
    out.push_back(std::move(s));
  }
  return out;
}

Result<ChainDetail> ChainService::GetChain(const Caller&, ChainId id) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto chain, repo::FindChain(*tx, id));
  if (!chain) {
    return NotFoundField("id", "chain", "产业链", id.value);
  }
  ChainDetail d;
  KECHAN_ASSIGN_OR_RETURN(auto cluster, repo::FindCluster(*tx, chain->cluster_id));
  if (cluster) {
    d.cluster = *cluster;
  }
  KECHAN_ASSIGN_OR_RETURN(d.nodes, repo::ListNodes(*tx, id));
  d.chain = std::move(*chain);
  return d;
}

Result<std::optional<Chain>> ChainService::FindChainByCode(std::string_view code) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  return repo::FindChainByCode(*tx, std::string(code));
}

Result<ChainSnapshot> ChainService::LoadSnapshot(ChainId id) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto chain, repo::FindChain(*tx, id));
  if (!chain) {
    return NotFoundField("id", "chain", "产业链", id.value);
  }
  ChainSnapshot s;
  s.chain = std::move(*chain);
  KECHAN_ASSIGN_OR_RETURN(s.nodes, repo::ListNodes(*tx, id));
  KECHAN_ASSIGN_OR_RETURN(s.enterprises, repo::ListEnterprisesOfChain(*tx, id));
  KECHAN_ASSIGN_OR_RETURN(s.links, repo::ListLinksOfChain(*tx, id));
  KECHAN_ASSIGN_OR_RETURN(s.supply_links, repo::ListSupplyLinksOfChain(*tx, id));
  return s;
}

namespace {

// A node's links (any role, any date) and the validity of their firms, as repo::ListLinksOfNode
// reads them.
struct NodeLinks {
  std::vector<Link> links;
  std::map<EnterpriseId, Validity> firms;
};

// The stats of node `n` on `d` (valid on `d`) computed from its links: model.h ComputeNodeStats
// on a snapshot of just that node.
NodeStats StatsOfNodeLinks(const Node& n, const NodeLinks& read, base::Date d) {
  ChainSnapshot one;
  one.nodes = {n};
  one.links = read.links;
  one.enterprises.reserve(read.firms.size());
  for (const auto& [id, v] : read.firms) {
    Enterprise e;
    e.id = id;
    e.validity = v;
    one.enterprises.push_back(std::move(e));
  }
  std::vector<NodeStats> st = ComputeNodeStats(one, d);
  return std::move(st.at(0));
}

// Node stats in the order Analyze gives them: by code, then id.
void SortStats(std::vector<NodeStats>* stats) {
  std::sort(stats->begin(), stats->end(), [](const NodeStats& a, const NodeStats& b) {
    return a.code != b.code ? a.code < b.code : a.node_id < b.node_id;
  });
}

// The stats of the nodes valid on `d`, in code order: from a node's aggregate when it holds on
// `d`, else computed from the node's links.
Result<std::vector<NodeStats>> NodeStatsOn(store::Tx& tx, const std::vector<Node>& nodes,
                                           const std::map<NodeId, NodeAggregate>& aggs,
                                           base::Date d) {
  std::vector<NodeStats> out;
  out.reserve(nodes.size());
  for (const Node& n : nodes) {
    if (!IsValidOn(n.validity, d)) {
      continue;
    }
    if (auto it = aggs.find(n.id); it != aggs.end() && it->second.HoldsOn(d)) {
      out.push_back(StatsFromAggregate(n, it->second));
      continue;
    }
    NodeLinks read;
    KECHAN_RETURN_IF_ERROR(repo::ListLinksOfNode(tx, n.id, &read.links, &read.firms));
    out.push_back(StatsOfNodeLinks(n, read, d));
  }
  SortStats(&out);
  return out;
}

// model.h CandidatesForGap without the whole snapshot: walks the external producer links of the
// gap node, then of its segment's other nodes, best first, until `limit` eligible firms (valid,
// no valid local link in the chain) are found, and ranks those firms with all their links.
Result<std::vector<Candidate>> CandidatesOn(store::Tx& tx, const Chain& chain,
                                            const std::vector<Node>& nodes, base::Date d,
                                            NodeId gap, size_t limit) {
  const Node* gap_node = nullptr;
  std::set<NodeId> valid_nodes;
  for (const Node& n : nodes) {
    if (IsValidOn(n.validity, d)) {
      valid_nodes.insert(n.id);
      if (n.id == gap) {
        gap_node = &n;
      }
    }
  }
  if (gap_node == nullptr || limit == 0) {
    return std::vector<Candidate>();
  }
  std::vector<NodeId> siblings;
  for (const Node& n : nodes) {
    if (n.id != gap && valid_nodes.contains(n.id) && n.segment == gap_node->segment) {
      siblings.push_back(n.id);
    }
  }
  std::vector<EnterpriseId> found;
  std::set<EnterpriseId> seen;
  for (const std::vector<NodeId>& scope : {std::vector<NodeId>{gap}, siblings}) {
    if (found.size() >= limit) {
      break;
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Link> links,
                            repo::ListExternalProducerLinks(tx, scope, gap));
    for (const Link& l : links) {
      if (found.size() >= limit) {
        break;
      }
      if (!IsValidOn(l.validity, d) || !seen.insert(l.enterprise_id).second) {
        continue;
      }
      KECHAN_ASSIGN_OR_RETURN(std::vector<Enterprise> firm,
                              repo::ListEnterprisesByIds(tx, {l.enterprise_id}));
      if (firm.empty() || !IsValidOn(firm[0].validity, d)) {
        continue;  // stays in `seen`: none of its links can count
      }
      KECHAN_ASSIGN_OR_RETURN(std::vector<Link> own,
                              repo::ListLinksOfFirmsInChain(tx, chain.id, {l.enterprise_id}));
      const bool local = std::any_of(own.begin(), own.end(), [&](const Link& o) {
        return o.locality == Locality::kLocal && IsValidOn(o.validity, d) &&
               valid_nodes.contains(o.node_id);
      });
      if (!local) {
        found.push_back(l.enterprise_id);
      }
    }
  }
  if (found.empty()) {
    return std::vector<Candidate>();
  }
  ChainSnapshot part;
  part.chain = chain;
  part.nodes = nodes;
  KECHAN_ASSIGN_OR_RETURN(part.enterprises, repo::ListEnterprisesByIds(tx, found));
  KECHAN_ASSIGN_OR_RETURN(part.links, repo::ListLinksOfFirmsInChain(tx, chain.id, found));
  return CandidatesForGap(part, d, gap, limit);
}

// model.h AnalyzeChain read from the aggregates and a few index ranges instead of the chain's
// whole snapshot (equal results; see service_test.cc's randomized comparison).
Result<ChainAnalysis> AnalyzeFromModels(store::Tx& tx, const Chain& chain, base::Date as_of,
                                        const AnalyzeOptions& options) {
  KECHAN_ASSIGN_OR_RETURN(std::vector<Node> nodes, repo::ListNodes(tx, chain.id));
  KECHAN_ASSIGN_OR_RETURN(auto aggs, repo::LoadNodeAggregates(tx, chain.id));
  ChainAnalysis a;
  a.chain_id = chain.id;
  a.code = chain.code;
  a.name = chain.name;
  a.name_en = chain.name_en;
  a.as_of = as_of;
  KECHAN_ASSIGN_OR_RETURN(a.nodes, NodeStatsOn(tx, nodes, aggs, as_of));
  a.node_count = static_cast<int>(a.nodes.size());
  a.covered_nodes = static_cast<int>(std::count_if(
      a.nodes.begin(), a.nodes.end(), [](const NodeStats& st) { return st.local_firms > 0; }));
  a.coverage = CoverageOfStats(a.nodes);
  a.gaps = GapsOfStats(a.nodes);

  // The firms that can matter to sourcing and the key-firm ranking: chain masters, both ends of
  // supply links, firms with a tier, and the lowest ids (the ranking's ties at score 0).
  ChainSnapshot part;
  part.chain = chain;
  part.nodes = nodes;
  KECHAN_ASSIGN_OR_RETURN(part.links, repo::ListMasterLinksOfChain(tx, chain.id));
  KECHAN_ASSIGN_OR_RETURN(part.supply_links, repo::ListSupplyLinksOfChain(tx, chain.id));
  std::vector<EnterpriseId> ids;
  std::vector<EnterpriseId> ends;
  for (const Link& l : part.links) {
    ids.push_back(l.enterprise_id);
  }
  for (const SupplyLink& sl : part.supply_links) {
    ends.push_back(sl.buyer_id);
    ends.push_back(sl.supplier_id);
  }
  std::sort(ends.begin(), ends.end());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  ids.insert(ids.end(), ends.begin(), ends.end());
  KECHAN_ASSIGN_OR_RETURN(std::vector<EnterpriseId> tiered, repo::TieredFirmsOfChain(tx, chain.id));
  ids.insert(ids.end(), tiered.begin(), tiered.end());
  KECHAN_ASSIGN_OR_RETURN(
      std::vector<EnterpriseId> first,
      repo::FirstChainFirmsOn(tx, chain.id, as_of, static_cast<int64_t>(options.key_firms)));
  ids.insert(ids.end(), first.begin(), first.end());
  KECHAN_ASSIGN_OR_RETURN(part.enterprises, repo::ListFirmsForRanking(tx, ids));
  // The graph's vertices: the chain's firms valid on the day, plus supply-only firms.
  KECHAN_ASSIGN_OR_RETURN(int64_t vertices, repo::CountChainFirmsOn(tx, chain.id, as_of));
  KECHAN_ASSIGN_OR_RETURN(std::set<EnterpriseId> members,
                          repo::ChainFirmsAmong(tx, chain.id, ends));
  for (const Enterprise& e : part.enterprises) {
    if (!members.contains(e.id) && std::binary_search(ends.begin(), ends.end(), e.id) &&
        IsValidOn(e.validity, as_of)) {
      ++vertices;
    }
  }
  a.masters = ChainMasterSourcing(part, as_of);
  a.key_firms = RankKeyFirmsOfPart(part, as_of, options.key_firms, options.max_betweenness_vertices,
                                   static_cast<size_t>(vertices));
  if (options.candidates_per_gap > 0) {
    for (NodeId gap : a.gaps) {
      GapCandidates g;
      g.node_id = gap;
      KECHAN_ASSIGN_OR_RETURN(
          g.candidates, CandidatesOn(tx, chain, nodes, as_of, gap, options.candidates_per_gap));
      a.candidates.push_back(std::move(g));
    }
  }
  return a;
}

// The producer firms at `node` on `d` (model.h FirmsPerNode of SnapshotAsOf): a producer link and
// its firm both valid on `d`.
std::set<EnterpriseId> ProducerFirmsOn(const std::vector<Link>& links,
                                       const std::map<EnterpriseId, Validity>& firms,
                                       base::Date d) {
  std::set<EnterpriseId> out;
  for (const Link& l : links) {
    if (!IsProducer(l.role) || !IsValidOn(l.validity, d)) {
      continue;
    }
    if (auto f = firms.find(l.enterprise_id); f != firms.end() && IsValidOn(f->second, d)) {
      out.insert(l.enterprise_id);
    }
  }
  return out;
}

// From this many nodes on, DiffFromModels reads the links of the nodes it needs with
// repo::ListLinksOfNodes (on PostgreSQL one statement for a group of nodes) instead of node by
// node. The diff a year back reads none or a few nodes; the diff from before any record reads
// every node of the chain, where one statement per node on PostgreSQL meant a key lookup of the
// firm per link (≈ 10,000 links a node at 1M firms).
constexpr size_t kBulkLinkReadNodes = 8;
// The first group of nodes DiffFromModels reads together; the next groups are sized so that
// each holds about `links_per_read` links at the average links per node read so far. A group's
// links are consumed into the diff and dropped before the next group is read, so the diff's
// memory grows with `links_per_read`, not with the chain (the worst-case diff at 1M firms held
// every node's ≈ 625,000 links and the statement's rows for them at once: 478 MiB peak against
// 92). Fewer, larger groups are faster on PostgreSQL: a node's links lie on as many heap pages
// as it has links, and a page holding links of several groups is read once per group.
constexpr size_t kDiffFirstGroupNodes = 2;

// model.h DiffChain read from the aggregates instead of the chain's whole snapshot (equal results;
// see read_model_test.cc's randomized comparison). Coverage and gaps come from the node stats on
// both days, as Analyze reads them. A node valid on both days whose aggregate holds on both has
// the same producer firms on both (the aggregate's open firms), so it has no firm changes. The
// other nodes valid on either day are read (only those whose aggregate does not hold on a day
// they are valid, without `firm_changes`), in id order, a group at a time (kDiffFirstGroupNodes);
// each is read once for both days and its stats and firm changes are taken before the next group
// is read.
Result<ChainDiff> DiffFromModels(store::Tx& tx, ChainId chain, const std::vector<Node>& nodes,
                                 base::Date from, base::Date to, bool firm_changes,
                                 size_t links_per_read) {
  KECHAN_ASSIGN_OR_RETURN(auto aggs, repo::LoadNodeAggregates(tx, chain));
  ChainDiff d;
  d.from = from;
  d.to = to;
  std::vector<NodeStats> stats_from;
  std::vector<NodeStats> stats_to;
  std::vector<const Node*> wanted;  // the nodes whose links are read
  for (const Node& n : nodes) {
    const bool on_from = IsValidOn(n.validity, from);
    const bool on_to = IsValidOn(n.validity, to);
    if (on_to && !on_from) {
      d.nodes_added.push_back(n.id);
    } else if (on_from && !on_to) {
      d.nodes_removed.push_back(n.id);
    }
    const auto it = aggs.find(n.id);
    const bool holds_from = it != aggs.end() && it->second.HoldsOn(from);
    const bool holds_to = it != aggs.end() && it->second.HoldsOn(to);
    if (on_from && holds_from) {
      stats_from.push_back(StatsFromAggregate(n, it->second));
    }
    if (on_to && holds_to) {
      stats_to.push_back(StatsFromAggregate(n, it->second));
    }
    const bool for_stats = (on_from && !holds_from) || (on_to && !holds_to);
    const bool for_changes =
        firm_changes && (on_from || on_to) && !(on_from && on_to && holds_from && holds_to);
    if (for_stats || for_changes) {
      wanted.push_back(&n);
    }
  }
  std::sort(d.nodes_added.begin(), d.nodes_added.end());
  std::sort(d.nodes_removed.begin(), d.nodes_removed.end());
  std::sort(wanted.begin(), wanted.end(),
            [](const Node* a, const Node* b) { return a->id < b->id; });
  const bool bulk = wanted.size() >= kBulkLinkReadNodes;
  // The validity of the firms read so far, kept across the groups (a firm has links at several
  // nodes): one entry per firm of the chain at most, far smaller than the links.
  std::map<EnterpriseId, Validity> firms;
  size_t group = bulk ? kDiffFirstGroupNodes : 1;
  size_t links_read = 0;
  for (size_t first = 0; first < wanted.size();) {
    const size_t end = std::min(wanted.size(), first + group);
    std::map<NodeId, std::vector<Link>> links;
    if (bulk) {
      std::vector<NodeId> ids;
      for (size_t i = first; i < end; ++i) {
        ids.push_back(wanted[i]->id);
      }
      KECHAN_RETURN_IF_ERROR(repo::ListLinksOfNodes(tx, ids, &links, &firms));
    } else {
      firms.clear();
      KECHAN_RETURN_IF_ERROR(
          repo::ListLinksOfNode(tx, wanted[first]->id, &links[wanted[first]->id], &firms));
    }
    for (size_t i = first; i < end; ++i) {
      const Node& n = *wanted[i];
      NodeLinks read;
      read.links = std::move(links[n.id]);
      links_read += read.links.size();
      for (const Link& l : read.links) {
        if (auto f = firms.find(l.enterprise_id); f != firms.end()) {
          read.firms.emplace(l.enterprise_id, f->second);
        }
      }
      const bool on_from = IsValidOn(n.validity, from);
      const bool on_to = IsValidOn(n.validity, to);
      const auto it = aggs.find(n.id);
      const bool holds_from = it != aggs.end() && it->second.HoldsOn(from);
      const bool holds_to = it != aggs.end() && it->second.HoldsOn(to);
      if (on_from && !holds_from) {
        stats_from.push_back(StatsOfNodeLinks(n, read, from));
      }
      if (on_to && !holds_to) {
        stats_to.push_back(StatsOfNodeLinks(n, read, to));
      }
      if (!firm_changes || (on_from && on_to && holds_from && holds_to)) {
        continue;  // read for its stats only
      }
      const std::set<EnterpriseId> fa =
          on_from ? ProducerFirmsOn(read.links, read.firms, from) : std::set<EnterpriseId>();
      const std::set<EnterpriseId> fb =
          on_to ? ProducerFirmsOn(read.links, read.firms, to) : std::set<EnterpriseId>();
      NodeFirmChange c;
      c.node_id = n.id;
      c.code = n.code;
      std::set_difference(fb.begin(), fb.end(), fa.begin(), fa.end(), std::back_inserter(c.added));
      std::set_difference(fa.begin(), fa.end(), fb.begin(), fb.end(),
                          std::back_inserter(c.removed));
      if (!c.added.empty() || !c.removed.empty()) {
        d.firm_changes.push_back(std::move(c));
      }
    }
    first = end;
    if (bulk) {
      const size_t per_node = std::max<size_t>(1, links_read / first);
      group = std::max<size_t>(1, links_per_read / per_node);
    }
  }
  SortStats(&stats_from);
  SortStats(&stats_to);
  d.coverage_from = CoverageOfStats(stats_from);
  d.coverage_to = CoverageOfStats(stats_to);
  d.coverage_change = d.coverage_to - d.coverage_from;
  const std::vector<NodeId> gaps_from = GapsOfStats(stats_from);
  const std::vector<NodeId> gaps_to = GapsOfStats(stats_to);
  const std::set<NodeId> ga(gaps_from.begin(), gaps_from.end());
  const std::set<NodeId> gb(gaps_to.begin(), gaps_to.end());
  std::set_difference(gb.begin(), gb.end(), ga.begin(), ga.end(),
                      std::back_inserter(d.gaps_opened));
  std::set_difference(ga.begin(), ga.end(), gb.begin(), gb.end(),
                      std::back_inserter(d.gaps_closed));
  return d;
}

}  // namespace

Result<std::vector<ChainCoverage>> ChainService::CoverageByChain(base::Date as_of) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(std::vector<Chain> chains, repo::ListChains(*tx));
  KECHAN_ASSIGN_OR_RETURN(std::vector<Node> all_nodes, repo::ListAllNodes(*tx));
  KECHAN_ASSIGN_OR_RETURN(auto aggs, repo::LoadAllNodeAggregates(*tx));
  std::map<ChainId, std::vector<Node>> by_chain;
  for (Node& n : all_nodes) {
    by_chain[n.chain_id].push_back(std::move(n));
  }
  std::vector<ChainCoverage> out;
  for (const Chain& c : chains) {
    KECHAN_ASSIGN_OR_RETURN(std::vector<NodeStats> stats,
                            NodeStatsOn(*tx, by_chain[c.id], aggs, as_of));
    ChainCoverage row;
    row.chain_id = c.id;
    row.code = c.code;
    row.nodes = static_cast<int>(stats.size());
    row.covered_nodes = static_cast<int>(std::count_if(
        stats.begin(), stats.end(), [](const NodeStats& st) { return st.local_firms > 0; }));
    row.coverage = CoverageOfStats(stats);
    out.push_back(std::move(row));
  }
  return out;
}

Result<ChainAnalysis> ChainService::Analyze(const Caller& caller, ChainId id, base::Date as_of,
                                            const AnalyzeOptions& options) {
  ChainAnalysis a;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto chain, repo::FindChain(*tx, id));
    if (!chain) {
      return NotFoundField("id", "chain", "产业链", id.value);
    }
    KECHAN_ASSIGN_OR_RETURN(a, AnalyzeFromModels(*tx, *chain, as_of, options));
  }
  bool details = caller.CanSeeDetails();
  if (details && !caller.SeesAllChains()) {
    KECHAN_ASSIGN_OR_RETURN(auto scope, DetailScope(caller));
    details = !scope || std::find(scope->begin(), scope->end(), id) != scope->end();
  }
  if (!details) {
    a.masters.clear();
    a.key_firms.clear();
    a.candidates.clear();
    for (auto& n : a.nodes) {
      n.top_supplier.reset();
    }
  }
  return a;
}

Result<ChainService::DiffResult> ChainService::Diff(const Caller& caller, ChainId id,
                                                    base::Date from, base::Date to) {
  if (to < from) {
    return base::InvalidArgument(
        "to", "chain.range_order",
        "\"to\" (" + to.ToString() + ") is before \"from\" (" + from.ToString() + ")",
        "“to”（" + to.ToString() + "）早于“from”（" + from.ToString() + "）");
  }
  bool details = caller.CanSeeDetails();
  if (details && !caller.SeesAllChains()) {
    KECHAN_ASSIGN_OR_RETURN(auto scope, DetailScope(caller));
    details = !scope || std::find(scope->begin(), scope->end(), id) != scope->end();
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto chain, repo::FindChain(*tx, id));
  if (!chain) {
    return NotFoundField("id", "chain", "产业链", id.value);
  }
  DiffResult out;
  KECHAN_ASSIGN_OR_RETURN(std::vector<Node> nodes, repo::ListNodes(*tx, id));
  KECHAN_ASSIGN_OR_RETURN(out.diff,
                          DiffFromModels(*tx, id, nodes, from, to, details, diff_links_per_read_));
  out.code = chain->code;
  for (const auto& n : nodes) {
    out.node_codes[n.id] = n.code;
  }
  if (!details) {
    return out;
  }
  std::vector<EnterpriseId> named;
  for (const auto& c : out.diff.firm_changes) {
    named.insert(named.end(), c.added.begin(), c.added.end());
    named.insert(named.end(), c.removed.begin(), c.removed.end());
  }
  KECHAN_ASSIGN_OR_RETURN(std::vector<Enterprise> firms,
                          repo::ListFirmsForRanking(*tx, std::move(named)));
  for (const auto& e : firms) {
    out.firm_names[e.id] = e.name;
  }
  return out;
}

// ---- parks ----------------------------------------------------------------------------------
Status ChainService::CheckPark(store::Tx& tx, const std::optional<ParkId>& park) {
  if (!park) {
    return Status::Ok();
  }
  KECHAN_ASSIGN_OR_RETURN(auto p, repo::FindPark(tx, *park));
  if (!p) {
    return NotFoundField("park_id", "park", "园区", park->value);
  }
  return Status::Ok();
}

Result<Park> ChainService::CreatePark(const Caller& caller, Park p) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  p.id = ParkId{};
  KECHAN_RETURN_IF_ERROR(ValidatePark(p));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    if (p.parent_id) {
      KECHAN_ASSIGN_OR_RETURN(auto parent, repo::FindPark(tx, *p.parent_id));
      if (!parent) {
        return NotFoundField("parent_id", "park", "园区", p.parent_id->value);
      }
      if (parent->level >= p.level) {
        return base::InvalidArgument("level", "park.level_order",
                                     "a park's level must be below its parent's",
                                     "园中园的层级须低于所属园区");
      }
    }
    KECHAN_ASSIGN_OR_RETURN(
        p.id, OrDuplicate(repo::InsertPark(tx, p, Now()), "name",
                          "park " + p.name + " already exists", "园区 " + p.name + " 已存在"));
    auto seq = Append(tx, clock_, "chain.park.created", "park", p.id.value, caller,
                      Payload().Str("name", p.name).Int("level", p.level).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return p;
}

Result<std::vector<Park>> ChainService::ListParks(const Caller&) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  return repo::ListParks(*tx);
}

Result<OccupancyObservation> ChainService::AddObservation(const Caller& caller,
                                                          OccupancyObservation o) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  o.id = ObservationId{};
  KECHAN_RETURN_IF_ERROR(ValidateOccupancy(o));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(CheckPark(tx, o.park_id));
    KECHAN_ASSIGN_OR_RETURN(
        o.id, OrDuplicate(repo::InsertObservation(tx, o, Now()), "date",
                          "the park already has an observation on " + o.date.ToString(),
                          "该园区 " + o.date.ToString() + " 已有一条观测记录"));
    auto seq =
        Append(tx, clock_, "chain.occupancy.observed", "park", o.park_id.value, caller,
               Payload().Int("observation_id", o.id.value).Str("date", o.date.ToString()).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return o;
}

Result<std::vector<OccupancyRates>> ChainService::Occupancy(const Caller&, ParkId park,
                                                            base::Date from, base::Date to) {
  if (to < from) {
    return base::InvalidArgument(
        "to", "chain.range_order",
        "\"to\" (" + to.ToString() + ") is before \"from\" (" + from.ToString() + ")",
        "“to”（" + to.ToString() + "）早于“from”（" + from.ToString() + "）");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_RETURN_IF_ERROR(CheckPark(*tx, park).WithField("id"));
  KECHAN_ASSIGN_OR_RETURN(auto obs, repo::ListObservations(*tx, park));
  return OccupancySeries(obs, park, from, to);
}

// ---- buildings and units ---------------------------------------------------------------------
Result<Building> ChainService::CreateBuilding(const Caller& caller, Building b) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  b.id = BuildingId{};
  KECHAN_RETURN_IF_ERROR(ValidateBuilding(b));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(CheckPark(tx, b.park_id));
    KECHAN_ASSIGN_OR_RETURN(b.id, OrDuplicate(repo::InsertBuilding(tx, b, Now()), "name",
                                              "the park already has a building named " + b.name,
                                              "该园区已有名为 " + b.name + " 的楼栋"));
    auto seq = Append(tx, clock_, "chain.building.created", "building", b.id.value, caller,
                      Payload()
                          .Int("park_id", b.park_id.value)
                          .Str("name", b.name)
                          .Int("floors", b.floors)
                          .Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return b;
}

Result<Unit> ChainService::CreateUnit(const Caller& caller, Unit u) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  u.id = UnitId{};
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto building, repo::FindBuilding(tx, u.building_id));
    if (!building) {
      return NotFoundField("building_id", "building", "楼栋", u.building_id.value);
    }
    KECHAN_RETURN_IF_ERROR(ValidateUnit(u, *building));
    KECHAN_ASSIGN_OR_RETURN(u.id, OrDuplicate(repo::InsertUnit(tx, u, Now()), "code",
                                              "the building already has a unit " + u.code,
                                              "该楼栋已有编号为 " + u.code + " 的单元"));
    auto seq = Append(tx, clock_, "chain.unit.created", "unit", u.id.value, caller,
                      Payload()
                          .Int("building_id", u.building_id.value)
                          .Str("code", u.code)
                          .Int("floor", u.floor)
                          .Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return u;
}

Result<UnitObservation> ChainService::ObserveUnit(const Caller& caller, UnitObservation o) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  o.id = UnitObservationId{};
  KECHAN_RETURN_IF_ERROR(ValidateUnitObservation(o));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto unit, repo::FindUnit(tx, o.unit_id));
    if (!unit) {
      return NotFoundField("unit_id", "unit", "单元", o.unit_id.value);
    }
    if (o.enterprise_id) {
      KECHAN_ASSIGN_OR_RETURN(auto e, repo::FindEnterprise(tx, *o.enterprise_id));
      if (!e) {
        return NotFoundField("enterprise_id", "enterprise", "企业", o.enterprise_id->value);
      }
    }
    KECHAN_ASSIGN_OR_RETURN(
        o.id, OrDuplicate(repo::InsertUnitObservation(tx, o, Now()), "date",
                          "the unit already has an observation on " + o.date.ToString(),
                          "该单元 " + o.date.ToString() + " 已有一条观测记录"));
    auto seq = Append(tx, clock_, "chain.unit.observed", "unit", o.unit_id.value, caller,
                      Payload()
                          .Int("observation_id", o.id.value)
                          .Str("date", o.date.ToString())
                          .Int("occupied", o.occupied ? 1 : 0)
                          .Int("producing", o.producing ? 1 : 0)
                          .Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return o;
}

Result<ParkBuildings> ChainService::ListBuildings(const Caller& caller, ParkId park,
                                                  base::Date as_of) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_RETURN_IF_ERROR(CheckPark(*tx, park).WithField("id"));
  KECHAN_ASSIGN_OR_RETURN(auto buildings, repo::ListBuildings(*tx, park));
  KECHAN_ASSIGN_OR_RETURN(auto units, repo::ListUnitsOfPark(*tx, park));
  KECHAN_ASSIGN_OR_RETURN(auto obs, repo::ListUnitObservationsOfPark(*tx, park));
  ParkBuildings out;
  out.park_id = park;
  out.as_of = as_of;
  out.rates = UnitRatesOf(buildings, units, obs, as_of);
  const bool details = caller.CanSeeDetails();
  const auto latest = LatestUnitObservations(obs, as_of);
  std::map<BuildingId, size_t> index;
  for (Building& b : buildings) {
    if (!IsValidOn(b.validity, as_of)) {
      continue;
    }
    index[b.id] = out.buildings.size();
    out.buildings.push_back(BuildingView{.building = std::move(b), .units = {}});
  }
  for (Unit& u : units) {
    auto it = index.find(u.building_id);
    if (it == index.end()) {
      continue;
    }
    UnitView v{.unit = std::move(u), .latest = std::nullopt};
    if (auto o = latest.find(v.unit.id); o != latest.end()) {
      v.latest = *o->second;
      if (!details) {
        v.latest->enterprise_id.reset();
      }
    }
    out.buildings[it->second].units.push_back(std::move(v));
  }
  return out;
}

Result<UnitRates> ChainService::UnitRatesOfPark(const Caller& caller, ParkId park,
                                                base::Date as_of) {
  KECHAN_ASSIGN_OR_RETURN(ParkBuildings pb, ListBuildings(caller, park, as_of));
  return pb.rates;
}

// ---- enterprises ----------------------------------------------------------------------------
Result<Enterprise> ChainService::CreateEnterprise(const Caller& caller, Enterprise e) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  e.id = EnterpriseId{};
  KECHAN_RETURN_IF_ERROR(NormalizeEnterprise(&e));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto existing, repo::FindEnterpriseIdByUscc(tx, e.uscc));
    if (existing) {
      return base::AlreadyExists("enterprise.duplicate_uscc",
                                 "an enterprise with USCC " + e.uscc + " already exists",
                                 "统一社会信用代码 " + e.uscc + " 的企业已存在", "uscc");
    }
    KECHAN_RETURN_IF_ERROR(CheckPark(tx, e.park_id));
    if (e.org_id) {
      KECHAN_ASSIGN_OR_RETURN(store::Rows org,
                              tx.Query("SELECT id FROM orgs WHERE id = ?", {e.org_id->value}));
      if (org.empty()) {
        return NotFoundField("org_id", "organisation", "机构", e.org_id->value);
      }
    }
    KECHAN_ASSIGN_OR_RETURN(e.id, repo::InsertEnterprise(tx, e, Now()));
    auto seq = Append(tx, clock_, "chain.enterprise.created", "enterprise", e.id.value, caller,
                      Payload().Str("uscc", e.uscc).Str("name", e.name).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return e;
}

Result<Enterprise> ChainService::UpdateEnterprise(const Caller& caller, Enterprise e) {
  KECHAN_RETURN_IF_ERROR(NormalizeEnterprise(&e));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto old, repo::FindEnterprise(tx, e.id));
    if (!old) {
      return NotFoundField("id", "enterprise", "企业", e.id.value);
    }
    if (!caller.CanEditTaxonomy()) {
      if (!caller.Owns(old->org_id)) {
        return base::PermissionDenied("chain.not_own_enterprise",
                                      "you may edit only your own enterprise's record",
                                      "您只能修改本企业的信息");
      }
      if (e.org_id != old->org_id) {
        return base::PermissionDenied("chain.org_change", "only operators change org_id",
                                      "仅平台运营人员可更改所属机构");
      }
    }
    if (e.uscc != old->uscc) {
      KECHAN_ASSIGN_OR_RETURN(auto existing, repo::FindEnterpriseIdByUscc(tx, e.uscc));
      if (existing) {
        return base::AlreadyExists("enterprise.duplicate_uscc",
                                   "an enterprise with USCC " + e.uscc + " already exists",
                                   "统一社会信用代码 " + e.uscc + " 的企业已存在", "uscc");
      }
    }
    KECHAN_RETURN_IF_ERROR(CheckPark(tx, e.park_id));
    KECHAN_RETURN_IF_ERROR(repo::UpdateEnterprise(tx, e, Now()));
    KECHAN_RETURN_IF_ERROR(repo::RefreshChainFirms(tx, e));
    if (e.validity.valid_from != old->validity.valid_from ||
        e.validity.valid_to != old->validity.valid_to) {
      // The firm's links count (or stop counting) at its nodes: recompute those aggregates.
      KECHAN_ASSIGN_OR_RETURN(std::vector<NodeId> nodes, repo::ProducerNodesOfEnterprise(tx, e.id));
      for (NodeId node : nodes) {
        KECHAN_RETURN_IF_ERROR(repo::RecomputeNodeAggregate(tx, node, Now()).status());
      }
    }
    auto seq = Append(tx, clock_, "chain.enterprise.updated", "enterprise", e.id.value, caller,
                      Payload().Str("uscc", e.uscc).Str("name", e.name).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return e;
}

Result<EnterpriseDetail> ChainService::GetEnterprise(const Caller& caller, EnterpriseId id) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto e, repo::FindEnterprise(*tx, id));
  if (!e) {
    return NotFoundField("id", "enterprise", "企业", id.value);
  }
  if (!caller.CanSeeDetails() && !caller.Owns(e->org_id)) {
    return NeedDetails(caller);
  }
  if (!caller.SeesAllChains() && !caller.Owns(e->org_id)) {
    // A chain chief: only firms linked to its own chains.
    KECHAN_ASSIGN_OR_RETURN(auto mine, repo::ChainsOfChief(*tx, caller.principal.user));
    KECHAN_ASSIGN_OR_RETURN(auto theirs, repo::ChainsOfEnterprise(*tx, id));
    const bool shared = std::any_of(theirs.begin(), theirs.end(), [&](ChainId c) {
      return std::find(mine.begin(), mine.end(), c) != mine.end();
    });
    if (!shared) {
      return base::PermissionDenied("chain.not_your_chain",
                                    "this enterprise is not in a chain you are chief of",
                                    "该企业不在您担任链长的产业链中");
    }
  }
  EnterpriseDetail d;
  KECHAN_ASSIGN_OR_RETURN(d.links, repo::ListLinksOfEnterprise(*tx, id));
  d.enterprise = std::move(*e);
  return d;
}

Result<std::vector<EnterpriseDetail>> ChainService::EnterpriseDetailsAfter(const Caller& caller,
                                                                           EnterpriseId after,
                                                                           int64_t limit) {
  if (!caller.CanSeeDetails() || !caller.SeesAllChains()) {
    return NeedDetails(caller);
  }
  if (limit < 1 || limit > 10000) {
    return base::InvalidArgument("limit", "page.range", "limit must be 1-10000",
                                 "limit 须为 1-10000");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto firms, repo::ListEnterprisesWithFacts(*tx, after.value, limit));
  std::vector<EnterpriseDetail> out;
  if (firms.empty()) {
    return out;
  }
  KECHAN_ASSIGN_OR_RETURN(auto links, repo::ListLinksOfEnterpriseRange(*tx, firms.front().id.value,
                                                                       firms.back().id.value));
  out.reserve(firms.size());
  size_t li = 0;
  for (auto& e : firms) {
    EnterpriseDetail d;
    while (li < links.size() && links[li].enterprise_id.value < e.id.value) {
      ++li;
    }
    while (li < links.size() && links[li].enterprise_id.value == e.id.value) {
      d.links.push_back(std::move(links[li++]));
    }
    d.enterprise = std::move(e);
    out.push_back(std::move(d));
  }
  return out;
}

Result<EnterprisePage> ChainService::ListEnterprises(const Caller& caller,
                                                     const EnterpriseFilter& f, PageRequest page) {
  if (!caller.CanSeeDetails()) {
    return NeedDetails(caller);
  }
  if (page.page < 1 || page.page > 1000000) {
    return base::InvalidArgument("page", "chain.page", "page must be 1 or more",
                                 "页码须大于等于 1");
  }
  if (page.page_size < 1 || page.page_size > 200) {
    return base::InvalidArgument("page_size", "chain.page_size", "page_size must be 1-200",
                                 "每页条数须为 1-200");
  }
  EnterpriseFilter scoped = f;
  KECHAN_RETURN_IF_ERROR(ScopeFilter(caller, &scoped));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  EnterprisePage out;
  out.page = page.page;
  out.page_size = page.page_size;
  KECHAN_ASSIGN_OR_RETURN(out.items,
                          repo::ListEnterprises(*tx, scoped, (page.page - 1) * page.page_size,
                                                page.page_size, &out.total));
  return out;
}

Result<std::optional<std::vector<ChainId>>> ChainService::DetailScope(const Caller& caller) {
  using Scope = std::optional<std::vector<ChainId>>;
  if (caller.SeesAllChains()) {
    return Scope();
  }
  if (!caller.CanSeeDetails()) {
    return Scope(std::vector<ChainId>{});
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto mine, repo::ChainsOfChief(*tx, caller.principal.user));
  return Scope(std::move(mine));
}

Status ChainService::ScopeFilter(const Caller& caller, EnterpriseFilter* f) {
  KECHAN_ASSIGN_OR_RETURN(auto scope, DetailScope(caller));
  if (!scope) {
    return Status::Ok();
  }
  auto mine = [&](ChainId c) { return std::find(scope->begin(), scope->end(), c) != scope->end(); };
  if (f->chain_id && !mine(*f->chain_id)) {
    return base::PermissionDenied("chain.not_your_chain",
                                  "you are not the chief of chain " + f->chain_id->ToString(),
                                  "您不是产业链 " + f->chain_id->ToString() + " 的链长")
        .WithField("chain");
  }
  if (f->node_id) {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto node, repo::FindNode(*tx, *f->node_id));
    if (node && !mine(node->chain_id)) {
      return base::PermissionDenied(
                 "chain.not_your_chain",
                 "node " + f->node_id->ToString() + " belongs to a chain you are not the chief of",
                 "节点 " + f->node_id->ToString() + " 不在您担任链长的产业链中")
          .WithField("node");
    }
  }
  f->any_of_chains = std::move(*scope);
  return Status::Ok();
}

Result<std::vector<ChainChief>> ChainService::ListChainChiefs(const Caller& caller, ChainId chain) {
  if (!caller.CanSeeDetails()) {
    return NeedDetails(caller);
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto found, repo::FindChain(*tx, chain));
  if (!found) {
    return NotFoundField("id", "chain", "产业链", chain.value);
  }
  KECHAN_ASSIGN_OR_RETURN(auto rows, repo::ListChiefs(*tx, chain));
  std::vector<ChainChief> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    out.push_back(ChainChief{r.user_id, std::move(r.username), std::move(r.display_name)});
  }
  return out;
}

Result<std::vector<ChainChief>> ChainService::ListChiefCandidates(const Caller& caller) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx->Query(
          "SELECT DISTINCT u.id, u.username, u.display_name FROM users u JOIN memberships m "
          "ON m.user_id = u.id WHERE m.role = 'chain_chief' AND u.disabled = 0 ORDER BY u.id"));
  std::vector<ChainChief> out;
  for (const auto& r : rows.rows) {
    out.push_back(ChainChief{base::UserId{r.Int(0)}, r.Text(1), r.Text(2)});
  }
  return out;
}

Result<std::vector<ChainChief>> ChainService::SetChainChiefs(const Caller& caller, ChainId chain,
                                                             std::vector<base::UserId> users) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  std::sort(users.begin(), users.end(),
            [](base::UserId a, base::UserId b) { return a.value < b.value; });
  users.erase(std::unique(users.begin(), users.end()), users.end());
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto found, repo::FindChain(tx, chain));
    if (!found) {
      return NotFoundField("id", "chain", "产业链", chain.value);
    }
    std::string ids = "[";
    for (base::UserId u : users) {
      KECHAN_ASSIGN_OR_RETURN(store::Rows user,
                              tx.Query("SELECT id FROM users WHERE id = ?", {u.value}));
      if (user.empty()) {
        return base::InvalidArgument("user_ids", "chain.chief_unknown",
                                     "user " + u.ToString() + " does not exist",
                                     "用户 " + u.ToString() + " 不存在");
      }
      KECHAN_ASSIGN_OR_RETURN(
          store::Rows role,
          tx.Query("SELECT 1 FROM memberships WHERE user_id = ? AND role = 'chain_chief'",
                   {u.value}));
      if (role.empty()) {
        return base::InvalidArgument("user_ids", "chain.chief_role",
                                     "user " + u.ToString() + " does not hold the chain_chief role",
                                     "用户 " + u.ToString() + " 不具有产业链长角色");
      }
      ids += (ids.size() > 1 ? "," : "") + u.ToString();
    }
    ids += "]";
    KECHAN_RETURN_IF_ERROR(repo::ReplaceChiefs(tx, chain, users, Now()));
    auto seq = Append(tx, clock_, "chain.chiefs.assigned", "chain", chain.value, caller,
                      Payload().Raw("user_ids", ids).Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return ListChainChiefs(Caller::System(), chain);
}

Result<std::vector<Enterprise>> ChainService::MyEnterprises(const Caller& caller) {
  std::vector<Enterprise> out;
  if (caller.system || !caller.principal.signed_in()) {
    return out;
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  for (const auto& m : caller.principal.memberships) {
    if (m.role != auth::Role::kEnterprise) {
      continue;
    }
    KECHAN_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx->Query("SELECT id FROM chain_enterprises WHERE org_id = ? ORDER BY id", {m.org.value}));
    for (const auto& r : rows.rows) {
      KECHAN_ASSIGN_OR_RETURN(auto e, repo::FindEnterprise(*tx, EnterpriseId{r.Int(0)}));
      if (e) {
        out.push_back(std::move(*e));
      }
    }
  }
  return out;
}

Result<std::vector<Enterprise>> ChainService::ExportEnterprises(const Caller& caller,
                                                                const EnterpriseFilter& f) {
  if (!caller.CanSeeDetails()) {
    return NeedDetails(caller);
  }
  EnterpriseFilter scoped = f;
  KECHAN_RETURN_IF_ERROR(ScopeFilter(caller, &scoped));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  int64_t total = 0;
  KECHAN_ASSIGN_OR_RETURN(auto items,
                          repo::ListEnterprises(*tx, scoped, 0, kMaxExportRows, &total));
  if (total > kMaxExportRows) {
    return base::InvalidArgument(
        "filters", "export.too_many",
        std::to_string(total) + " enterprises match; narrow the filters to at most " +
            std::to_string(kMaxExportRows) + " to export",
        "符合条件的企业有 " + std::to_string(total) + " 家，请缩小筛选范围（最多导出 " +
            std::to_string(kMaxExportRows) + " 家）");
  }
  return items;
}

Result<Link> ChainService::LinkEnterprise(const Caller& caller, Link l) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  l.id = LinkId{};
  KECHAN_RETURN_IF_ERROR(ValidateLink(l));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto e, repo::FindEnterprise(tx, l.enterprise_id));
    if (!e) {
      return NotFoundField("enterprise_id", "enterprise", "企业", l.enterprise_id.value);
    }
    KECHAN_ASSIGN_OR_RETURN(auto n, repo::FindNode(tx, l.node_id));
    if (!n) {
      return NotFoundField("node_id", "node", "节点", l.node_id.value);
    }
    repo::ReadModelWriter models(tx, Now());
    KECHAN_RETURN_IF_ERROR(models.Added(l, n->chain_id, *e, /*new_firm=*/false));
    KECHAN_ASSIGN_OR_RETURN(l.id, OrDuplicate(repo::InsertLink(tx, l, Now()), "role",
                                              "the enterprise already has this role at this node",
                                              "该企业在此节点已有相同角色"));
    KECHAN_RETURN_IF_ERROR(models.Flush());
    auto seq = Append(tx, clock_, "chain.link.created", "link", l.id.value, caller,
                      Payload()
                          .Int("enterprise_id", l.enterprise_id.value)
                          .Int("node_id", l.node_id.value)
                          .Str("role", LinkRoleName(l.role))
                          .Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return l;
}

Result<SupplyLink> ChainService::AddSupplyLink(const Caller& caller, SupplyLink s) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  s.id = SupplyLinkId{};
  KECHAN_RETURN_IF_ERROR(ValidateSupplyLink(s));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    for (auto [field, id] : {std::pair{"buyer_id", s.buyer_id}, {"supplier_id", s.supplier_id}}) {
      KECHAN_ASSIGN_OR_RETURN(
          store::Rows rows, tx.Query("SELECT id FROM chain_enterprises WHERE id = ?", {id.value}));
      if (rows.empty()) {
        return NotFoundField(field, "enterprise", "企业", id.value);
      }
    }
    KECHAN_ASSIGN_OR_RETURN(auto n, repo::FindNode(tx, s.node_id));
    if (!n) {
      return NotFoundField("node_id", "node", "节点", s.node_id.value);
    }
    KECHAN_ASSIGN_OR_RETURN(s.id, repo::InsertSupplyLink(tx, s, Now()));
    auto seq = Append(tx, clock_, "chain.supply_link.created", "supply_link", s.id.value, caller,
                      Payload()
                          .Int("buyer_id", s.buyer_id.value)
                          .Int("supplier_id", s.supplier_id.value)
                          .Int("node_id", s.node_id.value)
                          .Done());
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return s;
}

// ---- CSV import -----------------------------------------------------------------------------
namespace {

using namespace internal;  // NOLINT

// The lookups an import resolves names against, read once in the import's transaction.
struct Lookups {
  std::unordered_map<std::string, ChainId> chains;          // code -> id
  std::map<std::pair<int64_t, std::string>, NodeId> nodes;  // (chain, node code) -> id
  std::unordered_map<std::string, ParkId> parks;            // name -> id
  std::unordered_map<int64_t, ChainId> node_chain;          // node id -> its chain
  bool operator==(const Lookups&) const = default;
};

// What one good row becomes.
struct Pending {
  int64_t row = 0;
  Enterprise enterprise;
  std::vector<Link> links;  // enterprise_id filled at insert
};

}  // namespace

std::string RowError::ToJson() const {
  return Payload()
      .Int("row", row)
      .Str("column", column)
      .Str("reason", reason)
      .Str("message", message_en)
      .Str("message_zh", message_zh)
      .Done();
}

const std::vector<std::string>& ImportColumns() {
  static const std::vector<std::string> kColumns = {
      "uscc",     "name",     "name_en",  "district",      "park",    "above_size", "green_factory",
      "year",     "revenue",  "rd_spend", "digital_level", "chain",   "nodes",      "role",
      "locality", "capacity", "products", "valid_from",    "valid_to"};
  return kColumns;
}

std::string ImportTemplate() {
  std::string header;
  for (const auto& c : ImportColumns()) {
    header += (header.empty() ? "" : ",") + c;
  }
  auto uscc = auth::MakeUscc('9', '1', "510100", "MA6CX001");
  const std::string example_uscc = uscc.ok() ? *uscc : "";
  return header + "\n" + example_uscc +
         ",示例智能芯片有限公司（示例）,Example AI Chips Co. (example),高新区,"
         "未来翼谷,1,0,2025,123456789.00,9876543.21,3,CD-AI,AI-CHIP;AI-EDGE,supplier,local,1200,"
         "\"NPU;边缘推理模组\",2020-01-01,\n";
}

Result<ImportReport> ChainService::ImportEnterprisesCsv(const Caller& caller, std::string_view csv,
                                                        const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  KECHAN_ASSIGN_OR_RETURN(table::Table t, table::ReadCsv(csv));
  return ImportEnterprisesTable(caller, t, options);
}

Result<ImportReport> ChainService::ImportEnterprisesXlsx(const Caller& caller,
                                                         std::string_view xlsx,
                                                         const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  KECHAN_ASSIGN_OR_RETURN(table::Table t, table::ReadXlsx(xlsx));
  return ImportEnterprisesTable(caller, t, options);
}

Result<ImportReport> ChainService::ImportEnterprisesTable(const Caller& caller,
                                                          const table::Table& t,
                                                          const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Denied();
  }
  if (t.header.empty()) {
    return base::InvalidArgument("header", "csv.no_header",
                                 "the file is empty: expected a header row",
                                 "文件为空：缺少表头行");
  }
  // Header: known columns only, uscc and name required, each column once.
  std::unordered_map<std::string, size_t> col;
  const auto& known = ImportColumns();
  for (size_t i = 0; i < t.header.size(); ++i) {
    std::string name = Trim(t.header[i]);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return base::InvalidArgument(
          name.empty() ? "header" : name, "csv.unknown_column",
          "unknown column \"" + name +
              "\" in the header (see "
              "kechan import enterprises --template)",
          "表头中有未知列“" + name + "”（参见 kechan import enterprises --template）");
    }
    if (!col.emplace(name, i).second) {
      return base::InvalidArgument(name, "csv.duplicate_column",
                                   "column \"" + name + "\" appears twice in the header",
                                   "表头中“" + name + "”列重复");
    }
  }
  for (const char* required : {"uscc", "name"}) {
    if (!col.count(required)) {
      return base::InvalidArgument(required, "csv.missing_column",
                                   std::string("the header has no \"") + required + "\" column",
                                   std::string("表头缺少“") + required + "”列");
    }
  }

  ImportReport report;
  report.rows = static_cast<int64_t>(t.rows.size());
  // The rows are checked against a read snapshot, so the writer stays free meanwhile (an import
  // job stores its progress); the write transaction below checks again what they refer to.
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));

  auto load_lookups = [](store::Tx& tx) -> Result<Lookups> {
    Lookups lk;
    KECHAN_ASSIGN_OR_RETURN(std::vector<Chain> chains, repo::ListChains(tx));
    for (const auto& c : chains) {
      lk.chains[c.code] = c.id;
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Node> nodes, repo::ListAllNodes(tx));
    for (const auto& n : nodes) {
      lk.nodes[{n.chain_id.value, n.code}] = n.id;
      lk.node_chain[n.id.value] = n.chain_id;
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Park> parks, repo::ListParks(tx));
    for (const auto& p : parks) {
      lk.parks[p.name] = p.id;
    }
    return lk;
  };
  KECHAN_ASSIGN_OR_RETURN(Lookups lk, load_lookups(*tx));

  std::unordered_map<std::string, int64_t> seen_uscc;  // normalised USCC -> row
  // Each row's normalised USCC (empty when invalid: the row check below says why), and those
  // already stored, looked up 500 at a time.
  std::vector<std::string> row_usccs(t.rows.size());
  std::set<std::string> existing_usccs;
  {
    std::vector<std::string> usccs;
    usccs.reserve(t.rows.size());
    const size_t c = col.at("uscc");
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (c < t.rows[r].size()) {
        if (auto u = auth::NormalizeUscc(Trim(t.rows[r][c]), "uscc"); u.ok()) {
          row_usccs[r] = *u;
          usccs.push_back(*u);
        }
      }
    }
    KECHAN_ASSIGN_OR_RETURN(existing_usccs, repo::ExistingUsccs(*tx, usccs));
  }
  std::vector<Pending> pending;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    struct {
      int64_t row;
      const std::vector<std::string>& fields;
    } rec{t.row_numbers[r], t.rows[r]};
    if (options.progress && ((r + 1) % 1000 == 0 || r + 1 == t.rows.size())) {
      options.progress("reading", static_cast<int64_t>(r) + 1, report.rows);
    }
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      if (it == col.end() || it->second >= rec.fields.size()) {
        return {};
      }
      return Trim(rec.fields[it->second]);
    };
    auto bad = [&](Bad b) {
      report.errors.push_back(
          RowError{.row = rec.row,
                   .column = std::move(b.column),
                   .reason = std::move(b.reason),
                   .message_en = "row " + std::to_string(rec.row) + ": " + b.en,
                   .message_zh = "第 " + std::to_string(rec.row) + " 行：" + b.zh});
    };
    if (rec.fields.size() != t.header.size()) {
      bad(Bad{"", "column_count",
              "has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                  std::to_string(t.header.size()),
              "有 " + std::to_string(rec.fields.size()) + " 列，表头有 " +
                  std::to_string(t.header.size()) + " 列"});
      continue;
    }
    auto row_result = [&]() -> std::optional<Bad> {
      Pending p;
      p.row = rec.row;
      Enterprise& e = p.enterprise;
      if (row_usccs[r].empty()) {
        auto uscc = auth::NormalizeUscc(get("uscc"), "uscc");
        if (!uscc.ok()) {
          return Bad{"uscc", "invalid_uscc", uscc.status().message_en(),
                     uscc.status().message_zh()};
        }
        row_usccs[r] = *uscc;
      }
      e.uscc = row_usccs[r];
      e.name = get("name");
      if (e.name.empty()) {
        return Bad{"name", "required", "name is required", "企业名称不能为空"};
      }
      e.name_en = get("name_en");
      e.district = get("district");
      if (std::string park = get("park"); !park.empty()) {
        auto it = lk.parks.find(park);
        if (it == lk.parks.end()) {
          return Bad{"park", "unknown_park", "unknown park \"" + park + "\"",
                     "园区“" + park + "”不存在"};
        }
        e.park_id = it->second;
      }
      for (auto [column, target] :
           {std::pair{"above_size", &e.above_size}, {"green_factory", &e.green_factory}}) {
        std::string v = get(column);
        auto b = ParseBool(v);
        if (!b) {
          return Bad{column, "bad_value",
                     std::string(column) + ": \"" + v + "\" is not one of 1/0/true/false/是/否",
                     std::string(column) + "：“" + v + "”应为 1/0/true/false/是/否"};
        }
        *target = *b;
      }
      // One year, or several as a ';'-list ("2023;2024;2025") with the facts as lists of the same
      // length (an empty item: not known for that year).
      const std::string year_text = get("year");
      const std::string revenue = get("revenue");
      const std::string rd = get("rd_spend");
      const std::string digital = get("digital_level");
      const std::vector<std::string> year_items = SplitKeepingEmpty(year_text);
      if (!revenue.empty() || !rd.empty() || !digital.empty()) {
        if (year_text.empty()) {
          return Bad{"year", "required",
                     "year is required when revenue, rd_spend or "
                     "digital_level is given",
                     "填写营业收入、研发投入或数字化等级时须填写年份"};
        }
        std::vector<int> years;
        for (const std::string& item : year_items) {
          auto year = ParseInt(item);
          if (!year || *year < 1900 || *year > 9999) {
            return BadNumber("year", year_text);
          }
          if (std::find(years.begin(), years.end(), static_cast<int>(*year)) != years.end()) {
            return Bad{"year", "duplicate", "year " + item + " is listed twice",
                       "年份 " + item + " 重复"};
          }
          years.push_back(static_cast<int>(*year));
        }
        // The items of a fact column, one per year (a single empty cell: none known).
        auto items_of =
            [&](const char* column,
                const std::string& text) -> std::variant<std::vector<std::string>, Bad> {
          std::vector<std::string> items = SplitKeepingEmpty(text);
          if (text.empty()) {
            items.assign(years.size(), "");
          }
          if (items.size() != years.size()) {
            return Bad{column, "bad_value",
                       std::string(column) + " has " + std::to_string(items.size()) +
                           " value(s) for " + std::to_string(years.size()) + " year(s)",
                       std::string(column) + " 有 " + std::to_string(items.size()) +
                           " 个值，年份有 " + std::to_string(years.size()) + " 个"};
          }
          return items;
        };
        for (auto [column, text, map] : {std::tuple{"revenue", &revenue, &e.revenue},
                                         std::tuple{"rd_spend", &rd, &e.rd_spend}}) {
          auto items = items_of(column, *text);
          if (Bad* b = std::get_if<Bad>(&items)) {
            return *b;
          }
          const auto& list = std::get<std::vector<std::string>>(items);
          for (size_t i = 0; i < years.size(); ++i) {
            if (list[i].empty()) {
              continue;
            }
            auto m = base::Money::ParseYuan(list[i], column);
            if (!m.ok()) {
              return BadNumber(column, list[i]);
            }
            if (m->fen() < 0) {
              return Negative(column);
            }
            (*map)[years[i]] = *m;
          }
        }
        auto levels = items_of("digital_level", digital);
        if (Bad* b = std::get_if<Bad>(&levels)) {
          return *b;
        }
        const auto& level_list = std::get<std::vector<std::string>>(levels);
        for (size_t i = 0; i < years.size(); ++i) {
          if (level_list[i].empty()) {
            continue;
          }
          auto lvl = ParseInt(level_list[i]);
          if (!lvl) {
            return BadNumber("digital_level", level_list[i]);
          }
          if (*lvl < 1 || *lvl > 4) {
            return Bad{"digital_level", "out_of_range", "digital_level must be 1-4",
                       "数字化转型等级须为 1-4"};
          }
          e.digital_level[years[i]] = static_cast<int>(*lvl);
        }
      } else if (!year_text.empty()) {
        for (const std::string& item : year_items) {
          if (!ParseInt(item)) {
            return BadNumber("year", year_text);
          }
        }
      }
      for (auto [column, target] : {std::pair{"valid_from", &e.validity.valid_from}}) {
        if (std::string v = get(column); !v.empty()) {
          auto d = base::Date::Parse(v, column);
          if (!d.ok()) {
            return Bad{column, "bad_date", d.status().message_en(), d.status().message_zh()};
          }
          *target = *d;
        }
      }
      if (std::string v = get("valid_to"); !v.empty()) {
        auto d = base::Date::Parse(v, "valid_to");
        if (!d.ok()) {
          return Bad{"valid_to", "bad_date", d.status().message_en(), d.status().message_zh()};
        }
        e.validity.valid_to = *d;
      }
      if (auto s = ValidateValidity(e.validity); !s.ok()) {
        return Bad{"valid_to", "dates_out_of_order", s.message_en(), s.message_zh()};
      }
      e.provenance.source = options.source;
      e.provenance.source_date = options.source_date;
      if (auto s = NormalizeEnterprise(&e); !s.ok()) {
        return Bad{s.field(), s.reason(), s.message_en(), s.message_zh()};
      }
      // Links.
      const std::string chain_code = get("chain");
      const std::string nodes_text = get("nodes");
      if (!nodes_text.empty()) {
        if (chain_code.empty()) {
          return Bad{"chain", "required", "chain is required when nodes are given",
                     "填写节点时须填写产业链编码"};
        }
        auto chain = lk.chains.find(chain_code);
        if (chain == lk.chains.end()) {
          return Bad{"chain", "unknown_chain", "unknown chain \"" + chain_code + "\"",
                     "产业链“" + chain_code + "”不存在"};
        }
        LinkRole role = LinkRole::kSupplier;
        if (std::string v = get("role"); !v.empty()) {
          auto parsed = ParseLinkRole(v, "role");
          if (!parsed.ok()) {
            return BadValue("role", parsed.status());
          }
          role = *parsed;
        }
        Locality locality = Locality::kLocal;
        if (std::string v = get("locality"); !v.empty()) {
          auto parsed = ParseLocality(v, "locality");
          if (!parsed.ok()) {
            return BadValue("locality", parsed.status());
          }
          locality = *parsed;
        }
        double capacity = 0;
        if (std::string v = get("capacity"); !v.empty()) {
          auto c = ParseReal(v);
          if (!c) {
            return BadNumber("capacity", v);
          }
          if (*c < 0) {
            return Negative("capacity");
          }
          capacity = *c;
        }
        std::vector<std::string> products;
        {
          std::string item;
          for (char ch : get("products") + ";") {
            if (ch == ';') {
              if (std::string t = Trim(item); !t.empty()) {
                products.push_back(t);
              }
              item.clear();
            } else {
              item += ch;
            }
          }
        }
        std::set<int64_t> seen_nodes;
        std::string item;
        for (char ch : nodes_text + ";") {
          if (ch != ';') {
            item += ch;
            continue;
          }
          std::string code = Trim(item);
          item.clear();
          if (code.empty()) {
            continue;
          }
          auto node = lk.nodes.find({chain->second.value, code});
          if (node == lk.nodes.end()) {
            return Bad{"nodes", "unknown_node",
                       base::StrCat("unknown node \"", code, "\" in chain ", chain_code),
                       base::StrCat("产业链 ", chain_code, " 中不存在节点“", code, "”")};
          }
          if (!seen_nodes.insert(node->second.value).second) {
            continue;
          }
          Link l;
          l.node_id = node->second;
          l.role = role;
          l.locality = locality;
          l.capacity = capacity;
          l.products = products;
          l.provenance = e.provenance;
          l.validity = e.validity;
          p.links.push_back(std::move(l));
        }
      } else if (!chain_code.empty() && !lk.chains.count(chain_code)) {
        return Bad{"chain", "unknown_chain", "unknown chain \"" + chain_code + "\"",
                   "产业链“" + chain_code + "”不存在"};
      }
      // Duplicates: earlier in this file, or already stored.
      if (auto it = seen_uscc.find(e.uscc); it != seen_uscc.end()) {
        return Bad{
            "uscc", "duplicate", "USCC " + e.uscc + " repeats row " + std::to_string(it->second),
            "统一社会信用代码 " + e.uscc + " 与第 " + std::to_string(it->second) + " 行重复"};
      }
      if (existing_usccs.contains(e.uscc)) {
        return Bad{"uscc", "duplicate", "an enterprise with USCC " + e.uscc + " already exists",
                   "统一社会信用代码 " + e.uscc + " 的企业已存在"};
      }
      seen_uscc.emplace(e.uscc, rec.row);
      pending.push_back(std::move(p));
      return std::nullopt;
    }();
    if (row_result) {
      bad(std::move(*row_result));
    }
  }
  for (const auto& err : report.errors) {
    if (err.reason == "internal") {
      return base::Internal("chain.import_lookup", err.message_en);
    }
  }
  if ((!report.errors.empty() && !options.skip_bad) || pending.empty()) {
    return report;  // the transaction rolls back: nothing written
  }
  tx.reset();
  KECHAN_ASSIGN_OR_RETURN(tx, db_.Begin(store::TxKind::kWrite));
  {
    KECHAN_ASSIGN_OR_RETURN(Lookups now_lk, load_lookups(*tx));
    std::vector<std::string> usccs;
    usccs.reserve(pending.size());
    for (const auto& p : pending) {
      usccs.push_back(p.enterprise.uscc);
    }
    KECHAN_ASSIGN_OR_RETURN(std::set<std::string> taken, repo::ExistingUsccs(*tx, usccs));
    if (!(now_lk == lk) || !taken.empty()) {
      return ImportChanged();
    }
  }
  KECHAN_ASSIGN_OR_RETURN(repo::ImportCache cache, repo::ImportCache::Raise(*tx));
  const int64_t now = Now();
  std::vector<int64_t> ids;
  ids.reserve(pending.size());
  repo::ReadModelWriter models(*tx, now);
  // The enterprises in bulk, 1,000 at a time (half the progress), then all their links (the
  // other half); see repo.cc "bulk inserts".
  const int64_t total = static_cast<int64_t>(pending.size());
  std::vector<const Link*> links;
  constexpr size_t kChunk = 1000;
  for (size_t first = 0; first < pending.size(); first += kChunk) {
    const size_t last = std::min(pending.size(), first + kChunk);
    std::vector<Enterprise*> firms;
    firms.reserve(last - first);
    for (size_t i = first; i < last; ++i) {
      firms.push_back(&pending[i].enterprise);
    }
    KECHAN_RETURN_IF_ERROR(repo::InsertEnterprises(*tx, firms, now));
    for (size_t i = first; i < last; ++i) {
      Pending& p = pending[i];
      ids.push_back(p.enterprise.id.value);
      for (auto& l : p.links) {
        l.enterprise_id = p.enterprise.id;
        KECHAN_RETURN_IF_ERROR(
            models.Added(l, lk.node_chain.at(l.node_id.value), p.enterprise, /*new_firm=*/true));
        links.push_back(&l);
      }
    }
    if (options.progress) {
      options.progress("writing", static_cast<int64_t>(ids.size()) / 2, total);
    }
  }
  KECHAN_RETURN_IF_ERROR(repo::InsertLinks(*tx, links, now, nullptr, [&](size_t done) {
    if (options.progress) {
      options.progress("writing",
                       total / 2 + static_cast<int64_t>(done) * (total - total / 2) /
                                       std::max<int64_t>(1, static_cast<int64_t>(links.size())),
                       total);
    }
  }));
  report.links = static_cast<int64_t>(links.size());
  KECHAN_RETURN_IF_ERROR(models.Flush());
  report.imported = static_cast<int64_t>(ids.size());
  KECHAN_ASSIGN_OR_RETURN(
      report.event_seq,
      Append(*tx, clock_, "chain.enterprises.imported", "enterprise", ids.front(), caller,
             Payload()
                 .Int("count", report.imported)
                 .Int("links", report.links)
                 .Int("skipped", static_cast<int64_t>(report.errors.size()))
                 .Str("source", options.source)
                 .Raw("ids", IdRuns(ids))
                 .Done()));
  KECHAN_RETURN_IF_ERROR(cache.Restore(*tx));
  KECHAN_RETURN_IF_ERROR(tx->Commit());
  report.committed = true;
  return report;
}

}  // namespace kechan::chain
