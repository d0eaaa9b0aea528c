// Input checks shared by the contagion algorithms and their JSON reader.
#include "contagion/validate.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace pfsim::contagion {

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out.precision(10);
  out << x;
  return out.str();
}

void fail_input(const std::string& message) {
  throw std::invalid_argument(message);
}

void require_length(std::span<const double> values, std::size_t expected, std::string_view name,
                    std::string_view per_what) {
  if (values.size() == expected) return;
  fail_input(std::string(name) + ": expected " + std::to_string(expected) + " numbers (one per " +
             std::string(per_what) + "), found " + std::to_string(values.size()));
}

namespace {

std::string bounds_text(double lower, double upper) {
  if (std::isinf(upper)) {
    return lower == 0.0 ? ">= 0" : ">= " + format_number(lower);
  }
  return "in [" + format_number(lower) + ", " + format_number(upper) + "]";
}

}  // namespace

void require_in(double value, double lower, double upper, std::string_view name) {
  if (std::isfinite(value) && value >= lower && value <= upper) return;
  fail_input(std::string(name) + ": expected a finite number " + bounds_text(lower, upper) +
             ", found " + format_number(value));
}

void require_each_in(std::span<const double> values, double lower, double upper,
                     std::string_view name) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i]) && values[i] >= lower && values[i] <= upper) continue;
    fail_input(std::string(name) + "[" + std::to_string(i) + "]: expected a finite number " +
               bounds_text(lower, upper) + ", found " + format_number(values[i]));
  }
}

void require_each_non_negative(std::span<const double> values, std::string_view name) {
  require_each_in(values, 0.0, INFINITY, name);
}

void require_each_positive(std::span<const double> values, std::string_view name) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i]) && values[i] > 0.0) continue;
    fail_input(std::string(name) + "[" + std::to_string(i) +
               "]: expected a finite number > 0, found " + format_number(values[i]));
  }
}

}  // namespace pfsim::contagion
