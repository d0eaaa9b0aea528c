// run_contagion_json: output keys, round trips against the C++ API, and the
// error messages for malformed input.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "contagion/debtrank.hpp"
#include "contagion/eisenberg_noe.hpp"
#include "contagion/fire_sale.hpp"
#include "contagion/furfine.hpp"
#include "contagion/json_io.hpp"
#include "test_support.hpp"

namespace pfsim::contagion {
namespace {

using nlohmann::json;

json run(std::string_view model, const json& input) {
  return json::parse(run_contagion_json(model, input.dump()));
}

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (const auto& item : object.items()) out.insert(item.key());
  return out;
}

TEST_CASE(
    "json: eisenberg_noe output keys and values (hand-worked example of eisenberg_noe_test)") {
  const json out = run("eisenberg_noe", {{"liabilities", {{0, 10, 0}, {0, 0, 10}, {4, 0, 0}}},
                                         {"external_assets", {2, 3, 1}}});
  CHECK(keys(out) ==
        std::set<std::string>{"payments", "defaulted", "equity", "net_worth", "iterations"});
  CHECK(out["payments"] == json({6.0, 9.0, 4.0}));
  CHECK(out["defaulted"] == json({0, 1}));
  CHECK(out["equity"] == json({0.0, 0.0, 6.0}));
  CHECK(out["net_worth"] == json({-4.0, -1.0, 6.0}));
  CHECK(out["iterations"] == 3);
}

TEST_CASE("json: bankruptcy_costs selects Rogers-Veraart") {
  const json out = run("eisenberg_noe", {{"liabilities", {{0, 6}, {2, 0}}},
                                         {"external_assets", {5, 1}},
                                         {"external_liabilities", {4, 3}},
                                         {"bankruptcy_costs", {{"alpha", 0.5}, {"beta", 0.5}}}});
  CHECK(out["defaulted"] == json({0, 1}));
  CHECK(out["payments"][0].get<double>() == doctest::Approx(130.0 / 47).epsilon(1e-14));
}

TEST_CASE("json: debtrank output keys; liabilities + equity equals the impact matrix") {
  const json by_impact = run(
      "debtrank", {{"impact_matrix", {{0, 0.5, 0}, {0, 0, 0.4}, {0, 0, 0}}}, {"h0", {1, 0, 0}}});
  CHECK(keys(by_impact) == std::set<std::string>{"h_final", "debtrank", "defaulted", "steps"});
  CHECK(by_impact["steps"] == 4);
  CHECK(by_impact["defaulted"] == json({0}));
  CHECK(by_impact["debtrank"].get<double>() == doctest::Approx(0.7 / 3).epsilon(1e-14));
  // W_ij = L_ij / E_j: L = 0.5·E1 from 0 to 1, 0.4·E2 from 1 to 2.
  const json by_balance_sheet = run("debtrank", {{"liabilities", {{0, 5, 0}, {0, 0, 2}, {0, 0, 0}}},
                                                 {"equity", {1, 10, 5}},
                                                 {"h0", {1, 0, 0}},
                                                 {"variant", "battiston2012"}});
  CHECK(by_balance_sheet == by_impact);
  const json diff = run("debtrank", {{"impact_matrix", {{0, 0.5}, {0.5, 0}}},
                                     {"h0", {0.2, 0}},
                                     {"weights", {1, 1}},
                                     {"variant", "differential"},
                                     {"tolerance", 1e-14},
                                     {"max_steps", 500}});
  CHECK(diff["debtrank"].get<double>() == doctest::Approx(0.1).epsilon(1e-12));
}

TEST_CASE("json: furfine output keys and defaults (lgd 1, strict)") {
  const json input = {
      {"liabilities",
       {{0, 5, 0, 0, 0}, {0, 0, 3, 4, 0}, {0, 0, 0, 0, 2}, {0, 0, 0, 0, 3}, {0, 0, 0, 0, 0}}},
      {"capital", {1, 4, 3, 5, 2}},
      {"initial_defaults", {0}}};
  const json strict = run("furfine", input);
  CHECK(keys(strict) == std::set<std::string>{"defaulted", "default_round", "rounds", "losses"});
  CHECK(strict["defaulted"] == json({0, 1}));
  CHECK(strict["default_round"] == json({0, 1, -1, -1, -1}));
  CHECK(strict["rounds"] == 1);
  json inclusive_input = input;
  inclusive_input["tie"] = "inclusive";
  inclusive_input["lgd"] = 1.0;
  const json inclusive = run("furfine", inclusive_input);
  CHECK(inclusive["defaulted"] == json({0, 1, 2, 4}));
  CHECK(inclusive["losses"] == json({0.0, 5.0, 3.0, 4.0, 2.0}));
}

TEST_CASE("json: fire_sale output keys") {
  const json out = run("fire_sale", {{"holdings", {{100}, {50}}},
                                     {"prices", {1.0}},
                                     {"cash", {0, 50}},
                                     {"debt", {90, 80}},
                                     {"price_shock", {0.05}},
                                     {"price_impact", {0.001}},
                                     {"impact_function", "linear"},
                                     {"max_rounds", 1}});
  CHECK(keys(out) == std::set<std::string>{"prices", "price_path", "losses", "defaulted",
                                           "units_sold", "rounds", "converged"});
  CHECK(out["prices"][0].get<double>() == doctest::Approx(0.895).epsilon(1e-14));
  CHECK(out["rounds"] == 1);
  CHECK(out["converged"] == false);
}

TEST_CASE("json: a sparse matrix form gives the same answer as the dense one") {
  const json dense = run("eisenberg_noe", {{"liabilities", {{0, 6}, {2, 0}}},
                                           {"external_assets", {5, 0.5}},
                                           {"external_liabilities", {4, 3}}});
  const json sparse = run(
      "eisenberg_noe",
      {{"liabilities", {{"size", 2}, {"entries", {{0, 1, 4}, {1, 0, 2}, {0, 1, 2}, {1, 1, 9}}}}},
       {"external_assets", {5, 0.5}},
       {"external_liabilities", {4, 3}}});
  CHECK(sparse == dense);  // duplicates (0, 1) summed, diagonal (1, 1) ignored
}

// The JSON output must carry the C++ results bit for bit (doubles printed in
// shortest round-trip form), on networks large enough to hit awkward values.
TEST_CASE("json: round trip equals the C++ API exactly on random networks") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    CAPTURE(seed);
    const test::ClearingCase c = test::random_clearing_case(test::Topology::scale_free, 40, seed);
    const DenseMatrix l = dense_from_sparse(c.liabilities);
    const json out = run("eisenberg_noe", {{"liabilities", l},
                                           {"external_assets", c.external_assets},
                                           {"external_liabilities", c.external_liabilities}});
    const ClearingResult direct = eisenberg_noe(l, c.external_assets, c.external_liabilities);
    CHECK(out["payments"].get<Vector>() == direct.payments);
    CHECK(out["equity"].get<Vector>() == direct.equity);
    CHECK(out["net_worth"].get<Vector>() == direct.net_worth);
    CHECK(out["defaulted"].get<std::vector<std::size_t>>() == direct.defaulted);
    CHECK(out["iterations"].get<int>() == direct.iterations);

