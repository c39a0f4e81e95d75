#include "appeals/sla_rules_routes.h"

#include <boost/json.hpp>
#include <charconv>
#include <string>

#include "flow/appeal_spec.h"
#include "http/json_body.h"

namespace kechan::appeals {
namespace {

namespace json = boost::json;
using base::Result;
using http::Access;
using http::Method;
using http::Request;
using http::Response;
using http::RouteSpec;

json::value RuleObj(const std::optional<SlaRule>& r, bool inherited) {
  if (!r) {
    return nullptr;
  }
  return json::object{{"unit", flow::GoalUnitName(r->goal.unit)},
                      {"amount", r->goal.amount},
                      {"warn_share", r->warn_share},
                      {"inherited", inherited}};
}

json::array DiffsJson(const std::vector<SlaRuleDiff>& diffs) {
  json::array a;
  for (const auto& d : diffs) {
    a.push_back(json::object{{"type", d.type},
                             {"clock", d.clock},
                             {"before", RuleObj(d.before, d.before_inherited)},
                             {"after", RuleObj(d.after, d.after_inherited)}});
  }
  return a;
}

json::object StatusObj(const ClockRecomputeStatus& st) {
  json::value error = nullptr;
  if (!st.error.ok()) {
    error = json::object{{"reason", st.error.reason()},
                         {"field", st.error.field()},
                         {"message", st.error.message_en()},
                         {"message_zh", st.error.message_zh()}};
  }
  return json::object{{"id", st.id},
                      {"state", st.state},
                      {"started_by", st.started_by},
                      {"started_by_name", st.started_by_name},
                      {"started_at", st.started_at},
                      {"finished_at", st.finished_at ? json::value(st.finished_at) : nullptr},
                      {"processed", st.processed},
                      {"total", st.total},
                      {"changed", st.changed},
                      {"timers", st.timers},
                      {"seconds", st.seconds},
                      {"node", st.node},
                      {"heartbeat_at", st.heartbeat_at ? json::value(st.heartbeat_at) : nullptr},
                      {"lease_seconds", ClockRecomputeRunner::kLease / 1'000'000},
                      {"error", std::move(error)}};
}

json::object RulesObj(const SlaRuleSet& rules, const ClockRecomputeStatus& st) {
  json::array clocks, types;
  for (const auto& c : flow::AppealClockLabels()) {
    clocks.push_back(
        json::object{{"name", c.name}, {"label_zh", c.label_zh}, {"label_en", c.label_en}});
  }
  auto row = [&](const std::string& type, const char* zh, const char* en) {
    json::array cs;
    for (const auto& e : rules.Resolve(type)) {
      cs.push_back(
          json::object{{"name", e.spec.name},
                       {"goal", json::object{{"unit", flow::GoalUnitName(e.spec.goal.unit)},
                                             {"amount", e.spec.goal.amount}}},
                       {"warn_share", e.spec.warn_share},
                       {"source", e.source},
                       {"stored", rules.Find(type, e.spec.name) != nullptr}});
    }
    types.push_back(json::object{
        {"type", type}, {"label_zh", zh}, {"label_en", en}, {"clocks", std::move(cs)}});
  };
  row(kAnyAppealType, "默认（所有类型）", "Default (every type)");
  for (const auto& t : AppealTypes()) {
    row(t.id, t.label_zh, t.label_en);
  }
  return json::object{{"version", rules.version()},
                      {"clocks", std::move(clocks)},
                      {"units", json::array{"working_days", "working_hours"}},
                      {"types", std::move(types)},
                      {"recompute", StatusObj(st)}};
}

Result<Response> GetRules(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(SlaRuleSet rules, s.SlaRules(Caller::Of(req.principal)));
  return Response::Json(http::ToJson(RulesObj(rules, s.ClockRecompute())));
}

Result<std::vector<SlaRuleChange>> ReadChanges(const json::object& obj, bool* recompute) {
  http::ObjectReader r(obj);
  const json::value* list = r.Value("rules", true);
  *recompute = r.OptionalBool("recompute").value_or(false);
  KECHAN_RETURN_IF_ERROR(r.Finish());
  if (!list->is_array()) {
    return base::InvalidArgument("rules", "json.type", "Field \"rules\" must be an array",
                                 "字段 \"rules\" 必须是数组");
  }
  std::vector<SlaRuleChange> out;
  size_t i = 0;
  for (const auto& v : list->as_array()) {
    const std::string at = "rules[" + std::to_string(i++) + "]";
    if (!v.is_object()) {
      return base::InvalidArgument(at, "json.type", "Field \"" + at + "\" must be an object",
                                   "字段 \"" + at + "\" 必须是对象");
    }
    http::ObjectReader e(v.as_object(), at);
    SlaRuleChange c;
    c.type = e.String("type", {.min_len = 1, .max_len = 40});
    c.clock = e.String("clock", {.min_len = 1, .max_len = 40});
    c.inherit = e.OptionalBool("inherit").value_or(false);
    const json::value* goal = e.Value("goal", false);
    const json::value* share = e.Value("warn_share", false);
    KECHAN_RETURN_IF_ERROR(e.Finish());
    if (goal) {
      if (!goal->is_object()) {
        return base::InvalidArgument(at + ".goal", "json.type",
                                     "Field \"" + at + ".goal\" must be an object",
                                     "字段 \"" + at + ".goal\" 必须是对象");
      }
      http::ObjectReader g(goal->as_object(), at + ".goal");
      const std::string unit = g.String("unit", {.min_len = 1, .max_len = 20});
      const int64_t amount = g.Int("amount");
      KECHAN_RETURN_IF_ERROR(g.Finish());
      flow::Goal parsed;
      if (unit == "working_days") {
        parsed.unit = flow::GoalUnit::kWorkingDays;
      } else if (unit == "working_hours") {
        parsed.unit = flow::GoalUnit::kWorkingHours;
      } else {
        return base::InvalidArgument(at + ".goal.unit", "sla_rules.unit",
                                     "unit must be working_days or working_hours",
                                     "单位须为 working_days（工作日）或 working_hours（工作小时）");
      }
      if (amount < 1 || amount > 10000) {
        return base::InvalidArgument(at + ".goal.amount", "sla.spec.goal",
                                     "The goal must be a whole number from 1 to 10000",
                                     "时限目标须为 1 到 10000 之间的整数");
      }
      parsed.amount = static_cast<int>(amount);
      c.goal = parsed;
    }
    if (share) {
      if (!share->is_number()) {
        return base::InvalidArgument(at + ".warn_share", "json.type",
                                     "Field \"" + at + ".warn_share\" must be a number",
                                     "字段 \"" + at + ".warn_share\" 必须是数字");
      }
      c.warn_share = share->to_number<double>();
    }
    out.push_back(std::move(c));
  }
  KECHAN_RETURN_IF_ERROR(ValidateSlaRuleChanges(out));
  return out;
}

Result<Response> PutRules(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(json::object obj, http::ParseJsonObject(req));
  bool recompute = false;
  KECHAN_ASSIGN_OR_RETURN(auto changes, ReadChanges(obj, &recompute));
  const Caller caller = Caller::Of(req.principal);
  KECHAN_ASSIGN_OR_RETURN(auto diffs, s.PutSlaRules(caller, changes));
  if (recompute && !diffs.empty()) {
    auto started = s.StartClockRecompute(caller);
    if (!started.ok() && started.status().reason() != "sla.recompute_running") {
      return started.status();
    }
  }
  KECHAN_ASSIGN_OR_RETURN(SlaRuleSet rules, s.SlaRules(caller));
  json::object o{{"changes", DiffsJson(diffs)}, {"rules", RulesObj(rules, s.ClockRecompute())}};
  return Response::Json(http::ToJson(o));
}

Result<Response> GetHistory(AppealService& s, const Request& req) {
  int limit = 50;
  if (auto it = req.query.find("limit"); it != req.query.end()) {
    const std::string& v = it->second;
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size() || x < 1 || x > 500) {
      return base::InvalidArgument("limit", "query.integer", "limit must be an integer 1..500",
                                   "limit 须为 1 到 500 之间的整数");
    }
    limit = x;
  }
  KECHAN_ASSIGN_OR_RETURN(auto items, s.SlaRuleHistory(Caller::Of(req.principal), limit));
  json::array a;
  for (const auto& e : items) {
    a.push_back(json::object{{"seq", e.seq},
                             {"at", e.at},
                             {"actor", e.actor},
                             {"actor_name", e.actor_name},
                             {"changes", DiffsJson(e.diffs)}});
  }
  return Response::Json(http::ToJson(json::object{{"items", std::move(a)}}));
}

Result<Response> StartRecompute(AppealService& s, const Request& req) {
  KECHAN_ASSIGN_OR_RETURN(auto st, s.StartClockRecompute(Caller::Of(req.principal)));
  return Response::Json(http::ToJson(StatusObj(st)), 202);
}

Result<Response> GetRecompute(AppealService& s, const Request&) {
  return Response::Json(http::ToJson(StatusObj(s.ClockRecompute())));
}

}  // namespace

