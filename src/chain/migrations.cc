#include "chain/migrations.h"

#include <string>

namespace kechan::chain {

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> out;
  // Dates are TEXT "YYYY-MM-DD" (they sort as text); valid_to NULL means "still valid" (both
  // ends inclusive, see model.h Validity). Money is BIGINT fen. Booleans are INTEGER 0/1. Times
  // are UTC microseconds. Lists (host_districts, co_districts, partners, products) are TEXT with
  // one item per line. Every record has provenance: source (free text: "统计局 2025 年报",
  // "demo", "import:file.csv") and source_date.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 1,
      .name = "clusters_chains_nodes_enterprises_parks",
      .sql = R"sql(
CREATE TABLE chain_clusters (
  id {{id}},
  code TEXT NOT NULL CHECK (length(code) > 0),
  name TEXT NOT NULL CHECK (length(name) > 0),
  name_en TEXT NOT NULL DEFAULT '',
  tier TEXT NOT NULL CHECK (tier IN ('trillion', 'hundred_billion', 'future')),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_clusters_code ON chain_clusters (code);

CREATE TABLE chain_chains (
  id {{id}},
  cluster_id BIGINT NOT NULL REFERENCES chain_clusters (id),
  code TEXT NOT NULL CHECK (length(code) > 0),
  name TEXT NOT NULL CHECK (length(name) > 0),
  name_en TEXT NOT NULL DEFAULT '',
  chief TEXT NOT NULL DEFAULT '',
  lead_department TEXT NOT NULL DEFAULT '',
  host_districts TEXT NOT NULL DEFAULT '',
  co_districts TEXT NOT NULL DEFAULT '',
  partners TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_chains_code ON chain_chains (code);
CREATE INDEX chain_chains_cluster ON chain_chains (cluster_id);

CREATE TABLE chain_nodes (
  id {{id}},
  chain_id BIGINT NOT NULL REFERENCES chain_chains (id),
  parent_id BIGINT REFERENCES chain_nodes (id),
  code TEXT NOT NULL CHECK (length(code) > 0),
  name TEXT NOT NULL CHECK (length(name) > 0),
  name_en TEXT NOT NULL DEFAULT '',
  segment TEXT NOT NULL CHECK (segment IN ('upstream', 'midstream', 'downstream')),
  criticality INTEGER NOT NULL CHECK (criticality BETWEEN 1 AND 5),
  choke_point INTEGER NOT NULL DEFAULT 0 CHECK (choke_point IN (0, 1)),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_nodes_code ON chain_nodes (chain_id, code);
CREATE INDEX chain_nodes_parent ON chain_nodes (parent_id);

CREATE TABLE chain_parks (
  id {{id}},
  parent_id BIGINT REFERENCES chain_parks (id),
  name TEXT NOT NULL CHECK (length(name) > 0),
  name_en TEXT NOT NULL DEFAULT '',
  level INTEGER NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 3),
  district TEXT NOT NULL DEFAULT '',
  main_industry TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_parks_name ON chain_parks (name);
CREATE INDEX chain_parks_parent ON chain_parks (parent_id);

CREATE TABLE chain_enterprises (
  id {{id}},
  uscc TEXT NOT NULL CHECK (length(uscc) = 18),
  name TEXT NOT NULL CHECK (length(name) > 0),
  name_en TEXT NOT NULL DEFAULT '',
  district TEXT NOT NULL DEFAULT '',
  park_id BIGINT REFERENCES chain_parks (id),
  above_size INTEGER NOT NULL DEFAULT 0 CHECK (above_size IN (0, 1)),
  green_factory INTEGER NOT NULL DEFAULT 0 CHECK (green_factory IN (0, 1)),
  org_id BIGINT REFERENCES orgs (id),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_enterprises_uscc ON chain_enterprises (uscc);
CREATE INDEX chain_enterprises_district ON chain_enterprises (district, id);
CREATE INDEX chain_enterprises_park ON chain_enterprises (park_id, id);
CREATE INDEX chain_enterprises_above ON chain_enterprises (above_size, id);
CREATE INDEX chain_enterprises_org ON chain_enterprises (org_id);

CREATE TABLE chain_enterprise_years (
  enterprise_id BIGINT NOT NULL REFERENCES chain_enterprises (id),
  year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
  revenue_fen BIGINT CHECK (revenue_fen IS NULL OR revenue_fen >= 0),
  rd_fen BIGINT CHECK (rd_fen IS NULL OR rd_fen >= 0),
  digital_level INTEGER CHECK (digital_level IS NULL OR digital_level BETWEEN 1 AND 4),
  PRIMARY KEY (enterprise_id, year)
);

CREATE TABLE chain_enterprise_tiers (
  enterprise_id BIGINT NOT NULL REFERENCES chain_enterprises (id),
  tier TEXT NOT NULL CHECK (tier IN ('innovative_sme', 'specialized', 'little_giant',
                                     'single_champion')),
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  PRIMARY KEY (enterprise_id, valid_from)
);

CREATE TABLE chain_links (
  id {{id}},
  enterprise_id BIGINT NOT NULL REFERENCES chain_enterprises (id),
  node_id BIGINT NOT NULL REFERENCES chain_nodes (id),
  role TEXT NOT NULL CHECK (role IN ('chain_master', 'supplier', 'user', 'service')),
  products TEXT NOT NULL DEFAULT '',
  capacity DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (capacity >= 0),
  revenue_fen BIGINT NOT NULL DEFAULT 0 CHECK (revenue_fen >= 0),
  locality TEXT NOT NULL CHECK (locality IN ('local', 'external')),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_links_key ON chain_links (enterprise_id, node_id, role);
CREATE INDEX chain_links_node ON chain_links (node_id, enterprise_id);

CREATE TABLE chain_supply_links (
  id {{id}},
  buyer_id BIGINT NOT NULL REFERENCES chain_enterprises (id),
  supplier_id BIGINT NOT NULL REFERENCES chain_enterprises (id),
  node_id BIGINT NOT NULL REFERENCES chain_nodes (id),
  value_fen BIGINT NOT NULL DEFAULT 0 CHECK (value_fen >= 0),
  locality TEXT NOT NULL CHECK (locality IN ('local', 'external')),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  CHECK (supplier_id <> buyer_id)
);
CREATE INDEX chain_supply_links_node ON chain_supply_links (node_id);
CREATE INDEX chain_supply_links_buyer ON chain_supply_links (buyer_id);

CREATE TABLE chain_occupancy (
  id {{id}},
  park_id BIGINT NOT NULL REFERENCES chain_parks (id),
  observed_on TEXT NOT NULL,
  land_used DOUBLE PRECISION NOT NULL CHECK (land_used >= 0),
  land_total DOUBLE PRECISION NOT NULL CHECK (land_total >= 0),
  floor_used DOUBLE PRECISION NOT NULL CHECK (floor_used >= 0),
  floor_total DOUBLE PRECISION NOT NULL CHECK (floor_total >= 0),
  producing_units BIGINT NOT NULL CHECK (producing_units >= 0),
  total_units BIGINT NOT NULL CHECK (total_units >= 0),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_occupancy_key ON chain_occupancy (park_id, observed_on);
)sql",
  });
  // Chain chiefs (链长) as users, per chain: a chief sees the details of the chains assigned here.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 2,
      .name = "chain_chiefs",
      .sql = R"sql(
CREATE TABLE chain_chiefs (
  chain_id BIGINT NOT NULL REFERENCES chain_chains (id),
  user_id BIGINT NOT NULL REFERENCES users (id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (chain_id, user_id)
);
CREATE INDEX chain_chiefs_user ON chain_chiefs (user_id, chain_id);
)sql",
  });
  // Major projects (产业地标 / 重大项目) with planned and actual milestone dates.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 3,
      .name = "projects",
      .sql = R"sql(
CREATE TABLE chain_projects (
  id {{id}},
  name TEXT NOT NULL,
  name_en TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('major', 'landmark')),
  investment_fen BIGINT NOT NULL DEFAULT 0 CHECK (investment_fen >= 0),
  chain_id BIGINT REFERENCES chain_chains (id),
  park_id BIGINT REFERENCES chain_parks (id),
  department TEXT NOT NULL DEFAULT '',
  signed_planned TEXT, signed_actual TEXT,
  started_planned TEXT, started_actual TEXT,
  completed_planned TEXT, completed_actual TEXT,
  producing_planned TEXT, producing_actual TEXT,
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX chain_projects_chain ON chain_projects (chain_id);
CREATE INDEX chain_projects_park ON chain_projects (park_id);
)sql",
  });
  // Buildings (楼栋) of parks, their units (单元) and dated unit observations (occupied by an
  // enterprise, producing), for unit-based occupancy below the park level.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 4,
      .name = "buildings_units",
      .sql = R"sql(
