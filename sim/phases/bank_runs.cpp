// Phase bank_runs: depositor runs (serial hub rule, every day, after the funds phase; the fund's
// own run is in funds.cpp).
//  A bank is run on when it has not failed (a resolved bank is recapitalised
//  and government-backed) and its capital ratio today is below
//  bank_runs.depositor_capital_ratio_trigger. Each consumer and SME holding a
//  deposit there moves it whole, with probability insured_share_per_day if it
//  is within the deposit insurance limit and uninsured_share_per_day above it
//  (a Philox draw keyed on the depositor's id and the day), to the healthy bank
//  with the most deposits (flight to size: not failed, capital ratio at or
//  above both run triggers). The deposit's bank column is reassigned and the
//  balance leaves through the two banks' clearing positions, which settlement
//  turns into reserves the same evening: the run is paid out of the bank's
//  reserves, and out of the central bank's standing facility when they are
//  short. Its loans stay where they are.
#include <limits>

#include "phases/phases.hpp"
#include "rng/philox.hpp"
#include "rng/streams.hpp"

namespace pfsim::phases {

double capital_ratio_today(const World& w, std::uint32_t b) {
  const double rwa = w.banks.risk_weighted_assets[b];
  if (rwa <= 0) return 1e9;
  const Fen equity = w.ledger.net_worth(AgentKind::bank)[b];
  return static_cast<double>(equity - w.banks.provisions[b]) / rwa;
}

namespace {

// Moves the deposits of `book`'s rows at a bank run on (run_on[bank] = 1) to
// `haven`, each with its day's probability; returns the amount moved, fen.
// `ids` are the depositors' ids by row (ConsecutiveIds or a vector).
template <class Ids>
Fen move_depositors(World& w, BookId book_id, const Ids& ids,
                    const std::vector<std::uint8_t>& run_on, std::uint32_t haven) {
  const BankRunParams& R = w.scenario->bank_runs;
  Ledger& L = w.ledger;
  Book& book = L.book(book_id);
  const Fen insured = yuan_to_fen(R.deposit_insurance_limit_yuan);
  Fen moved = 0;
  for (std::size_t r = 0; r < book.rows(); ++r) {
    const std::uint32_t bank = book.issuer.of(r);
    const Fen balance = book.balance[r];
    if (run_on[bank] == 0 || balance <= 0) continue;
    const double p = balance <= insured ? R.insured_share_per_day : R.uninsured_share_per_day;
    rng::Draws draws(w.seed, rng::Stream::bank_run, ids[r], w.step);
    if (!draws.bernoulli(p)) continue;
    book.issuer.column.set(r, haven);  // the deposit is now a claim on the haven ...
    L.post_clearing(bank, -balance);   // ... paid for by the run bank in reserves
    L.post_clearing(haven, balance);
    w.banks.run_outflows_today[bank] = checked_add(w.banks.run_outflows_today[bank], balance);
    moved = checked_add(moved, balance);
  }
  return moved;
}

}  // namespace

void run_bank_runs(World& w) {
  const BankRunParams& R = w.scenario->bank_runs;
  if (R.depositor_capital_ratio_trigger <= 0) return;
  const std::size_t n = w.banks.size();
  thread_local std::vector<std::uint8_t> run_on;  // kept: no allocation on an ordinary day
  run_on.assign(n, 0);
  bool any = false;
  for (std::uint32_t b = 0; b < n; ++b) {
    run_on[b] =
        w.banks.failed[b] == 0 && capital_ratio_today(w, b) < R.depositor_capital_ratio_trigger;
    any |= run_on[b] != 0;
  }
  if (!any) return;
  const double healthy = std::max(R.depositor_capital_ratio_trigger, R.fund_capital_ratio_trigger);
  const std::vector<Fen> deposits = deposits_by_bank(w);
  std::uint32_t haven = std::numeric_limits<std::uint32_t>::max();
  for (std::uint32_t b = 0; b < n; ++b)
    if (w.banks.failed[b] == 0 && capital_ratio_today(w, b) >= healthy &&
        (haven == std::numeric_limits<std::uint32_t>::max() || deposits[b] > deposits[haven]))
      haven = b;
  if (haven == std::numeric_limits<std::uint32_t>::max()) return;  // nowhere safer to go
  const Fen moved =
      checked_add(move_depositors(w, w.books.consumer_deposit, w.consumers.id, run_on, haven),
                  move_depositors(w, w.books.sme_deposit, w.smes.id, run_on, haven));
  w.flows[Flow::run_outflows_depositors] =
      checked_add(w.flows[Flow::run_outflows_depositors], moved);
}

}  // namespace pfsim::phases
