// Fuzzes the CSV reader: it never crashes, errors name a row, and whatever it reads survives
// WriteCsv -> ReadCsv with the same cells.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "table/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = kechan::table::ReadCsv(text);
  if (!t.ok()) {
    if (t.status().field().rfind("row ", 0) != 0) {
      std::abort();
    }
    return 0;
  }
  if (t->rows.size() != t->row_numbers.size()) {
    std::abort();
  }
  auto again = kechan::table::ReadCsv(kechan::table::WriteCsv(*t));
  if (!again.ok() || again->header != t->header || again->rows != t->rows) {
    std::abort();
  }
  return 0;
}
