// A running simulation: construction, stepping (GIL released, Ctrl-C aware),
// the calendar.
//
// Stepping releases the GIL, so other Python threads run meanwhile (and two
// simulations can step in parallel from two threads). Between two simulated
// days the engine polls a stop callback; on the main thread it re-acquires the
// GIL and runs Python's signal handlers (PyErr_CheckSignals). When one raises
// — KeyboardInterrupt for Ctrl-C — the run stops at that day boundary, so the
// world is consistent (every phase of every simulated day has run and been
// audited), and the exception is re-raised once the GIL is back. Polls are at
// least kPollInterval apart: re-acquiring the GIL costs ~1 µs when no other
// Python thread runs, but up to one switch interval (5 ms) when one does.
#include <chrono>
#include <functional>
#include <optional>

#include <pybind11/stl.h>

#include "api/run.hpp"
#include "bindings.hpp"

namespace pfsim::bindings {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr std::int64_t kMaxStepDays = 36500;  // the CLI's --steps limit

engine::AuditLevel parse_audit(const std::string& s) {
  if (s == "default") return engine::default_audit_level();
  if (s == "off") return engine::AuditLevel::off;
  if (s == "step") return engine::AuditLevel::end_of_step;
  if (s == "phase") return engine::AuditLevel::after_every_phase;
  throw py::value_error("audit must be one of 'default', 'off', 'step', 'phase'; got '" + s + "'");
}

const char* audit_name(engine::AuditLevel a) {
  switch (a) {
    case engine::AuditLevel::off:
      return "off";
    case engine::AuditLevel::end_of_step:
      return "step";
    case engine::AuditLevel::after_every_phase:
      return "phase";
  }
  return "?";
}

bool on_main_thread() {
  static const py::handle main_thread =  // released: never destroyed after Py_Finalize
      py::object(py::module_::import("threading").attr("main_thread")).release();
  const auto main_ident = main_thread().attr("ident").cast<unsigned long>();
  return PyThread_get_thread_ident() == main_ident;
}

std::unique_ptr<SimHandle> make_simulation(py::handle scenario, std::uint64_t seed, int threads,
                                           const std::string& audit) {
  constexpr std::uint64_t max_seed = 9007199254740992ULL;  // 2^53, as `pfsim run --seed`
  if (seed > max_seed) throw py::value_error("seed must be between 0 and 2**53");
  if (threads < 0 || threads > 1024)
    throw py::value_error("threads must be between 0 (all cores) and 1024");
  SimulationOptions options;
  options.seed = seed;
  options.threads = threads;
  options.audit = parse_audit(audit);
  const Scenario copy = resolved_scenario(scenario);  // copied with the GIL held
  auto h = std::make_unique<SimHandle>();
  {
    py::gil_scoped_release release;  // building a large world takes a while
    h->sim = std::make_shared<Simulation>(copy, options);
  }
  return h;
}

std::int64_t step(SimHandle& h, std::int64_t days) {
  if (days < 0) throw py::value_error("days must be >= 0, got " + std::to_string(days));
  if (days > kMaxStepDays)  // as `pfsim run --steps`
    throw py::value_error("days must be at most " + std::to_string(kMaxStepDays) +
                          " (100 years) per call, got " + std::to_string(days));
  h.check_steppable();
  std::optional<py::error_already_set> pending;  // what a signal handler raised
  std::function<bool()> stop;
  if (on_main_thread()) {
    auto last_poll = std::chrono::steady_clock::now() - kPollInterval;
    stop = [&pending, last_poll]() mutable {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_poll < kPollInterval) return false;
      last_poll = now;
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() == 0) return false;
      pending.emplace();  // fetches (and clears) the Python error
      return true;
    };
  }
  std::int64_t done = 0;
  h.busy = true;
  try {
    py::gil_scoped_release release;
    done = h.sim->step(days, stop);
  } catch (const UserError&) {  // e.g. the results file cannot be written: the world is fine
    h.busy = false;
    throw;
  } catch (const std::exception& e) {  // a phase failed half-way: the world is not consistent
    h.busy = false;
    h.failure = e.what();
    throw;
  }
  h.busy = false;
  if (pending) throw *pending;
  return done;
}

}  // namespace

