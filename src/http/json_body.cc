#include "http/json_body.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <exception>
#include <unordered_set>

#include "base/utf8.h"

namespace kechan::http {
namespace {

namespace json = boost::json;

// Builds a json::value like Boost.JSON's own parser but fails on a duplicate key in any object
// (Boost.JSON would silently keep the last one, which lets two readers disagree on a body).
struct StrictHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  std::vector<std::unordered_set<std::string>> keys;  // one set per open object
  std::string key;
  std::string duplicate;  // set when a duplicate key was seen

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    keys.pop_back();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key.append(s.data(), s.size());
    if (!keys.back().insert(key).second) {
      duplicate = key;
      ec = make_error_code(json::error::syntax);
      return false;
    }
    key.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

base::Status Malformed() {
  return base::InvalidArgument("body", "json.malformed",
                               "The request body is not valid JSON in UTF-8",
                               "请求体不是有效的 JSON（须为 UTF-8 编码）");
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

base::Result<json::object> ParseJsonObject(const Request& req) {
  json::basic_parser<StrictHandler> parser(json::parse_options{});  // strict JSON, UTF-8 checked
  json::error_code ec;
  json::value value;
  try {
    parser.handler().st.reset();
    std::size_t n = parser.write_some(false, req.body.data(), req.body.size(), ec);
    if (!ec && n < req.body.size()) {
      ec = make_error_code(json::error::extra_data);
    }
    if (!ec) {
      value = parser.handler().st.release();
    }
  } catch (const std::exception&) {
    return Malformed();  // limits of Boost.JSON (sizes) or allocation failure
  }
  if (!parser.handler().duplicate.empty()) {
    const std::string& key = parser.handler().duplicate;
    return base::InvalidArgument(key, "json.duplicate_key",
                                 "Field " + Quote(key) + " appears more than once",
                                 "字段 " + Quote(key) + " 重复出现");
  }
  if (ec) {
    return Malformed();
  }
  if (!value.is_object()) {
    return base::InvalidArgument("body", "json.not_object",
                                 "The request body must be a JSON object",
                                 "请求体必须是 JSON 对象");
  }
  return std::move(value.as_object());
}

ObjectReader::ObjectReader(const json::object& obj, std::string prefix)
    : obj_(obj), prefix_(std::move(prefix)) {}

std::string ObjectReader::Path(std::string_view field) const {
  if (prefix_.empty()) {
    return std::string(field);
  }
  return prefix_ + "." + std::string(field);
}

void ObjectReader::Fail(base::Status s) {
  if (status_.ok()) {
    status_ = std::move(s);
  }
}

const json::value* ObjectReader::Value(std::string_view field, bool required) {
  seen_.emplace(field);
  const json::value* v = obj_.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (required) {
      std::string path = Path(field);
      Fail(base::InvalidArgument(path, "json.required", "Field " + Quote(path) + " is required",
                                 "缺少必填字段 " + Quote(path)));
    }
    return nullptr;
  }
  return v;
}

namespace {

base::Status TypeError(const std::string& path, std::string_view en_type,
                       std::string_view zh_type) {
  return base::InvalidArgument(path, "json.type",
                               "Field " + Quote(path) + " must be " + std::string(en_type),
                               "字段 " + Quote(path) + " 必须是" + std::string(zh_type));
}

}  // namespace

std::optional<std::string> ObjectReader::OptionalString(std::string_view field, StringRules rules) {
  const json::value* v = Value(field, false);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::string path = Path(field);
  if (!v->is_string()) {
    Fail(TypeError(path, "a string", "字符串"));
    return std::nullopt;
  }
  const json::string& s = v->get_string();
  std::string_view sv(s.data(), s.size());
  size_t len = base::CodePointCount(sv);
  if (len > rules.max_len) {
    Fail(base::InvalidArgument(
        path, "json.too_long",
        "Field " + Quote(path) + " must be at most " + std::to_string(rules.max_len) +
            " characters",
        "字段 " + Quote(path) + " 不能超过 " + std::to_string(rules.max_len) + " 个字符"));
    return std::nullopt;
  }
  if (len < rules.min_len) {
    if (rules.min_len == 1) {
      Fail(base::InvalidArgument(path, "json.too_short",
                                 "Field " + Quote(path) + " must not be empty",
                                 "字段 " + Quote(path) + " 不能为空"));
    } else {
      Fail(base::InvalidArgument(
          path, "json.too_short",
          "Field " + Quote(path) + " must be at least " + std::to_string(rules.min_len) +
              " characters",
          "字段 " + Quote(path) + " 至少需要 " + std::to_string(rules.min_len) + " 个字符"));
    }
    return std::nullopt;
  }
  return std::string(sv);
}

std::string ObjectReader::String(std::string_view field, StringRules rules) {
  if (Value(field, true) == nullptr) {
    return {};
  }
  return OptionalString(field, rules).value_or(std::string());
}

std::optional<int64_t> ObjectReader::OptionalInt(std::string_view field, int64_t min, int64_t max) {
  const json::value* v = Value(field, false);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::string path = Path(field);
  std::optional<int64_t> n;
  bool out_of_range = false;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    out_of_range = true;  // Boost.JSON uses uint64 only above INT64_MAX
  } else {
    Fail(TypeError(path, "an integer", "整数"));
    return std::nullopt;
  }
  if (out_of_range || *n < min || *n > max) {
    Fail(base::InvalidArgument(path, "json.out_of_range",
                               "Field " + Quote(path) + " must be between " + std::to_string(min) +
                                   " and " + std::to_string(max),
                               "字段 " + Quote(path) + " 必须在 " + std::to_string(min) + " 到 " +
                                   std::to_string(max) + " 之间"));
    return std::nullopt;
  }
  return n;
}

int64_t ObjectReader::Int(std::string_view field, int64_t min, int64_t max) {
  if (Value(field, true) == nullptr) {
    return 0;
  }
  return OptionalInt(field, min, max).value_or(0);
}

std::optional<bool> ObjectReader::OptionalBool(std::string_view field) {
  const json::value* v = Value(field, false);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->is_bool()) {
    Fail(TypeError(Path(field), "true or false", "布尔值（true 或 false）"));
    return std::nullopt;
  }
  return v->get_bool();
}

