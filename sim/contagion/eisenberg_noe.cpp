// Greatest clearing vector: Eisenberg & Noe (2001) fictitious default algorithm
// and the Rogers & Veraart (2013) Greatest Clearing Vector Algorithm (GCVA).
//
// Both algorithms start from "everybody pays in full" (p = p̄) and repeat:
//   1. find the banks that cannot pay in full at the current payments,
//      D = { i : e_i + Σ_j Π_ji p_j < p̄_i };
//   2. if D did not grow, stop: p is the greatest clearing vector;
//   3. otherwise solve the linear system "defaulted banks pay what they
//      have, the others pay in full" for D and go to 1.
// D only grows (payments only fall), so there are at most n + 1 passes. With
// α = β = 1 the GCVA is exactly the fictitious default algorithm.
#include "contagion/eisenberg_noe.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "contagion/validate.hpp"

namespace pfsim::contagion {

namespace {

constexpr std::size_t not_in_set = static_cast<std::size_t>(-1);

// Σ_j Π_ji p_j for every i, computed as Σ_j L_ji (p_j / p̄_j) with the ratio
// taken as exactly 1 for a bank paying in full: receipts from solvent debtors
// are then plain sums of the input amounts, with no divide-and-multiply
// rounding to tip a bank with exactly enough cash into default.
Vector interbank_receipts(const SparseMatrix& lt, const Vector& payments, const Vector& pbar) {
  Vector receipts(lt.rows, 0.0);
  for (std::size_t i = 0; i < lt.rows; ++i) {
    double sum = 0.0;
    for (std::size_t k = lt.row_start[i]; k < lt.row_start[i + 1]; ++k) {
      const std::size_t debtor = lt.col[k];
      const double paid_ratio =
          payments[debtor] == pbar[debtor] ? 1.0 : payments[debtor] / pbar[debtor];
      sum += lt.value[k] * paid_ratio;
    }
    receipts[i] = sum;
  }
  return receipts;
}

bool cannot_pay_in_full(double cash, double pbar) {
  return cash < pbar - solvency_tolerance * pbar;
}

// Solves A x = b by Gaussian elimination with partial pivoting; A is m x m
// row-major, taken by value and overwritten. The clearing matrix I − βΠ_DDᵀ is column diagonally
// dominant, so elimination is stable; pivoting only guards against rounding.
Vector solve_dense(std::vector<double> a, Vector b) {
  const std::size_t m = b.size();
  for (std::size_t c = 0; c < m; ++c) {
    std::size_t pivot_row = c;
    for (std::size_t r = c + 1; r < m; ++r) {
      if (std::fabs(a[r * m + c]) > std::fabs(a[pivot_row * m + c])) pivot_row = r;
    }
    // Entries are O(1) (1 on the diagonal, shares in [−1, 0] elsewhere); a
    // vanishing pivot means a closed group of defaulted banks with nothing
    // coming in, which the model rules out (see solvency_tolerance).
    if (std::fabs(a[pivot_row * m + c]) < 1e-13) {
      throw std::runtime_error(
          "clearing: singular linear system for the defaulted banks (a closed group of "
          "defaulted banks receives nothing); please report this input");
    }
    if (pivot_row != c) {
      std::swap_ranges(a.begin() + static_cast<std::ptrdiff_t>(c * m),
                       a.begin() + static_cast<std::ptrdiff_t>((c + 1) * m),
                       a.begin() + static_cast<std::ptrdiff_t>(pivot_row * m));
      std::swap(b[c], b[pivot_row]);
    }
    const double pivot = a[c * m + c];
    for (std::size_t r = c + 1; r < m; ++r) {
      const double factor = a[r * m + c] / pivot;
      if (factor == 0.0) continue;
      double* row = &a[r * m];
      const double* top = &a[c * m];
      for (std::size_t k = c; k < m; ++k) row[k] -= factor * top[k];
      b[r] -= factor * b[c];
    }
  }
  Vector x(m, 0.0);
  for (std::size_t c = m; c-- > 0;) {
    double sum = b[c];
    for (std::size_t k = c + 1; k < m; ++k) sum -= a[c * m + k] * x[k];
    x[c] = sum / a[c * m + c];
  }
  return x;
}

// Payments when exactly the banks in `defaulted` default:
//   p_i = p̄_i                                  for i ∉ D
//   p_i − β Σ_{j∈D} Π_ji p_j = α e_i + β Σ_{j∉D} L_ji   for i ∈ D.
Vector payments_given_defaults(const SparseMatrix& lt, const Vector& pbar,
                               std::span<const double> external_assets,
                               const std::vector<std::size_t>& defaulted, BankruptcyCosts costs) {
  const std::size_t m = defaulted.size();
  std::vector<std::size_t> position(lt.rows, not_in_set);
  for (std::size_t a = 0; a < m; ++a) position[defaulted[a]] = a;

  std::vector<double> matrix(m * m, 0.0);
  Vector rhs(m, 0.0);
  for (std::size_t a = 0; a < m; ++a) {
    const std::size_t i = defaulted[a];
    matrix[a * m + a] = 1.0;
    double from_solvent = 0.0;
    for (std::size_t k = lt.row_start[i]; k < lt.row_start[i + 1]; ++k) {
      const std::size_t debtor = lt.col[k];
      if (position[debtor] == not_in_set) {
        from_solvent += lt.value[k];
      } else {
        matrix[a * m + position[debtor]] -= costs.beta * lt.value[k] / pbar[debtor];
      }
    }
    rhs[a] = costs.alpha * external_assets[i] + costs.beta * from_solvent;
  }
  const Vector solution = solve_dense(std::move(matrix), std::move(rhs));

  Vector payments = pbar;
  for (std::size_t a = 0; a < m; ++a) {
    const std::size_t i = defaulted[a];
    // The exact solution lies in [0, p̄_i); clamping removes rounding only.
    payments[i] = std::clamp(solution[a], 0.0, pbar[i]);
  }
  return payments;
}

void check_inputs(const SparseMatrix& liabilities, std::span<const double> external_assets,
                  std::span<const double> external_liabilities, BankruptcyCosts costs) {
  check_sparse(liabilities, "liabilities");
  const std::size_t n = liabilities.rows;
  require_length(external_assets, n, "external_assets", "bank");
  require_each_non_negative(external_assets, "external_assets");
  if (!external_liabilities.empty()) {
    require_length(external_liabilities, n, "external_liabilities", "bank");
    require_each_non_negative(external_liabilities, "external_liabilities");
  }
  require_in(costs.alpha, 0.0, 1.0, "bankruptcy_costs.alpha");
  require_in(costs.beta, 0.0, 1.0, "bankruptcy_costs.beta");
}

ClearingResult clear(const SparseMatrix& liabilities_in, std::span<const double> external_assets,
                     std::span<const double> external_liabilities, BankruptcyCosts costs) {
  check_inputs(liabilities_in, external_assets, external_liabilities, costs);
  const SparseMatrix liabilities = without_diagonal(liabilities_in);
  const SparseMatrix lt = transpose(liabilities);  // row i: the debtors of i
  const std::size_t n = liabilities.rows;

  Vector pbar(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    pbar[i] =
        liabilities.row_sum(i) + (external_liabilities.empty() ? 0.0 : external_liabilities[i]);
  }

  ClearingResult result;
  Vector payments = pbar;
  std::vector<char> is_defaulted(n, 0);
  std::vector<std::size_t> defaulted;
  Vector receipts;
  for (;;) {
    ++result.iterations;
    receipts = interbank_receipts(lt, payments, pbar);
    bool grew = false;
    for (std::size_t i = 0; i < n; ++i) {
      const double cash = external_assets[i] + receipts[i];
      if (is_defaulted[i] || !cannot_pay_in_full(cash, pbar[i])) continue;
      is_defaulted[i] = 1;
      grew = true;
    }
    if (!grew) break;
    defaulted.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (is_defaulted[i]) defaulted.push_back(i);
    }
    payments = payments_given_defaults(lt, pbar, external_assets, defaulted, costs);
  }

