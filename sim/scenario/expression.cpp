// The condition language: a hand-written lexer and recursive-descent parser that
// emits postfix code while checking types, and a stack machine that runs it.
#include "scenario/expression.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace pfsim::scenario {

ExpressionError::ExpressionError(std::size_t offset, const std::string& message, std::string hint)
    : std::runtime_error(message), offset_(offset), hint_(std::move(hint)) {}

namespace {

using Op = Expression::Op;

enum class Kind { end, number, name, left_paren, right_paren, op, kw_and, kw_or, kw_not };
enum class Type { number, truth };

struct Token {
  Kind kind = Kind::end;
  std::size_t offset = 0;
  std::size_t length = 0;
  Op op = Op::constant;  // Kind::op: the binary operator (+ and - also unary)
  double number = 0;
};

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_comparison(Op op) {
  return op == Op::less || op == Op::less_equal || op == Op::greater || op == Op::greater_equal ||
         op == Op::equal || op == Op::not_equal;
}

const char* op_text(Op op) {
  switch (op) {
    case Op::add:
      return "+";
    case Op::subtract:
      return "-";
    case Op::multiply:
      return "*";
    case Op::divide:
      return "/";
    case Op::less:
      return "<";
    case Op::less_equal:
      return "<=";
    case Op::greater:
      return ">";
    case Op::greater_equal:
      return ">=";
    case Op::equal:
      return "==";
    case Op::not_equal:
      return "!=";
    case Op::logical_and:
      return "and";
    case Op::logical_or:
      return "or";
    case Op::negate:
      return "-";
    case Op::logical_not:
      return "not";
    case Op::constant:
    case Op::name:
      break;
  }
  return "?";
}

// The character at `at` for a message: the whole UTF-8 sequence when it is one.
std::string character_at(std::string_view text, std::size_t at) {
  const auto c = static_cast<unsigned char>(text[at]);
  std::size_t n = 1;
  if (c >= 0xC0 && c < 0xE0)
    n = 2;
  else if (c >= 0xE0 && c < 0xF0)
    n = 3;
  else if (c >= 0xF0 && c < 0xF8)
    n = 4;
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xC0) || at + n > text.size()) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", static_cast<unsigned>(c));
    return buf;
  }
  return "'" + std::string(text.substr(at, n)) + "'";
}

}  // namespace

// Friend of Expression: fills its private members.
class ExpressionParser {
 public:
  explicit ExpressionParser(std::string_view text) : text_(text) { out_.text_ = std::string(text); }

  Expression parse() {
    if (text_.size() > max_condition_bytes)
      throw ExpressionError(
          max_condition_bytes,
          "the condition is longer than " + std::to_string(max_condition_bytes) + " bytes",
          "split it into several events or simplify it");
    advance();
    if (token_.kind == Kind::end)
      throw ExpressionError(0, "the condition is empty", "write e.g. \"step > 30\"");
    const Type t = parse_or();
    if (token_.kind == Kind::right_paren)
      throw ExpressionError(token_.offset, "unmatched ')'", "remove it or add a matching '('");
    if (token_.kind != Kind::end)
      throw ExpressionError(token_.offset,
                            "unexpected " + describe(token_) + " after a complete condition",
                            "join conditions with 'and' or 'or'");
    if (t != Type::truth)
      throw ExpressionError(0, "a condition must be true or false, but this is a number",
                            "compare it, e.g. \"" + std::string(text_) + " > 0\"");
    return std::move(out_);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  Token token_;
  Expression out_;
  int depth_ = 0;
  std::size_t stack_ = 0;

  [[nodiscard]] std::string describe(const Token& t) const {
    if (t.kind == Kind::end) return "the end of the condition";
    return "'" + std::string(text_.substr(t.offset, t.length)) + "'";
  }

  // ---- lexer ----------------------------------------------------------------
  void advance() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    token_ = Token{};
    token_.offset = pos_;
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    const char n = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    if (is_digit(c) || (c == '.' && is_digit(n))) return lex_number();
    if (is_name_start(c)) return lex_name();
    auto single = [&](Kind k, Op op, std::size_t len) {
      token_.kind = k;
      token_.op = op;
      token_.length = len;
      pos_ += len;
    };
    switch (c) {
      case '(':
        return single(Kind::left_paren, Op::constant, 1);
      case ')':
        return single(Kind::right_paren, Op::constant, 1);
      case '+':
        return single(Kind::op, Op::add, 1);
      case '-':
        return single(Kind::op, Op::subtract, 1);
      case '*':
        return single(Kind::op, Op::multiply, 1);
      case '/':
        return single(Kind::op, Op::divide, 1);
      case '<':
        return n == '=' ? single(Kind::op, Op::less_equal, 2) : single(Kind::op, Op::less, 1);
      case '>':
        return n == '=' ? single(Kind::op, Op::greater_equal, 2) : single(Kind::op, Op::greater, 1);
      case '=':
        if (n == '=') return single(Kind::op, Op::equal, 2);
        throw ExpressionError(pos_, "'=' is not an operator", "use '==' to compare");
      case '!':
        if (n == '=') return single(Kind::op, Op::not_equal, 2);
        throw ExpressionError(pos_, "'!' is not an operator", "use 'not' to negate a condition");
      case '&':
        throw ExpressionError(pos_, "unknown operator '&'", "use 'and'");
      case '|':
        throw ExpressionError(pos_, "unknown operator '|'", "use 'or'");
      case '%':
        throw ExpressionError(pos_, "unexpected character '%'",
                              "write shares as fractions, e.g. 0.3 for 30%");
      default:
        break;
    }
    throw ExpressionError(
        pos_, "unexpected character " + character_at(text_, pos_),
        "a condition uses names, numbers, + - * / ( ) < <= > >= == != and, or, not");
  }

