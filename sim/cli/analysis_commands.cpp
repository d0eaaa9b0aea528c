// pfsim report / headline / tidy: find the analysis package, run it with
// Debian's Python, pass the options on (analysis_commands.hpp). pfsim serve
// runs the teaching package the same way (serve_command.cpp).
#include "cli/analysis_commands.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "api/run.hpp"

namespace pfsim::cli {

namespace {

// The Python child while we wait for it (0: none). SIGTERM and SIGHUP (timeout,
// docker stop, a closed terminal, a test's cleanup) are passed on to it, so
// stopping `pfsim serve` stops its server rather than orphaning it.
volatile std::sig_atomic_t python_child = 0;
static_assert(sizeof(std::sig_atomic_t) >= sizeof(pid_t));
extern "C" void forward_to_child(int signo) {
  if (python_child > 0) kill(static_cast<pid_t>(python_child), signo);
}

// The repository holding MODULE/ (analysis/, teaching/): next to the build
// tree this executable lives in (<repo>/<build>/bin/pfsim), else the source
// tree it was built from.
std::optional<std::filesystem::path> find_module_root(const std::string& module,
                                                      std::vector<std::filesystem::path>& looked) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path().parent_path());
#ifdef PFSIM_SOURCE_DIR
  candidates.emplace_back(PFSIM_SOURCE_DIR);
#endif
  for (const fs::path& root : candidates) {
    looked.push_back(root / module);
    if (fs::is_regular_file(root / module / "__main__.py", ec)) return root;
  }
  return std::nullopt;
}

constexpr const char* python_packages =
    "python3-numpy python3-pandas python3-xarray python3-h5py python3-matplotlib python3-scipy";

}  // namespace

