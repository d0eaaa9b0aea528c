"""Sweep files: reading, validating (with positions) and resolving.

A sweep file names a base scenario, fixed ``set:`` overrides, the swept
``parameters`` (levels or ranges), a ``design``, replicate ``seeds`` and what
to ``record`` of each run (docs/sweeps.md). It is checked in two passes, both
reporting ``file:line:column: key.path: message`` with a hint:

1. the JSON Schema :data:`SWEEP_SCHEMA` (``pfsim schema --sweep``) — keys,
   types, enumerations;
2. the meaning — the scenario loads with ``set:``, each parameter is a path
   of the scenario and every level / range end is a value the scenario's own
   schema accepts (checked by the engine through the ``pfsim`` package),
   recorded indicators exist, dates fall inside the run, ranges are ordered.

Every problem is collected before :class:`SweepFileError` is raised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import math
import pathlib
from typing import Any

__all__ = ["SWEEP_SCHEMA", "SweepFileError", "SweepSpec", "Parameter", "Statistic", "load_sweep", "sweep_schema_json"]

DESIGNS = ("grid", "list", "latin_hypercube", "sobol", "random", "morris")
STATISTICS = ("mean", "min", "max", "sum", "at", "first_crossing")
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

_window = {
    "description": "`all` (every recorded day) or `[FIRST, LAST]`, two dates (inclusive)",
    "oneOf": [
        {"const": "all"},
        {
            "type": "array",
            "items": {"type": "string", "pattern": _DATE},
            "minItems": 2,
            "maxItems": 2,
        },
    ],
}

SWEEP_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://pfsim.invalid/schema/sweep.json",
    "title": "pfsim sweep file",
    "description": "A parameter sweep / ensemble over a pfsim scenario (docs/sweeps.md).",
    "type": "object",
    "required": ["scenario", "parameters"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "description": "A label for reports."},
        "description": {"type": "string"},
        "scenario": {
            "type": "string",
            "minLength": 1,
            "description": "The base scenario file, relative to the sweep file (or a name in scenarios/).",
        },
        "set": {
            "type": "object",
            "description": "Fixed overrides of every run, scenario path → value (as `pfsim run --set`).",
            "additionalProperties": {"type": ["number", "string", "boolean", "array"]},
        },
        "population": {
            "type": "integer",
            "minimum": 1,
            "description": "N consumer agents for the same economy, as `pfsim run --population N` "
            "(smes.count and run.scale follow); applied before `set:`.",
        },
        "steps": {
            "type": "integer",
            "minimum": 1,
            "maximum": 36500,
            "description": "Days to simulate (default: the scenario's run.days).",
        },
        "parameters": {
            "type": "object",
            "minProperties": 1,
            "description": "The swept parameters, scenario path → {levels: [...]} or {range: [lo, hi]}.",
            "additionalProperties": {"$ref": "#/$defs/parameter"},
        },
        "design": {"$ref": "#/$defs/design"},
        "seeds": {
            "description": "Replicate seeds: a list, or {count: N, first: S} for S, S+1, ...",
            "oneOf": [
                {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1, "uniqueItems": True},
                {
                    "type": "object",
                    "required": ["count"],
                    "additionalProperties": False,
                    "properties": {
                        "count": {"type": "integer", "minimum": 1, "maximum": 100000},
                        "first": {"type": "integer", "minimum": 0},
                    },
                },
            ],
        },
        "record": {
            "type": "object",
            "description": "Indicator → statistics of each run that go into summary.csv.",
            "additionalProperties": {"$ref": "#/$defs/statistics"},
        },
        "sensitivity": {"$ref": "#/$defs/sensitivity"},
        "from": {
            "description": "Start every run from a checkpoint: `warmup` (the sweep writes one per seed at the end "
            "of the spin-up, in DIR/warmups/) or a checkpoint file (relative to the sweep file; `{seed}` in the name "
            "is replaced by each seed); also {warmup: true} or {checkpoint: FILE}.",
            "oneOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "maxProperties": 1,
                    "properties": {
                        "warmup": {"const": True, "description": "One warm-up per seed, shared by every point."},
                        "checkpoint": {
                            "type": "string",
                            "minLength": 1,
                            "description": "A file; `{seed}` is replaced.",
                        },
                    },
                },
            ],
        },
        "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "description": "Per run; a run over it fails."},
    },
    "$defs": {
        "parameter": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "levels": {"type": "array", "minItems": 1, "items": {"type": ["number", "string", "boolean"]}},
                "range": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
                "scale": {"enum": ["linear", "log"], "description": "How a range is sampled (log: uniform in log)."},
                "steps": {"type": "integer", "minimum": 2, "description": "Grid/list: a range in this many levels."},
            },
        },
        "design": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": list(DESIGNS)},
                "points": {
                    "description": "Sampled designs: how many points (Saltelli: base samples N). list: the points.",
                    "oneOf": [
                        {"type": "integer", "minimum": 1, "maximum": 1000000},
                        {"type": "array", "minItems": 1, "items": {"type": "object", "minProperties": 1}},
                    ],
                },
                "seed": {"type": "integer", "minimum": 0, "description": "Seed of the design's own sampler."},
                "trajectories": {"type": "integer", "minimum": 2, "description": "morris: trajectories r."},
                "levels": {"type": "integer", "minimum": 2, "description": "morris: grid levels p (default 4)."},
            },
        },
        "statistics": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {
                "mean": _window,
                "min": _window,
                "max": _window,
                "sum": _window,
                "at": {"type": "string", "pattern": _DATE, "description": "The value on this date."},
                "first_crossing": {
                    "type": "object",
                    "description": "The first date the value is above / below a threshold (empty if never).",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "maxProperties": 2,
                    "properties": {"above": {"type": "number"}, "below": {"type": "number"}, "window": _window},
                },
            },
        },
        "sensitivity": {
            "type": "object",
            "required": ["method"],
            "additionalProperties": False,
            "properties": {
                "method": {"enum": ["sobol", "morris"]},
                "bootstrap": {"type": "integer", "minimum": 10, "maximum": 100000},
                "level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "outputs": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
        },
    },
}


def sweep_schema_json() -> str:
    """The JSON Schema of sweep files (``pfsim schema --sweep``)."""
    return json.dumps(SWEEP_SCHEMA, indent=2)


@dataclasses.dataclass
class Problem:
    line: int | None
    column: int | None
    path: str
    message: str
    hint: str = ""

    def format(self, file: str) -> str:
        where = file if self.line is None else f"{file}:{self.line}:{self.column}"
        text = f"{where}: {self.path or '(top)'}: {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")


class SweepFileError(ValueError):
    """A sweep file is malformed; ``problems`` has one entry per problem, each with
    line, column (1-based), key path, message and hint."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        super().__init__("\n".join(p.format(file) for p in problems))


