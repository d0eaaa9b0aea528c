"""Reading pfsim results files into xarray and tidy pandas.

A results file (see ``docs/results-format.md``) holds ``/timeseries`` — a
``date`` dimension scale and one float64 dataset per indicator, each with
``units`` and ``description`` attributes — plus ``/metadata`` (the resolved
scenario text, seed, program version, ...) and ``/events``. Everything here
reads names generically: an indicator the engine does not (yet) record is
simply absent, never an error.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from typing import Iterable, Mapping, Sequence, Union

import h5py
import numpy as np
import pandas as pd
import xarray as xr

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
]

PathLike = Union[str, os.PathLike]
ResultsLike = Union[PathLike, xr.Dataset]

_DATE_UNITS = re.compile(r"^\s*days\s+since\s+(\d{4}-\d{2}-\d{2})")


def _text(value) -> object:
    """Decodes HDF5 byte strings (and 0-d arrays of them) into ``str``."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", errors="replace").rstrip("\x00")  # .partial files NUL-pad event text
    if isinstance(value, np.generic):
        return value.item()
    return value


def _scalar(text: str):
    """A YAML plain scalar: int, float, bool, null or (unquoted) string."""
    text = re.sub(r"\s+#.*$", "", text).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "~", ""):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def yaml_value(text: str, path: str):
    """The value at a key path (``"platform.own_funding_share"``,
    ``"banks.tiers[0].count"``) of a YAML document such as the resolved scenario.

    Uses PyYAML (python3-yaml) when it is installed; otherwise a simple scan of
    block-style mappings (enough for resolved scenarios; no list indices).
    Returns None when the path is absent.
    """
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    try:
        import yaml  # optional
    except ImportError:
        yaml = None
    if yaml is not None:
        try:
            node = yaml.safe_load(text)
        except yaml.YAMLError:
            return None
        for part in parts:
            try:
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]
            except (KeyError, IndexError, TypeError, ValueError):
                return None
        if isinstance(node, str) and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+", node):
            return float(node)  # YAML 1.1 (PyYAML) reads 1e+05 as a string
        return node
    if any(p.startswith("[") for p in parts):
        return None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    start, end, indent = 0, len(lines), 0
    for k, part in enumerate(parts):
        found = None
        for i in range(start, end):
            ind = len(lines[i]) - len(lines[i].lstrip(" "))
            if ind == indent and re.match(rf"{re.escape(part)}\s*:(\s|$)", lines[i].strip()):
                found = i
                break
        if found is None:
            return None
        rest = lines[found].split(":", 1)[1]
        if k == len(parts) - 1:
            return _scalar(rest)
        j = found + 1
        while j < end and len(lines[j]) - len(lines[j].lstrip(" ")) > indent:
            j += 1
        if j == found + 1:
            return None
        start, end = found + 1, j
        indent = len(lines[start]) - len(lines[start].lstrip(" "))
    return None


def _yaml_name(text: str) -> str | None:
    """``run.name`` from resolved scenario YAML."""
    name = yaml_value(text, "run.name")
    return None if name is None else str(name)


def _dates(ds: h5py.Dataset) -> np.ndarray:
    values = np.asarray(ds[()])
    units = str(_text(ds.attrs.get("units", "")))
    m = _DATE_UNITS.match(units)
    if m is None:
        if np.issubdtype(values.dtype, np.datetime64):
            return values.astype("datetime64[ns]")
        raise ValueError(f"{ds.name}: cannot read dates with units {units!r}")
    start = np.datetime64(m.group(1), "D")
    return (start + np.round(values).astype("int64").astype("timedelta64[D]")).astype("datetime64[ns]")


def _read_events(f: h5py.File) -> list[dict]:
    if "events" not in f or "day" not in f["events"]:
        return []
    g = f["events"]
    n = g["event"].shape[0] if "event" in g else g["day"].shape[0]  # `event` is written last: complete rows
    if n == 0:
        return []
    dates = _dates(g["day"])[:n]
    columns = {
        name: g[name][:n]
        for name in g
        if name not in ("day", "event")
        and isinstance(g[name], h5py.Dataset)
        and g[name].ndim == 1
        and g[name].shape[0] >= n
    }
    out = []
    for k in range(n):
        row = {"date": str(np.datetime_as_string(dates[k], unit="D"))}
        row.update({name: _text(values[k]) for name, values in columns.items()})
        out.append(row)
    return out


def _open_h5(path: pathlib.Path) -> h5py.File:
    """Opens read-only; a killed run's ``.partial`` (flagged "open for SWMR
    writing") opens as an SWMR reader, which never modifies it."""
    try:
        return h5py.File(path, "r")
    except OSError as err:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such results file") from err
        try:
            return h5py.File(path, "r", swmr=True)
        except OSError:
            # h5py's message ("file signature not found") does not name the file.
            raise OSError(f"{path}: cannot open as a results file (HDF5): {err}") from err


def open_results(path: PathLike, *, indicators: Iterable[str] | None = None) -> xr.Dataset:
    """Opens one results file as an in-memory :class:`xarray.Dataset`.

    Every 1-D dataset of ``/timeseries`` that shares the ``date`` axis becomes
    a variable (attributes ``units``, ``description``, ``long_name`` kept).
    The dataset's attributes carry the run's identity: ``scenario`` (the
    scenario's ``run.name``), ``seed``, ``program_version``, ``git_commit``,
    ``scenario_yaml`` (the resolved scenario text), ``source`` (the file path),
    every other ``/metadata`` attribute, and ``events`` (JSON list of the
    shocks that fired). The file is closed before returning. Partial files
    (``FILE.partial``) open too.

    Args:
        path: the HDF5 results file.
        indicators: read only these (missing names are skipped).

    Raises:
        ValueError: the file has no ``/timeseries`` group.
    """
    path = pathlib.Path(path)
    wanted = None if indicators is None else set(indicators)
    with _open_h5(path) as f:
        if "timeseries" not in f or "date" not in f["timeseries"]:
            raise ValueError(f"{path}: not a pfsim results file (no /timeseries/date)")
        g = f["timeseries"]
        dates = _dates(g["date"])
        n = dates.shape[0]
        data_vars = {}
        for name, ds in g.items():
            if name == "date" or not isinstance(ds, h5py.Dataset):
                continue
            # A killed run's .partial may hold up to one batch more rows in some indicators
            # than in `date` (written last): the date length is the number of complete rows.
            if ds.ndim != 1 or ds.shape[0] < n or (wanted is not None and name not in wanted):
                continue
            attrs = {
                k: _text(v)
                for k, v in ds.attrs.items()
                if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_FillValue")
            }
            attrs.setdefault("units", "")
            attrs.setdefault("description", "")
            data_vars[name] = xr.DataArray(np.asarray(ds[:n], dtype="float64"), dims=("date",), attrs=attrs)
        attrs: dict = {k: _text(v) for k, v in f.attrs.items()}
        if "metadata" in f:
            meta = f["metadata"]
            attrs.update({k: _text(v) for k, v in meta.attrs.items()})
            for name, ds in meta.items():
                if isinstance(ds, h5py.Dataset) and ds.shape == ():
                    value = _text(ds[()])
                    attrs["scenario_yaml" if name == "scenario" else name] = value
        ev = _read_events(f)
    attrs["events"] = json.dumps(ev)
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
    if "program_version" not in attrs and "pfsim_version" in attrs:
        attrs["program_version"] = attrs["pfsim_version"]
    date = xr.DataArray(dates, dims=("date",), attrs={"long_name": "simulated calendar day"})
    return xr.Dataset(data_vars, coords={"date": date}, attrs=attrs)


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
