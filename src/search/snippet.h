// search/snippet: highlighted excerpts of a result — the window of a field's (normalised) text
// holding the most query terms, HTML-escaped, matches wrapped in <mark>…</mark>.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "search/analysis.h"

namespace kechan::search {

// Returns an excerpt of about `max_chars` code points of `text` around the densest run of terms
// in `terms` (index terms), HTML-escaped with matches in <mark></mark>; the start of the text
// when nothing matches; "" when `text` cannot be analysed. Thread-safe.
std::string Snippet(const TextAnalysis& analysis, std::string_view text,
                    const std::set<std::string>& terms, size_t max_chars = 80);

}  // namespace kechan::search
