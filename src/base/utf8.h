// UTF-8 shared by every layer that takes outside text: decoding, encoding, validation and
// code-point counting. One implementation for the whole project. Std only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kechan::base {

inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// Decodes the code point at `s[*pos]` and advances `*pos` past it. Returns kInvalidCodePoint and
// advances one byte when the bytes there are not well-formed UTF-8 (overlongs, surrogates and
// values above U+10FFFF are ill-formed), so callers never loop forever.
char32_t DecodeUtf8(std::string_view s, size_t* pos);

// Appends the UTF-8 encoding of `cp` (which must be a scalar value) to `out`.
void AppendUtf8(char32_t cp, std::string* out);

// Returns the byte offset of the first ill-formed sequence in `s`, or npos when `s` is valid.
size_t FirstInvalidUtf8Byte(std::string_view s);

// Returns true when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// Returns the byte length (1-4) of the well-formed sequence starting at s[i], or 0 when the bytes
// there are not one (or i is past the end).
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Returns the number of code points in `s`; each ill-formed byte counts as one.
size_t CodePointCount(std::string_view s);

}  // namespace kechan::base
