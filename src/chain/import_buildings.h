// CSV/.xlsx import of parks' buildings (楼栋), their units (单元) and dated unit observations
// (入驻/投产), issue 3. One file, one row per building, unit or observation; all or nothing
// unless skip_bad. Used by the CLI, the demo and ChainService::Import (kind "buildings", the
// import jobs of POST /api/v1/imports).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "chain/cli.h"
#include "chain/service.h"
#include "table/table.h"

namespace kechan::chain {

// What an import of buildings wrote (or would have). Value type.
struct BuildingImportReport {
  int64_t rows = 0;  // data rows read
  int64_t buildings = 0;
  int64_t units = 0;
  int64_t observations = 0;
  bool committed = false;  // false: nothing was written (bad rows without skip_bad, no rows)
  std::vector<RowError> errors;
  int64_t event_seq = 0;  // the batch event "chain.buildings.imported", when committed
  // Distinct rows with errors when committed (skipped rows), else 0.
  int64_t skipped() const;
  // Renders {"kind":"buildings","rows",..,"imported" (buildings + units + observations),
  // "buildings","units","observations","committed","skipped","event_seq",
  // "errors":[RowError::ToJson()...]}.
  std::string ToJson() const;
};

// The same report as the generic ImportReport of the import jobs (buildings, units and
// observations set; imported = their sum) and back.
ImportReport ToImportReport(const BuildingImportReport& r);
BuildingImportReport ToBuildingImportReport(const ImportReport& r);

// The columns, in template order: park (name), building, floors, floor_area_m2, unit, floor,
// area_m2, use, date, occupied, producing, uscc, valid_from, valid_to, source, source_date. A row
// names a park and a building (created when new: floors and floor_area_m2 then required;
// valid_from / valid_to / source / source_date are the new building's validity and provenance,
// empty = always valid / the import's source), optionally a unit of it (created when new: floor
// and area_m2 required, use defaults to production) and optionally an observation of that unit
// on `date` (occupied and producing as 1/0, 是/否, true/false; uscc names the occupant).
const std::vector<std::string>& BuildingImportColumns();
// The header line and one example row (both ending in '\n').
std::string BuildingImportTemplate();

// Imports `bytes` (CSV, or .xlsx recognised by its zip signature) in ONE write transaction with
// ONE event. Every bad row is reported with its row number (the header is row 1), column and
// reason: required, unknown_park, unknown_enterprise, bad_number, out_of_range (floors < 1, area
// <= 0, a floor above the building's floors), dates_out_of_order (valid_to before valid_from,
// column valid_to), above_100 (the units' area would exceed the
// building's floor area: occupancy above 100%), bad_value (use, booleans, producing without
// occupied), bad_date, duplicate (a unit observed twice on one day, in the file or already
// stored), unit_required (an observation without a unit), orphan (the row names a building or
// unit that only an earlier bad row defines). A row is taken whole or not at all. Without
// options.skip_bad any bad row means nothing is written; with it the good rows are written (the
// reported errors are the same either way). Errors (Status): PermissionDenied (not an operator);
// a malformed file (no header, unknown or missing column: InvalidArgument naming the column);
// database failures.
base::Result<BuildingImportReport> ImportBuildings(ChainService& service, const Caller& caller,
                                                   std::string_view bytes,
                                                   const ImportOptions& options);
// The same for a table already read (row numbers from t.row_numbers).
base::Result<BuildingImportReport> ImportBuildingsTable(ChainService& service, const Caller& caller,
                                                        const table::Table& t,
                                                        const ImportOptions& options);
// ImportBuildingsTable as an ImportReport (ChainService::Import, kind "buildings").
base::Result<ImportReport> ImportBuildingsAsReport(ChainService& service, const Caller& caller,
                                                   const table::Table& t,
                                                   const ImportOptions& options);

// `kechan import buildings FILE (--data DIR | --db URL) [--skip-bad] [--source TEXT]` and
// `kechan import buildings --template`; `args` are the words after "import" (args[0] is
// "buildings"). Prints the report (BuildingImportReport::ToJson) on stdout and each row error on
// stderr; exit 2 when rows were bad and nothing was written, 0 when committed.
int RunImportBuildingsCommand(const std::vector<std::string>& args, std::ostream& out,
                              std::ostream& err, const ServiceOpener& open);

}  // namespace kechan::chain
