// Import jobs kept in chain_import_jobs (migration 6): a job's final state, progress and row
// errors read the same after the service (the server) restarts, and a job left running by a
// server that died reads as failed with reason "import.interrupted".
#include "chain/import_jobs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "auth/migrations.h"
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

}  // namespace
}  // namespace kechan::chain
