// The parameter table: every scenario parameter, declared once. Add a
// parameter here (and its field in scenario.hpp) and it is parsed, validated,
// documented (docs/scenarios.md) and exported (`pfsim schema --json`).
#include <limits>

#include "scenario/schema.hpp"

namespace pfsim::scenario {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// A field accessor from a member expression; `i` is the list index (unused
// outside lists).
#define PFSIM_FIELD(expr) [](Scenario& s, [[maybe_unused]] std::size_t i) -> decltype(auto) { return (s.expr); }

ParamSpec make(std::string path, ParamType type, std::string unit, double min, double max,
               std::string def, std::string help) {
  ParamSpec p;
  p.path = std::move(path);
  p.type = type;
  p.unit = std::move(unit);
  p.min = min;
  p.max = max;
  p.default_yaml = std::move(def);
  p.help = std::move(help);
  return p;
}

ParamSpec integer(std::string path, std::string unit, double min, double max, std::string def,
                  std::string help, std::function<std::int64_t&(Scenario&, std::size_t)> f) {
  ParamSpec p = make(std::move(path), ParamType::integer, std::move(unit), min, max, std::move(def),
                     std::move(help));
  p.access.integer = std::move(f);
  return p;
}

ParamSpec number(std::string path, std::string unit, double min, double max, std::string def,
                 std::string help, std::function<double&(Scenario&, std::size_t)> f) {
  ParamSpec p = make(std::move(path), ParamType::number, std::move(unit), min, max, std::move(def),
                     std::move(help));
  p.access.number = std::move(f);
  return p;
}

ParamSpec string(std::string path, std::string def, std::string help,
                 std::function<std::string&(Scenario&, std::size_t)> f) {
  ParamSpec p = make(std::move(path), ParamType::string, "", -inf, inf, std::move(def), std::move(help));
  p.access.string = std::move(f);
  return p;
}

ParamSpec date(std::string path, std::string def, std::string help,
               std::function<Date&(Scenario&, std::size_t)> f) {
  ParamSpec p = make(std::move(path), ParamType::date, "date", -inf, inf, std::move(def), std::move(help));
  p.access.date = std::move(f);
  return p;
}

}  // namespace

