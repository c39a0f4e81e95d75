// Appeals at scale (issue 4 "Measured"). Seeds a deterministic year of appeals, then measures
// through AppealService and flow::Scheduler:
//   1. the three rates for a year by department (AppealService::Metrics; and with the hours
//      quantiles rendered as `kechan appeals metrics --json` prints them),
//   2. the officer queue page (open appeals of one unit, by due time) p50/p95 over 200 pages,
//      against the former UNION and OR queries on the same pages (ids and totals must agree),
//   3. `sla replay` of every open appeal (rate),
//   4. scheduler lag (fire time - due time) p50/p99 with N pending timers.
//
// Seeding (the documented bulk path): every appeal is generated as a lifecycle of actions —
// received, dispatched, signed for, contacted, progress notes, sometimes a pause for the
// enterprise and an urge, reply, platform check, visits, archive — cut at "now" for recent ones
// (which stay open). Each action is written as the service writes it: one event (hash-chained
// with store::HashEvent exactly as store::AppendEvent chains it, at the action's time; written
// in bulk, multi-row INSERTs, event_head moved once per transaction of 5,000 appeals) and its
// appeal_history row, then the appeal's final row, units and requesters; on-time flags are
// evaluated with flow::ComputeClock on the appeal's clock specs at the moment of contact / reply,
// as AppealService::Act does. The metrics facts rows are then written by
// appeals::RebuildStaleFacts, the same computation the service's write path runs per appeal. SLA
// colours and timers of open appeals are left to the measured replay (AppealService::ReplayClocks),
// which is what the service's Refresh would have stored.
//
// Usage: kechan_bench_appeals [--appeals N] [--events-per-appeal E] [--timers N] [--dir DIR]
//            [--history all|open] [--reuse] [--keep] [--recompute] [--seed-only] [--url PG]
//            [--skip-replay] [--queue-only] [--migrate-only]
//   --seed-only  seed, print the seed figures and keep DIR/bench.db (measure later with --reuse)
//   --url        postgresql://… (an empty database) instead of DIR/bench.db
//   --reuse      measure an existing DIR/bench.db from an earlier --keep run (no seeding)
//   --keep       leave DIR/bench.db in place
//   --history open  write events and history only for appeals that stay open (closed ones keep
//                their pause/resume history rows): a quick seed for the metrics and queue figures
//   --recompute  also time the metrics with every facts row stale (the recomputation from the
//                appeals and their history that Metrics did before the facts table), then
//                rewrite the facts
//   --queue-only  (implies --reuse --keep) only the officer queue figures: new List against the
//                former UNION and OR queries on the same 200 pages
//   --migrate-only  (implies --reuse --keep) apply pending migrations to DIR/bench.db and stop
// Prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "appeals/metrics.h"
#include "appeals/migrations.h"
#include "appeals/routes.h"
#include "appeals/service.h"
#include "auth/migrations.h"
#include "base/calendar.h"
#include "flow/appeal_spec.h"
#include "flow/scheduler.h"
#include "flow/sla.h"
#include "store/event_log.h"
#include "store/migrations.h"

using namespace kechan;

namespace {

constexpr base::Micros kHour = 3'600'000'000LL;
constexpr int kUnits = 40;
constexpr int kFirms = 20000;
constexpr int kChains = 8;

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// CPU seconds of this process (the machine is shared: wall time includes waiting for a core).
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size()));
  return v[std::min(k, v.size() - 1)];
}

void Check(const base::Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << what << ": " << s << "\n";
    std::exit(1);
  }
}

// ---- officer queue ---------------------------------------------------------------------------

// Figures of the officer queue page: AppealService::List (new) against, in the same run on the
// same pages, the UNION query List ran before (HEAD of 2026-11-29 morning: deduplicating UNION
// of the received, lead and every-assisting branches, colours counted over the union) and the
// first query (the visibility rule as one OR). Ids and totals of all three must agree.
struct QueueFigures {
  std::vector<double> new_ms, new_cpu_ms, union_ms, union_cpu_ms, or_ms;
  bool equal = true;
  int64_t total_sum = 0;
  int pages = 0;
};

const char kOpenStates[] =
    "'received', 'answered', 'dispatched', 'dispatch_review', 'signed_for', 'in_progress', "
    "'waiting_for_enterprise', 'extension_requested', 'replied', 'platform_check', 'follow_up'";
const char kPageCols[] =
    "id, title, body, type, state, org_id, lead_unit, assisting_units, sla, due_at, created_at, "
    "updated_at";

