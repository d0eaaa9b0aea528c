// Engine benchmark (not a timed test): where a simulated day's time goes and
// how close each phase comes to what this machine's memory can deliver.
//
//   pfsim_bench_engine [consumers=1000000] [smes=100000] [days=31]
//   pfsim_bench_engine --memory [consumers] [smes] [days=3] [threads=2]
//
// `--memory` runs once and prints where the bytes go: peak resident memory per
// agent, and the state's lists (run/memory.hpp, state_bytes) by store and the
// largest ones, in bytes per agent.
//
// Prints, all measured in this one run:
//  * the machine's bandwidth roofline: a STREAM triad (a[i] = b[i] + s·c[i])
//    built with the same flags, at 1 and 2 threads;
//  * per phase of the step: time per day and per agent-step at 1 and 2
//    threads, the second thread's gain, the distinct bytes the phase touches
//    per agent-step (read or written, at page granularity: measured by the
//    kernel's page "referenced" bits in a child process with transparent huge
//    pages off — a lower bound on the traffic, as a page touched twice counts
//    once), and the bandwidth that implies as a share of the triad's; and the
//    calls to operator new the phase made per day at 2 threads (this program
//    counts them: tests/engine/alloc_count.cpp);
//  * totals: agent-steps/s with the audit at 1 and 2 threads, without it, the
//    audit's share of a step, the whole Simulation::step (results rows
//    included), and peak memory per agent.
// tests/bench/README.md says how to run it; issue 18 will record before/after
// figures measured in one session in docs/performance.md.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../engine/alloc_count.hpp"
#include "engine/engine.hpp"
#include "exec/parallel.hpp"
#include "run/memory.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"

using namespace pfsim;
using Clock = std::chrono::steady_clock;

namespace {

double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;
}

// --- the roofline: STREAM triad ---------------------------------------------

// Best of 5 triads over three arrays of n doubles, in GB/s (24 bytes per
// element moved, as STREAM counts them).
double triad_gb_per_s(int threads, std::size_t n) {
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  exec::Arena arena(threads);
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = Clock::now();
    arena.run([&] {
      exec::for_each_chunk(n, [&](std::size_t, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) a[i] = b[i] + 3.0 * c[i];
      });
    });
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  if (a[n / 2] != 7.0) std::abort();  // keeps the loop, and checks it
  return 24.0 * static_cast<double>(n) / best / 1e9;
}

// --- phase timings ----------------------------------------------------------

struct PhaseClock {
  std::vector<double> seconds;             // per phase, the audit last
  std::vector<std::uint64_t> allocations;  // calls to operator new, per phase
  Clock::time_point started;
  std::uint64_t allocations_at_start = 0;
};

void clock_before(void* ctx, std::size_t) {
  auto* c = static_cast<PhaseClock*>(ctx);
  c->allocations_at_start = testing::allocations_so_far();
  c->started = Clock::now();
}
void clock_after(void* ctx, std::size_t k) {
  auto* c = static_cast<PhaseClock*>(ctx);
  c->seconds[k] += std::chrono::duration<double>(Clock::now() - c->started).count();
  c->allocations[k] += testing::allocations_so_far() - c->allocations_at_start;
}

struct PhaseCosts {
  std::vector<double> seconds;      // per day
  std::vector<double> allocations;  // per day
};

std::size_t slots() {
  return engine::phase_table().size() + 1;  // + the audit
}

std::string slot_name(std::size_t k) {
  return k < engine::phase_table().size() ? std::string(engine::phase_table()[k].name) : "audit";
}

Scenario bench_scenario(long consumers, long smes) {
  return scenario::load_file(PFSIM_SOURCE_DIR "/scenarios/baseline.yaml",
                             {"consumers.count=" + std::to_string(consumers),
                              "smes.count=" + std::to_string(smes), "run.spinup_days=0"});
}

