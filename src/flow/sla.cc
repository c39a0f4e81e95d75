#include "flow/sla.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace kechan::flow {
namespace {

using base::Micros;

constexpr Micros kMicrosPerHour = 60 * base::kMicrosPerMinute;

bool In(const std::vector<std::string>& kinds, const std::string& kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

enum class Rule { kNone, kCancel, kStop, kReset, kStart, kPause, kResume };

Rule RuleFor(const ClockSpec& spec, const std::string& kind) {
  if (In(spec.cancel_on, kind)) {
    return Rule::kCancel;
  }
  if (In(spec.stop_on, kind)) {
    return Rule::kStop;
  }
  if (In(spec.reset_on, kind)) {
    return Rule::kReset;
  }
  if (In(spec.start_on, kind)) {
    return Rule::kStart;
  }
  if (In(spec.pause_on, kind)) {
    return Rule::kPause;
  }
  if (In(spec.resume_on, kind)) {
    return Rule::kResume;
  }
  return Rule::kNone;
}

// Replays one clock; see ComputeClock.
class Replay {
 public:
  Replay(const ClockSpec& spec, const base::BusinessCalendar& calendar)
      : spec_(spec), calendar_(calendar) {}

  void Apply(const ClockEvent& e) {
    switch (RuleFor(spec_, e.kind)) {
      case Rule::kNone:
        return;
      case Rule::kCancel:
      case Rule::kStop:
        if (s_.status == ClockStatus::kRunning || s_.status == ClockStatus::kPaused) {
          EndSegment(e.at);
          s_.status = RuleFor(spec_, e.kind) == Rule::kCancel ? ClockStatus::kCancelled
                                                              : ClockStatus::kStopped;
          s_.stopped_at = e.at;
        }
        return;
      case Rule::kReset:
        if (s_.status != ClockStatus::kNotStarted) {
          Begin(e.at);
        }
        return;
      case Rule::kStart:
        if (s_.status == ClockStatus::kNotStarted) {
          Begin(e.at);
        }
        return;
      case Rule::kPause:
        if (s_.status == ClockStatus::kRunning) {
          EndSegment(e.at);
          s_.status = ClockStatus::kPaused;
          s_.paused_at = e.at;
        }
        return;
      case Rule::kResume:
        if (s_.status == ClockStatus::kPaused) {
          EndSegment(e.at);
          s_.status = ClockStatus::kRunning;
          s_.paused_at.reset();
          segment_start_ = e.at;
        }
        return;
    }
  }

  ClockState Finish(Micros now) {
    if (s_.status == ClockStatus::kNotStarted) {
      return s_;
    }
    Micros end = now;
    if (s_.status == ClockStatus::kRunning) {
      Run(segment_start_, now, /*closed=*/false);
      segment_start_ = now;
    } else if (s_.status == ClockStatus::kPaused) {
      s_.paused += calendar_.WorkingTimeBetween(*s_.paused_at, now);
    } else {
      end = *s_.stopped_at;
    }
    s_.remaining = s_.goal - s_.elapsed;
    s_.due_at =
        s_.breached_at ? *s_.breached_at : calendar_.AddWorkingTime(end, s_.goal - s_.elapsed);
    if (s_.warn_at.has_value()) {
      s_.warned = true;
    } else if (warn_threshold_ > 0) {
      s_.warn_at = calendar_.AddWorkingTime(end, warn_threshold_ - s_.elapsed);
    }
    s_.breached = s_.breached_at.has_value();
    return s_;
  }

 private:
  // Starts a new cycle at `at` (start or reset).
  void Begin(Micros at) {
    const int cycle = s_.cycle + 1;
    s_ = ClockState{};
    s_.status = ClockStatus::kRunning;
    s_.cycle = cycle;
    s_.started_at = at;
    segment_start_ = at;
    if (spec_.goal.unit == GoalUnit::kWorkingHours) {
      s_.goal = spec_.goal.amount * kMicrosPerHour;
    } else {
      const base::Date day = calendar_.AddWorkingDays(base::LocalDateOf(at), spec_.goal.amount);
      const int end_minute = calendar_.office_hours().intervals.back().end_minute;
      s_.goal = calendar_.WorkingTimeBetween(at, base::LocalInstant(day, end_minute));
    }
    warn_threshold_ =
        spec_.warn_share > 0 ? std::llround(spec_.warn_share * static_cast<double>(s_.goal)) : 0;
  }

  // Closes the running or paused segment at `at`.
  void EndSegment(Micros at) {
    if (s_.status == ClockStatus::kRunning) {
      Run(segment_start_, at, /*closed=*/true);
    } else if (s_.status == ClockStatus::kPaused) {
      s_.paused += calendar_.WorkingTimeBetween(*s_.paused_at, at);
      s_.paused_at.reset();
    }
  }

  // Counts running time [from, to); a closed segment ended by an event at `to` (a threshold
  // reached exactly at `to` is not crossed), an open one ends at now (it is).
  void Run(Micros from, Micros to, bool closed) {
    auto crossed = [&](Micros threshold) -> std::optional<Micros> {
      const Micros at = calendar_.AddWorkingTime(from, threshold - s_.elapsed);
      if (closed ? at < to : at <= to) {
        return at;
      }
      return std::nullopt;
    };
    if (!s_.warn_at && warn_threshold_ > 0) {
      s_.warn_at = crossed(warn_threshold_);
    }
    if (!s_.breached_at) {
      s_.breached_at = crossed(s_.goal);
    }
    s_.elapsed += calendar_.WorkingTimeBetween(from, to);
  }

  const ClockSpec& spec_;
  const base::BusinessCalendar& calendar_;
  ClockState s_;
  Micros segment_start_ = 0;
  Micros warn_threshold_ = 0;
};

}  // namespace

const char* GoalUnitName(GoalUnit unit) {
  return unit == GoalUnit::kWorkingDays ? "working_days" : "working_hours";
}

const char* ClockStatusName(ClockStatus status) {
  switch (status) {
    case ClockStatus::kNotStarted:
      return "not_started";
    case ClockStatus::kRunning:
      return "running";
    case ClockStatus::kPaused:
      return "paused";
    case ClockStatus::kStopped:
      return "stopped";
    case ClockStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

base::Status ValidateClockSpec(const ClockSpec& spec) {
  if (spec.name.empty()) {
    return base::InvalidArgument("name", "sla.spec.name", "A clock needs a name",
                                 "时限计时器需要名称");
  }
  if (spec.goal.amount < 1 || spec.goal.amount > 10000) {
    return base::InvalidArgument(
        "goal.amount", "sla.spec.goal",
        "Clock '" + spec.name + "': the goal must be 1..10000 " + GoalUnitName(spec.goal.unit),
        "时限 " + spec.name + " 的目标须在 1 到 10000 之间");
  }
  if (!(spec.warn_share >= 0.0 && spec.warn_share <= 1.0)) {
    return base::InvalidArgument("warn_share", "sla.spec.warn_share",
                                 "Clock '" + spec.name + "': warn_share must be within 0..1",
                                 "时限 " + spec.name + " 的预警比例须在 0 到 1 之间");
  }
  if (spec.start_on.empty()) {
    return base::InvalidArgument("start_on", "sla.spec.start_on",
                                 "Clock '" + spec.name + "' has no start event",
                                 "时限 " + spec.name + " 没有开始事件");
  }
  return base::Status::Ok();
}

base::Result<ClockState> ComputeClock(const ClockSpec& spec, std::vector<ClockEvent> events,
                                      const base::BusinessCalendar& calendar, base::Micros now) {
  KECHAN_RETURN_IF_ERROR(ValidateClockSpec(spec));
  std::stable_sort(events.begin(), events.end(), [](const ClockEvent& a, const ClockEvent& b) {
    return std::tie(a.at, a.seq, a.kind) < std::tie(b.at, b.seq, b.kind);
  });
  Replay replay(spec, calendar);
  for (const auto& e : events) {
    if (e.at > now) {
      break;
    }
    replay.Apply(e);
  }
  return replay.Finish(now);
}

}  // namespace kechan::flow
