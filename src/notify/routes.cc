#include "notify/routes.h"

#include <boost/json.hpp>
#include <charconv>
#include <string>

#include "base/log.h"
#include "http/json_body.h"

namespace kechan::notify {
namespace {

namespace json = boost::json;
using base::Result;

json::value Time(const std::optional<base::Micros>& t) {
  return t ? json::value(base::FormatRfc3339(*t)) : json::value(nullptr);
}

json::object InboxObj(const InboxItem& i, const std::string& lang) {
  return json::object{{"id", i.id},
                      {"event_seq", i.event_seq},
                      {"event_kind", i.event_kind},
                      {"title", i.title.In(lang)},
                      {"body", i.body.In(lang)},
                      {"title_zh", i.title.zh},
                      {"title_en", i.title.en},
                      {"body_zh", i.body.zh},
                      {"body_en", i.body.en},
                      {"link", i.link},
                      {"urgency", UrgencyName(i.urgency)},
                      {"created_at", base::FormatRfc3339(i.created_at)},
                      {"read_at", Time(i.read_at)},
                      {"read", i.read_at.has_value()}};
}

json::object DeliveryObj(const Delivery& d, bool with_payload) {
  json::object o{{"id", d.id},
                 {"event_seq", d.event_seq},
                 {"channel", ChannelName(d.channel)},
                 {"target_id", d.target_id ? json::value(*d.target_id) : nullptr},
                 {"user_id", d.user ? json::value(d.user->value) : nullptr},
                 {"recipient", d.recipient},
                 {"subject", d.subject},
                 {"status", DeliveryStatusName(d.status)},
                 {"attempts", d.attempts},
                 {"max_attempts", d.max_attempts},
                 {"next_at", base::FormatRfc3339(d.next_at)},
                 {"created_at", base::FormatRfc3339(d.created_at)},
                 {"sent_at", Time(d.sent_at)},
                 {"last_code", d.last_code},
                 {"last_error", d.last_error}};
  if (with_payload) {
    o["payload"] = d.payload;
  }
  return o;
}

json::object TargetObj(const Target& t) {
  json::array addresses;
  for (const auto& a : t.addresses) {
    addresses.emplace_back(a);
  }
  return json::object{{"id", t.id},
                      {"name", t.name},
                      {"channel", ChannelName(t.channel)},
                      {"url", t.url},
                      {"addresses", std::move(addresses)},
                      {"has_secret", !t.secret.empty()},
                      {"scope", ScopeKindName(t.scope)},
                      {"scope_value", t.scope_value},
                      {"enabled", t.enabled},
                      {"created_at", base::FormatRfc3339(t.created_at)},
                      {"updated_at", base::FormatRfc3339(t.updated_at)}};
}

Result<int64_t> QueryInt(const http::Request& req, const std::string& name, int64_t def) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return def;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || ptr != it->second.data() + it->second.size()) {
    return base::InvalidArgument(name, "query.integer",
                                 "query parameter \"" + name + "\" must be an integer",
                                 "查询参数“" + name + "”须为整数");
  }
  return v;
}

Result<bool> QueryBool(const http::Request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty() || it->second == "false" || it->second == "0") {
    return false;
  }
  if (it->second == "true" || it->second == "1") {
    return true;
  }
  return base::InvalidArgument(name, "query.boolean", name + " must be true or false",
                               name + " 须为 true 或 false");
}

template <typename T, typename Parse>
Result<std::optional<T>> QueryEnum(const http::Request& req, const std::string& name, Parse parse,
                                   const char* allowed) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) {
    return std::optional<T>();
  }
  std::optional<T> v = parse(it->second);
  if (!v) {
    return base::InvalidArgument(name, "query.enum", name + " must be one of " + allowed,
                                 name + " 须为以下之一：" + allowed);
  }
  return v;
}

Result<http::Response> ListInbox(NotifyService& s, const http::Request& req) {
  InboxQuery q;
  KECHAN_ASSIGN_OR_RETURN(q.unread_only, QueryBool(req, "unread"));
  KECHAN_ASSIGN_OR_RETURN(q.page, QueryInt(req, "page", 1));
  KECHAN_ASSIGN_OR_RETURN(q.page_size, QueryInt(req, "page_size", 20));
  KECHAN_ASSIGN_OR_RETURN(InboxPage p, s.ListInbox(req.principal, q));
  json::array items;
  for (const auto& i : p.items) {
    items.push_back(InboxObj(i, req.lang));
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)},
                                                        {"total", p.total},
                                                        {"unread", p.unread},
                                                        {"page", p.page},
                                                        {"page_size", p.page_size}}));
}

