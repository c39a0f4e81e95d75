#include "notify/model.h"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/log.h"
#include "base/utf8.h"

namespace kechan::notify {
namespace {

namespace json = boost::json;
using base::InvalidArgument;
using base::Result;
using base::Status;

Status Bad(const std::string& field, const std::string& en, const std::string& zh) {
  return InvalidArgument("notify." + field, "notify.bad_block", en, zh);
}

Result<BiText> ReadBiText(const json::value* v, const std::string& field, size_t max_chars) {
  BiText out;
  if (v == nullptr || v->is_null()) {
    return out;
  }
  if (!v->is_object()) {
    return Bad(field, field + " must be an object {\"zh\":…,\"en\":…}",
               field + " 须为对象 {\"zh\":…,\"en\":…}");
  }
  for (const auto& [key, val] : v->as_object()) {
    if (key != "zh" && key != "en") {
      return Bad(field + "." + std::string(key), "unknown field " + std::string(key),
                 "未知字段 " + std::string(key));
    }
    if (!val.is_string()) {
      return Bad(field + "." + std::string(key), "must be a string", "须为字符串");
    }
    std::string text(val.as_string());
    if (!base::IsValidUtf8(text) || base::CodePointCount(text) > max_chars) {
      return Bad(field + "." + std::string(key),
                 "must be valid UTF-8 of at most " + std::to_string(max_chars) + " characters",
                 "须为不超过 " + std::to_string(max_chars) + " 个字符的 UTF-8 文本");
    }
    (key == "zh" ? out.zh : out.en) = std::move(text);
  }
  return out;
}

template <typename Id>
Result<std::vector<Id>> ReadIds(const json::value& v, const std::string& field) {
  if (!v.is_array()) {
    return Bad(field, field + " must be an array of ids", field + " 须为编号数组");
  }
  if (v.as_array().size() > kMaxRecipientIds) {
    return Bad(field, "too many ids", "编号过多");
  }
  std::vector<Id> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_int64() || item.as_int64() <= 0) {
      return Bad(field, field + " must hold positive integer ids", field + " 须为正整数编号");
    }
    Id id{item.as_int64()};
    if (std::find(out.begin(), out.end(), id) == out.end()) {
      out.push_back(id);
    }
  }
  return out;
}

Result<std::vector<std::string>> ReadStrings(const json::value& v, const std::string& field) {
  if (!v.is_array()) {
    return Bad(field, field + " must be an array of strings", field + " 须为字符串数组");
  }
  std::vector<std::string> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 100) {
      return Bad(field, field + " must hold non-empty strings", field + " 须为非空字符串");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

// Escapes what would break a markdown line of a robot message (keeps the text readable).
std::string MarkdownLine(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r') {
      continue;
    }
    out += c;
  }
  return out;
}

std::string AbsoluteLink(std::string_view base, std::string_view link) {
  if (link.empty()) {
    return {};
  }
  std::string b(base);
  while (!b.empty() && b.back() == '/') {
    b.pop_back();
  }
  return b + std::string(link);
}

// Cuts `s` to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string CutUtf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) {
    return s;
  }
  size_t end = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = base::Utf8SequenceLength(s, i);
    n = n == 0 ? 1 : n;
    if (i + n > max_bytes) {
      break;
    }
    i += n;
    end = i;
  }
  s.resize(end);
  return s;
}

std::string Base64(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "Sun, 29 Nov 2026 03:04:05 +0000"
std::string RfcDate(base::Micros micros) {
  std::time_t t = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// An RFC 2047 encoded word per chunk of at most 45 bytes of whole UTF-8 sequences, so each
// encoded line stays under 76 characters.
std::string EncodeHeaderWords(std::string_view text) {
  bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (ascii) {
    return std::string(text);
  }
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size()) {
      size_t n = base::Utf8SequenceLength(text, i);
      n = n == 0 ? 1 : n;
      if (i + n - start > 45) {
        break;
      }
      i += n;
    }
    if (!out.empty()) {
      out += "\r\n ";
    }
    out += "=?UTF-8?B?" + Base64(text.substr(start, i - start)) + "?=";
  }
  return out;
}

std::string StripHeaderBreaks(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += (c == '\r' || c == '\n') ? ' ' : c;
  }
  return out;
}

}  // namespace

