#include "flow/sla.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "flow/appeal_spec.h"

namespace kechan::flow {
namespace {

using base::Micros;

constexpr Micros kHour = 60 * base::kMicrosPerMinute;

// Returns the UTC instant of a local (Asia/Shanghai) wall-clock time.
Micros At(int y, int m, int d, int hh, int mm) {
  return base::LocalInstant(base::Date::FromYmd(y, m, d).value(), hh * 60 + mm);
}

const base::BusinessCalendar& Calendar() {
  static const base::BusinessCalendar kCal = base::BusinessCalendar::Shipped();
  return kCal;
}

ClockSpec Resolution() {
  return {.name = "resolution",
          .goal = {.unit = GoalUnit::kWorkingDays, .amount = 7},
          .start_on = {"dispatched"},
          .pause_on = {"waiting"},
          .resume_on = {"resumed"},
          .stop_on = {"replied"},
          .reset_on = {"rework"},
          .cancel_on = {"merged"}};
}

ClockSpec TenHours() {
  return {.name = "response",
          .goal = {.unit = GoalUnit::kWorkingHours, .amount = 10},
          .start_on = {"dispatched"},
          .pause_on = {"waiting"},
          .resume_on = {"resumed"},
          .stop_on = {"replied"},
          .cancel_on = {"merged"},
          .warn_share = 0.8};
}

ClockState Compute(const ClockSpec& spec, const std::vector<ClockEvent>& events, Micros now) {
  auto r = ComputeClock(spec, events, Calendar(), now);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r.value() : ClockState{};
}

TEST(SlaClockTest, NotStartedWithoutStartEvent) {
  ClockState s = Compute(Resolution(), {{.at = At(2026, 3, 2, 9, 0), .kind = "waiting"}},
                         At(2026, 3, 5, 9, 0));
  EXPECT_EQ(s.status, ClockStatus::kNotStarted);
  EXPECT_EQ(s.cycle, 0);
  EXPECT_FALSE(s.due_at.has_value());
}

TEST(SlaClockTest, PausedClockDoesNotCountWaitingDays) {
  // Dispatched Thursday 2026-02-12 10:00, the Thursday before the Spring Festival. Working days
  // after it: Fri 02-13, the make-up Saturday 02-14, then (02-15..02-23 off) 02-24..02-27 and the
  // make-up Saturday 02-28 = the 7th. Goal = 6h (02-12) + 7 x 7h = 55h.
  const std::vector<ClockEvent> running = {{.at = At(2026, 2, 12, 10, 0), .kind = "dispatched"}};
  ClockState unpaused = Compute(Resolution(), running, At(2026, 2, 13, 9, 0));
  EXPECT_EQ(unpaused.goal, 55 * kHour);
  EXPECT_EQ(unpaused.due_at, At(2026, 2, 28, 17, 30));

  // The festival itself costs nothing: on the first working day after it only 20h have run.
  ClockState after_festival = Compute(Resolution(), running, At(2026, 2, 24, 9, 0));
  EXPECT_EQ(after_festival.elapsed, 20 * kHour);
  EXPECT_EQ(after_festival.status, ClockStatus::kRunning);

  // Waiting for the enterprise from Tue 02-24 09:00 to Thu 02-26 09:00: two working days paused.
  std::vector<ClockEvent> events = running;
  events.push_back({.at = At(2026, 2, 24, 9, 0), .kind = "waiting"});
  events.push_back({.at = At(2026, 2, 26, 9, 0), .kind = "resumed"});

  ClockState during = Compute(Resolution(), events, At(2026, 2, 25, 12, 0));
  EXPECT_EQ(during.status, ClockStatus::kPaused);
  EXPECT_EQ(during.elapsed, 20 * kHour);  // frozen while waiting
  EXPECT_EQ(during.paused, 10 * kHour);   // 02-24 all day + 02-25 morning
  EXPECT_EQ(during.paused_at, At(2026, 2, 24, 9, 0));
  EXPECT_EQ(during.due_at, At(2026, 3, 3, 12, 0));  // provisional: base due + 10h

  ClockState s = Compute(Resolution(), events, At(2026, 3, 2, 12, 0));
  EXPECT_EQ(s.status, ClockStatus::kRunning);
  EXPECT_EQ(s.paused, 14 * kHour);
  // 6 + 7 + 7 (before the festival) + 5 x 7 (02-24..02-28) + 3 (03-02 morning) - 14 paused.
  EXPECT_EQ(s.elapsed, 44 * kHour);
  EXPECT_EQ(s.remaining, 11 * kHour);
  // Base due 02-28 17:30 moved on by 14 working hours: all of Mon 03-02 and Tue 03-03.
  EXPECT_EQ(s.due_at, At(2026, 3, 3, 17, 30));
  EXPECT_FALSE(s.breached);
  // 80% of 55h = 44h is reached exactly now.
  EXPECT_EQ(s.warn_at, At(2026, 3, 2, 12, 0));
  EXPECT_TRUE(s.warned);
}

TEST(SlaClockTest, MakeUpSaturdayIsAWorkingDay) {
  // Sign-for within 1 working day of Fri 2026-02-13 16:00 is due on the make-up Saturday.
  ClockSpec sign_for = DefaultAppealClocks()[0];
  ASSERT_EQ(sign_for.name, "sign_for");
  std::vector<ClockEvent> events = {
      {.at = At(2026, 2, 13, 16, 0), .seq = 1, .kind = kAppealDispatched}};
  ClockState open = Compute(sign_for, events, At(2026, 2, 14, 9, 0));
  EXPECT_EQ(open.goal, 8 * kHour + 30 * base::kMicrosPerMinute);
  EXPECT_EQ(open.due_at, At(2026, 2, 14, 17, 30));
  EXPECT_FALSE(open.breached);

  // Signed for after the festival: breached at the due instant, and stays so.
  events.push_back({.at = At(2026, 2, 24, 9, 30), .seq = 2, .kind = kAppealSignedFor});
  ClockState late = Compute(sign_for, events, At(2026, 3, 1, 0, 0));
  EXPECT_EQ(late.status, ClockStatus::kStopped);
  EXPECT_EQ(late.stopped_at, At(2026, 2, 24, 9, 30));
  EXPECT_TRUE(late.breached);
  EXPECT_EQ(late.breached_at, At(2026, 2, 14, 17, 30));
  EXPECT_EQ(late.elapsed, 9 * kHour);
  EXPECT_EQ(late.remaining, -30 * base::kMicrosPerMinute);
}

TEST(SlaClockTest, WarnsAtEightyPercentAndBreachesAtTheGoal) {
  const std::vector<ClockEvent> events = {{.at = At(2026, 3, 2, 9, 0), .kind = "dispatched"}};
  // 10 working hours from Mon 09:00: 7h on Monday, 8h (warning) at Tue 10:00, 10h at Tue 12:00.
  ClockState before = Compute(TenHours(), events, At(2026, 3, 3, 9, 59));
  EXPECT_FALSE(before.warned);
  EXPECT_EQ(before.warn_at, At(2026, 3, 3, 10, 0));
  EXPECT_EQ(before.due_at, At(2026, 3, 3, 12, 0));

  ClockState warned = Compute(TenHours(), events, At(2026, 3, 3, 10, 0));
  EXPECT_TRUE(warned.warned);
  EXPECT_FALSE(warned.breached);
  EXPECT_EQ(warned.warn_at, At(2026, 3, 3, 10, 0));

  ClockState due = Compute(TenHours(), events, At(2026, 3, 3, 12, 0));
  EXPECT_TRUE(due.breached);
  EXPECT_EQ(due.breached_at, At(2026, 3, 3, 12, 0));
  EXPECT_EQ(due.remaining, 0);

  // Stopping exactly at the due instant is on time; one minute later is not.
  auto stop_at = [&](Micros t) {
    std::vector<ClockEvent> e = events;
    e.push_back({.at = t, .kind = "replied"});
    return Compute(TenHours(), e, At(2026, 3, 10, 9, 0));
  };
  EXPECT_FALSE(stop_at(At(2026, 3, 3, 12, 0)).breached);
  EXPECT_TRUE(stop_at(At(2026, 3, 3, 12, 1)).breached);

  // warn_share 0 turns the warning off.
  ClockSpec no_warn = TenHours();
  no_warn.warn_share = 0;
  ClockState quiet = Compute(no_warn, events, At(2026, 3, 3, 11, 0));
  EXPECT_FALSE(quiet.warned);
  EXPECT_FALSE(quiet.warn_at.has_value());
}

TEST(SlaClockTest, BreachIsRecordedExactlyOnce) {
  std::vector<ClockEvent> events = {{.at = At(2026, 3, 2, 9, 0), .kind = "dispatched"}};
  const Micros due = At(2026, 3, 3, 12, 0);
  // However late "now" is, the breach instant is the same single instant.
  for (Micros now : {due, At(2026, 3, 3, 15, 0), At(2026, 4, 30, 0, 0), At(2027, 1, 1, 0, 0)}) {
    ClockState s = Compute(TenHours(), events, now);
    EXPECT_TRUE(s.breached);
    EXPECT_EQ(s.breached_at, due);
    EXPECT_EQ(s.due_at, due);
  }
  // Pausing, resuming and stopping after the breach do not move or repeat it.
  events.push_back({.at = At(2026, 3, 4, 9, 0), .kind = "waiting"});
  events.push_back({.at = At(2026, 3, 5, 9, 0), .kind = "resumed"});
  events.push_back({.at = At(2026, 3, 6, 9, 0), .kind = "replied"});
  ClockState s = Compute(TenHours(), events, At(2026, 3, 9, 9, 0));
  EXPECT_EQ(s.status, ClockStatus::kStopped);
  EXPECT_TRUE(s.breached);
  EXPECT_EQ(s.breached_at, due);
  EXPECT_EQ(s.paused, 7 * kHour);
  EXPECT_EQ(s.elapsed, 7 * kHour + 7 * kHour + 7 * kHour);  // Mon, Tue, Thu; Wed paused
}

TEST(SlaClockTest, ResetRestartsFromZero) {
  // Resolution: dispatched Mon 03-02, replied late on Thu 03-12 (due Wed 03-11 17:30), sent back
  // for rework on Fri 03-13 09:00.
  std::vector<ClockEvent> events = {{.at = At(2026, 3, 2, 9, 0), .kind = "dispatched"},
                                    {.at = At(2026, 3, 12, 10, 0), .kind = "replied"}};
  ClockState replied = Compute(Resolution(), events, At(2026, 3, 12, 12, 0));
  EXPECT_EQ(replied.status, ClockStatus::kStopped);
  EXPECT_TRUE(replied.breached);
  EXPECT_EQ(replied.breached_at, At(2026, 3, 11, 17, 30));
  EXPECT_EQ(replied.cycle, 1);

  events.push_back({.at = At(2026, 3, 13, 9, 0), .kind = "rework"});
  ClockState s = Compute(Resolution(), events, At(2026, 3, 13, 12, 0));
  EXPECT_EQ(s.status, ClockStatus::kRunning);
  EXPECT_EQ(s.cycle, 2);
  EXPECT_EQ(s.started_at, At(2026, 3, 13, 9, 0));
  EXPECT_EQ(s.elapsed, 3 * kHour);
  EXPECT_FALSE(s.breached);
  EXPECT_FALSE(s.breached_at.has_value());
  EXPECT_FALSE(s.warned);
  EXPECT_FALSE(s.stopped_at.has_value());
  // 7 working days after Fri 03-13: 03-16..03-20, 03-23, 03-24.
  EXPECT_EQ(s.due_at, At(2026, 3, 24, 17, 30));

  // A reset before any start does nothing.
  ClockState idle =
      Compute(Resolution(), {{.at = At(2026, 3, 2, 9, 0), .kind = "rework"}}, At(2026, 3, 3, 9, 0));
  EXPECT_EQ(idle.status, ClockStatus::kNotStarted);
}

TEST(SlaClockTest, CancelledClockFreezesAndNeverBreaches) {
  std::vector<ClockEvent> events = {{.at = At(2026, 3, 2, 9, 0), .kind = "dispatched"},
                                    {.at = At(2026, 3, 2, 11, 0), .kind = "merged"},
                                    {.at = At(2026, 3, 3, 9, 0), .kind = "resumed"},
                                    {.at = At(2026, 3, 4, 9, 0), .kind = "dispatched"}};
  ClockState s = Compute(TenHours(), events, At(2026, 6, 1, 0, 0));
  EXPECT_EQ(s.status, ClockStatus::kCancelled);
  EXPECT_EQ(s.stopped_at, At(2026, 3, 2, 11, 0));
  EXPECT_EQ(s.elapsed, 2 * kHour);
  EXPECT_EQ(s.remaining, 8 * kHour);
  EXPECT_FALSE(s.breached);
  EXPECT_FALSE(s.warned);
  EXPECT_EQ(s.cycle, 1);

  // Cancelling while paused ends the pause at the cancel instant.
  std::vector<ClockEvent> paused = {{.at = At(2026, 3, 2, 9, 0), .kind = "dispatched"},
                                    {.at = At(2026, 3, 2, 10, 0), .kind = "waiting"},
                                    {.at = At(2026, 3, 3, 10, 0), .kind = "merged"}};
  ClockState p = Compute(TenHours(), paused, At(2026, 6, 1, 0, 0));
  EXPECT_EQ(p.status, ClockStatus::kCancelled);
  EXPECT_EQ(p.elapsed, 1 * kHour);
  EXPECT_EQ(p.paused, 7 * kHour);
  EXPECT_FALSE(p.paused_at.has_value());
}

TEST(SlaClockTest, ReplayIsDeterministicWhateverTheInputOrder) {
  std::vector<ClockEvent> events = {
      {.at = At(2026, 2, 12, 10, 0), .seq = 1, .kind = "dispatched"},
      {.at = At(2026, 2, 13, 9, 30), .seq = 2, .kind = "noise"},
      {.at = At(2026, 2, 13, 10, 0), .seq = 3, .kind = "waiting"},
      // Same instant: the log order (seq) decides that the resume comes after the pause.
      {.at = At(2026, 2, 24, 9, 0), .seq = 4, .kind = "resumed"},
      {.at = At(2026, 2, 24, 9, 0), .seq = 5, .kind = "waiting"},
      {.at = At(2026, 2, 25, 14, 0), .seq = 6, .kind = "resumed"},
      {.at = At(2026, 3, 9, 10, 0), .seq = 7, .kind = "replied"},
      {.at = At(2026, 3, 10, 9, 0), .seq = 8, .kind = "rework"},
      {.at = At(2026, 3, 11, 9, 0), .seq = 9, .kind = "waiting"},
      // After "now": ignored.
      {.at = At(2026, 3, 30, 9, 0), .seq = 10, .kind = "replied"},
  };
  const Micros now = At(2026, 3, 12, 15, 0);
  for (const ClockSpec& spec : {Resolution(), TenHours()}) {
    const ClockState expected = Compute(spec, events, now);
    std::mt19937 rng(20260215);
    for (int i = 0; i < 20; ++i) {
      std::vector<ClockEvent> shuffled = events;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      EXPECT_EQ(Compute(spec, shuffled, now), expected) << spec.name << " shuffle " << i;
    }
  }
  const ClockState r = Compute(Resolution(), events, now);
  EXPECT_EQ(r.status, ClockStatus::kPaused);
  EXPECT_EQ(r.cycle, 2);
  EXPECT_EQ(r.elapsed, 7 * kHour);  // 03-10 after the rework, paused from 03-11 09:00
  EXPECT_EQ(r.paused, 7 * kHour + 4 * kHour + 30 * base::kMicrosPerMinute);  // to 03-12 15:00
}

TEST(SlaClockTest, InvalidSpecIsRejected) {
  ClockSpec spec = Resolution();
  spec.goal.amount = 0;
  auto r = ComputeClock(spec, {}, Calendar(), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "goal.amount");
  spec = Resolution();
  spec.warn_share = 1.5;
  EXPECT_EQ(ValidateClockSpec(spec).field(), "warn_share");
  spec = Resolution();
  spec.start_on.clear();
  EXPECT_EQ(ValidateClockSpec(spec).field(), "start_on");
  spec = Resolution();
  spec.name.clear();
  EXPECT_EQ(ValidateClockSpec(spec).field(), "name");
  for (const auto& c : DefaultAppealClocks()) {
    EXPECT_TRUE(ValidateClockSpec(c).ok()) << c.name;
  }
}

// ---- extensions ----------------------------------------------------------------------------

ClockSpec Extendable() {
  ClockSpec spec = Resolution();
  spec.extend_on = {"extended"};
  return spec;
}

TEST(SlaClockTest, ApprovedExtensionMovesTheBreach) {
  // Dispatched Mon 2026-03-02 10:00; the 7th working day after it is Wed 03-11.
  std::vector<ClockEvent> events = {{.at = At(2026, 3, 2, 10, 0), .seq = 1, .kind = "dispatched"}};
  ClockState plain = Compute(Extendable(), events, At(2026, 3, 12, 9, 0));
  EXPECT_EQ(plain.due_at, At(2026, 3, 11, 17, 30));
  EXPECT_TRUE(plain.breached);
  EXPECT_EQ(plain.extended, 0);

  // Three working days granted on Tue 03-03: due Mon 03-16 17:30, not breached on 03-12.
  events.push_back(
      {.at = At(2026, 3, 3, 11, 0), .seq = 2, .kind = "extended", .fields = {{"extra_days", "3"}}});
  ClockState longer = Compute(Extendable(), events, At(2026, 3, 12, 9, 0));
  EXPECT_EQ(longer.due_at, At(2026, 3, 16, 17, 30));
  EXPECT_FALSE(longer.breached);
  EXPECT_EQ(longer.extended, 21 * kHour);
  EXPECT_EQ(longer.goal, plain.goal + 21 * kHour);
  // ... and breached exactly at the new due time.
  ClockState later = Compute(Extendable(), events, At(2026, 3, 17, 9, 0));
  EXPECT_TRUE(later.breached);
  EXPECT_EQ(later.breached_at, At(2026, 3, 16, 17, 30));
}

TEST(SlaClockTest, ExtensionAfterTheBreachKeepsTheBreach) {
  std::vector<ClockEvent> events = {{.at = At(2026, 3, 2, 10, 0), .seq = 1, .kind = "dispatched"},
                                    {.at = At(2026, 3, 12, 10, 0),
                                     .seq = 2,
                                     .kind = "extended",
                                     .fields = {{"extra_days", "5"}}}};
  ClockState s = Compute(Extendable(), events, At(2026, 3, 13, 9, 0));
  EXPECT_TRUE(s.breached);
  EXPECT_EQ(s.breached_at, At(2026, 3, 11, 17, 30));
  EXPECT_EQ(s.due_at, At(2026, 3, 11, 17, 30));  // the breach instant never moves
  EXPECT_GT(s.remaining, 0);                     // but the goal did grow
}

TEST(SlaClockTest, ExtensionInHoursAndWhilePaused) {
  ClockSpec spec = TenHours();
  spec.extend_on = {"extended"};
  // Mon 03-02 09:00, 10 h goal → due Tue 03-03 12:00; +5 h → due Wed 03-04 10:00, warning at
  // 0.8 x 15 h = 12 h → Tue 15:30.
  std::vector<ClockEvent> events = {{.at = At(2026, 3, 2, 9, 0), .seq = 1, .kind = "dispatched"},
                                    {.at = At(2026, 3, 2, 10, 0),
                                     .seq = 2,
                                     .kind = "extended",
                                     .fields = {{"extra_hours", "5"}}}};
  ClockState s = Compute(spec, events, At(2026, 3, 2, 11, 0));
  EXPECT_EQ(s.goal, 15 * kHour);
  EXPECT_EQ(s.due_at, At(2026, 3, 4, 10, 0));
  EXPECT_EQ(s.warn_at, At(2026, 3, 3, 15, 30));
  // While paused the extension still applies; one extra day of an hours goal = 7 office hours.
  events = {
      {.at = At(2026, 3, 2, 9, 0), .seq = 1, .kind = "dispatched"},
      {.at = At(2026, 3, 2, 10, 0), .seq = 2, .kind = "waiting"},
      {.at = At(2026, 3, 2, 11, 0), .seq = 3, .kind = "extended", .fields = {{"extra_days", "1"}}},
      {.at = At(2026, 3, 3, 9, 0), .seq = 4, .kind = "resumed"}};
  s = Compute(spec, events, At(2026, 3, 3, 9, 0));
  EXPECT_EQ(s.goal, 17 * kHour);
  EXPECT_EQ(s.elapsed, 1 * kHour);
  EXPECT_EQ(s.status, ClockStatus::kRunning);
}

TEST(SlaClockTest, ExtensionIsIgnoredWhenNotRunningOrMalformed) {
  const ClockSpec spec = Extendable();
  for (const std::string bad : {"", "0", "-2", "abc", "99999"}) {
    ClockState s = Compute(spec,
                           {{.at = At(2026, 3, 2, 10, 0), .seq = 1, .kind = "dispatched"},
                            {.at = At(2026, 3, 3, 10, 0),
                             .seq = 2,
                             .kind = "extended",
                             .fields = {{"extra_days", bad}}}},
                           At(2026, 3, 12, 9, 0));
    EXPECT_EQ(s.extended, 0) << bad;
    EXPECT_EQ(s.due_at, At(2026, 3, 11, 17, 30)) << bad;
  }
  // Before the start and after the stop: nothing.
  ClockState s = Compute(
      spec,
      {{.at = At(2026, 3, 2, 9, 0), .seq = 1, .kind = "extended", .fields = {{"extra_days", "3"}}},
       {.at = At(2026, 3, 2, 10, 0), .seq = 2, .kind = "dispatched"},
       {.at = At(2026, 3, 3, 10, 0), .seq = 3, .kind = "replied"},
       {.at = At(2026, 3, 3, 11, 0),
        .seq = 4,
        .kind = "extended",
        .fields = {{"extra_days", "3"}}}},
      At(2026, 3, 12, 9, 0));
  EXPECT_EQ(s.extended, 0);
  EXPECT_EQ(s.status, ClockStatus::kStopped);
  // A reset drops the old cycle's extension.
  ClockSpec resettable = Extendable();
  s = Compute(
      resettable,
      {{.at = At(2026, 3, 2, 10, 0), .seq = 1, .kind = "dispatched"},
       {.at = At(2026, 3, 3, 10, 0), .seq = 2, .kind = "extended", .fields = {{"extra_days", "3"}}},
       {.at = At(2026, 3, 4, 10, 0), .seq = 3, .kind = "rework"}},
      At(2026, 3, 5, 9, 0));
  EXPECT_EQ(s.extended, 0);
  EXPECT_EQ(s.cycle, 2);
  EXPECT_EQ(s.due_at, At(2026, 3, 13, 17, 30));
}

TEST(SlaClockTest, DefaultResolutionClockExtendsOnApproval) {
  bool found = false;
  for (const auto& c : DefaultAppealClocks()) {
    if (c.name == "resolution") {
      found = true;
      EXPECT_NE(std::find(c.extend_on.begin(), c.extend_on.end(), kAppealExtensionApproved),
                c.extend_on.end());
    }
  }
  EXPECT_TRUE(found);
}

// ---- working time excluding pauses (metrics' time to resolution) ------------------------------

TEST(SlaPauseTest, WorkingHoursExcludeWaitingForTheEnterprise) {
  // Dispatched Mon 03-02 09:00, waiting Tue 03-03 09:00 .. Thu 03-05 09:00 (two working days),
  // replied Fri 03-06 12:00: 4 days x 7 h minus 2 x 7 h, plus 3 h on Friday = 17 h.
  const std::vector<ClockEvent> history = {
      {.at = At(2026, 3, 2, 9, 0), .seq = 1, .kind = kAppealDispatched},
      {.at = At(2026, 3, 3, 9, 0), .seq = 2, .kind = kAppealWaiting},
      {.at = At(2026, 3, 5, 9, 0), .seq = 3, .kind = kAppealResumed},
      {.at = At(2026, 3, 6, 12, 0), .seq = 4, .kind = kAppealReplied}};
  EXPECT_DOUBLE_EQ(AppealWorkingHoursExcludingPauses(history, Calendar(), At(2026, 3, 2, 9, 0),
                                                     At(2026, 3, 6, 12, 0)),
                   17.0);
  // Without pauses the same span is 31 h.
  EXPECT_DOUBLE_EQ(AppealWorkingHoursExcludingPauses({}, Calendar(), At(2026, 3, 2, 9, 0),
                                                     At(2026, 3, 6, 12, 0)),
                   31.0);
  // Input order does not matter; a pause left open runs to `to`; to <= from gives 0.
  std::vector<ClockEvent> shuffled(history.rbegin(), history.rend());
  EXPECT_DOUBLE_EQ(AppealWorkingHoursExcludingPauses(shuffled, Calendar(), At(2026, 3, 2, 9, 0),
                                                     At(2026, 3, 6, 12, 0)),
                   17.0);
  EXPECT_DOUBLE_EQ(AppealWorkingHoursExcludingPauses({history[1]}, Calendar(), At(2026, 3, 2, 9, 0),
                                                     At(2026, 3, 6, 12, 0)),
                   7.0);
  EXPECT_DOUBLE_EQ(AppealWorkingHoursExcludingPauses(history, Calendar(), At(2026, 3, 6, 12, 0),
                                                     At(2026, 3, 2, 9, 0)),
                   0.0);
}

TEST(SlaPauseTest, OverlappingAndClippedPausesCountOnce) {
  const std::vector<Pause> pauses = {{.from = At(2026, 3, 2, 9, 0), .to = At(2026, 3, 2, 12, 0)},
                                     {.from = At(2026, 3, 2, 10, 0), .to = At(2026, 3, 2, 15, 30)},
                                     {.from = At(2026, 2, 27, 9, 0), .to = At(2026, 3, 2, 9, 30)}};
  // [03-02 09:00, 03-03 09:00) = 7 h; paused 09:00-15:30 = 3 h + 2 h = 5 h → 2 h.
  EXPECT_EQ(
      WorkingTimeExcludingPauses(At(2026, 3, 2, 9, 0), At(2026, 3, 3, 9, 0), pauses, Calendar()),
      2 * kHour);
  // A second pause event while paused does not open another pause.
  auto p = PausesFromEvents({{.at = 1, .seq = 1, .kind = "w"},
                             {.at = 2, .seq = 2, .kind = "w"},
                             {.at = 3, .seq = 3, .kind = "r"},
                             {.at = 4, .seq = 4, .kind = "r"}},
                            {"w"}, {"r"});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].from, 1);
  EXPECT_EQ(p[0].to, 3);
}

}  // namespace
}  // namespace kechan::flow
