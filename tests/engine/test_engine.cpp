// engine + run: the phase table runs in order with the audit after every phase;
// results are bit-identical for any thread count and seed-dependent; the first
// circular flow behaves as its rules say.
#include <doctest/doctest.h>

#include <cstring>

#include "core/date.hpp"
#include "engine/engine.hpp"
#include "indicators/indicators.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"

using namespace pfsim;

namespace {

// The baseline without its spin-up: these tests check mechanics, not the
// steady state.
Scenario baseline(std::vector<std::string> overrides = {}) {
  overrides.insert(overrides.begin(), "run.spinup_days=0");
  return scenario::load_file(PFSIM_SOURCE_DIR "/scenarios/baseline.yaml", overrides);
}

// Every byte of every ledger book and net-worth column, for exact comparison.
std::vector<unsigned char> ledger_bytes(const World& w) {
  std::vector<unsigned char> out;
  auto add = [&](const std::vector<Fen>& v) {
    const auto* p = reinterpret_cast<const unsigned char*>(v.data());
    out.insert(out.end(), p, p + v.size() * sizeof(Fen));
  };
  for (std::size_t b = 0; b < w.ledger.book_count(); ++b)
    add(w.ledger.book(static_cast<BookId>(b)).balance);
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    add(w.ledger.net_worth(static_cast<AgentKind>(k)));
  return out;
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

// The recorded series of an indicator so far (a copy).
std::vector<double> series_of(const Simulation& sim, const char* name) {
  const int k = indicators::find(name);
  REQUIRE(k >= 0);
  return sim.series(static_cast<std::size_t>(k));
}

double total(const Simulation& sim, const char* name) {
  const int k = indicators::find(name);
  REQUIRE(k >= 0);
  double s = 0;
  for (const double v : sim.series(static_cast<std::size_t>(k))) s += v;
  return s;
}

}  // namespace

TEST_CASE("the phase table is ordered and documented") {
  const auto table = engine::phase_table();
  REQUIRE(table.size() >= 5);
  CHECK(table.front().name == "begin_day");
  CHECK(table.back().name == "bank_regulation");
  bool settles = false;
  for (const engine::Phase& p : table) settles |= p.name == "settlement";
  CHECK(settles);
  for (const engine::Phase& p : table) {
    CHECK(!p.reads.empty());
    CHECK(!p.writes.empty());
  }
}

TEST_CASE("a 365-step baseline run passes the exact audit after every phase") {
  SimulationOptions o;
  o.seed = 1;
  o.threads = 2;
  o.audit = engine::AuditLevel::after_every_phase;
  // The baseline scenario at a third of its population, to keep the test short.
  Simulation sim(baseline({"consumers.count=30000", "smes.count=3000"}), o);
  CHECK(sim.step(365) == 365);  // throws InternalError on the first failed audit
  CHECK(sim.world().ledger.audit().ok());
  CHECK(sim.recorded_days().size() == 365);
  CHECK(sim.days_remaining() == 0);
}

TEST_CASE("results are bit-identical for 1, 2 and 4 threads") {
  const Scenario sc = baseline({"consumers.count=30000", "smes.count=3000", "run.days=120"});
  std::vector<std::vector<unsigned char>> ledgers, series;
  for (const int threads : {1, 2, 4}) {
    SimulationOptions o;
    o.seed = 11;
    o.threads = threads;
    o.audit = engine::AuditLevel::end_of_step;
    Simulation sim(sc, o);
    sim.step(120);
    CHECK(sim.threads() == threads);
    ledgers.push_back(ledger_bytes(sim.world()));
    series.push_back(series_bytes(sim));
  }
  CHECK(ledgers[0] == ledgers[1]);
  CHECK(ledgers[0] == ledgers[2]);
  CHECK(series[0] == series[1]);
  CHECK(series[0] == series[2]);
}

TEST_CASE("the same seed repeats a run exactly; another seed does not") {
  const Scenario sc = baseline({"consumers.count=20000", "smes.count=2000", "run.days=60"});
  auto run = [&](std::uint64_t seed) {
    SimulationOptions o;
    o.seed = seed;
    o.threads = 2;
    Simulation sim(sc, o);
    sim.step(60);
    return series_bytes(sim);
  };
  const auto a = run(5), b = run(5), c = run(6);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("the circular flow: wages, purchases by wallet or bank, fees, settlement") {
  const Scenario sc = baseline({"consumers.count=20000", "smes.count=2000", "run.days=90"});
  SimulationOptions o;
  o.seed = 3;
  o.threads = 2;
  Simulation sim(sc, o);
  const int payday = static_cast<int>(sc.smes.payday);
  double first_payroll = 0;
  int paydays = 0;
  // One day at a time, so that every day is checked on its own (ratios of
  // totals would cancel to the last day's value).
  for (std::size_t t = 0; t < 90; ++t) {
    CAPTURE(t);
    REQUIRE(sim.step(1) == 1);
    const auto volume = series_of(sim, "platform_payment_volume");
    const auto share = series_of(sim, "mobile_payment_share_platform");
    const auto fees = series_of(sim, "platform_revenue_payments");
    const auto wages = series_of(sim, "wages_paid");
    // Settlement leaves no clearing position open at the end of any day.
    bool settled = true;
    for (const Fen c : sim.world().ledger.book(sim.world().ledger.clearing_book).balance)
      settled &= c == 0;
    CHECK(settled);
    // The lending platform's share of wallet payments ≈ 1 − rival_wallet_share.
    REQUIRE(volume[t] > 0);
    CHECK(share[t] == doctest::Approx(0.55).epsilon(0.05));
    // Fees: 0.6% of volume from the merchants who pay fees (1 − fee_free_share).
    CHECK(fees[t] / volume[t] > 0.006 * 0.45);
    CHECK(fees[t] / volume[t] < 0.006 * 0.75);
    // Wages are paid on payday only, about a month of wages each time.
    const CivilDate today = to_civil(sc.run.start_date.plus_days(static_cast<std::int32_t>(t)));
    if (today.day == payday) {
      ++paydays;
      CHECK(wages[t] > 0);
      if (first_payroll == 0) first_payroll = wages[t];
      CHECK(wages[t] == doctest::Approx(first_payroll).epsilon(0.1));
    } else {
      CHECK(wages[t] == 0);
    }
  }
  CHECK(paydays == 3);  // Jan, Feb, Mar
}

TEST_CASE("consumers who cannot pay buy less, never overdraw") {
  const Scenario sc =
      baseline({"consumers.count=5000", "smes.count=500", "run.days=40",
                "consumers.initial_deposit_months=0", "consumers.employment_rate=0",
                "consumers.job_finding_rate_monthly=0", "consumers.cash_loan_demand_monthly=0",
                "consumers.cash_loan_demand_short_monthly=0", "consumers.revolving_limit_months=0",
                "consumers.mpc_wealth_monthly=1", "consumers.unemployed_income_share=0"});
  SimulationOptions o;
  o.threads = 2;
  Simulation sim(sc, o);
  sim.step(40);
  CHECK(total(sim, "consumption") == 0.0);  // no income, no wealth: nothing to spend
  CHECK(sim.world().ledger.audit().ok());
}
