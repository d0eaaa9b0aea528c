// Interbank topologies as plain edge lists: the generators of graph.hpp for
// callers that should not name Boost.Graph. world/ draws its interbank
// relationship graph from these, so Boost stays inside this module (the
// functions are defined in graph.cpp, next to the generators they list).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pfsim::contagion {

// Sizes of generated exposures: uniform in [min, max], 0 < min <= max.
struct ExposureSize {
  double min = 1.0;
  double max = 1.0;
};

struct CorePeripherySpec {
  // Banks per tier, core first; bank indices run through the tiers in order.
  std::vector<std::size_t> tier_sizes;
  // Probability of each directed edge between two core banks.
  double core_density = 1.0;
  // Each bank of tier t >= 1 links to this many distinct banks of tier t − 1
  // (all of them if the tier above is smaller); the direction of each link is
  // a fair coin flip. No links inside a non-core tier or skipping a tier.
  std::size_t links_up = 1;
  ExposureSize core_size{};
  ExposureSize link_size{};
};

// A directed link: bank `from` owes bank `to` (as an edge of graph.hpp).
struct Link {
  std::size_t from = 0;
  std::size_t to = 0;
};

// The links of erdos_renyi_gnp, barabasi_albert and core_periphery (graph.hpp)
// for the same arguments and seed, in the graph's edge order. Exposure sizes
// are not listed: the draws that make them still happen, so the links are
// exactly those of the weighted graph.
[[nodiscard]] std::vector<Link> erdos_renyi_gnp_links(std::size_t banks, double probability,
                                                      std::uint64_t seed);
[[nodiscard]] std::vector<Link> barabasi_albert_links(std::size_t banks,
                                                      std::size_t links_per_new_bank,
                                                      std::uint64_t seed);
[[nodiscard]] std::vector<Link> core_periphery_links(const CorePeripherySpec& spec,
                                                     std::uint64_t seed);

}  // namespace pfsim::contagion
