#include "chain/export.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include "chain/import_buildings.h"

namespace kechan::chain {
namespace {

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Rate(const std::optional<double>& v) { return v ? Fixed(*v, 4) : ""; }

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += (out.empty() ? "" : ";") + s;
  }
  return out;
}

std::string DateText(const std::optional<base::Date>& d) { return d ? d->ToString() : ""; }

// The shortest text that reads back as the same double ("450", "1200.5").
std::string Shortest(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : Fixed(v, 6);
}

// RFC 5987 percent-encoding of a UTF-8 file name (attr-char stays as is).
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

base::Result<ExportFormat> ParseExportFormat(std::string_view text, std::string_view field) {
  if (text == "csv") {
    return ExportFormat::kCsv;
  }
  if (text == "xlsx") {
    return ExportFormat::kXlsx;
  }
  return base::InvalidArgument(std::string(field), "export.format", "format must be csv or xlsx",
                               "导出格式须为 csv 或 xlsx");
}

std::string AttachmentDisposition(std::string_view ascii_name, std::string_view utf8_name) {
  std::string safe;
  for (char c : ascii_name) {
    const auto u = static_cast<unsigned char>(c);
    safe += (u < 0x20 || u > 0x7e || c == '"' || c == '\\') ? '_' : c;
  }
  return "attachment; filename=\"" + safe + "\"; filename*=UTF-8''" + PercentEncode(utf8_name);
}

base::Result<ExportFile> RenderExport(const table::Table& t, ExportFormat format,
                                      std::string_view ascii_name, std::string_view utf8_name,
                                      std::string_view sheet) {
  ExportFile f;
  const std::string ext = format == ExportFormat::kCsv ? ".csv" : ".xlsx";
  f.disposition =
      AttachmentDisposition(std::string(ascii_name) + ext, std::string(utf8_name) + ext);
  if (format == ExportFormat::kCsv) {
    f.content_type = "text/csv; charset=utf-8";
    f.body = table::WriteCsv(t, {.bom = table::Bom::kUtf8, .line_end = table::LineEnd::kCrlf});
  } else {
    f.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    KECHAN_ASSIGN_OR_RETURN(f.body, table::WriteXlsx(t, sheet));
  }
  return f;
}

table::Table EnterprisesTable(const std::vector<Enterprise>& items,
                              const std::map<ParkId, std::string>& park_names) {
  table::Table t;
  t.header = {"id",         "uscc",          "name",   "name_en",    "district", "park",
              "above_size", "green_factory", "source", "valid_from", "valid_to"};
  for (const auto& e : items) {
    std::string park;
    if (e.park_id) {
      auto it = park_names.find(*e.park_id);
      park = it == park_names.end() ? e.park_id->ToString() : it->second;
    }
    t.rows.push_back({e.id.ToString(), e.uscc, e.name, e.name_en, e.district, park,
                      e.above_size ? "1" : "0", e.green_factory ? "1" : "0", e.provenance.source,
                      e.validity.valid_from.ToString(), DateText(e.validity.valid_to)});
  }
  return t;
}

table::Table ChainsTable(const std::vector<ChainSummary>& chains) {
  table::Table t;
  t.header = {"id",
              "code",
              "name",
              "name_en",
              "cluster",
              "tier",
              "chief",
              "lead_department",
              "host_districts",
              "co_districts",
              "partners",
              "nodes",
              "firms"};
  for (const auto& s : chains) {
    const Chain& c = s.chain;
    t.rows.push_back({c.id.ToString(), c.code, c.name, c.name_en, s.cluster.name,
                      TierName(s.cluster.tier), c.chief, c.lead_department, Join(c.host_districts),
                      Join(c.co_districts), Join(c.partners), std::to_string(s.nodes),
                      std::to_string(s.firms)});
  }
  return t;
}

