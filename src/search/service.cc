#include "search/service.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>
#include <utility>

#include "base/log.h"
#include "base/utf8.h"
#include "search/fasttext/fasttext_router.h"
#include "search/snippet.h"
#include "search/xapian/xapian_index.h"
#include "store/event_log.h"

namespace kechan::search {
namespace {

using base::Result;
using base::Status;

constexpr int64_t kMicrosPerDay = 86400LL * 1000 * 1000;
// Pages with at least this many hits build their snippets on two threads.
constexpr size_t kParallelSnippetsFrom = 4;

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) {
      end = s.size();
    }
    if (end > start) {
      out.push_back(s.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

bool Intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) {
      return true;
    }
  }
  return false;
}

const std::vector<std::string>& EmptyList() {
  static const auto* e = new std::vector<std::string>();
  return *e;
}

const std::vector<std::string>& FacetList(const Document& d, const std::string& name) {
  auto it = d.facets.find(name);
  return it == d.facets.end() ? EmptyList() : it->second;
}

// Maturity levels in order (technology readiness, coarse).
int MaturityRank(const std::string& m) {
  static const char* kLevels[] = {"concept", "lab", "prototype", "pilot", "production"};
  for (int i = 0; i < 5; ++i) {
    if (m == kLevels[i]) {
      return i;
    }
  }
  return -1;
}

// Surface words of matched index terms: words first, then bigrams not inside a matched word.
std::vector<std::string> MatchedSurfaces(const QueryPlan& plan,
                                         const std::vector<std::string>& matched_terms) {
  std::set<std::string> matched(matched_terms.begin(), matched_terms.end());
  std::vector<std::string> words;
  for (const PlanTerm& t : plan.terms) {
    if (matched.count(t.term) && t.term.rfind(kBigramPrefix, 0) != 0 &&
        std::find(words.begin(), words.end(), t.surface) == words.end()) {
      words.push_back(t.surface);
    }
  }
  for (const PlanTerm& t : plan.terms) {
    if (!matched.count(t.term) || t.term.rfind(kBigramPrefix, 0) != 0) {
      continue;
    }
    bool inside = false;
    for (const auto& w : words) {
      inside = inside || w.find(t.surface) != std::string::npos;
    }
    if (!inside && std::find(words.begin(), words.end(), t.surface) == words.end()) {
      words.push_back(t.surface);
    }
  }
  return words;
}

}  // namespace

const std::vector<std::string>& DeclineReasons() {
  static const auto* r =
      new std::vector<std::string>{"irrelevant", "wrong_node", "wrong_district", "too_expensive",
                                   "immature",   "expired",    "other"};
  return *r;
}

SearchService::SearchService(store::Database& db, const text::Analyzer& analyzer,
                             std::unique_ptr<Index> index, const base::Clock& clock)
    : db_(db),
      analysis_(analyzer),
      index_(std::move(index)),
      clock_(clock),
      feed_(FollowerFeed(db, "search")),
      indexer_(std::make_unique<Indexer>(analysis_, *index_, *feed_)) {
  (void)LoadThesaurus();
}

SearchService::~SearchService() = default;

Status SearchService::LoadThesaurus() {
  KECHAN_ASSIGN_OR_RETURN(Thesaurus::Table t, ListSynonyms());
  thesaurus_.Replace(std::move(t));
  return Status::Ok();
}

Result<Thesaurus::Table> SearchService::ListSynonyms() {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx->Query("SELECT word, synonyms FROM search_synonyms ORDER BY word"));
  Thesaurus::Table t;
  for (const auto& r : rows.rows) {
    t[r.Text(0)] = SplitLines(r.Text(1));
  }
  return t;
}

