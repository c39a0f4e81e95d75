// Fuzzes the strict JSON body reader: any bytes must give a value or a field-naming error.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/json_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kechan::http::Request req;
  req.body.assign(reinterpret_cast<const char*>(data), size);
  auto obj = kechan::http::ParseJsonObject(req);
  if (!obj.ok()) {
    if (obj.status().field().empty()) {
      std::abort();  // every body error must name a field
    }
    return 0;
  }
  kechan::http::ObjectReader r(*obj);
  (void)r.OptionalString("name", {.min_len = 1, .max_len = 200});
  (void)r.OptionalInt("count", 0, 1000);
  (void)r.OptionalBool("flag");
  if (const auto* nested = r.Value("nested", false); nested != nullptr && nested->is_object()) {
    kechan::http::ObjectReader n(nested->as_object(), "nested");
    (void)n.OptionalString("x");
    (void)n.Finish();
  }
  kechan::base::Status s = r.Finish();
  if (!s.ok() && s.field().empty()) {
    std::abort();
  }
  return 0;
}
