// The chain module's use-cases (建圈强链, issue 3): taxonomies (clusters, chains, nodes), parks and
// their occupancy, enterprises and their links, the bulk CSV import of enterprises, and the
// analysis of a chain as of a date (model.h's AnalyzeChain over a snapshot read from the store).
// Every write is one write transaction that changes rows and appends one event ("chain.*").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "base/clock.h"
#include "chain/model.h"
#include "chain/project_model.h"
#include "chain/repo.h"
#include "store/database.h"
#include "table/table.h"

namespace kechan::chain {

// Who is asking. Value type. Permissions (issue 3 §6):
//   anonymous / any signed-in user: chain list, chain maps (nodes) and aggregates (coverage,
//     counts, occupancy rates); the analysis without firm-level lists;
//   officers, duty directors, chain chiefs, operators (and the local CLI): details (enterprise
//     list and profiles, full analysis);
//   operators (and the CLI): edit taxonomies, parks, enterprises, links, imports;
//   an enterprise member: sees and edits its own enterprise record (enterprises.org_id).
struct Caller {
  bool system = false;        // the local CLI / demo loader: every right
  auth::Principal principal;  // when !system; may be signed out (anonymous)
  std::string actor;          // recorded on events: "user:12", "cli", "anonymous"

  static Caller System(std::string actor = "cli");
  static Caller Of(const auth::Principal& p);

