// Eisenberg-Noe (2001) and Rogers-Veraart (2013) clearing: hand-worked
// examples and seeded property tests against an independent Picard iteration.
//
// About the examples: we could not obtain the exact numbers of the small
// examples printed in Eisenberg & Noe (2001), Rogers & Veraart (2013) or
// Glasserman & Young (2016, J. Econ. Literature 54(3)), so every example
// below is our own, worked by hand in the comments from the model's
// definitions (eisenberg_noe.hpp). None of them is quoted from a paper.
#include <doctest/doctest.h>

#include <stdexcept>

#include "contagion/eisenberg_noe.hpp"
#include "test_support.hpp"

namespace pfsim::contagion {
namespace {

using test::max_abs_diff;
using test::Topology;

// Three banks in a ring, hand-worked:
//   L = [[0, 10, 0], [0, 0, 10], [4, 0, 0]]  (0 owes 1 ten, 1 owes 2 ten, 2 owes 0 four)
//   e = (2, 3, 1), no external liabilities; p̄ = (10, 10, 4).
// Pass 1 (p = p̄): cash = e + receipts = (2+4, 3+10, 1+10) = (6, 13, 11);
//   bank 0 has 6 < 10: D = {0}. Solve p0 = e0 + p2 = 2 + 4 = 6.
// Pass 2: cash of bank 1 = 3 + 6 = 9 < 10: D = {0, 1}. Solve p0 = 2 + 4 = 6,
//   p1 = 3 + p0 = 9.
// Pass 3: bank 2 has 1 + 9 = 10 >= 4: D unchanged, stop. iterations = 3.
// equity = e + Πᵀp − p = (2+4−6, 3+6−9, 1+9−4) = (0, 0, 6);
// net_worth = e + Πᵀp − p̄ = (−4, −1, 6).
TEST_CASE("eisenberg_noe: three-bank ring defaults in two waves (hand-worked)") {
  const DenseMatrix l = {{0, 10, 0}, {0, 0, 10}, {4, 0, 0}};
  const Vector e = {2, 3, 1};
  const ClearingResult r = eisenberg_noe(l, e);
  CHECK(r.payments == Vector{6, 9, 4});
  CHECK(r.defaulted == std::vector<std::size_t>{0, 1});
  CHECK(r.equity == Vector{0, 0, 6});
  CHECK(r.net_worth == Vector{-4, -1, 6});
  CHECK(r.iterations == 3);
}

// Two banks with external creditors ranking pari passu, hand-worked:
//   L = [[0, 6], [2, 0]], el = (4, 3), e = (5, e1); p̄ = (10, 5);
//   Π = [[0, 0.6], [0.4, 0]] (bank 0 pays 60% of what it pays to bank 1).
// (a) e1 = 1. Pass 1: cash0 = 5 + 2 = 7 < 10 → D = {0}; cash1 = 1 + 6 = 7 >= 5.
//     p0 = 5 + 0.4·5 = 7. Pass 2: cash1 = 1 + 0.6·7 = 5.2 >= 5, stop.
//     p = (7, 5); equity = (0, 0.2); net_worth = (−3, 0.2); iterations = 2.
// (b) e1 = 0.5. As in (a) until pass 2: cash1 = 0.5 + 4.2 = 4.7 < 5 → D = {0, 1}:
//     p0 = 5 + 0.4 p1, p1 = 0.5 + 0.6 p0 ⇒ p0 = 5.2 / 0.76 = 130/19,
//     p1 = 175/38. Pass 3 adds nobody: iterations = 3.
//     net_worth = (130/19 − 10, 175/38 − 5) = (−60/19, −15/38).
TEST_CASE("eisenberg_noe: external liabilities are paid pari passu (hand-worked)") {
  const DenseMatrix l = {{0, 6}, {2, 0}};
  const Vector el = {4, 3};
  SUBCASE("one default") {
    const ClearingResult r = eisenberg_noe(l, Vector{5, 1}, el);
    CHECK(r.payments[0] == doctest::Approx(7).epsilon(1e-14));
    CHECK(r.payments[1] == 5);
    CHECK(r.defaulted == std::vector<std::size_t>{0});
    CHECK(r.equity[0] == 0);
    CHECK(r.equity[1] == doctest::Approx(0.2).epsilon(1e-12));
    CHECK(r.net_worth[0] == doctest::Approx(-3).epsilon(1e-14));
    CHECK(r.net_worth[1] == doctest::Approx(0.2).epsilon(1e-12));
    CHECK(r.iterations == 2);
  }
  SUBCASE("both default: a 2 x 2 system") {
    const ClearingResult r = eisenberg_noe(l, Vector{5, 0.5}, el);
    CHECK(r.payments[0] == doctest::Approx(130.0 / 19.0).epsilon(1e-14));
    CHECK(r.payments[1] == doctest::Approx(175.0 / 38.0).epsilon(1e-14));
    CHECK(r.defaulted == std::vector<std::size_t>{0, 1});
    CHECK(r.equity == Vector{0, 0});
    CHECK(r.net_worth[0] == doctest::Approx(-60.0 / 19.0).epsilon(1e-13));
    CHECK(r.net_worth[1] == doctest::Approx(-15.0 / 38.0).epsilon(1e-13));
    CHECK(r.iterations == 3);
    // Value conservation: e = 5.5 reaches external creditors in full,
    // 0.4·130/19 + 0.6·175/38 = 209/38 = 5.5.
    CHECK(0.4 * r.payments[0] + 0.6 * r.payments[1] == doctest::Approx(5.5).epsilon(1e-14));
  }
}

TEST_CASE("eisenberg_noe: cash exactly equal to obligations is solvent") {
  // Bank 0 has 5 and owes 5; bank 1 owes 3 to bank 0 and has exactly 3.
  const DenseMatrix l = {{0, 5}, {3, 0}};
  const ClearingResult r = eisenberg_noe(l, Vector{2, 0});
  // cash0 = 2 + 3 = 5 = p̄0, cash1 = 0 + 5 = 5 >= 3.
  CHECK(r.defaulted.empty());
  CHECK(r.payments == Vector{5, 3});
  CHECK(r.equity == Vector{0, 2});
  CHECK(r.iterations == 1);
}

// Two banks owing each other 1 with no outside assets: every p = (x, x),
// x ∈ [0, 1], is a clearing vector (Eisenberg & Noe need a regularity
// condition for uniqueness, which this network fails). The greatest one is
// (1, 1) with no default — and only the rule "equality is solvent" gives it.
TEST_CASE("eisenberg_noe: picks the greatest of many clearing vectors") {
  const DenseMatrix l = {{0, 1}, {1, 0}};
  const ClearingResult r = eisenberg_noe(l, Vector{0, 0});
  CHECK(r.payments == Vector{1, 1});
  CHECK(r.defaulted.empty());
  // Rounding in a ring of decimal amounts must not start a spurious default:
  // receipts (0.3, 0.1 + 0.2, 0.2) cover p̄ = (0.1 + 0.2, 0.3, 0.2) exactly in
  // real numbers, but in binary floating point 0.1 + 0.2 > 0.3, so bank 0
  // would look short by 1 ulp without the solvency tolerance.
  const DenseMatrix decimals = {{0, 0.1, 0.2}, {0.3, 0, 0}, {0, 0.2, 0}};
  const ClearingResult d = eisenberg_noe(decimals, Vector{0, 0, 0});
  CHECK(d.defaulted.empty());
}

TEST_CASE("eisenberg_noe: the diagonal is ignored and a bank with no debts never defaults") {
  const DenseMatrix with_diagonal = {{100, 10}, {0, 7}};
  const DenseMatrix without = {{0, 10}, {0, 0}};
  const ClearingResult a = eisenberg_noe(with_diagonal, Vector{4, 0});
  const ClearingResult b = eisenberg_noe(without, Vector{4, 0});
  CHECK(a.payments == b.payments);
  CHECK(a.payments == Vector{4, 0});
  CHECK(a.defaulted == std::vector<std::size_t>{0});
  CHECK(a.equity == Vector{0, 4});
}

// Rogers & Veraart (2013) costs on the two-bank network above, hand-worked,
// α = β = 0.5, e = (5, 1), el = (4, 3):
// Pass 1: cash0 = 7 < 10 → D = {0}; p0 = α·5 + β·Π10·p̄1 = 2.5 + 0.5·2 = 3.5.
// Pass 2: cash1 = 1 + 0.6·3.5 = 3.1 < 5 → D = {0, 1}:
//   p0 = 2.5 + 0.2 p1, p1 = 0.5 + 0.3 p0 ⇒ p0 = 2.6/0.94 = 130/47, p1 = 125/94.
// Pass 3: nobody new; iterations = 3. Without costs bank 1 survived (case (a)
// above): the default costs of bank 0 bring bank 1 down.
// Value lost: bank 0: cash − p0 = 5 + 0.4·125/94 − 130/47 = 130/47;
//             bank 1: 1 + 0.6·130/47 − 125/94 = 125/94.
// Conservation: Σe = 6 = external payments (0.4·130/47 + 0.6·125/94 = 179/94)
//   + equity (0) + costs (385/94).
TEST_CASE("rogers_veraart: bankruptcy costs spread defaults (hand-worked)") {
  const DenseMatrix l = {{0, 6}, {2, 0}};
  const Vector e = {5, 1};
  const Vector el = {4, 3};
  const ClearingResult r = rogers_veraart(l, e, el, {0.5, 0.5});
  CHECK(r.payments[0] == doctest::Approx(130.0 / 47.0).epsilon(1e-14));
  CHECK(r.payments[1] == doctest::Approx(125.0 / 94.0).epsilon(1e-14));
  CHECK(r.defaulted == std::vector<std::size_t>{0, 1});
  CHECK(r.iterations == 3);
  CHECK(r.equity == Vector{0, 0});
  CHECK(r.bankruptcy_costs[0] == doctest::Approx(130.0 / 47.0).epsilon(1e-13));
  CHECK(r.bankruptcy_costs[1] == doctest::Approx(125.0 / 94.0).epsilon(1e-13));
  CHECK(r.net_worth[0] == doctest::Approx(-210.0 / 47.0).epsilon(1e-13));
  CHECK(r.net_worth[1] == doctest::Approx(-110.0 / 47.0).epsilon(1e-13));
  const double external_paid = 0.4 * r.payments[0] + 0.6 * r.payments[1];
  CHECK(external_paid + r.bankruptcy_costs[0] + r.bankruptcy_costs[1] ==
        doctest::Approx(6.0).epsilon(1e-14));

  const ClearingResult no_cost = rogers_veraart(l, e, el, {1.0, 1.0});
  const ClearingResult en = eisenberg_noe(l, e, el);
  CHECK(no_cost.payments == en.payments);
  CHECK(no_cost.defaulted == std::vector<std::size_t>{0});
}

// With α = 0 a defaulting bank's outside assets are lost entirely (β = 1
// keeps its receipts whole), so bank 0 can pay only what it receives.
TEST_CASE("rogers_veraart: alpha = 0 leaves a defaulted bank only its receipts") {
  const DenseMatrix l = {{0, 10}, {5, 0}};
  const ClearingResult r = rogers_veraart(l, Vector{4, 1}, {}, {0.0, 1.0});
  // cash0 = 4 + 5 = 9 < 10 → default, p0 = 0·4 + 1·5 = 5; cash1 = 1 + 5 = 6 >= 5.
  CHECK(r.payments == Vector{5, 5});
  CHECK(r.defaulted == std::vector<std::size_t>{0});
  CHECK(r.bankruptcy_costs == Vector{4, 0});
  CHECK(r.equity == Vector{0, 1});
}

TEST_CASE("eisenberg_noe: malformed input throws std::invalid_argument") {
  const DenseMatrix l = {{0, 1}, {1, 0}};
  CHECK_THROWS_WITH_AS((void)eisenberg_noe(DenseMatrix{{0, 1}, {1}}, Vector{1, 1}),
                       doctest::Contains("liabilities[1]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)eisenberg_noe(l, Vector{1}),
                       doctest::Contains("external_assets: expected 2"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)eisenberg_noe(l, Vector{1, -1}),
                       doctest::Contains("external_assets[1]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)eisenberg_noe(l, Vector{1, 1}, Vector{1, 2, 3}),
                       doctest::Contains("external_liabilities: expected 2"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)eisenberg_noe(DenseMatrix{{0, std::nan("")}, {1, 0}}, Vector{1, 1}),
                       doctest::Contains("liabilities[0][1]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rogers_veraart(l, Vector{1, 1}, {}, {1.5, 1.0}),
                       doctest::Contains("bankruptcy_costs.alpha"), std::invalid_argument);
}

TEST_CASE("eisenberg_noe: empty network") {
  const ClearingResult r = eisenberg_noe(DenseMatrix{}, Vector{});
  CHECK(r.payments.empty());
  CHECK(r.defaulted.empty());
  CHECK(r.iterations == 1);
}

// --- Properties on seeded random networks ----------------------------------

TEST_CASE("eisenberg_noe: properties on random networks") {
  const std::size_t banks = 48;
  std::size_t defaults_seen = 0;
  for (const Topology topology :
       {Topology::erdos_renyi, Topology::scale_free, Topology::core_periphery}) {
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
      CAPTURE(test::name(topology));
      CAPTURE(seed);
      const test::ClearingCase c = test::random_clearing_case(topology, banks, seed);
      const ClearingResult r =
          eisenberg_noe(c.liabilities, c.external_assets, c.external_liabilities);
      const Vector pbar = test::total_obligations(c.liabilities, c.external_liabilities);
      defaults_seen += r.defaulted.size();

      // 0 <= p <= p̄, and "defaulted" is exactly {i : p_i < p̄_i}.
      std::vector<std::size_t> short_payers;
      for (std::size_t i = 0; i < banks; ++i) {
        CHECK(r.payments[i] >= 0.0);
        CHECK(r.payments[i] <= pbar[i]);
        if (r.payments[i] < pbar[i]) short_payers.push_back(i);
      }
      CHECK(short_payers == r.defaulted);

      // A fixed point of Φ.
      const Vector image = test::clearing_map(c.liabilities, c.external_assets, pbar, r.payments);
      for (std::size_t i = 0; i < banks; ++i)
        CHECK(image[i] == doctest::Approx(r.payments[i]).epsilon(1e-9));

      // The greatest one: Picard iteration from p̄ stays above every fixed
      // point and converges to the greatest.
      const Vector greatest =
          test::picard_greatest(c.liabilities, c.external_assets, c.external_liabilities);
      for (std::size_t i = 0; i < banks; ++i) {
        CHECK(r.payments[i] == doctest::Approx(greatest[i]).epsilon(1e-9).scale(1 + pbar[i]));
      }

      // No larger vector is a fixed point: raise the payments of defaulted
      // banks towards p̄ and Φ pulls them back.
      test::Draws draws(seed * 7919 + 17);
      for (int trial = 0; trial < 20 && !r.defaulted.empty(); ++trial) {
        Vector larger = r.payments;
        const std::size_t i = r.defaulted[draws.index(r.defaulted.size())];
        larger[i] += draws.uniform(0.01, 1.0) * (pbar[i] - r.payments[i]);
        const Vector moved = test::clearing_map(c.liabilities, c.external_assets, pbar, larger);
        CHECK(max_abs_diff(moved, larger) > 1e-9);
      }

      // Value conservation: the outside assets end up with outside
      // creditors or as equity (interbank payments net out):
      //   Σ e_i = Σ p_i el_i / p̄_i + Σ equity_i.
      double external_paid = 0.0;
      for (std::size_t i = 0; i < banks; ++i) {
        if (pbar[i] > 0) external_paid += r.payments[i] * c.external_liabilities[i] / pbar[i];
      }
      CHECK(external_paid + test::sum(r.equity) ==
            doctest::Approx(test::sum(c.external_assets)).epsilon(1e-9));
      // And bank by bank: equity = e + Πᵀp − p, net_worth = e + Πᵀp − p̄.
      const Vector receipts = test::receipts_reference(c.liabilities, pbar, r.payments);
      for (std::size_t i = 0; i < banks; ++i) {
        CHECK(r.equity[i] == doctest::Approx(c.external_assets[i] + receipts[i] - r.payments[i])
                                 .epsilon(1e-9)
                                 .scale(1 + pbar[i]));
        CHECK(r.net_worth[i] == doctest::Approx(c.external_assets[i] + receipts[i] - pbar[i])
                                    .epsilon(1e-9)
                                    .scale(1 + pbar[i]));
      }
      CHECK(r.iterations <= static_cast<int>(banks) + 1);

      // The dense and sparse entry points agree exactly.
      const ClearingResult dense = eisenberg_noe(dense_from_sparse(c.liabilities),
                                                 c.external_assets, c.external_liabilities);
      CHECK(dense.payments == r.payments);
    }
  }
  // The generated cases must exercise defaults, or the checks above are idle.
  CHECK(defaults_seen > 100);
}

TEST_CASE("rogers_veraart: properties on random networks") {
  const std::size_t banks = 40;
  for (const Topology topology :
       {Topology::erdos_renyi, Topology::scale_free, Topology::core_periphery}) {
    for (std::uint64_t seed = 100; seed < 108; ++seed) {
      CAPTURE(test::name(topology));
      CAPTURE(seed);
      const test::ClearingCase c = test::random_clearing_case(topology, banks, seed, 0.9);
      test::Draws draws(seed);
      const BankruptcyCosts costs{draws.uniform(0.3, 1.0), draws.uniform(0.3, 1.0)};
      CAPTURE(costs.alpha);
      CAPTURE(costs.beta);
      const ClearingResult r =
          rogers_veraart(c.liabilities, c.external_assets, c.external_liabilities, costs);
      const ClearingResult en =
          eisenberg_noe(c.liabilities, c.external_assets, c.external_liabilities);
      const Vector pbar = test::total_obligations(c.liabilities, c.external_liabilities);

      const Vector greatest = test::picard_greatest(
          c.liabilities, c.external_assets, c.external_liabilities, costs.alpha, costs.beta);
      double external_paid = 0.0;
      for (std::size_t i = 0; i < banks; ++i) {
        CHECK(r.payments[i] == doctest::Approx(greatest[i]).epsilon(1e-9).scale(1 + pbar[i]));
        // Costs only destroy value: nobody pays more than without them.
        CHECK(r.payments[i] <= en.payments[i] + 1e-9 * (1 + pbar[i]));
        external_paid += r.payments[i] * c.external_liabilities[i] / pbar[i];
      }
      CHECK(std::includes(r.defaulted.begin(), r.defaulted.end(), en.defaulted.begin(),
                          en.defaulted.end()));
      CHECK(external_paid + test::sum(r.equity) + test::sum(r.bankruptcy_costs) ==
            doctest::Approx(test::sum(c.external_assets)).epsilon(1e-9));
    }
  }
}

}  // namespace
}  // namespace pfsim::contagion
