// search/service: the search module's use-cases — full-text search with facets and snippets,
// explained matching of an entity against candidates of another type (text relevance, thesaurus,
// structured compatibility, feedback from declined matches), the operator-edited thesaurus, and
// the background indexer's Tick.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "search/analysis.h"
#include "search/index.h"
#include "search/indexer.h"
#include "search/query.h"
#include "search/routing.h"
#include "store/database.h"
#include "text/analyzer.h"

namespace kechan::search {

struct SearchHit {
  Document doc;
  double score = 0;
  std::string snippet;               // HTML-escaped, matches in <mark></mark>
  std::vector<std::string> matched;  // surface words of the query found in the document
};

struct SearchResponse {
  int64_t total = 0;
  int64_t page = 1;
  int64_t page_size = 10;
  std::vector<SearchHit> hits;
  // Counted over the first kFacetSample matches (in document order) when the query matches
  // more: then estimates, and facets_exact is false.
  std::map<std::string, std::vector<FacetCount>> facets;
  bool facets_exact = false;
};

// What SearchService::Search asks the index for `req` (its page, facets, matched terms).
SearchOptions SearchOptionsFor(const SearchRequest& req);
// The response to `req` from the index's results for `plan`: matched words and a highlighted
// snippet per hit. SearchService::Search is BuildPlan + Index::Search(SearchOptionsFor) + this;
// the evaluation harness times the same steps.
SearchResponse ToSearchResponse(const TextAnalysis& analysis, const QueryPlan& plan,
                                const SearchRequest& req, RawResults raw);

// Why a match was declined. Stable names: "irrelevant", "wrong_node", "wrong_district",
// "too_expensive", "immature", "expired", "other".
const std::vector<std::string>& DeclineReasons();

struct MatchRequest {
  std::string type;  // the entity's type
  std::string id;
  std::string target_type;  // candidates of this type
  int64_t k = 20;           // 1..100
  int64_t today_days = 0;   // days since 1970-01-01 for validity; 0 = the service clock's day
};

struct ScorePart {
  std::string name;  // "text", "node", "chain", "district", "maturity", "price", "validity",
                     // "feedback"
  double value = 0;
  std::string reason_en;
  std::string reason_zh;
};

struct MatchCandidate {
  Document doc;
  double score = 0;
  std::vector<std::string> matched_terms;  // surface words shared with the entity
  std::vector<ScorePart> parts;            // the score is their sum
};

struct Decline {
  std::string source_type;
  std::string source_id;
  std::string target_type;
  std::string target_id;
  std::string reason;  // one of DeclineReasons()
  std::string note;
  std::string actor;
};

// Weights of the structured parts; reasons recorded on declined matches raise the weight of the
// part they concern (see docs/search.md).
struct MatchWeights {
  double text = 0.6;
  double node = 0.25;
  double chain = 0.1;
  double district = 0.1;
  double maturity = 0.1;
  double price = 0.1;
  double declined_pair = -1.0;
};

// What ReloadRoutingModels did with one model file.
struct RoutingModelReload {
  std::string label;  // "department" or "type" (kechan train-routing --label)
  std::string file;
  // "loaded" (new or changed file, now in use), "unchanged" (same size and time as the model in
  // use), "missing" (no file: the model is dropped), "failed" (the file fails its checks: the
  // model in use, if any, stays).
  std::string state;
  std::string error_en;  // when failed
};

// Thread-safe.
class SearchService {
 public:
  SearchService(store::Database& db, const text::Analyzer& analyzer, std::unique_ptr<Index> index,
                const base::Clock& clock);
  ~SearchService();

  // Errors: BuildPlan's InvalidArgument naming the field; Index errors.
  base::Result<SearchResponse> Search(const SearchRequest& req);

  // Errors: InvalidArgument naming "type" / "target_type" / "k"; NotFound naming "id" when the
  // entity is not in the index.
  base::Result<std::vector<MatchCandidate>> Match(const MatchRequest& req);
  // Records a declined match (event "search.match.declined"). InvalidArgument naming "reason",
  // "source_type", "target_type", "source_id"/"target_id".
  base::Status DeclineMatch(const Decline& d);

  // The thesaurus (head word -> synonyms), normalised.
  base::Result<Thesaurus::Table> ListSynonyms();
  // Sets the synonyms of `word` (empty list deletes it); event "search.synonyms.updated".
  // InvalidArgument naming "word" or "synonyms".
  base::Status SetSynonyms(std::string_view word, const std::vector<std::string>& synonyms,
                           std::string_view actor);

