// Export of the chain module's lists and analyses (enterprise list, chain list, chain analysis,
// parks, park occupancy, a park's buildings/units/unit observations) as tables, rendered to CSV or
// .xlsx through the shared src/table writers.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "chain/buildings.h"
#include "chain/model.h"
#include "chain/service.h"
#include "table/table.h"

namespace kechan::chain {

// All functions are pure and thread-safe.

enum class ExportFormat { kCsv, kXlsx };
// "csv" or "xlsx"; InvalidArgument naming `field` ("export.format") otherwise.
base::Result<ExportFormat> ParseExportFormat(std::string_view text,
                                             std::string_view field = "format");

// A rendered file. Value type.
struct ExportFile {
  std::string content_type;  // "text/csv; charset=utf-8" or the .xlsx type
  std::string disposition;   // Content-Disposition: attachment with an ASCII filename and the
                             // UTF-8 filename* (RFC 6266 / RFC 5987)
  std::string body;
};

// Renders `t` (CSV: UTF-8 with BOM and CRLF so Excel opens Chinese text; .xlsx: one sheet named
// `sheet`). `ascii_name` is the fallback file name without extension ("chains"), `utf8_name` the
// real one ("产业链列表"). Errors: table::WriteXlsx's.
base::Result<ExportFile> RenderExport(const table::Table& t, ExportFormat format,
                                      std::string_view ascii_name, std::string_view utf8_name,
                                      std::string_view sheet);

// Returns the Content-Disposition value for `ascii_name` / `utf8_name` (with extension).
std::string AttachmentDisposition(std::string_view ascii_name, std::string_view utf8_name);

// The tables. Column names are the stable English names of docs/chain.md.
table::Table EnterprisesTable(const std::vector<Enterprise>& items,
                              const std::map<ParkId, std::string>& park_names);
table::Table ChainsTable(const std::vector<ChainSummary>& chains);
// One line per node: id, code, name, segment, criticality, choke_point, local_firms,
// external_firms, hhi, single_source, gap (AnalysisCsv's columns).
table::Table AnalysisTable(const ChainAnalysis& a);
table::Table ParksTable(const std::vector<Park>& parks);
table::Table OccupancyTable(const std::vector<OccupancyRates>& series);
// A park's building register in the buildings import's columns (BuildingImportColumns), so the
// file re-imports unchanged: one row per unit observation, one per unit never observed, one per
// building without units; every row repeats its building's floors and floor area and its unit's
// floor, area and use, and its building's validity (valid_from, valid_to) and provenance (source,
// source_date). Occupants by USCC (empty when `r.usccs` has none).
table::Table BuildingsTable(const ParkRegister& r);

}  // namespace kechan::chain
