// Scenarios: load + validate (scenario/load.hpp), overrides by key path,
// resolved values by key path, the schema.
//
// A scenario keeps the YAML text it came from and its overrides ("path=value",
// as `pfsim run --set` takes them). Setting a parameter re-validates text +
// overrides through the same loader the CLI uses, so Python and the command
// line accept and reject exactly the same things; a rejected override leaves
// the scenario unchanged.
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "api/indicators.hpp"
#include "api/run.hpp"
#include "api/scenario.hpp"
#include "bindings.hpp"

namespace pfsim::bindings {

namespace {

using scenario::ParamSpec;
using scenario::ParamType;

struct ScenarioHandle {
  std::string text;                    // the YAML as given
  std::string source;                  // file path, or a display name like "<string>"
  std::vector<std::string> overrides;  // "path=value", in order, at most one per path
  Scenario resolved;                   // text + overrides, validated
};

// Names in `when:` conditions and `look_at:` are checked with everything else,
// as `pfsim validate` does.
const std::vector<std::string>* indicator_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const indicators::Indicator& ind : indicators::table()) out.emplace_back(ind.name);
    return out;
  }();
  return &names;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in) {
    Diagnostic d;
    d.where.file = path;
    d.message = "cannot read the scenario file";
    d.hint = "check the path and that the file is readable";
    throw UserError(std::move(d));
  }
  return buf.str();
}

ScenarioHandle from_file(const std::string& path, const std::vector<std::string>& overrides) {
  ScenarioHandle h;
  // load_file gives the CLI's messages for a missing, unreadable or huge file.
  h.resolved = scenario::load_file(path, overrides, indicator_names());
  h.text = read_text(path);
  h.source = path;
  h.overrides = overrides;
  return h;
}

ScenarioHandle from_text(const std::string& text, const std::string& source,
                         const std::vector<std::string>& overrides) {
  ScenarioHandle h;
  h.resolved = scenario::load_text(text, source, overrides, indicator_names());
  h.text = text;
  h.source = source;
  h.overrides = overrides;
  return h;
}

std::string override_path(const std::string& assignment) {
  return assignment.substr(0, assignment.find('='));
}

void set_override(ScenarioHandle& h, const std::string& path, const std::string& value_text) {
  std::vector<std::string> next;
  for (const std::string& o : h.overrides)
    if (override_path(o) != path) next.push_back(o);
  next.push_back(path + "=" + value_text);
  h.resolved =
      scenario::load_text(h.text, h.source, next, indicator_names());  // throws; h unchanged then
  h.overrides = std::move(next);
}

// --- reading values by key path ---------------------------------------------

// "banks.tiers[1].count" → schema path "banks.tiers[].count", index 1.
struct ParsedPath {
  std::string schema_path;
  std::size_t index = 0;
};

[[noreturn]] void no_such_key(const std::string& path, const std::string& why) {
  throw py::key_error("'" + path + "': " + why);
}

// Keys directly under a schema prefix ("" = root), in schema order; list
// element paths ("tiers[]") are left out: the list itself is the key.
std::vector<std::string> child_keys(const std::string& prefix) {
  std::vector<std::string> keys;
  const std::string lead = prefix.empty() ? "" : prefix + ".";
  for (const ParamSpec& p : scenario::schema()) {
    if (p.path.compare(0, lead.size(), lead) != 0 || p.path.size() == lead.size()) continue;
    std::string rest = p.path.substr(lead.size());
    rest = rest.substr(0, rest.find('.'));
    if (rest.size() > 2 && rest.compare(rest.size() - 2, 2, "[]") == 0) continue;
    if (std::find(keys.begin(), keys.end(), rest) == keys.end()) keys.push_back(rest);
  }
  return keys;
}

