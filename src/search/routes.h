// HTTP routes of the search module and the JSON renderings the CLI shares. Thin: parse ->
// SearchService -> render. Bad input is a 4xx problem naming the field, never a 500.
#pragma once

#include <string>
#include <vector>

#include "http/router.h"
#include "search/service.h"

namespace kechan::search {

// Registers on `router` (the module must outlive it; the first request loads it). Access: officers,
// duty directors, chain chiefs and operators (the index holds enterprise details); thesaurus edits:
// operators.
//   GET  /api/v1/search?q=&type=&district=&chain=&node=&status=&maturity=&label=&department=
//        &appeal_type=&price_min=&price_max=&budget_min=&budget_max=&date_min=&date_max=
//        &valid_to_min=&valid_to_max=&revenue_min=&revenue_max=&page=&page_size=&facets=
//        (comma-separated values = any of; unknown parameters are rejected naming them)
//   GET  /api/v1/match?type=&id=&target=&k=       explained candidates of type `target`
//   POST /api/v1/match/decline                    {source_type,source_id,target_type,target_id,
//                                                  reason,note}; 204
//   GET  /api/v1/search/synonyms                  the thesaurus
//   PUT  /api/v1/search/synonyms/{word}           {"synonyms":[...]} (empty deletes); 200
//   POST /api/v1/search/route-appeal              {"text"} → {"label","confidence","unsure",
//                                                  "source","scores"} (lead department),
//                                                  plus "type":{"label","confidence","unsure",
//                                                  "source"} when a type model is loaded
//   POST /api/v1/search/routing/reload            reload DATA/routing/*.fasttext now
//                                                  → {"models":[{"label","file","state","error"}]}
//                                                  (operators)
//   GET  /api/v1/search/status                    indexer state (operators)
void RegisterRoutes(http::Router& router, SearchModule& module);

// {"total","page","page_size","hits":[{"type","id","title","score","snippet","matched",
//  "facets","numbers"}],"facets":{"district":[{"value","count"}],...}}
std::string SearchResponseJson(const SearchResponse& r);
// {"type","id","target","candidates":[{"type","id","title","score","matched_terms",
//  "parts":[{"name","value","reason","reason_zh"}],"facets","numbers"}]}
std::string MatchJson(const MatchRequest& req, const std::vector<MatchCandidate>& candidates);

}  // namespace kechan::search