const std::string& BiText::In(std::string_view lang) const {
  if (lang == "en") {
    return en.empty() ? zh : en;
  }
  return zh.empty() ? en : zh;
}

const char* UrgencyName(Urgency u) { return u == Urgency::kHigh ? "high" : "normal"; }

std::optional<Urgency> ParseUrgency(std::string_view name) {
  if (name == "normal") {
    return Urgency::kNormal;
  }
  if (name == "high") {
    return Urgency::kHigh;
  }
  return std::nullopt;
}

Result<std::optional<NotifyBlock>> ParseNotifyBlock(std::string_view payload) {
  json::error_code ec;
  json::value root = json::parse(payload, ec);
  if (ec || !root.is_object()) {
    return std::optional<NotifyBlock>();
  }
  const json::value* v = root.as_object().if_contains("notify");
  if (v == nullptr || v->is_null()) {
    return std::optional<NotifyBlock>();
  }
  if (!v->is_object()) {
    return InvalidArgument("notify", "notify.bad_block", "notify must be an object",
                           "notify 须为对象");
  }
  NotifyBlock b;
  for (const auto& [key, val] : v->as_object()) {
    const std::string k(key);
    if (k == "users") {
      KECHAN_ASSIGN_OR_RETURN(b.users, ReadIds<base::UserId>(val, k));
    } else if (k == "orgs") {
      KECHAN_ASSIGN_OR_RETURN(b.orgs, ReadIds<base::OrgId>(val, k));
    } else if (k == "roles") {
      KECHAN_ASSIGN_OR_RETURN(auto names, ReadStrings(val, k));
      for (const auto& n : names) {
        auto role = auth::ParseRole(n);
        if (!role) {
          return Bad(k, "unknown role " + n, "未知角色 " + n);
        }
        if (std::find(b.roles.begin(), b.roles.end(), *role) == b.roles.end()) {
          b.roles.push_back(*role);
        }
      }
    } else if (k == "chains") {
      KECHAN_ASSIGN_OR_RETURN(b.chains, ReadStrings(val, k));
    } else if (k == "title") {
      KECHAN_ASSIGN_OR_RETURN(b.title, ReadBiText(&val, k, kMaxTitleChars));
    } else if (k == "body") {
      KECHAN_ASSIGN_OR_RETURN(b.body, ReadBiText(&val, k, kMaxBodyChars));
    } else if (k == "link") {
      if (!val.is_string()) {
        return Bad(k, "link must be a string", "link 须为字符串");
      }
      b.link = std::string(val.as_string());
      bool ok = b.link.empty() || (b.link.size() <= 500 && b.link[0] == '/' &&
                                   (b.link.size() == 1 || b.link[1] != '/'));
      for (char c : b.link) {
        ok = ok && static_cast<unsigned char>(c) > 0x20 && c != '\\' && c != 0x7f;
      }
      if (!ok) {
        return Bad(k, "link must be a path inside the app, starting with a single /",
                   "link 须为以单个 / 开头的站内路径");
      }
    } else if (k == "urgency") {
      auto u = val.is_string() ? ParseUrgency(std::string(val.as_string())) : std::nullopt;
      if (!u) {
        return Bad(k, "urgency must be normal or high", "urgency 须为 normal 或 high");
      }
      b.urgency = *u;
    } else {
      return Bad(k, "unknown field " + k, "未知字段 " + k);
    }
  }
  if (b.title.zh.empty() && b.title.en.empty()) {
    return Bad("title", "a title in Chinese or English is required", "须提供中文或英文标题");
  }
  return std::optional<NotifyBlock>(std::move(b));
}

std::string NotifyBlockJson(const NotifyBlock& b) {
  json::array users, orgs, roles, chains;
  for (auto u : b.users) {
    users.push_back(u.value);
  }
  for (auto o : b.orgs) {
    orgs.push_back(o.value);
  }
  for (auto r : b.roles) {
    roles.emplace_back(auth::RoleName(r));
  }
  for (const auto& c : b.chains) {
    chains.emplace_back(c);
  }
  json::object o{{"users", std::move(users)},
                 {"orgs", std::move(orgs)},
                 {"roles", std::move(roles)},
                 {"title", json::object{{"zh", b.title.zh}, {"en", b.title.en}}},
                 {"body", json::object{{"zh", b.body.zh}, {"en", b.body.en}}},
                 {"link", b.link},
                 {"urgency", UrgencyName(b.urgency)}};
  if (!chains.empty()) {
    o["chains"] = std::move(chains);
  }
  return json::serialize(o);
}

