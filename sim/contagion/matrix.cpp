// Dense and CSR matrices for the contagion algorithms (see matrix.hpp).
#include "contagion/matrix.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "contagion/validate.hpp"

namespace pfsim::contagion {

namespace {

std::string entry_name(std::string_view name, std::size_t i, std::size_t j) {
  return std::string(name) + "[" + std::to_string(i) + "][" + std::to_string(j) + "]";
}

void require_entry(double value, std::string_view name, std::size_t i, std::size_t j) {
  if (std::isfinite(value) && value >= 0.0) return;
  fail_input(entry_name(name, i, j) + ": expected a finite number >= 0, found " +
             format_number(value));
}

}  // namespace

double SparseMatrix::at(std::size_t i, std::size_t j) const {
  const auto first = col.begin() + static_cast<std::ptrdiff_t>(row_start[i]);
  const auto last = col.begin() + static_cast<std::ptrdiff_t>(row_start[i + 1]);
  const auto found = std::lower_bound(first, last, j);
  if (found == last || *found != j) return 0.0;
  return value[static_cast<std::size_t>(found - col.begin())];
}

double SparseMatrix::row_sum(std::size_t i) const {
  double sum = 0.0;
  for (std::size_t k = row_start[i]; k < row_start[i + 1]; ++k) sum += value[k];
  return sum;
}

namespace {

// sparse_from_triplets into `out`, sorting positions in `order`.
void build_from_triplets(std::size_t rows, std::size_t cols, std::span<const Triplet> entries,
                         SparseMatrix& out, std::string_view name, bool drop_diagonal,
                         std::vector<std::size_t>& order) {
  for (const Triplet& t : entries) {
    if (t.row >= rows || t.col >= cols) {
      fail_input(entry_name(name, t.row, t.col) + ": index out of range for a " +
                 std::to_string(rows) + " x " + std::to_string(cols) + " matrix");
    }
    require_entry(t.value, name, t.row, t.col);
  }
  // Sorting by (row, col, position) makes duplicates adjacent, in input order,
  // and rows contiguous: their sum (and its rounding) does not depend on the
  // sort's choices. Positions are sorted, not the entries (a stable sort of
  // the entries would allocate its buffer every call).
  order.resize(entries.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Triplet& x = entries[a];
    const Triplet& y = entries[b];
    if (x.row != y.row) return x.row < y.row;
    if (x.col != y.col) return x.col < y.col;
    return a < b;
  });
  out.rows = rows;
  out.cols = cols;
  out.row_start.assign(rows + 1, 0);
  out.col.clear();
  out.value.clear();
  out.col.reserve(entries.size());  // at most one stored entry per triplet
  out.value.reserve(entries.size());
  for (std::size_t k = 0; k < order.size();) {
    const Triplet& head = entries[order[k]];
    double sum = 0.0;
    std::size_t end = k;
    while (end < order.size() && entries[order[end]].row == head.row &&
           entries[order[end]].col == head.col) {
      sum += entries[order[end]].value;
      ++end;
    }
    const bool keep = sum != 0.0 && !(drop_diagonal && head.row == head.col);
    if (keep) {
      out.col.push_back(head.col);
      out.value.push_back(sum);
      ++out.row_start[head.row + 1];
    }
    k = end;
  }
  for (std::size_t i = 0; i < rows; ++i) out.row_start[i + 1] += out.row_start[i];
}

}  // namespace

SparseMatrix sparse_from_triplets(std::size_t rows, std::size_t cols,
                                  const std::vector<Triplet>& entries, std::string_view name,
                                  bool drop_diagonal) {
  // Its own index list: a one-off build (a user's graph of millions of
  // edges) leaves nothing held on the thread.
  std::vector<std::size_t> order;
  SparseMatrix m;
  build_from_triplets(rows, cols, entries, m, name, drop_diagonal, order);
  return m;
}

void sparse_from_triplets(std::size_t rows, std::size_t cols, std::span<const Triplet> entries,
                          SparseMatrix& out, std::string_view name, bool drop_diagonal) {
  thread_local std::vector<std::size_t> order;
  build_from_triplets(rows, cols, entries, out, name, drop_diagonal, order);
}

