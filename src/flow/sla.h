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
  base::Micros goal = 0;                // working time allowed in this cycle
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
//  - due_at is the instant elapsed reaches the goal: AddWorkingTime(start, goal + paused working
//    time), i.e. for days goals the base due moved on by the paused working time. While paused it
//    is provisional (as if resumed now) and moves as the pause lasts.
//  - warned / breached: the clock was running at or after warn_at / due_at (a stop exactly at
//    due_at is on time; at now == due_at a running clock is breached). breached_at is set once
//    per cycle and never moves; later events only freeze elapsed.
// Errors: ValidateClockSpec's.
base::Result<ClockState> ComputeClock(const ClockSpec& spec, std::vector<ClockEvent> events,
                                      const base::BusinessCalendar& calendar, base::Micros now);

}  // namespace kechan::flow
