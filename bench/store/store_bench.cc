// Event-log append throughput through the storage port: each iteration is one write transaction
// that appends one event (the shape of every kechan write), on SQLite (synchronous FULL and
// NORMAL) and, when KECHAN_BENCH_PG holds a libpq URL, on PostgreSQL in a throwaway schema.
// items_per_second is events per second summed over the writer threads. Each SQLite database
// first gets KECHAN_BENCH_WARMUP (default 1500) events so the WAL is in its steady state.
//
//   build-release/bench/store/kechan_bench_store
//   KECHAN_BENCH_PG=$(scripts/pg-test-env start /tmp/pg --durable) kechan_bench_store
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "benchmark/benchmark.h"
#include "store/database.h"
#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::store {
namespace {

const std::string kPayload =
    "{\"title\":\"企业诉求：园区电力增容\",\"district\":\"高新区\",\"chain\":\"集成电路\","
    "\"channel\":\"web\",\"priority\":2,\"note\":\"synthetic benchmark payload\"}";

void BM_AppendEvent(benchmark::State& state, Database* db) {
  const base::Clock& clock = base::SystemClock::Get();
  EventDraft draft{"appeal.created", "appeal", std::to_string(state.thread_index()), "user:1",
                   kPayload};
  for (auto _ : state) {
    Status s = WithWriteTx(*db, [&](Tx& tx) -> Status {
      auto seq = AppendEvent(tx, draft, clock);
      return seq.ok() ? Status::Ok() : seq.status();
    });
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

std::unique_ptr<Database> OpenOrDie(const std::string& url, bool sync_full) {
  OpenOptions opts;
  opts.url = url;
  opts.read_connections = 8;
  opts.busy_timeout_ms = 60000;
  opts.synchronous_full = sync_full;
  auto db = Open(opts);
  if (!db.ok()) {
    std::cerr << "open " << url << ": " << db.status() << "\n";
    std::exit(1);
  }
  auto m = Migrate(**db, StoreMigrations());
  if (!m.ok()) {
    std::cerr << "migrate " << url << ": " << m.status() << "\n";
    std::exit(1);
  }
  return std::move(*db);
}

// Appends `n` events so the run starts from a steady state (a WAL file that has already grown and
// been recycled, as on a server that has been up for a while) instead of a fresh file.
void WarmUp(Database& db, int n) {
  for (int i = 0; i < n; ++i) {
    Status s = WithWriteTx(db, [&](Tx& tx) -> Status {
      auto seq = AppendEvent(tx, {"bench.warmup", "bench", "0", "system", kPayload},
                             base::SystemClock::Get());
      return seq.ok() ? Status::Ok() : seq.status();
    });
    if (!s.ok()) {
      std::cerr << "warm-up: " << s << "\n";
      std::exit(1);
    }
  }
}

void Register(const std::string& name, Database* db) {
  for (int threads : {1, 8}) {
    benchmark::RegisterBenchmark(("BM_AppendEvent/" + name).c_str(), BM_AppendEvent, db)
        ->Threads(threads)
        ->UseRealTime()
        ->MinTime(2.0);
  }
}

void VerifyOrDie(const std::string& name, Database& db) {
  auto r = VerifyLog(db);
  if (!r.ok() || !r->ok) {
    std::cerr << name
              << ": event log does not verify: " << (r.ok() ? r->reason : r.status().ToString())
              << "\n";
    std::exit(1);
  }
  std::cerr << name << ": " << r->checked << " events appended and verified\n";
}

Status RunSql(Database& db, const std::string& sql) {
  return WithWriteTx(db, [&](Tx& tx) { return tx.Exec(sql).status(); });
}

}  // namespace
}  // namespace kechan::store

int main(int argc, char** argv) {
  using namespace kechan::store;  // NOLINT(google-build-using-namespace)
  benchmark::Initialize(&argc, argv);
  const auto dir =
      std::filesystem::temp_directory_path() / ("kechan-bench-store-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  auto sqlite_full = OpenOrDie("sqlite:" + (dir / "full.db").string(), /*sync_full=*/true);
  auto sqlite_normal = OpenOrDie("sqlite:" + (dir / "normal.db").string(), /*sync_full=*/false);
  const int warmup = std::getenv("KECHAN_BENCH_WARMUP") != nullptr
                         ? std::atoi(std::getenv("KECHAN_BENCH_WARMUP"))
                         : 1500;
  WarmUp(*sqlite_full, warmup);
  WarmUp(*sqlite_normal, warmup);
  Register("sqlite_sync_full", sqlite_full.get());
  Register("sqlite_sync_normal", sqlite_normal.get());

  std::unique_ptr<Database> pg_admin;
  std::unique_ptr<Database> pg;
  const std::string schema = "kechan_bench_" + std::to_string(::getpid());
  if (const char* url = std::getenv("KECHAN_BENCH_PG"); url != nullptr && *url != '\0') {
    pg_admin = OpenOrDie(url, true);
    Status s = RunSql(*pg_admin, "CREATE SCHEMA " + schema);
    if (!s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
    const std::string base = url;
    pg = OpenOrDie(base + (base.find('?') == std::string::npos ? "?" : "&") +
                       "options=-csearch_path%3D" + schema,
                   true);
    Register("postgres", pg.get());
  } else {
    std::cerr << "KECHAN_BENCH_PG not set: skipping PostgreSQL\n";
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  VerifyOrDie("sqlite_sync_full", *sqlite_full);
  VerifyOrDie("sqlite_sync_normal", *sqlite_normal);
  if (pg) {
    VerifyOrDie("postgres", *pg);
    pg.reset();
    (void)RunSql(*pg_admin, "DROP SCHEMA " + schema + " CASCADE");
  }
  sqlite_full.reset();
  sqlite_normal.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
