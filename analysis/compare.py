"""Comparing a scenario against a baseline: differences, ratios, headline effects."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .results import ResultsLike, as_dataset, as_datasets, scenario_look_at, to_tidy, yaml_value
from .stats import INTERVAL_NOTE, interval_scale, mean_ci, t_quantile, window_stat

__all__ = [
    "HEADLINE_INDICATORS",
    "difference",
    "ratio",
    "compare",
    "window_summary",
    "headline_effects",
    "look_at",
    "MismatchError",
    "check_comparable",
    "value_range",
]

# Indicators shown in headline tables by default, in this order. Only names:
# indicators a results file lacks are skipped.
HEADLINE_INDICATORS: tuple[str, ...] = (
    "consumption",
    "consumer_credit_balance",
    "sme_credit_balance",
    "platform_funded_balance",
    "colent_bank_funded_balance",
    "bank_consumer_loan_balance",
    "bank_sme_loan_balance",
    "new_loans_platform",
    "new_loans_bank",
    "consumer_dpd90_ratio",
    "sme_dpd90_ratio",
    "write_offs_platform",
    "write_offs_bank",
    "loss_rate_platform",
    "loss_rate_bank",
    "bank_capital_ratio",
    "bank_capital_ratio_min",
    "bank_failures",
    "fund_assets",
    "fund_redemptions",
    "platform_revenue_total",
    "platform_equity",
    "platform_valuation",
    "money_supply",
    "unemployment_rate",
)


def look_at(results) -> list[str]:
    """The scenario's ``look_at:`` list (the indicators that answer its
    question), read from the resolved scenario text of the first run; [] when
    it has none."""
    sets = as_datasets(results)
    text = sets[0].attrs.get("scenario_yaml") if sets else None
    return scenario_look_at(text) if isinstance(text, str) else []


class MismatchError(ValueError):
    """A scenario and a baseline that cannot be compared day by day: other
    dates, length, scale or agent counts."""


# Parameters that must agree for a comparison to mean "the same economy, one change".
_SIZE_KEYS = ("run.scale", "consumers.count", "smes.count", "regions.count")


def _bank_count(text: str):
    tiers = yaml_value(text, "banks.tiers")
    if not isinstance(tiers, list):
        return None
    return sum(int(t.get("count", 0)) for t in tiers if isinstance(t, dict))


def check_comparable(results, baseline) -> None:
    """Raises :class:`MismatchError` naming every difference between the runs
    of ``results`` and of ``baseline`` that makes a day-by-day comparison
    misleading: first date, number of days, ``run.scale``, the consumer, SME,
    region and bank counts. Seeds and the parameters a scenario changes on
    purpose are not compared."""
    sets, bsets = as_datasets(results), as_datasets(baseline)
    if not sets or not bsets:
        return
    problems = []

    def describe(ds):
        dates = ds["date"].values
        first = str(np.datetime_as_string(dates[0], unit="D")) if len(dates) else "-"
        text = ds.attrs.get("scenario_yaml")
        text = text if isinstance(text, str) else ""
        size = {k: yaml_value(text, k) for k in _SIZE_KEYS}
        size["banks"] = _bank_count(text)
        return first, len(dates), size

    a_first, a_days, a_size = describe(sets[0])
    for ds in bsets:
        b_first, b_days, b_size = describe(ds)
        src = ds.attrs.get("source") or "baseline"
        if a_first != b_first:
            problems.append(f"first day {a_first} vs {b_first} in {src}")
        if a_days != b_days:
            problems.append(f"{a_days} days vs {b_days} days in {src}")
        for key, value in a_size.items():
            other = b_size.get(key)
            if value is not None and other is not None and float(value) != float(other):
                name = "bank count" if key == "banks" else key
                problems.append(f"{name} {value} vs {other} in {src}")
    if problems:
        raise MismatchError(
            "the baseline does not match the scenario: " + "; ".join(dict.fromkeys(problems))
            + " (run the baseline with the same dates and size, e.g. the same --steps and "
            "--population, or pass --allow-mismatch / allow_mismatch=True to compare anyway)"
        )


def value_range(sets: Sequence[xr.Dataset], name: str, last_days=None) -> tuple[float | None, float | None]:
    """``(lower, upper)`` bounds of an indicator as the runs show it: 0 below
    when no recorded value is negative, 1 above for a dimensionless share whose
    values all lie in [0, 1]; None where unbounded."""
    lo_seen, hi_seen, units = np.inf, -np.inf, ""
    for ds in sets:
        if name not in ds.data_vars:
            continue
        units = units or str(ds[name].attrs.get("units", ""))
        y = ds[name].values.astype("float64")
        if last_days is not None and len(y):
            dates = ds["date"].values.astype("datetime64[D]")
            y = y[dates > dates[-1] - np.timedelta64(int(last_days), "D")]
        y = y[np.isfinite(y)]
        if y.size:
            lo_seen, hi_seen = min(lo_seen, float(y.min())), max(hi_seen, float(y.max()))
    if not np.isfinite(lo_seen) or lo_seen < 0:
        return None, None
    if units == "1" and hi_seen <= 1 and "leverage" not in name:
        return 0.0, 1.0
    return 0.0, None


def _aligned(results: ResultsLike, baseline: ResultsLike, indicators):
    a, b = as_dataset(results), as_dataset(baseline)
    names = [n for n in (indicators or a.data_vars) if n in a.data_vars and n in b.data_vars]
    a, b = xr.align(a[names], b[names], join="inner")
    return a, b, names


def difference(results: ResultsLike, baseline: ResultsLike, indicators: Iterable[str] | None = None) -> xr.Dataset:
    """``results − baseline`` per indicator and day (dates both runs have).

    Indicators missing from either run are left out; ``units`` are kept.
    """
    a, b, names = _aligned(results, baseline, indicators)
    out = a - b
    for n in names:
        out[n].attrs = dict(a[n].attrs)
    out.attrs = {"comparison": "difference", "scenario": a.attrs.get("scenario"), "baseline": b.attrs.get("scenario")}
    return out


def ratio(results: ResultsLike, baseline: ResultsLike, indicators: Iterable[str] | None = None) -> xr.Dataset:
    """``results / baseline`` per indicator and day (NaN where the baseline is 0)."""
    a, b, names = _aligned(results, baseline, indicators)
    out = a / b.where(b != 0)
    for n in names:
        out[n].attrs = {"units": "1", "description": f"ratio to baseline of {n}"}
    out.attrs = {"comparison": "ratio", "scenario": a.attrs.get("scenario"), "baseline": b.attrs.get("scenario")}
    return out


def compare(
    results,
    baseline: ResultsLike,
    *,
    indicators: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Tidy comparison over time of one or more runs against a baseline run.

    Columns: ``run``, ``scenario``, ``seed``, ``date``, ``indicator``,
    ``units``, ``value``, ``baseline``, ``difference`` (value − baseline) and
    ``ratio`` (value / baseline, NaN where the baseline is 0).
    """
    base = to_tidy(baseline, indicators=indicators)[["date", "indicator", "value"]]
    base = base.rename(columns={"value": "baseline"})
    scen = to_tidy(results, indicators=indicators)
    out = scen.merge(base, on=["date", "indicator"], how="inner")
    out["difference"] = out["value"] - out["baseline"]
    out["ratio"] = out["value"] / out["baseline"].where(out["baseline"] != 0)
    return out[["run", "scenario", "seed", "date", "indicator", "units", "value", "baseline", "difference", "ratio"]]