int run_python_module(const std::string& module, const std::string& command,
                      const std::vector<std::string>& module_args, const bool replace_process) {
  const char* python_env = std::getenv("PFSIM_PYTHON");
  const std::string python =
      python_env != nullptr && *python_env != '\0' ? python_env : "/usr/bin/python3";
  if (access(python.c_str(), X_OK) != 0) {
    std::cerr << "error: pfsim " << command << " runs the Python analysis package with " << python
              << ", which cannot be run (" << std::strerror(errno)
              << "). Install Debian's python3 and " << python_packages
              << " (apt-get install ...), or set PFSIM_PYTHON to a Python 3 that has them.\n";
    return exit_user_error;
  }
  std::vector<std::filesystem::path> looked;
  const auto root = find_module_root(module, looked);
  if (!root) {
    std::cerr << "error: pfsim " << command << " needs the " << module << " package (" << module
              << "/__main__.py of the pfsim repository), which was not found in:";
    for (const auto& p : looked) std::cerr << ' ' << p.string();
    std::cerr
        << ". Run the pfsim of a build tree inside the repository (e.g. build/bin/pfsim), or run "
           "`python3 -m "
        << module << "` with PYTHONPATH=<repo>.\n";
    return exit_user_error;
  }

  std::vector<std::string> args = {python, "-m", module};
  args.insert(args.end(), module_args.begin(), module_args.end());

  // The environment, with the repository first on PYTHONPATH.
  std::vector<std::string> env;
  std::string pythonpath = "PYTHONPATH=" + root->string();
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.starts_with("PYTHONPATH=")) {
      if (entry.size() > std::string_view("PYTHONPATH=").size()) {
        pythonpath += ':';
        pythonpath += entry.substr(std::string_view("PYTHONPATH=").size());
      }
    } else {
      env.emplace_back(entry);
    }
  }
  env.push_back(pythonpath);
  // The package runs simulations with this very executable (analysis.find_pfsim).
  if (std::getenv("PFSIM") == nullptr) {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) env.push_back("PFSIM=" + self.string());
  }

  std::vector<char*> argv_c;
  argv_c.reserve(args.size() + 1);
  for (std::string& s : args) argv_c.push_back(s.data());
  argv_c.push_back(nullptr);
  std::vector<char*> env_c;
  env_c.reserve(env.size() + 1);
  for (std::string& s : env) env_c.push_back(s.data());
  env_c.push_back(nullptr);

  if (replace_process) {
    std::fflush(stdout);
    execve(python.c_str(), argv_c.data(), env_c.data());
    std::cerr << "error: cannot start " << python << ": " << std::strerror(errno) << '\n';
    return exit_user_error;
  }

  // Like system(): Ctrl-C goes to the child (same process group), which
  // decides; we only wait for it. The child gets the default handlers back.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  struct sigaction old_int {
  }, old_quit{};
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  struct sigaction forward {};
  forward.sa_handler = forward_to_child;
  sigemptyset(&forward.sa_mask);
  struct sigaction old_term {
  }, old_hup{};
  sigaction(SIGTERM, &forward, &old_term);
  sigaction(SIGHUP, &forward, &old_hup);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGQUIT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

  std::fflush(stdout);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, python.c_str(), nullptr, &attr, argv_c.data(), env_c.data());
  posix_spawnattr_destroy(&attr);
  int status = 0;
  if (spawn_error == 0) {
    python_child = pid;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    python_child = 0;
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  if (spawn_error != 0) {
    std::cerr << "error: cannot start " << python << ": " << std::strerror(spawn_error) << '\n';
    return exit_user_error;
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : exit_internal_error;
  if (code == 1) {
    // 1 is an uncaught Python exception (the package itself exits 0 or 2).
    std::cerr << "pfsim " << command << ": `" << python << " -m " << module
              << "` failed (exit 1). If the traceback "
              << "above is a ModuleNotFoundError, install " << python_packages << ".\n";
  }
  return code;
}

int run_analysis(const std::vector<std::string>& analysis_args, const bool replace_process) {
  return run_python_module("analysis", analysis_args.front(), analysis_args, replace_process);
}

int cmd_analysis(const std::string& command, const ReportArgs& a) {
  std::vector<std::string> args = {command};
  args.insert(args.end(), a.results.begin(), a.results.end());
  if (!a.baseline.empty()) {
    args.emplace_back("--baseline");
    args.insert(args.end(), a.baseline.begin(), a.baseline.end());
  }
  if (a.out) args.insert(args.end(), {"--out", *a.out});
  if (a.title) args.insert(args.end(), {"--title", *a.title});
  if (a.last_days) args.insert(args.end(), {"--last-days", std::to_string(*a.last_days)});
  if (a.svg) args.emplace_back("--svg");
  if (a.figures) args.insert(args.end(), {"--figures", *a.figures});
  if (a.indicators) args.insert(args.end(), {"--indicators", *a.indicators});
  if (a.window) args.insert(args.end(), {"--window", std::to_string(*a.window)});
  if (a.allow_mismatch) args.emplace_back("--allow-mismatch");
  if (a.csv) args.emplace_back("--csv");
  if (a.sweep) args.insert(args.end(), {"--sweep", *a.sweep});
  return run_analysis(args);
}

void add_comparison_options(CLI::App* cmd, ReportArgs& a) {
  cmd->add_option("results", a.results, "Results file(s) (HDF5); several = several seeds")
      ->required();
  cmd->add_option("--baseline", a.baseline, "Baseline results file(s) to compare against");
  cmd->add_option("--last-days", a.last_days, "Headline window: mean over the last N days (30)")
      ->check(CLI::Range(1, 36500));
  cmd->add_option("--indicators", a.indicators,
                  "Comma-separated indicators for the table (default: the scenario's look_at, then "
                  "the standard list)");
  cmd->add_flag("--allow-mismatch", a.allow_mismatch,
                "Compare with a baseline of other dates, length, scale or agent counts (refused "
                "by default, exit 2)");
}

}  // namespace pfsim::cli
