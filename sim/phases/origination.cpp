// Credit origination: lenders screen, price and fund today's applications, in
// the order the applicants were queued (their index order), so the result does
// not depend on the thread count. Serial: lenders' capital and funds are shared;
// only the lenders' estimates of each applicant's PD, which read the applicant
// alone, are computed first in parallel (screen_applications).
//
// Screening that remembers. A lender sees logit(p̂) = logit(p) + σ z, z
// standard normal and drawn once per lender and borrower (its view of the
// borrower's quirks persists: reapplying does not redraw it). The platform's
// σ = σ0 / √(1 + d/d0) falls with the payments d it has seen from the
// applicant, so its view sharpens as data arrive; banks use the credit bureau's
// σ_b, which a data-sharing mandate lowers. An application is approved when p̂
// is below the lender's cut-off and the break-even rate funding + p̂·LGD +
// margin is within the legal cap (so a rate cap rations the riskiest first);
// that rate is the loan's rate. An applicant refused waits
// reapply_cooloff_months before applying for that product again.
//
// A choice between lenders. An SME asks each lender it does not owe (the
// platform if it accepts wallet payments, its bank) and takes the approved
// offer that meets its need at the lower annual cost per yuan needed: a bank
// loan costs interest on at least the bank's minimum size plus a one-off
// smes.bank_loan_fixed_cost_yuan (collateral appraisal, paperwork, waiting),
// so larger firms prefer banks and the smallest the platform. It falls back on
// the other offer when the first cannot be funded; so when one lender
// tightens, the other takes the borrowers it judges creditworthy. A consumer
// wanting a cash loan chooses the same way (the platform asked only by its
// wallet users, a bank loan bearing consumers.bank_loan_fixed_cost_yuan: a
// branch visit against an in-app loan); a bank's limit nets the consumer's
// platform cash loan, which the bureau reports.
//
// Funding. A platform loan is co-lent: the platform funds own_funding_share s
// from its deposit, within its leverage limit (own-funded loans ≤ limit ×
// equity); the partner bank with the most co-lending quota left funds 1 − s.
// Without quota or leverage room the loan is refused. Banks lend directly within
// their lending room (capital headroom, bank_regulation.cpp) and against
// collateral valued at the borrower's regional house-price index: a consumer
// gets at most consumer_unsecured_months × income + consumer_collateral_ltv ×
// house value × index (a larger request is cut to it); an SME loan must be
// within LTV × property value × index and no smaller than sme_min_loan_yuan.
//
// Revolving lines are granted the same way (approval only; draws happen at
// purchase and are advanced by the partner bank). At the end of each day the
// platform takes its share s of the balance of every line drawn that day from
// the partner bank (or hands back the excess); when it cannot (no leverage
// room or cash), the line is frozen at its balance.
#include <cmath>
#include <limits>
#include <optional>

#include "exec/parallel.hpp"
#include "phases/phases.hpp"
#include "phases/rules.hpp"
#include "rng/philox.hpp"

namespace pfsim::phases {

namespace {

constexpr auto platform_lender = static_cast<std::size_t>(Lender::platform);
constexpr auto bank_lender = static_cast<std::size_t>(Lender::bank);

struct Context {
  World& w;
  const Scenario& sc;
  Ledger& L;
  const BookIds& B;
  Account platform_deposit;
  Int128 own_loans = 0;         // fen held by the platform
  Int128 own_limit = 0;         // fen
  bool platform_lends = false;  // not in an outage and not failed
  // Today's application being decided: the lenders' estimates of its PD.
  StepScratch::Screened screened;