@dataclasses.dataclass
class Parameter:
    path: str
    levels: list | None = None
    low: float | None = None
    high: float | None = None
    scale: str = "linear"
    integer: bool = False  # the scenario parameter is an integer: sampled values are rounded

    def from_unit(self, u: float):
        """The value at ``u`` ∈ [0, 1] of the parameter's range (or its levels)."""
        if self.levels is not None:
            return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return int(round(x)) if self.integer else float(x)


@dataclasses.dataclass
class Statistic:
    indicator: str
    stat: str  # mean / min / max / sum / at / first_crossing
    window: tuple[str, str] | None = None  # ISO dates; None = all
    date: str | None = None  # at
    above: float | None = None
    below: float | None = None

    @property
    def column(self) -> str:
        return f"{self.indicator}.{self.stat}"


@dataclasses.dataclass
class SweepSpec:
    file: pathlib.Path
    text: str
    name: str
    scenario: pathlib.Path
    fixed: dict
    steps: int | None
    parameters: list[Parameter]
    design: dict
    seeds: list[int]
    record: list[Statistic]
    sensitivity: dict | None
    timeout: float | None
    start_date: str
    days: int
    # Where runs start: None (day 0), {"kind": "warmup"} (one checkpoint per seed
    # at the end of the spin-up, written by the sweep) or {"kind": "checkpoint",
    # "path": FILE} (`{seed}` in FILE is replaced by each seed).
    start_from: dict | None = None

    def checkpoint_file(self, seed: int) -> pathlib.Path | None:
        """The given checkpoint a run of ``seed`` starts from (None: not `from: FILE`)."""
        if not self.start_from or self.start_from["kind"] != "checkpoint":
            return None
        return pathlib.Path(self.start_from["path"].replace("{seed}", str(seed)))

    def scenario_digest(self) -> str:
        return hashlib.sha256(self.scenario.read_bytes()).hexdigest()


