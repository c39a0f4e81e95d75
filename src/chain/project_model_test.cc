#include "chain/project_model.h"

#include <gtest/gtest.h>

namespace kechan::chain {
namespace {

base::Date D(std::string_view text) { return base::Date::Parse(text).value(); }

Project Planned() {
  Project p;
  p.name = "示例重大项目（示例）";
  p.investment = base::Money::FromYuan(100000000);
  p.milestones[0].planned = D("2025-01-10");
  p.milestones[1].planned = D("2025-03-01");
  p.milestones[2].planned = D("2025-12-01");
  p.milestones[3].planned = D("2026-03-01");
  return p;
}

TEST(ProjectModelTest, ValidatesNameInvestmentAndMilestoneOrder) {
  Project p = Planned();
  EXPECT_TRUE(ValidateProject(p).ok());
  p.name.clear();
  EXPECT_EQ(ValidateProject(p).field(), "name");
  p = Planned();
  p.investment = base::Money::FromFen(-1);
  EXPECT_EQ(ValidateProject(p).reason(), "project.investment_negative");
  p = Planned();
  p.milestones[2].planned = D("2025-02-01");  // completed planned before started
  EXPECT_EQ(ValidateProject(p).field(), "milestones.completed.planned");
  EXPECT_EQ(ValidateProject(p).reason(), "project.milestone_order");
  p = Planned();
  p.milestones[1].actual = D("2025-03-05");  // started without signed
  EXPECT_EQ(ValidateProject(p).field(), "milestones.started.actual");
  EXPECT_EQ(ValidateProject(p).reason(), "project.milestone_skipped");
  p = Planned();
  p.milestones[0].actual = D("2025-04-01");
  p.milestones[1].actual = D("2025-03-05");  // started before signed
  EXPECT_EQ(ValidateProject(p).reason(), "project.milestone_order");
  p = Planned();
  p.validity.valid_from = D("2025-01-01");
  p.validity.valid_to = D("2024-01-01");
  EXPECT_EQ(ValidateProject(p).field(), "valid_to");
}

TEST(ProjectModelTest, SlippageCountsDaysBehindPlan) {
  Project p = Planned();
  // Nothing reached; signing planned 2025-01-10.
  ProjectProgress before = ProgressOf(p, D("2025-01-05"));
  EXPECT_FALSE(before.stage.has_value());
  EXPECT_EQ(before.next, Milestone::kSigned);
  EXPECT_EQ(before.slippage_days, 0);
  EXPECT_FALSE(before.overdue);
  ProjectProgress late = ProgressOf(p, D("2025-01-20"));
  EXPECT_EQ(late.slippage_days, 10);
  EXPECT_TRUE(late.overdue);
  // Signed 5 days late, start not yet due: still 5 days behind.
  p.milestones[0].actual = D("2025-01-15");
  ProjectProgress signed_late = ProgressOf(p, D("2025-02-01"));
  EXPECT_EQ(signed_late.stage, Milestone::kSigned);
  EXPECT_EQ(signed_late.next, Milestone::kStarted);
  EXPECT_EQ(signed_late.milestone_slippage[0], 5);
  EXPECT_EQ(signed_late.slippage_days, 5);
  EXPECT_FALSE(signed_late.overdue);
  // Start overdue by 31 days.
  ProjectProgress overdue = ProgressOf(p, D("2025-04-01"));
  EXPECT_EQ(overdue.slippage_days, 31);
  EXPECT_TRUE(overdue.overdue);
  // Every milestone reached: the last one's slippage (2 days early).
  p.milestones[1].actual = D("2025-03-01");
  p.milestones[2].actual = D("2025-11-20");
  p.milestones[3].actual = D("2026-02-27");
  ProjectProgress done = ProgressOf(p, D("2026-06-01"));
  EXPECT_EQ(done.stage, Milestone::kProducing);
  EXPECT_FALSE(done.next.has_value());
  EXPECT_EQ(done.slippage_days, -2);
  EXPECT_FALSE(done.overdue);
  // An actual date after as_of does not count yet.
  EXPECT_FALSE(ProgressOf(p, D("2025-01-12")).stage.has_value());
}

TEST(ProjectModelTest, ParsesKindsAndMilestonesInBothLanguages) {
  EXPECT_EQ(ParseProjectKind("产业地标").value(), ProjectKind::kLandmark);
  EXPECT_EQ(ParseProjectKind("major").value(), ProjectKind::kMajor);
  EXPECT_EQ(ParseProjectKind("x", "kind").status().field(), "kind");
  EXPECT_EQ(ParseMilestone("投产").value(), Milestone::kProducing);
  EXPECT_EQ(ParseMilestone("started").value(), Milestone::kStarted);
  EXPECT_FALSE(ParseMilestone("finished").ok());
}

}  // namespace
}  // namespace kechan::chain
