#include "world/ledger.hpp"

#include "exec/parallel.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <type_traits>

namespace pfsim {

namespace {

std::string to_string(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string s;
  while (v != 0) {
    const int digit = static_cast<int>(v % 10);
    s.push_back(static_cast<char>('0' + (digit < 0 ? -digit : digit)));
    v /= 10;
  }
  if (negative) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

// The audit's fast path over one book's rows [begin, last) of a chunk, in one
// read: 64-bit wrapping sums (the row-owned side into `sums`, every balance
// into the returned total, each balance into its owner's slot of `even`/`odd`,
// an owner index out of range into slot `owners`), and what decides whether
// they are exact and the book in order: `magnitude` ORs every row's
// fast_sum_bits (core/money.hpp), `broken` whether a row breaks the overdraft
// rule or names no owner. With `magnitude` below fast_sum_limit and at most
// fast_sum_max_rows rows a chunk (and far fewer than 2^4 books a row), no sum
// can wrap, so the 64-bit sums are the exact ones.
template <bool HolderRow, Overdraft Rule, class Owner>
std::uint64_t fast_book_rows(const Fen* balance, const Fen* limit, std::size_t begin,
                             std::size_t last, std::uint64_t* sums, const Owner* column,
                             std::uint32_t owners, std::uint64_t* even, std::uint64_t* odd,
                             std::uint64_t& magnitude, bool& broken) {
  std::uint64_t total = 0, size = 0, sign = 0;
  bool bad = false;
  auto row = [&](std::size_t r, std::uint64_t* slots) {
    const Fen v = balance[r];
    const auto u = static_cast<std::uint64_t>(v);
    size |= fast_sum_bits(v);
    if constexpr (Rule == Overdraft::never) sign |= u;
    if constexpr (Rule == Overdraft::to_limit) bad |= v < -limit[r];
    if constexpr (HolderRow) {
      sums[r - begin] += u;
    } else {
      sums[r - begin] -= u;
    }
    total += u;
    if constexpr (!std::is_same_v<Owner, void>) {
      const std::uint32_t o = column[r];
      bad |= o >= owners;
      slots[o < owners ? o : owners] += u;
    }
  };
  std::size_t r = begin;
  for (; r + 1 < last; r += 2) {
    row(r, even);
    row(r + 1, odd);
  }
  if (r < last) row(r, even);
  magnitude |= size;
  broken = broken || bad || (sign >> 63) != 0;
  return total;
}

}  // namespace

std::string_view flow_type_name(FlowType f) {
  static constexpr std::string_view names[] = {"financial",
                                               "endowment",
                                               "wages",
                                               "dividends",
                                               "consumption",
                                               "supplier_purchases",
                                               "operating_costs",
                                               "payment_fees",
                                               "interest_deposits",
                                               "interest_loans",
                                               "interest_reserves",
                                               "interest_bonds",
                                               "interest_central_bank",
                                               "fund_yield",
                                               "fund_fees",
                                               "tech_service_fees",
                                               "loan_losses",
                                               "capital_transfers",
                                               "social_transfers",
                                               "revaluations"};
  static_assert(std::size(names) == flow_type_count);
  return names[static_cast<std::size_t>(f)];
}

BookId Ledger::add_book(Book book) {
  if (books_.size() >= 0xffff) throw InternalError("ledger: too many books");
  if (book.overdraft == Overdraft::to_limit && book.limit.size() != book.balance.size())
    throw InternalError("ledger: book " + book.name + " needs a limit per row");
  books_.push_back(std::move(book));
  return static_cast<BookId>(books_.size() - 1);
}

BookId Ledger::find_book(const std::string& name) const {
  for (std::size_t i = 0; i < books_.size(); ++i)
    if (books_[i].name == name) return static_cast<BookId>(i);
  throw InternalError("ledger: no book named " + name);
}

void Ledger::post_money(Fen delta) {
  if (delta >= 0)
    money_created_ += delta;
  else
    money_destroyed_ -= static_cast<Int128>(delta);
}

void Ledger::post_flow(FlowType f, AgentKind payer, AgentKind payee, Fen amount) {
  auto& row = flows_[static_cast<std::size_t>(f)];
  row[index(payer)] -= amount;
  row[index(payee)] += amount;
}

void Ledger::add_flows(const FlowMatrix& m) {
  for (std::size_t f = 0; f < flow_type_count; ++f)
    for (std::size_t k = 0; k < agent_kind_count; ++k) flows_[f][k] += m[f][k];
}

bool Ledger::transfer(Account from, Account to, Fen amount, FlowType flow) {
  return ops::transfer(*this, from, to, amount, flow);
}

void Ledger::bank_pays(std::uint32_t bank, Account to, Fen amount, FlowType flow) {
  ops::bank_pays(*this, bank, to, amount, flow);
}

void Ledger::government_pays(Account to, Fen amount, FlowType flow) {
  // The government pays by issuing bonds to the deposit's bank, which credits
  // the deposit: new money backed by public debt.
  const Book& tb = books_[to.book];
  const std::uint32_t bank = tb.issuer.of(to.row);
  post(to, amount);
  post(Account{bank_bond_book, bank}, amount);
  if (tb.is_money()) post_money(amount);
  ops::income(*this, flow, AgentKind::government, 0, tb.holder_kind, tb.holder.of(to.row), amount);
}

void Ledger::interbank_lend(std::uint32_t row, Fen amount) {
  if (amount < 0) throw InternalError("ledger: negative interbank loan");
  if (amount == 0) return;
  const Book& ib = books_[interbank_book];
  const std::uint32_t lender = ib.holder.of(row), borrower = ib.issuer.of(row);
  if (books_[reserves_book].balance[lender] < amount)
    throw InternalError("ledger: interbank loan without the reserves");
  post(Account{reserves_book, lender}, -amount);
  post(Account{reserves_book, borrower}, amount);
  post(Account{interbank_book, row}, amount);
}

void Ledger::interbank_repay(std::uint32_t row, Fen principal, Fen interest) {
  if (principal < 0 || interest < 0 || balance(Account{interbank_book, row}) < principal)
    throw InternalError("ledger: impossible interbank repayment");
  const Book& ib = books_[interbank_book];
  const std::uint32_t lender = ib.holder.of(row), borrower = ib.issuer.of(row);
  post(Account{interbank_book, row}, -principal);
  const Fen paid = checked_add(principal, interest);
  post_clearing(borrower, -paid);
  post_clearing(lender, paid);
  ops::income(*this, FlowType::interest_loans, AgentKind::bank, borrower, AgentKind::bank, lender,
              interest);
}

void Ledger::term_interbank_lend(std::uint32_t row, Fen amount) {
  if (amount < 0) throw InternalError("ledger: negative term interbank loan");
  const Book& tb = books_[term_interbank_book];
  const std::uint32_t lender = tb.holder.of(row), borrower = tb.issuer.of(row);
  post(Account{term_interbank_book, row}, amount);
  post_clearing(lender, -amount);
  post_clearing(borrower, amount);
}

void Ledger::term_interbank_interest(std::uint32_t row, Fen interest) {
  if (interest < 0) throw InternalError("ledger: negative term interbank interest");
  const Book& tb = books_[term_interbank_book];
  const std::uint32_t lender = tb.holder.of(row), borrower = tb.issuer.of(row);
  post_clearing(borrower, -interest);
  post_clearing(lender, interest);
  ops::income(*this, FlowType::interest_loans, AgentKind::bank, borrower, AgentKind::bank, lender,
              interest);
}

void Ledger::investors_subscribe(std::uint32_t platform, Account platform_deposit, Fen amount) {
  if (amount < 0) throw InternalError("ledger: negative share issue");
  if (amount == 0) return;
  const Book& db = books_[platform_deposit.book];
  const std::uint32_t bank = db.issuer.of(platform_deposit.row);
  post(Account{platform_shares_book, platform}, amount);
  post(Account{cb_foreign_book, 0}, amount);
  post(Account{reserves_book, bank}, amount);
  post(platform_deposit, amount);
  post_money(amount);
}

void Ledger::government_receives(Account from, Fen amount, FlowType flow) {
  if (amount < 0) throw InternalError("ledger: negative payment to the government");
  if (amount == 0) return;
  const Book& fb = books_[from.book];
  if (!fb.is_money() || balance(from) < amount)
    throw InternalError("ledger: payment to the government without the money");
  const std::uint32_t bank = fb.issuer.of(from.row);
  const Fen from_bank = std::min(amount, balance(Account{bank_bond_book, bank}));
  const Fen from_cb = amount - from_bank;
  if (balance(Account{cb_bond_book, 0}) < from_cb)
    throw InternalError("ledger: the government has too few bonds to retire");
  post(from, -amount);
  post(Account{bank_bond_book, bank}, -from_bank);
  post(Account{cb_bond_book, 0}, -from_cb);
  // The bank pays the central bank's share in reserves, borrowing what it lacks.
  const Fen from_reserves = std::min(from_cb, balance(Account{reserves_book, bank}));
  post(Account{reserves_book, bank}, -from_reserves);
  post(Account{cb_loan_book, bank}, from_cb - from_reserves);
  post_money(-amount);
  ops::income(*this, flow, fb.holder_kind, fb.holder.of(from.row), AgentKind::government, 0,
              amount);
}

void Ledger::government_capitalises_bank(std::uint32_t bank, Fen amount) {
  post(Account{bank_bond_book, bank}, amount);
  ops::income(*this, FlowType::capital_transfers, AgentKind::government, 0, AgentKind::bank, bank,
              amount);
}

void Ledger::central_bank_buys_bonds(std::uint32_t bank, Fen amount) {
  if (books_[bank_bond_book].balance[bank] < amount)
    throw InternalError("ledger: bank sells bonds it does not hold");
  post(Account{bank_bond_book, bank}, -amount);
  post(Account{cb_bond_book, 0}, amount);
  post(Account{reserves_book, bank}, amount);
}

void Ledger::revalue_bonds(std::uint32_t bank, Fen delta) {
  if (delta == 0) return;
  if (checked_add(books_[bank_bond_book].balance[bank], delta) < 0)
    throw InternalError("ledger: bonds revalued below zero");
  post(Account{bank_bond_book, bank}, delta);
  if (delta > 0) {
    ops::income(*this, FlowType::revaluations, AgentKind::government, 0, AgentKind::bank, bank,
                delta);
  } else {
    ops::income(*this, FlowType::revaluations, AgentKind::bank, bank, AgentKind::government, 0,
                -delta);
  }
}

void Ledger::bank_repays_central_bank(std::uint32_t bank, Fen amount) {
  if (amount < 0 || books_[reserves_book].balance[bank] < amount ||
      books_[cb_loan_book].balance[bank] < amount)
    throw InternalError("ledger: impossible repayment to the central bank");
  post(Account{reserves_book, bank}, -amount);
  post(Account{cb_loan_book, bank}, -amount);
}

void Ledger::settle_clearing() {
  Book& clearing = books_[clearing_book];
  Book& reserves = books_[reserves_book];
  Book& cb_loans = books_[cb_loan_book];
  for (std::size_t bank = 0; bank < clearing.rows(); ++bank) {
    const Fen after = checked_add(reserves.balance[bank], clearing.balance[bank]);
    clearing.balance[bank] = 0;
    if (after >= 0) {
      reserves.balance[bank] = after;
    } else {
      // Overnight standing facility: the central bank lends the shortfall.
      reserves.balance[bank] = 0;
      cb_loans.balance[bank] = checked_sub(cb_loans.balance[bank], after);
    }
  }
}

Int128 Ledger::money_stock() const {
  Int128 total = 0;
  for (const Book& b : books_)
    if (b.is_money())
      total += exec::exact_sum(b.rows(), [&](std::size_t r) { return b.balance[r]; });
  return total;
}

// The audit reads every row of every book once, in parallel over fixed chunks
// of rows, with exact integer sums; problems are kept per chunk and merged in
// chunk order, so the report does not depend on the thread count.
//
// Most books have a side owned by the row itself (a consumer's deposit, an SME's
// loan). Such a book is read in its row kind's pass, chunk by chunk of agents:
// the row-owned sides go straight into the agents' sums, compared at once with
// their net worth (no per-agent accumulator array is written per book), and the
// other side (a bank named in a column, a fixed owner) into per-chunk partials
// for that small kind. A kind is read this way when every one of its sides in
// any book is such a row-owned side; the other books (interbank claims, fixed
// owners on both sides, owner columns naming a large kind) and the other kinds
// are summed per agent into accumulators, as are the partials.
namespace {

using Problems = std::vector<std::string>;

// A book read by a kind's pass, with its other side: the owner of the claim's
// other end, a fixed agent or a column, summed into the chunk's `partial`.
struct AuditSide {
  std::size_t book;
  bool holder_row;  // the row holds the claim (else it owes it)
  const RowOwner* other;
  std::size_t other_offset;  // of the other side's kind in `partial`
  std::uint32_t other_count;
};

// What a pass found in one chunk of agents.
struct AuditChunk {
  std::vector<Int128> partial;     // other sides' owners, at offset[kind] + owner
  std::vector<Int128> book_total;  // Σ of the chunk's rows, by BookId
  Int128 money = 0, net_worth = 0;
  Problems books, sheets;
};

// Everything an audit needs besides the report, kept from one audit to the
// next on the calling thread, so that the steady-state step allocates nothing
// (tests/engine/test_allocations.cpp). Lists are assigned, not rebuilt, and
// keep their capacity.
struct AuditScratch {
  std::vector<int> reader;                     // per book: the kind whose pass reads it
  std::vector<std::vector<Int128>> financial;  // per kind not read by pass: per agent
  std::vector<Problems> found;                 // per chunk of one book or kind
  std::vector<Int128> chunk_total;             // per chunk of one book
  std::vector<std::vector<Int128>> holder_part, issuer_part;  // per chunk: per owner
  std::vector<AuditSide> own;                                 // the books of one pass
  std::vector<AuditChunk> chunks;                             // per chunk of one pass
};

}  // namespace

AuditReport Ledger::audit() const {
  AuditReport report;
  audit(report);
  return report;
}

void Ledger::audit(AuditReport& report) const {
  // The workers reach the scratch through these references (a thread_local is
  // not captured by a lambda).
  thread_local AuditScratch scratch;
  AuditScratch& s = scratch;
  report.problems.clear();
  report.net_worth_by_kind.fill(0);
  report.money_stock = 0;
  constexpr std::size_t max_problems = 20;
  constexpr std::size_t max_partial_owners = 1u << 16;
  auto problem = [&](std::string text) {
    if (report.problems.size() < max_problems) report.problems.push_back(std::move(text));
  };
  auto note = [](Problems& list, std::string text) {
    if (list.size() < max_problems) list.push_back(std::move(text));
  };
  auto collect = [&](std::vector<Problems>& lists) {
    for (Problems& list : lists)
      for (std::string& text : list) problem(std::move(text));
  };
  auto overdraft_text = [](const Book& b, std::size_t r, Fen v) {
    return "book " + b.name + " row " + std::to_string(r) +
           " breaks its overdraft rule: " + std::to_string(v);
  };
  auto missing_text = [](const Book& b, std::size_t r) {
    return "book " + b.name + " row " + std::to_string(r) + " names an agent that does not exist";
  };
  auto sheet_text = [](std::size_t k, std::size_t a, Int128 financial, Fen net_worth) {
    return std::string(agent_kind_name(static_cast<AgentKind>(k))) + " " + std::to_string(a) +
           ": assets − liabilities = " + to_string(financial) +
           " fen but net worth = " + std::to_string(net_worth) + " fen";
  };
  auto count = [&](AgentKind k) { return net_worth_[index(k)].size(); };
  report.book_totals.assign(books_.size(), 0);

  // The plan: which kind's pass reads each book (-1: the per-book scan).
  constexpr int per_book = -1;
  std::vector<int>& reader = s.reader;
  reader.assign(books_.size(), per_book);
  for (std::size_t n = 0; n < books_.size(); ++n) {
    const Book& b = books_[n];
    const bool holder_row = b.holder.mode == RowOwner::Mode::row_index;
    const bool issuer_row = b.issuer.mode == RowOwner::Mode::row_index;
    if (holder_row == issuer_row) continue;  // neither side, or both, owned by the row
    const AgentKind row_kind = holder_row ? b.holder_kind : b.issuer_kind;
    const AgentKind other = holder_row ? b.issuer_kind : b.holder_kind;
    if (b.rows() <= count(row_kind) && count(other) <= max_partial_owners)
      reader[n] = static_cast<int>(row_kind);
  }
  std::array<bool, agent_kind_count> by_pass{};
  for (bool changed = true; changed;) {
    by_pass.fill(true);
    for (std::size_t n = 0; n < books_.size(); ++n) {
      const Book& b = books_[n];
      const bool holder_row = b.holder.mode == RowOwner::Mode::row_index;
      // A side of kind k read anywhere but in k's own pass makes k per-agent.
      if (!(reader[n] == static_cast<int>(b.holder_kind) && holder_row))
        by_pass[index(b.holder_kind)] = false;
      if (!(reader[n] == static_cast<int>(b.issuer_kind) && !holder_row))
        by_pass[index(b.issuer_kind)] = false;
    }
    changed = false;
    for (int& r : reader)
      if (r != per_book && !by_pass[static_cast<std::size_t>(r)]) {
        r = per_book;
        changed = true;
      }
  }
  // Accumulators (assets − liabilities per agent) for the kinds not read by pass.
  std::vector<std::vector<Int128>>& financial = s.financial;
  financial.resize(agent_kind_count);
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    if (by_pass[k]) {
      financial[k].clear();
    } else {
      financial[k].assign(net_worth_[k].size(), 0);
    }
  }
  Int128 money = 0;

