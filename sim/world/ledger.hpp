// The ledger: every financial claim and every agent's net worth, in int64 fen.
//
// A *book* holds one kind of instrument: row r is a claim of its holder on its
// issuer (e.g. book "consumer.deposit", row 17 = consumer 17's deposit at bank
// issuer[17]; book "consumer.revolving_bank", row 17 = what consumer 17 owes its
// partner bank holder[17]). Each claim is an asset on its holder's balance sheet
// and a liability on its issuer's, so the books are double entry by
// construction. What the audit checks is that every agent's recorded net worth —
// which changes only through income flows (wages, purchases, fees, interest,
// losses), each tagged with a FlowType — equals its assets minus its liabilities,
// exactly; that money equals what was created minus what was destroyed; and
// (sfc.hpp) that the step's flows by sector explain the change in each sector's
// net worth.
//
// Payments between depositors of different banks leave a *clearing* position of
// each bank against the central bank's clearing house (book "bank.clearing",
// signed); the settlement phase turns it into reserves. Σ clearing is always 0.
//
// Every operation (transfer, lend, repay, accrue, write off, ...) is written
// once, as a template over a *poster*: the Ledger itself (applies at once; used
// by serial hub code) or a Journal (used inside parallel phases: rows the chunk
// owns are posted at once, every other posting is queued and merged later in
// chunk order). See ledger_ops.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/money.hpp"
#include "world/agent_kind.hpp"

namespace pfsim {

enum class Overdraft : std::uint8_t {
  never,         // balance ≥ 0 (deposits, reserves, bonds, loans)
  to_limit,      // balance ≥ −limit[row] (credit lines used as payment accounts)
  unrestricted,  // signed positions (clearing)
};

enum class Instrument : std::uint8_t {
  deposit,            // money: holder non-bank, issuer bank
  credit_line,        // payment account that may go negative to its limit
  reserves,           // holder bank, issuer central bank
  government_bond,    // holder bank or central bank, issuer government
  clearing,           // holder bank, issuer central bank (signed)
  central_bank_loan,  // holder central bank, issuer bank
  loan,               // holder lender (bank or platform), issuer borrower
  fund_units,         // holder consumer, issuer fund (stable NAV of 1 fen per unit)
  equity_stake,       // holder investor, issuer platform (paid-in capital)
  foreign_claim,      // holder central bank, issuer investor (the rest of the world)
  interbank_loan,     // overnight: holder lending bank, issuer borrowing bank
  count_,
};

// Income flows by type: the rows of the transaction-flow matrix. `financial`
// is an exchange of claims and changes no net worth.
enum class FlowType : std::uint8_t {
  financial,
  endowment,  // initial wealth (government transfer at construction)
  wages,
  dividends,  // SMEs' profits paid out to their owners (modelled as their staff)
  consumption,
  supplier_purchases,
  operating_costs,        // banks' and platforms' purchases from SMEs
  payment_fees,           // merchants → platform
  interest_deposits,      // banks → depositors
  interest_loans,         // borrowers → lenders
  interest_reserves,      // central bank → banks
  interest_bonds,         // government → bond holders
  interest_central_bank,  // banks → central bank
  fund_yield,             // fund → unit holders
  fund_fees,              // fund → platform (management and distribution)
  tech_service_fees,      // partner banks → platform (co-lending)
  loan_losses,            // write-offs: lender loses, borrower is released
  capital_transfers,      // equity injections, fines, resolution
  social_transfers,       // government → unemployed consumers (benefits, severance, support)
  revaluations,           // holding gains (+) and losses (−) on bonds marked to market
  count_,
};
inline constexpr std::size_t flow_type_count = static_cast<std::size_t>(FlowType::count_);
[[nodiscard]] std::string_view flow_type_name(FlowType f);

// Flows of one step by type (rows) and sector (columns), fen; payer −, payee +.
using FlowMatrix = std::array<std::array<Int128, agent_kind_count>, flow_type_count>;

// The owner of each row of a book, 16 bits a row while every owner index fits
// (the owners recorded per row are banks: a few thousand at most), 32 bits
// otherwise. At 10^7 consumers the four consumer books that record a bank per
// row take 7 bytes per agent less than with 32 bits (docs/performance.md).
class OwnerColumn {
 public:
  static constexpr std::uint32_t narrow_max = 0xFFFF;

