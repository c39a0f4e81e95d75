// The append-only event log: every write of every module appends one event in the same
// transaction. Each event carries the SHA-256 of the previous one, forming a verifiable chain.
// It is also the outbox the search index, SLA clocks and notifications follow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "store/database.h"

namespace kechan::store {

struct EventDraft {
  std::string kind;       // "auth.user.created", "chain.node.updated", ...
  std::string entity;     // "user", "org", ...
  std::string entity_id;  // the entity's id as text
  std::string actor;      // "user:12", "system", "cli"
  std::string payload;    // a JSON object as text
};

struct Event {
  int64_t seq = 0;
  int64_t at_us = 0;
  std::string kind;
  std::string entity;
  std::string entity_id;
  std::string actor;
  std::string payload;
  std::string prev_hash;  // hex; 64 zeros for the first event
  std::string hash;       // hex SHA-256 over the fields above
};

// Appends `draft` inside `tx` (which must be a write transaction) and returns its sequence number.
// Serializes appenders on the event_head row so sequence numbers are gapless.
Result<int64_t> AppendEvent(Tx& tx, const EventDraft& draft, const base::Clock& clock);

// Reads up to `limit` events with seq > `after_seq`, in order.
Result<std::vector<Event>> ReadEvents(Tx& tx, int64_t after_seq, int limit);

// Computes the hash of an event from its fields and prev_hash (hex SHA-256).
std::string HashEvent(const Event& e);

struct VerifyReport {
  bool ok = true;
  int64_t checked = 0;
  std::optional<int64_t> first_bad_seq;
  std::string reason;  // empty when ok
};

// Walks the whole log and checks each hash and link, and that sequence numbers have no gaps.
Result<VerifyReport> VerifyLog(Database& db);

}  // namespace kechan::store
