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

// The value a ramp moves: a Policy knob, or one region's house-price factor.
double& ramped_value(Policy& p, double Policy::*knob, std::int32_t region) {
  return knob != nullptr ? p.*knob : p.regional_house_price[static_cast<std::size_t>(region)];
}

// Sets a knob (or region's factor) to `to`: at once, or ramped from today's
// value over `days`.
void set_policy(World& w, double Policy::*knob, double to, std::int64_t days,
                std::int32_t region = -1) {
  auto& ramps = w.shocks.ramps;
  std::erase_if(ramps, [&](const PolicyRamp& r) {
    return r.knob == knob && r.region == region;
  });  // the newer rule wins
  double& value = ramped_value(w.policy, knob, region);
  const double from = value;
  if (days <= 0 || !std::isfinite(from) || !std::isfinite(to)) {
    value = to;
    return;
  }
  ramps.push_back(PolicyRamp{knob, region, from, to, w.step, days});
}

// Where a knob is heading: the end of its ramp, or today's value.
double policy_target(World& w, double Policy::*knob, std::int32_t region = -1) {
  for (const PolicyRamp& r : w.shocks.ramps)
    if (r.knob == knob && r.region == region) return r.to;
  return ramped_value(w.policy, knob, region);
}

std::uint32_t failing_bank(const World& w, const EventSpec& e) {
  if (e.has("bank")) return static_cast<std::uint32_t>(e.number("bank"));
  const auto& tiers = w.scenario->banks.tiers;
  const auto index = static_cast<std::uint32_t>(e.has("index") ? e.number("index") : 0);
  std::uint32_t first = 0;
  for (const BankTier& t : tiers) {
    if (t.name == e.text("tier")) return first + index;
    first += static_cast<std::uint32_t>(t.count);
  }
  throw InternalError("bank_failure: tier '" + e.text("tier") + "' not found (validated on load)");
}

