// The steady-state step allocates nothing (issue 18): once a run has settled,
// the phases of an ordinary day reuse their buffers. This program replaces the
// global operator new with a counting one (alloc_count.cpp), so the count is
// of every allocation made by the step, the audit and the day's indicators
// (the results row's values), from every thread.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc_count.hpp"
#include "core/date.hpp"
#include "engine/engine.hpp"
#include "exec/parallel.hpp"
#include "indicators/indicators.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"

using namespace pfsim;

namespace {

// Allocations per phase (then the audit), counted by the phase hooks, and by
// the day's indicators (the last slot).
struct PhaseAllocations {
  std::vector<std::uint64_t> today;
  std::uint64_t at_start = 0;
};

void count_before(void* ctx, std::size_t) {
  static_cast<PhaseAllocations*>(ctx)->at_start = testing::allocations_so_far();
}
void count_after(void* ctx, std::size_t k) {
  auto* c = static_cast<PhaseAllocations*>(ctx);
  c->today[k] += testing::allocations_so_far() - c->at_start;
}

std::string slot_name(std::size_t k) {
  const auto table = engine::phase_table();
  if (k < table.size()) return std::string(table[k].name);
  return k == table.size() ? "audit" : "indicators";
}

struct Counts {
  std::vector<std::uint64_t> ordinary, month_end;  // per phase, summed over the days
  int ordinary_days = 0, month_ends = 0;
};

// The baseline economy at 3,000 consumers after a 90-day spin-up (loans of
// every kind, two month ends behind it), then 62 days counted.
Counts count_allocations(int threads) {
  const Scenario sc =
      scenario::load_file(PFSIM_SOURCE_DIR "/scenarios/baseline.yaml",
                          {"consumers.count=3000", "smes.count=300", "run.spinup_days=90"});
  SimulationOptions o;
  o.seed = 3;
  o.threads = threads;
  o.audit = engine::AuditLevel::end_of_step;
  Simulation sim(sc, o);
  exec::Arena arena(threads);
  const std::size_t slots = engine::phase_table().size() + 2;
  std::vector<double> latest(indicators::table().size());
  PhaseAllocations count{std::vector<std::uint64_t>(slots, 0), 0};
  const engine::PhaseHooks hooks{&count, count_before, count_after};
  Counts out{std::vector<std::uint64_t>(slots, 0), std::vector<std::uint64_t>(slots, 0)};
  arena.run([&] {
    // The spin-up computes no indicators: once first, as every earlier day of
    // a recorded run would have.
    indicators::compute(sim.world(), latest);
    for (int d = 0; d < 62; ++d) {
      std::fill(count.today.begin(), count.today.end(), 0);
      const bool last_of_month = to_civil(sim.world().today().plus_days(1)).day == 1;
      engine::advance_day(sim.world(), o.audit, &hooks);
      const std::uint64_t before_indicators = testing::allocations_so_far();
      indicators::compute(sim.world(), latest);
      count.today[slots - 1] += testing::allocations_so_far() - before_indicators;
      auto& into = last_of_month ? out.month_end : out.ordinary;
      for (std::size_t k = 0; k < slots; ++k) into[k] += count.today[k];
      (last_of_month ? out.month_ends : out.ordinary_days) += 1;
    }
  });
  return out;
}

}  // namespace

TEST_CASE("the counter sees allocations") {
  const std::uint64_t before = testing::allocations_so_far();
  const auto* p = new std::vector<int>(1000, 1);
  CHECK(testing::allocations_so_far() >= before + 2);
  delete p;
}

TEST_CASE("a settled run's ordinary days allocate nothing, at 1 and 2 threads") {
  for (const int threads : {1, 2}) {
    CAPTURE(threads);
    const Counts c = count_allocations(threads);
    REQUIRE(c.month_ends == 2);
    std::uint64_t ordinary = 0, month_end = 0;
    for (std::size_t k = 0; k < c.ordinary.size(); ++k) {
      CAPTURE(slot_name(k));
      // A list kept from one day to the next may still grow to a new
      // high-water mark now and then (3 times in these 60 days at 1 thread):
      // never a phase that allocates day after day.
      CHECK(c.ordinary[k] <= 3);
      ordinary += c.ordinary[k];
      month_end += c.month_end[k];
    }
    CHECK(ordinary * 10 <= static_cast<std::uint64_t>(c.ordinary_days));
    // A month end's only allocations are the merchant tables' 4 working lists,
    // freed after the rebuild on purpose (kept, they would hold 16 bytes per
    // firm all month); the interbank exposure matrix, the banks' exposure
    // totals, DebtRank's runs, the month's costs and dividends reuse kept
    // lists (4 per month end measured; 21 before they did).
    CHECK(month_end <= 2 * 6);
    MESSAGE("allocations: " << ordinary << " on " << c.ordinary_days << " ordinary days, "
                            << month_end << " at " << c.month_ends << " month ends");
  }
}

TEST_CASE("exact sums over more than 512 chunks allocate nothing") {
  // A step sums every agent's net worth and several books (begin_day,
  // origination): at 10^7 consumers that is 2,442 chunks, beyond what a
  // 3,000-consumer run reaches.
  const std::size_t n = 2500 * exec::chunk_size;
  std::vector<Fen> values(n, 3);
  exec::Arena arena(2);
  arena.run([&] {
    Int128 total = exec::exact_sum(n, [&](std::size_t i) { return values[i]; });  // warm-up
    const std::uint64_t before = testing::allocations_so_far();
    total += exec::exact_sum(n, [&](std::size_t i) { return values[i]; });
    CHECK(testing::allocations_so_far() == before);
    CHECK(total == static_cast<Int128>(n) * 6);
  });
}
