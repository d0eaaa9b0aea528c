// world/build: the initial world is consistent, deterministic and seed-dependent.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "exec/parallel.hpp"
#include "scenario/load.hpp"
#include "world/queries.hpp"
#include "world/world.hpp"

using namespace pfsim;

namespace {
Scenario small() {
  return scenario::load_text("consumers: {count: 5000}\nsmes: {count: 400}\n", "<test>");
}
}  // namespace

TEST_CASE("the initial world balances and has the scenario's agents") {
  const Scenario sc = small();
  const auto w = build_world(sc, 7);
  CHECK(w->consumers.size() == 5000);
  CHECK(w->smes.size() == 400);
  CHECK(w->banks.size() == 48);  // 6 + 12 + 30 in the default tiers
  CHECK(w->ledger.audit().ok());
  // Employees sit with their employer, in contiguous ranges that cover the employed.
  std::uint64_t employed = 0;
  for (std::size_t s = 0; s < w->smes.size(); ++s) {
    CHECK(w->smes.first_employee[s] == employed);
    for (std::uint32_t e = 0; e < w->smes.employee_count[s]; ++e)
      CHECK(w->consumers.employer[w->smes.first_employee[s] + e] == s);
    employed += w->smes.employee_count[s];
  }
  CHECK(employed == 5000);  // every consumer has an employer slot ...
  std::size_t working = 0;
  for (const std::uint8_t e : w->consumers.employed) working += e;
  CHECK(working == doctest::Approx(4750).epsilon(0.03));  // ... and 95% work at the start
}

