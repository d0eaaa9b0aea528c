// Consumption and payments. Each consumer has a monthly budget (a buffer-stock
// rule, Carroll 1997: spend out of income, run down wealth above a one-month
// buffer, and keep essential spending up when income stops):
//   budget = max(mpc_income × income + mpc_wealth × max(0, liquid − wage),
//                subsistence_share × wage)
// with wage the consumer's usual wage × income_multiplier, income the wage
// while employed and, while unemployed, the wage less mpc_lost_income of it
// (job loss is mostly transitory: it runs its buffer down; eq. 7.4b),
// liquid = deposit + fund units;
// a hand-to-mouth consumer (hand_to_mouth_share of them) has mpc_income = 1,
// its current income as income (0 while unemployed) and
// a zero buffer (Kaplan, Violante & Weidner 2014);
// spread over purchases_per_month purchases of equal size. Today it makes
// ⌊r⌋ + Bernoulli(r − ⌊r⌋) purchases, r = purchases_per_month / days in the
// month, each from an active merchant drawn in proportion to its wage bill (an
// alias table), so that firms' sales match their wage bills on average; with
// several regions, the merchant is drawn within the buyer's home region with
// probability home_purchase_share. A merchant that could pay only a share of
// its last wage bill (its supply capacity, wages.cpp) can serve only that share
// of its buyers: the buyer goes to another merchant (up to three draws), so
// demand moves from firms short of working capital to rivals that can supply.
// A purchase goes through the consumer's mobile wallet (the lending platform's,
// or a rival's) when the merchant accepts wallets and a draw falls below the
// consumer's adoption — unless the platform is in an outage — and the wallet
// keeps merchant_fee_rate of it (nothing from fee-free merchants, personal
// QR-code sellers). A wallet user of the lending platform with a credit line
// puts revolving_use_share of its wallet purchases on the line while it has
// room (convenience use), and, while this month's spending is below its
// essentials floor, any purchase its deposit cannot cover at a merchant that
// takes the wallet (liquidity use, up to line_liquidity_share of the limit),
// so that credit keeps essential spending up when income falls (Gross &
// Souleles 2002; Sullivan 2008). An employed consumer with a line also counts
// part of its unused line as cash-on-hand (buffer stock with credit) and spends
// out of it on the line:
//   credit = mpc_wealth × max(0, θ·U − |L − b|),  θ = line_buffer_share,
// U the unused limit, b its buffer (one month's wage); budget = max(rule,
// floor) + credit, credit-financed purchases made on the line or not at all.
// The partner bank advances the money and the
// platform buys its own share of the day's draws (origination.cpp). Essentials come first, then
// dues: purchases above the floor keep back this month's loan dues (consumer_dues.hpp), so a
// household short of money cuts spending or draws its line before it misses a payment, but not
// below its essentials; a consumer who cannot pay buys what its deposit allows.
#include <algorithm>
#include <array>
#include <cmath>

#include "phases/chunked.hpp"
#include "phases/consumer_dues.hpp"
#include "phases/phases.hpp"
#include "rng/philox.hpp"

