// UTF-8 checks shared by every layer that takes outside text: validation, sequence length and
// code-point counting. One implementation for the whole project.
#pragma once

#include <cstddef>
#include <string_view>

namespace kechan::base {

// Returns true when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Returns the byte length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 when the
// bytes there are not one.
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Returns the number of code points in `s`: the bytes that do not continue a sequence (so an
// invalid byte counts as one).
size_t CodePointCount(std::string_view s);

}  // namespace kechan::base
