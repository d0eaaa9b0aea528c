// Month end (the last day of each month), in this order:
//  1. Interest: banks pay the deposit rate max(0, policy − deposit_markdown) on
//     every deposit, and the placement rate policy − placement_markdown on the
//     fund's placements; the central bank pays interest on reserves; the
//     government pays the bond coupon; banks pay policy + standing-facility
//     spread on overnight central-bank credit. All at annual rate / 12.
//  2. The fund pays the platform its fee (fund_fee_rate / 12 of its assets);
//     wallet users pay wealth_fee_rate / 12 of their units for the other wealth
//     products the platform distributes; then the fund distributes its whole net
//     income to unit holders as new units (a stable-NAV money-market fund); the
//     rate it paid is its yield.
//  3. Banks pay operating costs of cost_to_income × the month's income to SMEs.
//  4. The platform pays operating_cost_ratio × the month's revenue to SMEs and
//     services its bank facility (platform_finance.cpp); its profit, revenue
//     lines and valuation (multiple × trailing-year profit × fund confidence)
//     are booked; a loss lowers fund confidence; it pays dividends
//     (platform.dividend_payout; dividends.cpp).
//  5. SMEs' sales roll over into last month's sales.
#include <algorithm>
#include <optional>
#include <span>

#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"
#include "rng/philox.hpp"
#include "world/merchant_choice.hpp"

