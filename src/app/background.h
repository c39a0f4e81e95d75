// The server's periodic jobs (SLA scheduler, notification dispatcher, search indexer): each runs
// on its own thread, so a slow one (an SMTP server that hangs) never delays another. No cron.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace kechan::app {

struct BackgroundJob {
  std::string name;                        // "flow.scheduler", "notify", "search.indexer"
  std::chrono::milliseconds period{1000};  // idle wait between runs that found no work
  // Does one bounded unit of work and returns how many items it handled. A positive count runs
  // it again at once (catching up); zero or an error waits `period` (errors are logged and
  // counted in kechan_background_errors_total{job=...}).
  std::function<base::Result<int>()> tick;
};

// Thread-safe. Start() once; Stop() (or the destructor) asks every job to finish its current
// tick and joins the threads.
class BackgroundJobs {
 public:
  BackgroundJobs() = default;
  ~BackgroundJobs() { Stop(); }
  BackgroundJobs(const BackgroundJobs&) = delete;
  BackgroundJobs& operator=(const BackgroundJobs&) = delete;

  // Adds a job; jobs added after Start() are not run.
  void Add(BackgroundJob job);
  void Start();
  void Stop();
  size_t size() const { return jobs_.size(); }

 private:
  void RunJob(const BackgroundJob& job);

  std::vector<BackgroundJob> jobs_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace kechan::app
