#include "world/columns.hpp"

#include "core/error.hpp"

namespace pfsim {

namespace {

template <class T>
constexpr ColumnType type_of() {
  if constexpr (std::is_same_v<T, std::int64_t>) return ColumnType::i64;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return ColumnType::u64;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return ColumnType::u32;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return ColumnType::u8;
  else if constexpr (std::is_same_v<T, float>) return ColumnType::f32;
  else return ColumnType::f64;
}

template <class T>
Column make(std::string store, std::string name, std::string unit, std::string description,
            std::vector<T>& v, bool from_ledger = false) {
  return Column{std::move(store), std::move(name), std::move(unit), std::move(description),
                type_of<T>(), v.data(), v.size(), from_ledger};
}

}  // namespace

std::size_t column_type_size(ColumnType t) {
  switch (t) {
    case ColumnType::i64:
    case ColumnType::u64:
    case ColumnType::f64: return 8;
    case ColumnType::u32:
    case ColumnType::f32: return 4;
    case ColumnType::u8: return 1;
  }
  return 0;
}

std::string_view column_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::i64: return "<i8";
    case ColumnType::u64: return "<u8";
    case ColumnType::u32: return "<u4";
    case ColumnType::u8: return "|u1";
    case ColumnType::f32: return "<f4";
    case ColumnType::f64: return "<f8";
  }
  return "";
}

std::vector<std::string> store_names() { return {"consumers", "smes", "banks", "platforms"}; }

std::vector<Column> columns(World& w, std::string_view store) {
  Ledger& L = w.ledger;
  std::vector<Column> out;
  auto want = [&](std::string_view s) { return store.empty() || store == s; };
  if (want("consumers")) {
    auto& c = w.consumers;
    out.push_back(make("consumers", "id", "id", "Stable agent id.", c.id));
    out.push_back(make("consumers", "monthly_wage", "fen/month", "Contractual monthly wage while employed.", c.monthly_wage));
    out.push_back(make("consumers", "employer", "index", "Employing SME (4294967295 = unemployed).", c.employer));
    out.push_back(make("consumers", "platform_adoption", "1", "Probability of paying by platform.", c.platform_adoption));
    out.push_back(make("consumers", "deposit", "fen", "Bank deposit.", L.book(w.books.consumer_deposit).balance, true));
    out.push_back(make("consumers", "bank", "index", "Bank holding the deposit.", L.book(w.books.consumer_deposit).issuer.column, true));
    out.push_back(make("consumers", "net_worth", "fen", "Net worth.", L.net_worth(AgentKind::consumer), true));
  }
  if (want("smes")) {
    auto& s = w.smes;
    out.push_back(make("smes", "id", "id", "Stable agent id.", s.id));
    out.push_back(make("smes", "accepts_platform", "1", "1 if the merchant accepts platform payments.", s.accepts_platform));
    out.push_back(make("smes", "first_employee", "index", "First employee (consumer index).", s.first_employee));
    out.push_back(make("smes", "employee_count", "count", "Number of employees.", s.employee_count));
    out.push_back(make("smes", "payroll_bill", "fen", "Wage bill at the last payday.", s.payroll_bill));
    out.push_back(make("smes", "deposit", "fen", "Bank deposit (cash).", L.book(w.books.sme_deposit).balance, true));
    out.push_back(make("smes", "bank", "index", "Bank holding the deposit.", L.book(w.books.sme_deposit).issuer.column, true));
    out.push_back(make("smes", "net_worth", "fen", "Net worth.", L.net_worth(AgentKind::sme), true));
  }
  if (want("banks")) {
    auto& b = w.banks;
    out.push_back(make("banks", "id", "id", "Stable agent id.", b.id));
    out.push_back(make("banks", "tier", "index", "Tier (index into banks.tiers).", b.tier));
    out.push_back(make("banks", "reserves", "fen", "Central-bank reserves.", L.book(L.reserves_book).balance, true));
    out.push_back(make("banks", "government_bonds", "fen", "Government bonds held.", L.book(L.bank_bond_book).balance, true));
    out.push_back(make("banks", "central_bank_loans", "fen", "Overnight central-bank credit owed.", L.book(L.cb_loan_book).balance, true));
    out.push_back(make("banks", "net_worth", "fen", "Equity.", L.net_worth(AgentKind::bank), true));
  }
  if (want("platforms")) {
    auto& p = w.platforms;
    out.push_back(make("platforms", "id", "id", "Stable agent id.", p.id));
    out.push_back(make("platforms", "merchant_fee_rate", "1", "Merchant fee on payment volume.", p.merchant_fee_rate));
    out.push_back(make("platforms", "deposit", "fen", "Bank deposit.", L.book(w.books.platform_deposit).balance, true));
    out.push_back(make("platforms", "net_worth", "fen", "Equity.", L.net_worth(AgentKind::platform), true));
  }
  if (out.empty() && !store.empty()) throw InternalError("no agent store named " + std::string(store));
  return out;
}

}  // namespace pfsim
