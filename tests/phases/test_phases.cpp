// Phase-level tests: a small baseline world is run day by day, phase by phase
// (engine::phase_table, in order), and each phase is checked on its own —
// the invariants every phase must keep (audit, money created − destroyed,
// each sector's net worth moved only by its recorded income flows) and what
// the phase's own rules say it does and does not change (the comment at the
// top of each sim/phases/*.cpp file).
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "engine/engine.hpp"
#include "phases/phases.hpp"
#include "scenario/load.hpp"
#include "world/world.hpp"

using namespace pfsim;

namespace {

// The baseline at 3,000 consumers and 300 SMEs, no spin-up, from 2019-01-01:
// 45 days cover two paydays (the 1st), every billing day and a month end.
std::unique_ptr<World> small_world(std::uint64_t seed = 5) {
  static const Scenario sc = scenario::load_text(
      "extends: baseline.yaml\nrun: {days: 45, spinup_days: 0}\nconsumers: {count: 3000}\n"
      "smes: {count: 300}\n",
      PFSIM_SOURCE_DIR "/scenarios/phases_test.yaml");
  return build_world(sc, seed);
}

// What a phase may change, compared before and after it.
struct Snapshot {
  std::vector<std::vector<Fen>> balances;            // every ledger book
  std::array<Int128, agent_kind_count> net_worth{};  // Σ per sector
  FlowMatrix flows{};
  Int128 money = 0, created = 0, destroyed = 0;
};

Snapshot snapshot(const World& w) {
  Snapshot s;
  const Ledger& L = w.ledger;
  for (std::size_t b = 0; b < L.book_count(); ++b)
    s.balances.push_back(L.book(static_cast<BookId>(b)).balance);
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    for (const Fen v : L.net_worth(static_cast<AgentKind>(k))) s.net_worth[k] += v;
  s.flows = L.flows();
  s.money = L.money_stock();
  s.created = L.money_created();
  s.destroyed = L.money_destroyed();
  return s;
}

struct Change {
  const World& w;
  const Snapshot& before;
  const Snapshot& after;
  std::int64_t day;  // days since the start date
  [[nodiscard]] Int128 net_worth(AgentKind k) const {
    const auto i = static_cast<std::size_t>(k);
    return after.net_worth[i] - before.net_worth[i];
  }
  [[nodiscard]] Int128 flow(FlowType f, AgentKind k) const {
    const auto i = static_cast<std::size_t>(f), j = static_cast<std::size_t>(k);
    return after.flows[i][j] - before.flows[i][j];
  }
  [[nodiscard]] bool ledger_unchanged() const {
    return before.balances == after.balances && before.net_worth == after.net_worth &&
           before.flows == after.flows;
  }
  // No income flow other than `allowed` moved (financial exchanges always may).
  [[nodiscard]] bool only_flows(std::initializer_list<FlowType> allowed) const {
    for (std::size_t f = 0; f < flow_type_count; ++f) {
      const auto type = static_cast<FlowType>(f);
      bool ok = type == FlowType::financial;
      for (const FlowType a : allowed) ok |= a == type;
      if (!ok && before.flows[f] != after.flows[f]) return false;
    }
    return true;
  }
  [[nodiscard]] bool sector_unchanged(AgentKind k) const { return net_worth(k) == 0; }
  [[nodiscard]] CivilDate date() const {
    return to_civil(w.scenario->run.start_date.plus_days(static_cast<std::int32_t>(day)));
  }
};

using PhaseCheck = std::function<void(const Change&)>;

// Runs `days` days phase by phase. After every phase: the audit and the
// phase-independent invariants; then checks[phase name], if any.
void run_checked(World& w, std::int64_t days, const std::map<std::string, PhaseCheck>& checks) {
  for (std::int64_t d = 0; d < days; ++d) {
    for (const engine::Phase& phase : engine::phase_table()) {
      const Snapshot before = snapshot(w);
      phase.run(w);
      const Snapshot after = snapshot(w);
      const Change c{w, before, after, w.run_day()};
      CAPTURE(phase.name);
      CAPTURE(d);
      REQUIRE(w.ledger.audit().ok());
      // Money: the stock moves exactly by what was created and destroyed.
      CHECK(after.money - before.money ==
            (after.created - before.created) - (after.destroyed - before.destroyed));
      // Each sector's net worth moves exactly by its income flows of the phase
      // (begin_day resets the flows, so it has no flows to compare).
      if (phase.name != "begin_day") {
        for (std::size_t k = 0; k < agent_kind_count; ++k) {
          Int128 flows = 0;
          for (std::size_t f = 0; f < flow_type_count; ++f)
            flows += after.flows[f][k] - before.flows[f][k];
          CHECK(c.net_worth(static_cast<AgentKind>(k)) == flows);
        }
      }
      if (const auto it = checks.find(std::string(phase.name)); it != checks.end()) it->second(c);
    }
    ++w.step;
  }
}

bool all_zero(const std::vector<Fen>& v) {
  for (const Fen x : v)
    if (x != 0) return false;
  return true;
}

Int128 total(const std::vector<Fen>& v) {
  Int128 s = 0;
  for (const Fen x : v) s += x;
  return s;
}

constexpr std::int64_t days = 45;
constexpr auto consumer = AgentKind::consumer, sme = AgentKind::sme, bank = AgentKind::bank,
               platform = AgentKind::platform, government = AgentKind::government,
               central_bank = AgentKind::central_bank;

// Runs the small world with one phase's check; counts the days it acted.
int run_phase_check(const std::string& phase, const PhaseCheck& check) {
  auto w = small_world();
  int acted = 0;
  run_checked(*w, days, {{phase, [&](const Change& c) {
                            acted += c.ledger_unchanged() ? 0 : 1;
                            check(c);
                          }}});
  return acted;
}

}  // namespace