// The ids and total of page `pg` (20 rows, open appeals by due time) of an officer of `unit`
// by the former UNION query, as List built it.
std::pair<std::vector<int64_t>, int64_t> UnionPage(store::Database& db, int64_t unit, int64_t pg) {
  const std::string u = std::to_string(unit);
  const std::string st = std::string(" AND state IN (") + kOpenStates + ")";
  const std::vector<std::string> vis = {
      "state = 'received'", "lead_unit IN (" + u + ")",
      "id IN (SELECT appeal_id FROM appeal_units WHERE org_id IN (" + u + ") AND lead = 0)"};
  const std::string order = " ORDER BY (due_at IS NULL), due_at, id";
  std::string count_sql = "SELECT sla, COUNT(*) FROM (";
  std::string ids_sql = "SELECT id FROM (";
  for (size_t i = 0; i < vis.size(); ++i) {
    count_sql +=
        std::string(i ? " UNION " : "") + "SELECT id, sla FROM appeals WHERE (" + vis[i] + ")" + st;
    ids_sql += std::string(i ? " UNION SELECT * FROM (" : "SELECT * FROM (") +
               "SELECT id, due_at, created_at, updated_at FROM appeals WHERE (" + vis[i] + ")" +
               st + order + " LIMIT " + std::to_string(pg * 20) + ") b" + std::to_string(i);
  }
  count_sql += ") v GROUP BY sla";
  ids_sql += ") v" + order + " LIMIT 20 OFFSET " + std::to_string((pg - 1) * 20);
  auto tx = db.Begin(store::TxKind::kRead);
  Check(tx.status(), "union list");
  auto counts = (*tx)->Query(count_sql);
  Check(counts.status(), "union counts");
  int64_t total = 0;
  for (const auto& r : counts->rows) total += r.Int(1);
  std::vector<int64_t> ids;
  if ((pg - 1) * 20 < total) {
    auto rows = (*tx)->Query(ids_sql);
    Check(rows.status(), "union ids");
    for (const auto& r : rows->rows) ids.push_back(r.Int(0));
    if (!ids.empty()) {
      std::string in;
      for (int64_t id : ids) in += (in.empty() ? "" : ",") + std::to_string(id);
      auto page = (*tx)->Query(std::string("SELECT ") + kPageCols + " FROM appeals WHERE id IN (" +
                               in + ")");
      Check(page.status(), "union page");
    }
  }
  return {ids, total};
}

// The same page by the first query (the visibility rule as one OR).
std::pair<std::vector<int64_t>, int64_t> OrPage(store::Database& db, int64_t unit, int64_t pg) {
  auto tx = db.Begin(store::TxKind::kRead);
  Check(tx.status(), "old list");
  const std::string where =
      " WHERE (0 = 1 OR state = 'received' OR id IN (SELECT appeal_id FROM "
      "appeal_units WHERE org_id IN (" +
      std::to_string(unit) + "))) AND state IN (" + kOpenStates + ")";
  auto counts = (*tx)->Query("SELECT sla, COUNT(*) FROM appeals" + where + " GROUP BY sla");
  Check(counts.status(), "old counts");
  auto rows = (*tx)->Query(std::string("SELECT ") + kPageCols + " FROM appeals" + where +
                           " ORDER BY (due_at IS NULL), due_at, id LIMIT 20 OFFSET " +
                           std::to_string((pg - 1) * 20));
  Check(rows.status(), "old page");
  int64_t total = 0;
  for (const auto& r : counts->rows) total += r.Int(1);
  std::vector<int64_t> ids;
  for (const auto& r : rows->rows) ids.push_back(r.Int(0));
  return {ids, total};
}

// 200 pages (40 units, pages 1-3) after one unmeasured warm-up page per unit and path; the
// paths run in alternating order. `with_or`: also time the first OR query.
QueueFigures MeasureQueue(store::Database& db, appeals::AppealService& svc, int pages,
                          bool with_or) {
  QueueFigures q;
  q.pages = pages;
  auto caller = [](int64_t unit) {
    auth::Principal p;
    p.user = base::UserId{1};
    p.memberships = {{base::OrgId{unit}, auth::Role::kOfficer}};
    p.method = auth::AuthMethod::kSession;
    return appeals::Caller::Of(p);
  };
  for (int64_t unit = 1; unit <= kUnits; ++unit) {
    appeals::ListFilter f;
    f.states = {"open"};
    Check(svc.List(caller(unit), f).status(), "warm-up list");
    UnionPage(db, unit, 1);
    if (with_or) OrPage(db, unit, 1);
  }
  for (int i = 0; i < pages; ++i) {
    const int64_t unit = 1 + i % kUnits;
    appeals::ListFilter f;
    f.states = {"open"};
    f.page = 1 + i % 3;
    appeals::AppealPage page;
    std::pair<std::vector<int64_t>, int64_t> old;
    auto run_new = [&] {
      auto t0 = std::chrono::steady_clock::now();
      const double c0 = CpuSeconds();
      auto r = svc.List(caller(unit), f);
      Check(r.status(), "list");
      page = std::move(*r);
      q.new_ms.push_back(Seconds(t0) * 1000);
      q.new_cpu_ms.push_back((CpuSeconds() - c0) * 1000);
    };
    auto run_union = [&] {
      auto t0 = std::chrono::steady_clock::now();
      const double c0 = CpuSeconds();
      old = UnionPage(db, unit, f.page);
      q.union_ms.push_back(Seconds(t0) * 1000);
      q.union_cpu_ms.push_back((CpuSeconds() - c0) * 1000);
    };
    if (i % 2 == 0) {
      run_new();
      run_union();
    } else {
      run_union();
      run_new();
    }
    q.total_sum += page.total;
    bool same = old.second == page.total && old.first.size() == page.items.size();
    for (size_t k = 0; same && k < old.first.size(); ++k) {
      same = old.first[k] == page.items[k].id;
    }
    if (with_or) {
      auto t0 = std::chrono::steady_clock::now();
      auto o = OrPage(db, unit, f.page);
      q.or_ms.push_back(Seconds(t0) * 1000);
      same = same && o == old;
    }
    if (!same) {
      std::fprintf(stderr, "queue mismatch: unit %lld page %lld total %lld vs %lld\n",
                   static_cast<long long>(unit), static_cast<long long>(f.page),
                   static_cast<long long>(page.total), static_cast<long long>(old.second));
    }
    q.equal = q.equal && same;
  }
  return q;
}