  bool leverage_allows(Fen amount) const { return own_loans + amount <= own_limit; }
};

// The partner bank with the most co-lending quota left that can take `amount`;
// no_index if none.
std::uint32_t choose_partner(const World& w, Fen amount) {
  std::uint32_t best = no_index;
  Fen best_quota = 0;
  for (std::size_t b = 0; b < w.banks.size(); ++b) {
    const Fen q = w.banks.colending_quota[b];
    if (q >= amount && q > best_quota && w.banks.failed[b] == 0) {
      best = static_cast<std::uint32_t>(b);
      best_quota = q;
    }
  }
  return best;
}

// The lender's estimate of a borrower's PD. The error z is keyed on the
// lender's stream and the borrower only (not the day): the lender's view
// persists and sharpens as σ falls.
double screen(const World& w, rng::Stream stream, AgentId id, double true_pd, double sigma) {
  rng::Draws draws(w.seed, stream, id, 0);
  return rules::signal_pd(true_pd, sigma, draws.normal());
}

// The step before which a refused applicant does not apply again.
std::uint32_t cooloff_until(const World& w, double months) {
  return static_cast<std::uint32_t>(w.step + static_cast<std::int64_t>(std::lround(months * 30.0)));
}

// Co-lends `amount` to a borrower; false if leverage, partner quota or the
// platform's cash do not allow it. `bank_book` rows carry their partner bank.
bool colend(Context& ctx, BookId platform_book, BookId bank_book, Account borrower_deposit,
            Fen amount) {
  const Fen own = apply_rate(amount, ctx.w.policy.own_funding_share);
  const Fen partner_part = amount - own;
  if (!ctx.leverage_allows(own)) return false;
  const std::uint32_t row = borrower_deposit.row;
  Book& bb = ctx.L.book(bank_book);
  std::uint32_t partner = bb.holder.of(row);
  if (ctx.L.balance({bank_book, row}) == 0 || ctx.w.banks.colending_quota[partner] < partner_part) {
    partner = choose_partner(ctx.w, partner_part);
    if (partner == no_index) return false;
    if (ctx.L.balance({bank_book, row}) != 0) return false;  // cannot switch partner mid-loan
    bb.holder.column.set(row, partner);
  }
  if (!platform_has_cash(ctx.w, 0, own)) return false;
  ops::lend(ctx.L, {platform_book, row}, borrower_deposit, own, &ctx.platform_deposit);
  ops::lend(ctx.L, {bank_book, row}, borrower_deposit, partner_part);
  ctx.own_loans += own;
  ctx.w.banks.colending_quota[partner] -= partner_part;
  return true;
}

void review_revolving(Context& ctx, std::uint32_t c) {
  const Account rp{ctx.B.revolving_platform, c}, rb{ctx.B.revolving_bank, c};
  const Fen held = ctx.L.balance(rp);
  const Fen total = held + ctx.L.balance(rb);
  const Fen target = apply_rate(total, ctx.w.policy.own_funding_share);
  if (target > held) {
    Fen buy = target - held;
    if (!ctx.leverage_allows(buy) || !platform_has_cash(ctx.w, 0, buy)) {
      // The platform cannot hold its share: freeze the line at its balance.
      ctx.w.consumers.revolving_limit[c] = std::min(ctx.w.consumers.revolving_limit[c], total);
      buy = 0;
    }
    if (buy > 0 && ops::move_claim_from_bank(ctx.L, rb, rp, ctx.platform_deposit, buy))
      ctx.own_loans += buy;
  } else if (target < held) {
    ops::move_claim_to_bank(ctx.L, rp, rb, ctx.platform_deposit, held - target);
    ctx.own_loans -= held - target;
  }
}

// The largest consumer loan or line the platform may grant (fen).
Fen platform_loan_cap(const World& w, std::uint32_t c) {
  const double annual_income = 12.0 * static_cast<double>(w.consumers.monthly_wage[c]);
  const double cap =
      std::min(w.policy.max_consumer_loan_fen, w.policy.max_loan_income_share * annual_income);
  return cap >= 9e18 ? std::numeric_limits<Fen>::max() : static_cast<Fen>(cap);
}

// The largest direct bank loan to a consumer (fen): an unsecured part in months
// of income plus a share of the house's value at today's regional index.
Fen bank_consumer_limit(const World& w, std::uint32_t c) {
  const auto& B = w.scenario->banks;
  const Fen unsecured = apply_rate(w.consumers.monthly_wage[c], B.consumer_unsecured_months);
  const Fen house =
      apply_rate(w.consumers.house_value[c], house_price(w.policy, w.consumers.region[c]));
  return checked_add(unsecured, apply_rate(house, B.consumer_collateral_ltv));
}

// A lender's offer of a term loan: its rate (nullopt if refused) and the amount.
struct Offer {
  std::optional<double> rate;
  Fen amount = 0;
};

// The lender the borrower takes first: the offer that meets the need at the
// lower annual cost per yuan needed (eq. 7.8.6a), a bank offer bearing the
// one-off non-price cost `bank_one_off_fen`; an offer below the need ranks
// after one that meets it. True for the bank.
bool bank_first(const Offer& platform, const Offer& bank, Fen need, double bank_one_off_fen,
                std::int64_t term_months) {
  if (!bank.rate) return false;
  if (!platform.rate) return true;
  const bool platform_meets = platform.amount >= need, bank_meets = bank.amount >= need;
  if (platform_meets != bank_meets) return bank_meets;
  return rules::cost_per_yuan_needed(*bank.rate, bank.amount, need, bank_one_off_fen, term_months) <
         rules::cost_per_yuan_needed(*platform.rate, platform.amount, need, 0.0, term_months);
}

Offer platform_cash_offer(Context& ctx, std::uint32_t c, Fen amount) {
  World& w = ctx.w;
  const ConsumerStore& C = w.consumers;
  if (C.wallet[c] != 0 || !ctx.platform_lends || amount <= 0) return {};
  ++w.flows[Flow::applications_platform];
  const double pd_hat = ctx.screened.platform_pd;
  const auto rate = rules::loan_rate(w.policy.policy_rate, pd_hat, ctx.sc.banks.lgd,
                                     ctx.sc.platform.loan_margin, w.policy.interest_rate_cap);
  if (pd_hat >= ctx.sc.platform.consumer_cutoff_pd || !rate) return {};
  return {rate, amount};
}

Offer bank_cash_offer(Context& ctx, std::uint32_t c, Fen asked) {
  World& w = ctx.w;
  const std::uint32_t bank = ctx.L.book(ctx.B.consumer_bank_loan).holder.of(c);
  if (w.banks.failed[bank] != 0) return {};
  ++w.flows[Flow::applications_bank];
  const double pd_hat = ctx.screened.bank_pd;
  const auto rate = rules::loan_rate(w.policy.policy_rate, pd_hat, ctx.sc.banks.lgd,
                                     ctx.sc.banks.loan_margin, w.policy.interest_rate_cap);
  // The limit covers all the consumer's term debt: the bureau reports co-lent
  // cash loans (their funding banks report them) as well as bank loans.
  const Fen owed = ctx.L.balance({ctx.B.cash_platform, c}) + ctx.L.balance({ctx.B.cash_bank, c});
  const Fen amount = std::min(asked, bank_consumer_limit(w, c) - owed);
  if (pd_hat >= ctx.sc.banks.consumer_cutoff_pd || !rate || amount <= 0 ||
      w.banks.direct_lending_room[bank] < amount)
    return {};
  return {rate, amount};
}

bool take_platform_cash(Context& ctx, std::uint32_t c, const Offer& offer) {
  World& w = ctx.w;
  ConsumerStore& C = w.consumers;
  if (!colend(ctx, ctx.B.cash_platform, ctx.B.cash_bank, Account{ctx.B.consumer_deposit, c},
              offer.amount))
    return false;
  C.cash_loan_rate[c] = static_cast<float>(*offer.rate);
  C.cash_loan_instalment[c] =
      rules::annuity_payment(offer.amount, *offer.rate, ctx.sc.consumers.cash_loan_term_months);
  ++w.flows[Flow::approvals_platform];
  w.flows[Flow::new_loans_platform] += offer.amount;
  w.flows[Flow::new_term_loans_platform] += offer.amount;
  w.flows[RealFlow::new_loan_pd_sum_platform] += static_cast<double>(offer.amount) * C.latent_pd[c];
  return true;
}

bool take_bank_cash(Context& ctx, std::uint32_t c, const Offer& offer) {
  World& w = ctx.w;
  ConsumerStore& C = w.consumers;
  const std::uint32_t bank = ctx.L.book(ctx.B.consumer_bank_loan).holder.of(c);
  ops::lend(ctx.L, {ctx.B.consumer_bank_loan, c}, Account{ctx.B.consumer_deposit, c}, offer.amount);
  w.banks.direct_lending_room[bank] -= offer.amount;
  C.bank_loan_rate[c] = static_cast<float>(*offer.rate);
  C.bank_loan_instalment[c] =
      rules::annuity_payment(offer.amount, *offer.rate, ctx.sc.consumers.cash_loan_term_months);
  ++w.flows[Flow::approvals_bank];
  w.flows[Flow::new_loans_bank] += offer.amount;
  w.flows[Flow::new_term_loans_bank] += offer.amount;
  w.flows[RealFlow::new_loan_pd_sum_bank] += static_cast<double>(offer.amount) * C.latent_pd[c];
  return true;
}

// A cash loan: the consumer asks each lender it does not owe (the platform
// only for its wallet users) and takes the cheaper approved offer that meets
// its need, the other if the first cannot be funded.
void cash_loan_application(Context& ctx, const CreditApplication& app, Fen platform_amount) {
  const std::uint32_t c = app.borrower;
  const auto owes = [&](BookId book) { return ctx.L.balance({book, c}) > 0; };
  const Offer p = owes(ctx.B.cash_platform) || owes(ctx.B.cash_bank)
                      ? Offer{}
                      : platform_cash_offer(ctx, c, platform_amount);
  const Offer b = owes(ctx.B.consumer_bank_loan) ? Offer{} : bank_cash_offer(ctx, c, app.amount);
  const auto& P = ctx.sc.consumers;
  const bool done =
      bank_first(p, b, app.amount, yuan_to_fen(P.bank_loan_fixed_cost_yuan),
                 P.cash_loan_term_months)
          ? take_bank_cash(ctx, c, b) || (p.rate && take_platform_cash(ctx, c, p))
          : (p.rate && take_platform_cash(ctx, c, p)) || (b.rate && take_bank_cash(ctx, c, b));
  if (!done) ctx.w.consumers.loan_cooloff_until[c] = cooloff_until(ctx.w, P.reapply_cooloff_months);
}

void consumer_application(Context& ctx, const CreditApplication& app) {
  World& w = ctx.w;
  const auto& P = ctx.sc.platform;
  const std::uint32_t c = app.borrower;
  ConsumerStore& C = w.consumers;
  const bool platform_open = ctx.platform_lends;
  // Online micro-lending rules cap each platform loan and credit line.
  const Fen platform_amount = std::min(app.amount, platform_loan_cap(w, c));
  if (app.product == Product::revolving_line) {
    if (!platform_open || platform_amount <= 0 || !ctx.leverage_allows(1)) return;
    const double pd_hat = ctx.screened.platform_pd;
    // The line's rate (revolving_rate within the cap) must cover its break-even rate.
    const double line_rate = credit_line_rate(w);
    if (pd_hat >= P.consumer_cutoff_pd ||
        !rules::loan_rate(w.policy.policy_rate, pd_hat, ctx.sc.banks.lgd, P.loan_margin,
                          line_rate)) {
      C.line_cooloff_until[c] = cooloff_until(w, ctx.sc.consumers.reapply_cooloff_months);
      return;
    }
    if (ctx.L.balance({ctx.B.revolving_bank, c}) == 0) {
      const std::uint32_t partner = choose_partner(w, 1);
      if (partner == no_index) return;
      ctx.L.book(ctx.B.revolving_bank).holder.column.set(c, partner);
    }
    C.revolving_limit[c] = platform_amount;
    return;
  }
  cash_loan_application(ctx, app, platform_amount);
}

// What a firm owes, by lender; the credit registry shows the platform both.
struct SmeDebt {
  Fen platform = 0;  // co-lent, all funders
  Fen bank = 0;      // its bank's direct loan
  Fen total() const { return checked_add(platform, bank); }
};

// The platform's room for a firm: it lends against the sales it sees in the
// payment data, up to platform.sme_limit_sales_months of last month's sales
// on all the firm's debt (its own and, from the registry, the bank's), and
// within the legal cap on its own. 0: no room (the firm does not ask).
Fen platform_room(const Context& ctx, std::uint32_t s, const SmeDebt& debt) {
  const auto& P = ctx.sc.platform;
  const Fen cash_flow_limit = apply_rate(ctx.w.smes.sales_last_month[s], P.sme_limit_sales_months);
  return std::max<Fen>(0, std::min(cash_flow_limit - debt.total(),
                                   yuan_to_fen(P.sme_loan_cap_yuan) - debt.platform));
}

Offer platform_offer(Context& ctx, std::uint32_t s, Fen asked, Fen room) {
  World& w = ctx.w;
  const auto& P = ctx.sc.platform;
  SmeStore& S = w.smes;
  if (S.accepts_platform[s] == 0 || !ctx.platform_lends || room <= 0) return {};
  ++w.flows[Flow::applications_platform];
  const double pd_hat = ctx.screened.platform_pd;
  S.trust_score[s] =
      static_cast<float>(1.0 - pd_hat);  // the merchant's score: what the platform's data say
  const auto rate = rules::loan_rate(w.policy.policy_rate, pd_hat, ctx.sc.banks.lgd, P.loan_margin,
                                     w.policy.interest_rate_cap);
  if (pd_hat >= P.sme_cutoff_pd || !rate) return {};
  return {rate, std::min(asked, room)};
}

// The firm's bank lends at least its minimum, with all its loans to the firm
// within the loan-to-value limit on the firm's property at today's index.
Offer bank_offer(Context& ctx, std::uint32_t s, Fen asked, Fen owed_bank) {
  World& w = ctx.w;
  const SmeStore& S = w.smes;
  const std::uint32_t bank = ctx.L.book(ctx.B.sme_bank_loan).holder.of(s);
  if (w.banks.failed[bank] != 0) return {};
  ++w.flows[Flow::applications_bank];
  const Fen amount = std::max(asked, yuan_to_fen(ctx.sc.banks.sme_min_loan_yuan));
  const Fen collateral = apply_rate(S.collateral_value[s], house_price(w.policy, S.region[s]));
  const double pd_hat = ctx.screened.bank_pd;
  const auto rate = rules::loan_rate(w.policy.policy_rate, pd_hat, ctx.sc.banks.lgd,
                                     ctx.sc.banks.loan_margin, w.policy.interest_rate_cap);
  if (pd_hat >= ctx.sc.banks.sme_cutoff_pd || !rate ||
      checked_add(owed_bank, amount) > apply_rate(collateral, ctx.sc.banks.sme_loan_to_value) ||
      w.banks.direct_lending_room[bank] < amount)
    return {};
  return {rate, amount};
}

void record_sme_loan(World& w, std::size_t lender, std::uint32_t s, Fen amount) {
  ++w.flows[flow_at(Flow::approvals_platform, lender)];
  w.flows[flow_at(Flow::new_loans_platform, lender)] += amount;
  w.flows[flow_at(Flow::new_sme_term_loans_platform, lender)] += amount;
  w.flows[flow_at(RealFlow::new_sme_loan_pd_sum_platform, lender)] +=
      static_cast<double>(amount) * w.smes.latent_pd[s];
  w.flows[Flow::new_sme_loans] += amount;
  ++w.flows[flow_at(Flow::new_sme_loan_count_platform, lender)];
}

bool take_platform_offer(Context& ctx, std::uint32_t s, const Offer& offer) {
  SmeStore& S = ctx.w.smes;
  if (!colend(ctx, ctx.B.sme_platform_platform, ctx.B.sme_platform_bank,
              Account{ctx.B.sme_deposit, s}, offer.amount))
    return false;
  // A top-up refinances what the firm owed: the whole balance is repaid over
  // a new term at the new rate.
  const Fen balance =
      ctx.L.balance({ctx.B.sme_platform_platform, s}) + ctx.L.balance({ctx.B.sme_platform_bank, s});
  S.platform_loan_rate[s] = static_cast<float>(*offer.rate);
  S.platform_loan_instalment[s] =
      rules::annuity_payment(balance, *offer.rate, ctx.sc.smes.loan_term_months);
  record_sme_loan(ctx.w, platform_lender, s, offer.amount);
  return true;
}

bool take_bank_offer(Context& ctx, std::uint32_t s, const Offer& offer) {
  World& w = ctx.w;
  SmeStore& S = w.smes;
  const std::uint32_t bank = ctx.L.book(ctx.B.sme_bank_loan).holder.of(s);
  ops::lend(ctx.L, {ctx.B.sme_bank_loan, s}, Account{ctx.B.sme_deposit, s}, offer.amount);
  w.banks.direct_lending_room[bank] -= offer.amount;
  S.bank_loan_rate[s] = static_cast<float>(*offer.rate);
  S.bank_loan_instalment[s] = rules::annuity_payment(ctx.L.balance({ctx.B.sme_bank_loan, s}),
                                                     *offer.rate, ctx.sc.smes.loan_term_months);
  record_sme_loan(w, bank_lender, s, offer.amount);
  return true;
}

void sme_application(Context& ctx, const CreditApplication& app) {
  const std::uint32_t s = app.borrower;
  SmeStore& S = ctx.w.smes;
  const auto step = static_cast<std::uint32_t>(ctx.w.step);
  const SmeDebt debt{
      ctx.L.balance({ctx.B.sme_platform_platform, s}) + ctx.L.balance({ctx.B.sme_platform_bank, s}),
      ctx.L.balance({ctx.B.sme_bank_loan, s})};
  // Each lender whose refusal's cool-off is over: its bank if the firm owes
  // it nothing (a bank lends once against the pledged property), the platform
  // if its limit has room — also when the firm owes it, if it is short of
  // cash (a top-up).
  const Fen room = platform_room(ctx, s, debt);
  const bool ask_bank = step >= S.bank_loan_cooloff_until[s] && debt.bank == 0;
  const Offer b = ask_bank ? bank_offer(ctx, s, app.amount, debt.bank) : Offer{};
  // The platform is asked alongside the bank by a firm that owes it nothing,
  // and for a top-up by a firm short of cash; a firm that owes it asks it for
  // more when its bank refuses (it searches on: Khwaja & Mian 2008).
  const bool ask_platform =
      room > 0 && step >= S.loan_cooloff_until[s] && (app.top_up || debt.platform == 0 || !b.rate);
  // A top-up restores the firm's platform credit to its need: the platform's
  // line is the need, redrawn as it is repaid, not stacked. Discretionary
  // demand (investment, stock) is new money on top, within the limit.
  const Fen line_left = app.top_up ? app.amount - debt.platform : app.amount;
  const Offer p = ask_platform && line_left > 0 ? platform_offer(ctx, s, line_left, room) : Offer{};
  // The offer that meets the need at the lower cost per yuan first; the other
  // if the first cannot be funded.
  const auto& sm = ctx.sc.smes;
  const bool done =
      bank_first(p, b, app.amount, yuan_to_fen(sm.bank_loan_fixed_cost_yuan), sm.loan_term_months)
          ? take_bank_offer(ctx, s, b) || (p.rate && take_platform_offer(ctx, s, p))
          : (p.rate && take_platform_offer(ctx, s, p)) || (b.rate && take_bank_offer(ctx, s, b));
  // A refusal cools off applications to that lender only: its view of the
  // firm persists, the other lender's is its own.
  if (!done) {
    const std::uint32_t until = cooloff_until(ctx.w, sm.reapply_cooloff_months);
    if (ask_platform) S.loan_cooloff_until[s] = until;
    if (ask_bank) S.bank_loan_cooloff_until[s] = until;
  }
}

// The lenders' estimates of each applicant's PD, in parallel: they read only
// the applicant (id, true PD, payments the platform has seen) and fixed
// parameters (the bureau's σ), none of which origination changes, so the
// serial decisions below read the same numbers they would compute. Both
// lenders' estimates for every application, whether or not it reaches them:
// a draw keyed on lender and borrower changes nothing when unused.
void screen_applications(World& w) {
  const auto& P = w.scenario->platform;
  const double bureau_sigma = w.policy.bureau_signal_sigma;
  const ConsumerStore& C = w.consumers;
  const SmeStore& S = w.smes;
  auto& consumers = w.scratch.screened_consumers;
  auto& smes = w.scratch.screened_smes;
  const auto& capps = w.intents.consumer_applications;
  const auto& sapps = w.intents.sme_applications;
  consumers.resize(capps.size());
  smes.resize(sapps.size());
  exec::for_each_index(capps.size(), [&](std::size_t k) {
    const std::uint32_t c = capps[k].borrower;
    const double sigma_p =
        rules::platform_signal_sigma(P.signal_sigma0, C.payment_count[c], P.data_half_saturation);
    consumers[k].platform_pd =
        screen(w, rng::Stream::screening_platform, C.id[c], C.latent_pd[c], sigma_p);
    consumers[k].bank_pd =
        capps[k].product == Product::revolving_line
            ? 0.0
            : screen(w, rng::Stream::screening_bank, C.id[c], C.latent_pd[c], bureau_sigma);
  });
  exec::for_each_index(sapps.size(), [&](std::size_t k) {
    const std::uint32_t s = sapps[k].borrower;
    const double sigma =
        rules::platform_signal_sigma(P.signal_sigma0, S.payment_count[s], P.data_half_saturation);
    smes[k].platform_pd =
        screen(w, rng::Stream::sme_screening_platform, S.id[s], S.latent_pd[s], sigma);
    smes[k].bank_pd =
        screen(w, rng::Stream::sme_screening_bank, S.id[s], S.latent_pd[s], bureau_sigma);
  });
}

}  // namespace

void run_origination(World& w) {
  resolve_platform_failure(w);
  Context ctx{w, *w.scenario, w.ledger, w.books, Account{w.books.platform_deposit, 0},
              0, 0,           false,    {}};
  ctx.own_loans = platform_own_loans(w);
  ctx.platform_lends = !w.policy.platform_outage && w.platforms.failed[0] == 0;
  // Own-funded lending needs capital at or above the registered minimum, and stays
  // within the leverage limit on it.
  const Fen capital = platform_capital(w, 0);
  const bool registered = static_cast<double>(capital) >= w.policy.registered_capital_minimum_fen;
  ctx.own_limit = capital > 0 && registered
                      ? static_cast<Int128>(static_cast<double>(capital) * w.policy.leverage_limit)
                      : 0;
  screen_applications(w);
  for (const std::uint32_t c : w.intents.revolving_reviews) review_revolving(ctx, c);
  const auto& capps = w.intents.consumer_applications;
  for (std::size_t k = 0; k < capps.size(); ++k) {
    ctx.screened = w.scratch.screened_consumers[k];
    consumer_application(ctx, capps[k]);
  }
  const auto& sapps = w.intents.sme_applications;
  for (std::size_t k = 0; k < sapps.size(); ++k) {
    ctx.screened = w.scratch.screened_smes[k];
    sme_application(ctx, sapps[k]);
  }
  // The platform's credit revenue today: tech fees and interest on its own loans.
  const FlowMatrix& f = w.ledger.flows();
  const auto platform = static_cast<std::size_t>(AgentKind::platform);
  const Int128 credit = f[static_cast<std::size_t>(FlowType::tech_service_fees)][platform] +
                        f[static_cast<std::size_t>(FlowType::interest_loans)][platform];
  w.platforms.revenue_credit_month[0] =
      checked_add(w.platforms.revenue_credit_month[0], static_cast<Fen>(credit));
  w.platforms.credit_losses_month[0] =
      checked_sub(w.platforms.credit_losses_month[0],
                  static_cast<Fen>(f[static_cast<std::size_t>(FlowType::loan_losses)][platform]));
}

}  // namespace pfsim::phases
