"""The scenario's record: section: which indicators a run records (in memory and
in /timeseries) and on which days; a misspelt name is a readable error."""
import h5py
import numpy as np
import pytest

from conftest import ROOT, require_pfsim, run_pfsim

pfsim = require_pfsim()

BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = f"""extends: {BASELINE}
run: {{days: 10, spinup_days: 0}}
consumers: {{count: 1500}}
smes: {{count: 150}}
"""
SUBSET = ["money_supply", "consumption", "bank_failures"]
RECORD = "record:\n  every_days: 3\n  indicators: [" + ", ".join(SUBSET) + "]\n"


def scenario_file(tmp_path, text, name="run.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same small run recorded in full and with record: (subset, every 3 days)."""
    tmp = tmp_path_factory.mktemp("record")
    out = {}
    for name, text in (("full", SMALL), ("subset", SMALL + RECORD)):
        sim = pfsim.Simulation(scenario_file(tmp, text, f"{name}.yaml"), seed=5, threads=2)
        sim.run()
        path = tmp / f"{name}.h5"
        sim.save(path)
        out[name] = (sim.results, path)
    return out


def test_default_records_every_indicator_every_day(runs):
    res, path = runs["full"]
    assert list(res.names) == list(pfsim.indicators().index)
    assert list(res.days) == list(range(10))
    with h5py.File(path, "r") as f:
        assert set(f["timeseries"]) == set(res.names) | {"date"}


def test_subset_and_sampling_in_memory(runs):
    full, _ = runs["full"]
    res, _ = runs["subset"]
    assert list(res.names) == SUBSET  # in the order given
    assert list(res.days) == [0, 3, 6, 9]
    assert res.units["money_supply"] == "RMB"
    for name in SUBSET:
        # the same values as the full run on the sampled days
        np.testing.assert_array_equal(res[name].to_numpy(), full[name].to_numpy()[::3])


def test_subset_and_sampling_in_the_results_file(runs):
    res, path = runs["subset"]
    with h5py.File(path, "r") as f:
        ts = f["timeseries"]
        assert set(ts) == set(SUBSET) | {"date"}
        assert list(ts["date"][()]) == [0.0, 3.0, 6.0, 9.0]
        np.testing.assert_array_equal(ts["consumption"][()], res["consumption"].to_numpy())
    again = pfsim.open_results(path)
    assert set(again.names) == set(SUBSET)
    assert list(again.days) == [0, 3, 6, 9]
    # the resolved scenario in the file keeps the section
    assert "every_days: 3" in again.metadata["scenario"]


def test_unknown_indicator_is_a_readable_error(tmp_path):
    text = SMALL + "record:\n  indicators: [consumption, money_suply]\n"
    path = scenario_file(tmp_path, text)
    with pytest.raises(pfsim.ScenarioError) as err:
        pfsim.Scenario(path)
    (d,) = err.value.diagnostics
    assert d["key_path"] == "record.indicators[1]"
    assert d["message"] == "unknown indicator 'money_suply' in record.indicators"
    assert d["hint"] == "did you mean 'money_supply'?"
    assert (d["line"], d["column"]) == (6, 29)
    # the CLI prints it as file:line:column: key: message (hint)
    proc = run_pfsim("validate", path, check=False)
    assert proc.returncode != 0
    assert (
        f"{path}:6:29: record.indicators[1]: unknown indicator 'money_suply' in "
        "record.indicators (did you mean 'money_supply'?)" in proc.stderr
    )


def test_bad_sampling_and_keys_are_errors(tmp_path):
    with pytest.raises(pfsim.ScenarioError, match="every_days"):
        pfsim.Scenario(scenario_file(tmp_path, SMALL + "record: {every_days: 0}\n"))
    with pytest.raises(pfsim.ScenarioError, match="did you mean 'indicators'"):
        pfsim.Scenario(scenario_file(tmp_path, SMALL + "record: {indicator: [consumption]}\n"))
    with pytest.raises(pfsim.ScenarioError, match="at least one indicator"):
        pfsim.Scenario(scenario_file(tmp_path, SMALL + "record: {indicators: []}\n"))