# --- YAML with positions -------------------------------------------------------------------------


def _compose(text: str, file: str):
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        msg = f"not valid YAML: {err.problem or err.context}"
        raise SweepFileError(file, [Problem(line, col, "", msg, "check indentation, quotes and colons there")])
    except yaml.YAMLError as err:
        raise SweepFileError(file, [Problem(None, None, "", f"not valid YAML: {err}")])


def _to_data(node, path: tuple, marks: dict, key_marks: dict, problems: list):
    """Plain Python data from a YAML node; records the position of every value
    (``marks``) and mapping key (``key_marks``); dates become ISO strings."""
    import yaml

    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for knode, vnode in node.value:
            key = yaml.SafeLoader("").construct_object(knode) if isinstance(knode, yaml.ScalarNode) else None
            if not isinstance(key, (str, int, float, bool)) or isinstance(key, bool):
                problems.append(
                    Problem(knode.start_mark.line + 1, knode.start_mark.column + 1, _dotted(path), "a key must be text")
                )
                continue
            key = str(key)
            if key in out:
                problems.append(
                    Problem(
                        knode.start_mark.line + 1,
                        knode.start_mark.column + 1,
                        _dotted(path + (key,)),
                        "duplicate key",
                        f"first given on line {key_marks[path + (key,)][0]}; keep one",
                    )
                )
                continue
            key_marks[path + (key,)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            out[key] = _to_data(vnode, path + (key,), marks, key_marks, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(v, path + (i,), marks, key_marks, problems) for i, v in enumerate(node.value)]
    try:
        value = yaml.SafeLoader("").construct_object(node)
    except (ValueError, yaml.YAMLError):  # e.g. 2019-13-01: looks like a date, is not one
        value = str(node.value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, float) and not math.isfinite(value):
        return str(node.value)  # .nan / .inf: rejected by the schema as text
    return value


def _dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


# --- checks ----------------------------------------------------------------------------------------


class _Located:
    def __init__(self, marks, key_marks):
        self.marks, self.key_marks = marks, key_marks
        self.problems: list[Problem] = []

    def at(self, path, message, hint="", key=False):
        path = tuple(path)
        pos = None
        if key:
            pos = self.key_marks.get(path)
        p = path
        while pos is None and p:
            pos = self.marks.get(p)
            p = p[:-1]
        if pos is None:
            pos = self.marks.get((), (None, None))
        self.problems.append(Problem(pos[0], pos[1], _dotted(path), message, hint))


def _schema_pass(data, loc: _Located) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SWEEP_SCHEMA)
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = list((err.schema.get("properties") or {}).keys())
            extra = [k for k in err.instance if k not in allowed] if isinstance(err.instance, dict) else []
            for k in extra:
                close = difflib.get_close_matches(k, allowed, n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(allowed)}"
                loc.at(path + (k,), f"unknown key `{k}`", hint, key=True)
            continue
        if err.validator == "required":
            loc.at(path, err.message, "see `pfsim schema --sweep` or docs/sweeps.md")
            continue
        if err.validator == "enum":
            close = difflib.get_close_matches(str(err.instance), [str(v) for v in err.validator_value], n=1)
            hint = f"did you mean `{close[0]}`?" if close else ""
            loc.at(path, f"`{err.instance}` is not one of {', '.join(map(str, err.validator_value))}", hint)
            continue
        if err.validator == "oneOf":
            loc.at(
                path, f"{json.dumps(err.instance, default=str)} is not valid here", err.schema.get("description", "")
            )
            continue
        hint = ""
        if err.validator == "pattern":
            hint = "dates are YYYY-MM-DD"
        loc.at(path, err.message, hint)


