// The Boost.Graph adapter and the seeded topology generators.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "contagion/graph.hpp"
#include "contagion/topology.hpp"
#include "test_support.hpp"

namespace pfsim::contagion {
namespace {

bool same(const SparseMatrix& a, const SparseMatrix& b) {
  return a.rows == b.rows && a.row_start == b.row_start && a.col == b.col && a.value == b.value;
}

TEST_CASE("graph: liabilities -> graph -> liabilities is the identity (diagonal dropped)") {
  const DenseMatrix l = {{7, 1.5, 0}, {0, 0, 2}, {3, 0, 0}};
  const ExposureGraph g = graph_from_liabilities(l);
  CHECK(boost::num_vertices(g) == 3);
  CHECK(boost::num_edges(g) == 3);
  // Edge direction: debtor → creditor.
  CHECK(boost::edge(0, 1, g).second);
  CHECK_FALSE(boost::edge(1, 0, g).second);
  const DenseMatrix back = dense_from_sparse(liabilities_from_graph(g));
  CHECK(back == DenseMatrix{{0, 1.5, 0}, {0, 0, 2}, {3, 0, 0}});

  const SparseMatrix random = test::random_liabilities(test::Topology::scale_free, 80, 3);
  CHECK(same(liabilities_from_graph(graph_from_liabilities(random)), random));
}

TEST_CASE("graph: parallel edges are summed and self-loops dropped") {
  ExposureGraph g(2);
  boost::add_edge(0, 1, 1.0, g);
  boost::add_edge(0, 1, 2.5, g);
  boost::add_edge(1, 1, 9.0, g);
  const SparseMatrix l = liabilities_from_graph(g);
  CHECK(l.nnz() == 1);
  CHECK(l.at(0, 1) == 3.5);
}

TEST_CASE("graph: generators are deterministic in the seed") {
  const ExposureSize size{1, 10};
  CHECK(same(liabilities_from_graph(erdos_renyi_gnm(200, 2000, size, 42)),
             liabilities_from_graph(erdos_renyi_gnm(200, 2000, size, 42))));
  CHECK_FALSE(same(liabilities_from_graph(erdos_renyi_gnm(200, 2000, size, 42)),
                   liabilities_from_graph(erdos_renyi_gnm(200, 2000, size, 43))));
  CHECK(same(liabilities_from_graph(barabasi_albert(200, 3, size, 9)),
             liabilities_from_graph(barabasi_albert(200, 3, size, 9))));
  CHECK_FALSE(same(liabilities_from_graph(barabasi_albert(200, 3, size, 9)),
                   liabilities_from_graph(barabasi_albert(200, 3, size, 10))));
  CHECK(same(liabilities_from_graph(erdos_renyi_gnp(100, 0.1, size, 5)),
             liabilities_from_graph(erdos_renyi_gnp(100, 0.1, size, 5))));
}

// Pins the output of two generators for one seed: a change in how the
// generators consume their random numbers (which would silently change every
// seeded scenario built on them) fails here. The values were recorded from
// this implementation, not derived independently; std::mt19937_64's output
// sequence is fixed by the standard, so they hold on every platform.
TEST_CASE("graph: generator output is pinned for a fixed seed") {
  const SparseMatrix er = liabilities_from_graph(erdos_renyi_gnm(10, 5, {1, 2}, 1));
  CHECK(er.row_start == std::vector<std::size_t>{0, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5});
  CHECK(er.col == std::vector<std::size_t>{9, 6, 3, 0, 3});
  CHECK(er.value[0] == doctest::Approx(1.911358).epsilon(1e-6));
  CHECK(er.value[4] == doctest::Approx(1.635231).epsilon(1e-6));
  // Barabási-Albert with one link per new bank is a tree: 0→2, 0→4, 1→0, 2→3, 5→1.
  const SparseMatrix ba = liabilities_from_graph(barabasi_albert(6, 1, {1, 1}, 1));
  CHECK(ba.row_start == std::vector<std::size_t>{0, 2, 3, 4, 4, 4, 5});
  CHECK(ba.col == std::vector<std::size_t>{2, 4, 0, 3, 1});
}

TEST_CASE("graph: Erdős-Rényi shapes") {
  const ExposureSize size{2, 3};
  const SparseMatrix gnm = liabilities_from_graph(erdos_renyi_gnm(1000, 50000, size, 7));
  CHECK(gnm.nnz() == 50000);  // exact count, no self-loops or duplicates (those would merge)
  for (std::size_t i = 0; i < gnm.rows; ++i) {
    for (std::size_t k = gnm.row_start[i]; k < gnm.row_start[i + 1]; ++k) {
      CHECK(gnm.col[k] != i);
      CHECK(gnm.value[k] >= 2.0);
      CHECK(gnm.value[k] <= 3.0);
    }
  }
  // A complete graph is a valid G(n, m).
  CHECK(liabilities_from_graph(erdos_renyi_gnm(5, 20, size, 1)).nnz() == 20);
  CHECK_THROWS_AS((void)erdos_renyi_gnm(5, 21, size, 1), std::invalid_argument);
  // G(n, p): 1000·999·0.05 = 49,950 expected edges, sd ≈ 218.
  const std::size_t m = boost::num_edges(erdos_renyi_gnp(1000, 0.05, size, 11));
  CHECK(m > 49950 - 5 * 218);
  CHECK(m < 49950 + 5 * 218);
}

TEST_CASE("graph: Barabási-Albert has the advertised edge count and a heavy tail") {
  const std::size_t n = 2000;
  const std::size_t m = 3;
  const ExposureGraph g = barabasi_albert(n, m, {1, 1}, 2024);
  CHECK(boost::num_edges(g) == m * (m + 1) / 2 + (n - m - 1) * m);
  std::size_t max_degree = 0;
  for (std::size_t v = 0; v < n; ++v) {
    max_degree =
        std::max<std::size_t>(max_degree, boost::in_degree(v, g) + boost::out_degree(v, g));
  }
  // Mean degree ≈ 2m = 6; preferential attachment grows hubs of order
  // m·sqrt(n) ≈ 130, far beyond what a G(n, m) of the same density shows (≈ 15).
  CHECK(max_degree > 60);
  // Distinct targets per new bank: no parallel edges.
  CHECK(liabilities_from_graph(g).nnz() == boost::num_edges(g));
}

TEST_CASE("graph: core-periphery links only within the core and between adjacent tiers") {
  CorePeripherySpec spec;
  spec.tier_sizes = {10, 40, 150};
  spec.core_density = 1.0;
  spec.links_up = 3;
  const ExposureGraph g = core_periphery(spec, 99);
  CHECK(boost::num_vertices(g) == 200);
  CHECK(boost::num_edges(g) == 10 * 9 + 40 * 3 + 150 * 3);
  const auto tier = [](std::size_t v) { return v < 10 ? 0 : (v < 50 ? 1 : 2); };
  for (const auto& e : boost::make_iterator_range(boost::edges(g))) {
    const int a = tier(boost::source(e, g));
    const int b = tier(boost::target(e, g));
    const bool inside_core = a == 0 && b == 0;
    CHECK((inside_core || std::abs(a - b) == 1));
  }
}

// The edge lists world/ builds its interbank graph from (topology.hpp) are
// exactly the generated graphs' edges, in the same order.
std::vector<std::pair<std::size_t, std::size_t>> edge_pairs(const ExposureGraph& g) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const auto e : boost::make_iterator_range(boost::edges(g)))
    out.emplace_back(boost::source(e, g), boost::target(e, g));
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> link_pairs(const std::vector<Link>& links) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const Link& l : links) out.emplace_back(l.from, l.to);
  return out;
}

