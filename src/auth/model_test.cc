#include "auth/model.h"

#include <gtest/gtest.h>

namespace kechan::auth {
namespace {

TEST(AuthModelTest, UsernamesAreLowerCasedAndChecked) {
  EXPECT_EQ(*NormalizeUsername("Zhang.San"), "zhang.san");
  EXPECT_EQ(*NormalizeUsername("li4@example.com"), "li4@example.com");
  for (const char* bad : {"ab", "_lead", "has space", "张三", ""}) {
    auto r = NormalizeUsername(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().field(), "username");
    EXPECT_EQ(r.status().reason(), "username.format");
  }
  EXPECT_FALSE(NormalizeUsername(std::string(65, 'a')).ok());
}

TEST(AuthModelTest, PasswordMinimumCountsCharactersNotBytes) {
  auto s = ValidatePassword("1234567", 8);
  EXPECT_EQ(s.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "password");
  EXPECT_EQ(s.reason(), "password.too_short");
  EXPECT_TRUE(ValidatePassword("12345678", 8).ok());
  // Seven Chinese characters are 21 bytes but still too short.
  EXPECT_FALSE(ValidatePassword("科产融合平台密", 8).ok());
  EXPECT_TRUE(ValidatePassword("科产融合平台密码", 8).ok());
  EXPECT_EQ(ValidatePassword(std::string(1025, 'x'), 8).reason(), "password.too_long");
}

TEST(AuthModelTest, NewUserDefaultsAndEmail) {
  NewUser u{.username = "Wang", .display_name = "", .email = "", .password = "password1"};
  ASSERT_TRUE(ValidateNewUser(u, 8).ok());
  EXPECT_EQ(u.username, "wang");
  EXPECT_EQ(u.display_name, "wang");
  u.email = "not-an-address";
  EXPECT_EQ(ValidateNewUser(u, 8).field(), "email");
  u.email = "wang@example.cn";
  EXPECT_TRUE(ValidateNewUser(u, 8).ok());
}

TEST(AuthModelTest, EnterpriseNeedsValidUscc) {
  NewOrg org{
      .kind = OrgKind::kEnterprise, .name = "示例科技有限公司（合成）", .name_en = "", .uscc = ""};
  auto s = ValidateNewOrg(org);
  EXPECT_EQ(s.field(), "uscc");
  EXPECT_EQ(s.reason(), "uscc.required");
  org.uscc = "91350100m000100y43";
  ASSERT_TRUE(ValidateNewOrg(org).ok());
  EXPECT_EQ(org.uscc, "91350100M000100Y43");
  org.uscc = "91350100M000100Y44";
  EXPECT_EQ(ValidateNewOrg(org).reason(), "uscc.check_char");
  NewOrg gov{.kind = OrgKind::kGovernment, .name = "市科技局（示例）", .name_en = "", .uscc = ""};
  EXPECT_TRUE(ValidateNewOrg(gov).ok());
  gov.name = "";
  EXPECT_EQ(ValidateNewOrg(gov).field(), "name");
}

TEST(AuthModelTest, RolesFitOrgKinds) {
  EXPECT_TRUE(RoleFitsOrgKind(Role::kEnterprise, OrgKind::kEnterprise));
  EXPECT_FALSE(RoleFitsOrgKind(Role::kEnterprise, OrgKind::kGovernment));
  EXPECT_TRUE(RoleFitsOrgKind(Role::kResearcher, OrgKind::kInstitution));
  EXPECT_TRUE(RoleFitsOrgKind(Role::kOfficer, OrgKind::kGovernment));
  EXPECT_TRUE(RoleFitsOrgKind(Role::kChainChief, OrgKind::kGovernment));
  EXPECT_FALSE(RoleFitsOrgKind(Role::kOperator, OrgKind::kGovernment));
  EXPECT_TRUE(RoleFitsOrgKind(Role::kOperator, OrgKind::kOperator));
  EXPECT_TRUE(RoleFitsOrgKind(Role::kTechManager, OrgKind::kInstitution));
  EXPECT_FALSE(RoleFitsOrgKind(Role::kTechManager, OrgKind::kGovernment));
}

TEST(AuthModelTest, PagesAreBounded) {
  EXPECT_TRUE(ValidatePage({.page = 1, .page_size = 20}).ok());
  EXPECT_EQ(ValidatePage({.page = 0, .page_size = 20}).field(), "page");
  EXPECT_EQ(ValidatePage({.page = 1, .page_size = 0}).field(), "page_size");
  EXPECT_EQ(ValidatePage({.page = 1, .page_size = kMaxPageSize + 1}).field(), "page_size");
}

}  // namespace
}  // namespace kechan::auth
