"""Standard figures. Each function returns a :class:`matplotlib.figure.Figure`.

Figures are built with ``matplotlib.figure.Figure`` (not ``pyplot``), so they
need no GUI backend, leak no global state and display once in a notebook.
Every panel names the indicators it draws; an indicator a results file lacks
is left out, and a panel with none of its indicators says "not recorded".

Line conventions: colour = indicator; solid = the scenario, dashed = the
baseline, other styles = further scenarios. Each line's ``gid`` is the
indicator name for the main run, ``"baseline:<name>"`` for the baseline and
``"<label>:<name>"`` for further runs; each panel's ``gid`` is
``"panel:<key>"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .results import as_dataset, as_datasets, run_label, scenario_name, yaml_value

__all__ = [
    "FIGURES",
    "credit_by_funder",
    "defaults_by_lender",
    "bank_capital",
    "fund_flows",
    "platform_finances",
    "contagion",
    "plot_indicators",
    "plot_bands",
    "scenario_parameter",
]

_RUN_STYLES = ["-", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


@dataclass
class Panel:
    """One axes of a standard figure: which indicators, how to draw them."""

    key: str
    title: str
    series: Sequence[tuple[str, str]]  # (indicator, legend label)
    cumulative: bool = False
    smooth: int | None = None  # rolling mean over this many days
    percent: bool | None = None  # None: decide from units ("1", "1/year")
    reference: Callable[[xr.Dataset], list[tuple[float, str]]] | None = None
    # an indicator drawn as the rule line (e.g. the policy series); the
    # `reference` constants are used only when the run lacks it
    reference_series: tuple[str, str] | None = None
    ylim: tuple[float | None, float | None] | None = None  # in the indicator's units
    extra: dict = field(default_factory=dict)


# Days at the start of a run in which balances and arrears build up from zero
# (docs/scenario-guide.md): shaded and labelled "warm-up" in every figure.
WARMUP_DAYS = 270
LEGEND_SIZE = 9


# ----------------------------------------------------------------------------
# helpers


def scenario_parameter(results, path: str):
    """A parameter of the run's resolved scenario, by key path
    (``"platform.own_funding_share"``, ``"banks.tiers[0].capital_ratio"``);
    None when absent or when the scenario text cannot be parsed."""
    ds = as_dataset(results)
    text = ds.attrs.get("scenario_yaml")
    return yaml_value(text, path) if isinstance(text, str) else None


def _runs(results, baseline) -> list[tuple[str, xr.Dataset, object, str]]:
    """(label, dataset, linestyle, gid prefix) for every run to draw."""
    sets = as_datasets(results)
    bsets = as_datasets(baseline)[:1] if baseline is not None else []  # one baseline line is enough
    names = [run_label(ds) if len(sets) > 1 else scenario_name(ds) for ds in sets]
    if bsets:
        base = bsets[0].attrs.get("label") or scenario_name(bsets[0])
        if base in names:  # e.g. the same scenario file with --set overrides: name runs by file
            names = [ds.attrs.get("label") or _stem(ds) for ds in sets]
            base = bsets[0].attrs.get("label") or _stem(bsets[0])
        base_label = "baseline" if base == "baseline" else f"baseline: {base}"
        seeds = int(bsets[0].attrs.get("seeds", 1) or 1)
        if seeds > 1:
            base_label += f" (mean of {seeds} seeds)"
    out = []
    for k, (ds, label) in enumerate(zip(sets, names)):
        out.append((label, ds, _RUN_STYLES[k % len(_RUN_STYLES)], "" if k == 0 else f"{label}:"))
    if bsets:
        out.append((base_label, bsets[0], "--", "baseline:"))
    return out


def _stem(ds: xr.Dataset) -> str:
    src = str(ds.attrs.get("source") or "")
    return src.rsplit("/", 1)[-1].rsplit(".", 1)[0] if src else scenario_name(ds)


def _money_scale(units: str, peak: float) -> tuple[float, str]:
    base, _, per = units.partition("/")
    suffix = f"/{per}" if per else ""
    for factor, name in ((1e12, "tn"), (1e9, "bn"), (1e6, "mn"), (1e3, "k")):
        if peak >= factor:
            return 1.0 / factor, f"{base} {name}{suffix}"
    return 1.0, units


def _axis_scale(units: str, peak: float, percent: bool | None) -> tuple[float, str]:
    if percent is None:
        percent = units in ("1", "1/year")
    if percent and units in ("1", "1/year", ""):
        return 100.0, "%" if units != "1/year" else "% per year"
    if units.startswith("RMB"):
        return _money_scale(units, peak)
    return 1.0, "" if units == "1" else units


def _sparse(y: np.ndarray) -> bool:
    """A flow booked on a few days a month (e.g. at month end), zero between."""
    finite = y[np.isfinite(y)]
    return finite.size >= 28 and np.count_nonzero(finite) <= finite.size / 10


def _series(ds: xr.Dataset, name: str, panel: Panel, values: np.ndarray | None = None) -> np.ndarray:
    y = (ds[name].values if values is None else values).astype("float64")
    if panel.cumulative:
        y = np.nancumsum(y)
    if panel.smooth and panel.smooth > 1:
        if _sparse(y):
            # A rolling window would drop to 0 whenever it misses the booking day (every
            # 31-day month): use the mean per day over each calendar month instead.
            # A month with no booking yet (the run's last, unfinished one) carries the previous month.
            series = pd.Series(y, index=pd.DatetimeIndex(ds["date"].values))
            months = series.resample("MS")
            per_day = (months.sum(min_count=1) / months.count().clip(lower=1)).where(
                series.ne(0).resample("MS").sum() > 0
            )
            y = per_day.ffill().reindex(series.index, method="ffill").to_numpy()
        else:
            y = pd.Series(y).rolling(panel.smooth, min_periods=1).mean().to_numpy()
    return y


def _units_label(units: str, panel: Panel) -> str:
    """A cumulative sum of a per-day flow is a level, not a rate."""
    if panel.cumulative and units.endswith("/day"):
        return units[: -len("/day")]
    return units


def _events(ds: xr.Dataset) -> list[dict]:
    try:
        return json.loads(ds.attrs.get("events", "[]"))
    except (TypeError, ValueError):
        return []


def _draw_panel(ax, runs, panel: Panel) -> None:
    ax.set_gid(f"panel:{panel.key}")
    title = panel.title + (f" ({panel.smooth}-day mean)" if panel.smooth and panel.smooth > 1 else "")
    ax.set_title(title, fontsize=10, loc="left")
    present = [(n, lab) for n, lab in panel.series if any(n in ds.data_vars for _, ds, _, _ in runs)]
    if not present:
        ax.text(0.5, 0.5, "not recorded", ha="center", va="center", transform=ax.transAxes, color="0.5")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    units = next(str(ds[n].attrs.get("units", "")) for n, _ in present for _, ds, _, _ in runs if n in ds.data_vars)
    units = _units_label(units, panel)
    peak = 0.0
    for _, ds, _, _ in runs:
        for n, _ in present:
            if n in ds.data_vars:
                y = _series(ds, n, panel)
                if np.isfinite(y).any():
                    peak = max(peak, float(np.nanmax(np.abs(y))))
    factor, ylabel = _axis_scale(units, peak, panel.percent)
    color_of = {n: _COLORS[k % len(_COLORS)] for k, (n, _) in enumerate(present)}
    for r, (label, ds, style, prefix) in enumerate(runs):
        for n, lab in present:
            if n not in ds.data_vars:
                continue
            x = ds["date"].values
            ax.plot(
                x,
                _series(ds, n, panel) * factor,
                color=color_of[n],
                linestyle=style,
                linewidth=1.4 if r == 0 else 1.1,
                label=lab if r == 0 else None,
                gid=f"{prefix}{n}",
            )
            # several seeds: shade the range over seeds around their mean
            lo, hi = ds.get(f"{n}__seed_min"), ds.get(f"{n}__seed_max")
            if lo is not None and hi is not None:
                ax.fill_between(
                    x,
                    _series(ds, n, panel, lo.values) * factor,
                    _series(ds, n, panel, hi.values) * factor,
                    color=color_of[n],
                    alpha=0.18 if r == 0 else 0.1,
                    linewidth=0,
                    gid=f"band:{prefix}{n}",
                )
    main_ds = runs[0][1]
    if panel.reference_series is not None and panel.reference_series[0] in main_ds.data_vars:
        name, lab = panel.reference_series
        ax.step(
            main_ds["date"].values,
            main_ds[name].values.astype("float64") * factor,
            where="post",
            color="0.35",
            linewidth=0.9,
            linestyle=(0, (2, 2)),
            label=lab,
            gid="reference",
        )
    elif panel.reference is not None:
        for value, lab in panel.reference(main_ds):
            ax.axhline(value * factor, color="0.35", linewidth=0.8, linestyle=(0, (2, 2)), gid="reference")
            ax.annotate(
                lab, (0.01, value * factor), xycoords=("axes fraction", "data"), fontsize=8, color="0.35", va="bottom"
            )
    _mark_time(ax, main_ds)
    ax.set_ylabel(ylabel, fontsize=9)
    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.tick_params(labelsize=8)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    _limit_y(ax, panel, factor, units)
    handles, labels = ax.get_legend_handles_labels()
    if len(runs) > 1:
        for _, (label, _, style, _) in zip(range(4), runs):
            handles.append(Line2D([], [], color="0.2", linestyle=style))
            labels.append(label)
    if len(handles) > 1:
        ax.legend(handles, labels, fontsize=LEGEND_SIZE, loc="best", frameon=False)


def _limit_y(ax, panel: Panel, factor: float, units: str) -> None:
    """Panel limits, and a minimum visible span: a share is never drawn on less
    than 2 percentage points, anything else on less than 2% of its level, so
    that rounding noise does not fill the panel."""
    if panel.ylim is not None:
        lo, hi = panel.ylim
        ax.set_ylim(None if lo is None else lo * factor, None if hi is None else hi * factor)
        return
    lo, hi = ax.get_ylim()
    span = 0.02 * factor if units == "1" and factor == 100.0 else 0.02 * max(abs(lo), abs(hi))
    if span > 0 and hi - lo < span:
        mid = (lo + hi) / 2
        ax.set_ylim(mid - span / 2, mid + span / 2)


def _mark_time(ax, ds: xr.Dataset) -> None:
    """The warm-up (shaded) and the events (labelled vertical lines)."""
    dates = ds["date"].values
    if len(dates) > WARMUP_DAYS:
        start = dates[0]
        end = start + np.timedelta64(WARMUP_DAYS, "D")
        ax.axvspan(start, end, color="0.92", zorder=0, gid="warmup")
        ax.text(start, 1.0, " warm-up", transform=ax.get_xaxis_transform(), fontsize=8, color="0.45",
                va="top", ha="left", gid="warmup-label")
    evs = _events(ds)
    for k, ev in enumerate(evs):
        when = np.datetime64(ev["date"])
        ax.axvline(when, color="0.55", linewidth=0.8, gid="event")
        if len(evs) <= 8:
            ax.text(when, 0.98 - 0.09 * (k % 3), f" {ev.get('type', '')}", transform=ax.get_xaxis_transform(),
                    fontsize=7.5, color="0.3", va="top", ha="left", rotation=0, gid="event-label")


def _figure(results, baseline, panels: Sequence[Panel], title: str, ncols: int = 2) -> Figure:
    runs = _runs(results, baseline)
    nrows = int(np.ceil(len(panels) / ncols))
    fig = Figure(figsize=(5.2 * ncols, 3.3 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels):
        _draw_panel(ax, runs, panel)
    for ax in axes[len(panels) :]:
        fig.delaxes(ax)
    head = f"{title} — {runs[0][0]}"
    if baseline is not None:
        head += " vs baseline (dashed)"
    fig.suptitle(head, fontsize=12)
    return fig


def _share_rule(ds):
    v = scenario_parameter(ds, "platform.own_funding_share")
    return [(float(v), "rule: own-funding share")] if isinstance(v, (int, float)) else []


def _capital_requirement(ds):
    out = []
    minimum = scenario_parameter(ds, "banks.capital_minimum")
    if isinstance(minimum, (int, float)):
        out.append((float(minimum), "minimum"))
        buffer = scenario_parameter(ds, "banks.conservation_buffer")
        if isinstance(buffer, (int, float)) and buffer > 0:
            out.append((float(minimum) + float(buffer), "minimum + buffer"))
    return out


# ----------------------------------------------------------------------------
# the standard figures

CREDIT_PANELS = [
    Panel(
        "funder",
        "Platform-originated credit by funder",
        [("platform_funded_balance", "platform own-funded"), ("colent_bank_funded_balance", "partner banks (co-lent)")],
    ),
    Panel(
        "borrower",
        "Credit by borrower and channel",
        [
            ("consumer_credit_balance", "consumers, via platform"),
            ("sme_credit_balance", "SMEs, via platform"),
            ("bank_consumer_loan_balance", "consumers, direct bank"),
            ("bank_sme_loan_balance", "SMEs, direct bank"),
        ],
    ),
    Panel(
        "share",
        "Platform's own-funded share",
        [("platform_own_funding_share", "own-funded share")],
        reference=_share_rule,
        reference_series=("policy_own_funding_share", "rule: own-funding share"),
    ),
    Panel(
        "new",
        "New lending",
        [("new_loans_platform", "platform-originated"), ("new_loans_bank", "direct bank")],
        smooth=7,
    ),
]

DEFAULT_PANELS = [
    Panel(
        "dpd30",
        "30+ days past due / balance",
        [
            ("consumer_dpd30_ratio", "platform, consumer"),
            ("sme_dpd30_ratio", "platform, SME"),
            ("bank_consumer_dpd30_ratio", "bank, consumer"),
        ],
    ),
    Panel(
        "dpd90",
        "90+ days past due / balance",
        [
            ("consumer_dpd90_ratio", "platform, consumer"),
            ("sme_dpd90_ratio", "platform, SME"),
            ("bank_consumer_dpd90_ratio", "bank, consumer"),
            ("bank_npl_ratio", "bank-held NPL"),
        ],
    ),
    Panel(
        "writeoffs",
        "Write-offs",
        [("write_offs_platform", "platform-originated"), ("write_offs_bank", "direct bank")],
        smooth=30,
    ),
    Panel(
        "loss",
        "Loss rates (annualised)",
        [("loss_rate_platform", "platform-originated"), ("loss_rate_bank", "direct bank")],
        smooth=30,
    ),
]

CAPITAL_PANELS = [
    Panel(
        "ratios",
        "Bank capital ratios (month end)",
        [
            ("bank_capital_ratio", "aggregate"),
            ("bank_capital_ratio_median", "median"),
            ("bank_capital_ratio_p10", "10th percentile"),
            ("bank_capital_ratio_min", "minimum"),
        ],
        reference=_capital_requirement,
    ),
    Panel("equity", "Bank equity", [("bank_equity", "all banks")]),
]

FUND_PANELS = [
    Panel("assets", "Money-market fund assets", [("fund_assets", "units outstanding")]),
    Panel(
        "flows",
        "Fund flows",
        [
            ("fund_subscriptions", "subscriptions"),
            ("fund_redemptions", "redemptions"),
            ("fund_redemptions_refused", "redemptions refused"),
        ],
        smooth=7,
    ),
    Panel("yield", "Yield", [("fund_yield", "fund yield"), ("policy_rate", "policy rate")]),
    Panel("confidence", "Confidence in the fund and platform", [("fund_confidence", "confidence")], ylim=(0, 1.05)),
]

PLATFORM_PANELS = [
    Panel(
        "revenue",
        "Platform revenue by line",
        [
            ("platform_revenue_payments", "payments"),
            ("platform_revenue_credit", "credit"),
            ("platform_revenue_investment", "investment"),
            ("platform_revenue_total", "total"),
        ],
        smooth=30,
    ),
    Panel("equity", "Equity and valuation", [("platform_equity", "equity"), ("platform_valuation", "valuation")]),
    Panel("leverage", "Leverage (own-funded loans / equity)", [("platform_leverage", "leverage")], percent=False),
    Panel(
        "payments",
        "Payment shares",
        [
            ("platform_payment_share", "of all purchases"),
            ("mobile_payment_share_platform", "of mobile-wallet purchases"),
        ],
    ),
]

CONTAGION_PANELS = [
    Panel("failures", "Bank failures (cumulative)", [("bank_failures", "failed banks")], cumulative=True),
    Panel(
        "resolution", "Resolution cost (cumulative)", [("bank_resolution_cost", "government capital")], cumulative=True
    ),
    Panel(
        "liquidity", "Liquidity", [("bank_reserves", "bank reserves"), ("central_bank_lending", "central-bank lending")]
    ),
    Panel(
        "run",
        "Fund-run pressure",
        [("fund_redemptions", "redemptions"), ("fund_redemptions_refused", "refused")],
        smooth=7,
    ),
]


def credit_by_funder(results, baseline=None) -> Figure:
    """Credit by funder (platform own-funded vs partner banks), by borrower
    (consumer vs SME, platform-originated vs direct bank), the own-funded
    share against the scenario's rule, and new lending.

    Args:
        results: a path or Dataset, or a mapping ``label -> run`` to overlay.
        baseline: optional baseline run, drawn dashed.
    """
    return _figure(results, baseline, CREDIT_PANELS, "Credit by funder")


def defaults_by_lender(results, baseline=None) -> Figure:
    """Arrears (30+ / 90+ days past due) and write-offs and loss rates, by
    lender (platform-originated vs direct bank) and borrower (consumer vs SME)."""
    return _figure(results, baseline, DEFAULT_PANELS, "Defaults by lender")


def bank_capital(results, baseline=None) -> Figure:
    """The distribution of bank capital ratios (aggregate, median, 10th
    percentile, minimum, against the scenario's requirement) and bank equity."""
    return _figure(results, baseline, CAPITAL_PANELS, "Bank capital")


def fund_flows(results, baseline=None) -> Figure:
    """The money-market fund: assets, subscriptions / redemptions, yield and confidence."""
    return _figure(results, baseline, FUND_PANELS, "Money-market fund")


def platform_finances(results, baseline=None) -> Figure:
    """The platform: revenue by line, equity and valuation, leverage, payment shares."""
    return _figure(results, baseline, PLATFORM_PANELS, "Platform")


def contagion(results, baseline=None) -> Figure:
    """Stress and contagion over time: bank failures and resolution cost
    (cumulative), reserves and central-bank lending, fund-run pressure.
    For the interbank network itself see :mod:`analysis.network`."""
    return _figure(results, baseline, CONTAGION_PANELS, "Stress and contagion")


# name -> (function, title); the order of the report
FIGURES: dict[str, tuple[Callable[..., Figure], str]] = {
    "credit_by_funder": (credit_by_funder, "Credit by funder"),
    "defaults_by_lender": (defaults_by_lender, "Defaults by lender"),
    "bank_capital": (bank_capital, "Bank capital"),
    "fund_flows": (fund_flows, "Money-market fund"),
    "platform_finances": (platform_finances, "Platform revenue, equity and valuation"),
    "contagion": (contagion, "Stress and contagion"),
}


def plot_indicators(
    results,
    indicators: Iterable[str],
    baseline=None,
    *,
    ncols: int = 2,
    smooth: int | None = None,
    title: str = "Indicators",
) -> Figure:
    """One panel per indicator (missing ones say "not recorded"); ``smooth``
    applies a rolling mean over that many days. ``results`` and ``baseline``
    as in :func:`credit_by_funder`."""
    panels = [Panel(n, n, [(n, n)], smooth=smooth) for n in indicators]
    return _figure(results, baseline, panels, title, ncols=ncols)


def plot_bands(
    bands: pd.DataFrame,
    indicators: Iterable[str] | None = None,
    *,
    by: str | None = None,
    ncols: int = 2,
    title: str = "Mean across seeds",
) -> Figure:
    """Mean and confidence band over time, one panel per indicator, one line
    per group (e.g. sweep variant).

    Args:
        bands: output of :func:`analysis.seed_bands` on a per-date frame
            (columns ``date``, ``indicator``, ``units``, ``mean``, ``ci_low``,
            ``ci_high`` and a group column).
        indicators: which to draw (default: all in ``bands``).
        by: the group column (default ``"variant"``, else ``"scenario"``).
    """
    if by is None:
        by = "variant" if "variant" in bands.columns else "scenario"
    names = list(indicators) if indicators is not None else list(dict.fromkeys(bands["indicator"]))
    ncols = max(1, min(ncols, len(names)))
    nrows = int(np.ceil(len(names) / ncols))
    fig = Figure(figsize=(5.2 * ncols, 3.3 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    groups = list(dict.fromkeys(bands[by]))
    level = bands.attrs.get("level", 0.95)
    for ax, name in zip(axes, names):
        ax.set_gid(f"panel:{name}")
        ax.set_title(name, fontsize=10, loc="left")
        sub = bands[bands["indicator"] == name]
        if sub.empty:
            ax.text(0.5, 0.5, "not recorded", ha="center", va="center", transform=ax.transAxes, color="0.5")
            continue
        units = str(sub["units"].iloc[0]) if "units" in sub else ""
        peak = float(np.nanmax(np.abs(sub[["mean", "ci_low", "ci_high"]].to_numpy()))) if len(sub) else 0.0
        factor, ylabel = _axis_scale(units, peak if np.isfinite(peak) else 0.0, None)
        for k, g in enumerate(groups):
            part = sub[sub[by] == g].sort_values("date")
            if part.empty:
                continue
            color = _COLORS[k % len(_COLORS)]
            ax.plot(part["date"], part["mean"] * factor, color=color, label=str(g), gid=f"{g}:{name}")
            ax.fill_between(
                part["date"].to_numpy(),
                part["ci_low"] * factor,
                part["ci_high"] * factor,
                color=color,
                alpha=0.2,
                linewidth=0,
            )
        ax.set_ylabel(ylabel, fontsize=9)
        loc = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        ax.tick_params(labelsize=8)
        ax.grid(True, linewidth=0.4, alpha=0.5)
        ax.legend(fontsize=LEGEND_SIZE, frameon=False)
    for ax in axes[len(names) :]:
        fig.delaxes(ax)
    fig.suptitle(f"{title} (bands: {int(round(level * 100))}% CI)", fontsize=12)
    return fig
