// Installation settings kept in the database (app_settings): the demo-data marker and similar
// facts every node of a deployment must agree on. Writes append an event like every other write.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "store/database.h"
#include "store/migrations.h"

namespace kechan::app {

std::vector<store::Migration> SettingsMigrations();

// Thread-safe (holds no state besides references).
class SettingsService {
 public:
  SettingsService(store::Database& db, const base::Clock& clock) : db_(db), clock_(clock) {}
  // Returns the value of `key`, or nullopt when unset.
  base::Result<std::optional<std::string>> Get(const std::string& key);
  // Sets `key` to `value` in one transaction with event "app.setting.changed".
  base::Status Set(const std::string& key, const std::string& value, const std::string& actor);

 private:
  store::Database& db_;
  const base::Clock& clock_;
};

}  // namespace kechan::app
