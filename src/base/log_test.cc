#include "base/log.h"

#include <gtest/gtest.h>

namespace kechan::base {
namespace {

TEST(LogTest, JsonStringEscapesControlsAndReplacesInvalidUtf8) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01 科产");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001 科产\"");
  out.clear();
  AppendJsonString(out, std::string_view("x\xff\xc3(", 4));
  EXPECT_EQ(out, "\"x\xEF\xBF\xBD\xEF\xBF\xBD(\"");
}

TEST(LogTest, FormatsRfc3339InUtc) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(1796000000123456LL), "2026-11-30T00:53:20.123456Z");
}

}  // namespace
}  // namespace kechan::base
