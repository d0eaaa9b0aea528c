// Shared declarations of the `pfsim._core` extension: one register_* function
// per concept (module.cpp calls them in order) and the handle that Python holds
// for a running simulation.
//
// The bindings are thin: they convert between Python and the public C++ API
// (sim/api/: run, scenario, views, indicators, contagion — the only pfsim
// headers included here, checked by tests/layering) and add no model logic.
// Everything generic — columns, stores, books, indicators, parameters — is
// read from the C++ registries, so a column added in world/columns.cpp shows
// up in Python without a change here.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "api/run.hpp"

namespace pfsim::bindings {

namespace py = pybind11;

// What a Python `_core.Simulation` owns. The C++ Simulation is shared: every
// numpy view over its columns holds another reference (through a capsule), so
// a view outlives `del sim`.
struct SimHandle {
  std::shared_ptr<Simulation> sim;
  // True while step() runs with the GIL released. Read and written only with
  // the GIL held, so a plain bool is enough.
  bool busy = false;
  // Set when a step failed half-way (an InternalError inside a phase): the
  // world is then between two phases and must not be stepped again.
  std::string failure;

  // Throws RuntimeError if the world is being stepped by another thread.
  void check_idle(const char* what) const;
  // check_idle + the world is consistent (no failed step).
  void check_steppable() const;
};

using SimClass = py::class_<SimHandle>;

void register_errors(py::module_& m);
void register_scenario(py::module_& m);
SimClass register_simulation(py::module_& m);
void register_columns(py::module_& m, SimClass& sim);
void register_ledger(py::module_& m, SimClass& sim);
void register_results(py::module_& m, SimClass& sim);
void register_contagion(py::module_& m);

// --- helpers shared by the register_* files ---------------------------------

// The validated scenario inside a Python `_core.Scenario` (scenario.cpp).
[[nodiscard]] const Scenario& resolved_scenario(py::handle scenario);

// A Python object that keeps the Simulation alive for as long as it lives: the
// `base` of every numpy view handed out.
[[nodiscard]] py::capsule keep_alive(const std::shared_ptr<Simulation>& sim);
// datetime.date of a pfsim Date.
[[nodiscard]] py::object to_py_date(Date d);
// An exact Python int of a 128-bit money sum.
[[nodiscard]] py::int_ to_py_int(Int128 v);

}  // namespace pfsim::bindings
