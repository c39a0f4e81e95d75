// SQL for the chain module's tables (chain_clusters, chain_chains, chain_nodes, chain_parks,
// chain_enterprises + chain_enterprise_years + chain_enterprise_tiers, chain_links,
// chain_supply_links, chain_occupancy, chain_buildings + chain_units + chain_unit_observations),
// mapping rows to the model.h values. Internal to chain/; callers use ChainService.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/model.h"
#include "store/database.h"

namespace kechan::chain {

// The enterprise list's filters; empty / nullopt means "any". Thread-compatible value type.
struct EnterpriseFilter {
  std::string district;
  std::optional<ParkId> park_id;
  std::optional<ChainId> chain_id;  // linked (any role) to a node of this chain
  // When set: linked (any role) to a node of one of these chains (a chain chief's scope); an
  // empty list matches nothing.
  std::optional<std::vector<ChainId>> any_of_chains;
  std::optional<NodeId> node_id;  // linked (any role) to this node
  std::optional<bool> above_size;
  std::string name_contains;  // substring of name or name_en
};

// Stateless functions over a transaction; thread-safety is the transaction's. Errors are the
// transaction's (kAlreadyExists on a unique violation, kInvalidArgument on a check violation).
namespace repo {

base::Result<ClusterId> InsertCluster(store::Tx& tx, const Cluster& c, int64_t now);
base::Status UpdateCluster(store::Tx& tx, const Cluster& c, int64_t now);
base::Result<std::optional<Cluster>> FindCluster(store::Tx& tx, ClusterId id);
base::Result<std::vector<Cluster>> ListClusters(store::Tx& tx);

base::Result<ChainId> InsertChain(store::Tx& tx, const Chain& c, int64_t now);
base::Status UpdateChain(store::Tx& tx, const Chain& c, int64_t now);
base::Result<std::optional<Chain>> FindChain(store::Tx& tx, ChainId id);
base::Result<std::optional<Chain>> FindChainByCode(store::Tx& tx, const std::string& code);
base::Result<std::vector<Chain>> ListChains(store::Tx& tx);

base::Result<NodeId> InsertNode(store::Tx& tx, const Node& n, int64_t now);
base::Status UpdateNode(store::Tx& tx, const Node& n, int64_t now);
base::Result<std::optional<Node>> FindNode(store::Tx& tx, NodeId id);
base::Result<std::vector<Node>> ListNodes(store::Tx& tx, ChainId chain);
base::Result<std::vector<Node>> ListAllNodes(store::Tx& tx);

base::Result<ParkId> InsertPark(store::Tx& tx, const Park& p, int64_t now);
base::Result<std::optional<Park>> FindPark(store::Tx& tx, ParkId id);
base::Result<std::vector<Park>> ListParks(store::Tx& tx);

// Inserts the enterprise with its yearly facts and gradient tiers.
base::Result<EnterpriseId> InsertEnterprise(store::Tx& tx, const Enterprise& e, int64_t now);
// Replaces the enterprise row, its yearly facts and its gradient tiers.
base::Status UpdateEnterprise(store::Tx& tx, const Enterprise& e, int64_t now);
// Finds one enterprise with its yearly facts and tiers.
base::Result<std::optional<Enterprise>> FindEnterprise(store::Tx& tx, EnterpriseId id);
base::Result<std::optional<EnterpriseId>> FindEnterpriseIdByUscc(store::Tx& tx,
                                                                 const std::string& uscc);
// One page (ordered by id) without yearly facts or tiers; `total` receives the match count.
base::Result<std::vector<Enterprise>> ListEnterprises(store::Tx& tx, const EnterpriseFilter& f,
                                                      int64_t offset, int64_t limit,
                                                      int64_t* total);
// The enterprises linked (links or supply links) to nodes of `chain`, with their tiers.
base::Result<std::vector<Enterprise>> ListEnterprisesOfChain(store::Tx& tx, ChainId chain);

base::Result<LinkId> InsertLink(store::Tx& tx, const Link& l, int64_t now);
base::Result<std::vector<Link>> ListLinksOfChain(store::Tx& tx, ChainId chain);
base::Result<std::vector<Link>> ListLinksOfEnterprise(store::Tx& tx, EnterpriseId id);
// Bulk reads for rule engines (policy matching): up to `limit` enterprises with id > `after_id`,
// by id, each with its yearly facts and tiers (three queries in all, whatever the count).
base::Result<std::vector<Enterprise>> ListEnterprisesWithFacts(store::Tx& tx, int64_t after_id,
                                                               int64_t limit);
// The links of the enterprises with first_id <= id <= last_id, by enterprise id then link id.
base::Result<std::vector<Link>> ListLinksOfEnterpriseRange(store::Tx& tx, int64_t first_id,
                                                           int64_t last_id);

base::Result<SupplyLinkId> InsertSupplyLink(store::Tx& tx, const SupplyLink& s, int64_t now);
// Supply links whose node is in `chain`.
base::Result<std::vector<SupplyLink>> ListSupplyLinksOfChain(store::Tx& tx, ChainId chain);

base::Result<ObservationId> InsertObservation(store::Tx& tx, const OccupancyObservation& o,
                                              int64_t now);
base::Result<std::vector<OccupancyObservation>> ListObservations(store::Tx& tx, ParkId park);

base::Result<BuildingId> InsertBuilding(store::Tx& tx, const Building& b, int64_t now);
base::Result<std::optional<Building>> FindBuilding(store::Tx& tx, BuildingId id);
base::Result<std::vector<Building>> ListBuildings(store::Tx& tx, ParkId park);
base::Result<UnitId> InsertUnit(store::Tx& tx, const Unit& u, int64_t now);
base::Result<std::optional<Unit>> FindUnit(store::Tx& tx, UnitId id);
// The units of the park's buildings, by building then id.
base::Result<std::vector<Unit>> ListUnitsOfPark(store::Tx& tx, ParkId park);
base::Result<UnitObservationId> InsertUnitObservation(store::Tx& tx, const UnitObservation& o,
                                                      int64_t now);
// The observations of the units of the park's buildings.
base::Result<std::vector<UnitObservation>> ListUnitObservationsOfPark(store::Tx& tx, ParkId park);

// Chain chiefs: the users assigned to a chain, and the chains of a user.
struct ChiefRow {
  base::UserId user_id;
  std::string username;
  std::string display_name;
};
base::Result<std::vector<ChiefRow>> ListChiefs(store::Tx& tx, ChainId chain);
base::Status ReplaceChiefs(store::Tx& tx, ChainId chain, const std::vector<base::UserId>& users,
                           int64_t now);
base::Result<std::vector<ChainId>> ChainsOfChief(store::Tx& tx, base::UserId user);
// The chains whose nodes the enterprise is linked to.
base::Result<std::vector<ChainId>> ChainsOfEnterprise(store::Tx& tx, EnterpriseId id);

// ---- read models for the analyses (migration 5) ---------------------------------------------
// chain_node_agg holds a model.h NodeAggregate per node; chain_chain_firms the enterprises linked
// to each chain with copies of their list filters and validity. Both are written only in the
// transactions that write links or enterprises (ReadModelWriter, RecomputeNodeAggregate,
// RefreshChainFirms).

// The aggregates of the chain's nodes that have one.
base::Result<std::map<NodeId, NodeAggregate>> LoadNodeAggregates(store::Tx& tx, ChainId chain);
// Same for every chain's nodes.
base::Result<std::map<NodeId, NodeAggregate>> LoadAllNodeAggregates(store::Tx& tx);
base::Result<std::optional<NodeAggregate>> FindNodeAggregate(store::Tx& tx, NodeId node);
base::Status SaveNodeAggregate(store::Tx& tx, NodeId node, const NodeAggregate& agg, int64_t now);
// Every link of the node (any role, any date) and the validity of their enterprises.
base::Status ListLinksOfNode(store::Tx& tx, NodeId node, std::vector<Link>* links,
                             std::map<EnterpriseId, Validity>* firms);
// The same for several nodes at once, each node's links in id order in (*links)[node] (an empty
// vector for a node without links). For a caller reading many nodes a group at a time that keeps
// *firms between the calls, the validity of a firm already in *firms is not read again on
// PostgreSQL (one statement on the links per 500 nodes, then the new firms by key, 500 a
// statement); on SQLite one statement per node. A link whose enterprise is missing has no entry
// in *firms (chain_links' foreign key rules that out).
base::Status ListLinksOfNodes(store::Tx& tx, const std::vector<NodeId>& nodes,
                              std::map<NodeId, std::vector<Link>>* links,
                              std::map<EnterpriseId, Validity>* firms);
// Recomputes the node's aggregate from its links and stores it.
base::Result<NodeAggregate> RecomputeNodeAggregate(store::Tx& tx, NodeId node, int64_t now);
// The nodes the enterprise holds producer links at.
base::Result<std::vector<NodeId>> ProducerNodesOfEnterprise(store::Tx& tx, EnterpriseId id);
// Rebuilds the chain's chain_chain_firms rows from its links (after a node changed chains), and
// its chain_chain_count row.
base::Status RebuildChainFirms(store::Tx& tx, ChainId chain);
// Copies the enterprise's district, above_size and validity into its chain_chain_firms rows and
// moves its chains' chain_chain_count rows accordingly.
base::Status RefreshChainFirms(store::Tx& tx, const Enterprise& e);
// The number of the chain's enterprises (linked to it by links, any date) valid on `d`: from the
// chain's chain_chain_count row when it holds on `d`, else counted (RecountChainFirmsOn).
base::Result<int64_t> CountChainFirmsOn(store::Tx& tx, ChainId chain, base::Date d);
// The same, always counted over the chain's chain_chain_firms rows.
base::Result<int64_t> RecountChainFirmsOn(store::Tx& tx, ChainId chain, base::Date d);

// chain_chain_count (migration 7): the chain's firms without an end date, and the bounds on
// which days that number is the count of its firms valid on the day. Thread-compatible value.
struct ChainCount {
  int64_t open_firms = 0;
  base::Date open_from;                   // >= the latest valid_from of a counted firm
  std::optional<base::Date> dated_until;  // >= the latest valid_to of an end-dated firm
  [[nodiscard]] bool HoldsOn(base::Date d) const {
    return d >= open_from && (!dated_until || d > *dated_until);
  }
};
base::Result<std::optional<ChainCount>> FindChainCount(store::Tx& tx, ChainId chain);
// Adds `open_firms` (may be negative) to the chain's row and moves its bounds forward to
// `open_from` / `dated_until` when those are later; without a row, writes one by counting the
// chain's chain_chain_firms rows (call it after changing those).
base::Status AddToChainCount(store::Tx& tx, ChainId chain, int64_t open_firms,
                             std::optional<base::Date> open_from,
                             std::optional<base::Date> dated_until);
// Rewrites the chain's row from its chain_chain_firms rows (exact bounds).
base::Status RecountChainFirms(store::Tx& tx, ChainId chain);
// The `limit` lowest ids of those.
base::Result<std::vector<EnterpriseId>> FirstChainFirmsOn(store::Tx& tx, ChainId chain,
                                                          base::Date d, int64_t limit);
// Of `ids`, those linked to the chain by links (any date).
base::Result<std::set<EnterpriseId>> ChainFirmsAmong(store::Tx& tx, ChainId chain,
                                                     const std::vector<EnterpriseId>& ids);
// The chain's links of `role` (any date).
base::Result<std::vector<Link>> ListLinksOfChainWithRole(store::Tx& tx, ChainId chain,
                                                         LinkRole role);
// The chain's chain-master links (any date) with only what the analysis reads: id, enterprise,
// node, role and validity (products, capacity, revenue, locality and provenance left empty). One
// range of the covering partial index chain_links_masters.
base::Result<std::vector<Link>> ListMasterLinksOfChain(store::Tx& tx, ChainId chain);
// The enterprises with these ids (unknown ids skipped), by id, with only id, name, validity and
// tiers: what sourcing and the key-firm ranking read.
base::Result<std::vector<Enterprise>> ListFirmsForRanking(store::Tx& tx,
                                                          std::vector<EnterpriseId> ids);
// The chain's enterprises (by links) with at least one gradient tier record.
base::Result<std::vector<EnterpriseId>> TieredFirmsOfChain(store::Tx& tx, ChainId chain);
// The enterprises with these ids (unknown ids skipped), with their tiers, by id.
base::Result<std::vector<Enterprise>> ListEnterprisesByIds(store::Tx& tx,
                                                           std::vector<EnterpriseId> ids);
// External producer links (any date) at `nodes`, best candidates first: links at `first`
// first, then capacity, revenue descending, then enterprise id, link id.
base::Result<std::vector<Link>> ListExternalProducerLinks(store::Tx& tx,
                                                          const std::vector<NodeId>& nodes,
                                                          NodeId first);
// The links (any date) of the enterprises `ids` at nodes of `chain`.
base::Result<std::vector<Link>> ListLinksOfFirmsInChain(store::Tx& tx, ChainId chain,
                                                        const std::vector<EnterpriseId>& ids);

// Keeps chain_node_agg and chain_chain_firms up to date for the links written in one write
// transaction: call Added() for each link BEFORE it is inserted, and Flush() before the commit.
// A node without an aggregate row is computed from its stored links first. Thread-compatible;
// lives within `tx`.
class ReadModelWriter {
 public:
  ReadModelWriter(store::Tx& tx, int64_t now) : tx_(tx), now_(now) {}
  // `firm` is the link's enterprise as stored (id, district, above_size, validity); `new_firm`
  // when it was inserted in this transaction (it has no earlier links).
  base::Status Added(const Link& l, ChainId chain, const Enterprise& firm, bool new_firm);
  // Reads in bulk what the aggregates already count of each (node, firm) of `keys` (the firm's
  // open producer links there), which Added otherwise reads one pair at a time for a stored firm
  // (a round trip each on PostgreSQL). Call before the Added calls of those links, in the same
  // transaction; keys of firms added in this transaction need no prefetch.
  base::Status PrefetchStored(std::vector<std::pair<NodeId, EnterpriseId>> keys);
  base::Status Flush();

