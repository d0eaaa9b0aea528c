// YAML → Scenario. The steps, each bounded by the limits in load.hpp:
//   1. read the file (and the files it extends) into Trees — our own copies of
//      the documents, built under size, encoding, nesting, node and alias limits
//      (internal/tree.cpp, the only yaml-cpp user);
//   2. report and drop tags, non-scalar and duplicate keys in each file;
//   3. merge the extends chain, then apply --set overrides to the merged tree;
//   4. walk the tree driven by the schema, then read `events:`, then check what
//      involves several parameters — collecting every problem before throwing.
// Every tree node remembers its file and byte offset, so a message points into
// the file the value came from.
#include "scenario/load.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/date.hpp"
#include "core/error.hpp"
#include "scenario/events.hpp"
#include "scenario/internal/tree.hpp"
#include "scenario/internal/values.hpp"
#include "scenario/schema.hpp"

namespace pfsim::scenario {

namespace {

using internal::Origin;
using internal::Reporter;
using internal::Sources;
using internal::Tree;
using internal::TreeEntry;
using internal::Value;

constexpr std::string_view extends_key = "extends";
constexpr std::string_view events_key = "events";
constexpr std::string_view look_at_key = "look_at";
inline constexpr std::size_t max_look_at = 64;
// `record.indicators`: a list of names like look_at (checked against the
// indicator table by check_identifiers), or `all`.
constexpr std::string_view record_key = "record";
constexpr std::string_view record_indicators_key = "indicators";
inline constexpr std::size_t max_record_indicators = 1024;

// Built field by field: GCC 12 warns (falsely) on nested brace-init of Diagnostic.
Diagnostic problem(std::string file, std::string key_path, std::string message,
                   std::string hint = {}) {
  Diagnostic d;
  d.where.file = std::move(file);
  d.key_path = std::move(key_path);
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

bool is_list_field(const std::string& path) {
  return path.find("[]") != std::string::npos;
}

// Keys allowed directly under `schema_prefix` ("" = root), in schema order.
std::vector<std::string> child_keys(const std::string& schema_prefix) {
  std::vector<std::string> keys;
  const std::string lead = schema_prefix.empty() ? "" : schema_prefix + ".";
  for (const ParamSpec& p : schema()) {
    if (p.path.compare(0, lead.size(), lead) != 0) continue;
    std::string rest = p.path.substr(lead.size());
    rest = rest.substr(0, rest.find('.'));
    if (rest.size() > 2 && rest.substr(rest.size() - 2) == "[]") continue;
    if (std::find(keys.begin(), keys.end(), rest) == keys.end()) keys.push_back(rest);
  }
  if (schema_prefix == record_key) keys.emplace_back(record_indicators_key);
  if (schema_prefix.empty()) {
    keys.emplace_back(events_key);
    keys.emplace_back(look_at_key);
    keys.emplace_back(extends_key);
  }
  return keys;
}

// ---- defaults -------------------------------------------------------------------

// Each parameter's default, parsed once: a Value for leaves, a Tree for lists.
struct Defaults {
  Sources sources;
  std::map<std::string, Value> values;
  std::map<std::string, Tree> lists;
};

const Defaults& schema_defaults() {
  static const Defaults d = [] {
    Defaults out;
    Reporter report(out.sources);
    for (const ParamSpec& p : schema()) {
      const std::uint32_t src =
          out.sources.add("<default of " + p.path + ">", p.default_yaml, false);
      Tree tree = internal::parse_yaml(out.sources, src);
      if (p.type == ParamType::list) {
        out.lists.emplace(p.path, std::move(tree));
      } else if (const auto v = internal::read_value(report, p, tree, p.path)) {
        out.values.emplace(p.path, *v);
      }
    }
    if (!report.empty())
      throw InternalError("bad schema default: " + report.take().front().format());
    return out;
  }();
  return d;
}

void assign(Scenario& sc, const ParamSpec& spec, std::size_t index, const Value& v) {
  switch (spec.type) {
    case ParamType::integer:
      spec.access.integer(sc, index) = std::get<std::int64_t>(v);
      return;
    case ParamType::number:
      spec.access.number(sc, index) = std::get<double>(v);
      return;
    case ParamType::boolean:
      spec.access.boolean(sc, index) = std::get<bool>(v);
      return;
    case ParamType::string:
      spec.access.string(sc, index) = std::get<std::string>(v);
      return;
    case ParamType::date:
      spec.access.date(sc, index) = std::get<Date>(v);
      return;
    case ParamType::list:
      break;
  }
  throw InternalError("assign: " + spec.path + " is a list");
}

// ---- the schema-driven walk -----------------------------------------------------------

struct Walk {
  Reporter& report;
  Scenario& sc;
  const Tree* events = nullptr;
  const Tree* look_at = nullptr;
  const Tree* record_indicators = nullptr;

  void leaf(const ParamSpec& spec, std::size_t index, const Tree& node,
            const std::string& key_path) {
    if (const auto v = internal::read_value(report, spec, node, key_path))
      assign(sc, spec, index, *v);
  }

  void default_list_element(const std::string& list_path, std::size_t index) {
    const std::string lead = list_path + "[].";
    for (const ParamSpec& p : schema())
      if (p.path.compare(0, lead.size(), lead) == 0)
        assign(sc, p, index, schema_defaults().values.at(p.path));
  }

  void list(const ParamSpec& spec, const Tree& node, const std::string& key_path) {
    if (!node.is_sequence()) {
      report.at(node, key_path, "expected a list, found " + describe(node));
      return;
    }
    const std::size_t n = node.items.size();
    if (static_cast<double>(n) < spec.min || static_cast<double>(n) > spec.max) {
      report.at(node, key_path,
                "expected between " + internal::format_number(spec.min) + " and " +
                    internal::format_number(spec.max) + " items, found " + std::to_string(n));
      return;
    }
    spec.access.list_resize(sc, 0);
    spec.access.list_resize(sc, n);
    for (std::size_t i = 0; i < n; ++i) {
      default_list_element(spec.path, i);
      const Tree& item = node.items[i];
      const std::string item_path = key_path + "[" + std::to_string(item.index) + "]";
      if (!item.is_mapping()) {
        report.at(item, item_path, "expected a mapping, found " + describe(item));
        continue;
      }
      map(item, spec.path + "[]", item_path, i, true);
    }
  }

  void map(const Tree& node, const std::string& schema_prefix, const std::string& key_prefix,
           std::size_t index, bool in_list) {
    for (const TreeEntry& e : node.entries) {
      const std::string& key = e.key.text;
      const std::string key_path = internal::join_key(key_prefix, key);
      if (schema_prefix.empty() && key == events_key) {
        events = &e.value;
        continue;
      }
      if (schema_prefix.empty() && key == look_at_key) {
        look_at = &e.value;
        continue;
      }
      if (schema_prefix == record_key && key == record_indicators_key) {
        record_indicators = &e.value;
        continue;
      }
      const std::string schema_path = internal::join_key(schema_prefix, key);
      const ParamSpec* spec = find_param(schema_path);
      if (spec != nullptr && spec->type == ParamType::list) {
        if (in_list)
          report.at(e.key, key_path, "nested lists are not supported here");
        else
          list(*spec, e.value, key_path);
      } else if (spec != nullptr) {
        leaf(*spec, index, e.value, key_path);
      } else if (!child_keys(schema_path).empty()) {
        if (e.value.is_mapping())
          map(e.value, schema_path, key_path, index, in_list);
        else
          report.at(e.value, key_path,
                    "expected a mapping (a section with keys), found " + describe(e.value));
      } else if (key == "<<") {
        report.at(
            e.key, key_path, "YAML merge keys ('<<') are not supported",
            "to start from another scenario, write extends: other.yaml at the top of the file");
      } else if (key == extends_key) {
        report.at(e.key, key_path, "'extends' is allowed only at the top level of a file",
                  "move it to the top level: extends: other.yaml");
      } else {
        report.at(e.key, key_path, "unknown key " + internal::quoted(key),
                  report.full() ? "" : internal::did_you_mean(key, child_keys(schema_prefix)));
      }
    }
  }
};

// A list of indicator names (`look_at:`, `record.indicators:`): names only
// here; check_identifiers checks them against the indicator table, which the
// engine owns.
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

// Checks that involve more than one parameter.
void check_consistency(Reporter& report, const Scenario& sc, const Tree& root) {
  const Tree* banks = root.is_mapping() ? root.find("banks") : nullptr;
  const Tree* tiers = banks != nullptr && banks->is_mapping() ? banks->find("tiers") : nullptr;
  const Origin at = tiers != nullptr ? tiers->origin : root.origin;
  double share = 0;
  for (const BankTier& t : sc.banks.tiers) share += t.deposit_share;
  if (std::fabs(share - 1.0) > 1e-9)
    report.at(at, "banks.tiers",
              "deposit_share must sum to 1 over tiers, found " + internal::format_number(share),
              "adjust the tiers' deposit_share values");
  auto one_of = [&](const char* key, const char* section, const char* leaf, const std::string& value,
                    const std::vector<std::string>& allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
    const Tree* s = root.is_mapping() ? root.find(section) : nullptr;
    const Tree* v = s != nullptr && s->is_mapping() ? s->find(leaf) : nullptr;
    std::string list;
    for (const std::string& a : allowed) list.append(list.empty() ? "" : ", ").append(a);
    const std::string hint = internal::did_you_mean(value, allowed);
    report.at(v != nullptr ? v->origin : root.origin, key,
              "expected one of " + list + ", found " + internal::quoted(value), hint);
  };
  // A run outside the dates pandas and xarray read could be simulated but not
  // analysed (and a run may not pass year 9999, where dates end).
  {
    const Date first = first_results_date();
    const Date last = last_results_date();
    const Date last_day = sc.end_date().plus_days(-1);
    if (sc.run.start_date < first || last_day > last) {
      const Tree* s = root.is_mapping() ? root.find("run") : nullptr;
      const Tree* v = s != nullptr && s->is_mapping() ? s->find("start_date") : nullptr;
      report.at(v != nullptr ? v->origin : root.origin, "run.start_date",
                "the run from " + format_iso_date(sc.run.start_date) + " to " +
                    format_iso_date(last_day) +
                    " leaves the dates pandas and xarray can read (1678-01-01 .. 2262-04-11)",
                "start in 1678 or later, and end by 2262-04-11");
    }
  }
  one_of("interbank.topology", "interbank", "topology", sc.interbank.topology,
         {"core_periphery", "scale_free", "erdos_renyi", "complete", "file"});
  if (sc.interbank.topology == "file" && sc.interbank.file.empty()) {
    const Tree* s = root.is_mapping() ? root.find("interbank") : nullptr;
    report.at(s != nullptr ? s->origin : root.origin, "interbank.file",
              "interbank.topology is 'file' but no interbank.file is given",
              "give the CSV of partner pairs: interbank: {topology: file, file: links.csv}");
  }
  one_of("interbank.contagion", "interbank", "contagion", sc.interbank.contagion, {"furfine", "none"});
  std::set<std::string> names;
  for (std::size_t i = 0; i < sc.banks.tiers.size(); ++i) {
    if (names.insert(sc.banks.tiers[i].name).second) continue;
    const Tree* item = tiers != nullptr && tiers->is_sequence() && i < tiers->items.size()
                           ? &tiers->items[i]
                           : nullptr;
    const Tree* name = item != nullptr && item->is_mapping() ? item->find("name") : nullptr;
    report.at(name != nullptr ? name->origin : at, "banks.tiers[" + std::to_string(i) + "].name",
              "tier name '" + sc.banks.tiers[i].name + "' is used twice",
              "give every tier its own name");
  }
}

// ---- files and extends ----------------------------------------------------------------

// What a base file holds, without quoting it: `extends:` can name any readable
// file, and a message should not print its lines.
std::string base_kind(const Tree& base) {
  if (base.kind == Tree::Kind::scalar)
    return "text of " + std::to_string(base.text.size()) + " bytes, not key: value lines";
  return describe(base);
}

// Appends `over`'s events to `base`'s; an event with the id of a base event replaces it.
Tree merge_events(Tree base, Tree over) {
  if (!base.is_sequence() || !over.is_sequence()) return over;
  auto id_of = [](const Tree& item) -> const std::string* {
    const Tree* id = item.is_mapping() ? item.find("id") : nullptr;
    return id != nullptr && id->is_scalar() && !id->text.empty() ? &id->text : nullptr;
  };
  std::unordered_map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < base.items.size(); ++i)
    if (const std::string* id = id_of(base.items[i])) by_id.emplace(*id, i);
  for (Tree& item : over.items) {
    const std::string* id = id_of(item);
    const auto same = id == nullptr ? by_id.end() : by_id.find(*id);
    if (same != by_id.end())
      base.items[same->second] = std::move(item);
    else
      base.items.push_back(std::move(item));
  }
  return base;
}

// `over` on top of `base`: mappings merge key by key, everything else is replaced.
Tree merge(Tree base, Tree over, bool root) {
  if (!base.is_mapping() || !over.is_mapping()) return over;
  // An index, so that two files of many keys merge in linear time.
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < base.entries.size(); ++i) index.emplace(base.entries[i].key.text, i);
  for (TreeEntry& e : over.entries) {
    const auto found = index.find(e.key.text);
    if (found == index.end()) {
      index.emplace(e.key.text, base.entries.size());
      base.entries.push_back(std::move(e));
      continue;
    }
    const auto it = base.entries.begin() + static_cast<std::ptrdiff_t>(found->second);
    it->value = root && e.key.text == events_key
                    ? merge_events(std::move(it->value), std::move(e.value))
                    : merge(std::move(it->value), std::move(e.value), false);
    it->key = std::move(e.key);  // messages about the key point at the file that set it last
  }
  return base;
}

struct Loader {
  Sources sources;
  Reporter report{sources};
  std::vector<std::filesystem::path> chain;  // files being read, for cycle detection
  std::vector<std::string> chain_names;

