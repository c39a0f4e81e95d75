// The policy module's numbered schema migrations (module "policy"): policies, their versions,
// applications / 免申即享 benefits, and the supplementary enterprise facts the module collects.
#pragma once

#include <vector>

#include "store/migrations.h"

namespace kechan::policy {

// Returns the policy migrations in version order.
std::vector<store::Migration> Migrations();

}  // namespace kechan::policy
