#include "auth/auth_service.h"

#include <algorithm>
#include <utility>

#include "auth/uscc.h"
#include "base/log.h"
#include "base/utf8.h"
#include "store/event_log.h"

namespace kechan::auth {

using base::Code;
using base::Micros;
using base::OrgId;
using base::Result;
using base::Status;
using base::UserId;
using store::Rows;
using store::Tx;
using store::TxKind;
using store::Value;

// Who performs a write: a signed-in principal or a system label ("cli").
struct AuthService::Actor {
  const Principal* principal = nullptr;
  std::string label;
};

namespace {

constexpr std::string_view kApiTokenPrefix = "kt_";
constexpr size_t kMaxCredentialBytes = 512;

// A tiny JSON object writer for event payloads (text values are escaped; UTF-8 passes through).
class JsonObject {
 public:
  JsonObject& Str(std::string_view key, std::string_view value) {
    Key(key);
    Quote(value);
    return *this;
  }
  JsonObject& Int(std::string_view key, int64_t value) {
    Key(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonObject& Null(std::string_view key) {
    Key(key);
    out_ += "null";
    return *this;
  }
  JsonObject& Bool(std::string_view key, bool value) {
    Key(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  std::string Done() const { return out_ + "}"; }

 private:
  void Key(std::string_view key) {
    out_ += out_.size() == 1 ? "" : ",";
    Quote(key);
    out_ += ':';
  }
  void Quote(std::string_view s) {
    static const char* kHex = "0123456789abcdef";
    out_ += '"';
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (u < 0x20) {
        out_ += "\\u00";
        out_ += kHex[u >> 4];
        out_ += kHex[u & 0xF];
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }
  std::string out_ = "{";
};

bool IsOperator(const Principal& p) { return p.signed_in() && p.Has(Role::kOperator); }

Status RequireSignedIn(const Principal& p) {
  if (!p.signed_in()) {
    return base::Unauthenticated("auth.required", "Please sign in first.", "请先登录。");
  }
  return Status::Ok();
}

Status Denied(std::string reason, std::string en, std::string zh) {
  return base::PermissionDenied(std::move(reason), std::move(en), std::move(zh));
}

std::string ActorLabel(const Principal& p) { return "user:" + p.user.ToString(); }

// Returns "?,?,?" with n placeholders.
std::string Placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += i == 0 ? "?" : ",?";
  }
  return s;
}

std::vector<int64_t> OrgIdsOf(const Principal& p) {
  std::vector<int64_t> ids;
  for (const auto& m : p.memberships) {
    if (std::find(ids.begin(), ids.end(), m.org.value) == ids.end()) {
      ids.push_back(m.org.value);
    }
  }
  return ids;
}

Status Append(Tx& tx, const base::Clock& clock, std::string kind, std::string entity,
              std::string entity_id, std::string actor, std::string payload) {
  store::EventDraft draft{.kind = std::move(kind),
                          .entity = std::move(entity),
                          .entity_id = std::move(entity_id),
                          .actor = std::move(actor),
                          .payload = std::move(payload)};
  Result<int64_t> seq = store::AppendEvent(tx, draft, clock);
  return seq.ok() ? Status::Ok() : seq.status();
}

constexpr std::string_view kOrgCols = "id, kind, name, name_en, uscc, created_at";

Org OrgFromRow(const store::Row& r) {
  Org o;
  o.id = OrgId{r.Int(0)};
  o.kind = ParseOrgKind(r.Text(1)).value_or(OrgKind::kEnterprise);
  o.name = r.Text(2);
  o.name_en = r.Text(3);
  if (!r.IsNull(4)) {
    o.uscc = r.Text(4);
  }
  o.created_at = r.Int(5);
  return o;
}

constexpr std::string_view kUserCols = "id, username, display_name, email, disabled, created_at";

User UserFromRow(const store::Row& r) {
  User u;
  u.id = UserId{r.Int(0)};
  u.username = r.Text(1);
  u.display_name = r.Text(2);
  u.email = r.Text(3);
  u.disabled = r.Int(4) != 0;
  u.created_at = r.Int(5);
  return u;
}

ApiToken TokenFromRow(const store::Row& r) {
  ApiToken t;
  t.id = r.Int(0);
  t.user = UserId{r.Int(1)};
  t.name = r.Text(2);
  t.prefix = r.Text(3);
  t.created_at = r.Int(4);
  if (!r.IsNull(5)) {
    t.last_used_at = r.Int(5);
  }
  if (!r.IsNull(6)) {
    t.revoked_at = r.Int(6);
  }
  return t;
}

std::string OrgPayload(const Org& o) {
  JsonObject j;
  j.Int("id", o.id.value).Str("kind", OrgKindName(o.kind)).Str("name", o.name);
  j.Str("name_en", o.name_en);
  if (o.uscc) {
    j.Str("uscc", *o.uscc);
  } else {
    j.Null("uscc");
  }
  return j.Done();
}

Result<std::optional<Org>> FindOrg(Tx& tx, OrgId id) {
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT " + std::string(kOrgCols) + " FROM orgs WHERE id = ?", {id.value}));
  if (rows.empty()) {
    return std::optional<Org>();
  }
  return std::optional<Org>(OrgFromRow(rows.rows[0]));
}

Result<std::vector<Membership>> LoadMemberships(Tx& tx, UserId user) {
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT org_id, role FROM memberships WHERE user_id = ? ORDER BY org_id, role",
               {user.value}));
  std::vector<Membership> out;
  for (const auto& r : rows.rows) {
    if (auto role = ParseRole(r.Text(1))) {
      out.push_back(Membership{.org = OrgId{r.Int(0)}, .role = *role});
    }
  }
  return out;
}

Result<std::optional<User>> FindUser(Tx& tx, UserId id) {
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT " + std::string(kUserCols) + " FROM users WHERE id = ?", {id.value}));
  if (rows.empty()) {
    return std::optional<User>();
  }
  User u = UserFromRow(rows.rows[0]);
  KECHAN_ASSIGN_OR_RETURN(u.memberships, LoadMemberships(tx, u.id));
  return std::optional<User>(std::move(u));
}

Result<bool> UsernameTaken(Tx& tx, const std::string& username) {
  KECHAN_ASSIGN_OR_RETURN(Rows rows,
                          tx.Query("SELECT id FROM users WHERE username = ?", {username}));
  return !rows.empty();
}

Status UsernameTakenError() {
  return base::AlreadyExists("username.taken", "This username is already taken.",
                             "该用户名已被使用。", "username");
}

Status UsccTakenError() {
  return base::AlreadyExists("uscc.taken",
                             "An organisation with this unified social credit code already exists.",
                             "已存在使用该统一社会信用代码的机构。", "uscc");
}

// Maps a unique violation of the INSERT to the friendly error (a concurrent writer won the race).
Status MapUnique(const Status& s, const Status& friendly) {
  return s.code() == Code::kAlreadyExists ? friendly : s;
}

// Validates and inserts one membership, appending its event. Field names get `prefix`.
Status InsertMembership(Tx& tx, const base::Clock& clock, const std::string& actor, UserId user,
                        const Membership& m, const std::string& prefix) {
  KECHAN_ASSIGN_OR_RETURN(std::optional<Org> org, FindOrg(tx, m.org));
  if (!org) {
    return base::NotFound("org.not_found", "The organisation does not exist.", "该机构不存在。",
                          prefix + "org_id");
  }
  if (!RoleFitsOrgKind(m.role, org->kind)) {
    return base::InvalidArgument(prefix + "role", "membership.role_mismatch",
                                 std::string("The role '") + RoleName(m.role) +
                                     "' cannot be held in an organisation of "
                                     "kind '" +
                                     OrgKindName(org->kind) + "'.",
                                 std::string("角色“") + RoleName(m.role) + "”不能用于类型为“" +
                                     OrgKindName(org->kind) + "”的机构。");
  }
  const std::string role = RoleName(m.role);
  KECHAN_ASSIGN_OR_RETURN(
      Rows existing,
      tx.Query("SELECT id FROM memberships WHERE user_id = ? AND org_id = ? AND role = ?",
               {user.value, m.org.value, role}));
  if (!existing.empty()) {
    return base::AlreadyExists("membership.exists", "The user already holds this role here.",
                               "该用户在此机构已有该角色。", prefix + "role");
  }
  Result<int64_t> n =
      tx.Exec("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES (?, ?, ?, ?)",
              {user.value, m.org.value, role, clock.NowMicros()});
  if (!n.ok()) {
    return n.status();
  }
  return Append(
      tx, clock, "auth.membership.added", "user", user.ToString(), actor,
      JsonObject().Int("user_id", user.value).Int("org_id", m.org.value).Str("role", role).Done());
}

// Inserts a validated user (fields normalised, password already hashed) and appends its event.
Result<User> InsertUser(Tx& tx, const base::Clock& clock, const std::string& actor,
                        const NewUser& user, const std::string& password_hash) {
  KECHAN_ASSIGN_OR_RETURN(bool taken, UsernameTaken(tx, user.username));
  if (taken) {
    return UsernameTakenError();
  }
  const Micros now = clock.NowMicros();
  Result<Rows> inserted = tx.Query(
      "INSERT INTO users (username, display_name, email, password_hash, disabled, created_at, "
      "password_changed_at) VALUES (?, ?, ?, ?, 0, ?, ?) RETURNING id",
      {user.username, user.display_name, user.email, password_hash, now, now});
  if (!inserted.ok()) {
    return MapUnique(inserted.status(), UsernameTakenError());
  }
  User out;
  out.id = UserId{inserted->rows.at(0).Int(0)};
  out.username = user.username;
  out.display_name = user.display_name;
  out.email = user.email;
  out.created_at = now;
  KECHAN_RETURN_IF_ERROR(Append(tx, clock, "auth.user.created", "user", out.id.ToString(), actor,
                                JsonObject()
                                    .Int("id", out.id.value)
                                    .Str("username", out.username)
                                    .Str("display_name", out.display_name)
                                    .Str("email", out.email)
                                    .Done()));
  return out;
}

std::string SanitizeForLog(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  }
  return out;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s.substr(0, 128));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

Status RateLimited(Micros until, Micros now) {
  int64_t minutes = std::max<int64_t>(1, (until - now + 60'000'000 - 1) / 60'000'000);
  std::string m = std::to_string(minutes);
  return Status(Code::kResourceExhausted, "signin.rate_limited",
                "Too many failed sign-ins. Please try again in " + m + " minute(s).",
                "登录失败次数过多，请在 " + m + " 分钟后重试。");
}

Status SignInFailed() {
  return base::Unauthenticated("signin.failed", "Wrong username or password.",
                               "用户名或密码错误。");
}

}  // namespace

AuthService::AuthService(store::Database& db, const base::Clock& clock, AuthOptions options)
    : db_(db),
      clock_(clock),
      options_(std::move(options)),
      by_username_(clock, options_.per_username),
      by_address_(clock, options_.per_address) {}

const std::string& AuthService::DummyHash() {
  // A hash of a random password with the configured cost, verified against when the username is
  // unknown so that both failures take the same time.
  std::call_once(dummy_once_, [this] {
    Result<std::string> dummy = HashPassword(RandomToken(16), options_.password_cost);
    dummy_hash_ = dummy.ok() ? *dummy : std::string();
  });
  return dummy_hash_;
}

SignInStats AuthService::stats() const {
  return {.succeeded = succeeded_.load(),
          .failed = failed_.load(),
          .rate_limited = rate_limited_.load()};
}

void AuthService::ReportFailure(SignInFailure failure) {
  if (options_.on_signin_failure) {
    options_.on_signin_failure(failure);
    return;
  }
  base::Log(base::LogLevel::kWarn, "auth.signin_refused",
            {{"reason", failure.reason},
             {"username", SanitizeForLog(failure.username)},
             {"remote", SanitizeForLog(failure.remote_addr)}});
}

// --- organisations ---

Result<Org> AuthService::CreateOrg(const Principal& actor, NewOrg org) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  if (!IsOperator(actor)) {
    return Denied("org.create_denied", "Only platform operators can create organisations.",
                  "只有平台运营人员可以创建机构。");
  }
  return CreateOrgImpl(Actor{.principal = &actor, .label = ActorLabel(actor)}, std::move(org));
}

