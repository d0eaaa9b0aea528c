// The channels that carry shocks (docs/model.md §7): each test compares two
// runs with the same seed — with and without one change, after the spin-up —
// for two seeds, and asserts the direction and a rough size of the response.
// The sizes measured at full scale are in docs/model.md §7.19.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "model_support.hpp"
#include "run/simulation.hpp"
#include "world/world.hpp"

using namespace pfsim;
using testing::series;

namespace {

constexpr std::uint64_t seeds[] = {1, 2};

// The baseline (with its spin-up) at `consumers` consumers and a tenth as many
// SMEs, `days` recorded days, plus `extra` YAML (and `consumer_keys`, more
// keys of the `consumers` mapping, e.g. "mpc_income: 0.9").
std::unique_ptr<Simulation> run_small(const std::string& extra, std::int64_t days,
                                      std::uint64_t seed, int consumers = 12000,
                                      const std::string& consumer_keys = "") {
  const std::string text = "extends: baseline.yaml\nrun: {days: " + std::to_string(days) +
                           "}\nconsumers: {count: " + std::to_string(consumers) +
                           (consumer_keys.empty() ? "" : ", " + consumer_keys) +
                           "}\nsmes: {count: " + std::to_string(consumers / 10) + "}\n" + extra;
  const Scenario sc = scenario::load_text(text, PFSIM_SOURCE_DIR "/scenarios/behaviour_test.yaml");
  return testing::run_days(sc, days, seed);
}

double mean_over(const Simulation& sim, const char* name, std::size_t from, std::size_t to) {
  const auto& s = series(sim, name);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t t = from; t < to && t < s.size(); ++t)
    if (!std::isnan(s[t])) sum += s[t], ++n;
  return n > 0 ? sum / static_cast<double>(n) : std::nan("");
}

double sum_over(const Simulation& sim, const char* name, std::size_t from, std::size_t to) {
  const auto& s = series(sim, name);
  double sum = 0;
  for (std::size_t t = from; t < to && t < s.size(); ++t)
    if (!std::isnan(s[t])) sum += s[t];
  return sum;
}

const std::string income_shock =
    "events:\n  - {date: 2019-01-31, type: income_shock, unemployment_rate: 0.2, "
    "income_change: -0.15}\n";

// A warm economy from `text` (extending behaviour_test.yaml, which starts
// from the spun-up steady state), on 2 threads, stepped `days` days.
std::unique_ptr<Simulation> warm_economy(const std::string& text, std::uint64_t seed,
                                         std::int64_t days) {
  SimulationOptions o;
  o.seed = seed;
  o.threads = 2;
  auto sim = std::make_unique<Simulation>(
      scenario::load_text(text, PFSIM_SOURCE_DIR "/scenarios/behaviour_test.yaml"), o);
  if (days > 0) sim->step(days);
  return sim;
}

}  // namespace

TEST_CASE("an income shock raises 30+ days past due, and 90+ after it") {
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const auto calm = run_small("", 240, seed);
    const auto hit = run_small(income_shock, 240, seed);
    // 30+ rises within the first three months; 90+ only once borrowers have
    // rolled through 30 and 60 days.
    const double dpd30_early = mean_over(*hit, "consumer_dpd30_ratio", 60, 120) /
                               mean_over(*calm, "consumer_dpd30_ratio", 60, 120);
    const double dpd90_early = mean_over(*hit, "consumer_dpd90_ratio", 30, 90) /
                               mean_over(*calm, "consumer_dpd90_ratio", 30, 90);
    const double dpd90_late = mean_over(*hit, "consumer_dpd90_ratio", 120, 200) /
                              mean_over(*calm, "consumer_dpd90_ratio", 120, 200);
    MESSAGE("hit / calm: 30+ dpd days 60-120 ", dpd30_early, "; 90+ dpd days 30-90 ", dpd90_early,
            ", days 120-200 ", dpd90_late);
    CHECK(dpd30_early > 1.08);
    CHECK(dpd90_late > 1.08);
    CHECK(dpd90_early < dpd30_early);  // 30+ leads 90+
    // Spending falls, but by less than the income lost to the unemployed
    // (buffers, unemployment income and credit lines smooth it).
    const double spending =
        mean_over(*hit, "consumption", 30, 120) / mean_over(*calm, "consumption", 30, 120);
    MESSAGE("spending hit / calm, days 30-120: ", spending);
    CHECK(spending < 0.95);
    CHECK(spending > 0.6);
  }
}

