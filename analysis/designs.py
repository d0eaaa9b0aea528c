"""Experimental designs: the points of a sweep.

Every design is a deterministic function of the sweep file (its parameters and
the design's own ``seed``), so a point's index names the same values on every
machine and in every rerun. Sampled designs draw in the unit cube (SciPy's
``scipy.stats.qmc``) and map each column to its parameter's range (uniformly,
or uniformly in log for ``scale: log``) or levels.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

__all__ = ["Design", "make_design", "saltelli_unit", "morris_unit"]


class Design:
    """The points of a sweep: ``points`` (list of {path: value}), ``unit``
    (array points × parameters in [0, 1], None for grid / list), ``kind``
    (``"plain"``, ``"saltelli"`` or ``"morris"``) and ``info`` (N and d for
    Saltelli, trajectories and levels for Morris)."""

    def __init__(self, points, unit=None, kind="plain", info=None):
        self.points = points
        self.unit = unit
        self.kind = kind
        self.info = info or {}


def saltelli_unit(n: int, d: int, seed: int) -> np.ndarray:
    """Saltelli's sampling: rows A (n), B (n), then AB_i (n each, i = 1..d; A
    with column i from B), from a scrambled Sobol' sequence of 2d dimensions."""
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n not a power of 2: balance is lost, not correctness
        base = qmc.Sobol(2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.vstack(blocks)


def morris_unit(trajectories: int, d: int, levels: int, seed: int) -> np.ndarray:
    """Morris one-at-a-time trajectories on a ``levels``-level grid of [0, 1]:
    ``trajectories`` × (d + 1) rows; along a trajectory each factor moves once,
    by Δ = levels / (2 (levels − 1)), in a random order and direction."""
    rng = np.random.default_rng(seed)
    delta = levels / (2.0 * (levels - 1))
    grid = np.arange(levels) / (levels - 1)
    rows = []
    for _ in range(trajectories):
        x = rng.choice(grid, size=d)
        rows.append(x.copy())
        for i in rng.permutation(d):
            x[i] = x[i] + delta if x[i] + delta <= 1 + 1e-12 else x[i] - delta
            rows.append(x.copy())
    return np.clip(np.array(rows), 0.0, 1.0)


def make_design(spec) -> Design:
    """The design of a :class:`~analysis.sweep_file.SweepSpec`."""
    params = spec.parameters
    kind = spec.design["type"]
    seed = int(spec.design.get("seed", 0))
    d = len(params)
    paths = [p.path for p in params]
    if kind == "grid":
        combos = itertools.product(*[p.levels for p in params])
        return Design([dict(zip(paths, c)) for c in combos])
    if kind == "list":
        if spec.design.get("points") is not None:
            return Design([{k: point[k] for k in paths} for point in spec.design["points"]])
        return Design([dict(zip(paths, c)) for c in zip(*[p.levels for p in params])])
    n = int(spec.design.get("points", 0))
    sensitivity = (spec.sensitivity or {}).get("method")
    if kind == "sobol" and sensitivity == "sobol":
        unit = saltelli_unit(n, d, seed)
        info = {"N": n, "d": d}
        kind_out = "saltelli"
    elif kind == "sobol":
        from scipy.stats import qmc

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unit = qmc.Sobol(d, scramble=True, seed=seed).random(n)
        info, kind_out = {}, "plain"
    elif kind == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d, seed=seed).random(n)
        info, kind_out = {}, "plain"
    elif kind == "random":
        unit = np.random.default_rng(seed).random((n, d))
        info, kind_out = {}, "plain"
    elif kind == "morris":
        r = int(spec.design.get("trajectories", 10))
        p = int(spec.design.get("levels", 4))
        unit = morris_unit(r, d, p, seed)
        info, kind_out = {"trajectories": r, "levels": p, "d": d}, "morris"
    else:  # the schema allows only the kinds above
        raise ValueError(f"unknown design {kind!r}")
    points = [{prm.path: prm.from_unit(float(u)) for prm, u in zip(params, row)} for row in unit]
    return Design(points, unit=unit, kind=kind_out, info=info)
