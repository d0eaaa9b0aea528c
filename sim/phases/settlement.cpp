// Settlement. At the end of the day each bank's net clearing position is
// settled in central-bank reserves (multilateral net settlement, as in CNAPS /
// NetsUnion). A bank whose reserves would turn negative borrows the gap
// overnight from the central bank; a bank with reserves above its requirement
// repays such loans first.
#include "phases/phases.hpp"

namespace pfsim::phases {

void run_settlement(World& w) {
  Ledger& L = w.ledger;
  L.settle_clearing();
  const std::vector<Fen> deposits = deposits_by_bank(w);
  const Book& reserves = L.book(L.reserves_book);
  const Book& loans = L.book(L.cb_loan_book);
  for (std::size_t b = 0; b < w.banks.size(); ++b) {
    if (loans.balance[b] == 0) continue;
    const Fen required = apply_rate(deposits[b], w.scenario->central_bank.reserve_requirement);
    const Fen spare = reserves.balance[b] - required;
    if (spare <= 0) continue;
    const Fen repay = std::min(spare, loans.balance[b]);
    L.bank_repays_central_bank(static_cast<std::uint32_t>(b), repay);
  }
}

}  // namespace pfsim::phases
