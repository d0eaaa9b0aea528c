// The phases of a step. Order and contracts: engine/phase_table.cpp.
#pragma once

#include "world/queries.hpp"
#include "world/world.hpp"

namespace pfsim::phases {

void run_begin_day(World& w);         // reset this step's flow counters
void run_wages(World& w);             // payday: SMEs pay their employees
void run_consumption(World& w);       // consumers buy from SMEs by platform or bank
void run_platform_costs(World& w);    // month end: the platform pays its operating costs
void run_settlement(World& w);        // banks settle clearing positions in reserves

}  // namespace pfsim::phases
