#include "table/table.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <string>
#include <utility>
#include <vector>

#include "base/utf8.h"

namespace kechan::table {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// ---- CSV ------------------------------------------------------------------------------------

TEST(TableCsvTest, ReadsQuotesDoubledQuotesAndEmbeddedNewlines) {
  auto t = ReadCsv("a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"line1\nline2\",\n3,,z\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(t->rows,
            (Rows{{"1", "x, y", "say \"hi\""}, {"2", "line1\nline2", ""}, {"3", "", "z"}}));
  // The record after the embedded newline starts on line 5.
  EXPECT_EQ(t->row_numbers, (std::vector<int>{2, 3, 5}));
}

TEST(TableCsvTest, StripsBomSkipsBlankLinesAndKeepsTheirRowNumbers) {
  auto t = ReadCsv("\xEF\xBB\xBFname,city\n\n成都,高新区\n\r\n\"\"\nlast,row");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->header, (std::vector<std::string>{"name", "city"}));
  // A quoted empty field is a row (one empty cell), a bare empty line is not.
  EXPECT_EQ(t->rows, (Rows{{"成都", "高新区"}, {""}, {"last", "row"}}));
  EXPECT_EQ(t->row_numbers, (std::vector<int>{3, 5, 6}));
}

TEST(TableCsvTest, KeepsRaggedRowsForTheCallerToJudge) {
  auto t = ReadCsv("a,b\n1\n1,2,3\n");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rows, (Rows{{"1"}, {"1", "2", "3"}}));
}

TEST(TableCsvTest, UnterminatedQuoteNamesTheRowWhereTheFieldStarts) {
  auto t = ReadCsv("a,b\n1,2\n3,\"open\nstill open\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().reason(), "csv.unterminated_quote");
  EXPECT_EQ(t.status().field(), "row 3");
  EXPECT_NE(t.status().message_zh().find("第 3 行"), std::string::npos);
}

TEST(TableCsvTest, InvalidUtf8IsRejectedNamingTheRow) {
  // "成都" in GBK: what Excel writes when a file is saved as plain "CSV" on a Chinese system.
  auto t = ReadCsv("name\nok\n\xB3\xC9\xB6\xBC\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().reason(), "csv.invalid_utf8");
  EXPECT_EQ(t.status().field(), "row 3");
  EXPECT_NE(t.status().message_en().find("row 3"), std::string::npos);
  EXPECT_FALSE(ReadCsv("a\n\xED\xA0\x80\n").ok());  // an encoded surrogate
  EXPECT_FALSE(ReadCsv("a\n\xC0\xAF\n").ok());      // an overlong '/'
}

TEST(TableCsvTest, EmptyTextGivesAnEmptyTable) {
  auto t = ReadCsv("\n\r\n");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->header.empty());
  EXPECT_TRUE(t->rows.empty());
}

TEST(TableCsvTest, WriteQuotesWhatNeedsItAndReadsBackTheSameCells) {
  Table t{.header = {"name", "note"},
          .rows = {{"plain", "a,b"}, {"q\"uote", "two\nlines"}, {" padded", ""}, {""}}};
  const std::string csv = WriteCsv(t);
  EXPECT_EQ(csv, "name,note\nplain,\"a,b\"\n\"q\"\"uote\",\"two\nlines\"\n\" padded\",\n\"\"\n");
  auto back = ReadCsv(csv);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->header, t.header);
  EXPECT_EQ(back->rows, t.rows);
}

TEST(TableCsvTest, AFieldStartingWithABomSurvivesARoundTrip) {
  // Found by fuzz_table_csv: unquoted, the field's BOM was stripped as the file's own.
  Table t{.header = {"\xEF\xBB\xBF"
                     "aa",
                     "b"},
          .rows = {{"1", "2"}}};
  auto back = ReadCsv(WriteCsv(t));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->header, t.header);
}

TEST(TableCsvTest, WriteCanAddABomAndCrlfForExcel) {
  Table t{.header = {"企业"}, .rows = {{"成都"}}};
  const std::string csv = WriteCsv(t, {.bom = Bom::kUtf8, .line_end = LineEnd::kCrlf});
  EXPECT_EQ(csv, "\xEF\xBB\xBF企业\r\n成都\r\n");
  auto back = ReadCsv(csv);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->header, t.header);
}