Status SearchService::SetSynonyms(std::string_view word, const std::vector<std::string>& synonyms,
                                  std::string_view actor) {
  const text::Normalizer& n = analysis_.analyzer().normalizer();
  KECHAN_ASSIGN_OR_RETURN(std::string head, n.Normalize(word, "word"));
  if (head.empty() || base::CodePointCount(head) > 32 || head.find('\n') != std::string::npos) {
    return base::InvalidArgument("word", "search.bad_word", "word must be 1-32 characters",
                                 "词语须为 1 至 32 个字符");
  }
  if (synonyms.size() > 50) {
    return base::InvalidArgument("synonyms", "search.too_many_synonyms",
                                 "at most 50 synonyms per word", "每个词最多 50 个同义词");
  }
  std::string joined;
  for (size_t i = 0; i < synonyms.size(); ++i) {
    auto s = n.Normalize(synonyms[i], "synonyms[" + std::to_string(i) + "]");
    if (!s.ok()) {
      return s.status();
    }
    if (s->empty() || base::CodePointCount(*s) > 64) {
      return base::InvalidArgument("synonyms[" + std::to_string(i) + "]", "search.bad_synonym",
                                   "each synonym must be 1-64 characters",
                                   "每个同义词须为 1 至 64 个字符");
    }
    joined += *s + "\n";
  }
  int64_t now = clock_.NowMicros();
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(tx.Exec("DELETE FROM search_synonyms WHERE word = ?", {head}).status());
    if (!joined.empty()) {
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO search_synonyms (word, synonyms, updated_by, updated_at) "
                  "VALUES (?, ?, ?, ?)",
                  {head, joined, std::string(actor), now})
              .status());
    }
    return store::AppendEvent(
               tx,
               store::EventDraft{.kind = "search.synonyms.updated",
                                 .entity = "synonym",
                                 .entity_id = head,
                                 .actor = std::string(actor),
                                 .payload = "{\"word\":\"" + JsonEscape(head) + "\",\"count\":" +
                                            std::to_string(synonyms.size()) + "}"},
               clock_)
        .status();
  }));
  return LoadThesaurus();
}

SearchOptions SearchOptionsFor(const SearchRequest& req) {
  SearchOptions opt;
  opt.offset = static_cast<size_t>((req.page - 1) * req.page_size);
  opt.limit = static_cast<size_t>(req.page_size);
  opt.facets = req.facets;
  opt.matched_terms = true;
  return opt;
}

SearchResponse ToSearchResponse(const TextAnalysis& analysis, const QueryPlan& plan,
                                const SearchRequest& req, RawResults raw) {
  SearchResponse out;
  out.total = raw.total;
  out.page = req.page;
  out.page_size = req.page_size;
  out.facets = std::move(raw.facets);
  out.facets_exact = raw.facets_exact;
  out.hits.resize(raw.hits.size());
  // Snippets re-analyse each hit's body (most of the response's time): the second half of the
  // page on a second thread (the analysis is thread-safe; each hit is written by one thread).
  auto fill = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      RawHit& h = raw.hits[i];
      SearchHit& hit = out.hits[i];
      hit.score = h.score;
      hit.matched = MatchedSurfaces(plan, h.matched_terms);
      std::set<std::string> terms(h.matched_terms.begin(), h.matched_terms.end());
      // The snippet comes from the longest field (the body).
      const Field* body = nullptr;
      for (const Field& f : h.doc.fields) {
        if (body == nullptr || f.text.size() > body->text.size()) {
          body = &f;
        }
      }
      if (body != nullptr) {
        hit.snippet = Snippet(analysis, body->text, terms);
      }
      hit.doc = std::move(h.doc);
    }
  };
  const size_t n = raw.hits.size();
  if (n >= kParallelSnippetsFrom) {
    std::thread second(fill, n / 2, n);
    fill(0, n / 2);
    second.join();
  } else {
    fill(0, n);
  }
  return out;
}

Result<SearchResponse> SearchService::Search(const SearchRequest& req) {
  auto thesaurus = thesaurus_.Snapshot();
  KECHAN_ASSIGN_OR_RETURN(QueryPlan plan, BuildPlan(analysis_, req, thesaurus.get()));
  KECHAN_ASSIGN_OR_RETURN(RawResults raw, index_->Search(plan, SearchOptionsFor(req)));
  return ToSearchResponse(analysis_, plan, req, std::move(raw));
}

Result<std::map<std::string, int64_t>> SearchService::DeclineCounts(
    const std::string& source_type, const std::string& target_type) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx->Query("SELECT reason, COUNT(*) FROM search_feedback WHERE source_type = ? AND "
                "target_type = ? GROUP BY reason",
                {source_type, target_type}));
  std::map<std::string, int64_t> out;
  for (const auto& r : rows.rows) {
    out[r.Text(0)] = r.Int(1);
  }
  return out;
}

