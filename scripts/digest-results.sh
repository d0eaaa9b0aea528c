#!/usr/bin/env bash
# Prints a SHA-256 digest of /timeseries (every dataset's name, shape, type and
# bytes) for the baseline and each scenario in scenarios/, run small (3,000
# consumer agents, 2 threads, seed 7). A refactoring that must not change
# results shows the same lines before and after:
#
#   bash scripts/digest-results.sh [BUILD_DIR] > before.txt   # at the old commit
#   bash scripts/digest-results.sh [BUILD_DIR] | diff before.txt -
#
# The run is small so it takes minutes, not an hour; it still goes through the
# spin-up, every shock in the library and the recorder.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
population="${PFSIM_DIGEST_POPULATION:-3000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for scenario in scenarios/*.yaml; do
  name="$(basename "$scenario" .yaml)"
  "$build/bin/pfsim" run "$scenario" --population "$population" --threads 2 --seed 7 \
    --quiet --out "$tmp/$name.h5" >/dev/null
  /usr/bin/python3 - "$tmp/$name.h5" "$name" <<'PY'
import hashlib, sys
import h5py
path, name = sys.argv[1], sys.argv[2]
h = hashlib.sha256()
with h5py.File(path, "r") as f:
    def visit(key, obj):
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            h.update(key.encode())
            h.update(repr((obj.shape, str(obj.dtype))).encode())
            h.update(data.tobytes() if hasattr(data, "tobytes") else repr(data).encode())
    f["timeseries"].visititems(visit)
print(f"{name:32s} {h.hexdigest()[:32]}")
PY
done