TEST_CASE("graph: the plain edge lists are the generated graphs' edges") {
  for (const std::uint64_t seed : {1u, 7u, 42u}) {
    CHECK(link_pairs(erdos_renyi_gnp_links(30, 0.2, seed)) ==
          edge_pairs(erdos_renyi_gnp(30, 0.2, {}, seed)));
    CHECK(link_pairs(barabasi_albert_links(40, 2, seed)) ==
          edge_pairs(barabasi_albert(40, 2, {}, seed)));
    CorePeripherySpec spec;
    spec.tier_sizes = {4, 10, 20};
    spec.core_density = 0.7;
    spec.links_up = 2;
    CHECK(link_pairs(core_periphery_links(spec, seed)) == edge_pairs(core_periphery(spec, seed)));
    CHECK(!core_periphery_links(spec, seed).empty());
  }
}

TEST_CASE("graph: invalid generator arguments throw") {
  CHECK_THROWS_AS((void)erdos_renyi_gnp(10, 1.5, {1, 1}, 1), std::invalid_argument);
  CHECK_THROWS_AS((void)erdos_renyi_gnp(10, 0.5, {0, 1}, 1), std::invalid_argument);
  CHECK_THROWS_AS((void)barabasi_albert(10, 0, {1, 1}, 1), std::invalid_argument);
  CHECK_THROWS_AS((void)core_periphery(CorePeripherySpec{{3, 3}, 2.0, 1, {}, {}}, 1),
                  std::invalid_argument);
}

}  // namespace
}  // namespace pfsim::contagion
