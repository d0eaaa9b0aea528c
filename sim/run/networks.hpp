// Exposure networks observed from the world, for /networks in results files:
//   interbank        bank → bank: overnight loans (source owes target);
//   colending        platform → bank: co-lent loans the bank funds on the
//                    platform's origination (the bank's exposure to the
//                    platform's screening and servicing);
//   fund_placements  bank → fund: the fund's deposits at each bank;
//   suppliers        SME → SME: monthly supplier purchases, supplier_share ×
//                    the buyer's sales last month (a flow, not a claim).
// Weights are economy-wide RMB (model amounts × run.scale). Bank nodes carry
// equity (RMB), capital_ratio, failed (0/1) and tier (index); SME nodes
// deposit (RMB), active (0/1) and sales_last_month (RMB).
#pragma once

#include <cstdint>
#include <vector>

#include "record/results_writer.hpp"
#include "world/world.hpp"

namespace pfsim {

[[nodiscard]] std::vector<record::NetworkSpec> network_specs();
// Every network's snapshot of today.
[[nodiscard]] std::vector<record::NetworkSnapshot> network_snapshots(const World& w,
                                                                     std::int32_t day);
// The snapshots of the networks among banks, the platform and the fund (a few
// dozen nodes each).
[[nodiscard]] std::vector<record::NetworkSnapshot> bank_network_snapshots(const World& w,
                                                                          std::int32_t day);
// The suppliers network's nodes of the SME slots [from, to) and the edges of
// those buyers, into `part` (its day and name left to the caller): a part of
// the snapshot, which is written in parts at 10^6+ firms
// (ResultsWriter::record_network_in_parts); nodes are SME slots in order, so
// a node's position is its slot.
void supplier_nodes(const World& w, std::size_t from, std::size_t to,
                    record::NetworkSnapshot& part);

}  // namespace pfsim
