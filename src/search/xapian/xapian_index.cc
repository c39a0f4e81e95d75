#include "search/xapian/xapian_index.h"

#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/utf8.h"

namespace kechan::search {
namespace {

constexpr char kSep = '\x1f';            // separates several values of one facet in a value slot
constexpr Xapian::valueno kKeySlot = 0;  // "type<kSep>id": the hit's key without its record
constexpr Xapian::valueno kFacetSlot0 = 1;
constexpr Xapian::valueno kNumberSlot0 = 20;

Xapian::valueno FacetSlot(std::string_view facet) {
  const auto& names = FacetNames();
  return kFacetSlot0 +
         static_cast<Xapian::valueno>(std::find(names.begin(), names.end(), facet) - names.begin());
}
Xapian::valueno NumberSlot(std::string_view name) {
  const auto& names = NumberNames();
  return kNumberSlot0 +
         static_cast<Xapian::valueno>(std::find(names.begin(), names.end(), name) - names.begin());
}
// Appends instead of operator+: GCC 12's -O3 -Wrestrict has a false positive on "Q" + string.
std::string Term3(std::string_view prefix, std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(prefix.size() + a.size() + 1 + b.size());
  out.append(prefix).append(a);
  if (!b.empty()) {
    out.append(":").append(b);
  }
  return out;
}
std::string IdTerm(std::string_view type, std::string_view id) { return Term3("Q", type, id); }
std::string FacetTerm(std::string_view facet, std::string_view value) {
  return Term3("K", facet, value);
}

base::Status FromXapian(const Xapian::Error& e, const std::string& dir) {
  return base::Internal("search.xapian",
                        "search index " + dir + ": " + e.get_type() + ": " + e.get_msg(),
                        "检索索引 " + dir + " 出错：" + e.get_msg());
}

// Counts facet values (several per document, kSep-separated) over the matches looked at.
class FacetSpy : public Xapian::MatchSpy {
 public:
  // Reads only the facets whose value slot holds a value in some document of `db` (a slot no
  // document uses needs no read per match).
  void OnlyUsedSlots(const Xapian::Database& db) {
    const auto& names = FacetNames();
    used_.clear();
    for (size_t i = 0; i < names.size(); ++i) {
      if (db.get_value_freq(kFacetSlot0 + static_cast<Xapian::valueno>(i)) > 0) {
        used_.push_back(i);
      }
    }
    only_used_ = true;
  }
  void operator()(const Xapian::Document& doc, double /*wt*/) override {
    const auto& names = FacetNames();
    const size_t count = only_used_ ? used_.size() : names.size();
    for (size_t j = 0; j < count; ++j) {
      const size_t i = only_used_ ? used_[j] : j;
      std::string v = doc.get_value(kFacetSlot0 + static_cast<Xapian::valueno>(i));
      if (v.empty()) {
        continue;
      }
      auto& counts = counts_[names[i]];
      size_t start = 0;
      while (start <= v.size()) {
        size_t end = v.find(kSep, start);
        if (end == std::string::npos) {
          end = v.size();
        }
        if (end > start) {
          ++counts[v.substr(start, end - start)];
        }
        start = end + 1;
      }
    }
  }
  std::map<std::string, std::vector<FacetCount>> Result() const { return Sorted(counts_); }

  // The counts of several spies (one per shard) added up.
  static std::map<std::string, std::vector<FacetCount>> Merged(
      const std::vector<const FacetSpy*>& spies) {
    std::map<std::string, std::map<std::string, int64_t>> sum;
    for (const FacetSpy* spy : spies) {
      for (const auto& [facet, counts] : spy->counts_) {
        for (const auto& [value, n] : counts) {
          sum[facet][value] += n;
        }
      }
    }
    return Sorted(sum);
  }

 private:
  static std::map<std::string, std::vector<FacetCount>> Sorted(
      const std::map<std::string, std::map<std::string, int64_t>>& all) {
    std::map<std::string, std::vector<FacetCount>> out;
    for (const auto& [facet, counts] : all) {
      auto& list = out[facet];
      for (const auto& [value, n] : counts) {
        list.push_back({value, n});
      }
      std::sort(list.begin(), list.end(), [](const FacetCount& a, const FacetCount& b) {
        return a.count != b.count ? a.count > b.count : a.value < b.value;
      });
      if (list.size() > 50) {
        list.resize(50);
      }
    }
    return out;
  }

  std::map<std::string, std::map<std::string, int64_t>> counts_;
  bool only_used_ = false;
  std::vector<size_t> used_;  // indexes into FacetNames()
};

// Ranking: Xapian's BM25 (k1 1.0, b 0.5), then coordination over the first kRerankDepth matches
// (score × covered share of the query weight ^ kCoordinationPower). Chosen on the retrieval
// fixture and the synthetic corpus (bench/README.md), not per query.
constexpr double kBm25K1 = 1.0;
constexpr double kBm25B = 0.5;
constexpr double kCoordinationPower = 2.0;
constexpr size_t kRerankDepth = 100;

// The plan's type and facet filters as groups of terms: a document must hold some term of every
// group. And the terms of its excluded keys (a document holding one is left out).
std::vector<std::vector<std::string>> FilterTermGroups(const QueryPlan& plan) {
  std::vector<std::vector<std::string>> groups;
  if (!plan.types.empty()) {
    auto& g = groups.emplace_back();
    for (const auto& t : plan.types) {
      g.push_back(FacetTerm("type", t));
    }
  }
  for (const auto& [facet, values] : plan.filters) {
    auto& g = groups.emplace_back();
    for (const auto& v : values) {
      g.push_back(FacetTerm(facet, v));
    }
  }
  return groups;
}

std::vector<std::string> ExcludedTerms(const QueryPlan& plan) {
  std::vector<std::string> terms;
  terms.reserve(plan.exclude_keys.size());
  for (const auto& k : plan.exclude_keys) {
    terms.push_back(Term3("Q", k, ""));
  }
  return terms;
}

// The plan as a Xapian query: an OR of its terms, each scaled by its weight (and by `idf[i]`
// when given, for GlobalBm25), under the filters.
Xapian::Query BuildQuery(const QueryPlan& plan, const std::vector<double>* idf = nullptr) {
  // Not a copy of the static Xapian::Query::MatchAll: shard threads build their queries at the
  // same time, and Xapian's reference counts are not atomic, so copying that one shared object
  // from several threads corrupted its count (an ASan use-after-free seen in CI, a segfault in
  // a bench). An empty term is Xapian's match-all query, made fresh here.
  Xapian::Query text{std::string()};
  if (!plan.terms.empty()) {
    std::vector<Xapian::Query> parts;
    parts.reserve(plan.terms.size());
    for (size_t i = 0; i < plan.terms.size(); ++i) {
      const PlanTerm& t = plan.terms[i];
      double scale = idf != nullptr ? t.weight * (*idf)[i] : t.weight;
      parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(t.term), scale);
    }
    text = Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
  }
  std::vector<Xapian::Query> filters;
  for (const auto& group : FilterTermGroups(plan)) {
    std::vector<Xapian::Query> any(group.begin(), group.end());
    filters.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  for (const auto& [name, range] : plan.ranges) {
    Xapian::valueno slot = NumberSlot(name);
    if (range.min && range.max) {
      filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, slot,
                           Xapian::sortable_serialise(*range.min),
                           Xapian::sortable_serialise(*range.max));
    } else if (range.min) {
      filters.emplace_back(Xapian::Query::OP_VALUE_GE, slot,
                           Xapian::sortable_serialise(*range.min));
    } else if (range.max) {
      filters.emplace_back(Xapian::Query::OP_VALUE_LE, slot,
                           Xapian::sortable_serialise(*range.max));
    }
  }
  Xapian::Query q = text;
  if (!filters.empty()) {
    q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                      Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
  }
  if (!plan.exclude_keys.empty()) {
    const std::vector<std::string> excluded = ExcludedTerms(plan);
    std::vector<Xapian::Query> ex(excluded.begin(), excluded.end());
    q = Xapian::Query(Xapian::Query::OP_AND_NOT, q,
                      Xapian::Query(Xapian::Query::OP_OR, ex.begin(), ex.end()));
  }
  return q;
}

// A document write, applied by the shard's writer thread. `seq` numbers every write of the index
// in the order it was queued (1, 2, ...), so a reader can wait for exactly the writes before it.
struct Op {
  enum class Kind { kReplace, kDelete, kCommit };
  Kind kind = Kind::kReplace;
  std::string id_term;
  IndexedDocument doc;  // kReplace
  uint64_t seq = 0;
};

// The shard of a document: FNV-1a of its id term (stable across runs and builds, unlike
// std::hash, because it decides where documents live on disk).
size_t ShardOf(std::string_view id_term, size_t shards) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : id_term) {
    h = (h ^ c) * 1099511628211ull;
  }
  return static_cast<size_t>(h % shards);
}

