// Events: the shock table (every shock type of DESIGN.md §4, declared once in
// shock_types.cpp) and what the engine needs to apply and record EventSpecs.
//
// An event is either scheduled (`date:`) or a trigger (`when:` a condition on
// recorded indicators, see expression.hpp). Contract with the engine:
//   - a scheduled event takes effect at the start of its date, before the day's
//     phases; events on the same day apply in list order;
//   - a trigger is evaluated at the start of each day from the second day on,
//     against the indicators recorded at the end of the previous day (`step` and
//     `day` are those of the day about to run); it fires once, or with
//     `repeat: true` again each time its condition turns from false to true;
//   - `phase_in_days: N` moves the targeted setting linearly from its value when
//     the event fires to the event's value, reached N days later;
//   - every firing is recorded in /events with parameters_json() and, for a
//     trigger, the condition text.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"

namespace pfsim::scenario {

inline constexpr std::size_t max_events = 256;
inline constexpr std::size_t max_event_text_bytes = 64;  // ids and string parameters

struct ShockParam {
  ParamSpec spec;  // spec.path is the parameter's name; type integer, number, string or date
  bool required =
      false;  // else spec.default_yaml applies, or the parameter stays absent when it is ""
  // A table row: the Policy value this parameter sets as written (converted by
  // `unit`), applied the same way for every shock type. nullptr: the kind's
  // mechanism reads it from its typed arguments.
  double Policy::*sets = nullptr;
  PolicyUnit unit = PolicyUnit::as_written;
};

// A rule across the parameters of one event; `param` names where to point (or "").
struct RuleProblem {
  std::string param;
  std::string message;
  std::string hint;
};
using ShockRule = std::function<std::optional<RuleProblem>(const EventSpec&, const Scenario&)>;

// Reads a valid event's typed arguments (the parameters not set through a
// table row); the scenario is there to resolve names (a bank's tier).
using ShockArgsReader = std::function<ShockArgs(const EventSpec&, const Scenario&)>;

struct ShockType {
  ShockKind kind = ShockKind::policy_rate;
  std::string name;
  std::string help;         // what it does and which model state it acts on
  bool phase_in = false;    // whether phase_in_days applies
  bool cumulative = false;  // several on one day add up; else two on one date are refused
  std::vector<ShockParam> params;
  std::vector<std::string> at_least_one;  // at least one of these parameters must be given
  std::string requires_type;              // another shock type that must also be in the scenario
  ShockRule rule;                         // an extra check, or empty
  ShockArgsReader args;                   // empty: the kind takes no typed arguments
  bool reviews_bank_limits = false;       // a rule on banks: their lending room is recomputed
  std::string since = "0.1";
};

// The table as declared (shock_types.cpp); use shock_types() instead.
[[nodiscard]] std::vector<ShockType> shock_table();
[[nodiscard]] const std::vector<ShockType>& shock_types();
[[nodiscard]] const ShockType* find_shock_type(std::string_view name);
[[nodiscard]] const ShockParam* find_shock_param(const ShockType& type, std::string_view name);
// The kind, typed arguments and Policy settings of an event that passed validation.
[[nodiscard]] ResolvedShock resolve_shock(const ShockType& type, const EventSpec& event,
                                          const Scenario& scenario);
// The keys of every event besides its parameters: id, date, when, type, phase_in_days, repeat.
[[nodiscard]] const std::vector<ParamSpec>& event_fields();

// The event's parameters as a JSON object (for /events in the results file):
// the shock's parameters in table order, then "id", "phase_in_days" and
// "repeat" when they differ from their defaults.
[[nodiscard]] std::string parameters_json(const EventSpec& event);
// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
[[nodiscard]] std::string json_string(std::string_view s);

// Where byte `offset` of the event's condition is in its file.
[[nodiscard]] SourceLocation condition_location(const EventSpec& event, std::size_t offset);

// One diagnostic per name in a condition that is neither in `known` (e.g. the
// indicator names) nor a builtin (step, day), with "did you mean"; empty when
// all are known. The engine calls this before a run and throws UserError.
[[nodiscard]] std::vector<Diagnostic> check_identifiers(const Scenario& scenario,
                                                        const std::vector<std::string>& known);

}  // namespace pfsim::scenario
