// world/ledger: double entry, overdraft rules, clearing and settlement, and an
// audit that catches every way a balance could drift.
#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "exec/parallel.hpp"
#include "world/ledger.hpp"
#include "world/sfc.hpp"

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
      b.row_kind = AgentKind::bank;
      b.balance.assign(2, 0);
      b.issuer.mode = RowOwner::Mode::fixed;
      return L.add_book(b);
    };
    L.reserves_book =
        bank_book("bank.reserves", Instrument::reserves, AgentKind::central_bank, Overdraft::never);
    L.clearing_book = bank_book("bank.clearing", Instrument::clearing, AgentKind::central_bank,
                                Overdraft::unrestricted);
    L.bank_bond_book = bank_book("bank.bonds", Instrument::government_bond, AgentKind::government,
                                 Overdraft::never);
    Book cbb;
    cbb.name = "cb.bonds";
    cbb.instrument = Instrument::government_bond;
    cbb.row_kind = AgentKind::central_bank;
    cbb.holder_kind = AgentKind::central_bank;
    cbb.issuer_kind = AgentKind::government;
    cbb.holder.mode = RowOwner::Mode::fixed;
    cbb.issuer.mode = RowOwner::Mode::fixed;
    cbb.balance.assign(1, 0);
    L.cb_bond_book = L.add_book(cbb);
    Book loans;
    loans.name = "cb.loans";
    loans.instrument = Instrument::central_bank_loan;
    loans.row_kind = AgentKind::bank;
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

// Audits at 1 and at 2 threads; both must fail with the same problems, in the
// same order. Returns them.
std::vector<std::string> failed_audit_at_1_and_2_threads(const Ledger& L) {
  std::vector<std::string> one;
  for (const int threads : {1, 2}) {
    const exec::ThreadLimit limit(threads);
    const AuditReport r = L.audit();
    REQUIRE_FALSE(r.ok());
    if (threads == 1) one = r.problems;
    CHECK(r.problems == one);
  }
  return one;
}

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
  REQUIRE(f.L.transfer({f.deposit, 0}, {f.deposit, 1}, 300, FlowType::consumption));
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
  CHECK_FALSE(f.L.transfer({f.deposit, 0}, {f.deposit, 2}, 1001, FlowType::consumption));
  CHECK(f.L.book(f.deposit).balance[0] == 1000);
  CHECK(f.L.book(f.deposit).balance[2] == 1000);
  CHECK(f.L.audit().ok());
}

TEST_CASE("payments across banks open clearing positions; settlement turns them into reserves") {
  Fixture f;
  f.L.central_bank_buys_bonds(0, 100);
  f.L.central_bank_buys_bonds(1, 100);
  REQUIRE(f.L.transfer({f.deposit, 0}, {f.deposit, 2}, 250, FlowType::consumption));
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
  CHECK(f.L.transfer({f.line, 0}, {f.deposit, 1}, 400, FlowType::consumption));
  CHECK(f.L.book(f.line).balance[0] == -400);
  CHECK(f.L.money_stock() == 3400);  // spending on credit creates a deposit
  CHECK(f.L.transfer({f.line, 0}, {f.deposit, 1}, 100, FlowType::consumption));
  CHECK_FALSE(f.L.transfer({f.line, 0}, {f.deposit, 1}, 1, FlowType::consumption));
  CHECK_FALSE(f.L.transfer({f.line, 1}, {f.deposit, 0}, 1, FlowType::consumption));  // limit 0
  CHECK(f.L.audit().ok());
}

TEST_CASE("a bank paying into a deposit creates money; the counters say so") {
  Fixture f;
  f.L.bank_pays(1, {f.deposit, 0}, 40,
                FlowType::interest_deposits);  // e.g. interest, paid across banks
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
  CHECK(r.problems.front().find("breaks its overdraft rule") != std::string::npos);
}

