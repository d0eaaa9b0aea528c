// JSON front end of the contagion algorithms (see json_io.hpp and
// docs/contagion.md for the formats). Reading is strict — unknown keys are
// errors — because a misspelt optional key ("external_liabilites") would
// otherwise be silently ignored and change the answer.
#include "contagion/json_io.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "contagion/debtrank.hpp"
#include "contagion/eisenberg_noe.hpp"
#include "contagion/fire_sale.hpp"
#include "contagion/furfine.hpp"
#include "contagion/matrix.hpp"
#include "contagion/validate.hpp"

namespace pfsim::contagion {

namespace {

using nlohmann::json;
using Keys = std::initializer_list<std::string_view>;

std::string joined(Keys keys) {
  std::string out;
  for (const std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

// A key of the input as it may appear in a message: a hostile 10 MB key is
// not echoed whole.
std::string shown_key(std::string_view key) {
  constexpr std::size_t limit = 64;
  if (key.size() <= limit) return std::string(key);
  return std::string(key.substr(0, limit)) + "... (" + std::to_string(key.size()) + " bytes)";
}

json parse_object(std::string_view text) {
  // JSON text has no NUL bytes; nlohmann stops reading at one and would
  // accept whatever came before it.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    fail_input("input is not valid JSON: a NUL byte at offset " + std::to_string(nul));
  }
  // Strict JSON: a key given twice in one object is an error, not "last wins"
  // (RFC 8259 leaves it open; the two values are likely a mistake).
  std::vector<std::vector<std::string>> open_objects;
  const json::parser_callback_t no_duplicates = [&](int /*depth*/, json::parse_event_t event,
                                                    json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      std::vector<std::string>& seen = open_objects.back();
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        fail_input("input is not valid JSON for pfsim: key '" + shown_key(key) +
                   "' appears twice in one object");
      }
      seen.push_back(key);
    }
    return true;
  };
  json root;
  try {
    root = json::parse(text.begin(), text.end(), no_duplicates);
  } catch (const json::exception& e) {
    // parse_error for bad syntax, out_of_range for a number beyond double
    // (1e999): both are the input's fault.
    fail_input(
        std::string("input is not valid JSON (note: NaN and Infinity are not JSON numbers): ") +
        e.what());
  }
  if (!root.is_object()) {
    fail_input(std::string("input: expected a JSON object {...}, found ") + root.type_name());
  }
  return root;
}

void reject_unknown_keys(const json& object, std::string_view where, Keys allowed) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (const std::string_view key : allowed) known = known || item.key() == key;
    if (!known) {
      fail_input(std::string(where) + ": unknown key '" + shown_key(item.key()) +
                 "' (expected one of: " + joined(allowed) + ")");
    }
  }
}

const json* find_key(const json& object, std::string_view key) {
  const auto found = object.find(std::string(key));
  return found == object.end() ? nullptr : &*found;
}

const json& require_key(const json& object, std::string_view key, std::string_view what) {
  const json* value = find_key(object, key);
  if (value == nullptr)
    fail_input("missing key '" + std::string(key) + "' (" + std::string(what) + ")");
  return *value;
}

double read_number(const json& value, const std::string& where) {
  if (!value.is_number()) {
    fail_input(where + ": expected a number, found " + std::string(value.type_name()));
  }
  const double x = value.get<double>();
  if (!std::isfinite(x))
    fail_input(where + ": expected a finite number, found " + format_number(x));
  return x;
}

std::size_t read_index(const json& value, const std::string& where) {
  if (value.is_number_unsigned()) return value.get<std::size_t>();
  if (value.is_number_float()) {
    // 3.0 is accepted as 3: some writers emit every number as a float.
    const double x = value.get<double>();
    if (x >= 0.0 && x <= 1e15 && std::floor(x) == x) return static_cast<std::size_t>(x);
  }
  fail_input(where + ": expected a non-negative integer, found " + value.dump());
}

int read_positive_int(const json& value, const std::string& where) {
  if (!value.is_number_integer() || value.get<long long>() < 1 ||
      value.get<long long>() > 100000000) {
    fail_input(where + ": expected an integer in [1, 100000000], found " + value.dump());
  }
  return static_cast<int>(value.get<long long>());
}

