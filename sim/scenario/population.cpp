// `--population N`: the same economy with N consumer agents (load.hpp).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "scenario/internal/keys.hpp"
#include "scenario/internal/values.hpp"
#include "scenario/load.hpp"
#include "scenario/schema.hpp"

namespace pfsim::scenario {

using internal::problem;

std::vector<std::string> population_overrides(const Scenario& sc, std::int64_t consumers) {
  const ParamSpec* count = find_param("consumers.count");
  const ParamSpec* smes = find_param("smes.count");
  const ParamSpec* scale = find_param("run.scale");
  auto refuse = [](const std::string& message, const std::string& hint) {
    throw UserError(problem("--population", "consumers.count", message, hint));
  };
  if (static_cast<double>(consumers) < count->min || static_cast<double>(consumers) > count->max)
    refuse("population " + std::to_string(consumers) + " is out of range: expected consumers" +
               internal::range_text(*count),
           "give the number of consumer agents");
  const double ratio = static_cast<double>(consumers) / static_cast<double>(sc.consumers.count);
  const auto new_smes = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::llround(static_cast<double>(sc.smes.count) * ratio)));
  const double new_scale = sc.run.scale / ratio;
  if (static_cast<double>(new_smes) > smes->max)
    refuse("population " + std::to_string(consumers) + " needs " + std::to_string(new_smes) +
               " SMEs, more than smes.count allows (" + internal::format_number(smes->max) + ")",
           "choose a smaller population");
  if (new_scale < scale->min || new_scale > scale->max)
    refuse("population " + std::to_string(consumers) +
               " needs run.scale = " + internal::format_number(new_scale) + ", outside its range" +
               internal::range_text(*scale),
           new_scale < scale->min ? "the scenario's real population is smaller than that: lower N"
                                  : "raise N");
  return {"consumers.count=" + std::to_string(consumers), "smes.count=" + std::to_string(new_smes),
          "run.scale=" + internal::format_number(new_scale)};
}

std::string population_warning(const std::vector<std::string>& overrides) {
  const std::array<std::string, 3> paths{"consumers.count", "smes.count", "run.scale"};
  std::vector<std::string> changed;
  for (const std::string& o : overrides) {
    if (o.find('=') == std::string::npos) continue;  // malformed: reported by the loader
    const std::string path = o.substr(0, o.find('='));
    if (std::find(paths.begin(), paths.end(), path) != paths.end() &&
        std::find(changed.begin(), changed.end(), path) == changed.end())
      changed.push_back(path);
  }
  if (changed.empty() || changed.size() == paths.size()) return {};
  std::string list, missing;
  for (const std::string& c : changed) list += (list.empty() ? "" : " and ") + c;
  for (const std::string& p : paths)
    if (std::find(changed.begin(), changed.end(), p) == changed.end())
      missing += (missing.empty() ? "" : " and ") + p;
  return "--set " + list + " without " + missing +
         " changes the size of the economy, not only the number of agents (totals such as "
         "consumption no longer match the scenario); to simulate the same economy with N "
         "consumer agents use --population N";
}

}  // namespace pfsim::scenario
