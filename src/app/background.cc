#include "app/background.h"

#include <utility>

#include "base/log.h"
#include "http/metrics.h"

namespace kechan::app {

void BackgroundJobs::Add(BackgroundJob job) { jobs_.push_back(std::move(job)); }

void BackgroundJobs::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  for (const BackgroundJob& job : jobs_) {
    threads_.emplace_back([this, &job] { RunJob(job); });
  }
}

void BackgroundJobs::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
}

void BackgroundJobs::RunJob(const BackgroundJob& job) {
  auto& metrics = http::Metrics::Default();
  auto& runs = metrics.GetCounter("kechan_background_runs_total",
                                  "Background job runs (ticks) by job.", {{"job", job.name}});
  auto& items = metrics.GetCounter("kechan_background_items_total",
                                   "Items handled by background jobs.", {{"job", job.name}});
  auto& errors = metrics.GetCounter("kechan_background_errors_total",
                                    "Background job runs that failed.", {{"job", job.name}});
  auto last_logged = std::chrono::steady_clock::time_point{};
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        return;
      }
    }
    runs.Inc();
    base::Result<int> done = job.tick();
    if (done.ok() && *done > 0) {
      items.Inc(static_cast<uint64_t>(*done));
      continue;  // more work may be waiting: catch up before sleeping
    }
    if (!done.ok()) {
      errors.Inc();
      // One log line a minute per job is enough to see a persistent failure.
      auto now = std::chrono::steady_clock::now();
      if (now - last_logged > std::chrono::minutes(1)) {
        last_logged = now;
        base::Log(base::LogLevel::kWarn, "background.error",
                  {{"job", job.name}, {"error", done.status().ToString()}});
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, job.period, [this] { return stopping_; });
  }
}

}  // namespace kechan::app
