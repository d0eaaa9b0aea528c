// The platform's operating costs. On the last day of each month the platform
// pays operating_cost_ratio × (the month's revenue) to SMEs (suppliers of
// services), split equally, the remainder of the integer division going to the
// lowest-index SMEs one fen each. What it keeps is retained earnings (equity).
// A serial hub rule: one payer, deterministic order.
#include "phases/phases.hpp"

namespace pfsim::phases {

void run_platform_costs(World& w) {
  if (!is_last_day_of_month(w)) return;
  Ledger& L = w.ledger;
  const std::size_t n_smes = w.smes.size();
  for (std::size_t p = 0; p < w.platforms.size(); ++p) {
    const Fen revenue = w.platforms.revenue_this_month[p];
    w.platforms.revenue_this_month[p] = 0;
    const Account from{w.books.platform_deposit, static_cast<std::uint32_t>(p)};
    const Fen costs = std::min(apply_rate(revenue, w.scenario->platform.operating_cost_ratio),
                               L.book(from.book).balance[from.row]);
    if (costs <= 0 || n_smes == 0) continue;
    const Fen each = costs / static_cast<Fen>(n_smes);
    const Fen extra = costs % static_cast<Fen>(n_smes);
    for (std::size_t s = 0; s < n_smes; ++s) {
      const Fen amount = each + (static_cast<Fen>(s) < extra ? 1 : 0);
      if (amount == 0) continue;
      if (!L.transfer(from, Account{w.books.sme_deposit, static_cast<std::uint32_t>(s)}, amount, Flow::income))
        throw InternalError("platform costs exceed its deposit");
    }
    w.flows.platform_operating_costs = checked_add(w.flows.platform_operating_costs, costs);
  }
}

}  // namespace pfsim::phases
