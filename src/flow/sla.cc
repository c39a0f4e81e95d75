#include "flow/sla.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>
#include <utility>

namespace kechan::flow {
namespace {

using base::Micros;

constexpr Micros kMicrosPerHour = 60 * base::kMicrosPerMinute;

bool In(const std::vector<std::string>& kinds, const std::string& kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

enum class Rule { kNone, kCancel, kStop, kReset, kStart, kPause, kResume, kExtend };

// A whole number 1..10000 from `fields[key]`, else 0.
int Amount(const Fields& fields, std::string_view key) {
  auto it = fields.find(key);
  if (it == fields.end() || it->second.empty() || it->second.size() > 5) {
    return 0;
  }
  int n = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9') {
      return 0;
    }
    n = n * 10 + (c - '0');
  }
  return n >= 1 && n <= 10000 ? n : 0;
}

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
  if (In(spec.extend_on, kind)) {
    return Rule::kExtend;
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
      case Rule::kExtend:
        if (s_.status == ClockStatus::kRunning || s_.status == ClockStatus::kPaused) {
          Extend(e);
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
      base_due_day_ = calendar_.AddWorkingDays(base::LocalDateOf(at), spec_.goal.amount);
      s_.goal = calendar_.WorkingTimeBetween(at, BaseDue());
    }
    SetWarnThreshold();
  }

  base::Micros BaseDue() const {
    return base::LocalInstant(base_due_day_, calendar_.office_hours().intervals.back().end_minute);
  }

  void SetWarnThreshold() {
    warn_threshold_ =
        spec_.warn_share > 0 ? std::llround(spec_.warn_share * static_cast<double>(s_.goal)) : 0;
  }

  // Lengthens the goal (see ComputeClock); the running time so far counts against the old one.
  void Extend(const ClockEvent& e) {
    const int days = Amount(e.fields, "extra_days");
    const int hours = Amount(e.fields, "extra_hours");
    if (days == 0 && hours == 0) {
      return;
    }
    if (s_.status == ClockStatus::kRunning) {
      Run(segment_start_, e.at, /*closed=*/true);
      segment_start_ = e.at;
    }
    Micros add = hours * kMicrosPerHour;
    if (days > 0) {
      if (spec_.goal.unit == GoalUnit::kWorkingDays) {
        const Micros before = BaseDue();
        base_due_day_ = calendar_.AddWorkingDays(base_due_day_, days);
        add += calendar_.WorkingTimeBetween(before, BaseDue());
      } else {
        add += days * calendar_.office_hours().DailyTotal();
      }
    }
    s_.goal += add;
    s_.extended += add;
    SetWarnThreshold();
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
  base::Date base_due_day_;  // days goals: the working day the goal ends on (with extensions)
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

std::vector<Pause> PausesFromEvents(std::vector<ClockEvent> events,
                                    const std::vector<std::string>& pause_on,
                                    const std::vector<std::string>& resume_on) {
  std::stable_sort(events.begin(), events.end(), [](const ClockEvent& a, const ClockEvent& b) {
    return std::tie(a.at, a.seq) < std::tie(b.at, b.seq);
  });
  std::vector<Pause> out;
  bool open = false;
  for (const auto& e : events) {
    if (!open && In(pause_on, e.kind)) {
      out.push_back({.from = e.at});
      open = true;
    } else if (open && In(resume_on, e.kind)) {
      out.back().to = e.at;
      open = false;
    }
  }
  return out;
}

base::Micros WorkingTimeExcludingPauses(base::Micros from, base::Micros to,
                                        const std::vector<Pause>& pauses,
                                        const base::BusinessCalendar& calendar) {
  if (to <= from) {
    return 0;
  }
  // Clip and merge the pauses, then subtract their working time.
  std::vector<std::pair<Micros, Micros>> spans;
  for (const auto& p : pauses) {
    const Micros a = std::max(p.from, from);
    const Micros b = std::min(p.to.value_or(to), to);
    if (a < b) {
      spans.emplace_back(a, b);
    }
  }
  std::sort(spans.begin(), spans.end());
  Micros paused = 0;
  Micros cur_a = 0, cur_b = 0;
  bool have = false;
  for (const auto& [a, b] : spans) {
    if (have && a <= cur_b) {
      cur_b = std::max(cur_b, b);
      continue;
    }
    if (have) {
      paused += calendar.WorkingTimeBetween(cur_a, cur_b);
    }
    cur_a = a;
    cur_b = b;
    have = true;
  }
  if (have) {
    paused += calendar.WorkingTimeBetween(cur_a, cur_b);
  }
  return calendar.WorkingTimeBetween(from, to) - paused;
}

double WorkingHoursExcludingPauses(const std::vector<ClockEvent>& events,
                                   const base::BusinessCalendar& calendar, base::Micros from,
                                   base::Micros to, const std::vector<std::string>& pause_on,
                                   const std::vector<std::string>& resume_on) {
  const Micros t =
      WorkingTimeExcludingPauses(from, to, PausesFromEvents(events, pause_on, resume_on), calendar);
  return static_cast<double>(t) / static_cast<double>(kMicrosPerHour);
}

}  // namespace kechan::flow