  OwnerColumn() = default;
  OwnerColumn(std::initializer_list<std::uint32_t> owners)
      : OwnerColumn(std::vector<std::uint32_t>(owners)) {}
  explicit OwnerColumn(std::vector<std::uint32_t> owners) { assign(std::move(owners)); }

  // Stores `owners`, 16-bit if every one fits.
  void assign(std::vector<std::uint32_t> owners) {
    narrow_.clear();
    wide_.clear();
    const bool fits =
        std::all_of(owners.begin(), owners.end(), [](std::uint32_t o) { return o <= narrow_max; });
    if (fits) {
      narrow_.assign(owners.begin(), owners.end());
      wide_.shrink_to_fit();
    } else {
      wide_ = std::move(owners);
      narrow_.shrink_to_fit();
    }
  }
  [[nodiscard]] std::uint32_t operator[](std::size_t row) const {
    return wide_.empty() ? narrow_[row] : wide_[row];
  }
  // Sets the owner of `row`; an owner above 65535 widens the whole column
  // (serial code only: widening reallocates).
  void set(std::size_t row, std::uint32_t owner) {
    if (wide_.empty() && owner > narrow_max) {
      wide_.assign(narrow_.begin(), narrow_.end());
      narrow_.clear();
      narrow_.shrink_to_fit();
    }
    if (wide_.empty()) {
      narrow_[row] = static_cast<std::uint16_t>(owner);
    } else {
      wide_[row] = owner;
    }
  }
  [[nodiscard]] std::size_t size() const { return wide_.empty() ? narrow_.size() : wide_.size(); }
  [[nodiscard]] bool is_wide() const { return !wide_.empty(); }
  // The stored rows: exactly one of the two is non-empty (both are when there are no rows).
  [[nodiscard]] std::vector<std::uint16_t>& narrow() { return narrow_; }
  [[nodiscard]] std::vector<std::uint32_t>& wide() { return wide_; }
  [[nodiscard]] const std::vector<std::uint16_t>& narrow() const { return narrow_; }
  [[nodiscard]] const std::vector<std::uint32_t>& wide() const { return wide_; }

 private:
  std::vector<std::uint16_t> narrow_;
  std::vector<std::uint32_t> wide_;
};

// Who holds (or issues) row r of a book.
struct RowOwner {
  enum class Mode : std::uint8_t { row_index, fixed, column } mode = Mode::row_index;
  std::uint32_t fixed = 0;
  OwnerColumn column;  // mode == column

  [[nodiscard]] std::uint32_t of(std::size_t row) const {
    switch (mode) {
      case Mode::row_index:
        return static_cast<std::uint32_t>(row);
      case Mode::fixed:
        return fixed;
      case Mode::column:
        return column[row];
    }
    return fixed;
  }
};

struct Book {
  std::string name;  // "consumer.deposit"
  Instrument instrument = Instrument::deposit;
  AgentKind row_kind = AgentKind::consumer;  // rows are indexed by agents of this kind
  AgentKind holder_kind = AgentKind::consumer;
  AgentKind issuer_kind = AgentKind::bank;
  Overdraft overdraft = Overdraft::never;
  RowOwner holder;
  RowOwner issuer;
  std::vector<Fen> balance;  // fen
  std::vector<Fen> limit;    // fen; only for Overdraft::to_limit