TEST_CASE("the parallel audit reports what a serial scan would, at any thread count") {
  // 20,000 consumers (five chunks) with deposits at three banks; drift planted
  // in rows of several chunks, on both sides of the books.
  const std::size_t n = 20000;
  Ledger L;
  L.set_agent_count(AgentKind::consumer, n);
  L.set_agent_count(AgentKind::bank, 3);
  Book d;
  d.name = "consumer.deposit";
  d.instrument = Instrument::deposit;
  d.holder_kind = AgentKind::consumer;
  d.issuer_kind = AgentKind::bank;
  d.balance.assign(n, 100);
  d.issuer.mode = RowOwner::Mode::column;
  std::vector<std::uint32_t> banks(n);
  for (std::size_t r = 0; r < n; ++r) banks[r] = static_cast<std::uint32_t>(r % 3);
  d.issuer.column.assign(std::move(banks));
  const BookId deposit = L.add_book(d);
  for (std::size_t r = 0; r < n; ++r) L.net_worth(AgentKind::consumer)[r] = 100;
  for (std::uint32_t b = 0; b < 3; ++b) {
    const auto held = static_cast<Fen>((n + 2 - b) / 3);
    L.net_worth(AgentKind::bank)[b] = -100 * held;
  }
  L.restore_money_counters(static_cast<Int128>(n) * 100, 0);
  CHECK(L.audit().ok());
  for (const std::size_t r : {19999u, 5u, 9000u, 4096u, 13000u}) L.book(deposit).balance[r] += 7;
  L.book(deposit).balance[12288] = -3;  // an overdraft, and its bank's sheet off
  const std::vector<std::string> serial_order = failed_audit_at_1_and_2_threads(L);
  // Rows in order: the overdraft first (the books are scanned before the sheets),
  // then the consumers' sheets by row, then the banks'.
  REQUIRE(serial_order.size() >= 8);
  CHECK(serial_order[0].find("row 12288 breaks its overdraft rule") != std::string::npos);
  const char* rows[] = {"consumer 5:",     "consumer 4096:",  "consumer 9000:",
                        "consumer 12288:", "consumer 13000:", "consumer 19999:"};
  for (std::size_t k = 0; k < std::size(rows); ++k)
    CHECK(serial_order[1 + k].find(rows[k]) != std::string::npos);
  CHECK(serial_order[7].find("bank ") != std::string::npos);
}

TEST_CASE("owner columns are 16-bit while every owner fits; a larger owner widens them") {
  OwnerColumn c{3, 0, 65535};
  CHECK_FALSE(c.is_wide());
  CHECK(c.narrow().size() == 3);
  CHECK(c[2] == 65535);
  c.set(0, 7);
  CHECK(c[0] == 7);
  CHECK_FALSE(c.is_wide());
  c.set(1, 65536);  // widens: every other row keeps its owner
  REQUIRE(c.is_wide());
  CHECK(c.narrow().empty());
  CHECK(c.size() == 3);
  CHECK(c[0] == 7);
  CHECK(c[1] == 65536);
  CHECK(c[2] == 65535);
  CHECK(OwnerColumn(std::vector<std::uint32_t>{1, 70000}).is_wide());

  // The audit reads either width and finds drift in both (a bank with index
  // 70,000 makes the column wide).
  for (const std::uint32_t last_bank : {2u, 70000u}) {
    CAPTURE(last_bank);
    Ledger L;
    L.set_agent_count(AgentKind::consumer, 3);
    L.set_agent_count(AgentKind::bank, last_bank + 1);
    Book d;
    d.name = "consumer.deposit";
    d.instrument = Instrument::deposit;
    d.holder_kind = AgentKind::consumer;
    d.issuer_kind = AgentKind::bank;
    d.balance = {100, 200, 300};
    d.issuer.mode = RowOwner::Mode::column;
    d.issuer.column = {0, 1, last_bank};
    CHECK(d.issuer.column.is_wide() == (last_bank > OwnerColumn::narrow_max));
    const BookId deposit = L.add_book(d);
    for (std::size_t r = 0; r < 3; ++r) {
      L.net_worth(AgentKind::consumer)[r] = d.balance[r];
      L.net_worth(AgentKind::bank)[d.issuer.of(r)] = -d.balance[r];
    }
    L.restore_money_counters(600, 0);
    CHECK(L.audit().ok());
    L.book(deposit).issuer.column.set(2,
                                      1);  // the deposit moved to bank 1 behind the ledger's back
    const AuditReport r = L.audit();
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems.size() == 2);  // bank 1's sheet and the last bank's
  }
}

