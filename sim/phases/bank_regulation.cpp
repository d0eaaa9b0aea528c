// Bank capital and failure.
//  * Every day: a bank whose equity is negative, or whose overnight central-bank
//    credit exceeds the bonds it can pledge, fails. Its interbank creditors
//    (overnight and term claims) then take losses the same day, by
//    interbank.contagion: furfine (lgd × their claims, in rounds: a creditor
//    whose equity turns negative fails in the next round, until no new bank
//    fails or max_rounds), eisenberg_noe / rogers_veraart (the clearing's
//    shortfall, pro rata), or none. Every failing bank is resolved at once: the
//    government recapitalises it to its capital requirement (a capital transfer;
//    the cost is recorded) and it keeps operating under a `failed` flag; it
//    makes no new loans for the rest of the run.
//  * On the last day of the month: risk-weighted assets = Σ risk weight ×
//    exposure (consumer loans, SME loans, bonds; reserves weigh 0); specific
//    provisions = lgd × bank-held loans 90+ days past due; capital ratio =
//    (equity − provisions) / RWA; requirement = minimum + conservation buffer + tier
//    surcharge. The bank's lending room for the next month is the new
//    exposure its equity still supports at requirement + margin:
//    room = max(0, equity / (requirement + margin) − RWA) / consumer risk
//    weight, split between co-lending quota and direct lending in the ratio
//    colending_appetite : 1. The co-lending quota is also held within the
//    concentration rules (co-lent loans ≤ max_partner_share_of_tier1 × equity
//    and ≤ max_colending_share_of_loans × loans), when a shock sets them.
//  * When a shock changes a capital rule, the same review runs that day.
#include <algorithm>
#include <cmath>
#include <limits>

#include "contagion/debtrank.hpp"
#include "contagion/eisenberg_noe.hpp"
#include "contagion/fire_sale.hpp"
#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"
#include "world/ledger_ops.hpp"

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

// The clearing of today's interbank network (overnight and term claims; the
// rest of each balance sheet as external assets and liabilities,
// queries.hpp): Eisenberg-Noe, or Rogers-Veraart when chosen.
contagion::ClearingResult clear_interbank(const World& w, const contagion::SparseMatrix& L) {
  const ExternalBalanceSheet ext = interbank_external(w, L);
  const auto& ib = w.scenario->interbank;
  if (ib.contagion == "rogers_veraart")
    return contagion::rogers_veraart(L, ext.assets, ext.liabilities, {ib.rv_alpha, ib.rv_beta});
  return contagion::eisenberg_noe(L, ext.assets, ext.liabilities);
}

// What the interbank creditors of debtor i do not receive under clearing `r`:
// its interbank debt × (1 − p_i / p̄_i) (external creditors rank pari passu).
double interbank_shortfall(const contagion::SparseMatrix& L, const contagion::ClearingResult& r,
                           const ExternalBalanceSheet& ext, std::size_t i) {
  const double owed = L.row_sum(i);
  const double total = owed + ext.liabilities[i];
  if (owed <= 0 || total <= 0) return 0;
  return owed * std::clamp(1.0 - r.payments[i] / total, 0.0, 1.0);
}

// Σ of the interbank shortfalls of today's clearing (Eisenberg-Noe, or
// Rogers-Veraart when chosen), fen: an indicator on every failure day. Keeps
// the clearing's inputs for the day's /networks snapshot.
double clearing_loss(World& w) {
  const contagion::SparseMatrix L = interbank_liabilities(w);
  World::ClearingInputs& in = w.clearing_inputs;
  in = World::ClearingInputs{};
  in.today = true;
  for (std::uint32_t i = 0; i < w.banks.size(); ++i)
    for (std::size_t k = L.row_start[i]; k < L.row_start[i + 1]; ++k) {
      in.debtor.push_back(i);
      in.creditor.push_back(static_cast<std::uint32_t>(L.col[k]));
      in.owed_fen.push_back(L.value[k]);
    }
  const ExternalBalanceSheet inputs = interbank_external(w, L);
  in.external_assets_fen = inputs.assets;
  in.external_liabilities_fen = inputs.liabilities;
  if (L.nnz() == 0) return 0;
  const contagion::ClearingResult r = clear_interbank(w, L);
  const ExternalBalanceSheet ext = interbank_external(w, L);
  double loss = 0;
  for (std::size_t i = 0; i < w.banks.size(); ++i) loss += interbank_shortfall(L, r, ext, i);
  return loss;
}

