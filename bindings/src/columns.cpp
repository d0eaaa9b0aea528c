// Agent columns as zero-copy numpy views, driven by the column registry
// (world/columns.hpp) — the same registry the recorder and the docs use, so a
// new column needs no change here.
//
// Every view's base is a capsule holding a shared_ptr to the Simulation: the
// memory stays valid after `del sim`. A view does NOT follow a resize of its
// store (agents entering or leaving reallocate the vectors); the Python layer
// therefore fetches a fresh view on every attribute access.
//
// Which columns may be written through a view:
//   * ledger balances (from_ledger) — never: they change only through the
//     ledger's double-entry operations, and the audit would fail;
//   * structural columns (unit "id", "index" or "count": agent ids, employer
//     and bank indices, employee ranges) — never: the engine uses them to index
//     other arrays, so a bad value would read out of bounds;
//   * every other attribute (probabilities, rates, wages: behavioural values the
//     engine only reads as numbers) — on request (writable=True).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>

#include "api/views.hpp"
#include "bindings.hpp"

namespace pfsim::bindings {

namespace {

bool is_structural(const Column& c) {
  return c.unit == "id" || c.unit == "index" || c.unit == "count";
}

bool is_writable(const Column& c) {
  return !c.from_ledger && !is_structural(c);
}

std::string not_writable_reason(const Column& c) {
  const std::string full = c.store + "." + c.name;
  if (c.from_ledger)
    return full +
           " is a ledger balance: it changes only through the ledger's double-entry "
           "operations (use a shock to move money)";
  return full + " is structural (unit '" + c.unit +
         "'): the engine uses it to index other arrays, so it is read-only";
}

void require_store(const std::string& store) {
  const std::vector<std::string> names = store_names();
  if (std::find(names.begin(), names.end(), store) != names.end()) return;
  std::string all;
  for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
  throw py::key_error("no agent store named '" + store +
                      "' in this build of pfsim (stores: " + all + ")");
}

py::dict column_info(const Column& c) {
  py::dict d;
  d["store"] = c.store;
  d["name"] = c.name;
  d["unit"] = c.unit;
  d["description"] = c.description;
  d["dtype"] = std::string(column_type_name(c.type));
  d["size"] = c.size;
  d["from_ledger"] = c.from_ledger;
  d["writable"] = is_writable(c);
  return d;
}

py::array view(const std::shared_ptr<Simulation>& sim, const Column& c, bool writable) {
  const auto itemsize = static_cast<py::ssize_t>(column_type_size(c.type));
  py::array a(py::dtype(std::string(column_type_name(c.type))), {static_cast<py::ssize_t>(c.size)},
              {itemsize}, c.data, keep_alive(sim));
  if (!writable) a.attr("flags").attr("writeable") = false;
  return a;
}

}  // namespace

void register_columns(py::module_& m, SimClass& sim) {
  m.def("store_names", &store_names, "Names of the agent stores, in registry order.");
  sim.def(
         "columns",
         [](SimHandle& h, const std::string& store) {
           h.check_idle("columns");
           if (!store.empty()) require_store(store);
           py::list out;
           for (const Column& c : columns(h.sim->world(), store)) out.append(column_info(c));
           return out;
         },
         py::arg("store") = "",
         "Metadata of every column of a store ('' = all stores): store, name, unit, "
         "description, dtype, size, from_ledger, writable.")
      .def(
          "column",
          [](SimHandle& h, const std::string& store, const std::string& name, bool writable) {
            h.check_idle("column");
            require_store(store);
            for (const Column& c : columns(h.sim->world(), store)) {
              if (c.name != name) continue;
              if (writable && !is_writable(c)) throw py::value_error(not_writable_reason(c));
              return view(h.sim, c, writable);
            }
            throw py::key_error("store '" + store + "' has no column '" + name + "'");
          },
          py::arg("store"), py::arg("name"), py::arg("writable") = false,
          "A zero-copy numpy view of one column (read-only unless writable=True and the "
          "column allows it).")
      .def(
          "store_size",
          [](SimHandle& h, const std::string& store) -> std::size_t {
            h.check_idle("store_size");
            require_store(store);
            const std::vector<Column> cols = columns(h.sim->world(), store);
            return cols.empty() ? 0 : cols.front().size;
          },
          py::arg("store"), "Number of agents (rows) in a store.");
}

}  // namespace pfsim::bindings
