// The appeals metrics: facts rows (metrics.h) and AppealService::Metrics / Hotspots / GroupLabel,
// which read them.
#include "appeals/metrics.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "appeals/service.h"
#include "flow/appeal_spec.h"

namespace kechan::appeals {

using base::Micros;
using base::Result;
using base::Status;
using store::Tx;
using store::Value;

namespace {

constexpr Micros kHour = 3'600'000'000LL;
constexpr int64_t kField = (int64_t{1} << 18) - 1;

std::optional<int64_t> OptInt(const store::Row& r, size_t i) {
  if (r.IsNull(i)) {
    return std::nullopt;
  }
  return r.Int(i);
}

Value V(const std::optional<int64_t>& v) {
  Value out = nullptr;
  if (v.has_value()) {
    out = Value(int64_t{v.value()});
  }
  return out;
}

std::optional<int64_t> ParseId(std::string_view s) {
  auto ids = SplitIds(s);
  if (!ids || ids->size() != 1) {
    return std::nullopt;
  }
  return (*ids)[0];
}

std::string OrgName(Tx& tx, int64_t id) {
  auto rows = tx.Query("SELECT name FROM orgs WHERE id = ?", {id});
  if (!rows.ok() || rows->empty()) {
    return "";
  }
  return rows->rows[0].Text(0);
}

double Hours(Micros us) { return static_cast<double>(us) / static_cast<double>(kHour); }

// Computes the facts of the appeals `a` selected by `where` (over "appeals a", with `params`).
Result<std::vector<AppealFacts>> ComputeFacts(Tx& tx, const std::string& where,
                                              const std::vector<Value>& params,
                                              const base::BusinessCalendar& cal) {
  KECHAN_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT a.id, a.created_at, a.state, a.lead_unit, a.chain_id, a.district, a.type, "
               "a.dispatched_at, a.signed_at, a.contacted_at, a.replied_at, a.response_on_time, "
               "a.resolution_on_time, a.rework_count, a.urge_count, a.closed_at FROM appeals a" +
                   where + " ORDER BY a.id",
               std::span<const Value>(params)));
  KECHAN_ASSIGN_OR_RETURN(
      auto visits,
      tx.Query("SELECT r.appeal_id, COUNT(*), COUNT(CASE WHEN r.resolved = 'yes' THEN 1 END), "
               "COUNT(CASE WHEN r.satisfaction IN ('satisfied', 'basically') THEN 1 END) FROM "
               "appeal_requesters r JOIN appeals a ON a.id = r.appeal_id" +
                   where + " AND r.visited = 1 GROUP BY r.appeal_id",
               std::span<const Value>(params)));
  std::vector<Value> hp = params;
  hp.emplace_back(std::string(flow::kAppealWaiting));
  hp.emplace_back(std::string(flow::kAppealResumed));
  KECHAN_ASSIGN_OR_RETURN(
      auto pauses,
      tx.Query("SELECT h.appeal_id, h.at, h.kind FROM appeal_history h JOIN appeals a ON a.id = "
               "h.appeal_id" +
                   where + " AND h.kind IN (?, ?) ORDER BY h.appeal_id, h.at, h.seq",
               std::span<const Value>(hp)));
  std::unordered_map<int64_t, std::array<int64_t, 3>> by_visit;
  for (const auto& r : visits.rows) {
    by_visit[r.Int(0)] = {r.Int(1), r.Int(2), r.Int(3)};
  }
  std::unordered_map<int64_t, std::vector<PauseEvent>> by_pause;
  for (const auto& r : pauses.rows) {
    by_pause[r.Int(0)].push_back({.at = r.Int(1), .kind = r.Text(2)});
  }
  std::vector<AppealFacts> out;
  out.reserve(rows.size());
  auto span = [&](std::optional<int64_t> from, std::optional<int64_t> to) -> std::optional<Micros> {
    if (!from || !to || *to < *from) {
      return std::nullopt;
    }
    return cal.WorkingTimeBetween(*from, *to);
  };
  for (const auto& r : rows.rows) {
    AppealFacts f;
    f.appeal_id = r.Int(0);
    f.created_at = r.Int(1);
    const std::string state = r.Text(2);
    f.counted = state != "merged" && state != "rejected";
    f.lead_unit = OptInt(r, 3);
    f.chain_id = OptInt(r, 4);
    f.district = r.Text(5);
    f.type = r.Text(6);
    const auto dispatched_at = OptInt(r, 7);
    f.dispatched = dispatched_at.has_value();
    if (f.dispatched) {
      f.responded_on_time = !r.IsNull(11) && r.Int(11) == 1;
      f.reworked = r.Int(13) > 0;
      f.urged = r.Int(14) > 0;
    }
    f.replied = !r.IsNull(10);
    f.replied_on_time = f.replied && !r.IsNull(12) && r.Int(12) == 1;
    f.closed = !r.IsNull(15);
    f.sign_for = span(dispatched_at, OptInt(r, 8));
    f.contact = span(dispatched_at, OptInt(r, 9));
    f.resolution = span(dispatched_at, OptInt(r, 10));
    if (f.resolution) {
      if (auto it = by_pause.find(f.appeal_id); it != by_pause.end()) {
        f.paused = PausedWorkingTime(it->second, *dispatched_at, r.Int(10), cal);
        f.resolution = std::max<Micros>(0, *f.resolution - f.paused);
      }
    }
    if (auto it = by_visit.find(f.appeal_id); it != by_visit.end()) {
      f.visits = it->second[0];
      f.resolved_yes = it->second[1];
      f.satisfied = it->second[2];
    }
    out.push_back(std::move(f));
  }
  return out;
}

