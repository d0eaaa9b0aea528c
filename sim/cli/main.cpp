// pfsim — command-line front end. No model logic here: see sim/run/.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "core/date.hpp"
#include "core/error.hpp"
#include "exec/parallel.hpp"
#include "indicators/indicators.hpp"
#include "run/simulation.hpp"
#include "scenario/events.hpp"
#include "scenario/load.hpp"
#include "scenario/schema.hpp"

namespace {

using namespace pfsim;

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_sigint(int) { interrupted = 1; }

struct RunArgs {
  std::string scenario;
  std::string out;
  std::optional<std::uint64_t> seed;
  int threads = 0;
  std::optional<std::int64_t> steps;
  bool quiet = false;
  std::vector<std::string> overrides;
  std::string audit = "default";
};

double peak_memory_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string human(double v) {
  char buf[64];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.2f k", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.2f ", v);
  return buf;
}

void print_errors(const UserError& e) {
  for (const Diagnostic& d : e.diagnostics()) std::cerr << "error: " << d.format() << '\n';
}

class ProgressBar {
 public:
  ProgressBar(bool enabled, std::int64_t total) : enabled_(enabled), total_(total) {}
  void update(std::int64_t done, Date today, double agent_steps_per_s) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const int width = 30;
    const int filled = total_ > 0 ? static_cast<int>(width * done / total_) : width;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r[%s] %3d%%  %s  %sagent-steps/s ", bar.c_str(),
                 total_ > 0 ? static_cast<int>(100 * done / total_) : 100, format_iso_date(today).c_str(),
                 human(agent_steps_per_s).c_str());
    std::fflush(stderr);
  }
  void done() {
    if (enabled_) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_;
  std::int64_t total_;
  std::chrono::steady_clock::time_point last_{};
};

std::optional<engine::AuditLevel> parse_audit(const std::string& s) {
  if (s == "default") return engine::default_audit_level();
  if (s == "off") return engine::AuditLevel::off;
  if (s == "step") return engine::AuditLevel::end_of_step;
  if (s == "phase") return engine::AuditLevel::after_every_phase;
  return std::nullopt;
}

