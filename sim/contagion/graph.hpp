// Boost.Graph adapter of the contagion module (the only file of the module
// that uses Boost.Graph): the exposure graph of a liabilities matrix and back,
// and seeded generators of interbank topologies:
//   * Erdős-Rényi: Erdős, P. & Rényi, A. (1959). On Random Graphs I.
//     Publicationes Mathematicae 6, 290-297 (G(n, m)); Gilbert, E. N. (1959).
//     Random Graphs. Annals of Mathematical Statistics 30(4), 1141-1144 (G(n, p)).
//   * Scale-free by preferential attachment: Barabási, A.-L. & Albert, R.
//     (1999). Emergence of Scaling in Random Networks. Science 286, 509-512.
//   * Tiered core-periphery: Craig, B. & von Peter, G. (2014). Interbank
//     Tiering and Money Center Banks. Journal of Financial Intermediation
//     23(3), 322-347 (a densely linked core; other banks deal only with the
//     tier above them).
//
// Edge i → j with weight w means bank i owes bank j the amount w (L_ij = w):
// j is exposed to i, and losses travel along the edge direction.
//
// The specs (ExposureSize, CorePeripherySpec) and the same generators as
// plain edge lists, for callers that should not name Boost, are in
// topology.hpp.
//
// Every generator is a pure function of its arguments: it seeds its own
// std::mt19937_64 (whose output sequence the C++ standard fixes) from `seed`
// and turns raw draws into numbers itself rather than through
// std::uniform_*_distribution, whose algorithms differ between standard
// libraries. Same arguments, same graph, on every platform.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "contagion/matrix.hpp"
#include "contagion/topology.hpp"

namespace pfsim::contagion {

using ExposureGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property,
                          boost::property<boost::edge_weight_t, double>>;

// One edge per nonzero off-diagonal L_ij, weight L_ij.
[[nodiscard]] ExposureGraph graph_from_liabilities(const SparseMatrix& liabilities);
[[nodiscard]] ExposureGraph graph_from_liabilities(const DenseMatrix& liabilities);

// L_ij = total weight of the edges i → j (parallel edges summed, self-loops
// dropped). Throws std::invalid_argument when a weight is not finite and >= 0.
[[nodiscard]] SparseMatrix liabilities_from_graph(const ExposureGraph& graph);

// Directed G(n, p): each ordered pair i != j is an edge with probability p.
[[nodiscard]] ExposureGraph erdos_renyi_gnp(std::size_t banks, double probability,
                                            ExposureSize size, std::uint64_t seed);

// Directed G(n, m): exactly `edges` distinct ordered pairs i != j, uniformly
// chosen among all such sets (edges <= n (n − 1)).
[[nodiscard]] ExposureGraph erdos_renyi_gnm(std::size_t banks, std::size_t edges, ExposureSize size,
                                            std::uint64_t seed);

// Preferential attachment: banks 0..m form a complete seed graph; each later
// bank links to m distinct earlier banks drawn with probability proportional
// to their degree (in + out). Each link's direction (who owes whom) is a fair
// coin flip, so hubs are both large lenders and large borrowers.
// Edges: m (m + 1) / 2 + (n − m − 1) m when n > m + 1.
[[nodiscard]] ExposureGraph barabasi_albert(std::size_t banks, std::size_t links_per_new_bank,
                                            ExposureSize size, std::uint64_t seed);

// Tiered core-periphery (the spec is in topology.hpp).
[[nodiscard]] ExposureGraph core_periphery(const CorePeripherySpec& spec, std::uint64_t seed);

}  // namespace pfsim::contagion
