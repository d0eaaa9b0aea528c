// pfsim — command-line front end. No model logic here: see sim/run/ (the
// simulation), sim/contagion/ (`pfsim contagion`) and analysis/ (`pfsim report`,
// `pfsim headline` and `pfsim tidy`, which run the Python analysis package).
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "api/contagion.hpp"
#include "api/indicators.hpp"
#include "api/run.hpp"
#include "api/scenario.hpp"
#include "cli/analysis_commands.hpp"
#include "cli/checkpoint_commands.hpp"
#include "cli/run_loop.hpp"
#include "cli/serve_command.hpp"
#include "cli/sweep_command.hpp"

namespace {

using namespace pfsim;
using cli::check_results_path;

struct RunArgs {
  std::string scenario;
  std::optional<std::string> out;
  std::optional<std::uint64_t> seed;
  int threads = 0;
  std::optional<std::int64_t> steps;
  bool quiet = false;
  std::vector<std::string> overrides;
  std::string audit = "default";
  std::optional<std::int64_t> population;
  bool force = false;                            // overwrite an existing results file
  std::optional<std::int64_t> checkpoint_every;  // days
  std::optional<std::string> from;               // a checkpoint to branch from
};

// --set overrides plus those of --population N; warns on stderr when --set
// changes only some of the counts that size the economy.
std::vector<std::string> run_overrides(const RunArgs& a) {
  std::vector<std::string> out = a.overrides;
  if (a.population) {
    const Scenario base = scenario::load_file(a.scenario, a.overrides, &indicators::names());
    for (std::string& o : scenario::population_overrides(base, *a.population))
      out.push_back(std::move(o));
  } else if (const std::string warning = scenario::population_warning(a.overrides);
             !warning.empty()) {
    // Warned only for a scenario that loads (bad input gets its errors alone).
    (void)scenario::load_file(a.scenario, a.overrides, &indicators::names());
    std::cerr << "warning: " << warning << '\n';
  }
  return out;
}

void print_errors(const UserError& e) {
  for (const Diagnostic& d : e.diagnostics()) std::cerr << "error: " << d.format() << '\n';
}

std::optional<engine::AuditLevel> parse_audit(const std::string& s) {
  if (s == "default") return engine::default_audit_level();
  if (s == "off") return engine::AuditLevel::off;
  if (s == "step") return engine::AuditLevel::end_of_step;
  if (s == "phase") return engine::AuditLevel::after_every_phase;
  return std::nullopt;
}

int cmd_run(const RunArgs& a) {
  const Scenario sc = scenario::load_file(a.scenario, run_overrides(a), &indicators::names());
  const std::uint64_t seed = a.seed ? *a.seed : static_cast<std::uint64_t>(sc.run.seed);
  const std::int64_t steps = a.steps ? *a.steps : sc.run.days;
  if (static_cast<std::int64_t>(sc.run.start_date.days_since_epoch) + steps - 1 >
      last_results_date().days_since_epoch) {
    Diagnostic d;
    d.message = "--steps " + std::to_string(steps) + " from " + format_iso_date(sc.run.start_date) +
                " would pass " + format_iso_date(last_results_date()) +
                ", the last date pandas and xarray can read in a results file";
    d.hint = "simulate fewer days, or start earlier (run.start_date)";
    throw UserError(std::move(d));
  }
  if (a.out && a.out->empty()) {
    Diagnostic d;
    d.message = "--out is empty";
    d.hint =
        "give a results file name such as results.h5, or leave out --out for <scenario name>.h5";
    throw UserError(std::move(d));
  }
  const std::filesystem::path out =
      a.out ? std::filesystem::path(*a.out)
            : std::filesystem::path(std::filesystem::path(a.scenario).stem().string() + ".h5");
  check_results_path(out, a.scenario, a.force);
  // A path another run is writing is refused now, not after the world and its
  // spin-up are built (two years of it in the baseline); the writer takes the
  // lock again when it opens the file.
  { const record::RunLock probe(out); }
  const auto audit = parse_audit(a.audit);
  exec::ThreadLimit limit(a.threads);
  SimulationOptions options;
  options.seed = seed;
  options.threads = limit.threads();
  options.audit = *audit;

  const auto t0 = std::chrono::steady_clock::now();
  // --from: a branch of a checkpointed run (cli/checkpoint_commands.cpp).
  std::unique_ptr<Simulation> sim =
      a.from ? cli::branch_from_checkpoint(*a.from, sc, options, a.seed.has_value(),
                                           a.audit != "default")
             : std::make_unique<Simulation>(sc, options);
  cli::install_stop_handlers();  // before the file exists: no signal may leave it unflushed
  sim->open_results_file(out,
                         static_cast<int>(sc.run.flush_every_steps));  // UserError if unwritable
  cli::DriveOptions drive;
  drive.out = out;
  drive.source = a.from ? a.scenario + " from " + *a.from : a.scenario;
  drive.steps = a.from && !a.steps ? sim->days_remaining() : steps;
  drive.checkpoint_every = a.checkpoint_every;
  drive.quiet = a.quiet;
  drive.t0 = t0;
  return cli::drive_run(*sim, drive);
}

// --- pfsim recover FILE.partial [-o FILE.h5] ----------------------------------

int cmd_recover(const std::string& partial, const std::optional<std::string>& out_arg) {
  namespace fs = std::filesystem;
  fs::path out;
  if (out_arg) {
    out = *out_arg;
  } else if (fs::path(partial).extension() == ".partial") {
    out = fs::path(partial).replace_extension();
  } else {
    Diagnostic d;
    d.where.file = partial;
    d.message = "cannot tell the output file: " + partial + " does not end in .partial";
    d.hint = "give it with -o, e.g. -o recovered.h5";
    throw UserError(std::move(d));
  }
  if (out.empty()) {
    Diagnostic d;
    d.message = "-o is empty";
    d.hint = "give a results file name such as recovered.h5";
    throw UserError(std::move(d));
  }
  if (out_arg) check_results_path(out, partial, /*force=*/true, "-o");  // replaces, as before
  const std::int64_t rows = record::ResultsWriter::recover(partial, out);
  std::printf("recovered %lld day%s from %s into %s\n", static_cast<long long>(rows),
              rows == 1 ? "" : "s", partial.c_str(), out.string().c_str());
  return exit_ok;
}

// --- pfsim contagion MODEL FILE|- -------------------------------------------

// The models of run_contagion_json (docs/contagion.md, "JSON front end").
constexpr std::array<std::string_view, 4> contagion_models = {"eisenberg_noe", "debtrank",
                                                              "furfine", "fire_sale"};

int contagion_error(const std::string& where, const std::string& what) {
  std::cerr << "error: " << where << ": " << what << '\n';
  return exit_user_error;
}

// Reads the whole of `file` ("-" = standard input) into `text`; on failure
// returns the reason.
std::optional<std::string> read_input(const std::string& file, std::string& text) {
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return "cannot read standard input";
    return std::nullopt;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return "cannot open: is a directory, not a JSON file";
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::string("cannot open: ") + std::strerror(errno);
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return std::string("cannot read: ") + std::strerror(errno);
  return std::nullopt;
}

// Runs one contagion model on one JSON object and prints one JSON object (and
// a newline) on stdout. Bad input: a message naming the file on stderr, exit
// 2, nothing on stdout.
int cmd_contagion(const std::string& model, const std::string& file) {
  const std::string where = file == "-" ? "<stdin>" : file;
  bool known = false;
  std::string expected;
  for (const std::string_view m : contagion_models) {
    known = known || model == m;
    expected += (expected.empty() ? "" : ", ") + std::string(m);
  }
  if (!known)
    return contagion_error(where,
                           "unknown model '" + model + "' (expected one of: " + expected + ")");

  std::string text;
  if (const auto problem = read_input(file, text)) return contagion_error(where, *problem);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return contagion_error(
        where, "empty input (expected one JSON object with the " + model + " input keys)");

  std::string answer;
  try {
    answer = contagion::run_contagion_json(model, text);
  } catch (const std::invalid_argument& e) {
    // Bad JSON, unknown or missing keys, wrong shapes, out-of-range values:
    // the message names the key and what was expected.
    return contagion_error(where, e.what());
  }
  answer += '\n';
  std::fwrite(answer.data(), 1, answer.size(), stdout);
  if (std::fflush(stdout) != 0) {
    std::cerr << "error: cannot write the answer to standard output: " << std::strerror(errno)
              << '\n';
    return exit_user_error;
  }
  return exit_ok;
}

}  // namespace

