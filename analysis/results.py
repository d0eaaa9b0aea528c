"""Reading pfsim results files into xarray and tidy pandas.

A results file (see ``docs/results-format.md``) holds ``/timeseries`` — a
``date`` dimension scale and one float64 dataset per indicator, each with
``units`` and ``description`` attributes — plus ``/metadata`` (the resolved
scenario text, seed, program version, ...) and ``/events``. Everything here
reads names generically: an indicator the engine does not (yet) record is
simply absent, never an error.

Files are read with the ``pfsim`` package's reader (``pfsim.open_results``) and
scenario parameters with its path parser (``pfsim.Scenario``): the bindings and
this package read a file, and parse a key path, the same way.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
from typing import Iterable, Mapping, Sequence, Union

import numpy as np
import pandas as pd
import xarray as xr

from ._pfsim import pfsim

__all__ = [
    "open_results",
    "open_many",
    "to_tidy",
    "indicator_table",
    "metadata",
    "events",
    "scenario_name",
    "run_label",
    "as_dataset",
    "as_datasets",
    "yaml_value",
    "scenario_look_at",
]

PathLike = Union[str, os.PathLike]
ResultsLike = Union[PathLike, xr.Dataset]


@functools.lru_cache(maxsize=32)
def _scenario(text: str):
    """The pfsim.Scenario of resolved scenario text (cached: figures and
    comparisons ask one run for several parameters); None when the text does
    not load (e.g. a file of an older engine with other parameters)."""
    pf = pfsim()
    try:
        return pf.Scenario.from_yaml(text, source="<resolved scenario>")
    except pf.ScenarioError:
        return None


def yaml_value(text: str, path: str):
    """The value at a key path (``"platform.own_funding_share"``,
    ``"banks.tiers[0].count"``) of scenario YAML text such as the resolved
    scenario of a results file, exactly as ``pfsim.Scenario(...)[path]`` reads
    it (the engine's own loader and path parser): a scalar, a list of dicts
    (``"banks.tiers"``) or a dict (a section). Returns None when the path is
    absent or the text is not a valid scenario.
    """
    sc = _scenario(text) if isinstance(text, str) else None
    if sc is None:
        return None
    try:
        return sc[path]
    except (KeyError, IndexError, ValueError):
        return None


def scenario_look_at(text: str) -> list[str]:
    """The ``look_at:`` indicators of scenario YAML text ([] when none or
    when the text is not a valid scenario)."""
    sc = _scenario(text) if isinstance(text, str) else None
    return sc.look_at if sc is not None else []


def _yaml_name(text: str) -> str | None:
    """``run.name`` from resolved scenario YAML."""
    name = yaml_value(text, "run.name")
    return None if name is None else str(name)


def _read(path: pathlib.Path):
    """``pfsim.open_results(path)`` (the one reader of results files), with the
    errors this package has always raised: FileNotFoundError for a missing file,
    ValueError for one that is not a (readable) pfsim results file."""
    if not path.exists() and not path.with_name(path.name + ".partial").exists():
        raise FileNotFoundError(f"{path}: no such results file")
    pf = pfsim()
    try:
        return pf.open_results(path)
    except pf.ScenarioError as err:  # a ValueError, as raised here before
        raise ValueError(f"{path}: not a pfsim results file, or damaged: {err}") from err


def _event_rows(events: pd.DataFrame) -> list[dict]:
    """Events as JSON-ready rows (``date`` as ``YYYY-MM-DD``, other columns as text)."""
    rows = []
    for rec in events.to_dict("records"):
        row = {"date": pd.Timestamp(rec.pop("date")).strftime("%Y-%m-%d")}
        row.update(rec)
        rows.append(row)
    return rows


def open_results(path: PathLike, *, indicators: Iterable[str] | None = None) -> xr.Dataset:
    """Opens one results file as an in-memory :class:`xarray.Dataset`.

    Read with ``pfsim.open_results`` (so this package and the Python bindings
    read a file the same way). Every indicator of ``/timeseries`` becomes a
    variable over ``date`` (attributes ``units``, ``long_name``,
    ``description``). The dataset's attributes carry the run's identity:
    ``scenario`` (the scenario's ``run.name``), ``seed``, ``program_version``,
    ``git_commit``, ``scenario_yaml`` (the resolved scenario text), ``source``
    (the file path), every other ``/metadata`` attribute, ``interventions``
    (JSON list, when made from Python) and ``events`` (JSON list of the shocks
    that fired). The file is closed before returning. Partial files
    (``FILE.partial``, or ``FILE`` when only its ``.partial`` exists) open too.

    Args:
        path: the HDF5 results file.
        indicators: read only these (missing names are skipped).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a pfsim results file, or damaged.
    """
    path = pathlib.Path(path)
    results = _read(path)
    ds = results.to_xarray()
    if indicators is not None:
        wanted = set(indicators)
        ds = ds.drop_vars([n for n in ds.data_vars if n not in wanted])
    ds["date"].attrs = {"long_name": "simulated calendar day"}
    attrs: dict = {}
    for key, value in results.metadata.items():
        if key == "scenario":
            attrs["scenario_yaml"] = value
        elif key == "interventions":
            if value:
                attrs["interventions"] = json.dumps(value)
        else:
            attrs[key] = value
    attrs["events"] = json.dumps(_event_rows(results.events))
    attrs["source"] = str(path)
    yaml_text = attrs.get("scenario_yaml")
    name = _yaml_name(yaml_text) if isinstance(yaml_text, str) else None
    if not name:
        sp = attrs.get("scenario_path")
        name = pathlib.Path(str(sp)).stem if sp else path.stem
    attrs["scenario"] = name
    if "seed" in attrs:
        try:
            attrs["seed"] = int(attrs["seed"])
        except (TypeError, ValueError):
            pass
    ds.attrs = attrs
    return ds


def as_dataset(results: ResultsLike) -> xr.Dataset:
    """A Dataset from a path (opened with :func:`open_results`) or a Dataset (returned as is)."""
    if isinstance(results, xr.Dataset):
        return results
    return open_results(results)


def as_datasets(results) -> list[xr.Dataset]:
    """A list of Datasets from one path / Dataset, a sequence of them, or a
    mapping ``label -> path/Dataset`` (the label is stored as ``attrs['label']``)."""
    if isinstance(results, (str, os.PathLike, xr.Dataset)):
        return [as_dataset(results)]
    if isinstance(results, Mapping):
        out = []
        for label, r in results.items():
            ds = as_dataset(r).copy()
            ds.attrs["label"] = str(label)
            out.append(ds)
        return out
    return [as_dataset(r) for r in results]


def scenario_name(ds: xr.Dataset) -> str:
    """The scenario name of a run (``run.name``, else the file stem)."""
    return str(ds.attrs.get("scenario") or ds.attrs.get("label") or "results")


def run_label(ds: xr.Dataset) -> str:
    """A short label for one run: its ``label`` attribute if set (see
    :func:`as_datasets`), else ``"<scenario> seed <seed>"``."""
    if ds.attrs.get("label"):
        return str(ds.attrs["label"])
    seed = ds.attrs.get("seed")
    return scenario_name(ds) if seed is None else f"{scenario_name(ds)} seed {seed}"


def open_many(
    paths: Iterable[ResultsLike] | Mapping[str, ResultsLike],
    *,
    labels: Sequence[str] | None = None,
    indicators: Iterable[str] | None = None,
) -> xr.Dataset:
    """Opens several results files as one Dataset with a ``run`` dimension.

    Runs are aligned on ``date`` (outer join: a shorter run is NaN-padded).
    Coordinates along ``run``: ``scenario``, ``seed``, ``source``. Indicators
    missing from some runs are NaN there.

    Args:
        paths: paths or Datasets, or a mapping ``label -> path``.
        labels: names of the runs (default ``"<scenario> seed <seed>"``,
            made unique).
        indicators: read only these.
    """
    if isinstance(paths, Mapping):
        labels = list(paths.keys()) if labels is None else labels
        paths = list(paths.values())
    items = list(paths)
    sets = [open_results(p, indicators=indicators) if not isinstance(p, xr.Dataset) else p for p in items]
    if not sets:
        raise ValueError("open_many: no results given")
    if labels is None:
        labels = []
        seen: dict[str, int] = {}
        for ds in sets:
            lab = run_label(ds)
            seen[lab] = seen.get(lab, 0) + 1
            labels.append(lab if seen[lab] == 1 else f"{lab} ({seen[lab]})")
    if len(labels) != len(sets):
        raise ValueError("open_many: one label per run needed")
    scen = [scenario_name(ds) for ds in sets]
    seeds = [ds.attrs.get("seed", -1) for ds in sets]
    sources = [str(ds.attrs.get("source", "")) for ds in sets]
    stripped = [ds.copy() for ds in sets]
    for ds in stripped:
        ds.attrs = {}
    combined = xr.concat(stripped, dim="run", join="outer", combine_attrs="drop", fill_value=np.nan)
    for name in combined.data_vars:
        for ds in sets:
            if name in ds:
                combined[name].attrs = dict(ds[name].attrs)
                break
    combined = combined.assign_coords(
        run=("run", list(labels)),
        scenario=("run", scen),
        seed=("run", np.asarray(seeds)),
        source=("run", sources),
    )
    common = {}
    for key in ("program_version", "git_commit", "pfsim_version"):
        vals = {str(ds.attrs.get(key)) for ds in sets if key in ds.attrs}
        if len(vals) == 1:
            common[key] = vals.pop()
    combined.attrs = common
    return combined


def indicator_table(results: ResultsLike) -> pd.DataFrame:
    """Name, units and description of every indicator in a run (index: name)."""
    ds = as_dataset(results)
    rows = [
        {
            "indicator": name,
            "units": str(ds[name].attrs.get("units", "")),
            "description": str(ds[name].attrs.get("description", "")),
        }
        for name in ds.data_vars
    ]
    return pd.DataFrame(rows, columns=["indicator", "units", "description"]).set_index("indicator")


def metadata(results: ResultsLike) -> dict:
    """The run's identity and provenance: scenario, seed, version, git commit,
    scenario text, ... (the attributes set by :func:`open_results`)."""
    ds = as_dataset(results)
    out = dict(ds.attrs)
    out["events"] = json.loads(out.get("events", "[]"))
    return out


def events(results: ResultsLike) -> pd.DataFrame:
    """The shocks that fired during the run: one row each, with ``date``,
    ``type``, ``parameters`` (JSON text) and ``condition`` (empty when scheduled)."""
    ds = as_dataset(results)
    rows = json.loads(ds.attrs.get("events", "[]"))
    df = pd.DataFrame(rows, columns=sorted({k for r in rows for k in r} | {"date", "type"}))
    if len(df):
        df["date"] = pd.to_datetime(df["date"])
    cols = ["date", "type"] + [c for c in df.columns if c not in ("date", "type")]
    return df[cols]


def to_tidy(
    results,
    *,
    indicators: Iterable[str] | None = None,
    dropna: bool = False,
) -> pd.DataFrame:
    """Results in long ("tidy") form: one row per run × date × indicator.

    Columns: ``run`` (label), ``scenario``, ``seed``, ``date``, ``indicator``,
    ``value``, ``units``.

    Args:
        results: a path or Dataset, a sequence of them, a mapping
            ``label -> path``, or an ``open_many`` Dataset (with ``run``).
        indicators: keep only these (missing names are skipped).
        dropna: drop rows whose value is NaN ("no observation that day").
    """
    if isinstance(results, xr.Dataset) and "run" in results.dims:
        sets = []
        for k in range(results.sizes["run"]):
            one = results.isel(run=k)
            ds = one.drop_vars([c for c in ("run", "scenario", "seed", "source") if c in one.coords])
            ds.attrs = {
                "label": str(one["run"].values),
                "scenario": str(one["scenario"].values) if "scenario" in one.coords else "",
                "seed": one["seed"].values.item() if "seed" in one.coords else None,
            }
            sets.append((str(one["run"].values), ds))
    else:
        sets = [(run_label(ds), ds) for ds in as_datasets(results)]
    frames = []
    wanted = None if indicators is None else list(indicators)
    for label, ds in sets:
        names = [n for n in (wanted if wanted is not None else ds.data_vars) if n in ds.data_vars]
        if not names:
            continue
        dates = ds["date"].values
        values = np.column_stack([ds[n].values for n in names])  # (date, indicator)
        nd, ni = values.shape
        frame = pd.DataFrame(
            {
                "run": label,
                "scenario": scenario_name(ds),
                "seed": ds.attrs.get("seed"),
                "date": np.repeat(dates, ni),
                "indicator": np.tile(np.asarray(names, dtype=object), nd),
                "value": values.reshape(-1),
                "units": np.tile(np.asarray([str(ds[n].attrs.get("units", "")) for n in names], dtype=object), nd),
            }
        )
        frames.append(frame)
    cols = ["run", "scenario", "seed", "date", "indicator", "value", "units"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)[cols]
    if dropna:
        out = out.dropna(subset=["value"]).reset_index(drop=True)
    return out
