#include "auth/principal.h"

#include <gtest/gtest.h>

namespace kechan::auth {
namespace {

TEST(PrincipalTest, RoleNamesRoundTrip) {
  EXPECT_EQ(AllRoles().size(), 7u);
  for (Role role : AllRoles()) {
    auto parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.has_value()) << RoleName(role);
    EXPECT_EQ(*parsed, role);
  }
  EXPECT_STREQ(RoleName(Role::kDutyDirector), "duty_director");
  EXPECT_FALSE(ParseRole("admin").has_value());
  EXPECT_FALSE(ParseRole("Operator").has_value());
}

TEST(PrincipalTest, OrgKindNamesRoundTrip) {
  for (OrgKind kind :
       {OrgKind::kEnterprise, OrgKind::kInstitution, OrgKind::kGovernment, OrgKind::kOperator}) {
    EXPECT_EQ(ParseOrgKind(OrgKindName(kind)), kind);
  }
  EXPECT_FALSE(ParseOrgKind("company").has_value());
}

TEST(PrincipalTest, MembershipQueries) {
  Principal p;
  EXPECT_FALSE(p.signed_in());
  p.user = base::UserId{3};
  p.method = AuthMethod::kSession;
  p.memberships = {{.org = base::OrgId{1}, .role = Role::kEnterprise}};
  EXPECT_TRUE(p.signed_in());
  EXPECT_TRUE(p.Has(Role::kEnterprise));
  EXPECT_FALSE(p.Has(Role::kOperator));
  EXPECT_TRUE(p.HasIn(base::OrgId{1}, Role::kEnterprise));
  EXPECT_FALSE(p.HasIn(base::OrgId{2}, Role::kEnterprise));
  EXPECT_TRUE(p.MemberOf(base::OrgId{1}));
  EXPECT_FALSE(p.MemberOf(base::OrgId{2}));
}

}  // namespace
}  // namespace kechan::auth
