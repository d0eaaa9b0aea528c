// Boost.Graph adapter and seeded topology generators (see graph.hpp).
#include "contagion/graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <unordered_set>

#include "contagion/validate.hpp"

namespace pfsim::contagion {

namespace {

// Uniform in [0, 1) from the top 53 bits of one draw.
double uniform01(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

// Uniform in [0, bound) without modulo bias: draws at or above the largest
// multiple of `bound` that fits in 64 bits are rejected.
std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t bound) {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t excess = (max % bound + 1) % bound;  // 2^64 mod bound
  for (;;) {
    const std::uint64_t x = engine();
    if (excess == 0 || x < max - excess + 1) return x % bound;
  }
}

bool coin(std::mt19937_64& engine) {
  return (engine() >> 63) != 0;
}

double draw_size(std::mt19937_64& engine, ExposureSize size) {
  return size.min + (size.max - size.min) * uniform01(engine);
}

void check_size(ExposureSize size, std::string_view name) {
  if (!(std::isfinite(size.min) && std::isfinite(size.max) && size.min > 0.0 &&
        size.min <= size.max)) {
    fail_input(std::string(name) + ": expected 0 < min <= max (finite), found min " +
               format_number(size.min) + ", max " + format_number(size.max));
  }
}

struct Edge {
  std::size_t from;
  std::size_t to;
};

ExposureGraph graph_with_sizes(std::size_t banks, const std::vector<Edge>& edges, ExposureSize size,
                               std::mt19937_64& engine) {
  ExposureGraph graph(banks);
  for (const Edge& e : edges) boost::add_edge(e.from, e.to, draw_size(engine, size), graph);
  return graph;
}

// `count` distinct values of [0, population) by Floyd's algorithm (O(count)),
// returned sorted so that the result does not depend on hash-set order.
std::vector<std::uint64_t> sample_distinct(std::uint64_t population, std::uint64_t count,
                                           std::mt19937_64& engine) {
  std::unordered_set<std::uint64_t> chosen;
  chosen.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t j = population - count; j < population; ++j) {
    const std::uint64_t t = uniform_below(engine, j + 1);
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  std::vector<std::uint64_t> sorted(chosen.begin(), chosen.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

// `count` distinct members of `pool` (all of them if it is smaller), sorted.
std::vector<std::size_t> choose_from(const std::vector<std::size_t>& pool, std::size_t count,
                                     std::mt19937_64& engine) {
  const std::size_t k = std::min(count, pool.size());
  std::vector<std::size_t> chosen;
  for (const std::uint64_t index : sample_distinct(pool.size(), k, engine)) {
    chosen.push_back(pool[static_cast<std::size_t>(index)]);
  }
  return chosen;
}

}  // namespace

ExposureGraph graph_from_liabilities(const SparseMatrix& liabilities) {
  check_sparse(liabilities, "liabilities");
  ExposureGraph graph(liabilities.rows);
  for (std::size_t i = 0; i < liabilities.rows; ++i) {
    for (std::size_t k = liabilities.row_start[i]; k < liabilities.row_start[i + 1]; ++k) {
      if (liabilities.col[k] != i)
        boost::add_edge(i, liabilities.col[k], liabilities.value[k], graph);
    }
  }
  return graph;
}

ExposureGraph graph_from_liabilities(const DenseMatrix& liabilities) {
  return graph_from_liabilities(sparse_from_dense(liabilities, "liabilities"));
}

SparseMatrix liabilities_from_graph(const ExposureGraph& graph) {
  const std::size_t n = boost::num_vertices(graph);
  std::vector<Triplet> entries;
  entries.reserve(boost::num_edges(graph));
  const auto weight = boost::get(boost::edge_weight, graph);
  for (const auto& e : boost::make_iterator_range(boost::edges(graph))) {
    entries.push_back({boost::source(e, graph), boost::target(e, graph), boost::get(weight, e)});
  }
  return sparse_from_triplets(n, n, entries, "exposure graph edge");
}

ExposureGraph erdos_renyi_gnp(std::size_t banks, double probability, ExposureSize size,
                              std::uint64_t seed) {
  require_in(probability, 0.0, 1.0, "erdos_renyi_gnp probability");
  check_size(size, "erdos_renyi_gnp size");
  std::mt19937_64 engine(seed);
  ExposureGraph graph(banks);
  for (std::size_t i = 0; i < banks; ++i) {
    for (std::size_t j = 0; j < banks; ++j) {
      if (i == j || uniform01(engine) >= probability) continue;
      boost::add_edge(i, j, draw_size(engine, size), graph);
    }
  }
  return graph;
}

ExposureGraph erdos_renyi_gnm(std::size_t banks, std::size_t edges, ExposureSize size,
                              std::uint64_t seed) {
  check_size(size, "erdos_renyi_gnm size");
  const std::uint64_t pairs = banks < 2 ? 0 : static_cast<std::uint64_t>(banks) * (banks - 1);
  if (edges > pairs) {
    fail_input("erdos_renyi_gnm edges: expected at most n (n - 1) = " + std::to_string(pairs) +
               ", found " + std::to_string(edges));
  }
  std::mt19937_64 engine(seed);
  std::vector<Edge> chosen;
  chosen.reserve(edges);
  // Pair index r in [0, n (n − 1)) ↦ (i, j): i = r / (n − 1), and the
  // remainder skips the diagonal.
  for (const std::uint64_t r : sample_distinct(pairs, edges, engine)) {
    const std::size_t i = static_cast<std::size_t>(r / (banks - 1));
    const std::size_t rest = static_cast<std::size_t>(r % (banks - 1));
    chosen.push_back({i, rest < i ? rest : rest + 1});
  }
  return graph_with_sizes(banks, chosen, size, engine);
}

ExposureGraph barabasi_albert(std::size_t banks, std::size_t links_per_new_bank, ExposureSize size,
                              std::uint64_t seed) {
  check_size(size, "barabasi_albert size");
  if (links_per_new_bank < 1)
    fail_input("barabasi_albert links_per_new_bank: expected >= 1, found 0");
  std::mt19937_64 engine(seed);
  const std::size_t m = links_per_new_bank;
  const std::size_t seed_banks = std::min(banks, m + 1);
  std::vector<Edge> edges;
  // Every edge puts both ends here once, so a uniform pick from this list is
  // a pick proportional to degree.
  std::vector<std::size_t> endpoints;
  const auto link = [&](std::size_t a, std::size_t b) {
    edges.push_back(coin(engine) ? Edge{a, b} : Edge{b, a});
    endpoints.push_back(a);
    endpoints.push_back(b);
  };
  for (std::size_t a = 0; a < seed_banks; ++a) {
    for (std::size_t b = a + 1; b < seed_banks; ++b) link(a, b);
  }
  for (std::size_t v = seed_banks; v < banks; ++v) {
    std::vector<std::size_t> targets;
    while (targets.size() < m) {
      const std::size_t t =
          endpoints[static_cast<std::size_t>(uniform_below(engine, endpoints.size()))];
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
    // Attach after drawing all m targets: the new bank's own links must not
    // raise the odds of its later targets.
    for (const std::size_t t : targets) link(v, t);
  }
  return graph_with_sizes(banks, edges, size, engine);
}

ExposureGraph core_periphery(const CorePeripherySpec& spec, std::uint64_t seed) {
  require_in(spec.core_density, 0.0, 1.0, "core_periphery core_density");
  check_size(spec.core_size, "core_periphery core_size");
  check_size(spec.link_size, "core_periphery link_size");
  std::mt19937_64 engine(seed);
  std::size_t banks = 0;
  for (const std::size_t s : spec.tier_sizes) banks += s;
  ExposureGraph graph(banks);
  if (spec.tier_sizes.empty()) return graph;

  const std::size_t core = spec.tier_sizes.front();
  for (std::size_t i = 0; i < core; ++i) {
    for (std::size_t j = 0; j < core; ++j) {
      if (i == j || uniform01(engine) >= spec.core_density) continue;
      boost::add_edge(i, j, draw_size(engine, spec.core_size), graph);
    }
  }
  std::vector<std::size_t> upper(core);
  for (std::size_t i = 0; i < core; ++i) upper[i] = i;
  std::size_t first = core;
  for (std::size_t t = 1; t < spec.tier_sizes.size(); ++t) {
    std::vector<std::size_t> tier;
    for (std::size_t b = first; b < first + spec.tier_sizes[t]; ++b) {
      tier.push_back(b);
      for (const std::size_t partner : choose_from(upper, spec.links_up, engine)) {
        const double amount = draw_size(engine, spec.link_size);
        if (coin(engine)) {
          boost::add_edge(b, partner, amount, graph);
        } else {
          boost::add_edge(partner, b, amount, graph);
        }
      }
    }
    first += spec.tier_sizes[t];
    upper = std::move(tier);
  }
  return graph;
}

namespace {

std::vector<Link> links_of(const ExposureGraph& graph) {
  std::vector<Link> out;
  out.reserve(boost::num_edges(graph));
  for (const auto e : boost::make_iterator_range(boost::edges(graph)))
    out.push_back({boost::source(e, graph), boost::target(e, graph)});
  return out;
}

}  // namespace

std::vector<Link> erdos_renyi_gnp_links(std::size_t banks, double probability, std::uint64_t seed) {
  return links_of(erdos_renyi_gnp(banks, probability, {}, seed));
}

std::vector<Link> barabasi_albert_links(std::size_t banks, std::size_t links_per_new_bank,
                                        std::uint64_t seed) {
  return links_of(barabasi_albert(banks, links_per_new_bank, {}, seed));
}

std::vector<Link> core_periphery_links(const CorePeripherySpec& spec, std::uint64_t seed) {
  return links_of(core_periphery(spec, seed));
}

}  // namespace pfsim::contagion