 private:
  base::Status FlushMembers();
  // Counts a chain_chain_firms row inserted for `chain` with that validity.
  void CountAdded(ChainId chain, base::Date from, std::optional<base::Date> to);

  store::Tx& tx_;
  int64_t now_;
  std::map<NodeId, NodeAggregate> nodes_;
  struct NodeFirmHash {
    size_t operator()(const std::pair<NodeId, EnterpriseId>& k) const {
      return std::hash<uint64_t>()((static_cast<uint64_t>(k.first.value) * 0x9E3779B97F4A7C15ULL) ^
                                   static_cast<uint64_t>(k.second.value));
    }
  };
  // What this writer has added per (node, firm); looked up once per link.
  std::unordered_map<std::pair<NodeId, EnterpriseId>, FirmAmount, NodeFirmHash> firms_;
  // From PrefetchStored: what the stored links count per (node, firm) before this transaction.
  std::unordered_map<std::pair<NodeId, EnterpriseId>, FirmAmount, NodeFirmHash> stored_;
  std::set<std::pair<ChainId, EnterpriseId>> members_;
  struct ChainCountDelta {
    int64_t open_firms = 0;
    std::optional<base::Date> open_from;
    std::optional<base::Date> dated_until;
  };
  std::map<ChainId, ChainCountDelta> counts_;  // from the chain_chain_firms rows inserted
  struct Member {                              // a chain_chain_firms row to insert at Flush()
    ChainId chain;
    EnterpriseId firm;
    std::string district;
    bool above_size = false;
    Validity validity;
    bool new_firm = false;  // inserted in this transaction: no chain_chain_firms row yet
  };
  std::vector<Member> member_rows_;
};

// Imports: inserts the enterprises with their yearly facts and tiers in bulk (as InsertLinks)
// and sets each one's id (their USCCs must be distinct). Errors as InsertEnterprise.
base::Status InsertEnterprises(store::Tx& tx, const std::vector<Enterprise*>& es, int64_t now);
// Inserts the links in bulk (multi-row statements; COPY on PostgreSQL; see repo.cc "bulk
// inserts"). With `ids`, appends the new links' ids to it (in no particular order); without, they
// are not read back. `progress`, when set, receives the number of links written so far every
// 10,000 links and at the end. A link to a missing node or enterprise: kInvalidArgument.
base::Status InsertLinks(store::Tx& tx, const std::vector<const Link*>& ls, int64_t now,
                         std::vector<int64_t>* ids = nullptr,
                         const std::function<void(size_t)>& progress = {});
// Rows per INSERT statement of the bulk inserts on SQLite (default 200; 1 = one prepared
// statement per row, ids from last_insert_rowid(), no statement journal: see repo.cc "bulk
// inserts"). For kechan_bench_chain's same-run comparison and tests. Not thread-safe: set it
// before any import runs.
void SetSqliteRowsPerInsert(size_t rows);
// Of `usccs`, the enterprises that have one, by USCC (one statement per 500).
base::Result<std::map<std::string, EnterpriseId>> EnterpriseIdsByUscc(
    store::Tx& tx, const std::vector<std::string>& usccs);
// The (enterprise, node, role) of every link stored at these (enterprise, node) pairs (one
// statement per 500 enterprises).
base::Result<std::set<std::tuple<int64_t, int64_t, LinkRole>>> LinkKeysAt(
    store::Tx& tx, std::vector<std::pair<EnterpriseId, NodeId>> pairs);
// Of `usccs`, those an enterprise already has.
base::Result<std::set<std::string>> ExistingUsccs(store::Tx& tx,
                                                  const std::vector<std::string>& usccs);

// A large import transaction on SQLite: raises the write connection's page cache to
// kImportCacheKib so the transaction's pages are not spilled to the WAL and read back before the
// commit (the default cache is 2 MiB). Restore() puts the previous size back; call it just
// before Commit() (the destructor cannot: the transaction is over by then). No-op on PostgreSQL.
// Durability is untouched (journal mode and synchronous stay as the store set them).
// Thread-compatible; lives within `tx`.
class ImportCache {
 public:
  static constexpr int64_t kImportCacheKib = int64_t{256} * 1024;
  static base::Result<ImportCache> Raise(store::Tx& tx);
  base::Status Restore(store::Tx& tx);

 private:
  std::optional<int64_t> previous_;  // the cache_size pragma value before Raise (SQLite)
};

// SELECT COUNT(*) FROM `table` (`table` must be one of this module's table names).
base::Result<int64_t> Count(store::Tx& tx, const std::string& table);

}  // namespace repo
}  // namespace kechan::chain
