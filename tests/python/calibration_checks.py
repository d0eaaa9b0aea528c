"""The calibration targets of docs/calibration.md, as code.

Each key names a row of the table in docs/calibration.md; each function maps
the /timeseries of a baseline run — or of a window of it (the test checks every
90-day window of the default run, which starts after the spin-up) — to the
value compared with the row's accepted range: stocks at the window's end, flows
and ratios as means over it (at most its last year; revenue shares over its
whole calendar months, since the investment fees are booked at month ends). tests/python/test_calibration.py checks that the
table and this dict list the same rows and that every value is in range;
`python3 tests/python/calibration_checks.py RESULTS.h5` prints the values."""
import re
import sys

import numpy as np


def _last_year(ts, name):
    v = np.asarray(ts[name][()])
    return (v if np.issubdtype(v.dtype, np.datetime64) else v.astype(float))[-365:]


def read_timeseries(path):
    """A results file's /timeseries as arrays, with `date` as calendar days
    (datetime64[D]) read from its "days since YYYY-MM-DD" units."""
    import h5py

    with h5py.File(path, "r") as f:
        ts = {k: f["timeseries"][k][()] for k in f["timeseries"]}
        units = f["timeseries/date"].attrs["units"]
    units = units.decode() if isinstance(units, bytes) else str(units)
    m = re.fullmatch(r"days since (\d{4}-\d{2}-\d{2})", units.strip())
    assert m, f"cannot read the start date from the date units {units!r}"
    ts["date"] = np.datetime64(m.group(1), "D") + ts["date"].astype("int64")
    return ts


def _mean(ts, name):
    return float(np.nanmean(_last_year(ts, name)))


def _end(ts, name):
    return float(ts[name][-1])


def _positive_mean(ts, name):
    v = _last_year(ts, name)
    return float(np.nanmean(v[v > 0]))


def _whole_months(ts):
    """The window's whole calendar months, as a slice of its last year (all of
    it when it holds no whole month). The platform's investment fees are booked
    once a month, at each month end, so a 90-day window holds two or three of
    them depending on where it starts: revenue shares are measured over whole
    months, as accounts are, not over a window that cuts a month in two."""
    date = _last_year(ts, "date") if "date" in ts else None
    if date is None or not np.issubdtype(date.dtype, np.datetime64):
        return slice(None)
    day = date.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    starts = np.flatnonzero(month.astype("datetime64[D]") == day)
    ends = np.flatnonzero((day + 1).astype("datetime64[M]") != month)
    if not len(starts) or not len(ends) or ends[-1] < starts[0]:
        return slice(None)
    return slice(starts[0], ends[-1] + 1)


def _revenue_share(ts, line):
    months = _whole_months(ts)
    lines = {
        k: float(np.nanmean(_last_year(ts, f"platform_revenue_{k}")[months]))
        for k in ("payments", "credit", "investment")
    }
    return lines[line] / sum(lines.values())


CHECKS = {
    "consumer_credit_balance": lambda ts: _end(ts, "consumer_credit_balance") / 1e12,
    "sme_credit_balance": lambda ts: _end(ts, "sme_credit_balance") / 1e12,
    "consumer_to_sme_credit": lambda ts: _end(ts, "consumer_credit_balance") / _end(ts, "sme_credit_balance"),
    "platform_own_funding_share": lambda ts: _end(ts, "platform_own_funding_share"),
    "platform_credit_fee_rate": lambda ts: _positive_mean(ts, "platform_credit_fee_rate"),
    "consumer_dpd30_ratio": lambda ts: _mean(ts, "consumer_dpd30_ratio"),
    "consumer_dpd90_ratio": lambda ts: _mean(ts, "consumer_dpd90_ratio"),
    "average_sme_loan": lambda ts: _mean(ts, "average_sme_loan"),
    "bank_capital_ratio": lambda ts: _mean(ts, "bank_capital_ratio"),
    "bank_npl_ratio": lambda ts: _mean(ts, "bank_npl_ratio"),
    "payments_revenue_share": lambda ts: _revenue_share(ts, "payments"),
    "credit_revenue_share": lambda ts: _revenue_share(ts, "credit"),
    "fund_assets": lambda ts: _mean(ts, "fund_assets") / 1e12,
    "mobile_payment_share_platform": lambda ts: _mean(ts, "mobile_payment_share_platform"),
}


if __name__ == "__main__":
    series = read_timeseries(sys.argv[1])
    for key, fn in CHECKS.items():
        print(f"{key:32s} {fn(series):.4g}")
