// table: the one engine for tabular files (CSV and .xlsx) behind every module's import and export.
// Std types only in this header; libxlsxwriter, libzip and pugixml stay inside the .cc files.
// All functions are pure (no shared state) and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace kechan::table {

// A header row and data rows of text cells. Rows may be ragged (a reader never pads a CSV row;
// callers decide whether a short row is an error). Value type; thread-compatible.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // One per row of `rows`: the row number the user sees in the file (spreadsheet style: the
  // header of a file without leading blank lines is row 1). Writers ignore it.
  std::vector<int> row_numbers;
};

// Returns the width of `text` in monospace columns: East Asian wide/fullwidth characters (CJK,
// Hangul, fullwidth forms, emoji) count 2, everything else 1.
int DisplayWidth(std::string_view text);

// Returns true when `bytes` starts like a zip archive (an .xlsx file), so callers can accept
// either format without trusting a file name.
bool LooksLikeXlsx(std::string_view bytes);

// Reads RFC 4180 CSV: fields separated by ',', optionally quoted with '"' ("" inside quotes is a
// quote; a quote inside an unquoted field is literal), records end at LF or CRLF (inside quotes
// they are part of the field), a leading UTF-8 BOM is skipped, blank lines are skipped (they
// still count for row numbers). The first non-blank record is the header. A row's number is the
// line on which it starts. Errors: InvalidArgument with field "row N" and reason
// "csv.unterminated_quote" or "csv.invalid_utf8".
base::Result<Table> ReadCsv(std::string_view text);

enum class Bom { kNone, kUtf8 };
enum class LineEnd { kLf, kCrlf };
struct CsvWriteOptions {
  Bom bom = Bom::kNone;  // kUtf8 makes Excel open the file as UTF-8 (needed for Chinese text)
  LineEnd line_end = LineEnd::kLf;
};

// Renders `t` as CSV: the header (when not empty) then every row; a field is quoted when it
// contains ',', '"', CR or LF, or starts or ends with a space or tab. ReadCsv reads it back to
// the same cells.
std::string WriteCsv(const Table& t, const CsvWriteOptions& options = {});

struct XlsxReadOptions {
  // Largest uncompressed size of any one part (sheet XML, shared strings) read from the archive;
  // guards against zip bombs. The default fits a 1,048,576-row sheet of a few short columns.
  size_t max_part_bytes = size_t{1} << 30;
};

// Reads the first worksheet of an .xlsx workbook. Cells: shared strings, inline strings,
// formula string results, numbers (an integral value renders without ".0" or exponent, other
// numbers exactly as written in the XML), booleans ("TRUE"/"FALSE") and error values ("#N/A").
// Dates are NOT converted: Excel stores them as serial day numbers, which come back as numbers
// ("45292"); importers that need dates ask users to format those columns as text. Cells land in
// the column of their reference ("C7" is column 3) with gaps filled by ""; rows without any
// non-empty cell are skipped; trailing empty cells are dropped and every row is padded with ""
// to the header's width. The first non-empty row is the header; row numbers are the sheet's.
// Errors: InvalidArgument, field "file", reasons "xlsx.not_zip" (not a zip archive),
// "xlsx.missing_part" (no workbook, relationship or worksheet part), "xlsx.bad_xml",
// "xlsx.too_large" (a part above max_part_bytes); field "row N", reason "xlsx.bad_cell" (a bad
// or out-of-order cell reference or shared-string index).
base::Result<Table> ReadXlsx(std::string_view bytes, const XlsxReadOptions& options = {});

// Renders `t` as an .xlsx workbook with one worksheet named `sheet_name` (characters Excel
// forbids are replaced by '_', cut to 31 characters, "Sheet1" when empty): header row bold and
// frozen, column widths from the content (CJK counts double). A cell whose text is a number
// that Excel would write back identically ("42", "-3.5") is stored as a number, anything else
// ("007", "123456789.00", a USCC) as text, so ReadXlsx returns the same cells. Errors:
// InvalidArgument field "row N" reason "xlsx.invalid_utf8" or "xlsx.cell_too_long" (over 32,767
// characters), field "file" reason "xlsx.too_many_rows" (over 1,048,576 rows) or
// "xlsx.too_many_columns" (over 16,384); Internal "xlsx.write" when the temporary file fails.
base::Result<std::string> WriteXlsx(const Table& t, std::string_view sheet_name);

}  // namespace kechan::table
