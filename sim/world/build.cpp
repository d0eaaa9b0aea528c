// Building the initial world from a scenario. Every draw is keyed on the
// agent's stable id (rng::Stream::init_*), so the world is the same for any
// thread count; the loops here are serial anyway (construction is O(agents)).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "rng/philox.hpp"
#include "world/world.hpp"

namespace pfsim {

namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

// Bank of a customer: a tier by deposit share, then a bank uniformly within it.
std::uint32_t choose_bank(const Scenario& sc, const std::vector<std::uint32_t>& tier_first_bank,
                          rng::Draws& draws) {
  const double u = draws.uniform();
  double cumulative = 0;
  std::size_t tier = sc.banks.tiers.size() - 1;
  for (std::size_t t = 0; t < sc.banks.tiers.size(); ++t) {
    cumulative += sc.banks.tiers[t].deposit_share;
    if (u < cumulative) {
      tier = t;
      break;
    }
  }
  const auto count = static_cast<std::uint32_t>(sc.banks.tiers[tier].count);
  return tier_first_bank[tier] + draws.below(count);
}

// Splits `total` employees over firms in proportion to `weights`, every firm at
// least one employee when there are enough (largest-remainder rounding, exact).
std::vector<std::uint32_t> allocate(std::uint64_t total, const std::vector<double>& weights) {
  const std::size_t n = weights.size();
  std::vector<std::uint32_t> out(n, 0);
  std::uint64_t base = 0;
  if (total >= n) {
    std::fill(out.begin(), out.end(), 1u);
    base = n;
  }
  const std::uint64_t rest = total - base;
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::pair<double, std::size_t>> remainders(n);
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double exact = static_cast<double>(rest) * weights[i] / sum;
    const auto whole = static_cast<std::uint64_t>(std::floor(exact));
    out[i] += static_cast<std::uint32_t>(whole);
    given += whole;
    remainders[i] = {exact - static_cast<double>(whole), i};
  }
  // Ties broken by index: deterministic.
  std::sort(remainders.begin(), remainders.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  for (std::size_t k = 0; given < rest; ++k, ++given) out[remainders[k % n].second] += 1;
  return out;
}

Book deposit_book(std::string name, AgentKind holder, std::vector<std::uint32_t> banks) {
  Book b;
  b.name = std::move(name);
  b.instrument = Instrument::deposit;
  b.holder_kind = holder;
  b.issuer_kind = AgentKind::bank;
  b.overdraft = Overdraft::never;
  b.balance.assign(banks.size(), 0);
  b.issuer.mode = RowOwner::Mode::column;
  b.issuer.column = std::move(banks);
  return b;
}

Book bank_book(std::string name, Instrument instrument, AgentKind issuer, std::size_t banks,
               Overdraft overdraft) {
  Book b;
  b.name = std::move(name);
  b.instrument = instrument;
  b.holder_kind = AgentKind::bank;
  b.issuer_kind = issuer;
  b.overdraft = overdraft;
  b.balance.assign(banks, 0);
  b.issuer.mode = RowOwner::Mode::fixed;
  return b;
}

}  // namespace

