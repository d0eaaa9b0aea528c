// Every shock type of the scenario schema acting on the model: each test runs a
// small world with one event and checks the state it changes, against the
// same world without it. The ledger audit and stock-flow check run every step.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "model_support.hpp"

using namespace pfsim;

namespace {

using testing::series;
using testing::sum_from;

// The baseline, small, with `events` (a YAML list body, one "- {...}" per line).
Scenario with_events(const std::string& events, std::int64_t days = 90) {
  return testing::small_baseline("events:\n" + events, days);
}

std::unique_ptr<Simulation> run(const Scenario& sc) {
  return testing::run_days(sc, sc.run.days, 5);
}

// Day index of an ISO date in the shock-test runs (they start on 2019-01-01).
constexpr std::size_t day_of_feb_1 = 31;
const std::string feb_1 = "2019-02-01";

}  // namespace

TEST_CASE("no events: the reference run fires nothing") {
  const auto sim = run(with_events("  []\n"));
  CHECK(sim->fired_events().empty());
  CHECK(sum_from(*sim, "new_loans_platform", day_of_feb_1) > 0);
}

TEST_CASE("cofunding_floor ramps the own-funded share over its phase-in, then holds it") {
  const auto sim = run(with_events("  - {date: " + feb_1 +
                                   ", type: cofunding_floor, share: 0.3, phase_in_days: 30}\n"));
  const auto& s = series(*sim, "policy_own_funding_share");
  CHECK(s[day_of_feb_1 - 1] == doctest::Approx(0.02));
  CHECK(s[day_of_feb_1 + 15] == doctest::Approx(0.02 + 0.28 * 15.0 / 30.0));
  CHECK(s[day_of_feb_1 + 30] == doctest::Approx(0.3));
  CHECK(s.back() == doctest::Approx(0.3));
  // New co-lent loans carry the new share: the platform's own share of its book rises.
  const auto& own = series(*sim, "platform_own_funding_share");
  CHECK(own.back() > 2 * own[day_of_feb_1 - 1]);
}

TEST_CASE("platform_leverage_cap and registered_capital_minimum stop own-funded lending") {
  const auto ref = run(with_events("  []\n"));
  const auto capped =
      run(with_events("  - {date: " + feb_1 + ", type: platform_leverage_cap, max_leverage: 0}\n"));
  CHECK(sum_from(*capped, "new_term_loans_platform", day_of_feb_1 + 1) == 0);
  CHECK(sum_from(*ref, "new_term_loans_platform", day_of_feb_1 + 1) > 0);
  const auto unregistered =
      run(with_events("  - {date: " + feb_1 + ", type: registered_capital_minimum, yuan: 1e14}\n"));
  CHECK(sum_from(*unregistered, "new_term_loans_platform", day_of_feb_1 + 1) == 0);
}

TEST_CASE("loan_size_cap caps every platform loan and credit line") {
  const auto sim = run(with_events("  - {date: 2019-01-01, type: loan_size_cap, max_yuan: 800}\n"));
  const World& w = sim->world();
  const Fen cap = 800 * 100;
  Fen largest_line = 0;
  for (const Fen v : w.consumers.revolving_limit) largest_line = std::max(largest_line, v);
  CHECK(largest_line > 0);
  CHECK(largest_line <= cap);
  // Cash loans are amortising: the balance never exceeds the principal.
  const auto& cp = w.ledger.book(w.books.cash_platform).balance;
  const auto& cb = w.ledger.book(w.books.cash_bank).balance;
  for (std::size_t c = 0; c < cp.size(); ++c)
    REQUIRE(cp[c] + cb[c] <= cap + cap / 10);  // + accrued interest
}

TEST_CASE("interest_rate_cap below break-even rates shuts risky lending") {
  const auto ref = run(with_events("  []\n"));
  const auto capped =
      run(with_events("  - {date: " + feb_1 + ", type: interest_rate_cap, annual_rate: 0.03}\n"));
  CHECK(series(*capped, "policy_interest_rate_cap").back() == doctest::Approx(0.03));
  CHECK(sum_from(*capped, "new_term_loans_platform", day_of_feb_1 + 1) <
        0.2 * sum_from(*ref, "new_term_loans_platform", day_of_feb_1 + 1));
  CHECK(sum_from(*capped, "new_loans_bank", day_of_feb_1 + 1) <
        0.2 * sum_from(*ref, "new_loans_bank", day_of_feb_1 + 1));
}

