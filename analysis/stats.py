"""Statistics across seeds: means and Student-t confidence intervals (on the
log or logit scale for quantities bounded below by 0 or within [0, 1]), for
one quantity (:func:`mean_ci`) or a tidy frame of many (:func:`seed_bands`)."""

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
    lo, hi = _interval(np.array([m]), np.array([s]), np.array([n]), level, interval_scale(lower, upper))
    return (m, float(lo[0]), float(hi[0]), n)


def _interval(m, s, n, level, scale):
    """``(low, high)`` arrays of the interval of :func:`mean_ci` for means ``m``,
    standard deviations ``s`` and counts ``n`` (NaN where ``n < 2``), on one scale."""
    m, s, n = (np.asarray(v, dtype="float64") for v in (m, s, n))
    half = t_quantile(level, n - 1) * s / np.sqrt(np.clip(n, 1, None))
    lo, hi = m - half, m + half
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if scale == "log":
            # g = log: m·exp(∓half/m); a mean at the bound (0) has no room below.
            f = np.exp(half / m)
            lo = np.where(m > 0, m / f, 0.0)
            hi = np.where(m > 0, m * f, half)
        elif scale == "logit":
            g = np.log(m / (1 - m))
            h = half / (m * (1 - m))
            inside = (m > 0) & (m < 1)
            lo = np.where(inside, 1 / (1 + np.exp(-(g - h))), np.clip(m, 0, 1))
            hi = np.where(inside, 1 / (1 + np.exp(-(g + h))), np.clip(m, 0, 1))
    same = s == 0  # every seed agrees: a point
    lo, hi = np.where(same, m, lo), np.where(same, m, hi)
    return np.where(n >= 2, lo, np.nan), np.where(n >= 2, hi, np.nan)


def seed_bands(
    tidy: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    level: float = 0.95,
    bounded: bool = True,
) -> pd.DataFrame:
    """Mean and confidence band across seeds of a tidy frame.

    Groups ``tidy`` by every column except the replication columns (``seed``,
    ``run``, ``source``, ``file``, ``value``) — typically variant / scenario,
    the swept parameters, ``date``, ``indicator`` and ``units`` — and returns
    one row per group with ``mean``, ``std``, ``n`` (seeds with a value),
    ``ci_low``, ``ci_high`` (NaN when ``n < 2``) and ``scale``. Works on both
    the per-date and the summary form of :func:`analysis.sweep`.

    With ``bounded`` (the default) each indicator's band respects its range
    as the data show it, like :func:`analysis.headline_effects`: built on the
    log scale when none of its values is negative, on the logit scale for a
    dimensionless share (``units == "1"``, values in [0, 1]); see
    :data:`INTERVAL_NOTE`. ``bounded=False`` gives the plain Student-t band.

    Args:
        tidy: long frame with a ``value`` column.
        by: grouping columns (default: as above).
        level: confidence level of the band.
        bounded: keep bands within the quantity's range.
    """
    if by is None:
        by = [c for c in tidy.columns if c not in _REPLICATE_COLUMNS]
    by = list(by)
    grouped = tidy.groupby(by, dropna=False, sort=False)["value"]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    out["scale"] = "linear"
    if bounded:
        out["scale"] = _scales(tidy, out)
    out["ci_low"], out["ci_high"] = np.nan, np.nan
    for scale, rows in out.groupby("scale", sort=False).groups.items():
        lo, hi = _interval(out.loc[rows, "mean"], out.loc[rows, "std"], out.loc[rows, "n"], level, scale)
        out.loc[rows, "ci_low"], out.loc[rows, "ci_high"] = lo, hi
    out.attrs["level"] = level
    return out


def _scales(tidy: pd.DataFrame, bands: pd.DataFrame) -> pd.Series:
    """The interval scale of each row of ``bands``, from its indicator's values in ``tidy``."""
    key = "indicator" if "indicator" in tidy.columns else None
    groups = tidy.groupby(key, sort=False) if key else [(None, tidy)]
    scale = {}
    for name, sub in groups:
        values = sub["value"].to_numpy(dtype="float64")
        values = values[np.isfinite(values)]
        units = str(sub["units"].iloc[0]) if "units" in sub.columns and len(sub) else ""
        lower = 0.0 if values.size and values.min() >= 0 else None
        upper = 1.0 if lower == 0 and units == "1" and values.max() <= 1 and "leverage" not in str(name) else None
        scale[name] = interval_scale(lower, upper)
    if key is None:
        return pd.Series(scale[None], index=bands.index)
    return bands[key].map(scale).fillna("linear")


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