std::vector<ParamSpec> parameter_table() {
  std::vector<ParamSpec> t;
  // --- run ---------------------------------------------------------------
  t.push_back(string("run.name", "\"baseline\"", "A short name for the scenario, used in reports.",
                     PFSIM_FIELD(run.name)));
  t.push_back(date("run.start_date", "2019-01-01", "Calendar date of the first simulated day.",
                   PFSIM_FIELD(run.start_date)));
  t.push_back(integer("run.days", "days", 1, 36500, "365",
                      "Length of the run in days (one step is one day).", PFSIM_FIELD(run.days)));
  t.push_back(integer("run.seed", "", 0, 9.007199254740992e15, "1",
                      "Seed of every random draw; `pfsim run --seed` overrides it.",
                      PFSIM_FIELD(run.seed)));
  t.push_back(integer("run.flush_every_steps", "steps", 1, 100000, "30",
                      "Results are flushed to disk every this many steps; a killed run keeps "
                      "every step up to the last flush.",
                      PFSIM_FIELD(run.flush_every_steps)));
  // --- consumers ----------------------------------------------------------
  t.push_back(integer("consumers.count", "count", 1, 2e8, "100000",
                      "Number of consumer agents.", PFSIM_FIELD(consumers.count)));
  t.push_back(number("consumers.monthly_income_median_yuan", "RMB/month", 1, 1e7, "4500",
                     "Median monthly wage of an employed consumer (log-normal). Source: NBS 2019 "
                     "urban per-capita disposable income ≈ RMB 42,359/year.",
                     PFSIM_FIELD(consumers.monthly_income_median_yuan)));
  t.push_back(number("consumers.income_log_sigma", "1", 0, 3, "0.6",
                     "Standard deviation of log monthly income across consumers.",
                     PFSIM_FIELD(consumers.income_log_sigma)));
  t.push_back(number("consumers.employment_rate", "share", 0, 1, "0.95",
                     "Share of consumers employed (and paid) by an SME.",
                     PFSIM_FIELD(consumers.employment_rate)));
  t.push_back(number("consumers.initial_deposit_months", "months", 0, 600, "3",
                     "Initial bank deposit in months of the consumer's own income.",
                     PFSIM_FIELD(consumers.initial_deposit_months)));
  t.push_back(number("consumers.mpc_income", "share", 0, 1.5, "0.7",
                     "Share of monthly income spent on consumption (buffer-stock rule).",
                     PFSIM_FIELD(consumers.mpc_income)));
  t.push_back(number("consumers.mpc_wealth_monthly", "1/month", 0, 1, "0.1",
                     "Share of the deposit above one month of income spent per month.",
                     PFSIM_FIELD(consumers.mpc_wealth_monthly)));
  t.push_back(number("consumers.purchases_per_month", "1/month", 0.1, 300, "20",
                     "Mean number of purchases per month (each a payment to one merchant).",
                     PFSIM_FIELD(consumers.purchases_per_month)));
  t.push_back(number("consumers.platform_adoption_mean", "share", 0, 1, "0.75",
                     "Mean probability that a consumer pays through the platform when the "
                     "merchant accepts it.",
                     PFSIM_FIELD(consumers.platform_adoption_mean)));
  // --- SMEs ---------------------------------------------------------------
  t.push_back(integer("smes.count", "count", 1, 2e7, "10000", "Number of SME (merchant) agents.",
                      PFSIM_FIELD(smes.count)));
  t.push_back(number("smes.initial_deposit_months", "months", 0, 600, "2",
                     "Initial cash in months of the SME's wage bill.",
                     PFSIM_FIELD(smes.initial_deposit_months)));
  t.push_back(number("smes.platform_acceptance", "share", 0, 1, "0.9",
                     "Share of merchants that accept payment through the platform.",
                     PFSIM_FIELD(smes.platform_acceptance)));
  t.push_back(integer("smes.payday", "day of month", 1, 28, "1",
                      "Day of the month on which SMEs pay wages.", PFSIM_FIELD(smes.payday)));
  // --- banks --------------------------------------------------------------
  {
    ParamSpec tiers = make("banks.tiers", ParamType::list, "", 1, 16,
                    "[{name: state, count: 6, deposit_share: 0.45, capital_ratio: 0.085, "
                    "reserve_ratio: 0.11}, {name: joint_stock, count: 12, deposit_share: 0.25, "
                    "capital_ratio: 0.08, reserve_ratio: 0.095}, {name: city_rural, count: 30, "
                    "deposit_share: 0.30, capital_ratio: 0.075, reserve_ratio: 0.085}]",
                    "Bank tiers (state-owned, joint-stock, city/rural commercial). "
                    "`deposit_share` must sum to 1 over tiers.");
    tiers.access.list_size = [](const Scenario& s) { return s.banks.tiers.size(); };
    tiers.access.list_resize = [](Scenario& s, std::size_t n) { s.banks.tiers.resize(n); };
    t.push_back(std::move(tiers));
  }
  t.push_back(string("banks.tiers[].name", "\"tier\"", "Name of the tier.",
                     PFSIM_FIELD(banks.tiers[i].name)));
  t.push_back(integer("banks.tiers[].count", "count", 1, 1000, "1", "Number of banks in the tier.",
                      PFSIM_FIELD(banks.tiers[i].count)));
  t.push_back(number("banks.tiers[].deposit_share", "share", 0, 1, "1",
                     "Share of consumers and SMEs that bank with this tier.",
                     PFSIM_FIELD(banks.tiers[i].deposit_share)));
  t.push_back(number("banks.tiers[].capital_ratio", "share", 0, 1, "0.08",
                     "Initial equity as a share of the tier's deposits.",
                     PFSIM_FIELD(banks.tiers[i].capital_ratio)));
  t.push_back(number("banks.tiers[].reserve_ratio", "share", 0, 1, "0.1",
                     "Initial central-bank reserves as a share of deposits.",
                     PFSIM_FIELD(banks.tiers[i].reserve_ratio)));
  // --- platform -----------------------------------------------------------
  t.push_back(number("platform.merchant_fee_rate", "share of volume", 0, 0.1, "0.006",
                     "Fee the platform charges merchants on payment volume (≈0.6%, case material).",
                     PFSIM_FIELD(platform.merchant_fee_rate)));
  t.push_back(number("platform.operating_cost_ratio", "share of revenue", 0, 1, "0.85",
                     "Operating costs (paid to SMEs at month end) as a share of the month's "
                     "revenue; the rest is retained as equity. Ant 2019: net profit RMB 18.1 bn on "
                     "revenue RMB 120.6 bn (calibration.md 1.15, 1.17).",
                     PFSIM_FIELD(platform.operating_cost_ratio)));
  // --- central bank -------------------------------------------------------
  t.push_back(number("central_bank.policy_rate", "1/year", -0.05, 0.5, "0.0385",
                     "Policy rate (1-year LPR 3.85% in Jul-2020).",
                     PFSIM_FIELD(central_bank.policy_rate)));
  t.push_back(number("central_bank.reserve_requirement", "share", 0, 1, "0.094",
                     "Required reserves as a share of deposits (weighted average ≈ 9.4%, 2020).",
                     PFSIM_FIELD(central_bank.reserve_requirement)));
  return t;
}

#undef PFSIM_FIELD

}  // namespace pfsim::scenario
