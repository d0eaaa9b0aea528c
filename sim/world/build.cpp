// Building the initial world from a scenario. Every draw is keyed on the
// agent's stable id (rng::Stream::init_*), so the world is the same for any
// thread count; the loops here are serial anyway (construction is O(agents)).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "contagion/topology.hpp"
#include "core/error.hpp"
#include "rng/philox.hpp"
#include "scenario/schema.hpp"
#include "world/merchant_choice.hpp"
#include "world/world.hpp"

namespace pfsim {

namespace {

double logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
double logit(double p) {
  return std::log(p / (1.0 - p));
}

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
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (std::size_t k = 0; given < rest; ++k, ++given) out[remainders[k % n].second] += 1;
  return out;
}

Book claim_book(std::string name, Instrument instrument, AgentKind row_kind, AgentKind holder_kind,
                RowOwner holder, AgentKind issuer_kind, RowOwner issuer, std::size_t rows) {
  Book b;
  b.name = std::move(name);
  b.instrument = instrument;
  b.row_kind = row_kind;
  b.holder_kind = holder_kind;
  b.issuer_kind = issuer_kind;
  b.holder = std::move(holder);
  b.issuer = std::move(issuer);
  b.balance.assign(rows, 0);
  return b;
}

RowOwner fixed(std::uint32_t agent) {
  RowOwner r;
  r.mode = RowOwner::Mode::fixed;
  r.fixed = agent;
  return r;
}
RowOwner by_row() {
  return RowOwner{};
}
RowOwner by_column(std::vector<std::uint32_t> column) {
  RowOwner r;
  r.mode = RowOwner::Mode::column;
  r.column.assign(std::move(column));
  return r;
}

// Partner pairs from interbank.file (relative to the scenario file): one
// `bank_a,bank_b` per line, # comments, blank lines ignored. Throws UserError
// with the file, line and column of every bad line.
std::vector<std::pair<std::uint32_t, std::uint32_t>> read_partner_file(const Scenario& sc,
                                                                       std::size_t n_banks) {
  std::filesystem::path path(sc.interbank.file);
  if (path.is_relative() && !sc.source_path.empty())
    path = std::filesystem::path(sc.source_path).parent_path() / path;
  const std::string name = path.lexically_normal().string();
  auto problem = [&](int line, int column, std::string message, std::string hint) {
    Diagnostic d;
    d.where = SourceLocation{name, line, column};
    d.key_path = "interbank.file";
    d.message = std::move(message);
    d.hint = std::move(hint);
    return d;
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) ||
      std::filesystem::file_size(path, ec) > (8u << 20))
    throw UserError(
        problem(0, 0, "cannot read the interbank partner file (missing, not a file, or over 8 MiB)",
                "interbank.file is relative to the scenario file"));
  std::ifstream in(path);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  std::vector<Diagnostic> problems;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (const auto hash = text.find('#'); hash != std::string::npos) text.resize(hash);
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(text);
    long long a = -1, b = -1;
    char comma = 0;
    std::string rest;
    if (!(fields >> a >> comma >> b) || comma != ',' || (fields >> rest)) {
      problems.push_back(
          problem(line, 1, "expected two bank indices 'a,b', found '" + text + "'", "e.g. 0,7"));
    } else if (a < 0 || b < 0 || a >= static_cast<long long>(n_banks) ||
               b >= static_cast<long long>(n_banks) || a == b) {
      problems.push_back(problem(line, 1,
                                 "bank indices must be two different numbers from 0 to " +
                                     std::to_string(n_banks - 1) + ", found '" + text + "'",
                                 "banks are numbered from 0 over all tiers, in tier order"));
    } else {
      pairs.emplace_back(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
    }
    if (problems.size() >= 100) break;
  }
  if (!problems.empty()) throw UserError(std::move(problems));
  return pairs;
}

