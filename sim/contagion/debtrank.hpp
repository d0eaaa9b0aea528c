// DebtRank: distress propagation on an impact network, in two variants.
//
// battiston2012 — Battiston, S., Puliga, M., Kaushik, R., Tasca, P. &
//   Caldarelli, G. (2012). DebtRank: Too Central to Fail? Financial Networks,
//   the FED and Systemic Risk. Scientific Reports 2, 541.
//   States S ∈ {U (undistressed), D (distressed), I (inactive)}; h(1) = h0,
//   s_i(1) = D iff h0_i > 0. Synchronous update for t >= 2:
//     h_j(t) = min(1, h_j(t−1) + Σ_{i: s_i(t−1)=D} min(1, W_ij) h_i(t−1))
//     s_j(t) = I if s_j(t−1) = D; D if s_j(t−1) = U and h_j(t) > 0; else s_j(t−1).
//   A node propagates its distress once, then turns inactive (it may still
//   receive distress). Stops at the first T with no node in D.
//
// differential — Bardoscia, M., Battiston, S., Caccioli, F. & Caldarelli, G.
//   (2015). DebtRank: A Microscopic Foundation for Shock Propagation. PLoS ONE
//   10(6), e0130406.
//     h(0) = 0, h(1) = h0,
//     h_j(t+1) = min(1, h_j(t) + Σ_i W_ij (h_i(t) − h_i(t−1)))
//   (no cap on W); only new distress propagates, so a cycle keeps passing
//   distress around instead of being cut after one pass. Stops at the first T
//   with max_j |h_j(T) − h_j(T−1)| <= tolerance, or at T = max_steps.
//
// In both: W_ij is the impact of i's distress on j (the relative equity loss
// of j when i defaults), the diagonal is ignored, and
//   DebtRank = Σ_j v_j h_j(T) − Σ_j v_j h_j(1)
// is the distress induced beyond the initial shock, with weights v >= 0
// normalised to sum 1 (uniform by default).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "contagion/matrix.hpp"

namespace pfsim::contagion {

enum class DebtRankVariant { battiston2012, differential };

struct DebtRankOptions {
  DebtRankVariant variant = DebtRankVariant::battiston2012;
  double tolerance = 1e-12;  // differential only: convergence threshold on max |Δh|
  int max_steps = 100000;    // differential only: cap on T
};

struct DebtRankResult {
  Vector h_final;                      // h(T), each in [h0_j, 1]
  double debtrank = 0.0;               // Σ v_j h_j(T) − Σ v_j h_j(1), in [0, 1]
  std::vector<std::size_t> defaulted;  // j with h_j(T) = 1, increasing
  int steps = 0;                       // T, the time index of h_final (h(1) = h0)
  bool converged = true;               // false when differential stopped at max_steps
};

// The lists a DebtRank run works in. debtrank() makes its own; a caller that
// runs it many times on one network (each bank in turn as the first to fail,
// every month end) keeps one and calls debtrank_value(), so that runs after
// the first allocate nothing.
struct DebtRankWorkspace {
  SparseMatrix impact;  // the impact matrix without its diagonal
  Vector weights;       // normalised
  Vector h, delta, increment;
  std::vector<unsigned char> state, is_touched;
  std::vector<std::size_t> distressed, touched, next;
};

// W_ij = L_ij / E_j from liabilities (L_ij: what i owes j, i.e. j's exposure
// to i) and equity E (> 0): j loses L_ij / E_j of its equity if i defaults.
// Not capped (battiston2012 caps at 1 inside debtrank()). Throws
// std::invalid_argument on malformed input.
[[nodiscard]] SparseMatrix impact_from_liabilities(const SparseMatrix& liabilities,
                                                   std::span<const double> equity);
// The same into `out`, whose lists keep their capacity. `out` must not be
// `liabilities`; on a throw it is unspecified.
void impact_from_liabilities(const SparseMatrix& liabilities, std::span<const double> equity,
                             SparseMatrix& out);

// `impact` square, >= 0 (diagonal ignored); `h0` one value in [0, 1] per node;
// `weights` empty (uniform) or one value >= 0 per node with a positive sum.
// Throws std::invalid_argument on malformed input.
[[nodiscard]] DebtRankResult debtrank(const SparseMatrix& impact, std::span<const double> h0,
                                      std::span<const double> weights = {},
                                      const DebtRankOptions& options = {});
// debtrank(impact, h0, weights, options).debtrank, bit for bit, computed in
// `work`'s lists. Throws as debtrank() does.
[[nodiscard]] double debtrank_value(const SparseMatrix& impact, std::span<const double> h0,
                                    DebtRankWorkspace& work, std::span<const double> weights = {},
                                    const DebtRankOptions& options = {});
[[nodiscard]] DebtRankResult debtrank(const DenseMatrix& impact, std::span<const double> h0,
                                      std::span<const double> weights = {},
                                      const DebtRankOptions& options = {});

}  // namespace pfsim::contagion
