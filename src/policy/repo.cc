#include "policy/repo.h"

#include <boost/json.hpp>
#include <span>
#include <sstream>

namespace kechan::policy::repo {
namespace {

namespace json = boost::json;
using base::Result;
using base::Status;
using store::Value;

template <typename T>
T Or(Result<T> r, T fallback) {
  return r.ok() ? *r : fallback;
}

Status Done(const Result<int64_t>& n) { return n.ok() ? Status::Ok() : n.status(); }

Result<int64_t> InsertReturningId(store::Tx& tx, const std::string& sql,
                                  const std::vector<Value>& params) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query(sql + " RETURNING id", std::span<const Value>(params)));
  return rows.rows.at(0).Int(0);
}

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

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += (out.empty() ? "" : "\n") + s;
  }
  return out;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

std::string Contains(store::Tx& tx, const std::string& col) {
  return tx.dialect() == store::Dialect::kPostgres ? "strpos(" + col + ", ?) > 0"
                                                   : "instr(" + col + ", ?) > 0";
}

constexpr const char* kPolicyCols =
    "id, code, title, title_en, category, department, summary, mode, status";

Policy ReadPolicy(const store::Row& r) {
  Policy p;
  p.id = PolicyId{r.Int(0)};
  p.code = r.Text(1);
  p.title = r.Text(2);
  p.title_en = r.Text(3);
  p.category = Or(ParseCategory(r.Text(4)), Category::kCutCosts);
  p.department = r.Text(5);
  p.summary = r.Text(6);
  p.mode = Or(ParseMode(r.Text(7)), Mode::kOneClick);
  p.status = Or(ParsePolicyStatus(r.Text(8)), PolicyStatus::kDraft);
  return p;
}

constexpr const char* kVersionCols =
    "id, policy_id, number, effective_from, effective_to, rule_json, benefit_zh, benefit_en, "
    "amount_fen, fields_json, published, published_at";

Result<PolicyVersion> ReadVersion(const store::Row& r) {
  PolicyVersion v;
  v.id = VersionId{r.Int(0)};
  v.policy_id = PolicyId{r.Int(1)};
  v.number = static_cast<int>(r.Int(2));
  v.effective_from = DateAt(r, 3).value_or(base::Date());
  v.effective_to = DateAt(r, 4);
  auto rule = ParseRule(r.Text(5));
  if (!rule.ok()) {
    return base::Internal("policy.rule.stored", "stored rule of version " +
                                                    std::to_string(v.id.value) +
                                                    " does not parse: " + rule.status().ToString());
  }
  v.rule = std::move(rule).value();
  v.benefit_zh = r.Text(6);
  v.benefit_en = r.Text(7);
  if (!r.IsNull(8)) {
    v.amount = base::Money::FromFen(r.Int(8));
  }
  auto fields = ParseFieldSpecs(r.Text(9));
  if (fields.ok()) {
    v.fields = std::move(fields).value();
  }
  v.published = r.Int(10) != 0;
  if (!r.IsNull(11)) {
    v.published_at = r.Int(11);
  }
  return v;
}

constexpr const char* kAppCols =
    "id, policy_id, version_id, enterprise_id, org_id, enterprise_name, kind, state, fields_json, "
    "evaluation, missing, history_json, created_at, updated_at";

Application ReadApplication(const store::Row& r) {
  Application a;
  a.id = ApplicationId{r.Int(0)};
  a.policy_id = PolicyId{r.Int(1)};
  a.version_id = VersionId{r.Int(2)};
  a.enterprise_id = r.Int(3);
  if (!r.IsNull(4)) {
    a.org_id = r.Int(4);
  }
  a.enterprise_name = r.Text(5);
  a.kind = Or(ParseApplicationKind(r.Text(6)), ApplicationKind::kOneClick);
  a.state = r.Text(7);
  a.fields = FieldsFromJson(r.Text(8));
  const std::string ev = r.Text(9);
  a.evaluation = ev == "yes" ? Tri::kYes : (ev == "no" ? Tri::kNo : Tri::kUnknown);
  a.missing = Split(r.Text(10));
  a.history_json = r.Text(11);
  a.created_at = r.Int(12);
  a.updated_at = r.Int(13);
  return a;
}

}  // namespace

