// app/search_sources: the adapters that turn module records into search documents, one
// search::DocumentSource per module (chain enterprises; appeals). They live in app/ because
// search/ sits below the modules it indexes. Each source reacts to its module's events and loads
// the record's current state, so replaying the log rebuilds the index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "appeals/service.h"
#include "search/service.h"
#include "store/database.h"

namespace kechan::app {

// Adds every module's source to `search`. `appeals` may be null (not indexed then); when given,
// also wires appeal routing (WireAppealRouting).
void AddSearchSources(search::SearchService& search, store::Database& db,
                      appeals::AppealService* appeals);

// Appeal routing both ways: the search module's classifier falls back to the dispatch catalogue
// (AppealService::Resolve for the type the text is about), and the appeals module asks the
// classifier (SearchService::SuggestDepartment) for appeals the catalogue does not cover. Both
// services must outlive the hooks (they live in App; the hooks are removed with the services).
void WireAppealRouting(search::SearchService& search, store::Database& db,
                       appeals::AppealService& appeals);

// Past dispatched appeals (a lead unit set) for `kechan train-routing`: "title\nbody" labelled
// with the lead department's name and with the appeal type, oldest first.
base::Status LoadRoutingExamples(store::Database& db,
                                 std::vector<search::RoutingExample>& department,
                                 std::vector<search::RoutingExample>& type);

// The built-in appeal type ("financing", "permits", ...) whose words the text mentions most,
// or "" when none.
std::string GuessAppealType(std::string_view text);

}  // namespace kechan::app
