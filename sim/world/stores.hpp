// Agent stores: struct-of-arrays, one row per agent; an agent is an index.
// Money is not here: every balance and claim lives in the ledger
// (world/ledger.hpp), so that conservation is checked in one place. Each column
// states its unit. Columns are registered in columns.cpp (Python views, docs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/money.hpp"
#include "world/agent_kind.hpp"

namespace pfsim {

// The ids of agents created one after the other that never change slots (the
// consumers): row i's id is the first id plus i, so none is stored (8 bytes a
// consumer; docs/performance.md). Reads like the vector it replaces.
class ConsecutiveIds {
 public:
  ConsecutiveIds() = default;
  ConsecutiveIds(AgentId first, std::size_t count) : first_(first), count_(count) {}

  [[nodiscard]] AgentId operator[](std::size_t row) const { return first_ + row; }
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] bool empty() const { return count_ == 0; }
  [[nodiscard]] AgentId first() const { return first_; }
  // Appends the next id, which must follow the last one.
  void push_back(AgentId id) {
    if (count_ == 0) {
      first_ = id;
    } else if (id != first_ + count_) {
      throw InternalError("ids of this store must be consecutive: " + std::to_string(id) +
                          " after " + std::to_string(first_ + count_ - 1));
    }
    ++count_;
  }
  void reserve(std::size_t /*rows*/) {}
  [[nodiscard]] std::vector<AgentId> to_vector() const {
    std::vector<AgentId> out(count_);
    for (std::size_t i = 0; i < count_; ++i) out[i] = first_ + i;
    return out;
  }
  bool operator==(const ConsecutiveIds&) const = default;

 private:
  AgentId first_ = 0;
  std::size_t count_ = 0;
};

