// The indicator table. Money indicators are in RMB (yuan) as float64 — converted
// from exact int64 fen sums at the last moment; flows are per day.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "world/world.hpp"

namespace pfsim::indicators {

struct Indicator {
  std::string_view name;  // snake_case; other tools read these names
  std::string_view units;
  std::string_view description;
};

[[nodiscard]] std::span<const Indicator> table();
// Index of an indicator in table(), or -1.
[[nodiscard]] int find(std::string_view name);
// Values of every indicator in table() order, for the world as it stands after a step.
void compute(const World& w, std::span<double> out);

}  // namespace pfsim::indicators
