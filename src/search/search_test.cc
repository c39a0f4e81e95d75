// Tests for search/: analysis, query plans and bad input, the Xapian adapter, snippets, the
// event-log indexer (catch-up after a crash), matching with explanations and feedback, the
// thesaurus. They need Debian's python3-jieba and libopencc-data (like text/'s tests).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/strcat.h"
#include "base/utf8.h"
#include "search/analysis.h"
#include "search/cli.h"
#include "search/eval.h"
#include "search/hotspots.h"
#include "search/index.h"
#include "search/migrations.h"
#include "search/query.h"
#include "search/routes.h"
#include "search/routing.h"
#include "search/service.h"
#include "search/snippet.h"
#include "search/xapian/xapian_index.h"
#include "store/event_log.h"
#include "store/migrations.h"

namespace kechan::search {
namespace {

const text::Analyzer* A() {
  static auto* a = new base::Result<std::unique_ptr<text::Analyzer>>(text::Analyzer::Create());
  EXPECT_TRUE(a->ok()) << a->status() << " (apt-get install python3-jieba libopencc-data)";
  return a->ok() ? a->value().get() : nullptr;
}

const TextAnalysis& An() {
  static auto* an = new TextAnalysis(*A());
  return *an;
}

// Index directories made by TempDir, removed when the test process ends (they used to pile up
// in /tmp, a few MB per run).
class TempDirs : public ::testing::Environment {
 public:
  static std::vector<std::filesystem::path>& Made() {
    static auto* made = new std::vector<std::filesystem::path>();
    return *made;
  }
  void TearDown() override {
    for (const auto& dir : Made()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kTempDirs =
    ::testing::AddGlobalTestEnvironment(new TempDirs);

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("kechan-search-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  TempDirs::Made().push_back(dir);
  return dir.string();
}

std::vector<std::string> TermsOf(std::string_view text) {
  auto a = An().Analyze(text, "q");
  EXPECT_TRUE(a.ok()) << a.status();
  std::vector<std::string> out;
  for (const Term& t : a->terms) {
    out.push_back(t.term);
  }
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Document Doc(std::string type, std::string id, std::string title, std::string body,
             std::map<std::string, std::vector<std::string>> facets = {},
             std::map<std::string, double> numbers = {}) {
  Document d;
  d.type = std::move(type);
  d.id = std::move(id);
  d.title = title;
  d.fields = {{"title", std::move(title), 3}, {"body", std::move(body), 1}};
  d.facets = std::move(facets);
  d.numbers = std::move(numbers);
  return d;
}

TEST(SearchAnalysisTest, WordsBigramsStemsAndStopWords) {
  ASSERT_NE(A(), nullptr);
  auto terms = TermsOf("The networks of 锂电池隔膜 in 2026");
  EXPECT_TRUE(Has(terms, "network"));
  EXPECT_FALSE(Has(terms, "the"));
  EXPECT_FALSE(Has(terms, "of"));
  EXPECT_TRUE(Has(terms, "2026"));
  EXPECT_TRUE(Has(terms, "B电池"));
  EXPECT_TRUE(Has(terms, "B池隔"));  // bigrams cross word boundaries within the Han run
  EXPECT_FALSE(Has(TermsOf("研发的芯片"), "的"));
}

TEST(SearchQueryTest, MixedChineseEnglishQueryWithPunctuationBuildsAPlan) {
  // Debian's Xapian 1.4.22 QueryParser fails on such queries with FLAG_CJK_NGRAM; we never use it.
  ASSERT_NE(A(), nullptr);
  SearchRequest req;
  req.q = "AI芯片（chip）+ \"5G\"基站: 锂电池/battery-pack!?";
  auto plan = BuildPlan(An(), req);
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<std::string> terms;
  for (const auto& t : plan->terms) {
    terms.push_back(t.term);
  }
  EXPECT_TRUE(Has(terms, "ai"));
  EXPECT_TRUE(Has(terms, "芯片"));
  EXPECT_TRUE(Has(terms, "chip"));
  EXPECT_TRUE(Has(terms, "5g"));
  EXPECT_TRUE(Has(terms, "batteri"));
}

struct BadCase {
  std::string q;
  std::string field;
  std::string reason;
};

TEST(SearchQueryTest, BadInputNamesTheField) {
  ASSERT_NE(A(), nullptr);
  std::vector<BadCase> cases = {
      {"", "q", "search.empty_query"},
      {"   ", "q", "search.empty_query"},
      {std::string(1001, 'a'), "q", "search.query_too_long"},
      {"，。！？…—", "q", "search.no_terms"},
      {"😀🎉👍", "q", "search.no_terms"},
      {"the of and", "q", "search.no_terms"},
      {"abc\xff", "q", "text.invalid_utf8"},
  };
  for (const auto& c : cases) {
    SearchRequest req;
    req.q = c.q;
    auto plan = BuildPlan(An(), req);
    ASSERT_FALSE(plan.ok()) << c.q;
    EXPECT_EQ(plan.status().code(), base::Code::kInvalidArgument);
    EXPECT_EQ(plan.status().field(), c.field) << c.q;
    EXPECT_EQ(plan.status().reason(), c.reason) << c.q;
  }
  SearchRequest req;
  req.q = "芯片";
  req.types = {"spaceship"};
  EXPECT_EQ(BuildPlan(An(), req).status().field(), "type");
  req.types = {};
  req.filters["colour"] = {"red"};
  EXPECT_EQ(BuildPlan(An(), req).status().field(), "colour");
  req.filters.clear();
  req.ranges["price"] = Range{5, 1};
  EXPECT_EQ(BuildPlan(An(), req).status().reason(), "search.bad_range");
  req.ranges.clear();
  req.page = 0;
  EXPECT_EQ(BuildPlan(An(), req).status().field(), "page");
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(A(), nullptr);
    dir_ = TempDir("index");
    auto idx = OpenXapianIndex(dir_);
    ASSERT_TRUE(idx.ok()) << idx.status();
    index_ = std::move(*idx);
    Add(Doc("achievement", "1", "高能量密度锂电池隔膜",
            "一种用于动力电池的陶瓷涂覆隔膜，提高安全性。",
            {{"district", {"高新区"}}, {"maturity", {"pilot"}}}, {{"price", 2000000}}));
    Add(Doc("achievement", "2", "AI chip for edge inference", "低功耗人工智能芯片，面向 5G 基站。",
            {{"district", {"天府新区"}}, {"maturity", {"prototype"}}}, {{"price", 800000}}));
    Add(Doc("demand", "3", "寻求动力电池安全技术", "我公司需要提高锂电池安全性的隔膜材料。",
            {{"district", {"高新区"}}, {"maturity", {"pilot"}}}, {{"budget", 3000000}}));
    ASSERT_TRUE(index_->Commit().ok());
  }
  void TearDown() override {
    index_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Add(Document d) {
    auto indexed = AnalyzeDocument(An(), std::move(d));
    ASSERT_TRUE(indexed.ok()) << indexed.status();
    ASSERT_TRUE(index_->Replace(*indexed).ok());
  }
  RawResults Run(const SearchRequest& req, bool facets = false) {
    auto plan = BuildPlan(An(), req);
    EXPECT_TRUE(plan.ok()) << plan.status();
    auto r = index_->Search(*plan, {.limit = 10, .facets = facets, .matched_terms = true});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RawResults{};
  }
  std::string dir_;
  std::unique_ptr<Index> index_;
};

TEST_F(SearchIndexTest, MixedQueryFindsChineseAndEnglishDocuments) {
  auto r = Run({.q = "AI芯片（chip）, 5G!"});
  ASSERT_FALSE(r.hits.empty());
  EXPECT_EQ(r.hits[0].doc.id, "2");
  auto battery = Run({.q = "锂电池"});
  ASSERT_GE(battery.hits.size(), 2u);
  EXPECT_EQ(battery.hits[0].doc.id, "1");  // title weight
}

TEST_F(SearchIndexTest, FiltersRangesAndFacets) {
  auto r = Run({.q = "电池", .types = {"achievement"}}, true);
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].doc.id, "1");
  auto d = Run({.q = "电池 芯片", .filters = {{"district", {"天府新区"}}}});
  ASSERT_EQ(d.hits.size(), 1u);
  EXPECT_EQ(d.hits[0].doc.id, "2");
  auto p = Run({.q = "电池 芯片", .ranges = {{"price", Range{std::nullopt, 1000000}}}});
  ASSERT_EQ(p.hits.size(), 1u);
  EXPECT_EQ(p.hits[0].doc.id, "2");
  auto f = Run({.q = "电池"}, true);
  ASSERT_TRUE(f.facets.count("type"));
  EXPECT_EQ(f.facets["type"].size(), 2u);
  ASSERT_TRUE(f.facets.count("district"));
  EXPECT_EQ(f.facets["district"][0].value, "高新区");
  EXPECT_EQ(f.facets["district"][0].count, 2);
}

TEST_F(SearchIndexTest, ReplaceAndDeleteById) {
  Add(Doc("achievement", "2", "量子通信", "量子密钥分发"));
  ASSERT_TRUE(index_->Commit().ok());
  EXPECT_TRUE(Run({.q = "chip"}).hits.empty());
  EXPECT_EQ(Run({.q = "量子"}).hits.size(), 1u);
  ASSERT_TRUE(index_->Delete("achievement", "2").ok());
  EXPECT_TRUE(Run({.q = "量子"}).hits.empty());
  auto got = index_->Get("demand", "3");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->title, "寻求动力电池安全技术");
}

// Sharded indexes (one writer thread per shard, searched together) rank exactly like one
// database: same hits, same scores, same totals; Get, Delete and DocCount reach the right shard.
TEST(SearchShardTest, ShardsRankLikeOneDatabase) {
  ASSERT_NE(A(), nullptr);
  std::vector<Document> docs;
  const std::vector<std::string> topics = {"锂电池隔膜", "人工智能芯片", "激光雷达",
                                           "工业机器人", "氢燃料电池",   "量子通信"};
  for (int i = 0; i < 60; ++i) {
    const std::string& a = topics[static_cast<size_t>(i) % topics.size()];
    const std::string& b = topics[static_cast<size_t>(i * 7 + 3) % topics.size()];
    docs.push_back(Doc(i % 2 ? "achievement" : "demand", std::to_string(i), a + "技术成果",
                       kechan::base::StrCat("面向", b, "的", a, "应用，第", std::to_string(i),
                                            "号。", std::string(static_cast<size_t>(i % 5), 'x')),
                       {{"district", {i % 3 ? "高新区" : "天府新区"}}}));
  }
  auto build = [&](int shards, const std::string& name) {
    auto idx = OpenXapianIndex(TempDir(name), {.shards = shards});
    EXPECT_TRUE(idx.ok()) << idx.status();
    for (const Document& d : docs) {
      auto indexed = AnalyzeDocument(An(), d);
      EXPECT_TRUE(indexed.ok());
      EXPECT_TRUE((*idx)->Replace(*indexed).ok());
    }
    EXPECT_TRUE((*idx)->Delete("achievement", "5").ok());
    EXPECT_TRUE((*idx)->Commit().ok());
    return std::move(*idx);
  };
  auto one = build(1, "shards1");
  auto three = build(3, "shards3");
  EXPECT_EQ(*one->DocCount(), 59);
  EXPECT_EQ(*three->DocCount(), 59);
  for (const std::string q :
       {"锂电池 芯片", "激光雷达在工业机器人的应用", "量子", "氢燃料电池 高新区"}) {
    auto plan = BuildPlan(An(), {.q = q});
    ASSERT_TRUE(plan.ok()) << plan.status();
    auto a = one->Search(*plan, {.limit = 20, .facets = true});
    auto b = three->Search(*plan, {.limit = 20, .facets = true});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->total, b->total) << q;
    ASSERT_EQ(a->hits.size(), b->hits.size()) << q;
    ASSERT_FALSE(a->hits.empty()) << q;
    for (size_t i = 0; i < a->hits.size(); ++i) {
      EXPECT_NEAR(a->hits[i].score, b->hits[i].score, 1e-9) << q << " #" << i;
    }
    std::set<std::string> ids_a, ids_b;
    for (size_t i = 0; i < a->hits.size(); ++i) {
      // Equal scores may come in another order (document numbers differ between layouts).
      ids_a.insert(a->hits[i].doc.id);
      ids_b.insert(b->hits[i].doc.id);
    }
    if (a->hits.size() < 20 || a->hits.back().score != a->hits[a->hits.size() - 2].score) {
      EXPECT_EQ(ids_a, ids_b) << q;
    }
    EXPECT_EQ(a->facets["district"][0].count, b->facets["district"][0].count) << q;
  }
  auto got = three->Get("demand", "10");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->id, "10");
  EXPECT_FALSE(three->Get("achievement", "5")->has_value());
  ASSERT_TRUE(three->SetMeta("last_seq", "42").ok());
  ASSERT_TRUE(three->Commit().ok());
  EXPECT_EQ(*three->GetMeta("last_seq"), "42");
  ASSERT_TRUE(three->Clear().ok());
  EXPECT_EQ(*three->DocCount(), 0);
  EXPECT_EQ(*three->GetMeta("last_seq"), "");
}

// The default path (shards searched in parallel with the statistics of all shards, coverage
// from each shard's term lists) ranks and scores exactly like the previous one (one Enquire over
// the combined database, Enquire::get_matching_terms), pages and matched terms included.
// Two pages of one ranking computed two ways, equal up to the order of documents whose scores are
// equal: the same score at every position (1e-9); within a run of equal scores that lies inside
// the page (a run at an edge may continue beyond it), the same documents; a document on both
// pages with the same matched terms. Exact ties are not ordered alike by Xapian's matcher and
// kechan's: Xapian sums a document's parts in an order that changes as its OR tree prunes, so two
// equal documents can differ in the last bit there, while kechan's MaxScore matcher scores them
// alike and orders them by document number.
void ExpectSamePageUpToTies(const RawResults& a, const RawResults& b, size_t offset,
                            const std::string& what) {
  ASSERT_EQ(a.hits.size(), b.hits.size()) << what;
  const size_t n = a.hits.size();
  auto tied = [](double x, double y) {
    return std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(y));
  };
  for (size_t i = 0; i < n; ++i) {
    EXPECT_TRUE(tied(a.hits[i].score, b.hits[i].score))
        << what << " #" << i << ": " << a.hits[i].score << " vs " << b.hits[i].score;
  }
  for (size_t begin = 0; begin < n;) {
    size_t end = begin + 1;
    while (end < n && tied(b.hits[end].score, b.hits[begin].score)) {
      ++end;
    }
    if ((begin > 0 || offset == 0) && end < n) {
      std::multiset<std::string> ia, ib;
      for (size_t i = begin; i < end; ++i) {
        ia.insert(a.hits[i].doc.type + ":" + a.hits[i].doc.id);
        ib.insert(b.hits[i].doc.type + ":" + b.hits[i].doc.id);
      }
      EXPECT_EQ(ia, ib) << what << " #" << begin << "-" << end;
    }
    begin = end;
  }
  std::map<std::string, std::set<std::string>> terms;
  for (const RawHit& h : b.hits) {
    terms[h.doc.type + ":" + h.doc.id] = {h.matched_terms.begin(), h.matched_terms.end()};
  }
  for (const RawHit& h : a.hits) {
    auto it = terms.find(h.doc.type + ":" + h.doc.id);
    if (it != terms.end()) {
      EXPECT_EQ(std::set<std::string>(h.matched_terms.begin(), h.matched_terms.end()), it->second)
          << what << " " << h.doc.id;
    }
  }
}

