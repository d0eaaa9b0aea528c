// pfsim serve: the teaching page (docs/teaching.md). The server is the Python
// package teaching/ (python3 -m teaching), next to the bindings it drives;
// docs/architecture.md says why.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace pfsim::cli {

struct ServeArgs {
  std::optional<std::string> scenario;
  std::optional<int> port;
  std::optional<std::string> host;
  std::optional<int> population;
  std::optional<int> max_sessions;
  std::optional<int> threads;
  std::optional<double> grace_s;
  bool verbose = false;
};

// Adds the `serve` subcommand to APP, its options read into ARGS.
CLI::App* add_serve_command(CLI::App& app, ServeArgs& args);

// Runs `python3 -m teaching ...` with the options; returns its exit code.
int cmd_serve(const ServeArgs& args);

}  // namespace pfsim::cli
