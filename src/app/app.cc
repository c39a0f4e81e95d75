#include "app/app.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "app/auth_routes.h"
#include "app/cli_calendar.h"
#include "app/demo.h"
#include "app/meta_routes.h"
#include "app/search_sources.h"
#include "appeals/cli.h"
#include "appeals/migrations.h"
#include "appeals/routes.h"
#include "auth/migrations.h"
#include "base/log.h"
#include "base/strcat.h"
#include "calendar/routes.h"
#include "calendar/service.h"
#include "chain/cli.h"
#include "chain/migrations.h"
#include "chain/routes.h"
#include "flow/scheduler.h"
#include "http/server.h"
#include "notify/migrations.h"
#include "notify/routes.h"
#include "policy/cli.h"
#include "policy/migrations.h"
#include "policy/routes.h"
#include "search/cli.h"
#include "search/migrations.h"
#include "search/routes.h"
#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::app {
namespace {

constexpr const char* kVersion = "0.1.0";

const char* kUsage =
    "kechan — 科产融合平台 / science–industry integration platform\n"
    "\n"
    "usage: kechan COMMAND [options]     (kechan COMMAND --help for details)\n"
    "\n"
    "commands:\n"
    "  serve        run the HTTP server                         运行服务\n"
    "  demo         load the synthetic demo dataset             载入合成演示数据\n"
    "  migrate      apply pending schema migrations             执行数据库迁移\n"
    "  user add     create a user (the first operator, ...)     创建用户\n"
    "  verify-log   check the event log's hash chain            校验事件日志哈希链\n"
    "  backup       write an online backup of the database      在线备份数据库\n"
    "  calendar     business-calendar queries and imports       工作日历查询与导入\n"
    "  chain        list chains, analyse a chain as of a date   产业链列表与分析\n"
    "  import       import enterprises from CSV or .xlsx        导入企业（CSV 或 .xlsx）\n"
    "  policy       which policies fit a firm, firms a policy   惠企政策匹配\n"
    "  appeals      appeal metrics (three rates) by group       诉求三率统计\n"
    "  sla          replay SLA clocks after a calendar change   重算诉求时限\n"
    "  reindex      rebuild the search index from the event log 从事件日志重建检索索引\n"
    "  match        explained match candidates for an entity    为实体匹配候选（含理由）\n"
    "  eval         retrieval / routing evaluation on files     检索与分派评测\n"
    "  train-routing  train the appeal router (fastText)        训练诉求分派模型\n"
    "  version      print the version                           显示版本\n"
    "\n"
    "exit status: 0 success, 2 bad usage or bad input, 1 other failure\n";

const char* kDbOptions =
    "  --data DIR        data directory (SQLite kechan.db and the search index)\n"
    "  --db URL          postgresql://user@host:port/dbname instead of SQLite\n"
    "  --config FILE     settings file (key = value); see docs/configuration.md\n";

std::set<std::string> FlagNames(const std::vector<base::ConfigKey>& keys,
                                std::initializer_list<const char*> extra) {
  std::set<std::string> out;
  for (const auto& k : keys) {
    out.insert(k.name);
  }
  out.insert("config");
  for (const char* e : extra) {
    out.insert(e);
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  base::AppendJsonString(out, s);
  return out;
}

void ApplyLogLevel(const base::Config& config) {
  base::LogLevel level;
  if (base::ParseLogLevel(config.Get("log_level"), &level)) {
    base::SetLogLevel(level);
  }
}

std::string DefaultWebDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return "web/dist";
  }
  for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    auto candidate = dir / "web" / "dist";
    if (std::filesystem::exists(candidate / "index.html", ec)) {
      return candidate.string();
    }
  }
  return "web/dist";
}

// Parses a database command's flags and settings. Returns the exit code when the command is done
// already (help printed or an error reported), nullopt to go on with `parsed` and `config` filled.
std::optional<int> BeginDbCommand(const std::vector<std::string>& args,
                                  std::initializer_list<const char*> extra_flags,
                                  const std::set<std::string>& switches, const std::string& help,
                                  std::ostream& out, std::ostream& err, ParsedArgs& parsed,
                                  std::optional<base::Config>& config) {
  auto keys = CommonConfigKeys();
  auto p = ParseArgs(args, FlagNames(keys, extra_flags), switches);
  if (!p.ok()) {
    return ReportError(p.status(), err);
  }
  parsed = std::move(*p);
  if (parsed.help) {
    out << help << "\n" << kDbOptions;
    return kExitOk;
  }
  auto c = LoadConfig(keys, parsed);
  if (!c.ok()) {
    return ReportError(c.status(), err);
  }
  ApplyLogLevel(*c);
  config.emplace(std::move(*c));
  return std::nullopt;
}

