// Fire sales through common asset holdings, in the leverage-targeting form of
//   Greenwood, R., Landier, A. & Thesmar, D. (2015). Vulnerable Banks.
//   Journal of Financial Economics 115(3), 471-485,
// with the insolvency liquidation and the optional exponential price impact of
//   Cifuentes, R., Ferrucci, G. & Shin, H. S. (2005). Liquidity Risk and
//   Contagion. Journal of the European Economic Association 3(2-3), 556-566.
//
// Bank i holds q_ik units of asset k (k < M), cash c_i and debt d_i; at
// prices P its assets are A_i = c_i + Σ_k q_ik P_k and its equity E_i = A_i − d_i.
// Prices: P_k = P0_k (1 − s_k) g_k(S_k), where s_k is the exogenous shock, S_k
// the units of asset k sold so far and g the price impact:
//   linear       g(S) = max(0, 1 − λ_k S)      (Greenwood et al. 2015)
//   exponential  g(S) = exp(−λ_k S)            (Cifuentes et al. 2005)
// Each round, at the current prices:
//   * a bank with E_i <= 0 defaults and liquidates all its holdings;
//   * a bank with A_i > ℓ_i E_i (ℓ_i: its target leverage, assets / equity)
//     sells the value x_i = A_i − ℓ_i E_i, pro rata across its holdings (at
//     most everything), and repays debt with the proceeds;
// then S grows by the units sold and prices move to their new level, marking
// every remaining holding to market for the next round. Rounds repeat until no
// bank sells more than `tolerance` × its assets.
#pragma once

#include <cstddef>
#include <vector>

#include "contagion/matrix.hpp"

namespace pfsim::contagion {

enum class PriceImpact { linear, exponential };

struct FireSaleInput {
  DenseMatrix holdings;  // n banks × M assets, units >= 0
  Vector prices;         // M pre-shock prices P0 > 0
  Vector cash;           // n, >= 0; empty = none
  Vector debt;           // n, >= 0
  Vector price_shock;    // M, fractional initial drop s_k in [0, 1]; empty = none
  Vector price_impact;   // M, λ_k >= 0 per unit sold
  PriceImpact impact_function = PriceImpact::linear;
  // n, each >= 1 (assets / equity). Empty = each bank's pre-shock leverage
  // A_i / E_i (Greenwood et al.: banks return to their initial leverage);
  // a bank with pre-shock equity <= 0 then gets no target and only defaults.
  Vector target_leverage;
  int max_rounds = 1000;
  double tolerance = 1e-9;
};

struct FireSaleResult {
  std::vector<Vector> price_path;      // P0, then the prices after the shock, then after each round
  Vector losses;                       // per bank: pre-shock equity − final equity
  std::vector<std::size_t> defaulted;  // banks that reached equity <= 0, increasing
  Vector units_sold;                   // per asset: S_k at the end
  DenseMatrix holdings_after;          // n × M units still held at the end
  int rounds = 0;                      // rounds in which something was sold
  bool converged = true;               // false when stopped by max_rounds
};

// Throws std::invalid_argument on malformed input.
[[nodiscard]] FireSaleResult fire_sale(const FireSaleInput& input);

}  // namespace pfsim::contagion