TEST_CASE("consumers with credit lines cut spending less after an income shock") {
  // The same shock in an economy where the platform grants no lines.
  const std::string no_lines = "platform: {consumer_cutoff_pd: 0.0}\n";
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const auto calm = run_small("", 150, seed);
    const auto hit = run_small(income_shock, 150, seed);
    const auto calm_no_lines = run_small(no_lines, 150, seed);
    const auto hit_no_lines = run_small(no_lines + income_shock, 150, seed);
    const double fall_with =
        1 - mean_over(*hit, "consumption", 30, 150) / mean_over(*calm, "consumption", 30, 150);
    const double fall_without = 1 - mean_over(*hit_no_lines, "consumption", 30, 150) /
                                        mean_over(*calm_no_lines, "consumption", 30, 150);
    MESSAGE("spending fall with lines ", fall_with, ", without ", fall_without);
    CHECK(fall_with > 0);
    CHECK(fall_with < fall_without);
  }
}

TEST_CASE("consumers who lose their job cut spending less when they hold a credit line") {
  // One warm economy, forked the day before the income shock; in one branch
  // the platform's credit lines are closed. The same job losers' spending in
  // the month before the shock and two months after it, with and without
  // their lines.
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const std::string text =
        "extends: baseline.yaml\nrun: {days: 90}\n"
        "consumers: {count: 12000}\nsmes: {count: 1200}\n" +
        income_shock;
    const auto warm = warm_economy(text, seed, 30);  // through 30 January, the day before the shock
    const ConsumerStore& C0 = warm->world().consumers;
    const auto with_lines = warm->fork(2);
    const auto without = warm->fork(2);
    ConsumerStore& N = without->world().consumers;
    for (std::size_t i = 0; i < N.size(); ++i) {
      N.revolving_limit[i] = 0;
      N.line_cooloff_until[i] = std::numeric_limits<std::uint32_t>::max();
    }
    with_lines->step(1);  // 31 January: the shock, then January's month end
    const std::vector<Fen> january = with_lines->world().consumers.spending_last_month;
    with_lines->step(59);  // through 31 March
    without->step(60);
    const ConsumerStore& A = with_lines->world().consumers;
    const ConsumerStore& B = without->world().consumers;
    double before = 0, kept[2] = {0, 0};  // [0: with lines, 1: without]
    int count = 0;
    for (std::size_t i = 0; i < A.size(); ++i) {
      // Wallet users of the platform who held a line and lost their job.
      if (C0.wallet[i] != 0 || C0.revolving_limit[i] == 0 || C0.employed[i] == 0 ||
          A.employed[i] != 0 || january[i] <= 0)
        continue;
      before += static_cast<double>(january[i]);
      kept[0] += static_cast<double>(A.spending_last_month[i]);
      kept[1] += static_cast<double>(B.spending_last_month[i]);
      ++count;
    }
    REQUIRE(count >= 100);
    const double kept_with = kept[0] / before, kept_without = kept[1] / before;
    MESSAGE("March spending / January of ", count, " job losers: with their lines ", kept_with,
            ", without ", kept_without);
    // Credit keeps up part of their essentials (Gross & Souleles 2002;
    // Sullivan 2008).
    CHECK(kept_with > kept_without + 0.015);
  }
}

TEST_CASE("job losers with a buffer cut spending by a fraction of the income they lose") {
  // Job loss alone (no wage cut), applied to one branch of a warm economy:
  // the same consumers' March spending relative to January, in the branch
  // where they lost their job against the one where they did not. A consumer
  // with a buffer treats the loss as mostly transitory and runs the buffer
  // down (mpc_lost_income, docs/model.md §7.4): Browning & Crossley (2001)
  // measure about 14% less spending on job loss, Gruber (1997) 7% with
  // insurance and about 22% without; hand-to-mouth households cut more.
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const std::string text =
        "extends: baseline.yaml\nrun: {days: 90}\nconsumers: {count: 12000}\n"
        "smes: {count: 1200}\n";
    const auto warm = warm_economy(text, seed, 30);  // through 30 January
    const World& w0 = warm->world();
    const ConsumerStore& C0 = w0.consumers;
    const auto calm = warm->fork(2);
    const auto hit = warm->fork(2);
    hit->apply_shock(R"({"type": "income_shock", "date": "2019-01-31", "unemployment_rate": 0.2, )"
                     R"("income_change": 0})");
    calm->step(1);
    hit->step(1);
    const std::vector<Fen> january = hit->world().consumers.spending_last_month;
    calm->step(59);  // through 31 March
    hit->step(59);
    const ConsumerStore& A = hit->world().consumers;
    const ConsumerStore& B = calm->world().consumers;
    // [0: a buffer of at least a month's wage on the fork day, 1: hand to mouth]
    double before[2] = {0, 0}, hit_march[2] = {0, 0}, calm_march[2] = {0, 0};
    int count[2] = {0, 0};
    for (std::size_t i = 0; i < A.size(); ++i) {
      if (C0.employed[i] == 0 || A.employed[i] != 0 || B.employed[i] == 0 || january[i] <= 0)
        continue;
      const auto c = static_cast<std::uint32_t>(i);
      const Fen liquid = w0.ledger.balance({w0.books.consumer_deposit, c}) +
                         w0.ledger.balance({w0.books.consumer_fund_units, c});
      const int g = C0.hand_to_mouth[i] != 0 ? 1 : liquid >= C0.monthly_wage[i] ? 0 : -1;
      if (g < 0) continue;
      before[g] += static_cast<double>(january[i]);
      hit_march[g] += static_cast<double>(A.spending_last_month[i]);
      calm_march[g] += static_cast<double>(B.spending_last_month[i]);
      ++count[g];
    }
    REQUIRE(count[0] >= 100);
    REQUIRE(count[1] >= 30);
    const double cut_buffer = 1 - hit_march[0] / calm_march[0];
    const double cut_htm = 1 - hit_march[1] / calm_march[1];
    MESSAGE("March spending of job losers against the same consumers employed: with a buffer (",
            count[0], ") -", cut_buffer, ", hand to mouth (", count[1], ") -", cut_htm,
            "; their January spending / March employed: ", before[0] / calm_march[0]);
    CHECK(cut_buffer > 0.05);
    CHECK(cut_buffer < 0.4);
    CHECK(cut_htm > cut_buffer + 0.1);
  }
}

