"""pfsim results from Python: tables, results files (save, streaming, partial),
xarray, replay and determinism."""
import datetime
import json

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import ROOT, require_pfsim

pfsim = require_pfsim()

BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = {"consumers.count": 5000, "smes.count": 500, "run.days": 40}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A 40-day run with one column write, saved with sim.save()."""
    sim = pfsim.Simulation(pfsim.Scenario(BASELINE, SMALL), seed=11, threads=2)
    sim.step(20)
    sim.smes.accepts_platform = 0
    sim.run()
    path = tmp_path_factory.mktemp("results") / "run.h5"
    assert sim.save(path) == str(path)
    return sim, path


def test_to_pandas_and_to_xarray_carry_dates_and_units(finished):
    sim, _ = finished
    res = sim.results
    table = pfsim.indicators()
    df = res.to_pandas()
    assert list(df.columns) == list(table.index) == list(res.names)
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "date"
    assert df.index[0] == pd.Timestamp("2019-01-01") and len(df) == 40
    assert df.attrs["units"] == table["units"].to_dict()
    assert df.attrs["units"]["consumption"] == "RMB/day"
    assert (df["consumption"] > 0).all()
    ds = res.to_xarray()
    assert ds["money_supply"].attrs["units"] == "RMB"
    assert np.issubdtype(ds["date"].dtype, np.datetime64)
    np.testing.assert_array_equal(ds["consumption"].values, df["consumption"].values)
    series = res["platform_payment_share"]
    assert series.attrs["units"] == "1" and series.index.equals(df.index)
    # No merchant accepts the platform after day 20, except firms that enter
    # later (an entrant draws its own acceptance).
    entered = df["sme_entries"].iloc[20:].cumsum()
    assert ((series.iloc[20:] == 0) | (entered > 0)).all()
    assert series.iloc[20] == 0


def test_saved_file_reads_back_equal(finished):
    sim, path = finished
    live, saved = sim.results, pfsim.open_results(path)
    pd.testing.assert_frame_equal(live.to_pandas(), saved.to_pandas())
    assert live.to_pandas().attrs == saved.to_pandas().attrs
    xr.testing.assert_identical(live.to_xarray(), saved.to_xarray())
    assert saved.seed == 11 and int(saved.metadata["threads"]) == 2
    assert saved.scenario == live.scenario == sim.scenario.to_yaml()
    assert saved.interventions == sim.interventions
    kinds = [i["type"] for i in saved.interventions]
    assert kinds.count("scenario_override") == 3 and kinds[-1] == "column_write"
    assert saved.interventions[-1]["day"] == 20
    assert len(saved.events) == 0 and list(saved.events.columns)[:2] == ["date", "type"]
    with h5py.File(path, "r") as f:  # what is stored, for other readers
        stored = json.loads(f["metadata/interventions"][()])
    assert stored == sim.interventions


def test_results_file_opens_in_xarray_with_dates_and_units(finished):
    sim, path = finished
    with xr.open_dataset(path, group="timeseries", engine="h5netcdf") as ds:
        assert np.issubdtype(ds["date"].dtype, np.datetime64)
        assert str(ds["date"].values[0])[:10] == "2019-01-01"
        assert str(ds["date"].values[-1])[:10] == "2019-02-09"
        assert ds["consumption"].attrs["units"] == "RMB/day"
        for name, units in sim.results.units.items():
            assert ds[name].attrs["units"] == units, name
        xr.testing.assert_equal(ds.load(), sim.results.to_xarray())


def test_replay_from_the_file_gives_the_same_run(finished, tmp_path):
    sim, path = finished
    saved = pfsim.open_results(path)
    # The scenario text alone does not repeat the column write: replay it too.
    replay = pfsim.Simulation(
        pfsim.Scenario.from_yaml(saved.scenario), seed=saved.seed, threads=1
    )
    for step in saved.interventions:
        if step["type"] == "column_write":
            replay.step(step["day"] - replay.days_done)
            assert (step["store"], step["column"]) == ("smes", "accepts_platform")
            replay.smes.accepts_platform = 0
    replay.run()
    pd.testing.assert_frame_equal(replay.results.to_pandas(), saved.to_pandas())


def test_streaming_out_renames_at_the_end(tmp_path):
    out = tmp_path / "stream.h5"
    partial = tmp_path / "stream.h5.partial"
    sim = pfsim.Simulation(pfsim.Scenario(BASELINE, SMALL), seed=5, out=out)
    assert sim.out == str(out)
    sim.step(10)
    assert partial.exists() and not out.exists()
    sim.run()  # the scenario's last day: the file is finished
    assert out.exists() and not partial.exists() and sim.out is None
    r = pfsim.open_results(out)
    assert len(r) == 40 and r.interventions == sim.interventions
    pd.testing.assert_frame_equal(r.to_pandas(), sim.results.to_pandas())
    with pytest.raises(RuntimeError, match="streams"):
        with pfsim.Simulation(
            pfsim.Scenario(BASELINE, SMALL), out=tmp_path / "b.h5"
        ) as other:
            other.save(tmp_path / "c.h5")


def test_context_manager_closes_and_an_abandoned_stream_leaves_a_full_partial(tmp_path):
    with pfsim.Simulation(
        pfsim.Scenario(BASELINE, SMALL), seed=5, out=tmp_path / "a.h5"
    ) as sim:
        sim.step(7)
    assert len(pfsim.open_results(tmp_path / "a.h5")) == 7

    sim = pfsim.Simulation(
        pfsim.Scenario(BASELINE, SMALL), seed=5, out=tmp_path / "b.h5"
    )
    sim.step(13)  # fewer than run.flush_every_steps (30): nothing flushed yet
    expected = sim.results.to_pandas()
    del sim  # never closed: the .partial is completed when the simulation is freed
    r = pfsim.open_results(tmp_path / "b.h5")  # falls back to b.h5.partial
    assert r.source.endswith("b.h5.partial")
    pd.testing.assert_frame_equal(r.to_pandas(), expected)


def test_save_to_an_unwritable_place_is_a_scenario_error(tmp_path):
    sim = pfsim.Simulation(pfsim.Scenario(BASELINE, SMALL))
    with pytest.raises(pfsim.ScenarioError, match="does not exist"):
        sim.save(tmp_path / "no" / "such" / "dir.h5")
    sim.step(1)
    assert len(pfsim.open_results(sim.save(tmp_path / "ok.h5"))) == 1


def test_same_seed_same_bytes_for_one_and_two_threads():
    def run(threads, seed=3):
        sim = pfsim.Simulation(
            pfsim.Scenario(BASELINE, SMALL), seed=seed, threads=threads
        )
        sim.run(until="2019-02-03")
        arrays = {
            f"{s}.{c.name}": getattr(sim, s)[c.name].copy()
            for s in sim.stores
            for c in getattr(sim, s).columns
        }
        return sim.results.to_pandas(), arrays, sim.ledger.accounts()

    df1, cols1, acc1 = run(threads=1)
    df2, cols2, acc2 = run(threads=2)
    pd.testing.assert_frame_equal(df1, df2, check_exact=True)
    assert cols1.keys() == cols2.keys()
    for name in cols1:
        assert cols1[name].tobytes() == cols2[name].tobytes(), name
    pd.testing.assert_frame_equal(acc1, acc2)
    df3, cols3, _ = run(threads=2, seed=4)
    assert (
        not cols3["consumers.deposit"].tobytes() == cols1["consumers.deposit"].tobytes()
    )
    assert not df3.equals(df1)


def test_results_of_a_fresh_simulation_are_empty():
    sim = pfsim.Simulation(pfsim.Scenario(BASELINE, SMALL))
    res = sim.results
    assert (
        len(res) == 0
        and len(res.to_pandas()) == 0
        and res.to_xarray().sizes["date"] == 0
    )
    assert res.start_date == datetime.date(2019, 1, 1)
    assert "no rows yet" in repr(res)


def test_open_results_reads_a_cli_run(small_run):
    r = pfsim.open_results(small_run)  # written by `pfsim run` (conftest.small_run)
    assert len(r) == 120 and r.seed == 3 and int(r.metadata["threads"]) == 2
    assert r.interventions == []
    assert pfsim.Scenario.from_yaml(r.scenario)["consumers.count"] == 20000
    with xr.open_dataset(small_run, group="timeseries", engine="h5netcdf") as ds:
        xr.testing.assert_equal(ds.load(), r.to_xarray())
