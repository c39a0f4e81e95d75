#include "chain/import_jobs.h"

#include <boost/json.hpp>
#include <utility>
#include <vector>

namespace kechan::chain {

std::string ImportJobJson(const ImportJobState& job) {
  namespace json = boost::json;
  json::object o{{"id", job.id},       {"kind", ImportKindName(job.kind)}, {"state", job.state},
                 {"phase", job.phase}, {"processed", job.processed},       {"total", job.total}};
  if (job.state == "done" || job.state == "rejected") {
    o["report"] = json::parse(ImportReportJson(job.kind, job.report));
  } else {
    o["report"] = nullptr;
  }
  if (job.state == "failed") {
    o["error"] = json::object{{"reason", job.error.reason()},
                              {"field", job.error.field()},
                              {"message", job.error.message_en()},
                              {"message_zh", job.error.message_zh()}};
  } else {
    o["error"] = nullptr;
  }
  return json::serialize(o);
}

ImportJobs::~ImportJobs() {
  std::map<int64_t, std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (auto& [id, t] : threads) {
    if (t.joinable()) {
      t.join();
    }
  }
}

void ImportJobs::ReapLocked() {
  for (auto it = threads_.begin(); it != threads_.end();) {
    auto job = jobs_.find(it->first);
    if (job != jobs_.end() && job->second.finished() && it->second.joinable()) {
      // The thread has set its final state and only returns now; joining is brief.
      it->second.join();
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
  while (jobs_.size() > kMaxKept) {
    auto oldest = jobs_.begin();
    if (!oldest->second.finished()) {
      break;
    }
    jobs_.erase(oldest);
  }
}

base::Result<ImportJobState> ImportJobs::Start(const Caller& caller, ImportKind kind,
                                               std::string bytes, ImportOptions options) {
  if (!caller.CanEditTaxonomy()) {
    return base::PermissionDenied("chain.forbidden", "only operators import files",
                                  "仅平台运营人员可导入文件");
  }
  if (bytes.empty()) {
    return base::InvalidArgument("body", "import.empty", "the uploaded file is empty",
                                 "上传的文件为空");
  }
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked();
  int running = 0;
  for (const auto& [id, job] : jobs_) {
    running += job.finished() ? 0 : 1;
  }
  if (running >= kMaxRunning) {
    return base::Unavailable("import.busy",
                             "other imports are running; try again when they have finished",
                             "已有导入任务正在运行，请稍后再试");
  }
  ImportJobState job;
  job.id = next_id_++;
  job.kind = kind;
  job.owner = caller.actor;
  jobs_[job.id] = job;
  threads_[job.id] = std::thread(&ImportJobs::Run, this, job.id, caller, kind, std::move(bytes),
                                 std::move(options));
  return job;
}

void ImportJobs::Run(int64_t id, Caller caller, ImportKind kind, std::string bytes,
                     ImportOptions options) {
  options.progress = [this, id](std::string_view phase, int64_t processed, int64_t total) {
    std::lock_guard<std::mutex> lock(mu_);
    ImportJobState& job = jobs_[id];
    job.phase = std::string(phase);
    job.processed = processed;
    job.total = total;
  };
  auto report = service_.Import(caller, kind, bytes, options);
  std::lock_guard<std::mutex> lock(mu_);
  ImportJobState& job = jobs_[id];
  if (!report.ok()) {
    job.state = "failed";
    job.error = report.status();
  } else {
    job.report = std::move(*report);
    job.state = job.report.committed ? "done" : "rejected";
    job.processed = job.total;
  }
  done_.notify_all();
}

base::Result<ImportJobState> ImportJobs::Get(const Caller& caller, int64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || (!caller.system && it->second.owner != caller.actor)) {
    return base::NotFound("import.not_found",
                          "import job " + std::to_string(id) + " does not exist",
                          "导入任务 " + std::to_string(id) + " 不存在", "id");
  }
  return it->second;
}

base::Result<ImportJobState> ImportJobs::Wait(const Caller& caller, int64_t id) const {
  KECHAN_ASSIGN_OR_RETURN(ImportJobState job, Get(caller, id));
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] {
    auto it = jobs_.find(id);
    return it == jobs_.end() || it->second.finished();
  });
  auto it = jobs_.find(id);
  return it == jobs_.end() ? job : it->second;
}

}  // namespace kechan::chain