std::string read_string(const json& value, const std::string& where, Keys allowed) {
  if (value.is_string()) {
    std::string text = value.get<std::string>();  // not const: returned by move
    for (const std::string_view option : allowed) {
      if (text == option) return text;
    }
  }
  fail_input(where + ": expected one of " + joined(allowed) + ", found " + value.dump());
}

Vector read_vector(const json& value, const std::string& where) {
  if (!value.is_array()) {
    fail_input(where + ": expected an array of numbers, found " + std::string(value.type_name()));
  }
  Vector out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    out.push_back(read_number(value[i], where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::vector<std::size_t> read_indices(const json& value, const std::string& where) {
  if (!value.is_array()) {
    fail_input(where + ": expected an array of bank indices, found " +
               std::string(value.type_name()));
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    out.push_back(read_index(value[i], where + "[" + std::to_string(i) + "]"));
  }
  return out;
}

// Rows of numbers, not necessarily square (holdings are banks × assets).
DenseMatrix read_rows(const json& value, const std::string& where) {
  if (!value.is_array()) {
    fail_input(where + ": expected an array of rows (arrays of numbers), found " +
               std::string(value.type_name()));
  }
  DenseMatrix rows;
  rows.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i)
    rows.push_back(read_vector(value[i], where + "[" + std::to_string(i) + "]"));
  return rows;
}

// A square matrix, either dense (array of n rows of n numbers) or sparse
// ({"size": n, "entries": [[row, column, value], ...]}, duplicates summed).
SparseMatrix read_square_matrix(const json& value, const std::string& where) {
  if (value.is_object()) {
    reject_unknown_keys(value, where, {"size", "entries"});
    const std::size_t n =
        read_index(require_key(value, "size", where + ": number of banks"), where + ".size");
    // The dense row index is allocated up front: refuse absurd sizes before that.
    if (n > 10'000'000)
      fail_input(where + ".size: expected at most 10000000 banks, found " + std::to_string(n));
    const json& entries = require_key(value, "entries", where + ": [[row, column, value], ...]");
    if (!entries.is_array()) {
      fail_input(where + ".entries: expected an array of [row, column, value], found " +
                 std::string(entries.type_name()));
    }
    std::vector<Triplet> triplets;
    triplets.reserve(entries.size());
    for (std::size_t k = 0; k < entries.size(); ++k) {
      const std::string at = where + ".entries[" + std::to_string(k) + "]";
      const json& e = entries[k];
      if (!e.is_array() || e.size() != 3)
        fail_input(at + ": expected [row, column, value], found " + e.dump());
      triplets.push_back({read_index(e[0], at + "[0]"), read_index(e[1], at + "[1]"),
                          read_number(e[2], at + "[2]")});
    }
    return sparse_from_triplets(n, n, triplets, where);
  }
  const DenseMatrix rows = read_rows(value, where);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != rows.size()) {
      fail_input(where + "[" + std::to_string(i) + "]: expected " + std::to_string(rows.size()) +
                 " numbers (a square matrix has one column per row), found " +
                 std::to_string(rows[i].size()));
    }
  }
  return sparse_from_dense(rows, where);
}

json indices_json(const std::vector<std::size_t>& indices) {
  json out = json::array();
  for (const std::size_t i : indices) out.push_back(i);
  return out;
}

