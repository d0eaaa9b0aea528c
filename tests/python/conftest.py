"""Shared fixtures: where the build is, small scenario runs, and the kill-writer."""
import functools
import importlib
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("PFSIM_BUILD_DIR", ROOT / "build"))
if not BUILD.is_absolute():  # a relative PFSIM_BUILD_DIR names a folder of the repository
    BUILD = ROOT / BUILD
PFSIM = BUILD / "bin" / "pfsim"
PYDIR = BUILD / "python"
# scripts/test-all.sh (CI) sets this: a missing build is then an error, not a skip.
REQUIRE_ALL = os.environ.get("PFSIM_REQUIRE_ALL") == "1"


def missing(what):
    """Skips the calling test module (or test) — or fails it under PFSIM_REQUIRE_ALL=1."""
    if REQUIRE_ALL:
        raise RuntimeError(f"{what} (PFSIM_REQUIRE_ALL=1: the test suite needs the full build)")
    pytest.skip(what, allow_module_level=True)


def require_module(name):
    """Imports and returns the module `name`; when it is not installed, skips the
    calling test module (or test) — or fails it under PFSIM_REQUIRE_ALL=1.
    pytest.importorskip would skip even then, so CI would pass without, say,
    xarray and test nothing that needs it."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        missing(f"the Python module {name!r} is not installed ({err})")


def require_built(program):
    """The path of build/bin/<program> (skips the calling module when it is not built)."""
    path = BUILD / "bin" / program
    if not path.exists():
        missing(f"{path} is not built (build target {program}, or point PFSIM_BUILD_DIR at the build directory)")
    return path


def require_pfsim():
    """The pfsim module from the build dir (skips the module when it is not built)."""
    if not any((PYDIR / "pfsim").glob("_core*.so")):
        missing(
            f"the pfsim Python module is not built in {PYDIR} "
            "(configure with -DPFSIM_BUILD_PYTHON=ON and build, or set PFSIM_BUILD_DIR)"
        )
    if str(PYDIR) not in sys.path:
        sys.path.insert(0, str(PYDIR))
    import pfsim

    return pfsim


def run_pfsim(*args, check=True, **kwargs):
    """Runs the CLI and returns the CompletedProcess (text mode)."""
    proc = subprocess.run([str(PFSIM), *map(str, args)], capture_output=True, text=True, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"pfsim {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


class KillWriter:
    """A running pfsim_kill_writer (tests/record/kill_writer.cpp) whose stdout we
    follow: "ready partial=PATH" first, then "flushed rows=R events=E [snapshots=S]"
    after each flush. `options` are its command-line options (e.g. "--flush-every", 5)."""

    def __init__(self, out, *options, steps=1_000_000, finish=False):
        args = [str(require_built("pfsim_kill_writer")), str(out), "--steps", str(steps), *map(str, options)]
        if finish:
            args.append("--finish")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        self.flushed = {}  # the fields of the last "flushed" announcement
        first = self.proc.stdout.readline()
        assert first.startswith("ready partial="), first
        self.partial = pathlib.Path(first.strip().split("=", 1)[1])

    # Counts announced by the last flush (0 before the first).
    rows = property(lambda self: self.flushed.get("rows", 0))
    events = property(lambda self: self.flushed.get("events", 0))
    snapshots = property(lambda self: self.flushed.get("snapshots", 0))

    def wait_for_flushes(self, count):
        seen = 0
        while seen < count:
            line = self.proc.stdout.readline()
            assert line, "writer ended early"
            if line.startswith("flushed"):
                self.flushed = {k: int(v) for k, v in (item.split("=") for item in line.split()[1:])}
                seen += 1

    def follow_until(self, deadline):
        """Reads announcements until `deadline` (time.monotonic()), then returns."""
        while time.monotonic() < deadline:
            self.wait_for_flushes(1)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        assert self.proc.returncode == -signal.SIGKILL


def cached_runs(out_dir, *base_sets):
    """get(scenario, *sets, threads=2, audit="default") → the results file of
    `pfsim run scenario` with ``base_sets`` then ``sets`` as --set options, run
    once per distinct argument list (for same-seed with/without comparisons)."""

    @functools.lru_cache(maxsize=None)
    def get(scenario, *sets, threads=2, audit="default"):
        out = pathlib.Path(out_dir) / f"run{len(list(pathlib.Path(out_dir).iterdir()))}.h5"
        args = ["run", scenario, "--out", out, "--quiet", "--threads", threads, "--audit", audit]
        for s in (*base_sets, *sets):
            args += ["--set", s]
        run_pfsim(*args)
        return out

    return get


def timeseries(path, name):
    """One indicator of a results file, as an array."""
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        return np.asarray(f["timeseries"][name])


@pytest.fixture(scope="session")
def pfsim_exe():
    if not PFSIM.exists():
        missing(f"{PFSIM} not built (set PFSIM_BUILD_DIR)")
    return PFSIM


SMALL = ["--set", "consumers.count=20000", "--set", "smes.count=2000"]


@pytest.fixture(scope="session")
def small_run(pfsim_exe, tmp_path_factory):
    """One finished 120-day run of the baseline at small scale."""
    out = tmp_path_factory.mktemp("run") / "small.h5"
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", out, "--steps", 120, "--seed", 3,
              "--threads", 2, *SMALL)
    return out
