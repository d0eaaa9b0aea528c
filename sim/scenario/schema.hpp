// The scenario schema: every parameter declared once (path, type, unit, range,
// default, help, since-version). It drives the YAML loader, validation, error
// messages, `pfsim schema` and docs/scenarios.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "scenario/scenario.hpp"

namespace pfsim::scenario {

enum class ParamType { integer, number, boolean, string, date, list };

[[nodiscard]] const char* type_name(ParamType t);

// How a parameter reaches its field. `index` is the list element for paths inside
// a list ("banks.tiers[].count"); 0 otherwise.
struct FieldAccess {
  std::function<std::int64_t&(Scenario&, std::size_t)> integer;
  std::function<double&(Scenario&, std::size_t)> number;
  std::function<bool&(Scenario&, std::size_t)> boolean;
  std::function<std::string&(Scenario&, std::size_t)> string;
  std::function<Date&(Scenario&, std::size_t)> date;
  // lists
  std::function<std::size_t(const Scenario&)> list_size;
  std::function<void(Scenario&, std::size_t)> list_resize;
};

struct ParamSpec {
  std::string path;  // "consumers.count"; list elements: "banks.tiers[].capital_ratio"
  ParamType type = ParamType::number;
  std::string unit;  // "RMB", "1/year", "share", "count", "days", "" for none
  double min = -std::numeric_limits<double>::infinity();  // inclusive; lists: min length
  double max = std::numeric_limits<double>::infinity();   // inclusive; lists: max length
  std::string default_yaml;  // default value as YAML text (lists: a YAML sequence)
  std::string help;
  std::string since = "0.1";
  FieldAccess access;
  // A live parameter: the Policy value it starts (world/build.cpp copies it)
  // and shocks move; phases read it only from there. nullptr: frozen.
  double Policy::*live = nullptr;
};

// The parameter table as declared (parameters.cpp); use schema() instead.
[[nodiscard]] std::vector<ParamSpec> parameter_table();
// The table, in document order.
[[nodiscard]] const std::vector<ParamSpec>& schema();
// nullptr if no parameter has this exact path (list elements use "[]").
[[nodiscard]] const ParamSpec* find_param(const std::string& path);

// Markdown reference (docs/scenarios.md is this text, checked by a test).
[[nodiscard]] std::string schema_markdown();
// JSON Schema (draft 2020-12) for editors.
[[nodiscard]] std::string schema_json();

}  // namespace pfsim::scenario
