#include "world/merchant_choice.hpp"

#include <algorithm>
#include <numeric>

namespace pfsim {

void build_alias_table(std::span<const double> weights, std::vector<float>& prob,
                       std::vector<std::uint32_t>& alias) {
  const std::size_t n = weights.size();
  prob.assign(n, 1.0f);
  alias.resize(n);
  for (std::size_t i = 0; i < n; ++i) alias[i] = static_cast<std::uint32_t>(i);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (n == 0 || total <= 0) return;
  thread_local std::vector<double> scaled;
  thread_local std::vector<std::uint32_t> small, large;
  scaled.resize(n);
  small.clear();
  large.clear();
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
  // Kept from one month end to the next on the calling thread.
  thread_local std::vector<double> weight;
  thread_local std::vector<float> prob;
  thread_local std::vector<std::uint32_t> alias;
  contractual_wage_bills(w, weight);
  for (std::size_t s = 0; s < S.size(); ++s) weight[s] *= S.demand_factor[s];
  build_alias_table(weight, S.size_alias_prob, S.size_alias);
  S.region_alias_prob.resize(S.size());
  S.region_alias.resize(S.size());
  for (std::size_t r = 0; r + 1 < S.region_first.size(); ++r) {
    const auto first = static_cast<std::ptrdiff_t>(S.region_first[r]);
    const auto last = static_cast<std::ptrdiff_t>(S.region_first[r + 1]);
    build_alias_table(std::span<const double>(weight).subspan(
                          static_cast<std::size_t>(first), static_cast<std::size_t>(last - first)),
                      prob, alias);
    std::copy(prob.begin(), prob.end(), S.region_alias_prob.begin() + first);
    std::copy(alias.begin(), alias.end(), S.region_alias.begin() + first);
  }
}

}  // namespace pfsim
