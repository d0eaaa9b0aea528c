// DebtRank, Battiston et al. (2012) and Bardoscia et al. (2015) variants (see
// debtrank.hpp). Both sweep only the rows of nodes that pass distress on, so a
// step costs O(exposures of the active nodes).
#include "contagion/debtrank.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "contagion/validate.hpp"

namespace pfsim::contagion {

namespace {

enum class State : unsigned char { undistressed, distressed, inactive };

Vector normalised_weights(std::span<const double> weights, std::size_t n) {
  if (weights.empty()) return Vector(n, n == 0 ? 0.0 : 1.0 / static_cast<double>(n));
  require_length(weights, n, "weights", "bank");
  require_each_non_negative(weights, "weights");
  double total = 0.0;
  for (const double w : weights) total += w;
  if (!(total > 0.0) || !std::isfinite(total)) {
    fail_input("weights: expected a finite, positive sum, found " + format_number(total));
  }
  Vector v(weights.begin(), weights.end());
  for (double& w : v) w /= total;
  return v;
}

void check_options(const DebtRankOptions& options) {
  if (!(options.tolerance >= 0.0) || !std::isfinite(options.tolerance)) {
    fail_input("tolerance: expected a finite number >= 0, found " +
               format_number(options.tolerance));
  }
  if (options.max_steps < 1) {
    fail_input("max_steps: expected an integer >= 1, found " + std::to_string(options.max_steps));
  }
}

// Battiston et al. (2012): each distressed node propagates once.
DebtRankResult run_battiston2012(const SparseMatrix& w, std::span<const double> h0) {
  const std::size_t n = w.rows;
  Vector h(h0.begin(), h0.end());
  std::vector<State> state(n, State::undistressed);
  std::vector<std::size_t> distressed;
  for (std::size_t i = 0; i < n; ++i) {
    if (h[i] > 0.0) {
      state[i] = State::distressed;
      distressed.push_back(i);
    }
  }
  DebtRankResult result;
  result.steps = 1;
  Vector increment(n, 0.0);
  std::vector<char> is_touched(n, 0);
  while (!distressed.empty()) {
    // h(t) uses h(t−1) of the nodes distressed at t−1: gather every increment
    // before writing any h.
    std::vector<std::size_t> touched;
    for (const std::size_t i : distressed) {
      for (std::size_t k = w.row_start[i]; k < w.row_start[i + 1]; ++k) {
        const std::size_t j = w.col[k];
        if (!is_touched[j]) {
          is_touched[j] = 1;
          touched.push_back(j);
        }
        increment[j] += std::min(1.0, w.value[k]) * h[i];
      }
    }
    for (const std::size_t i : distressed) state[i] = State::inactive;
    std::vector<std::size_t> next;
    for (const std::size_t j : touched) {
      h[j] = std::min(1.0, h[j] + increment[j]);
      increment[j] = 0.0;
      is_touched[j] = 0;
      if (state[j] == State::undistressed && h[j] > 0.0) {
        state[j] = State::distressed;
        next.push_back(j);
      }
    }
    distressed = std::move(next);
    ++result.steps;
  }
  result.h_final = std::move(h);
  return result;
}

// Bardoscia et al. (2015): new distress h(t) − h(t−1) propagates every step.
DebtRankResult run_differential(const SparseMatrix& w, std::span<const double> h0,
                                const DebtRankOptions& options) {
  const std::size_t n = w.rows;
  Vector h(h0.begin(), h0.end());
  Vector delta(h0.begin(), h0.end());  // h(1) − h(0), with h(0) = 0
  DebtRankResult result;
  result.steps = 1;
  Vector increment(n, 0.0);
  for (;;) {
    double largest_change = 0.0;
    for (const double d : delta) largest_change = std::max(largest_change, d);
    if (largest_change <= options.tolerance) break;
    if (result.steps >= options.max_steps) {
      result.converged = false;
      break;
    }
    std::fill(increment.begin(), increment.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      if (delta[i] == 0.0) continue;
      for (std::size_t k = w.row_start[i]; k < w.row_start[i + 1]; ++k) {
        increment[w.col[k]] += w.value[k] * delta[i];
      }
    }
    for (std::size_t j = 0; j < n; ++j) {
      const double next = std::min(1.0, h[j] + increment[j]);
      delta[j] = next - h[j];
      h[j] = next;
    }
    ++result.steps;
  }
  result.h_final = std::move(h);
  return result;
}

}  // namespace

SparseMatrix impact_from_liabilities(const SparseMatrix& liabilities,
                                     std::span<const double> equity) {
  check_sparse(liabilities, "liabilities");
  require_length(equity, liabilities.rows, "equity", "bank");
  require_each_positive(equity, "equity");
  SparseMatrix impact = without_diagonal(liabilities);
  for (std::size_t i = 0; i < impact.rows; ++i) {
    for (std::size_t k = impact.row_start[i]; k < impact.row_start[i + 1]; ++k) {
      impact.value[k] /= equity[impact.col[k]];
    }
  }
  // A huge exposure over a tiny equity can overflow to inf.
  check_sparse(impact, "impact_matrix (liabilities / equity)");
  return impact;
}

DebtRankResult debtrank(const SparseMatrix& impact_in, std::span<const double> h0,
                        std::span<const double> weights, const DebtRankOptions& options) {
  check_sparse(impact_in, "impact_matrix");
  const std::size_t n = impact_in.rows;
  require_length(h0, n, "h0", "bank");
  require_each_in(h0, 0.0, 1.0, "h0");
  check_options(options);
  const Vector v = normalised_weights(weights, n);
  const SparseMatrix impact = without_diagonal(impact_in);

  DebtRankResult result = options.variant == DebtRankVariant::battiston2012
                              ? run_battiston2012(impact, h0)
                              : run_differential(impact, h0, options);
  double final_value = 0.0;
  double initial_value = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    final_value += v[j] * result.h_final[j];
    initial_value += v[j] * h0[j];
    if (result.h_final[j] >= 1.0) result.defaulted.push_back(j);
  }
  // h never falls, so the difference is >= 0 up to rounding of the two sums.
  result.debtrank = std::clamp(final_value - initial_value, 0.0, 1.0);
  return result;
}

DebtRankResult debtrank(const DenseMatrix& impact, std::span<const double> h0,
                        std::span<const double> weights, const DebtRankOptions& options) {
  return debtrank(sparse_from_dense(impact, "impact_matrix"), h0, weights, options);
}

}  // namespace pfsim::contagion
