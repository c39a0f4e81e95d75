// search/xapian: the Xapian adapter of search::Index (Debian's libxapian 1.4, glass backend).
// Only this folder includes <xapian.h>.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "search/index.h"

namespace kechan::search {

// Opens (creating when missing) the index in directory `dir`. Errors: Unavailable when another
// process holds the write lock ("search.index_locked"), Internal for a corrupt index, both
// naming the directory.
base::Result<std::unique_ptr<Index>> OpenXapianIndex(const std::string& dir);

}  // namespace kechan::search
