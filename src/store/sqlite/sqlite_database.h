// The SQLite adapter of the Database port: one serialized writer connection, a pool of read-only
// connections, WAL, per-connection prepared-statement caches and online backup. Internal to
// store/; callers use store::Open().
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace kechan::store::sqlite {

// Opens (creating when missing, with its parent directories) the SQLite database at `path`.
// ":memory:" gives a private database in a temporary file removed when the Database is destroyed
// (a file, so the writer and the readers can share it). Errors: kUnavailable when the file cannot
// be opened or locked, kInternal when the database cannot be configured.
Result<std::unique_ptr<Database>> Open(const OpenOptions& options, std::string path);

}  // namespace kechan::store::sqlite