CREATE TABLE chain_buildings (
  id {{id}},
  park_id BIGINT NOT NULL REFERENCES chain_parks (id),
  name TEXT NOT NULL CHECK (length(name) > 0),
  floors BIGINT NOT NULL CHECK (floors >= 1),
  floor_area_m2 DOUBLE PRECISION NOT NULL CHECK (floor_area_m2 > 0),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_buildings_name ON chain_buildings (park_id, name);

CREATE TABLE chain_units (
  id {{id}},
  building_id BIGINT NOT NULL REFERENCES chain_buildings (id),
  code TEXT NOT NULL CHECK (length(code) > 0),
  floor BIGINT NOT NULL CHECK (floor >= 1),
  area_m2 DOUBLE PRECISION NOT NULL CHECK (area_m2 > 0),
  use TEXT NOT NULL CHECK (use IN ('production', 'office', 'lab', 'warehouse')),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_units_code ON chain_units (building_id, code);

CREATE TABLE chain_unit_observations (
  id {{id}},
  unit_id BIGINT NOT NULL REFERENCES chain_units (id),
  observed_on TEXT NOT NULL,
  occupied INTEGER NOT NULL CHECK (occupied IN (0, 1)),
  enterprise_id BIGINT REFERENCES chain_enterprises (id),
  producing INTEGER NOT NULL CHECK (producing IN (0, 1) AND producing <= occupied),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX chain_unit_observations_key ON chain_unit_observations (unit_id, observed_on);
)sql",
  });
  // Import jobs of the HTTP API (import_jobs.h), so a job's state, progress and report (with its
  // row errors, as JSON) survive a restart. `instance` names the server process that ran it: a
  // job left "running" by another instance was interrupted and reads as failed.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 6,
      .name = "import_jobs",
      .sql = R"sql(
