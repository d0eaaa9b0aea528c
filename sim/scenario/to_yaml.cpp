// A Scenario back to YAML: every parameter explicit, in schema order, then
// record.indicators, look_at and the events (what results files store in
// /metadata/scenario; load_text(to_yaml(s)) gives the same to_yaml()).
#include <string>

#include "core/date.hpp"
#include "scenario/events.hpp"
#include "scenario/internal/keys.hpp"
#include "scenario/internal/tree.hpp"
#include "scenario/internal/values.hpp"
#include "scenario/load.hpp"
#include "scenario/schema.hpp"

namespace pfsim::scenario {

namespace {

using internal::Tree;
using internal::TreeEntry;

std::string leaf_text(const ParamSpec& p, Scenario& sc, std::size_t i) {
  switch (p.type) {
    case ParamType::integer:
      return std::to_string(p.access.integer(sc, i));
    case ParamType::number:
      return internal::format_number(p.access.number(sc, i));
    case ParamType::boolean:
      return p.access.boolean(sc, i) ? "true" : "false";
    case ParamType::string:
      return p.access.string(sc, i);
    case ParamType::date:
      return format_iso_date(p.access.date(sc, i));
    case ParamType::list:
      break;
  }
  throw InternalError("leaf_text: " + p.path + " is a list");
}

// Places `value` at a dotted path, creating the mappings on the way.
void place(Tree& root, const std::string& dotted, Tree value) {
  Tree* node = &root;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot - start);
    if (dot == std::string::npos) {
      node->entries.push_back(TreeEntry{Tree::scalar(key), std::move(value)});
      return;
    }
    Tree* next = node->find(key);
    if (next == nullptr) {
      node->entries.push_back(TreeEntry{Tree::scalar(key), Tree::mapping()});
      next = &node->entries.back().value;
    }
    node = next;
    start = dot + 1;
  }
}

std::string value_text(const EventSpec::Value& v) {
  if (const double* d = std::get_if<double>(&v)) return internal::format_number(*d);
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  return format_iso_date(std::get<Date>(v));
}

Tree event_tree(const EventSpec& ev) {
  Tree t = Tree::mapping();
  auto add = [&](const std::string& key, std::string text) {
    t.entries.push_back(TreeEntry{Tree::scalar(key), Tree::scalar(std::move(text))});
  };
  if (!ev.id.empty()) add("id", ev.id);
  if (ev.date)
    add("date", format_iso_date(*ev.date));
  else
    add("when", ev.when);
  add("type", ev.type);
  const ShockType* type = find_shock_type(ev.type);
  if (type != nullptr) {
    for (const ShockParam& p : type->params)
      if (const auto it = ev.params.find(p.spec.path); it != ev.params.end())
        add(it->first, value_text(it->second));
    if (type->phase_in) add("phase_in_days", std::to_string(ev.phase_in_days));
  }
  if (!ev.date) add("repeat", ev.repeat ? "true" : "false");
  return t;
}

}  // namespace

using internal::events_key;
using internal::is_list_field;
using internal::look_at_key;
using internal::record_indicators_key;
using internal::record_key;

std::string to_yaml(const Scenario& scenario_in) {
  Scenario& sc = const_cast<Scenario&>(scenario_in);  // accessors are non-const; we only read
  Tree root = Tree::mapping();
  for (const ParamSpec& p : schema()) {
    if (is_list_field(p.path)) continue;
    if (p.type != ParamType::list) {
      place(root, p.path, Tree::scalar(leaf_text(p, sc, 0)));
      continue;
    }
    Tree list = Tree::sequence();
    const std::string lead = p.path + "[].";
    for (std::size_t i = 0; i < p.access.list_size(sc); ++i) {
      Tree item = Tree::mapping();
      for (const ParamSpec& f : schema())
        if (f.path.compare(0, lead.size(), lead) == 0)
          item.entries.push_back(TreeEntry{Tree::scalar(f.path.substr(lead.size())),
                                           Tree::scalar(leaf_text(f, sc, i))});
      list.items.push_back(std::move(item));
    }
    place(root, p.path, std::move(list));
  }
  if (!sc.record.indicators.empty()) {
    Tree names = Tree::sequence();
    for (const std::string& name : sc.record.indicators) names.items.push_back(Tree::scalar(name));
    place(root, std::string(record_key) + "." + std::string(record_indicators_key),
          std::move(names));
  }
  Tree look_at = Tree::sequence();
  for (const std::string& name : sc.look_at) look_at.items.push_back(Tree::scalar(name));
  place(root, std::string(look_at_key), std::move(look_at));
  Tree events = Tree::sequence();
  for (const EventSpec& ev : sc.events) events.items.push_back(event_tree(ev));
  place(root, std::string(events_key), std::move(events));
  return internal::emit_yaml(root);
}

}  // namespace pfsim::scenario
