#include "base/money.h"

#include <cstdlib>
#include <limits>

namespace kechan::base {

Result<Money> Money::ParseYuan(std::string_view text, std::string_view field) {
  auto bad = [&]() {
    return InvalidArgument(std::string(field), "money.format",
                           "amount must be yuan with at most two decimals, e.g. 12.50",
                           "金额须为元，最多两位小数，例如 12.50");
  };
  if (text.empty() || text.size() > 24) {
    return bad();
  }
  bool negative = false;
  size_t i = 0;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  int64_t whole = 0;
  int digits = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return bad();
    }
    if (whole > (std::numeric_limits<int64_t>::max() / 100 - 9) / 10) {
      return bad();
    }
    whole = whole * 10 + (text[i] - '0');
    ++digits;
  }
  if (digits == 0) {
    return bad();
  }
  int64_t frac = 0;
  if (i < text.size()) {
    ++i;  // '.'
    int fdigits = 0;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || fdigits == 2) {
        return bad();
      }
      frac = frac * 10 + (text[i] - '0');
      ++fdigits;
    }
    if (fdigits == 0) {
      return bad();
    }
    if (fdigits == 1) {
      frac *= 10;
    }
  }
  int64_t fen = whole * 100 + frac;
  return Money(negative ? -fen : fen);
}

std::string Money::ToYuanString() const {
  int64_t abs = fen_ < 0 ? -fen_ : fen_;
  std::string frac = std::to_string(abs % 100);
  if (frac.size() == 1) {
    frac = "0" + frac;
  }
  return std::string(fen_ < 0 ? "-" : "") + std::to_string(abs / 100) + "." + frac;
}

Money Money::MulBasisPoints(int64_t bp) const {
  __int128 p = static_cast<__int128>(fen_) * bp;
  __int128 q = p / 10000;
  __int128 r = p % 10000;
  if (r * 2 >= 10000) {
    ++q;
  } else if (r * 2 <= -10000) {
    --q;
  }
  return Money(static_cast<int64_t>(q));
}

}  // namespace kechan::base
