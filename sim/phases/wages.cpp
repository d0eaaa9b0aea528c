// Wages. On payday each active SME owes each employed employee the contractual
// wage × income_multiplier (income shocks). A firm short of cash pays everyone
// the same fraction funds / bill and counts a missed payday (exit after
// exit_missed_paydays in a row, see sme_servicing.cpp). Two parallel passes, each
// writing only its own rows:
//   1. SMEs: snapshot bill and funds; debit what they will pay.
//   2. Consumers: credit wage × min(1, funds / bill) of their employer.
// Both passes compute each employee's pay with the same integer formula, so the
// amounts debited and credited agree to the fen. After wages, a firm holding
// more than its cash target (cash_target_months of its wage bill times a
// log-normal factor of its own, cash_target_dispersion) plus
// debt_service_reserve of the instalments due before the next payday pays
// dividend_share of the excess to its owners — modelled as its working staff, in proportion to
// wages — so that profits return to households (the same two-pass split).
// Unemployed consumers receive unemployed_income_share of their usual wage
// from the government on payday (benefits, severance, support); employees pay
// social contributions that fund it (collect_payroll_contributions).
// A firm's supply capacity until the next payday is the share of its wage bill
// it paid (work it could not pay for is not done) times the share of its staff
// it keeps. Labour demand depends on finance — on cash plus the credit the
// firm can get: a firm that cannot borrow now (it is past due, or cooling off
// from the platform's refusal and owing or cooling off from its bank's) and expects to hold less
// than hiring_cash_months of its full staff's wage bill at the next payday (its cash after payday
// plus a month's sales net of supplier purchases: the test by which sme_servicing.cpp makes a firm
// apply for a working-capital loan) can finance only that share of its staff: it pays no dividends,
// fills no vacancies (consumer_daily.cpp) and lays off layoff_adjustment_monthly of the rest. A
// firm short of cash that may still ask a lender borrows first (sme_servicing.cpp,
// origination.cpp); if it is refused, the cool-off makes it constrained at the next payday.
#include <algorithm>
#include <cmath>

#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "rng/philox.hpp"

namespace pfsim::phases {

namespace {

Fen wage_due(const World& w, std::size_t consumer) {
  return w.consumers.employed[consumer] != 0
             ? apply_rate(w.consumers.monthly_wage[consumer], w.policy.income_multiplier)
             : 0;
}

// The pay of one employee (fen): floor(wage × funds / bill) when short, else wage.
Fen pay_of(Fen wage, Fen bill, Fen funds) {
  if (funds >= bill) return wage;
  return static_cast<Fen>(static_cast<Int128>(wage) * funds / bill);
}

// An owner's dividend (fen): its wage's share of the payout.
Fen dividend_of(Fen wage, Fen bill, Fen payout) {
  if (bill <= 0) return 0;
  return static_cast<Fen>(static_cast<Int128>(wage) * payout / bill);
}

// May a firm short of cash ask a lender for credit now: it is current, and
// the platform's refusal's cool-off is over (a firm short of cash may top up
// the platform loan it owes), or it owes its bank nothing and the bank's
// cool-off is over — the test by which sme_servicing.cpp lets a firm short of
// cash apply; origination.cpp asks the same lenders.
bool may_borrow(const World& w, const Journal& j, std::uint32_t s) {
  const SmeStore& S = w.smes;
  const BookIds& B = w.books;
  if (S.days_past_due[s] != 0 || S.defaulted_by_hazard[s] != 0) return false;
  const auto step = static_cast<std::uint32_t>(w.step);
  const bool platform = step >= S.loan_cooloff_until[s];
  const bool bank = j.balance({B.sme_bank_loan, s}) == 0 && step >= S.bank_loan_cooloff_until[s];
  return platform || bank;
}

// A firm's own cash target in months of its wage bill: cash_target_months
// times a log-normal factor with mean 1 and log standard deviation
// cash_target_dispersion, drawn once per firm id (small businesses' cash
// buffers are widely dispersed, JPMorgan Chase Institute 2016).
double cash_target_of(const World& w, std::uint32_t s) {
  const SmeParams& p = w.scenario->smes;
  const double sigma = p.cash_target_dispersion;
  if (sigma <= 0) return p.cash_target_months;
  const double z = rng::Draws(w.seed, rng::Stream::sme_cash_target, w.smes.id[s], 0).normal();
  return p.cash_target_months * std::exp(sigma * z - 0.5 * sigma * sigma);
}

// Dividend weight: the wage of a working employee (profit sharing with the
// staff at work, so that unemployment cuts household income).
Fen owner_weight(const World& w, std::size_t consumer) {
  return w.consumers.employed[consumer] != 0 ? w.consumers.monthly_wage[consumer] : 0;
}

// Social contributions (consumers.social_contribution_share = c): on payday
// every employee pays the government the same rate τ of the wage it was paid,
//   τ = min(0.5, c × (B + K) / W),
// B today's unemployment income, K a month's coupon on the government bonds
// banks hold (the central bank's coupons return to the government as its
// profit), W the wages firms paid today (Σ min(bill, funds)) — so that with
// c = 1 the government's spending is paid out of contributions, not new debt
// (Godley & Lavoie 2007). Withheld from the wage just credited (at most the
// deposit). Serial: the government retires bonds of each payer's bank.
void collect_payroll_contributions(World& w, Fen benefits) {
  const double c = w.scenario->consumers.social_contribution_share;
  if (c <= 0) return;
  Ledger& L = w.ledger;
  const SmeStore& S = w.smes;
  Int128 bonds = 0;  // the central bank's coupons come back to the government as its profit
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) bonds += L.balance({L.bank_bond_book, b});
  const double coupons = static_cast<double>(bonds) * w.scenario->central_bank.bond_rate / 12.0;
  Int128 wages = 0;
  for (std::size_t s = 0; s < S.size(); ++s)
    wages += std::min(S.payroll_bill[s], S.payroll_funds[s]);
  if (wages <= 0) return;
  const double rate =
      std::min(0.5, c * (static_cast<double>(benefits) + coupons) / static_cast<double>(wages));
  Fen paid = 0;
  const BookId deposits = w.books.consumer_deposit;
  for (std::size_t i = 0; i < w.consumers.size(); ++i) {
    const std::uint32_t e = w.consumers.employer[i];
    if (e == no_index || S.payroll_bill[e] <= 0) continue;
    const Fen pay = pay_of(wage_due(w, i), S.payroll_bill[e], S.payroll_funds[e]);
    if (pay <= 0) continue;
    const Account deposit{deposits, static_cast<std::uint32_t>(i)};
    // The government retires bonds with it: at most those the payer's bank
    // and the central bank hold (an economy without bonds collects nothing).
    const std::uint32_t bank = L.book(deposits).issuer.of(i);
    const Fen retirable =
        checked_add(L.balance({L.bank_bond_book, bank}), L.balance({L.cb_bond_book, 0}));
    const Fen due = std::min({apply_rate(pay, rate), L.balance(deposit), retirable});
    if (due <= 0) continue;
    L.government_receives(deposit, due, FlowType::social_transfers);
    paid = checked_add(paid, due);
  }
  w.flows[Flow::payroll_contributions] = checked_add(w.flows[Flow::payroll_contributions], paid);
}

}  // namespace