namespace pfsim::phases {

namespace {

// Operating costs paid to the active SMEs: each payer pays its `total` in equal
// parts, the remainder one fen each to the lowest active slots. A payer is a
// bank (the payment creates money) or a payment account (the platform's
// deposit).
struct CostPayer {
  Fen total = 0;
  std::uint32_t bank = 0;  // the paying bank, or the bank behind `from`
  std::optional<Account> from;
};

// One parallel pass over the SMEs for every payer at once. The k-th active SME
// receives Σ_payer ⌊total/n⌋ + [k < total mod n]; its deposit and net worth are
// its own chunk's rows, and each chunk posts each payer's side (its total paid
// to the chunk's SMEs) once: every balance, clearing position, net worth, flow
// and money counter is the same integer sum as one posting per payer and SME.
void spread_over_smes(World& w, std::span<const CostPayer> payers) {
  const SmeStore& S = w.smes;
  const std::size_t chunks = exec::chunk_count(S.size());
  // The number of active SMEs before each chunk.
  // Kept from one month end to the next on the calling thread; the workers
  // reach it through the reference (a thread_local named in the lambda would
  // be the worker's own).
  thread_local std::vector<std::uint32_t> kept;
  std::vector<std::uint32_t>& rank_before = kept;
  rank_before.assign(chunks + 1, 0);
  exec::for_each_chunk(S.size(), [&](std::size_t c, std::size_t begin, std::size_t end) {
    std::uint32_t count = 0;
    for (std::size_t s = begin; s < end; ++s) count += S.active[s] != 0 ? 1U : 0U;
    rank_before[c + 1] = count;
  });
  for (std::size_t c = 0; c < chunks; ++c) rank_before[c + 1] += rank_before[c];
  const Fen n = rank_before[chunks];
  if (n == 0) return;
  const BookIds& B = w.books;
  for_each_chunk_journaled(
      w, AgentKind::sme, S.size(), [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        Journal& j = out.journal;
        const Book& deposits = j.book(B.sme_deposit);
        const Fen first_rank = rank_before[begin / exec::chunk_size];
        const Fen count = rank_before[begin / exec::chunk_size + 1] - first_rank;
        if (count == 0) return;
        Fen paid_to_chunk = 0;
        for (const CostPayer& payer : payers) {
          if (payer.total <= 0) continue;
          // Ranks [first_rank, first_rank + count) get total / n, and one fen
          // more each below total % n.
          const Fen extra = std::clamp<Fen>(payer.total % n - first_rank, 0, count);
          const Fen paid = checked_add((payer.total / n) * count, extra);
          if (paid == 0) continue;
          paid_to_chunk = checked_add(paid_to_chunk, paid);
          j.post_clearing(payer.bank, -paid);
          if (payer.from) {
            const Book& fb = j.book(payer.from->book);
            j.post(*payer.from, -paid);
            j.post_net_worth(fb.holder_kind, fb.holder.of(payer.from->row), -paid);
            j.post_flow(FlowType::operating_costs, fb.holder_kind, AgentKind::sme, paid);
          } else {
            j.post_money(paid);
            j.post_net_worth(AgentKind::bank, payer.bank, -paid);
            j.post_flow(FlowType::operating_costs, AgentKind::bank, AgentKind::sme, paid);
          }
        }
        if (paid_to_chunk == 0) return;
        Fen rank = first_rank;
        for (std::size_t s = begin; s < end; ++s) {
          if (S.active[s] == 0) continue;
          Fen amount = 0;
          for (const CostPayer& payer : payers)
            if (payer.total > 0) amount += payer.total / n + (rank < payer.total % n ? 1 : 0);
          ++rank;
          if (amount == 0) continue;
          const auto row = static_cast<std::uint32_t>(s);
          j.post({B.sme_deposit, row}, amount);
          j.post_net_worth(AgentKind::sme, row, amount);
          j.post_clearing(deposits.issuer.of(row), amount);
        }
      });
}

}  // namespace

namespace {

double earnings_over_known_months(const World& w, std::uint32_t p, std::int64_t months_known) {
  const std::int64_t months = std::clamp<std::int64_t>(months_known, 1, 12);
  Int128 earnings = 0;
  for (std::size_t k = 0; k < 12; ++k)
    earnings += w.platforms.profit_history[std::size_t{12} * p + k];
  return static_cast<double>(earnings) * 12.0 / static_cast<double>(months);
}

}  // namespace

double trailing_annual_earnings(const World& w, std::uint32_t p) {
  return earnings_over_known_months(w, p, w.platforms.months_recorded);
}

void run_month_end(World& w) {
  if (!today(w).last_day_of_month) return;
  const Scenario& sc = *w.scenario;
  Ledger& L = w.ledger;
  const BookIds& B = w.books;
  const double deposit_rate = std::max(0.0, w.policy.policy_rate - sc.banks.deposit_markdown);
  const double placement_rate = std::max(0.0, w.policy.policy_rate - sc.fund.placement_markdown);

  // 1. Interest.
  for (const auto& [book, kind, rows] :
       {std::tuple{B.consumer_deposit, AgentKind::consumer, w.consumers.size()},
        std::tuple{B.sme_deposit, AgentKind::sme, w.smes.size()}}) {
    for_each_chunk_journaled(
        w, kind, rows, [&, book = book](ChunkOutput& out, std::size_t begin, std::size_t end) {
          const Book& b = L.book(book);
          for (std::size_t r = begin; r < end; ++r) {
            const Fen interest = rules::monthly_interest(b.balance[r], deposit_rate);
            ops::bank_pays(out.journal, b.issuer.of(r), {book, static_cast<std::uint32_t>(r)},
                           interest, FlowType::interest_deposits);
          }
        });
  }
  for (std::uint32_t p = 0; p < w.platforms.size(); ++p) {
    const Account a{B.platform_deposit, p};
    const Fen interest = rules::monthly_interest(L.balance(a), deposit_rate);
    ops::bank_pays(L, L.book(a.book).issuer.of(p), a, interest, FlowType::interest_deposits);
    if (p == 0)
      w.flows[Flow::platform_deposit_interest] =
          checked_add(w.flows[Flow::platform_deposit_interest], interest);
  }
  const std::uint32_t custodian = w.funds.custodian[0];
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
    const Account a{B.fund_deposit, b};
    const double rate = b == custodian ? deposit_rate : placement_rate;
    ops::bank_pays(L, b, a, rules::monthly_interest(L.balance(a), rate),
                   FlowType::interest_deposits);
    ops::accrue(
        L, {L.reserves_book, b},
        rules::monthly_interest(L.balance({L.reserves_book, b}), w.policy.interest_on_reserves),
        FlowType::interest_reserves);
    ops::accrue(
        L, {L.bank_bond_book, b},
        rules::monthly_interest(L.balance({L.bank_bond_book, b}), sc.central_bank.bond_rate),
        FlowType::interest_bonds);
    ops::accrue(
        L, {L.cb_loan_book, b},
        rules::monthly_interest(L.balance({L.cb_loan_book, b}),
                                w.policy.policy_rate + sc.central_bank.standing_facility_spread),
        FlowType::interest_central_bank);
  }
  ops::accrue(L, {L.cb_bond_book, 0},
              rules::monthly_interest(L.balance({L.cb_bond_book, 0}), sc.central_bank.bond_rate),
              FlowType::interest_bonds);

