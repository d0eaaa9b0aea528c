#include "indicators/indicators.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "exec/parallel.hpp"
#include "world/queries.hpp"

namespace pfsim::indicators {

namespace {

// Keep in the same order as the values written in compute(). Money is RMB
// economy-wide (model amounts × run.scale); flows are per day.
constexpr Indicator indicator_table[] = {
    // payments and the real side
    {"consumption", "RMB/day", "Consumer purchases from SMEs, all payment channels."},
    {"platform_payment_volume", "RMB/day", "Purchases paid through the lending platform's wallet."},
    {"platform_payment_share", "1",
     "Share of consumer purchases paid through the lending platform's wallet."},
    {"mobile_payment_share_platform", "1",
     "The lending platform's share of mobile-wallet purchases (vs the rival wallet)."},
    {"wages_paid", "RMB/day", "Wages SMEs paid to consumers."},
    {"wage_shortfall", "RMB/day", "Wages owed but not paid by SMEs short of cash."},
    {"unemployment_rate", "1", "Share of consumers without a job."},
    {"sme_count", "count", "Active SMEs (model agents)."},
    {"sme_entries", "count/day", "New firms taking vacant slots (model agents)."},
    {"sme_exits", "count/day",
     "Firms exiting after default or repeated missed paydays (model agents)."},
    {"sme_exits_illiquid", "count/day",
     "Firms exiting after exit_missed_paydays short paydays in a row (model agents)."},
    // credit balances
    {"consumer_credit_balance", "RMB",
     "Platform-originated consumer credit (credit lines + cash loans), all funders."},
    {"consumer_revolving_balance", "RMB", "Credit-line (revolving) balances, all funders."},
    {"consumer_instalment_balance", "RMB",
     "Platform cash-loan (instalment) balances, all funders."},
    {"bank_consumer_loan_balance", "RMB", "Direct bank consumer loans."},
    {"sme_credit_balance", "RMB", "Platform-originated SME loans, all funders."},
    {"bank_sme_loan_balance", "RMB", "Direct bank SME loans."},
    {"platform_funded_balance", "RMB", "Platform-originated credit funded by the platform itself."},
    {"colent_bank_funded_balance", "RMB", "Platform-originated credit funded by partner banks."},
    {"platform_own_funding_share", "1",
     "Share of platform-originated credit the platform funds itself."},
    {"platform_credit_fee_rate", "1/year",
     "Technology-service fees over the bank-funded co-lent balance, annualised."},
    {"average_sme_loan", "RMB", "Average size of SME loans made today (NaN if none)."},
    // new lending
    {"new_loans_platform", "RMB/day",
     "New platform-originated credit (cash loans, SME loans, credit-line draws)."},
    {"new_loans_bank", "RMB/day", "New direct bank loans."},
    {"approval_rate_platform", "1",
     "Approved / applications for platform term loans today (NaN if none)."},
    {"approval_rate_bank", "1", "Approved / applications for bank loans today (NaN if none)."},
    {"new_loan_pd_platform", "1/year",
     "Amount-weighted true default probability of new platform consumer cash loans (NaN if none)."},
    {"new_loan_pd_bank", "1/year",
     "Amount-weighted true default probability of new bank consumer loans (NaN if none)."},
    {"new_sme_loan_pd_platform", "1/year",
     "Amount-weighted true default probability of new platform SME loans (NaN if none)."},
    {"new_sme_loan_pd_bank", "1/year",
     "Amount-weighted true default probability of new bank SME loans (NaN if none)."},
    // credit quality
    {"consumer_dpd30_ratio", "1",
     "Platform-originated consumer credit 30+ days past due / its balance."},
    {"consumer_dpd90_ratio", "1",
     "Platform-originated consumer credit 90+ days past due / its balance."},
    {"bank_consumer_dpd30_ratio", "1",
     "Direct bank consumer loans 30+ days past due / their balance."},
    {"bank_consumer_dpd90_ratio", "1",
     "Direct bank consumer loans 90+ days past due / their balance."},
    {"sme_dpd30_ratio", "1", "Platform-originated SME loans 30+ days past due / their balance."},
    {"sme_dpd90_ratio", "1", "Platform-originated SME loans 90+ days past due / their balance."},
    {"write_offs_platform", "RMB/day", "Platform-originated credit written off (all funders)."},
    {"write_offs_bank", "RMB/day", "Direct bank loans written off."},
    {"loss_rate_platform", "1/year", "Platform-originated write-offs over balance, annualised."},
    {"loss_rate_bank", "1/year", "Direct bank write-offs over balance, annualised."},
    // the platform
    {"platform_revenue_payments", "RMB/day", "Merchant fees earned by the lending platform."},
    {"platform_revenue_credit", "RMB/day",
     "Technology-service fees plus interest on own-funded loans."},
    {"platform_revenue_investment", "RMB/day", "Fees earned on the money-market fund."},
    {"platform_revenue_total", "RMB/day", "Sum of the platform's revenue lines."},
    {"platform_equity", "RMB",
     "Book equity of the lending platform: net worth plus capital paid in by investors."},
    {"platform_leverage", "1", "Own-funded loans / equity."},
    {"platform_valuation", "RMB",
     "Multiple × trailing-year profit (annualised in the first year) × fund confidence (last month "
     "end)."},
    // the fund
    {"fund_assets", "RMB", "Money-market fund units outstanding (stable NAV)."},
    {"fund_subscriptions", "RMB/day", "Money moved into the fund."},
    {"fund_redemptions", "RMB/day", "Money paid out by the fund."},
    {"fund_redemptions_refused", "RMB/day",
     "Redemptions asked for beyond the cap or the fund's means."},
    {"fund_yield", "1/year", "Annualised yield paid to unit holders last month."},
    {"fund_confidence", "1", "Confidence in the fund and platform, [0, 1]."},
    // banks and money
    {"bank_capital_ratio", "1",
     "Aggregate bank capital (equity − provisions) / risk-weighted assets (last month end)."},
    {"bank_capital_ratio_min", "1", "Lowest bank capital ratio (last month end)."},
    {"bank_capital_ratio_p10", "1", "10th percentile of bank capital ratios (last month end)."},
    {"bank_capital_ratio_median", "1", "Median bank capital ratio (last month end)."},
    {"bank_npl_ratio", "1", "Bank-held loans 90+ days past due / bank-held loans."},
    {"bank_failures", "count/day", "Banks failing today."},
    {"bank_resolution_cost", "RMB/day", "Government capital injected to resolve failing banks."},
    {"bank_equity", "RMB", "Sum of bank net worth."},
    {"bank_reserves", "RMB", "Central-bank reserves held by banks."},
    {"central_bank_lending", "RMB", "Overnight central-bank credit outstanding to banks."},
    {"money_supply", "RMB", "Bank deposits of non-banks (consumers, SMEs, platforms, the fund)."},
    {"consumer_deposits", "RMB", "Bank deposits of consumers."},
    {"sme_deposits", "RMB", "Bank deposits of SMEs."},
    {"deposits_tier_0", "RMB",
     "All deposits (households, firms, the platform, the fund) at banks of tier 0 (banks.tiers[0]; "
     "state by default)."},
    {"deposits_tier_1", "RMB",
     "All deposits at banks of tier 1 (joint_stock by default); 0 without it."},
    {"deposits_tier_2", "RMB",
     "All deposits at banks of tier 2 (city_rural by default); 0 without it."},
    {"deposits_tier_3_plus", "RMB", "All deposits at banks of tiers 3 and later; 0 without them."},
    {"policy_rate", "1/year", "Central-bank policy rate."},
    {"money_created_cumulative", "RMB",
     "Money created since the start (including initial endowments)."},
    // shocks and the rules in force (see docs/scenarios.md)
    {"platform_paid_in_capital", "RMB",
     "Capital paid into the lending platform by outside investors (an IPO)."},
    {"platform_ipo_raised", "RMB/day", "New platform capital raised today."},
    {"platform_fines", "RMB/day", "Fines paid by the platform to the government today."},
    {"platform_fines_unpaid", "RMB/day",
     "Fines the platform could not pay today (it fails; the rest is waived)."},
    {"platform_bank_borrowing", "RMB", "The platform's debt on its bank credit facility."},
    {"platform_failed", "1", "1 once the lending platform has failed (it makes no new loans)."},
    {"platform_failures", "count/day", "Failures of the lending platform today."},
    {"platform_resolution_losses", "RMB/day",
     "Paid-in capital and bank facility written off in the platform's resolution today."},
    {"policy_own_funding_share", "1", "Platform's own-funded share of new co-lent loans."},
    {"policy_leverage_limit", "1", "Largest own-funded loans / platform capital."},
    {"policy_interest_rate_cap", "1/year", "Legal cap on annual loan rates."},
    {"policy_bureau_signal_sigma", "1", "Noise (logit s.d.) of the credit bureau's signal."},
    {"policy_reserve_requirement", "1", "Required reserve ratio."},
    {"policy_bank_capital_floor", "1", "Minimum capital ratio plus conservation buffer."},
    {"house_price_index", "1",
     "House-price index, the mean over regions of national × regional factor (1 at the start)."},
    {"house_price_index_min", "1", "House-price index of the region where it is lowest."},
    {"platform_outage", "1", "1 while the platform's services are down."},
    {"new_term_loans_platform", "RMB/day",
     "New platform-originated cash and SME loans (credit-line draws excluded)."},
    // the interbank market and contagion
    {"interbank_loans", "RMB", "Overnight interbank loans outstanding at the end of the day."},
    {"contagion_defaults_round_0", "count/day",
     "Banks failing today on their own (insolvent, illiquid or a bank_failure shock)."},
    {"contagion_defaults_round_1", "count/day",
     "Banks failing in the first round of interbank contagion today."},
    {"contagion_defaults_round_2", "count/day",
     "Banks failing in the second round of interbank contagion today."},
    {"contagion_defaults_round_3_plus", "count/day",
     "Banks failing in the third or a later round today."},
    {"contagion_rounds", "count/day", "Contagion rounds with new failures today."},
    {"contagion_interbank_losses", "RMB/day",
     "Interbank claims written off on failing banks today (lgd × claims)."},
    {"contagion_clearing_loss", "RMB/day",
     "Shortfall of interbank payments under Eisenberg-Noe clearing on a failure day: Σ "
     "(obligations − clearing payments)."},
    {"interbank_debtrank_max", "1",
     "Largest DebtRank of one bank's default over the interbank network (last month end or failure "
     "day)."},
    {"srisk_total", "RMB",
     "Σ SRISK-style bank capital shortfall in a crisis (last month end or failure day)."},
    {"bank_provisions", "RMB",
     "Specific provisions: lgd × bank-held loans 90+ days past due (last month end), deducted from "
     "capital."},
    // the lending platform's profit, line by line (platform_net_income = Σ of the
    // income lines − Σ of the cost lines; platform_equity moves by it, fines and
    // outside capital)
    {"platform_income_payments", "RMB/day", "Merchant fees earned by the lending platform."},
    {"platform_income_tech_fees", "RMB/day",
     "Technology-service fees from partner banks on co-lent loans."},
    {"platform_income_interest", "RMB/day", "Interest on the platform's own-funded loan shares."},
    {"platform_income_investment", "RMB/day", "Fund management and wealth-distribution fees."},
    {"platform_income_deposit_interest", "RMB/day", "Interest on the platform's bank deposit."},
    {"platform_funding_cost", "RMB/day", "Interest paid on the platform's bank credit facility."},
    {"platform_credit_losses", "RMB/day", "Write-offs on the platform's own-funded loan shares."},
    {"platform_operating_costs", "RMB/day", "The platform's operating costs (paid at month end)."},
    {"platform_net_income", "RMB/day",
     "Income lines − funding cost − credit losses − operating costs − fines."},
};

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
};
template <class Dpd>
Quality quality(const Ledger& L, std::initializer_list<BookId> books, std::size_t rows,
                Dpd dpd_of) {
  std::vector<Quality> partial(exec::chunk_count(rows));
  exec::for_each_chunk(rows, [&](std::size_t c, std::size_t begin, std::size_t end) {
    Quality q;
    for (std::size_t r = begin; r < end; ++r) {
      Int128 v = 0;
      for (const BookId b : books) v += L.book(b).balance[r];
      if (v == 0) continue;
      q.total += v;
      const auto d = dpd_of(r);
      if (d >= 30) q.dpd30 += v;
      if (d >= 90) q.dpd90 += v;
    }
    partial[c] = q;
  });
  Quality out;
  for (const Quality& q : partial) {
    out.total += q.total;
    out.dpd30 += q.dpd30;
    out.dpd90 += q.dpd90;
  }
  return out;
}

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
  const Ledger& L = w.ledger;
  const StepFlows& f = w.flows;
  const BookIds& B = w.books;
  const Scenario& sc = *w.scenario;
  const double scale = sc.run.scale;
  auto rmb = [&](auto fen) {
    return static_cast<double>(fen) / static_cast<double>(fen_per_yuan) * scale;
  };
  auto total = [&](BookId b) { return book_total(L.book(b)); };
  constexpr auto P = static_cast<std::size_t>(Lender::platform);
  constexpr auto K = static_cast<std::size_t>(Lender::bank);

