// Major projects (产业地标 / 重大项目): storage and use-cases of ChainService.
#include <algorithm>
#include <utility>

#include "chain/import_fields.h"
#include "chain/repo.h"
#include "chain/service.h"
#include "store/event_log.h"

namespace kechan::chain {
namespace {

using base::Result;
using base::Status;
using internal::Payload;
using store::Value;

constexpr const char* kProjectCols =
    "id, name, name_en, kind, investment_fen, chain_id, park_id, department, signed_planned, "
    "signed_actual, started_planned, started_actual, completed_planned, completed_actual, "
    "producing_planned, producing_actual, source, source_date, valid_from, valid_to";

Value DateValue(const std::optional<base::Date>& d) {
  return d ? Value(d->ToString()) : Value(nullptr);
}
std::optional<base::Date> DateAt(const store::Row& r, size_t i) {
  if (r.IsNull(i)) {
    return std::nullopt;
  }
  auto d = base::Date::Parse(r.Text(i));
  return d.ok() ? std::optional<base::Date>(*d) : std::nullopt;
}

Project ProjectFrom(const store::Row& r) {
  Project p;
  p.id = ProjectId{r.Int(0)};
  p.name = r.Text(1);
  p.name_en = r.Text(2);
  p.kind = r.Text(3) == "landmark" ? ProjectKind::kLandmark : ProjectKind::kMajor;
  p.investment = base::Money::FromFen(r.Int(4));
  if (!r.IsNull(5)) {
    p.chain_id = ChainId{r.Int(5)};
  }
  if (!r.IsNull(6)) {
    p.park_id = ParkId{r.Int(6)};
  }
  p.department = r.Text(7);
  for (size_t i = 0; i < kMilestoneCount; ++i) {
    p.milestones[i].planned = DateAt(r, 8 + 2 * i);
    p.milestones[i].actual = DateAt(r, 9 + 2 * i);
  }
  p.provenance.source = r.Text(16);
  p.provenance.source_date = DateAt(r, 17);
  p.validity.valid_from = DateAt(r, 18).value_or(base::Date());
  p.validity.valid_to = DateAt(r, 19);
  return p;
}

std::vector<Value> ProjectParams(const Project& p) {
  std::vector<Value> v{p.name,
                       p.name_en,
                       std::string(ProjectKindName(p.kind)),
                       p.investment.fen(),
                       p.chain_id ? Value(p.chain_id->value) : Value(nullptr),
                       p.park_id ? Value(p.park_id->value) : Value(nullptr),
                       p.department};
  for (const auto& m : p.milestones) {
    v.push_back(DateValue(m.planned));
    v.push_back(DateValue(m.actual));
  }
  v.emplace_back(p.provenance.source);
  v.push_back(DateValue(p.provenance.source_date));
  v.emplace_back(p.validity.valid_from.ToString());
  v.push_back(DateValue(p.validity.valid_to));
  return v;
}

Status NotFoundId(std::string_view field, std::string_view en, std::string_view zh, int64_t id) {
  return base::NotFound("chain.not_found",
                        std::string(en) + " " + std::to_string(id) + " does not exist",
                        std::string(zh) + " " + std::to_string(id) + " 不存在", std::string(field));
}

Status CheckRefs(store::Tx& tx, const Project& p) {
  if (p.chain_id) {
    KECHAN_ASSIGN_OR_RETURN(auto c, repo::FindChain(tx, *p.chain_id));
    if (!c) {
      return NotFoundId("chain_id", "chain", "产业链", p.chain_id->value);
    }
  }
  if (p.park_id) {
    KECHAN_ASSIGN_OR_RETURN(auto k, repo::FindPark(tx, *p.park_id));
    if (!k) {
      return NotFoundId("park_id", "park", "园区", p.park_id->value);
    }
  }
  return Status::Ok();
}

Result<std::optional<Project>> FindProject(store::Tx& tx, ProjectId id) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kProjectCols +
                                                         " FROM chain_projects WHERE id = ?",
                                                     {id.value}));
  if (rows.empty()) {
    return std::optional<Project>();
  }
  return std::optional<Project>(ProjectFrom(rows.rows.at(0)));
}

Status Forbidden() {
  return base::PermissionDenied("chain.forbidden", "you are not allowed to do this",
                                "您无权执行此操作");
}

Status NoDetails(const Caller& c) {
  if (!c.system && !c.principal.signed_in()) {
    return base::Unauthenticated("chain.sign_in", "sign in to see major projects",
                                 "请登录后查看重大项目");
  }
  return base::PermissionDenied("chain.details_forbidden",
                                "only officers, chain chiefs and operators see major projects",
                                "仅部门工作人员、产业链长和平台运营人员可查看重大项目");
}

}  // namespace

