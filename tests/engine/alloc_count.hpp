// Counts calls to the global operator new in the program that links
// alloc_count.cpp: that file replaces every form of the global operator new
// and delete (the language allows one replacement per program), so every
// allocation by a standard container, string or make_unique is counted.
// TBB's own task memory and direct malloc calls are not counted.
#pragma once

#include <cstdint>

namespace pfsim::testing {

// Allocations since the program started, from every thread.
[[nodiscard]] std::uint64_t allocations_so_far();

}  // namespace pfsim::testing
