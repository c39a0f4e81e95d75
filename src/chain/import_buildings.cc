// CSV/.xlsx import of buildings, units and unit observations (see import_buildings.h).
#include "chain/import_buildings.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "base/cli_args.h"
#include "base/strcat.h"
#include "chain/import_fields.h"
#include "chain/repo.h"
#include "store/event_log.h"
#include "table/table.h"

namespace kechan::chain {
namespace {

using base::Result;
using base::Status;
using internal::Bad;
using internal::ParseBool;
using internal::ParseInt;
using internal::ParseReal;
using internal::Payload;
using internal::Trim;

using BuildingKey = std::pair<int64_t, std::string>;     // park id, building name
using UnitKey = std::pair<BuildingKey, std::string>;     // building, unit code
using ObservationKey = std::pair<UnitKey, std::string>;  // unit, date

struct BuildingPlan {
  bool stored = false;
  Building building;  // id set when stored (or once inserted)
  double unit_area = 0;
};

struct UnitPlan {
  bool stored = false;
  BuildingKey building;
  Unit unit;
};

struct ObservationPlan {
  UnitKey unit;
  UnitObservation observation;
};

Bad Required(const std::string& column) {
  return Bad{column, "required", column + " is required", column + " 为必填项"};
}
Bad OutOfRange(const std::string& column, const std::string& en, const std::string& zh) {
  return Bad{column, "out_of_range", en, zh};
}

Status Forbidden() {
  return base::PermissionDenied("chain.forbidden", "only operators import files",
                                "仅平台运营人员可导入文件");
}

}  // namespace

const std::vector<std::string>& BuildingImportColumns() {
  static const std::vector<std::string> kColumns = {
      "park",       "building", "floors", "floor_area_m2", "unit",      "floor",
      "area_m2",    "use",      "date",   "occupied",      "producing", "uscc",
      "valid_from", "valid_to", "source", "source_date"};
  return kColumns;
}

std::string BuildingImportTemplate() {
  std::string out;
  for (size_t i = 0; i < BuildingImportColumns().size(); ++i) {
    out += (i ? "," : "") + BuildingImportColumns()[i];
  }
  return out +
         "\n西部脑谷,A1 栋,8,12000,3F-01,3,450,production,2026-06-30,1,0,,2024-01-01,,"
         "园区管委会楼宇台账,2026-06-30\n";
}

int64_t BuildingImportReport::skipped() const {
  if (!committed) {
    return 0;
  }
  std::set<int64_t> rows_with_errors;
  for (const RowError& e : errors) {
    rows_with_errors.insert(e.row);
  }
  return static_cast<int64_t>(rows_with_errors.size());
}

std::string BuildingImportReport::ToJson() const {
  std::string errs = "[";
  for (size_t i = 0; i < errors.size(); ++i) {
    errs += (i ? "," : "") + errors[i].ToJson();
  }
  errs += "]";
  return Payload()
      .Str("kind", "buildings")
      .Int("rows", rows)
      .Int("imported", buildings + units + observations)
      .Int("buildings", buildings)
      .Int("units", units)
      .Int("observations", observations)
      .Raw("committed", committed ? "true" : "false")
      .Int("skipped", skipped())
      .Int("event_seq", event_seq)
      .Raw("errors", errs)
      .Done();
}

ImportReport ToImportReport(const BuildingImportReport& r) {
  ImportReport out;
  out.rows = r.rows;
  out.imported = r.buildings + r.units + r.observations;
  out.buildings = r.buildings;
  out.units = r.units;
  out.observations = r.observations;
  out.committed = r.committed;
  out.errors = r.errors;
  out.event_seq = r.event_seq;
  return out;
}

BuildingImportReport ToBuildingImportReport(const ImportReport& r) {
  BuildingImportReport out;
  out.rows = r.rows;
  out.buildings = r.buildings;
  out.units = r.units;
  out.observations = r.observations;
  out.committed = r.committed;
  out.errors = r.errors;
  out.event_seq = r.event_seq;
  return out;
}

Result<BuildingImportReport> ImportBuildings(ChainService& service, const Caller& caller,
                                             std::string_view bytes, const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Forbidden();
  }
  table::Table t;
  if (table::LooksLikeXlsx(bytes)) {
    KECHAN_ASSIGN_OR_RETURN(t, table::ReadXlsx(bytes));
  } else {
    KECHAN_ASSIGN_OR_RETURN(t, table::ReadCsv(bytes));
  }
  return ImportBuildingsTable(service, caller, t, options);
}

