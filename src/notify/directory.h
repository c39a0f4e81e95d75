// Who a notification reaches: the Directory turns a notify block's users, orgs and roles into
// recipients (user id, e-mail, whether the account is active). AuthDirectory answers from the
// auth module's service API; tests may supply their own.
#pragma once

#include <string>
#include <vector>

#include "auth/auth_service.h"
#include "base/result.h"
#include "notify/model.h"

namespace kechan::notify {

struct Recipient {
  base::UserId user;
  std::string email;  // may be empty
};

// Implementations are thread-safe.
class Directory {
 public:
  virtual ~Directory() = default;
  // Returns the active users the block addresses (see NotifyBlock), each once, by id. Unknown
  // and disabled users are left out. Errors: the directory's storage errors.
  virtual base::Result<std::vector<Recipient>> Resolve(const NotifyBlock& block) = 0;
};

// A Directory over auth::AuthService. auth has no system-level "who holds this role" query, so
// it reads through ListUsers as an in-process operator principal (never exposed to requests).
// Thread-safe; the service must outlive it.
class AuthDirectory final : public Directory {
 public:
  explicit AuthDirectory(auth::AuthService& auth) : auth_(auth) {}
  base::Result<std::vector<Recipient>> Resolve(const NotifyBlock& block) override;

 private:
  auth::AuthService& auth_;
};

}  // namespace kechan::notify
