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

# The compiler: $PFSIM_FUZZ_CXX if set, else the first of clang++, clang++-14,
# clang++-15, … that can link a libFuzzer + ASan + UBSan program (clang alone is
# not enough: the runtimes are in libclang-rt-N-dev; scripts/install-deps.sh).
cxx=""
probe="$(mktemp -d)"
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }' \
  >"$probe/probe.cpp"
for candidate in ${PFSIM_FUZZ_CXX:-clang++ clang++-14 clang++-15 clang++-16 clang++-17 clang++-18 clang++-19}; do
  path="$(command -v "$candidate" 2>/dev/null)" || continue
  if "$path" -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" 2>"$probe/err"; then
    cxx="$path"
    break
  fi
  echo "pfsim fuzz: $path cannot build a libFuzzer target: $(head -n 3 "$probe/err")" >&2
done
rm -rf "$probe"
if [ -z "$cxx" ]; then
  echo "pfsim fuzz: no clang++ that can build libFuzzer + ASan + UBSan targets;" \
    "run scripts/install-deps.sh (clang-14, libclang-rt-14-dev) or set PFSIM_FUZZ_CXX" >&2
  exit 1
fi
# A build folder configured with another compiler is configured afresh.
if [ -f "$build/CMakeCache.txt" ] &&
  [ "$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")" != "$cxx" ]; then
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
fi
# Sanitizer reports name functions and lines only with llvm-symbolizer; use the
# one next to the compiler when none is on PATH (Debian names it llvm-symbolizer-14).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1; then
  symbolizer="$(dirname "$(readlink -f "$cxx")")/llvm-symbolizer"
  if [ -x "$symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$symbolizer"; fi
fi
echo "pfsim fuzz: building with $cxx ($("$cxx" --version | head -n 1))" >&2

cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
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