// ---- serve ----------------------------------------------------------------------------------
int CmdServe(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto keys = ServeConfigKeys();
  auto parsed = ParseArgs(args, FlagNames(keys, {}));
  if (!parsed.ok()) {
    return ReportError(parsed.status(), err);
  }
  if (parsed->help) {
    out << "usage: kechan serve [--data DIR | --db URL] [--listen ADDR:PORT] [options]\n"
        << "Runs the HTTP API and web app. Applies pending migrations first. Stops gracefully on\n"
        << "SIGTERM or SIGINT. 运行 HTTP 服务；启动时自动迁移；收到 SIGTERM 时优雅退出。\n\n"
        << kDbOptions;
    for (const auto& k : keys) {
      out << "  --" << k.name << " (default '" << k.default_value << "'): " << k.help << "\n";
    }
    return kExitOk;
  }
  if (!parsed->positional.empty()) {
    return ReportError(base::InvalidArgument(parsed->positional[0], "cli.extra_argument",
                                             "unexpected argument " + parsed->positional[0],
                                             "多余的参数 " + parsed->positional[0]),
                       err);
  }
  auto config = LoadConfig(keys, *parsed);
  if (!config.ok()) {
    return ReportError(config.status(), err);
  }
  ApplyLogLevel(*config);

  http::ServerOptions options;
  options.listen = config->Get("listen");
  options.version = kVersion;
  options.static_dir = config->Get("web").empty() ? DefaultWebDir() : config->Get("web");
  struct IntKey {
    const char* name;
    int64_t min;
    int64_t max;
  };
  int64_t values[8] = {};
  const IntKey int_keys[] = {{"threads", 1, 256},
                             {"body_limit", 1024, int64_t{1} << 32},
                             {"header_limit", 1024, 1 << 20},
                             {"read_timeout_ms", 100, 3600000},
                             {"idle_timeout_ms", 100, 3600000},
                             {"shutdown_grace_ms", 0, 3600000},
                             {"session_ttl_hours", 1, int64_t{24} * 365}};
  for (size_t i = 0; i < std::size(int_keys); ++i) {
    auto v = config->GetInt(int_keys[i].name);
    if (!v.ok()) {
      return ReportError(v.status(), err);
    }
    if (*v < int_keys[i].min || *v > int_keys[i].max) {
      std::string flag = std::string("--") + int_keys[i].name;
      std::string range = std::to_string(int_keys[i].min) + ".." + std::to_string(int_keys[i].max);
      return ReportError(
          base::InvalidArgument(flag, "cli.range", base::StrCat(flag, " must be in ", range),
                                base::StrCat(flag, " 须在 ", range, " 之间")),
          err);
    }
    values[i] = *v;
  }
  options.threads = static_cast<int>(values[0]);
  options.body_limit = static_cast<size_t>(values[1]);
  options.header_limit = static_cast<size_t>(values[2]);
  options.read_timeout_ms = static_cast<int>(values[3]);
  options.idle_timeout_ms = static_cast<int>(values[4]);
  options.shutdown_grace_ms = static_cast<int>(values[5]);
  auto secure = config->GetBool("secure_cookies");
  if (!secure.ok()) {
    return ReportError(secure.status(), err);
  }
  auto metrics_public = config->GetBool("metrics_public");
  if (!metrics_public.ok()) {
    return ReportError(metrics_public.status(), err);
  }
  options.metrics_public = *metrics_public;

  // Block the stop signals before any thread starts so that only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto app = OpenApp(*config, base::SystemClock::Get(),
                     {.create = CreateDataDir::kYes, .session_ttl_hours = values[6]});
  if (!app.ok()) {
    return ReportError(app.status(), err);
  }
  if (auto s = (*app)->search->CheckRoutingModel(); !s.ok()) {
    return ReportError(s, err);  // a damaged DATA/routing/department.fasttext, named
  }
  http::Router router;
  RegisterRoutes(router, **app, {.secure_cookies = *secure, .version = kVersion});
  auto server = http::Server::Open(options, std::move(router), MakeAuthenticator(*(*app)->auth));
  if (!server.ok()) {
    return ReportError(server.status(), err);
  }
  if (auto s = (*server)->Start(); !s.ok()) {
    return ReportError(s, err);
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  if (host == "0.0.0.0" || host.empty()) {
    host = "127.0.0.1";
  }
  base::Log(base::LogLevel::kInfo, "server.started",
            {{"listen", options.listen},
             {"port", static_cast<int64_t>((*server)->port())},
             {"db", (*app)->db->Describe()},
             {"web", options.static_dir}});
  (*app)->background.Start();
  out << "kechan listening on http://" << host << ":" << (*server)->port() << "/" << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  base::Log(base::LogLevel::kInfo, "server.stopping", {{"signal", static_cast<int64_t>(sig)}});
  (*server)->Shutdown();
  (*server)->Wait();
  (*app)->background.Stop();
  base::Log(base::LogLevel::kInfo, "server.stopped");
  return kExitOk;
}

