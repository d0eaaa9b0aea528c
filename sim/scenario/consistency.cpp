// Checks across parameters, run once every parameter is read and valid on its
// own: deposit shares summing to 1, a run within the dates results can carry,
// names that must be one of a list, tier names that must be unique.
#include <algorithm>
#include <cmath>
#include <set>

#include "scenario/internal/keys.hpp"
#include "scenario/internal/values.hpp"

namespace pfsim::scenario::internal {

void check_consistency(Reporter& report, const Scenario& sc, const Tree& root) {
  const Tree* banks = root.is_mapping() ? root.find("banks") : nullptr;
  const Tree* tiers = banks != nullptr && banks->is_mapping() ? banks->find("tiers") : nullptr;
  const Origin at = tiers != nullptr ? tiers->origin : root.origin;
  double share = 0;
  for (const BankTier& t : sc.banks.tiers) share += t.deposit_share;
  if (std::fabs(share - 1.0) > 1e-9)
    report.at(at, "banks.tiers",
              "deposit_share must sum to 1 over tiers, found " + internal::format_number(share),
              "adjust the tiers' deposit_share values");
  auto one_of = [&](const char* key, const char* section, const char* leaf,
                    const std::string& value, const std::vector<std::string>& allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
    const Tree* s = root.is_mapping() ? root.find(section) : nullptr;
    const Tree* v = s != nullptr && s->is_mapping() ? s->find(leaf) : nullptr;
    std::string list;
    for (const std::string& a : allowed) list.append(list.empty() ? "" : ", ").append(a);
    const std::string hint = internal::did_you_mean(value, allowed);
    report.at(v != nullptr ? v->origin : root.origin, key,
              "expected one of " + list + ", found " + internal::quoted(value), hint);
  };
  // A run outside the dates pandas and xarray read could be simulated but not
  // analysed (and a run may not pass year 9999, where dates end).
  {
    const Date first = first_results_date();
    const Date last = last_results_date();
    const Date last_day = sc.end_date().plus_days(-1);
    if (sc.run.start_date < first || last_day > last) {
      const Tree* s = root.is_mapping() ? root.find("run") : nullptr;
      const Tree* v = s != nullptr && s->is_mapping() ? s->find("start_date") : nullptr;
      report.at(v != nullptr ? v->origin : root.origin, "run.start_date",
                "the run from " + format_iso_date(sc.run.start_date) + " to " +
                    format_iso_date(last_day) +
                    " leaves the dates pandas and xarray can read (1678-01-01 .. 2262-04-11)",
                "start in 1678 or later, and end by 2262-04-11");
    }
  }
  one_of("interbank.topology", "interbank", "topology", sc.interbank.topology,
         {"core_periphery", "scale_free", "erdos_renyi", "complete", "ring", "file"});
  if (sc.interbank.topology == "file" && sc.interbank.file.empty()) {
    const Tree* s = root.is_mapping() ? root.find("interbank") : nullptr;
    report.at(s != nullptr ? s->origin : root.origin, "interbank.file",
              "interbank.topology is 'file' but no interbank.file is given",
              "give the CSV of partner pairs: interbank: {topology: file, file: links.csv}");
  }
  one_of("interbank.contagion", "interbank", "contagion", sc.interbank.contagion,
         {"furfine", "eisenberg_noe", "rogers_veraart", "none"});
  one_of("fire_sales.impact", "fire_sales", "impact", sc.fire_sales.impact,
         {"exponential", "linear", "none"});
  std::set<std::string> names;
  for (std::size_t i = 0; i < sc.banks.tiers.size(); ++i) {
    if (names.insert(sc.banks.tiers[i].name).second) continue;
    const Tree* item = tiers != nullptr && tiers->is_sequence() && i < tiers->items.size()
                           ? &tiers->items[i]
                           : nullptr;
    const Tree* name = item != nullptr && item->is_mapping() ? item->find("name") : nullptr;
    report.at(name != nullptr ? name->origin : at, "banks.tiers[" + std::to_string(i) + "].name",
              "tier name '" + sc.banks.tiers[i].name + "' is used twice",
              "give every tier its own name");
  }
}

}  // namespace pfsim::scenario::internal
