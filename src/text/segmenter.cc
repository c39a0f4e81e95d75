#include "text/segmenter.h"

#include <unicode/uchar.h>

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "base/utf8.h"
#include "text/data_files.h"
#include "text/utf8.h"

namespace kechan::text {
namespace {

using internal::FlatTable;
using internal::IsHan;

constexpr std::string_view kJiebaPackage = "python3-jieba";
constexpr double kMinFloat = -3.14e100;  // jieba's "impossible" log probability
constexpr size_t kMaxUserWordCodePoints = 32;

// HMM states in alphabetical order so ties break like jieba's max() over (prob, state) tuples.
enum State { kB = 0, kE = 1, kM = 2, kS = 3 };
constexpr std::array<std::array<int, 2>, 4> kPrevStates = {{
    {kE, kS},  // B follows E or S
    {kB, kM},  // E follows B or M
    {kB, kM},  // M follows B or M
    {kE, kS},  // S follows E or S
}};

int StateIndex(std::string_view letter) {
  if (letter == "B") {
    return kB;
  }
  if (letter == "E") {
    return kE;
  }
  if (letter == "M") {
    return kM;
  }
  if (letter == "S") {
    return kS;
  }
  return -1;
}

bool IsWordChar(char32_t cp) {
  if (cp == base::kInvalidCodePoint) {
    return false;
  }
  if (u_isalnum(static_cast<UChar32>(cp))) {
    return true;
  }
  int8_t type = u_charType(static_cast<UChar32>(cp));
  return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK;
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// A unit of a block: one Han character, or one whole run of other letters/digits.
struct Unit {
  size_t begin;
  size_t end;
  bool han;
  char32_t cp;  // the character of a Han unit
};

// An immutable trie over code points built from a sorted word table: node 0 is the root, the
// children of node n are edges [first_edge[n], first_edge[n+1]) sorted by code point, freq[n] is
// the word's frequency (0 when the path is only a prefix). The root's children in the BMP are
// also in a direct table. Replaces one binary search over ~350k keys per DAG step by one small
// lookup per code point.
class CodePointTrie {
 public:
  static constexpr uint32_t kNone = 0;  // the root is never a child

  CodePointTrie() : first_edge_{0, 0}, freq_{0} {}

  // `keys` are the keys of a table sorted bytewise (= by code point for valid UTF-8); `value(i)`
  // gives key i's frequency.
  template <typename KeyAt, typename ValueAt>
  static CodePointTrie Build(size_t count, KeyAt key_at, ValueAt value_at, bool direct_root) {
    struct Edge {
      uint32_t parent;
      char32_t cp;
      uint32_t child;
    };
    CodePointTrie t;
    std::vector<Edge> edges;
    std::vector<char32_t> prev;
    std::vector<char32_t> cps;
    std::vector<uint32_t> path{0};  // path[d] = node at depth d of the previous key
    for (size_t i = 0; i < count; ++i) {
      std::string_view key = key_at(i);
      cps.clear();
      for (size_t pos = 0; pos < key.size();) {
        cps.push_back(base::DecodeUtf8(key, &pos));
      }
      size_t lcp = 0;
      while (lcp < cps.size() && lcp < prev.size() && cps[lcp] == prev[lcp]) {
        ++lcp;
      }
      path.resize(lcp + 1);
      uint32_t node = path[lcp];
      for (size_t d = lcp; d < cps.size(); ++d) {
        uint32_t child = static_cast<uint32_t>(t.freq_.size());
        t.freq_.push_back(0);
        edges.push_back({node, cps[d], child});
        path.push_back(child);
        node = child;
      }
      if (!cps.empty()) {
        t.freq_[node] = std::max(t.freq_[node], value_at(i));
      }
      prev.swap(cps);
    }
    // Counting sort by parent (stable: each parent's edges are already in code point order).
    const size_t nodes = t.freq_.size();
    t.first_edge_.assign(nodes + 1, 0);
    for (const Edge& e : edges) {
      ++t.first_edge_[e.parent + 1];
    }
    for (size_t n = 0; n < nodes; ++n) {
      t.first_edge_[n + 1] += t.first_edge_[n];
    }
    t.edge_cp_.resize(edges.size());
    t.edge_to_.resize(edges.size());
    std::vector<uint32_t> fill(t.first_edge_.begin(), t.first_edge_.end() - 1);
    for (const Edge& e : edges) {
      uint32_t at = fill[e.parent]++;
      t.edge_cp_[at] = e.cp;
      t.edge_to_[at] = e.child;
    }
    if (direct_root) {
      t.root_direct_.assign(0x10000, kNone);
      for (uint32_t e = t.first_edge_[0]; e < t.first_edge_[1]; ++e) {
        if (t.edge_cp_[e] < 0x10000) {
          t.root_direct_[t.edge_cp_[e]] = t.edge_to_[e];
        }
      }
    }
    return t;
  }

  // Returns the child of `node` along `cp`, or kNone.
  uint32_t Child(uint32_t node, char32_t cp) const {
    if (node == 0 && !root_direct_.empty() && cp < 0x10000) {
      return root_direct_[cp];
    }
    uint32_t lo = first_edge_[node];
    const uint32_t end = first_edge_[node + 1];
    uint32_t hi = end;
    while (hi - lo > 8) {  // narrow to the first edge >= cp
      uint32_t mid = lo + (hi - lo) / 2;
      if (edge_cp_[mid] < cp) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (; lo < end; ++lo) {
      if (edge_cp_[lo] == cp) {
        return edge_to_[lo];
      }
      if (edge_cp_[lo] > cp) {
        break;
      }
    }
    return kNone;
  }
  uint64_t Freq(uint32_t node) const { return freq_[node]; }
  bool empty() const { return freq_.size() <= 1; }
  size_t MemoryBytes() const {
    return first_edge_.capacity() * sizeof(uint32_t) + edge_cp_.capacity() * sizeof(char32_t) +
           edge_to_.capacity() * sizeof(uint32_t) + freq_.capacity() * sizeof(uint64_t) +
           root_direct_.capacity() * sizeof(uint32_t);
  }

 private:
  std::vector<uint32_t> first_edge_;
  std::vector<char32_t> edge_cp_;
  std::vector<uint32_t> edge_to_;
  std::vector<uint64_t> freq_;
  std::vector<uint32_t> root_direct_;
};

struct UserDict {
  std::map<std::string, uint64_t, std::less<>> words;
  uint64_t total = 0;
  CodePointTrie trie;

  void Rebuild() {
    std::vector<std::pair<std::string_view, uint64_t>> sorted(words.begin(), words.end());
    trie = CodePointTrie::Build(
        sorted.size(), [&](size_t i) { return sorted[i].first; },
        [&](size_t i) { return sorted[i].second; }, /*direct_root=*/false);
  }
};

}  // namespace

JiebaPaths JiebaPaths::FromDir(std::string_view dir) {
  std::string d(dir);
  return JiebaPaths{d + "/dict.txt", d + "/analyse/idf.txt", d + "/finalseg/prob_start.py",
                    d + "/finalseg/prob_trans.py", d + "/finalseg/prob_emit.py"};
}

struct SegmenterData {
  FlatTable<uint64_t> dict;
  CodePointTrie trie;  // the same words as `dict`
  uint64_t base_total = 0;
  std::array<double, 4> start{};
  std::array<std::array<double, 4>, 4> trans{};
  std::array<std::unordered_map<char32_t, double>, 4> emit;

  mutable std::mutex mu;
  std::shared_ptr<const UserDict> user = std::make_shared<UserDict>();

  std::shared_ptr<const UserDict> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu);
    return user;
  }
};

namespace {

// One consistent view of base + user dictionary for the duration of a Cut.
class DictView {
 public:
  DictView(const FlatTable<uint64_t>& base, const CodePointTrie& trie, uint64_t base_total,
           std::shared_ptr<const UserDict> user)
      : base_(base), trie_(trie), user_(std::move(user)) {
    log_total_ = std::log(static_cast<double>(base_total + user_->total));
    total_ = static_cast<double>(base_total + user_->total);
  }