// Seconds and allocations per day of every phase, over `days` days after two
// days of warm-up.
PhaseCosts phase_costs(const Scenario& sc, int threads, long days, engine::AuditLevel audit) {
  SimulationOptions o;
  o.seed = 1;
  o.threads = threads;
  o.audit = audit;
  Simulation sim(sc, o);
  exec::Arena arena(threads);
  PhaseClock clock{
      std::vector<double>(slots(), 0.0), std::vector<std::uint64_t>(slots(), 0), {}, 0};
  const engine::PhaseHooks hooks{&clock, clock_before, clock_after};
  arena.run([&] {
    for (int d = 0; d < 2; ++d) engine::advance_day(sim.world(), audit);
    for (long d = 0; d < days; ++d) engine::advance_day(sim.world(), audit, &hooks);
  });
  PhaseCosts out{clock.seconds, std::vector<double>(slots(), 0.0)};
  for (std::size_t k = 0; k < slots(); ++k) {
    out.seconds[k] /= static_cast<double>(days);
    out.allocations[k] = static_cast<double>(clock.allocations[k]) / static_cast<double>(days);
  }
  return out;
}

// --- bytes touched per phase (child process) --------------------------------

void clear_referenced() {
  std::ofstream("/proc/self/clear_refs") << "1";
}

double referenced_bytes() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("Referenced:", 0) == 0) return std::atof(line.c_str() + 11) * 1024.0;
  return -1.0;
}

struct TouchLog {
  std::vector<double> bytes;
};
void touch_before(void*, std::size_t) {
  clear_referenced();
}
void touch_after(void* ctx, std::size_t k) {
  static_cast<TouchLog*>(ctx)->bytes[k] = referenced_bytes();
}

// The child: transparent huge pages off (4 KiB granularity), two days of
// warm-up, then one measured day at 1 thread; prints "touch K BYTES" lines.
int touch_main(long consumers, long smes) {
  prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  // First check that the kernel's referenced bits see memory being read: under
  // some hypervisors (paravirtualised page tables) they do not, and the figures
  // would be silently too low. Read 64 MiB already resident and count.
  {
    std::vector<std::uint64_t> probe(std::size_t{8} << 20, 1);
    clear_referenced();
    const double before = referenced_bytes();
    volatile std::uint64_t sum = 0;
    for (std::size_t i = 0; i < probe.size(); i += 512) sum = sum + probe[i];
    const double seen = referenced_bytes() - before;
    if (seen < 0.5 * static_cast<double>(probe.size() * sizeof(std::uint64_t))) {
      std::fprintf(stderr, "referenced bits unreliable here: %.0f of %zu bytes seen\n", seen,
                   probe.size() * sizeof(std::uint64_t));
      return 0;  // no "touch" lines: the table says n/a
    }
  }
  const Scenario sc = bench_scenario(consumers, smes);
  SimulationOptions o;
  o.seed = 1;
  o.threads = 1;
  o.audit = engine::AuditLevel::end_of_step;
  Simulation sim(sc, o);
  exec::Arena arena(1);
  TouchLog log{std::vector<double>(slots(), -1.0)};
  const engine::PhaseHooks hooks{&log, touch_before, touch_after};
  arena.run([&] {
    for (int d = 0; d < 2; ++d) engine::advance_day(sim.world(), o.audit);
    engine::advance_day(sim.world(), o.audit, &hooks);
  });
  for (std::size_t k = 0; k < slots(); ++k) std::printf("touch %zu %.0f\n", k, log.bytes[k]);
  return 0;
}

// Runs this program again with --touch and reads its lines (empty if the
// kernel offers no referenced bits, e.g. no /proc/self/clear_refs).
std::vector<double> touched_bytes(long consumers, long smes) {
  std::vector<double> out(slots(), -1.0);
  std::vector<char> self(4096, '\0');
  if (readlink("/proc/self/exe", self.data(), self.size() - 1) <= 0) return out;
  const std::string cmd = std::string("'") + self.data() + "' --touch " +
                          std::to_string(consumers) + " " + std::to_string(smes) + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::size_t k = 0;
  double bytes = 0;
  while (std::fscanf(p, "touch %zu %lf\n", &k, &bytes) == 2)
    if (k < out.size()) out[k] = bytes;
  pclose(p);
  return out;
}