  void lex_number() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (is_digit(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (p < text_.size() && is_digit(text_[p])) {
        while (p < text_.size() && is_digit(text_[p])) ++p;
        pos_ = p;
      }
    }
    while (pos_ < text_.size() && (is_name_char(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    const std::string_view s = text_.substr(start, pos_ - start);
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
    if (r.ec == std::errc::result_out_of_range)
      throw ExpressionError(start, "number '" + std::string(s) + "' is out of range");
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size())
      throw ExpressionError(start, "malformed number '" + std::string(s) + "'",
                            "write numbers like 30, 0.02 or 1e9");
    token_.kind = Kind::number;
    token_.length = s.size();
    token_.number = v;
  }

  void lex_name() {
    const std::size_t start = pos_;
    for (;;) {
      while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '.') {
        if (pos_ + 1 < text_.size() && is_name_start(text_[pos_ + 1])) {
          ++pos_;
          continue;
        }
        throw ExpressionError(pos_, "a name must continue after '.'",
                              "dotted names look like platform.consumer_credit_share");
      }
      break;
    }
    const std::string_view s = text_.substr(start, pos_ - start);
    token_.length = s.size();
    if (s == "and")
      token_.kind = Kind::kw_and;
    else if (s == "or")
      token_.kind = Kind::kw_or;
    else if (s == "not")
      token_.kind = Kind::kw_not;
    else
      token_.kind = Kind::name;
  }

  // ---- code -----------------------------------------------------------------
  void emit(Op op, std::uint32_t slot = 0, double value = 0) {
    Expression::Instruction in;
    in.op = op;
    in.slot = slot;
    in.value = value;
    out_.code_.push_back(in);
    if (op == Op::constant || op == Op::name) {
      if (++stack_ > max_condition_stack)
        throw ExpressionError(token_.offset, "the condition is too complex", "simplify it");
    } else if (op != Op::negate && op != Op::logical_not) {
      --stack_;
    }
  }

  std::uint32_t slot_of(std::string_view name, std::size_t offset) {
    for (std::size_t i = 0; i < out_.names_.size(); ++i)
      if (out_.names_[i] == name) return static_cast<std::uint32_t>(i);
    out_.names_.emplace_back(name);
    out_.name_offsets_.push_back(offset);
    return static_cast<std::uint32_t>(out_.names_.size() - 1);
  }

  // Guards the recursion of parentheses and unary operators.
  struct Nest {
    ExpressionParser& p;
    Nest(ExpressionParser& parser, std::size_t at) : p(parser) {
      if (++p.depth_ > max_condition_depth)
        throw ExpressionError(
            at,
            "the condition nests deeper than " + std::to_string(max_condition_depth) + " levels",
            "remove redundant parentheses or signs");
    }
    ~Nest() { --p.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
  };

  // ---- grammar --------------------------------------------------------------
  void need_truth(Type t, std::size_t at, const char* what) {
    if (t != Type::truth)
      throw ExpressionError(at,
                            std::string(what) + " needs a condition on each side, found a number",
                            "compare the number, e.g. \"x > 0\"");
  }

  Type parse_or() {
    const std::size_t left_at = token_.offset;
    Type left = parse_and();
    while (token_.kind == Kind::kw_or) {
      need_truth(left, left_at, "'or'");
      advance();
      const std::size_t right_at = token_.offset;
      need_truth(parse_and(), right_at, "'or'");
      emit(Op::logical_or);
      left = Type::truth;
    }
    return left;
  }

  Type parse_and() {
    const std::size_t left_at = token_.offset;
    Type left = parse_not();
    while (token_.kind == Kind::kw_and) {
      need_truth(left, left_at, "'and'");
      advance();
      const std::size_t right_at = token_.offset;
      need_truth(parse_not(), right_at, "'and'");
      emit(Op::logical_and);
      left = Type::truth;
    }
    return left;
  }

  Type parse_not() {
    if (token_.kind != Kind::kw_not) return parse_comparison();
    const Nest nest(*this, token_.offset);
    advance();
    const std::size_t at = token_.offset;
    const Type t = parse_not();
    if (t != Type::truth)
      throw ExpressionError(at, "'not' needs a condition, found a number",
                            "compare the number, e.g. \"not x > 0\"");
    emit(Op::logical_not);
    return Type::truth;
  }

  Type parse_comparison() {
    const std::size_t left_at = token_.offset;
    const Type left = parse_sum();
    if (token_.kind != Kind::op || !is_comparison(token_.op)) return left;
    const Token op = token_;
    if (left != Type::number)
      throw ExpressionError(
          left_at, std::string("'") + op_text(op.op) + "' compares numbers, found a condition",
          "combine conditions with 'and' or 'or'");
    advance();
    const std::size_t right_at = token_.offset;
    const Type right = parse_sum();
    if (right != Type::number)
      throw ExpressionError(
          right_at, std::string("'") + op_text(op.op) + "' compares numbers, found a condition",
          "combine conditions with 'and' or 'or'");
    if (token_.kind == Kind::op && is_comparison(token_.op))
      throw ExpressionError(token_.offset, "comparisons cannot be chained",
                            "write \"a < b and b < c\" instead of \"a < b < c\"");
    emit(op.op);
    return Type::truth;
  }

  void need_number(Type t, std::size_t at, Op op) {
    if (t != Type::number)
      throw ExpressionError(at,
                            std::string("'") + op_text(op) + "' needs numbers, found a condition",
                            "combine conditions with 'and' or 'or'");
  }

  Type parse_sum() {
    const std::size_t left_at = token_.offset;
    Type left = parse_product();
    while (token_.kind == Kind::op && (token_.op == Op::add || token_.op == Op::subtract)) {
      const Op op = token_.op;
      need_number(left, left_at, op);
      advance();
      const std::size_t right_at = token_.offset;
      need_number(parse_product(), right_at, op);
      emit(op);
      left = Type::number;
    }
    return left;
  }

  Type parse_product() {
    const std::size_t left_at = token_.offset;
    Type left = parse_unary();
    while (token_.kind == Kind::op && (token_.op == Op::multiply || token_.op == Op::divide)) {
      const Op op = token_.op;
      need_number(left, left_at, op);
      advance();
      const std::size_t right_at = token_.offset;
      need_number(parse_unary(), right_at, op);
      emit(op);
      left = Type::number;
    }
    return left;
  }

  Type parse_unary() {
    if (token_.kind == Kind::op && (token_.op == Op::add || token_.op == Op::subtract)) {
      const Nest nest(*this, token_.offset);
      const Op op = token_.op;
      advance();
      const std::size_t at = token_.offset;
      need_number(parse_unary(), at, op == Op::add ? Op::add : Op::negate);
      if (op == Op::subtract) emit(Op::negate);
      return Type::number;
    }
    return parse_primary();
  }

  Type parse_primary() {
    const Token t = token_;
    switch (t.kind) {
      case Kind::number:
        emit(Op::constant, 0, t.number);
        advance();
        return Type::number;
      case Kind::name:
        emit(Op::name, slot_of(text_.substr(t.offset, t.length), t.offset));
        advance();
        return Type::number;
      case Kind::left_paren: {
        const Nest nest(*this, t.offset);
        advance();
        const Type inner = parse_or();
        if (token_.kind != Kind::right_paren)
          throw ExpressionError(token_.offset, "expected ')' to close the '(' at offset " +
                                                   std::to_string(t.offset) + ", found " +
                                                   describe(token_));
        advance();
        return inner;
      }
      default:
        break;
    }
    throw ExpressionError(t.offset, "expected a number, a name or '(', found " + describe(t));
  }
};

Expression parse_expression(std::string_view text) {
  return ExpressionParser(text).parse();
}

std::vector<std::string> identifiers(const Expression& e) {
  return e.names();
}

double evaluate(const Expression& e, std::span<const double> values) {
  if (values.size() != e.names().size())
    throw std::invalid_argument("evaluate: " + std::to_string(values.size()) + " values for " +
                                std::to_string(e.names().size()) + " names");
  std::array<double, max_condition_stack> stack{};
  std::size_t sp = 0;  // parse_expression() guarantees sp stays within max_condition_stack
  for (const Expression::Instruction& in : e.code()) {
    switch (in.op) {
      case Op::constant:
        stack[sp++] = in.value;
        continue;
      case Op::name:
        stack[sp++] = values[in.slot];
        continue;
      case Op::negate:
        stack[sp - 1] = -stack[sp - 1];
        continue;
      case Op::logical_not:
        stack[sp - 1] = truthy(stack[sp - 1]) ? 0.0 : 1.0;
        continue;
      default:
        break;
    }
    const double b = stack[--sp];
    double& a = stack[sp - 1];
    const bool nan = std::isnan(a) || std::isnan(b);
    switch (in.op) {
      case Op::add:
        a = a + b;
        break;
      case Op::subtract:
        a = a - b;
        break;
      case Op::multiply:
        a = a * b;
        break;
      case Op::divide:
        a = a / b;
        break;
      case Op::less:
        a = !nan && a < b ? 1.0 : 0.0;
        break;
      case Op::less_equal:
        a = !nan && a <= b ? 1.0 : 0.0;
        break;
      case Op::greater:
        a = !nan && a > b ? 1.0 : 0.0;
        break;
      case Op::greater_equal:
        a = !nan && a >= b ? 1.0 : 0.0;
        break;
      case Op::equal:
        a = !nan && a == b ? 1.0 : 0.0;
        break;
      case Op::not_equal:
        a = !nan && a != b ? 1.0 : 0.0;
        break;
      case Op::logical_and:
        a = truthy(a) && truthy(b) ? 1.0 : 0.0;
        break;
      case Op::logical_or:
        a = truthy(a) || truthy(b) ? 1.0 : 0.0;
        break;
      default:
        break;
    }
  }
  return sp == 1 ? stack[0] : 0.0;
}

double evaluate(const Expression& e, const std::function<double(std::string_view)>& lookup) {
  // Each name takes at least two bytes of text ("a+"), so this many slots suffice.
  std::array<double, max_condition_bytes / 2 + 1> values{};
  const std::size_t n = e.names().size();
  for (std::size_t i = 0; i < n; ++i) values[i] = lookup(e.names()[i]);
  return evaluate(e, std::span<const double>(values.data(), n));
}

std::string to_string(const Expression& e) {
  std::vector<std::string> stack;
  for (const Expression::Instruction& in : e.code()) {
    switch (in.op) {
      case Op::constant: {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, in.value);
        stack.emplace_back(buf, r.ptr);
        continue;
      }
      case Op::name:
        stack.push_back(e.names()[in.slot]);
        continue;
      case Op::negate:
        stack.back() = "(-" + stack.back() + ")";
        continue;
      case Op::logical_not:
        stack.back() = "(not " + stack.back() + ")";
        continue;
      default:
        break;
    }
    std::string b = std::move(stack.back());
    stack.pop_back();
    stack.back() = "(" + stack.back() + " " + op_text(in.op) + " " + b + ")";
  }
  return stack.empty() ? std::string() : stack.back();
}

}  // namespace pfsim::scenario
