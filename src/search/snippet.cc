#include "search/snippet.h"

#include <algorithm>
#include <vector>

#include "base/utf8.h"

namespace kechan::search {
namespace {

void AppendEscaped(std::string_view s, std::string& out) {
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

std::string Snippet(const TextAnalysis& analysis, std::string_view text,
                    const std::set<std::string>& terms, size_t max_chars) {
  auto a = analysis.Analyze(text, "text");
  if (!a.ok()) {
    return "";
  }
  const std::string& s = a->normalized;
  // Byte spans of matched terms (merged when they overlap).
  std::vector<std::pair<size_t, size_t>> spans;
  for (const Term& t : a->terms) {
    if (terms.count(t.term) == 0) {
      continue;
    }
    if (!spans.empty() && t.begin <= spans.back().second) {
      spans.back().second = std::max<size_t>(spans.back().second, t.end);
    } else {
      spans.emplace_back(t.begin, t.end);
    }
  }
  // Code point starts, to cut on character boundaries.
  std::vector<size_t> starts;
  for (size_t pos = 0; pos < s.size();) {
    starts.push_back(pos);
    base::DecodeUtf8(s, &pos);
  }
  starts.push_back(s.size());
  size_t n = starts.size() - 1;
  size_t best_first = 0;
  if (!spans.empty() && n > max_chars) {
    // Slide a window of max_chars code points; keep the one covering the most spans.
    size_t best = 0;
    size_t j = 0;
    for (size_t i = 0; i < spans.size(); ++i) {
      size_t cp = static_cast<size_t>(
          std::lower_bound(starts.begin(), starts.end(), spans[i].first) - starts.begin());
      size_t first = cp >= 10 ? cp - 10 : 0;  // a little context before the first match
      size_t limit = starts[std::min(n, first + max_chars)];
      j = i;
      while (j < spans.size() && spans[j].second <= limit) {
        ++j;
      }
      if (j - i > best) {
        best = j - i;
        best_first = first;
      }
    }
  }
  size_t last = std::min(n, best_first + max_chars);
  size_t from = starts[best_first];
  size_t to = starts[last];
  std::string out;
  if (best_first > 0) {
    out += "…";
  }
  size_t pos = from;
  for (const auto& [b, e] : spans) {
    if (e <= from || b >= to) {
      continue;
    }
    size_t mb = std::max(b, from);
    size_t me = std::min(e, to);
    AppendEscaped(std::string_view{s}.substr(pos, mb - pos), out);
    out += "<mark>";
    AppendEscaped(std::string_view{s}.substr(mb, me - mb), out);
    out += "</mark>";
    pos = me;
  }
  AppendEscaped(std::string_view{s}.substr(pos, to - pos), out);
  if (last < n) {
    out += "…";
  }
  return out;
}

}  // namespace kechan::search