TEST_CASE("ids are unique and stable; the same seed builds the same world") {
  const Scenario sc = small();
  const auto a = build_world(sc, 7);
  const auto b = build_world(sc, 7);
  const auto c = build_world(sc, 8);
  CHECK(a->consumers.id == b->consumers.id);
  CHECK(a->consumers.monthly_wage == b->consumers.monthly_wage);
  CHECK(a->consumers.monthly_wage != c->consumers.monthly_wage);
  std::vector<AgentId> all = a->consumers.id.to_vector();
  all.insert(all.end(), a->smes.id.begin(), a->smes.id.end());
  all.insert(all.end(), a->banks.id.begin(), a->banks.id.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  // Consumers' ids are derived from their row (ConsecutiveIds): a store that
  // appends an id out of sequence is an engine bug, caught at once.
  CHECK(a->consumers.id.size() == a->consumers.monthly_wage.size());
  ConsecutiveIds ids;
  ids.push_back(10);
  ids.push_back(11);
  CHECK(ids[1] == 11);
  CHECK_THROWS_AS(ids.push_back(13), InternalError);
}

TEST_CASE(
    "banks hold reserves and capital in proportion to their deposits, reserves net of term "
    "interbank funding") {
  const Scenario sc = small();
  const auto w = build_world(sc, 1);
  const std::vector<Fen> deposits = deposits_by_bank(*w);
  const Book& reserves = w->ledger.book(w->ledger.reserves_book);
  const Book& cb_loans = w->ledger.book(w->ledger.cb_loan_book);
  // Term interbank funding is paid in reserves: net of what each bank borrowed
  // and lent (a shortfall borrowed from the central bank overnight).
  const Book& term = w->ledger.book(w->ledger.term_interbank_book);
  std::vector<Fen> net_term(w->banks.size(), 0);
  Fen term_total = 0;
  for (std::size_t r = 0; r < term.rows(); ++r) {
    net_term[term.issuer.of(r)] += term.balance[r];
    net_term[term.holder.of(r)] -= term.balance[r];
    term_total += term.balance[r];
  }
  CHECK(term_total > 0);
  for (std::size_t b = 0; b < w->banks.size(); ++b) {
    const double ratio = sc.banks.tiers[w->banks.tier[b]].reserve_ratio;
    CHECK(reserves.balance[b] - cb_loans.balance[b] ==
          apply_rate(deposits[b], ratio) + net_term[b]);
    CHECK(w->ledger.net_worth(AgentKind::bank)[b] ==
          apply_rate(deposits[b], sc.banks.tiers[w->banks.tier[b]].capital_ratio));
  }
}

TEST_CASE("deposits_by_bank is every money book's rows summed by issuer, exactly") {
  // The fast path sums rows in 64-bit lanes; a balance of 2^50 or more sends
  // its chunk to 128 bits. Both must give the row-by-row sum, at any thread
  // count, into a kept list.
  const Scenario sc = small();
  const auto w = build_world(sc, 3);
  const auto reference = [&] {
    std::vector<Int128> sum(w->banks.size(), 0);
    for (std::size_t id = 0; id < w->ledger.book_count(); ++id) {
      const Book& b = w->ledger.book(static_cast<BookId>(id));
      if (!b.is_money()) continue;
      for (std::size_t r = 0; r < b.rows(); ++r) sum[b.issuer.of(r)] += b.balance[r];
    }
    std::vector<Fen> out(sum.size());
    for (std::size_t k = 0; k < sum.size(); ++k) out[k] = static_cast<Fen>(sum[k]);
    return out;
  };
  Book& deposits = w->ledger.book(w->books.consumer_deposit);
  REQUIRE(deposits.rows() > 4096);  // more than one chunk
  std::vector<Fen> kept(200, -1);
  for (const int case_no : {0, 1, 2}) {
    CAPTURE(case_no);
    if (case_no == 1) deposits.balance[4097] = Fen{1} << 50;  // one over the fast path's bound
    if (case_no == 2) {
      deposits.balance[4097] = (Fen{1} << 50) - 1;  // at the bound: fast path, both signs
      deposits.balance[4098] = -(Fen{1} << 50);
      // Two rows of one bank in one lane (rows 4 apart) whose sum, 2^63,
      // leaves 64 bits, and a third row of that bank in another lane that
      // brings the bank's total back within them: only the 128-bit path gets
      // it right (wrapped 64-bit lanes would give −2^63 − 2^62 + ...).
      std::vector<std::size_t> same;
      for (std::size_t r = 0; r < 4096 && same.size() < 2; r += 4)
        if (deposits.issuer.of(r) == deposits.issuer.of(0)) same.push_back(r);
      std::size_t other_lane = 4096;
      for (std::size_t r = 1; r < 4096 && other_lane == 4096; r += 4)
        if (deposits.issuer.of(r) == deposits.issuer.of(0)) other_lane = r;
      REQUIRE(same.size() == 2);
      REQUIRE(other_lane < 4096);
      deposits.balance[same[0]] = Fen{1} << 62;
      deposits.balance[same[1]] = Fen{1} << 62;
      deposits.balance[other_lane] = -(Fen{1} << 62);
    }
    for (const int threads : {1, 2}) {
      CAPTURE(threads);
      exec::Arena arena(threads);
      arena.run([&] { deposits_by_bank(*w, kept); });
      CHECK(kept == reference());
    }
  }
  // A third 2^62 in another lane of that bank: each row fits, the bank's sum
  // (3 · 2^62 + ...) does not. Said, not wrapped (64-bit lanes left to wrap
  // would make it −2^62 + ...).
  std::size_t third = 4096;
  for (std::size_t r = 2; r < 4096 && third == 4096; r += 4)
    if (deposits.issuer.of(r) == deposits.issuer.of(0)) third = r;
  REQUIRE(third < 4096);
  deposits.balance[third] = Fen{1} << 62;
  for (std::size_t r = 1; r < 4096; r += 4)
    if (deposits.balance[r] == -(Fen{1} << 62)) deposits.balance[r] = 0;
  for (const int threads : {1, 2}) {
    CAPTURE(threads);
    exec::Arena arena(threads);
    arena.run([&] {
      CHECK_THROWS_WITH_AS(deposits_by_bank(*w, kept), doctest::Contains("do not fit in 64 bits"),
                           InternalError);
    });
  }
}
