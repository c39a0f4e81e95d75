#include "auth/uscc.h"

#include <array>
#include <cstdint>
#include <vector>

namespace kechan::auth {
namespace {

using base::InvalidArgument;
using base::Result;
using base::Status;

// GB 32100-2015 character set; a character's index is its value.
constexpr std::string_view kUsccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kUsccWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};
constexpr std::array<int, 8> kOrgWeights = {3, 7, 9, 10, 5, 8, 4, 2};

int UsccValue(char c) {
  size_t pos = kUsccChars.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

int OrgValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'Z') {
    return 10 + (c - 'A');
  }
  return -1;
}

Status LengthError(std::string_view field, size_t got, size_t want) {
  return InvalidArgument(
      std::string(field), "uscc.length",
      "The unified social credit code must have " + std::to_string(want) + " characters, got " +
          std::to_string(got) + ".",
      "统一社会信用代码应为" + std::to_string(want) + "位，实际为" + std::to_string(got) + "位。");
}

Status CharsetError(std::string_view field, size_t position, std::string_view shown) {
  std::string pos = std::to_string(position);
  return InvalidArgument(
      std::string(field), "uscc.charset",
      "Character " + pos + " ('" + std::string(shown) +
          "') is not allowed in a unified social credit code: use digits and upper-case letters "
          "except I, O, S, V, Z.",
      "统一社会信用代码第" + pos + "位（“" + std::string(shown) +
          "”）不合法：只能使用数字和除 I、O、S、V、Z 以外的大写字母。");
}

// One character of the input after folding: an ASCII char, or the raw bytes of something else.
struct Glyph {
  char ascii = 0;   // 0 when not ASCII
  std::string raw;  // the original UTF-8 bytes (for messages)
};

// Splits UTF-8 into glyphs, folding full-width digits/letters to ASCII and lower case to upper.
std::vector<Glyph> Fold(std::string_view in) {
  std::vector<Glyph> out;
  size_t i = 0;
  while (i < in.size()) {
    auto b = static_cast<unsigned char>(in[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xE  ? 3
                 : (b >> 3) == 0x1E ? 4
                                    : 1;
    if (i + len > in.size()) {
      len = in.size() - i;
    }
    Glyph g;
    g.raw = std::string(in.substr(i, len));
    if (len == 1 && b < 0x80) {
      g.ascii = static_cast<char>(b);
    } else if (len == 3 && b == 0xEF) {
      auto b1 = static_cast<unsigned char>(in[i + 1]);
      auto b2 = static_cast<unsigned char>(in[i + 2]);
      if (b1 == 0xBC && b2 >= 0x90 && b2 <= 0x99) {  // U+FF10..FF19 ０-９
        g.ascii = static_cast<char>('0' + (b2 - 0x90));
      } else if (b1 == 0xBC && b2 >= 0xA1 && b2 <= 0xBA) {  // U+FF21..FF3A Ａ-Ｚ
        g.ascii = static_cast<char>('A' + (b2 - 0xA1));
      } else if (b1 == 0xBD && b2 >= 0x81 && b2 <= 0x9A) {  // U+FF41..FF5A ａ-ｚ
        g.ascii = static_cast<char>('a' + (b2 - 0x81));
      }
    } else if (len == 3 && b == 0xE3 && in[i + 1] == '\x80' && in[i + 2] == '\x80') {
      g.ascii = ' ';  // U+3000 ideographic space
    }
    if (g.ascii >= 'a' && g.ascii <= 'z') {
      g.ascii = static_cast<char>(g.ascii - 'a' + 'A');
    }
    out.push_back(std::move(g));
    i += len;
  }
  // Trim spaces at both ends.
  auto is_space = [](const Glyph& g) {
    return g.ascii == ' ' || g.ascii == '\t' || g.ascii == '\n' || g.ascii == '\r';
  };
  size_t start = 0;
  while (start < out.size() && is_space(out[start])) {
    ++start;
  }
  size_t end = out.size();
  while (end > start && is_space(out[end - 1])) {
    --end;
  }
  return std::vector<Glyph>(out.begin() + static_cast<std::ptrdiff_t>(start),
                            out.begin() + static_cast<std::ptrdiff_t>(end));
}

// Computes without validation messages; `chars` must be 17 valid USCC characters.
char UsccCheck(std::string_view chars) {
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    sum += UsccValue(chars[i]) * kUsccWeights[i];
  }
  int c = 31 - sum % 31;
  return kUsccChars[c == 31 ? 0 : c];
}

char OrgCheck(std::string_view body) {
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    sum += OrgValue(body[i]) * kOrgWeights[i];
  }
  int c = 11 - sum % 11;
  if (c == 10) {
    return 'X';
  }
  return c == 11 ? '0' : static_cast<char>('0' + c);
}

}  // namespace

