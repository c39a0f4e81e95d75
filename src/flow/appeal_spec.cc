#include "flow/appeal_spec.h"

#include "base/calendar.h"

namespace kechan::flow {
namespace {

using auth::Role;

const std::vector<std::string> kOpen = {"received",
                                        "answered",
                                        "dispatched",
                                        "dispatch_review",
                                        "signed_for",
                                        "in_progress",
                                        "waiting_for_enterprise",
                                        "extension_requested",
                                        "replied",
                                        "platform_check",
                                        "follow_up"};
// Open states once the appeal has been dispatched (where supervision and receptions apply).
const std::vector<std::string> kDispatchedOpen = {
    "dispatched",  "dispatch_review",        "signed_for",
    "in_progress", "waiting_for_enterprise", "extension_requested",
    "replied",     "platform_check",         "follow_up"};

const std::vector<Role> kLeaders = {Role::kOperator, Role::kDutyDirector, Role::kChainChief};

std::string Get(const Fields& f, std::string_view name) {
  auto it = f.find(name);
  return it == f.end() ? std::string() : it->second;
}

}  // namespace

MachineSpec AppealMachineSpec() {
  return MachineSpec{
      .name = "appeal",
      .initial = "received",
      .states =
          {
              {.id = "received", .label_zh = "已受理", .label_en = "Received"},
              {.id = "answered", .label_zh = "已直接答复", .label_en = "Answered directly"},
              {.id = "closed", .label_zh = "已办结", .label_en = "Closed", .terminal = true},
              {.id = "rejected", .label_zh = "不予受理", .label_en = "Rejected", .terminal = true},
              {.id = "dispatched", .label_zh = "已派单", .label_en = "Dispatched"},
              {.id = "dispatch_review",
               .label_zh = "派单异议审核中",
               .label_en = "Dispatch objection under review"},
              {.id = "signed_for", .label_zh = "已签收", .label_en = "Signed for"},
              {.id = "in_progress", .label_zh = "办理中", .label_en = "In progress"},
              {.id = "waiting_for_enterprise",
               .label_zh = "等待企业",
               .label_en = "Waiting for the enterprise"},
              {.id = "extension_requested",
               .label_zh = "延期申请中",
               .label_en = "Extension requested"},
              {.id = "replied", .label_zh = "已答复", .label_en = "Replied"},
              {.id = "platform_check", .label_zh = "平台审核", .label_en = "Platform check"},
              {.id = "follow_up", .label_zh = "待回访", .label_en = "Follow-up visit"},
              {.id = "archived", .label_zh = "已归档", .label_en = "Archived", .terminal = true},
              {.id = "merged", .label_zh = "已合并", .label_en = "Merged", .terminal = true},
          },
      .transitions =
          {
              {.action = "answer_directly",
               .from = {"received"},
               .to = "answered",
               .roles = {Role::kOfficer, Role::kOperator, Role::kDutyDirector, Role::kChainChief},
               .required = {"answer"},
               .events = {"appeal.answered"},
               .label_zh = "直接答复",
               .label_en = "Answer directly"},
              {.action = "close",
               .from = {"answered"},
               .to = "closed",
               .roles = {Role::kOfficer, Role::kOperator, Role::kEnterprise},
               .events = {kAppealClosed},
               .label_zh = "办结",
               .label_en = "Close"},
              {.action = "reject",
               .from = {"received"},
               .to = "rejected",
               .roles = {Role::kOperator, Role::kOfficer},
               .required = {"reason_code"},
               .events = {kAppealRejected},
               .label_zh = "不予受理",
               .label_en = "Reject as out of scope"},
              {.action = "dispatch",
               .from = {"received"},
               .to = "dispatched",
               .roles = kLeaders,
               .required = {"lead_unit"},
               .events = {kAppealDispatched},
               .label_zh = "派单",
               .label_en = "Dispatch"},
              {.action = "object_dispatch",
               .from = {"dispatched"},
               .to = "dispatch_review",
               .roles = {Role::kOfficer},
               .required = {"reason"},
               .events = {"appeal.dispatch_objected"},
               .label_zh = "派单异议",
               .label_en = "Object to the dispatch"},
              {.action = "uphold_dispatch",
               .from = {"dispatch_review"},
               .to = "dispatched",
               .roles = {Role::kOperator},
               .required = {"reason"},
               .events = {"appeal.dispatch_upheld"},
               .label_zh = "维持派单",
               .label_en = "Uphold the dispatch"},
              {.action = "redispatch",
               .from = {"dispatch_review"},
               .to = "dispatched",
               .roles = {Role::kOperator},
               .required = {"lead_unit"},
               .events = {kAppealRedispatched},
               .label_zh = "改派",
               .label_en = "Re-dispatch"},
              {.action = "sign_for",
               .from = {"dispatched"},
               .to = "signed_for",
               .roles = {Role::kOfficer},
               .events = {kAppealSignedFor},
               .label_zh = "签收",
               .label_en = "Sign for"},
              {.action = "contact",
               .from = {"signed_for"},
               .to = "in_progress",
               .roles = {Role::kOfficer},
               .required = {"note"},
               .events = {kAppealContacted},
               .label_zh = "联系企业",
               .label_en = "Contact the enterprise"},
              {.action = "add_progress",
               .from = {"in_progress"},
               .roles = {Role::kOfficer},
               .required = {"note"},
               .events = {"appeal.progress_noted"},
               .label_zh = "记录进展",
               .label_en = "Add a progress note"},
              {.action = "wait_for_enterprise",
               .from = {"in_progress"},
               .to = "waiting_for_enterprise",
               .roles = {Role::kOfficer},
               .guards = {"expected_date_valid"},
               .required = {"reason", "expected_date"},
               .events = {kAppealWaiting},
               .label_zh = "等待企业",
               .label_en = "Wait for the enterprise"},
              {.action = "resume",
               .from = {"waiting_for_enterprise"},
               .to = "in_progress",
               .roles = {Role::kOfficer, Role::kEnterprise},
               .events = {kAppealResumed},
               .label_zh = "恢复办理",
               .label_en = "Resume"},
              {.action = "request_extension",
               .from = {"in_progress"},
               .to = "extension_requested",
               .roles = {Role::kOfficer},
               .required = {"reason", "extra_days"},
               .events = {"appeal.extension_requested"},
               .label_zh = "申请延期",
               .label_en = "Request an extension"},
              {.action = "approve_extension",
               .from = {"extension_requested"},
               .to = "in_progress",
               .roles = {Role::kOperator, Role::kDutyDirector},
               .events = {kAppealExtensionApproved},
               .label_zh = "批准延期",
               .label_en = "Approve the extension"},
              {.action = "deny_extension",
               .from = {"extension_requested"},
               .to = "in_progress",
               .roles = {Role::kOperator, Role::kDutyDirector},
               .required = {"reason"},
               .events = {"appeal.extension_denied"},
               .label_zh = "驳回延期",
               .label_en = "Deny the extension"},
              {.action = "reply",
               .from = {"in_progress"},
               .to = "replied",
               .roles = {Role::kOfficer},
               .required = {"reply"},
               .events = {kAppealReplied},
               .label_zh = "答复企业",
               .label_en = "Reply"},
              {.action = "begin_check",
               .from = {"replied"},
               .to = "platform_check",
               .roles = {Role::kOperator},
               .events = {"appeal.check_started"},
               .label_zh = "平台审核",
               .label_en = "Begin the platform check"},
              {.action = "pass_check",
               .from = {"platform_check"},
               .to = "follow_up",
               .roles = {Role::kOperator},
               .events = {"appeal.check_passed"},
               .label_zh = "审核通过",
               .label_en = "Pass the check"},
              {.action = "record_visit",
               .from = {"follow_up"},
               .roles = {Role::kOperator, Role::kOfficer, Role::kEnterprise},
               .guards = {"resolved_valid", "satisfaction_valid"},
               .required = {"requester", "resolved", "satisfaction"},
               .events = {"appeal.visit_recorded"},
               .label_zh = "记录回访",
               .label_en = "Record a follow-up visit"},
              {.action = "archive",
               .from = {"follow_up"},
               .to = "archived",
               .roles = {Role::kOperator, Role::kOfficer},
               .guards = {"resolved_valid", "satisfaction_valid", "all_requesters_visited"},
               .required = {"resolved", "satisfaction"},
               .events = {"appeal.visit_recorded", kAppealArchived},
               .label_zh = "回访归档",
               .label_en = "Record the visit and archive"},
              {.action = "rework",
               .from = {"platform_check", "follow_up"},
               .to = "in_progress",
               .roles = {Role::kOperator},
               .required = {"reason"},
               .events = {kAppealRework},
               .label_zh = "退回重办",
               .label_en = "Send back for rework"},
              {.action = "urge",
               .from = kDispatchedOpen,
               .roles = {Role::kEnterprise, Role::kOperator},
               .events = {"appeal.urged"},
               .label_zh = "催办",
               .label_en = "Urge"},
              {.action = "supervise",
               .from = kDispatchedOpen,
               .roles = kLeaders,
               .required = {"reason"},
               .events = {"appeal.supervised"},
               .label_zh = "督办",
               .label_en = "Supervise"},
              {.action = "book_reception",
               .from = kDispatchedOpen,
               .roles = kLeaders,
               .required = {"slot_id"},
               .events = {"appeal.reception_booked"},
               .label_zh = "预约接待",
               .label_en = "Book a reception slot"},
              {.action = "record_reception",
               .from = kDispatchedOpen,
               .roles = {Role::kDutyDirector, Role::kChainChief, Role::kOperator},
               .required = {"outcome"},
               .events = {"appeal.reception_recorded"},
               .label_zh = "记录接待结果",
               .label_en = "Record the reception outcome"},
              {.action = "merge",
               .from = kOpen,
               .to = "merged",
               .roles = {Role::kOperator, Role::kOfficer},
               .guards = {"not_own_master"},
               .required = {"master_id"},
               .events = {kAppealMerged},
               .label_zh = "合并诉求",
               .label_en = "Merge into a master appeal"},
          },
  };
}

GuardTable AppealGuards() {
  GuardTable t;
  auto add = [&t](Guard g) {
    base::Status s = t.Add(std::move(g));
    (void)s;  // names below are distinct
  };
  add({.name = "expected_date_valid",
       .check =
           [](const GuardInput& in) {
             return base::Date::Parse(Get(in.input, "expected_date"), "expected_date").ok();
           },
       .message_en = "expected_date must be a date YYYY-MM-DD",
       .message_zh = "预计日期须为 YYYY-MM-DD 格式的日期",
       .field = "expected_date",
       .code = base::Code::kInvalidArgument});
  add({.name = "resolved_valid",
       .check =
           [](const GuardInput& in) {
             const std::string v = Get(in.input, "resolved");
             return v == "yes" || v == "no";
           },
       .message_en = "resolved must be yes or no",
       .message_zh = "是否解决须为 yes 或 no",
       .field = "resolved",
       .code = base::Code::kInvalidArgument});
  add({.name = "satisfaction_valid",
       .check =
           [](const GuardInput& in) {
             const std::string v = Get(in.input, "satisfaction");
             return v == "satisfied" || v == "basically" || v == "not";
           },
       .message_en = "satisfaction must be satisfied, basically or not",
       .message_zh = "满意度须为 satisfied（满意）、basically（基本满意）或 not（不满意）",
       .field = "satisfaction",
       .code = base::Code::kInvalidArgument});
  add({.name = "all_requesters_visited",
       .check =
           [](const GuardInput& in) {
             const std::string v = Get(in.context, "unvisited_requesters");
             return v.empty() || v == "0";
           },
       .message_en = "Every requester of the appeal must be visited before it is archived",
       .message_zh = "归档前须回访该诉求的每一位诉求人"});
  add({.name = "not_own_master",
       .check =
           [](const GuardInput& in) {
             return Get(in.input, "master_id") != Get(in.context, "appeal_id");
           },
       .message_en = "An appeal cannot be merged into itself",
       .message_zh = "诉求不能合并到自身",
       .field = "master_id",
       .code = base::Code::kInvalidArgument});
  return t;
}

base::Result<Machine> AppealMachine() {
  return Machine::Create(AppealMachineSpec(), AppealGuards());
}

std::vector<ClockSpec> DefaultAppealClocks() {
  const std::vector<std::string> cancel = {kAppealClosed, kAppealRejected, kAppealMerged};
  return {
      {.name = "sign_for",
       .goal = {.unit = GoalUnit::kWorkingDays, .amount = 1},
       .start_on = {kAppealDispatched},
       .stop_on = {kAppealSignedFor},
       .reset_on = {kAppealRedispatched},
       .cancel_on = cancel},
      {.name = "response",
       .goal = {.unit = GoalUnit::kWorkingDays, .amount = 2},
       .start_on = {kAppealDispatched},
       .stop_on = {kAppealContacted},
       .reset_on = {kAppealRedispatched},
       .cancel_on = cancel},
      {.name = "resolution",
       .goal = {.unit = GoalUnit::kWorkingDays, .amount = 7},
       .start_on = {kAppealDispatched},
       .pause_on = {kAppealWaiting},
       .resume_on = {kAppealResumed},
       .stop_on = {kAppealReplied},
       .reset_on = {kAppealRedispatched, kAppealRework},
       .cancel_on = cancel,
       .extend_on = {kAppealExtensionApproved}},
  };
}

const std::vector<ClockLabel>& AppealClockLabels() {
  static const std::vector<ClockLabel> kLabels = {
      {"sign_for", "签收时限", "Sign-for"},
      {"response", "响应（联系企业）时限", "Response (contact)"},
      {"resolution", "办理时限", "Resolution"},
  };
  return kLabels;
}

double AppealWorkingHoursExcludingPauses(const std::vector<ClockEvent>& history,
                                         const base::BusinessCalendar& calendar, base::Micros from,
                                         base::Micros to) {
  return WorkingHoursExcludingPauses(history, calendar, from, to, {kAppealWaiting},
                                     {kAppealResumed});
}

}  // namespace kechan::flow
