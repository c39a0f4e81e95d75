// The chain module's part of the synthetic demo dataset. Real names only where the public report
// names them (the trillion-yuan clusters 电子信息 and 装备制造, the chains 航空航天 and 人工智能,
// the future industries 核聚变能 and 量子科技, the parks 微波射频科学城, 未来翼谷, 西部脑谷);
// the other chains are typical examples and say so in their provenance. Every node, enterprise
// (names ending "（示例）", synthetic valid USCCs), link, supply link and occupancy figure is
// invented. Deterministic (fixed seed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/calendar.h"
#include "base/result.h"
#include "chain/service.h"

namespace kechan::chain {

struct ChainDemoReport {
  bool already_loaded = false;
  int64_t clusters = 0;
  int64_t chains = 0;
  int64_t nodes = 0;
  int64_t parks = 0;
  int64_t enterprises = 0;
  int64_t links = 0;
  int64_t supply_links = 0;
  int64_t observations = 0;
  int64_t buildings = 0;
  int64_t units = 0;
  int64_t unit_observations = 0;
  int64_t projects = 0;
  // Renders {"already_loaded":..,"clusters":..,...}.
  std::string ToJson() const;
};

// Loads the dataset through `service` as the system caller (so every record has its event):
// 300 × scale enterprises (imported through ImportEnterprisesCsv in batches of 50,000 rows).
// Buildings, units and major projects do not grow with scale: 3 buildings of 8 units per park (2
// in a park-in-park) with one observation per unit at the end of each of the 24 months before
// `today`'s month, and 10 major projects / landmarks with milestones planned and reached around
// `today` (a third of them slipping). Only those dates follow `today`; every other draw is fixed.
// Refuses to load twice: when the chain CD-AI exists it reports already_loaded and changes
// nothing. Errors: InvalidArgument naming "scale" outside 1..4000; the service's errors.
base::Result<ChainDemoReport> LoadChainDemo(ChainService& service, int scale);
base::Result<ChainDemoReport> LoadChainDemo(ChainService& service, int scale, base::Date today);

// The demo accounts' places in the chain data.
struct DemoAccounts {
  std::string chief_username = "demo-chief";  // becomes chief of `chief_chain`
  std::string chief_chain = "CD-AI";
  std::optional<base::OrgId> enterprise_org;  // the demo enterprise account's organisation:
                                              // becomes the org of the first firm of the chain
};

// Makes the demo chief the chief of one named chain and the demo enterprise account a member of
// one demo enterprise (so "edits its own profile" works). Idempotent. Errors: NotFound naming
// "chief_username" / "chief_chain" when they do not exist; the service's errors.
base::Status AssignDemoAccounts(ChainService& service, const DemoAccounts& accounts);

}  // namespace kechan::chain
