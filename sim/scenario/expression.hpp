// Trigger conditions: a small, safe expression language for `when:` in scenario
// events, e.g. "consumer_dpd90_ratio > 0.02 and step > 30".
//
//   condition  := or
//   or         := and ("or" and)*
//   and        := not ("and" not)*
//   not        := "not" not | comparison
//   comparison := sum [("<" | "<=" | ">" | ">=" | "==" | "!=") sum]   (no chains)
//   sum        := product (("+" | "-") product)*
//   product    := unary (("*" | "/") unary)*
//   unary      := ("-" | "+") unary | primary
//   primary    := number | name | "(" condition ")"
//   name       := [A-Za-z_][A-Za-z0-9_]* ("." [A-Za-z_][A-Za-z0-9_]*)*
//
// Two types are checked when parsing: numbers (names, literals, arithmetic) and
// truth values (comparisons, and/or/not). A condition must be a truth value, so
// "x > 0.3" is a condition and "x" is not. Nothing is executed: the text is
// compiled once into postfix code over constants and name slots, and evaluation
// is a loop over that code with a fixed-size stack (no allocation).
//
// Names are resolved by the caller at run time (the indicator table lives in
// sim/indicators, which this module must not depend on): identifiers() lists
// them so the engine can check them before the run, and evaluate() takes their
// values in that order. Semantics: IEEE arithmetic (x/0 is ±inf or NaN); every
// comparison involving NaN is false, so a missing indicator never fires a
// trigger; and/or/not treat 0 and NaN as false.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pfsim::scenario {

// Limits that keep a hostile condition cheap to parse and to evaluate.
inline constexpr std::size_t max_condition_bytes = 512;
inline constexpr int max_condition_depth = 32;  // nested parentheses and unary operators
inline constexpr std::size_t max_condition_stack = 256;

// Names every run provides besides the indicators: `step` (days since the start
// date, 0 on the first day) and `day` (day of the month, 1-31).
inline constexpr std::array<std::string_view, 2> builtin_identifiers{"step", "day"};

// A syntax or type error; offset() is the byte offset in the condition text.
class ExpressionError : public std::runtime_error {
 public:
  ExpressionError(std::size_t offset, const std::string& message, std::string hint = {});
  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] const std::string& hint() const noexcept { return hint_; }

 private:
  std::size_t offset_;
  std::string hint_;
};

// A compiled condition. Default-constructed: empty (no condition).
class Expression {
 public:
  enum class Op : std::uint8_t {
    constant,
    name,
    negate,
    logical_not,
    add,
    subtract,
    multiply,
    divide,
    less,
    less_equal,
    greater,
    greater_equal,
    equal,
    not_equal,
    logical_and,
    logical_or,
  };
  struct Instruction {
    Op op = Op::constant;
    std::uint32_t slot = 0;  // Op::name: index into names()
    double value = 0;        // Op::constant
    friend bool operator==(const Instruction&, const Instruction&) = default;
  };

  [[nodiscard]] bool empty() const noexcept { return code_.empty(); }
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  // Distinct names in order of first use; evaluate() takes their values in this order.
  [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }
  // Byte offset of the first use of names()[slot] in text().
  [[nodiscard]] std::size_t name_offset(std::size_t slot) const { return name_offsets_.at(slot); }
  [[nodiscard]] const std::vector<Instruction>& code() const noexcept { return code_; }

  friend bool operator==(const Expression&, const Expression&) = default;

 private:
  friend class ExpressionParser;
  std::string text_;
  std::vector<Instruction> code_;
  std::vector<std::string> names_;
  std::vector<std::size_t> name_offsets_;
};

// Parses and type-checks a condition; throws ExpressionError.
[[nodiscard]] Expression parse_expression(std::string_view text);

// The names a condition reads (same as e.names()).
[[nodiscard]] std::vector<std::string> identifiers(const Expression& e);

// Evaluates with values[i] the value of e.names()[i]. Throws std::invalid_argument
// if values has the wrong size. Returns 1 or 0 for a condition.
[[nodiscard]] double evaluate(const Expression& e, std::span<const double> values);
// Evaluates, asking `lookup` once for each name.
[[nodiscard]] double evaluate(const Expression& e,
                              const std::function<double(std::string_view)>& lookup);

// A condition's value as a decision: true unless 0 or NaN.
[[nodiscard]] constexpr bool truthy(double v) noexcept {
  return v != 0 && v == v;
}

// Fully parenthesised form, e.g. "((a + (b * 2)) > 3)"; shows how a text was read.
[[nodiscard]] std::string to_string(const Expression& e);

}  // namespace pfsim::scenario
