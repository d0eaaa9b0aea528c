// pfsim_kill_writer: writes a results file with known contents, slowly, so that a
// test can SIGKILL it at a chosen moment and check what the `.partial` holds
// (tests/python/test_partial_after_kill.py, test_results_layout_writer.py).
//
//   pfsim_kill_writer OUT.h5 [--steps N] [--indicators K] [--flush-every F]
//                     [--sleep-ms S] [--event-every E] [--finish]
//
// Step s (0-based) has day s and indicator k holds value(s, k) = s*1000 + k + 0.25.
// Every E steps (s % E == 0), before the step's row, an event is recorded: day s,
// type "test_shock", parameters {"step": s, "label": "päivä"}, condition
// "s % E == 0" for odd s and "" for even s.
// stdout, one line per fact, flushed at once:
//   ready partial=<path>
//   flushed rows=<r> events=<e>      (after each flush: those are in the file)
//   finished rows=<r>                (with --finish)   | closed rows=<r> (without)
//
//   pfsim_kill_writer --recover PARTIAL OUT.h5
// runs ResultsWriter::recover and prints "recovered rows=<r>".
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "record/results_writer.hpp"

namespace {

double value(std::int64_t step, std::int64_t k) {
  return static_cast<double>(step) * 1000.0 + static_cast<double>(k) + 0.25;
}

int usage() {
  std::fprintf(stderr,
               "usage: pfsim_kill_writer OUT.h5 [--steps N] [--indicators K] [--flush-every F]\n"
               "                         [--sleep-ms S] [--event-every E] [--finish]\n"
               "       pfsim_kill_writer --recover PARTIAL OUT.h5\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  if (std::string_view(argv[1]) == "--recover") {
    if (argc != 4) return usage();
    try {
      const auto rows = pfsim::record::ResultsWriter::recover(argv[2], argv[3]);
      std::printf("recovered rows=%lld\n", static_cast<long long>(rows));
      return 0;
    } catch (const pfsim::UserError& e) {
      for (const auto& d : e.diagnostics()) std::fprintf(stderr, "error: %s\n", d.format().c_str());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "internal error: %s\n", e.what());
      return 3;
    }
  }
  std::string out = argv[1];
  long steps = 100;
  long indicators = 4;
  long flush_every = 10;
  long sleep_ms = 2;
  long event_every = 7;
  bool finish = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto number = [&](long& target) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      target = std::strtol(argv[++i], &end, 10);
      return end != nullptr && *end == '\0';
    };
    bool ok = true;
    if (arg == "--steps") {
      ok = number(steps);
    } else if (arg == "--indicators") {
      ok = number(indicators);
    } else if (arg == "--flush-every") {
      ok = number(flush_every);
    } else if (arg == "--sleep-ms") {
      ok = number(sleep_ms);
    } else if (arg == "--event-every") {
      ok = number(event_every);
    } else if (arg == "--finish") {
      finish = true;
    } else {
      ok = false;
    }
    if (!ok || indicators < 0 || event_every < 1) return usage();
  }

  try {
    std::vector<pfsim::record::IndicatorSpec> specs;
    for (long k = 0; k < indicators; ++k) {
      specs.push_back({"indicator_" + std::to_string(k), k % 2 == 0 ? "RMB" : "1",
                       "Test indicator number " + std::to_string(k) + "."});
    }
    pfsim::record::RunMetadata meta;
    meta.scenario_text = "# kill_writer scenario\nsteps: " + std::to_string(steps) +
                         "\nname: \"kill test \xC3\xA4\"\n";
    meta.scenario_path = "tests/record/kill_writer.yaml";
    meta.seed = 18446744073709551557ULL;  // largest 64-bit prime: checks uint64 storage
    meta.threads = 2;
    meta.program_version = "0.1.0-test";
    meta.git_commit = "0123456789ab";
    meta.start_date = "2019-01-01";

    pfsim::record::ResultsWriter writer(out, std::move(specs), std::move(meta),
                                        static_cast<int>(flush_every));
    std::printf("ready partial=%s\n", writer.partial_path().c_str());
    std::fflush(stdout);

    std::vector<double> row(static_cast<std::size_t>(indicators));
    std::int64_t events = 0;
    std::int64_t announced = 0;
    for (long s = 0; s < steps; ++s) {
      if (s % event_every == 0) {
        pfsim::record::EventRecord ev;
        ev.day = static_cast<std::int32_t>(s);
        ev.type = "test_shock";
        ev.parameters = "{\"step\": " + std::to_string(s) + ", \"label\": \"p\xC3\xA4iv\xC3\xA4\"}";
        ev.condition = s % 2 == 1 ? "s % " + std::to_string(event_every) + " == 0" : "";
        writer.record_event(ev);
        ++events;
      }
      for (long k = 0; k < indicators; ++k) row[static_cast<std::size_t>(k)] = value(s, k);
      writer.append(static_cast<std::int32_t>(s), row);
      if (writer.rows_flushed() != announced) {
        announced = writer.rows_flushed();
        std::printf("flushed rows=%lld events=%lld\n", static_cast<long long>(announced),
                    static_cast<long long>(events));
        std::fflush(stdout);
      }
      if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    }
    if (finish) {
      writer.finish();
      std::printf("finished rows=%lld\n", static_cast<long long>(writer.rows_written()));
    } else {
      std::printf("closed rows=%lld\n", static_cast<long long>(writer.rows_written()));
    }
    std::fflush(stdout);
  } catch (const pfsim::UserError& e) {
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "error: %s\n", d.format().c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
