#!/usr/bin/env bash
# Installs the Debian 12 packages pfsim needs — only those missing — with sudo
# when not root. Safe to run repeatedly; does nothing when all are present.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git
  # C++ libraries
  libboost-graph-dev libtbb-dev libhdf5-dev hdf5-tools libyaml-cpp-dev
  pybind11-dev python3-pybind11 python3-dev doctest-dev librandom123-dev
  libcli11-dev nlohmann-json3-dev
  # fuzzing and sanitizers (scripts/fuzz.sh): clang 14 (Debian 12's clang),
  # its sanitizer and libFuzzer runtimes (libclang-rt-14-dev is only a
  # Recommends of clang-14, so it must be named), and llvm-symbolizer (llvm-14)
  # for readable sanitizer stack traces
  clang clang-14 libclang-rt-14-dev libfuzzer-14-dev llvm-14
  # Python (Debian's /usr/bin/python3)
  python3 python3-numpy python3-h5py python3-pytest python3-pandas python3-xarray
  python3-h5netcdf python3-netcdf4 python3-matplotlib python3-scipy
  python3-nbclient python3-nbformat python3-ipykernel python3-jsonschema python3-yaml
  # style
  clang-format clang-tidy black flake8
  # sweeps over MPI ranks (issue 15: mpirun -n N pfsim sweep; tests/python/test_sweeps.py)
  openmpi-bin python3-mpi4py
  # the teaching page's browser test (pfsim serve, tests/python/test_teaching_browser.py):
  # headless chromium driven by selenium through chromium-driver
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "pfsim: all ${#packages[@]} required packages are installed" >&2
  exit 0
fi

echo "pfsim: installing ${#missing[@]} missing packages: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "pfsim: not root and sudo is not available; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