json run_eisenberg_noe(const json& in) {
  reject_unknown_keys(
      in, "eisenberg_noe input",
      {"liabilities", "external_assets", "external_liabilities", "bankruptcy_costs"});
  const SparseMatrix liabilities = read_square_matrix(
      require_key(in, "liabilities", "L[i][j] = what bank i owes bank j"), "liabilities");
  const Vector assets =
      read_vector(require_key(in, "external_assets", "one number per bank"), "external_assets");
  const json* el_json = find_key(in, "external_liabilities");
  const Vector external_liabilities =
      el_json ? read_vector(*el_json, "external_liabilities") : Vector{};

  ClearingResult r;
  if (const json* costs_json = find_key(in, "bankruptcy_costs")) {
    if (!costs_json->is_object()) {
      fail_input("bankruptcy_costs: expected an object {\"alpha\": a, \"beta\": b}, found " +
                 std::string(costs_json->type_name()));
    }
    reject_unknown_keys(*costs_json, "bankruptcy_costs", {"alpha", "beta"});
    const BankruptcyCosts costs{
        read_number(require_key(*costs_json, "alpha",
                                "bankruptcy_costs: share of external assets realised"),
                    "bankruptcy_costs.alpha"),
        read_number(require_key(*costs_json, "beta",
                                "bankruptcy_costs: share of interbank receipts realised"),
                    "bankruptcy_costs.beta")};
    r = rogers_veraart(liabilities, assets, external_liabilities, costs);
  } else {
    r = eisenberg_noe(liabilities, assets, external_liabilities);
  }
  return {{"payments", r.payments},
          {"defaulted", indices_json(r.defaulted)},
          {"equity", r.equity},
          {"net_worth", r.net_worth},
          {"iterations", r.iterations}};
}

json run_debtrank(const json& in) {
  reject_unknown_keys(in, "debtrank input",
                      {"impact_matrix", "liabilities", "equity", "h0", "weights", "variant",
                       "tolerance", "max_steps"});
  const json* impact_json = find_key(in, "impact_matrix");
  const json* liabilities_json = find_key(in, "liabilities");
  const json* equity_json = find_key(in, "equity");
  SparseMatrix impact;
  if (impact_json != nullptr) {
    if (liabilities_json != nullptr || equity_json != nullptr) {
      fail_input(
          "debtrank input: give either 'impact_matrix' or 'liabilities' with 'equity', not both");
    }
    impact = read_square_matrix(*impact_json, "impact_matrix");
  } else {
    if (liabilities_json == nullptr || equity_json == nullptr) {
      fail_input("debtrank input: missing key '" +
                 std::string(liabilities_json ? "equity" : "liabilities") +
                 "' (give 'impact_matrix', or 'liabilities' with 'equity')");
    }
    impact = impact_from_liabilities(read_square_matrix(*liabilities_json, "liabilities"),
                                     read_vector(*equity_json, "equity"));
  }
  const Vector h0 =
      read_vector(require_key(in, "h0", "initial distress, one number in [0, 1] per bank"), "h0");
  const json* weights_json = find_key(in, "weights");
  const Vector weights = weights_json ? read_vector(*weights_json, "weights") : Vector{};

  DebtRankOptions options;
  if (const json* v = find_key(in, "variant")) {
    options.variant =
        read_string(*v, "variant", {"battiston2012", "differential"}) == "differential"
            ? DebtRankVariant::differential
            : DebtRankVariant::battiston2012;
  }
  if (const json* t = find_key(in, "tolerance")) options.tolerance = read_number(*t, "tolerance");
  if (const json* s = find_key(in, "max_steps"))
    options.max_steps = read_positive_int(*s, "max_steps");

  const DebtRankResult r = debtrank(impact, h0, weights, options);
  return {{"h_final", r.h_final},
          {"debtrank", r.debtrank},
          {"defaulted", indices_json(r.defaulted)},
          {"steps", r.steps}};
}

json run_furfine(const json& in) {
  reject_unknown_keys(in, "furfine input",
                      {"liabilities", "capital", "initial_defaults", "lgd", "tie"});
  const SparseMatrix liabilities = read_square_matrix(
      require_key(in, "liabilities", "L[i][j] = what bank i owes bank j"), "liabilities");
  const Vector capital = read_vector(require_key(in, "capital", "one number per bank"), "capital");
  const std::vector<std::size_t> initial =
      read_indices(require_key(in, "initial_defaults", "indices of the banks that fail first"),
                   "initial_defaults");
  const json* lgd_json = find_key(in, "lgd");
  const double lgd = lgd_json ? read_number(*lgd_json, "lgd") : 1.0;
  const json* tie_json = find_key(in, "tie");
  const TieRule tie =
      tie_json && read_string(*tie_json, "tie", {"strict", "inclusive"}) == "inclusive"
          ? TieRule::inclusive
          : TieRule::strict;

  const FurfineResult r = furfine(liabilities, capital, initial, lgd, tie);
  return {{"defaulted", indices_json(r.defaulted)},
          {"default_round", r.default_round},
          {"rounds", r.rounds},
          {"losses", r.losses}};
}

