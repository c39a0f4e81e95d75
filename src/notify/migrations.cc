#include "notify/migrations.h"

namespace kechan::notify {

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> out;
  // Times are UTC microseconds (BIGINT); booleans INTEGER 0/1. Inbox rows and deliveries are
  // derived from events (event_seq) by the "notify" event follower, exactly once: the unique
  // indexes make a second derivation of the same event fail instead of duplicating.
  out.push_back(store::Migration{
      .module = "notify",
      .version = 1,
      .name = "inbox_targets_deliveries_attempts",
      .sql = R"sql(
CREATE TABLE notify_inbox (
  id {{id}},
  user_id BIGINT NOT NULL,
  event_seq BIGINT NOT NULL,
  event_kind TEXT NOT NULL,
  title_zh TEXT NOT NULL DEFAULT '',
  title_en TEXT NOT NULL DEFAULT '',
  body_zh TEXT NOT NULL DEFAULT '',
  body_en TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'high')),
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE UNIQUE INDEX notify_inbox_user_event ON notify_inbox (user_id, event_seq);
CREATE INDEX notify_inbox_user_unread ON notify_inbox (user_id, read_at, id);

CREATE TABLE notify_targets (
  id {{id}},
  name TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('wecom', 'dingtalk')),
  url TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL CHECK (scope IN ('org', 'chain', 'role', 'all')),
  scope_value TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE notify_deliveries (
  id {{id}},
  event_seq BIGINT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'wecom', 'dingtalk')),
  target_id BIGINT,
  user_id BIGINT,
  recipient_key TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  next_at BIGINT NOT NULL,
  lease_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  sent_at BIGINT,
  last_code INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX notify_deliveries_once ON notify_deliveries (event_seq, channel, recipient_key);
CREATE INDEX notify_deliveries_due ON notify_deliveries (status, next_at);

CREATE TABLE notify_attempts (
  id {{id}},
  delivery_id BIGINT NOT NULL REFERENCES notify_deliveries (id),
  number INTEGER NOT NULL,
  at BIGINT NOT NULL,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  code INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  duration_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notify_attempts_delivery ON notify_attempts (delivery_id, number);
)sql",
  });
  // Version 2: e-mail targets (channel 'email' with their addresses) and the SMTP server as
  // operators set it (one row; never credentials: those come from config / environment only).
  // SQLite cannot change a CHECK constraint, so it rebuilds notify_targets (nothing references
  // it); PostgreSQL swaps the constraint.
  const std::string smtp_table = R"sql(
CREATE TABLE notify_smtp (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  tls TEXT NOT NULL CHECK (tls IN ('none', 'try', 'require', 'implicit')),
  mail_from TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL DEFAULT ''
);
)sql";
  out.push_back(store::Migration{
      .module = "notify",
      .version = 2,
      .name = "email_targets_and_smtp_settings",
      .sql = R"sql(
CREATE TABLE notify_targets_v2 (
  id {{id}},
  name TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('wecom', 'dingtalk', 'email')),
  url TEXT NOT NULL,
  secret TEXT NOT NULL DEFAULT '',
  addresses TEXT NOT NULL DEFAULT '',
  scope TEXT NOT NULL CHECK (scope IN ('org', 'chain', 'role', 'all')),
  scope_value TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
INSERT INTO notify_targets_v2 (id, name, channel, url, secret, scope, scope_value, enabled,
  deleted, created_at, updated_at)
  SELECT id, name, channel, url, secret, scope, scope_value, enabled, deleted, created_at,
  updated_at FROM notify_targets;
DROP TABLE notify_targets;
ALTER TABLE notify_targets_v2 RENAME TO notify_targets;
)sql" + smtp_table,
      .postgres_sql = R"sql(
ALTER TABLE notify_targets DROP CONSTRAINT notify_targets_channel_check;
ALTER TABLE notify_targets ADD CONSTRAINT notify_targets_channel_check
  CHECK (channel IN ('wecom', 'dingtalk', 'email'));
ALTER TABLE notify_targets ADD COLUMN addresses TEXT NOT NULL DEFAULT '';
)sql" + smtp_table,
  });
  return out;
}

}  // namespace kechan::notify