std::string FieldsToJson(const flow::Fields& f) {
  json::object o;
  for (const auto& [k, v] : f) {
    o[k] = v;
  }
  return json::serialize(o);
}

flow::Fields FieldsFromJson(const std::string& text) {
  flow::Fields out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return out;
  }
  for (const auto& [k, val] : v.as_object()) {
    if (val.is_string()) {
      out[std::string(k)] = std::string(val.as_string());
    }
  }
  return out;
}

// ---- policies ------------------------------------------------------------------------------

Result<PolicyId> InsertPolicy(store::Tx& tx, const Policy& p, int64_t now) {
  KECHAN_ASSIGN_OR_RETURN(
      int64_t id,
      InsertReturningId(tx,
                        "INSERT INTO policy_policies (code, title, title_en, category, department, "
                        "summary, mode, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                        "?, ?, ?, ?)",
                        {p.code, p.title, p.title_en, CategoryName(p.category), p.department,
                         p.summary, ModeName(p.mode), PolicyStatusName(p.status), now, now}));
  return PolicyId{id};
}

Status UpdatePolicy(store::Tx& tx, const Policy& p, int64_t now) {
  return Done(tx.Exec(
      "UPDATE policy_policies SET code = ?, title = ?, title_en = ?, category = ?, department = ?, "
      "summary = ?, mode = ?, status = ?, updated_at = ? WHERE id = ?",
      {p.code, p.title, p.title_en, CategoryName(p.category), p.department, p.summary,
       ModeName(p.mode), PolicyStatusName(p.status), now, p.id.value}));
}

Result<std::optional<Policy>> FindPolicy(store::Tx& tx, PolicyId id) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kPolicyCols +
                                                         " FROM policy_policies WHERE id = ?",
                                                     {id.value}));
  if (rows.empty()) {
    return std::optional<Policy>();
  }
  return std::optional<Policy>(ReadPolicy(rows.rows[0]));
}

Result<std::vector<Policy>> ListPolicies(store::Tx& tx, const PolicyFilter& f, int64_t offset,
                                         int64_t limit, int64_t* total) {
  std::string where = " WHERE 1 = 1";
  std::vector<Value> params;
  if (f.category) {
    where += " AND category = ?";
    params.emplace_back(CategoryName(*f.category));
  }
  if (f.status) {
    where += " AND status = ?";
    params.emplace_back(PolicyStatusName(*f.status));
  }
  if (f.mode) {
    where += " AND mode = ?";
    params.emplace_back(ModeName(*f.mode));
  }
  if (!f.department.empty()) {
    where += " AND department = ?";
    params.emplace_back(f.department);
  }
  if (!f.q.empty()) {
    where += " AND (" + Contains(tx, "title") + " OR " + Contains(tx, "title_en") + " OR " +
             Contains(tx, "code") + ")";
    params.emplace_back(f.q);
    params.emplace_back(f.q);
    params.emplace_back(f.q);
  }
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows count,
      tx.Query("SELECT COUNT(*) FROM policy_policies" + where, std::span<const Value>(params)));
  *total = count.rows.at(0).Int(0);
  params.emplace_back(limit);
  params.emplace_back(offset);
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query(std::string("SELECT ") + kPolicyCols + " FROM policy_policies" +
                                       where + " ORDER BY id LIMIT ? OFFSET ?",
                                   std::span<const Value>(params)));
  std::vector<Policy> out;
  for (const auto& r : rows.rows) {
    out.push_back(ReadPolicy(r));
  }
  return out;
}