Result<Org> AuthService::CreateOrgAsSystem(NewOrg org, std::string_view actor_label) {
  return CreateOrgImpl(Actor{.principal = nullptr, .label = std::string(actor_label)},
                       std::move(org));
}

Result<Org> AuthService::CreateOrgImpl(const Actor& actor, NewOrg org) {
  KECHAN_RETURN_IF_ERROR(ValidateNewOrg(org));
  Org out;
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    if (!org.uscc.empty()) {
      KECHAN_ASSIGN_OR_RETURN(Rows rows,
                              tx.Query("SELECT id FROM orgs WHERE uscc = ?", {org.uscc}));
      if (!rows.empty()) {
        return UsccTakenError();
      }
    }
    const Micros now = clock_.NowMicros();
    Value uscc = org.uscc.empty() ? Value(nullptr) : Value(org.uscc);
    Value created_by =
        actor.principal != nullptr ? Value(actor.principal->user.value) : Value(nullptr);
    Result<Rows> inserted = tx.Query(
        "INSERT INTO orgs (kind, name, name_en, uscc, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {std::string(OrgKindName(org.kind)), org.name, org.name_en, uscc, now, created_by});
    if (!inserted.ok()) {
      return MapUnique(inserted.status(), UsccTakenError());
    }
    out.id = OrgId{inserted->rows.at(0).Int(0)};
    out.kind = org.kind;
    out.name = org.name;
    out.name_en = org.name_en;
    if (!org.uscc.empty()) {
      out.uscc = org.uscc;
    }
    out.created_at = now;
    return Append(tx, clock_, "auth.org.created", "org", out.id.ToString(), actor.label,
                  OrgPayload(out));
  });
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<Org> AuthService::GetOrg(const Principal& actor, OrgId id) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  if (!IsOperator(actor) && !actor.MemberOf(id)) {
    return Denied("org.not_member", "You can only see organisations you belong to.",
                  "只能查看本人所属的机构。");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(std::optional<Org> org, FindOrg(*tx, id));
  if (!org) {
    return base::NotFound("org.not_found", "The organisation does not exist.", "该机构不存在。",
                          "id");
  }
  return *org;
}

