#include "flow/machine.h"

#include <gtest/gtest.h>

namespace kechan::flow {
namespace {

using auth::Role;
using base::Code;

// A small ticket machine: open -> doing -> done, open -> dropped.
MachineSpec TicketSpec() {
  return MachineSpec{
      .name = "ticket",
      .states =
          {
              {.id = "open", .label_zh = "待处理", .label_en = "Open"},
              {.id = "doing", .label_zh = "处理中", .label_en = "Doing"},
              {.id = "done", .label_zh = "已完成", .label_en = "Done", .terminal = true},
              {.id = "dropped", .label_zh = "已放弃", .label_en = "Dropped", .terminal = true},
          },
      .transitions =
          {
              {.action = "start",
               .from = {"open"},
               .to = "doing",
               .roles = {Role::kOfficer},
               .required = {"assignee"},
               .events = {"ticket.started"},
               .label_zh = "开始",
               .label_en = "Start"},
              {.action = "note",
               .from = {"doing"},
               .roles = {Role::kOfficer, Role::kOperator},
               .required = {"text"},
               .events = {"ticket.noted"},
               .label_zh = "备注",
               .label_en = "Note"},
              {.action = "finish",
               .from = {"doing"},
               .to = "done",
               .roles = {Role::kOfficer},
               .guards = {"checklist_done"},
               .required = {"summary", "hours"},
               .events = {"ticket.finished", "ticket.closed"},
               .label_zh = "完成",
               .label_en = "Finish"},
              {.action = "drop",
               .from = {"open", "doing"},
               .to = "dropped",
               .roles = {Role::kOperator},
               .required = {"reason"},
               .events = {"ticket.dropped"},
               .label_zh = "放弃",
               .label_en = "Drop"},
          },
  };
}

GuardTable TicketGuards() {
  GuardTable t;
  EXPECT_TRUE(t.Add({.name = "checklist_done",
                     .check =
                         [](const GuardInput& in) {
                           auto it = in.context.find("open_items");
                           return it == in.context.end() || it->second == "0";
                         },
                     .message_en = "Finish the checklist first",
                     .message_zh = "请先完成检查清单"})
                  .ok());
  return t;
}

TEST(FlowSpecTest, TicketSpecIsValid) {
  EXPECT_TRUE(ValidateSpec(TicketSpec(), TicketGuards()).ok());
  auto m = Machine::Create(TicketSpec(), TicketGuards());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->initial_state(), "open");
}

void ExpectSpecError(const MachineSpec& spec, const std::string& reason, const std::string& field) {
  base::Status s = ValidateSpec(spec, TicketGuards());
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s;
  EXPECT_EQ(s.reason(), reason) << s;
  EXPECT_EQ(s.field(), field) << s;
  EXPECT_FALSE(s.message_en().empty());
  EXPECT_NE(s.message_zh(), s.message_en());
  EXPECT_FALSE(Machine::Create(spec, TicketGuards()).ok());
}

TEST(FlowSpecTest, UnknownStateInTransitionIsRejected) {
  MachineSpec spec = TicketSpec();
  spec.transitions[0].to = "doingg";
  ExpectSpecError(spec, "flow.spec.unknown_state", "transitions[0].to");
  spec = TicketSpec();
  spec.transitions[3].from[1] = "nowhere";
  ExpectSpecError(spec, "flow.spec.unknown_state", "transitions[3].from[1]");
  spec = TicketSpec();
  spec.initial = "nowhere";
  ExpectSpecError(spec, "flow.spec.unknown_state", "initial");
}

TEST(FlowSpecTest, UnreachableStateIsRejected) {
  MachineSpec spec = TicketSpec();
  spec.states.push_back({.id = "limbo", .label_zh = "悬空", .label_en = "Limbo"});
  ExpectSpecError(spec, "flow.spec.unreachable_state", "states[4]");
  // A self-loop from the orphan does not make it reachable.
  spec.transitions.push_back(
      {.action = "poke", .from = {"limbo"}, .roles = {Role::kOperator}, .label_en = "Poke"});
  ExpectSpecError(spec, "flow.spec.unreachable_state", "states[4]");
}

TEST(FlowSpecTest, DuplicateTransitionIsRejected) {
  MachineSpec spec = TicketSpec();
  spec.transitions.push_back(
      {.action = "start", .from = {"open"}, .to = "dropped", .roles = {Role::kOperator}});
  ExpectSpecError(spec, "flow.spec.duplicate_transition", "transitions[4].from[0]");
  // The same action from different states is fine.
  spec.transitions.back().from = {"doing"};
  EXPECT_TRUE(ValidateSpec(spec, TicketGuards()).ok());
}

TEST(FlowSpecTest, NoTerminalStateIsRejected) {
  MachineSpec spec = TicketSpec();
  for (auto& s : spec.states) {
    s.terminal = false;
  }
  ExpectSpecError(spec, "flow.spec.no_terminal", "states");
}

TEST(FlowSpecTest, OtherSpecMistakesAreRejected) {
  MachineSpec spec = TicketSpec();
  spec.states.push_back(spec.states[1]);
  ExpectSpecError(spec, "flow.spec.duplicate_state", "states[4].id");

  spec = TicketSpec();
  spec.transitions[2].guards = {"checklist_done", "moon_phase"};
  ExpectSpecError(spec, "flow.spec.unknown_guard", "transitions[2].guards[1]");

  spec = TicketSpec();
  spec.transitions[0].roles.clear();
  ExpectSpecError(spec, "flow.spec.no_roles", "transitions[0].roles");

  spec = TicketSpec();
  spec.transitions.push_back(
      {.action = "reopen", .from = {"done"}, .to = "open", .roles = {Role::kOperator}});
  ExpectSpecError(spec, "flow.spec.terminal_exit", "transitions[4].from[0]");

  spec = TicketSpec();
  spec.transitions[1].from.clear();
  ExpectSpecError(spec, "flow.spec.no_from", "transitions[1].from");

  spec = TicketSpec();
  spec.states.clear();
  ExpectSpecError(spec, "flow.spec.empty", "states");
}

TEST(FlowGuardTableTest, DuplicateAndEmptyGuardsAreRejected) {
  GuardTable t = TicketGuards();
  base::Status dup =
      t.Add({.name = "checklist_done", .check = [](const GuardInput&) { return true; }});
  EXPECT_EQ(dup.code(), Code::kAlreadyExists);
  base::Status empty = t.Add({.name = "x"});
  EXPECT_EQ(empty.code(), Code::kInvalidArgument);
  EXPECT_NE(t.Find("checklist_done"), nullptr);
  EXPECT_EQ(t.Find("x"), nullptr);
}

class FlowMachineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Machine::Create(TicketSpec(), TicketGuards());
    ASSERT_TRUE(m.ok()) << m.status();
    machine_.emplace(std::move(m).value());
  }
  std::optional<Machine> machine_;
};