  // Officers, duty directors, chain chiefs, operators, system: may see some details (a chief only
  // those of its own chains, checked by the service).
  bool CanSeeDetails() const;
  // Officers, duty directors, operators, system: the details of every chain.
  bool SeesAllChains() const;
  bool CanEditTaxonomy() const;
  // Whether this caller may see/edit the enterprise belonging to `org` as its own.
  bool Owns(const std::optional<base::OrgId>& org) const;
};

// A chain as the list shows it: the record plus aggregates. Value type.
struct ChainSummary {
  Chain chain;
  Cluster cluster;
  int64_t nodes = 0;
  int64_t firms = 0;  // distinct enterprises linked to its nodes (any role, any date)
};

// One chain's node coverage on a date (the city-wide overview). Value type.
struct ChainCoverage {
  ChainId chain_id;
  std::string code;
  int nodes = 0;          // nodes valid on the date
  int covered_nodes = 0;  // of those, with at least one local producer firm
  double coverage = 0;    // covered_nodes / nodes, 0 without nodes
};

// One chain map. Value type.
struct ChainDetail {
  Chain chain;
  Cluster cluster;
  std::vector<Node> nodes;
};

struct EnterpriseDetail {
  Enterprise enterprise;
  std::vector<Link> links;
};

// A chain chief assigned to a chain. Value type.
struct ChainChief {
  base::UserId user_id;
  std::string username;
  std::string display_name;
};

struct PageRequest {
  int64_t page = 1;        // 1-based
  int64_t page_size = 20;  // 1..200
};

struct EnterprisePage {
  std::vector<Enterprise> items;
  int64_t total = 0;
  int64_t page = 1;
  int64_t page_size = 20;
};

// What an import file holds (docs/chain.md lists each kind's columns).
// kBuildings: parks' buildings, units and unit observations (import_buildings.h).
enum class ImportKind { kEnterprises, kChains, kLinks, kBuildings };
const char* ImportKindName(ImportKind k);  // "enterprises" "chains" "links" "buildings"
// Parses "enterprises" / "chains" / "links" / "buildings"; InvalidArgument naming `field`
// ("import.kind").
base::Result<ImportKind> ParseImportKind(std::string_view text, std::string_view field = "kind");

// Called by an import as it goes: `phase` "reading" (rows checked) or "writing" (records
// written); `processed` of `total`. Called from the importing thread.
using ImportProgress =
    std::function<void(std::string_view phase, int64_t processed, int64_t total)>;

// The project list's filters; empty / nullopt = any. Value type.
struct ProjectFilter {
  std::optional<ChainId> chain_id;
  std::optional<ParkId> park_id;
  std::string department;  // exact
  std::optional<ProjectKind> kind;
  std::optional<Milestone> stage;  // the last milestone reached on the date
  bool overdue_only = false;       // the next milestone's planned date has passed
};

// A project with where it stands on the list's date. Value type.
struct ProjectRow {
  Project project;
  ProjectProgress progress;
};

// Options of the imports.
struct ImportOptions {
  bool skip_bad = false;  // import the good rows and report the bad ones
  std::string source;     // provenance of every imported row ("import:enterprises.csv")
  std::optional<base::Date> source_date;
  ImportProgress progress;  // optional
};

// One bad CSV row. `row` counts lines of the file as a spreadsheet does: the header is row 1.
struct RowError {
  int64_t row = 0;
  std::string column;
  std::string reason;  // "invalid_uscc", "unknown_node", "duplicate", "bad_number", ...
  std::string message_en;
  std::string message_zh;
  // Renders {"row":N,"column":"..","reason":"..","message":"..","message_zh":".."}.
  std::string ToJson() const;
};

struct ImportReport {
  int64_t rows = 0;        // data rows read
  int64_t imported = 0;    // enterprises written
  int64_t links = 0;       // enterprise↔node links written
  int64_t chains = 0;      // chains created (chains import)
  int64_t nodes = 0;       // nodes created (chains import)
  bool committed = false;  // false: nothing was written (errors without skip_bad, or no rows)
  std::vector<RowError> errors;
  int64_t event_seq = 0;  // the batch event, when committed
  // Buildings, units and unit observations created (buildings import).
  int64_t buildings = 0;
  int64_t units = 0;
  int64_t observations = 0;
};

// The columns ImportEnterprisesCsv understands, in template order (docs/chain.md).
const std::vector<std::string>& ImportColumns();
// The header line and one example row (both ending in '\n').
std::string ImportTemplate();
// The same for each kind (kEnterprises: the two functions above).
const std::vector<std::string>& ImportColumns(ImportKind kind);
std::string ImportTemplate(ImportKind kind);
// Renders the report as {"kind","rows","imported","links","chains","nodes","committed",
// "skipped","event_seq","errors":[RowError::ToJson()...]}.
std::string ImportReportJson(ImportKind kind, const ImportReport& r);

class ImportJobs;

// Thread-safe: every method may be called from any thread; each opens its own transaction.
// A building with its units and their latest observations as of a date. Value type.
struct UnitView {
  Unit unit;
  std::optional<UnitObservation> latest;  // none: never observed by then (counts as vacant)
};
struct BuildingView {
  Building building;
  std::vector<UnitView> units;
};
struct ParkBuildings {
  ParkId park_id;
  base::Date as_of;
  std::vector<BuildingView> buildings;
  UnitRates rates;
};

class ChainService {
 public:
  ChainService(store::Database& db, const base::Clock& clock);
  // Waits for running import jobs.
  ~ChainService();
  ChainService(const ChainService&) = delete;
  ChainService& operator=(const ChainService&) = delete;

  // ---- taxonomy (writes: operators) -------------------------------------------------------
  // Errors: PermissionDenied; InvalidArgument from model.h validation naming the field;
  // AlreadyExists naming "code" for a code in use; NotFound naming "cluster_id" / "chain_id".
  base::Result<Cluster> CreateCluster(const Caller& caller, Cluster c);
  base::Result<Cluster> UpdateCluster(const Caller& caller, Cluster c);
  base::Result<std::vector<Cluster>> ListClusters(const Caller& caller);
  base::Result<Chain> CreateChain(const Caller& caller, Chain c);
  base::Result<Chain> UpdateChain(const Caller& caller, Chain c);
  // Nodes: also InvalidArgument naming "parent_id" for a parent that does not exist
  // ("node.orphan"), belongs to another chain ("node.wrong_chain") or would close a cycle
  // ("node.cycle"); "code" for a code used twice in the chain ("node.duplicate_code").
  base::Result<Node> CreateNode(const Caller& caller, Node n);
  base::Result<Node> UpdateNode(const Caller& caller, Node n);

