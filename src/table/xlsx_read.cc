// Reading the first worksheet of an .xlsx workbook: libzip opens the archive from memory, pugixml
// parses workbook.xml, its relationships, sharedStrings.xml and the sheet (docs/decisions/0004).
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "table/table.h"

namespace kechan::table {
namespace {

constexpr int kMaxRows = 1048576;
constexpr int kMaxColumns = 16384;

base::Status FileError(const std::string& reason, const std::string& en, const std::string& zh) {
  return base::InvalidArgument("file", reason, "file: " + en, "文件：" + zh);
}

base::Status CellError(int row, const std::string& en, const std::string& zh) {
  const std::string n = std::to_string(row);
  return base::InvalidArgument("row " + n, "xlsx.bad_cell", "row " + n + ": " + en,
                               "第 " + n + " 行：" + zh);
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// Returns the part's bytes, std::nullopt when the archive has no such entry, or a Status.
base::Result<std::optional<std::string>> ReadPart(zip_t* zip, const std::string& name,
                                                  size_t max_bytes) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(zip, name.c_str(), 0, &st) != 0) {
    return std::optional<std::string>();
  }
  if ((st.valid & ZIP_STAT_SIZE) && st.size > max_bytes) {
    return FileError("xlsx.too_large", "the part " + name + " is larger than the limit",
                     "工作簿部件 " + name + " 超过大小上限");
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen(zip, name.c_str(), 0));
  if (!f) {
    return FileError("xlsx.not_zip", "cannot open " + name + " in the archive (damaged file?)",
                     "无法打开压缩包中的 " + name + "（文件已损坏？）");
  }
  std::string out;
  char buf[65536];
  while (true) {
    const zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
    if (n < 0) {
      return FileError("xlsx.not_zip", "cannot read " + name + " in the archive (damaged file?)",
                       "无法读取压缩包中的 " + name + "（文件已损坏？）");
    }
    if (n == 0) {
      break;
    }
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return FileError("xlsx.too_large", "the part " + name + " is larger than the limit",
                       "工作簿部件 " + name + " 超过大小上限");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(out));
}

base::Result<std::string> RequirePart(zip_t* zip, const std::string& name, size_t max_bytes) {
  KECHAN_ASSIGN_OR_RETURN(std::optional<std::string> part, ReadPart(zip, name, max_bytes));
  if (!part) {
    return FileError("xlsx.missing_part",
                     "not an Excel workbook: the archive has no " + name + " part",
                     "不是 Excel 工作簿：压缩包中缺少 " + name);
  }
  return std::move(*part);
}

base::Status ParseXml(const std::string& bytes, const std::string& name, pugi::xml_document& doc) {
  const pugi::xml_parse_result r = doc.load_buffer(
      bytes.data(), bytes.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  if (!r) {
    return FileError("xlsx.bad_xml", name + " is not well-formed XML (" + r.description() + ")",
                     name + " 不是格式正确的 XML（" + r.description() + "）");
  }
  return base::Status::Ok();
}

// The element name without its namespace prefix ("x:row" -> "row").
std::string_view LocalName(const pugi::xml_node& n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local) {
  for (pugi::xml_node c : parent.children()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) {
      return c;
    }
  }
  return {};
}

// The attribute named `local` in any namespace ("r:id" for "id").
pugi::xml_attribute Attr(const pugi::xml_node& n, std::string_view local) {
  for (pugi::xml_attribute a : n.attributes()) {
    std::string_view name = a.name();
    const size_t colon = name.find(':');
    if ((colon == std::string_view::npos ? name : name.substr(colon + 1)) == local) {
      return a;
    }
  }
  return {};
}

// Concatenates the <t> text of a string item (<si> or <is>): plain <t>, or rich-text runs
// <r><t>..</t></r>; phonetic hints (<rPh>) are not part of the value.
std::string StringItem(const pugi::xml_node& item) {
  std::string out;
  for (pugi::xml_node c : item.children()) {
    if (c.type() != pugi::node_element) {
      continue;
    }
    if (LocalName(c) == "t") {
      out += c.child_value();
    } else if (LocalName(c) == "r") {
      if (pugi::xml_node t = Child(c, "t")) {
        out += t.child_value();
      }
    }
  }
  return out;
}

// Resolves a relationship target against the xl/ folder ("worksheets/sheet1.xml",
// "/xl/worksheets/sheet1.xml").
std::string ResolveTarget(std::string target) {
  if (!target.empty() && target.front() == '/') {
    return target.substr(1);
  }
  std::string base = "xl";
  while (target.rfind("../", 0) == 0) {
    target = target.substr(3);
    const size_t slash = base.find_last_of('/');
    base = slash == std::string::npos ? "" : base.substr(0, slash);
  }
  return base.empty() ? target : base + "/" + target;
}

// Renders a numeric cell value: integral values without ".0" or exponent, others as written.
std::string NumberText(std::string_view v) {
  const bool has_exp = v.find_first_of("eE") != std::string_view::npos;
  const size_t dot = v.find('.');
  if (!has_exp && dot != std::string_view::npos &&
      v.find_first_not_of('0', dot + 1) == std::string_view::npos) {
    std::string_view whole = v.substr(0, dot);
    return whole.empty() || whole == "-" ? std::string(whole) + "0" : std::string(whole);
  }
  if (has_exp) {
    const std::string s(v);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size() && std::isfinite(d) && d == std::floor(d) &&
        std::fabs(d) < 1e15) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", d);
      return std::string(std::strcmp(buf, "-0") == 0 ? "0" : buf);
    }
  }
  return std::string(v);
}

