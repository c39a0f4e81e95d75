#include "base/cli_args.h"

#include <ostream>

namespace kechan::base {

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             const std::set<std::string>& value_flags,
                             const std::set<std::string>& switches, UnknownFlags unknown) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out.help = true;
      continue;
    }
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::string value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      if (switches.count(name) != 0) {
        if (has_value) {
          return InvalidArgument("--" + name, "cli.switch_value", "--" + name + " takes no value",
                                 "--" + name + " 不接受取值");
        }
        out.switches.insert(name);
        continue;
      }
      const bool known = value_flags.count(name) != 0;
      if (!known && unknown == UnknownFlags::kReject) {
        return InvalidArgument("--" + name, "cli.unknown_flag", "unknown option --" + name,
                               "未知选项 --" + name);
      }
      if (!has_value) {
        if (i + 1 >= args.size()) {
          return InvalidArgument("--" + name, "cli.missing_value", "--" + name + " needs a value",
                                 "--" + name + " 需要取值");
        }
        value = args[++i];
      }
      if (known) {
        out.flags[name] = value;
      } else {
        out.passthrough.push_back("--" + name);
        out.passthrough.push_back(value);
      }
      continue;
    }
    out.positional.push_back(a);
  }
  return out;
}

int ReportError(const Status& status, std::ostream& err) {
  err << "error: " << status.message_en();
  if (!status.field().empty()) {
    err << " (" << status.field() << ")";
  }
  err << "\n错误：" << status.message_zh() << "\n";
  switch (status.code()) {
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kAlreadyExists:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

}  // namespace kechan::base
