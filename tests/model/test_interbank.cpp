// The overnight interbank market and contagion inside the simulation: loans
// follow the drawn topology, replace central-bank credit, and a failure's
// losses travel to the failing bank's interbank creditors in rounds.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "model_support.hpp"

using namespace pfsim;

namespace {

using testing::series;
using testing::sum_from;

Scenario small(const std::string& extra, std::int64_t days = 60) {
  return testing::small_baseline(extra, days);
}

std::unique_ptr<Simulation> run(const Scenario& sc) {
  return testing::run_days(sc, sc.run.days, 11);
}

}  // namespace

TEST_CASE("banks short of reserves borrow overnight from partners instead of the central bank") {
  const auto market = run(small(""));
  const auto closed = run(small("interbank: {lending_share: 0}\n"));
  CHECK(sum_from(*market, "interbank_loans") > 0);
  CHECK(sum_from(*closed, "interbank_loans") == 0);
  CHECK(sum_from(*market, "central_bank_lending") < sum_from(*closed, "central_bank_lending"));
}

TEST_CASE("interbank loans only run along the drawn relationships") {
  // Core-periphery: no links inside a non-core tier (Craig & von Peter 2014).
  const auto sim = run(small(""));
  const World& w = sim->world();
  const auto& tier = w.banks.tier;
  for (std::size_t r = 0; r < w.interbank.lender.size(); ++r) {
    const auto l = w.interbank.lender[r], b = w.interbank.borrower[r];
    CHECK(l != b);
    if (tier[l] == tier[b]) CHECK(tier[l] == 0);
  }
  // A complete network has every ordered pair.
  const auto complete = run(small("interbank: {topology: complete}\n", 5));
  const std::size_t n = complete->world().banks.size();
  CHECK(complete->world().interbank.lender.size() == n * (n - 1));
}

// The first day (from day 5) on which some bank ends the day owing overnight
// loans, and the bank owing most.
std::pair<std::int64_t, std::uint32_t> first_borrowing_day(const Scenario& sc) {
  SimulationOptions o;
  o.seed = 11;
  Simulation sim(sc, o);
  sim.step(5);
  for (std::int64_t day = 5; day < sc.run.days; ++day) {
    sim.step(1);
    const World& w = sim.world();
    std::vector<Fen> owed(w.banks.size(), 0);
    for (std::uint32_t r = 0; r < w.interbank.lender.size(); ++r)
      owed[w.interbank.borrower[r]] += w.ledger.balance({w.ledger.interbank_book, r});
    const auto big = std::max_element(owed.begin(), owed.end());
    if (*big > 0) return {day, static_cast<std::uint32_t>(big - owed.begin())};
  }
  return {-1, 0};
}

// Runs `sc` with bank `bank` failing on day `day` (an intervention), to day + 3.
std::unique_ptr<Simulation> run_with_failure(const Scenario& sc, std::int64_t day,
                                             std::uint32_t bank) {
  SimulationOptions o;
  o.seed = 11;
  auto sim = std::make_unique<Simulation>(sc, o);
  sim->step(day);
  sim->apply_shock(R"({"type": "bank_failure", "bank": )" + std::to_string(bank) +
                   R"(, "date": ")" + format_iso_date(sim->world().today()) + R"("})");
  sim->step(3);
  return sim;
}

TEST_CASE("a failure hits the failing bank's interbank creditors (furfine) or nobody (none)") {
  const Scenario furfine = small("interbank: {lgd: 1.0}\n", 60);
  const Scenario none = small("interbank: {lgd: 1.0, contagion: none}\n", 60);
  const auto [day, bank] = first_borrowing_day(furfine);
  REQUIRE(day >= 0);
  const auto hit = run_with_failure(furfine, day, bank);
  const auto spared = run_with_failure(none, day, bank);
  const auto d = static_cast<std::size_t>(day);
  CHECK(series(*hit, "contagion_defaults_round_0")[d] >= 1);
  CHECK(series(*hit, "contagion_interbank_losses")[d] > 0);
  // Eisenberg-Noe clearing (a measure) recovers what the failing bank's
  // remaining assets can pay, so its loss is at most the Furfine write-off
  // with lgd = 1 (zero when the bank can still pay its interbank debts).
  CHECK(series(*hit, "contagion_clearing_loss")[d] >= 0);
  CHECK(series(*hit, "contagion_clearing_loss")[d] <=
        series(*hit, "contagion_interbank_losses")[d] * (1 + 1e-9));
  CHECK(series(*spared, "contagion_defaults_round_0")[d] >= 1);
  CHECK(sum_from(*spared, "contagion_interbank_losses") == 0);
}