Result<http::Response> UnreadCount(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t n, s.UnreadCount(req.principal));
  return http::Response::Json(http::ToJson(json::object{{"unread", n}}));
}

Result<http::Response> MarkRead(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(InboxItem item, s.MarkRead(req.principal, id));
  return http::Response::Json(http::ToJson(InboxObj(item, req.lang)));
}

Result<http::Response> MarkAllRead(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t n, s.MarkAllRead(req.principal));
  return http::Response::Json(http::ToJson(json::object{{"marked", n}}));
}

Result<http::Response> ListDeliveries(NotifyService& s, const http::Request& req) {
  DeliveryFilter f;
  KECHAN_ASSIGN_OR_RETURN(f.status, QueryEnum<DeliveryStatus>(req, "status", ParseDeliveryStatus,
                                                              "pending, sending, sent, failed"));
  KECHAN_ASSIGN_OR_RETURN(
      f.channel, QueryEnum<Channel>(req, "channel", ParseChannel, "email, wecom, dingtalk"));
  KECHAN_ASSIGN_OR_RETURN(int64_t seq, QueryInt(req, "event_seq", 0));
  if (seq > 0) {
    f.event_seq = seq;
  }
  KECHAN_ASSIGN_OR_RETURN(int64_t target, QueryInt(req, "target_id", 0));
  if (target > 0) {
    f.target_id = target;
  }
  KECHAN_ASSIGN_OR_RETURN(f.page, QueryInt(req, "page", 1));
  KECHAN_ASSIGN_OR_RETURN(f.page_size, QueryInt(req, "page_size", 50));
  KECHAN_ASSIGN_OR_RETURN(DeliveryPage p, s.ListDeliveries(req.principal, f));
  json::array items;
  for (const auto& d : p.items) {
    items.push_back(DeliveryObj(d, false));
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)},
                                                        {"total", p.total},
                                                        {"page", p.page},
                                                        {"page_size", p.page_size}}));
}

Result<http::Response> GetDelivery(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(DeliveryDetail d, s.GetDelivery(req.principal, id));
  json::object o = DeliveryObj(d.delivery, true);
  json::array attempts;
  for (const auto& a : d.attempts) {
    attempts.push_back(json::object{{"number", a.number},
                                    {"at", base::FormatRfc3339(a.at)},
                                    {"ok", a.ok},
                                    {"code", a.code},
                                    {"error", a.error},
                                    {"duration_ms", a.duration_ms}});
  }
  o["attempt_log"] = std::move(attempts);
  return http::Response::Json(http::ToJson(o));
}

Result<http::Response> RetryDelivery(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(Delivery d, s.RetryDelivery(req.principal, id));
  return http::Response::Json(http::ToJson(DeliveryObj(d, false)));
}

Result<http::Response> ListTargets(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto targets, s.ListTargets(req.principal));
  json::array items;
  for (const auto& t : targets) {
    items.push_back(TargetObj(t));
  }
  return http::Response::Json(http::ToJson(json::object{{"items", std::move(items)}}));
}

// Reads the target fields present in `r` into `patch`.
base::Status ReadTargetFields(http::ObjectReader& r, TargetPatch& patch) {
  patch.name = r.OptionalString("name", {.min_len = 1, .max_len = 100});
  patch.url = r.OptionalString("url", {.min_len = 1, .max_len = 2000});
  patch.secret = r.OptionalString("secret", {.max_len = 200});
  if (auto scope = r.OptionalString("scope", {.max_len = 10})) {
    patch.scope = ParseScopeKind(*scope);
    if (!patch.scope) {
      return base::InvalidArgument("scope", "notify.target_scope",
                                   "scope must be org, chain, role or all",
                                   "scope 须为 org、chain、role 或 all");
    }
  }
  patch.scope_value = r.OptionalString("scope_value", {.max_len = 100});
  patch.enabled = r.OptionalBool("enabled");
  if (const json::value* v = r.Value("addresses", false)) {
    auto bad = [] {
      return base::InvalidArgument("addresses", "notify.target_addresses",
                                   "addresses must be an array of e-mail addresses",
                                   "addresses 须为邮箱地址数组");
    };
    if (!v->is_array() || v->as_array().size() > 1000) {
      return bad();
    }
    std::vector<std::string> list;
    for (const auto& a : v->as_array()) {
      if (!a.is_string() || a.as_string().size() > 254) {
        return bad();
      }
      list.emplace_back(a.as_string());
    }
    patch.addresses = std::move(list);
  }
  return base::Status::Ok();
}

