// Internal to text/: a compact sorted string table (the jieba dictionary and IDF table, ~350k
// entries, held in one buffer) and a tolerant parser for the Python dict literals jieba ships its
// HMM tables in. std only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace kechan::text::internal {

// Immutable sorted map from byte strings to V, keys stored back to back in one buffer. Supports
// exact lookup and "is there a key starting with this prefix" in O(log n). Thread-safe to read.
template <typename V>
class FlatTable {
 public:
  FlatTable() = default;
  // Builds from entries; duplicate keys keep the larger value.
  explicit FlatTable(std::vector<std::pair<std::string, V>> entries) {
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    size_t bytes = 0;
    for (const auto& e : entries) {
      bytes += e.first.size();
    }
    buffer_.reserve(bytes);
    for (auto& e : entries) {
      if (!keys_.empty() && Key(keys_.size() - 1) == e.first) {
        values_.back() = std::max(values_.back(), e.second);
        continue;
      }
      keys_.push_back(
          {static_cast<uint32_t>(buffer_.size()), static_cast<uint32_t>(e.first.size())});
      buffer_ += e.first;
      values_.push_back(e.second);
    }
    buffer_.shrink_to_fit();
  }

  size_t size() const { return keys_.size(); }
  std::string_view Key(size_t i) const {
    return std::string_view{buffer_}.substr(keys_[i].offset, keys_[i].size);
  }
  const V& Value(size_t i) const { return values_[i]; }
  size_t MemoryBytes() const {
    return buffer_.capacity() + keys_.capacity() * sizeof(Slot) + values_.capacity() * sizeof(V);
  }

  // Returns the index of the first key not less than `key`, searching from `from` (a lower bound
  // of a prefix of `key` is a valid start: the segmenter extends fragments one unit at a time).
  size_t LowerBound(std::string_view key, size_t from = 0) const {
    size_t lo = from;
    size_t hi = keys_.size();
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (Key(mid) < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  // Returns the value stored for `key`, or nullptr.
  const V* Find(std::string_view key) const {
    size_t i = LowerBound(key);
    return (i < keys_.size() && Key(i) == key) ? &values_[i] : nullptr;
  }
  // Returns true when some key starts with `prefix`.
  bool HasPrefix(std::string_view prefix) const {
    size_t i = LowerBound(prefix);
    return i < keys_.size() && Key(i).substr(0, prefix.size()) == prefix;
  }

 private:
  struct Slot {
    uint32_t offset;
    uint32_t size;
  };
  std::string buffer_;
  std::vector<Slot> keys_;
  std::vector<V> values_;
};

// A value of a Python literal as found in jieba's prob_*.py: a number or a dict keyed by strings.
struct PyValue {
  double number = 0;
  std::map<std::string, PyValue> dict;  // keys decoded to UTF-8
  bool is_dict = false;
};

// Parses the first `P = <literal>` assignment of a jieba HMM table module (tolerating
// `from __future__` lines, comments, u'' prefixes, \uXXXX escapes and raw UTF-8). Returns
// InvalidArgument (reason "text.hmm_table") naming `file_name` and the byte offset on bad syntax.
base::Result<PyValue> ParsePyTable(std::string_view source, std::string_view file_name);

// Reads a whole file. Returns FailedPrecondition naming the file and `package` when it is missing.
base::Result<std::string> ReadDataFile(const std::string& path, std::string_view package);

}  // namespace kechan::text::internal
