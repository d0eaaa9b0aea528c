"""What a SIGKILLed run leaves in `<results>.partial` (docs/results-format.md).

`pfsim_kill_writer` (tests/record/kill_writer.cpp) writes rows of known values
(step s has day s and indicator k = s*1000 + k + 0.25), flushes every F rows and
prints "flushed rows=R events=E" after each flush. These tests SIGKILL it at
chosen or random moments and check, with h5py and xarray, that the `.partial`

* opens with `h5py.File(path, "r", swmr=True)` (plain "r" is refused by HDF5:
  the superblock still says "open for SWMR writing"),
* holds every row up to the last announced flush, with exact values, and
  nothing inconsistent (the `date` coordinate counts complete rows; a dataset can
  be at most one batch longer, and only if the kill hit the middle of a flush),
* becomes a normal finished file with `ResultsWriter::recover` (here through
  `pfsim_kill_writer --recover`), which opens in plain h5py and xarray,
* opens in plain h5py and xarray after `h5clear -s --increment=0` (`-s` alone is
  not enough after a kill in mid-flush: data then lie past the end-of-file
  address stored in the superblock, which only SWMR readers ignore).

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/python/test_partial_after_kill.py
The writer is found as $PFSIM_BUILD_DIR/bin/pfsim_kill_writer (default: build/).
"""

import json
import random
import shutil
import subprocess
import time

import pytest

from conftest import KillWriter, require_built, require_module

np = require_module("numpy")
h5py = require_module("h5py")

EXE = require_built("pfsim_kill_writer")

pytestmark = [
    # Debian's netCDF4 module warns about numpy's C ABI on import; not our concern.
    pytest.mark.filterwarnings("ignore:numpy.ndarray size changed"),
]

K = 4  # indicators
F = 5  # flush every F rows
E = 3  # an event every E steps


def expected_value(step, k):
    return step * 1000.0 + k + 0.25


def Writer(out, *, steps=1_000_000, indicators=K, flush_every=F, sleep_ms=2, event_every=E, finish=False):
    """A running pfsim_kill_writer whose stdout announcements we follow."""
    return KillWriter(out, "--indicators", indicators, "--flush-every", flush_every, "--sleep-ms", sleep_ms,
                      "--event-every", event_every, steps=steps, finish=finish)


def check_partial(path, *, min_rows, min_events, indicators=K, flush_every=F, event_every=E):
    """Asserts the invariants of a killed `.partial`; returns the complete row count."""
    with h5py.File(path, "r", swmr=True) as f:
        ts = f["timeseries"]
        n = ts["date"].shape[0]
        assert n >= min_rows
        assert n % flush_every == 0  # rows reach the file in whole batches
        np.testing.assert_array_equal(ts["date"][:], np.arange(n, dtype=float))
        for k in range(indicators):
            values = ts[f"indicator_{k}"][:]
            # At most one batch ahead of `date`, and only when killed mid-flush.
            assert len(values) in (n, n + flush_every)
            np.testing.assert_array_equal(values, expected_value(np.arange(len(values)), k))

        ev = f["events"]
        ne = ev["event"].shape[0]
        assert ne >= min_events
        np.testing.assert_array_equal(ev["event"][:], np.arange(ne))
        for name in ("day", "type", "parameters", "condition"):
            assert ev[name].shape[0] >= ne
        days = ev["day"][:ne]
        np.testing.assert_array_equal(days, np.arange(ne) * event_every)
        assert list(ev["type"].asstr()[:ne]) == ["test_shock"] * ne
        for day, text, cond in zip(days, ev["parameters"].asstr()[:ne],
                                   ev["condition"].asstr()[:ne]):
            assert json.loads(text) == {"step": int(day), "label": "päivä"}
            assert cond == (f"s % {event_every} == 0" if day % 2 == 1 else "")

        md = f["metadata"]
        assert md.attrs["seed"] == 18446744073709551557
        assert md.attrs["start_date"] == "2019-01-01"
        assert "kill_writer scenario" in md["scenario"].asstr()[()]
    return n


def recover(partial, out):
    proc = subprocess.run([str(EXE), "--recover", str(partial), str(out)],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout.strip().split("=")[1])


def h5clear(path):
    exe = shutil.which("h5clear")
    if exe is None:
        pytest.skip("h5clear (Debian package hdf5-tools) is not installed")
    subprocess.run([exe, "-s", "--increment=0", str(path)], check=True)


def check_complete_file(path, rows, indicators=K):
    """A recovered (or h5clear'ed) file: plain h5py reads every dataset."""
    with h5py.File(path, "r") as f:
        ts = f["timeseries"]
        np.testing.assert_array_equal(ts["date"][:], np.arange(rows, dtype=float))
        for k in range(indicators):
            values = ts[f"indicator_{k}"][:]
            np.testing.assert_array_equal(values[:rows], expected_value(np.arange(rows), k))
        for name in f["events"]:
            f["events"][name][:]


def plain_open_refused(path):
    with pytest.raises(OSError, match="h5clear"):
        h5py.File(path, "r")


def test_killed_before_the_first_flush(tmp_path):
    w = Writer(tmp_path / "r.h5", sleep_ms=50)
    w.kill()
    assert check_partial(w.partial, min_rows=0, min_events=0) == 0
    assert not (tmp_path / "r.h5").exists()


