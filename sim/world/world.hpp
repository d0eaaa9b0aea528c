// The world: stores + ledger + policy + calendar + this step's flow counters.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "core/date.hpp"
#include "scenario/policy.hpp"
#include "scenario/scenario.hpp"
#include "world/flows.hpp"
#include "world/ledger.hpp"
#include "world/stores.hpp"

namespace pfsim {

// A policy setting moving linearly from `from` (at step `start_step`) to `to`
// (`days` later). The target is a member of Policy, not a pointer into memory.
struct PolicyRamp {
  PolicyTarget target;
  bool reviews_bank_limits = false;  // a bank rule: lending room is recomputed as it moves
  double from = 0, to = 0;
  std::int64_t start_step = 0, days = 0;
};

// The interbank market: who may lend to whom overnight (a relationship graph
// drawn at construction from interbank.topology) and the rows of the book
// `bank.interbank_loans`: one per ordered (borrower, lender) pair of partners,
// sorted by borrower then lender, so bank b's borrowing rows are
// [borrow_begin[b], borrow_begin[b + 1]).
struct InterbankNetwork {
  std::vector<std::uint32_t> lender, borrower;  // per book row
  std::vector<std::uint32_t> borrow_begin;      // banks + 1 offsets
};

// Shock state that outlives the day an event fired (phases/shocks.cpp).
struct ShockState {
  std::vector<EventSpec> pending;  // fired today, applied by the shocks phase
  std::vector<PolicyRamp> ramps;
  std::int64_t outage_until_step = -1;  // the platform is down while step < this
  struct FundRun {
    double share_daily = 0;
    std::int64_t until_step = 0;
  };
  std::vector<FundRun> fund_runs;
  std::vector<std::uint32_t> failing_banks;  // bank_failure today: resolved by bank_regulation
  bool ipo_halted = false;
  bool platform_failing = false;  // could not pay (a fine): resolved by origination today
  double ipo_valuation_fen = 0;   // model units; 0 before an IPO
  // Price/earnings multiple the IPO set (valuation / trailing-year earnings at
  // listing); 0 before an IPO or if earnings were not positive.
  double ipo_valuation_multiple = 0;
};

// Requests made inside parallel phases and served by serial hub phases later
// in the same step (loan applications, fund redemptions). Filled in chunk
// order, so their order is the agents' order whatever the thread count.
enum class Product : std::uint8_t { revolving_line, cash_loan, sme_loan };
struct CreditApplication {
  std::uint32_t borrower = 0;
  Product product = Product::cash_loan;
  Fen amount = 0;       // fen
  bool top_up = false;  // an SME short of cash also asks the lenders it owes
};
struct Redemption {
  std::uint32_t consumer = 0;
  Fen amount = 0;  // fen
};
struct Intents {
  std::vector<CreditApplication> consumer_applications;
  std::vector<CreditApplication> sme_applications;
  std::vector<std::uint32_t> revolving_reviews;  // consumers whose statement fell today
  std::vector<Redemption> redemptions;
  void clear() {
    consumer_applications.clear();
    sme_applications.clear();
    revolving_reviews.clear();
    redemptions.clear();
  }
};

// Ledger books the phases use.
// What one chunk of a parallel phase produces (phases/chunked.hpp): its
// Journal, flow counters, intents, merchant sales and wallet fees, merged in
// chunk order after the phase.
struct ChunkOutput {
  Journal journal;
  StepFlows flows;
  Intents intents;
  // Merchant sales seen in this chunk: (SME, amount, 1 if through the lending
  // platform's wallet, what the merge pays into the SME's deposit). Applied to
  // the SMEs' own columns after the merge. `paid_in` is the consumption
  // phase's payment to the merchant net of the wallet's fee: the merge posts it
  // to the merchant's deposit and net worth, in place of two queued postings
  // per purchase (the same integer sums); 0 where the phase posts the payment
  // itself (suppliers.cpp).
  struct Sale {
    std::uint32_t sme;
    std::uint8_t via_platform;
    Fen amount;
    Fen paid_in;
  };
  std::array<std::vector<Sale>, merge_parts> sales;  // by the SME's merge part
  std::array<Fen, 2> fees_by_platform{};
  // Empties the buffers for the next phase, keeping their capacity.
  void clear() {
    flows = StepFlows{};
    intents.clear();
    for (auto& list : sales) list.clear();
    fees_by_platform = {};
  }
};

// Per-chunk buffers reused from one phase and one step to the next, so the
// steady-state step allocates nothing (issue 18: allocating and freeing them
// every phase cost page faults that also serialised the threads). Not state: a
// copy of a World (a fork) starts with empty buffers and checkpoints skip them.
// What a buyer reads about a merchant slot, packed so that a purchase touches
// one or two cache lines instead of one per column: the slot's entries in the
// national and regional alias tables and the columns of the merchant it draws.
// A copy of SmeStore columns made at the start of the consumption phase.
struct MerchantCard {
  float size_alias_prob = 0;
  std::uint32_t size_alias = 0;
  float region_alias_prob = 0;
  std::uint32_t region_alias = 0;
  float supply_capacity = 0;
  std::uint8_t active = 0;
  std::uint8_t accepts_platform = 0;
  std::uint8_t fee_free = 0;
};

struct StepScratch {
  std::vector<ChunkOutput> chunks;
  std::vector<MerchantCard> merchants;  // one per SME slot (consumption.cpp)
  // The consumers' ids written out for the column registry's view of
  // `consumers.id` (columns.cpp; the store derives them from the row), filled
  // when the view is first asked for.
  std::vector<AgentId> consumer_ids;
  // Each of today's credit applications as its lenders see it, computed in
  // parallel before origination decides them one by one (origination.cpp).
  struct Screened {
    double platform_pd = 0;  // the platform's estimate of the applicant's PD
    double bank_pd = 0;      // the applicant's bank's (the credit bureau's signal)
  };
  std::vector<Screened> screened_consumers, screened_smes;
  // The audit's report (engine/phase_table.cpp), kept so that its lists keep
  // their capacity from one step to the next. Its book totals describe the
  // ledger as the step ended when `audited_step` equals `World::step` (the
  // step ended audited and nothing has run since); the indicators read them
  // instead of summing those books again. -1: not valid (a copy's default).
  AuditReport audit;
  std::int64_t audited_step = -1;
  StepScratch() = default;
  StepScratch(const StepScratch& /*other*/) {}
  StepScratch& operator=(const StepScratch& /*other*/) { return *this; }
  StepScratch(StepScratch&&) noexcept = default;
  StepScratch& operator=(StepScratch&&) noexcept = default;
  ~StepScratch() = default;
};

struct BookIds {
  BookId consumer_deposit = 0, sme_deposit = 0, platform_deposit = 0, fund_deposit = 0;
  BookId consumer_fund_units = 0;
  BookId revolving_platform = 0, revolving_bank = 0;        // co-lent credit line
  BookId cash_platform = 0, cash_bank = 0;                  // co-lent cash loan
  BookId consumer_bank_loan = 0;                            // direct bank loan
  BookId sme_platform_platform = 0, sme_platform_bank = 0;  // co-lent SME loan
  BookId sme_bank_loan = 0;                                 // direct bank SME loan
  BookId platform_bank_loan = 0;  // the platform's credit facility at its bank
};

struct World {
  // The frozen scenario this world was built from (a copy: the world outlives
  // whatever loaded it, e.g. a Python object).
  std::shared_ptr<const Scenario> scenario;
  std::uint64_t seed = 0;

