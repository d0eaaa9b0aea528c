// Furfine (2003) sequential default cascade (see furfine.hpp).
#include "contagion/furfine.hpp"

#include <string>

#include "contagion/validate.hpp"

namespace pfsim::contagion {

namespace {

// Exposures are summed first and multiplied by lgd once, so that with
// integer amounts a tie (loss exactly equal to capital) is decided exactly.
bool fails(double exposure, double lgd, double capital, TieRule tie) {
  const double loss = lgd * exposure;
  return tie == TieRule::strict ? loss > capital : (loss >= capital && loss > 0.0);
}

void check_inputs(const SparseMatrix& liabilities, std::span<const double> capital,
                  std::span<const std::size_t> initial_defaults, double lgd) {
  check_sparse(liabilities, "liabilities");
  const std::size_t n = liabilities.rows;
  require_length(capital, n, "capital", "bank");
  require_each_non_negative(capital, "capital");
  require_in(lgd, 0.0, 1.0, "lgd");
  std::vector<char> seen(n, 0);
  for (std::size_t k = 0; k < initial_defaults.size(); ++k) {
    const std::size_t i = initial_defaults[k];
    const std::string where = "initial_defaults[" + std::to_string(k) + "]";
    if (i >= n) {
      fail_input(where + ": expected a bank index in [0, " + std::to_string(n) + "), found " +
                 std::to_string(i));
    }
    if (seen[i]) fail_input(where + ": bank " + std::to_string(i) + " is listed twice");
    seen[i] = 1;
  }
}

}  // namespace

FurfineResult furfine(const SparseMatrix& liabilities_in, std::span<const double> capital,
                      std::span<const std::size_t> initial_defaults, double lgd, TieRule tie) {
  check_inputs(liabilities_in, capital, initial_defaults, lgd);
  const SparseMatrix liabilities = without_diagonal(liabilities_in);
  const std::size_t n = liabilities.rows;

  FurfineResult result;
  result.default_round.assign(n, -1);
  Vector exposure_to_failed(n, 0.0);  // Σ L_ij over failed debtors i, per creditor j
  std::vector<std::size_t> failed_last_round(initial_defaults.begin(), initial_defaults.end());
  for (const std::size_t i : failed_last_round) result.default_round[i] = 0;

  for (int round = 1; !failed_last_round.empty(); ++round) {
    for (const std::size_t debtor : failed_last_round) {
      for (std::size_t k = liabilities.row_start[debtor]; k < liabilities.row_start[debtor + 1];
           ++k) {
        exposure_to_failed[liabilities.col[k]] += liabilities.value[k];
      }
    }
    // Everyone failing in this round is decided on losses from earlier rounds
    // only (a synchronous update), so bank order cannot matter.
    std::vector<std::size_t> failing;
    for (std::size_t j = 0; j < n; ++j) {
      if (result.default_round[j] < 0 && fails(exposure_to_failed[j], lgd, capital[j], tie)) {
        failing.push_back(j);
      }
    }
    for (const std::size_t j : failing) result.default_round[j] = round;
    if (!failing.empty()) result.rounds = round;
    failed_last_round = std::move(failing);
  }

  result.losses.assign(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    result.losses[j] = lgd * exposure_to_failed[j];
    if (result.default_round[j] >= 0) result.defaulted.push_back(j);
  }
  return result;
}

FurfineResult furfine(const DenseMatrix& liabilities, std::span<const double> capital,
                      std::span<const std::size_t> initial_defaults, double lgd, TieRule tie) {
  return furfine(sparse_from_dense(liabilities, "liabilities"), capital, initial_defaults, lgd,
                 tie);
}

}  // namespace pfsim::contagion
