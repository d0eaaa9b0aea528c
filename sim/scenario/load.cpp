// YAML → Scenario. The only yaml-cpp user. The walk is driven by the schema:
// only keys the schema knows are descended into, so its depth and breadth are
// bounded by the schema (and list limits), not by the input — an alias bomb or
// a self-referencing alias in an unknown key is reported, never expanded.
#include "scenario/load.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "scenario/schema.hpp"

namespace pfsim::scenario {

namespace {

// Built field by field: GCC 12 warns (falsely) on nested brace-init of Diagnostic.
Diagnostic problem(std::string file, std::string key_path, std::string message, std::string hint = {}) {
  Diagnostic d;
  d.where.file = std::move(file);
  d.key_path = std::move(key_path);
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

struct Context {
  std::string file;
  std::vector<Diagnostic> problems;

  void report(const YAML::Node& node, std::string key_path, std::string message,
              std::string hint = {}) {
    SourceLocation where{file, 0, 0};
    if (node.IsDefined()) {
      const YAML::Mark m = node.Mark();
      if (m.line >= 0) where = {file, m.line + 1, m.column + 1};
    }
    problems.push_back({where, std::move(key_path), std::move(message), std::move(hint)});
  }
};

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1 : 0)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Schema path of a child key: "banks" + "tiers" → "banks.tiers".
std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
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
  return keys;
}

std::string did_you_mean(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(key, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (!best.empty()) return "did you mean '" + best + "'?";
  std::string all;
  for (const std::string& c : candidates) all += (all.empty() ? "" : ", ") + c;
  return "allowed keys here: " + all;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar: return "\"" + node.Scalar() + "\"";
    default: return "an undefined value";
  }
}

std::string format_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string range_text(const ParamSpec& spec) {
  const bool lo = !std::isinf(spec.min), hi = !std::isinf(spec.max);
  if (lo && hi) return " between " + format_number(spec.min) + " and " + format_number(spec.max);
  if (lo) return " ≥ " + format_number(spec.min);
  if (hi) return " ≤ " + format_number(spec.max);
  return "";
}

bool parse_int(const std::string& s, std::int64_t& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  const auto r = std::from_chars(b, e, out);
  return r.ec == std::errc{} && r.ptr == e;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  const auto r = std::from_chars(b, e, out, std::chars_format::general);
  return r.ec == std::errc{} && r.ptr == e;
}

// Sets one leaf from a scalar node; reports and returns false on any problem.
bool set_leaf(Context& ctx, Scenario& sc, const ParamSpec& spec, std::size_t index,
              const YAML::Node& node, const std::string& key_path) {
  if (!node.IsScalar()) {
    ctx.report(node, key_path,
               std::string("expected ") + (spec.type == ParamType::integer ? "an " : "a ") +
                   type_name(spec.type) + ", found " + describe(node));
    return false;
  }
  const std::string& text = node.Scalar();
  switch (spec.type) {
    case ParamType::integer: {
      std::int64_t v = 0;
      double d = 0;
      bool ok = parse_int(text, v);
      // Accept an integral float like 1e5 (common in scenario files).
      if (!ok && parse_double(text, d) && std::isfinite(d) && std::floor(d) == d &&
          std::fabs(d) < 9.0e15) {
        v = static_cast<std::int64_t>(d);
        ok = true;
      }
      if (!ok) {
        ctx.report(node, key_path, "expected an integer" + range_text(spec) + ", found \"" + text + "\"");
        return false;
      }
      if (static_cast<double>(v) < spec.min || static_cast<double>(v) > spec.max) {
        ctx.report(node, key_path, "value " + text + " is out of range: expected an integer" +
                                       range_text(spec) + (spec.unit.empty() ? "" : " (" + spec.unit + ")"));
        return false;
      }
      spec.access.integer(sc, index) = v;
      return true;
    }
    case ParamType::number: {
      double v = 0;
      const bool lower_nan = text == ".nan" || text == ".NaN" || text == ".NAN" ||
                             text.find("inf") != std::string::npos ||
                             text.find("Inf") != std::string::npos ||
                             text.find("INF") != std::string::npos;
      if (lower_nan || !parse_double(text, v) || !std::isfinite(v)) {
        ctx.report(node, key_path, "expected a finite number" + range_text(spec) + ", found \"" + text + "\"",
                   lower_nan || (parse_double(text, v) && !std::isfinite(v))
                       ? "NaN and infinity are not allowed"
                       : "");
        return false;
      }
      if (v < spec.min || v > spec.max) {
        ctx.report(node, key_path, "value " + text + " is out of range: expected a number" +
                                       range_text(spec) + (spec.unit.empty() ? "" : " (" + spec.unit + ")"));
        return false;
      }
      spec.access.number(sc, index) = v;
      return true;
    }
    case ParamType::boolean: {
      if (text == "true" || text == "false") {
        spec.access.boolean(sc, index) = text == "true";
        return true;
      }
      ctx.report(node, key_path, "expected true or false, found \"" + text + "\"");
      return false;
    }
    case ParamType::string:
      spec.access.string(sc, index) = text;
      return true;
    case ParamType::date: {
      const auto d = parse_iso_date(text);
      if (!d) {
        ctx.report(node, key_path, "expected a date YYYY-MM-DD, found \"" + text + "\"",
                   "use an existing calendar date, e.g. 2020-11-03");
        return false;
      }
      spec.access.date(sc, index) = *d;
      return true;
    }
    case ParamType::list: break;
  }
  return false;
}

void walk_map(Context& ctx, Scenario& sc, const YAML::Node& map, const std::string& schema_prefix,
              const std::string& key_prefix, std::size_t index, bool in_list);

// Applies the defaults of a list element's fields to element `index`.
void default_list_element(Scenario& sc, const std::string& list_path, std::size_t index);

void walk_list(Context& ctx, Scenario& sc, const ParamSpec& spec, const YAML::Node& node,
               const std::string& key_path) {
  if (!node.IsSequence()) {
    ctx.report(node, key_path, "expected a list, found " + describe(node));
    return;
  }
  const std::size_t n = node.size();
  if (static_cast<double>(n) < spec.min || static_cast<double>(n) > spec.max) {
    ctx.report(node, key_path,
               "expected between " + format_number(spec.min) + " and " + format_number(spec.max) +
                   " items, found " + std::to_string(n));
    return;
  }
  spec.access.list_resize(sc, 0);
  spec.access.list_resize(sc, n);
  for (std::size_t i = 0; i < n; ++i) {
    default_list_element(sc, spec.path, i);
    const YAML::Node item = node[i];
    const std::string item_path = key_path + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      ctx.report(item, item_path, "expected a mapping, found " + describe(item));
      continue;
    }
    walk_map(ctx, sc, item, spec.path + "[]", item_path, i, true);
  }
}

