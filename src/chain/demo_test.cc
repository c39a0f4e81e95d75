// The chain demo's dates follow the day it is loaded: every firm has revenue, R&D and digital
// level for the four years before, the park occupancy covers the twelve quarters before that
// day's quarter and the gradient tiers in force that day exist. Run for fixed days (today, the
// last day of a year, the first of the next, years later), never the machine's date.
#include "chain/demo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "auth/migrations.h"
#include "base/clock.h"
#include "chain/migrations.h"
#include "chain/repo.h"
#include "chain/service.h"
#include "store/database.h"
#include "store/migrations.h"

namespace kechan::chain {
namespace {

class ChainDemoTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    today_ = base::Date::Parse(GetParam()).value();
    clock_.Set(base::LocalMidnight(today_) + 10 * 3600LL * 1000000);
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    ASSERT_TRUE(store::Migrate(*db_, all).ok());
    service_ = std::make_unique<ChainService>(*db_, clock_);
    auto loaded = LoadChainDemo(*service_, 1, today_);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(loaded->enterprises, 300);
  }

  base::FakeClock clock_{0};
  base::Date today_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ChainService> service_;
};

TEST_P(ChainDemoTest, EveryFirmHasFourYearsOfFactsUpToLastYear) {
  const int y = today_.year();
  auto tx = db_->Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto firms = repo::ListEnterprisesWithFacts(**tx, 0, 1000);
  ASSERT_TRUE(firms.ok()) << firms.status();
  ASSERT_EQ(firms->size(), 300u);
  for (const Enterprise& e : *firms) {
    SCOPED_TRACE(e.name);
    ASSERT_EQ(e.revenue.size(), 4u);
    EXPECT_EQ(e.revenue.begin()->first, y - 4);
    EXPECT_EQ(e.revenue.rbegin()->first, y - 1);  // last year's revenue is known
    EXPECT_FALSE(e.revenue.contains(y));          // this year's is not in yet
    ASSERT_EQ(e.rd_spend.size(), 4u);
    ASSERT_EQ(e.digital_level.size(), 4u);
    EXPECT_TRUE(e.rd_spend.contains(y - 1));
    EXPECT_TRUE(e.digital_level.contains(y - 1));
    // Growing revenue, R&D below revenue, digital level never falling.
    for (int year = y - 3; year <= y - 1; ++year) {
      EXPECT_LT(e.revenue.at(year - 1), e.revenue.at(year)) << year;
      EXPECT_LE(e.digital_level.at(year - 1), e.digital_level.at(year)) << year;
      EXPECT_LT(e.rd_spend.at(year), e.revenue.at(year)) << year;
    }
  }
}

TEST_P(ChainDemoTest, OccupancyAndTiersLeadUpToTheDayOfLoading) {
  auto tx = db_->Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto parks = repo::ListParks(**tx);
  ASSERT_TRUE(parks.ok());
  ASSERT_FALSE(parks->empty());
  for (const Park& p : *parks) {
    auto obs = repo::ListObservations(**tx, p.id);
    ASSERT_TRUE(obs.ok());
    ASSERT_EQ(obs->size(), 12u) << p.name;
    base::Date latest;
    base::Date earliest = today_;
    for (const OccupancyObservation& o : *obs) {
      latest = std::max(latest, o.date);
      earliest = std::min(earliest, o.date);
    }
    // The last quarter end before today's quarter, and three years of quarters.
    EXPECT_LT(latest, today_) << p.name;
    EXPECT_GE(latest, today_.AddDays(-92)) << p.name;
    EXPECT_GE(earliest, today_.AddDays(-3 * 366 - 92)) << p.name;
    auto rates = service_->Occupancy(Caller::System("test"), p.id, today_.AddDays(-100), today_);
    ASSERT_TRUE(rates.ok()) << rates.status();
    EXPECT_FALSE(rates->empty()) << p.name << ": no occupancy figure in the last 100 days";
  }
  auto firms = repo::ListEnterprisesWithFacts(**tx, 0, 1000);
  ASSERT_TRUE(firms.ok());
  int tiered = 0;
  for (const Enterprise& e : *firms) {
    if (e.tiers.empty()) {
      continue;
    }
    ++tiered;
    EXPECT_NE(TierOn(e, today_), std::nullopt) << e.name << " has no tier in force today";
    EXPECT_NE(TierOn(e, today_.AddDays(int64_t{-3} * 365)), std::nullopt) << e.name;
  }
  EXPECT_GT(tiered, 0);
}

// Today, the last day of a year and the first of the next, and years after the fixed 2025 the
// demo used to have.
INSTANTIATE_TEST_SUITE_P(Days, ChainDemoTest,
                         ::testing::Values("2026-11-29", "2026-12-31", "2027-01-01", "2029-03-15",
                                           "2031-07-01"));

}  // namespace
}  // namespace kechan::chain