  uint64_t Freq(std::string_view w) const {
    if (!user_->words.empty()) {
      auto it = user_->words.find(w);
      if (it != user_->words.end()) {
        return it->second;
      }
    }
    const uint64_t* f = base_.Find(w);
    return f ? *f : 0;
  }
  bool HasPrefix(std::string_view p) const {
    if (base_.HasPrefix(p)) {
      return true;
    }
    auto it = user_->words.lower_bound(p);
    return it != user_->words.end() && std::string_view{it->first}.substr(0, p.size()) == p;
  }
  // Looks up `frag` in one pass: returns whether some word starts with it and sets `*freq` (0 when
  // it is not a word). `*from` is the base table's lower bound for a prefix of `frag` (0 at
  // first) and is advanced, so extending a fragment costs a shrinking binary search.
  bool Lookup(std::string_view frag, size_t* from, uint64_t* freq) const {
    size_t i = base_.LowerBound(frag, *from);
    *from = i;
    bool prefix = i < base_.size() && base_.Key(i).substr(0, frag.size()) == frag;
    *freq = (prefix && base_.Key(i).size() == frag.size()) ? base_.Value(i) : 0;
    if (!user_->words.empty()) {
      auto it = user_->words.lower_bound(frag);
      if (it != user_->words.end() && std::string_view{it->first}.substr(0, frag.size()) == frag) {
        prefix = true;
        if (it->first.size() == frag.size()) {
          *freq = it->second;
        }
      }
    }
    return prefix;
  }
  double log_total() const { return log_total_; }
  double total() const { return total_; }
  const CodePointTrie& trie() const { return trie_; }
  const CodePointTrie& user_trie() const { return user_->trie; }

