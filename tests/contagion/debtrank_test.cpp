// DebtRank (Battiston et al. 2012; Bardoscia et al. 2015): small networks
// worked by hand from the update rules in debtrank.hpp (our own examples; we
// could not obtain the papers' toy-example numbers) and seeded properties.
#include <doctest/doctest.h>

#include <stdexcept>

#include "contagion/debtrank.hpp"
#include "test_support.hpp"

namespace pfsim::contagion {
namespace {

using Indices = std::vector<std::size_t>;

DebtRankOptions differential() {
  DebtRankOptions o;
  o.variant = DebtRankVariant::differential;
  return o;
}

// Chain 0 → 1 → 2 with W01 = 0.5, W12 = 0.4, h0 = (1, 0, 0), uniform weights.
// battiston2012: t=1 h=(1,0,0) s=(D,U,U); t=2 h1 = 0.5·1 → (1,0.5,0), s=(I,D,U);
//   t=3 h2 = 0.4·0.5 = 0.2, s=(I,I,D); t=4 node 2 has no debtors to hit,
//   s=(I,I,I): T = 4. DebtRank = (1 + 0.5 + 0.2)/3 − 1/3 = 0.7/3.
// differential: on a chain only new distress exists, so the same path:
//   Δh(1) = (1,0,0), Δh(2) = (0,0.5,0), Δh(3) = (0,0,0.2), Δh(4) = 0: T = 4.
TEST_CASE("debtrank: chain, both variants (hand-worked)") {
  const DenseMatrix w = {{0, 0.5, 0}, {0, 0, 0.4}, {0, 0, 0}};
  const Vector h0 = {1, 0, 0};
  for (const DebtRankOptions& options : {DebtRankOptions{}, differential()}) {
    const DebtRankResult r = debtrank(w, h0, {}, options);
    CHECK(r.h_final[0] == 1.0);
    CHECK(r.h_final[1] == doctest::Approx(0.5).epsilon(1e-15));
    CHECK(r.h_final[2] == doctest::Approx(0.2).epsilon(1e-15));
    CHECK(r.debtrank == doctest::Approx(0.7 / 3).epsilon(1e-14));
    CHECK(r.defaulted == Indices{0});
    CHECK(r.steps == 4);
  }
  // Weights (0, 1, 1) normalise to (0, 0.5, 0.5): DebtRank = 0.5·0.5 + 0.5·0.2.
  CHECK(debtrank(w, h0, Vector{0, 1, 1}).debtrank == doctest::Approx(0.35).epsilon(1e-14));
}

// Two banks exposed to each other, W01 = W10 = 0.5, h0 = (0.2, 0).
// battiston2012: t=2 h1 = 0.5·0.2 = 0.1 (0 turns inactive); t=3 bank 0, although
//   inactive, receives 0.5·0.1: h0 = 0.25; bank 1 turns inactive: T = 3.
//   h = (0.25, 0.1); DebtRank = (0.35 − 0.2)/2 = 0.075.
// differential: h(t+1) = min(1, h0 + Wᵀh(t)) in closed form (the increments
//   telescope), whose fixed point is h0 = 0.2 + 0.25 h0 → (4/15, 2/15):
//   DebtRank = (6/15 − 3/15)/2 = 0.1. The distress that comes back round the
//   cycle is what the original algorithm drops (Bardoscia et al. 2015's
//   motivation).
TEST_CASE("debtrank: a cycle is cut after one pass by battiston2012 but not by differential") {
  const DenseMatrix w = {{0, 0.5}, {0.5, 0}};
  const Vector h0 = {0.2, 0};
  const DebtRankResult original = debtrank(w, h0);
  CHECK(original.h_final[0] == doctest::Approx(0.25).epsilon(1e-15));
  CHECK(original.h_final[1] == doctest::Approx(0.1).epsilon(1e-15));
  CHECK(original.debtrank == doctest::Approx(0.075).epsilon(1e-14));
  CHECK(original.steps == 3);

  const DebtRankResult diff = debtrank(w, h0, {}, differential());
  CHECK(diff.h_final[0] == doctest::Approx(4.0 / 15).epsilon(1e-11));
  CHECK(diff.h_final[1] == doctest::Approx(2.0 / 15).epsilon(1e-11));
  CHECK(diff.debtrank == doctest::Approx(0.1).epsilon(1e-11));
  CHECK(diff.converged);
  CHECK(diff.steps > 10);  // geometric convergence at rate 0.25 per two steps
}

// From liabilities and equity: bank 0 owes bank 1 10, E = (5, 4), so
// W01 = 10/4 = 2.5. h0 = (0.5, 0).
// battiston2012 caps W at 1: h1 = 0.5, DebtRank = 0.25, nobody else defaults.
// differential does not cap: h1 = min(1, 2.5·0.5) = 1, a default;
//   DebtRank = (0.5 + 1)/2 − 0.25 = 0.5.
TEST_CASE("debtrank: impact from liabilities and equity, capped only by battiston2012") {
  const SparseMatrix impact =
      impact_from_liabilities(sparse_from_dense({{0, 10}, {0, 0}}), Vector{5, 4});
  CHECK(impact.at(0, 1) == 2.5);
  // Into a kept matrix that held a larger one (the month end's form): the same.
  SparseMatrix kept = sparse_from_dense({{0, 1, 1}, {1, 0, 1}, {1, 1, 0}});
  impact_from_liabilities(sparse_from_dense({{0, 10}, {0, 0}}), Vector{5, 4}, kept);
  CHECK(dense_from_sparse(kept) == dense_from_sparse(impact));
  const Vector h0 = {0.5, 0};
  const DebtRankResult original = debtrank(impact, h0);
  CHECK(original.h_final == Vector{0.5, 0.5});
  CHECK(original.debtrank == 0.25);
  CHECK(original.defaulted.empty());
  CHECK(original.steps == 3);
  const DebtRankResult diff = debtrank(impact, h0, {}, differential());
  CHECK(diff.h_final == Vector{0.5, 1.0});
  CHECK(diff.debtrank == 0.5);
  CHECK(diff.defaulted == Indices{1});
  CHECK(diff.steps == 3);
}

TEST_CASE("debtrank: no shock, no steps") {
  const DenseMatrix w = {{0, 1}, {1, 0}};
  for (const DebtRankOptions& options : {DebtRankOptions{}, differential()}) {
    const DebtRankResult r = debtrank(w, Vector{0, 0}, {}, options);
    CHECK(r.debtrank == 0.0);
    CHECK(r.steps == 1);
    CHECK(r.defaulted.empty());
  }
}

// DebtRank counts only the distress induced beyond the initial shock, so a
// shock large enough to saturate the network can LOWER it: with
// W01 = W10 = 1, h0 = (0.5, 0.5) drives both banks to 1 (DebtRank 0.5), but
// h0 = (1, 1) leaves nothing to induce (DebtRank 0). What is monotone in the
// shock is the final distress h(T) (see the property test below).
TEST_CASE("debtrank: the induced DebtRank is not monotone once the shock saturates") {
  const DenseMatrix w = {{0, 1}, {1, 0}};
  for (const DebtRankOptions& options : {DebtRankOptions{}, differential()}) {
    CHECK(debtrank(w, Vector{0.5, 0.5}, {}, options).debtrank == 0.5);
    CHECK(debtrank(w, Vector{1, 1}, {}, options).debtrank == 0.0);
  }
}

TEST_CASE("debtrank: differential stops at max_steps and says so") {
  const DenseMatrix w = {{0, 0.5}, {0.5, 0}};
  DebtRankOptions options = differential();
  options.max_steps = 5;
  const DebtRankResult r = debtrank(w, Vector{0.2, 0}, {}, options);
  CHECK(r.steps == 5);
  CHECK_FALSE(r.converged);
}

TEST_CASE("debtrank: malformed input throws std::invalid_argument") {
  const DenseMatrix w = {{0, 1}, {1, 0}};
  CHECK_THROWS_WITH_AS((void)debtrank(w, Vector{1.5, 0}), doctest::Contains("h0[0]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)debtrank(w, Vector{-0.1, 0}), doctest::Contains("h0[0]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)debtrank(w, Vector{1}), doctest::Contains("h0: expected 2"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)debtrank(w, Vector{1, 0}, Vector{0, 0}), doctest::Contains("weights"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)debtrank(DenseMatrix{{0, -1}, {1, 0}}, Vector{1, 0}),
                       doctest::Contains("impact_matrix[0][1]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)impact_from_liabilities(sparse_from_dense(w), Vector{1, 0}),
                       doctest::Contains("equity[1]"), std::invalid_argument);
}

// --- Properties on seeded random networks ----------------------------------

struct ImpactCase {
  SparseMatrix impact;
  Vector h0;
  Vector weights;
};

ImpactCase random_impact_case(test::Topology topology, std::uint64_t seed) {
  const std::size_t n = 50;
  const SparseMatrix l = test::random_liabilities(topology, n, seed);
  test::Draws draws(seed + 77);
  // Equity between half and twice a bank's interbank assets: some columns of
  // W sum above 1 (amplifying), some below.
  const SparseMatrix lt = transpose(l);
  Vector equity(n);
  for (std::size_t j = 0; j < n; ++j) equity[j] = draws.uniform(0.5, 2.0) * (lt.row_sum(j) + 1.0);
  ImpactCase c{impact_from_liabilities(l, equity), Vector(n, 0.0), Vector(n)};
  for (int k = 0; k < 4; ++k) c.h0[draws.index(n)] = draws.uniform(0.01, 0.3);
  for (double& v : c.weights) v = draws.uniform(0.0, 1.0);
  return c;
}

double total_distress(const DebtRankResult& r, const Vector& weights) {
  double s = 0, w = 0;
  for (std::size_t j = 0; j < weights.size(); ++j) {
    s += weights[j] * r.h_final[j];
    w += weights[j];
  }
  return s / w;
}

TEST_CASE("debtrank: properties on random networks") {
  int linear_cases = 0;
  for (const test::Topology topology :
       {test::Topology::erdos_renyi, test::Topology::scale_free, test::Topology::core_periphery}) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      CAPTURE(test::name(topology));
      CAPTURE(seed);
      const ImpactCase c = random_impact_case(topology, seed);
      const DebtRankResult original = debtrank(c.impact, c.h0, c.weights);
      const DebtRankResult diff = debtrank(c.impact, c.h0, c.weights, differential());
      REQUIRE(diff.converged);

      for (const DebtRankResult* r : {&original, &diff}) {
        CHECK(r->debtrank >= 0.0);
        CHECK(r->debtrank <= 1.0);
        for (std::size_t j = 0; j < c.h0.size(); ++j) {
          CHECK(r->h_final[j] >= c.h0[j]);
          CHECK(r->h_final[j] <= 1.0);
          CHECK((r->h_final[j] == 1.0) ==
                std::binary_search(r->defaulted.begin(), r->defaulted.end(), j));
        }
      }
      // The original propagates each node once with W capped at 1, so it
      // never finds more distress than the differential variant.
      for (std::size_t j = 0; j < c.h0.size(); ++j)
        CHECK(original.h_final[j] <= diff.h_final[j] + 1e-12);
      // The differential limit is the fixed point h = min(1, h0 + Wᵀh).
      const DenseMatrix w = dense_from_sparse(c.impact);
      for (std::size_t j = 0; j < c.h0.size(); ++j) {
        double in = c.h0[j];
        for (std::size_t i = 0; i < c.h0.size(); ++i) in += w[i][j] * diff.h_final[i];
        CHECK(diff.h_final[j] == doctest::Approx(std::min(1.0, in)).epsilon(1e-9));
      }

      // Scaling the shock up never lowers the final distress, node by node.
      for (const double factor : {1.5, 3.0}) {
        Vector bigger = c.h0;
        for (double& h : bigger) h = std::min(1.0, h * factor);
        const DebtRankResult original_big = debtrank(c.impact, bigger, c.weights);
        const DebtRankResult diff_big = debtrank(c.impact, bigger, c.weights, differential());
        for (std::size_t j = 0; j < c.h0.size(); ++j) {
          CHECK(original_big.h_final[j] >= original.h_final[j]);
          CHECK(diff_big.h_final[j] >= diff.h_final[j] - 1e-10);
        }
        CHECK(total_distress(original_big, c.weights) >= total_distress(original, c.weights));
      }

      // Below saturation the battiston2012 dynamics are linear in h0, so the
      // induced DebtRank itself scales with the shock (and is monotone).
      Vector small = c.h0;
      for (double& h : small) h *= 0.01;
      const DebtRankResult small_run = debtrank(c.impact, small, c.weights);
      Vector doubled = small;
      for (double& h : doubled) h *= 2.0;
      const DebtRankResult doubled_run = debtrank(c.impact, doubled, c.weights);
      if (doubled_run.defaulted.empty()) {
        ++linear_cases;
        CHECK(doubled_run.debtrank == doctest::Approx(2.0 * small_run.debtrank).epsilon(1e-12));
        CHECK(doubled_run.debtrank >= small_run.debtrank);
      }
    }
  }
  CHECK(linear_cases > 20);
}

// The engine measures DebtRank for every bank at every month end with one kept
// workspace: the value must be debtrank()'s, bit for bit, whatever the
// workspace held before (a larger network, the other variant, other weights).
TEST_CASE("debtrank: debtrank_value in a reused workspace gives debtrank()'s value exactly") {
  DebtRankWorkspace work;
  for (const test::Topology topology :
       {test::Topology::erdos_renyi, test::Topology::scale_free, test::Topology::core_periphery}) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      CAPTURE(test::name(topology));
      CAPTURE(seed);
      const ImpactCase c = random_impact_case(topology, seed);
      for (const DebtRankOptions& options : {DebtRankOptions{}, differential()}) {
        CHECK(debtrank_value(c.impact, c.h0, work, c.weights, options) ==
              debtrank(c.impact, c.h0, c.weights, options).debtrank);
        CHECK(debtrank_value(c.impact, c.h0, work, {}, options) ==
              debtrank(c.impact, c.h0, {}, options).debtrank);
      }
    }
  }
  // A smaller network after the 50-bank ones: the chain worked by hand above.
  const SparseMatrix chain = sparse_from_dense({{0, 0.5, 0}, {0, 0, 0.4}, {0, 0, 0}});
  const Vector h0 = {1, 0, 0};
  CHECK(debtrank_value(chain, h0, work) == doctest::Approx(0.7 / 3).epsilon(1e-14));
  CHECK(debtrank_value(chain, h0, work, {}, differential()) ==
        debtrank(chain, h0, {}, differential()).debtrank);
  // Bad input is refused as by debtrank().
  CHECK_THROWS_AS((void)debtrank_value(chain, Vector{1, 0}, work), std::invalid_argument);
  CHECK_THROWS_AS((void)debtrank_value(chain, Vector{1.5, 0, 0}, work), std::invalid_argument);
}

}  // namespace
}  // namespace pfsim::contagion
