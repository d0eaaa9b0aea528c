// Supplier purchases. On its billing day an active SME buys supplier_share of
// last month's sales from its supplier SME (a fixed link set at construction:
// the supplier network, a ring of firms ordered by size — world/build.cpp), if
// its cash allows; otherwise it buys what it can.
#include "phases/chunked.hpp"
#include "phases/phases.hpp"

namespace pfsim::phases {

void run_suppliers(World& w) {
  const int day = today(w).day;
  SmeStore& S = w.smes;
  const BookIds& B = w.books;
  const double share = w.scenario->smes.supplier_share;
  for_each_chunk_journaled(
      w, AgentKind::sme, S.size(), [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        for (std::size_t s = begin; s < end; ++s) {
          if (S.active[s] == 0 || S.billing_day[s] != day) continue;
          const std::uint32_t supplier = S.supplier[s];
          if (supplier == s || S.active[supplier] == 0) continue;
          const Account deposit{B.sme_deposit, static_cast<std::uint32_t>(s)};
          Fen amount = apply_rate(S.sales_last_month[s], share);
          amount = std::min(amount, out.journal.balance(deposit));
          if (amount <= 0) continue;
          ops::transfer(out.journal, deposit, {B.sme_deposit, supplier}, amount,
                        FlowType::supplier_purchases);
          out.flows[Flow::supplier_purchases] += amount;
          out.sales[merge_part_of(supplier)].push_back({supplier, 0, amount, 0});
        }
      });
}

}  // namespace pfsim::phases
