// HTTP routes of the notify module: the signed-in user's inbox, and for operators the delivery
// log (with retry), the targets (group robots and e-mail lists) and the SMTP server. Thin: parse ->
// NotifyService -> render.
#pragma once

#include "http/router.h"
#include "notify/service.h"

namespace kechan::notify {

// Registers on `router` (the service must outlive it):
//   GET    /api/v1/inbox?unread=&page=&page_size=   signed in; own items, newest first
//   GET    /api/v1/inbox/unread-count               signed in; {"unread":N}
//   POST   /api/v1/inbox/{id}/read                  signed in; own item (others': 404)
//   POST   /api/v1/inbox/read-all                   signed in; {"marked":N}
//   POST   /api/v1/notify/announcements         operators; a notify block (202 {"event_seq"})
//   GET    /api/v1/notify/deliveries?status=&channel=&event_seq=&target_id=&page=&page_size=
//                                                   operators
//   GET    /api/v1/notify/deliveries/{id}           operators; with every attempt
//   POST   /api/v1/notify/deliveries/{id}/retry     operators; a failed delivery
//   GET    /api/v1/notify/targets                   operators
//   POST   /api/v1/notify/targets                   operators (201)
//   PATCH  /api/v1/notify/targets/{id}              operators
//   DELETE /api/v1/notify/targets/{id}              operators (204)
//   POST   /api/v1/notify/targets/{id}/test         operators; sends a test message now
//   GET    /api/v1/notify/smtp                      operators; the SMTP server in use
//   PUT    /api/v1/notify/smtp                      operators; {host,port,tls,mail_from}
//   DELETE /api/v1/notify/smtp                      operators; back to the configuration
void RegisterRoutes(http::Router& router, NotifyService& service);

}  // namespace kechan::notify
