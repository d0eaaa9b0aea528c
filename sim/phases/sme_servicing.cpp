// SMEs: delinquency, servicing, exit and entry.
//  * Every day a delinquent SME's days past due grow; at writeoff_days its
//    loans are written off and it exits. An SME that fell short on
//    exit_missed_paydays paydays in a row also exits (its loans written off).
//    Its employees lose their jobs; its slot stays vacant.
//  * On its billing day an active SME may suffer a default event (monthly hazard
//    from its latent PD), accrues interest on its loans (partner banks pass the
//    technology-service fee on co-lent loans to the platform), pays its
//    instalments if its cash allows (else it is 1+ days past due), and applies
//    for a working-capital loan (loan_size_months of its wage bill) when the
//    cash it expects at the next payday (cash + last month's sales net of
//    supplier purchases, pro rata to the days until then) is below
//    loan_need_months of its wage bill, or otherwise with probability loan_demand_monthly ×
//    exp(−loan_rate_elasticity × (policy rate − loan_reference_rate)) — rate-sensitive demand — to
//    each lender it does not owe and whose refusal's cool-off is over (a refusal
//    by its bank does not stop it asking the platform; origination.cpp).
//  * Platform-originated loans are written off at platform.writeoff_days past
//    due, direct bank loans at banks.writeoff_days; the firm exits at the last.
//  * Entry (serial, slot order): a vacant slot is taken by a new firm with
//    daily probability entry_rate_monthly / days-in-month; the new firm gets a
//    new id (handed out in slot order) and draws its own attributes.
#include <cmath>

#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"
#include "rng/philox.hpp"
#include "world/merchant_choice.hpp"