const char* ChannelName(Channel c) {
  switch (c) {
    case Channel::kEmail:
      return "email";
    case Channel::kWeCom:
      return "wecom";
    case Channel::kDingTalk:
      return "dingtalk";
  }
  return "email";
}

std::optional<Channel> ParseChannel(std::string_view name) {
  for (Channel c : {Channel::kEmail, Channel::kWeCom, Channel::kDingTalk}) {
    if (name == ChannelName(c)) {
      return c;
    }
  }
  return std::nullopt;
}

const char* ScopeKindName(ScopeKind k) {
  switch (k) {
    case ScopeKind::kOrg:
      return "org";
    case ScopeKind::kChain:
      return "chain";
    case ScopeKind::kRole:
      return "role";
    case ScopeKind::kAll:
      return "all";
  }
  return "org";
}

std::optional<ScopeKind> ParseScopeKind(std::string_view name) {
  for (ScopeKind k : {ScopeKind::kOrg, ScopeKind::kChain, ScopeKind::kRole, ScopeKind::kAll}) {
    if (name == ScopeKindName(k)) {
      return k;
    }
  }
  return std::nullopt;
}

Status ValidateTarget(const Target& t) {
  size_t name_len = base::CodePointCount(t.name);
  if (name_len == 0 || name_len > 100 || !base::IsValidUtf8(t.name)) {
    return InvalidArgument("name", "notify.target_name", "name must be 1-100 characters",
                           "名称须为 1 至 100 个字符");
  }
  if (t.channel == Channel::kEmail) {
    if (!t.url.empty()) {
      return InvalidArgument("url", "notify.target_url", "an e-mail target has no URL",
                             "邮件接收方不需要 Webhook 地址");
    }
    if (!t.secret.empty()) {
      return InvalidArgument("secret", "notify.target_secret", "an e-mail target has no secret",
                             "邮件接收方不需要加签密钥");
    }
    if (t.addresses.empty() || t.addresses.size() > kMaxTargetAddresses) {
      return InvalidArgument(
          "addresses", "notify.target_addresses",
          "give 1 to " + std::to_string(kMaxTargetAddresses) + " e-mail addresses",
          "请填写 1 至 " + std::to_string(kMaxTargetAddresses) + " 个邮箱地址");
    }
    for (size_t i = 0; i < t.addresses.size(); ++i) {
      const std::string& a = t.addresses[i];
      if (!LooksLikeEmail(a) || !base::IsValidUtf8(a)) {
        return InvalidArgument("addresses", "notify.target_address",
                               "\"" + a + "\" is not an e-mail address",
                               "“" + a + "”不是有效的邮箱地址");
      }
      if (std::find(t.addresses.begin(), t.addresses.begin() + static_cast<std::ptrdiff_t>(i), a) !=
          t.addresses.begin() + static_cast<std::ptrdiff_t>(i)) {
        return InvalidArgument("addresses", "notify.target_address",
                               "\"" + a + "\" is listed twice", "“" + a + "”重复");
      }
    }
  } else {
    const bool http = t.url.rfind("http://", 0) == 0 || t.url.rfind("https://", 0) == 0;
    bool clean = t.url.size() <= 2000;
    for (char c : t.url) {
      clean = clean && static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    }
    if (!http || !clean || t.url.size() < 10) {
      return InvalidArgument("url", "notify.target_url", "url must be an http(s) webhook URL",
                             "url 须为 http(s) 开头的 Webhook 地址");
    }
    if (t.secret.size() > 200) {
      return InvalidArgument("secret", "notify.target_secret", "secret is at most 200 bytes",
                             "secret 不能超过 200 字节");
    }
    if (!t.addresses.empty()) {
      return InvalidArgument("addresses", "notify.target_addresses",
                             "a group robot has no e-mail addresses", "群机器人不需要邮箱地址");
    }
  }
  bool scope_ok = true;
  switch (t.scope) {
    case ScopeKind::kOrg: {
      scope_ok = !t.scope_value.empty() && t.scope_value.size() < 19 && t.scope_value[0] != '0' &&
                 std::all_of(t.scope_value.begin(), t.scope_value.end(),
                             [](char c) { return c >= '0' && c <= '9'; });
      break;
    }
    case ScopeKind::kChain:
      scope_ok = !t.scope_value.empty() && t.scope_value.size() <= 100;
      break;
    case ScopeKind::kRole:
      scope_ok = auth::ParseRole(t.scope_value).has_value();
      break;
    case ScopeKind::kAll:
      scope_ok = t.scope_value.empty();
      break;
  }
  if (!scope_ok) {
    return InvalidArgument("scope_value", "notify.target_scope",
                           "scope_value must be an org id, a chain code or a role name as the "
                           "scope says (empty for all)",
                           "scope_value 须与范围一致：机构编号、产业链编码或角色名（all 时为空）");
  }
  return Status::Ok();
}