std::string QueueJson(const QueueFigures& q) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "\"queue_page_ms\":{\"p50\":%.2f,\"p95\":%.2f,\"cpu_p50\":%.2f,\"cpu_p95\":%.2f},"
                "\"queue_old_union_ms\":{\"p50\":%.2f,\"p95\":%.2f,\"cpu_p50\":%.2f,"
                "\"cpu_p95\":%.2f},"
                "\"queue_old_or_ms\":{\"p50\":%.2f,\"p95\":%.2f},\"queue_equal\":%s,"
                "\"queue_pages\":%d,\"queue_mean_total\":%lld",
                Pct(q.new_ms, 0.5), Pct(q.new_ms, 0.95), Pct(q.new_cpu_ms, 0.5),
                Pct(q.new_cpu_ms, 0.95), Pct(q.union_ms, 0.5), Pct(q.union_ms, 0.95),
                Pct(q.union_cpu_ms, 0.5), Pct(q.union_cpu_ms, 0.95), Pct(q.or_ms, 0.5),
                Pct(q.or_ms, 0.95), q.equal ? "true" : "false", q.pages,
                static_cast<long long>(q.pages > 0 ? q.total_sum / q.pages : 0));
  return buf;
}

struct Step {
  const char* action;
  std::vector<const char*> kinds;
  const char* state;
  base::Micros at;
  std::string fields = "{}";
};

// The bulk write path of the seed: events (hash-chained with store::HashEvent exactly as
// store::AppendEvent chains them, seq continuing from event_head) and appeal_history rows are
// buffered and written with multi-row INSERTs of kChunk rows, and event_head is moved once per
// transaction. Not thread-safe.
class Sink {
 public:
  static constexpr size_t kChunk = 400;

  base::Status Begin(store::Tx& tx) {
    KECHAN_ASSIGN_OR_RETURN(auto head, tx.Query("SELECT seq, hash FROM event_head WHERE id = 1"));
    seq_ = head.rows[0].Int(0);
    hash_ = head.rows[0].Text(1);
    return base::Status();
  }
  // Appends one event at `at` and returns its seq.
  int64_t Event(std::string kind, int64_t appeal_id, base::Micros at, std::string payload) {
    store::Event e;
    e.seq = ++seq_;
    e.at_us = at;
    e.kind = std::move(kind);
    e.entity = "appeal";
    e.entity_id = std::to_string(appeal_id);
    e.actor = "user:1";
    e.payload = std::move(payload);
    e.prev_hash = hash_;
    e.hash = store::HashEvent(e);
    hash_ = e.hash;
    for (store::Value v :
         {store::Value(e.seq), store::Value(e.at_us), store::Value(e.kind), store::Value(e.entity),
          store::Value(e.entity_id), store::Value(e.actor), store::Value(e.payload),
          store::Value(e.prev_hash), store::Value(e.hash)}) {
      events_.push_back(std::move(v));
    }
    return e.seq;
  }
  void History(int64_t appeal_id, int64_t seq, base::Micros at, const std::string& kind,
               const std::string& action, const std::string& state, const std::string& fields) {
    for (store::Value v :
         {store::Value(appeal_id), store::Value(seq), store::Value(at), store::Value(kind),
          store::Value(action), store::Value(state), store::Value(fields)}) {
      history_.push_back(std::move(v));
    }
  }
  base::Status Flush(store::Tx& tx) {
    KECHAN_RETURN_IF_ERROR(Insert(tx,
                                  "INSERT INTO events (seq, at_us, kind, entity, entity_id, actor, "
                                  "payload, prev_hash, hash) VALUES ",
                                  9, events_));
    KECHAN_RETURN_IF_ERROR(Insert(tx,
                                  "INSERT INTO appeal_history (appeal_id, seq, at, kind, action, "
                                  "state, fields, actor) VALUES ",
                                  7, history_, ", 'user:1'"));
    return tx.Exec("UPDATE event_head SET seq = ?, hash = ? WHERE id = 1", {seq_, hash_}).status();
  }