  static std::filesystem::path canonical(const std::string& path) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
    return ec ? std::filesystem::path(path).lexically_normal() : p;
  }

  static UserError too_big(const std::string& name, std::size_t bytes) {
    return UserError(problem(name, "",
                             "file is " + std::to_string(bytes) + " bytes; the limit is " +
                                 std::to_string(max_file_bytes),
                             "scenario files are small; is this the right file?"));
  }

  // Parses one file and whatever it extends; returns the merged tree.
  Tree read(const std::string& name, std::string text) {
    if (text.size() > max_file_bytes) throw too_big(name, text.size());
    const std::uint32_t src = sources.add(name, std::move(text));
    Tree tree = internal::parse_yaml(sources, src);
    internal::check_tree(report, tree, "");
    if (!tree.is_mapping()) return tree;
    const auto ext = std::find_if(tree.entries.begin(), tree.entries.end(),
                                  [](const TreeEntry& e) { return e.key.text == extends_key; });
    if (ext == tree.entries.end()) return tree;
    const Tree target = std::move(ext->value);
    tree.entries.erase(ext);
    if (!target.is_scalar() || target.text.empty()) {
      report.at(target, std::string(extends_key),
                "expected the name of a scenario file to extend, found " + describe(target),
                "e.g. extends: baseline.yaml (relative to this file)");
      return tree;
    }
    if (std::optional<Tree> base = read_base(name, target)) {
      // merge() would silently drop a base that is not a mapping (plain text,
      // a list, an empty file): a base is held to the rules of a top-level file.
      if (!base->is_mapping()) {
        report.at(target, std::string(extends_key),
                  "the base scenario '" + target.text + "' is not a mapping of sections (found " +
                      base_kind(*base) + ")",
                  "extend a scenario file (run:, consumers:, ... at its top level)");
        return tree;
      }
      return merge(std::move(*base), std::move(tree), true);
    }
    return tree;
  }

