#include "auth/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace kechan::auth {
namespace {

TEST(PasswordHashTest, HashIsArgon2idAndVerifies) {
  auto hash = HashPassword("correct horse", PasswordCost::Minimum());
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horsf", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(PasswordHashTest, SaltMakesEveryHashDifferent) {
  auto a = HashPassword("same password", PasswordCost::Minimum());
  auto b = HashPassword("same password", PasswordCost::Minimum());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same password", *a));
  EXPECT_TRUE(VerifyPassword("same password", *b));
}

TEST(PasswordHashTest, MalformedHashNeverVerifies) {
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_FALSE(VerifyPassword("x", "$argon2id$garbage"));
  EXPECT_FALSE(VerifyPassword("x", "plain-text-password"));
}

TEST(PasswordHashTest, NeedsRehashWhenCostChanges) {
  auto cheap = HashPassword("pw123456", PasswordCost::Minimum());
  ASSERT_TRUE(cheap.ok());
  EXPECT_FALSE(PasswordNeedsRehash(*cheap, PasswordCost::Minimum()));
  PasswordCost stronger{.opslimit = 2, .memlimit = 16384};
  EXPECT_TRUE(PasswordNeedsRehash(*cheap, stronger));
  EXPECT_TRUE(PasswordNeedsRehash("$2y$10$bcrypt-style", PasswordCost::Minimum()));
}

TEST(RandomTokenTest, IsUrlSafeAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = RandomToken(32);
    EXPECT_EQ(t.size(), 43u);  // 32 bytes, unpadded base64
    EXPECT_EQ(
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Sha256HexTest, MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace kechan::auth
