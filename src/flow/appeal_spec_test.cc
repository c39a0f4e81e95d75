#include "flow/appeal_spec.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kechan::flow {
namespace {

using auth::Role;
using base::Code;

class AppealFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = AppealMachine();
    ASSERT_TRUE(m.ok()) << m.status();
    machine_.emplace(std::move(m).value());
  }

  // Applies an action that must succeed, moves state_ and collects the events.
  void Do(std::string_view action, Role role, const Fields& input = {},
          const Fields& context = {}) {
    auto out = machine_->Apply(state_, action, {role}, input, context);
    ASSERT_TRUE(out.ok()) << action << " in " << state_ << ": " << out.status();
    state_ = out->to_state;
    for (const auto& e : out->events) {
      events_.push_back(e);
    }
  }

  base::Status Try(std::string_view action, Role role, const Fields& input = {},
                   const Fields& context = {}) {
    auto out = machine_->Apply(state_, action, {role}, input, context);
    return out.ok() ? base::Status::Ok() : out.status();
  }

  int Count(std::string_view kind) const {
    return static_cast<int>(std::count(events_.begin(), events_.end(), kind));
  }

  std::optional<Machine> machine_;
  std::string state_ = "received";
  std::vector<std::string> events_;
};

TEST(AppealSpecTest, SpecValidates) {
  EXPECT_TRUE(ValidateSpec(AppealMachineSpec(), AppealGuards()).ok());
  auto m = AppealMachine();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->initial_state(), "received");
  std::vector<std::string> terminal;
  for (const auto& s : m->spec().states) {
    EXPECT_FALSE(s.label_zh.empty()) << s.id;
    EXPECT_FALSE(s.label_en.empty()) << s.id;
    if (s.terminal) {
      terminal.push_back(s.id);
    }
  }
  EXPECT_EQ(terminal, (std::vector<std::string>{"closed", "rejected", "archived", "merged"}));
  for (const auto& t : m->spec().transitions) {
    EXPECT_FALSE(t.label_zh.empty()) << t.action;
    EXPECT_FALSE(t.events.empty()) << t.action;
  }
}

TEST_F(AppealFlowTest, HappyPathToArchive) {
  Do("dispatch", Role::kOperator, {{"lead_unit", "经信局"}});
  Do("sign_for", Role::kOfficer);
  Do("contact", Role::kOfficer, {{"note", "电话联系企业"}});
  Do("add_progress", Role::kOfficer, {{"note", "现场踏勘"}});
  EXPECT_EQ(state_, "in_progress");
  Do("wait_for_enterprise", Role::kOfficer,
     {{"reason", "等待企业补充材料"}, {"expected_date", "2026-03-10"}});
  EXPECT_EQ(state_, "waiting_for_enterprise");
  Do("resume", Role::kEnterprise);
  Do("request_extension", Role::kOfficer, {{"reason", "需跨部门协调"}, {"extra_days", "5"}});
  EXPECT_EQ(state_, "extension_requested");
  Do("approve_extension", Role::kDutyDirector);
  Do("reply", Role::kOfficer, {{"reply", "已协调解决"}});
  EXPECT_EQ(state_, "replied");
  Do("begin_check", Role::kOperator);
  EXPECT_EQ(state_, "platform_check");
  Do("pass_check", Role::kOperator);
  EXPECT_EQ(state_, "follow_up");
  Do("archive", Role::kOperator, {{"resolved", "yes"}, {"satisfaction", "satisfied"}});
  EXPECT_EQ(state_, "archived");
  EXPECT_EQ(events_.front(), kAppealDispatched);
  EXPECT_EQ(events_.back(), kAppealArchived);
  EXPECT_EQ(Count(kAppealWaiting), 1);
  EXPECT_EQ(Count(kAppealResumed), 1);
  EXPECT_EQ(Count("appeal.extension_approved"), 1);
  EXPECT_TRUE(machine_->AvailableActions(state_, {Role::kOperator}).empty());
}

