// SQL for the chain module's tables (chain_clusters, chain_chains, chain_nodes, chain_parks,
// chain_enterprises + chain_enterprise_years + chain_enterprise_tiers, chain_links,
// chain_supply_links, chain_occupancy, chain_buildings + chain_units + chain_unit_observations),
// mapping rows to the model.h values. Internal to chain/; callers use ChainService.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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

// SELECT COUNT(*) FROM `table` (`table` must be one of this module's table names).
base::Result<int64_t> Count(store::Tx& tx, const std::string& table);

}  // namespace repo
}  // namespace kechan::chain
