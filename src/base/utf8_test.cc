#include "base/utf8.h"

#include <gtest/gtest.h>

namespace kechan::base {
namespace {

TEST(Utf8Test, AcceptsWellFormedAndRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("科产 kechan 😀"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xE6\x88"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Utf8Test, SequenceLengthAndCodePoints) {
  std::string_view s = "a科😀\xff";
  EXPECT_EQ(Utf8SequenceLength(s, 0), 1u);
  EXPECT_EQ(Utf8SequenceLength(s, 1), 3u);
  EXPECT_EQ(Utf8SequenceLength(s, 4), 4u);
  EXPECT_EQ(Utf8SequenceLength(s, 8), 0u);
  EXPECT_EQ(Utf8SequenceLength(s, 2), 0u);  // inside a sequence
  EXPECT_EQ(Utf8SequenceLength(s, 99), 0u);
  EXPECT_EQ(CodePointCount("科产"), 2u);
  EXPECT_EQ(CodePointCount(s), 4u);  // the stray byte counts as one
  EXPECT_EQ(CodePointCount("\x80"
                           "a"),
            2u);  // so does a lone continuation byte
  size_t pos = 1;
  EXPECT_EQ(DecodeUtf8(s, &pos), U'科');
  EXPECT_EQ(pos, 4u);
  std::string out;
  AppendUtf8(U'😀', &out);
  EXPECT_EQ(out, "😀");
  EXPECT_EQ(FirstInvalidUtf8Byte(s), 8u);
}

}  // namespace
}  // namespace kechan::base
