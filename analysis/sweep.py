"""Parameter sweeps: a grid of scenario overrides × seeds, run with the CLI in parallel.

Each run is ``pfsim run SCENARIO --set k=v ... --seed S --steps N --out F -q``
in its own process; ``processes`` of them run at once, each with
``cores // processes`` engine threads so the machine is not oversubscribed.
Results are read back into one tidy DataFrame.
"""

from __future__ import annotations

import itertools
import os
import pathlib
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Mapping, Sequence

import pandas as pd

from ._cli import find_pfsim, find_scenario, format_value, run_scenario
from .compare import window_summary
from .results import open_results, to_tidy
from .stats import seed_bands

__all__ = ["SweepError", "expand_grid", "variant_label", "sweep", "summarize", "sweep_bands", "files_by_variant"]


class SweepError(RuntimeError):
    """One or more runs of a sweep failed; ``failures`` maps (variant, seed) to the error."""

    def __init__(self, failures: dict):
        self.failures = failures
        lines = [f"{len(failures)} sweep run(s) failed:"]
        for (variant, seed), err in failures.items():
            lines.append(f"- {variant} seed {seed}: {err}")
        super().__init__("\n".join(lines))


def expand_grid(grid: Mapping[str, Sequence] | Sequence[Mapping[str, object]] | None) -> list[dict]:
    """The list of variants of a grid.

    A mapping ``{"a.b": [1, 2], "c": [x, y]}`` gives the Cartesian product (4
    variants, the first key varying slowest); a list of dicts is taken as the
    explicit variants; None or ``{}`` gives one variant with no overrides.
    """
    if grid is None:
        return [{}]
    if isinstance(grid, Mapping):
        if not grid:
            return [{}]
        keys = list(grid)
        values = [list(v) if isinstance(v, (list, tuple, range)) else [v] for v in grid.values()]
        return [dict(zip(keys, combo)) for combo in itertools.product(*values)]
    return [dict(v) for v in grid]


def variant_label(overrides: Mapping[str, object]) -> str:
    """A readable label: ``"own_funding_share=0.3, leverage_limit=2"`` (last key
    component; the full path when two keys share it); ``"default"`` if empty."""
    if not overrides:
        return "default"
    short = [k.rsplit(".", 1)[-1] for k in overrides]
    names = [s if short.count(s) == 1 else k for s, k in zip(short, overrides)]
    return ", ".join(f"{n}={format_value(v)}" for n, v in zip(names, overrides.values()))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_") or "default"