TEST_F(FlowMachineTest, AllowedTransitionReturnsTargetAndEvents) {
  auto out = machine_->Apply("doing", "finish", {Role::kOfficer},
                             {{"summary", "fixed"}, {"hours", "3"}}, {{"open_items", "0"}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->from_state, "doing");
  EXPECT_EQ(out->to_state, "done");
  EXPECT_EQ(out->action, "finish");
  EXPECT_EQ(out->events, (std::vector<std::string>{"ticket.finished", "ticket.closed"}));
}

TEST_F(FlowMachineTest, SelfLoopStaysInState) {
  auto out = machine_->Apply("doing", "note", {Role::kOperator}, {{"text", "called"}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->to_state, "doing");
  EXPECT_EQ(out->events, std::vector<std::string>{"ticket.noted"});
}

TEST_F(FlowMachineTest, ForbiddenTransitionNamesTheAction) {
  auto out =
      machine_->Apply("open", "finish", {Role::kOfficer}, {{"summary", "x"}, {"hours", "1"}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(out.status().reason(), "flow.transition_not_allowed");
  EXPECT_EQ(out.status().field(), "action");
  EXPECT_NE(out.status().message_en().find("'finish'"), std::string::npos);
  EXPECT_NE(out.status().message_zh().find("完成"), std::string::npos);
  EXPECT_NE(out.status().message_zh().find("待处理"), std::string::npos);
  // Terminal states allow nothing.
  auto from_done = machine_->Apply("done", "drop", {Role::kOperator}, {{"reason", "x"}});
  EXPECT_EQ(from_done.status().reason(), "flow.transition_not_allowed");
}

TEST_F(FlowMachineTest, WrongRoleIsPermissionDenied) {
  auto out =
      machine_->Apply("open", "drop", {Role::kOfficer, Role::kEnterprise}, {{"reason", "dup"}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(out.status().reason(), "flow.role");
  EXPECT_EQ(out.status().field(), "role");
  EXPECT_NE(out.status().message_en().find("operator"), std::string::npos);
  // No roles at all is denied too; any one allowed role suffices.
  EXPECT_EQ(machine_->Apply("open", "drop", {}, {{"reason", "dup"}}).status().code(),
            Code::kPermissionDenied);
  EXPECT_TRUE(
      machine_->Apply("open", "drop", {Role::kEnterprise, Role::kOperator}, {{"reason", "d"}})
          .ok());
}

TEST_F(FlowMachineTest, MissingOrBlankRequiredFieldIsNamed) {
  auto missing = machine_->Apply("doing", "finish", {Role::kOfficer}, {{"summary", "ok"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(missing.status().reason(), "flow.required");
  EXPECT_EQ(missing.status().field(), "hours");
  EXPECT_NE(missing.status().message_zh().find("hours"), std::string::npos);

  auto blank =
      machine_->Apply("doing", "finish", {Role::kOfficer}, {{"summary", " \t"}, {"hours", "2"}});
  EXPECT_EQ(blank.status().reason(), "flow.required");
  EXPECT_EQ(blank.status().field(), "summary");
}

TEST_F(FlowMachineTest, FailingGuardIsNamed) {
  auto out = machine_->Apply("doing", "finish", {Role::kOfficer},
                             {{"summary", "x"}, {"hours", "1"}}, {{"open_items", "2"}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(out.status().reason(), "flow.guard.checklist_done");
  EXPECT_NE(out.status().message_en().find("checklist_done"), std::string::npos);
  EXPECT_NE(out.status().message_zh().find("检查清单"), std::string::npos);
}

TEST_F(FlowMachineTest, ChecksRunInDocumentedOrder) {
  // Wrong state wins over wrong role and missing fields.
  EXPECT_EQ(machine_->Apply("open", "finish", {Role::kEnterprise}, {}).status().reason(),
            "flow.transition_not_allowed");
  // Wrong role wins over missing fields.
  EXPECT_EQ(machine_->Apply("doing", "finish", {Role::kEnterprise}, {}).status().reason(),
            "flow.role");
  // Missing fields win over guards.
  EXPECT_EQ(machine_->Apply("doing", "finish", {Role::kOfficer}, {}, {{"open_items", "5"}})
                .status()
                .reason(),
            "flow.required");
}

TEST_F(FlowMachineTest, UnknownActionOrStateIsInvalidArgument) {
  auto action = machine_->Apply("open", "fly", {Role::kOperator}, {});
  EXPECT_EQ(action.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(action.status().reason(), "flow.unknown_action");
  EXPECT_EQ(action.status().field(), "action");
  auto state = machine_->Apply("nowhere", "start", {Role::kOperator}, {});
  EXPECT_EQ(state.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(state.status().reason(), "flow.unknown_state");
  EXPECT_EQ(state.status().field(), "state");
}

TEST_F(FlowMachineTest, AvailableActionsFilterByStateAndRole) {
  auto officer = machine_->AvailableActions("doing", {Role::kOfficer});
  ASSERT_EQ(officer.size(), 2u);
  EXPECT_EQ(officer[0].action, "note");
  EXPECT_EQ(officer[0].to_state, "doing");
  EXPECT_EQ(officer[1].action, "finish");
  EXPECT_EQ(officer[1].required, (std::vector<std::string>{"summary", "hours"}));
  auto op = machine_->AvailableActions("doing", {Role::kOperator});
  ASSERT_EQ(op.size(), 2u);
  EXPECT_EQ(op[0].action, "note");
  EXPECT_EQ(op[1].action, "drop");
  EXPECT_TRUE(machine_->AvailableActions("done", {Role::kOperator}).empty());
  EXPECT_TRUE(machine_->AvailableActions("nowhere", {Role::kOperator}).empty());
}

}  // namespace
}  // namespace kechan::flow