table::Table AnalysisTable(const ChainAnalysis& a) {
  std::set<NodeId> gaps(a.gaps.begin(), a.gaps.end());
  table::Table t;
  t.header = {"id",          "code",          "name",        "segment",
              "criticality", "choke_point",   "local_firms", "external_firms",
              "hhi",         "single_source", "gap"};
  for (const auto& n : a.nodes) {
    t.rows.push_back({n.node_id.ToString(), n.code, n.name, SegmentName(n.segment),
                      std::to_string(n.criticality), n.choke_point ? "1" : "0",
                      std::to_string(n.local_firms), std::to_string(n.external_firms),
                      Fixed(n.hhi, 1), n.single_source ? "1" : "0",
                      gaps.count(n.node_id) ? "1" : "0"});
  }
  return t;
}

table::Table ParksTable(const std::vector<Park>& parks) {
  table::Table t;
  t.header = {"id", "name", "name_en", "level", "parent_id", "district", "main_industry"};
  for (const auto& p : parks) {
    t.rows.push_back({p.id.ToString(), p.name, p.name_en, std::to_string(p.level),
                      p.parent_id ? p.parent_id->ToString() : "", p.district, p.main_industry});
  }
  return t;
}

table::Table OccupancyTable(const std::vector<OccupancyRates>& series) {
  table::Table t;
  t.header = {"date", "land", "floor", "production"};
  for (const auto& r : series) {
    t.rows.push_back({r.date.ToString(), Rate(r.land), Rate(r.floor), Rate(r.production)});
  }
  return t;
}

table::Table BuildingsTable(const ParkRegister& r) {
  table::Table t;
  t.header = BuildingImportColumns();
  std::map<BuildingId, std::vector<const Unit*>> units;
  for (const Unit& u : r.units) {
    units[u.building_id].push_back(&u);
  }
  std::map<UnitId, std::vector<const UnitObservation*>> obs;
  for (const UnitObservation& o : r.observations) {
    obs[o.unit_id].push_back(&o);
  }
  for (auto& [unit, list] : obs) {
    std::stable_sort(list.begin(), list.end(),
                     [](const UnitObservation* a, const UnitObservation* b) {
                       return a->date != b->date ? a->date < b->date : a->id < b->id;
                     });
  }
  for (const Building& b : r.buildings) {
    const std::vector<std::string> building = {r.park.name, b.name, std::to_string(b.floors),
                                               Shortest(b.floor_area_m2)};
    auto row = [&](const Unit* u, const UnitObservation* o) {
      std::vector<std::string> line = building;
      line.push_back(u ? u->code : "");
      line.push_back(u ? std::to_string(u->floor) : "");
      line.push_back(u ? Shortest(u->area_m2) : "");
      line.push_back(u ? UnitUseName(u->use) : "");
      line.push_back(o ? o->date.ToString() : "");
      line.push_back(o ? (o->occupied ? "1" : "0") : "");
      line.push_back(o ? (o->producing ? "1" : "0") : "");
      std::string uscc;
      if (o && o->enterprise_id) {
        if (auto it = r.usccs.find(*o->enterprise_id); it != r.usccs.end()) {
          uscc = it->second;
        }
      }
      line.push_back(std::move(uscc));
      line.push_back(b.validity.valid_from.ToString());
      line.push_back(b.validity.valid_to ? b.validity.valid_to->ToString() : "");
      line.push_back(b.provenance.source);
      line.push_back(b.provenance.source_date ? b.provenance.source_date->ToString() : "");
      t.rows.push_back(std::move(line));
    };
    auto bu = units.find(b.id);
    if (bu == units.end()) {
      row(nullptr, nullptr);
      continue;
    }
    for (const Unit* u : bu->second) {
      auto uo = obs.find(u->id);
      if (uo == obs.end()) {
        row(u, nullptr);
        continue;
      }
      for (const UnitObservation* o : uo->second) {
        row(u, o);
      }
    }
  }
  return t;
}

}  // namespace kechan::chain