bool ObjectReader::Bool(std::string_view field) {
  if (Value(field, true) == nullptr) {
    return false;
  }
  return OptionalBool(field).value_or(false);
}

base::Status ObjectReader::Finish() {
  if (!status_.ok()) {
    return status_;
  }
  for (const auto& kv : obj_) {
    std::string_view key(kv.key().data(), kv.key().size());
    if (seen_.find(key) == seen_.end()) {
      std::string path = Path(key);
      Fail(base::InvalidArgument(path, "json.unknown_field", "Unknown field " + Quote(path),
                                 "未知字段 " + Quote(path)));
      break;
    }
  }
  return status_;
}

namespace {

void AppendJson(const json::value& v, std::string& out);

void AppendObject(const json::object& o, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (const auto& kv : o) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    out += json::serialize(json::string(kv.key()));
    out.push_back(':');
    AppendJson(kv.value(), out);
  }
  out.push_back('}');
}

void AppendArray(const json::array& a, std::string& out) {
  out.push_back('[');
  bool first = true;
  for (const auto& e : a) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    AppendJson(e, out);
  }
  out.push_back(']');
}

// Appends `v` with doubles in their shortest round-trip form (Boost.JSON 1.74 prints 0.5 as
// "5E-1"); NaN and infinities, which JSON cannot hold, become null.
void AppendJson(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object:
      AppendObject(v.get_object(), out);
      return;
    case json::kind::array:
      AppendArray(v.get_array(), out);
      return;
    case json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, ec == std::errc() ? end : buf);
      return;
    }
    default:
      out += json::serialize(v);
      return;
  }
}

}  // namespace

std::string ToJson(const json::value& v) {
  std::string out;
  AppendJson(v, out);
  return out;
}

}  // namespace kechan::http
