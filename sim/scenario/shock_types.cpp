// The shock table: every shock type a scenario can apply (DESIGN.md §4), declared
// once — name, what it does, its parameters (type, unit, range, default,
// required-ness). It drives event validation, `pfsim schema` and
// docs/scenarios.md. The mechanism each shock acts on belongs to the engine;
// where a shock sets a scenario parameter, its range and unit come from that
// parameter's declaration, so the two cannot drift apart.
#include <cmath>
#include <limits>

#include "scenario/events.hpp"
#include "scenario/internal/values.hpp"

namespace pfsim::scenario {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

ShockParam param(ParamType type, std::string name, std::string unit, double min, double max,
                 std::string def, std::string help) {
  ShockParam p;
  p.spec.path = std::move(name);
  p.spec.type = type;
  p.spec.unit = std::move(unit);
  p.spec.min = min;
  p.spec.max = max;
  p.spec.default_yaml = std::move(def);
  p.spec.help = std::move(help);
  return p;
}

ShockParam number(std::string name, std::string unit, double min, double max, std::string help) {
  return param(ParamType::number, std::move(name), std::move(unit), min, max, "", std::move(help));
}

ShockParam integer(std::string name, std::string unit, double min, double max, std::string help) {
  return param(ParamType::integer, std::move(name), std::move(unit), min, max, "", std::move(help));
}

ShockParam text(std::string name, std::string help) {
  return param(ParamType::string, std::move(name), "", -inf,
               static_cast<double>(max_event_text_bytes), "", std::move(help));
}

// A number with the range and unit of the scenario parameter it sets.
ShockParam like(std::string name, const std::string& parameter, std::string help) {
  const ParamSpec* p = find_param(parameter);
  if (p == nullptr) throw InternalError("shock table: no scenario parameter '" + parameter + "'");
  ShockParam s = param(p->type, std::move(name), p->unit, p->min, p->max, "",
                       std::move(help) + " Sets `" + parameter + "`.");
  s.sets = p->live;  // a live parameter: a table row; else the mechanism reads it
  return s;
}

// A table row: the parameter sets this Policy value as written (converted by `unit`).
ShockParam sets(ShockParam p, double Policy::*knob, PolicyUnit unit = PolicyUnit::as_written) {
  p.sets = knob;
  p.unit = unit;
  return p;
}

// The kind's mechanism reads this parameter from its typed arguments (it does
// more than set a value), though its range comes from a live parameter.
ShockParam read_by_mechanism(ShockParam p) {
  p.sets = nullptr;
  return p;
}

ShockParam required(ShockParam p) {
  p.required = true;
  return p;
}

ShockParam defaulted(ShockParam p, std::string def) {
  p.spec.default_yaml = std::move(def);
  return p;
}

ShockType shock(ShockKind kind, std::string name, std::string help, bool phase_in,
                std::vector<ShockParam> params) {
  ShockType t;
  t.kind = kind;
  t.name = std::move(name);
  t.help = std::move(help);
  t.phase_in = phase_in;
  t.params = std::move(params);
  return t;
}

std::optional<RuleProblem> ipo_rule(const EventSpec& e, const Scenario&) {
  if (e.has("raise_yuan") && e.has("valuation_yuan") &&
      e.number("raise_yuan") > e.number("valuation_yuan"))
    return RuleProblem{"raise_yuan",
                       "raise_yuan (" + internal::format_number(e.number("raise_yuan")) +
                           ") is larger than valuation_yuan (" +
                           internal::format_number(e.number("valuation_yuan")) + ")",
                       "the shares sold are worth at most the whole company"};
  return std::nullopt;
}

// A bank is named by its index over all banks, or by tier and index in the tier.
std::optional<RuleProblem> region_rule(const EventSpec& e, const Scenario& sc) {
  if (e.has("region") && e.number("region") >= static_cast<double>(sc.regions.count))
    return RuleProblem{"region",
                       "region " + internal::format_number(e.number("region")) +
                           " does not exist: the scenario has " + std::to_string(sc.regions.count) +
                           " region" + (sc.regions.count == 1 ? "" : "s") + " (0 to " +
                           std::to_string(sc.regions.count - 1) + ")",
                       "set regions.count, or leave out 'region' to hit every region"};
  return std::nullopt;
}

std::optional<RuleProblem> bank_rule(const EventSpec& e, const Scenario& sc) {
  const bool by_bank = e.has("bank"), by_tier = e.has("tier");
  if (by_bank && by_tier)
    return RuleProblem{"tier",
                       "name the failing bank by 'bank' or by 'tier' (and 'index'), not both",
                       "e.g. bank: 3, or tier: city_rural and index: 0"};
  if (!by_bank && !by_tier)
    return RuleProblem{"", "name the failing bank: give 'bank', or 'tier' (and 'index')",
                       "e.g. bank: 3, or tier: city_rural and index: 0"};
  if (by_bank) {
    if (e.has("index"))
      return RuleProblem{"index", "'index' counts banks within a tier; use it with 'tier'",
                         "leave out 'index', or name the tier"};
    std::int64_t total = 0;
    for (const BankTier& t : sc.banks.tiers) total += t.count;
    if (e.number("bank") >= static_cast<double>(total))
      return RuleProblem{"bank",
                         "bank " + internal::format_number(e.number("bank")) +
                             " does not exist: the scenario has " + std::to_string(total) +
                             " banks (0 to " + std::to_string(total - 1) + ")",
                         "banks are numbered over all tiers, in tier order"};
    return std::nullopt;
  }
  const std::string& tier = e.text("tier");
  std::vector<std::string> names;
  for (const BankTier& t : sc.banks.tiers) {
    if (t.name == tier) {
      const double index = e.has("index") ? e.number("index") : 0;
      if (index >= static_cast<double>(t.count))
        return RuleProblem{"index",
                           "tier '" + tier + "' has " + std::to_string(t.count) +
                               " banks (index 0 to " + std::to_string(t.count - 1) +
                               "), found index " + internal::format_number(index),
                           "banks in a tier are numbered from 0"};
      return std::nullopt;
    }
    names.push_back(t.name);
  }
  return RuleProblem{"tier", "no bank tier is named '" + tier + "'",
                     internal::did_you_mean(tier, names)};
}

// ---- typed arguments (validated events only) ------------------------------------

std::optional<double> optional_number(const EventSpec& e, std::string_view name) {
  return e.has(name) ? std::optional<double>(e.number(name)) : std::nullopt;
}

ShockArgs cofunding_floor_args(const EventSpec& e, const Scenario&) {
  return CofundingFloorArgs{e.number("share")};
}

ShockArgs colending_limit_args(const EventSpec& e, const Scenario&) {
  return ColendingLimitArgs{optional_number(e, "max_partner_share_of_tier1")};
}

// The failing bank's index over all banks. The tier was checked by bank_rule;
// a scenario whose banks have problems is refused anyway, so nothing throws.
ShockArgs bank_failure_args(const EventSpec& e, const Scenario& sc) {
  const double loss = e.has("loss_share") ? e.number("loss_share") : 0.0;
  if (e.has("bank")) return BankFailureArgs{static_cast<std::uint32_t>(e.number("bank")), loss};
  const auto index = static_cast<std::uint32_t>(e.has("index") ? e.number("index") : 0);
  std::uint32_t first = 0;
  for (const BankTier& t : sc.banks.tiers) {
    if (e.has("tier") && t.name == e.text("tier")) return BankFailureArgs{first + index, loss};
    first += static_cast<std::uint32_t>(t.count);
  }
  return BankFailureArgs{index, loss};
}

ShockArgs ipo_args(const EventSpec& e, const Scenario&) {
  return IpoArgs{e.number("raise_yuan"), e.number("valuation_yuan")};
}

ShockArgs fine_args(const EventSpec& e, const Scenario&) {
  return AntitrustFineArgs{e.number("yuan")};
}

ShockArgs outage_args(const EventSpec& e, const Scenario&) {
  return PlatformOutageArgs{static_cast<std::int64_t>(e.number("days"))};
}

ShockArgs data_sharing_args(const EventSpec& e, const Scenario&) {
  return DataSharingArgs{e.number("shared_fraction"), optional_number(e, "bureau_precision"),
                         e.number("platform_fee_response")};
}

ShockArgs fund_run_args(const EventSpec& e, const Scenario&) {
  return FundRunArgs{e.number("redemption_share"), static_cast<std::int64_t>(e.number("days"))};
}

ShockArgs income_shock_args(const EventSpec& e, const Scenario&) {
  return IncomeShockArgs{optional_number(e, "income_change"),
                         optional_number(e, "unemployment_rate")};
}

ShockArgs house_price_args(const EventSpec& e, const Scenario&) {
  HousePriceArgs a{e.number("change"), std::nullopt};
  if (e.has("region")) a.region = static_cast<std::uint32_t>(e.number("region"));
  return a;
}

ShockType with_args(ShockType t, ShockArgsReader args) {
  t.args = std::move(args);
  return t;
}

}  // namespace

