// The synthetic demo dataset: deterministic (fixed seed), labelled synthetic, sized by --scale.
// Every firm, person and number here is invented; only names from the public report (clusters,
// chains, parks) may appear as real, and they arrive with the modules that use them.
#pragma once

#include <string>
#include <vector>

#include "app/app.h"
#include "base/clock.h"

namespace kechan::app {

inline constexpr char kDemoPassword[] = "kechan-demo";

struct DemoOptions {
  int scale = 1;  // 1 ≈ 1,000 records; N multiplies
};

struct DemoAccount {
  std::string username;
  std::string role;
  std::string org_name;
};

struct DemoReport {
  bool already_loaded = false;
  int scale = 1;
  int64_t orgs = 0;
  int64_t users = 0;
  std::vector<DemoAccount> accounts;
  std::string chain_json;  // the chain module's own report (JSON object) or empty
  // Renders {"already_loaded":..,"scale":..,"orgs":..,"users":..,"password":..,"accounts":[..]}.
  std::string ToJson() const;
};

// Loads the dataset through the modules' services (so every record has its event). Refuses to
// load twice: a second call reports already_loaded and changes nothing.
base::Result<DemoReport> LoadDemo(App& app, const DemoOptions& options, const base::Clock& clock);

}  // namespace kechan::app
