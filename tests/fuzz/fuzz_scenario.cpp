// libFuzzer target over the scenario loader: YAML parsing under limits, the
// schema walk, events and their conditions, and the resolved text. A
// pfsim::UserError is the expected answer to bad input; anything else — another
// exception, a crash, a sanitizer report, a hang — is a bug. Properties checked
// on every input that loads:
//   - the resolved text loads back to the same resolved text;
//   - every condition evaluates, and its names are what identifiers() lists;
//   - parameters_json() and condition_location() work on every event.
// Run through scripts/fuzz.sh; every crash found becomes a file in
// tests/scenario/malformed/ (or a test) so that it stays fixed.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "scenario/events.hpp"
#include "scenario/expression.hpp"
#include "scenario/load.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_scenario: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check_loaded(const pfsim::Scenario& sc) {
  using namespace pfsim::scenario;
  const pfsim::Scenario again = load_text(sc.resolved_text, "resolved.yaml");
  if (again.resolved_text != sc.resolved_text)
    fail("the resolved text does not load back to itself",
         sc.resolved_text + "\n---\n" + again.resolved_text);
  for (const pfsim::EventSpec& ev : sc.events) {
    (void)parameters_json(ev);
    (void)condition_location(ev, ev.when.size());
    if (ev.condition.empty()) continue;
    if (identifiers(ev.condition) != ev.condition.names()) fail("identifiers() disagrees", ev.when);
    for (const double v :
         {0.0, 1.0, -1e308, std::nan(""), std::numeric_limits<double>::infinity()}) {
      const double r = evaluate(ev.condition, [&](std::string_view) { return v; });
      if (r != 0.0 && r != 1.0) fail("a condition evaluated to neither 0 nor 1", ev.when);
    }
  }
  (void)check_identifiers(sc, {"consumer_dpd90_ratio"});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_loaded(pfsim::scenario::load_text(text, "fuzz.yaml"));
  } catch (const pfsim::UserError& e) {
    if (e.diagnostics().empty()) fail("a UserError without diagnostics", std::string(text));
  }
  // The condition language on its own, on the same bytes.
  try {
    const pfsim::scenario::Expression e = pfsim::scenario::parse_expression(text);
    (void)pfsim::scenario::to_string(e);
    (void)pfsim::scenario::evaluate(e, [](std::string_view) { return 0.5; });
  } catch (const pfsim::scenario::ExpressionError& e) {
    if (e.offset() > text.size()) fail("an ExpressionError offset past the end", std::string(text));
  }
  return 0;
}
