// Sequential default cascade of
//   Furfine, C. H. (2003). Interbank Exposures: Quantifying the Risk of
//   Contagion. Journal of Money, Credit and Banking 35(1), 111-128.
//
// Round 0: the initial defaults fail. Round k >= 1: every surviving bank j
// whose cumulative credit loss
//   loss_j = lgd × Σ_{i failed in rounds < k} L_ij      (L_ij: what i owes j)
// exceeds its capital c_j (tie rule "strict": loss > c; "inclusive":
// loss >= c, and loss > 0 so that a bank nobody has hurt cannot fail) fails in
// round k. The cascade stops at the first round in which nobody fails.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "contagion/matrix.hpp"

namespace pfsim::contagion {

enum class TieRule {
  strict,     // fail when loss > capital (Furfine 2003: losses "exceed" capital)
  inclusive,  // fail when loss >= capital and loss > 0
};

struct FurfineResult {
  std::vector<std::size_t> defaulted;  // every failed bank (initial ones included), increasing
  std::vector<int> default_round;      // per bank: 0 initial, k = round of failure, −1 survives
  int rounds = 0;                      // last round in which a bank failed (0: no contagion)
  // Per bank: lgd × its exposures to all banks that failed by the end of the
  // cascade (defaulted banks included, for their own creditors' bookkeeping).
  Vector losses;
};

// `liabilities` square and >= 0 (diagonal ignored); `capital` one finite
// value >= 0 per bank; `initial_defaults` distinct bank indices; `lgd` (loss
// given default) in [0, 1]. Throws std::invalid_argument on malformed input.
[[nodiscard]] FurfineResult furfine(const SparseMatrix& liabilities,
                                    std::span<const double> capital,
                                    std::span<const std::size_t> initial_defaults, double lgd,
                                    TieRule tie);
[[nodiscard]] FurfineResult furfine(const DenseMatrix& liabilities, std::span<const double> capital,
                                    std::span<const std::size_t> initial_defaults, double lgd,
                                    TieRule tie);

}  // namespace pfsim::contagion