Result<http::Response> CreateTarget(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  Target t;
  std::string channel = r.String("channel", {.min_len = 1, .max_len = 20});
  TargetPatch patch;
  KECHAN_RETURN_IF_ERROR(ReadTargetFields(r, patch));
  KECHAN_RETURN_IF_ERROR(r.Finish());
  auto c = ParseChannel(channel);
  if (!c) {
    return base::InvalidArgument("channel", "notify.target_channel",
                                 "channel must be wecom, dingtalk or email",
                                 "channel 须为 wecom、dingtalk 或 email");
  }
  t.channel = *c;
  t.name = patch.name.value_or("");
  t.url = patch.url.value_or("");
  t.secret = patch.secret.value_or("");
  t.addresses = patch.addresses.value_or(std::vector<std::string>{});
  t.scope = patch.scope.value_or(ScopeKind::kOrg);
  t.scope_value = patch.scope_value.value_or("");
  t.enabled = patch.enabled.value_or(true);
  KECHAN_ASSIGN_OR_RETURN(Target created, s.CreateTarget(req.principal, std::move(t)));
  return http::Response::Json(http::ToJson(TargetObj(created)), 201);
}

Result<http::Response> PatchTarget(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  TargetPatch patch;
  KECHAN_RETURN_IF_ERROR(ReadTargetFields(r, patch));
  KECHAN_RETURN_IF_ERROR(r.Finish());
  KECHAN_ASSIGN_OR_RETURN(Target t, s.UpdateTarget(req.principal, id, patch));
  return http::Response::Json(http::ToJson(TargetObj(t)));
}

Result<http::Response> DeleteTarget(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_RETURN_IF_ERROR(s.DeleteTarget(req.principal, id));
  return http::Response::NoContent();
}

json::object OutcomeObj(const TestOutcome& o) {
  return json::object{{"delivery_id", o.delivery_id},
                      {"ok", o.ok},
                      {"code", o.code},
                      {"error", o.error},
                      {"duration_ms", o.duration_ms},
                      {"recipient", o.recipient}};
}

Result<http::Response> TestTarget(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(int64_t id, req.PathId("id"));
  KECHAN_ASSIGN_OR_RETURN(TestOutcome o, s.TestTarget(req.principal, id));
  return http::Response::Json(http::ToJson(OutcomeObj(o)));
}

json::object SmtpObj(const SmtpView& v) {
  json::object o{{"source", v.source},
                 {"username", v.username},
                 {"has_password", v.has_password},
                 {"updated_at", Time(v.updated_at)},
                 {"updated_by", v.updated_by}};
  if (v.settings) {
    o["host"] = v.settings->host;
    o["port"] = v.settings->port;
    o["tls"] = SmtpTlsModeName(v.settings->tls);
    o["mail_from"] = v.settings->mail_from;
  } else {
    o["host"] = "";
    o["port"] = nullptr;
    o["tls"] = nullptr;
    o["mail_from"] = "";
  }
  return o;
}

Result<http::Response> GetSmtp(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(SmtpView v, s.GetSmtp(req.principal));
  return http::Response::Json(http::ToJson(SmtpObj(v)));
}

Result<http::Response> PutSmtp(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  http::ObjectReader r(obj);
  SmtpSettings settings;
  settings.host = r.String("host", {.min_len = 1, .max_len = 253});
  settings.port = r.Int("port");
  const std::string tls = r.String("tls", {.min_len = 1, .max_len = 20});
  settings.mail_from = r.String("mail_from", {.min_len = 1, .max_len = 254});
  KECHAN_RETURN_IF_ERROR(r.Finish());
  auto mode = ParseSmtpTlsMode(tls);
  if (!mode) {
    return base::InvalidArgument("tls", "notify.smtp_tls",
                                 "tls must be none, try, require or implicit",
                                 "tls 须为 none、try、require 或 implicit");
  }
  settings.tls = *mode;
  KECHAN_ASSIGN_OR_RETURN(SmtpView v, s.SetSmtp(req.principal, settings));
  return http::Response::Json(http::ToJson(SmtpObj(v)));
}