TEST_CASE("every phase keeps the audit, money and each sector's flows consistent") {
  auto w = small_world();
  run_checked(*w, days, {});
}

TEST_CASE("begin_day (calendar.cpp): resets the day's flows and snapshots sector net worth") {
  run_phase_check("begin_day", [](const Change& c) {
    CHECK(c.before.balances == c.after.balances);
    CHECK(c.before.net_worth == c.after.net_worth);
    CHECK(c.after.flows == FlowMatrix{});
    for (std::size_t k = 0; k < agent_kind_count; ++k)
      CHECK(c.w.sector_net_worth_at_step_start[k] == c.after.net_worth[k]);
  });
}

TEST_CASE("shocks: without events, nothing changes") {
  CHECK(run_phase_check("shocks", [](const Change& c) { CHECK(c.ledger_unchanged()); }) == 0);
}

TEST_CASE("consumer_daily: moves no money; its only income flow is write-offs") {
  run_phase_check("consumer_daily", [](const Change& c) {
    CHECK(c.only_flows({FlowType::loan_losses}));
    CHECK(c.after.money == c.before.money);
    const BookIds& B = c.w.books;
    CHECK(c.before.balances[B.consumer_deposit] == c.after.balances[B.consumer_deposit]);
    CHECK(c.before.balances[B.sme_deposit] == c.after.balances[B.sme_deposit]);
  });
}

TEST_CASE("wages: on payday only; SMEs pay what consumers receive") {
  const int paydays = run_phase_check("wages", [](const Change& c) {
    if (c.date().day != static_cast<int>(c.w.scenario->smes.payday)) {
      CHECK(c.ledger_unchanged());
      return;
    }
    CHECK(c.only_flows({FlowType::wages, FlowType::dividends, FlowType::social_transfers}));
    CHECK(c.flow(FlowType::wages, consumer) > 0);
    CHECK(c.flow(FlowType::wages, consumer) == -c.flow(FlowType::wages, sme));
    CHECK(c.flow(FlowType::dividends, consumer) == -c.flow(FlowType::dividends, sme));
    CHECK(c.flow(FlowType::social_transfers, consumer) ==
          -c.flow(FlowType::social_transfers, government));
    CHECK(c.net_worth(consumer) > 0);
    CHECK(c.net_worth(sme) < 0);
    CHECK(c.sector_unchanged(bank));
  });
  CHECK(paydays == 2);  // 2019-01-01 and 2019-02-01
}

TEST_CASE("consumption: every day consumers buy from SMEs; the platform earns the fees") {
  const int acted = run_phase_check("consumption", [](const Change& c) {
    CHECK(c.only_flows({FlowType::consumption, FlowType::payment_fees}));
    CHECK(c.flow(FlowType::consumption, consumer) < 0);
    CHECK(c.flow(FlowType::consumption, consumer) == -c.flow(FlowType::consumption, sme));
    CHECK(c.flow(FlowType::payment_fees, platform) > 0);
    CHECK(c.flow(FlowType::payment_fees, platform) == -c.flow(FlowType::payment_fees, sme));
    CHECK(c.sector_unchanged(bank));
    // Only own money or credit is spent: no consumer deposit below zero.
    for (const Fen d : c.w.ledger.book(c.w.books.consumer_deposit).balance) CHECK(d >= 0);
  });
  CHECK(acted == days);
}

TEST_CASE("suppliers: SMEs pay SMEs; no sector gains or loses, no money moves out of SMEs") {
  const int acted = run_phase_check("suppliers", [](const Change& c) {
    CHECK(c.only_flows({FlowType::supplier_purchases}));
    for (std::size_t k = 0; k < agent_kind_count; ++k)
      CHECK(c.sector_unchanged(static_cast<AgentKind>(k)));
    const BookId d = c.w.books.sme_deposit;
    CHECK(total(c.before.balances[d]) == total(c.after.balances[d]));
    CHECK(c.after.money == c.before.money);
  });
  CHECK(acted > 0);  // from the first billing days after a month of sales
}

