// The calendar module's numbered schema migrations (module "calendar"): the holiday notices an
// operator loaded (calendar_years). Applied by store::Migrate after the store's own migrations.
#pragma once

#include <vector>

#include "store/migrations.h"

namespace kechan::calendar {

// Returns the calendar migrations in version order.
std::vector<store::Migration> Migrations();

}  // namespace kechan::calendar