Result<http::Response> ResetSmtp(NotifyService& s, const http::Request& req) {
  KECHAN_ASSIGN_OR_RETURN(SmtpView v, s.ResetSmtp(req.principal));
  return http::Response::Json(http::ToJson(SmtpObj(v)));
}

Result<http::Response> Announce(NotifyService& s, const http::Request& req) {
  // The body is a notify block; one parser and one set of rules for events and this route.
  Result<std::optional<NotifyBlock>> block = ParseNotifyBlock("{\"notify\":" + req.body + "}");
  if (!block.ok()) {
    const base::Status& st = block.status();
    std::string field = st.field();
    if (field.rfind("notify.", 0) == 0) {
      field = field.substr(7);
    }
    return base::InvalidArgument(field == "notify" ? "body" : field, st.reason(), st.message_en(),
                                 st.message_zh());
  }
  if (!block->has_value()) {
    return base::InvalidArgument("body", "json.not_object", "the body must be a JSON object",
                                 "请求体须为 JSON 对象");
  }
  Result<int64_t> seq = s.Announce(req.principal, **block);
  if (!seq.ok()) {
    const base::Status& st = seq.status();
    if (st.field().rfind("notify.", 0) == 0) {
      return st.WithField(st.field().substr(7));
    }
    return st;
  }
  return http::Response::Json(http::ToJson(json::object{{"event_seq", *seq}}), 202);
}

constexpr const char* kAnnouncementSchema = R"({
  "type": "object",
  "required": ["title"],
  "additionalProperties": false,
  "properties": {
    "users": {"type": "array", "items": {"type": "integer"}},
    "orgs": {"type": "array", "items": {"type": "integer"}},
    "roles": {"type": "array", "items": {"type": "string"}},
    "chains": {"type": "array", "items": {"type": "string"}},
    "title": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
    "body": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
    "link": {"type": "string", "description": "a path inside the web app"},
    "urgency": {"type": "string", "enum": ["normal", "high"]}}
})";

constexpr const char* kInboxSchema = R"({
  "type": "object",
  "required": ["items", "total", "unread", "page", "page_size"],
  "properties": {
    "items": {"type": "array", "items": {"type": "object",
      "required": ["id", "title", "body", "link", "urgency", "created_at", "read"],
      "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
        "body": {"type": "string"}, "title_zh": {"type": "string"},
        "title_en": {"type": "string"}, "link": {"type": "string"},
        "urgency": {"type": "string", "enum": ["normal", "high"]},
        "created_at": {"type": "string", "format": "date-time"},
        "read_at": {"type": "string", "format": "date-time", "nullable": true},
        "read": {"type": "boolean"}}}},
    "total": {"type": "integer"}, "unread": {"type": "integer"},
    "page": {"type": "integer"}, "page_size": {"type": "integer"}}
})";

constexpr const char* kTargetRequestSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "maxLength": 100},
    "channel": {"type": "string", "enum": ["wecom", "dingtalk", "email"]},
    "url": {"type": "string", "description": "the robot's webhook URL; robots only"},
    "addresses": {"type": "array", "items": {"type": "string"},
                  "description": "e-mail addresses; e-mail targets only"},
    "secret": {"type": "string", "description": "DingTalk signing secret; never returned"},
    "scope": {"type": "string", "enum": ["org", "chain", "role", "all"]},
    "scope_value": {"type": "string",
                    "description": "org id, chain code or role name; empty for all"},
    "enabled": {"type": "boolean"}}
})";

constexpr const char* kSmtpRequestSchema = R"({
  "type": "object",
  "required": ["host", "port", "tls", "mail_from"],
  "additionalProperties": false,
  "properties": {
    "host": {"type": "string", "maxLength": 253},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    "tls": {"type": "string", "enum": ["none", "try", "require", "implicit"]},
    "mail_from": {"type": "string", "description": "sender address"}}
})";

}  // namespace

