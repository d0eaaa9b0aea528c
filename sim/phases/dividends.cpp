// Dividends of banks and platforms at month end (month_end.cpp calls these
// after operating costs). Their shareholders are modelled as households, each
// in proportion to its deposit: a bank pays the households that bank with it,
// a platform pays all households. Without dividends (payout 0) banks and
// platforms keep all their earnings and their capital grows year after year
// in an economy whose balance sheets do not grow (docs/model.md §7.11, §10).
//   bank b:     D_b = min(payout_b × max(0, profit_b), max(0, E_b − P_b − (k_b + buffer) × RWA_b))
//   platform p: D_p = min(payout_p × max(0, profit_p), its deposit)
// with E equity, P provisions, k the capital requirement, profit the month's
// change in equity after operating costs. Each household i gets
// ⌊deposit_i × D / Σ deposits⌋ (exact integers; the remainder stays with the payer).
#include <algorithm>
#include <span>
#include <vector>

#include "phases/chunked.hpp"
#include "phases/phases.hpp"

namespace pfsim::phases {

void pay_bank_dividends(World& w, std::span<const Fen> profit) {
  const double payout = w.scenario->banks.dividend_payout;
  if (payout <= 0) return;
  Ledger& L = w.ledger;
  const BankStore& K = w.banks;
  const std::size_t n_banks = K.size();
  // Lists kept from one month end to the next on the calling thread; the
  // workers below reach them through these references (a thread_local named
  // in the lambda would be the worker's own).
  thread_local std::vector<Fen> kept_dividend;
  thread_local std::vector<Int128> kept_held;
  std::vector<Fen>& dividend = kept_dividend;
  std::vector<Int128>& held = kept_held;
  dividend.assign(n_banks, 0);
  bool any = false;
  for (std::size_t b = 0; b < n_banks; ++b) {
    if (K.failed[b] != 0 || profit[b] <= 0) continue;
    const double equity = static_cast<double>(L.net_worth(AgentKind::bank)[b] - K.provisions[b]);
    const double floor =
        (K.capital_requirement[b] + w.scenario->banks.dividend_buffer) * K.risk_weighted_assets[b];
    const double room = std::max(0.0, equity - floor);
    dividend[b] =
        static_cast<Fen>(std::min(static_cast<double>(apply_rate(profit[b], payout)), room));
    any = any || dividend[b] > 0;
  }
  if (!any) return;
  // The households' deposits at each bank.
  const Book& deposits = L.book(w.books.consumer_deposit);
  held.assign(n_banks, 0);
  for (std::size_t i = 0; i < deposits.rows(); ++i)
    held[deposits.issuer.of(i)] += std::max<Fen>(0, deposits.balance[i]);
  const BookId book = w.books.consumer_deposit;
  for_each_chunk_journaled(
      w, AgentKind::consumer, w.consumers.size(),
      [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        const Book& d = L.book(book);
        for (std::size_t i = begin; i < end; ++i) {
          const std::uint32_t bank = d.issuer.of(i);
          if (dividend[bank] <= 0 || held[bank] <= 0 || d.balance[i] <= 0) continue;
          const auto amount = static_cast<Fen>(Int128{d.balance[i]} * dividend[bank] / held[bank]);
          ops::bank_pays(out.journal, bank, {book, static_cast<std::uint32_t>(i)}, amount,
                         FlowType::dividends);
          out.flows[Flow::dividends_banks] += amount;
        }
      });
}

void pay_platform_dividend(World& w, std::uint32_t platform, Fen profit) {
  const double payout = w.scenario->platform.dividend_payout;
  if (payout <= 0 || profit <= 0) return;
  Ledger& L = w.ledger;
  const Account from{w.books.platform_deposit, platform};
  const Fen dividend = std::min(apply_rate(profit, payout), L.balance(from));
  if (dividend <= 0) return;
  const Book& deposits = L.book(w.books.consumer_deposit);
  Int128 held = 0;
  for (const Fen d : deposits.balance) held += std::max<Fen>(0, d);
  if (held <= 0) return;
  Fen paid = 0;
  for (std::size_t i = 0; i < deposits.rows(); ++i) {
    const Fen d = deposits.balance[i];
    if (d <= 0) continue;
    const auto amount = static_cast<Fen>(Int128{d} * dividend / held);
    if (amount <= 0) continue;
    ops::transfer(L, from, {w.books.consumer_deposit, static_cast<std::uint32_t>(i)}, amount,
                  FlowType::dividends);
    paid += amount;
  }
  if (platform == 0)  // the lending platform's, as its other lines (indicators)
    w.flows[Flow::dividends_platform] = checked_add(w.flows[Flow::dividends_platform], paid);
}

}  // namespace pfsim::phases
