// Fire sales with leverage targeting: a first round worked by hand (our own
// example, not one from Greenwood et al. 2015 or Cifuentes et al. 2005) and
// properties of the full spiral.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "contagion/fire_sale.hpp"
#include "test_support.hpp"

namespace pfsim::contagion {
namespace {

// One asset at P0 = 1. Bank 0: 100 units, debt 90 (A = 100, E = 10, leverage 10).
// Bank 1: 50 units, cash 50, debt 80 (A = 100, E = 20, leverage 5).
// Targets = initial leverage. Shock 5%: P = 0.95. Impact λ = 0.001 per unit.
// Round 1, at P = 0.95:
//   bank 0: A = 95, E = 5, excess = 95 − 10·5 = 45 of risky 95 → sells
//     100·45/95 = 900/19 units, debt 90 − 45 = 45.
//   bank 1: A = 97.5, E = 17.5, excess = 97.5 − 5·17.5 = 10 of risky 47.5 →
//     sells 50·10/47.5 = 200/19 units, debt 70.
//   S = 1100/19 → P = 0.95 (1 − 0.001·1100/19) = 0.95·17.9/19 = 0.895.
// Marked at 0.895: bank 0 holds 1000/19 units worth 895/19, E = 40/19, loss
// 10 − 40/19 = 150/19; bank 1 holds 750/19 units, E = 50 + 671.25/19 − 70,
// loss 20 − that = 88.75/19.
FireSaleInput two_banks() {
  FireSaleInput in;
  in.holdings = {{100}, {50}};
  in.prices = {1.0};
  in.cash = {0, 50};
  in.debt = {90, 80};
  in.price_shock = {0.05};
  in.price_impact = {0.001};
  return in;
}

TEST_CASE("fire_sale: first round (hand-worked)") {
  FireSaleInput in = two_banks();
  in.max_rounds = 1;
  const FireSaleResult r = fire_sale(in);
  REQUIRE(r.price_path.size() == 3);
  CHECK(r.price_path[0][0] == 1.0);
  CHECK(r.price_path[1][0] == 0.95);
  CHECK(r.price_path[2][0] == doctest::Approx(0.895).epsilon(1e-14));
  CHECK(r.units_sold[0] == doctest::Approx(1100.0 / 19).epsilon(1e-14));
  CHECK(r.losses[0] == doctest::Approx(150.0 / 19).epsilon(1e-13));
  CHECK(r.losses[1] == doctest::Approx(88.75 / 19).epsilon(1e-13));
  CHECK(r.rounds == 1);
  CHECK_FALSE(r.converged);  // the spiral wanted another round
  CHECK(r.defaulted.empty());
}

TEST_CASE("fire_sale: exponential impact (Cifuentes et al. 2005 form)") {
  FireSaleInput in = two_banks();
  in.max_rounds = 1;
  in.impact_function = PriceImpact::exponential;
  const FireSaleResult r = fire_sale(in);
  // Same round-1 sales (decided at P = 0.95); only the price response differs.
  CHECK(r.units_sold[0] == doctest::Approx(1100.0 / 19).epsilon(1e-14));
  CHECK(r.price_path[2][0] ==
        doctest::Approx(0.95 * std::exp(-0.001 * 1100.0 / 19)).epsilon(1e-14));
}

TEST_CASE("fire_sale: the spiral runs to a fixed point") {
  const FireSaleResult r = fire_sale(two_banks());
  CHECK(r.converged);
  CHECK(r.rounds > 3);
  for (std::size_t t = 1; t < r.price_path.size(); ++t)
    CHECK(r.price_path[t][0] <= r.price_path[t - 1][0]);
  // The fire sale adds losses to the direct 5% shock (5 for bank 0, 2.5 for bank 1).
  CHECK(r.losses[0] > 150.0 / 19);
  CHECK(r.losses[1] > 88.75 / 19);
}

TEST_CASE("fire_sale: without price impact, banks deleverage once and stop") {
  FireSaleInput in = two_banks();
  in.price_impact = {0.0};
  const FireSaleResult r = fire_sale(in);
  CHECK(r.rounds == 1);
  CHECK(r.converged);
  CHECK(r.losses[0] == doctest::Approx(5.0).epsilon(1e-14));  // direct loss only: 100 × 0.05
  CHECK(r.losses[1] == doctest::Approx(2.5).epsilon(1e-14));
}

TEST_CASE("fire_sale: an insolvent bank liquidates everything") {
  FireSaleInput in;
  in.holdings = {{100, 0}, {10, 10}};
  in.prices = {1.0, 2.0};
  in.debt = {97, 20};
  in.price_shock = {0.05, 0.0};  // bank 0: A = 95 < 97
  in.price_impact = {0.0, 0.0};
  in.target_leverage = {100, 100};
  const FireSaleResult r = fire_sale(in);
  CHECK(r.defaulted == std::vector<std::size_t>{0});
  CHECK(r.units_sold == Vector{100, 0});
  CHECK(r.losses[0] == doctest::Approx(5.0).epsilon(1e-14));  // E goes from 3 to −2
}

TEST_CASE("fire_sale: malformed input throws std::invalid_argument") {
  FireSaleInput in = two_banks();
  in.holdings = {{100, 1}, {50}};
  CHECK_THROWS_WITH_AS((void)fire_sale(in), doctest::Contains("holdings[0]"),
                       std::invalid_argument);
  in = two_banks();
  in.prices = {0.0};
  CHECK_THROWS_WITH_AS((void)fire_sale(in), doctest::Contains("prices[0]"), std::invalid_argument);
  in = two_banks();
  in.price_shock = {1.5};
  CHECK_THROWS_WITH_AS((void)fire_sale(in), doctest::Contains("price_shock[0]"),
                       std::invalid_argument);
  in = two_banks();
  in.target_leverage = {0.5, 2};
  CHECK_THROWS_WITH_AS((void)fire_sale(in), doctest::Contains("target_leverage[0]"),
                       std::invalid_argument);
  in = two_banks();
  in.debt = {1};
  CHECK_THROWS_WITH_AS((void)fire_sale(in), doctest::Contains("debt: expected 2"),
                       std::invalid_argument);
}

TEST_CASE("fire_sale: properties on random portfolios") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    test::Draws draws(seed);
    const std::size_t banks = 30;
    const std::size_t assets = 5;
    FireSaleInput in;
    in.prices.assign(assets, 0.0);
    for (double& p : in.prices) p = draws.uniform(0.5, 2.0);
    in.holdings.assign(banks, Vector(assets, 0.0));
    for (std::size_t i = 0; i < banks; ++i) {
      double value = 0;
      for (std::size_t k = 0; k < assets; ++k) {
        in.holdings[i][k] = draws.uniform() < 0.6 ? draws.uniform(0, 100) : 0.0;
        value += in.holdings[i][k] * in.prices[k];
      }
      in.cash.push_back(draws.uniform(0, 20));
      in.debt.push_back((value + in.cash.back()) * draws.uniform(0.85, 0.98));
    }
    in.price_shock.assign(assets, 0.0);
    in.price_shock[draws.index(assets)] = draws.uniform(0.02, 0.15);
    for (std::size_t k = 0; k < assets; ++k) in.price_impact.push_back(draws.uniform(0.0, 2e-4));
    in.impact_function = seed % 2 == 0 ? PriceImpact::linear : PriceImpact::exponential;

