// CSV reading and writing, and the UTF-8 helpers shared with the .xlsx code (std only).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "table/table.h"

namespace kechan::table {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length and sets `cp`, or 0 when malformed.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
         (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

bool NeedsQuotes(const std::string& f) {
  if (f.empty()) {
    return false;
  }
  // A leading BOM would be taken for the file's own BOM when the field opens the file.
  if (f.find_first_of(",\"\r\n") != std::string::npos || f.rfind("\xEF\xBB\xBF", 0) == 0) {
    return true;
  }
  const char first = f.front();
  const char last = f.back();
  return first == ' ' || first == '\t' || last == ' ' || last == '\t';
}

void AppendField(std::string& out, const std::string& f) {
  if (!NeedsQuotes(f)) {
    out += f;
    return;
  }
  out += '"';
  for (char ch : f) {
    if (ch == '"') {
      out += '"';
    }
    out += ch;
  }
  out += '"';
}

}  // namespace

int DisplayWidth(std::string_view text) {
  int width = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(text, i, cp);
    if (n == 0) {
      n = 1;
      cp = '?';
    }
    width += IsWide(cp) ? 2 : 1;
    i += n;
  }
  return width;
}

bool LooksLikeXlsx(std::string_view bytes) { return bytes.substr(0, 4) == "PK\x03\x04"; }

base::Result<Table> ReadCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  Table out;
  bool have_header = false;
  std::vector<std::string> fields;
  int row = 1;  // the line on which the current record starts
  int line = 1;
  std::string field;
  bool in_quotes = false;
  bool field_quoted = false;
  bool bad_utf8 = false;
  auto end_field = [&]() {
    if (!bad_utf8 && !base::IsValidUtf8(field)) {
      bad_utf8 = true;
    }
    fields.push_back(std::move(field));
    field.clear();
  };
  auto bad_utf8_status = [&]() {
    const std::string n = std::to_string(row);
    return base::InvalidArgument(
        "row " + n, "csv.invalid_utf8",
        "row " + n +
            ": the text is not valid UTF-8 (save the file as "
            "\"CSV UTF-8\")",
        "第 " + n + " 行：文本不是有效的 UTF-8 编码（请另存为“CSV UTF-8”）");
  };
  auto end_record = [&]() {
    end_field();
    const bool blank = fields.size() == 1 && fields[0].empty() && !field_quoted;
    if (!blank) {
      if (!have_header) {
        out.header = std::move(fields);
        have_header = true;
      } else {
        out.rows.push_back(std::move(fields));
        out.row_numbers.push_back(row);
      }
    }
    fields = {};
    field_quoted = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_quotes) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (ch == '\n') {
          ++line;
        }
        field += ch;
      }
      continue;
    }
    if (ch == '"' && field.empty()) {
      in_quotes = true;
      field_quoted = true;
    } else if (ch == ',') {
      end_field();
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (ch == '\n') {
      end_record();
      if (bad_utf8) {
        return bad_utf8_status();
      }
      ++line;
      row = line;
    } else {
      field += ch;
    }
  }
  if (in_quotes) {
    const std::string n = std::to_string(row);
    return base::InvalidArgument("row " + n, "csv.unterminated_quote",
                                 "row " + n + ": a quoted field never ends",
                                 "第 " + n + " 行：引号未闭合");
  }
  if (!field.empty() || !fields.empty() || field_quoted) {
    end_record();
  }
  if (bad_utf8) {
    return bad_utf8_status();
  }
  return out;
}

std::string WriteCsv(const Table& t, const CsvWriteOptions& options) {
  std::string out;
  if (options.bom == Bom::kUtf8) {
    out += "\xEF\xBB\xBF";
  }
  const char* eol = options.line_end == LineEnd::kCrlf ? "\r\n" : "\n";
  auto write_row = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      AppendField(out, row[i]);
    }
    // A row of one empty field would read back as a blank line; quote it so it survives.
    if (row.size() == 1 && row[0].empty()) {
      out += "\"\"";
    }
    out += eol;
  };
  if (!t.header.empty()) {
    write_row(t.header);
  }
  for (const auto& row : t.rows) {
    write_row(row);
  }
  return out;
}

}  // namespace kechan::table
