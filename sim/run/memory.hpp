// Memory a run will need, estimated from the scenario's counts before anything
// is built, and the memory this process may use: a run that cannot fit is
// refused up front with both figures, instead of failing after minutes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scenario/scenario.hpp"

namespace pfsim {

struct World;

// Bytes the world of `scenario` takes after a year of lending (agent columns,
// ledger accounts, loans), from measured bytes per consumer and per SME with a
// margin (docs/architecture.md, "Memory").
[[nodiscard]] std::uint64_t estimated_run_bytes(const Scenario& scenario);

// The least of: available memory (/proc/meminfo MemAvailable), the cgroup's
// memory.max less its use, and RLIMIT_AS; nullopt when none can be read.
[[nodiscard]] std::optional<std::uint64_t> memory_available_bytes();

// Throws UserError when the estimate exceeds what is available (unless the
// environment sets PFSIM_SKIP_MEMORY_CHECK=1).
void check_memory(const Scenario& scenario);

// What the world's state holds in memory, list by list (capacity in bytes),
// named as the checkpoint names them ("world/consumers/monthly_wage", ...;
// run/checkpoint.cpp: its list is every piece of state). Scratch buffers
// (World::scratch) and the day's flows are not state and not listed.
[[nodiscard]] std::vector<std::pair<std::string, std::uint64_t>> state_bytes(const World& world);

}  // namespace pfsim
