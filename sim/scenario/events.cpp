// Events: reading and validating `events:` against the shock table, and the
// helpers the engine uses to apply and record them.
#include "scenario/events.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "scenario/internal/values.hpp"

namespace pfsim {

// ---- EventSpec ---------------------------------------------------------------

namespace {
template <class T>
const T& param_as(const EventSpec& e, std::string_view name, const char* what) {
  const auto it = e.params.find(name);
  if (it == e.params.end() || !std::holds_alternative<T>(it->second))
    throw InternalError("event '" + e.type + "' has no " + what + " parameter '" +
                        std::string(name) + "'");
  return std::get<T>(it->second);
}
}  // namespace

bool EventSpec::has(std::string_view name) const {
  return params.find(name) != params.end();
}
double EventSpec::number(std::string_view name) const {
  return param_as<double>(*this, name, "number");
}
const std::string& EventSpec::text(std::string_view name) const {
  return param_as<std::string>(*this, name, "text");
}
Date EventSpec::date_param(std::string_view name) const {
  return param_as<Date>(*this, name, "date");
}

}  // namespace pfsim

namespace pfsim::scenario {

using internal::Origin;
using internal::Reporter;
using internal::Tree;

// ---- the table -----------------------------------------------------------------

const std::vector<ShockType>& shock_types() {
  static const std::vector<ShockType> table = shock_table();
  return table;
}

const ShockType* find_shock_type(std::string_view name) {
  for (const ShockType& t : shock_types())
    if (t.name == name) return &t;
  return nullptr;
}

const ShockParam* find_shock_param(const ShockType& type, std::string_view name) {
  for (const ShockParam& p : type.params)
    if (p.spec.path == name) return &p;
  return nullptr;
}

ResolvedShock resolve_shock(const ShockType& type, const EventSpec& event,
                            const Scenario& scenario) {
  ResolvedShock r;
  r.kind = type.kind;
  r.reviews_bank_limits = type.reviews_bank_limits;
  if (type.args) r.args = type.args(event, scenario);
  for (const ShockParam& p : type.params)
    if (p.sets != nullptr && event.has(p.spec.path))
      r.settings.push_back({p.sets, event.number(p.spec.path), p.unit});
  return r;
}

const std::vector<ParamSpec>& event_fields() {
  static const std::vector<ParamSpec> fields = [] {
    auto field = [](std::string name, ParamType type, std::string unit, double min, double max,
                    std::string def, std::string help) {
      ParamSpec p;
      p.path = std::move(name);
      p.type = type;
      p.unit = std::move(unit);
      p.min = min;
      p.max = max;
      p.default_yaml = std::move(def);
      p.help = std::move(help);
      return p;
    };
    constexpr double inf = std::numeric_limits<double>::infinity();
    return std::vector<ParamSpec>{
        field("id", ParamType::string, "", -inf, static_cast<double>(max_event_text_bytes), "",
              "Optional name, unique in the scenario. A file that `extends` this one replaces the "
              "event by "
              "giving an event with the same id."),
        field("date", ParamType::date, "date", -inf, inf, "",
              "A scheduled event: the day it takes effect, within the run. Give `date` or `when`."),
        field(
            "when", ParamType::string, "condition", -inf, static_cast<double>(max_condition_bytes),
            "",
            "A trigger: a condition on recorded indicators, e.g. \"consumer_dpd90_ratio > 0.02 and "
            "step > "
            "30\" (see the expression language in docs/scenario-guide.md). Give `date` or `when`."),
        field("type", ParamType::string, "", -inf, inf, "", "The shock type (below). Required."),
        field("phase_in_days", ParamType::integer, "days", 0, 3650, "0",
              "Reach the new setting linearly over this many days (0: at once). Only for shock "
              "types that set "
              "a rule or a level."),
        field("repeat", ParamType::boolean, "", -inf, inf, "false",
              "A trigger fires once; with `repeat: true` it fires again each time its condition "
              "turns true "
              "again."),
        field("enabled", ParamType::boolean, "", -inf, inf, "true",
              "`enabled: false` removes the event: in a file that `extends` another, "
              "`{id: ID, enabled: false}` removes the base file's event with that id. A disabled "
              "event needs no other key and is not checked."),
    };
  }();
  return fields;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ---- recording -----------------------------------------------------------------

namespace {

std::string json_value(const EventSpec::Value& v) {
  if (const double* d = std::get_if<double>(&v)) return internal::format_number(*d);
  if (const std::string* s = std::get_if<std::string>(&v)) return json_string(*s);
  return json_string(format_iso_date(std::get<Date>(v)));
}

}  // namespace

std::string parameters_json(const EventSpec& event) {
  std::string out = "{";
  auto member = [&](std::string_view name, const std::string& value) {
    if (out.size() > 1) out += ", ";
    out += json_string(name) + ": " + value;
  };
  const ShockType* type = find_shock_type(event.type);
  if (type != nullptr) {
    for (const ShockParam& p : type->params)
      if (const auto it = event.params.find(p.spec.path); it != event.params.end())
        member(it->first, json_value(it->second));
  } else {
    for (const auto& [name, value] : event.params) member(name, json_value(value));
  }
  if (!event.id.empty()) member("id", json_string(event.id));
  if (event.phase_in_days != 0) member("phase_in_days", std::to_string(event.phase_in_days));
  if (event.repeat) member("repeat", "true");
  return out + "}";
}

SourceLocation condition_location(const EventSpec& event, std::size_t offset) {
  SourceLocation where = event.condition_where;
  if (event.condition_columns_exact && where.column > 0 && offset <= event.when.size())
    where.column += static_cast<int>(offset);
  return where;
}

std::vector<Diagnostic> check_identifiers(const Scenario& scenario,
                                          const std::vector<std::string>& known) {
  std::vector<std::string> names = known;
  for (const std::string_view b : builtin_identifiers) names.emplace_back(b);
  const std::set<std::string, std::less<>> lookup(names.begin(), names.end());
  std::vector<Diagnostic> out;
  for (const EventSpec& e : scenario.events) {
    for (std::size_t slot = 0; slot < e.condition.names().size(); ++slot) {
      const std::string& name = e.condition.names()[slot];
      if (lookup.count(name) != 0) continue;
      Diagnostic d;
      d.where = condition_location(e, e.condition.name_offset(slot));
      d.key_path = e.key_path + ".when";
      d.message = "unknown indicator '" + name + "' in the condition";
      d.hint = internal::did_you_mean(name, names);
      if (d.hint.rfind("did you mean", 0) != 0)
        d.hint =
            "a condition may use the recorded indicators (/timeseries in a results file), step and "
            "day";
      out.push_back(std::move(d));
    }
  }
  for (std::size_t i = 0; i < scenario.look_at.size(); ++i) {
    const std::string& name = scenario.look_at[i];
    if (lookup.count(name) != 0 && std::find(builtin_identifiers.begin(), builtin_identifiers.end(),
                                             name) == builtin_identifiers.end())
      continue;
    Diagnostic d;
    if (i < scenario.look_at_where.size()) d.where = scenario.look_at_where[i];
    d.key_path = "look_at[" + std::to_string(i) + "]";
    d.message = "unknown indicator '" + name + "' in look_at";
    d.hint = internal::did_you_mean(name, known, "indicators");
    if (d.hint.rfind("did you mean", 0) != 0)
      d.hint = "look_at names recorded indicators (/timeseries in a results file; docs/model.md)";
    out.push_back(std::move(d));
  }
  const std::vector<std::string>& recorded = scenario.record.indicators;
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    if (std::find(known.begin(), known.end(), recorded[i]) != known.end()) continue;
    Diagnostic d;
    if (i < scenario.record.indicators_where.size()) d.where = scenario.record.indicators_where[i];
    d.key_path = "record.indicators[" + std::to_string(i) + "]";
    d.message = "unknown indicator '" + recorded[i] + "' in record.indicators";
    d.hint = internal::did_you_mean(recorded[i], known, "indicators");
    if (d.hint.rfind("did you mean", 0) != 0)
      d.hint = "`pfsim indicators` lists the indicators (docs/model.md §7.18)";
    out.push_back(std::move(d));
  }
  return out;
}

// ---- reading -------------------------------------------------------------------

namespace internal {

namespace {

EventSpec::Value to_event_value(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* d = std::get_if<Date>(&v)) return *d;
  throw InternalError("shock parameters are numbers, texts or dates");
}

std::vector<std::string> shock_names() {
  std::vector<std::string> names;
  for (const ShockType& t : shock_types()) names.push_back(t.name);
  return names;
}

// The keys an event of this type accepts and `item` has not given, for "did you mean".
std::vector<std::string> accepted_keys(const ShockType& type, const Tree& item) {
  std::vector<std::string> keys;
  for (const ShockParam& p : type.params)
    if (item.find(p.spec.path) == nullptr) keys.push_back(p.spec.path);
  for (const ParamSpec& f : event_fields())
    if (item.find(f.path) == nullptr) keys.push_back(f.path);
  return keys;
}

std::string takes(const ShockType& type) {
  if (type.params.empty()) return "'" + type.name + "' takes no parameters";
  std::string list;
  for (const ShockParam& p : type.params) list += (list.empty() ? "" : ", ") + p.spec.path;
  return "'" + type.name + "' takes " + list;
}

std::string expected_text(const ShockParam& p) {
  std::string s = type_name(p.spec.type);
  s += range_text(p.spec);
  if (!p.spec.unit.empty()) s += " (" + p.spec.unit + ")";
  return s;
}

// Where the condition's first character is, when columns can be counted from it:
// the scalar is on one line and its source text equals its value (no escapes).
Origin condition_start(const Sources& sources, const Tree& when, bool& exact) {
  exact = false;
  if (!sources.has_positions(when.origin.source)) return when.origin;
  const std::string& src = sources.text(when.origin.source);
  std::size_t start = when.origin.pos;
  if (when.quoted && start < src.size() && (src[start] == '"' || src[start] == '\'')) ++start;
  if (when.text.find('\n') == std::string::npos &&
      src.compare(start, when.text.size(), when.text) == 0) {
    exact = true;
    return Origin{when.origin.source, static_cast<std::uint32_t>(start)};
  }
  return when.origin;
}

struct EventNodes {
  const Tree* item = nullptr;
  const Tree* date = nullptr;
  const Tree* type = nullptr;
  std::map<std::string, const Tree*, std::less<>> params;
};

// Reads one event; returns whether it is valid on its own.
bool read_event(Reporter& report, const Tree& item, const std::string& path, const Scenario& sc,
                EventSpec& ev, EventNodes& nodes) {
  const std::size_t problems_before = report.count();
  nodes.item = &item;
  ev.key_path = path;
  ev.where = report.sources().locate(item.origin);
  if (!item.is_mapping()) {
    report.at(
        item, path,
        "expected a mapping (an event with 'type' and 'date' or 'when'), found " + describe(item),
        "e.g. {date: 2020-11-03, type: ipo_halt}");
    return false;
  }
  const ShockType* type = nullptr;
  if (const Tree* t = item.find("type"); t == nullptr) {
    report.at(item, path, "missing key 'type' (the shock to apply)",
              "e.g. type: policy_rate; `pfsim schema` lists the shock types");
  } else if (!t->is_scalar()) {
    report.at(*t, path + ".type", "expected a shock type name, found " + describe(*t));
  } else if ((type = find_shock_type(t->text)) == nullptr) {
    report.at(*t, path + ".type", "unknown shock type " + quoted(t->text),
              did_you_mean(t->text, shock_names(), "shock types"));
  } else {
    ev.type = type->name;
    nodes.type = t;
  }

  std::vector<std::string> candidates;  // for "did you mean", computed at the first unknown key
  const Tree* when = nullptr;
  const Tree* repeat = nullptr;
  const Tree* phase_in = nullptr;
  for (const TreeEntry& e : item.entries) {
    const std::string& key = e.key.text;
    const std::string key_path = path + "." + key;
    if (key == "type" || key == "enabled") continue;
    if (const auto f = std::find_if(event_fields().begin(), event_fields().end(),
                                    [&](const ParamSpec& p) { return p.path == key; });
        f != event_fields().end()) {
      const auto v = read_value(report, *f, e.value, key_path);
      if (!v) continue;
      if (key == "id") {
        ev.id = std::get<std::string>(*v);
        if (ev.id.empty())
          report.at(e.value, key_path, "an event id cannot be empty", "leave out 'id' instead");
      } else if (key == "date") {
        ev.date = std::get<Date>(*v);
        nodes.date = &e.value;
      } else if (key == "when") {
        ev.when = std::get<std::string>(*v);
        when = &e.value;
      } else if (key == "phase_in_days") {
        ev.phase_in_days = std::get<std::int64_t>(*v);
        phase_in = &e.value;
      } else if (key == "repeat") {
        ev.repeat = std::get<bool>(*v);
        repeat = &e.value;
      }
      continue;
    }
    if (type == nullptr) continue;  // parameters of an unknown type cannot be checked
    const ShockParam* p = find_shock_param(*type, key);
    if (p == nullptr) {
      std::string hint;
      if (!report.full()) {
        if (candidates.empty()) candidates = accepted_keys(*type, item);
        hint = did_you_mean(key, candidates);
      }
      if (hint.rfind("did you mean", 0) != 0) hint = takes(*type);
      report.at(e.key, key_path,
                "unknown parameter '" + key + "' for shock type '" + type->name + "'", hint);
      continue;
    }
    nodes.params[key] = &e.value;
    if (const auto v = read_value(report, p->spec, e.value, key_path))
      ev.params[key] = to_event_value(*v);
  }

  if (when != nullptr && nodes.date == nullptr) {
    bool exact = false;
    const Origin start = condition_start(report.sources(), *when, exact);
    ev.condition_where = report.sources().locate(start);
    ev.condition_columns_exact = exact;
    try {
      ev.condition = parse_expression(ev.when);
    } catch (const ExpressionError& err) {
      const Origin at =
          exact ? Origin{start.source, static_cast<std::uint32_t>(start.pos + err.offset())}
                : start;
      report.at(at, path + ".when", std::string("invalid condition: ") + err.what(), err.hint());
    }
  }
  if (nodes.date == nullptr && when == nullptr && !report.any_at(path + ".date") &&
      !report.any_at(path + ".when"))
    report.at(item, path, "an event needs 'date' (a scheduled shock) or 'when' (a trigger)",
              "e.g. date: 2020-11-03, or when: \"step > 30\"");
  if (nodes.date != nullptr && when != nullptr)
    report.at(*when, path + ".when", "give either 'date' or 'when', not both",
              "'date' schedules the shock; 'when' triggers it on a condition");
  if (repeat != nullptr && ev.repeat && when == nullptr)
    report.at(*repeat, path + ".repeat", "'repeat' applies to triggers ('when') only",
              "a scheduled event happens once; add another event for another date");
  if (phase_in != nullptr && ev.phase_in_days > 0 && type != nullptr && !type->phase_in)
    report.at(
        *phase_in, path + ".phase_in_days",
        "shock type '" + type->name + "' takes effect at once; 'phase_in_days' does not apply",
        "leave out phase_in_days");
  // Not when `run` has a problem (e.g. a misspelt `days`): the run's dates are then not the
  // intended ones, and every event would be reported.
  if (ev.date && !report.any_at("run") &&
      (*ev.date < sc.run.start_date || *ev.date >= sc.end_date()))
    report.at(*nodes.date, path + ".date",
              "date " + format_iso_date(*ev.date) + " is outside the run (" +
                  format_iso_date(sc.run.start_date) + " to " +
                  format_iso_date(sc.end_date().plus_days(-1)) + ")",
              "the run covers run.days = " + std::to_string(sc.run.days) +
                  " days from run.start_date; move the event or lengthen the run");
  if (type == nullptr) return false;

  std::string given_any;
  for (const ShockParam& p : type->params) {
    if (nodes.params.count(p.spec.path) != 0) continue;
    if (p.required) {
      report.at(item, path,
                "missing parameter '" + p.spec.path + "' for shock type '" + type->name + "'",
                "add " + p.spec.path + ": " + expected_text(p) + " — " + p.spec.help);
    } else if (!p.spec.default_yaml.empty()) {
      Sources defaults;
      const std::uint32_t src = defaults.add("<shock table>", p.spec.default_yaml, false);
      Reporter ignore(defaults);
      const auto v = read_value(ignore, p.spec, parse_yaml(defaults, src), p.spec.path);
      if (!v) throw InternalError("bad default of " + type->name + "." + p.spec.path);
      ev.params[p.spec.path] = to_event_value(*v);
    }
  }
  if (!type->at_least_one.empty() &&
      std::none_of(type->at_least_one.begin(), type->at_least_one.end(),
                   [&](const std::string& n) { return nodes.params.count(n) != 0; })) {
    std::string list;
    for (const std::string& n : type->at_least_one) list += (list.empty() ? "" : ", ") + n;
    report.at(item, path, "shock type '" + type->name + "' needs at least one of: " + list,
              "an event that changes nothing is probably a mistake");
  }
  if (report.count() != problems_before) return false;
  if (type->rule && !report.any_at("banks")) {
    if (const auto problem = type->rule(ev, sc)) {
      const auto it = nodes.params.find(problem->param);
      report.at(it != nodes.params.end() ? *it->second : item,
                problem->param.empty() ? path : path + "." + problem->param, problem->message,
                problem->hint);
      return false;
    }
  }
  ev.shock = resolve_shock(*type, ev, sc);
  return true;
}

std::string where_text(const Reporter& report, const Tree& node) {
  const SourceLocation w = report.sources().locate(node.origin);
  return w.line > 0 ? w.file + ":" + std::to_string(w.line) : w.file;
}

}  // namespace

void read_events(Reporter& report, const Tree& list, const std::string& key_path, Scenario& sc) {
  sc.events.clear();
  if (list.kind == Tree::Kind::null) return;  // "events:" with nothing: no events
  if (!list.is_sequence()) {
    report.at(list, key_path, "expected a list of events, found " + describe(list),
              "write each event as a list item starting with '- '");
    return;
  }
  if (list.items.size() > max_events) {
    report.at(list, key_path,
              "expected at most " + std::to_string(max_events) + " events, found " +
                  std::to_string(list.items.size()),
              "use a trigger with repeat: true instead of many dated events");
    return;
  }
  std::vector<const Tree*> items;  // the enabled events
  for (const Tree& item : list.items) {
    const Tree* enabled = item.is_mapping() ? item.find("enabled") : nullptr;
    if (enabled != nullptr) {
      const std::string path = key_path + "[" + std::to_string(item.index) + "]";
      const auto v =
          read_value(report,
                     *std::find_if(event_fields().begin(), event_fields().end(),
                                   [](const ParamSpec& f) { return f.path == "enabled"; }),
                     *enabled, path + ".enabled");
      if (v && !std::get<bool>(*v)) continue;
    }
    items.push_back(&item);
  }
  std::vector<EventNodes> nodes(items.size());
  std::vector<bool> valid(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Tree& item = *items[i];
    EventSpec ev;
    valid[i] = read_event(report, item, key_path + "[" + std::to_string(item.index) + "]", sc, ev,
                          nodes[i]);
    sc.events.push_back(std::move(ev));
  }

  // Checks across events.
  std::map<std::string, std::size_t> ids;
  std::map<std::pair<std::string, std::int32_t>, std::size_t> same_day;
  for (std::size_t i = 0; i < sc.events.size(); ++i) {
    const EventSpec& ev = sc.events[i];
    if (!ev.id.empty()) {
      if (const auto [it, fresh] = ids.emplace(ev.id, i); !fresh) {
        const Tree* first = nodes[it->second].item->find("id");
        report.at(
            *nodes[i].item->find("id"), ev.key_path + ".id",
            "event id '" + ev.id + "' is used twice (first at " + where_text(report, *first) + ")",
            "ids must be unique; to replace a base file's event, extend the file");
      }
    }
    if (!valid[i]) continue;
    const ShockType* type = find_shock_type(ev.type);
    if (ev.date && !type->cumulative) {
      if (const auto [it, fresh] =
              same_day.emplace(std::pair{ev.type, ev.date->days_since_epoch}, i);
          !fresh)
        report.at(*nodes[i].date, ev.key_path + ".date",
                  "a second '" + ev.type + "' event on " + format_iso_date(*ev.date) +
                      " (the first is " + sc.events[it->second].key_path + " at " +
                      where_text(report, *nodes[it->second].item) + ")",
                  "one would silently replace the other; merge them or give them different dates");
    }
    if (!type->requires_type.empty()) {
      const auto partner =
          std::find_if(sc.events.begin(), sc.events.end(),
                       [&](const EventSpec& e) { return e.type == type->requires_type; });
      if (partner == sc.events.end()) {
        report.at(*nodes[i].type, ev.key_path + ".type",
                  "'" + ev.type + "' needs an '" + type->requires_type + "' event in the scenario",
                  "add the '" + type->requires_type + "' event it acts on");
      } else if (ev.date && partner->date && *ev.date > *partner->date) {
        report.at(*nodes[i].date, ev.key_path + ".date",
                  "'" + ev.type + "' on " + format_iso_date(*ev.date) + " comes after the '" +
                      partner->type + "' on " + format_iso_date(*partner->date),
                  "move it to or before " + format_iso_date(*partner->date));
      }
    }
  }
}

}  // namespace internal

}  // namespace pfsim::scenario
