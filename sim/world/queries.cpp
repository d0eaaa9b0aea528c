#include "world/queries.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/date.hpp"
#include "exec/parallel.hpp"

namespace pfsim {

bool is_last_day_of_month(const World& w) {
  const CivilDate d = to_civil(w.today());
  return d.day == days_in_month(d.year, d.month);
}

namespace {

// Σ of rows [begin, end) (at most a chunk) into each row's owner (an issuer
// column), into `sums`. Four interleaved 64-bit accumulators per owner
// (`lanes`, 4 × owners), so that neighbouring rows of one bank do not wait on
// each other's store, and one add per row where a 128-bit sum takes two. Exact
// (core/money.hpp, fast_sum_limit): a lane sums at most chunk_size / 4 + 2
// rows, each checked in [-2^50, 2^50), so it stays below 2^61; a chunk with a
// larger balance is summed again in 128 bits.
template <class Owner>
void add_by_owner(const Fen* balance, const Owner* owner, std::size_t begin, std::size_t end,
                  std::size_t owners, std::uint64_t* lanes, Int128* sums) {
  static_assert(exec::chunk_size <= fast_sum_max_rows);
  std::fill(lanes, lanes + 4 * owners, 0);
  // Unsigned, so that a chunk found large below wraps (defined) instead of
  // overflowing before it is found; otherwise each lane's true sum fits in 61
  // bits and reads back exactly as a signed value.
  std::uint64_t* const lane[4] = {lanes, lanes + owners, lanes + 2 * owners, lanes + 3 * owners};
  std::uint64_t magnitude = 0;  // every row's fast_sum_bits, ORed
  std::size_t r = begin;
  for (; r + 3 < end; r += 4) {
    for (std::size_t k = 0; k < 4; ++k) {
      const Fen v = balance[r + k];
      magnitude |= fast_sum_bits(v);
      lane[k][owner[r + k]] += static_cast<std::uint64_t>(v);
    }
  }
  for (; r < end; ++r) {
    magnitude |= fast_sum_bits(balance[r]);
    lane[0][owner[r]] += static_cast<std::uint64_t>(balance[r]);
  }
  if (magnitude >= fast_sum_limit) {  // rare: exact in 128 bits
    for (r = begin; r < end; ++r) sums[owner[r]] += balance[r];
    return;
  }
  for (std::size_t a = 0; a < owners; ++a)
    sums[a] += Int128{static_cast<std::int64_t>(lane[0][a])} +
               static_cast<std::int64_t>(lane[1][a]) + static_cast<std::int64_t>(lane[2][a]) +
               static_cast<std::int64_t>(lane[3][a]);
}

}  // namespace

std::vector<Fen> deposits_by_bank(const World& w) {
  std::vector<Fen> out;
  deposits_by_bank(w, out);
  return out;
}

void deposits_by_bank(const World& w, std::vector<Fen>& out) {
  const std::size_t n_banks = w.banks.size();
  thread_local std::vector<Int128> total;  // kept, as `partial` below
  total.assign(n_banks, 0);
  for (std::size_t id = 0; id < w.ledger.book_count(); ++id) {
    const Book& b = w.ledger.book(static_cast<BookId>(id));
    if (!b.is_money()) continue;
    const RowOwner& issuer = b.issuer;
    if (issuer.mode == RowOwner::Mode::fixed) {  // one bank holds every row
      if (issuer.fixed >= n_banks) throw InternalError("deposits_by_bank: no bank " + b.name);
      total[issuer.fixed] += book_total(b);
      continue;
    }
    // Per-chunk partial sums per bank, added in chunk order.
    if (issuer.mode == RowOwner::Mode::row_index && b.rows() > n_banks)
      throw InternalError("deposits_by_bank: rows of " + b.name + " are not banks");
    // Kept from one call to the next on the calling thread (no allocation in
    // the steady-state step; three phases call this every day). Workers reach
    // them through `parts` and `lanes`: a thread_local named in the lambda
    // would be the worker's own.
    const std::size_t chunks = exec::chunk_count(b.rows());
    thread_local std::vector<Int128> partial;
    thread_local std::vector<std::uint64_t> lane_store;
    partial.assign(chunks * n_banks, 0);
    if (issuer.mode != RowOwner::Mode::row_index) lane_store.resize(chunks * 4 * n_banks);
    Int128* const parts = partial.data();
    std::uint64_t* const lanes = lane_store.data();
    exec::for_each_chunk(b.rows(), [&](std::size_t c, std::size_t begin, std::size_t end) {
      Int128* const sums = parts + c * n_banks;
      std::uint64_t* const own_lanes = lanes + c * 4 * n_banks;
      if (issuer.mode == RowOwner::Mode::row_index) {
        for (std::size_t r = begin; r < end; ++r) sums[r] += b.balance[r];
      } else if (issuer.column.is_wide()) {
        add_by_owner(b.balance.data(), issuer.column.wide().data(), begin, end, n_banks, own_lanes,
                     sums);
      } else {
        add_by_owner(b.balance.data(), issuer.column.narrow().data(), begin, end, n_banks,
                     own_lanes, sums);
      }
    });
    for (std::size_t c = 0; c < chunks; ++c)
      for (std::size_t k = 0; k < n_banks; ++k) total[k] += partial[c * n_banks + k];
  }
  out.resize(n_banks);
  for (std::size_t k = 0; k < n_banks; ++k) {
    // Every row fits in 64 bits, but a bank's sum of them need not.
    if (total[k] > std::numeric_limits<Fen>::max() || total[k] < std::numeric_limits<Fen>::min())
      throw InternalError("deposits_by_bank: bank " + std::to_string(k) +
                          "'s deposits do not fit in 64 bits of fen");
    out[k] = static_cast<Fen>(total[k]);
  }
}

Int128 book_total(const Book& b) {
  return exec::exact_sum(b.rows(), [&](std::size_t r) { return b.balance[r]; });
}

Int128 platform_own_loans(const World& w) {
  Int128 own = 0;
  for (const BookId b :
       {w.books.revolving_platform, w.books.cash_platform, w.books.sme_platform_platform})
    own += book_total(w.ledger.book(b));
  return own;
}

Fen platform_capital(const World& w, std::uint32_t platform) {
  return checked_add(w.ledger.net_worth(AgentKind::platform)[platform],
                     w.ledger.balance(Account{w.ledger.platform_shares_book, platform}));
}

double credit_line_rate(const World& w) {
  return std::min(w.scenario->platform.revolving_rate, w.policy.interest_rate_cap);
}

contagion::SparseMatrix interbank_liabilities(const World& w) {
  contagion::SparseMatrix out;
  interbank_liabilities(w, out);
  return out;
}

void interbank_liabilities(const World& w, contagion::SparseMatrix& out) {
  const Book& ib = w.ledger.book(w.ledger.interbank_book);
  const Book& tb = w.ledger.book(w.ledger.term_interbank_book);
  thread_local std::vector<contagion::Triplet> entries;
  entries.clear();
  for (std::size_t r = 0; r < ib.rows(); ++r) {
    const Int128 owed = static_cast<Int128>(ib.balance[r]) + tb.balance[r];
    if (owed != 0)
      entries.push_back(
          {w.interbank.borrower[r], w.interbank.lender[r], static_cast<double>(owed)});
  }
  contagion::sparse_from_triplets(w.banks.size(), w.banks.size(), entries, out);
}

ExternalBalanceSheet interbank_external(const World& w,
                                        const contagion::SparseMatrix& liabilities) {
  const std::size_t n = w.banks.size();
  std::vector<double> claims(n, 0);  // column sums: what each bank is owed
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = liabilities.row_start[i]; k < liabilities.row_start[i + 1]; ++k)
      claims[liabilities.col[k]] += liabilities.value[k];
  const std::vector<Int128> assets = bank_total_assets(w);
  ExternalBalanceSheet out{std::vector<double>(n, 0), std::vector<double>(n, 0)};
  for (std::size_t i = 0; i < n; ++i) {
    out.assets[i] = std::max(0.0, static_cast<double>(assets[i]) - claims[i]);
    out.liabilities[i] =
        std::max(0.0, out.assets[i] + claims[i] - liabilities.row_sum(i) -
                          static_cast<double>(w.ledger.net_worth(AgentKind::bank)[i]));
  }
  return out;
}

