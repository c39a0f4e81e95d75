#include "app/settings.h"

#include "base/log.h"
#include "store/event_log.h"

namespace kechan::app {

std::vector<store::Migration> SettingsMigrations() {
  return {{.module = "app",
           .version = 1,
           .name = "app_settings",
           .sql = "CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
                  "updated_at BIGINT NOT NULL)"}};
}

base::Result<std::optional<std::string>> SettingsService::Get(const std::string& key) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto rows,
                          tx->Query("SELECT value FROM app_settings WHERE key = ?", {key}));
  if (rows.empty()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(rows.rows[0].Text(0));
}

base::Status SettingsService::Set(const std::string& key, const std::string& value,
                                  const std::string& actor) {
  return store::WithWriteTx(db_, [&](store::Tx& tx) -> base::Status {
    int64_t now = clock_.NowMicros();
    KECHAN_ASSIGN_OR_RETURN(
        int64_t changed, tx.Exec("UPDATE app_settings SET value = ?, updated_at = ? WHERE key = ?",
                                 {value, now, key}));
    if (changed == 0) {
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)",
                  {key, value, now})
              .status());
    }
    std::string payload = "{\"key\":";
    base::AppendJsonString(payload, key);
    payload += ",\"value\":";
    base::AppendJsonString(payload, value);
    payload += "}";
    return store::AppendEvent(tx,
                              {.kind = "app.setting.changed",
                               .entity = "setting",
                               .entity_id = key,
                               .actor = actor,
                               .payload = payload},
                              clock_)
        .status();
  });
}

}  // namespace kechan::app