// Writes `loss` off the creditor's claims on row `row` (overnight first, then
// term) and counts it as an interbank contagion loss.
void write_off_interbank(World& w, std::uint32_t row, Fen loss) {
  Ledger& L = w.ledger;
  for (const BookId book : {L.interbank_book, L.term_interbank_book}) {
    const Fen cut = std::min(loss, L.balance({book, row}));
    if (cut <= 0) continue;
    ops::write_off(L, Account{book, row}, cut);
    loss -= cut;
    w.flows[Flow::contagion_interbank_losses] =
        checked_add(w.flows[Flow::contagion_interbank_losses], cut);
  }
}

Fen interbank_claim(const World& w, std::uint32_t row) {
  const Ledger& L = w.ledger;
  return checked_add(L.balance({L.interbank_book, row}), L.balance({L.term_interbank_book, row}));
}

void count_round(World& w, std::int64_t round, std::size_t defaults) {
  const auto slot =
      static_cast<std::size_t>(std::min<std::int64_t>(round, contagion_round_slots - 1));
  w.flows[flow_at(Flow::contagion_defaults_round_0, slot)] += static_cast<std::int64_t>(defaults);
  if (defaults > 0 && round > 0)
    w.flows[Flow::contagion_rounds] = std::max(w.flows[Flow::contagion_rounds], round);
}

// Furfine (2003) rounds inside the step: every bank failing in round r makes
// its interbank creditors write off lgd × their claims on it (overnight and
// term); a creditor whose equity turns negative fails in round r + 1.
std::vector<std::uint8_t> furfine_rounds(World& w, std::vector<std::uint8_t> failing,
                                         std::vector<std::uint32_t> wave) {
  const Scenario& sc = *w.scenario;
  const std::size_t n = failing.size();
  for (std::int64_t round = 1; round <= sc.interbank.max_rounds && !wave.empty(); ++round) {
    for (const std::uint32_t f : wave)
      for (std::uint32_t row = w.interbank.borrow_begin[f]; row < w.interbank.borrow_begin[f + 1];
           ++row)
        write_off_interbank(w, row, apply_rate(interbank_claim(w, row), sc.interbank.lgd));
    wave.clear();
    for (std::uint32_t b = 0; b < n; ++b)
      if (failing[b] == 0 && w.ledger.net_worth(AgentKind::bank)[b] < 0) {
        failing[b] = 1;
        wave.push_back(b);
      }
    count_round(w, round, wave.size());
  }
  return failing;
}

