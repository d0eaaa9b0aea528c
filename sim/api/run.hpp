// Public API: running a scenario. Simulation and its options, the process
// thread limit, results files (recover, inspect, the run lock), and the vocabulary types a
// caller meets on the way: Fen, Date, the error types and exit codes.
#pragma once

#include "core/date.hpp"              // Date, format_iso_date
#include "core/error.hpp"             // UserError, InternalError, exit codes
#include "core/money.hpp"             // Fen
#include "exec/parallel.hpp"          // exec::ThreadLimit
#include "record/output_guard.hpp"    // RunLock: one writer per results path
#include "record/results_writer.hpp"  // ResultsWriter::recover / inspect, EventRecord
#include "run/simulation.hpp"         // Simulation, SimulationOptions