Result<ImportReport> ImportBuildingsAsReport(ChainService& service, const Caller& caller,
                                             const table::Table& t, const ImportOptions& options) {
  KECHAN_ASSIGN_OR_RETURN(BuildingImportReport r,
                          ImportBuildingsTable(service, caller, t, options));
  return ToImportReport(r);
}

Result<BuildingImportReport> ImportBuildingsTable(ChainService& service, const Caller& caller,
                                                  const table::Table& t,
                                                  const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Forbidden();
  }
  if (t.header.empty()) {
    return base::InvalidArgument("header", "csv.no_header",
                                 "the file is empty: expected a header row",
                                 "文件为空：缺少表头行");
  }
  std::map<std::string, size_t> col;
  const auto& known = BuildingImportColumns();
  for (size_t i = 0; i < t.header.size(); ++i) {
    const std::string name = Trim(t.header[i]);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return base::InvalidArgument(name.empty() ? "header" : name, "csv.unknown_column",
                                   "unknown column \"" + name + "\" in the header",
                                   "表头中有未知列“" + name + "”");
    }
    if (!col.emplace(name, i).second) {
      return base::InvalidArgument(name, "csv.duplicate_column",
                                   "column \"" + name + "\" appears twice in the header",
                                   "表头中“" + name + "”列重复");
    }
  }
  for (const char* r : {"park", "building"}) {
    if (!col.count(r)) {
      return base::InvalidArgument(r, "csv.missing_column",
                                   "the header has no \"" + std::string(r) + "\" column",
                                   "表头缺少“" + std::string(r) + "”列");
    }
  }

  BuildingImportReport report;
  report.rows = static_cast<int64_t>(t.rows.size());
  const base::Clock& clock = service.clock();
  KECHAN_ASSIGN_OR_RETURN(auto tx, service.db().Begin(store::TxKind::kWrite));

  std::unordered_map<std::string, ParkId> parks;
  {
    KECHAN_ASSIGN_OR_RETURN(std::vector<Park> list, repo::ListParks(*tx));
    for (const Park& p : list) {
      parks[p.name] = p.id;
    }
  }
  // Stored records and those of good rows (to be written).
  std::map<BuildingKey, BuildingPlan> buildings;
  std::map<UnitKey, UnitPlan> units;
  std::set<ObservationKey> observed;
  // Buildings and units that only a bad row defines, with that row: later rows naming them are
  // orphans (rather than "floors required").
  std::map<BuildingKey, int64_t> rejected_buildings;
  std::map<UnitKey, int64_t> rejected_units;
  std::set<int64_t> loaded_parks;
  std::map<std::string, std::optional<EnterpriseId>> firms;  // by USCC
  std::vector<BuildingKey> new_buildings;
  std::vector<UnitKey> new_units;
  std::vector<ObservationPlan> observations;

  // Loads what a park already has, once.
  auto load_park = [&](ParkId park) -> Status {
    if (!loaded_parks.insert(park.value).second) {
      return Status::Ok();
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Building> bs, repo::ListBuildings(*tx, park));
    std::map<int64_t, BuildingKey> by_id;
    for (Building& b : bs) {
      BuildingKey key{park.value, b.name};
      by_id[b.id.value] = key;
      buildings[key] = BuildingPlan{.stored = true, .building = std::move(b)};
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Unit> us, repo::ListUnitsOfPark(*tx, park));
    std::map<int64_t, UnitKey> unit_keys;
    for (Unit& u : us) {
      auto b = by_id.find(u.building_id.value);
      if (b == by_id.end()) {
        continue;
      }
      buildings[b->second].unit_area += u.area_m2;
      UnitKey key{b->second, u.code};
      unit_keys[u.id.value] = key;
      units[key] = UnitPlan{.stored = true, .building = b->second, .unit = std::move(u)};
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<UnitObservation> os,
                            repo::ListUnitObservationsOfPark(*tx, park));
    for (const UnitObservation& o : os) {
      if (auto k = unit_keys.find(o.unit_id.value); k != unit_keys.end()) {
        observed.insert({k->second, o.date.ToString()});
      }
    }
    return Status::Ok();
  };

  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& fields = t.rows[r];
    const int64_t row = r < t.row_numbers.size() ? t.row_numbers[r] : static_cast<int64_t>(r) + 2;
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() || it->second >= fields.size() ? std::string()
                                                            : Trim(fields[it->second]);
    };
    std::vector<Bad> bad;
    // Park and building.
    const std::string park_name = get("park");
    const std::string building_name = get("building");
    std::optional<ParkId> park;
    if (park_name.empty()) {
      bad.push_back(Required("park"));
    } else if (auto it = parks.find(park_name); it == parks.end()) {
      bad.push_back(Bad{"park", "unknown_park", "no park named \"" + park_name + "\"",
                        "不存在名为“" + park_name + "”的园区"});
    } else {
      park = it->second;
      KECHAN_RETURN_IF_ERROR(load_park(*park));
    }
    if (building_name.empty()) {
      bad.push_back(Required("building"));
    }
    // The row's building: stored or planned (`known`), or new in this row (`fresh`).
    const Building* building = nullptr;
    double unit_area = 0;  // of the building's units so far
    bool known_building = false;
    std::optional<Building> fresh_building;
    BuildingKey bkey;
    if (park && !building_name.empty()) {
      bkey = {park->value, building_name};
      const std::string floors = get("floors");
      const std::string area = get("floor_area_m2");
      auto rejected = rejected_buildings.find(bkey);
      if (auto it = buildings.find(bkey); it != buildings.end()) {
        known_building = true;
        building = &it->second.building;
        unit_area = it->second.unit_area;
      } else if (rejected != rejected_buildings.end() && floors.empty() && area.empty()) {
        const std::string n = std::to_string(rejected->second);
        bad.push_back(Bad{"building", "orphan",
                          base::StrCat("building ", building_name, " is defined on row ", n,
                                       ", which has errors"),
                          base::StrCat("楼栋 ", building_name, " 在第 ", n, " 行定义，该行有误")});
      } else {
        // A new building: floors and floor area are required.
        Building b;
        b.park_id = *park;
        b.name = building_name;
        b.provenance.source = options.source;
        b.provenance.source_date = options.source_date;
        const size_t before = bad.size();
        // The building's validity and provenance (cells empty: always valid, the import's
        // source).
        auto date_cell = [&](const char* column) -> std::optional<base::Date> {
          const std::string text = get(column);
          if (text.empty()) {
            return std::nullopt;
          }
          auto d = base::Date::Parse(text, column);
          if (!d.ok()) {
            bad.push_back(
                Bad{column, "bad_date", d.status().message_en(), d.status().message_zh()});
            return std::nullopt;
          }
          return *d;
        };
        if (auto d = date_cell("valid_from")) {
          b.validity.valid_from = *d;
        }
        b.validity.valid_to = date_cell("valid_to");
        if (const std::string source = get("source"); !source.empty()) {
          b.provenance.source = source;
        }
        if (auto d = date_cell("source_date")) {
          b.provenance.source_date = d;
        }
        if (bad.size() == before && b.validity.valid_to &&
            *b.validity.valid_to < b.validity.valid_from) {
          bad.push_back(Bad{"valid_to", "dates_out_of_order",
                            "valid_to (" + b.validity.valid_to->ToString() +
                                ") is before valid_from (" + b.validity.valid_from.ToString() + ")",
                            "valid_to（" + b.validity.valid_to->ToString() + "）早于 valid_from（" +
                                b.validity.valid_from.ToString() + "）"});
        }
        if (floors.empty()) {
          bad.push_back(Required("floors"));
        } else if (auto n = ParseInt(floors); !n) {
          bad.push_back(internal::BadNumber("floors", floors));
        } else if (*n < 1 || *n > 500) {
          bad.push_back(OutOfRange("floors", "floors must be 1-500", "层数须为 1-500"));
        } else {
          b.floors = static_cast<int>(*n);
        }
        if (area.empty()) {
          bad.push_back(Required("floor_area_m2"));
        } else if (auto a = ParseReal(area); !a) {
          bad.push_back(internal::BadNumber("floor_area_m2", area));
        } else if (*a <= 0) {
          bad.push_back(
              OutOfRange("floor_area_m2", "floor_area_m2 must be above 0", "建筑面积须大于 0"));
        } else {
          b.floor_area_m2 = *a;
        }
        if (bad.size() == before) {
          if (Status s = ValidateBuilding(b); !s.ok()) {
            bad.push_back(Bad{s.field().empty() ? "building" : s.field(), "bad_value",
                              s.message_en(), s.message_zh()});
          } else {
            fresh_building = std::move(b);
            building = &*fresh_building;
          }
        }
      }
    }

    // Unit: stored or planned, or new in this row.
    const std::string unit_code = get("unit");
    bool has_unit = false;
    bool known_unit = false;
    std::optional<Unit> fresh_unit;
    UnitKey ukey;
    if (!unit_code.empty() && building != nullptr) {
      ukey = {bkey, unit_code};
      const std::string floor = get("floor");
      const std::string area = get("area_m2");
      auto rejected = rejected_units.find(ukey);
      if (units.count(ukey)) {
        known_unit = has_unit = true;
      } else if (rejected != rejected_units.end() && floor.empty() && area.empty()) {
        const std::string n = std::to_string(rejected->second);
        bad.push_back(
            Bad{"unit", "orphan",
                base::StrCat("unit ", unit_code, " is defined on row ", n, ", which has errors"),
                base::StrCat("单元 ", unit_code, " 在第 ", n, " 行定义，该行有误")});
      } else {
        Unit u;
        u.code = unit_code;
        const std::string use = get("use");
        const size_t before = bad.size();
        if (floor.empty()) {
          bad.push_back(Required("floor"));
        } else if (auto n = ParseInt(floor); !n) {
          bad.push_back(internal::BadNumber("floor", floor));
        } else if (*n < 1 || *n > building->floors) {
          bad.push_back(OutOfRange(
              "floor", "floor " + floor + " is outside 1-" + std::to_string(building->floors),
              "楼层 " + floor + " 超出 1-" + std::to_string(building->floors)));
        } else {
          u.floor = static_cast<int>(*n);
        }
        if (area.empty()) {
          bad.push_back(Required("area_m2"));
        } else if (auto a = ParseReal(area); !a) {
          bad.push_back(internal::BadNumber("area_m2", area));
        } else if (*a <= 0) {
          bad.push_back(OutOfRange("area_m2", "area_m2 must be above 0", "面积须大于 0"));
        } else if (unit_area + *a > building->floor_area_m2 + 1e-6) {
          bad.push_back(Bad{"area_m2", "above_100",
                            "the units' area would exceed the building's floor area (occupancy "
                            "above 100%)",
                            "单元面积合计将超过楼栋建筑面积（使用率超过 100%）"});
        } else {
          u.area_m2 = *a;
        }
        if (!use.empty()) {
          if (auto parsed = ParseUnitUse(use, "use"); parsed.ok()) {
            u.use = *parsed;
          } else {
            bad.push_back(internal::BadValue("use", parsed.status()));
          }
        }
        if (bad.size() == before) {
          fresh_unit = std::move(u);
          has_unit = true;
        }
      }
    }

    // Observation.
    const std::string date = get("date");
    std::optional<UnitObservation> fresh_observation;
    if (!date.empty()) {
      UnitObservation o;
      const size_t before = bad.size();
      auto parsed = base::Date::Parse(date, "date");
      if (!parsed.ok()) {
        bad.push_back(
            Bad{"date", "bad_date", parsed.status().message_en(), parsed.status().message_zh()});
      } else {
        o.date = *parsed;
      }
      auto occupied = ParseBool(get("occupied"));
      auto producing = ParseBool(get("producing"));
      if (!occupied) {
        bad.push_back(Bad{"occupied", "bad_value", "occupied must be 1/0, 是/否 or true/false",
                          "occupied 须为 1/0、是/否或 true/false"});
      }
      if (!producing) {
        bad.push_back(Bad{"producing", "bad_value", "producing must be 1/0, 是/否 or true/false",
                          "producing 须为 1/0、是/否或 true/false"});
      }
      o.occupied = occupied.value_or(false);
      o.producing = producing.value_or(false);
      if (const std::string uscc = get("uscc"); !uscc.empty()) {
        auto found = firms.find(uscc);
        if (found == firms.end()) {
          KECHAN_ASSIGN_OR_RETURN(auto id, repo::FindEnterpriseIdByUscc(*tx, uscc));
          found = firms.emplace(uscc, id).first;
        }
        if (!found->second) {
          bad.push_back(Bad{"uscc", "unknown_enterprise", "no enterprise with USCC " + uscc,
                            "不存在统一社会信用代码为 " + uscc + " 的企业"});
        } else {
          o.enterprise_id = found->second;
        }
      }
      if (unit_code.empty()) {
        bad.push_back(
            Bad{"unit", "unit_required", "an observation needs a unit", "登记入驻情况须填写单元"});
      }
      if (bad.size() == before) {
        if (Status s = ValidateUnitObservation(o); !s.ok()) {
          bad.push_back(Bad{s.field().empty() ? "occupied" : s.field(), "bad_value", s.message_en(),
                            s.message_zh()});
        }
      }
      if (bad.size() == before && has_unit) {
        if (observed.count({ukey, o.date.ToString()})) {
          bad.push_back(
              Bad{"date", "duplicate",
                  base::StrCat("unit ", unit_code, " already has an observation on ", date),
                  base::StrCat("单元 ", unit_code, " 在 ", date, " 已有登记")});
        } else {
          fresh_observation = o;
        }
      }
    }

    if (bad.empty()) {
      // A good row: its new records join the plan (later rows see them).
      if (fresh_building) {
        buildings[bkey] = BuildingPlan{.building = std::move(*fresh_building)};
        new_buildings.push_back(bkey);
      }
      if (fresh_unit) {
        buildings.at(bkey).unit_area += fresh_unit->area_m2;
        units[ukey] = UnitPlan{.building = bkey, .unit = std::move(*fresh_unit)};
        new_units.push_back(ukey);
      }
      if (fresh_observation) {
        observed.insert({ukey, fresh_observation->date.ToString()});
        observations.push_back(ObservationPlan{.unit = ukey, .observation = *fresh_observation});
      }
    } else {
      if (park && !building_name.empty() && !known_building) {
        rejected_buildings.emplace(bkey, row);
      }
      if (building != nullptr && !unit_code.empty() && !known_unit) {
        rejected_units.emplace(ukey, row);
      }
    }
    for (Bad& b : bad) {
      report.errors.push_back(RowError{.row = row,
                                       .column = std::move(b.column),
                                       .reason = std::move(b.reason),
                                       .message_en = std::move(b.en),
                                       .message_zh = std::move(b.zh)});
    }
    if (options.progress && ((r + 1) % 1000 == 0 || r + 1 == t.rows.size())) {
      options.progress("reading", static_cast<int64_t>(r + 1), report.rows);
    }
  }
  const bool nothing = new_buildings.empty() && new_units.empty() && observations.empty();
  if ((!report.errors.empty() && (!options.skip_bad || nothing)) || t.rows.empty()) {
    return report;  // all or nothing: the transaction rolls back unused
  }

  // Write.
  const int64_t now = clock.NowMicros();
  const int64_t total =
      static_cast<int64_t>(new_buildings.size() + new_units.size() + observations.size());
  int64_t done = 0;
  auto step = [&] {
    ++done;
    if (options.progress && (done % 1000 == 0 || done == total)) {
      options.progress("writing", done, total);
    }
  };
  std::vector<int64_t> building_ids;
  std::vector<int64_t> unit_ids;
  std::vector<int64_t> observation_ids;
  for (const BuildingKey& key : new_buildings) {
    BuildingPlan& plan = buildings.at(key);
    KECHAN_ASSIGN_OR_RETURN(plan.building.id, repo::InsertBuilding(*tx, plan.building, now));
    building_ids.push_back(plan.building.id.value);
    step();
  }
  for (const UnitKey& key : new_units) {
    UnitPlan& plan = units.at(key);
    plan.unit.building_id = buildings.at(plan.building).building.id;
    KECHAN_ASSIGN_OR_RETURN(plan.unit.id, repo::InsertUnit(*tx, plan.unit, now));
    unit_ids.push_back(plan.unit.id.value);
    step();
  }
  for (ObservationPlan& plan : observations) {
    plan.observation.unit_id = units.at(plan.unit).unit.id;
    KECHAN_ASSIGN_OR_RETURN(UnitObservationId id,
                            repo::InsertUnitObservation(*tx, plan.observation, now));
    observation_ids.push_back(id.value);
    step();
  }
  report.buildings = static_cast<int64_t>(building_ids.size());
  report.units = static_cast<int64_t>(unit_ids.size());
  report.observations = static_cast<int64_t>(observation_ids.size());
  std::set<int64_t> bad_rows;
  for (const RowError& e : report.errors) {
    bad_rows.insert(e.row);
  }
  const auto skipped = static_cast<int64_t>(bad_rows.size());
  KECHAN_ASSIGN_OR_RETURN(
      report.event_seq,
      store::AppendEvent(
          *tx,
          store::EventDraft{
              .kind = "chain.buildings.imported",
              .entity = "import",
              .entity_id = options.source.empty() ? std::string("buildings") : options.source,
              .actor = caller.actor,
              .payload = Payload()
                             .Int("rows", report.rows)
                             .Int("skipped", skipped)
                             .Raw("buildings", internal::IdRuns(building_ids))
                             .Raw("units", internal::IdRuns(unit_ids))
                             .Raw("observations", internal::IdRuns(observation_ids))
                             .Done()},
          clock));
  KECHAN_RETURN_IF_ERROR(tx->Commit());
  report.committed = true;
  return report;
}

