// The notify module's numbered schema migrations (module "notify"): the in-app inbox, robot
// targets, the delivery outbox and its attempt log.
#pragma once

#include <vector>

#include "store/migrations.h"

namespace kechan::notify {

// Returns the notify migrations in version order.
std::vector<store::Migration> Migrations();

}  // namespace kechan::notify
