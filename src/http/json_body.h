// Strict JSON body reading for handlers: every missing, mistyped or unknown field becomes an
// InvalidArgument naming the field, before anything is changed.
#pragma once

#include <boost/json.hpp>  // Boost.JSON is the project's JSON mapping (docs/decisions/0002)
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "http/request.h"

namespace kechan::http {

// Parses the body of `req` as one JSON object. Errors: InvalidArgument "json.malformed" (field
// "body") for malformed JSON or invalid UTF-8, "json.not_object" for another top-level type.
base::Result<boost::json::object> ParseJsonObject(const Request& req);

// Length rules for ObjectReader::String (at namespace scope so it can be a default argument).
struct StringRules {
  size_t min_len = 0;      // in Unicode code points
  size_t max_len = 10000;  // in Unicode code points
};

// Reads fields from a JSON object and remembers the first error. Not thread-safe.
//   ObjectReader r(obj);
//   auto name = r.String("name", {.min_len = 1, .max_len = 200});
//   auto age = r.OptionalInt("age");
//   KECHAN_RETURN_IF_ERROR(r.Finish());  // also rejects fields that were never read
class ObjectReader {
 public:
  explicit ObjectReader(const boost::json::object& obj, std::string prefix = {});

  using StringRules = http::StringRules;
  std::string String(std::string_view field, StringRules rules = {});
  std::optional<std::string> OptionalString(std::string_view field, StringRules rules = {});
  int64_t Int(std::string_view field, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  std::optional<int64_t> OptionalInt(std::string_view field, int64_t min = INT64_MIN,
                                     int64_t max = INT64_MAX);
  bool Bool(std::string_view field);
  std::optional<bool> OptionalBool(std::string_view field);
  // Returns the raw value (or nullptr when absent and optional) for nested reading.
  const boost::json::value* Value(std::string_view field, bool required);

  // Returns the first error seen, or an error naming the first unknown field, or ok.
  base::Status Finish();
  bool ok() const { return status_.ok(); }
  const base::Status& status() const { return status_; }

 private:
  void Fail(base::Status s);
  std::string Path(std::string_view field) const;
  const boost::json::object& obj_;
  std::string prefix_;
  std::set<std::string, std::less<>> seen_;
  base::Status status_;
};

// Serializes JSON to text, doubles in their shortest round-trip form, NaN/infinity as null. Use
// it (not boost::json::serialize) for everything a client or a CLI user reads.
std::string ToJson(const boost::json::value& v);

}  // namespace kechan::http
