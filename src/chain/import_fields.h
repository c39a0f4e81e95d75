// Internal to chain/: the small helpers the module's importers share (field parsing, row
// errors, event payload building). Not part of the module's interface.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/status.h"

namespace kechan::chain::internal {

// All functions are pure and thread-safe; Payload is a value type.

// A small JSON object builder for event payloads.
class Payload {
 public:
  Payload& Str(std::string_view key, std::string_view value) {
    Sep(key);
    base::AppendJsonString(out_, value);
    return *this;
  }
  Payload& Int(std::string_view key, int64_t value) {
    Sep(key);
    out_ += std::to_string(value);
    return *this;
  }
  Payload& Raw(std::string_view key, std::string_view json) {
    Sep(key);
    out_ += json;
    return *this;
  }
  std::string Done() const { return out_ + "}"; }

 private:
  void Sep(std::string_view key) {
    out_ += out_.size() > 1 ? "," : "";
    base::AppendJsonString(out_, key);
    out_ += ":";
  }
  std::string out_ = "{";
};

// Renders ids as [[first,last],...] runs.
inline std::string IdRuns(std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  std::string out = "[";
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) {
      ++j;
    }
    out += (i > 0 ? ",[" : "[") + std::to_string(ids[i]) + "," + std::to_string(ids[j]) + "]";
    i = j + 1;
  }
  return out + "]";
}

inline std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// A row error under construction.
struct Bad {
  std::string column;
  std::string reason;
  std::string en;
  std::string zh;
};

inline std::optional<bool> ParseBool(const std::string& v) {
  static const std::set<std::string> yes{"1", "true", "TRUE", "True", "yes", "y", "Y", "是"};
  static const std::set<std::string> no{"", "0", "false", "FALSE", "False", "no", "n", "N", "否"};
  if (yes.count(v)) {
    return true;
  }
  if (no.count(v)) {
    return false;
  }
  return std::nullopt;
}

inline std::optional<int64_t> ParseInt(const std::string& v) {
  if (v.empty() || v.size() > 18) {
    return std::nullopt;
  }
  int64_t out = 0;
  size_t i = 0;
  bool neg = false;
  if (v[0] == '-') {
    neg = true;
    i = 1;
  }
  if (i >= v.size()) {
    return std::nullopt;
  }
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') {
      return std::nullopt;
    }
    out = out * 10 + (v[i] - '0');
  }
  return neg ? -out : out;
}

inline std::optional<double> ParseReal(const std::string& v) {
  if (v.empty()) {
    return std::nullopt;
  }
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used != v.size() || !std::isfinite(d)) {
      return std::nullopt;
    }
    return d;
  } catch (...) {
    return std::nullopt;
  }
}

inline Bad BadNumber(const std::string& column, const std::string& value) {
  return Bad{column, "bad_number", column + ": \"" + value + "\" is not a valid number",
             column + "：“" + value + "”不是有效的数字"};
}
inline Bad Negative(const std::string& column) {
  return Bad{column, "negative", column + " must not be negative", column + " 不能为负数"};
}
inline Bad BadValue(const std::string& column, const base::Status& s) {
  return Bad{column, "bad_value", s.message_en(), s.message_zh()};
}

// An import checks its rows against a read snapshot and writes them in a later write
// transaction; when what the rows refer to changed in between (a chain, node or park, or a USCC
// registered meanwhile), nothing is written and this is returned.
inline base::Status ImportChanged() {
  return base::FailedPrecondition(
      "import.changed",
      "the stored chains, nodes, parks or enterprises changed while the file was being checked; "
      "nothing was written, import the file again",
      "核对文件期间产业链、节点、园区或企业数据发生了变化，未写入任何数据，请重新导入");
}

// Splits a ';'-separated list, trimming items and dropping empty ones.
inline std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  for (char ch : std::string(text) + ";") {
    if (ch == ';') {
      if (std::string t = Trim(item); !t.empty()) {
        out.push_back(t);
      }
      item.clear();
    } else {
      item += ch;
    }
  }
  return out;
}

// Splits a ';'-separated list, trimming items and keeping empty ones ("1;;3" -> "1", "", "3");
// an empty text is no item.
inline std::vector<std::string> SplitKeepingEmpty(std::string_view text) {
  std::vector<std::string> out;
  if (Trim(text).empty()) {
    return out;
  }
  std::string item;
  for (char ch : std::string(text) + ";") {
    if (ch == ';') {
      out.push_back(Trim(item));
      item.clear();
    } else {
      item += ch;
    }
  }
  return out;
}

}  // namespace kechan::chain::internal