  // 2. The fund: fee, then yield.
  {
    Int128 units = book_total(L.book(B.consumer_fund_units));
    const Fen fee =
        std::min(rules::monthly_interest(static_cast<Fen>(units), sc.platform.fund_fee_rate),
                 L.balance({B.fund_deposit, custodian}));
    ops::transfer(L, {B.fund_deposit, custodian}, {B.platform_deposit, 0}, fee,
                  FlowType::fund_fees);
    w.platforms.revenue_investment_month[0] =
        checked_add(w.platforms.revenue_investment_month[0], fee);
    // Wallet users pay fees on the other wealth products they hold through the
    // platform, in proportion to their fund units (paid if their deposit allows).
    const double wealth_fee = sc.platform.wealth_fee_rate;
    Fen wealth_fees = 0;
    if (wealth_fee > 0) {
      // Kept, and reached by the workers through the reference (as above).
      thread_local std::vector<Fen> kept_fees;
      std::vector<Fen>& chunk_fees = kept_fees;
      chunk_fees.assign(exec::chunk_count(w.consumers.size()), 0);
      for_each_chunk_journaled(
          w, AgentKind::consumer, w.consumers.size(),
          [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
            Fen sum = 0;
            for (std::size_t r = begin; r < end; ++r) {
              const auto c = static_cast<std::uint32_t>(r);
              const Fen fee = rules::monthly_interest(
                  out.journal.balance({B.consumer_fund_units, c}), wealth_fee);
              if (fee > 0 && ops::transfer(out.journal, {B.consumer_deposit, c},
                                           {B.platform_deposit, 0}, fee, FlowType::fund_fees))
                sum += fee;
            }
            chunk_fees[begin / exec::chunk_size] = sum;
          });
      for (const Fen f : chunk_fees) wealth_fees = checked_add(wealth_fees, f);
    }
    w.platforms.revenue_investment_month[0] =
        checked_add(w.platforms.revenue_investment_month[0], wealth_fees);
    const Fen income = L.net_worth(AgentKind::fund)[0];
    const double rate =
        units > 0 && income > 0 ? static_cast<double>(income) / static_cast<double>(units) : 0.0;
    w.funds.yield_annual[0] = rate * 12.0;
    if (rate > 0) {
      for_each_chunk_journaled(
          w, AgentKind::consumer, w.consumers.size(),
          [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
            for (std::size_t r = begin; r < end; ++r) {
              const Account a{B.consumer_fund_units, static_cast<std::uint32_t>(r)};
              ops::accrue(out.journal, a, apply_rate(out.journal.balance(a), rate),
                          FlowType::fund_yield);
            }
          });
    }
  }

