// Internal to sim/scenario: the top-level keys that are not parameters, the
// limits on them, and small helpers the loader's files share (load.cpp,
// consistency.cpp, to_yaml.cpp, population.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "scenario/internal/tree.hpp"
#include "scenario/scenario.hpp"

namespace pfsim::scenario::internal {

inline constexpr std::string_view extends_key = "extends";
inline constexpr std::string_view events_key = "events";
inline constexpr std::string_view look_at_key = "look_at";
inline constexpr std::size_t max_look_at = 64;
// `record.indicators`: a list of names like look_at (checked against the
// indicator table by check_identifiers), or `all`.
inline constexpr std::string_view record_key = "record";
inline constexpr std::string_view record_indicators_key = "indicators";
inline constexpr std::size_t max_record_indicators = 1024;

// "banks.tiers[].count": a field of the elements of a list parameter.
[[nodiscard]] inline bool is_list_field(const std::string& path) {
  return path.find("[]") != std::string::npos;
}

// Built field by field: GCC 12 warns (falsely) on nested brace-init of Diagnostic.
[[nodiscard]] inline Diagnostic problem(std::string file, std::string key_path, std::string message,
                                        std::string hint = {}) {
  Diagnostic d;
  d.where.file = std::move(file);
  d.key_path = std::move(key_path);
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

// `look_at:` and `record.indicators:` into `sc` (indicator_lists.cpp).
void read_look_at(Reporter& report, const Tree& node, Scenario& sc);
void read_record_indicators(Reporter& report, const Tree& node, Scenario& sc);

// Checks that involve more than one parameter (consistency.cpp); `root` is the
// merged document, for locating what is reported.
void check_consistency(Reporter& report, const Scenario& sc, const Tree& root);

}  // namespace pfsim::scenario::internal
