#include "policy/migrations.h"

namespace kechan::policy {

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> out;
  // Dates are TEXT "YYYY-MM-DD"; times are UTC microseconds; money is BIGINT fen. A version's
  // rule is stored as its canonical JSON (model.h RuleToJson), its application fields as JSON.
  out.push_back(store::Migration{.module = "policy",
                                 .version = 1,
                                 .name = "policies_versions_applications_facts",
                                 .sql = R"sql(
CREATE TABLE policy_policies (
  id {{id}},
  code TEXT NOT NULL CHECK (length(code) > 0),
  title TEXT NOT NULL CHECK (length(title) > 0),
  title_en TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL CHECK (category IN ('expand_markets', 'cut_costs', 'scenarios', 'platforms')),
  department TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL CHECK (mode IN ('no_application', 'one_click', 'full_application')),
  status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX policy_policies_code ON policy_policies (code);

CREATE TABLE policy_versions (
  id {{id}},
  policy_id BIGINT NOT NULL REFERENCES policy_policies (id),
  number INTEGER NOT NULL,
  effective_from TEXT NOT NULL,
  effective_to TEXT,
  rule_json TEXT NOT NULL,
  benefit_zh TEXT NOT NULL,
  benefit_en TEXT NOT NULL DEFAULT '',
  amount_fen BIGINT,
  fields_json TEXT NOT NULL DEFAULT '[]',
  published INTEGER NOT NULL DEFAULT 0,
  published_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX policy_versions_number ON policy_versions (policy_id, number);

CREATE TABLE policy_applications (
  id {{id}},
  policy_id BIGINT NOT NULL REFERENCES policy_policies (id),
  version_id BIGINT NOT NULL REFERENCES policy_versions (id),
  enterprise_id BIGINT NOT NULL,
  org_id BIGINT,
  enterprise_name TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('one_click', 'full', 'auto')),
  state TEXT NOT NULL,
  fields_json TEXT NOT NULL DEFAULT '{}',
  evaluation TEXT NOT NULL DEFAULT 'unknown',
  missing TEXT NOT NULL DEFAULT '',
  history_json TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX policy_applications_enterprise ON policy_applications (enterprise_id);
CREATE INDEX policy_applications_policy ON policy_applications (policy_id, state);

CREATE TABLE policy_enterprise_facts (
  enterprise_id BIGINT NOT NULL,
  fact TEXT NOT NULL,
  year INTEGER NOT NULL DEFAULT 0,
  value TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (enterprise_id, fact, year)
);
)sql"});
  return out;
}

}  // namespace kechan::policy