@pytest.mark.parametrize("flushes", [1, 3, 8])
def test_killed_after_announced_flushes(tmp_path, flushes):
    w = Writer(tmp_path / "r.h5")
    w.wait_for_flushes(flushes)
    w.kill()
    assert w.rows == flushes * F
    n = check_partial(w.partial, min_rows=w.rows, min_events=w.events)
    assert n >= w.rows
    plain_open_refused(w.partial)
    # The run lock's file stays after a SIGKILL (unlocked; the next run takes it).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.h5.lock", "r.h5.partial"]


def test_random_kills_while_writing_flat_out(tmp_path):
    """No sleep, many indicators, tiny batches: kills land anywhere, also mid-flush."""
    rng = random.Random(20240601)
    wide, batch = 60, 2
    for trial in range(12):
        out = tmp_path / f"r{trial}.h5"
        w = Writer(out, indicators=wide, flush_every=batch, sleep_ms=0)
        w.follow_until(time.monotonic() + rng.uniform(0.0, 0.3))
        w.kill()
        n = check_partial(w.partial, min_rows=w.rows, min_events=w.events, indicators=wide,
                          flush_every=batch)
        recovered = tmp_path / f"recovered{trial}.h5"
        assert recover(w.partial, recovered) == n
        check_complete_file(recovered, n, indicators=wide)
        with h5py.File(recovered, "r") as f:  # cut to complete rows, even after mid-flush
            assert {ds.shape for ds in f["timeseries"].values()} == {(n,)}
        h5clear(w.partial)
        check_complete_file(w.partial, n, indicators=wide)
        w.partial.unlink()
        recovered.unlink()


def test_xarray_reads_a_killed_file_through_swmr(tmp_path):
    xr = require_module("xarray")
    h5netcdf = require_module("h5netcdf")
    w = Writer(tmp_path / "r.h5")
    w.wait_for_flushes(4)
    w.kill()
    n = check_partial(w.partial, min_rows=w.rows, min_events=w.events)
    store = xr.backends.H5NetCDFStore(h5netcdf.File(w.partial, "r", swmr=True),
                                      group="timeseries")
    with xr.open_dataset(store) as ds:
        assert ds.sizes["date"] == n
        assert ds["date"].dtype == np.dtype("datetime64[ns]")
        assert ds["date"].values[0] == np.datetime64("2019-01-01")
        np.testing.assert_array_equal(ds["indicator_2"].values,
                                      expected_value(np.arange(n), 2))


def test_recover_makes_a_killed_file_a_finished_one(tmp_path):
    xr = require_module("xarray")
    require_module("h5netcdf")
    w = Writer(tmp_path / "r.h5")
    w.wait_for_flushes(5)
    w.kill()
    n = check_partial(w.partial, min_rows=w.rows, min_events=w.events)
    out = tmp_path / "recovered.h5"
    assert recover(w.partial, out) == n
    check_complete_file(out, n)
    with h5py.File(out, "r") as f:
        assert f["metadata"].attrs["seed"] == 18446744073709551557
        assert h5py.check_string_dtype(f["events/type"].dtype).length is None  # variable
        ne = f["events/event"].shape[0]
        assert ne >= w.events
        assert list(f["events/type"].asstr()[:]) == ["test_shock"] * ne
    engines = ["h5netcdf"]
    try:
        import netCDF4  # noqa: F401

        engines.append("netcdf4")
    except ImportError:
        pass
    for engine in engines:
        with xr.open_dataset(out, group="timeseries", engine=engine) as ds:
            assert ds.sizes["date"] == n
            assert ds["date"].values[-1] == np.datetime64("2019-01-01") + np.timedelta64(n - 1, "D")
        with xr.open_dataset(out, group="events", engine=engine) as ev:
            assert list(ev["type"].values) == ["test_shock"] * ev.sizes["event"]


def test_h5clear_makes_a_killed_file_open_everywhere(tmp_path):
    xr = require_module("xarray")
    require_module("h5netcdf")
    w = Writer(tmp_path / "r.h5")
    w.wait_for_flushes(3)
    w.kill()
    n = check_partial(w.partial, min_rows=w.rows, min_events=w.events)
    plain_open_refused(w.partial)

    h5clear(w.partial)
    check_complete_file(w.partial, n)
    assert check_partial(w.partial, min_rows=w.rows, min_events=w.events) == n
    engines = ["h5netcdf"]
    try:
        import netCDF4  # noqa: F401

        engines.append("netcdf4")
    except ImportError:
        pass
    for engine in engines:
        with xr.open_dataset(w.partial, group="timeseries", engine=engine) as ds:
            assert ds.sizes["date"] == n
            assert ds["date"].values[-1] == np.datetime64("2019-01-01") + np.timedelta64(n - 1, "D")
            np.testing.assert_array_equal(ds["indicator_0"].values,
                                          expected_value(np.arange(n), 0))


def test_run_ending_without_finish_leaves_a_clean_partial(tmp_path):
    """No kill: the writer's destructor flushes the last rows and closes cleanly."""
    proc = subprocess.run([str(EXE), str(tmp_path / "r.h5"), "--steps", "23", "--sleep-ms", "0",
                           "--flush-every", str(F), "--event-every", str(E),
                           "--indicators", str(K)],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[-1] == "closed rows=23"
    partial = tmp_path / "r.h5.partial"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.h5.partial"]
    with h5py.File(partial, "r") as f:  # plain open: the SWMR flags are cleared
        assert f["timeseries/date"].shape == (23,)
        assert f["events/event"].shape == (8,)  # steps 0, 3, ..., 21
        np.testing.assert_array_equal(f["timeseries/indicator_3"][:],
                                      expected_value(np.arange(23), 3))