namespace {

// A credit-limit increase (the design of Gross & Souleles 2002 and Aydin
// 2022): one warm economy forked; in one branch the platform's line holders
// with even ids get limits `raise` higher. Over the next six months, the
// treated consumers' extra line debt (on 30 June) and extra spending (January
// to June), branch with the increase less branch without, per yuan of limit
// added; for all treated consumers and for those whose liquid wealth on the
// fork day was below two months of their wage (short of liquid wealth).
struct LimitResponse {
  double debt_all, spend_all, debt_short, spend_short, debt_rest, spend_rest;
  // All consumer debt less liquid wealth (deposit and fund units): what a
  // study that sees every account would measure (Gross & Souleles see card
  // debt only; a line repaid from the deposit leaves debt but not net debt).
  double net_debt_all;
  int count_short, count_rest;
};

LimitResponse raise_limits(double raise, double buffer_share, std::uint64_t seed) {
  const std::string text =
      "extends: baseline.yaml\nrun: {days: 181}\nconsumers: {count: 12000, line_buffer_share: " +
      std::to_string(buffer_share) + "}\nsmes: {count: 1200}\n";
  const auto warm = warm_economy(text, seed, 0);
  const auto base = warm->fork(2);
  const auto raised = warm->fork(2);
  const World& w0 = warm->world();
  const ConsumerStore& C0 = w0.consumers;
  const std::size_t n = C0.size();
  std::vector<Fen> added(n, 0);
  std::vector<char> short_of_cash(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<std::uint32_t>(i);
    if (C0.revolving_limit[i] <= 0 || C0.id[i] % 2 != 0) continue;
    added[i] = apply_rate(C0.revolving_limit[i], raise);
    raised->world().consumers.revolving_limit[i] += added[i];
    const Fen liquid = w0.ledger.balance({w0.books.consumer_deposit, c}) +
                       w0.ledger.balance({w0.books.consumer_fund_units, c});
    short_of_cash[i] = liquid < 2 * C0.monthly_wage[i] ? 1 : 0;
  }
  // Spending month by month, January to June (each month end fills
  // spending_last_month).
  std::vector<double> spent[2] = {std::vector<double>(n, 0), std::vector<double>(n, 0)};
  for (const int days : {31, 28, 31, 30, 31, 30}) {
    base->step(days);
    raised->step(days);
    for (std::size_t i = 0; i < n; ++i) {
      spent[0][i] += static_cast<double>(base->world().consumers.spending_last_month[i]);
      spent[1][i] += static_cast<double>(raised->world().consumers.spending_last_month[i]);
    }
  }
  auto debt = [](const World& w, std::size_t i) {
    const auto c = static_cast<std::uint32_t>(i);
    return static_cast<double>(w.ledger.balance({w.books.revolving_platform, c}) +
                               w.ledger.balance({w.books.revolving_bank, c}));
  };
  auto net_debt = [&debt](const World& w, std::size_t i) {
    const auto c = static_cast<std::uint32_t>(i);
    const BookIds& B = w.books;
    Fen owed = 0;
    for (const BookId b : {B.cash_platform, B.cash_bank, B.consumer_bank_loan})
      owed += w.ledger.balance({b, c});
    const Fen liquid =
        w.ledger.balance({B.consumer_deposit, c}) + w.ledger.balance({B.consumer_fund_units, c});
    return debt(w, i) + static_cast<double>(owed - liquid);
  };
  double d[3] = {0, 0, 0}, sp[3] = {0, 0, 0}, lim[3] = {0, 0, 0}, net = 0;
  int count[3] = {0, 0, 0};
  for (std::size_t i = 0; i < n; ++i) {
    if (added[i] <= 0) continue;
    const int g = short_of_cash[i] != 0 ? 1 : 2;
    net += net_debt(raised->world(), i) - net_debt(base->world(), i);
    for (const int k : {0, g}) {
      d[k] += debt(raised->world(), i) - debt(base->world(), i);
      sp[k] += spent[1][i] - spent[0][i];
      lim[k] += static_cast<double>(added[i]);
      ++count[k];
    }
  }
  REQUIRE(count[1] >= 50);
  REQUIRE(count[2] >= 50);
  return {d[0] / lim[0],  sp[0] / lim[0], d[1] / lim[1], sp[1] / lim[1], d[2] / lim[2],
          sp[2] / lim[2], net / lim[0],   count[1],      count[2]};
}

}  // namespace