TEST(SearchShardTest, ParallelShardsScoreLikeTheCombinedDatabase) {
  ASSERT_NE(A(), nullptr);
  const std::vector<std::string> topics = {"锂电池隔膜", "人工智能芯片", "激光雷达", "工业机器人",
                                           "氢燃料电池", "量子通信",     "石墨烯",   "碳纤维"};
  auto idx = OpenXapianIndex(TempDir("parallel"), {.shards = 3});
  ASSERT_TRUE(idx.ok()) << idx.status();
  for (int i = 0; i < 300; ++i) {
    const std::string& a = topics[static_cast<size_t>(i) % topics.size()];
    const std::string& b = topics[static_cast<size_t>(i * 5 + 3) % topics.size()];
    const std::string& c = topics[static_cast<size_t>(i * 11 + 1) % topics.size()];
    auto d = AnalyzeDocument(An(),
                             Doc(i % 3 ? "achievement" : "demand", std::to_string(i), a + "成果",
                                 kechan::base::StrCat("面向", b, "的", a, "应用，结合", c, "，第",
                                                      std::to_string(i % 17), "批。",
                                                      std::string(static_cast<size_t>(i % 7), 'x')),
                                 {{"district", {i % 4 ? "高新区" : "天府新区"}}}));
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE((*idx)->Replace(*d).ok());
  }
  ASSERT_TRUE((*idx)->Commit().ok());
  for (const std::string q :
       {"锂电池 芯片", "激光雷达在工业机器人的应用", "量子", "石墨烯 碳纤维 高新区"}) {
    auto plan = BuildPlan(An(), {.q = q});
    ASSERT_TRUE(plan.ok()) << plan.status();
    for (size_t offset : {size_t{0}, size_t{7}}) {
      SearchOptions fast{.offset = offset, .limit = 30, .facets = true, .matched_terms = true};
      SearchOptions old = fast;
      old.legacy_rerank = true;
      auto a = (*idx)->Search(*plan, fast);
      auto b = (*idx)->Search(*plan, old);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(a->total, b->total) << q;
      ASSERT_FALSE(a->hits.empty()) << q;
      ExpectSamePageUpToTies(*a, *b, offset, q);
      ASSERT_EQ(a->facets["district"].size(), b->facets["district"].size()) << q;
      for (size_t i = 0; i < a->facets["district"].size(); ++i) {
        EXPECT_EQ(a->facets["district"][i].count, b->facets["district"][i].count) << q;
      }
    }
  }
  idx->reset();
}

// A corpus of 600 documents over 8 topics where documents cover 1-4 of a query's words, with
// lengths and repetitions varied, so coordination reorders the BM25 ranking a lot.
std::unique_ptr<Index> TopicIndex(const std::string& name, int shards) {
  const std::vector<std::string> topics = {"锂电池隔膜", "人工智能芯片", "激光雷达", "工业机器人",
                                           "氢燃料电池", "量子通信",     "石墨烯",   "碳纤维"};
  auto idx = OpenXapianIndex(TempDir(name), {.shards = shards});
  EXPECT_TRUE(idx.ok()) << idx.status();
  for (int i = 0; i < 600; ++i) {
    auto topic = [&](int salt) { return topics[static_cast<size_t>(i * salt + salt) % 8]; };
    std::string body = "面向" + topic(5) + "的应用";
    for (int r = 0; r < i % 4; ++r) {
      body += "，" + topic(7 + r) + topic(7 + r);
    }
    body +=
        "，第" + std::to_string(i % 23) + "批。" + std::string(static_cast<size_t>(i % 11), 'x');
    auto d = AnalyzeDocument(An(), Doc(i % 3 ? "achievement" : "demand", std::to_string(i),
                                       topic(1) + (i % 5 ? "成果" : topic(3)), body,
                                       {{"district", {i % 4 ? "高新区" : "天府新区"}}}));
    EXPECT_TRUE(d.ok());
    EXPECT_TRUE((*idx)->Replace(*d).ok());
  }
  EXPECT_TRUE((*idx)->Commit().ok());
  return std::move(*idx);
}

// The two-pass top-k (pass 1 ranks the best 20 by BM25; pass 2 only when a match it left out
// could still reach the page) gives exactly the page of the one-pass rerank of the best 100 and
// of the legacy path: same documents, same scores (1e-9), same matched terms, for several pages.
// Both cases occur: queries settled by pass 1 and queries that need pass 2.
TEST(SearchShardTest, TwoPassTopKRanksLikeTheFullDepth) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("twopass", 2);
  int one_pass = 0, two_passes = 0;
  for (const std::string q :
       {"锂电池 芯片", "激光雷达在工业机器人的应用", "量子", "石墨烯 碳纤维 高新区",
        "氢燃料电池隔膜材料", "人工智能芯片与激光雷达、量子通信", "碳纤维机器人", "电池"}) {
    auto plan = BuildPlan(An(), {.q = q});
    ASSERT_TRUE(plan.ok()) << plan.status();
    for (auto [offset, limit] :
         std::vector<std::pair<size_t, size_t>>{{0, 10}, {7, 10}, {0, 30}, {0, 1}, {40, 10}}) {
      SearchOptions fast{
          .offset = offset, .limit = limit, .matched_terms = true, .first_pass_depth = 20};
      SearchOptions full = fast;
      full.full_depth = true;
      SearchOptions old = fast;
      old.legacy_rerank = true;
      auto a = idx->Search(*plan, fast);
      auto b = idx->Search(*plan, full);
      auto c = idx->Search(*plan, old);
      ASSERT_TRUE(a.ok() && b.ok() && c.ok());
      (a->trace.passes == 1 ? one_pass : two_passes) += 1;
      EXPECT_EQ(b->trace.passes, 1);
      ASSERT_EQ(a->hits.size(), b->hits.size()) << q;
      ASSERT_EQ(a->hits.size(), c->hits.size()) << q;
      ASSERT_FALSE(a->hits.empty()) << q;
      for (size_t i = 0; i < a->hits.size(); ++i) {
        for (const RawResults* other : {&*b, &*c}) {
          EXPECT_NEAR(a->hits[i].score, other->hits[i].score, 1e-9) << q << " #" << i;
          EXPECT_EQ(a->hits[i].doc.id, other->hits[i].doc.id) << q << " #" << i;
          std::set<std::string> ma(a->hits[i].matched_terms.begin(),
                                   a->hits[i].matched_terms.end());
          std::set<std::string> mb(other->hits[i].matched_terms.begin(),
                                   other->hits[i].matched_terms.end());
          EXPECT_EQ(ma, mb) << q << " #" << i;
        }
      }
    }
  }
  EXPECT_GT(one_pass, 0);
  EXPECT_GT(two_passes, 0);
  idx.reset();
}

