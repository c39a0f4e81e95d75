// The auth model: organisations, users, memberships, sessions and API tokens as plain values, and
// the pure rules over them (name formats, which role fits which kind of organisation). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/result.h"

namespace kechan::auth {

// Value types below are thread-compatible.

struct Org {
  base::OrgId id;
  OrgKind kind = OrgKind::kEnterprise;
  std::string name;                 // 中文名称
  std::string name_en;              // may be empty
  std::optional<std::string> uscc;  // normalised; required for enterprises
  base::Micros created_at = 0;
};

struct NewOrg {
  OrgKind kind = OrgKind::kEnterprise;
  std::string name;
  std::string name_en;
  std::string uscc;  // empty = none
};

struct User {
  base::UserId id;
  std::string username;  // lower case
  std::string display_name;
  std::string email;  // may be empty
  bool disabled = false;
  base::Micros created_at = 0;
  std::vector<Membership> memberships;
};

struct NewUser {
  std::string username;
  std::string display_name;
  std::string email;
  std::string password;
  std::vector<Membership> memberships;  // may be empty (operators add them later)
};

// A membership with the organisation's names, for display.
struct MembershipView {
  base::OrgId org;
  OrgKind org_kind = OrgKind::kEnterprise;
  std::string org_name;
  std::string org_name_en;
  Role role = Role::kEnterprise;
};

struct OrgMember {
  base::UserId user;
  std::string username;
  std::string display_name;
  Role role = Role::kEnterprise;
};

struct ApiToken {
  int64_t id = 0;
  base::UserId user;
  std::string name;
  std::string prefix;  // the first characters of the token, for recognising it ("kt_AbCdEfGh")
  base::Micros created_at = 0;
  std::optional<base::Micros> last_used_at;
  std::optional<base::Micros> revoked_at;
};

struct PageRequest {
  int page = 1;        // from 1
  int page_size = 20;  // 1..kMaxPageSize
};
inline constexpr int kMaxPageSize = 200;

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;
  int page = 1;
  int page_size = 20;
};

struct OrgFilter {
  std::optional<OrgKind> kind;
  std::string name_contains;  // matched against name and name_en; empty = any
};

struct UserFilter {
  std::optional<base::OrgId> org;  // only members of this org
};

// Validates paging; returns InvalidArgument naming "page" / "page_size".
base::Status ValidatePage(const PageRequest& page);

// Normalises a username to lower case and validates it: 3-64 characters of a-z 0-9 . _ - @,
// starting with a letter or digit. Errors: InvalidArgument "username.format".
base::Result<std::string> NormalizeUsername(std::string_view username);

// Validates a new password: at least `min_length` Unicode characters, at most 1024 bytes.
// Errors: InvalidArgument naming "password" with reason "password.too_short" / "password.too_long".
base::Status ValidatePassword(std::string_view password, size_t min_length);

// Normalises and validates a new user's fields in place: username (see NormalizeUsername),
// display_name 0-100 characters (empty = the username), email empty or one plausible address,
// password (see ValidatePassword). Errors name "username", "display_name", "email", "password".
base::Status ValidateNewUser(NewUser& user, size_t min_password_length);

// Validates an organisation before it is stored: name 1-200 characters, name_en up to 200, the
// USCC (normalised in place) required for enterprises. Errors name "name", "name_en" or "uscc".
base::Status ValidateNewOrg(NewOrg& org);

// Returns whether `role` may be held in an organisation of `kind`:
//   enterprise -> enterprise; researcher -> institution;
//   tech_manager -> enterprise (a brokerage), institution (tech-transfer office) or operator;
//   officer, duty_director, chain_chief -> government; operator -> operator.
bool RoleFitsOrgKind(Role role, OrgKind kind);

}  // namespace kechan::auth
