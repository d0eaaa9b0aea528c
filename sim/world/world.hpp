// The world: stores + ledger + calendar + this step's flow counters.
#pragma once

#include <cstdint>
#include <memory>

#include "core/date.hpp"
#include "scenario/scenario.hpp"
#include "world/ledger.hpp"
#include "world/stores.hpp"

namespace pfsim {

// Flows of the current step (fen), summed exactly; reset at the start of a step.
struct StepFlows {
  Fen consumption = 0;              // consumer purchases, all channels
  Fen platform_payment_volume = 0;  // purchases paid through the platform
  Fen platform_fee_revenue = 0;     // merchant fees earned by the platform
  Fen wages_paid = 0;
  Fen wages_owed = 0;
  Fen platform_operating_costs = 0;
};

// Handy ids of the ledger books the phases use.
struct BookIds {
  BookId consumer_deposit = 0, sme_deposit = 0, platform_deposit = 0;
};

struct World {
  // The frozen scenario this world was built from (a copy: the world outlives
  // whatever loaded it, e.g. a Python object).
  std::shared_ptr<const Scenario> scenario;
  std::uint64_t seed = 0;

  // Calendar: `step` days have been simulated; today is start + step.
  std::int64_t step = 0;
  [[nodiscard]] Date today() const { return scenario->run.start_date.plus_days(static_cast<std::int32_t>(step)); }

  ConsumerStore consumers;
  SmeStore smes;
  BankStore banks;
  PlatformStore platforms;
  Ledger ledger;
  BookIds books;
  StepFlows flows;
  AgentId next_id = 1;  // ids are handed out in construction order, then to entrants
};

// Builds the initial world. Deterministic in (scenario, seed); independent of
// the thread count.
[[nodiscard]] std::unique_ptr<World> build_world(const Scenario& scenario, std::uint64_t seed);

}  // namespace pfsim
