#include "auth/principal.h"

namespace kechan::auth {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kEnterprise:
      return "enterprise";
    case Role::kResearcher:
      return "researcher";
    case Role::kTechManager:
      return "tech_manager";
    case Role::kOfficer:
      return "officer";
    case Role::kDutyDirector:
      return "duty_director";
    case Role::kChainChief:
      return "chain_chief";
    case Role::kOperator:
      return "operator";
  }
  return "enterprise";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : AllRoles()) {
    if (name == RoleName(role)) {
      return role;
    }
  }
  return std::nullopt;
}

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kAll = {Role::kEnterprise, Role::kResearcher,   Role::kTechManager,
                                         Role::kOfficer,    Role::kDutyDirector, Role::kChainChief,
                                         Role::kOperator};
  return kAll;
}

const char* OrgKindName(OrgKind kind) {
  switch (kind) {
    case OrgKind::kEnterprise:
      return "enterprise";
    case OrgKind::kInstitution:
      return "institution";
    case OrgKind::kGovernment:
      return "government";
    case OrgKind::kOperator:
      return "operator";
  }
  return "enterprise";
}

std::optional<OrgKind> ParseOrgKind(std::string_view name) {
  for (OrgKind kind :
       {OrgKind::kEnterprise, OrgKind::kInstitution, OrgKind::kGovernment, OrgKind::kOperator}) {
    if (name == OrgKindName(kind)) {
      return kind;
    }
  }
  return std::nullopt;
}

}  // namespace kechan::auth
