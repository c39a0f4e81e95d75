// A park's building register and monthly occupancy series (see buildings.h).
#include "chain/buildings.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <utility>

#include "chain/repo.h"
#include "store/database.h"

namespace kechan::chain {
namespace {

using base::Result;
using base::Status;

base::Status MonthFormat(std::string_view field) {
  return base::InvalidArgument(std::string(field), "month.format",
                               std::string(field) + " must be a month YYYY-MM, e.g. 2026-03",
                               std::string(field) + " 须为 YYYY-MM 格式的月份，如 2026-03");
}

Status ParkNotFound(ParkId park) {
  return base::NotFound("chain.not_found", "park " + park.ToString() + " does not exist",
                        "园区 " + park.ToString() + " 不存在", "id");
}

// Adds unit `u`'s area and state to `r` (as UnitRatesOf counts it).
void Count(UnitRates& r, const Unit& u, const UnitObservation* o) {
  ++r.units;
  r.total_area_m2 += u.area_m2;
  if (o != nullptr && o->occupied) {
    ++r.occupied_units;
    r.occupied_area_m2 += u.area_m2;
    if (o->producing) {
      ++r.producing_units;
      r.producing_area_m2 += u.area_m2;
    }
  }
}

void Finish(UnitRates& r) {
  if (r.total_area_m2 > 0) {
    r.floor_occupancy = r.occupied_area_m2 / r.total_area_m2;
  }
  if (r.occupied_area_m2 > 0) {
    r.production_rate = r.producing_area_m2 / r.occupied_area_m2;
  }
}

}  // namespace

Result<Month> Month::Parse(std::string_view text, std::string_view field) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 7 || text[4] != '-' || !digit(0) || !digit(1) || !digit(2) || !digit(3) ||
      !digit(5) || !digit(6)) {
    return MonthFormat(field);
  }
  Month m;
  m.year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  m.month = (text[5] - '0') * 10 + (text[6] - '0');
  if (m.year < 1900 || m.month < 1 || m.month > 12) {
    return MonthFormat(field);
  }
  return m;
}

std::string Month::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

base::Date Month::End() const {
  return base::Date::FromYmd(year, month, base::DaysInMonth(year, month)).value();
}

Month Month::Plus(int64_t months) const {
  const int64_t i = Index() + months;
  return Month{static_cast<int>(i / 12), static_cast<int>(i % 12) + 1};
}

Result<MonthRange> ParseMonthRange(std::string_view from_text, std::string_view to_text,
                                   base::Date today) {
  MonthRange r;
  r.to = Month::Of(today);
  if (!to_text.empty()) {
    KECHAN_ASSIGN_OR_RETURN(r.to, Month::Parse(to_text, "to"));
  }
  r.from = r.to.Plus(-23);
  if (!from_text.empty()) {
    KECHAN_ASSIGN_OR_RETURN(r.from, Month::Parse(from_text, "from"));
  }
  if (r.to.Index() < r.from.Index()) {
    return base::InvalidArgument(
        "to", "chain.range_order",
        "to (" + r.to.ToString() + ") is before from (" + r.from.ToString() + ")",
        "结束月份 " + r.to.ToString() + " 早于开始月份 " + r.from.ToString());
  }
  if (r.to.Index() - r.from.Index() + 1 > kMaxSeriesMonths) {
    const std::string n = std::to_string(kMaxSeriesMonths);
    return base::InvalidArgument("from", "series.too_long",
                                 "a series spans at most " + n + " months",
                                 "时间序列最多 " + n + " 个月");
  }
  return r;
}

