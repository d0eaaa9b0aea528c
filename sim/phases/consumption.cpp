// Consumption and payments. Each consumer has a monthly budget
//   budget = mpc_income × wage (if employed) + mpc_wealth × max(0, deposit − wage)
// (a buffer-stock rule: spend out of income, and run down wealth above one
// month's wage), spread over purchases_per_month purchases of equal size. Today
// it makes ⌊r⌋ + Bernoulli(r − ⌊r⌋) purchases, r = purchases_per_month / days in
// the month, each from a merchant drawn uniformly. A purchase goes through the
// platform when the merchant accepts it and a draw falls below the consumer's
// adoption; the platform keeps merchant_fee_rate of it. A consumer who cannot
// afford a purchase buys what its deposit allows.
//
// Parallel over consumer chunks: the payer debits its own deposit; credits to
// merchants and to the platform go through the chunk's Journal.
#include <cmath>

#include "core/date.hpp"
#include "exec/parallel.hpp"
#include "phases/phases.hpp"
#include "rng/philox.hpp"

namespace pfsim::phases {

void run_consumption(World& w) {
  const Scenario& sc = *w.scenario;
  Ledger& L = w.ledger;
  const std::size_t n = w.consumers.size();
  const std::size_t n_smes = w.smes.size();
  if (n_smes == 0) return;
  const CivilDate today = to_civil(w.today());
  const double rate = sc.consumers.purchases_per_month / days_in_month(today.year, today.month);
  const double whole = std::floor(rate);
  const double frac = rate - whole;
  const Account platform_account{w.books.platform_deposit, 0};
  const double fee_rate = w.platforms.merchant_fee_rate[0];

  struct ChunkFlows {
    Fen consumption = 0, platform_volume = 0, fees = 0;
  };
  std::vector<Journal> journals(exec::chunk_count(n));
  std::vector<ChunkFlows> flows(journals.size());
  exec::for_each_chunk(n, [&](std::size_t c, std::size_t begin, std::size_t end) {
    Journal& j = journals[c];
    j.reset(w.banks.size());
    ChunkFlows f;
    const Book& deposits = L.book(w.books.consumer_deposit);
    for (std::size_t i = begin; i < end; ++i) {
      rng::Draws draws(w.seed, rng::Stream::consumption, w.consumers.id[i], w.step);
      const int purchases = static_cast<int>(whole) + (draws.uniform() < frac ? 1 : 0);
      if (purchases == 0) continue;
      const Fen wage = w.consumers.monthly_wage[i];
      const bool employed = w.consumers.employer[i] != no_index;
      const Fen deposit = deposits.balance[i];
      const Fen budget = (employed ? apply_rate(wage, sc.consumers.mpc_income) : 0) +
                         apply_rate(deposit > wage ? deposit - wage : 0, sc.consumers.mpc_wealth_monthly);
      const Fen per_purchase = apply_rate(budget, 1.0 / sc.consumers.purchases_per_month);
      for (int k = 0; k < purchases; ++k) {
        const std::uint32_t merchant = draws.below(static_cast<std::uint32_t>(n_smes));
        const bool by_platform =
            w.smes.accepts_platform[merchant] != 0 && draws.uniform() < w.consumers.platform_adoption[i];
        const Fen available = deposits.balance[i];
        const Fen amount = per_purchase < available ? per_purchase : available;
        if (amount <= 0) break;
        j.debit_own(L, Account{w.books.consumer_deposit, static_cast<std::uint32_t>(i)}, amount, Flow::income);
        f.consumption += amount;
        if (by_platform) {
          const Fen fee = apply_rate(amount, fee_rate);
          j.credit(L, Account{w.books.sme_deposit, merchant}, amount - fee, Flow::income);
          f.platform_volume += amount;
          f.fees += fee;
        } else {
          j.credit(L, Account{w.books.sme_deposit, merchant}, amount, Flow::income);
        }
      }
    }
    if (f.fees > 0) j.credit(L, platform_account, f.fees, Flow::income);
    flows[c] = f;
  });
  merge(L, journals);
  for (const ChunkFlows& f : flows) {
    w.flows.consumption = checked_add(w.flows.consumption, f.consumption);
    w.flows.platform_payment_volume = checked_add(w.flows.platform_payment_volume, f.platform_volume);
    w.flows.platform_fee_revenue = checked_add(w.flows.platform_fee_revenue, f.fees);
  }
  w.platforms.revenue_this_month[0] = checked_add(w.platforms.revenue_this_month[0], w.flows.platform_fee_revenue);
}

}  // namespace pfsim::phases
