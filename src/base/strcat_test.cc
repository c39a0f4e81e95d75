#include "base/strcat.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace kechan::base {
namespace {

TEST(StrCatTest, JoinsStringsViewsAndLiteralsInOrder) {
  std::string a = "节点 ";
  std::string_view b = "A01";
  EXPECT_EQ(StrCat(a, b, " belongs to ", std::string("chain"), "", "。"),
            "节点 A01 belongs to chain。");
  EXPECT_EQ(StrCat(), "");
  EXPECT_EQ(StrCat("only"), "only");
  std::string long_piece(1000, 'x');
  std::string joined = StrCat(long_piece, "-", long_piece);
  EXPECT_EQ(joined.size(), 2001u);
  EXPECT_EQ(joined[1000], '-');
}

}  // namespace
}  // namespace kechan::base
