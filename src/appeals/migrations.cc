#include "appeals/migrations.h"

#include "appeals/metrics.h"

namespace kechan::appeals {

std::vector<store::Migration> Migrations() {
  // Times are UTC microseconds; dates TEXT "YYYY-MM-DD"; booleans INTEGER 0/1; id lists TEXT
  // "6,8". appeal_history mirrors each appeal event with the appeal's own clock time (the SLA
  // clocks and `kechan sla replay` read it); the event log stays the audit trail.
  return {
      store::Migration{.module = "appeals",
                       .version = 1,
                       .name = "appeals_catalogue_rota_receptions_webhooks",
                       .sql = R"sql(
CREATE TABLE appeals (
  id {{id}},
  title TEXT NOT NULL CHECK (length(title) > 0),
  body TEXT NOT NULL,
  type TEXT NOT NULL,
  channel TEXT NOT NULL,
  state TEXT NOT NULL,
  org_id BIGINT NOT NULL,
  enterprise_id BIGINT,
  chain_id BIGINT,
  district TEXT NOT NULL DEFAULT '',
  lead_unit BIGINT,
  assisting_units TEXT NOT NULL DEFAULT '',
  master_id BIGINT,
  rework_count INTEGER NOT NULL DEFAULT 0,
  urge_count INTEGER NOT NULL DEFAULT 0,
  supervised INTEGER NOT NULL DEFAULT 0,
  reply TEXT NOT NULL DEFAULT '',
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  dispatched_at BIGINT,
  signed_at BIGINT,
  contacted_at BIGINT,
  replied_at BIGINT,
  closed_at BIGINT,
  sla TEXT NOT NULL DEFAULT 'none',
  due_at BIGINT,
  response_on_time INTEGER,
  resolution_on_time INTEGER,
  text_norm TEXT NOT NULL DEFAULT ''
);
CREATE INDEX appeals_created ON appeals (created_at);
CREATE INDEX appeals_state_due ON appeals (state, due_at);
CREATE INDEX appeals_org ON appeals (org_id, created_at);
CREATE INDEX appeals_lead ON appeals (lead_unit, state);

CREATE TABLE appeal_units (
  appeal_id BIGINT NOT NULL,
  org_id BIGINT NOT NULL,
  lead INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (appeal_id, org_id)
);
CREATE INDEX appeal_units_org ON appeal_units (org_id, appeal_id);

CREATE TABLE appeal_history (
  id {{id}},
  appeal_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  action TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT '',
  fields TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX appeal_history_appeal ON appeal_history (appeal_id, at, seq);

CREATE TABLE appeal_requesters (
  appeal_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  visited INTEGER NOT NULL DEFAULT 0,
  resolved TEXT NOT NULL DEFAULT '',
  satisfaction TEXT NOT NULL DEFAULT '',
  visited_at BIGINT,
  PRIMARY KEY (appeal_id, user_id)
);

CREATE TABLE appeal_attachments (
  id {{id}},
  appeal_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX appeal_attachments_appeal ON appeal_attachments (appeal_id);

CREATE TABLE appeal_catalogue (
  id {{id}},
  type TEXT NOT NULL,
  chain_id BIGINT NOT NULL DEFAULT 0,
  district TEXT NOT NULL DEFAULT '',
  lead_unit BIGINT NOT NULL,
  assisting_units TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX appeal_catalogue_key ON appeal_catalogue (type, chain_id, district);

CREATE TABLE appeal_duty_rota (
  day TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE appeal_receptions (
  id {{id}},
  kind TEXT NOT NULL CHECK (kind IN ('duty', 'chain')),
  chain_id BIGINT,
  day TEXT NOT NULL,
  start_time TEXT NOT NULL,
  end_time TEXT NOT NULL,
  host_user_id BIGINT NOT NULL,
  capacity INTEGER NOT NULL CHECK (capacity >= 1),
  booked INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
  location TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX appeal_receptions_day ON appeal_receptions (day);

CREATE TABLE appeal_bookings (
  id {{id}},
  reception_id BIGINT NOT NULL,
  appeal_id BIGINT NOT NULL,
  org_id BIGINT NOT NULL,
  auto INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'booked',
  outcome TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX appeal_bookings_once ON appeal_bookings (reception_id, appeal_id);
CREATE INDEX appeal_bookings_appeal ON appeal_bookings (appeal_id);

CREATE TABLE appeal_group_senders (
  id {{id}},
  platform TEXT NOT NULL CHECK (platform IN ('wecom', 'dingtalk')),
  sender TEXT NOT NULL,
  org_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX appeal_group_senders_key ON appeal_group_senders (platform, sender);

CREATE TABLE appeal_webhook_messages (
  id {{id}},
  platform TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  sender TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  appeal_id BIGINT,
  received_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX appeal_webhook_messages_key ON appeal_webhook_messages (platform, msg_id);
)sql"},
      // Version 2: one facts row per appeal for the metrics (src/appeals/metrics.h), kept in
      // the transaction of every appeal write. SQLite clusters it by creation day so a period
      // is one range scan; rows backfilled here carry calendar_tag '' (stale) and are
      // recomputed from the appeal when read until rewritten.
      store::Migration{.module = "appeals",
                       .version = 2,
                       .name = "appeal_facts",
                       .sql = R"sql(
CREATE TABLE appeal_facts (
  created_day TEXT NOT NULL,
  appeal_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  counted INTEGER NOT NULL DEFAULT 1,
  lead_unit BIGINT,
  chain_id BIGINT,
  district TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  bits BIGINT NOT NULL DEFAULT -1,
  sign_us BIGINT,
  contact_us BIGINT,
  resolution_us BIGINT,
  paused_us BIGINT NOT NULL DEFAULT 0,
  calendar_tag TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (created_day, appeal_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX appeal_facts_appeal ON appeal_facts (appeal_id);
INSERT INTO appeal_facts (created_day, appeal_id, created_at, counted, lead_unit, chain_id,
  district, type)
SELECT date(created_at / 1000000 + 8 * 3600, 'unixepoch'), id, created_at,
  CASE WHEN state IN ('merged', 'rejected') THEN 0 ELSE 1 END, lead_unit, chain_id, district, type
FROM appeals;
)sql",
                       .postgres_sql = R"sql(
CREATE TABLE appeal_facts (
  created_day TEXT NOT NULL,
  appeal_id BIGINT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  counted INTEGER NOT NULL DEFAULT 1,
  lead_unit BIGINT,
  chain_id BIGINT,
  district TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  bits BIGINT NOT NULL DEFAULT -1,
  sign_us BIGINT,
  contact_us BIGINT,
  resolution_us BIGINT,
  paused_us BIGINT NOT NULL DEFAULT 0,
  calendar_tag TEXT NOT NULL DEFAULT ''
);
CREATE INDEX appeal_facts_day ON appeal_facts (created_day, appeal_id);
INSERT INTO appeal_facts (created_day, appeal_id, created_at, counted, lead_unit, chain_id,
  district, type)
SELECT to_char(to_timestamp(created_at / 1000000 + 8 * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
  id, created_at, CASE WHEN state IN ('merged', 'rejected') THEN 0 ELSE 1 END, lead_unit,
  chain_id, district, type
FROM appeals;
)sql"},
      store::Migration{.module = "appeals",
                       .version = 3,
                       .name = "appeals_visit_answers_and_settings",
                       .sql = R"sql(
ALTER TABLE appeal_requesters ADD COLUMN comment TEXT NOT NULL DEFAULT '';
ALTER TABLE appeal_requesters ADD COLUMN visit_channel TEXT NOT NULL DEFAULT '';

CREATE TABLE appeal_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL DEFAULT ''
);
)sql"},
      // Version 4 (issue 4 "Measured"): the officer queue reads the unit's open appeals by
      // due time (lead unit) and its assisting appeals as a UNION of index ranges instead of
      // filtering every open appeal; appeal_fact_sums holds the counters of the computed,
      // counted facts rows per (dimension, creation day, key), kept by WriteFacts in the same
      // transaction, so the rates of a period read ~70 rows a day instead of every appeal.
      // Dimensions: department (lead unit, '' when not dispatched), chain ('' none),
      // district, type. Facts rows not computed yet (bits < 0) are not in the sums.
      store::Migration{
          .module = "appeals", .version = 4, .name = "appeals_queue_index_fact_sums", .sql = R"sql(
DROP INDEX appeals_lead;
CREATE INDEX appeals_lead_state_due ON appeals (lead_unit, state, due_at);
CREATE INDEX appeal_units_assisting ON appeal_units (org_id, appeal_id) WHERE lead = 0;
CREATE INDEX appeal_facts_uncomputed ON appeal_facts (created_day) WHERE bits < 0;
CREATE TABLE appeal_fact_sums (
  dim TEXT NOT NULL,
  created_day TEXT NOT NULL,
  group_key TEXT NOT NULL,
  appeals BIGINT NOT NULL DEFAULT 0,
  dispatched BIGINT NOT NULL DEFAULT 0,
  responded_on_time BIGINT NOT NULL DEFAULT 0,
  reworked BIGINT NOT NULL DEFAULT 0,
  urged BIGINT NOT NULL DEFAULT 0,
  replied BIGINT NOT NULL DEFAULT 0,
  replied_on_time BIGINT NOT NULL DEFAULT 0,
  closed BIGINT NOT NULL DEFAULT 0,
  visits BIGINT NOT NULL DEFAULT 0,
  resolved_yes BIGINT NOT NULL DEFAULT 0,
  satisfied BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (dim, created_day, group_key)
);
)sql" + FactSumsFromFactsSql()},
      // SLA rules as data (sla_rules.h): goal and warning share per clock, type "*" = every
      // type; seeded with the goals the code had per type (15 working days to resolve
      // land_space and technology appeals). The version lives in appeal_settings.
      store::Migration{.module = "appeals", .version = 5, .name = "appeals_sla_rules", .sql = R"sql(
CREATE TABLE appeal_sla_rules (
  type TEXT NOT NULL,
  clock TEXT NOT NULL,
  unit TEXT NOT NULL CHECK (unit IN ('working_days', 'working_hours')),
  amount INTEGER NOT NULL CHECK (amount BETWEEN 1 AND 10000),
  warn_share DOUBLE PRECISION NOT NULL CHECK (warn_share >= 0 AND warn_share < 1),
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (type, clock)
);
INSERT INTO appeal_sla_rules (type, clock, unit, amount, warn_share, updated_at, updated_by)
VALUES ('land_space', 'resolution', 'working_days', 15, 0.8, 0, 'migration'),
  ('technology', 'resolution', 'working_days', 15, 0.8, 0, 'migration');
)sql"},
      // Version 6 (issue 4 "Measured", officer queue at 1M appeals): the queue's colour counts
      // and page order read (state, due_at, id, sla) and (lead_unit, state, due_at, id, sla)
      // without touching table rows; appeal_units.is_open (0 once the appeal is terminal, set
      // by AppealService in the same transaction) lets the assisting branch read only the
      // unit's open appeals. appeal_recompute_jobs keeps the SLA-rules recomputation jobs
      // (ClockRecomputeRunner) across restarts.
      store::Migration{.module = "appeals",
                       .version = 6,
                       .name = "appeals_queue_covering_recompute_jobs",
                       .sql = R"sql(
DROP INDEX appeals_state_due;
CREATE INDEX appeals_state_due_sla ON appeals (state, due_at, id, sla);
DROP INDEX appeals_lead_state_due;
CREATE INDEX appeals_lead_state_due_sla ON appeals (lead_unit, state, due_at, id, sla);
ALTER TABLE appeal_units ADD COLUMN is_open INTEGER NOT NULL DEFAULT 1;
UPDATE appeal_units SET is_open = 0 WHERE appeal_id IN (SELECT id FROM appeals WHERE state IN
  ('closed', 'rejected', 'archived', 'merged'));
CREATE INDEX appeal_units_assisting_open ON appeal_units (org_id, appeal_id)
  WHERE lead = 0 AND is_open = 1;

CREATE TABLE appeal_recompute_jobs (
  id BIGINT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  started_by TEXT NOT NULL,
  instance TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL DEFAULT 0,
  processed BIGINT NOT NULL DEFAULT 0,
  total BIGINT NOT NULL DEFAULT 0,
  changed BIGINT NOT NULL DEFAULT 0,
  timers BIGINT NOT NULL DEFAULT 0,
  seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
  error_reason TEXT NOT NULL DEFAULT '',
  error_field TEXT NOT NULL DEFAULT '',
  error_en TEXT NOT NULL DEFAULT '',
  error_zh TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
)sql"},
      // Version 7: recomputation jobs get an owner node ("host/pid", for people; `instance`
      // stays the owner's token) and a heartbeat the owner refreshes while the job runs, so a
      // server sharing the database takes a "running" job for interrupted only once its
      // heartbeat is older than the lease (ClockRecomputeRunner::kLease), never a live one.
      store::Migration{.module = "appeals",
                       .version = 7,
                       .name = "appeals_recompute_job_heartbeat",
                       .sql = R"sql(
ALTER TABLE appeal_recompute_jobs ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE appeal_recompute_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
UPDATE appeal_recompute_jobs SET heartbeat_at = updated_at;
)sql"}};
}

}  // namespace kechan::appeals
