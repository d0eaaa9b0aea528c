// The lending platform's own finances (serial; called from the phases that
// need them): its bank credit facility, and its failure and resolution.
//
// Facility. When the platform's deposit cannot fund its own share of a loan
// (origination) or a fine (shocks), it draws the shortfall on a credit
// facility at its bank, as long as its debt stays within max_debt_to_capital ×
// its capital (net worth + paid-in capital; the Nov-2020 draft rules cap bank
// and shareholder loans at 1× net assets). The bank creates the deposit, so
// the draw is money creation, and the loan is in the bank's risk-weighted
// assets at the SME (corporate) weight. At each month end interest at policy +
// borrowing_spread is added to the debt and the platform repays what its cash
// allows.
//
// Failure. The platform fails when its capital turns negative, or when it
// cannot pay a fine even with the facility; this is checked before origination
// (so it lends nothing that day) and at the end of the day, before banks'
// capital is assessed (bank_regulation). Resolution, at once: its
// shareholders' paid-in capital is written off first, then the facility, until
// its net worth is back to zero (losses to creditors, recorded, and so on each
// day while its loan book runs off); an unpaid
// fine is waived. A failed platform makes no new loans, opens no credit
// lines and closes the open ones to new draws for the rest of the run; its
// payments business and its loan book run on. Confidence in its fund falls by
// confidence_loss_platform_failure.
#include <algorithm>
#include <limits>

#include "phases/phases.hpp"
#include "phases/rules.hpp"
#include "world/ledger_ops.hpp"

namespace pfsim::phases {

Fen platform_debt_room(const World& w, std::uint32_t p) {
  const Fen capital = platform_capital(w, p);
  if (capital <= 0 || w.platforms.failed[p] != 0) return 0;
  const double limit = static_cast<double>(capital) * w.scenario->platform.max_debt_to_capital;
  const Fen debt = w.ledger.balance({w.books.platform_bank_loan, p});
  return limit >= 9e18 ? std::numeric_limits<Fen>::max() - debt
                       : std::max<Fen>(0, static_cast<Fen>(limit) - debt);
}

bool platform_has_cash(World& w, std::uint32_t p, Fen amount) {
  const Account deposit{w.books.platform_deposit, p};
  const Fen shortfall = amount - w.ledger.balance(deposit);
  if (shortfall <= 0) return true;
  if (shortfall > platform_debt_room(w, p)) return false;
  return ops::lend(w.ledger, {w.books.platform_bank_loan, p}, deposit, shortfall);
}

void service_platform_debt(World& w, std::uint32_t p) {
  Ledger& L = w.ledger;
  const double rate = w.policy.policy_rate + w.scenario->platform.borrowing_spread;
  const Account debt{w.books.platform_bank_loan, p}, deposit{w.books.platform_deposit, p};
  if (L.balance(debt) <= 0) return;
  const Fen interest = rules::monthly_interest(L.balance(debt), rate);
  ops::accrue(L, debt, interest, FlowType::interest_loans);
  w.flows[Flow::platform_debt_interest] =
      checked_add(w.flows[Flow::platform_debt_interest], interest);
  const Fen repay = std::min(L.balance(debt), std::max<Fen>(0, L.balance(deposit)));
  if (!ops::repay(L, deposit, debt, repay))
    throw InternalError("platform: cannot repay its facility from its cash");
}

void resolve_platform_failure(World& w) {
  Ledger& L = w.ledger;
  const std::uint32_t p = 0;  // the lending platform
  const bool fails_today =
      w.platforms.failed[p] == 0 && (w.shocks.platform_failing || platform_capital(w, p) < 0);
  w.shocks.platform_failing = false;
  // Losses down to zero net worth fall on shareholders, then on the bank; also
  // later, while the failed platform's loan book runs off.
  Fen loss = w.platforms.failed[p] != 0 || fails_today
                 ? std::max<Fen>(0, -L.net_worth(AgentKind::platform)[p])
                 : 0;
  for (const BookId book : {L.platform_shares_book, w.books.platform_bank_loan}) {
    const Fen cut = std::min(loss, L.balance({book, p}));
    ops::write_off(L, {book, p}, cut);
    w.flows[Flow::platform_resolution_losses] += cut;
    loss -= cut;
  }
  if (!fails_today) return;
  w.platforms.failed[p] = 1;
  // Credit lines are closed to new draws; their balances are repaid as before.
  std::fill(w.consumers.revolving_limit.begin(), w.consumers.revolving_limit.end(), Fen{0});
  ++w.flows[Flow::platform_failures];
  lose_confidence(w, w.scenario->fund.confidence_loss_platform_failure);
}

}  // namespace pfsim::phases