// The counters of packed `bits` in appeal_fact_sums column order (kSumColumns).
std::array<int64_t, 11> Counters(int64_t b) {
  return {1,
          b & 1,
          (b >> 1) & 1,
          (b >> 2) & 1,
          (b >> 3) & 1,
          (b >> 4) & 1,
          (b >> 5) & 1,
          (b >> 6) & 1,
          (b >> 7) & kField,
          (b >> 25) & kField,
          (b >> 43) & kField};
}

constexpr const char* kSumColumns[] = {"appeals", "dispatched",   "responded_on_time", "reworked",
                                       "urged",   "replied",      "replied_on_time",   "closed",
                                       "visits",  "resolved_yes", "satisfied"};

// The dimension keys of a facts row, as appeal_fact_sums.group_key holds them.
std::array<std::string, 4> DimKeys(const std::optional<int64_t>& lead_unit,
                                   const std::optional<int64_t>& chain_id,
                                   const std::string& district, const std::string& type) {
  return {lead_unit ? std::to_string(*lead_unit) : std::string(),
          chain_id ? std::to_string(*chain_id) : std::string(), district, type};
}

constexpr const char* kDims[] = {"department", "chain", "district", "type"};

// Moves appeal_fact_sums from the appeal's previous facts row (if any) to `f`: only counted,
// computed rows (bits >= 0) are in the sums.
Status UpdateSums(Tx& tx, const AppealFacts& f, int64_t new_bits) {
  KECHAN_ASSIGN_OR_RETURN(
      auto old, tx.Query("SELECT created_day, counted, bits, lead_unit, chain_id, district, type "
                         "FROM appeal_facts WHERE appeal_id = ?",
                         {f.appeal_id}));
  std::map<std::tuple<int, std::string, std::string>, std::array<int64_t, 11>> delta;
  auto add = [&](const std::string& day, const std::array<std::string, 4>& keys, int64_t bits,
                 int64_t sign) {
    const auto c = Counters(bits);
    for (int d = 0; d < 4; ++d) {
      auto& acc = delta[{d, day, keys[static_cast<size_t>(d)]}];
      for (size_t i = 0; i < c.size(); ++i) {
        acc[i] += sign * c[i];
      }
    }
  };
  if (!old.empty()) {
    const auto& r = old.rows[0];
    if (r.Int(1) == 1 && r.Int(2) >= 0) {
      add(r.Text(0), DimKeys(OptInt(r, 3), OptInt(r, 4), r.Text(5), r.Text(6)), r.Int(2), -1);
    }
  }
  if (f.counted && new_bits >= 0) {
    add(base::LocalDateOf(f.created_at).ToString(),
        DimKeys(f.lead_unit, f.chain_id, f.district, f.type), new_bits, 1);
  }
  static const std::string kUpsert = [] {
    std::string cols, marks, sets;
    for (const char* c : kSumColumns) {
      cols += std::string(", ") + c;
      marks += ", ?";
      sets += std::string(sets.empty() ? "" : ", ") + c + " = appeal_fact_sums." + c +
              " + excluded." + c;
    }
    return "INSERT INTO appeal_fact_sums (dim, created_day, group_key" + cols +
           ") VALUES (?, ?, ?" + marks +
           ") ON CONFLICT (dim, created_day, group_key) DO UPDATE SET " + sets;
  }();
  for (const auto& [key, c] : delta) {
    if (std::all_of(c.begin(), c.end(), [](int64_t x) { return x == 0; })) {
      continue;
    }
    std::vector<Value> p = {std::string(kDims[std::get<0>(key)]), std::get<1>(key),
                            std::get<2>(key)};
    for (int64_t x : c) {
      p.emplace_back(x);
    }
    KECHAN_RETURN_IF_ERROR(tx.Exec(kUpsert, std::span<const Value>(p)).status());
  }
  return Status();
}

