#include "world/columns.hpp"

#include "core/error.hpp"

namespace pfsim {

namespace {

template <class T>
constexpr ColumnType type_of() {
  if constexpr (std::is_same_v<T, std::int64_t>)
    return ColumnType::i64;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return ColumnType::u64;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return ColumnType::u32;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return ColumnType::u16;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return ColumnType::u8;
  else if constexpr (std::is_same_v<T, float>)
    return ColumnType::f32;
  else {
    // No silent fallback: a wrong element size would let numpy views read past the store.
    static_assert(std::is_same_v<T, double>, "add this element type to ColumnType");
    return ColumnType::f64;
  }
}

template <class T>
Column make(std::string store, std::string name, std::string unit, std::string description,
            std::vector<T>& v, bool from_ledger = false) {
  return Column{std::move(store), std::move(name), std::move(unit), std::move(description),
                type_of<T>(),     v.data(),        v.size(),        from_ledger};
}

// A book's owner of each row: 16-bit unless an owner index exceeds 65535.
Column owner_column(std::string store, std::string name, std::string description,
                    OwnerColumn& owners) {
  if (owners.is_wide())
    return make(std::move(store), std::move(name), "index", std::move(description), owners.wide(),
                true);
  return make(std::move(store), std::move(name), "index", std::move(description), owners.narrow(),
              true);
}

}  // namespace

std::size_t column_type_size(ColumnType t) {
  switch (t) {
    case ColumnType::i64:
    case ColumnType::u64:
    case ColumnType::f64:
      return 8;
    case ColumnType::u32:
    case ColumnType::f32:
      return 4;
    case ColumnType::u16:
      return 2;
    case ColumnType::u8:
      return 1;
  }
  return 0;
}

std::string_view column_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::i64:
      return "<i8";
    case ColumnType::u64:
      return "<u8";
    case ColumnType::u32:
      return "<u4";
    case ColumnType::u16:
      return "<u2";
    case ColumnType::u8:
      return "|u1";
    case ColumnType::f32:
      return "<f4";
    case ColumnType::f64:
      return "<f8";
  }
  return "";
}

std::vector<std::string> store_names() {
  return {"consumers", "smes", "banks", "platforms", "funds"};
}