bool TargetMatches(const Target& target, const NotifyBlock& block) {
  if (!target.enabled) {
    return false;
  }
  switch (target.scope) {
    case ScopeKind::kOrg:
      for (const auto& org : block.orgs) {
        if (org.ToString() == target.scope_value) {
          return true;
        }
      }
      return false;
    case ScopeKind::kChain:
      return std::find(block.chains.begin(), block.chains.end(), target.scope_value) !=
             block.chains.end();
    case ScopeKind::kRole:
      for (auth::Role r : block.roles) {
        if (target.scope_value == auth::RoleName(r)) {
          return true;
        }
      }
      return false;
    case ScopeKind::kAll:
      return block.urgency == Urgency::kHigh;
  }
  return false;
}

const char* DeliveryStatusName(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kSending:
      return "sending";
    case DeliveryStatus::kSent:
      return "sent";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) {
  for (DeliveryStatus s : {DeliveryStatus::kPending, DeliveryStatus::kSending,
                           DeliveryStatus::kSent, DeliveryStatus::kFailed}) {
    if (name == DeliveryStatusName(s)) {
      return s;
    }
  }
  return std::nullopt;
}

base::Micros BackoffDelay(const RetryPolicy& policy, int attempt) {
  base::Micros delay = std::max<base::Micros>(policy.base_delay, 0);
  for (int i = 1; i < attempt && delay < policy.max_delay; ++i) {
    delay *= 2;
  }
  return std::min(delay, policy.max_delay);
}

std::string RenderWeCom(const NotifyBlock& block, std::string_view link_base) {
  std::string content;
  if (block.urgency == Urgency::kHigh) {
    content += "<font color=\"warning\">【紧急 Urgent】</font>";
  }
  content += "**" + MarkdownLine(block.title.In("zh")) + "**";
  if (!block.title.zh.empty() && !block.title.en.empty()) {
    content += "\n" + MarkdownLine(block.title.en);
  }
  if (!block.body.zh.empty()) {
    content += "\n> " + MarkdownLine(block.body.zh);
  }
  if (!block.body.en.empty()) {
    content += "\n> " + MarkdownLine(block.body.en);
  }
  if (!block.link.empty()) {
    content += "\n[查看详情 / Open](" + AbsoluteLink(link_base, block.link) + ")";
  }
  json::object body{{"msgtype", "markdown"},
                    {"markdown", json::object{{"content", CutUtf8(content, 4096)}}}};
  return json::serialize(body);
}

std::string RenderDingTalk(const NotifyBlock& block, std::string_view link_base) {
  std::string text = "### ";
  if (block.urgency == Urgency::kHigh) {
    text += "【紧急 Urgent】";
  }
  text += MarkdownLine(block.title.In("zh"));
  if (!block.title.zh.empty() && !block.title.en.empty()) {
    text += "\n\n" + MarkdownLine(block.title.en);
  }
  if (!block.body.zh.empty()) {
    text += "\n\n" + MarkdownLine(block.body.zh);
  }
  if (!block.body.en.empty()) {
    text += "\n\n" + MarkdownLine(block.body.en);
  }
  if (!block.link.empty()) {
    text += "\n\n[查看详情 / Open](" + AbsoluteLink(link_base, block.link) + ")";
  }
  json::object body{
      {"msgtype", "markdown"},
      {"markdown", json::object{{"title", block.title.In("zh")}, {"text", CutUtf8(text, 5000)}}}};
  return json::serialize(body);
}

