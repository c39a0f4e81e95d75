// Writing a Table as an .xlsx workbook with libxlsxwriter. libxlsxwriter 1.1.4 (Debian 12) only
// writes to a named file, so the workbook goes to a private temporary file that is read back and
// removed.
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/utf8.h"
#include "table/table.h"

namespace kechan::table {
namespace {

constexpr size_t kMaxRows = 1048576;
constexpr size_t kMaxColumns = 16384;
constexpr int kMinWidth = 6;
constexpr int kMaxWidth = 60;

base::Status RowError(size_t row, const std::string& reason, const std::string& en,
                      const std::string& zh) {
  const std::string n = std::to_string(row);
  return base::InvalidArgument("row " + n, reason, "row " + n + ": " + en,
                               "第 " + n + " 行：" + zh);
}

// Returns the sheet name Excel accepts: forbidden characters replaced, at most 31 characters.
std::string SheetName(std::string_view wanted) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < wanted.size() && chars < 31;) {
    const auto b = static_cast<unsigned char>(wanted[i]);
    const size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
    std::string ch(wanted.substr(i, len));
    if (ch.size() == 1 && (std::string_view("[]:*?/\\").find(ch[0]) != std::string_view::npos ||
                           static_cast<unsigned char>(ch[0]) < 0x20)) {
      ch = "_";
    }
    out += ch;
    ++chars;
    i += len;
  }
  if (!out.empty() && out.front() == '\'') {
    out.front() = '_';
  }
  if (!out.empty() && out.back() == '\'') {
    out.back() = '_';
  }
  if (out.empty() || !base::IsValidUtf8(out)) {
    return "Sheet1";
  }
  return out;
}

// Returns the number when Excel (libxlsxwriter's "%.16G") would write it back as exactly `s`.
bool AsNumber(const std::string& s, double& value) {
  if (s.empty() || s.size() > 17) {
    return false;
  }
  size_t i = s[0] == '-' ? 1 : 0;
  const size_t digits_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    ++i;
  }
  const size_t int_digits = i - digits_start;
  if (int_digits == 0 || (int_digits > 1 && s[digits_start] == '0')) {
    return false;
  }
  if (i < s.size()) {
    if (s[i] != '.' || i + 1 == s.size()) {
      return false;
    }
    for (++i; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') {
        return false;
      }
    }
  }
  char* end = nullptr;
  value = std::strtod(s.c_str(), &end);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.16G", value);
  return s == buf;
}

// Removes the temporary file when the write is done, whatever happens.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }
};

}  // namespace

base::Result<std::string> WriteXlsx(const Table& t, std::string_view sheet_name) {
  if (t.rows.size() + 1 > kMaxRows) {
    return base::InvalidArgument(
        "file", "xlsx.too_many_rows",
        "file: " + std::to_string(t.rows.size()) +
            " rows do not fit in one Excel sheet (1,048,575)",
        "文件：" + std::to_string(t.rows.size()) + " 行超出 Excel 单个工作表上限（1,048,575 行）");
  }
  size_t columns = t.header.size();
  for (const auto& r : t.rows) {
    columns = std::max(columns, r.size());
  }
  if (columns > kMaxColumns) {
    return base::InvalidArgument("file", "xlsx.too_many_columns",
                                 "file: more than 16,384 columns do not fit in an Excel sheet",
                                 "文件：列数超出 Excel 上限（16,384 列）");
  }
  // Validate before writing anything: libxlsxwriter would write invalid UTF-8 as is.
  std::vector<int> widths(columns, kMinWidth);
  auto measure = [&](const std::vector<std::string>& row, size_t row_number) -> base::Status {
    for (size_t c = 0; c < row.size(); ++c) {
      if (!base::IsValidUtf8(row[c])) {
        return RowError(row_number, "xlsx.invalid_utf8", "the text is not valid UTF-8",
                        "文本不是有效的 UTF-8 编码");
      }
      widths[c] = std::max(widths[c], std::min(DisplayWidth(row[c]), kMaxWidth));
    }
    return base::Status::Ok();
  };
  KECHAN_RETURN_IF_ERROR(measure(t.header, 1));
  for (size_t r = 0; r < t.rows.size(); ++r) {
    KECHAN_RETURN_IF_ERROR(measure(t.rows[r], r + 2));
  }

  TempFile tmp;
  {
    std::error_code ec;
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "kechan-xlsx-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) {
      return base::Internal("xlsx.write", "cannot create a temporary file for the workbook");
    }
    ::close(fd);
    tmp.path = pattern;
  }

  lxw_workbook* wb = workbook_new(tmp.path.c_str());
  if (wb == nullptr) {
    return base::Internal("xlsx.write", "cannot start the workbook");
  }
  std::string name = SheetName(sheet_name);
  if (workbook_validate_sheet_name(wb, name.c_str()) != LXW_NO_ERROR) {
    name = "Sheet1";
  }
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  lxw_format* bold = workbook_add_format(wb);
  if (ws == nullptr || bold == nullptr) {
    workbook_close(wb);
    return base::Internal("xlsx.write", "cannot add the worksheet");
  }
  format_set_bold(bold);

  base::Status failure;
  auto write_row = [&](const std::vector<std::string>& row, size_t index, lxw_format* format) {
    for (size_t c = 0; c < row.size() && failure.ok(); ++c) {
      if (row[c].empty()) {
        continue;
      }
      double number = 0;
      const auto r = static_cast<lxw_row_t>(index);
      const auto col = static_cast<lxw_col_t>(c);
      lxw_error err = AsNumber(row[c], number)
                          ? worksheet_write_number(ws, r, col, number, format)
                          : worksheet_write_string(ws, r, col, row[c].c_str(), format);
      if (err == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED) {
        failure = RowError(index + 1, "xlsx.cell_too_long",
                           "a cell is longer than Excel's 32,767 characters",
                           "单元格超过 Excel 上限 32,767 个字符");
      } else if (err != LXW_NO_ERROR) {
        failure =
            base::Internal("xlsx.write", std::string("cannot write a cell: ") + lxw_strerror(err));
      }
    }
  };
  if (!t.header.empty()) {
    write_row(t.header, 0, bold);
    worksheet_freeze_panes(ws, 1, 0);
  }
  const size_t first = t.header.empty() ? 0 : 1;
  for (size_t r = 0; r < t.rows.size() && failure.ok(); ++r) {
    write_row(t.rows[r], r + first, nullptr);
  }
  for (size_t c = 0; c < columns; ++c) {
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths[c] + 2,
                         nullptr);
  }
  const lxw_error closed = workbook_close(wb);
  if (!failure.ok()) {
    return failure;
  }
  if (closed != LXW_NO_ERROR) {
    return base::Internal("xlsx.write",
                          std::string("cannot write the workbook: ") + lxw_strerror(closed));
  }
  std::ifstream in(tmp.path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return base::Internal("xlsx.write", "cannot read the workbook back");
  }
  return bytes;
}

}  // namespace kechan::table