 private:
  const FlatTable<uint64_t>& base_;
  const CodePointTrie& trie_;
  std::shared_ptr<const UserDict> user_;
  double log_total_ = 0;
  double total_ = 0;
};

class Cutter {
 public:
  // `reference` selects the original DAG construction (one binary search of the sorted table per
  // fragment) instead of the trie walk; both give the same tokens (a test compares them).
  Cutter(const SegmenterData& impl, const DictView& view, std::string_view text, bool hmm,
         std::vector<Token>* out, bool reference = false)
      : impl_(impl), view_(view), text_(text), hmm_(hmm), reference_(reference), out_(out) {}

  void Run() {
    std::vector<Unit>& block = block_;
    block.clear();
    size_t pos = 0;
    while (pos < text_.size()) {
      size_t at = pos;
      char32_t cp = base::DecodeUtf8(text_, &pos);
      if (cp != base::kInvalidCodePoint && IsHan(cp)) {
        block.push_back({at, pos, true, cp});
        continue;
      }
      if (!IsWordChar(cp)) {
        CutBlock(block);
        block.clear();
        continue;
      }
      // A run of other word characters; a '.' between ASCII digits stays inside ("3.5").
      for (;;) {
        if (pos + 1 < text_.size() && text_[pos] == '.' && IsAsciiDigit(text_[pos - 1]) &&
            IsAsciiDigit(text_[pos + 1])) {
          pos += 1;
          continue;
        }
        size_t next = pos;
        if (next >= text_.size()) {
          break;
        }
        char32_t c2 = base::DecodeUtf8(text_, &next);
        if (!IsWordChar(c2) || IsHan(c2)) {
          break;
        }
        pos = next;
      }
      block.push_back({at, pos, false, 0});
    }
    CutBlock(block);
  }

 private:
  std::string_view Span(const std::vector<Unit>& u, size_t from, size_t to) const {
    return text_.substr(u[from].begin, u[to - 1].end - u[from].begin);
  }

