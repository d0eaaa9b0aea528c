// pfsim sweep: runs a sweep file (docs/sweeps.md) with the Python analysis
// package (`python3 -m analysis sweep`), which runs `pfsim run` per (point,
// seed) on this machine or over the ranks of `mpirun -n N pfsim sweep ...`.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace pfsim::cli {

struct SweepArgs {
  std::string sweep_file;
  std::optional<std::string> out;
  std::optional<int> workers;
  std::optional<int> threads;
  bool check = false;
  bool quiet = false;
};

// Adds the `sweep` subcommand to `app`, its options writing into `a`.
CLI::App* add_sweep_command(CLI::App& app, SweepArgs& a);

// Replaces this process by `python3 -m analysis sweep ...` (so mpirun's and
// the terminal's signals reach it); returns an exit code only if that fails.
int cmd_sweep(const SweepArgs& a);

}  // namespace pfsim::cli
