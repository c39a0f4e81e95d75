// Wiring: config → adapters → modules → routes, and the CLI subcommands of the kechan binary.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/background.h"
#include "app/cli.h"
#include "app/settings.h"
#include "appeals/service.h"
#include "auth/auth_service.h"
#include "base/clock.h"
#include "calendar/service.h"
#include "chain/service.h"
#include "flow/scheduler.h"
#include "http/router.h"
#include "notify/service.h"
#include "policy/service.h"
#include "search/service.h"
#include "store/database.h"

namespace kechan::app {

// Every module's migrations, bottom layer first.
std::vector<store::Migration> AllMigrations();

// The opened modules of one process. Not copyable; services are thread-safe.
struct App {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<calendar::CalendarService> calendar;
  std::unique_ptr<chain::ChainService> chain;
  std::unique_ptr<policy::PolicyService> policy;  // 惠企政策工具包 (uses chain)
  std::unique_ptr<SettingsService> settings;
  std::unique_ptr<notify::NotifyService> notify;
  std::unique_ptr<flow::Scheduler> scheduler;       // persisted SLA timers (flow_timers)
  std::unique_ptr<appeals::AppealService> appeals;  // 政企服务诉求闭环
  // Periodic jobs that `kechan serve` runs (scheduler, notifications, indexer). Declared last so
  // it stops before the services it uses are destroyed.
  std::unique_ptr<search::SearchModule> search;  // loaded on first use (search, match, indexer)
  BackgroundJobs background;
};

struct OpenAppOptions {
  CreateDataDir create = CreateDataDir::kNo;
  int64_t session_ttl_hours = 12;
};

// Opens the database named by `config`, applies pending migrations and builds the services.
base::Result<std::unique_ptr<App>> OpenApp(const base::Config& config, const base::Clock& clock,
                                           const OpenAppOptions& options);

struct RouteOptions {
  bool secure_cookies = false;
  std::string version;
};
// Registers every module's routes on `router`.
void RegisterRoutes(http::Router& router, App& app, const RouteOptions& options);

// Runs the CLI; returns the process exit status (0 ok, 2 bad usage/input, 1 other failure).
int Main(int argc, char** argv);
int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace kechan::app
