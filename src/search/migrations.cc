#include "search/migrations.h"

namespace kechan::search {

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> out;
  // search_synonyms: one row per head word; synonyms TEXT one per line (normalised).
  // search_feedback: a declined match (source entity -> candidate) and why.
  out.push_back(store::Migration{
      .module = "search", .version = 1, .name = "thesaurus_and_feedback", .sql = R"sql(
CREATE TABLE search_synonyms (
  word TEXT PRIMARY KEY CHECK (length(word) > 0),
  synonyms TEXT NOT NULL,
  updated_by TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);

CREATE TABLE search_feedback (
  id {{id}},
  source_type TEXT NOT NULL,
  source_id TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  at BIGINT NOT NULL
);
CREATE INDEX search_feedback_source ON search_feedback (source_type, source_id);
)sql"});
  return out;
}

}  // namespace kechan::search
