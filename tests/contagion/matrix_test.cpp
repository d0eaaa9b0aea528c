// The dense and CSR matrix helpers every algorithm reads its input through.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "contagion/matrix.hpp"

namespace pfsim::contagion {
namespace {

TEST_CASE("matrix: dense -> sparse drops the diagonal and zeros, and converts back") {
  const DenseMatrix dense = {{9, 1, 0}, {0, 9, 2.5}, {3, 0, 9}};
  const SparseMatrix s = sparse_from_dense(dense);
  CHECK(s.rows == 3);
  CHECK(s.nnz() == 3);
  CHECK(s.row_start == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK(s.col == std::vector<std::size_t>{1, 2, 0});
  CHECK(s.at(1, 2) == 2.5);
  CHECK(s.at(1, 1) == 0.0);
  CHECK(s.row_sum(1) == 2.5);
  CHECK(dense_from_sparse(s) == DenseMatrix{{0, 1, 0}, {0, 0, 2.5}, {3, 0, 0}});
}

TEST_CASE("matrix: triplets are sorted, duplicates summed, diagonal dropped") {
  const SparseMatrix s =
      sparse_from_triplets(3, 3, {{2, 0, 1}, {0, 2, 4}, {0, 1, 1}, {0, 2, 0.5}, {1, 1, 7}});
  CHECK(s.row_start == std::vector<std::size_t>{0, 2, 2, 3});
  CHECK(s.col == std::vector<std::size_t>{1, 2, 0});
  CHECK(s.value == Vector{1, 4.5, 1});
  // Rectangular matrices keep their diagonal when asked to.
  const SparseMatrix r = sparse_from_triplets(2, 3, {{1, 1, 2}}, "holdings", false);
  CHECK(r.at(1, 1) == 2);
}

TEST_CASE("matrix: duplicates are summed in input order; a kept matrix is overwritten whole") {
  // 1e16 + 1 rounds back to 1e16 (its spacing is 2), so the order of the
  // duplicates shows in the sum: it must be the input's, also when the sort
  // has many equal keys to place (more than its insertion-sort cutoff).
  for (const bool big_first : {true, false}) {
    CAPTURE(big_first);
    std::vector<Triplet> entries;
    if (big_first) entries.push_back({0, 1, 1e16});
    for (int k = 0; k < 39; ++k) {
      entries.push_back({0, 1, 1.0});
      entries.push_back(
          {static_cast<std::size_t>(k % 3), static_cast<std::size_t>(2 - k % 3), 0.25 * k});
    }
    if (!big_first) entries.push_back({0, 1, 1e16});
    double expected = 0;
    for (const Triplet& t : entries)
      if (t.row == 0 && t.col == 1) expected += t.value;
    const SparseMatrix fresh = sparse_from_triplets(3, 3, entries);
    CHECK(fresh.at(0, 1) == expected);
    // Into a matrix that held a larger one: the same lists, nothing left over.
    SparseMatrix kept = sparse_from_dense({{0, 1, 2, 3}, {4, 0, 5, 6}, {7, 8, 0, 9}, {1, 2, 3, 0}});
    sparse_from_triplets(3, 3, entries, kept);
    CHECK(kept.rows == 3);
    CHECK(kept.cols == 3);
    CHECK(kept.row_start == fresh.row_start);
    CHECK(kept.col == fresh.col);
    CHECK(kept.value == fresh.value);
    check_sparse(kept, "kept");
  }
  CHECK(std::nextafter(1e16, 2e16) == 1e16 + 2);  // the spacing the test relies on
}

TEST_CASE("matrix: transpose") {
  const SparseMatrix s = sparse_from_dense({{0, 1, 2}, {3, 0, 0}, {0, 4, 0}});
  const SparseMatrix t = transpose(s);
  CHECK(dense_from_sparse(t) == DenseMatrix{{0, 3, 0}, {1, 0, 4}, {2, 0, 0}});
  check_sparse(t, "t");  // columns stay increasing within rows
  CHECK(dense_from_sparse(transpose(t)) == dense_from_sparse(s));
}

TEST_CASE("matrix: without_diagonal") {
  SparseMatrix s = sparse_from_triplets(2, 2, {{0, 0, 5}, {0, 1, 1}}, "m", false);
  CHECK(s.nnz() == 2);
  CHECK(without_diagonal(s).nnz() == 1);
  CHECK(without_diagonal(s).at(0, 1) == 1);
}

TEST_CASE("matrix: malformed input is rejected with the entry named") {
  CHECK_THROWS_WITH_AS((void)sparse_from_dense({{0, 1}, {1}}, "liabilities"),
                       doctest::Contains("liabilities[1]: expected a square matrix"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)sparse_from_dense({{0, 1, 1}, {1, 0, 1}}, "liabilities"),
                       doctest::Contains("liabilities[0]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      (void)sparse_from_dense({{0, -1}, {1, 0}}, "liabilities"),
      doctest::Contains("liabilities[0][1]: expected a finite number >= 0, found -1"),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)sparse_from_dense({{0, INFINITY}, {1, 0}}, "w"),
                       doctest::Contains("found inf"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)sparse_from_dense({{std::nan(""), 0}, {1, 0}}, "w"),
                       doctest::Contains("w[0][0]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)sparse_from_triplets(2, 2, {{0, 2, 1}}, "m"),
                       doctest::Contains("out of range"), std::invalid_argument);
  SparseMatrix broken = sparse_from_dense({{0, 1}, {1, 0}});
  broken.col[0] = 5;
  CHECK_THROWS_WITH_AS(check_sparse(broken, "m"), doctest::Contains("malformed"),
                       std::invalid_argument);
  broken = sparse_from_dense({{0, 1}, {1, 0}});
  broken.row_start.pop_back();
  CHECK_THROWS_WITH_AS(check_sparse(broken, "m"), doctest::Contains("malformed"),
                       std::invalid_argument);
}

}  // namespace
}  // namespace pfsim::contagion
