// pfsim._core — the private extension under the `pfsim` package. A list of
// register_* calls, one per concept; the public API (docstrings, pandas and
// xarray conveniences) lives in the pure-Python package on top
// (bindings/python/pfsim/), documented in docs/python.md.
#include <algorithm>
#include <cstdint>
#include <string>

#include "bindings.hpp"

namespace pfsim::bindings {

py::capsule keep_alive(const std::shared_ptr<Simulation>& sim) {
  auto* owner = new std::shared_ptr<Simulation>(sim);
  return py::capsule(owner, [](void* p) { delete static_cast<std::shared_ptr<Simulation>*>(p); });
}

py::object to_py_date(Date d) {
  const CivilDate c = to_civil(d);
  // Released, not destroyed at exit: a static py::object would be decref'd
  // after the interpreter is gone.
  static const py::handle date_type =
      py::object(py::module_::import("datetime").attr("date")).release();
  return date_type(c.year, c.month, c.day);
}

py::int_ to_py_int(Int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return py::int_(static_cast<std::int64_t>(v));
  // Digit by digit on the signed value (|Int128 min| has no positive twin).
  std::string digits;
  Int128 x = v;
  do {
    const int d = static_cast<int>(x % 10);
    digits.push_back(static_cast<char>('0' + (d < 0 ? -d : d)));
    x /= 10;
  } while (x != 0);
  if (v < 0) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return py::int_(
      py::reinterpret_steal<py::object>(PyLong_FromString(digits.c_str(), nullptr, 10)));
}

void SimHandle::check_idle(const char* what) const {
  if (busy)
    throw std::runtime_error(std::string(what) +
                             ": the simulation is being stepped by another thread; wait for "
                             "step()/run() to return");
}

void SimHandle::check_steppable() const {
  check_idle("step");
  if (!failure.empty())
    throw InternalError("this simulation cannot continue: an earlier step failed half-way (" +
                        failure + ")");
}

}  // namespace pfsim::bindings

PYBIND11_MODULE(_core, m) {
  using namespace pfsim::bindings;
  m.doc() =
      "pfsim._core: the compiled engine behind the `pfsim` package (private; use `import "
      "pfsim`).";
  m.attr("__version__") = pfsim::program_version();
  m.attr("git_commit") = pfsim::git_commit();

  register_errors(m);
  register_scenario(m);
  SimClass sim = register_simulation(m);
  register_columns(m, sim);
  register_ledger(m, sim);
  register_results(m, sim);
  register_contagion(m);
}
