// The start-of-day reset.
#include "phases/phases.hpp"

namespace pfsim::phases {

void run_begin_day(World& w) { w.flows = StepFlows{}; }

}  // namespace pfsim::phases
