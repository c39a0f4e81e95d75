#include "chain/project_model.h"

namespace kechan::chain {
namespace {

using base::Status;

Status Invalid(std::string field, std::string reason, std::string en, std::string zh) {
  return base::InvalidArgument(std::move(field), std::move(reason), std::move(en), std::move(zh));
}

int DaysFrom(base::Date a, base::Date b) { return static_cast<int>(b.ToDays() - a.ToDays()); }

}  // namespace

const char* ProjectKindName(ProjectKind k) {
  return k == ProjectKind::kLandmark ? "landmark" : "major";
}
const char* ProjectKindNameZh(ProjectKind k) {
  return k == ProjectKind::kLandmark ? "产业地标" : "重大项目";
}
base::Result<ProjectKind> ParseProjectKind(std::string_view text, std::string_view field) {
  if (text == "major" || text == "重大项目") {
    return ProjectKind::kMajor;
  }
  if (text == "landmark" || text == "产业地标") {
    return ProjectKind::kLandmark;
  }
  return Invalid(std::string(field), "project_kind.unknown", "kind must be major or landmark",
                 "项目类型须为 major（重大项目）或 landmark（产业地标）");
}

const char* MilestoneName(Milestone m) {
  switch (m) {
    case Milestone::kSigned:
      return "signed";
    case Milestone::kStarted:
      return "started";
    case Milestone::kCompleted:
      return "completed";
    case Milestone::kProducing:
      return "producing";
  }
  return "signed";
}
const char* MilestoneNameZh(Milestone m) {
  switch (m) {
    case Milestone::kSigned:
      return "签约";
    case Milestone::kStarted:
      return "开工";
    case Milestone::kCompleted:
      return "竣工";
    case Milestone::kProducing:
      return "投产";
  }
  return "签约";
}
base::Result<Milestone> ParseMilestone(std::string_view text, std::string_view field) {
  for (int i = 0; i < kMilestoneCount; ++i) {
    const auto m = static_cast<Milestone>(i);
    if (text == MilestoneName(m) || text == MilestoneNameZh(m)) {
      return m;
    }
  }
  return Invalid(std::string(field), "milestone.unknown",
                 "stage must be signed, started, completed or producing",
                 "阶段须为 signed（签约）、started（开工）、completed（竣工）或 producing（投产）");
}

Status ValidateProject(const Project& p) {
  if (p.name.empty()) {
    return Invalid("name", "project.name", "the project needs a name", "项目名称不能为空");
  }
  if (p.investment.fen() < 0) {
    return Invalid("investment", "project.investment_negative", "investment must not be negative",
                   "投资额不能为负数");
  }
  std::optional<base::Date> last_planned;
  std::optional<base::Date> last_actual;
  for (int i = 0; i < kMilestoneCount; ++i) {
    const auto m = static_cast<Milestone>(i);
    const MilestoneDates& d = p.milestones[static_cast<size_t>(i)];
    const std::string path = std::string("milestones.") + MilestoneName(m);
    if (d.planned) {
      if (last_planned && *d.planned < *last_planned) {
        return Invalid(path + ".planned", "project.milestone_order",
                       std::string("the planned ") + MilestoneName(m) +
                           " date is before the previous milestone's",
                       std::string("计划") + MilestoneNameZh(m) + "日期早于上一节点");
      }
      last_planned = d.planned;
    }
    if (d.actual) {
      if (i > 0 && !p.milestones[static_cast<size_t>(i - 1)].actual) {
        return Invalid(
            path + ".actual", "project.milestone_skipped",
            std::string("an actual ") + MilestoneName(m) +
                " date needs the previous milestone's actual date",
            std::string("填写实际") + MilestoneNameZh(m) + "日期前须先填写上一节点的实际日期");
      }
      if (last_actual && *d.actual < *last_actual) {
        return Invalid(path + ".actual", "project.milestone_order",
                       std::string("the actual ") + MilestoneName(m) +
                           " date is before the previous milestone's",
                       std::string("实际") + MilestoneNameZh(m) + "日期早于上一节点");
      }
      last_actual = d.actual;
    }
  }
  return ValidateValidity(p.validity);
}

ProjectProgress ProgressOf(const Project& p, base::Date as_of) {
  ProjectProgress out;
  for (int i = 0; i < kMilestoneCount; ++i) {
    const MilestoneDates& d = p.milestones[static_cast<size_t>(i)];
    if (d.planned && d.actual) {
      out.milestone_slippage[static_cast<size_t>(i)] = DaysFrom(*d.planned, *d.actual);
    }
    if (d.actual && *d.actual <= as_of) {
      out.stage = static_cast<Milestone>(i);
    }
  }
  const int next = out.stage ? static_cast<int>(*out.stage) + 1 : 0;
  if (next < kMilestoneCount) {
    out.next = static_cast<Milestone>(next);
    const MilestoneDates& d = p.milestones[static_cast<size_t>(next)];
    if (d.planned) {
      const int late = DaysFrom(*d.planned, as_of);
      out.overdue = late > 0;
      out.slippage_days = late > 0 ? late : 0;
      // A milestone reached late stays late until the next one is due.
      if (next > 0 && late <= 0) {
        if (auto prev = out.milestone_slippage[static_cast<size_t>(next - 1)]; prev && *prev > 0) {
          out.slippage_days = *prev;
        }
      }
    }
  } else {
    out.slippage_days = out.milestone_slippage[kMilestoneCount - 1];
  }
  return out;
}

}  // namespace kechan::chain
