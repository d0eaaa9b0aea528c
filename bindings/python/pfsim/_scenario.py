"""Scenarios: what a run is asked to do (load, validate, override, inspect)."""

from __future__ import annotations

import datetime
import json
import numbers
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Union

import numpy as np
import pandas as pd

from . import _core

Overrides = Union[Mapping[str, Any], Iterable[str], None]


def _yaml_value(value: Any) -> str:
    """A Python value as the YAML text of a scalar parameter."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        # A double-quoted YAML scalar: "a: b" stays one string. The loader
        # reads the scalar's text, so quoted numbers and dates work as well.
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(
        f"cannot set a scenario parameter to a {type(value).__name__}; "
        "use a number, bool, str or datetime.date"
    )


def _assignments(overrides: Overrides) -> list[str]:
    """Overrides as 'path=value' strings (the form `pfsim run --set` takes)."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{path}={_yaml_value(value)}" for path, value in overrides.items()]
    if isinstance(overrides, str):
        raise TypeError("overrides must be a mapping or a list of 'path=value' strings")
    return [str(item) for item in overrides]


class Scenario:
    """A validated scenario: every parameter of a run, resolved.

    ``Scenario(path)`` loads a YAML scenario file and validates it against the
    schema (:func:`schema`); any problem raises :class:`pfsim.ScenarioError`
    listing *every* problem with file, line, column and key path.

    Parameters are addressed by key path, as in ``pfsim run --set``::

        sc = pfsim.Scenario("scenarios/baseline.yaml")
        sc["consumers.count"] = 20_000          # validated now; ScenarioError if bad
        sc["banks.tiers[0].capital_ratio"] = 0.1
        sc["consumers.count"]                   # 20000 (the resolved value)
        sc["banks.tiers"]                       # list of dicts; sc["consumers"] -> dict

    An override that is rejected leaves the scenario unchanged. The overrides
    are kept (:attr:`overrides`) and recorded in results files as
    interventions; the resolved scenario text (:meth:`to_yaml`) reproduces the
    run by itself. A :class:`Simulation` copies the scenario when it is built:
    changing the scenario afterwards does not affect that simulation.
    """

    _core: _core.Scenario

    def __init__(
        self, path: str | os.PathLike[str], overrides: Overrides = None
    ) -> None:
        """Loads and validates the scenario file at ``path``.

        ``overrides`` is a mapping ``{"consumers.count": 20000}`` or a list of
        ``"path=value"`` strings, applied after the file (like ``--set``).
        """
        self._core = _core.Scenario(os.fspath(path), _assignments(overrides))

    @classmethod
    def from_yaml(
        cls, text: str, *, source: str = "<string>", overrides: Overrides = None
    ) -> Scenario:
        """Loads and validates scenario YAML text (``source`` names it in errors).

        An empty text gives the defaults. ``Scenario.from_yaml(sc.to_yaml())``
        is an equal scenario; so is the text stored in a results file
        (``pfsim.open_results(path).scenario``).
        """
        return cls._wrap(
            _core.Scenario.from_text(text, source, _assignments(overrides))
        )

    @classmethod
    def defaults(cls) -> Scenario:
        """The scenario with every parameter at its default."""
        return cls.from_yaml("", source="<defaults>")

    @classmethod
    def _wrap(cls, core: _core.Scenario) -> Scenario:
        obj = cls.__new__(cls)
        obj._core = core
        return obj

    # -- parameters by key path --

    def __getitem__(self, path: str) -> Any:
        """The resolved value at a key path: a scalar (int, float, bool, str,
        datetime.date), a list of dicts (``"banks.tiers"``) or a dict (a section
        such as ``"consumers"``, or a list item ``"banks.tiers[0]"``).
        Raises KeyError for an unknown path."""
        return self._core.get(path)

    def __setitem__(self, path: str, value: Any) -> None:
        """Overrides one parameter; validated at once (ScenarioError if the
        path or the value is bad; the scenario is then unchanged)."""
        try:
            self._core.set(path, _yaml_value(value))
        except _core.ScenarioError as err:
            raise _override_error(err, path) from None

    def set_population(self, consumers: int) -> None:
        """``N`` consumer agents for the same economy, like ``pfsim run
        --population N``: ``smes.count`` follows in proportion and
        ``run.scale`` inversely, so that economy-wide totals (consumption,
        credit, ...) and amounts set economy-wide stay as they are; banks,
        regions and the interbank network stay. Changing ``consumers.count``
        alone would change the size of the economy."""
        if isinstance(consumers, bool) or not isinstance(consumers, numbers.Integral):
            raise TypeError(f"set_population takes a whole number of consumers, not {consumers!r}")
        try:
            assignments = self._core.population_overrides(int(consumers))
        except _core.ScenarioError as err:
            raise _override_error(err, "population") from None
        core = self._core.copy()
        for a in assignments:
            path, value = a.split("=", 1)
            core.set(path, value)
        self._core = core

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        try:
            self._core.get(path)
        except KeyError:
            return False
        return True

    def keys(self) -> list[str]:
        """Every parameter path, in schema order (list items indexed)."""
        return self._core.paths()

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as nested dicts and lists."""
        return self._core.get("")

    def to_yaml(self) -> str:
        """The resolved scenario as YAML, every parameter explicit (what
        results files store in /metadata/scenario)."""
        return self._core.to_yaml()

    def copy(self) -> Scenario:
        """An independent copy (same text, same overrides)."""
        return Scenario._wrap(self._core.copy())

    # -- where it came from --

    @property
    def source(self) -> str:
        """The file it was loaded from, or the ``source`` name given to from_yaml."""
        return self._core.source

    @property
    def overrides(self) -> dict[str, str]:
        """The overrides applied on top of the file: ``{path: value as YAML}``,
        in the order given (one per path; the latest wins)."""
        return dict(a.split("=", 1) for a in self._core.overrides)

    @property
    def look_at(self) -> list[str]:
        """The scenario's ``look_at:`` list: the indicators that answer its
        question (reports show these first); empty when it has none."""
        return list(self._core.look_at)

    @property
    def start_date(self) -> datetime.date:
        """The first simulated day (``run.start_date``)."""
        return self._core.get("run.start_date")

    @property
    def end_date(self) -> datetime.date:
        """The day after the last simulated day (``start_date + run.days``)."""
        return self.start_date + datetime.timedelta(days=self._core.get("run.days"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self.to_yaml() == other.to_yaml()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        if "_core" not in self.__dict__:  # __init__ failed
            return "<pfsim.Scenario (not loaded)>"
        n = len(self._core.overrides)
        extra = f", {n} override{'s' if n != 1 else ''}" if n else ""
        name, days = self._core.get("run.name"), self._core.get("run.days")
        return (
            f"<pfsim.Scenario {name!r} from {self.source!r}{extra}: "
            f"{days} days from {self.start_date}>"
        )


def _override_error(err: Exception, path: str) -> Exception:
    """A ScenarioError about one override, as Python wrote it:
    ``scenario['consumers.count']: message (hint)`` instead of ``--set: ...``."""
    diagnostics, lines = [], []
    for d in getattr(err, "diagnostics", ()):
        d = dict(d)
        if d.get("file") in ("--set", "--population"):
            d["file"], d["line"], d["column"] = "<Scenario>", 0, 0
            d["key_path"] = d.get("key_path") or path
            where = f"scenario[{d['key_path']!r}]"
        else:
            where = f"{d['file']}:{d['line']}:{d['column']}: {d['key_path']}" if d.get("line") else d["key_path"]
        diagnostics.append(d)
        lines.append(f"{where}: {d['message']}" + (f" ({d['hint']})" if d.get("hint") else ""))
    if not diagnostics:
        return err
    new = type(err)("\n".join(lines))
    new.diagnostics = diagnostics
    return new


def shock_types() -> pd.DataFrame:
    """Every shock type a scenario's ``events:`` (or
    :meth:`Simulation.apply_shock`) takes, one row per parameter, indexed by
    ``(shock_type, parameter)``: ``type``, ``unit``, ``min``, ``max``
    (None when unbounded), ``default`` (YAML; "" when none), ``required`` and
    ``help``. ``attrs["help"]`` maps each shock type to what it does, and
    ``attrs["phase_in"]`` to whether ``phase_in_days`` applies. Printing it
    gives the table; ``pfsim.shock_types().loc["cofunding_floor"]`` one type."""
    rows, helps, phase = [], {}, {}
    for t in _core.shock_types():
        helps[t["name"]] = t["help"]
        phase[t["name"]] = t["phase_in"]
        if not t["params"]:
            rows.append({"shock_type": t["name"], "parameter": "", "type": "", "unit": "", "min": None,
                         "max": None, "default": "", "required": False, "help": "(no parameters)"})
        for p in t["params"]:
            rows.append({"shock_type": t["name"], "parameter": p["name"], "type": p["type"], "unit": p["unit"],
                         "min": p["min"], "max": p["max"], "default": p["default"],
                         "required": p["required"], "help": p["help"]})
    df = pd.DataFrame(rows).set_index(["shock_type", "parameter"])
    df.attrs["help"] = helps
    df.attrs["phase_in"] = phase
    return df


def schema() -> pd.DataFrame:
    """The scenario schema: one row per parameter, indexed by key path
    (``banks.tiers[].count`` for list items), with type, unit, min, max,
    default (as YAML), help, the version that introduced it, ``live`` (a shock
    moves it) and ``frozen_in_a_branch`` (why a branch ``--from`` a checkpoint
    cannot change it; empty when it can)."""
    return pd.DataFrame(_core.schema()).set_index("path")
