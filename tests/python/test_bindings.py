"""The pfsim Python module: scenarios, stepping, views, ledger, errors, API.

Results and files are in test_bindings_results.py; threads, the GIL and Ctrl-C
in test_bindings_threads.py.
"""
import ast
import datetime
import gc
import json
import pathlib
import pydoc
import sys
import types
import weakref

import numpy as np
import pandas as pd
import pytest

from conftest import PYDIR, ROOT, require_pfsim

pfsim = require_pfsim()
from pfsim import _core  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = {"consumers.count": 5000, "smes.count": 500, "run.days": 60}


@pytest.fixture
def sc():
    return pfsim.Scenario(BASELINE, SMALL)


@pytest.fixture
def sim(sc):
    return pfsim.Simulation(sc, seed=7, threads=2)


def test_imported_from_the_build_dir():
    assert pathlib.Path(pfsim.__file__).parent == PYDIR / "pfsim"
    assert pathlib.Path(_core.__file__).parent == PYDIR / "pfsim"
    assert pfsim.__version__ == _core.__version__


# -- scenarios --


TINY = """
run: {name: tiny, start_date: 2020-03-01, days: 10}
consumers: {count: 1234, mpc_income: 0.6}
banks:
  tiers:
    - {name: big, count: 2, deposit_share: 0.6, capital_ratio: 0.1, reserve_ratio: 0.1}
    - {name: small, count: 5, deposit_share: 0.4, capital_ratio: 0.08, reserve_ratio: 0.09}
"""