  // 1. Books read one by one.
  std::vector<Problems>& found = s.found;
  for (std::size_t n = 0; n < books_.size(); ++n) {
    if (reader[n] != per_book) continue;
    const Book& b = books_[n];
    auto& holders = financial[index(b.holder_kind)];
    auto& issuers = financial[index(b.issuer_kind)];
    // A side whose owner is the row itself writes rows no other chunk writes; a
    // side with a fixed owner or an owner column is summed per chunk (into
    // per-owner partials) and added after the loop, in chunk order. A book whose
    // owner column names agents of a large kind is scanned serially instead
    // (partials that size per chunk would cost more than they save).
    const bool holder_by_row = b.holder.mode == RowOwner::Mode::row_index;
    const bool issuer_by_row = b.issuer.mode == RowOwner::Mode::row_index;
    const bool serial = (!holder_by_row && holders.size() > max_partial_owners) ||
                        (!issuer_by_row && issuers.size() > max_partial_owners);
    const std::size_t chunks = serial ? 1 : exec::chunk_count(b.rows());
    found.assign(chunks, {});
    std::vector<Int128>& chunk_total = s.chunk_total;
    chunk_total.assign(chunks, 0);
    // Never shrunk: a part dropped would lose its capacity.
    std::vector<std::vector<Int128>>& holder_part = s.holder_part;
    std::vector<std::vector<Int128>>& issuer_part = s.issuer_part;
    if (holder_part.size() < chunks) holder_part.resize(chunks);
    if (issuer_part.size() < chunks) issuer_part.resize(chunks);
    auto scan = [&](std::size_t c, std::size_t begin, std::size_t end) {
      if (!holder_by_row) holder_part[c].assign(holders.size(), 0);
      if (!issuer_by_row) issuer_part[c].assign(issuers.size(), 0);
      for (std::size_t r = begin; r < end; ++r) {
        const Fen v = b.balance[r];
        chunk_total[c] += v;
        if (!b.allows(r, v)) note(found[c], overdraft_text(b, r, v));
        const std::uint32_t h = b.holder.of(r), i = b.issuer.of(r);
        if (h >= holders.size() || i >= issuers.size()) {
          note(found[c], missing_text(b, r));
          continue;
        }
        (holder_by_row ? holders : holder_part[c])[h] += v;
        (issuer_by_row ? issuers : issuer_part[c])[i] -= v;
      }
    };
    if (serial)
      scan(0, 0, b.rows());
    else
      exec::for_each_chunk(b.rows(), scan);
    collect(found);
    for (std::size_t c = 0; c < chunks && !holder_by_row; ++c)
      for (std::size_t a = 0; a < holders.size(); ++a) holders[a] += holder_part[c][a];
    for (std::size_t c = 0; c < chunks && !issuer_by_row; ++c)
      for (std::size_t a = 0; a < issuers.size(); ++a) issuers[a] += issuer_part[c][a];
    for (const Int128 t : chunk_total) report.book_totals[n] += t;
    if (b.is_money()) money += report.book_totals[n];
  }

