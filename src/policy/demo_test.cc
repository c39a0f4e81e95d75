// The policy demo is dated relative to the day it is generated: loaded on any day (a fake clock,
// never the wall clock), its published policies are in force that day and its facts decide them.
#include "policy/demo.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "auth/migrations.h"
#include "base/calendar.h"
#include "chain/demo.h"
#include "chain/migrations.h"
#include "policy/migrations.h"
#include "store/test_schema.h"

namespace kechan::policy {
namespace {

class PolicyDemoTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    today_ = base::Date::Parse(GetParam()).value();
    auto t = store::TestDatabase::Create(store::TestBackend::kSqlite, "kechan_policy_demo",
                                         {auth::Migrations(), chain::Migrations(), Migrations()},
                                         base::LocalMidnight(today_) + 10 * 3600LL * 1000000);
    ASSERT_TRUE(t.ok()) << t.status();
    test_db_ = std::move(*t);
    chain_ = std::make_unique<chain::ChainService>(test_db_.db(), test_db_.clock());
    service_ = std::make_unique<PolicyService>(test_db_.db(), *chain_, test_db_.clock());
    auto chain_demo = chain::LoadChainDemo(*chain_, 1, today_);
    ASSERT_TRUE(chain_demo.ok()) << chain_demo.status();
  }

  PolicyId IdOf(const std::string& code) {
    auto page = service_->ListPolicies(Caller::System("test"), {.q = code}, {1, 1});
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() && !page->items.empty() ? page->items[0].id : PolicyId{};
  }

  base::Date today_;
  store::TestDatabase test_db_;
  std::unique_ptr<chain::ChainService> chain_;
  std::unique_ptr<PolicyService> service_;
};

TEST_P(PolicyDemoTest, PublishedPoliciesAreInForceAndDecidedOnTheDayOfLoading) {
  auto report = LoadPolicyDemo(*service_, *chain_, std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->policies, 5);
  EXPECT_EQ(report->published, 4);
  // The 免申即享 policy found firms that fit on the day of publishing.
  EXPECT_GE(report->benefits_created, 1);

  const Caller sys = Caller::System("test");
  for (const char* code : {"CD-ZJTX-2026", "CD-STAB-2026", "CD-SCENE-2026", "CD-EXPO-2026"}) {
    // In force today and still a year from now.
    for (base::Date on : {today_, today_.AddDays(365)}) {
      auto match = service_->EnterprisesFor(sys, IdOf(code), on, {}, {1, 5});
      ASSERT_TRUE(match.ok()) << code << " on " << on.ToString() << ": " << match.status();
      EXPECT_EQ(match->as_of, on);
    }
  }
  // Last year's revenue is known for the firms the demo enriches, so the cost-relief rule
  // decides firms both ways instead of only asking. (Firms it does not enrich keep the chain
  // demo's single revenue year.)
  auto stab = service_->EnterprisesFor(sys, IdOf("CD-STAB-2026"), today_, {}, {1, 5});
  ASSERT_TRUE(stab.ok());
  EXPECT_GE(stab->tally.yes, 1);
  EXPECT_GE(stab->tally.no, 1);
  // The draft platform policy is for next year.
  auto detail = service_->GetPolicy(sys, IdOf("CD-PILOT-2027"));
  ASSERT_TRUE(detail.ok());
  ASSERT_FALSE(detail->versions.empty());
  EXPECT_EQ(detail->versions[0].effective_from.year(), today_.year() + 1);
}

// Today's date, a day before the old fixed end of the demo, and years after it.
INSTANTIATE_TEST_SUITE_P(Days, PolicyDemoTest,
                         ::testing::Values("2026-11-29", "2026-12-31", "2029-03-15", "2031-07-01"));

}  // namespace
}  // namespace kechan::policy
