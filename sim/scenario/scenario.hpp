// The scenario: plain data, every field defaulted from the schema (schema.cpp).
// Units are in the field names or comments; money in a scenario file is in yuan
// (converted to fen when the world is built).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/date.hpp"

namespace pfsim {

struct RunSettings {
  std::string name;
  Date start_date;
  std::int64_t days = 365;  // steps; one step is one day
  std::int64_t seed = 1;  // 0 … 2^53, so that it survives JSON and Python
  std::int64_t flush_every_steps = 30;
};

struct ConsumerParams {
  std::int64_t count = 0;
  double monthly_income_median_yuan = 0;  // RMB per month, median of a log-normal
  double income_log_sigma = 0;            // σ of log income
  double employment_rate = 0;             // share of consumers employed by an SME
  double initial_deposit_months = 0;      // initial deposit, months of own income
  double mpc_income = 0;                  // share of monthly income spent
  double mpc_wealth_monthly = 0;          // share of deposits spent per month
  double purchases_per_month = 0;         // mean number of purchases a month
  double platform_adoption_mean = 0;      // mean probability of paying by platform
};

struct SmeParams {
  std::int64_t count = 0;
  double initial_deposit_months = 0;  // initial cash, months of wage bill
  double platform_acceptance = 0;     // share of merchants accepting platform payment
  std::int64_t payday = 1;            // day of month wages are paid
};

struct BankTier {
  std::string name;
  std::int64_t count = 0;
  double deposit_share = 0;       // share of customers banking with the tier
  double capital_ratio = 0;       // initial equity / deposits (funding of the bond book)
  double reserve_ratio = 0;       // initial reserves / deposits
};

struct BankParams {
  std::vector<BankTier> tiers;
};

struct PlatformParams {
  double merchant_fee_rate = 0;     // fee on platform payment volume, charged to the merchant
  double operating_cost_ratio = 0;  // operating costs as a share of the month's revenue
};

struct CentralBankParams {
  double policy_rate = 0;               // per year
  double reserve_requirement = 0;       // required reserves / deposits
};

struct Scenario {
  RunSettings run;
  ConsumerParams consumers;
  SmeParams smes;
  BankParams banks;
  PlatformParams platform;
  CentralBankParams central_bank;

  std::string source_path;    // file it came from ("" if built in code)
  std::string resolved_text;  // the fully resolved scenario as YAML (for results files)

  [[nodiscard]] Date end_date() const {
    return run.start_date.plus_days(static_cast<std::int32_t>(run.days));
  }
};

}  // namespace pfsim
