// flow: workflows declared as data. A MachineSpec lists states, transitions, allowed roles, named
// guards, required input fields and the event kinds a transition emits; Machine validates a spec
// once and then answers "may this caller do this action now, and where does it lead?". Pure: no
// database, no clock, no threads.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "base/result.h"
#include "base/status.h"

namespace kechan::flow {

// Named string values: an action's input fields, or facts about the workflow instance (context).
using Fields = std::map<std::string, std::string, std::less<>>;

// One state. Value type.
struct StateSpec {
  std::string id;  // stable machine name, e.g. "in_progress"
  std::string label_zh;
  std::string label_en;
  bool terminal = false;  // no transition may leave a terminal state
};

// One transition (an action). Value type.
struct TransitionSpec {
  std::string action;               // stable machine name, e.g. "sign_for"
  std::vector<std::string> from;    // states it may be taken from (at least one)
  std::string to;                   // target state; empty: stays in the current state (a self-loop)
  std::vector<auth::Role> roles;    // roles allowed to take it (at least one)
  std::vector<std::string> guards;  // names in the GuardTable, checked in this order
  std::vector<std::string> required;  // input fields that must be present and not blank
  std::vector<std::string> events;    // event kinds to emit when it is taken
  std::string label_zh;
  std::string label_en;
};

// A whole machine. Value type; build it with designated initialisers.
struct MachineSpec {
  std::string name;
  std::string initial;  // empty: the first state
  std::vector<StateSpec> states;
  std::vector<TransitionSpec> transitions;
};

// What a guard sees.
struct GuardInput {
  std::string_view state;
  std::string_view action;
  const Fields& input;
  const Fields& context;
};

// A named predicate. A failing guard turns into a Status with `code` (kFailedPrecondition unless
// the guard checks the shape of an input value, then kInvalidArgument), reason
// "flow.guard.<name>", field `field` (may be empty) and the messages.
struct Guard {
  std::string name;
  std::function<bool(const GuardInput&)> check;
  std::string message_en;
  std::string message_zh;
  std::string field;
  base::Code code = base::Code::kFailedPrecondition;
};

// The guards a machine may name. Not thread-safe while being filled; const use is thread-safe.
class GuardTable {
 public:
  // Adds a guard. Errors: InvalidArgument "flow.guard.invalid" for an empty name or no check,
  // AlreadyExists "flow.guard.duplicate" when the name is taken.
  base::Status Add(Guard guard);
  // Returns the guard or nullptr.
  const Guard* Find(std::string_view name) const;

 private:
  std::map<std::string, Guard, std::less<>> guards_;
};

// Checks a spec against a guard table. Errors (all InvalidArgument, field naming the spot, e.g.
// "transitions[3].from[0]"): "flow.spec.empty" (no name or no states), "flow.spec.empty_id",
// "flow.spec.duplicate_state", "flow.spec.unknown_state" (initial, from or to),
// "flow.spec.no_from", "flow.spec.no_roles", "flow.spec.unknown_guard",
// "flow.spec.duplicate_transition" (same action twice from one state),
// "flow.spec.terminal_exit" (a transition leaves a terminal state), "flow.spec.no_terminal",
// "flow.spec.unreachable_state" (not reachable from the initial state).
base::Status ValidateSpec(const MachineSpec& spec, const GuardTable& guards);

// The result of a permitted action.
struct Outcome {
  std::string from_state;
  std::string to_state;  // equals from_state for a self-loop
  std::string action;
  std::vector<std::string> events;  // event kinds to append, in spec order
};

// An action a caller could offer in a UI (guards not evaluated: they may still refuse it).
struct ActionInfo {
  std::string action;
  std::string to_state;
  std::string label_zh;
  std::string label_en;
  std::vector<std::string> required;
};

// A validated machine. Immutable after Create; thread-safe for concurrent const use (guards must
// be thread-safe too, which plain predicates are).
class Machine {
 public:
  // Validates `spec` (ValidateSpec errors) and indexes it.
  static base::Result<Machine> Create(MachineSpec spec, GuardTable guards);

  const MachineSpec& spec() const { return spec_; }
  const std::string& initial_state() const { return initial_; }
  // Returns the state or nullptr.
  const StateSpec* FindState(std::string_view id) const;

  // Decides whether a caller holding `roles` may take `action` in `state` with `input`; checks, in
  // this order: the action exists (InvalidArgument "flow.unknown_action", field "action"), the
  // state exists (InvalidArgument "flow.unknown_state", field "state"), the action is allowed from
  // the state (FailedPrecondition "flow.transition_not_allowed", field "action"), a role is allowed
  // (PermissionDenied "flow.role", field "role"), required fields are present and not blank
  // (InvalidArgument "flow.required", field = the missing field), guards pass (see Guard).
  base::Result<Outcome> Apply(std::string_view state, std::string_view action,
                              const std::vector<auth::Role>& roles, const Fields& input,
                              const Fields& context = {}) const;

  // Returns the actions `roles` may take from `state`, in spec order; empty for an unknown state.
  std::vector<ActionInfo> AvailableActions(std::string_view state,
                                           const std::vector<auth::Role>& roles) const;

 private:
  Machine() = default;
  const TransitionSpec* Find(std::string_view state, std::string_view action) const;

  MachineSpec spec_;
  GuardTable guards_;
  std::string initial_;
  std::map<std::string, size_t, std::less<>> state_index_;
  // state -> action -> index into spec_.transitions
  std::map<std::string, std::map<std::string, size_t, std::less<>>, std::less<>> by_state_;
  std::map<std::string, size_t, std::less<>> first_by_action_;  // action -> first transition
};

}  // namespace kechan::flow
