#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

namespace kechan::auth {
namespace {

constexpr base::Micros kMinute = 60LL * 1000 * 1000;

TEST(FailureWindowTest, BlocksAfterMaxFailuresUntilTheOldestLeavesTheWindow) {
  base::FakeClock clock(1'000'000'000);
  FailureWindow w(clock, {.max_failures = 5, .window = 15 * kMinute});
  for (int i = 0; i < 4; ++i) {
    w.RecordFailure("user:alice");
    clock.Advance(kMinute);
  }
  EXPECT_FALSE(w.BlockedUntil("user:alice").has_value());
  const base::Micros first = 1'000'000'000;
  w.RecordFailure("user:alice");  // fifth failure, at first + 4 min
  auto until = w.BlockedUntil("user:alice");
  ASSERT_TRUE(until.has_value());
  EXPECT_EQ(*until, first + 15 * kMinute);
  // Still blocked just before; free once the first failure is 15 minutes old.
  clock.Set(first + 15 * kMinute - 1);
  EXPECT_TRUE(w.BlockedUntil("user:alice").has_value());
  clock.Set(first + 15 * kMinute);
  EXPECT_FALSE(w.BlockedUntil("user:alice").has_value());
  EXPECT_EQ(w.Failures("user:alice"), 4);
}

TEST(FailureWindowTest, KeysAreIndependentAndResetForgets) {
  base::FakeClock clock(0);
  FailureWindow w(clock, {.max_failures = 2, .window = kMinute});
  w.RecordFailure("a");
  w.RecordFailure("a");
  EXPECT_TRUE(w.BlockedUntil("a").has_value());
  EXPECT_FALSE(w.BlockedUntil("b").has_value());
  w.Reset("a");
  EXPECT_FALSE(w.BlockedUntil("a").has_value());
  EXPECT_EQ(w.Failures("a"), 0);
}

TEST(FailureWindowTest, OldFailuresSlideOut) {
  base::FakeClock clock(0);
  FailureWindow w(clock, {.max_failures = 3, .window = 10 * kMinute});
  w.RecordFailure("k");
  clock.Advance(6 * kMinute);
  w.RecordFailure("k");
  clock.Advance(6 * kMinute);  // the first failure is now 12 minutes old
  w.RecordFailure("k");
  EXPECT_EQ(w.Failures("k"), 2);
  EXPECT_FALSE(w.BlockedUntil("k").has_value());
}

TEST(FailureWindowTest, MemoryIsBoundedByMaxKeys) {
  base::FakeClock clock(0);
  FailureWindow w(clock, {.max_failures = 5, .window = kMinute, .max_keys = 10});
  for (int i = 0; i < 10; ++i) {
    w.RecordFailure("old" + std::to_string(i));
  }
  clock.Advance(2 * kMinute);  // all stale: swept when the next key arrives
  w.RecordFailure("new");
  EXPECT_EQ(w.Failures("new"), 1);
  for (int i = 0; i < 100; ++i) {
    w.RecordFailure("flood" + std::to_string(i));
  }
  EXPECT_EQ(w.Failures("flood99"), 1);
}

}  // namespace
}  // namespace kechan::auth
