#include "store/database.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <type_traits>

#include "store/postgres/pg_database.h"
#include "store/sql_text.h"
#include "store/sqlite/sqlite_database.h"

namespace kechan::store {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string FormatDouble(double d) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, res.ptr);
}

}  // namespace

Result<int64_t> Tx::AppendRows(std::string_view table, std::span<const std::string> columns,
                               std::span<const Value> values) {
  KECHAN_ASSIGN_OR_RETURN(size_t rows, internal::AppendRowCount(table, columns, values.size()));
  constexpr size_t kRowsPerStatement = 200;
  const size_t width = columns.size();
  std::string head = "INSERT INTO " + std::string(table) + " (";
  for (size_t c = 0; c < width; ++c) {
    head += (c ? ", " : "") + columns[c];
  }
  head += ") VALUES ";
  std::string one = "(";
  for (size_t c = 0; c < width; ++c) {
    one += c ? ", ?" : "?";
  }
  one += ")";
  int64_t written = 0;
  std::string sql;
  for (size_t first = 0; first < rows; first += kRowsPerStatement) {
    const size_t n = std::min(kRowsPerStatement, rows - first);
    sql = head;
    for (size_t k = 0; k < n; ++k) {
      if (k > 0) {
        sql += ", ";
      }
      sql += one;
    }
    KECHAN_ASSIGN_OR_RETURN(int64_t changed, Exec(sql, values.subspan(first * width, n * width)));
    written += changed;
  }
  return written;
}

// Conversions between column types are lenient so code written against one backend reads the
// other: integers widen to double, doubles truncate to integers, text parses as a number (0 when it
// does not parse), numbers print as text.
int64_t Row::Int(size_t i) const {
  return std::visit(
      [](const auto& v) -> int64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return 0;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return v;
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v) || v >= 9.2e18 || v <= -9.2e18) {
            return 0;
          }
          return static_cast<int64_t>(v);
        } else {
          int64_t out = 0;
          std::from_chars(v.data(), v.data() + v.size(), out);
          return out;
        }
      },
      cols_.at(i));
}

double Row::Real(size_t i) const {
  return std::visit(
      [](const auto& v) -> double {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return 0.0;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return static_cast<double>(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return v;
        } else {
          double out = 0.0;
          std::from_chars(v.data(), v.data() + v.size(), out);
          return out;
        }
      },
      cols_.at(i));
}

std::string Row::Text(size_t i) const {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return {};
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return FormatDouble(v);
        } else {
          return v;
        }
      },
      cols_.at(i));
}

Result<std::unique_ptr<Database>> Open(const OpenOptions& options) {
  const std::string& url = options.url;
  if (url.empty()) {
    return base::InvalidArgument("database.url", "store.url_empty", "The database URL is empty",
                                 "数据库地址 (database.url) 不能为空");
  }
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
    return postgres::Open(options);
  }
  if (StartsWith(url, "sqlite:")) {
    return sqlite::Open(options, url.substr(7));
  }
  if (url.find("://") != std::string::npos) {
    // Only the scheme is echoed: the rest of the URL may hold a password.
    const std::string scheme = url.substr(0, url.find("://"));
    return base::InvalidArgument(
        "database.url", "store.url_scheme",
        "Unknown database URL scheme '" + scheme + "': use sqlite:PATH or postgresql://...",
        "无法识别的数据库地址 (database.url)：请使用 sqlite:路径 或 postgresql://...");
  }
  return sqlite::Open(options, url);
}

}  // namespace kechan::store