Result<Page<Org>> AuthService::ListOrgs(const Principal& actor, const OrgFilter& filter,
                                        const PageRequest& page) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  KECHAN_RETURN_IF_ERROR(ValidatePage(page));
  std::string where = " WHERE 1 = 1";
  std::vector<Value> params;
  if (!IsOperator(actor)) {
    std::vector<int64_t> ids = OrgIdsOf(actor);
    if (ids.empty()) {
      return Page<Org>{.items = {}, .total = 0, .page = page.page, .page_size = page.page_size};
    }
    where += " AND id IN (" + Placeholders(ids.size()) + ")";
    params.insert(params.end(), ids.begin(), ids.end());
  }
  if (filter.kind) {
    where += " AND kind = ?";
    params.emplace_back(std::string(OrgKindName(*filter.kind)));
  }
  if (!filter.name_contains.empty()) {
    std::string pattern = "%";
    for (char c : LowerAscii(filter.name_contains.substr(0, 200))) {
      if (c == '%' || c == '_' || c == '\\') {
        pattern += '\\';
      }
      pattern += c;
    }
    pattern += '%';
    where += " AND (lower(name) LIKE ? ESCAPE '\\' OR lower(name_en) LIKE ? ESCAPE '\\')";
    params.emplace_back(pattern);
    params.emplace_back(pattern);
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(Rows count, tx->Query("SELECT COUNT(*) FROM orgs" + where, params));
  Page<Org> out{.items = {},
                .total = count.rows.at(0).Int(0),
                .page = page.page,
                .page_size = page.page_size};
  params.emplace_back(int64_t{page.page_size});
  params.emplace_back(int64_t{page.page - 1} * page.page_size);
  KECHAN_ASSIGN_OR_RETURN(Rows rows, tx->Query("SELECT " + std::string(kOrgCols) + " FROM orgs" +
                                                   where + " ORDER BY id LIMIT ? OFFSET ?",
                                               params));
  for (const auto& r : rows.rows) {
    out.items.push_back(OrgFromRow(r));
  }
  return out;
}

Result<std::vector<OrgMember>> AuthService::ListOrgMembers(const Principal& actor, OrgId org) {
  KECHAN_ASSIGN_OR_RETURN(Org found, GetOrg(actor, org));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows, tx->Query("SELECT u.id, u.username, u.display_name, m.role FROM memberships m "
                           "JOIN users u ON u.id = m.user_id WHERE m.org_id = ? "
                           "ORDER BY u.id, m.role",
                           {found.id.value}));
  std::vector<OrgMember> out;
  for (const auto& r : rows.rows) {
    out.push_back(OrgMember{.user = UserId{r.Int(0)},
                            .username = r.Text(1),
                            .display_name = r.Text(2),
                            .role = ParseRole(r.Text(3)).value_or(Role::kEnterprise)});
  }
  return out;
}

// --- users ---

Result<User> AuthService::CreateUser(const Principal& actor, NewUser user) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  KECHAN_RETURN_IF_ERROR(ValidateNewUser(user, options_.min_password_length));
  if (!IsOperator(actor)) {
    bool allowed = !user.memberships.empty();
    for (const auto& m : user.memberships) {
      allowed = allowed && actor.HasIn(m.org, m.role);
    }
    if (!allowed) {
      return Denied("user.create_denied",
                    "You can only add users to your own organisation, with a role you hold there.",
                    "只能为本人所属机构添加用户，且角色不能超出本人在该机构的角色。");
    }
  }
  KECHAN_ASSIGN_OR_RETURN(std::string hash, HashPassword(user.password, options_.password_cost));
  const std::string label = ActorLabel(actor);
  User out;
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(out, InsertUser(tx, clock_, label, user, hash));
    for (size_t i = 0; i < user.memberships.size(); ++i) {
      KECHAN_RETURN_IF_ERROR(InsertMembership(tx, clock_, label, out.id, user.memberships[i],
                                              "memberships[" + std::to_string(i) + "]."));
      out.memberships.push_back(user.memberships[i]);
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<User> AuthService::GetUser(const Principal& actor, UserId id) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(std::optional<User> user, FindUser(*tx, id));
  bool allowed = IsOperator(actor) || actor.user == id;
  if (!allowed && user) {
    for (const auto& m : user->memberships) {
      allowed = allowed || actor.MemberOf(m.org);
    }
  }
  if (!allowed) {
    return Denied("user.not_visible",
                  "You can only see yourself and the members of your organisations.",
                  "只能查看本人及本机构成员的信息。");
  }
  if (!user) {
    return base::NotFound("user.not_found", "The user does not exist.", "该用户不存在。", "id");
  }
  return *user;
}

