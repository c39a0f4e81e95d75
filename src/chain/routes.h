// HTTP routes of the chain module (chains, chain analysis, enterprises, parks' occupancy) and the
// JSON renderings the CLI shares. Thin: parse -> ChainService -> render.
#pragma once

#include <string>
#include <vector>

#include "chain/service.h"
#include "http/router.h"

namespace kechan::chain {

// Registers on `router` (the service must outlive it):
//   GET   /api/v1/chains                       public; chains with codes, node and firm counts
//   GET   /api/v1/chains/{id}                  public; the chain map (cluster, nodes)
//   GET   /api/v1/chains/{id}/analysis?as_of=  public; aggregates for everyone, firm lists
//                                              (masters, key firms, candidates) for officers,
//                                              chain chiefs and operators
//   POST  /api/v1/chains/{id}/nodes            operators; adds a node (201)
//   GET   /api/v1/enterprises?district=&park=&chain=&node=&above_size=&q=&page=&page_size=
//                                              officers, chain chiefs, operators
//   GET   /api/v1/enterprises/{id}             those, or the enterprise's own members
//   POST  /api/v1/enterprises                  operators (201)
//   PATCH /api/v1/enterprises/{id}             operators or the enterprise's own members
//   GET   /api/v1/parks                        public; parks
//   GET   /api/v1/parks/{id}/occupancy?from=&to=  public; occupancy rates over time
//   GET   /api/v1/parks/{id}/occupancy/series?from=YYYY-MM&to=YYYY-MM  public; monthly
//                                              unit-based rates of the park and its buildings
//   GET   /api/v1/parks/{id}/buildings?as_of=&format=csv|xlsx  public; buildings, units, rates
//                                              (format: the whole register, import columns)
//   POST  /api/v1/imports?kind=enterprises|chains|links|buildings  operators; import jobs
void RegisterRoutes(http::Router& router, ChainService& service);

// JSON renderings (one object each), shared by routes and the CLI.
// {"chains":[{"id","code","name","name_en","cluster":{...},"nodes","firms",...}]}
std::string ChainListJson(const std::vector<ChainSummary>& chains);
// {"chain_id","code","name","name_en","as_of","node_count","covered_nodes","coverage",
//  "nodes":[{"id","code","name","name_en","segment","criticality","choke_point","local_firms",
//            "external_firms","suppliers","hhi","hhi_basis","single_source","top_share",
//            "top_supplier"}],
//  "gaps":[node ids, highest criticality first], "gap_codes":[..], "masters":[..],
//  "key_firms":[..], "candidates":[..]}
std::string AnalysisJson(const ChainAnalysis& a);
// The analysis' per-node table as CSV (header + one line per node), for export.
std::string AnalysisCsv(const ChainAnalysis& a);
// {"id","uscc","name",...,"revenue":{"2025":"123.45"},...,"links":[...]} (links when given).
std::string EnterpriseJson(const Enterprise& e, const std::vector<Link>* links = nullptr);

}  // namespace kechan::chain