int cmd_run(const RunArgs& a) {
  const Scenario sc = scenario::load_file(a.scenario, a.overrides);
  const std::uint64_t seed = a.seed ? *a.seed : static_cast<std::uint64_t>(sc.run.seed);
  const std::int64_t steps = a.steps ? *a.steps : sc.run.days;
  std::filesystem::path out = a.out.empty() ? std::filesystem::path(a.scenario).stem().string() + ".h5" : a.out;
  const auto audit = parse_audit(a.audit);
  exec::ThreadLimit limit(a.threads);
  SimulationOptions options;
  options.seed = seed;
  options.threads = limit.threads();
  options.audit = *audit;

  const auto t0 = std::chrono::steady_clock::now();
  Simulation sim(sc, options);
  sim.open_results_file(out, static_cast<int>(sc.run.flush_every_steps));  // UserError if unwritable

  std::signal(SIGINT, on_sigint);
  ProgressBar bar(!a.quiet && isatty(STDERR_FILENO) != 0, steps);
  std::int64_t done = 0;
  const auto t_run = std::chrono::steady_clock::now();
  while (done < steps && interrupted == 0) {
    done += sim.step(1);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_run).count();
    bar.update(done, sim.world().today(), secs > 0 ? static_cast<double>(sim.agent_count() * done) / secs : 0);
  }
  bar.done();
  if (interrupted != 0) {
    std::cerr << "interrupted after " << done << " steps; partial results kept in "
              << sim.results_partial_path().string() << '\n';
    return exit_interrupted;
  }
  sim.finish_results_file();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double run_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_run).count();

  const Date first = sc.run.start_date;
  const Date last = sim.world().today().plus_days(-1);
  std::printf("pfsim %s — scenario '%s' (%s), seed %llu, %d thread%s\n", program_version().c_str(),
              sc.run.name.c_str(), a.scenario.c_str(), static_cast<unsigned long long>(seed), sim.threads(),
              sim.threads() == 1 ? "" : "s");
  std::printf("  steps          %lld days (%s … %s)\n", static_cast<long long>(done),
              format_iso_date(first).c_str(), format_iso_date(last).c_str());
  std::printf("  agents         %zu (%zu consumers, %zu SMEs, %zu banks, %zu platform)\n", sim.agent_count(),
              sim.world().consumers.size(), sim.world().smes.size(), sim.world().banks.size(),
              sim.world().platforms.size());
  std::printf("  wall time      %.2f s (%.2f s stepping)\n", wall, run_secs);
  std::printf("  agent-steps/s  %s\n", human(run_secs > 0 ? static_cast<double>(sim.agent_count() * done) / run_secs : 0).c_str());
  std::printf("  peak memory    %.1f MiB\n", peak_memory_mib());
  std::printf("  results        %s\n", out.string().c_str());
  std::printf("  headline indicators (last day):\n");
  for (const char* name : {"consumption", "platform_payment_share", "platform_revenue_payments", "money_supply",
                           "bank_reserves", "platform_equity"}) {
    const int k = indicators::find(name);
    if (k < 0 || sim.recorded_days().empty()) continue;
    const auto& ind = indicators::table()[static_cast<std::size_t>(k)];
    std::printf("    %-28s %16.4g %s\n", name, sim.series(static_cast<std::size_t>(k)).back(),
                std::string(ind.units).c_str());
  }
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pfsim — parallel agent-based simulator of platform-finance ecosystems"};
  app.set_version_flag("--version", std::string("pfsim ") + program_version() + " (" + git_commit() + ")");
  app.require_subcommand(1);
  app.fallthrough();

  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "Run a scenario and write a results file");
  run->add_option("scenario", run_args.scenario, "Scenario file (YAML)")->required();
  run->add_option("--out,-o", run_args.out, "Results file (HDF5); default <scenario name>.h5");
  run->add_option("--seed", run_args.seed, "Random seed (overrides run.seed)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{9007199254740992ULL}));
  run->add_option("--threads", run_args.threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 1024));
  run->add_option("--steps", run_args.steps, "Days to simulate (default run.days)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{36500}));
  run->add_option("--set", run_args.overrides, "Override a parameter, PATH=VALUE (repeatable)");
  run->add_option("--audit", run_args.audit, "Ledger audit: off | step | phase | default")
      ->check(CLI::IsMember({"off", "step", "phase", "default"}));
  run->add_flag("--quiet,-q", run_args.quiet, "No progress bar");

  std::string validate_path;
  std::vector<std::string> validate_overrides;
  CLI::App* validate = app.add_subcommand("validate", "Check a scenario file and report every problem");
  validate->add_option("scenario", validate_path, "Scenario file (YAML)")->required();
  validate->add_option("--set", validate_overrides, "Override a parameter, PATH=VALUE (repeatable)");

  std::string resolve_path;
  std::vector<std::string> resolve_overrides;
  CLI::App* resolve = app.add_subcommand("resolve", "Print the fully resolved scenario (every default explicit)");
  resolve->add_option("scenario", resolve_path, "Scenario file (YAML)")->required();
  resolve->add_option("--set", resolve_overrides, "Override a parameter, PATH=VALUE (repeatable)");

  bool schema_json = false;
  CLI::App* schema = app.add_subcommand("schema", "Print the scenario reference (Markdown, or JSON Schema)");
  schema->add_flag("--json", schema_json, "Print JSON Schema instead of Markdown");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_user_error;
  }

  try {
    if (*run) return cmd_run(run_args);
    if (*validate) {
      const Scenario sc = scenario::load_file(validate_path, validate_overrides);
      // Trigger conditions name indicators, which only the engine side knows.
      std::vector<std::string> names;
      for (const indicators::Indicator& ind : indicators::table()) names.emplace_back(ind.name);
      if (auto unknown = scenario::check_identifiers(sc, names); !unknown.empty()) throw UserError(std::move(unknown));
      std::printf("%s: valid (%lld days from %s, %zu event%s)\n", validate_path.c_str(),
                  static_cast<long long>(sc.run.days), format_iso_date(sc.run.start_date).c_str(), sc.events.size(),
                  sc.events.size() == 1 ? "" : "s");
      return exit_ok;
    }
    if (*resolve) {
      std::fputs(scenario::load_file(resolve_path, resolve_overrides).resolved_text.c_str(), stdout);
      return exit_ok;
    }
    if (*schema) {
      std::fputs((schema_json ? scenario::schema_json() + "\n" : scenario::schema_markdown()).c_str(), stdout);
      return exit_ok;
    }
  } catch (const UserError& e) {
    print_errors(e);
    return exit_user_error;
  } catch (const InternalError& e) {
    std::cerr << "internal error (a bug in pfsim; please report it): " << e.what() << '\n';
    return exit_internal_error;
  } catch (const std::exception& e) {
    std::cerr << "internal error (a bug in pfsim; please report it): " << e.what() << '\n';
    return exit_internal_error;
  }
  return exit_ok;
}
