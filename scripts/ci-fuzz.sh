#!/usr/bin/env bash
# CI step: builds the scenario-loader fuzz target and fuzzes it for 60 seconds
# (PFSIM_CI_FUZZ_SECONDS to change) through scripts/fuzz.sh:
#   bash scripts/ci-fuzz.sh
# Fails on any crash, timeout, leak or sanitizer report, and also when the
# fuzzer did not run at all. The full fuzzer output is kept in
# <build-fuzz>/ci-fuzz.log; failing inputs in <build-fuzz>/artifacts/.
# On this project's 2-core reference machine the whole step (clean build +
# 60 s of fuzzing) takes 1.8-2.4 minutes; with a warm build-fuzz/ about 65 s.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${PFSIM_CI_FUZZ_SECONDS:-60}"
build="${PFSIM_FUZZ_BUILD_DIR:-$PWD/build-fuzz}"
export PFSIM_FUZZ_BUILD_DIR="$build"
bash scripts/install-deps.sh

mkdir -p "$build"
log="$build/ci-fuzz.log"
start=$SECONDS
echo "== fuzz: scenario loader, ${seconds}s ==" >&2
status=0
bash scripts/fuzz.sh "$seconds" >"$log" 2>&1 || status=$?
wall=$((SECONDS - start))

problems=()
[ "$status" -eq 0 ] || problems+=("scripts/fuzz.sh exited with status $status")
# Belt and braces: fuzz.sh already fails on these, but a report must never pass.
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|^SUMMARY: |^fuzz_scenario: ' "$log"; then
  problems+=("sanitizer or fuzzer report in the output")
fi
done_line="$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
runs="$(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' <<<"$done_line")"
if [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
  problems+=("the fuzzer did not run (no 'Done N runs' line)")
fi

final="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)"
if [ ${#problems[@]} -ne 0 ]; then
  tail -n 80 "$log" >&2
  for p in "${problems[@]}"; do echo "pfsim ci-fuzz: FAILED: $p" >&2; done
  echo "pfsim ci-fuzz: full output in $log; reproduce with" \
    "$build/fuzz_scenario $build/artifacts/<file>" >&2
  exit 1
fi
echo "pfsim ci-fuzz: $done_line" >&2
echo "pfsim ci-fuzz: ${final:-no final stats line}" >&2
grep -E '^stat::' "$log" | sed 's/^/pfsim ci-fuzz: /' >&2 || true
echo "pfsim ci-fuzz: passed in ${wall}s (build + ${seconds}s of fuzzing)" >&2