Status WriteFacts(Tx& tx, const AppealFacts& f, const std::string& tag) {
  const int64_t bits = PackFactBits(f);
  KECHAN_RETURN_IF_ERROR(UpdateSums(tx, f, bits));
  KECHAN_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM appeal_facts WHERE appeal_id = ?", {f.appeal_id}).status());
  return tx
      .Exec(
          "INSERT INTO appeal_facts (created_day, appeal_id, created_at, counted, lead_unit, "
          "chain_id, district, type, bits, sign_us, contact_us, resolution_us, paused_us, "
          "calendar_tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {base::LocalDateOf(f.created_at).ToString(), f.appeal_id, f.created_at,
           int64_t{f.counted ? 1 : 0}, V(f.lead_unit), V(f.chain_id), f.district, f.type, bits,
           V(f.sign_for), V(f.contact), V(f.resolution), f.paused, tag})
      .status();
}

void AddFacts(const AppealFacts& f, MetricRow& g, bool hours) {
  AddFactBits(PackFactBits(f), g);
  if (!hours) {
    return;
  }
  if (f.sign_for) {
    g.hours_to_sign_for.push_back(Hours(*f.sign_for));
  }
  if (f.contact) {
    g.hours_to_contact.push_back(Hours(*f.contact));
  }
  if (f.resolution) {
    g.hours_to_resolution.push_back(Hours(*f.resolution));
  }
}

// The grouping key of a creation day for by=period.
std::string PeriodKey(const std::string& day, const std::string& period) {
  if (period == "month") {
    return day.substr(0, 7);
  }
  auto d = base::Date::Parse(day);
  if (!d.ok()) {
    return day;
  }
  // ISO-like week start (Monday).
  return d->AddDays(1 - static_cast<int64_t>(d->weekday())).ToString();
}

std::string KeyOf(const AppealFacts& f, const MetricsQuery& q) {
  if (q.by == "department") {
    return f.lead_unit ? std::to_string(*f.lead_unit) : "none";
  }
  if (q.by == "chain") {
    return f.chain_id ? std::to_string(*f.chain_id) : "none";
  }
  if (q.by == "district") {
    return f.district.empty() ? "none" : f.district;
  }
  if (q.by == "type") {
    return f.type;
  }
  if (q.by == "period") {
    return PeriodKey(base::LocalDateOf(f.created_at).ToString(), q.period);
  }
  return "all";
}

}  // namespace

// ---- facts ------------------------------------------------------------------------------------

