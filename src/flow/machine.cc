#include "flow/machine.h"

#include <algorithm>
#include <deque>
#include <set>

namespace kechan::flow {
namespace {

using base::Code;
using base::Status;

Status SpecError(std::string field, const std::string& reason, std::string en, std::string zh) {
  return base::InvalidArgument(std::move(field), "flow.spec." + reason, std::move(en),
                               std::move(zh));
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') {
      return false;
    }
  }
  return true;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Idx(std::string_view what, size_t i) {
  return std::string(what) + "[" + std::to_string(i) + "]";
}

}  // namespace

Status GuardTable::Add(Guard guard) {
  if (guard.name.empty() || !guard.check) {
    return base::InvalidArgument("guard", "flow.guard.invalid", "A guard needs a name and a check",
                                 "守卫条件需要名称和判断函数");
  }
  if (guards_.contains(guard.name)) {
    return base::AlreadyExists("flow.guard.duplicate",
                               "Guard " + Quote(guard.name) + " is already registered",
                               "守卫条件 " + guard.name + " 已注册", "guard");
  }
  std::string name = guard.name;
  guards_.emplace(std::move(name), std::move(guard));
  return Status::Ok();
}

const Guard* GuardTable::Find(std::string_view name) const {
  auto it = guards_.find(name);
  return it == guards_.end() ? nullptr : &it->second;
}

Status ValidateSpec(const MachineSpec& spec, const GuardTable& guards) {
  if (spec.name.empty()) {
    return SpecError("name", "empty", "A workflow needs a name", "流程需要名称");
  }
  if (spec.states.empty()) {
    return SpecError("states", "empty", "Workflow " + Quote(spec.name) + " has no states",
                     "流程 " + spec.name + " 没有任何状态");
  }
  std::map<std::string, size_t, std::less<>> index;
  for (size_t i = 0; i < spec.states.size(); ++i) {
    const StateSpec& s = spec.states[i];
    if (s.id.empty()) {
      return SpecError(Idx("states", i) + ".id", "empty_id", "A state has no id", "有状态缺少标识");
    }
    if (!index.emplace(s.id, i).second) {
      return SpecError(Idx("states", i) + ".id", "duplicate_state",
                       "State " + Quote(s.id) + " is declared twice", "状态 " + s.id + " 重复声明");
    }
  }
  const std::string& initial = spec.initial.empty() ? spec.states.front().id : spec.initial;
  if (!index.contains(initial)) {
    return SpecError("initial", "unknown_state",
                     "Initial state " + Quote(initial) + " is not declared",
                     "初始状态 " + initial + " 未声明");
  }

  std::set<std::pair<std::string, std::string>> seen;  // (from, action)
  std::vector<std::vector<size_t>> edges(spec.states.size());
  for (size_t t = 0; t < spec.transitions.size(); ++t) {
    const TransitionSpec& tr = spec.transitions[t];
    const std::string at = Idx("transitions", t);
    if (tr.action.empty()) {
      return SpecError(at + ".action", "empty_id", "A transition has no action name",
                       "有转换缺少操作名称");
    }
    if (tr.from.empty()) {
      return SpecError(at + ".from", "no_from",
                       "Action " + Quote(tr.action) + " has no source state",
                       "操作 " + tr.action + " 没有起始状态");
    }
    if (tr.roles.empty()) {
      return SpecError(at + ".roles", "no_roles", "Action " + Quote(tr.action) + " allows no role",
                       "操作 " + tr.action + " 未指定允许的角色");
    }
    if (!tr.to.empty() && !index.contains(tr.to)) {
      return SpecError(at + ".to", "unknown_state",
                       "Action " + Quote(tr.action) + " leads to undeclared state " + Quote(tr.to),
                       "操作 " + tr.action + " 的目标状态 " + tr.to + " 未声明");
    }
    for (size_t g = 0; g < tr.guards.size(); ++g) {
      if (guards.Find(tr.guards[g]) == nullptr) {
        return SpecError(
            at + "." + Idx("guards", g), "unknown_guard",
            "Action " + Quote(tr.action) + " names unregistered guard " + Quote(tr.guards[g]),
            "操作 " + tr.action + " 引用了未注册的守卫条件 " + tr.guards[g]);
      }
    }
    for (size_t f = 0; f < tr.from.size(); ++f) {
      const std::string& from = tr.from[f];
      auto it = index.find(from);
      if (it == index.end()) {
        return SpecError(
            at + "." + Idx("from", f), "unknown_state",
            "Action " + Quote(tr.action) + " starts from undeclared state " + Quote(from),
            "操作 " + tr.action + " 的起始状态 " + from + " 未声明");
      }
      if (spec.states[it->second].terminal) {
        return SpecError(at + "." + Idx("from", f), "terminal_exit",
                         "Action " + Quote(tr.action) + " leaves terminal state " + Quote(from),
                         "操作 " + tr.action + " 试图离开终止状态 " + from);
      }
      if (!seen.emplace(from, tr.action).second) {
        return SpecError(
            at + "." + Idx("from", f), "duplicate_transition",
            "Action " + Quote(tr.action) + " is declared twice from state " + Quote(from),
            "操作 " + tr.action + " 在状态 " + from + " 下重复声明");
      }
      if (!tr.to.empty()) {
        edges[it->second].push_back(index.at(tr.to));
      }
    }
  }

  bool any_terminal = false;
  for (const auto& s : spec.states) {
    any_terminal = any_terminal || s.terminal;
  }
  if (!any_terminal) {
    return SpecError("states", "no_terminal",
                     "Workflow " + Quote(spec.name) + " has no terminal state",
                     "流程 " + spec.name + " 没有终止状态");
  }

  std::vector<bool> reached(spec.states.size(), false);
  std::deque<size_t> queue{index.at(initial)};
  reached[queue.front()] = true;
  while (!queue.empty()) {
    size_t s = queue.front();
    queue.pop_front();
    for (size_t next : edges[s]) {
      if (!reached[next]) {
        reached[next] = true;
        queue.push_back(next);
      }
    }
  }
  for (size_t i = 0; i < spec.states.size(); ++i) {
    if (!reached[i]) {
      return SpecError(
          Idx("states", i), "unreachable_state",
          "State " + Quote(spec.states[i].id) + " cannot be reached from " + Quote(initial),
          "状态 " + spec.states[i].id + " 无法从初始状态 " + initial + " 到达");
    }
  }
  return Status::Ok();
}

