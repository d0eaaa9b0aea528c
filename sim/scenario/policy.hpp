// The live rule set: the scenario settings that shocks move during a run.
//
// One home per live parameter: the world's phases read these only from the
// world's Policy; the scenario holds their starting values, and the parameter
// table (parameters.cpp, `ParamSpec::live`) says which field each one starts
// (world/build.cpp copies them with one loop). A shock moves a value here,
// at once or ramped (phases/shocks.cpp); nothing else writes it.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace pfsim {

struct Policy {
  double policy_rate = 0;                     // 1/year
  double reserve_requirement = 0;             // share of deposits
  double interest_on_reserves = 0;            // 1/year
  double bureau_signal_sigma = 0;             // logit-PD noise of the credit bureau's signal
  double own_funding_share = 0;               // platform's co-funding share on new loans
  double leverage_limit = 0;                  // own-funded loans ≤ limit × platform capital
  double registered_capital_minimum_fen = 0;  // below it the platform makes no own-funded loans
  double interest_rate_cap = 0;               // 1/year
  double tech_fee_share = 0;                  // share of co-lent interest paid to the platform
  double capital_minimum = 0;                 // bank total capital ratio
  double conservation_buffer = 0;
  double surcharge_state = 0;  // surcharge of the tier named "state" (others: scenario)
  double risk_weight_consumer = 0;
  double risk_weight_sme = 0;
  double max_partner_share_of_tier1 =
      std::numeric_limits<double>::infinity();  // co-lent ≤ × bank equity
  double max_colending_share_of_loans = 1;      // co-lent ≤ share × bank loans
  double max_consumer_loan_fen = std::numeric_limits<double>::infinity();  // per loan / credit line
  double max_loan_income_share = std::numeric_limits<double>::infinity();  // × annual wage
  double max_payment_share = 1;            // platform's share of wallet users
  double instant_redemption_cap_yuan = 0;  // per consumer per day (not scaled)
  double fund_liquidity_ratio = 0;
  double income_multiplier = 1;     // scales wages (income shocks)
  double job_loss_multiplier = 1;   // scales job-loss rates (unemployment shocks)
  double unemployment_target = -1;  // while ≥ 0, layoffs lift unemployment to it
  double house_price_index =
      1;  // national house-price index (collateral values × index × regional factor)
  std::vector<double> regional_house_price;  // per region, × the national index (regional shocks)
  bool platform_outage = false;
  double fund_run_share_daily = 0;  // share of fund units redeemed per day during a run
  bool review_bank_limits = false;  // recompute bank lending room today (a rule changed)
};

// One value a shock can move: a scalar of Policy, or one region's entry of a
// per-region list (exactly one of the two members is set).
struct PolicyTarget {
  double Policy::*scalar = nullptr;
  std::vector<double> Policy::*per_region = nullptr;
  std::uint32_t region = 0;

  [[nodiscard]] static PolicyTarget of(double Policy::*knob) { return {knob, nullptr, 0}; }
  [[nodiscard]] static PolicyTarget of_region(std::vector<double> Policy::*list,
                                              std::uint32_t region) {
    return {nullptr, list, region};
  }
  [[nodiscard]] double& in(Policy& p) const {
    return scalar != nullptr ? p.*scalar : (p.*per_region)[region];
  }
  [[nodiscard]] bool operator==(const PolicyTarget&) const = default;
};

}  // namespace pfsim
