"""Layout of a finished results file (docs/results-format.md), as h5py, xarray and
pandas users see it. The file is written by `pfsim_kill_writer --finish`
(tests/record/kill_writer.cpp): step s has day s, indicator k = s*1000 + k + 0.25,
and every E steps an event.

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/python/test_results_layout_writer.py
The writer is found as $PFSIM_BUILD_DIR/bin/pfsim_kill_writer (default: build/).
"""

import json
import subprocess

import pytest

from conftest import require_built, require_module

np = require_module("numpy")
h5py = require_module("h5py")

EXE = require_built("pfsim_kill_writer")

pytestmark = [
    # Debian's netCDF4 module warns about numpy's C ABI on import; not our concern.
    pytest.mark.filterwarnings("ignore:numpy.ndarray size changed"),
]

STEPS, K, F, E = 40, 3, 7, 5
START = np.datetime64("2019-01-01")


def expected_value(step, k):
    return step * 1000.0 + k + 0.25


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("layout") / "results.h5"
    proc = subprocess.run([str(EXE), str(out), "--steps", str(STEPS), "--indicators", str(K),
                           "--flush-every", str(F), "--event-every", str(E), "--sleep-ms", "0",
                           "--finish"], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[-1] == f"finished rows={STEPS}"
    return out


def text(value):
    """Fixed-length string attributes come back from h5py as numpy.bytes_."""
    return value.decode() if isinstance(value, bytes) else value


def test_only_the_final_file_remains(results):
    assert sorted(p.name for p in results.parent.iterdir()) == ["results.h5"]


def test_plain_h5py_open_and_root_attributes(results):
    with h5py.File(results, "r") as f:  # no swmr=True needed once finished
        assert text(f.attrs["Conventions"]) == "CF-1.8"
        assert text(f.attrs["pfsim_version"]) == "0.1.0-test"
        assert text(f.attrs["title"])
        assert sorted(f) == ["events", "metadata", "timeseries"]


def test_time_coordinate_is_a_dimension_scale(results):
    with h5py.File(results, "r") as f:
        date = f["timeseries/date"]
        assert h5py.h5ds.is_scale(date.id)
        assert text(date.attrs["NAME"]) == "date"
        assert text(date.attrs["units"]) == "days since 2019-01-01"
        assert text(date.attrs["calendar"]) == "proleptic_gregorian"
        assert date.dtype == np.float64
        # The coordinate is sized exactly (data variables stay extendable): netCDF
        # readers size an unlimited dimension by asking every attached variable.
        assert date.maxshape == (STEPS,)
        np.testing.assert_array_equal(date[:], np.arange(STEPS, dtype=float))
        # Fixed-length (not variable-length) strings: what netCDF calls NC_CHAR.
        assert h5py.check_string_dtype(date.attrs.get_id("units").dtype).length is not None


def test_indicator_datasets(results):
    with h5py.File(results, "r") as f:
        ts = f["timeseries"]
        assert sorted(ts) == ["date"] + [f"indicator_{k}" for k in range(K)]
        for k in range(K):
            ds = ts[f"indicator_{k}"]
            assert ds.dtype == np.float64 and ds.shape == (STEPS,)
            assert ds.maxshape == (None,) and ds.chunks == (1024,)  # extendable along time
            assert ds.compression == "gzip" and ds.compression_opts == 4 and ds.shuffle
            assert np.isnan(ds.fillvalue) and np.isnan(ds.attrs["_FillValue"])
            assert text(ds.attrs["units"]) == ("RMB" if k % 2 == 0 else "1")
            assert text(ds.attrs["long_name"]) == f"indicator {k}"
            assert text(ds.attrs["description"]) == f"Test indicator number {k}."
            assert [scale.name for scale in ds.dims[0].values()] == ["/timeseries/date"]
            np.testing.assert_array_equal(ds[:], expected_value(np.arange(STEPS), k))


def test_events_table(results):
    steps = list(range(0, STEPS, E))
    with h5py.File(results, "r") as f:
        ev = f["events"]
        np.testing.assert_array_equal(ev["event"][:], np.arange(len(steps)))
        np.testing.assert_array_equal(ev["day"][:], steps)
        assert text(ev["day"].attrs["units"]) == "days since 2019-01-01"
        for name in ("type", "parameters", "condition"):
            # variable-length UTF-8 in the finished file
            assert h5py.check_string_dtype(ev[name].dtype).length is None
        assert list(ev["type"].asstr()[:]) == ["test_shock"] * len(steps)
        params = [json.loads(p) for p in ev["parameters"].asstr()[:]]
        assert params == [{"step": s, "label": "päivä"} for s in steps]
        assert list(ev["condition"].asstr()[:]) == [f"s % {E} == 0" if s % 2 else ""
                                                    for s in steps]


def test_metadata(results):
    with h5py.File(results, "r") as f:
        md = f["metadata"]
        assert md.attrs["scenario_path"] == "tests/record/kill_writer.yaml"  # str, not bytes
        assert md.attrs["seed"] == 18446744073709551557
        assert md.attrs["seed"].dtype == np.uint64
        assert md.attrs["threads"] == 2
        assert md.attrs["program_version"] == "0.1.0-test"
        assert md.attrs["git_commit"] == "0123456789ab"
        assert md.attrs["start_date"] == "2019-01-01"
        assert md.attrs["results_format_version"] == 2  # 2: node_kind is an enum
        scenario = md["scenario"].asstr()[()]
        assert isinstance(scenario, str)
        assert scenario.startswith("# kill_writer scenario") and "kill test ä" in scenario


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_timeseries(results, engine):
    xr = require_module("xarray")
    require_module("h5netcdf" if engine == "h5netcdf" else "netCDF4")
    with xr.open_dataset(results, group="timeseries", engine=engine) as ds:
        assert dict(ds.sizes) == {"date": STEPS}
        assert ds["date"].dtype == np.dtype("datetime64[ns]")
        np.testing.assert_array_equal(ds["date"].values,
                                      START + np.arange(STEPS).astype("timedelta64[D]"))
        assert ds["date"].encoding["units"] == "days since 2019-01-01"
        assert ds["date"].encoding["calendar"] == "proleptic_gregorian"
        assert sorted(ds.data_vars) == [f"indicator_{k}" for k in range(K)]
        assert ds["indicator_0"].attrs["units"] == "RMB"
        assert ds["indicator_1"].attrs["long_name"] == "indicator 1"
        np.testing.assert_array_equal(ds["indicator_2"].values,
                                      expected_value(np.arange(STEPS), 2))
        value = ds["indicator_1"].sel(date="2019-01-05").item()
        assert value == expected_value(4, 1)


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_events_and_metadata(results, engine):
    xr = require_module("xarray")
    require_module("h5netcdf" if engine == "h5netcdf" else "netCDF4")
    steps = list(range(0, STEPS, E))
    with xr.open_dataset(results, group="events", engine=engine) as ev:
        ev.load()
        assert dict(ev.sizes) == {"event": len(steps)}
        np.testing.assert_array_equal(ev["day"].values,
                                      START + np.array(steps).astype("timedelta64[D]"))
        assert list(ev["type"].values) == ["test_shock"] * len(steps)
        assert json.loads(ev["parameters"].values[1]) == {"step": E, "label": "päivä"}
    with xr.open_dataset(results, group="metadata", engine=engine) as md:
        assert "kill_writer scenario" in str(md["scenario"].values)
        assert md.attrs["start_date"] == "2019-01-01"
        assert int(md.attrs["seed"]) == 18446744073709551557


def test_pandas_dataframe(results):
    xr = require_module("xarray")
    pd = require_module("pandas")
    with xr.open_dataset(results, group="timeseries", engine="h5netcdf") as ds:
        df = ds.to_dataframe()
    assert isinstance(df.index, pd.DatetimeIndex)
    assert list(df.columns) == [f"indicator_{k}" for k in range(K)]
    assert df.loc[pd.Timestamp("2019-01-10"), "indicator_0"] == expected_value(9, 0)
