// app/search_sources: the adapters that turn module records into search documents, one
// search::DocumentSource per module (chain enterprises; appeals). They live in app/ because
// search/ sits below the modules it indexes. Each source reacts to its module's events and loads
// the record's current state, so replaying the log rebuilds the index.
#pragma once

#include "appeals/service.h"
#include "search/service.h"
#include "store/database.h"

namespace kechan::app {

// Adds every module's source to `search`. `appeals` may be null (not indexed then).
void AddSearchSources(search::SearchService& search, store::Database& db,
                      appeals::AppealService* appeals);

}  // namespace kechan::app
