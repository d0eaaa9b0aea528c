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
inline constexpr std::size_t max_file_bytes = 1 << 20;  // 1 MiB, per file
inline constexpr int max_nesting_depth = 32;            // mappings and lists inside each other
inline constexpr std::size_t max_nodes = 100'000;       // values per file, counting alias copies
inline constexpr std::size_t max_flow_bytes = 256UL * 1024;  // one [...] or {...} collection
inline constexpr int max_extends_depth = 8;                  // files in an extends chain
inline constexpr std::size_t max_reported_problems = 100;

// `overrides` are "path=value" strings (CLI --set), applied after the file.
// With `known_indicators` (the indicator table's names), names in `when:`
// conditions and `look_at:` are checked too, in the same pass as everything
// else (see check_identifiers in events.hpp).
[[nodiscard]] Scenario load_file(const std::string& path,
                                 const std::vector<std::string>& overrides = {},
                                 const std::vector<std::string>* known_indicators = nullptr);
// `display_name` names the text in messages; a relative `extends` is resolved
// against its directory.
[[nodiscard]] Scenario load_text(std::string_view yaml_text, const std::string& display_name,
                                 const std::vector<std::string>& overrides = {},
                                 const std::vector<std::string>* known_indicators = nullptr);
// `--population N`: the overrides that give the scenario N consumers with the
// same economy — smes.count scaled in the same ratio (at least 1) and run.scale
// in the inverse ratio, so that agents × scale (the real population) and every
// economy-wide total stay as they were. Banks, regions and the network stay.
// Throws UserError when N is out of the range of consumers.count or a count
// would leave its range.
[[nodiscard]] std::vector<std::string> population_overrides(const Scenario& scenario,
                                                            std::int64_t consumers);
// A warning when `overrides` change consumers.count, smes.count or run.scale
// but not all three (the economy then changes size); empty when they do not.
[[nodiscard]] std::string population_warning(const std::vector<std::string>& overrides);

// The scenario with every default (as if loaded from an empty file).
[[nodiscard]] Scenario defaults();
// The fully resolved scenario as YAML, every parameter explicit, schema order,
// events last. load_text(to_yaml(s)) gives a scenario with the same to_yaml().
[[nodiscard]] std::string to_yaml(const Scenario& scenario);

}  // namespace pfsim::scenario