namespace {

// A ledger of several layouts: books owned by their row on one side and by a
// column or a fixed agent on the other, and (optionally) a book whose owner
// column names agents of a large kind, which makes that kind summed per agent
// rather than in its own pass. Net worths are set from a naive reference sum.
struct Layouts {
  Ledger L;
  std::vector<BookId> books;
  Layouts(bool large_owner_column) {
    const std::size_t consumers = 9000, smes = 5000;
    L.set_agent_count(AgentKind::consumer, consumers);
    L.set_agent_count(AgentKind::sme, smes);
    L.set_agent_count(AgentKind::bank, 3);
    L.set_agent_count(AgentKind::platform, 1);
    auto book = [&](const char* name, Instrument ins, AgentKind row, AgentKind holder,
                    AgentKind issuer, bool holder_by_row, std::size_t rows) {
      Book b;
      b.name = name;
      b.instrument = ins;
      b.row_kind = row;
      b.holder_kind = holder;
      b.issuer_kind = issuer;
      RowOwner& other = holder_by_row ? b.issuer : b.holder;
      const std::size_t owners = L.agent_count(holder_by_row ? issuer : holder);
      other.mode = owners == 1 ? RowOwner::Mode::fixed : RowOwner::Mode::column;
      std::vector<std::uint32_t> column;
      for (std::size_t r = 0; owners > 1 && r < rows; ++r)
        column.push_back(static_cast<std::uint32_t>((r * 7919) % owners));
      other.column.assign(std::move(column));
      for (std::size_t r = 0; r < rows; ++r)
        b.balance.push_back(static_cast<Fen>(1 + (r * 2654435761u) % 100000));
      books.push_back(L.add_book(b));
    };
    using K = AgentKind;
    using I = Instrument;
    book("consumer.deposit", I::deposit, K::consumer, K::consumer, K::bank, true, consumers);
    book("consumer.loan", I::loan, K::consumer, K::platform, K::consumer, false, consumers);
    book("sme.deposit", I::deposit, K::sme, K::sme, K::bank, true, smes);
    book("platform.deposit", I::deposit, K::platform, K::platform, K::bank, true, 1);
    if (large_owner_column)  // trade credit from SMEs to consumers, owners in a column
      book("sme.trade_credit", I::loan, K::sme, K::consumer, K::sme, false, smes);
    // Net worth from a naive sum; money from the deposits.
    Int128 money = 0;
    for (std::size_t n = 0; n < L.book_count(); ++n) {
      const Book& b = L.book(static_cast<BookId>(n));
      for (std::size_t r = 0; r < b.rows(); ++r) {
        L.net_worth(b.holder_kind)[b.holder.of(r)] += b.balance[r];
        L.net_worth(b.issuer_kind)[b.issuer.of(r)] -= b.balance[r];
        if (b.is_money()) money += b.balance[r];
      }
    }
    L.restore_money_counters(money, 0);
  }
};

}  // namespace

