#include "auth/model.h"

#include "auth/uscc.h"
#include "base/utf8.h"

namespace kechan::auth {

using base::InvalidArgument;
using base::Status;

Status ValidatePage(const PageRequest& page) {
  if (page.page < 1) {
    return InvalidArgument("page", "page.out_of_range", "page must be 1 or more.",
                           "页码必须大于等于 1。");
  }
  if (page.page_size < 1 || page.page_size > kMaxPageSize) {
    return InvalidArgument("page_size", "page_size.out_of_range",
                           "page_size must be between 1 and " + std::to_string(kMaxPageSize) + ".",
                           "每页条数必须在 1 到 " + std::to_string(kMaxPageSize) + " 之间。");
  }
  return Status::Ok();
}

base::Result<std::string> NormalizeUsername(std::string_view username) {
  std::string out;
  for (char c : username) {
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  bool ok = out.size() >= 3 && out.size() <= 64;
  for (size_t i = 0; ok && i < out.size(); ++i) {
    char c = out[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    ok = alnum || (i > 0 && (c == '.' || c == '_' || c == '-' || c == '@'));
  }
  if (!ok) {
    return InvalidArgument(
        "username", "username.format",
        "A username has 3-64 characters: letters, digits and . _ - @, starting "
        "with a letter or digit.",
        "用户名为 3-64 个字符，只能包含字母、数字和 . _ - @，且以字母或数字开头。");
  }
  return out;
}

Status ValidatePassword(std::string_view password, size_t min_length) {
  if (base::CodePointCount(password) < min_length) {
    return InvalidArgument(
        "password", "password.too_short",
        "The password must have at least " + std::to_string(min_length) + " characters.",
        "密码至少需要 " + std::to_string(min_length) + " 个字符。");
  }
  if (password.size() > 1024) {
    return InvalidArgument("password", "password.too_long",
                           "The password must be at most 1024 bytes.",
                           "密码长度不能超过 1024 字节。");
  }
  return Status::Ok();
}

Status ValidateNewUser(NewUser& user, size_t min_password_length) {
  KECHAN_ASSIGN_OR_RETURN(user.username, NormalizeUsername(user.username));
  if (base::CodePointCount(user.display_name) > 100) {
    return InvalidArgument("display_name", "user.display_name_length",
                           "The display name must have at most 100 characters.",
                           "显示名称不能超过 100 个字符。");
  }
  if (user.display_name.empty()) {
    user.display_name = user.username;
  }
  if (!user.email.empty()) {
    size_t at = user.email.find('@');
    bool ok = user.email.size() <= 254 && at != std::string::npos && at > 0 &&
              at + 1 < user.email.size() && user.email.find('@', at + 1) == std::string::npos &&
              user.email.find('.', at) != std::string::npos;
    for (char c : user.email) {
      ok = ok && static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
    }
    if (!ok) {
      return InvalidArgument("email", "email.format",
                             "The e-mail address is not valid (expected name@example.com).",
                             "电子邮箱格式不正确（应类似 name@example.com）。");
    }
  }
  return ValidatePassword(user.password, min_password_length);
}

Status ValidateNewOrg(NewOrg& org) {
  size_t name_len = base::CodePointCount(org.name);
  if (name_len < 1 || name_len > 200) {
    return InvalidArgument("name", "org.name_length",
                           "The organisation name must have 1-200 characters.",
                           "机构名称应为 1-200 个字符。");
  }
  if (base::CodePointCount(org.name_en) > 200) {
    return InvalidArgument("name_en", "org.name_en_length",
                           "The English name must have at most 200 characters.",
                           "英文名称不能超过 200 个字符。");
  }
  if (org.uscc.empty()) {
    if (org.kind == OrgKind::kEnterprise) {
      return InvalidArgument("uscc", "uscc.required",
                             "An enterprise must give its unified social credit code.",
                             "企业必须填写统一社会信用代码。");
    }
    return Status::Ok();
  }
  KECHAN_ASSIGN_OR_RETURN(org.uscc, NormalizeUscc(org.uscc, "uscc"));
  return Status::Ok();
}

bool RoleFitsOrgKind(Role role, OrgKind kind) {
  switch (role) {
    case Role::kEnterprise:
      return kind == OrgKind::kEnterprise;
    case Role::kResearcher:
      return kind == OrgKind::kInstitution;
    case Role::kTechManager:
      return kind == OrgKind::kEnterprise || kind == OrgKind::kInstitution ||
             kind == OrgKind::kOperator;
    case Role::kOfficer:
    case Role::kDutyDirector:
    case Role::kChainChief:
      return kind == OrgKind::kGovernment;
    case Role::kOperator:
      return kind == OrgKind::kOperator;
  }
  return false;
}

}  // namespace kechan::auth
