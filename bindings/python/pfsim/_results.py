"""Results: recorded indicators, from a live simulation or a results file."""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from . import _core

if TYPE_CHECKING:
    import xarray

    from ._simulation import Simulation

#: Name of the dataset in /metadata that holds the interventions (JSON list).
INTERVENTIONS = "interventions"


class _Hdf5Lock:
    """The lock this package holds while it reads results files
    (:func:`open_results`, :meth:`Results.networks`) or recovers one
    (:func:`recover`); reentrant: ``with pfsim.hdf5_lock: ...``.

    h5py is not safe for concurrent use from several threads (h5py issues
    #1764 and #2920: SIGSEGV), and a sweep reads its runs' files on worker
    threads, so these take turns. Code of your own that uses h5py on threads
    beside pfsim can hold it too. The engine's own writing (``out=``,
    ``save()``) does not take it: it uses no h5py, and Debian's HDF5 is built
    thread-safe, which serialises the library's calls.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> "_Hdf5Lock":
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


hdf5_lock = _Hdf5Lock()


def indicators() -> pd.DataFrame:
    """The indicator table: one row per indicator (indexed by name) with its
    units and description, in the order the engine records them."""
    return pd.DataFrame(_core.indicators()).set_index("name")


def _text(value: Any) -> Any:
    """h5py hands fixed-length strings back as bytes."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return [_text(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


