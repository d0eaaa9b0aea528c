#!/usr/bin/env bash
# Configures and builds one preset (default: release) from CMakePresets.json.
# Reuses an existing build directory, so a second call only rebuilds what changed.
set -euo pipefail
preset="${1:-release}"
cd "$(dirname "$0")/.."
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