SimClass register_simulation(py::module_& m) {
  SimClass cls(m, "Simulation", "A running simulation (private; use pfsim.Simulation).");
  cls.def(py::init(&make_simulation), py::arg("scenario"), py::arg("seed"), py::arg("threads") = 0,
          py::arg("audit") = "default")
      .def("step", &step, py::arg("days"),
           "Simulates `days` days with the GIL released; returns the days simulated. A "
           "signal handler's exception (KeyboardInterrupt) stops the run at a day boundary "
           "and is re-raised.")
      .def(
          "fork",
          [](SimHandle& h, int threads) {
            h.check_steppable();
            if (threads < 0 || threads > 1024)
              throw py::value_error("threads must be between 0 (all cores) and 1024");
            auto copy = std::make_unique<SimHandle>();
            py::gil_scoped_release release;  // copying a large world takes a while
            copy->sim = std::shared_ptr<Simulation>(h.sim->fork(threads));
            return copy;
          },
          py::arg("threads") = 0,
          "An independent copy of the simulation as it is now (no results file), stepping "
          "with `threads` workers.")
      .def(
          "save_checkpoint",
          [](SimHandle& h, const std::string& path, const std::string& frontend_json) {
            h.check_steppable();
            py::gil_scoped_release release;  // writing a large world takes a while
            h.sim->save_checkpoint(path, frontend_json);
          },
          py::arg("path"), py::arg("frontend_json") = "",
          "Writes a checkpoint (docs/checkpoints.md); `frontend_json` is kept verbatim.")
      .def_static(
          "load_checkpoint",
          [](const std::string& path, int threads, const std::string& audit) {
            if (threads < 0 || threads > 1024)
              throw py::value_error("threads must be between 0 (all cores) and 1024");
            const std::optional<engine::AuditLevel> level =
                audit.empty() ? std::nullopt : std::optional(parse_audit(audit));
            auto h = std::make_unique<SimHandle>();
            py::gil_scoped_release release;
            h->sim = std::shared_ptr<Simulation>(Simulation::load_checkpoint(path, threads, level));
            return h;
          },
          py::arg("path"), py::arg("threads") = 0, py::arg("audit") = "",
          "The simulation a checkpoint holds; ScenarioError naming the file when it is not one.")
      .def_property_readonly("checkpoint_frontend_json",
                             [](const SimHandle& h) { return h.sim->checkpoint_frontend_json(); })
      .def_property_readonly("days_done",
                             [](const SimHandle& h) {
                               h.check_idle("days_done");
                               return h.sim->world().run_day();
                             })
      .def_property_readonly("days_remaining",
                             [](const SimHandle& h) {
                               h.check_idle("days_remaining");
                               return h.sim->days_remaining();
                             })
      .def_property_readonly("date",
                             [](const SimHandle& h) {
                               h.check_idle("date");
                               return to_py_date(h.sim->world().today());
                             })
      .def_property_readonly(
          "start_date",
          [](const SimHandle& h) { return to_py_date(h.sim->scenario().run.start_date); })
      .def_property_readonly(
          "end_date", [](const SimHandle& h) { return to_py_date(h.sim->scenario().end_date()); })
      .def_property_readonly("seed", [](const SimHandle& h) { return h.sim->options().seed; })
      .def_property_readonly("threads", [](const SimHandle& h) { return h.sim->threads(); })
      .def_property_readonly("audit",
                             [](const SimHandle& h) { return audit_name(h.sim->options().audit); })
      .def_property_readonly("agent_count",
                             [](const SimHandle& h) {
                               h.check_idle("agent_count");
                               return h.sim->agent_count();
                             })
      .def_property_readonly("scenario_yaml",
                             [](const SimHandle& h) { return h.sim->scenario().resolved_text; })
      .def_property_readonly("scenario_source",
                             [](const SimHandle& h) { return h.sim->scenario().source_path; })
      .def(
          "networks_today",
          [](const SimHandle& h) {
            h.check_idle("networks");
            py::list out;
            for (const record::NetworkSnapshot& n : h.sim->networks_today()) {
              py::dict d;
              d["name"] = n.name;
              d["node_kind"] = n.node_kind;
              d["node_index"] = n.node_index;
              py::dict attributes;
              for (std::size_t k = 0; k < n.node_attribute_names.size(); ++k)
                attributes[py::str(n.node_attribute_names[k])] = n.node_attributes[k];
              d["node_attributes"] = attributes;
              d["source"] = n.source;
              d["target"] = n.target;
              d["weight"] = n.weight;
              out.append(d);
            }
            return out;
          },
          "Today's exposure networks as /networks would record them: a list of dicts.")
      .def(
          "apply_shock",
          [](SimHandle& h, const std::string& event_json) {
            h.check_idle("apply_shock");
            h.sim->apply_shock(event_json);
          },
          py::arg("event_json"),
          "Queues one event (a single-line JSON object with the keys of an item of `events:`, "
          "`date` the next simulated day) to fire on the next simulated day. Raises "
          "ScenarioError when it is not a valid event for this scenario.")
      .def_property_readonly(
          "events",
          [](const SimHandle& h) {
            h.check_idle("events");
            py::list out;
            for (const record::EventRecord& e : h.sim->fired_events()) {
              py::dict d;
              d["day"] = e.day;
              d["type"] = e.type;
              d["parameters"] = e.parameters;
              d["condition"] = e.condition;
              out.append(d);
            }
            return out;
          },
          "Events fired so far: dicts with day (since the start), type, parameters (JSON) "
          "and condition (the trigger's, 'intervention', or '').")
      .def_property_readonly("busy", [](const SimHandle& h) { return h.busy; })
      .def_property_readonly("failure", [](const SimHandle& h) { return h.failure; });
  return cls;
}

}  // namespace pfsim::bindings
