// Unified social credit codes (统一社会信用代码, GB 32100-2015): the 18-character identifier of
// every registered organisation in China, with its two check characters. Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace kechan::auth {

// The parts of a valid code.
struct UsccParts {
  char registration_authority = 0;  // position 1: 登记管理部门代码 ('9' = market regulation, ...)
  char org_type = 0;                // position 2: 机构类别代码
  std::string division;             // positions 3-8: 登记管理机关行政区划码 (six digits)
  std::string org_code;             // positions 9-17: 主体标识码 (GB 11714 organisation code)
  char check_char = 0;              // position 18: 校验码
};

// Normalises and validates a code. Normalising trims surrounding ASCII spaces, folds full-width
// digits and letters (as typed by Chinese input methods) to ASCII, and upper-cases letters, so
// " 91350100m000100y43" is accepted as "91350100M000100Y43". Then checks, in order:
//   length 18                                  -> reason "uscc.length"
//   every character in 0-9 A-H J-N P-R T-U W-Y   -> reason "uscc.charset" (no I, O, S, V, Z)
//   positions 3-8 are digits                   -> reason "uscc.division"
//   GB 11714 check character at position 17    -> reason "uscc.org_check_char"
//   GB 32100 check character at position 18    -> reason "uscc.check_char"
// Positions 1-2 are checked only against the charset: their code lists grow by amendment
// (A, N, ...), and a stale list would reject real codes.
// Returns the normalised code, or InvalidArgument naming `field` with zh/en messages.
base::Result<std::string> NormalizeUscc(std::string_view input, std::string_view field = "uscc");

// Like NormalizeUscc but also returns the parts.
base::Result<UsccParts> ParseUscc(std::string_view input, std::string_view field = "uscc");

// Computes the GB 32100 check character (position 18) of the first 17 characters (already upper
// case). Errors: InvalidArgument "uscc.length" / "uscc.charset".
base::Result<char> ComputeUsccCheckChar(std::string_view first17);

// Computes the GB 11714 check character ('0'-'9' or 'X') of an 8-character organisation code body
// (digits and upper-case letters). Errors: InvalidArgument "uscc.length" / "uscc.charset".
base::Result<char> ComputeOrgCodeCheckChar(std::string_view body8);

// Builds a valid code from its parts, computing both check characters: used by demo data to make
// synthetic codes. `org_body8` is the 8-character body of the organisation code. Errors as above.
base::Result<std::string> MakeUscc(char registration_authority, char org_type,
                                   std::string_view division6, std::string_view org_body8);

}  // namespace kechan::auth
