// run: Simulation, the public C++ API — stepping and stopping, the recorded
// series, events fired on their date, and the results file (finished, or left
// as a .partial), none of which changes the simulated numbers.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "indicators/indicators.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"

using namespace pfsim;
namespace fs = std::filesystem;

namespace {

// A small baseline from 2019-01-01 for `days` days, no spin-up, plus `extra` YAML.
Scenario tiny(std::int64_t days, const std::string& extra = {}) {
  const std::string text = "extends: baseline.yaml\nrun: {days: " + std::to_string(days) +
                           ", spinup_days: 0}\nconsumers: {count: 3000}\nsmes: {count: 300}\n" +
                           extra;
  return scenario::load_text(text, PFSIM_SOURCE_DIR "/scenarios/run_test.yaml");
}

SimulationOptions options(std::uint64_t seed = 4) {
  SimulationOptions o;
  o.seed = seed;
  o.threads = 2;
  o.audit = engine::AuditLevel::end_of_step;
  return o;
}

std::vector<unsigned char> series_bytes(const Simulation& sim) {
  std::vector<unsigned char> out;
  for (std::size_t k = 0; k < indicators::table().size(); ++k) {
    const auto& s = sim.series(k);
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    out.insert(out.end(), p, p + s.size() * sizeof(double));
  }
  return out;
}

// A fresh directory under the system's temporary directory, removed at the end.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("pfsim_test_run_" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("step advances day by day and records one row per day, also past run.days") {
  Simulation sim(tiny(12), options());
  CHECK(sim.days_remaining() == 12);
  CHECK(sim.step(5) == 5);
  CHECK(sim.days_remaining() == 7);
  CHECK(sim.recorded_days().size() == 5);
  for (std::size_t t = 0; t < sim.recorded_days().size(); ++t)
    CHECK(sim.recorded_days()[t] == static_cast<std::int32_t>(t));
  for (std::size_t k = 0; k < indicators::table().size(); ++k) CHECK(sim.series(k).size() == 5);
  CHECK(sim.step(7) == 7);
  CHECK(sim.days_remaining() == 0);
  // The scenario's length is what the CLI runs; the API may go on (Python's
  // run(until=...) past the end), and days_remaining stays at 0.
  CHECK(sim.step(3) == 3);
  CHECK(sim.days_remaining() == 0);
  CHECK(sim.recorded_days().size() == 15);
  CHECK(sim.recorded_days().back() == 14);
  CHECK(sim.world().ledger.audit().ok());
}

TEST_CASE("a stop request ends the run between days; stepping on continues the same run") {
  int polls = 0;
  Simulation stopped(tiny(10), options());
  CHECK(stopped.step(10, [&] { return ++polls > 3; }) == 3);
  CHECK(stopped.recorded_days().size() == 3);
  CHECK(stopped.step(7) == 7);

  Simulation straight(tiny(10), options());
  straight.step(10);
  CHECK(series_bytes(stopped) == series_bytes(straight));
}

TEST_CASE("a dated event fires once, on its date, and is recorded") {
  const Scenario sc = tiny(20,
                           "events:\n  - id: fine\n    date: 2019-01-08\n    type: antitrust_fine\n"
                           "    yuan: 1.0e9\n");
  Simulation sim(sc, options());
  sim.step(6);
  CHECK(sim.fired_events().empty());
  sim.step(14);
  REQUIRE(sim.fired_events().size() == 1);
  CHECK(sim.fired_events()[0].day == 7);  // 2019-01-08 is day 7 from 2019-01-01
  CHECK(sim.fired_events()[0].type == "antitrust_fine");
  CHECK(sim.fired_events()[0].condition.empty());
}

