// The ledger: every financial claim and every agent's net worth, in int64 fen.
//
// A *book* holds one kind of instrument for one kind of holder: row r is a claim
// of its holder on its issuer (e.g. book "consumer.deposit", row 17 = consumer
// 17's deposit at bank issuer[17]). Each claim is an asset on its holder's
// balance sheet and a liability on its issuer's, so the books are double entry
// by construction; what the audit then checks is that every agent's recorded net
// worth — which changes only through income flows (wages, purchases, fees,
// interest, losses) — equals its assets minus its liabilities, exactly.
//
// Payments between depositors of different banks leave a *clearing* position of
// each bank against the central bank's clearing house (book "bank.clearing",
// signed); the settlement phase turns it into reserves. Σ clearing is always 0.
//
// Money (bank deposits held by non-banks) changes only through the primitives
// that create it (a bank or the government paying into a deposit, lending) or
// destroy it; they count what they create and destroy, and the audit checks
// Σ deposits == created − destroyed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/money.hpp"
#include "world/agent_kind.hpp"

namespace pfsim {

enum class Overdraft : std::uint8_t {
  never,         // balance ≥ 0 (deposits, reserves, bonds)
  to_limit,      // balance ≥ −limit[row] (credit lines)
  unrestricted,  // signed positions (clearing)
};

enum class Instrument : std::uint8_t {
  deposit,            // money: holder non-bank, issuer bank
  credit_line,        // a payment account that may go negative to its limit:
                      // holder non-bank, issuer bank; a negative balance is owed
  reserves,           // holder bank, issuer central bank
  government_bond,    // holder bank or central bank, issuer government
  clearing,           // holder bank, issuer central bank (signed)
  central_bank_loan,  // holder central bank, issuer bank
};

// Who holds (or issues) row r of a book.
struct RowOwner {
  enum class Mode : std::uint8_t { row_index, fixed, column } mode = Mode::row_index;
  std::uint32_t fixed = 0;
  std::vector<std::uint32_t> column;  // mode == column

  [[nodiscard]] std::uint32_t of(std::size_t row) const {
    switch (mode) {
      case Mode::row_index: return static_cast<std::uint32_t>(row);
      case Mode::fixed: return fixed;
      case Mode::column: return column[row];
    }
    return fixed;
  }
};

struct Book {
  std::string name;  // "consumer.deposit"
  Instrument instrument = Instrument::deposit;
  AgentKind holder_kind = AgentKind::consumer;
  AgentKind issuer_kind = AgentKind::bank;
  Overdraft overdraft = Overdraft::never;
  RowOwner holder;
  RowOwner issuer;
  std::vector<Fen> balance;  // fen
  std::vector<Fen> limit;    // fen; only for Overdraft::to_limit

  [[nodiscard]] bool is_money() const { return instrument == Instrument::deposit; }
  // Accounts a payment can be made from or into.
  [[nodiscard]] bool is_payment_account() const {
    return instrument == Instrument::deposit || instrument == Instrument::credit_line;
  }
  [[nodiscard]] std::size_t rows() const { return balance.size(); }
};

using BookId = std::uint16_t;

struct Account {
  BookId book = 0;
  std::uint32_t row = 0;
};

// Does a flow change the net worth of payer and payee?
enum class Flow : std::uint8_t {
  income,     // wages, purchases, fees, interest: payer's net worth falls, payee's rises
  financial,  // an exchange of claims (e.g. deposit ↔ fund units): net worth unchanged
};

struct AuditReport {
  std::vector<std::string> problems;  // empty = every check passed
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
  // Net worth column of every agent of a kind (fen). Resized when agents enter.
  [[nodiscard]] std::vector<Fen>& net_worth(AgentKind k) { return net_worth_[index(k)]; }
  [[nodiscard]] const std::vector<Fen>& net_worth(AgentKind k) const { return net_worth_[index(k)]; }
  void set_agent_count(AgentKind k, std::size_t n) { net_worth_[index(k)].resize(n, 0); }

