// Fuzzes the unified social credit code validator: it never crashes, and whatever it accepts
// re-validates to itself with a matching computed check character.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/uscc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto code = kechan::auth::NormalizeUscc(text);
  if (!code.ok()) {
    if (code.status().field() != "uscc") {
      std::abort();
    }
    return 0;
  }
  auto again = kechan::auth::NormalizeUscc(*code);
  auto check = kechan::auth::ComputeUsccCheckChar(std::string_view(*code).substr(0, 17));
  if (!again.ok() || *again != *code || !check.ok() || *check != (*code)[17]) {
    std::abort();
  }
  return 0;
}
