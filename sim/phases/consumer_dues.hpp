// A consumer's monthly dues and their payment, shared by the billing day
// (consumer_servicing.cpp) and the daily cure of a late borrower
// (consumer_daily.cpp), so that both apply the same rule.
#pragma once

#include <algorithm>
#include <utility>

#include "phases/chunked.hpp"

namespace pfsim::phases {

// Splits `amount` between two funders in proportion to their balances a and b.
[[nodiscard]] inline std::pair<Fen, Fen> pro_rata(Fen amount, Fen a, Fen b) {
  const Fen total = a + b;
  if (total <= 0) return {0, amount};
  const auto first = static_cast<Fen>(static_cast<Int128>(amount) * a / total);
  return {first, amount - first};
}

// What consumer `c` must pay this month (fen): the instalments due plus the
// minimum share of its credit-line balance.
struct ConsumerDues {
  Fen cash = 0;           // on the co-lent cash loan
  Fen bank = 0;           // on the direct bank loan
  Fen revolving_min = 0;  // the credit line's minimum
  [[nodiscard]] Fen total() const { return cash + bank + revolving_min; }
};

// The rule, from the consumer's balances (fen): its co-lent cash loan (both
// funders' parts), its direct bank loan and its credit line (both parts).
[[nodiscard]] inline ConsumerDues dues_from(const World& w, std::uint32_t c, Fen cash,
                                            Fen bank_loan, Fen revolving) {
  return {std::min(w.consumers.cash_loan_instalment[c], cash),
          std::min(w.consumers.bank_loan_instalment[c], bank_loan),
          apply_rate(revolving, w.scenario->consumers.revolving_minimum_share)};
}

[[nodiscard]] inline ConsumerDues dues_of(const World& w, const Journal& j, std::uint32_t c) {
  const BookIds& B = w.books;
  return dues_from(w, c, j.balance({B.cash_platform, c}) + j.balance({B.cash_bank, c}),
                   j.balance({B.consumer_bank_loan, c}),
                   j.balance({B.revolving_platform, c}) + j.balance({B.revolving_bank, c}));
}

[[nodiscard]] inline Fen consumer_dues(const World& w, const Journal& j, std::uint32_t c) {
  return dues_of(w, j, c).total();
}

// Pays consumer `c`'s dues from its deposit if it can (revolving_repay_share of
// the line's balance when the deposit allows, at least the minimum): true if
// paid, false (nothing paid) if the deposit falls short. Ability to pay: what
// the deposit cannot cover is missed.
inline bool pay_consumer_dues(const World& w, Journal& j, std::uint32_t c) {
  const BookIds& B = w.books;
  const Account deposit{B.consumer_deposit, c};
  const Account platform_deposit{B.platform_deposit, 0};
  const Account rev_p{B.revolving_platform, c}, rev_b{B.revolving_bank, c};
  const Account cash_p{B.cash_platform, c}, cash_b{B.cash_bank, c};
  const Account bank_loan{B.consumer_bank_loan, c};
  const ConsumerDues due = dues_of(w, j, c);
  if (j.balance(deposit) < due.total()) return false;
  const Fen revolving = j.balance(rev_p) + j.balance(rev_b);
  const auto [cp, cb] = pro_rata(due.cash, j.balance(cash_p), j.balance(cash_b));
  ops::repay(j, deposit, cash_p, cp, &platform_deposit);
  ops::repay(j, deposit, cash_b, cb);
  ops::repay(j, deposit, bank_loan, due.bank);
  const Fen wanted = std::max(due.revolving_min,
                              apply_rate(revolving, w.scenario->consumers.revolving_repay_share));
  const Fen pay = std::min(wanted, j.balance(deposit));
  const auto [rp, rb] = pro_rata(pay, j.balance(rev_p), j.balance(rev_b));
  ops::repay(j, deposit, rev_p, rp, &platform_deposit);
  ops::repay(j, deposit, rev_b, rb);
  return true;
}

}  // namespace pfsim::phases