TEST_CASE("consumer_servicing: borrowers pay interest and repay; no money is created") {
  const int acted = run_phase_check("consumer_servicing", [](const Change& c) {
    CHECK(c.only_flows(
        {FlowType::interest_loans, FlowType::tech_service_fees, FlowType::loan_losses}));
    CHECK(c.net_worth(consumer) <= 0);
    CHECK(c.flow(FlowType::interest_loans, consumer) <= 0);
    CHECK(c.after.money <= c.before.money);
    CHECK(c.sector_unchanged(sme));
  });
  CHECK(acted > 0);
}

TEST_CASE("sme_servicing: SME borrowers pay interest and repay; no money is created") {
  const int acted = run_phase_check("sme_servicing", [](const Change& c) {
    CHECK(c.only_flows(
        {FlowType::interest_loans, FlowType::tech_service_fees, FlowType::loan_losses}));
    CHECK(c.net_worth(sme) <= 0);
    CHECK(c.flow(FlowType::interest_loans, sme) <= 0);
    CHECK(c.after.money <= c.before.money);
    CHECK(c.sector_unchanged(consumer));
  });
  CHECK(acted > 0);
}

TEST_CASE(
    "origination: lending exchanges claims, so on a day without failures no net worth moves") {
  const int acted = run_phase_check("origination", [](const Change& c) {
    CHECK(c.only_flows({}));
    for (std::size_t k = 0; k < agent_kind_count; ++k)
      CHECK(c.sector_unchanged(static_cast<AgentKind>(k)));
  });
  CHECK(acted > 0);
}

TEST_CASE("funds: redemptions, subscriptions and placements move money, never net worth") {
  run_phase_check("funds", [](const Change& c) {
    CHECK(c.only_flows({}));
    for (std::size_t k = 0; k < agent_kind_count; ++k)
      CHECK(c.sector_unchanged(static_cast<AgentKind>(k)));
    CHECK(c.after.money == c.before.money);
  });
}

TEST_CASE("month_end: acts on the last day of the month only") {
  const int acted = run_phase_check("month_end", [](const Change& c) {
    const CivilDate d = c.date();
    if (d.day != days_in_month(d.year, d.month)) {
      CHECK(c.ledger_unchanged());
      return;
    }
    CHECK(
        c.only_flows({FlowType::operating_costs, FlowType::interest_deposits,
                      FlowType::interest_reserves, FlowType::interest_bonds,
                      FlowType::interest_central_bank, FlowType::fund_yield, FlowType::fund_fees,
                      FlowType::interest_loans, FlowType::capital_transfers, FlowType::dividends}));
    CHECK(c.flow(FlowType::interest_deposits, consumer) > 0);
    CHECK(c.flow(FlowType::interest_reserves, bank) ==
          -c.flow(FlowType::interest_reserves, central_bank));
  });
  CHECK(acted == 1);  // 2019-01-31
}

TEST_CASE(
    "settlement: leaves no clearing position open and changes no one's net worth outside banking") {
  run_phase_check("settlement", [](const Change& c) {
    CHECK(all_zero(c.w.ledger.book(c.w.ledger.clearing_book).balance));
    CHECK(c.after.money == c.before.money);
    for (const AgentKind k : {consumer, sme, platform, AgentKind::fund, government})
      CHECK(c.sector_unchanged(k));
  });
}

TEST_CASE("bank_regulation: with every bank above its requirements, nothing changes") {
  CHECK(run_phase_check("bank_regulation", [](const Change& c) { CHECK(c.ledger_unchanged()); }) ==
        0);
}

TEST_CASE(
    "platform_finance: the platform draws a cash shortfall on its facility, within its room") {
  auto w = small_world();
  const Account deposit{w->books.platform_deposit, 0}, debt{w->books.platform_bank_loan, 0};
  const Fen cash = w->ledger.balance(deposit), owed = w->ledger.balance(debt);
  const Fen room = phases::platform_debt_room(*w, 0);
  const Int128 net_worth = total(w->ledger.net_worth(platform));
  REQUIRE(room > 0);
  // Enough cash: nothing is drawn.
  CHECK(phases::platform_has_cash(*w, 0, cash));
  CHECK(w->ledger.balance(debt) == owed);
  // A shortfall within the room is borrowed: cash and debt rise by it, net worth does not move.
  const Fen shortfall = room / 2;
  CHECK(phases::platform_has_cash(*w, 0, cash + shortfall));
  CHECK(w->ledger.balance(deposit) == cash + shortfall);
  CHECK(w->ledger.balance(debt) == owed + shortfall);
  CHECK(total(w->ledger.net_worth(platform)) == net_worth);
  CHECK(phases::platform_debt_room(*w, 0) == room - shortfall);
  // Beyond the room: refused, nothing drawn.
  CHECK_FALSE(phases::platform_has_cash(*w, 0, cash + room + 1));
  CHECK(w->ledger.balance(debt) == owed + shortfall);
  CHECK(w->ledger.audit().ok());
}
