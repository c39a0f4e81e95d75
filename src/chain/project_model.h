// Major projects of the chain module (产业地标 / 重大项目, issue 3): investment, chain, park,
// responsible department, milestones signed → started → completed → producing with planned and
// actual dates, and slippage against plan. Plain values and pure rules; no I/O.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "base/calendar.h"
#include "base/ids.h"
#include "base/money.h"
#include "base/result.h"
#include "base/status.h"
#include "chain/model.h"

namespace kechan::chain {

// Value types; thread-compatible. Functions are pure and thread-safe.

using ProjectId = base::Id<struct ProjectTag>;

enum class ProjectKind { kMajor, kLandmark };  // 重大项目 / 产业地标
const char* ProjectKindName(ProjectKind k);    // "major" "landmark"
const char* ProjectKindNameZh(ProjectKind k);
base::Result<ProjectKind> ParseProjectKind(std::string_view text, std::string_view field = "kind");

// Milestones in their fixed order.
enum class Milestone { kSigned, kStarted, kCompleted, kProducing };  // 签约 开工 竣工 投产
constexpr int kMilestoneCount = 4;
const char* MilestoneName(Milestone m);  // "signed" "started" "completed" "producing"
const char* MilestoneNameZh(Milestone m);
base::Result<Milestone> ParseMilestone(std::string_view text, std::string_view field = "stage");

struct MilestoneDates {
  std::optional<base::Date> planned;
  std::optional<base::Date> actual;
};

struct Project {
  ProjectId id;
  std::string name;
  std::string name_en;
  ProjectKind kind = ProjectKind::kMajor;
  base::Money investment;  // planned total investment, fen, >= 0
  std::optional<ChainId> chain_id;
  std::optional<ParkId> park_id;
  std::string department;                                  // responsible department (责任单位)
  std::array<MilestoneDates, kMilestoneCount> milestones;  // indexed by Milestone
  Provenance provenance;
  Validity validity;
};

// name empty -> "name" ("project.name"); investment < 0 -> "investment"
// ("project.investment_negative"); planned dates out of milestone order -> "milestones.<m>.planned"
// ("project.milestone_order"); an actual date out of order, or an actual date without the
// previous milestone's actual date -> "milestones.<m>.actual" ("project.milestone_order" /
// "project.milestone_skipped"); validity.
base::Status ValidateProject(const Project& p);

// Where a project stands on a date, against its plan.
struct ProjectProgress {
  std::optional<Milestone> stage;  // the last milestone reached (actual date <= as_of)
  std::optional<Milestone> next;   // the next milestone, none when producing
  // Days behind plan (> 0 late, < 0 ahead, 0 on time): for the next milestone, as_of minus its
  // planned date when that date has passed (else 0); when every milestone is reached, the last
  // milestone's actual minus planned. None when the relevant planned date is missing.
  std::optional<int> slippage_days;
  bool overdue = false;  // the next milestone's planned date has passed
  // Per milestone: actual minus planned in days, when both are known.
  std::array<std::optional<int>, kMilestoneCount> milestone_slippage;
};
ProjectProgress ProgressOf(const Project& p, base::Date as_of);

}  // namespace kechan::chain
