#include "app/cli_calendar.h"

#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>

#include "app/cli.h"
#include "base/log.h"

namespace kechan::app {
namespace {

constexpr int kMaxAddWorkdays = 3660;            // ten years of working days and then some
constexpr size_t kMaxImportFileBytes = 1 << 20;  // the service itself allows 64 KiB

const char* kCalendarUsage =
    "usage: kechan calendar SUBCOMMAND ...\n"
    "Working days of Asia/Shanghai (UTC+8) with the State Council's holidays and make-up working\n"
    "days (调休); see docs/calendar.md. One JSON object per line on stdout.\n"
    "按国务院节假日安排（含调休）计算工作日；每行输出一个 JSON 对象。\n"
    "\n"
    "subcommands:\n"
    "  is-workday DATE       is DATE (YYYY-MM-DD) a working day?       是否为工作日\n"
    "  add-workdays DATE N   the N-th working day after DATE            DATE 之后第 N 个工作日\n"
    "  between FROM TO       working days d with FROM <= d <= TO        区间内工作日天数\n"
    "  import FILE --data DIR | --db URL\n"
    "                        load one year's notice into the database   导入一年的节假日安排\n"
    "\n"
    "kechan calendar SUBCOMMAND --help shows the details of one subcommand.\n";

const char* kIsWorkdayUsage =
    "usage: kechan calendar is-workday DATE\n"
    "Prints {\"date\":\"2026-02-14\",\"working\":true}. DATE is YYYY-MM-DD.\n"
    "判断 DATE 是否为工作日（周一至周五且非法定假日，或调休上班日）。\n";

const char* kAddWorkdaysUsage =
    "usage: kechan calendar add-workdays DATE N\n"
    "Prints {\"date\":\"YYYY-MM-DD\"}: the N-th working day after DATE, DATE itself not counted;\n"
    "N = 0 prints DATE unchanged. 0 <= N <= 3660.\n"
    "输出 DATE 之后第 N 个工作日（不含 DATE 当天；N 为 0 时原样输出 DATE）。\n";

const char* kBetweenUsage =
    "usage: kechan calendar between FROM TO\n"
    "Prints {\"working_days\":N}: the working days d with FROM <= d <= TO (0 when TO < FROM).\n"
    "输出 FROM 至 TO（含两端）之间的工作日天数。\n";

// Prints "error: WHAT: en" and "错误：WHAT：zh"; returns the exit code for the status.
int Fail(const base::Status& s, std::string_view what, std::ostream& err) {
  const std::string w = what.empty() ? s.field() : std::string(what);
  err << "error: " << (w.empty() ? "" : w + ": ") << s.message_en() << "\n"
      << "错误：" << (w.empty() ? "" : w + "：") << s.message_zh() << "\n";
  switch (s.code()) {
    case base::Code::kInvalidArgument:
    case base::Code::kNotFound:
    case base::Code::kAlreadyExists:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

int Usage(std::string_view message_en, std::string_view message_zh, const char* usage,
          std::ostream& err) {
  err << "error: " << message_en << "\n错误：" << message_zh << "\n\n" << usage;
  return kExitUsage;
}

// Warns on stderr about every year in [from_year, to_year] without holiday data.
void WarnUncovered(const base::BusinessCalendar& cal, int from_year, int to_year,
                   std::ostream& err) {
  if (to_year < from_year) {
    std::swap(from_year, to_year);
  }
  std::string years;
  for (int y = from_year; y <= to_year; ++y) {
    if (cal.IsCovered(y)) {
      continue;
    }
    int end = y;
    while (end < to_year && !cal.IsCovered(end + 1)) {
      ++end;
    }
    if (!years.empty()) {
      years += ", ";
    }
    years += end == y ? std::to_string(y) : std::to_string(y) + "-" + std::to_string(end);
    y = end;
  }
  if (years.empty()) {
    return;
  }
  err << "warning: no holiday data for " << years
      << "; only weekends count as days off there (load the notice: kechan calendar import)\n"
      << "警告：" << years
      << " 年没有节假日数据，仅按周末计算休息日（可用 kechan calendar import 导入通知）\n";
}

// Parses N of add-workdays: ASCII digits only, 0..kMaxAddWorkdays.
base::Result<int> ParseCount(const std::string& text) {
  const bool digits = !text.empty() && text.size() <= 5 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoi(text) > kMaxAddWorkdays) {
    return base::InvalidArgument("N", "calendar.count",
                                 "N must be a whole number from 0 to " +
                                     std::to_string(kMaxAddWorkdays) + ", got \"" +
                                     text.substr(0, 20) + "\"",
                                 "N 须为 0 到 " + std::to_string(kMaxAddWorkdays) +
                                     " 之间的整数，实际为“" + text.substr(0, 20) + "”");
  }
  return std::stoi(text);
}

}  // namespace

int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return RunCalendarCommand(args, out, err, base::BusinessCalendar::Shipped());
}

int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                       const base::BusinessCalendar& cal) {
  if (args.empty()) {
    err << kCalendarUsage;
    return kExitUsage;
  }
  const std::string& sub = args[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    out << kCalendarUsage;
    return kExitOk;
  }
  const char* usage = sub == "is-workday"     ? kIsWorkdayUsage
                      : sub == "add-workdays" ? kAddWorkdaysUsage
                      : sub == "between"      ? kBetweenUsage
                                              : nullptr;
  if (usage == nullptr) {
    if (sub == "import") {
      return Usage("calendar import needs the database: kechan calendar import FILE --data DIR",
                   "calendar import 需要数据库：kechan calendar import 文件 --data 目录",
                   kCalendarUsage, err);
    }
    return Usage("unknown calendar subcommand \"" + sub.substr(0, 40) + "\"",
                 "未知的 calendar 子命令“" + sub.substr(0, 40) + "”", kCalendarUsage, err);
  }
  auto parsed = ParseArgs(std::vector<std::string>(args.begin() + 1, args.end()), {});
  if (!parsed.ok()) {
    return Fail(parsed.status(), "", err);
  }
  if (parsed->help) {
    out << usage;
    return kExitOk;
  }
  const std::vector<std::string>& pos = parsed->positional;
  const size_t want = sub == "is-workday" ? 1 : 2;
  if (pos.size() != want) {
    return Usage(
        "expected " + std::to_string(want) + " argument(s), got " + std::to_string(pos.size()),
        "需要 " + std::to_string(want) + " 个参数，实际为 " + std::to_string(pos.size()), usage,
        err);
  }

  if (sub == "is-workday") {
    auto date = base::Date::Parse(pos[0], "DATE");
    if (!date.ok()) {
      return Fail(date.status(), "DATE", err);
    }
    WarnUncovered(cal, date->year(), date->year(), err);
    out << "{\"date\":\"" << date->ToString()
        << "\",\"working\":" << (cal.IsWorkingDay(*date) ? "true" : "false") << "}" << std::endl;
    return kExitOk;
  }
  if (sub == "add-workdays") {
    auto date = base::Date::Parse(pos[0], "DATE");
    if (!date.ok()) {
      return Fail(date.status(), "DATE", err);
    }
    auto n = ParseCount(pos[1]);
    if (!n.ok()) {
      return Fail(n.status(), "N", err);
    }
    const base::Date result = cal.AddWorkingDays(*date, *n);
    WarnUncovered(cal, date->year(), result.year(), err);
    out << "{\"date\":\"" << result.ToString() << "\"}" << std::endl;
    return kExitOk;
  }
  // between
  auto from = base::Date::Parse(pos[0], "FROM");
  if (!from.ok()) {
    return Fail(from.status(), "FROM", err);
  }
  auto to = base::Date::Parse(pos[1], "TO");
  if (!to.ok()) {
    return Fail(to.status(), "TO", err);
  }
  if (!(*to < *from)) {
    WarnUncovered(cal, from->year(), to->year(), err);
  }
  out << "{\"working_days\":" << cal.WorkingDaysBetween(*from, *to) << "}" << std::endl;
  return kExitOk;
}

int RunCalendarImport(calendar::CalendarService& service, const std::string& path,
                      std::ostream& out, std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(base::InvalidArgument("FILE", "calendar.file_unreadable",
                                      "cannot open \"" + path + "\"", "无法打开“" + path + "”"),
                "FILE", err);
  }
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxImportFileBytes) {
      return Fail(base::InvalidArgument("FILE", "calendar.file_too_large",
                                        "\"" + path + "\" is larger than 1 MiB",
                                        "“" + path + "”超过 1 MiB"),
                  "FILE", err);
    }
  }
  auto r = service.ImportYear("cli", text);
  if (!r.ok()) {
    // Line errors already say "line N: ..."; prefix the file so the operator knows which one.
    return Fail(r.status(), path, err);
  }
  out << "{\"year\":" << r->year << ",\"notice\":" << base::JsonQuoted(r->notice)
      << ",\"holidays\":" << r->holidays << ",\"workdays\":" << r->workdays << ",\"replaced\":\""
      << calendar::ReplacedName(r->replaced) << "\",\"event_seq\":" << r->event_seq << "}"
      << std::endl;
  return kExitOk;
}

}  // namespace kechan::app
