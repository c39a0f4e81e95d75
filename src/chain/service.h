// The chain module's use-cases (建圈强链, issue 3): taxonomies (clusters, chains, nodes), parks and
// their occupancy, enterprises and their links, the bulk CSV import of enterprises, and the
// analysis of a chain as of a date (model.h's AnalyzeChain over a snapshot read from the store).
// Every write is one write transaction that changes rows and appends one event ("chain.*").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "base/clock.h"
#include "chain/model.h"
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

  bool CanSeeDetails() const;
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

// Options of ImportEnterprisesCsv.
struct ImportOptions {
  bool skip_bad = false;  // import the good rows and report the bad ones
  std::string source;     // provenance of every imported row ("import:enterprises.csv")
  std::optional<base::Date> source_date;
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
  bool committed = false;  // false: nothing was written (errors without skip_bad, or no rows)
  std::vector<RowError> errors;
  int64_t event_seq = 0;  // the batch event, when committed
};

// The columns ImportEnterprisesCsv understands, in template order (docs/chain.md).
const std::vector<std::string>& ImportColumns();
// The header line and one example row (both ending in '\n').
std::string ImportTemplate();

// Thread-safe: every method may be called from any thread; each opens its own transaction.
class ChainService {
 public:
  ChainService(store::Database& db, const base::Clock& clock) : db_(db), clock_(clock) {}

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
  // (masters, key_firms, candidates emptied; nodes' top_supplier cleared).
  base::Result<ChainAnalysis> Analyze(const Caller& caller, ChainId id, base::Date as_of,
                                      const AnalyzeOptions& options = {});

  // ---- parks ---------------------------------------------------------------------------------
  base::Result<Park> CreatePark(const Caller& caller, Park p);
  base::Result<std::vector<Park>> ListParks(const Caller& caller);
  // Errors: InvalidArgument from ValidateOccupancy (used > total = above 100%, naming the used
  // field); NotFound "park_id"; AlreadyExists "date" for a second observation on one day.
  base::Result<OccupancyObservation> AddObservation(const Caller& caller, OccupancyObservation o);
  // Rates of the park's observations with from <= date <= to (everyone).
  base::Result<std::vector<OccupancyRates>> Occupancy(const Caller& caller, ParkId park,
                                                      base::Date from, base::Date to);

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

 private:
  base::Result<ImportReport> ImportEnterprisesTable(const Caller& caller, const table::Table& t,
                                                    const ImportOptions& options);
  base::Status CheckNodeTree(store::Tx& tx, const Node& n, bool is_new);
  base::Status CheckPark(store::Tx& tx, const std::optional<ParkId>& park);
  int64_t Now() const;

  store::Database& db_;
  const base::Clock& clock_;
};

}  // namespace kechan::chain