// ---- demo -----------------------------------------------------------------------------------
int CmdDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ParsedArgs parsed;
  std::optional<base::Config> config;
  if (auto done = BeginDbCommand(
          args, {"scale"}, {},
          "usage: kechan demo (--data DIR | --db URL) [--scale N]\n"
          "Loads the deterministic SYNTHETIC demo dataset (organisations, users of every role, a\n"
          "slice for each module). --scale 1 (default) is about a thousand records; N multiplies.\n"
          "载入确定性的合成演示数据（机构、各角色用户及各模块示例数据）。\n"
          "  --scale N         size multiplier, 1..1000 (default 1)\n",
          out, err, parsed, config)) {
    return *done;
  }
  int64_t scale = 1;
  if (auto it = parsed.flags.find("scale"); it != parsed.flags.end()) {
    char* end = nullptr;
    scale = std::strtoll(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || scale < 1 || scale > 1000) {
      return ReportError(
          base::InvalidArgument("--scale", "cli.range", "--scale must be an integer from 1 to 1000",
                                "--scale 须为 1 到 1000 的整数"),
          err);
    }
  }
  auto app = OpenApp(*config, base::SystemClock::Get(), {.create = CreateDataDir::kYes});
  if (!app.ok()) {
    return ReportError(app.status(), err);
  }
  auto report = LoadDemo(**app, {.scale = static_cast<int>(scale)}, base::SystemClock::Get());
  if (!report.ok()) {
    return ReportError(report.status(), err);
  }
  out << report->ToJson() << std::endl;
  return kExitOk;
}

// ---- migrate --------------------------------------------------------------------------------
int CmdMigrate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ParsedArgs parsed;
  std::optional<base::Config> config;
  if (auto done = BeginDbCommand(
          args, {}, {},
          "usage: kechan migrate (--data DIR | --db URL)\n"
          "Applies every pending schema migration (also done by serve at start-up).\n"
          "执行所有待执行的数据库迁移（serve 启动时也会执行）。\n",
          out, err, parsed, config)) {
    return *done;
  }
  auto db = OpenDatabase(*config, CreateDataDir::kYes);
  if (!db.ok()) {
    return ReportError(db.status(), err);
  }
  auto report = store::Migrate(**db, AllMigrations());
  if (!report.ok()) {
    return ReportError(report.status(), err);
  }
  out << "{\"applied\":" << report->applied << ",\"already\":" << report->already << "}"
      << std::endl;
  return kExitOk;
}

