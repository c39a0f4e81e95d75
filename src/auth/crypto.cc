#include "auth/crypto.h"

#include <sodium.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace kechan::auth {
namespace {

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      // Without a working CSPRNG no token or salt is safe; this cannot be recovered from.
      std::abort();
    }
  });
}

uint64_t Ops(const PasswordCost& cost) {
  return cost.opslimit != 0 ? cost.opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE;
}
size_t Mem(const PasswordCost& cost) {
  return cost.memlimit != 0 ? cost.memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

}  // namespace

PasswordCost PasswordCost::Minimum() {
  return {.opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN,
          .memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

base::Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), Ops(cost), Mem(cost),
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return base::Internal("password.hash_failed",
                          "Hashing the password failed (out of memory for argon2id).",
                          "密码哈希计算失败（内存不足）。");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& encoded_hash) {
  EnsureSodium();
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(const std::string& encoded_hash, const PasswordCost& cost) {
  EnsureSodium();
  if (encoded_hash.rfind("$argon2id$", 0) != 0) {
    return true;
  }
  return crypto_pwhash_str_needs_rehash(encoded_hash.c_str(), Ops(cost), Mem(cost)) != 0;
}

std::string RandomToken(size_t bytes) {
  EnsureSodium();
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), buf.data(), buf.size(), variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  sodium_memzero(buf.data(), buf.size());
  return out;
}

std::string Sha256Hex(std::string_view data) {
  EnsureSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  EnsureSodium();
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kechan::auth
