// Internal to sim/scenario: reading one value against its ParamSpec, and the
// small text helpers every message uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/date.hpp"
#include "scenario/internal/tree.hpp"
#include "scenario/schema.hpp"

namespace pfsim::scenario::internal {

using Value = std::variant<std::int64_t, double, bool, std::string, Date>;

// Longest string value accepted anywhere (a ParamSpec may set a smaller `max`).
inline constexpr std::size_t max_string_bytes = 1024;

// The value of `node` as `spec` declares it (type and range), or nullopt after
// reporting what was expected and what was found.
[[nodiscard]] std::optional<Value> read_value(Reporter& report, const ParamSpec& spec,
                                              const Tree& node, const std::string& key_path);

// "did you mean 'x'?" for the closest candidate (by edit distance, else the
// one candidate that contains `key` or is contained in it), else the list of
// candidates: "allowed <noun> here: ...".
[[nodiscard]] std::string did_you_mean(std::string_view key,
                                       const std::vector<std::string>& candidates,
                                       std::string_view noun = "keys");

// Shortest text that reads back as the same double.
[[nodiscard]] std::string format_number(double v);
// " between 0 and 1", " ≥ 0", … (empty when unbounded).
[[nodiscard]] std::string range_text(const ParamSpec& spec);

// Reads `events:` into sc.events (events.cpp); the rest of `sc` must be read first.
void read_events(Reporter& report, const Tree& list, const std::string& key_path, Scenario& sc);

}  // namespace pfsim::scenario::internal