TEST_CASE("bank_capital_rule raises the requirement and cuts bank lending the same day") {
  const auto ref = run(with_events("  []\n"));
  const auto strict =
      run(with_events("  - {date: " + feb_1 + ", type: bank_capital_rule, minimum: 0.5}\n"));
  CHECK(series(*strict, "policy_bank_capital_floor").back() == doctest::Approx(0.5 + 0.025));
  CHECK(sum_from(*strict, "new_loans_bank", day_of_feb_1 + 1) == 0);
  CHECK(sum_from(*ref, "new_loans_bank", day_of_feb_1 + 1) > 0);
  const World& w = strict->world();
  for (std::size_t b = 0; b < w.banks.size(); ++b) CHECK(w.banks.capital_requirement[b] >= 0.5);
}

TEST_CASE("colending_concentration_limit at zero closes every bank's co-lending quota") {
  const auto sim =
      run(with_events("  - {date: " + feb_1 +
                      ", type: colending_concentration_limit, max_partner_share_of_tier1: 0}\n"));
  CHECK(sum_from(*sim, "new_term_loans_platform", day_of_feb_1 + 1) == 0);
  for (const Fen q : sim->world().banks.colending_quota) CHECK(q == 0);
}

TEST_CASE(
    "a phased-in partner limit tightens from today's largest co-lending ratio, not from infinity") {
  const auto sim = run(with_events("  - {date: " + feb_1 +
                                       ", type: colending_concentration_limit, "
                                       "max_partner_share_of_tier1: 0, phase_in_days: 30}\n",
                                   45));
  const double limit = sim->world().policy.max_partner_share_of_tier1;
  CHECK(std::isfinite(limit));
  CHECK(limit > 0);  // 14 of 30 days in: about half of where it started
  CHECK(sum_from(*sim, "new_term_loans_platform", day_of_feb_1) > 0);
}

TEST_CASE("bank_failure wipes out the named bank, which is resolved and stops lending") {
  const auto sim = run(
      with_events("  - {date: " + feb_1 + ", type: bank_failure, tier: joint_stock, index: 1}\n"));
  const auto& failures = series(*sim, "bank_failures");
  CHECK(failures[day_of_feb_1] >= 1);
  // Resolved: recapitalised by the government or by its interbank creditors'
  // write-offs (a bail-in releases it from that much debt).
  CHECK(series(*sim, "bank_resolution_cost")[day_of_feb_1] +
            series(*sim, "contagion_interbank_losses")[day_of_feb_1] >
        0);
  const World& w = sim->world();
  std::uint32_t bank = 0;
  for (const BankTier& t : w.scenario->banks.tiers) {
    if (t.name == "joint_stock") break;
    bank += static_cast<std::uint32_t>(t.count);
  }
  CHECK(w.banks.failed[bank + 1] == 1);
  CHECK(w.banks.direct_lending_room[bank + 1] == 0);
}

TEST_CASE("ipo brings in paid-in capital; ipo_halt keeps it out") {
  const std::string ipo =
      "  - {date: " + feb_1 + ", type: ipo, raise_yuan: 2.0e11, valuation_yuan: 2.0e12}\n";
  const auto listed = run(with_events(ipo));
  const double scale = listed->scenario().run.scale;
  const auto& paid_in = series(*listed, "platform_paid_in_capital");
  CHECK(paid_in[day_of_feb_1 - 1] == 0);
  CHECK(paid_in[day_of_feb_1] == doctest::Approx(2.0e11).epsilon(1e-6));
  CHECK(series(*listed, "platform_equity")[day_of_feb_1] -
            series(*listed, "platform_equity")[day_of_feb_1 - 1] >
        0.9 * 2.0e11);
  CHECK(scale > 0);
  const auto halted = run(with_events("  - {date: 2019-01-30, type: ipo_halt}\n" + ipo));
  CHECK(series(*halted, "platform_paid_in_capital").back() == 0);
  REQUIRE(halted->fired_events().size() == 1);
  CHECK(halted->fired_events()[0].type == "ipo_halt");
}

