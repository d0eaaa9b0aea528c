// The step as a schedule. Ordering rules:
//  * begin_day first: this step's flow counters start at zero.
//  * wages before consumption: on payday consumers spend out of today's pay.
//  * consumption before platform_costs: month-end costs use the whole month's
//    revenue, today's fees included.
//  * settlement last: it settles in reserves every clearing position opened by
//    the payments of the day, so banks end each day with clearing = 0.
// Every phase leaves every balance sheet balanced (the audit checks it).
#include "core/date.hpp"
#include "core/error.hpp"
#include "engine/engine.hpp"
#include "phases/phases.hpp"

namespace pfsim::engine {

namespace {

constexpr Phase table[] = {
    {"begin_day", phases::run_begin_day, "—", "flows"},
    {"wages", phases::run_wages, "consumers.monthly_wage, smes.employees, sme deposits",
     "sme and consumer deposits, net worth, smes.payroll_*, flows.wages_*"},
    {"consumption", phases::run_consumption,
     "consumer deposits, wages, adoption; smes.accepts_platform; platform fee",
     "consumer, sme and platform deposits, net worth, flows, platform revenue"},
    {"platform_costs", phases::run_platform_costs, "platform revenue_this_month, platform deposit",
     "platform and sme deposits, net worth"},
    {"settlement", phases::run_settlement, "bank clearing positions, deposits by bank",
     "bank reserves, clearing, central-bank loans"},
};

}  // namespace

std::span<const Phase> phase_table() { return table; }

AuditLevel default_audit_level() {
#ifdef NDEBUG
  return AuditLevel::end_of_step;
#else
  return AuditLevel::after_every_phase;
#endif
}

void advance_day(World& w, AuditLevel audit) {
  auto check = [&](std::string_view phase) {
    const AuditReport report = w.ledger.audit();
    if (report.ok()) return;
    std::string text = "ledger audit failed after phase '" + std::string(phase) + "' on " +
                       format_iso_date(w.today()) + " (step " + std::to_string(w.step) + "):";
    for (const std::string& p : report.problems) text += "\n  " + p;
    throw InternalError(text);
  };
  for (const Phase& phase : table) {
    phase.run(w);
    if (audit == AuditLevel::after_every_phase) check(phase.name);
  }
  if (audit == AuditLevel::end_of_step) check("end of step");
  ++w.step;
}

}  // namespace pfsim::engine
