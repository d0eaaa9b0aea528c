// The scenario: plain data, every field defaulted from the schema (schema.cpp).
// Units are in the field names or comments; money in a scenario file is in yuan
// (converted to fen when the world is built).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "scenario/expression.hpp"
#include "scenario/policy.hpp"
#include "scenario/shock_kinds.hpp"

namespace pfsim {

struct RunSettings {
  std::string name;
  Date start_date;
  std::int64_t days = 365;  // steps; one step is one day
  std::int64_t seed = 1;    // 0 … 2^53, so that it survives JSON and Python
  std::int64_t flush_every_steps = 30;
  std::int64_t spinup_days = 0;  // simulated before start_date, not recorded (steady state)
  double scale = 1;  // real persons (and firms) each agent stands for; totals are reported × scale
};

struct RegionParams {
  std::int64_t count =
      1;  // regions; firms in contiguous slot blocks, consumers with their employer
  double home_purchase_share = 0;  // P(a purchase is at a home-region merchant)
};

struct ConsumerParams {
  std::int64_t count = 0;
  double monthly_income_median_yuan = 0;  // RMB per month, median of a log-normal
  double income_log_sigma = 0;            // σ of log income
  double employment_rate = 0;             // initial share employed
  double job_loss_rate_monthly = 0;       // P(an employed consumer loses the job) per month
  double job_finding_rate_monthly = 0;    // P(an unemployed consumer finds work) per month
  double initial_deposit_months = 0;      // initial deposit, months of own income
  double mpc_income = 0;                  // share of monthly income spent
  double mpc_wealth_monthly = 0;  // share of liquid wealth above one month's wage spent per month
  double subsistence_share =
      0;  // spending floor, share of the usual wage (kept up when income stops)
  double hand_to_mouth_share = 0;      // consumers who spend all income (no buffer)
  double unemployed_income_share = 0;  // income while unemployed, share of the usual wage
  double mpc_lost_income = 0;          // share of the wage lost in unemployment cut from the budget
  double social_contribution_share = 0;  // share of government spending levied on wages paid
  double line_liquidity_share = 0;  // share of the credit limit drawn to keep spending when short
  double line_buffer_share =
      0;  // share of the unused line counted as cash-on-hand below the buffer
  double reapply_cooloff_months = 0;      // a refused applicant waits this long before reapplying
  double purchases_per_month = 0;         // mean number of purchases a month
  double platform_adoption_mean = 0;      // mean probability of paying by mobile wallet
  double risk_logit_mean = 0;             // mean of logit(annual default probability)
  double risk_logit_sigma = 0;            // σ of logit(annual default probability)
  double unemployed_risk_multiplier = 0;  // hazard multiplier while unemployed
  double revolving_use_share = 0;         // share of platform purchases put on the credit line
  double revolving_limit_months = 0;      // credit line, months of income
  double revolving_repay_share = 0;       // share of the statement repaid each month when able
  double revolving_minimum_share = 0;     // minimum payment, share of the statement
  double cash_loan_demand_monthly = 0;    // P(wanting a cash loan) per month at the reference rate
  double cash_loan_rate_elasticity =
      0;  // demand falls by exp(−elasticity × (policy rate − reference))
  double cash_loan_reference_rate = 0;  // policy rate at which demand is cash_loan_demand_monthly
  double cash_loan_need_months = 0;     // short of cash below this liquid wealth, months of wage
  double cash_loan_demand_short_monthly = 0;  // P(wanting a cash loan) per month when short
  double cash_loan_months_of_income = 0;      // size of a cash loan, months of income
  std::int64_t cash_loan_term_months = 12;
  double bank_loan_fixed_cost_yuan = 0;      // one-off non-price cost of a bank consumer loan (RMB)
  double homeowner_share = 0;                // share owning a house (collateral)
  double house_value_months = 0;             // house value, months of income
  double house_value_log_sigma = 0;          // σ of log house value around that
  double fund_share_max = 0;                 // ceiling of the liquid-wealth share kept in the fund
  double fund_share_intercept = 0;           // logit intercept of the fund share
  double fund_share_spread_sensitivity = 0;  // logit change per percentage point of yield spread
  double fund_adjustment_monthly = 0;        // share of the gap to the target closed per month
};

struct SmeParams {
  std::int64_t count = 0;
  double initial_deposit_months = 0;  // initial cash, months of wage bill
  double platform_acceptance = 0;     // share of merchants accepting mobile payment
  double fee_free_share = 0;          // share of accepting merchants who pay no fee
  std::int64_t payday = 1;            // day of month wages are paid
  double supplier_share = 0;          // share of sales spent on purchases from the supplier SME
  double risk_logit_mean = 0;
  double risk_logit_sigma = 0;
  double collateral_share = 0;       // share of SMEs owning property
  double collateral_months = 0;      // property value, months of wage bill (mean)
  double collateral_dispersion = 0;  // σ of log property value across firms
  double loan_need_months = 0;       // apply for a loan when cash < this × wage bill
  double loan_size_months = 0;       // loan size, months of wage bill
  double loan_demand_monthly = 0;    // P(applying for a loan) per month regardless of cash
  double loan_rate_elasticity = 0;   // semi-elasticity of that demand to the loan rate, 1/(rate)
  double bank_loan_fixed_cost_yuan = 0;   // one-off non-price cost of a bank loan (RMB)
  double loan_reference_rate = 0;         // policy rate at which demand = loan_demand_monthly
  double reapply_cooloff_months = 0;      // a refused firm waits this long before applying again
  double demand_persistence_monthly = 0;  // ρ of a firm's log demand factor, month to month
  double demand_volatility_monthly = 0;   // σ of its monthly innovation
  double cash_target_months = 0;  // cash kept; dividend_share of the excess is paid out on payday
  double cash_target_dispersion = 0;  // σ of log(firm's cash target / cash_target_months)
  double dividend_share = 0;
  double debt_service_reserve = 0;  // share of the month's instalments kept before dividends
  std::int64_t loan_term_months = 6;
  std::int64_t exit_missed_paydays = 3;  // consecutive short paydays before exit
  double entry_rate_monthly = 0;         // P(a vacant slot is filled) per month
  double hiring_cash_months = 1;         // a firm that cannot borrow finances staff up to this need
  double layoff_adjustment_monthly = 0;  // share of the unfinanced staff laid off per payday
};

struct BankTier {
  std::string name;
  std::int64_t count = 0;
  double deposit_share = 0;       // share of customers banking with the tier
  double capital_ratio = 0;       // initial equity / deposits
  double reserve_ratio = 0;       // initial reserves / deposits
  double surcharge = 0;           // capital surcharge (systemic importance)
  double colending_appetite = 0;  // relative weight in co-lending quotas
  double fund_placement_weight =
      0;  // relative weight (per unit of deposits) in the fund's placements
  double term_interbank_share = 0;  // term interbank borrowing (loans + NCDs) / deposits
};

struct BankParams {
  std::vector<BankTier> tiers;
  double capital_minimum = 0;  // minimum total capital ratio
  double conservation_buffer = 0;
  double lending_margin_over_requirement = 0;  // headroom below which new lending stops
  double risk_weight_consumer = 0;
  double risk_weight_sme = 0;
  double risk_weight_bonds = 0;
  double deposit_markdown = 0;    // deposit rate = policy rate − markdown (≥ 0)
  double loan_margin = 0;         // margin over funding cost and expected loss
  double consumer_cutoff_pd = 0;  // approve when the bureau-signal PD is below this
  double sme_cutoff_pd = 0;
  double sme_loan_to_value = 0;          // SME loan ≤ LTV × collateral value
  double sme_min_loan_yuan = 0;          // banks do not make smaller SME loans
  double consumer_unsecured_months = 0;  // bank consumer loan ≤ this × monthly income …
  double consumer_collateral_ltv = 0;    // … + this × house value × regional house-price index
  double cost_to_income = 0;             // operating costs as a share of income
  double dividend_payout = 0;            // share of a month's profit paid to shareholders …
  double dividend_buffer = 0;  // … while the capital ratio stays this far above requirement
  double lgd = 0;              // loss given default
  std::int64_t writeoff_days = 180;
};

struct PlatformParams {
  double merchant_fee_rate = 0;      // fee on platform payment volume, charged to the merchant
  double operating_cost_ratio = 0;   // operating costs as a share of the month's revenue
  double dividend_payout = 0;        // share of a month's profit paid to shareholders
  double rival_wallet_share = 0;     // share of mobile payments that go to a rival wallet
  double initial_equity_months = 0;  // equity at start, months of all consumers' contractual wages
  double own_funding_share = 0;      // share of each co-lent loan the platform funds itself
  double leverage_limit = 0;         // own-funded loans ≤ limit × equity
  double max_debt_to_capital = 0;    // bank facility ≤ this × capital
  double borrowing_spread = 0;       // facility rate = policy rate + spread, per year
  double tech_fee_share = 0;         // share of co-lent interest paid to the platform as tech fee
  double signal_sigma0 = 0;          // σ of the logit-PD signal with no payment data
  double data_half_saturation = 0;   // payments at which σ falls by 1/√2
  double consumer_cutoff_pd = 0;
  double sme_cutoff_pd = 0;
  double loan_margin = 0;
  double revolving_rate = 0;          // annual rate on revolved balances
  double interest_rate_cap = 0;       // legal cap on annual loan rates
  double sme_loan_cap_yuan = 0;       // largest SME loan
  double sme_limit_sales_months = 0;  // a firm's debt ≤ this × its last month's sales
  double valuation_multiple = 0;      // price / annual earnings
  double fund_fee_rate = 0;           // annual fee on fund assets earned by the platform
  double wealth_fee_rate = 0;  // annual fees wallet users pay on wealth products, per fund unit
  std::int64_t writeoff_days =
      180;  // platform-originated loans are written off at this many days past due
};

struct FundParams {
  double liquidity_ratio = 0;              // buffer kept at the custodian, share of assets
  double instant_redemption_cap_yuan = 0;  // per consumer per day
  double placement_markdown = 0;           // placement rate = policy − markdown
  // Confidence c ∈ [0, 1] (scales the fund share consumers want and the
  // platform's valuation): bad news lowers it, it recovers by a share a day.
  double confidence_recovery_daily = 0;        // share of the gap to 1 closed per day
  double confidence_loss_per_equity_lost = 0;  // × share of platform equity lost on a day
  double confidence_loss_per_unpaid_share =
      0;  // × share of the day's redemptions the fund could not pay
  double confidence_loss_ipo_halt = 0;
  double confidence_loss_platform_failure = 0;
  double confidence_loss_outage = 0;  // when an outage starts
  double confidence_loss_run = 0;     // when a fund_run starts
};

struct CentralBankParams {
  double policy_rate = 0;               // per year
  double reserve_requirement = 0;       // required reserves / deposits
  double interest_on_reserves = 0;      // per year
  double standing_facility_spread = 0;  // overnight loans at policy + spread
  double bureau_signal_sigma = 0;       // σ of the bureau's logit-PD signal
  double bond_rate = 0;                 // coupon on government bonds, per year
};

// A Policy value a shock sets as it is written (a table row of the shock type:
// ShockParam::sets), converted by `unit`.
struct PolicySetting {
  double Policy::*knob = nullptr;
  double value = 0;
  PolicyUnit unit = PolicyUnit::as_written;
};

// What the engine applies, resolved from the type and parameters on load.
struct ResolvedShock {
  ShockKind kind = ShockKind::policy_rate;
  ShockArgs args;                       // the kind's typed arguments
  std::vector<PolicySetting> settings;  // the Policy values it sets, in table order
  bool reviews_bank_limits = false;     // banks' lending room is recomputed when it moves
};

// A shock (DESIGN.md §4) applied on a date or when a condition on recorded
// indicators holds. Validated against the shock table (scenario/events.hpp,
// scenario/shock_types.cpp); the engine owns the mechanism each type acts on.
struct EventSpec {
  using Value = std::variant<double, std::string, Date>;  // integer parameters are whole doubles