ParsedPath parse_path(ScenarioHandle& h, const std::string& path) {
  ParsedPath out;
  bool has_index = false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '[') {
      out.schema_path += path[i];
      continue;
    }
    const auto close = path.find(']', i);
    const std::string digits = close == std::string::npos ? "" : path.substr(i + 1, close - i - 1);
    if (has_index || digits.empty() ||
        digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
      no_such_key(path, "malformed list index (write e.g. banks.tiers[0].count)");
    const ParamSpec* list = scenario::find_param(out.schema_path);
    if (list == nullptr || list->type != ParamType::list)
      no_such_key(path, "'" + out.schema_path + "' is not a list");
    out.index = static_cast<std::size_t>(std::stoul(digits));
    const std::size_t size = list->access.list_size(h.resolved);
    if (out.index >= size)
      no_such_key(path, "list index " + digits + " is out of range (the list has " +
                            std::to_string(size) + " items)");
    out.schema_path += "[]";
    has_index = true;
    i = close;
  }
  return out;
}

py::object leaf_value(ScenarioHandle& h, const ParamSpec& p, std::size_t index) {
  Scenario& sc = h.resolved;
  switch (p.type) {
    case ParamType::integer:
      return py::int_(p.access.integer(sc, index));
    case ParamType::number:
      return py::float_(p.access.number(sc, index));
    case ParamType::boolean:
      return py::bool_(p.access.boolean(sc, index));
    case ParamType::string:
      return py::str(p.access.string(sc, index));
    case ParamType::date:
      return to_py_date(p.access.date(sc, index));
    case ParamType::list:
      break;
  }
  throw InternalError("scenario: leaf_value on a list parameter " + p.path);
}

py::object value_at(ScenarioHandle& h, const std::string& schema_path, std::size_t index,
                    const std::string& shown);

// A mapping node: a section ("consumers") or a list element ("banks.tiers[]").
py::dict mapping_at(ScenarioHandle& h, const std::string& schema_path, std::size_t index,
                    const std::string& shown) {
  py::dict out;
  for (const std::string& key : child_keys(schema_path)) {
    const std::string child = schema_path.empty() ? key : schema_path + "." + key;
    out[py::str(key)] = value_at(h, child, index, shown.empty() ? key : shown + "." + key);
  }
  return out;
}

py::object value_at(ScenarioHandle& h, const std::string& schema_path, std::size_t index,
                    const std::string& shown) {
  if (const ParamSpec* p = scenario::find_param(schema_path)) {
    if (p->type != ParamType::list) return leaf_value(h, *p, index);
    py::list items;
    const std::size_t n = p->access.list_size(h.resolved);
    for (std::size_t i = 0; i < n; ++i)
      items.append(mapping_at(h, schema_path + "[]", i, shown + "[" + std::to_string(i) + "]"));
    return items;
  }
  if (schema_path.empty() || !child_keys(schema_path).empty())
    return mapping_at(h, schema_path, index, shown);
  std::string parent = schema_path.substr(
      0, schema_path.rfind('.') == std::string::npos ? 0 : schema_path.rfind('.'));
  std::string allowed;
  for (const std::string& k : child_keys(parent)) allowed += (allowed.empty() ? "" : ", ") + k;
  no_such_key(shown, "no such parameter" +
                         (allowed.empty() ? std::string() : " (keys here: " + allowed + ")"));
}

// Every concrete leaf path, in schema order: "banks.tiers[0].name", ...
std::vector<std::string> leaf_paths(ScenarioHandle& h) {
  std::vector<std::string> out;
  for (const ParamSpec& p : scenario::schema()) {
    if (p.path.find("[]") != std::string::npos) continue;
    if (p.type != ParamType::list) {
      out.push_back(p.path);
      continue;
    }
    const std::string lead = p.path + "[].";
    const std::size_t n = p.access.list_size(h.resolved);
    for (std::size_t i = 0; i < n; ++i)
      for (const ParamSpec& f : scenario::schema())
        if (f.path.compare(0, lead.size(), lead) == 0)
          out.push_back(p.path + "[" + std::to_string(i) + "]." + f.path.substr(lead.size()));
  }
  return out;
}

py::object bound(double v) {
  if (std::isinf(v)) return py::none();
  return py::float_(v);
}

py::list schema_table() {
  py::list out;
  for (const ParamSpec& p : scenario::schema()) {
    py::dict row;
    row["path"] = p.path;
    row["type"] = scenario::type_name(p.type);
    row["unit"] = p.unit;
    row["min"] = bound(p.min);
    row["max"] = bound(p.max);
    row["default"] = p.default_yaml;
    row["help"] = p.help;
    row["since"] = p.since;
    row["live"] = p.live != nullptr;
    row["frozen_in_a_branch"] = frozen_in_a_branch(p.path);
    out.append(row);
  }
  return out;
}