def test_scenario_reads_resolved_values_by_key_path(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    sc = pfsim.Scenario(path)
    assert sc.source == str(path)
    assert sc["consumers.count"] == 1234
    assert sc["run.start_date"] == datetime.date(2020, 3, 1)
    assert sc["consumers.mpc_income"] == pytest.approx(0.6)
    default_fee = float(pfsim.schema().loc["platform.merchant_fee_rate", "default"])
    assert sc["platform.merchant_fee_rate"] == pytest.approx(default_fee)
    assert [t["name"] for t in sc["banks.tiers"]] == ["big", "small"]
    assert sc["banks.tiers[1].count"] == 5
    assert sc["banks.tiers[0]"]["capital_ratio"] == pytest.approx(0.1)
    assert sc["consumers"]["count"] == 1234
    assert "consumers.count" in sc and "consumers.cuont" not in sc
    assert "banks.tiers[1].reserve_ratio" in sc.keys()
    assert "banks.tiers[2].reserve_ratio" not in sc.keys()
    assert set(sc.to_dict()) >= {"run", "consumers", "smes", "banks", "platform"}
    assert sc.end_date == datetime.date(2020, 3, 11)
    with pytest.raises(KeyError, match="consumers.cuont"):
        sc["consumers.cuont"]
    with pytest.raises(KeyError, match="out of range"):
        sc["banks.tiers[7].count"]


def test_override_is_validated_at_once_and_rejected_overrides_change_nothing():
    sc = pfsim.Scenario(BASELINE)
    sc["consumers.count"] = 20_000
    sc["consumers.count"] = np.int64(
        30_000
    )  # numpy scalars work; the latest override wins
    sc["banks.tiers[0].capital_ratio"] = 0.1
    sc["run.start_date"] = datetime.date(2020, 2, 29)
    sc["run.name"] = "a: name with YAML syntax"
    sc["smes.count"] = 2000.0  # an integral float is accepted for an integer
    assert sc["consumers.count"] == 30_000
    assert sc["banks.tiers[0].capital_ratio"] == pytest.approx(0.1)
    assert sc["run.start_date"] == datetime.date(2020, 2, 29)
    assert sc["run.name"] == "a: name with YAML syntax"
    assert "count: 30000" in sc.to_yaml()
    assert list(sc.overrides) == [
        "consumers.count",
        "banks.tiers[0].capital_ratio",
        "run.start_date",
        "run.name",
        "smes.count",
    ]

    with pytest.raises(pfsim.ScenarioError) as err:
        sc["consumers.count"] = -5
    assert sc["consumers.count"] == 30_000  # unchanged
    (d,) = err.value.diagnostics
    assert d["key_path"] == "consumers.count" and "out of range" in d["message"]
    assert "out of range" in str(err.value)

    with pytest.raises(pfsim.ScenarioError, match="did you mean 'consumers.count'"):
        sc["consumers.cuont"] = 5
    with pytest.raises(pfsim.ScenarioError, match="finite"):
        sc["consumers.mpc_income"] = float("nan")
    with pytest.raises(pfsim.ScenarioError, match="date"):
        sc["run.start_date"] = "2019-02-30"
    with pytest.raises(pfsim.ScenarioError):
        sc["banks.tiers[9].count"] = 1
    with pytest.raises(TypeError):
        sc["consumers.count"] = [1, 2]
    assert sc.to_yaml() == pfsim.Scenario.from_yaml(sc.to_yaml()).to_yaml()


def test_scenario_file_errors_list_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("consumers:\n  count: -3\n  mpc_incme: 0.5\n")
    with pytest.raises(pfsim.ScenarioError) as err:
        pfsim.Scenario(bad)
    e = err.value
    assert isinstance(e, ValueError) and isinstance(e, pfsim.Error)
    assert len(e.diagnostics) == 2
    assert len(str(e).splitlines()) == 2
    by_key = {d["key_path"]: d for d in e.diagnostics}
    assert by_key["consumers.count"]["line"] == 2
    assert by_key["consumers.count"]["column"] > 0
    assert by_key["consumers.count"]["file"] == str(bad)
    assert "did you mean 'mpc_income'" in by_key["consumers.mpc_incme"]["hint"]
    assert set(e.diagnostics[0]) == {
        "file",
        "line",
        "column",
        "key_path",
        "message",
        "hint",
    }

    with pytest.raises(pfsim.ScenarioError, match="cannot open"):
        pfsim.Scenario(tmp_path / "missing.yaml")
    with pytest.raises(pfsim.ScenarioError, match="invalid YAML"):
        pfsim.Scenario.from_yaml("consumers: [", source="inline")


def test_scenario_from_yaml_defaults_and_copies(sc):
    again = pfsim.Scenario.from_yaml(sc.to_yaml())
    assert again == sc and again.source == "<string>"
    default_count = int(pfsim.schema().loc["consumers.count", "default"])
    assert pfsim.Scenario.defaults()["consumers.count"] == default_count
    other = sc.copy()
    other["consumers.count"] = 6000
    assert sc["consumers.count"] == 5000
    assert repr(sc).startswith("<pfsim.Scenario 'baseline'")
    table = pfsim.schema()
    assert (
        "consumers.count" in table.index
        and table.loc["consumers.count", "type"] == "integer"
    )


def test_errors_keep_the_cpp_message():
    with pytest.raises(pfsim.InternalError, match="^ledger broke$"):
        _core._test_raise("internal", "ledger broke")
    with pytest.raises(pfsim.InternalError, match="^money overflow$"):
        _core._test_raise("overflow", "money overflow")
    with pytest.raises(pfsim.ScenarioError) as err:
        _core._test_raise("user", "bad count")
    assert str(err.value) == "test.yaml:3:7: consumers.count: bad count (a hint)"
    assert err.value.diagnostics[0]["line"] == 3
    assert issubclass(pfsim.InternalError, RuntimeError)
    assert pfsim.ScenarioError.__module__ == "pfsim"


# -- stepping and the calendar --


def test_step_run_and_the_date_convention(sim):
    start = datetime.date(2019, 1, 1)
    assert sim.date == sim.start_date == start
    assert sim.end_date == start + datetime.timedelta(days=60)
    assert sim.step(30) == 30
    assert sim.date == start + datetime.timedelta(days=30) and sim.days_done == 30
    assert len(sim.results) == 30
    assert sim.results.dates[-1].date() == sim.date - datetime.timedelta(days=1)
    assert sim.run(until="2019-02-15") == 16
    assert sim.date == datetime.date(2019, 2, 16)
    assert sim.run(until=datetime.date(2019, 2, 15)) == 0
    with pytest.raises(ValueError, match="already simulated"):
        sim.run(until="2019-01-05")
    assert sim.run() == 14  # to the scenario's end (60 days)
    assert sim.days_remaining == 0 and sim.date == sim.end_date
    assert sim.step(2) == 2  # stepping past the scenario's end is allowed
    assert sim.days_done == 62 and sim.days_remaining == 0
    with pytest.raises(ValueError):
        sim.step(-1)


def test_constructor_arguments(sc):
    assert pfsim.Simulation(sc).seed == 1  # the scenario's run.seed
    assert (
        pfsim.Simulation(BASELINE, seed=3, threads=1).threads == 1
    )  # a path works too
    with pytest.raises(ValueError, match="seed"):
        pfsim.Simulation(sc, seed=2**60)
    with pytest.raises(ValueError, match="threads"):
        pfsim.Simulation(sc, threads=-1)
    with pytest.raises(ValueError, match="audit"):
        pfsim.Simulation(sc, audit="sometimes")
    with pytest.raises(TypeError, match="Scenario"):
        _core.Simulation(object(), 1)


def test_progress_line_without_tqdm(sim, capsys, monkeypatch):
    monkeypatch.setitem(
        sys.modules, "tqdm", None
    )  # as if python3-tqdm were not installed
    sim.run(until="2019-01-10", progress=True)
    err = capsys.readouterr().err
    assert "pfsim [" in err and "100%" in err and "10/10 days" in err


def test_progress_uses_tqdm_when_available(sim, monkeypatch):
    seen = {}

    class FakeTqdm:
        def __init__(self, total, **kwargs):
            seen["total"], seen["n"] = total, 0

        def update(self, n):
            seen["n"] += n

        def set_postfix_str(self, s, refresh=True):
            seen["postfix"] = s

        def close(self):
            seen["closed"] = True

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeTqdm))
    sim.run(until="2019-01-20", progress=True)
    assert seen == {"total": 20, "n": 20, "postfix": "2019-01-21", "closed": True}