// Clearing inside the step (Eisenberg & Noe 2001, or Rogers & Veraart 2013
// with bankruptcy costs): the clearing of today's interbank network, on the
// same inputs `pfsim contagion eisenberg_noe` reads from the day's /networks
// snapshot, fixes what each debtor pays; its creditors write off the shortfall
// p̄_i − p_i pro rata to their claims, the same day. A bank whose equity turns
// negative fails. The clearing is simultaneous; defaults are still counted by
// round, in the order the losses reach them: round k holds the banks whose
// losses from debtors failed in rounds < k already exceed their equity (any
// left over, failing only jointly through a cycle, are counted in the last
// round + 1).
std::vector<std::uint8_t> clearing_rounds(World& w, std::vector<std::uint8_t> failing) {
  const Scenario& sc = *w.scenario;
  const std::size_t n = failing.size();
  const contagion::SparseMatrix Lm = interbank_liabilities(w);
  if (Lm.nnz() == 0) return failing;
  const contagion::ClearingResult r = clear_interbank(w, Lm);
  const ExternalBalanceSheet ext = interbank_external(w, Lm);
  const std::vector<Fen> equity_before(w.ledger.net_worth(AgentKind::bank).begin(),
                                       w.ledger.net_worth(AgentKind::bank).end());
  // Each row's loss: the debtor's shortfall shared pro rata (what i owes j / p̄_i).
  std::vector<Fen> row_loss(w.interbank.lender.size(), 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    const double owed = Lm.row_sum(i);
    const double shortfall = interbank_shortfall(Lm, r, ext, i);
    if (owed <= 0 || shortfall <= 0) continue;
    for (std::uint32_t row = w.interbank.borrow_begin[i]; row < w.interbank.borrow_begin[i + 1];
         ++row) {
      const Fen claim = interbank_claim(w, row);
      row_loss[row] = std::min(
          claim, static_cast<Fen>(std::llround(static_cast<double>(claim) * shortfall / owed)));
    }
  }
  for (std::uint32_t row = 0; row < row_loss.size(); ++row)
    if (row_loss[row] > 0) write_off_interbank(w, row, row_loss[row]);
  // Defaults by round, in the order the losses reach the creditors.
  // The clearing's defaulters fail (under Rogers-Veraart a defaulter's own
  // written-off debt includes its bankruptcy costs, so its book equity after
  // the write-offs need not be negative), and so does any bank left insolvent.
  std::vector<std::uint8_t> now_failing(n, 0);
  for (const std::size_t b : r.defaulted) now_failing[b] = 1;
  for (std::uint32_t b = 0; b < n; ++b)
    if (w.ledger.net_worth(AgentKind::bank)[b] < 0) now_failing[b] = 1;
  for (std::uint32_t b = 0; b < n; ++b)
    if (failing[b] != 0) now_failing[b] = 0;
  std::vector<std::uint8_t> down = failing;
  std::vector<Int128> loss(n, 0);
  std::vector<std::uint32_t> wave;
  for (std::uint32_t b = 0; b < n; ++b)
    if (failing[b] != 0) wave.push_back(b);
  std::int64_t round = 0;
  std::size_t counted = 0, expected = 0;
  for (const std::uint8_t f : now_failing) expected += f;
  while (!wave.empty() && round < sc.interbank.max_rounds) {
    ++round;
    for (const std::uint32_t f : wave)
      for (std::uint32_t row = w.interbank.borrow_begin[f]; row < w.interbank.borrow_begin[f + 1];
           ++row)
        loss[w.interbank.lender[row]] += row_loss[row];
    wave.clear();
    for (std::uint32_t b = 0; b < n; ++b)
      if (now_failing[b] != 0 && down[b] == 0 && loss[b] >= equity_before[b]) {
        down[b] = 1;
        wave.push_back(b);
      }
    count_round(w, round, wave.size());
    counted += wave.size();
  }
  if (counted < expected) count_round(w, round + 1, expected - counted);
  for (std::uint32_t b = 0; b < n; ++b)
    if (now_failing[b] != 0) failing[b] = 1;
  return failing;
}

std::vector<std::uint8_t> propagate_failures(World& w, std::vector<std::uint8_t> failing) {
  std::vector<std::uint32_t> wave;
  for (std::uint32_t b = 0; b < failing.size(); ++b)
    if (failing[b] != 0) wave.push_back(b);
  count_round(w, 0, wave.size());
  const std::string& mode = w.scenario->interbank.contagion;
  if (mode == "furfine") return furfine_rounds(w, std::move(failing), std::move(wave));
  if (mode == "eisenberg_noe" || mode == "rogers_veraart")
    return clearing_rounds(w, std::move(failing));
  return failing;
}

// Capital requirement of bank b: minimum + conservation buffer + tier surcharge.
double capital_requirement(const World& w, std::uint32_t b) {
  const Policy& pol = w.policy;
  const BankTier& tier = w.scenario->banks.tiers[w.banks.tier[b]];
  const double surcharge = tier.name == "state" ? pol.surcharge_state : tier.surcharge;
  return pol.capital_minimum + pol.conservation_buffer + surcharge;
}

// Marks every bank's bonds from the price `before` to `after` (a revaluation,
// never drift: the ledger records it as a holding gain or loss); returns Σ
// of the revaluations, fen.
Fen mark_bonds(World& w, double before, double after) {
  Ledger& L = w.ledger;
  Fen total = 0;
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
    const Fen held = L.balance({L.bank_bond_book, b});
    const Fen delta =
        static_cast<Fen>(std::llround(static_cast<double>(held) * (after / before))) - held;
    L.revalue_bonds(b, delta);
    total = checked_add(total, delta);
  }
  return total;
}

