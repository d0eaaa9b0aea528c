#include "indicators/indicators.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>

#include "core/error.hpp"
#include "exec/parallel.hpp"
#include "world/queries.hpp"

namespace pfsim::indicators {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double ratio(double num, double den) {
  return den > 0 ? num / den : 0.0;
}
double ratio_or_nan(double num, double den) {
  return den > 0 ? num / den : nan;
}

// Σ over rows of a set of books, split by the borrower's days past due.
struct Quality {
  Int128 total = 0, dpd30 = 0, dpd90 = 0;
  void add(Int128 v, std::uint16_t dpd) {
    total += v;
    if (dpd >= 30) dpd30 += v;
    if (dpd >= 90) dpd90 += v;
  }
  void add(const Quality& q) {
    total += q.total;
    dpd30 += q.dpd30;
    dpd90 += q.dpd90;
  }
};

// One pass over a kind's credit books (Books of them, row = borrower): each
// book's total and the quality of Sets sums of them (set k: the books whose
// bit k is set in `in_set`). One read of every column, where a pass per book
// and per set read each column up to four times (exact sums: the same values).
template <std::size_t Books, std::size_t Sets>
struct CreditPass {
  std::array<Int128, Books> totals{};
  std::array<Quality, Sets> quality{};
};
template <std::size_t Books, std::size_t Sets, class Dpd>
CreditPass<Books, Sets> credit_pass(const Ledger& L, const std::array<BookId, Books>& books,
                                    const std::array<unsigned, Books>& in_set, std::size_t rows,
                                    Dpd dpd_of) {
  std::array<const Fen*, Books> column{};
  for (std::size_t k = 0; k < Books; ++k) {
    if (L.book(books[k]).rows() != rows) throw InternalError("indicators: a credit book's rows");
    column[k] = L.book(books[k]).balance.data();
  }
  // Kept on the calling thread (no allocation in a settled run's step);
  // workers reach it through this reference.
  thread_local std::vector<CreditPass<Books, Sets>> kept;
  std::vector<CreditPass<Books, Sets>>& partial = kept;
  partial.assign(exec::chunk_count(rows), {});
  exec::for_each_chunk(rows, [&](std::size_t c, std::size_t begin, std::size_t end) {
    CreditPass<Books, Sets> out;
    for (std::size_t r = begin; r < end; ++r) {
      std::array<Fen, Books> v{};
      bool any = false;
      for (std::size_t k = 0; k < Books; ++k) {
        v[k] = column[k][r];
        any = any || v[k] != 0;
      }
      if (!any) continue;
      const std::uint16_t dpd = dpd_of(r);
      for (std::size_t k = 0; k < Books; ++k) out.totals[k] += v[k];
      for (std::size_t s = 0; s < Sets; ++s) {
        Int128 sum = 0;
        for (std::size_t k = 0; k < Books; ++k)
          if ((in_set[k] >> s & 1u) != 0) sum += v[k];
        if (sum != 0) out.quality[s].add(sum, dpd);
      }
    }
    partial[c] = out;
  });
  CreditPass<Books, Sets> out;
  for (const auto& p : partial) {
    for (std::size_t k = 0; k < Books; ++k) out.totals[k] += p.totals[k];
    for (std::size_t s = 0; s < Sets; ++s) out.quality[s].add(p.quality[s]);
  }
  return out;
}

}  // namespace

// The shared measurement pass: sums that several indicators read (or that cost
// a pass over the agents), computed once per step before any row. A row that
// needs only one book or flow reads the world directly.
struct Measures {
  const World& w;
  const StepFlows& f;
  double scale;

  // Money in RMB economy-wide: exact fen sums converted at the last moment.
  template <class Amount>
  [[nodiscard]] double rmb(Amount fen) const {
    return fen_to_economy_yuan(fen, scale);
  }
  // A book's total: the step's audit summed every book as the step ended (the
  // same exact integer), else summed here.
  [[nodiscard]] bool audited() const { return w.scratch.audited_step == w.step; }
  [[nodiscard]] Int128 total(BookId b) const {
    return audited() ? w.scratch.audit.book_totals[b] : book_total(w.ledger.book(b));
  }

  // credit balances (fen)
  Int128 rev_p = 0, rev_b = 0, cash_p = 0, cash_b = 0, bank_consumer = 0;
  Int128 sme_p = 0, sme_b = 0, bank_sme = 0;
  Int128 consumer_credit = 0, platform_originated = 0, own = 0, colent_bank = 0;
  // credit quality: platform-originated consumer, direct bank consumer,
  // platform-originated SME, and bank-held (co-lent bank parts + direct)
  Quality consumer_quality, bank_consumer_quality, sme_quality;
  Quality bank_held_consumer_quality, bank_held_sme_quality;
  std::size_t unemployed = 0, active_smes = 0;
  // the platform's revenue lines (fen, as double) and equity
  double credit_revenue = 0, investment_revenue = 0, payments_revenue = 0;
  Fen platform_equity = 0;
  // banks
  std::span<const double> sorted_capital_ratios;  // a list kept on the calling thread
  double equity_sum = 0, rwa_sum = 0;             // capital and risk-weighted assets (fen)
  Int128 bank_equity = 0, provisions = 0, money = 0;
  std::array<Int128, 4> deposits_by_tier{};  // tiers 0, 1, 2, 3 and later
  double house_price_mean = 0, house_price_lowest = 0;
  // the lending platform's profit (its sector's flows, less the rival's fees), fen
  struct Profit {
    Fen payments = 0, tech_fees = 0, interest = 0, investment = 0, deposit_interest = 0;
    Fen credit_losses = 0, net_income = 0;
  } profit;