  // ---- reading chains (everyone) -------------------------------------------------------------
  base::Result<std::vector<ChainSummary>> ListChains(const Caller& caller);
  base::Result<ChainDetail> GetChain(const Caller& caller, ChainId id);
  base::Result<std::optional<Chain>> FindChainByCode(std::string_view code);
  // The snapshot of the chain's records (all dates; the analytics filter by date).
  base::Result<ChainSnapshot> LoadSnapshot(ChainId id);
  // model.h AnalyzeChain as of `as_of`. Callers without details get the aggregates only
  // (masters, key_firms, candidates emptied; nodes' top_supplier cleared). Reads the per-node
  // aggregates and a few index ranges rather than the snapshot (same result as AnalyzeChain on
  // LoadSnapshot); a node whose aggregate does not hold on `as_of` is computed from its links.
  // Errors: NotFound "id".
  base::Result<ChainAnalysis> Analyze(const Caller& caller, ChainId id, base::Date as_of,
                                      const AnalyzeOptions& options = {});

  // Every chain's node coverage on `as_of` (everyone: an aggregate), by chain id, from the
  // per-node aggregates as Analyze reads them.
  base::Result<std::vector<ChainCoverage>> CoverageByChain(base::Date as_of);

  // ---- chain chiefs (链长) ----------------------------------------------------------------------
  // Callers with details (officers, chiefs, operators). NotFound "id" for an unknown chain.
  base::Result<std::vector<ChainChief>> ListChainChiefs(const Caller& caller, ChainId chain);
  // Operators. Replaces the chain's chiefs with `users` in one transaction with one event
  // "chain.chiefs.assigned". Errors: NotFound "id" (chain); InvalidArgument naming "user_ids"
  // for an unknown user ("chain.chief_unknown") or one without the chain_chief role
  // ("chain.chief_role").
  base::Result<std::vector<ChainChief>> SetChainChiefs(const Caller& caller, ChainId chain,
                                                       std::vector<base::UserId> users);
  // Operators. Every user holding the chain_chief role (to choose from), by id.
  base::Result<std::vector<ChainChief>> ListChiefCandidates(const Caller& caller);
  // The chains whose details `caller` may see: none = every chain (officers, directors,
  // operators, system); a list = a chief's assigned chains; empty list = none.
  base::Result<std::optional<std::vector<ChainId>>> DetailScope(const Caller& caller);

  // ---- diff between two dates ----------------------------------------------------------------
  // model.h DiffChain of the chain between `from` and `to` plus the names it needs, read from
  // the per-node aggregates as Analyze reads them (only the links of nodes whose aggregate does
  // not hold on both days are read). Everyone; callers without the chain's details get the
  // aggregates only (firm_changes empty).
  // Errors: InvalidArgument naming "to" ("chain.range_order") when to < from; NotFound "id".
  struct DiffResult {
    ChainDiff diff;
    std::string code;
    std::map<NodeId, std::string> node_codes;        // every node of the chain
    std::map<EnterpriseId, std::string> firm_names;  // firms named in firm_changes
  };
  base::Result<DiffResult> Diff(const Caller& caller, ChainId id, base::Date from, base::Date to);
  // The links Diff holds at once, about: it reads the nodes it needs in groups sized from the
  // links per node read so far, and drops a group's links before reading the next
  // (kDefaultDiffLinksPerRead; a test sets a small one to go through many groups, a benchmark
  // compares sizes). Call before use, not concurrently with Diff.
  static constexpr size_t kDefaultDiffLinksPerRead = 100000;
  void SetDiffLinksPerRead(size_t links) { diff_links_per_read_ = links; }

