// pfsim sweep: the options, passed on to `python3 -m analysis sweep`
// (sweep_command.hpp).
#include "cli/sweep_command.hpp"

#include <vector>

#include "cli/analysis_commands.hpp"

namespace pfsim::cli {

CLI::App* add_sweep_command(CLI::App& app, SweepArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a sweep file: parameter points × seeds, summary.csv (python3 -m analysis sweep)");
  cmd->add_option("sweep", a.sweep_file, "Sweep file (YAML; docs/sweeps.md)")->required();
  cmd->add_option("--out,-o", a.out, "Folder for the runs, summary.csv and summary.h5");
  cmd->add_option("--workers", a.workers,
                  "Runs at once on this machine (default: cores / 2); under mpirun, one per rank")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--threads", a.threads,
                  "Engine threads per run (default: cores / concurrent runs on the machine)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--check", a.check, "Only check the sweep file and print how many runs it makes");
  cmd->add_flag("--quiet,-q", a.quiet, "No progress");
  cmd->footer(
      "Rerunning the same command skips finished runs and redoes failed ones. Many machines:\n"
      "  mpirun -n N --hostfile HOSTS --bind-to none pfsim sweep SWEEP.yaml --out DIR\n"
      "Exit codes: 0 every run ok, 4 some runs failed (recorded in summary.csv), 2 bad input,\n"
      "130/143 interrupted (finished runs kept). See docs/sweeps.md.");
  return cmd;
}

int cmd_sweep(const SweepArgs& a) {
  std::vector<std::string> args = {"sweep", a.sweep_file};
  if (a.out) args.insert(args.end(), {"--out", *a.out});
  if (a.workers) args.insert(args.end(), {"--workers", std::to_string(*a.workers)});
  if (a.threads) args.insert(args.end(), {"--threads", std::to_string(*a.threads)});
  if (a.check) args.emplace_back("--check");
  if (a.quiet) args.emplace_back("--quiet");
  return run_analysis(args, /*replace_process=*/true);
}

}  // namespace pfsim::cli