  explicit Measures(const World& world);

  [[nodiscard]] double capital_ratio_quantile(double q) const {
    const std::span<const double> r = sorted_capital_ratios;
    if (r.empty()) return nan;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(r.size() - 1) + 0.5);
    return r[std::min(k, r.size() - 1)];
  }
};

Measures::Measures(const World& world)
    : w(world), f(world.flows), scale(world.scenario->run.scale) {
  const Ledger& L = w.ledger;
  const BookIds& B = w.books;
  const auto& C = w.consumers;
  const auto& S = w.smes;
  // Consumers' credit books; sets: 0 platform-originated, 1 direct bank loans,
  // 2 bank-held (co-lent bank parts and direct loans).
  const auto consumer = credit_pass<5, 3>(
      L,
      {B.revolving_platform, B.revolving_bank, B.cash_platform, B.cash_bank, B.consumer_bank_loan},
      {0b001, 0b101, 0b001, 0b101, 0b110}, C.size(),
      [&](std::size_t r) { return C.days_past_due[r]; });
  rev_p = consumer.totals[0];
  rev_b = consumer.totals[1];
  cash_p = consumer.totals[2];
  cash_b = consumer.totals[3];
  bank_consumer = consumer.totals[4];
  consumer_quality = consumer.quality[0];
  bank_consumer_quality = consumer.quality[1];
  bank_held_consumer_quality = consumer.quality[2];
  // SMEs' credit books; sets: 0 platform-originated, 1 bank-held.
  const auto sme = credit_pass<3, 2>(
      L, {B.sme_platform_platform, B.sme_platform_bank, B.sme_bank_loan}, {0b01, 0b11, 0b10},
      S.size(), [&](std::size_t r) { return S.days_past_due[r]; });
  sme_p = sme.totals[0];
  sme_b = sme.totals[1];
  bank_sme = sme.totals[2];
  sme_quality = sme.quality[0];
  bank_held_sme_quality = sme.quality[1];
  consumer_credit = rev_p + rev_b + cash_p + cash_b;
  platform_originated = consumer_credit + sme_p + sme_b;
  own = rev_p + cash_p + sme_p;
  colent_bank = rev_b + cash_b + sme_b;

  for (const std::uint8_t e : C.employed) unemployed += e == 0 ? 1 : 0;
  for (const std::uint8_t a : S.active) active_smes += a;

  const FlowMatrix& fm = L.flows();
  const auto platform_col = static_cast<std::size_t>(AgentKind::platform);
  const auto cell = [&](FlowType t) { return fm[static_cast<std::size_t>(t)][platform_col]; };
  credit_revenue =
      static_cast<double>(cell(FlowType::tech_service_fees) + cell(FlowType::interest_loans));
  investment_revenue = static_cast<double>(cell(FlowType::fund_fees));
  payments_revenue = static_cast<double>(f[Flow::platform_fees_lending]);
  platform_equity = platform_capital(w, 0);

  thread_local std::vector<double> ratios;
  ratios.assign(w.banks.capital_ratio.begin(), w.banks.capital_ratio.end());
  std::sort(ratios.begin(), ratios.end());
  sorted_capital_ratios = ratios;
  for (std::size_t b = 0; b < w.banks.size(); ++b) {
    const double eq =
        static_cast<double>(L.net_worth(AgentKind::bank)[b] - w.banks.provisions[b]);  // capital
    equity_sum += eq;
    if (w.banks.capital_ratio[b] > 0 && w.banks.capital_ratio[b] < 1e8)
      rwa_sum += eq / w.banks.capital_ratio[b];
  }
  for (const Fen v : L.net_worth(AgentKind::bank)) bank_equity += v;
  for (const Fen v : w.banks.provisions) provisions += v;
  money = audited() ? w.scratch.audit.money_stock : L.money_stock();
  thread_local std::vector<Fen> deposits;
  deposits_by_bank(w, deposits);
  for (std::size_t b = 0; b < deposits.size(); ++b)
    deposits_by_tier[std::min<std::size_t>(w.banks.tier[b], 3)] += deposits[b];

  const Policy& pol = w.policy;
  double sum = 0, lowest = std::numeric_limits<double>::infinity();
  for (std::size_t r = 0; r < pol.regional_house_price.size(); ++r) {
    const double index = house_price(pol, static_cast<std::uint16_t>(r));
    sum += index;
    lowest = std::min(lowest, index);
  }
  house_price_mean = sum / static_cast<double>(pol.regional_house_price.size());
  house_price_lowest = lowest;

  const auto fen_cell = [&](FlowType t) { return static_cast<Fen>(cell(t)); };
  profit.payments = f[Flow::platform_fees_lending];
  profit.tech_fees = fen_cell(FlowType::tech_service_fees);
  profit.interest =
      checked_add(fen_cell(FlowType::interest_loans), f[Flow::platform_debt_interest]);
  profit.investment = fen_cell(FlowType::fund_fees);
  profit.deposit_interest = f[Flow::platform_deposit_interest];
  profit.credit_losses = -fen_cell(FlowType::loan_losses);
  const Fen income = profit.payments + profit.tech_fees + profit.interest + profit.investment +
                     profit.deposit_interest;
  const Fen costs = f[Flow::platform_debt_interest] + profit.credit_losses +
                    f[Flow::platform_operating_costs] + f[Flow::fines_paid];
  profit.net_income = income - costs;
}