CREATE TABLE chain_import_jobs (
  id {{id}},
  kind TEXT NOT NULL,
  owner TEXT NOT NULL,
  instance TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'rejected', 'failed')),
  phase TEXT NOT NULL DEFAULT 'reading',
  processed BIGINT NOT NULL DEFAULT 0,
  total BIGINT NOT NULL DEFAULT 0,
  report TEXT,
  error_reason TEXT,
  error_field TEXT,
  error_en TEXT,
  error_zh TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX chain_import_jobs_state ON chain_import_jobs (state);
)sql",
  });
  // Read models for the analyses at city scale (issue 3 "Measured"), maintained by ChainService
  // in the same transaction as the link and enterprise writes (see repo.h):
  //   chain_node_agg     one row per node: its producer firms over the "open" links (no valid_to,
  //                      enterprise without valid_to), the sums HHI and the top supplier need, and
  //                      the date bounds that say on which days the row equals a recomputation;
  //                      a node without a row is computed from its links;
  //   chain_chain_firms  which enterprises are linked (any role, any date) to a chain, with the
  //                      enterprise's list filters and validity copied, for the list page and
  //                      the firm count of the key-firm ranking.
  // chain_links_node is replaced by (node_id, role, locality, enterprise_id): chain masters and
  // external producers of a node are index ranges.
  const std::string v5 = R"sql(
CREATE TABLE chain_node_agg (
  node_id BIGINT PRIMARY KEY REFERENCES chain_nodes (id),
  local_firms BIGINT NOT NULL DEFAULT 0,
  external_firms BIGINT NOT NULL DEFAULT 0,
  cap_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
  cap_sq DOUBLE PRECISION NOT NULL DEFAULT 0,
  rev_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
  rev_sq DOUBLE PRECISION NOT NULL DEFAULT 0,
  top_cap_id BIGINT NOT NULL DEFAULT 0,
  top_cap DOUBLE PRECISION NOT NULL DEFAULT 0,
  top_rev_id BIGINT NOT NULL DEFAULT 0,
  top_rev DOUBLE PRECISION NOT NULL DEFAULT 0,
  min_firm BIGINT NOT NULL DEFAULT 0,
  open_from TEXT NOT NULL DEFAULT '1970-01-01',
  dated_until TEXT,
  updated_at BIGINT NOT NULL
);
CREATE TABLE chain_chain_firms (
  chain_id BIGINT NOT NULL REFERENCES chain_chains (id),
  enterprise_id BIGINT NOT NULL REFERENCES chain_enterprises (id),
  district TEXT NOT NULL DEFAULT '',
  above_size INTEGER NOT NULL DEFAULT 0,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  PRIMARY KEY (chain_id, enterprise_id)
){{without_rowid}};
CREATE INDEX chain_chain_firms_filters ON chain_chain_firms (chain_id, district, above_size,
                                                             enterprise_id);
