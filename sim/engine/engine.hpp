// The step engine: an ordered table of named phases, run once per simulated day.
#pragma once

#include <cstddef>
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

// What a day's phases cost, for benchmarks: the hooks run around every phase
// (index into phase_table()) and around the audit (index phase_table().size()).
// Plain function pointers and a context, so the step pays nothing without them.
struct PhaseHooks {
  void* context = nullptr;
  void (*before)(void* context, std::size_t phase) = nullptr;
  void (*after)(void* context, std::size_t phase) = nullptr;
};

// Runs one day: every phase in order, auditing as asked; then step += 1.
// A failed audit throws InternalError naming the phase, the date and the problems.
void advance_day(World& w, AuditLevel audit, const PhaseHooks* hooks = nullptr);

}  // namespace pfsim::engine