  // 2. The kinds read by pass: per chunk of agents, every book they own rows of.
  // Partials for the other sides (kinds of at most max_partial_owners agents)
  // are laid out kind after kind.
  std::array<bool, agent_kind_count> receives{};
  for (std::size_t n = 0; n < books_.size(); ++n)
    if (reader[n] != per_book)
      receives[index(books_[n].holder.mode == RowOwner::Mode::row_index ? books_[n].issuer_kind
                                                                        : books_[n].holder_kind)] =
          true;
  std::array<std::size_t, agent_kind_count + 1> offset{};
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    offset[k + 1] = offset[k] + (receives[k] ? net_worth_[k].size() : 0);
  std::array<Problems, agent_kind_count> sheets;  // problems by kind, in agent order
  Int128 net_worth_sum = 0;
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    if (!by_pass[k] || net_worth_[k].empty()) continue;
    // The books this pass reads, each with its other side.
    std::vector<AuditSide>& own = s.own;
    own.clear();
    for (std::size_t n = 0; n < books_.size(); ++n) {
      if (reader[n] != static_cast<int>(k)) continue;
      const Book& b = books_[n];
      const bool holder_row = b.holder.mode == RowOwner::Mode::row_index;
      const AgentKind other_kind = holder_row ? b.issuer_kind : b.holder_kind;
      own.push_back(AuditSide{n, holder_row, holder_row ? &b.issuer : &b.holder,
                              offset[index(other_kind)],
                              static_cast<std::uint32_t>(count(other_kind))});
    }
    const std::vector<Fen>& net_worth = net_worth_[k];
    const std::size_t chunks = exec::chunk_count(net_worth.size());
    // A chunk's worker keeps its own row sums (thread_local below).
    std::vector<AuditChunk>& results = s.chunks;
    if (results.size() < chunks) results.resize(chunks);
    // The fast path for a chunk: every book of the pass in one read each, with
    // 64-bit sums (fast_book_rows). False when anything is out of order or a
    // balance too large for them; the chunk is then read again below, with the
    // exact 128-bit sums and the row-by-row report.
    auto fast_chunk = [&](AuditChunk& out, std::size_t begin, std::size_t end) {
      thread_local std::vector<std::uint64_t> sums64, slots64;
      sums64.assign(end - begin, 0);
      std::uint64_t magnitude = 0;
      static_assert(exec::chunk_size <= fast_sum_max_rows);
      if (own.size() > 8) return false;
      for (const AuditSide& side : own) {
        const std::size_t n = side.book;
        const Book& b = books_[n];
        const std::size_t last = std::max(begin, std::min(end, b.rows()));
        if (last == begin) continue;
        const bool holder_row = side.holder_row;
        const RowOwner& other = *side.other;
        const std::uint32_t other_count = side.other_count;
        const bool by_column = other.mode != RowOwner::Mode::fixed;
        if (!by_column && other.fixed >= other_count) return false;
        slots64.assign(by_column ? 2 * (std::size_t{other_count} + 1) : 0, 0);
        std::uint64_t* const even = slots64.data();
        std::uint64_t* const odd = even + (by_column ? other_count + 1 : 0);
        bool broken = false;
        auto pass = [&]<bool HolderRow, Overdraft Rule>(auto owner_tag) {
          using Owner = typename decltype(owner_tag)::type;
          const Owner* column = nullptr;
          if constexpr (std::is_same_v<Owner, std::uint16_t>) column = other.column.narrow().data();
          if constexpr (std::is_same_v<Owner, std::uint32_t>) column = other.column.wide().data();
          return fast_book_rows<HolderRow, Rule, Owner>(b.balance.data(), b.limit.data(), begin,
                                                        last, sums64.data(), column, other_count,
                                                        even, odd, magnitude, broken);
        };
        auto by_owner = [&]<bool HolderRow, Overdraft Rule>() {
          if (!by_column)
            return pass.template operator()<HolderRow, Rule>(std::type_identity<void>{});
          if (other.column.is_wide())
            return pass.template operator()<HolderRow, Rule>(std::type_identity<std::uint32_t>{});
          return pass.template operator()<HolderRow, Rule>(std::type_identity<std::uint16_t>{});
        };
        auto by_rule = [&]<bool HolderRow>() {
          switch (b.overdraft) {
            case Overdraft::never:
              return by_owner.template operator()<HolderRow, Overdraft::never>();
            case Overdraft::to_limit:
              return by_owner.template operator()<HolderRow, Overdraft::to_limit>();
            case Overdraft::unrestricted:
              break;
          }
          return by_owner.template operator()<HolderRow, Overdraft::unrestricted>();
        };
        const std::uint64_t total =
            holder_row ? by_rule.template operator()<true>() : by_rule.template operator()<false>();
        if (broken || magnitude >= fast_sum_limit) return false;
        const Int128 book_total = static_cast<std::int64_t>(total);
        out.book_total[n] = book_total;
        if (b.is_money()) out.money += book_total;
        Int128* const owners = out.partial.data() + side.other_offset;
        if (!by_column) {
          owners[other.fixed] += holder_row ? -book_total : book_total;
        } else {
          for (std::uint32_t a = 0; a < other_count; ++a) {
            const Int128 sum = Int128{static_cast<std::int64_t>(even[a])} +
                               Int128{static_cast<std::int64_t>(odd[a])};
            owners[a] += holder_row ? -sum : sum;
          }
        }
      }
      const std::vector<Fen>& nw = net_worth;
      for (std::size_t a = begin; a < end; ++a)
        if (static_cast<std::int64_t>(sums64[a - begin]) != nw[a]) return false;
      for (std::size_t a = begin; a < end; ++a) out.net_worth += nw[a];
      return true;
    };
    exec::for_each_chunk(net_worth.size(), [&](std::size_t c, std::size_t begin, std::size_t end) {
      AuditChunk& out = results[c];
      auto reset = [&] {
        out.partial.assign(offset.back(), 0);
        out.book_total.assign(books_.size(), 0);
        out.money = 0;
        out.net_worth = 0;
        out.books.clear();
        out.sheets.clear();
      };
      reset();
      if (fast_chunk(out, begin, end)) return;
      reset();
      // The report path: every row read one by one, with 128-bit sums; each
      // problem noted in row order, as a serial scan finds it.
      thread_local std::vector<Int128> sums;
      sums.assign(end - begin, 0);
      for (const AuditSide& side : own) {
        const std::size_t n = side.book;
        const Book& b = books_[n];
        const bool holder_row = side.holder_row;
        const RowOwner& other = *side.other;
        const std::size_t other_count = side.other_count;
        const std::size_t last = std::max(begin, std::min(end, b.rows()));
        const Fen* balance = b.balance.data();
        Int128* const owners = out.partial.data() + side.other_offset;
        if (last == begin) continue;  // no rows of this book in the chunk
        if (b.overdraft != Overdraft::unrestricted)
          for (std::size_t r = begin; r < last; ++r)
            if (!b.allows(r, balance[r])) note(out.books, overdraft_text(b, r, balance[r]));
        // The holder gains the claim, the issuer owes it.
        Int128 total = 0;
        if (holder_row) {
          for (std::size_t r = begin; r < last; ++r) sums[r - begin] += balance[r];
        } else {
          for (std::size_t r = begin; r < last; ++r) sums[r - begin] -= balance[r];
        }
        for (std::size_t r = begin; r < last; ++r) total += balance[r];
        out.book_total[n] = total;
        if (b.is_money()) out.money += total;
        if (other.mode == RowOwner::Mode::fixed) {
          if (other.fixed >= other_count) {
            if (last > begin) note(out.books, missing_text(b, begin));
          } else {
            owners[other.fixed] += holder_row ? -total : total;
          }
        } else {
          auto add_rows = [&](const auto* column) {
            for (std::size_t r = begin; r < last; ++r) {
              if (column[r] >= other_count) {
                note(out.books, missing_text(b, r));
                continue;
              }
              owners[column[r]] += holder_row ? -Int128{balance[r]} : Int128{balance[r]};
            }
          };
          if (other.column.is_wide()) {
            add_rows(other.column.wide().data());
          } else {
            add_rows(other.column.narrow().data());
          }
        }
      }
      for (std::size_t a = begin; a < end; ++a) {
        if (sums[a - begin] != net_worth[a])
          note(out.sheets, sheet_text(k, a, sums[a - begin], net_worth[a]));
        out.net_worth += net_worth[a];
      }
    });
    for (std::size_t c = 0; c < chunks; ++c) {
      AuditChunk& r = results[c];
      for (std::string& text : r.books) problem(std::move(text));
      for (std::string& text : r.sheets) note(sheets[k], std::move(text));
      money += r.money;
      report.net_worth_by_kind[k] += r.net_worth;
      for (const AuditSide& side : own) report.book_totals[side.book] += r.book_total[side.book];
      for (std::size_t j = 0; j < agent_kind_count; ++j)
        for (std::size_t a = 0; a < offset[j + 1] - offset[j]; ++a)
          financial[j][a] += r.partial[offset[j] + a];
    }
  }