void RegisterSlaRuleRoutes(http::Router& router, AppealService& service) {
  using auth::Role;
  const std::vector<Role> staff = {Role::kOfficer, Role::kOperator, Role::kDutyDirector,
                                   Role::kChainChief};
  const std::vector<Role> ops = {Role::kOperator};
  auto add = [&](Method m, const char* path, const char* en, const char* zh,
                 std::vector<Role> roles, int status,
                 Result<Response> (*fn)(AppealService&, const Request&)) {
    router.Add(m, path,
               RouteSpec{.summary = en,
                         .summary_zh = zh,
                         .tag = "appeals",
                         .access = Access::kRoles,
                         .roles = std::move(roles),
                         .success_status = status},
               [&service, fn](Request& req) { return fn(service, req); });
  };
  add(Method::kGet, "/api/v1/appeals/sla-rules", "SLA rules in force per appeal type and clock",
      "诉求时限规则（按类型与时限）", staff, 200, GetRules);
  add(Method::kPut, "/api/v1/appeals/sla-rules", "Change SLA rules (goal, unit, warning share)",
      "修改诉求时限规则", ops, 200, PutRules);
  add(Method::kGet, "/api/v1/appeals/sla-rules/history", "Changes of the SLA rules",
      "时限规则修改记录", staff, 200, GetHistory);
  add(Method::kPost, "/api/v1/appeals/sla-rules/recompute",
      "Recompute every open appeal's clocks (background)", "重算所有在办诉求的时限（后台）", ops,
      202, StartRecompute);
  add(Method::kGet, "/api/v1/appeals/sla-rules/recompute", "Progress of the clock recomputation",
      "时限重算进度", staff, 200, GetRecompute);
}

}  // namespace kechan::appeals