// A quiet day: the bond price recovers `recovery_per_day` of its gap to par
// (within 1e-6 of par it is par again) and every holder is marked up.
void recover_bond_price(World& w) {
  const double before = w.bond_market.price;
  if (before >= 1) return;
  double after = before + w.scenario->fire_sales.recovery_per_day * (1 - before);
  if (1 - after < 1e-6) after = 1;
  if (after == before) return;
  w.flows[Flow::bond_revaluation_gains] =
      checked_add(w.flows[Flow::bond_revaluation_gains], mark_bonds(w, before, after));
  w.bond_market.price = after;
}

// The equity below which bank b sells bonds (fen): what its capital
// requirement needs (requirement × RWA + provisions), but no more than
// (1 − equity_loss_trigger) × its equity at the start of the month — a bank
// that has long operated below its requirement (as the classroom's do) sells
// only when it is also losing capital fast.
double equity_floor(const World& w, std::uint32_t b) {
  const BankStore& K = w.banks;
  const double requirement =
      capital_requirement(w, b) * K.risk_weighted_assets[b] + static_cast<double>(K.provisions[b]);
  const double falling = (1 - w.scenario->fire_sales.equity_loss_trigger) *
                         static_cast<double>(std::max<Fen>(0, K.equity_month_start[b]));
  return std::min(requirement, falling);
}

// Fire sales inside the step (contagion::fire_sale, one asset: the banks'
// bonds). Each bank targets the leverage A / floor of a bank whose equity is
// at its floor (equity_floor; Greenwood, Landier & Thesmar 2015 with a
// regulatory target): a bank whose equity is below the floor sells bonds and repays debt until it
// is back at that leverage, a bank with negative equity sells them all (Cifuentes, Ferrucci & Shin
// 2005), the rest sell nothing. A bank failing today is not among the sellers: resolution
// recapitalises it instead. The price falls with the share of the banks' bonds sold, in rounds,
// until no bank sells. In the ledger the bonds sold go to the central bank's book at the sale price
// (it stands for the outside buyers; the proceeds arrive as reserves and first repay the bank's
// central-bank credit), and every bank's remaining bonds are marked to the final price. Returns the
// banks the marking made insolvent.
std::vector<std::uint32_t> fire_sales(World& w, std::vector<std::uint8_t>& failing) {
  const Scenario& sc = *w.scenario;
  const FireSaleParams& fs = sc.fire_sales;
  std::vector<std::uint32_t> insolvent;
  if (fs.impact == "none") return insolvent;
  Ledger& L = w.ledger;
  BankStore& K = w.banks;
  const std::size_t n = K.size();
  const auto& equity = L.net_worth(AgentKind::bank);
  bool anyone_sells = false;
  for (std::uint32_t b = 0; b < n; ++b)
    anyone_sells |= failing[b] == 0 && static_cast<double>(equity[b]) < equity_floor(w, b);
  if (!anyone_sells) {
    recover_bond_price(w);
    return insolvent;
  }
  std::vector<double> target(n, std::numeric_limits<double>::max());
  const double price = w.bond_market.price;
  const std::vector<Int128> assets = bank_total_assets(w);
  contagion::FireSaleInput in;
  in.prices = {price};
  in.impact_function =
      fs.impact == "linear" ? contagion::PriceImpact::linear : contagion::PriceImpact::exponential;
  in.max_rounds = static_cast<int>(sc.interbank.max_rounds);
  double units_held = 0;
  for (std::uint32_t b = 0; b < n; ++b) {
    const double bonds = static_cast<double>(L.balance({L.bank_bond_book, b}));
    const double a = static_cast<double>(assets[b]);
    in.holdings.push_back({bonds / price});
    units_held += bonds / price;
    in.cash.push_back(std::max(0.0, a - bonds));
    in.debt.push_back(std::max(0.0, a - static_cast<double>(equity[b])));
    const double floor_fen = equity_floor(w, b);
    if (failing[b] == 0 && floor_fen > 0) target[b] = std::max(1.0, a / floor_fen);
  }
  if (units_held <= 0) return insolvent;
  in.target_leverage = target;
  in.price_impact = {fs.price_impact / units_held};  // per unit: λ × share of holdings sold
  const contagion::FireSaleResult r = contagion::fire_sale(in);
  if (r.rounds == 0) {
    recover_bond_price(w);
    return insolvent;
  }
  const double after = r.price_path.back()[0];
  for (std::uint32_t b = 0; b < n; ++b) {
    const Fen held = L.balance({L.bank_bond_book, b});
    const double value_after = r.holdings_after[b][0] * after;
    const Fen kept = std::clamp<Fen>(static_cast<Fen>(std::llround(value_after)), 0, held);
    const double proceeds_value = static_cast<double>(held) - value_after - r.losses[b];
    const Fen proceeds =
        std::clamp<Fen>(static_cast<Fen>(std::llround(proceeds_value)), 0, held - kept);
    if (proceeds > 0) {
      L.central_bank_buys_bonds(b, proceeds);
      const Fen repay = std::min(proceeds, L.balance({L.cb_loan_book, b}));
      if (repay > 0) L.bank_repays_central_bank(b, repay);
      w.flows[Flow::fire_sale_volume] = checked_add(w.flows[Flow::fire_sale_volume], proceeds);
    }
    // What is left is marked to the final price: the bank's whole fire-sale loss.
    const Fen loss = held - proceeds - kept;
    L.revalue_bonds(b, -loss);
    w.flows[Flow::fire_sale_losses] = checked_add(w.flows[Flow::fire_sale_losses], loss);
    K.risk_weighted_assets[b] =
        std::max(0.0, K.risk_weighted_assets[b] -
                          sc.banks.risk_weight_bonds * static_cast<double>(held - kept));
  }
  w.bond_market.price = after;
  for (std::uint32_t b = 0; b < n; ++b)
    if (failing[b] == 0 && equity[b] < 0) {
      failing[b] = 1;
      insolvent.push_back(b);
    }
  w.flows[Flow::bank_failures_fire_sale] += static_cast<std::int64_t>(insolvent.size());
  return insolvent;
}