    const FireSaleResult r = fire_sale(in);
    CHECK(r.converged);
    for (std::size_t t = 1; t < r.price_path.size(); ++t) {
      for (std::size_t k = 0; k < assets; ++k) CHECK(r.price_path[t][k] <= r.price_path[t - 1][k]);
    }
    // Sold at most what was held, and losses are never gains (prices only fall).
    for (std::size_t k = 0; k < assets; ++k) {
      double held = 0;
      for (std::size_t i = 0; i < banks; ++i) held += in.holdings[i][k];
      CHECK(r.units_sold[k] <= held * (1 + 1e-12));
    }
    // Every bank loses at least the direct loss of the shock, q·P0·s: it
    // sells at prices at or below the shocked ones, and the rest of its
    // holdings ends at or below them too.
    for (std::size_t i = 0; i < banks; ++i) {
      double direct = 0;
      for (std::size_t k = 0; k < assets; ++k)
        direct += in.holdings[i][k] * in.prices[k] * in.price_shock[k];
      CHECK(r.losses[i] >= direct - 1e-9 * (1 + direct));
    }
    // Without a shock nothing moves (the banks start at their target leverage).
    FireSaleInput calm = in;
    calm.price_shock.assign(assets, 0.0);
    const FireSaleResult c = fire_sale(calm);
    CHECK(c.rounds == 0);
    for (const double loss : c.losses) CHECK(loss == 0.0);
  }
}

}  // namespace
}  // namespace pfsim::contagion