// The ranking experiment (coverage bonus instead of the coordination rerank, bigrams folded into
// equal words): the matcher ranks the page itself, and its pruning for a short page gives the
// head of a long one (same documents, scores to 1e-9); shards rank like one database.
TEST(SearchShardTest, CoverageBonusExperimentPrunesWithoutChangingItsRanking) {
  ASSERT_NE(A(), nullptr);
  auto two = TopicIndex("bonus2", 2);
  auto one = TopicIndex("bonus1", 1);
  for (const std::string q :
       {"激光雷达在工业机器人的应用", "锂电池 芯片", "石墨烯 碳纤维 高新区"}) {
    auto plan = BuildPlan(An(), {.q = q});
    ASSERT_TRUE(plan.ok());
    for (bool merge : {false, true}) {
      SearchOptions page{.limit = 10, .coverage_bonus = 1.0, .merge_bigrams = merge};
      SearchOptions deep = page;
      deep.limit = 300;
      auto a = two->Search(*plan, page);
      auto b = two->Search(*plan, deep);
      auto c = one->Search(*plan, deep);
      ASSERT_TRUE(a.ok() && b.ok() && c.ok());
      ASSERT_EQ(a->hits.size(), 10u) << q;
      for (size_t i = 0; i < a->hits.size(); ++i) {
        EXPECT_EQ(a->hits[i].doc.id, b->hits[i].doc.id) << q << " #" << i;
        EXPECT_NEAR(a->hits[i].score, b->hits[i].score, 1e-9) << q << " #" << i;
        EXPECT_NEAR(b->hits[i].score, c->hits[i].score, 1e-9) << q << " #" << i;
      }
      for (size_t i = 1; i < b->hits.size(); ++i) {
        EXPECT_GE(b->hits[i - 1].score, b->hits[i].score) << q;  // no rerank: BM25 order
      }
    }
  }
}

// ids_only gives the same ranking with only type and id filled in (no record read).
TEST(SearchShardTest, IdsOnlyHitsCarryTypeAndIdInTheSameOrder) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("idsonly", 2);
  auto plan = BuildPlan(An(), {.q = "激光雷达在工业机器人的应用"});
  ASSERT_TRUE(plan.ok());
  auto full = idx->Search(*plan, {.limit = 100});
  auto ids = idx->Search(*plan, {.limit = 100, .ids_only = true});
  ASSERT_TRUE(full.ok() && ids.ok());
  ASSERT_EQ(full->hits.size(), 100u);
  ASSERT_EQ(ids->hits.size(), 100u);
  for (size_t i = 0; i < ids->hits.size(); ++i) {
    EXPECT_EQ(ids->hits[i].doc.type, full->hits[i].doc.type);
    EXPECT_EQ(ids->hits[i].doc.id, full->hits[i].doc.id);
    EXPECT_NEAR(ids->hits[i].score, full->hits[i].score, 1e-9);
    EXPECT_FALSE(full->hits[i].doc.title.empty());
    EXPECT_TRUE(ids->hits[i].doc.title.empty());
    EXPECT_TRUE(ids->hits[i].doc.fields.empty());
  }
  idx.reset();
}

// Facet counts are exact only when every match was counted; otherwise the results say they are
// estimates (facets_exact false) — on the default path and the legacy one.
TEST(SearchShardTest, FacetCountsSayWhetherTheyAreExact) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("facetsexact", 2);
  auto plan = BuildPlan(An(), {.q = "锂电池"});
  ASSERT_TRUE(plan.ok());
  for (bool legacy : {false, true}) {
    auto all = idx->Search(*plan, {.limit = 10, .facets = true, .legacy_rerank = legacy});
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(all->facets_exact) << legacy;
    int64_t counted = 0;
    for (const FacetCount& c : all->facets["district"]) {
      counted += c.count;
    }
    EXPECT_EQ(counted, all->total) << legacy;  // every match counted once
    auto sample = idx->Search(
        *plan, {.limit = 10, .facets = true, .check_at_least = 20, .legacy_rerank = legacy});
    ASSERT_TRUE(sample.ok());
    EXPECT_FALSE(sample->facets_exact) << legacy;
    EXPECT_GT(sample->total, 20) << legacy;
    // The API response says so.
    SearchRequest req{.q = "锂电池"};
    EXPECT_NE(SearchResponseJson(ToSearchResponse(An(), *plan, req, *sample))
                  .find("\"facets_exact\":false"),
              std::string::npos);
    EXPECT_NE(
        SearchResponseJson(ToSearchResponse(An(), *plan, req, *all)).find("\"facets_exact\":true"),
        std::string::npos);
    auto none = idx->Search(*plan, {.limit = 10, .legacy_rerank = legacy});
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->facets_exact) << legacy;
    EXPECT_TRUE(none->facets.empty()) << legacy;
  }
  idx.reset();
}

// The hits of a whole-query search by document id.
std::map<std::string, const RawHit*> HitsById(const RawResults& all) {
  std::map<std::string, const RawHit*> by_id;
  for (const RawHit& h : all.hits) {
    by_id[h.doc.id] = &h;
  }
  return by_id;
}

// Checks a search that left terms out of the matcher (`a`) against the whole query: every hit
// keeps exactly the whole query's score (1e-9) and matched terms (`by_id`); with `exact`, or when
// the trace says the page is proven, the page is the full-depth page `b`. Returns whether the
// pages were compared.
bool ExpectWholeQueryScores(const RawResults& a, const RawResults& b,
                            const std::map<std::string, const RawHit*>& by_id, bool exact,
                            const std::string& q) {
  EXPECT_EQ(a.hits.size(), 10u) << q;
  for (const RawHit& h : a.hits) {
    auto it = by_id.find(h.doc.id);
    if (it == by_id.end()) {
      ADD_FAILURE() << q << " " << h.doc.id << " is not a hit of the whole query";
      continue;
    }
    EXPECT_NEAR(h.score, it->second->score, 1e-9) << q << " " << h.doc.id;
    std::set<std::string> ma(h.matched_terms.begin(), h.matched_terms.end());
    std::set<std::string> mb(it->second->matched_terms.begin(), it->second->matched_terms.end());
    EXPECT_EQ(ma, mb) << q << " " << h.doc.id;
  }
  if (!exact && !a.trace.common_proven) {
    return false;
  }
  EXPECT_EQ(a.hits.size(), b.hits.size()) << q;
  for (size_t i = 0; i < a.hits.size() && i < b.hits.size(); ++i) {
    EXPECT_EQ(a.hits[i].doc.id, b.hits[i].doc.id) << q << " #" << i;
    EXPECT_NEAR(a.hits[i].score, b.hits[i].score, 1e-9) << q << " #" << i;
  }
  return true;
}

// Common terms (in more than common_term_share of the documents) are left out of the matcher's
// query and their BM25 parts added from their posting lists: every hit keeps exactly the score
// the whole query gives it (1e-9) and its matched terms; when the trace says the page is proven,
// or with common_terms_exact, the page is the whole query's page.
TEST(SearchShardTest, CommonTermsLeftOutOfTheMatcherKeepTheScores) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("commonterms", 2);
  int split = 0, proven_or_exact = 0, fallbacks = 0;
  // "面向" and "应用" are in every body, "激光雷达" etc. in an eighth, "xxxxxxxxxx" in 54
  // documents (fewer than the rerank depth: the whole query runs after all).
  for (const std::string q : {"面向激光雷达的应用", "锂电池 应用 芯片", "量子通信应用",
                              "面向工业机器人、碳纤维的应用", "面向应用 xxxxxxxxxx"}) {
    auto plan = BuildPlan(An(), {.q = q});
    ASSERT_TRUE(plan.ok()) << plan.status();
    SearchOptions whole{
        .limit = 600, .matched_terms = true, .full_depth = true, .rerank_depth = 600};
    auto all = idx->Search(*plan, whole);
    ASSERT_TRUE(all.ok());
    const std::map<std::string, const RawHit*> by_id = HitsById(*all);
    for (bool exact : {false, true}) {
      SearchOptions fast{.limit = 10,
                         .matched_terms = true,
                         .common_term_share = 0.5,
                         .common_term_min_docs = 0,
                         .common_terms_exact = exact};
      SearchOptions full = fast;
      full.full_depth = true;
      auto a = idx->Search(*plan, fast);
      auto b = idx->Search(*plan, full);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_GT(a->trace.common_terms, 0) << q;
      EXPECT_EQ(b->trace.common_terms, 0) << q;
      split += 1;
      fallbacks += a->trace.common_fallback ? 1 : 0;
      // Every hit scores as the whole query scores it (coordination over the same terms).
      proven_or_exact += ExpectWholeQueryScores(*a, *b, by_id, exact, q) ? 1 : 0;
      if (exact) {
        EXPECT_TRUE(a->trace.common_proven || a->trace.common_fallback) << q;
      }
    }
    // Without facets the total still counts the common terms' matches (every document here).
    auto c = idx->Search(*plan, {.limit = 10, .common_term_share = 0.5, .common_term_min_docs = 0});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->total, 600) << q;
  }
  EXPECT_EQ(split, 10);
  EXPECT_GE(fallbacks, 2);  // the whole query's scores after a fallback (common parts not added)
  EXPECT_GE(proven_or_exact, 4);
  // Below the minimum number of documents (the default 10,000) nothing is left out.
  auto plan = BuildPlan(An(), {.q = "面向激光雷达的应用"});
  ASSERT_TRUE(plan.ok());
  auto d = idx->Search(*plan, {.limit = 10, .common_term_share = 0.5});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->trace.common_terms, 0);
  idx.reset();
}

