// Clock: the one source of "now", injectable so tests control time. Times are UTC microseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace kechan::base {

// Microseconds since the Unix epoch, UTC.
using Micros = int64_t;

// Thread-safe interface.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros NowMicros() const = 0;
};

// Wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  Micros NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // Returns a process-wide instance.
  static SystemClock& Get() {
    static SystemClock clock;
    return clock;
  }
};

// A clock tests set and advance by hand. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Micros start = 0) : now_(start) {}
  Micros NowMicros() const override { return now_.load(); }
  void Set(Micros t) { now_.store(t); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_;
};

}  // namespace kechan::base