# -- agent stores as numpy views --


def test_views_are_zero_copy_live_and_read_only(sim):
    a = sim.consumers.deposit
    b = sim.consumers["deposit"]
    assert np.shares_memory(a, b)
    assert a.dtype == np.int64 and len(a) == 5000 and not a.flags.owndata
    assert not a.flags.writeable  # a ledger balance
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 1
    before = a.copy()
    sim.step(31)  # includes a payday
    assert not np.array_equal(a, before)  # the same view shows the new state
    np.testing.assert_array_equal(a, sim.consumers.to_pandas()["deposit"].to_numpy())
    assert not sim.consumers.platform_adoption.flags.writeable  # read-only unless asked


def test_writable_columns_reach_the_engine_and_are_recorded(sim):
    w = sim.consumers.writable("platform_adoption")
    assert w.flags.writeable and np.shares_memory(w, sim.consumers.platform_adoption)
    w[:] = 0.0  # nobody pays by platform any more
    sim.step(5)
    assert sim.results["platform_payment_volume"].iloc[-5:].eq(0).all()
    sim.consumers.platform_adoption = 1.0  # assignment goes through writable()
    sim.step(5)
    assert sim.results["platform_payment_volume"].iloc[-1] > 0
    writes = [i for i in sim.interventions if i["type"] == "column_write"]
    assert [(i["store"], i["column"], i["day"]) for i in writes] == [
        ("consumers", "platform_adoption", 0),
        ("consumers", "platform_adoption", 5),
    ]
    with pytest.raises(ValueError, match="ledger balance"):
        sim.consumers.writable("deposit")
    with pytest.raises(ValueError, match="structural"):
        sim.consumers.writable("employer")
    with pytest.raises(ValueError, match="structural"):
        sim.smes.employee_count = 0