  void Emit(const std::vector<Unit>& u, size_t from, size_t to) {
    Token t;
    t.begin = u[from].begin;
    t.text = std::string(Span(u, from, to));
    bool han = false;
    for (size_t i = from; i < to; ++i) {
      han = han || u[i].han;
    }
    if (han) {
      t.kind = TokenKind::kHan;
    } else {
      bool digits = true;
      for (char c : t.text) {
        digits = digits && (IsAsciiDigit(c) || c == '.');
      }
      t.kind = digits ? TokenKind::kNumber : TokenKind::kWord;
    }
    out_->push_back(std::move(t));
  }

  void CutBlock(const std::vector<Unit>& u) {
    const size_t n = u.size();
    if (n == 0) {
      return;
    }
    // DAG: for each start k, the ends (inclusive) of dictionary words starting there, in
    // dag_[dag_first_[k], dag_first_[k + 1]).
    if (reference_) {
      BuildDagReference(u);
    } else {
      BuildDag(u);
    }
    // Maximum-probability path, right to left.
    std::vector<std::pair<double, size_t>>& route = route_;
    route.assign(n + 1, {0.0, 0});
    for (size_t idx = n; idx-- > 0;) {
      std::pair<double, size_t> best{-std::numeric_limits<double>::infinity(), idx};
      for (size_t e = dag_first_[idx]; e < dag_first_[idx + 1]; ++e) {
        const auto [x, f] = dag_[e];
        double p =
            std::log(static_cast<double>(f == 0 ? 1 : f)) - view_.log_total() + route[x + 1].first;
        if (p > best.first || (p == best.first && x > best.second)) {
          best = {p, x};
        }
      }
      route[idx] = best;
    }
    size_t x = 0;
    size_t buf_begin = 0;
    size_t buf_len = 0;
    while (x < n) {
      size_t y = route[x].second + 1;
      if (hmm_ && y - x == 1 && u[x].han) {
        if (buf_len == 0) {
          buf_begin = x;
        }
        ++buf_len;
      } else {
        Flush(u, buf_begin, buf_len);
        buf_len = 0;
        Emit(u, x, y);
      }
      x = y;
    }
    Flush(u, buf_begin, buf_len);
  }

  void BuildDagReference(const std::vector<Unit>& u) {
    const size_t n = u.size();
    dag_.clear();
    dag_first_.assign(1, 0);
    for (size_t k = 0; k < n; ++k) {
      size_t from = 0;
      size_t at = dag_.size();
      for (size_t i = k; i < n; ++i) {
        std::string_view frag = Span(u, k, i + 1);
        uint64_t f = 0;
        if (!view_.Lookup(frag, &from, &f)) {
          break;
        }
        if (f > 0) {
          dag_.push_back({i, f});
        }
      }
      if (dag_.size() == at) {
        dag_.push_back({k, 0});
      }
      dag_first_.push_back(dag_.size());
    }
  }