 private:
  static base::Status Insert(store::Tx& tx, const std::string& head, size_t cols,
                             std::vector<store::Value>& values, const std::string& tail = "") {
    const size_t rows = values.size() / cols;
    for (size_t first = 0; first < rows; first += kChunk) {
      const size_t n = std::min(kChunk, rows - first);
      std::string sql = head;
      for (size_t r = 0; r < n; ++r) {
        sql += r ? ", (?" : "(?";
        for (size_t c = 1; c < cols; ++c) sql += ", ?";
        sql += tail + ")";
      }
      KECHAN_RETURN_IF_ERROR(
          tx.Exec(sql, std::span<const store::Value>(values.data() + first * cols, n * cols))
              .status());
    }
    values.clear();
    return base::Status();
  }

  int64_t seq_ = 0;
  std::string hash_;
  std::vector<store::Value> events_, history_;
};

// Writes one appeal's lifecycle (cut at `now`). Returns the number of events written.
base::Result<int64_t> SeedAppeal(store::Tx& tx, Sink& sink, int64_t id, base::Micros created,
                                 base::Micros now, int events_per_appeal, bool all_history,
                                 const base::BusinessCalendar& cal, appeals::AppealService& svc) {
  static const char* kDistricts[] = {"高新区", "经开区", "天府新区", "锦江区", "青羊区", "金牛区",
                                     "武侯区", "成华区", "龙泉驿区", "新都区", "温江区", "双流区"};
  uint64_t r = Mix(static_cast<uint64_t>(id));
  uint64_t r2 = Mix(r);
  const auto& types = appeals::AppealTypes();
  const std::string type = types[r % types.size()].id;
  const int64_t unit = 1 + static_cast<int64_t>((r >> 8) % kUnits);
  const int64_t org = 1000 + static_cast<int64_t>((r >> 16) % kFirms);
  const int64_t chain = static_cast<int64_t>((r >> 24) % (kChains + 1));  // 0: none
  const std::string district = kDistricts[(r >> 28) % 12];
  const bool waits = (r >> 32) % 10 == 0;
  const bool urged = (r >> 36) % 20 == 0;
  const bool two_requesters = (r >> 40) % 5 == 0;
  // One appeal in five has an assisting unit (the next department).
  const bool assisted = (r >> 44) % 5 == 0;
  const int64_t assist = 1 + unit % kUnits;
  // Progress notes fill the lifecycle up to about `events_per_appeal` events.
  const int base_events = 9 + (waits ? 2 : 0) + (urged ? 1 : 0) + (two_requesters ? 1 : 0);
  const int spread = static_cast<int>((r2 >> 8) % 7) - 3;
  const int notes = std::max(0, events_per_appeal - base_events + spread);

  std::vector<Step> steps;
  base::Micros t = created;
  auto after = [&](int64_t hours_min, int64_t hours_span, uint64_t bits) {
    t = cal.AddWorkingTime(t, (hours_min + static_cast<int64_t>(bits % hours_span)) * kHour);
    return t;
  };
  steps.push_back({"create",
                   {"appeal.received"},
                   "received",
                   created,
                   "{\"title\":\"合成诉求\",\"type\":\"" + type + "\",\"channel\":\"web\"}"});
  steps.push_back(
      {"dispatch",
       {flow::kAppealDispatched},
       "dispatched",
       after(1, 1, 0),
       "{\"lead_unit\":\"" + std::to_string(unit) + "\"" +
           (assisted ? ",\"assisting_units\":\"" + std::to_string(assist) + "\"" : std::string()) +
           "}"});
  steps.push_back({"sign_for", {flow::kAppealSignedFor}, "signed_for", after(1, 12, r2 >> 12)});
  steps.push_back({"contact",
                   {flow::kAppealContacted},
                   "in_progress",
                   after(1, 16, r2 >> 16),
                   "{\"note\":\"已电话联系\"}"});
  for (int i = 0; i < notes; ++i) {
    steps.push_back({"add_progress",
                     {"appeal.progress_noted"},
                     "in_progress",
                     after(1, 4, Mix(r2 + static_cast<uint64_t>(i))),
                     "{\"note\":\"办理进展\"}"});
    if (urged && i == notes / 2) {
      steps.push_back({"urge", {"appeal.urged"}, "in_progress", after(1, 2, 0)});
    }
    if (waits && i == notes / 3) {
      steps.push_back({"wait_for_enterprise",
                       {flow::kAppealWaiting},
                       "waiting_for_enterprise",
                       after(1, 2, 0),
                       "{\"reason\":\"补充材料\",\"expected_date\":\"" +
                           base::LocalDateOf(t).AddDays(5).ToString() + "\"}"});
      steps.push_back({"resume", {flow::kAppealResumed}, "in_progress", after(2, 28, r2 >> 20)});
    }
  }
  if (notes == 0 && urged) {
    steps.push_back({"urge", {"appeal.urged"}, "in_progress", after(1, 2, 0)});
  }
  steps.push_back({"reply",
                   {flow::kAppealReplied},
                   "replied",
                   after(4, 36, r2 >> 24),
                   "{\"reply\":\"已办理完毕\"}"});
  steps.push_back({"begin_check", {"appeal.check_started"}, "platform_check", after(1, 3, 0)});
  steps.push_back({"pass_check", {"appeal.check_passed"}, "follow_up", after(1, 3, r2 >> 28)});
  const int s1 = static_cast<int>((r2 >> 32) % 100), s2 = static_cast<int>((r2 >> 40) % 100);
  auto resolved = [](int s) { return std::string(s < 85 ? "yes" : "no"); };
  auto satisfaction = [](int s) {
    return std::string(s < 70 ? "satisfied" : s < 90 ? "basically" : "not");
  };
  if (two_requesters) {
    steps.push_back({"record_visit",
                     {"appeal.visit_recorded"},
                     "follow_up",
                     after(1, 8, r2),
                     "{\"requester\":\"0\",\"resolved\":\"" + resolved(s2) +
                         "\",\"satisfaction\":\"" + satisfaction(s2) + "\"}"});
  }
  steps.push_back(
      {"archive",
       {"appeal.visit_recorded", flow::kAppealArchived},
       "archived",
       after(2, 18, r2 >> 44),
       "{\"resolved\":\"" + resolved(s1) + "\",\"satisfaction\":\"" + satisfaction(s1) + "\"}"});

  // Row columns as the actions leave them.
  std::optional<base::Micros> dispatched_at, signed_at, contacted_at, replied_at, closed_at;
  std::optional<int64_t> response_on_time, resolution_on_time;
  std::string state;
  base::Micros updated = created;
  int64_t written = 0, urge_count = 0;
  int visited = 0;
  std::vector<flow::ClockEvent> clock_events;
  const auto specs = svc.ClocksFor(type);
  auto breached = [&](const char* clock, base::Micros at) {
    for (const auto& spec : specs) {
      if (spec.name == clock) {
        auto st = flow::ComputeClock(spec, clock_events, cal, at);
        return st.ok() && st->breached;
      }
    }
    return false;
  };
  // --history open: appeals that end closed get no events, only their pause/resume history
  // rows (which the metrics facts read); their clocks are still evaluated in memory.
  const bool full = all_history || steps.back().at > now;
  int64_t synthetic_seq = id * 1000;
  for (const auto& s : steps) {
    if (s.at > now) {
      break;
    }
    const std::string action = s.action;
    if (action == "dispatch") dispatched_at = s.at;
    if (action == "sign_for") signed_at = s.at;
    if (action == "contact") {
      contacted_at = s.at;
      response_on_time = breached("response", s.at) ? 0 : 1;
    }
    if (action == "reply") {
      replied_at = s.at;
      resolution_on_time = breached("resolution", s.at) ? 0 : 1;
    }
    if (action == "urge") ++urge_count;
    if (action == "record_visit" || action == "archive") ++visited;
    if (action == "archive") closed_at = s.at;
    state = s.state;
    updated = s.at;
    for (const char* kind : s.kinds) {
      if (!full) {
        const std::string k = kind;
        ++synthetic_seq;
        if (k == flow::kAppealWaiting || k == flow::kAppealResumed) {
          sink.History(id, synthetic_seq, s.at, k, action, state, s.fields);
        }
        clock_events.push_back({.at = s.at, .seq = synthetic_seq, .kind = kind});
        continue;
      }
      const std::string payload = "{\"appeal_id\":" + std::to_string(id) + ",\"action\":\"" +
                                  action + "\",\"state\":\"" + state + "\",\"fields\":" + s.fields +
                                  "}";
      const int64_t seq = sink.Event(kind, id, s.at, payload);
      sink.History(id, seq, s.at, kind, action, state, s.fields);
      clock_events.push_back({.at = s.at, .seq = seq, .kind = kind});
      ++written;
    }
  }
  auto v = [](const std::optional<int64_t>& x) {
    store::Value out = nullptr;
    if (x.has_value()) out = store::Value(int64_t{x.value()});
    return out;
  };
  const bool dispatched = dispatched_at.has_value();
  KECHAN_RETURN_IF_ERROR(
      tx.Exec(
            "INSERT INTO appeals (id, title, body, type, channel, state, org_id, chain_id, "
            "district, lead_unit, urge_count, reply, created_by, created_at, updated_at, "
            "dispatched_at, signed_at, contacted_at, replied_at, closed_at, sla, "
            "response_on_time, resolution_on_time, text_norm, assisting_units) VALUES (?, "
            "'合成诉求', '合成诉求内容', ?, 'web', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, '合成诉求合成诉求内容', ?)",
            {id,
             type,
             state,
             org,
             chain == 0 ? store::Value(nullptr) : store::Value(chain),
             district,
             dispatched ? store::Value(unit) : store::Value(nullptr),
             urge_count,
             std::string(replied_at ? "已办理完毕" : ""),
             created,
             updated,
             v(dispatched_at),
             v(signed_at),
             v(contacted_at),
             v(replied_at),
             v(closed_at),
             std::string(closed_at ? "done" : "none"),
             v(response_on_time),
             v(resolution_on_time),
             dispatched && assisted ? std::to_string(assist) : std::string()})
          .status());
  if (dispatched) {
    // is_open as AppealService keeps it: 0 once the appeal is terminal (closed_at set).
    const int64_t is_open = closed_at ? 0 : 1;
    KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO appeal_units (appeal_id, org_id, lead, is_open) "
                                   "VALUES (?, ?, 1, ?)",
                                   {id, unit, is_open})
                               .status());
    if (assisted) {
      KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO appeal_units (appeal_id, org_id, lead, "
                                     "is_open) VALUES (?, ?, 0, ?)",
                                     {id, assist, is_open})
                                 .status());
    }
  }
  // Requester 0 (filed at the duty desk) is visited by archive (or by record_visit first when
  // there are two), the second requester (user 1000 + id % 5000) by the other visit.
  std::vector<std::pair<int64_t, int>> requesters = {{0, s1}};
  if (two_requesters) {
    requesters = {{0, s2}, {1000 + id % 5000, s1}};
  }
  for (size_t i = 0; i < requesters.size(); ++i) {
    const bool was_visited = static_cast<int>(i) < visited;
    const int s = requesters[i].second;
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO appeal_requesters (appeal_id, user_id, name, visited, resolved, "
                "satisfaction) VALUES (?, ?, '联系人', ?, ?, ?)",
                {id, requesters[i].first, int64_t{was_visited ? 1 : 0},
                 was_visited ? resolved(s) : std::string(),
                 was_visited ? satisfaction(s) : std::string()})
            .status());
  }
  return written;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n_appeals = 100000;
  int64_t n_timers = 100000;
  int events_per_appeal = 20;
  bool reuse = false, keep = false, recompute = false, all_history = true, seed_only = false;
  std::string dir = "/tmp/kechan-bench-appeals";
  std::string url;  // --url postgresql://… (an empty database): PostgreSQL instead of DIR/bench.db
  bool skip_replay = false, queue_only = false, migrate_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--appeals") n_appeals = std::atoll(next().c_str());
    if (a == "--timers") n_timers = std::atoll(next().c_str());
    if (a == "--events-per-appeal") events_per_appeal = std::atoi(next().c_str());
    if (a == "--dir") dir = next();
    if (a == "--reuse") reuse = true;
    if (a == "--keep") keep = true;
    if (a == "--seed-only") seed_only = keep = true;
    if (a == "--recompute") recompute = true;
    if (a == "--history") all_history = next() != "open";
    if (a == "--url") url = next();
    if (a == "--skip-replay") skip_replay = true;
    if (a == "--queue-only") queue_only = reuse = keep = true;
    if (a == "--migrate-only") migrate_only = reuse = keep = true;
  }
  if (!reuse) {
    std::filesystem::remove_all(dir);
  }
  std::filesystem::create_directories(dir);
  auto db_or = store::Open(
      {.url = url.empty() ? "sqlite:" + dir + "/bench.db" : url, .synchronous_full = false});
  Check(db_or.status(), "open");
  auto db = std::move(*db_or);
  std::vector<store::Migration> all = store::StoreMigrations();
  for (auto&& part : {auth::Migrations(), flow::Migrations(), appeals::Migrations()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  {
    auto t0 = std::chrono::steady_clock::now();
    auto m = store::Migrate(*db, all);
    Check(m.status(), "migrate");
    if (m->applied > 0) {
      std::fprintf(stderr, "applied %d migrations in %.1f s\n", m->applied, Seconds(t0));
    }
  }
  if (migrate_only) {
    return 0;
  }
  auto cal = std::make_shared<base::BusinessCalendar>(base::BusinessCalendar::Shipped());
  const base::Micros now = base::SystemClock::Get().NowMicros();
  const base::Micros year = 365LL * 24 * kHour;
  appeals::AppealService svc(*db, base::SystemClock::Get(), [cal] { return cal; }, nullptr, {});

  if (queue_only) {
    const QueueFigures queue = MeasureQueue(*db, svc, 200, /*with_or=*/true);
    std::printf("{%s}\n", QueueJson(queue).c_str());
    return queue.equal ? 0 : 1;
  }

  // ---- seed --------------------------------------------------------------------------------
  double gen_s = 0, facts_s = 0;
  int64_t events = 0;
  if (!reuse) {
    auto t0 = std::chrono::steady_clock::now();
    Check(store::WithWriteTx(
              *db,
              [&](store::Tx& tx) -> base::Status {
                for (int u = 1; u <= kUnits; ++u) {
                  KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO orgs (id, kind, name, created_at) "
                                                 "VALUES (?, 'government', ?, 0)",
                                                 {int64_t{u}, "部门" + std::to_string(u)})
                                             .status());
                }
                for (int f = 0; f < kFirms; ++f) {
                  KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO orgs (id, kind, name, created_at) "
                                                 "VALUES (?, 'enterprise', ?, 0)",
                                                 {int64_t{1000 + f}, "企业" + std::to_string(f)})
                                             .status());
                }
                return base::Status();
              }),
          "orgs");
    const int64_t batch = 5000;
    const base::Micros start = now - year;
    for (int64_t first = 1; first <= n_appeals; first += batch) {
      Check(store::WithWriteTx(
                *db,
                [&](store::Tx& tx) -> base::Status {
                  const int64_t last = std::min(n_appeals, first + batch - 1);
                  Sink sink;
                  KECHAN_RETURN_IF_ERROR(sink.Begin(tx));
                  for (int64_t id = first; id <= last; ++id) {
                    // Creation times spread evenly over the year, in id order.
                    const base::Micros created = start + (year - kHour) / n_appeals * (id - 1);
                    KECHAN_ASSIGN_OR_RETURN(
                        int64_t n, SeedAppeal(tx, sink, id, created, now, events_per_appeal,
                                              all_history, *cal, svc));
                    events += n;
                  }
                  return sink.Flush(tx);
                }),
            "seed");
      if ((first / batch) % 20 == 0) {
        std::fprintf(stderr, "seeded %lld appeals, %lld events, %.0f s\n",
                     static_cast<long long>(first + batch - 1), static_cast<long long>(events),
                     Seconds(t0));
      }
    }
    gen_s = Seconds(t0);
    t0 = std::chrono::steady_clock::now();
    auto facts = appeals::RebuildStaleFacts(*db, *cal, 5000);
    Check(facts.status(), "facts");
    facts_s = Seconds(t0);
  }
  int64_t open = 0, total_events = 0, history_rows = 0;
  {
    auto tx = db->Begin(store::TxKind::kRead);
    Check(tx.status(), "read");
    auto q = [&](const char* sql) {
      auto rows = (*tx)->Query(sql);
      Check(rows.status(), sql);
      return rows->rows[0].Int(0);
    };
    open =
        q("SELECT COUNT(*) FROM appeals WHERE state NOT IN ('closed', 'rejected', 'archived', "
          "'merged')");
    total_events = q("SELECT MAX(seq) FROM events");
    history_rows = q("SELECT COUNT(*) FROM appeal_history");
  }
  if (seed_only) {
    std::printf(
        "{\"appeals\":%lld,\"open\":%lld,\"events\":%lld,\"history_rows\":%lld,"
        "\"seed_s\":%.1f,\"facts_s\":%.1f,\"seed_cpu_s\":%.1f}\n",
        static_cast<long long>(n_appeals), static_cast<long long>(open),
        static_cast<long long>(total_events), static_cast<long long>(history_rows), gen_s, facts_s,
        CpuSeconds());
    return 0;
  }

  // ---- 1. three rates by department for a year ------------------------------------------------
  // New: hours = false reads appeal_fact_sums. Old (same run): hours = true is the former path,
  // one scan of every facts row of the year aggregated in C++ (it also collects the hour samples
  // the quantiles of `kechan appeals metrics --json` need). The counters must agree.
  const base::Date to = base::LocalDateOf(now);
  const appeals::MetricsQuery mq{.from = to.AddDays(-365), .to = to, .by = "department"};
  appeals::MetricsQuery mq_sums = mq;
  mq_sums.hours = false;
  std::vector<double> metrics_s, metrics_cpu_s, scan_s, scan_cpu_s, json_s;
  size_t metrics_rows = 0;
  int64_t metrics_appeals = 0;
  bool metrics_equal = true;
  auto counters = [](const appeals::MetricsResult& m) {
    std::string out;
    for (const auto& r : m.rows) {
      out += r.key + ":" + std::to_string(r.appeals) + "," + std::to_string(r.dispatched) + "," +
             std::to_string(r.responded_on_time) + "," + std::to_string(r.visits) + "," +
             std::to_string(r.resolved_yes) + "," + std::to_string(r.satisfied) + "," +
             std::to_string(r.replied_on_time) + "," + std::to_string(r.closed) + ";";
    }
    return out;
  };
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = CpuSeconds();
    auto m = svc.Metrics(appeals::Caller::System(), mq_sums);
    Check(m.status(), "metrics");
    metrics_s.push_back(Seconds(t0));
    metrics_cpu_s.push_back(CpuSeconds() - c0);
    metrics_rows = m->rows.size();
    metrics_appeals = m->total.appeals;
    t0 = std::chrono::steady_clock::now();
    c0 = CpuSeconds();
    auto old = svc.Metrics(appeals::Caller::System(), mq);
    Check(old.status(), "metrics (scan)");
    scan_s.push_back(Seconds(t0));
    scan_cpu_s.push_back(CpuSeconds() - c0);
    std::string text = appeals::MetricsJson(*old, /*full=*/true);
    json_s.push_back(Seconds(t0));
    metrics_equal = metrics_equal && counters(*m) == counters(*old);
  }
  double recompute_s = -1, restore_s = -1;
  if (recompute) {
    Check(store::WithWriteTx(*db,
                             [](store::Tx& tx) {
                               return tx.Exec("UPDATE appeal_facts SET calendar_tag = ''").status();
                             }),
          "stale");
    auto t0 = std::chrono::steady_clock::now();
    auto m = svc.Metrics(appeals::Caller::System(), mq);
    Check(m.status(), "metrics (recompute)");
    recompute_s = Seconds(t0);
    t0 = std::chrono::steady_clock::now();
    Check(appeals::RebuildStaleFacts(*db, *cal, 5000).status(), "rebuild");
    restore_s = Seconds(t0);
  }

  // ---- 3. replay (first: it stores the SLA colours and arms the timers of open appeals) -------
  appeals::ReplayReport replay{};
  if (!skip_replay) {
    auto r = svc.ReplayClocks();
    Check(r.status(), "replay");
    replay = *r;
  }

  // ---- 2. officer queue page -------------------------------------------------------------------
  const QueueFigures queue = MeasureQueue(*db, svc, 200, /*with_or=*/true);

  // ---- 4. scheduler lag ------------------------------------------------------------------------
  flow::Scheduler sched(*db, base::SystemClock::Get());
  std::vector<double> lag_ms;
  lag_ms.reserve(static_cast<size_t>(n_timers));
  sched.Handle("bench.noop", [&lag_ms](store::Tx&, const flow::Timer& t, base::Micros at) {
    lag_ms.push_back(static_cast<double>(at - t.due_at) / 1000.0);
    return base::Result<flow::FireDecision>(flow::FireDecision{});
  });
  // A reused database keeps the fired timers of an earlier run: start from none.
  Check(store::WithWriteTx(
            *db,
            [](store::Tx& tx) {
              return tx.Exec("DELETE FROM flow_timers WHERE kind = 'bench.noop'").status();
            }),
        "timers");
  const base::Micros arm_at = base::SystemClock::Get().NowMicros();
  // N pending timers; the first 2,000 fall due 20-22 s after arming started, the rest an hour
  // later (so they stay pending while the first ones fire).
  const int64_t batch = 5000;
  for (int64_t start = 0; start < n_timers; start += batch) {
    Check(store::WithWriteTx(
              *db,
              [&](store::Tx& tx) -> base::Status {
                for (int64_t i = start; i < std::min(n_timers, start + batch); ++i) {
                  const base::Micros due =
                      i < 2000 ? arm_at + 20'000'000 + (i * 1000) : arm_at + 3'600'000'000LL + i;
                  KECHAN_RETURN_IF_ERROR(flow::ArmTimer(tx,
                                                        {.key = "bench:" + std::to_string(i),
                                                         .kind = "bench.noop",
                                                         .entity = "bench",
                                                         .entity_id = std::to_string(i),
                                                         .due_at = due},
                                                        arm_at)
                                             .status());
                }
                return base::Status();
              }),
          "arm");
  }
  const double arm_s = static_cast<double>(base::SystemClock::Get().NowMicros() - arm_at) / 1e6;
  // The server's loop calls FireDue(500) every second; here a 50 ms idle wait, so the lag
  // measures the firing path (add up to the poll period for the server's figure).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (lag_ms.size() < 2000 && std::chrono::steady_clock::now() < deadline) {
    auto n = sched.FireDue(500);
    Check(n.status(), "fire");
    if (*n == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  int64_t pending = 0;
  {
    auto tx = db->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM flow_timers WHERE fired_at IS NULL");
    Check(rows.status(), "pending");
    pending = rows->rows[0].Int(0);
  }

  std::printf(
      "{\"appeals\":%lld,\"open\":%lld,\"events\":%lld,\"history_rows\":%lld,"
      "\"seed_s\":%.1f,\"facts_s\":%.1f,"
      "\"metrics_sums_s\":{\"first\":%.4f,\"p50\":%.4f,\"max\":%.4f,\"cpu_p50\":%.4f},"
      "\"metrics_scan_s\":{\"first\":%.3f,\"p50\":%.3f,\"cpu_p50\":%.3f},"
      "\"metrics_json_with_hours_s\":{\"p50\":%.3f},\"metrics_rows\":%zu,"
      "\"metrics_appeals\":%lld,\"metrics_equal\":%s,"
      "\"metrics_recompute_s\":%.3f,\"facts_rebuild_s\":%.1f,"
      "%s,"
      "\"replay\":{\"appeals\":%lld,\"seconds\":%.2f,\"per_second\":%.0f,\"timers\":%lld},"
      "\"timers_armed\":%lld,\"timers_pending_after\":%lld,\"arm_s\":%.1f,\"fired\":%zu,"
      "\"scheduler_lag_ms\":{\"p50\":%.1f,\"p99\":%.1f,\"poll_ms\":50}}\n",
      static_cast<long long>(n_appeals), static_cast<long long>(open),
      static_cast<long long>(total_events), static_cast<long long>(history_rows), gen_s, facts_s,
      metrics_s[0], Pct(metrics_s, 0.5), *std::max_element(metrics_s.begin(), metrics_s.end()),
      Pct(metrics_cpu_s, 0.5), scan_s[0], Pct(scan_s, 0.5), Pct(scan_cpu_s, 0.5), Pct(json_s, 0.5),
      metrics_rows, static_cast<long long>(metrics_appeals), metrics_equal ? "true" : "false",
      recompute_s, restore_s, QueueJson(queue).c_str(), static_cast<long long>(replay.appeals),
      replay.seconds,
      replay.seconds > 0 ? static_cast<double>(replay.appeals) / replay.seconds : 0.0,
      static_cast<long long>(replay.timers), static_cast<long long>(n_timers),
      static_cast<long long>(pending), arm_s, lag_ms.size(), Pct(lag_ms, 0.5), Pct(lag_ms, 0.99));
  if (!keep) {
    std::filesystem::remove_all(dir);
  }
  return 0;
}
