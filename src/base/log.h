// Structured logging: one JSON object per line on stderr (time, level, event, fields), so logs can
// be read by people and by machines.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace kechan::base {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct LogField {
  std::string_view key;
  std::variant<std::string_view, int64_t, double, bool> value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view{v}) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view{v}) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

// Sets the minimum level written (default kInfo; KECHAN_LOG_LEVEL=debug|info|warn|error).
// Thread-safe.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn", "error"; returns false when unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);

// Writes one line {"ts":"2026-11-29T00:00:00.000000Z","level":"info","event":...,<fields>} to
// stderr. Thread-safe: lines from several threads never interleave.
void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

// Appends `s` to `out` as a JSON string literal (quotes included), escaping control characters and
// replacing invalid UTF-8 with U+FFFD.
void AppendJsonString(std::string& out, std::string_view s);

// Returns `s` as a JSON string literal (see AppendJsonString).
inline std::string JsonQuoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// Formats UTC micros as RFC 3339 "2026-11-29T00:00:00.000000Z".
std::string FormatRfc3339(int64_t micros);

}  // namespace kechan::base