SparseMatrix sparse_from_dense(const DenseMatrix& dense, std::string_view name) {
  const std::size_t n = dense.size();
  SparseMatrix m;
  m.rows = n;
  m.cols = n;
  m.row_start.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (dense[i].size() != n) {
      fail_input(std::string(name) + "[" + std::to_string(i) + "]: expected a square matrix, row " +
                 std::to_string(i) + " has " + std::to_string(dense[i].size()) +
                 " entries but there are " + std::to_string(n) + " rows");
    }
    for (std::size_t j = 0; j < n; ++j) {
      require_entry(dense[i][j], name, i, j);
      if (i == j || dense[i][j] == 0.0) continue;
      m.col.push_back(j);
      m.value.push_back(dense[i][j]);
    }
    m.row_start[i + 1] = m.col.size();
  }
  return m;
}

DenseMatrix dense_from_sparse(const SparseMatrix& sparse) {
  DenseMatrix dense(sparse.rows, Vector(sparse.cols, 0.0));
  for (std::size_t i = 0; i < sparse.rows; ++i) {
    for (std::size_t k = sparse.row_start[i]; k < sparse.row_start[i + 1]; ++k) {
      dense[i][sparse.col[k]] = sparse.value[k];
    }
  }
  return dense;
}

SparseMatrix without_diagonal(const SparseMatrix& m) {
  SparseMatrix out;
  without_diagonal(m, out);
  return out;
}

void without_diagonal(const SparseMatrix& m, SparseMatrix& out) {
  out.rows = m.rows;
  out.cols = m.cols;
  out.row_start.assign(m.rows + 1, 0);
  out.col.clear();
  out.value.clear();
  out.col.reserve(m.nnz());
  out.value.reserve(m.nnz());
  for (std::size_t i = 0; i < m.rows; ++i) {
    for (std::size_t k = m.row_start[i]; k < m.row_start[i + 1]; ++k) {
      if (m.col[k] == i) continue;
      out.col.push_back(m.col[k]);
      out.value.push_back(m.value[k]);
    }
    out.row_start[i + 1] = out.col.size();
  }
}

SparseMatrix transpose(const SparseMatrix& m) {
  SparseMatrix t;
  t.rows = m.cols;
  t.cols = m.rows;
  t.row_start.assign(m.cols + 1, 0);
  for (const std::size_t j : m.col) ++t.row_start[j + 1];
  for (std::size_t j = 0; j < m.cols; ++j) t.row_start[j + 1] += t.row_start[j];
  t.col.resize(m.nnz());
  t.value.resize(m.nnz());
  std::vector<std::size_t> next(t.row_start.begin(), t.row_start.end() - 1);
  // Visiting rows in increasing order fills each transposed row in increasing
  // column order, so the CSR ordering invariant holds without a sort.
  for (std::size_t i = 0; i < m.rows; ++i) {
    for (std::size_t k = m.row_start[i]; k < m.row_start[i + 1]; ++k) {
      const std::size_t slot = next[m.col[k]]++;
      t.col[slot] = i;
      t.value[slot] = m.value[k];
    }
  }
  return t;
}

void check_sparse(const SparseMatrix& m, std::string_view name, bool require_square) {
  // The name is copied only for a message (a check that passes allocates nothing).
  const auto prefix = [&] { return std::string(name); };
  if (require_square && m.rows != m.cols) {
    fail_input(prefix() + ": expected a square matrix, found " + std::to_string(m.rows) + " x " +
               std::to_string(m.cols));
  }
  if (m.row_start.size() != m.rows + 1 || m.row_start.front() != 0 ||
      m.row_start.back() != m.col.size() || m.col.size() != m.value.size()) {
    fail_input(prefix() +
               ": malformed sparse matrix (row_start must have rows + 1 entries from 0 "
               "to the number of stored values)");
  }
  for (std::size_t i = 0; i < m.rows; ++i) {
    if (m.row_start[i] > m.row_start[i + 1]) {
      fail_input(prefix() + ": malformed sparse matrix (row_start decreases at row " +
                 std::to_string(i) + ")");
    }
    for (std::size_t k = m.row_start[i]; k < m.row_start[i + 1]; ++k) {
      if (m.col[k] >= m.cols || (k > m.row_start[i] && m.col[k] <= m.col[k - 1])) {
        fail_input(prefix() + ": malformed sparse matrix (columns of row " + std::to_string(i) +
                   " must be increasing and < " + std::to_string(m.cols) + ")");
      }
      require_entry(m.value[k], name, i, m.col[k]);
    }
  }
}

std::size_t memory_bytes(const SparseMatrix& m) {
  return m.row_start.capacity() * sizeof(std::size_t) + m.col.capacity() * sizeof(std::size_t) +
         m.value.capacity() * sizeof(double);
}

}  // namespace pfsim::contagion
