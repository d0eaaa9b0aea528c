"""The calibration test: every row of docs/calibration.md, checked in every
90-day window of the default baseline run (365 days after its spin-up, seed 1)."""
import re

import numpy as np
import pytest

from calibration_checks import CHECKS, read_timeseries
from conftest import ROOT, run_pfsim

UNITS = {"tn": 1.0, "": 1.0}


def _number(text):
    text = text.strip().replace(",", "")
    m = re.fullmatch(r"([0-9.]+)\s*(tn)?", text)
    assert m, f"cannot read a number from {text!r}"
    return float(m.group(1))


def _rows():
    lines = (ROOT / "docs/calibration.md").read_text().splitlines()
    rows = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("key", "") or set(cells[0]) <= set("-"):
            continue
        lo, hi = (_number(x) for x in cells[2].split("–"))
        rows[cells[0]] = (lo, hi)
    return rows


def test_table_and_checks_list_the_same_rows():
    assert set(_rows()) == set(CHECKS)


@pytest.fixture(scope="module")
def baseline_run(pfsim_exe, tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration") / "baseline.h5"
    run_pfsim("run", ROOT / "scenarios/baseline.yaml", "--out", out, "--seed", 1, "-q")
    return read_timeseries(out)


WINDOW = 90


@pytest.mark.parametrize("key", sorted(CHECKS))
def test_calibration_row_in_every_window(baseline_run, key):
    lo, hi = _rows()[key]
    days = len(baseline_run["consumption"])
    assert days == 365, "the default baseline records 365 days"
    for start in range(0, days - WINDOW + 1, WINDOW):
        window = {k: v[start : start + WINDOW] for k, v in baseline_run.items()}
        value = CHECKS[key](window)
        assert lo <= value <= hi, (
            f"{key} = {value:.4g} in days {start}-{start + WINDOW - 1}, "
            f"outside the accepted range [{lo}, {hi}]"
        )


def _window(start, days, investment_per_month_end=30.0):
    """A synthetic window: payments and credit earn 1 a day, the investment
    fees `investment_per_month_end` on each month's last day."""
    date = np.datetime64(start, "D") + np.arange(days)
    month_end = (date + 1).astype("datetime64[M]") != date.astype("datetime64[M]")
    return {
        "date": date,
        "platform_revenue_payments": np.ones(days),
        "platform_revenue_credit": np.ones(days),
        "platform_revenue_investment": np.where(month_end, investment_per_month_end, 0.0),
    }


@pytest.mark.parametrize("start", ["2019-01-01", "2019-04-01", "2019-01-15", "2019-02-27"])
def test_revenue_shares_count_whole_months(start):
    # The investment line earns about 1 a day booked at month ends: over whole
    # months every line earns about as much, wherever the window starts.
    ts = _window(start, 90)
    share = CHECKS["credit_revenue_share"](ts)
    assert share == pytest.approx(1 / 3, abs=0.012)
    # Over all the window's days instead, a window with two month ends (from
    # 2019-04-01: 30 April and 31 May, not 30 June) reads a larger share.
    if start == "2019-04-01":
        days = {k: v.mean() for k, v in ts.items() if k != "date"}
        assert days["platform_revenue_credit"] / sum(days.values()) > share + 0.03


def test_revenue_shares_without_dates_use_every_day():
    ts = _window("2019-04-01", 90)
    ts["date"] = np.arange(90, dtype=float)  # raw "days since" numbers: no calendar
    assert CHECKS["credit_revenue_share"](ts) == pytest.approx(90 / (180 + 60))
