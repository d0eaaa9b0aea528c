// Shock kinds and their typed parameters, resolved when a scenario is loaded
// (shock_types.cpp), so the engine's mechanism (phases/shocks.cpp) switches on
// a kind and reads fields, never a type string or a parameter key.
//
// Adding a shock type touches three files: a kind and (if it needs more than
// setting Policy values) an argument struct here; its row in shock_types.cpp
// (name, help, parameters, and how the arguments are read); its case in
// phases/shocks.cpp. The mechanism's switch has no default, so a kind without
// a case does not compile (-Wswitch with -Werror).
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

namespace pfsim {

enum class ShockKind : std::uint8_t {
  cofunding_floor,
  platform_leverage_cap,
  registered_capital_minimum,
  loan_size_cap,
  interest_rate_cap,
  bank_capital_rule,
  colending_concentration_limit,
  bank_failure,
  ipo,
  ipo_halt,
  antitrust_fine,
  payment_share_limit,
  platform_outage,
  data_sharing_mandate,
  fund_rules,
  fund_run,
  income_shock,
  house_price_shock,
  policy_rate,
  reserve_requirement,
};

// Arguments beyond the Policy values a shock sets through its table row
// (ShockParam::sets, applied the same way for every kind). Amounts are as
// written in the scenario (RMB, shares, days); the mechanism converts.
struct NoShockArgs {};
struct CofundingFloorArgs {
  double share = 0;  // the platform's own share of each co-lent loan is raised to at least this
};
struct ColendingLimitArgs {
  std::optional<double> max_partner_share_of_tier1;  // starts from the largest bank's ratio
};
struct BankFailureArgs {
  std::uint32_t bank = 0;  // index over all banks (tier and index resolved on load)
  double loss_share = 0;   // further loss beyond its equity, as a share of its assets
};
struct IpoArgs {
  double raise_yuan = 0, valuation_yuan = 0;  // economy-wide RMB
};
struct AntitrustFineArgs {
  double yuan = 0;  // economy-wide RMB
};
struct PlatformOutageArgs {
  std::int64_t days = 0;
};
struct DataSharingArgs {
  double shared_fraction = 0;
  std::optional<double> bureau_precision;  // 1/logit²; absent: derived from shared_fraction
  double platform_fee_response = 0;        // relative change of the tech-service fee
};
struct FundRunArgs {
  double redemption_share = 0;
  std::int64_t days = 1;
};
struct IncomeShockArgs {
  std::optional<double> income_change;      // relative change of wages
  std::optional<double> unemployment_rate;  // share unemployed after the shock
};
struct HousePriceArgs {
  double change = 0;                    // relative change of house prices
  std::optional<std::uint32_t> region;  // absent: the national index
};

using ShockArgs = std::variant<NoShockArgs, CofundingFloorArgs, ColendingLimitArgs, BankFailureArgs,
                               IpoArgs, AntitrustFineArgs, PlatformOutageArgs, DataSharingArgs,
                               FundRunArgs, IncomeShockArgs, HousePriceArgs>;

// How a shock parameter's number becomes the Policy value it sets.
enum class PolicyUnit : std::uint8_t {
  as_written,           // shares, rates, ratios, per-person RMB the policy keeps in RMB
  person_yuan_to_fen,   // a per-person amount in RMB → fen (not scaled)
  economy_yuan_to_fen,  // an economy-wide amount in RMB → model fen (÷ run.scale)
};

}  // namespace pfsim