void run_wages(World& w) {
  if (today(w).day != w.scenario->smes.payday) return;
  SmeStore& S = w.smes;
  const BookIds& B = w.books;
  const double hiring_cash = w.scenario->smes.hiring_cash_months;
  const double layoff_speed = w.scenario->smes.layoff_adjustment_monthly;
  for_each_chunk_journaled(
      w, AgentKind::sme, S.size(), [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        for (std::size_t s = begin; s < end; ++s) {
          S.payroll_bill[s] = 0;
          S.payroll_funds[s] = 0;
          S.payroll_dividend[s] = 0;
          S.payroll_owners[s] = 0;
          if (S.active[s] == 0) continue;
          const std::uint32_t first = S.first_employee[s];
          const std::uint32_t last = first + S.employee_count[s];
          Fen bill = 0;
          for (std::uint32_t e = first; e < last; ++e) bill = checked_add(bill, wage_due(w, e));
          const Account deposit{B.sme_deposit, static_cast<std::uint32_t>(s)};
          const Fen funds = out.journal.balance(deposit);
          Fen total = 0;
          for (std::uint32_t e = first; e < last; ++e)
            total = checked_add(total, pay_of(wage_due(w, e), bill, funds));
          S.payroll_bill[s] = bill;
          S.payroll_funds[s] = funds;
          // Dividends from the cash left after wages.
          Fen owners_bill = 0;
          for (std::uint32_t e = first; e < last; ++e)
            owners_bill = checked_add(owners_bill, owner_weight(w, e));
          // Liquidity it expects at the next payday: cash after wages plus a
          // month's sales net of supplier purchases (sme_servicing.cpp's
          // working-capital test), against hiring_cash_months of its full
          // staff's wage bill (at work or not).
          Fen staff_bill = 0;
          for (std::uint32_t e = first; e < last; ++e)
            staff_bill = checked_add(staff_bill, w.consumers.monthly_wage[e]);
          const Fen after_wages = funds - total;
          const Fen liquidity = after_wages + apply_rate(S.sales_last_month[s],
                                                         1.0 - w.scenario->smes.supplier_share);
          const Fen staff_need =
              apply_rate(apply_rate(staff_bill, w.policy.income_multiplier), hiring_cash);
          const bool credit_constrained =
              hiring_cash > 0 && !may_borrow(w, out.journal, static_cast<std::uint32_t>(s));
          // It keeps its cash target plus the instalments due on its billing
          // day before the next payday (debt service before payouts).
          const Fen debt_service =
              apply_rate(S.platform_loan_instalment[s] + S.bank_loan_instalment[s],
                         w.scenario->smes.debt_service_reserve);
          const Fen excess =
              after_wages - debt_service -
              apply_rate(owners_bill, cash_target_of(w, static_cast<std::uint32_t>(s)));
          Fen payout = excess > 0 ? apply_rate(excess, w.scenario->smes.dividend_share) : 0;
          // A firm that cannot borrow keeps what it needs to finance its staff.
          if (credit_constrained) payout = std::clamp<Fen>(liquidity - staff_need, 0, payout);
          Fen dividends = 0;
          for (std::uint32_t e = first; e < last; ++e)
            dividends += dividend_of(owner_weight(w, e), owners_bill, payout);
          S.payroll_dividend[s] = payout;
          S.payroll_owners[s] = owners_bill;
          if (dividends > 0) {
            out.journal.post(deposit, -dividends);
            out.journal.post_net_worth(AgentKind::sme, static_cast<std::uint32_t>(s), -dividends);
            out.journal.post_clearing(w.ledger.book(B.sme_deposit).issuer.of(s), -dividends);
            out.journal.post_money(-dividends);
            out.journal.post_flow(FlowType::dividends, AgentKind::sme, AgentKind::consumer,
                                  dividends);
          }
          S.missed_paydays[s] =
              funds >= bill ? 0 : static_cast<std::uint8_t>(std::min(255, S.missed_paydays[s] + 1));
          const double paid_share = funds >= bill || bill <= 0
                                        ? 1.0
                                        : static_cast<double>(funds) / static_cast<double>(bill);
          // The share of its staff it can finance: all, if it may borrow
          // (it asks a lender on its billing day) or expects enough.
          const double financed = credit_constrained && staff_need > 0
                                      ? std::clamp(static_cast<double>(liquidity - dividends) /
                                                       static_cast<double>(staff_need),
                                                   0.0, 1.0)
                                      : 1.0;
          S.staff_financed[s] = static_cast<float>(financed);
          // The staff it keeps after today's layoffs (expected share): output
          // falls with the staff a constrained firm lets go.
          const double kept = 1.0 - layoff_speed * (1.0 - financed);
          S.supply_capacity[s] = static_cast<float>(paid_share * kept);
          // The employees' side is posted in pass 2; here only the firm's.
          out.journal.post(deposit, -total);
          out.journal.post_net_worth(AgentKind::sme, static_cast<std::uint32_t>(s), -total);
          out.journal.post_clearing(w.ledger.book(B.sme_deposit).issuer.of(s), -total);
          out.journal.post_money(-total);
          out.journal.post_flow(FlowType::wages, AgentKind::sme, AgentKind::consumer, total);
          out.flows[Flow::wages_owed] += bill;
          out.flows[Flow::wages_paid] += total;
        }
      });
  for_each_chunk_journaled(
      w, AgentKind::consumer, w.consumers.size(),
      [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        const Book& deposits = w.ledger.book(B.consumer_deposit);
        for (std::size_t i = begin; i < end; ++i) {
          const std::uint32_t employer = w.consumers.employer[i];
          if (employer == no_index) continue;
          const Fen pay =
              (S.payroll_bill[employer] > 0
                   ? pay_of(wage_due(w, i), S.payroll_bill[employer], S.payroll_funds[employer])
                   : 0) +
              dividend_of(owner_weight(w, i), S.payroll_owners[employer],
                          S.payroll_dividend[employer]);
          // Layoffs after pay: a firm that cannot finance its full staff lets
          // go layoff_adjustment_monthly of the share it cannot finance.
          const double layoff =
              layoff_speed * (1.0 - static_cast<double>(S.staff_financed[employer]));
          if (w.consumers.employed[i] != 0 && layoff > 0 && S.active[employer] != 0 &&
              rng::Draws(w.seed, rng::Stream::sme_layoff, w.consumers.id[i], w.step).uniform() <
                  layoff)
            w.consumers.employed[i] = 0;
          if (pay == 0) continue;
          out.journal.post({B.consumer_deposit, static_cast<std::uint32_t>(i)}, pay);
          out.journal.post_net_worth(AgentKind::consumer, static_cast<std::uint32_t>(i), pay);
          out.journal.post_clearing(deposits.issuer.of(i), pay);
          out.journal.post_money(pay);
        }
      });
  // Unemployment income, paid by the government (serial: it issues bonds to
  // each recipient's bank). Ability to pay then lasts beyond the deposit.
  const double share = w.scenario->consumers.unemployed_income_share;
  Fen benefits = 0;
  if (share > 0) {
    for (std::size_t i = 0; i < w.consumers.size(); ++i) {
      if (w.consumers.employed[i] != 0) continue;
      const Fen benefit =
          apply_rate(apply_rate(w.consumers.monthly_wage[i], w.policy.income_multiplier), share);
      if (benefit > 0) {
        w.ledger.government_pays({B.consumer_deposit, static_cast<std::uint32_t>(i)}, benefit,
                                 FlowType::social_transfers);
        benefits = checked_add(benefits, benefit);
      }
    }
    w.flows[Flow::social_transfers] = checked_add(w.flows[Flow::social_transfers], benefits);
  }
  collect_payroll_contributions(w, benefits);
}

}  // namespace pfsim::phases
