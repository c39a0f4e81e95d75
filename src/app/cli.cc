#include "app/cli.h"

#include <filesystem>
#include <ostream>

#include "notify/service.h"

namespace kechan::app {

std::vector<base::ConfigKey> CommonConfigKeys() {
  return {
      {"data", "", "data directory holding kechan.db (SQLite) and the search index"},
      {"db", "", "database URL; postgresql://user@host:port/db selects PostgreSQL"},
      {"search_index", "",
       "search index directory (default DATA/search; lets PostgreSQL run without --data)"},
      {"log_level", "info", "debug, info, warn or error"},
      {"read_connections", "4", "reader connections (SQLite) / pool size (PostgreSQL)"},
      {"office_hours", "09:00-12:00,13:30-17:30",
       "office hours for working-time SLA clocks (Asia/Shanghai), HH:MM-HH:MM,..."},
  };
}

std::vector<base::ConfigKey> ServeConfigKeys() {
  auto keys = CommonConfigKeys();
  std::vector<base::ConfigKey> more = {
      {"listen", "127.0.0.1:8080", "ADDR:PORT to listen on (port 0 picks a free port)"},
      {"threads", "4", "HTTP worker threads"},
      {"web", "", "directory of the built web app (default: web/dist beside the binary)"},
      {"body_limit", "1048576", "largest request body in bytes"},
      {"header_limit", "16384", "largest request header block in bytes"},
      {"read_timeout_ms", "10000", "a request must arrive completely within this time"},
      {"idle_timeout_ms", "30000", "keep-alive connections idle longer are closed"},
      {"shutdown_grace_ms", "10000", "time in-flight requests get to finish after SIGTERM"},
      {"session_ttl_hours", "12", "sign-in session lifetime"},
      {"secure_cookies", "false", "mark cookies Secure (set when served over HTTPS)"},
      {"metrics_public", "false",
       "serve /metrics to anyone (default: operators only, e.g. Prometheus with an API token)"},
  };
  keys.insert(keys.end(), more.begin(), more.end());
  auto notify_keys = notify::ConfigKeys();
  keys.insert(keys.end(), notify_keys.begin(), notify_keys.end());
  return keys;
}

base::Result<base::Config> LoadConfig(std::vector<base::ConfigKey> keys, const ParsedArgs& args) {
  base::Config config(std::move(keys));
  if (auto it = args.flags.find("config"); it != args.flags.end()) {
    KECHAN_RETURN_IF_ERROR(config.LoadFile(it->second));
  } else if (const char* env = std::getenv("KECHAN_CONFIG"); env != nullptr) {
    KECHAN_RETURN_IF_ERROR(config.LoadFile(env));
  }
  config.LoadEnv();
  for (const auto& [name, value] : args.flags) {
    if (name == "config" || !config.Has(name)) {
      continue;  // command-specific flags are read by the command itself
    }
    KECHAN_RETURN_IF_ERROR(config.Set(name, value));
  }
  return config;
}

base::Result<std::unique_ptr<store::Database>> OpenDatabase(const base::Config& config,
                                                            CreateDataDir create) {
  store::OpenOptions options;
  KECHAN_ASSIGN_OR_RETURN(int64_t readers, config.GetInt("read_connections"));
  if (readers < 1 || readers > 256) {
    return base::InvalidArgument("--read_connections", "cli.range",
                                 "--read_connections must be between 1 and 256",
                                 "--read_connections 须在 1 到 256 之间");
  }
  options.read_connections = static_cast<int>(readers);
  if (!config.Get("db").empty()) {
    options.url = config.Get("db");
    return store::Open(options);
  }
  const std::string& data = config.Get("data");
  if (data.empty()) {
    return base::InvalidArgument("--data", "cli.missing_data",
                                 "give --data DIR (SQLite) or --db postgresql://...",
                                 "请指定 --data 目录（SQLite）或 --db postgresql://...");
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(data, ec)) {
    if (create == CreateDataDir::kNo) {
      return base::InvalidArgument("--data", "cli.no_data_dir",
                                   "data directory " + data + " does not exist",
                                   "数据目录 " + data + " 不存在");
    }
    std::filesystem::create_directories(data, ec);
    if (ec) {
      return base::InvalidArgument("--data", "cli.mkdir",
                                   "cannot create data directory " + data + ": " + ec.message(),
                                   "无法创建数据目录 " + data);
    }
  }
  options.url = "sqlite:" + (std::filesystem::path(data) / "kechan.db").string();
  return store::Open(options);
}

}  // namespace kechan::app