int run_main(int argc, char** argv);

int main(int argc, char** argv) {
  // A file size limit (`ulimit -f`, which Slurm passes on to jobs) would kill
  // the process with SIGXFSZ in the middle of a write; ignored, the write fails
  // with EFBIG and ends like a full disk: a message, exit 2, the .partial kept.
  // (Python ignores it too.)
  (void)std::signal(SIGXFSZ, SIG_IGN);
  // run_main reports every error of a command; this catches what escapes it
  // (setting up the command line itself), so main never ends in terminate().
  int code = exit_internal_error;
  try {
    code = run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "internal error (a bug in pfsim; please report it): " << e.what() << '\n';
  } catch (...) {
    std::cerr << "internal error (a bug in pfsim; please report it)\n";
  }
  if (record::ResultsWriter::files_left_open() > 0) {
    // A results file could not be closed (disk full even after freeing the
    // reserve): HDF5 would crash closing it at exit. The message is printed;
    // end without the library's exit handlers.
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }
  return code;
}

int run_main(int argc, char** argv) {
  CLI::App app{"pfsim — parallel agent-based simulator of platform-finance ecosystems"};
  app.set_version_flag("--version",
                       std::string("pfsim ") + program_version() + " (" + git_commit() + ")");
  app.require_subcommand(1);
  app.fallthrough();

  RunArgs run_args;
  CLI::App* run = app.add_subcommand("run", "Run a scenario and write a results file");
  run->add_option("scenario", run_args.scenario, "Scenario file (YAML)")->required();
  run->add_option("--out,-o", run_args.out,
                  "Results file (HDF5, .h5); default: the scenario file's name with .h5, in the "
                  "current directory (scenarios/x.yaml → x.h5)");
  run->add_flag("--force", run_args.force, "Replace an existing results file");
  run->add_option("--seed", run_args.seed, "Random seed (overrides run.seed)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{9007199254740992ULL}));
  run->add_option("--threads", run_args.threads, "Worker threads (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  run->add_option("--steps", run_args.steps, "Days to simulate (default run.days)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{36500}));
  run->add_option("--set", run_args.overrides, "Override a parameter, PATH=VALUE (repeatable)");
  run->add_option("--audit", run_args.audit, "Ledger audit: off | step | phase | default")
      ->check(CLI::IsMember({"off", "step", "phase", "default"}));
  run->add_flag("--quiet,-q", run_args.quiet, "No progress bar");
  run->add_option("--population", run_args.population,
                  "N consumer agents for the same economy: smes.count follows in proportion, "
                  "run.scale inversely (totals stay)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{200000000}));
  run->add_option("--checkpoint-every", run_args.checkpoint_every,
                  "Write a checkpoint R.ckpt.h5 beside the results R.h5 every N days and when the "
                  "run ends (docs/checkpoints.md)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{36500}));
  run->add_option("--from", run_args.from,
                  "Branch from a checkpoint: its state, this scenario's events after it and "
                  "changed live parameters (frozen ones are refused)");

  cli::ResumeArgs resume_args;
  CLI::App* resume = cli::add_resume_command(app, resume_args);

  std::string recover_path;
  std::optional<std::string> recover_out;
  CLI::App* recover = app.add_subcommand(
      "recover", "Turn the .partial file of a killed or interrupted run into a results file");
  recover->add_option("partial", recover_path, "The .partial file a run left behind")->required();
  recover->add_option("--out,-o", recover_out,
                      "Results file to write (default: the .partial's name without .partial)");
  recover->footer(
      "Keeps every day up to the run's last flush. Refused while the run that writes the file\n"
      "is still alive. Exit code 0 on success, 2 when the file cannot be recovered.");

  std::string validate_path;
  std::vector<std::string> validate_overrides;
  CLI::App* validate =
      app.add_subcommand("validate", "Check a scenario file and report every problem");
  validate->add_option("scenario", validate_path, "Scenario file (YAML)")->required();
  validate->add_option("--set", validate_overrides,
                       "Override a parameter, PATH=VALUE (repeatable)");

  std::string resolve_path;
  std::vector<std::string> resolve_overrides;
  CLI::App* resolve =
      app.add_subcommand("resolve", "Print the fully resolved scenario (every default explicit)");
  resolve->add_option("scenario", resolve_path, "Scenario file (YAML)")->required();
  resolve->add_option("--set", resolve_overrides, "Override a parameter, PATH=VALUE (repeatable)");

  bool schema_json = false;
  bool schema_sweep = false;
  CLI::App* schema =
      app.add_subcommand("schema", "Print the scenario reference (Markdown, or JSON Schema)");
  schema->add_flag("--json", schema_json, "Print JSON Schema instead of Markdown");
  schema->add_flag("--sweep", schema_sweep, "Print the JSON Schema of sweep files instead");

  std::string contagion_model;
  std::string contagion_file;
  CLI::App* contagion_cmd = app.add_subcommand(
      "contagion", "Run an interbank contagion model on a JSON input and print a JSON answer");
  contagion_cmd
      ->add_option("model", contagion_model, "eisenberg_noe | debtrank | furfine | fire_sale")
      ->required();
  contagion_cmd
      ->add_option("file", contagion_file,
                   "Input JSON file (- = standard input); keys: docs/contagion.md")
      ->required();
  contagion_cmd->footer(
      "Banks are numbered from 0; liabilities[i][j] is what bank i owes bank j (the diagonal is "
      "ignored).\n"
      "Prints one JSON object on stdout. Bad input: a message on stderr and exit code 2.");

  cli::ReportArgs report_args;
  CLI::App* report = app.add_subcommand(
      "report", "Write a self-contained HTML report of a run (runs python3 -m analysis report)");
  cli::add_comparison_options(report, report_args);
  report->add_option("--out,-o", report_args.out, "HTML file to write (default report.html)");
  report->add_option("--title", report_args.title, "Page title");
  report->add_flag("--svg", report_args.svg, "Embed figures as inline SVG instead of PNG");
  report->add_option("--figures", report_args.figures,
                     "Comma-separated figure names (default: all)");
  report
      ->add_option("--window", report_args.window,
                   "Also draw the look_at indicators over N days either side of each event")
      ->check(CLI::Range(1, 36500));
  report
      ->add_option("--sweep", report_args.sweep,
                   "Report on a sweep folder (pfsim sweep --out DIR) instead of results files")
      ->excludes("results");
  report->get_option("results")->required(false);
  report->footer(
      "Runs /usr/bin/python3 (or $PFSIM_PYTHON) -m analysis report with the pfsim repository on "
      "PYTHONPATH\n"
      "and exits with its exit code (0 success, 2 bad input). See docs/analysis.md.");

  cli::ReportArgs headline_args;
  CLI::App* headline = app.add_subcommand(
      "headline", "Print the headline-effects table of a run (python3 -m analysis headline)");
  cli::add_comparison_options(headline, headline_args);
  headline->add_flag("--csv", headline_args.csv, "CSV instead of a text table");

  cli::ServeArgs serve_args;
  CLI::App* serve = cli::add_serve_command(app, serve_args);

  cli::ReportArgs tidy_args;
  CLI::App* tidy = app.add_subcommand(
      "tidy",
      "Write results in long form as CSV: run, scenario, seed, date, indicator, value, units");
  tidy->add_option("results", tidy_args.results, "Results file(s) (HDF5)")->required();
  tidy->add_option("--out,-o", tidy_args.out, "CSV file (default: standard output)");

  cli::SweepArgs sweep_args;
  CLI::App* sweep = cli::add_sweep_command(app, sweep_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_user_error;
  }

  try {
    if (*run) return cmd_run(run_args);
    if (*resume) return cli::cmd_resume(resume_args);
    if (*recover) return cmd_recover(recover_path, recover_out);
    if (*validate) {
      // Trigger conditions and look_at name indicators, which only the engine side knows.
      const Scenario sc =
          scenario::load_file(validate_path, validate_overrides, &indicators::names());
      if (const std::string warning = scenario::population_warning(validate_overrides);
          !warning.empty())
        std::cerr << "warning: " << warning << '\n';
      std::printf("%s: valid (%lld days from %s, %zu event%s)\n", validate_path.c_str(),
                  static_cast<long long>(sc.run.days), format_iso_date(sc.run.start_date).c_str(),
                  sc.events.size(), sc.events.size() == 1 ? "" : "s");
      return exit_ok;
    }
    if (*resolve) {
      std::fputs(scenario::load_file(resolve_path, resolve_overrides).resolved_text.c_str(),
                 stdout);
      return exit_ok;
    }
    if (*contagion_cmd) return cmd_contagion(contagion_model, contagion_file);
    if (*report) return cli::cmd_analysis("report", report_args);
    if (*headline) return cli::cmd_analysis("headline", headline_args);
    if (*tidy) return cli::cmd_analysis("tidy", tidy_args);
    if (*sweep) return cli::cmd_sweep(sweep_args);
    if (*schema && schema_sweep) return cli::run_analysis({"sweep-schema"});
    if (*serve) return cli::cmd_serve(serve_args);
    if (*schema) {
      std::fputs(
          (schema_json ? scenario::schema_json() + "\n" : scenario::schema_markdown()).c_str(),
          stdout);
      return exit_ok;
    }
  } catch (const UserError& e) {
    print_errors(e);
    return exit_user_error;
  } catch (const InternalError& e) {
    std::cerr << "internal error (a bug in pfsim; please report it): " << e.what() << '\n';
    return exit_internal_error;
  } catch (const std::exception& e) {
    std::cerr << "internal error (a bug in pfsim; please report it): " << e.what() << '\n';
    return exit_internal_error;
  }
  return exit_ok;
}