TEST_CASE("thin capital and full losses turn one failure into a cascade") {
  // Banks start with equity of 0.05% of deposits: an interbank loss wipes a creditor out.
  const std::string thin =
      "interbank: {lgd: 1.0, topology: complete, lending_share: 1.0}\n"
      "banks:\n  tiers:\n"
      "    - {name: state, count: 6, deposit_share: 0.4, capital_ratio: 0.0005, reserve_ratio: "
      "0.02, surcharge: 0.0, "
      "colending_appetite: 0.5, fund_placement_weight: 0.5}\n"
      "    - {name: joint_stock, count: 12, deposit_share: 0.35, capital_ratio: 0.0005, "
      "reserve_ratio: 0.02, surcharge: 0, "
      "colending_appetite: 1.0, fund_placement_weight: 1.0}\n"
      "    - {name: city_rural, count: 30, deposit_share: 0.25, capital_ratio: 0.0005, "
      "reserve_ratio: 0.02, surcharge: 0, "
      "colending_appetite: 1.0, fund_placement_weight: 1.0}\n";
  const Scenario sc = small(thin, 60);
  const auto [day, bank] = first_borrowing_day(sc);
  REQUIRE(day >= 0);
  const auto sim = run_with_failure(sc, day, bank);
  const auto d = static_cast<std::size_t>(day);
  CHECK(series(*sim, "contagion_interbank_losses")[d] > 0);
  CHECK(series(*sim, "contagion_defaults_round_1")[d] >= 1);
  CHECK(series(*sim, "contagion_rounds")[d] >= 1);
}

TEST_CASE("systemic-risk measures are in range") {
  const auto sim = run(small("", 62));
  const auto& dr = series(*sim, "interbank_debtrank_max");
  const auto& srisk = series(*sim, "srisk_total");
  for (std::size_t t = 0; t < dr.size(); ++t) {
    CHECK(dr[t] >= 0);
    CHECK(dr[t] <= 1);
    CHECK(srisk[t] >= 0);
  }
}

TEST_CASE(
    "interbank topology from a file: the pairs given, both ways; bad lines are reported by line") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pfsim_ib_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name) << text;
  };
  write("links.csv", "# state banks lend to two city banks\n0,20\n1, 21\n\n0,1  # core\n");
  const std::string base = "extends: " PFSIM_SOURCE_DIR
                           "/scenarios/baseline.yaml\nrun: {days: 3}\n"
                           "consumers: {count: 2000}\nsmes: {count: 200}\n";
  const Scenario sc = scenario::load_text(base + "interbank: {topology: file, file: links.csv}\n",
                                          (dir / "s.yaml").string());
  SimulationOptions o;
  Simulation sim(sc, o);
  const InterbankNetwork& net = sim.world().interbank;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> rows;
  for (std::size_t r = 0; r < net.lender.size(); ++r)
    rows.emplace_back(net.borrower[r], net.lender[r]);
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> expected = {{0, 1},  {0, 20}, {1, 0},
                                                                         {1, 21}, {20, 0}, {21, 1}};
  CHECK(rows == expected);
  sim.step(3);

  write("bad.csv", "0,1\n0,0\nx,y\n0,999\n");
  const Scenario bad = scenario::load_text(base + "interbank: {topology: file, file: bad.csv}\n",
                                           (dir / "s.yaml").string());
  try {
    Simulation broken(bad, o);
    FAIL("expected a UserError");
  } catch (const UserError& e) {
    const std::string text = e.what();
    CHECK(e.diagnostics().size() == 3);
    CHECK(text.find("bad.csv:2:1") != std::string::npos);
    CHECK(text.find("bad.csv:3:1") != std::string::npos);
    CHECK(text.find("bad.csv:4:1") != std::string::npos);
  }
  CHECK_THROWS_AS(
      scenario::load_text(base + "interbank: {topology: file}\n", (dir / "s.yaml").string()),
      UserError);
  std::filesystem::remove_all(dir);
}
