// Furfine (2003) sequential defaults: a cascade worked by hand (our own
// example, not taken from the paper) and seeded properties.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include "contagion/furfine.hpp"
#include "test_support.hpp"

namespace pfsim::contagion {
namespace {

using Indices = std::vector<std::size_t>;

// Five banks, lgd = 1, bank 0 fails first (hand-worked):
//   0 owes 1: 5;  1 owes 2: 3 and 3: 4;  2 owes 4: 2;  3 owes 4: 3.
//   capital = (1, 4, 3, 5, 2).
// strict (loss > capital):
//   round 1: bank 1 loses 5 > 4 → fails. round 2: bank 2 loses 3 (not > 3),
//   bank 3 loses 4 (not > 5): stop. rounds = 1.
// inclusive (loss >= capital):
//   round 1: bank 1 fails (5 >= 4). round 2: bank 2 fails (3 >= 3), bank 3
//   does not (4 < 5). round 3: bank 4 loses 2 from bank 2 (2 >= 2) → fails.
//   round 4: nobody. rounds = 3.
// losses = exposures to the banks that failed by the end.
const DenseMatrix cascade = {
    {0, 5, 0, 0, 0}, {0, 0, 3, 4, 0}, {0, 0, 0, 0, 2}, {0, 0, 0, 0, 3}, {0, 0, 0, 0, 0}};
const Vector cascade_capital = {1, 4, 3, 5, 2};

TEST_CASE("furfine: hand-worked cascade, strict tie rule") {
  const FurfineResult r = furfine(cascade, cascade_capital, Indices{0}, 1.0, TieRule::strict);
  CHECK(r.defaulted == Indices{0, 1});
  CHECK(r.default_round == std::vector<int>{0, 1, -1, -1, -1});
  CHECK(r.rounds == 1);
  CHECK(r.losses == Vector{0, 5, 3, 4, 0});
}

TEST_CASE("furfine: hand-worked cascade, inclusive tie rule") {
  const FurfineResult r = furfine(cascade, cascade_capital, Indices{0}, 1.0, TieRule::inclusive);
  CHECK(r.defaulted == Indices{0, 1, 2, 4});
  CHECK(r.default_round == std::vector<int>{0, 1, 2, -1, 3});
  CHECK(r.rounds == 3);
  CHECK(r.losses == Vector{0, 5, 3, 4, 2});
}

TEST_CASE("furfine: loss given default scales the losses") {
  // lgd = 0.5: bank 1 loses 2.5 <= 4, the cascade stops at once.
  const FurfineResult r = furfine(cascade, cascade_capital, Indices{0}, 0.5, TieRule::inclusive);
  CHECK(r.defaulted == Indices{0});
  CHECK(r.rounds == 0);
  CHECK(r.losses == Vector{0, 2.5, 0, 0, 0});
}

TEST_CASE("furfine: an exact tie is decided on lgd x total exposure") {
  // Bank 2 is owed 2 by bank 0 and 4 by bank 1; lgd = 0.5 → loss exactly 3.
  const DenseMatrix l = {{0, 0, 2}, {0, 0, 4}, {0, 0, 0}};
  const Vector capital = {1, 1, 3};
  CHECK(furfine(l, capital, Indices{0, 1}, 0.5, TieRule::strict).defaulted == Indices{0, 1});
  const FurfineResult inclusive = furfine(l, capital, Indices{0, 1}, 0.5, TieRule::inclusive);
  CHECK(inclusive.defaulted == Indices{0, 1, 2});
  CHECK(inclusive.default_round == std::vector<int>{0, 0, 1});
}

TEST_CASE("furfine: a bank nobody hurt does not fail, even with zero capital") {
  const DenseMatrix l = {{0, 1, 0}, {0, 0, 0}, {0, 0, 0}};
  const FurfineResult r = furfine(l, Vector{0, 5, 0}, Indices{0}, 1.0, TieRule::inclusive);
  CHECK(r.defaulted == Indices{0});
  CHECK(r.default_round[2] == -1);
}

TEST_CASE("furfine: malformed input throws std::invalid_argument") {
  CHECK_THROWS_WITH_AS((void)furfine(cascade, cascade_capital, Indices{7}, 1.0, TieRule::strict),
                       doctest::Contains("initial_defaults[0]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)furfine(cascade, cascade_capital, Indices{1, 1}, 1.0, TieRule::strict),
                       doctest::Contains("listed twice"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)furfine(cascade, cascade_capital, Indices{0}, 1.5, TieRule::strict),
                       doctest::Contains("lgd"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)furfine(cascade, Vector{1, 2}, Indices{0}, 1.0, TieRule::strict),
                       doctest::Contains("capital: expected 5"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      (void)furfine(cascade, Vector{1, 2, 3, -4, 5}, Indices{0}, 1.0, TieRule::strict),
      doctest::Contains("capital[3]"), std::invalid_argument);
}

// Checks every bank's round against the rule, from the definition.
void check_consistent(const DenseMatrix& l, const Vector& capital, double lgd, TieRule tie,
                      const FurfineResult& r) {
  const std::size_t n = l.size();
  const auto fails = [&](double exposure, double cap) {
    const double loss = lgd * exposure;
    return tie == TieRule::strict ? loss > cap : (loss >= cap && loss > 0);
  };
  // Exposure of j to the banks that failed before round k.
  const auto exposure_before = [&](std::size_t j, int k) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i != j && r.default_round[i] >= 0 && r.default_round[i] < k) sum += l[i][j];
    }
    return sum;
  };
  int last_round = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const int k = r.default_round[j];
    last_round = std::max(last_round, k);
    if (k >= 1) {
      CHECK(fails(exposure_before(j, k), capital[j]));            // failed in round k ...
      CHECK_FALSE(fails(exposure_before(j, k - 1), capital[j]));  // ... and not earlier
    } else if (k < 0) {
      CHECK_FALSE(fails(exposure_before(j, static_cast<int>(n) + 1),
                        capital[j]));  // survivors withstand all losses
    }
    CHECK(r.losses[j] ==
          doctest::Approx(lgd * exposure_before(j, static_cast<int>(n) + 1)).epsilon(1e-12));
  }
  CHECK(r.rounds == last_round);
}