CREATE INDEX chain_chain_firms_enterprise ON chain_chain_firms (enterprise_id);
INSERT INTO chain_chain_firms (chain_id, enterprise_id, district, above_size, valid_from,
                               valid_to)
SELECT DISTINCT n.chain_id, e.id, e.district, e.above_size, e.valid_from, e.valid_to
FROM chain_links l JOIN chain_nodes n ON n.id = l.node_id
JOIN chain_enterprises e ON e.id = l.enterprise_id;
DROP INDEX chain_links_node;
CREATE INDEX chain_links_node_role ON chain_links (node_id, role, locality, enterprise_id);
)sql";
  // On SQLite the chain firms are stored in key order (WITHOUT ROWID): a chain's firms are one
  // contiguous range, so counting those valid on a day reads no other pages.
  auto with = [&](const std::string& text) {
    std::string sql = v5;
    sql.replace(sql.find("{{without_rowid}}"), std::string("{{without_rowid}}").size(), text);
    return sql;
  };
  out.push_back(store::Migration{
      .module = "chain",
      .version = 5,
      .name = "analysis_read_models",
      .sql = with(" WITHOUT ROWID"),
      .postgres_sql = with(""),
  });
  // The one-chain analysis at city scale, second step:
  //   chain_chain_count   per chain, the number of its firms (chain_chain_firms rows) without an
  //                       end date, with two date bounds saying on which days that number is the
  //                       count of its firms valid on the day (open_from: no earlier than the
  //                       latest start of a counted firm; dated_until: no earlier than the latest
  //                       end of an end-dated firm). Bounds only move forward, so a stale bound
  //                       costs a recount, never a wrong count. The key-firm ranking's vertex
  //                       count reads this row instead of counting the chain's firms.
  //   chain_links_masters the chain-master links (about 2 % of all) with the columns the
  //                       analysis reads (node, firm, validity; role too, or SQLite does not
  //                       see the index as covering): a covering partial index, so the masters
  //                       are one index range instead of a table lookup per link.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 7,
      .name = "chain_firm_count_master_index",
      .sql = R"sql(
CREATE TABLE chain_chain_count (
  chain_id BIGINT PRIMARY KEY REFERENCES chain_chains (id),
  open_firms BIGINT NOT NULL DEFAULT 0,
  open_from TEXT NOT NULL DEFAULT '1970-01-01',
  dated_until TEXT,
  updated_at BIGINT NOT NULL
);
INSERT INTO chain_chain_count (chain_id, open_firms, open_from, dated_until, updated_at)
SELECT chain_id, SUM(CASE WHEN valid_to IS NULL THEN 1 ELSE 0 END),
       COALESCE(MAX(CASE WHEN valid_to IS NULL THEN valid_from END), '1970-01-01'),
       MAX(valid_to), 0
FROM chain_chain_firms GROUP BY chain_id;
CREATE INDEX chain_links_masters ON chain_links (node_id, enterprise_id, valid_from, valid_to,
                                                 role) WHERE role = 'chain_master';
)sql",
  });
  // SQLite: chain_links' foreign keys DEFERRABLE INITIALLY DEFERRED, so that the import's
  // multi-row INSERTs into it keep no statement journal (bench/README.md, chain import). SQLite
  // keeps one (a copy of every page the statement changes that the transaction had already
  // written) when a statement may write several rows and "may abort": an immediate foreign key
  // does that whatever the statement's conflict clause, and so does a NOT NULL, CHECK or UNIQUE
  // constraint with the default ABORT action, which INSERT OR ROLLBACK replaces (repo.cc,
  // MultiRow). Both are needed: with only one of them the journal stays. A dangling id now fails
  // at COMMIT (a constraint Status; the store rolls the transaction back) instead of at the
  // INSERT. SQLite cannot alter a constraint, so the table is rebuilt: new table, rows copied
  // with their ids, the AUTOINCREMENT counter carried over, old table dropped (no table refers
  // to chain_links, so nothing is checked), new one renamed, the indexes of migrations 1, 5 and
  // 7 made again. PostgreSQL has no statement journal: its keys stay immediate, nothing to do.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 8,
      .name = "deferred_link_foreign_keys",
      .sql = R"sql(
