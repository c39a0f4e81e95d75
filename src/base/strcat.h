// StrCat: one string from several pieces with one allocation, for messages built inside loops
// (row-by-row import errors, flag checks), where `a + b + c` makes a temporary per `+`.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace kechan::base {

inline std::string StrCat(std::initializer_list<std::string_view> pieces) {
  size_t size = 0;
  for (std::string_view p : pieces) {
    size += p.size();
  }
  std::string out;
  out.reserve(size);
  for (std::string_view p : pieces) {
    out.append(p);
  }
  return out;
}

// Pieces are anything a std::string_view can be made from (std::string, literals, views).
template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  return StrCat({std::string_view{pieces}...});
}

}  // namespace kechan::base