namespace {

using M = Measures;

// The indicator table: one row per recorded series, its value computed from the
// shared measures. Money is RMB economy-wide (model amounts × run.scale); flows
// are per day. Add an indicator by adding a row (and, if several rows need a
// costly sum, a member of Measures above).
constexpr Indicator indicator_table[] = {
    // payments and the real side
    {"consumption", "RMB/day", "Consumer purchases from SMEs, all payment channels.",
     [](const M& m) { return m.rmb(m.f[Flow::consumption]); }},
    {"platform_payment_volume", "RMB/day", "Purchases paid through the lending platform's wallet.",
     [](const M& m) { return m.rmb(m.f[Flow::platform_payment_volume]); }},
    {"platform_payment_share", "1",
     "Share of consumer purchases paid through the lending platform's wallet.",
     [](const M& m) {
       return ratio(static_cast<double>(m.f[Flow::platform_payment_volume]),
                    static_cast<double>(m.f[Flow::consumption]));
     }},
    {"mobile_payment_share_platform", "1",
     "The lending platform's share of mobile-wallet purchases (vs the rival wallet).",
     [](const M& m) {
       return ratio(static_cast<double>(m.f[Flow::platform_payment_volume]),
                    static_cast<double>(m.f[Flow::platform_payment_volume] +
                                        m.f[Flow::rival_payment_volume]));
     }},
    {"wages_paid", "RMB/day", "Wages SMEs paid to consumers.",
     [](const M& m) { return m.rmb(m.f[Flow::wages_paid]); }},
    {"wage_shortfall", "RMB/day", "Wages owed but not paid by SMEs short of cash.",
     [](const M& m) { return m.rmb(m.f[Flow::wages_owed] - m.f[Flow::wages_paid]); }},
    {"social_transfers", "RMB/day", "Unemployment income the government paid (on payday).",
     [](const M& m) { return m.rmb(m.f[Flow::social_transfers]); }},
    {"payroll_contributions", "RMB/day",
     "Social contributions employees paid to the government on payday "
     "(consumers.social_contribution_share).",
     [](const M& m) { return m.rmb(m.f[Flow::payroll_contributions]); }},
    {"dividends_banks", "RMB/day", "Dividends banks paid to households (banks.dividend_payout).",
     [](const M& m) { return m.rmb(m.f[Flow::dividends_banks]); }},
    {"dividends_platform", "RMB/day",
     "Dividends the lending platform paid to households (platform.dividend_payout).",
     [](const M& m) { return m.rmb(m.f[Flow::dividends_platform]); }},
    {"unemployment_rate", "1", "Share of consumers without a job.",
     [](const M& m) {
       return ratio(static_cast<double>(m.unemployed), static_cast<double>(m.w.consumers.size()));
     }},
    {"sme_count", "count", "Active SMEs (model agents).",
     [](const M& m) { return static_cast<double>(m.active_smes); }},
    {"sme_entries", "count/day", "New firms taking vacant slots (model agents).",
     [](const M& m) { return static_cast<double>(m.f[Flow::sme_entries]); }},
    {"sme_exits", "count/day",
     "Firms exiting after default or repeated missed paydays (model agents).",
     [](const M& m) { return static_cast<double>(m.f[Flow::sme_exits]); }},
    {"sme_exits_illiquid", "count/day",
     "Firms exiting after exit_missed_paydays short paydays in a row (model agents).",
     [](const M& m) { return static_cast<double>(m.f[Flow::sme_exits_illiquid]); }},
    // credit balances
    {"consumer_credit_balance", "RMB",
     "Platform-originated consumer credit (credit lines + cash loans), all funders.",
     [](const M& m) { return m.rmb(m.consumer_credit); }},
    {"consumer_revolving_balance", "RMB", "Credit-line (revolving) balances, all funders.",
     [](const M& m) { return m.rmb(m.rev_p + m.rev_b); }},
    {"consumer_instalment_balance", "RMB", "Platform cash-loan (instalment) balances, all funders.",
     [](const M& m) { return m.rmb(m.cash_p + m.cash_b); }},
    {"bank_consumer_loan_balance", "RMB", "Direct bank consumer loans.",
     [](const M& m) { return m.rmb(m.bank_consumer); }},
    {"sme_credit_balance", "RMB", "Platform-originated SME loans, all funders.",
     [](const M& m) { return m.rmb(m.sme_p + m.sme_b); }},
    {"bank_sme_loan_balance", "RMB", "Direct bank SME loans.",
     [](const M& m) { return m.rmb(m.bank_sme); }},
    {"platform_funded_balance", "RMB", "Platform-originated credit funded by the platform itself.",
     [](const M& m) { return m.rmb(m.own); }},
    {"colent_bank_funded_balance", "RMB", "Platform-originated credit funded by partner banks.",
     [](const M& m) { return m.rmb(m.colent_bank); }},
    {"platform_own_funding_share", "1",
     "Share of platform-originated credit the platform funds itself.",
     [](const M& m) {
       return ratio(static_cast<double>(m.own), static_cast<double>(m.platform_originated));
     }},
    {"platform_credit_fee_rate", "1/year",
     "Technology-service fees over the bank-funded co-lent balance, annualised.",
     [](const M& m) {
       return ratio(365.0 * static_cast<double>(m.f[Flow::tech_fees]),
                    static_cast<double>(m.colent_bank));
     }},
    {"average_sme_loan", "RMB",
     "Average size of the platform's SME loans made today (NaN if none): MYbank's figure.",
     [](const M& m) {
       return m.f[Flow::new_sme_loan_count_platform] > 0
                  ? fen_to_yuan(m.f[Flow::new_sme_term_loans_platform]) /
                        static_cast<double>(m.f[Flow::new_sme_loan_count_platform])
                  : nan;
     }},
    {"average_sme_loan_bank", "RMB",
     "Average size of banks' direct SME loans made today (NaN if none).",
     [](const M& m) {
       return m.f[Flow::new_sme_loan_count_bank] > 0
                  ? fen_to_yuan(m.f[Flow::new_sme_term_loans_bank]) /
                        static_cast<double>(m.f[Flow::new_sme_loan_count_bank])
                  : nan;
     }},
    // new lending
    {"new_loans_platform", "RMB/day",
     "New platform-originated credit (cash loans, SME loans, credit-line draws).",
     [](const M& m) { return m.rmb(m.f[Flow::new_loans_platform]); }},
    {"new_loans_bank", "RMB/day", "New direct bank loans.",
     [](const M& m) { return m.rmb(m.f[Flow::new_loans_bank]); }},
    {"new_sme_loans_platform", "RMB/day", "New platform-originated (co-lent) SME loans.",
     [](const M& m) { return m.rmb(m.f[Flow::new_sme_term_loans_platform]); }},
    {"new_sme_loans_bank", "RMB/day", "New direct bank SME loans.",
     [](const M& m) { return m.rmb(m.f[Flow::new_sme_term_loans_bank]); }},
    {"approval_rate_platform", "1",
     "Approved / applications for platform term loans today (NaN if none).",
     [](const M& m) {
       return ratio_or_nan(static_cast<double>(m.f[Flow::approvals_platform]),
                           static_cast<double>(m.f[Flow::applications_platform]));
     }},
    {"approval_rate_bank", "1", "Approved / applications for bank loans today (NaN if none).",
     [](const M& m) {
       return ratio_or_nan(static_cast<double>(m.f[Flow::approvals_bank]),
                           static_cast<double>(m.f[Flow::applications_bank]));
     }},
    {"new_loan_pd_platform", "1/year",
     "Amount-weighted true default probability of new platform consumer cash loans (NaN if none).",
     [](const M& m) {
       return ratio_or_nan(m.f[RealFlow::new_loan_pd_sum_platform],
                           static_cast<double>(m.f[Flow::new_term_loans_platform]));
     }},
    {"new_loan_pd_bank", "1/year",
     "Amount-weighted true default probability of new bank consumer loans (NaN if none).",
     [](const M& m) {
       return ratio_or_nan(m.f[RealFlow::new_loan_pd_sum_bank],
                           static_cast<double>(m.f[Flow::new_term_loans_bank]));
     }},
    {"new_sme_loan_pd_platform", "1/year",
     "Amount-weighted true default probability of new platform SME loans (NaN if none).",
     [](const M& m) {
       return ratio_or_nan(m.f[RealFlow::new_sme_loan_pd_sum_platform],
                           static_cast<double>(m.f[Flow::new_sme_term_loans_platform]));
     }},
    {"new_sme_loan_pd_bank", "1/year",
     "Amount-weighted true default probability of new bank SME loans (NaN if none).",
     [](const M& m) {
       return ratio_or_nan(m.f[RealFlow::new_sme_loan_pd_sum_bank],
                           static_cast<double>(m.f[Flow::new_sme_term_loans_bank]));
     }},
    // credit quality
    {"consumer_dpd30_ratio", "1",
     "Platform-originated consumer credit 30+ days past due / its balance.",
     [](const M& m) {
       return ratio(static_cast<double>(m.consumer_quality.dpd30),
                    static_cast<double>(m.consumer_quality.total));
     }},
    {"consumer_dpd90_ratio", "1",
     "Platform-originated consumer credit 90+ days past due / its balance.",
     [](const M& m) {
       return ratio(static_cast<double>(m.consumer_quality.dpd90),
                    static_cast<double>(m.consumer_quality.total));
     }},
    {"bank_consumer_dpd30_ratio", "1",
     "Direct bank consumer loans 30+ days past due / their balance.",
     [](const M& m) {
       return ratio(static_cast<double>(m.bank_consumer_quality.dpd30),
                    static_cast<double>(m.bank_consumer_quality.total));
     }},
    {"bank_consumer_dpd90_ratio", "1",
     "Direct bank consumer loans 90+ days past due / their balance.",
     [](const M& m) {
       return ratio(static_cast<double>(m.bank_consumer_quality.dpd90),
                    static_cast<double>(m.bank_consumer_quality.total));
     }},
    {"sme_dpd30_ratio", "1", "Platform-originated SME loans 30+ days past due / their balance.",
     [](const M& m) {
       return ratio(static_cast<double>(m.sme_quality.dpd30),
                    static_cast<double>(m.sme_quality.total));
     }},
    {"sme_dpd90_ratio", "1", "Platform-originated SME loans 90+ days past due / their balance.",
     [](const M& m) {
       return ratio(static_cast<double>(m.sme_quality.dpd90),
                    static_cast<double>(m.sme_quality.total));
     }},
    {"write_offs_platform", "RMB/day", "Platform-originated credit written off (all funders).",
     [](const M& m) { return m.rmb(m.f[Flow::write_offs_platform]); }},
    {"write_offs_bank", "RMB/day", "Direct bank loans written off.",
     [](const M& m) { return m.rmb(m.f[Flow::write_offs_bank]); }},
    {"loss_rate_platform", "1/year", "Platform-originated write-offs over balance, annualised.",
     [](const M& m) {
       return ratio(365.0 * static_cast<double>(m.f[Flow::write_offs_platform]),
                    static_cast<double>(m.platform_originated));
     }},
    {"loss_rate_bank", "1/year", "Direct bank write-offs over balance, annualised.",
     [](const M& m) {
       return ratio(365.0 * static_cast<double>(m.f[Flow::write_offs_bank]),
                    static_cast<double>(m.bank_consumer + m.bank_sme));
     }},
    // the platform
    {"platform_revenue_payments", "RMB/day", "Merchant fees earned by the lending platform.",
     [](const M& m) { return m.rmb(m.payments_revenue); }},
    {"platform_revenue_credit", "RMB/day",
     "Technology-service fees plus interest on own-funded loans.",
     [](const M& m) { return m.rmb(m.credit_revenue); }},
    {"platform_revenue_investment", "RMB/day", "Fees earned on the money-market fund.",
     [](const M& m) { return m.rmb(m.investment_revenue); }},
    {"platform_revenue_total", "RMB/day", "Sum of the platform's revenue lines.",
     [](const M& m) {
       return m.rmb(m.payments_revenue + m.credit_revenue + m.investment_revenue);
     }},
    {"platform_equity", "RMB",
     "Book equity of the lending platform: net worth plus capital paid in by investors.",
     [](const M& m) { return m.rmb(m.platform_equity); }},
    {"platform_leverage", "1", "Own-funded loans / equity.",
     [](const M& m) {
       return ratio(static_cast<double>(m.own), static_cast<double>(m.platform_equity));
     }},
    {"platform_valuation", "RMB",
     "Multiple × trailing-year profit (annualised in the first year) × fund confidence (last month "
     "end).",
     [](const M& m) { return m.rmb(m.w.platforms.valuation[0]); }},
    // the fund
    {"fund_assets", "RMB", "Money-market fund units outstanding (stable NAV).",
     [](const M& m) { return m.rmb(m.total(m.w.books.consumer_fund_units)); }},
    {"fund_subscriptions", "RMB/day", "Money moved into the fund.",
     [](const M& m) { return m.rmb(m.f[Flow::fund_subscriptions]); }},
    {"fund_redemptions", "RMB/day", "Money paid out by the fund.",
     [](const M& m) { return m.rmb(m.f[Flow::fund_redemptions]); }},
    {"fund_redemptions_refused", "RMB/day",
     "Redemptions asked for beyond the cap or the fund's means.",
     [](const M& m) { return m.rmb(m.f[Flow::fund_redemptions_refused]); }},
    {"fund_yield", "1/year", "Annualised yield paid to unit holders last month.",
     [](const M& m) { return m.w.funds.yield_annual[0]; }},
    {"fund_confidence", "1", "Confidence in the fund and platform, [0, 1].",
     [](const M& m) { return m.w.funds.confidence[0]; }},
    // banks and money
    {"bank_capital_ratio", "1",
     "Aggregate bank capital (equity − provisions) / risk-weighted assets (last month end).",
     [](const M& m) { return m.rwa_sum > 0 ? m.equity_sum / m.rwa_sum : nan; }},
    {"bank_capital_ratio_min", "1", "Lowest bank capital ratio (last month end).",
     [](const M& m) { return m.capital_ratio_quantile(0.0); }},
    {"bank_capital_ratio_p10", "1", "10th percentile of bank capital ratios (last month end).",
     [](const M& m) { return m.capital_ratio_quantile(0.1); }},
    {"bank_capital_ratio_median", "1", "Median bank capital ratio (last month end).",
     [](const M& m) { return m.capital_ratio_quantile(0.5); }},
    {"bank_npl_ratio", "1", "Bank-held loans 90+ days past due / bank-held loans.",
     [](const M& m) {
       return ratio(
           static_cast<double>(m.bank_held_consumer_quality.dpd90 + m.bank_held_sme_quality.dpd90),
           static_cast<double>(m.bank_held_consumer_quality.total + m.bank_held_sme_quality.total));
     }},
    {"bank_failures", "count/day", "Banks failing today.",
     [](const M& m) { return static_cast<double>(m.f[Flow::bank_failures]); }},
    {"bank_resolution_cost", "RMB/day", "Government capital injected to resolve failing banks.",
     [](const M& m) { return m.rmb(m.f[Flow::bank_resolution_cost]); }},
    {"bank_equity", "RMB", "Sum of bank net worth.",
     [](const M& m) { return m.rmb(m.bank_equity); }},
    {"bank_reserves", "RMB", "Central-bank reserves held by banks.",
     [](const M& m) { return m.rmb(m.total(m.w.ledger.reserves_book)); }},
    {"central_bank_lending", "RMB", "Overnight central-bank credit outstanding to banks.",
     [](const M& m) { return m.rmb(m.total(m.w.ledger.cb_loan_book)); }},
    {"money_supply", "RMB", "Bank deposits of non-banks (consumers, SMEs, platforms, the fund).",
     [](const M& m) { return m.rmb(m.money); }},
    {"consumer_deposits", "RMB", "Bank deposits of consumers.",
     [](const M& m) { return m.rmb(m.total(m.w.books.consumer_deposit)); }},
    {"sme_deposits", "RMB", "Bank deposits of SMEs.",
     [](const M& m) { return m.rmb(m.total(m.w.books.sme_deposit)); }},
    {"deposits_tier_0", "RMB",
     "All deposits (households, firms, the platform, the fund) at banks of tier 0 (banks.tiers[0]; "
     "state by default).",
     [](const M& m) { return m.rmb(m.deposits_by_tier[0]); }},
    {"deposits_tier_1", "RMB",
     "All deposits at banks of tier 1 (joint_stock by default); 0 without it.",
     [](const M& m) { return m.rmb(m.deposits_by_tier[1]); }},
    {"deposits_tier_2", "RMB",
     "All deposits at banks of tier 2 (city_rural by default); 0 without it.",
     [](const M& m) { return m.rmb(m.deposits_by_tier[2]); }},
    {"deposits_tier_3_plus", "RMB", "All deposits at banks of tiers 3 and later; 0 without them.",
     [](const M& m) { return m.rmb(m.deposits_by_tier[3]); }},
    {"policy_rate", "1/year", "Central-bank policy rate.",
     [](const M& m) { return m.w.policy.policy_rate; }},
    {"money_created_cumulative", "RMB",
     "Money created since the start (including initial endowments).",
     [](const M& m) { return m.rmb(m.w.ledger.money_created()); }},
    // shocks and the rules in force (see docs/scenarios.md)
    {"platform_paid_in_capital", "RMB",
     "Capital paid into the lending platform by outside investors (an IPO).",
     [](const M& m) {
       return m.rmb(m.w.ledger.balance(Account{m.w.ledger.platform_shares_book, 0}));
     }},
    {"platform_ipo_raised", "RMB/day", "New platform capital raised today.",
     [](const M& m) { return m.rmb(m.f[Flow::ipo_raised]); }},
    {"platform_fines", "RMB/day", "Fines paid by the platform to the government today.",
     [](const M& m) { return m.rmb(m.f[Flow::fines_paid]); }},
    {"platform_fines_unpaid", "RMB/day",
     "Fines the platform could not pay today (it fails; the rest is waived).",
     [](const M& m) { return m.rmb(m.f[Flow::fines_unpaid]); }},
    {"platform_bank_borrowing", "RMB", "The platform's debt on its bank credit facility.",
     [](const M& m) {
       return m.rmb(m.w.ledger.balance(Account{m.w.books.platform_bank_loan, 0}));
     }},
    {"platform_failed", "1", "1 once the lending platform has failed (it makes no new loans).",
     [](const M& m) { return static_cast<double>(m.w.platforms.failed[0]); }},
    {"platform_failures", "count/day", "Failures of the lending platform today.",
     [](const M& m) { return static_cast<double>(m.f[Flow::platform_failures]); }},
    {"platform_resolution_losses", "RMB/day",
     "Paid-in capital and bank facility written off in the platform's resolution today.",
     [](const M& m) { return m.rmb(m.f[Flow::platform_resolution_losses]); }},
    {"policy_own_funding_share", "1", "Platform's own-funded share of new co-lent loans.",
     [](const M& m) { return m.w.policy.own_funding_share; }},
    {"policy_leverage_limit", "1", "Largest own-funded loans / platform capital.",
     [](const M& m) { return m.w.policy.leverage_limit; }},
    {"policy_interest_rate_cap", "1/year", "Legal cap on annual loan rates.",
     [](const M& m) { return m.w.policy.interest_rate_cap; }},
    {"policy_bureau_signal_sigma", "1", "Noise (logit s.d.) of the credit bureau's signal.",
     [](const M& m) { return m.w.policy.bureau_signal_sigma; }},
    {"policy_reserve_requirement", "1", "Required reserve ratio.",
     [](const M& m) { return m.w.policy.reserve_requirement; }},
    {"policy_bank_capital_floor", "1", "Minimum capital ratio plus conservation buffer.",
     [](const M& m) { return m.w.policy.capital_minimum + m.w.policy.conservation_buffer; }},
    {"house_price_index", "1",
     "House-price index, the mean over regions of national × regional factor (1 at the start).",
     [](const M& m) { return m.house_price_mean; }},
    {"house_price_index_min", "1", "House-price index of the region where it is lowest.",
     [](const M& m) { return m.house_price_lowest; }},
    {"platform_outage", "1", "1 while the platform's services are down.",
     [](const M& m) { return m.w.policy.platform_outage ? 1.0 : 0.0; }},
    {"new_term_loans_platform", "RMB/day",
     "New platform-originated cash and SME loans (credit-line draws excluded).",
     [](const M& m) {
       return m.rmb(
           checked_add(m.f[Flow::new_term_loans_platform], m.f[Flow::new_sme_term_loans_platform]));
     }},
    // the interbank market and contagion
    {"interbank_loans", "RMB", "Overnight interbank loans outstanding at the end of the day.",
     [](const M& m) { return m.rmb(m.total(m.w.ledger.interbank_book)); }},
    {"interbank_term_loans", "RMB",
     "Term interbank loans and NCDs outstanding at the end of the day (rolled over at maturity).",
     [](const M& m) { return m.rmb(m.total(m.w.ledger.term_interbank_book)); }},
    {"contagion_defaults_round_0", "count/day",
     "Banks failing today on their own (insolvent, illiquid or a bank_failure shock).",
     [](const M& m) { return static_cast<double>(m.f[Flow::contagion_defaults_round_0]); }},
    {"contagion_defaults_round_1", "count/day",
     "Banks failing in the first round of interbank contagion today.",
     [](const M& m) { return static_cast<double>(m.f[Flow::contagion_defaults_round_1]); }},
    {"contagion_defaults_round_2", "count/day",
     "Banks failing in the second round of interbank contagion today.",
     [](const M& m) { return static_cast<double>(m.f[Flow::contagion_defaults_round_2]); }},
    {"contagion_defaults_round_3_plus", "count/day",
     "Banks failing in the third or a later round today.",
     [](const M& m) { return static_cast<double>(m.f[Flow::contagion_defaults_round_3_plus]); }},
    {"contagion_rounds", "count/day", "Contagion rounds with new failures today.",
     [](const M& m) { return static_cast<double>(m.f[Flow::contagion_rounds]); }},
    {"contagion_interbank_losses", "RMB/day",
     "Interbank claims (overnight and term) written off on failing banks today: lgd × claims "
     "(furfine) or what the clearing leaves unpaid (eisenberg_noe, rogers_veraart).",
     [](const M& m) { return m.rmb(m.f[Flow::contagion_interbank_losses]); }},
    {"contagion_clearing_loss", "RMB/day",
     "Shortfall of interbank payments under the clearing of the day's network on a failure day "
     "(Eisenberg-Noe; Rogers-Veraart when interbank.contagion = rogers_veraart): Σ interbank "
     "debt × (1 − payment / total obligation), before any loss is taken.",
     [](const M& m) { return m.rmb(m.f[RealFlow::contagion_clearing_loss]); }},
    {"interbank_debtrank_max", "1",
     "Largest DebtRank of one bank's default over the interbank network (last month end or failure "
     "day).",
     [](const M& m) { return m.w.systemic.debtrank_max; }},
    {"srisk_total", "RMB",
     "Σ SRISK-style bank capital shortfall in a crisis (last month end or failure day).",
     [](const M& m) { return m.rmb(m.w.systemic.srisk_fen); }},
    {"bank_provisions", "RMB",
     "Specific provisions: lgd × bank-held loans 90+ days past due (last month end), deducted from "
     "capital.",
     [](const M& m) { return m.rmb(m.provisions); }},
    {"bond_price_index", "1",
     "Price of the banks' bonds at the end of the day (par = 1): falls with fire sales, recovers "
     "toward par on quiet days (fire_sales.*).",
     [](const M& m) { return m.w.bond_market.price; }},
    {"fire_sale_volume", "RMB/day", "Bonds sold in fire sales today, at the sale prices.",
     [](const M& m) { return m.rmb(m.f[Flow::fire_sale_volume]); }},
    {"fire_sale_losses", "RMB/day",
     "Banks' losses from fire sales today: bonds sold below the day's opening price and bonds "
     "held marked down to the closing price (a `revaluations` flow).",
     [](const M& m) { return m.rmb(m.f[Flow::fire_sale_losses]); }},
    {"bond_revaluation_gains", "RMB/day",
     "Banks' bonds marked back up today as the bond price recovers toward par.",
     [](const M& m) { return m.rmb(m.f[Flow::bond_revaluation_gains]); }},
    {"contagion_losses", "RMB/day",
     "Banks' contagion losses today by every channel: contagion_interbank_losses + "
     "fire_sale_losses + contagion_run_losses.",
     [](const M& m) {
       return m.rmb(checked_add(
           checked_add(m.f[Flow::contagion_interbank_losses], m.f[Flow::fire_sale_losses]),
           m.f[Flow::contagion_run_losses]));
     }},
    {"bank_failures_interbank", "count/day",
     "Banks failing today through interbank losses (contagion rounds 1 and later).",
     [](const M& m) { return static_cast<double>(m.f[Flow::bank_failures_interbank]); }},
    {"bank_failures_fire_sale", "count/day",
     "Banks failing today because fire sales marked their bonds below their debts.",
     [](const M& m) { return static_cast<double>(m.f[Flow::bank_failures_fire_sale]); }},
    {"run_outflows_fund", "RMB/day",
     "Placements the fund pulled today from banks whose capital ratio is below "
     "bank_runs.fund_capital_ratio_trigger (a run by the fund).",
     [](const M& m) { return m.rmb(m.f[Flow::run_outflows_fund]); }},
    {"run_outflows_depositors", "RMB/day",
     "Deposits consumers and SMEs moved today away from banks whose capital ratio is below "
     "bank_runs.depositor_capital_ratio_trigger.",
     [](const M& m) { return m.rmb(m.f[Flow::run_outflows_depositors]); }},
    {"contagion_run_losses", "RMB/day",
     "Central-bank credit beyond the bonds it can pledge of banks failing through a run today "
     "(what resolution pays for the run).",
     [](const M& m) { return m.rmb(m.f[Flow::contagion_run_losses]); }},
    {"bank_failures_run", "count/day",
     "Banks failing today on their own (round 0) by illiquidity on a day the fund or depositors "
     "ran on them.",
     [](const M& m) { return static_cast<double>(m.f[Flow::bank_failures_run]); }},
    // the lending platform's profit, line by line (platform_net_income = Σ of the
    // income lines − Σ of the cost lines; platform_equity moves by it, fines and
    // outside capital)
    {"platform_income_payments", "RMB/day", "Merchant fees earned by the lending platform.",
     [](const M& m) { return m.rmb(m.profit.payments); }},
    {"platform_income_tech_fees", "RMB/day",
     "Technology-service fees from partner banks on co-lent loans.",
     [](const M& m) { return m.rmb(m.profit.tech_fees); }},
    {"platform_income_interest", "RMB/day", "Interest on the platform's own-funded loan shares.",
     [](const M& m) { return m.rmb(m.profit.interest); }},
    {"platform_income_investment", "RMB/day", "Fund management and wealth-distribution fees.",
     [](const M& m) { return m.rmb(m.profit.investment); }},
    {"platform_income_deposit_interest", "RMB/day", "Interest on the platform's bank deposit.",
     [](const M& m) { return m.rmb(m.profit.deposit_interest); }},
    {"platform_funding_cost", "RMB/day", "Interest paid on the platform's bank credit facility.",
     [](const M& m) { return m.rmb(m.f[Flow::platform_debt_interest]); }},
    {"platform_credit_losses", "RMB/day", "Write-offs on the platform's own-funded loan shares.",
     [](const M& m) { return m.rmb(m.profit.credit_losses); }},
    {"platform_operating_costs", "RMB/day", "The platform's operating costs (paid at month end).",
     [](const M& m) { return m.rmb(m.f[Flow::platform_operating_costs]); }},
    {"platform_net_income", "RMB/day",
     "Income lines − funding cost − credit losses − operating costs − fines.",
     [](const M& m) { return m.rmb(m.profit.net_income); }},
};

}  // namespace

std::span<const Indicator> table() {
  return indicator_table;
}

int find(std::string_view name) {
  for (std::size_t i = 0; i < std::size(indicator_table); ++i)
    if (indicator_table[i].name == name) return static_cast<int>(i);
  return -1;
}

void compute(const World& w, std::span<double> out) {
  if (out.size() != std::size(indicator_table))
    throw InternalError("indicators: wrong output size");
  const Measures m(w);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] = indicator_table[k].compute(m);
}

const std::vector<std::string>& names() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    for (const Indicator& ind : table()) out.emplace_back(ind.name);
    return out;
  }();
  return all;
}

}  // namespace pfsim::indicators
