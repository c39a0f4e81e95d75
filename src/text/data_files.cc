#include "text/data_files.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/utf8.h"
#include "text/utf8.h"

namespace kechan::text::internal {
namespace {

class PyParser {
 public:
  PyParser(std::string_view src, std::string_view file) : s_(src), file_(file) {}

  base::Result<PyValue> ParseTable() {
    // Find the first line of the form `P=` / `P =` and parse what follows.
    size_t at = 0;
    while (at < s_.size()) {
      size_t eol = s_.find('\n', at);
      if (eol == std::string_view::npos) {
        eol = s_.size();
      }
      std::string_view line = s_.substr(at, eol - at);
      size_t eq = line.find('=');
      if (eq != std::string_view::npos && line.substr(0, 1) == "P") {
        pos_ = at + eq + 1;
        PyValue v;
        if (!ParseValue(&v, 0)) {
          return Error();
        }
        return v;
      }
      at = eol + 1;
    }
    error_ = "no `P = ...` assignment";
    return Error();
  }

 private:
  base::Status Error() const {
    std::string where = std::string(file_) + " at byte " + std::to_string(pos_) + ": " + error_;
    return base::InvalidArgument(std::string(file_), "text.hmm_table",
                                 "cannot parse jieba HMM table " + where,
                                 "无法解析 jieba HMM 表 " + where);
  }

  void SkipSpace() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') {
          ++pos_;
        }
      } else if (std::isspace(static_cast<unsigned char>(c)) || c == '\\') {
        ++pos_;  // whitespace and explicit line continuations
      } else {
        break;
      }
    }
  }

  bool ParseValue(PyValue* out, int depth) {
    if (depth > 8) {
      error_ = "nested too deeply";
      return false;
    }
    SkipSpace();
    if (pos_ >= s_.size()) {
      error_ = "unexpected end of file";
      return false;
    }
    if (s_[pos_] == '{') {
      return ParseDict(out, depth);
    }
    return ParseNumber(&out->number);
  }

  bool ParseDict(PyValue* out, int depth) {
    out->is_dict = true;
    ++pos_;  // '{'
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) {
        error_ = "unterminated dict";
        return false;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      std::string key;
      if (!ParseString(&key)) {
        return false;
      }
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') {
        error_ = "expected ':'";
        return false;
      }
      ++pos_;
      PyValue value;
      if (!ParseValue(&value, depth + 1)) {
        return false;
      }
      out->dict[std::move(key)] = std::move(value);
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
      }
    }
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  bool ParseString(std::string* out) {
    if (pos_ < s_.size() && (s_[pos_] == 'u' || s_[pos_] == 'U')) {
      ++pos_;
    }
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) {
      error_ = "expected a string key";
      return false;
    }
    char quote = s_[pos_++];
    while (pos_ < s_.size() && s_[pos_] != quote) {
      char c = s_[pos_];
      if (c == '\n') {
        error_ = "newline in string";
        return false;
      }
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= s_.size()) {
        break;
      }
      char e = s_[pos_ + 1];
      pos_ += 2;
      if (e == 'u' || e == 'U') {
        int n = e == 'u' ? 4 : 8;
        if (pos_ + n > s_.size()) {
          error_ = "short \\u escape";
          return false;
        }
        char32_t cp = 0;
        for (int i = 0; i < n; ++i) {
          int d = HexDigit(s_[pos_ + i]);
          if (d < 0) {
            error_ = "bad \\u escape";
            return false;
          }
          cp = cp * 16 + static_cast<char32_t>(d);
        }
        pos_ += n;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          error_ = "escape is not a scalar value";
          return false;
        }
        base::AppendUtf8(cp, out);
      } else if (e == 'n') {
        out->push_back('\n');
      } else if (e == 't') {
        out->push_back('\t');
      } else {
        out->push_back(e);  // \\ \' \" and anything else verbatim
      }
    }
    if (pos_ >= s_.size()) {
      error_ = "unterminated string";
      return false;
    }
    ++pos_;  // closing quote
    if (base::FirstInvalidUtf8Byte(*out) != std::string_view::npos) {
      error_ = "string is not valid UTF-8";
      return false;
    }
    return true;
  }

  bool ParseNumber(double* out) {
    size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
            s_[pos_] == '+' || s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
    }
    std::string num(s_.substr(start, pos_ - start));
    char* end = nullptr;
    *out = std::strtod(num.c_str(), &end);
    if (num.empty() || end != num.c_str() + num.size()) {
      pos_ = start;
      error_ = "expected a number";
      return false;
    }
    return true;
  }

  std::string_view s_;
  std::string_view file_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

base::Result<PyValue> ParsePyTable(std::string_view source, std::string_view file_name) {
  return PyParser(source, file_name).ParseTable();
}

base::Result<std::string> ReadDataFile(const std::string& path, std::string_view package) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string pkg(package);
    return base::FailedPrecondition("text.data_missing",
                                    "required data file " + path +
                                        " is missing; install the Debian package " + pkg +
                                        " (apt-get install " + pkg + ", or run scripts/setup)",
                                    "缺少数据文件 " + path + "；请安装 Debian 软件包 " + pkg +
                                        "（apt-get install " + pkg + "，或运行 scripts/setup）",
                                    path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kechan::text::internal
