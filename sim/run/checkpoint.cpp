// Checkpoints: the state of a Simulation between two days, in an HDF5 archive
// (record/archive.hpp), and back. docs/checkpoints.md describes the format.
//
// ONE list says what is saved: the visit_* functions below. Each is used for
// writing and for reading, so the two cannot disagree. The static_asserts next
// to them are tripwires: a member added to a store, the world, the ledger or
// the simulation changes the struct's size and stops the build here — add the
// new member to the visit function, then update the size (and bump
// format_version when old checkpoints can no longer be read).
//
// No random-generator state is saved: every draw is keyed on (seed, stream,
// agent id, step) (rng/), so the seed and the step are all a resumed run needs
// to draw the same numbers.
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "core/error.hpp"
#include "indicators/indicators.hpp"
#include "record/archive.hpp"
#include "run/memory.hpp"
#include "run/simulation.hpp"
#include "scenario/events.hpp"
#include "scenario/load.hpp"
#include "scenario/schema.hpp"

namespace pfsim {

namespace {

constexpr std::string_view checkpoint_kind = "pfsim-checkpoint";
constexpr std::int64_t checkpoint_format_version = 1;

constexpr std::size_t vec = sizeof(std::vector<char>);  // every std::vector<T> has this size

// --- the archive adapters: the same visit functions write and read ------------

class Saver {
 public:
  explicit Saver(record::ArchiveWriter& out) : out_(out) {}
  static constexpr bool loading = false;
  template <class T>
  void array(const std::string& name, std::vector<T>& v) {
    out_.put<T>(name, std::span<const T>(v));
  }
  template <class T>
  void scalar(const std::string& name, T& v) {
    if constexpr (std::is_same_v<T, Int128>) {
      const std::array<std::uint64_t, 2> halves = {static_cast<std::uint64_t>(v),
                                                   static_cast<std::uint64_t>(v >> 64)};
      out_.put<std::uint64_t>(name, halves);
    } else if constexpr (std::is_same_v<T, bool>) {
      const std::array<std::uint8_t, 1> one = {static_cast<std::uint8_t>(v ? 1 : 0)};
      out_.put<std::uint8_t>(name, one);
    } else if constexpr (std::is_enum_v<T>) {
      using U = std::underlying_type_t<T>;
      const std::array<U, 1> one = {static_cast<U>(v)};
      out_.put<U>(name, one);
    } else {
      const std::array<T, 1> one = {v};
      out_.put<T>(name, one);
    }
  }
  void text(const std::string& name, std::string& s) { out_.put_text(name, s); }
  void strings(const std::string& name, std::vector<std::string>& list) {
    std::string bytes;
    std::vector<std::uint64_t> lengths;
    for (const std::string& s : list) {
      bytes += s;
      lengths.push_back(s.size());
    }
    out_.put_text(name + "/bytes", bytes);
    out_.put<std::uint64_t>(name + "/lengths", lengths);
  }
  // How many items a list of groups has (written; read back by count()).
  std::size_t count(const std::string& name, std::size_t n) {
    std::uint64_t k = n;
    scalar(name, k);
    return n;
  }

 private:
  record::ArchiveWriter& out_;
};

class Loader {
 public:
  explicit Loader(record::ArchiveReader& in) : in_(in) {}
  static constexpr bool loading = true;
  template <class T>
  void array(const std::string& name, std::vector<T>& v) {
    v = in_.get<T>(name);
  }
  template <class T>
  void scalar(const std::string& name, T& v) {
    if constexpr (std::is_same_v<T, Int128>) {
      const auto halves = exactly<std::uint64_t>(name, 2);
      const auto high = static_cast<Int128>(static_cast<std::int64_t>(halves[1]));
      v = (high << 64) | static_cast<Int128>(halves[0]);
    } else if constexpr (std::is_same_v<T, bool>) {
      v = exactly<std::uint8_t>(name, 1)[0] != 0;
    } else if constexpr (std::is_enum_v<T>) {
      v = static_cast<T>(exactly<std::underlying_type_t<T>>(name, 1)[0]);
    } else {
      v = exactly<T>(name, 1)[0];
    }
  }
  void text(const std::string& name, std::string& s) { s = in_.get_text(name); }
  void strings(const std::string& name, std::vector<std::string>& list) {
    const std::string bytes = in_.get_text(name + "/bytes");
    const auto lengths = in_.get<std::uint64_t>(name + "/lengths");
    list.clear();
    std::size_t at = 0;
    for (const std::uint64_t n : lengths) {
      if (n > bytes.size() - at) in_.fail("damaged: " + name + " is shorter than its lengths say");
      list.push_back(bytes.substr(at, n));
      at += n;
    }
  }
  std::size_t count(const std::string& name, std::size_t /*n*/) {
    std::uint64_t k = 0;
    scalar(name, k);
    if (k > (1ULL << 32)) in_.fail("damaged: " + name + " is implausible");
    return static_cast<std::size_t>(k);
  }
  [[nodiscard]] record::ArchiveReader& reader() { return in_; }

