// Read-only questions about the world that phases and indicators share.
#pragma once

#include <initializer_list>
#include <vector>

#include "contagion/matrix.hpp"
#include "world/world.hpp"

namespace pfsim {

[[nodiscard]] bool is_last_day_of_month(const World& w);
// Deposits owed by each bank (fen), exact and independent of the thread count.
[[nodiscard]] std::vector<Fen> deposits_by_bank(const World& w);
// The same into `out` (resized to the number of banks): a list the caller keeps
// allocates nothing once it has the room.
void deposits_by_bank(const World& w, std::vector<Fen>& out);
// Σ balances of one book (fen), exact.
[[nodiscard]] Int128 book_total(const Book& b);

// Loans funded by the lending platform itself (fen).
[[nodiscard]] Int128 platform_own_loans(const World& w);
// The platform's book equity, fen: net worth (retained earnings and the
// initial endowment) plus paid-in capital from outside investors (an IPO).
[[nodiscard]] Fen platform_capital(const World& w, std::uint32_t platform);
// The rate on revolved credit-line balances today, 1/year: the platform's
// revolving_rate, within the legal rate cap.
[[nodiscard]] double credit_line_rate(const World& w);
// Interbank obligations as a liabilities matrix, fen: L[i][j] = what bank i
// owes bank j, overnight plus term (the contagion module's convention).
[[nodiscard]] contagion::SparseMatrix interbank_liabilities(const World& w);
// The lists behind these per-bank queries are built at every month end (bank
// regulation): each also comes in a form that fills the caller's kept list
// (no allocation once it has the room).
void interbank_liabilities(const World& w, contagion::SparseMatrix& out);
// The rest of each bank's balance sheet for the Eisenberg-Noe clearing of
// `liabilities`, fen: external assets e_i = total assets − interbank claims,
// external liabilities el_i = e_i + claims − interbank debt − net worth
// (deposits, central-bank credit; pari passu with interbank creditors), so
// e_i + claims_i − debt_i − el_i is the bank's net worth. Both floored at 0.
struct ExternalBalanceSheet {
  std::vector<double> assets, liabilities;
};
[[nodiscard]] ExternalBalanceSheet interbank_external(const World& w,
                                                      const contagion::SparseMatrix& liabilities);
// Each bank's total assets, fen (every claim it holds, clearing included).
[[nodiscard]] std::vector<Int128> bank_total_assets(const World& w);
void bank_total_assets(const World& w, std::vector<Int128>& out);
// Σ of a book's rows per holder (or issuer) agent index, fen.
[[nodiscard]] std::vector<Int128> totals_by_holder(const Book& b, std::size_t agents);
// The same, summed over several books.
[[nodiscard]] std::vector<Int128> totals_by_holder(const Ledger& L,
                                                   std::initializer_list<BookId> books,
                                                   std::size_t agents);
void totals_by_holder(const Ledger& L, std::initializer_list<BookId> books, std::size_t agents,
                      std::vector<Int128>& out);
// Each bank's parts of co-lent loans (credit lines, cash loans, SME loans), fen.
[[nodiscard]] std::vector<Int128> colent_by_bank(const World& w);
void colent_by_bank(const World& w, std::vector<Int128>& out);

}  // namespace pfsim
