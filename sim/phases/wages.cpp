// Wages. On payday each SME owes its employees their contractual monthly wage.
// A firm short of cash pays everyone the same fraction funds / bill. The phase
// is two parallel passes, each writing only its own rows (through a Journal):
//   1. SMEs: snapshot bill and funds; debit what they will pay.
//   2. Consumers: credit wage × min(1, funds / bill) of their employer.
// Both passes compute each employee's pay with the same integer formula, so the
// amounts debited and credited agree to the fen.
#include "core/date.hpp"
#include "exec/parallel.hpp"
#include "phases/phases.hpp"

namespace pfsim::phases {

namespace {

// The pay of one employee (fen): floor(wage × funds / bill) when short, else wage.
Fen pay_of(Fen wage, Fen bill, Fen funds) {
  if (funds >= bill) return wage;
  return static_cast<Fen>(static_cast<Int128>(wage) * funds / bill);
}

}  // namespace

void run_wages(World& w) {
  if (to_civil(w.today()).day != w.scenario->smes.payday) return;
  Ledger& L = w.ledger;
  const std::size_t n_banks = w.banks.size();

  // Pass 1: SMEs debit their payroll.
  std::vector<Journal> sme_journals(exec::chunk_count(w.smes.size()));
  std::vector<Fen> owed(sme_journals.size(), 0), paid(sme_journals.size(), 0);
  exec::for_each_chunk(w.smes.size(), [&](std::size_t c, std::size_t begin, std::size_t end) {
    Journal& j = sme_journals[c];
    j.reset(n_banks);
    const Book& deposits = L.book(w.books.sme_deposit);
    for (std::size_t s = begin; s < end; ++s) {
      const std::uint32_t first = w.smes.first_employee[s];
      const std::uint32_t last = first + w.smes.employee_count[s];
      Fen bill = 0;
      for (std::uint32_t e = first; e < last; ++e) bill = checked_add(bill, w.consumers.monthly_wage[e]);
      const Fen funds = deposits.balance[s];
      Fen total = 0;
      for (std::uint32_t e = first; e < last; ++e)
        total = checked_add(total, pay_of(w.consumers.monthly_wage[e], bill, funds));
      w.smes.payroll_bill[s] = bill;
      w.smes.payroll_funds[s] = funds;
      if (!j.debit_own(L, Account{w.books.sme_deposit, static_cast<std::uint32_t>(s)}, total, Flow::income))
        throw InternalError("wages: payroll exceeds funds");  // impossible: total ≤ funds
      owed[c] += bill;
      paid[c] += total;
    }
  });
  // Pass 2: employees credit their pay.
  std::vector<Journal> consumer_journals(exec::chunk_count(w.consumers.size()));
  exec::for_each_chunk(w.consumers.size(), [&](std::size_t c, std::size_t begin, std::size_t end) {
    Journal& j = consumer_journals[c];
    j.reset(n_banks);
    for (std::size_t i = begin; i < end; ++i) {
      const std::uint32_t employer = w.consumers.employer[i];
      if (employer == no_index) continue;
      const Fen pay = pay_of(w.consumers.monthly_wage[i], w.smes.payroll_bill[employer],
                             w.smes.payroll_funds[employer]);
      if (pay > 0) j.credit_own(L, Account{w.books.consumer_deposit, static_cast<std::uint32_t>(i)}, pay, Flow::income);
    }
  });
  merge(L, sme_journals);
  merge(L, consumer_journals);
  for (std::size_t c = 0; c < owed.size(); ++c) {
    w.flows.wages_owed = checked_add(w.flows.wages_owed, owed[c]);
    w.flows.wages_paid = checked_add(w.flows.wages_paid, paid[c]);
  }
}

}  // namespace pfsim::phases