TEST_CASE("furfine: properties on random networks") {
  std::size_t contagion_seen = 0;
  for (const test::Topology topology :
       {test::Topology::erdos_renyi, test::Topology::scale_free, test::Topology::core_periphery}) {
    for (std::uint64_t seed = 1; seed <= 15; ++seed) {
      CAPTURE(test::name(topology));
      CAPTURE(seed);
      const std::size_t n = 60;
      const DenseMatrix l = dense_from_sparse(test::random_liabilities(topology, n, seed));
      test::Draws draws(seed + 1000);
      Vector capital(n);
      // Integer capitals make exact ties (loss == capital) likely.
      for (double& c : capital) c = std::floor(draws.uniform(2.0, 25.0));
      const Indices initial = {draws.index(n / 3), n / 3 + draws.index(n / 3)};
      const double lgd = draws.uniform(0.4, 1.0);

      const FurfineResult strict = furfine(l, capital, initial, lgd, TieRule::strict);
      const FurfineResult inclusive = furfine(l, capital, initial, lgd, TieRule::inclusive);
      check_consistent(l, capital, lgd, TieRule::strict, strict);
      check_consistent(l, capital, lgd, TieRule::inclusive, inclusive);
      contagion_seen += strict.defaulted.size() - initial.size();

      // "inclusive" fails at least the banks "strict" fails.
      CHECK(std::includes(inclusive.defaulted.begin(), inclusive.defaulted.end(),
                          strict.defaulted.begin(), strict.defaulted.end()));
      // A heavier loss given default never saves a bank.
      const FurfineResult heavier =
          furfine(l, capital, initial, std::min(1.0, lgd + 0.2), TieRule::strict);
      CHECK(std::includes(heavier.defaulted.begin(), heavier.defaulted.end(),
                          strict.defaulted.begin(), strict.defaulted.end()));
      // Dense and sparse inputs agree.
      const FurfineResult sparse =
          furfine(sparse_from_dense(l), capital, initial, lgd, TieRule::strict);
      CHECK(sparse.default_round == strict.default_round);
    }
  }
  CHECK(contagion_seen > 20);  // the cases do cascade
}

}  // namespace
}  // namespace pfsim::contagion