void walk_map(Context& ctx, Scenario& sc, const YAML::Node& map, const std::string& schema_prefix,
              const std::string& key_prefix, std::size_t index, bool in_list) {
  std::map<std::string, int> first_line;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key_node = it->first;
    const YAML::Node value = it->second;
    if (!key_node.IsScalar()) {
      ctx.report(key_node, key_prefix, "keys must be plain names, found " + describe(key_node));
      continue;
    }
    const std::string key = key_node.Scalar();
    const std::string key_path = key_prefix.empty() ? key : key_prefix + "." + key;
    const int line = key_node.Mark().line + 1;
    if (const auto seen = first_line.find(key); seen != first_line.end()) {
      ctx.report(key_node, key_path,
                 "duplicate key '" + key + "' (first given at line " + std::to_string(seen->second) + ")",
                 "remove one of them; YAML keeps only one and would silently drop the other");
      continue;
    }
    first_line.emplace(key, line);
    const std::string schema_path = join_path(schema_prefix, key);
    const ParamSpec* spec = find_param(schema_path);
    if (spec && spec->type == ParamType::list) {
      if (in_list) {
        ctx.report(key_node, key_path, "nested lists are not supported here");
        continue;
      }
      walk_list(ctx, sc, *spec, value, key_path);
    } else if (spec) {
      set_leaf(ctx, sc, *spec, index, value, key_path);
    } else if (!child_keys(schema_path).empty()) {
      if (!value.IsMap()) {
        ctx.report(value, key_path, "expected a mapping (a section with keys), found " + describe(value));
        continue;
      }
      walk_map(ctx, sc, value, schema_path, key_path, index, in_list);
    } else {
      ctx.report(key_node, key_path, "unknown key '" + key + "'",
                 did_you_mean(key, child_keys(schema_prefix)));
    }
  }
}

