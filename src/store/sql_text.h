// Internal to store/: pure functions over SQL text shared by the migrations and the adapters —
// splitting a script into statements and rewriting `?` placeholders for PostgreSQL.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kechan::store::internal {

// Splits a migration script into statements. A ';' ends a statement when only blanks or a `--`
// comment follow it on its line, and it is outside quotes ('…', "…"), comments, PostgreSQL
// dollar quotes ($tag$…$tag$) and BEGIN/CASE … END blocks (trigger bodies). Statements are
// returned trimmed and without their final ';'; parts holding only blanks and comments are dropped.
std::vector<std::string> SplitStatements(std::string_view script);

struct RewrittenSql {
  std::string sql;
  int params = 0;
};

// Rewrites each `?` placeholder to $1..$n, leaving alone '?' inside string literals (including
// E'…' with backslash escapes), quoted identifiers, comments and dollar-quoted text. Note: the
// PostgreSQL jsonb operators ?, ?| and ?& cannot be written directly (use jsonb_exists etc.).
RewrittenSql RewritePlaceholders(std::string_view sql);

// Returns the first keyword of `sql` in upper case, skipping blanks and comments ("" if none).
std::string FirstKeyword(std::string_view sql);

// Checks the shape of a Tx::AppendRows call and returns its row count: `table` and every column
// a plain identifier ([A-Za-z_][A-Za-z0-9_]*, no quoting needed on either backend), at least one
// column, and `value_count` a multiple of the column count. kInvalidArgument otherwise.
base::Result<size_t> AppendRowCount(std::string_view table, std::span<const std::string> columns,
                                    size_t value_count);

}  // namespace kechan::store::internal
