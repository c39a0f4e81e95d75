// text/normalize: the one normal form every piece of text is indexed and queried in: NFKC with
// case folding (full-width → half-width, compatibility forms, "ＡＩ" → "ai") via ICU, then
// traditional → simplified Chinese via OpenCC's t2s. ICU/OpenCC stay inside normalize.cc.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace kechan::text {

// Where Debian's libopencc-data installs the traditional → simplified configuration.
inline constexpr std::string_view kDefaultOpenccT2sConfig = "/usr/share/opencc/t2s.json";

struct NormalizerOptions {
  std::string opencc_config = std::string(kDefaultOpenccT2sConfig);
  // Longer input is rejected with InvalidArgument (reason "text.too_long").
  size_t max_bytes = 1 << 20;
};

// Normalises text. Immutable after Create; thread-safe (ICU's Normalizer2 singletons and
// OpenCC's converter are read-only once built).
class Normalizer {
 public:
  // Builds a normaliser. Returns FailedPrecondition (reason "text.opencc_config") naming the
  // config file and the package libopencc-data when OpenCC cannot load it, Internal when ICU's
  // normalisation data is unavailable.
  static base::Result<std::unique_ptr<Normalizer>> Create(const NormalizerOptions& options = {});
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;

  // Returns `text` in normal form. Returns InvalidArgument naming `field` when `text` is not
  // well-formed UTF-8 (reason "text.invalid_utf8") or longer than max_bytes ("text.too_long").
  // Empty input gives an empty string.
  base::Result<std::string> Normalize(std::string_view text, std::string_view field) const;

 private:
  struct Impl;
  explicit Normalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kechan::text
