// Daily consumer rules, one parallel pass:
//  * unemployment spells: an employed consumer loses the job with daily
//    probability job_loss_rate_monthly × job_loss_multiplier / days-in-month; an
//    unemployed one whose employer slot is active and hiring (wages.cpp) is
//    rehired with probability job_finding_rate_monthly / days-in-month;
//  * a late borrower (not struck by a default event) cures on the first day
//    its deposit covers its dues (consumer_dues.hpp): it pays them and is
//    current again — a missed payment that is made up within 30 days never
//    shows as 30+ days past due, so 30+ leads 90+;
//  * otherwise days past due grow by one for a delinquent borrower; at
//    platform.writeoff_days its platform-originated claims are written off (each
//    funder loses its part) and its credit line is closed; at
//    banks.writeoff_days its direct bank loan is, and its record is cleared;
//  * during a fund run, every unit holder asks to redeem fund_run_share_daily of
//    its units.
#include <array>

#include "phases/chunked.hpp"
#include "phases/consumer_dues.hpp"
#include "phases/phases.hpp"
#include "rng/philox.hpp"

namespace pfsim::phases {

void run_consumer_daily(World& w) {
  const Scenario& sc = *w.scenario;
  const Today t = today(w);
  const double p_loss =
      sc.consumers.job_loss_rate_monthly * w.policy.job_loss_multiplier / t.days_in_month;
  const double p_find = sc.consumers.job_finding_rate_monthly / t.days_in_month;
  const auto writeoff_days = static_cast<std::uint16_t>(sc.platform.writeoff_days);
  const auto bank_writeoff_days =
      static_cast<std::uint16_t>(std::max(sc.banks.writeoff_days, sc.platform.writeoff_days));
  const BookIds& B = w.books;
  ConsumerStore& C = w.consumers;
  for_each_chunk_journaled(
      w, AgentKind::consumer, C.size(), [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        Journal& j = out.journal;
        // Every consumer's one draw a day, the Philox blocks of 64 consumers
        // at a time with SIMD multiplies (rng::philox_blocks; the same draws:
        // consumers' ids are consecutive).
        rng::BatchedDraws<1> batched(w.seed, rng::Stream::employment, w.step);
        for (std::size_t i = begin; i < end; ++i) {
          const auto c = static_cast<std::uint32_t>(i);
          rng::ReadyDraws draws = batched.draws(i - begin, C.id[i]);
          const double u = draws.uniform();
          const std::uint32_t employer = C.employer[i];
          const bool slot_active = employer != no_index && w.smes.active[employer] != 0;
          if (C.employed[i] != 0) {
            if (!slot_active || u < p_loss) C.employed[i] = 0;
          } else if (slot_active && w.smes.staff_financed[employer] >= 1.0f && u < p_find) {
            C.employed[i] = 1;
          }
          if (C.days_past_due[i] > 0 && C.defaulted_by_hazard[i] == 0 && pay_consumer_dues(w, j, c))
            C.days_past_due[i] = 0;
          if (C.days_past_due[i] > 0) {
            C.days_past_due[i] = static_cast<std::uint16_t>(C.days_past_due[i] + 1);
            if (C.days_past_due[i] == writeoff_days) {  // platform-originated credit first
              Fen platform_originated = 0;
              for (const BookId b :
                   {B.revolving_platform, B.revolving_bank, B.cash_platform, B.cash_bank}) {
                const Fen bal = j.balance({b, c});
                platform_originated += bal;
                ops::write_off(j, {b, c}, bal);
              }
              out.flows[Flow::write_offs_platform] += platform_originated;
              C.revolving_limit[i] = 0;
              C.cash_loan_instalment[i] = 0;
            }
            const Fen bank_loan = j.balance({B.consumer_bank_loan, c});
            if (C.days_past_due[i] >= (bank_loan > 0 ? bank_writeoff_days : writeoff_days)) {
              ops::write_off(j, {B.consumer_bank_loan, c}, bank_loan);
              out.flows[Flow::write_offs_bank] += bank_loan;
              C.days_past_due[i] = 0;
              C.defaulted_by_hazard[i] = 0;
              C.revolving_limit[i] = 0;
              C.revolving_statement[i] = 0;
              C.cash_loan_instalment[i] = 0;
              C.bank_loan_instalment[i] = 0;
            }
          }
          if (w.policy.fund_run_share_daily > 0) {
            const Fen units = j.balance({B.consumer_fund_units, c});
            const Fen ask = apply_rate(units, w.policy.fund_run_share_daily);
            if (ask > 0) out.intents.redemptions.push_back(Redemption{c, ask});
          }
        }
      });
}

}  // namespace pfsim::phases
