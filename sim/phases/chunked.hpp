// The shape every parallel phase shares: run a rule over fixed chunks of agents,
// each chunk with its own Journal, flow counters and intents; then merge them in
// chunk order. Phase files only write the per-agent rule.
#pragma once

#include <array>
#include <vector>

#include "exec/parallel.hpp"
#include "world/world.hpp"

namespace pfsim::phases {

// When the chunks' buffers are merged. `all_chunks`: once every chunk has run,
// so every rule sees the state as the phase began (a firm that pays a
// supplier must not see that supplier's sales of today, whatever the chunk
// order). `each_wave`: after each wave of chunks_per_wave chunks, so the buffers
// hold one wave's postings, sales and intents instead of a whole day's (the
// consumption phase's are about 58 bytes per agent at 10^7 consumers, issue
// 18) and are merged while still in cache. Only for a rule that reads nothing
// a merge writes (its own agents' rows, and columns of others the phase does
// not change). The wave is a constant, never a function of the thread count.
enum class MergeAfter : std::uint8_t { all_chunks, each_wave };
inline constexpr std::size_t chunks_per_wave = 128;

template <class Fn>
void for_each_chunk_journaled(World& w, AgentKind kind, std::size_t n, Fn&& fn,
                              MergeAfter merge_after = MergeAfter::all_chunks) {
  std::vector<ChunkOutput>& out = w.scratch.chunks;
  const std::size_t chunks = exec::chunk_count(n);
  const std::size_t wave =
      merge_after == MergeAfter::all_chunks || chunks < chunks_per_wave ? chunks : chunks_per_wave;
  if (out.size() < wave) out.resize(wave);
  auto append = [](auto& into, const auto& from) {
    into.insert(into.end(), from.begin(), from.end());
  };
  for (std::size_t first = 0; first < chunks; first += wave) {
    const std::size_t count = chunks - first < wave ? chunks - first : wave;
    const std::size_t begin_agent = first * exec::chunk_size;
    const std::size_t end_agent =
        (first + count) * exec::chunk_size < n ? (first + count) * exec::chunk_size : n;
    exec::for_each_chunk(
        end_agent - begin_agent, [&](std::size_t c, std::size_t begin, std::size_t end) {
          out[c].clear();
          out[c].journal.reset(w.ledger, kind, begin_agent + begin, begin_agent + end);
          fn(out[c], begin_agent + begin, begin_agent + end);
        });
    // The wave's postings and sales, in two parts by target row (each row's
    // postings still in chunk order, so the split changes no result), then
    // the totals in chunk order.
    exec::for_each_part(merge_parts, [&](std::size_t part) {
      for (std::size_t c = 0; c < count; ++c) {
        const ChunkOutput& o = out[c];
        merge_part(w.ledger, o.journal, part);
        for (const ChunkOutput::Sale& sale : o.sales[part]) {
          w.smes.sales_this_month[sale.sme] =
              checked_add(w.smes.sales_this_month[sale.sme], sale.amount);
          w.smes.payment_count[sale.sme] += sale.via_platform;
          if (sale.paid_in != 0) {
            w.ledger.post({w.books.sme_deposit, sale.sme}, sale.paid_in);
            w.ledger.post_net_worth(AgentKind::sme, sale.sme, sale.paid_in);
          }
        }
      }
    });
    for (std::size_t c = 0; c < count; ++c) {
      const ChunkOutput& o = out[c];
      merge_totals(w.ledger, o.journal);
      w.flows.add(o.flows);
      append(w.intents.consumer_applications, o.intents.consumer_applications);
      append(w.intents.sme_applications, o.intents.sme_applications);
      append(w.intents.revolving_reviews, o.intents.revolving_reviews);
      append(w.intents.redemptions, o.intents.redemptions);
      for (std::size_t p = 0; p < o.fees_by_platform.size() && p < w.platforms.size(); ++p) {
        w.platforms.revenue_payments_month[p] =
            checked_add(w.platforms.revenue_payments_month[p], o.fees_by_platform[p]);
        Fen& fees = w.flows[flow_at(Flow::platform_fees_lending, p)];
        fees = checked_add(fees, o.fees_by_platform[p]);
      }
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
