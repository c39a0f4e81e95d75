#include "chain/cli.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>

#include "base/calendar.h"
#include "base/cli_args.h"
#include "base/clock.h"
#include "chain/import_buildings.h"
#include "chain/routes.h"
#include "table/table.h"

namespace kechan::chain {
namespace {

using base::kExitOk;
using base::kExitUsage;

const char* kChainUsage =
    "usage: kechan chain list (--data DIR | --db URL) [--json]\n"
    "       kechan chain analyze CHAIN (--data DIR | --db URL) [--as-of YYYY-MM-DD] "
    "[--json|--csv]\n"
    "Lists the industrial chains, or analyses one chain (CHAIN = code such as CD-AI, or id) as of\n"
    "a date (default today): node coverage, gaps, supplier concentration (docs/chain.md).\n"
    "列出产业链，或按日期分析一条产业链：节点覆盖率、缺链环节、供应集中度（见 docs/chain.md）。\n";

const char* kImportUsage =
    "usage: kechan import KIND FILE (--data DIR | --db URL) [--skip-bad] [--source TEXT]\n"
    "       kechan import KIND --template\n"
    "KIND: enterprises (enterprises and their chain-node links), chains (chains and their nodes)\n"
    "or links (enterprise-node links). Reads a UTF-8 CSV file or the first sheet of an .xlsx\n"
    "workbook, with a header row;\n"
    "columns in docs/chain.md. All or nothing unless --skip-bad; every bad row is reported as\n"
    "{\"row\":N,\"column\":..,\"reason\":..}. One transaction and one event for the whole file.\n"
    "从 CSV 或 .xlsx 文件导入企业、产业链及节点、企业与节点关联；默认全部成功才写入，--skip-bad "
    "跳过错误行。\n";

base::Status Usage(const std::string& what_en, const std::string& what_zh,
                   const std::string& field) {
  return base::InvalidArgument(field, "cli.usage", what_en, what_zh);
}

// Parses one command's words; the flags it does not know (the database ones) pass through to the
// service opener.
base::Result<base::ParsedArgs> Parse(const std::vector<std::string>& args,
                                     const std::set<std::string>& value_flags,
                                     const std::set<std::string>& switch_flags) {
  return base::ParseArgs(args, value_flags, switch_flags, base::UnknownFlags::kPassThrough);
}

base::Result<Chain> ResolveChain(ChainService& service, const std::string& ref) {
  bool numeric = !ref.empty() && std::all_of(ref.begin(), ref.end(),
                                             [](unsigned char c) { return std::isdigit(c) != 0; });
  if (numeric && ref.size() < 18) {
    auto detail = service.GetChain(Caller::System(), ChainId{std::stoll(ref)});
    if (detail.ok()) {
      return detail->chain;
    }
  }
  KECHAN_ASSIGN_OR_RETURN(auto chain, service.FindChainByCode(ref));
  if (!chain) {
    return base::NotFound("chain.unknown", "no chain with code or id " + ref,
                          "不存在编码或编号为 " + ref + " 的产业链", "CHAIN");
  }
  return *chain;
}

int ChainList(const base::ParsedArgs& a, std::ostream& out, std::ostream& err,
              const ServiceOpener& open) {
  if (a.positional.size() > 1) {
    return base::ReportError(Usage("unexpected argument " + a.positional[1],
                                   "多余的参数 " + a.positional[1], a.positional[1]),
                             err);
  }
  auto service = open(a.passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  auto chains = (*service)->ListChains(Caller::System());
  if (!chains.ok()) {
    return base::ReportError(chains.status(), err);
  }
  if (a.switches.count("json")) {
    out << ChainListJson(*chains) << "\n";
    return kExitOk;
  }
  for (const auto& c : *chains) {
    out << c.chain.code << "\t" << c.chain.name << "\t" << c.cluster.name << "\t" << c.nodes
        << " nodes\t" << c.firms << " firms\n";
  }
  return kExitOk;
}

int ChainAnalyze(const base::ParsedArgs& a, std::ostream& out, std::ostream& err,
                 const ServiceOpener& open) {
  if (a.positional.size() != 2) {
    return base::ReportError(Usage("analyze needs exactly one CHAIN (code or id)",
                                   "analyze 需要且只需要一个产业链编码或编号", "CHAIN"),
                             err);
  }
  base::Date as_of = base::LocalDateOf(base::SystemClock::Get().NowMicros());
  if (auto it = a.flags.find("as-of"); it != a.flags.end()) {
    auto d = base::Date::Parse(it->second, "--as-of");
    if (!d.ok()) {
      return base::ReportError(d.status(), err);
    }
    as_of = *d;
  }
  if (a.switches.count("json") && a.switches.count("csv")) {
    return base::ReportError(
        Usage("--json and --csv exclude each other", "--json 与 --csv 不能同时使用", "--csv"), err);
  }
  auto service = open(a.passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  auto chain = ResolveChain(**service, a.positional[1]);
  if (!chain.ok()) {
    return base::ReportError(chain.status(), err);
  }
  auto analysis = (*service)->Analyze(Caller::System(), chain->id, as_of);
  if (!analysis.ok()) {
    return base::ReportError(analysis.status(), err);
  }
  if (a.switches.count("csv")) {
    out << AnalysisCsv(*analysis);
    return kExitOk;
  }
  if (a.switches.count("json")) {
    out << AnalysisJson(*analysis) << "\n";
    return kExitOk;
  }
  const ChainAnalysis& r = *analysis;
  char coverage[32];
  std::snprintf(coverage, sizeof coverage, "%.1f%%", r.coverage * 100);
  out << r.code << " " << r.name << " as of " << r.as_of.ToString() << ": coverage " << coverage
      << " (" << r.covered_nodes << "/" << r.node_count << " nodes), " << r.gaps.size()
      << " gaps\n";
  std::map<NodeId, const NodeStats*> by_id;
  for (const auto& n : r.nodes) {
    by_id[n.node_id] = &n;
  }
  for (NodeId g : r.gaps) {
    const NodeStats* n = by_id[g];
    if (n != nullptr) {
      out << "  gap " << n->code << " " << n->name << " (criticality " << n->criticality
          << (n->choke_point ? ", choke point" : "") << ")\n";
    }
  }
  return kExitOk;
}

}  // namespace

int RunChainCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                    const ServiceOpener& open) {
  auto parsed = Parse(args, {"as-of"}, {"json", "csv"});
  if (!parsed.ok()) {
    return base::ReportError(parsed.status(), err);
  }
  if (parsed->help || parsed->positional.empty()) {
    (parsed->help ? out : err) << kChainUsage;
    return parsed->help ? kExitOk : kExitUsage;
  }
  const std::string& sub = parsed->positional[0];
  if (sub == "list") {
    return ChainList(*parsed, out, err, open);
  }
  if (sub == "analyze") {
    return ChainAnalyze(*parsed, out, err, open);
  }
  return base::ReportError(Usage("unknown chain subcommand " + sub + " (list, analyze)",
                                 "未知的 chain 子命令 " + sub + "（list、analyze）", sub),
                           err);
}

int RunImportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     const ServiceOpener& open) {
  if (!args.empty() && args[0] == "buildings") {
    return RunImportBuildingsCommand(args, out, err, open);  // import_buildings.h
  }
  auto parsed = Parse(args, {"source"}, {"skip-bad", "template"});
  if (!parsed.ok()) {
    return base::ReportError(parsed.status(), err);
  }
  if (parsed->help || parsed->positional.empty()) {
    (parsed->help ? out : err) << kImportUsage;
    return parsed->help ? kExitOk : kExitUsage;
  }
  auto kind = ParseImportKind(parsed->positional[0], parsed->positional[0]);
  if (!kind.ok()) {
    return base::ReportError(
        Usage("unknown import kind " + parsed->positional[0] + " (enterprises, chains, links)",
              "未知的导入类型 " + parsed->positional[0] + "（enterprises、chains、links）",
              parsed->positional[0]),
        err);
  }
  const std::string kind_name = ImportKindName(*kind);
  if (parsed->switches.count("template")) {
    out << ImportTemplate(*kind);
    return kExitOk;
  }
  if (parsed->positional.size() != 2) {
    return base::ReportError(Usage("import " + kind_name + " needs exactly one FILE",
                                   "import " + kind_name + " 需要且只需要一个文件", "FILE"),
                             err);
  }
  const std::string& path = parsed->positional[1];
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return base::ReportError(
        base::InvalidArgument("FILE", "cli.file", "cannot read " + path, "无法读取文件 " + path),
        err);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto service = open(parsed->passthrough);
  if (!service.ok()) {
    return base::ReportError(service.status(), err);
  }
  ImportOptions options;
  options.skip_bad = parsed->switches.count("skip-bad") > 0;
  if (auto it = parsed->flags.find("source"); it != parsed->flags.end()) {
    options.source = it->second;
  } else {
    const auto slash = path.find_last_of('/');
    options.source = "import:" + (slash == std::string::npos ? path : path.substr(slash + 1));
  }
  // .xlsx is recognised by its content (a zip archive); anything else is read as CSV.
  const std::string bytes = buf.str();
  auto report = (*service)->Import(Caller::System("cli"), *kind, bytes, options);
  if (!report.ok()) {
    return base::ReportError(report.status(), err);
  }
  for (const auto& e : report->errors) {
    err << e.ToJson() << "\n";
  }
  out << ImportReportJson(*kind, *report) << "\n";
  if (!report->errors.empty() && !report->committed) {
    err << "error: " << report->errors.size()
        << " bad rows; nothing was imported (use --skip-bad to import the rest)\n"
        << "错误：" << report->errors.size()
        << " 行有误，未导入任何数据（可用 --skip-bad 跳过错误行）\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace kechan::chain
