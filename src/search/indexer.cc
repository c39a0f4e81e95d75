#include "search/indexer.h"

#include <string>
#include <utility>

#include "base/log.h"
#include "store/event_follower.h"

namespace kechan::search {
namespace {

constexpr std::string_view kLastSeq = "last_seq";

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

base::Status Indexer::Apply(const store::Event& event) {
  for (DocumentSource* source : sources_) {
    KECHAN_ASSIGN_OR_RETURN(std::vector<Change> changes, source->Changes(event));
    for (Change& c : changes) {
      if (!c.doc) {
        KECHAN_RETURN_IF_ERROR(index_.Delete(c.type, c.id));
        continue;
      }
      auto indexed = AnalyzeDocument(analysis_, std::move(*c.doc));
      if (!indexed.ok()) {
        ++skipped_;
        continue;
      }
      KECHAN_RETURN_IF_ERROR(index_.Replace(*indexed));
    }
  }
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
  for (const store::Event& e : events) {
    KECHAN_RETURN_IF_ERROR(Apply(e));
  }
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
    KECHAN_ASSIGN_OR_RETURN(int n, Tick(1000));
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
