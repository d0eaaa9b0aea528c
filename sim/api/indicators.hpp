// Public API: the indicator table — name, units and description of every
// indicator, in the order of Simulation::series and the results file.
#pragma once

#include "indicators/indicators.hpp"  // indicators::table(), indicators::find(name)