base::Result<Machine> Machine::Create(MachineSpec spec, GuardTable guards) {
  KECHAN_RETURN_IF_ERROR(ValidateSpec(spec, guards));
  Machine m;
  m.spec_ = std::move(spec);
  m.guards_ = std::move(guards);
  m.initial_ = m.spec_.initial.empty() ? m.spec_.states.front().id : m.spec_.initial;
  for (size_t i = 0; i < m.spec_.states.size(); ++i) {
    m.state_index_.emplace(m.spec_.states[i].id, i);
    m.by_state_[m.spec_.states[i].id];
  }
  for (size_t t = 0; t < m.spec_.transitions.size(); ++t) {
    const TransitionSpec& tr = m.spec_.transitions[t];
    m.first_by_action_.emplace(tr.action, t);
    for (const auto& from : tr.from) {
      m.by_state_[from].emplace(tr.action, t);
    }
  }
  return m;
}

const StateSpec* Machine::FindState(std::string_view id) const {
  auto it = state_index_.find(id);
  return it == state_index_.end() ? nullptr : &spec_.states[it->second];
}

const TransitionSpec* Machine::Find(std::string_view state, std::string_view action) const {
  auto s = by_state_.find(state);
  if (s == by_state_.end()) {
    return nullptr;
  }
  auto a = s->second.find(action);
  return a == s->second.end() ? nullptr : &spec_.transitions[a->second];
}

