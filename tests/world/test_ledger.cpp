// world/ledger: double entry, overdraft rules, clearing and settlement, and an
// audit that catches every way a balance could drift.
#include <doctest/doctest.h>

#include <limits>

#include "world/ledger.hpp"

using namespace pfsim;

namespace {

// Two banks, three consumers (0 and 1 at bank 0, 2 at bank 1), CB, government.
struct Fixture {
  Ledger L;
  BookId deposit = 0, line = 0;
  Fixture() {
    L.set_agent_count(AgentKind::consumer, 3);
    L.set_agent_count(AgentKind::bank, 2);
    L.set_agent_count(AgentKind::central_bank, 1);
    L.set_agent_count(AgentKind::government, 1);
    Book d;
    d.name = "consumer.deposit";
    d.instrument = Instrument::deposit;
    d.holder_kind = AgentKind::consumer;
    d.issuer_kind = AgentKind::bank;
    d.balance.assign(3, 0);
    d.issuer.mode = RowOwner::Mode::column;
    d.issuer.column = {0, 0, 1};
    deposit = L.add_book(d);
    Book c = d;
    c.name = "consumer.credit_line";
    c.instrument = Instrument::credit_line;
    c.overdraft = Overdraft::to_limit;
    c.limit = {500, 0, 0};
    line = L.add_book(c);
    auto bank_book = [&](const char* name, Instrument ins, AgentKind issuer, Overdraft od) {
      Book b;
      b.name = name;
      b.instrument = ins;
      b.holder_kind = AgentKind::bank;
      b.issuer_kind = issuer;
      b.overdraft = od;
      b.balance.assign(2, 0);
      b.issuer.mode = RowOwner::Mode::fixed;
      return L.add_book(b);
    };
    L.reserves_book = bank_book("bank.reserves", Instrument::reserves, AgentKind::central_bank, Overdraft::never);
    L.clearing_book = bank_book("bank.clearing", Instrument::clearing, AgentKind::central_bank, Overdraft::unrestricted);
    L.bank_bond_book = bank_book("bank.bonds", Instrument::government_bond, AgentKind::government, Overdraft::never);
    Book cbb;
    cbb.name = "cb.bonds";
    cbb.instrument = Instrument::government_bond;
    cbb.holder_kind = AgentKind::central_bank;
    cbb.issuer_kind = AgentKind::government;
    cbb.holder.mode = RowOwner::Mode::fixed;
    cbb.issuer.mode = RowOwner::Mode::fixed;
    cbb.balance.assign(1, 0);
    L.cb_bond_book = L.add_book(cbb);
    Book loans;
    loans.name = "cb.loans";
    loans.instrument = Instrument::central_bank_loan;
    loans.holder_kind = AgentKind::central_bank;
    loans.issuer_kind = AgentKind::bank;
    loans.holder.mode = RowOwner::Mode::fixed;
    loans.balance.assign(2, 0);
    L.cb_loan_book = L.add_book(loans);
    L.government_pays({deposit, 0}, 1000);
    L.government_pays({deposit, 1}, 1000);
    L.government_pays({deposit, 2}, 1000);
  }
};

}  // namespace

TEST_CASE("a fresh ledger built through primitives passes the audit") {
  Fixture f;
  CHECK(f.L.audit().ok());
  CHECK(f.L.money_stock() == 3000);
  CHECK(f.L.money_created() == 3000);
  CHECK(f.L.net_worth(AgentKind::government)[0] == -3000);
}

TEST_CASE("a transfer debits one account and credits another in one operation") {
  Fixture f;
  REQUIRE(f.L.transfer({f.deposit, 0}, {f.deposit, 1}, 300, Flow::income));
  CHECK(f.L.book(f.deposit).balance[0] == 700);
  CHECK(f.L.book(f.deposit).balance[1] == 1300);
  CHECK(f.L.net_worth(AgentKind::consumer)[0] == 700);
  CHECK(f.L.net_worth(AgentKind::consumer)[1] == 1300);
  // Same bank: no clearing.
  CHECK(f.L.book(f.L.clearing_book).balance[0] == 0);
  CHECK(f.L.audit().ok());
}

TEST_CASE("a deposit cannot go negative; nothing changes when funds are short") {
  Fixture f;
  CHECK_FALSE(f.L.transfer({f.deposit, 0}, {f.deposit, 2}, 1001, Flow::income));
  CHECK(f.L.book(f.deposit).balance[0] == 1000);
  CHECK(f.L.book(f.deposit).balance[2] == 1000);
  CHECK(f.L.audit().ok());
}