TEST(TableTextTest, DisplayWidthCountsCjkDouble) {
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("成都abc"), 7);
  EXPECT_EQ(DisplayWidth("ＡＢ"), 4);  // fullwidth forms
  EXPECT_TRUE(base::IsValidUtf8("成都"));
  EXPECT_FALSE(base::IsValidUtf8("\xE6\x88"));
}

// ---- XLSX -----------------------------------------------------------------------------------

TEST(TableXlsxTest, WriteThenReadGivesTheSameTable) {
  Table t{.header = {"uscc", "名称", "revenue", "rd", "code", "note"},
          .rows = {{"91510100MA6CX001X8", "示例智能芯片有限公司", "123456789", "9876543.21", "007",
                    "a \"quoted\" & <tag>"},
                   {"", "空单元格", "", "-3.5", "123456789.00", ""},
                   {"x", "", "0", "", "", "last"}}};
  auto bytes = WriteXlsx(t, "企业/列表");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_TRUE(LooksLikeXlsx(*bytes));
  auto back = ReadXlsx(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->header, t.header);
  EXPECT_EQ(back->rows, t.rows);
  EXPECT_EQ(back->row_numbers, (std::vector<int>{2, 3, 4}));
}

TEST(TableXlsxTest, WriteRejectsInvalidUtf8NamingTheRow) {
  Table t{.header = {"a"}, .rows = {{"ok"}, {"\xFF"}}};
  auto bytes = WriteXlsx(t, "s");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().reason(), "xlsx.invalid_utf8");
  EXPECT_EQ(bytes.status().field(), "row 3");
}

// Builds a zip archive in memory from (name, content) pairs.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& parts) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  EXPECT_NE(src, nullptr);
  zip_source_keep(src);
  zip_t* z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  EXPECT_NE(z, nullptr);
  for (const auto& [name, content] : parts) {
    zip_source_t* s = zip_source_buffer(z, content.data(), content.size(), 0);
    EXPECT_GE(zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8), 0);
  }
  EXPECT_EQ(zip_close(z), 0);
  std::string out;
  EXPECT_EQ(zip_source_open(src), 0);
  char buf[4096];
  zip_int64_t n;
  while ((n = zip_source_read(src, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  zip_source_close(src);
  zip_source_free(src);
  zip_error_fini(&err);
  return out;
}

const char* kContentTypes =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
</Types>)";
const char* kWorkbook = R"(<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="企业" sheetId="1" r:id="rId7"/><sheet name="other" sheetId="2" r:id="rId8"/></sheets>
</workbook>)";
const char* kRels = R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/other.xml"/>
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/first.xml"/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>
</Relationships>)";
const char* kStrings = R"(<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<si><t>uscc</t></si><si><t>name</t></si><si><t>revenue</t></si>
<si><r><t>成都</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 示例 &amp; Co</t></r><rPh><t>ちぇん</t></rPh></si>
</sst>)";
const char* kSheet = R"(<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c></row>
<row r="2" spans="1:4"><c r="A2" t="inlineStr"><is><t>91510100MA6CX001X8</t></is></c><c r="B2" t="s"><v>3</v></c><c r="D2"><v>1200.0</v></c></row>
<row r="3"><c r="A3" s="1"/></row>
<row r="5"><c r="B5" t="b"><v>1</v></c><c r="C5"><v>1.5E+3</v></c><c r="D5"><v>0.30000000000000004</v></c></row>
<row r="6"><c t="inlineStr"><is><t>no ref</t></is></c><c><v>7</v></c></row>
</sheetData>
</worksheet>)";

