// Calendar dates as days since 1970-01-01 (proleptic Gregorian). A simulation
// step is one day; results store time as "days since <start date>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pfsim {

struct Date {
  std::int32_t days_since_epoch = 0;

  friend constexpr auto operator<=>(Date, Date) = default;
  [[nodiscard]] constexpr Date plus_days(std::int32_t d) const {
    return Date{days_since_epoch + d};
  }
};

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

[[nodiscard]] Date from_civil(CivilDate c);
[[nodiscard]] CivilDate to_civil(Date d);
[[nodiscard]] bool is_valid_civil(CivilDate c);
// Strict ISO-8601 calendar date "YYYY-MM-DD"; nullopt if malformed or impossible.
[[nodiscard]] std::optional<Date> parse_iso_date(std::string_view text);
[[nodiscard]] std::string format_iso_date(Date d);
// Number of days in the month that contains d.
[[nodiscard]] int days_in_month(int year, int month);

// Results carry dates that pandas and xarray read as datetime64[ns], which
// spans 1677-09-21 .. 2262-04-11: a run must stay within these two days to
// be analysed (the scenario loader checks run.days, Simulation::step longer runs).
[[nodiscard]] Date first_results_date();  // 1678-01-01
[[nodiscard]] Date last_results_date();   // 2262-04-11

}  // namespace pfsim
