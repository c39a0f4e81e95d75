// Sign-in rate limiting: a sliding window of failed attempts per key (a username, a remote
// address). In memory and per process: counts are lost on restart and not shared between the
// nodes of a PostgreSQL cluster, so with N nodes an attacker gets at most N times the budget.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"

namespace kechan::auth {

struct RateLimitOptions {
  int max_failures = 5;                           // failures allowed within the window
  base::Micros window = 15LL * 60 * 1000 * 1000;  // 15 minutes
  size_t max_keys = 100000;                       // memory bound; stale keys are swept first
};

// Thread-safe.
class FailureWindow {
 public:
  FailureWindow(const base::Clock& clock, RateLimitOptions options);

  // Returns the time at which `key` may try again, or nullopt when it may try now (fewer than
  // max_failures failures inside the window ending now).
  std::optional<base::Micros> BlockedUntil(const std::string& key) const;
  // Records a failure of `key` at now.
  void RecordFailure(const std::string& key);
  // Forgets the failures of `key` (after a success).
  void Reset(const std::string& key);
  // Returns the failures of `key` inside the window (at most max_failures are kept).
  int Failures(const std::string& key) const;

 private:
  void PruneLocked(std::deque<base::Micros>& times, base::Micros now) const;
  void SweepLocked(base::Micros now);

  const base::Clock& clock_;
  const RateLimitOptions options_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::deque<base::Micros>> failures_;
};

}  // namespace kechan::auth