Result<std::vector<MatchCandidate>> SearchService::Match(const MatchRequest& req) {
  if (!IsDocumentType(req.type)) {
    return base::InvalidArgument("type", "search.unknown_type", "unknown type '" + req.type + "'",
                                 "未知的类型“" + req.type + "”");
  }
  if (!IsDocumentType(req.target_type)) {
    return base::InvalidArgument("target_type", "search.unknown_type",
                                 "unknown target type '" + req.target_type + "'",
                                 "未知的目标类型“" + req.target_type + "”");
  }
  if (req.k < 1 || req.k > 100) {
    return base::InvalidArgument("k", "search.bad_k", "k must be 1-100", "k 须为 1 至 100");
  }
  if (req.id.empty() || req.id.size() > 128) {
    return base::InvalidArgument("id", "search.bad_id", "id must be 1-128 bytes",
                                 "编号须为 1 至 128 字节");
  }
  KECHAN_ASSIGN_OR_RETURN(std::optional<Document> entity, index_->Get(req.type, req.id));
  if (!entity) {
    return base::NotFound("search.not_indexed",
                          req.type + " " + req.id + " is not in the search index",
                          req.type + " " + req.id + " 不在检索索引中", "id");
  }
  auto thesaurus = thesaurus_.Snapshot();
  QueryPlan plan;
  plan.types = {req.target_type};
  plan.exclude_keys = {entity->Key()};
  double max_w = 0.1;
  for (const Field& f : entity->fields) {
    max_w = std::max(max_w, f.weight);
  }
  for (const Field& f : entity->fields) {
    KECHAN_RETURN_IF_ERROR(AddTextTerms(analysis_, f.text, "fields." + f.name, f.weight / max_w,
                                        thesaurus.get(), PlanWeights{}, plan));
  }
  std::vector<MatchCandidate> out;
  if (plan.terms.empty()) {
    return out;
  }
  SearchOptions opt;
  opt.limit = static_cast<size_t>(req.k * 3);
  opt.matched_terms = true;
  KECHAN_ASSIGN_OR_RETURN(RawResults raw, index_->Search(plan, opt));
  KECHAN_ASSIGN_OR_RETURN(auto reasons, DeclineCounts(req.type, req.target_type));
  std::set<std::string> declined;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx->Query("SELECT target_id, reason FROM search_feedback WHERE source_type = ? AND "
                  "source_id = ? AND target_type = ?",
                  {req.type, req.id, req.target_type}));
    for (const auto& r : rows.rows) {
      declined.insert(r.Text(0));
    }
  }
  auto boost = [&](const char* reason) {
    auto it = reasons.find(reason);
    int64_t n = it == reasons.end() ? 0 : std::min<int64_t>(it->second, 10);
    return 1.0 + 0.1 * static_cast<double>(n);
  };
  MatchWeights w;
  int64_t today = req.today_days ? req.today_days : clock_.NowMicros() / kMicrosPerDay;
  double max_score = 0;
  for (const RawHit& h : raw.hits) {
    max_score = std::max(max_score, h.score);
  }
  for (const RawHit& h : raw.hits) {
    MatchCandidate c;
    c.doc = h.doc;
    c.matched_terms = MatchedSurfaces(plan, h.matched_terms);
    double text = max_score > 0 ? h.score / max_score : 0;
    c.parts.push_back({"text", w.text * boost("irrelevant") * text,
                       "text relevance " + std::to_string(static_cast<int>(text * 100)) + "%",
                       "文本相关度 " + std::to_string(static_cast<int>(text * 100)) + "%"});
    const auto& en = FacetList(*entity, "node");
    const auto& cn = FacetList(c.doc, "node");
    if (Intersects(en, cn)) {
      c.parts.push_back(
          {"node", w.node * boost("wrong_node"), "same chain node", "同一产业链环节"});
    } else if (Intersects(FacetList(*entity, "chain"), FacetList(c.doc, "chain"))) {
      c.parts.push_back(
          {"chain", w.chain * boost("wrong_node"), "same industrial chain", "同一产业链"});
    }
    std::string ed = entity->Facet("district");
    if (!ed.empty() && ed == c.doc.Facet("district")) {
      c.parts.push_back({"district", w.district * boost("wrong_district"),
                         "local: same district " + ed, "本地：同在" + ed});
    }
    int need = MaturityRank(entity->Facet("maturity"));
    int have = MaturityRank(c.doc.Facet("maturity"));
    if (need >= 0 && have >= 0) {
      bool ok = have >= need;
      c.parts.push_back({"maturity", (ok ? 1 : -1) * w.maturity * boost("immature"),
                         ok ? "maturity meets the need" : "less mature than needed",
                         ok ? "成熟度满足需求" : "成熟度低于需求"});
    }
    auto budget = entity->Number("budget");
    auto price = c.doc.Number("price");
    if (!budget) {
      budget = c.doc.Number("budget");
      price = entity->Number("price");
    }
    if (budget && price && *budget > 0) {
      bool ok = *price <= *budget;
      double over = ok ? 0 : std::min(1.0, (*price - *budget) / *budget);
      c.parts.push_back({"price", (ok ? 1.0 : -over) * w.price * boost("too_expensive"),
                         ok ? "price within budget" : "price above budget",
                         ok ? "价格在预算内" : "价格超出预算"});
    }
    if (auto valid_to = c.doc.Number("valid_to");
        valid_to && *valid_to < static_cast<double>(today)) {
      c.parts.push_back({"validity", -1.0, "no longer valid", "已过有效期"});
    }
    if (declined.count(c.doc.id)) {
      c.parts.push_back(
          {"feedback", w.declined_pair, "declined before for this entity", "此前已被拒绝"});
    }
    for (const ScorePart& p : c.parts) {
      c.score += p.value;
    }
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const MatchCandidate& a, const MatchCandidate& b) {
    return a.score > b.score;
  });
  if (out.size() > static_cast<size_t>(req.k)) {
    out.resize(static_cast<size_t>(req.k));
  }
  return out;
}

