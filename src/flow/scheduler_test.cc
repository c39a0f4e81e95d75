#include "flow/scheduler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/event_log.h"

namespace kechan::flow {
namespace {

constexpr base::Micros kMinute = 60'000'000LL;

// Counts the events of a kind in the log.
int64_t CountEvents(store::Database& db, const std::string& kind) {
  auto tx = db.Begin(store::TxKind::kRead);
  EXPECT_TRUE(tx.ok());
  auto rows = (*tx)->Query("SELECT COUNT(*) FROM events WHERE kind = ?", {kind});
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows->rows[0].Int(0);
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("kechan-sched-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    Reopen();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + "-wal");
    std::filesystem::remove(path_ + "-shm");
  }
  // Simulates a restart: a new Database and Scheduler over the same file.
  void Reopen() {
    scheduler_.reset();
    db_.reset();
    auto db = store::Open({.url = "sqlite:" + path_});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto& m : Migrations()) {
      all.push_back(m);
    }
    ASSERT_TRUE(store::Migrate(*db_, all).ok());
    scheduler_ = std::make_unique<Scheduler>(*db_, clock_);
    scheduler_->Handle("test.breach", [this](store::Tx& tx, const Timer& t, base::Micros) {
      ++handled_;
      return AppendEvent(tx,
                         {.kind = "test.breached",
                          .entity = t.entity,
                          .entity_id = t.entity_id,
                          .actor = "system",
                          .payload = t.payload},
                         clock_)
                     .status()
                     .ok()
                 ? base::Result<FireDecision>(FireDecision{})
                 : base::Result<FireDecision>(base::Internal("x", "append failed"));
    });
  }
  base::Status Arm(const std::string& key, base::Micros due) {
    return store::WithWriteTx(*db_, [&](store::Tx& tx) -> base::Status {
      return ArmTimer(tx,
                      {.key = key,
                       .kind = "test.breach",
                       .entity = "appeal",
                       .entity_id = "1",
                       .due_at = due,
                       .payload = "{}"},
                      clock_.NowMicros())
          .status();
    });
  }

  std::string path_;
  base::FakeClock clock_{1'800'000'000'000'000LL};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Scheduler> scheduler_;
  int handled_ = 0;
};

TEST_F(SchedulerTest, FiresOnlyWhenDue) {
  ASSERT_TRUE(Arm("appeal:1:resolution:1:breach", clock_.NowMicros() + 10 * kMinute).ok());
  auto n = scheduler_->FireDue(100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  clock_.Advance(10 * kMinute);
  n = scheduler_->FireDue(100);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(CountEvents(*db_, "test.breached"), 1);
}

TEST_F(SchedulerTest, FiresExactlyOnceAcrossRestart) {
  ASSERT_TRUE(Arm("appeal:1:resolution:1:breach", clock_.NowMicros() + kMinute).ok());
  ASSERT_TRUE(Arm("appeal:1:sign_for:1:breach", clock_.NowMicros() + 2 * kMinute).ok());
  clock_.Advance(kMinute);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(CountEvents(*db_, "test.breached"), 1);

  Reopen();  // restart: the first timer must not fire again, the second must fire once
  clock_.Advance(5 * kMinute);
  ASSERT_TRUE(scheduler_->Tick().ok());
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(CountEvents(*db_, "test.breached"), 2);

  // Re-arming a fired key (e.g. after a replay) is refused, so it cannot fire twice.
  ASSERT_TRUE(Arm("appeal:1:resolution:1:breach", clock_.NowMicros()).ok());
  Reopen();
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(CountEvents(*db_, "test.breached"), 2);
  auto pending = scheduler_->PendingTimers();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->count, 0);
}

TEST_F(SchedulerTest, TwoSchedulersOnOneDatabaseFireOnce) {
  ASSERT_TRUE(Arm("k1", clock_.NowMicros()).ok());
  Scheduler other(*db_, clock_);
  other.Handle("test.breach", [](store::Tx&, const Timer&, base::Micros) {
    return base::Result<FireDecision>(FireDecision{});
  });
  ASSERT_TRUE(scheduler_->Tick().ok());
  auto n = other.FireDue(10);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(handled_, 1);
}

TEST_F(SchedulerTest, RearmMovesPendingTimerAndDisarmRemovesIt) {
  ASSERT_TRUE(Arm("k1", clock_.NowMicros() + kMinute).ok());
  ASSERT_TRUE(Arm("k1", clock_.NowMicros() + 60 * kMinute).ok());  // a pause moved the due time
  clock_.Advance(2 * kMinute);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(handled_, 0);
  ASSERT_TRUE(store::WithWriteTx(*db_, [](store::Tx& tx) -> base::Status {
                return DisarmTimers(tx, "appeal", "1").status();
              }).ok());
  clock_.Advance(120 * kMinute);
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(handled_, 0);
}

TEST_F(SchedulerTest, FailingHandlerLeavesTimerPendingAndNoEvent) {
  scheduler_->Handle("test.breach", [](store::Tx& tx, const Timer&, base::Micros) {
    base::FakeClock c;
    auto s = AppendEvent(tx, {.kind = "test.breached", .entity = "appeal", .entity_id = "1"}, c);
    (void)s;
    return base::Result<FireDecision>(base::Internal("test.fail", "handler failed"));
  });
  ASSERT_TRUE(Arm("k1", clock_.NowMicros()).ok());
  ASSERT_TRUE(scheduler_->Tick().ok());
  EXPECT_EQ(CountEvents(*db_, "test.breached"), 0);
  auto pending = scheduler_->PendingTimers();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->count, 1);
  EXPECT_GT(*pending->next_due, clock_.NowMicros());  // backed off
  EXPECT_EQ(scheduler_->stats().failed, 1);
}

TEST_F(SchedulerTest, EmptyKeyIsRejected) {
  base::Status s = Arm("", clock_.NowMicros());
  EXPECT_EQ(s.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "key");
}

}  // namespace
}  // namespace kechan::flow