class NetworkSnapshot(NamedTuple):
    """One snapshot of a network in a results file (:meth:`Results.networks`).

    ``nodes``: one row per node, indexed by ``node`` (the node's position,
    0 … n−1, which ``edges.source``/``edges.target`` refer to); columns
    ``node_kind`` (str, e.g. ``"bank"``), ``node_index`` (index within its
    kind) and one float64 column per node attribute.

    ``edges``: one row per edge, in the order the run recorded them; columns
    ``source``, ``target`` and ``weight`` (RMB, ``edges.attrs["units"]``).
    ``source`` owes ``target``: each edge is a claim held by ``target`` (the
    creditor) on ``source`` (the debtor).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame

    def matrix(self) -> Any:
        """The network as a ``scipy.sparse.csr_matrix`` of shape (nodes,
        nodes): entry [i, j] = Σ weight of the edges i → j (what node i owes
        node j, RMB), the liabilities matrix of ``pfsim contagion``."""
        import scipy.sparse  # only callers of matrix() need scipy

        n = len(self.nodes)
        e = self.edges
        return scipy.sparse.csr_matrix(
            (e["weight"].to_numpy(), (e["source"].to_numpy(), e["target"].to_numpy())), shape=(n, n)
        )


class _NetworkRows(NamedTuple):
    """How much of /networks/<name> was complete when the file was opened."""

    snapshots: int
    nodes: int
    edges: int


#: Members of /networks/<name>/nodes that are not node attributes
#: (``node_kind_t``: the named enum type of ``node_kind`` in a finished file).
_NODE_COLUMNS = ("row", "snapshot", "node_kind", "node_index", "node_kind_t")


def _node_kinds(ds: Any, rows: int) -> np.ndarray:
    """The first ``rows`` node kinds as str (object array): an HDF5 enum of
    one-byte codes in a finished file (results format 2), text in a
    ``.partial`` or a format-1 file."""
    import h5py

    members = h5py.check_enum_dtype(ds.dtype)
    if members is None:
        return np.asarray(ds.asstr()[:rows], dtype=object)
    names = np.empty(max(members.values(), default=0) + 1, dtype=object)
    for name, code in members.items():
        names[code] = name
    return names[ds[:rows]]


class Results:
    """Indicators recorded by a run: one row per simulated day.

    From a live simulation (``sim.results``, a snapshot) or a results file
    (:func:`open_results`); both give the same tables::

        df = results.to_pandas()     # index: date; one column per indicator
        df.attrs["units"]            # {indicator: units}
        ds = results.to_xarray()     # Dataset over `date`, units in attrs
        results["consumption"]       # one indicator as a pandas Series

    :attr:`metadata` holds the resolved scenario (:attr:`scenario`), seed,
    thread count, program version and git commit; :attr:`interventions` what
    was done from Python beyond the scenario; :attr:`events` the shocks
    recorded in the file (empty until shocks exist); :meth:`networks` the
    network snapshots of a results file (:attr:`network_names`).
    """

    def __init__(
        self,
        *,
        start_date: datetime.date,
        days: np.ndarray,
        series: Mapping[str, np.ndarray],
        units: Mapping[str, str],
        descriptions: Mapping[str, str],
        metadata: Mapping[str, Any],
        events: pd.DataFrame | None = None,
        source: str | None = None,
        networks: Mapping[str, _NetworkRows] | None = None,
    ) -> None:
        self._start_date = start_date
        self._days = np.asarray(days, dtype=np.int64)
        self._series = dict(series)
        self._units = dict(units)
        self._descriptions = dict(descriptions)
        self._metadata = dict(metadata)
        self._events = events
        self._source = source
        self._networks = dict(networks or {})

    @classmethod
    def _from_simulation(cls, sim: Simulation) -> Results:
        table = sim._core.recorded_indicators()  # the scenario's record.indicators
        values = sim._core.recorded_series()
        start = sim.start_date
        metadata = {
            "scenario": sim._core.scenario_yaml,
            "scenario_path": sim._core.scenario_source,
            "seed": sim.seed,
            "threads": sim.threads,
            "program_version": _core.__version__,
            "git_commit": _core.git_commit,
            "start_date": start.isoformat(),
            INTERVENTIONS: sim.interventions,
        }
        return cls(
            start_date=start,
            days=sim._core.recorded_days(),
            series={t["name"]: values[k] for k, t in enumerate(table)},
            units={t["name"]: t["units"] for t in table},
            descriptions={t["name"]: t["description"] for t in table},
            metadata=metadata,
            events=sim.events,
        )

    # -- contents --

    @property
    def names(self) -> tuple[str, ...]:
        """Indicator names, in recording order."""
        return tuple(self._series)

    @property
    def units(self) -> dict[str, str]:
        """``{indicator: units}`` (e.g. ``"RMB/day"``, ``"1"``, ``"count"``)."""
        return dict(self._units)

    @property
    def descriptions(self) -> dict[str, str]:
        """``{indicator: one-sentence description}``."""
        return dict(self._descriptions)

    @property
    def start_date(self) -> datetime.date:
        """The run's first day (day 0)."""
        return self._start_date

    @property
    def days(self) -> np.ndarray:
        """Days since :attr:`start_date` of every row."""
        return self._days.copy()

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The date of every row (the day it describes)."""
        return pd.DatetimeIndex(
            pd.Timestamp(self._start_date) + pd.to_timedelta(self._days, unit="D"),
            name="date",
        )

    def __len__(self) -> int:
        return len(self._days)

    def __getitem__(self, name: str) -> pd.Series:
        """One indicator as a Series indexed by date (``.attrs["units"]`` set)."""
        s = pd.Series(self._series[name], index=self.dates, name=name)
        s.attrs["units"] = self._units[name]
        return s

    @property
    def metadata(self) -> dict[str, Any]:
        """scenario (resolved YAML), scenario_path, seed, threads,
        program_version, git_commit, start_date, interventions, ..."""
        return dict(self._metadata)

    @property
    def scenario(self) -> str:
        """The fully resolved scenario (YAML): ``pfsim.Scenario.from_yaml()``
        of it, with the same seed, replays the run."""
        return self._metadata.get("scenario", "")

    @property
    def seed(self) -> int:
        """The run's random seed."""
        return int(self._metadata["seed"])

    @property
    def interventions(self) -> list[dict[str, Any]]:
        """Interventions made from Python (see Simulation.interventions)."""
        return list(self._metadata.get(INTERVENTIONS, []))

    @property
    def events(self) -> pd.DataFrame:
        """Events (shocks) recorded in the results file: date, type,
        parameters (JSON), condition (a trigger's expression, "intervention" for
        Simulation.apply_shock, else empty)."""
        if self._events is None:
            return pd.DataFrame(
                {
                    "date": pd.Series([], dtype="datetime64[ns]"),
                    "type": pd.Series([], dtype=object),
                    "parameters": pd.Series([], dtype=object),
                    "condition": pd.Series([], dtype=object),
                }
            )
        return self._events.copy()

    @property
    def network_names(self) -> tuple[str, ...]:
        """Networks with snapshots in the results file (``/networks``), in the
        order the run declared them; empty for a live simulation."""
        return tuple(self._networks)

    def networks(self, name: str) -> dict[pd.Timestamp, NetworkSnapshot]:
        """Snapshots of network ``name`` (e.g. ``"interbank"``) from the
        results file: ``{date: NetworkSnapshot(nodes, edges)}`` in date order::

            for date, (nodes, edges) in results.networks("interbank").items():
                exposure = edges.groupby("target")["weight"].sum()  # per creditor

        Read from :attr:`source` on each call (only the snapshots complete when
        the file was opened; if that was a ``.partial`` since renamed by the
        run's end, from the finished file). Raises KeyError for a network the
        file does not hold.
        """
        if name not in self._networks:
            have = ", ".join(self._networks) or "none"
            raise KeyError(f"no network {name!r} in these results (networks: {have})")
        path = self._source
        assert path is not None  # only results files have networks
        if not os.path.exists(path) and path.endswith(".partial"):
            path = path[: -len(".partial")]
        rows = self._networks[name]
        with hdf5_lock, _open_h5(path) as f:
            return _read_network(f[f"networks/{name}"], rows, self._start_date)

    @property
    def source(self) -> str | None:
        """The file these results were read from (None for a live simulation)."""
        return self._source

    # -- tables --

    def to_pandas(self) -> pd.DataFrame:
        """DataFrame indexed by date, one float64 column per indicator;
        ``df.attrs["units"]`` and ``df.attrs["descriptions"]`` map names."""
        df = pd.DataFrame(
            {n: np.asarray(v, dtype=np.float64) for n, v in self._series.items()},
            index=self.dates,
        )
        df.attrs["units"] = self.units
        df.attrs["descriptions"] = self.descriptions
        return df

    def to_xarray(self) -> xarray.Dataset:
        """xarray Dataset over the ``date`` dimension; every variable carries
        ``units``, ``long_name`` and ``description`` attributes — the same
        layout ``xr.open_dataset(path, group="timeseries")`` reads from a
        results file."""
        import xarray as xr

        date_attrs = {
            "standard_name": "time",
            "long_name": "simulated calendar day",
            "axis": "T",
        }
        data_vars = {
            n: (
                "date",
                np.asarray(v, dtype=np.float64),
                {
                    "units": self._units[n],
                    "long_name": n.replace("_", " "),
                    "description": self._descriptions[n],
                },
            )
            for n, v in self._series.items()
        }
        return xr.Dataset(
            data_vars, coords={"date": ("date", self.dates.values, date_attrs)}
        )

    def __repr__(self) -> str:
        where = f" from {self._source!r}" if self._source else ""
        if len(self):
            span = f"{self.dates[0].date()} … {self.dates[-1].date()}"
        else:
            span = "no rows yet"
        n = len(self._series)
        return f"<pfsim.Results{where}: {len(self)} days ({span}), {n} indicators>"


