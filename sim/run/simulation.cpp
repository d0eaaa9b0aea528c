#include "run/simulation.hpp"

#include <algorithm>

#include "core/date.hpp"
#include "core/error.hpp"
#include "exec/parallel.hpp"
#include "indicators/indicators.hpp"
#include "phases/phases.hpp"
#include "record/results_writer.hpp"
#include "run/memory.hpp"
#include "run/networks.hpp"
#include "scenario/events.hpp"
#include "scenario/load.hpp"

namespace pfsim {

std::string program_version() {
  return PFSIM_VERSION;
}
std::string git_commit() {
  return PFSIM_GIT_COMMIT;
}

Simulation::Simulation(const Scenario& scenario, SimulationOptions options)
    : options_(options), arena_(std::make_unique<exec::Arena>(options.threads)) {
  // Conditions may only name recorded indicators: refuse a typo before the run.
  if (auto problems = scenario::check_identifiers(scenario, indicators::names()); !problems.empty())
    throw UserError(std::move(problems));
  check_memory(scenario);  // before building: a run that cannot fit is refused now
  arena_->run([&] {
    world_ = build_world(scenario, options_.seed);
    // The spin-up: days before the start, with no events and nothing recorded,
    // so the recorded run starts from the model's own steady state.
    while (world_->run_day() < 0) engine::advance_day(*world_, options_.audit);
  });
  // `record:` which indicators, in which order (names checked above).
  if (scenario.record.indicators.empty()) {
    for (std::size_t k = 0; k < indicators::table().size(); ++k) recorded_.push_back(k);
  } else {
    for (const std::string& name : scenario.record.indicators)
      recorded_.push_back(static_cast<std::size_t>(indicators::find(name)));
  }
  series_.resize(recorded_.size());
  trigger_was_true_.assign(scenario.events.size(), 0);
  trigger_fired_.assign(scenario.events.size(), 0);
}

Simulation::Simulation(ForkOf of, int threads)
    : options_(of.from.options_),
      arena_(std::make_unique<exec::Arena>(threads)),
      world_(std::make_unique<World>(*of.from.world_)),
      days_(of.from.days_),
      recorded_(of.from.recorded_),
      latest_(of.from.latest_),
      events_(of.from.events_),
      interventions_(of.from.interventions_),
      intervention_triggers_(of.from.intervention_triggers_),
      trigger_was_true_(of.from.trigger_was_true_),
      trigger_fired_(of.from.trigger_fired_) {
  options_.threads = threads;
  // The copy has no results file: it keeps every row and snapshot so far in memory.
  series_.resize(recorded_.size());
  of.from.for_each_series(
      [&](std::size_t column, std::vector<double>&& s) { series_[column] = std::move(s); });
  of.from.for_each_network_snapshot(
      [&](record::NetworkSnapshot&& s) { networks_.push_back(std::move(s)); });
}

Simulation::Simulation(Restored, SimulationOptions options)
    : options_(options),
      arena_(std::make_unique<exec::Arena>(options.threads)),
      world_(std::make_unique<World>()) {}

std::unique_ptr<Simulation> Simulation::fork(int threads) const {
  return std::unique_ptr<Simulation>(new Simulation(ForkOf{*this}, threads));
}

Simulation::~Simulation() = default;

int Simulation::threads() const {
  return arena_->threads();
}

std::size_t Simulation::agent_count() const {
  return world_->consumers.size() + world_->smes.size() + world_->banks.size() +
         world_->platforms.size();
}

std::int64_t Simulation::days_remaining() const {
  const std::int64_t left = world_->scenario->run.days - world_->run_day();
  return left > 0 ? left : 0;
}

int Simulation::recorded_column(std::string_view name) const {
  const int k = indicators::find(name);
  for (std::size_t c = 0; c < recorded_.size(); ++c)
    if (k >= 0 && recorded_[c] == static_cast<std::size_t>(k)) return static_cast<int>(c);
  return -1;
}

namespace {
// Firms per part of a suppliers snapshot written in parts: about 4 MB of
// columns at a time, whatever the number of firms.
constexpr std::size_t supplier_nodes_per_part = std::size_t{1} << 16;
}  // namespace

void Simulation::record_row() {
  // Every indicator every day (triggers may read any of them); a row of the
  // recorded ones on the days record.every_days samples.
  latest_.resize(indicators::table().size());
  indicators::compute(*world_, latest_);
  // The row describes the day just simulated (step − 1 days after the start).
  const auto day = static_cast<std::int32_t>(world_->run_day() - 1);
  if (day % world_->scenario->record.every_days == 0) {
    std::vector<double> row(recorded_.size());
    for (std::size_t c = 0; c < recorded_.size(); ++c) row[c] = latest_[recorded_[c]];
    days_.push_back(day);
    // Streamed like the snapshots below: in the file only, while one is open.
    if (writer_) {
      writer_->append(day, row);
      ++rows_in_file_;
    } else {
      for (std::size_t c = 0; c < row.size(); ++c) series_[c].push_back(row[c]);
    }
  }
  // Exposure networks every interbank.snapshot_every_days and on failure days.
  const std::int64_t every = world_->scenario->interbank.snapshot_every_days;
  if ((every > 0 && day % every == 0) || world_->flows[Flow::bank_failures] > 0) {
    if (writer_) {
      // Streamed: on disk and not kept (memory stays flat in run length). The
      // suppliers network (a node per firm) is written in parts, so that no
      // more than a part of it is in memory at once (issue 18).
      for (record::NetworkSnapshot& s : bank_network_snapshots(*world_, day)) {
        writer_->record_network(std::move(s));
        ++networks_in_file_;
      }
      const std::size_t firms = world_->smes.size();
      std::size_t from = 0;
      writer_->record_network_in_parts("suppliers", day, firms, [&](record::NetworkSnapshot& part) {
        if (from >= firms) return false;
        const std::size_t to = std::min(firms, from + supplier_nodes_per_part);
        supplier_nodes(*world_, from, to, part);
        from = to;
        return true;
      });
      ++networks_in_file_;
    } else {
      for (record::NetworkSnapshot& s : network_snapshots(*world_, day))
        networks_.push_back(std::move(s));
    }
  }
}

void Simulation::for_each_network_snapshot(
    const std::function<void(record::NetworkSnapshot&&)>& visit) const {
  if (writer_) {
    writer_->read_network_snapshots(visit);
  } else if (networks_in_file_ > 0) {
    record::ResultsWriter::read_network_snapshots(results_file_, visit);
  }
  for (const record::NetworkSnapshot& s : networks_) visit(record::NetworkSnapshot(s));
}

void Simulation::read_series(
    std::span<const std::size_t> columns,
    const std::function<void(std::size_t, std::vector<double>&&)>& visit) const {
  const auto with_tail = [&](std::size_t i, std::vector<double>&& head) {
    const std::vector<double>& tail = series_[columns[i]];
    head.insert(head.end(), tail.begin(), tail.end());
    visit(columns[i], std::move(head));
  };
  if (writer_) {
    writer_->read_series(columns, with_tail);  // the writer's columns are the recorded ones
  } else if (rows_in_file_ > 0) {
    std::vector<std::string> names;
    for (const std::size_t c : columns) names.emplace_back(indicators::table()[recorded_[c]].name);
    record::ResultsWriter::read_series(results_file_, names, rows_in_file_, with_tail);
  } else {
    for (std::size_t i = 0; i < columns.size(); ++i) with_tail(i, {});
  }
}

std::vector<double> Simulation::series(std::size_t column) const {
  if (column >= recorded_.size()) throw InternalError("series: no such recorded column");
  std::vector<double> out;
  read_series(std::span(&column, 1),
              [&](std::size_t, std::vector<double>&& s) { out = std::move(s); });
  return out;
}

void Simulation::for_each_series(
    const std::function<void(std::size_t, std::vector<double>&&)>& visit) const {
  std::vector<std::size_t> all(recorded_.size());
  for (std::size_t c = 0; c < all.size(); ++c) all[c] = c;
  read_series(all, visit);
}

std::vector<record::NetworkSnapshot> Simulation::networks_today() const {
  return network_snapshots(*world_, static_cast<std::int32_t>(world_->run_day() - 1));
}

void Simulation::fire(const EventSpec& event, const std::string& condition) {
  if (!phases::schedule_shock(*world_, event)) return;
  record::EventRecord r{static_cast<std::int32_t>(world_->run_day()), event.type,
                        scenario::parameters_json(event), condition};
  if (writer_) writer_->record_event(r);
  events_.push_back(std::move(r));
}

// Whether a trigger fires today: its condition on the indicators of the day
// before turned true (once, or each time with `repeat`).
bool Simulation::trigger_fires(const EventSpec& e, std::uint8_t& was_true, std::uint8_t& fired) {
  if (latest_.empty()) return false;  // triggers look at yesterday's indicators
  const Date today = world_->today();
  const double value = scenario::evaluate(e.condition, [&](std::string_view name) -> double {
    if (name == "step") return static_cast<double>(world_->run_day());
    if (name == "day") return static_cast<double>(to_civil(today).day);
    const int k = indicators::find(name);
    if (k < 0) throw InternalError("condition names an unknown indicator (checked at start)");
    return latest_[static_cast<std::size_t>(k)];
  });
  const bool now = scenario::truthy(value);
  const bool fires = now && was_true == 0 && (e.repeat || fired == 0);
  if (fires) fired = 1;
  was_true = now ? 1 : 0;
  return fires;
}

// Before a day runs: its scheduled events, then triggers on the indicators of
// the day before (in the scenario's order), then interventions from outside
// (dated today, then triggers, in the order they were applied).
void Simulation::fire_due_events() {
  const Scenario& sc = *world_->scenario;
  const Date today = world_->today();
  for (std::size_t i = 0; i < sc.events.size(); ++i) {
    const EventSpec& e = sc.events[i];
    if (e.date) {
      if (*e.date == today) fire(e, "");
    } else if (trigger_fires(e, trigger_was_true_[i], trigger_fired_[i])) {
      fire(e, e.when);
    }
  }
  for (const EventSpec& e : interventions_)
    if (e.date && *e.date == today) fire(e, "intervention");
  std::erase_if(interventions_, [&](const EventSpec& e) { return e.date && *e.date <= today; });
  for (InterventionTrigger& t : intervention_triggers_)
    if (trigger_fires(t.event, t.was_true, t.fired)) fire(t.event, "intervention: " + t.event.when);
}

namespace {
UserError intervention_error(std::string key, std::string message, std::string hint) {
  Diagnostic d;
  d.where.file = "<apply_shock>";
  d.key_path = std::move(key);
  d.message = std::move(message);
  d.hint = std::move(hint);
  return UserError(std::move(d));
}
}  // namespace

EventSpec Simulation::parse_intervention(const std::string& event_yaml) const {
  // Validated exactly like an event in a file: appended to the resolved
  // scenario's events (the resolved text ends with them), so rules across
  // events (one per date, an ipo_halt needs an ipo) apply too.
  std::string text = world_->scenario->resolved_text;
  if (event_yaml.find('\n') != std::string::npos)
    throw intervention_error(
        "", "apply_shock takes one event as a single-line JSON or YAML flow mapping", "");
  const std::string empty_events = "\nevents: []\n";
  if (text.ends_with(empty_events))
    text.replace(text.size() - empty_events.size(), empty_events.size(), "\nevents:\n");
  else if (text.rfind("\nevents:\n") == std::string::npos)
    throw InternalError("resolved scenario text does not end with its events");
  const Scenario with_it = scenario::load_text(text + "  - " + event_yaml + "\n", "<apply_shock>");
  if (with_it.events.size() != world_->scenario->events.size() + 1)
    throw InternalError("apply_shock: event lost");
  return with_it.events.back();
}

void Simulation::apply_shock(const std::string& event_yaml) {
  const std::string date = format_iso_date(world_->today());
  EventSpec e = parse_intervention(event_yaml);
  if (!e.when.empty()) {
    // A trigger from outside: the names in its condition are checked now.
    Scenario only_it = *world_->scenario;
    only_it.events = {e};
    if (auto problems = scenario::check_identifiers(only_it, indicators::names());
        !problems.empty())
      throw UserError(std::move(problems));
    intervention_triggers_.push_back({std::move(e), 0, 0});
    return;
  }
  if (*e.date < world_->today())
    throw intervention_error(
        "date", "apply_shock cannot change the past: the next simulated day is " + date,
        "give a date from " + date + " on, or leave out 'date'");
  interventions_.push_back(std::move(e));
}

std::int64_t Simulation::step(std::int64_t days, const std::function<bool()>& stop) {
  // More days than the scenario's (--steps, Python step/run): still no date
  // the results' readers cannot read, and none past year 9999.
  if (days > 0 && static_cast<std::int64_t>(world_->today().days_since_epoch) + days - 1 >
                      last_results_date().days_since_epoch) {
    Diagnostic d;
    d.message = std::to_string(days) + " more days from " + format_iso_date(world_->today()) +
                " would pass " + format_iso_date(last_results_date()) +
                ", the last date pandas and xarray can read in a results file";
    d.hint = "simulate fewer days, or start earlier (run.start_date)";
    throw UserError(std::move(d));
  }
  std::int64_t done = 0;
  for (; done < days; ++done) {
    if (stop && stop()) break;
    fire_due_events();
    arena_->run([&] {
      engine::advance_day(*world_, options_.audit);
      record_row();
    });
  }
  return done;
}

namespace {
// `pfsim run mine.yaml --out mine.yaml` would replace the scenario with results.
void refuse_scenario_as_output(const std::filesystem::path& out, const std::string& scenario) {
  if (scenario.empty()) return;
  for (const char* suffix : {"", ".partial", ".finishing", ".creating", ".lock"}) {
    std::filesystem::path p = out;
    p += suffix;
    std::error_code ec;
    if (std::filesystem::equivalent(p, scenario, ec)) {
      Diagnostic d;
      d.where.file = out.string();
      d.message =
          "the results file " + p.string() + " would overwrite the input scenario " + scenario;
      d.hint = "choose another output path, e.g. " +
               std::filesystem::path(scenario).replace_extension(".h5").string();
      throw UserError(std::move(d));
    }
  }
}
}  // namespace

void Simulation::open_results_file(const std::filesystem::path& path, int flush_every_steps) {
  refuse_scenario_as_output(path, world_->scenario->source_path);
  std::vector<record::IndicatorSpec> specs;
  for (const std::size_t k : recorded_) {
    const indicators::Indicator& ind = indicators::table()[k];
    specs.push_back({std::string(ind.name), std::string(ind.units), std::string(ind.description)});
  }
  record::RunMetadata meta;
  meta.scenario_text = world_->scenario->resolved_text;
  meta.scenario_path = world_->scenario->source_path;
  meta.seed = options_.seed;
  meta.threads = threads();
  meta.program_version = program_version();
  meta.git_commit = git_commit();
  meta.start_date = format_iso_date(world_->scenario->run.start_date);
  // run.flush_every_steps counts days; the writer counts rows (one per
  // record.every_days days), so a killed run loses no more days than asked.
  const auto every = static_cast<int>(world_->scenario->record.every_days);
  const int flush_rows = std::max(1, flush_every_steps / every);
  // Rows and snapshots streamed to this very path's `.partial` (closed, not
  // finished): the new writer replaces that file, so they come back first.
  std::filesystem::path partial = path;
  partial += ".partial";
  take_back_from(partial);
  auto writer = std::make_unique<record::ResultsWriter>(path, std::move(specs), std::move(meta),
                                                        flush_rows, network_specs());
  for (const record::EventRecord& e : events_) writer->record_event(e);
  std::int64_t snapshots = 0;
  for_each_network_snapshot([&](record::NetworkSnapshot&& s) {
    writer->record_network(std::move(s));
    ++snapshots;
    // One flush per snapshot read back keeps at most one in memory (a flush
    // writes only what is buffered).
    if (networks_in_file_ > 0) writer->flush();
  });
  {
    // The rows so far, whole (a read-back file's too) for the row-wise appends;
    // the new file holds them from here on.
    std::vector<std::vector<double>> columns(recorded_.size());
    for_each_series([&](std::size_t c, std::vector<double>&& s) { columns[c] = std::move(s); });
    std::vector<double> row(columns.size());
    for (std::size_t t = 0; t < days_.size(); ++t) {
      for (std::size_t k = 0; k < row.size(); ++k) row[k] = columns[k][t];
      writer->append(days_[t], row);
    }
  }
  // From here on the rows and snapshots live in the new file only.
  writer_ = std::move(writer);
  networks_ = {};
  for (std::vector<double>& s : series_) s = {};
  results_file_.clear();
  networks_in_file_ = snapshots;
  rows_in_file_ = static_cast<std::int64_t>(days_.size());
}

void Simulation::take_back_from(const std::filesystem::path& partial) {
  if (writer_ || results_file_ != partial || (networks_in_file_ == 0 && rows_in_file_ == 0)) return;
  std::vector<record::NetworkSnapshot> snapshots;
  for_each_network_snapshot(
      [&](record::NetworkSnapshot&& s) { snapshots.push_back(std::move(s)); });
  std::vector<std::vector<double>> columns(recorded_.size());
  for_each_series([&](std::size_t c, std::vector<double>&& s) { columns[c] = std::move(s); });
  networks_ = std::move(snapshots);
  series_ = std::move(columns);
  results_file_.clear();
  networks_in_file_ = 0;
  rows_in_file_ = 0;
}

void Simulation::finish_results_file(const std::optional<std::string>& interventions_json) {
  if (!writer_) return;
  // Moved out first: a failed finish() must not leave a writer that is
  // "failed earlier" for the next call (and that holds the run lock).
  const std::unique_ptr<record::ResultsWriter> writer = std::move(writer_);
  // The snapshots stay in the file: the finished one, or the `.partial` when
  // finishing failed (it keeps every flushed snapshot).
  results_file_ = writer->partial_path();
  if (interventions_json) writer->set_interventions_json(*interventions_json);
  writer->finish();
  results_file_ = writer->final_path();
}

void Simulation::close_results_file() noexcept {
  if (writer_) results_file_ = writer_->partial_path();
  writer_.reset();  // ~ResultsWriter: writes the buffered rows, closes, keeps the .partial
}

std::filesystem::path Simulation::results_partial_path() const {
  return writer_ ? writer_->partial_path() : std::filesystem::path{};
}

}  // namespace pfsim