int64_t PackFactBits(const AppealFacts& f) {
  int64_t b = 0;
  b |= f.dispatched ? 1 : 0;
  b |= f.responded_on_time ? 2 : 0;
  b |= f.reworked ? 4 : 0;
  b |= f.urged ? 8 : 0;
  b |= f.replied ? 16 : 0;
  b |= f.replied_on_time ? 32 : 0;
  b |= f.closed ? 64 : 0;
  b |= std::clamp<int64_t>(f.visits, 0, kField) << 7;
  b |= std::clamp<int64_t>(f.resolved_yes, 0, kField) << 25;
  b |= std::clamp<int64_t>(f.satisfied, 0, kField) << 43;
  return b;
}

void AddFactBits(int64_t b, MetricRow& g) {
  ++g.appeals;
  g.dispatched += b & 1;
  g.responded_on_time += (b >> 1) & 1;
  g.reworked += (b >> 2) & 1;
  g.urged += (b >> 3) & 1;
  g.replied += (b >> 4) & 1;
  g.replied_on_time += (b >> 5) & 1;
  g.closed += (b >> 6) & 1;
  g.visits += (b >> 7) & kField;
  g.resolved_yes += (b >> 25) & kField;
  g.satisfied += (b >> 43) & kField;
}

std::string CalendarTag(const base::BusinessCalendar& cal) {
  // FNV-1a, 64 bit, over the office hours and every covered year's listed days.
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  mix(cal.office_hours().ToString());
  for (const auto& y : cal.CoveredYears()) {
    const base::HolidayYear* year = cal.Year(y.year);
    mix(std::to_string(y.year));
    if (year) {
      for (const auto& [date, day] : year->days) {
        mix(date.ToString());
        mix(day.kind == base::DayKind::kHoliday ? "h" : "w");
      }
    }
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Micros PausedWorkingTime(const std::vector<PauseEvent>& history, Micros from, Micros to,
                         const base::BusinessCalendar& cal) {
  // One pause rule for clocks and metrics: flow/sla's, with the appeal's pause/resume events.
  std::vector<flow::ClockEvent> events;
  events.reserve(history.size());
  int64_t seq = 0;
  for (const auto& e : history) {
    events.push_back({.at = e.at, .seq = seq++, .kind = e.kind, .fields = {}});
  }
  auto pauses = flow::PausesFromEvents(std::move(events), {std::string(flow::kAppealWaiting)},
                                       {std::string(flow::kAppealResumed)});
  if (pauses.empty() || to <= from) {
    return 0;
  }
  return cal.WorkingTimeBetween(from, to) - flow::WorkingTimeExcludingPauses(from, to, pauses, cal);
}

Result<AppealFacts> LoadFacts(Tx& tx, int64_t id, const base::BusinessCalendar& cal) {
  KECHAN_ASSIGN_OR_RETURN(auto facts, ComputeFacts(tx, " WHERE a.id = ?", {id}, cal));
  if (facts.empty()) {
    return base::NotFound("appeal.not_found", "No such appeal", "诉求不存在", "id");
  }
  return facts[0];
}

Status RefreshFacts(Tx& tx, int64_t id, const base::BusinessCalendar& cal) {
  KECHAN_ASSIGN_OR_RETURN(AppealFacts f, LoadFacts(tx, id, cal));
  return WriteFacts(tx, f, CalendarTag(cal));
}

Result<int64_t> RebuildStaleFacts(store::Database& db, const base::BusinessCalendar& cal,
                                  int64_t batch) {
  const std::string tag = CalendarTag(cal);
  std::vector<int64_t> ids;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        auto stale, tx->Query("SELECT appeal_id FROM appeal_facts WHERE calendar_tag <> ?", {tag}));
    for (const auto& r : stale.rows) {
      ids.push_back(r.Int(0));
    }
    KECHAN_ASSIGN_OR_RETURN(auto missing,
                            tx->Query("SELECT a.id FROM appeals a WHERE NOT EXISTS (SELECT 1 FROM "
                                      "appeal_facts f WHERE f.appeal_id = a.id)"));
    for (const auto& r : missing.rows) {
      ids.push_back(r.Int(0));
    }
  }
  std::sort(ids.begin(), ids.end());
  batch = std::max<int64_t>(batch, 1);
  for (size_t i = 0; i < ids.size(); i += static_cast<size_t>(batch)) {
    const size_t end = std::min(ids.size(), i + static_cast<size_t>(batch));
    KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db, [&](Tx& tx) -> Status {
      KECHAN_ASSIGN_OR_RETURN(auto facts, ComputeFacts(tx, " WHERE a.id >= ? AND a.id <= ?",
                                                       {ids[i], ids[end - 1]}, cal));
      std::set<int64_t> wanted(ids.begin() + static_cast<std::ptrdiff_t>(i),
                               ids.begin() + static_cast<std::ptrdiff_t>(end));
      for (const auto& f : facts) {
        if (wanted.contains(f.appeal_id)) {
          KECHAN_RETURN_IF_ERROR(WriteFacts(tx, f, tag));
        }
      }
      return Status();
    }));
  }
  return static_cast<int64_t>(ids.size());
}