# -- results files --

_SINCE = re.compile(r"days since (\d{4}-\d{2}-\d{2})")


def _open_h5(path: str) -> Any:
    import h5py

    try:
        return h5py.File(path, "r")
    except OSError:
        # A `.partial` left by a killed or still running writer is in SWMR
        # mode; it opens for reading with swmr=True.
        return h5py.File(path, "r", swmr=True)


def _creation_order(group: Any) -> list[str]:
    """Member names in the order they were written (name order as a fallback)."""
    import h5py

    names: list[str] = []
    try:
        group.id.links.iterate(
            lambda n: names.append(n.decode()), idx_type=h5py.h5.INDEX_CRT_ORDER
        )
    except Exception:  # creation order not tracked
        return list(group.keys())
    return names


def open_results(path: str | os.PathLike[str]) -> Results:
    """Reads a results file (finished, or a ``.partial`` of an interrupted or
    killed run) into a :class:`Results`.

    If ``path`` does not exist but ``path + ".partial"`` does, the partial
    file is read. Rows of a partial file are those complete at its last flush.
    Safe to call from several threads: reads take turns (:data:`hdf5_lock`).
    """
    path = os.fspath(path)
    if not os.path.exists(path) and os.path.exists(path + ".partial"):
        path += ".partial"
    with hdf5_lock:  # safe on threads: reads take turns (see hdf5_lock)
        # The engine reads the file's structure first, without HDF5's retries on
        # damaged metadata (h5py would retry for minutes): a damaged, truncated or
        # foreign file raises ScenarioError naming it, at once.
        _core.inspect_results_file(path)
        try:
            return _read_results(path)
        except (OSError, KeyError) as e:  # data damaged past the structure (inflate() failed, ...)
            raise _damaged(path, e) from e


def _damaged(path: str, e: Exception) -> Exception:
    message = f"{path}: cannot read results file: {e}"
    err = _core.ScenarioError(message)
    err.diagnostics = [
        {"file": path, "line": 0, "column": 0, "key_path": "", "message": message, "hint": ""}
    ]
    return err


