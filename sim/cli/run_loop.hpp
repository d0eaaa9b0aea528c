// The run loop shared by `pfsim run` and `pfsim resume`: stepping with a
// progress bar, checkpoints every N days, stopping at a day boundary on
// SIGINT/SIGTERM/SIGHUP (results flushed, a checkpoint written), the summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "api/run.hpp"

namespace pfsim::cli {

// Stop signals end the run at the next day boundary (install before the
// results file exists: no signal may leave it unflushed).
void install_stop_handlers();

// Refuses, before anything runs, a results path that is surely a mistake (see
// run_loop.cpp). `input` is the file the run reads (scenario or checkpoint).
void check_results_path(const std::filesystem::path& out, const std::filesystem::path& input,
                        bool force, const std::string& option = "--out");

// R.h5 → R.ckpt.h5 (beside the results file).
[[nodiscard]] std::filesystem::path checkpoint_path_for(const std::filesystem::path& out);

struct DriveOptions {
  std::filesystem::path out;  // the results file (already opened on the simulation)
  std::string source;         // scenario or checkpoint file, for the summary
  std::int64_t steps = 0;     // days to simulate
  std::optional<std::int64_t> checkpoint_every;  // days; also one when the run ends
  bool quiet = false;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
};

// Steps `steps` days, writes checkpoints, finishes the results file and
// prints the summary; on a stop signal flushes the `.partial`, writes
// R.ckpt.h5 and returns 128 + the signal.
int drive_run(Simulation& sim, const DriveOptions& o);

}  // namespace pfsim::cli
