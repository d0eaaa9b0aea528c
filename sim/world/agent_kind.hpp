// Agent kinds (the sectors of the stock-flow matrices) and stable agent ids.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pfsim {

enum class AgentKind : std::uint8_t {
  consumer,
  sme,
  bank,
  platform,
  fund,
  central_bank,
  government,
  investor,  // outside investors (e.g. IPO subscribers); the rest of the world
};
inline constexpr std::size_t agent_kind_count = 8;

[[nodiscard]] constexpr std::string_view agent_kind_name(AgentKind k) {
  constexpr std::array<std::string_view, agent_kind_count> names = {
      "consumer", "sme", "bank", "platform", "fund", "central_bank", "government", "investor"};
  return names[static_cast<std::size_t>(k)];
}

// A stable id: assigned once, in a deterministic order, never reused and never
// derived from a memory slot or a thread. Random draws are keyed on it, so an
// agent keeps its draws when other agents enter or exit.
using AgentId = std::uint64_t;

inline constexpr std::uint32_t no_index = 0xffffffffu;

}  // namespace pfsim