def test_views_outlive_the_simulation(sc):
    sim = pfsim.Simulation(sc, seed=7, threads=2)
    sim.step(3)
    deposit = sim.consumers.deposit
    bank_nw = sim.ledger.net_worth("bank")
    expected = deposit.copy(), bank_nw.copy()
    alive = weakref.ref(sim)
    del sim
    gc.collect()
    assert alive() is None  # the Python object is gone; the views keep the engine alive
    np.testing.assert_array_equal(deposit, expected[0])
    np.testing.assert_array_equal(bank_nw, expected[1])
    assert int(deposit.sum()) == int(expected[0].sum())
    del deposit
    gc.collect()
    np.testing.assert_array_equal(bank_nw, expected[1])


def test_every_store_and_column_comes_from_the_registry(sim):
    assert sim.stores == tuple(_core.store_names())
    assert {"consumers", "smes", "banks", "platforms"} <= set(sim.stores)
    for name in sim.stores:
        store = getattr(sim, name)
        assert isinstance(store, pfsim.Store) and store.name == name
        infos = store.columns
        assert infos, name
        for c in infos:
            v = store[c.name]
            assert v.dtype == c.dtype and v.shape == (len(store),)
            assert not v.flags.writeable
            assert c.writable == (
                not c.from_ledger and c.unit not in ("id", "index", "count")
            )
        df = store.to_pandas()
        assert list(df.columns) == [c.name for c in infos]
        assert df.attrs["units"] == store.units
    assert "deposit" in dir(sim.consumers) and "consumers" in dir(sim)
    with pytest.raises(AttributeError, match="stores: consumers"):
        sim.no_such_store
    if "funds" not in sim.stores:
        with pytest.raises(AttributeError, match="not an agent store"):
            sim.funds
        with pytest.raises(KeyError, match="funds"):
            sim.store("funds")
    with pytest.raises(AttributeError, match="has no column 'wealth'"):
        sim.consumers.wealth


# -- the ledger --


def test_ledger_accounts_are_balance_sheets(sim):
    sim.step(10)
    ledger = sim.ledger
    books = ledger.books()
    assert "consumer.deposit" in books.index
    assert (
        not books["instrument"].str.startswith("instrument_").any()
    ), "name new instruments"
    acc = ledger.accounts()
    assert len(acc) == 2 * int(books["rows"].sum())
    assert acc["balance"].dtype == np.int64
    assert set(acc["side"].unique()) == {"asset", "liability"}
    sides = acc.groupby(["book", "side"], observed=True)["balance"].sum().unstack()
    assert (sides["asset"] == sides["liability"]).all()  # double entry
    # Every agent's assets − liabilities is its net worth, exactly.
    signed = acc["balance"].where(acc["side"] == "asset", -acc["balance"])
    equity = signed.groupby([acc["owner_kind"], acc["owner"]], observed=True).sum()
    for kind in ledger.kinds:
        nw = ledger.net_worth(kind)
        got = (
            equity.xs(kind, level="owner_kind")
            if kind in equity.index.levels[0]
            else None
        )
        expected = np.zeros(len(nw), dtype=np.int64)
        if got is not None and len(got):
            expected[got.index.to_numpy()] = got.to_numpy()
        np.testing.assert_array_equal(nw, expected, err_msg=kind)
    mine = acc[(acc["book"] == "consumer.deposit") & (acc["side"] == "asset")]
    np.testing.assert_array_equal(mine["balance"].to_numpy(), sim.consumers.deposit)
    assert ledger.audit() == []
    with pytest.raises(KeyError, match="kinds"):
        ledger.net_worth("alien")