// ---- verify-log -----------------------------------------------------------------------------
int CmdVerifyLog(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ParsedArgs parsed;
  std::optional<base::Config> config;
  if (auto done = BeginDbCommand(
          args, {}, {},
          "usage: kechan verify-log (--data DIR | --db URL)\n"
          "Checks that the event log's hash chain is unbroken; prints {\"ok\":true,...} or names\n"
          "the first bad event and exits 1. 校验事件日志哈希链，失败时指出第一个错误事件。\n",
          out, err, parsed, config)) {
    return *done;
  }
  auto db = OpenDatabase(*config, CreateDataDir::kNo);
  if (!db.ok()) {
    return ReportError(db.status(), err);
  }
  auto report = store::VerifyLog(**db);
  if (!report.ok()) {
    return ReportError(report.status(), err);
  }
  if (report->ok) {
    out << "{\"ok\":true,\"checked\":" << report->checked << "}" << std::endl;
    return kExitOk;
  }
  out << "{\"ok\":false,\"checked\":" << report->checked
      << ",\"first_bad_seq\":" << report->first_bad_seq.value_or(0)
      << ",\"reason\":" << JsonEscape(report->reason) << "}" << std::endl;
  err << "error: event log broken at seq " << report->first_bad_seq.value_or(0) << ": "
      << report->reason << "\n错误：事件日志在序号 " << report->first_bad_seq.value_or(0)
      << " 处断裂\n";
  return kExitFailure;
}

// ---- backup ---------------------------------------------------------------------------------
int CmdBackup(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ParsedArgs parsed;
  std::optional<base::Config> config;
  if (auto done = BeginDbCommand(
          args, {"to"}, {},
          "usage: kechan backup --data DIR --to FILE\n"
          "Writes a consistent copy of the SQLite database while the server keeps running\n"
          "(PostgreSQL: use pg_dump, see docs/operations.md). 在线备份 SQLite 数据库。\n"
          "  --to FILE         where to write the copy (must not exist)\n",
          out, err, parsed, config)) {
    return *done;
  }
  auto it = parsed.flags.find("to");
  if (it == parsed.flags.end() || it->second.empty()) {
    return ReportError(
        base::InvalidArgument("--to", "cli.required", "--to FILE is required", "缺少 --to FILE"),
        err);
  }
  std::error_code ec;
  if (std::filesystem::exists(it->second, ec)) {
    return ReportError(base::InvalidArgument("--to", "backup.exists",
                                             it->second + " already exists; refusing to overwrite",
                                             it->second + " 已存在，拒绝覆盖"),
                       err);
  }
  auto db = OpenDatabase(*config, CreateDataDir::kNo);
  if (!db.ok()) {
    return ReportError(db.status(), err);
  }
  if (auto s = (*db)->Backup(it->second); !s.ok()) {
    return ReportError(s, err);
  }
  out << "{\"backup\":" << JsonEscape(it->second) << "}" << std::endl;
  return kExitOk;
}

