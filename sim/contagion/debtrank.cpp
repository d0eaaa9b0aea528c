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

constexpr auto as_byte(State s) {
  return static_cast<unsigned char>(s);
}

// The weights normalised to sum 1 (uniform when none are given), into `v`.
void normalised_weights(std::span<const double> weights, std::size_t n, Vector& v) {
  if (weights.empty()) {
    v.assign(n, n == 0 ? 0.0 : 1.0 / static_cast<double>(n));
    return;
  }
  require_length(weights, n, "weights", "bank");
  require_each_non_negative(weights, "weights");
  double total = 0.0;
  for (const double w : weights) total += w;
  if (!(total > 0.0) || !std::isfinite(total)) {
    fail_input("weights: expected a finite, positive sum, found " + format_number(total));
  }
  v.assign(weights.begin(), weights.end());
  for (double& w : v) w /= total;
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

// How a run ended; h(T) is left in the workspace's `h`.
struct RunEnd {
  int steps = 1;
  bool converged = true;
};

// Battiston et al. (2012): each distressed node propagates once.
RunEnd run_battiston2012(const SparseMatrix& w, std::span<const double> h0, DebtRankWorkspace& ws) {
  const std::size_t n = w.rows;
  Vector& h = ws.h;
  h.assign(h0.begin(), h0.end());
  ws.state.assign(n, as_byte(State::undistressed));
  ws.distressed.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (h[i] > 0.0) {
      ws.state[i] = as_byte(State::distressed);
      ws.distressed.push_back(i);
    }
  }
  RunEnd end;
  ws.increment.assign(n, 0.0);
  ws.is_touched.assign(n, 0);
  while (!ws.distressed.empty()) {
    // h(t) uses h(t−1) of the nodes distressed at t−1: gather every increment
    // before writing any h.
    ws.touched.clear();
    for (const std::size_t i : ws.distressed) {
      for (std::size_t k = w.row_start[i]; k < w.row_start[i + 1]; ++k) {
        const std::size_t j = w.col[k];
        if (!ws.is_touched[j]) {
          ws.is_touched[j] = 1;
          ws.touched.push_back(j);
        }
        ws.increment[j] += std::min(1.0, w.value[k]) * h[i];
      }
    }
    for (const std::size_t i : ws.distressed) ws.state[i] = as_byte(State::inactive);
    ws.next.clear();
    for (const std::size_t j : ws.touched) {
      h[j] = std::min(1.0, h[j] + ws.increment[j]);
      ws.increment[j] = 0.0;
      ws.is_touched[j] = 0;
      if (ws.state[j] == as_byte(State::undistressed) && h[j] > 0.0) {
        ws.state[j] = as_byte(State::distressed);
        ws.next.push_back(j);
      }
    }
    std::swap(ws.distressed, ws.next);
    ++end.steps;
  }
  return end;
}

// Bardoscia et al. (2015): new distress h(t) − h(t−1) propagates every step.
RunEnd run_differential(const SparseMatrix& w, std::span<const double> h0,
                        const DebtRankOptions& options, DebtRankWorkspace& ws) {
  const std::size_t n = w.rows;
  Vector& h = ws.h;
  Vector& delta = ws.delta;  // h(1) − h(0), with h(0) = 0
  h.assign(h0.begin(), h0.end());
  delta.assign(h0.begin(), h0.end());
  RunEnd end;
  Vector& increment = ws.increment;
  increment.assign(n, 0.0);
  for (;;) {
    double largest_change = 0.0;
    for (const double d : delta) largest_change = std::max(largest_change, d);
    if (largest_change <= options.tolerance) break;
    if (end.steps >= options.max_steps) {
      end.converged = false;
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
    ++end.steps;
  }
  return end;
}

// Checks the input, runs the variant asked for and returns DebtRank; h(T)
// is left in `ws.h`.
double run(const SparseMatrix& impact_in, std::span<const double> h0,
           std::span<const double> weights, const DebtRankOptions& options, DebtRankWorkspace& ws,
           RunEnd& end) {
  check_sparse(impact_in, "impact_matrix");
  const std::size_t n = impact_in.rows;
  require_length(h0, n, "h0", "bank");
  require_each_in(h0, 0.0, 1.0, "h0");
  check_options(options);
  normalised_weights(weights, n, ws.weights);
  without_diagonal(impact_in, ws.impact);
  end = options.variant == DebtRankVariant::battiston2012
            ? run_battiston2012(ws.impact, h0, ws)
            : run_differential(ws.impact, h0, options, ws);
  double final_value = 0.0;
  double initial_value = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    final_value += ws.weights[j] * ws.h[j];
    initial_value += ws.weights[j] * h0[j];
  }
  // h never falls, so the difference is >= 0 up to rounding of the two sums.
  return std::clamp(final_value - initial_value, 0.0, 1.0);
}

}  // namespace

SparseMatrix impact_from_liabilities(const SparseMatrix& liabilities,
                                     std::span<const double> equity) {
  SparseMatrix impact;
  impact_from_liabilities(liabilities, equity, impact);
  return impact;
}

void impact_from_liabilities(const SparseMatrix& liabilities, std::span<const double> equity,
                             SparseMatrix& out) {
  check_sparse(liabilities, "liabilities");
  require_length(equity, liabilities.rows, "equity", "bank");
  require_each_positive(equity, "equity");
  without_diagonal(liabilities, out);
  for (std::size_t i = 0; i < out.rows; ++i) {
    for (std::size_t k = out.row_start[i]; k < out.row_start[i + 1]; ++k) {
      out.value[k] /= equity[out.col[k]];
    }
  }
  // A huge exposure over a tiny equity can overflow to inf.
  check_sparse(out, "impact_matrix (liabilities / equity)");
}

DebtRankResult debtrank(const SparseMatrix& impact, std::span<const double> h0,
                        std::span<const double> weights, const DebtRankOptions& options) {
  DebtRankWorkspace ws;
  RunEnd end;
  DebtRankResult result;
  result.debtrank = run(impact, h0, weights, options, ws, end);
  result.steps = end.steps;
  result.converged = end.converged;
  for (std::size_t j = 0; j < ws.h.size(); ++j)
    if (ws.h[j] >= 1.0) result.defaulted.push_back(j);
  result.h_final = std::move(ws.h);
  return result;
}

double debtrank_value(const SparseMatrix& impact, std::span<const double> h0,
                      DebtRankWorkspace& work, std::span<const double> weights,
                      const DebtRankOptions& options) {
  RunEnd end;
  return run(impact, h0, weights, options, work, end);
}

DebtRankResult debtrank(const DenseMatrix& impact, std::span<const double> h0,
                        std::span<const double> weights, const DebtRankOptions& options) {
  return debtrank(sparse_from_dense(impact, "impact_matrix"), h0, weights, options);
}

}  // namespace pfsim::contagion
