// AuthService: the use-cases of the auth module — organisations, users and memberships, password
// sign-in with rate limiting, cookie sessions with CSRF tokens, API tokens for integrations, and
// the permission checks that go with them. Every write is one transaction that changes rows and
// appends its event; no password, password hash, session token or API token ever enters an event.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/crypto.h"
#include "auth/model.h"
#include "auth/principal.h"
#include "auth/rate_limiter.h"
#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace kechan::auth {

enum class SessionExpiry {
  kFixed,    // a session ends session_ttl after sign-in
  kSliding,  // each use pushes the end to now + session_ttl, up to session_max_lifetime
};

// One failed or refused sign-in, for logs and metrics. Never holds the password.
struct SignInFailure {
  std::string username;  // as typed (normalised when well-formed)
  std::string remote_addr;
  std::string reason;  // "signin.failed", "signin.rate_limited", "signin.disabled"
  base::Micros at = 0;
};

struct AuthOptions {
  PasswordCost password_cost;  // argon2id INTERACTIVE by default; PasswordCost::Minimum() in tests
  size_t min_password_length = 8;
  base::Micros session_ttl = 8LL * 3600 * 1000 * 1000;  // 8 hours
  SessionExpiry session_expiry = SessionExpiry::kSliding;
  base::Micros session_max_lifetime = 7LL * 24 * 3600 * 1000 * 1000;  // cap for sliding sessions
  // Sessions' last_seen_at/expires_at and tokens' last_used_at are rewritten at most this often,
  // so reads do not turn into a write per request.
  base::Micros touch_interval = 60LL * 1000 * 1000;
  // Resolved credentials are cached this long per node (0 disables). Writes that change who someone
  // is (sign-out, revocation, disabling, membership or password changes) clear this node's cache at
  // once; other nodes of a PostgreSQL deployment see them within this time.
  base::Micros principal_cache_ttl = 2LL * 1000 * 1000;
  RateLimitOptions per_username;  // 5 failures / 15 min
  RateLimitOptions per_address;   // 5 failures / 15 min (note: offices behind one NAT share it)
  // Called for every failed or refused sign-in (failed sign-ins are not business state, so they
  // are logged rather than appended to the event log). Null = a base::Log warning line
  // "auth.signin_refused".
  std::function<void(const SignInFailure&)> on_signin_failure;
};

struct SignInResult {
  std::string session_token;  // the cookie value; only its SHA-256 is stored
  std::string csrf_token;     // unsafe requests authenticated by the cookie must echo it
  Principal principal;
  base::Micros expires_at = 0;
};

struct CreatedApiToken {
  ApiToken token;
  std::string plain;  // "kt_..." — shown to the user once, never stored
};

enum class IfUserExists {
  kFail,           // kAlreadyExists naming "username"
  kAddMembership,  // keep the user (and its password) and add the membership
};

struct AddUserRequest {
  std::string username;
  std::string password;  // ignored when the user exists and if_exists is kAddMembership
  std::string display_name;
  std::string email;
  base::OrgId org;       // the organisation, or
  std::string org_uscc;  // its unified social credit code when org is not set
  Role role = Role::kEnterprise;
  IfUserExists if_exists = IfUserExists::kFail;
};

inline constexpr char kDefaultOperatorOrgName[] = "成都市科产融合平台运营中心（示例）";
inline constexpr char kDefaultOperatorOrgNameEn[] =
    "Chengdu Science-Industry Integration Platform Operations Centre (example)";

struct BootstrapRequest {
  std::string username;
  std::string password;
  std::string display_name;
  std::string email;
  std::string org_name = kDefaultOperatorOrgName;
  std::string org_name_en = kDefaultOperatorOrgNameEn;
};

struct BootstrapResult {
  Org org;
  User user;
  bool org_created = false;
};

enum class AccountState { kActive, kDisabled };

struct SignInStats {
  int64_t succeeded = 0;
  int64_t failed = 0;
  int64_t rate_limited = 0;
};

// Thread-safe: the database is, and the only in-memory state (rate-limit windows, counters) is
// guarded. The Database and Clock must outlive the service.
//
// Permissions (checked here as well as by route access rules): operators may do everything;
// every other user may read the organisations they belong to and their fellow members, read
// themselves, and add or remove members only in an organisation where they hold that same role
// (no escalation). Creating organisations is for operators only. Reads of another organisation
// give kPermissionDenied (whether or not it exists, so ids cannot be probed).
class AuthService {
 public:
  AuthService(store::Database& db, const base::Clock& clock, AuthOptions options = {});

  // --- organisations ---
  // Creates an organisation (operators only). Errors: kInvalidArgument naming "name", "name_en"
  // or "uscc" (see NormalizeUscc); kAlreadyExists naming "uscc"; kPermissionDenied;
  // kUnauthenticated when `actor` is not signed in.
  base::Result<Org> CreateOrg(const Principal& actor, NewOrg org);
  // Creates an organisation on behalf of the CLI or demo loader (no principal). Same errors.
  base::Result<Org> CreateOrgAsSystem(NewOrg org, std::string_view actor_label = "cli");
  // Returns an organisation. Errors: kNotFound (operators), kPermissionDenied (non-members).
  base::Result<Org> GetOrg(const Principal& actor, base::OrgId id);
  // Lists organisations by id: all for operators, one's own for others.
  base::Result<Page<Org>> ListOrgs(const Principal& actor, const OrgFilter& filter,
                                   const PageRequest& page);
  // Lists the members of an organisation (operators and members).
  base::Result<std::vector<OrgMember>> ListOrgMembers(const Principal& actor, base::OrgId org);

