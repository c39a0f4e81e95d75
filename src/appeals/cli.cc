#include "appeals/cli.h"

#include <cstdio>
#include <fstream>
#include <ostream>
#include <set>

#include "appeals/routes.h"
#include "base/calendar.h"
#include "base/cli_args.h"
#include "table/table.h"

namespace kechan::appeals {
namespace {

using base::kExitOk;
using base::kExitUsage;

const char* kAppealsUsage =
    "usage: kechan appeals metrics (--data DIR | --db URL) --from YYYY-MM-DD --to YYYY-MM-DD\n"
    "         [--by department|chain|district|type|period|none] [--period month|week]\n"
    "         [--weights 30,35,35] [--rates-only] [--json] [--xlsx FILE]\n"
    "Response, resolution and satisfaction rates (三率) and the weighted composite of the appeals\n"
    "filed in the period, by group, ranked (definitions in docs/appeals.md). --rates-only leaves\n"
    "out the working-hour medians and p90 and reads only the per-day sums (fast at any size).\n"
    "按部门、产业链、区县、类型或时段统计诉求响应率、解决率、满意率及综合得分（定义见 "
    "docs/appeals.md）。\n";

const char* kSlaUsage =
    "usage: kechan sla replay (--data DIR | --db URL)\n"
    "Recomputes every open appeal's SLA clocks from its events with the calendar and rules in\n"
    "force, and re-arms its timers. Prints {\"appeals\",\"changed\",\"timers\",\"seconds\",...}.\n"
    "按当前日历和规则从事件重新计算所有未办结诉求的时限，并重新设置定时器。\n";

base::Status Usage(const std::string& en, const std::string& zh, const std::string& field) {
  return base::InvalidArgument(field, "cli.usage", en, zh);
}

std::string Flag(const base::ParsedArgs& a, const char* name) {
  auto it = a.flags.find(name);
  return it == a.flags.end() ? std::string() : it->second;
}

}  // namespace

int RunAppealsCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                      const ServiceOpener& open) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << kAppealsUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] != "metrics") {
    err << kAppealsUsage;
    return base::ReportError(
        Usage("unknown subcommand " + args[0], "未知的子命令 " + args[0], args[0]), err);
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto parsed = base::ParseArgs(rest, {"from", "to", "by", "period", "weights", "xlsx"},
                                {"json", "rates-only"}, base::UnknownFlags::kPassThrough);
  if (!parsed.ok()) {
    return base::ReportError(parsed.status(), err);
  }
  if (parsed->help) {
    out << kAppealsUsage;
    return kExitOk;
  }
  if (!parsed->positional.empty()) {
    return base::ReportError(Usage("unexpected argument " + parsed->positional[0],
                                   "多余的参数 " + parsed->positional[0], parsed->positional[0]),
                             err);
  }
  MetricsQuery q;
  auto from = base::Date::Parse(Flag(*parsed, "from"), "--from");
  if (!from.ok()) {
    return base::ReportError(from.status(), err);
  }
  auto to = base::Date::Parse(Flag(*parsed, "to"), "--to");
  if (!to.ok()) {
    return base::ReportError(to.status(), err);
  }
  q.from = *from;
  q.to = *to;
  q.hours = !parsed->switches.contains("rates-only");
  if (std::string by = Flag(*parsed, "by"); !by.empty()) {
    q.by = by;
  }
  if (std::string p = Flag(*parsed, "period"); !p.empty()) {
    q.period = p;
  }
  if (std::string w = Flag(*parsed, "weights"); !w.empty()) {
    auto weights = ParseWeights(w);
    if (!weights) {
      return base::ReportError(
          base::InvalidArgument("--weights", "metrics.weights",
                                "--weights must be three non-negative numbers like 30,35,35",
                                "--weights 须为三个非负数，如 30,35,35"),
          err);
    }
    q.weights = *weights;
  }
  auto service = open(parsed->passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  auto m = (*service)->Metrics(Caller::System("cli"), q);
  if (!m.ok()) {
    return base::ReportError(
        m.status().code() == base::Code::kInvalidArgument && !m.status().field().empty()
            ? m.status().WithField("--" + m.status().field())
            : m.status(),
        err);
  }
  if (std::string file = Flag(*parsed, "xlsx"); !file.empty()) {
    auto bytes = table::WriteXlsx(MetricsTable(*m), "metrics");
    if (!bytes.ok()) {
      return base::ReportError(bytes.status(), err);
    }
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!f) {
      return base::ReportError(base::Internal("cli.write", "cannot write " + file), err);
    }
  }
  if (parsed->switches.contains("json") || Flag(*parsed, "xlsx").empty()) {
    out << MetricsJson(*m, /*full=*/true) << "\n";
  }
  return kExitOk;
}

int RunSlaCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                  const ServiceOpener& open) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << kSlaUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] != "replay") {
    err << kSlaUsage;
    return base::ReportError(
        Usage("unknown subcommand " + args[0], "未知的子命令 " + args[0], args[0]), err);
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto parsed = base::ParseArgs(rest, {}, {}, base::UnknownFlags::kPassThrough);
  if (!parsed.ok()) {
    return base::ReportError(parsed.status(), err);
  }
  if (parsed->help) {
    out << kSlaUsage;
    return kExitOk;
  }
  auto service = open(parsed->passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  auto r = (*service)->ReplayClocks();
  if (!r.ok()) {
    return base::ReportError(r.status(), err);
  }
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"appeals\":%lld,\"changed\":%lld,\"timers\":%lld,\"seconds\":%.3f,"
                "\"rate_per_second\":%.1f}",
                static_cast<long long>(r->appeals), static_cast<long long>(r->changed),
                static_cast<long long>(r->timers), r->seconds,
                r->seconds > 0 ? static_cast<double>(r->appeals) / r->seconds : 0.0);
  out << buf << "\n";
  return kExitOk;
}

}  // namespace kechan::appeals
