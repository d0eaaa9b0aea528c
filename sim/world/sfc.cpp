#include "world/sfc.hpp"

#include "exec/parallel.hpp"

namespace pfsim {

SectorTotals sector_net_worth(const Ledger& ledger) {
  SectorTotals out{};
  // Exact sums in parallel chunks (begin_day calls this every step: a serial
  // pass over every agent's net worth was 1.2 ms a day at 10^6 consumers).
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    const std::vector<Fen>& nw = ledger.net_worth(static_cast<AgentKind>(k));
    out[k] = exec::exact_sum(nw.size(), [&](std::size_t a) { return nw[a]; });
  }
  return out;
}

BalanceSheetMatrix balance_sheet_matrix(const Ledger& ledger) {
  BalanceSheetMatrix m{};
  for (std::size_t id = 0; id < ledger.book_count(); ++id) {
    const Book& b = ledger.book(static_cast<BookId>(id));
    Int128 total = 0;
    for (const Fen v : b.balance) total += v;
    auto& row = m[static_cast<std::size_t>(b.instrument)];
    row[static_cast<std::size_t>(b.holder_kind)] += total;
    row[static_cast<std::size_t>(b.issuer_kind)] -= total;
  }
  return m;
}

std::vector<std::string> check_stock_flow(const Ledger& ledger, const SectorTotals& start) {
  std::vector<std::string> problems;
  const BalanceSheetMatrix bs = balance_sheet_matrix(ledger);
  const SectorTotals nw = sector_net_worth(ledger);
  for (std::size_t i = 0; i < instrument_count; ++i) {
    Int128 row = 0;
    for (const Int128 v : bs[i]) row += v;
    if (row != 0)
      problems.push_back("balance-sheet row " + std::to_string(i) + " does not sum to zero");
  }
  for (std::size_t k = 0; k < agent_kind_count; ++k) {
    Int128 column = 0;
    for (std::size_t i = 0; i < instrument_count; ++i) column += bs[i][k];
    if (column != nw[k])
      problems.push_back("balance-sheet column of " +
                         std::string(agent_kind_name(static_cast<AgentKind>(k))) +
                         " does not equal its net worth");
    Int128 flows = 0;
    for (std::size_t f = 0; f < flow_type_count; ++f) flows += ledger.flows()[f][k];
    if (flows != nw[k] - start[k])
      problems.push_back("flows of " + std::string(agent_kind_name(static_cast<AgentKind>(k))) +
                         " this step do not explain the change in its net worth");
  }
  return problems;
}

}  // namespace pfsim
