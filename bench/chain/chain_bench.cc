// kechan_bench_chain: the chain module at city scale (issue 3 "Measured"). Generates a
// deterministic synthetic dataset (splitmix64, like the demo generator): C chains of N nodes,
// E enterprises each linked to L nodes of one chain (E × L enterprise↔node links), imports it
// through ChainService::Import (CSV, batches of --batch rows: one transaction and one event per
// batch), then measures one-chain analysis p50/p95, city-wide coverage of every chain, the
// enterprise list page with three filters (district, above-size, chain) p50/p95 and peak RSS;
// then, as a same-run baseline, the whole-snapshot path (LoadSnapshot + AnalyzeChain /
// NodeCoverage) that the aggregates replaced. Prints one JSON object.
//
// usage: kechan_bench_chain --db URL [--enterprises 1000000] [--links-per 5] [--chains 8]
//                           [--nodes 60] [--batch 50000] [--repeat 20] [--baseline-repeat 3]
//                           [--phase all|import|measure] [--from 0] [--link-rows 0] [--link-from 0]
//   URL: a SQLite file path (a fresh file) or postgresql://... (an empty database).
//   --phase import: create the taxonomy (when --from is 0) and import enterprises --from ..
//   --enterprises - 1, then stop (so a big import can be split over several runs; each batch's
//   data depends only on its first row number). --phase measure: the measurements only, on a
//   database an import phase filled. --link-rows N (measure): afterwards imports N more links
//   (role user, one per enterprise from the first) through the links importer and reports its
//   rate; --link-from K starts at the K-th enterprise instead (so a database can take several
//   such runs: a firm's second user link at N1 would be a duplicate). --baseline-city 0: skip the
//   old path's city-wide pass (one snapshot per chain; minutes at 1M on a loaded machine) and keep
//   only its one-chain analysis. --diff-repeat N (default 5, 0 = skip): the diff between two dates,
//   a year back and from before any record, N times each.
//   --diff-links-per-read N (default ChainService::kDefaultDiffLinksPerRead): about how many links
//   the diff reads and holds at once (ChainService::SetDiffLinksPerRead), for a same-run
//   comparison of time and peak RSS.
//   --sqlite-rows-per-insert N: rows per INSERT statement of the imports on SQLite (default 200;
//   1 = one prepared statement per row, without a statement journal), for a same-run comparison.
//   --synchronous full|normal (SQLite, default full as the product opens it; before 2026-11-29
//   20:30 UTC the bench always used normal): the writer's PRAGMA synchronous.
//   --writer-pragma NAME=VALUE (repeatable; SQLite): runs PRAGMA NAME=VALUE on the writer
//   connection before the import (e.g. cache_size=-262144, wal_autocheckpoint=10000), for a
//   same-run comparison of a setting; the value it then reads back is printed on stderr.
//   Each import batch prints a line on stderr: its wall time split into the row check (read
//   snapshot, up to the first write), the writes and the commit (event, commit, checkpoint), and
//   the user / system CPU it took.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "base/clock.h"
#include "chain/migrations.h"
#include "chain/repo.h"
#include "chain/service.h"
#include "store/migrations.h"

namespace {

using namespace kechan;         // NOLINT: a benchmark program
using namespace kechan::chain;  // NOLINT
using Clock = std::chrono::steady_clock;

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Pick(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

constexpr const char* kDistricts[][2] = {
    {"锦江区", "510104"}, {"青羊区", "510105"},   {"金牛区", "510106"},   {"武侯区", "510107"},
    {"成华区", "510108"}, {"龙泉驿区", "510112"}, {"青白江区", "510113"}, {"新都区", "510114"},
    {"温江区", "510115"}, {"双流区", "510116"},   {"郫都区", "510117"},   {"新津区", "510118"},
};

std::string OrgBody(uint64_t serial) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string body(8, '0');
  for (int i = 7; i >= 0; --i) {
    body[static_cast<size_t>(i)] = kAlphabet[serial % 31];
    serial /= 31;
  }
  return body;
}

double TvMs(const timeval& tv) {
  return (static_cast<double>(tv.tv_sec) * 1000.0) + (static_cast<double>(tv.tv_usec) / 1000.0);
}
// User CPU time of this process so far, in milliseconds.
double UserCpuMs() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return TvMs(ru.ru_utime);
}
// User + system CPU time of this process so far, in milliseconds.
double CpuMs() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return TvMs(ru.ru_utime) + TvMs(ru.ru_stime);
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

