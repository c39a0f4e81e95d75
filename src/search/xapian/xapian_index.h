// search/xapian: the Xapian adapter of search::Index (Debian's libxapian 1.4, glass backend).
// Only this folder includes <xapian.h>.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "search/index.h"

namespace kechan::search {

struct XapianIndexOptions {
  // Shards of a new index directory (one writer thread each; documents go to a shard by a hash of
  // type and id, searches combine them). 0 = one per core, at most 4. An existing directory keeps
  // the count it was created with (a directory holding one plain glass database, as written
  // before shards, stays one shard).
  int shards = 0;
  // Test seams (empty in production). `before_write` runs on a shard's writer thread before it
  // takes its next queued write (the id term, e.g. "Qdoc:7", or "" for a commit), while the
  // writer holds nothing: a reader may run meanwhile. `on_read_wait` runs on the reader's thread
  // when a search/Get waits for earlier writes to be applied.
  std::function<void(std::string_view id_term)> before_write;
  std::function<void()> on_read_wait;
};

// Opens (creating when missing) the index in directory `dir`. Errors: Unavailable when another
// process holds the write lock ("search.index_locked"), Internal for a corrupt index, both
// naming the directory.
base::Result<std::unique_ptr<Index>> OpenXapianIndex(const std::string& dir,
                                                     const XapianIndexOptions& options = {});

}  // namespace kechan::search