// ---- user add -------------------------------------------------------------------------------
int CmdUser(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto keys = CommonConfigKeys();
  auto parsed = ParseArgs(
      args, FlagNames(keys, {"username", "password", "display-name", "role", "org", "org-name"}),
      {"password-stdin"});
  if (!parsed.ok()) {
    return ReportError(parsed.status(), err);
  }
  if (parsed->help || parsed->positional.empty() || parsed->positional[0] != "add") {
    (parsed->help ? out : err)
        << "usage: kechan user add (--data DIR | --db URL) --username NAME\n"
        << "         (--password-stdin | --password PW) [--display-name NAME]\n"
        << "         [--role operator|enterprise|researcher|tech_manager|officer|duty_director|"
           "chain_chief]\n"
        << "         [--org ORG_ID] [--org-name NAME]\n"
        << "Creates a user. With --role operator and no --org it creates the platform operator\n"
        << "organisation if needed (use this for the first operator). 创建用户；首个运营管理员用\n"
        << "--role operator。\n\n"
        << kDbOptions;
    return parsed->help ? kExitOk : kExitUsage;
  }
  auto config = LoadConfig(keys, *parsed);
  if (!config.ok()) {
    return ReportError(config.status(), err);
  }
  std::string password;
  if (parsed->switches.count("password-stdin") != 0) {
    std::getline(std::cin, password);
  } else if (auto pw = parsed->flags.find("password"); pw != parsed->flags.end()) {
    password = pw->second;
  } else {
    return ReportError(
        base::InvalidArgument("--password", "cli.required", "give --password-stdin or --password",
                              "请使用 --password-stdin 或 --password 提供密码"),
        err);
  }
  auto get = [&](const char* name) {
    auto f = parsed->flags.find(name);
    return f == parsed->flags.end() ? std::string() : f->second;
  };
  auto role = auth::ParseRole(get("role").empty() ? "operator" : get("role"));
  if (!role) {
    return ReportError(base::InvalidArgument("--role", "cli.role", "unknown role " + get("role"),
                                             "未知角色 " + get("role")),
                       err);
  }
  int64_t org_id = 0;
  if (!get("org").empty()) {
    char* end = nullptr;
    org_id = std::strtoll(get("org").c_str(), &end, 10);
    if (*end != '\0' || org_id <= 0) {
      return ReportError(base::InvalidArgument("--org", "cli.id", "--org must be a positive id",
                                               "--org 须为正整数编号"),
                         err);
    }
  }
  auto app = OpenApp(*config, base::SystemClock::Get(), {.create = CreateDataDir::kYes});
  if (!app.ok()) {
    return ReportError(app.status(), err);
  }
  std::optional<auth::User> user;
  if (*role == auth::Role::kOperator && org_id == 0) {
    auth::BootstrapRequest request{
        .username = get("username"), .password = password, .display_name = get("display-name")};
    if (!get("org-name").empty()) {
      request.org_name = get("org-name");
      request.org_name_en = "";
    }
    auto boot = (*app)->auth->BootstrapOperator(request);
    if (!boot.ok()) {
      return ReportError(boot.status(), err);
    }
    user = boot->user;
  } else {
    if (org_id == 0) {
      return ReportError(
          base::InvalidArgument("--org", "cli.required", "--org ORG_ID is required for this role",
                                "该角色须指定 --org 机构编号"),
          err);
    }
    auto added = (*app)->auth->AddUserWithRole({.username = get("username"),
                                                .password = password,
                                                .display_name = get("display-name"),
                                                .org = base::OrgId{org_id},
                                                .role = *role});
    if (!added.ok()) {
      return ReportError(added.status(), err);
    }
    user = *added;
  }
  out << "{\"user_id\":" << user->id.value << ",\"username\":" << JsonEscape(user->username)
      << ",\"role\":\"" << auth::RoleName(*role) << "\"}" << std::endl;
  return kExitOk;
}

// ---- calendar -------------------------------------------------------------------------------
int CmdCalendar(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && args[0] == "import") {
    auto keys = CommonConfigKeys();
    std::vector<std::string> rest(args.begin() + 1, args.end());
    auto parsed = ParseArgs(rest, FlagNames(keys, {}));
    if (!parsed.ok()) {
      return ReportError(parsed.status(), err);
    }
    if (parsed->help || parsed->positional.size() != 1) {
      (parsed->help ? out : err)
          << "usage: kechan calendar import FILE (--data DIR | --db URL)\n"
          << "Loads one year's State Council holiday notice in the format of docs/calendar.md.\n"
          << "导入一年的国务院节假日安排（格式见 docs/calendar.md）。\n\n"
          << kDbOptions;
      return parsed->help ? kExitOk : kExitUsage;
    }
    auto config = LoadConfig(keys, *parsed);
    if (!config.ok()) {
      return ReportError(config.status(), err);
    }
    auto app = OpenApp(*config, base::SystemClock::Get(), {.create = CreateDataDir::kNo});
    if (!app.ok()) {
      return ReportError(app.status(), err);
    }
    return RunCalendarImport(*(*app)->calendar, parsed->positional[0], out, err);
  }
  return RunCalendarCommand(args, out, err);
}

