// Fuzzes the .xlsx reader (zip + XML from outside): it never crashes, errors name a row or the
// file, every row is at least as wide as the header, and a table without control characters
// survives WriteXlsx -> ReadXlsx with the same cells.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "table/table.h"

namespace {

bool HasControl(const std::vector<std::string>& row) {
  for (const auto& cell : row) {
    for (char ch : cell) {
      if (static_cast<unsigned char>(ch) < 0x20) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto t = kechan::table::ReadXlsx(bytes, {.max_part_bytes = size_t{1} << 20});
  if (!t.ok()) {
    const std::string& field = t.status().field();
    if (field != "file" && field.rfind("row ", 0) != 0) {
      std::abort();
    }
    return 0;
  }
  bool plain = !HasControl(t->header);
  for (size_t i = 0; i < t->rows.size(); ++i) {
    if (t->rows[i].size() < t->header.size() || i >= t->row_numbers.size()) {
      std::abort();
    }
    plain = plain && !HasControl(t->rows[i]);
  }
  if (!plain || t->header.empty()) {
    return 0;
  }
  auto written = kechan::table::WriteXlsx(*t, "fuzz");
  if (!written.ok()) {
    return 0;  // invalid UTF-8 or over Excel's limits: reported, not written
  }
  auto again = kechan::table::ReadXlsx(*written);
  if (!again.ok() || again->header != t->header || again->rows != t->rows) {
    std::abort();
  }
  return 0;
}