std::vector<Int128> bank_total_assets(const World& w) {
  std::vector<Int128> assets;
  bank_total_assets(w, assets);
  return assets;
}

void bank_total_assets(const World& w, std::vector<Int128>& assets) {
  assets.assign(w.banks.size(), 0);
  const Ledger& L = w.ledger;
  for (std::size_t id = 0; id < L.book_count(); ++id) {
    const Book& b = L.book(static_cast<BookId>(id));
    if (b.holder_kind != AgentKind::bank) continue;
    for (std::size_t r = 0; r < b.rows(); ++r) assets[b.holder.of(r)] += b.balance[r];
  }
}

std::vector<Int128> totals_by_holder(const Book& b, std::size_t agents) {
  std::vector<Int128> out(agents, 0);
  for (std::size_t r = 0; r < b.rows(); ++r) out[b.holder.of(r)] += b.balance[r];
  return out;
}

std::vector<Int128> totals_by_holder(const Ledger& L, std::initializer_list<BookId> books,
                                     std::size_t agents) {
  std::vector<Int128> out;
  totals_by_holder(L, books, agents, out);
  return out;
}

void totals_by_holder(const Ledger& L, std::initializer_list<BookId> books, std::size_t agents,
                      std::vector<Int128>& out) {
  out.assign(agents, 0);
  for (const BookId id : books) {
    const Book& b = L.book(id);
    for (std::size_t r = 0; r < b.rows(); ++r) out[b.holder.of(r)] += b.balance[r];
  }
}

std::vector<Int128> colent_by_bank(const World& w) {
  std::vector<Int128> out;
  colent_by_bank(w, out);
  return out;
}

void colent_by_bank(const World& w, std::vector<Int128>& out) {
  totals_by_holder(w.ledger, {w.books.revolving_bank, w.books.cash_bank, w.books.sme_platform_bank},
                   w.banks.size(), out);
}

}  // namespace pfsim
