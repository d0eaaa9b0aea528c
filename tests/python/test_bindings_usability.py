"""The Python API without traps (issue 17): Python-shaped errors naming the
dict key, pfsim.shock_types(), Columns printed as a table, set_population."""
import pytest

from conftest import ROOT, require_pfsim

pfsim = require_pfsim()
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def sim():
    sc = pfsim.Scenario(BASELINE)
    sc.set_population(5000)
    return pfsim.Simulation(sc, seed=1, threads=2)


def test_apply_shock_errors_name_the_dict_key(sim):
    with pytest.raises(pfsim.ScenarioError) as err:
        sim.apply_shock({"type": "cofunding_floor", "shar": 0.3})
    text = str(err.value)
    assert "shock['shar']: unknown parameter 'shar'" in text and "did you mean 'share'" in text
    assert "<apply_shock>" not in text and "events[" not in text
    assert "shar" in [d["key_path"] for d in err.value.diagnostics]  # the dict key
    with pytest.raises(pfsim.ScenarioError, match=r"shock\['share'\]: value 40 .*0\.4 for 40%"):
        sim.apply_shock({"type": "cofunding_floor", "share": 40})
    with pytest.raises(pfsim.ScenarioError, match=r"shock\['when'\]: unknown indicator 'step_'"):
        sim.apply_shock({"type": "policy_rate", "rate": 0.02, "when": "step_ > 3"})
    with pytest.raises(pfsim.ScenarioError, match=r"^shock\['type'\]: unknown shock type 'data_sharing' "
                                                  r"\(did you mean 'data_sharing_mandate'\?\)"):
        sim.apply_shock({"type": "data_sharing", "shared_fraction": 0.5})


def test_scenario_override_errors_are_python_shaped():
    sc = pfsim.Scenario(BASELINE)
    with pytest.raises(pfsim.ScenarioError) as err:
        sc["consumers.count"] = -1
    assert str(err.value).startswith("scenario['consumers.count']: value -1 is out of range")
    assert "--set" not in str(err.value)
    with pytest.raises(pfsim.ScenarioError, match=r"scenario\['platform.own_funding_share'\].*0\.3 for 30%"):
        sc["platform.own_funding_share"] = 30


def test_shock_types_lists_fields_units_and_ranges():
    table = pfsim.shock_types()
    row = table.loc[("cofunding_floor", "share")]
    assert row["unit"] == "share" and row["min"] == 0 and row["max"] == 1 and bool(row["required"])
    assert "ipo_halt" in table.index.get_level_values(0)
    assert "co-lend" in table.attrs["help"]["cofunding_floor"]
    assert table.attrs["phase_in"]["cofunding_floor"] is True
    assert "cofunding_floor" in repr(table)


def test_columns_print_as_a_table(sim):
    cols = sim.consumers.columns
    text = repr(cols)
    first, rule = text.splitlines()[:2]
    assert first.split() == ["name", "unit", "dtype", "writable", "description"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(text.splitlines()) == len(cols) + 2
    assert isinstance(cols, tuple) and isinstance(cols[0], pfsim.ColumnInfo)
    df = cols.to_pandas()
    assert list(df.index) == [c.name for c in cols] and "unit" in df.columns
    assert "<table" in cols._repr_html_()


def test_set_population_keeps_the_economy():
    sc = pfsim.Scenario(BASELINE)
    people = sc["consumers.count"] * sc["run.scale"]
    smes = sc["smes.count"] / sc["consumers.count"]
    sc.set_population(20_000)
    assert sc["consumers.count"] == 20_000
    assert sc["consumers.count"] * sc["run.scale"] == pytest.approx(people)
    assert sc["smes.count"] / sc["consumers.count"] == pytest.approx(smes)
    assert sc.overrides["run.scale"] == "50000"
    with pytest.raises(pfsim.ScenarioError, match=r"scenario\['consumers.count'\].*out of range"):
        sc.set_population(0)
    assert sc["consumers.count"] == 20_000  # unchanged on error


def test_scenario_checks_indicator_names_in_one_pass():
    text = "look_at: [consumptoin]\nconsumers: {count: -1}\n"
    with pytest.raises(pfsim.ScenarioError) as err:
        pfsim.Scenario.from_yaml(text)
    messages = [d["message"] for d in err.value.diagnostics]
    assert any("unknown indicator 'consumptoin' in look_at" in m for m in messages)
    assert any("out of range" in m for m in messages)
    sc = pfsim.Scenario.from_yaml("look_at: [consumption]\n")
    assert "look_at:\n  - consumption" in sc.to_yaml()


def test_look_at_and_money_in_rmb(sim):
    sc = pfsim.Scenario(ROOT / "scenarios" / "classroom_bank_failure.yaml")
    assert "bank_failures" in sc.look_at and all(isinstance(n, str) for n in sc.look_at)
    assert pfsim.Scenario.from_yaml(sc.to_yaml()).look_at == sc.look_at  # kept in the resolved text
    assert pfsim.FEN_PER_RMB == 100 and pfsim.fen_to_rmb(12345) == 123.45
    deposits = sim.consumers.deposit
    scale = sim.scenario["run.scale"]
    rmb = pfsim.fen_to_rmb(deposits, scale)
    assert rmb.dtype == "float64" and rmb.shape == deposits.shape
    # the indicators' conversion: fen / 100 × run.scale, in double precision
    assert rmb[0] == deposits[0] / 100.0 * scale