TEST_CASE("the audit finds drift in every book layout, the same at any thread count") {
  for (const bool large_owner_column : {false, true}) {
    Layouts base(large_owner_column);
    CHECK(base.L.audit().ok());
    for (const BookId book : base.books) {
      const std::size_t rows = base.L.book(book).rows();
      for (const std::size_t row : {std::size_t{0}, rows / 2, rows - 1}) {
        CAPTURE(large_owner_column);
        CAPTURE(base.L.book(book).name);
        CAPTURE(row);
        Layouts f(large_owner_column);
        Book& b = f.L.book(book);
        b.balance[row] += 3;  // drift: both owners' sheets are off by 3
        const std::string holder = std::string(agent_kind_name(b.holder_kind)) + " " +
                                   std::to_string(b.holder.of(row)) + ":";
        const std::string issuer = std::string(agent_kind_name(b.issuer_kind)) + " " +
                                   std::to_string(b.issuer.of(row)) + ":";
        const std::vector<std::string> one = failed_audit_at_1_and_2_threads(f.L);
        auto names = [&](const std::string& who) {
          for (const std::string& p : one)
            if (p.rfind(who, 0) == 0) return true;
          return false;
        };
        CHECK(names(holder));
        CHECK(names(issuer));
        CHECK(names("net worth sums") == false);  // both sides moved: the sum still holds
        CHECK(names("money stock") == b.is_money());
      }
    }
    // A broken overdraft rule is reported before any sheet, naming the row.
    Layouts g(large_owner_column);
    g.L.book(g.books[0]).balance[4100] = -5;
    const AuditReport r = g.L.audit();
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems.front().find("consumer.deposit row 4100 breaks its overdraft rule") !=
          std::string::npos);
  }
}

TEST_CASE("the audit's sums are every book's total, every kind's net worth and the money stock") {
  // The stock-flow check and the indicators after the end-of-step audit read
  // these instead of every row again, so they must be the rows' sums also when
  // a row drifted.
  for (const bool large_owner_column : {false, true}) {
    CAPTURE(large_owner_column);
    Layouts f(large_owner_column);
    f.L.book(f.books[0]).balance[4100] += 7;
    f.L.net_worth(AgentKind::bank)[1] -= 2;
    for (const int threads : {1, 2}) {
      CAPTURE(threads);
      const exec::ThreadLimit limit(threads);
      const AuditReport r = f.L.audit();
      REQUIRE(r.book_totals.size() == f.L.book_count());
      for (std::size_t id = 0; id < f.L.book_count(); ++id) {
        Int128 total = 0;
        for (const Fen v : f.L.book(static_cast<BookId>(id)).balance) total += v;
        CHECK(r.book_totals[id] == total);
      }
      for (std::size_t k = 0; k < agent_kind_count; ++k) {
        Int128 total = 0;
        for (const Fen v : f.L.net_worth(static_cast<AgentKind>(k))) total += v;
        CHECK(r.net_worth_by_kind[k] == total);
      }
      CHECK(r.money_stock == f.L.money_stock());
    }
  }
}

TEST_CASE("balances too large for the audit's 64-bit fast sums are audited exactly") {
  // |balance| ≥ 2^50 sends a chunk to the 128-bit path: the same answers.
  Fixture f;
  const Fen big = Fen{1} << 61;
  f.L.government_pays({f.deposit, 0}, big);
  f.L.government_pays({f.deposit, 1}, big);  // bank 0 owes both: 2^62 + 2,000 fen
  for (const int threads : {1, 2}) {
    const exec::ThreadLimit limit(threads);
    const AuditReport r = f.L.audit();
    CHECK(r.ok());
    CHECK(r.book_totals[f.deposit] == Int128{big} * 2 + 3000);
    CHECK(r.net_worth_by_kind[static_cast<std::size_t>(AgentKind::bank)] == 0);
    CHECK(r.money_stock == f.L.money_stock());
    CHECK(r.money_stock > Int128{big} * 2);
  }
  f.L.book(f.deposit).balance[1] += 1;
  const std::vector<std::string> problems = failed_audit_at_1_and_2_threads(f.L);
  REQUIRE(problems.size() >= 2);
  CHECK(problems[0].rfind("consumer 1:", 0) == 0);
}

