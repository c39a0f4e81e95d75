#include "auth/uscc.h"

#include <gtest/gtest.h>

namespace kechan::auth {
namespace {

// Codes published on public registers (the first is the worked example of GB 32100-2015).
constexpr const char* kRealCodes[] = {
    "91350100M000100Y43", "914403001922038216", "9144030071526726XG",
    "91330100716105852F", "91110000802100433B", "12100000400000624D",
};

TEST(UsccTest, AcceptsRealPublishedCodes) {
  for (const char* code : kRealCodes) {
    auto r = NormalizeUscc(code);
    ASSERT_TRUE(r.ok()) << code << ": " << r.status();
    EXPECT_EQ(*r, code);
  }
}

TEST(UsccTest, NormalisesCaseSpacesAndFullWidth) {
  auto r = NormalizeUscc("  91350100m000100y43\t");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "91350100M000100Y43");
  // Full-width digits and letters as typed by a Chinese input method, with an ideographic space.
  auto fw = NormalizeUscc("\u3000９１３５０１００Ｍ０００１００ｙ４３");
  ASSERT_TRUE(fw.ok()) << fw.status();
  EXPECT_EQ(*fw, "91350100M000100Y43");
}

TEST(UsccTest, ParsesParts) {
  auto p = ParseUscc("91350100M000100Y43");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->registration_authority, '9');
  EXPECT_EQ(p->org_type, '1');
  EXPECT_EQ(p->division, "350100");
  EXPECT_EQ(p->org_code, "M000100Y4");
  EXPECT_EQ(p->check_char, '3');
}

TEST(UsccTest, RejectsWrongLength) {
  for (const char* bad : {"", "91350100M000100Y4", "91350100M000100Y433"}) {
    auto r = NormalizeUscc(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "uscc.length");
    EXPECT_EQ(r.status().field(), "uscc");
    EXPECT_FALSE(r.status().message_zh().empty());
    EXPECT_NE(r.status().message_zh(), r.status().message_en());
  }
}

TEST(UsccTest, RejectsForbiddenCharactersNamingThePosition) {
  // I, O, S, V, Z are not in the GB 32100 charset; nor is punctuation or a Chinese character.
  for (const char* bad :
       {"91350100M000100I43", "9135010OM000100Y43", "91350100M000100S43", "V1350100M000100Y43",
        "Z1350100M000100Y43", "91350100M000100-43", "91350100M000100统43"}) {
    auto r = NormalizeUscc(bad, "enterprise.uscc");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "uscc.charset") << bad;
    EXPECT_EQ(r.status().field(), "enterprise.uscc");
  }
  auto r = NormalizeUscc("91350100M000100I43");
  EXPECT_NE(r.status().message_en().find("Character 16"), std::string::npos)
      << r.status().message_en();
  EXPECT_NE(r.status().message_zh().find("第16位"), std::string::npos);
}

TEST(UsccTest, RejectsLettersInTheDivisionCode) {
  auto made = MakeUscc('9', '1', "35A100", "M000100Y");
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.status().reason(), "uscc.division");
}

TEST(UsccTest, RejectsWrongOrganisationCodeCheckChar) {
  // Position 17 changed from 4 to 5; recompute position 18 so only the GB 11714 check fails.
  auto c18 = ComputeUsccCheckChar("91350100M000100Y5");
  ASSERT_TRUE(c18.ok());
  std::string code = std::string("91350100M000100Y5") + *c18;
  auto r = NormalizeUscc(code);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "uscc.org_check_char");
  EXPECT_EQ(r.status().field(), "uscc");
}

TEST(UsccTest, RejectsWrongCheckChar) {
  for (const char* bad : {"91350100M000100Y44", "914403001922038217", "9144030071526726XH"}) {
    auto r = NormalizeUscc(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "uscc.check_char") << bad;
  }
  // A single transposition of two characters is caught.
  auto r = NormalizeUscc("91351000M000100Y43");
  ASSERT_FALSE(r.ok());
}

TEST(UsccTest, ComputesCheckCharsOfRealCodes) {
  for (std::string code : kRealCodes) {
    auto c18 = ComputeUsccCheckChar(code.substr(0, 17));
    ASSERT_TRUE(c18.ok());
    EXPECT_EQ(*c18, code[17]) << code;
    auto c17 = ComputeOrgCodeCheckChar(code.substr(8, 8));
    ASSERT_TRUE(c17.ok());
    EXPECT_EQ(*c17, code[16]) << code;
  }
  // The GB 11714 remainder 10 maps to 'X' (from the real code 9144030071526726XG).
  EXPECT_EQ(*ComputeOrgCodeCheckChar("71526726"), 'X');
}

TEST(UsccTest, ComputeRejectsBadInput) {
  EXPECT_EQ(ComputeUsccCheckChar("123").status().reason(), "uscc.length");
  EXPECT_EQ(ComputeUsccCheckChar("9135010OM000100Y4").status().reason(), "uscc.charset");
  EXPECT_EQ(ComputeOrgCodeCheckChar("1234567").status().reason(), "uscc.length");
  EXPECT_EQ(ComputeOrgCodeCheckChar("1234567#").status().reason(), "uscc.charset");
}

TEST(UsccTest, MakeBuildsValidSyntheticCodes) {
  auto made = MakeUscc('9', '1', "510100", "MA6ABC12");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->size(), 18u);
  EXPECT_TRUE(NormalizeUscc(*made).ok());
  EXPECT_EQ(made->substr(0, 16), "91510100MA6ABC12");
  // Reproduces a real code from its parts.
  EXPECT_EQ(*MakeUscc('9', '1', "350100", "M000100Y"), "91350100M000100Y43");
  // Every body from a simple counter gives a valid code.
  for (int i = 0; i < 200; ++i) {
    char body[9];
    std::snprintf(body, sizeof(body), "DM%06d", i);
    auto code = MakeUscc('9', '1', "510107", body);
    ASSERT_TRUE(code.ok()) << body << ": " << code.status();
    EXPECT_TRUE(NormalizeUscc(*code).ok());
  }
}

}  // namespace
}  // namespace kechan::auth
