// The flow counters of one step: what the phases add up while a day runs
// (purchases, new loans, write-offs, failures, ...), read by the indicators at
// the end of it and reset at the start of the next.
//
// The list below is the only place a counter is named: the enum, its names and
// units and the merge of per-chunk counters (StepFlows::add) are all generated
// from it, so a counter cannot be left out of the merge. Families indexed by
// lender, platform or contagion round are consecutive rows (platform before bank;
// the lending platform before the rival wallet; rounds 0, 1, 2, 3+), read with
// flow_at(first row, k).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/money.hpp"

namespace pfsim {

// Lenders whose credit is tracked separately.
enum class Lender : std::uint8_t { platform, bank };
inline constexpr std::size_t lender_count = 2;

inline constexpr std::size_t contagion_round_slots = 4;

// Exact counters (int64): X(name, units, merge). units "fen" or "count"; merge
// `sum` (checked: an overflow throws) or `max`.
#define PFSIM_FLOWS(X)                                                                      \
  X(consumption, "fen", sum)             /* consumer purchases, all channels */             \
  X(platform_payment_volume, "fen", sum) /* purchases paid through the lending platform */  \
  X(rival_payment_volume, "fen", sum)    /* purchases paid through the rival wallet */      \
  X(wages_paid, "fen", sum)                                                                 \
  X(wages_owed, "fen", sum)                                                                 \
  X(supplier_purchases, "fen", sum)                                                         \
  /* credit, by lender (platform = platform-originated, co-lent; bank = direct) */          \
  X(applications_platform, "count", sum)                                                    \
  X(applications_bank, "count", sum)                                                        \
  X(approvals_platform, "count", sum)                                                       \
  X(approvals_bank, "count", sum)                                                           \
  X(new_loans_platform, "fen", sum) /* originated: cash, SME and credit-line draws */       \
  X(new_loans_bank, "fen", sum)                                                             \
  X(new_term_loans_platform, "fen", sum) /* new consumer term loans (the PD weights) */     \
  X(new_term_loans_bank, "fen", sum)                                                        \
  X(new_sme_term_loans_platform, "fen", sum)                                                \
  X(new_sme_term_loans_bank, "fen", sum)                                                    \
  X(write_offs_platform, "fen", sum) /* written off, all funders */                         \
  X(write_offs_bank, "fen", sum)                                                            \
  X(new_sme_loans, "fen", sum)                                                              \
  X(new_sme_loan_count_platform, "count", sum)                                              \
  X(new_sme_loan_count_bank, "count", sum)                                                  \
  X(tech_fees, "fen", sum)                                                                  \
  X(platform_fees_lending, "fen", sum) /* merchant fees of the lending platform */          \
  X(platform_fees_rival, "fen", sum)   /* merchant fees of the rival wallet */              \
  /* funds */                                                                               \
  X(fund_subscriptions, "fen", sum)                                                         \
  X(fund_redemptions, "fen", sum)                                                           \
  X(fund_redemptions_refused, "fen", sum) /* beyond the cap or the fund's means */          \
  /* firms and banks */                                                                     \
  X(sme_exits, "count", sum)                                                                \
  X(sme_exits_illiquid, "count", sum) /* of which: missed paydays (the rest defaulted) */   \
  X(sme_entries, "count", sum)                                                              \
  X(bank_failures, "count", sum)                                                            \
  X(bank_resolution_cost, "fen", sum)                                                       \
  /* bank failures by contagion round (0: on their own; the last row: round 3 and later) */ \
  X(contagion_defaults_round_0, "count", sum)                                               \
  X(contagion_defaults_round_1, "count", sum)                                               \
  X(contagion_defaults_round_2, "count", sum)                                               \
  X(contagion_defaults_round_3_plus, "count", sum)                                          \
  X(contagion_rounds, "count", max) /* rounds with new failures */                          \
  X(contagion_interbank_losses, "fen", sum)                                                 \
  X(fire_sale_volume, "fen", sum)          /* bonds sold in fire sales, at sale prices */   \
  X(fire_sale_losses, "fen", sum)          /* banks' bonds marked down by fire sales */     \
  X(bond_revaluation_gains, "fen", sum)    /* marked up as the bond price recovers */       \
  X(bank_failures_interbank, "count", sum) /* through interbank losses */                   \
  X(bank_failures_fire_sale, "count", sum) /* through fire-sale losses */                   \
  X(run_outflows_fund, "fen", sum)         /* the fund's run: placements pulled */          \
  X(run_outflows_depositors, "fen", sum)   /* depositors' run: deposits moved */            \
  X(bank_failures_run, "count", sum)       /* illiquid on a day of run outflows */          \
  X(contagion_run_losses, "fen", sum)      /* their CB credit beyond their bonds */         \
  /* the platform */                                                                        \
  X(ipo_raised, "fen", sum)   /* new platform capital from investors */                     \
  X(fines_paid, "fen", sum)   /* paid by platforms to the government */                     \
  X(fines_unpaid, "fen", sum) /* fines the platform could not pay (it fails) */             \
  X(platform_failures, "count", sum)                                                        \
  X(platform_resolution_losses, "fen", sum) /* written off by its shareholders and bank */  \
  X(social_transfers, "fen", sum)           /* paid by the government to the unemployed */  \
  X(payroll_contributions, "fen", sum)      /* paid by employees to the government */       \
  X(dividends_banks, "fen", sum)            /* paid by banks to households */               \
  X(dividends_platform, "fen", sum)         /* by the lending platform to households */     \
  X(platform_debt_interest, "fen", sum)     /* paid on the platform's bank facility */      \
  X(platform_deposit_interest, "fen", sum)  /* earned by the lending platform */            \
  X(platform_operating_costs, "fen", sum)

// Weighted sums (double, summed in chunk order): X(name, units).
#define PFSIM_REAL_FLOWS(X)                                                                     \
  X(new_loan_pd_sum_platform, "fen/year") /* Σ amount × true PD of new consumer term loans */ \
  X(new_loan_pd_sum_bank, "fen/year")                                                           \
  X(new_sme_loan_pd_sum_platform, "fen/year")                                                   \
  X(new_sme_loan_pd_sum_bank, "fen/year")                                                       \
  X(contagion_clearing_loss, "fen") /* Eisenberg-Noe clearing loss of the day */

enum class Flow : std::uint8_t {
#define PFSIM_X(name, units, merge) name,
  PFSIM_FLOWS(PFSIM_X)
#undef PFSIM_X
};
enum class RealFlow : std::uint8_t {
#define PFSIM_X(name, units) name,
  PFSIM_REAL_FLOWS(PFSIM_X)
#undef PFSIM_X
};

enum class FlowMerge : std::uint8_t { sum, max };

struct FlowInfo {
  std::string_view name;
  std::string_view units;
  FlowMerge merge = FlowMerge::sum;
};

inline constexpr std::array flow_table = {
#define PFSIM_X(name, units, merge) FlowInfo{#name, units, FlowMerge::merge},
    PFSIM_FLOWS(PFSIM_X)
#undef PFSIM_X
};
inline constexpr std::array real_flow_table = {
#define PFSIM_X(name, units) FlowInfo{#name, units, FlowMerge::sum},
    PFSIM_REAL_FLOWS(PFSIM_X)
#undef PFSIM_X
};
inline constexpr std::size_t flow_count = flow_table.size();
inline constexpr std::size_t real_flow_count = real_flow_table.size();

[[nodiscard]] constexpr std::size_t flow_index(Flow f) {
  return static_cast<std::size_t>(f);
}
[[nodiscard]] constexpr std::size_t flow_index(RealFlow f) {
  return static_cast<std::size_t>(f);
}
// Row k of the family that starts at `first` (e.g. first = write_offs_platform,
// k = the lender).
[[nodiscard]] constexpr Flow flow_at(Flow first, std::size_t k) {
  return static_cast<Flow>(flow_index(first) + k);
}
[[nodiscard]] constexpr RealFlow flow_at(RealFlow first, std::size_t k) {
  return static_cast<RealFlow>(flow_index(first) + k);
}
[[nodiscard]] constexpr Flow flow_at(Flow first, Lender l) {
  return flow_at(first, static_cast<std::size_t>(l));
}
[[nodiscard]] constexpr RealFlow flow_at(RealFlow first, Lender l) {
  return flow_at(first, static_cast<std::size_t>(l));
}

// Flows of the current step, summed exactly; reset at the start of a step.
// Plain arrays: phases add to them in their inner loops.
class StepFlows {
 public:
  [[nodiscard]] std::int64_t& operator[](Flow f) { return counts_[flow_index(f)]; }
  [[nodiscard]] std::int64_t operator[](Flow f) const { return counts_[flow_index(f)]; }
  [[nodiscard]] double& operator[](RealFlow f) { return reals_[flow_index(f)]; }
  [[nodiscard]] double operator[](RealFlow f) const { return reals_[flow_index(f)]; }

  // Merges another set of counters (a chunk's) into these, row by row as the
  // list says; called in chunk order, so double sums do not depend on threads.
  void add(const StepFlows& other) {
    for (std::size_t k = 0; k < flow_count; ++k) {
      std::int64_t& into = counts_[k];
      const std::int64_t v = other.counts_[k];
      into = flow_table[k].merge == FlowMerge::max ? std::max(into, v) : checked_add(into, v);
    }
    for (std::size_t k = 0; k < real_flow_count; ++k) reals_[k] += other.reals_[k];
  }

 private:
  std::array<std::int64_t, flow_count> counts_{};
  std::array<double, real_flow_count> reals_{};
};

}  // namespace pfsim