std::unique_ptr<World> build_world(const Scenario& sc, std::uint64_t seed) {
  auto world = std::make_unique<World>();
  World& w = *world;
  w.scenario = std::make_shared<const Scenario>(sc);
  w.seed = seed;

  // --- banks ---------------------------------------------------------------
  std::vector<std::uint32_t> tier_first_bank;
  for (std::size_t t = 0; t < sc.banks.tiers.size(); ++t) {
    tier_first_bank.push_back(static_cast<std::uint32_t>(w.banks.size()));
    for (std::int64_t k = 0; k < sc.banks.tiers[t].count; ++k) {
      w.banks.id.push_back(w.next_id++);
      w.banks.tier.push_back(static_cast<std::uint8_t>(t));
    }
  }
  const std::size_t n_banks = w.banks.size();

  // --- SMEs ------------------------------------------------------------------
  const auto n_smes = static_cast<std::size_t>(sc.smes.count);
  const auto n_consumers = static_cast<std::size_t>(sc.consumers.count);
  std::vector<std::uint32_t> sme_bank(n_smes);
  std::vector<double> size_weight(n_smes);
  for (std::size_t s = 0; s < n_smes; ++s) {
    const AgentId id = w.next_id++;
    rng::Draws draws(seed, rng::Stream::init_sme, id, 0);
    w.smes.id.push_back(id);
    w.smes.accepts_platform.push_back(draws.bernoulli(sc.smes.platform_acceptance) ? 1 : 0);
    sme_bank[s] = choose_bank(sc, tier_first_bank, draws);
    size_weight[s] = std::exp(1.0 * draws.normal());  // log-normal firm sizes
  }
  const auto n_employed = static_cast<std::uint64_t>(
      std::llround(sc.consumers.employment_rate * static_cast<double>(n_consumers)));
  const std::vector<std::uint32_t> employees = allocate(n_employed, size_weight);
  w.smes.first_employee.resize(n_smes);
  w.smes.employee_count = employees;
  w.smes.payroll_bill.assign(n_smes, 0);
  w.smes.payroll_funds.assign(n_smes, 0);

  // --- consumers (employees of SME 0 first, then SME 1, …, then the unemployed)
  std::vector<std::uint32_t> consumer_bank(n_consumers);
  w.consumers.id.reserve(n_consumers);
  std::uint32_t next_consumer = 0;
  auto add_consumer = [&](std::uint32_t employer) {
    const AgentId id = w.next_id++;
    rng::Draws draws(seed, rng::Stream::init_consumer, id, 0);
    const double log_wage = std::log(sc.consumers.monthly_income_median_yuan) +
                            sc.consumers.income_log_sigma * draws.normal();
    w.consumers.id.push_back(id);
    w.consumers.monthly_wage.push_back(yuan_to_fen(std::exp(log_wage)));
    w.consumers.employer.push_back(employer);
    const double mean = std::clamp(sc.consumers.platform_adoption_mean, 1e-6, 1 - 1e-6);
    w.consumers.platform_adoption.push_back(static_cast<float>(logistic(logit(mean) + draws.normal())));
    consumer_bank[next_consumer++] = choose_bank(sc, tier_first_bank, draws);
  };
  for (std::size_t s = 0; s < n_smes; ++s) {
    w.smes.first_employee[s] = next_consumer;
    for (std::uint32_t e = 0; e < employees[s]; ++e) add_consumer(static_cast<std::uint32_t>(s));
  }
  while (next_consumer < n_consumers) add_consumer(no_index);

  // --- platform ----------------------------------------------------------------
  w.platforms.id.push_back(w.next_id++);
  w.platforms.merchant_fee_rate.push_back(sc.platform.merchant_fee_rate);
  w.platforms.revenue_this_month.push_back(0);
  const std::vector<std::uint32_t> platform_bank{tier_first_bank[0]};

  // --- ledger ------------------------------------------------------------------
  Ledger& L = w.ledger;
  L.set_agent_count(AgentKind::consumer, n_consumers);
  L.set_agent_count(AgentKind::sme, n_smes);
  L.set_agent_count(AgentKind::bank, n_banks);
  L.set_agent_count(AgentKind::platform, w.platforms.size());
  L.set_agent_count(AgentKind::central_bank, 1);
  L.set_agent_count(AgentKind::government, 1);
  w.books.consumer_deposit = L.add_book(deposit_book("consumer.deposit", AgentKind::consumer, consumer_bank));
  w.books.sme_deposit = L.add_book(deposit_book("sme.deposit", AgentKind::sme, sme_bank));
  w.books.platform_deposit = L.add_book(deposit_book("platform.deposit", AgentKind::platform, platform_bank));
  L.reserves_book = L.add_book(
      bank_book("bank.reserves", Instrument::reserves, AgentKind::central_bank, n_banks, Overdraft::never));
  L.clearing_book = L.add_book(bank_book("bank.clearing", Instrument::clearing, AgentKind::central_bank,
                                         n_banks, Overdraft::unrestricted));
  L.bank_bond_book = L.add_book(bank_book("bank.government_bonds", Instrument::government_bond,
                                          AgentKind::government, n_banks, Overdraft::never));
  {
    Book b;
    b.name = "central_bank.government_bonds";
    b.instrument = Instrument::government_bond;
    b.holder_kind = AgentKind::central_bank;
    b.issuer_kind = AgentKind::government;
    b.holder.mode = RowOwner::Mode::fixed;
    b.issuer.mode = RowOwner::Mode::fixed;
    b.balance.assign(1, 0);
    L.cb_bond_book = L.add_book(std::move(b));
  }
  {
    Book b;
    b.name = "central_bank.loans_to_banks";
    b.instrument = Instrument::central_bank_loan;
    b.holder_kind = AgentKind::central_bank;
    b.issuer_kind = AgentKind::bank;
    b.holder.mode = RowOwner::Mode::fixed;
    b.issuer.mode = RowOwner::Mode::row_index;
    b.balance.assign(n_banks, 0);
    L.cb_loan_book = L.add_book(std::move(b));
  }

  // --- initial balance sheets, built only through ledger primitives -------------
  for (std::uint32_t c = 0; c < n_consumers; ++c) {
    const Fen deposit = apply_rate(w.consumers.monthly_wage[c], sc.consumers.initial_deposit_months);
    if (deposit > 0) L.government_pays(Account{w.books.consumer_deposit, c}, deposit);
  }
  for (std::uint32_t s = 0; s < n_smes; ++s) {
    Fen bill = 0;
    const std::uint32_t first = w.smes.first_employee[s];
    for (std::uint32_t e = first; e < first + w.smes.employee_count[s]; ++e)
      bill = checked_add(bill, w.consumers.monthly_wage[e]);
    const Fen cash = apply_rate(bill, sc.smes.initial_deposit_months);
    if (cash > 0) L.government_pays(Account{w.books.sme_deposit, s}, cash);
  }
  // Bank capital and reserves in proportion to each bank's deposits.
  std::vector<Int128> bank_deposits(n_banks, 0);
  for (const BookId id : {w.books.consumer_deposit, w.books.sme_deposit, w.books.platform_deposit}) {
    const Book& b = L.book(id);
    for (std::size_t r = 0; r < b.rows(); ++r) bank_deposits[b.issuer.of(r)] += b.balance[r];
  }
  for (std::uint32_t bank = 0; bank < n_banks; ++bank) {
    const BankTier& tier = sc.banks.tiers[w.banks.tier[bank]];
    const auto deposits = static_cast<Fen>(bank_deposits[bank]);
    L.government_capitalises_bank(bank, apply_rate(deposits, tier.capital_ratio));
    L.central_bank_buys_bonds(bank, apply_rate(deposits, tier.reserve_ratio));
  }
  const AuditReport audit = L.audit();
  if (!audit.ok()) throw InternalError("initial world does not balance: " + audit.problems.front());
  return world;
}

}  // namespace pfsim