Result<Page<User>> AuthService::ListUsers(const Principal& actor, const UserFilter& filter,
                                          const PageRequest& page) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  KECHAN_RETURN_IF_ERROR(ValidatePage(page));
  std::string where = " WHERE 1 = 1";
  std::vector<Value> params;
  if (filter.org) {
    if (!IsOperator(actor) && !actor.MemberOf(*filter.org)) {
      return Denied("org.not_member", "You can only see organisations you belong to.",
                    "只能查看本人所属的机构。");
    }
    where +=
        " AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND "
        "m.org_id = ?)";
    params.emplace_back(filter.org->value);
  } else if (!IsOperator(actor)) {
    std::vector<int64_t> ids = OrgIdsOf(actor);
    where += " AND (id = ?";
    params.emplace_back(actor.user.value);
    if (!ids.empty()) {
      where +=
          " OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND "
          "m.org_id IN (" +
          Placeholders(ids.size()) + "))";
      params.insert(params.end(), ids.begin(), ids.end());
    }
    where += ")";
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(Rows count, tx->Query("SELECT COUNT(*) FROM users" + where, params));
  Page<User> out{.items = {},
                 .total = count.rows.at(0).Int(0),
                 .page = page.page,
                 .page_size = page.page_size};
  params.emplace_back(int64_t{page.page_size});
  params.emplace_back(int64_t{page.page - 1} * page.page_size);
  KECHAN_ASSIGN_OR_RETURN(Rows rows, tx->Query("SELECT " + std::string(kUserCols) + " FROM users" +
                                                   where + " ORDER BY id LIMIT ? OFFSET ?",
                                               params));
  for (const auto& r : rows.rows) {
    out.items.push_back(UserFromRow(r));
  }
  if (!out.items.empty()) {
    std::vector<Value> ids;
    for (const auto& u : out.items) {
      ids.emplace_back(u.id.value);
    }
    KECHAN_ASSIGN_OR_RETURN(
        Rows ms, tx->Query("SELECT user_id, org_id, role FROM memberships WHERE user_id IN (" +
                               Placeholders(ids.size()) + ") ORDER BY org_id, role",
                           ids));
    for (const auto& r : ms.rows) {
      auto role = ParseRole(r.Text(2));
      for (auto& u : out.items) {
        if (role && u.id.value == r.Int(0)) {
          u.memberships.push_back(Membership{.org = OrgId{r.Int(1)}, .role = *role});
        }
      }
    }
  }
  return out;
}

Status AuthService::AddMembership(const Principal& actor, UserId user, Membership membership) {
  const CacheInvalidator invalidate(*this);  // after the write, whatever its outcome
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  if (!IsOperator(actor) && !actor.HasIn(membership.org, membership.role)) {
    return Denied("membership.add_denied",
                  "You can only add members to your own organisation, with a role you hold there.",
                  "只能为本人所属机构添加成员，且角色不能超出本人在该机构的角色。");
  }
  const std::string label = ActorLabel(actor);
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM users WHERE id = ?", {user.value}));
    if (rows.empty()) {
      return base::NotFound("user.not_found", "The user does not exist.", "该用户不存在。",
                            "user_id");
    }
    return InsertMembership(tx, clock_, label, user, membership, "");
  });
}

Status AuthService::RemoveMembership(const Principal& actor, UserId user, Membership membership) {
  const CacheInvalidator invalidate(*this);  // after the write, whatever its outcome
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  if (!IsOperator(actor) && !actor.HasIn(membership.org, membership.role)) {
    return Denied("membership.remove_denied",
                  "You can only remove members of your own organisation, with a role you hold "
                  "there.",
                  "只能移除本人所属机构的成员，且角色不能超出本人在该机构的角色。");
  }
  const std::string role = RoleName(membership.role);
  const std::string label = ActorLabel(actor);
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows, tx.Query("SELECT id FROM memberships WHERE user_id = ? AND org_id = ? AND "
                            "role = ?",
                            {user.value, membership.org.value, role}));
    if (rows.empty()) {
      return base::NotFound("membership.not_found", "The user does not hold this role here.",
                            "该用户在此机构没有该角色。", "role");
    }
    if (membership.role == Role::kOperator) {
      KECHAN_ASSIGN_OR_RETURN(
          Rows ops, tx.Query("SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id "
                             "WHERE m.role = 'operator' AND u.disabled = 0"));
      if (ops.rows.at(0).Int(0) <= 1) {
        return base::FailedPrecondition(
            "membership.last_operator",
            "This is the last operator of the platform; add another operator first.",
            "这是平台最后一名运营人员，请先添加其他运营人员。", "role");
      }
    }
    KECHAN_ASSIGN_OR_RETURN(int64_t n,
                            tx.Exec("DELETE FROM memberships WHERE id = ?", {rows.rows[0].Int(0)}));
    (void)n;
    return Append(tx, clock_, "auth.membership.removed", "user", user.ToString(), label,
                  JsonObject()
                      .Int("user_id", user.value)
                      .Int("org_id", membership.org.value)
                      .Str("role", role)
                      .Done());
  });
}

