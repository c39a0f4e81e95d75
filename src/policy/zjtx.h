// The worked rule set of the toolkit: the SME "专精特新" (specialised, refined, distinctive,
// innovative) recognition criteria, structured after the national 优质中小企业梯度培育管理暂行办法.
// SYNTHETIC DEMO: thresholds are illustrative, not a legal statement of the current criteria.
#pragma once

#include <string>

namespace kechan::policy {

// Returns the rule as JSON (docs/policy.md schema). Clause ids start with "zjtx.".
std::string ZjtxRuleJson();

}  // namespace kechan::policy
