// Public API: network contagion (docs/contagion.md). The algorithms are pure
// functions of plain matrices; run_contagion_json is the JSON front end the
// CLI (`pfsim contagion`) and Python use. Boost.Graph stays inside the module.
#pragma once

#include "contagion/debtrank.hpp"
#include "contagion/eisenberg_noe.hpp"
#include "contagion/fire_sale.hpp"
#include "contagion/furfine.hpp"
#include "contagion/json_io.hpp"  // run_contagion_json(model, text)
#include "contagion/matrix.hpp"