TEST_CASE("antitrust_fine is paid out of the platform's equity to the government") {
  const auto sim =
      run(with_events("  - {date: " + feb_1 + ", type: antitrust_fine, yuan: 1.0e9}\n"));
  CHECK(series(*sim, "platform_fines")[day_of_feb_1] == doctest::Approx(1.0e9).epsilon(1e-6));
  const auto ref = run(with_events("  []\n"));
  const double drop =
      series(*ref, "platform_equity")[day_of_feb_1] - series(*sim, "platform_equity")[day_of_feb_1];
  CHECK(drop == doctest::Approx(1.0e9).epsilon(1e-3));
}

TEST_CASE("news lowers fund confidence, and with it the fund; confidence then recovers") {
  const auto ref = run(with_events("  []\n"));
  const auto& c_ref = series(*ref, "fund_confidence");
  CHECK(c_ref[day_of_feb_1] == 1.0);  // no news in the baseline
  const auto halted = run(
      with_events("  - {date: " + feb_1 +
                  ", type: ipo_halt}\n"
                  "  - {date: 2019-03-01, type: ipo, raise_yuan: 1e9, valuation_yuan: 1e10}\n"));
  const auto& c = series(*halted, "fund_confidence");
  // −0.15 on the day, then 1% of the gap closed a day.
  CHECK(c[day_of_feb_1] == doctest::Approx(1 - 0.15 * 0.99).epsilon(1e-9));
  CHECK(c[day_of_feb_1 + 30] > c[day_of_feb_1]);
  CHECK(c.back() < 1.0);
  CHECK(series(*halted, "fund_assets").back() < series(*ref, "fund_assets").back());
  CHECK(series(*halted, "platform_valuation").back() < series(*ref, "platform_valuation").back());
  const auto outage =
      run(with_events("  - {date: " + feb_1 + ", type: platform_outage, days: 3}\n"));
  CHECK(series(*outage, "fund_confidence")[day_of_feb_1] ==
        doctest::Approx(1 - 0.05 * 0.99).epsilon(1e-9));
  const auto fund_run = run(
      with_events("  - {date: " + feb_1 + ", type: fund_run, redemption_share: 0.1, days: 5}\n"));
  CHECK(series(*fund_run, "fund_confidence")[day_of_feb_1] < 1 - 0.2 * 0.99 + 1e-9);
  // A fine: confidence falls by the share of capital it takes.
  const double capital = series(*ref, "platform_equity")[day_of_feb_1 - 1];
  const auto fined = run(with_events("  - {date: " + feb_1 + ", type: antitrust_fine, yuan: " +
                                     std::to_string(0.3 * capital) + "}\n"));
  CHECK(series(*fined, "fund_confidence")[day_of_feb_1] ==
        doctest::Approx(1 - 0.3 * 0.99).epsilon(0.02));
}

TEST_CASE(
    "a fine beyond the platform's cash draws its bank facility; beyond its capital the platform "
    "fails") {
  const auto ref = run(with_events("  []\n"));
  const double capital = series(*ref, "platform_equity")[day_of_feb_1 - 1];
  auto fine = [&](double share) {
    return run(with_events("  - {date: " + feb_1 + ", type: antitrust_fine, yuan: " +
                           std::to_string(share * capital) + "}\n"));
  };
  // 95% of capital: more than its cash (part is lent out), within 1× capital of debt.
  const auto borrowed = fine(0.95);
  CHECK(series(*borrowed, "platform_bank_borrowing")[day_of_feb_1] > 0);
  CHECK(series(*borrowed, "platform_fines")[day_of_feb_1] ==
        doctest::Approx(0.95 * capital).epsilon(1e-6));
  CHECK(series(*borrowed, "platform_failed").back() == 0);
  CHECK(sum_from(*borrowed, "platform_fines_unpaid") == 0);
  // Twice its capital: it cannot pay, fails, is resolved and stops lending.
  const auto failed = fine(2.0);
  CHECK(series(*failed, "platform_failed")[day_of_feb_1 - 1] == 0);
  CHECK(series(*failed, "platform_failed")[day_of_feb_1] == 1);
  CHECK(sum_from(*failed, "platform_failures") == 1);
  CHECK(sum_from(*failed, "platform_fines") + sum_from(*failed, "platform_fines_unpaid") ==
        doctest::Approx(2.0 * capital).epsilon(1e-6));
  CHECK(sum_from(*failed, "new_loans_platform", day_of_feb_1 + 1) == 0);  // no loans, lines frozen
  CHECK(series(*failed, "fund_confidence")[day_of_feb_1] < 0.05);
  CHECK(sum_from(*failed, "bank_failures") == 0);
}

