#include "chain/import_jobs.h"

#include <boost/json.hpp>
#include <random>
#include <utility>
#include <vector>

#include "store/database.h"

namespace kechan::chain {
namespace {

namespace json = boost::json;
using store::Value;

constexpr const char* kJobCols =
    "id, kind, owner, instance, state, phase, processed, total, report, error_reason, "
    "error_field, error_en, error_zh";

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}
int64_t Int(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

// The inverse of ImportReportJson (the stored report of a finished job).
ImportReport ReportFromJson(std::string_view text) {
  ImportReport r;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return r;
  }
  const json::object& o = v.as_object();
  r.rows = Int(o, "rows");
  r.imported = Int(o, "imported");
  r.links = Int(o, "links");
  r.chains = Int(o, "chains");
  r.nodes = Int(o, "nodes");
  r.buildings = Int(o, "buildings");
  r.units = Int(o, "units");
  r.observations = Int(o, "observations");
  r.event_seq = Int(o, "event_seq");
  const json::value* committed = o.if_contains("committed");
  r.committed = committed != nullptr && committed->is_bool() && committed->as_bool();
  if (const json::value* errors = o.if_contains("errors"); errors && errors->is_array()) {
    for (const json::value& e : errors->as_array()) {
      if (!e.is_object()) {
        continue;
      }
      const json::object& eo = e.as_object();
      r.errors.push_back(RowError{.row = Int(eo, "row"),
                                  .column = Str(eo, "column"),
                                  .reason = Str(eo, "reason"),
                                  .message_en = Str(eo, "message"),
                                  .message_zh = Str(eo, "message_zh")});
    }
  }
  return r;
}

base::Status Interrupted() {
  return base::Unavailable("import.interrupted",
                           "the server stopped while this import was running; nothing was written, "
                           "upload the file again",
                           "导入过程中服务器已停止，未写入任何数据，请重新上传文件");
}

Value OptText(bool present, const std::string& s) { return present ? Value(s) : Value(nullptr); }

}  // namespace

