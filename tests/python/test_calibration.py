"""The calibration test: every row of docs/calibration.md, checked in every
90-day window of the default baseline run (365 days after its spin-up, seed 1)."""
import re

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
