// Import jobs kept in chain_import_jobs (migration 6): a job's final state, progress and row
// errors read the same after the service (the server) restarts, a job left running by a server
// that died reads as failed with reason "import.interrupted", and a running job's progress is
// stored while it runs. Also: an import whose references change between checking the rows and
// writing them writes nothing (import.changed).
#include "chain/import_jobs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "base/clock.h"
#include "chain/migrations.h"
#include "chain/service.h"
#include "store/database.h"
#include "store/migrations.h"

namespace kechan::chain {
namespace {

class ImportJobsPersistenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kechan-import-jobs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    url_ = "sqlite:" + (dir_ / "test.db").string();
    Open();
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    auto migrated = store::Migrate(*db_, all);
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    Cluster cl;
    cl.code = "CD-EI";
    cl.name = "电子信息";
    cl.tier = Tier::kTrillion;
    auto c = service_->CreateCluster(sys_, cl);
    ASSERT_TRUE(c.ok()) << c.status();
    Chain ch;
    ch.code = "CD-X";
    ch.name = "测试链";
    ch.cluster_id = c->id;
    ASSERT_TRUE(service_->CreateChain(sys_, ch).ok());
    op_.system = false;
    op_.actor = "user:7";
  }
  void TearDown() override {
    service_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto db = store::Open({.url = url_});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    service_ = std::make_unique<ChainService>(*db_, clock_);
  }
  // Stops the "server" (the service waits for its jobs) and starts a new one on the same file.
  void Restart() {
    service_.reset();
    db_.reset();
    Open();
  }
  int64_t StartAndWait(const std::string& csv) {
    auto job = service_->jobs().Start(sys_, ImportKind::kChains, csv, {});
    EXPECT_TRUE(job.ok()) << job.status();
    if (!job.ok()) {
      return 0;
    }
    auto done = service_->jobs().Wait(sys_, job->id);
    EXPECT_TRUE(done.ok()) << done.status();
    return job->id;
  }
  int64_t Exec(const std::string& sql, std::vector<store::Value> params) {
    auto tx = db_->Begin(store::TxKind::kWrite);
    EXPECT_TRUE(tx.ok());
    auto n = (*tx)->Exec(sql, params);
    EXPECT_TRUE(n.ok()) << n.status();
    EXPECT_TRUE((*tx)->Commit().ok());
    return n.ok() ? *n : -1;
  }

  // An enterprises CSV of `n` valid rows (distinct USCCs), linked to node N-1 of CD-X when
  // `with_nodes`.
  static std::string EnterprisesCsv(int n, bool with_nodes) {
    std::string csv = with_nodes ? "uscc,name,chain,nodes\n" : "uscc,name\n";
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (int i = 0; i < n; ++i) {
      std::string body(8, '0');
      for (int k = 7, v = i + 1000; k >= 0; --k, v /= 31) {
        body[static_cast<size_t>(k)] = kAlphabet[v % 31];
      }
      auto uscc = auth::MakeUscc('9', '1', "510104", body);
      EXPECT_TRUE(uscc.ok()) << uscc.status();
      csv += *uscc + ",企业" + std::to_string(i) + (with_nodes ? ",CD-X,N-1\n" : "\n");
    }
    return csv;
  }
  int64_t CountRows(const std::string& table) {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->Query("SELECT COUNT(*) FROM " + table, {});
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? rows->rows[0].Int(0) : -1;
  }

  std::filesystem::path dir_;
  std::string url_;
  base::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ChainService> service_;
  Caller sys_ = Caller::System("test");
  Caller op_;
};

TEST_F(ImportJobsPersistenceTest, RejectedJobKeepsRowErrorsAfterRestart) {
  const int64_t id = StartAndWait("chain,node,parent,name\nCD-X,N-1,,好\nCD-X,N-2,NOPE,孤儿\n");
  Restart();
  auto job = service_->jobs().Get(sys_, id);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "rejected");
  EXPECT_EQ(job->kind, ImportKind::kChains);
  EXPECT_EQ(job->processed, job->total);
  EXPECT_FALSE(job->report.committed);
  EXPECT_EQ(job->report.rows, 2);
  ASSERT_EQ(job->report.errors.size(), 1u);
  EXPECT_EQ(job->report.errors[0].row, 3);
  EXPECT_EQ(job->report.errors[0].column, "parent");
  EXPECT_EQ(job->report.errors[0].reason, "orphan");
  EXPECT_FALSE(job->report.errors[0].message_zh.empty());
  // The JSON the route renders carries the report.
  const std::string json = ImportJobJson(*job);
  EXPECT_NE(json.find("\"state\":\"rejected\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"reason\":\"orphan\""), std::string::npos) << json;
}

