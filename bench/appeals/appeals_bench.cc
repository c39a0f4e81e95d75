// Appeals at scale: generates appeals deterministically straight into SQLite (rows as the service
// writes them: appeal, requester, history), then measures through AppealService and Scheduler:
//   1. the three rates for a year by department,
//   2. the officer queue page (open appeals of one unit, by due time) p50/p95 over 200 pages,
//   3. `sla replay` of every open appeal (rate),
//   4. scheduler lag (fire time - due time) p50/p99 with N pending timers.
// Usage: kechan_bench_appeals [--appeals N] [--timers N] [--dir DIR]. Prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "appeals/migrations.h"
#include "appeals/service.h"
#include "auth/migrations.h"
#include "base/calendar.h"
#include "flow/scheduler.h"
#include "store/migrations.h"

using namespace kechan;

namespace {

constexpr base::Micros kHour = 3'600'000'000LL;

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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

}  // namespace

int main(int argc, char** argv) {
  int64_t n_appeals = 100000;
  int64_t n_timers = 100000;
  std::string dir = "/tmp/kechan-bench-appeals";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--appeals") n_appeals = std::atoll(argv[i + 1]);
    if (a == "--timers") n_timers = std::atoll(argv[i + 1]);
    if (a == "--dir") dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto db_or = store::Open({.url = "sqlite:" + dir + "/bench.db", .synchronous_full = false});
  Check(db_or.status(), "open");
  auto db = std::move(*db_or);
  std::vector<store::Migration> all = store::StoreMigrations();
  for (auto&& part : {auth::Migrations(), flow::Migrations(), appeals::Migrations()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  Check(store::Migrate(*db, all).status(), "migrate");
  auto cal = std::make_shared<base::BusinessCalendar>(base::BusinessCalendar::Shipped());
  const base::Micros now = base::SystemClock::Get().NowMicros();
  const base::Micros year = 365LL * 24 * kHour;
  const int kUnits = 40;
  const int kFirms = 20000;

  // ---- generate ------------------------------------------------------------------------------
  auto t0 = std::chrono::steady_clock::now();
  int64_t history_rows = 0, open = 0;
  Check(
      store::WithWriteTx(
          *db,
          [&](store::Tx& tx) -> base::Status {
            for (int u = 1; u <= kUnits; ++u) {
              KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO orgs (id, kind, name, created_at) VALUES "
                                             "(?, 'government', ?, 0)",
                                             {int64_t{u}, "部门" + std::to_string(u)})
                                         .status());
            }
            for (int f = 0; f < kFirms; ++f) {
              KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO orgs (id, kind, name, created_at) VALUES "
                                             "(?, 'enterprise', ?, 0)",
                                             {int64_t{1000 + f}, "企业" + std::to_string(f)})
                                         .status());
            }
            return base::Status();
          }),
      "orgs");
  const char* types[] = {"financing", "permits", "talent", "policy", "utilities", "other"};
  const int64_t batch = 5000;
  for (int64_t start = 1; start <= n_appeals; start += batch) {
    Check(
        store::WithWriteTx(
            *db,
            [&](store::Tx& tx) -> base::Status {
              for (int64_t id = start; id < std::min(n_appeals + 1, start + batch); ++id) {
                uint64_t r = Mix(static_cast<uint64_t>(id));
                const base::Micros created = now - static_cast<base::Micros>(r % year);
                const int64_t unit = 1 + static_cast<int64_t>((r >> 8) % kUnits);
                const int64_t org = 1000 + static_cast<int64_t>((r >> 16) % kFirms);
                const bool is_open = created > now - 20LL * 24 * kHour && (r >> 24) % 3 != 0;
                const base::Micros disp = cal->AddWorkingTime(created, kHour);
                const base::Micros sign = cal->AddWorkingTime(disp, (1 + (r >> 28) % 12) * kHour);
                const base::Micros contact =
                    cal->AddWorkingTime(sign, (1 + (r >> 32) % 16) * kHour);
                const base::Micros reply =
                    cal->AddWorkingTime(contact, (4 + (r >> 36) % 60) * kHour);
                const std::string state = is_open ? "in_progress" : "archived";
                KECHAN_RETURN_IF_ERROR(
                    tx.Exec(
                          "INSERT INTO appeals (id, title, body, type, channel, state, org_id, "
                          "district, lead_unit, created_at, updated_at, dispatched_at, signed_at, "
                          "contacted_at, replied_at, closed_at, sla, due_at, response_on_time, "
                          "resolution_on_time) VALUES (?, '合成诉求', '合成', ?, 'web', ?, ?, "
                          "'高新区', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          {id, std::string(types[r % 6]), state, org, unit, created, contact, disp,
                           sign, contact, is_open ? store::Value(nullptr) : store::Value(reply),
                           is_open ? store::Value(nullptr) : store::Value(reply + kHour),
                           std::string(is_open ? "green" : "done"),
                           is_open ? store::Value(reply) : store::Value(nullptr),
                           int64_t{(r >> 40) % 10 != 0}, int64_t{(r >> 44) % 8 != 0}})
                        .status());
                KECHAN_RETURN_IF_ERROR(
                    tx.Exec("INSERT INTO appeal_units (appeal_id, org_id, lead) VALUES (?, ?, 1)",
                            {id, unit})
                        .status());
                if (!is_open) {
                  const int s = static_cast<int>((r >> 48) % 100);
                  KECHAN_RETURN_IF_ERROR(
                      tx.Exec("INSERT INTO appeal_requesters (appeal_id, user_id, name, visited, "
                              "resolved, satisfaction) VALUES (?, 0, '联系人', 1, ?, ?)",
                              {id, std::string(s < 85 ? "yes" : "no"),
                               std::string(s < 70   ? "satisfied"
                                           : s < 90 ? "basically"
                                                    : "not")})
                          .status());
                } else {
                  ++open;
                  // The history the clocks replay (open appeals only; closed ones are not
                  // replayed).
                  const std::pair<const char*, base::Micros> hs[] = {{"appeal.received", created},
                                                                     {"appeal.dispatched", disp},
                                                                     {"appeal.signed_for", sign},
                                                                     {"appeal.contacted", contact}};
                  int64_t seq = id * 10;
                  for (const auto& [kind, at] : hs) {
                    KECHAN_RETURN_IF_ERROR(
                        tx.Exec("INSERT INTO appeal_history (appeal_id, seq, at, kind) VALUES (?, "
                                "?, ?, ?)",
                                {id, ++seq, at, std::string(kind)})
                            .status());
                    ++history_rows;
                  }
                }
              }
              return base::Status();
            }),
        "generate");
  }
  const double gen_s = Seconds(t0);

  appeals::AppealService svc(*db, base::SystemClock::Get(), [cal] { return cal; }, nullptr, {});

  // ---- 1. three rates by department for a year
  // ---------------------------------------------------
  const base::Date to = base::LocalDateOf(now);
  t0 = std::chrono::steady_clock::now();
  auto m = svc.Metrics(appeals::Caller::System(),
                       {.from = to.AddDays(-365), .to = to, .by = "department"});
  Check(m.status(), "metrics");
  const double metrics_s = Seconds(t0);

  // ---- 2. officer queue page
  // ----------------------------------------------------------------------
  std::vector<double> page_ms;
  for (int i = 0; i < 200; ++i) {
    auth::Principal p;
    p.user = base::UserId{1};
    p.memberships = {{base::OrgId{1 + i % kUnits}, auth::Role::kOfficer}};
    p.method = auth::AuthMethod::kSession;
    appeals::ListFilter f;
    f.states = {"open"};
    f.page = 1 + i % 3;
    auto q0 = std::chrono::steady_clock::now();
    auto page = svc.List(appeals::Caller::Of(p), f);
    Check(page.status(), "list");
    page_ms.push_back(Seconds(q0) * 1000);
  }

  // ---- 3. replay
  // -----------------------------------------------------------------------------------
  auto replay = svc.ReplayClocks();
  Check(replay.status(), "replay");

  // ---- 4. scheduler lag
  // ----------------------------------------------------------------------------
  flow::Scheduler sched(*db, base::SystemClock::Get());
  std::vector<double> lag_ms;
  lag_ms.reserve(static_cast<size_t>(n_timers));
  sched.Handle("bench.noop", [&lag_ms](store::Tx&, const flow::Timer& t, base::Micros at) {
    lag_ms.push_back(static_cast<double>(at - t.due_at) / 1000.0);
    return base::Result<flow::FireDecision>(flow::FireDecision{});
  });
  const base::Micros arm_at = base::SystemClock::Get().NowMicros();
  // N pending timers spread over the next hour; the first 2,000 fall due 20-22 s after arming
  // started (arming 100k takes several seconds), the rest an hour later.
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
  // A background-job loop as the server runs it: FireDue(500), and sleep 1 s when idle... but a
  // 50 ms idle wait here so the lag measures the firing path, then the 1 s period separately.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (lag_ms.size() < 2000 && std::chrono::steady_clock::now() < deadline) {
    auto n = sched.FireDue(500);
    Check(n.status(), "fire");
    if (*n == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::printf(
      "{\"appeals\":%lld,\"open\":%lld,\"history_rows\":%lld,\"generate_s\":%.1f,"
      "\"metrics_by_department_year_s\":%.3f,\"metrics_rows\":%zu,"
      "\"queue_page_ms\":{\"p50\":%.2f,\"p95\":%.2f},"
      "\"replay\":{\"appeals\":%lld,\"seconds\":%.2f,\"per_second\":%.0f},"
      "\"timers_pending\":%lld,\"arm_s\":%.1f,\"fired\":%zu,"
      "\"scheduler_lag_ms\":{\"p50\":%.1f,\"p99\":%.1f,\"poll_ms\":50}}\n",
      static_cast<long long>(n_appeals), static_cast<long long>(open),
      static_cast<long long>(history_rows), gen_s, metrics_s, m->rows.size(), Pct(page_ms, 0.5),
      Pct(page_ms, 0.95), static_cast<long long>(replay->appeals), replay->seconds,
      replay->seconds > 0 ? static_cast<double>(replay->appeals) / replay->seconds : 0.0,
      static_cast<long long>(n_timers), arm_s, lag_ms.size(), Pct(lag_ms, 0.5), Pct(lag_ms, 0.99));
  std::filesystem::remove_all(dir);
  return 0;
}