namespace pfsim::phases {

namespace {

// A look-ahead of the merchants' cards (issue 18). A purchase's merchant is a
// random slot of a table of one card per SME (24 bytes: 2.4 MB at 10^5 SMEs,
// 24 MB at 10^6, beyond this machine's 2 MB of L2), so reading it stalls. Draws are
// counter-based, so the first candidate merchant of every consumer of a batch
// is known when the batch's blocks are computed: plan() replays the first
// draws of the rule below (how many purchases, at home or not, the slot, the
// alias uniform) and prefetch() asks for the slot's card a few consumers
// ahead, and for the card the alias sends the buyer to a little later. It
// reads what the rule will read, earlier; it decides nothing, so a look-ahead
// that guessed wrong would cost a wasted prefetch, never a different result.
// Consumption 2-7% faster at 10^7 consumers; no change measurable at 10^6.
class MerchantLookAhead {
 public:
  void plan(const rng::BatchedDraws<4>& batched, const ConsumerStore& C, const SmeStore& S,
            std::size_t from, std::size_t to, std::size_t begin, double whole, double frac,
            double home_share, const std::vector<MerchantCard>& cards) {
    const auto n = static_cast<std::uint32_t>(cards.size());
    for (std::size_t k = from; k < to; ++k) {
      Candidate& a = plan_[k % rng::philox_batch];
      rng::ReadyDraws d = batched.peek(k, C.id[begin + k]);
      a.slot = none;
      if (static_cast<int>(whole) + (d.uniform() < frac ? 1 : 0) == 0) continue;
      const std::uint16_t home = C.region[begin + k];
      const bool at_home = home_share > 0 && d.uniform() < home_share &&
                           S.region_first[home + 1u] > S.region_first[home];
      a.first = at_home ? S.region_first[home] : 0;
      a.at_home = at_home;
      a.slot = a.first + d.below(at_home ? S.region_first[home + 1u] - a.first : n);
      a.u_alias = d.uniform();
    }
    last_ = to;
    for (std::size_t k = from; k < std::min(to, from + slot_distance); ++k) prefetch_slot(k, cards);
  }
  void prefetch(std::size_t k, const std::vector<MerchantCard>& cards) const {
    // plan_ holds the current batch only (last_ is its end).
    if (k + slot_distance < last_) prefetch_slot(k + slot_distance, cards);
    if (k + alias_distance < last_) prefetch_alias(k + alias_distance, cards);
  }

