// Lists of indicator names in a scenario: `look_at:` and `record.indicators:`.
// Names only here; check_identifiers (events.cpp) checks them against the
// indicator table, which the engine owns.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "scenario/internal/keys.hpp"

namespace pfsim::scenario::internal {

namespace {

// A list of indicator names: each lower-case, once, at most `max_count`.
void read_indicator_names(Reporter& report, const Tree& node, const std::string& key,
                          std::size_t max_count, const std::string& example,
                          std::vector<std::string>& names, std::vector<SourceLocation>& where) {
  names.clear();
  where.clear();
  if (node.kind == Tree::Kind::null) return;
  if (!node.is_sequence()) {
    report.at(node, key, "expected a list of indicator names, found " + describe(node), example);
    return;
  }
  if (node.items.size() > max_count) {
    report.at(node, key,
              "expected at most " + std::to_string(max_count) + " indicators, found " +
                  std::to_string(node.items.size()),
              "name the few indicators that answer the scenario's question");
    return;
  }
  std::set<std::string> seen;
  for (const Tree& item : node.items) {
    const std::string path = key + "[" + std::to_string(item.index) + "]";
    const bool name_like = item.is_scalar() && !item.text.empty() && item.text.size() <= 64 &&
                           std::all_of(item.text.begin(), item.text.end(), [](char c) {
                             return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                           });
    if (!name_like) {
      report.at(item, path,
                "expected an indicator name (lower case, digits, _), found " + describe(item));
      continue;
    }
    if (!seen.insert(item.text).second) {
      report.at(item, path, "indicator '" + item.text + "' is listed twice in " + key,
                "list it once");
      continue;
    }
    names.push_back(item.text);
    where.push_back(report.sources().locate(item.origin));
  }
}

}  // namespace

void read_look_at(Reporter& report, const Tree& node, Scenario& sc) {
  read_indicator_names(report, node, std::string(look_at_key), max_look_at,
                       "e.g. look_at: [consumption, platform_equity]", sc.look_at,
                       sc.look_at_where);
}

// `record.indicators`: `all` (the default) or a list of names.
void read_record_indicators(Reporter& report, const Tree& node, Scenario& sc) {
  const std::string key = std::string(record_key) + "." + std::string(record_indicators_key);
  if (node.is_scalar() && node.text == "all") {
    sc.record.indicators.clear();
    sc.record.indicators_where.clear();
    return;
  }
  if (node.kind != Tree::Kind::null && node.is_sequence() && node.items.empty()) {
    report.at(node, key, "expected at least one indicator, found an empty list",
              "leave out record.indicators (or write `all`) to record every indicator");
    return;
  }
  read_indicator_names(report, node, key, max_record_indicators,
                       "e.g. indicators: [consumption, money_supply], or indicators: all",
                       sc.record.indicators, sc.record.indicators_where);
}

}  // namespace pfsim::scenario::internal