  // 3. The sheets of the other kinds; all sheets' problems in kind order.
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    if (by_pass[k]) {
      for (std::string& text : sheets[k]) problem(std::move(text));
      continue;
    }
    const std::vector<Fen>& net_worth = net_worth_[k];
    found.assign(exec::chunk_count(net_worth.size()), {});
    report.net_worth_by_kind[k] = exec::exact_sum(net_worth.size(), [&](std::size_t a) {
      if (financial[k][a] != net_worth[a])
        note(found[a / exec::chunk_size], sheet_text(k, a, financial[k][a], net_worth[a]));
      return net_worth[a];
    });
    collect(found);
  }
  for (const Int128 v : report.net_worth_by_kind) net_worth_sum += v;
  Int128 clearing_sum = 0;
  for (std::size_t n = 0; n < books_.size(); ++n)
    if (books_[n].instrument == Instrument::clearing) clearing_sum += report.book_totals[n];
  if (clearing_sum != 0)
    problem("clearing positions sum to " + to_string(clearing_sum) + " fen, not 0");
  report.money_stock = money;
  const Int128 expected = money_created_ - money_destroyed_;
  if (money != expected)
    problem("money stock " + to_string(money) +
            " fen ≠ created − destroyed = " + to_string(expected) + " fen");
  if (net_worth_sum != 0) problem("net worth sums to " + to_string(net_worth_sum) + " fen, not 0");
  for (std::size_t f = 0; f < flow_type_count; ++f) {
    Int128 row = 0;
    for (const Int128 v : flows_[f]) row += v;
    if (row != 0)
      problem("flow row " + std::string(flow_type_name(static_cast<FlowType>(f))) + " sums to " +
              to_string(row));
  }
}