 private:
  static constexpr std::uint32_t none = UINT32_MAX;
  static constexpr std::size_t slot_distance = 8;   // consumers ahead
  static constexpr std::size_t alias_distance = 3;  // the slot's card is in cache by then
  struct Candidate {
    std::uint32_t slot = none;
    std::uint32_t first = 0;
    double u_alias = 0;
    bool at_home = false;
  };
  void prefetch_slot(std::size_t k, const std::vector<MerchantCard>& cards) const {
    const Candidate& a = plan_[k % rng::philox_batch];
    if (a.slot != none) __builtin_prefetch(&cards[a.slot]);
  }
  void prefetch_alias(std::size_t k, const std::vector<MerchantCard>& cards) const {
    const Candidate& a = plan_[k % rng::philox_batch];
    if (a.slot == none) return;
    const MerchantCard& card = cards[a.slot];
    const std::uint32_t to =
        a.at_home ? (a.u_alias < card.region_alias_prob ? a.slot : a.first + card.region_alias)
                  : (a.u_alias < card.size_alias_prob ? a.slot : card.size_alias);
    if (to < cards.size()) __builtin_prefetch(&cards[to]);
  }
  std::array<Candidate, rng::philox_batch> plan_{};
  std::size_t last_ = 0;
};

}  // namespace

void run_consumption(World& w) {
  const Scenario& sc = *w.scenario;
  const std::size_t n_smes = w.smes.size();
  if (n_smes == 0) return;
  const Today t = today(w);
  const double rate = sc.consumers.purchases_per_month / t.days_in_month;
  const double whole = std::floor(rate);
  const double frac = rate - whole;
  const double home_share = region_count(w) > 1 ? sc.regions.home_purchase_share : 0.0;
  const BookIds& B = w.books;
  const ConsumerStore& C = w.consumers;
  const SmeStore& S = w.smes;
  // The merchants' columns a purchase reads, packed per slot (scratch, reused).
  std::vector<MerchantCard>& cards = w.scratch.merchants;
  cards.resize(n_smes);
  exec::for_each_chunk(n_smes, [&](std::size_t, std::size_t begin, std::size_t end) {
    const bool regional = S.region_alias.size() == n_smes;  // tables built (merchant_choice)
    for (std::size_t s = begin; s < end; ++s) {
      MerchantCard& card = cards[s];
      card.size_alias_prob = S.size_alias_prob[s];
      card.size_alias = S.size_alias[s];
      card.region_alias_prob = regional ? S.region_alias_prob[s] : 0.0F;
      card.region_alias = regional ? S.region_alias[s] : 0;
      card.supply_capacity = S.supply_capacity[s];
      card.active = S.active[s];
      card.accepts_platform = S.accepts_platform[s];
      card.fee_free = S.fee_free[s];
    }
  });
  for_each_chunk_journaled(
      w, AgentKind::consumer, C.size(),
      [&](ChunkOutput& out, std::size_t begin, std::size_t end) {
        Journal& j = out.journal;
        // The chunk's own rows, read and posted through plain pointers (the
        // journal's own-row accessors check ownership on every call).
        Fen* const deposit_of = j.own_balances(B.consumer_deposit);
        const Fen* const units_of = j.own_balances(B.consumer_fund_units);
        const Fen* const line_platform = j.own_balances(B.revolving_platform);
        const Fen* const line_bank = j.own_balances(B.revolving_bank);
        const Fen* const cash_platform = j.own_balances(B.cash_platform);
        const Fen* const cash_bank = j.own_balances(B.cash_bank);
        const Fen* const bank_loan = j.own_balances(B.consumer_bank_loan);
        Fen* const net_worth = j.own_net_worths();
        const Book& deposit_book = j.book(B.consumer_deposit);
        const Book& merchant_book = j.book(B.sme_deposit);
        const Book& wallet_book = j.book(B.platform_deposit);
        // What the chunk's purchases add to the flow matrix, posted once at the end.
        Fen spent = 0, fees = 0;
        // The first blocks of every consumer's draws (a purchase at home takes
        // 7 or 8 uniforms, 4 blocks), computed a batch of consumers at a time
        // with SIMD multiplies and read where they lie (rng::ReadyDraws); the
        // draws are the same (consumers' ids are consecutive, ConsecutiveIds).
        rng::BatchedDraws<4> batched(w.seed, rng::Stream::consumption, w.step);
        MerchantLookAhead ahead;
        for (std::size_t i = begin; i < end; ++i) {
          const auto c = static_cast<std::uint32_t>(i);
          const std::size_t k = i - begin;
          rng::ReadyDraws draws = batched.draws(k, C.id[i]);
          if (k % rng::philox_batch == 0)
            ahead.plan(batched, C, S, k, std::min(end - begin, k + rng::philox_batch), begin, whole,
                       frac, home_share, cards);
          ahead.prefetch(k, cards);
          const int purchases = static_cast<int>(whole) + (draws.uniform() < frac ? 1 : 0);
          if (purchases == 0) continue;
          const Account deposit{B.consumer_deposit, c};
          const Fen usual_wage = apply_rate(C.monthly_wage[i], w.policy.income_multiplier);
          const Fen wage = C.employed[i] != 0 ? usual_wage : 0;
          const Fen liquid = deposit_of[i] + units_of[i];
          // Hand-to-mouth consumers spend all their income and keep no buffer.
          const bool htm = C.hand_to_mouth[i] != 0;
          const Fen reference = htm ? 0 : C.monthly_wage[i];
          const double mpc_income = htm ? 1.0 : sc.consumers.mpc_income;
          // ... and spends what it has within the month (KVW: its liquid
          // wealth is near zero by the next payday).
          const double mpc_wealth = htm ? 1.0 : sc.consumers.mpc_wealth_monthly;
          const Fen floor = apply_rate(usual_wage, sc.consumers.subsistence_share);
          // The buffer-stock term: mpc_wealth of the cash-on-hand x above the
          // buffer (liquid wealth alone, or with part of the unused line).
          const auto spend_above_buffer = [&](Fen x) {
            return apply_rate(x > reference ? x - reference : 0, mpc_wealth);
          };
          const Fen own_wealth = spend_above_buffer(liquid);
          // Job loss is mostly transitory for a consumer with a buffer (a spell
          // lasts about 1/job_finding_rate months): it spends out of its usual
          // income less mpc_lost_income of the income it lost and runs its
          // buffer down (Carroll 1997; Browning & Crossley 2001). A
          // hand-to-mouth consumer spends its current income.
          const Fen income =
              htm ? wage : usual_wage - apply_rate(usual_wage - wage, sc.consumers.mpc_lost_income);
          const Fen rule = apply_rate(income, mpc_income) + own_wealth;
          const bool has_line =
              C.revolving_limit[i] > 0 && C.days_past_due[i] == 0 && C.defaulted_by_hazard[i] == 0;
          bool drew = false;
          const Fen line_used = line_platform[i] + line_bank[i];
          const Fen liquidity_room =
              has_line
                  ? apply_rate(C.revolving_limit[i], sc.consumers.line_liquidity_share) - line_used
                  : 0;
          // Buffer stock with credit (Carroll 1997; Fulford 2015): an employed
          // consumer with a line it can use counts line_buffer_share θ of its
          // unused line U as cash-on-hand in place of liquid wealth above its
          // buffer b, X = max(L, min(L, b) + θ·U), and spends mpc_wealth of X
          // above b; what this adds to its own wealth term is credit-financed
          // spending, made on the line. Only consumers whose liquid wealth is
          // below b + θ·U spend more, so a higher limit moves mostly those
          // short of liquid wealth (Gross & Souleles 2002; Aydin 2022).
          // Hand-to-mouth consumers keep no buffer; the unemployed use their
          // line for essentials only (below).
          Fen credit_spend = 0;
          if (!htm && wage > 0 && has_line && liquidity_room > 0 && C.wallet[i] == 0 &&
              C.platform_adoption[i] > 0 && sc.consumers.line_buffer_share > 0) {
            const Fen counted =
                apply_rate(C.revolving_limit[i] - line_used, sc.consumers.line_buffer_share);
            const Fen cash_on_hand = std::max(liquid, std::min(liquid, reference) + counted);
            credit_spend = std::max<Fen>(0, spend_above_buffer(cash_on_hand) - own_wealth);
          }
          const Fen budget = std::max(rule, floor) + credit_spend;
          const Fen per_purchase = apply_rate(budget, 1.0 / sc.consumers.purchases_per_month);
          if (per_purchase <= 0) continue;
          // The share of purchases put on the line as credit-financed spending.
          const double credit_share =
              credit_spend > 0 ? static_cast<double>(credit_spend) / static_cast<double>(budget)
                               : 0.0;
          // Essentials first, then dues: spending above the floor keeps back
          // this month's loan dues (it is cut, or put on the line, first). A
          // consumer whose line still has room keeps back its dues in any
          // case and buys its essentials on the line, rather than miss a payment.
          // Credit finances essentials when income falls short, not spending
          // above them (Sullivan 2008): liquidity draws stop once this month's
          // spending reaches the floor.
          const bool essentials_left = C.spending_this_month[i] < floor;
          const bool line_for_essentials = essentials_left && liquidity_room >= per_purchase;
          // consumer_dues (consumer_dues.hpp), from the balances read through the pointers.
          const Fen reserve = C.days_past_due[i] == 0 && (rule > floor || line_for_essentials)
                                  ? dues_from(w, c, cash_platform[i] + cash_bank[i], bank_loan[i],
                                              line_platform[i] + line_bank[i])
                                        .total()
                                  : 0;
          for (int k = 0; k < purchases; ++k) {
            // A merchant drawn in proportion to its wage bill (sales then match
            // wage bills on average); a vacant slot is redrawn up to three times.
            // At home with probability home_purchase_share (if the region has firms).
            const std::uint16_t home = C.region[i];
            const bool at_home = home_share > 0 && draws.uniform() < home_share &&
                                 S.region_first[home + 1u] > S.region_first[home];
            auto draw_merchant = [&] {
              return at_home ? draw_by_size_in_region(S, cards, home, draws)
                             : draw_by_size(cards, draws);
            };
            // A vacant slot, or a merchant short of capacity (with probability
            // 1 − capacity), sends the buyer to another draw.
            auto can_serve = [&](std::uint32_t m) {
              return cards[m].active != 0 && draws.uniform() < cards[m].supply_capacity;
            };
            std::uint32_t merchant = draw_merchant();
            for (int retry = 0; retry < 3 && !can_serve(merchant); ++retry)
              merchant = draw_merchant();
            const double u_channel = draws.uniform();
            const double u_credit = draws.uniform();
            const MerchantCard& card = cards[merchant];
            if (card.active == 0) continue;
            const std::uint8_t wallet = C.wallet[i];
            const bool wallet_possible =
                card.accepts_platform != 0 && !(wallet == 0 && w.policy.platform_outage);
            bool by_wallet = wallet_possible && u_channel < C.platform_adoption[i];
            Fen amount = per_purchase;
            // A wallet user short of cash pays with its line wherever the
            // merchant takes the wallet, whatever channel it would otherwise
            // have used for this purchase.
            const bool can_use_line =
                has_line && wallet == 0 && wallet_possible && C.platform_adoption[i] > 0;
            const bool short_of_money = deposit_of[i] - reserve < amount;
            const bool convenience = by_wallet && u_credit < sc.consumers.revolving_use_share;
            const bool credit_financed = credit_share > 0 && draws.uniform() < credit_share;
            const bool liquidity = (short_of_money && essentials_left) || credit_financed;
            bool on_line = false;
            if (can_use_line && (liquidity || convenience)) {
              const Fen used = line_platform[i] + line_bank[i];
              // For liquidity a consumer draws only up to line_liquidity_share of
              // its limit: the unused line is its buffer too (Fulford 2015).
              const Fen cap =
                  short_of_money || credit_financed
                      ? apply_rate(C.revolving_limit[i], sc.consumers.line_liquidity_share)
                      : C.revolving_limit[i];
              const Fen room = cap - used;
              if (room >= amount) {
                ops::lend(j, {B.revolving_bank, c}, deposit, amount);
                out.flows[Flow::new_loans_platform] += amount;
                drew = true;
                on_line = true;
                by_wallet = true;
              }
            }
            // Credit-financed spending happens on the line or not at all.
            if (credit_financed && !on_line) continue;
            const Fen available = deposit_of[i] - reserve;
            if (amount > available) amount = available;
            if (amount <= 0) break;
            // The payment (ops::purchase_with_fee, or ops::transfer off the
            // wallet), posted as the same integer sums: the buyer's deposit and
            // net worth at once; the merchant's deposit and net worth, amount −
            // fee, by the merge (Sale::paid_in); the wallet's fees and the flow
            // matrix once per chunk; the clearing positions of the three banks.
            // No money is created or destroyed.
            const Fen fee = by_wallet && card.fee_free == 0
                                ? apply_rate(amount, w.platforms.merchant_fee_rate[wallet])
                                : 0;
            if (fee < 0 || fee > amount) throw InternalError("ledger: fee outside [0, amount]");
            deposit_of[i] = checked_sub(deposit_of[i], amount);
            if (deposit_of[i] < 0)
              throw InternalError("consumption: a purchase overdraws a deposit");
            net_worth[i] = checked_sub(net_worth[i], amount);
            const std::uint32_t merchant_bank = merchant_book.issuer.of(merchant);
            j.post_clearing(deposit_book.issuer.of(i), -amount);
            j.post_clearing(merchant_bank, amount - fee);
            spent += amount;
            if (by_wallet) {
              if (fee > 0) j.post_clearing(wallet_book.issuer.of(wallet), fee);
              fees += fee;
              out.fees_by_platform[wallet] += fee;
              if (wallet == 0) {
                out.flows[Flow::platform_payment_volume] += amount;
                ++w.consumers.payment_count[i];
              } else {
                out.flows[Flow::rival_payment_volume] += amount;
              }
            }
            out.flows[Flow::consumption] += amount;
            w.consumers.spending_this_month[i] += amount;
            out.sales[merge_part_of(merchant)].push_back(
                {merchant, static_cast<std::uint8_t>(by_wallet && wallet == 0 ? 1 : 0), amount,
                 amount - fee});
          }
          // The platform takes its own share of today's draws (origination.cpp).
          if (drew) out.intents.revolving_reviews.push_back(c);
        }
        if (spent > 0)
          j.post_flow(FlowType::consumption, AgentKind::consumer, AgentKind::sme, spent);
        if (fees > 0)
          j.post_flow(FlowType::payment_fees, AgentKind::sme, AgentKind::platform, fees);
        for (std::uint32_t p = 0; p < out.fees_by_platform.size(); ++p) {
          if (out.fees_by_platform[p] == 0) continue;
          j.post({B.platform_deposit, p}, out.fees_by_platform[p]);
          j.post_net_worth(wallet_book.holder_kind, wallet_book.holder.of(p),
                           out.fees_by_platform[p]);
        }
      },
      // A buyer reads its own rows and merchant cards; merges write merchants'
      // deposits and sales, which no buyer reads.
      MergeAfter::each_wave);
}

}  // namespace pfsim::phases
