// The start-of-day reset, and helpers shared by phases.
#include "core/date.hpp"
#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "world/sfc.hpp"

namespace pfsim::phases {

Today today(const World& w) {
  const CivilDate d = to_civil(w.today());
  const int n = days_in_month(d.year, d.month);
  return Today{d.day, n, d.day == n};
}

void run_begin_day(World& w) {
  w.flows = StepFlows{};
  w.intents.clear();
  w.ledger.reset_flows();
  w.sector_net_worth_at_step_start = sector_net_worth(w.ledger);
}

}  // namespace pfsim::phases