// ---- versions ------------------------------------------------------------------------------

Result<VersionId> InsertVersion(store::Tx& tx, const PolicyVersion& v, int64_t now) {
  KECHAN_ASSIGN_OR_RETURN(
      int64_t id,
      InsertReturningId(
          tx,
          "INSERT INTO policy_versions (policy_id, number, effective_from, effective_to, "
          "rule_json, benefit_zh, benefit_en, amount_fen, fields_json, published, published_at, "
          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {v.policy_id.value, int64_t{v.number}, v.effective_from.ToString(),
           DateValue(v.effective_to), RuleToJson(v.rule), v.benefit_zh, v.benefit_en,
           v.amount ? Value(v.amount->fen()) : Value(nullptr), FieldSpecsToJson(v.fields),
           int64_t{v.published ? 1 : 0}, v.published_at ? Value(*v.published_at) : Value(nullptr),
           now, now}));
  return VersionId{id};
}

Status UpdateVersion(store::Tx& tx, const PolicyVersion& v, int64_t now) {
  return Done(
      tx.Exec("UPDATE policy_versions SET effective_from = ?, effective_to = ?, rule_json = ?, "
              "benefit_zh = ?, benefit_en = ?, amount_fen = ?, fields_json = ?, published = ?, "
              "published_at = ?, updated_at = ? WHERE id = ?",
              {v.effective_from.ToString(), DateValue(v.effective_to), RuleToJson(v.rule),
               v.benefit_zh, v.benefit_en, v.amount ? Value(v.amount->fen()) : Value(nullptr),
               FieldSpecsToJson(v.fields), int64_t{v.published ? 1 : 0},
               v.published_at ? Value(*v.published_at) : Value(nullptr), now, v.id.value}));
}

Result<std::vector<PolicyVersion>> ListVersions(store::Tx& tx, PolicyId policy) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query(std::string("SELECT ") + kVersionCols +
                                       " FROM policy_versions WHERE policy_id = ? ORDER BY number",
                                   {policy.value}));
  std::vector<PolicyVersion> out;
  for (const auto& r : rows.rows) {
    KECHAN_ASSIGN_OR_RETURN(PolicyVersion v, ReadVersion(r));
    out.push_back(std::move(v));
  }
  return out;
}

Result<int> NextVersionNumber(store::Tx& tx, PolicyId policy) {
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT COALESCE(MAX(number), 0) FROM policy_versions WHERE policy_id = ?",
               {policy.value}));
  return static_cast<int>(rows.rows.at(0).Int(0)) + 1;
}

// ---- applications --------------------------------------------------------------------------

Result<ApplicationId> InsertApplication(store::Tx& tx, const Application& a, int64_t now) {
  KECHAN_ASSIGN_OR_RETURN(
      int64_t id,
      InsertReturningId(
          tx,
          "INSERT INTO policy_applications (policy_id, version_id, enterprise_id, org_id, "
          "enterprise_name, kind, state, fields_json, evaluation, missing, history_json, "
          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {a.policy_id.value, a.version_id.value, a.enterprise_id,
           a.org_id ? Value(*a.org_id) : Value(nullptr), a.enterprise_name,
           ApplicationKindName(a.kind), a.state, FieldsToJson(a.fields), TriName(a.evaluation),
           Join(a.missing), a.history_json, now, now}));
  return ApplicationId{id};
}

Status UpdateApplication(store::Tx& tx, const Application& a, int64_t now) {
  return Done(
      tx.Exec("UPDATE policy_applications SET state = ?, fields_json = ?, history_json = ?, "
              "updated_at = ? WHERE id = ?",
              {a.state, FieldsToJson(a.fields), a.history_json, now, a.id.value}));
}

Result<std::optional<Application>> FindApplication(store::Tx& tx, ApplicationId id) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kAppCols +
                                                         " FROM policy_applications WHERE id = ?",
                                                     {id.value}));
  if (rows.empty()) {
    return std::optional<Application>();
  }
  return std::optional<Application>(ReadApplication(rows.rows[0]));
}

