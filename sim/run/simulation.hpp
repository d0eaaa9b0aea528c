// A running simulation: scenario (what) + world (live state) + engine (how) +
// recorded indicators (results so far) + an optional results file.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "record/results_writer.hpp"
#include "scenario/scenario.hpp"
#include "world/world.hpp"

namespace pfsim {

namespace record {
class ResultsWriter;
}
namespace exec {
class Arena;
}

struct SimulationOptions {
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = all cores
  engine::AuditLevel audit = engine::default_audit_level();
};

class Simulation {
 public:
  Simulation(const Scenario& scenario, SimulationOptions options);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // An independent copy of this simulation as it is now: the world, the
  // results recorded so far, fired events and snapshots, waiting interventions
  // and trigger state — everything the next step reads — but no results file.
  // The copy steps on its own (`threads` workers; 0 = all cores). Draws are
  // keyed on (seed, stream, agent id, step), so the original and its forks see
  // common random numbers: given the same shocks they stay identical, and
  // different shocks make them differ only from the shock's day. One warm-up,
  // many policy branches.
  [[nodiscard]] std::unique_ptr<Simulation> fork(int threads) const;

  // --- checkpoints (run/checkpoint.cpp, docs/checkpoints.md) ---------------
  // Writes everything the next step reads — what fork() copies — to `path`
  // (an HDF5 file, written as `path.tmp` and renamed: the previous checkpoint
  // stays until the new one is whole). `frontend_json` is kept verbatim for
  // the caller (Python keeps its interventions list there). Between days only.
  void save_checkpoint(const std::filesystem::path& path,
                       const std::string& frontend_json = {}) const;
  // The simulation a checkpoint holds, stepping with `threads` workers (0 =
  // all cores) and `audit` (the checkpointed run's when not given). Throws
  // UserError naming the file when it is missing, not HDF5, not a checkpoint,
  // of another format version, truncated or corrupt.
  [[nodiscard]] static std::unique_ptr<Simulation> load_checkpoint(
      const std::filesystem::path& path, int threads,
      std::optional<engine::AuditLevel> audit = std::nullopt);
  // A branch from a checkpoint under another scenario: its live parameters
  // that differ from the checkpointed scenario's take effect at once, its
  // events dated from the next day on fire on their days, its triggers are
  // armed (a trigger also in the checkpointed scenario keeps its state).
  // Throws UserError naming every parameter that is fixed once the world is
  // built (agent counts, regions, topology, seed, calendar, ...) and differs,
  // and every event dated before the next day that the checkpointed run did
  // not have.
  [[nodiscard]] static std::unique_ptr<Simulation> fork_checkpoint(
      const std::filesystem::path& path, const Scenario& scenario, int threads,
      std::optional<engine::AuditLevel> audit = std::nullopt);
  // Today's exposure networks (interbank, co-lending, fund placements,
  // suppliers; interbank_clearing on a failure day), as /networks records them.
  [[nodiscard]] std::vector<record::NetworkSnapshot> networks_today() const;
  // The `frontend_json` the checkpoint was saved with ("" for a new run).
  [[nodiscard]] const std::string& checkpoint_frontend_json() const { return frontend_json_; }

  // Advances `days` days (recording each). `stop` is polled between days; when
  // it returns true the run stops early. Returns the days actually simulated.
  std::int64_t step(std::int64_t days, const std::function<bool()>& stop = {});
  // Days left until the scenario's end (run.days); 0 when done.
  [[nodiscard]] std::int64_t days_remaining() const;

  // Start writing a results file (the rows recorded so far are written too).
  void open_results_file(const std::filesystem::path& path, int flush_every_steps);
  // Flush and rename the results file into place; no-op without one. With
  // `interventions_json` the file gets /metadata/interventions (before the
  // rename). The writer is gone afterwards, also when this throws (the run
  // lock is released, the `.partial` keeps every flushed row).
  void finish_results_file(const std::optional<std::string>& interventions_json = std::nullopt);
  // Flushes every recorded row and closes the results file without finishing
  // it: the `.partial` stays (for `pfsim recover`), the run lock is released.
  // No-op without a file. Never throws (as a writer destroyed unfinished).
  void close_results_file() noexcept;
  // The results file's path while it is being written ("" without one).
  [[nodiscard]] std::filesystem::path results_partial_path() const;

  [[nodiscard]] const Scenario& scenario() const { return *world_->scenario; }
  [[nodiscard]] World& world() { return *world_; }
  [[nodiscard]] const World& world() const { return *world_; }
  [[nodiscard]] const SimulationOptions& options() const { return options_; }
  [[nodiscard]] int threads() const;

  // Applies a shock from outside the scenario (Python's apply_shock).
  // `event_yaml` is one event as a single-line JSON object (the keys of an item
  // of `events:`): with `date` (from the next simulated day on; Python fills in
  // the next day) it fires on that day, with `when` it is a trigger like a
  // scenario's. Validated against the scenario like a file; throws UserError.
  // Recorded in /events with condition "intervention" (a trigger:
  // "intervention: <condition>").
  void apply_shock(const std::string& event_yaml);

