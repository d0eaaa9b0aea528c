// Results: the indicator table, the rows recorded so far (copies — the C++
// vectors grow as the run goes on) and the HDF5 results file.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "api/indicators.hpp"
#include "api/run.hpp"
#include "bindings.hpp"

namespace pfsim::bindings {

namespace {
// One indicator as Python sees it.
py::dict indicator_dict(const indicators::Indicator& ind) {
  py::dict d;
  d["name"] = std::string(ind.name);
  d["units"] = std::string(ind.units);
  d["description"] = std::string(ind.description);
  return d;
}
}  // namespace

void register_results(py::module_& m, SimClass& sim) {
  m.def(
      "indicators",
      [] {
        py::list out;
        for (const indicators::Indicator& ind : indicators::table())
          out.append(indicator_dict(ind));
        return out;
      },
      "The indicator table: one dict per indicator (name, units, description), in table "
      "order.");

  m.def(
      "recover",
      [](const std::string& partial, const std::string& out) {
        py::gil_scoped_release release;
        return record::ResultsWriter::recover(partial, out);
      },
      py::arg("partial"), py::arg("out"),
      "Turns the .partial file of a killed or interrupted run into a results file at OUT; "
      "returns the days recovered. Raises ScenarioError when it cannot.");
  m.def(
      "inspect_results_file",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return record::ResultsWriter::inspect(path);
      },
      py::arg("path"),
      "Checks that PATH is a readable pfsim results file (fails at once on a damaged one); "
      "returns its complete rows.");

  sim.def(
         "recorded_days",
         [](SimHandle& h) {
           h.check_idle("results");
           const std::vector<std::int32_t>& days = h.sim->recorded_days();
           py::array_t<std::int32_t> out(static_cast<py::ssize_t>(days.size()));
           std::copy(days.begin(), days.end(), out.mutable_data());
           return out;
         },
         "Days since the start date of every recorded row (a copy).")
      .def(
          "recorded_indicators",
          [](SimHandle& h) {
            py::list out;
            for (const std::size_t k : h.sim->recorded_indicators())
              out.append(indicator_dict(indicators::table()[k]));
            return out;
          },
          "The recorded indicators (the scenario's record.indicators): one dict per indicator "
          "(name, units, description), in the order of recorded_series() rows.")
      .def(
          "recorded_series",
          [](SimHandle& h) {
            h.check_idle("results");
            const std::size_t rows = h.sim->recorded_indicators().size();
            const std::size_t cols = h.sim->recorded_days().size();
            py::array_t<double> out(
                {static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
            double* dst = out.mutable_data();
            // Streamed rows are read back from the results file, a column at a time.
            h.sim->for_each_series([&](std::size_t k, std::vector<double>&& s) {
              if (s.size() != cols)
                throw std::runtime_error("recorded_series: rows read back short");
              std::copy(s.begin(), s.end(), dst + k * cols);
            });
            return out;
          },
          "Every recorded indicator's values, shape (recorded indicators, recorded days) (a "
          "copy).")
      .def(
          "open_results_file",
          [](SimHandle& h, const std::string& path, int flush_every_steps) {
            h.check_idle("open_results_file");
            if (flush_every_steps < 1) throw py::value_error("flush_every_steps must be >= 1");
            h.sim->open_results_file(path, flush_every_steps);
          },
          py::arg("path"), py::arg("flush_every_steps"),
          "Starts writing PATH.partial (with every row recorded so far); rows are appended "
          "as the run goes on.")
      .def(
          "finish_results_file",
          [](SimHandle& h, const std::optional<std::string>& interventions_json) {
            h.check_idle("finish_results_file");
            py::gil_scoped_release release;  // copying a long run takes a while
            h.sim->finish_results_file(interventions_json);
          },
          py::arg("interventions_json") = py::none(),
          "Flushes, closes and renames PATH.partial to PATH (with /metadata/interventions "
          "when given, written before the rename); no-op without a file.")
      .def(
          "close_results_file",
          [](SimHandle& h) {
            h.check_idle("close_results_file");
            py::gil_scoped_release release;
            h.sim->close_results_file();
          },
          "Flushes every simulated day to PATH.partial and closes it, keeping the .partial "
          "(a stopped run: `pfsim recover` makes it a results file); no-op without a file.")
      .def_property_readonly(
          "results_partial_path",
          [](const SimHandle& h) { return h.sim->results_partial_path().string(); },
          "The .partial path being written ('' without a results file).");
}

}  // namespace pfsim::bindings
