// world/build: the initial world is consistent, deterministic and seed-dependent.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

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