  // --- serial primitives (hubs, merges, construction) -----------------------
  // Moves `amount` from one payment account (deposit or credit line) to
  // another. Returns false (and changes nothing) if `from` lacks the funds or
  // the credit. Paying out of a credit line into a deposit creates money.
  bool transfer(Account from, Account to, Fen amount, Flow flow);
  // A bank spends: deposit `to` rises, the bank's net worth falls (creates money).
  void bank_pays(std::uint32_t bank, Account to, Fen amount);
  // The government pays into a deposit, settling with the deposit's bank in new
  // bonds (creates money). Used to endow agents at construction.
  void government_pays(Account to, Fen amount);
  // The government funds bank capital with bonds (bank equity at construction).
  void government_capitalises_bank(std::uint32_t bank, Fen amount);
  // The central bank buys bonds from a bank for new reserves.
  void central_bank_buys_bonds(std::uint32_t bank, Fen amount);
  // Credits/debits the clearing position of a bank (used by journal merges).
  void add_clearing(std::uint32_t bank, Fen delta);
  // A bank repays overnight central-bank credit out of its reserves.
  void bank_repays_central_bank(std::uint32_t bank, Fen amount);
  // Turns every bank's clearing position into reserves; a bank whose reserves
  // would turn negative borrows the gap from the central bank's standing facility.
  void settle_clearing();

  // Money counters (fen), cumulative over the run (128-bit: each grows without
  // bound over a long run even when the stock does not).
  [[nodiscard]] Int128 money_created() const { return money_created_; }
  [[nodiscard]] Int128 money_destroyed() const { return money_destroyed_; }
  void count_money(Fen delta);  // + created, − destroyed (for journal merges)

  // Well-known books (set by the world builder).
  BookId reserves_book = 0, clearing_book = 0, bank_bond_book = 0, cb_bond_book = 0,
         cb_loan_book = 0;

  // Sums every deposit book (fen).
  [[nodiscard]] Int128 money_stock() const;

  // The exact audit: overdraft rules, every balance sheet, clearing sums to
  // zero, money = created − destroyed, Σ net worth = 0 (no real assets yet).
  [[nodiscard]] AuditReport audit() const;

 private:
  static std::size_t index(AgentKind k) { return static_cast<std::size_t>(k); }
  void post(Account a, Fen delta);  // checked add; no overdraft check

  std::vector<Book> books_;
  std::vector<std::vector<Fen>> net_worth_ = std::vector<std::vector<Fen>>(agent_kind_count);
  Int128 money_created_ = 0;
  Int128 money_destroyed_ = 0;
};

// A per-chunk intent buffer for parallel phases. An agent debits its own row
// at once (it owns it, so the funds check is exact and needs no lock) and queues
// the credit to the payee; `Ledger::merge` applies the queues in chunk order.
// Clearing deltas and net-worth deltas are integer sums, so the merge result
// does not depend on which thread ran which chunk.
class Journal {
 public:
  Journal() = default;
  void reset(std::size_t bank_count) {
    credits_.clear();
    clearing_.assign(bank_count, 0);
    money_delta_ = 0;
  }
  // Debits the payer's own row (its holder must be the calling agent).
  // Returns false if the funds are not there; nothing changes then.
  bool debit_own(Ledger& ledger, Account from, Fen amount, Flow flow);
  // Credits the calling agent's own row at once.
  void credit_own(Ledger& ledger, Account to, Fen amount, Flow flow);
  // Queues a credit to another agent's row.
  void credit(const Ledger& ledger, Account to, Fen amount, Flow flow);

  struct Credit {
    Account to;
    Fen amount;
    Flow flow;
  };
  [[nodiscard]] std::span<const Credit> credits() const { return credits_; }
  [[nodiscard]] std::span<const Fen> clearing() const { return clearing_; }
  // Net change of money (deposits) this journal caused, fen.
  [[nodiscard]] Fen money_delta() const { return money_delta_; }

 private:
  std::vector<Credit> credits_;
  std::vector<Fen> clearing_;  // per bank, fen
  Fen money_delta_ = 0;
};

// Applies every journal's queued credits and clearing deltas, in journal order.
void merge(Ledger& ledger, std::span<Journal> journals);

}  // namespace pfsim