Xapian::Document ToXapian(const IndexedDocument& in, const std::string& id_term) {
  Xapian::Document d;
  for (const auto& [term, wdf] : in.terms) {
    d.add_term(term, wdf);
  }
  const Document& doc = in.doc;
  d.add_boolean_term(id_term);
  d.add_boolean_term(FacetTerm("type", doc.type));
  d.add_value(FacetSlot("type"), doc.type);
  for (const auto& [facet, values] : doc.facets) {
    std::string joined;
    for (const auto& v : values) {
      if (v.empty() || v.size() > 200) {
        continue;
      }
      d.add_boolean_term(FacetTerm(facet, v));
      if (!joined.empty()) {
        joined += kSep;
      }
      joined += v;
    }
    if (!joined.empty() && facet != "type") {
      d.add_value(FacetSlot(facet), joined);
    }
  }
  for (const auto& [name, value] : doc.numbers) {
    d.add_value(NumberSlot(name), Xapian::sortable_serialise(value));
  }
  d.add_value(kKeySlot, doc.type + kSep + doc.id);
  d.set_data(DocumentToJson(doc));
  return d;
}

// The type and id of a stored document: from its key slot (no record read), or from its record
// when the index was written before the slot existed.
Document KeyOf(const Xapian::Document& d) {
  Document out;
  std::string key = d.get_value(kKeySlot);
  size_t sep = key.find(kSep);
  if (sep != std::string::npos) {
    out.type = key.substr(0, sep);
    out.id = key.substr(sep + 1);
    return out;
  }
  auto full = DocumentFromJson(d.get_data());
  if (full.ok()) {
    out.type = std::move(full->type);
    out.id = std::move(full->id);
  }
  return out;
}

// Pending writes per shard before Replace waits for the writer (bounds memory). A full queue's
// producer sleeps until the writer has taken half of it, so a bulk load hands over in bursts
// instead of waking the producer once per document.
constexpr size_t kQueueLimit = 256;
constexpr size_t kQueueResume = kQueueLimit / 2;

// BM25 exactly as Xapian::BM25Weight(k1, 0, 1, b, 0.5) computes it, except that the term's idf
// comes in through the query's scale factor (OP_SCALE_WEIGHT by plan weight × idf) and the average
// document length through the constructor, both taken from all shards together. So each shard
// can be searched on its own thread and still score every document as one database would
// (SearchShardTest.ParallelShardsScoreLikeTheCombinedDatabase).
class GlobalBm25 : public Xapian::Weight {
 public:
  explicit GlobalBm25(double average_length, double bonus = 0)
      : average_length_(average_length), bonus_(bonus) {
    need_stat(WDF);
    need_stat(WDF_MAX);
    need_stat(DOC_LENGTH);
    need_stat(DOC_LENGTH_MIN);
  }
  std::string name() const override { return "kechan::GlobalBm25"; }
  GlobalBm25* clone() const override { return new GlobalBm25(average_length_, bonus_); }
  void init(double factor) override {
    termweight_ = factor * (kBm25K1 + 1);
    extra_ = factor * bonus_;
    len_factor_ = average_length_ != 0 ? 1 / average_length_ : 0;
  }
  double get_sumpart(Xapian::termcount wdf, Xapian::termcount len,
                     Xapian::termcount /*uniqterms*/) const override {
    return Part(termweight_, wdf, len, len_factor_) + extra_;
  }
  // One term's BM25 part: `termweight` = (k1 + 1) × the term's scale factor (weight × idf),
  // `len_factor` = 1 / the average document length. Also used for common terms' parts added
  // after the matcher (the same arithmetic, so the same scores).
  static double Part(double termweight, double wdf, double len, double len_factor) {
    double normlen = std::max(len * len_factor, kMinNormLen);
    return termweight * (wdf / (kBm25K1 * (normlen * kBm25B + (1 - kBm25B)) + wdf));
  }
  // The highest part a term can give: at its highest wdf and the shortest length a document with
  // that wdf can have (Part grows with wdf and falls with length).
  static double MaxPart(double termweight, double wdf_max, double doclength_lower_bound,
                        double len_factor) {
    return Part(termweight, wdf_max, std::max(wdf_max, doclength_lower_bound), len_factor);
  }
  double get_maxpart() const override {
    return MaxPart(termweight_, get_wdf_upper_bound(), get_doclength_lower_bound(), len_factor_) +
           extra_;
  }
  double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0; }
  double get_maxextra() const override { return 0; }
  static constexpr double kMinNormLen = 0.5;

 private:
  double average_length_;
  double bonus_;
  double extra_ = 0;
  double termweight_ = 0;
  double len_factor_ = 0;
};

// Xapian::BM25Weight's idf part: log((N - n + 0.5) / (n + 0.5)), with ratios below 2 lifted to
// ratio / 2 + 1 so terms in more than half the documents keep a small positive weight.
double Bm25Idf(double docs, double termfreq) {
  double tw = (docs - termfreq + 0.5) / (termfreq + 0.5);
  if (tw < 2) {
    tw = tw * 0.5 + 1;
  }
  return std::log(tw);
}

// The plan with every bigram term that equals one of its word terms ("B机场" and "机场") folded
// into the word (weights added): one posting list read instead of two nearly identical ones.
QueryPlan MergeBigramsIntoWords(const QueryPlan& in) {
  QueryPlan out = in;
  out.terms.clear();
  std::map<std::string, size_t, std::less<>> words;
  auto is_bigram = [](const PlanTerm& t) {
    return t.term.size() > kBigramPrefix.size() && t.term.rfind(kBigramPrefix, 0) == 0;
  };
  for (const PlanTerm& t : in.terms) {
    if (!is_bigram(t)) {
      words[t.term] = out.terms.size();
      out.terms.push_back(t);
    }
  }
  for (const PlanTerm& t : in.terms) {
    if (!is_bigram(t)) {
      continue;
    }
    auto w = words.find(std::string_view{t.term}.substr(kBigramPrefix.size()));
    if (w != words.end() && out.terms[w->second].synonym == t.synonym) {
      out.terms[w->second].weight += t.weight;
    } else {
      out.terms.push_back(t);
    }
  }
  return out;
}

// One match of one shard, before it is merged with the other shards' matches.
struct ShardMatch {
  double bm25 = 0;
  double score = 0;
  size_t shard = 0;
  Xapian::docid local = 0;
  Xapian::docid global = 0;  // the document number in the combined database (ties as Xapian)
  double covered = 0;
  std::vector<std::string> matched;
  double length = -1;  // the document's length, once read (common terms' BM25 parts)
};