TEST_CASE("the stock-flow check from the audit's sums says what a fresh pass says") {
  Fixture f;
  f.L.reset_flows();  // a new step starts here
  const SectorTotals start = sector_net_worth(f.L);
  auto both = [&] {
    const std::vector<std::string> fresh = check_stock_flow(f.L, start);
    CHECK(check_stock_flow(f.L, start, f.L.audit()) == fresh);
    return fresh;
  };
  CHECK(both().empty());
  REQUIRE(f.L.transfer({f.deposit, 0}, {f.deposit, 2}, 300, FlowType::consumption));
  CHECK(both().empty());
  // Net worth moved with no flow to explain it: both sectors' columns and flows
  // are off, and both checks say so.
  f.L.net_worth(AgentKind::consumer)[1] += 5;
  f.L.net_worth(AgentKind::bank)[0] -= 5;
  const std::vector<std::string> unexplained = both();
  CHECK(unexplained.size() == 4);
  CHECK(unexplained[0] == "balance-sheet column of consumer does not equal its net worth");
  CHECK(unexplained[1] == "flows of consumer this step do not explain the change in its net worth");
  // A balance with no sheet behind it (net worth restored).
  f.L.net_worth(AgentKind::consumer)[1] -= 5;
  f.L.net_worth(AgentKind::bank)[0] += 5;
  f.L.book(f.deposit).balance[2] += 9;
  const std::vector<std::string> drift = both();
  CHECK(drift.size() == 2);
  CHECK(drift[0] == "balance-sheet column of consumer does not equal its net worth");
  // A report of another ledger is refused, not misread.
  Fixture other;
  other.L.add_book(Book{});
  CHECK_THROWS_AS((void)check_stock_flow(f.L, start, other.L.audit()), InternalError);
}

TEST_CASE("the audit's quick checks hand every problem to the row-by-row report") {
  // A row-owned book read in its kind's pass: a limit broken in one row (and
  // kept in another), an owner column naming a bank that does not exist. The
  // report names exactly those rows, in order, at any thread count.
  Layouts f(false);
  Book& b = f.L.book(f.books[0]);  // consumer.deposit: issuer bank in a column
  b.overdraft = Overdraft::to_limit;
  b.limit.assign(b.rows(), 10);
  b.balance[100] = -5;           // within its limit
  b.balance[6000] = -20;         // beyond it
  b.issuer.column.set(5000, 7);  // bank 7 of 3
  const std::vector<std::string> one = failed_audit_at_1_and_2_threads(f.L);
  REQUIRE(one.size() >= 2);
  CHECK(one[0].find("consumer.deposit row 6000 breaks its overdraft rule: -20") !=
        std::string::npos);
  CHECK(one[1].find("consumer.deposit row 5000 names an agent that does not exist") !=
        std::string::npos);
  for (std::size_t k = 2; k < one.size(); ++k) {
    CAPTURE(one[k]);
    CHECK(one[k].find("breaks its overdraft rule") == std::string::npos);
    CHECK(one[k].find("does not exist") == std::string::npos);
  }
}

TEST_CASE("a journal merged in parts gives merge()'s balances, in any order of the parts") {
  // Postings to rows in several merge blocks, several to one row; merged
  // whole, and part by part in either order.
  auto run = [](int how) {
    Layouts f(false);
    Journal j;
    j.reset(f.L, AgentKind::sme, 0, 1);  // owns SME 0 only
    for (std::uint32_t k = 0; k < 4000; ++k) {
      const std::uint32_t c = (k * 2654435761u) % 9000;
      j.post({f.books[0], c}, static_cast<Fen>(k % 97) - 40);
      j.post_net_worth(AgentKind::consumer, c, static_cast<Fen>(k % 97) - 40);
    }
    if (how == 0) {
      merge(f.L, j);
    } else {
      for (std::size_t p = 0; p < merge_parts; ++p)
        merge_part(f.L, j, how == 1 ? p : merge_parts - 1 - p);
      merge_totals(f.L, j);
    }
    return std::pair{f.L.book(f.books[0]).balance, f.L.net_worth(AgentKind::consumer)};
  };
  const auto whole = run(0);
  CHECK(run(1) == whole);
  CHECK(run(2) == whole);
  CHECK(whole.first != Layouts(false).L.book(0).balance);  // the postings did land
}

TEST_CASE("overflow is an error, never undefined behaviour") {
  Fixture f;
  const Fen max = std::numeric_limits<Fen>::max();
  // The first posting that would overflow throws before anything changes.
  CHECK_THROWS_AS(f.L.government_pays({f.deposit, 2}, max), OverflowError);
  CHECK(f.L.book(f.deposit).balance[2] == 1000);
  CHECK_THROWS_AS(f.L.transfer({f.deposit, 2}, {f.deposit, 0}, -1, FlowType::consumption),
                  InternalError);
  CHECK(f.L.audit().ok());
}

