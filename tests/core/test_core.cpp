// core: money arithmetic is checked, dates are exact, diagnostics read well.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/money.hpp"

using namespace pfsim;

TEST_CASE("checked money arithmetic throws instead of wrapping") {
  const Fen max = std::numeric_limits<Fen>::max();
  CHECK(checked_add(1, 2) == 3);
  CHECK_THROWS_AS((void)checked_add(max, 1), OverflowError);
  CHECK_THROWS_AS((void)checked_sub(std::numeric_limits<Fen>::min(), 1), OverflowError);
  CHECK_THROWS_AS((void)checked_mul(max / 2 + 1, 2), OverflowError);
  CHECK_THROWS_AS((void)apply_rate(max, 2.0), OverflowError);
  CHECK_THROWS_AS((void)apply_rate(100, std::numeric_limits<double>::quiet_NaN()), OverflowError);
}

TEST_CASE("fast_sum_bits marks exactly the balances outside [-2^50, 2^50)") {
  using pfsim::fast_sum_bits;
  using pfsim::fast_sum_limit;
  constexpr pfsim::Fen edge = pfsim::Fen{1} << 50;
  const auto inside = [](pfsim::Fen v) { return fast_sum_bits(v) < fast_sum_limit; };
  for (const pfsim::Fen v : {pfsim::Fen{0}, pfsim::Fen{1}, pfsim::Fen{-1}, edge - 1, -edge})
    CHECK(inside(v));
  for (const pfsim::Fen v : {edge, -edge - 1, std::numeric_limits<pfsim::Fen>::max(),
                             std::numeric_limits<pfsim::Fen>::min()})
    CHECK_FALSE(inside(v));
  // ORed over rows: one row outside is enough
  CHECK((fast_sum_bits(edge - 1) | fast_sum_bits(-edge)) < fast_sum_limit);
  CHECK((fast_sum_bits(3) | fast_sum_bits(-edge - 1)) >= fast_sum_limit);
  // a lane's sum: below fast_sum_max_rows * 2^50 = 2^62 in magnitude, inside int64
  CHECK(pfsim::fast_sum_max_rows * fast_sum_limit == std::uint64_t{1} << 62);
}

TEST_CASE("apply_rate truncates toward zero so a fee never exceeds its base") {
  CHECK(apply_rate(1000, 0.006) == 6);
  CHECK(apply_rate(999, 0.006) == 5);  // 5.994 → 5
  CHECK(apply_rate(-999, 0.006) == -5);
  CHECK(yuan_to_fen(12.345) == 1235);
  CHECK(fen_to_yuan(1235) == doctest::Approx(12.35));
}

// apply_rate's result is defined as the x87 extended-precision product,
// truncated (its implementation until issue 18); it is now emulated in integers.
// Where long double is x87's, compare the two on random and on tie-making inputs.
TEST_CASE("apply_rate equals the x87 extended-precision product, truncated") {
  if constexpr (std::numeric_limits<long double>::digits == 64) {
    auto x87 = [](Fen amount, double rate) -> Fen {
      const long double p = static_cast<long double>(amount) * static_cast<long double>(rate);
      return static_cast<Fen>(p);
    };
    std::mt19937_64 gen(20261206);
    std::uniform_int_distribution<int> bits(0, 62), scale(-60, 3), small_mantissa(1, 64);
    std::uniform_real_distribution<double> unit(0.5, 1.0);
    long checked = 0;
    for (int k = 0; k < 400000; ++k) {
      const Fen amount = static_cast<Fen>(gen() >> (63 - bits(gen))) * (k % 3 == 0 ? -1 : 1);
      // Half the rates have a full 53-bit significand; the rest only a few bits,
      // so that the product's 65th bit onwards is often exactly one half (a tie).
      const double rate = (k % 2 == 0 ? unit(gen) : small_mantissa(gen) / 64.0) *
                          std::ldexp(1.0, scale(gen)) * (k % 5 == 0 ? -1 : 1);
      const long double p = static_cast<long double>(amount) * static_cast<long double>(rate);
      if (p >= 9.2e18L || p <= -9.2e18L) {
        CHECK_THROWS_AS((void)apply_rate(amount, rate), OverflowError);
        continue;
      }
      const Fen got = apply_rate(amount, rate);
      const Fen want = x87(amount, rate);
      if (got != want) {
        FAIL_CHECK("apply_rate(" << amount << ", " << rate << ") = " << got << ", x87 gives "
                                 << want);
        break;
      }
      ++checked;
    }
    CHECK(checked > 300000);
    // Ties at the 64-bit rounding, both ways, and the largest amounts.
    const Fen big = (Fen{1} << 62) + 1;  // 63 bits; × 1.5 needs 65: a tie
    CHECK(apply_rate(big, 1.5) == x87(big, 1.5));
    CHECK(apply_rate(big + 2, 1.5) == x87(big + 2, 1.5));
    CHECK(apply_rate(-big, 1.5) == x87(-big, 1.5));
    CHECK(apply_rate(std::numeric_limits<Fen>::min() / 2, 1.0) ==
          std::numeric_limits<Fen>::min() / 2);
    CHECK(apply_rate(1, std::numeric_limits<double>::denorm_min()) == 0);
    CHECK(apply_rate(-7, -0.5) == 3);
    CHECK(apply_rate(7, -0.0) == 0);
    // Rate 0 (a fee-free sale) on both paths: inside the double range and beyond.
    CHECK(apply_rate(-123'456'789, 0.0) == 0);
    CHECK(apply_rate(std::numeric_limits<Fen>::max(), 0.0) == 0);
  }
  CHECK_THROWS_AS((void)apply_rate(0, std::numeric_limits<double>::infinity()), OverflowError);
  CHECK_THROWS_AS((void)apply_rate(std::numeric_limits<Fen>::min(), 1.0), OverflowError);
  CHECK(apply_rate(9'199'999'999'999'999'999, 1.0) == 9'199'999'999'999'999'999);
  CHECK_THROWS_AS((void)apply_rate(9'200'000'000'000'000'000, 1.0), OverflowError);
}

TEST_CASE("civil dates round-trip and reject impossible dates") {
  CHECK(from_civil({1970, 1, 1}).days_since_epoch == 0);
  CHECK(from_civil({2019, 1, 1}).days_since_epoch == 17897);
  for (int d = -800000; d < 800000; d += 997) {
    const CivilDate c = to_civil(Date{d});
    CHECK(from_civil(c).days_since_epoch == d);
  }
  CHECK(parse_iso_date("2020-02-29").has_value());
  CHECK_FALSE(parse_iso_date("2019-02-29").has_value());
  CHECK_FALSE(parse_iso_date("2019-13-01").has_value());
  CHECK_FALSE(parse_iso_date("2019-1-01").has_value());
  CHECK_FALSE(parse_iso_date("20x9-01-01").has_value());
  CHECK(format_iso_date(*parse_iso_date("2021-12-31")) == "2021-12-31");
  CHECK(days_in_month(1900, 2) == 28);
  CHECK(days_in_month(2000, 2) == 29);
}

TEST_CASE("a diagnostic names file, line, column, key and hint") {
  Diagnostic d;
  d.where = {"s.yaml", 3, 7};
  d.key_path = "consumers.count";
  d.message = "expected an integer";
  d.hint = "did you mean 'count'?";
  CHECK(d.format() == "s.yaml:3:7: consumers.count: expected an integer (did you mean 'count'?)");
  const UserError e(std::vector<Diagnostic>{d, d});
  CHECK(e.diagnostics().size() == 2);
}