TEST_CASE(
    "a platform whose losses exceed its capital fails; its bank and shareholders take the rest") {
  // The platform funds whole loans to risky borrowers on borrowed money, priced
  // for a loss given default of 0.2 when every unpaid balance is lost.
  const auto sim = run(scenario::load_text(
      "extends: baseline.yaml\nrun: {days: 400, spinup_days: 0}\n"
      "consumers: {count: 6000, risk_logit_mean: 0}\n"
      "smes: {count: 600}\nbanks: {lgd: 0.2}\n"
      "platform: {own_funding_share: 1, leverage_limit: 1000, max_debt_to_capital: 1000, "
      "consumer_cutoff_pd: 0.99, interest_rate_cap: 0.3, revolving_rate: 0.3, loan_margin: 0}\n",
      PFSIM_SOURCE_DIR "/scenarios/model_test.yaml"));
  const auto& failed = series(*sim, "platform_failed");
  REQUIRE(failed.back() == 1);
  const auto day =
      static_cast<std::size_t>(std::find(failed.begin(), failed.end(), 1.0) - failed.begin());
  REQUIRE(day > 0);  // it was sound when the run began
  CHECK(series(*sim, "platform_equity")[day - 1] > 0);
  CHECK(sum_from(*sim, "platform_resolution_losses") > 0);
  // Resolution keeps its net worth at zero or above while the book runs off.
  const auto& equity = series(*sim, "platform_equity");
  CHECK(std::all_of(equity.begin() + static_cast<std::ptrdiff_t>(day), equity.end(),
                    [](double e) { return e >= 0; }));
  CHECK(sum_from(*sim, "new_term_loans_platform", day + 1) == 0);
}

TEST_CASE("payment_share_limit moves wallet users to rivals until the share is within the limit") {
  const auto sim =
      run(with_events("  - {date: " + feb_1 + ", type: payment_share_limit, max_share: 0.3}\n"));
  const auto& wallet = sim->world().consumers.wallet;
  const double share = static_cast<double>(std::count(wallet.begin(), wallet.end(), 0)) /
                       static_cast<double>(wallet.size());
  CHECK(share <= 0.3 + 0.02);
  CHECK(share > 0.25);
}

TEST_CASE("platform_outage stops platform payments and lending for its days") {
  const auto sim = run(with_events("  - {date: " + feb_1 + ", type: platform_outage, days: 5}\n"));
  const auto& down = series(*sim, "platform_outage");
  const auto& volume = series(*sim, "platform_payment_volume");
  for (std::size_t d = day_of_feb_1; d < day_of_feb_1 + 5; ++d) {
    CHECK(down[d] == 1);
    CHECK(volume[d] == 0);
    CHECK(series(*sim, "new_loans_platform")[d] == 0);
  }
  CHECK(down[day_of_feb_1 + 5] == 0);
  CHECK(volume[day_of_feb_1 + 5] > 0);
}

TEST_CASE("data_sharing_mandate sharpens the bureau's signal and moves the platform's fee") {
  const auto sim = run(with_events(
      "  - {date: " + feb_1 +
      ", type: data_sharing_mandate, shared_fraction: 1, platform_fee_response: -0.5}\n"));
  const auto& sigma = series(*sim, "policy_bureau_signal_sigma");
  CHECK(sigma.back() < 0.8 * sigma[day_of_feb_1 - 1]);
  CHECK(sim->world().policy.tech_fee_share ==
        doctest::Approx(0.5 * sim->scenario().platform.tech_fee_share));
  const auto given = run(
      with_events("  - {date: " + feb_1 +
                  ", type: data_sharing_mandate, shared_fraction: 0.5, bureau_precision: 4}\n"));
  CHECK(series(*given, "policy_bureau_signal_sigma").back() == doctest::Approx(0.5));
}

