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
  // phases
  consumption = 100,
  payment_channel = 101,
  merchant_choice = 102,
  employment = 103,
};

}  // namespace pfsim::rng
