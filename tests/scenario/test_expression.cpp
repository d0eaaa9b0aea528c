// The condition language of `when:` (sim/scenario/expression.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "scenario/expression.hpp"

using namespace pfsim::scenario;

namespace {

double eval(const std::string& text, const std::map<std::string, double>& values = {}) {
  const Expression e = parse_expression(text);
  return evaluate(e, [&](std::string_view name) {
    const auto it = values.find(std::string(name));
    return it == values.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
  });
}

// The byte offset and message of the error a text gives.
std::pair<std::size_t, std::string> error_of(const std::string& text) {
  try {
    (void)parse_expression(text);
  } catch (const ExpressionError& e) {
    return {e.offset(), e.what()};
  }
  return {std::string::npos, "no error"};
}

}  // namespace

TEST_CASE("precedence and associativity, shown fully parenthesised") {
  CHECK(to_string(parse_expression("a + b * c > 2")) == "((a + (b * c)) > 2)");
  CHECK(to_string(parse_expression("a - b - c > 0")) == "(((a - b) - c) > 0)");
  CHECK(to_string(parse_expression("a / b / c < 1")) == "(((a / b) / c) < 1)");
  CHECK(to_string(parse_expression("x > 1 or y > 2 and z > 3")) ==
        "((x > 1) or ((y > 2) and (z > 3)))");
  CHECK(to_string(parse_expression("not x > 1 and y < 2")) == "((not (x > 1)) and (y < 2))");
  CHECK(to_string(parse_expression("-a * -(b + 1) >= -3")) == "(((-a) * (-(b + 1))) >= (-3))");
  CHECK(to_string(parse_expression("+a == 1")) == "(a == 1)");
  CHECK(to_string(parse_expression("(x > 1 or y > 2) and z != 3")) ==
        "(((x > 1) or (y > 2)) and (z != 3))");
  CHECK(to_string(parse_expression("platform.consumer_credit_share > 0.3")) ==
        "(platform.consumer_credit_share > 0.3)");
  CHECK(to_string(parse_expression("step>=1e3")) == "(step >= 1000)");
  CHECK(to_string(parse_expression(".5 < x")) == "(0.5 < x)");
}

TEST_CASE("evaluation") {
  const std::map<std::string, double> v{{"x", 0.25}, {"y", 4}, {"step", 31}, {"day", 1}};
  CHECK(eval("x * y == 1", v) == 1);
  CHECK(eval("x + y / 2 > 2.2", v) == 1);
  CHECK(eval("step > 30 and day == 1", v) == 1);
  CHECK(eval("step > 31 or day != 1", v) == 0);
  CHECK(eval("not step > 31", v) == 1);
  CHECK(eval("-x < 0 and 2 - 3 * 2 == -4", v) == 1);
  CHECK(eval("(y - 4) / (y - 4) != 0", v) == 0);  // NaN compares false, even with !=
  CHECK(eval("1 / (y - 4) > 1e300", v) == 1);     // +inf
  CHECK(eval("missing > 0", v) == 0);             // an absent indicator never fires
  CHECK(eval("missing < 0 or missing >= 0", v) == 0);
  CHECK(eval("not missing > 0", v) == 1);
}

TEST_CASE("identifiers are listed once, in order of first use, with their offsets") {
  const Expression e = parse_expression("b > 1 and a < b or platform.x == a");
  CHECK(identifiers(e) == std::vector<std::string>{"b", "a", "platform.x"});
  CHECK(e.name_offset(0) == 0);
  CHECK(e.name_offset(1) == 10);
  CHECK(e.name_offset(2) == 19);
  CHECK(e.text() == "b > 1 and a < b or platform.x == a");
  const std::vector<double> values{2, 3, 3};  // b, a, platform.x
  CHECK(evaluate(e, values) == 1);
  CHECK_THROWS_AS((void)evaluate(e, std::vector<double>{1, 2}), std::invalid_argument);
  CHECK(parse_expression("step > 3") == parse_expression("step > 3"));
  CHECK(Expression().empty());
}