  // Walks the base trie and the user dictionary's trie side by side from each start; a user word
  // overrides the base frequency (as DictView::Lookup does).
  void BuildDag(const std::vector<Unit>& u) {
    const size_t n = u.size();
    const CodePointTrie& base = view_.trie();
    const CodePointTrie& user = view_.user_trie();
    const bool has_user = !user.empty();
    dag_.clear();
    dag_first_.assign(1, 0);
    for (size_t k = 0; k < n; ++k) {
      size_t at = dag_.size();
      uint32_t bn = 0;
      uint32_t un = 0;
      bool b_ok = true;
      bool u_ok = has_user;
      for (size_t i = k; i < n; ++i) {
        const Unit& unit = u[i];
        if (unit.han) {
          if (b_ok) {
            bn = base.Child(bn, unit.cp);
            b_ok = bn != CodePointTrie::kNone;
          }
          if (u_ok) {
            un = user.Child(un, unit.cp);
            u_ok = un != CodePointTrie::kNone;
          }
        } else {
          size_t pos = unit.begin;
          while (pos < unit.end && (b_ok || u_ok)) {
            char32_t cp = base::DecodeUtf8(text_, &pos);
            if (b_ok) {
              bn = base.Child(bn, cp);
              b_ok = bn != CodePointTrie::kNone;
            }
            if (u_ok) {
              un = user.Child(un, cp);
              u_ok = un != CodePointTrie::kNone;
            }
          }
        }
        if (!b_ok && !u_ok) {
          break;
        }
        uint64_t f = b_ok ? base.Freq(bn) : 0;
        if (u_ok && user.Freq(un) > 0) {
          f = user.Freq(un);
        }
        if (f > 0) {
          dag_.push_back({i, f});
        }
      }
      if (dag_.size() == at) {
        dag_.push_back({k, 0});
      }
      dag_first_.push_back(dag_.size());
    }
  }

  void Flush(const std::vector<Unit>& u, size_t from, size_t len) {
    if (len == 0) {
      return;
    }
    if (len == 1) {
      Emit(u, from, from + 1);
      return;
    }
    if (view_.Freq(Span(u, from, from + len)) == 0) {
      Viterbi(u, from, len);
      return;
    }
    for (size_t i = from; i < from + len; ++i) {
      Emit(u, i, i + 1);
    }
  }

  double EmitP(int state, const std::vector<Unit>& u, size_t i) const {
    char32_t cp = u[i].cp;
    const auto& table = impl_.emit[static_cast<size_t>(state)];
    auto it = table.find(cp);
    return it == table.end() ? kMinFloat : it->second;
  }

  // Labels the characters u[from, from+len) B/M/E/S with jieba's HMM and emits the words.
  void Viterbi(const std::vector<Unit>& u, size_t from, size_t len) {
    std::vector<std::array<double, 4>> v(len);
    std::vector<std::array<int, 4>> back(len);
    for (int y = 0; y < 4; ++y) {
      v[0][y] = impl_.start[y] + EmitP(y, u, from);
      back[0][y] = y;
    }
    for (size_t t = 1; t < len; ++t) {
      for (int y = 0; y < 4; ++y) {
        double em = EmitP(y, u, from + t);
        double best = -std::numeric_limits<double>::infinity();
        int best_prev = kPrevStates[y][0];
        for (int y0 : kPrevStates[y]) {
          double p = v[t - 1][y0] + impl_.trans[y0][y] + em;
          if (p > best || (p == best && y0 > best_prev)) {
            best = p;
            best_prev = y0;
          }
        }
        v[t][y] = best;
        back[t][y] = best_prev;
      }
    }
    int state = v[len - 1][kE] > v[len - 1][kS] ? kE : kS;
    std::vector<int> states(len);
    for (size_t t = len; t-- > 0;) {
      states[t] = state;
      state = back[t][state];
    }
    size_t begin = 0;
    size_t next = 0;
    for (size_t i = 0; i < len; ++i) {
      if (states[i] == kB) {
        begin = i;
      } else if (states[i] == kE) {
        Emit(u, from + begin, from + i + 1);
        next = i + 1;
      } else if (states[i] == kS) {
        Emit(u, from + i, from + i + 1);
        next = i + 1;
      }
    }
    if (next < len) {
      Emit(u, from + next, from + len);
    }
  }

