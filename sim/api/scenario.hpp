// Public API: scenarios. Load, validate and resolve a scenario file (with
// --set overrides and population scaling), the schema (Markdown and JSON
// Schema), and validation of events and shocks given at run time.
#pragma once

#include "core/error.hpp"         // UserError (every problem, with file:line:column)
#include "scenario/events.hpp"    // events and shocks, validated like a scenario's
#include "scenario/load.hpp"      // load_file, load_text, population overrides
#include "scenario/scenario.hpp"  // Scenario (frozen after loading)
#include "scenario/schema.hpp"    // schema_markdown, schema_json
