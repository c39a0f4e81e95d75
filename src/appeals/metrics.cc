// The appeals metrics: facts rows (metrics.h) and AppealService::Metrics / Hotspots / GroupLabel,
// which read them.
#include "appeals/metrics.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
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

Status WriteFacts(Tx& tx, const AppealFacts& f, const std::string& tag) {
  KECHAN_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM appeal_facts WHERE appeal_id = ?", {f.appeal_id}).status());
  return tx
      .Exec(
          "INSERT INTO appeal_facts (created_day, appeal_id, created_at, counted, lead_unit, "
          "chain_id, district, type, bits, sign_us, contact_us, resolution_us, paused_us, "
          "calendar_tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {base::LocalDateOf(f.created_at).ToString(), f.appeal_id, f.created_at,
           int64_t{f.counted ? 1 : 0}, V(f.lead_unit), V(f.chain_id), f.district, f.type,
           PackFactBits(f), V(f.sign_for), V(f.contact), V(f.resolution), f.paused, tag})
      .status();
}

void AddFacts(const AppealFacts& f, MetricRow& g) {
  AddFactBits(PackFactBits(f), g);
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
  std::map<std::string, MetricRow> groups;
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
        AddFacts(f, group(KeyOf(f, q)));
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
  // Exact-field grouping (type × chain × district). The seam for a text engine: replace this
  // query by clusters of similar text with the same output shape.
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
