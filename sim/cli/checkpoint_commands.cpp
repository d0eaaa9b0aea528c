#include "cli/checkpoint_commands.hpp"

#include <filesystem>

#include "cli/run_loop.hpp"

namespace pfsim::cli {

CLI::App* add_resume_command(CLI::App& app, ResumeArgs& args) {
  CLI::App* resume = app.add_subcommand(
      "resume",
      "Continue a run from its checkpoint (written by --checkpoint-every or a stop signal)");
  resume->add_option("checkpoint", args.checkpoint, "Checkpoint file (R.ckpt.h5)")->required();
  resume->add_option("--out,-o", args.out,
                     "Results file (HDF5) with every day, from the first (default: R.h5 for "
                     "R.ckpt.h5)");
  resume->add_flag("--force", args.force, "Replace an existing results file");
  resume->add_option("--threads", args.threads, "Worker threads (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  resume->add_option("--steps", args.steps, "Days to simulate (default: to the scenario's end)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{36500}));
  resume
      ->add_option("--checkpoint-every", args.checkpoint_every,
                   "Write a checkpoint beside the results every N days and at the end")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{36500}));
  resume->add_option("--audit", args.audit, "Ledger audit: off | step | phase | default")
      ->check(CLI::IsMember({"off", "step", "phase", "default"}));
  resume->add_flag("--quiet,-q", args.quiet, "No progress bar");
  resume->footer(
      "The results equal the uninterrupted run's byte for byte in /timeseries, /events and\n"
      "/networks, at any thread count. Exit 0 done, 2 bad checkpoint (nothing written),\n"
      "130/143 stopped by SIGINT/SIGTERM (a new checkpoint is written).");
  return resume;
}

namespace {
std::optional<engine::AuditLevel> audit_level(const std::optional<std::string>& s) {
  if (!s || *s == "default") return std::nullopt;
  if (*s == "off") return engine::AuditLevel::off;
  if (*s == "step") return engine::AuditLevel::end_of_step;
  return engine::AuditLevel::after_every_phase;
}
}  // namespace

int cmd_resume(const ResumeArgs& a) {
  namespace fs = std::filesystem;
  fs::path out;
  if (a.out) {
    out = *a.out;
  } else {
    const std::string name = fs::path(a.checkpoint).filename().string();
    const std::string suffix = ".ckpt.h5";
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) {
      Diagnostic d;
      d.where.file = a.checkpoint;
      d.message = "cannot tell the results file: " + a.checkpoint + " does not end in .ckpt.h5";
      d.hint = "give it with --out, e.g. --out results.h5";
      throw UserError(std::move(d));
    }
    out = fs::path(a.checkpoint).parent_path() /
          (name.substr(0, name.size() - suffix.size()) + ".h5");
  }
  check_results_path(out, a.checkpoint, a.force);
  exec::ThreadLimit limit(a.threads);
  // Read whole and checked before anything is written.
  std::unique_ptr<Simulation> sim =
      Simulation::load_checkpoint(a.checkpoint, limit.threads(), audit_level(a.audit));
  install_stop_handlers();
  sim->open_results_file(out, static_cast<int>(sim->scenario().run.flush_every_steps));
  DriveOptions drive;
  drive.out = out;
  drive.source = a.checkpoint;
  drive.steps = a.steps ? *a.steps : sim->days_remaining();
  drive.checkpoint_every = a.checkpoint_every;
  drive.quiet = a.quiet;
  return drive_run(*sim, drive);
}

std::unique_ptr<Simulation> branch_from_checkpoint(const std::string& checkpoint,
                                                   const Scenario& scenario,
                                                   const SimulationOptions& options,
                                                   bool seed_given, bool audit_given) {
  std::unique_ptr<Simulation> sim =
      Simulation::fork_checkpoint(checkpoint, scenario, options.threads,
                                  audit_given ? std::optional(options.audit) : std::nullopt);
  if (seed_given && options.seed != sim->options().seed) {
    Diagnostic d;
    d.where.file = checkpoint;
    d.key_path = "--seed";
    d.message = "the checkpoint's run has seed " + std::to_string(sim->options().seed) + ", not " +
                std::to_string(options.seed) +
                ": draws are keyed on the seed, so another seed is another run, not a branch";
    d.hint = "leave out --seed, or run the scenario from the start (without --from)";
    throw UserError(std::move(d));
  }
  return sim;
}

}  // namespace pfsim::cli
