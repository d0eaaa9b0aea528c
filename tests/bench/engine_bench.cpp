// Engine benchmark (not a timed test): agent-steps per second and bytes per
// agent for a large population at 1 and 2 threads.
//
//   pfsim_bench_engine [consumers=1000000] [smes=100000] [days=31]
//
// Prints one line per thread count. Figures are recorded in tests/bench/README.md.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/engine.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"
#include "world/columns.hpp"

using namespace pfsim;

namespace {

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Bytes held by every agent column and every ledger book row, per agent.
double bytes_per_agent(Simulation& sim) {
  std::size_t bytes = 0;
  for (const Column& c : columns(sim.world())) bytes += c.size * column_type_size(c.type);
  // Ledger columns not in the registry (hub books) are negligible; the issuer
  // columns of deposit books are in the registry as "bank".
  return static_cast<double>(bytes) / static_cast<double>(sim.agent_count());
}

}  // namespace

int main(int argc, char** argv) {
  const long consumers = argc > 1 ? std::atol(argv[1]) : 1000000;
  const long smes = argc > 2 ? std::atol(argv[2]) : 100000;
  const long days = argc > 3 ? std::atol(argv[3]) : 31;
  const Scenario sc =
      scenario::load_file(PFSIM_SOURCE_DIR "/scenarios/baseline.yaml",
                          {"consumers.count=" + std::to_string(consumers),
                           "smes.count=" + std::to_string(smes), "run.spinup_days=0"});
  std::printf(
      "pfsim engine benchmark: %ld consumers, %ld SMEs, %ld days (audit at end of each step)\n",
      consumers, smes, days);
  std::printf("%8s %12s %16s %14s %12s %12s\n", "threads", "build s", "agent-steps/s", "ms per day",
              "bytes/agent", "peak MiB");
  for (const int threads : {1, 2}) {
    SimulationOptions o;
    o.seed = 1;
    o.threads = threads;
    o.audit = engine::AuditLevel::end_of_step;
    const auto t0 = std::chrono::steady_clock::now();
    Simulation sim(sc, o);
    const auto t1 = std::chrono::steady_clock::now();
    sim.step(days);
    const auto t2 = std::chrono::steady_clock::now();
    const double build = std::chrono::duration<double>(t1 - t0).count();
    const double run = std::chrono::duration<double>(t2 - t1).count();
    std::printf("%8d %12.2f %16.3e %14.1f %12.1f %12.1f\n", threads, build,
                static_cast<double>(sim.agent_count()) * static_cast<double>(days) / run,
                1000.0 * run / static_cast<double>(days), bytes_per_agent(sim), peak_rss_mib());
  }
  // Without the audit: the engine alone.
  SimulationOptions o;
  o.threads = 2;
  o.audit = engine::AuditLevel::off;
  Simulation sim(sc, o);
  const auto t1 = std::chrono::steady_clock::now();
  sim.step(days);
  const double run = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("%8s %12s %16.3e %14.1f   (2 threads, audit off)\n", "2", "-",
              static_cast<double>(sim.agent_count()) * static_cast<double>(days) / run,
              1000.0 * run / static_cast<double>(days));
  return 0;
}
