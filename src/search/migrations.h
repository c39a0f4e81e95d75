// search/migrations: the search module's tables — the operator-edited thesaurus and the
// feedback on declined matches.
#pragma once

#include <vector>

#include "store/migrations.h"

namespace kechan::search {

std::vector<store::Migration> Migrations();

}  // namespace kechan::search
