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
//    colending_appetite : 1.
#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"

namespace pfsim::phases {

void run_bank_regulation(World& w) {
  const Scenario& sc = *w.scenario;
  Ledger& L = w.ledger;
  BankStore& K = w.banks;
  const std::size_t n = K.size();
  std::vector<Int128> consumer(n, 0), sme(n, 0);
  const bool month_end = today(w).last_day_of_month;
  bool any_failing = false;
  for (std::uint32_t b = 0; b < n; ++b)
    any_failing |= L.net_worth(AgentKind::bank)[b] < 0 || L.balance({L.cb_loan_book, b}) > L.balance({L.bank_bond_book, b});
  const bool need_rwa = month_end || w.step == 0 || any_failing;
  if (need_rwa) {
    for (const BookId b : {w.books.revolving_bank, w.books.cash_bank, w.books.consumer_bank_loan}) {
      const auto t = totals_by_holder(L.book(b), n);
      for (std::size_t k = 0; k < n; ++k) consumer[k] += t[k];
    }
    for (const BookId b : {w.books.sme_platform_bank, w.books.sme_bank_loan}) {
      const auto t = totals_by_holder(L.book(b), n);
      for (std::size_t k = 0; k < n; ++k) sme[k] += t[k];
    }
  }
  for (std::uint32_t b = 0; b < n; ++b) {
    const BankTier& tier = sc.banks.tiers[K.tier[b]];
    const double requirement = w.policy.capital_minimum + w.policy.conservation_buffer + tier.surcharge;
    K.capital_requirement[b] = requirement;
    const Fen equity = L.net_worth(AgentKind::bank)[b];
    const Fen bonds = L.balance({L.bank_bond_book, b});
    const bool insolvent = equity < 0;
    const bool illiquid = L.balance({L.cb_loan_book, b}) > bonds;
    if (insolvent || illiquid) {
      // Resolution: recapitalise to the requirement on its current assets.
      const double rwa = sc.banks.risk_weight_consumer * static_cast<double>(consumer[b]) +
                         sc.banks.risk_weight_sme * static_cast<double>(sme[b]);
      const Fen target = static_cast<Fen>(requirement * rwa);
      const Fen injection = std::max<Fen>(target - equity, 0) + (illiquid ? L.balance({L.cb_loan_book, b}) - bonds : 0);
      if (injection > 0) L.government_capitalises_bank(b, injection);
      K.failed[b] = 1;
      ++w.flows.bank_failures;
      w.flows.bank_resolution_cost += injection;
    }
    if (!need_rwa) continue;
    const double rwa = sc.banks.risk_weight_consumer * static_cast<double>(consumer[b]) +
                       sc.banks.risk_weight_sme * static_cast<double>(sme[b]) +
                       sc.banks.risk_weight_bonds * static_cast<double>(L.balance({L.bank_bond_book, b}));
    const double eq = static_cast<double>(L.net_worth(AgentKind::bank)[b]);
    K.capital_ratio[b] = rules::capital_ratio(eq, rwa);
    const double room_rwa = std::max(0.0, eq / (requirement + sc.banks.lending_margin_over_requirement) - rwa);
    const double room = K.failed[b] != 0 ? 0.0 : room_rwa / std::max(1e-9, sc.banks.risk_weight_consumer);
    const double appetite = tier.colending_appetite;
    K.colending_quota[b] = static_cast<Fen>(room * appetite / (1.0 + appetite));
    K.direct_lending_room[b] = static_cast<Fen>(room / (1.0 + appetite));
  }
}

}  // namespace pfsim::phases
