// indicators/: every row of the indicator table is complete and unique and its
// value follows from the world; the flow counters merge every row; the
// scenario's record: section chooses the recorded columns and days.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/engine.hpp"
#include "indicators/indicators.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"

using namespace pfsim;

namespace {

bool snake_case(std::string_view s) {
  return !s.empty() && s.front() >= 'a' && s.front() <= 'z' &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

// A small baseline (no spin-up) plus `extra` YAML.
Scenario small(const std::string& extra = "", std::int64_t days = 10) {
  const std::string text = "extends: baseline.yaml\nrun: {days: " + std::to_string(days) +
                           ", spinup_days: 0}\nconsumers: {count: 1500}\nsmes: {count: 150}\n" +
                           extra;
  return scenario::load_text(text, PFSIM_SOURCE_DIR "/scenarios/indicators_test.yaml");
}

std::unique_ptr<Simulation> run(const Scenario& sc, std::int64_t days) {
  SimulationOptions o;
  o.seed = 3;
  o.threads = 2;
  auto sim = std::make_unique<Simulation>(sc, o);
  sim->step(days);
  return sim;
}

std::vector<double> values(const World& w) {
  std::vector<double> out(indicators::table().size());
  indicators::compute(w, out);
  return out;
}

// Equal, or both NaN (rates with nothing to divide by).
bool same(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

double value(const std::vector<double>& row, const char* name) {
  const int k = indicators::find(name);
  REQUIRE_MESSAGE(k >= 0, name);
  return row[static_cast<std::size_t>(k)];
}

}  // namespace

TEST_CASE("every indicator is one complete row with a unique name") {
  std::set<std::string_view> names;
  for (std::size_t k = 0; k < indicators::table().size(); ++k) {
    const indicators::Indicator& ind = indicators::table()[k];
    CAPTURE(ind.name);
    CHECK(snake_case(ind.name));
    CHECK(names.insert(ind.name).second);
    CHECK(!ind.units.empty());
    CHECK(!ind.description.empty());
    CHECK(ind.description.back() == '.');
    CHECK((ind.compute != nullptr));
    CHECK(indicators::find(ind.name) == static_cast<int>(k));
  }
  CHECK(indicators::find("no_such_indicator") == -1);
}

TEST_CASE("compute() refuses an output of the wrong size") {
  const auto sim = run(small(), 1);
  std::vector<double> out(indicators::table().size() + 1);
  CHECK_THROWS_AS(indicators::compute(sim->world(), out), InternalError);
}

TEST_CASE("indicators follow from the world: stocks, policy and hand-set flows") {
  auto sim = run(small(), 5);
  World& w = sim->world();
  const double scale = w.scenario->run.scale;
  const std::vector<double> row = values(w);
  // what the simulation recorded for the same day is what compute() gives
  for (std::size_t c = 0; c < sim->recorded_indicators().size(); ++c)
    CHECK(same(sim->series(c).back(), row[sim->recorded_indicators()[c]]));
  CHECK(value(row, "policy_rate") == w.policy.policy_rate);
  CHECK(value(row, "money_supply") == static_cast<double>(w.ledger.money_stock()) / 100.0 * scale);
  std::size_t active = 0;
  for (const std::uint8_t a : w.smes.active) active += a;
  CHECK(value(row, "sme_count") == static_cast<double>(active));
  CHECK(value(row, "platform_revenue_total") ==
        doctest::Approx(value(row, "platform_revenue_payments") +
                        value(row, "platform_revenue_credit") +
                        value(row, "platform_revenue_investment")));

  // hand-set flows: each row reads its counters
  w.flows = StepFlows{};
  w.flows[Flow::consumption] = 40'000;  // fen
  w.flows[Flow::platform_payment_volume] = 10'000;
  w.flows[Flow::rival_payment_volume] = 30'000;
  w.flows[Flow::wages_owed] = 5'000;
  w.flows[Flow::wages_paid] = 4'000;
  w.flows[Flow::applications_bank] = 4;
  w.flows[Flow::approvals_bank] = 1;
  w.flows[Flow::new_sme_term_loans_platform] = 90'000;
  w.flows[Flow::new_sme_loan_count_platform] = 3;
  w.flows[Flow::new_sme_term_loans_bank] = 500'000;
  w.flows[Flow::new_sme_loan_count_bank] = 1;
  w.flows[Flow::contagion_defaults_round_3_plus] = 2;
  w.flows[RealFlow::contagion_clearing_loss] = 250.0;
  const std::vector<double> set = values(w);
  CHECK(value(set, "consumption") == 400.0 * scale);
  CHECK(value(set, "platform_payment_share") == 0.25);
  CHECK(value(set, "mobile_payment_share_platform") == 0.25);
  CHECK(value(set, "wage_shortfall") == 10.0 * scale);
  CHECK(value(set, "approval_rate_bank") == 0.25);
  CHECK(std::isnan(value(set, "approval_rate_platform")));  // no applications
  CHECK(value(set, "average_sme_loan") == 300.0);           // the platform's, per loan, not scaled
  CHECK(value(set, "average_sme_loan_bank") == 5000.0);
  CHECK(value(set, "contagion_defaults_round_3_plus") == 2.0);
  CHECK(value(set, "contagion_defaults_round_0") == 0.0);
  CHECK(value(set, "contagion_clearing_loss") == 2.5 * scale);
  CHECK(value(set, "bank_failures") == 0.0);
}

// After an audited step the indicators take book totals and the money stock
// from the audit's report instead of summing the books again: the same values,
// and a ledger changed since the audit is never read through stale totals.
TEST_CASE("indicators from the step's audit totals equal those summed afresh") {
  auto sim = run(small(), 20);
  World& w = sim->world();
  REQUIRE(w.scratch.audited_step == w.step);  // the release and debug defaults audit
  const std::vector<double> from_audit = values(w);
  w.scratch.audited_step = -1;
  const std::vector<double> summed = values(w);
  for (std::size_t k = 0; k < from_audit.size(); ++k) {
    CAPTURE(indicators::table()[k].name);
    CHECK(same(from_audit[k], summed[k]));
  }
  // A copy of the world (a fork) does not carry the audit's totals over.
  const World copy = w;
  CHECK(copy.scratch.audited_step == -1);
  // Without the audit there are no totals to take.
  SimulationOptions o;
  o.seed = 3;
  o.audit = engine::AuditLevel::off;
  Simulation unaudited(small(), o);
  unaudited.step(3);
  CHECK(unaudited.world().scratch.audited_step == -1);
}

TEST_CASE("flows: one list names every counter, and add() merges every row") {
  std::set<std::string_view> names;
  for (const FlowInfo& f : flow_table) {
    CAPTURE(f.name);
    CHECK(snake_case(f.name));
    CHECK(names.insert(f.name).second);
    CHECK((f.units == "fen" || f.units == "count"));
  }
  for (const FlowInfo& f : real_flow_table) {
    CAPTURE(f.name);
    CHECK(snake_case(f.name));
    CHECK(names.insert(f.name).second);
  }
  // families read with flow_at are consecutive rows
  CHECK(flow_table[flow_index(flow_at(Flow::write_offs_platform, Lender::bank))].name ==
        "write_offs_bank");
  CHECK(flow_table[flow_index(flow_at(Flow::contagion_defaults_round_0, 3))].name ==
        "contagion_defaults_round_3_plus");
  CHECK(flow_table[flow_index(flow_at(Flow::platform_fees_lending, 1))].name ==
        "platform_fees_rival");
  CHECK(real_flow_table[flow_index(flow_at(RealFlow::new_sme_loan_pd_sum_platform, Lender::bank))]
            .name == "new_sme_loan_pd_sum_bank");

  StepFlows a, b;
  for (std::size_t k = 0; k < flow_count; ++k) {
    a[static_cast<Flow>(k)] = static_cast<std::int64_t>(100 + k);
    b[static_cast<Flow>(k)] = static_cast<std::int64_t>(1000 * (k + 1));
  }
  for (std::size_t k = 0; k < real_flow_count; ++k) {
    a[static_cast<RealFlow>(k)] = 0.5 + static_cast<double>(k);
    b[static_cast<RealFlow>(k)] = 0.25;
  }
  a.add(b);
  for (std::size_t k = 0; k < flow_count; ++k) {
    CAPTURE(flow_table[k].name);
    const auto before = static_cast<std::int64_t>(100 + k);
    const auto other = static_cast<std::int64_t>(1000 * (k + 1));
    const std::int64_t expected =
        flow_table[k].merge == FlowMerge::max ? std::max(before, other) : before + other;
    CHECK(a[static_cast<Flow>(k)] == expected);
  }
  for (std::size_t k = 0; k < real_flow_count; ++k) {
    CAPTURE(real_flow_table[k].name);
    CHECK(a[static_cast<RealFlow>(k)] == 0.75 + static_cast<double>(k));
  }
  CHECK(flow_table[flow_index(Flow::contagion_rounds)].merge == FlowMerge::max);

  StepFlows overflow;
  overflow[Flow::consumption] = std::numeric_limits<std::int64_t>::max();
  StepFlows one;
  one[Flow::consumption] = 1;
  CHECK_THROWS_AS(overflow.add(one), OverflowError);
}

TEST_CASE("record: a subset of indicators, sampled, equals the full run on those days") {
  const std::int64_t days = 10;
  const auto full = run(small("", days), days);
  const auto part = run(small("record:\n  every_days: 3\n  indicators: [money_supply, "
                              "consumption, bank_failures]\n",
                              days),
                        days);
  CHECK(full->recorded_indicators().size() == indicators::table().size());
  CHECK(full->recorded_days().size() == static_cast<std::size_t>(days));
  REQUIRE(part->recorded_indicators().size() == 3);
  CHECK(part->recorded_column("consumption") == 1);
  CHECK(part->recorded_column("platform_equity") == -1);
  CHECK(part->recorded_days() == std::vector<std::int32_t>{0, 3, 6, 9});
  for (const char* name : {"money_supply", "consumption", "bank_failures"}) {
    CAPTURE(name);
    const auto& all = full->series(static_cast<std::size_t>(full->recorded_column(name)));
    const auto& some = part->series(static_cast<std::size_t>(part->recorded_column(name)));
    REQUIRE(some.size() == 4);
    for (std::size_t t = 0; t < some.size(); ++t) CHECK(same(some[t], all[3 * t]));
  }
}

TEST_CASE("record: an unknown indicator is a located error with a suggestion") {
  std::vector<std::string> known;
  for (const indicators::Indicator& ind : indicators::table()) known.emplace_back(ind.name);
  const std::string text =
      "run: {days: 5}\nrecord:\n  every_days: 2\n  indicators: [consumption, money_suply]\n";
  try {
    (void)scenario::load_text(text, "rec.yaml", {}, &known);
    FAIL("expected a UserError");
  } catch (const UserError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics().front();
    CHECK(d.where.line == 4);
    CHECK(d.where.column == 29);
    CHECK(d.key_path == "record.indicators[1]");
    CHECK(d.message == "unknown indicator 'money_suply' in record.indicators");
    CHECK(d.hint == "did you mean 'money_supply'?");
  }
  CHECK_THROWS_AS((void)scenario::load_text("record: {every_days: 0}\n", "rec.yaml"), UserError);
  CHECK_THROWS_AS((void)scenario::load_text("record: {indicators: []}\n", "rec.yaml"), UserError);
  CHECK_THROWS_AS((void)scenario::load_text("record: {indicator: all}\n", "rec.yaml"), UserError);
  // `all` is the default and round-trips through the resolved text
  const Scenario all = scenario::load_text("record: {indicators: all}\n", "rec.yaml");
  CHECK(all.record.indicators.empty());
  const Scenario some =
      scenario::load_text("record: {indicators: [consumption, money_supply]}\n", "rec.yaml");
  const Scenario again = scenario::load_text(some.resolved_text, "again.yaml");
  CHECK(again.record.indicators == std::vector<std::string>{"consumption", "money_supply"});
  // --set works on it too
  const Scenario set = scenario::load_text("", "rec.yaml", {"record.indicators=[consumption]"});
  CHECK(set.record.indicators == std::vector<std::string>{"consumption"});
}