// Largest DebtRank (Battiston et al. 2012) of the default of one bank over the
// overnight interbank exposures (impact W_ij = L_ij / E_j capped at 1; uniform
// weights), and Σ SRISK_i = max(0, k·D_i − (1 − k)·(1 − LRMES)·E_i) on book
// equity E and liabilities D (Brownlees & Engle 2017, in its simple form).
void measure_systemic_risk(World& w) {
  const std::size_t n = w.banks.size();
  const auto& nw = w.ledger.net_worth(AgentKind::bank);
  const auto& ib = w.scenario->interbank;
  // Lists kept on the calling thread: a month end allocates nothing once they
  // have the room (tests/engine/test_allocations.cpp).
  thread_local std::vector<Int128> assets;
  thread_local contagion::SparseMatrix L, impact;
  bank_total_assets(w, assets);
  double srisk = 0;
  for (std::size_t b = 0; b < n; ++b) {
    const double equity = static_cast<double>(nw[b]);
    const double debt = static_cast<double>(assets[b]) - equity;
    const double k = ib.srisk_prudential_ratio;
    srisk += std::max(0.0, k * debt - (1 - k) * (1 - ib.srisk_crisis_loss) * std::max(0.0, equity));
  }
  w.systemic.srisk_fen = srisk;
  interbank_liabilities(w, L);
  double worst = 0;
  if (L.nnz() > 0) {
    // DebtRank once per bank that owes, in a kept workspace.
    thread_local std::vector<double> equity, h0;
    thread_local contagion::DebtRankWorkspace work;
    equity.resize(n);
    for (std::size_t b = 0; b < n; ++b) equity[b] = std::max(1.0, static_cast<double>(nw[b]));
    contagion::impact_from_liabilities(L, equity, impact);
    h0.assign(n, 0.0);
    for (std::size_t b = 0; b < n; ++b) {
      if (L.row_sum(b) <= 0) continue;  // owes nothing: its default hits no one
      h0[b] = 1.0;
      worst = std::max(worst, contagion::debtrank_value(impact, h0, work));
      h0[b] = 0.0;
    }
  }
  w.systemic.debtrank_max = worst;
}