 private:
  template <class T>
  std::vector<T> exactly(const std::string& name, std::size_t n) {
    std::vector<T> v = in_.get<T>(name);
    if (v.size() != n)
      in_.fail("damaged: " + name + " has " + std::to_string(v.size()) + " values, not " +
               std::to_string(n));
    return v;
  }
  record::ArchiveReader& in_;
};

// Counts what each saved list holds in memory (its capacity, in bytes): the
// checkpoint's list is every piece of state, so it accounts for memory too
// (state_bytes, the bench's memory table).
class Sizer {
 public:
  static constexpr bool loading = false;
  std::vector<std::pair<std::string, std::uint64_t>> lists;
  template <class T>
  void array(const std::string& name, std::vector<T>& v) {
    lists.emplace_back(name, v.capacity() * sizeof(T));
  }
  template <class T>
  void scalar(const std::string& /*name*/, T& /*v*/) {}
  void text(const std::string& name, std::string& s) { lists.emplace_back(name, s.capacity()); }
  void strings(const std::string& name, std::vector<std::string>& list) {
    std::uint64_t bytes = list.capacity() * sizeof(std::string);
    for (const std::string& s : list) bytes += s.capacity() > 15 ? s.capacity() + 1 : 0;
    lists.emplace_back(name, bytes);
  }
  std::size_t count(const std::string& /*name*/, std::size_t n) { return n; }
};

// --- the list: stores -----------------------------------------------------------

static_assert(sizeof(ConsumerStore) == 23 * vec + sizeof(ConsecutiveIds),
              "ConsumerStore changed: add the column to visit(ConsumerStore&) and update 23");
template <class A>
void visit(A& a, ConsumerStore& s) {
  const std::string g = "world/consumers/";
  // Ids are consecutive (ConsecutiveIds): the first and the count are saved.
  // Checkpoints written before that have every id ("id"): they must be consecutive.
  AgentId first_id = s.id.first();
  std::uint64_t id_count = s.id.size();
  if constexpr (A::loading) {
    if (a.reader().has(g + "id")) {
      std::vector<AgentId> ids;
      a.array(g + "id", ids);
      s.id = ConsecutiveIds{};
      for (const AgentId id : ids) {
        if (!s.id.empty() && id != s.id[s.id.size() - 1] + 1)
          a.reader().fail("damaged: " + g + "id is not consecutive");
        s.id.push_back(id);
      }
    } else {
      a.scalar(g + "id_first", first_id);
      a.scalar(g + "id_count", id_count);
      if (id_count > (1ULL << 32)) a.reader().fail("damaged: " + g + "id_count is implausible");
      s.id = ConsecutiveIds(first_id, static_cast<std::size_t>(id_count));
    }
  } else {
    a.scalar(g + "id_first", first_id);
    a.scalar(g + "id_count", id_count);
  }
  a.array(g + "monthly_wage", s.monthly_wage);
  a.array(g + "employer", s.employer);
  a.array(g + "employed", s.employed);
  a.array(g + "billing_day", s.billing_day);
  a.array(g + "region", s.region);
  a.array(g + "platform_adoption", s.platform_adoption);
  a.array(g + "wallet", s.wallet);
  a.array(g + "hand_to_mouth", s.hand_to_mouth);
  a.array(g + "latent_pd", s.latent_pd);
  a.array(g + "payment_count", s.payment_count);
  a.array(g + "house_value", s.house_value);
  a.array(g + "revolving_limit", s.revolving_limit);
  a.array(g + "revolving_statement", s.revolving_statement);
  a.array(g + "cash_loan_instalment", s.cash_loan_instalment);
  a.array(g + "cash_loan_rate", s.cash_loan_rate);
  a.array(g + "bank_loan_instalment", s.bank_loan_instalment);
  a.array(g + "bank_loan_rate", s.bank_loan_rate);
  a.array(g + "days_past_due", s.days_past_due);
  a.array(g + "defaulted_by_hazard", s.defaulted_by_hazard);
  a.array(g + "line_cooloff_until", s.line_cooloff_until);
  a.array(g + "loan_cooloff_until", s.loan_cooloff_until);
  a.array(g + "spending_this_month", s.spending_this_month);
  a.array(g + "spending_last_month", s.spending_last_month);
}

static_assert(sizeof(SmeStore) == 36 * vec,
              "SmeStore changed: add the column to visit(SmeStore&) and update 36");
template <class A>
void visit(A& a, SmeStore& s) {
  const std::string g = "world/smes/";
  a.array(g + "id", s.id);
  a.array(g + "active", s.active);
  a.array(g + "accepts_platform", s.accepts_platform);
  a.array(g + "fee_free", s.fee_free);
  a.array(g + "billing_day", s.billing_day);
  a.array(g + "supplier", s.supplier);
  a.array(g + "first_employee", s.first_employee);
  a.array(g + "employee_count", s.employee_count);
  a.array(g + "size_alias_prob", s.size_alias_prob);
  a.array(g + "size_alias", s.size_alias);
  a.array(g + "region", s.region);
  a.array(g + "region_first", s.region_first);
  a.array(g + "region_alias_prob", s.region_alias_prob);
  a.array(g + "region_alias", s.region_alias);
  a.array(g + "payroll_bill", s.payroll_bill);
  a.array(g + "payroll_funds", s.payroll_funds);
  a.array(g + "payroll_dividend", s.payroll_dividend);
  a.array(g + "payroll_owners", s.payroll_owners);
  a.array(g + "missed_paydays", s.missed_paydays);
  a.array(g + "supply_capacity", s.supply_capacity);
  a.array(g + "demand_factor", s.demand_factor);
  a.array(g + "latent_pd", s.latent_pd);
  a.array(g + "payment_count", s.payment_count);
  a.array(g + "trust_score", s.trust_score);
  a.array(g + "sales_this_month", s.sales_this_month);
  a.array(g + "sales_last_month", s.sales_last_month);
  a.array(g + "collateral_value", s.collateral_value);
  a.array(g + "platform_loan_instalment", s.platform_loan_instalment);
  a.array(g + "platform_loan_rate", s.platform_loan_rate);
  a.array(g + "bank_loan_instalment", s.bank_loan_instalment);
  a.array(g + "bank_loan_rate", s.bank_loan_rate);
  a.array(g + "days_past_due", s.days_past_due);
  a.array(g + "defaulted_by_hazard", s.defaulted_by_hazard);
  a.array(g + "loan_cooloff_until", s.loan_cooloff_until);
  a.array(g + "bank_loan_cooloff_until", s.bank_loan_cooloff_until);
  a.array(g + "staff_financed", s.staff_financed);
}

static_assert(sizeof(BankStore) == 11 * vec,
              "BankStore changed: add the column to visit(BankStore&) and update 11");
template <class A>
void visit(A& a, BankStore& s) {
  const std::string g = "world/banks/";
  a.array(g + "id", s.id);
  a.array(g + "tier", s.tier);
  a.array(g + "failed", s.failed);
  a.array(g + "capital_ratio", s.capital_ratio);
  a.array(g + "capital_requirement", s.capital_requirement);
  a.array(g + "colending_quota", s.colending_quota);
  a.array(g + "direct_lending_room", s.direct_lending_room);
  a.array(g + "equity_month_start", s.equity_month_start);
  a.array(g + "provisions", s.provisions);
  a.array(g + "risk_weighted_assets", s.risk_weighted_assets);
  a.array(g + "run_outflows_today", s.run_outflows_today);
}

static_assert(sizeof(PlatformStore) == 14 * vec + sizeof(std::int64_t),
              "PlatformStore changed: add the member to visit(PlatformStore&) and update 14");
template <class A>
void visit(A& a, PlatformStore& s) {
  const std::string g = "world/platforms/";
  a.array(g + "id", s.id);
  a.array(g + "merchant_fee_rate", s.merchant_fee_rate);
  a.array(g + "lends", s.lends);
  a.array(g + "failed", s.failed);
  a.array(g + "revenue_payments_month", s.revenue_payments_month);
  a.array(g + "revenue_credit_month", s.revenue_credit_month);
  a.array(g + "revenue_investment_month", s.revenue_investment_month);
  a.array(g + "profit_last_month", s.profit_last_month);
  a.array(g + "equity_month_start", s.equity_month_start);
  a.array(g + "credit_losses_month", s.credit_losses_month);
  a.array(g + "valuation", s.valuation);
  a.array(g + "profit_history", s.profit_history);
  a.scalar(g + "months_recorded", s.months_recorded);
  a.array(g + "fines_month", s.fines_month);
  a.array(g + "capital_raised_month", s.capital_raised_month);
}

static_assert(sizeof(FundStore) == 4 * vec,
              "FundStore changed: add the column to visit(FundStore&) and update 4");
template <class A>
void visit(A& a, FundStore& s) {
  const std::string g = "world/funds/";
  a.array(g + "id", s.id);
  a.array(g + "yield_annual", s.yield_annual);
  a.array(g + "confidence", s.confidence);
  a.array(g + "custodian", s.custodian);
}

static_assert(sizeof(InterbankNetwork) == 3 * vec,
              "InterbankNetwork changed: add the member to visit(InterbankNetwork&)");
template <class A>
void visit(A& a, InterbankNetwork& n) {
  a.array("world/interbank/lender", n.lender);
  a.array("world/interbank/borrower", n.borrower);
  a.array("world/interbank/borrow_begin", n.borrow_begin);
}

static_assert(sizeof(World::SystemicRisk) == 2 * sizeof(double),
              "World::SystemicRisk changed: add the member to visit(World::SystemicRisk&)");
template <class A>
void visit(A& a, World::SystemicRisk& s) {
  a.scalar("world/systemic/debtrank_max", s.debtrank_max);
  a.scalar("world/systemic/srisk_fen", s.srisk_fen);
}

static_assert(sizeof(World::BondMarket) == sizeof(double),
              "World::BondMarket changed: add the member to visit(World::BondMarket&)");
template <class A>
void visit(A& a, World::BondMarket& m) {
  a.scalar("world/bond_market/price", m.price);
}

// --- the list: policy ------------------------------------------------------------

// Every number of Policy; a ramp's target is saved as its position here.
constexpr std::array policy_numbers = {
    std::pair{"policy_rate", &Policy::policy_rate},
    std::pair{"reserve_requirement", &Policy::reserve_requirement},
    std::pair{"interest_on_reserves", &Policy::interest_on_reserves},
    std::pair{"bureau_signal_sigma", &Policy::bureau_signal_sigma},
    std::pair{"own_funding_share", &Policy::own_funding_share},
    std::pair{"leverage_limit", &Policy::leverage_limit},
    std::pair{"registered_capital_minimum_fen", &Policy::registered_capital_minimum_fen},
    std::pair{"interest_rate_cap", &Policy::interest_rate_cap},
    std::pair{"tech_fee_share", &Policy::tech_fee_share},
    std::pair{"capital_minimum", &Policy::capital_minimum},
    std::pair{"conservation_buffer", &Policy::conservation_buffer},
    std::pair{"surcharge_state", &Policy::surcharge_state},
    std::pair{"risk_weight_consumer", &Policy::risk_weight_consumer},
    std::pair{"risk_weight_sme", &Policy::risk_weight_sme},
    std::pair{"max_partner_share_of_tier1", &Policy::max_partner_share_of_tier1},
    std::pair{"max_colending_share_of_loans", &Policy::max_colending_share_of_loans},
    std::pair{"max_consumer_loan_fen", &Policy::max_consumer_loan_fen},
    std::pair{"max_loan_income_share", &Policy::max_loan_income_share},
    std::pair{"max_payment_share", &Policy::max_payment_share},
    std::pair{"instant_redemption_cap_yuan", &Policy::instant_redemption_cap_yuan},
    std::pair{"fund_liquidity_ratio", &Policy::fund_liquidity_ratio},
    std::pair{"income_multiplier", &Policy::income_multiplier},
    std::pair{"job_loss_multiplier", &Policy::job_loss_multiplier},
    std::pair{"unemployment_target", &Policy::unemployment_target},
    std::pair{"house_price_index", &Policy::house_price_index},
    std::pair{"fund_run_share_daily", &Policy::fund_run_share_daily},
};
// The numbers, the per-region list and two flags (each padded to 8 bytes).
static_assert(sizeof(Policy) == policy_numbers.size() * sizeof(double) + vec + 2 * sizeof(double),
              "Policy changed: add the member to policy_numbers or visit(Policy&)");
template <class A>
void visit(A& a, Policy& p) {
  for (const auto& [name, member] : policy_numbers)
    a.scalar("world/policy/" + std::string(name), p.*member);
  a.array("world/policy/regional_house_price", p.regional_house_price);
  a.scalar("world/policy/platform_outage", p.platform_outage);
  a.scalar("world/policy/review_bank_limits", p.review_bank_limits);
}

std::int32_t policy_number_index(double Policy::*member) {
  for (std::size_t k = 0; k < policy_numbers.size(); ++k)
    if (policy_numbers[k].second == member) return static_cast<std::int32_t>(k);
  throw InternalError("checkpoint: a ramp moves a Policy number missing from policy_numbers");
}

// --- the list: shock state -----------------------------------------------------------

static_assert(sizeof(ShockState) == 4 * vec + 4 * sizeof(double),
              "ShockState changed: add the member to visit(ShockState&)");
static_assert(sizeof(PolicyTarget) == 3 * sizeof(double) &&
                  sizeof(PolicyRamp) == sizeof(PolicyTarget) + 5 * sizeof(double),
              "PolicyRamp changed: add the member to visit(ShockState&)");
template <class A>
void visit(A& a, ShockState& s) {
  const std::string g = "world/shocks/";
  // `pending` is filled by the events of a day just before it runs and emptied
  // by its shocks phase: between days, where checkpoints are taken, it is empty.
  if (!s.pending.empty()) throw InternalError("checkpoint taken while events are pending");
  // Ramps: the target as (position in policy_numbers, or −1 for a region's
  // house price, and the region).
  std::vector<std::int32_t> target;
  std::vector<std::uint32_t> region;
  std::vector<std::uint8_t> reviews;
  std::vector<double> from, to;
  std::vector<std::int64_t> start, days;
  if constexpr (!A::loading) {
    for (const PolicyRamp& r : s.ramps) {
      if (r.target.per_region != nullptr && r.target.per_region != &Policy::regional_house_price)
        throw InternalError("checkpoint: a ramp moves an unknown per-region Policy list");
      target.push_back(r.target.scalar != nullptr ? policy_number_index(r.target.scalar) : -1);
      region.push_back(r.target.region);
      reviews.push_back(r.reviews_bank_limits ? 1 : 0);
      from.push_back(r.from);
      to.push_back(r.to);
      start.push_back(r.start_step);
      days.push_back(r.days);
    }
  }
  a.array(g + "ramps/target", target);
  a.array(g + "ramps/region", region);
  a.array(g + "ramps/reviews_bank_limits", reviews);
  a.array(g + "ramps/from", from);
  a.array(g + "ramps/to", to);
  a.array(g + "ramps/start_step", start);
  a.array(g + "ramps/days", days);
  if constexpr (A::loading) {
    s.ramps.clear();
    for (std::size_t k = 0; k < target.size(); ++k) {
      if (target[k] >= static_cast<std::int32_t>(policy_numbers.size()))
        throw InternalError("checkpoint ramp target out of range");
      PolicyRamp r;
      r.target = target[k] >= 0
                     ? PolicyTarget::of(policy_numbers[static_cast<std::size_t>(target[k])].second)
                     : PolicyTarget::of_region(&Policy::regional_house_price, region.at(k));
      r.reviews_bank_limits = reviews.at(k) != 0;
      r.from = from.at(k);
      r.to = to.at(k);
      r.start_step = start.at(k);
      r.days = days.at(k);
      s.ramps.push_back(r);
    }
  }
  a.scalar(g + "outage_until_step", s.outage_until_step);
  std::vector<double> run_share;
  std::vector<std::int64_t> run_until;
  for (const ShockState::FundRun& r : s.fund_runs) {
    run_share.push_back(r.share_daily);
    run_until.push_back(r.until_step);
  }
  a.array(g + "fund_runs/share_daily", run_share);
  a.array(g + "fund_runs/until_step", run_until);
  if constexpr (A::loading) {
    s.fund_runs.clear();
    for (std::size_t k = 0; k < run_share.size(); ++k)
      s.fund_runs.push_back({run_share[k], run_until.at(k)});
  }
  a.array(g + "failing_banks", s.failing_banks);
  a.scalar(g + "ipo_halted", s.ipo_halted);
  a.scalar(g + "platform_failing", s.platform_failing);
  a.scalar(g + "ipo_valuation_fen", s.ipo_valuation_fen);
  a.scalar(g + "ipo_valuation_multiple", s.ipo_valuation_multiple);
}

// --- the list: ledger -------------------------------------------------------------------

static_assert(sizeof(BookIds) == 14 * sizeof(BookId),
              "BookIds changed: add the member to visit(BookIds&)");
template <class A>
void visit(A& a, BookIds& b) {
  const std::string g = "world/book_ids/";
  a.scalar(g + "consumer_deposit", b.consumer_deposit);
  a.scalar(g + "sme_deposit", b.sme_deposit);
  a.scalar(g + "platform_deposit", b.platform_deposit);
  a.scalar(g + "fund_deposit", b.fund_deposit);
  a.scalar(g + "consumer_fund_units", b.consumer_fund_units);
  a.scalar(g + "revolving_platform", b.revolving_platform);
  a.scalar(g + "revolving_bank", b.revolving_bank);
  a.scalar(g + "cash_platform", b.cash_platform);
  a.scalar(g + "cash_bank", b.cash_bank);
  a.scalar(g + "consumer_bank_loan", b.consumer_bank_loan);
  a.scalar(g + "sme_platform_platform", b.sme_platform_platform);
  a.scalar(g + "sme_platform_bank", b.sme_platform_bank);
  a.scalar(g + "sme_bank_loan", b.sme_bank_loan);
  a.scalar(g + "platform_bank_loan", b.platform_bank_loan);
}

// A column of owners is saved as it is held: "column" (32-bit) or "column16"
// (16-bit), the other one empty. Checkpoints written before the 16-bit column
// have "column" only; it is narrowed on loading when every owner fits.
static_assert(sizeof(OwnerColumn) == 2 * vec, "OwnerColumn changed: update visit(RowOwner&)");
template <class A>
void visit(A& a, RowOwner& o, const std::string& g) {
  a.scalar(g + "/mode", o.mode);
  a.scalar(g + "/fixed", o.fixed);
  a.array(g + "/column", o.column.wide());
  if constexpr (A::loading) {
    if (!a.reader().has(g + "/column16")) {
      o.column.narrow().clear();
      o.column.assign(std::move(o.column.wide()));
      return;
    }
  }
  a.array(g + "/column16", o.column.narrow());
  if constexpr (A::loading) {
    if (!o.column.wide().empty() && !o.column.narrow().empty())
      a.reader().fail("damaged: " + g + " has both a 32-bit and a 16-bit column");
  }
}

// name, 5 enums, holder, issuer, balance, limit.
static_assert(sizeof(Book) == sizeof(std::string) + 8 + 2 * (8 + 2 * vec) + 2 * vec,
              "Book changed: add the member to visit(Book&)");
template <class A>
void visit(A& a, Book& b, const std::string& g) {
  a.text(g + "/name", b.name);
  a.scalar(g + "/instrument", b.instrument);
  a.scalar(g + "/row_kind", b.row_kind);
  a.scalar(g + "/holder_kind", b.holder_kind);
  a.scalar(g + "/issuer_kind", b.issuer_kind);
  a.scalar(g + "/overdraft", b.overdraft);
  visit(a, b.holder, g + "/holder");
  visit(a, b.issuer, g + "/issuer");
  a.array(g + "/balance", b.balance);
  a.array(g + "/limit", b.limit);
}

// books, net worth by kind, the two money counters, the step's flow matrix
// (reset at the start of every day: not saved), nine well-known book ids (padded to 16).
static_assert(sizeof(Ledger) ==
                  2 * vec + 2 * sizeof(Int128) + sizeof(FlowMatrix) + 9 * sizeof(BookId) + 14,
              "Ledger changed: add the member to visit(Ledger&)");
template <class A>
void visit(A& a, Ledger& L) {
  const std::string g = "world/ledger/";
  std::size_t books = a.count(g + "book_count", L.book_count());
  for (std::size_t k = 0; k < books; ++k) {
    const std::string bg = g + "books/" + std::to_string(k);
    if constexpr (A::loading) {
      Book b;
      visit(a, b, bg);
      if (b.overdraft == Overdraft::to_limit && b.limit.size() != b.balance.size())
        a.reader().fail("damaged: " + bg + " has a limit per row missing");
      (void)L.add_book(std::move(b));
    } else {
      visit(a, L.book(static_cast<BookId>(k)), bg);
    }
  }
  for (std::size_t k = 0; k < agent_kind_count; ++k)
    a.array(g + "net_worth/" + std::string(agent_kind_name(static_cast<AgentKind>(k))),
            L.net_worth(static_cast<AgentKind>(k)));
  Int128 created = L.money_created(), destroyed = L.money_destroyed();
  a.scalar(g + "money_created", created);
  a.scalar(g + "money_destroyed", destroyed);
  if constexpr (A::loading) L.restore_money_counters(created, destroyed);
  a.scalar(g + "reserves_book", L.reserves_book);
  a.scalar(g + "clearing_book", L.clearing_book);
  a.scalar(g + "bank_bond_book", L.bank_bond_book);
  a.scalar(g + "cb_bond_book", L.cb_bond_book);
  a.scalar(g + "cb_loan_book", L.cb_loan_book);
  a.scalar(g + "platform_shares_book", L.platform_shares_book);
  a.scalar(g + "cb_foreign_book", L.cb_foreign_book);
  a.scalar(g + "interbank_book", L.interbank_book);
  a.scalar(g + "term_interbank_book", L.term_interbank_book);
}

// --- the list: the world ---------------------------------------------------------------

// The members in order, with the compiler's padding. `flows`, `intents` and
// `sector_net_worth_at_step_start` are the day's scratch: the calendar phase
// resets them at the start of every day, so they are not saved (and a new flow
// row does not trip the size check); so is `clearing_inputs` (bank_regulation
// clears it every day), and `scratch` (buffers the parallel phases reuse).
// (The last 2 * vec and the AuditReport: scratch.screened_consumers and _smes,
// origination.cpp, and scratch.audit, the audit's kept report, whose 16-byte
// alignment adds 16 bytes of padding, and scratch.audited_step, 8 bytes padded
// to 16. A new flow row can still move the padding before
// sector_net_worth_at_step_start.)
static_assert(sizeof(World) - sizeof(StepFlows) ==
                  5552 + 16 + 8 + 24 + 7 * vec + 24 + 2 * vec + sizeof(AuditReport) + 16 + 16,
              "World changed: add the member to visit(World&), then update the size");
template <class A>
void visit(A& a, World& w) {
  a.scalar("world/seed", w.seed);
  a.scalar("world/step", w.step);
  a.scalar("world/spinup_days", w.spinup_days);
  a.scalar("world/next_id", w.next_id);
  visit(a, w.consumers);
  visit(a, w.smes);
  visit(a, w.banks);
  visit(a, w.interbank);
  visit(a, w.systemic);
  visit(a, w.bond_market);
  visit(a, w.platforms);
  visit(a, w.funds);
  visit(a, w.ledger);
  visit(a, w.books);
  visit(a, w.policy);
  visit(a, w.shocks);
}

// --- events as text ----------------------------------------------------------------------

// An event as apply_shock takes it: {"type", "date" or "when", parameters...}.
std::string event_json(const EventSpec& e) {
  std::string head = "{\"type\": " + scenario::json_string(e.type);
  head += e.date ? ", \"date\": " + scenario::json_string(format_iso_date(*e.date))
                 : ", \"when\": " + scenario::json_string(e.when);
  const std::string params = scenario::parameters_json(e);  // "{...}"
  return params.size() > 2 ? head + ", " + params.substr(1) : head + "}";
}

// What identifies an event across two scenarios (its firing record's text).
std::string event_identity(const EventSpec& e) {
  return (e.date ? format_iso_date(*e.date) : "when " + e.when) + " " + event_json(e);
}

}  // namespace

// --- the list: the simulation ---------------------------------------------------------

std::vector<std::pair<std::string, std::uint64_t>> state_bytes(const World& world) {
  Sizer sizer;
  visit(sizer, const_cast<World&>(world));  // Sizer only reads
  return std::move(sizer.lists);
}

void Simulation::save_checkpoint(const std::filesystem::path& path,
                                 const std::string& frontend_json) const {
  static_assert(sizeof(SimulationOptions) == 16);
  static_assert(sizeof(Simulation) == sizeof(SimulationOptions) + 3 * sizeof(void*) + 10 * vec +
                                          sizeof(std::string) + sizeof(std::filesystem::path) +
                                          2 * sizeof(std::int64_t),
                "Simulation changed: add the member to save_checkpoint and load_checkpoint");
  record::ArchiveWriter out(path, checkpoint_kind, checkpoint_format_version);
  out.put_root_attribute("program_version", program_version());
  out.put_root_attribute("git_commit", git_commit());
  out.put_root_attribute("description",
                         "pfsim checkpoint: the state of a run between two days; continue it with "
                         "pfsim resume FILE or pfsim.Simulation.load(FILE)");
  Saver a(out);
  std::string scenario_text = world_->scenario->resolved_text;
  std::string scenario_path = world_->scenario->source_path;
  std::string frontend = frontend_json;
  a.text("scenario/resolved_text", scenario_text);
  a.text("scenario/source_path", scenario_path);
  a.text("frontend_json", frontend);
  // The visit functions take mutable references (one list for both ways);
  // saving only reads them.
  World& w = const_cast<World&>(*world_);
  visit(a, w);
  auto& self = const_cast<Simulation&>(*this);
  std::uint64_t seed = options_.seed;
  a.scalar("sim/seed", seed);
  a.scalar("sim/audit", self.options_.audit);
  a.array("sim/days", self.days_);
  std::vector<std::uint64_t> recorded(recorded_.begin(), recorded_.end());
  a.array("sim/recorded", recorded);
  // Rows a results file holds are read back from it, a column at a time.
  for_each_series([&](std::size_t c, std::vector<double>&& s) {
    if (s.size() != days_.size()) throw InternalError("save_checkpoint: rows read back short");
    a.array("sim/series/" + std::to_string(c), s);
  });
  a.array("sim/latest", self.latest_);
  // Recorded indicators by name too, so that a changed indicator table is
  // refused on load instead of shifting columns.
  std::vector<std::string> names;
  for (const std::size_t k : recorded_) names.emplace_back(indicators::table()[k].name);
  a.strings("sim/recorded_names", names);
  {
    std::vector<std::int32_t> day;
    std::vector<std::string> type, parameters, condition;
    for (const record::EventRecord& e : events_) {
      day.push_back(e.day);
      type.push_back(e.type);
      parameters.push_back(e.parameters);
      condition.push_back(e.condition);
    }
    a.array("sim/events/day", day);
    a.strings("sim/events/type", type);
    a.strings("sim/events/parameters", parameters);
    a.strings("sim/events/condition", condition);
  }
  // Snapshots one at a time: those a results file holds are read back from it.
  const std::size_t snapshots = static_cast<std::size_t>(networks_in_file_) + networks_.size();
  (void)a.count("sim/networks/count", snapshots);
  std::size_t k = 0;
  for_each_network_snapshot([&](record::NetworkSnapshot&& s) {
    const std::string g = "sim/networks/" + std::to_string(k++) + "/";
    a.scalar(g + "day", s.day);
    a.text(g + "name", s.name);
    a.strings(g + "node_kind", s.node_kind);
    a.array(g + "node_index", s.node_index);
    a.strings(g + "node_attribute_names", s.node_attribute_names);
    (void)a.count(g + "node_attributes/count", s.node_attributes.size());
    for (std::size_t j = 0; j < s.node_attributes.size(); ++j)
      a.array(g + "node_attributes/" + std::to_string(j), s.node_attributes[j]);
    a.array(g + "source", s.source);
    a.array(g + "target", s.target);
    a.array(g + "weight", s.weight);
  });
  if (k != snapshots)
    throw InternalError("save_checkpoint: " + std::to_string(k) + " network snapshots read back, " +
                        std::to_string(snapshots) + " taken");
  std::vector<std::string> waiting;
  for (const EventSpec& e : interventions_) waiting.push_back(event_json(e));
  a.strings("sim/interventions", waiting);
  std::vector<std::string> triggers;
  std::vector<std::uint8_t> was_true, fired;
  for (const InterventionTrigger& t : intervention_triggers_) {
    triggers.push_back(event_json(t.event));
    was_true.push_back(t.was_true);
    fired.push_back(t.fired);
  }
  a.strings("sim/intervention_triggers/event", triggers);
  a.array("sim/intervention_triggers/was_true", was_true);
  a.array("sim/intervention_triggers/fired", fired);
  a.array("sim/trigger_was_true", self.trigger_was_true_);
  a.array("sim/trigger_fired", self.trigger_fired_);
  out.commit();
}

std::unique_ptr<Simulation> Simulation::load_checkpoint(const std::filesystem::path& path,
                                                        int threads,
                                                        std::optional<engine::AuditLevel> audit) {
  record::ArchiveReader in(path, checkpoint_kind, checkpoint_format_version);
  Loader a(in);
  std::string scenario_text, scenario_path, frontend;
  a.text("scenario/resolved_text", scenario_text);
  a.text("scenario/source_path", scenario_path);
  a.text("frontend_json", frontend);
  Scenario sc;
  try {
    sc = scenario::load_text(scenario_text, path.string() + " (its scenario)", {},
                             &indicators::names());
  } catch (const UserError& e) {
    in.fail(
        "its scenario does not load in this pfsim (" + e.diagnostics().front().format() + ")",
        "resume it with the pfsim that wrote it (" + in.root_attribute("program_version") + ")");
  }
  sc.source_path = scenario_path;
  SimulationOptions options;
  a.scalar("sim/seed", options.seed);
  a.scalar("sim/audit", options.audit);
  if (audit) options.audit = *audit;
  options.threads = threads;
  std::unique_ptr<Simulation> sim(new Simulation(Restored{}, options));
  sim->frontend_json_ = std::move(frontend);
  World& w = *sim->world_;
  w.scenario = std::make_shared<const Scenario>(std::move(sc));
  visit(a, w);
  if (w.seed != options.seed) in.fail("damaged: the world's seed and the run's differ");
  if (w.consumers.size() != static_cast<std::size_t>(w.scenario->consumers.count))
    in.fail("damaged: its consumer store does not match its scenario's consumers.count");
  a.array("sim/days", sim->days_);
  std::vector<std::uint64_t> recorded;
  a.array("sim/recorded", recorded);
  std::vector<std::string> names;
  a.strings("sim/recorded_names", names);
  if (names.size() != recorded.size()) in.fail("damaged: sim/recorded_names");
  for (std::size_t c = 0; c < recorded.size(); ++c) {
    if (recorded[c] >= indicators::table().size() ||
        indicators::table()[recorded[c]].name != names[c])
      in.fail(
          "it records indicator '" + names[c] + "', which this pfsim's indicator table " +
              "has elsewhere or not at all",
          "resume it with the pfsim that wrote it (" + in.root_attribute("program_version") + ")");
    sim->recorded_.push_back(static_cast<std::size_t>(recorded[c]));
  }
  sim->series_.resize(recorded.size());
  for (std::size_t c = 0; c < recorded.size(); ++c) {
    a.array("sim/series/" + std::to_string(c), sim->series_[c]);
    if (sim->series_[c].size() != sim->days_.size())
      in.fail("damaged: sim/series/" + std::to_string(c) + " and sim/days differ in length");
  }
  a.array("sim/latest", sim->latest_);
  if (!sim->latest_.empty() && sim->latest_.size() != indicators::table().size())
    in.fail("damaged: sim/latest does not hold one value per indicator");
  {
    std::vector<std::int32_t> day;
    std::vector<std::string> type, parameters, condition;
    a.array("sim/events/day", day);
    a.strings("sim/events/type", type);
    a.strings("sim/events/parameters", parameters);
    a.strings("sim/events/condition", condition);
    if (type.size() != day.size() || parameters.size() != day.size() ||
        condition.size() != day.size())
      in.fail("damaged: the lists of sim/events differ in length");
    for (std::size_t k = 0; k < day.size(); ++k)
      sim->events_.push_back({day[k], type[k], parameters[k], condition[k]});
  }
  const std::size_t snapshots = a.count("sim/networks/count", 0);
  for (std::size_t k = 0; k < snapshots; ++k) {
    record::NetworkSnapshot s;
    const std::string g = "sim/networks/" + std::to_string(k) + "/";
    a.scalar(g + "day", s.day);
    a.text(g + "name", s.name);
    a.strings(g + "node_kind", s.node_kind);
    a.array(g + "node_index", s.node_index);
    a.strings(g + "node_attribute_names", s.node_attribute_names);
    s.node_attributes.resize(a.count(g + "node_attributes/count", 0));
    for (std::size_t j = 0; j < s.node_attributes.size(); ++j)
      a.array(g + "node_attributes/" + std::to_string(j), s.node_attributes[j]);
    a.array(g + "source", s.source);
    a.array(g + "target", s.target);
    a.array(g + "weight", s.weight);
    sim->networks_.push_back(std::move(s));
  }
  std::vector<std::string> waiting;
  a.strings("sim/interventions", waiting);
  for (const std::string& text : waiting)
    sim->interventions_.push_back(sim->parse_intervention(text));
  std::vector<std::string> triggers;
  std::vector<std::uint8_t> was_true, fired;
  a.strings("sim/intervention_triggers/event", triggers);
  a.array("sim/intervention_triggers/was_true", was_true);
  a.array("sim/intervention_triggers/fired", fired);
  if (was_true.size() != triggers.size() || fired.size() != triggers.size())
    in.fail("damaged: the lists of sim/intervention_triggers differ in length");
  for (std::size_t k = 0; k < triggers.size(); ++k)
    sim->intervention_triggers_.push_back(
        {sim->parse_intervention(triggers[k]), was_true[k], fired[k]});
  a.array("sim/trigger_was_true", sim->trigger_was_true_);
  a.array("sim/trigger_fired", sim->trigger_fired_);
  if (sim->trigger_was_true_.size() != w.scenario->events.size() ||
      sim->trigger_fired_.size() != w.scenario->events.size())
    in.fail("damaged: the trigger state does not match its scenario's events");
  return sim;
}

// --- forks from a checkpoint under another scenario ---------------------------------------

namespace {

// Parameters that may differ in a branch although no shock moves them: they
// say how long and under which name the run goes on, not what the world is.
bool free_in_a_branch(const std::string& path) {
  return path == "run.days" || path == "run.name" || path == "run.flush_every_steps";
}

std::string why_frozen(const std::string& path) {
  if (path == "run.seed")
    return "draws are keyed on the seed: another seed is another run, not a branch of this one";
  if (path.starts_with("run.start_date") || path.starts_with("run.spinup_days"))
    return "the calendar of the checkpointed run (its days are already simulated)";
  if (path.starts_with("record."))
    return "the results already recorded fix which indicators are recorded and how often";
  if (path.starts_with("interbank."))
    return "the interbank network is drawn when the world is built";
  if (path.starts_with("regions.")) return "regions are laid out when the world is built";
  if (path.starts_with("consumers.") || path.starts_with("smes.") || path.starts_with("banks.") ||
      path.starts_with("platforms.") || path.starts_with("funds."))
    return "agent counts and attributes are drawn when the world is built";
  return "read only when the world is built (no shock moves it)";
}

// The value of a scalar parameter as text, for comparison and messages.
std::string param_text(const scenario::ParamSpec& spec, Scenario& sc, std::size_t index) {
  const auto& acc = spec.access;
  switch (spec.type) {
    case scenario::ParamType::integer:
      return std::to_string(acc.integer(sc, index));
    case scenario::ParamType::number: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", acc.number(sc, index));
      return buf;
    }
    case scenario::ParamType::boolean:
      return acc.boolean(sc, index) ? "true" : "false";
    case scenario::ParamType::string:
      return acc.string(sc, index);
    case scenario::ParamType::date:
      return format_iso_date(acc.date(sc, index));
    case scenario::ParamType::list:
      return std::to_string(acc.list_size(sc)) + " items";
  }
  return {};
}

}  // namespace

