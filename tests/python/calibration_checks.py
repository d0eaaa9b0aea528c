"""The calibration targets of docs/calibration.md, as code.

Each key names a row of the table in docs/calibration.md; each function maps
the /timeseries of a baseline run — or of a window of it (the test checks every
90-day window of the default run, which starts after the spin-up) — to the
value compared with the row's accepted range: stocks at the window's end, flows
and ratios as means over it (at most its last year). tests/python/test_calibration.py checks that the
table and this dict list the same rows and that every value is in range;
`python3 tests/python/calibration_checks.py RESULTS.h5` prints the values."""
import sys

import numpy as np


def _last_year(ts, name):
    v = np.asarray(ts[name][()], dtype=float)
    return v[-365:]


def _mean(ts, name):
    return float(np.nanmean(_last_year(ts, name)))


def _end(ts, name):
    return float(ts[name][-1])


def _positive_mean(ts, name):
    v = _last_year(ts, name)
    return float(np.nanmean(v[v > 0]))


def _revenue_share(ts, line):
    lines = {k: _mean(ts, f"platform_revenue_{k}") for k in ("payments", "credit", "investment")}
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
    import h5py

    with h5py.File(sys.argv[1], "r") as f:
        for key, fn in CHECKS.items():
            print(f"{key:32s} {fn(f['timeseries']):.4g}")
