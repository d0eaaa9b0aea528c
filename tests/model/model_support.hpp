// Shared by the model's scenario tests: small baseline worlds, runs, and
// reading a recorded indicator series.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "indicators/indicators.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"

namespace pfsim::testing {

// The baseline with 6,000 consumers and 600 SMEs for `days` days, plus `extra`
// (YAML: more sections, e.g. "events:\n  - {...}\n"). No spin-up: these
// tests check each mechanism from a day-1 world (tests/model/test_behaviour.cpp
// compares runs from the steady state).
inline Scenario small_baseline(const std::string& extra, std::int64_t days) {
  const std::string text = "extends: baseline.yaml\nrun: {days: " + std::to_string(days) +
                           ", spinup_days: 0}\nconsumers: {count: 6000}\nsmes: {count: 600}\n" +
                           extra;
  return scenario::load_text(text, PFSIM_SOURCE_DIR "/scenarios/model_test.yaml");
}

// `days` days of `sc` on 2 threads, audited at the end of every step.
inline std::unique_ptr<Simulation> run_days(const Scenario& sc, std::int64_t days,
                                            std::uint64_t seed) {
  SimulationOptions o;
  o.seed = seed;
  o.threads = 2;
  o.audit = engine::AuditLevel::end_of_step;
  auto sim = std::make_unique<Simulation>(sc, o);
  sim->step(days);
  return sim;
}

inline std::vector<double> series(const Simulation& sim, const char* name) {
  const int k = indicators::find(name);
  REQUIRE_MESSAGE(k >= 0, name);
  return sim.series(static_cast<std::size_t>(k));
}

// Σ of an indicator from day `first_day` on, NaNs skipped.
inline double sum_from(const Simulation& sim, const char* name, std::size_t first_day = 0) {
  const auto& s = series(sim, name);
  double total = 0;
  for (std::size_t t = first_day; t < s.size(); ++t)
    if (!std::isnan(s[t])) total += s[t];
  return total;
}

}  // namespace pfsim::testing