TEST_CASE("a higher credit limit raises spending and debt, mostly for those short of cash") {
  // Limits 25% higher for half the line holders (Gross & Souleles 2002: debt
  // rises by 10-14% of the limit added within a year, much more near the
  // limit; Aydin 2022: spending by 11% of it in the first quarter).
  double short_sum = 0, rest_sum = 0;
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const LimitResponse r = raise_limits(0.25, 0.6, seed);
    const LimitResponse off = raise_limits(0.25, 0.0, seed);  // line_buffer_share 0
    MESSAGE("per yuan of limit added, after six months: debt ", r.debt_all, ", spending ",
            r.spend_all, "; short of liquid wealth (", r.count_short, "): debt ", r.debt_short,
            ", spending ", r.spend_short, "; the rest (", r.count_rest, "): debt ", r.debt_rest,
            ", spending ", r.spend_rest, "; net debt (all debt less liquid wealth) ",
            r.net_debt_all, ". Without the unused line as cash-on-hand: debt ", off.debt_all,
            ", spending ", off.spend_all);
    // Spending out of the added liquidity, of the size measured (§7.19: 0.09).
    CHECK(r.spend_all > 0.05);
    CHECK(r.spend_all < 0.2);
    CHECK(r.spend_all > 3 * off.spend_all);
    // Debt rises by less: most of it is repaid on the next statements.
    CHECK(r.debt_all > 0.01);
    CHECK(r.debt_all < r.spend_all);
    // The rest is paid out of liquid wealth: net debt rises by about the
    // extra spending (less what the extra sales come back as wages).
    CHECK(r.net_debt_all > 2 * r.debt_all);
    CHECK(r.net_debt_all < 1.5 * r.spend_all);
    // Mostly for those short of liquid wealth.
    CHECK(r.debt_short > r.debt_rest);
    CHECK(r.spend_short > r.spend_rest);
    short_sum += r.debt_short;
    rest_sum += r.debt_rest;
  }
  // By how much is a small-sample figure (about 1,200 consumers short of cash
  // a seed; seeds 1 / 2 give 2.2 / 1.6 times, and with mpc_lost_income 0.2
  // seeds 1-5 gave 1.35-2.6 times): asserted on the seeds' mean.
  CHECK(short_sum > 1.5 * rest_sum);
}