  // Calendar: `step` days have been simulated, the first `spinup_days` of them
  // before run.start_date (not recorded); today is start + step − spinup_days.
  // Draws are keyed on `step`, so spin-up and recorded days never share them.
  std::int64_t step = 0;
  std::int64_t spinup_days = 0;
  // Days since run.start_date (negative during the spin-up).
  [[nodiscard]] std::int64_t run_day() const { return step - spinup_days; }
  [[nodiscard]] Date today() const {
    return scenario->run.start_date.plus_days(static_cast<std::int32_t>(run_day()));
  }

  ConsumerStore consumers;
  SmeStore smes;
  BankStore banks;
  InterbankNetwork interbank;
  // Systemic-risk measures, last computed (month end, step 0 and failure days).
  struct SystemicRisk {
    double debtrank_max = 0;  // largest DebtRank of one bank's default over the interbank network
    double srisk_fen = 0;     // Σ SRISK-style capital shortfalls
  } systemic;
  // The market for the banks' bonds (`bank.government_bonds`, held at market
  // value): par = 1; fire sales push the price down, quiet days let it recover.
  struct BondMarket {
    double price = 1;
  } bond_market;
  PlatformStore platforms;
  FundStore funds;
  Ledger ledger;
  BookIds books;
  Policy policy;
  ShockState shocks;
  StepFlows flows;
  Intents intents;
  // Σ net worth by sector at the start of the step (fen), for the stock-flow check.
  std::array<Int128, agent_kind_count> sector_net_worth_at_step_start{};
  // The inputs of the day's interbank clearing, on failure days: set by
  // bank_regulation before any loss is taken, written to /networks as
  // `interbank_clearing` (so `pfsim contagion` can redo the clearing). Day
  // scratch: `today` is cleared by bank_regulation every day; not saved.
  struct ClearingInputs {
    bool today = false;
    std::vector<std::uint32_t> debtor, creditor;                        // per claim
    std::vector<double> owed_fen;                                       // per claim
    std::vector<double> external_assets_fen, external_liabilities_fen;  // per bank
  } clearing_inputs;
  AgentId next_id = 1;  // ids are handed out in construction order, then to entrants
  StepScratch scratch;  // buffers only, not state (see StepScratch)
};

// A slot drawn in proportion to firm size (the alias table in SmeStore, read
// through its packed copy `cards`).
template <class DrawsT>
[[nodiscard]] std::uint32_t draw_by_size(const std::vector<MerchantCard>& cards, DrawsT& draws) {
  const std::uint32_t k = draws.below(static_cast<std::uint32_t>(cards.size()));
  return draws.uniform() < cards[k].size_alias_prob ? k : cards[k].size_alias;
}

// A slot of region `r` drawn in proportion to firm size within the region.
template <class DrawsT>
[[nodiscard]] std::uint32_t draw_by_size_in_region(const SmeStore& s,
                                                   const std::vector<MerchantCard>& cards,
                                                   std::uint16_t r, DrawsT& draws) {
  const std::uint32_t first = s.region_first[r];
  const std::uint32_t k = draws.below(s.region_first[r + 1u] - first);
  const MerchantCard& card = cards[first + k];
  return first + (draws.uniform() < card.region_alias_prob ? k : card.region_alias);
}

// How many regions the economy has (regions.count; 1: no regional structure).
[[nodiscard]] inline std::size_t region_count(const World& w) {
  return static_cast<std::size_t>(w.scenario->regions.count);
}

// Today's house-price index of region `r` (national × regional factor).
[[nodiscard]] inline double house_price(const Policy& p, std::uint16_t r) {
  return p.house_price_index * p.regional_house_price[r];
}

// Builds the initial world. Deterministic in (scenario, seed); independent of
// the thread count.
[[nodiscard]] std::unique_ptr<World> build_world(const Scenario& scenario, std::uint64_t seed);

}  // namespace pfsim