def _set_text(scenario, path: str, text: str) -> None:
    """Applies ``path=text`` exactly as ``pfsim run --set`` does (the value as YAML text)."""
    scenario._core.set(path, text)


def _yaml_scalar(text: str):
    import yaml

    value = yaml.safe_load(text)
    if isinstance(value, str):  # "1e+06": YAML 1.1 reads it as text, the scenario as a number
        try:
            return float(value)
        except ValueError:
            pass
    return value


def _scenario_module():
    from ._pfsim import pfsim

    return pfsim()


def _check_meaning(data: dict, file: pathlib.Path, loc: _Located) -> SweepSpec | None:
    from ._cli import find_scenario, format_value

    pf = _scenario_module()
    base = None
    scen_arg = data["scenario"]
    candidate = (file.parent / scen_arg) if not pathlib.Path(scen_arg).is_absolute() else pathlib.Path(scen_arg)
    try:
        scen_path = candidate.resolve() if candidate.is_file() else find_scenario(scen_arg)
    except FileNotFoundError:
        loc.at(("scenario",), f"scenario file {candidate} not found", "the path is relative to the sweep file")
        return None
    try:
        base = pf.Scenario(str(scen_path))
    except Exception as err:  # pfsim.ScenarioError: the scenario itself is broken
        loc.at(("scenario",), f"the scenario does not load: {err}", f"check it with `pfsim validate {scen_path}`")
        return None
    known_paths = set(base.keys())

    def check_path(where, path):
        if path in known_paths:
            return True
        if _EVENT_FIELD.match(path):  # a field of one of the scenario's events (`events[0].share`)
            import yaml

            events = (yaml.safe_load(base.to_yaml()) or {}).get("events") or []
            index = int(path.split("[", 1)[1].split("]", 1)[0])
            if index < len(events):
                return True  # each value is then checked by setting it (try_value)
            loc.at(where, f"`{path}`: the scenario has {len(events)} events", "events[i] counts from 0", key=True)
            return False
        close = difflib.get_close_matches(path, sorted(known_paths), n=1)
        hint = f"did you mean `{close[0]}`?" if close else "see `pfsim schema` for the parameter paths"
        loc.at(where, f"`{path}` is not a parameter of the scenario", hint, key=True)
        return False

    fixed: dict = {}
    if "population" in data:
        try:
            for assignment in base._core.population_overrides(int(data["population"])):
                path, value = assignment.split("=", 1)
                _set_text(base, path, value)
                fixed[path] = _yaml_scalar(value)
        except Exception as err:
            loc.at(("population",), f"rejected by the scenario: {err}")
    for key in data.get("set") or {}:
        fixed.pop(key, None)  # set: wins, in its own order after population
    fixed.update(data.get("set") or {})
    for key, value in (data.get("set") or {}).items():
        if not check_path(("set", key), key):
            continue
        try:
            _set_text(base, key, format_value(value) if not isinstance(value, list) else json.dumps(value))
        except Exception as err:
            loc.at(("set", key), f"rejected by the scenario: {err}")
    table = pf.schema()
    rows = table.reset_index().to_dict("records") if hasattr(table, "to_dict") else list(table)
    schema_rows = {row["path"]: row for row in rows}

    def spec_row(path):
        generic = path
        import re

        generic = re.sub(r"\[\d+\]", "[]", path)
        return schema_rows.get(generic, {})

    def try_value(where, path, value):
        trial = base.copy()
        try:
            _set_text(trial, path, format_value(value))
        except Exception as err:
            loc.at(where, f"{format_value(value)} is rejected by the scenario: {err}")

    params: list[Parameter] = []
    design = dict(data.get("design") or {"type": "grid"})
    dtype = design["type"]
    for path, p in data["parameters"].items():
        if not check_path(("parameters", path), path):
            continue
        if path in fixed:
            loc.at(("parameters", path), f"`{path}` is both swept and fixed in `set:`", "remove it from one", key=True)
        has_levels, has_range = "levels" in p, "range" in p
        where = ("parameters", path)
        row = spec_row(path)
        explicit = dtype == "list" and isinstance(design.get("points"), list)
        if explicit and not has_levels and not has_range:
            params.append(Parameter(path, levels=[], integer=row.get("type") == "integer"))
            continue  # the design's points give the values
        if has_levels == has_range:
            loc.at(where, "give exactly one of `levels:` or `range:`", "levels: [a, b, ...] or range: [lo, hi]")
            continue
        integer = row.get("type") == "integer"
        if has_levels:
            if "scale" in p:
                loc.at(where + ("scale",), "`scale:` applies to a `range:`", "remove it, or give range: [lo, hi]")
            if "steps" in p:
                loc.at(where + ("steps",), "`steps:` applies to a `range:`", "remove it, or give range: [lo, hi]")
            for i, v in enumerate(p["levels"]):
                try_value(where + ("levels", i), path, v)
            if len(set(map(json.dumps, p["levels"]))) != len(p["levels"]):
                loc.at(where + ("levels",), "repeated level", "each level once (replicates are `seeds:`)")
            params.append(Parameter(path, levels=list(p["levels"]), integer=integer))
            continue
        lo, hi = p["range"]
        scale = p.get("scale", "linear")
        if row.get("type") not in ("number", "integer") and not _EVENT_FIELD.match(path):
            loc.at(where + ("range",), f"`{path}` is a {row.get('type', '?')}, not a number", "use levels: [...]")
            continue
        if not lo < hi:
            loc.at(where + ("range",), f"range [{lo}, {hi}]: the low end must be below the high end")
            continue
        if scale == "log" and lo <= 0:
            loc.at(where + ("range",), f"a log-scale range must be positive, found low end {lo}", "or scale: linear")
            continue
        try_value(where + ("range", 0), path, int(lo) if integer else float(lo))
        try_value(where + ("range", 1), path, int(hi) if integer else float(hi))
        prm = Parameter(path, low=float(lo), high=float(hi), scale=scale, integer=integer)
        if "steps" in p:
            n = int(p["steps"])
            prm.levels = [prm.from_unit(k / (n - 1)) for k in range(n)]
            prm.levels = list(dict.fromkeys(prm.levels))
        elif dtype == "grid" or (dtype == "list" and not explicit):
            loc.at(where, f"a `{dtype}` design needs levels", "add steps: N to the range, or give levels: [...]")
        params.append(prm)

    # design
    npar = len(data["parameters"])
    if dtype in ("latin_hypercube", "sobol", "random"):
        if not isinstance(design.get("points"), int):
            loc.at(
                ("design",), f"a `{dtype}` design needs `points:` (a number)", "e.g. design: {type: sobol, points: 64}"
            )
    if dtype == "list":
        pts = design.get("points")
        if isinstance(pts, int):
            loc.at(("design", "points"), "a `list` design's points are a list of {path: value}", "or leave it out")
        elif pts is None:
            lengths = {len(p.levels or []) for p in params}
            if len(lengths) > 1:
                loc.at(("parameters",), "a `list` design zips the levels: every parameter needs as many levels")
        else:
            for i, point in enumerate(pts):
                for k, v in point.items():
                    if k not in data["parameters"]:
                        loc.at(("design", "points", i, k), f"`{k}` is not in `parameters:`", "add it there", key=True)
                    else:
                        try_value(("design", "points", i, k), k, v)
                for k in data["parameters"]:
                    if k not in point:
                        loc.at(("design", "points", i), f"the point gives no value for `{k}`")
    if dtype != "morris":
        for k in ("trajectories", "levels"):
            if k in design:
                loc.at(("design", k), f"`{k}:` is for a `morris` design", "remove it", key=True)
    elif "points" in design:
        loc.at(("design", "points"), "a morris design is sized by `trajectories:`", "remove points:", key=True)
    if dtype in ("grid", "list") and "seed" in design:
        loc.at(("design", "seed"), f"a `{dtype}` design draws nothing: `seed:` has no effect", "remove it", key=True)
    if dtype in ("grid", "list") and "points" in design and dtype == "grid":
        loc.at(("design", "points"), "a grid's points are every combination of the levels", "remove it", key=True)
    if dtype in ("latin_hypercube", "sobol", "random", "morris") and npar and "seed" not in design:
        design["seed"] = 0

    sens = data.get("sensitivity")
    if sens is not None:
        method = sens["method"]
        if method == "sobol" and dtype != "sobol":
            loc.at(("sensitivity", "method"), "Sobol indices need `design: {type: sobol}` (Saltelli sampling)")
        if method == "morris" and dtype != "morris":
            loc.at(("sensitivity", "method"), "Morris elementary effects need `design: {type: morris}`")
        if method == "sobol" and any(p.levels is not None and p.low is None for p in params):
            loc.at(("parameters",), "Sobol indices need every parameter as a `range:`", "replace levels by range")

    # seeds
    seeds_raw = data.get("seeds")
    if seeds_raw is None:
        seeds = [int(base["run.seed"])]
    elif isinstance(seeds_raw, dict):
        first = int(seeds_raw.get("first", 1))
        seeds = list(range(first, first + int(seeds_raw["count"])))
    else:
        seeds = [int(s) for s in seeds_raw]

    # run window and records
    steps = data.get("steps")
    start = dt.date.fromisoformat(str(base["run.start_date"])[:10])
    days = int(steps) if steps is not None else int(base["run.days"])
    last = start + dt.timedelta(days=days - 1)

    def check_date(where, text):
        try:
            d = dt.date.fromisoformat(text)
        except ValueError:
            loc.at(where, f"`{text}` is not a date", "YYYY-MM-DD")
            return None
        if not start <= d <= last:
            loc.at(where, f"{text} is outside the run ({start} to {last})", "use a date the run simulates")
            return None
        return d

    def window(where, w):
        if w == "all" or w is None:
            return None
        a, b = check_date(where + (0,), w[0]), check_date(where + (1,), w[1])
        if a and b and b < a:
            loc.at(where, f"the window ends ({b}) before it starts ({a})")
        return (w[0], w[1])

    ind_table = pf.indicators()
    names = set(ind_table.index) if ind_table.index.name == "name" else set(ind_table["name"])
    record: list[Statistic] = []
    for ind, stats in (data.get("record") or {}).items():
        if ind not in names:
            close = difflib.get_close_matches(ind, sorted(names), n=1)
            hint = f"did you mean `{close[0]}`?" if close else "see `pfsim indicators` or docs/indicators.md"
            loc.at(("record", ind), f"`{ind}` is not an indicator", hint, key=True)
            continue
        for stat, arg in stats.items():
            where = ("record", ind, stat)
            if stat == "at":
                check_date(where, arg)
                record.append(Statistic(ind, "at", date=arg))
            elif stat == "first_crossing":
                if ("above" in arg) == ("below" in arg):
                    loc.at(where, "give one threshold: `above:` or `below:`", "e.g. first_crossing: {above: 0.05}")
                    continue
                record.append(
                    Statistic(
                        ind,
                        stat,
                        window=window(where + ("window",), arg.get("window")),
                        above=arg.get("above"),
                        below=arg.get("below"),
                    )
                )
            else:
                record.append(Statistic(ind, stat, window=window(where, arg)))
    if sens is not None and "outputs" in sens:
        cols = {s.column for s in record}
        for i, o in enumerate(sens["outputs"]):
            if o not in cols:
                close = difflib.get_close_matches(o, sorted(cols), n=1)
                loc.at(
                    ("sensitivity", "outputs", i),
                    f"`{o}` is not a recorded statistic",
                    f"did you mean `{close[0]}`?" if close else "outputs are INDICATOR.STAT columns of record:",
                )
    start_from = None
    if "from" in data:
        start_from = _check_from(data, file, base, schema_rows, spec_row, seeds, loc)
        if start_from and start_from["kind"] == "checkpoint" and seeds_raw is None:
            seeds = [start_from["seed"]]
    if loc.problems:
        return None
    return SweepSpec(
        file=file,
        text="",
        name=str(data.get("name") or file.stem),
        scenario=scen_path,
        fixed=fixed,
        steps=int(steps) if steps is not None else None,
        parameters=params,
        design=design,
        seeds=seeds,
        record=record,
        sensitivity=dict(sens) if sens is not None else None,
        timeout=float(data["timeout_seconds"]) if "timeout_seconds" in data else None,
        start_date=start.isoformat(),
        days=days,
        start_from=start_from,
    )