std::string frozen_in_a_branch(const std::string& path) {
  if (free_in_a_branch(path)) return {};
  const scenario::ParamSpec* spec = scenario::find_param(path);
  if (spec != nullptr && spec->live != nullptr && path.find("[]") == std::string::npos) return {};
  return why_frozen(path);
}

void Simulation::rebase(const Scenario& next) {
  Scenario before = *world_->scenario;  // the accessors take mutable scenarios
  Scenario after = next;
  std::vector<Diagnostic> problems;
  const auto refuse = [&](const std::string& key, const std::string& message,
                          const std::string& hint) {
    Diagnostic d;
    d.where.file = next.source_path;
    d.key_path = key;
    d.message = message;
    d.hint = hint;
    problems.push_back(std::move(d));
  };
  std::vector<std::pair<double Policy::*, double>> live_changes;
  for (const scenario::ParamSpec& spec : scenario::schema()) {
    if (free_in_a_branch(spec.path)) continue;
    const std::size_t brackets = spec.path.find("[]");
    std::size_t items = 1;
    if (brackets != std::string::npos) {
      // An element of a list: compared item by item where both lists have it
      // (the list's own length is compared as the list parameter).
      const scenario::ParamSpec* list = scenario::find_param(spec.path.substr(0, brackets));
      if (list == nullptr) continue;
      items = std::min(list->access.list_size(before), list->access.list_size(after));
    }
    for (std::size_t i = 0; i < items; ++i) {
      const std::string was = param_text(spec, before, i);
      const std::string now = param_text(spec, after, i);
      if (was == now) continue;
      if (spec.live != nullptr && brackets == std::string::npos) {
        live_changes.emplace_back(spec.live, spec.access.number(after, i));
        continue;
      }
      std::string key = spec.path;
      if (brackets != std::string::npos) key.replace(brackets, 2, "[" + std::to_string(i) + "]");
      refuse(key,
             "cannot change in a branch (checkpoint: " + was + ", scenario: " + now +
                 "): " + why_frozen(spec.path),
             "keep the checkpoint's value, or run the scenario from the start (pfsim run "
             "without --from)");
    }
  }
  // `record.indicators` is a list of names outside the parameter table.
  if (before.record.indicators != after.record.indicators)
    refuse("record.indicators", "cannot change in a branch: " + why_frozen("record.indicators"),
           "keep the checkpoint's list; the results file can be filtered when read");
  const Date today = world_->today();
  std::set<std::string> past;
  for (const EventSpec& e : before.events)
    if (e.date && *e.date < today) past.insert(event_identity(e));
  for (std::size_t i = 0; i < next.events.size(); ++i) {
    const EventSpec& e = next.events[i];
    if (e.date && *e.date < today && past.count(event_identity(e)) == 0)
      refuse(e.key_path.empty() ? "events[" + std::to_string(i) + "]" : e.key_path,
             "a " + e.type + " on " + format_iso_date(*e.date) +
                 " is before the checkpoint's next day " + format_iso_date(today) +
                 ", and the checkpointed run did not have it: a branch cannot change the past",
             "date it from " + format_iso_date(today) + " on, or take an earlier checkpoint");
  }
  if (!problems.empty()) throw UserError(std::move(problems));
  if (auto bad = scenario::check_identifiers(next, indicators::names()); !bad.empty())
    throw UserError(std::move(bad));

  // Live parameters the branch changes take effect now (a ramp moving one is dropped).
  for (const auto& [member, value] : live_changes) {
    world_->policy.*member = value;
    std::erase_if(world_->shocks.ramps,
                  [m = member](const PolicyRamp& r) { return r.target.scalar == m; });
  }
  // Triggers: one the checkpointed scenario had keeps its state; a new one is armed now.
  std::map<std::string, std::pair<std::uint8_t, std::uint8_t>> state;
  for (std::size_t i = 0; i < before.events.size(); ++i)
    if (!before.events[i].date)
      state.emplace(event_identity(before.events[i]),
                    std::pair{trigger_was_true_[i], trigger_fired_[i]});
  trigger_was_true_.assign(next.events.size(), 0);
  trigger_fired_.assign(next.events.size(), 0);
  for (std::size_t i = 0; i < next.events.size(); ++i)
    if (const auto it = state.find(event_identity(next.events[i])); it != state.end()) {
      trigger_was_true_[i] = it->second.first;
      trigger_fired_[i] = it->second.second;
    }
  world_->scenario = std::make_shared<const Scenario>(next);
}

std::unique_ptr<Simulation> Simulation::fork_checkpoint(const std::filesystem::path& path,
                                                        const Scenario& scenario, int threads,
                                                        std::optional<engine::AuditLevel> audit) {
  std::unique_ptr<Simulation> sim = load_checkpoint(path, threads, audit);
  sim->rebase(scenario);
  return sim;
}

}  // namespace pfsim