  // Suggests the lead department for a new appeal's text: nearest neighbours over the indexed
  // appeals that have a department (retrained when the index has moved on), the catalogue
  // fallback when unsure. Errors: InvalidArgument naming "text" (empty, over 5,000 bytes, bad
  // UTF-8).
  base::Result<RoutingSuggestion> SuggestDepartment(std::string_view text);
  // The appeals module's dispatch catalogue, asked when the router is unsure.
  void SetCatalogueFallback(CatalogueFallback fallback);
  // A trained model (fastText from `kechan train-routing`, loaded at start) used with the kNN
  // over the index as `mode` says: "ensemble" (default: both when both exist), "fasttext" (the
  // model alone) or "knn" (the model ignored). Without a model: kNN. nullptr clears it.
  void SetRoutingModel(std::shared_ptr<const RoutingModel> model,
                       std::string_view mode = kDefaultRoutingModel);
  // The directory `kechan train-routing` writes to (DATA/routing); set by SearchModule. Empty =
  // no model files.
  void SetRoutingModelDir(std::string dir);
  // Loads <dir>/department.fasttext (lead department, used with kNN as SetRoutingModel says) and
  // <dir>/type.fasttext (appeal type, SuggestType) when they are new or changed since the last
  // load (size or modification time), or always with `force`. A file that fails its checks leaves
  // the model in use unchanged (state "failed", logged); a removed file drops its model. The
  // background job calls this every tick, so a newly trained model is used without a restart;
  // operators can force it (POST /api/v1/search/routing/reload).
  std::vector<RoutingModelReload> ReloadRoutingModels(bool force = false);
  // Suggests the appeal type from the type model (`kechan train-routing --label type`). Without
  // that model: unsure, source "none", no label. Errors: as SuggestDepartment for "text".
  base::Result<RoutingSuggestion> SuggestType(std::string_view text);
  // True when a type model is loaded.
  bool HasTypeModel();

  // The background indexer: applies the next batch of the event log (0 when caught up).
  void AddSource(std::unique_ptr<DocumentSource> source);
  base::Result<int> Tick();
  base::Status Rebuild(const std::function<void(int64_t, int64_t)>& progress = {});
  base::Result<IndexerState> State();

  const TextAnalysis& analysis() const { return analysis_; }
  Index& index() { return *index_; }

 private:
  base::Status LoadThesaurus();
  base::Result<std::map<std::string, int64_t>> DeclineCounts(const std::string& source_type,
                                                             const std::string& target_type);

  store::Database& db_;
  TextAnalysis analysis_;
  std::unique_ptr<Index> index_;
  const base::Clock& clock_;
  Thesaurus thesaurus_;
  std::unique_ptr<EventFeed> feed_;
  std::mutex indexer_mu_;  // one Tick/Rebuild at a time
  std::unique_ptr<Indexer> indexer_;
  std::vector<std::unique_ptr<DocumentSource>> sources_;
  std::mutex routing_mu_;
  std::shared_ptr<const RoutingClassifier> router_;
  std::string router_seq_;  // the index's last_seq the router was trained at
  std::shared_ptr<const RoutingModel> trained_model_;  // guarded by routing_mu_
  std::string routing_mode_{kDefaultRoutingModel};
  CatalogueFallback catalogue_;
  std::shared_ptr<const RoutingModel> type_model_;   // guarded by routing_mu_
  std::mutex reload_mu_;                             // one reload at a time
  std::string routing_dir_;                          // guarded by reload_mu_
  std::map<std::string, std::string> loaded_stamp_;  // label -> "size:mtime"; reload_mu_
};

// Loads the analyser (~0.5 s, jieba's tables) and opens the index in `index_dir` on first use,
// so commands and server start-up that never search stay fast. `on_open` adds the document
// sources. Thread-safe; a failed load is retried on the next Get().
class SearchModule {
 public:
  using OnOpen = std::function<void(SearchService&)>;
  SearchModule(store::Database& db, const base::Clock& clock, std::string data_dir, OnOpen on_open);
  ~SearchModule();

  // Puts the index in `dir` instead of DATA/search (config key search_index), so a server on
  // PostgreSQL needs no --data. Call before the first Get.
  void SetIndexDir(std::string dir);
  // Checks DATA/routing/department.fasttext (kechan train-routing) when it exists, so a damaged
  // model stops start-up with an error naming the file (FailedPrecondition
  // "routing.model_corrupt"). Get() loads it into the service; without it routing is kNN.
  base::Status CheckRoutingModel();
  // Errors: FailedPrecondition "search.no_data_dir" (neither an index directory nor --data),
  // the analyser's load errors naming the missing file and package, the index's open errors.
  base::Result<SearchService*> Get();
  // The background job: loads on first call, picks up changed routing model files
  // (SearchService::ReloadRoutingModels), then SearchService::Tick.
  base::Result<int> Tick();

 private:
  store::Database& db_;
  const base::Clock& clock_;
  std::string data_dir_;
  std::string index_dir_;  // guarded by mu_; empty = data_dir_/search
  OnOpen on_open_;
  std::mutex mu_;
  std::unique_ptr<text::Analyzer> analyzer_;
  std::unique_ptr<SearchService> service_;
};

}  // namespace kechan::search