def window_summary(
    results,
    *,
    indicators: Iterable[str] | None = None,
    last_days: int | None = 30,
    stat: str = "mean",
) -> pd.DataFrame:
    """One number per run and indicator: ``stat`` over each run's last ``last_days`` days.

    Columns: ``run``, ``scenario``, ``seed``, ``indicator``, ``units``, ``value``.
    """
    rows = []
    for ds in as_datasets(results):
        names = [n for n in (indicators if indicators is not None else ds.data_vars) if n in ds.data_vars]
        for n in names:
            rows.append(
                {
                    "run": ds.attrs.get("label") or ds.attrs.get("source"),
                    "scenario": ds.attrs.get("scenario"),
                    "seed": ds.attrs.get("seed"),
                    "indicator": n,
                    "units": str(ds[n].attrs.get("units", "")),
                    "value": window_stat(ds[n].values, ds["date"].values, last_days, stat),
                }
            )
    return pd.DataFrame(rows, columns=["run", "scenario", "seed", "indicator", "units", "value"])


def _per_seed(sets: Sequence[xr.Dataset], name: str, last_days, stat) -> tuple[np.ndarray, list]:
    vals, seeds = [], []
    for ds in sets:
        if name in ds.data_vars:
            vals.append(window_stat(ds[name].values, ds["date"].values, last_days, stat))
            seeds.append(ds.attrs.get("seed"))
    return np.asarray(vals, dtype="float64"), seeds