  [[nodiscard]] bool is_money() const { return instrument == Instrument::deposit; }
  [[nodiscard]] bool is_payment_account() const {
    return instrument == Instrument::deposit || instrument == Instrument::credit_line;
  }
  [[nodiscard]] std::size_t rows() const { return balance.size(); }
  // May `balance` at row become `after`?
  [[nodiscard]] bool allows(std::size_t row, Fen after) const {
    switch (overdraft) {
      case Overdraft::never:
        return after >= 0;
      case Overdraft::to_limit:
        return after >= -limit[row];
      case Overdraft::unrestricted:
        return true;
    }
    return false;
  }
};

using BookId = std::uint16_t;

struct Account {
  BookId book = 0;
  std::uint32_t row = 0;
};

struct AuditReport {
  std::vector<std::string> problems;  // empty = every check passed
  // What the audit summed on its way (exact, fen), so that the stock-flow check
  // after it (world/sfc.hpp) need not read every row again: each book's total
  // (Σ of its rows, by BookId), each agent kind's net worth, and the money
  // stock (Σ of the money books' rows, = Ledger::money_stock()).
  std::vector<Int128> book_totals;
  std::array<Int128, agent_kind_count> net_worth_by_kind{};
  Int128 money_stock = 0;
  [[nodiscard]] bool ok() const { return problems.empty(); }
};

class Ledger {
 public:
  // --- structure ----------------------------------------------------------
  BookId add_book(Book book);
  [[nodiscard]] Book& book(BookId id) { return books_[id]; }
  [[nodiscard]] const Book& book(BookId id) const { return books_[id]; }
  [[nodiscard]] std::size_t book_count() const { return books_.size(); }
  [[nodiscard]] BookId find_book(const std::string& name) const;  // throws if unknown
  [[nodiscard]] std::vector<Fen>& net_worth(AgentKind k) { return net_worth_[index(k)]; }
  [[nodiscard]] const std::vector<Fen>& net_worth(AgentKind k) const {
    return net_worth_[index(k)];
  }
  void set_agent_count(AgentKind k, std::size_t n) { net_worth_[index(k)].resize(n, 0); }
  [[nodiscard]] std::size_t agent_count(AgentKind k) const { return net_worth_[index(k)].size(); }

  // --- the poster interface (applies at once) --------------------------------
  [[nodiscard]] Fen balance(Account a) const { return books_[a.book].balance[a.row]; }
  // Inline: serial hub code and the journals' merges call these once per
  // posting (millions a day at 10^6 consumers, issue 18).
  void post(Account a, Fen delta) {
    Fen& b = books_[a.book].balance[a.row];
    b = checked_add(b, delta);
  }
  void post_net_worth(AgentKind k, std::uint32_t agent, Fen delta) {
    Fen& nw = net_worth_[index(k)][agent];
    nw = checked_add(nw, delta);
  }
  void post_clearing(std::uint32_t bank, Fen delta) { post(Account{clearing_book, bank}, delta); }
  void post_money(Fen delta);  // + created, − destroyed
  void post_flow(FlowType f, AgentKind payer, AgentKind payee, Fen amount);

  // --- convenience operations (see ledger_ops.hpp for the full set) -----------
  bool transfer(Account from, Account to, Fen amount, FlowType flow);
  void bank_pays(std::uint32_t bank, Account to, Fen amount, FlowType flow);
  void government_pays(Account to, Fen amount, FlowType flow = FlowType::endowment);
  void government_capitalises_bank(std::uint32_t bank, Fen amount);
  void central_bank_buys_bonds(std::uint32_t bank, Fen amount);
  // Marks the bank's bonds to market: their value changes by `delta` (fen, a
  // holding gain if positive), and so does the government's liability at
  // market value — a `revaluations` flow between the two (Godley & Lavoie
  // 2007 ch. 5: capital gains are part of the stock-flow accounts).
  void revalue_bonds(std::uint32_t bank, Fen delta);
  void bank_repays_central_bank(std::uint32_t bank, Fen amount);
  // Overnight interbank loan on row `row` of interbank_book: the lender's
  // reserves go to the borrower (the lender must hold them).
  void interbank_lend(std::uint32_t row, Fen amount);
  // Repays `principal` of the loan on `row` with `interest`, through the
  // banks' clearing positions (settled in reserves by settle_clearing()).
  void interbank_repay(std::uint32_t row, Fen principal, Fen interest);
  // Term interbank claim (loan or NCD) on row `row` of term_interbank_book:
  // the lender pays the borrower through their clearing positions.
  void term_interbank_lend(std::uint32_t row, Fen amount);
  // Interest on the term claim on `row` at its rollover, borrower → lender,
  // through the clearing positions; the principal is rolled over.
  void term_interbank_interest(std::uint32_t row, Fen interest);
  // Outside investors buy `amount` of new shares of `platform`, paying through
  // the central bank into `platform_deposit` (new money; no net worth changes).
  void investors_subscribe(std::uint32_t platform, Account platform_deposit, Fen amount);
  // A payment to the government (a fine) out of a deposit: the government
  // retires bonds held by the deposit's bank, then bonds held by the central
  // bank (the bank pays those in reserves, borrowing what it lacks from the
  // central bank). Money is destroyed.
  void government_receives(Account from, Fen amount, FlowType flow = FlowType::capital_transfers);
  // Turns every bank's clearing position into reserves; a bank whose reserves
  // would turn negative borrows the gap from the central bank's standing facility.
  void settle_clearing();

