// Internal to http/: UTF-8 checks used on query strings and JSON string fields.
#pragma once

#include <cstddef>
#include <string_view>

namespace kechan::http::internal {

// Returns true when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Returns the number of code points in `s`, which must be valid UTF-8.
size_t CodePointCount(std::string_view s);

}  // namespace kechan::http::internal