// A bank failure reaches the fund: its confidence falls by
// bank_runs.fund_confidence_loss_per_failed_share × the share of the fund's
// money at the banks failing today. Consumers' target fund share scales with
// confidence (consumer_servicing.cpp), so they redeem on their next billing days.
void fund_loses_confidence(World& w, const std::vector<std::uint8_t>& failing) {
  const Book& fund = w.ledger.book(w.books.fund_deposit);
  Int128 total = 0, at_failing = 0;
  for (std::uint32_t b = 0; b < failing.size(); ++b) {
    total += fund.balance[b];
    if (failing[b] != 0) at_failing += fund.balance[b];
  }
  if (at_failing <= 0 || total <= 0) return;
  lose_confidence(w, w.scenario->bank_runs.fund_confidence_loss_per_failed_share *
                         static_cast<double>(at_failing) / static_cast<double>(total));
}

}  // namespace

void run_bank_regulation(World& w) {
  // A failing platform is resolved first: its losses may fall on its bank.
  resolve_platform_failure(w);
  w.clearing_inputs.today = false;
  const Scenario& sc = *w.scenario;
  const Policy& pol = w.policy;
  Ledger& L = w.ledger;
  BankStore& K = w.banks;
  const std::size_t n = K.size();
  // Per-bank lists kept from one day to the next on the calling thread (no
  // allocation on an ordinary day).
  thread_local std::vector<Int128> consumer, sme, colent;
  thread_local std::vector<std::uint8_t> failing;
  consumer.assign(n, 0);
  sme.assign(n, 0);
  colent.assign(n, 0);
  const bool month_end = today(w).last_day_of_month;
  // Failing today on their own: insolvent, illiquid, or named by a bank_failure shock.
  failing.assign(n, 0);
  for (std::uint32_t b = 0; b < n; ++b)
    failing[b] = L.net_worth(AgentKind::bank)[b] < 0 ||
                 L.balance({L.cb_loan_book, b}) > L.balance({L.bank_bond_book, b});
  // A run's failure: illiquid (the standing facility beyond its bonds) on a day
  // the fund or depositors ran on it; its loss is that uncollateralised credit.
  for (std::uint32_t b = 0; b < n; ++b) {
    const Fen short_of_collateral =
        L.balance({L.cb_loan_book, b}) - L.balance({L.bank_bond_book, b});
    if (failing[b] == 0 || K.run_outflows_today[b] <= 0 || short_of_collateral <= 0) continue;
    ++w.flows[Flow::bank_failures_run];
    w.flows[Flow::contagion_run_losses] =
        checked_add(w.flows[Flow::contagion_run_losses], short_of_collateral);
  }
  for (const std::uint32_t b : w.shocks.failing_banks) failing[b] = 1;
  w.shocks.failing_banks.clear();
  const bool any_failing = std::find(failing.begin(), failing.end(), 1) != failing.end();
  bool need_rwa = month_end || w.step == 0 || any_failing || pol.review_bank_limits;
  auto measure_exposures = [&] {
    // Specific provisions: expected loss lgd × the bank-held loans of borrowers
    // 90+ days past due (not yet written off), deducted from capital.
    thread_local std::vector<Int128> impaired;
    impaired.assign(n, 0);
    auto add_impaired = [&](BookId id, auto dpd_of) {
      const Book& book = L.book(id);
      for (std::size_t r = 0; r < book.rows(); ++r)
        if (book.balance[r] > 0 && dpd_of(r) >= 90) impaired[book.holder.of(r)] += book.balance[r];
    };
    for (const BookId id : {w.books.revolving_bank, w.books.cash_bank, w.books.consumer_bank_loan})
      add_impaired(id, [&](std::size_t r) { return w.consumers.days_past_due[r]; });
    for (const BookId id : {w.books.sme_platform_bank, w.books.sme_bank_loan})
      add_impaired(id, [&](std::size_t r) { return w.smes.days_past_due[r]; });
    for (std::size_t b = 0; b < n; ++b)
      K.provisions[b] = apply_rate(static_cast<Fen>(impaired[b]), sc.banks.lgd);
    totals_by_holder(L, {w.books.revolving_bank, w.books.cash_bank, w.books.consumer_bank_loan}, n,
                     consumer);
    // Corporate exposures at the SME weight: SME loans and the platform's facility.
    totals_by_holder(
        L, {w.books.sme_platform_bank, w.books.sme_bank_loan, w.books.platform_bank_loan}, n, sme);
    colent_by_bank(w, colent);
  };
  if (need_rwa) measure_exposures();
  auto risk_weighted_assets = [&](std::uint32_t b) {
    return pol.risk_weight_consumer * static_cast<double>(consumer[b]) +
           pol.risk_weight_sme * static_cast<double>(sme[b]) +
           sc.banks.risk_weight_bonds * static_cast<double>(L.balance({L.bank_bond_book, b}));
  };
  if (need_rwa)
    for (std::uint32_t b = 0; b < n; ++b) K.risk_weighted_assets[b] = risk_weighted_assets(b);
  // Contagion through the interbank market, then fire sales, in turns until
  // no bank fails; every failing bank is resolved below.
  if (any_failing) {
    w.flows[RealFlow::contagion_clearing_loss] += clearing_loss(w);
    const std::vector<std::uint8_t> own = failing;
    failing = propagate_failures(w, std::move(failing));
    for (std::uint32_t b = 0; b < n; ++b)
      w.flows[Flow::bank_failures_interbank] += failing[b] != own[b];
  }
  for (std::int64_t turn = 0; turn < sc.interbank.max_rounds; ++turn) {
    std::vector<std::uint32_t> wave = fire_sales(w, failing);
    if (wave.empty()) break;
    if (!need_rwa) {  // resolution needs today's exposures
      need_rwa = true;
      measure_exposures();
    }
    const std::vector<std::uint8_t> before = failing;
    if (sc.interbank.contagion == "furfine") {
      failing = furfine_rounds(w, std::move(failing), std::move(wave));
    } else if (sc.interbank.contagion != "none") {
      failing = clearing_rounds(w, std::move(failing));
    }
    for (std::uint32_t b = 0; b < n; ++b)
      w.flows[Flow::bank_failures_interbank] += failing[b] != before[b];
  }
  fund_loses_confidence(w, failing);
  for (std::uint32_t b = 0; b < n; ++b) {
    const BankTier& tier = sc.banks.tiers[K.tier[b]];
    const double requirement = capital_requirement(w, b);
    K.capital_requirement[b] = requirement;
    const Fen equity = L.net_worth(AgentKind::bank)[b];
    const Fen bonds = L.balance({L.bank_bond_book, b});
    const bool illiquid = L.balance({L.cb_loan_book, b}) > bonds;
    if (failing[b] != 0) {
      // Resolution: recapitalise to the requirement on its current assets.
      const Fen target = static_cast<Fen>(requirement * risk_weighted_assets(b));
      const Fen injection = std::max<Fen>(target - equity, 0) +
                            (illiquid ? L.balance({L.cb_loan_book, b}) - bonds : 0);
      if (injection > 0) L.government_capitalises_bank(b, injection);
      K.failed[b] = 1;
      ++w.flows[Flow::bank_failures];
      w.flows[Flow::bank_resolution_cost] += injection;
    }
    if (!need_rwa) continue;
    const double rwa = risk_weighted_assets(b);
    const double eq =
        static_cast<double>(L.net_worth(AgentKind::bank)[b] - K.provisions[b]);  // capital
    K.capital_ratio[b] = rules::capital_ratio(eq, rwa);
    const double room_rwa =
        std::max(0.0, eq / (requirement + sc.banks.lending_margin_over_requirement) - rwa);
    const double room =
        K.failed[b] != 0 ? 0.0 : room_rwa / std::max(1e-9, pol.risk_weight_consumer);
    const double appetite = tier.colending_appetite;
    const double quota =
        std::min(room * appetite / (1.0 + appetite),
                 concentration_room(pol, static_cast<double>(colent[b]),
                                    static_cast<double>(consumer[b] + sme[b]), eq));
    K.colending_quota[b] = static_cast<Fen>(quota);
    K.direct_lending_room[b] = static_cast<Fen>(room / (1.0 + appetite));
  }
  if (need_rwa) measure_systemic_risk(w);
}

}  // namespace pfsim::phases
