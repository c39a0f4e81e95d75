#include "http/request.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "base/utf8.h"

namespace kechan::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

const char* MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) {
      return std::string_view{value};
    }
  }
  return std::nullopt;
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  for (const auto& [header, value] : headers) {
    if (header != "cookie") {
      continue;
    }
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != name) {
        continue;
      }
      std::string_view v = Trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
      }
      return std::string(v);
    }
  }
  return std::nullopt;
}

base::Result<int64_t> Request::PathId(const std::string& name) const {
  auto it = path_params.find(name);
  auto bad = [&name]() {
    return base::InvalidArgument(name, "path.invalid_id",
                                 "Path parameter \"" + name + "\" must be a positive integer id",
                                 "路径参数 \"" + name + "\" 必须是正整数编号");
  };
  if (it == path_params.end() || it->second.empty() || it->second.size() > 19) {
    return bad();
  }
  uint64_t v = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9') {
      return bad();
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');  // at most 19 digits: no uint64 overflow
  }
  if (v == 0 || v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return bad();
  }
  return static_cast<int64_t>(v);
}

std::string LanguageFromAcceptLanguage(std::string_view header) {
  double best_en = 0;
  double best_zh = 0;
  int en_pos = 0;  // position of the entry that gave best_en; at equal q the earlier one wins
  int zh_pos = 0;
  for (int pos = 0; !header.empty(); ++pos) {
    size_t comma = header.find(',');
    std::string_view entry = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t semi = entry.find(';');
    std::string_view tag = Trim(entry.substr(0, semi));
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string_view param = Trim(entry.substr(semi + 1));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string value(param.substr(2));
        char* end = nullptr;
        q = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || !(q >= 0 && q <= 1)) {
          q = 0;
        }
      }
    }
    std::string primary(tag.substr(0, tag.find('-')));
    for (char& c : primary) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (primary == "en" && q > best_en) {
      best_en = q;
      en_pos = pos;
    } else if (primary == "zh" && q > best_zh) {
      best_zh = q;
      zh_pos = pos;
    }
  }
  if (best_en > best_zh || (best_en > 0 && best_en == best_zh && en_pos < zh_pos)) {
    return "en";
  }
  return "zh-CN";
}

base::Status ParseTarget(std::string_view target, Request& req) {
  auto bad_path = [] {
    return base::InvalidArgument("path", "url.bad_path",
                                 "The request path is malformed (bad percent-encoding or UTF-8)",
                                 "请求路径格式错误（百分号编码或 UTF-8 无效）");
  };
  auto bad_query = [] {
    return base::InvalidArgument("query", "url.bad_query",
                                 "The query string is malformed (bad percent-encoding or UTF-8)",
                                 "查询参数格式错误（百分号编码或 UTF-8 无效）");
  };
  req.target = std::string(target);
  req.query.clear();
  size_t qmark = target.find('?');
  auto path_only = boost::urls::parse_origin_form(target.substr(0, qmark));
  if (!path_only) {
    return bad_path();
  }
  std::string path = path_only->path();
  if (path.find('\0') != std::string::npos || !base::IsValidUtf8(path)) {
    return bad_path();
  }
  req.path = std::move(path);
  if (qmark == std::string_view::npos) {
    return base::Status::Ok();
  }
  auto full = boost::urls::parse_origin_form(target);
  if (!full) {
    return bad_query();
  }
  for (auto param : full->params()) {
    if (param.key.find('\0') != std::string::npos || param.value.find('\0') != std::string::npos ||
        !base::IsValidUtf8(param.key) || !base::IsValidUtf8(param.value)) {
      return bad_query();
    }
    if (param.key.empty() && !param.has_value) {
      continue;  // "?&a=1"
    }
    req.query.emplace(std::move(param.key), std::move(param.value));
  }
  return base::Status::Ok();
}

}  // namespace kechan::http
