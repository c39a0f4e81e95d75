// search/indexer: keeps the index derived from the event log. Document sources (one per module,
// in app/search_sources) turn an event into documents to replace or delete; the indexer reads
// the log through an EventFeed (store::EventFollower "search"), applies each batch to the index
// (documents analysed on several threads while the index writes the previous ones), records the
// last applied seq in the index's own metadata, commits once per batch, then advances the cursor.
// After a crash it re-reads from the cursor (replacing by id is idempotent); when the index is
// older than the cursor (deleted or restored), it rebuilds from the start.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/index.h"
#include "store/database.h"
#include "store/event_log.h"

namespace kechan::search {

// A document to add or replace (doc set) or to delete (doc empty).
struct Change {
  std::string type;
  std::string id;
  std::optional<Document> doc;
};

// One module's documents. Called from one thread at a time (the indexer's).
class DocumentSource {
 public:
  virtual ~DocumentSource() = default;
  // The changes `event` implies (empty when the event is not about this source's records).
  // Sources load the record's current state, so replaying old events is harmless.
  virtual base::Result<std::vector<Change>> Changes(const store::Event& event) = 0;
  // True when Changes depends only on the event's entity and entity_id and on the records'
  // current state (not on the event's kind, payload or time): the indexer then asks once per
  // entity within a batch, however many events the batch holds for it.
  virtual bool ChangesFollowTheEntity() const { return false; }
};

// The seam over the event log. Thread-compatible.
class EventFeed {
 public:
  virtual ~EventFeed() = default;
  virtual base::Result<std::vector<store::Event>> Next(int batch) = 0;
  virtual base::Status Advance(int64_t seq) = 0;
  virtual base::Status Reset() = 0;
  virtual base::Result<int64_t> Cursor() = 0;
  virtual base::Result<int64_t> Head() = 0;
};

// The feed over store::EventFollower with consumer `consumer` (table event_cursors).
std::unique_ptr<EventFeed> FollowerFeed(store::Database& db, std::string consumer = "search");

struct IndexerState {
  int64_t last_seq = 0;  // recorded in the index
  int64_t head = 0;      // newest event in the log
  int64_t documents = 0;
};

// Thread-compatible: one Tick at a time (the server's background job; `kechan reindex`).
class Indexer {
 public:
  // `threads`: analysis threads per batch (0 = one per core, at most 4).
  Indexer(const TextAnalysis& analysis, Index& index, EventFeed& feed, int threads = 0);
  // Sources must outlive the indexer.
  void AddSource(DocumentSource* source) { sources_.push_back(source); }

  // Applies the next batch of events with one index commit (which also records the batch's last
  // seq); returns how many were read (0 = caught up).
  base::Result<int> Tick(int batch = 500);
  // Clears the index and replays the whole log in batches of 10,000 events (one commit each);
  // `progress(done, head)` after every batch.
  base::Status Rebuild(const std::function<void(int64_t, int64_t)>& progress = {});
  base::Result<IndexerState> State();
  // Documents that failed analysis are skipped (and counted) rather than stalling the log.
  int64_t skipped() const { return skipped_; }
  // Changes folded into a later change of the same document within a batch (not analysed or
  // written on their own), and events not asked again of a source whose changes follow the
  // entity (DocumentSource::ChangesFollowTheEntity).
  int64_t merged() const { return merged_; }

 private:
  // Analyses the documents of `changes` (in parallel) and writes them in order; clears it.
  base::Status Flush(std::vector<Change>& changes);

  const TextAnalysis& analysis_;
  Index& index_;
  EventFeed& feed_;
  std::vector<DocumentSource*> sources_;
  int threads_;
  bool checked_ = false;
  int64_t skipped_ = 0;
  int64_t merged_ = 0;
};

}  // namespace kechan::search
