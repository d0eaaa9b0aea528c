// Agent stores: struct-of-arrays, one row per agent; an agent is an index.
// Money is not here: every balance lives in the ledger (world/ledger.hpp), so
// that conservation is checked in one place. Each column states its unit.
#pragma once

#include <cstdint>
#include <vector>

#include "core/money.hpp"
#include "world/agent_kind.hpp"

namespace pfsim {

struct ConsumerStore {
  std::vector<AgentId> id;                 // stable id
  std::vector<Fen> monthly_wage;           // fen/month, contractual wage while employed
  std::vector<std::uint32_t> employer;     // SME index, or no_index when unemployed
  std::vector<float> platform_adoption;    // probability of paying by platform, [0, 1]

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

struct SmeStore {
  std::vector<AgentId> id;
  std::vector<std::uint8_t> accepts_platform;  // 1 if the merchant takes platform payments
  // Employees are the consumers [first_employee, first_employee + employee_count):
  // employees sit with their employer, so payroll reads one contiguous range.
  std::vector<std::uint32_t> first_employee;
  std::vector<std::uint32_t> employee_count;
  // Payroll snapshot taken when wages are paid (both fen): what the firm owed
  // and what it had. Employees are paid wage × min(1, funds / bill).
  std::vector<Fen> payroll_bill;
  std::vector<Fen> payroll_funds;

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

struct BankStore {
  std::vector<AgentId> id;
  std::vector<std::uint8_t> tier;  // index into scenario.banks.tiers

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

struct PlatformStore {
  std::vector<AgentId> id;
  std::vector<double> merchant_fee_rate;  // share of payment volume
  std::vector<Fen> revenue_this_month;    // fen, all lines; drives monthly operating costs

  [[nodiscard]] std::size_t size() const { return id.size(); }
};

}  // namespace pfsim
