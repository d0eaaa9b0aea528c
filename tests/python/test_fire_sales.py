"""Fire sales inside the step (issue 14, item 3): banks losing capital sell
bonds, the price falls with the amount sold, every bank's bonds are marked to
it (a recorded revaluation: the audit stays exact) and it recovers toward par
on quiet days. Same scenario and seed with and without each knob; every run
is the small classroom economy cut to 275 days (the failure is on day 267),
about 2 s each; the file takes about 20 s.
"""
import functools

import h5py
import numpy as np
import pytest

from conftest import ROOT, cached_runs, timeseries

BANK_FAILURE = ROOT / "scenarios" / "classroom_bank_failure.yaml"
DAY = 267  # 2019-09-25, the failure


@pytest.fixture(scope="module")
def run(pfsim_exe, tmp_path_factory):
    """run(*sets, threads=2, audit="default"): the results file of one run of
    classroom_bank_failure.yaml, cached."""
    runs = cached_runs(tmp_path_factory.mktemp("fire_sales"), "run.days=275")
    return functools.partial(runs, BANK_FAILURE)


series = timeseries


def total(path, name):
    return float(series(path, name).sum())


def test_fire_sales_off_smaller_losses(run):
    on, off = run(), run("fire_sales.impact=none")
    # Off: no sale, the price never leaves par, no revaluation.
    assert total(off, "fire_sale_volume") == 0
    assert total(off, "fire_sale_losses") == 0
    assert np.all(series(off, "bond_price_index") == 1.0)
    # On: the failure day's losses make survivors sell; the price falls.
    assert series(on, "fire_sale_volume")[DAY] > 0
    assert series(on, "bond_price_index")[DAY] < 0.995
    assert total(on, "contagion_losses") > total(off, "contagion_losses")
    assert series(on, "bank_equity")[DAY] < series(off, "bank_equity")[DAY]


def test_channel_losses_sum_to_total(run):
    path = run()
    channels = (
        series(path, "contagion_interbank_losses")
        + series(path, "fire_sale_losses")
        + series(path, "contagion_run_losses")
    )
    assert np.allclose(channels, series(path, "contagion_losses"), rtol=1e-12, atol=0)
    assert series(path, "fire_sale_losses")[DAY] > 0
    assert series(path, "contagion_interbank_losses")[DAY] > 0


def test_stronger_impact_more_failures_more_capital_fewer(run):
    strong = run("fire_sales.price_impact=0.5")
    base = run()
    capital = run(
        "fire_sales.price_impact=0.5",
        "banks.tiers[1].capital_ratio=0.15",
        "banks.tiers[2].capital_ratio=0.15",
    )
    assert total(strong, "bank_failures_fire_sale") > 0
    assert total(strong, "bank_failures") > total(base, "bank_failures")
    assert total(capital, "bank_failures") < total(strong, "bank_failures")
    # Failures by cause add up: own (round 0), interbank, fire sale.
    for path in (strong, base, capital):
        by_cause = (
            total(path, "contagion_defaults_round_0")
            + total(path, "bank_failures_interbank")
            + total(path, "bank_failures_fire_sale")
        )
        assert by_cause == total(path, "bank_failures")


def test_linear_impact(run):
    lin, exp = run("fire_sales.impact=linear"), run()
    assert series(lin, "bond_price_index")[DAY] < 1
    # Same first-round sales, a slightly steeper price: linear ≤ exponential.
    assert series(lin, "bond_price_index")[DAY] <= series(exp, "bond_price_index")[DAY]


def test_price_recovers_toward_par_at_the_documented_rate(run):
    path = run("fire_sales.recovery_per_day=0.1")
    p = series(path, "bond_price_index")
    sold = series(path, "fire_sale_volume")
    quiet = [d for d in range(DAY + 1, len(p)) if sold[d] == 0 and p[d - 1] < 1]
    assert quiet, "the price never had a quiet day to recover"
    for d in quiet:
        assert 1 - p[d] == pytest.approx(0.9 * (1 - p[d - 1]), rel=1e-9)
    assert total(path, "bond_revaluation_gains") > 0


def test_audit_exact_on_fire_sale_days(run):
    # --audit step: every balance sheet and the stock-flow identities after each
    # day; the mark-to-market is a recorded `revaluations` flow, not drift.
    path = run("fire_sales.price_impact=0.5", audit="step")
    assert total(path, "fire_sale_losses") > 0
    assert total(path, "bond_revaluation_gains") > 0


def test_bit_identical_across_threads(run):
    a = run("fire_sales.price_impact=0.5", threads=1)
    b = run("fire_sales.price_impact=0.5", threads=2)
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for name in fa["timeseries"]:
            x, y = np.asarray(fa["timeseries"][name]), np.asarray(fb["timeseries"][name])
            assert np.array_equal(x, y, equal_nan=True), name