// Terms inside a query word (SearchOptions::defer_inner_terms) stay out of the matcher's OR and
// are scored afterwards from their posting lists: every hit keeps the score and matched terms
// the whole query gives it; when the page is proven (or the exact mode runs the whole OR) it is
// the whole query's page. Level 1 leaves out exactly the bigrams inside a word of the query,
// level 2 also the words inside a longer one; below defer_inner_min_docs nothing is left out.
TEST(SearchShardTest, TermsInsideAQueryWordLeftOutOfTheMatcherKeepTheScores) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("innerterms", 2);
  auto is_bigram = [](const std::string& t) { return t.rfind(kBigramPrefix, 0) == 0; };
  int proven_or_exact = 0;
  for (const std::string q :
       {"激光雷达在工业机器人的应用", "锂电池隔膜 芯片", "量子通信", "面向石墨烯、碳纤维的应用"}) {
    auto plan = BuildPlan(An(), {.q = q});
    ASSERT_TRUE(plan.ok()) << plan.status();
    // Level 1's expected count: bigrams whose characters lie in a word term of the query.
    int inside = 0;
    for (const PlanTerm& b : plan->terms) {
      if (!is_bigram(b.term)) {
        continue;
      }
      const std::string chars = b.term.substr(kBigramPrefix.size());
      for (const PlanTerm& w : plan->terms) {
        if (!is_bigram(w.term) && w.term.find(chars) != std::string::npos) {
          ++inside;
          break;
        }
      }
    }
    ASSERT_GT(inside, 0) << q;
    SearchOptions whole{
        .limit = 600, .matched_terms = true, .full_depth = true, .rerank_depth = 600};
    auto all = idx->Search(*plan, whole);
    ASSERT_TRUE(all.ok());
    const std::map<std::string, const RawHit*> by_id = HitsById(*all);
    int level1_inner = 0;
    for (int level : {1, 2}) {
      for (bool exact : {false, true}) {
        SearchOptions fast{.limit = 10,
                           .matched_terms = true,
                           .common_term_share = 0,
                           .common_terms_exact = exact,
                           .defer_inner_terms = level,
                           .defer_inner_min_docs = 0};
        SearchOptions full = fast;
        full.full_depth = true;
        auto a = idx->Search(*plan, fast);
        auto b = idx->Search(*plan, full);
        ASSERT_TRUE(a.ok() && b.ok());
        EXPECT_EQ(b->trace.inner_terms, 0) << q;
        if (level == 1) {
          EXPECT_EQ(a->trace.inner_terms, inside) << q;
          level1_inner = a->trace.inner_terms;
        } else {
          EXPECT_GE(a->trace.inner_terms, level1_inner) << q;
        }
        EXPECT_EQ(a->trace.common_terms, a->trace.inner_terms) << q;
        proven_or_exact += ExpectWholeQueryScores(*a, *b, by_id, exact, q) ? 1 : 0;
      }
    }
  }
  EXPECT_GE(proven_or_exact, 8);
  // "激光雷达" holds the words "激光" and "雷达" (jieba's search mode): level 2 leaves them out
  // too.
  auto plan = BuildPlan(An(), {.q = "激光雷达"});
  ASSERT_TRUE(plan.ok());
  auto l1 = idx->Search(
      *plan,
      {.limit = 10, .common_term_share = 0, .defer_inner_terms = 1, .defer_inner_min_docs = 0});
  auto l2 = idx->Search(
      *plan,
      {.limit = 10, .common_term_share = 0, .defer_inner_terms = 2, .defer_inner_min_docs = 0});
  ASSERT_TRUE(l1.ok() && l2.ok());
  EXPECT_EQ(l1->trace.inner_terms, 3);  // B激光 B光雷 B雷达
  EXPECT_EQ(l2->trace.inner_terms, 5);  // and 激光 雷达
  // English words are not looked inside; below the minimum number of documents (the default
  // 10,000) nothing is left out.
  auto english = BuildPlan(An(), {.q = "chain ai"});
  ASSERT_TRUE(english.ok());
  auto e = idx->Search(*english, {.limit = 10, .defer_inner_terms = 2, .defer_inner_min_docs = 0});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->trace.inner_terms, 0);
  auto d = idx->Search(*plan, {.limit = 10, .defer_inner_terms = 2});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->trace.inner_terms, 0);
  idx.reset();
}

// The facet sample runs as its own unweighted pass over the first matches in document order,
// so the ranking's matcher can prune: the page is the same as without facets, and the counts
// are exact when the query has fewer matches than the sample.
TEST(SearchShardTest, FacetSampleIsAPassOfItsOwn) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("facetpass", 2);
  auto plan = BuildPlan(An(), {.q = "激光雷达在工业机器人的应用"});
  ASSERT_TRUE(plan.ok());
  auto with = idx->Search(*plan, {.limit = 10, .facets = true});
  auto without = idx->Search(*plan, {.limit = 10});
  auto inline_way = idx->Search(*plan, {.limit = 10, .facets = true, .full_depth = true});
  ASSERT_TRUE(with.ok() && without.ok() && inline_way.ok());
  ASSERT_EQ(with->hits.size(), 10u);
  for (size_t i = 0; i < with->hits.size(); ++i) {
    EXPECT_EQ(with->hits[i].doc.id, without->hits[i].doc.id);
    EXPECT_EQ(with->hits[i].doc.id, inline_way->hits[i].doc.id);
  }
  EXPECT_GT(with->trace.facet_ms, 0);
  EXPECT_EQ(inline_way->trace.facet_ms, 0);
  // All 600 documents match ("应用" is in every body) and fewer than kFacetSample: exact.
  EXPECT_TRUE(with->facets_exact);
  EXPECT_EQ(with->total, 600);
  int64_t counted = 0;
  for (const FacetCount& c : with->facets["district"]) {
    counted += c.count;
  }
  EXPECT_EQ(counted, 600);
  ASSERT_EQ(with->facets["district"].size(), inline_way->facets["district"].size());
  for (size_t i = 0; i < with->facets["district"].size(); ++i) {
    EXPECT_EQ(with->facets["district"][i].value, inline_way->facets["district"][i].value);
    EXPECT_EQ(with->facets["district"][i].count, inline_way->facets["district"][i].count);
  }
  // A sample smaller than the matches: estimates, and the page does not change.
  auto sample = idx->Search(*plan, {.limit = 10, .facets = true, .check_at_least = 20});
  ASSERT_TRUE(sample.ok());
  EXPECT_FALSE(sample->facets_exact);
  counted = 0;
  for (const FacetCount& c : sample->facets["district"]) {
    counted += c.count;
  }
  EXPECT_EQ(counted, 20);  // 10 per shard
  for (size_t i = 0; i < sample->hits.size(); ++i) {
    EXPECT_EQ(sample->hits[i].doc.id, without->hits[i].doc.id);
  }
  idx.reset();
}

// A page's snippets are built on two threads: each hit keeps its own snippet, matched words and
// place, as if built one by one.
TEST(SearchShardTest, PageSnippetsMatchTheirOwnHits) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("snippets", 2);
  auto plan = BuildPlan(An(), {.q = "激光雷达在工业机器人的应用"});
  ASSERT_TRUE(plan.ok());
  auto raw = idx->Search(*plan, {.limit = 10, .matched_terms = true});
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->hits.size(), 10u);
  SearchResponse resp = ToSearchResponse(An(), *plan, {.q = "激光雷达在工业机器人的应用"}, *raw);
  ASSERT_EQ(resp.hits.size(), 10u);
  for (size_t i = 0; i < resp.hits.size(); ++i) {
    const RawHit& h = raw->hits[i];
    EXPECT_EQ(resp.hits[i].doc.id, h.doc.id);
    EXPECT_EQ(resp.hits[i].score, h.score);
    const Field* body = nullptr;
    for (const Field& f : h.doc.fields) {
      if (body == nullptr || f.text.size() > body->text.size()) {
        body = &f;
      }
    }
    ASSERT_NE(body, nullptr);
    std::set<std::string> terms(h.matched_terms.begin(), h.matched_terms.end());
    EXPECT_EQ(resp.hits[i].snippet, Snippet(An(), body->text, terms)) << i;
    EXPECT_NE(resp.hits[i].snippet.find("<mark>"), std::string::npos) << i;
    EXPECT_FALSE(resp.hits[i].matched.empty()) << i;
  }
  idx.reset();
}

// The rerank-depth experiment: coordination reranks that many BM25 matches.
TEST(SearchShardTest, RerankDepthSetsHowManyMatchesAreReranked) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("rerankdepth", 2);
  auto plan = BuildPlan(An(), {.q = "激光雷达在工业机器人的应用"});
  ASSERT_TRUE(plan.ok());
  auto shallow = idx->Search(*plan, {.limit = 10, .rerank_depth = 30});
  auto deep = idx->Search(*plan, {.limit = 10});
  ASSERT_TRUE(shallow.ok() && deep.ok());
  EXPECT_EQ(shallow->trace.depth, 30u);
  EXPECT_EQ(deep->trace.depth, 100u);
  EXPECT_EQ(shallow->hits.size(), 10u);
  idx.reset();
}

// kechan's MaxScore matcher ranks as Xapian's Enquire over the same query: same scores and pages
// (up to the order of exact ties), with type and facet filters, excluded keys, shallow and deep
// rerank depths, and pages at several offsets, on shards of a corpus where coordination reorders
// a lot. Some queries prune (documents skipped), so the pruning is what is compared.
TEST(SearchShardTest, MaxScoreMatcherRanksLikeXapiansMatcher) {
  ASSERT_NE(A(), nullptr);
  auto idx = TopicIndex("maxscore", 2);
  int pruned = 0, exhaustive = 0;
  for (const std::string q :
       {"锂电池 芯片", "激光雷达在工业机器人的应用", "量子", "石墨烯 碳纤维 高新区",
        "氢燃料电池隔膜材料", "人工智能芯片与激光雷达、量子通信", "碳纤维机器人", "电池 x"}) {
    for (int filter = 0; filter < 4; ++filter) {
      auto plan = BuildPlan(An(), {.q = q});
      ASSERT_TRUE(plan.ok()) << plan.status();
      if (filter == 1) {
        plan->types = {"demand"};
      } else if (filter == 2) {
        plan->filters["district"] = {"天府新区", "高新区"};
        plan->exclude_keys = {"achievement:1", "achievement:2", "demand:3", "demand:6"};
      } else if (filter == 3) {
        plan->types = {"achievement"};
        plan->filters["district"] = {"高新区"};
      }
      for (auto [offset, limit, depth, facets] :
           std::vector<std::tuple<size_t, size_t, size_t, bool>>{{0, 10, 0, true},
                                                                 {7, 10, 0, false},
                                                                 {0, 5, 5, false},
                                                                 {3, 10, 20, true},
                                                                 {0, 30, 0, false}}) {
        SearchOptions ours{.offset = offset,
                           .limit = limit,
                           .facets = facets,
                           .matched_terms = true,
                           .rerank_depth = depth};
        SearchOptions xapian = ours;
        xapian.xapian_matcher = true;
        auto a = idx->Search(*plan, ours);
        auto b = idx->Search(*plan, xapian);
        ASSERT_TRUE(a.ok() && b.ok()) << q;
        const std::string what = q + " filter " + std::to_string(filter) + " offset " +
                                 std::to_string(offset) + " depth " + std::to_string(depth);
        ASSERT_FALSE(b->hits.empty()) << what;
        EXPECT_FALSE(b->trace.matcher_pruned) << what;
        (a->trace.matcher_pruned ? pruned : exhaustive) += 1;
        EXPECT_EQ(a->trace.depth, b->trace.depth) << what;
        if (facets) {
          EXPECT_EQ(a->total, b->total) << what;
          auto counts = [](const RawResults& r) {
            std::map<std::string, std::vector<std::pair<std::string, int64_t>>> out;
            for (const auto& [facet, values] : r.facets) {
              for (const FacetCount& c : values) {
                out[facet].emplace_back(c.value, c.count);
              }
            }
            return out;
          };
          EXPECT_EQ(counts(*a), counts(*b)) << what;
        } else if (!a->trace.matcher_pruned) {
          EXPECT_EQ(a->total, b->total) << what;  // every match was counted
        }
        EXPECT_GE(a->total, static_cast<int64_t>(a->hits.size() + offset)) << what;
        ExpectSamePageUpToTies(*a, *b, offset, what);
      }
    }
  }
  EXPECT_GT(pruned, 0);
  EXPECT_GT(exhaustive, 0);
  idx.reset();
}

