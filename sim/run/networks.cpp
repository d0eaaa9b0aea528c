#include "run/networks.hpp"

#include "world/queries.hpp"

namespace pfsim {

namespace {

// external_assets / external_liabilities: the e_i and el_i of the
// Eisenberg-Noe clearing of the interbank network (queries.hpp), so that
// `pfsim contagion eisenberg_noe` can clear the exported network.
const std::vector<std::string> bank_attributes = {
    "equity", "capital_ratio", "failed", "tier", "external_assets", "external_liabilities"};

// Every bank as a node, then `extra` nodes of other kinds (attributes 0).
record::NetworkSnapshot with_bank_nodes(
    const World& w, std::int32_t day, const char* name,
    const std::vector<std::pair<std::string, std::uint32_t>>& extra) {
  record::NetworkSnapshot s;
  s.day = day;
  s.name = name;
  s.node_attribute_names = bank_attributes;
  s.node_attributes.assign(bank_attributes.size(), {});
  const double scale = w.scenario->run.scale;
  const ExternalBalanceSheet external = interbank_external(w, interbank_liabilities(w));
  for (std::uint32_t b = 0; b < w.banks.size(); ++b) {
    s.node_kind.emplace_back("bank");
    s.node_index.push_back(b);
    s.node_attributes[0].push_back(
        fen_to_economy_yuan(w.ledger.net_worth(AgentKind::bank)[b], scale));
    s.node_attributes[1].push_back(w.banks.capital_ratio[b]);
    s.node_attributes[2].push_back(w.banks.failed[b]);
    s.node_attributes[3].push_back(w.banks.tier[b]);
    s.node_attributes[4].push_back(fen_to_economy_yuan(external.assets[b], scale));
    s.node_attributes[5].push_back(fen_to_economy_yuan(external.liabilities[b], scale));
  }
  for (const auto& [kind, index] : extra) {
    s.node_kind.push_back(kind);
    s.node_index.push_back(index);
    for (auto& column : s.node_attributes) column.push_back(0.0);
  }
  return s;
}

void edge(record::NetworkSnapshot& s, std::uint32_t source, std::uint32_t target, Int128 fen,
          double scale) {
  if (fen <= 0) return;
  s.source.push_back(source);
  s.target.push_back(target);
  s.weight.push_back(fen_to_economy_yuan(fen, scale));
}

}  // namespace

std::vector<record::NetworkSpec> network_specs() {
  return {
      {"interbank", bank_attributes,
       "Interbank claims, overnight loans plus term loans and NCDs: source (borrower) owes "
       "target (lender), RMB."},
      {"interbank_clearing", bank_attributes,
       "On failure days: the interbank claims the day's in-step clearing started from (before "
       "any loss), source (borrower) owes target (lender), RMB; external_assets and "
       "external_liabilities are the clearing's e and el, so `pfsim contagion eisenberg_noe` on "
       "this network redoes the day's clearing."},
      {"colending", bank_attributes,
       "Co-lent loans funded by target (a bank) on the origination of source (the platform), RMB."},
      {"fund_placements", bank_attributes,
       "The money-market fund's deposits: source (a bank) owes target (the fund), RMB."},
      {"suppliers",
       {"deposit", "active", "sales_last_month"},
       "Supplier links between SMEs: source (the buyer) pays target (its supplier) weight RMB a "
       "month "
       "(supplier_share × the buyer's sales last month; a flow, not a claim)."},
  };
}

void supplier_nodes(const World& w, std::size_t from, std::size_t to,
                    record::NetworkSnapshot& part) {
  const double scale = w.scenario->run.scale;
  part.node_attribute_names = {"deposit", "active", "sales_last_month"};
  part.node_attributes.assign(3, {});
  const SmeStore& S = w.smes;
  const double share = w.scenario->smes.supplier_share;
  for (auto& column : part.node_attributes) column.reserve(to - from);
  part.node_kind.reserve(to - from);
  part.node_index.reserve(to - from);
  for (auto s = static_cast<std::uint32_t>(from); s < to; ++s) {
    part.node_kind.emplace_back("sme");
    part.node_index.push_back(s);
    part.node_attributes[0].push_back(
        fen_to_economy_yuan(w.ledger.balance({w.books.sme_deposit, s}), scale));
    part.node_attributes[1].push_back(S.active[s]);
    part.node_attributes[2].push_back(fen_to_economy_yuan(S.sales_last_month[s], scale));
    if (S.active[s] != 0 && S.supplier[s] != no_index && S.supplier[s] != s)
      edge(part, s, S.supplier[s],
           static_cast<Int128>(share * static_cast<double>(S.sales_last_month[s])), scale);
  }
}

std::vector<record::NetworkSnapshot> bank_network_snapshots(const World& w, std::int32_t day) {
  const double scale = w.scenario->run.scale;
  const Ledger& L = w.ledger;
  const auto n = static_cast<std::uint32_t>(w.banks.size());
  std::vector<record::NetworkSnapshot> out;

  record::NetworkSnapshot interbank = with_bank_nodes(w, day, "interbank", {});
  const Book& ib = L.book(L.interbank_book);
  const Book& tb = L.book(L.term_interbank_book);
  for (std::uint32_t r = 0; r < ib.rows(); ++r)
    edge(interbank, w.interbank.borrower[r], w.interbank.lender[r],
         static_cast<Int128>(ib.balance[r]) + tb.balance[r], scale);
  out.push_back(std::move(interbank));

  if (const World::ClearingInputs& in = w.clearing_inputs; in.today) {
    record::NetworkSnapshot cleared = with_bank_nodes(w, day, "interbank_clearing", {});
    for (std::uint32_t b = 0; b < n; ++b) {
      cleared.node_attributes[4][b] = fen_to_economy_yuan(in.external_assets_fen[b], scale);
      cleared.node_attributes[5][b] = fen_to_economy_yuan(in.external_liabilities_fen[b], scale);
    }
    for (std::size_t k = 0; k < in.owed_fen.size(); ++k) {
      if (in.owed_fen[k] <= 0) continue;
      cleared.source.push_back(in.debtor[k]);
      cleared.target.push_back(in.creditor[k]);
      cleared.weight.push_back(fen_to_economy_yuan(in.owed_fen[k], scale));
    }
    out.push_back(std::move(cleared));
  }

  record::NetworkSnapshot colending = with_bank_nodes(w, day, "colending", {{"platform", 0}});
  const std::vector<Int128> colent = colent_by_bank(w);
  for (std::uint32_t b = 0; b < n; ++b) edge(colending, n, b, colent[b], scale);
  out.push_back(std::move(colending));

  record::NetworkSnapshot placements = with_bank_nodes(w, day, "fund_placements", {{"fund", 0}});
  const Book& fd = L.book(w.books.fund_deposit);
  for (std::uint32_t b = 0; b < n; ++b) edge(placements, b, n, fd.balance[b], scale);
  out.push_back(std::move(placements));
  return out;
}

std::vector<record::NetworkSnapshot> network_snapshots(const World& w, std::int32_t day) {
  std::vector<record::NetworkSnapshot> out = bank_network_snapshots(w, day);
  record::NetworkSnapshot suppliers;
  supplier_nodes(w, 0, w.smes.size(), suppliers);
  suppliers.day = day;
  suppliers.name = "suppliers";
  out.push_back(std::move(suppliers));
  return out;
}

}  // namespace pfsim
