// Numbered schema migrations, per module, applied at start-up and by `kechan migrate`.
#pragma once

#include <string>
#include <vector>

#include "store/database.h"

namespace kechan::store {

// One step of one module's schema. `version` counts from 1 within `module`. The SQL may hold
// several statements separated by ';' on their own line endings; when the dialects differ, give
// `postgres_sql` (otherwise `sql` runs on both). Tokens expanded per dialect:
//   {{id}}     an auto-increment 64-bit primary key column type
//   {{blob}}   a binary column type
struct Migration {
  std::string module;
  int version = 0;
  std::string name;
  std::string sql;
  std::string postgres_sql;
};

struct MigrateReport {
  int applied = 0;
  int already = 0;
};

// Applies every migration not yet recorded in schema_migrations, in (module order given, version)
// order, each in its own transaction that also appends a "schema.migrated" event. Errors:
// kFailedPrecondition when the database has a version newer than this binary knows.
Result<MigrateReport> Migrate(Database& db, const std::vector<Migration>& migrations);

// Returns the store's own migrations (schema_migrations, events, event_head).
std::vector<Migration> StoreMigrations();

}  // namespace kechan::store
