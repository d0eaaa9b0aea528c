// C++ errors → Python exceptions, with the same message.
//
//   pfsim::UserError      → pfsim.ScenarioError (a ValueError), with
//                           .diagnostics: one dict per problem (file, line,
//                           column, key_path, message, hint)
//   pfsim::InternalError  → pfsim.InternalError (a RuntimeError); OverflowError
//                           is an InternalError and maps here too
//
// Both derive from pfsim.Error, so `except pfsim.Error` catches everything the
// engine raises on purpose.
#include "api/run.hpp"
#include "bindings.hpp"

namespace pfsim::bindings {

namespace {

// The exception types live for the whole process (like built-in exceptions):
// released handles, never destroyed at interpreter exit.
py::handle error_type;
py::handle scenario_error_type;
py::handle internal_error_type;

py::handle new_exception(const char* name, const char* doc, py::handle bases) {
  PyObject* type = PyErr_NewExceptionWithDoc(name, doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  return type;
}

py::dict diagnostic_dict(const Diagnostic& d) {
  py::dict out;
  out["file"] = d.where.file;
  out["line"] = d.where.line;
  out["column"] = d.where.column;
  out["key_path"] = d.key_path;
  out["message"] = d.message;
  out["hint"] = d.hint;
  return out;
}

void raise_scenario_error(const UserError& e) {
  py::list diagnostics;
  for (const Diagnostic& d : e.diagnostics()) diagnostics.append(diagnostic_dict(d));
  py::object exc = py::reinterpret_borrow<py::object>(scenario_error_type)(e.what());
  exc.attr("diagnostics") = diagnostics;
  PyErr_SetObject(scenario_error_type.ptr(), exc.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
  error_type = new_exception("pfsim.Error", "Base class of the errors pfsim raises on purpose.",
                             PyExc_Exception);
  const py::tuple scenario_bases = py::make_tuple(error_type, py::handle(PyExc_ValueError));
  scenario_error_type = new_exception(
      "pfsim.ScenarioError",
      "Bad input: a scenario file, a parameter override or an output path.\n\n"
      "str(error) lists every problem, one per line, as "
      "'file:line:column: key.path: message (hint)'.\n"
      "error.diagnostics is the same as a list of dicts with keys file, line, column, "
      "key_path, message and hint (line and column are 1-based; 0 = unknown).",
      scenario_bases);
  py::reinterpret_borrow<py::object>(scenario_error_type).attr("diagnostics") = py::tuple();
  const py::tuple internal_bases = py::make_tuple(error_type, py::handle(PyExc_RuntimeError));
  internal_error_type = new_exception(
      "pfsim.InternalError",
      "A broken engine invariant (a bug in pfsim, e.g. a failed ledger audit or a money "
      "overflow). Please report it with the scenario and seed.",
      internal_bases);

  m.attr("Error") = error_type;
  m.attr("ScenarioError") = scenario_error_type;
  m.attr("InternalError") = internal_error_type;

  // pybind11 takes a void (*)(std::exception_ptr): the by-value parameter is its type.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UserError& e) {
      raise_scenario_error(e);
    } catch (const InternalError& e) {  // includes OverflowError
      PyErr_SetString(internal_error_type.ptr(), e.what());
    }
  });

  // For the tests of this translation only.
  m.def(
      "_test_raise",
      [](const std::string& kind, const std::string& message) {
        if (kind == "user") {
          Diagnostic d;
          d.where = {"test.yaml", 3, 7};
          d.key_path = "consumers.count";
          d.message = message;
          d.hint = "a hint";
          throw UserError(std::move(d));
        }
        if (kind == "overflow") throw OverflowError(message);
        throw InternalError(message);
      },
      py::arg("kind"), py::arg("message"));
}

}  // namespace pfsim::bindings