// --- Journal ------------------------------------------------------------------

void Journal::reset(Ledger& ledger, AgentKind kind, std::size_t begin, std::size_t end) {
  ledger_ = &ledger;
  kind_ = kind;
  begin_ = begin;
  end_ = end;
  for (auto& list : postings_) list.clear();
  for (auto& list : net_worth_postings_) list.clear();
  clearing_.assign(ledger.agent_count(AgentKind::bank), 0);
  dense_rows_.resize(ledger.book_count());
  for (std::size_t id = 0; id < ledger.book_count(); ++id) {
    const Book& b = ledger.book(static_cast<BookId>(id));
    if (b.row_kind != kind && b.rows() <= dense_max) {
      dense_rows_[id].assign(b.rows(), 0);
    } else {
      dense_rows_[id].clear();
    }
  }
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    const std::size_t n = ledger.agent_count(static_cast<AgentKind>(k));
    if (static_cast<AgentKind>(k) != kind && n <= dense_max) {
      dense_net_worth_[k].assign(n, 0);
    } else {
      dense_net_worth_[k].clear();
    }
  }
  money_delta_ = 0;
  if (has_flows_) flows_ = FlowMatrix{};
  has_flows_ = false;
}

void Journal::throw_not_owned(const Book& b, std::uint32_t row) {
  throw InternalError("journal: reading " + b.name + " row " + std::to_string(row) +
                      ", which another chunk may be writing");
}

