// Loading a scenario: YAML text → validated, frozen Scenario. Every problem in
// the input is collected and thrown together as one pfsim::UserError.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.hpp"

namespace pfsim::scenario {

// Limits that keep a hostile file from exhausting memory or time.
inline constexpr std::size_t max_file_bytes = 1 << 20;  // 1 MiB

// `overrides` are "path=value" strings (CLI --set), applied after the file.
[[nodiscard]] Scenario load_file(const std::string& path,
                                 const std::vector<std::string>& overrides = {});
[[nodiscard]] Scenario load_text(std::string_view yaml_text, const std::string& display_name,
                                 const std::vector<std::string>& overrides = {});
// The scenario with every default (as if loaded from an empty file).
[[nodiscard]] Scenario defaults();
// The fully resolved scenario as YAML, every parameter explicit, schema order.
[[nodiscard]] std::string to_yaml(const Scenario& scenario);

}  // namespace pfsim::scenario
