// The model's economic behaviour. Each scenario test compares two runs with the
// same seed that differ in one thing, and asserts the direction (and rough
// size) of the response. Small populations keep each run to a few seconds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/engine.hpp"
#include "indicators/indicators.hpp"
#include "model_support.hpp"
#include "run/simulation.hpp"
#include "scenario/load.hpp"
#include "world/queries.hpp"
#include "world/sfc.hpp"

using namespace pfsim;

namespace {

Scenario small(std::vector<std::string> overrides = {}) {
  // No spin-up: these comparisons start both runs from the same day-1 world
  // (test_behaviour.cpp compares runs from the steady state).
  overrides.insert(overrides.begin(),
                   {"consumers.count=20000", "smes.count=2000", "run.spinup_days=0"});
  return scenario::load_file(PFSIM_SOURCE_DIR "/scenarios/baseline.yaml", overrides);
}

std::unique_ptr<Simulation> run(const Scenario& sc, std::int64_t days, std::uint64_t seed = 7) {
  return testing::run_days(sc, days, seed);
}

using testing::series;

// Mean over the last `days` days, NaNs skipped.
double tail_mean(const Simulation& sim, const char* name, std::size_t days) {
  const auto& s = series(sim, name);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t t = s.size() > days ? s.size() - days : 0; t < s.size(); ++t)
    if (!std::isnan(s[t])) {
      sum += s[t];
      ++n;
    }
  return n > 0 ? sum / static_cast<double>(n) : std::nan("");
}

double total(const Simulation& sim, const char* name) {
  return testing::sum_from(sim, name);
}

}  // namespace

TEST_CASE("a higher co-funding share with equity fixed cuts platform-originated credit") {
  // Equity is fixed by the leverage limit: own-funded loans ≤ 2 × equity.
  const auto low =
      run(small({"platform.leverage_limit=2", "platform.own_funding_share=0.02"}), 300);
  const auto high =
      run(small({"platform.leverage_limit=2", "platform.own_funding_share=0.3"}), 300);
  const double credit_low =
      tail_mean(*low, "consumer_credit_balance", 60) + tail_mean(*low, "sme_credit_balance", 60);
  const double credit_high =
      tail_mean(*high, "consumer_credit_balance", 60) + tail_mean(*high, "sme_credit_balance", 60);
  CHECK(credit_high < 0.8 * credit_low);
  CHECK(total(*high, "new_loans_platform") < total(*low, "new_loans_platform"));
  // The platform does hold the larger share of what it does lend, up to its leverage limit.
  CHECK(tail_mean(*high, "platform_own_funding_share", 30) > 0.15);
  CHECK(tail_mean(*high, "platform_leverage", 30) <= 2.0 + 1e-9);
}

TEST_CASE("a higher unemployment rate raises defaults") {
  const auto calm = run(small({"consumers.job_loss_rate_monthly=0.01"}), 540);
  const auto stressed = run(small({"consumers.job_loss_rate_monthly=0.05"}), 540);
  CHECK(tail_mean(*stressed, "unemployment_rate", 180) >
        2 * tail_mean(*calm, "unemployment_rate", 180));
  CHECK(tail_mean(*stressed, "consumer_dpd30_ratio", 180) >
        1.15 * tail_mean(*calm, "consumer_dpd30_ratio", 180));
  // Consumers roll on to 90+ (the platform's loss rate also covers SME loans,
  // whose defaults do not rise: docs/model.md §10).
  CHECK(tail_mean(*stressed, "consumer_dpd90_ratio", 180) >
        1.15 * tail_mean(*calm, "consumer_dpd90_ratio", 180));
}

TEST_CASE(
    "a sharper bureau signal narrows the gap between bank and platform default rates on new "
    "loans") {
  const auto noisy = run(small({"central_bank.bureau_signal_sigma=2.5"}), 240);
  const auto sharp = run(small({"central_bank.bureau_signal_sigma=0.3"}), 240);
  const double gap_noisy =
      tail_mean(*noisy, "new_loan_pd_bank", 180) - tail_mean(*noisy, "new_loan_pd_platform", 180);
  const double gap_sharp =
      tail_mean(*sharp, "new_loan_pd_bank", 180) - tail_mean(*sharp, "new_loan_pd_platform", 180);
  MESSAGE("new-loan PD gap bank − platform: noisy ", gap_noisy, ", sharp ", gap_sharp);
  CHECK(gap_noisy > 0);  // banks lend to riskier borrowers than they think
  // With a sharp signal the banks' new borrowers are as safe as the
  // platform's, or safer (banks then keep the good borrowers they price lower).
  CHECK(gap_sharp < 0.6 * gap_noisy);
}