// The query terms a plan asks for, sorted by term, with their summed weight.
struct AskedTerm {
  std::string term;
  double weight = 0;
  // A common term left out of the matcher's query: (k1 + 1) × its scale (weight × idf), for
  // its BM25 part added to the matches here (0 = the matcher scored it).
  double common_termweight = 0;
};

// Coverage of a shard's matches from the posting lists instead of each match's term list:
// for every asked term, one pass over its posting list skipping to the matches in document
// order. Posting lists are stored uncompressed and skip by chunk; term lists are zlib-compressed
// and read whole, which made coverage most of a query's time (perf: zlib 26%, pread 18%).
//
// With `add_common` (the matcher's query left the common terms out), a common term's BM25 part
// (AskedTerm::common_termweight) is added to the matches it is in, from the same posting list
// (wdf, document length): `len_factor` = 1 / average length.
void CoverFromPostings(Xapian::Database& db, const std::vector<AskedTerm>& asked,
                       std::vector<ShardMatch>& matches, bool want_terms, bool add_common,
                       double len_factor) {
  std::vector<size_t> order(matches.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return matches[a].local < matches[b].local; });
  for (const AskedTerm& t : asked) {
    Xapian::PostingIterator p = db.postlist_begin(t.term);
    const Xapian::PostingIterator end = db.postlist_end(t.term);
    for (size_t i : order) {
      if (p == end) {
        break;
      }
      ShardMatch& m = matches[i];
      p.skip_to(m.local);
      if (p != end && *p == m.local) {
        m.covered += t.weight;
        if (add_common && t.common_termweight > 0) {
          if (m.length < 0) {
            m.length = p.get_doclength();
          }
          m.bm25 += GlobalBm25::Part(t.common_termweight, p.get_wdf(), m.length, len_factor);
        }
        if (want_terms) {
          m.matched.push_back(t.term);
        }
      }
    }
  }
}

// The best `depth` documents of one shard for an OR of the plan's terms (each scaled by its weight
// × idf[i]) under its type and facet filters and excluded keys, scored with GlobalBm25's
// arithmetic: the same documents, scores and order (BM25 descending, then document number) as
// Xapian's matcher gives for BuildQuery(plan, &idf) — but pruned by MaxScore (Turtle and Flood,
// 1995): terms are ordered by their highest possible part; once `depth` documents are held, the
// terms whose highest parts together cannot lift a document past the depth-th score are
// "non-essential": only documents of the other terms are visited, and a non-essential term's list
// is read (skip_to) for a document only while its part could still decide. Xapian 1.4's OR tree
// prunes only where one whole branch falls below the threshold, which at 1M documents left the
// matcher walking nearly every posting of every term (the matcher cost the same at rerank depth
// 30 as at 100). Value ranges are not handled (the caller uses Xapian's matcher for them).
struct TopDocs {
  std::vector<std::pair<double, Xapian::docid>> docs;  // best first
  Xapian::doccount estimated = 0;
  Xapian::doccount upper_bound = 0;
  bool pruned = false;  // some document was never scored in full
};