// The relationship graph of the interbank market (undirected: partners may
// lend to each other either way), from the contagion module's generators.
InterbankNetwork interbank_network(const Scenario& sc, std::size_t n_banks, std::uint64_t seed) {
  rng::Draws draws(seed, rng::Stream::init_interbank, 0, 0);
  const auto graph_seed = static_cast<std::uint64_t>(draws.uniform() * 0x1.0p53);
  const auto& ib = sc.interbank;
  const auto links_up = static_cast<std::size_t>(ib.links);
  std::vector<contagion::Link> links;
  if (ib.topology == "core_periphery") {
    contagion::CorePeripherySpec spec;
    for (std::size_t t = 0; t < sc.banks.tiers.size(); ++t)
      spec.tier_sizes.push_back(static_cast<std::size_t>(sc.banks.tiers[t].count));
    spec.core_density = ib.density;
    spec.links_up = links_up;
    links = contagion::core_periphery_links(spec, graph_seed);
  } else if (ib.topology == "scale_free") {
    links = contagion::barabasi_albert_links(n_banks, links_up, graph_seed);
  } else if (ib.topology == "erdos_renyi") {
    links = contagion::erdos_renyi_gnp_links(n_banks, ib.density, graph_seed);
  } else if (ib.topology == "complete") {
    links = contagion::erdos_renyi_gnp_links(n_banks, 1.0, graph_seed);
  } else if (ib.topology == "ring") {
    // Each bank with the next one (Acemoglu, Ozdaglar & Tahbaz-Salehi 2015's sparse extreme).
    for (std::size_t b = 0; b < n_banks && n_banks > 1; ++b)
      links.push_back({b, (b + 1) % n_banks});
  } else if (ib.topology == "file") {
    for (const auto& [a, b] : read_partner_file(sc, n_banks)) links.push_back({a, b});
  } else {
    throw InternalError("interbank.topology '" + ib.topology + "' (validated on load)");
  }
  std::vector<std::vector<std::uint8_t>> partner(n_banks, std::vector<std::uint8_t>(n_banks, 0));
  for (const contagion::Link& e : links) {
    const std::size_t i = e.from, j = e.to;
    if (i == j || i >= n_banks || j >= n_banks) continue;
    partner[i][j] = partner[j][i] = 1;
  }
  InterbankNetwork net;
  net.borrow_begin.push_back(0);
  for (std::uint32_t b = 0; b < n_banks; ++b) {
    for (std::uint32_t l = 0; l < n_banks; ++l)
      if (partner[b][l] != 0) {
        net.borrower.push_back(b);
        net.lender.push_back(l);
      }
    net.borrow_begin.push_back(static_cast<std::uint32_t>(net.borrower.size()));
  }
  return net;
}

// The live parameters' starting values: every parameter the table marks
// `live` (scenario/parameters.cpp), plus the state tier's surcharge, the one
// live value inside a list.
Policy initial_policy(const Scenario& sc) {
  Policy p;
  Scenario readable = sc;  // the table's accessors take a mutable scenario
  for (const scenario::ParamSpec& spec : scenario::schema())
    if (spec.live != nullptr) p.*spec.live = spec.access.number(readable, 0);
  for (const BankTier& t : sc.banks.tiers)
    if (t.name == "state") p.surcharge_state = t.surcharge;
  p.regional_house_price.assign(static_cast<std::size_t>(sc.regions.count), 1.0);
  return p;
}

}  // namespace