TEST_F(ImportJobsPersistenceTest, DoneJobReadsTheSameAfterRestartAndIdsContinue) {
  const int64_t id = StartAndWait("chain,node,name\nCD-X,N-1,节点一\nCD-X,N-2,节点二\n");
  Restart();
  auto job = service_->jobs().Get(sys_, id);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "done");
  EXPECT_TRUE(job->report.committed);
  EXPECT_EQ(job->report.nodes, 2);
  EXPECT_GT(job->report.event_seq, 0);
  // A new job after the restart gets a new id, not the old one.
  const int64_t next = StartAndWait("chain,node,name\nCD-X,N-3,节点三\n");
  EXPECT_GT(next, id);
  auto old = service_->jobs().Get(sys_, id);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->report.nodes, 2);
}

TEST_F(ImportJobsPersistenceTest, JobLeftRunningByADeadServerReadsAsFailed) {
  // What a server that died mid-import leaves behind: a row still "running" under its instance.
  Exec(
      "INSERT INTO chain_import_jobs (id, kind, owner, instance, state, phase, processed, total, "
      "created_at, updated_at) VALUES (41, 'enterprises', 'user:7', 'dead-server', 'running', "
      "'writing', 5000, 20000, 1, 1)",
      {});
  Restart();
  auto job = service_->jobs().Get(op_, 41);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, "failed");
  EXPECT_EQ(job->error.reason(), "import.interrupted");
  EXPECT_FALSE(job->error.message_en().empty());
  EXPECT_FALSE(job->error.message_zh().empty());
  EXPECT_EQ(job->processed, 5000);  // the last progress stored
  const std::string json = ImportJobJson(*job);
  EXPECT_NE(json.find("import.interrupted"), std::string::npos) << json;
  // The row itself now says failed (reads the same from any later process).
  auto tx = db_->Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->Query("SELECT state, error_reason FROM chain_import_jobs WHERE id = 41", {});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->rows[0].Text(0), "failed");
  EXPECT_EQ(rows->rows[0].Text(1), "import.interrupted");
}

TEST_F(ImportJobsPersistenceTest, StoredJobOfAnotherOperatorIsNotFound) {
  Exec(
      "INSERT INTO chain_import_jobs (id, kind, owner, instance, state, phase, processed, total, "
      "created_at, updated_at) VALUES (42, 'links', 'user:8', 'x', 'failed', 'reading', 0, 0, 1, "
      "1)",
      {});
  auto job = service_->jobs().Get(op_, 42);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().code(), base::Code::kNotFound);
  EXPECT_EQ(job.status().field(), "id");
  auto missing = service_->jobs().Get(sys_, 999);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), base::Code::kNotFound);
}

TEST_F(ImportJobsPersistenceTest, ProgressIsStoredWhileTheJobRunsAndReadsAfterARestart) {
  // The import pauses in its reading phase at row 2,000 of 3,000 until the job's row shows that
  // progress (the saver writes it within about a second); then a second ImportJobs — what a
  // restarted server would read — sees the stored progress.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> paused{false};
  ImportOptions options;
  options.progress = [&](std::string_view phase, int64_t processed, int64_t) {
    if (phase == "reading" && processed == 2000) {
      paused = true;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return release; });
    }
  };
  auto job =
      service_->jobs().Start(sys_, ImportKind::kEnterprises, EnterprisesCsv(3000, false), options);
  ASSERT_TRUE(job.ok()) << job.status();
  std::string phase;
  int64_t processed = -1;
  int64_t total = -1;
  std::string state;
  // Not a timing assertion: waits (up to a minute, for a loaded machine) for the saver.
  for (int i = 0; i < 1200 && processed != 2000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!paused) {
      continue;
    }
    auto tx = db_->Begin(store::TxKind::kRead);
    ASSERT_TRUE(tx.ok()) << tx.status();
    std::vector<store::Value> params{job->id};
    auto rows = (*tx)->Query(
        "SELECT state, phase, processed, total FROM chain_import_jobs WHERE id = ?", params);
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_EQ(rows->size(), 1u);
    state = rows->rows[0].Text(0);
    phase = rows->rows[0].Text(1);
    processed = rows->rows[0].Int(2);
    total = rows->rows[0].Int(3);
  }
  EXPECT_EQ(state, "running");
  EXPECT_EQ(phase, "reading");
  EXPECT_EQ(processed, 2000);
  EXPECT_EQ(total, 3000);
  {
    // Another instance reads the row as a restarted server would: interrupted, with the progress.
    ImportJobs restarted(*service_);
    auto seen = restarted.Get(sys_, job->id);
    ASSERT_TRUE(seen.ok()) << seen.status();
    EXPECT_EQ(seen->state, "failed");
    EXPECT_EQ(seen->error.reason(), "import.interrupted");
    EXPECT_EQ(seen->phase, "reading");
    EXPECT_EQ(seen->processed, 2000);
    EXPECT_EQ(seen->total, 3000);
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  auto done = service_->jobs().Wait(sys_, job->id);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->state, "done");
  EXPECT_EQ(done->report.imported, 3000);
  EXPECT_EQ(CountRows("chain_enterprises"), 3000);
  Restart();
  auto after = service_->jobs().Get(sys_, job->id);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->state, "done");
  EXPECT_EQ(after->processed, after->total);
}

