// Fuzzes request-target parsing (path, percent-decoding, query) and Accept-Language handling.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kechan::http::Request req;
  kechan::base::Status s = kechan::http::ParseTarget(text, req);
  if (!s.ok() && s.field() != "path" && s.field() != "query") {
    std::abort();
  }
  std::string lang = kechan::http::LanguageFromAcceptLanguage(text);
  if (lang != "en" && lang != "zh-CN") {
    std::abort();
  }
  return 0;
}
