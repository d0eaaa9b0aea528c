// The run loop of `pfsim run` and `pfsim resume` (moved here from main.cpp so
// that both commands share it).
#include "cli/run_loop.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "api/indicators.hpp"

namespace pfsim::cli {

namespace {

// The signal that asked the run to stop (0: none). SIGINT, SIGTERM (timeout,
// Slurm, docker stop) and SIGHUP all stop the run at the next day boundary; the
// results file is then flushed and closed, and the exit code is 128 + signal.
volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_stop_signal(int signo) {
  interrupted = signo;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (const int signo : {SIGINT, SIGTERM, SIGHUP}) sigaction(signo, &action, nullptr);
}

namespace {

const char* signal_name(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

double peak_memory_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string human(double v) {
  char buf[64];
  if (v >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.2f k", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2f ", v);
  return buf;
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
                 total_ > 0 ? static_cast<int>(100 * done / total_) : 100,
                 format_iso_date(today).c_str(), human(agent_steps_per_s).c_str());
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

// Refuses, before anything runs, a results path that is surely a mistake: an
// option swallowed as the file name (`--out --help`), a name that says it is
// not HDF5 (`x.csv`), or an existing file without --force (results are
// expensive; a typo should not cost the last run's).
}  // namespace

void check_results_path(const std::filesystem::path& out, const std::filesystem::path& scenario,
                        bool force, const std::string& option) {
  const std::string name = out.string();
  auto refuse = [](std::string message, std::string hint) {
    Diagnostic d;
    d.message = std::move(message);
    d.hint = std::move(hint);
    throw UserError(std::move(d));
  };
  if (!name.empty() && name.front() == '-')
    refuse(option + " '" + out.string() + "' looks like an option, not a file name",
           "give the results file right after " + option + ", e.g. " + option +
               " results.h5 (a file whose name starts with '-': " + option + " ./" + name + ")");
  // A symlink, FIFO, device, directory or the scenario itself: the writer's
  // guard (record/output_guard.cpp) refuses it, naming which.
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(out, ec);
  const bool exists = !ec && std::filesystem::exists(status);
  if (exists &&
      (!std::filesystem::is_regular_file(status) || std::filesystem::equivalent(out, scenario, ec)))
    return;
  std::string suffix = out.extension().string();
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (suffix != ".h5" && suffix != ".hdf5")
    refuse(option + " '" + out.string() +
               "': a results file is HDF5 and its name ends in .h5 (or .hdf5)" +
               (suffix.empty() ? std::string() : ", not " + suffix),
           suffix == ".csv"
               ? "write results.h5, then `pfsim tidy results.h5 --out table.csv` for CSV"
               : "e.g. " + option + " results.h5");
  if (exists && !force)
    refuse("'" + out.string() + "' exists: results are not overwritten unless you ask",
           "pass --force to replace it, or choose another --out");
}

std::filesystem::path checkpoint_path_for(const std::filesystem::path& out) {
  std::filesystem::path p = out;
  p.replace_extension(".ckpt.h5");
  return p;
}

namespace {
// Writes the checkpoint; a failure is reported and the run goes on (the
// previous checkpoint, if any, is kept whole: see record/archive.hpp).
bool write_checkpoint(const Simulation& sim, const std::filesystem::path& path) {
  try {
    sim.save_checkpoint(path);
    return true;
  } catch (const UserError& e) {
    for (const Diagnostic& d : e.diagnostics()) std::cerr << "warning: " << d.format() << '\n';
    std::cerr << "warning: checkpoint not written (the run goes on)\n";
    return false;
  }
}
}  // namespace

int drive_run(Simulation& sim, const DriveOptions& o) {
  const Scenario& sc = sim.scenario();
  const std::filesystem::path ckpt = checkpoint_path_for(o.out);
  const std::int64_t steps = o.steps;
  ProgressBar bar(!o.quiet && isatty(STDERR_FILENO) != 0, steps);
  std::int64_t done = 0;
  const auto t_run = std::chrono::steady_clock::now();
  while (done < steps && interrupted == 0) {
    done += sim.step(1);
    if (o.checkpoint_every && sim.world().run_day() % *o.checkpoint_every == 0 && done < steps)
      (void)write_checkpoint(sim, ckpt);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_run).count();
    bar.update(done, sim.world().today(),
               secs > 0 ? static_cast<double>(sim.agent_count() * done) / secs : 0);
  }
  bar.done();
  if (interrupted != 0) {
    const int signo = interrupted;
    const std::string partial = sim.results_partial_path().string();
    sim.close_results_file();  // flushes every simulated day; keeps the .partial
    const bool saved = write_checkpoint(sim, ckpt);
    std::cerr << "interrupted by " << signal_name(signo) << " after " << done
              << " steps; every simulated day is kept in " << partial
              << " (make it a results file with: pfsim recover " << partial << ")\n";
    if (saved)
      std::cerr << "checkpoint " << ckpt.string() << " holds day " << sim.world().run_day()
                << "; continue with: pfsim resume " << ckpt.string() << " --out " << o.out.string()
                << "\n";
    return 128 + signo;
  }
  sim.finish_results_file();
  if (o.checkpoint_every) (void)write_checkpoint(sim, ckpt);  // where the run ended
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - o.t0).count();
  const double run_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_run).count();

  const Date first = sc.run.start_date;
  const Date last = sim.world().today().plus_days(-1);
  std::printf("pfsim %s — scenario '%s' (%s), seed %llu, %d thread%s\n", program_version().c_str(),
              sc.run.name.c_str(), o.source.c_str(),
              static_cast<unsigned long long>(sim.options().seed), sim.threads(),
              sim.threads() == 1 ? "" : "s");
  std::printf("  steps          %lld days (%s … %s)\n", static_cast<long long>(done),
              format_iso_date(first).c_str(), format_iso_date(last).c_str());
  std::printf("  agents         %zu (%zu consumers, %zu SMEs, %zu banks, %zu platforms)\n",
              sim.agent_count(), sim.world().consumers.size(), sim.world().smes.size(),
              sim.world().banks.size(), sim.world().platforms.size());
  std::printf("  wall time      %.2f s (%.2f s stepping)\n", wall, run_secs);
  std::printf(
      "  agent-steps/s  %s\n",
      human(run_secs > 0 ? static_cast<double>(sim.agent_count() * done) / run_secs : 0).c_str());
  std::printf("  peak memory    %.1f MiB\n", peak_memory_mib());
  std::printf("  results        %s\n", o.out.string().c_str());
  if (o.checkpoint_every) std::printf("  checkpoint     %s\n", ckpt.string().c_str());
  std::printf("  headline indicators (last day):\n");
  for (const char* name : {"consumption", "platform_payment_share", "platform_revenue_payments",
                           "money_supply", "bank_reserves", "platform_equity"}) {
    const int k = indicators::find(name);
    const int column = sim.recorded_column(name);  // record.indicators may leave it out
    if (k < 0 || column < 0 || sim.recorded_days().empty()) continue;
    const auto& ind = indicators::table()[static_cast<std::size_t>(k)];
    std::printf("    %-28s %16.4g %s\n", name, sim.series(static_cast<std::size_t>(column)).back(),
                std::string(ind.units).c_str());
  }
  return exit_ok;
}

}  // namespace pfsim::cli
