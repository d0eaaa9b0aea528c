#include "world/ledger.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

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

}  // namespace

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

void Ledger::post(Account a, Fen delta) {
  Fen& b = books_[a.book].balance[a.row];
  b = checked_add(b, delta);
}

void Ledger::count_money(Fen delta) {
  if (delta >= 0) money_created_ += delta;
  else money_destroyed_ -= static_cast<Int128>(delta);
}

bool Ledger::transfer(Account from, Account to, Fen amount, Flow flow) {
  if (amount < 0) throw InternalError("ledger: negative transfer");
  Book& fb = books_[from.book];
  Book& tb = books_[to.book];
  if (!fb.is_payment_account() || !tb.is_payment_account())
    throw InternalError("ledger: transfer between books that are not payment accounts");
  const Fen after = checked_sub(fb.balance[from.row], amount);
  if (fb.overdraft == Overdraft::never && after < 0) return false;
  if (fb.overdraft == Overdraft::to_limit && after < -fb.limit[from.row]) return false;
  fb.balance[from.row] = after;
  post(to, amount);
  const std::uint32_t from_bank = fb.issuer.of(from.row);
  const std::uint32_t to_bank = tb.issuer.of(to.row);
  if (from_bank != to_bank) {
    add_clearing(from_bank, -amount);
    add_clearing(to_bank, amount);
  }
  if (flow == Flow::income) {
    Fen& payer = net_worth(fb.holder_kind)[fb.holder.of(from.row)];
    payer = checked_sub(payer, amount);
    Fen& payee = net_worth(tb.holder_kind)[tb.holder.of(to.row)];
    payee = checked_add(payee, amount);
  }
  count_money((tb.is_money() ? amount : 0) - (fb.is_money() ? amount : 0));
  return true;
}

void Ledger::bank_pays(std::uint32_t bank, Account to, Fen amount) {
  const Book& tb = books_[to.book];
  post(to, amount);
  const std::uint32_t to_bank = tb.issuer.of(to.row);
  if (to_bank != bank) {
    add_clearing(bank, -amount);
    add_clearing(to_bank, amount);
  }
  Fen& payer = net_worth(AgentKind::bank)[bank];
  payer = checked_sub(payer, amount);
  Fen& payee = net_worth(tb.holder_kind)[tb.holder.of(to.row)];
  payee = checked_add(payee, amount);
  count_money(amount);
}

void Ledger::government_pays(Account to, Fen amount) {
  const Book& tb = books_[to.book];
  post(to, amount);
  post(Account{bank_bond_book, tb.issuer.of(to.row)}, amount);
  Fen& gov = net_worth(AgentKind::government)[0];
  gov = checked_sub(gov, amount);
  Fen& payee = net_worth(tb.holder_kind)[tb.holder.of(to.row)];
  payee = checked_add(payee, amount);
  count_money(amount);
}

void Ledger::government_capitalises_bank(std::uint32_t bank, Fen amount) {
  post(Account{bank_bond_book, bank}, amount);
  Fen& gov = net_worth(AgentKind::government)[0];
  gov = checked_sub(gov, amount);
  Fen& nw = net_worth(AgentKind::bank)[bank];
  nw = checked_add(nw, amount);
}

void Ledger::central_bank_buys_bonds(std::uint32_t bank, Fen amount) {
  Book& bonds = books_[bank_bond_book];
  if (bonds.balance[bank] < amount) throw InternalError("ledger: bank sells bonds it does not hold");
  post(Account{bank_bond_book, bank}, -amount);
  post(Account{cb_bond_book, 0}, amount);
  post(Account{reserves_book, bank}, amount);
}

void Ledger::bank_repays_central_bank(std::uint32_t bank, Fen amount) {
  if (amount < 0 || books_[reserves_book].balance[bank] < amount || books_[cb_loan_book].balance[bank] < amount)
    throw InternalError("ledger: impossible repayment to the central bank");
  post(Account{reserves_book, bank}, -amount);
  post(Account{cb_loan_book, bank}, -amount);
}

void Ledger::add_clearing(std::uint32_t bank, Fen delta) { post(Account{clearing_book, bank}, delta); }

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
      for (const Fen v : b.balance) total += v;
  return total;
}

