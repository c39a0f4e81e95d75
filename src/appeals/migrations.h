// The appeals module's numbered schema migrations (module "appeals"): appeals, their history,
// requesters, attachments, the dispatch catalogue, the duty rota, receptions and bookings, and
// the group-webhook sender map and message ids.
#pragma once

#include <vector>

#include "store/migrations.h"

namespace kechan::appeals {

// Returns the appeals migrations in version order.
std::vector<store::Migration> Migrations();

}  // namespace kechan::appeals