namespace pfsim::phases {

namespace {

Fen wage_bill(const World& w, std::size_t s) {
  Fen bill = 0;
  const std::uint32_t first = w.smes.first_employee[s];
  for (std::uint32_t e = first; e < first + w.smes.employee_count[s]; ++e)
    bill = checked_add(bill, w.consumers.monthly_wage[e]);
  return bill;
}

}  // namespace

void run_sme_servicing(World& w) {
  const Scenario& sc = *w.scenario;
  const Today t = today(w);
  const BookIds& B = w.books;
  SmeStore& S = w.smes;
  const Account platform_deposit{B.platform_deposit, 0};
  const auto writeoff_days = static_cast<std::uint16_t>(sc.platform.writeoff_days);
  // Discretionary demand falls with the loan rate (which moves with the policy rate).
  const double discretionary_demand =
      sc.smes.loan_demand_monthly * std::exp(-sc.smes.loan_rate_elasticity *
                                             (w.policy.policy_rate - sc.smes.loan_reference_rate));
  const auto bank_writeoff_days =
      static_cast<std::uint16_t>(std::max(sc.banks.writeoff_days, sc.platform.writeoff_days));
  // Share of a month until the next payday (wages are due then).
  const int payday = static_cast<int>(sc.smes.payday);
  const int days_to_payday = t.day < payday ? payday - t.day : t.days_in_month - t.day + payday;
  const double month_share_to_payday = static_cast<double>(days_to_payday) / t.days_in_month;
  for_each_chunk_journaled(
      w, AgentKind::sme, S.size(), [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        Journal& j = out.journal;
        for (std::size_t i = begin; i < end; ++i) {
          if (S.active[i] == 0) continue;
          const auto s = static_cast<std::uint32_t>(i);
          const Account deposit{B.sme_deposit, s};
          const Account plat_p{B.sme_platform_platform, s}, plat_b{B.sme_platform_bank, s};
          const Account bank_loan{B.sme_bank_loan, s};
          if (S.days_past_due[i] > 0)
            S.days_past_due[i] = static_cast<std::uint16_t>(S.days_past_due[i] + 1);
          const Fen bank_owed = j.balance(bank_loan);
          const bool defaulted =
              S.days_past_due[i] >= (bank_owed > 0 ? bank_writeoff_days : writeoff_days);
          if (S.days_past_due[i] == writeoff_days &&
              bank_owed > 0) {  // the platform writes off first
            const Fen platform_originated = j.balance(plat_p) + j.balance(plat_b);
            ops::write_off(j, plat_p, j.balance(plat_p));
            ops::write_off(j, plat_b, j.balance(plat_b));
            out.flows[Flow::write_offs_platform] += platform_originated;
          }
          const bool illiquid =
              S.missed_paydays[i] >= static_cast<std::uint8_t>(sc.smes.exit_missed_paydays);
          if (defaulted || illiquid) {
            if (!defaulted) ++out.flows[Flow::sme_exits_illiquid];
            const Fen platform_originated = j.balance(plat_p) + j.balance(plat_b);
            ops::write_off(j, plat_p, j.balance(plat_p));
            ops::write_off(j, plat_b, j.balance(plat_b));
            const Fen bank = j.balance(bank_loan);
            ops::write_off(j, bank_loan, bank);
            out.flows[Flow::write_offs_platform] += platform_originated;
            out.flows[Flow::write_offs_bank] += bank;
            S.active[i] = 0;
            S.days_past_due[i] = 0;
            S.defaulted_by_hazard[i] = 0;
            S.missed_paydays[i] = 0;
            S.platform_loan_instalment[i] = 0;
            S.bank_loan_instalment[i] = 0;
            ++out.flows[Flow::sme_exits];
            continue;
          }
          if (S.billing_day[i] != t.day) continue;
          rng::Draws draws(w.seed, rng::Stream::sme_default_event, S.id[i], w.step);
          const Fen platform_debt = j.balance(plat_p) + j.balance(plat_b);
          const Fen bank_debt = j.balance(bank_loan);
          if (platform_debt + bank_debt > 0 && S.defaulted_by_hazard[i] == 0 &&
              draws.uniform() < rules::monthly_hazard(S.latent_pd[i], 1.0)) {
            S.defaulted_by_hazard[i] = 1;
            if (S.days_past_due[i] == 0) S.days_past_due[i] = 1;
          }
          if (S.defaulted_by_hazard[i] != 0) continue;
          if (platform_debt > 0) {
            const Fen interest = rules::monthly_interest(platform_debt, S.platform_loan_rate[i]);
            const auto ip =
                static_cast<Fen>(static_cast<Int128>(interest) * j.balance(plat_p) / platform_debt);
            ops::accrue(j, plat_p, ip, FlowType::interest_loans);
            ops::accrue(j, plat_b, interest - ip, FlowType::interest_loans);
            const Fen fee = apply_rate(interest - ip, w.policy.tech_fee_share);
            ops::bank_pays(j, j.book(B.sme_platform_bank).holder.of(s), platform_deposit, fee,
                           FlowType::tech_service_fees);
            out.flows[Flow::tech_fees] += fee;
          }
          if (bank_debt > 0)
            ops::accrue(j, bank_loan, rules::monthly_interest(bank_debt, S.bank_loan_rate[i]),
                        FlowType::interest_loans);
          const Fen plat_total = j.balance(plat_p) + j.balance(plat_b);
          const Fen plat_due = std::min(S.platform_loan_instalment[i], plat_total);
          const Fen bank_due = std::min(S.bank_loan_instalment[i], j.balance(bank_loan));
          if (j.balance(deposit) >= plat_due + bank_due) {
            const auto pp = plat_total > 0 ? static_cast<Fen>(static_cast<Int128>(plat_due) *
                                                              j.balance(plat_p) / plat_total)
                                           : 0;
            ops::repay(j, deposit, plat_p, pp, &platform_deposit);
            ops::repay(j, deposit, plat_b, plat_due - pp);
            ops::repay(j, deposit, bank_loan, bank_due);
            S.days_past_due[i] = 0;
          } else if (S.days_past_due[i] == 0) {
            S.days_past_due[i] = 1;
          }
          if (j.balance(plat_p) + j.balance(plat_b) == 0) S.platform_loan_instalment[i] = 0;
          if (j.balance(bank_loan) == 0) S.bank_loan_instalment[i] = 0;
          // Working-capital need: wages are paid in advance, sales come in
          // through the month. A firm that expects to hold less than
          // loan_need_months of its wage bill at the next payday — its cash
          // plus last month's sales, net of supplier purchases, for the days
          // until then — asks its lenders, also those it owes.
          const Fen bill = wage_bill(w, i);
          const Fen expected_inflow = apply_rate(
              S.sales_last_month[i], (1.0 - sc.smes.supplier_share) * month_share_to_payday);
          const bool short_of_cash =
              j.balance(deposit) + expected_inflow < apply_rate(bill, sc.smes.loan_need_months);
          // A lender it may ask: one whose refusal's cool-off is over and, for
          // discretionary demand, that it does not owe; a firm short of cash
          // also asks the lenders it owes (a top-up within their limits,
          // origination.cpp).
          const auto step = static_cast<std::uint32_t>(w.step);
          const bool platform_open = step >= S.loan_cooloff_until[i];
          const bool bank_open = step >= S.bank_loan_cooloff_until[i];
          const bool may_top_up = short_of_cash && platform_open;
          const bool may_ask = (j.balance(plat_p) + j.balance(plat_b) == 0 && platform_open) ||
                               (j.balance(bank_loan) == 0 && bank_open);
          if (S.days_past_due[i] == 0 &&
              (may_top_up || (may_ask && draws.uniform() < discretionary_demand)))
            out.intents.sme_applications.push_back(
                {s, Product::sme_loan, apply_rate(bill, sc.smes.loan_size_months), short_of_cash});
        }
      });
  // Entry, serial in slot order (ids are handed out here).
  const double p_entry = sc.smes.entry_rate_monthly / t.days_in_month;
  for (std::size_t i = 0; i < S.size(); ++i) {
    if (S.active[i] != 0) continue;
    rng::Draws draws(w.seed, rng::Stream::sme_entry, S.id[i], w.step);
    if (draws.uniform() >= p_entry) continue;
    const AgentId id = w.next_id++;
    rng::Draws attrs(w.seed, rng::Stream::init_sme, id, 0);
    S.id[i] = id;
    S.active[i] = 1;
    S.accepts_platform[i] = attrs.bernoulli(sc.smes.platform_acceptance) ? 1 : 0;
    S.latent_pd[i] = static_cast<float>(
        rules::logistic(sc.smes.risk_logit_mean + sc.smes.risk_logit_sigma * attrs.normal()));
    S.billing_day[i] = static_cast<std::uint8_t>(1 + id % 28);
    S.payment_count[i] = 0;
    S.trust_score[i] = 0;
    S.supply_capacity[i] = 1;
    S.staff_financed[i] = 1;
    S.demand_factor[i] = stationary_demand_factor(sc.smes, attrs.normal());
    S.loan_cooloff_until[i] = 0;
    S.bank_loan_cooloff_until[i] = 0;
    S.sales_last_month[i] = 0;
    S.sales_this_month[i] = 0;
    ++w.flows[Flow::sme_entries];
  }
}

}  // namespace pfsim::phases