TEST_F(ImportJobsPersistenceTest, EnterpriseImportWritesNothingWhenANodeChangesWhileReading) {
  auto chains = service_->ListChains(sys_);
  ASSERT_TRUE(chains.ok()) << chains.status();
  Node n1;
  n1.chain_id = chains->at(0).chain.id;
  n1.code = "N-1";
  n1.name = "节点一";
  ASSERT_TRUE(service_->CreateNode(sys_, n1).ok());
  const int64_t events_before = CountRows("events");
  ImportOptions options;
  bool changed = false;
  options.progress = [&](std::string_view phase, int64_t processed, int64_t total) {
    if (phase == "reading" && processed == total && !changed) {
      changed = true;  // the writer is free while the rows are checked: a node is added
      Node n2 = n1;
      n2.code = "N-2";
      auto made = service_->CreateNode(sys_, n2);
      EXPECT_TRUE(made.ok()) << made.status();
    }
  };
  auto r = service_->Import(sys_, ImportKind::kEnterprises, EnterprisesCsv(50, true), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "import.changed");
  EXPECT_TRUE(changed);
  EXPECT_EQ(CountRows("chain_enterprises"), 0);
  EXPECT_EQ(CountRows("chain_links"), 0);
  EXPECT_EQ(CountRows("events"), events_before + 1);  // only the node's own event
}

TEST_F(ImportJobsPersistenceTest, EnterpriseImportWritesNothingWhenAUsccIsTakenWhileReading) {
  const std::string csv = EnterprisesCsv(20, false);
  const std::string first_uscc = csv.substr(csv.find('\n') + 1, 18);
  ImportOptions options;
  bool taken = false;
  options.progress = [&](std::string_view phase, int64_t processed, int64_t total) {
    if (phase == "reading" && processed == total && !taken) {
      taken = true;
      Enterprise e;
      e.uscc = first_uscc;
      e.name = "抢先登记的企业";
      auto made = service_->CreateEnterprise(sys_, e);
      EXPECT_TRUE(made.ok()) << made.status();
    }
  };
  auto r = service_->Import(sys_, ImportKind::kEnterprises, csv, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "import.changed");
  EXPECT_TRUE(taken);
  EXPECT_EQ(CountRows("chain_enterprises"), 1);  // only the one registered meanwhile
}

TEST_F(ImportJobsPersistenceTest, LinkImportWritesNothingWhenALinkAppearsWhileReading) {
  auto chains = service_->ListChains(sys_);
  ASSERT_TRUE(chains.ok()) << chains.status();
  Node n1;
  n1.chain_id = chains->at(0).chain.id;
  n1.code = "N-1";
  n1.name = "节点一";
  ASSERT_TRUE(service_->CreateNode(sys_, n1).ok());
  auto firms = service_->Import(sys_, ImportKind::kEnterprises, EnterprisesCsv(3, false), {});
  ASSERT_TRUE(firms.ok()) << firms.status();
  ASSERT_TRUE(firms->committed);
  std::string links = "uscc,chain,node\n";
  const std::string csv = EnterprisesCsv(3, false);
  for (size_t at = csv.find('\n') + 1; at < csv.size(); at = csv.find('\n', at) + 1) {
    links += csv.substr(at, 18) + ",CD-X,N-1\n";
  }
  const std::string doubled = links.substr(links.find('\n') + 1, 18) + ",CD-X,N-1\n";
  ImportOptions options;
  bool linked = false;
  options.progress = [&](std::string_view phase, int64_t processed, int64_t total) {
    if (phase == "reading" && processed == total && !linked) {
      linked = true;  // the same link arrives through another import meanwhile
      auto other = service_->Import(sys_, ImportKind::kLinks, "uscc,chain,node\n" + doubled, {});
      EXPECT_TRUE(other.ok() && other->committed);
    }
  };
  auto r = service_->Import(sys_, ImportKind::kLinks, links, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "import.changed");
  EXPECT_TRUE(linked);
  EXPECT_EQ(CountRows("chain_links"), 1);  // only the one written meanwhile
  // Without interference the same file imports (the stored link is now a duplicate row).
  auto again = service_->Import(sys_, ImportKind::kLinks, links, {.skip_bad = true});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->committed);
  EXPECT_EQ(again->links, 2);
  EXPECT_EQ(CountRows("chain_links"), 3);
}

}  // namespace
}  // namespace kechan::chain