AuditReport Ledger::audit() const {
  AuditReport report;
  auto problem = [&](std::string text) {
    if (report.problems.size() < 20) report.problems.push_back(std::move(text));
  };
  // Balance sheets: assets − liabilities per agent, accumulated exactly.
  std::vector<std::vector<Int128>> financial(agent_kind_count);
  for (std::size_t k = 0; k < agent_kind_count; ++k) financial[k].assign(net_worth_[k].size(), 0);
  Int128 clearing_sum = 0;
  for (const Book& b : books_) {
    auto& holders = financial[static_cast<std::size_t>(b.holder_kind)];
    auto& issuers = financial[static_cast<std::size_t>(b.issuer_kind)];
    for (std::size_t r = 0; r < b.rows(); ++r) {
      const Fen v = b.balance[r];
      if (b.overdraft == Overdraft::never && v < 0)
        problem("book " + b.name + " row " + std::to_string(r) + " is negative: " + std::to_string(v));
      if (b.overdraft == Overdraft::to_limit && v < -b.limit[r])
        problem("book " + b.name + " row " + std::to_string(r) + " is beyond its limit");
      const std::uint32_t h = b.holder.of(r), i = b.issuer.of(r);
      if (h >= holders.size() || i >= issuers.size()) {
        problem("book " + b.name + " row " + std::to_string(r) + " names an agent that does not exist");
        continue;
      }
      holders[h] += v;
      issuers[i] -= v;
    }
    if (b.instrument == Instrument::clearing)
      for (const Fen v : b.balance) clearing_sum += v;
  }
  Int128 net_worth_sum = 0;
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    for (std::size_t a = 0; a < net_worth_[k].size(); ++a) {
      net_worth_sum += net_worth_[k][a];
      if (financial[k][a] != net_worth_[k][a])
        problem(std::string(agent_kind_name(static_cast<AgentKind>(k))) + " " + std::to_string(a) +
                ": assets − liabilities = " + to_string(financial[k][a]) + " fen but net worth = " +
                std::to_string(net_worth_[k][a]) + " fen");
    }
  }
  if (clearing_sum != 0) problem("clearing positions sum to " + to_string(clearing_sum) + " fen, not 0");
  const Int128 money = money_stock();
  const Int128 expected = money_created_ - money_destroyed_;
  if (money != expected)
    problem("money stock " + to_string(money) + " fen ≠ created − destroyed = " + to_string(expected) + " fen");
  if (net_worth_sum != 0) problem("net worth sums to " + to_string(net_worth_sum) + " fen, not 0");
  return report;
}

bool Journal::debit_own(Ledger& ledger, Account from, Fen amount, Flow flow) {
  Book& b = ledger.book(from.book);
  const Fen after = checked_sub(b.balance[from.row], amount);
  if (b.overdraft == Overdraft::never && after < 0) return false;
  if (b.overdraft == Overdraft::to_limit && after < -b.limit[from.row]) return false;
  b.balance[from.row] = after;
  const std::uint32_t bank = b.issuer.of(from.row);
  clearing_[bank] = checked_sub(clearing_[bank], amount);
  if (b.is_money()) money_delta_ = checked_sub(money_delta_, amount);
  if (flow == Flow::income) {
    Fen& nw = ledger.net_worth(b.holder_kind)[b.holder.of(from.row)];
    nw = checked_sub(nw, amount);
  }
  return true;
}

void Journal::credit_own(Ledger& ledger, Account to, Fen amount, Flow flow) {
  Book& b = ledger.book(to.book);
  b.balance[to.row] = checked_add(b.balance[to.row], amount);
  const std::uint32_t bank = b.issuer.of(to.row);
  clearing_[bank] = checked_add(clearing_[bank], amount);
  if (b.is_money()) money_delta_ = checked_add(money_delta_, amount);
  if (flow == Flow::income) {
    Fen& nw = ledger.net_worth(b.holder_kind)[b.holder.of(to.row)];
    nw = checked_add(nw, amount);
  }
}

void Journal::credit(const Ledger& ledger, Account to, Fen amount, Flow flow) {
  const Book& b = ledger.book(to.book);
  const std::uint32_t bank = b.issuer.of(to.row);
  clearing_[bank] = checked_add(clearing_[bank], amount);
  if (b.is_money()) money_delta_ = checked_add(money_delta_, amount);
  credits_.push_back(Credit{to, amount, flow});
}

void merge(Ledger& ledger, std::span<Journal> journals) {
  for (const Journal& j : journals) {
    for (const Journal::Credit& c : j.credits()) {
      Book& b = ledger.book(c.to.book);
      b.balance[c.to.row] = checked_add(b.balance[c.to.row], c.amount);
      if (c.flow == Flow::income) {
        Fen& nw = ledger.net_worth(b.holder_kind)[b.holder.of(c.to.row)];
        nw = checked_add(nw, c.amount);
      }
    }
    ledger.count_money(j.money_delta());
    const auto clearing = j.clearing();
    for (std::size_t bank = 0; bank < clearing.size(); ++bank)
      if (clearing[bank] != 0) ledger.add_clearing(static_cast<std::uint32_t>(bank), clearing[bank]);
  }
}

}  // namespace pfsim
