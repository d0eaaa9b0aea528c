// Ledger operations, each written once over a poster (Ledger or Journal; see
// ledger.hpp). Every operation keeps every balance sheet balanced: it posts both
// sides of each claim, the clearing positions between the banks involved, the
// money it creates or destroys, and — for income flows — the net worth of payer
// and payee and the transaction-flow matrix.
//
// Funds are checked (overdraft rules) only on accounts the caller owns: the
// payer in a parallel phase, or anything in serial hub code.
#pragma once

namespace pfsim::ops {

template <class P>
[[nodiscard]] std::uint32_t holder_of(const P& p, Account a) {
  return p.book(a.book).holder.of(a.row);
}
template <class P>
[[nodiscard]] std::uint32_t issuer_of(const P& p, Account a) {
  return p.book(a.book).issuer.of(a.row);
}

// Clearing between the banks behind two payment accounts (nothing if the same).
template <class P>
void clear_between(P& p, std::uint32_t paying_bank, std::uint32_t receiving_bank, Fen amount) {
  if (paying_bank == receiving_bank) return;
  p.post_clearing(paying_bank, -amount);
  p.post_clearing(receiving_bank, amount);
}

template <class P>
void income(P& p, FlowType flow, AgentKind payer_kind, std::uint32_t payer, AgentKind payee_kind,
            std::uint32_t payee, Fen amount) {
  if (flow == FlowType::financial) return;
  p.post_net_worth(payer_kind, payer, -amount);
  p.post_net_worth(payee_kind, payee, amount);
  p.post_flow(flow, payer_kind, payee_kind, amount);
}

// Moves money between payment accounts without a funds check (the caller knows
// the funds are there, e.g. a merchant passing on part of what it just received).
template <class P>
void move(P& p, Account from, Account to, Fen amount, FlowType flow) {
  const Book& fb = p.book(from.book);
  const Book& tb = p.book(to.book);
  if (!fb.is_payment_account() || !tb.is_payment_account())
    throw InternalError("ledger: " + fb.name + " → " + tb.name + " is not a payment");
  p.post(from, -amount);
  p.post(to, amount);
  clear_between(p, fb.issuer.of(from.row), tb.issuer.of(to.row), amount);
  p.post_money((tb.is_money() ? amount : 0) - (fb.is_money() ? amount : 0));
  income(p, flow, fb.holder_kind, fb.holder.of(from.row), tb.holder_kind, tb.holder.of(to.row),
         amount);
}

// Pays `amount` from one payment account to another. Returns false (and changes
// nothing) if the payer lacks the funds or the credit.
template <class P>
bool transfer(P& p, Account from, Account to, Fen amount, FlowType flow) {
  if (amount < 0) throw InternalError("ledger: negative transfer");
  if (amount == 0) return true;
  if (!p.book(from.book).allows(from.row, checked_sub(p.balance(from), amount))) return false;
  move(p, from, to, amount, flow);
  return true;
}

// A purchase: the buyer pays `amount`; the seller keeps amount − fee and pays
// `fee` on to the payment provider.
template <class P>
bool purchase_with_fee(P& p, Account buyer, Account seller, Account provider, Fen amount, Fen fee,
                       FlowType flow) {
  if (fee < 0 || fee > amount) throw InternalError("ledger: fee outside [0, amount]");
  if (!transfer(p, buyer, seller, amount, flow)) return false;
  if (fee > 0) move(p, seller, provider, fee, FlowType::payment_fees);
  return true;
}

// A bank pays into an account (interest, costs, fees): creates money.
template <class P>
void bank_pays(P& p, std::uint32_t bank, Account to, Fen amount, FlowType flow) {
  if (amount < 0) throw InternalError("ledger: negative bank payment");
  if (amount == 0) return;
  const Book& tb = p.book(to.book);
  p.post(to, amount);
  clear_between(p, bank, tb.issuer.of(to.row), amount);
  if (tb.is_money()) p.post_money(amount);
  income(p, flow, AgentKind::bank, bank, tb.holder_kind, tb.holder.of(to.row), amount);
}

// An account pays a bank (interest, fees): destroys money. False if short.
template <class P>
bool pays_bank(P& p, Account from, std::uint32_t bank, Fen amount, FlowType flow) {
  if (amount < 0) throw InternalError("ledger: negative payment to a bank");
  if (amount == 0) return true;
  const Book& fb = p.book(from.book);
  if (!fb.allows(from.row, checked_sub(p.balance(from), amount))) return false;
  p.post(from, -amount);
  clear_between(p, fb.issuer.of(from.row), bank, amount);
  if (fb.is_money()) p.post_money(-amount);
  income(p, flow, fb.holder_kind, fb.holder.of(from.row), AgentKind::bank, bank, amount);
  return true;
}

// A lender advances `amount` to a borrower: the claim (held by the lender,
// issued by the borrower) rises and the borrower's deposit `to` is credited. A
// bank lender creates the deposit (money creation); any other lender pays out of
// its own deposit `lender_deposit` (which must have the funds: serial code only).
template <class P>
bool lend(P& p, Account claim, Account to, Fen amount, const Account* lender_deposit = nullptr) {
  if (amount < 0) throw InternalError("ledger: negative loan");
  if (amount == 0) return true;
  const Book& cb = p.book(claim.book);
  if (cb.instrument != Instrument::loan)
    throw InternalError("ledger: " + cb.name + " is not a loan book");
  if (cb.holder_kind == AgentKind::bank) {
    const Book& tb = p.book(to.book);
    p.post(claim, amount);
    p.post(to, amount);
    clear_between(p, cb.holder.of(claim.row), tb.issuer.of(to.row), amount);
    if (tb.is_money()) p.post_money(amount);
    return true;
  }
  if (lender_deposit == nullptr)
    throw InternalError("ledger: a non-bank lender needs a deposit to lend from");
  if (!transfer(p, *lender_deposit, to, amount, FlowType::financial)) return false;
  p.post(claim, amount);
  return true;
}

// The borrower repays `amount` of a claim from its deposit `from`. Repaying a
// bank destroys money; repaying another lender credits `lender_deposit`.
template <class P>
bool repay(P& p, Account from, Account claim, Fen amount, const Account* lender_deposit = nullptr) {
  if (amount < 0) throw InternalError("ledger: negative repayment");
  if (amount == 0) return true;
  if (p.balance(claim) < amount) throw InternalError("ledger: repayment exceeds the claim");
  const Book& cb = p.book(claim.book);
  const Book& fb = p.book(from.book);
  if (!fb.allows(from.row, checked_sub(p.balance(from), amount))) return false;
  if (cb.holder_kind == AgentKind::bank) {
    p.post(from, -amount);
    p.post(claim, -amount);
    clear_between(p, fb.issuer.of(from.row), cb.holder.of(claim.row), amount);
    if (fb.is_money()) p.post_money(-amount);
    return true;
  }
  if (lender_deposit == nullptr)
    throw InternalError("ledger: a non-bank lender needs a deposit to be repaid into");
  move(p, from, *lender_deposit, amount, FlowType::financial);
  p.post(claim, -amount);
  return true;
}

// Interest (or yield) added to a claim: the holder earns it, the issuer owes it.
template <class P>
void accrue(P& p, Account claim, Fen amount, FlowType flow) {
  if (amount < 0) throw InternalError("ledger: negative accrual");
  if (amount == 0) return;
  const Book& cb = p.book(claim.book);
  p.post(claim, amount);
  income(p, flow, cb.issuer_kind, cb.issuer.of(claim.row), cb.holder_kind, cb.holder.of(claim.row),
         amount);
}

// A claim written off: the holder loses it, the issuer is released from it.
template <class P>
void write_off(P& p, Account claim, Fen amount) {
  if (amount < 0 || p.balance(claim) < amount) throw InternalError("ledger: impossible write-off");
  if (amount == 0) return;
  const Book& cb = p.book(claim.book);
  p.post(claim, -amount);
  income(p, FlowType::loan_losses, cb.holder_kind, cb.holder.of(claim.row), cb.issuer_kind,
         cb.issuer.of(claim.row), amount);
}

// A claim bought with money (fund units, equity stakes): the buyer pays the
// issuer's deposit and the claim rises. Serial or own-row payer only.
template <class P>
bool buy_claim(P& p, Account buyer_deposit, Account issuer_deposit, Account claim, Fen amount) {
  if (!transfer(p, buyer_deposit, issuer_deposit, amount, FlowType::financial)) return false;
  p.post(claim, amount);
  return true;
}

// A claim redeemed for money: the issuer pays it back from its deposit.
template <class P>
bool redeem_claim(P& p, Account claim, Account issuer_deposit, Account holder_deposit, Fen amount) {
  if (p.balance(claim) < amount) throw InternalError("ledger: redemption exceeds the claim");
  if (!transfer(p, issuer_deposit, holder_deposit, amount, FlowType::financial)) return false;
  p.post(claim, -amount);
  return true;
}

// A loan participation changes hands between a bank and another lender: the
// claim moves from `from_claim` (rows of the same borrower) to `to_claim`, paid
// for with the buyer's deposit `buyer_deposit` when the seller is a bank, or by
// the buying bank creating a deposit for the seller when the buyer is a bank.
// Serial code only (the payer's funds are checked).
template <class P>
bool move_claim_from_bank(P& p, Account bank_claim, Account buyer_claim, Account buyer_deposit,
                          Fen amount) {
  if (amount <= 0) return amount == 0;
  if (p.balance(bank_claim) < amount)
    throw InternalError("ledger: participation exceeds the claim");
  const Book& db = p.book(buyer_deposit.book);
  if (!db.allows(buyer_deposit.row, checked_sub(p.balance(buyer_deposit), amount))) return false;
  const std::uint32_t bank = p.book(bank_claim.book).holder.of(bank_claim.row);
  p.post(buyer_deposit, -amount);
  clear_between(p, db.issuer.of(buyer_deposit.row), bank, amount);
  if (db.is_money()) p.post_money(-amount);
  p.post(bank_claim, -amount);
  p.post(buyer_claim, amount);
  return true;
}

template <class P>
void move_claim_to_bank(P& p, Account holder_claim, Account bank_claim, Account seller_deposit,
                        Fen amount) {
  if (amount <= 0) return;
  if (p.balance(holder_claim) < amount)
    throw InternalError("ledger: participation exceeds the claim");
  const Book& db = p.book(seller_deposit.book);
  const std::uint32_t bank = p.book(bank_claim.book).holder.of(bank_claim.row);
  p.post(seller_deposit, amount);
  clear_between(p, bank, db.issuer.of(seller_deposit.row), amount);
  if (db.is_money()) p.post_money(amount);
  p.post(holder_claim, -amount);
  p.post(bank_claim, amount);
}

}  // namespace pfsim::ops