// A randomised comparison of the MaxScore matcher with Xapian's: documents of 1-12 terms drawn
// with skewed frequencies from a 30-term vocabulary, wdf 1-5 (many exact ties), some documents
// replaced and deleted after the commit (pending changes); plans of 1-7 terms with weights
// 0.1-2.0, duplicates, synonyms and terms no document has; random pages, rerank depths, facets,
// type filters and excluded keys; one and three shards. Every page equal up to the order of ties.
TEST(SearchShardTest, MaxScoreMatcherAgreesWithXapiansOnRandomIndexes) {
  std::mt19937 rng(20261130);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int shards : {1, 3}) {
    auto idx =
        OpenXapianIndex(TempDir("maxscore-random-" + std::to_string(shards)), {.shards = shards});
    ASSERT_TRUE(idx.ok()) << idx.status();
    auto add = [&](int i) {
      IndexedDocument d;
      d.doc.type = i % 4 != 0 ? "achievement" : "demand";
      d.doc.id = std::to_string(i);
      d.doc.title = "doc " + d.doc.id;
      std::map<std::string, uint32_t> terms;
      for (int k = 1 + pick(12); k > 0; --k) {
        terms["w" + std::to_string(std::min(pick(30), pick(30)))] +=
            static_cast<uint32_t>(1 + pick(5));
      }
      d.terms.assign(terms.begin(), terms.end());
      ASSERT_TRUE((*idx)->Replace(std::move(d)).ok());
    };
    for (int i = 0; i < 500; ++i) {
      add(i);
    }
    ASSERT_TRUE((*idx)->Commit().ok());
    for (int i = 0; i < 60; ++i) {
      add(pick(500));
      ASSERT_TRUE((*idx)->Delete("achievement", std::to_string(1 + 4 * pick(120))).ok());
    }
    int pruned = 0;
    for (int q = 0; q < 80; ++q) {
      QueryPlan plan;
      for (int k = 1 + pick(7); k > 0; --k) {
        plan.terms.push_back({.term = "w" + std::to_string(pick(32)),
                              .surface = "w",
                              .weight = (1 + pick(20)) / 10.0,
                              .synonym = pick(5) == 0});
      }
      if (q % 3 == 1) {
        plan.types = {"demand"};
      } else if (q % 3 == 2) {
        for (int k = 0; k < 20; ++k) {
          plan.exclude_keys.push_back("achievement:" + std::to_string(pick(500)));
        }
      }
      const size_t depths[] = {0, 3, 20, 50};
      SearchOptions ours{.offset = static_cast<size_t>(pick(15)),
                         .limit = static_cast<size_t>(1 + pick(20)),
                         .facets = pick(2) == 0,
                         .matched_terms = true,
                         .rerank_depth = depths[pick(4)]};
      SearchOptions xapian = ours;
      xapian.xapian_matcher = true;
      auto a = (*idx)->Search(plan, ours);
      auto b = (*idx)->Search(plan, xapian);
      ASSERT_TRUE(a.ok() && b.ok()) << q;
      pruned += a->trace.matcher_pruned ? 1 : 0;
      const std::string what = std::to_string(shards) + " shards, query " + std::to_string(q);
      if (ours.facets) {
        EXPECT_EQ(a->total, b->total) << what;
      } else if (!a->trace.matcher_pruned) {
        // Nothing skipped: our count is exact (Xapian's is an estimate once it prunes), so it
        // equals the facet pass's count of every match.
        SearchOptions counted = xapian;
        counted.facets = true;
        auto c = (*idx)->Search(plan, counted);
        ASSERT_TRUE(c.ok());
        ASSERT_TRUE(c->facets_exact) << what;
        EXPECT_EQ(a->total, c->total) << what;
      }
      ExpectSamePageUpToTies(*a, *b, ours.offset, what);
      // An empty page (only the count asked): for one term there is nothing to rank, and
      // Xapian's matcher counts; otherwise the rerank depth is ranked and the count is exact
      // when nothing was skipped.
      auto c = (*idx)->Search(plan, {.limit = 0});
      auto x = (*idx)->Search(plan, {.limit = 0, .xapian_matcher = true});
      auto exact = (*idx)->Search(plan, {.limit = 0, .facets = true, .xapian_matcher = true});
      ASSERT_TRUE(c.ok() && x.ok() && exact.ok()) << what;
      ASSERT_TRUE(exact->facets_exact) << what;
      EXPECT_TRUE(c->hits.empty()) << what;
      if (plan.terms.size() == 1) {
        EXPECT_FALSE(c->trace.matcher_pruned) << what;
        EXPECT_EQ(c->total, x->total) << what;
      } else if (!c->trace.matcher_pruned) {
        EXPECT_EQ(c->total, exact->total) << what;
      }
    }
    EXPECT_GT(pruned, 10) << shards;
    idx->reset();
  }
}

// A search while a long batch is being written waits for the writes queued before it, not for
// the whole batch: the writer is held before the first document, a search arrives, 600 more
// documents matching it are queued after it, the writer is let go — and the search sees exactly
// the first document. Afterwards everything is there.
TEST(SearchShardTest, SearchDuringALongBatchWaitsOnlyForEarlierWrites) {
  ASSERT_NE(A(), nullptr);
  std::promise<void> writer_held;
  std::promise<void> reader_waiting;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  XapianIndexOptions options{.shards = 1};
  options.before_write = [&, first = true](std::string_view id_term) mutable {
    if (first && id_term == "Qdemand:first") {
      first = false;
      writer_held.set_value();
      released.wait();
    }
  };
  options.on_read_wait = [&, first = true]() mutable {
    if (first) {
      first = false;
      reader_waiting.set_value();
    }
  };
  auto idx = OpenXapianIndex(TempDir("seqwait"), options);
  ASSERT_TRUE(idx.ok()) << idx.status();
  Index& index = **idx;
  auto doc = [](const std::string& id) {
    auto d = AnalyzeDocument(An(), Doc("demand", id, "激光雷达标定", "激光雷达标定服务需求"));
    EXPECT_TRUE(d.ok());
    return *d;
  };
  ASSERT_TRUE(index.Replace(doc("first")).ok());
  writer_held.get_future().wait();
  auto plan = BuildPlan(An(), {.q = "激光雷达"});
  ASSERT_TRUE(plan.ok());
  auto search = std::async(std::launch::async, [&] { return index.Search(*plan, {.limit = 10}); });
  reader_waiting.get_future().wait();
  constexpr int kLater = 600;  // more than a shard's queue holds: the producer blocks meanwhile
  auto producer = std::async(std::launch::async, [&] {
    for (int i = 0; i < kLater; ++i) {
      EXPECT_TRUE(index.Replace(doc("later" + std::to_string(i))).ok());
    }
  });
  release.set_value();
  auto during = search.get();
  ASSERT_TRUE(during.ok()) << during.status();
  ASSERT_EQ(during->hits.size(), 1u);
  EXPECT_EQ(during->hits[0].doc.id, "first");
  EXPECT_EQ(during->total, 1);
  producer.get();
  ASSERT_TRUE(index.Commit().ok());
  auto after = index.Search(*plan, {.limit = 10, .check_at_least = 1000});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->total, kLater + 1);
  EXPECT_EQ(*index.DocCount(), kLater + 1);
  idx->reset();
}

// Producers of a full queue sleep until the writer has taken half of it. Three producers at
// once, each queueing far more than a queue holds, with searches in between: none of them is
// left asleep (the test would hang), and every document is written.
TEST(SearchShardTest, ProducersOfAFullQueueAreAllWokenAndNothingIsLost) {
  ASSERT_NE(A(), nullptr);
  auto idx = OpenXapianIndex(TempDir("producers"), {.shards = 2});
  ASSERT_TRUE(idx.ok()) << idx.status();
  Index& index = **idx;
  auto base = AnalyzeDocument(An(), Doc("demand", "x", "激光雷达标定", "激光雷达标定服务需求"));
  ASSERT_TRUE(base.ok());
  constexpr int kProducers = 3;
  constexpr int kEach = 700;  // each shard's queue holds 256
  std::vector<std::future<void>> producers;
  producers.reserve(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.push_back(std::async(std::launch::async, [&, p] {
      for (int i = 0; i < kEach; ++i) {
        IndexedDocument d = *base;
        d.doc.id = std::to_string(p) + "-" + std::to_string(i);
        EXPECT_TRUE(index.Replace(std::move(d)).ok());
      }
    }));
  }
  auto plan = BuildPlan(An(), {.q = "激光雷达"});
  ASSERT_TRUE(plan.ok());
  for (int s = 0; s < 20; ++s) {
    auto during = index.Search(*plan, {.limit = 10});
    ASSERT_TRUE(during.ok()) << during.status();
  }
  for (auto& p : producers) {
    p.get();
  }
  ASSERT_TRUE(index.Commit().ok());
  EXPECT_EQ(*index.DocCount(), kProducers * kEach);
  idx->reset();
}

TEST(SearchSnippetTest, HighlightsMatchesAndEscapesHtml) {
  ASSERT_NE(A(), nullptr);
  std::string s = Snippet(An(), "<b>新型</b>锂电池隔膜 for batteries", {"锂电池", "batteri"});
  EXPECT_NE(s.find("<mark>锂电池</mark>"), std::string::npos) << s;
  EXPECT_NE(s.find("<mark>batteries</mark>"), std::string::npos) << s;
  EXPECT_NE(s.find("&lt;b&gt;"), std::string::npos) << s;
  EXPECT_EQ(s.find("<b>"), std::string::npos) << s;
}

// A source that turns "test.doc.*" events into documents from their payload (the title).
class PayloadSource : public DocumentSource {
 public:
  base::Result<std::vector<Change>> Changes(const store::Event& e) override {
    if (e.kind == "test.doc.deleted") {
      return std::vector<Change>{{"doc", e.entity_id, std::nullopt}};
    }
    if (e.kind != "test.doc.saved") {
      return std::vector<Change>{};
    }
    Document d = Doc("doc", e.entity_id, e.payload.substr(9, e.payload.size() - 11), "");
    return std::vector<Change>{{"doc", e.entity_id, d}};
  }
};

class SearchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(A(), nullptr);
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto migrations = store::StoreMigrations();
    for (auto& m : Migrations()) {
      migrations.push_back(m);
    }
    ASSERT_TRUE(store::Migrate(*db_, migrations).ok());
    dir_ = TempDir("service");
    Open();
  }
  void Open() {
    service_.reset();
    auto idx = OpenXapianIndex(dir_, {.shards = shards_});
    ASSERT_TRUE(idx.ok()) << idx.status();
    std::unique_ptr<Index> index = std::move(*idx);
    if (wrap_) {
      index = wrap_(std::move(index));
    }
    service_ = std::make_unique<SearchService>(*db_, *A(), std::move(index), clock_);
    service_->AddSource(std::make_unique<PayloadSource>());
  }
  void TearDown() override {
    service_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Emit(const std::string& kind, const std::string& id, const std::string& title) {
    ASSERT_TRUE(store::WithWriteTx(*db_, [&](store::Tx& tx) {
                  return store::AppendEvent(tx,
                                            {.kind = kind,
                                             .entity = "doc",
                                             .entity_id = id,
                                             .actor = "test",
                                             .payload = "{\"title\":\"" + title + "\"}"},
                                            clock_)
                      .status();
                }).ok());
  }
  int64_t Hits(const std::string& q) {
    auto r = service_->Search({.q = q});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? static_cast<int64_t>(r->hits.size()) : -1;
  }
  void CatchUp() {
    for (int i = 0; i < 100; ++i) {
      auto n = service_->Tick();
      ASSERT_TRUE(n.ok()) << n.status();
      if (*n == 0) {
        return;
      }
    }
  }
  base::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<store::Database> db_;
  std::string dir_;
  int shards_ = 2;
  std::function<std::unique_ptr<Index>(std::unique_ptr<Index>)> wrap_;
  std::unique_ptr<SearchService> service_;
};

