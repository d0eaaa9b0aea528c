// Shocks: the events of a scenario (scenario/shock_types.cpp) acting on the
// model. The run layer decides which events fire on a day (a date, or a
// trigger on yesterday's indicators) and hands them to schedule_shock(); this
// phase, first after begin_day, applies them in the order they fired and moves
// every phase-in ramp one day on.
//
// What each shock changes (units as in docs/scenarios.md):
//  * rule changes set a Policy knob — at once, or linearly over phase_in_days
//    from its value on the day the event fired (a cap that was unlimited binds
//    at once, except a co-lending partner limit, which starts from the largest
//    bank's current ratio): cofunding_floor, platform_leverage_cap, registered_capital_minimum,
//    loan_size_cap, interest_rate_cap, bank_capital_rule,
//    colending_concentration_limit, payment_share_limit, data_sharing_mandate,
//    fund_rules, income_shock, house_price_shock, policy_rate,
//    reserve_requirement. A rule on banks makes bank_regulation review every
//    bank's lending room that day instead of at the month's end.
//  * balance-sheet events move money through ledger primitives, so the audit and
//    the stock-flow check cover them: ipo (investors pay in new capital),
//    antitrust_fine (the platform pays the government), bank_failure (the
//    bank's equity is written off against its bonds, then reserves, and
//    bank_regulation resolves it the same day).
//  * spells: platform_outage and fund_run last a number of days.
//  * news: ipo_halt, the start of an outage and a fund_run lower fund
//    confidence by their fund.confidence_loss_*, and a fine by
//    confidence_loss_per_equity_lost × the share of capital it takes.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"
#include "rng/philox.hpp"
#include "world/ledger_ops.hpp"

