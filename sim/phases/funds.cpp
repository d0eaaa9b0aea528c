// The money-market fund (serial hub rule, every day).
//  1. Redemptions: a consumer's requests of the day are capped together at the
//     instant-redemption cap and at the units held; if the fund's money cannot cover them all, each
//     is filled pro rata. The fund pays out of its buffer at the custodian bank; when the buffer is
//     short it first pulls placements back from banks, pro rata to each bank's placement — so a run
//     drains banks' reserves in proportion to the fund's placements with them.
//  2. Placements: the fund keeps liquidity_ratio of its money at the custodian
//     and places the rest across banks in proportion to their deposits × their
//     tier's fund_placement_weight (smaller banks bid for negotiated deposits).
//     It places nothing at a failed bank, nor at a bank whose capital ratio
//     today is below bank_runs.fund_capital_ratio_trigger (a run: the whole
//     placement comes back the same day, paid out of the bank's reserves at
//     settlement, with the standing facility for what they lack).
//  3. Confidence: bad news lowers it (update_confidence), then it recovers by
//     confidence_recovery_daily of its gap to 1.
#include <algorithm>
#include <utility>
#include <vector>

#include "phases/phases.hpp"

namespace pfsim::phases {

namespace {

// Moves `amount` between two of the fund's accounts (at different banks).
void move_fund_money(World& w, std::uint32_t from_bank, std::uint32_t to_bank, Fen amount) {
  if (amount <= 0 || from_bank == to_bank) return;
  const BookId fd = w.books.fund_deposit;
  if (!w.ledger.transfer({fd, from_bank}, {fd, to_bank}, amount, FlowType::financial))
    throw InternalError("fund: moving more than it holds");
}

// Confidence after today's redemptions: it falls by loss_per_unpaid_share ×
// the share of today's (capped) redemptions the fund could not pay, then
// recovers by recovery_daily of its gap to 1. Other news lowers it where it
// happens (lose_confidence): platform losses at month end, fines, an IPO
// halt, an outage, a run.
void update_confidence(World& w, double unpaid_share) {
  const FundParams& F = w.scenario->fund;
  lose_confidence(w, F.confidence_loss_per_unpaid_share * unpaid_share);
  double& c = w.funds.confidence[0];
  c += F.confidence_recovery_daily * (1.0 - c);
}

}  // namespace

void lose_confidence(World& w, double loss) {
  w.funds.confidence[0] = std::clamp(w.funds.confidence[0] - loss, 0.0, 1.0);
}

void run_funds(World& w) {
  Ledger& L = w.ledger;
  const BookIds& B = w.books;
  const std::size_t n_banks = w.banks.size();
  const std::uint32_t custodian = w.funds.custodian[0];
  const Book& fund = L.book(B.fund_deposit);
  Fen total = 0;
  for (std::size_t b = 0; b < n_banks; ++b) total = checked_add(total, fund.balance[b]);

  // 1. Redemptions.
  const Fen cap = yuan_to_fen(w.policy.instant_redemption_cap_yuan);
  // A consumer may ask more than once a day (a run and a rebalancing): the cap
  // and its units bound the day's total, not each request.
  // Requests are taken consumer by consumer, each consumer's in the order
  // asked; the sums below are exact, so the order across consumers is free.
  // Lists kept from one day to the next on the calling thread (no allocation
  // in the steady-state step).
  thread_local std::vector<Fen> granted;
  thread_local std::vector<std::pair<std::uint32_t, std::uint32_t>> by_consumer;  // (consumer, k)
  const std::size_t requests = w.intents.redemptions.size();
  granted.assign(requests, 0);
  by_consumer.resize(requests);
  for (std::size_t k = 0; k < requests; ++k)
    by_consumer[k] = {w.intents.redemptions[k].consumer, static_cast<std::uint32_t>(k)};
  std::sort(by_consumer.begin(), by_consumer.end());
  Int128 asked = 0;
  Fen so_far = 0;  // granted to this consumer today
  for (std::size_t j = 0; j < requests; ++j) {
    const std::size_t k = by_consumer[j].second;
    if (j == 0 || by_consumer[j - 1].first != by_consumer[j].first) so_far = 0;
    const Redemption& r = w.intents.redemptions[k];
    const Fen held = L.balance({B.consumer_fund_units, r.consumer}) - so_far;
    granted[k] = std::max<Fen>(0, std::min({r.amount, cap - so_far, held}));
    so_far += granted[k];
    w.flows[Flow::fund_redemptions_refused] += r.amount - granted[k];
    asked += granted[k];
  }
  double unpaid_share = 0;  // of what the cap allowed, the share the fund could not pay
  if (asked > total) {      // not enough money: fill pro rata
    unpaid_share = static_cast<double>(asked - total) / static_cast<double>(asked);
    for (Fen& g : granted) {
      const Fen before = g;
      g = static_cast<Fen>(static_cast<Int128>(g) * total / asked);
      w.flows[Flow::fund_redemptions_refused] += before - g;
    }
    asked = 0;
    for (const Fen g : granted) asked += g;
  }
  const Fen buffer = fund.balance[custodian];
  if (asked > buffer) {
    const Fen need = static_cast<Fen>(asked) - buffer;
    const Fen placed = total - buffer;
    Fen pulled = 0;
    std::uint32_t largest = custodian;
    for (std::size_t b = 0; b < n_banks; ++b) {
      if (b == custodian || fund.balance[b] == 0) continue;
      if (largest == custodian || fund.balance[b] > fund.balance[largest])
        largest = static_cast<std::uint32_t>(b);
    }
    for (std::size_t b = 0; b < n_banks; ++b) {
      if (b == custodian) continue;
      const auto take = static_cast<Fen>(static_cast<Int128>(need) * fund.balance[b] / placed);
      move_fund_money(w, static_cast<std::uint32_t>(b), custodian, take);
      pulled += take;
    }
    if (pulled < need) move_fund_money(w, largest, custodian, need - pulled);  // rounding remainder
  }
  for (std::size_t k = 0; k < granted.size(); ++k) {
    const std::uint32_t c = w.intents.redemptions[k].consumer;
    if (granted[k] <= 0) continue;
    if (!ops::redeem_claim(L, {B.consumer_fund_units, c}, {B.fund_deposit, custodian},
                           {B.consumer_deposit, c}, granted[k]))
      throw InternalError("fund: cannot pay a granted redemption");
    w.flows[Flow::fund_redemptions] += granted[k];
  }

  // 2. Placements towards target.
  total = 0;
  for (std::size_t b = 0; b < n_banks; ++b) total = checked_add(total, fund.balance[b]);
  thread_local std::vector<Fen> deposits, target;
  thread_local std::vector<Int128> weight;
  thread_local std::vector<std::uint8_t> shunned, run_on;  // failed or run on today; run on
  deposits_by_bank(w, deposits);
  // Placement weights: deposits × the tier's appetite for negotiated deposits.
  weight.assign(n_banks, 0);
  Int128 weight_sum = 0;
  shunned.assign(n_banks, 0);
  run_on.assign(n_banks, 0);
  const double trigger = w.scenario->bank_runs.fund_capital_ratio_trigger;
  for (std::uint32_t b = 0; b < n_banks; ++b) {
    w.banks.run_outflows_today[b] = 0;
    run_on[b] = b != custodian && w.banks.failed[b] == 0 && trigger > 0 &&
                capital_ratio_today(w, b) < trigger;
    shunned[b] = w.banks.failed[b] != 0 || run_on[b] != 0;
  }
  for (std::size_t b = 0; b < n_banks; ++b)
    if (b != custodian && shunned[b] == 0) {
      weight[b] =
          apply_rate(deposits[b], w.scenario->banks.tiers[w.banks.tier[b]].fund_placement_weight);
      weight_sum += weight[b];
    }
  const Fen to_place = total - apply_rate(total, w.policy.fund_liquidity_ratio);
  target.assign(n_banks, 0);
  for (std::size_t b = 0; b < n_banks && weight_sum > 0; ++b)
    if (b != custodian && shunned[b] == 0)
      target[b] = static_cast<Fen>(static_cast<Int128>(to_place) * weight[b] / weight_sum);
  for (std::size_t b = 0; b < n_banks; ++b)  // pull first ...
    if (b != custodian && fund.balance[b] > target[b]) {
      const Fen pulled = fund.balance[b] - target[b];
      if (run_on[b] != 0) {
        w.banks.run_outflows_today[b] = checked_add(w.banks.run_outflows_today[b], pulled);
        w.flows[Flow::run_outflows_fund] = checked_add(w.flows[Flow::run_outflows_fund], pulled);
      }
      move_fund_money(w, static_cast<std::uint32_t>(b), custodian, pulled);
    }
  for (std::size_t b = 0; b < n_banks; ++b)  // ... then place
    if (b != custodian && fund.balance[b] < target[b])
      move_fund_money(w, custodian, static_cast<std::uint32_t>(b),
                      std::min(target[b] - fund.balance[b], fund.balance[custodian]));

  // 3. Confidence.
  update_confidence(w, unpaid_share);
}

}  // namespace pfsim::phases
