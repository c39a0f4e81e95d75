// The auth module's numbered schema migrations (module "auth"): orgs, users, memberships,
// sessions and API tokens. Applied by store::Migrate after the store's own migrations.
#pragma once

#include <vector>

#include "store/migrations.h"

namespace kechan::auth {

// Returns the auth migrations in version order.
std::vector<store::Migration> Migrations();

}  // namespace kechan::auth
