// The loader: resolved text round trips, extends, --set, aliases, encodings,
// and the limits that keep hostile input cheap.
#include <doctest/doctest.h>

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/error.hpp"
#include "scenario/load.hpp"

namespace fs = std::filesystem;
using namespace pfsim;

namespace {

// A fresh folder under the system temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() /
           ("pfsim_scenario_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
};

// Lines joined by '\n' (doctest prints strings, not vectors).
std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& l : v) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// Every formatted diagnostic of a load that must fail, one per line.
std::string errors_of(const std::function<Scenario()>& load) {
  try {
    (void)load();
  } catch (const UserError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.diagnostics()) out.push_back(d.format());
    return lines(out);
  }
  return "(no error)";
}

std::string errors_of_text(const std::string& text, const std::vector<std::string>& set = {}) {
  return errors_of([&] { return scenario::load_text(text, "t.yaml", set); });
}

// load → to_yaml → load → to_yaml gives the same text.
void check_round_trip(const Scenario& sc) {
  CHECK(sc.resolved_text == scenario::to_yaml(sc));
  const Scenario again = scenario::load_text(sc.resolved_text, "resolved.yaml");
  CHECK(again.resolved_text == sc.resolved_text);
  CHECK(again.events.size() == sc.events.size());
}

const char* with_events = R"(run: {name: "ipo: halted", start_date: 2020-01-01, days: 731}
regions: {count: 3}
banks:
  tiers:
    - {name: state, count: 6, deposit_share: 0.5}
    - {name: "city & rural", count: 30, deposit_share: 0.5}
events:
  - {id: cut, date: 2020-02-01, type: policy_rate, rate: 0.0315, phase_in_days: 30}
  - {date: 2020-11-05, type: ipo, raise_yuan: 2.3e11, valuation_yuan: 2.1e12}
  - {date: 2020-11-03, type: ipo_halt}
  - when: "consumer_dpd90_ratio > 0.02 and step > 30"
    type: cofunding_floor
    share: 0.3
    phase_in_days: 90
  - {when: 'not (x > 1) or y <= -2.5e-3', type: fund_run, redemption_share: 0.2, repeat: true}
  - {date: 2021-04-10, type: antitrust_fine, yuan: 1.82e10}
  - {date: 2021-04-10, type: antitrust_fine, yuan: 1e9}
  - {date: 2020-06-01, type: bank_failure, tier: "city & rural", index: 29}
  - {date: 2020-06-02, type: house_price_shock, change: -0.2, region: 1}
  - {date: 2020-06-03, type: data_sharing_mandate, shared_fraction: 0.5}
)";

}  // namespace

TEST_CASE("the resolved text of every scenario loads back to the same text") {
  check_round_trip(scenario::load_file(PFSIM_SOURCE_DIR "/scenarios/baseline.yaml"));
  check_round_trip(scenario::load_text("", "empty.yaml"));
  const Scenario sc = scenario::load_text(with_events, "events.yaml");
  check_round_trip(sc);
  CHECK(sc.events.size() == 10);
  CHECK(sc.run.name == "ipo: halted");
  CHECK(sc.resolved_text.find("extends") == std::string::npos);
  CHECK(sc.source_path == "events.yaml");
}

TEST_CASE("an empty document means all defaults") {
  const std::string defaults = scenario::to_yaml(scenario::defaults());
  for (const char* text :
       {"", "\n", "# only a comment\n", "---\n", "~\n", "---\n...\n", "\xEF\xBB\xBF"}) {
    CAPTURE(text);
    CHECK(scenario::load_text(text, "t.yaml").resolved_text == defaults);
  }
}

TEST_CASE("byte-order mark, CRLF line ends, and columns counted in characters") {
  CHECK(scenario::load_text("\xEF\xBB\xBFrun: {days: 10}\r\n", "t.yaml").run.days == 10);
  // The byte-order mark is not a column; "é" and "华" are one column each.
  CHECK(errors_of_text("\xEF\xBB\xBFrun: {days: x}\n") ==
        lines({"t.yaml:1:13: run.days: expected an integer between 1 and 36500, found \"x\""}));
  CHECK(errors_of_text("run: {name: é华, days: x}\n") ==
        lines({"t.yaml:1:23: run.days: expected an integer between 1 and 36500, found \"x\""}));
  CHECK(errors_of_text("run:\r\n  days: x\r\n") ==
        lines({"t.yaml:2:9: run.days: expected an integer between 1 and 36500, found \"x\""}));
}

