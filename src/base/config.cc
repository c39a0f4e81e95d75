#include "base/config.h"

#include <cassert>
#include <cctype>
#include <cstdlib>
#include <fstream>

namespace kechan::base {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Config::Config(std::vector<ConfigKey> keys) : keys_(std::move(keys)) {
  for (const auto& k : keys_) {
    values_[k.name] = Entry{k.default_value, "default"};
  }
}

Status Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return InvalidArgument("--config", "config.unreadable", "cannot read config file " + path,
                           "无法读取配置文件 " + path);
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view v = Trim(line);
    if (v.empty() || v.front() == '#') {
      continue;
    }
    size_t eq = v.find('=');
    std::string field = "config:" + std::to_string(n);
    if (eq == std::string_view::npos) {
      return InvalidArgument(field, "config.syntax",
                             "line " + std::to_string(n) + " of " + path + " is not key = value",
                             path + " 第 " + std::to_string(n) + " 行不是 key = value 格式");
    }
    std::string key(Trim(v.substr(0, eq)));
    std::string value(Trim(v.substr(eq + 1)));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!Has(key)) {
      return InvalidArgument(field, "config.unknown_key",
                             "unknown setting '" + key + "' on line " + std::to_string(n),
                             "第 " + std::to_string(n) + " 行的设置项 '" + key + "' 未知");
    }
    values_[key] = Entry{value, "file"};
  }
  return Status::Ok();
}

void Config::LoadEnv() {
  for (const auto& k : keys_) {
    std::string env = "KECHAN_";
    for (char c : k.name) {
      env.push_back(c == '-' ? '_'
                             : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (const char* v = std::getenv(env.c_str()); v != nullptr) {
      values_[k.name] = Entry{v, "env"};
    }
  }
}

Status Config::Set(std::string_view name, std::string value, std::string_view source) {
  if (!Has(name)) {
    return InvalidArgument("--" + std::string(name), "config.unknown_key",
                           "unknown option --" + std::string(name),
                           "未知选项 --" + std::string(name));
  }
  values_[std::string(name)] = Entry{std::move(value), std::string(source)};
  return Status::Ok();
}

bool Config::Has(std::string_view name) const { return values_.find(name) != values_.end(); }

const std::string& Config::Get(std::string_view name) const {
  auto it = values_.find(name);
  assert(it != values_.end() && "unknown config key");
  return it->second.value;
}

const std::string& Config::Source(std::string_view name) const {
  auto it = values_.find(name);
  assert(it != values_.end() && "unknown config key");
  return it->second.source;
}

Result<int64_t> Config::GetInt(std::string_view name) const {
  const std::string& v = Get(name);
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || end != v.c_str() + v.size() || errno != 0) {
    return InvalidArgument("--" + std::string(name), "config.not_integer",
                           "--" + std::string(name) + " must be an integer, got '" + v + "'",
                           "--" + std::string(name) + " 须为整数，实际为 '" + v + "'");
  }
  return static_cast<int64_t>(x);
}

Result<bool> Config::GetBool(std::string_view name) const {
  const std::string& v = Get(name);
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    return true;
  }
  if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty()) {
    return false;
  }
  return InvalidArgument("--" + std::string(name), "config.not_bool",
                         "--" + std::string(name) + " must be true or false, got '" + v + "'",
                         "--" + std::string(name) + " 须为 true 或 false，实际为 '" + v + "'");
}

}  // namespace kechan::base