TEST_F(AppealFlowTest, AnsweredDirectlyAndRejected) {
  Do("answer_directly", Role::kOfficer, {{"answer", "政策已在官网公布"}});
  Do("close", Role::kEnterprise);
  EXPECT_EQ(state_, "closed");

  state_ = "received";
  base::Status no_reason = Try("reject", Role::kOperator);
  EXPECT_EQ(no_reason.code(), Code::kInvalidArgument);
  EXPECT_EQ(no_reason.field(), "reason_code");
  Do("reject", Role::kOperator, {{"reason_code", "out_of_scope"}});
  EXPECT_EQ(state_, "rejected");
  EXPECT_EQ(Try("dispatch", Role::kOperator, {{"lead_unit", "x"}}).reason(),
            "flow.transition_not_allowed");
}

TEST_F(AppealFlowTest, ReworkLoopReturnsToInProgress) {
  Do("dispatch", Role::kChainChief, {{"lead_unit", "经信局"}});
  Do("sign_for", Role::kOfficer);
  Do("contact", Role::kOfficer, {{"note", "已联系"}});
  Do("reply", Role::kOfficer, {{"reply", "第一次答复"}});
  Do("begin_check", Role::kOperator);
  // The platform check fails: back to in progress.
  Do("rework", Role::kOperator, {{"reason", "答复不完整"}});
  EXPECT_EQ(state_, "in_progress");
  Do("reply", Role::kOfficer, {{"reply", "第二次答复"}});
  Do("begin_check", Role::kOperator);
  Do("pass_check", Role::kOperator);
  // The visit finds it unresolved: rework again.
  Do("record_visit", Role::kOfficer,
     {{"requester", "u1"}, {"resolved", "no"}, {"satisfaction", "not"}});
  EXPECT_EQ(state_, "follow_up");
  Do("rework", Role::kOperator, {{"reason", "企业反馈未解决"}});
  EXPECT_EQ(state_, "in_progress");
  EXPECT_EQ(Count(kAppealRework), 2);  // the appeals module counts these
  Do("reply", Role::kOfficer, {{"reply", "第三次答复"}});
  Do("begin_check", Role::kOperator);
  Do("pass_check", Role::kOperator);
  Do("archive", Role::kOfficer, {{"resolved", "yes"}, {"satisfaction", "basically"}});
  EXPECT_EQ(state_, "archived");
}

TEST_F(AppealFlowTest, DispatchObjectionReviewAndRedispatch) {
  Do("dispatch", Role::kOperator, {{"lead_unit", "商务局"}});
  EXPECT_EQ(Try("object_dispatch", Role::kOfficer).field(), "reason");
  Do("object_dispatch", Role::kOfficer, {{"reason", "不属于本单位职责"}});
  EXPECT_EQ(state_, "dispatch_review");
  EXPECT_EQ(Try("redispatch", Role::kOfficer, {{"lead_unit", "经信局"}}).code(),
            Code::kPermissionDenied);
  Do("redispatch", Role::kOperator, {{"lead_unit", "经信局"}});
  EXPECT_EQ(state_, "dispatched");
  EXPECT_EQ(Count(kAppealRedispatched), 1);
  Do("sign_for", Role::kOfficer);
  EXPECT_EQ(state_, "signed_for");
}

TEST_F(AppealFlowTest, SupervisionAndReceptionKeepTheState) {
  Do("dispatch", Role::kOperator, {{"lead_unit", "经信局"}});
  Do("sign_for", Role::kOfficer);
  Do("contact", Role::kOfficer, {{"note", "n"}});
  Do("urge", Role::kEnterprise);
  Do("supervise", Role::kDutyDirector, {{"reason", "逾期未办结"}});
  Do("book_reception", Role::kOperator, {{"slot_id", "slot-42"}});
  Do("record_reception", Role::kChainChief, {{"outcome", "现场协调，明确完成时限"}});
  EXPECT_EQ(state_, "in_progress");
  EXPECT_EQ(Count("appeal.supervised"), 1);
  EXPECT_EQ(Try("supervise", Role::kEnterprise, {{"reason", "x"}}).code(), Code::kPermissionDenied);
  EXPECT_EQ(Try("book_reception", Role::kOperator).field(), "slot_id");
}

