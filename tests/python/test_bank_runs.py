"""Runs on distressed banks (issue 14, item 4): the fund pulls its placements
from a bank whose capital ratio falls below bank_runs.fund_capital_ratio_trigger,
depositors move theirs to the healthiest large bank below
bank_runs.depositor_capital_ratio_trigger, and a bank failure lowers the fund's
confidence. Same scenario and seed with and without each knob; every run is
the small classroom economy cut to 285 days (the failure is on day 267), about
2 s each; the file takes about 25 s.
"""
import functools

import h5py
import numpy as np
import pytest

from conftest import ROOT, cached_runs, require_module, timeseries

BANK_FAILURE = ROOT / "scenarios" / "classroom_bank_failure.yaml"
DAY = 267  # 2019-09-25, the failure
# classroom_bank_failure.yaml turns runs off (its cascade figures are the
# interbank and fire-sale channels alone); these are the model's defaults.
ON = (
    "bank_runs.fund_capital_ratio_trigger=0.05",
    "bank_runs.depositor_capital_ratio_trigger=0.04",
    "bank_runs.fund_confidence_loss_per_failed_share=1",
)
OFF = (
    "bank_runs.fund_capital_ratio_trigger=0",
    "bank_runs.depositor_capital_ratio_trigger=0",
)
FAST = ("bank_runs.insured_share_per_day=0.2",)  # a faster depositor run


@pytest.fixture(scope="module")
def run(pfsim_exe, tmp_path_factory):
    runs = cached_runs(tmp_path_factory.mktemp("bank_runs"), "run.days=285", *ON)
    return functools.partial(runs, BANK_FAILURE)


series = timeseries


def test_runs_off_no_outflow(run):
    off = run(*OFF)
    for name in ("run_outflows_fund", "run_outflows_depositors", "bank_failures_run"):
        assert np.all(series(off, name) == 0), name


def test_failure_sets_off_runs(run):
    # The shock wipes out a bank's capital: the fund and its depositors leave it
    # the same day.
    on, off = run(), run(*OFF)
    assert series(on, "run_outflows_fund")[DAY] > 0
    assert series(on, "run_outflows_depositors")[DAY] > 0
    # The runs change the economy.
    assert not np.array_equal(series(on, "bank_reserves"), series(off, "bank_reserves"))
    # A faster depositor run moves more.
    fast = run(*FAST)
    assert (
        series(fast, "run_outflows_depositors").sum() > series(on, "run_outflows_depositors").sum()
    )


def test_channel_losses_and_causes_add_up(run):
    for path in (run(), run(*FAST)):
        channels = (
            series(path, "contagion_interbank_losses")
            + series(path, "fire_sale_losses")
            + series(path, "contagion_run_losses")
        )
        assert np.allclose(channels, series(path, "contagion_losses"), rtol=1e-12, atol=0)
        # A run failure is a failure on its own (round 0).
        assert np.all(
            series(path, "bank_failures_run") <= series(path, "contagion_defaults_round_0")
        )


def test_bank_failure_reaches_fund(run):
    on = run()
    numb = run("bank_runs.fund_confidence_loss_per_failed_share=0")
    conf_on, conf_numb = series(on, "fund_confidence"), series(numb, "fund_confidence")
    assert np.array_equal(conf_on[:DAY], conf_numb[:DAY])
    assert conf_on[DAY] < conf_numb[DAY] - 0.05
    # Holders want less of the fund: more is redeemed in the days after.
    after = slice(DAY + 1, None)
    assert (
        series(on, "fund_redemptions")[after].sum() > series(numb, "fund_redemptions")[after].sum()
    )


def test_bit_identical_across_threads(run):
    one, two = run(*FAST, threads=1), run(*FAST, threads=2)
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b:
        for name in a["timeseries"]:
            assert np.array_equal(
                a["timeseries"][name][()], b["timeseries"][name][()], equal_nan=True
            ), name


def test_depositors_move_and_audit_exact(pfsim_exe):
    # In a running Simulation (audit after every phase: exact or it raises):
    # on the failure day the depositors who leave are those of a bank run on,
    # all go to one healthy bank, and money moves with them.
    pfsim = require_module("pfsim")
    sc = pfsim.Scenario(BANK_FAILURE)
    for setting in (*ON, *FAST):
        key, value = setting.split("=")
        sc[key] = float(value)
    sim = pfsim.Simulation(sc, seed=1, threads=2, audit="phase")
    sim.step(DAY)
    bank_before = np.array(sim.consumers.bank)
    sim.step(1)
    bank_after = np.array(sim.consumers.bank)
    moved = bank_before != bank_after
    assert moved.sum() > 0
    run_on = np.array(sim.banks.run_outflows_today) > 0
    assert run_on[bank_before[moved]].all()
    havens = np.unique(bank_after[moved])
    assert havens.size == 1 and not run_on[havens[0]]
    assert np.array(sim.banks.failed)[havens[0]] == 0


def test_baseline_stays_silent(small_run):
    for name in ("run_outflows_fund", "run_outflows_depositors", "bank_failures_run"):
        assert np.all(series(small_run, name) == 0), name