  std::optional<Tree> read_base(const std::string& from, const Tree& target) {
    const std::string key(extends_key);
    const std::string name =
        (std::filesystem::path(from).parent_path() / target.text).lexically_normal().string();
    const std::filesystem::path path = canonical(name);
    auto chain_text = [&](const std::string& last) {
      std::string s;
      for (const std::string& n : chain_names) s += n + " → ";
      return s + last;
    };
    if (std::find(chain.begin(), chain.end(), path) != chain.end()) {
      report.at(target, key, "extends cycle: " + chain_text(name),
                "a scenario cannot extend itself, directly or through other files");
      return std::nullopt;
    }
    if (chain.size() >= static_cast<std::size_t>(max_extends_depth)) {
      report.at(target, key,
                "extends chain is longer than " + std::to_string(max_extends_depth) +
                    " files: " + chain_text(name),
                "extend the base scenario directly");
      return std::nullopt;
    }
    std::error_code ec;
    const auto status = std::filesystem::status(name, ec);
    if (ec || !std::filesystem::exists(status)) {
      // The system's reason: a symlink loop is not a missing file.
      const std::string why =
          ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "no such file";
      report.at(target, key, "cannot open '" + name + "' (" + why + ")",
                "the path is relative to the file that extends it");
      return std::nullopt;
    }
    // Only regular files: a FIFO or a device named by a hostile file could block
    // forever — and so could a kernel pseudo-file, which passes as regular.
    const std::string canonical_text = path.string();
    const bool pseudo = canonical_text.starts_with("/proc/") || canonical_text.starts_with("/sys/") ||
                        canonical_text.starts_with("/dev/");
    if (pseudo || !std::filesystem::is_regular_file(status)) {
      report.at(target, key, "'" + name + "' is not a regular file", "extend a scenario file");
      return std::nullopt;
    }
    std::string text;
    if (!read_bounded(name, text)) {
      report.at(target, key, "cannot read '" + name + "'", "check that the file is readable");
      return std::nullopt;
    }
    chain.push_back(path);
    chain_names.push_back(name);
    std::optional<Tree> base;
    try {
      base = read(name, std::move(text));
    } catch (const UserError& e) {
      for (const Diagnostic& d : e.diagnostics()) report.add(d);
    }
    chain.pop_back();
    chain_names.pop_back();
    return base;
  }

