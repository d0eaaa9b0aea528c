#include "scenario/internal/values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace pfsim::scenario::internal {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1 : 0)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool parse_int(const std::string& s, std::int64_t& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  const auto r = std::from_chars(b, e, out);
  return r.ec == std::errc{} && r.ptr == e;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  const auto r = std::from_chars(b, e, out, std::chars_format::general);
  return r.ec == std::errc{} && r.ptr == e;
}

// YAML's spellings of NaN and infinity (".nan", "-.inf", …) and C's ("nan", "inf").
bool names_non_finite(const std::string& s) {
  std::string lower;
  for (const char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower.find("nan") != std::string::npos || lower.find("inf") != std::string::npos;
}

std::string out_of_range(const std::string& text, const char* what, const ParamSpec& spec) {
  return "value " + text + " is out of range: expected " + what + range_text(spec) +
         (spec.unit.empty() ? "" : " (" + spec.unit + ")");
}

}  // namespace

std::string format_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string range_text(const ParamSpec& spec) {
  const bool lo = !std::isinf(spec.min), hi = !std::isinf(spec.max);
  if (lo && hi) return " between " + format_number(spec.min) + " and " + format_number(spec.max);
  if (lo) return " ≥ " + format_number(spec.min);
  if (hi) return " ≤ " + format_number(spec.max);
  return "";
}

std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates,
                         std::string_view noun) {
  std::string best;
  // Long keys are never near-misses of a parameter name; skip the quadratic distance.
  if (key.size() <= 64) {
    std::size_t best_d = std::max<std::size_t>(2, key.size() / 3) + 1;
    for (const std::string& c : candidates) {
      const std::size_t d = edit_distance(key, c);
      if (d < best_d) {
        best_d = d;
        best = c;
      }
    }
  }
  if (best.empty() && key.size() >= 4) {
    // "data_sharing" for "data_sharing_mandate": a unique candidate holding the key (or held in
    // it).
    std::size_t found = 0;
    for (const std::string& c : candidates) {
      if (c.find(key) != std::string::npos ||
          (c.size() >= 4 && key.find(c) != std::string_view::npos)) {
        best = c;
        ++found;
      }
    }
    if (found != 1) best.clear();
  }
  if (!best.empty()) return "did you mean '" + best + "'?";
  // A long list helps nobody in a one-line message.
  if (candidates.size() > 12)
    return "`pfsim schema` lists the " + std::string(noun) + " allowed here";
  std::string all;
  for (const std::string& c : candidates) all += (all.empty() ? "" : ", ") + c;
  return "allowed " + std::string(noun) + " here: " + all;
}

std::optional<Value> read_value(Reporter& report, const ParamSpec& spec, const Tree& node,
                                const std::string& key_path) {
  if (!node.is_scalar()) {
    report.at(node, key_path,
              std::string("expected ") + (spec.type == ParamType::integer ? "an " : "a ") +
                  type_name(spec.type) + ", found " + describe(node));
    return std::nullopt;
  }
  const std::string& text = node.text;
  switch (spec.type) {
    case ParamType::integer: {
      std::int64_t v = 0;
      double d = 0;
      bool ok = parse_int(text, v);
      const bool integral = !ok && parse_double(text, d) && std::isfinite(d) && std::floor(d) == d;
      // Accept an integral float like 1e5 (common in scenario files).
      if (integral && std::fabs(d) < 9.0e15) {
        v = static_cast<std::int64_t>(d);
        ok = true;
      }
      if (!ok && integral) {
        report.at(node, key_path, out_of_range(text, "an integer", spec));
        return std::nullopt;
      }
      if (!ok) {
        report.at(node, key_path,
                  "expected an integer" + range_text(spec) + ", found " + describe(node));
        return std::nullopt;
      }
      if (static_cast<double>(v) < spec.min || static_cast<double>(v) > spec.max) {
        report.at(node, key_path, out_of_range(text, "an integer", spec));
        return std::nullopt;
      }
      return Value(v);
    }
    case ParamType::number: {
      double v = 0;
      const bool parsed = parse_double(text, v);
      if (!parsed || !std::isfinite(v) || names_non_finite(text)) {
        std::string hint = (parsed && !std::isfinite(v)) || names_non_finite(text)
                               ? "NaN and infinity are not allowed"
                               : "";
        double pct = 0;
        if (text.size() > 1 && text.back() == '%' &&
            parse_double(text.substr(0, text.size() - 1), pct) && std::isfinite(pct))
          hint = "write shares as fractions: " + format_number(pct / 100) + " for " + text;
        report.at(node, key_path,
                  "expected a finite number" + range_text(spec) + ", found " + describe(node),
                  hint);
        return std::nullopt;
      }
      if (v < spec.min || v > spec.max) {
        // `share: 40` meant 40%: a fraction was expected.
        const bool percent = spec.max <= 1 && v >= 2 && v <= 100;
        report.at(node, key_path, out_of_range(text, "a number", spec),
                  percent ? "write shares as fractions: " + format_number(v / 100) + " for " +
                                format_number(v) + "%"
                          : "");
        return std::nullopt;
      }
      return Value(v);
    }
    case ParamType::boolean:
      if (text == "true" || text == "false") return Value(text == "true");
      report.at(node, key_path, "expected true or false, found " + describe(node));
      return std::nullopt;
    case ParamType::string: {
      const std::size_t limit =
          std::isinf(spec.max) ? max_string_bytes
                               : std::min(max_string_bytes, static_cast<std::size_t>(spec.max));
      if (text.size() > limit) {
        report.at(node, key_path,
                  "text is " + std::to_string(text.size()) + " bytes long; the limit is " +
                      std::to_string(limit));
        return std::nullopt;
      }
      return Value(text);
    }
    case ParamType::date: {
      const auto d = parse_iso_date(text);
      if (!d) {
        report.at(node, key_path, "expected a date YYYY-MM-DD, found " + describe(node),
                  "use an existing calendar date, e.g. 2020-11-03");
        return std::nullopt;
      }
      return Value(*d);
    }
    case ParamType::list:
      break;
  }
  throw InternalError("read_value: a list is not a value (" + spec.path + ")");
}

}  // namespace pfsim::scenario::internal
