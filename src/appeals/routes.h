// HTTP routes of the appeals module (政企服务诉求闭环, issue 4 §2-§4): appeals and their actions,
// the dispatch catalogue, the duty rota and receptions, metrics and the group webhooks. Thin:
// parse -> AppealService -> render. This comment is the API contract the web pages are built on.
#pragma once

#include <string>

#include "appeals/service.h"
#include "http/router.h"
#include "table/table.h"

namespace kechan::appeals {

// ============================================================================================
// API CONTRACT (all under /api/v1; JSON bodies are strict objects, unknown fields → 400; errors
// are problem+json {"type","title","status","detail","reason","field","title_zh","detail_zh"}).
// Times are UTC microseconds as JSON integers ("*_at"); dates "YYYY-MM-DD" (Asia/Shanghai);
// ids are integers. Roles: enterprise, officer, duty_director, chain_chief, operator.
// "Leaders" = operator, duty_director, chain_chief.
//
// Visibility of appeals (a reader who may not see an appeal gets 404, never 403):
//   enterprise   — only appeals whose org_id is one of the caller's enterprise orgs;
//   officer      — appeals whose lead unit or an assisting unit is one of the caller's orgs
//                  (departments are orgs of kind "government"), plus those not yet dispatched
//                  (state "received") so the duty desk can triage;
//   leaders      — every appeal.
//
// ---- the appeal object (GET /appeals/{id}; list items carry the same shape without "clocks",
//      "requesters", "attachments", "bookings", "timeline", "actions", "suggested_dispatch" and
//      "route_suggestion") ------------------------------------------------------------------------
// {"id":12,"title":"…","body":"…","type":"financing","channel":"web"|"duty_desk"|"reception"|
//  "visit"|"group","state":"in_progress","state_label":{"zh":"办理中","en":"In progress"},
//  "org_id":34,"org_name":"…","org_name_en":"…"|"","enterprise_id":7|null,"chain_id":3|null,
//  "district":"高新区","lead_unit":5|null,"lead_unit_name":"…"|"","lead_unit_name_en":"…"|"",
//  "assisting_units":[6,8],"master_id":null,   // names: the orgs' zh and en names ("" if none)
//  "rework_count":0,"urge_count":1,"supervised":false,"reply":"…"|"",
//  "created_by":3,"created_at":…,"updated_at":…,"closed_at":…|null,
//  "sla":"green"|"yellow"|"red"|"paused"|"done"|"none",   // worst open clock: red=breached,
//                                                          // yellow=warned, paused, green
//  "due_at":…|null,                                        // earliest due_at of running clocks
//  "clocks":[{"name":"sign_for"|"response"|"resolution","status":"running"|"paused"|"stopped"|
//             "cancelled"|"not_started","goal":{"unit":"working_days","amount":1},
//             "due_at":…|null,"warn_at":…|null,"remaining_hours":12.5,"elapsed_hours":3.0,
//             "warned":false,"breached":false,"cycle":1}],
//  "requesters":[{"user_id":3,"name":"…","visited":true,"resolved":"yes"|"no"|"",
//                 "satisfaction":"satisfied"|"basically"|"not"|""}],
//  "attachments":[{"id":1,"name":"invoice.pdf","size":1234,"sha256":"…","content_type":"…",
//                  "created_at":…,"url":"/api/v1/appeals/12/attachments/1"}],
//  "bookings":[{"id":4,"reception_id":9,"appeal_id":12,"org_id":34,"auto":false,
//               "status":"booked"|"done","outcome":""|"…","note":"","created_at":…}],
//  "timeline":[{"seq":100,"at":…,"kind":"appeal.signed_for","actor":"user:3",
//               "actor_name":"王科长"|"","actor_org":"经信局"|"",   // for "user:N" actors
//               "action":"sign_for","state":"signed_for","fields":{"note":"…",…}}],
//  "actions":[{"action":"contact","to_state":"in_progress","label_zh":"联系企业",
//              "label_en":"Contact the enterprise","required":["note"]}]}   // for this caller
//
// ---- appeals ----------------------------------------------------------------------------------
//   GET  /appeals/meta                         signed in. {"states":[{"id","label_zh","label_en",
//        "terminal"}],"actions":[{"action","from":[..],"to","roles":[..],"required":[..],
//        "label_zh","label_en"}],"types":[{"id","label_zh","label_en"}],"channels":[..],
//        "reject_reasons":[{"code","label_zh","label_en"}],"satisfaction":["satisfied",
//        "basically","not"]}   (types also carry "resolution_days")
//   POST /appeals                              enterprise (channel forced to "web", org = the
//        caller's enterprise org) or officer/leaders (channel "duty_desk"|"reception"|"visit",
//        "org_id" required). Body {"title"*,"body"*,"type"*,"org_id","channel","chain_id",
//        "district","enterprise_id","requester_name"}  (* required). 201 → appeal object. The
//        appeal starts in "received"; when the catalogue has a match the response carries
//        "suggested_dispatch":{"lead_unit":5,"assisting_units":[6]} (dispatch is a separate
//        action).
//   POST /appeals/suggest-type                 enterprise, officer or leaders (intake pages, before
//        filing). Body {"title","body"} (at least one non-empty, else 400 naming "title") →
//        {"type":"financing"|null,"label_zh","label_en","confidence":0.82,"unsure":false,
//         "source":"fasttext"|…|"none","fallback":"catalogue"|null} — the search module's type
//        model (POST /search/route-appeal's "type"), labels checked against the appeal types;
//        "fallback":"catalogue" (and unsure true) when the model is unsure or has no answer:
//        the caller should pick from the type catalogue (GET /appeals/meta "types").
//   GET  /appeals?state=&type=&district=&chain=&unit=&channel=&sla=red|yellow|green|paused&
//        supervised=true&q=&org=&sort=due|-created|-updated&page=1&page_size=20
//                                              signed in (visibility above; enterprises their own).
//        state may repeat / be comma separated; "open" = every non-terminal state. q matches
//        title/body substrings. page_size 1..200 (400 naming the field otherwise).
//        → {"items":[appeal…],"total":N,"page":1,"page_size":20,
//           "counts":{"red":n,"yellow":n,"green":n,"paused":n}}   // counts over the filter
//   GET  /appeals/{id}?suggest=1               visibility above; 404 otherwise. → appeal object,
//        plus "route_suggestion":{"org_id":5|null,"org_name":"…","type":"financing"|"",
//        "confidence":0.82,"explanation":"…"}|null — the route suggester's answer for staff
//        while the appeal awaits dispatch ("received"/"dispatch_review") and the catalogue has
//        no match (or always with suggest=1); null for enterprises or when no suggester is set.
//   POST /appeals/{id}/actions/{action}        role per machine (meta "roles"); officers only on
//        appeals of their unit, enterprises only their own. Body: string fields by action:
//          answer_directly {answer*}            close {}                 reject {reason_code*,note}
//          dispatch {lead_unit*,assisting_units:"6,8"}                  (ids; catalogue can fill)
//          object_dispatch {reason*}  uphold_dispatch {reason*}  redispatch {lead_unit*,
//          assisting_units}  sign_for {}  contact {note*}  add_progress {note*}
//          wait_for_enterprise {reason*,expected_date* YYYY-MM-DD}  resume {note}
//          request_extension {reason*,extra_days*}  approve_extension {}  deny_extension {reason*}
//          reply {reply*}  begin_check {}  pass_check {}  rework {reason*}
//          record_visit {requester* (user id),resolved* yes|no,satisfaction* satisfied|basically|
//            not}   archive {resolved*,satisfaction*,requester}  urge {note}
//          supervise {reason*}  book_reception {slot_id*}  record_reception {outcome*,booking_id}
//          merge {master_id*}
//        Values may be JSON strings or numbers. → 200 appeal object (after the action).
//        Errors: 409 "flow.transition_not_allowed" (field "action") from the current state,
//        403 "flow.role" (field "role"), 400 "flow.required" naming the missing field,
//        400 "flow.guard.*" naming the bad field, 404 unknown appeal / not visible,
//        404 "appeal.unknown_action" for an unknown action name.
//   POST /appeals/{id}/attachments?name=file.pdf   same visibility, not enterprises of other
//        orgs; raw body (Content-Type kept), at most 10 MiB (429 "appeal.attachment_too_large";
//        the server's own body limit may answer 413 first),
//        empty → 400 field "body". Stored in <data>/attachments/<sha256>. 201 → attachment.
//   GET  /appeals/{id}/attachments/{att}       same visibility; the bytes.
//   GET  /appeals/export.xlsx?<same filters as the list>  officer/leaders; the queue as .xlsx.
//
// ---- dispatch catalogue (type × chain × district → lead unit + assisting units) --------------
//   GET    /appeal-catalogue                   officer/leaders. {"items":[{"id","type",
//          "chain_id"|null,"district"|"" ,"lead_unit","lead_unit_name","assisting_units":[..],
//          "updated_at"}]}  (null/"" = any; most specific match wins: type+chain+district, then
//          type+chain, type+district, type)
//   POST   /appeal-catalogue                   operator. {"type"*,"chain_id","district",
//          "lead_unit"*,"assisting_units":[ids]} → 201 entry; 409 "catalogue.duplicate".
//   PUT    /appeal-catalogue/{id}              operator. same body → 200 entry.
//   DELETE /appeal-catalogue/{id}              operator. → 204.
//   GET    /appeal-catalogue/resolve?type=&chain=&district=   officer/leaders →
//          {"lead_unit":5|null,"assisting_units":[..],"entry_id":3|null}
//   POST   /appeal-catalogue/import?mode=merge|replace&dry_run=1   operator. Body: the CSV or
//          .xlsx file (detected from the bytes). Columns type*,chain_id|chain_code (id, code
//          or name),district,lead_unit*,assisting_units (units by org id or name, split by
//          ';' ',' '、'); *_name columns are ignored; Chinese headers 类型/产业链/区县/主办单位/
//          协办单位 work too. A row's key is type × chain × district: existing entries are
//          updated, new ones inserted; replace also deletes entries the file does not list.
//          All or nothing → 200 {"rows","imported","inserted","updated","deleted",
//          "committed":true,"errors":[]}; any row problem → 422 with the same body,
//          "committed":false and "errors":[{row,column,reason,message,message_zh}] (nothing
//          written); 400 problem naming "file" (empty, unreadable) or the column
//          (import.unknown_column / import.missing_column / import.duplicate_column).
//   GET    /appeal-catalogue/export.csv | export.xlsx   officer/leaders. The catalogue in the
//          import's columns plus lead_unit_name, assisting_unit_names (re-importable as is).
//
// ---- duty rota and receptions -------------------------------------------------------------------
//   GET  /duty-rota?from=&to=                  signed in (default: 28 days from today).
//        {"days":[{"date","user_id"|null,"name","working_day":true}]}  (one per working day)
//   PUT  /duty-rota/{date}                     operator. {"user_id"*} → 200 day; 400 naming
//        "date" when not a working day.
//   GET  /receptions?from=&to=&kind=duty|chain&chain=   signed in. {"items":[{"id","kind",
//        "chain_id"|null,"date","start":"09:00","end":"11:00","host_user_id","host_name",
//        "capacity":4,"booked":2,"available":2,"location"}]}
//   POST /receptions                           operator. {"kind"*,"date"*,"start"*,"end"*,
//        "host_user_id"*,"capacity"*,"chain_id" (kind chain),"location"} → 201 reception.
//   GET  /receptions/{id}                      signed in; reception + "bookings":[{"id",
//        "reception_id","appeal_id","appeal_title","org_id","org_name","org_name_en","auto":false,
//        "status","outcome","note","created_at"}]
//        (enterprises see only their own bookings).
//   POST /receptions/{id}/bookings             enterprise (own appeal) or leaders.
//        {"appeal_id"*,"note"} → 201 booking. Full → 409 "reception.full" (field "reception_id");
//        appeal already booked there → 409 "reception.duplicate"; past date → 400 "date".
//   POST /receptions/{id}/bookings/{bid}/outcome   host, operator. {"outcome"*} → 200 booking;
//        also records "appeal.reception_recorded" on the appeal.
//   Escalation: an appeal whose resolution clock breaches, or urged ≥ 3 times, becomes
//   supervised ("appeal.supervised") and is booked into the next reception with room (chain
//   reception of its chain if any, else the duty director's) → "appeal.reception_booked".
//
// ---- metrics
// -------------------------------------------------------------------------------------
//   GET /appeals/metrics?from=&to=&by=department|chain|district|type|period|none&period=month|
//       week&weights=30,35,35                  officer/leaders (officers: their units only).
//       Appeals counted: created in [from,to] (dates inclusive), not merged, not rejected.
//       → {"from","to","by","weights":{"response":0.3,"resolution":0.35,"satisfaction":0.35},
//          "definitions":{"response_rate":{"zh":"…","en":"…"},…},
//          "rows":[{"key":"5","label":"…","appeals":N,"response_rate":0.93,"resolution_rate":0.8,
//                   "satisfaction_rate":0.9,"composite":0.87,"on_time_closure_rate":0.7,
//                   "rework_rate":0.05,"urging_rate":0.1,"closed":n,"visited":n,
//                   "hours_to_sign_for":{"median":2.5,"p90":7.0},"hours_to_contact":{..},
//                   "hours_to_resolution":{..},"rank":1}],      // ranked by composite desc
//          "total":{same fields, key "all"}}
//       Definitions: response = contacted within the response goal / dispatched;
//       resolution = visits answering resolved=yes / visits; satisfaction = visits satisfied or
//       basically satisfied / visits; composite = weighted sum; rates of an empty denominator
//       are null (composite then uses the weights of the defined rates).
//   GET /appeals/metrics.xlsx?<same>           same, as a workbook (one sheet).
//   GET /appeals/hotspots?from=&to=&min=3      officer/leaders. {"items":[{"type","chain_id",
//       "district","appeals":N,"enterprises":M,"sample_ids":[..],"source":"text"|"fields",
//       "label":"…","keywords":[..]}]}  (clusters of similar text from the search module when it
//       is on — type = the members' most common type, chain_id null, district "" —, else
//       exact-field grouping with label "" and keywords [].)
//
// ---- group webhooks (政企服务群) ---------------------------------------------------------------
//   POST /appeals/webhooks/wecom?timestamp=&nonce=&signature=   public, signed:
//        signature = hex sha256(secret + timestamp + nonce + raw body). Body WeCom group-robot
//        callback shape {"msgtype":"text","text":{"content":"…"},"from":{"userid":"…"},
//        "chatid":"…","msgid":"…"}.
//   POST /appeals/webhooks/dingtalk            public, signed: headers "timestamp" (ms) and
//        "sign" = base64(hmac_sha256(secret, timestamp + "\n" + secret)). Body DingTalk outgoing
//        robot shape {"msgtype":"text","text":{"content":"…"},"senderStaffId":"…",
//        "senderNick":"…","conversationId":"…","msgId":"…"}.
//        Both: timestamp older/newer than 5 minutes → 401 "webhook.stale"; bad signature →
//        401 "webhook.signature"; msgid seen before → 200 {"duplicate":true} and nothing changes;
//        unknown sender → 202 {"unmapped":true} (message kept for the operator);
//        mapped → 200 {"appeal_id":N,"appended":bool} (same enterprise and same normalised text
//        within 7 days → appended to that open appeal as a progress note, else a new appeal,
//        channel "group").
//   GET    /appeals/group-senders              operator. {"items":[{"id","platform":"wecom"|
//          "dingtalk","sender":"…","org_id","org_name"}]}
//   POST   /appeals/group-senders              operator. {"platform"*,"sender"*,"org_id"*} → 201.
//   DELETE /appeals/group-senders/{id}         operator. → 204.
//   Secrets come from settings "appeals.webhook.wecom_secret" / "…dingtalk_secret" at start-up;
//   a rotated secret (below) takes precedence from the moment it is committed, no restart.
//   GET    /appeals/webhook-secrets            operator. {"items":[{"platform","configured",
//          "source":"rotated"|"startup"|"","rotated_at"|null,"fingerprint":"1a2b3c4d"}]}
//          (never the secrets themselves)
//   POST   /appeals/webhook-secrets/{platform}/rotate   operator. {"secret"} optional (16-256
//          printable ASCII, no spaces; omitted → random) → 200 {"platform","secret" (shown
//          once),"rotated_at","fingerprint"}; event "appeal.webhook_secret_rotated"; the old
//          secret is refused (401 "webhook.signature") from then on. 400 naming "platform" /
//          "secret".
// ============================================================================================

// Registers the routes above on `router` (the service must outlive it).
void RegisterRoutes(http::Router& router, AppealService& service);

// The metrics JSON of GET /appeals/metrics (`full`: with the hours quantiles), shared with the
// CLI (`kechan appeals metrics --json`).
std::string MetricsJson(const MetricsResult& m, bool full);
// The metrics as a table (rank, key, label, counts, rates) for .xlsx export.
table::Table MetricsTable(const MetricsResult& m);

}  // namespace kechan::appeals