namespace {

// Credit-dependent firms' sales and staff at work, branch without / with
// credit access, for the firms that lost it and those that kept it.
struct CreditCut {
  double sales_lost, sales_kept, staff_lost, staff_kept, end_lost, end_kept;
};

// One warm economy (baseline plus `extra` YAML), forked: in one branch half
// the firms (even ids) can no longer borrow. Comparable firms are those that
// borrowed in the branch where all could (credit-dependent firms).
CreditCut cut_credit(const std::string& extra, std::uint64_t seed) {
  const std::string text =
      "extends: baseline.yaml\nrun: {days: 180}\nconsumers: {count: 12000}\n" + extra;
  const auto warm = warm_economy(text, seed, 0);
  const auto with_credit = warm->fork(2);
  const auto without = warm->fork(2);
  const SmeStore& S0 = warm->world().smes;
  const std::size_t n = S0.size();
  auto treated = [&](std::size_t s) { return S0.id[s] % 2 == 0 ? 1 : 0; };
  for (std::size_t s = 0; s < n; ++s)
    if (treated(s) != 0) {
      without->world().smes.loan_cooloff_until[s] = std::numeric_limits<std::uint32_t>::max();
      without->world().smes.bank_loan_cooloff_until[s] = std::numeric_limits<std::uint32_t>::max();
    }
  auto debt = [](const World& w, std::size_t s) {
    const auto row = static_cast<std::uint32_t>(s);
    return w.ledger.balance({w.books.sme_platform_platform, row}) +
           w.ledger.balance({w.books.sme_platform_bank, row}) +
           w.ledger.balance({w.books.sme_bank_loan, row});
  };
  // Staff at work at firm slot s (the same firm while its id is unchanged).
  auto at_work = [](const World& w, std::size_t s) {
    double e = 0;
    const std::uint32_t first = w.smes.first_employee[s];
    for (std::uint32_t c = first; c < first + w.smes.employee_count[s]; ++c)
      e += w.consumers.employed[c];
    return e;
  };
  std::vector<std::uint8_t> borrowed(n, 0);
  struct Sums {
    double sales[2] = {0, 0}, staff[2] = {0, 0}, end[2] = {0, 0};  // [branch: with, without]
  };
  std::vector<Sums> firm(n);
  std::vector<Fen> last_debt(n);
  for (std::size_t s = 0; s < n; ++s) last_debt[s] = debt(with_credit->world(), s);
  for (int day = 1; day <= 180; ++day) {
    with_credit->step(1);
    without->step(1);
    const World& A = with_credit->world();
    const World& B = without->world();
    for (std::size_t s = 0; s < n; ++s) {
      const Fen d = debt(A, s);
      if (A.smes.id[s] == S0.id[s] && d > last_debt[s]) borrowed[s] = 1;
      last_debt[s] = d;
      if (day % 30 != 0) continue;  // 30 days later: last month's sales
      // A firm that exited counts as selling nothing and employing no one.
      const World* branch[2] = {&A, &B};
      for (int k = 0; k < 2; ++k) {
        const World& W = *branch[k];
        if (W.smes.id[s] != S0.id[s]) continue;
        firm[s].sales[k] += static_cast<double>(W.smes.sales_last_month[s]);
        firm[s].staff[k] += at_work(W, s);
        if (day == 180) firm[s].end[k] = at_work(W, s);
      }
    }
  }
  Sums group[2];  // [treated]
  int count[2] = {0, 0};
  for (std::size_t s = 0; s < n; ++s) {
    if (borrowed[s] == 0) continue;
    Sums& g = group[treated(s)];
    for (int k = 0; k < 2; ++k) {
      g.sales[k] += firm[s].sales[k];
      g.staff[k] += firm[s].staff[k];
      g.end[k] += firm[s].end[k];
    }
    ++count[treated(s)];
  }
  REQUIRE(count[0] >= 50);
  REQUIRE(count[1] >= 50);
  const Sums &lost = group[1], &kept = group[0];
  return {lost.sales[1] / lost.sales[0], kept.sales[1] / kept.sales[0],
          lost.staff[1] / lost.staff[0], kept.staff[1] / kept.staff[0],
          lost.end[1] / lost.end[0],     kept.end[1] / kept.end[0]};
}

}  // namespace

TEST_CASE("SMEs that lose credit access employ and sell less than comparable firms that keep it") {
  // A firm that cannot borrow and expects less than hiring_cash_months of its
  // staff's wage bill at the next payday (cash plus a month's net sales)
  // stops hiring and lays off part of the staff it cannot finance, and
  // serves fewer buyers, who go to rivals; a firm in a bad spell of demand
  // that cannot bridge its payday pays part of its wage bill and may exit.
  // Firms' cash targets are dispersed (smes.cash_target_dispersion, the
  // JPMorgan Chase Institute's 2016 spread of buffer days) and dividends wait
  // for part of the month's instalments (smes.debt_service_reserve), so the
  // firms that borrow are more often the lean ones (docs/model.md §7.3,
  // §7.19; Chodorow-Reich 2014: 4-5% less employment within a year at small
  // firms whose lenders cut credit). Same seed, same firms.
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const CreditCut r = cut_credit("smes: {count: 1200}\n", seed);
    MESSAGE(
        "borrowers over 6 months, branch without / with credit access: those that lost it: "
        "sales ",
        r.sales_lost, ", staff at work ", r.staff_lost, " (month 6 ", r.end_lost,
        "); those that kept it: sales ", r.sales_kept, ", staff at work ", r.staff_kept,
        " (month 6 ", r.end_kept, ")");
    // A rough size: 1-10% fewer staff after six months, and less sales.
    CHECK(r.end_lost < r.end_kept - 0.01);
    CHECK(r.end_lost > r.end_kept - 0.10);
    CHECK(r.staff_lost < r.staff_kept);
    CHECK(r.sales_lost < r.sales_kept - 0.001);
  }
}