json run_fire_sale(const json& in) {
  reject_unknown_keys(in, "fire_sale input",
                      {"holdings", "prices", "cash", "debt", "price_shock", "price_impact",
                       "impact_function", "target_leverage", "max_rounds", "tolerance"});
  FireSaleInput input;
  input.holdings =
      read_rows(require_key(in, "holdings", "units of each asset per bank"), "holdings");
  input.prices = read_vector(require_key(in, "prices", "pre-shock price per asset"), "prices");
  input.debt = read_vector(require_key(in, "debt", "one number per bank"), "debt");
  if (const json* v = find_key(in, "cash")) input.cash = read_vector(*v, "cash");
  if (const json* v = find_key(in, "price_shock"))
    input.price_shock = read_vector(*v, "price_shock");
  if (const json* v = find_key(in, "price_impact"))
    input.price_impact = read_vector(*v, "price_impact");
  if (const json* v = find_key(in, "impact_function")) {
    input.impact_function =
        read_string(*v, "impact_function", {"linear", "exponential"}) == "exponential"
            ? PriceImpact::exponential
            : PriceImpact::linear;
  }
  if (const json* v = find_key(in, "target_leverage")) {
    // One number applies to every bank.
    input.target_leverage = v->is_number()
                                ? Vector(input.holdings.size(), read_number(*v, "target_leverage"))
                                : read_vector(*v, "target_leverage");
  }
  if (const json* v = find_key(in, "max_rounds"))
    input.max_rounds = read_positive_int(*v, "max_rounds");
  if (const json* v = find_key(in, "tolerance")) input.tolerance = read_number(*v, "tolerance");

  const FireSaleResult r = fire_sale(input);
  return {{"prices", r.price_path.back()},
          {"price_path", r.price_path},
          {"losses", r.losses},
          {"defaulted", indices_json(r.defaulted)},
          {"units_sold", r.units_sold},
          {"rounds", r.rounds},
          {"converged", r.converged}};
}

// The path of the first non-finite number in `value`, e.g. "payments[3]".
std::optional<std::string> first_non_finite(const json& value, const std::string& path) {
  if (value.is_number_float()) {
    if (!std::isfinite(value.get<double>())) return path.empty() ? "value" : path;
    return std::nullopt;
  }
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      const std::string key = path.empty() ? item.key() : path + "." + item.key();
      if (auto found = first_non_finite(item.value(), key)) return found;
    }
  }
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (auto found = first_non_finite(value[i], path + "[" + std::to_string(i) + "]")) {
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::string run_contagion_json(std::string_view model, std::string_view input_json) {
  const Keys models = {"eisenberg_noe", "debtrank", "furfine", "fire_sale"};
  // Check the model first: a wrong model name is the likelier mistake and
  // would make every key look unknown.
  if (model != "eisenberg_noe" && model != "debtrank" && model != "furfine" &&
      model != "fire_sale") {
    fail_input("unknown model '" + std::string(model) + "' (expected one of: " + joined(models) +
               ")");
  }
  const json in = parse_object(input_json);
  json out;
  if (model == "eisenberg_noe") out = run_eisenberg_noe(in);
  if (model == "debtrank") out = run_debtrank(in);
  if (model == "furfine") out = run_furfine(in);
  if (model == "fire_sale") out = run_fire_sale(in);
  // JSON has no infinity or NaN: dump() would print `null` for a result that
  // overflowed, and the caller would take it for a number.
  if (const std::optional<std::string> where = first_non_finite(out, "")) {
    fail_input("the result " + *where +
               " is not a finite number (the computation overflowed); the input values are "
               "too large");
  }
  return out.dump();
}

}  // namespace pfsim::contagion