Result<Project> ChainService::CreateProject(const Caller& caller, Project p) {
  if (!caller.CanEditTaxonomy()) {
    return Forbidden();
  }
  p.id = ProjectId{};
  KECHAN_RETURN_IF_ERROR(ValidateProject(p));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(CheckRefs(tx, p));
    std::vector<Value> params = ProjectParams(p);
    params.emplace_back(Now());
    params.emplace_back(Now());
    KECHAN_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("INSERT INTO chain_projects (name, name_en, kind, investment_fen, chain_id, "
                 "park_id, department, signed_planned, signed_actual, started_planned, "
                 "started_actual, completed_planned, completed_actual, producing_planned, "
                 "producing_actual, source, source_date, valid_from, valid_to, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "?) RETURNING id",
                 std::span<const Value>(params)));
    p.id = ProjectId{rows.rows.at(0).Int(0)};
    auto seq = store::AppendEvent(
        tx,
        store::EventDraft{.kind = "chain.project.created",
                          .entity = "project",
                          .entity_id = p.id.ToString(),
                          .actor = caller.actor,
                          .payload = Payload()
                                         .Str("name", p.name)
                                         .Str("kind", ProjectKindName(p.kind))
                                         .Int("investment_fen", p.investment.fen())
                                         .Done()},
        clock_);
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return p;
}

Result<Project> ChainService::UpdateProject(const Caller& caller, Project p) {
  if (!caller.CanEditTaxonomy()) {
    return Forbidden();
  }
  KECHAN_RETURN_IF_ERROR(ValidateProject(p));
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](store::Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto old, FindProject(tx, p.id));
    if (!old) {
      return NotFoundId("id", "project", "项目", p.id.value);
    }
    KECHAN_RETURN_IF_ERROR(CheckRefs(tx, p));
    std::vector<Value> params = ProjectParams(p);
    params.emplace_back(Now());
    params.emplace_back(p.id.value);
    KECHAN_ASSIGN_OR_RETURN(
        int64_t changed,
        tx.Exec("UPDATE chain_projects SET name = ?, name_en = ?, kind = ?, investment_fen = ?, "
                "chain_id = ?, park_id = ?, department = ?, signed_planned = ?, signed_actual = ?, "
                "started_planned = ?, started_actual = ?, completed_planned = ?, "
                "completed_actual = ?, producing_planned = ?, producing_actual = ?, source = ?, "
                "source_date = ?, valid_from = ?, valid_to = ?, updated_at = ? WHERE id = ?",
                std::span<const Value>(params)));
    (void)changed;
    auto seq =
        store::AppendEvent(tx,
                           store::EventDraft{.kind = "chain.project.updated",
                                             .entity = "project",
                                             .entity_id = p.id.ToString(),
                                             .actor = caller.actor,
                                             .payload = Payload().Str("name", p.name).Done()},
                           clock_);
    return seq.ok() ? Status::Ok() : seq.status();
  }));
  return p;
}

Result<Project> ChainService::GetProject(const Caller& caller, ProjectId id) {
  if (!caller.CanSeeDetails()) {
    return NoDetails(caller);
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto p, FindProject(*tx, id));
  if (!p) {
    return NotFoundId("id", "project", "项目", id.value);
  }
  return *p;
}

Result<std::vector<ProjectRow>> ChainService::ListProjects(const Caller& caller,
                                                           const ProjectFilter& f,
                                                           base::Date as_of) {
  if (!caller.CanSeeDetails()) {
    return NoDetails(caller);
  }
  std::string sql = std::string("SELECT ") + kProjectCols + " FROM chain_projects WHERE 1 = 1";
  std::vector<Value> params;
  if (f.chain_id) {
    sql += " AND chain_id = ?";
    params.emplace_back(f.chain_id->value);
  }
  if (f.park_id) {
    sql += " AND park_id = ?";
    params.emplace_back(f.park_id->value);
  }
  if (!f.department.empty()) {
    sql += " AND department = ?";
    params.emplace_back(f.department);
  }
  if (f.kind) {
    sql += " AND kind = ?";
    params.emplace_back(std::string(ProjectKindName(*f.kind)));
  }
  sql += " ORDER BY id";
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx->Query(sql, std::span<const Value>(params)));
  std::vector<ProjectRow> out;
  for (const auto& r : rows.rows) {
    ProjectRow row;
    row.project = ProjectFrom(r);
    row.progress = ProgressOf(row.project, as_of);
    if (f.stage && row.progress.stage != f.stage) {
      continue;
    }
    if (f.overdue_only && !row.progress.overdue) {
      continue;
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace kechan::chain
