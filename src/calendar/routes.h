// HTTP routes of the calendar module: covered years, the working/holiday status of a date range,
// and the operator's import of a new year's notice. Thin: parse -> CalendarService -> render.
#pragma once

#include "calendar/service.h"
#include "http/router.h"

namespace kechan::calendar {

inline constexpr int kMaxDaysPerQuery = 400;

// Registers on `router` (the service must outlive it):
//   GET  /api/v1/calendar/years               signed in; covered years with source and notice
//   GET  /api/v1/calendar/days?from=&to=      signed in; each day, at most 400 days
//   POST /api/v1/calendar/years {"text": ...} operators only; imports one year (201)
void RegisterRoutes(http::Router& router, CalendarService& service);

}  // namespace kechan::calendar
