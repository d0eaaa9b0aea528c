// Read-only questions about the world that phases and indicators share.
#pragma once

#include <vector>

#include "world/world.hpp"

namespace pfsim {

[[nodiscard]] bool is_last_day_of_month(const World& w);
// Deposits owed by each bank (fen), exact and independent of the thread count.
[[nodiscard]] std::vector<Fen> deposits_by_bank(const World& w);
// Σ balances of one book (fen), exact.
[[nodiscard]] Int128 book_total(const Book& b);

}  // namespace pfsim
