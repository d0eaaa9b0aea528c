// What new users tripped on (issue 17): look_at, one-pass validation, removing
// an inherited event, hints for shock types and percentages, --population.
#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/error.hpp"
#include "scenario/events.hpp"
#include "scenario/load.hpp"

namespace fs = std::filesystem;
using namespace pfsim;

namespace {

std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& l : v) out += (out.empty() ? "" : "\n") + l;
  return out;
}

std::string errors_of(const std::string& text, const std::vector<std::string>& set = {},
                      const std::vector<std::string>* known = nullptr) {
  try {
    (void)scenario::load_text(text, "t.yaml", set, known);
  } catch (const UserError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.diagnostics()) out.push_back(d.format());
    return lines(out);
  }
  return "(no error)";
}

const std::vector<std::string> known{"consumer_dpd90_ratio", "consumption", "platform_equity"};

}  // namespace

TEST_CASE("look_at: a list of indicator names, kept in the resolved text") {
  const Scenario sc =
      scenario::load_text("look_at: [consumption, platform_equity]\n", "t.yaml", {}, &known);
  CHECK(sc.look_at == std::vector<std::string>{"consumption", "platform_equity"});
  REQUIRE(sc.look_at_where.size() == 2);
  CHECK(sc.look_at_where[1].line == 1);
  CHECK(sc.look_at_where[1].column == 24);
  const Scenario again = scenario::load_text(sc.resolved_text, "resolved.yaml");
  CHECK(again.look_at == sc.look_at);
  CHECK(again.resolved_text == sc.resolved_text);
  // --set replaces it
  CHECK(scenario::load_text("look_at: [consumption]\n", "t.yaml", {"look_at=[platform_equity]"})
            .look_at == std::vector<std::string>{"platform_equity"});

  const std::string e =
      errors_of("look_at: [consumptoin, consumption, consumption, 3 x]\n", {}, &known);
  CHECK(e == lines({"t.yaml:1:11: look_at[0]: unknown indicator 'consumptoin' in look_at (did you "
                    "mean 'consumption'?)",
                    "t.yaml:1:37: look_at[2]: indicator 'consumption' is listed twice in look_at "
                    "(list it once)",
                    "t.yaml:1:50: look_at[3]: expected an indicator name (lower case, digits, _), "
                    "found \"3 x\""}));
  CHECK(errors_of("look_at: consumption\n") ==
        "t.yaml:1:10: look_at: expected a list of indicator names, found \"consumption\" (e.g. "
        "look_at: [consumption, platform_equity])");
}

TEST_CASE("one pass: a misspelt indicator in `when`, a bad value and two rules on one date") {
  const std::string text = R"(run: {start_date: 2020-01-01, days: 400}
consumers: {count: -5}
events:
  - {when: "consumer_dpd90_ratoi > 0.02", type: policy_rate, rate: 0.03}
  - {date: 2020-03-01, type: cofunding_floor, share: 0.3}
  - {date: 2020-03-01, type: cofunding_floor, share: 0.2}
)";
  const std::string e = errors_of(text, {}, &known);
  CHECK(e.find("t.yaml:2:20: consumers.count: value -5 is out of range") == 0);
  CHECK(e.find("t.yaml:4:13: events[0].when: unknown indicator 'consumer_dpd90_ratoi' in the "
               "condition (did you mean 'consumer_dpd90_ratio'?)") != std::string::npos);
  CHECK(e.find("t.yaml:6:12: events[2].date: a second 'cofunding_floor' event on 2020-03-01") !=
        std::string::npos);
  // without the indicator names the loader cannot know them (the engine checks them later)
  CHECK(errors_of(text).find("ratoi") == std::string::npos);
}

TEST_CASE("a misspelt run key gives one problem, not one per event date") {
  const std::string e = errors_of(R"(run: {start_date: 2020-01-01, dyas: 1096}
events:
  - {date: 2021-06-01, type: policy_rate, rate: 0.03}
  - {date: 2021-07-01, type: policy_rate, rate: 0.02}
)");
  CHECK(e == "t.yaml:1:31: run.dyas: unknown key 'dyas' (did you mean 'days'?)");
}