// Counts the writes and commits reaching the real index. While `crash` is set it behaves like a
// process that dies before its commit: writes and metadata never reach the index, Commit fails.
class CountingIndex : public Index {
 public:
  struct Counts {
    int replaces = 0;
    int deletes = 0;
    int commits = 0;
    bool crash = false;
  };
  CountingIndex(std::unique_ptr<Index> inner, Counts& counts)
      : inner_(std::move(inner)), counts_(counts) {}
  base::Status Replace(const IndexedDocument& doc) override {
    ++counts_.replaces;
    return counts_.crash ? base::Status::Ok() : inner_->Replace(doc);
  }
  base::Status Delete(std::string_view type, std::string_view id) override {
    ++counts_.deletes;
    return counts_.crash ? base::Status::Ok() : inner_->Delete(type, id);
  }
  base::Status Commit() override {
    if (counts_.crash) {
      return base::Internal("test.crash", "the process died before its commit");
    }
    ++counts_.commits;
    return inner_->Commit();
  }
  base::Result<RawResults> Search(const QueryPlan& plan, const SearchOptions& options) override {
    return inner_->Search(plan, options);
  }
  base::Result<std::optional<Document>> Get(std::string_view type, std::string_view id) override {
    return inner_->Get(type, id);
  }
  base::Result<std::string> GetMeta(std::string_view key) override { return inner_->GetMeta(key); }
  base::Status SetMeta(std::string_view key, std::string_view value) override {
    return counts_.crash ? base::Status::Ok() : inner_->SetMeta(key, value);
  }
  base::Result<int64_t> DocCount() override { return inner_->DocCount(); }
  base::Status Clear() override { return inner_->Clear(); }

 private:
  std::unique_ptr<Index> inner_;
  Counts& counts_;
};

TEST_F(SearchServiceTest, IndexerFollowsTheLogAndRecordsTheLastEvent) {
  Emit("test.doc.saved", "1", "石墨烯散热膜");
  Emit("test.doc.saved", "2", "工业机器人减速器");
  CatchUp();
  EXPECT_EQ(Hits("石墨烯"), 1);
  Emit("test.doc.deleted", "1", "");
  CatchUp();
  EXPECT_EQ(Hits("石墨烯"), 0);
  auto state = service_->State();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->last_seq, state->head);
  EXPECT_EQ(state->documents, 1);
}

// A configured index directory replaces DATA/search, so a server without --data (PostgreSQL)
// still gets search; with neither, Get names "data".
TEST_F(SearchServiceTest, ModuleUsesAConfiguredIndexDirectoryWithoutData) {
  SearchModule none(*db_, clock_, "", {});
  auto missing = none.Get();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(missing.status().field(), "data");
  std::filesystem::path dir = std::filesystem::path(dir_ + "-module") / "idx";
  SearchModule module(*db_, clock_, "", {});
  module.SetIndexDir(dir.string());
  auto s = module.Get();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(std::filesystem::exists(dir));
  std::filesystem::remove_all(dir.parent_path());
}

TEST_F(SearchServiceTest, CatchesUpAfterRestartAndRebuildsALostIndex) {
  Emit("test.doc.saved", "1", "石墨烯散热膜");
  CatchUp();
  Emit("test.doc.saved", "2", "工业机器人减速器");  // not applied before the "crash"
  Open();
  CatchUp();
  EXPECT_EQ(Hits("减速器"), 1);
  // The index directory is lost: the indexer notices it is older than the cursor and rebuilds.
  service_.reset();
  std::filesystem::remove_all(dir_);
  Open();
  CatchUp();
  EXPECT_EQ(Hits("石墨烯"), 1);
  EXPECT_EQ(Hits("减速器"), 1);
}

TEST_F(SearchServiceTest, RebuildReportsProgressToTheHead) {
  for (int i = 0; i < 5; ++i) {
    Emit("test.doc.saved", std::to_string(i), "传感器" + std::to_string(i));
  }
  int64_t last_done = -1;
  int64_t last_head = -2;
  ASSERT_TRUE(service_
                  ->Rebuild([&](int64_t done, int64_t head) {
                    last_done = done;
                    last_head = head;
                  })
                  .ok());
  EXPECT_EQ(last_done, last_head);
  EXPECT_EQ(Hits("传感器"), 5);
}

// The indexer applies a batch of events with one commit that also records the batch's last event.
TEST_F(SearchServiceTest, TickAppliesABatchWithOneCommitAndRecordsItsLastEvent) {
  CountingIndex::Counts counts;
  wrap_ = [&](std::unique_ptr<Index> inner) {
    return std::make_unique<CountingIndex>(std::move(inner), counts);
  };
  Open();
  for (int i = 0; i < 40; ++i) {
    Emit("test.doc.saved", std::to_string(i), "激光雷达" + std::to_string(i));
  }
  Emit("test.doc.deleted", "7", "");
  Emit("test.doc.saved", "3", "量子通信");  // the later change of a document wins
  auto n = service_->Tick();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_GE(*n, 42);  // and whatever the set-up logged before
  EXPECT_EQ(counts.commits, 1);
  // One write per document: 40 saved, "7" deleted after its save (the delete only), "3" saved
  // twice (the later save only).
  EXPECT_EQ(counts.replaces, 39);
  EXPECT_EQ(counts.deletes, 1);
  auto state = service_->State();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->last_seq, state->head);
  EXPECT_EQ(state->documents, 39);
  EXPECT_EQ(Hits("量子"), 1);
  EXPECT_EQ(service_->Search({.q = "激光雷达", .page_size = 100})->total, 38);
}

// The event log as a vector (Indexer's seam), for tests that count what a batch asks and writes.
class VectorFeed : public EventFeed {
 public:
  explicit VectorFeed(std::vector<store::Event> events) : events_(std::move(events)) {}
  base::Result<std::vector<store::Event>> Next(int batch) override {
    std::vector<store::Event> out;
    for (const auto& e : events_) {
      if (e.seq > cursor_ && static_cast<int>(out.size()) < batch) {
        out.push_back(e);
      }
    }
    return out;
  }
  base::Status Advance(int64_t seq) override {
    cursor_ = seq;
    return base::Status::Ok();
  }
  base::Status Reset() override { return Advance(0); }
  base::Result<int64_t> Cursor() override { return cursor_; }
  base::Result<int64_t> Head() override { return events_.empty() ? 0 : events_.back().seq; }

 private:
  std::vector<store::Event> events_;
  int64_t cursor_ = 0;
};

// A source that, like the appeals one, yields a record's current state for any event of it.
class CurrentStateSource : public DocumentSource {
 public:
  std::map<std::string, std::string> titles;  // id -> current title ("" = deleted)
  int calls = 0;
  bool ChangesFollowTheEntity() const override { return true; }
  base::Result<std::vector<Change>> Changes(const store::Event& e) override {
    ++calls;
    const std::string& title = titles[e.entity_id];
    if (title.empty()) {
      return std::vector<Change>{{"doc", e.entity_id, std::nullopt}};
    }
    return std::vector<Change>{{"doc", e.entity_id, Doc("doc", e.entity_id, title, "")}};
  }
};

// A record with many events in one batch (an appeal has about twenty) is asked of a current-state
// source once and analysed and written once; a payload source's repeated changes of one document
// are folded into the last. What the index holds afterwards is the records' current state.
TEST(SearchIndexerTest, ARecordWithManyEventsInABatchIsLoadedAndWrittenOnce) {
  ASSERT_NE(A(), nullptr);
  std::vector<store::Event> events;
  for (int round = 0; round < 20; ++round) {
    for (int id = 0; id < 30; ++id) {
      store::Event e;
      e.seq = static_cast<int64_t>(events.size()) + 1;
      e.kind = round == 0 ? "test.created" : "test.updated";
      e.entity = "doc";
      e.entity_id = std::to_string(id);
      events.push_back(std::move(e));
    }
  }
  CurrentStateSource source;
  for (int id = 0; id < 30; ++id) {
    source.titles[std::to_string(id)] = id == 5 ? "" : "量子通信 " + std::to_string(id);
  }
  CountingIndex::Counts counts;
  auto inner = OpenXapianIndex(TempDir("indexer-once"), {.shards = 2});
  ASSERT_TRUE(inner.ok()) << inner.status();
  CountingIndex index(std::move(*inner), counts);
  VectorFeed feed(events);
  Indexer indexer(An(), index, feed, 2);
  indexer.AddSource(&source);
  auto n = indexer.Tick(1000);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 600);
  EXPECT_EQ(source.calls, 30);
  EXPECT_EQ(counts.replaces, 29);
  EXPECT_EQ(counts.deletes, 1);
  EXPECT_EQ(indexer.merged(), 570);
  auto state = indexer.State();
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->documents, 29);
  EXPECT_EQ(state->last_seq, 600);
  // A later batch asks again (the record may have changed since).
  source.titles["5"] = "量子通信 5";
  store::Event later;
  later.seq = 601;
  later.kind = "test.updated";
  later.entity = "doc";
  later.entity_id = "5";
  events.push_back(later);
  VectorFeed more(events);
  ASSERT_TRUE(more.Advance(600).ok());
  Indexer next(An(), index, more, 2);
  next.AddSource(&source);
  ASSERT_TRUE(next.Tick(1000).ok());
  EXPECT_EQ(source.calls, 31);
  auto after = next.State();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->documents, 30);
}

// A batch whose commit fails (a crash before the commit) is re-applied from the cursor: after
// the restart every document is there exactly once and the recorded last event is the head.
TEST_F(SearchServiceTest, FailedCommitIsReappliedExactlyAfterRestart) {
  Emit("test.doc.saved", "1", "石墨烯散热膜");
  CatchUp();
  auto applied = FollowerFeed(*db_)->Cursor();
  ASSERT_TRUE(applied.ok());
  CountingIndex::Counts counts;
  wrap_ = [&](std::unique_ptr<Index> inner) {
    return std::make_unique<CountingIndex>(std::move(inner), counts);
  };
  Open();
  for (int i = 2; i <= 30; ++i) {
    Emit("test.doc.saved", std::to_string(i), "工业机器人减速器");
  }
  counts.crash = true;
  EXPECT_FALSE(service_->Tick().ok());
  auto cursor = FollowerFeed(*db_)->Cursor();
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, *applied);  // the cursor did not move past the failed batch
  counts.crash = false;
  Open();  // restart: the index has document 1 and the first event only
  EXPECT_EQ(service_->State()->documents, 1);
  const int replaces_before = counts.replaces;
  CatchUp();
  EXPECT_EQ(counts.replaces - replaces_before, 29);  // the lost batch, applied once more
  auto state = service_->State();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->last_seq, state->head);
  EXPECT_EQ(state->documents, 30);
  EXPECT_EQ(service_->Search({.q = "减速器", .page_size = 100})->total, 29);
  auto again = service_->Tick();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

