// JSON front end of the contagion algorithms, for `pfsim contagion MODEL
// FILE.json` and the Python bindings. Owns the input and output formats
// (documented key by key in docs/contagion.md); the numerical work is in the
// algorithm files. nlohmann_json stays private to json_io.cpp.
#pragma once

#include <string>
#include <string_view>

namespace pfsim::contagion {

// Runs `model` ("eisenberg_noe", "debtrank", "furfine" or "fire_sale") on the
// JSON object `input_json` and returns one JSON object (compact, numbers in
// shortest round-trip form) with the model's output keys:
//   eisenberg_noe: payments, defaulted, equity, net_worth, iterations
//   debtrank:      h_final, debtrank, defaulted, steps
//   furfine:       defaulted, default_round, rounds, losses
//   fire_sale:     prices, price_path, losses, defaulted, units_sold, rounds, converged
// Throws std::invalid_argument, with a message naming the offending key and
// what was expected, for bad JSON, an unknown model, key, variant or tie rule,
// a ragged or non-square matrix, a wrong length, or a value out of range.
[[nodiscard]] std::string run_contagion_json(std::string_view model, std::string_view input_json);

}  // namespace pfsim::contagion