std::string DingTalkSignQuery(std::string_view secret, int64_t timestamp_ms) {
  const std::string ts = std::to_string(timestamp_ms);
  const std::string to_sign = ts + "\n" + std::string(secret);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(to_sign.data()),
                                to_sign.size());
  crypto_auth_hmacsha256_final(&state, mac);
  const std::string sign(reinterpret_cast<const char*>(mac), sizeof mac);
  return "timestamp=" + ts + "&sign=" + UrlEncode(Base64(sign));
}

std::string AppendQuery(std::string_view url, std::string_view query) {
  if (query.empty()) {
    return std::string(url);
  }
  return std::string(url) + (url.find('?') == std::string_view::npos ? "?" : "&") +
         std::string(query);
}

std::string EmailSubject(const NotifyBlock& block) {
  std::string s = block.urgency == Urgency::kHigh ? "【紧急】" : "";
  return s + StripHeaderBreaks(block.title.In("zh"));
}

std::string RenderEmail(const NotifyBlock& block, const EmailHeaders& headers,
                        std::string_view link_base) {
  std::string text;
  auto add = [&](const std::string& part) {
    if (part.empty()) {
      return;
    }
    if (!text.empty()) {
      text += "\n\n";
    }
    text += part;
  };
  add(block.title.zh);
  add(block.body.zh);
  if (!block.title.en.empty() || !block.body.en.empty()) {
    add("----");
    add(block.title.en);
    add(block.body.en);
  }
  add(AbsoluteLink(link_base, block.link));
  // CRLF line ends in the body before encoding.
  std::string crlf;
  for (char c : text) {
    if (c == '\r') {
      continue;
    }
    if (c == '\n') {
      crlf += "\r\n";
    } else {
      crlf += c;
    }
  }
  crlf += "\r\n";
  std::string b64 = Base64(crlf);
  std::string wrapped;
  for (size_t i = 0; i < b64.size(); i += 76) {
    wrapped += b64.substr(i, 76) + "\r\n";
  }
  std::string m;
  m += "Date: " + RfcDate(headers.date) + "\r\n";
  m += "From: " + StripHeaderBreaks(headers.from) + "\r\n";
  m += "To: " + StripHeaderBreaks(headers.to) + "\r\n";
  m += "Message-ID: <" + StripHeaderBreaks(headers.message_id) + ">\r\n";
  m += "Subject: " + EncodeHeaderWords(EmailSubject(block)) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n";
  if (block.urgency == Urgency::kHigh) {
    m += "Importance: high\r\n";
  }
  m += "\r\n" + wrapped;
  return m;
}

bool RobotAccepted(int http_status, std::string_view body) {
  if (http_status < 200 || http_status >= 300) {
    return false;
  }
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return true;
  }
  const json::value* code = v.as_object().if_contains("errcode");
  if (code == nullptr) {
    return true;
  }
  return code->is_int64() ? code->as_int64() == 0 : code->is_uint64() && code->as_uint64() == 0;
}

bool LooksLikeEmail(std::string_view a) {
  size_t at = a.find('@');
  if (at == std::string_view::npos || at == 0 || a.find('@', at + 1) != std::string_view::npos ||
      a.size() > 254) {
    return false;
  }
  for (char c : a) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>' || c == ',' || c == ';') {
      return false;
    }
  }
  std::string_view domain = a.substr(at + 1);
  size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}

std::string JoinAddresses(const std::vector<std::string>& addresses) {
  std::string out;
  for (const auto& a : addresses) {
    if (!out.empty()) {
      out += ", ";
    }
    out += a;
  }
  return out;
}

std::vector<std::string> SplitAddresses(std::string_view joined) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= joined.size()) {
    size_t comma = joined.find(',', pos);
    if (comma == std::string_view::npos) {
      comma = joined.size();
    }
    std::string_view part = joined.substr(pos, comma - pos);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    while (!part.empty() && part.back() == ' ') {
      part.remove_suffix(1);
    }
    if (!part.empty()) {
      out.emplace_back(part);
    }
    pos = comma + 1;
  }
  return out;
}