  // ---- major projects (产业地标 / 重大项目) -------------------------------------------------
  // Operators. ValidateProject's errors; NotFound "chain_id" / "park_id". Event
  // "chain.project.created" / ".updated".
  base::Result<Project> CreateProject(const Caller& caller, Project p);
  base::Result<Project> UpdateProject(const Caller& caller, Project p);
  // Details callers. NotFound "id".
  base::Result<Project> GetProject(const Caller& caller, ProjectId id);
  // Details callers. Every matching project with its progress on `as_of`, by id.
  base::Result<std::vector<ProjectRow>> ListProjects(const Caller& caller, const ProjectFilter& f,
                                                     base::Date as_of);

  // ---- parks ---------------------------------------------------------------------------------
  base::Result<Park> CreatePark(const Caller& caller, Park p);
  base::Result<std::vector<Park>> ListParks(const Caller& caller);
  // Errors: InvalidArgument from ValidateOccupancy (used > total = above 100%, naming the used
  // field); NotFound "park_id"; AlreadyExists "date" for a second observation on one day.
  base::Result<OccupancyObservation> AddObservation(const Caller& caller, OccupancyObservation o);
  // Rates of the park's observations with from <= date <= to (everyone).
  base::Result<std::vector<OccupancyRates>> Occupancy(const Caller& caller, ParkId park,
                                                      base::Date from, base::Date to);

  // ---- buildings and units (楼栋、单元) ---------------------------------------------------------
  // Operators. ValidateBuilding's errors; NotFound "park_id"; AlreadyExists "name" (per park).
  // Event chain.building.created.
  base::Result<Building> CreateBuilding(const Caller& caller, Building b);
  // Operators. ValidateUnit's errors ("area_m2", "floor" above the building's floors, ...);
  // NotFound "building_id"; AlreadyExists "code" (per building). Event chain.unit.created.
  base::Result<Unit> CreateUnit(const Caller& caller, Unit u);
  // Operators. ValidateUnitObservation's errors ("producing" without occupied); NotFound
  // "unit_id" / "enterprise_id"; AlreadyExists "date" (one per unit and day). Event
  // chain.unit.observed.
  base::Result<UnitObservation> ObserveUnit(const Caller& caller, UnitObservation o);
  // The park's buildings with their units, each unit's latest observation on or before `as_of`,
  // and the unit-based rates (everyone; enterprise ids are cleared unless CanSeeDetails).
  // NotFound "id" for an unknown park.
  base::Result<ParkBuildings> ListBuildings(const Caller& caller, ParkId park, base::Date as_of);
  // Just the unit-based rates of ListBuildings.
  base::Result<UnitRates> UnitRatesOfPark(const Caller& caller, ParkId park, base::Date as_of);

  // ---- enterprises ---------------------------------------------------------------------------
  // Operators. Normalises then validates (NormalizeEnterprise): InvalidArgument naming "uscc",
  // "revenue", "valid_to", ...; AlreadyExists naming "uscc"; NotFound naming "park_id".
  base::Result<Enterprise> CreateEnterprise(const Caller& caller, Enterprise e);
  // Operators, or a member of the enterprise's own organisation (who cannot change org_id).
  base::Result<Enterprise> UpdateEnterprise(const Caller& caller, Enterprise e);
  // Details callers or the enterprise's own members.
  base::Result<EnterpriseDetail> GetEnterprise(const Caller& caller, EnterpriseId id);
  // Details callers. InvalidArgument naming "page" / "page_size" out of range.
  base::Result<EnterprisePage> ListEnterprises(const Caller& caller, const EnterpriseFilter& f,
                                               PageRequest page);
  // The enterprises whose organisation the caller is an enterprise member of (its own firms), by
  // id; empty for other callers.
  base::Result<std::vector<Enterprise>> MyEnterprises(const Caller& caller);
  // Callers who see details of every chain (officers, operators, the system). Up to `limit`
  // (1..10000) enterprises with id > `after`, by id, each with its yearly facts, tiers and links,
  // read in four queries: the bulk path for rule engines (policy matching). Errors:
  // PermissionDenied; InvalidArgument naming "limit".
  base::Result<std::vector<EnterpriseDetail>> EnterpriseDetailsAfter(const Caller& caller,
                                                                     EnterpriseId after,
                                                                     int64_t limit);
  // Details callers. Every enterprise matching `f` (for export), by id. Errors: NeedDetails';
  // InvalidArgument naming "filters" ("export.too_many") when more than kMaxExportRows match.
  static constexpr int64_t kMaxExportRows = 200000;
  base::Result<std::vector<Enterprise>> ExportEnterprises(const Caller& caller,
                                                          const EnterpriseFilter& f);
  // Operators. Errors: ValidateLink's; NotFound "enterprise_id" / "node_id"; AlreadyExists
  // "role" when the enterprise already has this role at the node.
  base::Result<Link> LinkEnterprise(const Caller& caller, Link l);
  base::Result<SupplyLink> AddSupplyLink(const Caller& caller, SupplyLink s);