TEST_CASE("anchors and aliases are expanded into copies") {
  const Scenario sc = scenario::load_text(
      "consumers: &c {count: 5000}\nsmes: *c\nevents:\n"
      "  - {date: 2019-02-01, type: policy_rate, rate: &r 0.03}\n"
      "  - {when: &w \"step > 10\", type: reserve_requirement, ratio: 0.08}\n"
      "  - {when: *w, type: policy_rate, rate: *r, repeat: true}\n",
      "t.yaml");
  CHECK(sc.consumers.count == 5000);
  CHECK(sc.smes.count == 5000);
  REQUIRE(sc.events.size() == 3);
  CHECK(sc.events[2].when == "step > 10");
  CHECK(sc.events[2].number("rate") == 0.03);
  check_round_trip(sc);
}

TEST_CASE("limits: size, nesting, values, flow collections, aliases") {
  const auto first = [](const std::string& e) { return e.substr(0, e.find('\n')); };
  const std::string big(scenario::max_file_bytes + 1, '#');
  CHECK(first(errors_of_text(big)) ==
        "t.yaml: file is 1048577 bytes; the limit is 1048576 (scenario files are "
        "small; is this the right file?)");
  std::string nest = "a: ";
  for (int i = 0; i < 33; ++i) nest += "{b: ";
  CHECK(first(errors_of_text(nest)) ==
        "t.yaml:1:132: nesting deeper than 32 levels (scenario files need only a "
        "few levels; is a bracket left open?)");
  std::string block;
  for (int i = 0; i < 33; ++i) block += std::string(static_cast<std::size_t>(2 * i), ' ') + "k:\n";
  CHECK(first(errors_of_text(block)).find("t.yaml:33:") == 0);
  CHECK(first(errors_of_text(block)).find("nesting deeper than 32 levels") != std::string::npos);
  std::string many = "events:\n";
  for (int i = 0; i < 110000; ++i) many += "- x\n";
  CHECK(first(errors_of_text(many)).find("the document has more than 100000 values") !=
        std::string::npos);
  std::string flow = "a: [";
  while (flow.size() <= scenario::max_flow_bytes + 10) flow += "1,";
  CHECK(first(errors_of_text(flow + "]")) ==
        "t.yaml:1:4: a flow collection ([...] or {...}) longer than 262144 bytes (write long lists "
        "in block "
        "style, one item per line)");
  // Brackets in quotes and comments do not count.
  CHECK(errors_of_text("run: {name: \"" + std::string(40, '[') + "\", days: x} # " +
                       std::string(40, '{') + "\n")
            .find("run.days") != std::string::npos);
}