  // Every event that fired so far, in order.
  [[nodiscard]] const std::vector<record::EventRecord>& fired_events() const { return events_; }

  // Recorded results (the scenario's `record:`): one row per sampled day
  // (record.every_days), one series per recorded indicator. While a results
  // file is open the rows live only there (memory stays flat in run length)
  // and are read back from it; the days are kept (4 bytes a row).
  [[nodiscard]] const std::vector<std::int32_t>& recorded_days() const { return days_; }
  // The recorded indicators, as positions in indicators::table(), in recording order.
  [[nodiscard]] const std::vector<std::size_t>& recorded_indicators() const { return recorded_; }
  // The series of the `column`-th recorded indicator (a position in
  // recorded_indicators()): every row so far, a copy (read back from the
  // results file for the rows streamed to it).
  [[nodiscard]] std::vector<double> series(std::size_t column) const;
  // Every recorded series, one at a time, in recording order: `visit(column,
  // series)`. One file open for all of them (sim.results, checkpoints, forks).
  void for_each_series(const std::function<void(std::size_t, std::vector<double>&&)>& visit) const;
  // The column of a recorded indicator, or -1 if it is not recorded.
  [[nodiscard]] int recorded_column(std::string_view name) const;
  [[nodiscard]] std::size_t agent_count() const;

 private:
  struct ForkOf {
    const Simulation& from;
  };
  Simulation(ForkOf of, int threads);
  struct Restored {};
  Simulation(Restored, SimulationOptions options);  // an empty shell load_checkpoint fills
  [[nodiscard]] EventSpec parse_intervention(const std::string& event_yaml) const;
  void rebase(const Scenario& scenario);  // fork_checkpoint's checks and changes
  void record_row();
  void fire_due_events();
  bool trigger_fires(const EventSpec& e, std::uint8_t& was_true, std::uint8_t& fired);
  void fire(const EventSpec& event, const std::string& condition);
  // Every network snapshot taken so far, in order, one at a time: those in
  // the results file (read back from it), then those in memory.
  void for_each_network_snapshot(const std::function<void(record::NetworkSnapshot&&)>& visit) const;
  // The series of `columns` (recorded positions): the rows in the results
  // file (read back), then those in memory; `visit(column, series)`.
  void read_series(std::span<const std::size_t> columns,
                   const std::function<void(std::size_t, std::vector<double>&&)>& visit) const;
  // Rows and snapshots streamed to `path`'s `.partial` (a file closed, not
  // finished) back into memory: a writer opening that path replaces the file.
  void take_back_from(const std::filesystem::path& partial);

  SimulationOptions options_;
  std::unique_ptr<exec::Arena> arena_;
  std::unique_ptr<World> world_;
  std::vector<std::int32_t> days_;
  std::vector<std::size_t> recorded_;  // positions in indicators::table()
  // Per recorded indicator, the rows not in a results file: streamed to the
  // file while one is open (none kept here); without one, kept here until a
  // file opens. Rows streamed to a file since closed stay there
  // (results_file_, the first rows_in_file_ rows).
  std::vector<std::vector<double>> series_;
  std::int64_t rows_in_file_ = 0;  // in writer_ or results_file_
  std::vector<double> latest_;     // every indicator, the last day simulated (triggers)
  std::unique_ptr<record::ResultsWriter> writer_;
  std::vector<record::EventRecord> events_;
  // Network snapshots: like rows (series_), the first networks_in_file_ in
  // writer_ or results_file_, the later ones here.
  std::vector<record::NetworkSnapshot> networks_;  // taken while no file was open
  std::filesystem::path results_file_;    // a closed file holding the earlier rows and snapshots
  std::int64_t networks_in_file_ = 0;     // in writer_ or results_file_
  std::vector<EventSpec> interventions_;  // dated events from apply_shock, waiting for their day
  struct InterventionTrigger {
    EventSpec event;  // a `when:` event from apply_shock
    std::uint8_t was_true = 0, fired = 0;
  };
  std::vector<InterventionTrigger> intervention_triggers_;
  std::vector<std::uint8_t> trigger_was_true_, trigger_fired_;  // per scenario event
  std::string frontend_json_;  // from the checkpoint this was loaded from
};

// Why the scenario parameter `path` cannot differ between a checkpoint and a
// branch of it (`pfsim run --from`); empty when it may: a live parameter (the
// branch sets it on its first day) or one that only names or lengthens the run.
// Sweeps use it to refuse a frozen swept parameter before any run.
[[nodiscard]] std::string frozen_in_a_branch(const std::string& path);

// Program identity written into results files.
[[nodiscard]] std::string program_version();
[[nodiscard]] std::string git_commit();

}  // namespace pfsim