const char* SmtpTlsModeName(SmtpTlsMode m) {
  switch (m) {
    case SmtpTlsMode::kNone:
      return "none";
    case SmtpTlsMode::kTry:
      return "try";
    case SmtpTlsMode::kRequire:
      return "require";
    case SmtpTlsMode::kImplicit:
      return "implicit";
  }
  return "try";
}

std::optional<SmtpTlsMode> ParseSmtpTlsMode(std::string_view name) {
  for (SmtpTlsMode m :
       {SmtpTlsMode::kNone, SmtpTlsMode::kTry, SmtpTlsMode::kRequire, SmtpTlsMode::kImplicit}) {
    if (name == SmtpTlsModeName(m)) {
      return m;
    }
  }
  return std::nullopt;
}

bool LooksLikeSender(std::string_view a) {
  if (LooksLikeEmail(a)) {
    return true;
  }
  size_t at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size() ||
      a.find('@', at + 1) != std::string_view::npos || a.size() > 254) {
    return false;
  }
  return std::all_of(a.begin(), a.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f &&
           c != '<' && c != '>' && c != ',' && c != ';';
  });
}

Status ValidateSmtpSettings(const SmtpSettings& s) {
  bool host_ok =
      !s.host.empty() && s.host.size() <= 253 && s.host.front() != '-' && s.host.front() != '.';
  for (char c : s.host) {
    host_ok = host_ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                          c == '-' || c == '_');
  }
  if (!host_ok) {
    return InvalidArgument("host", "notify.smtp_host",
                           "host must be a server name or IPv4 address (letters, digits, . - _)",
                           "host 须为服务器域名或 IPv4 地址（字母、数字、. - _）");
  }
  if (s.port < 1 || s.port > 65535) {
    return InvalidArgument("port", "notify.smtp_port", "port must be 1 to 65535",
                           "port 须在 1 到 65535 之间");
  }
  if (!LooksLikeSender(s.mail_from)) {
    return InvalidArgument("mail_from", "notify.smtp_from", "mail_from must be an e-mail address",
                           "mail_from 须为邮箱地址");
  }
  return Status::Ok();
}

std::string SmtpUrl(const SmtpSettings& s) {
  return std::string(s.tls == SmtpTlsMode::kImplicit ? "smtps://" : "smtp://") + s.host + ":" +
         std::to_string(s.port);
}

std::optional<SmtpSettings> SettingsFromUrl(std::string_view url, SmtpTlsMode tls,
                                            std::string_view mail_from) {
  SmtpSettings s;
  s.mail_from = std::string(mail_from);
  std::string_view rest;
  if (url.rfind("smtps://", 0) == 0) {
    rest = url.substr(8);
    s.tls = SmtpTlsMode::kImplicit;
    s.port = 465;
  } else if (url.rfind("smtp://", 0) == 0) {
    rest = url.substr(7);
    s.tls = tls == SmtpTlsMode::kImplicit ? SmtpTlsMode::kTry : tls;
    s.port = 25;
  } else {
    return std::nullopt;
  }
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    int64_t port = 0;
    for (char c : rest.substr(colon + 1)) {
      if (c < '0' || c > '9' || port > 65535) {
        return std::nullopt;
      }
      port = port * 10 + (c - '0');
    }
    s.port = port;
    rest = rest.substr(0, colon);
  }
  s.host = std::string(rest);
  if (s.host.empty()) {
    return std::nullopt;
  }
  return s;
}

NotifyBlock TestBlock(const Target& t, std::string_view requested_by, base::Micros at) {
  NotifyBlock b;
  b.title.zh = "测试消息：" + t.name;
  b.title.en = "Test message: " + t.name;
  const std::string when = base::FormatRfc3339(at);
  b.body.zh = "这是一条测试消息，用于确认“" + t.name + "”能收到平台通知，无需回复。发送人：" +
              std::string(requested_by) + "，时间：" + when + "。";
  b.body.en = "A test message to check that \"" + t.name +
              "\" receives the platform's notifications; no reply needed. Sent by " +
              std::string(requested_by) + " at " + when + ".";
  b.link = "/notify/targets";
  return b;
}

}  // namespace kechan::notify