  result.equity.assign(n, 0.0);
  result.net_worth.assign(n, 0.0);
  result.bankruptcy_costs.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double cash = external_assets[i] + receipts[i];
    result.net_worth[i] = cash - pbar[i];
    if (is_defaulted[i]) {
      result.bankruptcy_costs[i] =
          (1.0 - costs.alpha) * external_assets[i] + (1.0 - costs.beta) * receipts[i];
    } else {
      // Within solvency_tolerance of zero a solvent bank's surplus may round
      // below 0; shareholders cannot owe anything, so report 0.
      result.equity[i] = std::max(0.0, cash - pbar[i]);
    }
  }
  result.payments = std::move(payments);
  result.defaulted = std::move(defaulted);
  return result;
}

}  // namespace

ClearingResult eisenberg_noe(const SparseMatrix& liabilities,
                             std::span<const double> external_assets,
                             std::span<const double> external_liabilities) {
  return clear(liabilities, external_assets, external_liabilities, BankruptcyCosts{});
}

ClearingResult eisenberg_noe(const DenseMatrix& liabilities,
                             std::span<const double> external_assets,
                             std::span<const double> external_liabilities) {
  return clear(sparse_from_dense(liabilities, "liabilities"), external_assets, external_liabilities,
               BankruptcyCosts{});
}

ClearingResult rogers_veraart(const SparseMatrix& liabilities,
                              std::span<const double> external_assets,
                              std::span<const double> external_liabilities, BankruptcyCosts costs) {
  return clear(liabilities, external_assets, external_liabilities, costs);
}

ClearingResult rogers_veraart(const DenseMatrix& liabilities,
                              std::span<const double> external_assets,
                              std::span<const double> external_liabilities, BankruptcyCosts costs) {
  return clear(sparse_from_dense(liabilities, "liabilities"), external_assets, external_liabilities,
               costs);
}

}  // namespace pfsim::contagion