Status SearchService::DeclineMatch(const Decline& d) {
  const auto& reasons = DeclineReasons();
  if (std::find(reasons.begin(), reasons.end(), d.reason) == reasons.end()) {
    return base::InvalidArgument("reason", "search.unknown_reason",
                                 "unknown reason '" + d.reason + "'",
                                 "未知的原因“" + d.reason + "”");
  }
  if (!IsDocumentType(d.source_type)) {
    return base::InvalidArgument("source_type", "search.unknown_type", "unknown source_type",
                                 "未知的来源类型");
  }
  if (!IsDocumentType(d.target_type)) {
    return base::InvalidArgument("target_type", "search.unknown_type", "unknown target_type",
                                 "未知的目标类型");
  }
  if (d.source_id.empty() || d.source_id.size() > 128) {
    return base::InvalidArgument("source_id", "search.bad_id", "source_id must be 1-128 bytes",
                                 "source_id 须为 1 至 128 字节");
  }
  if (d.target_id.empty() || d.target_id.size() > 128) {
    return base::InvalidArgument("target_id", "search.bad_id", "target_id must be 1-128 bytes",
                                 "target_id 须为 1 至 128 字节");
  }
  if (d.note.size() > 2000 || !base::IsValidUtf8(d.note)) {
    return base::InvalidArgument("note", "search.bad_note",
                                 "note must be UTF-8, at most 2000 bytes",
                                 "备注须为 UTF-8，最多 2000 字节");
  }
  int64_t now = clock_.NowMicros();
  return store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO search_feedback (source_type, source_id, target_type, target_id, "
                "reason, note, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {d.source_type, d.source_id, d.target_type, d.target_id, d.reason, d.note, d.actor,
                 now})
            .status());
    return store::AppendEvent(
               tx,
               store::EventDraft{.kind = "search.match.declined",
                                 .entity = d.source_type,
                                 .entity_id = d.source_id,
                                 .actor = d.actor,
                                 .payload = "{\"target_type\":\"" + JsonEscape(d.target_type) +
                                            "\",\"target_id\":\"" + JsonEscape(d.target_id) +
                                            "\",\"reason\":\"" + d.reason + "\"}"},
               clock_)
        .status();
  });
}

void SearchService::SetCatalogueFallback(CatalogueFallback fallback) {
  std::lock_guard lock(routing_mu_);
  catalogue_ = std::move(fallback);
}