def _welch_half_width(a: np.ndarray, b: np.ndarray, level: float) -> float:
    """Half-width of the Welch interval for mean(a) − mean(b) (NaN if a side has < 2 values)."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        return np.nan
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return 0.0
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(t_quantile(level, dof) * np.sqrt(va + vb))


def headline_effects(
    results,
    baseline=None,
    *,
    indicators: Iterable[str] | None = None,
    last_days: int | None = 30,
    stat: str = "mean",
    level: float = 0.95,
    allow_mismatch: bool = False,
    strict: bool = False,
) -> pd.DataFrame:
    """The headline-effects table: each indicator over the last ``last_days``
    days, for a scenario against a baseline, with seeds → mean and CI.

    The rows are ``indicators`` if given, else the scenario's ``look_at:``
    list followed by :data:`HEADLINE_INDICATORS` (those the files have).
    A baseline of other dates, length, scale or agent counts raises
    :class:`MismatchError` unless ``allow_mismatch``. Named ``indicators``
    the files lack are left out, or refused (``ValueError``) when ``strict``.

    Intervals respect the quantity's range (:func:`value_range`): log scale
    for quantities that are never negative, logit scale for shares, natural
    scale otherwise (column ``interval_scale``; :data:`analysis.stats.INTERVAL_NOTE`).

    ``results`` and ``baseline`` are each one run or several runs of the same
    scenario with different seeds (paths or Datasets). For each indicator and
    run the ``stat`` (default the mean) over the run's last ``last_days`` days
    is taken; across seeds the table gives the mean and a Student-t ``level``
    confidence interval.

    When both sides have the same seeds the comparison is **paired** (common
    random numbers: seed s of the scenario against seed s of the baseline):
    ``difference`` and ``pct_change`` are the means of the per-seed
    differences and percentage changes, with their CIs. Otherwise it is
    unpaired: difference of means with a Welch interval, and ``pct_change`` =
    100 × difference / baseline mean (its CI scales the difference CI by the
    same factor, ignoring the baseline's own uncertainty).

    Returns:
        A DataFrame indexed by ``indicator`` with ``units``, ``description``,
        ``scenario``, ``scenario_ci_low``, ``scenario_ci_high`` and ``n`` — and,
        with a baseline, ``baseline``, ``baseline_ci_low``,
        ``baseline_ci_high``, ``n_baseline``, ``difference``,
        ``difference_ci_low``, ``difference_ci_high``, ``pct_change``,
        ``pct_change_ci_low``, ``pct_change_ci_high`` and ``paired``. CI
        bounds are NaN with a single seed. ``attrs`` records ``last_days``,
        ``stat``, ``level`` and the scenario names.
    """
    sets = as_datasets(results)
    bsets = as_datasets(baseline) if baseline is not None else []
    if bsets and not allow_mismatch:
        check_comparable(sets, bsets)
    available = set().union(*(set(ds.data_vars) for ds in sets))
    if bsets:
        available &= set().union(*(set(ds.data_vars) for ds in bsets))
    focus = look_at(sets)
    if indicators is None:
        names = [n for n in dict.fromkeys(focus + list(HEADLINE_INDICATORS)) if n in available]
        if not names:  # an unfamiliar file: fall back to every indicator it has
            names = [n for n in sets[0].data_vars if n in available]
    else:
        indicators = list(indicators)
        unknown = [n for n in indicators if n not in available]
        if unknown and strict:
            raise ValueError(
                f"indicators not recorded in the results: {', '.join(unknown)}"
                + (" (and the baseline)" if bsets else "")
            )
        names = [n for n in indicators if n in available]

    def _attr(name, key):
        for ds in sets + bsets:
            if name in ds.data_vars and ds[name].attrs.get(key):
                return str(ds[name].attrs[key])
        return ""

    rows = []
    for n in names:
        sv, sseeds = _per_seed(sets, n, last_days, stat)
        lower, upper = value_range(sets + bsets, n, last_days if stat == "mean" else None)
        m, lo, hi, k = mean_ci(sv, level, lower=lower, upper=upper)
        row = {
            "indicator": n,
            "units": _attr(n, "units"),
            "description": _attr(n, "description"),
            "look_at": n in focus,
            "interval_scale": interval_scale(lower, upper),
            "scenario": m,
            "scenario_ci_low": lo,
            "scenario_ci_high": hi,
            "n": k,
        }
        if bsets:
            bv, bseeds = _per_seed(bsets, n, last_days, stat)
            bm, blo, bhi, bk = mean_ci(bv, level, lower=lower, upper=upper)
            row.update({"baseline": bm, "baseline_ci_low": blo, "baseline_ci_high": bhi, "n_baseline": bk})
            paired = (
                len(sseeds) == len(bseeds)
                and None not in sseeds
                and len(set(sseeds)) == len(sseeds)
                and set(sseeds) == set(bseeds)
            )
            if paired:
                order = {s: i for i, s in enumerate(bseeds)}
                bvp = bv[[order[s] for s in sseeds]]
                d = sv - bvp
                with np.errstate(divide="ignore", invalid="ignore"):
                    pct = np.where(bvp != 0, 100.0 * d / bvp, np.nan)
                dm, dlo, dhi, _ = mean_ci(d, level)
                if lower == 0:  # a non-negative quantity cannot fall by more than 100%: the ratio is ≥ 0
                    rm, rlo, rhi, _ = mean_ci(1.0 + pct / 100.0, level, lower=0.0)
                    pm, plo, phi = 100.0 * (rm - 1), 100.0 * (rlo - 1), 100.0 * (rhi - 1)
                else:
                    pm, plo, phi, _ = mean_ci(pct, level)
            else:
                dm = m - bm
                half = _welch_half_width(sv, bv, level)
                dlo, dhi = dm - half, dm + half
                scale = 100.0 / bm if np.isfinite(bm) and bm != 0 else np.nan
                pm, plo, phi = dm * scale, dlo * scale, dhi * scale
                if scale < 0:
                    plo, phi = phi, plo
                if lower == 0:
                    plo = max(plo, -100.0)
            row.update(
                {
                    "difference": dm,
                    "difference_ci_low": dlo,
                    "difference_ci_high": dhi,
                    "pct_change": pm,
                    "pct_change_ci_low": plo,
                    "pct_change_ci_high": phi,
                    "paired": bool(paired),
                }
            )
        rows.append(row)
    cols = ["indicator", "units", "description", "look_at", "interval_scale", "scenario", "scenario_ci_low",
            "scenario_ci_high", "n"]
    if bsets:
        cols += [
            "baseline",
            "baseline_ci_low",
            "baseline_ci_high",
            "n_baseline",
            "difference",
            "difference_ci_low",
            "difference_ci_high",
            "pct_change",
            "pct_change_ci_low",
            "pct_change_ci_high",
            "paired",
        ]
    table = pd.DataFrame(rows, columns=cols).set_index("indicator")
    table.attrs.update(
        {
            "last_days": last_days,
            "stat": stat,
            "level": level,
            "interval": INTERVAL_NOTE,
            "look_at": focus,
            "scenario_name": sets[0].attrs.get("scenario") if sets else None,
            "baseline_name": bsets[0].attrs.get("scenario") if bsets else None,
        }
    )
    return table
