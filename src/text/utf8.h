// Internal to text/: UTF-8 decoding and validation shared by the normaliser, segmenter and
// keyword extractor. std only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kechan::text::internal {

inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;

// Decodes the code point at `s[*pos]` and advances `*pos` past it. Returns kInvalidCodePoint and
// advances one byte when the bytes there are not well-formed UTF-8 (so callers never loop forever).
char32_t DecodeNext(std::string_view s, size_t* pos);

// Returns the byte offset of the first ill-formed sequence in `s`, or npos when `s` is valid.
size_t FirstInvalidByte(std::string_view s);

// Appends the UTF-8 encoding of `cp` (which must be a scalar value) to `out`.
void AppendUtf8(char32_t cp, std::string* out);

// Returns the number of code points in `s` (invalid bytes count one each).
size_t CodePointCount(std::string_view s);

// Returns true for CJK unified ideographs (basic block, extension A, compatibility block and the
// supplementary extensions B-G): the characters the dictionary segmenter works on.
bool IsHan(char32_t cp);

}  // namespace kechan::text::internal