TEST_CASE("enabled: false removes an event, also one inherited by id") {
  const fs::path dir =
      fs::temp_directory_path() / ("pfsim_usability_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "base.yaml") << R"(run: {start_date: 2020-01-01, days: 400}
events:
  - {id: cut, date: 2020-02-01, type: policy_rate, rate: 0.03}
  - {id: fine, date: 2020-03-01, type: antitrust_fine, yuan: 1e9}
)";
  std::ofstream(dir / "child.yaml")
      << "extends: base.yaml\nevents:\n  - {id: cut, enabled: false}\n"
         "  - {date: 2020-04-01, type: ipo_halt, enabled: false}\n"
         "  - {date: 2020-05-01, type: policy_rate, rate: 0.02, enabled: true}\n";
  const Scenario sc = scenario::load_file((dir / "child.yaml").string());
  REQUIRE(sc.events.size() == 2);
  CHECK(sc.events[0].id == "fine");
  CHECK(sc.events[1].number("rate") == 0.02);
  CHECK(sc.resolved_text.find("enabled") == std::string::npos);
  CHECK(errors_of("events:\n  - {date: 2019-02-01, type: ipo_halt, enabled: maybe}\n")
            .find("events[0].enabled: expected true or false") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("unknown shock types get a suggestion, in the words of shock types") {
  CHECK(errors_of("events:\n  - {date: 2019-02-01, type: data_sharing, shared_fraction: 0.5}\n") ==
        "t.yaml:2:30: events[0].type: unknown shock type 'data_sharing' (did you mean "
        "'data_sharing_mandate'?)");
  const std::string e = errors_of("events:\n  - {date: 2019-02-01, type: zzz}\n");
  CHECK(e.find("shock types") != std::string::npos);
  CHECK(e.find("keys") == std::string::npos);
}

TEST_CASE("a percentage where a share is expected gets 'write 0.4'") {
  CHECK(errors_of("events:\n  - {date: 2019-02-01, type: cofunding_floor, share: 40}\n") ==
        "t.yaml:2:54: events[0].share: value 40 is out of range: expected a number between 0 and "
        "1 (share) (write shares as fractions: 0.4 for 40%)");
  CHECK(errors_of("events:\n  - {date: 2019-02-01, type: cofunding_floor, share: 40%}\n") ==
        "t.yaml:2:54: events[0].share: expected a finite number between 0 and 1, found \"40%\" "
        "(write shares as fractions: 0.4 for 40%)");
  CHECK(errors_of("platform: {own_funding_share: 30}\n").find("0.3 for 30%") != std::string::npos);
}

TEST_CASE("--population N scales the SMEs with the consumers and run.scale inversely") {
  const Scenario sc = scenario::load_text(
      "run: {scale: 10000}\nconsumers: {count: 100000}\nsmes: {count: 10000}\n", "t.yaml");
  CHECK(scenario::population_overrides(sc, 20000) ==
        std::vector<std::string>{"consumers.count=20000", "smes.count=2000", "run.scale=50000"});
  CHECK(
      scenario::population_overrides(sc, 3) ==
      std::vector<std::string>{"consumers.count=3", "smes.count=1", "run.scale=333333333.3333333"});
  CHECK_THROWS_AS((void)scenario::population_overrides(sc, 0), UserError);
  const Scenario small = scenario::load_text("run: {scale: 1}\n", "t.yaml");
  CHECK_THROWS_WITH_AS((void)scenario::population_overrides(small, small.consumers.count * 2),
                       doctest::Contains("run.scale"), UserError);

  CHECK(scenario::population_warning({"consumers.count=20000"})
            .find("without smes.count and run.scale") != std::string::npos);
  CHECK(scenario::population_warning({"consumers.count=20000", "smes.count=2000"})
            .find("--population") != std::string::npos);
  CHECK(
      scenario::population_warning({"consumers.count=20000", "smes.count=2000", "run.scale=50000"})
          .empty());
  CHECK(scenario::population_warning({"run.days=30"}).empty());
}