Status AuthService::SetPassword(const Principal& actor, UserId user, std::string_view password,
                                std::optional<std::string_view> current_password) {
  const CacheInvalidator invalidate(*this);  // after the write, whatever its outcome
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  const bool self = actor.user == user;
  if (!self && !IsOperator(actor)) {
    return Denied("password.set_denied", "You can only change your own password.",
                  "只能修改本人的密码。");
  }
  KECHAN_RETURN_IF_ERROR(ValidatePassword(password, options_.min_password_length));
  std::string stored_hash;
  std::string username;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows,
        tx->Query("SELECT username, password_hash FROM users WHERE id = ?", {user.value}));
    if (rows.empty()) {
      return base::NotFound("user.not_found", "The user does not exist.", "该用户不存在。", "id");
    }
    username = rows.rows[0].Text(0);
    stored_hash = rows.rows[0].Text(1);
  }
  if (self) {
    // Changing one's own password needs the current one, so a stolen session cannot lock the
    // owner out. Wrong guesses count against the sign-in window of the username.
    if (!current_password || current_password->empty()) {
      return base::InvalidArgument("current_password", "password.current_required",
                                   "Give your current password to change it.",
                                   "修改密码需要提供当前密码。");
    }
    const std::string key = "user:" + username;
    if (auto until = by_username_.BlockedUntil(key)) {
      return RateLimited(*until, clock_.NowMicros());
    }
    if (!VerifyPassword(*current_password, stored_hash)) {
      by_username_.RecordFailure(key);
      return base::InvalidArgument("current_password", "password.current_wrong",
                                   "The current password is wrong.", "当前密码不正确。");
    }
  }
  KECHAN_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.password_cost));
  const std::string label = ActorLabel(actor);
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    const Micros now = clock_.NowMicros();
    KECHAN_ASSIGN_OR_RETURN(int64_t n,
                            tx.Exec("UPDATE users SET password_hash = ?, password_changed_at = ? "
                                    "WHERE id = ?",
                                    {hash, now, user.value}));
    (void)n;
    // End every other session of the user; keep the one making this change.
    std::string keep = self && actor.method == AuthMethod::kSession ? actor.csrf_token : "";
    KECHAN_ASSIGN_OR_RETURN(
        int64_t ended,
        tx.Exec("DELETE FROM sessions WHERE user_id = ? AND csrf_token <> ?", {user.value, keep}));
    return Append(tx, clock_, "auth.user.password_changed", "user", user.ToString(), label,
                  JsonObject().Int("user_id", user.value).Int("sessions_ended", ended).Done());
  });
}

Status AuthService::SetAccountState(const Principal& actor, UserId user, AccountState state) {
  const CacheInvalidator invalidate(*this);  // after the write, whatever its outcome
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  if (!IsOperator(actor)) {
    return Denied("user.state_denied", "Only platform operators can disable or enable accounts.",
                  "只有平台运营人员可以停用或启用账号。");
  }
  const bool disable = state == AccountState::kDisabled;
  const std::string label = ActorLabel(actor);
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(Rows rows,
                            tx.Query("SELECT disabled FROM users WHERE id = ?", {user.value}));
    if (rows.empty()) {
      return base::NotFound("user.not_found", "The user does not exist.", "该用户不存在。", "id");
    }
    if ((rows.rows[0].Int(0) != 0) == disable) {
      return Status::Ok();  // already in that state
    }
    if (disable) {
      KECHAN_ASSIGN_OR_RETURN(
          Rows others,
          tx.Query("SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN users u ON "
                   "u.id = m.user_id WHERE m.role = 'operator' AND u.disabled = 0 AND u.id <> ?",
                   {user.value}));
      KECHAN_ASSIGN_OR_RETURN(
          Rows is_op, tx.Query("SELECT 1 FROM memberships WHERE user_id = ? AND role = 'operator'",
                               {user.value}));
      if (!is_op.empty() && others.rows.at(0).Int(0) == 0) {
        return base::FailedPrecondition(
            "user.last_operator",
            "This is the last active operator of the platform; add another operator first.",
            "这是平台最后一名在用的运营人员，请先添加其他运营人员。", "id");
      }
    }
    KECHAN_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE users SET disabled = ? WHERE id = ?",
                                               {int64_t{disable ? 1 : 0}, user.value}));
    (void)n;
    int64_t ended = 0;
    if (disable) {
      KECHAN_ASSIGN_OR_RETURN(ended,
                              tx.Exec("DELETE FROM sessions WHERE user_id = ?", {user.value}));
    }
    return Append(tx, clock_, disable ? "auth.user.disabled" : "auth.user.enabled", "user",
                  user.ToString(), label,
                  JsonObject().Int("user_id", user.value).Int("sessions_ended", ended).Done());
  });
}

Result<std::vector<MembershipView>> AuthService::MembershipViews(const Principal& actor,
                                                                 UserId user) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  if (actor.user != user && !IsOperator(actor)) {
    return Denied("user.not_visible", "You can only see your own memberships.",
                  "只能查看本人的机构与角色。");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows, tx->Query("SELECT o.id, o.kind, o.name, o.name_en, m.role FROM memberships m "
                           "JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ? "
                           "ORDER BY o.id, m.role",
                           {user.value}));
  std::vector<MembershipView> out;
  for (const auto& r : rows.rows) {
    out.push_back(MembershipView{.org = OrgId{r.Int(0)},
                                 .org_kind = ParseOrgKind(r.Text(1)).value_or(OrgKind::kEnterprise),
                                 .org_name = r.Text(2),
                                 .org_name_en = r.Text(3),
                                 .role = ParseRole(r.Text(4)).value_or(Role::kEnterprise)});
  }
  return out;
}

// --- sessions ---

Result<Principal> AuthService::LoadPrincipal(Tx& tx, UserId user, AuthMethod method) {
  KECHAN_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT username, display_name, disabled FROM users WHERE id = ?", {user.value}));
  if (rows.empty()) {
    return base::Unauthenticated("session.invalid", "Your sign-in is no longer valid.",
                                 "登录状态已失效，请重新登录。");
  }
  if (rows.rows[0].Int(2) != 0) {
    return base::Unauthenticated("user.disabled", "This account is disabled.", "该账号已停用。");
  }
  Principal p;
  p.user = user;
  p.username = rows.rows[0].Text(0);
  p.display_name = rows.rows[0].Text(1);
  p.method = method;
  KECHAN_ASSIGN_OR_RETURN(p.memberships, LoadMemberships(tx, user));
  return p;
}

