// core: money arithmetic is checked, dates are exact, diagnostics read well.
#include <doctest/doctest.h>

#include <limits>

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

TEST_CASE("apply_rate truncates toward zero so a fee never exceeds its base") {
  CHECK(apply_rate(1000, 0.006) == 6);
  CHECK(apply_rate(999, 0.006) == 5);  // 5.994 → 5
  CHECK(apply_rate(-999, 0.006) == -5);
  CHECK(yuan_to_fen(12.345) == 1235);
  CHECK(fen_to_yuan(1235) == doctest::Approx(12.35));
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
