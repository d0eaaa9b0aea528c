// Plain-data matrices shared by every contagion algorithm: the dense
// row-of-rows form users write by hand and a small compressed-sparse-row (CSR)
// form the algorithms run on, so that a 1,000-bank network with 50,000
// exposures costs O(exposures) per sweep instead of O(banks²).
//
// Conventions (docs/contagion.md): 0-based indices; entry [i][j] of a
// liabilities matrix is what bank i owes bank j; every matrix entry is a finite
// number >= 0; the diagonal means nothing (a bank cannot owe itself) and is
// dropped by every builder here.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace pfsim::contagion {

using Vector = std::vector<double>;
using DenseMatrix = std::vector<std::vector<double>>;

// Compressed sparse row matrix. Row i holds columns col[row_start[i] ..
// row_start[i+1]) in increasing order, each once, with its value alongside.
// Build it with the functions below; they establish those invariants and
// check_sparse() re-checks them for a hand-assembled one.
struct SparseMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::size_t> row_start{0};
  std::vector<std::size_t> col;
  std::vector<double> value;

  [[nodiscard]] std::size_t nnz() const { return value.size(); }
  // Entry (i, j), 0 when not stored. O(log(row length)).
  [[nodiscard]] double at(std::size_t i, std::size_t j) const;
  // Sum of row i.
  [[nodiscard]] double row_sum(std::size_t i) const;
};

// One (row, column, value) entry for sparse_from_triplets.
struct Triplet {
  std::size_t row = 0;
  std::size_t col = 0;
  double value = 0.0;
};

// Sums duplicate (row, col) entries (the usual coordinate-format convention),
// drops diagonal entries when `drop_diagonal` and exact zeros. Throws
// std::invalid_argument naming `name` when an index is out of range or a value
// is not a finite number >= 0.
[[nodiscard]] SparseMatrix sparse_from_triplets(std::size_t rows, std::size_t cols,
                                                const std::vector<Triplet>& entries,
                                                std::string_view name = "matrix",
                                                bool drop_diagonal = true);
// The same into `out`, whose lists keep their capacity, sorting an index list
// kept on the calling thread (no allocation once both have the room: the
// engine builds its interbank matrix every month end). On a throw `out` is
// unspecified.
void sparse_from_triplets(std::size_t rows, std::size_t cols, std::span<const Triplet> entries,
                          SparseMatrix& out, std::string_view name = "matrix",
                          bool drop_diagonal = true);

// From a dense square matrix; the diagonal is dropped. Throws
// std::invalid_argument naming `name` when the matrix is ragged, not square or
// holds a value that is not a finite number >= 0.
[[nodiscard]] SparseMatrix sparse_from_dense(const DenseMatrix& dense,
                                             std::string_view name = "matrix");

[[nodiscard]] DenseMatrix dense_from_sparse(const SparseMatrix& sparse);

// The same matrix with any diagonal entries removed. Algorithms call it on
// their input so a hand-assembled SparseMatrix with a diagonal behaves like
// one from the builders above.
[[nodiscard]] SparseMatrix without_diagonal(const SparseMatrix& m);
// The same into `out`, whose lists keep their capacity (no allocation once
// they have the room). `out` must not be `m`.
void without_diagonal(const SparseMatrix& m, SparseMatrix& out);

// Transpose (row j of the result lists the rows i with an entry in column j).
[[nodiscard]] SparseMatrix transpose(const SparseMatrix& m);

// Throws std::invalid_argument naming `name` unless m satisfies the CSR
// invariants above, is square when `require_square`, and every value is a
// finite number >= 0.
void check_sparse(const SparseMatrix& m, std::string_view name, bool require_square = true);

// Bytes held by the matrix's arrays (for the benchmark's memory report).
[[nodiscard]] std::size_t memory_bytes(const SparseMatrix& m);

}  // namespace pfsim::contagion
