#include "indicators/indicators.hpp"

#include "core/error.hpp"
#include "world/queries.hpp"

namespace pfsim::indicators {

namespace {

// Keep in the same order as the values written in compute().
constexpr Indicator indicator_table[] = {
    {"consumption", "RMB/day", "Consumer purchases from SMEs, all payment channels."},
    {"platform_payment_volume", "RMB/day", "Consumer purchases paid through the platform."},
    {"platform_payment_share", "1", "Share of consumer purchases paid through the platform (0 on days without purchases)."},
    {"platform_revenue_payments", "RMB/day", "Merchant fees earned by the platform on payments."},
    {"platform_operating_costs", "RMB/day", "Operating costs the platform paid to SMEs."},
    {"wages_paid", "RMB/day", "Wages SMEs paid to consumers."},
    {"wage_shortfall", "RMB/day", "Wages owed but not paid by SMEs short of cash."},
    {"money_supply", "RMB", "Bank deposits held by consumers, SMEs and platforms (broad money)."},
    {"consumer_deposits", "RMB", "Bank deposits of consumers."},
    {"sme_deposits", "RMB", "Bank deposits of SMEs."},
    {"platform_deposits", "RMB", "Bank deposits of the platform."},
    {"bank_reserves", "RMB", "Central-bank reserves held by banks."},
    {"central_bank_lending", "RMB", "Overnight central-bank credit outstanding to banks."},
    {"bank_equity", "RMB", "Sum of bank net worth."},
    {"platform_equity", "RMB", "Net worth of the platform."},
    {"money_created_cumulative", "RMB", "Money created since the start (including initial endowments)."},
    {"consumer_count", "count", "Number of consumers."},
    {"sme_count", "count", "Number of SMEs."},
};

double rmb(Int128 fen) { return static_cast<double>(fen) / static_cast<double>(fen_per_yuan); }

Int128 sum(const std::vector<Fen>& v) {
  Int128 s = 0;
  for (const Fen x : v) s += x;
  return s;
}

}  // namespace

std::span<const Indicator> table() { return indicator_table; }

int find(std::string_view name) {
  for (std::size_t i = 0; i < std::size(indicator_table); ++i)
    if (indicator_table[i].name == name) return static_cast<int>(i);
  return -1;
}

void compute(const World& w, std::span<double> out) {
  if (out.size() != std::size(indicator_table)) throw InternalError("indicators: wrong output size");
  const Ledger& L = w.ledger;
  const StepFlows& f = w.flows;
  const Int128 consumer_deposits = book_total(L.book(w.books.consumer_deposit));
  const Int128 sme_deposits = book_total(L.book(w.books.sme_deposit));
  const Int128 platform_deposits = book_total(L.book(w.books.platform_deposit));
  std::size_t k = 0;
  out[k++] = rmb(f.consumption);
  out[k++] = rmb(f.platform_payment_volume);
  out[k++] = f.consumption > 0 ? static_cast<double>(f.platform_payment_volume) / static_cast<double>(f.consumption) : 0.0;
  out[k++] = rmb(f.platform_fee_revenue);
  out[k++] = rmb(f.platform_operating_costs);
  out[k++] = rmb(f.wages_paid);
  out[k++] = rmb(f.wages_owed - f.wages_paid);
  out[k++] = rmb(L.money_stock());
  out[k++] = rmb(consumer_deposits);
  out[k++] = rmb(sme_deposits);
  out[k++] = rmb(platform_deposits);
  out[k++] = rmb(book_total(L.book(L.reserves_book)));
  out[k++] = rmb(book_total(L.book(L.cb_loan_book)));
  out[k++] = rmb(sum(L.net_worth(AgentKind::bank)));
  out[k++] = rmb(sum(L.net_worth(AgentKind::platform)));
  out[k++] = rmb(L.money_created());
  out[k++] = static_cast<double>(w.consumers.size());
  out[k++] = static_cast<double>(w.smes.size());
  if (k != out.size()) throw InternalError("indicators: table and compute() disagree");
}

}  // namespace pfsim::indicators