// Opens the app for the chain module's commands, which parse their own flags and hand the
// database ones (--data, --db, --config, ...) here.
chain::ServiceOpener ChainOpener(std::unique_ptr<App>& holder) {
  return [&holder](const std::vector<std::string>& db_args) -> base::Result<chain::ChainService*> {
    KECHAN_ASSIGN_OR_RETURN(ParsedArgs p, ParseArgs(db_args, FlagNames(CommonConfigKeys(), {})));
    KECHAN_ASSIGN_OR_RETURN(base::Config c, LoadConfig(CommonConfigKeys(), p));
    ApplyLogLevel(c);
    KECHAN_ASSIGN_OR_RETURN(holder,
                            OpenApp(c, base::SystemClock::Get(), {.create = CreateDataDir::kNo}));
    return holder->chain.get();
  };
}

}  // namespace

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all = store::StoreMigrations();
  for (auto&& part : {auth::Migrations(), calendar::Migrations(), chain::Migrations(),
                      SettingsMigrations(), flow::Migrations(), appeals::Migrations(),
                      search::Migrations(), notify::Migrations(), policy::Migrations()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

base::Result<std::unique_ptr<App>> OpenApp(const base::Config& config, const base::Clock& clock,
                                           const OpenAppOptions& options) {
  auto app = std::make_unique<App>();
  KECHAN_ASSIGN_OR_RETURN(app->db, OpenDatabase(config, options.create));
  KECHAN_RETURN_IF_ERROR(store::Migrate(*app->db, AllMigrations()).status());
  auth::AuthOptions auth_options;
  auth_options.session_ttl = options.session_ttl_hours * 3600LL * 1000 * 1000;
  app->auth = std::make_unique<auth::AuthService>(*app->db, clock, auth_options);
  calendar::CalendarOptions calendar_options;
  KECHAN_ASSIGN_OR_RETURN(calendar_options.office_hours,
                          base::OfficeHours::Parse(config.Get("office_hours"), "--office_hours"));
  KECHAN_ASSIGN_OR_RETURN(app->calendar,
                          calendar::CalendarService::Open(*app->db, clock, calendar_options));
  app->chain = std::make_unique<chain::ChainService>(*app->db, clock);
  app->policy = std::make_unique<policy::PolicyService>(*app->db, *app->chain, clock);
  app->settings = std::make_unique<SettingsService>(*app->db, clock);
  {
    // serve knows the notify_* keys (docs/configuration.md); other commands use the defaults.
    notify::NotifyOptions notify_options;
    int64_t notify_tick_ms = 2000;
    if (config.Has("notify_smtp_url")) {
      KECHAN_ASSIGN_OR_RETURN(notify_options, notify::OptionsFromConfig(config));
      KECHAN_ASSIGN_OR_RETURN(notify_tick_ms, config.GetInt("notify_tick_ms"));
    }
    app->notify = notify::NotifyService::Make(*app->db, clock, *app->auth, notify_options);
    notify::NotifyService* n = app->notify.get();
    const auto notify_period = std::chrono::milliseconds(notify_tick_ms < 10 ? 10 : notify_tick_ms);
    app->background.Add(
        {.name = "notify", .period = notify_period, .tick = [n]() -> base::Result<int> {
           notify::TickReport r;
           KECHAN_RETURN_IF_ERROR(n->Tick(&r));
           return r.events + r.sent;
         }});
  }
  app->scheduler = std::make_unique<flow::Scheduler>(*app->db, clock);
  {
    appeals::ServiceOptions appeal_options;
    appeal_options.data_dir = config.Get("data");
    KECHAN_ASSIGN_OR_RETURN(auto wecom, app->settings->Get("appeals.webhook.wecom_secret"));
    KECHAN_ASSIGN_OR_RETURN(auto dingtalk, app->settings->Get("appeals.webhook.dingtalk_secret"));
    appeal_options.wecom_secret = wecom.value_or("");
    appeal_options.dingtalk_secret = dingtalk.value_or("");
    calendar::CalendarService* cal = app->calendar.get();
    app->appeals = std::make_unique<appeals::AppealService>(
        *app->db, clock, [cal] { return cal->Current(); }, app->scheduler.get(),
        std::move(appeal_options));
    flow::Scheduler* scheduler = app->scheduler.get();
    app->background.Add({.name = "flow.scheduler",
                         .period = std::chrono::milliseconds(1000),
                         .tick = [scheduler] { return scheduler->FireDue(500); }});
  }
  {
    store::Database* db = app->db.get();
    appeals::AppealService* appeal_service = app->appeals.get();
    app->search = std::make_unique<search::SearchModule>(
        *app->db, clock, config.Get("data"), [db, appeal_service](search::SearchService& s) {
          AddSearchSources(s, *db, appeal_service);
        });
    if (!config.Get("search_index").empty()) {
      app->search->SetIndexDir(config.Get("search_index"));
    }
    search::SearchModule* module = app->search.get();
    app->background.Add({.name = "search.indexer",
                         .period = std::chrono::milliseconds(1000),
                         .tick = [module] { return module->Tick(); }});
  }
  return app;
}

void RegisterRoutes(http::Router& router, App& app, const RouteOptions& options) {
  RegisterAuthRoutes(router, *app.auth, {.secure_cookies = options.secure_cookies});
  calendar::RegisterRoutes(router, *app.calendar);
  chain::RegisterRoutes(router, *app.chain);
  policy::RegisterRoutes(router, *app.policy);
  appeals::RegisterRoutes(router, *app.appeals);
  search::RegisterRoutes(router, *app.search);
  notify::RegisterRoutes(router, *app.notify);
  RegisterMetaRoutes(router, *app.settings, options.version);
}

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  const std::string& cmd = args[0];
  if (cmd == "serve") {
    return CmdServe(rest, out, err);
  }
  if (cmd == "demo") {
    return CmdDemo(rest, out, err);
  }
  if (cmd == "migrate") {
    return CmdMigrate(rest, out, err);
  }
  if (cmd == "user") {
    return CmdUser(rest, out, err);
  }
  if (cmd == "verify-log") {
    return CmdVerifyLog(rest, out, err);
  }
  if (cmd == "backup") {
    return CmdBackup(rest, out, err);
  }
  if (cmd == "calendar") {
    return CmdCalendar(rest, out, err);
  }
  if (cmd == "chain") {
    std::unique_ptr<App> app;
    return chain::RunChainCommand(rest, out, err, ChainOpener(app));
  }
  if (cmd == "import") {
    std::unique_ptr<App> app;
    return chain::RunImportCommand(rest, out, err, ChainOpener(app));
  }
  if (cmd == "policy") {
    std::unique_ptr<App> app;
    return policy::RunPolicyCommand(
        rest, out, err,
        [&app](const std::vector<std::string>& db_args) -> base::Result<policy::PolicyService*> {
          KECHAN_RETURN_IF_ERROR(ChainOpener(app)(db_args).status());
          return app->policy.get();
        });
  }
  if (cmd == "appeals" || cmd == "sla") {
    std::unique_ptr<App> app;
    appeals::ServiceOpener open =
        [&app](const std::vector<std::string>& db_args) -> base::Result<appeals::AppealService*> {
      auto holder_opener = ChainOpener(app);
      KECHAN_RETURN_IF_ERROR(holder_opener(db_args).status());
      return app->appeals.get();
    };
    return cmd == "sla" ? appeals::RunSlaCommand(rest, out, err, open)
                        : appeals::RunAppealsCommand(rest, out, err, open);
  }
  if (cmd == "reindex" || cmd == "match") {
    std::unique_ptr<App> app;
    search::SearchOpener open =
        [&app](const std::vector<std::string>& db_args) -> base::Result<search::SearchService*> {
      KECHAN_RETURN_IF_ERROR(ChainOpener(app)(db_args).status());
      return app->search->Get();
    };
    return cmd == "reindex" ? search::RunReindexCommand(rest, out, err, open)
                            : search::RunMatchCommand(rest, out, err, open);
  }
  if (cmd == "eval") {
    return search::RunEvalCommand(rest, out, err);
  }
  if (cmd == "train-routing") {
    std::unique_ptr<App> app;
    return search::RunTrainRoutingCommand(
        rest, out, err,
        [&app](
            const std::vector<std::string>& db_args) -> base::Result<search::RoutingTrainingSet> {
          KECHAN_ASSIGN_OR_RETURN(ParsedArgs p,
                                  ParseArgs(db_args, FlagNames(CommonConfigKeys(), {})));
          KECHAN_ASSIGN_OR_RETURN(base::Config c, LoadConfig(CommonConfigKeys(), p));
          KECHAN_RETURN_IF_ERROR(ChainOpener(app)(db_args).status());
          search::RoutingTrainingSet set;
          set.data_dir = c.Get("data");
          KECHAN_RETURN_IF_ERROR(LoadRoutingExamples(*app->db, set.department, set.type));
          return set;
        });
  }
  if (cmd == "version" || cmd == "--version") {
    out << "{\"version\":\"" << kVersion << "\"}" << std::endl;
    return kExitOk;
  }
  err << "error: unknown command '" << cmd << "'\n错误：未知命令 '" << cmd << "'\n\n" << kUsage;
  return kExitUsage;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return Run(args, std::cout, std::cerr);
}

}  // namespace kechan::app