    Vector h0(40, 0.0);
    h0[seed] = 0.7;
    const json dr = run("debtrank", {{"liabilities", l},
                                     {"equity", c.external_assets},
                                     {"h0", h0},
                                     {"variant", "differential"}});
    DebtRankOptions options;
    options.variant = DebtRankVariant::differential;
    const DebtRankResult direct_dr =
        debtrank(impact_from_liabilities(c.liabilities, c.external_assets), h0, {}, options);
    CHECK(dr["h_final"].get<Vector>() == direct_dr.h_final);
    CHECK(dr["debtrank"].get<double>() == direct_dr.debtrank);
    CHECK(dr["steps"].get<int>() == direct_dr.steps);

    // Output → input: feeding the computed payments back as a network's
    // external assets parses and runs (numbers survive the trip).
    const json again =
        run("eisenberg_noe", {{"liabilities", l}, {"external_assets", out["payments"]}});
    CHECK(again["payments"].size() == 40);
  }
}

void check_error(std::string_view model, const std::string& input, const std::string& expected) {
  CAPTURE(input);
  CHECK_THROWS_WITH_AS((void)run_contagion_json(model, input), doctest::Contains(expected.c_str()),
                       std::invalid_argument);
}

TEST_CASE("json: malformed input names the key and what was expected") {
  const std::string l2 = R"("liabilities": [[0, 1], [1, 0]])";
  // Not JSON, or not an object.
  check_error("eisenberg_noe", R"({"liabilities": [[0, 1], [1, 0]], )", "not valid JSON");
  check_error("eisenberg_noe", R"({"liabilities": [[0, NaN], [1, 0]], "external_assets": [1, 1]})",
              "not valid JSON");
  check_error("eisenberg_noe", "[1, 2]", "expected a JSON object");
  // Unknown model, key, variant, tie.
  check_error("eisenbergnoe", "{}", "unknown model 'eisenbergnoe'");
  check_error("eisenberg_noe",
              "{" + l2 + R"(, "external_assets": [1, 1], "external_liabilites": [0, 0]})",
              "unknown key 'external_liabilites'");
  check_error("debtrank",
              R"({"impact_matrix": [[0, 1], [1, 0]], "h0": [1, 0], "variant": "linear"})",
              "variant: expected one of battiston2012, differential");
  check_error("furfine", "{" + l2 + R"(, "capital": [1, 1], "initial_defaults": [0], "tie": ">="})",
              "tie: expected one of strict, inclusive");
  // Missing keys.
  check_error("eisenberg_noe", "{" + l2 + "}", "missing key 'external_assets'");
  check_error("debtrank", "{" + l2 + R"(, "h0": [1, 0]})", "missing key 'equity'");
  check_error("debtrank", R"({"impact_matrix": [[0, 1], [1, 0]], "equity": [1, 1], "h0": [1, 0]})",
              "not both");
  // Shapes and lengths.
  check_error("eisenberg_noe", R"({"liabilities": [[0, 1], [1]], "external_assets": [1, 1]})",
              "liabilities[1]: expected 2 numbers");
  check_error("eisenberg_noe",
              R"({"liabilities": [[0, 1, 2], [1, 0, 2]], "external_assets": [1, 1]})",
              "liabilities[0]: expected 2 numbers");
  check_error("eisenberg_noe", R"({"liabilities": [[0, 1], [1, "a"]], "external_assets": [1, 1]})",
              "liabilities[1][1]: expected a number, found string");
  check_error("eisenberg_noe", R"({"liabilities": 3, "external_assets": [1, 1]})",
              "liabilities: expected an array of rows");
  check_error("eisenberg_noe", "{" + l2 + R"(, "external_assets": [1, 1, 1]})",
              "external_assets: expected 2 numbers (one per bank), found 3");
  check_error("furfine", "{" + l2 + R"(, "capital": [1], "initial_defaults": [0]})",
              "capital: expected 2 numbers");
  check_error("fire_sale", R"({"holdings": [[1, 2], [1]], "prices": [1, 1], "debt": [0, 0]})",
              "holdings[1]: expected 2 numbers");
  // Values out of range, infinities, wrong types.
  check_error("eisenberg_noe", R"({"liabilities": [[0, -1], [1, 0]], "external_assets": [1, 1]})",
              "liabilities[0][1]: expected a finite number >= 0, found -1");
  check_error("eisenberg_noe", "{" + l2 + R"(, "external_assets": [1, 1e999]})",
              "number overflow parsing '1e999'");
  check_error("eisenberg_noe", "{" + l2 + R"(, "external_assets": [1, -2]})", "external_assets[1]");
  check_error(
      "eisenberg_noe",
      "{" + l2 + R"(, "external_assets": [1, 1], "bankruptcy_costs": {"alpha": 2, "beta": 1}})",
      "bankruptcy_costs.alpha: expected a finite number in [0, 1], found 2");
  check_error("eisenberg_noe",
              "{" + l2 + R"(, "external_assets": [1, 1], "bankruptcy_costs": {"alpha": 1}})",
              "missing key 'beta'");
  check_error("debtrank", R"({"impact_matrix": [[0, 1], [1, 0]], "h0": [1.5, 0]})",
              "h0[0]: expected a finite number in [0, 1], found 1.5");
  check_error("debtrank", R"({"impact_matrix": [[0, 1], [1, 0]], "h0": [true, 0]})",
              "h0[0]: expected a number");
  check_error("debtrank", "{" + l2 + R"(, "equity": [1, 0], "h0": [1, 0]})",
              "equity[1]: expected a finite number > 0");
  check_error("debtrank", R"({"impact_matrix": [[0, 1], [1, 0]], "h0": [1, 0], "max_steps": 0})",
              "max_steps");
  check_error("furfine", "{" + l2 + R"(, "capital": [1, 1], "initial_defaults": [2]})",
              "initial_defaults[0]: expected a bank index in [0, 2), found 2");
  check_error("furfine", "{" + l2 + R"(, "capital": [1, 1], "initial_defaults": [-1]})",
              "initial_defaults[0]: expected a non-negative integer");
  check_error("furfine", "{" + l2 + R"(, "capital": [1, 1], "initial_defaults": [0.5]})",
              "initial_defaults[0]: expected a non-negative integer");
  check_error("furfine", "{" + l2 + R"(, "capital": [1, 1], "initial_defaults": [0], "lgd": 1.2})",
              "lgd");
  check_error("eisenberg_noe",
              R"({"liabilities": {"size": 2, "entries": [[0, 2, 1]]}, "external_assets": [1, 1]})",
              "liabilities[0][2]: index out of range");
}

}  // namespace
}  // namespace pfsim::contagion
