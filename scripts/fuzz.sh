#!/usr/bin/env bash
# Fuzzes the scenario loader (YAML limits, schema walk, events, conditions,
# resolved-text round trip) with libFuzzer + ASan + UBSan for N seconds:
#   bash scripts/fuzz.sh [seconds]        # default 60
# Builds tests/fuzz with clang into build-fuzz/ (PFSIM_FUZZ_BUILD_DIR to change),
# seeds from tests/fuzz/corpus and tests/scenario/malformed, and fails on any
# crash, timeout (an input taking over PFSIM_FUZZ_TIMEOUT seconds, default 2),
# leak or sanitizer report. Failing inputs are kept in <build>/artifacts/: make
# each one a case in tests/scenario/malformed/ once it is fixed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
build="${PFSIM_FUZZ_BUILD_DIR:-$root/build-fuzz}"
timeout_s="${PFSIM_FUZZ_TIMEOUT:-2}"

cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/cwd" "$build/artifacts"
# The target runs in an empty folder, so `extends:` in generated inputs finds nothing to read.
status=0
(cd "$work/cwd" && "$build/fuzz_scenario" \
   -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb=2048 -max_len=16384 \
   -dict="$root/tests/fuzz/scenario.dict" -artifact_prefix="$build/artifacts/" -print_final_stats=1 \
   "$work/corpus" "$root/tests/fuzz/corpus" "$root/tests/scenario/malformed") || status=$?

found="$(find "$build/artifacts" -type f -newer "$work/corpus" | wc -l)"
if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
  echo "pfsim fuzz: FAILED (exit $status); failing inputs in $build/artifacts/" >&2
  exit 1
fi
echo "pfsim fuzz: ${seconds}s, no crash, timeout, leak or sanitizer report" >&2