TopDocs MaxScoreTopK(Xapian::Database& db, const QueryPlan& plan, const std::vector<double>& idf,
                     double len_factor, size_t depth, double cutoff) {
  struct List {
    Xapian::PostingIterator it;
    Xapian::PostingIterator end;
    double termweight = 0;
    double maxpart = 0;
    Xapian::doccount termfreq = 0;
    Xapian::docid cur = 0;  // the iterator's document, 0 once past the end (saves Xapian's calls)
    void Next() {
      ++it;
      cur = it == end ? 0 : *it;
    }
    void SkipTo(Xapian::docid did) {
      if (cur != 0 && cur < did) {
        it.skip_to(did);
        cur = it == end ? 0 : *it;
      }
    }
  };
  std::vector<List> lists;
  lists.reserve(plan.terms.size());
  const double len_lb0 = db.get_doclength_lower_bound();
  Xapian::doccount union_bound = 0;
  Xapian::doccount most_frequent = 0;
  for (size_t i = 0; i < plan.terms.size(); ++i) {
    const std::string& term = plan.terms[i].term;
    List l;
    l.termfreq = db.get_termfreq(term);
    if (l.termfreq == 0) {
      continue;
    }
    l.it = db.postlist_begin(term);
    l.end = db.postlist_end(term);
    l.cur = l.it == l.end ? 0 : *l.it;
    l.termweight = (kBm25K1 + 1) * plan.terms[i].weight * idf[i];
    // As GlobalBm25::get_maxpart, from this shard's bounds.
    l.maxpart =
        GlobalBm25::MaxPart(l.termweight, db.get_wdf_upper_bound(term), len_lb0, len_factor);
    union_bound += l.termfreq;
    most_frequent = std::max(most_frequent, l.termfreq);
    lists.push_back(std::move(l));
  }
  TopDocs out;
  if (lists.empty() || depth == 0) {
    return out;
  }
  std::stable_sort(lists.begin(), lists.end(),
                   [](const List& a, const List& b) { return a.maxpart < b.maxpart; });
  std::vector<double> prefix(lists.size());  // prefix[i] = highest parts of lists 0..i together
  double sum = 0;
  for (size_t i = 0; i < lists.size(); ++i) {
    sum += lists[i].maxpart;
    prefix[i] = sum;
  }
  // Filters: every group must hold the document (any of its terms), no excluded key may.
  struct Group {
    std::vector<std::pair<Xapian::PostingIterator, Xapian::PostingIterator>> terms;
  };
  auto group_of = [&](const std::vector<std::string>& terms) {
    Group g;
    for (const std::string& t : terms) {
      g.terms.emplace_back(db.postlist_begin(t), db.postlist_end(t));
    }
    return g;
  };
  std::vector<Group> groups;
  for (const auto& terms : FilterTermGroups(plan)) {
    groups.push_back(group_of(terms));
  }
  Group excluded = group_of(ExcludedTerms(plan));
  auto holds = [](Group& g, Xapian::docid did) {
    for (auto& [it, end] : g.terms) {
      if (it != end) {
        it.skip_to(did);
        if (it != end && *it == did) {
          return true;
        }
      }
    }
    return false;
  };
  auto passes_filters = [&](Xapian::docid did) {
    for (Group& g : groups) {
      if (!holds(g, did)) {
        return false;
      }
    }
    return excluded.terms.empty() || !holds(excluded, did);
  };

  // The held documents, worst on top: lower score, then higher document number (a later
  // document with an equal score never displaces an earlier one, as in Xapian's order).
  auto worse = [](const std::pair<double, Xapian::docid>& a,
                  const std::pair<double, Xapian::docid>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::vector<std::pair<double, Xapian::docid>> heap;
  heap.reserve(depth + 1);
  // A document must score above `threshold` (the depth-th held score) or at least `cutoff`.
  // Bounds are compared with a relative margin: they are sums in another order than the
  // scores, so rounding must never prune a document that could enter.
  constexpr double kMargin = 1 - 1e-12;
  double threshold = cutoff;
  size_t first_essential = 0;
  auto update_essential = [&] {
    while (first_essential < lists.size() && prefix[first_essential] < threshold * kMargin) {
      ++first_essential;
    }
    out.pruned = out.pruned || first_essential > 0;
  };
  update_essential();
  // A document's parts by list, summed in list order at the end: the same parts always give the
  // same score, whichever lists were essential when the document was met (equal documents must
  // tie exactly, as in Xapian, or their order would depend on when they were met).
  std::vector<double> parts(lists.size(), 0.0);
  std::vector<size_t> touched;
  touched.reserve(lists.size());
  auto add_part = [&](size_t i, double part) {
    parts[i] = part;
    touched.push_back(i);
    return part;
  };
  Xapian::doccount visited = 0;
  Xapian::doccount checked = 0;
  Xapian::doccount passed = 0;
  while (true) {
    Xapian::docid did = 0;
    for (size_t i = first_essential; i < lists.size(); ++i) {
      const Xapian::docid c = lists[i].cur;
      if (c != 0 && (did == 0 || c < did)) {
        did = c;
      }
    }
    if (did == 0) {
      break;
    }
    ++visited;
    for (size_t i : touched) {
      parts[i] = 0;
    }
    touched.clear();
    double score = 0;
    double len = -1;
    for (size_t i = first_essential; i < lists.size(); ++i) {
      List& l = lists[i];
      if (l.cur == did) {
        if (len < 0) {
          len = l.it.get_doclength();
        }
        score += add_part(i, GlobalBm25::Part(l.termweight, l.it.get_wdf(), len, len_factor));
        l.Next();
      }
    }
    if (first_essential > 0 && score + prefix[first_essential - 1] < threshold * kMargin) {
      out.pruned = true;
      continue;
    }
    ++checked;
    if (!passes_filters(did)) {
      continue;
    }
    ++passed;
    bool out_of_reach = false;
    for (size_t i = first_essential; i-- > 0;) {
      if (score + prefix[i] < threshold * kMargin) {
        out_of_reach = true;
        out.pruned = true;
        break;
      }
      List& l = lists[i];
      l.SkipTo(did);
      if (l.cur == did) {
        if (len < 0) {
          len = l.it.get_doclength();
        }
        score += add_part(i, GlobalBm25::Part(l.termweight, l.it.get_wdf(), len, len_factor));
      }
    }
    if (out_of_reach) {
      continue;
    }
    score = 0;
    for (size_t i = 0; i < lists.size(); ++i) {
      score += parts[i];
    }
    if (score < cutoff) {
      continue;
    }
    if (heap.size() == depth) {
      if (!(score > heap.front().first)) {
        continue;
      }
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.pop_back();
    }
    heap.emplace_back(score, did);
    std::push_heap(heap.begin(), heap.end(), worse);
    if (heap.size() == depth && heap.front().first > threshold) {
      threshold = heap.front().first;
      update_essential();
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse);
  out.docs = std::move(heap);
  // How many documents match: exact when nothing was pruned; else the visited share that passed
  // the filters, applied to at least the most frequent term's documents.
  const double pass_rate = checked > 0 ? static_cast<double>(passed) / checked : 1.0;
  if (!out.pruned) {
    out.estimated = passed;
    out.upper_bound = passed;
  } else {
    const double seen = std::max<double>(visited, most_frequent);
    out.estimated = static_cast<Xapian::doccount>(std::llround(seen * pass_rate));
    out.estimated =
        std::max<Xapian::doccount>(out.estimated, static_cast<Xapian::doccount>(out.docs.size()));
    out.upper_bound = std::min<Xapian::doccount>(union_bound, db.get_doccount());
    out.upper_bound = std::max(out.upper_bound, out.estimated);
  }
  return out;
}

// Coordination: the BM25 sum scaled by the share of the query's weight the document covers, so a
// document matching more of what was asked beats one that repeats a single word (or is short).
double Coordinate(double bm25, double covered, double total_weight) {
  if (total_weight <= 0) {
    return bm25;
  }
  return bm25 * std::pow(std::min(1.0, covered / total_weight), kCoordinationPower);
}

// Several glass databases ("shards"), each with its own writer thread: Replace and Delete queue
// the write (numbered in order) and return, so analysis in the caller and the Xapian work of
// every shard run at the same time. A reader (Search, Get, GetMeta, DocCount) waits only until
// every write queued before it is applied — not for writes queued after it — and while it reads,
// writers pause between two documents. Commit, SetMeta and Clear wait until every queue is
// empty. Metadata lives in every shard; Commit commits shard 0 last, so its "last_seq" never
// claims writes another shard lacks. Thread-safe.
class XapianIndex : public Index {
 public:
  XapianIndex(std::vector<Xapian::WritableDatabase> dbs, std::vector<std::string> dirs,
              std::string dir, XapianIndexOptions options)
      : dbs_(std::move(dbs)),
        dirs_(std::move(dirs)),
        dir_(std::move(dir)),
        before_write_(std::move(options.before_write)),
        on_read_wait_(std::move(options.on_read_wait)) {
    queues_.resize(dbs_.size());
    busy_.assign(dbs_.size(), false);
    queued_.assign(dbs_.size(), 0);
    applied_.assign(dbs_.size(), 0);
    for (size_t k = 0; k < dbs_.size(); ++k) {
      writers_.emplace_back([this, k] { WriterLoop(k); });
    }
  }

  ~XapianIndex() override {
    {
      std::unique_lock lock(mu_);
      Drain(lock);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : writers_) {
      t.join();
    }
  }

  base::Status Replace(const IndexedDocument& in) override { return Replace(IndexedDocument(in)); }

  base::Status Replace(IndexedDocument&& in) override {
    std::string id_term = IdTerm(in.doc.type, in.doc.id);
    return Enqueue(Op{Op::Kind::kReplace, std::move(id_term), std::move(in), 0});
  }

  base::Status Delete(std::string_view type, std::string_view id) override {
    return Enqueue(Op{Op::Kind::kDelete, IdTerm(type, id), {}, 0});
  }

  base::Status Commit() override {
    std::unique_lock lock(mu_);
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
    // Shards 1.. commit in parallel on their writers; shard 0 (which holds the metadata read
    // back by GetMeta) only after they all succeeded.
    for (size_t k = 1; k < dbs_.size(); ++k) {
      queues_[k].push_back(Op{Op::Kind::kCommit, {}, {}, ++seq_});
      queued_[k] = seq_;
    }
    cv_.notify_all();
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
    try {
      dbs_[0].commit();
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dirs_[0]);
    }
  }

  base::Result<RawResults> Search(const QueryPlan& plan, const SearchOptions& options) override {
    ReadSection read(*this);
    try {
      if (options.legacy_rerank) {
        return LegacySearch(plan, options);
      }
      return ParallelSearch(plan, options);
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Result<std::optional<Document>> Get(std::string_view type, std::string_view id) override {
    ReadSection read(*this);
    try {
      std::string term = IdTerm(type, id);
      Xapian::WritableDatabase& db = dbs_[ShardOf(term, dbs_.size())];
      Xapian::PostingIterator p = db.postlist_begin(term);
      if (p == db.postlist_end(term)) {
        return std::optional<Document>();
      }
      KECHAN_ASSIGN_OR_RETURN(Document d, DocumentFromJson(db.get_document(*p).get_data()));
      return std::optional<Document>(std::move(d));
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Result<std::string> GetMeta(std::string_view key) override {
    ReadSection read(*this);
    try {
      return dbs_[0].get_metadata(std::string(key));
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dirs_[0]);
    }
  }

  base::Status SetMeta(std::string_view key, std::string_view value) override {
    std::unique_lock lock(mu_);
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
    try {
      for (auto& db : dbs_) {
        db.set_metadata(std::string(key), std::string(value));
      }
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Result<int64_t> DocCount() override {
    ReadSection read(*this);
    try {
      int64_t n = 0;
      for (auto& db : dbs_) {
        n += static_cast<int64_t>(db.get_doccount());
      }
      return n;
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Status Clear() override {
    std::unique_lock lock(mu_);
    Drain(lock);
    (void)TakeError();  // whatever failed is about to be thrown away
    try {
      for (size_t k = 0; k < dbs_.size(); ++k) {
        dbs_[k].close();
        dbs_[k] = Xapian::WritableDatabase(dirs_[k], Xapian::DB_CREATE_OR_OVERWRITE);
      }
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

 private:
  // Readers one at a time (a Xapian database object is not thread-safe). The constructor waits
  // until every write queued before it is applied and no writer is in the middle of a document,
  // then holds the writers off until the destructor.
  class ReadSection {
   public:
    explicit ReadSection(XapianIndex& index) : index_(index), one_reader_(index.read_mu_) {
      std::unique_lock lock(index_.mu_);
      index_.wanted_ = index_.queued_;
      index_.reader_waiting_ = true;
      if (index_.on_read_wait_ && !index_.EarlierWritesApplied()) {
        lock.unlock();
        index_.on_read_wait_();
        lock.lock();
      }
      index_.cv_.wait(lock, [&] {
        return index_.EarlierWritesApplied() &&
               std::none_of(index_.busy_.begin(), index_.busy_.end(), [](bool b) { return b; });
      });
      index_.reader_waiting_ = false;
      index_.reading_ = true;
    }
    ~ReadSection() {
      {
        std::lock_guard lock(index_.mu_);
        index_.reading_ = false;
      }
      index_.cv_.notify_all();
    }
    ReadSection(const ReadSection&) = delete;
    ReadSection& operator=(const ReadSection&) = delete;

   private:
    XapianIndex& index_;
    std::lock_guard<std::mutex> one_reader_;
  };

  // mu_ held. True when every shard has applied the writes the waiting reader asked for.
  bool EarlierWritesApplied() const {
    for (size_t k = 0; k < applied_.size(); ++k) {
      if (applied_[k] < wanted_[k]) {
        return false;
      }
    }
    return true;
  }

  // The ranking before parallel shards: one Enquire over the combined database, coordination
  // from each match's term list (Enquire::get_matching_terms). Kept for same-run comparisons.
  base::Result<RawResults> LegacySearch(const QueryPlan& plan, const SearchOptions& options) {
    Xapian::Enquire enquire(Reader());
    enquire.set_query(BuildQuery(plan));
    enquire.set_weighting_scheme(Xapian::BM25Weight(kBm25K1, 0, 1, kBm25B, 0.5));
    FacetSpy spy;
    if (options.facets) {
      enquire.add_matchspy(&spy);
    }
    Xapian::doccount check = static_cast<Xapian::doccount>(
        options.check_at_least ? options.check_at_least : (options.facets ? kFacetSample : 0));
    const bool rerank = plan.terms.size() > 1;
    const size_t want = options.offset + options.limit;
    const size_t depth = rerank ? std::max(want, kRerankDepth) : options.limit;
    Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(rerank ? 0 : options.offset),
                                         static_cast<Xapian::doccount>(depth), check);
    std::map<std::string, std::pair<double, bool>, std::less<>> asked;
    double total_weight = 0;
    for (const PlanTerm& t : plan.terms) {
      auto& e = asked[t.term];
      e.first += t.weight;
      e.second = t.synonym;
      total_weight += t.synonym ? 0 : t.weight;
    }
    RawResults out;
    out.total = mset.get_matches_estimated();
    struct Scored {
      Xapian::MSetIterator it;
      double score;
      std::vector<std::string> matched;
    };
    std::vector<Scored> scored;
    scored.reserve(mset.size());
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      Scored s{it, it.get_weight(), {}};
      if (rerank || options.matched_terms) {
        double covered = 0;
        for (auto t = enquire.get_matching_terms_begin(it); t != enquire.get_matching_terms_end(it);
             ++t) {
          auto found = asked.find(*t);
          if (found != asked.end()) {
            covered += found->second.first;
          }
          if (options.matched_terms) {
            s.matched.push_back(*t);
          }
        }
        if (rerank) {
          s.score = Coordinate(s.score, covered, total_weight);
        }
      }
      scored.push_back(std::move(s));
    }
    size_t begin = 0;
    if (rerank) {
      std::stable_sort(scored.begin(), scored.end(),
                       [](const Scored& a, const Scored& b) { return a.score > b.score; });
      begin = std::min(options.offset, scored.size());
    }
    size_t end = std::min(scored.size(), begin + options.limit);
    for (size_t i = begin; i < end; ++i) {
      RawHit hit;
      KECHAN_ASSIGN_OR_RETURN(hit.doc, DocumentFromJson(scored[i].it.get_document().get_data()));
      hit.score = scored[i].score;
      hit.matched_terms = std::move(scored[i].matched);
      out.hits.push_back(std::move(hit));
    }
    if (options.facets) {
      out.facets = spy.Result();
      out.facets_exact = mset.get_matches_upper_bound() <= check;
    }
    return out;
  }

  // Every shard searched on its own thread (shard 0 on the caller's) with the statistics of all
  // shards (GlobalBm25), each keeping its best matches with their coverage (from the posting
  // lists, CoverFromPostings); the matches are merged by BM25 as one database would order them
  // and reranked by coordination. Same ranking as LegacySearch: the page is the best `want` by
  // coordination among the kRerankDepth best by BM25.
  //
  // With options.first_pass_depth, two passes instead of one over all kRerankDepth: coordination
  // never raises a score (score = BM25 × share², share ≤ 1), so a match whose BM25 is below the
  // want-th best coordinated score s seen so far cannot reach the page. Pass 1 ranks only the
  // best first_pass_depth by BM25 (Xapian's matcher prunes with that much higher threshold); when
  // s ≥ the lowest BM25 of that pass, nothing it left out can reach the page and it is final.
  // Otherwise pass 2 asks each shard for its kRerankDepth best with BM25 ≥ s (Xapian's weight
  // cutoff: the matcher prunes with s from the first document) — a prefix of the kRerankDepth
  // best that holds every match that can reach the page
  // (SearchShardTest.TwoPassTopKRanksLikeTheFullDepth). Measured slower than one pass on the
  // synthetic corpora (most queries need pass 2), so off by default (decisions/0009).
  base::Result<RawResults> ParallelSearch(const QueryPlan& asked_plan,
                                          const SearchOptions& options) {
    const bool additive = options.coverage_bonus >= 0 && !options.full_depth;
    const bool merge = additive && options.merge_bigrams;
    const QueryPlan merged_plan = merge ? MergeBigramsIntoWords(asked_plan) : QueryPlan{};
    const QueryPlan& plan = merge ? merged_plan : asked_plan;
    using SteadyClock = std::chrono::steady_clock;
    auto ms_since = [](SteadyClock::time_point t0) {
      return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
    };
    const size_t n = dbs_.size();
    Xapian::Database all = Reader();
    const double docs = all.get_doccount();
    std::vector<double> idf(plan.terms.size());
    std::vector<double> termfreq(plan.terms.size());
    for (size_t i = 0; i < plan.terms.size(); ++i) {
      termfreq[i] = all.get_termfreq(plan.terms[i].term);
      idf[i] = Bm25Idf(docs, termfreq[i]);
    }
    const double average_length = all.get_avlength();
    const double len_factor = average_length != 0 ? 1 / average_length : 0;
    const GlobalBm25 weight(average_length, additive ? options.coverage_bonus : 0);
    const bool rerank = plan.terms.size() > 1 && !additive;
    const size_t want = options.offset + options.limit;
    const size_t rerank_depth = options.rerank_depth > 0 ? options.rerank_depth : kRerankDepth;
    const size_t full_depth = rerank ? std::max(want, rerank_depth) : want;
    const size_t check_total =
        options.check_at_least ? options.check_at_least : (options.facets ? kFacetSample : 0);
    const auto check = static_cast<Xapian::doccount>((check_total + n - 1) / n);

    // Common terms (SearchOptions::common_term_share): left out of the matcher's query.
    std::vector<bool> common(plan.terms.size(), false);
    size_t common_count = 0;
    if (rerank && !options.full_depth && options.first_pass_depth == 0 &&
        options.common_term_share > 0) {
      const double limit = std::max(options.common_term_share * docs,
                                    static_cast<double>(options.common_term_min_docs));
      for (size_t i = 0; i < plan.terms.size(); ++i) {
        common[i] = termfreq[i] > limit;
        common_count += common[i] ? 1 : 0;
      }
    }
    // Terms inside a query word the matcher keeps (SearchOptions::defer_inner_terms): sub-words
    // first (level 2), then bigrams, each against the words still in the matcher.
    size_t inner_count = 0;
    if (rerank && !options.full_depth && options.first_pass_depth == 0 &&
        options.defer_inner_terms > 0) {
      auto is_bigram = [&](size_t i) {
        const std::string& t = plan.terms[i].term;
        return t.size() > kBigramPrefix.size() && t.rfind(kBigramPrefix, 0) == 0;
      };
      // True when `inner` lies inside (or, for a bigram, equals) a word term j != i that the
      // matcher keeps (longer than `inner` when `proper`).
      auto inside_kept_word = [&](size_t i, std::string_view inner, bool proper) {
        for (size_t j = 0; j < plan.terms.size(); ++j) {
          const std::string& w = plan.terms[j].term;
          if (j == i || common[j] || is_bigram(j) || w.size() < inner.size() ||
              (proper && w.size() == inner.size())) {
            continue;
          }
          if (w.find(inner) != std::string::npos) {
            return true;
          }
        }
        return false;
      };
      const auto min_docs = static_cast<double>(options.defer_inner_min_docs);
      for (int pass = options.defer_inner_terms >= 2 ? 0 : 1; pass < 2; ++pass) {
        for (size_t i = 0; i < plan.terms.size(); ++i) {
          if (common[i] || termfreq[i] <= min_docs || is_bigram(i) != (pass == 1)) {
            continue;
          }
          std::string_view inner(plan.terms[i].term);
          if (pass == 1) {
            inner.remove_prefix(kBigramPrefix.size());
          } else if (static_cast<unsigned char>(inner[0]) < 0x80 ||
                     base::CodePointCount(inner) < 2) {
            continue;  // English stems and numbers: a substring is not a word inside a word
          }
          if (inside_kept_word(i, inner, pass == 0)) {
            common[i] = true;
            ++common_count;
            ++inner_count;
          }
        }
      }
    }
    if (common_count == plan.terms.size()) {  // nothing rarer to drive the matcher
      common.assign(plan.terms.size(), false);
      common_count = 0;
      inner_count = 0;
    }
    // The plan of the matcher's query (without the common terms) and their idf.
    QueryPlan matcher_plan;
    std::vector<double> matcher_idf;
    if (common_count > 0) {
      matcher_plan = plan;
      matcher_plan.terms.clear();
      for (size_t i = 0; i < plan.terms.size(); ++i) {
        if (!common[i]) {
          matcher_plan.terms.push_back(plan.terms[i]);
          matcher_idf.push_back(idf[i]);
        }
      }
    }
    // An upper bound of what the common terms can add to a document's BM25 (each term's part
    // at its highest wdf and the shortest normalised length).
    double common_max = 0;
    std::vector<AskedTerm> asked;
    double total_weight = 0;
    {
      std::map<std::string, AskedTerm> by_term;
      for (size_t i = 0; i < plan.terms.size(); ++i) {
        const PlanTerm& t = plan.terms[i];
        AskedTerm& a = by_term[t.term];
        a.term = t.term;
        a.weight += t.weight;
        total_weight += t.synonym ? 0 : t.weight;
        if (common[i]) {
          const double termweight = (kBm25K1 + 1) * t.weight * idf[i];
          a.common_termweight += termweight;
          const double wdf_max = all.get_wdf_upper_bound(t.term);
          common_max +=
              termweight *
              (wdf_max / (kBm25K1 * (GlobalBm25::kMinNormLen * kBm25B + (1 - kBm25B)) + wdf_max));
        }
      }
      for (auto& [term, a] : by_term) {
        asked.push_back(std::move(a));
      }
    }
    const bool need_terms = rerank || options.matched_terms;

    struct ShardResult {
      std::vector<ShardMatch> matches;
      int64_t estimated = 0;
      Xapian::doccount upper_bound = 0;
      FacetSpy spy;
      double match_ms = 0;
      double cover_ms = 0;
      double facet_ms = 0;
      double lowest_matcher_bm25 = 0;  // with common terms left out: the lowest of a full list
      bool pruned = false;             // MaxScoreTopK skipped documents
      std::optional<base::Status> error;
    };
    // One pass: every shard's best `depth` matches with BM25 ≥ `cutoff`, merged in the combined
    // database's order (BM25 descending, then document number) and cut to `depth`, with their
    // coordinated scores. With `split`, the matcher's query leaves the common terms out and their
    // parts are added to the matches' BM25 before the merge. Facets are counted (by `results`'
    // spies) when `facets` is set: with the ranking's own matcher when `facets_inline` (the
    // previous way, which keeps Xapian from pruning until `check` matches are seen), else in a
    // separate pass over the first `check` matches in document order, unweighted.
    struct Pass {
      std::vector<ShardResult> results;
      std::vector<ShardMatch> merged;  // by BM25
      bool complete = true;            // every shard returned fewer than `depth`: no more matches
      bool proven = false;             // split: no match left out can be among the `depth` best
    };
    RawResults out;
    auto run_pass = [&](size_t depth, double cutoff, bool facets,
                        bool split) -> base::Result<Pass> {
      Pass pass;
      pass.results = std::vector<ShardResult>(n);
      const bool facets_inline = options.full_depth || options.first_pass_depth > 0 || additive;
      // Our MaxScore matcher (MaxScoreTopK) unless Xapian's is asked for, counts facets inline,
      // adds the coverage bonus, or a value range filters (MaxScoreTopK reads no values); and
      // not for an empty page, whose only answer is Xapian's estimate of the matches.
      const bool max_score = !options.xapian_matcher && !(facets && facets_inline) && !additive &&
                             !plan.terms.empty() && plan.ranges.empty() && depth > 0;
      auto search_shard = [&](size_t k) {
        ShardResult& r = pass.results[k];
        try {
          auto t0 = SteadyClock::now();
          const QueryPlan& shard_plan = split ? matcher_plan : plan;
          const std::vector<double>& shard_idf = split ? matcher_idf : idf;
          auto add_match = [&](double bm25, Xapian::docid local) {
            ShardMatch m;
            m.bm25 = bm25;
            m.score = m.bm25;
            m.shard = k;
            m.local = local;
            m.global = static_cast<Xapian::docid>((m.local - 1) * n + k + 1);
            r.lowest_matcher_bm25 = m.bm25;
            r.matches.push_back(std::move(m));
          };
          if (max_score) {
            TopDocs top = MaxScoreTopK(dbs_[k], shard_plan, shard_idf, len_factor, depth, cutoff);
            r.estimated = top.estimated;
            r.upper_bound = top.upper_bound;
            r.pruned = top.pruned;
            r.matches.reserve(top.docs.size());
            for (const auto& [bm25, local] : top.docs) {
              add_match(bm25, local);
            }
          } else {
            // Each thread builds its own query: Xapian's objects are reference-counted without
            // atomics, so no Xapian object is shared between the threads.
            Xapian::Enquire enquire(dbs_[k]);
            enquire.set_query(BuildQuery(shard_plan, &shard_idf));
            enquire.set_weighting_scheme(weight);
            if (facets && facets_inline) {
              enquire.add_matchspy(&r.spy);
            }
            if (cutoff > 0) {
              enquire.set_cutoff(0, cutoff);
            }
            Xapian::MSet mset =
                enquire.get_mset(0, static_cast<Xapian::doccount>(depth),
                                 facets && facets_inline ? check : Xapian::doccount{0});
            r.estimated = mset.get_matches_estimated();
            r.upper_bound = mset.get_matches_upper_bound();
            r.matches.reserve(mset.size());
            for (auto it = mset.begin(); it != mset.end(); ++it) {
              add_match(it.get_weight(), *it);
            }
          }
          r.match_ms = ms_since(t0);
          if (need_terms || split) {
            auto t1 = SteadyClock::now();
            CoverFromPostings(dbs_[k], asked, r.matches, options.matched_terms, split, len_factor);
            if (rerank) {
              for (ShardMatch& m : r.matches) {
                m.score = Coordinate(m.bm25, m.covered, total_weight);
              }
            }
            r.cover_ms = ms_since(t1);
          }
          if (facets && !facets_inline) {
            // The facet sample: the first `check` matches of the whole query in document order
            // (as the inline way counts them), unweighted, so Xapian stops after `check`.
            auto t2 = SteadyClock::now();
            Xapian::Enquire sample(dbs_[k]);
            sample.set_query(BuildQuery(plan));
            sample.set_weighting_scheme(Xapian::BoolWeight());
            sample.set_docid_order(Xapian::Enquire::ASCENDING);
            r.spy.OnlyUsedSlots(dbs_[k]);
            sample.add_matchspy(&r.spy);
            Xapian::MSet counted = sample.get_mset(0, 0, check);
            r.estimated = counted.get_matches_estimated();
            r.upper_bound = counted.get_matches_upper_bound();
            r.facet_ms = ms_since(t2);
          }
        } catch (const Xapian::Error& e) {
          r.error = FromXapian(e, dirs_[k]);
        }
      };
      std::vector<std::thread> threads;
      for (size_t k = 1; k < n; ++k) {
        threads.emplace_back(search_shard, k);
      }
      search_shard(0);
      for (auto& t : threads) {
        t.join();
      }
      double match_ms = 0, cover_ms = 0, facet_ms = 0;
      // With `split`: a match a shard left out has at most that shard's lowest matcher BM25
      // (or none of the matcher's terms when the shard's list was not full) plus common_max.
      double left_out_max = 0;
      for (ShardResult& r : pass.results) {
        if (r.error) {
          return *r.error;
        }
        match_ms = std::max(match_ms, r.match_ms);
        cover_ms = std::max(cover_ms, r.cover_ms);
        facet_ms = std::max(facet_ms, r.facet_ms);
        out.trace.matcher_pruned = out.trace.matcher_pruned || r.pruned;
        const bool full = r.matches.size() >= depth;
        pass.complete = pass.complete && !full;
        left_out_max = std::max(left_out_max, (full ? r.lowest_matcher_bm25 : 0) + common_max);
        for (ShardMatch& m : r.matches) {
          pass.merged.push_back(std::move(m));
        }
        r.matches.clear();
      }
      std::sort(pass.merged.begin(), pass.merged.end(),
                [](const ShardMatch& a, const ShardMatch& b) {
                  return a.bm25 != b.bm25 ? a.bm25 > b.bm25 : a.global < b.global;
                });
      if (pass.merged.size() > depth) {
        pass.merged.resize(depth);
      }
      pass.proven = split && pass.merged.size() >= depth && pass.merged.back().bm25 > left_out_max;
      ++out.trace.passes;
      out.trace.depth = pass.merged.size();
      out.trace.match_ms += match_ms;
      out.trace.cover_ms += cover_ms;
      out.trace.facet_ms += facet_ms;
      return pass;
    };
    // Coordinated order; equal scores keep their BM25 order (as LegacySearch's stable sort).
    auto by_score = [&](std::vector<ShardMatch>& v) {
      if (rerank) {
        std::stable_sort(v.begin(), v.end(), [](const ShardMatch& a, const ShardMatch& b) {
          return a.score > b.score;
        });
      }
    };

    const size_t first_depth = options.full_depth || options.first_pass_depth == 0
                                   ? full_depth
                                   : std::min(full_depth, std::max(want, options.first_pass_depth));
    const bool split = common_count > 0;
    KECHAN_ASSIGN_OR_RETURN(Pass first, run_pass(first_depth, 0, options.facets, split));
    out.trace.common_terms = static_cast<int>(common_count);
    out.trace.inner_terms = static_cast<int>(inner_count);
    out.trace.common_proven = first.proven;
    if (split && !first.proven &&
        (first.merged.size() < first_depth || options.common_terms_exact)) {
      // Fewer matches of the rarer terms than the rerank depth (documents with only common terms
      // may belong to it), or an exact ranking asked for: the whole OR after all (facets kept).
      std::vector<ShardResult> facet_results = std::move(first.results);
      KECHAN_ASSIGN_OR_RETURN(first, run_pass(first_depth, 0, false, false));
      first.results = std::move(facet_results);
      out.trace.common_fallback = true;
    }
    for (const ShardResult& r : first.results) {
      out.total += r.estimated;
    }
    if (split && !options.facets && plan.types.empty() && plan.filters.empty() &&
        plan.ranges.empty() && plan.exclude_keys.empty()) {
      // The matcher counted the rarer terms' matches only (or pruned the whole OR early after a
      // fallback); the whole OR has at least as many as its most frequent term.
      for (size_t i = 0; i < plan.terms.size(); ++i) {
        out.total = std::max(out.total, static_cast<int64_t>(termfreq[i]));
      }
    }
    if (options.facets) {
      std::vector<const FacetSpy*> spies;
      out.facets_exact = true;
      for (const ShardResult& r : first.results) {
        spies.push_back(&r.spy);
        out.facets_exact = out.facets_exact && r.upper_bound <= check;
      }
      out.facets = FacetSpy::Merged(spies);
    }
    std::vector<ShardMatch> ranked = std::move(first.merged);
    const double lowest_bm25 = ranked.empty() ? 0 : ranked.back().bm25;
    by_score(ranked);
    if (first_depth < full_depth && !first.complete && ranked.size() >= want && want > 0 &&
        ranked[want - 1].score < lowest_bm25) {
      // A match left out of pass 1 might still reach the page: pass 2 with the cutoff (lowered
      // by a relative 1e-12 against rounding in Xapian's weight sums; a lower cutoff only keeps
      // more of the prefix).
      const double cutoff = ranked[want - 1].score * (1 - 1e-12);
      KECHAN_ASSIGN_OR_RETURN(Pass second, run_pass(full_depth, cutoff, false, false));
      ranked = std::move(second.merged);
      by_score(ranked);
    }

    auto t_fetch = SteadyClock::now();
    const size_t begin = std::min(options.offset, ranked.size());
    const size_t end = std::min(ranked.size(), begin + options.limit);
    for (size_t i = begin; i < end; ++i) {
      RawHit hit;
      Xapian::Document d = dbs_[ranked[i].shard].get_document(ranked[i].local);
      if (options.ids_only) {
        hit.doc = KeyOf(d);
      } else {
        KECHAN_ASSIGN_OR_RETURN(hit.doc, DocumentFromJson(d.get_data()));
      }
      hit.score = ranked[i].score;
      hit.matched_terms = std::move(ranked[i].matched);
      out.hits.push_back(std::move(hit));
    }
    out.trace.fetch_ms = ms_since(t_fetch);
    return out;
  }

  base::Status Enqueue(Op op) {
    const size_t k = ShardOf(op.id_term, dbs_.size());
    std::unique_lock lock(mu_);
    KECHAN_RETURN_IF_ERROR(TakeError());
    if (queues_[k].size() >= kQueueLimit) {
      room_cv_.wait(lock, [&] { return queues_[k].size() <= kQueueResume; });
    }
    op.seq = ++seq_;
    queued_[k] = op.seq;
    const bool was_empty = queues_[k].empty();
    queues_[k].push_back(std::move(op));
    lock.unlock();
    if (was_empty) {  // a writer only waits for work on an empty queue
      cv_.notify_all();
    }
    return base::Status::Ok();
  }

  // Waits (mu_ held through `lock`) until every writer has applied its queue and no reader runs.
  void Drain(std::unique_lock<std::mutex>& lock) {
    cv_.wait(lock, [&] {
      if (reading_) {
        return false;
      }
      for (size_t k = 0; k < queues_.size(); ++k) {
        if (busy_[k] || !queues_[k].empty()) {
          return false;
        }
      }
      return true;
    });
  }

  // The first write error since the last call (then cleared).
  base::Status TakeError() {
    base::Status s = std::move(error_);
    error_ = base::Status::Ok();
    return s;
  }

  // Shard k's writer: one write at a time, pausing while a reader reads or while a reader waits
  // whose earlier writes are all applied (so a reader never waits for writes queued after it).
  void WriterLoop(size_t k) {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !queues_[k].empty(); });
      if (queues_[k].empty()) {
        return;  // stopping, nothing left
      }
      if (before_write_) {
        std::string next = queues_[k].front().id_term;
        lock.unlock();
        before_write_(next);
        lock.lock();
      }
      cv_.wait(lock, [&] {
        return !reading_ && !(reader_waiting_ && EarlierWritesApplied()) && !queues_[k].empty();
      });
      Op op = std::move(queues_[k].front());
      queues_[k].pop_front();
      busy_[k] = true;
      const bool resume = queues_[k].size() == kQueueResume;
      lock.unlock();
      if (resume) {
        room_cv_.notify_all();
      }
      base::Status s = Apply(k, op);
      lock.lock();
      busy_[k] = false;
      applied_[k] = op.seq;
      if (!s.ok()) {
        if (error_.ok()) {
          error_ = std::move(s);
        }
        // The rest of what was queued is dropped: the error reaches the writer's caller at its
        // next Replace/Commit, and the indexer then re-applies the batch from its cursor.
        queues_[k].clear();
        applied_[k] = queued_[k];
        room_cv_.notify_all();
      }
      cv_.notify_all();
    }
  }

  // Runs on shard k's writer only, with mu_ released; nobody else touches dbs_[k] meanwhile
  // (readers and Drain callers wait while busy_[k]).
  base::Status Apply(size_t k, Op& op) {
    try {
      switch (op.kind) {
        case Op::Kind::kReplace:
          dbs_[k].replace_document(op.id_term, ToXapian(op.doc, op.id_term));
          break;
        case Op::Kind::kDelete:
          dbs_[k].delete_document(op.id_term);
          break;
        case Op::Kind::kCommit:
          dbs_[k].commit();
          break;
      }
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dirs_[k]);
    }
  }

  // The shards as one database for searching (statistics and BM25 are over all of them).
  Xapian::Database Reader() {
    if (dbs_.size() == 1) {
      return dbs_[0];
    }
    Xapian::Database all;
    for (auto& db : dbs_) {
      all.add_database(db);
    }
    return all;
  }

  std::mutex read_mu_;  // one reader at a time
  std::mutex mu_;
  std::condition_variable cv_;                 // writers, readers and Drain wait here
  std::condition_variable room_cv_;            // producers of a full queue wait here (kQueueResume)
  std::vector<Xapian::WritableDatabase> dbs_;  // dbs_[k] belongs to writer k while busy_[k]
  std::vector<std::string> dirs_;
  std::string dir_;
  std::function<void(std::string_view)> before_write_;
  std::function<void()> on_read_wait_;
  std::vector<std::deque<Op>> queues_;
  std::vector<bool> busy_;
  uint64_t seq_ = 0;               // the last write number given out
  std::vector<uint64_t> queued_;   // per shard: the number of its last queued write
  std::vector<uint64_t> applied_;  // per shard: the number of its last applied write
  std::vector<uint64_t> wanted_;   // the waiting reader's queued_ when it arrived
  bool reader_waiting_ = false;
  bool reading_ = false;
  base::Status error_ = base::Status::Ok();
  bool stop_ = false;
  std::vector<std::thread> writers_;
};

}  // namespace

namespace {

constexpr char kShardsFile[] = "shards";
constexpr char kFlushThreshold[] = "500";

// The shard count recorded in `dir`/shards; 0 when the file is missing or unreadable.
int ReadShardCount(const std::filesystem::path& dir) {
  std::ifstream in(dir / kShardsFile);
  int n = 0;
  if (!(in >> n) || n < 1 || n > 64) {
    return 0;
  }
  return n;
}

}  // namespace

base::Result<std::unique_ptr<Index>> OpenXapianIndex(const std::string& dir,
                                                     const XapianIndexOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return base::FailedPrecondition(
        "search.index_dir", "cannot create the search index directory " + dir + ": " + ec.message(),
        "无法创建检索索引目录 " + dir, "data");
  }
  const std::filesystem::path root(dir);
  std::vector<std::string> dirs;
  if (std::filesystem::exists(root / "iamglass")) {
    dirs.push_back(dir);  // one plain database, written before shards existed
  } else {
    int n = ReadShardCount(root);
    if (n == 0) {
      n = options.shards > 0
              ? options.shards
              : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
      std::ofstream out(root / kShardsFile, std::ios::trunc);
      out << n << "\n";
      out.close();
      if (!out) {
        return base::FailedPrecondition("search.index_dir",
                                        "cannot write " + (root / kShardsFile).string(),
                                        "无法写入检索索引目录 " + dir, "data");
      }
    }
    for (int k = 0; k < n; ++k) {
      dirs.push_back((root / ("shard-" + std::to_string(k))).string());
    }
  }
  // A set with some shards missing (deleted by hand) starts over empty: its metadata then says
  // nothing was applied, and the indexer rebuilds it from the event log.
  size_t present = 0;
  for (const auto& d : dirs) {
    present += std::filesystem::exists(std::filesystem::path(d) / "iamglass") ? 1 : 0;
  }
  const int mode = present == 0 || present == dirs.size() ? Xapian::DB_CREATE_OR_OPEN
                                                          : Xapian::DB_CREATE_OR_OVERWRITE;
  // Glass keeps the postings of unflushed documents in per-term red-black trees; walking them is
  // most of the cost of adding a document (perf: ~35% of indexing in one tree lookup), and it
  // grows with the pending set. Flushing every kFlushThreshold documents per shard instead of
  // Xapian's default 10,000 keeps the trees small (bench/README.md). 500 rather than 1,000 since
  // 2026-11-30: the tree walk was still ~15% of indexing CPU at 1,000, and 500 cost 6-9% less CPU
  // per document at 10k and 100k (100-300 were no better at 10k, 250 slightly worse at 100k: the
  // more frequent B-tree merges eat the gain). The environment variable still wins when set.
  ::setenv("XAPIAN_FLUSH_THRESHOLD", kFlushThreshold, 0);
  try {
    std::vector<Xapian::WritableDatabase> dbs;
    dbs.reserve(dirs.size());
    for (const auto& d : dirs) {
      dbs.emplace_back(d, mode);
    }
    return std::unique_ptr<Index>(new XapianIndex(std::move(dbs), std::move(dirs), dir, options));
  } catch (const Xapian::DatabaseLockError& e) {
    return base::Unavailable("search.index_locked",
                             "the search index " + dir +
                                 " is in use by another process (stop the server, or run this "
                                 "command against the server)",
                             "检索索引 " + dir + " 正被另一进程使用");
  } catch (const Xapian::Error& e) {
    return FromXapian(e, dir);
  }
}

}  // namespace kechan::search