_EVENT_FIELD = __import__("re").compile(r"^events\[\d+\]\.[A-Za-z_][A-Za-z0-9_.]*$")


def read_checkpoint_head(path) -> dict:
    """The seed, day and scenario text of a pfsim checkpoint file (ValueError
    naming what is wrong when it is not one)."""
    import h5py
    import numpy as np

    from ._pfsim import hdf5_lock

    try:
        with hdf5_lock(), h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
            fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
            if fmt != "pfsim-checkpoint":
                raise ValueError("not a pfsim checkpoint (no format = pfsim-checkpoint attribute)")
            seed = int(np.asarray(f["world/seed"][()]).reshape(-1)[0])
            step = int(np.asarray(f["world/step"][()]).reshape(-1)[0])
            spinup = int(np.asarray(f["world/spinup_days"][()]).reshape(-1)[0])
            text = bytes(np.asarray(f["scenario/resolved_text"][()], dtype=np.uint8)).decode("utf-8")
    except OSError as err:
        raise ValueError(f"not a readable HDF5 file ({err})") from err
    except KeyError as err:
        raise ValueError(f"a damaged checkpoint (missing {err})") from err
    return {"seed": seed, "day": step - spinup, "scenario_text": text}


def _check_from(data, file, base, schema_rows, spec_row, seeds, loc) -> dict | None:
    """Checks `from:` — the swept parameters may change in a branch, a given
    checkpoint exists, its seed matches the seeds and its economy (the frozen
    parameters) is the sweep's; returns the resolved `from`."""
    raw = data["from"]
    if isinstance(raw, dict):
        kind = "warmup" if "warmup" in raw else "checkpoint"
        given = raw.get("checkpoint")
        where = ("from", kind)
    else:
        kind = "warmup" if raw == "warmup" else "checkpoint"
        given = None if kind == "warmup" else raw
        where = ("from",)
    # A branch keeps what the world was built with: sweeping such a parameter from one checkpoint is not a sweep.
    for path in data["parameters"]:
        if _EVENT_FIELD.match(path):
            continue  # events dated after the checkpoint fire in the branch
        why = spec_row(path).get("frozen_in_a_branch", "")
        if why:
            loc.at(
                ("parameters", path),
                f"`{path}` cannot be swept from a checkpoint: it cannot change in a branch ({why})",
                "remove `from:` (every run from day 0), or sweep a live parameter (`pfsim schema`) or an event's field",
                key=True,
            )
    if kind == "warmup":
        return {"kind": "warmup"}
    candidate = pathlib.Path(given)
    if not candidate.is_absolute():
        candidate = file.parent / candidate
    templated = "{seed}" in given
    seed_list = seeds if templated else [None]
    head = None
    for seed in seed_list:
        ckpt = pathlib.Path(str(candidate).replace("{seed}", str(seed))) if templated else candidate
        if not ckpt.is_file():
            loc.at(where, f"checkpoint {ckpt} not found", "the path is relative to the sweep file; or `from: warmup`")
            continue
        try:
            head = read_checkpoint_head(ckpt)
        except ValueError as err:
            loc.at(where, f"{ckpt}: {err}", "write one with `pfsim run SCENARIO --checkpoint-every N`")
            continue
        if templated and head["seed"] != seed:
            loc.at(where, f"{ckpt} was taken with seed {head['seed']}, not {seed}", "one checkpoint per seed")
            continue
        if not templated and "seeds" in data and any(s != head["seed"] for s in seeds):
            others = sorted({s for s in seeds if s != head["seed"]})
            loc.at(
                ("seeds",),
                f"every run from {ckpt} has its seed {head['seed']} (draws are keyed on the seed: a branch cannot "
                f"change it), so seeds {others} cannot start from it",
                f"seeds: [{head['seed']}], or `from: warmup` for one warm-up per seed, or one checkpoint per seed "
                "with `{seed}` in its name",
            )
        _check_same_economy(data, base, head, ckpt, schema_rows, where, loc)
    if head is None:
        return None
    return {"kind": "checkpoint", "path": str(candidate.resolve()), "seed": head["seed"], "day": head["day"]}


