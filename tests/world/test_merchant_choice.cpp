// The alias tables consumers choose merchants by (world/merchant_choice.hpp):
// a table draws exactly the weights' distribution, and a caller's mistake is
// reported, never written past a table's end.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "world/merchant_choice.hpp"

namespace {

using pfsim::AliasScratch;
using pfsim::build_alias_table;
using pfsim::InternalError;

struct Table {
  std::vector<float> prob;
  std::vector<std::uint32_t> alias;
};

Table build(const std::vector<double>& weights) {
  Table t{std::vector<float>(weights.size(), -1.0f),
          std::vector<std::uint32_t>(weights.size(), 0xffffffffu)};
  AliasScratch scratch;
  build_alias_table(weights, t.prob, t.alias, scratch);
  return t;
}

// The probability of each outcome of a draw from the table (a slot drawn
// uniformly, kept with prob[slot], else sent to alias[slot]), computed exactly.
std::vector<double> drawn_distribution(const Table& t) {
  const auto n = static_cast<double>(t.prob.size());
  std::vector<double> p(t.prob.size(), 0.0);
  for (std::size_t i = 0; i < t.prob.size(); ++i) {
    p[i] += static_cast<double>(t.prob[i]) / n;
    p[t.alias[i]] += (1.0 - static_cast<double>(t.prob[i])) / n;
  }
  return p;
}

void check_draws_weights(const std::vector<double>& weights) {
  const Table t = build(weights);
  double total = 0;
  for (const double w : weights) total += w;
  const std::vector<double> p = drawn_distribution(t);
  const auto n = static_cast<double>(weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) {
    CAPTURE(i);
    CHECK(t.prob[i] >= 0.0f);
    CHECK(t.prob[i] <= 1.0f);
    REQUIRE(t.alias[i] < weights.size());
    // float probabilities: right to a few parts in 10^7 of a slot's 1/n
    CHECK(std::abs(p[i] - weights[i] / total) <= 1e-6 / n);
  }
}

}  // namespace

TEST_CASE("an alias table draws each weight's share exactly") {
  check_draws_weights({1.0});
  check_draws_weights({3.0, 1.0});
  check_draws_weights({0.0, 5.0, 0.0, 1.0, 2.5});
  // firm-like weights: a few large wage bills among many small ones
  std::vector<double> firms;
  for (int i = 0; i < 5000; ++i) firms.push_back(i % 97 == 0 ? 4.0e9 + i : 1.5e6 * (1 + i % 13));
  check_draws_weights(firms);
  // weights far from 1 in size do not matter, only their shares
  std::vector<double> scaled;
  for (const double w : firms) scaled.push_back(w * 1e-12);
  check_draws_weights(scaled);
}

TEST_CASE("an alias table of zero weights is uniform, of no weights empty") {
  const Table t = build({0.0, 0.0, 0.0});
  for (std::uint32_t i = 0; i < 3; ++i) {
    CHECK(t.prob[i] == 1.0f);
    CHECK(t.alias[i] == i);
  }
  CHECK(build({}).prob.empty());
}

TEST_CASE("an alias table refuses a caller's mistakes") {
  AliasScratch scratch;
  std::vector<float> prob(3, 0.5f);
  std::vector<std::uint32_t> alias(3, 7);
  const std::vector<double> two = {1.0, 2.0};
  // spans of other lengths: nothing written
  CHECK_THROWS_AS(build_alias_table(two, prob, alias, scratch), InternalError);
  CHECK_THROWS_AS(build_alias_table(std::vector<double>{1, 2, 3}, prob,
                                    std::span<std::uint32_t>(alias).first(2), scratch),
                  InternalError);
  CHECK(prob == std::vector<float>(3, 0.5f));
  CHECK(alias == std::vector<std::uint32_t>(3, 7));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double bad : {-1.0, nan, inf}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(build_alias_table(std::vector<double>{1.0, bad, 2.0}, prob, alias, scratch),
                    InternalError);
  }
}
