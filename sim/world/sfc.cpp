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

namespace {

// Books' totals (by BookId) into the matrix's cells.
BalanceSheetMatrix matrix_of(const Ledger& ledger, const std::vector<Int128>& book_totals) {
  BalanceSheetMatrix m{};
  for (std::size_t id = 0; id < ledger.book_count(); ++id) {
    const Book& b = ledger.book(static_cast<BookId>(id));
    auto& row = m[static_cast<std::size_t>(b.instrument)];
    row[static_cast<std::size_t>(b.holder_kind)] += book_totals[id];
    row[static_cast<std::size_t>(b.issuer_kind)] -= book_totals[id];
  }
  return m;
}

std::vector<std::string> check_matrices(const Ledger& ledger, const BalanceSheetMatrix& bs,
                                        const SectorTotals& nw, const SectorTotals& start) {
  std::vector<std::string> problems;
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

}  // namespace

BalanceSheetMatrix balance_sheet_matrix(const Ledger& ledger) {
  std::vector<Int128> totals(ledger.book_count(), 0);
  for (std::size_t id = 0; id < ledger.book_count(); ++id)
    for (const Fen v : ledger.book(static_cast<BookId>(id)).balance) totals[id] += v;
  return matrix_of(ledger, totals);
}

std::vector<std::string> check_stock_flow(const Ledger& ledger, const SectorTotals& start) {
  return check_matrices(ledger, balance_sheet_matrix(ledger), sector_net_worth(ledger), start);
}

std::vector<std::string> check_stock_flow(const Ledger& ledger, const SectorTotals& start,
                                          const AuditReport& audit) {
  if (audit.book_totals.size() != ledger.book_count())
    throw InternalError("check_stock_flow: the audit report is not of this ledger");
  return check_matrices(ledger, matrix_of(ledger, audit.book_totals), audit.net_worth_by_kind,
                        start);
}

}  // namespace pfsim
