// Strong id types: one-field structs so a UserId cannot be passed where an OrgId is wanted.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace kechan::base {

template <typename Tag>
struct Id {
  int64_t value = 0;
  constexpr bool valid() const { return value > 0; }
  auto operator<=>(const Id&) const =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads =default
  std::string ToString() const { return std::to_string(value); }
};

using UserId = Id<struct UserTag>;
using OrgId = Id<struct OrgTag>;
using EventSeq = Id<struct EventTag>;

}  // namespace kechan::base

template <typename Tag>
struct std::hash<kechan::base::Id<Tag>> {
  size_t operator()(const kechan::base::Id<Tag>& id) const noexcept {
    return std::hash<int64_t>()(id.value);
  }
};
