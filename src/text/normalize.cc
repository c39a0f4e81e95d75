#include "text/normalize.h"

#include <opencc/opencc.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <opencc/DictEntry.hpp>
#include <opencc/Lexicon.hpp>
#include <opencc/MarisaDict.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "text/utf8.h"

namespace kechan::text {

// The highest code point the "may change under t2s" bitset covers (CJK extension G).
constexpr char32_t kMaxMarked = 0x3134F;

// What opencc_open returns on failure: the C API's (opencc_t)-1.
opencc_t OpenccError() {
  return reinterpret_cast<opencc_t>(-1);  // NOLINT(performance-no-int-to-ptr): OpenCC's API
}

struct Normalizer::Impl {
  const icu::Normalizer2* nfkc_cf = nullptr;  // owned by ICU
  opencc_t t2s = OpenccError();
  NormalizerOptions options;
  // Code points that some t2s dictionary entry changes. Text without any of them comes out of
  // OpenCC unchanged, so Normalize skips the (comparatively slow) conversion. Empty = unknown:
  // always convert.
  std::vector<bool> changes;

  bool MayChange(std::string_view utf8) const {
    if (changes.empty()) {
      return true;
    }
    size_t i = 0;
    while (i < utf8.size()) {
      if (static_cast<unsigned char>(utf8[i]) < 0x80) {
        ++i;
        continue;
      }
      char32_t cp = base::DecodeUtf8(utf8, &i);
      if (cp <= kMaxMarked && changes[cp]) {
        return true;
      }
    }
    return false;
  }

  ~Impl() {
    if (t2s != OpenccError()) {
      opencc_close(t2s);
    }
  }
};

namespace {

// Marks in `changes` code points such that any text holding a key the OpenCC dictionary `path`
// (.ocd2) rewrites holds a marked one: for equal-length entries the positions whose character
// differs, otherwise the key's first character. Returns false when the dictionary cannot be read.
bool MarkChangedCodePoints(const std::string& path, std::vector<bool>& changes) {
  std::unique_ptr<FILE, int (*)(FILE*)> fp(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (fp == nullptr) {
    return false;
  }
  try {
    opencc::MarisaDictPtr dict = opencc::MarisaDict::NewFromFile(fp.get());
    for (const auto& entry : *dict->GetLexicon()) {
      std::string key = entry->Key();
      std::string value = entry->GetDefault();
      std::vector<char32_t> k;
      std::vector<char32_t> v;
      for (size_t i = 0; i < key.size();) {
        k.push_back(base::DecodeUtf8(key, &i));
      }
      for (size_t i = 0; i < value.size();) {
        v.push_back(base::DecodeUtf8(value, &i));
      }
      if (k.empty()) {
        continue;
      }
      if (k.size() != v.size()) {
        // Text holding the key holds its first character: marking that one is enough.
        if (k[0] <= kMaxMarked) {
          changes[k[0]] = true;
        }
        continue;
      }
      for (size_t i = 0; i < k.size(); ++i) {
        if (k[i] != v[i] && k[i] <= kMaxMarked) {
          changes[k[i]] = true;
        }
      }
    }
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

Normalizer::Normalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Normalizer::~Normalizer() = default;

base::Result<std::unique_ptr<Normalizer>> Normalizer::Create(const NormalizerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  UErrorCode err = U_ZERO_ERROR;
  impl->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  if (U_FAILURE(err) || impl->nfkc_cf == nullptr) {
    return base::Internal("text.icu_nfkc_cf",
                          std::string("ICU NFKC_Casefold data unavailable: ") + u_errorName(err),
                          "ICU 规范化数据不可用（libicu72）");
  }
  std::error_code ec;
  if (!std::filesystem::exists(options.opencc_config, ec)) {
    return base::FailedPrecondition(
        "text.opencc_config",
        "OpenCC configuration " + options.opencc_config +
            " not found; install the Debian package libopencc-data (apt-get install "
            "libopencc-data)",
        "找不到 OpenCC 配置文件 " + options.opencc_config +
            "；请安装 Debian 软件包 libopencc-data（apt-get install libopencc-data）",
        "opencc_config");
  }
  impl->t2s = opencc_open(options.opencc_config.c_str());
  if (impl->t2s == OpenccError()) {
    const char* why = opencc_error();
    return base::FailedPrecondition(
        "text.opencc_config",
        "OpenCC could not load " + options.opencc_config + " (" + (why ? why : "unknown") +
            "); reinstall libopencc-data",
        "OpenCC 无法加载 " + options.opencc_config + "，请重新安装 libopencc-data",
        "opencc_config");
  }
  // Only for the stock t2s configuration, whose dictionaries we know: TSPhrases + TSCharacters.
  std::filesystem::path config(options.opencc_config);
  if (config.filename() == "t2s.json") {
    std::vector<bool> changes(kMaxMarked + 1, false);
    if (MarkChangedCodePoints((config.parent_path() / "TSPhrases.ocd2").string(), changes) &&
        MarkChangedCodePoints((config.parent_path() / "TSCharacters.ocd2").string(), changes)) {
      impl->changes = std::move(changes);
    }
  }
  return std::unique_ptr<Normalizer>(new Normalizer(std::move(impl)));
}

base::Result<std::string> Normalizer::Normalize(std::string_view text,
                                                std::string_view field) const {
  if (text.size() > impl_->options.max_bytes) {
    return base::InvalidArgument(
        std::string(field), "text.too_long",
        std::string(field) + " is too long: " + std::to_string(text.size()) + " bytes, at most " +
            std::to_string(impl_->options.max_bytes),
        std::string(field) + " 过长：" + std::to_string(text.size()) + " 字节，最多 " +
            std::to_string(impl_->options.max_bytes) + " 字节");
  }
  if (size_t bad = base::FirstInvalidUtf8Byte(text); bad != std::string_view::npos) {
    return base::InvalidArgument(
        std::string(field), "text.invalid_utf8",
        std::string(field) + " is not valid UTF-8 (byte " + std::to_string(bad) + ")",
        std::string(field) + " 不是有效的 UTF-8 编码（第 " + std::to_string(bad) + " 字节）");
  }
  if (text.empty()) {
    return std::string();
  }
  // NFKC_Casefold straight on UTF-8 (ICU's UTF-8 path copies normal spans as they are; no UTF-16
  // round trip).
  UErrorCode err = U_ZERO_ERROR;
  std::string utf8;
  utf8.reserve(text.size());
  icu::StringByteSink<std::string> sink(&utf8, static_cast<int32_t>(text.size()));
  impl_->nfkc_cf->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                                sink, nullptr, err);
  if (U_FAILURE(err)) {
    return base::Internal("text.icu_normalize",
                          std::string("ICU normalisation failed: ") + u_errorName(err));
  }
  // Control characters (NUL included) become spaces: they separate words anyway, and OpenCC's C
  // API returns a NUL-terminated string.
  for (char& c : utf8) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      c = ' ';
    }
  }
  if (utf8.empty() || !impl_->MayChange(utf8)) {
    return utf8;
  }
  char* converted = opencc_convert_utf8(impl_->t2s, utf8.data(), utf8.size());
  if (converted == nullptr) {
    return base::Internal("text.opencc_convert", "OpenCC t2s conversion failed");
  }
  std::string out(converted);
  opencc_convert_utf8_free(converted);
  return out;
}

}  // namespace kechan::text
