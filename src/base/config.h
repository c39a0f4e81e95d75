// Config: named settings from defaults, a file, the environment and command-line flags, in rising
// precedence (flag > KECHAN_* environment variable > file > default). Keys are documented in
// docs/configuration.md; unknown keys are errors, not silently ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kechan::base {

struct ConfigKey {
  std::string name;           // "listen", "db", "body_limit"
  std::string default_value;  // text form
  std::string help;           // one line for --help and docs
};

// Not thread-safe while loading; read-only use from several threads is safe afterwards.
class Config {
 public:
  explicit Config(std::vector<ConfigKey> keys);

  // Reads `key = value` lines ('#' starts a comment, blank lines ignored). Errors name the line:
  // InvalidArgument field "config:LINE" for a malformed line or an unknown key.
  Status LoadFile(const std::string& path);
  // Reads KECHAN_<NAME> (upper case) for every known key, e.g. KECHAN_LISTEN, KECHAN_BODY_LIMIT.
  void LoadEnv();
  // Sets a key from a flag. InvalidArgument naming "--NAME" when the key is unknown.
  Status Set(std::string_view name, std::string value, std::string_view source = "flag");

  bool Has(std::string_view name) const;
  // Returns the value (the default when never set). Asserts the key is known.
  const std::string& Get(std::string_view name) const;
  // Returns the value as an integer; InvalidArgument naming "--NAME" when it is not one.
  Result<int64_t> GetInt(std::string_view name) const;
  // Accepts true/false/1/0/yes/no/on/off.
  Result<bool> GetBool(std::string_view name) const;
  // Returns where the value came from: "default", "file", "env" or "flag".
  const std::string& Source(std::string_view name) const;
  const std::vector<ConfigKey>& keys() const { return keys_; }

 private:
  struct Entry {
    std::string value;
    std::string source;
  };
  std::vector<ConfigKey> keys_;
  std::map<std::string, Entry, std::less<>> values_;
};

}  // namespace kechan::base