TEST_CASE("with uniform cash buffers, losing credit costs firms less staff") {
  // The same experiment where every firm keeps the same cash target and pays
  // dividends regardless of its instalments: a firm's monthly net sales are
  // about 1.2 times its wage bill, so few firms depend on credit for payroll,
  // and losing it moves staff by well under the literature's size
  // (docs/model.md §7.19). About 150 firms lose access per seed, so the
  // groups differ by a few points between seeds: compare the seeds' mean.
  double lean_sum = 0, uniform_sum = 0;
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const CreditCut lean = cut_credit("smes: {count: 1200}\n", seed);
    const CreditCut uniform = cut_credit(
        "smes: {count: 1200, cash_target_dispersion: 0, debt_service_reserve: 0}\n", seed);
    MESSAGE("staff at work in month 6, firms that lost access / kept it: dispersed buffers ",
            lean.end_lost / lean.end_kept, ", uniform ", uniform.end_lost / uniform.end_kept);
    lean_sum += lean.end_lost / lean.end_kept;
    uniform_sum += uniform.end_lost / uniform.end_kept;
  }
  CHECK(uniform_sum / std::size(seeds) > lean_sum / std::size(seeds) + 0.005);
}

TEST_CASE("a policy-rate cut raises new SME borrowing") {
  const std::string cut = "events:\n  - {date: 2019-01-31, type: policy_rate, rate: 0.0235}\n";
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const auto base = run_small("", 150, seed);
    const auto eased = run_small(cut, 150, seed);
    const double loans_base = sum_over(*base, "new_term_loans_platform", 30, 150) +
                              sum_over(*base, "new_loans_bank", 30, 150);
    const double loans_eased = sum_over(*eased, "new_term_loans_platform", 30, 150) +
                               sum_over(*eased, "new_loans_bank", 30, 150);
    MESSAGE("new term loans after a 150 bp cut / baseline: ", loans_eased / loans_base);
    CHECK(loans_eased > 1.02 * loans_base);
  }
}

TEST_CASE("screening remembers: reapplying does not get high-risk consumers a line") {
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    // 24,000 consumers: 12,000 gave as few as 16 wallet users with a true PD
    // above twice the cut-off (risk_logit_mean -4.75), too few for a share.
    const auto sim = run_small("", 60, seed, 24000);
    const World& w = sim->world();
    const ConsumerStore& C = w.consumers;
    const double cutoff = w.scenario->platform.consumer_cutoff_pd;
    double risky = 0, risky_lines = 0, safe = 0, safe_lines = 0;
    for (std::size_t i = 0; i < C.size(); ++i) {
      if (C.wallet[i] != 0) continue;
      const bool line = C.revolving_limit[i] > 0;
      if (C.latent_pd[i] > 2 * cutoff) risky += 1, risky_lines += line ? 1 : 0;
      if (C.latent_pd[i] < cutoff / 3) safe += 1, safe_lines += line ? 1 : 0;
    }
    REQUIRE(risky > 20);
    const double risky_share = risky_lines / risky, safe_share = safe_lines / safe;
    MESSAGE("share holding a line: true PD > 2×cut-off ", risky_share, ", < cut-off/3 ",
            safe_share);
    // After two years of monthly reapplications (the spin-up), the risky are still
    // mostly refused.
    CHECK(risky_share < 0.5 * safe_share);
  }
}

TEST_CASE("when banks tighten, their SME lending falls; some of their borrowers move") {
  // A house-price fall cuts the collateral behind banks' SME loans.
  const std::string bust =
      "events:\n  - {date: 2019-01-31, type: house_price_shock, change: -0.6}\n";
  int lost_bank_all = 0, moved_all = 0;
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const auto base = run_small("", 150, seed, 20000);
    const auto tight = run_small(bust, 150, seed, 20000);
    CHECK(sum_over(*tight, "new_loans_bank", 30, 150) < sum_over(*base, "new_loans_bank", 30, 150));
    // Firms that hold a bank loan without the bust but none with it: how many
    // owe the platform more with the bust than without it (a new platform
    // loan, or more on the one they had)?
    const World& a = base->world();
    const World& b = tight->world();
    const auto balance = [](const World& w, BookId book, std::uint32_t s) {
      return w.ledger.balance({book, s});
    };
    const auto platform_debt = [&](const World& w, std::uint32_t s) {
      return balance(w, w.books.sme_platform_bank, s) +
             balance(w, w.books.sme_platform_platform, s);
    };
    int lost_bank = 0, moved = 0;
    for (std::uint32_t s = 0; s < a.smes.size(); ++s) {
      if (a.smes.id[s] != b.smes.id[s]) continue;  // the same firm in both runs
      if (balance(a, a.books.sme_bank_loan, s) <= 0 || balance(b, b.books.sme_bank_loan, s) > 0)
        continue;
      ++lost_bank;
      if (platform_debt(b, s) > platform_debt(a, s)) ++moved;
    }
    const double platform_sme = sum_over(*tight, "new_sme_loans_platform", 30, 150) /
                                sum_over(*base, "new_sme_loans_platform", 30, 150);
    MESSAGE("firms that lost bank credit: ", lost_bank,
            ", of which owe the platform more instead: ", moved,
            "; the platform's new SME loans, bust / no bust: ", platform_sme);
    // The platform does not lend less to firms when banks lend less.
    CHECK(platform_sme >= 0.99);
    CHECK(lost_bank > 0);
    lost_bank_all += lost_bank;
    moved_all += moved;
  }
  // A firm its bank refuses asks the platform next (sequential search, also
  // when it already owes the platform), which lends within its cash-flow
  // limit (eq. 7.8.6b); but most firms cut by a bank are not made whole: the
  // bust cuts small bank borrowers, many of them merchants the platform has
  // no data on or has judged too risky (docs/model.md §7.8.6, §7.19).
  CHECK(moved_all >= 1);
  CHECK(moved_all < lost_bank_all);
}

