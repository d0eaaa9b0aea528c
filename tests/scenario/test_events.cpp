// Events and the shock table (sim/scenario/events.hpp, shock_types.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "scenario/events.hpp"
#include "scenario/load.hpp"

using namespace pfsim;
using namespace pfsim::scenario;

namespace {
// Lines joined by '\n' (doctest prints strings, not vectors).
std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& l : v) out += (out.empty() ? "" : "\n") + l;
  return out;
}
}  // namespace

TEST_CASE("the shock table covers every shock of DESIGN.md §4 and is well formed") {
  const std::set<std::string> expected{"cofunding_floor",
                                       "platform_leverage_cap",
                                       "registered_capital_minimum",
                                       "loan_size_cap",
                                       "interest_rate_cap",
                                       "bank_capital_rule",
                                       "colending_concentration_limit",
                                       "ipo",
                                       "ipo_halt",
                                       "data_sharing_mandate",
                                       "fund_rules",
                                       "fund_run",
                                       "antitrust_fine",
                                       "payment_share_limit",
                                       "income_shock",
                                       "house_price_shock",
                                       "policy_rate",
                                       "reserve_requirement",
                                       "bank_failure",
                                       "platform_outage"};
  std::set<std::string> names;
  std::set<std::string> fields;
  for (const ParamSpec& f : event_fields()) fields.insert(f.path);
  for (const ShockType& t : shock_types()) {
    CAPTURE(t.name);
    CHECK(names.insert(t.name).second);
    CHECK(!t.help.empty());
    CHECK(find_shock_type(t.name) == &t);
    for (const ShockParam& p : t.params) {
      CAPTURE(p.spec.path);
      CHECK(fields.count(p.spec.path) == 0);  // a parameter never shadows an event key
      CHECK(!p.spec.help.empty());
      CHECK((p.spec.type == ParamType::number || p.spec.type == ParamType::integer ||
             p.spec.type == ParamType::string || p.spec.type == ParamType::date));
      CHECK(!(p.required && !p.spec.default_yaml.empty()));
      CHECK(find_shock_param(t, p.spec.path) == &p);
    }
    for (const std::string& n : t.at_least_one) CHECK(find_shock_param(t, n) != nullptr);
    if (!t.requires_type.empty()) CHECK(find_shock_type(t.requires_type) != nullptr);
  }
  CHECK(names == expected);
  CHECK(find_shock_type("no_such_shock") == nullptr);
}

TEST_CASE("every shock type loads with its required parameters, and round trips") {
  std::string text = "run: {start_date: 2020-01-01, days: 366}\nevents:\n";
  for (const ShockType& t : shock_types()) {
    text += "  - {date: 2020-06-01, type: " + t.name;
    for (const ShockParam& p : t.params) {
      const bool needed = p.required ||
                          (!t.at_least_one.empty() && p.spec.path == t.at_least_one.front()) ||
                          (t.name == "bank_failure" && p.spec.path == "bank");
      if (!needed) continue;
      text += ", " + p.spec.path + ": ";
      if (p.spec.type == ParamType::string) {
        text += "state";
      } else {
        const double v =
            p.spec.path == "valuation_yuan" ? 1e12 : std::clamp(1.0, p.spec.min, p.spec.max);
        text += std::to_string(v);
      }
    }
    text += "}\n";
  }
  text += "  - {date: 2020-07-01, type: ipo, raise_yuan: 1e9, valuation_yuan: 1e10}\n";
  const Scenario sc = load_text(text, "all.yaml");
  CHECK(sc.events.size() == shock_types().size() + 1);
  CHECK(load_text(sc.resolved_text, "again.yaml").resolved_text == sc.resolved_text);
}

TEST_CASE("EventSpec: validated parameters, defaults, accessors and JSON for the results file") {
  const Scenario sc = load_text(R"(run: {start_date: 2020-01-01, days: 366}
regions: {count: 2}
events:
  - {id: run1, when: "fund_redemptions > 1e9", type: fund_run, redemption_share: 0.25, repeat: true}
  - date: 2020-03-01
    type: data_sharing_mandate
    shared_fraction: 0.5
    phase_in_days: 60
  - {date: 2020-05-01, type: house_price_shock, change: -0.2, region: 1}
  - {date: 2020-05-02, type: bank_failure, tier: state, index: 2}
)",
                                "e.yaml");
  REQUIRE(sc.events.size() == 4);
  const EventSpec& run = sc.events[0];
  CHECK(run.id == "run1");
  CHECK(!run.date);
  CHECK(run.when == "fund_redemptions > 1e9");
  CHECK(run.condition.names() == std::vector<std::string>{"fund_redemptions"});
  CHECK(run.repeat);
  CHECK(run.number("redemption_share") == 0.25);
  CHECK(run.number("days") == 1);  // the default, explicit
  CHECK(run.has("days"));
  CHECK_THROWS_AS((void)run.number("nope"), InternalError);
  CHECK_THROWS_AS((void)run.text("days"), InternalError);
  CHECK(parameters_json(run) ==
        R"({"redemption_share": 0.25, "days": 1, "id": "run1", "repeat": true})");
  CHECK(run.key_path == "events[0]");
  CHECK(run.where.line == 4);
  CHECK(run.condition_where.line == 4);
  CHECK(run.condition_where.column == 23);  // inside the quotes
  CHECK(run.condition_columns_exact);

  const EventSpec& mandate = sc.events[1];
  CHECK(format_iso_date(*mandate.date) == "2020-03-01");
  CHECK(mandate.condition.empty());
  CHECK(mandate.number("platform_fee_response") == 0);
  CHECK(!mandate.has("bureau_precision"));  // optional without a default: absent
  CHECK(parameters_json(mandate) ==
        R"({"shared_fraction": 0.5, "platform_fee_response": 0, "phase_in_days": 60})");

  CHECK(sc.events[2].number("region") == 1);
  CHECK(parameters_json(sc.events[2]) == R"({"change": -0.2, "region": 1})");
  CHECK(sc.events[3].number("index") == 2);

  // Resolved on load: the kind and typed arguments the engine applies.
  CHECK(run.shock.kind == ShockKind::fund_run);
  CHECK(std::get<FundRunArgs>(run.shock.args).redemption_share == 0.25);
  CHECK(std::get<FundRunArgs>(run.shock.args).days == 1);
  CHECK(run.shock.settings.empty());
  const auto& sharing = std::get<DataSharingArgs>(mandate.shock.args);
  CHECK(sharing.shared_fraction == 0.5);
  CHECK(!sharing.bureau_precision);
  const auto& house = std::get<HousePriceArgs>(sc.events[2].shock.args);
  CHECK(house.change == -0.2);
  REQUIRE(house.region);
  CHECK(*house.region == 1);
  // tier 'state' is the first tier: its bank 2 is bank 2 over all banks
  CHECK(std::get<BankFailureArgs>(sc.events[3].shock.args).bank == 2);
}