def _check_same_economy(data, base, head, ckpt, schema_rows, where, loc) -> None:
    """The frozen parameters of the base scenario + `set:` must be the checkpoint's."""
    import re

    pf = _scenario_module()
    try:
        theirs = pf.Scenario.from_yaml(head["scenario_text"], source=str(ckpt))
    except Exception as err:
        loc.at(where, f"{ckpt}: its scenario does not load with this pfsim: {err}", "take the checkpoint again")
        return
    set_keys = set(data.get("set") or {})
    for path in sorted(set(base.keys()) & set(theirs.keys())):
        why = (schema_rows.get(path) or schema_rows.get(re.sub(r"\[\d+\]", "[]", path)) or {}).get(
            "frozen_in_a_branch", ""
        )
        if not why or path == "run.seed":
            continue
        try:
            mine, ckv = base[path], theirs[path]
        except (KeyError, TypeError):
            continue
        if json.dumps(mine, default=str) == json.dumps(ckv, default=str):
            continue
        at = ("set", path) if path in set_keys else where
        loc.at(
            at,
            f"`{path}` is {mine} here but {ckv} in the checkpoint {ckpt.name}: it cannot change in a branch ({why})",
            "use the overrides (`population:`, `set:`) the checkpoint was taken with",
            key=path in set_keys,
        )


def load_sweep(path) -> SweepSpec:
    """Reads and checks a sweep file.

    Raises:
        FileNotFoundError: no such file.
        SweepFileError: every problem found, each with line, column, key path and hint.
    """
    file = pathlib.Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file}: no such sweep file")
    text = file.read_text(encoding="utf-8")
    name = str(path)
    root = _compose(text, name)
    if root is None:
        raise SweepFileError(name, [Problem(1, 1, "", "the sweep file is empty", "see docs/sweeps.md for an example")])
    marks: dict = {}
    key_marks: dict = {}
    problems: list[Problem] = []
    data = _to_data(root, (), marks, key_marks, problems)
    loc = _Located(marks, key_marks)
    loc.problems.extend(problems)
    if not isinstance(data, dict):
        loc.at((), "the sweep file must be a mapping of keys (scenario:, parameters:, ...)", "see docs/sweeps.md")
        raise SweepFileError(name, loc.problems)
    _schema_pass(data, loc)
    if loc.problems:
        raise SweepFileError(name, loc.problems)
    spec = _check_meaning(data, file.resolve(), loc)
    if loc.problems or spec is None:
        raise SweepFileError(name, loc.problems)
    spec.text = text
    return spec
