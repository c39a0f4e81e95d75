// The appeal lifecycle of docs/product.md §2 (政企服务诉求闭环) declared as flow data, with its
// guards and default SLA clocks. The appeals module owns persistence and use-cases; this file is
// only the table it runs on.
#pragma once

#include <vector>

#include "base/result.h"
#include "flow/machine.h"
#include "flow/sla.h"

namespace kechan::flow {

// Event kinds the appeal spec emits (the clocks listen to them).
inline constexpr const char* kAppealDispatched = "appeal.dispatched";
inline constexpr const char* kAppealRedispatched = "appeal.redispatched";
inline constexpr const char* kAppealSignedFor = "appeal.signed_for";
inline constexpr const char* kAppealContacted = "appeal.contacted";
inline constexpr const char* kAppealWaiting = "appeal.waiting_for_enterprise";
inline constexpr const char* kAppealResumed = "appeal.resumed";
inline constexpr const char* kAppealReplied = "appeal.replied";
inline constexpr const char* kAppealRework = "appeal.rework";
inline constexpr const char* kAppealClosed = "appeal.closed";
inline constexpr const char* kAppealRejected = "appeal.rejected";
inline constexpr const char* kAppealMerged = "appeal.merged";
inline constexpr const char* kAppealArchived = "appeal.archived";
inline constexpr const char* kAppealExtensionApproved = "appeal.extension_approved";

// Returns the appeal state machine as data (states, transitions, roles, required fields, events).
// The context facts its guards read: "appeal_id" (the appeal's own id) and
// "unvisited_requesters" (number of requesters of a merged appeal still to be visited; absent=0).
MachineSpec AppealMachineSpec();
// Returns the guards AppealMachineSpec names: expected_date_valid, resolved_valid,
// satisfaction_valid, all_requesters_visited, not_own_master.
GuardTable AppealGuards();
// Returns the validated appeal machine (ValidateSpec errors, which a test rules out).
base::Result<Machine> AppealMachine();

// Returns the default appeal clocks: sign_for 1, response (contact) 2 and resolution 7 working
// days; resolution pauses while waiting for the enterprise and restarts on rework; every clock
// restarts on re-dispatch and is cancelled when the appeal is closed, rejected or merged; an
// approved extension (its "extra_days") lengthens the resolution clock.
std::vector<ClockSpec> DefaultAppealClocks();

// Display names of the appeal clocks, in DefaultAppealClocks order. Value type.
struct ClockLabel {
  const char* name;
  const char* label_zh;
  const char* label_en;
};
const std::vector<ClockLabel>& AppealClockLabels();

// Working hours in [from, to) minus the time the appeal waited for the enterprise (between
// "appeal.waiting_for_enterprise" and "appeal.resumed" in `history`): the metrics' time to
// resolution, from = dispatched_at, to = replied_at.
double AppealWorkingHoursExcludingPauses(const std::vector<ClockEvent>& history,
                                         const base::BusinessCalendar& calendar, base::Micros from,
                                         base::Micros to);

}  // namespace kechan::flow
