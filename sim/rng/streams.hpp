// Every purpose that draws random numbers has its own stream number here, so
// that adding a draw to one rule never shifts the draws of another.
#pragma once

#include <cstdint>

namespace pfsim::rng {

enum class Stream : std::uint32_t {
  // world construction (step = 0)
  init_consumer = 1,
  init_sme = 2,
  init_bank = 3,
  init_interbank = 4,
  // phases
  consumption = 100,
  payment_channel = 101,
  merchant_choice = 102,
  employment = 103,
  default_event = 104,
  fund_choice = 105,
  credit_demand = 106,
  screening_platform = 107,
  screening_bank = 108,
  sme_default_event = 109,
  sme_entry = 110,
  sme_screening_platform = 111,
  sme_screening_bank = 112,
  shock_wallet_switch = 113,
  shock_layoff = 114,
  sme_demand = 115,
  bank_run = 116,  // depositors leaving a distressed bank
  sme_layoff = 130,
  sme_cash_target = 131,  // a firm's own cash target (drawn once per firm id, step 0)
};

}  // namespace pfsim::rng