  const SegmenterData& impl_;
  const DictView& view_;
  std::string_view text_;
  bool hmm_;
  bool reference_;
  std::vector<Token>* out_;
  // Buffers reused across the blocks of one text.
  std::vector<Unit> block_;
  std::vector<std::pair<size_t, uint64_t>> dag_;
  std::vector<size_t> dag_first_;
  std::vector<std::pair<double, size_t>> route_;
};

base::Status LoadDict(const std::string& path, SegmenterData* impl) {
  KECHAN_ASSIGN_OR_RETURN(std::string data, internal::ReadDataFile(path, kJiebaPackage));
  std::vector<std::pair<std::string, uint64_t>> entries;
  entries.reserve(360000);
  std::string_view s(data);
  if (s.substr(0, 3) == "\xEF\xBB\xBF") {
    s.remove_prefix(3);
  }
  size_t line_no = 0;
  uint64_t total = 0;
  while (!s.empty()) {
    ++line_no;
    size_t eol = s.find('\n');
    std::string_view line = s.substr(0, eol);
    s.remove_prefix(eol == std::string_view::npos ? s.size() : eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      continue;
    }
    size_t sp = line.find(' ');
    std::string_view word = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    std::string_view freq_text = rest.substr(0, rest.find(' '));
    uint64_t freq = 0;
    bool ok = !freq_text.empty() && freq_text.size() < 19 &&
              base::FirstInvalidUtf8Byte(word) == std::string_view::npos;
    for (char c : freq_text) {
      ok = ok && IsAsciiDigit(c);
      freq = freq * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok) {
      std::string where = path + ":" + std::to_string(line_no);
      return base::InvalidArgument(
          where, "text.dict_line",
          "malformed dictionary line " + where + " (want: word freq [tag])",
          "词典行格式错误 " + where + "（应为：词 频次 [词性]）");
    }
    std::string w(word);
    for (char& c : w) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');  // the normaliser case-folds the input
      }
    }
    total += freq;
    entries.emplace_back(std::move(w), freq);
  }
  if (entries.empty() || total == 0) {
    return base::FailedPrecondition("text.dict_empty", "dictionary " + path + " is empty",
                                    "词典 " + path + " 为空", path);
  }
  impl->dict = FlatTable<uint64_t>(std::move(entries));
  const FlatTable<uint64_t>& dict = impl->dict;
  impl->trie = CodePointTrie::Build(
      dict.size(), [&](size_t i) { return dict.Key(i); }, [&](size_t i) { return dict.Value(i); },
      /*direct_root=*/true);
  impl->base_total = total;
  return base::Status::Ok();
}

base::Status LoadHmm(const JiebaPaths& paths, SegmenterData* impl) {
  auto bad = [](const std::string& file, const std::string& what) {
    return base::InvalidArgument(file, "text.hmm_table",
                                 "jieba HMM table " + file + " is not usable: " + what,
                                 "jieba HMM 表 " + file + " 不可用：" + what);
  };
  KECHAN_ASSIGN_OR_RETURN(std::string start_src,
                          internal::ReadDataFile(paths.prob_start, kJiebaPackage));
  KECHAN_ASSIGN_OR_RETURN(std::string trans_src,
                          internal::ReadDataFile(paths.prob_trans, kJiebaPackage));
  KECHAN_ASSIGN_OR_RETURN(std::string emit_src,
                          internal::ReadDataFile(paths.prob_emit, kJiebaPackage));
  KECHAN_ASSIGN_OR_RETURN(internal::PyValue start,
                          internal::ParsePyTable(start_src, paths.prob_start));
  KECHAN_ASSIGN_OR_RETURN(internal::PyValue trans,
                          internal::ParsePyTable(trans_src, paths.prob_trans));
  KECHAN_ASSIGN_OR_RETURN(internal::PyValue emit,
                          internal::ParsePyTable(emit_src, paths.prob_emit));
  impl->start.fill(kMinFloat);
  for (auto& row : impl->trans) {
    row.fill(kMinFloat);
  }
  if (!start.is_dict || start.dict.size() != 4) {
    return bad(paths.prob_start, "want a dict of the four states B, E, M, S");
  }
  for (const auto& [k, v] : start.dict) {
    int s = StateIndex(k);
    if (s < 0 || v.is_dict) {
      return bad(paths.prob_start, "unexpected key " + k);
    }
    impl->start[s] = v.number;
  }
  if (!trans.is_dict) {
    return bad(paths.prob_trans, "want a dict");
  }
  for (const auto& [k, row] : trans.dict) {
    int s = StateIndex(k);
    if (s < 0 || !row.is_dict) {
      return bad(paths.prob_trans, "unexpected key " + k);
    }
    for (const auto& [k2, v] : row.dict) {
      int s2 = StateIndex(k2);
      if (s2 < 0 || v.is_dict) {
        return bad(paths.prob_trans, "unexpected key " + k2);
      }
      impl->trans[s][s2] = v.number;
    }
  }
  if (!emit.is_dict || emit.dict.size() != 4) {
    return bad(paths.prob_emit, "want a dict of the four states B, E, M, S");
  }
  for (const auto& [k, row] : emit.dict) {
    int s = StateIndex(k);
    if (s < 0 || !row.is_dict || row.dict.empty()) {
      return bad(paths.prob_emit, "unexpected or empty key " + k);
    }
    auto& table = impl->emit[static_cast<size_t>(s)];
    table.reserve(row.dict.size());
    for (const auto& [ch, v] : row.dict) {
      size_t pos = 0;
      char32_t cp = ch.empty() ? base::kInvalidCodePoint : base::DecodeUtf8(ch, &pos);
      if (cp == base::kInvalidCodePoint || pos != ch.size() || v.is_dict) {
        return bad(paths.prob_emit, "key is not a single character: " + ch);
      }
      table[cp] = v.number;
    }
  }
  return base::Status::Ok();
}

}  // namespace

