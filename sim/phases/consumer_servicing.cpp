// Consumers' billing day (each consumer has one day of the month, 1…28):
//  1. Default events: a borrower with debt suffers one with the monthly hazard
//     1 − (1 − m·p)^(1/12), p its latent annual PD and m the unemployment
//     multiplier while unemployed. From then on it pays nothing; days past due
//     run until the write-off (consumer_daily.cpp).
//  2. Interest accrues: on cash and bank loans at their rates, and on the
//     revolved credit-line balance at the revolving rate; each funder earns its
//     share, and partner banks pass tech_fee_share of their interest on co-lent
//     loans to the platform (the technology-service fee).
//  3. Payments (ability to pay, consumer_dues.hpp): the instalments due plus at
//     least revolving_minimum_share of the credit-line statement
//     (revolving_repay_share when funds allow). A borrower whose deposit cannot
//     cover the dues pays nothing and is 1+ days past due; it redeems fund
//     units for the shortfall and cures on the first day its deposit covers the
//     dues (consumer_daily.cpp), else it rolls on towards write-off.
//  4. Fund choice (wallet users of the lending platform): move
//     fund_adjustment_monthly of the gap towards the target fund share of liquid
//     wealth, logistic in the fund's yield spread over the deposit rate and
//     scaled by confidence. Subscriptions are paid at once; redemptions are
//     requests served by the fund (funds.cpp).
//  5. Applications: a cash loan with probability d × exp(−elasticity ×
//     (policy rate − cash_loan_reference_rate)) to each lender it does not
//     owe, d = cash_loan_demand_short_monthly when its liquid wealth is below
//     cash_loan_need_months of its wage (short of cash), else
//     cash_loan_demand_monthly (also for a consumer who owes one lender: it
//     may ask the other; origination.cpp compares the offers); a credit line
//     for wallet users without one;
//     neither while a refusal's cool-off lasts (origination.cpp).
#include <cmath>

#include "phases/chunked.hpp"
#include "phases/consumer_dues.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"
#include "rng/philox.hpp"