TEST_CASE(
    "a run on the fund drains the reserves of the banks holding its placements, in proportion") {
  // The placements channel alone: term interbank claims (whose set-up and
  // rollovers also move reserves between tiers) are left out.
  const Scenario sc =
      small({"banks.tiers[0].term_interbank_share=0", "banks.tiers[1].term_interbank_share=0",
             "banks.tiers[2].term_interbank_share=0"});
  auto calm = run(sc, 120);
  auto stressed = run(sc, 120);
  World& w = stressed->world();
  const BookId fund = w.books.fund_deposit;
  const std::uint32_t custodian = w.funds.custodian[0];
  std::vector<double> placements(w.banks.size());
  for (std::uint32_t b = 0; b < w.banks.size(); ++b)
    placements[b] = static_cast<double>(w.ledger.balance({fund, b}));
  // A quarter of every holding asked back each day for three days, beyond any cap.
  const std::string today = format_iso_date(w.today());
  stressed->apply_shock(R"({"type": "fund_run", "date": ")" + today +
                        R"(", "redemption_share": 0.75, "days": 3})");
  stressed->apply_shock(R"({"type": "fund_rules", "date": ")" + today +
                        R"(", "instant_redemption_cap_yuan": 1e9})");
  stressed->step(3);
  CHECK(stressed->fired_events().size() == 2);
  calm->step(3);
  CHECK(total(*stressed, "fund_redemptions") > 5 * total(*calm, "fund_redemptions"));
  // Placements pulled back from each bank (vs the calm run) are proportional to
  // what the fund had placed there.
  const World& c = calm->world();
  double sxy = 0, sxx = 0, syy = 0;
  int banks_with_placements = 0;
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
    if (b == custodian || placements[b] <= 0) continue;
    const double pulled =
        static_cast<double>(c.ledger.balance({fund, b}) - w.ledger.balance({fund, b}));
    sxy += placements[b] * pulled;
    sxx += placements[b] * placements[b];
    syy += pulled * pulled;
    ++banks_with_placements;
    CHECK(pulled > 0);
  }
  REQUIRE(banks_with_placements > 10);
  CHECK(sxy / std::sqrt(sxx * syy) > 0.95);  // cosine similarity: proportional
  // … so the banks that lean on placements (joint-stock and city banks bid for
  // them) lose reserves relative to the calm run, while the money redeemed
  // lands in depositors' banks: reserve losses rise with placement intensity.
  std::vector<Fen> deposits = deposits_by_bank(c);
  double x_mean = 0, y_mean = 0;
  std::vector<double> xs, ys;
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
    if (b == custodian || deposits[b] <= 0) continue;
    xs.push_back(placements[b] / static_cast<double>(deposits[b]));
    ys.push_back(static_cast<double>(w.ledger.balance({w.ledger.reserves_book, b}) -
                                     c.ledger.balance({c.ledger.reserves_book, b})) /
                 static_cast<double>(deposits[b]));
    x_mean += xs.back();
    y_mean += ys.back();
  }
  x_mean /= static_cast<double>(xs.size());
  y_mean /= static_cast<double>(ys.size());
  double cov = 0, var = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    cov += (xs[k] - x_mean) * (ys[k] - y_mean);
    var += (xs[k] - x_mean) * (xs[k] - x_mean);
  }
  // Each unit of placements per deposit costs about the share of placements
  // pulled back in reserves (the redeemed money lands in proportion to
  // deposits): the slope is near −(pulled / placed), at least 80% of it.
  double pulled_all = 0, placed_all = 0;
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
    if (b == custodian || placements[b] <= 0) continue;
    placed_all += placements[b];
    pulled_all += static_cast<double>(c.ledger.balance({fund, b}) - w.ledger.balance({fund, b}));
  }
  const double pulled_share = pulled_all / placed_all;
  MESSAGE("reserves lost per unit of placements (per deposit): ", -cov / var,
          "; share of placements pulled back: ", pulled_share);
  CHECK(pulled_share > 0.3);
  CHECK(cov / var < -0.8 * pulled_share);
  Fen placement_banks_change = 0;
  for (std::uint32_t b = 0; b < w.banks.size(); ++b)
    if (w.banks.tier[b] != 0)
      placement_banks_change += w.ledger.balance({w.ledger.reserves_book, b}) -
                                c.ledger.balance({c.ledger.reserves_book, b});
  CHECK(placement_banks_change < 0);
}

