// Bank capital and failure.
//  * Every day: a bank whose equity is negative, or whose overnight central-bank
//    credit exceeds the bonds it can pledge, fails. It is resolved at once: the
//    government recapitalises it to its capital requirement (a capital transfer;
//    the cost is recorded) and it keeps operating under a `failed` flag; it
//    makes no new loans for the rest of the run.
//  * On the last day of the month: risk-weighted assets = Σ risk weight ×
//    exposure (consumer loans, SME loans, bonds; reserves weigh 0); capital
//    ratio = equity / RWA; requirement = minimum + conservation buffer + tier
//    surcharge. The bank's lending room for the next month is the new
//    exposure its equity still supports at requirement + margin:
//    room = max(0, equity / (requirement + margin) − RWA) / consumer risk
//    weight, split between co-lending quota and direct lending in the ratio
//    colending_appetite : 1. The co-lending quota is also held within the
//    concentration rules (co-lent loans ≤ max_partner_share_of_tier1 × equity
//    and ≤ max_colending_share_of_loans × loans), when a shock sets them.
//  * When a shock changes a capital rule, the same review runs that day.
#include <cmath>
#include <limits>

#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"

namespace pfsim::phases {

namespace {

// Largest new co-lending (fen) the concentration rules still allow a bank with
// `colent` co-lent loans out of `loans`, and equity `equity`.
double concentration_room(const Policy& p, double colent, double loans, double equity) {
  double room = std::numeric_limits<double>::infinity();
  if (std::isfinite(p.max_partner_share_of_tier1))
    room = std::max(0.0, p.max_partner_share_of_tier1 * std::max(0.0, equity) - colent);
  const double m = p.max_colending_share_of_loans;
  // (colent + x) / (loans + x) ≤ m  ⇔  x ≤ (m·loans − colent) / (1 − m).
  if (m < 1) room = std::min(room, std::max(0.0, (m * loans - colent) / (1 - m)));
  return room;
}

}  // namespace

void run_bank_regulation(World& w) {
  const Scenario& sc = *w.scenario;
  const Policy& pol = w.policy;
  Ledger& L = w.ledger;
  BankStore& K = w.banks;
  const std::size_t n = K.size();
  std::vector<Int128> consumer(n, 0), sme(n, 0), colent(n, 0);
  const bool month_end = today(w).last_day_of_month;
  bool any_failing = false;
  for (std::uint32_t b = 0; b < n; ++b)
    any_failing |= L.net_worth(AgentKind::bank)[b] < 0 || L.balance({L.cb_loan_book, b}) > L.balance({L.bank_bond_book, b});
  const bool need_rwa = month_end || w.step == 0 || any_failing || pol.review_bank_limits;
  if (need_rwa) {
    for (const BookId b : {w.books.revolving_bank, w.books.cash_bank, w.books.consumer_bank_loan}) {
      const auto t = totals_by_holder(L.book(b), n);
      for (std::size_t k = 0; k < n; ++k) consumer[k] += t[k];
    }
    for (const BookId b : {w.books.sme_platform_bank, w.books.sme_bank_loan}) {
      const auto t = totals_by_holder(L.book(b), n);
      for (std::size_t k = 0; k < n; ++k) sme[k] += t[k];
    }
    for (const BookId b : {w.books.revolving_bank, w.books.cash_bank, w.books.sme_platform_bank}) {
      const auto t = totals_by_holder(L.book(b), n);
      for (std::size_t k = 0; k < n; ++k) colent[k] += t[k];
    }
  }
  auto risk_weighted_assets = [&](std::uint32_t b) {
    return pol.risk_weight_consumer * static_cast<double>(consumer[b]) +
           pol.risk_weight_sme * static_cast<double>(sme[b]) +
           sc.banks.risk_weight_bonds * static_cast<double>(L.balance({L.bank_bond_book, b}));
  };
  for (std::uint32_t b = 0; b < n; ++b) {
    const BankTier& tier = sc.banks.tiers[K.tier[b]];
    const double surcharge = tier.name == "state" ? pol.surcharge_state : tier.surcharge;
    const double requirement = pol.capital_minimum + pol.conservation_buffer + surcharge;
    K.capital_requirement[b] = requirement;
    const Fen equity = L.net_worth(AgentKind::bank)[b];
    const Fen bonds = L.balance({L.bank_bond_book, b});
    const bool insolvent = equity < 0;
    const bool illiquid = L.balance({L.cb_loan_book, b}) > bonds;
    if (insolvent || illiquid) {
      // Resolution: recapitalise to the requirement on its current assets.
      const Fen target = static_cast<Fen>(requirement * risk_weighted_assets(b));
      const Fen injection = std::max<Fen>(target - equity, 0) + (illiquid ? L.balance({L.cb_loan_book, b}) - bonds : 0);
      if (injection > 0) L.government_capitalises_bank(b, injection);
      K.failed[b] = 1;
      ++w.flows.bank_failures;
      w.flows.bank_resolution_cost += injection;
    }
    if (!need_rwa) continue;
    const double rwa = risk_weighted_assets(b);
    const double eq = static_cast<double>(L.net_worth(AgentKind::bank)[b]);
    K.capital_ratio[b] = rules::capital_ratio(eq, rwa);
    const double room_rwa = std::max(0.0, eq / (requirement + sc.banks.lending_margin_over_requirement) - rwa);
    const double room = K.failed[b] != 0 ? 0.0 : room_rwa / std::max(1e-9, pol.risk_weight_consumer);
    const double appetite = tier.colending_appetite;
    const double quota =
        std::min(room * appetite / (1.0 + appetite),
                 concentration_room(pol, static_cast<double>(colent[b]),
                                    static_cast<double>(consumer[b] + sme[b]), eq));
    K.colending_quota[b] = static_cast<Fen>(quota);
    K.direct_lending_room[b] = static_cast<Fen>(room / (1.0 + appetite));
  }
}

}  // namespace pfsim::phases