namespace pfsim::phases {

void run_consumer_servicing(World& w) {
  const double revolving_rate = credit_line_rate(w);  // within the legal cap
  const Scenario& sc = *w.scenario;
  const auto& P = sc.consumers;
  const int day = today(w).day;
  const BookIds& B = w.books;
  ConsumerStore& C = w.consumers;
  const Account platform_deposit{B.platform_deposit, 0};
  const double deposit_rate = std::max(0.0, w.policy.policy_rate - sc.banks.deposit_markdown);
  const double fund_yield = w.funds.yield_annual[0];
  const double confidence = w.funds.confidence[0];
  const double demand_factor =
      std::exp(-P.cash_loan_rate_elasticity * (w.policy.policy_rate - P.cash_loan_reference_rate));
  const double tech_share = w.policy.tech_fee_share;
  for_each_chunk_journaled(
      w, AgentKind::consumer, C.size(), [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        Journal& j = out.journal;
        for (std::size_t i = begin; i < end; ++i) {
          if (C.billing_day[i] != day) continue;
          const auto c = static_cast<std::uint32_t>(i);
          const Account deposit{B.consumer_deposit, c};
          const Account rev_p{B.revolving_platform, c}, rev_b{B.revolving_bank, c};
          const Account cash_p{B.cash_platform, c}, cash_b{B.cash_bank, c};
          const Account bank_loan{B.consumer_bank_loan, c};
          const std::uint32_t partner = j.book(B.revolving_bank).holder.of(c);
          const std::uint32_t cash_partner = j.book(B.cash_bank).holder.of(c);
          const std::uint32_t own_bank = j.book(B.consumer_bank_loan).holder.of(c);
          rng::Draws draws(w.seed, rng::Stream::default_event, C.id[i], w.step);
          const double u_default = draws.uniform();
          const double u_demand = draws.uniform();

          Fen revolving = j.balance(rev_p) + j.balance(rev_b);
          const Fen cash = j.balance(cash_p) + j.balance(cash_b);
          const Fen bank = j.balance(bank_loan);
          const bool has_debt = revolving + cash + bank > 0;

          // 1. default events
          if (has_debt && C.defaulted_by_hazard[i] == 0) {
            const double m = C.employed[i] != 0 ? 1.0 : P.unemployed_risk_multiplier;
            if (u_default < rules::monthly_hazard(C.latent_pd[i], m)) {
              C.defaulted_by_hazard[i] = 1;
              if (C.days_past_due[i] == 0) C.days_past_due[i] = 1;
            }
          }
          if (C.defaulted_by_hazard[i] != 0) continue;

          // 2. interest on term loans (before payment) with the technology-service fee
          auto accrue_colent = [&](Account platform_part, Account bank_part,
                                   std::uint32_t bank_index, Fen interest) {
            const auto [ip, ib] =
                pro_rata(interest, j.balance(platform_part), j.balance(bank_part));
            ops::accrue(j, platform_part, ip, FlowType::interest_loans);
            ops::accrue(j, bank_part, ib, FlowType::interest_loans);
            const Fen fee = apply_rate(ib, tech_share);
            ops::bank_pays(j, bank_index, platform_deposit, fee, FlowType::tech_service_fees);
            out.flows[Flow::tech_fees] += fee;
          };
          if (cash > 0)
            accrue_colent(cash_p, cash_b, cash_partner,
                          rules::monthly_interest(cash, C.cash_loan_rate[i]));
          if (bank > 0)
            ops::accrue(j, bank_loan, rules::monthly_interest(bank, C.bank_loan_rate[i]),
                        FlowType::interest_loans);

          // 3. payments: what the deposit cannot cover is missed; fund units
          // are redeemed for the shortfall (the money arrives today, funds.cpp,
          // and the borrower cures as soon as it can pay, consumer_daily.cpp).
          if (pay_consumer_dues(w, j, c)) {
            C.days_past_due[i] = 0;
          } else if (has_debt) {
            if (C.days_past_due[i] == 0) C.days_past_due[i] = 1;
            const Fen shortfall = consumer_dues(w, j, c) - j.balance(deposit);
            const Fen units = j.balance({B.consumer_fund_units, c});
            if (units > 0 && shortfall > 0)
              out.intents.redemptions.push_back(Redemption{c, std::min(units, shortfall)});
          }
          // Interest on what revolves past the statement.
          revolving = j.balance(rev_p) + j.balance(rev_b);
          if (revolving > 0)
            accrue_colent(rev_p, rev_b, partner,
                          rules::monthly_interest(revolving, revolving_rate));
          C.revolving_statement[i] = j.balance(rev_p) + j.balance(rev_b);
          if (j.balance(cash_p) + j.balance(cash_b) == 0) C.cash_loan_instalment[i] = 0;
          if (j.balance(bank_loan) == 0) C.bank_loan_instalment[i] = 0;

          // 4. fund choice
          if (C.wallet[i] == 0 && C.days_past_due[i] == 0) {
            const Account units{B.consumer_fund_units, c};
            const Fen held = j.balance(units);
            const Fen liquid = j.balance(deposit) + held;
            const double share = rules::fund_target_share(P.fund_share_max, P.fund_share_intercept,
                                                          P.fund_share_spread_sensitivity,
                                                          fund_yield - deposit_rate, confidence);
            const Fen gap = apply_rate(liquid, share) - held;
            const Fen move = apply_rate(gap, P.fund_adjustment_monthly);
            if (move > 0) {
              const Account fund_account{B.fund_deposit, j.book(B.consumer_deposit).issuer.of(c)};
              if (ops::buy_claim(j, deposit, fund_account, units, move))
                out.flows[Flow::fund_subscriptions] += move;
            } else if (move < 0) {
              out.intents.redemptions.push_back(Redemption{c, -move});
            }
          }

          // 5. applications
          const auto step = static_cast<std::uint32_t>(w.step);
          const Fen liquid_wealth = j.balance(deposit) + j.balance({B.consumer_fund_units, c});
          const bool short_of_cash =
              liquid_wealth < apply_rate(C.monthly_wage[i], P.cash_loan_need_months);
          // A consumer who owes one lender may ask the other, at the ordinary
          // rate (an assumption: keeps second loans from piling on the
          // consumers already short of cash).
          const int lenders_owed = (j.balance(cash_p) + j.balance(cash_b) > 0 ? 1 : 0) +
                                   (j.balance(bank_loan) > 0 ? 1 : 0);
          const double wants = short_of_cash && lenders_owed == 0 ? P.cash_loan_demand_short_monthly
                                                                  : P.cash_loan_demand_monthly;
          if (C.days_past_due[i] == 0 && lenders_owed < 2 && step >= C.loan_cooloff_until[i] &&
              u_demand < demand_factor * wants) {
            out.intents.consumer_applications.push_back(
                {c, Product::cash_loan,
                 apply_rate(C.monthly_wage[i], P.cash_loan_months_of_income)});
          }
          if (C.wallet[i] == 0 && C.revolving_limit[i] == 0 && C.days_past_due[i] == 0 &&
              step >= C.line_cooloff_until[i]) {
            out.intents.consumer_applications.push_back(
                {c, Product::revolving_line,
                 apply_rate(C.monthly_wage[i], P.revolving_limit_months)});
          }
          (void)own_bank;
        }
      });
}

}  // namespace pfsim::phases
