#include "base/money.h"

#include <gtest/gtest.h>

namespace kechan::base {
namespace {

TEST(MoneyTest, ParsesYuanWithUpToTwoDecimals) {
  EXPECT_EQ(Money::ParseYuan("12").value().fen(), 1200);
  EXPECT_EQ(Money::ParseYuan("12.3").value().fen(), 1230);
  EXPECT_EQ(Money::ParseYuan("12.34").value().fen(), 1234);
  EXPECT_EQ(Money::ParseYuan("-0.05").value().fen(), -5);
}

TEST(MoneyTest, RejectsMalformedAmountsNamingTheField) {
  for (const char* bad : {"", "1.234", "abc", "1.", ".5", "--1", "1e3", "99999999999999999999"}) {
    auto r = Money::ParseYuan(bad, "price");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), "price");
  }
}

TEST(MoneyTest, FormatsAndRoundsBasisPoints) {
  EXPECT_EQ(Money::FromFen(123450).ToYuanString(), "1234.50");
  EXPECT_EQ(Money::FromFen(-5).ToYuanString(), "-0.05");
  // 5% of 10,000.00 yuan = 500.00; half-fen rounds away from zero.
  EXPECT_EQ(Money::FromYuan(10000).MulBasisPoints(500).fen(), 50000);
  EXPECT_EQ(Money::FromFen(1).MulBasisPoints(5000).fen(), 1);
  EXPECT_EQ(Money::FromFen(-1).MulBasisPoints(5000).fen(), -1);
}

}  // namespace
}  // namespace kechan::base
