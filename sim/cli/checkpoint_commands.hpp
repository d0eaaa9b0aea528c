// `pfsim resume CKPT` and `pfsim run SCENARIO --from CKPT` (docs/checkpoints.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "api/run.hpp"
#include "api/scenario.hpp"

namespace pfsim::cli {

struct ResumeArgs {
  std::string checkpoint;
  std::optional<std::string> out;
  int threads = 0;
  std::optional<std::int64_t> steps;
  std::optional<std::int64_t> checkpoint_every;
  std::optional<std::string> audit;
  bool quiet = false;
  bool force = false;
};

CLI::App* add_resume_command(CLI::App& app, ResumeArgs& args);
int cmd_resume(const ResumeArgs& args);

// The simulation `pfsim run SCENARIO --from CKPT` continues: the checkpoint's
// state under SCENARIO (Simulation::fork_checkpoint). A --seed that is not the
// checkpoint's is refused; --audit is used when given.
[[nodiscard]] std::unique_ptr<Simulation> branch_from_checkpoint(const std::string& checkpoint,
                                                                 const Scenario& scenario,
                                                                 const SimulationOptions& options,
                                                                 bool seed_given, bool audit_given);

}  // namespace pfsim::cli