// Also reports the run's agent count (`agents`) and, if asked, its peak memory per agent.
double agent_steps_per_s(const Scenario& sc, int threads, long days, engine::AuditLevel audit,
                         double* agents_out, double* peak_bytes_per_agent) {
  SimulationOptions o;
  o.seed = 1;
  o.threads = threads;
  o.audit = audit;
  Simulation sim(sc, o);
  const auto t0 = Clock::now();
  sim.step(days);
  const double run = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto agents = static_cast<double>(sim.agent_count());
  *agents_out = agents;
  if (peak_bytes_per_agent != nullptr) *peak_bytes_per_agent = peak_rss_bytes() / agents;
  return agents * static_cast<double>(days) / run;
}

double current_rss_bytes() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

int memory_main(long consumers, long smes, long days, int threads) {
  const Scenario sc = bench_scenario(consumers, smes);
  SimulationOptions o;
  o.seed = 1;
  o.threads = threads;
  const auto t0 = Clock::now();
  Simulation sim(sc, o);
  const double built_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double built_rss = current_rss_bytes();
  const double built_peak = peak_rss_bytes();
  const auto t1 = Clock::now();
  sim.step(days);
  const double step_s = std::chrono::duration<double>(Clock::now() - t1).count();
  const auto agents = static_cast<double>(sim.agent_count());
  // Ledger books by name ("world/ledger/books/7/balance" → ".../consumer_deposit/balance").
  std::vector<std::pair<std::string, double>> lists;
  for (auto& [name, bytes] : state_bytes(sim.world())) {
    std::string label = name;
    const std::string books = "world/ledger/books/";
    if (label.starts_with(books)) {
      const std::size_t slash = label.find('/', books.size());
      const auto k = static_cast<BookId>(std::stoul(label.substr(books.size())));
      label = "world/ledger/" + sim.world().ledger.book(k).name + label.substr(slash);
    }
    lists.emplace_back(label, static_cast<double>(bytes));
  }
  std::vector<std::pair<std::string, double>> groups;  // up to the second '/'
  double state = 0;
  for (const auto& [name, bytes] : lists) {
    state += bytes;
    const std::size_t cut = name.find('/', name.find('/') + 1);
    std::string g = name.substr(0, cut);
    if (g == "world/ledger") g = "world/ledger/" + name.substr(13, name.find('/', 13) - 13);
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == g; });
    if (it == groups.end())
      groups.emplace_back(g, bytes);
    else
      it->second += bytes;
  }
  const auto by_size = [](const auto& a, const auto& b) { return a.second > b.second; };
  std::sort(groups.begin(), groups.end(), by_size);
  std::sort(lists.begin(), lists.end(), by_size);
  std::printf("pfsim memory: %ld consumers, %ld SMEs (%.0f agents), %ld days, %d threads\n",
              consumers, smes, agents, days, threads);
  std::printf("built in %.1f s, %ld days in %.1f s\n", built_s, days, step_s);
  std::printf("resident after building: %.1f B/agent (peak while building %.1f B/agent)\n",
              built_rss / agents, built_peak / agents);
  std::printf("peak resident: %.1f B/agent (%.2f GiB); now %.1f B/agent\n",
              peak_rss_bytes() / agents, peak_rss_bytes() / (1024.0 * 1024 * 1024),
              current_rss_bytes() / agents);
  std::printf("state (checkpointed lists, capacity): %.1f B/agent\n\n", state / agents);
  std::printf("%-44s %10s\n", "state by store/book", "B/agent");
  for (const auto& [g, bytes] : groups)
    if (bytes / agents >= 0.05) std::printf("%-44s %10.2f\n", g.c_str(), bytes / agents);
  std::printf("\n%-60s %10s\n", "largest lists", "B/agent");
  for (std::size_t k = 0; k < lists.size() && k < 60; ++k)
    std::printf("%-60s %10.2f\n", lists[k].first.c_str(), lists[k].second / agents);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--memory") == 0)
    return memory_main(argc > 2 ? std::atol(argv[2]) : 1000000,
                       argc > 3 ? std::atol(argv[3]) : 100000, argc > 4 ? std::atol(argv[4]) : 3,
                       argc > 5 ? std::atoi(argv[5]) : 2);
  if (argc > 1 && std::strcmp(argv[1], "--touch") == 0)
    return touch_main(argc > 2 ? std::atol(argv[2]) : 1000000,
                      argc > 3 ? std::atol(argv[3]) : 100000);
  const long consumers = argc > 1 ? std::atol(argv[1]) : 1000000;
  const long smes = argc > 2 ? std::atol(argv[2]) : 100000;
  const long days = argc > 3 ? std::atol(argv[3]) : 31;
  const Scenario sc = bench_scenario(consumers, smes);

  // Peak memory first, while nothing else has been allocated.
  double peak_per_agent = 0;
  double agents = 0;
  const double whole_2 =
      agent_steps_per_s(sc, 2, days, engine::AuditLevel::end_of_step, &agents, &peak_per_agent);
  const double whole_1 =
      agent_steps_per_s(sc, 1, days, engine::AuditLevel::end_of_step, &agents, nullptr);

  const std::size_t triad_n = std::size_t{1} << 24;  // 3 × 128 MiB: far beyond any cache
  const double stream_1 = triad_gb_per_s(1, triad_n);
  const double stream_2 = triad_gb_per_s(2, triad_n);
  const std::vector<double> t1 = phase_costs(sc, 1, days, engine::AuditLevel::end_of_step).seconds;
  const PhaseCosts costs_2 = phase_costs(sc, 2, days, engine::AuditLevel::end_of_step);
  const std::vector<double>& t2 = costs_2.seconds;
  const std::vector<double> touched = touched_bytes(consumers, smes);

  std::printf(
      "pfsim engine benchmark: %ld consumers, %ld SMEs (%.0f agents), %ld days, %ld cores\n",
      consumers, smes, agents, days, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("STREAM triad (same flags): %.1f GB/s on 1 thread, %.1f GB/s on 2 threads\n\n",
              stream_1, stream_2);
  std::printf("%-20s %9s %9s %9s %8s %10s %9s %9s %10s\n", "phase", "ms/day 1T", "ns/a-s 1T",
              "ms/day 2T", "2T gain", "B/a-s", "GB/s 2T", "% triad", "allocs/day");
  double sum1 = 0, sum2 = 0;
  for (std::size_t k = 0; k < slots(); ++k) {
    sum1 += t1[k];
    sum2 += t2[k];
    const double per_agent = touched[k] >= 0 ? touched[k] / agents : -1.0;
    const double gbs = touched[k] >= 0 ? touched[k] / t2[k] / 1e9 : -1.0;
    std::printf("%-20s %9.2f %9.1f %9.2f %7.0f%% ", slot_name(k).c_str(), 1e3 * t1[k],
                1e9 * t1[k] / agents, 1e3 * t2[k], 100.0 * (t1[k] / t2[k] - 1.0));
    if (per_agent >= 0)
      std::printf("%10.1f %9.2f %8.1f%%", per_agent, gbs, 100.0 * gbs / stream_2);
    else
      std::printf("%10s %9s %9s", "n/a", "n/a", "n/a");
    std::printf(" %10.1f\n", costs_2.allocations[k]);
  }
  std::printf("%-20s %9.2f %9.1f %9.2f %7.0f%%\n\n", "step (engine)", 1e3 * sum1,
              1e9 * sum1 / agents, 1e3 * sum2, 100.0 * (sum1 / sum2 - 1.0));
  const double audit_share = t2.back() / sum2;
  std::printf(
      "engine, audit on:   %.3e agent-steps/s on 1 thread, %.3e on 2 (second thread +%.0f%%)\n",
      agents / sum1, agents / sum2, 100.0 * (sum1 / sum2 - 1.0));
  std::printf(
      "engine, audit off:  %.3e agent-steps/s on 2 threads (the audit is %.0f%% of a step)\n",
      agents / (sum2 - t2.back()), 100.0 * audit_share);
  std::printf(
      "Simulation::step (results rows included): %.3e agent-steps/s on 1 thread, %.3e on 2\n",
      whole_1, whole_2);
  std::printf("peak memory: %.0f bytes per agent (resident set, 2-thread run of %ld days)\n",
              peak_per_agent, days);
  return 0;
}
