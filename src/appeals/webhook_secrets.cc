// Rotation of the group-webhook secrets without a restart (AppealService::RotateWebhookSecret):
// the rotated secret lives in appeal_settings and every intake reads the one in force, so all
// server processes of a deployment switch at the same commit.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "appeals/service.h"
#include "auth/crypto.h"
#include "store/event_log.h"

namespace kechan::appeals {

namespace json = boost::json;
using base::Micros;
using base::Result;
using base::Status;
using store::Tx;

namespace {

std::string SettingName(std::string_view platform) {
  return "webhook." + std::string(platform) + "_secret";
}

Status CheckPlatform(std::string_view platform) {
  if (platform != "wecom" && platform != "dingtalk") {
    return base::InvalidArgument("platform", "webhook.platform",
                                 "platform must be wecom or dingtalk",
                                 "platform 须为 wecom 或 dingtalk");
  }
  return Status();
}

std::string Fingerprint(std::string_view secret) {
  return secret.empty() ? "" : auth::Sha256Hex(secret).substr(0, 8);
}

}  // namespace

Result<std::string> AppealService::CurrentWebhookSecret(std::string_view platform) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT value FROM appeal_settings WHERE name = ?",
                                               {SettingName(platform)}));
  if (!rows.empty()) {
    return rows.rows[0].Text(0);
  }
  std::lock_guard lock(secrets_mu_);
  return platform == "wecom" ? options_.wecom_secret : options_.dingtalk_secret;
}

Result<std::vector<WebhookSecretInfo>> AppealService::WebhookSecrets(const Caller& caller) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("webhook.forbidden", "Operators only", "仅限平台运营");
  }
  std::vector<WebhookSecretInfo> out;
  for (const char* platform : {"wecom", "dingtalk"}) {
    WebhookSecretInfo info;
    info.platform = platform;
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        auto rows, tx->Query("SELECT value, updated_at FROM appeal_settings WHERE name = ?",
                             {SettingName(platform)}));
    std::string secret;
    if (!rows.empty()) {
      secret = rows.rows[0].Text(0);
      info.source = "rotated";
      info.rotated_at = rows.rows[0].Int(1);
    } else {
      std::lock_guard lock(secrets_mu_);
      secret = info.platform == "wecom" ? options_.wecom_secret : options_.dingtalk_secret;
      info.source = secret.empty() ? "" : "startup";
    }
    info.configured = !secret.empty();
    info.fingerprint = Fingerprint(secret);
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::string> AppealService::RotateWebhookSecret(const Caller& caller,
                                                       std::string_view platform,
                                                       std::string secret) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("webhook.forbidden", "Operators only", "仅限平台运营");
  }
  KECHAN_RETURN_IF_ERROR(CheckPlatform(platform));
  if (secret.empty()) {
    secret = auth::RandomToken(24);
  }
  bool printable = secret.size() >= 16 && secret.size() <= 256;
  for (char c : secret) {
    printable &= c > 0x20 && c < 0x7f;
  }
  if (!printable) {
    return base::InvalidArgument("secret", "webhook.secret",
                                 "The secret must be 16-256 printable ASCII characters without "
                                 "spaces",
                                 "密钥须为 16-256 个可打印 ASCII 字符且不含空格");
  }
  const Micros now = clock_.NowMicros();
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO appeal_settings (name, value, updated_at, updated_by) VALUES (?, ?, "
                "?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = "
                "excluded.updated_at, updated_by = excluded.updated_by",
                {SettingName(platform), secret, now, caller.actor})
            .status());
    json::object f{{"platform", std::string(platform)}, {"fingerprint", Fingerprint(secret)}};
    return store::AppendEvent(tx,
                              {.kind = "appeal.webhook_secret_rotated",
                               .entity = "appeal_settings",
                               .entity_id = SettingName(platform),
                               .actor = caller.actor,
                               .payload = json::serialize(f)},
                              clock_)
        .status();
  }));
  return secret;
}

}  // namespace kechan::appeals