// Parses a cell reference "C7" into zero-based column and one-based row; false when malformed.
bool ParseRef(std::string_view ref, int& col, int& row) {
  size_t i = 0;
  int c = 0;
  while (i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z') {
    c = c * 26 + (ref[i] - 'A' + 1);
    if (c > kMaxColumns) {
      return false;
    }
    ++i;
  }
  if (i == 0 || i == ref.size()) {
    return false;
  }
  int r = 0;
  for (; i < ref.size(); ++i) {
    if (ref[i] < '0' || ref[i] > '9') {
      return false;
    }
    r = r * 10 + (ref[i] - '0');
    if (r > kMaxRows) {
      return false;
    }
  }
  if (r < 1) {
    return false;
  }
  col = c - 1;
  row = r;
  return true;
}

bool ParseRowNumber(std::string_view s, int& row) {
  if (s.empty() || s.size() > 7) {
    return false;
  }
  int r = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') {
      return false;
    }
    r = r * 10 + (ch - '0');
  }
  if (r < 1 || r > kMaxRows) {
    return false;
  }
  row = r;
  return true;
}

}  // namespace

base::Result<Table> ReadXlsx(std::string_view bytes, const XlsxReadOptions& options) {
  const base::Status not_zip = FileError(
      "xlsx.not_zip", "not an .xlsx workbook (expected a zip archive; save as Excel Workbook)",
      "不是 .xlsx 工作簿（应为 zip 压缩包，请另存为“Excel 工作簿”）");
  if (!LooksLikeXlsx(bytes)) {
    return not_zip;
  }
  zip_error_t zerr;
  zip_error_init(&zerr);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &zerr);
  if (src == nullptr) {
    zip_error_fini(&zerr);
    return not_zip;
  }
  std::unique_ptr<zip_t, ZipCloser> zip(zip_open_from_source(src, ZIP_RDONLY, &zerr));
  zip_error_fini(&zerr);
  if (!zip) {
    zip_source_free(src);
    return not_zip;
  }
  const size_t max = options.max_part_bytes;

  // workbook.xml: the first <sheet> and its relationship id.
  KECHAN_ASSIGN_OR_RETURN(std::string workbook_xml, RequirePart(zip.get(), "xl/workbook.xml", max));
  pugi::xml_document workbook;
  KECHAN_RETURN_IF_ERROR(ParseXml(workbook_xml, "xl/workbook.xml", workbook));
  pugi::xml_node sheet = Child(Child(workbook.document_element(), "sheets"), "sheet");
  if (!sheet) {
    return FileError("xlsx.missing_part", "the workbook has no worksheet", "工作簿中没有工作表");
  }
  const std::string rel_id = Attr(sheet, "id").value();

  // workbook.xml.rels: the worksheet and shared-strings parts.
  std::string sheet_part = "xl/worksheets/sheet1.xml";
  std::string strings_part = "xl/sharedStrings.xml";
  KECHAN_ASSIGN_OR_RETURN(std::optional<std::string> rels_xml,
                          ReadPart(zip.get(), "xl/_rels/workbook.xml.rels", max));
  if (rels_xml) {
    pugi::xml_document rels;
    KECHAN_RETURN_IF_ERROR(ParseXml(*rels_xml, "xl/_rels/workbook.xml.rels", rels));
    for (pugi::xml_node rel : rels.document_element().children()) {
      if (rel.type() != pugi::node_element || LocalName(rel) != "Relationship") {
        continue;
      }
      const std::string_view type = rel.attribute("Type").value();
      const std::string target = ResolveTarget(rel.attribute("Target").value());
      if (!rel_id.empty() && rel_id == rel.attribute("Id").value()) {
        sheet_part = target;
      } else if (type.size() >= 14 && type.substr(type.size() - 14) == "/sharedStrings") {
        strings_part = target;
      }
    }
  }

  std::vector<std::string> shared;
  KECHAN_ASSIGN_OR_RETURN(std::optional<std::string> strings_xml,
                          ReadPart(zip.get(), strings_part, max));
  if (strings_xml) {
    pugi::xml_document doc;
    KECHAN_RETURN_IF_ERROR(ParseXml(*strings_xml, strings_part, doc));
    for (pugi::xml_node si : doc.document_element().children()) {
      if (si.type() == pugi::node_element && LocalName(si) == "si") {
        shared.push_back(StringItem(si));
      }
    }
  }

  KECHAN_ASSIGN_OR_RETURN(std::string sheet_xml, RequirePart(zip.get(), sheet_part, max));
  pugi::xml_document doc;
  KECHAN_RETURN_IF_ERROR(ParseXml(sheet_xml, sheet_part, doc));
  // Gap filling turns one far-right cell into thousands of slots; bound the table by the XML's
  // size so a small hostile sheet cannot ask for gigabytes.
  const size_t max_slots = 4 * sheet_xml.size() + kMaxColumns;
  size_t slots = 0;
  sheet_xml.clear();
  sheet_xml.shrink_to_fit();
  pugi::xml_node data = Child(doc.document_element(), "sheetData");

  Table out;
  bool have_header = false;
  int last_row = 0;
  for (pugi::xml_node row : data.children()) {
    if (row.type() != pugi::node_element || LocalName(row) != "row") {
      continue;
    }
    int row_number = last_row + 1;
    if (pugi::xml_attribute r = row.attribute("r")) {
      if (!ParseRowNumber(r.value(), row_number)) {
        return CellError(last_row + 1, "bad row number \"" + std::string(r.value()) + "\"",
                         "行号“" + std::string(r.value()) + "”无效");
      }
    }
    if (row_number <= last_row || row_number > kMaxRows) {
      return CellError(row_number, "rows are out of order", "行顺序错误");
    }
    last_row = row_number;
    std::vector<std::string> cells;
    int last_col = -1;
    for (pugi::xml_node c : row.children()) {
      if (c.type() != pugi::node_element || LocalName(c) != "c") {
        continue;
      }
      int col = last_col + 1;
      if (pugi::xml_attribute ref = c.attribute("r")) {
        int ref_row = 0;
        if (!ParseRef(ref.value(), col, ref_row) || ref_row != row_number) {
          return CellError(row_number, "bad cell reference \"" + std::string(ref.value()) + "\"",
                           "单元格引用“" + std::string(ref.value()) + "”无效");
        }
      }
      if (col <= last_col || col >= kMaxColumns) {
        return CellError(row_number, "cells are out of order", "单元格顺序错误");
      }
      last_col = col;
      const std::string_view type = c.attribute("t").value();
      const std::string_view v = Child(c, "v").child_value();
      std::string text;
      if (type == "s") {
        char* end = nullptr;
        const std::string index_text(v);
        const unsigned long index = std::strtoul(index_text.c_str(), &end, 10);
        if (index_text.empty() || *end != '\0' || index >= shared.size()) {
          return CellError(row_number, "shared string index \"" + index_text + "\" is unknown",
                           "共享字符串索引“" + index_text + "”不存在");
        }
        text = shared[index];
      } else if (type == "inlineStr") {
        text = StringItem(Child(c, "is"));
      } else if (type == "b") {
        text = v == "1" ? "TRUE" : v == "0" ? "FALSE" : std::string(v);
      } else if (type == "str" || type == "e" || type == "d") {
        text = std::string(v);
      } else {
        text = v.empty() ? std::string() : NumberText(v);
      }
      if (text.empty()) {
        continue;
      }
      if (cells.size() <= static_cast<size_t>(col)) {
        cells.resize(static_cast<size_t>(col) + 1);
      }
      cells[static_cast<size_t>(col)] = std::move(text);
    }
    if (cells.empty()) {
      continue;  // a blank (perhaps only formatted) row
    }
    slots += std::max(cells.size(), out.header.size());
    if (slots > max_slots) {
      return FileError("xlsx.too_large", "the sheet is too sparse to read (cells far apart)",
                       "工作表过于稀疏（单元格相距过远），无法读取");
    }
    if (!have_header) {
      out.header = std::move(cells);
      have_header = true;
    } else {
      out.rows.push_back(std::move(cells));
      out.row_numbers.push_back(row_number);
    }
  }
  for (auto& r : out.rows) {
    if (r.size() < out.header.size()) {
      r.resize(out.header.size());
    }
  }
  return out;
}

}  // namespace kechan::table