[[noreturn]] void Die(const base::Status& s) {
  std::cerr << "kechan_bench_chain: " << s << "\n";
  std::exit(1);
}

template <typename T>
T Must(base::Result<T> r) {
  if (!r.ok()) {
    Die(r.status());
  }
  return std::move(*r);
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  int64_t enterprises = 1000000;
  int links_per = 5;
  int chains = 8;
  int nodes = 60;
  int64_t batch = 50000;
  int repeat = 20;
  int baseline_repeat = 3;
  std::string phase = "all";
  int64_t from = 0;
  int64_t link_rows = 0;
  int64_t link_from = 0;
  bool baseline_city = true;
  int diff_repeat = 5;
  size_t diff_links_per_read = ChainService::kDefaultDiffLinksPerRead;
  std::vector<std::string> writer_pragmas;
  bool synchronous_full = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--db") {
      url = value;
    } else if (flag == "--enterprises") {
      enterprises = std::stoll(value);
    } else if (flag == "--links-per") {
      links_per = std::stoi(value);
    } else if (flag == "--chains") {
      chains = std::stoi(value);
    } else if (flag == "--nodes") {
      nodes = std::stoi(value);
    } else if (flag == "--batch") {
      batch = std::stoll(value);
    } else if (flag == "--repeat") {
      repeat = std::stoi(value);
    } else if (flag == "--baseline-repeat") {
      baseline_repeat = std::stoi(value);
    } else if (flag == "--phase") {
      phase = value;
    } else if (flag == "--from") {
      from = std::stoll(value);
    } else if (flag == "--link-rows") {
      link_rows = std::stoll(value);
    } else if (flag == "--link-from") {
      link_from = std::stoll(value);
    } else if (flag == "--baseline-city") {
      baseline_city = value != "0";
    } else if (flag == "--diff-repeat") {
      diff_repeat = std::stoi(value);
    } else if (flag == "--diff-links-per-read") {
      diff_links_per_read = std::stoul(value);
    } else if (flag == "--synchronous") {
      synchronous_full = value != "normal";
    } else if (flag == "--writer-pragma") {
      writer_pragmas.push_back(value);
    } else if (flag == "--sqlite-rows-per-insert") {
      repo::SetSqliteRowsPerInsert(static_cast<size_t>(std::stoll(value)));
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (url.empty() || links_per < 1 || links_per > nodes ||
      (phase != "all" && phase != "import" && phase != "measure")) {
    std::cerr << "usage: kechan_bench_chain --db URL [--enterprises N] [--links-per L] "
                 "[--chains C] [--nodes N] [--batch B] [--repeat R]\n";
    return 2;
  }
  auto db = Must(store::Open({.url = url, .synchronous_full = synchronous_full}));
  std::vector<store::Migration> all = store::StoreMigrations();
  for (auto&& part : {auth::Migrations(), Migrations()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  Must(store::Migrate(*db, all));
  for (const std::string& pragma : writer_pragmas) {
    // The store has one writer connection: a write transaction runs on it, and a PRAGMA set there
    // stays set for the connection's life.
    auto tx = Must(db->Begin(store::TxKind::kWrite));
    Must(tx->Exec("PRAGMA " + pragma));
    const std::string name = pragma.substr(0, pragma.find('='));
    store::Rows rows = Must(tx->Query("PRAGMA " + name));
    std::cerr << "writer PRAGMA " << name << " = "
              << (rows.rows.empty() ? std::string("(none)") : rows.rows[0].Text(0)) << "\n";
    if (!tx->Commit().ok()) {
      std::cerr << "cannot commit after PRAGMA " << pragma << "\n";
      return 1;
    }
  }
  ChainService service(*db, base::SystemClock::Get());
  service.SetDiffLinksPerRead(diff_links_per_read);
  const Caller sys = Caller::System("bench");

  std::vector<Chain> chain_list;
  if (phase == "measure" || from > 0) {
    // The taxonomy an earlier import phase created.
    for (const ChainSummary& c : Must(service.ListChains(sys))) {
      chain_list.push_back(c.chain);
    }
    std::sort(chain_list.begin(), chain_list.end(),
              [](const Chain& a, const Chain& b) { return a.id < b.id; });
    if (chain_list.empty()) {
      std::cerr << "no chains in " << url << ": run --phase import first\n";
      return 1;
    }
  } else {
    // Taxonomy: one cluster, `chains` chains of `nodes` nodes (a few top-level nodes per segment,
    // the rest below them).
    Cluster cl;
    cl.code = "B-EI";
    cl.name = "基准集群";
    cl.tier = Tier::kTrillion;
    cl = Must(service.CreateCluster(sys, cl));
    for (int c = 0; c < chains; ++c) {
      Chain ch;
      ch.code = "B-" + std::to_string(c + 1);
      ch.name = "基准产业链" + std::to_string(c + 1);
      ch.cluster_id = cl.id;
      chain_list.push_back(Must(service.CreateChain(sys, ch)));
      std::vector<NodeId> tops;
      for (int n = 0; n < nodes; ++n) {
        Node node;
        node.chain_id = chain_list.back().id;
        node.code = "N" + std::to_string(n + 1);
        node.name = "节点" + std::to_string(n + 1);
        node.segment = static_cast<Segment>(n % 3);
        node.criticality = 1 + n % 5;
        node.choke_point = n % 11 == 0;
        if (n >= 6) {
          node.parent_id = tops[static_cast<size_t>(n) % tops.size()];
        }
        Node made = Must(service.CreateNode(sys, node));
        if (n < 6) {
          tops.push_back(made.id);
        }
      }
    }
  }

  // Enterprises with their links, imported in batches through the CSV importer.
  const auto import_start = Clock::now();
  int64_t imported = 0;
  int64_t links = 0;
  double import_ms = 0;
  double import_cpu_ms = 0;  // user + system CPU: less sensitive to a loaded machine than wall
  for (int64_t first = phase == "measure" ? enterprises : from; first < enterprises;
       first += batch) {
    const int64_t last = std::min(enterprises, first + batch);
    Rng rng(20260101ULL ^ (static_cast<uint64_t>(first) * 0x9E3779B97F4A7C15ULL));
    std::string csv =
        "uscc,name,district,above_size,year,revenue,chain,nodes,role,locality,capacity\n";
    csv.reserve(static_cast<size_t>(last - first) * 160);
    for (int64_t i = first; i < last; ++i) {
      const auto& d = kDistricts[rng.Pick(std::size(kDistricts))];
      auto uscc = auth::MakeUscc('9', '1', d[1], OrgBody(7000003ULL + static_cast<uint64_t>(i)));
      if (!uscc.ok()) {
        Die(uscc.status());
      }
      const size_t c = rng.Pick(chain_list.size());
      std::string node_codes;
      const size_t start = rng.Pick(static_cast<size_t>(nodes));
      const size_t step = 1 + rng.Pick(3);
      for (int k = 0; k < links_per; ++k) {
        node_codes += (k ? ";N" : "N") +
                      std::to_string(
                          (start + static_cast<size_t>(k) * step) % static_cast<size_t>(nodes) + 1);
      }
      csv += *uscc + ",基准企业" + std::to_string(i + 1) + "（示例）," + d[0] + "," +
             (rng.Pick(10) < 3 ? "1" : "0") + ",2025," + std::to_string(1000 + rng.Pick(900000)) +
             ".00," + chain_list[c].code + "," + node_codes + "," +
             (rng.Pick(50) == 0 ? "chain_master" : "supplier") + "," +
             (rng.Pick(10) < 7 ? "local" : "external") + "," + std::to_string(rng.Pick(5000)) +
             "\n";
    }
    const auto t0 = Clock::now();
    const double cpu0 = CpuMs();
    const double user0 = UserCpuMs();
    // The first and the last "writing" progress call split the batch into the row check, the
    // writes and the commit.
    std::optional<Clock::time_point> first_write;
    Clock::time_point last_write{};
    ImportOptions options{.source = "bench"};
    options.progress = [&](std::string_view phase, int64_t, int64_t) {
      if (phase == "writing") {
        last_write = Clock::now();
        if (!first_write) {
          first_write = last_write;
        }
      }
    };
    ImportReport r = Must(service.Import(sys, ImportKind::kEnterprises, csv, options));
    const auto t1 = Clock::now();
    import_ms += Ms(t1 - t0);
    const double batch_cpu_ms = CpuMs() - cpu0;
    const double batch_user_ms = UserCpuMs() - user0;
    import_cpu_ms += batch_cpu_ms;
    std::fprintf(
        stderr,
        "{\"batch\":%lld,\"ms\":%.0f,\"check_ms\":%.0f,\"write_ms\":%.0f,"
        "\"commit_ms\":%.0f,\"user_ms\":%.0f,\"sys_ms\":%.0f}\n",
        static_cast<long long>(first), Ms(t1 - t0), first_write ? Ms(*first_write - t0) : 0.0,
        first_write ? Ms(last_write - *first_write) : 0.0, first_write ? Ms(t1 - last_write) : 0.0,
        batch_user_ms, batch_cpu_ms - batch_user_ms);
    if (!r.committed || !r.errors.empty()) {
      std::cerr << "batch at " << first
                << " not committed: " << (r.errors.empty() ? "" : r.errors[0].ToJson()) << "\n";
      return 1;
    }
    imported += r.imported;
    links += r.links;
    std::cerr << "  imported " << imported << " enterprises, " << links << " links\n";
  }
  const double wall_ms = Ms(Clock::now() - import_start);
  if (phase == "import") {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    std::printf(
        "{\"db\":\"%s\",\"phase\":\"import\",\"from\":%lld,\"enterprises\":%lld,"
        "\"links\":%lld,\"import_ms\":%.0f,\"import_wall_ms\":%.0f,"
        "\"import_rows_per_s\":%.0f,\"import_records_per_s\":%.0f,\"import_cpu_ms\":%.0f,"
        "\"import_records_per_cpu_s\":%.0f,\"peak_rss_mib\":%.1f}\n",
        db->Describe().c_str(), static_cast<long long>(from), static_cast<long long>(imported),
        static_cast<long long>(links), import_ms, wall_ms,
        static_cast<double>(imported) / (import_ms / 1000.0),
        static_cast<double>(imported + links) / (import_ms / 1000.0), import_cpu_ms,
        static_cast<double>(imported + links) / (import_cpu_ms / 1000.0),
        static_cast<double>(ru.ru_maxrss) / 1024.0);
    return 0;
  }

  // One-chain analysis.
  std::vector<double> analysis_ms;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    ChainAnalysis a = Must(service.Analyze(sys, chain_list[0].id, base::Date()));
    analysis_ms.push_back(Ms(Clock::now() - t0));
    (void)a;
  }
  std::vector<double> analysis_ms_today;
  const base::Date today = base::LocalDateOf(base::SystemClock::Get().NowMicros());
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    ChainAnalysis a = Must(service.Analyze(sys, chain_list[0].id, today));
    analysis_ms_today.push_back(Ms(Clock::now() - t0));
  }
  // The diff between two dates (ChainService::Diff, with the firm changes and their names): a
  // year back to today, and from the day before any record (every firm of the chain joins every
  // node: the worst case, where no node's aggregate holds on `from` and every node's links are
  // read); against the whole-snapshot path it replaced (LoadSnapshot + model.h DiffChain), once
  // each, when --baseline-repeat > 0 (the run fails if the two disagree on the changes).
  std::vector<double> diff_year_ms;
  std::vector<double> diff_all_ms;
  const base::Date year_back = today.AddDays(-365);
  const base::Date before_all = base::Date().AddDays(-1);
  size_t diff_year_changes = 0;
  size_t diff_all_changes = 0;
  auto changes = [](const ChainDiff& d) {
    size_t n = 0;
    for (const NodeFirmChange& c : d.firm_changes) {
      n += c.added.size() + c.removed.size();
    }
    return n;
  };
  for (int i = 0; i < diff_repeat; ++i) {
    auto t0 = Clock::now();
    ChainService::DiffResult d = Must(service.Diff(sys, chain_list[0].id, year_back, today));
    diff_year_ms.push_back(Ms(Clock::now() - t0));
    diff_year_changes = changes(d.diff);
    t0 = Clock::now();
    d = Must(service.Diff(sys, chain_list[0].id, before_all, today));
    diff_all_ms.push_back(Ms(Clock::now() - t0));
    diff_all_changes = changes(d.diff);
  }
  double baseline_diff_year_ms = 0;
  double baseline_diff_all_ms = 0;
  if (baseline_repeat > 0 && diff_repeat > 0) {
    for (int pass = 0; pass < 2; ++pass) {
      const base::Date from = pass == 0 ? year_back : before_all;
      const auto t0 = Clock::now();
      ChainSnapshot s = Must(service.LoadSnapshot(chain_list[0].id));
      ChainDiff d = DiffChain(s, from, today);
      std::map<EnterpriseId, std::string> names;  // as the old Diff named the changed firms
      for (const Enterprise& e : s.enterprises) {
        names.emplace(e.id, e.name);
      }
      (pass == 0 ? baseline_diff_year_ms : baseline_diff_all_ms) = Ms(Clock::now() - t0);
      if (changes(d) != (pass == 0 ? diff_year_changes : diff_all_changes)) {
        std::cerr << "diff differs from the snapshot path: " << changes(d) << " firm changes vs "
                  << (pass == 0 ? diff_year_changes : diff_all_changes) << "\n";
        return 1;
      }
    }
  }
  std::fprintf(stderr,
               "{\"diff\":{\"links_per_read\":%zu,\"year_back_changes\":%zu,"
               "\"year_back_p50_ms\":%.1f,"
               "\"year_back_p95_ms\":%.1f,\"old_year_back_ms\":%.0f,\"before_all_changes\":%zu,"
               "\"before_all_p50_ms\":%.1f,\"before_all_p95_ms\":%.1f,"
               "\"old_before_all_ms\":%.0f}}\n",
               diff_links_per_read, diff_year_changes, Percentile(diff_year_ms, 0.5),
               Percentile(diff_year_ms, 0.95), baseline_diff_year_ms, diff_all_changes,
               Percentile(diff_all_ms, 0.5), Percentile(diff_all_ms, 0.95), baseline_diff_all_ms);
  // The reads this pass replaced, old and new side by side in the same run (interleaved, on the
  // first chain, as of today): the chain masters' links with all columns through
  // chain_links_node_role + a table lookup per link, their enterprise records with all columns,
  // and counting the chain's firm rows; against the covering partial index chain_links_masters,
  // id/name/validity only, and the per-chain count row (migration 7).
  std::vector<double> old_parts_ms;
  std::vector<double> new_parts_ms;
  int64_t parts_masters = 0;
  int64_t parts_firms = 0;
  for (int i = 0; i < repeat; ++i) {
    for (int pass = 0; pass < 2; ++pass) {
      const bool old_path = (pass + i) % 2 == 0;  // alternate which goes first
      auto tx = Must(db->Begin(store::TxKind::kRead));
      const auto t0 = Clock::now();
      std::vector<Link> masters =
          old_path
              ? Must(repo::ListLinksOfChainWithRole(*tx, chain_list[0].id, LinkRole::kChainMaster))
              : Must(repo::ListMasterLinksOfChain(*tx, chain_list[0].id));
      std::vector<EnterpriseId> ids;
      for (const Link& l : masters) {
        ids.push_back(l.enterprise_id);
      }
      std::vector<Enterprise> firms = old_path ? Must(repo::ListEnterprisesByIds(*tx, ids))
                                               : Must(repo::ListFirmsForRanking(*tx, ids));
      const int64_t count = old_path ? Must(repo::RecountChainFirmsOn(*tx, chain_list[0].id, today))
                                     : Must(repo::CountChainFirmsOn(*tx, chain_list[0].id, today));
      (old_path ? old_parts_ms : new_parts_ms).push_back(Ms(Clock::now() - t0));
      if (parts_masters != 0 &&
          (parts_masters != static_cast<int64_t>(masters.size()) || parts_firms != count)) {
        std::cerr << "old and new reads differ: " << masters.size() << " vs " << parts_masters
                  << " master links, " << count << " vs " << parts_firms << " firms\n";
        return 1;
      }
      parts_masters = static_cast<int64_t>(masters.size());
      parts_firms = count;
      (void)firms;
    }
  }
  std::fprintf(stderr,
               "{\"replaced_reads\":{\"master_links\":%lld,\"chain_firms\":%lld,"
               "\"old_p50_ms\":%.1f,\"old_p95_ms\":%.1f,\"new_p50_ms\":%.1f,"
               "\"new_p95_ms\":%.1f}}\n",
               static_cast<long long>(parts_masters), static_cast<long long>(parts_firms),
               Percentile(old_parts_ms, 0.5), Percentile(old_parts_ms, 0.95),
               Percentile(new_parts_ms, 0.5), Percentile(new_parts_ms, 0.95));
  // City-wide coverage: every chain's coverage as of today, from the per-node aggregates.
  const auto c0 = Clock::now();
  double coverage_sum = 0;
  for (const ChainCoverage& c : Must(service.CoverageByChain(today))) {
    coverage_sum += c.coverage;
  }
  const double city_ms = Ms(Clock::now() - c0);
  // The same-run baseline: the whole-snapshot path these replaced (LoadSnapshot + model.h
  // AnalyzeChain / NodeCoverage), `baseline_repeat` analyses and one city-wide pass.
  std::vector<double> baseline_analysis_ms;
  double baseline_city_ms = 0;
  double baseline_coverage_sum = 0;
  if (baseline_repeat > 0) {
    for (int i = 0; i < baseline_repeat; ++i) {
      const auto t0 = Clock::now();
      ChainSnapshot s = Must(service.LoadSnapshot(chain_list[0].id));
      ChainAnalysis a = AnalyzeChain(s, today);
      (void)a;
      baseline_analysis_ms.push_back(Ms(Clock::now() - t0));
    }
    const auto b0 = Clock::now();
    for (const auto& ch : chain_list) {
      if (!baseline_city) {
        baseline_coverage_sum = coverage_sum;  // not compared: the city-wide baseline is off
        break;
      }
      ChainSnapshot s = Must(service.LoadSnapshot(ch.id));
      baseline_coverage_sum += NodeCoverage(s, today);
    }
    baseline_city_ms = Ms(Clock::now() - b0);
    if (std::abs(baseline_coverage_sum - coverage_sum) > 1e-9) {
      std::cerr << "coverage differs from the snapshot path: " << coverage_sum << " vs "
                << baseline_coverage_sum << "\n";
      return 1;
    }
  }
  // Enterprise list with three filters.
  std::vector<double> list_ms;
  int64_t list_total = 0;
  for (int i = 0; i < repeat * 5; ++i) {
    EnterpriseFilter f;
    f.district = kDistricts[static_cast<size_t>(i) % std::size(kDistricts)][0];
    f.above_size = true;
    f.chain_id = chain_list[static_cast<size_t>(i) % chain_list.size()].id;
    const auto t0 = Clock::now();
    EnterprisePage p = Must(service.ListEnterprises(sys, f, {.page = 1 + i % 5, .page_size = 20}));
    list_ms.push_back(Ms(Clock::now() - t0));
    list_total = p.total;
  }
  // The links importer: `link_rows` more links (role user at N1 of the firm's chain), in batches.
  double link_import_ms = 0;
  double link_import_cpu_ms = 0;
  int64_t link_imported = 0;
  if (link_rows > 0) {
    std::vector<std::pair<std::string, std::string>> firms;  // (uscc, chain code)
    {
      auto tx = Must(db->Begin(store::TxKind::kRead));
      std::vector<store::Value> params{link_rows, link_from};
      store::Rows rows = Must(tx->Query(
          "SELECT e.uscc, c.code FROM chain_enterprises e JOIN chain_chain_firms m ON "
          "m.enterprise_id = e.id JOIN chain_chains c ON c.id = m.chain_id ORDER BY e.id LIMIT ? "
          "OFFSET ?",
          params));
      for (const auto& r : rows.rows) {
        firms.emplace_back(r.Text(0), r.Text(1));
      }
    }
    for (size_t first = 0; first < firms.size(); first += static_cast<size_t>(batch)) {
      const size_t last = std::min(firms.size(), first + static_cast<size_t>(batch));
      std::string csv = "uscc,chain,node,role,capacity\n";
      for (size_t i = first; i < last; ++i) {
        csv +=
            firms[i].first + "," + firms[i].second + ",N1,user," + std::to_string(i % 100) + "\n";
      }
      const auto t0 = Clock::now();
      const double cpu0 = CpuMs();
      ImportReport r = Must(
          service.Import(sys, ImportKind::kLinks, csv, {.source = "bench", .progress = nullptr}));
      link_import_ms += Ms(Clock::now() - t0);
      link_import_cpu_ms += CpuMs() - cpu0;
      if (!r.committed || !r.errors.empty()) {
        std::cerr << "link batch at " << first
                  << " not committed: " << (r.errors.empty() ? "" : r.errors[0].ToJson()) << "\n";
        return 1;
      }
      link_imported += r.links;
    }
    std::fprintf(stderr,
                 "{\"links_import\":%lld,\"links_import_ms\":%.0f,\"links_import_per_s\":%.0f,"
                 "\"links_import_per_cpu_s\":%.0f}\n",
                 static_cast<long long>(link_imported), link_import_ms,
                 static_cast<double>(link_imported) / (link_import_ms / 1000.0),
                 static_cast<double>(link_imported) / (link_import_cpu_ms / 1000.0));
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  // A measure-only run imports nothing: its rates are 0, not 0/0.
  auto per_s = [](double n, double ms) { return ms > 0 ? n / (ms / 1000.0) : 0.0; };
  std::printf(
      "{\"db\":\"%s\",\"enterprises\":%lld,\"links\":%lld,\"chains\":%d,\"nodes_per_chain\":%d,"
      "\"import_ms\":%.0f,\"import_wall_ms\":%.0f,\"import_rows_per_s\":%.0f,"
      "\"import_links_per_s\":%.0f,\"import_records_per_s\":%.0f,"
      "\"import_cpu_ms\":%.0f,\"import_records_per_cpu_s\":%.0f,"
      "\"analysis_p50_ms\":%.1f,\"analysis_p95_ms\":%.1f,\"analysis_today_p50_ms\":%.1f,"
      "\"analysis_today_p95_ms\":%.1f,\"city_coverage_ms\":%.0f,\"mean_coverage\":%.3f,"
      "\"list3_p50_ms\":%.2f,\"list3_p95_ms\":%.2f,\"list3_last_total\":%lld,"
      "\"baseline_analysis_p50_ms\":%.1f,\"baseline_city_coverage_ms\":%.0f,"
      "\"peak_rss_mib\":%.1f}\n",
      db->Describe().c_str(), static_cast<long long>(imported), static_cast<long long>(links),
      chains, nodes, import_ms, wall_ms, per_s(static_cast<double>(imported), import_ms),
      per_s(static_cast<double>(links), import_ms),
      per_s(static_cast<double>(imported + links), import_ms), import_cpu_ms,
      per_s(static_cast<double>(imported + links), import_cpu_ms), Percentile(analysis_ms, 0.5),
      Percentile(analysis_ms, 0.95), Percentile(analysis_ms_today, 0.5),
      Percentile(analysis_ms_today, 0.95), city_ms,
      coverage_sum / static_cast<double>(chain_list.size()), Percentile(list_ms, 0.5),
      Percentile(list_ms, 0.95), static_cast<long long>(list_total),
      Percentile(baseline_analysis_ms, 0.5), baseline_city_ms,
      static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
