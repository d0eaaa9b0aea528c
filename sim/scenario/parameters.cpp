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
#define PFSIM_FIELD(expr) \
  [](Scenario& s, [[maybe_unused]] std::size_t i) -> decltype(auto) { return (s.expr); }

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
  ParamSpec p =
      make(std::move(path), ParamType::string, "", -inf, inf, std::move(def), std::move(help));
  p.access.string = std::move(f);
  return p;
}

ParamSpec date(std::string path, std::string def, std::string help,
               std::function<Date&(Scenario&, std::size_t)> f) {
  ParamSpec p =
      make(std::move(path), ParamType::date, "date", -inf, inf, std::move(def), std::move(help));
  p.access.date = std::move(f);
  return p;
}

// A live parameter: its value starts the Policy field `knob`, which shocks move.
ParamSpec live(double Policy::*knob, ParamSpec p) {
  p.live = knob;
  return p;
}

}  // namespace

std::vector<ParamSpec> parameter_table() {
  std::vector<ParamSpec> t;
  t.push_back(string("run.name", "\"baseline\"", "A short name for the scenario, used in reports.",
                     PFSIM_FIELD(run.name)));
  t.push_back(date("run.start_date", "2019-01-01", "Calendar date of the first simulated day.",
                   PFSIM_FIELD(run.start_date)));
  t.push_back(integer("run.days", "days", 1, 36500, "365",
                      "Length of the run in days (one step is one day).", PFSIM_FIELD(run.days)));
  t.push_back(integer(
      "run.spinup_days", "days", 0, 3650, "0",
      "Days simulated before start_date and not recorded, with no events, so that the recorded "
      "run starts from the model's own steady state (loans of every vintage, delinquency "
      "pipelines, fund holdings) rather than from a world where every loan starts on day 1. "
      "Paid when the Simulation is built.",
      PFSIM_FIELD(run.spinup_days)));
  t.push_back(integer("run.seed", "", 0, 9007199254740992.0, "1",
                      "Seed of every random draw; `pfsim run --seed` overrides it.",
                      PFSIM_FIELD(run.seed)));
  t.push_back(integer("run.flush_every_steps", "steps", 1, 100000, "30",
                      "Results are flushed to disk every this many steps; a killed run keeps every "
                      "step up to the last flush.",
                      PFSIM_FIELD(run.flush_every_steps)));
  t.push_back(number(
      "run.scale", "persons per agent", 1, 1000000000.0, "1",
      "How many real persons (and firms) each agent stands for. Stocks and flows in /timeseries "
      "are reported economy-wide (model amounts × scale); per-agent amounts stay real RMB.",
      PFSIM_FIELD(run.scale)));
  t.push_back(integer("regions.count", "count", 1, 1000, "1",
                      "Number of regions. Firms are split into equal contiguous blocks of slots "
                      "(ids grouped by region); consumers live in their employer's region. Each "
                      "region has its own house-price index (house_price_shock with `region`).",
                      PFSIM_FIELD(regions.count)));
  t.push_back(number("regions.home_purchase_share", "share", 0, 1, "0.8",
                     "Probability that a purchase is made at a merchant of the buyer's home region "
                     "(drawn by firm size within the region); otherwise the merchant is drawn from "
                     "the whole economy. Irrelevant with one region.",
                     PFSIM_FIELD(regions.home_purchase_share)));
  t.push_back(integer("consumers.count", "count", 1, 200000000.0, "100000",
                      "Number of consumer agents.", PFSIM_FIELD(consumers.count)));
  t.push_back(number("consumers.monthly_income_median_yuan", "RMB/month", 1, 10000000.0, "3000",
                     "Median monthly wage (log-normal). NBS 2019: urban per-capita disposable "
                     "income RMB 42,359/year.",
                     PFSIM_FIELD(consumers.monthly_income_median_yuan)));
  t.push_back(number("consumers.income_log_sigma", "1", 0, 3, "0.6",
                     "Standard deviation of log monthly income.",
                     PFSIM_FIELD(consumers.income_log_sigma)));
  t.push_back(number("consumers.employment_rate", "share", 0, 1, "0.95",
                     "Share of consumers employed at the start.",
                     PFSIM_FIELD(consumers.employment_rate)));
  t.push_back(number("consumers.job_loss_rate_monthly", "1/month", 0, 1, "0.01",
                     "Probability that an employed consumer loses the job in a month (an "
                     "unemployment spell starts).",
                     PFSIM_FIELD(consumers.job_loss_rate_monthly)));
  t.push_back(number("consumers.job_finding_rate_monthly", "1/month", 0, 1, "0.2",
                     "Probability that an unemployed consumer is rehired in a month (steady-state "
                     "unemployment = loss / (loss + finding)).",
                     PFSIM_FIELD(consumers.job_finding_rate_monthly)));
  t.push_back(number("consumers.initial_deposit_months", "months", 0, 600, "2.5",
                     "Initial bank deposit in months of the consumer's own income.",
                     PFSIM_FIELD(consumers.initial_deposit_months)));
  t.push_back(number("consumers.mpc_income", "share", 0, 1.5, "0.85",
                     "Share of monthly income spent on consumption (buffer-stock rule).",
                     PFSIM_FIELD(consumers.mpc_income)));
  t.push_back(number(
      "consumers.mpc_wealth_monthly", "1/month", 0, 1, "0.1",
      "Share of liquid wealth (deposit + fund units) above one month of income spent per month.",
      PFSIM_FIELD(consumers.mpc_wealth_monthly)));
  t.push_back(number(
      "consumers.subsistence_share", "share", 0, 1.5, "0.65",
      "Spending floor in months of the consumer's usual wage: spent even when income stops "
      "(unemployment), from deposits, then the credit line. 0.65 gives a 24% fall in spending on "
      "job loss (Gruber 1997: 22% without unemployment insurance).",
      PFSIM_FIELD(consumers.subsistence_share)));
  t.push_back(
      number("consumers.hand_to_mouth_share", "share", 0, 1, "0.2",
             "Share of consumers who live hand to mouth: they spend all their income (mpc 1) and "
             "keep no liquid buffer, so a job loss reaches their loan payments within weeks "
             "(Kaplan, Violante & Weidner 2014 find 20-35% in rich countries; China's high saving "
             "puts it at the low end).",
             PFSIM_FIELD(consumers.hand_to_mouth_share)));
  t.push_back(number(
      "consumers.unemployed_income_share", "share", 0, 1, "0.25",
      "Income while unemployed, as a share of the usual wage, paid by the government on payday: "
      "unemployment insurance (about 60-80% of the local minimum wage for the insured), "
      "severance and family support together. An assumption: China's insurance reaches a "
      "minority of the unemployed.",
      PFSIM_FIELD(consumers.unemployed_income_share)));
  t.push_back(number(
      "consumers.mpc_lost_income", "share", 0, 1, "0.1",
      "Share of the wage lost in unemployment by which a consumer that is not hand to mouth "
      "cuts the income term of its budget: job loss is mostly transitory (a spell lasts about "
      "1/job_finding_rate_monthly months), so it runs its buffer down rather than cut spending "
      "by the whole loss (Carroll 1997; Browning & Crossley 2001: about 14% lower spending "
      "on job loss; Gruber 1997: 7% with insurance, about 22% without). 1 treats the loss as "
      "permanent.",
      PFSIM_FIELD(consumers.mpc_lost_income)));
  t.push_back(number(
      "consumers.social_contribution_share", "share", 0, 1, "1",
      "Share of the government's spending (unemployment income paid on payday and a month's "
      "coupons on the bonds banks hold) that employees pay back on payday as a social "
      "contribution withheld from the wages they were paid (the same rate for everyone, at most "
      "50%). 1 balances the budget each month, so that public debt and private wealth do not "
      "grow without limit (a stock-flow consistent stationary state, Godley & Lavoie 2007); 0 "
      "finances it all by issuing bonds, and households' and firms' deposits grow by the "
      "deficit. China's unemployment insurance alone is funded by contributions of about 1% of "
      "wages.",
      PFSIM_FIELD(consumers.social_contribution_share)));
  t.push_back(number(
      "consumers.line_liquidity_share", "share", 0, 1, "0.5",
      "When its deposit runs short, a consumer puts purchases on its credit line only while the "
      "balance stays within this share of the limit: the unused line is part of its buffer "
      "(Fulford 2015; Gross & Souleles 2002 find spending responds to limits mostly near them).",
      PFSIM_FIELD(consumers.line_liquidity_share)));
  t.push_back(number(
      "consumers.line_buffer_share", "share", 0, 1, "0.6",
      "Share of its unused credit line that an employed consumer with a line counts as "
      "cash-on-hand in place of liquid wealth above its one-month buffer (buffer stock with "
      "credit: Carroll 1997; Fulford 2015); it spends mpc_wealth_monthly of what this adds, on "
      "the line. So a higher limit raises spending and debt, mostly for consumers short of "
      "liquid wealth (Gross & Souleles 2002; Aydin 2022). 0 turns it off.",
      PFSIM_FIELD(consumers.line_buffer_share)));
  t.push_back(number("consumers.reapply_cooloff_months", "months", 0, 60, "6",
                     "A consumer refused a credit line or a cash loan does not apply for that "
                     "product again for this many months (lenders keep their view of it: "
                     "reapplying does not redraw it).",
                     PFSIM_FIELD(consumers.reapply_cooloff_months)));
  t.push_back(number("consumers.purchases_per_month", "1/month", 0.1, 300, "20",
                     "Mean number of purchases per month (each a payment to one merchant).",
                     PFSIM_FIELD(consumers.purchases_per_month)));
  t.push_back(number("consumers.platform_adoption_mean", "share", 0, 1, "0.75",
                     "Mean probability that a consumer pays by mobile wallet when the merchant "
                     "accepts it (logit-normal across consumers).",
                     PFSIM_FIELD(consumers.platform_adoption_mean)));
  t.push_back(number("consumers.risk_logit_mean", "logit(1/year)", -12, 3, "-4.85",
                     "Mean of logit(annual default probability) of consumers (−4.85 ≈ 0.78%).",
                     PFSIM_FIELD(consumers.risk_logit_mean)));
  t.push_back(number("consumers.risk_logit_sigma", "1", 0, 4, "1.0",
                     "Standard deviation of logit(annual default probability).",
                     PFSIM_FIELD(consumers.risk_logit_sigma)));
  t.push_back(
      number("consumers.unemployed_risk_multiplier", "1", 1, 100, "2",
             "Default hazard multiplier while unemployed (job loss raises default risk "
             "several-fold; an assumption in the range of the household-default literature).",
             PFSIM_FIELD(consumers.unemployed_risk_multiplier)));
  t.push_back(number("consumers.revolving_use_share", "share", 0, 1, "0.5",
                     "Share of platform purchases a consumer with a credit line puts on it.",
                     PFSIM_FIELD(consumers.revolving_use_share)));
  t.push_back(number("consumers.revolving_limit_months", "months", 0, 24, "4",
                     "Revolving credit line in months of income.",
                     PFSIM_FIELD(consumers.revolving_limit_months)));
  t.push_back(number("consumers.revolving_repay_share", "share", 0, 1, "0.8",
                     "Share of the monthly statement repaid when funds allow (the rest revolves at "
                     "the revolving rate).",
                     PFSIM_FIELD(consumers.revolving_repay_share)));
  t.push_back(number(
      "consumers.revolving_minimum_share", "share", 0, 1, "0.1",
      "Minimum monthly payment as a share of the statement; paying less is a missed payment.",
      PFSIM_FIELD(consumers.revolving_minimum_share)));
  t.push_back(number("consumers.cash_loan_demand_monthly", "1/month", 0, 1, "0.06",
                     "Probability of wanting a cash (instalment) loan in a month, for a consumer "
                     "not short of cash (durables, travel, a wedding), when the policy rate is at "
                     "cash_loan_reference_rate.",
                     PFSIM_FIELD(consumers.cash_loan_demand_monthly)));
  t.push_back(number(
      "consumers.cash_loan_need_months", "months", 0, 24, "0.5",
      "A consumer whose liquid wealth (deposit and fund units) on its billing day is below this "
      "many months of its usual wage is short of cash and wants a cash loan with probability "
      "cash_loan_demand_short_monthly instead: unsecured borrowing comes mostly from households "
      "with little liquidity (Bhutta, Skiba & Tobacman 2015) and rises among them after a job "
      "loss (Sullivan 2008), so the borrowers an income shock hits are the ones least able to "
      "keep paying.",
      PFSIM_FIELD(consumers.cash_loan_need_months)));
  t.push_back(number("consumers.cash_loan_demand_short_monthly", "1/month", 0, 1, "0.18",
                     "Probability per month that a consumer short of cash (cash_loan_need_months) "
                     "wants a cash loan, at cash_loan_reference_rate; the rest cut spending or "
                     "borrow from family.",
                     PFSIM_FIELD(consumers.cash_loan_demand_short_monthly)));
  t.push_back(number("consumers.cash_loan_rate_elasticity", "1/(rate)", 0, 100, "15",
                     "Semi-elasticity of cash-loan demand to the policy rate: demand × exp(−e × "
                     "(policy rate − reference)).",
                     PFSIM_FIELD(consumers.cash_loan_rate_elasticity)));
  t.push_back(number("consumers.cash_loan_reference_rate", "1/year", -0.05, 0.5, "0.0385",
                     "Policy rate at which cash-loan demand equals cash_loan_demand_monthly; "
                     "demand rises as the policy rate falls below it.",
                     PFSIM_FIELD(consumers.cash_loan_reference_rate)));
  t.push_back(number("consumers.cash_loan_months_of_income", "months", 0, 24, "2",
                     "Size of a cash loan in months of income.",
                     PFSIM_FIELD(consumers.cash_loan_months_of_income)));
  t.push_back(integer("consumers.cash_loan_term_months", "months", 1, 120, "12",
                      "Term of cash and bank consumer loans (equal monthly instalments).",
                      PFSIM_FIELD(consumers.cash_loan_term_months)));
  t.push_back(number(
      "consumers.bank_loan_fixed_cost_yuan", "RMB", 0, 1e6, "800",
      "One-off non-price cost of a bank consumer loan: a branch visit, income proof and days of "
      "waiting, against a platform cash loan approved in the app in minutes (fintech borrowers "
      "pay for convenience: Buchak, Matvos, Piskorski & Seru 2018; Fuster, Plosser, Schnabl & "
      "Vickery 2019). A consumer compares the approved offers by annual cost per yuan of its "
      "need, this cost spread over the term, so banks win the larger loans of consumers they "
      "judge safe. Assumption, set so that most cash loans of the platform's wallet users stay "
      "with the platform.",
      PFSIM_FIELD(consumers.bank_loan_fixed_cost_yuan)));
  t.push_back(number("consumers.homeowner_share", "share", 0, 1, "0.7",
                     "Share of consumers who own a house.",
                     PFSIM_FIELD(consumers.homeowner_share)));
  t.push_back(number("consumers.house_value_months", "months", 0, 10000, "120",
                     "House value in months of income.",
                     PFSIM_FIELD(consumers.house_value_months)));
  t.push_back(number("consumers.house_value_log_sigma", "1", 0, 3, "0.5",
                     "Dispersion of house values: a homeowner's house is worth house_value_months "
                     "× income × exp(σ z − σ²/2), z standard normal.",
                     PFSIM_FIELD(consumers.house_value_log_sigma)));
  t.push_back(
      number("consumers.fund_share_max", "share", 0, 1, "0.5",
             "Ceiling of the share of liquid wealth a wallet user keeps in the money-market fund.",
             PFSIM_FIELD(consumers.fund_share_max)));
  t.push_back(number("consumers.fund_share_intercept", "logit", -20, 20, "-0.9",
                     "Logit intercept of the fund share (convenience).",
                     PFSIM_FIELD(consumers.fund_share_intercept)));
  t.push_back(number(
      "consumers.fund_share_spread_sensitivity", "logit/pp", 0, 20, "0.8",
      "Change of the logit fund share per percentage point of fund yield over the deposit rate.",
      PFSIM_FIELD(consumers.fund_share_spread_sensitivity)));
  t.push_back(number("consumers.fund_adjustment_monthly", "1/month", 0, 1, "0.3",
                     "Share of the gap between actual and target fund holdings closed per month.",
                     PFSIM_FIELD(consumers.fund_adjustment_monthly)));
  t.push_back(integer("smes.count", "count", 1, 20000000.0, "10000",
                      "Number of SME (merchant) agents.", PFSIM_FIELD(smes.count)));
  t.push_back(number("smes.initial_deposit_months", "months", 0, 600, "2",
                     "Initial cash in months of the SME's wage bill.",
                     PFSIM_FIELD(smes.initial_deposit_months)));
  t.push_back(number("smes.platform_acceptance", "share", 0, 1, "0.9",
                     "Share of merchants that accept mobile-wallet payment.",
                     PFSIM_FIELD(smes.platform_acceptance)));
  t.push_back(number("smes.fee_free_share", "share", 0, 1, "0.4",
                     "Share of wallet-accepting merchants who pay no merchant fee (personal "
                     "QR-code sellers). With the 0.6% headline fee this gives payments revenue of "
                     "≈ RMB 52 bn on ≈ RMB 14 tn of wallet purchases (calibration.md 1.18).",
                     PFSIM_FIELD(smes.fee_free_share)));
  t.push_back(integer("smes.payday", "day of month", 1, 28, "1",
                      "Day of the month on which SMEs pay wages.", PFSIM_FIELD(smes.payday)));
  t.push_back(
      number("smes.supplier_share", "share", 0, 0.9, "0.2",
             "Share of last month's sales an SME spends on purchases from its supplier SME.",
             PFSIM_FIELD(smes.supplier_share)));
  t.push_back(number("smes.risk_logit_mean", "logit(1/year)", -12, 3, "-3.2",
                     "Mean of logit(annual default probability) of SMEs (−3.2 ≈ 3.9%).",
                     PFSIM_FIELD(smes.risk_logit_mean)));
  t.push_back(number("smes.risk_logit_sigma", "1", 0, 4, "1.0",
                     "Standard deviation of logit(annual default probability) of SMEs.",
                     PFSIM_FIELD(smes.risk_logit_sigma)));
  t.push_back(number("smes.collateral_share", "share", 0, 1, "0.3",
                     "Share of SMEs owning property they can pledge.",
                     PFSIM_FIELD(smes.collateral_share)));
  t.push_back(number("smes.collateral_months", "months", 0, 1000, "24",
                     "Mean property value in months of the SME's wage bill.",
                     PFSIM_FIELD(smes.collateral_months)));
  t.push_back(number(
      "smes.collateral_dispersion", "1", 0, 3, "0",
      "Standard deviation of log property value across the firms that own property (log-normal, "
      "mean collateral_months of the wage bill): some firms always sit near a bank's "
      "loan-to-value limit, so a fall in house prices cuts their bank credit (the collateral "
      "channel, Chaney, Sraer & Thesmar 2012). 0 (the default) gives every owner the same months.",
      PFSIM_FIELD(smes.collateral_dispersion)));
  t.push_back(number("smes.loan_need_months", "months", 0, 24, "1",
                     "Working-capital need: an SME that expects to hold less than this many "
                     "months of its wage bill at the next payday (its cash plus last month's "
                     "sales net of supplier purchases, pro rata to the days until then) applies "
                     "for a working-capital loan to each lender it does not owe (wages are paid "
                     "in advance of sales).",
                     PFSIM_FIELD(smes.loan_need_months)));
  t.push_back(number("smes.loan_size_months", "months", 0, 60, "0.95",
                     "Size of a working-capital loan in months of the wage bill (MYbank 2019: "
                     "average RMB 31,000, calibration.md 2.11).",
                     PFSIM_FIELD(smes.loan_size_months)));
  t.push_back(number("smes.loan_demand_monthly", "1/month", 0, 1, "0.048",
                     "Probability that an SME with no loan applies for one in a month whatever its "
                     "cash (investment and stock-building), besides the cash-shortfall trigger.",
                     PFSIM_FIELD(smes.loan_demand_monthly)));
  t.push_back(number(
      "smes.loan_rate_elasticity", "1/(rate)", 0, 100, "10",
      "Semi-elasticity of the discretionary loan demand (loan_demand_monthly) to the loan rate: "
      "demand × exp(−elasticity × (policy rate − loan_reference_rate)); loan rates move one for "
      "one with the policy rate. 10 is an elasticity of about −1 at a 10% loan rate, within the "
      "range estimated for small-firm credit demand.",
      PFSIM_FIELD(smes.loan_rate_elasticity)));
  t.push_back(number("smes.loan_reference_rate", "1/year", -0.05, 0.5, "0.0385",
                     "Policy rate at which discretionary SME loan demand equals "
                     "loan_demand_monthly.",
                     PFSIM_FIELD(smes.loan_reference_rate)));
  t.push_back(number(
      "smes.bank_loan_fixed_cost_yuan", "RMB", 0, 1e7, "1500",
      "One-off non-price cost of a bank loan to a small firm: collateral appraisal, notary and "
      "paperwork, and the owner's days of waiting, against the platform's minutes (the '310' "
      "model: 3 minutes to apply, 1 second to approve, 0 people). A firm compares lenders by "
      "annual cost per yuan of its need: interest on the whole loan (a bank lends at least "
      "banks.sme_min_loan_yuan) plus this cost spread over the term, so the smallest firms "
      "borrow from the platform and larger ones from banks. Assumption, set so that banks "
      "hold the larger firms' loans while the platform's average SME loan stays near MYbank's.",
      PFSIM_FIELD(smes.bank_loan_fixed_cost_yuan)));
  t.push_back(number("smes.reapply_cooloff_months", "months", 0, 60, "3",
                     "A firm refused by every lender it asked does not apply again for this many "
                     "months (lenders keep their view of it: reapplying does not redraw it).",
                     PFSIM_FIELD(smes.reapply_cooloff_months)));
  t.push_back(number(
      "smes.demand_persistence_monthly", "1", 0, 0.999, "0.95",
      "Month-to-month persistence ρ of each firm's log demand factor (buyers pick merchants in "
      "proportion to wage bill × demand factor). 0.95 a month is about 0.54 a year, within the "
      "persistence of firm-level demand and sales shocks (Foster, Haltiwanger & Syverson 2008).",
      PFSIM_FIELD(smes.demand_persistence_monthly)));
  t.push_back(
      number("smes.demand_volatility_monthly", "1", 0, 1, "0.04",
             "Monthly innovation σ of each firm's log demand factor (mean 1). With ρ = 0.95 the "
             "stationary standard deviation is 0.13 and one-year log sales growth has a standard "
             "deviation of about 0.12: half of what is measured for small private firms (Davis, "
             "Haltiwanger, Jarmin & Miranda 2006), because more firm-level risk than this pushes "
             "exits, unemployment and bank NPLs above the calibration table. 0 gives every firm "
             "demand in proportion to its wage bill.",
             PFSIM_FIELD(smes.demand_volatility_monthly)));
  t.push_back(number("smes.cash_target_months", "months", 0, 60, "1.5",
                     "Cash an SME keeps, in months of its wage bill; on payday it pays out "
                     "dividend_share of any excess.",
                     PFSIM_FIELD(smes.cash_target_months)));
  t.push_back(number(
      "smes.cash_target_dispersion", "1", 0, 3, "0.75",
      "Standard deviation of the log of a firm's own cash target relative to cash_target_months "
      "(log-normal with mean 1, drawn once per firm): small businesses' cash buffers are widely "
      "dispersed (JPMorgan Chase Institute 2016: median 27 days of outflows, a quarter hold fewer "
      "than 13), so some firms run lean and depend on credit. 0 gives every firm the same target.",
      PFSIM_FIELD(smes.cash_target_dispersion)));
  t.push_back(number("smes.dividend_share", "share", 0, 1, "0.5",
                     "Share of cash above the target paid out on payday to the firm's owners "
                     "(modelled as its staff, in proportion to wages), closing the circular flow.",
                     PFSIM_FIELD(smes.dividend_share)));
  t.push_back(number(
      "smes.debt_service_reserve", "share", 0, 1, "0.5",
      "Share of the loan instalments due before the next payday that a firm keeps on top of its "
      "cash target before paying dividends (debt service before payouts). 0 = dividends ignore "
      "the instalments.",
      PFSIM_FIELD(smes.debt_service_reserve)));
  t.push_back(integer("smes.loan_term_months", "months", 1, 120, "6",
                      "Term of SME working-capital loans.", PFSIM_FIELD(smes.loan_term_months)));
  t.push_back(integer(
      "smes.exit_missed_paydays", "paydays", 1, 24, "3",
      "An SME that falls short on this many consecutive paydays, or defaults on a loan, exits.",
      PFSIM_FIELD(smes.exit_missed_paydays)));
  t.push_back(number("smes.entry_rate_monthly", "1/month", 0, 1, "0.5",
                     "Probability that a vacant firm slot is taken by a new firm in a month (its "
                     "former staff are rehired).",
                     PFSIM_FIELD(smes.entry_rate_monthly)));
  t.push_back(number(
      "smes.hiring_cash_months", "months", 0, 60, "1",
      "Labour demand depends on finance, on cash plus the credit a firm can get: a firm that "
      "cannot borrow now (it is past due, or cooling off from the platform's refusal and owing or "
      "cooling off from its bank's) "
      "and expects to hold less than this many months of its full staff's wage bill at the "
      "next payday (cash after wages plus a month's sales net of supplier purchases) finances "
      "only that share of its staff: it pays no dividends, fills no vacancies and lays off part "
      "of the rest (layoff_adjustment_monthly), so it shrinks and serves fewer buyers. A firm "
      "that may still borrow asks first. 1, equal to loan_need_months, makes the firms that "
      "shed staff those that needed a working-capital loan and did not get one "
      "(Chodorow-Reich 2014: 4-5% less employment at small firms whose lenders cut credit; "
      "JPMorgan Chase Institute 2016: the median small business holds 27 days of outflows in "
      "cash). 0 turns the rule off.",
      PFSIM_FIELD(smes.hiring_cash_months)));
  t.push_back(number(
      "smes.layoff_adjustment_monthly", "share", 0, 1, "0.5",
      "Share of the staff a firm cannot finance (hiring_cash_months) that it lays off on each "
      "payday: employment adjusts to its target gradually (partial adjustment of labour demand, "
      "Hamermesh 1993). Assumption.",
      PFSIM_FIELD(smes.layoff_adjustment_monthly)));
  {
    ParamSpec tiers = make(
        "banks.tiers", ParamType::list, "", 1, 16,
        "[{name: state, count: 6, deposit_share: 0.45, capital_ratio: 0.08, "
        "reserve_ratio: 0.12, surcharge: 0.015, colending_appetite: 0.6, fund_placement_weight: "
        "0.2, term_interbank_share: 0.02}, "
        "{name: joint_stock, count: 12, deposit_share: 0.25, capital_ratio: 0.075, "
        "reserve_ratio: 0.105, surcharge: 0.005, colending_appetite: 1.5, fund_placement_weight: "
        "1.5, term_interbank_share: 0.15}, "
        "{name: city_rural, count: 30, deposit_share: 0.30, capital_ratio: 0.07, "
        "reserve_ratio: 0.095, surcharge: 0, colending_appetite: 1.2, fund_placement_weight: 1.5, "
        "term_interbank_share: 0.12}]",
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
  t.push_back(number("banks.tiers[].surcharge", "share", 0, 0.1, "0",
                     "Capital surcharge for systemic importance (D-SIB), added to the requirement.",
                     PFSIM_FIELD(banks.tiers[i].surcharge)));
  t.push_back(number(
      "banks.tiers[].colending_appetite", "1", 0, 100, "1",
      "Relative weight of the tier's banks in co-lending quotas (per unit of capital headroom).",
      PFSIM_FIELD(banks.tiers[i].colending_appetite)));
  t.push_back(number("banks.tiers[].fund_placement_weight", "1", 0, 100, "1",
                     "Relative weight, per unit of deposits, of the tier's banks in the "
                     "money-market fund's placements (smaller banks bid for negotiated deposits).",
                     PFSIM_FIELD(banks.tiers[i].fund_placement_weight)));
  t.push_back(number(
      "banks.tiers[].term_interbank_share", "share", 0, 1, "0",
      "Term interbank borrowing (interbank loans and negotiable certificates of deposit) of each "
      "of the tier's banks, as a share of its deposits, lent by its interbank partners in "
      "proportion to their deposits. Defaults: state 0.02, joint-stock 0.15, city/rural 0.12 "
      "(NCDs ≈ 3.5-3.9% of bank assets; interbank liabilities capped at 1/3 of liabilities; "
      "docs/calibration.md has the sources and the tier split, an assumption).",
      PFSIM_FIELD(banks.tiers[i].term_interbank_share)));
  t.push_back(
      live(&Policy::capital_minimum,
           number("banks.capital_minimum", "share", 0, 1, "0.08",
                  "Minimum total capital ratio (equity / risk-weighted assets). CBRC 2012: 8%.",
                  PFSIM_FIELD(banks.capital_minimum))));
  t.push_back(live(&Policy::conservation_buffer,
                   number("banks.conservation_buffer", "share", 0, 0.2, "0.025",
                          "Capital conservation buffer. CBRC 2012: 2.5%.",
                          PFSIM_FIELD(banks.conservation_buffer))));
  t.push_back(
      number("banks.lending_margin_over_requirement", "share", 0, 0.2, "0.005",
             "New lending stops when the capital ratio is within this margin of the requirement.",
             PFSIM_FIELD(banks.lending_margin_over_requirement)));
  t.push_back(live(
      &Policy::risk_weight_consumer,
      number("banks.risk_weight_consumer", "1", 0, 2, "0.75",
             "Risk weight of consumer loans (retail).", PFSIM_FIELD(banks.risk_weight_consumer))));
  t.push_back(
      live(&Policy::risk_weight_sme, number("banks.risk_weight_sme", "1", 0, 2, "0.75",
                                            "Risk weight of SME loans (small-business retail).",
                                            PFSIM_FIELD(banks.risk_weight_sme))));
  t.push_back(number("banks.risk_weight_bonds", "1", 0, 2, "0.52",
                     "Risk weight of the bank book `bank.government_bonds`, which stands for all "
                     "the banks' assets not modelled agent by agent (mortgages, corporate loans, "
                     "securities): a blended weight, not the 0% of government bonds.",
                     PFSIM_FIELD(banks.risk_weight_bonds)));
  t.push_back(number("banks.deposit_markdown", "1/year", 0, 0.5, "0.0235",
                     "Deposit rate = max(0, policy rate − markdown).",
                     PFSIM_FIELD(banks.deposit_markdown)));
  t.push_back(number("banks.loan_margin", "1/year", 0, 0.5, "0.03",
                     "Margin over funding cost and expected loss on direct loans.",
                     PFSIM_FIELD(banks.loan_margin)));
  t.push_back(number("banks.consumer_cutoff_pd", "1/year", 0, 1, "0.04",
                     "Banks approve consumer loans whose bureau-signal PD is below this.",
                     PFSIM_FIELD(banks.consumer_cutoff_pd)));
  t.push_back(number("banks.sme_cutoff_pd", "1/year", 0, 1, "0.05",
                     "Banks approve SME loans whose bureau-signal PD is below this (and collateral "
                     "covers the loan).",
                     PFSIM_FIELD(banks.sme_cutoff_pd)));
  t.push_back(number("banks.sme_loan_to_value", "share", 0, 1, "0.5",
                     "Bank SME loans ≤ loan-to-value × collateral value.",
                     PFSIM_FIELD(banks.sme_loan_to_value)));
  t.push_back(number(
      "banks.consumer_unsecured_months", "months", 0, 120, "1",
      "A bank's consumer loan is at most this many months of the borrower's income unsecured ...",
      PFSIM_FIELD(banks.consumer_unsecured_months)));
  t.push_back(number("banks.consumer_collateral_ltv", "share", 0, 1, "0.02",
                     "... plus this share of the borrower's house value × its region's house-price "
                     "index (home equity beyond the mortgage, which is not modelled, secures the "
                     "rest). A request above the limit is cut to it.",
                     PFSIM_FIELD(banks.consumer_collateral_ltv)));
  t.push_back(number("banks.sme_min_loan_yuan", "RMB", 0, 1000000000.0, "100000",
                     "Smallest SME loan a bank makes (the case material cites RMB 1m; scaled to "
                     "the model's firm size).",
                     PFSIM_FIELD(banks.sme_min_loan_yuan)));
  t.push_back(number("banks.cost_to_income", "share", 0, 2, "0.35",
                     "Operating costs as a share of the month's income (the change in equity "
                     "before costs), paid to SMEs.",
                     PFSIM_FIELD(banks.cost_to_income)));
  t.push_back(number(
      "banks.dividend_payout", "share", 0, 1, "1",
      "Share of a month's profit (its income less operating costs) a bank pays to its "
      "shareholders at month end, modelled as its depositing households in proportion to their "
      "deposits; never so much that its capital ratio falls below its requirement plus "
      "dividend_buffer (a bank below keeps its earnings: Basel III's conservation buffer). 1 "
      "keeps a bank's capital where it is when no balance sheet grows; 0 retains everything, so "
      "capital ratios rise year after year.",
      PFSIM_FIELD(banks.dividend_payout)));
  t.push_back(number("banks.dividend_buffer", "share", 0, 0.5, "0.02",
                     "Capital ratio above its requirement (minimum, conservation buffer, "
                     "surcharge) below which a bank pays no dividend (dividend_payout).",
                     PFSIM_FIELD(banks.dividend_buffer)));
  t.push_back(
      number("banks.lgd", "share", 0, 1, "0.8",
             "Loss given default used in pricing (realised losses are the whole unpaid balance).",
             PFSIM_FIELD(banks.lgd)));
  t.push_back(integer("banks.writeoff_days", "days", 30, 3650, "480",
                      "Days past due at which banks write off their direct loans (banks carry "
                      "non-performing loans longer than the platform).",
                      PFSIM_FIELD(banks.writeoff_days)));
  t.push_back(number("platform.merchant_fee_rate", "share of volume", 0, 0.1, "0.006",
                     "Fee the platform charges merchants on payment volume (≈0.6%, case material).",
                     PFSIM_FIELD(platform.merchant_fee_rate)));
  t.push_back(number("platform.operating_cost_ratio", "share of revenue", 0, 1, "0.85",
                     "Operating costs (paid to SMEs at month end) as a share of the month's "
                     "revenue; the rest is retained. Ant 2019: net profit RMB 18.1 bn on revenue "
                     "RMB 120.6 bn (calibration.md 1.15, 1.17).",
                     PFSIM_FIELD(platform.operating_cost_ratio)));
  t.push_back(number(
      "platform.dividend_payout", "share", 0, 1, "1",
      "Share of a month's profit a platform pays to its shareholders at month end, modelled as "
      "households in proportion to their deposits, from its cash. 1 keeps its equity where it "
      "is (but for losses and capital raised); 0 retains everything, so its equity and lending "
      "room grow year after year.",
      PFSIM_FIELD(platform.dividend_payout)));
  t.push_back(number("platform.rival_wallet_share", "share", 0, 1, "0.45",
                     "Share of mobile-wallet payments made with a rival wallet (a second platform "
                     "that does not lend).",
                     PFSIM_FIELD(platform.rival_wallet_share)));
  t.push_back(number("platform.initial_equity_months", "months", 0, 1000, "0.042",
                     "Platform equity at the start, in months of all consumers' contractual wages "
                     "(≈ RMB 150 bn against ≈ RMB 3.6 tn of monthly income; scale-free, so a "
                     "smaller population keeps the same proportions).",
                     PFSIM_FIELD(platform.initial_equity_months)));
  t.push_back(
      live(&Policy::own_funding_share,
           number("platform.own_funding_share", "share", 0, 1, "0.02",
                  "Share of each co-lent loan the platform funds itself (≈2%, calibration.md "
                  "1.9-1.10); the rest is funded by partner banks.",
                  PFSIM_FIELD(platform.own_funding_share))));
  t.push_back(live(&Policy::leverage_limit,
                   number("platform.leverage_limit", "1", 0, 1000, "10",
                          "Own-funded loans may not exceed this multiple of platform equity.",
                          PFSIM_FIELD(platform.leverage_limit))));
  t.push_back(number(
      "platform.max_debt_to_capital", "1", 0, 1000, "1",
      "The platform's borrowing from its bank (a credit facility it draws when its cash cannot "
      "fund "
      "its own share of a loan, or a fine) may not exceed this multiple of its capital (bank and "
      "shareholder loans ≤ 1× net assets, Nov-2020 draft rules Art. 12).",
      PFSIM_FIELD(platform.max_debt_to_capital)));
  t.push_back(number(
      "platform.borrowing_spread", "1/year", 0, 1, "0.01",
      "The platform's bank facility costs the policy rate + this spread (interest added monthly).",
      PFSIM_FIELD(platform.borrowing_spread)));
  t.push_back(
      live(&Policy::tech_fee_share,
           number("platform.tech_fee_share", "share", 0, 1, "0.25",
                  "Share of the interest on co-lent loans that partner banks pay the platform "
                  "as a technology-service fee.",
                  PFSIM_FIELD(platform.tech_fee_share))));
  t.push_back(number("platform.signal_sigma0", "1", 0, 10, "1.2",
                     "σ of the platform's logit-PD signal for a borrower with no payment data.",
                     PFSIM_FIELD(platform.signal_sigma0)));
  t.push_back(number("platform.data_half_saturation", "payments", 1, 1000000000.0, "100",
                     "Payment count d0 in σ = σ0 / √(1 + d/d0): the platform's signal sharpens "
                     "with the payments it sees.",
                     PFSIM_FIELD(platform.data_half_saturation)));
  t.push_back(number("platform.consumer_cutoff_pd", "1/year", 0, 1, "0.06",
                     "The platform approves consumer credit whose signal PD is below this.",
                     PFSIM_FIELD(platform.consumer_cutoff_pd)));
  t.push_back(number("platform.sme_cutoff_pd", "1/year", 0, 1, "0.08",
                     "The platform approves SME loans whose signal PD is below this.",
                     PFSIM_FIELD(platform.sme_cutoff_pd)));
  t.push_back(number("platform.loan_margin", "1/year", 0, 0.5, "0.06",
                     "Margin over funding cost and expected loss on cash loans and SME loans.",
                     PFSIM_FIELD(platform.loan_margin)));
  t.push_back(number("platform.revolving_rate", "1/year", 0, 1, "0.1825",
                     "Rate on revolved credit-line balances (0.05%/day, calibration.md 2.2).",
                     PFSIM_FIELD(platform.revolving_rate)));
  t.push_back(
      live(&Policy::interest_rate_cap,
           number("platform.interest_rate_cap", "1/year", 0, 10, "0.24",
                  "Legal cap on loan rates; a loan whose break-even rate exceeds it is refused.",
                  PFSIM_FIELD(platform.interest_rate_cap))));
  t.push_back(number("platform.sme_loan_cap_yuan", "RMB", 0, 1000000000.0, "1000000",
                     "Largest SME loan (legal-person cap, Nov-2020 draft rules).",
                     PFSIM_FIELD(platform.sme_loan_cap_yuan)));
  t.push_back(number(
      "platform.sme_limit_sales_months", "months", 0, 120, "1",
      "The platform lends to a firm against the sales it sees in the payment data: all the "
      "firm's debt (its platform loans and, from the credit registry, its bank loan) stays "
      "within this many months of its last month's sales, so a firm may top up its platform "
      "loan, or borrow from the platform while it owes its bank, within that limit (cash-flow "
      "lending against transaction data rather than collateral: Lian & Ma 2021; Gambacorta, "
      "Huang, Li, Qiu & Chen 2023). The months are an assumption: a working-capital loan is "
      "about 0.6 months of a firm's sales.",
      PFSIM_FIELD(platform.sme_limit_sales_months)));
  t.push_back(number("platform.valuation_multiple", "1", 0, 1000, "30",
                     "Valuation = multiple × trailing-year earnings × fund confidence.",
                     PFSIM_FIELD(platform.valuation_multiple)));
  t.push_back(number("platform.wealth_fee_rate", "1/year", 0, 0.2, "0.012",
                     "Fees wallet users pay the platform on the other wealth products it "
                     "distributes, per RMB of fund units they hold (Ant's RMB 4.1 tn of AUM is ≈ "
                     "3.4 × its money-market fund; calibration.md 1.23-1.24).",
                     PFSIM_FIELD(platform.wealth_fee_rate)));
  t.push_back(integer("platform.writeoff_days", "days", 30, 3650, "180",
                      "Days past due at which platform-originated (co-lent) loans are written off.",
                      PFSIM_FIELD(platform.writeoff_days)));
  t.push_back(number("platform.fund_fee_rate", "1/year", 0, 0.1, "0.0063",
                     "Annual fees the money-market fund pays the platform (management 0.30% + "
                     "sales service 0.25% + custody 0.08% for Yu'e Bao), out of the fund's income.",
                     PFSIM_FIELD(platform.fund_fee_rate)));
  t.push_back(
      live(&Policy::fund_liquidity_ratio,
           number("fund.liquidity_ratio", "share", 0, 1, "0.1",
                  "Share of fund assets kept as the liquidity buffer at the custodian bank.",
                  PFSIM_FIELD(fund.liquidity_ratio))));
  t.push_back(live(&Policy::instant_redemption_cap_yuan,
                   number("fund.instant_redemption_cap_yuan", "RMB/day", 0, 1000000000.0, "10000",
                          "Instant redemptions per consumer per day (RMB 10,000 since 2018).",
                          PFSIM_FIELD(fund.instant_redemption_cap_yuan))));
  t.push_back(number("fund.placement_markdown", "1/year", 0, 0.5, "0.0095",
                     "Rate banks pay on fund placements = policy rate − markdown.",
                     PFSIM_FIELD(fund.placement_markdown)));
  t.push_back(
      number("fund.confidence_recovery_daily", "1/day", 0, 1, "0.01",
             "Confidence in the fund and platform recovers by this share of its gap to 1 each day.",
             PFSIM_FIELD(fund.confidence_recovery_daily)));
  t.push_back(number(
      "fund.confidence_loss_per_equity_lost", "1", 0, 100, "1",
      "Confidence falls by this × the share of the lending platform's equity lost on a day (fines, "
      "credit losses beyond income).",
      PFSIM_FIELD(fund.confidence_loss_per_equity_lost)));
  t.push_back(number(
      "fund.confidence_loss_per_unpaid_share", "1", 0, 100, "2",
      "Confidence falls by this × the share of the day's redemptions (within the cap) the fund "
      "could not pay.",
      PFSIM_FIELD(fund.confidence_loss_per_unpaid_share)));
  t.push_back(number("fund.confidence_loss_platform_failure", "1", 0, 1, "0.5",
                     "Confidence lost when the lending platform fails.",
                     PFSIM_FIELD(fund.confidence_loss_platform_failure)));
  t.push_back(number("fund.confidence_loss_ipo_halt", "1", 0, 1, "0.15",
                     "Confidence lost when the platform's IPO is halted.",
                     PFSIM_FIELD(fund.confidence_loss_ipo_halt)));
  t.push_back(number("fund.confidence_loss_outage", "1", 0, 1, "0.05",
                     "Confidence lost when a platform outage starts.",
                     PFSIM_FIELD(fund.confidence_loss_outage)));
  t.push_back(number("fund.confidence_loss_run", "1", 0, 1, "0.2",
                     "Confidence lost when a run on the fund (fund_run) starts.",
                     PFSIM_FIELD(fund.confidence_loss_run)));
  t.push_back(
      live(&Policy::policy_rate, number("central_bank.policy_rate", "1/year", -0.05, 0.5, "0.0385",
                                        "Policy rate (1-year LPR 3.85% in Jul-2020).",
                                        PFSIM_FIELD(central_bank.policy_rate))));
  t.push_back(
      live(&Policy::reserve_requirement,
           number("central_bank.reserve_requirement", "share", 0, 1, "0.094",
                  "Required reserves as a share of deposits (weighted average ≈ 9.4%, 2020).",
                  PFSIM_FIELD(central_bank.reserve_requirement))));
  t.push_back(live(&Policy::interest_on_reserves,
                   number("central_bank.interest_on_reserves", "1/year", -0.05, 0.5, "0.0035",
                          "Interest on reserves (IOER 0.35% from Apr-2020).",
                          PFSIM_FIELD(central_bank.interest_on_reserves))));
  t.push_back(number("central_bank.standing_facility_spread", "1/year", 0, 0.5, "0.01",
                     "Overnight central-bank credit costs policy rate + this spread.",
                     PFSIM_FIELD(central_bank.standing_facility_spread)));
  t.push_back(live(&Policy::bureau_signal_sigma,
                   number("central_bank.bureau_signal_sigma", "1", 0, 10, "2.5",
                          "σ of the credit bureau's logit-PD signal that banks use.",
                          PFSIM_FIELD(central_bank.bureau_signal_sigma))));
  t.push_back(number("central_bank.bond_rate", "1/year", -0.05, 0.5, "0.03",
                     "Coupon on government bonds.", PFSIM_FIELD(central_bank.bond_rate)));
  t.push_back(
      string("interbank.topology", "\"core_periphery\"",
             "Who may lend to whom overnight: core_periphery (tiers in order, the first is the "
             "core; Craig & von Peter 2014), scale_free (Barabási & Albert 1999), erdos_renyi "
             "(Gilbert 1959), complete, ring (each bank with the next; Acemoglu, Ozdaglar & "
             "Tahbaz-Salehi 2015), or file (interbank.file). Drawn once from the seed.",
             PFSIM_FIELD(interbank.topology)));
  t.push_back(string("interbank.file", "\"\"",
                     "With topology: file, a CSV file of partner pairs, one `bank_a,bank_b` per "
                     "line (bank indices from 0, tiers in order; # starts a comment; a pair works "
                     "both ways), relative to the scenario file.",
                     PFSIM_FIELD(interbank.file)));
  t.push_back(number("interbank.density", "share", 0, 1, "0.5",
                     "Link probability between core banks (core_periphery) or between any two "
                     "banks (erdos_renyi).",
                     PFSIM_FIELD(interbank.density)));
  t.push_back(integer(
      "interbank.links", "count", 1, 1000, "3",
      "Links of each bank to the tier above (core_periphery) or of each new bank (scale_free).",
      PFSIM_FIELD(interbank.links)));
  t.push_back(number("interbank.spread", "1/year", 0, 0.5, "0.002",
                     "Overnight interbank rate over the policy rate (DR007 traded close to the "
                     "7-day reverse repo rate).",
                     PFSIM_FIELD(interbank.spread)));
  t.push_back(
      number("interbank.lending_share", "share", 0, 1, "0.9",
             "Share of its reserves above requirement a bank lends to partners that need reserves.",
             PFSIM_FIELD(interbank.lending_share)));
  t.push_back(number("interbank.lgd", "share", 0, 1, "0.6",
                     "Loss given default on interbank claims on a failing bank.",
                     PFSIM_FIELD(interbank.lgd)));
  t.push_back(
      string("interbank.contagion", "\"furfine\"",
             "How a bank failure spreads within the step, over overnight and term interbank "
             "claims: furfine (creditors write off lgd × their claims; a creditor whose equity "
             "turns negative fails in the next round; Furfine 2003), eisenberg_noe (the "
             "clearing payment vector of Eisenberg & Noe 2001: creditors write off what the "
             "clearing leaves unpaid), rogers_veraart (the same with bankruptcy costs rv_alpha, "
             "rv_beta; Rogers & Veraart 2013) or none (failures are resolved without losses to "
             "creditors).",
             PFSIM_FIELD(interbank.contagion)));
  t.push_back(integer("interbank.max_rounds", "count", 1, 1000, "50",
                      "Most contagion rounds in one step.", PFSIM_FIELD(interbank.max_rounds)));
  t.push_back(number("interbank.rv_alpha", "share", 0, 1, "0.9",
                     "Rogers-Veraart: share of its external assets a defaulting bank realises "
                     "(assumption: a 10% fire-sale discount).",
                     PFSIM_FIELD(interbank.rv_alpha)));
  t.push_back(number("interbank.rv_beta", "share", 0, 1, "1",
                     "Rogers-Veraart: share of its interbank receipts a defaulting bank realises "
                     "(assumption: interbank claims are collected in full).",
                     PFSIM_FIELD(interbank.rv_beta)));
  t.push_back(integer("interbank.term_days", "days", 1, 3650, "90",
                      "Maturity of term interbank loans and NCDs; each claim is rolled over at "
                      "maturity (3-month NCDs are the most issued tenor; assumption for loans).",
                      PFSIM_FIELD(interbank.term_days)));
  t.push_back(
      number("interbank.term_spread", "1/year", 0, 0.5, "0.005",
             "Term interbank rate over the policy rate, paid at each rollover (assumption: a "
             "term premium over the overnight spread).",
             PFSIM_FIELD(interbank.term_spread)));
  t.push_back(number("interbank.srisk_prudential_ratio", "share", 0, 1, "0.08",
                     "k of the SRISK-style capital shortfall max(0, k·D − (1 − k)·(1 − L)·E) "
                     "(Brownlees & Engle 2017), on book equity E and liabilities D.",
                     PFSIM_FIELD(interbank.srisk_prudential_ratio)));
  t.push_back(number("interbank.srisk_crisis_loss", "share", 0, 1, "0.4",
                     "L: the fall of bank equity in the SRISK crisis scenario (long-run marginal "
                     "expected shortfall).",
                     PFSIM_FIELD(interbank.srisk_crisis_loss)));
  t.push_back(
      integer("interbank.snapshot_every_days", "days", 0, 36500, "30",
              "Exposure networks (interbank, co-lending, fund placements) are written to /networks "
              "every this many days and on every day a bank fails; 0: only on failure days.",
              PFSIM_FIELD(interbank.snapshot_every_days)));
  t.push_back(string(
      "fire_sales.impact", "\"exponential\"",
      "Fire sales inside the step: a bank whose equity falls below its capital requirement × "
      "risk-weighted assets (and equity_loss_trigger) sells bonds back to the leverage of a bank "
      "at that floor, and a bank whose equity the sales wipe out sells them all (Greenwood, "
      "Landier & Thesmar 2015; Cifuentes, "
      "Ferrucci & Shin 2005); the price falls with the share S of the banks' bonds sold: "
      "exponential P = P₀·exp(−price_impact·S) (Cifuentes et al. 2005), linear P = "
      "P₀·max(0, 1 − price_impact·S) (Greenwood et al. 2015), or none (no fire sales; bonds stay "
      "at par). Every bank's bonds are marked to the new price (a `revaluations` flow).",
      PFSIM_FIELD(fire_sales.impact)));
  t.push_back(
      number("fire_sales.price_impact", "1", 0, 100, "0.05",
             "Price fall per share of the banks' bond holdings sold in a day (assumption: "
             "selling 10% of them lowers the price about 0.5%; Greenwood, Landier & Thesmar "
             "2015 use 10 bp per USD 10 bn sold, Cont & Schaanning 2017 an exponential "
             "impact in the amount sold over the market's depth; the bond book here "
             "stands for all the banks' other assets, a deep market).",
             PFSIM_FIELD(fire_sales.price_impact)));
  t.push_back(number("fire_sales.equity_loss_trigger", "share", 0, 1, "0.2",
                     "A bank sells bonds when its equity is below what its capital requirement "
                     "needs and below (1 − this) × its equity at the start of the month "
                     "(assumption: banks that have long run below requirement deleverage only "
                     "when they are losing capital fast).",
                     PFSIM_FIELD(fire_sales.equity_loss_trigger)));
  t.push_back(number("fire_sales.recovery_per_day", "share", 0, 1, "0.05",
                     "On a day without fire sales the bond price recovers this share of its gap "
                     "to par (assumption: a half-life of about two weeks).",
                     PFSIM_FIELD(fire_sales.recovery_per_day)));
  t.push_back(number(
      "bank_runs.fund_capital_ratio_trigger", "share", 0, 1, "0.05",
      "The fund withdraws its whole placement (negotiated deposits) from a bank whose capital "
      "ratio today, (equity − provisions) / risk-weighted assets, is below this, and places "
      "nothing there until it recovers; 0: off. Wholesale funders run first, on public signals "
      "(Huang & Ratnovski 2011); the level is an assumption, below the 8% legal minimum.",
      PFSIM_FIELD(bank_runs.fund_capital_ratio_trigger)));
  t.push_back(number(
      "bank_runs.depositor_capital_ratio_trigger", "share", 0, 1, "0.04",
      "Consumers and SMEs move their deposits from a bank whose capital ratio today is below "
      "this to the healthiest large bank (the one with the most deposits among those above both "
      "triggers and not failed); 0: off (assumption: retail depositors react later than the "
      "fund).",
      PFSIM_FIELD(bank_runs.depositor_capital_ratio_trigger)));
  t.push_back(
      number("bank_runs.insured_share_per_day", "1/day", 0, 1, "0.005",
             "Probability a day that a depositor of a distressed bank whose deposit is within the "
             "insurance limit moves it (assumption; insured depositors run much less: Iyer & Puri "
             "2012, Diamond & Dybvig 1983 for the motive).",
             PFSIM_FIELD(bank_runs.insured_share_per_day)));
  t.push_back(number(
      "bank_runs.uninsured_share_per_day", "1/day", 0, 1, "0.05",
      "The same for a deposit above the insurance limit (assumption; the fastest recorded, "
      "Silicon Valley Bank on 9 March 2023, lost a quarter of its mostly uninsured deposits in "
      "a day).",
      PFSIM_FIELD(bank_runs.uninsured_share_per_day)));
  t.push_back(number(
      "bank_runs.deposit_insurance_limit_yuan", "yuan", 0, 1e12, "500000",
      "Deposits insured per depositor and bank (Deposit Insurance Regulations, State Council "
      "2015, art. 5: RMB 500,000).",
      PFSIM_FIELD(bank_runs.deposit_insurance_limit_yuan)));
  t.push_back(number(
      "bank_runs.fund_confidence_loss_per_failed_share", "1", 0, 100, "1",
      "A bank failure reaches the fund: its confidence falls by this × the share of the fund's "
      "money placed at the banks failing that day (assumption: one for one).",
      PFSIM_FIELD(bank_runs.fund_confidence_loss_per_failed_share)));
  t.push_back(integer(
      "record.every_days", "days", 1, 36500, "1",
      "Sampling of /timeseries (and of the in-memory results): a row on days 0, every_days, "
      "2 × every_days, ... of the run. Flows in a row are those of its day, not sums over the "
      "days between rows. Which indicators: `record.indicators`.",
      PFSIM_FIELD(record.every_days)));
  return t;
}

#undef PFSIM_FIELD

}  // namespace pfsim::scenario