def test_apply_shock_fires_on_the_next_day_and_is_recorded(sim, tmp_path):
    sim.step(5)
    fine_yuan = 2.0e6
    sim.apply_shock({"type": "antitrust_fine", "yuan": fine_yuan})
    assert sim.events.empty  # fires when the next day runs
    sim.step(1)
    ev = sim.events
    assert list(ev["type"]) == ["antitrust_fine"]
    assert ev["condition"].iloc[0] == "intervention"
    assert ev["date"].iloc[0] == pd.Timestamp(sim.start_date) + pd.Timedelta(days=5)
    assert json.loads(ev["parameters"].iloc[0])["yuan"] == fine_yuan
    fines = sim.results.to_pandas()["platform_fines"]
    assert fines.iloc[-1] == pytest.approx(fine_yuan, rel=1e-9)
    assert sim.interventions[-1]["type"] == "shock"
    path = sim.save(tmp_path / "r.h5")
    saved = pfsim.open_results(path)
    assert list(saved.events["type"]) == ["antitrust_fine"]
    assert saved.events["condition"].iloc[0] == "intervention"


def test_regional_breakdown_from_the_views_follows_a_regional_shock(sc):
    """The docs/python.md recipe: bank loans by the borrower's region."""
    sim = pfsim.Simulation(sc, seed=7, threads=2)  # the baseline has 31 regions
    sim.step(30)
    c = sim.consumers
    assert c.region.dtype == np.uint16 and c.region.max() == 30
    assert np.all(np.diff(c.region.astype(int)) >= 0)  # grouped by region
    before = np.bincount(c.region, weights=c.bank_loan, minlength=31)
    assert before.sum() == pytest.approx(c.bank_loan.sum())
    sim.apply_shock({"type": "house_price_shock", "change": -0.9, "region": 0})
    with pytest.raises(Exception, match="region 31 does not exist"):
        sim.apply_shock({"type": "house_price_shock", "change": -0.1, "region": 31})
    sim.step(25)
    ts = sim.results.to_pandas()
    assert ts["house_price_index_min"].iloc[-1] == pytest.approx(0.1)
    assert ts["house_price_index"].iloc[-1] == pytest.approx((30 + 0.1) / 31)


def test_apply_shock_validates_like_a_scenario_file(sim):
    with pytest.raises(pfsim.ScenarioError, match="yuan"):
        sim.apply_shock({"type": "antitrust_fine"})
    with pytest.raises(pfsim.ScenarioError, match="did you mean"):
        sim.apply_shock({"type": "antitrust_fin", "yuan": 1})
    sim.step(3)
    with pytest.raises(pfsim.ScenarioError, match=r"shock\['date'\]: apply_shock cannot change the past"):
        sim.apply_shock({"type": "policy_rate", "rate": 0.02, "date": sim.start_date})
    with pytest.raises(TypeError):
        sim.apply_shock("ipo_halt")
    assert sim.events.empty


# -- API surface --


def test_every_public_name_has_a_docstring():
    for name in pfsim.__all__:
        obj = getattr(pfsim, name)
        if isinstance(obj, str):
            continue
        assert (obj.__doc__ or "").strip(), name
        if isinstance(obj, type) and not issubclass(obj, BaseException):
            for member, value in vars(obj).items():
                if member.startswith("_") or member in ("count", "index"):
                    continue
                assert (
                    getattr(value, "__doc__", None) or ""
                ).strip(), f"{name}.{member}"
    text = pydoc.render_doc(pfsim.Simulation, renderer=pydoc.plaintext)
    for phrase in (
        "next day to simulate",
        "zero-copy",
        "KeyboardInterrupt",
        "run(self, until",
    ):
        assert phrase in text, phrase


def test_core_stubs_match_the_extension():
    stub = ast.parse((PYDIR / "pfsim" / "_core.pyi").read_text())
    top = {
        getattr(n, "name", None) or getattr(getattr(n, "target", None), "id", None)
        for n in stub.body
    } - {None}
    actual = {n for n in dir(_core) if not n.startswith("__") or n == "__version__"}
    assert top == actual
    for cls in ("Scenario", "Simulation"):
        node = next(n for n in stub.body if getattr(n, "name", None) == cls)
        declared = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        real = {m for m in dir(getattr(_core, cls)) if not m.startswith("_")} | {
            "__init__"
        }
        assert declared == real, cls