TEST_CASE("a policy-rate cut raises new lending") {
  const auto base = run(small({"central_bank.policy_rate=0.0385"}), 240);
  const auto cut = run(small({"central_bank.policy_rate=0.0235"}), 240);
  CHECK(total(*cut, "new_loans_platform") + total(*cut, "new_loans_bank") >
        1.05 * (total(*base, "new_loans_platform") + total(*base, "new_loans_bank")));
}

TEST_CASE("deposits by bank tier add up to the money supply; the state tier holds the most") {
  const auto sim = run(small(), 60);
  const char* tiers[] = {"deposits_tier_0", "deposits_tier_1", "deposits_tier_2",
                         "deposits_tier_3_plus"};
  for (std::size_t t = 0; t < 60; t += 10) {
    double sum = 0;
    for (const char* name : tiers) sum += series(*sim, name)[t];
    CHECK(sum == doctest::Approx(series(*sim, "money_supply")[t]).epsilon(1e-12));
  }
  CHECK(series(*sim, "deposits_tier_3_plus").back() == 0);  // three tiers by default
  CHECK(series(*sim, "deposits_tier_0").back() > series(*sim, "deposits_tier_1").back());
}

TEST_CASE("an SME's trust score is the platform's view of it: safer firms score higher") {
  const auto sim = run(small(), 240);
  const SmeStore& S = sim->world().smes;
  double safe = 0, risky = 0;
  int n_safe = 0, n_risky = 0, scored = 0;
  for (std::size_t s = 0; s < S.size(); ++s) {
    if (S.trust_score[s] == 0) continue;
    ++scored;
    CHECK(S.trust_score[s] <= 1.0f);
    if (S.latent_pd[s] < 0.01) safe += S.trust_score[s], ++n_safe;
    if (S.latent_pd[s] > 0.05) risky += S.trust_score[s], ++n_risky;
  }
  REQUIRE(n_safe > 10);
  REQUIRE(n_risky > 10);
  CHECK(scored > 100);
  CHECK(safe / n_safe > risky / n_risky);
}

TEST_CASE("approval and default rates emerge: the platform's sharper signal books safer loans") {
  const auto sim = run(small(), 240);
  const double pd_platform = tail_mean(*sim, "new_loan_pd_platform", 180);
  const double pd_bank = tail_mean(*sim, "new_loan_pd_bank", 180);
  CHECK(pd_platform < pd_bank);
  const double approval_platform = tail_mean(*sim, "approval_rate_platform", 180);
  CHECK(approval_platform > 0.2);
  CHECK(approval_platform < 1.0);
}

TEST_CASE("stock-flow consistency and the exact audit hold after every phase of a 3-year run") {
  SimulationOptions o;
  o.seed = 3;
  o.threads = 2;
  o.audit = engine::AuditLevel::after_every_phase;  // + the stock-flow check every step
  Simulation sim(scenario::load_file(PFSIM_SOURCE_DIR "/scenarios/baseline.yaml",
                                     {"consumers.count=6000", "smes.count=600", "run.days=1095",
                                      "run.spinup_days=0"}),
                 o);
  for (int day = 0; day < 1095; ++day) {
    sim.step(1);
    const World& w = sim.world();
    // The balance-sheet matrix: every instrument row sums to zero, every sector
    // column to that sector's net worth.
    const BalanceSheetMatrix bs = balance_sheet_matrix(w.ledger);
    for (const SectorTotals& row : bs) {
      Int128 sum = 0;
      for (const Int128 v : row) sum += v;
      REQUIRE(sum == 0);
    }
    // The transaction-flow matrix: every row sums to zero.
    for (const auto& row : w.ledger.flows()) {
      Int128 sum = 0;
      for (const Int128 v : row) sum += v;
      REQUIRE(sum == 0);
    }
  }
  CHECK(sim.world().run_day() == 1095);
}
