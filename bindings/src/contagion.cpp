// The contagion algorithms (sim/contagion/) from Python, through their JSON
// front end: `_core.contagion_json(model, input_json)` is exactly
// `pfsim contagion MODEL -` — the same keys, checks and error messages
// (docs/contagion.md). The numpy-friendly functions (pfsim.contagion,
// pfsim.eisenberg_noe, ...) are pure Python on top (python/pfsim/_contagion.py).
//
// Errors: bad input throws std::invalid_argument in C++, which pybind11 turns
// into a ValueError carrying the same message.
#include <string>

#include "api/contagion.hpp"
#include "bindings.hpp"

namespace pfsim::bindings {

void register_contagion(py::module_& m) {
  m.def(
      "contagion_json",
      [](const std::string& model, const std::string& input_json) {
        std::string answer;
        {
          // Pure function of its arguments: other Python threads may run meanwhile.
          py::gil_scoped_release release;
          answer = contagion::run_contagion_json(model, input_json);
        }
        return answer;
      },
      py::arg("model"), py::arg("input_json"),
      "Runs a contagion model ('eisenberg_noe', 'debtrank', 'furfine' or 'fire_sale') on one JSON\n"
      "object and returns one JSON object (text), as `pfsim contagion MODEL -`. Raises ValueError\n"
      "naming the key and what was expected for bad input. Keys: docs/contagion.md.");
}

}  // namespace pfsim::bindings