TEST_CASE("the platform tops up firms short of cash within a limit that nets their bank debt") {
  // A firm that owes the platform may borrow from it again, and a firm that
  // owes its bank may borrow from the platform, while all its debt stays
  // within platform.sme_limit_sales_months of last month's sales (the
  // registry shows the platform the bank loan; docs/model.md §7.8.6).
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const std::string text =
        "extends: baseline.yaml\nrun: {days: 120}\nconsumers: {count: 12000}\n"
        "smes: {count: 1200}\n";
    const auto sim = warm_economy(text, seed, 0);
    const World& w = sim->world();
    const SmeStore& S = w.smes;
    const double limit_months = w.scenario->platform.sme_limit_sales_months;
    const auto platform_debt = [&](std::uint32_t s) {
      return w.ledger.balance({w.books.sme_platform_platform, s}) +
             w.ledger.balance({w.books.sme_platform_bank, s});
    };
    const auto bank_debt = [&](std::uint32_t s) {
      return w.ledger.balance({w.books.sme_bank_loan, s});
    };
    const auto n = static_cast<std::uint32_t>(S.size());
    std::vector<Fen> platform_before(n), bank_before(n), sales_before(n);
    std::vector<AgentId> id_before(n);
    int top_ups = 0, while_owing_bank = 0, over_limit = 0;
    for (int day = 0; day < 120; ++day) {
      for (std::uint32_t s = 0; s < n; ++s) {
        platform_before[s] = platform_debt(s);
        bank_before[s] = bank_debt(s);
        sales_before[s] = S.sales_last_month[s];
        id_before[s] = S.id[s];
      }
      sim->step(1);
      for (std::uint32_t s = 0; s < n; ++s) {
        const Fen platform = platform_debt(s);
        // A new platform loan today (interest is accrued on billing days,
        // before the loan, and is a fraction of it).
        if (S.id[s] != id_before[s] || platform <= platform_before[s] + platform_before[s] / 50)
          continue;
        if (platform_before[s] > 0) ++top_ups;
        if (bank_before[s] > 0) ++while_owing_bank;
        // Sales may turn over at the month's end, after origination.
        const double sales = static_cast<double>(std::max(sales_before[s], S.sales_last_month[s]));
        if (static_cast<double>(platform + bank_debt(s)) > limit_months * sales * 1.02 + 100.0)
          ++over_limit;
      }
    }
    MESSAGE("platform top-ups ", top_ups, ", platform loans to firms owing their bank ",
            while_owing_bank, ", over the limit ", over_limit);
    CHECK(top_ups > 0);
    CHECK(while_owing_bank > 0);
    CHECK(over_limit == 0);
  }
}

namespace {

// Consumers holding a loan from lender `from` at the end of run `a` but not of
// run `b`, and of those, how many hold one from lender `to` in `b` but not in
// `a` (the same consumers: the same seed). Books are the lenders' cash-loan
// books (a co-lent loan: its bank-funded part, which every such loan has).
std::pair<int, int> moved_consumers(const World& a, const World& b, BookId from, BookId to) {
  const auto owes = [](const World& w, BookId book, std::uint32_t c) {
    return w.ledger.balance({book, c}) > 0;
  };
  int lost = 0, moved = 0;
  for (std::uint32_t c = 0; c < a.consumers.size(); ++c) {
    if (!owes(a, from, c) || owes(b, from, c)) continue;
    ++lost;
    if (owes(b, to, c) && !owes(a, to, c)) ++moved;
  }
  return {lost, moved};
}

}  // namespace