std::string FactSumsFromFactsSql() {
  std::string out;
  const std::pair<const char*, const char*> dims[] = {
      {"department", "COALESCE(CAST(lead_unit AS TEXT), '')"},
      {"chain", "COALESCE(CAST(chain_id AS TEXT), '')"},
      {"district", "district"},
      {"type", "type"}};
  for (const auto& [dim, key] : dims) {
    out += std::string(
               "INSERT INTO appeal_fact_sums (dim, created_day, group_key, appeals, "
               "dispatched, responded_on_time, reworked, urged, replied, "
               "replied_on_time, closed, visits, resolved_yes, satisfied)\nSELECT '") +
           dim + "', created_day, " + key +
           ", COUNT(*), SUM(bits & 1), SUM((bits >> 1) & 1), SUM((bits >> 2) & 1), "
           "SUM((bits >> 3) & 1), SUM((bits >> 4) & 1), SUM((bits >> 5) & 1), "
           "SUM((bits >> 6) & 1), SUM((bits >> 7) & 262143), SUM((bits >> 25) & 262143), "
           "SUM((bits >> 43) & 262143)\nFROM appeal_facts WHERE counted = 1 AND bits >= 0 "
           "GROUP BY created_day, " +
           key + ";\n";
  }
  return out;
}

Status RebuildFactSums(store::Database& db) {
  return store::WithWriteTx(db, [](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(tx.Exec("DELETE FROM appeal_fact_sums").status());
    const std::string sql = FactSumsFromFactsSql();
    size_t from = 0;
    while (from < sql.size()) {
      size_t end = sql.find(";\n", from);
      KECHAN_RETURN_IF_ERROR(tx.Exec(sql.substr(from, end - from)).status());
      from = end + 2;
    }
    return Status();
  });
}

