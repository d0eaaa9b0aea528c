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
#include "scenario/internal/keys.hpp"
#include "scenario/internal/tree.hpp"
#include "scenario/internal/values.hpp"
#include "scenario/schema.hpp"

namespace pfsim::scenario {

namespace {

using internal::events_key;
using internal::extends_key;
using internal::is_list_field;
using internal::look_at_key;
using internal::max_look_at;
using internal::max_record_indicators;
using internal::Origin;
using internal::problem;
using internal::record_indicators_key;
using internal::record_key;
using internal::Reporter;
using internal::Sources;
using internal::Tree;
using internal::TreeEntry;
using internal::Value;

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
      // A mapping none of whose keys is a section (a config file, /etc/passwd)
      // is not a scenario: one message, rather than an "unknown key" that
      // quotes each of its lines.
      const std::vector<std::string> sections = child_keys("");
      const bool any_section =
          base->entries.empty() ||
          std::any_of(base->entries.begin(), base->entries.end(), [&](const TreeEntry& e) {
            return std::find(sections.begin(), sections.end(), e.key.text) != sections.end();
          });
      if (!any_section) {
        report.at(target, std::string(extends_key),
                  "the base scenario '" + target.text + "' is not a pfsim scenario (none of its " +
                      std::to_string(base->entries.size()) +
                      " top-level keys is a section such as run:, consumers: or events:)",
                  "extend a scenario file, e.g. extends: baseline.yaml");
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
    const bool pseudo = canonical_text.starts_with("/proc/") ||
                        canonical_text.starts_with("/sys/") || canonical_text.starts_with("/dev/");
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
  if (walk.look_at != nullptr) internal::read_look_at(report, *walk.look_at, sc);
  if (walk.record_indicators != nullptr)
    internal::read_record_indicators(report, *walk.record_indicators, sc);
  if (walk.events != nullptr)
    internal::read_events(report, *walk.events, std::string(events_key), sc);
  if (report.empty()) internal::check_consistency(report, sc, root);
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

}  // namespace pfsim::scenario
