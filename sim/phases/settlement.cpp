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
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
    const Fen loan = L.balance({L.cb_loan_book, b});
    if (loan == 0) continue;
    const Fen required = apply_rate(deposits[b], w.policy.reserve_requirement);
    const Fen spare = L.balance({L.reserves_book, b}) - required;
    if (spare > 0) L.bank_repays_central_bank(b, std::min(spare, loan));
  }
}

}  // namespace pfsim::phases
