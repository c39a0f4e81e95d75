// HTTP routes of the policy toolkit and the JSON renderings the CLI shares. Thin: parse ->
// PolicyService -> render. Paths and bodies are documented in docs/policy.md.
#pragma once

#include <string>
#include <vector>

#include "http/router.h"
#include "policy/service.h"

namespace kechan::policy {

// Registers on `router` (the service must outlive it):
//   GET   /api/v1/policies?category=&status=&mode=&department=&q=&page=&page_size=   signed in
//   POST  /api/v1/policies                                        operators (201)
//   GET   /api/v1/policies/{id}                                   signed in (drafts: staff)
//   PATCH /api/v1/policies/{id}                                   operators
//   POST  /api/v1/policies/{id}/withdraw                          operators
//   POST  /api/v1/policies/{id}/versions                          operators (201)
//   PATCH /api/v1/policies/{id}/versions/{version}                operators (drafts only)
//   POST  /api/v1/policies/{id}/versions/{version}/publish        operators
//   POST  /api/v1/policy-rules/check                              operators; {"rule":{..}}
//   POST  /api/v1/policy-rules/preview                            staff; {"rule":{..},"as_of"}
//         -> {"as_of","counts":{"yes","no","unknown"},"ask":[{"fact","firms"}],"total"}
//   GET   /api/v1/policy-rules/facts                              signed in; the fact catalogue
//   GET   /api/v1/policies/{id}/enterprises?as_of=&result=&district=&q=&page=&page_size=
//         &format=csv|xlsx                                        staff
//   GET   /api/v1/enterprises/{id}/policies?as_of=&category=&include_no=   staff or own members
//   GET   /api/v1/enterprises/{id}/policy-facts                   staff or own members
//   PUT   /api/v1/enterprises/{id}/policy-facts                   staff or own members
//   GET   /api/v1/policy/my-enterprises                           signed in
//   POST  /api/v1/policies/{id}/applications                      the enterprise's members (201)
//   GET   /api/v1/policy-applications?policy=&enterprise=&state=&kind=&page=&page_size=
//   GET   /api/v1/policy-applications/{id}
//   POST  /api/v1/policy-applications/{id}/actions/{action}       by workflow role
void RegisterRoutes(http::Router& router, PolicyService& service);

// JSON renderings shared with the CLI.
// {"enterprise_id","as_of","policies":[{"policy":{..},"version":{..},"result","reasons":{..},
//  "missing":[..],"application":{..}|null}]}
std::string FitsJson(int64_t enterprise_id, base::Date as_of, const std::vector<PolicyFit>& fits);
// {"policy_id","version_id","as_of","counts":{"yes","no","unknown"},"ask":[{"fact","firms"}],
//  "items":[{"enterprise_id","name","district","result","missing","reason","reason_zh"}],
//  "total","page","page_size"}
std::string MatchJson(const MatchReport& r);
// One clause tree: {"path","id","result","reason","reason_zh","missing","children":[..]}.
std::string ClauseJson(const ClauseResult& c);

}  // namespace kechan::policy
