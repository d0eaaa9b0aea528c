// The shape every parallel phase shares: run a rule over fixed chunks of agents,
// each chunk with its own Journal, flow counters and intents; then merge them in
// chunk order. Phase files only write the per-agent rule.
#pragma once

#include <array>
#include <vector>

#include "exec/parallel.hpp"
#include "world/world.hpp"

namespace pfsim::phases {

// fn(ChunkOutput&, std::size_t begin, std::size_t end) for every chunk of the
// `n` agents of `kind`, in parallel; then journals, flows and intents merged.
template <class Fn>
void for_each_chunk_journaled(World& w, AgentKind kind, std::size_t n, Fn&& fn) {
  std::vector<ChunkOutput>& out = w.scratch.chunks;
  const std::size_t chunks = exec::chunk_count(n);
  if (out.size() < chunks) out.resize(chunks);
  exec::for_each_chunk(n, [&](std::size_t c, std::size_t begin, std::size_t end) {
    out[c].clear();
    out[c].journal.reset(w.ledger, kind, begin, end);
    fn(out[c], begin, end);
  });
  auto append = [](auto& into, const auto& from) {
    into.insert(into.end(), from.begin(), from.end());
  };
  for (std::size_t c = 0; c < chunks; ++c) {
    const ChunkOutput& o = out[c];
    merge(w.ledger, o.journal);
    w.flows.add(o.flows);
    append(w.intents.consumer_applications, o.intents.consumer_applications);
    append(w.intents.sme_applications, o.intents.sme_applications);
    append(w.intents.revolving_reviews, o.intents.revolving_reviews);
    append(w.intents.redemptions, o.intents.redemptions);
    for (const ChunkOutput::Sale& sale : o.sales) {
      w.smes.sales_this_month[sale.sme] =
          checked_add(w.smes.sales_this_month[sale.sme], sale.amount);
      w.smes.payment_count[sale.sme] += sale.via_platform;
    }
    for (std::size_t p = 0; p < o.fees_by_platform.size() && p < w.platforms.size(); ++p) {
      w.platforms.revenue_payments_month[p] =
          checked_add(w.platforms.revenue_payments_month[p], o.fees_by_platform[p]);
      Fen& fees = w.flows[flow_at(Flow::platform_fees_lending, p)];
      fees = checked_add(fees, o.fees_by_platform[p]);
    }
  }
}

// Today's day of the month and the month's length.
struct Today {
  int day = 1;
  int days_in_month = 30;
  bool last_day_of_month = false;
};
[[nodiscard]] Today today(const World& w);

}  // namespace pfsim::phases
