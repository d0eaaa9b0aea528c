"""The results file a `pfsim run` writes: layout, attributes, determinism."""
import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import ROOT, SMALL, run_pfsim

REQUIRED = {
    "consumption": "RMB/day",
    "platform_revenue_payments": "RMB/day",
    "money_supply": "RMB",
    "platform_payment_share": "1",
}


def _str(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def test_layout_and_attributes(small_run):
    with h5py.File(small_run, "r") as f:
        assert _str(f.attrs["Conventions"]).startswith("CF-")
        ts = f["timeseries"]
        date = ts["date"]
        assert _str(date.attrs["units"]) == "days since 2019-01-01"
        assert _str(date.attrs["CLASS"]) == "DIMENSION_SCALE"
        assert date.shape == (120,)
        np.testing.assert_array_equal(date[()], np.arange(120))
        for name, units in REQUIRED.items():
            ds = ts[name]
            assert ds.shape == (120,)
            assert ds.dtype == np.float64
            assert _str(ds.attrs["units"]) == units
            assert len(_str(ds.attrs["description"])) > 10
            assert ds.maxshape == (None,)          # extendable along time
            assert ds.chunks is not None           # chunked
            assert ds.compression == "gzip"        # compressed
            assert ds.dims[0][0].name == date.name  # the date scale is attached
        meta = f["metadata"]
        keys = set(meta.attrs) | set(meta)
        for k in ("scenario", "seed", "threads", "program_version", "git_commit"):
            assert k in keys, k
        scenario = meta["scenario"][()] if "scenario" in meta else meta.attrs["scenario"]
        assert "consumers:" in _str(scenario) and "count: 20000" in _str(scenario)
        assert int(meta.attrs["seed"]) == 3
        assert int(meta.attrs["threads"]) == 2


def test_opens_in_xarray_with_decoded_dates(small_run):
    ds = xr.open_dataset(small_run, group="timeseries", engine="h5netcdf")
    assert np.issubdtype(ds["date"].dtype, np.datetime64)
    assert str(ds["date"].values[0])[:10] == "2019-01-01"
    assert str(ds["date"].values[-1])[:10] == "2019-04-30"
    assert ds["consumption"].attrs["units"] == "RMB/day"
    assert float(ds["consumption"].sum()) > 0
    ds.close()


def _timeseries_bytes(path):
    with h5py.File(path, "r") as f:
        return {name: ds[()].tobytes() for name, ds in f["timeseries"].items()}


@pytest.mark.parametrize("threads", [1, 4])
def test_bytes_identical_for_any_thread_count(small_run, tmp_path, threads):
    out = tmp_path / f"t{threads}.h5"
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", out, "--steps", 120, "--seed", 3,
              "--threads", threads, *SMALL)
    assert _timeseries_bytes(out) == _timeseries_bytes(small_run)


def test_same_seed_same_bytes_other_seed_differs(small_run, tmp_path):
    again = tmp_path / "again.h5"
    other = tmp_path / "other.h5"
    common = ["--steps", 120, "--threads", 2, *SMALL]
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", again, "--seed", 3, *common)
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", other, "--seed", 4, *common)
    assert _timeseries_bytes(again) == _timeseries_bytes(small_run)
    assert _timeseries_bytes(other)["consumption"] != _timeseries_bytes(small_run)["consumption"]


def test_no_partial_left_after_success(small_run):
    assert small_run.exists()
    assert not small_run.with_name(small_run.name + ".partial").exists()
