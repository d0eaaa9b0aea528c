// The start-of-day reset, and helpers shared by phases.
#include "core/date.hpp"
#include "phases/chunked.hpp"
#include "phases/phases.hpp"
#include "world/sfc.hpp"

namespace pfsim::phases {

void add_flows(StepFlows& into, const StepFlows& f) {
  into.consumption = checked_add(into.consumption, f.consumption);
  into.platform_payment_volume =
      checked_add(into.platform_payment_volume, f.platform_payment_volume);
  into.rival_payment_volume = checked_add(into.rival_payment_volume, f.rival_payment_volume);
  into.wages_paid = checked_add(into.wages_paid, f.wages_paid);
  into.social_transfers = checked_add(into.social_transfers, f.social_transfers);
  into.platform_debt_interest = checked_add(into.platform_debt_interest, f.platform_debt_interest);
  into.platform_deposit_interest =
      checked_add(into.platform_deposit_interest, f.platform_deposit_interest);
  into.platform_operating_costs =
      checked_add(into.platform_operating_costs, f.platform_operating_costs);
  into.wages_owed = checked_add(into.wages_owed, f.wages_owed);
  into.supplier_purchases = checked_add(into.supplier_purchases, f.supplier_purchases);
  for (std::size_t l = 0; l < lender_count; ++l) {
    into.applications[l] += f.applications[l];
    into.approvals[l] += f.approvals[l];
    into.new_loans[l] = checked_add(into.new_loans[l], f.new_loans[l]);
    into.new_loan_pd_sum[l] += f.new_loan_pd_sum[l];
    into.new_term_loans[l] = checked_add(into.new_term_loans[l], f.new_term_loans[l]);
    into.new_sme_loan_pd_sum[l] += f.new_sme_loan_pd_sum[l];
    into.new_sme_term_loans[l] = checked_add(into.new_sme_term_loans[l], f.new_sme_term_loans[l]);
    into.write_offs[l] = checked_add(into.write_offs[l], f.write_offs[l]);
  }
  into.new_sme_loans = checked_add(into.new_sme_loans, f.new_sme_loans);
  into.new_sme_loan_count += f.new_sme_loan_count;
  into.tech_fees = checked_add(into.tech_fees, f.tech_fees);
  into.fund_subscriptions = checked_add(into.fund_subscriptions, f.fund_subscriptions);
  into.fund_redemptions = checked_add(into.fund_redemptions, f.fund_redemptions);
  into.fund_redemptions_refused =
      checked_add(into.fund_redemptions_refused, f.fund_redemptions_refused);
  into.sme_exits += f.sme_exits;
  into.sme_exits_illiquid += f.sme_exits_illiquid;
  into.sme_entries += f.sme_entries;
  into.bank_failures += f.bank_failures;
  into.bank_resolution_cost = checked_add(into.bank_resolution_cost, f.bank_resolution_cost);
  for (std::size_t r = 0; r < contagion_round_slots; ++r)
    into.contagion_defaults_by_round[r] += f.contagion_defaults_by_round[r];
  into.contagion_rounds = std::max(into.contagion_rounds, f.contagion_rounds);
  into.contagion_interbank_losses =
      checked_add(into.contagion_interbank_losses, f.contagion_interbank_losses);
  into.contagion_clearing_loss += f.contagion_clearing_loss;
  into.ipo_raised = checked_add(into.ipo_raised, f.ipo_raised);
  into.fines_paid = checked_add(into.fines_paid, f.fines_paid);
}

Today today(const World& w) {
  const CivilDate d = to_civil(w.today());
  const int n = days_in_month(d.year, d.month);
  return Today{d.day, n, d.day == n};
}

void run_begin_day(World& w) {
  w.flows = StepFlows{};
  w.intents.clear();
  w.ledger.reset_flows();
  w.sector_net_worth_at_step_start = sector_net_worth(w.ledger);
}

}  // namespace pfsim::phases