Result<SignInResult> AuthService::SignIn(std::string_view username, std::string_view password,
                                         std::string_view remote_addr) {
  const Micros now = clock_.NowMicros();
  const std::string typed = LowerAscii(username);
  const std::string user_key = "user:" + typed;
  const std::string addr_key = "addr:" + std::string(remote_addr.substr(0, 128));
  const bool limit_addr = !remote_addr.empty();
  std::optional<Micros> until = by_username_.BlockedUntil(user_key);
  if (limit_addr) {
    if (auto addr_until = by_address_.BlockedUntil(addr_key)) {
      until = std::max(until.value_or(0), *addr_until);
    }
  }
  if (until) {
    ++rate_limited_;
    ReportFailure({.username = typed,
                   .remote_addr = std::string(remote_addr),
                   .reason = "signin.rate_limited",
                   .at = now});
    return RateLimited(*until, now);
  }

  // Look the user up; an unknown or malformed username is verified against the dummy hash.
  std::optional<UserId> id;
  std::string stored_hash;
  bool disabled = false;
  Result<std::string> normalized = NormalizeUsername(username);
  if (normalized.ok() && password.size() <= 1024) {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows, tx->Query("SELECT id, password_hash, disabled FROM users WHERE username = ?",
                             {*normalized}));
    if (!rows.empty()) {
      id = UserId{rows.rows[0].Int(0)};
      stored_hash = rows.rows[0].Text(1);
      disabled = rows.rows[0].Int(2) != 0;
    }
  }
  const bool match = VerifyPassword(password.substr(0, 1024), id ? stored_hash : DummyHash());
  if (!id || !match) {
    by_username_.RecordFailure(user_key);
    if (limit_addr) {
      by_address_.RecordFailure(addr_key);
    }
    ++failed_;
    ReportFailure({.username = typed,
                   .remote_addr = std::string(remote_addr),
                   .reason = "signin.failed",
                   .at = now});
    return SignInFailed();
  }
  if (disabled) {
    ++failed_;
    ReportFailure({.username = typed,
                   .remote_addr = std::string(remote_addr),
                   .reason = "signin.disabled",
                   .at = now});
    return base::PermissionDenied("signin.disabled",
                                  "This account is disabled; please contact the platform operator.",
                                  "该账号已停用，请联系平台运营人员。");
  }
  by_username_.Reset(user_key);

  // Upgrade a hash made with an older or cheaper cost while the plain password is at hand.
  std::optional<std::string> rehash;
  if (PasswordNeedsRehash(stored_hash, options_.password_cost)) {
    Result<std::string> h = HashPassword(password, options_.password_cost);
    if (h.ok()) {
      rehash = *h;
    }
  }

  SignInResult out;
  out.session_token = RandomToken(32);
  out.csrf_token = RandomToken(32);
  const std::string session_id = Sha256Hex(out.session_token);
  const std::string remote(remote_addr.substr(0, 128));
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    const Micros t = clock_.NowMicros();
    out.expires_at = t + options_.session_ttl;
    if (rehash) {
      KECHAN_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE users SET password_hash = ? WHERE id = ?",
                                                 {*rehash, id->value}));
      (void)n;
    }
    // Housekeeping of this user's dead sessions rides along.
    KECHAN_ASSIGN_OR_RETURN(
        int64_t purged,
        tx.Exec("DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?", {id->value, t}));
    (void)purged;
    KECHAN_ASSIGN_OR_RETURN(
        int64_t n, tx.Exec("INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at, "
                           "last_seen_at, remote) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           {session_id, id->value, out.csrf_token, t, out.expires_at, t, remote}));
    (void)n;
    KECHAN_ASSIGN_OR_RETURN(out.principal, LoadPrincipal(tx, *id, AuthMethod::kSession));
    out.principal.csrf_token = out.csrf_token;
    return Append(tx, clock_, "auth.session.created", "user", id->ToString(),
                  "user:" + id->ToString(),
                  JsonObject()
                      .Int("user_id", id->value)
                      .Str("remote", remote)
                      .Int("expires_at", out.expires_at)
                      .Bool("password_rehashed", rehash.has_value())
                      .Done());
  });
  if (!s.ok()) {
    return s;
  }
  ++succeeded_;
  return out;
}

Status AuthService::SignOut(std::string_view session_token) {
  const CacheInvalidator invalidate(*this);  // after the write, whatever its outcome
  if (session_token.empty() || session_token.size() > kMaxCredentialBytes) {
    return Status::Ok();
  }
  const std::string session_id = Sha256Hex(session_token);
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(Rows rows,
                            tx.Query("SELECT user_id FROM sessions WHERE id = ?", {session_id}));
    if (rows.empty()) {
      return Status::Ok();
    }
    const int64_t user = rows.rows[0].Int(0);
    KECHAN_ASSIGN_OR_RETURN(int64_t n, tx.Exec("DELETE FROM sessions WHERE id = ?", {session_id}));
    (void)n;
    return Append(tx, clock_, "auth.session.ended", "user", std::to_string(user),
                  "user:" + std::to_string(user),
                  JsonObject().Int("user_id", user).Str("reason", "signout").Done());
  });
}

void AuthService::InvalidatePrincipalCache() {
  std::lock_guard<std::mutex> lock(cache_mu_);
  principal_cache_.clear();
}

Result<Principal> AuthService::Authenticate(std::optional<std::string_view> session_token,
                                            std::optional<std::string_view> bearer_token) {
  if (!bearer_token && !session_token) {
    return Principal{};
  }
  if (options_.principal_cache_ttl <= 0) {
    Micros ignored = 0;
    return AuthenticateUncached(session_token, bearer_token, &ignored);
  }
  // The key is a hash of the credential, never the credential itself.
  const std::string key =
      bearer_token ? "t:" + Sha256Hex(*bearer_token) : "s:" + Sha256Hex(*session_token);
  const Micros now = clock_.NowMicros();
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = principal_cache_.find(key);
    if (it != principal_cache_.end()) {
      const CachedPrincipal& c = it->second;
      if (now >= c.cached_at && now - c.cached_at < options_.principal_cache_ttl &&
          (c.expires_at == 0 || c.expires_at > now)) {
        return c.principal;
      }
      principal_cache_.erase(it);
    }
  }
  Micros expires_at = 0;
  KECHAN_ASSIGN_OR_RETURN(Principal p,
                          AuthenticateUncached(session_token, bearer_token, &expires_at));
  if (p.signed_in()) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (principal_cache_.size() >= 10000) {
      principal_cache_.clear();  // bounded memory; entries live for seconds anyway
    }
    principal_cache_[key] = CachedPrincipal{p, now, expires_at};
  }
  return p;
}