  // Reads at most one byte past the limit, so a huge file is rejected cheaply.
  static bool read_bounded(const std::string& path, std::string& text) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    text.assign(max_file_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return !in.bad();
  }

  // ---- --set ----------------------------------------------------------------------------

  struct Segment {
    std::string name;
    bool indexed = false;
    std::size_t index = 0;
  };

  // "a.b[3].c" → segments; false on malformed syntax.
  static bool split_path(const std::string& path, std::vector<Segment>& out,
                         std::string& schema_path) {
    std::size_t i = 0;
    while (i <= path.size()) {
      Segment s;
      while (i < path.size() && path[i] != '.' && path[i] != '[') s.name += path[i++];
      if (s.name.empty()) return false;
      schema_path += s.name;
      if (i < path.size() && path[i] == '[') {
        const std::size_t close = path.find(']', i);
        if (close == std::string::npos || close == i + 1 || close - i > 7) return false;
        for (std::size_t k = i + 1; k < close; ++k)
          if (path[k] < '0' || path[k] > '9') return false;
        s.indexed = true;
        s.index = std::stoul(path.substr(i + 1, close - i - 1));
        schema_path += "[]";
        i = close + 1;
      }
      out.push_back(std::move(s));
      if (i == path.size()) return true;
      if (path[i] != '.') return false;
      schema_path += '.';
      ++i;
    }
    return false;
  }

