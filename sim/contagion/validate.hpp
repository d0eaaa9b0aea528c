// Input checks shared by the contagion algorithms and their JSON reader, so a
// bad input gets the same message ("external_assets[2]: expected a finite
// number >= 0, found -1") whichever front end it came through. Every failure
// throws std::invalid_argument; nothing here is part of the numerical methods.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace pfsim::contagion {

// "-1", "0.25", "nan", "inf": short enough for an error message.
[[nodiscard]] std::string format_number(double x);

[[noreturn]] void fail_input(const std::string& message);

// `name` must hold exactly `expected` entries, e.g. one per bank.
void require_length(std::span<const double> values, std::size_t expected, std::string_view name,
                    std::string_view per_what);

// Every entry of `values` must be finite and within [lower, upper].
void require_each_in(std::span<const double> values, double lower, double upper,
                     std::string_view name);

// Every entry finite and >= 0 (amounts of money or of assets).
void require_each_non_negative(std::span<const double> values, std::string_view name);

// Every entry finite and > 0 (divisors such as equity or prices).
void require_each_positive(std::span<const double> values, std::string_view name);

// A single finite number in [lower, upper].
void require_in(double value, double lower, double upper, std::string_view name);

}  // namespace pfsim::contagion
