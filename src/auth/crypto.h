// Small cryptographic helpers of the auth module over libsodium: argon2id password hashes, random
// tokens, SHA-256 and constant-time comparison. No libsodium type appears here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace kechan::auth {

// Cost of argon2id. The defaults are libsodium's INTERACTIVE limits (2 passes, 64 MiB); tests
// lower them with Minimum() so that hashing takes milliseconds.
struct PasswordCost {
  uint64_t opslimit = 0;  // 0 = crypto_pwhash_OPSLIMIT_INTERACTIVE
  size_t memlimit = 0;    // bytes; 0 = crypto_pwhash_MEMLIMIT_INTERACTIVE
  static PasswordCost Interactive() { return {}; }
  // The smallest cost libsodium accepts (1 pass, 8 KiB). For tests only.
  static PasswordCost Minimum();
};

// Returns an encoded argon2id hash ("$argon2id$v=19$m=...") of `password` with a random salt.
// Errors: kInternal when libsodium cannot allocate the memory the cost asks for.
base::Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost);

// Returns true when `password` matches `encoded_hash`. A well-formed hash costs one argon2id
// evaluation whether or not the password matches; a malformed hash is a mismatch.
bool VerifyPassword(std::string_view password, const std::string& encoded_hash);

// Returns true when `encoded_hash` was made with another algorithm or cost than `cost`, so the
// caller should re-hash the (just verified) password.
bool PasswordNeedsRehash(const std::string& encoded_hash, const PasswordCost& cost);

// Returns `bytes` cryptographically random bytes encoded as unpadded base64url.
std::string RandomToken(size_t bytes = 32);

// Returns the lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Compares in time that depends only on the lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace kechan::auth