  void apply_override(Tree& root, const std::string& assignment) {
    const auto eq = assignment.find('=');
    // Each --set is a source of its own, so that its problems keep command-line order.
    const std::uint32_t src = sources.add(
        "--set", eq == std::string::npos ? std::string() : assignment.substr(eq + 1), false);
    const Origin here{src, 0};
    auto refuse = [&](const std::string& key_path, const std::string& message,
                      const std::string& hint = {}) { report.at(here, key_path, message, hint); };
    if (eq == std::string::npos || eq == 0) {
      refuse("", "expected PATH=VALUE, found \"" + assignment + "\"",
             "e.g. --set consumers.count=20000");
      return;
    }
    const std::string path = assignment.substr(0, eq);
    const std::string value_text = assignment.substr(eq + 1);
    std::vector<Segment> segments;
    std::string schema_path;
    if (!split_path(path, segments, schema_path)) {
      refuse(path, "malformed path", "write e.g. banks.tiers[0].count or events[1].rate");
      return;
    }
    const ParamSpec* spec = find_param(schema_path);
    const bool event_field = segments.size() == 2 && segments[0].name == events_key &&
                             segments[0].indexed && !segments[1].indexed;
    const bool look_at_field =
        segments.size() == 1 && segments[0].name == look_at_key && !segments[0].indexed;
    const bool record_indicators_field =
        segments.size() == 2 && segments[0].name == record_key && !segments[0].indexed &&
        segments[1].name == record_indicators_key && !segments[1].indexed;
    if (!event_field && !look_at_field && !record_indicators_field &&
        (spec == nullptr || spec->type == ParamType::list)) {
      std::vector<std::string> all;
      for (const ParamSpec& p : schema()) all.push_back(p.path);
      std::string hint = internal::did_you_mean(schema_path, all);
      if (hint.rfind("did you mean", 0) != 0) hint = "`pfsim schema` lists the parameters";
      refuse(path, "unknown parameter " + internal::quoted(path), hint);
      return;
    }
    Tree value;
    try {
      value = internal::parse_yaml(sources, src);
    } catch (const UserError& e) {
      refuse(path, "cannot parse value: " + e.diagnostics().front().message,
             e.diagnostics().front().hint);
      return;
    }
    if (value.kind == Tree::Kind::null) value = Tree::scalar(value_text, Origin{src, 0});
    internal::check_tree(report, value, path);

    if (!root.is_mapping()) root = Tree::mapping(root.origin);
    Tree* node = &root;
    std::string walked;
    for (std::size_t k = 0; k < segments.size(); ++k) {
      const Segment& s = segments[k];
      walked = internal::join_key(walked, s.name);
      const bool last = k + 1 == segments.size();
      Tree* child = node->find(s.name);
      if (child == nullptr) {
        Tree fresh = last && !s.indexed ? Tree() : Tree::mapping(here);
        if (s.indexed) {
          const auto def = schema_defaults().lists.find(schema_of(walked));
          fresh = def != schema_defaults().lists.end() ? def->second : Tree::sequence(here);
        }
        node->entries.push_back(TreeEntry{Tree::scalar(s.name, here), std::move(fresh)});
        child = &node->entries.back().value;
      }
      if (s.indexed) {
        const std::size_t size = child->is_sequence() ? child->items.size() : 0;
        if (s.index >= size) {
          refuse(path, "list index " + std::to_string(s.index) + " is out of range (the list has " +
                           std::to_string(size) + " items)");
          return;
        }
        child = &child->items[s.index];
        walked += "[" + std::to_string(s.index) + "]";
      }
      if (last) {
        const std::uint32_t index = child->index;
        *child = value;
        child->index = index;
        return;
      }
      if (!child->is_mapping()) *child = Tree::mapping(here);
      node = child;
    }
  }

