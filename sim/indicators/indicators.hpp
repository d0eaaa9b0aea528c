// The indicator table. Money indicators are in RMB (yuan) as float64 — converted
// from exact int64 fen sums at the last moment; flows are per day.
//
// Each indicator is one row: its name, units, description and the function that
// computes it from the measures of the step (sums shared by several rows,
// computed once; see indicators.cpp). Adding an indicator is adding a row.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "world/world.hpp"

namespace pfsim::indicators {

// The shared measurement pass over the world after a step (indicators.cpp).
struct Measures;

struct Indicator {
  std::string_view name;  // snake_case; other tools read these names
  std::string_view units;
  std::string_view description;
  double (*compute)(const Measures&) = nullptr;
};

[[nodiscard]] std::span<const Indicator> table();
// The names of table(), in order (what `when:` conditions and `look_at:` may name).
[[nodiscard]] const std::vector<std::string>& names();
// Index of an indicator in table(), or -1.
[[nodiscard]] int find(std::string_view name);
// Values of every indicator in table() order, for the world as it stands after a step.
void compute(const World& w, std::span<double> out);

}  // namespace pfsim::indicators
