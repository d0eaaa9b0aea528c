// Fire sales with leverage targeting and price impact (see fire_sale.hpp).
#include "contagion/fire_sale.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "contagion/validate.hpp"

namespace pfsim::contagion {

namespace {

void check_inputs(const FireSaleInput& in) {
  const std::size_t n = in.holdings.size();
  const std::size_t m = in.prices.size();
  require_each_positive(in.prices, "prices");
  for (std::size_t i = 0; i < n; ++i) {
    const std::string row = "holdings[" + std::to_string(i) + "]";
    require_length(in.holdings[i], m, row, "asset in prices");
    require_each_non_negative(in.holdings[i], row);
  }
  if (!in.cash.empty()) {
    require_length(in.cash, n, "cash", "bank in holdings");
    require_each_non_negative(in.cash, "cash");
  }
  require_length(in.debt, n, "debt", "bank in holdings");
  require_each_non_negative(in.debt, "debt");
  if (!in.price_shock.empty()) {
    require_length(in.price_shock, m, "price_shock", "asset in prices");
    require_each_in(in.price_shock, 0.0, 1.0, "price_shock");
  }
  if (!in.price_impact.empty()) {
    require_length(in.price_impact, m, "price_impact", "asset in prices");
    require_each_non_negative(in.price_impact, "price_impact");
  }
  if (!in.target_leverage.empty()) {
    require_length(in.target_leverage, n, "target_leverage", "bank in holdings");
    require_each_in(in.target_leverage, 1.0, std::numeric_limits<double>::max(), "target_leverage");
  }
  if (in.max_rounds < 1) {
    fail_input("max_rounds: expected an integer >= 1, found " + std::to_string(in.max_rounds));
  }
  require_in(in.tolerance, 0.0, 1.0, "tolerance");
}

double impact_factor(PriceImpact impact, double lambda, double units_sold) {
  if (impact == PriceImpact::exponential) return std::exp(-lambda * units_sold);
  return std::max(0.0, 1.0 - lambda * units_sold);
}

Vector prices_after(const FireSaleInput& in, const Vector& units_sold) {
  Vector p(in.prices.size(), 0.0);
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double shock = in.price_shock.empty() ? 0.0 : in.price_shock[k];
    const double lambda = in.price_impact.empty() ? 0.0 : in.price_impact[k];
    p[k] = in.prices[k] * (1.0 - shock) * impact_factor(in.impact_function, lambda, units_sold[k]);
  }
  return p;
}

double holdings_value(const Vector& units, const Vector& prices) {
  double sum = 0.0;
  for (std::size_t k = 0; k < units.size(); ++k) sum += units[k] * prices[k];
  return sum;
}

}  // namespace

FireSaleResult fire_sale(const FireSaleInput& in) {
  check_inputs(in);
  const std::size_t n = in.holdings.size();
  const std::size_t m = in.prices.size();
  DenseMatrix units = in.holdings;
  const Vector cash = in.cash.empty() ? Vector(n, 0.0) : in.cash;
  Vector debt = in.debt;

  Vector initial_equity(n, 0.0);
  Vector target(n, std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < n; ++i) {
    const double assets = cash[i] + holdings_value(units[i], in.prices);
    initial_equity[i] = assets - debt[i];
    if (!in.target_leverage.empty()) {
      target[i] = in.target_leverage[i];
    } else if (initial_equity[i] > 0.0) {
      target[i] = assets / initial_equity[i];
    }
  }

  FireSaleResult result;
  result.units_sold.assign(m, 0.0);
  std::vector<char> is_defaulted(n, 0);
  Vector prices = prices_after(in, result.units_sold);
  result.price_path = {in.prices, prices};

  for (;;) {
    // Decide every bank's sale at the prices of the start of the round, then
    // execute them together: the order of banks cannot matter.
    Vector sell_fraction(n, 0.0);
    bool any_sale = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (is_defaulted[i]) continue;
      const double risky = holdings_value(units[i], prices);
      const double assets = cash[i] + risky;
      const double equity = assets - debt[i];
      if (equity <= 0.0) {
        is_defaulted[i] = 1;
        sell_fraction[i] = 1.0;  // liquidation (Cifuentes et al. 2005)
      } else if (std::isfinite(target[i])) {
        const double excess = assets - target[i] * equity;
        if (excess > in.tolerance * assets && risky > 0.0) {
          sell_fraction[i] = std::min(1.0, excess / risky);
        }
      }
      if (sell_fraction[i] > 0.0 && risky > 0.0) any_sale = true;
    }
    if (!any_sale) break;
    if (result.rounds == in.max_rounds) {
      result.converged = false;
      break;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double f = sell_fraction[i];
      if (f == 0.0) continue;
      debt[i] -= f * holdings_value(units[i], prices);  // proceeds repay creditors
      for (std::size_t k = 0; k < m; ++k) {
        const double sold = f == 1.0 ? units[i][k] : f * units[i][k];
        result.units_sold[k] += sold;
        units[i][k] -= sold;
      }
    }
    prices = prices_after(in, result.units_sold);
    result.price_path.push_back(prices);
    ++result.rounds;
  }

  result.losses.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double final_equity = cash[i] + holdings_value(units[i], prices) - debt[i];
    result.losses[i] = initial_equity[i] - final_equity;
    if (is_defaulted[i]) result.defaulted.push_back(i);
  }
  result.holdings_after = std::move(units);
  return result;
}

}  // namespace pfsim::contagion