  // Money counters (fen), cumulative over the run (128-bit: each grows without
  // bound over a long run even when the stock does not).
  [[nodiscard]] Int128 money_created() const { return money_created_; }
  [[nodiscard]] Int128 money_destroyed() const { return money_destroyed_; }
  // Sets both counters: only for a ledger rebuilt from a checkpoint (run/checkpoint.cpp).
  void restore_money_counters(Int128 created, Int128 destroyed) {
    money_created_ = created;
    money_destroyed_ = destroyed;
  }

  // The step's flows (reset by the engine at the start of each step).
  [[nodiscard]] const FlowMatrix& flows() const { return flows_; }
  void reset_flows() { flows_ = FlowMatrix{}; }
  void add_flows(const FlowMatrix& m);

  // Well-known books (set by the world builder).
  BookId reserves_book = 0, clearing_book = 0, bank_bond_book = 0, cb_bond_book = 0,
         cb_loan_book = 0, platform_shares_book = 0, cb_foreign_book = 0, interbank_book = 0,
         term_interbank_book = 0;

  [[nodiscard]] Int128 money_stock() const;

  // The exact audit: overdraft rules, every balance sheet, clearing sums to
  // zero, money = created − destroyed, Σ net worth = 0 (no real assets in the
  // ledger), and every flow row of the step sums to zero.
  [[nodiscard]] AuditReport audit() const;
  // The same into a report kept by the caller: its lists keep their capacity,
  // so that the audit of a settled run allocates nothing.
  void audit(AuditReport& report) const;

 private:
  static std::size_t index(AgentKind k) { return static_cast<std::size_t>(k); }

  std::vector<Book> books_;
  std::vector<std::vector<Fen>> net_worth_ = std::vector<std::vector<Fen>>(agent_kind_count);
  Int128 money_created_ = 0;
  Int128 money_destroyed_ = 0;
  FlowMatrix flows_{};
};

// A journal's postings to other chunks' rows are merged in merge_parts parts
// that may run at the same time, by target row: rows in blocks of
// merge_block, the block number modulo merge_parts. A constant; any value
// gives the same results (each row's postings keep their order).
inline constexpr std::size_t merge_parts = 2;
inline constexpr std::size_t merge_block = 512;
[[nodiscard]] constexpr std::size_t merge_part_of(std::uint32_t row) {
  return (row / merge_block) % merge_parts;
}

// A per-chunk intent buffer for parallel phases, with the poster interface. A
// chunk of agents of one kind owns their rows: postings to those rows (their own
// deposit, their own loan rows, their own net worth) apply at once — so funds
// checks are exact and need no lock — and every other posting (a merchant's
// deposit, a bank's net worth) is queued. merge() applies the queues in chunk
// order; all queued effects are integer sums, so the result does not depend on
// which thread ran which chunk.
class Journal {
 public:
  Journal() = default;
  // Prepares the journal for a chunk [begin, end) of agents of `kind`.
  void reset(Ledger& ledger, AgentKind kind, std::size_t begin, std::size_t end);

