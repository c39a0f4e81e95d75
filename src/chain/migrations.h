// The chain module's numbered schema migrations (module "chain"): clusters, chains, nodes,
// enterprises with yearly facts, enterprise↔node links, supply links, parks and occupancy
// observations. Every record carries provenance (source, source_date) and validity dates.
#pragma once

#include <vector>

#include "store/migrations.h"

namespace kechan::chain {

// Returns the chain migrations in version order.
std::vector<store::Migration> Migrations();

}  // namespace kechan::chain