TEST_CASE("fund_rules and fund_run: a run beyond a raised cap empties a large part of the fund") {
  const auto ref = run(with_events("  []\n", 60));
  const auto sim =
      run(with_events("  - {date: " + feb_1 +
                          ", type: fund_rules, instant_redemption_cap_yuan: 1.0e9, "
                          "liquidity_ratio: 0.3}\n  - {date: " +
                          feb_1 + ", type: fund_run, redemption_share: 0.6, days: 3}\n",
                      60));
  CHECK(sim->world().policy.fund_liquidity_ratio == doctest::Approx(0.3));
  const double before = series(*sim, "fund_assets")[day_of_feb_1 - 1];
  CHECK(series(*sim, "fund_assets")[day_of_feb_1 + 3] <
        0.7 * before);  // 0.8³ of units, less new money
  CHECK(sum_from(*sim, "fund_redemptions", day_of_feb_1) >
        3 * sum_from(*ref, "fund_redemptions", day_of_feb_1));
}

TEST_CASE("income_shock cuts wages and lifts unemployment to the target") {
  const auto ref = run(with_events("  []\n"));
  const auto sim = run(with_events("  - {date: " + feb_1 +
                                   ", type: income_shock, income_change: -0.2, "
                                   "unemployment_rate: 0.3}\n"));
  CHECK(series(*sim, "unemployment_rate")[day_of_feb_1] >= 0.28);
  CHECK(series(*ref, "unemployment_rate")[day_of_feb_1] < 0.15);
  CHECK(sim->world().policy.income_multiplier == doctest::Approx(0.8));
  CHECK(sum_from(*sim, "wages_paid", day_of_feb_1) <
        0.85 * sum_from(*ref, "wages_paid", day_of_feb_1));
}

TEST_CASE("house_price_shock: ramped, and several on one date compound") {
  const auto sim =
      run(with_events("  - {date: " + feb_1 +
                      ", type: house_price_shock, change: -0.5, phase_in_days: 10}\n"
                      "  - {date: " +
                      feb_1 + ", type: house_price_shock, change: -0.5, phase_in_days: 10}\n"));
  const auto& hpi = series(*sim, "house_price_index");
  CHECK(hpi[day_of_feb_1 - 1] == 1.0);
  CHECK(hpi[day_of_feb_1 + 10] == doctest::Approx(0.25));
  CHECK(hpi[day_of_feb_1 + 5] > 0.25);
  CHECK(hpi[day_of_feb_1 + 5] < 1.0);
}

TEST_CASE("a regional house_price_shock cuts bank lending against collateral in that region only") {
  const std::string regions = "regions: {count: 4}\n";
  const auto ref = run(testing::small_baseline(regions, 150));
  const auto hit =
      run(testing::small_baseline(regions + "events:\n  - {date: " + feb_1 +
                                      ", type: house_price_shock, change: -0.8, region: 0}\n",
                                  150));
  // Direct bank consumer loans outstanding by the borrower's region: their
  // limit holds a share of the house's value at the regional index. (SME bank
  // loans are too few at this size to compare: one firm's loan moves a
  // region's total by 10%.)
  auto bank_loans_by_region = [](const Simulation& sim) {
    const World& w = sim.world();
    std::array<double, 4> out{};
    for (std::uint32_t c = 0; c < w.consumers.size(); ++c)
      out[w.consumers.region[c]] +=
          static_cast<double>(w.ledger.balance({w.books.consumer_bank_loan, c}));
    return out;
  };
  const auto before = bank_loans_by_region(*ref);
  const auto after = bank_loans_by_region(*hit);
  CHECK(after[0] < 0.85 * before[0]);
  for (std::size_t r = 1; r < 4; ++r) CHECK(after[r] == doctest::Approx(before[r]).epsilon(0.1));
  CHECK(series(*hit, "house_price_index").back() == doctest::Approx((0.2 + 3.0) / 4));
  CHECK(series(*hit, "house_price_index_min").back() == doctest::Approx(0.2));
  CHECK(series(*ref, "house_price_index_min").back() == 1.0);
  // Every consumer lives in its employer's region; regions are contiguous blocks.
  const World& w = hit->world();
  for (std::uint32_t c = 0; c < w.consumers.size(); ++c)
    if (w.consumers.employer[c] != no_index)
      CHECK(w.consumers.region[c] == w.smes.region[w.consumers.employer[c]]);
  CHECK(std::is_sorted(w.smes.region.begin(), w.smes.region.end()));
}