TEST(TableXlsxTest, ReadsAHandMadeWorkbook) {
  const std::string bytes = Zip({{"[Content_Types].xml", kContentTypes},
                                 {"xl/workbook.xml", kWorkbook},
                                 {"xl/_rels/workbook.xml.rels", kRels},
                                 {"xl/strings.xml", kStrings},
                                 {"xl/worksheets/first.xml", kSheet},
                                 {"xl/worksheets/other.xml", "<worksheet/>"}});
  auto t = ReadXlsx(bytes);
  ASSERT_TRUE(t.ok()) << t.status();
  // C1 is missing: the gap is an empty header cell, and D lands in the fourth column.
  EXPECT_EQ(t->header, (std::vector<std::string>{"uscc", "name", "", "revenue"}));
  EXPECT_EQ(t->rows, (Rows{{"91510100MA6CX001X8", "成都 示例 & Co", "", "1200"},
                           {"", "TRUE", "1500", "0.30000000000000004"},
                           {"no ref", "7", "", ""}}));
  // Row 3 holds only a formatted empty cell: skipped, like a blank CSV line.
  EXPECT_EQ(t->row_numbers, (std::vector<int>{2, 5, 6}));
}

TEST(TableXlsxTest, RejectsGarbageAndIncompleteWorkbooks) {
  auto garbage = ReadXlsx("uscc,name\n1,2\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().reason(), "xlsx.not_zip");
  EXPECT_EQ(garbage.status().field(), "file");

  auto truncated = ReadXlsx(std::string("PK\x03\x04", 4) + std::string(100, '\x01'));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().reason(), "xlsx.not_zip");

  auto no_workbook = ReadXlsx(Zip({{"[Content_Types].xml", kContentTypes}}));
  ASSERT_FALSE(no_workbook.ok());
  EXPECT_EQ(no_workbook.status().reason(), "xlsx.missing_part");
  EXPECT_NE(no_workbook.status().message_en().find("xl/workbook.xml"), std::string::npos);

  auto no_sheet = ReadXlsx(Zip({{"xl/workbook.xml", kWorkbook},
                                {"xl/_rels/workbook.xml.rels", kRels},
                                {"xl/strings.xml", kStrings}}));
  ASSERT_FALSE(no_sheet.ok());
  EXPECT_EQ(no_sheet.status().reason(), "xlsx.missing_part");

  auto bad_xml = ReadXlsx(Zip({{"xl/workbook.xml", "<workbook><sheets>"}}));
  ASSERT_FALSE(bad_xml.ok());
  EXPECT_EQ(bad_xml.status().reason(), "xlsx.bad_xml");
}

TEST(TableXlsxTest, BadCellsNameTheRow) {
  auto with_sheet = [](const std::string& sheet_data) {
    return Zip({{"xl/workbook.xml", kWorkbook},
                {"xl/_rels/workbook.xml.rels", kRels},
                {"xl/strings.xml", kStrings},
                {"xl/worksheets/first.xml",
                 "<worksheet><sheetData>" + sheet_data + "</sheetData></worksheet>"}});
  };
  auto bad_index = ReadXlsx(with_sheet(R"(<row r="4"><c r="A4" t="s"><v>99</v></c></row>)"));
  ASSERT_FALSE(bad_index.ok());
  EXPECT_EQ(bad_index.status().reason(), "xlsx.bad_cell");
  EXPECT_EQ(bad_index.status().field(), "row 4");

  auto bad_ref = ReadXlsx(with_sheet(R"(<row r="2"><c r="A3"><v>1</v></c></row>)"));
  ASSERT_FALSE(bad_ref.ok());
  EXPECT_EQ(bad_ref.status().field(), "row 2");

  auto out_of_order =
      ReadXlsx(with_sheet(R"(<row r="2"><c r="B2"><v>1</v></c><c r="A2"><v>1</v></c></row>)"));
  ASSERT_FALSE(out_of_order.ok());
  EXPECT_EQ(out_of_order.status().reason(), "xlsx.bad_cell");
}

TEST(TableXlsxTest, OversizedPartsAreRefused) {
  Table t{.header = {"a"}, .rows = {{std::string(5000, 'x')}}};
  auto bytes = WriteXlsx(t, "s");
  ASSERT_TRUE(bytes.ok());
  auto r = ReadXlsx(*bytes, {.max_part_bytes = 1000});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "xlsx.too_large");
}

}  // namespace
}  // namespace kechan::table