TEST_CASE("errors point at the offending byte") {
  using E = std::pair<std::size_t, std::string>;
  CHECK(error_of("") == E{0, "the condition is empty"});
  CHECK(error_of("   ") == E{0, "the condition is empty"});
  CHECK(error_of("x > 1 and and y") == E{10, "expected a number, a name or '(', found 'and'"});
  CHECK(error_of("x > ") ==
        E{4, "expected a number, a name or '(', found the end of the condition"});
  CHECK(error_of("a < b < c") == E{6, "comparisons cannot be chained"});
  CHECK(error_of("x") == E{0, "a condition must be true or false, but this is a number"});
  CHECK(error_of("x > 1 && y > 2") == E{6, "unknown operator '&'"});
  CHECK(error_of("x > 1 || y > 2") == E{6, "unknown operator '|'"});
  CHECK(error_of("x = 1") == E{2, "'=' is not an operator"});
  CHECK(error_of("!x") == E{0, "'!' is not an operator"});
  CHECK(error_of("(x > 1") ==
        E{6, "expected ')' to close the '(' at offset 0, found the end of the condition"});
  CHECK(error_of("x > 1)") == E{5, "unmatched ')'"});
  CHECK(error_of("x > 1 y") == E{6, "unexpected 'y' after a complete condition"});
  CHECK(error_of("x > 5%") == E{5, "unexpected character '%'"});
  CHECK(error_of("x > 1.2.3") == E{4, "malformed number '1.2.3'"});
  CHECK(error_of("x > 1e999") == E{4, "number '1e999' is out of range"});
  CHECK(error_of("x > 3abc") == E{4, "malformed number '3abc'"});
  CHECK(error_of("a. > 1") == E{1, "a name must continue after '.'"});
  CHECK(error_of("x ≥ 1") == E{2, "unexpected character '≥'"});
  CHECK(error_of("x > \x01") == E{4, "unexpected character byte 0x01"});
  CHECK(error_of("(x > 1) + 1 > 0") == E{0, "'+' needs numbers, found a condition"});
  CHECK(error_of("x > 1 and 2") == E{10, "'and' needs a condition on each side, found a number"});
  CHECK(error_of("1 or x > 1") == E{0, "'or' needs a condition on each side, found a number"});
  CHECK(error_of("not 1") == E{4, "'not' needs a condition, found a number"});
  CHECK(error_of("(x > 1) == 1") == E{0, "'==' compares numbers, found a condition"});
  CHECK(error_of("1 == (x > 1)") == E{5, "'==' compares numbers, found a condition"});
  CHECK(error_of("- (x > 1)") == E{2, "'-' needs numbers, found a condition"});
  CHECK(error_of("x > not") == E{4, "expected a number, a name or '(', found 'not'"});
}

TEST_CASE("limits: length, nesting and stack") {
  std::string longest = "x > 1";
  while (longest.size() + 9 <= max_condition_bytes) longest += " or x > 1";
  CHECK_NOTHROW((void)parse_expression(longest));
  CHECK(error_of(longest + std::string(max_condition_bytes - longest.size() + 1, ' ')).second ==
        "the condition is longer than 512 bytes");

  const auto nested = [](int n) { return std::string(n, '(') + "x > 1" + std::string(n, ')'); };
  CHECK_NOTHROW((void)parse_expression(nested(max_condition_depth)));
  CHECK(error_of(nested(max_condition_depth + 1)) ==
        std::pair<std::size_t, std::string>{32, "the condition nests deeper than 32 levels"});
  CHECK(error_of(std::string(40, '-') + "x > 1").second ==
        "the condition nests deeper than 32 levels");
  std::string nots;
  for (int i = 0; i < 40; ++i) nots += "not ";
  CHECK(error_of(nots + "x > 1").second == "the condition nests deeper than 32 levels");

  // The deepest stack the length allows still fits: a right-nested chain.
  std::string chain = "x";
  for (int i = 0; i < 31; ++i) chain = "x + (" + chain + ")";
  const Expression e = parse_expression(chain + " > 0");
  CHECK(evaluate(e, std::vector<double>{1}) == 1);

  // Every prefix and every single-byte corruption of a valid condition either
  // parses or throws ExpressionError — nothing else.
  const std::string text = "(consumer_dpd90_ratio > 0.02 and step > 30) or not -x / 2 <= 1e-3";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    try {
      (void)parse_expression(text.substr(0, n));
    } catch (const ExpressionError&) {
    }
    for (const char c : std::string("()<>=!.&|+-*/ 0a\x80")) {
      std::string t = text;
      if (n < t.size()) t[n] = c;
      try {
        (void)parse_expression(t);
      } catch (const ExpressionError&) {
      }
    }
  }
}
