#include "notify/directory.h"

#include <algorithm>
#include <map>
#include <optional>

namespace kechan::notify {
namespace {

// The principal notify reads the user directory as. Its id is outside the range SQLite and
// PostgreSQL ever hand out, so it cannot be confused with a stored user.
auth::Principal SystemReader() {
  auth::Principal p;
  p.user = base::UserId{INT64_MAX};
  p.username = "system:notify";
  p.display_name = "notify";
  p.method = auth::AuthMethod::kToken;
  p.memberships = {{base::OrgId{INT64_MAX}, auth::Role::kOperator}};
  return p;
}

bool Holds(const auth::User& u, std::optional<base::OrgId> org,
           const std::vector<auth::Role>& roles) {
  for (const auto& m : u.memberships) {
    if (org && m.org != *org) {
      continue;
    }
    if (roles.empty() || std::find(roles.begin(), roles.end(), m.role) != roles.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

base::Result<std::vector<Recipient>> AuthDirectory::Resolve(const NotifyBlock& block) {
  const auth::Principal system = SystemReader();
  std::map<int64_t, Recipient> found;
  auto add = [&](const auth::User& u) {
    if (!u.disabled) {
      found[u.id.value] = Recipient{.user = u.id, .email = u.email};
    }
  };
  // Pages through ListUsers with `filter`, keeping the users `keep` accepts.
  auto scan = [&](const auth::UserFilter& filter, auto keep) -> base::Status {
    for (int page = 1;; ++page) {
      KECHAN_ASSIGN_OR_RETURN(
          auto p,
          auth_.ListUsers(system, filter,
                          auth::PageRequest{.page = page, .page_size = auth::kMaxPageSize}));
      for (const auto& u : p.items) {
        if (keep(u)) {
          add(u);
        }
      }
      if (p.items.empty() || static_cast<int64_t>(page) * auth::kMaxPageSize >= p.total) {
        return base::Status::Ok();
      }
    }
  };
  for (base::UserId id : block.users) {
    auto u = auth_.GetUser(system, id);
    if (u.ok()) {
      add(*u);
    } else if (u.status().code() != base::Code::kNotFound) {
      return u.status();
    }
  }
  for (base::OrgId org : block.orgs) {
    KECHAN_RETURN_IF_ERROR(scan(auth::UserFilter{.org = org},
                                [&](const auth::User& u) { return Holds(u, org, block.roles); }));
  }
  if (block.orgs.empty() && !block.roles.empty()) {
    KECHAN_RETURN_IF_ERROR(scan(auth::UserFilter{}, [&](const auth::User& u) {
      return Holds(u, std::nullopt, block.roles);
    }));
  }
  std::vector<Recipient> out;
  out.reserve(found.size());
  for (auto& [id, r] : found) {
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace kechan::notify