void RegisterRoutes(http::Router& router, NotifyService& service) {
  using http::Access;
  using http::Method;
  const std::vector<auth::Role> operators = {auth::Role::kOperator};
  auto add = [&](Method m, const char* path, http::RouteSpec spec,
                 Result<http::Response> (*fn)(NotifyService&, const http::Request&)) {
    spec.tag = "notify";
    router.Add(m, path, std::move(spec),
               [&service, fn](http::Request& req) { return fn(service, req); });
  };
  add(Method::kGet, "/api/v1/inbox",
      {.summary = "The caller's notifications, newest first (unread=true for unread only)",
       .summary_zh = "我的消息（按时间倒序，unread=true 只看未读）",
       .access = Access::kSignedIn,
       .response_schema = kInboxSchema},
      ListInbox);
  add(Method::kGet, "/api/v1/inbox/unread-count",
      {.summary = "How many of the caller's notifications are unread",
       .summary_zh = "未读消息数",
       .access = Access::kSignedIn},
      UnreadCount);
  add(Method::kPost, "/api/v1/inbox/{id}/read",
      {.summary = "Mark one of the caller's notifications read",
       .summary_zh = "将一条消息标为已读",
       .access = Access::kSignedIn},
      MarkRead);
  add(Method::kPost, "/api/v1/inbox/read-all",
      {.summary = "Mark all of the caller's notifications read",
       .summary_zh = "全部标为已读",
       .access = Access::kSignedIn},
      MarkAllRead);
  add(Method::kPost, "/api/v1/notify/announcements",
      {.summary = "Send an announcement to users, organisations, roles or chains (202)",
       .summary_zh = "发送通知公告（按用户、机构、角色或产业链）",
       .access = Access::kRoles,
       .roles = operators,
       .request_schema = kAnnouncementSchema,
       .success_status = 202},
      Announce);
  add(Method::kGet, "/api/v1/notify/deliveries",
      {.summary = "The delivery log of e-mail and group-robot messages (filters, paging)",
       .summary_zh = "邮件与群机器人消息的投递记录（可筛选、分页）",
       .access = Access::kRoles,
       .roles = operators},
      ListDeliveries);
  add(Method::kGet, "/api/v1/notify/deliveries/{id}",
      {.summary = "One delivery with every attempt",
       .summary_zh = "一条投递记录及其每次尝试",
       .access = Access::kRoles,
       .roles = operators},
      GetDelivery);
  add(Method::kPost, "/api/v1/notify/deliveries/{id}/retry",
      {.summary = "Queue a failed delivery again",
       .summary_zh = "重新发送失败的投递",
       .access = Access::kRoles,
       .roles = operators},
      RetryDelivery);
  add(Method::kGet, "/api/v1/notify/targets",
      {.summary = "Group-robot targets (WeCom, DingTalk) by department, chain or role",
       .summary_zh = "群机器人（企业微信、钉钉）配置，按部门、产业链或角色",
       .access = Access::kRoles,
       .roles = operators},
      ListTargets);
  add(Method::kPost, "/api/v1/notify/targets",
      {.summary = "Add a group-robot target",
       .summary_zh = "新增群机器人",
       .access = Access::kRoles,
       .roles = operators,
       .request_schema = kTargetRequestSchema,
       .success_status = 201},
      CreateTarget);
  add(Method::kPatch, "/api/v1/notify/targets/{id}",
      {.summary = "Change a group-robot target",
       .summary_zh = "修改群机器人",
       .access = Access::kRoles,
       .roles = operators,
       .request_schema = kTargetRequestSchema},
      PatchTarget);
  add(Method::kDelete, "/api/v1/notify/targets/{id}",
      {.summary = "Remove a group-robot target",
       .summary_zh = "删除群机器人",
       .access = Access::kRoles,
       .roles = operators,
       .success_status = 204},
      DeleteTarget);
  add(Method::kPost, "/api/v1/notify/targets/{id}/test",
      {.summary = "Send a test message to a target now and return the outcome",
       .summary_zh = "立即向接收方发送一条测试消息并返回结果",
       .access = Access::kRoles,
       .roles = operators},
      TestTarget);
  add(Method::kGet, "/api/v1/notify/smtp",
      {.summary = "The SMTP server e-mail goes through, and where the setting comes from",
       .summary_zh = "邮件发送服务器（SMTP）设置及其来源",
       .access = Access::kRoles,
       .roles = operators},
      GetSmtp);
  add(Method::kPut, "/api/v1/notify/smtp",
      {.summary = "Set the SMTP server (credentials stay in the server configuration)",
       .summary_zh = "设置邮件发送服务器（账号密码只在服务器配置中）",
       .access = Access::kRoles,
       .roles = operators,
       .request_schema = kSmtpRequestSchema},
      PutSmtp);
  add(Method::kDelete, "/api/v1/notify/smtp",
      {.summary = "Forget the operators' SMTP server; the configuration applies again",
       .summary_zh = "清除页面设置的邮件服务器，恢复使用服务器配置",
       .access = Access::kRoles,
       .roles = operators},
      ResetSmtp);
}

}  // namespace kechan::notify