TEST_CASE("journals: own rows at once, others queued; merge order does not matter") {
  Fixture a, b;
  auto fill = [](Fixture& f, std::vector<Journal>& js) {
    js.resize(2);
    js[0].reset(f.L, AgentKind::consumer, 0, 1);  // owns consumer 0
    js[1].reset(f.L, AgentKind::consumer, 2, 3);  // owns consumer 2
    REQUIRE(ops::transfer(js[0], {f.deposit, 0}, {f.deposit, 2}, 100, FlowType::consumption));
    REQUIRE(ops::transfer(js[1], {f.deposit, 2}, {f.deposit, 1}, 30, FlowType::consumption));
    // Own rows moved at once; the payees' credits wait for the merge.
    CHECK(f.L.book(f.deposit).balance[0] == 900);
    CHECK(f.L.book(f.deposit).balance[2] == 970);
    CHECK(f.L.book(f.deposit).balance[1] == 1000);
    // Reading another chunk's row is refused: it may be changing.
    CHECK_THROWS_AS((void)js[0].balance({f.deposit, 2}), InternalError);
  };
  std::vector<Journal> ja, jb;
  fill(a, ja);
  fill(b, jb);
  merge(a.L, ja);
  std::swap(jb[0], jb[1]);
  merge(b.L, jb);
  CHECK(a.L.audit().ok());
  CHECK(b.L.audit().ok());
  for (std::size_t book = 0; book < a.L.book_count(); ++book)
    CHECK(a.L.book(static_cast<BookId>(book)).balance ==
          b.L.book(static_cast<BookId>(book)).balance);
  CHECK(a.L.book(a.deposit).balance[2] == 1070);
  CHECK(a.L.book(a.deposit).balance[1] == 1030);
}

TEST_CASE("a journal sums postings to small kinds' rows and net worth; the merge gives the same") {
  // Consumers pay into a platform's deposit (a book of platform rows) and are
  // paid by and pay their banks (the banks' net worth): a chunk of consumers
  // sums these per row and agent instead of queueing one posting each. The
  // result equals the same operations applied one by one to a ledger.
  auto with_platform = [](Fixture& f) {
    f.L.set_agent_count(AgentKind::platform, 1);
    Book p;
    p.name = "platform.deposit";
    p.instrument = Instrument::deposit;
    p.row_kind = AgentKind::platform;
    p.holder_kind = AgentKind::platform;
    p.issuer_kind = AgentKind::bank;
    p.balance.assign(1, 0);
    p.issuer.mode = RowOwner::Mode::fixed;
    p.issuer.fixed = 1;
    return f.L.add_book(p);
  };
  Fixture a, b;
  const BookId platform_a = with_platform(a), platform_b = with_platform(b);
  auto operations = [](auto& poster, Fixture& f, BookId platform, std::uint32_t c) {
    for (int k = 1; k <= 3; ++k) {
      REQUIRE(ops::transfer(poster, {f.deposit, c}, {platform, 0}, 10 * k, FlowType::payment_fees));
      ops::bank_pays(poster, 1, {f.deposit, c}, 7 * k, FlowType::interest_deposits);
      REQUIRE(ops::pays_bank(poster, {f.deposit, c}, 0, 3 * k, FlowType::interest_loans));
    }
  };
  std::vector<Journal> js(3);
  for (std::uint32_t c = 0; c < 3; ++c) {
    js[c].reset(a.L, AgentKind::consumer, c, c + 1);
    operations(js[c], a, platform_a, c);
  }
  // Nothing of the platform's or the banks' has moved before the merge.
  CHECK(a.L.book(platform_a).balance[0] == 0);
  CHECK(a.L.net_worth(AgentKind::bank)[1] == b.L.net_worth(AgentKind::bank)[1]);
  merge(a.L, js);
  for (std::uint32_t c = 0; c < 3; ++c) operations(b.L, b, platform_b, c);
  CHECK(a.L.audit().ok());
  CHECK(b.L.audit().ok());
  for (std::size_t book = 0; book < a.L.book_count(); ++book)
    CHECK(a.L.book(static_cast<BookId>(book)).balance ==
          b.L.book(static_cast<BookId>(book)).balance);
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    CHECK(a.L.net_worth(static_cast<AgentKind>(k)) == b.L.net_worth(static_cast<AgentKind>(k)));
  CHECK(a.L.book(platform_a).balance[0] == 180);
  CHECK(a.L.net_worth(AgentKind::bank)[1] == -126);
}