  // 3. Banks' operating costs, then dividends (dividends.cpp). A bank's
  // payments change no other bank's net worth (the receiving bank gains a
  // clearing claim and owes the deposit), so every bank's costs are known
  // before any is paid.
  {
    thread_local std::vector<CostPayer> payers;  // kept: no allocation at month ends
    thread_local std::vector<Fen> bank_profit;
    payers.assign(w.banks.size(), CostPayer{});
    bank_profit.assign(w.banks.size(), 0);
    for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
      const Fen income = L.net_worth(AgentKind::bank)[b] - w.banks.equity_month_start[b];
      payers[b].total = apply_rate(std::max<Fen>(0, income), sc.banks.cost_to_income);
      payers[b].bank = b;
      bank_profit[b] = income - payers[b].total;
    }
    spread_over_smes(w, payers);
    pay_bank_dividends(w, bank_profit);
    for (std::uint32_t b = 0; b < w.banks.size(); ++b)
      w.banks.equity_month_start[b] = L.net_worth(AgentKind::bank)[b];
  }

  // 4. Platforms.
  PlatformStore& P = w.platforms;
  for (std::uint32_t p = 0; p < P.size(); ++p) {
    const Fen revenue =
        P.revenue_payments_month[p] + P.revenue_credit_month[p] + P.revenue_investment_month[p];
    const Account a{B.platform_deposit, p};
    const Fen costs = std::min(apply_rate(revenue, sc.platform.operating_cost_ratio), L.balance(a));
    const CostPayer payer{costs, L.book(a.book).issuer.of(a.row), a};
    spread_over_smes(w, std::span<const CostPayer>(&payer, 1));
    if (p == 0)
      w.flows[Flow::platform_operating_costs] =
          checked_add(w.flows[Flow::platform_operating_costs], costs);
    service_platform_debt(w, p);  // interest on its bank facility, repaid from what is left
    const Fen equity = L.net_worth(AgentKind::platform)[p];
    // Profit: the change in equity less outside capital raised (not earned).
    P.profit_last_month[p] = equity - P.equity_month_start[p] - P.capital_raised_month[p];
    P.capital_raised_month[p] = 0;
    // A loss at the lending platform is bad news for its fund (fines were
    // news on the day they were paid).
    const Fen loss = -checked_add(P.profit_last_month[p], P.fines_month[p]);
    if (P.lends[p] != 0 && loss > 0 && P.equity_month_start[p] > 0)
      lose_confidence(w, sc.fund.confidence_loss_per_equity_lost * static_cast<double>(loss) /
                             static_cast<double>(P.equity_month_start[p]));
    P.fines_month[p] = 0;
    pay_platform_dividend(w, p, P.profit_last_month[p]);
    P.equity_month_start[p] = L.net_worth(AgentKind::platform)[p];
    // Valuation on trailing-year earnings (annualised while fewer than 12
    // months are known), so a one-off loss moves it by its size, not ×12.
    const std::size_t slot = std::size_t{12} * p + static_cast<std::size_t>(P.months_recorded % 12);
    P.profit_history[slot] = P.profit_last_month[p];
    // After an IPO the market's multiple at listing replaces the scenario's.
    const double multiple = p == 0 && w.shocks.ipo_valuation_multiple > 0
                                ? w.shocks.ipo_valuation_multiple
                                : sc.platform.valuation_multiple;
    P.valuation[p] = multiple *
                     std::max(0.0, earnings_over_known_months(w, p, P.months_recorded + 1)) *
                     w.funds.confidence[0];
    P.revenue_payments_month[p] = 0;
    P.revenue_credit_month[p] = 0;
    P.revenue_investment_month[p] = 0;
    P.credit_losses_month[p] = 0;
  }

  ++P.months_recorded;

  // 5. Sales and spending roll over; firms' demand factors take their monthly
  // step and the merchant tables follow them.
  SmeStore& S = w.smes;
  exec::for_each_index(S.size(), [&](std::size_t s) {
    S.sales_last_month[s] = S.sales_this_month[s];
    S.sales_this_month[s] = 0;
    if (S.active[s] == 0) return;
    rng::Draws draws(w.seed, rng::Stream::sme_demand, S.id[s], w.step);
    S.demand_factor[s] = next_demand_factor(sc.smes, S.demand_factor[s], draws.normal());
  });
  if (sc.smes.demand_volatility_monthly > 0) rebuild_merchant_tables(w);
  ConsumerStore& C = w.consumers;
  exec::for_each_index(C.size(), [&](std::size_t c) {
    C.spending_last_month[c] = C.spending_this_month[c];
    C.spending_this_month[c] = 0;
  });
}

}  // namespace pfsim::phases
