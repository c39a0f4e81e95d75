// appeals metrics storage: the per-appeal facts row (appeal_facts, migration 2) that the metrics
// (AppealService::Metrics, the three rates and the working-hour quantiles) read instead of
// recomputing every appeal, kept in the same write transaction as every change to the appeal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "appeals/model.h"
#include "base/calendar.h"
#include "base/result.h"
#include "store/database.h"

namespace kechan::appeals {

// What the metrics need of one appeal, as derived from its appeals row, its requesters and its
// history. Value type. Working times are microseconds of office time on the business calendar.
struct AppealFacts {
  int64_t appeal_id = 0;
  base::Micros created_at = 0;
  bool counted = true;  // neither merged nor rejected
  std::optional<int64_t> lead_unit;
  std::optional<int64_t> chain_id;
  std::string district;
  std::string type;
  bool dispatched = false;
  bool responded_on_time = false;  // dispatched and contacted within the response goal
  bool reworked = false;           // dispatched and sent back at least once
  bool urged = false;              // dispatched and urged at least once
  bool replied = false;
  bool replied_on_time = false;
  bool closed = false;
  int64_t visits = 0;  // requesters visited
  int64_t resolved_yes = 0;
  int64_t satisfied = 0;                   // satisfied or basically satisfied
  std::optional<base::Micros> sign_for;    // dispatch → sign-for
  std::optional<base::Micros> contact;     // dispatch → contact
  std::optional<base::Micros> resolution;  // dispatch → reply, paused time excluded
  base::Micros paused = 0;                 // paused (waiting-for-enterprise) working time
};

// The packed counters of a facts row (column appeal_facts.bits): bit 0 dispatched, 1
// responded_on_time, 2 reworked, 3 urged, 4 replied, 5 replied_on_time, 6 closed; then three
// 18-bit fields from bit 7: visits, resolved_yes, satisfied (each clamped to 2^18 - 1).
int64_t PackFactBits(const AppealFacts& f);
// Adds the counters of packed `bits` (one appeal) to `row` (appeals + 1).
void AddFactBits(int64_t bits, MetricRow& row);

// Fingerprint of everything working times depend on: office hours and every covered year's
// notice days. Facts rows carry the tag of the calendar they were computed with; rows with
// another tag are recomputed when read.
std::string CalendarTag(const base::BusinessCalendar& cal);

// Working time within [from, to) minus the working time of the pauses (waiting for the
// enterprise: from an "appeal.waiting_for_enterprise" entry to the next "appeal.resumed") inside
// it. `history` holds (at, kind) in (at, seq) order; other kinds are ignored.
struct PauseEvent {
  base::Micros at = 0;
  std::string kind;
};
base::Micros PausedWorkingTime(const std::vector<PauseEvent>& history, base::Micros from,
                               base::Micros to, const base::BusinessCalendar& cal);

// Recomputes the facts row of appeal `id` from its row, requesters and history and stores it.
// Call it in the transaction that changes the appeal (creation and every action).
base::Status RefreshFacts(store::Tx& tx, int64_t id, const base::BusinessCalendar& cal);

// Computes the facts of appeal `id` (no write). NotFound when there is no such appeal.
base::Result<AppealFacts> LoadFacts(store::Tx& tx, int64_t id, const base::BusinessCalendar& cal);

// Rewrites every facts row whose calendar tag differs from `cal`'s (after a calendar change or
// the migration's backfill), in batches of `batch` appeals per write transaction. Returns the
// number of rows rewritten.
base::Result<int64_t> RebuildStaleFacts(store::Database& db, const base::BusinessCalendar& cal,
                                        int64_t batch = 2000);

// appeal_fact_sums (appeals migration 4): the counters of the counted, computed (bits >= 0)
// facts rows per (dim, created_day, group_key), dim one of department (lead unit id, '' when not
// dispatched), chain (id or ''), district, type. Kept by every facts write (RefreshFacts,
// RebuildStaleFacts) in the same transaction; AppealService::Metrics reads it when no hour
// samples are asked for.
//
// The statements (separated by ";\n") that fill appeal_fact_sums from appeal_facts (the
// migration's backfill); both dialects.
std::string FactSumsFromFactsSql();
// Recomputes appeal_fact_sums from appeal_facts in one write transaction (repair; data written
// around the facts path).
base::Status RebuildFactSums(store::Database& db);

}  // namespace kechan::appeals