void Journal::post_net_worth(AgentKind k, std::uint32_t agent, Fen delta) {
  std::vector<Fen>& dense = dense_net_worth_[static_cast<std::size_t>(k)];
  if (k == kind_ && agent >= begin_ && agent < end_) {
    Fen& nw = ledger_->net_worth(k)[agent];
    nw = checked_add(nw, delta);
  } else if (agent < dense.size()) {
    dense[agent] = checked_add(dense[agent], delta);
  } else {
    net_worth_postings_[merge_part_of(agent)].push_back(NetWorthPosting{k, agent, delta});
  }
}

void Journal::post_flow(FlowType f, AgentKind payer, AgentKind payee, Fen amount) {
  auto& row = flows_[static_cast<std::size_t>(f)];
  row[static_cast<std::size_t>(payer)] -= amount;
  row[static_cast<std::size_t>(payee)] += amount;
  has_flows_ = true;
}

void merge(Ledger& ledger, const Journal& j) {
  for (std::size_t part = 0; part < merge_parts; ++part) merge_part(ledger, j, part);
  merge_totals(ledger, j);
}

void merge_part(Ledger& ledger, const Journal& j, std::size_t part) {
  if (j.ledger_ == nullptr) return;  // a chunk that never ran
  for (const Journal::Posting& p : j.postings_[part]) ledger.post(p.account, p.delta);
  for (const Journal::NetWorthPosting& p : j.net_worth_postings_[part])
    ledger.post_net_worth(p.kind, p.agent, p.delta);
}

void merge_totals(Ledger& ledger, const Journal& j) {
  if (j.ledger_ == nullptr) return;
  for (std::size_t bank = 0; bank < j.clearing_.size(); ++bank)
    if (j.clearing_[bank] != 0)
      ledger.post_clearing(static_cast<std::uint32_t>(bank), j.clearing_[bank]);
  for (std::size_t id = 0; id < j.dense_rows_.size(); ++id)
    for (std::size_t r = 0; r < j.dense_rows_[id].size(); ++r)
      if (j.dense_rows_[id][r] != 0)
        ledger.post(Account{static_cast<BookId>(id), static_cast<std::uint32_t>(r)},
                    j.dense_rows_[id][r]);
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    for (std::size_t a = 0; a < j.dense_net_worth_[k].size(); ++a)
      if (j.dense_net_worth_[k][a] != 0)
        ledger.post_net_worth(static_cast<AgentKind>(k), static_cast<std::uint32_t>(a),
                              j.dense_net_worth_[k][a]);
  ledger.post_money(j.money_delta_);
  if (j.has_flows_) ledger.add_flows(j.flows_);
}

}  // namespace pfsim
