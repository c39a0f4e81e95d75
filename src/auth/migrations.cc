#include "auth/migrations.h"

namespace kechan::auth {

std::vector<store::Migration> Migrations() {
  std::vector<store::Migration> out;
  // Times are UTC microseconds (BIGINT); booleans are INTEGER 0/1 on both dialects. Sessions and
  // API tokens store only the SHA-256 of their secret, never the secret.
  out.push_back(store::Migration{
      .module = "auth",
      .version = 1,
      .name = "orgs_users_memberships_sessions_tokens",
      .sql = R"sql(
CREATE TABLE orgs (
  id {{id}},
  kind TEXT NOT NULL CHECK (kind IN ('enterprise', 'institution', 'government', 'operator')),
  name TEXT NOT NULL CHECK (length(name) > 0),
  name_en TEXT NOT NULL DEFAULT '',
  uscc TEXT CHECK (uscc IS NULL OR length(uscc) = 18),
  created_at BIGINT NOT NULL,
  created_by BIGINT
);
CREATE UNIQUE INDEX orgs_uscc ON orgs (uscc);
CREATE INDEX orgs_kind ON orgs (kind);

CREATE TABLE users (
  id {{id}},
  username TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);

CREATE TABLE memberships (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users (id),
  org_id BIGINT NOT NULL REFERENCES orgs (id),
  role TEXT NOT NULL CHECK (role IN ('enterprise', 'researcher', 'tech_manager', 'officer',
                                     'duty_director', 'chain_chief', 'operator')),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX memberships_triple ON memberships (user_id, org_id, role);
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  remote TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  prefix TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
)sql",
  });
  return out;
}

}  // namespace kechan::auth