base::Result<Outcome> Machine::Apply(std::string_view state, std::string_view action,
                                     const std::vector<auth::Role>& roles, const Fields& input,
                                     const Fields& context) const {
  auto any = first_by_action_.find(action);
  if (any == first_by_action_.end()) {
    return base::InvalidArgument(
        "action", "flow.unknown_action",
        "Workflow " + Quote(spec_.name) + " has no action " + Quote(action),
        "流程 " + spec_.name + " 没有操作 " + std::string(action));
  }
  const TransitionSpec& named = spec_.transitions[any->second];
  const StateSpec* current = FindState(state);
  if (current == nullptr) {
    return base::InvalidArgument("state", "flow.unknown_state",
                                 "Workflow " + Quote(spec_.name) + " has no state " + Quote(state),
                                 "流程 " + spec_.name + " 没有状态 " + std::string(state));
  }
  const TransitionSpec* tr = Find(state, action);
  if (tr == nullptr) {
    return base::FailedPrecondition("flow.transition_not_allowed",
                                    "Action " + Quote(action) + " (" + named.label_en +
                                        ") is not allowed in state " + Quote(state) + " (" +
                                        current->label_en + ")",
                                    "当前状态「" + current->label_zh + "」下不能执行操作「" +
                                        named.label_zh + "」(" + std::string(action) + ")",
                                    "action");
  }
  bool role_ok = false;
  for (auth::Role have : roles) {
    for (auth::Role allowed : tr->roles) {
      role_ok = role_ok || have == allowed;
    }
  }
  if (!role_ok) {
    std::string allowed;
    for (auth::Role r : tr->roles) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(auth::RoleName(r));
    }
    return Status(Code::kPermissionDenied, "flow.role",
                  "Your role may not perform " + Quote(action) + " (" + tr->label_en +
                      "); allowed roles: " + allowed,
                  "您的角色无权执行操作「" + tr->label_zh + "」(" + std::string(action) +
                      ")，允许的角色：" + allowed,
                  "role");
  }
  for (const auto& name : tr->required) {
    auto it = input.find(name);
    if (it == input.end() || IsBlank(it->second)) {
      return base::InvalidArgument(
          name, "flow.required",
          "Field " + Quote(name) + " is required for " + Quote(action) + " (" + tr->label_en + ")",
          "操作「" + tr->label_zh + "」必须填写字段 " + name);
    }
  }
  const GuardInput guard_input{
      .state = state, .action = action, .input = input, .context = context};
  for (const auto& name : tr->guards) {
    const Guard* g = guards_.Find(name);
    if (!g->check(guard_input)) {
      return Status(g->code, "flow.guard." + g->name, g->message_en + " (" + g->name + ")",
                    g->message_zh + "（" + g->name + "）", g->field);
    }
  }
  Outcome out;
  out.from_state = std::string(state);
  out.to_state = tr->to.empty() ? std::string(state) : tr->to;
  out.action = tr->action;
  out.events = tr->events;
  return out;
}

std::vector<ActionInfo> Machine::AvailableActions(std::string_view state,
                                                  const std::vector<auth::Role>& roles) const {
  std::vector<ActionInfo> out;
  auto s = by_state_.find(state);
  if (s == by_state_.end()) {
    return out;
  }
  std::vector<size_t> indexes;
  for (const auto& [action, t] : s->second) {
    indexes.push_back(t);
  }
  std::sort(indexes.begin(), indexes.end());
  for (size_t t : indexes) {
    const TransitionSpec& tr = spec_.transitions[t];
    bool role_ok = false;
    for (auth::Role have : roles) {
      for (auth::Role allowed : tr.roles) {
        role_ok = role_ok || have == allowed;
      }
    }
    if (role_ok) {
      out.push_back({.action = tr.action,
                     .to_state = tr.to.empty() ? std::string(state) : tr.to,
                     .label_zh = tr.label_zh,
                     .label_en = tr.label_en,
                     .required = tr.required});
    }
  }
  return out;
}

}  // namespace kechan::flow