TEST_CASE("lending by a bank creates money; repaying destroys it; write-offs move net worth") {
  Fixture f;
  Book loans;
  loans.name = "consumer.loan";
  loans.instrument = Instrument::loan;
  loans.row_kind = AgentKind::consumer;
  loans.holder_kind = AgentKind::bank;
  loans.issuer_kind = AgentKind::consumer;
  loans.holder.mode = RowOwner::Mode::column;
  loans.holder.column = {1, 1, 1};  // bank 1 lends to everyone
  loans.balance.assign(3, 0);
  const BookId lb = f.L.add_book(loans);
  REQUIRE(ops::lend(f.L, {lb, 0}, {f.deposit, 0}, 500));
  CHECK(f.L.money_stock() == 3500);
  CHECK(f.L.book(f.L.clearing_book).balance[1] == -500);  // consumer 0 banks at bank 0
  ops::accrue(f.L, {lb, 0}, 20, FlowType::interest_loans);
  CHECK(f.L.net_worth(AgentKind::bank)[1] == 20);
  REQUIRE(ops::repay(f.L, {f.deposit, 0}, {lb, 0}, 300));
  CHECK(f.L.money_stock() == 3200);
  ops::write_off(f.L, {lb, 0}, 220);
  CHECK(f.L.balance({lb, 0}) == 0);
  CHECK(f.L.net_worth(AgentKind::bank)[1] == 20 - 220);
  CHECK(f.L.flows()[static_cast<std::size_t>(FlowType::loan_losses)]
                   [static_cast<std::size_t>(AgentKind::consumer)] == 220);
  CHECK(f.L.audit().ok());
  CHECK_THROWS_AS(ops::repay(f.L, {f.deposit, 0}, {lb, 0}, 1),
                  InternalError);  // nothing left to repay
}

TEST_CASE("bonds marked to market: a recorded revaluation between bank and government") {
  Fixture f;
  const Fen bonds = f.L.balance({f.L.bank_bond_book, 0});
  REQUIRE(bonds >= 2000);  // the deposits of consumers 0 and 1, backed by bonds
  const Fen bank = f.L.net_worth(AgentKind::bank)[0];
  const Fen government = f.L.net_worth(AgentKind::government)[0];
  f.L.reset_flows();
  f.L.revalue_bonds(0, -300);  // a holding loss
  CHECK(f.L.balance({f.L.bank_bond_book, 0}) == bonds - 300);
  CHECK(f.L.net_worth(AgentKind::bank)[0] == bank - 300);
  CHECK(f.L.net_worth(AgentKind::government)[0] == government + 300);
  const auto& row = f.L.flows()[static_cast<std::size_t>(FlowType::revaluations)];
  CHECK(row[static_cast<std::size_t>(AgentKind::bank)] == -300);
  CHECK(row[static_cast<std::size_t>(AgentKind::government)] == 300);
  CHECK(f.L.audit().ok());
  f.L.revalue_bonds(0, 120);  // the price recovers: a holding gain
  CHECK(f.L.net_worth(AgentKind::bank)[0] == bank - 180);
  CHECK(row[static_cast<std::size_t>(AgentKind::bank)] == -180);
  CHECK(f.L.audit().ok());
  CHECK(flow_type_name(FlowType::revaluations) == "revaluations");
  CHECK_THROWS_AS(f.L.revalue_bonds(0, -(bonds - 180) - 1), InternalError);  // below zero
  CHECK(f.L.audit().ok());
}
