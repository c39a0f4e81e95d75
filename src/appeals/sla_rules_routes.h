// HTTP routes of the appeal SLA rules (issue 4 §1, §7): read and edit the clock goals per appeal
// type, their change history, and the background recomputation of open appeals' clocks. Thin:
// parse -> AppealService -> render.
#pragma once

#include "appeals/service.h"
#include "http/router.h"

namespace kechan::appeals {

// ============================================================================================
// API CONTRACT (under /api/v1; problem+json errors as in routes.h).
//   GET  /appeals/sla-rules                    officer/leaders.
//        {"version":N,                          // seq of the last change event (0: none)
//         "clocks":[{"name":"sign_for","label_zh","label_en"}],
//         "units":["working_days","working_hours"],
//         "types":[{"type":"*"|"financing",…,"label_zh","label_en",
//                   "clocks":[{"name","goal":{"unit","amount"},"warn_share":0.8,
//                              "source":"builtin"|"default"|"type",   // where the value is from
//                              "stored":true|false}]}],              // the row has its own rule
//         "recompute":{recompute status, below}}
//        Type "*" is the default row; a type without a rule of its own inherits it.
//   PUT  /appeals/sla-rules                    operator. {"rules":[{"type"*,"clock"*,
//        "goal":{"unit":"working_days"|"working_hours","amount":1..10000},
//        "warn_share":0..<1} | {"type"*,"clock"*,"inherit":true}], "recompute":false}
//        Applies every listed rule in one transaction (event "appeal.sla_rules_changed");
//        "inherit" removes the row's own rule. "recompute":true then starts the recomputation.
//        → 200 {"changes":[{"type","clock","before":{"unit","amount","warn_share",
//        "inherited":bool},"after":{…}}], "rules":{the GET body}} — the values in effect before
//        and after; "inherited": the row had no rule of its own on that side. Errors (nothing
//        changed): 400 naming "rules", "rules[i].type" (sla_rules.type), "rules[i].clock"
//        (sla_rules.clock), "rules[i].goal.unit", "rules[i].goal.amount" (sla.spec.goal),
//        "rules[i].warn_share" (sla_rules.warn_share), "rules[i]" (sla_rules.duplicate); 403 for
//        non-operators. New clock computations use the new rules at once; the stored colour, due
//        time and pending timers of open appeals move with the recomputation.
//   GET  /appeals/sla-rules/history?limit=50   officer/leaders. {"items":[{"seq","at","actor",
//        "actor_name","changes":[…as above]}]} newest first.
//   POST /appeals/sla-rules/recompute          operator. Starts recomputing every open appeal's
//        clocks (what `kechan sla replay` does) → 202 status; 409 "sla.recompute_running"
//        while one runs here or on another server sharing the database (live heartbeat).
//   GET  /appeals/sla-rules/recompute          officer/leaders → status:
//        {"id","state":"idle"|"running"|"done"|"failed","started_by","started_by_name",
//         "started_at","finished_at"|null,"processed","total","changed","timers","seconds",
//         "node":"host/pid","heartbeat_at"|null,"lease_seconds":30,
//         "error":{"reason","field","message","message_zh"}|null} — the newest job, kept in
//         appeal_recompute_jobs across restarts. Its owner ("node") refreshes heartbeat_at at
//         least every 10 s while it runs; a "running" job whose heartbeat is older than
//         lease_seconds (whichever server reads it) is "failed" with reason
//         "sla.recompute_interrupted", finished_at = its last heartbeat.
// ============================================================================================

// Registers the routes above on `router` (the service must outlive it).
void RegisterSlaRuleRoutes(http::Router& router, AppealService& service);

}  // namespace kechan::appeals
