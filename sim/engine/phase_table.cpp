// The step as a schedule. Ordering rules:
//  * begin_day first: this step's flow counters and intents start empty.
//  * shocks next: today's events and ramps set the rules every later phase uses;
//    their balance-sheet moves are inside the step's flows.
//  * consumer_daily before wages: a consumer who loses the job today is not paid.
//  * wages before consumption: on payday consumers spend out of today's pay.
//  * consumption before suppliers and servicing: today's sales and credit-line
//    draws are in the books when firms and borrowers settle their bills.
//  * servicing (consumers, then SMEs) before origination: applications made on
//    a billing day are decided the same day, after that day's repayments.
//  * funds after servicing: redemptions asked today are paid today.
//  * bank_runs after funds and before settlement: deposits leaving a distressed bank
//    are settled in reserves the same evening.
//  * month_end after funds: interest and fund yield on end-of-day balances.
//  * settlement after every payment of the day: banks end each day with no open
//    clearing position.
//  * bank_regulation last: failures (the platform's first, as its losses may
//    fall on its bank) are judged on the day's final balance sheets, and next
//    month's lending room on the month's closing ones.
// Every phase leaves every balance sheet balanced (the audit checks it).
#include <iterator>

#include "core/date.hpp"
#include "core/error.hpp"
#include "engine/engine.hpp"
#include "phases/phases.hpp"
#include "world/sfc.hpp"

namespace pfsim::engine {

namespace {

constexpr Phase table[] = {
    {"begin_day", phases::run_begin_day, "ledger", "flows, intents, sector net worth snapshot"},
    {"shocks", phases::run_shocks, "today's events, phase-in ramps",
     "policy; platform and bank balance sheets (ipo, fine, bank failure); wallets; employment; "
     "fund confidence"},
    {"consumer_daily", phases::run_consumer_daily, "consumers, smes.active, fund units",
     "consumers.employed, days_past_due, loan claims (write-offs), redemption intents"},
    {"wages", phases::run_wages, "consumers.monthly_wage, employed; smes.employees; sme deposits",
     "sme and consumer deposits, net worth, smes.payroll_*, missed_paydays"},
    {"consumption", phases::run_consumption,
     "consumer deposits, fund units, adoption, credit lines; smes",
     "consumer, sme and platform deposits, revolving claims, payment counts, sales"},
    {"suppliers", phases::run_suppliers, "smes.sales_last_month, supplier", "sme deposits, sales"},
    {"consumer_servicing", phases::run_consumer_servicing,
     "consumer loans, deposits, fund yield, policy",
     "loan claims, deposits, fund units and deposits, defaults, application intents"},
    {"sme_servicing", phases::run_sme_servicing, "sme loans, deposits, wage bills",
     "loan claims, deposits, exits and entries, application intents"},
    {"origination", phases::run_origination,
     "application intents, signals, bank quotas, platform equity",
     "new loans, credit lines, partner banks, quotas, platform credit revenue and facility; "
     "platform failure"},
    {"funds", phases::run_funds, "redemption intents, fund deposits, deposits by bank",
     "fund placements, consumer units and deposits, fund confidence"},
    {"bank_runs", phases::run_bank_runs, "bank equity, provisions, risk-weighted assets; deposits",
     "consumer and SME deposit banks, bank clearing positions, run outflows"},
    {"month_end", phases::run_month_end, "every balance; rates",
     "interest, fund yield, costs, platform accounts and facility, fund confidence"},
    {"settlement", phases::run_settlement, "bank clearing positions, deposits by bank",
     "bank reserves, clearing, central-bank loans"},
    {"bank_regulation", phases::run_bank_regulation,
     "bank and platform balance sheets, requirement",
     "platform failure and resolution; capital ratios, lending room, bank failures, resolution"},
};

}  // namespace

std::span<const Phase> phase_table() {
  return table;
}

AuditLevel default_audit_level() {
#ifdef NDEBUG
  return AuditLevel::end_of_step;
#else
  return AuditLevel::after_every_phase;
#endif
}

void advance_day(World& w, AuditLevel audit, const PhaseHooks* hooks) {
  auto around = [&](std::size_t k, auto&& fn) {
    if (hooks != nullptr) hooks->before(hooks->context, k);
    fn();
    if (hooks != nullptr) hooks->after(hooks->context, k);
  };
  auto fail = [&](std::string_view phase, const std::vector<std::string>& problems) {
    std::string text = "ledger audit failed after phase '" + std::string(phase) + "' on " +
                       format_iso_date(w.today()) + " (step " + std::to_string(w.step) + "):";
    for (const std::string& p : problems) text += "\n  " + p;
    throw InternalError(text);
  };
  // The end-of-step audit's book totals and net worth by kind serve the
  // stock-flow check right after it (the ledger is unchanged in between).
  AuditReport& report = w.scratch.audit;
  w.scratch.audited_step = -1;  // the phases below change the ledger
  auto check = [&](std::string_view phase) {
    w.ledger.audit(report);
    if (!report.ok()) fail(phase, report.problems);
  };
  for (std::size_t k = 0; k < std::size(table); ++k) {
    around(k, [&] { table[k].run(w); });
    if (audit == AuditLevel::after_every_phase) check(table[k].name);
  }
  if (audit != AuditLevel::off) {
    around(std::size(table), [&] {
      if (audit == AuditLevel::end_of_step) check("end of step");
      const SectorTotals& start = w.sector_net_worth_at_step_start;
      const auto problems = audit == AuditLevel::end_of_step
                                ? check_stock_flow(w.ledger, start, report)
                                : check_stock_flow(w.ledger, start);
      if (!problems.empty()) fail("end of step (stock-flow consistency)", problems);
    });
  }
  ++w.step;
  // The last audit read the ledger as the step leaves it.
  if (audit != AuditLevel::off) w.scratch.audited_step = w.step;
}

}  // namespace pfsim::engine
