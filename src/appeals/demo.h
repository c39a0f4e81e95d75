// The appeals module's synthetic demo data: a few hundred appeals (scale 1) spread over the last
// months in every state, a dispatch catalogue, a duty rota and weekly receptions. Deterministic
// (fixed seed); every enterprise, person and number is synthetic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "appeals/service.h"
#include "base/result.h"

namespace kechan::appeals {

struct DemoReport {
  int64_t appeals = 0;
  int64_t archived = 0;
  int64_t open = 0;
  int64_t receptions = 0;
  int64_t rota_days = 0;
  // {"appeals":N,"archived":N,"open":N,"receptions":N,"rota_days":N}
  std::string ToJson() const;
};

struct DemoOptions {
  int scale = 1;                   // 300 appeals per step
  std::vector<int64_t> chain_ids;  // chains to spread appeals and receptions over
  base::Micros now = 0;            // the real "now"; appeals end before it
};

// Loads the data through AppealService (so every record has its history and events), using a
// fake clock that walks through the past. Reads the departments (orgs of kind government), the
// enterprises and the duty-director / chain-chief accounts from the auth tables.
base::Result<DemoReport> LoadAppealsDemo(store::Database& db, const CalendarProvider& calendar,
                                         const DemoOptions& options);

}  // namespace kechan::appeals
