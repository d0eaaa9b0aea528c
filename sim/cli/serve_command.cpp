// pfsim serve: passes the options on to `python3 -m teaching` (serve_command.hpp).
#include "cli/serve_command.hpp"

#include <vector>

#include "cli/analysis_commands.hpp"

namespace pfsim::cli {

CLI::App* add_serve_command(CLI::App& app, ServeArgs& args) {
  CLI::App* serve = app.add_subcommand(
      "serve", "The teaching page: run the economy live in a browser (runs python3 -m teaching)");
  serve->add_option("scenario", args.scenario,
                    "Scenario the page opens (default scenarios/classroom_live.yaml)");
  serve->add_option("--port", args.port, "TCP port (default 8765; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--host", args.host,
                    "Address to listen on (default 127.0.0.1: this machine only)");
  serve
      ->add_option("--population", args.population,
                   "Consumer agents standing for the same economy (as pfsim run --population)")
      ->check(CLI::Range(1, 200000000));
  serve
      ->add_option("--max-sessions", args.max_sessions,
                   "Engines at once, one per open tab (default 4)")
      ->check(CLI::Range(1, 1000));
  serve->add_option("--threads", args.threads, "Worker threads per engine (default 1)")
      ->check(CLI::Range(0, 1024));
  serve
      ->add_option("--grace", args.grace_s,
                   "Seconds a session lives on after its tab closes (default 10)")
      ->check(CLI::Range(0.1, 86400.0));
  serve->add_flag("--verbose", args.verbose, "Log every request");
  serve->footer(
      "Prints the page's URL; Ctrl-C stops. Runs /usr/bin/python3 (or $PFSIM_PYTHON) -m teaching "
      "with the pfsim repository on PYTHONPATH and the bindings of this build. See "
      "docs/teaching.md.");
  return serve;
}

int cmd_serve(const ServeArgs& a) {
  std::vector<std::string> args;
  if (a.scenario) args.push_back(*a.scenario);
  if (a.port) args.insert(args.end(), {"--port", std::to_string(*a.port)});
  if (a.host) args.insert(args.end(), {"--host", *a.host});
  if (a.population) args.insert(args.end(), {"--population", std::to_string(*a.population)});
  if (a.max_sessions) args.insert(args.end(), {"--max-sessions", std::to_string(*a.max_sessions)});
  if (a.threads) args.insert(args.end(), {"--threads", std::to_string(*a.threads)});
  if (a.grace_s) args.insert(args.end(), {"--grace", std::to_string(*a.grace_s)});
  if (a.verbose) args.emplace_back("--verbose");
  return run_python_module("teaching", "serve", args);
}

}  // namespace pfsim::cli
