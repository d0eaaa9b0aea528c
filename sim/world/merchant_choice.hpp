// The tables buyers draw merchants from. A merchant is drawn in proportion to
// its contractual wage bill × its demand factor (firm-level demand: the taste
// for its goods, a persistent random walk around 1, see month_end.cpp), from
// every slot or from the slots of one region. Built at construction and
// rebuilt at each month end as demand factors move.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "world/world.hpp"

namespace pfsim {

// Firm-level demand. log f follows an AR(1) in months around −s²/2 with
// persistence ρ = smes.demand_persistence_monthly and innovation σ =
// smes.demand_volatility_monthly, so that f has mean 1 and stationary
// log-variance s² = σ² / (1 − ρ²): firms' sales wander persistently, as
// firm-level demand does (Foster, Haltiwanger & Syverson 2008), and a firm in a
// bad spell needs working capital to pay its staff until demand returns.
[[nodiscard]] inline double demand_log_variance(const SmeParams& p) {
  const double rho = p.demand_persistence_monthly;
  return rho < 1.0 ? p.demand_volatility_monthly * p.demand_volatility_monthly / (1.0 - rho * rho)
                   : 0.0;
}
// A draw from the stationary distribution (z standard normal): for firms at
// construction and entrants.
[[nodiscard]] inline float stationary_demand_factor(const SmeParams& p, double z) {
  const double s2 = demand_log_variance(p);
  return static_cast<float>(std::exp(-0.5 * s2 + std::sqrt(s2) * z));
}
// Next month's factor from this month's (z standard normal).
[[nodiscard]] inline float next_demand_factor(const SmeParams& p, float factor, double z) {
  const double rho = p.demand_persistence_monthly;
  const double mean = -0.5 * demand_log_variance(p);
  const double log_f =
      mean + rho * (std::log(static_cast<double>(factor)) - mean) + p.demand_volatility_monthly * z;
  return static_cast<float>(std::exp(log_f));
}

// The lists an alias table's build works in: one set serves every table of a
// rebuild (the national one first, the largest).
struct AliasScratch {
  std::vector<double> scaled;
  std::vector<std::uint32_t> small, large;
};

// Walker's alias method (Vose's stable variant): O(n) build, O(1) draws.
// Weights need not sum to 1; all zero gives a uniform table. `prob` and
// `alias` have one entry per weight; aliases index the weights. Throws
// InternalError on spans of other sizes or a negative or non-finite weight.
void build_alias_table(std::span<const double> weights, std::span<float> prob,
                       std::span<std::uint32_t> alias, AliasScratch& scratch);

// Each slot's contractual wage bill (fen/month, every employee counted), into `bill`.
void contractual_wage_bills(const World& w, std::vector<double>& bill);

// Rebuilds the national and regional merchant tables of w.smes from the wage
// bills and today's demand factors.
void rebuild_merchant_tables(World& w);

}  // namespace pfsim