  static std::string schema_of(const std::string& concrete) {
    std::string out;
    for (std::size_t i = 0; i < concrete.size(); ++i) {
      if (concrete[i] != '[') {
        out += concrete[i];
        continue;
      }
      out += "[]";
      i = concrete.find(']', i);
    }
    return out;
  }
};

// ---- writing --------------------------------------------------------------------------

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

Scenario build_defaults() {
  Scenario sc;
  Reporter report(schema_defaults().sources);
  Walk walk{report, sc};
  for (const ParamSpec& p : schema()) {
    if (is_list_field(p.path)) continue;
    if (p.type == ParamType::list)
      walk.list(p, schema_defaults().lists.at(p.path), p.path);
    else
      assign(sc, p, 0, schema_defaults().values.at(p.path));
  }
  if (!report.empty()) throw InternalError("bad schema default: " + report.take().front().format());
  return sc;
}

// Diagnostics ordered by file (in order of first appearance), line and column;
// those without a line (e.g. --set) keep their order, after the located ones.
std::vector<Diagnostic> in_file_order(std::vector<Diagnostic> all) {
  std::vector<std::string> files;
  for (const Diagnostic& d : all)
    if (d.where.line > 0 && std::find(files.begin(), files.end(), d.where.file) == files.end())
      files.push_back(d.where.file);
  auto rank = [&](const Diagnostic& d) {
    if (d.where.line <= 0) return std::tuple<std::size_t, int, int>{files.size(), 0, 0};
    const auto f = static_cast<std::size_t>(std::find(files.begin(), files.end(), d.where.file) -
                                            files.begin());
    return std::tuple<std::size_t, int, int>{f, d.where.line, d.where.column};
  };
  std::stable_sort(all.begin(), all.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
  if (all.size() > max_reported_problems) {
    const std::size_t more = all.size() - max_reported_problems;
    all.resize(max_reported_problems);
    Diagnostic d;
    d.where.file = all.front().where.file;
    d.message = std::to_string(more) + " more problems not shown";
    d.hint = "fix the problems above and run again";
    all.push_back(std::move(d));
  }
  return all;
}

}  // namespace

