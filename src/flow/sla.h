// flow SLA clocks: a clock's state is a pure function of a workflow instance's events, the
// business calendar and "now", so replaying the same events always gives the same state (the
// basis of `kechan sla replay` after a calendar or rule change).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/calendar.h"
#include "base/clock.h"
#include "base/result.h"
#include "flow/machine.h"

namespace kechan::flow {

// One event of a workflow instance, as read from the event log. Value type.
struct ClockEvent {
  base::Micros at = 0;  // UTC microseconds
  int64_t seq = 0;      // position in the event log; orders events with the same `at`
  std::string kind;     // e.g. "appeal.dispatched"
  Fields fields;
};

enum class GoalUnit { kWorkingDays, kWorkingHours };
// Returns "working_days" or "working_hours".
const char* GoalUnitName(GoalUnit unit);

// How much time a clock allows.
struct Goal {
  GoalUnit unit = GoalUnit::kWorkingDays;
  int amount = 1;  // >= 1
};

// A clock declared as data. An event kind may appear in several lists; per event the first
// matching rule of cancel, stop, reset, start, pause, resume applies. Value type.
struct ClockSpec {
  std::string name;  // "sign_for", "response", "resolution"
  Goal goal;
  std::vector<std::string> start_on;
  std::vector<std::string> pause_on;
  std::vector<std::string> resume_on;
  std::vector<std::string> stop_on;
  std::vector<std::string> reset_on;
  std::vector<std::string> cancel_on;
  // Events that lengthen the goal of a running or paused clock (an approved extension): the
  // event's fields "extra_days" (working days) and/or "extra_hours" (working hours), whole
  // numbers 1..10000; other values are ignored.
  std::vector<std::string> extend_on;
  double warn_share = 0.8;  // warn when elapsed reaches this share of the goal; 0 = no warning
};

// Checks a clock spec. Errors: InvalidArgument naming the field ("name", "goal.amount",
// "warn_share", "start_on") with reason "sla.spec.*".
base::Status ValidateClockSpec(const ClockSpec& spec);

enum class ClockStatus { kNotStarted, kRunning, kPaused, kStopped, kCancelled };
// Returns "not_started", "running", "paused", "stopped" or "cancelled".
const char* ClockStatusName(ClockStatus status);

// The state of one clock at `now`. Value type; equality compares every field.
struct ClockState {
  ClockStatus status = ClockStatus::kNotStarted;
  int cycle = 0;                        // 1 after the start, +1 per reset (timers key on it)
  base::Micros started_at = 0;          // start of the current cycle (start or last reset)
  base::Micros goal = 0;                // working time allowed in this cycle (with extensions)
  base::Micros extended = 0;            // working time the extensions of this cycle added
  base::Micros elapsed = 0;             // working time counted, paused time excluded
  base::Micros paused = 0;              // working time spent paused in this cycle
  base::Micros remaining = 0;           // goal - elapsed; negative when overdue
  std::optional<base::Micros> due_at;   // instant elapsed reaches (or reached) the goal
  std::optional<base::Micros> warn_at;  // instant elapsed reaches warn_share of the goal
  bool warned = false;
  bool breached = false;
  std::optional<base::Micros> breached_at;  // == due_at once breached; set at most once a cycle
  std::optional<base::Micros> paused_at;    // while paused
  std::optional<base::Micros> stopped_at;   // stop or cancel instant

  bool operator==(const ClockState&) const = default;
};

// Computes a clock from `events` at `now` on `calendar` (whose office hours define working time).
// Events are sorted by (at, seq) first and those after `now` are ignored, so the input order does
// not matter. Semantics:
//  - start_on starts a not-started clock; reset_on restarts a started clock (any status) from zero
//    at the reset event (running, cycle + 1, warning and breach cleared).
//  - pause_on pauses a running clock; resume_on resumes a paused one; paused time is not counted.
//    Stop and cancel end the clock (a pause in progress ends with it). Other combinations of
//    status and rule are ignored.
//  - Goal in working hours: goal = amount hours of working time.
//    Goal in working days: base due = the end of the last office interval of the amount-th working
//    day after the local date of the (re)start (the start day not counted, AddWorkingDays), and
//    goal = the working time from the (re)start to that base due.
//  - extend_on lengthens the goal of a running or paused clock: for a days goal the base due
//    moves on by "extra_days" working days (AddWorkingDays from the base due's date), for an
//    hours goal by "extra_days" office days of working time; "extra_hours" adds that many
//    working hours to either. The running time before the extension is counted against the old
//    goal (a breach already reached stays, as does a warning already given); the warning
//    threshold is warn_share of the new goal. A reset drops the extensions of the old cycle.
//  - due_at is the instant elapsed reaches the goal: AddWorkingTime(start, goal + paused working
//    time), i.e. for days goals the base due moved on by the paused working time. While paused it
//    is provisional (as if resumed now) and moves as the pause lasts.
//  - warned / breached: the clock was running at or after warn_at / due_at (a stop exactly at
//    due_at is on time; at now == due_at a running clock is breached). breached_at is set once
//    per cycle and never moves; later events only freeze elapsed.
// Errors: ValidateClockSpec's.
base::Result<ClockState> ComputeClock(const ClockSpec& spec, std::vector<ClockEvent> events,
                                      const base::BusinessCalendar& calendar, base::Micros now);

// A pause of a workflow instance: [from, to); `to` nullopt while it lasts. Value type.
struct Pause {
  base::Micros from = 0;
  std::optional<base::Micros> to;
};

// The pauses in `events` (sorted by (at, seq) first): a `pause_on` event opens one unless one is
// open, a `resume_on` event closes the open one; one left open has no end.
std::vector<Pause> PausesFromEvents(std::vector<ClockEvent> events,
                                    const std::vector<std::string>& pause_on,
                                    const std::vector<std::string>& resume_on);

// Working time in [from, to) on `calendar` minus the working time spent in `pauses` (clipped to
// [from, to); overlapping pauses count once; an open pause runs to `to`). 0 when to <= from.
base::Micros WorkingTimeExcludingPauses(base::Micros from, base::Micros to,
                                        const std::vector<Pause>& pauses,
                                        const base::BusinessCalendar& calendar);

// The same in hours, with the pauses read from `events` (PausesFromEvents). For the metrics'
// time to resolution: from = dispatched_at, to = replied_at, the appeal's history as events,
// pause_on {"appeal.waiting_for_enterprise"}, resume_on {"appeal.resumed"} (see
// AppealWorkingHoursExcludingPauses in appeal_spec.h).
double WorkingHoursExcludingPauses(const std::vector<ClockEvent>& events,
                                   const base::BusinessCalendar& calendar, base::Micros from,
                                   base::Micros to, const std::vector<std::string>& pause_on,
                                   const std::vector<std::string>& resume_on);

}  // namespace kechan::flow