def test_stepping_past_the_last_readable_date_is_refused_before_it_runs():
    sc = pfsim.Scenario(BASELINE, {"consumers.count": 500, "smes.count": 50, "run.days": 30,
                                   "run.spinup_days": 0, "run.start_date": "2262-03-01"})
    sim = pfsim.Simulation(sc, seed=1, threads=1)
    sim.run()
    with pytest.raises(pfsim.ScenarioError, match="2262-04-11"):
        sim.step(20)
    assert sim.days_done == 30  # nothing was simulated
    sim.step(12)  # 2262-03-31 .. 2262-04-11, the last readable day itself
    assert sim.days_done == 42
    with pytest.raises(pfsim.ScenarioError, match="2262-04-11"):
        sim.step(1)


def test_fork_branches_with_common_random_numbers():
    sc = pfsim.Scenario(BASELINE, {"consumers.count": 3000, "smes.count": 300, "run.days": 120})
    base = pfsim.Simulation(sc, seed=3, threads=2)
    base.run(until="2019-02-28")  # one warm-up ...
    same_a, same_b = base.fork(), base.fork(threads=1)
    shocked = base.fork()
    assert shocked.days_done == base.days_done == 59 and shocked.date == base.date
    assert shocked.results.to_pandas().equals(base.results.to_pandas())  # results so far come along
    shocked.apply_shock({"type": "policy_rate", "rate": 0.02})
    for sim in (same_a, same_b, shocked, base):  # ... many branches, stepped independently
        sim.run()
    plain = base.results.to_pandas()
    # no intervention: identical to the uninterrupted run, at any thread count
    assert same_a.results.to_pandas().equals(plain) and same_b.results.to_pandas().equals(plain)
    # a shock: the same up to the day before it, different from its day on
    moved = shocked.results.to_pandas()
    differs = ~((moved == plain) | (moved.isna() & plain.isna()))
    first_diff = differs.any(axis=1).idxmax()
    assert str(first_diff.date()) == "2019-03-01"
    assert moved["policy_rate"].iloc[-1] == 0.02 and plain["policy_rate"].iloc[-1] != 0.02
    assert len(shocked.interventions) == len(base.interventions) + 1
    assert shocked.ledger.audit() == []


def test_a_fork_has_no_results_file_and_leaves_the_original_alone(tmp_path):
    sc = pfsim.Scenario(BASELINE, {"consumers.count": 2000, "smes.count": 200, "run.days": 40,
                                   "run.spinup_days": 0})
    with pfsim.Simulation(sc, seed=1, threads=1, out=tmp_path / "r.h5") as sim:
        sim.step(10)
        copy = sim.fork()
        copy.consumers.employed = 0  # a write to the fork's own world
        copy.step(5)
        assert sim.days_done == 10 and sim.consumers.employed.sum() > 0
        sim.run()
    assert copy._out is None and not (tmp_path / "r.h5.partial").exists()
    assert pfsim.open_results(tmp_path / "r.h5").days[-1] == 39
    saved = copy.save(tmp_path / "fork.h5")
    assert len(pfsim.open_results(saved)) == 15


def test_apply_shock_takes_a_later_date_or_a_trigger():
    sc = pfsim.Scenario(BASELINE, {"consumers.count": 2000, "smes.count": 200, "run.days": 60,
                                   "run.spinup_days": 0})
    sim = pfsim.Simulation(sc, seed=1, threads=2)
    sim.apply_shock({"type": "policy_rate", "rate": 0.02, "date": "2019-02-10"})
    sim.apply_shock({"type": "reserve_requirement", "ratio": 0.05, "when": "step >= 20"})
    with pytest.raises(pfsim.ScenarioError, match=r"shock\['when'\]: unknown indicator 'consumer_dpd90_ration'"):
        sim.apply_shock({"type": "policy_rate", "rate": 0.03, "when": "consumer_dpd90_ration > 0.1"})
    branch = sim.fork()  # waiting shocks come along
    sim.run()
    branch.run()
    events = sim.events
    assert list(events["type"]) == ["reserve_requirement", "policy_rate"]
    assert [str(d.date()) for d in events["date"]] == ["2019-01-21", "2019-02-10"]
    assert list(events["condition"]) == ["intervention: step >= 20", "intervention"]
    ts = sim.results.to_pandas()
    assert ts.loc["2019-02-09", "policy_rate"] != 0.02 and ts.loc["2019-02-10", "policy_rate"] == 0.02
    assert branch.events.equals(events) and branch.results.to_pandas().equals(ts)


