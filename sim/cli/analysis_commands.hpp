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

// Runs `python3 -m analysis ARGS...` (analysis/__main__.py; ARGS start with
// the subcommand) with the repository on PYTHONPATH (and PFSIM naming this
// executable) and returns its exit code (128 + signal if it was killed). The
// interpreter is /usr/bin/python3 (Debian's, which has numpy, pandas, xarray,
// ...) unless PFSIM_PYTHON names another. `replace_process`: exec it in place
// of pfsim (returns only if that fails), so that signals — from mpirun, a
// terminal or a test — reach the Python process directly.
int run_analysis(const std::vector<std::string>& analysis_args, bool replace_process = false);

// Runs `python3 -m analysis COMMAND ...` with the options and returns its exit
// code (128 + signal if it was killed).
int cmd_analysis(const std::string& command, const ReportArgs& a);

// The options `pfsim headline` shares with `pfsim report`.
void add_comparison_options(CLI::App* cmd, ReportArgs& a);

}  // namespace pfsim::cli
