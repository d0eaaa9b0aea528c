// pfsim report / headline / tidy: the options of the commands that run the
// Python analysis package (`python3 -m analysis`, analysis/__main__.py).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pfsim::cli {

struct ReportArgs {
  std::vector<std::string> results;
  std::vector<std::string> baseline;
  std::optional<std::string> out;
  std::optional<std::string> title;
  std::optional<int> last_days;
  bool svg = false;
  std::optional<std::string> figures;
  std::optional<std::string> indicators;
  std::optional<int> window;
  bool allow_mismatch = false;
  bool csv = false;                  // headline
  std::optional<std::string> sweep;  // report --sweep DIR
};

// Runs `python3 -m MODULE MODULE_ARGS...` (MODULE/__main__.py of the
// repository: analysis, teaching) with the repository first on PYTHONPATH (and
// PFSIM naming this executable) and returns its exit code (128 + signal if it
// was killed). The interpreter is /usr/bin/python3 (Debian's, which has numpy,
// pandas, xarray, ...) unless PFSIM_PYTHON names another. COMMAND is the pfsim
// subcommand, for messages. `replace_process`: exec it in place of pfsim
// (returns only if that fails), so that signals — from mpirun, a terminal or a
// test — reach the Python process directly.
int run_python_module(const std::string& module, const std::string& command,
                      const std::vector<std::string>& module_args, bool replace_process = false);

// `python3 -m analysis ARGS...` (ARGS start with the subcommand).
int run_analysis(const std::vector<std::string>& analysis_args, bool replace_process = false);

// Runs `python3 -m analysis COMMAND ...` with the options and returns its exit
// code (128 + signal if it was killed).
int cmd_analysis(const std::string& command, const ReportArgs& a);

// The options `pfsim headline` shares with `pfsim report`.
void add_comparison_options(CLI::App* cmd, ReportArgs& a);

}  // namespace pfsim::cli
