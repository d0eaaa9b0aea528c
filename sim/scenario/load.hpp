// Loading a scenario: YAML text → validated, frozen Scenario. Every problem in
// the input is collected and thrown together as one pfsim::UserError.
//
// A file may start from another with `extends: other.yaml` (path relative to the
// extending file): mappings merge key by key, the extending file winning; lists
// are replaced whole, except `events`, which are appended — an event whose `id`
// matches a base event replaces it in place. `--set PATH=VALUE` overrides are
// applied to the merged document, and everything is validated together.
//
// YAML anchors and aliases are allowed; each alias is expanded into a copy, and
// all copies count toward the node limit. See docs/scenario-guide.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.hpp"

namespace pfsim::scenario {

// Limits that keep a hostile file from exhausting memory or time.
inline constexpr std::size_t max_file_bytes = 1 << 20;     // 1 MiB, per file
inline constexpr int max_nesting_depth = 32;               // mappings and lists inside each other
inline constexpr std::size_t max_nodes = 100'000;          // values per file, counting alias copies
inline constexpr std::size_t max_flow_bytes = 256 * 1024;  // one [...] or {...} collection
inline constexpr int max_extends_depth = 8;                // files in an extends chain
inline constexpr std::size_t max_reported_problems = 100;

// `overrides` are "path=value" strings (CLI --set), applied after the file.
[[nodiscard]] Scenario load_file(const std::string& path,
                                 const std::vector<std::string>& overrides = {});
// `display_name` names the text in messages; a relative `extends` is resolved
// against its directory.
[[nodiscard]] Scenario load_text(std::string_view yaml_text, const std::string& display_name,
                                 const std::vector<std::string>& overrides = {});
// The scenario with every default (as if loaded from an empty file).
[[nodiscard]] Scenario defaults();
// The fully resolved scenario as YAML, every parameter explicit, schema order,
// events last. load_text(to_yaml(s)) gives a scenario with the same to_yaml().
[[nodiscard]] std::string to_yaml(const Scenario& scenario);

}  // namespace pfsim::scenario
