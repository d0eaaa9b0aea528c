// Settlement and the overnight interbank market, at the end of each day:
//  1. Yesterday's interbank loans are repaid with a day's interest at policy
//     rate + interbank.spread (through the clearing positions).
//  2. Each bank's net clearing position is settled in central-bank reserves
//     (multilateral net settlement, as in CNAPS / NetsUnion). A bank whose
//     reserves would turn negative borrows the gap overnight from the central
//     bank's standing facility.
//  3. A bank with reserves above its requirement repays such loans first.
//  4. A bank still owing the facility borrows overnight from its interbank
//     partners (interbank.topology): each partner offers interbank.lending_share
//     of its reserves above requirement; the borrower takes min(need, Σ offers),
//     from each partner in proportion to its offer, and repays the facility.
//     Banks are served in index order; the loans are repaid the next day.
//  Term interbank loans and NCDs (book bank.term_interbank_loans, the same
//  partner rows; set up when the world is built) mature every
//  interbank.term_days, row r on the days with (step + r) % term_days = 0, so
//  maturities are staggered: the borrower pays the term's interest at policy
//  rate + term_spread (step 1, through the clearing positions) and the lender
//  rolls the principal over. Overnight and term claims together are the
//  interbank exposure network.
#include <algorithm>

#include "phases/phases.hpp"

namespace pfsim::phases {

namespace {

// `amount` split over `weights` in proportion, in whole fen, never above a
// weight; the rounding remainder goes to the first rows with room.
// `parts` is resized to the weights'.
void pro_rata(Fen amount, const std::vector<Fen>& weights, std::vector<Fen>& parts) {
  Int128 total = 0;
  for (const Fen v : weights) total += v;
  parts.assign(weights.size(), 0);
  if (total <= 0 || amount <= 0) return;
  Fen given = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    parts[k] = static_cast<Fen>(static_cast<Int128>(amount) * weights[k] / total);
    given += parts[k];
  }
  for (std::size_t k = 0; k < weights.size() && given < amount; ++k) {
    const Fen extra = std::min(weights[k] - parts[k], amount - given);
    parts[k] += extra;
    given += extra;
  }
}

}  // namespace

void run_settlement(World& w) {
  Ledger& L = w.ledger;
  const Scenario& sc = *w.scenario;
  const InterbankNetwork& net = w.interbank;
  const std::size_t n = w.banks.size();

  const double daily_rate = std::max(0.0, w.policy.policy_rate + sc.interbank.spread) / 365.0;
  for (std::uint32_t row = 0; row < net.lender.size(); ++row) {
    const Fen owed = L.balance({L.interbank_book, row});
    if (owed > 0) L.interbank_repay(row, owed, apply_rate(owed, daily_rate));
  }
  const std::int64_t term = sc.interbank.term_days;
  const double term_rate = std::max(0.0, w.policy.policy_rate + sc.interbank.term_spread) *
                           static_cast<double>(term) / 365.0;
  for (std::uint32_t row = 0; row < net.lender.size(); ++row) {
    if ((w.step + static_cast<std::int64_t>(row)) % term != 0) continue;
    const Fen principal = L.balance({L.term_interbank_book, row});
    if (principal > 0) L.term_interbank_interest(row, apply_rate(principal, term_rate));
  }

  L.settle_clearing();

  // Per-bank lists kept from one day to the next on the calling thread (no
  // allocation in the steady-state step).
  thread_local std::vector<Fen> deposits, spare, offer, offers, parts;
  deposits_by_bank(w, deposits);
  spare.assign(n, 0);
  for (std::uint32_t b = 0; b < n; ++b) {
    const Fen required = apply_rate(deposits[b], w.policy.reserve_requirement);
    spare[b] = L.balance({L.reserves_book, b}) - required;
    const Fen loan = L.balance({L.cb_loan_book, b});
    if (loan > 0 && spare[b] > 0) {
      const Fen repaid = std::min(spare[b], loan);
      L.bank_repays_central_bank(b, repaid);
      spare[b] -= repaid;
    }
  }

  offer.assign(n, 0);
  for (std::uint32_t b = 0; b < n; ++b)
    offer[b] = spare[b] > 0 ? apply_rate(spare[b], sc.interbank.lending_share) : 0;
  for (std::uint32_t b = 0; b < n; ++b) {
    const Fen need = L.balance({L.cb_loan_book, b});
    if (need <= 0) continue;
    const std::uint32_t begin = net.borrow_begin[b], end = net.borrow_begin[b + 1];
    offers.clear();
    for (std::uint32_t row = begin; row < end; ++row) offers.push_back(offer[net.lender[row]]);
    Int128 available = 0;
    for (const Fen v : offers) available += v;
    const Fen borrow = static_cast<Fen>(std::min<Int128>(need, available));
    if (borrow <= 0) continue;
    pro_rata(borrow, offers, parts);
    for (std::uint32_t row = begin; row < end; ++row) {
      const Fen part = parts[row - begin];
      if (part == 0) continue;
      L.interbank_lend(row, part);
      offer[net.lender[row]] -= part;
    }
    L.bank_repays_central_bank(b, borrow);
  }
}

}  // namespace pfsim::phases