std::vector<ShockType> shock_table() {
  std::vector<ShockType> t;
  // --- platform regulation --------------------------------------------------
  t.push_back(with_args(
      shock(
          ShockKind::cofunding_floor, "cofunding_floor",
          "The platform must fund at least `share` of every loan it co-lends from its own balance "
          "sheet. The Nov-2020 draft rules on online micro-lending asked for 30%; the platform's "
          "own "
          "share had been about 2%.",
          true,
          {required(read_by_mechanism(like("share", "platform.own_funding_share",
                                           "Minimum own-funded share of each co-lent loan.")))}),
      cofunding_floor_args));
  t.push_back(shock(ShockKind::platform_leverage_cap, "platform_leverage_cap",
                    "Caps the platform's own-funded lending at `max_leverage` × its equity.", true,
                    {required(like("max_leverage", "platform.leverage_limit",
                                   "Largest ratio of own-funded loans to equity."))}));
  t.push_back(shock(
      ShockKind::registered_capital_minimum, "registered_capital_minimum",
      "Minimum registered capital of the platform's lending arm: below it, own-funded lending "
      "stops until capital is raised. The Nov-2020 draft rules set RMB 1 bn for lending in one "
      "province and RMB 5 bn across provinces. Economy-wide amount (divided by run.scale, like "
      "platform.initial_equity_yuan).",
      true,
      {required(sets(number("yuan", "RMB", 0, 1e14, "Minimum registered capital."),
                     &Policy::registered_capital_minimum_fen, PolicyUnit::economy_yuan_to_fen))}));
  {
    ShockType s = shock(
        ShockKind::loan_size_cap, "loan_size_cap",
        "Caps each consumer loan and credit line the platform grants (co-lent; banks' own loans "
        "are not capped) at `max_yuan` and/or at `max_income_share` of the borrower's annual "
        "income (Nov-2020 draft rules: RMB 300,000 and one third of income).",
        true,
        {sets(number("max_yuan", "RMB", 0, 1e9, "Largest consumer loan."),
              &Policy::max_consumer_loan_fen, PolicyUnit::person_yuan_to_fen),
         sets(number("max_income_share", "share of annual income", 0, 100,
                     "Largest consumer loan as a share of the borrower's annual income."),
              &Policy::max_loan_income_share)});
    s.at_least_one = {"max_yuan", "max_income_share"};
    t.push_back(std::move(s));
  }
  t.push_back(shock(
      ShockKind::interest_rate_cap, "interest_rate_cap",
      "Legal cap on annual loan rates; loans whose break-even rate exceeds it are refused. "
      "Chinese courts protect rates up to 4× the 1-year LPR (≈ 15.4% in 2020); 24% and 36% "
      "were the earlier lines.",
      true,
      {required(like("annual_rate", "platform.interest_rate_cap", "Highest annual loan rate."))}));
  // --- banks ------------------------------------------------------------------
  {
    ShockType s = shock(
        ShockKind::bank_capital_rule, "bank_capital_rule",
        "Changes bank capital rules: the minimum capital ratio, the conservation buffer, the "
        "surcharge on the state tier (systemic importance) and the risk weights on consumer and "
        "SME loans. Parameters left out keep their values.",
        true,
        {like("minimum", "banks.capital_minimum", "Minimum total capital ratio."),
         like("conservation_buffer", "banks.conservation_buffer", "Capital conservation buffer."),
         sets(like("surcharge_state", "banks.tiers[].surcharge",
                   "Capital surcharge of the tier named 'state' (systemic importance)."),
              &Policy::surcharge_state),
         like("risk_weight_consumer", "banks.risk_weight_consumer",
              "Risk weight of consumer loans."),
         like("risk_weight_sme", "banks.risk_weight_sme", "Risk weight of SME loans.")});
    s.at_least_one = {"minimum", "conservation_buffer", "surcharge_state", "risk_weight_consumer",
                      "risk_weight_sme"};
    s.reviews_bank_limits = true;
    t.push_back(std::move(s));
  }
  {
    ShockType s = shock(
        ShockKind::colending_concentration_limit, "colending_concentration_limit",
        "Limits banks' co-lending with the platform: the loans a bank co-lends with one partner "
        "≤ `max_partner_share_of_tier1` × its tier-1 capital (25% in the 2021 rules), and all its "
        "co-lent loans ≤ `max_colending_share_of_loans` of its loans (50%).",
        true,
        {number("max_partner_share_of_tier1", "share of tier-1 capital", 0, 10,
                "Largest co-lending exposure to one partner, as a share of tier-1 capital."),
         sets(number("max_colending_share_of_loans", "share of loans", 0, 1,
                     "Largest share of a bank's loans that are co-lent."),
              &Policy::max_colending_share_of_loans)});
    s.at_least_one = {"max_partner_share_of_tier1", "max_colending_share_of_loans"};
    s.args = colending_limit_args;
    s.reviews_bank_limits = true;
    t.push_back(std::move(s));
  }
  {
    ShockType s =
        shock(ShockKind::bank_failure, "bank_failure",
              "A bank fails: its equity is written off (against its bonds, then its reserves) and "
              "it is resolved the same day: the government recapitalises it to its requirement, "
              "depositors lose nothing, and it makes no new loans for the rest of the run. Name it "
              "by `bank` (its index over all banks, tiers in order) or by `tier` and `index` "
              "within the tier.",
              false,
              {integer("bank", "index", 0, 1e6, "Index of the bank over all banks, from 0."),
               text("tier", "Name of the bank's tier (banks.tiers[].name)."),
               integer("index", "index", 0, 1e6,
                       "Index of the bank within its tier, from 0 (default 0)."),
               number("loss_share", "share", 0, 1,
                      "A further loss beyond its equity, as a share of its assets (default 0: "
                      "equity goes to zero and nothing more); with it the bank cannot pay its "
                      "interbank creditors in full under eisenberg_noe / rogers_veraart.")});
    s.cumulative = true;
    s.rule = bank_rule;
    s.args = bank_failure_args;
    t.push_back(std::move(s));
  }
  // --- capital markets ----------------------------------------------------------
  {
    ShockType s = shock(
        ShockKind::ipo, "ipo",
        "The platform lists on the event's date: it raises `raise_yuan` of new equity at a "
        "valuation of `valuation_yuan` (the Nov-2020 plan: ≈ US$34.5 bn at ≈ US$313 bn). "
        "Economy-wide amounts (divided by run.scale).",
        false,
        {required(number("raise_yuan", "RMB", 1, 1e15, "New equity raised.")),
         required(number("valuation_yuan", "RMB", 1, 1e16, "Valuation of the whole company."))});
    s.rule = ipo_rule;
    s.args = ipo_args;
    t.push_back(std::move(s));
  }
  {
    ShockType s = shock(
        ShockKind::ipo_halt, "ipo_halt",
        "Halts the planned IPO: the `ipo` event does not happen, so its capital never arrives "
        "(and with it the lending room it would have given). A scheduled halt must come on or "
        "before the IPO's date (Nov-2020: two days before listing).",
        false, {});
    s.requires_type = "ipo";
    t.push_back(std::move(s));
  }
  t.push_back(with_args(
      shock(
          ShockKind::antitrust_fine, "antitrust_fine",
          "A fine paid out of the platform's equity (Alibaba was fined RMB 18.2 bn in April 2021). "
          "Economy-wide amount (divided by run.scale).",
          false, {required(number("yuan", "RMB", 1, 1e14, "The fine."))}),
      fine_args));
  t.back().cumulative = true;
  t.push_back(shock(
      ShockKind::payment_share_limit, "payment_share_limit",
      "Caps the platform's share of mobile payments; payments above it go to rival wallets.", true,
      {required(sets(number("max_share", "share", 0, 1, "Largest share of mobile payments."),
                     &Policy::max_payment_share))}));
  t.push_back(with_args(
      shock(ShockKind::platform_outage, "platform_outage",
            "The platform's payment and lending services stop for `days` days: payments go through "
            "bank cards and no platform loans are made.",
            false, {required(integer("days", "days", 1, 365, "Length of the outage."))}),
      outage_args));
  t.back().cumulative = true;
  // --- information ------------------------------------------------------------------
  t.push_back(with_args(
      shock(
          ShockKind::data_sharing_mandate, "data_sharing_mandate",
          "The platform must share credit data with the credit bureau: the bureau's signal "
          "sharpens "
          "(banks screen better) and the platform's fee may respond (2021: data shared through a "
          "state-backed credit-scoring company).",
          true,
          {required(number("shared_fraction", "share", 0, 1,
                           "Share of the platform's credit data that reaches the bureau.")),
           number(
               "bureau_precision", "1/logit²", 0, 1e4,
               "Precision (1/σ²) of the bureau's logit-PD signal after the mandate; left out, the "
               "model derives it from shared_fraction."),
           defaulted(
               number("platform_fee_response", "share", -1, 1,
                      "Relative change of the platform's technology-service fee (−0.2: the fee "
                      "falls by a fifth)."),
               "0")}),
      data_sharing_args));
  // --- the fund -----------------------------------------------------------------------
  {
    ShockType s = shock(
        ShockKind::fund_rules, "fund_rules",
        "Changes the money-market fund's rules: the instant-redemption cap per consumer per day "
        "(RMB 10,000 under the 2018 rules) and the liquidity ratio.",
        true,
        {like("instant_redemption_cap_yuan", "fund.instant_redemption_cap_yuan",
              "Instant redemptions allowed per consumer per day."),
         like("liquidity_ratio", "fund.liquidity_ratio", "Share of assets kept liquid.")});
    s.at_least_one = {"instant_redemption_cap_yuan", "liquidity_ratio"};
    t.push_back(std::move(s));
  }
  t.push_back(with_args(
      shock(ShockKind::fund_run, "fund_run",
            "A run on the money-market fund: each day for `days` days, holders ask to redeem "
            "`redemption_share` / `days` of their units (within the instant-redemption cap); the "
            "fund "
            "pulls its placements from banks.",
            false,
            {required(number("redemption_share", "share", 0, 1,
                             "Share of fund units holders try to redeem.")),
             defaulted(integer("days", "days", 1, 365, "Days over which the redemptions come."),
                       "1")}),
      fund_run_args));
  t.back().cumulative = true;
  // --- households -------------------------------------------------------------------------
  {
    ShockType s = shock(
        ShockKind::income_shock, "income_shock",
        "An income and unemployment shock: wages change by `income_change` (−0.1: 10% lower), "
        "unemployment jumps to `unemployment_rate` (then returns towards its steady state "
        "as people find jobs), and/or job losses become `job_loss_multiplier` times as "
        "frequent (a lasting rise: steady-state unemployment ≈ m·loss / (m·loss + finding)).",
        true,
        {number("income_change", "share", -1, 10, "Relative change of wages."),
         number("unemployment_rate", "share", 0, 1,
                "Share of consumers unemployed after the shock."),
         sets(number("job_loss_multiplier", "1", 0, 100,
                     "Multiplies the monthly job-loss rate (1 = the scenario's rate)."),
              &Policy::job_loss_multiplier)});
    s.at_least_one = {"income_change", "unemployment_rate", "job_loss_multiplier"};
    s.args = income_shock_args;
    t.push_back(std::move(s));
  }
  {
    ShockType s = shock(
        ShockKind::house_price_shock, "house_price_shock",
        "House prices change by `change` (−0.2: 20% lower), and with them the collateral "
        "behind banks' consumer and SME lending limits: the national index, or one `region`'s "
        "factor if given (a region's index is national × its factor).",
        true,
        {required(number("change", "share", -1, 10, "Relative change of house prices.")),
         integer(
             "region", "index", 0, 999,
             "Region the shock hits, from 0 (regions.count regions); all regions when left out.")});
    s.cumulative = true;
    s.rule = region_rule;
    s.args = house_price_args;
    t.push_back(std::move(s));
  }
  // --- central bank ---------------------------------------------------------------------------
  t.push_back(shock(ShockKind::policy_rate, "policy_rate", "The central bank sets its policy rate.",
                    true,
                    {required(like("rate", "central_bank.policy_rate", "The new policy rate."))}));
  t.push_back(shock(ShockKind::reserve_requirement, "reserve_requirement",
                    "The central bank sets the required reserve ratio.", true,
                    {required(like("ratio", "central_bank.reserve_requirement",
                                   "Required reserves / deposits."))}));
  return t;
}

}  // namespace pfsim::scenario