  const Int128 rev_p = total(B.revolving_platform), rev_b = total(B.revolving_bank);
  const Int128 cash_p = total(B.cash_platform), cash_b = total(B.cash_bank);
  const Int128 bank_consumer = total(B.consumer_bank_loan);
  const Int128 sme_p = total(B.sme_platform_platform), sme_b = total(B.sme_platform_bank);
  const Int128 bank_sme = total(B.sme_bank_loan);
  const Int128 consumer_credit = rev_p + rev_b + cash_p + cash_b;
  const Int128 platform_originated = consumer_credit + sme_p + sme_b;
  const Int128 own = rev_p + cash_p + sme_p;
  const Int128 colent_bank = rev_b + cash_b + sme_b;
  const auto& C = w.consumers;
  const auto& S = w.smes;
  const Quality cq =
      quality(L, {B.revolving_platform, B.revolving_bank, B.cash_platform, B.cash_bank}, C.size(),
              [&](std::size_t r) { return C.days_past_due[r]; });
  const Quality bq = quality(L, {B.consumer_bank_loan}, C.size(),
                             [&](std::size_t r) { return C.days_past_due[r]; });
  const Quality sq = quality(L, {B.sme_platform_platform, B.sme_platform_bank}, S.size(),
                             [&](std::size_t r) { return S.days_past_due[r]; });
  // bank-held: co-lent bank parts + direct
  const Quality bank_c = quality(L, {B.revolving_bank, B.cash_bank, B.consumer_bank_loan}, C.size(),
                                 [&](std::size_t r) { return C.days_past_due[r]; });
  const Quality bank_s = quality(L, {B.sme_platform_bank, B.sme_bank_loan}, S.size(),
                                 [&](std::size_t r) { return S.days_past_due[r]; });
  std::size_t unemployed = 0, active_smes = 0;
  for (const std::uint8_t e : C.employed) unemployed += e == 0 ? 1 : 0;
  for (const std::uint8_t a : S.active) active_smes += a;