namespace {

// The counters of q's groups from appeal_fact_sums, plus the facts rows not computed yet
// (bits < 0, from before the facts existed) recomputed from their appeals. No hour samples.
Status SumsInto(store::Database& db, const Caller& caller, const MetricsQuery& q,
                const base::BusinessCalendar& cal, std::map<std::string, MetricRow>& groups) {
  const bool by_department = q.by == "department" || q.by == "none" || q.by == "period";
  const std::string dim = by_department ? "department" : q.by;
  const char* group_col = q.by == "period" ? "created_day" : "group_key";
  std::vector<int64_t> mine;
  std::string units_sql;
  if (!caller.IsLeader()) {
    mine = caller.OrgsWith(auth::Role::kOfficer);
    if (mine.empty()) {
      return Status();
    }
    units_sql = JoinIds(mine);
  }
  std::string sql = std::string("SELECT ") + group_col;
  for (const char* c : kSumColumns) {
    sql += std::string(", CAST(SUM(") + c + ") AS BIGINT)";
  }
  sql += " FROM appeal_fact_sums WHERE dim = ? AND created_day >= ? AND created_day <= ?";
  if (!caller.IsLeader()) {
    std::string keys;
    for (int64_t u : mine) {
      keys += (keys.empty() ? "'" : ", '") + std::to_string(u) + "'";
    }
    sql += " AND group_key IN (" + keys + ")";
  }
  sql += std::string(" GROUP BY ") + group_col;
  auto key_of = [&q](const std::string& k) -> std::string {
    if (q.by == "none") {
      return "all";
    }
    if (q.by == "period") {
      return PeriodKey(k, q.period);
    }
    if (q.by == "type") {
      return k;
    }
    return k.empty() ? "none" : k;
  };
  KECHAN_ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, {dim, q.from.ToString(), q.to.ToString()}));
  for (const auto& r : rows.rows) {
    if (r.Int(1) == 0) {
      continue;  // every appeal of the key moved elsewhere
    }
    const std::string key = key_of(r.Text(0));
    MetricRow& g = groups[key];
    g.key = key;
    g.appeals += r.Int(1);
    g.dispatched += r.Int(2);
    g.responded_on_time += r.Int(3);
    g.reworked += r.Int(4);
    g.urged += r.Int(5);
    g.replied += r.Int(6);
    g.replied_on_time += r.Int(7);
    g.closed += r.Int(8);
    g.visits += r.Int(9);
    g.resolved_yes += r.Int(10);
    g.satisfied += r.Int(11);
  }
  // Rows not computed yet: recomputed from their appeals (the appeal row decides what counts).
  std::string stale_sql =
      "SELECT appeal_id FROM appeal_facts WHERE bits < 0 AND created_day >= ? AND created_day "
      "<= ? AND counted = 1";
  if (!caller.IsLeader()) {
    stale_sql += " AND lead_unit IN (" + units_sql + ")";
  }
  KECHAN_ASSIGN_OR_RETURN(auto stale_rows,
                          tx->Query(stale_sql, {q.from.ToString(), q.to.ToString()}));
  std::vector<int64_t> stale;
  for (const auto& r : stale_rows.rows) {
    stale.push_back(r.Int(0));
  }
  std::sort(stale.begin(), stale.end());
  const Micros lo = base::LocalMidnight(q.from);
  const Micros hi = base::LocalMidnight(q.to.AddDays(1));
  constexpr size_t kBatch = 500;
  for (size_t i = 0; i < stale.size(); i += kBatch) {
    const size_t end = std::min(stale.size(), i + kBatch);
    std::vector<int64_t> part(stale.begin() + static_cast<std::ptrdiff_t>(i),
                              stale.begin() + static_cast<std::ptrdiff_t>(end));
    KECHAN_ASSIGN_OR_RETURN(auto facts,
                            ComputeFacts(*tx, " WHERE a.id IN (" + JoinIds(part) + ")", {}, cal));
    for (const auto& f : facts) {
      if (!f.counted || f.created_at < lo || f.created_at >= hi) {
        continue;
      }
      if (!caller.IsLeader() &&
          (!f.lead_unit || std::find(mine.begin(), mine.end(), *f.lead_unit) == mine.end())) {
        continue;
      }
      MetricRow& g = groups[KeyOf(f, q)];
      g.key = KeyOf(f, q);
      AddFacts(f, g, /*hours=*/false);
    }
  }
  return Status();
}

}  // namespace

// ---- AppealService: metrics -------------------------------------------------------------------

std::string AppealService::GroupLabel(std::string_view by, std::string_view key) {
  if (by == "user") {
    auto tx = db_.Begin(store::TxKind::kRead);
    auto id = ParseId(key);
    if (!tx.ok() || !id) {
      return "";
    }
    auto rows = (*tx)->Query("SELECT display_name FROM users WHERE id = ?", {*id});
    return rows.ok() && !rows->empty() ? rows->rows[0].Text(0) : std::string();
  }
  if (by == "department" || by == "chain") {
    auto tx = db_.Begin(store::TxKind::kRead);
    if (!tx.ok() || key.empty() || key == "none") {
      return std::string(key == "none" ? "未派单 / not dispatched" : "");
    }
    auto id = ParseId(key);
    if (!id) {
      return std::string(key);
    }
    if (by == "department") {
      return OrgName(**tx, *id);
    }
    auto rows = (*tx)->Query("SELECT name FROM chain_chains WHERE id = ?", {*id});
    if (rows.ok() && !rows->empty()) {
      return rows->rows[0].Text(0);
    }
    return std::string(key);
  }
  if (by == "type") {
    if (const AppealType* t = FindAppealType(key)) {
      return t->label_zh;
    }
  }
  return std::string(key);
}