struct Segmenter::Impl : SegmenterData {};

Segmenter::Segmenter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Segmenter::~Segmenter() = default;

base::Result<std::unique_ptr<Segmenter>> Segmenter::Load(const JiebaPaths& paths) {
  auto impl = std::make_unique<Impl>();
  KECHAN_RETURN_IF_ERROR(LoadDict(paths.dict_txt, impl.get()));
  KECHAN_RETURN_IF_ERROR(LoadHmm(paths, impl.get()));
  return std::unique_ptr<Segmenter>(new Segmenter(std::move(impl)));
}

std::vector<Token> Segmenter::Cut(std::string_view text) const {
  std::vector<Token> out;
  DictView view(impl_->dict, impl_->trie, impl_->base_total, impl_->Snapshot());
  Cutter(*impl_, view, text, /*hmm=*/true, &out).Run();
  return out;
}

std::vector<Token> Segmenter::CutForSearch(std::string_view text) const {
  std::vector<Token> words;
  DictView view(impl_->dict, impl_->trie, impl_->base_total, impl_->Snapshot());
  Cutter(*impl_, view, text, /*hmm=*/true, &words).Run();
  // Frequency of the characters cps[from, to) (user dictionary first), 0 when not a word.
  auto freq = [&](const std::vector<char32_t>& cps, size_t from, size_t to) -> uint64_t {
    uint32_t b = 0;
    uint32_t u = 0;
    bool b_ok = true;
    bool u_ok = !view.user_trie().empty();
    for (size_t i = from; i < to && (b_ok || u_ok); ++i) {
      if (b_ok) {
        b = view.trie().Child(b, cps[i]);
        b_ok = b != CodePointTrie::kNone;
      }
      if (u_ok) {
        u = view.user_trie().Child(u, cps[i]);
        u_ok = u != CodePointTrie::kNone;
      }
    }
    if (u_ok && view.user_trie().Freq(u) > 0) {
      return view.user_trie().Freq(u);
    }
    return b_ok ? view.trie().Freq(b) : 0;
  };
  std::vector<Token> out;
  out.reserve(words.size() + words.size() / 2);
  std::vector<char32_t> cps;
  std::vector<size_t> starts;
  for (Token& w : words) {
    const bool han = w.kind == TokenKind::kHan;
    const size_t begin = w.begin;
    std::string_view span = text.substr(w.begin, w.text.size());
    out.push_back(std::move(w));
    if (!han) {
      continue;
    }
    cps.clear();
    starts.clear();
    for (size_t pos = 0; pos < span.size();) {
      starts.push_back(pos);
      cps.push_back(base::DecodeUtf8(span, &pos));
    }
    starts.push_back(span.size());
    const size_t n = cps.size();
    for (size_t len : {size_t{2}, size_t{3}}) {
      if (n <= len) {
        continue;
      }
      for (size_t i = 0; i + len <= n; ++i) {
        if (freq(cps, i, i + len) == 0) {
          continue;
        }
        Token sub;
        sub.text = std::string(span.substr(starts[i], starts[i + len] - starts[i]));
        sub.begin = begin + starts[i];
        sub.kind = TokenKind::kHan;
        out.push_back(std::move(sub));
      }
    }
  }
  return out;
}

