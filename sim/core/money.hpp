// Money: int64 minor units (fen, 1/100 RMB). Rates and probabilities are double;
// amounts never are. Arithmetic that could leave the int64 range is checked and
// throws OverflowError — wrapping silently would create or destroy money.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace pfsim {

using Fen = std::int64_t;

// 128-bit accumulator for exact sums of many Fen values (__extension__ keeps
// -Wpedantic quiet about the GCC/Clang builtin type).
__extension__ typedef __int128 Int128;

inline constexpr Fen fen_per_yuan = 100;

[[nodiscard]] inline Fen checked_add(Fen a, Fen b) {
  Fen out = 0;
  if (__builtin_add_overflow(a, b, &out)) throw OverflowError("money overflow in addition");
  return out;
}

[[nodiscard]] inline Fen checked_sub(Fen a, Fen b) {
  Fen out = 0;
  if (__builtin_sub_overflow(a, b, &out)) throw OverflowError("money overflow in subtraction");
  return out;
}

[[nodiscard]] inline Fen checked_mul(Fen a, std::int64_t b) {
  Fen out = 0;
  if (__builtin_mul_overflow(a, b, &out)) throw OverflowError("money overflow in multiplication");
  return out;
}

// amount × rate, rounded toward zero (so a fee never exceeds its base). The
// rate is a plain double; the product is formed in long double and must fit.
[[nodiscard]] inline Fen apply_rate(Fen amount, double rate) {
  const long double product = static_cast<long double>(amount) * static_cast<long double>(rate);
  if (!std::isfinite(static_cast<double>(product)) || product >= 9.2e18L || product <= -9.2e18L)
    throw OverflowError("money overflow applying a rate");
  return static_cast<Fen>(product);  // truncation toward zero
}

// Yuan (a user-facing double from a scenario file) to fen, rounded to nearest.
[[nodiscard]] inline Fen yuan_to_fen(double yuan) {
  const double f = std::round(yuan * static_cast<double>(fen_per_yuan));
  if (!std::isfinite(f) || f >= 9.2e18 || f <= -9.2e18) throw OverflowError("amount out of range");
  return static_cast<Fen>(f);
}

[[nodiscard]] inline double fen_to_yuan(Fen f) {
  return static_cast<double>(f) / static_cast<double>(fen_per_yuan);
}

// A model amount (fen, each agent standing for `scale` people: run.scale) as
// economy-wide RMB — the one conversion indicators and network snapshots use.
// A template so that exact 128-bit sums are converted at the last moment.
template <class Amount>
[[nodiscard]] inline double fen_to_economy_yuan(Amount fen, double scale) {
  return static_cast<double>(fen) / static_cast<double>(fen_per_yuan) * scale;
}

}  // namespace pfsim
