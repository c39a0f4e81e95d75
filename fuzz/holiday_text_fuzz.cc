// Fuzzes the holiday-notice parser operators feed through the API and CLI.
#include <cstdint>
#include <string_view>

#include "base/calendar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto years = kechan::base::ParseHolidayText(text);
  (void)years;
  return 0;
}