CREATE TABLE chain_links_v8 (
  id {{id}},
  enterprise_id BIGINT NOT NULL REFERENCES chain_enterprises (id) DEFERRABLE INITIALLY DEFERRED,
  node_id BIGINT NOT NULL REFERENCES chain_nodes (id) DEFERRABLE INITIALLY DEFERRED,
  role TEXT NOT NULL CHECK (role IN ('chain_master', 'supplier', 'user', 'service')),
  products TEXT NOT NULL DEFAULT '',
  capacity DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (capacity >= 0),
  revenue_fen BIGINT NOT NULL DEFAULT 0 CHECK (revenue_fen >= 0),
  locality TEXT NOT NULL CHECK (locality IN ('local', 'external')),
  source TEXT NOT NULL DEFAULT '',
  source_date TEXT,
  valid_from TEXT NOT NULL DEFAULT '1970-01-01',
  valid_to TEXT,
  created_at BIGINT NOT NULL
);
INSERT INTO chain_links_v8 (id, enterprise_id, node_id, role, products, capacity, revenue_fen,
                            locality, source, source_date, valid_from, valid_to, created_at)
SELECT id, enterprise_id, node_id, role, products, capacity, revenue_fen, locality, source,
       source_date, valid_from, valid_to, created_at
FROM chain_links ORDER BY id;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'chain_links_v8', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence
                                             WHERE name = 'chain_links_v8');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence
                                                     WHERE name = 'chain_links'), 0))
WHERE name = 'chain_links_v8';
DROP TABLE chain_links;
ALTER TABLE chain_links_v8 RENAME TO chain_links;
CREATE UNIQUE INDEX chain_links_key ON chain_links (enterprise_id, node_id, role);
CREATE INDEX chain_links_node_role ON chain_links (node_id, role, locality, enterprise_id);
CREATE INDEX chain_links_masters ON chain_links (node_id, enterprise_id, valid_from, valid_to,
                                                 role) WHERE role = 'chain_master';
)sql",
      .postgres_sql = "-- PostgreSQL: nothing to do (see above).\n",
  });
  // PostgreSQL: chain_links without foreign keys; its parents kept instead (docs/decisions/
  // 0010). The keys' per-row checks cost a third of a big import's time on PostgreSQL (two RI
  // trigger calls for each of 5 million links at 1M firms; bench/README.md, chain, eighth and
  // ninth steps), and a statement-level trigger costs as much. What they guarded against is
  // covered another way: (1) enterprises and nodes are never removed and never renumbered (their
  // history is kept by validity dates), which the triggers below make the database refuse —
  // DELETE, TRUNCATE, an UPDATE that changes id; (2) every insert into chain_links goes through
  // repo::InsertLink / InsertLinks, which on PostgreSQL first check that every referenced
  // enterprise and node exists, in the same transaction, with one set query per table (an id
  // that exists then exists for good, by (1)). Links are never updated. SQLite keeps its keys
  // (deferred, migration 8): its checks are cheap and the import goal is met there.
  out.push_back(store::Migration{
      .module = "chain",
      .version = 9,
      .name = "links_checked_by_the_writer_parents_kept",
      .sql = "-- SQLite: nothing to do (see above).\n",
      .postgres_sql = R"sql(
ALTER TABLE chain_links DROP CONSTRAINT chain_links_enterprise_id_fkey;
ALTER TABLE chain_links DROP CONSTRAINT chain_links_node_id_fkey;
CREATE FUNCTION chain_refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rows of % are never removed or renumbered: end their validity instead', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER chain_enterprises_kept BEFORE DELETE OR TRUNCATE ON chain_enterprises
  FOR EACH STATEMENT EXECUTE FUNCTION chain_refuse_removal();
CREATE TRIGGER chain_enterprises_id_kept BEFORE UPDATE OF id ON chain_enterprises
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION chain_refuse_removal();
CREATE TRIGGER chain_nodes_kept BEFORE DELETE OR TRUNCATE ON chain_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION chain_refuse_removal();
CREATE TRIGGER chain_nodes_id_kept BEFORE UPDATE OF id ON chain_nodes
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION chain_refuse_removal();
)sql",
  });
  return out;
}

}  // namespace kechan::chain
