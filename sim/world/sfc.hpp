// Stock-flow consistency (Godley & Lavoie 2007): the balance-sheet matrix
// (instruments × sectors) and the transaction-flow matrix (flow types × sectors,
// kept by the ledger for the current step). Every instrument row of the
// balance-sheet matrix sums to zero (a claim is one sector's asset and another's
// liability); every flow row sums to zero (a payment is one sector's outlay and
// another's receipt); and each sector's column of flows equals the change in its
// net worth over the step.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "world/ledger.hpp"

namespace pfsim {

inline constexpr std::size_t instrument_count = static_cast<std::size_t>(Instrument::count_);
using SectorTotals = std::array<Int128, agent_kind_count>;
// [instrument][sector], fen: + asset of the sector, − liability.
using BalanceSheetMatrix = std::array<SectorTotals, instrument_count>;

[[nodiscard]] SectorTotals sector_net_worth(const Ledger& ledger);
[[nodiscard]] BalanceSheetMatrix balance_sheet_matrix(const Ledger& ledger);
// Problems with the balance-sheet matrix and with the step's flows against the
// change in net worth since `net_worth_at_step_start`; empty when consistent.
[[nodiscard]] std::vector<std::string> check_stock_flow(
    const Ledger& ledger, const SectorTotals& net_worth_at_step_start);
// The same check from the sums an audit of the ledger as it is now has made
// (its book totals and net worth by kind): no second pass over every row.
[[nodiscard]] std::vector<std::string> check_stock_flow(const Ledger& ledger,
                                                        const SectorTotals& net_worth_at_step_start,
                                                        const AuditReport& audit);

}  // namespace pfsim