int RunImportBuildingsCommand(const std::vector<std::string>& args, std::ostream& out,
                              std::ostream& err, const ServiceOpener& open) {
  static const char* kUsage =
      "usage: kechan import buildings FILE (--data DIR | --db URL) [--skip-bad] [--source TEXT]\n"
      "       kechan import buildings --template\n"
      "Buildings, units and unit observations of parks from a UTF-8 CSV file or the first sheet\n"
      "of an .xlsx workbook (columns: see --template and docs/chain.md). All or nothing unless\n"
      "--skip-bad; every bad row is reported as {\"row\":N,\"column\":..,\"reason\":..}.\n"
      "导入园区楼栋、单元及入驻投产登记；默认全部校验通过才写入，--skip-bad 跳过错误行。\n";
  const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  auto parsed =
      base::ParseArgs(rest, {"source"}, {"template", "skip-bad"}, base::UnknownFlags::kPassThrough);
  if (!parsed.ok()) {
    return base::ReportError(parsed.status(), err);
  }
  if (parsed->help) {
    out << kUsage;
    return base::kExitOk;
  }
  if (parsed->switches.count("template")) {
    out << BuildingImportTemplate();
    return base::kExitOk;
  }
  if (parsed->positional.size() != 1) {
    err << kUsage;
    return base::ReportError(
        base::InvalidArgument("FILE", "cli.usage", "import buildings needs exactly one FILE",
                              "import buildings 需要且只需要一个文件"),
        err);
  }
  const std::string& path = parsed->positional[0];
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return base::ReportError(
        base::InvalidArgument("FILE", "cli.file", "cannot read " + path, "无法读取文件 " + path),
        err);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto service = open(parsed->passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  ImportOptions options;
  options.skip_bad = parsed->switches.count("skip-bad") > 0;
  if (auto it = parsed->flags.find("source"); it != parsed->flags.end()) {
    options.source = it->second;
  } else {
    const auto slash = path.find_last_of('/');
    options.source = "import:" + (slash == std::string::npos ? path : path.substr(slash + 1));
  }
  auto report = ImportBuildings(**service, Caller::System("cli"), buf.str(), options);
  if (!report.ok()) {
    return base::ReportError(report.status(), err);
  }
  for (const RowError& e : report->errors) {
    err << e.ToJson() << "\n";
  }
  out << report->ToJson() << "\n";
  if (!report->committed && !report->errors.empty()) {
    err << "error: " << report->errors.size()
        << " bad row(s); nothing was imported (use --skip-bad to import the rest)\n"
        << "错误：" << report->errors.size()
        << " 行有误，未导入任何数据（可用 --skip-bad 跳过错误行）\n";
    return base::kExitUsage;
  }
  return base::kExitOk;
}

}  // namespace kechan::chain