def sweep(
    scenario: str | os.PathLike,
    grid: Mapping[str, Sequence] | Sequence[Mapping[str, object]] | None = None,
    *,
    seeds: Iterable[int] = range(3),
    steps: int | None = None,
    overrides: Mapping[str, object] | None = None,
    processes: int = 2,
    threads: int | None = None,
    pfsim: str | os.PathLike | None = None,
    workdir: str | os.PathLike | None = None,
    indicators: Iterable[str] | None = None,
    form: str = "tidy",
    last_days: int | None = 30,
    stat: str = "mean",
    timeout: float | None = None,
) -> pd.DataFrame:
    """Runs every variant of ``grid`` with every seed and returns the results.

    Args:
        scenario: a YAML file, or a name in ``<repo>/scenarios`` (``"baseline"``).
        grid: ``{"platform.own_funding_share": [0.02, 0.3], ...}`` (Cartesian
            product) or a list of override dicts (explicit variants).
        seeds: the seeds to run each variant with.
        steps: days to simulate (default: the scenario's ``run.days``).
        overrides: ``--set`` overrides common to every run (e.g. a small
            population: ``{"consumers.count": 20000, "smes.count": 2000}``).
        processes: runs at the same time.
        threads: engine threads per run (default ``max(1, cores // processes)``).
        pfsim: the executable or its build directory (see :func:`analysis.find_pfsim`).
        workdir: where to write the results files (kept); default a temporary
            folder removed once the results are read.
        indicators: keep only these indicators (default all).
        form: ``"tidy"`` — one row per variant × seed × date × indicator —
            or ``"summary"`` — one row per variant × seed × indicator, the
            ``stat`` over each run's last ``last_days`` days.
        last_days, stat: the summary window and statistic (``form="summary"``).
        timeout: seconds per run.

    Returns:
        A DataFrame with columns ``variant`` (label), one column per swept
        parameter (its full key path), ``seed``, then ``date``, ``indicator``,
        ``value``, ``units`` (tidy) or ``indicator``, ``units``, ``value``
        (summary). ``df.attrs`` holds ``scenario``, ``grid`` (the variants),
        ``steps``, ``overrides`` and ``files`` (``{(variant, seed): path}``;
        paths exist only with ``workdir``). :func:`sweep_bands` turns it into
        means and confidence bands across seeds.

    Raises:
        SweepError: a run failed (the others still ran); the message has the
            CLI's error for each failed run.
    """
    if form not in ("tidy", "summary"):
        raise ValueError(f"form: expected 'tidy' or 'summary', found {form!r}")
    scenario_path = find_scenario(scenario)
    exe = find_pfsim(pfsim)
    variants = expand_grid(grid)
    seeds = [int(s) for s in seeds]
    params = list(dict.fromkeys(k for v in variants for k in v))
    if threads is None:
        threads = max(1, (os.cpu_count() or 1) // max(1, processes))
    tmp = None
    if workdir is None:
        tmp = tempfile.mkdtemp(prefix="pfsim-sweep-")
        folder = pathlib.Path(tmp)
    else:
        folder = pathlib.Path(workdir)
        folder.mkdir(parents=True, exist_ok=True)
    jobs = []
    for v in variants:
        label = variant_label(v)
        for s in seeds:
            out = folder / f"{_slug(label)}__seed{s}.h5"
            jobs.append((label, v, s, out))

    def _run(job):
        label, v, s, out = job
        sets = dict(overrides or {})
        sets.update(v)
        return run_scenario(
            scenario_path, out, seed=s, steps=steps, overrides=sets, threads=threads, pfsim=exe, timeout=timeout
        )

    failures = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, processes)) as pool:
            futures = [(job, pool.submit(_run, job)) for job in jobs]
            for job, fut in futures:
                try:
                    fut.result()
                except Exception as err:  # PfsimError, a timeout, ...: report every failure at the end
                    failures[(job[0], job[2])] = err
        if failures:
            raise SweepError(failures)
        frames = []
        for label, v, s, out in jobs:
            ds = open_results(out, indicators=indicators)
            ds.attrs["label"] = label
            if form == "tidy":
                part = to_tidy(ds)[["date", "indicator", "value", "units"]]
            else:
                part = window_summary(ds, last_days=last_days, stat=stat)[["indicator", "units", "value"]]
            part.insert(0, "seed", s)
            for k in reversed(params):
                part.insert(0, k, v.get(k))
            part.insert(0, "variant", label)
            frames.append(part)
        df = pd.concat(frames, ignore_index=True)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    df.attrs.update(
        {
            "scenario": str(scenario_path),
            "grid": variants,
            "steps": steps,
            "overrides": dict(overrides or {}),
            "seeds": seeds,
            "form": form,
            "files": {(label, s): str(out) for label, _, s, out in jobs} if tmp is None else {},
        }
    )
    if form == "summary":
        df.attrs.update({"last_days": last_days, "stat": stat})
    return df


def summarize(tidy: pd.DataFrame, *, last_days: int | None = 30, stat: str = "mean") -> pd.DataFrame:
    """Turns a tidy sweep frame into the summary form: one row per variant ×
    seed × indicator, the ``stat`` over each run's last ``last_days`` days."""
    from .stats import window_stat

    keys = [c for c in tidy.columns if c not in ("date", "value", "units")]
    rows = []
    for key, part in tidy.sort_values("date").groupby(keys, dropna=False, sort=False):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row["units"] = part["units"].iloc[0]
        row["value"] = window_stat(part["value"].to_numpy(), part["date"].to_numpy(), last_days, stat)
        rows.append(row)
    cols = [c for c in keys if c != "indicator"] + ["indicator", "units", "value"]
    out = pd.DataFrame(rows)[cols]
    out.attrs.update(dict(tidy.attrs), form="summary", last_days=last_days, stat=stat)
    return out


def sweep_bands(df: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Mean and ``level`` confidence band across seeds for each variant (and
    date, in the tidy form) and indicator: columns ``mean``, ``std``, ``n``,
    ``ci_low``, ``ci_high`` and ``scale`` — bands kept within each
    indicator's range, on the log or logit scale (see :func:`analysis.seed_bands`)."""
    out = seed_bands(df, level=level)
    out.attrs.update({k: v for k, v in df.attrs.items() if k != "files"})
    out.attrs["level"] = level
    return out


def files_by_variant(df: pd.DataFrame) -> dict[str, list[str]]:
    """``{variant: [results file per seed, in seed order]}`` of a sweep run with
    ``workdir`` (from ``df.attrs["files"]``; empty for a temporary folder).
    Handy for :func:`analysis.headline_effects` and :func:`analysis.build_report`.
    Note that ``pd.concat`` drops ``attrs``: call this on the frame ``sweep`` returned."""
    out: dict[str, list[str]] = {}
    for (variant, _seed), path in sorted(df.attrs.get("files", {}).items(), key=lambda kv: (kv[0][0], kv[0][1])):
        out.setdefault(variant, []).append(path)
    return out
