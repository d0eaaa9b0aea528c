// The general path of apply_rate (money.hpp): amount × rate as x87 extended
// precision computes it, emulated exactly in integers.
#include "core/money.hpp"

#include <bit>

namespace pfsim::detail {

Fen apply_rate_exact(Fen amount, double rate) {
  // |rate| = m × 2^e with m an integer of at most 53 bits, read from its bits.
  const auto rate_bits = std::bit_cast<std::uint64_t>(rate);
  const auto exponent_field = static_cast<int>((rate_bits >> 52) & 0x7FF);
  if (exponent_field == 0x7FF) throw OverflowError("money overflow applying a rate");
  std::uint64_t m = rate_bits & ((std::uint64_t{1} << 52) - 1);
  int e = -1074;  // a subnormal rate
  if (exponent_field != 0) {
    m |= std::uint64_t{1} << 52;
    e = exponent_field - 1075;
  }
  if (amount == 0 || m == 0) return 0;
  using U128 = UInt128;
  const bool negative = (amount < 0) != ((rate_bits >> 63) != 0);
  const std::uint64_t a =
      amount < 0 ? 0 - static_cast<std::uint64_t>(amount) : static_cast<std::uint64_t>(amount);
  // The exact product a × m (at most 117 bits), rounded to 64 significant bits.
  U128 q = static_cast<U128>(a) * m;
  const auto high = static_cast<std::uint64_t>(q >> 64);
  const int bits = high != 0 ? 128 - std::countl_zero(high)
                             : 64 - std::countl_zero(static_cast<std::uint64_t>(q));
  if (bits > 64) {
    const int shift = bits - 64;
    const U128 rest = q & ((U128{1} << shift) - 1);
    const U128 half = U128{1} << (shift - 1);
    q >>= shift;
    e += shift;
    if (rest > half || (rest == half && (q & 1) != 0)) ++q;  // may carry to 2^64: still exact
  }
  // |product| = q × 2^e; the overflow bound as in the long double comparison.
  constexpr std::uint64_t bound = 9'200'000'000'000'000'000ULL;
  std::uint64_t whole = 0;
  if (e >= 0) {
    if (e >= 64 || q > (U128{bound} >> e)) throw OverflowError("money overflow applying a rate");
    whole = static_cast<std::uint64_t>(q << e);
    if (whole >= bound) throw OverflowError("money overflow applying a rate");
  } else {
    if (-e >= 65) return 0;  // q < 2^65: below one fen
    if (-e < 64 && q >= (U128{bound} << -e)) throw OverflowError("money overflow applying a rate");
    whole = static_cast<std::uint64_t>(q >> -e);
  }
  return negative ? -static_cast<Fen>(whole) : static_cast<Fen>(whole);
}

}  // namespace pfsim::detail
