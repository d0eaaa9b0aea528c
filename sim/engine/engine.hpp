// The step engine: an ordered table of named phases, run once per simulated day.
#pragma once

#include <span>
#include <string_view>

#include "world/world.hpp"

namespace pfsim::engine {

struct Phase {
  std::string_view name;
  void (*run)(World&);
  std::string_view reads;   // documentation: what state the phase reads
  std::string_view writes;  // … and what it writes
};

[[nodiscard]] std::span<const Phase> phase_table();

// How often the exact ledger audit runs. Debug and test builds default to
// after_every_phase; release builds to end_of_step (a few ms per step).
enum class AuditLevel { off, end_of_step, after_every_phase };
[[nodiscard]] AuditLevel default_audit_level();

// Runs one day: every phase in order, auditing as asked; then step += 1.
// A failed audit throws InternalError naming the phase, the date and the problems.
void advance_day(World& w, AuditLevel audit);

}  // namespace pfsim::engine