TEST_F(AppealFlowTest, BadInputIsRefusedWithTheRightCodeAndField) {
  // Forbidden from the current state.
  base::Status s = Try("sign_for", Role::kOfficer);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.reason(), "flow.transition_not_allowed");
  EXPECT_NE(s.message_en().find("sign_for"), std::string::npos);
  EXPECT_NE(s.message_zh().find("签收"), std::string::npos);

  Do("dispatch", Role::kOperator, {{"lead_unit", "经信局"}});
  // Wrong role: an enterprise cannot sign for.
  s = Try("sign_for", Role::kEnterprise);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_EQ(s.reason(), "flow.role");
  Do("sign_for", Role::kOfficer);
  Do("contact", Role::kOfficer, {{"note", "n"}});

  // A pause without reason, without expected date, with a bad date.
  s = Try("wait_for_enterprise", Role::kOfficer, {{"expected_date", "2026-03-10"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.reason(), "flow.required");
  EXPECT_EQ(s.field(), "reason");
  s = Try("wait_for_enterprise", Role::kOfficer, {{"reason", "补材料"}});
  EXPECT_EQ(s.field(), "expected_date");
  s = Try("wait_for_enterprise", Role::kOfficer,
          {{"reason", "补材料"}, {"expected_date", "2026-02-30"}});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.reason(), "flow.guard.expected_date_valid");
  EXPECT_EQ(s.field(), "expected_date");
  EXPECT_EQ(state_, "in_progress");

  Do("reply", Role::kOfficer, {{"reply", "r"}});
  Do("begin_check", Role::kOperator);
  Do("pass_check", Role::kOperator);
  // Follow-up needs both answers, with valid values.
  s = Try("archive", Role::kOperator, {{"resolved", "yes"}});
  EXPECT_EQ(s.field(), "satisfaction");
  s = Try("archive", Role::kOperator, {{"resolved", "maybe"}, {"satisfaction", "satisfied"}});
  EXPECT_EQ(s.field(), "resolved");
  EXPECT_EQ(s.reason(), "flow.guard.resolved_valid");
  s = Try("archive", Role::kOperator, {{"resolved", "yes"}, {"satisfaction", "great"}});
  EXPECT_EQ(s.field(), "satisfaction");
  // A merged appeal is archived only when every requester was visited.
  s = Try("archive", Role::kOperator, {{"resolved", "yes"}, {"satisfaction", "satisfied"}},
          {{"unvisited_requesters", "2"}});
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.reason(), "flow.guard.all_requesters_visited");
  EXPECT_EQ(state_, "follow_up");
}

TEST_F(AppealFlowTest, MergeIntoAMaster) {
  Do("dispatch", Role::kOperator, {{"lead_unit", "经信局"}});
  base::Status self = Try("merge", Role::kOperator, {{"master_id", "A-1"}}, {{"appeal_id", "A-1"}});
  EXPECT_EQ(self.reason(), "flow.guard.not_own_master");
  EXPECT_EQ(self.field(), "master_id");
  Do("merge", Role::kOperator, {{"master_id", "A-0"}}, {{"appeal_id", "A-1"}});
  EXPECT_EQ(state_, "merged");
  EXPECT_EQ(Try("urge", Role::kEnterprise).reason(), "flow.transition_not_allowed");
}

TEST_F(AppealFlowTest, AvailableActionsForTheEnterprise) {
  Do("dispatch", Role::kOperator, {{"lead_unit", "经信局"}});
  Do("sign_for", Role::kOfficer);
  Do("contact", Role::kOfficer, {{"note", "n"}});
  Do("wait_for_enterprise", Role::kOfficer, {{"reason", "r"}, {"expected_date", "2026-03-10"}});
  std::vector<std::string> actions;
  for (const auto& a : machine_->AvailableActions(state_, {Role::kEnterprise})) {
    actions.push_back(a.action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"resume", "urge"}));
}