  std::string id;            // optional; a file that extends this one replaces the event by id
  std::optional<Date> date;  // scheduled: takes effect at the start of this day
  std::string when;          // trigger: the condition as written ("" when scheduled)
  scenario::Expression condition;  // `when`, compiled (empty when scheduled)
  std::string type;                // shock type, e.g. "policy_rate"
  std::map<std::string, Value, std::less<>>
      params;                      // validated; defaults explicit; unset optional ones absent
  std::int64_t phase_in_days = 0;  // 0: at once; else reached linearly over this many days
  bool repeat = false;             // a trigger fires again each time its condition turns true again
  ResolvedShock shock;             // kind, typed arguments and Policy settings (set on load)

  // For messages at run time (e.g. an unknown indicator in `when`).
  std::string key_path;            // "events[2]": the index as written in its own file
  SourceLocation where;            // the event in its file
  SourceLocation condition_where;  // the first character of `when`
  bool condition_columns_exact =
      false;  // byte offsets in `when` are columns on condition_where's line

  [[nodiscard]] bool has(std::string_view name) const;
  // A number or integer parameter; throws InternalError if absent (a bug: validated on load).
  [[nodiscard]] double number(std::string_view name) const;
  [[nodiscard]] const std::string& text(std::string_view name) const;
  [[nodiscard]] Date date_param(std::string_view name) const;
};

// The interbank market and contagion between banks.
struct InterbankParams {
  std::string topology;    // who may lend to whom: core_periphery | scale_free | erdos_renyi |
                           // complete | file
  std::string file;        // topology = file: CSV of partner pairs, relative to the scenario file
  double density = 0;      // core density (core_periphery) or link probability (erdos_renyi)
  std::int64_t links = 0;  // links to the tier above (core_periphery) or per new bank (scale_free)
  double spread = 0;       // overnight rate = policy rate + spread, per year
  double lending_share = 0;     // share of spare reserves a bank offers its partners
  double lgd = 0;               // loss given default on interbank claims
  std::string contagion;        // furfine | eisenberg_noe | rogers_veraart | none: how a failure's
                                // losses spread within the step
  std::int64_t max_rounds = 0;  // contagion rounds per step
  double rv_alpha = 0;          // Rogers-Veraart: share of external assets a defaulter realises
  double rv_beta = 0;           // Rogers-Veraart: share of interbank receipts it realises
  std::int64_t term_days = 0;   // maturity of term interbank claims (rolled over at maturity)
  double term_spread = 0;       // term interbank rate = policy rate + term_spread, per year
  double srisk_prudential_ratio = 0;     // k in SRISK = k·D − (1−k)·(1−LRMES)·E
  double srisk_crisis_loss = 0;          // LRMES: fall of equity in the crisis scenario
  std::int64_t snapshot_every_days = 0;  // /networks snapshots (0: only on failure days)
};

// `fire_sales:` banks below their capital requirement sell bonds inside the
// step; the price falls with the amount sold and every holder is marked to it.
struct FireSaleParams {
  std::string impact;              // exponential | linear | none (none: no fire sales)
  double price_impact = 0;         // price fall per share of the banks' bonds sold
  double recovery_per_day = 0;     // share of the gap to par the price recovers each quiet day
  double equity_loss_trigger = 0;  // sells only after losing this share of its equity this month
};

// `bank_runs:` the fund and depositors withdraw from banks whose capital ratio
// today falls below a trigger (phases/bank_runs.cpp, funds.cpp); a trigger of 0 is off.
struct BankRunParams {
  double fund_capital_ratio_trigger = 0;       // the fund pulls all its placement below this
  double depositor_capital_ratio_trigger = 0;  // depositors start leaving below this
  double insured_share_per_day = 0;    // P(a depositor within the insurance limit leaves), per day
  double uninsured_share_per_day = 0;  // P(a depositor above the limit leaves), per day
  double deposit_insurance_limit_yuan = 0;           // per depositor
  double fund_confidence_loss_per_failed_share = 0;  // × share of the fund placed at failing banks
};

// `record:` what a run records (/timeseries and the in-memory results).
struct RecordSpec {
  // Indicator names, in the order given; empty: every indicator, in table order.
  std::vector<std::string> indicators;
  std::vector<SourceLocation> indicators_where;  // where each name is, for messages
  std::int64_t every_days = 1;  // a row on days 0, every_days, 2 × every_days, ...
};

struct Scenario {
  RunSettings run;
  RegionParams regions;
  ConsumerParams consumers;
  SmeParams smes;
  BankParams banks;
  PlatformParams platform;
  FundParams fund;
  CentralBankParams central_bank;
  InterbankParams interbank;
  FireSaleParams fire_sales;
  BankRunParams bank_runs;
  std::vector<EventSpec> events;  // shocks in file order, a base file's first (extends)
  // `look_at:` the indicators that answer the scenario's question (reports
  // show these first); where each name is, for messages.
  std::vector<std::string> look_at;
  std::vector<SourceLocation> look_at_where;
  RecordSpec record;

  std::string source_path;    // file it came from ("" if built in code)
  std::string resolved_text;  // the fully resolved scenario as YAML (for results files)

  [[nodiscard]] Date end_date() const {
    return run.start_date.plus_days(static_cast<std::int32_t>(run.days));
  }
};

}  // namespace pfsim
