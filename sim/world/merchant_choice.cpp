#include "world/merchant_choice.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace pfsim {

void build_alias_table(std::span<const double> weights, std::span<float> prob,
                       std::span<std::uint32_t> alias, AliasScratch& scratch) {
  const std::size_t n = weights.size();
  // Callers' bugs, not the user's: a short table would be written past its
  // end, and a negative or non-finite weight would give a table that draws
  // from a distribution other than the weights' without any sign.
  if (prob.size() != n || alias.size() != n)
    throw InternalError("alias table: " + std::to_string(n) + " weights but " +
                        std::to_string(prob.size()) + " probabilities and " +
                        std::to_string(alias.size()) + " aliases");
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw InternalError("alias table: more than 2^32 - 1 weights");
  for (std::size_t i = 0; i < n; ++i)
    if (!(weights[i] >= 0.0) || !std::isfinite(weights[i]))
      throw InternalError("alias table: weight " + std::to_string(i) + " is " +
                          std::to_string(weights[i]) + " (must be finite and >= 0)");
  std::fill(prob.begin(), prob.end(), 1.0f);
  for (std::size_t i = 0; i < n; ++i) alias[i] = static_cast<std::uint32_t>(i);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (n == 0 || total <= 0) return;
  std::vector<double>& scaled = scratch.scaled;
  std::vector<std::uint32_t>& small = scratch.small;
  std::vector<std::uint32_t>& large = scratch.large;
  scaled.resize(n);
  small.clear();
  large.clear();
  small.reserve(n);
  large.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back(), l = large.back();
    small.pop_back();
    prob[s] = static_cast<float>(scaled[s]);
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
}

void contractual_wage_bills(const World& w, std::vector<double>& bill) {
  const SmeStore& S = w.smes;
  bill.assign(S.size(), 0.0);
  for (std::size_t s = 0; s < S.size(); ++s)
    for (std::uint32_t e = S.first_employee[s]; e < S.first_employee[s] + S.employee_count[s]; ++e)
      bill[s] += static_cast<double>(w.consumers.monthly_wage[e]);
}

void rebuild_merchant_tables(World& w) {
  SmeStore& S = w.smes;
  // A few lists for the month end, freed after: kept from one month end to
  // the next they would hold 16 bytes per firm all month (2.9 bytes per
  // agent at 10^7 consumers, against issue 18's 200-byte budget).
  std::vector<double> weight;
  AliasScratch scratch;
  contractual_wage_bills(w, weight);
  for (std::size_t s = 0; s < S.size(); ++s) weight[s] *= S.demand_factor[s];
  S.size_alias_prob.resize(S.size());
  S.size_alias.resize(S.size());
  build_alias_table(weight, S.size_alias_prob, S.size_alias, scratch);
  // Each region's table in place, its aliases indexing the region's firms.
  S.region_alias_prob.resize(S.size());
  S.region_alias.resize(S.size());
  for (std::size_t r = 0; r + 1 < S.region_first.size(); ++r) {
    const std::size_t first = S.region_first[r];
    const std::size_t count = S.region_first[r + 1] - first;
    build_alias_table(std::span<const double>(weight).subspan(first, count),
                      std::span<float>(S.region_alias_prob).subspan(first, count),
                      std::span<std::uint32_t>(S.region_alias).subspan(first, count), scratch);
  }
}

}  // namespace pfsim