TEST_CASE("consumers choose between lenders: when one tightens, some of its borrowers move") {
  // Banks tighten: house prices fall 60%, cutting the collateral part of
  // their consumer limits. The platform tightens: its loans are capped at
  // 10% of annual income (1.2 months, below the 2 months consumers need), so
  // a bank offer that meets the need ranks first (docs/model.md §7.8.5).
  const std::string bust =
      "events:\n  - {date: 2019-01-31, type: house_price_shock, change: -0.6}\n";
  const std::string cap =
      "events:\n  - {date: 2019-01-31, type: loan_size_cap, max_income_share: 0.1, "
      "max_yuan: 1000000}\n";
  int to_platform_all = 0;
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const auto base = run_small("", 150, seed);
    const auto banks_tight = run_small(bust, 150, seed);
    const auto platform_tight = run_small(cap, 150, seed);
    const World& a = base->world();
    const auto [lost_bank, to_platform] =
        moved_consumers(a, banks_tight->world(), a.books.consumer_bank_loan, a.books.cash_bank);
    const auto [lost_platform, to_bank] =
        moved_consumers(a, platform_tight->world(), a.books.cash_bank, a.books.consumer_bank_loan);
    MESSAGE("house prices -60%: ", lost_bank, " consumers lose their bank loan, ", to_platform,
            " borrow from the platform instead; platform loans capped: ", lost_platform,
            " lose their platform loan, ", to_bank, " borrow from a bank instead");
    CHECK(lost_bank > 0);
    CHECK(to_platform < lost_bank);  // only those the platform judges creditworthy
    CHECK(to_bank > 0);
    to_platform_all += to_platform;
  }
  CHECK(to_platform_all >= 2);
}

TEST_CASE("the platform's net income is the sum of its lines and moves its equity") {
  const auto sim = run_small("", 90, 1, 6000);
  const char* lines[] = {"platform_income_payments", "platform_income_tech_fees",
                         "platform_income_interest", "platform_income_investment",
                         "platform_income_deposit_interest"};
  const char* costs[] = {"platform_funding_cost", "platform_credit_losses",
                         "platform_operating_costs", "platform_fines"};
  const auto& net = series(*sim, "platform_net_income");
  const auto& equity = series(*sim, "platform_equity");
  double net_total = 0;
  for (std::size_t t = 1; t < net.size(); ++t) {
    double parts = 0;
    for (const char* l : lines) parts += series(*sim, l)[t];
    for (const char* c : costs) parts -= series(*sim, c)[t];
    CHECK(net[t] == doctest::Approx(parts).epsilon(1e-9));
    net_total += net[t];
  }
  // No IPO, no resolution: equity moves by net income less the dividends it
  // paid out, exactly (to rounding).
  const double dividends = sum_over(*sim, "dividends_platform", 1, net.size());
  CHECK(equity.back() - equity.front() == doctest::Approx(net_total - dividends).epsilon(1e-6));
  CHECK(sum_over(*sim, "platform_income_payments", 0, net.size()) > 0);
  CHECK(sum_over(*sim, "platform_operating_costs", 0, net.size()) > 0);
}

TEST_CASE("with dividends and social contributions the economy's stocks stay put for years") {
  // Without them banks and platforms keep every yuan they earn and the
  // government pays unemployment income and coupons with new bonds: capital
  // ratios, platform equity and the money supply grow year after year.
  const std::string closed = "banks: {dividend_payout: 1}\nplatform: {dividend_payout: 1}\n";
  const std::string open = "banks: {dividend_payout: 0}\nplatform: {dividend_payout: 0}\n";
  const auto yearly = [](const Simulation& sim, const char* name, int year) {
    return mean_over(sim, name, static_cast<std::size_t>(365 * year),
                     static_cast<std::size_t>(365 * (year + 1)));
  };
  for (const std::uint64_t seed : seeds) {
    CAPTURE(seed);
    const auto on = run_small(closed, 1095, seed, 12000, "social_contribution_share: 1");
    const auto off = run_small(open, 1095, seed, 12000, "social_contribution_share: 0");
    for (const std::string name : {"bank_capital_ratio", "platform_equity", "money_supply"}) {
      CAPTURE(name);
      const double on_growth = yearly(*on, name.c_str(), 2) / yearly(*on, name.c_str(), 0) - 1;
      const double off_growth = yearly(*off, name.c_str(), 2) / yearly(*off, name.c_str(), 0) - 1;
      MESSAGE(name, ": year 3 against year 1, closed ", on_growth, ", open ", off_growth);
      CHECK(std::abs(on_growth) < 0.05);
      CHECK(off_growth > 0.06);
    }
    // What the households receive and pay is of the size that keeps the
    // stocks put: contributions pay for the transfers and bank coupons.
    const double transfers = yearly(*on, "social_transfers", 2);
    const double contributions = yearly(*on, "payroll_contributions", 2);
    CHECK(contributions > transfers);
    CHECK(yearly(*on, "dividends_banks", 2) > 0);
    CHECK(yearly(*off, "payroll_contributions", 2) == 0);
  }
}
