// Background import jobs of the chain module for the HTTP API: an operator uploads a file, the
// import runs on a thread of its own, and the operator polls its progress and final report. Jobs
// are kept in chain_import_jobs (migration 6) so they can be read after a restart.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/result.h"
#include "base/status.h"
#include "chain/service.h"

namespace kechan::chain {

// One job as a poll shows it. Value type.
struct ImportJobState {
  int64_t id = 0;
  ImportKind kind = ImportKind::kEnterprises;
  std::string owner;              // the caller's actor ("user:12")
  std::string state = "running";  // "running", "done" (committed), "rejected" (bad rows,
                                  // nothing written), "failed" (error, nothing written)
  std::string phase = "reading";  // "reading" (checking rows) or "writing"
  int64_t processed = 0;          // of `total` in the current phase
  int64_t total = 0;
  ImportReport report;  // when done or rejected
  base::Status error;   // when failed
  bool finished() const { return state != "running"; }
};

// Renders {"id","kind","state","phase","processed","total","report":{...}|null,
// "error":{"reason","field","message","message_zh"}|null}.
std::string ImportJobJson(const ImportJobState& job);

// Thread-safe. Owned by ChainService; its destructor waits for running jobs.
//
// Persistence: a job's row is written when it starts ("running") and when it ends (its final
// state with the report or error). While it runs, a saver thread of the job writes its phase and
// progress to the row about every kProgressInterval in a short write transaction of its own,
// when the progress changed and the writer is free: always on PostgreSQL; on SQLite (one writer)
// during the "reading" phase, which the imports run on a read snapshot, but not during
// "writing", when the import itself holds the writer (the row keeps the last saved progress).
// Each ImportJobs has an instance token; a row still "running" under another token was
// interrupted (the server stopped or died) and is marked failed with reason "import.interrupted"
// when it is read, keeping the progress last saved.
// The caller's own ImportOptions::progress, when set, is called as well (on the import thread).
class ImportJobs {
 public:
  static constexpr int kMaxRunning = 2;
  static constexpr size_t kMaxKept = 200;  // finished jobs kept in memory for polling
  static constexpr std::chrono::milliseconds kProgressInterval{1000};

  explicit ImportJobs(ChainService& service);
  ~ImportJobs();
  ImportJobs(const ImportJobs&) = delete;
  ImportJobs& operator=(const ImportJobs&) = delete;

  // Starts importing `bytes` (CSV or .xlsx) as `kind`. Errors: PermissionDenied (not an
  // operator); Unavailable when kMaxRunning jobs are running; InvalidArgument naming "body" for
  // an empty file.
  base::Result<ImportJobState> Start(const Caller& caller, ImportKind kind, std::string bytes,
                                     ImportOptions options);
  // Returns the job. Errors: NotFound naming "id" when it does not exist or belongs to another
  // caller (system callers see every job).
  base::Result<ImportJobState> Get(const Caller& caller, int64_t id) const;
  // Blocks until job `id` has finished (for tests and the CLI); returns its final state.
  base::Result<ImportJobState> Wait(const Caller& caller, int64_t id) const;

 private:
  void Run(int64_t id, const Caller& caller, ImportKind kind, const std::string& bytes,
           ImportOptions options);
  void ReapLocked();
  static constexpr int kSaveAttempts = 5;  // each waits up to the store's busy timeout
  // Inserts or updates a job's row in its own write transaction; SaveWithRetry retries while
  // the writer is busy (Unavailable). Never called with mu_ held.
  base::Status Save(const ImportJobState& job, bool insert) const;
  base::Status SaveWithRetry(const ImportJobState& job, bool insert) const;
  // Writes the phase and progress of a job whose row still says "running".
  base::Status SaveProgress(const ImportJobState& job) const;
  // Reads a job's row; marks it failed when another instance left it running.
  base::Result<std::optional<ImportJobState>> Load(int64_t id) const;

  ChainService& service_;
  std::string instance_;
  mutable std::mutex mu_;
  mutable std::condition_variable done_;
  std::map<int64_t, ImportJobState> jobs_;
  std::map<int64_t, std::thread> threads_;
  int64_t next_id_ = 0;  // 0: not yet read from the table
};

}  // namespace kechan::chain