Scenario defaults() {
  static const Scenario sc = build_defaults();
  return sc;
}

Scenario load_text(std::string_view yaml_text, const std::string& display_name,
                   const std::vector<std::string>& overrides,
                   const std::vector<std::string>* known_indicators) {
  if (yaml_text.size() > max_file_bytes) throw Loader::too_big(display_name, yaml_text.size());
  Loader loader;
  loader.chain.push_back(Loader::canonical(display_name));
  loader.chain_names.push_back(display_name);
  Tree root = loader.read(display_name, std::string(yaml_text));
  for (const std::string& o : overrides) loader.apply_override(root, o);

  Reporter& report = loader.report;
  Scenario sc = defaults();
  Walk walk{report, sc};
  if (root.is_mapping()) {
    walk.map(root, "", "", 0, false);
  } else if (root.kind != Tree::Kind::null) {  // an empty file means "all defaults"
    report.at(
        root, "",
        "expected a mapping of sections (run, consumers, smes, ...), found " + describe(root));
  }
  if (walk.look_at != nullptr)
    read_indicator_names(report, *walk.look_at, std::string(look_at_key), max_look_at,
                         "e.g. look_at: [consumption, platform_equity]", sc.look_at,
                         sc.look_at_where);
  if (walk.record_indicators != nullptr)
    read_record_indicators(report, *walk.record_indicators, sc);
  if (walk.events != nullptr)
    internal::read_events(report, *walk.events, std::string(events_key), sc);
  if (report.empty()) check_consistency(report, sc, root);
  if (known_indicators != nullptr) {
    // Names in conditions and look_at, in the same pass as everything else.
    std::vector<Diagnostic> unknown = check_identifiers(sc, *known_indicators);
    if (!unknown.empty()) {
      std::vector<Diagnostic> all = report.take();
      if (!all.empty() && all.back().where.line == 0 &&
          all.back().message.find("more problems") != std::string::npos)
        all.pop_back();  // recounted below
      for (Diagnostic& d : unknown) all.push_back(std::move(d));
      throw UserError(in_file_order(std::move(all)));
    }
  }
  if (!report.empty()) throw UserError(report.take());
  sc.source_path = display_name;
  sc.resolved_text = to_yaml(sc);
  return sc;
}