TEST_CASE("policy_rate and reserve_requirement set the central bank's rates, ramped") {
  const auto sim = run(with_events("  - {date: " + feb_1 +
                                   ", type: policy_rate, rate: 0.05, phase_in_days: 20}\n"
                                   "  - {date: " +
                                   feb_1 + ", type: reserve_requirement, ratio: 0.2}\n"));
  const auto& rate = series(*sim, "policy_rate");
  const double r0 = rate[day_of_feb_1 - 1];
  CHECK(rate[day_of_feb_1 + 10] == doctest::Approx(r0 + (0.05 - r0) / 2));
  CHECK(rate.back() == doctest::Approx(0.05));
  CHECK(series(*sim, "policy_reserve_requirement")[day_of_feb_1] == doctest::Approx(0.2));
}

TEST_CASE("triggers fire on yesterday's indicators, once or on every rising edge") {
  const auto once = run(with_events("  - {when: 'day == 1', type: antitrust_fine, yuan: 1.0e6}\n"));
  REQUIRE(once->fired_events().size() == 1);
  CHECK(once->fired_events()[0].condition == "day == 1");
  CHECK(once->fired_events()[0].day == 31);  // 2019-02-01: January's first day has no yesterday
  const auto repeated =
      run(with_events("  - {when: 'day == 1', repeat: true, type: antitrust_fine, yuan: 1.0e6}\n"));
  CHECK(repeated->fired_events().size() == 2);  // February 1 and March 1 (run of 90 days)
  const auto outage =
      run(with_events("  - {when: 'unemployment_rate > 0.2', type: platform_outage, days: 2}\n"
                      "  - {date: " +
                      feb_1 + ", type: income_shock, unemployment_rate: 0.3}\n"));
  REQUIRE(outage->fired_events().size() == 2);
  CHECK(outage->fired_events()[1].type == "platform_outage");
  CHECK(outage->fired_events()[1].day == static_cast<std::int32_t>(day_of_feb_1) + 1);
}

TEST_CASE("an unknown indicator in a trigger is refused before the run, with a hint") {
  const Scenario sc =
      with_events("  - {when: 'unemployment_rat > 0.2', type: platform_outage, days: 2}\n");
  SimulationOptions o;
  try {
    Simulation sim(sc, o);
    FAIL("expected a UserError");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find("unemployment_rat") != std::string::npos);
    CHECK(std::string(e.what()).find("did you mean 'unemployment_rate'") != std::string::npos);
  }
}

TEST_CASE("shocks give the same results for any thread count") {
  const Scenario sc = with_events("  - {date: " + feb_1 +
                                      ", type: payment_share_limit, max_share: 0.3}\n"
                                      "  - {date: " +
                                      feb_1 +
                                      ", type: income_shock, unemployment_rate: 0.2}\n"
                                      "  - {date: " +
                                      feb_1 + ", type: bank_failure, bank: 0}\n",
                                  45);
  SimulationOptions one, two;
  one.threads = 1;
  two.threads = 2;
  Simulation a(sc, one), b(sc, two);
  a.step(45);
  b.step(45);
  for (std::size_t k = 0; k < indicators::table().size(); ++k) {
    const auto& x = a.series(k);
    const auto& y = b.series(k);
    REQUIRE(x.size() == y.size());
    for (std::size_t t = 0; t < x.size(); ++t)
      if (!(std::isnan(x[t]) && std::isnan(y[t])))
        REQUIRE_MESSAGE(x[t] == y[t], indicators::table()[k].name);
  }
}