namespace pfsim::phases {

namespace {

// Economy-wide amounts in a scenario are divided by run.scale (one agent stands
// for `scale` real ones); per-person amounts (loan caps) are not.
double economy_yuan_to_fen(const World& w, double yuan) {
  return yuan * 100.0 / w.scenario->run.scale;
}

double to_policy_units(const World& w, double value, PolicyUnit unit) {
  switch (unit) {
    case PolicyUnit::as_written:
      return value;
    case PolicyUnit::person_yuan_to_fen:
      return value * 100.0;
    case PolicyUnit::economy_yuan_to_fen:
      return economy_yuan_to_fen(w, value);
  }
  throw InternalError("unknown PolicyUnit");
}

// Sets a Policy value to `to`: at once, or ramped from today's value over
// `days`. A ramp on a bank rule has lending room reviewed each day it moves.
void set_policy(World& w, PolicyTarget target, double to, std::int64_t days,
                bool reviews_bank_limits = false) {
  auto& ramps = w.shocks.ramps;
  std::erase_if(ramps, [&](const PolicyRamp& r) { return r.target == target; });  // newer wins
  double& value = target.in(w.policy);
  const double from = value;
  if (days <= 0 || !std::isfinite(from) || !std::isfinite(to)) {
    value = to;
    return;
  }
  ramps.push_back(PolicyRamp{target, reviews_bank_limits, from, to, w.step, days});
}

void set_policy(World& w, double Policy::*knob, double to, std::int64_t days) {
  set_policy(w, PolicyTarget::of(knob), to, days);
}

// Where a value is heading: the end of its ramp, or today's value.
double policy_target(World& w, PolicyTarget target) {
  for (const PolicyRamp& r : w.shocks.ramps)
    if (r.target == target) return r.to;
  return target.in(w.policy);
}

double policy_target(World& w, double Policy::*knob) {
  return policy_target(w, PolicyTarget::of(knob));
}

// Writes the bank's equity down to −1 fen, less loss_share × its assets: its
// bonds are cancelled first, then its reserves (the issuer is released, as in
// any write-off).
void write_off_bank_equity(World& w, std::uint32_t bank, double loss_share) {
  Ledger& L = w.ledger;
  const Fen extra =
      apply_rate(static_cast<Fen>(bank_total_assets(w)[bank]), std::clamp(loss_share, 0.0, 1.0));
  Fen loss = checked_add(std::max<Fen>(L.net_worth(AgentKind::bank)[bank] + 1, 0), extra);
  for (const BookId book : {L.bank_bond_book, L.reserves_book}) {
    if (loss <= 0) break;
    const Fen cut = std::min(loss, L.balance(Account{book, bank}));
    ops::write_off(L, Account{book, bank}, cut);
    loss -= cut;
  }
}

// The bureau's signal noise after a data-sharing mandate: its precision moves
// towards the platform's (at the median consumer's payment history) by the
// share of data shared; or as given.
double mandated_bureau_sigma(const World& w, const DataSharingArgs& a) {
  if (a.bureau_precision) return 1.0 / std::sqrt(std::max(*a.bureau_precision, 1e-12));
  std::vector<std::uint32_t> counts(w.consumers.payment_count.begin(),
                                    w.consumers.payment_count.end());
  std::uint32_t median = 0;
  if (!counts.empty()) {
    std::nth_element(counts.begin(),
                     counts.begin() + static_cast<std::ptrdiff_t>(counts.size() / 2), counts.end());
    median = counts[counts.size() / 2];
  }
  const auto& P = w.scenario->platform;
  const double sigma_p =
      rules::platform_signal_sigma(P.signal_sigma0, median, P.data_half_saturation);
  const double sigma_b = w.policy.bureau_signal_sigma;
  const double f = a.shared_fraction;
  const double precision = (1 - f) / (sigma_b * sigma_b) + f / (sigma_p * sigma_p);
  return std::min(sigma_b, 1.0 / std::sqrt(precision));
}

// The largest co-lent loans / equity over the banks today: where a phased-in
// partner limit starts when none was set (so it tightens gradually).
double largest_colending_to_equity(const World& w) {
  const std::vector<Int128> colent = colent_by_bank(w);
  double largest = 0;
  for (std::size_t b = 0; b < colent.size(); ++b) {
    const Fen equity = w.ledger.net_worth(AgentKind::bank)[b];
    if (equity > 0)
      largest = std::max(largest, static_cast<double>(colent[b]) / static_cast<double>(equity));
  }
  return largest;
}

double unemployment_rate(const World& w) {
  const auto& C = w.consumers;
  if (C.size() == 0) return 0;
  std::size_t out = 0;
  for (const std::uint8_t e : C.employed) out += e == 0;
  return static_cast<double>(out) / static_cast<double>(C.size());
}

// The Policy values the shock's table rows set, as written (converted).
void apply_settings(World& w, const ResolvedShock& shock, std::int64_t ramp) {
  for (const PolicySetting& s : shock.settings)
    set_policy(w, PolicyTarget::of(s.knob), to_policy_units(w, s.value, s.unit), ramp,
               shock.reviews_bank_limits);
}

void apply(World& w, const EventSpec& e) {
  Policy& p = w.policy;
  const std::int64_t ramp = e.phase_in_days;
  const ResolvedShock& shock = e.shock;
  switch (shock.kind) {
    // Only table rows: their Policy values are set below.
    case ShockKind::platform_leverage_cap:
    case ShockKind::registered_capital_minimum:
    case ShockKind::loan_size_cap:
    case ShockKind::interest_rate_cap:
    case ShockKind::bank_capital_rule:
    case ShockKind::payment_share_limit:
    case ShockKind::fund_rules:
    case ShockKind::policy_rate:
    case ShockKind::reserve_requirement:
      break;
    case ShockKind::cofunding_floor: {
      const auto& a = std::get<CofundingFloorArgs>(shock.args);
      set_policy(w, &Policy::own_funding_share,
                 std::max(policy_target(w, &Policy::own_funding_share), a.share), ramp);
      break;
    }
    case ShockKind::colending_concentration_limit: {
      const auto& a = std::get<ColendingLimitArgs>(shock.args);
      if (a.max_partner_share_of_tier1) {
        // A limit where there was none starts from the largest bank's ratio,
        // so a phased-in limit tightens gradually.
        if (ramp > 0 && !std::isfinite(p.max_partner_share_of_tier1))
          p.max_partner_share_of_tier1 =
              std::max(largest_colending_to_equity(w), *a.max_partner_share_of_tier1);
        set_policy(w, PolicyTarget::of(&Policy::max_partner_share_of_tier1),
                   *a.max_partner_share_of_tier1, ramp, true);
      }
      break;
    }
    case ShockKind::bank_failure: {
      const auto& a = std::get<BankFailureArgs>(shock.args);
      const std::uint32_t bank = a.bank;
      if (bank < w.banks.size()) {
        write_off_bank_equity(w, bank, a.loss_share);
        w.shocks.failing_banks.push_back(bank);  // fails today whatever the day's income
      }
      break;
    }
    case ShockKind::ipo: {
      const auto& a = std::get<IpoArgs>(shock.args);
      const auto raise = static_cast<Fen>(economy_yuan_to_fen(w, a.raise_yuan));
      w.ledger.investors_subscribe(0, Account{w.books.platform_deposit, 0}, raise);
      w.shocks.ipo_valuation_fen = economy_yuan_to_fen(w, a.valuation_yuan);
      // The listing prices the company: its multiple of trailing earnings then
      // values the platform from here on (month_end.cpp).
      const double earnings = trailing_annual_earnings(w, 0);
      w.shocks.ipo_valuation_multiple = earnings > 0 ? w.shocks.ipo_valuation_fen / earnings : 0;
      w.platforms.capital_raised_month[0] = checked_add(w.platforms.capital_raised_month[0], raise);
      w.flows[Flow::ipo_raised] += raise;
      break;
    }
    case ShockKind::ipo_halt:
      // Takes effect when scheduled (schedule_shock): the `ipo` never fires.
      lose_confidence(w, w.scenario->fund.confidence_loss_ipo_halt);
      break;
    case ShockKind::antitrust_fine: {
      const Account deposit{w.books.platform_deposit, 0};
      const auto fine =
          static_cast<Fen>(economy_yuan_to_fen(w, std::get<AntitrustFineArgs>(shock.args).yuan));
      const Fen capital = platform_capital(w, 0);
      if (capital > 0)
        lose_confidence(w, w.scenario->fund.confidence_loss_per_equity_lost *
                               static_cast<double>(fine) / static_cast<double>(capital));
      // Paid from cash, drawing on the bank facility if need be; a platform that
      // cannot pay fails (resolved by origination today) and the rest is waived.
      const Fen cash = w.ledger.balance(deposit);
      const Fen paid = platform_has_cash(w, 0, fine) ? fine : std::min(fine, cash);
      if (paid < fine) {
        w.flows[Flow::fines_unpaid] += fine - paid;
        w.shocks.platform_failing = true;
      }
      w.ledger.government_receives(deposit, paid);
      w.flows[Flow::fines_paid] += paid;
      w.platforms.fines_month[0] = checked_add(w.platforms.fines_month[0], paid);
      break;
    }
    case ShockKind::platform_outage:
      if (w.step >= w.shocks.outage_until_step)
        lose_confidence(w, w.scenario->fund.confidence_loss_outage);
      w.shocks.outage_until_step = std::max(w.shocks.outage_until_step, w.step) +
                                   std::get<PlatformOutageArgs>(shock.args).days;
      break;
    case ShockKind::data_sharing_mandate: {
      const auto& a = std::get<DataSharingArgs>(shock.args);
      set_policy(w, &Policy::bureau_signal_sigma, mandated_bureau_sigma(w, a), ramp);
      const double fee = policy_target(w, &Policy::tech_fee_share) * (1 + a.platform_fee_response);
      set_policy(w, &Policy::tech_fee_share, std::max(0.0, fee), ramp);
      break;
    }
    case ShockKind::fund_run: {
      const auto& a = std::get<FundRunArgs>(shock.args);
      lose_confidence(w, w.scenario->fund.confidence_loss_run);
      w.shocks.fund_runs.push_back(
          {a.redemption_share / static_cast<double>(a.days), w.step + a.days});
      break;
    }
    case ShockKind::income_shock: {
      const auto& a = std::get<IncomeShockArgs>(shock.args);
      if (a.income_change)
        set_policy(w, &Policy::income_multiplier,
                   policy_target(w, &Policy::income_multiplier) * (1 + *a.income_change), ramp);
      if (a.unemployment_rate) {
        p.unemployment_target = unemployment_rate(w);
        set_policy(w, &Policy::unemployment_target, *a.unemployment_rate, ramp);
      }
      break;
    }
    case ShockKind::house_price_shock: {
      // National: the national index; with a region: that region's factor.
      const auto& a = std::get<HousePriceArgs>(shock.args);
      const PolicyTarget target =
          a.region ? PolicyTarget::of_region(&Policy::regional_house_price, *a.region)
                   : PolicyTarget::of(&Policy::house_price_index);
      set_policy(w, target, std::max(0.0, policy_target(w, target) * (1 + a.change)), ramp);
      break;
    }
  }
  apply_settings(w, shock, ramp);
  if (shock.reviews_bank_limits) p.review_bank_limits = true;
}

// Moves each ramp to today's value; drops finished ones. An unemployment ramp
// ends its target too, so the labour market's own dynamics take over.
void advance_ramps(World& w) {
  auto& ramps = w.shocks.ramps;
  for (const PolicyRamp& r : ramps) {
    const double k = static_cast<double>(w.step - r.start_step) / static_cast<double>(r.days);
    r.target.in(w.policy) = r.from + (r.to - r.from) * std::min(1.0, k);
    if (r.reviews_bank_limits) w.policy.review_bank_limits = true;
  }
  std::erase_if(ramps, [&](const PolicyRamp& r) { return w.step - r.start_step >= r.days; });
}

// Platform wallet users switch to rival wallets until the platform's share of
// wallet users is within the limit (each with the same probability).
void enforce_payment_share(World& w) {
  ConsumerStore& C = w.consumers;
  std::size_t platform_users = 0;
  for (const std::uint8_t wallet : C.wallet) platform_users += wallet == 0;
  const double share =
      C.size() == 0 ? 0 : static_cast<double>(platform_users) / static_cast<double>(C.size());
  if (share <= w.policy.max_payment_share || share <= 0) return;
  const double p_switch = 1.0 - w.policy.max_payment_share / share;
  for (std::size_t i = 0; i < C.size(); ++i) {
    if (C.wallet[i] != 0) continue;
    rng::Draws draws(w.seed, rng::Stream::shock_wallet_switch, C.id[i], w.step);
    if (draws.uniform() < p_switch) C.wallet[i] = 1;
  }
}

// Lays off employed consumers so that unemployment reaches today's target.
void enforce_unemployment(World& w) {
  const double target = w.policy.unemployment_target;
  const double now = unemployment_rate(w);
  if (target <= now || now >= 1) return;
  const double p_layoff = (target - now) / (1 - now);
  ConsumerStore& C = w.consumers;
  for (std::size_t i = 0; i < C.size(); ++i) {
    if (C.employed[i] == 0) continue;
    rng::Draws draws(w.seed, rng::Stream::shock_layoff, C.id[i], w.step);
    if (draws.uniform() < p_layoff) C.employed[i] = 0;
  }
}

}  // namespace

bool schedule_shock(World& w, const EventSpec& event) {
  if (event.shock.kind == ShockKind::ipo && w.shocks.ipo_halted) return false;
  if (event.shock.kind == ShockKind::ipo_halt) w.shocks.ipo_halted = true;
  w.shocks.pending.push_back(event);
  return true;
}

void run_shocks(World& w) {
  w.policy.review_bank_limits = false;
  advance_ramps(w);
  for (const EventSpec& e : w.shocks.pending) apply(w, e);
  w.shocks.pending.clear();

  w.policy.platform_outage = w.step < w.shocks.outage_until_step;
  std::erase_if(w.shocks.fund_runs,
                [&](const ShockState::FundRun& r) { return w.step >= r.until_step; });
  w.policy.fund_run_share_daily = 0;
  for (const ShockState::FundRun& r : w.shocks.fund_runs)
    w.policy.fund_run_share_daily += r.share_daily;
  w.policy.fund_run_share_daily = std::min(1.0, w.policy.fund_run_share_daily);

  if (w.policy.max_payment_share < 1) enforce_payment_share(w);
  if (w.policy.unemployment_target >= 0) {
    enforce_unemployment(w);
    // Reached (the ramp is over): released, and rehiring takes its course.
    const bool ramping =
        std::any_of(w.shocks.ramps.begin(), w.shocks.ramps.end(), [](const PolicyRamp& r) {
          return r.target == PolicyTarget::of(&Policy::unemployment_target);
        });
    if (!ramping) w.policy.unemployment_target = -1;
  }
}

}  // namespace pfsim::phases