Result<UsccParts> ParseUscc(std::string_view input, std::string_view field) {
  std::vector<Glyph> glyphs = Fold(input);
  if (glyphs.size() != 18) {
    return LengthError(field, glyphs.size(), 18);
  }
  std::string code;
  for (size_t i = 0; i < glyphs.size(); ++i) {
    if (glyphs[i].ascii == 0 || UsccValue(glyphs[i].ascii) < 0) {
      return CharsetError(field, i + 1, glyphs[i].raw);
    }
    code.push_back(glyphs[i].ascii);
  }
  for (size_t i = 2; i < 8; ++i) {
    if (code[i] < '0' || code[i] > '9') {
      return InvalidArgument(
          std::string(field), "uscc.division",
          "Characters 3-8 of a unified social credit code are the administrative division code "
          "and must be digits; character " +
              std::to_string(i + 1) + " is '" + std::string(1, code[i]) + "'.",
          "统一社会信用代码第3-8位为行政区划码，必须是数字；第" + std::to_string(i + 1) + "位为“" +
              std::string(1, code[i]) + "”。");
    }
  }
  char org_check = OrgCheck(std::string_view{code}.substr(8, 8));
  if (code[16] != org_check) {
    return InvalidArgument(
        std::string(field), "uscc.org_check_char",
        "The organisation code in characters 9-17 is invalid: its check character (17th) should "
        "be '" +
            std::string(1, org_check) + "', not '" + std::string(1, code[16]) +
            "'. Please check the code for typos.",
        "统一社会信用代码第9-17位（组织机构代码）校验不通过：第17位应为“" +
            std::string(1, org_check) + "”而不是“" + std::string(1, code[16]) +
            "”，请核对是否输错。");
  }
  char check = UsccCheck(code);
  if (code[17] != check) {
    return InvalidArgument(
        std::string(field), "uscc.check_char",
        "The check character (18th) of the unified social credit code does not match: please "
        "check the code for typos.",
        "统一社会信用代码第18位校验码不正确，请核对是否输错。");
  }
  UsccParts parts;
  parts.registration_authority = code[0];
  parts.org_type = code[1];
  parts.division = code.substr(2, 6);
  parts.org_code = code.substr(8, 9);
  parts.check_char = code[17];
  return parts;
}

Result<std::string> NormalizeUscc(std::string_view input, std::string_view field) {
  KECHAN_ASSIGN_OR_RETURN(UsccParts parts, ParseUscc(input, field));
  std::string code;
  code.reserve(18);
  code.push_back(parts.registration_authority);
  code.push_back(parts.org_type);
  code += parts.division;
  code += parts.org_code;
  code.push_back(parts.check_char);
  return code;
}

Result<char> ComputeUsccCheckChar(std::string_view first17) {
  if (first17.size() != 17) {
    return LengthError("uscc", first17.size(), 17);
  }
  for (size_t i = 0; i < first17.size(); ++i) {
    if (UsccValue(first17[i]) < 0) {
      return CharsetError("uscc", i + 1, first17.substr(i, 1));
    }
  }
  return UsccCheck(first17);
}

Result<char> ComputeOrgCodeCheckChar(std::string_view body8) {
  if (body8.size() != 8) {
    return LengthError("org_code", body8.size(), 8);
  }
  for (size_t i = 0; i < body8.size(); ++i) {
    if (OrgValue(body8[i]) < 0) {
      return CharsetError("org_code", i + 1, body8.substr(i, 1));
    }
  }
  return OrgCheck(body8);
}

Result<std::string> MakeUscc(char registration_authority, char org_type, std::string_view division6,
                             std::string_view org_body8) {
  std::string code;
  code.push_back(registration_authority);
  code.push_back(org_type);
  code += division6;
  code += org_body8;
  if (code.size() != 16) {
    return LengthError("uscc", code.size() + 2, 18);
  }
  for (size_t i = 0; i < code.size(); ++i) {
    if (UsccValue(code[i]) < 0) {
      return CharsetError("uscc", i + 1, std::string(1, code[i]));
    }
  }
  KECHAN_ASSIGN_OR_RETURN(char org_check, ComputeOrgCodeCheckChar(org_body8));
  code.push_back(org_check);
  KECHAN_ASSIGN_OR_RETURN(char check, ComputeUsccCheckChar(code));
  code.push_back(check);
  return NormalizeUscc(code);  // also checks the division digits
}

}  // namespace kechan::auth
