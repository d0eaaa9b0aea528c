// The malformed-file corpus: every tests/scenario/malformed/NAME.yaml must fail
// to load with exactly the diagnostics in NAME.expected (one formatted line
// each), with the --set overrides in NAME.set if there is one. Files are loaded
// from inside that folder, so messages show paths relative to it.
//
// To add a case: write NAME.yaml (and NAME.set), run this test with
// PFSIM_UPDATE_EXPECTED=1 to write NAME.expected, and read what it wrote.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "scenario/load.hpp"

namespace fs = std::filesystem;
using namespace pfsim;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> lines;
  std::istringstream in(read_text(p));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// Changes the working directory for the scope of a test.
struct WorkingDirectory {
  fs::path saved = fs::current_path();
  explicit WorkingDirectory(const fs::path& to) { fs::current_path(to); }
  ~WorkingDirectory() { fs::current_path(saved); }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;
};

}  // namespace

TEST_CASE("malformed scenario files fail with exactly the expected messages") {
  const fs::path dir = fs::path(PFSIM_SOURCE_DIR) / "tests" / "scenario" / "malformed";
  const bool update = std::getenv("PFSIM_UPDATE_EXPECTED") != nullptr;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  CHECK(names.size() >= 60);

  const WorkingDirectory cwd(dir);
  double slowest = 0;
  std::string slowest_name;
  for (const std::string& name : names) {
    CAPTURE(name);
    const fs::path stem = fs::path(name).replace_extension();
    const fs::path set_file = fs::path(stem).concat(".set");
    const std::vector<std::string> overrides =
        fs::exists(set_file) ? read_lines(set_file) : std::vector<std::string>{};
    std::string got;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      (void)scenario::load_file(name, overrides);
      FAIL_CHECK("loaded without an error");
      continue;
    } catch (const UserError& e) {
      for (const Diagnostic& d : e.diagnostics()) got += d.format() + "\n";
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (secs > slowest) slowest = secs, slowest_name = name;
    const fs::path expected_file = fs::path(stem).concat(".expected");
    if (update) {
      std::ofstream(expected_file, std::ios::binary) << got;
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(expected_file), "missing " << expected_file.string());
    CHECK(got == read_text(expected_file));
  }
  MESSAGE("slowest malformed file: " << slowest_name << " in " << slowest << " s");
}