std::unique_ptr<World> build_world(const Scenario& sc, std::uint64_t seed) {
  auto world = std::make_unique<World>();
  World& w = *world;
  w.scenario = std::make_shared<const Scenario>(sc);
  w.seed = seed;
  w.policy = initial_policy(sc);
  w.spinup_days = sc.run.spinup_days;

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
  w.banks.failed.assign(n_banks, 0);
  w.banks.capital_ratio.assign(n_banks, 0);
  w.banks.capital_requirement.assign(n_banks, 0);
  w.banks.colending_quota.assign(n_banks, 0);
  w.banks.direct_lending_room.assign(n_banks, 0);
  w.banks.equity_month_start.assign(n_banks, 0);
  w.banks.provisions.assign(n_banks, 0);
  w.banks.run_outflows_today.assign(n_banks, 0);
  w.banks.risk_weighted_assets.assign(n_banks, 0.0);

  // --- SMEs ------------------------------------------------------------------
  const auto n_smes = static_cast<std::size_t>(sc.smes.count);
  const auto n_consumers = static_cast<std::size_t>(sc.consumers.count);
  const auto n_regions = static_cast<std::size_t>(sc.regions.count);
  // Region r holds the slots [r·n/R, (r+1)·n/R): ids are grouped by region.
  auto block_of = [n_regions](std::size_t k, std::size_t n) {
    return static_cast<std::uint16_t>(k * n_regions / std::max<std::size_t>(n, 1));
  };
  std::vector<std::uint32_t> sme_bank(n_smes);
  std::vector<double> size_weight(n_smes);
  SmeStore& S = w.smes;
  // Columns filled by push_back are reserved whole: grown by doubling they
  // would keep up to twice their size for the whole run (21 bytes per agent
  // at 10^7 consumers). Results do not depend on capacity.
  for (auto* column : {&S.active, &S.accepts_platform, &S.billing_day}) column->reserve(n_smes);
  for (auto* column : {&S.latent_pd, &S.demand_factor}) column->reserve(n_smes);
  S.id.reserve(n_smes);
  S.supplier.reserve(n_smes);
  S.collateral_value.reserve(n_smes);
  S.region.reserve(n_smes);
  for (std::size_t s = 0; s < n_smes; ++s) {
    const AgentId id = w.next_id++;
    rng::Draws draws(seed, rng::Stream::init_sme, id, 0);
    S.id.push_back(id);
    S.active.push_back(1);
    S.accepts_platform.push_back(draws.bernoulli(sc.smes.platform_acceptance) ? 1 : 0);
    sme_bank[s] = choose_bank(sc, tier_first_bank, draws);
    size_weight[s] = std::exp(1.0 * draws.normal());  // log-normal firm sizes
    S.latent_pd.push_back(static_cast<float>(
        logistic(sc.smes.risk_logit_mean + sc.smes.risk_logit_sigma * draws.normal())));
    S.billing_day.push_back(static_cast<std::uint8_t>(1 + id % 28));
    S.supplier.push_back(0);  // drawn below, in proportion to firm size
    S.collateral_value.push_back(draws.bernoulli(sc.smes.collateral_share) ? 1
                                                                           : 0);  // value set below
    S.region.push_back(block_of(s, n_smes));
    S.demand_factor.push_back(stationary_demand_factor(sc.smes, draws.normal()));
  }
  // Slot s is in region ⌊s·R/n⌋, so region r starts at ⌈r·n/R⌉ (an empty
  // region starts where the next one does).
  for (std::size_t r = 0; r <= n_regions; ++r)
    S.region_first.push_back(static_cast<std::uint32_t>((r * n_smes + n_regions - 1) / n_regions));
  const auto n_employed_slots = static_cast<std::uint64_t>(n_consumers);
  // Every consumer belongs to an employer slot (employees sit with their
  // employer); `employed` says whether they currently work.
  const std::vector<std::uint32_t> employees =
      allocate(n_smes > 0 ? n_employed_slots : 0, size_weight);
  S.first_employee.resize(n_smes);
  S.employee_count = employees;
  S.payroll_bill.assign(n_smes, 0);
  S.fee_free.assign(n_smes, 0);
  S.payroll_funds.assign(n_smes, 0);
  S.payroll_dividend.assign(n_smes, 0);
  S.payroll_owners.assign(n_smes, 0);
  S.missed_paydays.assign(n_smes, 0);
  S.supply_capacity.assign(n_smes, 1.0f);
  S.payment_count.assign(n_smes, 0);
  S.trust_score.assign(n_smes, 0.0f);
  S.sales_this_month.assign(n_smes, 0);
  S.sales_last_month.assign(n_smes, 0);
  S.platform_loan_instalment.assign(n_smes, 0);
  S.platform_loan_rate.assign(n_smes, 0);
  S.bank_loan_instalment.assign(n_smes, 0);
  S.bank_loan_rate.assign(n_smes, 0);
  S.days_past_due.assign(n_smes, 0);
  S.defaulted_by_hazard.assign(n_smes, 0);
  S.loan_cooloff_until.assign(n_smes, 0);
  S.bank_loan_cooloff_until.assign(n_smes, 0);
  S.staff_financed.assign(n_smes, 1.0f);

  // --- consumers (employees of SME 0 first, then SME 1, …) ---------------------
  ConsumerStore& C = w.consumers;
  std::vector<std::uint32_t> consumer_bank(n_consumers);
  C.id.reserve(n_consumers);  // every column filled by push_back (see the SMEs above)
  C.monthly_wage.reserve(n_consumers);
  C.house_value.reserve(n_consumers);
  C.employer.reserve(n_consumers);
  for (auto* column : {&C.employed, &C.billing_day, &C.wallet, &C.hand_to_mouth})
    column->reserve(n_consumers);
  for (auto* column : {&C.platform_adoption, &C.latent_pd}) column->reserve(n_consumers);
  C.region.reserve(n_consumers);
  std::uint32_t next_consumer = 0;
  const double adoption_logit =
      logit(std::clamp(sc.consumers.platform_adoption_mean, 1e-6, 1 - 1e-6));
  auto add_consumer = [&](std::uint32_t employer, std::uint16_t region) {
    const AgentId id = w.next_id++;
    rng::Draws draws(seed, rng::Stream::init_consumer, id, 0);
    const double log_wage = std::log(sc.consumers.monthly_income_median_yuan) +
                            sc.consumers.income_log_sigma * draws.normal();
    const Fen wage = yuan_to_fen(std::exp(log_wage));
    C.id.push_back(id);
    C.monthly_wage.push_back(wage);
    C.employer.push_back(employer);
    C.employed.push_back(employer != no_index && draws.bernoulli(sc.consumers.employment_rate) ? 1
                                                                                               : 0);
    C.billing_day.push_back(static_cast<std::uint8_t>(1 + id % 28));
    C.platform_adoption.push_back(static_cast<float>(logistic(adoption_logit + draws.normal())));
    C.wallet.push_back(draws.bernoulli(sc.platform.rival_wallet_share) ? 1 : 0);
    C.latent_pd.push_back(static_cast<float>(
        logistic(sc.consumers.risk_logit_mean + sc.consumers.risk_logit_sigma * draws.normal())));
    const double house_sigma = sc.consumers.house_value_log_sigma;
    const double house_draw =
        std::exp(house_sigma * draws.normal() - 0.5 * house_sigma * house_sigma);
    C.house_value.push_back(draws.bernoulli(sc.consumers.homeowner_share)
                                ? apply_rate(wage, sc.consumers.house_value_months * house_draw)
                                : 0);
    C.region.push_back(region);
    consumer_bank[next_consumer++] = choose_bank(sc, tier_first_bank, draws);
    C.hand_to_mouth.push_back(draws.bernoulli(sc.consumers.hand_to_mouth_share) ? 1 : 0);
  };
  for (std::size_t s = 0; s < n_smes; ++s) {
    S.first_employee[s] = next_consumer;
    for (std::uint32_t e = 0; e < employees[s]; ++e)
      add_consumer(static_cast<std::uint32_t>(s), S.region[s]);
  }
  // Consumers without an employer slot (only when there are no firms) are
  // spread over the regions in blocks too.
  for (std::size_t k = 0, first = next_consumer; next_consumer < n_consumers; ++k)
    add_consumer(no_index, block_of(k, n_consumers - first));
  C.payment_count.assign(n_consumers, 0);
  C.revolving_limit.assign(n_consumers, 0);
  C.revolving_statement.assign(n_consumers, 0);
  C.spending_this_month.assign(n_consumers, 0);
  C.spending_last_month.assign(n_consumers, 0);
  C.cash_loan_instalment.assign(n_consumers, 0);
  C.cash_loan_rate.assign(n_consumers, 0);
  C.bank_loan_instalment.assign(n_consumers, 0);
  C.bank_loan_rate.assign(n_consumers, 0);
  C.days_past_due.assign(n_consumers, 0);
  C.defaulted_by_hazard.assign(n_consumers, 0);
  C.line_cooloff_until.assign(n_consumers, 0);
  C.loan_cooloff_until.assign(n_consumers, 0);

  // Firm sizes (contractual wage bills) × demand factors drive who sells to whom.
  rebuild_merchant_tables(w);
  // The supplier network: a ring of firms ordered by wage bill, each buying from
  // the next larger firm (the largest from the smallest). Every firm then has
  // exactly one customer of about its own size, so supplier payments balance
  // firm by firm instead of draining firms that happen to have no customers.
  {
    std::vector<std::pair<Fen, std::uint32_t>> by_size(n_smes);
    for (std::uint32_t s = 0; s < n_smes; ++s) {
      Fen bill = 0;
      for (std::uint32_t e = S.first_employee[s]; e < S.first_employee[s] + S.employee_count[s];
           ++e)
        bill += C.monthly_wage[e];
      by_size[s] = {bill, s};
    }
    std::sort(by_size.begin(), by_size.end());
    for (std::size_t r = 0; r < n_smes; ++r)
      S.supplier[by_size[r].second] = by_size[(r + 1) % n_smes].second;
  }
  for (std::size_t s = 0; s < n_smes; ++s)
    S.fee_free[s] =
        S.accepts_platform[s] != 0 && rng::Draws(seed, rng::Stream::init_sme, S.id[s], 2)
                                          .bernoulli(sc.smes.fee_free_share)
            ? 1
            : 0;

  // SME wage bills (for cash and collateral sizing).
  std::vector<Fen> wage_bill(n_smes, 0);
  for (std::uint32_t s = 0; s < n_smes; ++s)
    for (std::uint32_t e = S.first_employee[s]; e < S.first_employee[s] + S.employee_count[s]; ++e)
      wage_bill[s] = checked_add(wage_bill[s], C.monthly_wage[e]);
  // Property values are log-normal around collateral_months of the wage bill
  // (mean preserved), so that some firms always sit near a bank's
  // loan-to-value limit and a house-price fall binds for them.
  const double sigma_c = sc.smes.collateral_dispersion;
  for (std::size_t s = 0; s < n_smes; ++s) {
    if (S.collateral_value[s] == 0) continue;
    rng::Draws draws(seed, rng::Stream::init_sme, S.id[s], 1);
    const double spread = std::exp(sigma_c * draws.normal() - 0.5 * sigma_c * sigma_c);
    S.collateral_value[s] = apply_rate(wage_bill[s], sc.smes.collateral_months * spread);
  }

  // --- platforms: 0 lends (the Ant-like platform), 1 is a rival wallet -----------
  for (int p = 0; p < 2; ++p) {
    w.platforms.id.push_back(w.next_id++);
    w.platforms.merchant_fee_rate.push_back(sc.platform.merchant_fee_rate);
    w.platforms.lends.push_back(p == 0 ? 1 : 0);
    w.platforms.revenue_payments_month.push_back(0);
    w.platforms.revenue_credit_month.push_back(0);
    w.platforms.revenue_investment_month.push_back(0);
    w.platforms.profit_last_month.push_back(0);
    w.platforms.equity_month_start.push_back(0);
    w.platforms.credit_losses_month.push_back(0);
    w.platforms.valuation.push_back(0);
    w.platforms.fines_month.push_back(0);
    w.platforms.capital_raised_month.push_back(0);
    w.platforms.failed.push_back(0);
    w.platforms.profit_history.insert(w.platforms.profit_history.end(), 12, Fen{0});
  }
  const std::size_t n_platforms = w.platforms.size();

  // --- the money-market fund -----------------------------------------------------
  w.funds.id.push_back(w.next_id++);
  w.funds.yield_annual.push_back(0);
  w.funds.confidence.push_back(1.0);
  w.funds.custodian.push_back(tier_first_bank[0]);

  // --- ledger ------------------------------------------------------------------
  Ledger& L = w.ledger;
  L.set_agent_count(AgentKind::consumer, n_consumers);
  L.set_agent_count(AgentKind::sme, n_smes);
  L.set_agent_count(AgentKind::bank, n_banks);
  L.set_agent_count(AgentKind::platform, n_platforms);
  L.set_agent_count(AgentKind::fund, 1);
  L.set_agent_count(AgentKind::central_bank, 1);
  L.set_agent_count(AgentKind::government, 1);
  L.set_agent_count(AgentKind::investor, 1);
  BookIds& B = w.books;
  using K = AgentKind;
  using I = Instrument;
  B.consumer_deposit =
      L.add_book(claim_book("consumer.deposit", I::deposit, K::consumer, K::consumer, by_row(),
                            K::bank, by_column(consumer_bank), n_consumers));
  B.sme_deposit = L.add_book(claim_book("sme.deposit", I::deposit, K::sme, K::sme, by_row(),
                                        K::bank, by_column(sme_bank), n_smes));
  B.platform_deposit = L.add_book(claim_book(
      "platform.deposit", I::deposit, K::platform, K::platform, by_row(), K::bank,
      by_column(std::vector<std::uint32_t>(n_platforms, tier_first_bank[0])), n_platforms));
  B.fund_deposit = L.add_book(claim_book("fund.deposit", I::deposit, K::bank, K::fund, fixed(0),
                                         K::bank, by_row(), n_banks));
  B.consumer_fund_units =
      L.add_book(claim_book("consumer.fund_units", I::fund_units, K::consumer, K::consumer,
                            by_row(), K::fund, fixed(0), n_consumers));
  // Co-lent and direct loans: rows are borrowers; the holder is the lender.
  // A borrower's partner bank starts as its own bank and is reassigned by quota
  // at origination while it owes nothing to its partner.
  B.revolving_platform =
      L.add_book(claim_book("consumer.revolving_platform", I::loan, K::consumer, K::platform,
                            fixed(0), K::consumer, by_row(), n_consumers));
  B.revolving_bank =
      L.add_book(claim_book("consumer.revolving_bank", I::loan, K::consumer, K::bank,
                            by_column(consumer_bank), K::consumer, by_row(), n_consumers));
  B.cash_platform =
      L.add_book(claim_book("consumer.cash_loan_platform", I::loan, K::consumer, K::platform,
                            fixed(0), K::consumer, by_row(), n_consumers));
  B.cash_bank =
      L.add_book(claim_book("consumer.cash_loan_bank", I::loan, K::consumer, K::bank,
                            by_column(consumer_bank), K::consumer, by_row(), n_consumers));
  B.consumer_bank_loan =
      L.add_book(claim_book("consumer.bank_loan", I::loan, K::consumer, K::bank,
                            by_column(consumer_bank), K::consumer, by_row(), n_consumers));
  B.sme_platform_platform = L.add_book(claim_book("sme.platform_loan_platform", I::loan, K::sme,
                                                  K::platform, fixed(0), K::sme, by_row(), n_smes));
  B.sme_platform_bank = L.add_book(claim_book("sme.platform_loan_bank", I::loan, K::sme, K::bank,
                                              by_column(sme_bank), K::sme, by_row(), n_smes));
  B.sme_bank_loan = L.add_book(claim_book("sme.bank_loan", I::loan, K::sme, K::bank,
                                          by_column(sme_bank), K::sme, by_row(), n_smes));
  B.platform_bank_loan =
      L.add_book(claim_book("platform.bank_loan", I::loan, K::platform, K::bank,
                            by_column(std::vector<std::uint32_t>(n_platforms, tier_first_bank[0])),
                            K::platform, by_row(), n_platforms));
  L.reserves_book = L.add_book(claim_book("bank.reserves", I::reserves, K::bank, K::bank, by_row(),
                                          K::central_bank, fixed(0), n_banks));
  {
    Book clearing = claim_book("bank.clearing", I::clearing, K::bank, K::bank, by_row(),
                               K::central_bank, fixed(0), n_banks);
    clearing.overdraft = Overdraft::unrestricted;
    L.clearing_book = L.add_book(std::move(clearing));
  }
  L.bank_bond_book = L.add_book(claim_book("bank.government_bonds", I::government_bond, K::bank,
                                           K::bank, by_row(), K::government, fixed(0), n_banks));
  L.cb_bond_book =
      L.add_book(claim_book("central_bank.government_bonds", I::government_bond, K::central_bank,
                            K::central_bank, fixed(0), K::government, fixed(0), 1));
  L.cb_loan_book =
      L.add_book(claim_book("central_bank.loans_to_banks", I::central_bank_loan, K::bank,
                            K::central_bank, fixed(0), K::bank, by_row(), n_banks));
  w.interbank = interbank_network(sc, n_banks, seed);
  {
    const InterbankNetwork& net = w.interbank;
    L.interbank_book = L.add_book(claim_book("bank.interbank_loans", I::interbank_loan, K::bank,
                                             K::bank, by_column(net.lender), K::bank,
                                             by_column(net.borrower), net.lender.size()));
    // Term loans and NCDs between the same partners, on the same rows.
    L.term_interbank_book = L.add_book(claim_book("bank.term_interbank_loans", I::interbank_loan,
                                                  K::bank, K::bank, by_column(net.lender), K::bank,
                                                  by_column(net.borrower), net.lender.size()));
  }
  // Outside capital (an IPO): investors hold the platforms' shares and pay
  // through the central bank, which takes a claim on the rest of the world.
  L.platform_shares_book =
      L.add_book(claim_book("investor.platform_shares", I::equity_stake, K::platform, K::investor,
                            fixed(0), K::platform, by_row(), n_platforms));
  L.cb_foreign_book =
      L.add_book(claim_book("central_bank.foreign_assets", I::foreign_claim, K::central_bank,
                            K::central_bank, fixed(0), K::investor, fixed(0), 1));

  // --- initial balance sheets, built only through ledger primitives -------------
  for (std::uint32_t c = 0; c < n_consumers; ++c) {
    const Fen deposit = apply_rate(C.monthly_wage[c], sc.consumers.initial_deposit_months);
    if (deposit > 0) L.government_pays(Account{B.consumer_deposit, c}, deposit);
  }
  for (std::uint32_t s = 0; s < n_smes; ++s) {
    const Fen cash = apply_rate(wage_bill[s], sc.smes.initial_deposit_months);
    if (cash > 0) L.government_pays(Account{B.sme_deposit, s}, cash);
  }
  Int128 all_wages = 0;
  for (const Fen wage : C.monthly_wage) all_wages += wage;
  const Fen platform_equity =
      apply_rate(static_cast<Fen>(all_wages), sc.platform.initial_equity_months);
  if (platform_equity > 0) L.government_pays(Account{B.platform_deposit, 0}, platform_equity);
  // Bank capital and reserves in proportion to each bank's deposits.
  std::vector<Int128> bank_deposits(n_banks, 0);
  for (const BookId id : {B.consumer_deposit, B.sme_deposit, B.platform_deposit}) {
    const Book& b = L.book(id);
    for (std::size_t r = 0; r < b.rows(); ++r) bank_deposits[b.issuer.of(r)] += b.balance[r];
  }
  for (std::uint32_t bank = 0; bank < n_banks; ++bank) {
    const BankTier& tier = sc.banks.tiers[w.banks.tier[bank]];
    const auto deposits = static_cast<Fen>(bank_deposits[bank]);
    L.government_capitalises_bank(bank, apply_rate(deposits, tier.capital_ratio));
    L.central_bank_buys_bonds(bank, apply_rate(deposits, tier.reserve_ratio));
  }
  // Term interbank funding: each bank borrows its tier's term_interbank_share
  // of its deposits from its partners, in proportion to their deposits (large
  // banks lend most, and small banks also lend to each other, as in China's
  // interbank market); paid in reserves, borrowing any shortfall overnight.
  for (std::uint32_t bank = 0; bank < n_banks; ++bank) {
    const InterbankNetwork& net = w.interbank;
    const double share = sc.banks.tiers[w.banks.tier[bank]].term_interbank_share;
    const Fen target = apply_rate(static_cast<Fen>(bank_deposits[bank]), share);
    const std::uint32_t begin = net.borrow_begin[bank], end = net.borrow_begin[bank + 1];
    Int128 weights = 0;
    for (std::uint32_t row = begin; row < end; ++row) weights += bank_deposits[net.lender[row]];
    if (target <= 0 || weights <= 0) continue;
    for (std::uint32_t row = begin; row < end; ++row)
      L.term_interbank_lend(row, static_cast<Fen>(static_cast<Int128>(target) *
                                                  bank_deposits[net.lender[row]] / weights));
  }
  L.settle_clearing();
  L.reset_flows();  // construction is not a step's flow
  for (std::size_t b = 0; b < n_banks; ++b) w.banks.equity_month_start[b] = L.net_worth(K::bank)[b];
  for (std::size_t p = 0; p < n_platforms; ++p)
    w.platforms.equity_month_start[p] = L.net_worth(K::platform)[p];
  w.funds.yield_annual[0] =
      std::max(0.0, w.policy.policy_rate - sc.fund.placement_markdown - sc.platform.fund_fee_rate);
  const AuditReport audit = L.audit();
  if (!audit.ok()) throw InternalError("initial world does not balance: " + audit.problems.front());
  return world;
}

}  // namespace pfsim