def _read_results(path: str) -> Results:
    with _open_h5(path) as f:
        ts = f["timeseries"]
        date = ts["date"]
        rows = date.shape[0]  # written last in each flush: counts complete rows
        match = _SINCE.fullmatch(_text(date.attrs["units"]).strip())
        if match is None:
            raise ValueError(
                f"{path}: /timeseries/date has no 'days since YYYY-MM-DD' units"
            )
        start = datetime.date.fromisoformat(match.group(1))
        days = np.rint(date[:rows]).astype(np.int64)
        series, units, descriptions = {}, {}, {}
        for name in _creation_order(ts):
            ds = ts[name]
            if name == "date" or getattr(ds, "ndim", 0) != 1:
                continue
            series[name] = ds[:rows]
            units[name] = _text(ds.attrs.get("units", ""))
            descriptions[name] = _text(ds.attrs.get("description", ""))

        metadata: dict[str, Any] = {}
        if "metadata" in f:
            meta = f["metadata"]
            metadata.update({k: _text(v) for k, v in meta.attrs.items()})
            for key in meta:
                if key == INTERVENTIONS:
                    metadata[key] = json.loads(_text(meta[key][()]))
                elif meta[key].shape == ():
                    metadata[key] = _text(meta[key][()])
        metadata.setdefault(INTERVENTIONS, [])
        events = _read_events(f, start)
        networks = _network_rows(f)
    return Results(
        start_date=start,
        days=days,
        series=series,
        units=units,
        descriptions=descriptions,
        metadata=metadata,
        events=events,
        source=path,
        networks=networks,
    )


def _read_events(f: Any, start: datetime.date) -> pd.DataFrame | None:
    if "events" not in f or "event" not in f["events"]:
        return None
    ev = f["events"]
    n = ev["event"].shape[0]
    day = ev["day"][:n].astype(np.int64)
    return pd.DataFrame(
        {
            "date": pd.Timestamp(start) + pd.to_timedelta(day, unit="D"),
            "type": _text(ev["type"][:n]),
            "parameters": _text(ev["parameters"][:n]),
            "condition": _text(ev["condition"][:n]),
        }
    )


def _network_rows(f: Any) -> dict[str, _NetworkRows]:
    """The complete snapshots of each network and the node and edge rows they
    cover: `snapshot` is written last in each flush, so in a `.partial` the other
    columns may be longer; they are cut to these counts."""
    if "networks" not in f:
        return {}
    out = {}
    for name in _creation_order(f["networks"]):
        g = f["networks"][name]
        n = g["snapshot"].shape[0]
        nodes = edges = 0
        if n:
            nodes = int(g["node_start"][n - 1] + g["node_count"][n - 1])
            edges = int(g["edge_start"][n - 1] + g["edge_count"][n - 1])
        out[name] = _NetworkRows(n, nodes, edges)
    return out


def _read_network(
    g: Any, rows: _NetworkRows, start: datetime.date
) -> dict[pd.Timestamp, NetworkSnapshot]:
    n = rows.snapshots
    day = g["day"][:n].astype(np.int64)
    node_start = g["node_start"][:n]
    node_count = g["node_count"][:n]
    edge_start = g["edge_start"][:n]
    edge_count = g["edge_count"][:n]
    ng, eg = g["nodes"], g["edges"]
    node_columns: dict[str, np.ndarray] = {
        "node_kind": _node_kinds(ng["node_kind"], rows.nodes),
        "node_index": ng["node_index"][: rows.nodes],
    }
    for column in _creation_order(ng):
        if column not in _NODE_COLUMNS:
            node_columns[column] = ng[column][: rows.nodes]
    edge_columns = {c: eg[c][: rows.edges] for c in ("source", "target", "weight")}
    units = _text(eg["weight"].attrs.get("units", "RMB"))

    out: dict[pd.Timestamp, NetworkSnapshot] = {}
    dates = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    for k in range(n):
        a, b = int(node_start[k]), int(node_start[k] + node_count[k])
        nodes = pd.DataFrame(
            {c: v[a:b] for c, v in node_columns.items()},
            index=pd.RangeIndex(b - a, name="node"),
        )
        a, b = int(edge_start[k]), int(edge_start[k] + edge_count[k])
        edges = pd.DataFrame(
            {c: v[a:b] for c, v in edge_columns.items()},
            index=pd.RangeIndex(b - a, name="edge"),
        )
        edges.attrs["units"] = {"weight": units}
        out[dates[k]] = NetworkSnapshot(nodes, edges)
    return out


def recover(
    partial: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> str:
    """Turns the ``.partial`` file of a killed or interrupted run into a
    finished results file, like ``pfsim recover``; returns its path.

    ``out`` defaults to ``partial`` without ``.partial``. Every day up to the
    run's last flush is kept. Raises :class:`ScenarioError` (naming the file)
    when the file is damaged beyond recovery, is not a pfsim results file, or
    its run is still writing it; it fails within seconds on any damaged input.
    """
    partial = os.fspath(partial)
    if out is None:
        if not partial.endswith(".partial"):
            raise ValueError(
                f"{partial!r} does not end in '.partial'; give the output file as out="
            )
        out = partial[: -len(".partial")]
    out = os.fspath(out)
    with hdf5_lock:
        _core.recover(partial, out)
    return out

