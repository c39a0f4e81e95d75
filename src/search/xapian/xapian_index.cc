#include "search/xapian/xapian_index.h"

#include <xapian.h>

#include <algorithm>
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

// A document write, applied by the shard's writer thread.
struct Op {
  enum class Kind { kReplace, kDelete, kCommit };
  Kind kind = Kind::kReplace;
  std::string id_term;
  IndexedDocument doc;  // kReplace
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
  d.set_data(DocumentToJson(doc));
  return d;
}

// Pending writes per shard before Replace waits for the writer (bounds memory).
constexpr size_t kQueueLimit = 256;

// Several glass databases ("shards"), each with its own writer thread: Replace and Delete queue
// the write and return, so analysis in the caller and the Xapian work of every shard run at the
// same time. Everything that reads or commits first waits until the queues are empty (so a
// search sees every write made before it, as with one database). Metadata lives in every shard;
// Commit commits shard 0 last, so its "last_seq" never claims writes another shard lacks.
class XapianIndex : public Index {
 public:
  XapianIndex(std::vector<Xapian::WritableDatabase> dbs, std::vector<std::string> dirs,
              std::string dir)
      : dbs_(std::move(dbs)), dirs_(std::move(dirs)), dir_(std::move(dir)) {
    queues_.resize(dbs_.size());
    busy_.assign(dbs_.size(), false);
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

  base::Status Replace(const IndexedDocument& in) override {
    Op op{Op::Kind::kReplace, IdTerm(in.doc.type, in.doc.id), in};
    return Enqueue(std::move(op));
  }

  base::Status Delete(std::string_view type, std::string_view id) override {
    return Enqueue(Op{Op::Kind::kDelete, IdTerm(type, id), {}});
  }

  base::Status Commit() override {
    std::unique_lock lock(mu_);
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
    // Shards 1.. commit in parallel on their writers; shard 0 (which holds the metadata read
    // back by GetMeta) only after they all succeeded.
    for (size_t k = 1; k < dbs_.size(); ++k) {
      queues_[k].push_back(Op{Op::Kind::kCommit, {}, {}});
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
    std::unique_lock lock(mu_);
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
    try {
      Xapian::Enquire enquire(Reader());
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
    std::unique_lock lock(mu_);
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
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
    std::unique_lock lock(mu_);
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
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
    std::unique_lock lock(mu_);
    Drain(lock);
    KECHAN_RETURN_IF_ERROR(TakeError());
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
  base::Status Enqueue(Op op) {
    const size_t k = ShardOf(op.id_term, dbs_.size());
    std::unique_lock lock(mu_);
    KECHAN_RETURN_IF_ERROR(TakeError());
    cv_.wait(lock, [&] { return queues_[k].size() < kQueueLimit; });
    queues_[k].push_back(std::move(op));
    lock.unlock();
    cv_.notify_all();
    return base::Status::Ok();
  }

  // Waits (mu_ held through `lock`) until every writer has applied its queue.
  void Drain(std::unique_lock<std::mutex>& lock) {
    cv_.wait(lock, [&] {
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

  void WriterLoop(size_t k) {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !queues_[k].empty(); });
      if (queues_[k].empty()) {
        return;  // stopping, nothing left
      }
      std::deque<Op> work;
      work.swap(queues_[k]);
      busy_[k] = true;
      lock.unlock();
      cv_.notify_all();  // room in the queue
      base::Status s = Apply(k, work);
      work.clear();
      lock.lock();
      busy_[k] = false;
      if (!s.ok() && error_.ok()) {
        error_ = std::move(s);
      }
      cv_.notify_all();
    }
  }

  // Runs on shard k's writer only, with mu_ released; nobody else touches dbs_[k] meanwhile
  // (they all Drain first). After a failure the rest of the batch is dropped: the error reaches
  // the caller's next call, and the indexer then re-applies the batch from its cursor.
  base::Status Apply(size_t k, std::deque<Op>& work) {
    try {
      for (Op& op : work) {
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

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Xapian::WritableDatabase> dbs_;  // dbs_[k] belongs to writer k while busy_[k]
  std::vector<std::string> dirs_;
  std::string dir_;
  std::vector<std::deque<Op>> queues_;
  std::vector<bool> busy_;
  base::Status error_ = base::Status::Ok();
  bool stop_ = false;
  std::vector<std::thread> writers_;
};

}  // namespace

namespace {

constexpr char kShardsFile[] = "shards";
constexpr char kFlushThreshold[] = "1000";

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
  // Xapian's default 10,000 keeps the trees small (bench/README.md). The environment variable
  // still wins when set.
  ::setenv("XAPIAN_FLUSH_THRESHOLD", kFlushThreshold, 0);
  try {
    std::vector<Xapian::WritableDatabase> dbs;
    for (const auto& d : dirs) {
      dbs.emplace_back(d, mode);
    }
    return std::unique_ptr<Index>(new XapianIndex(std::move(dbs), std::move(dirs), dir));
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