Result<std::optional<Application>> FindOpenApplication(store::Tx& tx, PolicyId policy,
                                                       int64_t enterprise) {
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query(std::string("SELECT ") + kAppCols +
                   " FROM policy_applications WHERE policy_id = ? AND enterprise_id = ? AND "
                   "state NOT IN ('rejected', 'withdrawn', 'dismissed') ORDER BY id LIMIT 1",
               {policy.value, enterprise}));
  if (rows.empty()) {
    return std::optional<Application>();
  }
  return std::optional<Application>(ReadApplication(rows.rows[0]));
}

Result<std::vector<Application>> ListApplications(store::Tx& tx, const ApplicationFilter& f,
                                                  int64_t offset, int64_t limit, int64_t* total) {
  std::string where = " WHERE 1 = 1";
  std::vector<Value> params;
  if (f.policy_id) {
    where += " AND policy_id = ?";
    params.emplace_back(f.policy_id->value);
  }
  if (f.enterprise_id) {
    where += " AND enterprise_id = ?";
    params.emplace_back(*f.enterprise_id);
  }
  if (!f.state.empty()) {
    where += " AND state = ?";
    params.emplace_back(f.state);
  }
  if (f.kind) {
    where += " AND kind = ?";
    params.emplace_back(ApplicationKindName(*f.kind));
  }
  if (f.org_ids) {
    where += " AND org_id IN (0";
    for (int64_t org : *f.org_ids) {
      where += ", ?";
      params.emplace_back(org);
    }
    where += ")";
  }
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows count,
      tx.Query("SELECT COUNT(*) FROM policy_applications" + where, std::span<const Value>(params)));
  *total = count.rows.at(0).Int(0);
  params.emplace_back(limit);
  params.emplace_back(offset);
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query(std::string("SELECT ") + kAppCols + " FROM policy_applications" +
                                       where + " ORDER BY id DESC LIMIT ? OFFSET ?",
                                   std::span<const Value>(params)));
  std::vector<Application> out;
  for (const auto& r : rows.rows) {
    out.push_back(ReadApplication(r));
  }
  return out;
}

// ---- supplementary facts -------------------------------------------------------------------

Status UpsertFact(store::Tx& tx, int64_t enterprise, const SuppliedFact& f,
                  const std::string& source, int64_t now) {
  KECHAN_RETURN_IF_ERROR(Done(tx.Exec(
      "DELETE FROM policy_enterprise_facts WHERE enterprise_id = ? AND fact = ? AND year = ?",
      {enterprise, f.fact, int64_t{f.year}})));
  return Done(tx.Exec(
      "INSERT INTO policy_enterprise_facts (enterprise_id, fact, year, value, source, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {enterprise, f.fact, int64_t{f.year}, f.value, source, now}));
}

Result<std::vector<SuppliedFact>> ListFacts(store::Tx& tx, int64_t enterprise) {
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT fact, year, value FROM policy_enterprise_facts WHERE enterprise_id = ? "
               "ORDER BY fact, year",
               {enterprise}));
  std::vector<SuppliedFact> out;
  for (const auto& r : rows.rows) {
    out.push_back({r.Text(0), static_cast<int>(r.Int(1)), r.Text(2)});
  }
  return out;
}

Result<std::map<int64_t, std::vector<SuppliedFact>>> ListAllFacts(store::Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT enterprise_id, fact, year, value FROM "
                                   "policy_enterprise_facts ORDER BY enterprise_id, fact, year"));
  std::map<int64_t, std::vector<SuppliedFact>> out;
  for (const auto& r : rows.rows) {
    out[r.Int(0)].push_back({r.Text(1), static_cast<int>(r.Int(2)), r.Text(3)});
  }
  return out;
}

}  // namespace kechan::policy::repo