// Applies a "path=value" override; `path` uses concrete indices ("banks.tiers[2].count").
void apply_override(Context& ctx, Scenario& sc, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    ctx.problems.push_back(problem("--set", "", "expected PATH=VALUE, found \"" + assignment + "\"",
                            "e.g. --set consumers.count=20000"));
    return;
  }
  const std::string path = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  // Split off a list index: a.b[3].c → schema path a.b[].c, index 3.
  std::string schema_path;
  std::size_t index = 0;
  bool has_index = false;
  std::string list_path;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '[') {
      const auto close = path.find(']', i);
      std::int64_t v = -1;
      if (close == std::string::npos || !parse_int(path.substr(i + 1, close - i - 1), v) || v < 0) {
        ctx.problems.push_back(problem("--set", path, "malformed list index", "write e.g. banks.tiers[0].count"));
        return;
      }
      list_path = schema_path;
      schema_path += "[]";
      index = static_cast<std::size_t>(v);
      has_index = true;
      i = close;
    } else {
      schema_path += path[i];
    }
  }
  const ParamSpec* spec = find_param(schema_path);
  if (!spec || spec->type == ParamType::list) {
    std::vector<std::string> all;
    for (const ParamSpec& p : schema()) all.push_back(p.path);
    ctx.problems.push_back(problem("--set", path, "unknown parameter '" + path + "'",
                            did_you_mean(schema_path, all)));
    return;
  }
  if (has_index) {
    const ParamSpec* list = find_param(list_path);
    if (!list || index >= list->access.list_size(sc)) {
      ctx.problems.push_back(problem("--set", path,
                              "list index " + std::to_string(index) + " is out of range (the list has " +
                                  std::to_string(list ? list->access.list_size(sc) : 0) + " items)",
                              ""));
      return;
    }
  }
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    ctx.problems.push_back(problem("--set", path, "cannot parse value: " + e.msg, ""));
    return;
  }
  Context local{"--set", {}};
  set_leaf(local, sc, *spec, index, value.IsNull() ? YAML::Node(value_text) : value, path);
  for (Diagnostic& d : local.problems) {
    d.where = {"--set", 0, 0};
    ctx.problems.push_back(std::move(d));
  }
}

// Checks that involve more than one parameter.
void check_consistency(Context& ctx, const Scenario& sc, const YAML::Node& root) {
  const YAML::Node banks = root.IsMap() && root["banks"] ? root["banks"] : YAML::Node();
  const YAML::Node tiers = banks.IsDefined() && banks.IsMap() && banks["tiers"] ? banks["tiers"] : YAML::Node();
  double share = 0;
  for (const BankTier& t : sc.banks.tiers) share += t.deposit_share;
  if (std::fabs(share - 1.0) > 1e-9)
    ctx.report(tiers, "banks.tiers", "deposit_share must sum to 1 over tiers, found " + format_number(share),
               "adjust the tiers' deposit_share values");
  std::set<std::string> names;
  for (std::size_t i = 0; i < sc.banks.tiers.size(); ++i)
    if (!names.insert(sc.banks.tiers[i].name).second)
      ctx.report(tiers, "banks.tiers[" + std::to_string(i) + "].name",
                 "tier name '" + sc.banks.tiers[i].name + "' is used twice", "give every tier its own name");
}

void default_list_element(Scenario& sc, const std::string& list_path, std::size_t index) {
  const std::string lead = list_path + "[].";
  for (const ParamSpec& p : schema()) {
    if (p.path.compare(0, lead.size(), lead) != 0) continue;
    Context ignore{"<schema>", {}};
    set_leaf(ignore, sc, p, index, YAML::Load(p.default_yaml), p.path);
    if (!ignore.problems.empty()) throw InternalError("bad schema default for " + p.path);
  }
}

Scenario build_defaults() {
  Scenario sc;
  Context ctx{"<schema defaults>", {}};
  for (const ParamSpec& p : schema()) {
    if (p.path.find("[]") != std::string::npos) continue;
    const YAML::Node def = YAML::Load(p.default_yaml);
    if (p.type == ParamType::list) walk_list(ctx, sc, p, def, p.path);
    else set_leaf(ctx, sc, p, 0, def, p.path);
  }
  if (!ctx.problems.empty()) throw InternalError("bad schema default: " + ctx.problems[0].format());
  return sc;
}

