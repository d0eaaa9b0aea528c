// Money: int64 minor units (fen, 1/100 RMB). Rates and probabilities are double;
// amounts never are. Arithmetic that could leave the int64 range is checked and
// throws OverflowError — wrapping silently would create or destroy money.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace pfsim {

using Fen = std::int64_t;

// 128-bit accumulator for exact sums of many Fen values (__extension__ keeps
// -Wpedantic quiet about the GCC/Clang builtin type).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

inline constexpr Fen fen_per_yuan = 100;

// Fast exact sums (the audit's book totals, deposits by bank) add balances in
// 64-bit lanes, where a 128-bit sum takes two adds per row. They are exact
// while every balance lies in [-2^50, 2^50) and a lane adds at most 2^12 rows:
// the sum then stays below 2^62. fast_sum_bits(v), ORed over the rows,
// stays below fast_sum_limit exactly when every row lies in that range (it is
// |v| for v >= 0 and |v| - 1 for v < 0: no branch, no overflow at INT64_MIN).
inline constexpr std::uint64_t fast_sum_limit = std::uint64_t{1} << 50;
inline constexpr std::size_t fast_sum_max_rows = std::size_t{1} << 12;

[[nodiscard]] constexpr std::uint64_t fast_sum_bits(Fen v) noexcept {
  return static_cast<std::uint64_t>(v) ^ static_cast<std::uint64_t>(v >> 63);
}

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

namespace detail {
// apply_rate's general path: the exact product in integers (money.cpp). Out of
// line so that the fast paths below inline at every call site.
[[nodiscard]] Fen apply_rate_exact(Fen amount, double rate);
}  // namespace detail

// amount × rate, rounded toward zero (so a fee never exceeds its base). The
// result is defined as x87 extended precision computes it — the exact product
// rounded to a 64-bit significand (to nearest, ties to even), then truncated —
// which is what this function computed with `long double` until issue 18. It
// is emulated in integers: the x87 path cost two control-word switches per call
// (the consumption phase makes millions), and the integer path gives the same
// answer on every platform, also where long double is not x87's. Throws when
// the rate is not finite or |product| ≥ 9.2e18.
// Always inlined: it is called for every purchase, fee and instalment, and
// GCC left out-of-line copies in the largest phase bodies (4% of a step).
[[nodiscard]] [[gnu::always_inline]] inline Fen apply_rate(Fen amount, double rate) {
  // The common cases in one multiplication: when the double product p of an
  // exactly representable amount is not a whole number, the exact product lies
  // within half a double ulp of p, so neither it nor its 64-bit rounding can
  // reach the whole numbers around p; both truncate to p's. A product that is
  // 0 (a zero amount and a finite rate) or an amount at rate 1 is exact. (NaN
  // fails the range test and goes the long way, which throws.)
  constexpr Fen exact_double = Fen{1} << 53;
  if (amount > -exact_double && amount < exact_double) {
    const double p = static_cast<double>(amount) * rate;
    if (std::fabs(p) < 0x1p52) {
      const auto whole = static_cast<Fen>(p);  // truncation toward zero
      if (static_cast<double>(whole) != p) return whole;
      // A whole product is exact at rate 0 (a fee-free sale), on a zero amount
      // and at rate 1; other whole products take the exact path below.
      if (amount == 0 || rate == 1.0 || rate == 0.0) return whole;
    }
  }
  return detail::apply_rate_exact(amount, rate);
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