  const FlowMatrix& fm = L.flows();
  const auto platform_col = static_cast<std::size_t>(AgentKind::platform);
  const double credit_revenue =
      static_cast<double>(fm[static_cast<std::size_t>(FlowType::tech_service_fees)][platform_col] +
                          fm[static_cast<std::size_t>(FlowType::interest_loans)][platform_col]);
  const double investment_revenue =
      static_cast<double>(fm[static_cast<std::size_t>(FlowType::fund_fees)][platform_col]);
  const double payments_revenue = static_cast<double>(f.platform_fees[0]);
  const Fen platform_equity = platform_capital(w, 0);

  // banks
  std::vector<double> ratios(w.banks.capital_ratio.begin(), w.banks.capital_ratio.end());
  std::sort(ratios.begin(), ratios.end());
  double equity_sum = 0, rwa_sum = 0;
  for (std::size_t b = 0; b < w.banks.size(); ++b) {
    const double eq =
        static_cast<double>(L.net_worth(AgentKind::bank)[b] - w.banks.provisions[b]);  // capital
    equity_sum += eq;
    if (w.banks.capital_ratio[b] > 0 && w.banks.capital_ratio[b] < 1e8)
      rwa_sum += eq / w.banks.capital_ratio[b];
  }
  auto quantile = [&](double q) {
    if (ratios.empty()) return nan;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(ratios.size() - 1) + 0.5);
    return ratios[std::min(k, ratios.size() - 1)];
  };
  Int128 money = L.money_stock();

  std::size_t k = 0;
  out[k++] = rmb(f.consumption);
  out[k++] = rmb(f.platform_payment_volume);
  out[k++] =
      ratio(static_cast<double>(f.platform_payment_volume), static_cast<double>(f.consumption));
  out[k++] = ratio(static_cast<double>(f.platform_payment_volume),
                   static_cast<double>(f.platform_payment_volume + f.rival_payment_volume));
  out[k++] = rmb(f.wages_paid);
  out[k++] = rmb(f.wages_owed - f.wages_paid);
  out[k++] = ratio(static_cast<double>(unemployed), static_cast<double>(C.size()));
  out[k++] = static_cast<double>(active_smes);
  out[k++] = static_cast<double>(f.sme_entries);
  out[k++] = static_cast<double>(f.sme_exits);
  out[k++] = static_cast<double>(f.sme_exits_illiquid);
  out[k++] = rmb(consumer_credit);
  out[k++] = rmb(rev_p + rev_b);
  out[k++] = rmb(cash_p + cash_b);
  out[k++] = rmb(bank_consumer);
  out[k++] = rmb(sme_p + sme_b);
  out[k++] = rmb(bank_sme);
  out[k++] = rmb(own);
  out[k++] = rmb(colent_bank);
  out[k++] = ratio(static_cast<double>(own), static_cast<double>(platform_originated));
  out[k++] = ratio(365.0 * static_cast<double>(f.tech_fees), static_cast<double>(colent_bank));
  out[k++] = f.new_sme_loan_count > 0 ? static_cast<double>(f.new_sme_loans) / 100.0 /
                                            static_cast<double>(f.new_sme_loan_count)
                                      : nan;
  out[k++] = rmb(f.new_loans[P]);
  out[k++] = rmb(f.new_loans[K]);
  out[k++] =
      ratio_or_nan(static_cast<double>(f.approvals[P]), static_cast<double>(f.applications[P]));
  out[k++] =
      ratio_or_nan(static_cast<double>(f.approvals[K]), static_cast<double>(f.applications[K]));
  out[k++] = ratio_or_nan(f.new_loan_pd_sum[P], static_cast<double>(f.new_term_loans[P]));
  out[k++] = ratio_or_nan(f.new_loan_pd_sum[K], static_cast<double>(f.new_term_loans[K]));
  out[k++] = ratio_or_nan(f.new_sme_loan_pd_sum[P], static_cast<double>(f.new_sme_term_loans[P]));
  out[k++] = ratio_or_nan(f.new_sme_loan_pd_sum[K], static_cast<double>(f.new_sme_term_loans[K]));
  out[k++] = ratio(static_cast<double>(cq.dpd30), static_cast<double>(cq.total));
  out[k++] = ratio(static_cast<double>(cq.dpd90), static_cast<double>(cq.total));
  out[k++] = ratio(static_cast<double>(bq.dpd30), static_cast<double>(bq.total));
  out[k++] = ratio(static_cast<double>(bq.dpd90), static_cast<double>(bq.total));
  out[k++] = ratio(static_cast<double>(sq.dpd30), static_cast<double>(sq.total));
  out[k++] = ratio(static_cast<double>(sq.dpd90), static_cast<double>(sq.total));
  out[k++] = rmb(f.write_offs[P]);
  out[k++] = rmb(f.write_offs[K]);
  out[k++] =
      ratio(365.0 * static_cast<double>(f.write_offs[P]), static_cast<double>(platform_originated));
  out[k++] = ratio(365.0 * static_cast<double>(f.write_offs[K]),
                   static_cast<double>(bank_consumer + bank_sme));
  out[k++] = rmb(payments_revenue);
  out[k++] = rmb(credit_revenue);
  out[k++] = rmb(investment_revenue);
  out[k++] = rmb(payments_revenue + credit_revenue + investment_revenue);
  out[k++] = rmb(platform_equity);
  out[k++] = ratio(static_cast<double>(own), static_cast<double>(platform_equity));
  out[k++] = rmb(w.platforms.valuation[0]);
  out[k++] = rmb(total(B.consumer_fund_units));
  out[k++] = rmb(f.fund_subscriptions);
  out[k++] = rmb(f.fund_redemptions);
  out[k++] = rmb(f.fund_redemptions_refused);
  out[k++] = w.funds.yield_annual[0];
  out[k++] = w.funds.confidence[0];
  out[k++] = rwa_sum > 0 ? equity_sum / rwa_sum : nan;
  out[k++] = quantile(0.0);
  out[k++] = quantile(0.1);
  out[k++] = quantile(0.5);
  out[k++] = ratio(static_cast<double>(bank_c.dpd90 + bank_s.dpd90),
                   static_cast<double>(bank_c.total + bank_s.total));
  out[k++] = static_cast<double>(f.bank_failures);
  out[k++] = rmb(f.bank_resolution_cost);
  Int128 bank_equity = 0;
  for (const Fen v : L.net_worth(AgentKind::bank)) bank_equity += v;
  out[k++] = rmb(bank_equity);
  out[k++] = rmb(total(L.reserves_book));
  out[k++] = rmb(total(L.cb_loan_book));
  out[k++] = rmb(money);
  out[k++] = rmb(total(B.consumer_deposit));
  out[k++] = rmb(total(B.sme_deposit));
  {
    std::array<Int128, 4> by_tier{};
    const std::vector<Fen> deposits = deposits_by_bank(w);
    for (std::size_t b = 0; b < deposits.size(); ++b)
      by_tier[std::min<std::size_t>(w.banks.tier[b], 3)] += deposits[b];
    for (const Int128 d : by_tier) out[k++] = rmb(d);
  }
  out[k++] = w.policy.policy_rate;
  out[k++] = rmb(L.money_created());
  const Policy& pol = w.policy;
  out[k++] = rmb(L.balance(Account{L.platform_shares_book, 0}));
  out[k++] = rmb(f.ipo_raised);
  out[k++] = rmb(f.fines_paid);
  out[k++] = rmb(f.fines_unpaid);
  out[k++] = rmb(L.balance(Account{w.books.platform_bank_loan, 0}));
  out[k++] = static_cast<double>(w.platforms.failed[0]);
  out[k++] = static_cast<double>(f.platform_failures);
  out[k++] = rmb(f.platform_resolution_losses);
  out[k++] = pol.own_funding_share;
  out[k++] = pol.leverage_limit;
  out[k++] = pol.interest_rate_cap;
  out[k++] = pol.bureau_signal_sigma;
  out[k++] = pol.reserve_requirement;
  out[k++] = pol.capital_minimum + pol.conservation_buffer;
  {
    double sum = 0, lowest = std::numeric_limits<double>::infinity();
    for (std::size_t r = 0; r < pol.regional_house_price.size(); ++r) {
      const double index = house_price(pol, static_cast<std::uint16_t>(r));
      sum += index;
      lowest = std::min(lowest, index);
    }
    out[k++] = sum / static_cast<double>(pol.regional_house_price.size());
    out[k++] = lowest;
  }
  out[k++] = pol.platform_outage ? 1.0 : 0.0;
  out[k++] = rmb(checked_add(f.new_term_loans[P], f.new_sme_term_loans[P]));
  out[k++] = rmb(total(L.interbank_book));
  for (std::size_t r = 0; r < contagion_round_slots; ++r)
    out[k++] = static_cast<double>(f.contagion_defaults_by_round[r]);
  out[k++] = static_cast<double>(f.contagion_rounds);
  out[k++] = rmb(f.contagion_interbank_losses);
  out[k++] = rmb(f.contagion_clearing_loss);
  out[k++] = w.systemic.debtrank_max;
  out[k++] = rmb(w.systemic.srisk_fen);
  Int128 provisions = 0;
  for (const Fen v : w.banks.provisions) provisions += v;
  out[k++] = rmb(provisions);
  {  // the lending platform's profit (its sector's flows, less the rival's fees)
    const auto cell = [&](FlowType t) {
      return static_cast<Fen>(fm[static_cast<std::size_t>(t)][platform_col]);
    };
    const Fen payments = f.platform_fees[0];
    const Fen tech = cell(FlowType::tech_service_fees);
    const Fen interest = checked_add(cell(FlowType::interest_loans), f.platform_debt_interest);
    const Fen investment = cell(FlowType::fund_fees);
    const Fen deposit_interest = f.platform_deposit_interest;
    const Fen losses = -cell(FlowType::loan_losses);
    const Fen income = payments + tech + interest + investment + deposit_interest;
    const Fen costs = f.platform_debt_interest + losses + f.platform_operating_costs + f.fines_paid;
    for (const Fen v : {payments, tech, interest, investment, deposit_interest,
                        f.platform_debt_interest, losses, f.platform_operating_costs})
      out[k++] = rmb(v);
    out[k++] = rmb(income - costs);
  }
  if (k != out.size()) throw InternalError("indicators: table and compute() disagree");
}

}  // namespace pfsim::indicators
