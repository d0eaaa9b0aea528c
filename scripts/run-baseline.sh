#!/usr/bin/env bash
# Command one: install what is missing, build Release, run the baseline scenario.
# Writes results/baseline.h5 and prints a summary. Extra arguments go to `pfsim run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
mkdir -p results
exec build/bin/pfsim run scenarios/baseline.yaml --out results/baseline.h5 --force "$@"
