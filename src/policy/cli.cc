#include "policy/cli.h"

#include <charconv>
#include <ostream>
#include <set>

#include "base/calendar.h"
#include "base/cli_args.h"
#include "policy/routes.h"

namespace kechan::policy {
namespace {

using base::kExitOk;
using base::kExitUsage;

const char* kUsage =
    "usage: kechan policy eval --enterprise ID (--data DIR | --db URL) [--as-of YYYY-MM-DD] "
    "[--json]\n"
    "       kechan policy match --policy ID (--data DIR | --db URL) [--as-of YYYY-MM-DD]\n"
    "                           [--result yes|no|unknown] [--json]\n"
    "       kechan policy list (--data DIR | --db URL) [--json]\n"
    "eval: how one enterprise fits every policy in force (a reason per clause); match: how every\n"
    "enterprise fits one policy, with counts of yes / no / unknown and the facts to ask about.\n"
    "eval：企业对每项在有效期内政策的符合情况（逐条理由）；match：全部企业对某政策的符合情况。\n";

base::Result<int64_t> IdFlag(const base::ParsedArgs& a, const std::string& flag) {
  auto it = a.flags.find(flag);
  if (it == a.flags.end()) {
    return base::InvalidArgument("--" + flag, "cli.usage", "--" + flag + " ID is required",
                                 "须给出 --" + flag + " 编号");
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || ptr != it->second.data() + it->second.size() || v <= 0) {
    return base::InvalidArgument("--" + flag, "cli.id", "--" + flag + " must be a positive id",
                                 "--" + flag + " 须为正整数编号");
  }
  return v;
}

base::Result<base::Date> AsOf(const base::ParsedArgs& a, const PolicyService& s) {
  auto it = a.flags.find("as-of");
  if (it == a.flags.end()) {
    return s.Today();
  }
  return base::Date::Parse(it->second, "--as-of");
}

int Eval(const base::ParsedArgs& a, std::ostream& out, std::ostream& err,
         const ServiceOpener& open) {
  auto id = IdFlag(a, "enterprise");
  if (!id.ok()) {
    return base::ReportError(id.status(), err);
  }
  auto service = open(a.passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  auto as_of = AsOf(a, **service);
  if (!as_of.ok()) {
    return base::ReportError(as_of.status(), err);
  }
  auto fits = (*service)->PoliciesFor(Caller::System(), chain::EnterpriseId{*id}, *as_of,
                                      {.category = std::nullopt, .include_no = true});
  if (!fits.ok()) {
    return base::ReportError(fits.status(), err);
  }
  if (a.switches.contains("json")) {
    out << FitsJson(*id, *as_of, *fits) << "\n";
    return kExitOk;
  }
  for (const auto& f : *fits) {
    out << TriName(f.evaluation.result) << "\t" << f.policy.code << "\t" << f.policy.title << "\t"
        << f.evaluation.root.reason_zh << "\n";
  }
  return kExitOk;
}

int Match(const base::ParsedArgs& a, std::ostream& out, std::ostream& err,
          const ServiceOpener& open) {
  auto id = IdFlag(a, "policy");
  if (!id.ok()) {
    return base::ReportError(id.status(), err);
  }
  MatchFilter filter;
  if (auto it = a.flags.find("result"); it != a.flags.end()) {
    const std::string& r = it->second;
    if (r == "yes") {
      filter.result = Tri::kYes;
    } else if (r == "no") {
      filter.result = Tri::kNo;
    } else if (r == "unknown") {
      filter.result = Tri::kUnknown;
    } else {
      return base::ReportError(
          base::InvalidArgument("--result", "cli.result", "--result must be yes, no or unknown",
                                "--result 须为 yes、no 或 unknown"),
          err);
    }
  }
  auto service = open(a.passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  auto as_of = AsOf(a, **service);
  if (!as_of.ok()) {
    return base::ReportError(as_of.status(), err);
  }
  auto first = (*service)->EnterprisesFor(Caller::System(), PolicyId{*id}, *as_of, filter,
                                          {.page = 1, .page_size = 200});
  if (!first.ok()) {
    return base::ReportError(first.status(), err);
  }
  MatchReport all = std::move(first).value();
  for (int64_t p = 2; (p - 1) * 200 < all.total; ++p) {
    auto more = (*service)->EnterprisesFor(Caller::System(), PolicyId{*id}, *as_of, filter,
                                           {.page = p, .page_size = 200});
    if (!more.ok()) {
      return base::ReportError(more.status(), err);
    }
    for (auto& e : more->items) {
      all.items.push_back(std::move(e));
    }
  }
  all.page_size = std::max<int64_t>(all.total, 1);
  if (a.switches.contains("json")) {
    out << MatchJson(all) << "\n";
    return kExitOk;
  }
  out << "yes " << all.tally.yes << "  no " << all.tally.no << "  unknown " << all.tally.unknown
      << "\n";
  for (const auto& e : all.items) {
    out << TriName(e.result) << "\t" << e.enterprise_id << "\t" << e.name << "\n";
  }
  return kExitOk;
}

int List(const base::ParsedArgs& a, std::ostream& out, std::ostream& err,
         const ServiceOpener& open) {
  auto service = open(a.passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  auto page = (*service)->ListPolicies(Caller::System(), {}, {.page = 1, .page_size = 200});
  if (!page.ok()) {
    return base::ReportError(page.status(), err);
  }
  if (a.switches.contains("json")) {
    out << "{\"policies\":[";
    for (size_t i = 0; i < page->items.size(); ++i) {
      const Policy& p = page->items[i];
      out << (i ? "," : "") << "{\"id\":" << p.id.value << ",\"code\":\"" << p.code
          << "\",\"status\":\"" << PolicyStatusName(p.status) << "\",\"mode\":\""
          << ModeName(p.mode) << "\",\"category\":\"" << CategoryName(p.category) << "\"}";
    }
    out << "],\"total\":" << page->total << "}\n";
    return kExitOk;
  }
  for (const auto& p : page->items) {
    out << p.id.value << "\t" << p.code << "\t" << PolicyStatusName(p.status) << "\t" << p.title
        << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunPolicyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     const ServiceOpener& open) {
  if (args.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  auto parsed = base::ParseArgs(rest, {"enterprise", "policy", "as-of", "result"}, {"json"},
                                base::UnknownFlags::kPassThrough);
  if (!parsed.ok()) {
    return base::ReportError(parsed.status(), err);
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help" || parsed->help) {
    out << kUsage;
    return kExitOk;
  }
  if (!parsed->positional.empty()) {
    return base::ReportError(base::InvalidArgument(parsed->positional[0], "cli.usage",
                                                   "unexpected argument " + parsed->positional[0],
                                                   "多余的参数 " + parsed->positional[0]),
                             err);
  }
  if (args[0] == "eval") {
    return Eval(*parsed, out, err, open);
  }
  if (args[0] == "match") {
    return Match(*parsed, out, err, open);
  }
  if (args[0] == "list") {
    return List(*parsed, out, err, open);
  }
  err << "error: unknown policy command '" << args[0] << "'\n错误：未知的 policy 子命令 '"
      << args[0] << "'\n"
      << kUsage;
  return kExitUsage;
}

}  // namespace kechan::policy