// Writes the bank's equity down to −1 fen: its bonds are cancelled first, then
// its reserves (the issuer is released, as in any write-off).
void write_off_bank_equity(World& w, std::uint32_t bank) {
  Ledger& L = w.ledger;
  Fen loss = L.net_worth(AgentKind::bank)[bank] + 1;
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
double mandated_bureau_sigma(const World& w, const EventSpec& e) {
  if (e.has("bureau_precision"))
    return 1.0 / std::sqrt(std::max(e.number("bureau_precision"), 1e-12));
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
  const double f = e.number("shared_fraction");
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

void apply(World& w, const EventSpec& e) {
  Policy& p = w.policy;
  const std::int64_t ramp = e.phase_in_days;
  const std::string& type = e.type;
  if (type == "cofunding_floor") {
    set_policy(w, &Policy::own_funding_share,
               std::max(policy_target(w, &Policy::own_funding_share), e.number("share")), ramp);
  } else if (type == "platform_leverage_cap") {
    set_policy(w, &Policy::leverage_limit, e.number("max_leverage"), ramp);
  } else if (type == "registered_capital_minimum") {
    set_policy(w, &Policy::registered_capital_minimum_fen, economy_yuan_to_fen(w, e.number("yuan")),
               ramp);
  } else if (type == "loan_size_cap") {
    if (e.has("max_yuan"))
      set_policy(w, &Policy::max_consumer_loan_fen, e.number("max_yuan") * 100.0, ramp);
    if (e.has("max_income_share"))
      set_policy(w, &Policy::max_loan_income_share, e.number("max_income_share"), ramp);
  } else if (type == "interest_rate_cap") {
    set_policy(w, &Policy::interest_rate_cap, e.number("annual_rate"), ramp);
  } else if (type == "bank_capital_rule") {
    if (e.has("minimum")) set_policy(w, &Policy::capital_minimum, e.number("minimum"), ramp);
    if (e.has("conservation_buffer"))
      set_policy(w, &Policy::conservation_buffer, e.number("conservation_buffer"), ramp);
    if (e.has("surcharge_state"))
      set_policy(w, &Policy::surcharge_state, e.number("surcharge_state"), ramp);
    if (e.has("risk_weight_consumer"))
      set_policy(w, &Policy::risk_weight_consumer, e.number("risk_weight_consumer"), ramp);
    if (e.has("risk_weight_sme"))
      set_policy(w, &Policy::risk_weight_sme, e.number("risk_weight_sme"), ramp);
    p.review_bank_limits = true;
  } else if (type == "colending_concentration_limit") {
    if (e.has("max_partner_share_of_tier1")) {
      if (ramp > 0 && !std::isfinite(p.max_partner_share_of_tier1))
        p.max_partner_share_of_tier1 =
            std::max(largest_colending_to_equity(w), e.number("max_partner_share_of_tier1"));
      set_policy(w, &Policy::max_partner_share_of_tier1, e.number("max_partner_share_of_tier1"),
                 ramp);
    }
    if (e.has("max_colending_share_of_loans"))
      set_policy(w, &Policy::max_colending_share_of_loans, e.number("max_colending_share_of_loans"),
                 ramp);
    p.review_bank_limits = true;
  } else if (type == "bank_failure") {
    const std::uint32_t bank = failing_bank(w, e);
    if (bank < w.banks.size()) {
      write_off_bank_equity(w, bank);
      w.shocks.failing_banks.push_back(bank);  // fails today whatever the day's income
    }
  } else if (type == "ipo") {
    const auto raise = static_cast<Fen>(economy_yuan_to_fen(w, e.number("raise_yuan")));
    w.ledger.investors_subscribe(0, Account{w.books.platform_deposit, 0}, raise);
    w.shocks.ipo_valuation_fen = economy_yuan_to_fen(w, e.number("valuation_yuan"));
    // The listing prices the company: its multiple of trailing earnings then
    // values the platform from here on (month_end.cpp).
    const double earnings = trailing_annual_earnings(w, 0);
    w.shocks.ipo_valuation_multiple = earnings > 0 ? w.shocks.ipo_valuation_fen / earnings : 0;
    w.platforms.capital_raised_month[0] = checked_add(w.platforms.capital_raised_month[0], raise);
    w.flows.ipo_raised += raise;
  } else if (type == "ipo_halt") {
    // Takes effect when scheduled (schedule_shock): the `ipo` never fires.
    lose_confidence(w, w.scenario->fund.confidence_loss_ipo_halt);
  } else if (type == "antitrust_fine") {
    const Account deposit{w.books.platform_deposit, 0};
    const auto fine = static_cast<Fen>(economy_yuan_to_fen(w, e.number("yuan")));
    const Fen capital = platform_capital(w, 0);
    if (capital > 0)
      lose_confidence(w, w.scenario->fund.confidence_loss_per_equity_lost *
                             static_cast<double>(fine) / static_cast<double>(capital));
    // Paid from cash, drawing on the bank facility if need be; a platform that
    // cannot pay fails (resolved by origination today) and the rest is waived.
    const Fen cash = w.ledger.balance(deposit);
    const Fen paid = platform_has_cash(w, 0, fine) ? fine : std::min(fine, cash);
    if (paid < fine) {
      w.flows.fines_unpaid += fine - paid;
      w.shocks.platform_failing = true;
    }
    w.ledger.government_receives(deposit, paid);
    w.flows.fines_paid += paid;
    w.platforms.fines_month[0] = checked_add(w.platforms.fines_month[0], paid);
  } else if (type == "payment_share_limit") {
    set_policy(w, &Policy::max_payment_share, e.number("max_share"), ramp);
  } else if (type == "platform_outage") {
    if (w.step >= w.shocks.outage_until_step)
      lose_confidence(w, w.scenario->fund.confidence_loss_outage);
    w.shocks.outage_until_step =
        std::max(w.shocks.outage_until_step, w.step) + static_cast<std::int64_t>(e.number("days"));
  } else if (type == "data_sharing_mandate") {
    set_policy(w, &Policy::bureau_signal_sigma, mandated_bureau_sigma(w, e), ramp);
    const double fee =
        policy_target(w, &Policy::tech_fee_share) * (1 + e.number("platform_fee_response"));
    set_policy(w, &Policy::tech_fee_share, std::max(0.0, fee), ramp);
  } else if (type == "fund_rules") {
    if (e.has("instant_redemption_cap_yuan"))
      set_policy(w, &Policy::instant_redemption_cap_yuan, e.number("instant_redemption_cap_yuan"),
                 ramp);
    if (e.has("liquidity_ratio"))
      set_policy(w, &Policy::fund_liquidity_ratio, e.number("liquidity_ratio"), ramp);
  } else if (type == "fund_run") {
    lose_confidence(w, w.scenario->fund.confidence_loss_run);
    const auto days = static_cast<std::int64_t>(e.number("days"));
    w.shocks.fund_runs.push_back(
        {e.number("redemption_share") / static_cast<double>(days), w.step + days});
  } else if (type == "income_shock") {
    if (e.has("income_change"))
      set_policy(w, &Policy::income_multiplier,
                 policy_target(w, &Policy::income_multiplier) * (1 + e.number("income_change")),
                 ramp);
    if (e.has("job_loss_multiplier"))
      set_policy(w, &Policy::job_loss_multiplier, e.number("job_loss_multiplier"), ramp);
    if (e.has("unemployment_rate")) {
      p.unemployment_target = unemployment_rate(w);
      set_policy(w, &Policy::unemployment_target, e.number("unemployment_rate"), ramp);
    }
  } else if (type == "house_price_shock") {
    // National: the national index; with `region`: that region's factor.
    double Policy::*knob = e.has("region") ? nullptr : &Policy::house_price_index;
    const auto region = e.has("region") ? static_cast<std::int32_t>(e.number("region")) : -1;
    set_policy(w, knob, std::max(0.0, policy_target(w, knob, region) * (1 + e.number("change"))),
               ramp, region);
  } else if (type == "policy_rate") {
    set_policy(w, &Policy::policy_rate, e.number("rate"), ramp);
  } else if (type == "reserve_requirement") {
    set_policy(w, &Policy::reserve_requirement, e.number("ratio"), ramp);
  } else {
    throw InternalError("shock type '" + type + "' has no mechanism");
  }
}

bool is_bank_rule(double Policy::*knob) {
  return knob == &Policy::capital_minimum || knob == &Policy::conservation_buffer ||
         knob == &Policy::surcharge_state || knob == &Policy::risk_weight_consumer ||
         knob == &Policy::risk_weight_sme || knob == &Policy::max_partner_share_of_tier1 ||
         knob == &Policy::max_colending_share_of_loans;
}

// Moves each ramp to today's value; drops finished ones. An unemployment ramp
// ends its target too, so the labour market's own dynamics take over.
void advance_ramps(World& w) {
  auto& ramps = w.shocks.ramps;
  for (const PolicyRamp& r : ramps) {
    const double k = static_cast<double>(w.step - r.start_step) / static_cast<double>(r.days);
    ramped_value(w.policy, r.knob, r.region) = r.from + (r.to - r.from) * std::min(1.0, k);
    if (r.knob != nullptr && is_bank_rule(r.knob)) w.policy.review_bank_limits = true;
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
  if (event.type == "ipo" && w.shocks.ipo_halted) return false;
  if (event.type == "ipo_halt") w.shocks.ipo_halted = true;
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
        std::any_of(w.shocks.ramps.begin(), w.shocks.ramps.end(),
                    [](const PolicyRamp& r) { return r.knob == &Policy::unemployment_target; });
    if (!ramping) w.policy.unemployment_target = -1;
  }
}

}  // namespace pfsim::phases