std::vector<Token> Segmenter::CutReference(std::string_view text) const {
  std::vector<Token> out;
  DictView view(impl_->dict, impl_->trie, impl_->base_total, impl_->Snapshot());
  Cutter(*impl_, view, text, /*hmm=*/true, &out, /*reference=*/true).Run();
  return out;
}

base::Status Segmenter::AddWord(std::string_view word, uint64_t freq) {
  auto invalid = [&](const std::string& why_en, const std::string& why_zh) {
    return base::InvalidArgument("word", "text.user_word", "user dictionary word: " + why_en,
                                 "用户词典词条：" + why_zh);
  };
  if (word.empty()) {
    return invalid("must not be empty", "不能为空");
  }
  if (base::FirstInvalidUtf8Byte(word) != std::string_view::npos) {
    return invalid("not valid UTF-8", "不是有效的 UTF-8");
  }
  size_t count = 0;
  size_t pos = 0;
  while (pos < word.size()) {
    char32_t cp = base::DecodeUtf8(word, &pos);
    if (!IsWordChar(cp)) {
      return invalid("may contain only letters, digits and Chinese characters",
                     "只能包含汉字、字母和数字");
    }
    ++count;
  }
  if (count > kMaxUserWordCodePoints) {
    return invalid("longer than 32 characters", "超过 32 个字符");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (freq == 0) {
    // jieba's suggest_freq: just enough for the word to beat its best split.
    DictView view(impl_->dict, impl_->trie, impl_->base_total, impl_->user);
    std::vector<Token> parts;
    Cutter(*impl_, view, word, /*hmm=*/false, &parts).Run();
    double p = 1.0;
    for (const Token& t : parts) {
      uint64_t f = view.Freq(t.text);
      p *= static_cast<double>(f == 0 ? 1 : f) / view.total();
    }
    uint64_t current = view.Freq(word);
    freq =
        std::max<uint64_t>(static_cast<uint64_t>(p * view.total()) + 1, current == 0 ? 1 : current);
  }
  auto next = std::make_shared<UserDict>(*impl_->user);
  auto [it, inserted] = next->words.try_emplace(std::string(word), freq);
  if (!inserted) {
    next->total -= it->second;
    it->second = freq;
  }
  next->total += freq;
  next->Rebuild();
  impl_->user = std::move(next);
  return base::Status::Ok();
}

uint64_t Segmenter::Frequency(std::string_view word) const {
  DictView view(impl_->dict, impl_->trie, impl_->base_total, impl_->Snapshot());
  return view.Freq(word);
}

size_t Segmenter::dictionary_size() const { return impl_->dict.size(); }

size_t Segmenter::user_dictionary_size() const { return impl_->Snapshot()->words.size(); }

size_t Segmenter::MemoryBytes() const {
  size_t bytes = impl_->dict.MemoryBytes() + impl_->trie.MemoryBytes();
  for (const auto& t : impl_->emit) {
    bytes += t.size() * (sizeof(char32_t) + sizeof(double) + 2 * sizeof(void*)) +
             t.bucket_count() * sizeof(void*);
  }
  return bytes;
}

}  // namespace kechan::text