TEST_CASE(
    "a results file is finished into place, or left as a .partial; the numbers do not change") {
  const TempDir dir;
  const Scenario sc = tiny(8);
  Simulation plain(sc, options());
  plain.step(8);

  const fs::path finished = dir.path / "finished.h5";
  Simulation with_file(sc, options());
  with_file.step(3);  // the rows so far are written when the file opens
  with_file.open_results_file(finished, 2);
  CHECK(!with_file.results_partial_path().empty());
  CHECK(fs::exists(with_file.results_partial_path()));
  with_file.step(5);
  with_file.finish_results_file();
  CHECK(fs::exists(finished));
  CHECK(!fs::exists(fs::path(finished.string() + ".partial")));
  CHECK(with_file.results_partial_path().empty());
  CHECK(series_bytes(with_file) == series_bytes(plain));

  const fs::path abandoned = dir.path / "abandoned.h5";
  Simulation closed(sc, options());
  closed.open_results_file(abandoned, 1);
  closed.step(4);
  closed.close_results_file();
  CHECK(!fs::exists(abandoned));
  CHECK(fs::exists(fs::path(abandoned.string() + ".partial")));
}

TEST_CASE("the same seed gives the same run; the seed matters") {
  const Scenario sc = tiny(15);
  Simulation a(sc, options(9)), b(sc, options(9)), c(sc, options(10));
  a.step(15);
  b.step(15);
  c.step(15);
  CHECK(series_bytes(a) == series_bytes(b));
  CHECK(series_bytes(a) != series_bytes(c));
  CHECK(a.agent_count() > 3300);  // consumers + SMEs + the hub institutions
}

TEST_CASE(
    "save_checkpoint never writes through a link, a FIFO or a device, nor over a non-HDF5 file") {
  const TempDir dir;
  Simulation sim(tiny(3), options());
  sim.step(2);
  const auto refused = [&](const fs::path& target) {
    try {
      sim.save_checkpoint(target);
    } catch (const UserError& e) {
      return std::string(e.what()).find(target.filename().string()) != std::string::npos;
    }
    return false;
  };
  const auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };

  // A planted symlink at the checkpoint: neither it nor its target changes.
  const fs::path victim = dir.path / "victim.txt";
  std::ofstream(victim) << "keep me\n";
  fs::create_symlink(victim, dir.path / "link.ckpt.h5");
  CHECK(refused(dir.path / "link.ckpt.h5"));
  CHECK(fs::is_symlink(dir.path / "link.ckpt.h5"));
  CHECK(bytes(victim) == "keep me\n");

  // A FIFO (or, as root, a device node such as /dev/null) is not replaced.
  REQUIRE(::mkfifo((dir.path / "fifo.ckpt.h5").c_str(), 0600) == 0);
  CHECK(refused(dir.path / "fifo.ckpt.h5"));
  CHECK(fs::is_fifo(dir.path / "fifo.ckpt.h5"));

  // A symlink planted at the temporary file is refused, its target untouched.
  fs::create_symlink(victim, dir.path / "t.ckpt.h5.tmp");
  CHECK(refused(dir.path / "t.ckpt.h5"));
  CHECK(bytes(victim) == "keep me\n");
  CHECK_FALSE(fs::exists(fs::symlink_status(dir.path / "t.ckpt.h5")));

  // A file that is not HDF5 (a scenario, a script) is never replaced.
  const fs::path scenario = dir.path / "mine.yaml";
  std::ofstream(scenario) << "extends: baseline.yaml\n";
  CHECK(refused(scenario));
  CHECK(bytes(scenario) == "extends: baseline.yaml\n");

  // An earlier checkpoint (or an absent path) is what a checkpoint replaces.
  const fs::path ckpt = dir.path / "r.ckpt.h5";
  sim.save_checkpoint(ckpt);
  sim.step(1);
  sim.save_checkpoint(ckpt);
  CHECK(fs::is_regular_file(fs::symlink_status(ckpt)));
  CHECK(Simulation::load_checkpoint(ckpt, 1)->world().run_day() == 3);
  CHECK_FALSE(fs::exists(dir.path / "r.ckpt.h5.tmp"));
}
