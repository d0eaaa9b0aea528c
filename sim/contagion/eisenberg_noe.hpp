// Interbank clearing: the greatest clearing payment vector of
//   Eisenberg, L. & Noe, T. H. (2001). Systemic Risk in Financial Systems.
//   Management Science 47(2), 236-249 (the "fictitious default" algorithm),
// and its extension with bankruptcy costs of
//   Rogers, L. C. G. & Veraart, L. A. M. (2013). Failure and Rescue in an
//   Interbank Network. Management Science 59(4), 882-898 (the "Greatest
//   Clearing Vector Algorithm").
//
// Model (docs/contagion.md has the derivations):
//   p̄_i = Σ_j L_ij + el_i                 total obligation of bank i
//   Π_ij = L_ij / p̄_i (0 when p̄_i = 0)    share of i's payments that goes to j
//   v_i(p) = e_i + Σ_j Π_ji p_j            cash available to i
//   p_i = p̄_i                      if v_i(p) >= p̄_i   (solvent; equality is solvent)
//   p_i = α e_i + β Σ_j Π_ji p_j   otherwise          (defaulted)
// Eisenberg-Noe is α = β = 1. External creditors (el) rank pari passu with
// interbank creditors: they get the share el_i / p̄_i of whatever i pays.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "contagion/matrix.hpp"

namespace pfsim::contagion {

// Rogers-Veraart recovery rates of a defaulting bank: it realises the
// fraction `alpha` of its external assets and `beta` of its interbank
// receipts. alpha = beta = 1 (no cost) is Eisenberg-Noe. Both in [0, 1].
struct BankruptcyCosts {
  double alpha = 1.0;
  double beta = 1.0;
};

struct ClearingResult {
  Vector payments;                     // p, the greatest clearing vector; 0 <= p <= p̄
  std::vector<std::size_t> defaulted;  // banks with p_i < p̄_i, increasing
  // e + Πᵀp − p less the value destroyed by bankruptcy: what shareholders keep.
  // Exactly 0 for a defaulted bank (limited liability), >= 0 for the others.
  Vector equity;
  Vector net_worth;         // e + Πᵀp − p̄ (negative for a defaulted bank)
  Vector bankruptcy_costs;  // (1−α) e_i + (1−β)(Πᵀp)_i for defaulted i, else 0
  int iterations = 0;       // default-set evaluations; 1 = nobody defaults at full payment
};

// Eisenberg-Noe clearing by the fictitious default algorithm. `liabilities`
// is square (L_ij = what i owes j; the diagonal is ignored);
// `external_assets` (e) has one entry >= 0 per bank; `external_liabilities`
// (el) is either empty (none) or one entry >= 0 per bank. Throws
// std::invalid_argument on malformed input, and std::runtime_error if the
// linear system of a pass is numerically singular (which the model rules out;
// see solvency_tolerance).
[[nodiscard]] ClearingResult eisenberg_noe(const SparseMatrix& liabilities,
                                           std::span<const double> external_assets,
                                           std::span<const double> external_liabilities = {});
[[nodiscard]] ClearingResult eisenberg_noe(const DenseMatrix& liabilities,
                                           std::span<const double> external_assets,
                                           std::span<const double> external_liabilities = {});

// Rogers-Veraart clearing (greatest clearing vector) with bankruptcy costs;
// same inputs as eisenberg_noe plus `costs`.
[[nodiscard]] ClearingResult rogers_veraart(const SparseMatrix& liabilities,
                                            std::span<const double> external_assets,
                                            std::span<const double> external_liabilities,
                                            BankruptcyCosts costs);
[[nodiscard]] ClearingResult rogers_veraart(const DenseMatrix& liabilities,
                                            std::span<const double> external_assets,
                                            std::span<const double> external_liabilities,
                                            BankruptcyCosts costs);

// Relative tolerance of the solvency test: bank i counts as solvent when
// v_i >= p̄_i (1 − tolerance). Exact equality is solvent by the model; the
// tolerance only stops rounding in v_i (e.g. 0.1 + 0.2 against 0.3) from
// declaring a spurious default, which could otherwise make a closed ring of
// zero-asset banks default and leave the clearing system singular.
inline constexpr double solvency_tolerance = 1e-12;

}  // namespace pfsim::contagion
