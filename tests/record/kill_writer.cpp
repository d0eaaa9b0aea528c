// pfsim_kill_writer: writes a results file with known contents, slowly, so that a
// test can SIGKILL it at a chosen moment and check what the `.partial` holds
// (tests/python/test_partial_after_kill.py, test_results_layout_writer.py).
//
//   pfsim_kill_writer OUT.h5 [--steps N] [--indicators K] [--flush-every F]
//                     [--sleep-ms S] [--event-every E] [--network-every M] [--finish]
//
// Step s (0-based) has day s and indicator k holds value(s, k) = s*1000 + k + 0.25.
// Every E steps (s % E == 0), before the step's row, an event is recorded: day s,
// type "test_shock", parameters {"step": s, "label": "päivä"}, condition
// "s % E == 0" for odd s and "" for even s.
// With --network-every M (M >= 1) two networks are declared: "interbank" (node
// attributes equity, capital_ratio, failed) and "fund_placements" (aum). Every M
// steps (s % M == 0), after the event and before the row, snapshot j = s / M of
// each is recorded, on day s:
//   interbank: n = 2 + j % 3 nodes; node i has kind "bank" (even i) or
//     "platform" (odd i), index 100*j + i, equity s*1000 + i + 0.5,
//     capital_ratio i / 100, failed (s + i) % 2 (attributes handed over in the
//     order failed, equity, capital_ratio); j % 4 edges, edge e from node e % n
//     to node (e + 1) % n with weight s*10 + e + 0.25.
//   fund_placements: one node, kind "fund", index j, aum s; no edges.
// stdout, one line per fact, flushed at once:
//   ready partial=<path>
//   flushed rows=<r> events=<e>      (after each flush: those are in the file;
//                                     with --network-every also snapshots=<n>,
//                                     the snapshots of each network)
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
               "                         [--sleep-ms S] [--event-every E] [--network-every M]\n"
               "                         [--finish]\n"
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
  // `--help` (or any option) where OUT.h5 belongs is not a file name: without
  // this check it would create `--help.partial`.
  if (argv[1][0] == '-') return usage();
  std::string out = argv[1];
  long steps = 100;
  long indicators = 4;
  long flush_every = 10;
  long sleep_ms = 2;
  long event_every = 7;
  long network_every = 0;  // 0: no networks
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
    } else if (arg == "--network-every") {
      ok = number(network_every) && network_every >= 1;
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

    std::vector<pfsim::record::NetworkSpec> networks;
    if (network_every > 0) {
      networks.push_back(
          {"interbank", {"equity", "capital_ratio", "failed"}, "Test network: interbank claims."});
      networks.push_back({"fund_placements", {"aum"}, ""});
    }
    pfsim::record::ResultsWriter writer(out, std::move(specs), std::move(meta),
                                        static_cast<int>(flush_every), std::move(networks));
    std::printf("ready partial=%s\n", writer.partial_path().c_str());
    std::fflush(stdout);

    std::vector<double> row(static_cast<std::size_t>(indicators));
    std::int64_t events = 0;
    std::int64_t snapshots = 0;
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
      if (network_every > 0 && s % network_every == 0) {
        const long j = s / network_every;
        const auto day = static_cast<std::int32_t>(s);
        pfsim::record::NetworkSnapshot net;
        net.day = day;
        net.name = "interbank";
        const long n = 2 + j % 3;
        std::vector<double> equity, capital_ratio, failed;
        for (long i = 0; i < n; ++i) {
          net.node_kind.emplace_back(i % 2 == 0 ? "bank" : "platform");
          net.node_index.push_back(static_cast<std::uint32_t>(100 * j + i));
          equity.push_back(static_cast<double>(s) * 1000.0 + static_cast<double>(i) + 0.5);
          capital_ratio.push_back(static_cast<double>(i) / 100.0);
          failed.push_back(static_cast<double>((s + i) % 2));
        }
        net.node_attribute_names = {"failed", "equity", "capital_ratio"};
        net.node_attributes = {failed, equity, capital_ratio};
        for (long e = 0; e < j % 4; ++e) {
          net.source.push_back(static_cast<std::uint32_t>(e % n));
          net.target.push_back(static_cast<std::uint32_t>((e + 1) % n));
          net.weight.push_back(static_cast<double>(s) * 10.0 + static_cast<double>(e) + 0.25);
        }
        writer.record_network(net);

        pfsim::record::NetworkSnapshot funds;
        funds.day = day;
        funds.name = "fund_placements";
        funds.node_kind = {"fund"};
        funds.node_index = {static_cast<std::uint32_t>(j)};
        funds.node_attribute_names = {"aum"};
        funds.node_attributes = {{static_cast<double>(s)}};
        writer.record_network(funds);
        ++snapshots;
      }
      for (long k = 0; k < indicators; ++k) row[static_cast<std::size_t>(k)] = value(s, k);
      writer.append(static_cast<std::int32_t>(s), row);
      if (writer.rows_flushed() != announced) {
        announced = writer.rows_flushed();
        if (network_every > 0) {
          std::printf("flushed rows=%lld events=%lld snapshots=%lld\n",
                      static_cast<long long>(announced), static_cast<long long>(events),
                      static_cast<long long>(snapshots));
        } else {
          std::printf("flushed rows=%lld events=%lld\n", static_cast<long long>(announced),
                      static_cast<long long>(events));
        }
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