std::vector<Column> columns(World& w, std::string_view store) {
  Ledger& L = w.ledger;
  const BookIds& B = w.books;
  std::vector<Column> out;
  auto want = [&](std::string_view s) { return store.empty() || store == s; };
  auto balance = [&](const char* st, const char* name, BookId b, const char* description) {
    out.push_back(make(st, name, "fen", description, L.book(b).balance, true));
  };
  if (want("consumers")) {
    auto& c = w.consumers;
    const char* k = "consumers";
    std::vector<AgentId>& ids = w.scratch.consumer_ids;  // a copy: the store derives ids
    if (ids.size() != c.id.size() || (!ids.empty() && ids.front() != c.id.first()))
      ids = c.id.to_vector();
    out.push_back(make(k, "id", "id", "Stable agent id.", ids));
    out.push_back(make(k, "monthly_wage", "fen/month", "Contractual monthly wage while employed.",
                       c.monthly_wage));
    out.push_back(make(k, "employer", "index", "Employer SME slot.", c.employer));
    out.push_back(make(k, "employed", "1", "1 while employed.", c.employed));
    out.push_back(
        make(k, "billing_day", "day of month", "Statement and instalment day.", c.billing_day));
    out.push_back(make(k, "region", "index", "Home region (the employer's).", c.region));
    out.push_back(make(k, "platform_adoption", "1", "Probability of paying by mobile wallet.",
                       c.platform_adoption));
    out.push_back(
        make(k, "wallet", "index", "Wallet: 0 the lending platform, 1 the rival.", c.wallet));
    out.push_back(make(k, "latent_pd", "1/year",
                       "True annual default probability (unobserved by lenders).", c.latent_pd));
    out.push_back(make(k, "payment_count", "count", "Payments the lending platform has seen.",
                       c.payment_count));
    out.push_back(make(k, "house_value", "fen",
                       "House value at the start, before house-price indices (0 = none).",
                       c.house_value));
    out.push_back(make(k, "revolving_limit", "fen", "Credit line (0 = none).", c.revolving_limit));
    out.push_back(make(k, "revolving_statement", "fen",
                       "Credit-line balance at the last statement.", c.revolving_statement));
    out.push_back(make(k, "spending_last_month", "fen",
                       "Purchases last month (consumption, at every merchant and by every "
                       "channel).",
                       c.spending_last_month));
    out.push_back(make(k, "cash_loan_instalment", "fen/month",
                       "Instalment due on the platform cash loan.", c.cash_loan_instalment));
    out.push_back(
        make(k, "cash_loan_rate", "1/year", "Rate of the platform cash loan.", c.cash_loan_rate));
    out.push_back(make(k, "bank_loan_instalment", "fen/month",
                       "Instalment due on the direct bank loan.", c.bank_loan_instalment));
    out.push_back(
        make(k, "bank_loan_rate", "1/year", "Rate of the direct bank loan.", c.bank_loan_rate));
    out.push_back(
        make(k, "days_past_due", "days", "Days past due (0 = current).", c.days_past_due));
    out.push_back(make(k, "defaulted_by_hazard", "1", "1 once a default event has struck.",
                       c.defaulted_by_hazard));
    out.push_back(make(k, "hand_to_mouth", "1",
                       "1 if it spends all its income and keeps no liquid buffer.",
                       c.hand_to_mouth));
    out.push_back(make(k, "line_cooloff_until", "step",
                       "No credit-line application before this step (refused).",
                       c.line_cooloff_until));
    out.push_back(make(k, "loan_cooloff_until", "step",
                       "No cash-loan application before this step (refused).",
                       c.loan_cooloff_until));
    balance(k, "deposit", B.consumer_deposit, "Bank deposit.");
    out.push_back(owner_column(k, "bank", "Bank holding the deposit.",
                               L.book(B.consumer_deposit).issuer.column));
    balance(k, "fund_units", B.consumer_fund_units, "Money-market fund units (1 fen each).");
    balance(k, "revolving_platform", B.revolving_platform,
            "Credit-line balance funded by the platform.");
    balance(k, "revolving_bank", B.revolving_bank,
            "Credit-line balance funded by the partner bank.");
    out.push_back(owner_column(k, "partner_bank", "Co-lending partner bank of the credit line.",
                               L.book(B.revolving_bank).holder.column));
    balance(k, "cash_loan_platform", B.cash_platform, "Cash-loan balance funded by the platform.");
    balance(k, "cash_loan_bank", B.cash_bank, "Cash-loan balance funded by the partner bank.");
    balance(k, "bank_loan", B.consumer_bank_loan, "Direct bank loan.");
    out.push_back(
        make(k, "net_worth", "fen", "Net worth.", L.net_worth(AgentKind::consumer), true));
  }
  if (want("smes")) {
    auto& s = w.smes;
    const char* k = "smes";
    out.push_back(make(k, "id", "id", "Stable id of the firm now in the slot.", s.id));
    out.push_back(make(k, "active", "1", "0 = vacant slot.", s.active));
    out.push_back(make(k, "accepts_platform", "1", "1 if the merchant takes wallet payments.",
                       s.accepts_platform));
    out.push_back(make(k, "fee_free", "1", "1 if it pays no merchant fee.", s.fee_free));
    out.push_back(
        make(k, "billing_day", "day of month", "Instalment and supplier day.", s.billing_day));
    out.push_back(make(k, "region", "index", "Region of the slot.", s.region));
    out.push_back(make(k, "supplier", "index", "Supplier SME slot.", s.supplier));
    out.push_back(
        make(k, "first_employee", "index", "First employee (consumer index).", s.first_employee));
    out.push_back(
        make(k, "employee_count", "count", "Employees (working or not).", s.employee_count));
    out.push_back(make(k, "payroll_bill", "fen", "Wage bill at the last payday.", s.payroll_bill));
    out.push_back(
        make(k, "missed_paydays", "count", "Consecutive short paydays.", s.missed_paydays));
    out.push_back(make(k, "supply_capacity", "share",
                       "Share of buyers it can serve: the share of its wage bill paid at the last "
                       "payday.",
                       s.supply_capacity));
    out.push_back(make(k, "demand_factor", "1",
                       "Relative demand for its goods (mean 1): buyers pick merchants in "
                       "proportion to wage bill × this.",
                       s.demand_factor));
    out.push_back(make(k, "latent_pd", "1/year", "True annual default probability.", s.latent_pd));
    out.push_back(make(k, "payment_count", "count", "Wallet payments received (platform data).",
                       s.payment_count));
    out.push_back(make(k, "trust_score", "1",
                       "1 − the platform's signal PD at its last screening (0 = never screened).",
                       s.trust_score));
    out.push_back(make(k, "sales_last_month", "fen", "Sales last month.", s.sales_last_month));
    out.push_back(make(k, "collateral_value", "fen",
                       "Property value at the start, before house-price indices (0 = none).",
                       s.collateral_value));
    out.push_back(
        make(k, "days_past_due", "days", "Days past due (0 = current).", s.days_past_due));
    out.push_back(make(k, "loan_cooloff_until", "step",
                       "No application to the platform before this step (refused).",
                       s.loan_cooloff_until));
    out.push_back(make(k, "bank_loan_cooloff_until", "step",
                       "No application to its bank before this step (refused).",
                       s.bank_loan_cooloff_until));
    out.push_back(make(k, "staff_financed", "share",
                       "Share of its full staff it can finance: 1 if it may borrow, else its "
                       "cash after the last payday plus a month's net sales over "
                       "hiring_cash_months of their wage bill, at most 1 (below 1 it does not "
                       "hire and lays off staff).",
                       s.staff_financed));
    balance(k, "deposit", B.sme_deposit, "Bank deposit (cash).");
    out.push_back(
        owner_column(k, "bank", "Bank holding the deposit.", L.book(B.sme_deposit).issuer.column));
    balance(k, "platform_loan_platform", B.sme_platform_platform,
            "Platform SME loan funded by the platform.");
    balance(k, "platform_loan_bank", B.sme_platform_bank,
            "Platform SME loan funded by the partner bank.");
    balance(k, "bank_loan", B.sme_bank_loan, "Direct bank loan.");
    out.push_back(make(k, "net_worth", "fen", "Net worth.", L.net_worth(AgentKind::sme), true));
  }
  if (want("banks")) {
    auto& b = w.banks;
    const char* k = "banks";
    out.push_back(make(k, "id", "id", "Stable agent id.", b.id));
    out.push_back(make(k, "tier", "index", "Tier (index into banks.tiers).", b.tier));
    out.push_back(make(k, "failed", "1", "1 after a failure (resolved).", b.failed));
    out.push_back(make(k, "capital_ratio", "1",
                       "(Equity − provisions) / risk-weighted assets at the last month end.",
                       b.capital_ratio));
    out.push_back(make(k, "provisions", "fen",
                       "Specific provisions: lgd × own loans 90+ days past due (last month end).",
                       b.provisions));
    out.push_back(make(k, "capital_requirement", "1", "Minimum + buffer + surcharge.",
                       b.capital_requirement));
    out.push_back(make(k, "colending_quota", "fen", "Co-lending it will still fund this month.",
                       b.colending_quota));
    out.push_back(make(k, "direct_lending_room", "fen",
                       "Direct loans it will still make this month.", b.direct_lending_room));
    out.push_back(make(k, "run_outflows_today", "fen",
                       "Withdrawn today by the fund's and depositors' runs.",
                       b.run_outflows_today));
    balance(k, "reserves", L.reserves_book, "Central-bank reserves.");
    balance(k, "government_bonds", L.bank_bond_book,
            "Bonds and other assets not modelled agent by agent.");
    balance(k, "central_bank_loans", L.cb_loan_book, "Overnight central-bank credit owed.");
    balance(k, "fund_placements", B.fund_deposit, "Deposits of the money-market fund.");
    out.push_back(make(k, "net_worth", "fen", "Equity.", L.net_worth(AgentKind::bank), true));
  }
  if (want("platforms")) {
    auto& p = w.platforms;
    const char* k = "platforms";
    out.push_back(make(k, "id", "id", "Stable agent id.", p.id));
    out.push_back(
        make(k, "merchant_fee_rate", "1", "Merchant fee on payment volume.", p.merchant_fee_rate));
    out.push_back(make(k, "lends", "1", "1 for the lending platform.", p.lends));
    out.push_back(make(k, "profit_last_month", "fen", "Profit last month.", p.profit_last_month));
    out.push_back(make(k, "valuation", "fen", "Valuation at the last month end.", p.valuation));
    balance(k, "deposit", B.platform_deposit, "Bank deposit.");
    out.push_back(make(k, "net_worth", "fen", "Equity.", L.net_worth(AgentKind::platform), true));
  }
  if (want("funds")) {
    auto& f = w.funds;
    const char* k = "funds";
    out.push_back(make(k, "id", "id", "Stable agent id.", f.id));
    out.push_back(
        make(k, "yield_annual", "1/year", "Yield paid last month, annualised.", f.yield_annual));
    out.push_back(make(k, "confidence", "1", "Confidence in the fund, [0, 1].", f.confidence));
    out.push_back(make(k, "custodian", "index", "Bank holding the liquidity buffer.", f.custodian));
    out.push_back(
        make(k, "net_worth", "fen", "Undistributed income.", L.net_worth(AgentKind::fund), true));
  }
  if (out.empty() && !store.empty())
    throw InternalError("no agent store named " + std::string(store));
  return out;
}

}  // namespace pfsim
