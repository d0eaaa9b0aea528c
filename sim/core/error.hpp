// Error types. Users' mistakes and our bugs are different things: a UserError
// carries where in the user's input the problem is and how to fix it, and ends a
// CLI run with exit code 2; an InternalError means an invariant of the engine
// broke (a bug) and ends with exit code 3.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace pfsim {

// Where in a user's file a problem is. line/column are 1-based; 0 = unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// One problem in the user's input.
struct Diagnostic {
  SourceLocation where;
  std::string key_path;  // e.g. "banks.tiers[2].capital_ratio"; empty when not about a key
  std::string message;   // what was expected and what was found
  std::string hint;      // how to fix it, or "did you mean …?"; may be empty

  // "file:line:col: key: message (hint)" — the one format every front end prints.
  [[nodiscard]] std::string format() const;
};

// Bad input. Holds every problem found in one pass, so a user fixes all at once.
class UserError : public std::runtime_error {
 public:
  explicit UserError(std::vector<Diagnostic> diagnostics);
  explicit UserError(Diagnostic diagnostic);
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A broken engine invariant (conservation, overflow, an impossible state).
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Money arithmetic left the int64 range: an error, never undefined behaviour.
class OverflowError : public InternalError {
 public:
  using InternalError::InternalError;
};

inline constexpr int exit_ok = 0;
inline constexpr int exit_user_error = 2;
inline constexpr int exit_internal_error = 3;
inline constexpr int exit_interrupted = 130;

}  // namespace pfsim
