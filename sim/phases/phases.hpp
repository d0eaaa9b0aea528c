// The phases of a step. Order and contracts: engine/phase_table.cpp.
#pragma once

#include <span>

#include "world/queries.hpp"
#include "world/world.hpp"

namespace pfsim::phases {

void run_begin_day(World& w);       // reset flows and intents; snapshot sector net worth
void run_shocks(World& w);          // apply today's events; move phase-in ramps
void run_consumer_daily(World& w);  // job spells; days past due; write-offs; fund-run requests
void run_wages(World& w);           // payday: SMEs pay their employees
void run_consumption(World& w);     // purchases by wallet, credit line or bank
void run_suppliers(World& w);       // SMEs pay their supplier SMEs
void run_consumer_servicing(
    World& w);  // billing day: repayments, interest, defaults, fund choice, applications
void run_sme_servicing(World& w);  // billing day: repayments, defaults, exits, loan applications
void run_origination(World& w);    // lenders screen, price and fund today's applications
// Bad news: confidence in the fund and the platform falls by `loss` (≥ 0),
// not below 0 (funds.cpp).
void lose_confidence(World& w, double loss);
void run_funds(World& w);      // redemptions, subscriptions placed, placements rebalanced
void run_bank_runs(World& w);  // depositors leave banks whose capital ratio is below a trigger
// Bank b's capital ratio today: (equity − provisions) / risk-weighted assets,
// on today's equity and the last measured provisions and risk-weighted assets
// (1e9 before any were measured).
[[nodiscard]] double capital_ratio_today(const World& w, std::uint32_t b);
void run_month_end(World& w);  // interest, costs, fund yield, platform accounts, entry
// Dividends at month end (dividends.cpp): each bank's of its month's profit
// (fen, after operating costs), and platform p's of its month's profit.
void pay_bank_dividends(World& w, std::span<const Fen> profit);
void pay_platform_dividend(World& w, std::uint32_t platform, Fen profit);
// Platform p's trailing-year earnings (fen/year): the last 12 monthly profits,
// annualised while fewer are known (month_end.cpp).
[[nodiscard]] double trailing_annual_earnings(const World& w, std::uint32_t p);
void run_settlement(World& w);       // banks settle clearing positions in reserves
void run_bank_regulation(World& w);  // capital ratios, lending room, failures and resolution

// The lending platform's finances (platform_finance.cpp), serial.
// Its borrowing room on its bank facility (fen).
[[nodiscard]] Fen platform_debt_room(const World& w, std::uint32_t platform);
// Makes sure the platform's deposit holds `amount`, drawing the shortfall on
// its facility; false (nothing drawn) if the facility does not allow it.
[[nodiscard]] bool platform_has_cash(World& w, std::uint32_t platform, Fen amount);
void service_platform_debt(
    World& w, std::uint32_t platform);    // month end: interest, then repayment from cash
void resolve_platform_failure(World& w);  // if capital < 0 or it could not pay: resolve it

// Queues an event that fires today for run_shocks (called by the run layer
// before the day's phases). An `ipo_halt` takes effect here, so an `ipo` later
// the same day or after is refused: returns false for an event that will not
// happen.
bool schedule_shock(World& w, const EventSpec& event);

}  // namespace pfsim::phases
