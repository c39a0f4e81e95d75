#include "search/indexer.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/log.h"
#include "store/event_follower.h"

namespace kechan::search {
namespace {

constexpr std::string_view kLastSeq = "last_seq";
// Events per commit while rebuilding (each commit flushes every shard's postings).
constexpr int kRebuildBatch = 10000;

class FollowerFeedImpl : public EventFeed {
 public:
  FollowerFeedImpl(store::Database& db, std::string consumer) : f_(db, std::move(consumer)) {}
  base::Result<std::vector<store::Event>> Next(int batch) override { return f_.Next(batch); }
  base::Status Advance(int64_t seq) override { return f_.Advance(seq); }
  base::Status Reset() override { return f_.Reset(); }
  base::Result<int64_t> Cursor() override { return f_.Cursor(); }
  base::Result<int64_t> Head() override { return f_.Head(); }

 private:
  store::EventFollower f_;
};

base::Result<int64_t> LastSeq(Index& index) {
  KECHAN_ASSIGN_OR_RETURN(std::string v, index.GetMeta(kLastSeq));
  if (v.empty()) {
    return int64_t{0};
  }
  try {
    return static_cast<int64_t>(std::stoll(v));
  } catch (...) {
    return int64_t{0};
  }
}

}  // namespace

std::unique_ptr<EventFeed> FollowerFeed(store::Database& db, std::string consumer) {
  return std::make_unique<FollowerFeedImpl>(db, std::move(consumer));
}

Indexer::Indexer(const TextAnalysis& analysis, Index& index, EventFeed& feed, int threads)
    : analysis_(analysis),
      index_(index),
      feed_(feed),
      threads_(threads > 0
                   ? threads
                   : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u))) {}

base::Status Indexer::Flush(std::vector<Change>& changes) {
  // Analysis is the parallel part (TextAnalysis is thread-safe); the writes keep log order, so
  // the last change of a document wins, and the index applies them on its own writer threads.
  std::vector<std::optional<base::Result<IndexedDocument>>> analysed(changes.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < changes.size(); i = next++) {
      if (changes[i].doc) {
        analysed[i].emplace(AnalyzeDocument(analysis_, std::move(*changes[i].doc)));
      }
    }
  };
  size_t helpers = std::min(static_cast<size_t>(threads_), changes.size() / 8 + 1) - 1;
  std::vector<std::thread> pool;
  for (size_t t = 0; t < helpers; ++t) {
    pool.emplace_back(work);
  }
  work();
  for (auto& t : pool) {
    t.join();
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    if (!analysed[i]) {
      KECHAN_RETURN_IF_ERROR(index_.Delete(changes[i].type, changes[i].id));
    } else if (!analysed[i]->ok()) {
      ++skipped_;
    } else {
      KECHAN_RETURN_IF_ERROR(index_.Replace(std::move(**analysed[i])));
    }
  }
  changes.clear();
  return base::Status::Ok();
}

base::Result<int> Indexer::Tick(int batch) {
  if (!checked_) {
    KECHAN_ASSIGN_OR_RETURN(int64_t last, LastSeq(index_));
    KECHAN_ASSIGN_OR_RETURN(int64_t cursor, feed_.Cursor());
    if (last < cursor) {
      // The index is older than the cursor (a new or restored index directory): start over.
      KECHAN_RETURN_IF_ERROR(index_.Clear());
      KECHAN_RETURN_IF_ERROR(feed_.Reset());
    } else if (last > cursor) {
      // Crashed after the index commit and before the cursor moved.
      KECHAN_RETURN_IF_ERROR(feed_.Advance(last));
    }
    checked_ = true;
  }
  KECHAN_ASSIGN_OR_RETURN(std::vector<store::Event> events, feed_.Next(batch));
  if (events.empty()) {
    return 0;
  }
  // Documents go to analysis and the index in chunks, so an event naming many records (an
  // import) does not hold all of them analysed in memory at once.
  constexpr size_t kChunk = 1000;
  // A document changed by several events of the chunk is analysed and written once, with its
  // last change (the writes would apply them in log order, so the last one wins anyway). An
  // appeal has about twenty events, each of which yields its whole current state; a rebuild used
  // to analyse and write it once per event.
  std::vector<Change> pending;
  std::unordered_map<std::string, size_t> pending_at;  // type, '\n', id -> index in pending
  // Sources whose changes follow the entity are asked once per entity and chunk: the record's
  // current state is the same for every event of it in the batch.
  std::unordered_set<std::string> asked;  // source index, '\n', entity, '\n', entity_id
  for (const store::Event& e : events) {
    for (size_t s = 0; s < sources_.size(); ++s) {
      DocumentSource* source = sources_[s];
      if (source->ChangesFollowTheEntity()) {
        std::string key = std::to_string(s);
        key.push_back('\n');
        key.append(e.entity);
        key.push_back('\n');
        key.append(e.entity_id);
        if (!asked.insert(std::move(key)).second) {
          ++merged_;
          continue;
        }
      }
      KECHAN_ASSIGN_OR_RETURN(std::vector<Change> changes, source->Changes(e));
      for (Change& c : changes) {
        std::string key = c.type;
        key.push_back('\n');
        key.append(c.id);
        auto [at, added] = pending_at.try_emplace(std::move(key), pending.size());
        if (!added) {
          pending[at->second] = std::move(c);
          ++merged_;
          continue;
        }
        pending.push_back(std::move(c));
        if (pending.size() >= kChunk) {
          KECHAN_RETURN_IF_ERROR(Flush(pending));
          pending_at.clear();
          asked.clear();
        }
      }
    }
  }
  KECHAN_RETURN_IF_ERROR(Flush(pending));
  int64_t last = events.back().seq;
  KECHAN_RETURN_IF_ERROR(index_.SetMeta(kLastSeq, std::to_string(last)));
  KECHAN_RETURN_IF_ERROR(index_.Commit());
  KECHAN_RETURN_IF_ERROR(feed_.Advance(last));
  return static_cast<int>(events.size());
}

base::Status Indexer::Rebuild(const std::function<void(int64_t, int64_t)>& progress) {
  KECHAN_RETURN_IF_ERROR(index_.Clear());
  KECHAN_RETURN_IF_ERROR(index_.Commit());
  KECHAN_RETURN_IF_ERROR(feed_.Reset());
  checked_ = true;
  KECHAN_ASSIGN_OR_RETURN(int64_t head, feed_.Head());
  int64_t done = 0;
  while (true) {
    KECHAN_ASSIGN_OR_RETURN(int n, Tick(kRebuildBatch));
    if (n == 0) {
      break;
    }
    KECHAN_ASSIGN_OR_RETURN(done, feed_.Cursor());
    if (progress) {
      progress(done, head);
    }
  }
  if (progress) {
    progress(head, head);
  }
  return base::Status::Ok();
}

base::Result<IndexerState> Indexer::State() {
  IndexerState s;
  KECHAN_ASSIGN_OR_RETURN(s.last_seq, LastSeq(index_));
  KECHAN_ASSIGN_OR_RETURN(s.head, feed_.Head());
  KECHAN_ASSIGN_OR_RETURN(s.documents, index_.DocCount());
  return s;
}

}  // namespace kechan::search
