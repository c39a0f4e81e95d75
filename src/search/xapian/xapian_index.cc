#include "search/xapian/xapian_index.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kechan::search {
namespace {

constexpr char kSep = '\x1f';  // separates several values of one facet in a value slot
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
  void operator()(const Xapian::Document& doc, double /*wt*/) override {
    const auto& names = FacetNames();
    for (size_t i = 0; i < names.size(); ++i) {
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
  std::map<std::string, std::vector<FacetCount>> Result() const {
    std::map<std::string, std::vector<FacetCount>> out;
    for (const auto& [facet, counts] : counts_) {
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

 private:
  std::map<std::string, std::map<std::string, int64_t>> counts_;
};

// Ranking: Xapian's BM25 with its default parameters, then coordination over the first
// kRerankDepth matches (score × covered share of the query weight ^ kCoordinationPower). Chosen
// on the retrieval fixture and the synthetic corpus (bench/README.md), not per query.
constexpr double kBm25K1 = 1.0;
constexpr double kBm25B = 0.5;
constexpr double kCoordinationPower = 2.0;
constexpr size_t kRerankDepth = 100;

Xapian::Query BuildQuery(const QueryPlan& plan) {
  Xapian::Query text = Xapian::Query::MatchAll;
  if (!plan.terms.empty()) {
    std::vector<Xapian::Query> parts;
    parts.reserve(plan.terms.size());
    for (const PlanTerm& t : plan.terms) {
      parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(t.term), t.weight);
    }
    text = Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
  }
  std::vector<Xapian::Query> filters;
  if (!plan.types.empty()) {
    std::vector<Xapian::Query> any;
    for (const auto& t : plan.types) {
      any.emplace_back(FacetTerm("type", t));
    }
    filters.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  for (const auto& [facet, values] : plan.filters) {
    std::vector<Xapian::Query> any;
    for (const auto& v : values) {
      any.emplace_back(FacetTerm(facet, v));
    }
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
    std::vector<Xapian::Query> ex;
    for (const auto& k : plan.exclude_keys) {
      ex.emplace_back(Term3("Q", k, ""));
    }
    q = Xapian::Query(Xapian::Query::OP_AND_NOT, q,
                      Xapian::Query(Xapian::Query::OP_OR, ex.begin(), ex.end()));
  }
  return q;
}

class XapianIndex : public Index {
 public:
  XapianIndex(Xapian::WritableDatabase db, std::string dir)
      : db_(std::move(db)), dir_(std::move(dir)) {}

  base::Status Replace(const IndexedDocument& in) override {
    std::lock_guard lock(mu_);
    try {
      Xapian::Document d;
      for (const auto& [term, wdf] : in.terms) {
        d.add_term(term, wdf);
      }
      const Document& doc = in.doc;
      std::string id_term = IdTerm(doc.type, doc.id);
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
      d.set_data(DocumentToJson(doc));
      db_.replace_document(id_term, d);
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Status Delete(std::string_view type, std::string_view id) override {
    std::lock_guard lock(mu_);
    try {
      db_.delete_document(IdTerm(type, id));
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Status Commit() override {
    std::lock_guard lock(mu_);
    try {
      db_.commit();
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Result<RawResults> Search(const QueryPlan& plan, const SearchOptions& options) override {
    std::lock_guard lock(mu_);
    try {
      Xapian::Enquire enquire(db_);
      enquire.set_query(BuildQuery(plan));
      enquire.set_weighting_scheme(Xapian::BM25Weight(kBm25K1, 0, 1, kBm25B, 0.5));
      FacetSpy spy;
      if (options.facets) {
        enquire.add_matchspy(&spy);
      }
      Xapian::doccount check = static_cast<Xapian::doccount>(
          options.check_at_least ? options.check_at_least : (options.facets ? 1000 : 0));
      // Coordination: the BM25 sum of the first `rerank_depth` matches is scaled by the share of
      // the query's weight the document covers, so a document matching more of what was asked
      // beats one that repeats a single word (or is merely short).
      const bool rerank = plan.terms.size() > 1;
      const size_t want = options.offset + options.limit;
      const size_t depth = rerank ? std::max(want, kRerankDepth) : options.limit;
      Xapian::MSet mset =
          enquire.get_mset(static_cast<Xapian::doccount>(rerank ? 0 : options.offset),
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
          for (auto t = enquire.get_matching_terms_begin(it);
               t != enquire.get_matching_terms_end(it); ++t) {
            auto found = asked.find(*t);
            if (found != asked.end()) {
              covered += found->second.first;
            }
            if (options.matched_terms) {
              s.matched.push_back(*t);
            }
          }
          if (rerank && total_weight > 0) {
            s.score *= std::pow(std::min(1.0, covered / total_weight), kCoordinationPower);
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
      }
      return out;
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Result<std::optional<Document>> Get(std::string_view type, std::string_view id) override {
    std::lock_guard lock(mu_);
    try {
      std::string term = IdTerm(type, id);
      Xapian::PostingIterator p = db_.postlist_begin(term);
      if (p == db_.postlist_end(term)) {
        return std::optional<Document>();
      }
      KECHAN_ASSIGN_OR_RETURN(Document d, DocumentFromJson(db_.get_document(*p).get_data()));
      return std::optional<Document>(std::move(d));
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Result<std::string> GetMeta(std::string_view key) override {
    std::lock_guard lock(mu_);
    try {
      return db_.get_metadata(std::string(key));
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Status SetMeta(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    try {
      db_.set_metadata(std::string(key), std::string(value));
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Result<int64_t> DocCount() override {
    std::lock_guard lock(mu_);
    try {
      return static_cast<int64_t>(db_.get_doccount());
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

  base::Status Clear() override {
    std::lock_guard lock(mu_);
    try {
      db_.close();
      db_ = Xapian::WritableDatabase(dir_, Xapian::DB_CREATE_OR_OVERWRITE);
      return base::Status::Ok();
    } catch (const Xapian::Error& e) {
      return FromXapian(e, dir_);
    }
  }

 private:
  std::mutex mu_;
  Xapian::WritableDatabase db_;
  std::string dir_;
};

}  // namespace

base::Result<std::unique_ptr<Index>> OpenXapianIndex(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return base::FailedPrecondition(
        "search.index_dir", "cannot create the search index directory " + dir + ": " + ec.message(),
        "无法创建检索索引目录 " + dir, "data");
  }
  try {
    Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OPEN);
    return std::unique_ptr<Index>(new XapianIndex(std::move(db), dir));
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