  // Operators. Parses `csv` (UTF-8, header row, columns of ImportColumns()) and imports it in
  // ONE write transaction with ONE event "chain.enterprises.imported" listing the new ids as
  // [first,last] runs. Without skip_bad any bad row means nothing is written (committed=false);
  // with skip_bad the good rows are written and the bad ones reported. Errors (Status): a
  // malformed file (no header, unknown header column: InvalidArgument naming the column),
  // permission, database failures.
  base::Result<ImportReport> ImportEnterprisesCsv(const Caller& caller, std::string_view csv,
                                                  const ImportOptions& options);
  // Same as ImportEnterprisesCsv for the first worksheet of an .xlsx workbook (table::ReadXlsx;
  // row numbers are the sheet's). Errors also: ReadXlsx's (InvalidArgument field "file" or
  // "row N").
  base::Result<ImportReport> ImportEnterprisesXlsx(const Caller& caller, std::string_view xlsx,
                                                   const ImportOptions& options);

  // Operators. Imports a file of `kind`, CSV or .xlsx (recognised by its zip signature), with the
  // rules above: one write transaction, one event ("chain.enterprises.imported",
  // "chain.chains.imported", "chain.links.imported"), all or nothing unless skip_bad, every bad
  // row reported with row, column and reason. Chains: unknown_cluster, unknown_chain, duplicate,
  // orphan (parent not in the chain nor the file), wrong_chain (parent belongs to another chain),
  // cycle, bad_number, out_of_range, bad_value, bad_date, dates_out_of_order, required. Links:
  // unknown_enterprise, unknown_chain, unknown_node, wrong_chain (node of another chain),
  // duplicate, bad_number, negative, bad_value, bad_date, dates_out_of_order, required.
  base::Result<ImportReport> Import(const Caller& caller, ImportKind kind, std::string_view bytes,
                                    const ImportOptions& options);

  // Import jobs run in the background for the HTTP API (see ImportJobs).
  ImportJobs& jobs() { return *jobs_; }
  // The store and clock, for ImportJobs (which keeps its jobs in chain_import_jobs).
  store::Database& db() { return db_; }
  const base::Clock& clock() const { return clock_; }

 private:
  base::Result<ImportReport> ImportEnterprisesTable(const Caller& caller, const table::Table& t,
                                                    const ImportOptions& options);
  base::Result<ImportReport> ImportChainsTable(const Caller& caller, const table::Table& t,
                                               const ImportOptions& options);
  base::Result<ImportReport> ImportLinksTable(const Caller& caller, const table::Table& t,
                                              const ImportOptions& options);
  base::Status CheckNodeTree(store::Tx& tx, const Node& n, bool is_new);
  base::Status CheckPark(store::Tx& tx, const std::optional<ParkId>& park);
  // Narrows `f` to a chain chief's chains; PermissionDenied naming "chain" / "node" when the
  // filter asks for another chain.
  base::Status ScopeFilter(const Caller& caller, EnterpriseFilter* f);
  int64_t Now() const;

  store::Database& db_;
  const base::Clock& clock_;
  std::unique_ptr<ImportJobs> jobs_;
  size_t diff_links_per_read_ = kDefaultDiffLinksPerRead;
};

}  // namespace kechan::chain