  // Own rows only (another chunk may be writing the rest). Inline: the
  // consumption phase calls these a few times per purchase.
  [[nodiscard]] Fen balance(Account a) const {
    const Book& b = ledger_->book(a.book);
    if (!owns_row(b, a.row)) throw_not_owned(b, a.row);
    return b.balance[a.row];
  }
  void post(Account a, Fen delta) {
    Book& b = ledger_->book(a.book);
    if (owns_row(b, a.row)) {
      b.balance[a.row] = checked_add(b.balance[a.row], delta);
    } else if (a.row < dense_rows_[a.book].size()) {
      Fen& sum = dense_rows_[a.book][a.row];
      sum = checked_add(sum, delta);
    } else {
      postings_[merge_part_of(a.row)].push_back(Posting{a, delta});
    }
  }
  // The balances (and net worths) of the chunk's own agents, for a rule that
  // reads and posts them many times per agent (the consumption phase): index
  // them only with rows in [begin, end) of the chunk. Throws if the book's rows
  // are not agents of the chunk's kind.
  [[nodiscard]] Fen* own_balances(BookId id) {
    Book& b = ledger_->book(id);
    if (b.row_kind != kind_ || b.rows() < end_)
      throw_not_owned(b, static_cast<std::uint32_t>(end_));
    return b.balance.data();
  }
  [[nodiscard]] Fen* own_net_worths() { return ledger_->net_worth(kind_).data(); }
  void post_net_worth(AgentKind k, std::uint32_t agent, Fen delta);
  // A purchase posts two or three (consumption.cpp): inline.
  void post_clearing(std::uint32_t bank, Fen delta) {
    clearing_[bank] = checked_add(clearing_[bank], delta);
  }
  void post_money(Fen delta) { money_delta_ = checked_add(money_delta_, delta); }
  void post_flow(FlowType f, AgentKind payer, AgentKind payee, Fen amount);
  [[nodiscard]] const Book& book(BookId id) const { return ledger_->book(id); }

 private:
  friend void merge(Ledger& ledger, const Journal& journal);
  friend void merge_part(Ledger& ledger, const Journal& journal, std::size_t part);
  friend void merge_totals(Ledger& ledger, const Journal& journal);
  [[noreturn]] static void throw_not_owned(const Book& b, std::uint32_t row);
  [[nodiscard]] bool owns_row(const Book& b, std::uint32_t row) const {
    return b.row_kind == kind_ && row >= begin_ && row < end_;
  }

  struct Posting {
    Account account;
    Fen delta;
  };
  struct NetWorthPosting {
    AgentKind kind;
    std::uint32_t agent;
    Fen delta;
  };
  Ledger* ledger_ = nullptr;
  AgentKind kind_ = AgentKind::consumer;
  std::size_t begin_ = 0, end_ = 0;
  // Queued by the part of the merge that applies them (merge_part_of).
  std::array<std::vector<Posting>, merge_parts> postings_;
  std::array<std::vector<NetWorthPosting>, merge_parts> net_worth_postings_;
  // Postings to the rows of small kinds (other than the chunk's, at most
  // dense_max agents: banks, platforms, the fund, the government, the central
  // bank) and to their net worth, summed per row and agent as clearing_ is,
  // instead of queued: a pass that pays every consumer from its bank
  // (interest, dividends) or every fund holder's fee into the platform's
  // deposit would otherwise queue one posting per consumer (16 bytes each,
  // 26 bytes per agent at the peak of a month end). Applied by merge_totals;
  // integer sums, so the balances are those of the queued postings.
  static constexpr std::size_t dense_max = 1024;
  std::vector<std::vector<Fen>> dense_rows_;  // by BookId; empty: queued
  std::array<std::vector<Fen>, agent_kind_count> dense_net_worth_;
  std::vector<Fen> clearing_;  // per bank, fen
  Fen money_delta_ = 0;
  FlowMatrix flows_{};
  bool has_flows_ = false;
};

// Applies a journal's queued postings (parallel phases call it in chunk order).
void merge(Ledger& ledger, const Journal& journal);
// The same in pieces that may run at the same time: merge_part applies the
// postings (balances and net worths) to rows in one part (see merge_parts),
// merge_totals the clearing positions, money and flows. Every account still
// receives its postings in journal order, so the parts give merge()'s balances
// in any order or at the same time.
void merge_part(Ledger& ledger, const Journal& journal, std::size_t part);
void merge_totals(Ledger& ledger, const Journal& journal);
// Applies every journal's queued postings, in journal order.
inline void merge(Ledger& ledger, std::span<Journal> journals) {
  for (const Journal& j : journals) merge(ledger, j);
}

}  // namespace pfsim

#include "world/ledger_ops.hpp"