struct ConsumerStore {
  ConsecutiveIds id;                    // stable id: the first consumer's id + the row
  std::vector<Fen> monthly_wage;        // fen/month, contractual wage while employed
  std::vector<std::uint32_t> employer;  // SME slot (employees sit with their employer), or no_index
  std::vector<std::uint8_t> employed;   // 1 while employed (0 during an unemployment spell)
  std::vector<std::uint8_t> billing_day;    // 1…28: statements, instalments, fund rebalancing
  std::vector<std::uint16_t> region;        // home region: the employer's (house prices, purchases)
  std::vector<float> platform_adoption;     // P(paying by mobile wallet), [0, 1]
  std::vector<std::uint8_t> wallet;         // 0 = the lending platform, 1 = the rival wallet
  std::vector<std::uint8_t> hand_to_mouth;  // 1: spends all its income, keeps no buffer
  std::vector<float> latent_pd;             // true annual default probability (unobserved)
  std::vector<std::uint32_t> payment_count;  // payments the lending platform has seen (its data)
  std::vector<Fen> house_value;              // fen (0 = no house): collateral
  std::vector<Fen> revolving_limit;          // fen; 0 = no credit line
  std::vector<Fen> revolving_statement;      // fen: balance at the last statement
  std::vector<Fen> cash_loan_instalment;     // fen/month due on the platform cash loan
  std::vector<float> cash_loan_rate;         // 1/year
  std::vector<Fen> bank_loan_instalment;     // fen/month due on the direct bank loan
  std::vector<float> bank_loan_rate;         // 1/year
  std::vector<std::uint16_t> days_past_due;  // 0 when current
  std::vector<std::uint8_t> defaulted_by_hazard;  // 1 once a default event has struck (no cure)
  std::vector<std::uint32_t> line_cooloff_until;  // step: no credit-line application before
  std::vector<std::uint32_t> loan_cooloff_until;  // step: no cash-loan application before
  std::vector<Fen> spending_this_month;           // fen: purchases so far this month
  std::vector<Fen> spending_last_month;           // fen: purchases last month

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

struct SmeStore {
  std::vector<AgentId> id;                     // of the firm now in this slot
  std::vector<std::uint8_t> active;            // 0 = vacant slot (the firm exited)
  std::vector<std::uint8_t> accepts_platform;  // 1 if the merchant takes wallet payments
  std::vector<std::uint8_t> fee_free;          // 1 if it pays no merchant fee (a personal QR code)
  std::vector<std::uint8_t> billing_day;       // 1…28: instalments, supplier payments
  std::vector<std::uint32_t> supplier;         // SME slot it buys from
  // Employees are the consumers [first_employee, first_employee + employee_count).
  std::vector<std::uint32_t> first_employee;
  std::vector<std::uint32_t> employee_count;
  // Relative demand for the firm's goods (mean 1 across firms): a persistent
  // random walk, one step per month end (world/merchant_choice.hpp).
  std::vector<float> demand_factor;
  // Walker alias table over slots, weighted by contractual wage bill × demand
  // factor: buyers pick merchants in proportion to firm size and demand, so
  // that sales match wage bills on average. Built by build_world and rebuilt
  // at each month end (world/merchant_choice.hpp).
  std::vector<float> size_alias_prob;
  std::vector<std::uint32_t> size_alias;
  // Regions are contiguous blocks of slots: region r is [region_first[r],
  // region_first[r + 1]). The same kind of alias table within each block, with
  // offsets local to the block (home-region purchases).
  std::vector<std::uint16_t> region;
  std::vector<std::uint32_t> region_first;  // regions + 1 offsets
  std::vector<float> region_alias_prob;
  std::vector<std::uint32_t> region_alias;
  std::vector<Fen> payroll_bill;             // fen: wage bill at the last payday
  std::vector<Fen> payroll_funds;            // fen: cash available at the last payday
  std::vector<Fen> payroll_dividend;         // fen: dividends paid out at the last payday
  std::vector<Fen> payroll_owners;           // fen: Σ owners' wages (dividend weights)
  std::vector<std::uint8_t> missed_paydays;  // consecutive short paydays
  // Share of buyers it can serve, [0, 1]: the share of its wage bill it paid at
  // the last payday (a firm short of working capital produces less).
  std::vector<float> supply_capacity;
  std::vector<float> latent_pd;              // true annual default probability
  std::vector<std::uint32_t> payment_count;  // wallet payments received (the platform's data)
  std::vector<float> trust_score;  // 1 − the platform's signal PD at its last screening, [0, 1]; 0
                                   // = never screened
  std::vector<Fen> sales_this_month;          // fen
  std::vector<Fen> sales_last_month;          // fen
  std::vector<Fen> collateral_value;          // fen (0 = none)
  std::vector<Fen> platform_loan_instalment;  // fen/month
  std::vector<float> platform_loan_rate;      // 1/year
  std::vector<Fen> bank_loan_instalment;      // fen/month
  std::vector<float> bank_loan_rate;          // 1/year
  std::vector<std::uint16_t> days_past_due;
  std::vector<std::uint8_t> defaulted_by_hazard;
  std::vector<std::uint32_t> loan_cooloff_until;       // step: no platform application before
  std::vector<std::uint32_t> bank_loan_cooloff_until;  // step: no bank application before
  // Share of its full staff it can finance, [0, 1]: 1 if it may borrow, else
  // its expected liquidity at the next payday over smes.hiring_cash_months of
  // the full staff's wage bill. Below 1 it fills no vacancies and lays off
  // some staff (wages.cpp).
  std::vector<float> staff_financed;

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

struct BankStore {
  std::vector<AgentId> id;
  std::vector<std::uint8_t> tier;           // index into scenario.banks.tiers
  std::vector<std::uint8_t> failed;         // 1 after a failure (resolved, still operating)
  std::vector<double> capital_ratio;        // equity / risk-weighted assets, last computed
  std::vector<double> capital_requirement;  // minimum + buffer + surcharge
  std::vector<Fen> colending_quota;         // fen: co-lending the bank will still fund this month
  std::vector<Fen> direct_lending_room;     // fen: direct loans it will still make this month
  std::vector<Fen> equity_month_start;      // fen: equity on the first day of the month
  std::vector<Fen> provisions;              // fen: expected-loss allowance (capital deduction)
  // fen: risk-weighted assets, last computed (less bonds sold since)
  std::vector<double> risk_weighted_assets;
  // fen: withdrawn today by runs (the fund's and depositors'); set by the funds
  // and runs phases, read by bank_regulation (a failure's cause)
  std::vector<Fen> run_outflows_today;

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

struct PlatformStore {
  std::vector<AgentId> id;
  std::vector<double> merchant_fee_rate;      // share of payment volume
  std::vector<std::uint8_t> lends;            // 1 for the lending platform
  std::vector<std::uint8_t> failed;           // 1 once failed and resolved (it lends no more)
  std::vector<Fen> revenue_payments_month;    // fen
  std::vector<Fen> revenue_credit_month;      // fen
  std::vector<Fen> revenue_investment_month;  // fen
  std::vector<Fen> profit_last_month;         // fen
  std::vector<Fen> equity_month_start;        // fen
  std::vector<Fen> credit_losses_month;       // fen written off on own-funded loans
  std::vector<double> valuation;              // fen (model units), last computed
  // Monthly profits of the last 12 months, 12 slots per platform
  // (platform p's are [12p, 12p + 12), filled in turn), and how many months
  // have been recorded (valuation on trailing-year earnings).
  std::vector<Fen> profit_history;
  std::int64_t months_recorded = 0;
  std::vector<Fen> fines_month;  // fen: fines paid this month (news already taken)
  std::vector<Fen>
      capital_raised_month;  // fen: outside capital (IPO) raised this month, not profit

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

struct FundStore {
  std::vector<AgentId> id;
  std::vector<double> yield_annual;      // 1/year paid to unit holders last month
  std::vector<double> confidence;        // [0, 1]; bad news lowers it, it recovers slowly
  std::vector<std::uint32_t> custodian;  // bank holding the liquidity buffer

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

}  // namespace pfsim