void UnitRateSeries(const std::vector<Building>& buildings, const std::vector<Unit>& units,
                    const std::vector<UnitObservation>& obs, const std::vector<base::Date>& dates,
                    ParkSeries* out) {
  out->park.assign(dates.size(), UnitRates{});
  out->buildings.clear();
  std::unordered_map<BuildingId, size_t> index;
  for (const Building& b : buildings) {
    index[b.id] = out->buildings.size();
    out->buildings.push_back(BuildingSeries{.building = b, .rates = {}});
    out->buildings.back().rates.assign(dates.size(), UnitRates{});
  }
  // The units of known buildings, with their building's slot.
  std::vector<std::pair<const Unit*, size_t>> members;
  std::unordered_map<UnitId, size_t> slot;  // unit id -> index in `latest`
  for (const Unit& u : units) {
    auto it = index.find(u.building_id);
    if (it == index.end()) {
      continue;
    }
    slot[u.id] = members.size();
    members.emplace_back(&u, it->second);
  }
  std::vector<const UnitObservation*> sorted;
  sorted.reserve(obs.size());
  for (const UnitObservation& o : obs) {
    if (slot.count(o.unit_id)) {
      sorted.push_back(&o);
    }
  }
  std::sort(sorted.begin(), sorted.end(), [](const UnitObservation* a, const UnitObservation* b) {
    return a->date != b->date ? a->date < b->date : a->id < b->id;
  });
  std::vector<const UnitObservation*> latest(members.size(), nullptr);
  size_t next = 0;
  for (size_t d = 0; d < dates.size(); ++d) {
    const base::Date date = dates[d];
    // Later (date, id) replaces earlier: the latest on or before `date`, ties by the higher id.
    for (; next < sorted.size() && !(date < sorted[next]->date); ++next) {
      latest[slot[sorted[next]->unit_id]] = sorted[next];
    }
    UnitRates& park = out->park[d];
    park.as_of = date;
    for (BuildingSeries& b : out->buildings) {
      b.rates[d].as_of = date;
    }
    for (size_t m = 0; m < members.size(); ++m) {
      BuildingSeries& b = out->buildings[members[m].second];
      if (!IsValidOn(b.building.validity, date)) {
        continue;
      }
      Count(park, *members[m].first, latest[m]);
      Count(b.rates[d], *members[m].first, latest[m]);
    }
    Finish(park);
    for (BuildingSeries& b : out->buildings) {
      Finish(b.rates[d]);
    }
  }
}

Result<ParkSeries> OccupancySeriesOf(ChainService& service, const Caller& caller, ParkId park,
                                     MonthRange range) {
  (void)caller;  // aggregates: everyone
  ParkSeries out;
  out.park_id = park;
  out.range = range;
  for (int64_t i = range.from.Index(); i <= range.to.Index(); ++i) {
    out.dates.push_back(range.from.Plus(i - range.from.Index()).End());
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, service.db().Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(std::optional<Park> p, repo::FindPark(*tx, park));
  if (!p) {
    return ParkNotFound(park);
  }
  KECHAN_ASSIGN_OR_RETURN(auto buildings, repo::ListBuildings(*tx, park));
  KECHAN_ASSIGN_OR_RETURN(auto units, repo::ListUnitsOfPark(*tx, park));
  KECHAN_ASSIGN_OR_RETURN(auto obs, repo::ListUnitObservationsOfPark(*tx, park));
  KECHAN_ASSIGN_OR_RETURN(auto park_obs, repo::ListObservations(*tx, park));
  UnitRateSeries(buildings, units, obs, out.dates, &out);
  // The park's own observations (land), by date: a sweep like the units'.
  std::vector<const OccupancyObservation*> sorted;
  sorted.reserve(park_obs.size());
  for (const OccupancyObservation& o : park_obs) {
    sorted.push_back(&o);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const OccupancyObservation* a, const OccupancyObservation* b) {
              return a->date != b->date ? a->date < b->date : a->id < b->id;
            });
  const OccupancyObservation* latest = nullptr;
  size_t next = 0;
  for (const base::Date date : out.dates) {
    for (; next < sorted.size() && !(date < sorted[next]->date); ++next) {
      latest = sorted[next];
    }
    out.land.push_back(latest == nullptr ? std::nullopt : RatesOf(*latest).land);
  }
  return out;
}

Result<ParkRegister> LoadParkRegister(ChainService& service, const Caller& caller, ParkId park) {
  ParkRegister out;
  KECHAN_ASSIGN_OR_RETURN(auto tx, service.db().Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(std::optional<Park> p, repo::FindPark(*tx, park));
  if (!p) {
    return ParkNotFound(park);
  }
  out.park = std::move(*p);
  KECHAN_ASSIGN_OR_RETURN(out.buildings, repo::ListBuildings(*tx, park));
  KECHAN_ASSIGN_OR_RETURN(out.units, repo::ListUnitsOfPark(*tx, park));
  KECHAN_ASSIGN_OR_RETURN(out.observations, repo::ListUnitObservationsOfPark(*tx, park));
  if (!caller.CanSeeDetails()) {
    for (UnitObservation& o : out.observations) {
      o.enterprise_id.reset();
    }
    return out;
  }
  std::vector<EnterpriseId> ids;
  for (const UnitObservation& o : out.observations) {
    if (o.enterprise_id) {
      ids.push_back(*o.enterprise_id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (!ids.empty()) {
    KECHAN_ASSIGN_OR_RETURN(std::vector<Enterprise> firms,
                            repo::ListEnterprisesByIds(*tx, std::move(ids)));
    for (const Enterprise& e : firms) {
      out.usccs[e.id] = e.uscc;
    }
  }
  return out;
}

}  // namespace kechan::chain
