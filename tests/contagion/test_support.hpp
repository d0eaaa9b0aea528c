// Helpers shared by the contagion tests: seeded random balance sheets on
// generated topologies and an independent reference for clearing (plain
// Picard iteration), so the property tests do not trust the code under test.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "contagion/graph.hpp"
#include "contagion/matrix.hpp"

namespace pfsim::contagion::test {

// A seeded source of uniform numbers built from raw mt19937_64 output (the
// standard fixes that sequence), so the tests draw the same on any platform.
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : engine_(seed) {}
  double uniform(double lo = 0.0, double hi = 1.0) {
    return lo + (hi - lo) * (static_cast<double>(engine_() >> 11) * 0x1.0p-53);
  }
  std::size_t index(std::size_t n) {
    return static_cast<std::size_t>(uniform() * static_cast<double>(n));
  }

 private:
  std::mt19937_64 engine_;
};

enum class Topology { erdos_renyi, scale_free, core_periphery };

inline const char* name(Topology t) {
  switch (t) {
    case Topology::erdos_renyi:
      return "erdos_renyi";
    case Topology::scale_free:
      return "scale_free";
    case Topology::core_periphery:
      return "core_periphery";
  }
  return "?";
}

inline SparseMatrix random_liabilities(Topology topology, std::size_t banks, std::uint64_t seed) {
  const ExposureSize size{1.0, 10.0};
  switch (topology) {
    case Topology::erdos_renyi:
      return liabilities_from_graph(erdos_renyi_gnm(banks, banks * 4, size, seed));
    case Topology::scale_free:
      return liabilities_from_graph(barabasi_albert(banks, 3, size, seed));
    case Topology::core_periphery: {
      CorePeripherySpec spec;
      spec.tier_sizes = {banks / 8, banks / 4, banks - banks / 8 - banks / 4};
      spec.core_density = 0.7;
      spec.links_up = 2;
      spec.core_size = {5.0, 20.0};
      spec.link_size = size;
      return liabilities_from_graph(core_periphery(spec, seed));
    }
  }
  return {};
}

// A random clearing problem: external liabilities up to half the interbank
// ones, external assets up to `asset_ratio` × total obligations (so that,
// for ratio < 1, a good share of banks defaults).
struct ClearingCase {
  SparseMatrix liabilities;
  Vector external_assets;
  Vector external_liabilities;
};

inline ClearingCase random_clearing_case(Topology topology, std::size_t banks, std::uint64_t seed,
                                         double asset_ratio = 0.8) {
  ClearingCase c;
  c.liabilities = random_liabilities(topology, banks, seed);
  Draws draws(seed ^ 0x9e3779b97f4a7c15ULL);
  for (std::size_t i = 0; i < banks; ++i) {
    const double interbank = c.liabilities.row_sum(i);
    c.external_liabilities.push_back(draws.uniform(0.0, 0.5) * interbank + draws.uniform(0.0, 1.0));
    const double pbar = interbank + c.external_liabilities.back();
    c.external_assets.push_back(draws.uniform(0.0, asset_ratio) * pbar);
  }
  return c;
}

inline Vector total_obligations(const SparseMatrix& l, const Vector& el) {
  Vector pbar(l.rows, 0.0);
  for (std::size_t i = 0; i < l.rows; ++i) pbar[i] = l.row_sum(i) + (el.empty() ? 0.0 : el[i]);
  return pbar;
}

// Σ_j Π_ji p_j, computed the textbook way (Π then Πᵀp) on a dense copy.
inline Vector receipts_reference(const SparseMatrix& l, const Vector& pbar, const Vector& p) {
  const DenseMatrix dense = dense_from_sparse(l);
  Vector out(l.rows, 0.0);
  for (std::size_t j = 0; j < l.rows; ++j) {
    if (pbar[j] == 0.0) continue;
    for (std::size_t i = 0; i < l.rows; ++i) {
      if (i != j) out[i] += dense[j][i] / pbar[j] * p[j];
    }
  }
  return out;
}

// The clearing map Φ of Rogers & Veraart (2013) (Eisenberg-Noe for α = β = 1).
inline Vector clearing_map(const SparseMatrix& l, const Vector& e, const Vector& pbar,
                           const Vector& p, double alpha = 1.0, double beta = 1.0) {
  const Vector receipts = receipts_reference(l, pbar, p);
  Vector out(p.size(), 0.0);
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double cash = e[i] + receipts[i];
    out[i] = cash >= pbar[i] ? pbar[i] : alpha * e[i] + beta * receipts[i];
  }
  return out;
}

// Picard iteration p ← Φ(p) from p̄ downward until it stops moving. The
// sequence falls monotonically and stays above every fixed point (Φ is
// monotone), so its limit is the greatest clearing vector.
inline Vector picard_greatest(const SparseMatrix& l, const Vector& e, const Vector& el,
                              double alpha = 1.0, double beta = 1.0) {
  const Vector pbar = total_obligations(l, el);
  double scale = 1.0;
  for (const double x : pbar) scale = std::max(scale, x);
  Vector p = pbar;
  for (int it = 0; it < 1000000; ++it) {
    const Vector next = clearing_map(l, e, pbar, p, alpha, beta);
    double change = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) change = std::max(change, std::fabs(next[i] - p[i]));
    p = next;
    if (change <= 1e-15 * scale) break;
  }
  return p;
}

inline double max_abs_diff(const Vector& a, const Vector& b) {
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d;
}

inline double sum(const Vector& v) {
  double s = 0.0;
  for (const double x : v) s += x;
  return s;
}

}  // namespace pfsim::contagion::test
