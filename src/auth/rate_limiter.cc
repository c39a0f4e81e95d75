#include "auth/rate_limiter.h"

namespace kechan::auth {

FailureWindow::FailureWindow(const base::Clock& clock, RateLimitOptions options)
    : clock_(clock), options_(options) {}

void FailureWindow::PruneLocked(std::deque<base::Micros>& times, base::Micros now) const {
  while (!times.empty() && times.front() <= now - options_.window) {
    times.pop_front();
  }
}

void FailureWindow::SweepLocked(base::Micros now) {
  for (auto it = failures_.begin(); it != failures_.end();) {
    PruneLocked(it->second, now);
    it = it->second.empty() ? failures_.erase(it) : std::next(it);
  }
}

std::optional<base::Micros> FailureWindow::BlockedUntil(const std::string& key) const {
  base::Micros now = clock_.NowMicros();
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) {
    return std::nullopt;
  }
  PruneLocked(it->second, now);
  const auto& times = it->second;
  if (static_cast<int>(times.size()) < options_.max_failures) {
    return std::nullopt;
  }
  // Allowed again once enough of the oldest failures have left the window.
  size_t idx = times.size() - static_cast<size_t>(options_.max_failures);
  return times[idx] + options_.window;
}

void FailureWindow::RecordFailure(const std::string& key) {
  base::Micros now = clock_.NowMicros();
  std::lock_guard lock(mu_);
  if (failures_.size() >= options_.max_keys && failures_.find(key) == failures_.end()) {
    SweepLocked(now);
    if (failures_.size() >= options_.max_keys) {
      // Still full of live keys: drop an arbitrary one rather than grow without bound.
      failures_.erase(failures_.begin());
    }
  }
  auto& times = failures_[key];
  PruneLocked(times, now);
  times.push_back(now);
  // Only the newest max_failures entries matter for BlockedUntil.
  while (static_cast<int>(times.size()) > options_.max_failures && options_.max_failures > 0) {
    times.pop_front();
  }
}

void FailureWindow::Reset(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int FailureWindow::Failures(const std::string& key) const {
  base::Micros now = clock_.NowMicros();
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) {
    return 0;
  }
  PruneLocked(it->second, now);
  return static_cast<int>(it->second.size());
}

}  // namespace kechan::auth