Result<Principal> AuthService::AuthenticateUncached(std::optional<std::string_view> session_token,
                                                    std::optional<std::string_view> bearer_token,
                                                    Micros* expires_out) {
  const Micros now = clock_.NowMicros();
  *expires_out = 0;
  if (bearer_token) {
    const std::string_view token = *bearer_token;
    if (token.size() > kMaxCredentialBytes ||
        token.substr(0, kApiTokenPrefix.size()) != kApiTokenPrefix) {
      return base::Unauthenticated("token.invalid", "The API token is not valid.",
                                   "API 令牌无效。");
    }
    const std::string hash = Sha256Hex(token);
    int64_t token_id = 0;
    Principal p;
    bool touch = false;
    {
      KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
      KECHAN_ASSIGN_OR_RETURN(Rows rows,
                              tx->Query("SELECT id, user_id, token_hash, revoked_at, last_used_at "
                                        "FROM api_tokens WHERE token_hash = ?",
                                        {hash}));
      if (rows.empty() || !ConstantTimeEquals(rows.rows[0].Text(2), hash)) {
        return base::Unauthenticated("token.invalid", "The API token is not valid.",
                                     "API 令牌无效。");
      }
      const store::Row& r = rows.rows[0];
      if (!r.IsNull(3)) {
        return base::Unauthenticated("token.revoked", "The API token has been revoked.",
                                     "API 令牌已被吊销。");
      }
      token_id = r.Int(0);
      touch = r.IsNull(4) || now - r.Int(4) >= options_.touch_interval;
      KECHAN_ASSIGN_OR_RETURN(p, LoadPrincipal(*tx, UserId{r.Int(1)}, AuthMethod::kToken));
    }
    if (touch) {
      // Bookkeeping, not business state: no event. A failure here does not fail the request.
      Status ignored = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
        Result<int64_t> n =
            tx.Exec("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", {now, token_id});
        return n.ok() ? Status::Ok() : n.status();
      });
      (void)ignored;
    }
    return p;
  }
  if (!session_token) {
    return Principal{};
  }
  const std::string_view token = *session_token;
  auto invalid = [] {
    return base::Unauthenticated("session.invalid", "Your sign-in is no longer valid.",
                                 "登录状态已失效，请重新登录。");
  };
  if (token.empty() || token.size() > kMaxCredentialBytes) {
    return invalid();
  }
  const std::string session_id = Sha256Hex(token);
  Principal p;
  Micros created_at = 0;
  Micros expires_at = 0;
  Micros last_seen_at = 0;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(Rows rows,
                            tx->Query("SELECT id, user_id, csrf_token, created_at, expires_at, "
                                      "last_seen_at FROM sessions WHERE id = ?",
                                      {session_id}));
    if (rows.empty() || !ConstantTimeEquals(rows.rows[0].Text(0), session_id)) {
      return invalid();
    }
    const store::Row& r = rows.rows[0];
    created_at = r.Int(3);
    expires_at = r.Int(4);
    last_seen_at = r.Int(5);
    if (expires_at <= now) {
      return base::Unauthenticated("session.expired",
                                   "Your session has expired; please sign in again.",
                                   "登录已过期，请重新登录。");
    }
    KECHAN_ASSIGN_OR_RETURN(p, LoadPrincipal(*tx, UserId{r.Int(1)}, AuthMethod::kSession));
    p.csrf_token = r.Text(2);
  }
  if (now - last_seen_at >= options_.touch_interval) {
    Micros new_expires = expires_at;
    if (options_.session_expiry == SessionExpiry::kSliding) {
      new_expires = std::max(expires_at, std::min(now + options_.session_ttl,
                                                  created_at + options_.session_max_lifetime));
    }
    // Bookkeeping, not business state: no event. A failure here does not fail the request.
    Status ignored = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
      Result<int64_t> n =
          tx.Exec("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
                  {now, new_expires, session_id});
      return n.ok() ? Status::Ok() : n.status();
    });
    (void)ignored;
    *expires_out = new_expires;
  } else {
    *expires_out = expires_at;
  }
  return p;
}

Result<int64_t> AuthService::PurgeExpiredSessions() {
  int64_t purged = 0;
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(
        purged, tx.Exec("DELETE FROM sessions WHERE expires_at <= ?", {clock_.NowMicros()}));
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return purged;
}

// --- API tokens ---

Result<CreatedApiToken> AuthService::CreateApiToken(const Principal& actor, std::string_view name) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  if (actor.method != AuthMethod::kSession) {
    return Denied("token.requires_session",
                  "API tokens can only be created from a signed-in browser session.",
                  "只能在网页登录状态下创建 API 令牌。");
  }
  const size_t len = base::CodePointCount(name);
  if (len < 1 || len > 100) {
    return base::InvalidArgument("name", "token.name_length",
                                 "The token name must have 1-100 characters.",
                                 "令牌名称应为 1-100 个字符。");
  }
  CreatedApiToken out;
  out.plain = std::string(kApiTokenPrefix) + RandomToken(32);
  out.token.user = actor.user;
  out.token.name = std::string(name);
  out.token.prefix = out.plain.substr(0, kApiTokenPrefix.size() + 8);
  const std::string hash = Sha256Hex(out.plain);
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    out.token.created_at = clock_.NowMicros();
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query("INSERT INTO api_tokens (user_id, name, token_hash, prefix, "
                 "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                 {actor.user.value, out.token.name, hash, out.token.prefix, out.token.created_at}));
    out.token.id = rows.rows.at(0).Int(0);
    return Append(tx, clock_, "auth.token.created", "api_token", std::to_string(out.token.id),
                  ActorLabel(actor),
                  JsonObject()
                      .Int("id", out.token.id)
                      .Int("user_id", actor.user.value)
                      .Str("name", out.token.name)
                      .Done());
  });
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::vector<ApiToken>> AuthService::ListApiTokens(const Principal& actor) {
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(Rows rows,
                          tx->Query("SELECT id, user_id, name, prefix, created_at, last_used_at, "
                                    "revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
                                    {actor.user.value}));
  std::vector<ApiToken> out;
  for (const auto& r : rows.rows) {
    out.push_back(TokenFromRow(r));
  }
  return out;
}

