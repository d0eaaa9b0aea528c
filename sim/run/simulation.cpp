#include "run/simulation.hpp"

#include "core/date.hpp"
#include "exec/parallel.hpp"
#include "indicators/indicators.hpp"
#include "record/results_writer.hpp"

namespace pfsim {

std::string program_version() { return PFSIM_VERSION; }
std::string git_commit() { return PFSIM_GIT_COMMIT; }

Simulation::Simulation(const Scenario& scenario, SimulationOptions options)
    : options_(options), arena_(std::make_unique<exec::Arena>(options.threads)) {
  arena_->run([&] { world_ = build_world(scenario, options_.seed); });
  series_.resize(indicators::table().size());
}

Simulation::~Simulation() = default;

int Simulation::threads() const { return arena_->threads(); }

std::size_t Simulation::agent_count() const {
  return world_->consumers.size() + world_->smes.size() + world_->banks.size() + world_->platforms.size();
}

std::int64_t Simulation::days_remaining() const {
  const std::int64_t left = world_->scenario->run.days - world_->step;
  return left > 0 ? left : 0;
}

void Simulation::record_row() {
  std::vector<double> row(indicators::table().size());
  indicators::compute(*world_, row);
  // The row describes the day just simulated (step − 1 days after the start).
  const auto day = static_cast<std::int32_t>(world_->step - 1);
  days_.push_back(day);
  for (std::size_t k = 0; k < row.size(); ++k) series_[k].push_back(row[k]);
  if (writer_) writer_->append(day, row);
}

std::int64_t Simulation::step(std::int64_t days, const std::function<bool()>& stop) {
  std::int64_t done = 0;
  for (; done < days; ++done) {
    if (stop && stop()) break;
    arena_->run([&] {
      engine::advance_day(*world_, options_.audit);
      record_row();
    });
  }
  return done;
}

void Simulation::open_results_file(const std::filesystem::path& path, int flush_every_steps) {
  std::vector<record::IndicatorSpec> specs;
  for (const indicators::Indicator& ind : indicators::table())
    specs.push_back({std::string(ind.name), std::string(ind.units), std::string(ind.description)});
  record::RunMetadata meta;
  meta.scenario_text = world_->scenario->resolved_text;
  meta.scenario_path = world_->scenario->source_path;
  meta.seed = options_.seed;
  meta.threads = threads();
  meta.program_version = program_version();
  meta.git_commit = git_commit();
  meta.start_date = format_iso_date(world_->scenario->run.start_date);
  writer_ = std::make_unique<record::ResultsWriter>(path, std::move(specs), std::move(meta), flush_every_steps);
  std::vector<double> row(series_.size());
  for (std::size_t t = 0; t < days_.size(); ++t) {
    for (std::size_t k = 0; k < row.size(); ++k) row[k] = series_[k][t];
    writer_->append(days_[t], row);
  }
}

void Simulation::finish_results_file() {
  if (!writer_) return;
  writer_->finish();
  writer_.reset();
}

std::filesystem::path Simulation::results_partial_path() const {
  return writer_ ? writer_->partial_path() : std::filesystem::path{};
}

}  // namespace pfsim
