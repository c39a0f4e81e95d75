// Internal to store/: the bilingual Status values every adapter returns, so the SQLite and
// PostgreSQL adapters map driver errors onto the same codes, reasons and messages.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kechan::store::internal {

// A unique or primary-key violation (kAlreadyExists). `field` names the column when known.
base::Status UniqueViolation(std::string field, std::string_view detail);
// A check, not-null or foreign-key violation (kInvalidArgument).
base::Status ConstraintViolation(std::string field, std::string_view detail);
// The database is busy, locked, restarting or unreachable (kUnavailable).
base::Status Busy(std::string_view detail);
// Anything else the driver reported (kInternal); `detail` goes into the English message.
base::Status DriverError(std::string_view detail);
// A statement failed earlier in this transaction; it can only be rolled back.
base::Status TxAborted(const base::Status& first_error);
// The transaction was already committed or rolled back.
base::Status TxFinished();

}  // namespace kechan::store::internal