Result<MetricsResult> AppealService::Metrics(const Caller& caller, const MetricsQuery& q) {
  static const std::set<std::string> kBy = {"department", "chain",  "district",
                                            "type",       "period", "none"};
  if (!kBy.contains(q.by)) {
    return base::InvalidArgument("by", "metrics.by",
                                 "by must be department, chain, district, type, period or none",
                                 "by 须为 department、chain、district、type、period 或 none");
  }
  if (q.period != "month" && q.period != "week") {
    return base::InvalidArgument("period", "metrics.period", "period must be month or week",
                                 "period 须为 month 或 week");
  }
  if (q.to < q.from) {
    return base::InvalidArgument("from", "metrics.range", "from must not be after to",
                                 "from 不能晚于 to");
  }
  if (!caller.IsLeader() && !caller.IsOfficer()) {
    return base::PermissionDenied("metrics.forbidden", "Staff only", "仅限工作人员");
  }
  auto cal = calendar_();
  const std::string tag = CalendarTag(*cal);
  const Micros lo = base::LocalMidnight(q.from);
  const Micros hi = base::LocalMidnight(q.to.AddDays(1));
  std::string units;
  if (!caller.IsLeader()) {
    units = JoinIds(caller.OrgsWith(auth::Role::kOfficer));
  }
  std::map<std::string, MetricRow> groups;
  // Without the working-hour samples the counters come from the per-day sums (a few rows per
  // day and key); an officer's grouping other than by department, none or period needs the
  // lead unit of every row, so it scans the facts.
  const bool from_sums =
      !q.hours && (caller.IsLeader() || q.by == "department" || q.by == "none" || q.by == "period");
  if (from_sums) {
    KECHAN_RETURN_IF_ERROR(SumsInto(db_, caller, q, *cal, groups));
  } else {
    // One range scan of the facts rows of the period (clustered by creation day), aggregated
    // here: SQL GROUP BY would sort every row first. Rows computed with another calendar (or not
    // yet computed) come back as -1 - appeal_id and are recomputed from their appeals.
    const char* key_col = q.by == "department" ? "lead_unit"
                          : q.by == "chain"    ? "chain_id"
                          : q.by == "district" ? "district"
                          : q.by == "type"     ? "type"
                          : q.by == "period"   ? "created_day"
                                               : "0";
    std::string sql = std::string("SELECT ") + key_col +
                      ", CASE WHEN calendar_tag = ? THEN bits ELSE -1 - appeal_id END, sign_us, "
                      "contact_us, resolution_us FROM appeal_facts WHERE created_day >= ? AND "
                      "created_day <= ? AND counted = 1";
    if (!caller.IsLeader()) {
      sql += " AND lead_unit IN (" + units + ")";
    }
    std::unordered_map<int64_t, MetricRow*> by_int;
    std::unordered_map<std::string, MetricRow*> by_text;
    MetricRow* null_group = nullptr;
    auto group = [&](std::string key) -> MetricRow& {
      MetricRow& g = groups[key];
      g.key = std::move(key);
      return g;
    };
    const bool int_key = q.by == "department" || q.by == "chain" || q.by == "none";
    std::vector<int64_t> stale;
    {
      KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
      KECHAN_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, {tag, q.from.ToString(), q.to.ToString()}));
      for (const auto& r : rows.rows) {
        const int64_t bits = r.Int(1);
        if (bits < 0) {
          stale.push_back(-1 - bits);
          continue;
        }
        MetricRow* g = nullptr;
        if (r.IsNull(0)) {
          if (!null_group) {
            null_group = &group("none");
          }
          g = null_group;
        } else if (int_key) {
          const int64_t k = r.Int(0);
          auto [it, fresh] = by_int.try_emplace(k, nullptr);
          if (fresh) {
            it->second = &group(q.by == "none" ? "all" : std::to_string(k));
          }
          g = it->second;
        } else {
          std::string k = r.Text(0);
          auto [it, fresh] = by_text.try_emplace(k, nullptr);
          if (fresh) {
            std::string key = k;
            if (q.by == "district" && key.empty()) {
              key = "none";
            } else if (q.by == "period") {
              key = PeriodKey(key, q.period);
            }
            it->second = &group(std::move(key));
          }
          g = it->second;
        }
        AddFactBits(bits, *g);
        if (!q.hours) {
          continue;
        }
        if (!r.IsNull(2)) {
          g->hours_to_sign_for.push_back(Hours(r.Int(2)));
        }
        if (!r.IsNull(3)) {
          g->hours_to_contact.push_back(Hours(r.Int(3)));
        }
        if (!r.IsNull(4)) {
          g->hours_to_resolution.push_back(Hours(r.Int(4)));
        }
      }
      // Stale rows: recomputed from the appeals (same filters as the facts query).
      std::sort(stale.begin(), stale.end());
      constexpr size_t kBatch = 500;
      for (size_t i = 0; i < stale.size(); i += kBatch) {
        const size_t end = std::min(stale.size(), i + kBatch);
        std::vector<int64_t> part(stale.begin() + static_cast<std::ptrdiff_t>(i),
                                  stale.begin() + static_cast<std::ptrdiff_t>(end));
        KECHAN_ASSIGN_OR_RETURN(
            auto facts, ComputeFacts(*tx, " WHERE a.id IN (" + JoinIds(part) + ")", {}, *cal));
        const auto mine = caller.OrgsWith(auth::Role::kOfficer);
        for (const auto& f : facts) {
          // The appeal row is the truth for what is counted and visible.
          if (!f.counted || f.created_at < lo || f.created_at >= hi) {
            continue;
          }
          if (!caller.IsLeader() &&
              (!f.lead_unit || std::find(mine.begin(), mine.end(), *f.lead_unit) == mine.end())) {
            continue;
          }
          AddFacts(f, group(KeyOf(f, q)), q.hours);
        }
      }
    }
  }
  MetricsResult res;
  res.query = q;
  MetricRow total;
  total.key = "all";
  total.label = "全部 / all";
  for (auto& [k, g] : groups) {
    total.Merge(g);
    res.rows.push_back(std::move(g));
  }
  for (auto& g : res.rows) {
    g.label = GroupLabel(q.by, g.key);
  }
  const Weights w = q.weights;
  std::stable_sort(res.rows.begin(), res.rows.end(), [&w](const MetricRow& a, const MetricRow& b) {
    auto ca = a.composite(w), cb = b.composite(w);
    if (ca.has_value() != cb.has_value()) {
      return ca.has_value();
    }
    return ca && *ca > *cb;
  });
  res.total = std::move(total);
  return res;
}