// Converts yaml-cpp's exceptions into a located, readable diagnostic.
Diagnostic parse_problem(const std::string& file, const YAML::Exception& e) {
  Diagnostic d;
  d.where = {file, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0};
  d.message = "invalid YAML: " + e.msg;
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
    d.message = "invalid YAML: nesting is too deep";
    d.hint = "scenario files need only a few levels of nesting";
  }
  return d;
}

}  // namespace

Scenario defaults() {
  static const Scenario sc = build_defaults();
  return sc;
}

Scenario load_text(std::string_view yaml_text, const std::string& display_name,
                   const std::vector<std::string>& overrides) {
  if (yaml_text.size() > max_file_bytes)
    throw UserError(problem(display_name, "",
                               "file is " + std::to_string(yaml_text.size()) + " bytes; the limit is " +
                                   std::to_string(max_file_bytes),
                               "scenario files are small; is this the right file?"));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw UserError(parse_problem(display_name, e));
  }
  Scenario sc = defaults();
  Context ctx{display_name, {}};
  if (root.IsNull() || !root.IsDefined()) {
    // an empty file means "all defaults"
  } else if (!root.IsMap()) {
    ctx.report(root, "", "expected a mapping of sections (run, consumers, smes, ...), found " + describe(root));
  } else {
    walk_map(ctx, sc, root, "", "", 0, false);
  }
  for (const std::string& o : overrides) apply_override(ctx, sc, o);
  if (ctx.problems.empty()) check_consistency(ctx, sc, root);
  if (!ctx.problems.empty()) throw UserError(std::move(ctx.problems));
  sc.source_path = display_name;
  sc.resolved_text = to_yaml(sc);
  return sc;
}

Scenario load_file(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UserError(problem(path, "", "cannot open the scenario file",
                               "check the path and that the file is readable"));
  std::ostringstream buf;
  // Read at most one byte past the limit, so a huge file is rejected cheaply.
  std::string text(max_file_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad())
    throw UserError(problem(path, "", "cannot read the scenario file", "is it a directory?"));
  return load_text(text, path, overrides);
}

std::string to_yaml(const Scenario& scenario_in) {
  Scenario& sc = const_cast<Scenario&>(scenario_in);  // accessors are non-const; we only read
  YAML::Node root(YAML::NodeType::Map);
  auto leaf_value = [&](const ParamSpec& p, std::size_t i) -> YAML::Node {
    switch (p.type) {
      case ParamType::integer: return YAML::Node(p.access.integer(sc, i));
      case ParamType::number: return YAML::Node(format_number(p.access.number(sc, i)));
      case ParamType::boolean: return YAML::Node(p.access.boolean(sc, i));
      case ParamType::string: return YAML::Node(p.access.string(sc, i));
      case ParamType::date: return YAML::Node(format_iso_date(p.access.date(sc, i)));
      case ParamType::list: break;
    }
    return YAML::Node();
  };
  auto place = [](YAML::Node base, const std::string& dotted, const YAML::Node& value) {
    std::istringstream parts(dotted);
    std::string part;
    std::vector<std::string> keys;
    while (std::getline(parts, part, '.')) keys.push_back(part);
    std::vector<YAML::Node> chain{base};
    for (std::size_t k = 0; k + 1 < keys.size(); ++k) {
      YAML::Node next = chain.back()[keys[k]];
      if (!next.IsMap()) next = YAML::Node(YAML::NodeType::Map);
      chain.back()[keys[k]] = next;
      chain.push_back(chain.back()[keys[k]]);
    }
    chain.back()[keys.back()] = value;
  };
  for (const ParamSpec& p : schema()) {
    if (p.path.find("[]") != std::string::npos) continue;
    if (p.type != ParamType::list) {
      place(root, p.path, leaf_value(p, 0));
      continue;
    }
    YAML::Node list(YAML::NodeType::Sequence);
    const std::string lead = p.path + "[].";
    for (std::size_t i = 0; i < p.access.list_size(sc); ++i) {
      YAML::Node item(YAML::NodeType::Map);
      for (const ParamSpec& f : schema())
        if (f.path.compare(0, lead.size(), lead) == 0) item[f.path.substr(lead.size())] = leaf_value(f, i);
      list.push_back(item);
    }
    place(root, p.path, list);
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace pfsim::scenario