TEST_F(AppealFlowTest, EnterpriseMayAnswerTheFollowUpVisit) {
  Do("dispatch", Role::kOperator, {{"lead_unit", "经信局"}});
  Do("sign_for", Role::kOfficer);
  Do("contact", Role::kOfficer, {{"note", "n"}});
  Do("reply", Role::kOfficer, {{"reply", "r"}});
  Do("begin_check", Role::kOperator);
  Do("pass_check", Role::kOperator);
  std::vector<std::string> actions;
  for (const auto& a : machine_->AvailableActions(state_, {Role::kEnterprise})) {
    actions.push_back(a.action);
  }
  EXPECT_NE(std::find(actions.begin(), actions.end(), "record_visit"), actions.end());
  EXPECT_EQ(std::find(actions.begin(), actions.end(), "archive"), actions.end());
}

// The machine's events drive the default clocks: waiting for the enterprise pauses resolution only.
TEST_F(AppealFlowTest, PausedClockDoesNotCountWaitingDays) {
  auto at = [](int m, int d, int hh) {
    return base::LocalInstant(base::Date::FromYmd(2026, m, d).value(), hh * 60);
  };
  std::vector<ClockEvent> log;
  int64_t seq = 0;
  auto step = [&](base::Micros when, std::string_view action, Role role, const Fields& input) {
    auto out = machine_->Apply(state_, action, {role}, input);
    ASSERT_TRUE(out.ok()) << out.status();
    state_ = out->to_state;
    for (const auto& e : out->events) {
      log.push_back({.at = when, .seq = ++seq, .kind = e});
    }
  };
  step(at(3, 2, 9), "dispatch", Role::kOperator, {{"lead_unit", "u"}});
  step(at(3, 2, 10), "sign_for", Role::kOfficer, {});
  step(at(3, 3, 10), "contact", Role::kOfficer, {{"note", "n"}});
  step(at(3, 4, 9), "wait_for_enterprise", Role::kOfficer,
       {{"reason", "r"}, {"expected_date", "2026-03-09"}});
  step(at(3, 9, 9), "resume", Role::kEnterprise, {});

  const auto cal = base::BusinessCalendar::Shipped();
  const auto clocks = DefaultAppealClocks();
  ASSERT_EQ(clocks.size(), 3u);
  auto sign_for = ComputeClock(clocks[0], log, cal, at(3, 9, 12));
  auto response = ComputeClock(clocks[1], log, cal, at(3, 9, 12));
  auto resolution = ComputeClock(clocks[2], log, cal, at(3, 9, 12));
  ASSERT_TRUE(sign_for.ok() && response.ok() && resolution.ok());
  EXPECT_EQ(sign_for->status, ClockStatus::kStopped);
  EXPECT_FALSE(sign_for->breached);
  EXPECT_EQ(response->status, ClockStatus::kStopped);
  EXPECT_EQ(resolution->status, ClockStatus::kRunning);
  // Waited Wed 03-04 .. Fri 03-06 (3 working days, the weekend is not working time anyway).
  constexpr base::Micros kHour = 60 * base::kMicrosPerMinute;
  EXPECT_EQ(resolution->paused, 21 * kHour);
  EXPECT_EQ(resolution->elapsed, 14 * kHour + 3 * kHour);  // Mon, Tue + Mon 03-09 morning
  // Base due: 7 working days after Mon 03-02 = Wed 03-11 17:30, moved on by 3 working days.
  EXPECT_EQ(resolution->due_at,
            base::LocalInstant(base::Date::FromYmd(2026, 3, 16).value(), 17 * 60 + 30));
}

}  // namespace
}  // namespace kechan::flow
