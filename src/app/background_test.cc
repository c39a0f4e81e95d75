#include "app/background.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/status.h"

namespace kechan::app {
namespace {

using namespace std::chrono_literals;

template <typename Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 2000 && !pred(); ++i) {
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TEST(BackgroundJobsTest, CatchesUpWithoutWaitingThenIdles) {
  std::atomic<int> pending{5};
  std::atomic<int> calls{0};
  BackgroundJobs jobs;
  // A long idle period: only the catch-up loop can drain all five items quickly.
  jobs.Add({.name = "test.drain", .period = 1h, .tick = [&]() -> base::Result<int> {
              ++calls;
              if (pending.load() == 0) {
                return 0;
              }
              --pending;
              return 1;
            }});
  jobs.Start();
  EXPECT_TRUE(WaitFor([&] { return calls.load() >= 6; }));
  jobs.Stop();  // returns although the job sleeps for an hour
  EXPECT_EQ(pending.load(), 0);
  EXPECT_EQ(calls.load(), 6);  // five items, then one empty run, then the idle wait
}

TEST(BackgroundJobsTest, ErrorsDoNotStopTheJobOrOthers) {
  std::atomic<int> failing{0};
  std::atomic<int> healthy{0};
  BackgroundJobs jobs;
  jobs.Add({.name = "test.failing", .period = 1ms, .tick = [&]() -> base::Result<int> {
              ++failing;
              return base::FailedPrecondition("test.down", "down", "不可用");
            }});
  jobs.Add({.name = "test.healthy", .period = 1ms, .tick = [&]() -> base::Result<int> {
              ++healthy;
              return 0;
            }});
  jobs.Start();
  EXPECT_TRUE(WaitFor([&] { return failing.load() >= 3 && healthy.load() >= 3; }));
  jobs.Stop();
  int after = failing.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(failing.load(), after);  // stopped means stopped
}

}  // namespace
}  // namespace kechan::app
