#!/usr/bin/env bash
# clang-tidy (Debian 12's clang-tidy 14) over every translation unit of sim/
# and bindings/src/, with the checks of .clang-tidy; any finding fails (exit 1).
# Reads the compile commands of a configured build (default: build/, the
# release preset, which exports compile_commands.json).
#
#   bash scripts/tidy.sh [BUILD_DIR] [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
jobs="${2:-2}"
command -v run-clang-tidy >/dev/null || {
  echo "tidy.sh: run-clang-tidy is missing (bash scripts/install-deps.sh installs clang-tidy)" >&2
  exit 2
}
[ -f "$build/compile_commands.json" ] || {
  echo "tidy.sh: no $build/compile_commands.json: configure first (cmake --preset release)" >&2
  exit 2
}
# Generated files (the pybind11 module's) are not ours; the regex selects the
# repository's own sources only.
root="$(pwd)"
# -Wno-for-loop-analysis: see .clang-tidy.
if run-clang-tidy -p "$build" -j "$jobs" -quiet -extra-arg=-Wno-for-loop-analysis \
  "^$root/(sim|bindings/src)/.*\.cpp$" \
  >"$build/clang-tidy.log" 2>&1; then
  echo "tidy.sh: clang-tidy found nothing ($(grep -c '^clang-tidy' "$build/clang-tidy.log") files; .clang-tidy)" >&2
else
  grep -E 'error:|warning:' "$build/clang-tidy.log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u >&2 || true
  echo "tidy.sh: clang-tidy findings above (full log: $build/clang-tidy.log)" >&2
  exit 1
fi
