"""Statistics across seeds: means and Student-t confidence intervals (on the
log or logit scale for quantities bounded below by 0 or within [0, 1])."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["t_quantile", "mean_ci", "interval_scale", "INTERVAL_NOTE", "seed_bands", "window_stat"]

# Columns that identify one replication rather than a group of them.
_REPLICATE_COLUMNS = ("seed", "run", "source", "value", "file")


def t_quantile(level: float, dof) -> np.ndarray:
    """Two-sided Student-t critical value for a ``level`` interval (NaN for ``dof < 1``)."""
    from scipy import stats

    dof = np.asarray(dof, dtype="float64")
    q = stats.t.ppf(0.5 + level / 2.0, np.where(dof >= 1, dof, 1.0))
    return np.where(dof >= 1, q, np.nan)


def interval_scale(lower: float | None = None, upper: float | None = None) -> str:
    """The scale :func:`mean_ci` builds its interval on for a quantity in
    ``[lower, upper]``: ``"logit"`` for ``[0, 1]``, ``"log"`` for ``[0, ∞)``,
    ``"linear"`` otherwise."""
    if lower == 0 and upper == 1:
        return "logit"
    if lower == 0 and upper is None:
        return "log"
    return "linear"


INTERVAL_NOTE = (
    "Student-t interval of the mean across seeds, built on the log scale for quantities that "
    "cannot be negative and on the logit scale for shares in [0, 1] (delta method: "
    "g(mean) ± t·s·g′(mean)/√n, transformed back), so that bounds stay within the quantity's "
    "range; on the natural scale for quantities that can be negative, such as differences."
)


def mean_ci(
    values: Iterable[float],
    level: float = 0.95,
    *,
    lower: float | None = None,
    upper: float | None = None,
) -> tuple[float, float, float, int]:
    """Mean and ``level`` confidence interval of independent replications.

    NaN values are ignored. Without bounds this is the Student-t interval
    ``mean ± t(level, n-1) · s / sqrt(n)``. With ``lower=0`` (a quantity that
    cannot be negative) the interval is built on the log scale, with
    ``lower=0, upper=1`` (a share) on the logit scale — by the delta method,
    ``g(m) ± t · s · g'(m) / sqrt(n)`` transformed back — so it stays inside
    the range, contains the mean and is asymmetric near a bound (see
    :data:`INTERVAL_NOTE`). With fewer than two values the bounds are NaN.

    Returns:
        ``(mean, ci_low, ci_high, n)``.
    """
    x = np.asarray(list(values), dtype="float64")
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    m = float(x.mean())
    if n < 2:
        return (m, np.nan, np.nan, n)
    s = float(x.std(ddof=1))
    t = float(t_quantile(level, n - 1))
    scale = interval_scale(lower, upper)
    if s == 0:
        return (m, m, m, n)
    if scale == "log":
        if m <= 0:  # every value 0 (s would be 0) cannot happen here; all at the bound: no room
            return (m, 0.0, float(t * s / np.sqrt(n)), n)
        f = float(np.exp(t * s / (m * np.sqrt(n))))
        return (m, m / f, m * f, n)
    if scale == "logit":
        if m <= 0 or m >= 1:
            return (m, max(0.0, m), min(1.0, m), n)
        g = np.log(m / (1 - m))
        half = t * s / (m * (1 - m) * np.sqrt(n))
        lo, hi = g - half, g + half
        return (m, float(1 / (1 + np.exp(-lo))), float(1 / (1 + np.exp(-hi))), n)
    half = t * s / np.sqrt(n)
    return (m, m - half, m + half, n)


def seed_bands(
    tidy: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean and confidence band across seeds of a tidy frame.

    Groups ``tidy`` by every column except the replication columns (``seed``,
    ``run``, ``source``, ``file``, ``value``) — typically variant / scenario,
    the swept parameters, ``date``, ``indicator`` and ``units`` — and returns
    one row per group with ``mean``, ``std``, ``n`` (seeds with a value),
    ``ci_low`` and ``ci_high`` (Student-t, NaN when ``n < 2``). Works on both
    the per-date and the summary form of :func:`analysis.sweep`.

    Args:
        tidy: long frame with a ``value`` column.
        by: grouping columns (default: as above).
        level: confidence level of the band.
    """
    if by is None:
        by = [c for c in tidy.columns if c not in _REPLICATE_COLUMNS]
    by = list(by)
    grouped = tidy.groupby(by, dropna=False, sort=False)["value"]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    half = t_quantile(level, out["n"].to_numpy() - 1) * out["std"].to_numpy() / np.sqrt(out["n"].to_numpy().clip(min=1))
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out.attrs["level"] = level
    return out


def window_stat(values: np.ndarray, dates: np.ndarray, last_days: int | None, stat: str = "mean") -> float:
    """A statistic of a daily series over its last ``last_days`` days.

    ``stat`` is ``"mean"`` (NaN-skipping), ``"sum"``, ``"last"`` (last non-NaN
    value), ``"min"`` or ``"max"``. ``last_days=None`` uses the whole series.
    """
    values = np.asarray(values, dtype="float64")
    dates = np.asarray(dates).astype("datetime64[D]")
    if values.size == 0:
        return np.nan
    if last_days is not None:
        keep = dates > dates[-1] - np.timedelta64(int(last_days), "D")
        values = values[keep]
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return np.nan
    if stat == "mean":
        return float(finite.mean())
    if stat == "sum":
        return float(finite.sum())
    if stat == "last":
        return float(finite[-1])
    if stat == "min":
        return float(finite.min())
    if stat == "max":
        return float(finite.max())
    raise ValueError(f"stat: expected mean, sum, last, min or max, found {stat!r}")