TEST_CASE("hostile inputs are refused quickly") {
  const std::size_t n = scenario::max_file_bytes;
  auto repeat = [&](const std::string& head, const std::string& unit) {
    std::string s = head;
    while (s.size() + unit.size() <= n) s += unit;
    return s;
  };
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (const char* name : {"b", "c", "d", "e", "f", "g", "h", "i"}) {
    bomb += std::string(name) + ": &" + name + " [";
    for (int k = 0; k < 9; ++k) bomb += (k == 0 ? "*" : ", *") + prev;
    bomb += "]\n";
    prev = name;
  }
  const std::vector<std::string> inputs{repeat("", "["),          repeat("", "{a: "),
                                        repeat("", "- "),         repeat("a: [", "1,"),
                                        repeat("a: {", "a: 1, "), repeat("", "a "),
                                        repeat("", "a: "),        repeat("x: &a ", "*a "),
                                        repeat("", "&a "),        repeat("", "!a "),
                                        repeat("", "? "),         repeat("", "a\tb\n"),
                                        repeat("", "- a:\n"),     repeat("a: |\n", "  x\n"),
                                        repeat("", "---\n"),      repeat("[", "\"a\" "),
                                        repeat("", "k: v\n"),     repeat("[", ": "),
                                        repeat("", "'a' "),       bomb,
                                        "a: &a [*a]\n",           "&a [*a, *a]\n",
                                        repeat("", "a:\n  - b\n")};
  double slowest = 0;
  for (const std::string& input : inputs) {
    CAPTURE(input.substr(0, 12));
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_AS((void)scenario::load_text(input, "t.yaml"), UserError);
    slowest = std::max(
        slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  MESSAGE("slowest hostile input: " << slowest << " s");
  CHECK(slowest < 10);  // a hang guard, not a benchmark: ≈ 0.3 s in a release build
}

TEST_CASE("extends: deep merge, lists replaced, events appended or replaced by id") {
  const TempDir dir;
  dir.write("base/baseline.yaml", R"(run: {name: base, start_date: 2020-01-01, days: 366}
consumers: {count: 5000, mpc_income: 0.6}
banks:
  tiers:
    - {name: a, count: 2, deposit_share: 0.5}
    - {name: b, count: 3, deposit_share: 0.5}
events:
  - {id: cut, date: 2020-02-01, type: policy_rate, rate: 0.0315}
  - {date: 2020-03-01, type: reserve_requirement, ratio: 0.09}
)");
  dir.write("base/middle.yaml", "extends: baseline.yaml\nconsumers: {count: 6000}\n");
  const std::string top = dir.write("shocks/top.yaml", R"(extends: ../base/middle.yaml
run: {name: top}
banks:
  tiers: [{name: only, count: 1, deposit_share: 1}]
events:
  - {id: cut, date: 2020-04-01, type: policy_rate, rate: 0.03}
  - {date: 2020-05-01, type: ipo, raise_yuan: 1e9, valuation_yuan: 1e10}
)");
  const Scenario sc = scenario::load_file(top);
  CHECK(sc.run.name == "top");
  CHECK(format_iso_date(sc.run.start_date) == "2020-01-01");
  CHECK(sc.consumers.count == 6000);
  CHECK(sc.consumers.mpc_income == 0.6);
  REQUIRE(sc.banks.tiers.size() == 1);
  CHECK(sc.banks.tiers[0].name == "only");
  REQUIRE(sc.events.size() == 3);
  CHECK(sc.events[0].id == "cut");  // replaced in place
  CHECK(format_iso_date(*sc.events[0].date) == "2020-04-01");
  CHECK(sc.events[1].type == "reserve_requirement");
  CHECK(sc.events[2].type == "ipo");
  CHECK(sc.source_path == top);
  CHECK(sc.resolved_text.find("extends") == std::string::npos);
  check_round_trip(sc);

  // Errors point into the file the value came from, with its own list index.
  dir.write("base/bad_base.yaml",
            "consumers: {count: -1}\nevents:\n  - {date: 2020-02-01, type: policy_rate}\n");
  const std::string bad = dir.write(
      "bad.yaml", "extends: base/bad_base.yaml\nevents:\n  - {date: 2030-01-01, type: ipo_halt}\n");
  const std::string base_name = (dir.path / "base/bad_base.yaml").lexically_normal().string();
  CHECK(errors_of([&] { return scenario::load_file(bad); }) ==
        lines({bad + ":3:12: events[0].date: date 2030-01-01 is outside the run (2019-01-01 to "
                     "2019-12-31) (the run "
                     "covers run.days = 365 days from run.start_date; move the event or lengthen "
                     "the run)",
               base_name + ":1:20: consumers.count: value -1 is out of range: expected an integer "
                           "between 1 and 2e+08 "
                           "(count)",
               base_name + ":3:5: events[0]: missing parameter 'rate' for shock type 'policy_rate' "
                           "(add rate: number "
                           "between -0.05 and 0.5 (1/year) — The new policy rate. Sets "
                           "`central_bank.policy_rate`.)",
               base_name + ":3:12: events[0].date: date 2020-02-01 is outside the run (2019-01-01 "
                           "to 2019-12-31) (the "
                           "run covers run.days = 365 days from run.start_date; move the event or "
                           "lengthen the run)"}));
}

TEST_CASE("extends: cycles and long chains are refused with the chain") {
  const TempDir dir;
  const std::string a = dir.write("a.yaml", "extends: b.yaml\n");
  dir.write("b.yaml", "extends: a.yaml\n");
  const std::string b = (dir.path / "b.yaml").string();
  CHECK(errors_of([&] { return scenario::load_file(a); }) ==
        lines({b + ":1:10: extends: extends cycle: " + a + " → " + b + " → " + a +
               " (a scenario cannot extend itself, directly or through other files)"}));
  for (int i = 0; i < 12; ++i)
    dir.write(std::string("c").append(std::to_string(i)).append(".yaml"),
              std::string("extends: c").append(std::to_string(i + 1)).append(".yaml\n"));
  dir.write("c12.yaml", "run: {days: 10}\n");
  const auto chain =
      errors_of([&] { return scenario::load_file((dir.path / "c0.yaml").string()); });
  CHECK(chain.find('\n') == std::string::npos);
  CHECK(chain.find("extends chain is longer than 8 files: ") != std::string::npos);
  CHECK(chain.find((dir.path / "c7.yaml").string() + ":1:10: extends:") == 0);
  for (int i = 0; i < 7; ++i)
    dir.write(std::string("d").append(std::to_string(i)).append(".yaml"),
              std::string("extends: d").append(std::to_string(i + 1)).append(".yaml\n"));
  dir.write("d7.yaml", "run: {days: 10}\n");
  CHECK(scenario::load_file((dir.path / "d0.yaml").string()).run.days ==
        10);  // 8 files in the chain: allowed
}

TEST_CASE("--set overrides leaves, list elements and event parameters") {
  const Scenario sc = scenario::load_text(
      "events:\n  - {date: 2019-03-01, type: policy_rate, rate: 0.03}\n", "t.yaml",
      {"consumers.count=20000", "banks.tiers[1].count=7", "run.name=a b", "events[0].rate=0.025",
       "events[0].phase_in_days=10", "run.start_date=2019-02-01", "consumers.count=30000"});
  CHECK(sc.consumers.count == 30000);  // the last --set wins
  CHECK(sc.banks.tiers.size() == 3);   // the default list, with one field changed
  CHECK(sc.banks.tiers[1].count == 7);
  CHECK(sc.banks.tiers[0].count == scenario::defaults().banks.tiers[0].count);
  CHECK(sc.run.name == "a b");
  CHECK(sc.events[0].number("rate") == 0.025);
  CHECK(sc.events[0].phase_in_days == 10);
  CHECK(scenario::load_text("", "t.yaml", {"run.name="}).run.name.empty());

  CHECK(
      errors_of_text(
          "", {"consumers.count=1e99", "run.days=[1, 2]", "events[0].rate=1", "extends=x.yaml",
               "banks.tiers[].count=1", "run..days=3", "=5", "consumers.cout=5"}) ==
      // in command-line order, whatever stage finds the problem
      lines({"--set: consumers.count: value 1e99 is out of range: expected an integer between 1 "
             "and 2e+08 (count)",
             "--set: run.days: expected an integer, found a list",
             "--set: events[0].rate: list index 0 is out of range (the list has 0 items)",
             "--set: extends: unknown parameter 'extends' (`pfsim schema` lists the parameters)",
             "--set: banks.tiers[].count: malformed path (write e.g. banks.tiers[0].count or "
             "events[1].rate)",
             "--set: run..days: malformed path (write e.g. banks.tiers[0].count or events[1].rate)",
             "--set: expected PATH=VALUE, found \"=5\" (e.g. --set consumers.count=20000)",
             "--set: consumers.cout: unknown parameter 'consumers.cout' (did you mean "
             "'consumers.count'?)"}));
}

TEST_CASE("files: missing, a directory, unreadable base") {
  const TempDir dir;
  const std::string missing = (dir.path / "nope.yaml").string();
  CHECK(errors_of([&] { return scenario::load_file(missing); }) ==
        lines({missing + ": cannot open the scenario file (check the path and that the file is "
                         "readable)"}));
  CHECK(errors_of([&] { return scenario::load_file(dir.path.string()); }) ==
        lines({dir.path.string() + ": is a directory, not a scenario file (give the path of a "
                                   ".yaml file)"}));
  const std::string fifo_user = dir.write("f.yaml", "extends: /dev/null\n");
  CHECK(errors_of([&] { return scenario::load_file(fifo_user); }).find("is not a regular file") !=
        std::string::npos);
}

TEST_CASE("extends: kernel pseudo-files are refused (they pass as regular files and may block)") {
  const TempDir dir;
  const std::string a = dir.write("a.yaml", "extends: /proc/self/status\n");
  CHECK(errors_of([&] { return scenario::load_file(a); }).find("is not a regular file") !=
        std::string::npos);
}

TEST_CASE(
    "extends: a base that is a mapping but not a scenario gets one message, quoting none of it") {
  const TempDir dir;
  dir.write("secrets.conf", "api token: s3cr3t-value\nroot:x:0:0: here\n");
  const std::string a = dir.write("a.yaml", "extends: secrets.conf\nrun: {days: 10}\n");
  const std::string errors = errors_of([&] { return scenario::load_file(a); });
  CHECK(errors ==
        lines({a + ":1:10: extends: the base scenario 'secrets.conf' is not a pfsim scenario (none "
                   "of its 2 top-level keys is a section such as run:, consumers: or events:) "
                   "(extend a scenario file, e.g. extends: baseline.yaml)"}));
  CHECK(errors.find("s3cr3t") == std::string::npos);
  CHECK(errors.find("root:x") == std::string::npos);
  // One real section is enough: its other keys are then reported as usual.
  dir.write("partial.yaml", "run: {days: 10}\nconsumerz: {count: 5}\n");
  const std::string b = dir.write("b.yaml", "extends: partial.yaml\n");
  CHECK(errors_of([&] { return scenario::load_file(b); }).find("unknown key 'consumerz'") !=
        std::string::npos);
}