// A shard deleted by hand: the set starts over empty and the indexer rebuilds it from the log.
TEST_F(SearchServiceTest, LostShardIsRebuiltFromTheLog) {
  for (int i = 0; i < 20; ++i) {
    Emit("test.doc.saved", std::to_string(i), "传感器" + std::to_string(i));
  }
  CatchUp();
  ASSERT_EQ(service_->State()->documents, 20);
  service_.reset();
  ASSERT_TRUE(std::filesystem::exists(std::filesystem::path(dir_) / "shard-1" / "iamglass"));
  std::filesystem::remove_all(std::filesystem::path(dir_) / "shard-1");
  Open();
  CatchUp();
  auto state = service_->State();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->documents, 20);
  EXPECT_EQ(state->last_seq, state->head);
  EXPECT_EQ(service_->Search({.q = "传感器", .page_size = 100})->total, 20);
}

TEST_F(SearchServiceTest, ThesaurusExpandsQueriesAndIsValidated) {
  Emit("test.doc.saved", "1", "锂离子电池");
  CatchUp();
  EXPECT_EQ(Hits("储能"), 0);
  ASSERT_TRUE(service_->SetSynonyms("储能", {"锂离子电池", "蓄电池"}, "test").ok());
  EXPECT_EQ(Hits("储能"), 1);
  auto t = service_->ListSynonyms();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)["储能"].size(), 2u);
  EXPECT_EQ(service_->SetSynonyms("", {"x"}, "test").field(), "word");
  EXPECT_EQ(service_->SetSynonyms("储能", {""}, "test").field(), "synonyms[0]");
}

TEST_F(SearchServiceTest, MatchExplainsAndDeclinedCandidatesDrop) {
  Index& idx = service_->index();
  auto add = [&](Document d) {
    auto i = AnalyzeDocument(An(), std::move(d));
    ASSERT_TRUE(i.ok()) << i.status();
    ASSERT_TRUE(idx.Replace(*i).ok());
  };
  add(Doc("demand", "d1", "寻求锂电池隔膜技术", "提高动力电池安全性",
          {{"district", {"高新区"}}, {"node", {"BAT-SEP"}}, {"maturity", {"pilot"}}},
          {{"budget", 1000000}}));
  add(Doc("achievement", "a1", "陶瓷涂覆锂电池隔膜", "动力电池安全",
          {{"district", {"高新区"}}, {"node", {"BAT-SEP"}}, {"maturity", {"production"}}},
          {{"price", 500000}}));
  add(Doc("achievement", "a2", "锂电池隔膜湿法工艺", "动力电池隔膜",
          {{"district", {"双流区"}}, {"maturity", {"lab"}}}, {{"price", 5000000}}));
  ASSERT_TRUE(idx.Commit().ok());
  auto m = service_->Match({.type = "demand", .id = "d1", .target_type = "achievement", .k = 5});
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].doc.id, "a1");
  std::set<std::string> parts;
  for (const auto& p : (*m)[0].parts) {
    parts.insert(p.name);
  }
  EXPECT_TRUE(parts.count("text") && parts.count("node") && parts.count("district") &&
              parts.count("maturity") && parts.count("price"));
  EXPECT_TRUE(Has((*m)[0].matched_terms, "隔膜"));
  ASSERT_TRUE(service_
                  ->DeclineMatch({.source_type = "demand",
                                  .source_id = "d1",
                                  .target_type = "achievement",
                                  .target_id = "a1",
                                  .reason = "too_expensive",
                                  .actor = "test"})
                  .ok());
  auto again = service_->Match({.type = "demand", .id = "d1", .target_type = "achievement"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].doc.id, "a2");
  EXPECT_EQ(service_
                ->DeclineMatch({.source_type = "demand",
                                .source_id = "d1",
                                .target_type = "achievement",
                                .target_id = "a1",
                                .reason = "because"})
                .field(),
            "reason");
  EXPECT_EQ(service_->Match({.type = "demand", .id = "nope", .target_type = "achievement"})
                .status()
                .code(),
            base::Code::kNotFound);
  EXPECT_EQ(
      service_->Match({.type = "demand", .id = "d1", .target_type = "rocket"}).status().field(),
      "target_type");
}

TEST_F(SearchServiceTest, SuggestsDepartmentsFromIndexedAppeals) {
  Index& idx = service_->index();
  int n = 0;
  for (const auto& [text, dept] :
       std::vector<std::pair<std::string, std::string>>{{"增值税留抵退税到账慢", "税务局"},
                                                        {"电子发票额度不足", "税务局"},
                                                        {"出口退税进度查询", "税务局"},
                                                        {"厂房施工许可证办理", "住建局"},
                                                        {"竣工验收备案延迟", "住建局"}}) {
    Document d = Doc("appeal", std::to_string(++n), text, text, {{"department", {dept}}});
    auto i = AnalyzeDocument(An(), std::move(d));
    ASSERT_TRUE(i.ok());
    ASSERT_TRUE(idx.Replace(*i).ok());
  }
  ASSERT_TRUE(idx.Commit().ok());
  auto s = service_->SuggestDepartment("退税一直没有到账");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->label, "税务局");
  service_->SetCatalogueFallback(
      [](std::string_view) { return std::optional<std::string>("办公厅"); });
  auto unsure = service_->SuggestDepartment("食堂菜品口味");
  ASSERT_TRUE(unsure.ok());
  EXPECT_EQ(unsure->source, "catalogue");
  EXPECT_EQ(service_->SuggestDepartment("").status().field(), "text");
}

TEST(SearchEvalMetricsTest, NdcgMrrAndRecallFollowTheirDefinitions) {
  std::map<std::string, int> rel = {{"a", 2}, {"b", 1}, {"z", 0}};
  EXPECT_DOUBLE_EQ(NdcgAt({"a", "b"}, rel, 10), 1.0);
  EXPECT_LT(NdcgAt({"b", "a"}, rel, 10), 1.0);
  EXPECT_DOUBLE_EQ(NdcgAt({"x", "y"}, rel, 10), 0.0);
  EXPECT_DOUBLE_EQ(MrrAt({"x", "z", "b"}, rel, 10), 1.0 / 3);
  EXPECT_DOUBLE_EQ(MrrAt({"x", "z", "b"}, rel, 2), 0.0);
  EXPECT_DOUBLE_EQ(RecallAt({"a", "x"}, rel, 1), 0.5);
  EXPECT_DOUBLE_EQ(RecallAt({"a", "x", "b"}, rel, 100), 1.0);
}

TEST(SearchEvalFilesTest, QrelsNeedTheBeirHeaderAndNumbers) {
  auto ok = ReadQrelsTsv("query-id\tcorpus-id\tscore\nq1\td1\t2\n", "qrels.tsv");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)["q1"]["d1"], 2);
  EXPECT_EQ(ReadQrelsTsv("q\td\ts\n", "qrels.tsv").status().field(), "qrels.tsv:1");
  EXPECT_EQ(ReadQrelsTsv("query-id\tcorpus-id\tscore\nq1\td1\tx\n", "qrels.tsv").status().field(),
            "qrels.tsv:2");
  EXPECT_EQ(ReadCorpusJsonl("{\"_id\":1,\"title\":\"t\"}\n[]\n", "c.jsonl").status().field(),
            "c.jsonl:2");
}

TEST(SearchRoutingTest, NearestNeighboursPickTheDepartmentAndFallBackWhenUnsure) {
  ASSERT_NE(A(), nullptr);
  std::vector<RoutingExample> ex = {
      {"1", "增值税留抵退税到账慢", "税务"}, {"2", "发票领用额度不足", "税务"},
      {"3", "出口退税办理", "税务"},         {"4", "施工许可证办理慢", "住建"},
      {"5", "厂房竣工验收备案", "住建"},     {"6", "工地扬尘污染投诉", "住建"},
  };
  auto clf = RoutingClassifier::Train(An(), ex);
  ASSERT_TRUE(clf.ok()) << clf.status();
  auto s = (*clf)->Suggest("留抵退税一直没有到账");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->label, "税务");
  EXPECT_EQ(s->source, "knn");
  EXPECT_GT(s->confidence, 0.45);
  CatalogueFallback catalogue = [](std::string_view) {
    return std::optional<std::string>("办公厅");
  };
  auto unsure = (*clf)->Suggest("食堂菜品口味", catalogue);
  ASSERT_TRUE(unsure.ok());
  EXPECT_TRUE(unsure->unsure);
  EXPECT_EQ(unsure->label, "办公厅");
  EXPECT_EQ(unsure->source, "catalogue");
  EXPECT_EQ(RoutingClassifier::Train(An(), {{"1", "x", ""}}).status().field(), "examples[0].label");
  auto eval = EvaluateRouting(An(), ex, {{"q", "发票额度", "税务"}, {"r", "施工许可", "住建"}});
  ASSERT_TRUE(eval.ok());
  EXPECT_DOUBLE_EQ(eval->accuracy, 1.0);
  EXPECT_DOUBLE_EQ(eval->macro_f1, 1.0);
}

// The labelled retrieval fixture (tests/fixtures/search/retrieval/), parsed.
struct RetrievalFixture {
  decltype(ReadCorpusJsonl("", "")) corpus;
  decltype(ReadRoutingJsonl("", "", false)) queries;
  decltype(ReadQrelsTsv("", "")) qrels;
};

RetrievalFixture LoadRetrievalFixture() {
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string dir = "tests/fixtures/search/retrieval/";
  return {ReadCorpusJsonl(read(dir + "corpus.jsonl"), "corpus.jsonl"),
          ReadRoutingJsonl(read(dir + "queries.jsonl"), "queries.jsonl", false),
          ReadQrelsTsv(read(dir + "qrels.tsv"), "qrels.tsv")};
}

// Quality floor on the labelled retrieval fixture: at or above the best peer of the side-by-side
// run (flexsearch, nDCG@10 0.853; bench/README.md), every ranking scored by the same metrics.
TEST(RetrievalQualityTest, FixtureAtOrAboveBestPeer) {
  auto [corpus, queries, qrels] = LoadRetrievalFixture();
  ASSERT_TRUE(corpus.ok() && queries.ok() && qrels.ok());
  RetrievalOptions options;
  options.index_dir =
      (std::filesystem::temp_directory_path() / "kechan-quality-floor-test").string();
  auto r = EvaluateRetrieval(An(), *corpus, *queries, *qrels, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->queries, 48);
  EXPECT_GE(r->ndcg10, 0.853);
  EXPECT_GE(r->mrr10, 0.99);
  EXPECT_GE(r->recall100, 0.70);
  EXPECT_EQ(r->top10_mismatches, 0);  // the API's top-10 path ranks like the top-100 path
  EXPECT_EQ(r->top10.ndcg10, r->ndcg10);
  std::filesystem::remove_all(options.index_dir);
}

