// Principal: who is making a request (or none), their roles per organisation and how they proved
// it. The roles are those of docs/product.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"

namespace kechan::auth {

enum class Role {
  kEnterprise,    // 企业
  kResearcher,    // 高校院所 / 科研团队
  kTechManager,   // 技术经理人
  kOfficer,       // 部门工作人员
  kDutyDirector,  // 坐班局长
  kChainChief,    // 产业链长
  kOperator,      // 平台运营 / 管理员
};

// Returns the stable wire name ("enterprise", "duty_director", ...).
const char* RoleName(Role role);
// Parses a wire name; nullopt when unknown.
std::optional<Role> ParseRole(std::string_view name);
// Every role, in declaration order.
const std::vector<Role>& AllRoles();

enum class OrgKind { kEnterprise, kInstitution, kGovernment, kOperator };
const char* OrgKindName(OrgKind kind);
std::optional<OrgKind> ParseOrgKind(std::string_view name);

struct Membership {
  base::OrgId org;
  Role role = Role::kEnterprise;
};

enum class AuthMethod { kNone, kSession, kToken };

// Value type; thread-compatible.
struct Principal {
  base::UserId user;
  std::string username;
  std::string display_name;
  std::vector<Membership> memberships;
  AuthMethod method = AuthMethod::kNone;
  std::string csrf_token;  // set for session sign-ins; unsafe methods must echo it

  bool signed_in() const { return method != AuthMethod::kNone && user.valid(); }
  bool Has(Role role) const {
    for (const auto& m : memberships) {
      if (m.role == role) {
        return true;
      }
    }
    return false;
  }
  bool HasIn(base::OrgId org, Role role) const {
    for (const auto& m : memberships) {
      if (m.org == org && m.role == role) {
        return true;
      }
    }
    return false;
  }
  bool MemberOf(base::OrgId org) const {
    for (const auto& m : memberships) {
      if (m.org == org) {
        return true;
      }
    }
    return false;
  }
};

}  // namespace kechan::auth