Result<std::vector<Hotspot>> AppealService::Hotspots(const Caller& caller, base::Date from,
                                                     base::Date to, int64_t min_count) {
  if (!caller.IsLeader() && !caller.IsOfficer()) {
    return base::PermissionDenied("metrics.forbidden", "Staff only", "仅限工作人员");
  }
  // Clusters of similar text when the search module is wired in (SetHotspotFinder).
  if (auto text = TextHotspots(from, to, min_count)) {
    return std::move(*text);
  }
  // Else exact-field grouping (type × chain × district), with the same output shape.
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      auto rows,
      tx->Query("SELECT type, COALESCE(chain_id, 0), district, COUNT(*), COUNT(DISTINCT org_id), "
                "MIN(id), MAX(id) FROM appeals WHERE created_at >= ? AND created_at < ? AND state "
                "<> 'merged' GROUP BY type, COALESCE(chain_id, 0), district HAVING COUNT(*) >= ? "
                "ORDER BY COUNT(*) DESC LIMIT 100",
                {base::LocalMidnight(from), base::LocalMidnight(to.AddDays(1)), min_count}));
  std::vector<Hotspot> out;
  for (const auto& r : rows.rows) {
    Hotspot h{.type = r.Text(0),
              .district = r.Text(2),
              .appeals = r.Int(3),
              .enterprises = r.Int(4),
              .sample_ids = {r.Int(5), r.Int(6)}};
    if (r.Int(1) != 0) {
      h.chain_id = r.Int(1);
    }
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace kechan::appeals