// With compare_legacy the evaluation runs the previous paths on the same queries in the same
// run; they rank alike (same nDCG, no mismatching top 10) and their latencies are reported.
TEST(RetrievalQualityTest, CompareLegacyRunsThePreviousPathsAlike) {
  auto [corpus, queries, qrels] = LoadRetrievalFixture();
  ASSERT_TRUE(corpus.ok() && queries.ok() && qrels.ok());
  RetrievalOptions options;
  options.index_dir =
      (std::filesystem::temp_directory_path() / "kechan-compare-legacy-test").string();
  options.compare_legacy = true;
  auto r = EvaluateRetrieval(An(), *corpus, *queries, *qrels, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->compared);
  EXPECT_EQ(r->top10_mismatches, 0);
  EXPECT_NEAR(r->legacy_ndcg10, r->ndcg10, 1e-12);
  EXPECT_NEAR(r->top10_legacy.ndcg10, r->top10.ndcg10, 1e-12);
  EXPECT_NEAR(r->top10_full_depth.ndcg10, r->top10.ndcg10, 1e-12);
  EXPECT_GT(r->top10_legacy.p50_ms, 0);
  EXPECT_GT(r->top100_legacy.p50_ms, 0);
  std::string json = RetrievalEvalJson(*r);
  EXPECT_NE(json.find("\"top10_full_depth\""), std::string::npos);
  EXPECT_LT(json.find("\"latency_p50_ms\""), json.find("\"p50_ms\""));  // peers read the first
  std::filesystem::remove_all(options.index_dir);
}

// `kechan eval retrieval` passes the common-term split and the experiments to the default paths
// and reports them per path; the fixture stays at or above its floor with the split forced on
// (every term counts as common from 10% of the documents, no minimum). Bad values are usage
// errors naming the flag.
TEST(RetrievalQualityTest, CommonTermFlagsReachTheEvaluation) {
  const std::string dir = "tests/fixtures/search/retrieval/";
  const std::vector<std::string> files = {
      "retrieval",           "--corpus", dir + "corpus.jsonl", "--queries",
      dir + "queries.jsonl", "--qrels",  dir + "qrels.tsv",    "--json"};
  auto number_after = [](const std::string& json, const std::string& key, size_t from) {
    size_t at = json.find("\"" + key + "\":", from);
    EXPECT_NE(at, std::string::npos) << key;
    return at == std::string::npos ? -1.0 : std::stod(json.substr(at + key.size() + 3));
  };
  std::vector<std::string> args = files;
  for (const char* a : {"--common-share", "10", "--common-min-docs", "0", "--facet-sample", "200",
                        "--rerank-depth", "100", "--defer-inner", "1", "--defer-min-docs", "0"}) {
    args.emplace_back(a);
  }
  std::ostringstream out, err;
  ASSERT_EQ(RunEvalCommand(args, out, err), 0) << err.str();
  const std::string json = out.str();
  EXPECT_GE(number_after(json, "ndcg@10", 0), 0.853);
  const size_t top10 = json.find("\"top10\":{");
  ASSERT_NE(top10, std::string::npos);
  EXPECT_GT(number_after(json, "common_share", top10), 0);
  EXPECT_GT(number_after(json, "inner_share", top10), 0);
  EXPECT_GE(number_after(json, "facet_ms", top10), 0);
  EXPECT_GE(number_after(json, "response_ms", top10), 0);
  EXPECT_EQ(number_after(json, "top10_mismatches", 0), 0);
  // A shallow rerank makes kechan's MaxScore matcher skip documents on the top-10 path (the
  // fixture is too small to prune at depth 100); Xapian's matcher, asked for, ranks the same.
  std::string pruned_json[2];
  for (int xapian = 0; xapian < 2; ++xapian) {
    std::vector<std::string> shallow = files;
    shallow.insert(shallow.end(), {"--rerank-depth", "3"});
    if (xapian == 1) {
      shallow.emplace_back("--xapian-matcher");
    }
    std::ostringstream o, e;
    ASSERT_EQ(RunEvalCommand(shallow, o, e), 0) << e.str();
    pruned_json[xapian] = o.str();
  }
  const size_t ours10 = pruned_json[0].find("\"top10\":{");
  const size_t xapian10 = pruned_json[1].find("\"top10\":{");
  EXPECT_GT(number_after(pruned_json[0], "pruned_share", ours10), 0);
  EXPECT_EQ(number_after(pruned_json[1], "pruned_share", xapian10), 0);
  EXPECT_EQ(number_after(pruned_json[0], "ndcg@10", ours10),
            number_after(pruned_json[1], "ndcg@10", xapian10));
  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--common-share", "200"},
                                                        {"--common-min-docs", "-1"},
                                                        {"--rerank-depth", "0"},
                                                        {"--defer-inner", "3"},
                                                        {"--facet-sample", "many"}}) {
    std::vector<std::string> bad = files;
    bad.push_back(flag);
    bad.push_back(value);
    std::ostringstream bad_out, bad_err;
    EXPECT_EQ(RunEvalCommand(bad, bad_out, bad_err), 2) << flag;
    EXPECT_NE(bad_err.str().find(flag), std::string::npos) << flag << ": " << bad_err.str();
    EXPECT_TRUE(bad_out.str().empty()) << flag;
  }
}

// The indexing path (CountTerms) gives exactly the terms and multiplicities of Analyze.
TEST(AnalysisTest, CountTermsMatchesAnalyzeOnFixtureCorpus) {
  std::ifstream in("tests/fixtures/search/retrieval/corpus.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  size_t lines = 0;
  while (std::getline(in, line)) {
    auto a = An().Analyze(line, "text");
    ASSERT_TRUE(a.ok()) << a.status();
    TermCounts expected;
    for (const Term& t : a->terms) {
      expected[t.term] += 2.0;
    }
    TermCounts counts;
    ASSERT_TRUE(An().CountTerms(line, "text", 2.0, counts).ok());
    EXPECT_EQ(counts, expected) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 180u);
  TermCounts bad;
  EXPECT_EQ(An().CountTerms("\xff", "fields.body", 1, bad).field(), "fields.body");
}

// AnalyzeDocument (occurrences sorted and summed per term) gives the frequencies a map of
// CountTerms sums gives: every field's weight applied, fractional weights summed in the same
// order before rounding, at least 1, sorted by term. Each fixture document is indexed with its
// text at weight 1 and its first 60 bytes again as a title at 1.7 and a note at 0.3.
TEST(AnalysisTest, AnalyzeDocumentSumsLikeCountTermsOnFixtureCorpus) {
  std::ifstream in("tests/fixtures/search/retrieval/corpus.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  size_t lines = 0;
  while (std::getline(in, line)) {
    std::string head = line.substr(0, 60);
    while (!head.empty() && !base::IsValidUtf8(head)) {
      head.pop_back();
    }
    Document d;
    d.type = "doc";
    d.id = std::to_string(lines);
    d.fields = {{"text", line, 1.0}, {"title", head, 1.7}, {"note", head, 0.3}};
    TermCounts counts;
    for (const Field& f : d.fields) {
      ASSERT_TRUE(An().CountTerms(f.text, "text", f.weight, counts).ok());
    }
    std::vector<std::pair<std::string, uint32_t>> expected;
    for (const auto& [term, f] : counts) {
      expected.emplace_back(term, static_cast<uint32_t>(std::max(1.0, std::round(f))));
    }
    std::sort(expected.begin(), expected.end());
    auto got = AnalyzeDocument(An(), d);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->terms, expected) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 180u);
  Document bad;
  bad.type = "doc";
  bad.id = "1";
  bad.fields = {{"body", "\xff", 1.0}};
  EXPECT_EQ(AnalyzeDocument(An(), bad).status().field(), "fields.body");
}

// Hot spots: appeals about the same matter from different enterprises form one cluster,
// labelled with their shared words; other appeals stay out; the period filter applies.
TEST(HotspotsTest, GroupsSimilarAppealsAcrossEnterprises) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "kechan-hotspots-test";
  std::filesystem::remove_all(dir);
  auto index = OpenXapianIndex(dir.string());
  ASSERT_TRUE(index.ok()) << index.status();
  struct A {
    const char* id;
    const char* org;
    const char* title;
    const char* body;
    int day;
  };
  const A appeals[] = {
      {"1", "甲公司", "园区频繁停电影响生产",
       "高新区园区近期频繁停电，生产线停工，请求供电公司排查线路。", 100},
      {"2", "乙公司", "工业园区停电问题",
       "我司所在园区本月停电三次，生产线损失严重，希望供电部门尽快排查线路。", 101},
      {"3", "丙公司", "厂区停电请求协调供电", "厂区所在园区反复停电，供电线路老化，生产受到影响。",
       103},
      {"4", "丁公司", "申请科技型中小企业贷款贴息", "我司申请科技贷款贴息，银行授信审批进度缓慢。",
       102},
      {"5", "戊公司", "办理施工许可证", "新建厂房施工许可证办理材料反复退回。", 104},
      {"6", "己公司", "园区停电", "园区停电，生产线停工，请供电公司排查线路。", 400},
  };
  for (const A& a : appeals) {
    Document d;
    d.type = "appeal";
    d.id = a.id;
    d.title = a.title;
    d.fields = {{"title", a.title, 3}, {"body", a.body, 1}};
    d.facets["org"] = {a.org};
    d.facets["department"] = {"市经信局"};
    d.numbers["date"] = a.day;
    auto i = AnalyzeDocument(An(), std::move(d));
    ASSERT_TRUE(i.ok()) << i.status();
    ASSERT_TRUE((*index)->Replace(*i).ok());
  }
  ASSERT_TRUE((*index)->Commit().ok());
  HotspotRequest req;
  req.from_day = 90;
  req.to_day = 200;
  auto r = FindHotspots(An(), **index, req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->documents, 5);
  ASSERT_EQ(r->hotspots.size(), 1u);
  const Hotspot& h = r->hotspots[0];
  EXPECT_EQ(h.count, 3);
  EXPECT_EQ(h.enterprises, 3);
  EXPECT_NE(h.label.find("停电"), std::string::npos) << h.label;
  EXPECT_EQ(h.departments.at("市经信局"), 3);
  ASSERT_EQ(h.members.size(), 3u);
  EXPECT_EQ(h.members[0].id, "3");  // newest first
  ASSERT_TRUE(h.first_day && h.last_day);
  EXPECT_EQ(*h.first_day, 100);
  EXPECT_EQ(*h.last_day, 103);
  // Without the period the late appeal joins the cluster.
  auto all = FindHotspots(An(), **index, HotspotRequest{});
  ASSERT_TRUE(all.ok());
  ASSERT_FALSE(all->hotspots.empty());
  EXPECT_EQ(all->hotspots[0].count, 4);
  // Bad input names the field.
  HotspotRequest bad = req;
  bad.from_day = 300;
  EXPECT_EQ(FindHotspots(An(), **index, bad).status().field(), "from");
  bad = HotspotRequest{};
  bad.type = "nope";
  EXPECT_EQ(FindHotspots(An(), **index, bad).status().field(), "type");
  bad = HotspotRequest{};
  bad.limit = 0;
  EXPECT_EQ(FindHotspots(An(), **index, bad).status().field(), "limit");
  index->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kechan::search
