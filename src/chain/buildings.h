// A park's building register read whole (for export) and its monthly occupancy series: the
// unit-based rates of the park and of each building at every month end of a range, computed in
// one pass over the unit observations (issue 3, buildings and units).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/calendar.h"
#include "base/result.h"
#include "chain/model.h"
#include "chain/service.h"

namespace kechan::chain {

// A calendar month. Value type.
struct Month {
  int year = 1970;
  int month = 1;  // 1..12

  // Parses exactly "YYYY-MM" (month 01..12). Errors: InvalidArgument naming `field`
  // ("month.format").
  static base::Result<Month> Parse(std::string_view text, std::string_view field);
  static Month Of(base::Date d) { return Month{d.year(), d.month()}; }
  std::string ToString() const;  // "YYYY-MM"
  base::Date End() const;        // the month's last day
  int64_t Index() const { return int64_t{year} * 12 + (month - 1); }
  Month Plus(int64_t months) const;  // `months` later (earlier when negative)
};

// The month range of a series request. `from_text` / `to_text` empty: to = the month of `today`,
// from = 23 months before `to` (24 months). Errors (InvalidArgument, zh and en): "from" / "to"
// not a month ("month.format"); "to" before "from" ("chain.range_order"); more than kMaxMonths
// months ("from", "series.too_long").
constexpr int64_t kMaxSeriesMonths = 120;
struct MonthRange {
  Month from;
  Month to;
};
base::Result<MonthRange> ParseMonthRange(std::string_view from_text, std::string_view to_text,
                                         base::Date today);

// One building's rates at each date of a series (same order as ParkSeries::dates). A building
// not valid on a date has no units then (UnitRates with zeros and no rates).
struct BuildingSeries {
  Building building;
  std::vector<UnitRates> rates;
};

// A park's monthly series. Value type.
struct ParkSeries {
  ParkId park_id;
  MonthRange range;
  std::vector<base::Date> dates;            // each month's last day, oldest first
  std::vector<UnitRates> park;              // the park's unit-based rates on each date
  std::vector<std::optional<double>> land;  // land rate of the park's latest occupancy
                                            // observation on or before each date
  std::vector<BuildingSeries> buildings;    // every building of the park, by id
};

// Pure. The unit-based rates on each of `dates` (ascending) for the park (as UnitRatesOf) and
// each building (as UnitRatesOf of that building alone), in one pass over the observations
// sorted by (date, id): each date sees every unit's latest observation on or before it.
// `out->park` and `out->buildings` are filled; equal to calling UnitRatesOf per date.
void UnitRateSeries(const std::vector<Building>& buildings, const std::vector<Unit>& units,
                    const std::vector<UnitObservation>& obs, const std::vector<base::Date>& dates,
                    ParkSeries* out);

// Everyone (aggregates only). Reads the park's buildings, units, unit observations and
// occupancy observations once (one read transaction). Errors: NotFound "id" for an unknown
// park.
base::Result<ParkSeries> OccupancySeriesOf(ChainService& service, const Caller& caller, ParkId park,
                                           MonthRange range);

// A park's whole building register: every building (whatever its validity), unit and unit
// observation, by id (observations by unit, date, id), and the occupants' USCCs (only for
// callers who see details; otherwise the observations' enterprise ids are cleared). Value type.
struct ParkRegister {
  Park park;
  std::vector<Building> buildings;
  std::vector<Unit> units;
  std::vector<UnitObservation> observations;
  std::map<EnterpriseId, std::string> usccs;
};
// Everyone. Errors: NotFound "id" for an unknown park.
base::Result<ParkRegister> LoadParkRegister(ChainService& service, const Caller& caller,
                                            ParkId park);

}  // namespace kechan::chain
