// kechan_bench_policy: "which enterprises fit this policy" at scale (issue 4 §6). Generates a
// deterministic synthetic dataset (splitmix64): E enterprises with revenue, district and links to
// nodes of C chains, imported through ChainService::Import; then, in the same run, loads the facts
// of every enterprise both ways — the former per-enterprise path (one GetEnterprise per firm) and
// the bulk path (ChainService::EnterpriseDetailsAfter: four queries per 5,000 firms) — evaluates
// the policy's rule over the loaded facts both ways (Detail::kFull, which renders every clause's
// zh/en reasons as matching did before, and Detail::kVerdict, which matching now uses for counts;
// the two tallies must agree), and times a full match of a published policy
// (PolicyService::EnterprisesFor) and a draft-rule preview. Prints one JSON object with the
// times, the ratios old/new, peak RSS and the load average at the end.
//
// usage: kechan_bench_policy --db URL [--enterprises 10000] [--links-per 2] [--repeat 3]
//                            [--skip-old]
//   URL: a SQLite file path (a fresh file) or postgresql://... (an empty database).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "base/clock.h"
#include "chain/migrations.h"
#include "chain/service.h"
#include "policy/migrations.h"
#include "policy/service.h"
#include "store/migrations.h"

namespace {

using namespace kechan;  // NOLINT: a benchmark program
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
    {"锦江区", "510104"}, {"青羊区", "510105"}, {"金牛区", "510106"}, {"武侯区", "510107"},
    {"成华区", "510108"}, {"双流区", "510116"}, {"郫都区", "510117"}, {"新津区", "510118"},
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

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

bool SameTally(const policy::MatchTally& a, const policy::MatchTally& b) {
  return a.yes == b.yes && a.no == b.no && a.unknown == b.unknown && a.ask == b.ask;
}

[[noreturn]] void Die(const base::Status& s) {
  std::cerr << "kechan_bench_policy: " << s << "\n";
  std::exit(1);
}

template <typename T>
T Must(base::Result<T> r) {
  if (!r.ok()) {
    Die(r.status());
  }
  return std::move(*r);
}

void Must(const base::Status& s) {
  if (!s.ok()) {
    Die(s);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  int64_t enterprises = 10000;
  int links_per = 2;
  int repeat = 3;
  bool skip_old = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--skip-old") {
      skip_old = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "flag " << flag << " needs a value\n";
      return 2;
    }
    const std::string value = argv[++i];
    if (flag == "--db") {
      url = value;
    } else if (flag == "--enterprises") {
      enterprises = std::stoll(value);
    } else if (flag == "--links-per") {
      links_per = std::stoi(value);
    } else if (flag == "--repeat") {
      repeat = std::max(1, std::stoi(value));
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  constexpr int kChains = 4;
  constexpr int kNodes = 20;
  if (url.empty() || links_per < 1 || links_per > kNodes) {
    std::cerr << "usage: kechan_bench_policy --db URL [--enterprises N] [--links-per L] "
                 "[--repeat R] [--skip-old]\n";
    return 2;
  }
  auto db = Must(store::Open({.url = url, .synchronous_full = false}));
  std::vector<store::Migration> all = store::StoreMigrations();
  for (auto&& part : {auth::Migrations(), chain::Migrations(), policy::Migrations()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  Must(store::Migrate(*db, all).status());
  chain::ChainService chains(*db, base::SystemClock::Get());
  policy::PolicyService service(*db, chains, base::SystemClock::Get());
  const chain::Caller sys = chain::Caller::System("bench");

  chain::Cluster cl;
  cl.code = "B-EI";
  cl.name = "基准集群";
  cl.tier = chain::Tier::kTrillion;
  cl = Must(chains.CreateCluster(sys, cl));
  std::vector<chain::Chain> chain_list;
  for (int c = 0; c < kChains; ++c) {
    chain::Chain ch;
    ch.code = "B-" + std::to_string(c + 1);
    ch.name = "基准产业链" + std::to_string(c + 1);
    ch.cluster_id = cl.id;
    chain_list.push_back(Must(chains.CreateChain(sys, ch)));
    for (int n = 0; n < kNodes; ++n) {
      chain::Node node;
      node.chain_id = chain_list.back().id;
      node.code = "N" + std::to_string(n + 1);
      node.name = "节点" + std::to_string(n + 1);
      Must(chains.CreateNode(sys, node).status());
    }
  }

  Rng rng(20260601ULL);
  const int64_t batch = 20000;
  const auto import_start = Clock::now();
  for (int64_t first = 0; first < enterprises; first += batch) {
    const int64_t last = std::min(enterprises, first + batch);
    std::string csv =
        "uscc,name,district,above_size,year,revenue,chain,nodes,role,locality,capacity\n";
    for (int64_t i = first; i < last; ++i) {
      const auto& d = kDistricts[rng.Pick(std::size(kDistricts))];
      auto uscc = auth::MakeUscc('9', '1', d[1], OrgBody(9000011ULL + static_cast<uint64_t>(i)));
      if (!uscc.ok()) Die(uscc.status());
      const size_t c = rng.Pick(chain_list.size());
      std::string node_codes;
      const size_t start = rng.Pick(static_cast<size_t>(kNodes));
      for (int k = 0; k < links_per; ++k) {
        node_codes +=
            (k ? ";N" : "N") + std::to_string((start + static_cast<size_t>(k)) % kNodes + 1);
      }
      csv += *uscc + ",基准企业" + std::to_string(i + 1) + "（示例）," + d[0] + "," +
             (rng.Pick(10) < 3 ? "1" : "0") + ",2025," +
             std::to_string(100000 + rng.Pick(90000000)) + ".00," + chain_list[c].code + "," +
             node_codes + ",supplier,local," + std::to_string(rng.Pick(5000)) + "\n";
    }
    chain::ImportReport r = Must(chains.Import(sys, chain::ImportKind::kEnterprises, csv,
                                               {.source = "bench", .progress = nullptr}));
    if (!r.committed || !r.errors.empty()) {
      std::cerr << "batch at " << first
                << " not committed: " << chain::ImportReportJson(chain::ImportKind::kEnterprises, r)
                << "\n";
      return 1;
    }
    std::cerr << "  imported " << last << " enterprises\n";
  }
  const double import_ms = Ms(Clock::now() - import_start);

  // A published policy: revenue of Y-1 ≥ 10 M, one of three districts, on chain 1 or 2, and a
  // founding date nobody has supplied (so every firm that passes the rest is "unknown").
  const std::string rule_json =
      R"({"all":[{"fact":"revenue","op":"gte","value":"10000000","year_offset":-1},)"
      R"({"fact":"district","in":["锦江区","武侯区","双流区"]},)"
      R"({"fact":"chain","in":[)" +
      std::to_string(chain_list[0].id.value) + "," + std::to_string(chain_list[1].id.value) +
      R"(]},{"fact":"years_since_founding","op":"gte","value":2}]})";
  policy::Policy p{.code = "B-POL", .title = "基准政策（示例）", .department = "基准部门"};
  p = Must(service.CreatePolicy(sys, p));
  policy::PolicyVersion v;
  v.policy_id = p.id;
  v.effective_from = base::Date::Parse("2026-01-01").value();
  v.rule = Must(policy::ParseRule(rule_json));
  v.benefit_zh = "基准";
  v = Must(service.AddVersion(sys, v));
  Must(service.Publish(sys, p.id, v.id).status());
  const base::Date as_of = base::Date::Parse("2026-06-01").value();

  std::vector<double> old_ms;
  std::vector<double> bulk_ms;
  std::vector<double> eval_full_ms;
  std::vector<double> eval_verdict_ms;
  std::vector<double> match_ms;
  std::vector<double> preview_ms;
  size_t firms = 0;
  policy::MatchTally tally;
  for (int i = 0; i < repeat; ++i) {
    if (!skip_old) {
      const auto t0 = Clock::now();
      auto facts = Must(service.AllFacts(policy::FactsLoad::kPerEnterprise));
      old_ms.push_back(Ms(Clock::now() - t0));
      firms = facts.size();
    }
    const auto t1 = Clock::now();
    auto facts = Must(service.AllFacts(policy::FactsLoad::kBulk));
    bulk_ms.push_back(Ms(Clock::now() - t1));
    firms = facts.size();
    // Evaluation alone over the same facts: with reason texts (as before) and verdicts only.
    policy::MatchTally full_tally;
    const auto te = Clock::now();
    for (const auto& f : facts) {
      policy::AddToTally(policy::Evaluate(v.rule, f, as_of, policy::Detail::kFull), &full_tally);
    }
    eval_full_ms.push_back(Ms(Clock::now() - te));
    policy::MatchTally verdict_tally;
    const auto tv = Clock::now();
    for (const auto& f : facts) {
      policy::AddToTally(policy::Evaluate(v.rule, f, as_of, policy::Detail::kVerdict),
                         &verdict_tally);
    }
    eval_verdict_ms.push_back(Ms(Clock::now() - tv));
    if (!SameTally(full_tally, verdict_tally)) {
      std::cerr << "kechan_bench_policy: verdict-only tally differs from the full evaluation\n";
      return 1;
    }
    const auto t2 = Clock::now();
    auto report = Must(service.EnterprisesFor(sys, p.id, as_of, {}, {.page = 1, .page_size = 20}));
    match_ms.push_back(Ms(Clock::now() - t2));
    tally = report.tally;
    const auto t3 = Clock::now();
    Must(service.PreviewRule(sys, v.rule, as_of).status());
    preview_ms.push_back(Ms(Clock::now() - t3));
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double old_med = Median(old_ms);
  const double bulk_med = Median(bulk_ms);
  const double full_med = Median(eval_full_ms);
  const double verdict_med = Median(eval_verdict_ms);
  std::printf(
      "{\"db\":\"%s\",\"enterprises\":%lld,\"links_per\":%d,\"loaded\":%zu,\"import_ms\":%.0f,"
      "\"facts_per_enterprise_ms\":%.1f,\"facts_bulk_ms\":%.1f,\"ratio_old_over_bulk\":%.2f,"
      "\"eval_full_ms\":%.1f,\"eval_verdict_ms\":%.1f,\"ratio_full_over_verdict\":%.2f,"
      "\"match_ms\":%.1f,\"preview_ms\":%.1f,\"yes\":%lld,\"no\":%lld,\"unknown\":%lld,"
      "\"repeat\":%d,\"peak_rss_mib\":%.1f,\"loadavg_end\":\"%s\"}\n",
      url.rfind("postgres", 0) == 0 ? "postgresql" : "sqlite", static_cast<long long>(enterprises),
      links_per, firms, import_ms, old_med, bulk_med, bulk_med > 0 ? old_med / bulk_med : 0.0,
      full_med, verdict_med, verdict_med > 0 ? full_med / verdict_med : 0.0, Median(match_ms),
      Median(preview_ms), static_cast<long long>(tally.yes), static_cast<long long>(tally.no),
      static_cast<long long>(tally.unknown), repeat, static_cast<double>(ru.ru_maxrss) / 1024.0,
      LoadAverage().c_str());
  return 0;
}
