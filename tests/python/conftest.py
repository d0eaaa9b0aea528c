"""Shared fixtures: where the build is, and small scenario runs."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("PFSIM_BUILD_DIR", ROOT / "build"))
PFSIM = BUILD / "bin" / "pfsim"


def run_pfsim(*args, check=True, **kwargs):
    """Runs the CLI and returns the CompletedProcess (text mode)."""
    proc = subprocess.run([str(PFSIM), *map(str, args)], capture_output=True, text=True, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"pfsim {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def pfsim_exe():
    if not PFSIM.exists():
        pytest.skip(f"{PFSIM} not built (set PFSIM_BUILD_DIR)")
    return PFSIM


SMALL = ["--set", "consumers.count=20000", "--set", "smes.count=2000"]


@pytest.fixture(scope="session")
def small_run(pfsim_exe, tmp_path_factory):
    """One finished 120-day run of the baseline at small scale."""
    out = tmp_path_factory.mktemp("run") / "small.h5"
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", out, "--steps", 120, "--seed", 3,
              "--threads", 2, *SMALL)
    return out
