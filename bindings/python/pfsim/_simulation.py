"""A running simulation: stepping, agent stores as numpy views, results."""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import operator
import os
import signal
import sys
import threading
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import _core, _progress
from ._ledger import Ledger
from ._results import NetworkSnapshot, Results
from ._scenario import Scenario


def _as_date(value: Any) -> datetime.date:
    """A date from 'YYYY-MM-DD', datetime.date or datetime, numpy.datetime64 or
    pandas.Timestamp."""
    if value is pd.NaT or (isinstance(value, np.datetime64) and np.isnat(value)):
        raise ValueError("expected a date, got NaT (not a time)")
    if isinstance(value, datetime.datetime):  # also pandas.Timestamp
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    raise TypeError(f"expected a date, got a {type(value).__name__}")


class ColumnInfo(NamedTuple):
    """Description of one agent column (from the engine's column registry)."""

    name: str
    unit: str  #: "fen", "fen/month", "1", "index", "id", "count", ...
    dtype: np.dtype
    description: str
    from_ledger: bool  #: a ledger balance (always read-only)
    writable: bool  #: may be written through Store.writable() / assignment


class Columns(tuple):
    """The columns of a store (a tuple of :class:`ColumnInfo`) that prints as
    a table — name, unit, dtype, writable, description — and converts with
    :meth:`to_pandas`."""

    __slots__ = ()

    def to_pandas(self) -> pd.DataFrame:
        """One row per column, indexed by name."""
        return pd.DataFrame(
            [c._asdict() for c in self],
            columns=list(ColumnInfo._fields),
        ).set_index("name")

    def __repr__(self) -> str:
        if not self:
            return "Columns()"
        rows = [("name", "unit", "dtype", "writable", "description")]
        for c in self:
            rows.append((c.name, c.unit, str(c.dtype), "yes" if c.writable else "", c.description))
        widths = [max(len(r[k]) for r in rows) for k in range(4)]
        lines = []
        for k, r in enumerate(rows):
            lines.append("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
            if k == 0:
                lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 11)
        return "\n".join(line.rstrip() for line in lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return self.to_pandas()._repr_html_()


def _python_shaped(err: Exception, what: str) -> Exception:
    """A ScenarioError of apply_shock as Python sees it: ``shock['share']:
    message (hint)``, without the file position of the scenario text the
    shock was checked in."""
    import re

    diagnostics, lines = [], []
    for d in getattr(err, "diagnostics", ()):
        d = dict(d)
        key = d.get("key_path", "")
        m = re.match(r"^events\[\d+\](?:\.(.+))?$", key)
        if d.get("file") == "<apply_shock>" or m:
            # key_path: the dict key ("" for the whole shock); the message: shock['key']
            d["file"], d["line"], d["column"] = "<apply_shock>", 0, 0
            d["key_path"] = (m.group(1) or "") if m else key
            where = f"{what}[{d['key_path']!r}]" if d["key_path"] else what
        elif d.get("line"):
            where = f"{d['file']}:{d['line']}:{d['column']}: {key}"
        else:
            where = key or d.get("file", "")
        diagnostics.append(d)
        lines.append(f"{where}: {d['message']}" + (f" ({d['hint']})" if d.get("hint") else ""))
    if not diagnostics:
        return err
    new = type(err)("\n".join(lines))
    new.diagnostics = diagnostics
    return new


class Store:
    """One agent store (``sim.consumers``, ``sim.smes``, ...): struct-of-arrays
    columns, one row per agent; an agent is a row index.

    Columns are attributes (or items) returning **zero-copy numpy views** of
    the engine's memory, **read-only**::

        sim.consumers.deposit          # int64 fen, a ledger balance
        sim.consumers["monthly_wage"]  # same as attribute access
        sim.consumers.columns          # names, units, dtypes, descriptions

    A view shows the live state: step the simulation and the same array shows
    the new values. It stays valid after ``del sim`` (it keeps the engine
    alive), but **not across a resize of its store** (agents entering or
    leaving): fetch it again after stepping rather than keeping it across steps
    (every attribute access returns a fresh view). Do not read views from one
    thread while another thread steps the simulation.

    Writing: ledger balances (deposits, net worth, ...) and structural columns
    (units ``id``, ``index``, ``count``) are never writable. Behavioural
    attributes (probabilities, rates, wages) can be written through
    :meth:`writable` or by assigning to the attribute
    (``sim.consumers.platform_adoption = 0.5``); such a write is recorded as an
    intervention (see :attr:`Simulation.interventions`), because it is not
    part of the scenario and a replay cannot repeat it.
    """

    __slots__ = ("_sim", "_name")

    def __init__(self, sim: Simulation, name: str) -> None:
        object.__setattr__(self, "_sim", sim)
        object.__setattr__(self, "_name", name)

    @property
    def name(self) -> str:
        """The store's name, e.g. ``"consumers"``."""
        return self._name

    def __len__(self) -> int:
        """Number of agents (rows)."""
        return self._sim._core.store_size(self._name)

    @property
    def columns(self) -> Columns:
        """Every column: name, unit, dtype, description, from_ledger, writable
        (a tuple of :class:`ColumnInfo` that prints as a table)."""
        return Columns(
            ColumnInfo(
                c["name"],
                c["unit"],
                np.dtype(c["dtype"]),
                c["description"],
                c["from_ledger"],
                c["writable"],
            )
            for c in self._sim._core.columns(self._name)
        )

    @property
    def units(self) -> dict[str, str]:
        """``{column: unit}``."""
        return {c.name: c.unit for c in self.columns}

    def __getitem__(self, column: str) -> np.ndarray:
        """A read-only zero-copy view of one column (KeyError if unknown)."""
        return self._sim._core.column(self._name, column, False)

    def __getattr__(self, column: str) -> np.ndarray:
        if column.startswith("_"):
            raise AttributeError(column)
        try:
            return self._sim._core.column(self._name, column, False)
        except KeyError:
            names = ", ".join(c.name for c in self.columns)
            raise AttributeError(
                f"store {self._name!r} has no column {column!r} (columns: {names})"
            ) from None

    def writable(self, column: str) -> np.ndarray:
        """A *writable* zero-copy view of a behavioural column.

        Raises ValueError for a ledger balance or a structural column (and
        says why). The write is recorded as an intervention at the current day.
        Values take effect from the next simulated day; the engine does not
        re-validate them (a probability above 1 is simply always true).
        """
        view = self._sim._core.column(self._name, column, True)
        self._sim._record(
            {
                "type": "column_write",
                "store": self._name,
                "column": column,
                "day": self._sim.days_done,
                "date": self._sim.date.isoformat(),
            }
        )
        return view

    def __setattr__(self, column: str, value: Any) -> None:
        """``store.column = values`` writes into the column (see writable())."""
        if column.startswith("_"):
            raise AttributeError(f"cannot set {column!r}")
        self.writable(column)[...] = value

    def to_pandas(self) -> pd.DataFrame:
        """A snapshot (copy) of every column as a DataFrame, one row per agent;
        ``df.attrs["units"]`` maps column → unit."""
        cols = self.columns
        df = pd.DataFrame({c.name: np.array(self[c.name], copy=True) for c in cols})
        df.index.name = "row"
        df.attrs["units"] = {c.name: c.unit for c in cols}
        return df

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {c.name for c in self.columns})

    def __repr__(self) -> str:
        cols = ", ".join(f"{c.name} [{c.unit}]" for c in self.columns)
        return f"<pfsim.Store {self._name!r}: {len(self)} agents; columns: {cols}>"