std::string ImportJobJson(const ImportJobState& job) {
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

ImportJobs::ImportJobs(ChainService& service) : service_(service) {
  std::random_device rd;
  instance_ = std::to_string(service.clock().NowMicros()) + "-" + std::to_string(rd()) + "-" +
              std::to_string(rd());
}

base::Status ImportJobs::Save(const ImportJobState& job, bool insert) const {
  const bool has_report = job.state == "done" || job.state == "rejected";
  const bool failed = job.state == "failed";
  const std::string report = has_report ? ImportReportJson(job.kind, job.report) : "";
  const int64_t now = service_.clock().NowMicros();
  return store::WithWriteTx(service_.db(), [&](store::Tx& tx) -> base::Status {
    if (insert) {
      std::vector<Value> params{job.id,        std::string(ImportKindName(job.kind)),
                                job.owner,     instance_,
                                job.state,     job.phase,
                                job.processed, job.total,
                                now,           now};
      return tx
          .Exec(
              "INSERT INTO chain_import_jobs (id, kind, owner, instance, state, phase, "
              "processed, total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
              "?)",
              params)
          .status();
    }
    std::vector<Value> params{job.state,
                              job.phase,
                              job.processed,
                              job.total,
                              OptText(has_report, report),
                              OptText(failed, job.error.reason()),
                              OptText(failed, job.error.field()),
                              OptText(failed, job.error.message_en()),
                              OptText(failed, job.error.message_zh()),
                              now,
                              job.id};
    return tx
        .Exec(
            "UPDATE chain_import_jobs SET state = ?, phase = ?, processed = ?, total = ?, "
            "report = ?, error_reason = ?, error_field = ?, error_en = ?, error_zh = ?, "
            "updated_at = ? WHERE id = ?",
            params)
        .status();
  });
}

base::Status ImportJobs::SaveProgress(const ImportJobState& job) const {
  const int64_t now = service_.clock().NowMicros();
  return store::WithWriteTx(service_.db(), [&](store::Tx& tx) -> base::Status {
    std::vector<Value> params{job.phase, job.processed, job.total, now, job.id};
    return tx
        .Exec(
            "UPDATE chain_import_jobs SET phase = ?, processed = ?, total = ?, updated_at = ? "
            "WHERE id = ? AND state = 'running'",
            params)
        .status();
  });
}

base::Status ImportJobs::SaveWithRetry(const ImportJobState& job, bool insert) const {
  base::Status st;
  for (int attempt = 0; attempt < kSaveAttempts; ++attempt) {
    st = Save(job, insert);
    if (st.ok() || st.code() != base::Code::kUnavailable) {
      return st;
    }
  }
  return st;
}

base::Result<std::optional<ImportJobState>> ImportJobs::Load(int64_t id) const {
  std::optional<ImportJobState> out;
  bool interrupted = false;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, service_.db().Begin(store::TxKind::kRead));
    std::vector<Value> params{id};
    KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx->Query(std::string("SELECT ") + kJobCols +
                                                            " FROM chain_import_jobs WHERE id = ?",
                                                        params));
    if (rows.empty()) {
      return out;
    }
    const store::Row& r = rows.rows[0];
    ImportJobState job;
    job.id = r.Int(0);
    KECHAN_ASSIGN_OR_RETURN(job.kind, ParseImportKind(r.Text(1)));
    job.owner = r.Text(2);
    job.state = r.Text(4);
    job.phase = r.Text(5);
    job.processed = r.Int(6);
    job.total = r.Int(7);
    if (!r.IsNull(8)) {
      job.report = ReportFromJson(r.Text(8));
    }
    if (job.state == "failed") {
      job.error = base::Internal(r.IsNull(9) ? "import.failed" : r.Text(9),
                                 r.IsNull(11) ? "" : r.Text(11), r.IsNull(12) ? "" : r.Text(12))
                      .WithField(r.IsNull(10) ? "" : r.Text(10));
    }
    interrupted = job.state == "running" && r.Text(3) != instance_;
    out = std::move(job);
  }
  if (interrupted) {
    out->state = "failed";
    out->error = Interrupted();
    // Best effort: record it, so the row reads the same from now on.
    (void)Save(*out, /*insert=*/false);
  }
  return out;
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
  if (next_id_ == 0) {
    // Ids continue after the stored jobs (reading does not wait for a running import's writer).
    KECHAN_ASSIGN_OR_RETURN(auto tx, service_.db().Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                            tx->Query("SELECT COALESCE(MAX(id), 0) FROM chain_import_jobs", {}));
    next_id_ = (rows.empty() ? 0 : rows.rows[0].Int(0)) + 1;
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

void ImportJobs::Run(int64_t id, const Caller& caller, ImportKind kind, const std::string& bytes,
                     ImportOptions options) {
  // The row says "running" before the import starts, so a restart meanwhile shows it as
  // interrupted. No lock is held while writing: an import in its write transaction calls the
  // progress callback, which takes mu_.
  ImportJobState snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot = jobs_[id];
  }
  base::Status saved = SaveWithRetry(snapshot, /*insert=*/true);
  base::Result<ImportReport> report = base::Internal("import.not_run", "the import did not run");
  if (!saved.ok()) {
    report = saved;
  } else {
    ImportProgress outer = std::move(options.progress);
    options.progress = [this, id, outer](std::string_view phase, int64_t processed, int64_t total) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        ImportJobState& job = jobs_[id];
        job.phase = std::string(phase);
        job.processed = processed;
        job.total = total;
      }
      if (outer) {
        outer(phase, processed, total);
      }
    };
    // The saver: about every kProgressInterval, the progress when it changed (see the class
    // comment). Stopped and joined before the final state is written.
    std::mutex saver_mu;
    std::condition_variable saver_cv;
    bool stop = false;
    const bool sqlite = service_.db().dialect() == store::Dialect::kSqlite;
    std::thread saver([&] {
      std::string saved_phase = snapshot.phase;
      int64_t saved_processed = snapshot.processed;
      std::unique_lock<std::mutex> wait_lock(saver_mu);
      while (!saver_cv.wait_for(wait_lock, kProgressInterval, [&] { return stop; })) {
        wait_lock.unlock();
        ImportJobState now;
        {
          std::lock_guard<std::mutex> lock(mu_);
          now = jobs_[id];
        }
        const bool changed = now.phase != saved_phase || now.processed != saved_processed;
        // On SQLite the writing import holds the only writer: waiting for it would only time out.
        if (changed && !(sqlite && now.phase == "writing") && SaveProgress(now).ok()) {
          saved_phase = now.phase;
          saved_processed = now.processed;
        }
        wait_lock.lock();
      }
    });
    report = service_.Import(caller, kind, bytes, options);
    {
      std::lock_guard<std::mutex> lock(saver_mu);
      stop = true;
    }
    saver_cv.notify_all();
    saver.join();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot = jobs_[id];
  }
  if (!report.ok()) {
    snapshot.state = "failed";
    snapshot.error = report.status();
  } else {
    snapshot.report = std::move(*report);
    snapshot.state = snapshot.report.committed ? "done" : "rejected";
    snapshot.processed = snapshot.total;
  }
  // The job reads as finished only once its row says so (Wait then sees what a restart sees).
  if (saved.ok()) {
    // When this fails the outcome stays readable in memory (it is true: the import itself has
    // finished); only after a restart would the job read as interrupted.
    (void)SaveWithRetry(snapshot, /*insert=*/false);
  }
  std::lock_guard<std::mutex> lock(mu_);
  jobs_[id] = std::move(snapshot);
  done_.notify_all();
}

base::Result<ImportJobState> ImportJobs::Get(const Caller& caller, int64_t id) const {
  auto not_found = [id] {
    return base::NotFound("import.not_found",
                          "import job " + std::to_string(id) + " does not exist",
                          "导入任务 " + std::to_string(id) + " 不存在", "id");
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it != jobs_.end()) {
      if (!caller.system && it->second.owner != caller.actor) {
        return not_found();
      }
      return it->second;
    }
  }
  // Not in memory: started by an earlier run of the server, or reaped.
  KECHAN_ASSIGN_OR_RETURN(std::optional<ImportJobState> stored, Load(id));
  if (!stored || (!caller.system && stored->owner != caller.actor)) {
    return not_found();
  }
  return *stored;
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
