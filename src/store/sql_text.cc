#include "store/sql_text.h"

#include <cctype>
#include <cstddef>

namespace kechan::store::internal {
namespace {

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
}
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

bool EqualsUpper(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) {
    return false;
  }
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(word[i])) != upper[i]) {
      return false;
    }
  }
  return true;
}

// If a dollar-quote opener ($$ or $tag$) starts at `i`, returns its length, else 0.
size_t DollarTagLength(std::string_view s, size_t i) {
  if (s[i] != '$') {
    return 0;
  }
  size_t j = i + 1;
  if (j < s.size() && s[j] == '$') {
    return 2;
  }
  if (j >= s.size() || !IsIdentStart(s[j])) {
    return 0;
  }
  while (j < s.size() && IsIdentChar(s[j])) {
    ++j;
  }
  if (j < s.size() && s[j] == '$') {
    return j - i + 1;
  }
  return 0;
}

// Skips a quoted, commented or dollar-quoted region starting at `i`; returns the index after it,
// or `i` when nothing special starts there. `backslash_escapes` is for E'…' literals.
size_t SkipSpecial(std::string_view s, size_t i, bool backslash_escapes) {
  const char c = s[i];
  if (c == '\'' || c == '"') {
    size_t j = i + 1;
    while (j < s.size()) {
      if (backslash_escapes && c == '\'' && s[j] == '\\') {
        j += 2;
        continue;
      }
      if (s[j] == c) {
        if (j + 1 < s.size() && s[j + 1] == c) {  // doubled quote inside the literal
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
    return s.size();
  }
  if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
    size_t j = s.find('\n', i);
    return j == std::string_view::npos ? s.size() : j;  // keep the newline itself
  }
  if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
    int depth = 1;  // PostgreSQL nests block comments
    size_t j = i + 2;
    while (j < s.size() && depth > 0) {
      if (s[j] == '/' && j + 1 < s.size() && s[j + 1] == '*') {
        ++depth;
        j += 2;
      } else if (s[j] == '*' && j + 1 < s.size() && s[j + 1] == '/') {
        --depth;
        j += 2;
      } else {
        ++j;
      }
    }
    return j;
  }
  if (c == '$') {
    size_t len = DollarTagLength(s, i);
    if (len > 0) {
      std::string_view tag = s.substr(i, len);
      size_t end = s.find(tag, i + len);
      return end == std::string_view::npos ? s.size() : end + len;
    }
  }
  return i;
}

bool IsCommentStart(std::string_view s, size_t i) {
  return (s[i] == '-' && i + 1 < s.size() && s[i + 1] == '-') ||
         (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*');
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && IsBlank(s[b])) {
    ++b;
  }
  while (e > b && IsBlank(s[e - 1])) {
    --e;
  }
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::vector<std::string> SplitStatements(std::string_view script) {
  std::vector<std::string> out;
  size_t start = 0;
  size_t i = 0;
  int block_depth = 0;
  bool has_code = false;  // the current part holds more than blanks and comments
  auto flush = [&](size_t end) {
    if (has_code) {
      out.push_back(Trim(script.substr(start, end - start)));
    }
    has_code = false;
  };
  while (i < script.size()) {
    const char c = script[i];
    const bool e_literal = (c == 'E' || c == 'e') && i + 1 < script.size() &&
                           script[i + 1] == '\'' && (i == 0 || !IsIdentChar(script[i - 1]));
    if (e_literal) {
      has_code = true;
      i = SkipSpecial(script, i + 1, /*backslash_escapes=*/true);
      continue;
    }
    size_t next = SkipSpecial(script, i, /*backslash_escapes=*/false);
    if (next != i) {
      if (!IsCommentStart(script, i)) {
        has_code = true;
      }
      i = next;
      continue;
    }
    if (IsIdentStart(c) && (i == 0 || !IsIdentChar(script[i - 1]))) {
      size_t j = i;
      while (j < script.size() && IsIdentChar(script[j])) {
        ++j;
      }
      std::string_view word = script.substr(i, j - i);
      if (EqualsUpper(word, "BEGIN") || EqualsUpper(word, "CASE")) {
        ++block_depth;
      } else if (EqualsUpper(word, "END") && block_depth > 0) {
        --block_depth;
      }
      has_code = true;
      i = j;
      continue;
    }
    if (c == ';' && block_depth == 0) {
      size_t j = i + 1;
      while (j < script.size() && (script[j] == ' ' || script[j] == '\t' || script[j] == '\r')) {
        ++j;
      }
      const bool at_line_end = j >= script.size() || script[j] == '\n' ||
                               (script[j] == '-' && j + 1 < script.size() && script[j + 1] == '-');
      if (at_line_end) {
        flush(i);
        start = i + 1;
        i = i + 1;
        continue;
      }
    }
    if (!IsBlank(c)) {
      has_code = true;
    }
    ++i;
  }
  flush(script.size());
  return out;
}

RewrittenSql RewritePlaceholders(std::string_view sql) {
  RewrittenSql out;
  out.sql.reserve(sql.size() + 16);
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const bool e_literal = (c == 'E' || c == 'e') && i + 1 < sql.size() && sql[i + 1] == '\'' &&
                           (i == 0 || !IsIdentChar(sql[i - 1]));
    size_t next = e_literal ? SkipSpecial(sql, i + 1, /*backslash_escapes=*/true)
                            : SkipSpecial(sql, i, /*backslash_escapes=*/false);
    if (next != i) {
      out.sql.append(sql.substr(i, next - i));
      i = next;
      continue;
    }
    if (IsIdentStart(c) && (i == 0 || !IsIdentChar(sql[i - 1]))) {
      // Copy whole identifiers so a '$' inside one (legal in PostgreSQL) is not a dollar quote.
      size_t j = i;
      while (j < sql.size() && (IsIdentChar(sql[j]) || sql[j] == '$')) {
        ++j;
      }
      out.sql.append(sql.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '?') {
      out.sql += '$';
      out.sql += std::to_string(++out.params);
    } else {
      out.sql += c;
    }
    ++i;
  }
  return out;
}

std::string FirstKeyword(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (IsBlank(sql[i]) || sql[i] == '(') {
      ++i;
      continue;
    }
    if (IsCommentStart(sql, i)) {
      i = SkipSpecial(sql, i, false);
      continue;
    }
    break;
  }
  std::string word;
  while (i < sql.size() && IsIdentChar(sql[i])) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
    ++i;
  }
  return word;
}

namespace {
bool PlainIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}
}  // namespace

base::Result<size_t> AppendRowCount(std::string_view table, std::span<const std::string> columns,
                                    size_t value_count) {
  auto bad = [](const std::string& why) {
    return base::InvalidArgument("", "store.append_rows", "AppendRows: " + why,
                                 "批量写入参数无效：" + why);
  };
  if (!PlainIdentifier(table)) {
    return bad("the table name \"" + std::string(table) + "\" is not a plain identifier");
  }
  if (columns.empty()) {
    return bad("no columns");
  }
  for (const std::string& c : columns) {
    if (!PlainIdentifier(c)) {
      return bad("the column name \"" + c + "\" is not a plain identifier");
    }
  }
  if (value_count % columns.size() != 0) {
    return bad(std::to_string(value_count) + " values do not make rows of " +
               std::to_string(columns.size()) + " columns");
  }
  return value_count / columns.size();
}

}  // namespace kechan::store::internal