TEST_CASE("payments across banks open clearing positions; settlement turns them into reserves") {
  Fixture f;
  f.L.central_bank_buys_bonds(0, 100);
  f.L.central_bank_buys_bonds(1, 100);
  REQUIRE(f.L.transfer({f.deposit, 0}, {f.deposit, 2}, 250, Flow::income));
  CHECK(f.L.book(f.L.clearing_book).balance[0] == -250);
  CHECK(f.L.book(f.L.clearing_book).balance[1] == 250);
  CHECK(f.L.audit().ok());
  f.L.settle_clearing();
  CHECK(f.L.book(f.L.clearing_book).balance[0] == 0);
  // Bank 0 had 100 in reserves and owed 250: it borrows 150 overnight.
  CHECK(f.L.book(f.L.reserves_book).balance[0] == 0);
  CHECK(f.L.book(f.L.cb_loan_book).balance[0] == 150);
  CHECK(f.L.book(f.L.reserves_book).balance[1] == 350);
  CHECK(f.L.audit().ok());
  f.L.bank_repays_central_bank(0, 0);
  CHECK_THROWS_AS(f.L.bank_repays_central_bank(0, 1), InternalError);  // no reserves to repay with
}

TEST_CASE("a credit line may go negative down to its limit") {
  Fixture f;
  // Row 0 of the credit-line book may go to −500 (its holder then owes the bank).
  CHECK(f.L.transfer({f.line, 0}, {f.deposit, 1}, 400, Flow::income));
  CHECK(f.L.book(f.line).balance[0] == -400);
  CHECK(f.L.money_stock() == 3400);  // spending on credit creates a deposit
  CHECK(f.L.transfer({f.line, 0}, {f.deposit, 1}, 100, Flow::income));
  CHECK_FALSE(f.L.transfer({f.line, 0}, {f.deposit, 1}, 1, Flow::income));
  CHECK_FALSE(f.L.transfer({f.line, 1}, {f.deposit, 0}, 1, Flow::income));  // limit 0
  CHECK(f.L.audit().ok());
}

TEST_CASE("a bank paying into a deposit creates money; the counters say so") {
  Fixture f;
  f.L.bank_pays(1, {f.deposit, 0}, 40);  // e.g. interest, paid across banks
  CHECK(f.L.money_stock() == 3040);
  CHECK(f.L.money_created() == 3040);
  CHECK(f.L.net_worth(AgentKind::bank)[1] == -40);  // the fixture banks start with no capital
  CHECK(f.L.audit().ok());
}

TEST_CASE("the audit catches a balance changed behind the ledger's back") {
  Fixture f;
  f.L.book(f.deposit).balance[1] += 1;  // one fen from nowhere
  const AuditReport r = f.L.audit();
  REQUIRE_FALSE(r.ok());
  bool net_worth_problem = false, money_problem = false;
  for (const std::string& p : r.problems) {
    net_worth_problem |= p.find("consumer 1") != std::string::npos;
    money_problem |= p.find("money stock") != std::string::npos;
  }
  CHECK(net_worth_problem);
  CHECK(money_problem);
}

TEST_CASE("the audit catches a misclassified flow and a broken overdraft rule") {
  Fixture f;
  f.L.net_worth(AgentKind::consumer)[2] -= 5;  // an income flow booked on one side only
  CHECK_FALSE(f.L.audit().ok());
  Fixture g;
  g.L.book(g.deposit).balance[0] = -1;
  g.L.book(g.deposit).balance[1] += 1001;  // keep money and net worth sums equal
  g.L.net_worth(AgentKind::consumer)[0] = -1;
  g.L.net_worth(AgentKind::consumer)[1] += 1001;
  const AuditReport r = g.L.audit();
  REQUIRE_FALSE(r.ok());
  CHECK(r.problems.front().find("negative") != std::string::npos);
}

TEST_CASE("overflow is an error, never undefined behaviour") {
  Fixture f;
  const Fen max = std::numeric_limits<Fen>::max();
  // The first posting that would overflow throws before anything changes.
  CHECK_THROWS_AS(f.L.government_pays({f.deposit, 2}, max), OverflowError);
  CHECK(f.L.book(f.deposit).balance[2] == 1000);
  CHECK_THROWS_AS(f.L.transfer({f.deposit, 2}, {f.deposit, 0}, -1, Flow::income), InternalError);
  CHECK(f.L.audit().ok());
}

TEST_CASE("journals merge to the same state whatever order chunks ran in") {
  Fixture a, b;
  Journal j1, j2;
  auto fill = [](Fixture& f, Journal& x, Journal& y) {
    x.reset(2);
    y.reset(2);
    REQUIRE(x.debit_own(f.L, {f.deposit, 0}, 100, Flow::income));
    x.credit(f.L, {f.deposit, 2}, 100, Flow::income);
    REQUIRE(y.debit_own(f.L, {f.deposit, 2}, 30, Flow::income));
    y.credit(f.L, {f.deposit, 1}, 30, Flow::income);
  };
  fill(a, j1, j2);
  std::vector<Journal> ab{j1, j2};
  merge(a.L, ab);
  Journal k1, k2;
  fill(b, k1, k2);
  std::vector<Journal> ba{k2, k1};
  merge(b.L, ba);
  CHECK(a.L.audit().ok());
  CHECK(b.L.audit().ok());
  for (std::size_t book = 0; book < a.L.book_count(); ++book)
    CHECK(a.L.book(static_cast<BookId>(book)).balance == b.L.book(static_cast<BookId>(book)).balance);
  CHECK(a.L.book(a.deposit).balance[2] == 1070);
}
