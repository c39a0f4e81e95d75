// The policy module's part of the synthetic demo dataset: the worked 专精特新 rule set as a
// policy, four more policies (one per toolkit category, one of them 免申即享 and one left as a
// draft) and supplementary facts for the first demo enterprises. SYNTHETIC: every policy title
// ends "（示例）", every number is illustrative. Needs the chain demo loaded first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/ids.h"
#include "base/result.h"
#include "policy/service.h"

namespace kechan::policy {

struct PolicyDemoReport {
  bool already_loaded = false;
  int64_t policies = 0;
  int64_t published = 0;
  int64_t benefits_created = 0;  // 免申即享 pending benefits
  int64_t enriched = 0;          // enterprises given supplementary facts
  // Renders {"already_loaded":..,"policies":..,...}.
  std::string ToJson() const;
};

// Loads the policies through `service` (system caller). `enterprise_org` is the demo enterprise
// account's organisation: its enterprise (chain::AssignDemoAccounts links it to a firm of the
// CD-AI chain) is given facts that fit the 专精特新 and scenario policies. Idempotent: when the
// policy CD-ZJTX-2026 exists it reports already_loaded and changes nothing.
base::Result<PolicyDemoReport> LoadPolicyDemo(PolicyService& service, chain::ChainService& chain,
                                              std::optional<base::OrgId> enterprise_org);

}  // namespace kechan::policy