TEST_CASE("shock kinds: one row each; table rows set Policy values with their units") {
  std::set<ShockKind> kinds;
  for (const ShockType& t : shock_types()) {
    CHECK_MESSAGE(kinds.insert(t.kind).second, t.name << " shares its kind with another row");
    // A parameter that reads a live scenario parameter's range either sets
    // that parameter's Policy value or is read by the mechanism on purpose.
    for (const ShockParam& p : t.params)
      if (p.sets != nullptr) CHECK(p.spec.type == ParamType::number);
  }
  const Scenario sc = load_text(R"(run: {start_date: 2020-01-01, days: 366, scale: 1000}
banks:
  tiers:
    - {name: state, count: 2, deposit_share: 0.5}
    - {name: joint_stock, count: 3, deposit_share: 0.5}
events:
  - {date: 2020-02-01, type: loan_size_cap, max_yuan: 200000, max_income_share: 0.5}
  - {date: 2020-02-02, type: registered_capital_minimum, yuan: 1.0e9}
  - {date: 2020-02-03, type: bank_capital_rule, minimum: 0.09, surcharge_state: 0.015}
  - {date: 2020-02-04, type: bank_failure, tier: joint_stock, index: 1}
  - {date: 2020-02-05, type: cofunding_floor, share: 0.3}
)",
                                "k.yaml");
  const auto& cap = sc.events[0].shock;
  CHECK(cap.kind == ShockKind::loan_size_cap);
  REQUIRE(cap.settings.size() == 2);
  CHECK(cap.settings[0].knob == &Policy::max_consumer_loan_fen);
  CHECK(cap.settings[0].value == 200000);
  CHECK(cap.settings[0].unit == PolicyUnit::person_yuan_to_fen);
  CHECK(cap.settings[1].knob == &Policy::max_loan_income_share);
  CHECK(cap.settings[1].unit == PolicyUnit::as_written);
  CHECK(!cap.reviews_bank_limits);
  CHECK(sc.events[1].shock.settings.at(0).unit == PolicyUnit::economy_yuan_to_fen);
  const auto& rule = sc.events[2].shock;
  CHECK(rule.reviews_bank_limits);
  REQUIRE(rule.settings.size() == 2);
  CHECK(rule.settings[0].knob == &Policy::capital_minimum);
  CHECK(rule.settings[1].knob == &Policy::surcharge_state);
  CHECK(std::get<BankFailureArgs>(sc.events[3].shock.args).bank == 3);  // 2 state banks, then 1
  // A floor is not a plain setting: the mechanism raises the share to at least it.
  CHECK(sc.events[4].shock.settings.empty());
  CHECK(std::get<CofundingFloorArgs>(sc.events[4].shock.args).share == 0.3);
}

TEST_CASE("check_identifiers: unknown names in conditions, located, with suggestions") {
  const Scenario sc = load_text(R"(run: {start_date: 2020-01-01, days: 366}
events:
  - when: "consumer_dpd90_ration > 0.02 and step > 30 and day == 1"
    type: policy_rate
    rate: 0.03
  - {when: platform.credit_share > 0.3 and zzz > 1, type: reserve_requirement, ratio: 0.08}
  - when: >-
      consumer_dpd90_ratio >
      0.5
    type: income_shock
    income_change: -0.1
)",
                                "c.yaml");
  const std::vector<std::string> known{"consumer_dpd90_ratio", "platform_credit_share"};
  std::vector<std::string> formatted;
  for (const Diagnostic& d : check_identifiers(sc, known)) formatted.push_back(d.format());
  const std::string got = lines(formatted);
  CHECK(got == lines({"c.yaml:3:12: events[0].when: unknown indicator 'consumer_dpd90_ration' in "
                      "the condition (did "
                      "you mean 'consumer_dpd90_ratio'?)",
                      "c.yaml:6:12: events[1].when: unknown indicator 'platform.credit_share' in "
                      "the condition (did "
                      "you mean 'platform_credit_share'?)",
                      "c.yaml:6:44: events[1].when: unknown indicator 'zzz' in the condition (a "
                      "condition may use the "
                      "recorded indicators (/timeseries in a results file), step and day)"}));
  // A folded condition cannot be located column by column: its start is used.
  CHECK(!sc.events[2].condition_columns_exact);
  CHECK(condition_location(sc.events[2], 5).line == 7);
  CHECK(check_identifiers(
            sc, {"consumer_dpd90_ration", "platform.credit_share", "zzz", "consumer_dpd90_ratio"})
            .empty());
}