  // --- users ---
  // Creates a user with its memberships. Errors: kInvalidArgument naming "username",
  // "display_name", "email", "password", "memberships[i].org_id" or "memberships[i].role";
  // kAlreadyExists naming "username"; kPermissionDenied.
  base::Result<User> CreateUser(const Principal& actor, NewUser user);
  // Returns a user with memberships (self, operators, fellow members).
  base::Result<User> GetUser(const Principal& actor, base::UserId id);
  // Lists users by id: all (or one org's) for operators; fellow members for others.
  base::Result<Page<User>> ListUsers(const Principal& actor, const UserFilter& filter,
                                     const PageRequest& page);
  // Adds a membership. Errors: kNotFound naming "org_id" / "user_id"; kInvalidArgument naming
  // "role" when the role does not fit the organisation's kind; kAlreadyExists; kPermissionDenied.
  base::Status AddMembership(const Principal& actor, base::UserId user, Membership membership);
  // Removes a membership. Errors: kNotFound; kFailedPrecondition when it is the last operator
  // membership of the installation; kPermissionDenied.
  base::Status RemoveMembership(const Principal& actor, base::UserId user, Membership membership);
  // Sets a password. Users changing their own must give the current one; operators may reset
  // anyone's. Ends the user's other sessions. Errors: kInvalidArgument naming "password" or
  // "current_password"; kPermissionDenied; kNotFound.
  base::Status SetPassword(const Principal& actor, base::UserId user, std::string_view password,
                           std::optional<std::string_view> current_password);
  // Disables or re-enables an account (operators only). Disabling ends its sessions; its API
  // tokens stop working while it is disabled. Errors: kNotFound; kFailedPrecondition when it
  // would disable the last active operator; kPermissionDenied.
  base::Status SetAccountState(const Principal& actor, base::UserId user, AccountState state);
  // Returns the memberships of `user` with organisation names (self or operators).
  base::Result<std::vector<MembershipView>> MembershipViews(const Principal& actor,
                                                            base::UserId user);

  // --- sessions ---
  // Signs in with a password and opens a session. Unknown user and wrong password give the same
  // kUnauthenticated "signin.failed" and take similar time. After too many failures for this
  // username or address: kResourceExhausted "signin.rate_limited" (even with the right password).
  // A disabled account with the right password: kPermissionDenied "signin.disabled".
  base::Result<SignInResult> SignIn(std::string_view username, std::string_view password,
                                    std::string_view remote_addr);
  // Ends the session of `session_token` (ok when it does not exist).
  base::Status SignOut(std::string_view session_token);
  // Resolves a request's credentials. A bearer token wins over the cookie. Neither: a Principal
  // with method kNone. A bad, expired or revoked credential, or a disabled user: kUnauthenticated
  // ("session.invalid", "session.expired", "token.invalid", "token.revoked", "user.disabled").
  base::Result<Principal> Authenticate(std::optional<std::string_view> session_token,
                                       std::optional<std::string_view> bearer_token);
  // Deletes expired sessions (housekeeping, no event); returns how many.
  base::Result<int64_t> PurgeExpiredSessions();

  // --- API tokens ---
  // Creates an API token for the actor; returns the plain token once. Needs a session sign-in (a
  // token cannot mint tokens). Errors: kInvalidArgument naming "name"; kPermissionDenied.
  base::Result<CreatedApiToken> CreateApiToken(const Principal& actor, std::string_view name);
  // Lists the actor's tokens, newest first (revoked ones included, marked).
  base::Result<std::vector<ApiToken>> ListApiTokens(const Principal& actor);
  // Revokes one of the actor's tokens (operators: anyone's). Errors: kNotFound.
  base::Status RevokeApiToken(const Principal& actor, int64_t token_id);

  // --- CLI ---
  // Creates the operator organisation (when no operator organisation of that name exists), the
  // user and its operator membership, in one transaction (`kechan user add --role operator`).
  // Errors: as CreateUser; kAlreadyExists naming "username".
  base::Result<BootstrapResult> BootstrapOperator(const BootstrapRequest& request);
  // Creates a user holding `role` in an existing organisation (or adds the membership to an
  // existing user, see IfUserExists). Errors: as CreateUser and AddMembership; kNotFound naming
  // "org" when the organisation does not exist.
  base::Result<User> AddUserWithRole(const AddUserRequest& request,
                                     std::string_view actor_label = "cli");

  SignInStats stats() const;
  const AuthOptions& options() const { return options_; }

 private:
  struct Actor;
  base::Result<Org> CreateOrgImpl(const Actor& actor, NewOrg org);
  base::Result<Principal> LoadPrincipal(store::Tx& tx, base::UserId user, AuthMethod method);
  void ReportFailure(SignInFailure failure);
  base::Result<Principal> AuthenticateUncached(std::optional<std::string_view> session_token,
                                               std::optional<std::string_view> bearer_token,
                                               base::Micros* expires_at);
  void InvalidatePrincipalCache();
  // Clears the principal cache when it goes out of scope, i.e. after a write has committed.
  struct CacheInvalidator {
    explicit CacheInvalidator(AuthService& s) : service(s) {}
    ~CacheInvalidator() { service.InvalidatePrincipalCache(); }
    AuthService& service;
  };

  struct CachedPrincipal {
    Principal principal;
    base::Micros cached_at = 0;
    base::Micros expires_at = 0;  // session expiry; 0 for API tokens
  };
  const std::string& DummyHash();

  store::Database& db_;
  const base::Clock& clock_;
  const AuthOptions options_;
  FailureWindow by_username_;
  FailureWindow by_address_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // made on first use (one argon2id hash costs ~64 MiB and a moment)
  std::atomic<int64_t> succeeded_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> rate_limited_{0};
  mutable std::mutex cache_mu_;
  std::unordered_map<std::string, CachedPrincipal> principal_cache_;  // guarded by cache_mu_
};

}  // namespace kechan::auth