Scenario load_file(const std::string& path, const std::vector<std::string>& overrides,
                   const std::vector<std::string>* known_indicators) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status))
    throw UserError(
        problem(path, "", "is a directory, not a scenario file", "give the path of a .yaml file"));
  // Opening a FIFO blocks until someone writes to it; a device may never end.
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw UserError(problem(path, "", "is not a regular file (a FIFO, socket or device)",
                            "give the path of a .yaml file"));
  std::string text;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UserError(problem(path, "", "cannot open the scenario file",
                            "check the path and that the file is readable"));
  if (!Loader::read_bounded(path, text))
    throw UserError(
        problem(path, "", "cannot read the scenario file", "check that the file is readable"));
  return load_text(text, path, overrides, known_indicators);
}

std::vector<std::string> population_overrides(const Scenario& sc, std::int64_t consumers) {
  const ParamSpec* count = find_param("consumers.count");
  const ParamSpec* smes = find_param("smes.count");
  const ParamSpec* scale = find_param("run.scale");
  auto refuse = [](const std::string& message, const std::string& hint) {
    throw UserError(problem("--population", "consumers.count", message, hint));
  };
  if (static_cast<double>(consumers) < count->min || static_cast<double>(consumers) > count->max)
    refuse("population " + std::to_string(consumers) + " is out of range: expected consumers" +
               internal::range_text(*count),
           "give the number of consumer agents");
  const double ratio = static_cast<double>(consumers) / static_cast<double>(sc.consumers.count);
  const auto new_smes = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::llround(static_cast<double>(sc.smes.count) * ratio)));
  const double new_scale = sc.run.scale / ratio;
  if (static_cast<double>(new_smes) > smes->max)
    refuse("population " + std::to_string(consumers) + " needs " + std::to_string(new_smes) +
               " SMEs, more than smes.count allows (" + internal::format_number(smes->max) + ")",
           "choose a smaller population");
  if (new_scale < scale->min || new_scale > scale->max)
    refuse("population " + std::to_string(consumers) +
               " needs run.scale = " + internal::format_number(new_scale) + ", outside its range" +
               internal::range_text(*scale),
           new_scale < scale->min ? "the scenario's real population is smaller than that: lower N"
                                  : "raise N");
  return {"consumers.count=" + std::to_string(consumers), "smes.count=" + std::to_string(new_smes),
          "run.scale=" + internal::format_number(new_scale)};
}

std::string population_warning(const std::vector<std::string>& overrides) {
  const std::array<std::string, 3> paths{"consumers.count", "smes.count", "run.scale"};
  std::vector<std::string> changed;
  for (const std::string& o : overrides) {
    if (o.find('=') == std::string::npos) continue;  // malformed: reported by the loader
    const std::string path = o.substr(0, o.find('='));
    if (std::find(paths.begin(), paths.end(), path) != paths.end() &&
        std::find(changed.begin(), changed.end(), path) == changed.end())
      changed.push_back(path);
  }
  if (changed.empty() || changed.size() == paths.size()) return {};
  std::string list, missing;
  for (const std::string& c : changed) list += (list.empty() ? "" : " and ") + c;
  for (const std::string& p : paths)
    if (std::find(changed.begin(), changed.end(), p) == changed.end())
      missing += (missing.empty() ? "" : " and ") + p;
  return "--set " + list + " without " + missing +
         " changes the size of the economy, not only the number of agents (totals such as "
         "consumption no longer match the scenario); to simulate the same economy with N "
         "consumer agents use --population N";
}

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