py::list shock_type_table() {
  py::list out;
  for (const scenario::ShockType& t : scenario::shock_types()) {
    py::list params;
    for (const scenario::ShockParam& p : t.params) {
      py::dict row;
      row["name"] = p.spec.path;
      row["type"] = scenario::type_name(p.spec.type);
      row["unit"] = p.spec.unit;
      row["min"] = bound(p.spec.min);
      row["max"] = bound(p.spec.max);
      row["default"] = p.spec.default_yaml;
      row["required"] = p.required;
      row["help"] = p.spec.help;
      params.append(row);
    }
    py::dict d;
    d["name"] = t.name;
    d["help"] = t.help;
    d["phase_in"] = t.phase_in;
    d["cumulative"] = t.cumulative;
    d["at_least_one"] = t.at_least_one;
    d["requires"] = t.requires_type;
    d["params"] = params;
    out.append(d);
  }
  return out;
}

}  // namespace

// Used by simulation.cpp: the validated scenario of a Python Scenario object.
const Scenario& resolved_scenario(py::handle scenario_handle) {
  if (!py::isinstance<ScenarioHandle>(scenario_handle))
    throw py::type_error("expected a pfsim.Scenario, got " +
                         std::string(py::str(py::type::of(scenario_handle).attr("__name__"))));
  return scenario_handle.cast<const ScenarioHandle&>().resolved;
}

void register_scenario(py::module_& m) {
  py::class_<ScenarioHandle>(m, "Scenario", "A validated scenario (private; use pfsim.Scenario).")
      .def(py::init(&from_file), py::arg("path"), py::arg("overrides") = std::vector<std::string>{},
           "Loads and validates a scenario file; overrides are 'path=value' strings.")
      .def_static("from_text", &from_text, py::arg("text"), py::arg("source") = "<string>",
                  py::arg("overrides") = std::vector<std::string>{},
                  "Loads and validates scenario YAML text.")
      .def("set", &set_override, py::arg("path"), py::arg("value_yaml"),
           "Overrides one parameter (value as YAML text); re-validates; unchanged on error.")
      .def(
          "get",
          [](ScenarioHandle& h, const std::string& path) {
            const ParsedPath p = parse_path(h, path);
            return value_at(h, p.schema_path, p.index, path);
          },
          py::arg("path"),
          "Resolved value of a parameter, list or section ('' = everything) by key path.")
      .def("paths", &leaf_paths, "Every concrete parameter path, in schema order.")
      .def(
          "population_overrides",
          [](const ScenarioHandle& h, std::int64_t consumers) {
            return scenario::population_overrides(h.resolved, consumers);
          },
          py::arg("consumers"),
          "The 'path=value' overrides of `pfsim run --population N` for this scenario.")
      .def(
          "to_yaml", [](const ScenarioHandle& h) { return h.resolved.resolved_text; },
          "The fully resolved scenario as YAML (every parameter explicit).")
      .def(
          "copy", [](const ScenarioHandle& h) { return h; }, "An independent copy.")
      .def_property_readonly("text", [](const ScenarioHandle& h) { return h.text; })
      .def_property_readonly("source", [](const ScenarioHandle& h) { return h.source; })
      .def_property_readonly("overrides", [](const ScenarioHandle& h) { return h.overrides; })
      .def_property_readonly(
          "look_at", [](const ScenarioHandle& h) { return h.resolved.look_at; },
          "The `look_at:` indicators (the ones that answer the scenario's question).");

  m.def("shock_types", &shock_type_table,
        "The shock types: one dict per type (name, help, phase_in, cumulative, at_least_one, "
        "requires, params: one dict per parameter with name, type, unit, min, max, default, "
        "required, help).");
  m.def("schema", &schema_table,
        "The scenario schema: one dict per parameter (path, type, unit, min, max, default, "
        "help, since, live, frozen_in_a_branch: why a branch `--from` a checkpoint cannot "
        "change it, empty when it can); min/max are None when unbounded.");
}

}  // namespace pfsim::bindings