@pytest.mark.parametrize("overrides", [{}, {"banks.tiers[0].count": 2}])
def test_interventions_as_scenario_replays_the_run_exactly(tmp_path, overrides):
    sc = pfsim.Scenario(ROOT / "scenarios/crackdown_2020_2021.yaml",
                        {"consumers.count": 2000, "smes.count": 200, "run.spinup_days": 30,
                         **overrides})
    sim = pfsim.Simulation(sc, seed=11, threads=2)
    sim.step(20)
    sim.apply_shock({"type": "policy_rate", "rate": 0.02})
    sim.apply_shock({"type": "fund_run", "redemption_share": 0.1, "when": "step >= 40"})
    sim.run()
    path = sim.interventions_as_scenario(tmp_path / "replay.yaml")
    text = pathlib.Path(path).read_text()
    assert ("extends:" in text) == (not overrides)  # a list element cannot be overridden by extends
    again = pfsim.Simulation(path, threads=1)  # the seed is in the file
    again.run()
    assert again.results.to_pandas().equals(sim.results.to_pandas())
    assert list(again.events["type"]) == list(sim.events["type"])
    # the replay of a replay is the same file
    assert pathlib.Path(again.interventions_as_scenario(tmp_path / "again.yaml")).exists()


def test_interventions_as_scenario_is_portable(tmp_path):
    import shutil

    # `extends:` is relative to the written file's folder: the pair can move together.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(BASELINE, tmp_path / "a" / "base.yaml")
    sc = pfsim.Scenario(tmp_path / "a" / "base.yaml",
                        {"consumers.count": 500, "smes.count": 50, "run.spinup_days": 0, "run.days": 30})
    sim = pfsim.Simulation(sc, seed=3, threads=1)
    sim.step(10)
    sim.apply_shock({"type": "policy_rate", "rate": 0.02})
    sim.run()
    path = pathlib.Path(sim.interventions_as_scenario(tmp_path / "b" / "replay.yaml"))
    assert 'extends: "../a/base.yaml"' in path.read_text()
    shutil.move(tmp_path / "a", tmp_path / "moved" / "a")
    shutil.move(tmp_path / "b", tmp_path / "moved" / "b")
    again = pfsim.Simulation(tmp_path / "moved" / "b" / "replay.yaml", threads=2)
    again.run()
    assert again.results.to_pandas().equals(sim.results.to_pandas())
    # self_contained: the resolved scenario and the shocks, no other file needed.
    alone = pathlib.Path(sim.interventions_as_scenario(tmp_path / "alone.yaml", self_contained=True))
    assert "extends" not in alone.read_text()
    (tmp_path / "moved" / "a" / "base.yaml").unlink()
    again = pfsim.Simulation(alone, threads=2)
    again.run()
    assert again.results.to_pandas().equals(sim.results.to_pandas())
    assert list(again.events["type"]) == ["policy_rate"]


def test_interventions_as_scenario_refuses_column_writes(tmp_path):
    sc = pfsim.Scenario(BASELINE, {"consumers.count": 500, "smes.count": 50, "run.spinup_days": 0})
    sim = pfsim.Simulation(sc, seed=1, threads=1)
    sim.consumers.employed = 1
    with pytest.raises(ValueError, match="consumers.employed"):
        sim.interventions_as_scenario(tmp_path / "x.yaml")
