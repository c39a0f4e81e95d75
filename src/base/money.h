// Money in integer fen (1 yuan = 100 fen); never floating point.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace kechan::base {

// Value type; thread-compatible.
class Money {
 public:
  constexpr Money() = default;
  static constexpr Money FromFen(int64_t fen) { return Money(fen); }
  static constexpr Money FromYuan(int64_t yuan) { return Money(yuan * 100); }
  // Parses "12", "12.3", "12.34", "-0.05" (yuan, at most two decimals). Returns InvalidArgument
  // naming `field` on anything else, including overflow.
  static Result<Money> ParseYuan(std::string_view text, std::string_view field = "amount");

  constexpr int64_t fen() const { return fen_; }
  // Formats as yuan with two decimals: "1234.50".
  std::string ToYuanString() const;

  constexpr Money operator+(Money o) const { return Money(fen_ + o.fen_); }
  constexpr Money operator-(Money o) const { return Money(fen_ - o.fen_); }
  // Multiplies by a rate in basis points (1/10000), rounding half away from zero.
  Money MulBasisPoints(int64_t bp) const;
  auto operator<=>(const Money&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads =default

 private:
  constexpr explicit Money(int64_t fen) : fen_(fen) {}
  int64_t fen_ = 0;
};

}  // namespace kechan::base
