// The generated reference: docs/scenarios.md is `pfsim schema`, and the JSON
// Schema (`pfsim schema --json`) is valid JSON describing every parameter,
// `extends`, `events` and every shock type.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "scenario/events.hpp"
#include "scenario/schema.hpp"

using namespace pfsim::scenario;

TEST_CASE("docs/scenarios.md is the output of `pfsim schema`") {
  std::ifstream in(PFSIM_SOURCE_DIR "/docs/scenarios.md", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const bool same = text.str() == schema_markdown();
  CHECK_MESSAGE(same,
                "docs/scenarios.md is stale: regenerate it with `build/bin/pfsim schema > "
                "docs/scenarios.md`");
}

TEST_CASE("the Markdown reference documents every parameter, event key and shock type") {
  const std::string md = schema_markdown();
  for (const ParamSpec& p : schema()) CHECK(md.find("| `" + p.path + "` |") != std::string::npos);
  for (const ParamSpec& f : event_fields())
    CHECK(md.find("| `events[]." + f.path + "` |") != std::string::npos);
  for (const ShockType& t : shock_types()) {
    CHECK(md.find("\n### " + t.name + "\n") != std::string::npos);
    for (const ShockParam& p : t.params)
      CHECK(md.find("| `" + p.spec.path + "` |") != std::string::npos);
  }
}

TEST_CASE("the JSON Schema parses and describes the scenario") {
  const nlohmann::json j = nlohmann::json::parse(schema_json());
  CHECK(j["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  CHECK(j["additionalProperties"] == false);
  const auto& props = j["properties"];
  CHECK(props["run"]["properties"]["days"]["type"] == "integer");
  CHECK(props["run"]["properties"]["days"]["minimum"] == 1);
  CHECK(props["run"]["properties"]["start_date"]["format"] == "date");
  CHECK(props["banks"]["properties"]["tiers"]["type"] == "array");
  CHECK(props["extends"]["type"] == "string");
  const auto& item = props["events"]["items"];
  CHECK(props["events"]["maxItems"] == max_events);
  CHECK(item["properties"]["type"]["enum"].size() == shock_types().size());
  // A disabled event ({id, enabled: false}) is dropped on load: only an
  // enabled one needs a type and a date or when.
  CHECK(item["if"]["properties"]["enabled"]["const"] == false);
  CHECK(item["then"] == true);
  const auto& event = item["else"];
  CHECK(event["required"] == nlohmann::json::array({"type"}));
  REQUIRE(event["allOf"].size() == shock_types().size());
  const auto& rate = event["allOf"][shock_types().size() - 2];
  CHECK(rate["if"]["properties"]["type"]["const"] == "policy_rate");
  CHECK(rate["then"]["required"] == nlohmann::json::array({"rate"}));
  CHECK(rate["then"]["properties"]["rate"]["maximum"] == 0.5);
  CHECK(rate["then"]["additionalProperties"] == false);
}