def _write_text_file(target: str, text: str, *, protect: str | None) -> None:
    """Writes ``text`` to ``target`` as the results file is written: never
    through a symlink, never into a FIFO (which would block), a device or a
    directory, never over ``protect`` (the scenario the file extends: it would
    then extend itself), and atomically (a temporary file in the same folder,
    created with O_EXCL, then renamed), so a kill leaves the old file or the
    new one. Raises ScenarioError naming the path."""
    import secrets
    import stat

    def refuse(why: str) -> None:
        raise _core.ScenarioError(f"{target}: {why}; pfsim only writes regular files and never "
                                  "writes through a link (remove it or choose another path)")

    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            refuse("is a symbolic link")
        if stat.S_ISDIR(st.st_mode):
            refuse("is a directory")
        if not stat.S_ISREG(st.st_mode):
            refuse("is not a regular file (a device, FIFO or socket)")
        if protect and os.path.exists(protect) and os.path.samefile(target, protect):
            raise _core.ScenarioError(
                f"{target}: would overwrite the scenario this run came from (the new file extends "
                "it); choose another path")
    folder = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Simulation:
    """A running simulation: a frozen copy of a scenario, the live world built
    from it, and the indicators recorded so far.

    ::

        sim = pfsim.Simulation(sc, seed=1, threads=2)
        sim.step(30)                        # 30 days
        sim.run(until="2019-12-31")         # ... through 31 Dec 2019 (inclusive)
        sim.run(progress=True)              # ... to the end of the scenario
        sim.date                            # the next day to simulate

    **Calendar.** :attr:`date` is the date of the *next* day to simulate: a new
    simulation has ``date == start_date``; after ``step(30)`` it is
    ``start_date + 30 days``, and the last recorded result row is for the day
    before. The scenario is complete when ``date == end_date``
    (:attr:`days_remaining` is 0); stepping further is allowed.

    **Agents.** Every agent store of the engine is an attribute —
    ``sim.consumers``, ``sim.smes``, ``sim.banks``, ``sim.platforms`` (see
    :attr:`stores`) — giving zero-copy numpy views (:class:`Store`). A store
    that this build does not have (e.g. ``sim.funds`` before funds exist)
    raises AttributeError naming the stores it has. :attr:`ledger` gives the
    balance sheets (:class:`Ledger`).

    **Threads and Ctrl-C.** Stepping releases the GIL: other Python threads run
    meanwhile and several simulations can step in parallel from several
    threads. Ctrl-C (on the main thread) stops a run at the next day boundary
    and raises KeyboardInterrupt; the world is consistent (every simulated day
    complete and audited) and the run can be continued.

    **Results.** :attr:`results` holds every recorded indicator so far.
    :meth:`save` writes them to an HDF5 results file; or pass ``out=`` to
    stream rows to ``out + ".partial"`` as the run goes (flushed every
    ``run.flush_every_steps`` days), renamed to ``out`` when the scenario's
    last day is simulated or on :meth:`close` (also on leaving a ``with``
    block without an exception). Overrides and column writes are recorded as
    :attr:`interventions` and stored in the file (/metadata/interventions).

    Parameters: ``scenario`` is a :class:`Scenario` or a path to a scenario
    file; ``seed`` defaults to the scenario's ``run.seed``; ``threads`` = 0
    uses every core (results are identical for any thread count); ``audit`` is
    how often the exact ledger audit runs: ``"default"`` (every step in
    release builds), ``"off"``, ``"step"`` or ``"phase"``.
    """

    def __init__(
        self,
        scenario: Scenario | str | os.PathLike[str],
        *,
        seed: int | None = None,
        threads: int = 0,
        out: str | os.PathLike[str] | None = None,
        audit: str = "default",
    ) -> None:
        if not isinstance(scenario, Scenario):
            scenario = Scenario(scenario)
        self._scenario = scenario.copy()
        seed = self._scenario["run.seed"] if seed is None else operator.index(seed)
        if not 0 <= seed <= 2**53:  # as `pfsim run --seed`
            raise ValueError(f"seed must be between 0 and 2**53, got {seed}")
        self._core = _core.Simulation(
            self._scenario._core, seed, operator.index(threads), audit
        )
        self._interventions: list[dict[str, Any]] = [
            {"type": "scenario_override", "path": path, "value": value, "day": None}
            for path, value in self._scenario.overrides.items()
        ]
        self._out: str | None = None
        if out is not None:
            path = os.fspath(out)
            self._core.open_results_file(path, self._scenario["run.flush_every_steps"])
            self._out = path

    # -- stepping --

    def step(self, days: int = 1) -> int:
        """Simulates ``days`` days; returns how many were simulated.

        KeyboardInterrupt (Ctrl-C) stops at a day boundary and propagates;
        :attr:`days_done` then tells how far the run got. SIGTERM (``timeout``,
        Slurm, ``docker stop``) while stepping on the main thread, with no
        handler of your own, ends the program like ``pfsim run`` does: the day
        in progress is finished, every simulated day is flushed to the
        ``.partial``, a checkpoint ``R.ckpt.h5`` is written beside ``out``
        (:meth:`load` or ``pfsim resume`` continue it) and the process exits
        with 143.
        """
        with self._terminate_at_day_boundary():
            done = self._core.step(operator.index(days))
        self._after_steps()
        return done

    def fork(self, *, threads: int | None = None) -> Simulation:
        """An independent copy of the simulation as it is now: world, results
        so far, fired events, waiting shocks, trigger state and interventions
        — but not the results file (``out``): the copy records in memory until
        you :meth:`save` it.

        The two then step on their own. Random draws are keyed on the seed,
        the agent and the day, so forks share common random numbers: given
        the same shocks they stay identical, and a shock applied to one makes
        them differ only from that day on. Warm an economy up once and branch
        policy variants from it::

            base = pfsim.Simulation(sc, seed=1)
            base.run(until="2020-10-31")
            variants = {share: base.fork() for share in (0.02, 0.1, 0.3)}
            for share, sim in variants.items():
                sim.apply_shock({"type": "cofunding_floor", "share": share})
                sim.run()

        ``threads`` defaults to this simulation's.
        """
        if threads is None:
            threads = self.threads
        copy = object.__new__(Simulation)
        copy._scenario = self._scenario.copy()
        copy._core = self._core.fork(operator.index(threads))
        copy._interventions = [dict(i) for i in self._interventions]
        copy._out = None
        return copy

    # -- checkpoints --

    def save_checkpoint(self, path: str | os.PathLike[str]) -> str:
        """Writes a checkpoint of the simulation as it is now to ``path`` (an
        HDF5 file; written as ``path.tmp`` and renamed, so an earlier
        checkpoint at ``path`` is replaced only by a whole one) and returns the
        path. It holds everything the next day reads — the world, the results
        so far, fired events, waiting shocks, trigger state and
        :attr:`interventions` — so :meth:`load` continues exactly this run, on
        another machine or thread count: ``sim.save_checkpoint(p);
        a = Simulation.load(p)`` then steps like ``sim.fork()``.

        Not the results: :meth:`save` writes the results file.
        docs/checkpoints.md describes the format.
        """
        target = os.fspath(path)
        state = {
            "interventions": self._interventions,
            "source": self._scenario.source,
            "overrides": self._scenario.overrides,
        }
        self._core.save_checkpoint(target, json.dumps(state, allow_nan=False))
        return target

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        threads: int = 0,
        audit: str | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Simulation:
        """The simulation a checkpoint holds (:meth:`save_checkpoint`, or
        ``pfsim run --checkpoint-every``), stepping with ``threads`` workers (0 =
        every core; results are identical for any count). ``audit`` defaults to
        the checkpointed run's. With ``out`` the results — every day from the
        first — stream to that file as with ``Simulation(..., out=)``.

        Raises :class:`ScenarioError` naming the file when it is missing, not
        HDF5, not a checkpoint, of another format version, truncated or corrupt.
        """
        target = os.fspath(path)
        core = _core.Simulation.load_checkpoint(target, operator.index(threads), audit or "")
        state = json.loads(core.checkpoint_frontend_json or "{}")
        text = core.scenario_yaml
        source = state.get("source") or core.scenario_source
        overrides = state.get("overrides") or {}
        scenario = None
        if source and os.path.isfile(source):
            # The scenario file and overrides, when they still give the same
            # scenario (interventions_as_scenario can then say `extends`).
            try:
                candidate = Scenario(source, overrides)
                if candidate.to_yaml() == text:
                    scenario = candidate
            except _core.ScenarioError:
                pass
        if scenario is None:
            scenario = Scenario.from_yaml(text, source=target)
        sim = object.__new__(cls)
        sim._scenario = scenario
        sim._core = core
        sim._interventions = list(state.get("interventions", []))
        sim._out = None
        if out is not None:
            path_out = os.fspath(out)
            sim._core.open_results_file(path_out, sim._scenario["run.flush_every_steps"])
            sim._out = path_out
        return sim

    @contextlib.contextmanager
    def _terminate_at_day_boundary(self):
        """SIGTERM as SystemExit(143) at the next day boundary, the .partial
        flushed and closed first; only while stepping, and only where SIGTERM
        still has its default action (a program's own handler is left alone)."""
        if (threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
            yield
            return
        received = []

        def on_sigterm(signum, frame):
            received.append(signum)
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, on_sigterm)
        try:
            yield
        except SystemExit:
            if received and self._out is not None:
                partial = self._core.results_partial_path
                out = self._out
                self._core.close_results_file()
                self._out = None
                print(f"pfsim: stopped by SIGTERM after {self.days_done} days; every simulated day "
                      f"is kept in {partial} (make it a results file with: pfsim recover {partial})",
                      file=sys.stderr, flush=True)
                # As `pfsim run`: a checkpoint beside the results (R.h5 → R.ckpt.h5).
                ckpt = os.path.splitext(out)[0] + ".ckpt.h5"
                try:
                    self.save_checkpoint(ckpt)
                    print(f"pfsim: checkpoint {ckpt} holds day {self.days_done}; continue with: "
                          f"pfsim resume {ckpt} --out {out}", file=sys.stderr, flush=True)
                except Exception as err:  # the results are safe; a checkpoint is a bonus
                    print(f"pfsim: checkpoint not written: {err}", file=sys.stderr, flush=True)
            raise
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def run(self, until: Any = None, *, progress: bool = False) -> int:
        """Simulates through ``until`` (inclusive), or to the end of the
        scenario when ``until`` is None; returns the days simulated.

        ``until`` is a date (``"2021-12-31"``, datetime.date, pandas.Timestamp,
        numpy.datetime64) and may lie beyond the scenario's end; afterwards
        :attr:`date` is the day after ``until``. ``progress=True`` shows a tqdm
        bar on stderr if tqdm is installed, else a simple progress line.
        """
        start = self.date
        if until is None:
            days = self.days_remaining
        else:
            last = _as_date(until)
            days = (last - start).days + 1
            if days < 0:
                raise ValueError(
                    f"until={last} is already simulated "
                    f"(the next day to simulate is {start})"
                )
        if not progress:
            return self.step(days)
        done = 0
        with self._terminate_at_day_boundary(), _progress.bar(days, start) as bar:
            while done < days:
                n = self._core.step(1)
                if n == 0:  # stopped by a signal handler that did not raise
                    break
                done += n
                bar.update(done, self.date)
            self._after_steps()
        return done

    def _after_steps(self) -> None:
        if self._out is not None and self._core.days_remaining == 0:
            self.close()

    # -- calendar --

    @property
    def date(self) -> datetime.date:
        """The date of the next day to simulate (``start_date + days_done``)."""
        return self._core.date

    @property
    def start_date(self) -> datetime.date:
        """The first simulated day (the scenario's ``run.start_date``)."""
        return self._core.start_date

    @property
    def end_date(self) -> datetime.date:
        """The day after the scenario's last day (``start_date + run.days``)."""
        return self._core.end_date

    @property
    def days_done(self) -> int:
        """Days simulated so far."""
        return self._core.days_done

    @property
    def days_remaining(self) -> int:
        """Days left until the scenario's end (0 when complete)."""
        return self._core.days_remaining

    # -- identity --

    @property
    def scenario(self) -> Scenario:
        """A copy of the scenario this simulation was built from."""
        return self._scenario.copy()

    @property
    def seed(self) -> int:
        """The random seed."""
        return self._core.seed

    @property
    def threads(self) -> int:
        """Worker threads used for stepping."""
        return self._core.threads

    @property
    def agent_count(self) -> int:
        """Agents in all stores."""
        return self._core.agent_count

    @property
    def networks(self) -> dict[str, NetworkSnapshot]:
        """Today's exposure networks, as the run's ``/networks`` records them:
        ``{name: NetworkSnapshot(nodes, edges)}`` for ``interbank`` (overnight
        plus term claims), ``colending``, ``fund_placements`` and
        ``suppliers`` (and ``interbank_clearing`` on a day a bank failed).
        ``edges`` is a pandas edge table (source owes target, RMB);
        ``snapshot.matrix()`` is the same as a ``scipy.sparse`` matrix::

            ib = sim.networks["interbank"]
            owed_by_bank = ib.matrix().sum(axis=1)
        """
        out: dict[str, NetworkSnapshot] = {}
        for n in self._core.networks_today():
            columns: dict[str, Any] = {
                "node_kind": np.asarray(n["node_kind"], dtype=object),
                "node_index": np.asarray(n["node_index"], dtype=np.uint32),
            }
            for key, values in n["node_attributes"].items():
                columns[key] = np.asarray(values, dtype=np.float64)
            nodes = pd.DataFrame(columns, index=pd.RangeIndex(len(n["node_kind"]), name="node"))
            edges = pd.DataFrame(
                {c: np.asarray(n[c], dtype=np.uint32) for c in ("source", "target")}
                | {"weight": np.asarray(n["weight"], dtype=np.float64)},
                index=pd.RangeIndex(len(n["source"]), name="edge"),
            )
            edges.attrs["units"] = {"weight": "RMB"}
            out[n["name"]] = NetworkSnapshot(nodes, edges)
        return out

    # -- agents and balance sheets --

    @property
    def stores(self) -> tuple[str, ...]:
        """Names of the agent stores this build has (each is an attribute)."""
        return tuple(_core.store_names())

    def store(self, name: str) -> Store:
        """The agent store called ``name`` (KeyError naming the stores if unknown)."""
        if name not in _core.store_names():
            raise KeyError(
                f"no agent store named {name!r} in this build of pfsim "
                f"(stores: {', '.join(self.stores)})"
            )
        return Store(self, name)

    def __getattr__(self, name: str) -> Store:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in _core.store_names():
            return Store(self, name)
        raise AttributeError(
            f"'Simulation' object has no attribute {name!r}; it is not an agent "
            f"store of this build of pfsim either (stores: {', '.join(self.stores)})"
        )

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(_core.store_names()))

    @property
    def ledger(self) -> Ledger:
        """The balance sheets: books, accounts, net worth, audit."""
        return Ledger(self)

    # -- interventions --

    def apply_shock(self, shock: dict[str, Any]) -> None:
        """Applies a shock from outside the scenario, e.g.
        ``sim.apply_shock({"type": "antitrust_fine", "yuan": 18.2e9})``.

        ``shock`` has the shape of an item of a scenario's ``events:`` (see
        docs/scenarios.md for every type and parameter). ``date`` defaults to
        :attr:`date` (the next day to simulate) and may be any later day of the
        run; with ``when`` (and ``repeat``) the shock is a trigger on the
        recorded indicators, as in a scenario file. It is validated exactly like
        a file (raises :class:`ScenarioError`), recorded in :attr:`interventions`
        and, once it fires, in :attr:`events` and the results file's
        ``/events`` (condition ``"intervention"``, or ``"intervention: <when>"``).
        """
        if not isinstance(shock, dict):
            raise TypeError(f"apply_shock takes a dict, not {type(shock).__name__}")
        event = dict(shock)
        if "when" not in event:
            event.setdefault("date", self.date.isoformat())
        if isinstance(event.get("date"), datetime.date):
            event["date"] = event["date"].isoformat()
        for key, value in event.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(
                    f"apply_shock: {key!r} is {value}; shock parameters must be finite numbers"
                )
        try:
            self._core.apply_shock(json.dumps(event, allow_nan=False))
        except _core.ScenarioError as err:
            raise _python_shaped(err, "shock") from None
        self._record({"type": "shock", "day": self.days_done, "event": event})

    @property
    def events(self) -> pd.DataFrame:
        """Events fired so far (scenario dates, triggers and apply_shock):
        date, type, parameters (JSON), condition."""
        rows = self._core.events
        start = pd.Timestamp(self.start_date)
        return pd.DataFrame(
            {
                "date": pd.to_datetime(
                    [start + pd.Timedelta(days=r["day"]) for r in rows]
                ).astype("datetime64[ns]"),
                "type": pd.Series([r["type"] for r in rows], dtype=object),
                "parameters": pd.Series([r["parameters"] for r in rows], dtype=object),
                "condition": pd.Series([r["condition"] for r in rows], dtype=object),
            }
        )

    @property
    def interventions(self) -> list[dict[str, Any]]:
        """Everything done to this run beyond the scenario file, in order:
        parameter overrides (``scenario_override``, before the start) and
        column writes (``column_write``, with the day). Stored in results files
        as JSON in /metadata/interventions."""
        return [dict(i) for i in self._interventions]

    def interventions_as_scenario(self, path: str | os.PathLike[str], *, self_contained: bool = False) -> str:
        """Writes a scenario file that reproduces this run, shocks included,
        and returns its path: ``pfsim run FILE`` (or ``Simulation(FILE)``)
        gives the same results.

        The file ``extends`` the scenario file the run came from, by a path
        relative to the folder of the file written (as ``extends:`` is always
        read), sets ``run.seed`` and every override made before the start, and
        lists every :meth:`apply_shock` as an event (its date, or its trigger)
        — a file that ``extends`` another appends its events. It keeps working
        when both files move together. With ``self_contained=True``, or where
        ``extends`` cannot say it (a scenario not from a file, or an override of
        one element of a list, since lists are replaced whole), the file is the
        resolved scenario (every setting explicit, no other file needed) with
        the shocks appended instead: what a download that may be saved
        anywhere needs. Column writes set values no scenario can hold: a run
        with any is refused (ValueError). Like :meth:`save`, ``path`` must be
        absent or a regular file (not a symlink, FIFO or device), and not the
        scenario the run came from (ScenarioError); the file is written whole
        or not at all.
        """
        writes = [i for i in self._interventions if i["type"] == "column_write"]
        if writes:
            names = ", ".join(sorted({f"{w['store']}.{w['column']}" for w in writes}))
            raise ValueError(f"this run wrote agent columns ({names}); a scenario file cannot "
                             "reproduce that: repeat the writes, or save the results instead")
        shocks = [json.dumps(i["event"], allow_nan=False)
                  for i in self._interventions if i["type"] == "shock"]
        source = self._scenario.source
        overrides = self._scenario.overrides
        from_file = (
            not self_contained and bool(source) and os.path.isfile(source) and not any("[" in k for k in overrides)
        )
        lines = [f"# The run of {source or 'a scenario'} (seed {self.seed}) with every intervention "
                 f"made from Python: written by Simulation.interventions_as_scenario."]
        if from_file:
            # Relative to the written file's folder, so the pair can move together.
            here = os.path.dirname(os.path.abspath(os.fspath(path)))
            lines.append(f"extends: {json.dumps(os.path.relpath(os.path.abspath(source), here))}")
            nested: dict[str, Any] = {}
            for key, value in {**overrides, "run.seed": str(self.seed)}.items():
                *parents, leaf = key.split(".")
                node = nested
                for part in parents:
                    node = node.setdefault(part, {})
                node[leaf] = value

            def emit(node: dict[str, Any], indent: str) -> None:
                for key, value in node.items():
                    if isinstance(value, dict):
                        lines.append(f"{indent}{key}:")
                        emit(value, indent + "  ")
                    else:
                        lines.append(f"{indent}{key}: {value}")

            emit(nested, "")
            lines.append("events:" if shocks else "events: []")
        else:
            text = self._scenario.copy()
            text["run.seed"] = self.seed
            resolved = text.to_yaml().rstrip("\n")
            if resolved.endswith("events: []"):
                resolved = resolved[: -len("events: []")] + ("events:" if shocks else "events: []")
            lines.append(resolved)
        lines += [f"  - {shock}" for shock in shocks]
        target = os.fspath(path)
        _write_text_file(target, "\n".join(lines) + "\n", protect=source)
        return target

    def _record(self, intervention: dict[str, Any]) -> None:
        if not self._interventions or self._interventions[-1] != intervention:
            self._interventions.append(intervention)

    # -- results --

    @property
    def results(self) -> Results:
        """A snapshot of the indicators recorded so far: one row per recorded day.

        The scenario's ``record:`` section chooses which indicators and how
        often (by default every indicator, every day)."""
        return Results._from_simulation(self)

    @property
    def out(self) -> str | None:
        """The results file being streamed to (``out=``), None when not streaming."""
        return self._out

    def save(self, path: str | os.PathLike[str]) -> str:
        """Writes every row recorded so far to an HDF5 results file at
        ``path`` (written as ``path.partial``, then renamed) with the run's
        metadata and interventions; returns the path. Not while streaming
        with ``out=`` (call :meth:`close` first)."""
        if self._out is not None:
            raise RuntimeError(
                f"this simulation streams its results to {self._out!r}; "
                "call close() before saving elsewhere"
            )
        path = os.fspath(path)
        self._core.open_results_file(path, self._scenario["run.flush_every_steps"])
        self._core.finish_results_file(json.dumps(self._interventions))
        return path

    def close(self) -> None:
        """Finishes the streamed results file: flush, add the
        interventions, rename ``out.partial`` to ``out``. No-op when not streaming. The
        simulation stays usable."""
        if self._out is None:
            return
        self._out = None
        # The engine writes the interventions into the file before renaming it
        # into place: a kill at any moment leaves either no file or a whole one.
        self._core.finish_results_file(json.dumps(self._interventions))

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        # On an exception (e.g. KeyboardInterrupt) the .partial file is left as
        # is: it is completed (every simulated day) when the simulation is freed.
        if exc_type is None:
            self.close()

    def __repr__(self) -> str:
        if "_core" not in self.__dict__:  # __init__ failed
            return "<pfsim.Simulation (not built)>"
        try:
            done, total = self.days_done, self.days_done + self.days_remaining
            where = f"day {done} of {total}, next {self.date}"
        except RuntimeError:  # being stepped by another thread
            where = "stepping"
        return (
            f"<pfsim.Simulation {self._scenario['run.name']!r} seed={self.seed} "
            f"threads={self.threads}: {where}>"
        )