Status AuthService::RevokeApiToken(const Principal& actor, int64_t token_id) {
  const CacheInvalidator invalidate(*this);  // after the write, whatever its outcome
  KECHAN_RETURN_IF_ERROR(RequireSignedIn(actor));
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(
        Rows rows, tx.Query("SELECT user_id, revoked_at FROM api_tokens WHERE id = ?", {token_id}));
    if (rows.empty() || (rows.rows[0].Int(0) != actor.user.value && !IsOperator(actor))) {
      return base::NotFound("token.not_found", "There is no such API token.", "该 API 令牌不存在。",
                            "id");
    }
    if (!rows.rows[0].IsNull(1)) {
      return Status::Ok();  // already revoked
    }
    const int64_t owner = rows.rows[0].Int(0);
    KECHAN_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE api_tokens SET revoked_at = ? WHERE id = ?",
                                               {clock_.NowMicros(), token_id}));
    (void)n;
    return Append(tx, clock_, "auth.token.revoked", "api_token", std::to_string(token_id),
                  ActorLabel(actor), JsonObject().Int("id", token_id).Int("user_id", owner).Done());
  });
}

// --- CLI ---

Result<BootstrapResult> AuthService::BootstrapOperator(const BootstrapRequest& request) {
  NewUser user{.username = request.username,
               .display_name = request.display_name,
               .email = request.email,
               .password = request.password,
               .memberships = {}};
  KECHAN_RETURN_IF_ERROR(ValidateNewUser(user, options_.min_password_length));
  NewOrg org{.kind = OrgKind::kOperator,
             .name = request.org_name,
             .name_en = request.org_name_en,
             .uscc = ""};
  KECHAN_RETURN_IF_ERROR(ValidateNewOrg(org));
  KECHAN_ASSIGN_OR_RETURN(std::string hash, HashPassword(user.password, options_.password_cost));
  const std::string label = "cli";
  BootstrapResult out;
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(
        Rows found, tx.Query("SELECT " + std::string(kOrgCols) +
                                 " FROM orgs WHERE kind = 'operator' AND name = ? ORDER BY id",
                             {org.name}));
    if (!found.empty()) {
      out.org = OrgFromRow(found.rows[0]);
    } else {
      const Micros now = clock_.NowMicros();
      KECHAN_ASSIGN_OR_RETURN(
          Rows inserted,
          tx.Query("INSERT INTO orgs (kind, name, name_en, uscc, created_at, created_by) "
                   "VALUES ('operator', ?, ?, NULL, ?, NULL) RETURNING id",
                   {org.name, org.name_en, now}));
      out.org = Org{.id = OrgId{inserted.rows.at(0).Int(0)},
                    .kind = OrgKind::kOperator,
                    .name = org.name,
                    .name_en = org.name_en,
                    .uscc = std::nullopt,
                    .created_at = now};
      out.org_created = true;
      KECHAN_RETURN_IF_ERROR(Append(tx, clock_, "auth.org.created", "org", out.org.id.ToString(),
                                    label, OrgPayload(out.org)));
    }
    KECHAN_ASSIGN_OR_RETURN(out.user, InsertUser(tx, clock_, label, user, hash));
    Membership m{.org = out.org.id, .role = Role::kOperator};
    KECHAN_RETURN_IF_ERROR(InsertMembership(tx, clock_, label, out.user.id, m, ""));
    out.user.memberships.push_back(m);
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<User> AuthService::AddUserWithRole(const AddUserRequest& request,
                                          std::string_view actor_label) {
  const CacheInvalidator invalidate(*this);  // after the write, whatever its outcome
  const std::string label(actor_label);
  std::string uscc;
  if (!request.org.valid()) {
    if (request.org_uscc.empty()) {
      return base::InvalidArgument("org", "org.required", "Name the organisation (id or USCC).",
                                   "请指定机构（编号或统一社会信用代码）。");
    }
    KECHAN_ASSIGN_OR_RETURN(uscc, NormalizeUscc(request.org_uscc, "org"));
  }
  NewUser user{.username = request.username,
               .display_name = request.display_name,
               .email = request.email,
               .password = request.password,
               .memberships = {}};
  // Validate everything but the password first: it is not needed when the user exists.
  std::optional<std::string> hash;
  Status full = ValidateNewUser(user, options_.min_password_length);
  KECHAN_ASSIGN_OR_RETURN(user.username, NormalizeUsername(request.username));
  std::optional<int64_t> existing;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(Rows rows,
                            tx->Query("SELECT id FROM users WHERE username = ?", {user.username}));
    if (!rows.empty()) {
      existing = rows.rows[0].Int(0);
    }
  }
  if (existing && request.if_exists == IfUserExists::kFail) {
    return UsernameTakenError();
  }
  if (!existing) {
    KECHAN_RETURN_IF_ERROR(full);
    KECHAN_ASSIGN_OR_RETURN(hash, HashPassword(user.password, options_.password_cost));
  }
  User out;
  Status s = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    OrgId org = request.org;
    if (!org.valid()) {
      KECHAN_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM orgs WHERE uscc = ?", {uscc}));
      if (rows.empty()) {
        return base::NotFound("org.not_found",
                              "No organisation has this unified social credit code.",
                              "没有使用该统一社会信用代码的机构。", "org");
      }
      org = OrgId{rows.rows[0].Int(0)};
    }
    if (existing) {
      KECHAN_ASSIGN_OR_RETURN(std::optional<User> found, FindUser(tx, UserId{*existing}));
      if (!found) {
        return UsernameTakenError();
      }
      out = *found;
    } else {
      KECHAN_ASSIGN_OR_RETURN(out, InsertUser(tx, clock_, label, user, *hash));
    }
    Membership m{.org = org, .role = request.role};
    Status added = InsertMembership(tx, clock_, label, out.id, m, "");
    if (added.field() == "org_id") {
      added = added.WithField("org");
    }
    KECHAN_RETURN_IF_ERROR(added);
    out.memberships.push_back(m);
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return out;
}

}  // namespace kechan::auth
