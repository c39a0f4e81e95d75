// The PostgreSQL adapter of the Database port (libpq): a thread-safe connection pool, `?` to $n
// rewriting, per-connection prepared statements and SQLSTATE error mapping. Internal to store/;
// callers use store::Open().
#pragma once

#include <memory>

#include "store/database.h"

namespace kechan::store::postgres {

// Connects to `options.url` (a libpq URL) and returns a pooled Database holding at most
// `options.read_connections` connections (minimum 1); Begin() waits up to busy_timeout_ms for a
// free one. Errors: kUnavailable when the server cannot be reached.
Result<std::unique_ptr<Database>> Open(const OpenOptions& options);

}  // namespace kechan::store::postgres