void SearchService::SetRoutingModel(std::shared_ptr<const RoutingModel> model,
                                    std::string_view mode) {
  std::lock_guard lock(routing_mu_);
  trained_model_ = std::move(model);
  routing_mode_ = std::string(mode);
}

void SearchService::SetRoutingModelDir(std::string dir) {
  std::lock_guard lock(reload_mu_);
  routing_dir_ = std::move(dir);
  loaded_stamp_.clear();
}

namespace {

// "size:mtime" of a file, or "" when it cannot be read.
std::string FileStamp(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return "";
  }
  auto time = std::filesystem::last_write_time(path, ec);
  if (ec) {
    return "";
  }
  return std::to_string(size) + ":" + std::to_string(time.time_since_epoch().count());
}

}  // namespace

std::vector<RoutingModelReload> SearchService::ReloadRoutingModels(bool force) {
  std::lock_guard reload(reload_mu_);
  std::vector<RoutingModelReload> out;
  if (routing_dir_.empty()) {
    return out;
  }
  for (const std::string label : {"department", "type"}) {
    RoutingModelReload r{label, routing_dir_ + "/" + label + ".fasttext", "", ""};
    std::string stamp = FileStamp(r.file);
    auto& loaded = loaded_stamp_[label];
    std::shared_ptr<const RoutingModel> model;
    if (stamp.empty()) {
      r.state = "missing";
      if (!loaded.empty()) {
        base::Log(base::LogLevel::kInfo, "search.routing_model_removed", {{"file", r.file}});
      }
    } else if (stamp == loaded && !force) {
      r.state = "unchanged";
      out.push_back(std::move(r));
      continue;
    } else {
      auto m = FastTextRouter::Load(analysis_, r.file);
      if (!m.ok()) {
        r.state = "failed";
        r.error_en = m.status().message_en();
        base::Log(base::LogLevel::kError, "search.routing_model_bad",
                  {{"file", r.file}, {"error", r.error_en}});
        // The file is not retried until it changes again.
        loaded = stamp;
        out.push_back(std::move(r));
        continue;
      }
      model = std::shared_ptr<const RoutingModel>(std::move(*m));
      r.state = "loaded";
      base::Log(base::LogLevel::kInfo, "search.routing_model_loaded", {{"file", r.file}});
    }
    loaded = stamp;
    {
      std::lock_guard lock(routing_mu_);
      (label == "department" ? trained_model_ : type_model_) = std::move(model);
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool SearchService::HasTypeModel() {
  std::lock_guard lock(routing_mu_);
  return type_model_ != nullptr;
}

Result<RoutingSuggestion> SearchService::SuggestType(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos || text.size() > 5000) {
    return base::InvalidArgument("text", "search.bad_text",
                                 "text must be 1-5000 bytes of appeal text",
                                 "诉求内容须为 1 至 5000 字节");
  }
  std::shared_ptr<const RoutingModel> model;
  {
    std::lock_guard lock(routing_mu_);
    model = type_model_;
  }
  if (!model) {
    KECHAN_RETURN_IF_ERROR(analysis_.Analyze(text, "text").status());
    RoutingSuggestion none;
    none.unsure = true;
    none.source = "none";
    return none;
  }
  return model->Suggest(text, {});
}

Result<RoutingSuggestion> SearchService::SuggestDepartment(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos || text.size() > 5000) {
    return base::InvalidArgument("text", "search.bad_text",
                                 "text must be 1-5000 bytes of appeal text",
                                 "诉求内容须为 1 至 5000 字节");
  }
  KECHAN_ASSIGN_OR_RETURN(std::string seq, index_->GetMeta("last_seq"));
  std::shared_ptr<const RoutingModel> router;
  CatalogueFallback catalogue;
  {
    std::lock_guard lock(routing_mu_);
    catalogue = catalogue_;
    if (trained_model_ && routing_mode_ == kRoutingFastText) {
      router = trained_model_;
    }
  }
  if (router) {
    return router->Suggest(text, catalogue);
  }
  {
    std::lock_guard lock(routing_mu_);
    if (!router_ || router_seq_ != seq) {
      QueryPlan plan;
      plan.types = {"appeal"};
      KECHAN_ASSIGN_OR_RETURN(RawResults all, index_->Search(plan, {.limit = 20000}));
      std::vector<RoutingExample> examples;
      for (const RawHit& h : all.hits) {
        std::string dept = h.doc.Facet("department");
        if (dept.empty()) {
          continue;
        }
        std::string body;
        for (const Field& f : h.doc.fields) {
          if (f.name != "reply") {
            body += f.text + "\n";
          }
        }
        examples.push_back({h.doc.id, body, dept});
      }
      router_.reset();
      if (!examples.empty()) {
        KECHAN_ASSIGN_OR_RETURN(auto trained, RoutingClassifier::Train(analysis_, examples));
        router_ = std::shared_ptr<const RoutingClassifier>(std::move(trained));
      }
      router_seq_ = seq;
    }
    router = router_;
    if (trained_model_ && routing_mode_ == kRoutingEnsemble) {
      router = router_ ? std::make_shared<EnsembleRouter>(router_, trained_model_) : trained_model_;
    }
  }
  if (!router) {
    RoutingSuggestion none;
    none.unsure = true;
    none.source = "none";
    if (catalogue) {
      if (auto c = catalogue(text)) {
        none.label = *c;
        none.source = "catalogue";
      }
    }
    KECHAN_RETURN_IF_ERROR(analysis_.Analyze(text, "text").status());
    return none;
  }
  return router->Suggest(text, catalogue);
}

void SearchService::AddSource(std::unique_ptr<DocumentSource> source) {
  std::lock_guard lock(indexer_mu_);
  indexer_->AddSource(source.get());
  sources_.push_back(std::move(source));
}

Result<int> SearchService::Tick() {
  std::lock_guard lock(indexer_mu_);
  return indexer_->Tick();
}

Status SearchService::Rebuild(const std::function<void(int64_t, int64_t)>& progress) {
  std::lock_guard lock(indexer_mu_);
  return indexer_->Rebuild(progress);
}

Result<IndexerState> SearchService::State() {
  std::lock_guard lock(indexer_mu_);
  return indexer_->State();
}

SearchModule::SearchModule(store::Database& db, const base::Clock& clock, std::string data_dir,
                           OnOpen on_open)
    : db_(db), clock_(clock), data_dir_(std::move(data_dir)), on_open_(std::move(on_open)) {}

SearchModule::~SearchModule() = default;

void SearchModule::SetIndexDir(std::string dir) {
  std::lock_guard lock(mu_);
  index_dir_ = std::move(dir);
}

Status SearchModule::CheckRoutingModel() {
  std::string path;
  {
    std::lock_guard lock(mu_);
    if (data_dir_.empty()) {
      return Status::Ok();
    }
    path = RoutingModelPath(data_dir_, "department");
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::Ok();
  }
  return FastTextRouter::Check(path);
}

Result<SearchService*> SearchModule::Get() {
  std::lock_guard lock(mu_);
  if (service_) {
    return service_.get();
  }
  if (data_dir_.empty() && index_dir_.empty()) {
    return base::FailedPrecondition(
        "search.no_data_dir",
        "search needs a directory for its index: start with --data DIR or --search_index DIR",
        "检索需要存放索引的目录：请使用 --data DIR 或 --search_index DIR 启动", "data");
  }
  if (!analyzer_) {
    KECHAN_ASSIGN_OR_RETURN(analyzer_, text::Analyzer::Create());
  }
  KECHAN_ASSIGN_OR_RETURN(std::unique_ptr<Index> index,
                          OpenXapianIndex(index_dir_.empty() ? data_dir_ + "/search" : index_dir_));
  auto service = std::make_unique<SearchService>(db_, *analyzer_, std::move(index), clock_);
  if (!data_dir_.empty()) {
    service->SetRoutingModelDir(data_dir_ + "/routing");
    (void)service->ReloadRoutingModels(true);  // logs what it loaded or why not
  }
  if (on_open_) {
    on_open_(*service);
  }
  service_ = std::move(service);
  return service_.get();
}

Result<int> SearchModule::Tick() {
  KECHAN_ASSIGN_OR_RETURN(SearchService * s, Get());
  (void)s->ReloadRoutingModels(false);  // a stat per model file when nothing changed
  return s->Tick();
}

}  // namespace kechan::search
