// Internal to text/: character classes the segmenter needs. UTF-8 itself is base/utf8.h.
#pragma once

namespace kechan::text::internal {

// Returns true for CJK unified ideographs (basic block, extension A, compatibility block and the
// supplementary extensions B-G): the characters the dictionary segmenter works on.
bool IsHan(char32_t cp);

}  // namespace kechan::text::internal
